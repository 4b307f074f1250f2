//! One line of a partner's `revenue`, named by both reports: the JSON output
//! gives its index from 0 (`excluded_lines[].line`, `counted_lines`), the
//! human report counts from 1 and names the list ("revenue line 2"), as the
//! README says.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::ops::ControlFlow;
use std::path::Path;

use chrono::NaiveDate;
use rubric::batch::{self, DataInput, Event};
use rubric::eval::{Detail, Evaluator};
use rubric::report::{Human, JsonLines, Render};

/// Counted, then a renewal (another type), then a line outside the window.
const PARTNER: &str = r#"{"id": "P-1", "market": "developed", "revenue": [
  {"product": "CRM Online", "type": "net_new", "amount": 1000, "currency": "USD", "date": "2017-03-15", "associations": ["dpor"]},
  {"product": "CRM Online", "type": "renewal", "amount": 2000, "currency": "USD", "date": "2017-03-15", "associations": ["dpor"]},
  {"product": "CRM Online", "type": "net_new", "amount": 3000, "currency": "USD", "date": "2015-03-15", "associations": ["dpor"]}
]}"#;

fn rendered(render: &dyn Render) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/cloud_crm.policy");
    let policy = rubric::load_policy(&std::fs::read_to_string(path).unwrap()).unwrap();
    let evaluator = Evaluator::new(&policy, NaiveDate::from_ymd_opt(2017, 6, 30).unwrap());
    let input = DataInput::Text {
        name: "p.json".to_owned(),
        text: PARTNER.into(),
    };
    let options = batch::Options {
        people_check: true,
        threads: 1,
        detail: Detail::Evidence,
        ..Default::default()
    };
    let mut out = String::new();
    batch::evaluate(&evaluator, vec![input], options, render, &mut |event| {
        if let Event::Record(record) = event {
            assert!(!record.failed);
            out.push_str(std::str::from_utf8(record.rendered).unwrap());
        }
        ControlFlow::Continue(())
    });
    out
}

#[test]
fn json_gives_indices_from_0_and_the_human_report_counts_from_1() {
    let json: serde_json::Value = serde_json::from_str(&rendered(&JsonLines)).unwrap();
    let crm = &json["options"][0]["tiers"][0]["requirements"][0];
    assert_eq!(crm["measure"], "crm");
    assert_eq!(crm["counted_lines"], serde_json::json!([0]));
    assert_eq!(
        crm["excluded_lines"],
        serde_json::json!([
            {"line": 1, "reason": "other_type"},
            {"line": 2, "reason": "outside_window"},
        ])
    );
    let human = rendered(&Human);
    assert!(
        human.contains(
            "not counted: revenue line 2 (renewal 2,000.00 USD, CRM Online, 2017-03-15): other type"
        ),
        "{human}"
    );
    assert!(
        human.contains("not counted: revenue line 3 (net_new 3,000.00 USD, CRM Online, 2015-03-15): outside the window"),
        "{human}"
    );
}
