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
