//! Per-key aggregation: usage lines grouped by customer, product or month
//! of the window, each key's quantities combined (sum, largest or latest
//! reading), and the keys' values summed or the largest taken; and a
//! measure taken within each month of its window (`in every month`).
//!
//! Only the general evaluator computes these; the fast path gives up on a
//! policy that uses them (see [`super::fold`]).

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::window::Window;
use crate::model::{Aggregate, Key};

/// One counted line, as per-key aggregation reads it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Reading<'l> {
    /// Index of the line in the partner's usage (or revenue) lines.
    pub(crate) line: usize,
    /// Its date.
    pub(crate) date: NaiveDate,
    /// Its customer as written, `None` when it names none.
    pub(crate) customer: Option<&'l str>,
    /// The measure's product it matched, as the policy writes it.
    pub(crate) product: &'l str,
    /// Its quantity (or amount).
    pub(crate) value: Decimal,
}

/// One key's value in a keyed measure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyValue {
    /// The customer, as the key's first line writes it (with `per customer`).
    pub customer: Option<String>,
    /// The product, as the policy writes it (with `per product`).
    pub product: Option<String>,
    /// The month of the window (with `per month`): its first and last day.
    pub month: Option<(NaiveDate, NaiveDate)>,
    /// The key's value: its lines combined.
    pub value: Decimal,
    /// With `latest`: the date of the reading taken.
    pub as_of: Option<NaiveDate>,
    /// The lines of the key (indices).
    pub lines: Vec<usize>,
}

impl KeyValue {
    /// The key in words, e.g. `customer Contoso, product EMS`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(c) = &self.customer {
            parts.push(format!("customer {c}"));
        }
        if let Some(p) = &self.product {
            parts.push(format!("product {p}"));
        }
        if let Some((first, last)) = self.month {
            parts.push(format!("month {first} to {last}"));
        }
        parts.join(", ")
    }
}

/// A measure's value within one month of its window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MonthValue {
    /// The month's first day.
    pub first: NaiveDate,
    /// The month's last day.
    pub last: NaiveDate,
    /// The measure's value within it.
    pub value: Decimal,
}

/// What identifies a key: the customer (compared as customers are), the
/// product as the policy writes it, and the month's index in the window.
type KeyId<'l> = (Option<String>, Option<&'l str>, Option<usize>);

/// A keyed measure's value and each key's; `None` when a sum overflows.
/// Lines without a customer belong to no key when `keys` has `customer`
/// (the caller reports them). With no keys, all lines are one key.
pub(crate) fn combine(
    readings: &[Reading<'_>],
    aggregate: Aggregate,
    keys: &[Key],
    largest: bool,
    months: &[Window],
) -> Option<(Decimal, Vec<KeyValue>)> {
    let by_customer = keys.contains(&Key::Customer);
    let by_product = keys.contains(&Key::Product);
    let by_month = keys.contains(&Key::Month);
    // Each key's place in `values`, which keeps the order of first lines.
    let mut index: HashMap<KeyId<'_>, usize> = HashMap::new();
    let mut values: Vec<KeyValue> = Vec::new();
    for r in readings {
        let customer = match (by_customer, r.customer) {
            (false, _) => None,
            (true, Some(c)) => match super::customer_key(c) {
                Some(key) => Some((key, c)),
                None => continue,
            },
            (true, None) => continue,
        };
        let month = by_month
            .then(|| months.iter().position(|m| m.contains(r.date)))
            .flatten();
        let id: KeyId<'_> = (
            customer.as_ref().map(|(k, _)| k.clone()),
            by_product.then_some(r.product),
            month,
        );
        let slot = match index.get(&id) {
            Some(&i) => values.get_mut(i),
            None => {
                index.insert(id, values.len());
                values.push(KeyValue {
                    customer: customer.map(|(_, written)| written.trim().to_owned()),
                    product: by_product.then(|| r.product.to_owned()),
                    month: month
                        .and_then(|i| months.get(i))
                        .map(|m| (m.first_day(), m.end)),
                    value: r.value,
                    as_of: (aggregate == Aggregate::Latest).then_some(r.date),
                    lines: vec![r.line],
                });
                continue;
            }
        };
        let Some(kv) = slot else { continue };
        kv.lines.push(r.line);
        match aggregate {
            Aggregate::Sum => kv.value = kv.value.checked_add(r.value)?,
            Aggregate::Max => kv.value = kv.value.max(r.value),
            // A later reading replaces; of several on the latest date the
            // largest counts, so a report repeated on one day counts once.
            Aggregate::Latest => match kv.as_of {
                Some(date) if r.date < date => {}
                Some(date) if r.date == date => kv.value = kv.value.max(r.value),
                _ => {
                    kv.value = r.value;
                    kv.as_of = Some(r.date);
                }
            },
        }
    }
    let total = if largest {
        values
            .iter()
            .map(|v| v.value)
            .max()
            .unwrap_or(Decimal::ZERO)
    } else {
        values
            .iter()
            .try_fold(Decimal::ZERO, |sum, v| sum.checked_add(v.value))?
    };
    Some((total, values))
}

/// The measure within each month of the window, chronologically; `None`
/// when a sum overflows.
pub(crate) fn by_month(
    readings: &[Reading<'_>],
    aggregate: Aggregate,
    keys: &[Key],
    largest: bool,
    months: &[Window],
) -> Option<Vec<MonthValue>> {
    months
        .iter()
        .map(|month| {
            let inside: Vec<Reading<'_>> = readings
                .iter()
                .filter(|r| month.contains(r.date))
                .copied()
                .collect();
            let (value, _) = combine(&inside, aggregate, keys, largest, months)?;
            Some(MonthValue {
                first: month.first_day(),
                last: month.end,
                value,
            })
        })
        .collect()
}
