//! The floor for `rubric eval`: a typed deserialise-only pass over a JSON
//! Lines file, doing nothing with what it reads. `BENCHMARKS.md` measures
//! Rubric as a ratio against it.
//!
//! ```sh
//! cargo run --release --example read_typed -- /tmp/p.jsonl
//! ```
//!
//! The rows mirror the partner data format with the fields Rubric reads,
//! borrowed where the JSON has no escapes, amounts and ids left as raw JSON:
//! the cheapest typed reading serde offers. The benchmark harness includes
//! this file for the same baseline in memory.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::borrow::Cow;
use std::io::Read as _;

use serde::Deserialize;
use serde_json::value::RawValue;

/// A partner record.
#[derive(Deserialize)]
#[allow(dead_code, reason = "fields are read only by deserialising them")]
pub struct PartnerRow<'a> {
    #[serde(borrow)]
    id: &'a RawValue,
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    market: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    people: Option<Vec<PersonRow<'a>>>,
    #[serde(borrow, default)]
    pub revenue: Option<Vec<RevenueRow<'a>>>,
    #[serde(borrow, default)]
    usage: Option<Vec<UsageRow<'a>>>,
    #[serde(borrow, default)]
    attributes: Option<Vec<Cow<'a, str>>>,
}

#[derive(Deserialize)]
#[allow(dead_code, reason = "fields are read only by deserialising them")]
struct PersonRow<'a> {
    #[serde(borrow)]
    id: &'a RawValue,
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    exams: Option<Vec<ExamRow<'a>>>,
}

#[derive(Deserialize)]
#[allow(dead_code, reason = "fields are read only by deserialising them")]
struct ExamRow<'a> {
    #[serde(borrow)]
    code: Cow<'a, str>,
    #[serde(borrow)]
    passed: Cow<'a, str>,
}

/// A revenue line.
#[derive(Deserialize)]
#[allow(dead_code, reason = "fields are read only by deserialising them")]
pub struct RevenueRow<'a> {
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

#[derive(Deserialize)]
#[allow(dead_code, reason = "fields are read only by deserialising them")]
struct UsageRow<'a> {
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

/// Deserialises every line of `text`; returns how many revenue lines it saw
/// (so that nothing is optimised away).
pub fn read_lines(text: &[u8]) -> usize {
    let mut lines = 0;
    for line in text.split(|b| *b == b'\n') {
        if line.is_empty() {
            continue;
        }
        let line = std::str::from_utf8(line).expect("UTF-8");
        let row: PartnerRow<'_> = serde_json::from_str(line).expect("a partner record");
        lines += row.revenue.map_or(0, |r| r.len());
    }
    lines
}

#[allow(
    dead_code,
    reason = "the benchmark harness includes this file for `read_lines`"
)]
fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: read_typed FILE.jsonl");
    let mut file = std::fs::File::open(path).expect("a readable file");
    // Read in blocks, as `rubric eval` does, so that memory stays flat.
    let mut buffer = Vec::with_capacity(2 << 20);
    let mut total = 0;
    loop {
        let start = buffer.len();
        buffer.resize(start + (1 << 20), 0);
        let n = file.read(&mut buffer[start..]).expect("readable");
        buffer.truncate(start + n);
        if n == 0 {
            total += read_lines(&buffer);
            break;
        }
        if let Some(cut) = buffer.iter().rposition(|b| *b == b'\n') {
            let rest = buffer.split_off(cut + 1);
            total += read_lines(&buffer);
            buffer = rest;
        }
    }
    println!("{total} revenue lines");
}
