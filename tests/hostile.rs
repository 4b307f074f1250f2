//! Hostile input never panics the library: arbitrary or mutated policy text,
//! arbitrary or mutated partner records, deep nesting, absurd amounts and
//! mistyped ids all come back as errors (or results), never as a panic or a
//! stack overflow.
//!
//! Partner data goes the way the CLI sends it: through
//! `rubric::batch::evaluate`, read whole and streamed, on the fast path and
//! the careful one, against every shipped policy, then rendered (report or
//! diagnostics). Mutated
//! policies that still load are evaluated against the example data.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::LazyLock;

use chrono::NaiveDate;
use proptest::prelude::*;
use std::ops::ControlFlow;

use rubric::batch::{self, DataInput, Event};
use rubric::data::DataError;
use rubric::eval::{Detail, Evaluator};
use rubric::model::Policy;
use rubric::report::diagnostic::{Style, render};
use rubric::report::{Human, JsonLines, Render};

const POLICY_TEXT: &str = include_str!("../policies/cloud_crm.policy");

/// Every policy in `policies/` that loads, Cloud CRM first, with its text.
static POLICIES: LazyLock<Vec<(String, Policy)>> = LazyLock::new(|| {
    let mut out = vec![(
        POLICY_TEXT.to_owned(),
        rubric::load_policy(POLICY_TEXT).expect("the shipped policy loads"),
    )];
    for (name, text) in shipped("policies", "policy") {
        if !name.ends_with("cloud_crm.policy")
            && let Ok(policy) = rubric::load_policy(&text)
        {
            out.push((text, policy));
        }
    }
    out
});

/// The Cloud CRM policy.
static POLICY: LazyLock<&'static Policy> = LazyLock::new(|| &POLICIES[0].1);

/// The files of a directory of the crate with an extension, sorted by name,
/// with their text.
fn shipped(dir: &str, extension: &str) -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == extension))
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            (path.display().to_string(), text)
        })
        .collect();
    files.sort();
    files
}

/// Policy texts to mutate: every shipped policy.
static POLICY_TEXTS: LazyLock<Vec<String>> = LazyLock::new(|| {
    shipped("policies", "policy")
        .into_iter()
        .map(|(_, text)| text)
        .collect()
});

/// Data to mutate: a record written here and every example data file.
static DATA_TEXTS: LazyLock<Vec<String>> = LazyLock::new(|| {
    std::iter::once(GOOD_RECORD.to_owned())
        .chain(
            shipped("examples", "jsonl")
                .into_iter()
                .map(|(_, text)| text),
        )
        .collect()
});

/// A record that exercises every field and every requirement.
const GOOD_RECORD: &str = r#"{"id": "P-001", "name": "Contoso Ltd", "market": "developed", "people": [{"id": "E-1", "name": "Ana Silva", "exams": [{"code": "MB2-714", "passed": "2016-11-02"}, {"code": "MB2-710", "passed": "2016-12-01"}]}, {"id": 2, "name": "Bo Kim", "exams": [{"code": "mb2 713", "passed": "2017-01-10"}, {"code": "MB2-706", "passed": "2017-02-14"}]}, {"id": "E-3", "exams": [{"code": "MB2-712", "passed": "2016-05-20"}]}], "revenue": [{"customer": "Alpine Ski House", "product": "CRM Online", "type": "net_new", "amount": 150000, "currency": "USD", "date": "2017-03-15", "associations": ["dpor"]}, {"product": "Dynamics 365 Plan 1", "type": "net_new", "amount": "120000.50", "currency": "usd", "date": "2017-03-15", "associations": ["dpor"]}, {"product": "CRM Online", "type": "renewal", "amount": -5e3, "currency": "USD", "date": "2016-09-30"}], "usage": [{"metric": "deployed_seats", "product": "Office 365", "quantity": 250, "date": "2017-03-01", "customer": "A", "associations": ["cpor"], "paid": true}, {"metric": "active_users", "product": "Azure", "quantity": "12.5", "date": "2017-06-30"}], "attributes": ["surface_hub_reseller"], "unknown": {"nested": [1, 2, {"x": null}]}}"#;

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2017, 6, 30).unwrap()
}

/// `cases` cases (or `PROPTEST_CASES`, to search longer), with failures
/// persisted to `tests/hostile.proptest-regressions` and replayed first.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(cases),
        ..ProptestConfig::default()
    }
}

/// Everything the CLI does with a data file, minus printing: the library's
/// batch pipeline, with the text read whole (as a `.json` file) and streamed
/// (as `.jsonl`), at full evidence (the careful path, rendered as the human
/// report) and at requirements (the fast path, rendered as JSON Lines),
/// against every shipped policy. Returns the data errors and warnings of the
/// whole-text reading evaluated against Cloud CRM.
fn evaluate_data(text: &str) -> Vec<DataError> {
    pipeline(text, false)
}

/// [`evaluate_data`], then each diagnostic rendered as the CLI would.
fn run_data(text: &str) -> Vec<DataError> {
    pipeline(text, true)
}

fn pipeline(text: &str, render_errors: bool) -> Vec<DataError> {
    let mut errors = Vec::new();
    let runs: [(&str, Detail, &dyn Render); 4] = [
        ("x.json", Detail::Evidence, &Human),
        ("x.json", Detail::Requirements, &JsonLines),
        ("x.jsonl", Detail::Evidence, &Human),
        ("x.jsonl", Detail::Requirements, &JsonLines),
    ];
    for (p, (_, policy)) in POLICIES.iter().enumerate() {
        let evaluator = Evaluator::new(policy, as_of());
        for (r, (name, detail, renderer)) in runs.iter().enumerate() {
            let input = DataInput::Text {
                name: (*name).to_owned(),
                text: text.into(),
            };
            let options = batch::Options {
                people_check: true,
                threads: 1,
                detail: *detail,
                ..Default::default()
            };
            let keep = p == 0 && r == 0;
            batch::evaluate(&evaluator, vec![input], options, *renderer, &mut |event| {
                if let Event::Record(record) = event {
                    for err in record.errors.iter().chain(record.warnings) {
                        let _ = err.location();
                        if render_errors {
                            let _ = render(err, Style::PLAIN);
                        }
                        if keep {
                            errors.push(err.clone());
                        }
                    }
                }
                ControlFlow::Continue(())
            });
        }
    }
    errors
}

/// The diagnostic codes of data errors, e.g. `E0403`.
fn codes(errors: &[DataError]) -> Vec<String> {
    use miette::Diagnostic as _;
    errors
        .iter()
        .map(|e| e.code().map(|c| c.to_string()).unwrap_or_default())
        .collect()
}

/// One partner whose only revenue line has `amount` written as given.
fn record_with_amount(amount: &str) -> String {
    format!(
        r#"{{"id": "P-1", "market": "developed", "revenue": [{{"product": "CRM Online", "type": "net_new", "amount": {amount}, "currency": "USD", "date": "2017-03-15", "associations": ["dpor"]}}]}}"#
    )
}

/// An edit to some text: delete, insert or truncate at a position.
#[derive(Clone, Debug)]
enum Mutation {
    Delete { at: usize, len: usize },
    Insert { at: usize, bytes: Vec<u8> },
    Truncate { at: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let interesting = prop::sample::select(
        b"{}[]()\",:#/\\-_.0123456789eE \n\t\xff\xc3\xa9\xe2\x89\xa5\0"
            .iter()
            .map(|&b| vec![b])
            .chain(
                [
                    &b"require "[..],
                    b"distinct people",
                    b"passing",
                    b" and ",
                    b"100_000",
                    b"1,000,000,000,000,000,000,000,000,000,000",
                    b"99999999999999999999999999999999",
                    b"trailing 0 months",
                    b"2017-02-29",
                    b"USD",
                    b"null",
                    b"1e400",
                    b"-0",
                    b"\"\\u0000\"",
                    b"\"\\ud800\"",
                ]
                .into_iter()
                .map(<[u8]>::to_vec),
            )
            .collect::<Vec<_>>(),
    );
    prop_oneof![
        (any::<usize>(), 1usize..16).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        (any::<usize>(), interesting).prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        any::<usize>().prop_map(|at| Mutation::Truncate { at }),
    ]
}

/// Applies mutations to `text`; invalid UTF-8 is replaced, as a reader of
/// bytes would have to.
fn mutate(text: &str, mutations: &[Mutation]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for m in mutations {
        let n = bytes.len();
        match m {
            Mutation::Delete { at, len } if n > 0 => {
                let at = at % n;
                bytes.drain(at..(at + len).min(n));
            }
            Mutation::Delete { .. } => {}
            Mutation::Insert { at, bytes: new } => {
                let at = at % (n + 1);
                bytes.splice(at..at, new.iter().copied());
            }
            Mutation::Truncate { at } => bytes.truncate(at % (n + 1)),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Evaluates every example record against `policy` through the batch
/// pipeline, rendering reports and diagnostics.
fn evaluate_examples(policy: &Policy) {
    let evaluator = Evaluator::new(policy, as_of());
    for data in DATA_TEXTS.iter() {
        for (detail, renderer) in [
            (Detail::Evidence, &Human as &dyn Render),
            (Detail::Requirements, &JsonLines),
        ] {
            let input = DataInput::Text {
                name: "x.json".to_owned(),
                text: data.as_str().into(),
            };
            let options = batch::Options {
                threads: 1,
                detail,
                people_check: true,
                ..Default::default()
            };
            batch::evaluate(&evaluator, vec![input], options, renderer, &mut |event| {
                if let Event::Record(record) = event {
                    for err in record.errors {
                        let _ = render(err, Style::PLAIN);
                    }
                }
                ControlFlow::Continue(())
            });
        }
    }
}

// ---------------------------------------------------------------- policies

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn arbitrary_text_never_panics_the_policy_loader(text in any::<String>()) {
        let _ = rubric::load_policy(&text);
    }

    #[test]
    fn policy_like_text_never_panics_the_policy_loader(
        text in r#"(competency|tiers|exam|group|option|tier|require|distinct|people|passing|and|any|of|revenue|over|trailing|months|as|from|market|currency|USD|[a-z]{1,4}|MB2-7[0-9]{2}|[0-9_,.]{1,12}|"[^"]{0,6}"|[{}=,:>]|>=|≥| |\n|#.*\n){0,60}"#
    ) {
        let _ = rubric::load_policy(&text);
    }

    #[test]
    fn mutated_policies_never_panic_the_loader(
        seed in any::<usize>(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let text = mutate(&POLICY_TEXTS[seed % POLICY_TEXTS.len()], &mutations);
        match rubric::load_policy(&text) {
            Err(err) => {
                // Rendering each diagnostic against the text must not panic either.
                let source = miette::NamedSource::new("mutated.policy", text.clone());
                for diagnostic in err.diagnostics() {
                    let with = rubric::report::diagnostic::WithSource::new(diagnostic, &source);
                    let _ = render(&with, Style::PLAIN);
                    let _ = rubric::report::diagnostic::location(diagnostic, &text);
                }
            }
            // A mutation the checker accepts (another number, name or
            // window) is a policy like any other: evaluate the examples.
            Ok(policy) => evaluate_examples(&policy),
        }
    }
}

#[test]
fn the_shipped_policies_load() {
    assert_eq!(POLICY.id, "cloud_crm");
    assert_eq!(
        POLICIES.len(),
        POLICY_TEXTS.len(),
        "every policy in policies/ loads"
    );
}

#[test]
fn the_shipped_examples_never_panic_the_data_path() {
    for text in DATA_TEXTS.iter() {
        let _ = run_data(text);
    }
}

#[test]
fn deeply_nested_policy_text_is_an_error() {
    for text in [
        "{".repeat(100_000),
        format!("competency x {}", "{".repeat(100_000)),
        format!(
            "competency x {{ tiers silver option o {{ tier silver {{ {} }} }} }}",
            "require distinct people { ".repeat(20_000)
        ),
        "(".repeat(100_000),
    ] {
        assert!(rubric::load_policy(&text).is_err());
    }
}

#[test]
fn huge_policy_numbers_are_errors() {
    let policy = |count: &str, amount: &str, months: &str| {
        format!(
            "competency x {{ currency USD tiers silver exam A-1 group g = any of A-1 \
             revenue r = net_new from \"p\" over trailing {months} months \
             option o {{ tier silver {{ require r >= {amount} USD \
             require distinct people {{ {count} passing g }} }} }} }}"
        )
    };
    assert!(rubric::load_policy(&policy("1", "100", "12")).is_ok());
    let huge = "99999999999999999999999999999999999999999999";
    assert!(rubric::load_policy(&policy(huge, "100", "12")).is_err());
    assert!(rubric::load_policy(&policy("1", huge, "12")).is_err());
    assert!(rubric::load_policy(&policy("1", "100", huge)).is_err());
    assert!(rubric::load_policy(&policy("4294967296", "100", "12")).is_err());
}

// ---------------------------------------------------------------- partner data

/// Mutations that keep the record mostly JSON: values swapped for hostile ones.
fn hostile_value() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "null",
        "true",
        "{}",
        "[]",
        "{\"a\": 1}",
        "[1, 2]",
        "0",
        "-0",
        "1e400",
        "-1e400",
        "1e-400",
        "99999999999999999999999999999999999",
        "79228162514264337593543950335",
        "-79228162514264337593543950335",
        "0.0000000000000000000000000000001",
        "\"\"",
        "\"   \"",
        "\"2017-02-29\"",
        "\"9999-12-31\"",
        "\"0000-01-01\"",
        "\"+10000-01-01\"",
        "\"USD\"",
        "\"EUR\"",
        "\"\\u0000\"",
        "\"\\ud800\"",
        "\"\u{feff}\"",
        "\"é\u{301}\"",
        "\"1e28\"",
        "\"1e-28\"",
        "\"-\"",
        "\".\"",
        "\"1e\"",
        "\"e5\"",
        "\"1..0\"",
        "\"--1\"",
        "\"+1\"",
        "\"1e99999999999999999999\"",
    ])
}

/// Replaces the `n`-th JSON scalar value (string, number, literal) of
/// `record` with `value`.
fn replace_nth_value(record: &str, n: usize, value: &str) -> String {
    // Find value starts: after `:` or `[` or `,` (skipping spaces).
    let bytes = record.as_bytes();
    let mut starts = Vec::new();
    let mut in_string = false;
    let mut escaped = false;
    let mut after_separator = false;
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b':' | b'[' | b',' => after_separator = true,
            b' ' => {}
            b'"' => {
                in_string = true;
                if after_separator && bytes.get(i.wrapping_sub(2)) == Some(&b':') {
                    starts.push(i);
                }
                after_separator = false;
            }
            b'-' | b'0'..=b'9' if after_separator => {
                starts.push(i);
                after_separator = false;
            }
            _ => after_separator = false,
        }
    }
    let Some(&start) = starts.get(n % starts.len().max(1)) else {
        return record.to_owned();
    };
    // The value ends at the next `,` `}` or `]` outside a string.
    let rest = &record[start..];
    let end = if rest.starts_with('"') {
        let mut escaped = false;
        rest.char_indices()
            .skip(1)
            .find(|&(_, c)| {
                let close = !escaped && c == '"';
                escaped = !escaped && c == '\\';
                close
            })
            .map_or(rest.len(), |(i, _)| i + 1)
    } else {
        rest.find([',', '}', ']']).unwrap_or(rest.len())
    };
    format!("{}{value}{}", &record[..start], &rest[end..])
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn arbitrary_text_never_panics_the_data_path(text in any::<String>()) {
        let _ = run_data(&text);
    }

    #[test]
    fn json_like_text_never_panics_the_data_path(
        text in r#"(\{|\}|\[|\]|,|:| |\n|"id"|"people"|"revenue"|"exams"|"amount"|"date"|"passed"|"code"|"currency"|"market"|"USD"|"2017-03-15"|-?[0-9]{1,40}(\.[0-9]{1,5})?(e-?[0-9]{1,4})?|null|true|"[^"\\]{0,5}"|\u{feff}){0,80}"#
    ) {
        let _ = run_data(&text);
    }

    #[test]
    fn mutated_records_never_panic_the_data_path(
        seed in any::<usize>(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let mutated = mutate(&DATA_TEXTS[seed % DATA_TEXTS.len()], &mutations);
        // As it is, inside an array, or followed by a good record.
        let _ = match (seed / DATA_TEXTS.len()) % 3 {
            0 => run_data(&mutated),
            1 => run_data(&format!("[{mutated}]")),
            _ => run_data(&format!("{mutated}\n{GOOD_RECORD}\n")),
        };
    }

    #[test]
    fn hostile_values_in_records_never_panic_the_data_path(
        edits in prop::collection::vec((any::<usize>(), hostile_value()), 1..4),
        copies in 1usize..4,
    ) {
        let mut record = GOOD_RECORD.to_owned();
        for (n, value) in edits {
            record = replace_nth_value(&record, n, value);
        }
        let _ = run_data(&record);
        let _ = run_data(&format!("[{}]", vec![record.as_str(); copies].join(",")));
    }

    #[test]
    fn arbitrary_amounts_are_amounts_or_e0403(
        amount in r#"-?[0-9]{0,40}(\.[0-9]{0,40})?([eE][-+]?[0-9]{0,6})?|"[-+0-9.eE ]{0,40}""#
    ) {
        let errors = run_data(&record_with_amount(&amount));
        // Either it is JSON the record cannot take, or an amount, or E0403.
        for code in codes(&errors) {
            prop_assert!(
                ["E0400", "E0401", "E0403"].contains(&code.as_str()),
                "{} for amount {}", code, amount
            );
        }
    }
}

#[test]
fn the_good_record_is_evaluated() {
    assert!(
        run_data(GOOD_RECORD).is_empty(),
        "{:?}",
        run_data(GOOD_RECORD)
    );
}

#[test]
fn deeply_nested_json_is_an_error_not_a_stack_overflow() {
    // Rendering is left out here: these errors sit past column 65535, which
    // `diagnostics_far_along_a_long_line_render` covers on its own.
    let deep = "[".repeat(100_000);
    assert_eq!(codes(&evaluate_data(&deep)), ["E0400"]);

    let closed = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(!evaluate_data(&closed).is_empty());

    let objects = "{\"a\":".repeat(100_000);
    assert_eq!(codes(&evaluate_data(&objects)), ["E0400"]);

    // Deep nesting inside a record's fields, closed or not. Closed nesting
    // in a field Rubric does not read is ignored like any unknown field.
    for field in ["id", "name", "people", "revenue", "market", "unknown"] {
        let record = format!(
            "{{\"{field}\": {}{}, \"id\": 1}}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let errors = evaluate_data(&record);
        assert_eq!(
            errors.is_empty(),
            field == "unknown",
            "{field}: {:?}",
            codes(&errors)
        );
        let record = format!(
            "[{{\"id\": 1, \"{field}\": {}}}]",
            "{\"a\":".repeat(100_000)
        );
        assert!(!evaluate_data(&record).is_empty(), "{field}");
    }

    // Shallower nesting, whose diagnostics render on one screen-ish line.
    assert_eq!(codes(&run_data(&"[".repeat(5_000))), ["E0400"]);
    assert!(!run_data(&format!("{{\"id\": 1, \"people\": {}}}", "[".repeat(5_000))).is_empty());
}

#[test]
fn diagnostics_far_along_a_long_line_render() {
    // A JSON Lines record longer than 64 KiB (a partner with many revenue
    // lines) with a bad amount at the end: the diagnostic's column is past
    // 65535. Rendering it must not panic.
    let line = r#"{"product": "CRM Online", "type": "net_new", "amount": 1, "currency": "USD", "date": "2017-03-15", "associations": ["dpor"]}"#;
    let record = format!(
        r#"{{"id": "BIG", "market": "developed", "revenue": [{}, {}]}}"#,
        vec![line; 700].join(", "),
        line.replace("\"amount\": 1", "\"amount\": \"bad\"")
    );
    assert!(record.len() > 70_000);
    let errors = evaluate_data(&record);
    assert_eq!(codes(&errors), ["E0403"]);
    assert!(errors[0].location().2 > 65_535);
    let text = render(&errors[0], Style::PLAIN);
    assert!(text.contains("E0403"), "{text}");

    // The same for malformed JSON and for a policy with a long line.
    let errors = evaluate_data(&"[".repeat(100_000));
    assert!(render(&errors[0], Style::PLAIN).contains("E0400"));

    let policy = format!(
        "competency x {{{}tiers silver option o {{ tier silver {{ require distinct people {{ 1 passing nope }} }} }} }}",
        " ".repeat(70_000)
    );
    let err = rubric::load_policy(&policy).unwrap_err();
    let source = miette::NamedSource::new("long.policy", policy.clone());
    for diagnostic in err.diagnostics() {
        let with = rubric::report::diagnostic::WithSource::new(diagnostic, &source);
        assert!(!render(&with, Style::PLAIN).is_empty());
    }
}

#[test]
fn huge_amounts_are_e0403() {
    for amount in [
        "1e400",
        "-1e400",
        "99999999999999999999999999999999999",
        "\"99999999999999999999999999999999999\"",
        "79228162514264337593543950336",
        "1e29",
        "\"1e99999999999999999999\"",
        "\"1e-99999999999999999999\"",
    ] {
        let errors = run_data(&record_with_amount(amount));
        assert_eq!(codes(&errors), ["E0403"], "amount {amount}");
    }
}

#[test]
fn the_largest_amount_is_an_amount() {
    let errors = run_data(&record_with_amount("79228162514264337593543950335"));
    assert!(errors.is_empty(), "{:?}", codes(&errors));
}

#[test]
fn amounts_that_overflow_when_summed_are_e0408_not_a_panic() {
    // Each line is a valid amount; their sum is not representable.
    let max = "79228162514264337593543950335";
    let line = format!(
        r#"{{"product": "CRM Online", "type": "net_new", "amount": {max}, "currency": "USD", "date": "2017-03-15", "associations": ["dpor"]}}"#
    );
    let record = format!(r#"{{"id": "P-1", "market": "developed", "revenue": [{line}, {line}]}}"#);
    assert_eq!(codes(&run_data(&record)), ["E0408"]);

    // Credits bring the sum back into range only after it overflowed: still
    // an error, never a wrapped or panicking total.
    let credit = line.replace(max, &format!("-{max}"));
    let record =
        format!(r#"{{"id": "P-1", "market": "developed", "revenue": [{line}, {line}, {credit}]}}"#);
    assert_eq!(codes(&run_data(&record)), ["E0408"]);

    // A sum that reaches the largest amount exactly is fine.
    let record =
        format!(r#"{{"id": "P-1", "market": "developed", "revenue": [{line}, {credit}, {line}]}}"#);
    assert!(run_data(&record).is_empty());
}

#[test]
fn a_shortfall_that_overflows_does_not_panic() {
    // A total at the most negative amount: threshold minus total overflows.
    let errors = run_data(&record_with_amount("-79228162514264337593543950335"));
    assert!(errors.is_empty(), "{:?}", codes(&errors));
}

#[test]
fn ids_that_are_objects_arrays_or_null_are_errors() {
    for id in ["{}", "{\"a\": 1}", "null", "[]", "[1]", "true", "false"] {
        let record = format!(r#"{{"id": {id}, "market": "developed"}}"#);
        assert_eq!(codes(&run_data(&record)), ["E0401"], "partner id {id}");

        let record = format!(r#"{{"id": "P-1", "people": [{{"id": {id}}}]}}"#);
        assert_eq!(codes(&run_data(&record)), ["E0401"], "person id {id}");
    }
    // A missing id is an error too.
    assert_eq!(codes(&run_data(r#"{"market": "developed"}"#)), ["E0401"]);
    // Strings and numbers are ids.
    for id in ["\"P-1\"", "7", "-1", "1.5", "1e3", "\"\""] {
        let record = format!(r#"{{"id": {id}}}"#);
        assert!(run_data(&record).is_empty(), "id {id}");
    }
}

#[test]
fn records_that_are_not_objects_are_errors() {
    for text in ["1", "\"x\"", "null", "[1, \"x\", null, []]", "true"] {
        assert!(!run_data(text).is_empty(), "{text}");
    }
}

#[test]
fn extreme_dates_are_dates_or_e0402() {
    for date in [
        "0000-01-01",
        "9999-12-31",
        "2016-02-29",
        "2017-02-29",
        "2017-00-10",
        "2017-12-32",
    ] {
        let record = format!(
            r#"{{"id": 1, "people": [{{"id": 1, "exams": [{{"code": "MB2-714", "passed": "{date}"}}]}}], "revenue": [{{"product": "CRM Online", "type": "net_new", "amount": 1, "currency": "USD", "date": "{date}"}}]}}"#
        );
        for code in codes(&run_data(&record)) {
            assert_eq!(code, "E0402", "date {date}");
        }
    }
}

#[test]
fn extreme_as_of_dates_do_not_panic() {
    for (_, policy) in POLICIES.iter() {
        for as_of in [NaiveDate::MIN, NaiveDate::MAX] {
            let evaluator = Evaluator::new(policy, as_of);
            for text in DATA_TEXTS.iter() {
                for detail in [Detail::Tier, Detail::Evidence] {
                    let input = DataInput::Text {
                        name: "x.jsonl".to_owned(),
                        text: text.as_str().into(),
                    };
                    let options = batch::Options {
                        threads: 1,
                        detail,
                        people_check: true,
                        ..Default::default()
                    };
                    batch::evaluate(&evaluator, vec![input], options, &JsonLines, &mut |_| {
                        ControlFlow::Continue(())
                    });
                }
            }
        }
    }
}

/// A record with 20,000 people and 20,000 lines, against Cloud CRM on both
/// paths and both framings. A guard against work quadratic in people or
/// lines (which would take many minutes here), not a benchmark: speed is
/// measured by `cargo bench` (see BENCHMARKS.md), so the bound is generous.
#[test]
fn many_people_and_lines_stay_fast() {
    let person = r#"{"id": "ID", "exams": [{"code": "MB2-714", "passed": "2016-01-01"}, {"code": "MB2-710", "passed": "2016-01-01"}]}"#;
    let people: Vec<String> = (0..20_000)
        .map(|i| person.replace("ID", &i.to_string()))
        .collect();
    let line = r#"{"product": "CRM Online", "type": "net_new", "amount": 1, "currency": "USD", "date": "2017-03-15", "associations": ["dpor"]}"#;
    let record = format!(
        r#"{{"id": 1, "market": "developed", "people": [{}], "revenue": [{}]}}"#,
        people.join(","),
        vec![line; 20_000].join(",")
    );
    let started = std::time::Instant::now();
    let results = json_results(&record);
    assert_eq!(results.len(), 4);
    assert!(
        results
            .iter()
            .all(|r| r.contains(r#""status":"evaluated""#))
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(120),
        "{:?}",
        started.elapsed()
    );
}

/// Each record's JSON Lines result, for a text read whole (`x.json`) and
/// streamed (`x.jsonl`), on the fast path and the careful one.
fn json_results(text: &str) -> Vec<String> {
    let evaluator = Evaluator::new(*POLICY, as_of());
    let mut out = Vec::new();
    for name in ["x.json", "x.jsonl"] {
        for detail in [Detail::Requirements, Detail::Evidence] {
            let input = DataInput::Text {
                name: name.to_owned(),
                text: text.into(),
            };
            let options = batch::Options {
                threads: 1,
                detail,
                people_check: true,
                ..Default::default()
            };
            batch::evaluate(&evaluator, vec![input], options, &JsonLines, &mut |event| {
                if let Event::Record(record) = event {
                    out.push(String::from_utf8(record.rendered.to_vec()).unwrap());
                }
                ControlFlow::Continue(())
            });
        }
    }
    out
}

#[test]
fn failed_records_echo_only_ids_that_are_strings_or_numbers() {
    let deep = format!("{}{}", "[".repeat(300), "]".repeat(300));
    let deep_object = format!("{}1{}", "{\"a\":".repeat(300), "}".repeat(300));
    let cases = [
        (deep.as_str(), None),
        (deep_object.as_str(), None),
        ("{\"a\": 1}", None),
        ("[\"P-1\"]", None),
        ("null", None),
        ("true", None),
        ("\"P-1\"", Some(serde_json::json!("P-1"))),
        ("-7.5", Some(serde_json::json!(-7.5))),
    ];
    for (id, echoed) in cases {
        // A record that cannot be evaluated for another reason as well.
        let record = format!(
            r#"{{"id": {id}, "people": [{{"id": "E-1", "exams": [{{"code": "MB2-714", "passed": "2017-13-01"}}]}}]}}"#
        );
        let results = json_results(&record);
        assert_eq!(results.len(), 4, "{id}");
        for result in results {
            // Parsed with serde_json's default nesting limit (128), as a
            // consumer would: the id is never echoed nested.
            let value: serde_json::Value =
                serde_json::from_str(&result).unwrap_or_else(|e| panic!("id {id}: {e}: {result}"));
            assert_eq!(value["status"], "error", "{result}");
            assert_eq!(
                value.get("partner").cloned(),
                Some(echoed.clone().unwrap_or_default()),
                "{result}"
            );
        }
    }
}

#[test]
fn records_written_as_arrays_are_e0401() {
    for record in [
        r#"[["P-1", "Contoso", "developed"]]"#,
        r#"{"id": "P-1", "people": [["E-1", "Ana"]]}"#,
        r#"{"id": "P-1", "people": [{"id": "E-1", "exams": [["MB2-714", "2016-11-02"]]}]}"#,
        r#"{"id": "P-1", "revenue": [["Coho", "CRM Online", "net_new", 1, "USD", "2017-03-15"]]}"#,
        r#"{"id": "P-1", "usage": [["deployed_seats", "Power BI", 1, "2017-03-01"]]}"#,
    ] {
        let errors = run_data(record);
        assert_eq!(codes(&errors), ["E0401"], "{record}");
        assert!(
            errors[0]
                .to_string()
                .contains("must be a JSON object, not an array"),
            "{}",
            errors[0]
        );
    }
}

/// The partners evaluated from `text` read whole (as `x.json`), and the
/// place (`line:column`) of each record that could not be read.
fn evaluated_and_failed(text: &str) -> (Vec<String>, Vec<String>) {
    let evaluator = Evaluator::new(*POLICY, as_of());
    let input = DataInput::Text {
        name: "x.json".to_owned(),
        text: text.into(),
    };
    let options = batch::Options {
        threads: 1,
        detail: Detail::Requirements,
        people_check: true,
        ..Default::default()
    };
    let (mut evaluated, mut failed) = (Vec::new(), Vec::new());
    batch::evaluate(&evaluator, vec![input], options, &JsonLines, &mut |event| {
        if let Event::Record(record) = event {
            let value: serde_json::Value = serde_json::from_slice(record.rendered).unwrap();
            if record.failed {
                let (_, line, column) = record.errors[0].location();
                failed.push(format!("{line}:{column}"));
            } else {
                let id = &value["partner"];
                evaluated.push(id.as_str().map_or_else(|| id.to_string(), str::to_owned));
            }
        }
        ControlFlow::Continue(())
    });
    (evaluated, failed)
}

#[test]
fn a_broken_record_in_an_array_costs_only_itself() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/diagnostics/data");
    let read = |name: &str| {
        std::fs::read_to_string(fixtures.join(name))
            .unwrap()
            .replace("\r\n", "\n")
    };
    assert_eq!(
        evaluated_and_failed(&read("E0400_array_broken_record_between_good_ones.json")),
        (
            vec!["P-401".to_owned(), "P-403".to_owned()],
            vec!["3:54".to_owned()]
        )
    );
    assert_eq!(
        evaluated_and_failed(&read("E0400_array_record_left_open.json")),
        (
            vec!["P-411".to_owned(), "P-413".to_owned()],
            vec!["8:27".to_owned()]
        )
    );
    assert_eq!(
        evaluated_and_failed(&read("E0400_array_trailing_comma.json")),
        (vec!["P-001".to_owned()], vec!["16:3".to_owned()])
    );

    // One line: a record left open swallows the rest, and says so.
    let (evaluated, _) =
        evaluated_and_failed(r#"[{"id": "P-1"}, {"id": "P-2", "x": 1, {"id": "P-3"}]"#);
    assert_eq!(evaluated, ["P-1"]);
    let errors = evaluate_data(r#"[{"id": "P-1"}, {"id": "P-2", "x": 1, {"id": "P-3"}]"#);
    assert!(
        errors[0]
            .to_string()
            .contains("no later record can be read"),
        "{}",
        errors[0]
    );

    // Junk after a record, a missing `]`, a comma before `]`: the records
    // around them are still read.
    let (evaluated, failed) = evaluated_and_failed("[{\"id\": \"P-1\"}}, {\"id\": \"P-2\"},]");
    assert_eq!(
        (evaluated, failed.len()),
        (vec!["P-1".to_owned(), "P-2".to_owned()], 2)
    );
    let (evaluated, failed) = evaluated_and_failed("[{\"id\": \"P-1\"}, {\"id\": \"P-2\"}");
    assert_eq!(
        (evaluated, failed.len()),
        (vec!["P-1".to_owned(), "P-2".to_owned()], 1)
    );
    // After the array, more objects are read as a sequence, not dropped.
    let (evaluated, failed) = evaluated_and_failed("[{\"id\": \"P-1\"}]\n{\"id\": \"P-2\"}\n");
    assert_eq!(
        (evaluated, failed.len()),
        (vec!["P-1".to_owned(), "P-2".to_owned()], 0)
    );
}

#[test]
fn every_good_record_of_a_large_array_with_broken_ones_is_read() {
    // 3,000 records, every seventh broken in one of several ways; some
    // pretty-printed over several lines, some on one line.
    let breakages = [
        |r: &str| r.replace("\"developed\"", "'developed'"),
        |r: &str| r.replace("\"market\"", "\"market"),
        |r: &str| r.replace("[]}", "[}"),
        |r: &str| r.replace(", \"people\"", " \"people\""),
        |r: &str| r.replace("\"id\": ", "\"id\": ,"),
    ];
    let mut records = Vec::new();
    let mut good = Vec::new();
    let mut broken = 0;
    for i in 0..3_000 {
        let id = format!("P-{i}");
        let record =
            format!(r#"{{"id": "{id}", "market": "developed", "people": [], "revenue": []}}"#);
        let record = if i % 7 == 3 {
            broken += 1;
            breakages[i / 7 % breakages.len()](&record)
        } else {
            good.push(id);
            record
        };
        records.push(if i % 2 == 0 {
            record.replace(", ", ",\n    ")
        } else {
            record
        });
    }
    let text = format!("[\n  {}\n]\n", records.join(",\n  "));
    let (evaluated, failed) = evaluated_and_failed(&text);
    assert_eq!(evaluated, good);
    assert_eq!(failed.len(), broken);
}

/// The data diagnostics of `text` read as JSON Lines, rendered as the CLI
/// renders them (no colour, no wrapping).
fn rendered_jsonl_diagnostics(text: &str) -> Vec<String> {
    rendered_diagnostics("x.jsonl", text)
}

/// The data diagnostics of `text` read as a file called `name`, rendered as
/// the CLI renders them (no colour, no wrapping).
fn rendered_diagnostics(name: &str, text: &str) -> Vec<String> {
    let evaluator = Evaluator::new(*POLICY, as_of());
    let input = DataInput::Text {
        name: name.to_owned(),
        text: text.into(),
    };
    let options = batch::Options {
        threads: 1,
        detail: Detail::Requirements,
        people_check: true,
        ..Default::default()
    };
    let style = Style {
        color: false,
        width: usize::MAX,
    };
    let mut out = Vec::new();
    batch::evaluate(&evaluator, vec![input], options, &JsonLines, &mut |event| {
        if let Event::Record(record) = event {
            for err in record.errors.iter().chain(record.warnings) {
                out.push(render(err, style));
            }
        }
        ControlFlow::Continue(())
    });
    out
}

#[test]
fn diagnostics_on_huge_lines_show_a_window_not_the_line() {
    // Four people of a partner listed again under a partner of 100,000
    // people on one line: four warnings, each a few hundred bytes.
    let people: Vec<String> = (0..100_000)
        .map(|i| format!(r#"{{"id": "E-{i}"}}"#))
        .collect();
    let text = format!(
        "{{\"id\": \"P-1\", \"people\": [{{\"id\": \"E-1\"}}, {{\"id\": \"E-2\"}}, {{\"id\": \"E-3\"}}, {{\"id\": \"E-4\"}}]}}\n{{\"id\": \"P-2\", \"people\": [{}]}}\n",
        people.join(", ")
    );
    assert!(text.len() > 1_500_000);
    let rendered = rendered_jsonl_diagnostics(&text);
    assert_eq!(rendered.len(), 4);
    for (i, text) in rendered.iter().enumerate() {
        assert!(text.len() < 2_000, "{} bytes:\n{text}", text.len());
        let id = format!("E-{}", i + 1);
        assert!(text.contains("x.jsonl:2:"), "{text}");
        assert!(text.contains(&format!("{{\"id\": \"{id}\"}}")), "{text}");
        assert!(
            text.contains("already listed under partner `P-1`"),
            "{text}"
        );
    }

    // A megabyte of `{`: one E0400 of a few hundred bytes. (Read whole: a
    // JSON Lines stream loses it, see
    // `an_unclosed_last_record_longer_than_a_block_is_reported`.)
    let rendered = rendered_diagnostics("x.json", &"{".repeat(1 << 20));
    assert_eq!(rendered.len(), 1);
    assert!(rendered[0].len() < 2_000, "{}", rendered[0].len());
    assert!(rendered[0].contains("x.json:1:2"), "{}", rendered[0]);

    // A bad date in the middle of a 100,000-person line, and a record-wide
    // label (E0408) on a line of 10 MB: bounded, with their places.
    let mut people = people.clone();
    people[400] =
        r#"{"id": "E-400", "exams": [{"code": "MB2-714", "passed": "2017-13-01"}]}"#.to_owned();
    let rendered = rendered_jsonl_diagnostics(&format!(
        "{{\"id\": \"P-3\", \"people\": [{}]}}\n",
        people.join(", ")
    ));
    assert_eq!(rendered.len(), 1);
    assert!(rendered[0].len() < 2_000, "{}", rendered[0]);
    assert!(rendered[0].contains("2017-13-01"), "{}", rendered[0]);
    let line = r#"{"product": "CRM Online", "type": "net_new", "amount": "60000000000000000000000000000", "currency": "USD", "date": "2017-03-15", "associations": ["dpor"]}"#;
    let record = format!(
        "{{\"id\": \"P-4\", \"market\": \"developed\", \"revenue\": [{}]}}\n",
        vec![line; 70_000].join(", ")
    );
    let rendered = rendered_jsonl_diagnostics(&record);
    assert_eq!(rendered.len(), 1);
    assert!(rendered[0].contains("E0408"), "{}", rendered[0]);
    assert!(rendered[0].len() < 4_000, "{}", rendered[0].len());
}

#[test]
fn messages_quote_at_most_sixty_characters_of_a_value() {
    let long = "x".repeat(10_000);
    let deep = format!("{}{}", "[".repeat(300), "]".repeat(300));
    let cases = [
        format!(r#"{{"id": {deep}}}"#),
        format!(r#"{{"id": "P-1", "people": [{{"id": {deep}}}]}}"#),
        format!(r#"{{"id": "P-1", "people": "{long}"}}"#),
        format!(
            r#"{{"id": "P-1", "people": [{{"id": "E-1", "exams": [{{"code": "MB2-714", "passed": "{long}"}}]}}]}}"#
        ),
        record_with_amount(&format!("\"{long}\"")),
    ];
    for record in cases {
        let errors = run_data(&record);
        assert_eq!(errors.len(), 1, "{:?}", codes(&errors));
        let message = errors[0].to_string();
        assert!(message.len() < 200, "{message}");
        assert!(message.contains('…'), "{message}");
    }
}

/// A JSON Lines stream whose last record is longer than a block (1 MiB) and
/// either never closes or has no line break after it was dropped without a
/// word (exit 0): `batch::stream_blocks` read on for the rest of the record,
/// reached the end and left its loop with the record still in its buffer.
#[test]
fn an_unclosed_last_record_longer_than_a_block_is_reported() {
    let text = format!("{{\"id\": \"P-1\"}}\n{}\n", "{".repeat(1_500_000));
    let rendered = rendered_jsonl_diagnostics(&text);
    assert_eq!(rendered.len(), 1);
    assert!(rendered[0].contains("x.jsonl:2:2"), "{}", rendered[0]);

    let people: Vec<String> = (0..100_000)
        .map(|i| format!(r#"{{"id": "E-{i}"}}"#))
        .collect();
    let record = format!(r#"{{"id": "P-1", "people": [{}]}}"#, people.join(", "));
    assert_eq!(json_results(&record).len(), 4);
}

proptest! {
    #![proptest_config(config(256))]

    /// An array of partners, one per line (as exports write them), with one
    /// of them mutated: every other partner is still evaluated.
    #[test]
    fn a_mutated_record_in_an_array_never_takes_the_others_with_it(
        broken in 0usize..6,
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let records: Vec<String> = (0..6)
            .map(|i| {
                let record = GOOD_RECORD.replace("\"P-001\"", &format!("\"P-{i}\""));
                if i == broken {
                    // Within the record's own line.
                    mutate(&record, &mutations).replace(['\n', '\r'], " ")
                } else {
                    record
                }
            })
            .collect();
        let text = format!("[\n  {}\n]\n", records.join(",\n  "));
        let (evaluated, _) = evaluated_and_failed(&text);
        let good: Vec<String> = (0..6).filter(|&i| i != broken).map(|i| format!("P-{i}")).collect();
        for id in &good {
            prop_assert!(evaluated.contains(id), "{id} lost: {evaluated:?}\n{}", records[broken]);
        }
        // (The broken line may yield records of its own: a mutation can
        // close the partner early, leaving its people as valid elements.)
    }
}

/// Found by `a_mutated_record_in_an_array_never_takes_the_others_with_it`:
/// a first record whose `{"id":` was cut, leaving its line indented deeper
/// than the records after it, lost every later record.
#[test]
fn a_broken_first_record_indented_deeper_loses_no_other() {
    let text = "[\n    \"name\": \"Contoso\", \"people\": [{\"id\": 1}]},\n  {\"id\": \"P-1\"},\n  {\"id\": \"P-2\"}\n]\n";
    let (evaluated, failed) = evaluated_and_failed(text);
    assert_eq!(evaluated, ["P-1", "P-2"]);
    assert!(!failed.is_empty());
}

#[test]
fn resynchronising_an_array_stays_linear() {
    // Stray closing brackets, commas and open brackets after a broken
    // element, a megabyte of each: every one is looked at a bounded number
    // of times.
    let started = std::time::Instant::now();
    for filler in ["]", "}", ", ", "[", "\"", "\n"] {
        let text = format!("[x{}", filler.repeat(1 << 20));
        assert!(!evaluated_and_failed(&text).1.is_empty(), "{filler:?}");
        let text = format!("[\n  x{}", filler.repeat(1 << 20));
        assert!(!evaluated_and_failed(&text).1.is_empty(), "{filler:?}");
    }
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}
