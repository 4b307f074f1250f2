//! Helpers the language tests (`lang_*.rs`, `eval_cloud_crm.rs`) share:
//! dates and amounts from text, the shapes under `tests/shapes`, checking a
//! policy's text, evaluating one partner on both paths, and running the
//! built binary.

use std::ops::ControlFlow;
use std::process::{Command, Output};

use chrono::NaiveDate;
use rubric::batch::{self, DataInput, Event, RecordOutcome};
use rubric::data::{DataError, Partner, Record, read};
use rubric::eval::fold::Scratch;
use rubric::eval::{Detail, Evaluated, Evaluator, PartnerOutcome};
use rubric::model::Policy;
use rubric::report::Render;
use rust_decimal::Decimal;
use serde_json::Value;

// ---------------------------------------------------------------------------
// Dates and amounts
// ---------------------------------------------------------------------------

/// A date written `2017-06-30`.
pub fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("a test date")
}

/// An amount written as an exact decimal: more digits than a `Decimal`
/// keeps are a mistake in the test, not something to round.
pub fn dec(text: &str) -> Decimal {
    Decimal::from_str_exact(text).expect("a test amount")
}

// ---------------------------------------------------------------------------
// Policies
// ---------------------------------------------------------------------------

/// The path of `tests/shapes/<name>.policy`.
pub fn shape_path(name: &str) -> String {
    format!("{}/tests/shapes/{name}.policy", env!("CARGO_MANIFEST_DIR"))
}

/// The text of `tests/shapes/<name>.policy`.
pub fn shape_text(name: &str) -> String {
    std::fs::read_to_string(shape_path(name)).unwrap()
}

/// Loads `tests/shapes/<name>.policy`, which must check without any
/// diagnostic, error or warning.
pub fn clean_shape(name: &str) -> Policy {
    let text = shape_text(name);
    assert_eq!(codes(&text), Vec::<String>::new(), "{name} checks clean");
    rubric::load_policy(&text).unwrap()
}

/// The checked policy of `text`, which must have no error (warnings are
/// allowed).
pub fn load(text: &str) -> Policy {
    rubric::load_policy(text).unwrap_or_else(|e| panic!("does not check: {e:?}\n{text}"))
}

/// The codes `rubric check` reports for a policy's text, errors and
/// warnings, in order.
pub fn codes(text: &str) -> Vec<String> {
    rubric::check_source(text)
        .diagnostics
        .iter()
        .map(rubric::PolicyDiagnostic::code_text)
        .collect()
}

// ---------------------------------------------------------------------------
// Evaluating one partner
// ---------------------------------------------------------------------------

/// The one record of a partner's JSON text, framed as the data reader
/// frames a file.
pub fn parsed(text: &str) -> Record {
    read::whole_text("p.json", text.to_owned())
        .into_iter()
        .next()
        .unwrap()
        .unwrap()
}

/// The partner of `text` evaluated the careful way (framed, parsed, then
/// `Evaluator::evaluate_at`), keeping what `detail` asks for.
pub fn careful_outcome<'p>(
    evaluator: &Evaluator<'p>,
    text: &str,
    detail: Detail,
) -> Result<PartnerOutcome<'p>, Vec<DataError>> {
    let record = parsed(text);
    let partner = Partner::parse(&record).unwrap();
    evaluator.evaluate_at(&partner, detail)
}

/// The partner of `text` evaluated the careful way as of `as_of`, with
/// evidence; the data must hold no error.
pub fn evaluate_at<'p>(policy: &'p Policy, as_of: &str, text: &str) -> PartnerOutcome<'p> {
    careful_outcome(&Evaluator::new(policy, date(as_of)), text, Detail::Evidence).unwrap()
}

/// Whether the fast path (`Evaluator::fold`) decides the partner of `text`;
/// where it does, its tier and the outcome of every option's tiers must be
/// those of `careful`, the careful path's outcome at
/// [`Detail::Requirements`].
pub fn fast_path_agrees(
    evaluator: &Evaluator<'_>,
    text: &str,
    careful: &PartnerOutcome<'_>,
) -> bool {
    let mut scratch = Scratch::default();
    if evaluator.fold(text, &mut scratch).is_none() {
        return false;
    }
    let fast = evaluator.judge(
        scratch.facts(),
        Vec::new(),
        Vec::new(),
        Detail::Requirements,
    );
    assert_eq!(
        format!("{:?} {:?}", fast.tier, fast.options),
        format!("{:?} {:?}", careful.tier, careful.options),
        "the fast path decides {text} as the careful path does"
    );
    true
}

/// The human report with evidence, and the JSON result, of the partner of
/// `text` as of `as_of`.
pub fn report(policy: &Policy, as_of: &str, text: &str) -> (String, Value) {
    let record = parsed(text);
    let partner = Partner::parse(&record).unwrap();
    let outcome = Evaluator::new(policy, date(as_of))
        .evaluate(&partner)
        .unwrap();
    let evaluated = Evaluated::of_partner(&partner, outcome, Detail::Evidence);
    let human = rubric::report::human::partner(policy, &evaluated);
    let json =
        serde_json::to_value(rubric::report::json::evaluated(policy, &evaluated, None)).unwrap();
    (human, json)
}

/// Runs `data`, one partner a line, through the library's batch pipeline
/// (as `rubric eval` does) and hands each record's outcome to `each`.
pub fn batch_records(
    evaluator: &Evaluator<'_>,
    data: &str,
    options: batch::Options,
    render: &dyn Render,
    mut each: impl FnMut(RecordOutcome<'_>),
) {
    let input = DataInput::Text {
        name: "batch.jsonl".to_owned(),
        text: data.to_owned().into(),
    };
    batch::evaluate(evaluator, vec![input], options, render, &mut |event| {
        if let Event::Record(record) = event {
            each(record);
        }
        ControlFlow::Continue(())
    });
}

// ---------------------------------------------------------------------------
// The binary
// ---------------------------------------------------------------------------

/// The built `rubric` binary with `args`, colours off.
pub fn rubric_command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rubric"));
    command.args(args).env("NO_COLOR", "1");
    command
}

/// Runs the built `rubric` binary with `args`, colours off.
pub fn rubric_cli(args: &[&str]) -> Output {
    rubric_command(args).output().unwrap()
}
