//! The table form of a case's partner, with its compact entries: a person or
//! a line with a `count` stands for that many, so a case with fifteen
//! certified people is one line of TOML.
//!
//! ```toml
//! partner = { market = "developed", people = [
//!   { count = 15, passes = ["MB2-715", "MB2-716"], passed = "2017-05-01" },
//! ], revenue = [
//!   { count = 3, product = "CRM Online", type = "net_new", amount = "33333.33",
//!     date = "2017-03-01", associations = ["dpor"] },
//! ] }
//! ```
//!
//! Generated people are `person-1`, `person-2`, ... and generated lines'
//! customers `customer-1`, ... (skipping ids the case writes itself). A
//! partner without `id` takes the case's name; a revenue line without
//! `currency` takes the policy's.

use std::collections::BTreeSet;

use serde_json::{Map, Value};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::TestFileError;
use crate::ast::Span;

/// The most people and lines, together, that compact entries of one case may
/// stand for: far more than any tier asks, far less than would exhaust memory.
pub const MAX_EXPANDED: u64 = 10_000;

/// Keys of a compact person.
const PERSON_KEYS: &[&str] = &["count", "passes", "passed"];
/// Keys of a revenue line, compact or not.
const REVENUE_KEYS: &[&str] = &[
    "count",
    "customer",
    "product",
    "type",
    "amount",
    "currency",
    "date",
    "associations",
];
/// Keys of a usage line, compact or not.
const USAGE_KEYS: &[&str] = &[
    "count",
    "metric",
    "product",
    "quantity",
    "date",
    "customer",
    "associations",
    "paid",
];

fn span_of<T>(s: &Spanned<T>) -> Span {
    let r = s.span();
    Span::new(r.start, r.end)
}

fn get<'t, 'i>(table: &'t DeTable<'i>, key: &str) -> Option<&'t Spanned<DeValue<'i>>> {
    table
        .iter()
        .find(|(k, _)| k.get_ref().as_ref() == key)
        .map(|(_, v)| v)
}

/// Expands a partner table into the partner's JSON; problems go to `errors`.
pub fn expand(
    partner: &Spanned<DeValue<'_>>,
    case_name: &str,
    errors: &mut Vec<TestFileError>,
) -> Option<String> {
    let DeValue::Table(table) = partner.get_ref() else {
        return Some(json(partner.get_ref()).to_string());
    };
    let before = errors.len();
    let mut expander = Expander {
        budget: MAX_EXPANDED,
        errors,
        taken_people: taken(get(table, "people"), "id"),
        taken_customers: taken(get(table, "revenue"), "customer")
            .into_iter()
            .chain(taken(get(table, "usage"), "customer"))
            .collect(),
        next_person: 0,
        next_customer: 0,
    };
    let mut out = Map::new();
    if get(table, "id").is_none() {
        out.insert("id".to_owned(), Value::String(case_name.to_owned()));
    }
    for (key, value) in table {
        let key = key.get_ref().as_ref();
        let expanded = match (key, value.get_ref()) {
            ("people", DeValue::Array(items)) => Value::Array(expander.people(items)),
            ("revenue", DeValue::Array(items)) => {
                Value::Array(expander.lines(items, "revenue line", REVENUE_KEYS))
            }
            ("usage", DeValue::Array(items)) => {
                Value::Array(expander.lines(items, "usage line", USAGE_KEYS))
            }
            (_, other) => json(other),
        };
        out.insert(key.to_owned(), expanded);
    }
    (errors.len() == before).then(|| Value::Object(out).to_string())
}

/// The values of `key` in the entries of a list of tables.
fn taken(list: Option<&Spanned<DeValue<'_>>>, key: &str) -> BTreeSet<String> {
    let Some(DeValue::Array(items)) = list.map(Spanned::get_ref) else {
        return BTreeSet::new();
    };
    items
        .iter()
        .filter_map(|item| match item.get_ref() {
            DeValue::Table(t) => get(t, key).map(|v| match json(v.get_ref()) {
                Value::String(s) => s,
                other => other.to_string(),
            }),
            _ => None,
        })
        .collect()
}

struct Expander<'e> {
    /// How many more people and lines compact entries may stand for.
    budget: u64,
    errors: &'e mut Vec<TestFileError>,
    taken_people: BTreeSet<String>,
    taken_customers: BTreeSet<String>,
    next_person: u64,
    next_customer: u64,
}

impl Expander<'_> {
    /// The next generated id `PREFIX-N` not written in the case.
    fn fresh(next: &mut u64, taken: &BTreeSet<String>, prefix: &str) -> String {
        loop {
            *next += 1;
            let id = format!("{prefix}-{next}");
            if !taken.contains(&id) {
                return id;
            }
        }
    }

    /// An entry's `count`, checked against the budget.
    fn count(&mut self, value: &Spanned<DeValue<'_>>, what: &str) -> Option<u64> {
        let parsed = match value.get_ref() {
            DeValue::Integer(i) => {
                let digits = i.as_str().replace('_', "");
                u64::from_str_radix(&digits, i.radix()).ok()
            }
            _ => None,
        };
        let Some(count) = parsed else {
            self.errors.push(TestFileError::BadCompact {
                message: format!("the count of a compact {what} is not a whole number"),
                span: span_of(value).into(),
                label: "not a whole number from 0 up".to_owned(),
                help: "write how many there are, e.g. `count = 15`".to_owned(),
            });
            return None;
        };
        if count > self.budget {
            self.errors.push(TestFileError::TooMany {
                count,
                span: span_of(value).into(),
            });
            self.budget = 0;
            return None;
        }
        self.budget -= count;
        Some(count)
    }

    fn unknown_keys(&mut self, table: &DeTable<'_>, keys: &[&str], what: &str) -> bool {
        let mut bad = false;
        for (key, _) in table {
            let name = key.get_ref().as_ref();
            if keys.contains(&name) {
                continue;
            }
            bad = true;
            let closest = keys
                .iter()
                .map(|k| (strsim::levenshtein(name, k), *k))
                .filter(|(d, _)| *d <= 2)
                .min_by_key(|(d, _)| *d);
            let help = match closest {
                Some((_, k)) => format!("did you mean `{k}`?"),
                None => format!("a compact {what} has {}", backticked(keys)),
            };
            self.errors.push(TestFileError::BadCompact {
                message: format!("a compact {what} has no field `{name}`"),
                span: span_of(key).into(),
                label: "unknown field".to_owned(),
                help,
            });
        }
        bad
    }

    fn people(&mut self, items: &[Spanned<DeValue<'_>>]) -> Vec<Value> {
        let mut out = Vec::new();
        for item in items {
            let DeValue::Table(table) = item.get_ref() else {
                out.push(json(item.get_ref()));
                continue;
            };
            if get(table, "count").is_none() && get(table, "passes").is_none() {
                out.push(json(item.get_ref()));
                continue;
            }
            if self.unknown_keys(table, PERSON_KEYS, "person") {
                continue;
            }
            let count = match get(table, "count") {
                Some(value) => self.count(value, "person"),
                None => Some(1),
            };
            let exams = self.passes(item, table);
            let (Some(count), Some(exams)) = (count, exams) else {
                continue;
            };
            for _ in 0..count {
                let id = Self::fresh(&mut self.next_person, &self.taken_people, "person");
                let mut person = Map::new();
                person.insert("id".to_owned(), Value::String(id));
                person.insert("exams".to_owned(), Value::Array(exams.clone()));
                out.push(Value::Object(person));
            }
        }
        out
    }

    /// A compact person's exam passes: every code of `passes`, dated `passed`.
    fn passes(&mut self, item: &Spanned<DeValue<'_>>, table: &DeTable<'_>) -> Option<Vec<Value>> {
        let bad = |errors: &mut Vec<TestFileError>, span, message: &str, label: &str| {
            errors.push(TestFileError::BadCompact {
                message: message.to_owned(),
                span,
                label: label.to_owned(),
                help: "write e.g. `{ count = 2, passes = [\"MB2-714\", \"MB2-710\"], passed = \"2017-05-01\" }`".to_owned(),
            });
        };
        let passed = match get(table, "passed").map(|v| (v, v.get_ref())) {
            Some((_, DeValue::String(s))) => Some(s.to_string()),
            Some((_, DeValue::Datetime(d))) => Some(d.to_string()),
            Some((v, _)) => {
                bad(
                    self.errors,
                    span_of(v).into(),
                    "the date of a compact person's passes is not a date",
                    "not a YYYY-MM-DD date",
                );
                None
            }
            None => {
                bad(
                    self.errors,
                    span_of(item).into(),
                    "a compact person has no `passed` date",
                    "when were the exams passed?",
                );
                None
            }
        };
        let codes = match get(table, "passes").map(|v| (v, v.get_ref())) {
            Some((_, DeValue::Array(codes))) => {
                let mut out = Vec::new();
                for code in codes {
                    match code.get_ref() {
                        DeValue::String(s) => out.push(s.to_string()),
                        _ => bad(
                            self.errors,
                            span_of(code).into(),
                            "an exam code of a compact person is not a string",
                            "not an exam code",
                        ),
                    }
                }
                (out.len() == codes.len()).then_some(out)
            }
            Some((v, _)) => {
                bad(
                    self.errors,
                    span_of(v).into(),
                    "a compact person's `passes` is not a list of exam codes",
                    "not a list",
                );
                None
            }
            None => Some(Vec::new()),
        };
        let (passed, codes) = (passed?, codes?);
        Some(
            codes
                .into_iter()
                .map(|code| {
                    let mut pass = Map::new();
                    pass.insert("code".to_owned(), Value::String(code));
                    pass.insert("passed".to_owned(), Value::String(passed.clone()));
                    Value::Object(pass)
                })
                .collect(),
        )
    }

    fn lines(&mut self, items: &[Spanned<DeValue<'_>>], what: &str, keys: &[&str]) -> Vec<Value> {
        let mut out = Vec::new();
        for item in items {
            let DeValue::Table(table) = item.get_ref() else {
                out.push(json(item.get_ref()));
                continue;
            };
            let Some(count_value) = get(table, "count") else {
                out.push(json(item.get_ref()));
                continue;
            };
            if self.unknown_keys(table, keys, what) {
                continue;
            }
            let Some(count) = self.count(count_value, what) else {
                continue;
            };
            let mut line = Map::new();
            for (key, value) in table {
                let key = key.get_ref().as_ref();
                if key != "count" {
                    line.insert(key.to_owned(), json(value.get_ref()));
                }
            }
            let same_customer = line.contains_key("customer");
            for _ in 0..count {
                let mut one = line.clone();
                if !same_customer {
                    let customer =
                        Self::fresh(&mut self.next_customer, &self.taken_customers, "customer");
                    one.insert("customer".to_owned(), Value::String(customer));
                }
                out.push(Value::Object(one));
            }
        }
        out
    }
}

fn backticked(keys: &[&str]) -> String {
    let keys: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
    keys.join(", ")
}

/// A TOML value as JSON: dates become `YYYY-MM-DD` strings; integers and
/// floats keep their value.
pub fn json(value: &DeValue<'_>) -> Value {
    match value {
        DeValue::String(s) => Value::String(s.to_string()),
        DeValue::Integer(i) => {
            let digits = i.as_str().replace('_', "");
            i64::from_str_radix(&digits, i.radix())
                .map_or_else(|_| Value::String(digits), Value::from)
        }
        DeValue::Float(f) => {
            let text = f.as_str().replace('_', "");
            text.parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map_or(Value::String(text), Value::Number)
        }
        DeValue::Boolean(b) => Value::Bool(*b),
        DeValue::Datetime(d) => Value::String(d.to_string()),
        DeValue::Array(items) => Value::Array(items.iter().map(|i| json(i.get_ref())).collect()),
        DeValue::Table(table) => Value::Object(
            table
                .iter()
                .map(|(k, v)| (k.get_ref().to_string(), json(v.get_ref())))
                .collect(),
        ),
    }
}

/// Gives every revenue line of a partner's JSON without a currency the
/// policy's; text that is not a partner object is returned as it is.
pub fn with_currency(partner: &str, currency: &str) -> Option<String> {
    let mut value: Value = serde_json::from_str(partner).ok()?;
    let lines = value.get_mut("revenue")?.as_array_mut()?;
    let mut changed = false;
    for line in lines {
        if let Some(line) = line.as_object_mut()
            && !line.contains_key("currency")
        {
            line.insert("currency".to_owned(), Value::String(currency.to_owned()));
            changed = true;
        }
    }
    changed.then(|| value.to_string())
}
