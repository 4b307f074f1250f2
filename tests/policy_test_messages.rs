//! What a failing policy test case says: shortfalls written as the report
//! writes them (money grouped, with cents and the policy's currency; counts
//! grouped, without cents), not as bare decimals.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;

fn policy(name: &str) -> rubric::model::Policy {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("policies")
        .join(name);
    rubric::load_policy(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The differences of the single case of `tests`, run against `policy`.
fn differences(policy: &rubric::model::Policy, tests: &str) -> Vec<String> {
    let file = rubric::policy_test::parse(tests).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(rubric::policy_test::validate(&file, policy).is_empty());
    let results = rubric::policy_test::run(&file, policy);
    assert_eq!(results.len(), 1);
    results[0].differences.clone()
}

#[test]
fn a_money_shortfall_is_grouped_with_the_currency() {
    let policy = policy("cloud_crm.policy");
    let tests = r#"
as_of = "2017-06-30"
[[case]]
name = "short of gold"
expect = "none"
shortfall = { "gold/crm" = "1" }
partner = { id = "X", market = "developed", revenue = [ { product = "CRM Online", type = "net_new", amount = 100000, currency = "USD", date = 2017-01-01, associations = ["dpor"] } ] }
"#;
    assert_eq!(
        differences(&policy, tests),
        ["expected `gold/crm` short by 1.00 USD, but it is short by 200,000.00 USD"]
    );
}

#[test]
fn a_count_shortfall_is_grouped_without_cents() {
    let policy = policy("windows_devices.policy");
    let tests = r#"
as_of = "2017-06-30"
[[case]]
name = "few devices"
expect = "none"
shortfall = { "surface_hub/gold/hub_devices" = "1" }
partner = { id = "X", market = "developed", usage = [ { metric = "devices_shipped", product = "Surface Hub", quantity = 2, date = 2017-01-01 } ] }
"#;
    assert_eq!(
        differences(&policy, tests),
        ["expected `surface_hub/gold/hub_devices` short by 1, but it is short by 50"]
    );
}
