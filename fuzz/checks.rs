//! What each fuzz target checks, shared by the targets in `fuzz_targets/`
//! and by the main crate's `tests/fuzz_corpus.rs`, which replays the saved
//! corpus and every past crash under `cargo test`.
//!
//! Each check panics when the property fails, which is how libFuzzer (and the
//! replay test) learn of it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    dead_code
)]

use std::ops::ControlFlow;
use std::sync::OnceLock;

use miette::NamedSource;
use rubric::batch::{self, DataInput, Event};
use rubric::eval::{Detail, Evaluator};
use rubric::report::diagnostic::{Style, WithSource, render};

/// Policy text: checking never panics, and every diagnostic renders.
pub fn policy(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let checked = rubric::check_source(text);
    let source = NamedSource::new("fuzz.policy", text.to_owned());
    for diagnostic in &checked.diagnostics {
        let _ = render(&WithSource::new(diagnostic, &source), Style::PLAIN);
    }
}

/// The checked model as text with every span left out, or the error codes.
fn meaning(source: &str) -> Result<String, Vec<String>> {
    match rubric::load_policy(source) {
        Ok(policy) => {
            let debug = format!("{policy:?}");
            let mut out = String::new();
            let mut rest = debug.as_str();
            while let Some(i) = rest.find("Span { start: ") {
                out.push_str(&rest[..i]);
                let after = &rest[i..];
                let end = after.find('}').unwrap();
                rest = &after[end + 1..];
            }
            out.push_str(rest);
            Ok(out)
        }
        Err(err) => Err(err
            .diagnostics()
            .iter()
            .map(|d| d.code().map(|c| c.to_string()).unwrap_or_default())
            .collect()),
    }
}

fn comments(source: &str) -> Vec<String> {
    rubric::syntax::parse(source)
        .unwrap()
        .comments
        .into_iter()
        .map(|c| c.text)
        .collect()
}

/// The formatter round trip: whatever parses formats to text that parses,
/// formats to itself, means the same and keeps every comment in order.
pub fn format(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(once) = rubric::format::format(text) else {
        return;
    };
    let twice = rubric::format::format(&once)
        .unwrap_or_else(|e| panic!("formatted text does not parse: {e:?}\n{once}"));
    assert_eq!(once, twice, "formatting is not idempotent");
    assert_eq!(
        meaning(text),
        meaning(&once),
        "formatting changed the meaning"
    );
    assert_eq!(
        comments(text),
        comments(&once),
        "formatting lost or moved comments"
    );
}

/// A valid partner, evaluated after whatever the fuzzer wrote.
const GOOD: &str = r#"{"id": "GOOD-1", "market": "developed", "people": [{"id": "GOOD-P1", "exams": [{"code": "MB2-714", "passed": "2016-01-01"}, {"code": "MB2-710", "passed": "2016-01-01"}]}, {"id": "GOOD-P2", "exams": [{"code": "MB2-712", "passed": "2016-01-01"}]}], "revenue": [{"product": "CRM Online", "type": "net_new", "amount": 100000, "currency": "USD", "date": "2017-03-01", "associations": ["dpor"]}]}"#;

fn evaluator() -> &'static Evaluator<'static> {
    static POLICY: OnceLock<rubric::model::Policy> = OnceLock::new();
    static EVALUATOR: OnceLock<Evaluator<'static>> = OnceLock::new();
    EVALUATOR.get_or_init(|| {
        let policy = POLICY.get_or_init(|| {
            rubric::load_policy(include_str!("../policies/cloud_crm.policy")).unwrap()
        });
        Evaluator::new(
            policy,
            chrono::NaiveDate::from_ymd_opt(2017, 6, 30).unwrap(),
        )
    })
}

/// Partner data: evaluating never panics, on the fast path and the careful
/// one, and a bad record never takes a good one with it: a valid partner on
/// the line after the fuzzer's text is always evaluated, silver.
pub fn data(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    // A text that opens an array is read whole, as one array.
    if text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with('[')
    {
        return;
    }
    let text = format!("{text}\n{GOOD}\n");
    for detail in [Detail::Tier, Detail::Evidence] {
        let input = DataInput::Text {
            name: "fuzz.jsonl".to_owned(),
            text: text.as_str().into(),
        };
        let options = batch::Options {
            threads: 1,
            detail,
            people_check: true,
            // Tiny, so that the check's runs on disk and their merge at the
            // end are fuzzed too.
            people_in_memory: 2,
        };
        let mut last: Option<(bool, String)> = None;
        batch::evaluate(
            evaluator(),
            vec![input],
            options,
            &rubric::report::JsonLines,
            &mut |event| {
                if let Event::Warning(warning) = &event {
                    let _ = render(warning, Style::PLAIN);
                }
                if let Event::Record(record) = event {
                    for error in record.errors.iter().chain(record.warnings) {
                        let _ = render(error, Style::PLAIN);
                    }
                    last = Some((
                        record.failed,
                        String::from_utf8_lossy(record.rendered).into_owned(),
                    ));
                }
                ControlFlow::Continue(())
            },
        );
        let (failed, rendered) = last.expect("the good partner is a record");
        assert!(!failed, "the good partner was not evaluated: {rendered}");
        assert!(
            rendered.contains(r#""partner":"GOOD-1""#) && rendered.contains(r#""tier":"silver""#),
            "the good partner was lost or misjudged: {rendered}"
        );
    }
}
