//! Throughput of `rubric eval`'s pipeline, as a ratio against merely
//! reading the data (see `BENCHMARKS.md`).
//!
//! The data set is generated in memory by `examples/gen_partners.rs` (10,000
//! partners, seed 42; `RUBRIC_BENCH_PARTNERS` overrides the count) as JSON
//! Lines, and evaluated against `policies/cloud_crm.policy` as of
//! 2017-06-30. Every benchmark handles the whole set per iteration:
//!
//! - `baseline_read_typed`: the floor, `examples/read_typed.rs`: each line
//!   deserialised into typed borrowed rows, nothing done with them;
//! - `eval::<detail, threads>`: [`rubric::batch::evaluate`] on the same
//!   text, streamed as a `.jsonl` file is, rendered as JSON Lines into
//!   memory, at each detail level, on one and two threads;
//! - `many_people`: one partner with N people and a requirement of 20
//!   distinct roles, evaluated with full evidence, for N in 1k, 10k, 100k:
//!   the time should grow linearly with N.
//!
//! Run: `cargo bench --bench eval`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::fmt::Write as _;
use std::ops::ControlFlow;
use std::sync::{Arc, LazyLock};

use chrono::NaiveDate;
use divan::counter::{BytesCount, ItemsCount};
use divan::{Bencher, black_box};
use rubric::batch::{self, DataInput, Event};
use rubric::eval::{Detail, Evaluator};
use rubric::model::Policy;
use rubric::report::JsonLines;

#[allow(
    dead_code,
    reason = "the example's `main` and helpers are not used here"
)]
#[path = "../examples/gen_partners.rs"]
mod generator;

#[allow(dead_code, reason = "the example's `main` is not used here")]
#[path = "../examples/read_typed.rs"]
mod read_typed;

const POLICY: &str = include_str!("../policies/cloud_crm.policy");
const SEED: u64 = 42;

/// The generated data and the policy.
struct Data {
    text: Arc<str>,
    partners: usize,
    policy: Policy,
}

static DATA: LazyLock<Data> = LazyLock::new(|| {
    let partners = std::env::var("RUBRIC_BENCH_PARTNERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let text = generator::generate(partners, SEED);
    Data {
        text: text.into(),
        partners,
        policy: rubric::load_policy(POLICY).expect("the shipped policy loads"),
    }
});

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2017, 6, 30).expect("a real date")
}

/// Counters for one pass over the data set: bytes and partners.
fn counted<'a, 'b>(bencher: Bencher<'a, 'b>) -> Bencher<'a, 'b> {
    let data = &*DATA;
    bencher
        .counter(BytesCount::new(data.text.len()))
        .counter(ItemsCount::new(data.partners))
}

fn main() {
    divan::main();
}

/// The floor: typed deserialisation of every line, nothing else.
#[divan::bench(sample_count = 15, sample_size = 1)]
fn baseline_read_typed(bencher: Bencher) {
    let data = &*DATA;
    counted(bencher).bench(|| read_typed::read_lines(data.text.as_bytes()));
}

/// Evaluates the data set through the batch pipeline; returns the bytes
/// written.
fn evaluate(policy: &Policy, text: &Arc<str>, detail: Detail, threads: usize) -> usize {
    let evaluator = Evaluator::new(policy, as_of());
    let input = DataInput::Text {
        name: "bench.jsonl".to_owned(),
        text: Arc::clone(text),
    };
    let options = batch::Options {
        threads,
        detail,
        people_check: true,
        ..Default::default()
    };
    let mut written = 0;
    batch::evaluate(&evaluator, vec![input], options, &JsonLines, &mut |event| {
        if let Event::Record(record) = event {
            written += black_box(record.rendered).len();
        }
        ControlFlow::Continue(())
    });
    written
}

const DETAILS: [Detail; 3] = [Detail::Tier, Detail::Requirements, Detail::Evidence];

/// The whole job short of the file system, at each detail level.
#[divan::bench(sample_count = 15, sample_size = 1, args = DETAILS, consts = [1, 2])]
fn eval<const THREADS: usize>(bencher: Bencher, detail: Detail) {
    let data = &*DATA;
    counted(bencher).bench(|| evaluate(&data.policy, &data.text, detail, THREADS));
}

/// A policy with one requirement of 20 distinct roles, each passing one of
/// 20 exams, and one partner with `people` people holding one exam each.
fn many_people_case(people: usize) -> (Policy, Arc<str>) {
    let mut policy = String::from("competency many {\n  tiers gold\n");
    for e in 0..20 {
        let _ = writeln!(policy, "  exam X-{e}");
        let _ = writeln!(policy, "  group g{e} = any of X-{e}");
    }
    policy.push_str("  option main {\n    tier gold {\n      require distinct people {\n");
    for e in 0..20 {
        let _ = writeln!(policy, "        1 passing g{e}");
    }
    policy.push_str("      }\n    }\n  }\n}\n");
    let policy = rubric::load_policy(&policy).expect("the generated policy loads");
    let mut partner = String::from(r#"{"id": 1, "people": ["#);
    for p in 0..people {
        if p > 0 {
            partner.push(',');
        }
        // Exam 19 is never held, so the requirement is unmet and the
        // why-not gap is computed too.
        let _ = write!(
            partner,
            r#"{{"id": {p}, "exams": [{{"code": "X-{}", "passed": "2016-01-01"}}]}}"#,
            p % 19
        );
    }
    partner.push_str("]}\n");
    (policy, partner.into())
}

/// One partner with N people: evaluation should be linear in N.
#[divan::bench(sample_count = 10, sample_size = 1, args = [1_000, 10_000, 100_000])]
fn many_people(bencher: Bencher, people: usize) {
    let (policy, text) = many_people_case(people);
    bencher
        .counter(ItemsCount::new(people))
        .bench(|| evaluate(&policy, &text, Detail::Evidence, 1));
}
