//! The why-not report as people read it: one case per file in
//! `tests/why_not/` (an as-of date and a partner), evaluated against
//! `tests/why_not/credentials.policy` with every piece of evidence and
//! snapshotted in the human rendering and as JSON.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use rubric::eval::{Detail, Evaluated, Evaluator};

fn policy() -> rubric::model::Policy {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/why_not/credentials.policy"
    );
    rubric::load_policy(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn why_not_reports() {
    let policy = policy();
    insta::glob!("why_not/*.json", |path| {
        let case: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap().replace("\r\n", "\n"))
                .unwrap();
        let as_of: chrono::NaiveDate = case["as_of"].as_str().unwrap().parse().unwrap();
        let records = rubric::data::read::whole_text("p.json", case["partner"].to_string());
        let record = records.into_iter().next().unwrap().unwrap();
        let partner = rubric::data::Partner::parse(&record).unwrap();
        let outcome = Evaluator::new(&policy, as_of).evaluate(&partner).unwrap();
        let evaluated = Evaluated::of_partner(&partner, outcome, Detail::Evidence);
        let human = rubric::report::human::partner(&policy, &evaluated);
        let json = serde_json::to_value(rubric::report::json::evaluated(&policy, &evaluated, None))
            .unwrap();
        let json = serde_json::to_string_pretty(&json).unwrap();
        insta::assert_snapshot!(format!("{human}\n{json}\n"));
    });
}

/// The human report of one case file.
fn human(case: &str) -> String {
    let policy = policy();
    let path = format!("{}/tests/why_not/{case}", env!("CARGO_MANIFEST_DIR"));
    let case: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let as_of: chrono::NaiveDate = case["as_of"].as_str().unwrap().parse().unwrap();
    let records = rubric::data::read::whole_text("p.json", case["partner"].to_string());
    let record = records.into_iter().next().unwrap().unwrap();
    let partner = rubric::data::Partner::parse(&record).unwrap();
    let outcome = Evaluator::new(&policy, as_of).evaluate(&partner).unwrap();
    rubric::report::human::partner(
        &policy,
        &Evaluated::of_partner(&partner, outcome, Detail::Evidence),
    )
}

/// Regression (issue 10): shared roles read "6 of 6 filled" for 4 people.
/// Places and people are counted apart, in the singular where one.
#[test]
fn shared_roles_count_places_and_people_apart() {
    let met = human("shared_met.json");
    assert!(
        met.contains("✓ shared people: 2 people fill 3 of 3 places"),
        "{met}"
    );
    let short = human("shared_counts.json");
    assert!(
        short.contains("✗ shared people: 1 person fills 2 of 3 places"),
        "{short}"
    );
    let none = human("four_of_five.json");
    assert!(
        none.contains("✗ shared people: 0 of 3 places filled"),
        "{none}"
    );
}

/// Regression (issue 10): the person holding four of five exams of an
/// `all of` group was passed over for one holding none, and five exams were
/// reported as "(1 pass)".
#[test]
fn four_of_five_is_one_pass_away() {
    let report = human("four_of_five.json");
    assert!(report.contains("to meet it (7 passes): "), "{report}");
    assert!(
        report.contains(r#"Bo Four (E-4) passing A-5 "Alpha five" and L-1 "Legacy, still open" for core and legacy"#),
        "{report}"
    );
}

/// Regression (issue 10): retired credentials (even one held past its grace
/// period) and ones not yet available were suggested.
#[test]
fn retired_and_future_credentials_are_never_suggested() {
    let report = human("retired_and_not_yet_available.json");
    assert!(
        report.contains(
            r#"to meet it (1 pass): Cy Retired (E-1) passing L-1 "Legacy, still open" for legacy"#
        ),
        "{report}"
    );
    assert!(
        report.contains(r#"not possible at the as-of date: `1 passing platform` needs 1 more person passing N-1 "Not yet available" (available from 2017-09-01)"#),
        "{report}"
    );
    assert!(!report.contains("passing R-1") && !report.contains("passing G-1"));
}
