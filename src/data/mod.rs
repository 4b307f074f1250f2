//! Partner data: reading files of partner records (one JSON object, a JSON
//! array, or JSON Lines), typed deserialisation that borrows from the input,
//! and validation of each record with spans for diagnostics.
//!
//! Reading ([`read`]) only frames records; parsing ([`Partner::parse`]) is
//! per record, so one bad record never loses the others.

mod error;
mod fields;
pub mod read;
mod source;

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

pub(crate) use error::clip;
pub use error::{DataError, FirstListing};
pub use fields::{FieldValue, LineFields, line_fields};
pub use source::{DataSource, Record};

use crate::ast::Span;

/// A record of the data (a partner, a person, a line, an exam pass), named
/// as messages name it.
trait Kind {
    /// What it is called in a message, e.g. `a person`.
    const WHAT: &'static str;
}

/// A record that must be a JSON object. serde's derive would also read a
/// struct from an array of its fields in order (`["P-1", "Contoso"]`); data
/// written that way is a mistake, not a record, so it is refused here.
struct Object<T>(T);

impl<'de, T: Deserialize<'de> + Kind> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Only<T>(std::marker::PhantomData<T>);

        impl<'de, T: Deserialize<'de> + Kind> Visitor<'de> for Only<T> {
            type Value = Object<T>;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(T::WHAT)
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Object<T>, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Object)
            }

            fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Object<T>, A::Error> {
                Err(de::Error::custom(format_args!(
                    "{} must be a JSON object, not an array",
                    T::WHAT
                )))
            }
        }

        // `deserialize_any`, not `deserialize_map`: an array reaches
        // `visit_seq`, which says what a record must be.
        deserializer.deserialize_any(Only(std::marker::PhantomData))
    }
}

/// A partner record as it appears in the JSON; unknown fields are ignored.
#[derive(Deserialize)]
#[serde(expecting = "a partner record")]
struct PartnerJson<'a> {
    #[serde(borrow)]
    id: &'a RawValue,
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    market: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    people: Option<Vec<Object<PersonJson<'a>>>>,
    #[serde(borrow, default)]
    revenue: Option<Vec<Object<RevenueJson<'a>>>>,
    #[serde(borrow, default)]
    usage: Option<Vec<Object<UsageJson<'a>>>>,
    #[serde(borrow, default)]
    attributes: Option<Vec<Cow<'a, str>>>,
}

impl Kind for PartnerJson<'_> {
    const WHAT: &'static str = "a partner record";
}

#[derive(Deserialize)]
#[serde(expecting = "a usage line")]
struct UsageJson<'a> {
    #[serde(borrow)]
    metric: Cow<'a, str>,
    #[serde(borrow)]
    product: Cow<'a, str>,
    #[serde(borrow)]
    quantity: &'a RawValue,
    #[serde(borrow)]
    date: Cow<'a, str>,
    #[serde(borrow, default)]
    customer: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    associations: Option<Vec<Cow<'a, str>>>,
    #[serde(default)]
    paid: Option<bool>,
}

impl Kind for UsageJson<'_> {
    const WHAT: &'static str = "a usage line";
}

#[derive(Deserialize)]
#[serde(expecting = "a person")]
struct PersonJson<'a> {
    #[serde(borrow)]
    id: &'a RawValue,
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    exams: Option<Vec<Object<ExamJson<'a>>>>,
}

impl Kind for PersonJson<'_> {
    const WHAT: &'static str = "a person";
}

#[derive(Deserialize)]
#[serde(expecting = "an exam pass")]
struct ExamJson<'a> {
    #[serde(borrow)]
    code: Cow<'a, str>,
    #[serde(borrow)]
    passed: Cow<'a, str>,
}

impl Kind for ExamJson<'_> {
    const WHAT: &'static str = "an exam pass";
}

#[derive(Deserialize)]
#[serde(expecting = "a revenue line")]
struct RevenueJson<'a> {
    #[serde(borrow, default)]
    customer: Option<Cow<'a, str>>,
    #[serde(borrow)]
    product: Cow<'a, str>,
    #[serde(borrow, rename = "type")]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    amount: &'a RawValue,
    #[serde(borrow)]
    currency: Cow<'a, str>,
    #[serde(borrow)]
    date: Cow<'a, str>,
    #[serde(borrow, default)]
    associations: Option<Vec<Cow<'a, str>>>,
}

impl Kind for RevenueJson<'_> {
    const WHAT: &'static str = "a revenue line";
}

/// An identifier from the data (a partner's or a person's): a JSON string or
/// number, kept as written so that reports echo it exactly.
#[derive(Clone, Copy, Debug)]
pub struct Id<'a> {
    raw: &'a RawValue,
}

impl<'a> Id<'a> {
    /// An identifier from its JSON.
    pub fn from_json(raw: &'a RawValue) -> Self {
        Id { raw }
    }

    /// The identifier as JSON, exactly as in the input.
    pub fn json(&self) -> &'a RawValue {
        self.raw
    }

    /// The identifier as text: a string's contents, or a number's digits.
    pub fn text(&self) -> Cow<'a, str> {
        let raw = self.raw.get();
        if raw.starts_with('"') {
            serde_json::from_str::<Cow<'a, str>>(raw).unwrap_or(Cow::Borrowed(raw))
        } else {
            Cow::Borrowed(raw)
        }
    }
}

/// A validated partner, borrowing its strings from the record text.
#[derive(Debug)]
pub struct Partner<'a> {
    /// The record it was read from, for diagnostics.
    pub record: &'a Record,
    /// Its identifier.
    pub id: Id<'a>,
    /// Its name.
    pub name: Option<Cow<'a, str>>,
    /// Its market, e.g. `developed`.
    pub market: Option<Cow<'a, str>>,
    /// Its employees.
    pub people: Vec<Person<'a>>,
    /// Its revenue lines.
    pub revenue: Vec<RevenueLine<'a>>,
    /// Its usage lines (seats, devices, consumption, active users).
    pub usage: Vec<UsageLine<'a>>,
    /// Facts about the partner, e.g. `surface_hub_reseller`.
    pub attributes: Vec<Cow<'a, str>>,
}

/// One usage line: a quantity of a metric for a product on a date.
#[derive(Debug)]
pub struct UsageLine<'a> {
    /// The metric, e.g. `deployed_seats`.
    pub metric: Cow<'a, str>,
    /// The product.
    pub product: Cow<'a, str>,
    /// The quantity, exact.
    pub quantity: Decimal,
    /// Where the quantity is written, within the record.
    pub quantity_span: Span,
    /// The date of the line.
    pub date: NaiveDate,
    /// The customer.
    pub customer: Option<Cow<'a, str>>,
    /// Partner-of-record kinds held for the line.
    pub associations: Vec<Cow<'a, str>>,
    /// Whether the line is paid (not a trial or free); `None` when not stated.
    pub paid: Option<bool>,
}

/// An employee of a partner.
#[derive(Debug)]
pub struct Person<'a> {
    /// Identifier, unique within the partner.
    pub id: Id<'a>,
    /// Name.
    pub name: Option<Cow<'a, str>>,
    /// Credentials passed (exams, assessments, certifications).
    pub exams: Vec<ExamPass<'a>>,
}

/// A credential a person passed.
#[derive(Debug)]
pub struct ExamPass<'a> {
    /// The code as written in the data.
    pub code: Cow<'a, str>,
    /// The date it was passed.
    pub passed: NaiveDate,
}

/// One revenue line.
#[derive(Debug)]
pub struct RevenueLine<'a> {
    /// The customer.
    pub customer: Option<Cow<'a, str>>,
    /// The product sold.
    pub product: Cow<'a, str>,
    /// Its type, e.g. `net_new` or `renewal`.
    pub kind: Cow<'a, str>,
    /// The amount, exact; negative for credits.
    pub amount: Decimal,
    /// Where the amount is written, within the record.
    pub amount_span: Span,
    /// Its currency code.
    pub currency: Cow<'a, str>,
    /// Where the currency is written, within the record.
    pub currency_span: Span,
    /// The date of the line.
    pub date: NaiveDate,
    /// Partner-of-record kinds held for the line, e.g. `dpor`.
    pub associations: Vec<Cow<'a, str>>,
}

/// Where `part`, a slice of `whole`, starts within it.
pub(crate) fn offset_in(whole: &str, part: &str) -> Option<usize> {
    let start = (part.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
    (start + part.len() <= whole.len()).then_some(start)
}

#[expect(
    clippy::ptr_arg,
    reason = "whether the value is borrowed tells whether it has a place in the record"
)]
/// The span of a borrowed string value within the record, quotes included;
/// an escaped (owned) value falls back to `fallback`.
fn string_span(whole: &str, value: &Cow<'_, str>, fallback: Span) -> Span {
    match value {
        Cow::Borrowed(s) => match offset_in(whole, s) {
            Some(start) if start > 0 => Span::new(start - 1, start + s.len() + 1),
            _ => fallback,
        },
        Cow::Owned(_) => fallback,
    }
}

fn raw_span(whole: &str, raw: &RawValue) -> Span {
    let text = raw.get();
    offset_in(whole, text).map_or(Span::new(0, 0), |s| Span::new(s, s + text.len()))
}

/// Parses a date from the data: exactly `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    let shaped = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    if !shaped {
        return None;
    }
    // The shape is checked: fold the digits rather than run a format parser
    // for every date of every partner.
    let number = |from: usize, to: usize| {
        b.get(from..to).map(|digits| {
            digits
                .iter()
                .fold(0u32, |n, d| n * 10 + u32::from(d - b'0'))
        })
    };
    let year = i32::try_from(number(0, 4)?).ok()?;
    NaiveDate::from_ymd_opt(year, number(5, 7)?, number(8, 10)?)
}

/// Parses an amount from its JSON text, a number or a string, exactly.
pub fn parse_amount(json: &str) -> Option<Decimal> {
    let text = match json.strip_prefix('"') {
        Some(rest) => rest.strip_suffix('"')?.trim(),
        None => json,
    };
    if text.is_empty()
        || !text
            .bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E'))
    {
        return None;
    }
    if text.contains(['e', 'E']) {
        Decimal::from_scientific(text).ok()
    } else {
        Decimal::from_str_exact(text).ok()
    }
}

fn id_of<'a>(
    raw: &'a RawValue,
    text: &str,
    record: &Record,
    errors: &mut Vec<DataError>,
    what: &str,
) -> Id<'a> {
    if !is_id(raw) {
        errors.push(DataError::invalid(
            record,
            raw_span(text, raw),
            format!(
                "{what} `id` must be a string or a number, not `{}`",
                error::clip(raw.get())
            ),
        ));
    }
    Id { raw }
}

impl<'a> Partner<'a> {
    /// Parses and validates one record, returning every problem found in it.
    pub fn parse(record: &'a Record) -> Result<Partner<'a>, Vec<DataError>> {
        let text = record.text();
        let Object(json) = serde_json::from_str::<Object<PartnerJson<'a>>>(text)
            .map_err(|e| vec![DataError::from_serde(record, &e)])?;
        let mut errors = Vec::new();
        let whole = Span::new(0, 0);
        let id = id_of(json.id, text, record, &mut errors, "a partner's");

        let mut people = Vec::new();
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for Object(person) in json.people.unwrap_or_default() {
            let person_id = id_of(person.id, text, record, &mut errors, "a person's");
            let span = raw_span(text, person.id);
            if let Some(first) = seen.insert(person.id.get(), span) {
                errors.push(DataError::duplicate_person(
                    record,
                    span,
                    first,
                    &person_id.text(),
                ));
            }
            let mut exams = Vec::new();
            for Object(exam) in person.exams.unwrap_or_default() {
                match parse_date(&exam.passed) {
                    Some(passed) => exams.push(ExamPass {
                        code: exam.code,
                        passed,
                    }),
                    None => errors.push(DataError::bad_date(
                        record,
                        string_span(text, &exam.passed, whole),
                        &exam.passed,
                    )),
                }
            }
            people.push(Person {
                id: person_id,
                name: person.name,
                exams,
            });
        }

        let mut revenue = Vec::new();
        for Object(line) in json.revenue.unwrap_or_default() {
            if let Some((amount, date)) = line_values(record, line.amount, &line.date, &mut errors)
            {
                revenue.push(RevenueLine {
                    amount_span: raw_span(text, line.amount),
                    currency_span: string_span(text, &line.currency, whole),
                    customer: line.customer,
                    product: line.product,
                    kind: line.kind,
                    amount,
                    currency: line.currency,
                    date,
                    associations: line.associations.unwrap_or_default(),
                });
            }
        }

        let mut usage = Vec::new();
        for Object(line) in json.usage.unwrap_or_default() {
            if let Some((quantity, date)) =
                line_values(record, line.quantity, &line.date, &mut errors)
            {
                usage.push(UsageLine {
                    quantity_span: raw_span(text, line.quantity),
                    metric: line.metric,
                    product: line.product,
                    quantity,
                    date,
                    customer: line.customer,
                    associations: line.associations.unwrap_or_default(),
                    paid: line.paid,
                });
            }
        }

        if errors.is_empty() {
            Ok(Partner {
                record,
                id,
                name: json.name,
                market: json.market,
                people,
                revenue,
                usage,
                attributes: json.attributes.unwrap_or_default(),
            })
        } else {
            Err(errors)
        }
    }
}

/// The amount (or quantity) and date of a revenue or usage line; each that
/// cannot be read is reported where it is written.
#[expect(
    clippy::ptr_arg,
    reason = "whether the date is borrowed tells whether it has a place in the record"
)]
fn line_values(
    record: &Record,
    amount: &RawValue,
    date: &Cow<'_, str>,
    errors: &mut Vec<DataError>,
) -> Option<(Decimal, NaiveDate)> {
    let text = record.text();
    let value = parse_amount(amount.get());
    if value.is_none() {
        errors.push(DataError::bad_amount(
            record,
            raw_span(text, amount),
            amount.get(),
        ));
    }
    let day = parse_date(date);
    if day.is_none() {
        errors.push(DataError::bad_date(
            record,
            string_span(text, date, Span::new(0, 0)),
            date,
        ));
    }
    Some((value?, day?))
}

/// Each person's id as text, with where it is in the partner's record.
pub fn person_ids(partner: &Partner<'_>) -> Vec<(String, Span)> {
    let text = partner.record.text();
    partner
        .people
        .iter()
        .map(|p| (p.id.text().into_owned(), raw_span(text, p.id.json())))
        .collect()
}

/// The `id` of a record that may be otherwise invalid, for reporting it:
/// only an id that is a JSON string or number (what an id may be), so that
/// an array or object written as an id is never echoed into results.
pub fn peek_id(record: &Record) -> Option<&RawValue> {
    #[derive(Deserialize)]
    struct IdOnly<'a> {
        #[serde(borrow, default)]
        id: Option<&'a RawValue>,
    }
    impl Kind for IdOnly<'_> {
        const WHAT: &'static str = "a partner record";
    }
    let Object(only) = serde_json::from_str::<Object<IdOnly<'_>>>(record.text()).ok()?;
    only.id.filter(|id| is_id(id))
}

/// Whether a JSON value may be an id: a string or a number.
pub fn is_id(raw: &RawValue) -> bool {
    let first = raw.get().as_bytes().first().copied().unwrap_or(b' ');
    first == b'"' || first == b'-' || first.is_ascii_digit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_exact_from_numbers_and_strings() {
        assert_eq!(parse_amount("33333.33"), Some(Decimal::new(3_333_333, 2)));
        assert_eq!(
            parse_amount("\"33333.33\""),
            Some(Decimal::new(3_333_333, 2))
        );
        assert_eq!(parse_amount("-500"), Some(Decimal::from(-500)));
        assert_eq!(parse_amount("1e5"), Some(Decimal::from(100_000)));
        assert_eq!(parse_amount("\"abc\""), None);
        assert_eq!(parse_amount("true"), None);
        assert_eq!(parse_amount("null"), None);
    }

    #[test]
    fn dates_must_be_real_and_exactly_shaped() {
        assert!(parse_date("2017-06-30").is_some());
        assert!(parse_date("2016-02-29").is_some());
        assert!(parse_date("2017-02-29").is_none());
        assert!(parse_date("2017-6-30").is_none());
        assert!(parse_date("2017-06-30T00:00").is_none());
    }
}
