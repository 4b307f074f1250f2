//! The compact form of a case's partner and role assertions: what compact
//! people and lines expand to (count boundaries, 0, the cap), how they sit
//! beside people and lines written out, and what a role assertion checks.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use rubric::policy_test::{self, TestFileError};

fn cloud_crm() -> rubric::model::Policy {
    rubric::load_policy(&std::fs::read_to_string("policies/cloud_crm.policy").unwrap()).unwrap()
}

fn file(partner: &str) -> String {
    format!(
        "as_of = \"2017-06-30\"\n\n[[case]]\nname = \"c\"\nexpect = \"none\"\npartner = {partner}\n"
    )
}

/// The partner JSON a case expands to.
fn expanded(partner: &str) -> serde_json::Value {
    let parsed = policy_test::parse(&file(partner)).unwrap_or_else(|e| panic!("{e:?}"));
    serde_json::from_str(&parsed.cases[0].partner_json).unwrap()
}

fn errors(partner: &str) -> Vec<TestFileError> {
    match policy_test::parse(&file(partner)) {
        Ok(_) => Vec::new(),
        Err(errors) => errors,
    }
}

fn code(e: &TestFileError) -> String {
    miette::Diagnostic::code(e).unwrap().to_string()
}

#[test]
fn a_count_of_people_expands_to_that_many_with_distinct_ids() {
    for count in [0, 1, 2, 15] {
        let json = expanded(&format!(
            "{{ people = [{{ count = {count}, passes = [\"MB2-714\", \"MB2-710\"], passed = \"2017-05-01\" }}] }}"
        ));
        let people = json["people"].as_array().unwrap();
        assert_eq!(people.len(), count);
        let ids: std::collections::BTreeSet<&str> =
            people.iter().map(|p| p["id"].as_str().unwrap()).collect();
        assert_eq!(ids.len(), count, "ids are distinct");
        for person in people {
            let exams = person["exams"].as_array().unwrap();
            assert_eq!(exams.len(), 2);
            assert_eq!(exams[0]["code"], "MB2-714");
            assert_eq!(exams[1]["passed"], "2017-05-01");
        }
    }
}

#[test]
fn without_a_count_a_compact_person_is_one() {
    let json = expanded("{ people = [{ passes = [\"MB2-712\"], passed = 2017-05-01 }] }");
    assert_eq!(json["people"].as_array().unwrap().len(), 1);
    assert_eq!(json["people"][0]["exams"][0]["passed"], "2017-05-01");
}

#[test]
fn generated_ids_skip_the_ids_written_out() {
    let json = expanded(
        "{ people = [{ id = \"person-1\", exams = [] }, { count = 2, passes = [], passed = \"2017-05-01\" }] }",
    );
    let ids: Vec<&str> = json["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["person-1", "person-2", "person-3"]);
}

#[test]
fn a_count_of_lines_gives_each_its_own_customer_unless_one_is_named() {
    let json = expanded(
        "{ revenue = [{ count = 3, product = \"CRM Online\", type = \"net_new\", amount = \"33333.33\", date = \"2017-03-01\", associations = [\"dpor\"] }] }",
    );
    let lines = json["revenue"].as_array().unwrap();
    assert_eq!(lines.len(), 3);
    let customers: std::collections::BTreeSet<&str> = lines
        .iter()
        .map(|l| l["customer"].as_str().unwrap())
        .collect();
    assert_eq!(customers.len(), 3);
    assert_eq!(lines[2]["amount"], "33333.33");
    let json = expanded(
        "{ usage = [{ count = 2, customer = \"A\", metric = \"m\", product = \"p\", quantity = 5, date = \"2017-03-01\" }] }",
    );
    let lines = json["usage"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    assert!(lines.iter().all(|l| l["customer"] == "A"));
}

#[test]
fn a_partner_table_without_an_id_takes_the_case_name() {
    assert_eq!(expanded("{ market = \"developed\" }")["id"], "c");
}

#[test]
fn counts_up_to_the_cap_expand_and_beyond_it_are_refused_without_building_them() {
    let cap = 10_000;
    let json = expanded(&format!(
        "{{ people = [{{ count = {cap}, passes = [], passed = \"2017-05-01\" }}] }}"
    ));
    assert_eq!(json["people"].as_array().unwrap().len(), cap);
    // The cap is for the case as a whole, people and lines together.
    let over = errors(&format!(
        "{{ people = [{{ count = {cap}, passes = [], passed = \"2017-05-01\" }}], revenue = [{{ count = 1, product = \"CRM Online\", type = \"net_new\", amount = \"1\", date = \"2017-03-01\" }}] }}"
    ));
    assert_eq!(over.iter().map(code).collect::<Vec<_>>(), ["E0507"]);
    let huge = errors(
        "{ people = [{ count = 9223372036854775807, passes = [], passed = \"2017-05-01\" }] }",
    );
    assert_eq!(huge.iter().map(code).collect::<Vec<_>>(), ["E0507"]);
}

#[test]
fn a_negative_or_fractional_count_or_a_wrong_field_is_refused() {
    for partner in [
        "{ people = [{ count = -1, passes = [], passed = \"2017-05-01\" }] }",
        "{ people = [{ count = 1.5, passes = [], passed = \"2017-05-01\" }] }",
        "{ people = [{ count = 1, passes = [\"MB2-712\"] }] }",
        "{ people = [{ count = 1, passes = \"MB2-712\", passed = \"2017-05-01\" }] }",
        "{ people = [{ count = 1, passes = [7], passed = \"2017-05-01\" }] }",
        "{ people = [{ count = 1, passes = [], passed = 5 }] }",
        "{ revenue = [{ count = 1, prodcut = \"CRM Online\" }] }",
    ] {
        let found = errors(partner);
        assert_eq!(
            found.iter().map(code).collect::<Vec<_>>(),
            ["E0506"],
            "{partner}"
        );
    }
}

fn run(roles: &str, people: &str) -> Vec<String> {
    let policy = cloud_crm();
    let text = format!(
        "as_of = \"2017-06-30\"\n\n[[case]]\nname = \"c\"\nexpect = \"none\"\nroles = {roles}\npartner = {{ market = \"developed\", people = [{people}] }}\n"
    );
    let file = policy_test::parse(&text).unwrap_or_else(|e| panic!("{e:?}"));
    let invalid = policy_test::validate(&file, &policy);
    assert!(invalid.is_empty(), "{invalid:?}");
    policy_test::run(&file, &policy).remove(0).differences
}

#[test]
fn a_role_assertion_checks_met_and_filled_by_number_or_by_its_coverage_name() {
    let one = "{ passes = [\"MB2-712\"], passed = \"2017-05-01\" }";
    assert!(
        run(
            "{ \"gold/people role 2\" = { met = false, filled = 1 } }",
            one
        )
        .is_empty()
    );
    assert!(
        run(
            "{ \"reseller/gold/people role `2 passing customization`\" = { filled = 1 } }",
            one
        )
        .is_empty()
    );
    assert!(run("{ \"silver/people role 2\" = { met = true } }", one).is_empty());
    assert_eq!(
        run(
            "{ \"gold/people role 2\" = { met = true, filled = 2 } }",
            one
        ),
        [
            "expected role `gold/people role 2` met, but it is unmet (1 of 2 filled)",
            "expected role `gold/people role 2` to have 2 filled, but it has 1 of 2"
        ]
    );
}

#[test]
fn a_role_the_policy_lacks_is_e0509() {
    let policy = cloud_crm();
    for name in [
        "gold/people role 0",
        "gold/crm role 1",
        "gold/people role `2 passing x`",
    ] {
        let text = format!(
            "as_of = \"2017-06-30\"\n\n[[case]]\nname = \"c\"\nexpect = \"none\"\nroles = {{ \"{name}\" = {{ met = true }} }}\npartner = {{ market = \"developed\" }}\n"
        );
        let file = policy_test::parse(&text).unwrap();
        let found = policy_test::validate(&file, &policy);
        assert_eq!(
            found.iter().map(code).collect::<Vec<_>>(),
            ["E0509"],
            "{name}"
        );
    }
}
