//! Line filters on other fields (issue 11, item 9): a policy declares a
//! field its lines may carry (`field segment = "enterprise", "smb"`), and a
//! measure counts only the lines whose value meets a condition
//! (`where segment is "enterprise"`, `is one of`, `is not`).
//!
//! Pinned here: which values meet which condition (case and spaces
//! ignored), lines without the field (they meet no condition, `is not`
//! included, and are reported), values a closed field does not list and
//! values that are not strings (reported, meet no condition), the checker's
//! refusals, the formatter, the fast path giving up and agreeing with the
//! careful one, and what reports, the requirements page, `rubric diff` and
//! `rubric example` say.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::ops::ControlFlow;

use common::lang::{
    batch_records, clean_shape as shape, codes, date as d, dec, evaluate_at, parsed,
    rubric_command, shape_text,
};
use miette::Diagnostic as _;
use rubric::batch::{self, DataInput, Event};
use rubric::data::Partner;
use rubric::eval::fold::Scratch;
use rubric::eval::{Detail, Evaluator, Exclusion, PartnerOutcome};
use rubric::model::Policy;
use rubric::report::diagnostic::{Style, render};
use rubric::report::{Human, JsonLines};
use rust_decimal::Decimal;
use serde_json::{Value, json};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const AS_OF: &str = "2017-12-31";
const BOOKED: &str = "2017-10-15";

/// A revenue line of `Dynamics 365` in USD on [`BOOKED`], with `segment`
/// set to `segment` (a JSON value; `None` leaves the field out).
fn revenue(amount: &str, segment: Option<Value>) -> Value {
    revenue_on(amount, BOOKED, segment)
}

fn revenue_on(amount: &str, date: &str, segment: Option<Value>) -> Value {
    let mut line = json!({
        "customer": "Contoso",
        "product": "Dynamics 365",
        "type": "net_new",
        "amount": amount,
        "currency": "USD",
        "date": date,
    });
    if let Some(segment) = segment {
        line["segment"] = segment;
    }
    line
}

fn seats(quantity: u32, segment: Option<Value>) -> Value {
    let mut line = json!({
        "customer": "Fabrikam",
        "metric": "deployed_seats",
        "product": "Dynamics 365",
        "quantity": quantity,
        "date": BOOKED,
        "paid": true,
    });
    if let Some(segment) = segment {
        line["segment"] = segment;
    }
    line
}

fn seg(value: &str) -> Option<Value> {
    Some(json!(value))
}

fn record(revenue: &[Value], usage: &[Value]) -> String {
    json!({
        "id": "P-1",
        "people": [
            {"id": "E-1", "exams": [{"code": "MB2-716", "passed": "2017-03-01"}]},
            {"id": "E-2", "exams": [{"code": "MB2-716", "passed": "2017-03-01"}]},
        ],
        "revenue": revenue,
        "usage": usage,
    })
    .to_string()
}

/// Evaluates one record the careful way, with evidence.
fn evaluate<'p>(policy: &'p Policy, text: &str) -> (PartnerOutcome<'p>, Vec<String>) {
    let evaluator = Evaluator::new(policy, d(AS_OF));
    let record = parsed(text);
    let partner = Partner::parse(&record).unwrap();
    let outcome = evaluator.evaluate_at(&partner, Detail::Evidence).unwrap();
    let warnings = evaluator
        .warnings(&partner, &outcome)
        .iter()
        .map(|w| w.code().unwrap().to_string())
        .collect();
    (outcome, warnings)
}

fn total(policy: &Policy, outcome: &PartnerOutcome<'_>, measure: &str) -> Decimal {
    let i = policy
        .measures
        .iter()
        .position(|m| m.name == measure)
        .unwrap();
    outcome.measures[i].total
}

fn option_tier<'p>(
    policy: &'p Policy,
    outcome: &PartnerOutcome<'_>,
    option: &str,
) -> Option<&'p str> {
    let o = outcome
        .options
        .iter()
        .find(|o| o.option.name == option)
        .unwrap();
    o.tier.map(|t| policy.tiers[t.0].id.as_str())
}

// ---------------------------------------------------------------------------
// Which lines a condition counts
// ---------------------------------------------------------------------------

#[test]
fn is_counts_the_lines_of_that_value_exactly_at_the_threshold() {
    let policy = shape("segment_options");
    // 50,000.00 exactly from enterprise lines: silver in the Enterprise
    // option; the smb line and the lines of other values do not add to it.
    let text = record(
        &[
            revenue("30000.01", seg("enterprise")),
            revenue("19999.99", seg("enterprise")),
            revenue("40000", seg("smb")),
        ],
        &[],
    );
    let (outcome, warnings) = evaluate(&policy, &text);
    assert_eq!(
        total(&policy, &outcome, "enterprise_revenue"),
        dec("50000.00")
    );
    assert_eq!(total(&policy, &outcome, "smb_revenue"), dec("40000"));
    assert_eq!(option_tier(&policy, &outcome, "enterprise"), Some("silver"));
    assert!(warnings.is_empty(), "{warnings:?}");

    // A cent less is not enough.
    let text = record(
        &[
            revenue("30000.00", seg("enterprise")),
            revenue("19999.99", seg("enterprise")),
        ],
        &[],
    );
    let (outcome, _) = evaluate(&policy, &text);
    assert_eq!(
        total(&policy, &outcome, "enterprise_revenue"),
        dec("49999.99")
    );
    assert_eq!(option_tier(&policy, &outcome, "enterprise"), None);
}

#[test]
fn values_compare_without_regard_to_capitals_and_surrounding_spaces() {
    let policy = shape("segment_options");
    let text = record(
        &[
            revenue("10", seg("Enterprise")),
            revenue("20", seg(" ENTERPRISE ")),
            revenue("40", seg("enterprise")),
        ],
        &[],
    );
    let (outcome, warnings) = evaluate(&policy, &text);
    assert_eq!(total(&policy, &outcome, "enterprise_revenue"), dec("70"));
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn the_window_still_decides_on_lines_of_the_right_value() {
    let policy = shape("segment_options");
    // The trailing 12 months ending 2017-12-31 start on 2017-01-01.
    let text = record(
        &[
            revenue_on("100", "2016-12-31", seg("enterprise")),
            revenue_on("200", "2017-01-01", seg("enterprise")),
            revenue_on("400", "2017-12-31", seg("enterprise")),
            revenue_on("800", "2018-01-01", seg("enterprise")),
        ],
        &[],
    );
    let (outcome, _) = evaluate(&policy, &text);
    assert_eq!(total(&policy, &outcome, "enterprise_revenue"), dec("600"));
}

#[test]
fn is_not_counts_every_listed_value_but_those_and_no_line_without_a_value() {
    let policy = shape("segment_options");
    // smb_seats: paid only, where segment is not "enterprise".
    let text = record(
        &[],
        &[
            seats(100, seg("smb")),
            seats(1000, seg("enterprise")),
            seats(20, None),
            seats(40, Some(Value::Null)),
            seats(80, seg("midmarket")),
            seats(160, Some(json!(7))),
        ],
    );
    let (outcome, warnings) = evaluate(&policy, &text);
    assert_eq!(total(&policy, &outcome, "smb_seats"), dec("100"));
    let i = policy
        .measures
        .iter()
        .position(|m| m.name == "smb_seats")
        .unwrap();
    let seats = &outcome.measures[i];
    assert_eq!(seats.counted, [0]);
    assert_eq!(
        seats.excluded_lines,
        [
            (1, Exclusion::OtherFieldValue),
            (2, Exclusion::NoFieldValue),
            (3, Exclusion::NoFieldValue),
            (4, Exclusion::NoFieldValue),
            (5, Exclusion::NoFieldValue),
        ]
    );
    // The two lines without a value are reported once each (E0416), the
    // value the field does not list (E0414) and the number (E0415) too.
    assert_eq!(warnings, ["E0414", "E0415", "E0416", "E0416"]);
}

#[test]
fn a_line_without_the_field_meets_no_condition_and_is_reported_only_where_it_would_count() {
    let policy = shape("segment_options");
    // Without a segment, the enterprise line is counted by neither
    // revenue measure; it would count for both but for the field, and is
    // reported once. A line of another product is not reported: no
    // measure would count it anyway.
    let mut other_product = revenue("5", None);
    other_product["product"] = json!("Dynamics AX");
    let text = record(&[revenue("60000", None), other_product], &[]);
    let (outcome, warnings) = evaluate(&policy, &text);
    assert_eq!(total(&policy, &outcome, "enterprise_revenue"), dec("0"));
    assert_eq!(total(&policy, &outcome, "smb_revenue"), dec("0"));
    assert_eq!(warnings, ["E0416"]);
}

#[test]
fn a_value_the_closed_field_does_not_list_meets_no_condition_and_is_reported() {
    let policy = shape("segment_options");
    let text = record(&[revenue("60000", seg("midmarket"))], &[]);
    let (outcome, warnings) = evaluate(&policy, &text);
    assert_eq!(total(&policy, &outcome, "enterprise_revenue"), dec("0"));
    assert_eq!(total(&policy, &outcome, "smb_revenue"), dec("0"));
    // Reported once for the line, whatever measures filter on it.
    assert_eq!(warnings, ["E0414"]);
}

#[test]
fn one_of_and_not_one_of_on_an_open_field() {
    let text = |condition: &str| {
        format!(
            r#"competency c {{
  version "1"
  effective 2017-01-01
  currency USD
  tiers gold
  field region
  revenue r = net_new from "Dynamics 365" over trailing 12 months {condition}
  option o {{ tier gold {{ require r >= 1 USD }} }}
}}"#
        )
    };
    let lines = [
        revenue("1", Some(json!("emea"))),
        revenue("10", Some(json!("apac"))),
        revenue("100", Some(json!("amer"))),
        revenue("1000", None),
    ];
    let mut lines: Vec<Value> = lines.to_vec();
    for (line, region) in lines.iter_mut().zip(["emea", "apac", "amer"]) {
        line.as_object_mut().unwrap().remove("segment");
        line["region"] = json!(region);
    }
    let data = record(&lines, &[]);
    for (condition, expected) in [
        (r#"where region is "emea""#, "1"),
        (r#"where region is one of "emea", "APAC""#, "11"),
        (r#"where region is not "emea""#, "110"),
        (r#"where region is not one of "emea", "apac""#, "100"),
    ] {
        let policy = rubric::load_policy(&text(condition)).unwrap();
        let (outcome, _) = evaluate(&policy, &data);
        assert_eq!(outcome.measures[0].total, dec(expected), "{condition}");
    }
}

// ---------------------------------------------------------------------------
// The two evaluation paths
// ---------------------------------------------------------------------------

/// Tiers from the batch pipeline at [`Detail::Tier`] (where the fast path
/// would run) and from careful evaluation, partner by partner.
fn both_paths(policy: &Policy, records: &[String]) -> (Vec<Option<String>>, Vec<Option<String>>) {
    let evaluator = Evaluator::new(policy, d(AS_OF));
    let text = records.join("\n") + "\n";
    let mut batch_tiers = Vec::new();
    let options = batch::Options {
        threads: 1,
        detail: Detail::Tier,
        people_check: false,
        ..Default::default()
    };
    batch_records(&evaluator, &text, options, &JsonLines, |r| {
        assert!(!r.failed);
        batch_tiers.push(r.tier.map(|t| policy.tiers[t.0].id.clone()));
    });
    let careful = records
        .iter()
        .map(|text| {
            let (outcome, _) = evaluate(policy, text);
            outcome.tier.map(|t| policy.tiers[t.0].id.clone())
        })
        .collect();
    (batch_tiers, careful)
}

#[test]
fn the_fast_path_gives_up_on_declared_fields_and_both_paths_agree() {
    let policy = shape("segment_options");
    let evaluator = Evaluator::new(&policy, d(AS_OF));
    let mut records = Vec::new();
    for (amount, segment) in [
        ("49999.99", seg("enterprise")),
        ("50000", seg("enterprise")),
        ("200000", seg("Enterprise")),
        ("80000", seg("smb")),
        ("200000", None),
        ("200000", seg("midmarket")),
        ("200000", Some(json!(1))),
    ] {
        records.push(record(
            &[revenue(amount, segment.clone())],
            &[seats(500, segment)],
        ));
    }
    for text in &records {
        assert!(
            evaluator.fold(text, &mut Scratch::default()).is_none(),
            "the fast path must leave a policy with fields to the careful path"
        );
    }
    let (batch, careful) = both_paths(&policy, &records);
    assert_eq!(batch, careful);
    let expected: Vec<Option<String>> = [
        None,
        Some("silver"),
        Some("gold"),
        Some("gold"),
        None,
        None,
        None,
    ]
    .iter()
    .map(|t| t.map(str::to_owned))
    .collect();
    assert_eq!(careful, expected);
}

#[test]
fn a_policy_without_fields_keeps_the_fast_path() {
    let text = shape_text("segment_options")
        .replace(r#" where segment is "enterprise""#, "")
        .replace(r#" where segment is "smb""#, "")
        .replace(r#", where segment is not "enterprise""#, "")
        .replace(
            r#"field segment "Customer segment" = "enterprise", "smb""#,
            "",
        );
    let policy = rubric::load_policy(&text).unwrap();
    assert!(policy.fields.is_empty());
    let evaluator = Evaluator::new(&policy, d(AS_OF));
    let data = record(&[revenue("1", seg("enterprise"))], &[]);
    assert!(evaluator.fold(&data, &mut Scratch::default()).is_some());
}

// ---------------------------------------------------------------------------
// Data warnings, as `rubric eval` reports them
// ---------------------------------------------------------------------------

#[test]
fn data_warnings_snapshots() {
    let policy = shape("segment_options");
    let evaluator = Evaluator::new(&policy, d(AS_OF));
    insta::with_settings!({
        snapshot_path => "diagnostics/fields/snapshots",
        prepend_module_to_snapshot => false,
        description => "evaluated against tests/shapes/segment_options.policy as of 2017-12-31",
    }, {
        insta::glob!("diagnostics/fields/*.jsonl", |path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let code = name.split('_').next().unwrap().to_owned();
            let text = std::fs::read_to_string(path).unwrap().replace("\r\n", "\n");
            let input = DataInput::Text { name: name.clone(), text: text.into() };
            let options = batch::Options { threads: 1, detail: Detail::Evidence, ..Default::default() };
            let mut out = String::new();
            let mut codes = Vec::new();
            batch::evaluate(&evaluator, vec![input], options, &Human, &mut |event| {
                if let Event::Record(r) = event {
                    for w in r.errors.iter().chain(r.warnings) {
                        codes.push(w.code().unwrap().to_string());
                        if !out.is_empty() {
                            out.push('\n');
                        }
                        out.push_str(&render(w, Style::PLAIN));
                    }
                }
                ControlFlow::Continue(())
            });
            assert!(codes.contains(&code), "{name} raises {codes:?}");
            insta::assert_snapshot!(out);
        });
    });
}

// ---------------------------------------------------------------------------
// The checker and the lint
// ---------------------------------------------------------------------------

fn policy_with(lines: &str) -> String {
    format!(
        r#"competency c {{
  version "1"
  effective 2017-01-01
  currency USD
  tiers gold
  field segment = "enterprise", "smb"
  field region
{lines}
  option o {{ tier gold {{ require r >= 1 USD }} }}
}}"#
    )
}

fn measure(condition: &str) -> String {
    policy_with(&format!(
        r#"  revenue r = net_new from "X" over trailing 12 months {condition}"#
    ))
}

#[test]
fn the_checker_refuses_conditions_that_cannot_mean_anything() {
    for (condition, expected) in [
        (r#"where segmnt is "smb""#, "E0326"),
        (r#"where segment is "midmarket""#, "E0327"),
        (
            r#"where segment is "smb", where segment is "enterprise""#,
            "E0328",
        ),
        (
            r#"where segment is "smb", where segment is not "smb""#,
            "E0328",
        ),
        (r#"where segment is "smb" where segment is "smb""#, "E0328"),
        (
            r#"where segment is not one of "smb", "enterprise""#,
            "E0328",
        ),
        (r#"where region is one of "a", "A""#, "E0328"),
        (
            r#"where region is not "a", where region is not "b""#,
            "E0328",
        ),
        (r#"where region is "a", where region is not "a""#, "E0328"),
    ] {
        let found = codes(&measure(condition));
        assert_eq!(found, [expected], "{condition}");
    }
    // Accepted: anything a line can meet, on a field tested once.
    for condition in [
        r#"where segment is "SMB""#,
        r#"where segment is one of "smb", "enterprise""#,
        r#"where segment is not "smb""#,
        r#"where region is not one of "a", "b", where segment is "smb""#,
        r#"as dpor, where region is "x""#,
    ] {
        let text =
            measure(condition).replace("  field region", "  field region\n  association dpor");
        let found = codes(&text);
        assert!(found.iter().all(|c| c == "W0120"), "{condition}: {found:?}");
    }
}

#[test]
fn an_unknown_field_suggests_the_declared_one_and_says_how_to_declare() {
    let checked = rubric::check_source(&measure(r#"where segmnt is "smb""#));
    let help = checked.diagnostics[0].help().unwrap().to_string();
    assert_eq!(help, "did you mean `segment`?");
    let checked = rubric::check_source(&measure(r#"where tier is "smb""#));
    let help = checked.diagnostics[0].help().unwrap().to_string();
    assert!(help.contains("`field tier \"Title\"`"), "{help}");
}

#[test]
fn a_field_declared_twice_or_a_value_listed_twice_is_a_duplicate() {
    let text = policy_with(
        "  field region\n  revenue r = net_new from \"X\" over trailing 12 months where region is \"a\"",
    );
    assert_eq!(codes(&text), ["E0200"]);
    let text = policy_with(
        "  field size = \"s\", \"S\"\n  revenue r = net_new from \"X\" over trailing 12 months where region is \"a\"",
    );
    assert!(codes(&text).contains(&"E0200".to_owned()));
}

#[test]
fn a_field_no_measure_filters_on_is_linted() {
    let text = measure(r#"where segment is "smb""#);
    assert_eq!(codes(&text), ["W0120"], "region is declared and unused");
    let text = measure(r#"where segment is "smb", where region is "x""#);
    assert_eq!(codes(&text), Vec::<String>::new());
}

// ---------------------------------------------------------------------------
// Formatter
// ---------------------------------------------------------------------------

#[test]
fn the_formatter_writes_fields_and_conditions_canonically_and_round_trips() {
    let messy = r#"competency c {
  version "1"
  effective 2017-01-01
  currency USD
  tiers gold
  field   region
  field segment   "Customer segment"="enterprise" ,"smb"
  field size = "s","m"
  revenue r = net_new from "X" over trailing 12 months as dpor paid only where segment is   not one of "smb" ,"enterprise" , where region is "emea"
  usage u = seats from "X" over trailing 12 months where size is one of "s"
  association dpor
  option o { tier gold { require r >= 1 USD require u >= 1 } }
}"#;
    let formatted = rubric::format::format(messy).unwrap();
    assert!(formatted.contains("  field region\n"), "{formatted}");
    assert!(
        formatted.contains(r#"  field segment "Customer segment" = "enterprise", "smb""#),
        "{formatted}"
    );
    assert!(
        formatted.contains(r#"  field size    = "s", "m""#),
        "{formatted}"
    );
    assert!(
        formatted.contains(
            r#"as dpor, paid only, where segment is not one of "smb", "enterprise", where region is "emea""#
        ),
        "{formatted}"
    );
    assert!(
        formatted.contains(r#"where size is one of "s""#),
        "{formatted}"
    );
    assert_eq!(rubric::format::format(&formatted).unwrap(), formatted);
    let before = rubric::syntax::parse(messy).unwrap();
    let after = rubric::syntax::parse(&formatted).unwrap();
    let conditions = |file: &rubric::ast::PolicyFile| -> Vec<(String, bool, bool, Vec<String>)> {
        file.competency
            .items
            .iter()
            .filter_map(|i| match i {
                rubric::ast::Item::Measure(m) => match &m.body {
                    rubric::ast::MeasureBody::Revenue { filter, .. }
                    | rubric::ast::MeasureBody::Usage { filter, .. } => {
                        Some(filter.conditions.clone())
                    }
                    _ => None,
                },
                _ => None,
            })
            .flatten()
            .map(|c| {
                (
                    c.field.name,
                    c.negated.is_some(),
                    c.one_of,
                    c.values.into_iter().map(|v| v.value).collect(),
                )
            })
            .collect()
    };
    assert_eq!(conditions(&before), conditions(&after));
    assert_eq!(conditions(&after).len(), 3);
    let shape = shape_text("segment_options");
    assert_eq!(rubric::format::format(&shape).unwrap(), shape);
}

// ---------------------------------------------------------------------------
// Reports, page, diff, example
// ---------------------------------------------------------------------------

fn rubric_cli(args: &[&str]) -> (String, String) {
    let out = rubric_command(args)
        .env("COLUMNS", "100")
        .current_dir(ROOT)
        .output()
        .unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn the_report_shows_the_condition_and_why_lines_did_not_count() {
    let dir = tempfile_dir();
    let data = dir.join("partners.json");
    std::fs::write(
        &data,
        record(
            &[
                revenue("30000", seg("enterprise")),
                revenue("40000", seg("smb")),
                revenue("50000", None),
            ],
            &[],
        ),
    )
    .unwrap();
    let (stdout, _) = rubric_cli(&[
        "eval",
        "tests/shapes/segment_options.policy",
        data.to_str().unwrap(),
        "--as-of",
        AS_OF,
    ]);
    insta::assert_snapshot!("report_shows_the_filter", stdout);
    let (json, _) = rubric_cli(&[
        "eval",
        "tests/shapes/segment_options.policy",
        data.to_str().unwrap(),
        "--as-of",
        AS_OF,
        "--format",
        "jsonl",
        "--detail",
        "evidence",
    ]);
    assert!(
        json.contains(r#""other_field_value":1"#) || json.contains(r#""other_field_value": 1"#),
        "{json}"
    );
    assert!(
        json.contains(r#""no_field_value":1"#) || json.contains(r#""no_field_value": 1"#),
        "{json}"
    );
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("rubric-lang-filters-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_requirements_page_states_the_condition_in_every_language() {
    let policy = shape("segment_options");
    for language in rubric::doc::Language::ALL {
        let options = rubric::doc::Options {
            language,
            format: rubric::doc::Format::Markdown,
        };
        let text = rubric::doc::render(&policy, &options, None).unwrap();
        insta::assert_snapshot!(format!("page_segment_options.{}.md", language.tag()), text);
    }
}

#[test]
fn diff_reports_a_changed_condition_and_a_new_field() {
    let dir = tempfile_dir();
    let old = dir.join("old.policy");
    let new = dir.join("new.policy");
    let text = shape_text("segment_options");
    std::fs::write(&old, &text).unwrap();
    let changed = text
        .replace(
            r#"where segment is "smb""#,
            r#"where segment is one of "smb", "enterprise""#,
        )
        .replace(
            r#"field segment "Customer segment" = "enterprise", "smb""#,
            "field segment \"Customer segment\" = \"enterprise\", \"smb\"\n  field region",
        );
    std::fs::write(&new, changed).unwrap();
    let (stdout, _) = rubric_cli(&["diff", old.to_str().unwrap(), new.to_str().unwrap()]);
    assert!(
        stdout.contains("field conditions of measure `smb_revenue`"),
        "{stdout}"
    );
    assert!(stdout.contains(r#"where segment is "smb""#), "{stdout}");
    assert!(
        stdout.contains(r#"where segment is one of "enterprise", "smb""#),
        "{stdout}"
    );
    assert!(stdout.contains("field `region`"), "{stdout}");
    // A closed field's values changed.
    std::fs::write(
        &new,
        text.replace(
            r#"= "enterprise", "smb""#,
            r#"= "enterprise", "smb", "midmarket""#,
        ),
    )
    .unwrap();
    let (stdout, _) = rubric_cli(&["diff", old.to_str().unwrap(), new.to_str().unwrap()]);
    assert!(stdout.contains("values of field `segment`"), "{stdout}");
    assert!(stdout.contains("enterprise, midmarket, smb"), "{stdout}");
}

#[test]
fn example_partners_carry_the_values_the_conditions_need() {
    for (option, value) in [("enterprise", "enterprise"), ("smb", "smb")] {
        let (stdout, stderr) = rubric_cli(&[
            "example",
            "tests/shapes/segment_options.policy",
            "--tier",
            "gold",
            "--option",
            option,
            "--as-of",
            AS_OF,
        ]);
        let partner: Value =
            serde_json::from_str(&stdout).unwrap_or_else(|_| panic!("{stdout}{stderr}"));
        let lines: Vec<&Value> = partner["revenue"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(partner["usage"].as_array().into_iter().flatten())
            .collect();
        assert!(!lines.is_empty());
        for line in lines {
            assert_eq!(line["segment"], json!(value), "{option}: {line}");
        }
        // The example is a partner that reaches the tier.
        let policy = shape("segment_options");
        let (outcome, warnings) = evaluate(&policy, &stdout);
        assert_eq!(option_tier(&policy, &outcome, option), Some("gold"));
        assert!(warnings.is_empty());
    }
}

// ---------------------------------------------------------------------------
// For customers of another measure
// ---------------------------------------------------------------------------

fn sale(customer: Option<&str>, amount: &str, date: &str) -> Value {
    let mut line = json!({
        "product": "Dynamics 365",
        "type": "net_new",
        "amount": amount,
        "currency": "USD",
        "date": date,
    });
    if let Some(customer) = customer {
        line["customer"] = json!(customer);
    }
    line
}

fn pro_seats(customer: Option<&str>, quantity: u32, date: &str) -> Value {
    let mut line = json!({
        "metric": "deployed_seats",
        "product": "Power BI Pro",
        "quantity": quantity,
        "date": date,
    });
    if let Some(customer) = customer {
        line["customer"] = json!(customer);
    }
    line
}

#[test]
fn seats_count_only_at_customers_whose_counted_revenue_is_above_zero() {
    let policy = shape("seats_of_revenue_customers");
    // As of 2017-12-31: crm counts calendar 2017, seats 2017-07-01 to
    // 2017-12-31.
    let text = record(
        &[
            // A customer: one cent of revenue in the period is enough.
            sale(Some("Alpine"), "0.01", "2017-01-01"),
            // Not a customer: the sale and its refund add up to zero.
            sale(Some("Blue Yonder"), "900", "2017-03-01"),
            sale(Some("Blue Yonder"), "-900", "2017-04-01"),
            // Not a customer in crm's period: the sale is a day before it.
            sale(Some("Coho"), "900", "2016-12-31"),
            // A sale without a customer makes nobody a customer.
            sale(None, "20000", "2017-05-01"),
        ],
        &[
            pro_seats(Some(" alpine "), 100, "2017-07-01"),
            pro_seats(Some("Blue Yonder"), 1000, "2017-08-01"),
            pro_seats(Some("Coho"), 1000, "2017-08-01"),
            pro_seats(None, 1000, "2017-08-01"),
            // Alpine's seats a day before the seats window do not count.
            pro_seats(Some("Alpine"), 1000, "2017-06-30"),
        ],
    );
    let outcome = evaluate_at(&policy, AS_OF, &text);
    assert_eq!(total(&policy, &outcome, "crm"), dec("20000.01"));
    assert_eq!(total(&policy, &outcome, "seats"), dec("100"));
    let seats = &outcome.measures[1];
    assert_eq!(seats.counted, [0]);
    assert_eq!(
        seats.excluded_lines,
        [
            (1, Exclusion::NotCustomerOf),
            (2, Exclusion::NotCustomerOf),
            (3, Exclusion::NotCustomerOf),
            (4, Exclusion::OutsideWindow),
        ]
    );
}

#[test]
fn the_other_measures_own_window_decides_who_its_customers_are() {
    let policy = shape("seats_of_revenue_customers");
    // Alpine bought in February 2017, long before the seats window.
    let text = record(
        &[sale(Some("Alpine"), "10000", "2017-02-01")],
        &[pro_seats(Some("Alpine"), 500, "2018-01-10")],
    );
    // As of 2018-01-15 the last complete calendar year is still 2017:
    // Alpine is a customer, and its January seats count.
    let outcome = evaluate_at(&policy, "2018-01-15", &text);
    assert_eq!(total(&policy, &outcome, "seats"), dec("500"));
    assert_eq!(
        outcome.tier.map(|t| policy.tiers[t.0].id.as_str()),
        Some("silver")
    );
    // As of 2018-12-31 crm counts 2018, in which Alpine bought nothing:
    // Alpine is no longer a customer, so its December seats, well inside
    // the seats window, do not count.
    let text = record(
        &[sale(Some("Alpine"), "10000", "2017-02-01")],
        &[pro_seats(Some("Alpine"), 500, "2018-12-01")],
    );
    let outcome = evaluate_at(&policy, "2018-12-31", &text);
    assert_eq!(total(&policy, &outcome, "crm"), dec("0"));
    assert_eq!(total(&policy, &outcome, "seats"), dec("0"));
    assert_eq!(
        outcome.measures[1].excluded_lines,
        [(0, Exclusion::NotCustomerOf)]
    );
}

#[test]
fn a_restriction_may_chain_and_customer_counts_read_the_restricted_lines() {
    let text = r#"competency c {
  version "1"
  effective 2017-01-01
  currency USD
  tiers gold
  revenue crm = net_new from "Dynamics 365" over trailing 12 months
  usage seats = deployed_seats from "Power BI Pro" over trailing 12 months for customers of crm
  usage active = active_users from "Power BI Pro" over trailing 12 months for customers of seats
  measure seat_customers = distinct customers of seats
  option o { tier gold { require active >= 1 require seat_customers >= 1 } }
}"#;
    let policy = rubric::load_policy(text).unwrap();
    let mut active = pro_seats(Some("Alpine"), 7, BOOKED);
    active["metric"] = json!("active_users");
    let mut stray = pro_seats(Some("Coho"), 9, BOOKED);
    stray["metric"] = json!("active_users");
    let data = record(
        &[
            sale(Some("Alpine"), "1", BOOKED),
            sale(Some("Coho"), "1", BOOKED),
        ],
        // Coho bought, but has no seats: not a customer of `seats`.
        &[pro_seats(Some("Alpine"), 5, BOOKED), active, stray],
    );
    let outcome = evaluate_at(&policy, AS_OF, &data);
    assert_eq!(total(&policy, &outcome, "seats"), dec("5"));
    assert_eq!(total(&policy, &outcome, "active"), dec("7"));
    assert_eq!(total(&policy, &outcome, "seat_customers"), dec("1"));
    // Both paths agree; the fast path leaves such a policy to the careful one.
    let evaluator = Evaluator::new(&policy, d(AS_OF));
    assert!(evaluator.fold(&data, &mut Scratch::default()).is_none());
    let (batch, careful) = both_paths(&policy, &[data]);
    assert_eq!(batch, careful);
    assert_eq!(careful, [Some("gold".to_owned())]);
}

#[test]
fn both_paths_agree_on_seats_of_revenue_customers() {
    let policy = shape("seats_of_revenue_customers");
    let records: Vec<String> = [
        ("9999.99", 100),
        ("10000", 99),
        ("10000", 100),
        ("50000", 500),
        ("50000", 499),
    ]
    .iter()
    .map(|(amount, seats)| {
        record(
            &[sale(Some("Alpine"), amount, "2017-03-01")],
            &[
                pro_seats(Some("Alpine"), *seats, "2017-09-01"),
                pro_seats(Some("Other"), 1000, "2017-09-01"),
            ],
        )
    })
    .collect();
    let (batch, careful) = both_paths(&policy, &records);
    assert_eq!(batch, careful);
    let expected: Vec<Option<String>> = [None, None, Some("silver"), Some("gold"), Some("silver")]
        .iter()
        .map(|t| t.map(str::to_owned))
        .collect();
    assert_eq!(careful, expected);
}

#[test]
fn the_checker_refuses_restrictions_that_cannot_mean_anything() {
    let policy = |measures: &str| {
        format!(
            r#"competency c {{
  version "1"
  effective 2017-01-01
  currency USD
  tiers gold
  revenue crm = net_new from "X" over trailing 12 months
{measures}
  option o {{ tier gold {{ require crm >= 1 USD require seats >= 1 }} }}
}}"#
        )
    };
    for (measures, expected) in [
        (
            "  usage seats = s from \"Y\" over trailing 12 months for customers of crmm",
            vec!["E0203"],
        ),
        (
            "  usage seats = s from \"Y\" over trailing 12 months for customers of seats",
            vec!["E0330"],
        ),
        (
            "  usage seats = s from \"Y\" over trailing 12 months for customers of other\n  usage other = s from \"Y\" over trailing 12 months for customers of seats",
            vec!["E0330"],
        ),
        (
            "  measure n = distinct customers of crm\n  usage seats = s from \"Y\" over trailing 12 months for customers of n",
            vec!["E0329"],
        ),
        (
            "  usage seats = s from \"Y\" over trailing 12 months for customers of crm, for customers of crm",
            vec!["E0329"],
        ),
    ] {
        assert_eq!(codes(&policy(measures)), expected, "{measures}");
    }
    let ok = policy("  usage seats = s from \"Y\" over trailing 12 months for customers of crm");
    assert_eq!(codes(&ok), Vec::<String>::new());
    let help = rubric::check_source(&policy(
        "  usage seats = s from \"Y\" over trailing 12 months for customers of crmm",
    ))
    .diagnostics[0]
        .help()
        .unwrap()
        .to_string();
    assert_eq!(help, "did you mean `crm`?");
}

#[test]
fn for_customers_of_formats_diffs_and_reads_on_the_page() {
    let shape_text = shape_text("seats_of_revenue_customers");
    assert_eq!(rubric::format::format(&shape_text).unwrap(), shape_text);
    let messy = shape_text.replace(
        "over trailing 6 months for customers of crm",
        "over trailing 6 months   for   customers  of crm",
    );
    assert_eq!(rubric::format::format(&messy).unwrap(), shape_text);

    let dir = tempfile_dir();
    let old = dir.join("seats_old.policy");
    let new = dir.join("seats_new.policy");
    std::fs::write(&old, &shape_text).unwrap();
    std::fs::write(&new, shape_text.replace(" for customers of crm", "")).unwrap();
    let (stdout, _) = rubric_cli(&["diff", old.to_str().unwrap(), new.to_str().unwrap()]);
    assert!(
        stdout.contains("customers counted by measure `seats`"),
        "{stdout}"
    );
    assert!(stdout.contains("customers of `crm`"), "{stdout}");
    assert!(stdout.contains("every customer"), "{stdout}");

    let policy = shape("seats_of_revenue_customers");
    for language in rubric::doc::Language::ALL {
        let options = rubric::doc::Options {
            language,
            format: rubric::doc::Format::Markdown,
        };
        let text = rubric::doc::render(&policy, &options, None).unwrap();
        insta::assert_snapshot!(
            format!("page_seats_of_revenue_customers.{}.md", language.tag()),
            text
        );
    }
}

#[test]
fn the_report_shows_the_restriction_and_lines_of_other_customers() {
    let dir = tempfile_dir();
    let data = dir.join("seats.json");
    std::fs::write(
        &data,
        record(
            &[sale(Some("Alpine"), "10000", "2017-03-01")],
            &[
                pro_seats(Some("Alpine"), 60, "2017-09-01"),
                pro_seats(Some("Other"), 1000, "2017-09-01"),
            ],
        ),
    )
    .unwrap();
    let (stdout, _) = rubric_cli(&[
        "eval",
        "tests/shapes/seats_of_revenue_customers.policy",
        data.to_str().unwrap(),
        "--as-of",
        AS_OF,
    ]);
    insta::assert_snapshot!("report_shows_the_restriction", stdout);
}

#[test]
fn example_partners_make_the_restricted_lines_customers_of_the_other_measure() {
    let (stdout, stderr) = rubric_cli(&[
        "example",
        "tests/shapes/seats_of_revenue_customers.policy",
        "--tier",
        "gold",
        "--as-of",
        AS_OF,
    ]);
    let partner: Value =
        serde_json::from_str(&stdout).unwrap_or_else(|_| panic!("{stdout}{stderr}"));
    let seat_customers: Vec<&Value> = partner["usage"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| &l["customer"])
        .collect();
    let revenue_customers: Vec<&Value> = partner["revenue"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| &l["customer"])
        .collect();
    assert!(!seat_customers.is_empty());
    assert!(seat_customers.iter().all(|c| revenue_customers.contains(c)));
    let policy = shape("seats_of_revenue_customers");
    let outcome = evaluate_at(&policy, AS_OF, &stdout);
    assert_eq!(
        outcome.tier.map(|t| policy.tiers[t.0].id.as_str()),
        Some("gold")
    );
}
