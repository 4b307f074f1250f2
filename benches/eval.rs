//! Throughput of reading and evaluating partner data against
//! `policies/cloud_crm.policy`, as of 2017-06-30 (see `BENCHMARKS.md`).
//!
//! The data set is generated in memory by `examples/gen_partners.rs` (10,000
//! partners, seed 42; `RUBRIC_BENCH_PARTNERS` overrides the count) and framed
//! once with [`rubric::data::read::whole_text`]. Every benchmark handles the
//! whole set per iteration and counts the record bytes and partners:
//!
//! - `a_read_typed`: serde deserialisation of each record into a borrowed
//!   struct mirroring the format: the speed of merely reading the data;
//! - `b_parse`: [`Partner::parse`] (deserialise + validate dates, amounts, ids);
//! - `c_parse_evaluate`: parse + [`Evaluator::evaluate`]: the whole job;
//! - `d_parse_evaluate_render`: (c) + the check of people against earlier
//!   partners + the `--format jsonl` result object, serialised, as
//!   `rubric eval` writes it;
//! - `evaluate_only`: [`Evaluator::evaluate`] on partners parsed beforehand;
//! - `frame_json_lines`: streaming framing of the same text as `.jsonl`.
//!
//! Run: `cargo bench --bench eval`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::borrow::Cow;
use std::sync::LazyLock;

use chrono::NaiveDate;
use divan::counter::{BytesCount, ItemsCount};
use divan::{Bencher, black_box};
use rubric::data::read::{JsonLines, whole_text};
use rubric::data::{Partner, PeopleSeen, Record};
use rubric::eval::Evaluator;
use rubric::model::Policy;
use rubric::report::{DecisionRecord, json};
use serde::Deserialize;
use serde_json::value::RawValue;

#[allow(
    dead_code,
    reason = "the example's `main` and helpers are not used here"
)]
#[path = "../examples/gen_partners.rs"]
mod generator;

const POLICY: &str = include_str!("../policies/cloud_crm.policy");
const SEED: u64 = 42;

/// The generated data, framed, and the policy.
struct Data {
    /// The JSON Lines text the records were framed from.
    text: String,
    records: Vec<Record>,
    /// Bytes of record text (the lines without their newlines).
    bytes: usize,
    policy: Policy,
}

static DATA: LazyLock<Data> = LazyLock::new(|| {
    let count = std::env::var("RUBRIC_BENCH_PARTNERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let text = generator::generate(count, SEED);
    let records: Vec<Record> = whole_text("bench.jsonl", text.clone())
        .into_iter()
        .map(|framed| framed.expect("generated records are well-formed JSON"))
        .collect();
    assert_eq!(records.len(), count);
    let bytes = records.iter().map(|r| r.text().len()).sum();
    let policy = rubric::load_policy(POLICY).expect("the shipped policy loads");
    Data {
        text,
        records,
        bytes,
        policy,
    }
});

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2017, 6, 30).expect("a real date")
}

/// Counters for one pass over the data set: bytes and partners.
fn counted<'a, 'b>(bencher: Bencher<'a, 'b>) -> Bencher<'a, 'b> {
    let data = &*DATA;
    bencher
        .counter(BytesCount::new(data.bytes))
        .counter(ItemsCount::new(data.records.len()))
}

// The baseline: the same fields as the crate's own `PartnerJson`, borrowed
// where the JSON has no escapes, amounts and ids left as raw JSON.

#[derive(Deserialize)]
#[allow(dead_code, reason = "fields are read only by deserialising them")]
struct PartnerRow<'a> {
    #[serde(borrow)]
    id: &'a RawValue,
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    market: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    people: Option<Vec<PersonRow<'a>>>,
    #[serde(borrow, default)]
    revenue: Option<Vec<RevenueRow<'a>>>,
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

#[derive(Deserialize)]
#[allow(dead_code, reason = "fields are read only by deserialising them")]
struct RevenueRow<'a> {
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

/// (a) Typed deserialisation only: the speed of reading the data.
#[divan::bench(sample_count = 15, sample_size = 1)]
fn a_read_typed(bencher: Bencher) {
    let data = &*DATA;
    counted(bencher).bench(|| {
        let mut lines = 0usize;
        for record in &data.records {
            let row: PartnerRow<'_> = serde_json::from_str(record.text()).unwrap();
            lines += row.revenue.map_or(0, |r| r.len());
        }
        lines
    });
}

/// (b) `Partner::parse`: deserialise and validate.
#[divan::bench(sample_count = 15, sample_size = 1)]
fn b_parse(bencher: Bencher) {
    let data = &*DATA;
    counted(bencher).bench(|| {
        let mut lines = 0usize;
        for record in &data.records {
            let partner = Partner::parse(record).unwrap();
            lines += partner.revenue.len();
        }
        lines
    });
}

/// (c) Parse and evaluate: the whole job short of writing results.
#[divan::bench(sample_count = 15, sample_size = 1)]
fn c_parse_evaluate(bencher: Bencher) {
    let data = &*DATA;
    let evaluator = Evaluator::new(&data.policy, as_of());
    counted(bencher).bench(|| {
        let mut tiers = 0usize;
        for record in &data.records {
            let partner = Partner::parse(record).unwrap();
            let outcome = evaluator.evaluate(&partner).unwrap();
            tiers += outcome.tier.map_or(0, |t| t.0 + 1);
        }
        tiers
    });
}

/// (d) Parse, evaluate, check people against earlier partners and write the
/// `--format jsonl` result line, as `rubric eval` does (into memory instead
/// of stdout).
#[divan::bench(sample_count = 15, sample_size = 1)]
fn d_parse_evaluate_render(bencher: Bencher) {
    let data = &*DATA;
    let evaluator = Evaluator::new(&data.policy, as_of());
    let decision = DecisionRecord::new(&data.policy, POLICY, as_of());
    let mut out: Vec<u8> = Vec::with_capacity(data.records.len() * 4096);
    counted(bencher).bench_local(|| {
        out.clear();
        let mut people = PeopleSeen::default();
        for record in &data.records {
            let partner = Partner::parse(record).unwrap();
            let outcome = evaluator.evaluate(&partner).unwrap();
            let warnings = people.add(&partner);
            let mut result = json::evaluated(&data.policy, &partner, &outcome, Some(&decision));
            result.warnings = warnings.iter().map(json::ErrorResult::from_error).collect();
            let raw = serde_json::value::to_raw_value(&result).unwrap();
            out.extend_from_slice(raw.get().as_bytes());
            out.push(b'\n');
        }
        out.len()
    });
}

/// `Evaluator::evaluate` alone, on partners parsed beforehand.
#[divan::bench(sample_count = 15, sample_size = 1)]
fn evaluate_only(bencher: Bencher) {
    let data = &*DATA;
    let evaluator = Evaluator::new(&data.policy, as_of());
    let partners: Vec<Partner<'_>> = data
        .records
        .iter()
        .map(|r| Partner::parse(r).unwrap())
        .collect();
    counted(bencher).bench(|| {
        let mut tiers = 0usize;
        for partner in &partners {
            let outcome = evaluator.evaluate(black_box(partner)).unwrap();
            tiers += outcome.tier.map_or(0, |t| t.0 + 1);
        }
        tiers
    });
}

/// Framing the text as a `.jsonl` stream (what `rubric eval` does before parsing).
#[divan::bench(sample_count = 15, sample_size = 1)]
fn frame_json_lines(bencher: Bencher) {
    let data = &*DATA;
    counted(bencher).bench(|| {
        JsonLines::new("bench.jsonl", data.text.as_bytes())
            .map(|framed| framed.unwrap().unwrap().span.end)
            .sum::<usize>()
    });
}

fn main() {
    let data = &*DATA;
    eprintln!(
        "data: {} partners, {} bytes of records ({:.0} bytes/partner)",
        data.records.len(),
        data.bytes,
        data.bytes as f64 / data.records.len() as f64
    );
    divan::main();
}
