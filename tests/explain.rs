//! The long explanations of diagnostic codes (`rubric::explain`) cover every
//! code the library declares, and their examples do what they say.
//!
//! - Every `code(...)` the sources under `src/` declare has an explanation,
//!   and every explanation is of a declared code.
//! - Policy examples: `wrong` raises exactly its code (an error when the
//!   policy is loaded, or a warning from the lints) and nothing else; `right`
//!   loads and raises no warning.
//! - Partner data examples, evaluated against `policies/cloud_crm.policy` as
//!   of 2017-06-30: `wrong` raises exactly its code, `right` nothing.
//! - Policy test file examples, checked against `policies/cloud_crm.policy`:
//!   `wrong` raises exactly its code; `right` raises nothing and its cases pass.
//! - Lint settings examples: `wrong` is refused with its code, `right` read.
//! - Texts are 3 to 8 sentences, and example lines fit in 100 columns.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::{declared_codes, is_code};
use std::collections::BTreeSet;
use std::path::Path;

use chrono::NaiveDate;
use miette::Diagnostic;
use rubric::batch::{self, DataInput, Event};
use rubric::eval::{Detail, Evaluator};
use rubric::explain::{ExampleKind, Explanation, all, explain};
use rubric::report::Human;
use std::ops::ControlFlow;

const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");

/// The widest line an example may have.
const MAX_COLUMNS: usize = 100;

fn code_of(diagnostic: &dyn Diagnostic) -> String {
    diagnostic
        .code()
        .map_or_else(String::new, |c| c.to_string())
}

/// What checking a policy reports.
#[derive(Debug)]
enum Checked {
    /// The policy does not load: the code of each error.
    Errors(Vec<String>),
    /// The policy loads: the code of each lint warning.
    Warnings(Vec<String>),
}

fn check_policy(text: &str) -> Checked {
    let checked = rubric::check_source(text);
    let codes = checked.diagnostics.iter().map(|d| code_of(d)).collect();
    if checked.policy.is_some() {
        Checked::Warnings(codes)
    } else {
        Checked::Errors(codes)
    }
}

fn cloud_crm() -> rubric::model::Policy {
    let path = Path::new(MANIFEST_DIR).join("policies/cloud_crm.policy");
    let text = std::fs::read_to_string(path).unwrap();
    rubric::load_policy(&text).expect("policies/cloud_crm.policy is valid")
}

/// Every code `rubric eval` raises for partner data read as a `.json` file,
/// in its order: the library's batch pipeline.
fn data_codes(text: &str, evaluator: &Evaluator<'_>) -> Vec<String> {
    let mut codes = Vec::new();
    let input = DataInput::Text {
        name: "x.json".to_owned(),
        text: text.into(),
    };
    let options = batch::Options {
        people_check: true,
        threads: 1,
        detail: Detail::Evidence,
        ..Default::default()
    };
    batch::evaluate(evaluator, vec![input], options, &Human, &mut |event| {
        match event {
            Event::Record(record) => {
                for diagnostic in record.errors.iter().chain(record.warnings) {
                    codes.push(code_of(diagnostic));
                }
            }
            Event::Unreadable(err) => codes.push(code_of(&err)),
            Event::Warning(warning) => codes.push(code_of(&warning)),
        }
        ControlFlow::Continue(())
    });
    codes
}

/// Every code raised while reading a policy test file and checking the tiers
/// and requirements it names against the policy.
fn test_file_codes(text: &str, policy: &rubric::model::Policy) -> Vec<String> {
    let errors = match rubric::policy_test::parse(text) {
        Ok(file) => rubric::policy_test::validate(&file, policy),
        Err(errors) => errors,
    };
    errors.iter().map(|e| code_of(e)).collect()
}

/// `codes` is not empty and every one of them is `code`.
fn assert_exactly(e: &Explanation, codes: &[String], what: &str) {
    assert!(
        !codes.is_empty() && codes.iter().all(|c| c == e.code),
        "{}: the wrong example should raise only {}, but {what} raises {codes:?}:\n{}",
        e.code,
        e.code,
        e.wrong
    );
}

#[test]
fn every_declared_code_is_explained_and_only_those() {
    let declared = declared_codes();
    // Guard the scan itself: it must find the codes of every layer.
    for code in [
        "E0100", "E0199", "E0200", "E0312", "E0400", "E0406", "E0500",
    ] {
        assert!(declared.contains(code), "the scan of src/ missed {code}");
    }
    let explained: BTreeSet<String> = all().iter().map(|e| e.code.to_owned()).collect();
    let missing: Vec<&String> = declared.difference(&explained).collect();
    assert!(missing.is_empty(), "codes with no explanation: {missing:?}");
    let unknown: Vec<&String> = explained.difference(&declared).collect();
    assert!(
        unknown.is_empty(),
        "explanations of codes the library does not declare: {unknown:?}"
    );
}

#[test]
fn explanations_are_in_code_order_once_each() {
    let codes: Vec<&str> = all().iter().map(|e| e.code).collect();
    for pair in codes.windows(2) {
        assert!(
            pair[0] < pair[1],
            "{} and {} are out of order or repeated",
            pair[0],
            pair[1]
        );
    }
}

#[test]
fn lookup_ignores_case() {
    for e in all() {
        assert_eq!(explain(e.code).map(|x| x.code), Some(e.code));
        assert_eq!(
            explain(&e.code.to_lowercase()).map(|x| x.code),
            Some(e.code)
        );
    }
    assert!(explain(" e0201 ").is_some());
    assert!(explain("E9999").is_none());
    assert!(explain("").is_none());
}

/// A rough count of sentences: full stops, question marks and exclamation
/// marks followed by a space or the end, not counting "e.g.".
fn sentences(text: &str) -> usize {
    let text = text.replace("e.g.", "eg");
    let ends = text.matches(". ").count() + text.matches("? ").count() + text.matches("! ").count();
    let last = usize::from(text.trim_end().ends_with(['.', '?', '!']));
    ends + last
}

#[test]
fn texts_are_short_paragraphs_and_examples_fit() {
    for e in all() {
        assert!(is_code(e.code), "`{}` is not a code", e.code);
        assert!(!e.title.trim().is_empty(), "{}: empty title", e.code);
        assert!(!e.text.trim().is_empty(), "{}: empty text", e.code);
        assert!(
            !e.text.contains('\n'),
            "{}: the text is one paragraph, unwrapped",
            e.code
        );
        let n = sentences(e.text);
        assert!(
            (3..=8).contains(&n),
            "{}: the text has {n} sentences, not 3 to 8",
            e.code
        );
        match e.kind {
            ExampleKind::None => assert!(
                e.wrong.is_empty() && e.right.is_empty(),
                "{}: no examples for ExampleKind::None",
                e.code
            ),
            _ => {
                assert!(
                    !e.wrong.trim().is_empty() && !e.right.trim().is_empty(),
                    "{}: both examples are needed",
                    e.code
                );
                assert_ne!(e.wrong, e.right, "{}: the examples are the same", e.code);
            }
        }
        for (which, example) in [("wrong", e.wrong), ("right", e.right)] {
            for (i, line) in example.lines().enumerate() {
                let width = line.chars().count();
                assert!(
                    width <= MAX_COLUMNS,
                    "{}: line {} of the {which} example is {width} columns wide:\n{line}",
                    e.code,
                    i + 1
                );
            }
        }
    }
}

#[test]
fn policy_examples_raise_their_code_and_fixes_check_clean() {
    let mut seen = 0;
    for e in all().iter().filter(|e| e.kind == ExampleKind::Policy) {
        seen += 1;
        match (check_policy(e.wrong), e.code.starts_with('W')) {
            (Checked::Errors(codes), false) => assert_exactly(e, &codes, "loading it"),
            (Checked::Warnings(codes), true) => assert_exactly(e, &codes, "linting it"),
            (checked, _) => panic!(
                "{}: the wrong example should raise {}, but gives {checked:?}:\n{}",
                e.code, e.code, e.wrong
            ),
        }
        match check_policy(e.right) {
            Checked::Warnings(codes) if codes.is_empty() => {}
            checked => panic!(
                "{}: the right example should check clean, but gives {checked:?}:\n{}",
                e.code, e.right
            ),
        }
    }
    assert!(seen > 0, "no policy examples");
}

#[test]
fn data_examples_raise_their_code_and_fixes_evaluate_cleanly() {
    let policy = cloud_crm();
    let as_of = NaiveDate::from_ymd_opt(2017, 6, 30).unwrap();
    let evaluator = Evaluator::new(&policy, as_of);
    let mut seen = 0;
    for e in all().iter().filter(|e| e.kind == ExampleKind::Data) {
        seen += 1;
        assert!(e.code.starts_with("E04"), "{}: not a data code", e.code);
        assert_exactly(e, &data_codes(e.wrong, &evaluator), "evaluating it");
        let codes = data_codes(e.right, &evaluator);
        assert!(
            codes.is_empty(),
            "{}: the right example should evaluate cleanly, but raises {codes:?}:\n{}",
            e.code,
            e.right
        );
    }
    assert!(seen > 0, "no data examples");
}

#[test]
fn test_file_examples_raise_their_code_and_fixes_pass() {
    let policy = cloud_crm();
    let mut seen = 0;
    for e in all().iter().filter(|e| e.kind == ExampleKind::TestFile) {
        seen += 1;
        assert!(
            e.code.starts_with("E05"),
            "{}: not a test file code",
            e.code
        );
        for (which, example) in [("wrong", e.wrong), ("right", e.right)] {
            assert!(
                example.starts_with("policy = \"cloud_crm.policy\"\n"),
                "{}: the {which} example should test cloud_crm.policy",
                e.code
            );
        }
        assert_exactly(e, &test_file_codes(e.wrong, &policy), "checking it");
        let codes = test_file_codes(e.right, &policy);
        assert!(
            codes.is_empty(),
            "{}: the right example should be valid, but raises {codes:?}:\n{}",
            e.code,
            e.right
        );
        let file = rubric::policy_test::parse(e.right).unwrap();
        for result in rubric::policy_test::run(&file, &policy) {
            assert!(
                result.passed,
                "{}: case `{}` of the right example fails: {:?}",
                e.code, result.name, result.differences
            );
        }
    }
    assert!(seen > 0, "no test file examples");
}

#[test]
fn config_examples_raise_their_code_and_fixes_are_read() {
    let mut seen = 0;
    for e in all().iter().filter(|e| e.kind == ExampleKind::Config) {
        seen += 1;
        match rubric::lint::Levels::from_config(e.wrong) {
            Ok(levels) => panic!(
                "{}: the wrong example should be refused, but reads as {levels:?}:\n{}",
                e.code, e.wrong
            ),
            Err(err) => assert_exactly(e, &[code_of(&err)], "reading it"),
        }
        if let Err(err) = rubric::lint::Levels::from_config(e.right) {
            panic!(
                "{}: the right example should be read, but raises {}: {err}\n{}",
                e.code,
                code_of(&err),
                e.right
            );
        }
    }
    assert!(seen > 0, "no lint settings examples");
}
