//! Issue 11, roles in the pages' words (item 12): credentials named directly
//! in roles (`1 passing MB6-890`), lists in place (`2 passing any of A, B`),
//! `one of` as `any of`, and lint W0114 for a role within another of a
//! `distinct` requirement. Each boundary is pinned through the real pipeline:
//! text, check, evaluation on both paths, formatting.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use chrono::NaiveDate;
use common::lang::{
    careful_outcome, codes as all_codes, fast_path_agrees, load, rubric_cli, shape_text,
};
use rubric::eval::{Detail, Evaluator};
use rubric::model::Policy;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2017, 12, 31).unwrap()
}

/// The codes `rubric check` reports for `text`, in order, but for unused
/// catalog entries and groups (W0103, W0104): the policies here share one
/// catalog.
fn codes(text: &str) -> Vec<String> {
    all_codes(text)
        .into_iter()
        .filter(|c| c != "W0103" && c != "W0104")
        .collect()
}

/// The help of the first diagnostic with `code`.
fn help(text: &str, code: &str) -> String {
    use miette::Diagnostic as _;
    let checked = rubric::check_source(text);
    let d = checked
        .diagnostics
        .iter()
        .find(|d| d.code_text() == code)
        .unwrap_or_else(|| panic!("no {code} in {:?}", codes(text)));
    d.help().map(|h| h.to_string()).unwrap_or_default()
}

fn shape(name: &str) -> (String, Policy) {
    let text = shape_text(name);
    let policy = load(&text);
    (text, policy)
}

/// A partner whose people passed these exams (one list per person), on 2017-03-01.
fn partner(people: &[&[&str]]) -> String {
    let people: Vec<Value> = people
        .iter()
        .enumerate()
        .map(|(i, codes)| {
            let exams: Vec<Value> = codes
                .iter()
                .map(|c| json!({ "code": c, "passed": "2017-03-01" }))
                .collect();
            json!({ "id": format!("E-{i}"), "exams": exams })
        })
        .collect();
    json!({ "id": "P-1", "market": "developed", "people": people, "revenue": [], "usage": [] })
        .to_string()
}

/// The tier each path reaches; both must agree when the fast path decides.
fn tier(policy: &Policy, people: &[&[&str]]) -> Option<String> {
    let text = partner(people);
    let evaluator = Evaluator::new(policy, as_of());
    let careful = careful_outcome(&evaluator, &text, Detail::Requirements).unwrap();
    fast_path_agrees(&evaluator, &text, &careful);
    careful.tier.map(|t| policy.tiers[t.0].id.clone())
}

fn policy_with(groups: &str, roles: &str) -> String {
    format!(
        r#"competency demo {{
  version "1"
  effective 2017-06-27
  tiers silver
  exam MB6-890 "AX"
  exam 70-347 "Office 365"
  exam 70-339 "SharePoint"
  exam AZ900 "Azure"
{groups}
  option main {{
    tier silver {{
      require distinct people {{
{roles}
      }}
    }}
  }}
}}
"#
    )
}

// ---------------------------------------------------------------------------
// Credentials named in roles
// ---------------------------------------------------------------------------

#[test]
fn a_role_may_name_a_catalog_exam_directly() {
    let text = policy_with("", "        1 passing MB6-890");
    assert_eq!(codes(&text), Vec::<String>::new(), "no group to declare");
    let policy = load(&text);
    assert_eq!(tier(&policy, &[&["MB6-890"]]).as_deref(), Some("silver"));
    // Matched as exam codes are: case and separators.
    assert_eq!(tier(&policy, &[&["mb6 890"]]).as_deref(), Some("silver"));
    assert_eq!(tier(&policy, &[&["MB6-891"]]), None);
    assert_eq!(tier(&policy, &[]), None);
    // The role is named as written, and the exam stands for itself.
    let role = match &policy.options[0].tiers[0].requirements[0] {
        rubric::model::Requirement::People(p) => &p.roles[0],
        other => panic!("{other:?}"),
    };
    assert_eq!(role.description, "1 passing MB6-890");
    assert_eq!(policy.describe_group(role.groups[0]), "MB6-890");
}

#[test]
fn an_exam_named_only_in_a_role_is_used() {
    let text = policy_with(
        "",
        "        1 passing MB6-890\n        1 passing any of 70-347, 70-339\n        1 passing \"AZ900\"",
    );
    assert_eq!(all_codes(&text), Vec::<String>::new());
    let text = policy_with("", "        1 passing MB6-890");
    assert_eq!(all_codes(&text), ["W0103", "W0103", "W0103"]);
}

#[test]
fn a_list_in_a_role_needs_its_head_count_of_people_each_passing_one() {
    for word in ["any", "one"] {
        let text = policy_with("", &format!("        2 passing {word} of 70-347, 70-339"));
        assert_eq!(codes(&text), Vec::<String>::new(), "{word}");
        let policy = load(&text);
        // Two people, one exam each: met; one person with both: one short.
        assert_eq!(
            tier(&policy, &[&["70-347"], &["70-339"]]).as_deref(),
            Some("silver")
        );
        assert_eq!(tier(&policy, &[&["70-347", "70-339"]]), None);
        assert_eq!(tier(&policy, &[&["70-347"], &["MB6-890"]]), None);
    }
}

#[test]
fn all_of_in_a_role_needs_every_member_from_each_person() {
    let text = policy_with("", "        1 passing all of 70-347, 70-339");
    let policy = load(&text);
    assert_eq!(tier(&policy, &[&["70-347"], &["70-339"]]), None);
    assert_eq!(
        tier(&policy, &[&["70-347", "70-339"]]).as_deref(),
        Some("silver")
    );
}

#[test]
fn exams_groups_and_lists_join_with_and_for_the_same_person() {
    let text = policy_with(
        "  group sp = any of 70-347, 70-339",
        "        1 passing MB6-890 and sp\n        1 passing any of 70-347, AZ900",
    );
    assert_eq!(codes(&text), Vec::<String>::new());
    let policy = load(&text);
    assert_eq!(
        tier(&policy, &[&["MB6-890", "70-339"], &["AZ900"]]).as_deref(),
        Some("silver")
    );
    // The MB6-890 person must also pass sp; distinct: not the same person twice.
    assert_eq!(
        tier(&policy, &[&["MB6-890"], &["70-339"], &["AZ900"]]),
        None
    );
    assert_eq!(tier(&policy, &[&["MB6-890", "70-347"]]), None);
}

#[test]
fn the_same_code_or_list_in_several_roles_is_one_group() {
    let text = policy_with(
        "",
        "        1 passing MB6-890\n        1 passing MB6-890 and any of 70-347, 70-339\n        1 passing one of 70-339, 70-347",
    );
    let policy = load(&text);
    // MB6-890 once, and the two lists (same members, any = one) once.
    assert_eq!(policy.groups.len(), 2, "{:?}", policy.groups);
    assert!(policy.groups.iter().all(|g| g.in_role));
}

#[test]
fn a_group_name_wins_over_an_exam_code_and_quotes_mean_the_exam() {
    // A group named like the exam means the group; quoted, the exam.
    let text = policy_with(
        "  group AZ900x = any of AZ900\n  group MB6 = any of 70-347",
        "        1 passing MB6\n        1 passing \"AZ900\"",
    );
    assert_eq!(codes(&text), Vec::<String>::new());
    let policy = load(&text);
    assert_eq!(
        tier(&policy, &[&["70-347"], &["AZ900"]]).as_deref(),
        Some("silver")
    );
}

#[test]
fn a_group_listing_an_exam_of_its_own_name_means_the_exam() {
    // E0202's old help led here, and then to E0313.
    let text = policy_with("  group AZ900 = any of AZ900", "        1 passing AZ900");
    assert_eq!(codes(&text), Vec::<String>::new());
    let policy = load(&text);
    assert_eq!(tier(&policy, &[&["AZ900"]]).as_deref(), Some("silver"));
    // A true cycle is still one.
    let cyclic = policy_with(
        "  group a = any of b\n  group b = any of a",
        "        1 passing a",
    );
    assert!(codes(&cyclic).contains(&"E0313".to_owned()));
}

#[test]
fn an_unknown_name_in_a_role_is_an_unknown_group_or_exam_with_a_suggestion() {
    // Could be a group's name: E0202, suggesting a group or an exam.
    let text = policy_with("", "        1 passing AZ901");
    assert_eq!(codes(&text), ["E0202"]);
    assert_eq!(help(&text, "E0202"), "did you mean `AZ900`?");
    let text = policy_with("", "        1 passing foo");
    assert_eq!(codes(&text), ["E0202"]);
    let foo = help(&text, "E0202");
    assert!(foo.contains("`group foo = any of CODE, CODE`"), "{foo}");
    assert!(foo.contains("`exam foo \"Title\"`"), "{foo}");
    // Only an exam code can have a hyphen: E0201.
    let text = policy_with("", "        1 passing MB6-891");
    assert_eq!(codes(&text), ["E0201"]);
    assert_eq!(help(&text, "E0201"), "did you mean `MB6-890`?");
    let text = policy_with("", "        1 passing XX-1");
    let xx = help(&text, "E0201");
    assert!(xx.contains("`exam XX-1 \"Title\"`"), "{xx}");
    // Every unknown member of a list is reported.
    let text = policy_with("", "        1 passing any of XX-1, YY-2");
    assert_eq!(codes(&text), ["E0201", "E0201"]);
}

#[test]
fn implicit_groups_count_towards_the_group_limit() {
    let catalog: String = (0..70).map(|i| format!("  exam X-{i}\n")).collect();
    let roles: String = (0..60)
        .map(|i| format!("        1 passing X-{i}\n"))
        .collect();
    let groups: String = (60..70)
        .map(|i| format!("  group g{i} = any of X-{i}\n"))
        .collect();
    let text = format!(
        "competency demo {{\n  tiers silver\n{catalog}{groups}  option main {{ tier silver {{ require shared people {{\n{roles}        1 passing g60\n      }} }} }}\n}}\n"
    );
    // 10 declared and 60 in roles: over 64.
    assert!(
        codes(&text).contains(&"E0311".to_owned()),
        "{:?}",
        codes(&text)
    );
}

// ---------------------------------------------------------------------------
// `one of`, formatting
// ---------------------------------------------------------------------------

#[test]
fn one_of_is_any_of() {
    let one = load(&policy_with(
        "  group sp = one of 70-347, 70-339",
        "        2 passing sp",
    ));
    let any = load(&policy_with(
        "  group sp = any of 70-347, 70-339",
        "        2 passing sp",
    ));
    assert_eq!(one.groups, any.groups);
    assert_eq!(
        tier(&one, &[&["70-347"], &["70-339"]]).as_deref(),
        Some("silver")
    );
}

#[test]
fn the_formatter_keeps_the_words_written_in_roles_and_groups() {
    let text = policy_with(
        "  group sp = one of 70-347, 70-339",
        "        1 passing MB6-890 and sp\n        2 people passing one of 70-347, \"70-339\"\n        1 person passing all of 70-347, 70-339",
    );
    let formatted = rubric::format::format(&text).unwrap();
    assert!(
        formatted.contains("group sp = one of 70-347, 70-339"),
        "{formatted}"
    );
    assert!(
        formatted.contains("1 passing MB6-890 and sp"),
        "{formatted}"
    );
    assert!(
        formatted.contains("2 people passing one of 70-347, \"70-339\""),
        "{formatted}"
    );
    assert!(formatted.contains("1 person passing all of 70-347, 70-339"));
    assert_eq!(rubric::format::format(&formatted).unwrap(), formatted);
}

// ---------------------------------------------------------------------------
// W0114
// ---------------------------------------------------------------------------

fn sharepoint(sharing: &str, roles: &str) -> String {
    format!(
        r#"competency sp {{
  version "1"
  effective 2017-06-27
  tiers silver
  exam 70-339 "SharePoint"
  exam 70-488 "SharePoint development"
  group sharepoint = any of 70-339
  group workflow = any of 70-488
  option main {{
    tier silver {{
      require {sharing} people {{
{roles}
      }}
    }}
  }}
}}
"#
    )
}

#[test]
fn w0114_flags_a_role_within_another_of_a_distinct_requirement() {
    let roles = "        4 passing sharepoint\n        2 passing sharepoint and workflow";
    let distinct = sharepoint("distinct", roles);
    assert_eq!(codes(&distinct), ["W0114"]);
    let h = help(&distinct, "W0114");
    assert!(h.contains("takes 6 people in all"), "{h}");
    assert!(h.contains("\"2 of the same 4\""), "{h}");
    // `shared` is the "N of the same M" reading: no warning.
    assert_eq!(codes(&sharepoint("shared", roles)), Vec::<String>::new());
    // Roles that ask for different things: no warning.
    let apart = "        4 passing sharepoint\n        2 passing workflow";
    assert_eq!(codes(&sharepoint("distinct", apart)), Vec::<String>::new());
    // The same group in two distinct roles is "the other individual": no warning.
    let twice = "        2 passing sharepoint\n        1 passing sharepoint";
    assert_eq!(codes(&sharepoint("distinct", twice)), Vec::<String>::new());
}

#[test]
fn w0114_reads_the_pages_words_the_evaluator_does() {
    // distinct: 6 people; shared: the same 4 serve.
    let four_with_both: Vec<&[&str]> = vec![&["70-339", "70-488"]; 4];
    let six: Vec<&[&str]> = vec![
        &["70-339"],
        &["70-339"],
        &["70-339"],
        &["70-339"],
        &["70-339", "70-488"],
        &["70-339", "70-488"],
    ];
    let roles = "        4 passing sharepoint\n        2 passing sharepoint and workflow";
    let distinct = load(&sharepoint("distinct", roles));
    let shared = load(&sharepoint("shared", roles));
    assert_eq!(tier(&distinct, &four_with_both), None);
    assert_eq!(tier(&shared, &four_with_both).as_deref(), Some("silver"));
    assert_eq!(tier(&distinct, &six).as_deref(), Some("silver"));
    // "N of the same M": two of the four, not two others.
    let two_others: Vec<&[&str]> = vec![
        &["70-339"],
        &["70-339"],
        &["70-339"],
        &["70-339"],
        &["70-488"],
        &["70-488"],
    ];
    assert_eq!(tier(&shared, &two_others), None);
}

// ---------------------------------------------------------------------------
// Shape
// ---------------------------------------------------------------------------

#[test]
fn shape_credentials_in_roles() {
    let (text, policy) = shape("credentials_in_roles");
    assert_eq!(codes(&text), Vec::<String>::new(), "checks clean, no lint");
    assert_eq!(rubric::format::format(&text).unwrap(), text, "formatted");
    // Silver: an MB6-890 person, and two people each with one of the pair
    // (shared: the MB6-890 person may be one of them).
    assert_eq!(
        tier(&policy, &[&["MB6-890", "70-347"], &["70-339"]]).as_deref(),
        Some("silver")
    );
    assert_eq!(tier(&policy, &[&["MB6-890", "70-347"]]), None);
    assert_eq!(tier(&policy, &[&["70-347"], &["70-339"]]), None);
    // Gold: four SharePoint people, two of the same four also passing
    // 70-488, and an MB6-890 person (one of them or not).
    let gold: Vec<&[&str]> = vec![
        &["MB6-890", "70-347", "70-488"],
        &["70-339", "70-488"],
        &["70-347"],
        &["70-339"],
    ];
    assert_eq!(tier(&policy, &gold).as_deref(), Some("gold"));
    // Two 70-488 people outside the four are not "2 of the same 4".
    let outside: Vec<&[&str]> = vec![
        &["MB6-890", "70-347"],
        &["70-339"],
        &["70-347"],
        &["70-339"],
        &["70-488"],
        &["70-488"],
    ];
    assert_eq!(tier(&policy, &outside).as_deref(), Some("silver"));
    let mut short = gold.clone();
    short[1] = &["70-339"];
    assert_eq!(tier(&policy, &short).as_deref(), Some("silver"));
}

// ---------------------------------------------------------------------------
// Item 11: `>` (more than), "some revenue"
// ---------------------------------------------------------------------------

/// A partner in `market` with revenue lines of these amounts (USD) and one
/// MB6-890 person.
fn with_revenue(market: &str, amounts: &[&str]) -> String {
    let revenue: Vec<Value> = amounts
        .iter()
        .enumerate()
        .map(|(i, a)| {
            json!({ "customer": format!("C-{i}"), "product": "Dynamics AX", "type": "net_new",
                    "amount": a, "currency": "USD", "date": "2017-10-15" })
        })
        .collect();
    json!({ "id": "P-1", "market": market, "revenue": revenue, "usage": [],
            "people": [{ "id": "E-1", "exams": [{ "code": "MB6-890", "passed": "2017-03-01" }] }] })
    .to_string()
}

/// The tier on both paths, for a partner given as JSON text.
fn tier_of(policy: &Policy, text: &str) -> Option<String> {
    let evaluator = Evaluator::new(policy, as_of());
    let careful = careful_outcome(&evaluator, text, Detail::Requirements).unwrap();
    assert!(fast_path_agrees(&evaluator, text, &careful), "fast path");
    careful.tier.map(|t| policy.tiers[t.0].id.clone())
}

#[test]
fn shape_some_revenue_is_met_only_above_the_amount() {
    let (text, policy) = shape("some_revenue");
    assert_eq!(
        all_codes(&text),
        Vec::<String>::new(),
        "checks clean, no lint"
    );
    assert_eq!(rubric::format::format(&text).unwrap(), text, "formatted");
    let t = |amounts: &[&str]| tier_of(&policy, &with_revenue("developed", amounts));
    // Nothing, exactly zero, or a refund that nets to zero: not "some".
    assert_eq!(t(&[]), None);
    assert_eq!(t(&["0.00"]), None);
    assert_eq!(t(&["100.00", "-100.00"]), None);
    assert_eq!(t(&["-5.00"]), None);
    // A cent is some.
    assert_eq!(t(&["0.01"]).as_deref(), Some("silver"));
    // Exactly 10,000 is not more than 10,000; a cent more is.
    assert_eq!(t(&["10000.00"]).as_deref(), Some("silver"));
    assert_eq!(t(&["9999.99", "0.01"]).as_deref(), Some("silver"));
    assert_eq!(t(&["10000.01"]).as_deref(), Some("gold"));
}

fn measured(comparison: &str, threshold: &str) -> String {
    format!(
        r#"competency m {{
  version "1"
  effective 2017-06-27
  currency USD
  market developed
  market developing
  tiers silver
  exam MB6-890
  revenue ax = net_new from "Dynamics AX" over trailing 12 months
  usage devices = devices from "Surface Hub" over trailing 12 months
  option main {{
    tier silver {{
      require {comparison} {threshold}
      require distinct people {{ 1 passing MB6-890 }}
    }}
  }}
}}
"#
    )
}

#[test]
fn zero_is_refused_after_at_least_and_allowed_after_more_than() {
    assert_eq!(codes(&measured("ax >=", "0 USD")), ["E0302"]);
    assert!(help(&measured("ax >=", "0 USD"), "E0302").contains("`> 0 USD`"));
    assert_eq!(codes(&measured("ax >", "0 USD")), Vec::<String>::new());
    assert_eq!(
        codes(&measured("ax more than", "0 USD")),
        Vec::<String>::new()
    );
    assert_eq!(codes(&measured("ax >", "-1 USD")), ["E0335"]);
    assert_eq!(codes(&measured("ax >", "-0.01 USD")), ["E0335"]);
    assert_eq!(
        codes(&measured(
            "ax >",
            "{ developed: 0 USD, developing: -1 USD }"
        )),
        ["E0335"]
    );
    // Units are checked as for `>=`.
    assert_eq!(codes(&measured("devices >", "0 USD")), ["E0314"]);
    // `>` is general: any amount, per market too.
    assert_eq!(
        codes(&measured(
            "ax >",
            "{ developed: 10 USD, developing: 0 USD }"
        )),
        Vec::<String>::new()
    );
    // The formatter writes `>` for `more than`, and keeps `>` and `>=` apart.
    let formatted = rubric::format::format(&measured("ax more than", "0 USD")).unwrap();
    assert!(formatted.contains("require ax > 0 USD"), "{formatted}");
    let formatted = rubric::format::format(&measured("devices at least", "5")).unwrap();
    assert!(formatted.contains("require devices >= 5"), "{formatted}");
}

#[test]
fn more_than_a_count_and_per_market_and_per_month() {
    let devices = |n: u32| {
        json!({ "id": "P-1", "market": "developing", "revenue": [],
                "usage": [{ "customer": "C", "product": "Surface Hub", "metric": "devices",
                            "quantity": n, "date": "2017-10-15" }],
                "people": [{ "id": "E-1", "exams": [{ "code": "MB6-890", "passed": "2017-03-01" }] }] })
        .to_string()
    };
    let over_50 = load(&measured("devices >", "50"));
    assert_eq!(tier_of(&over_50, &devices(50)), None);
    assert_eq!(tier_of(&over_50, &devices(51)).as_deref(), Some("silver"));
    let per_market = load(&measured("devices >", "{ developed: 100, developing: 0 }"));
    assert_eq!(tier_of(&per_market, &devices(0)), None);
    assert_eq!(tier_of(&per_market, &devices(1)).as_deref(), Some("silver"));
    // 48 a year is exactly 4 a month: not more than 4.
    let per_month = load(&measured("devices per month >", "4"));
    assert_eq!(tier_of(&per_month, &devices(48)), None);
    assert_eq!(tier_of(&per_month, &devices(49)).as_deref(), Some("silver"));
}

fn run(args: &[&str]) -> String {
    let out = rubric_cli(args);
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

#[test]
fn reports_say_more_than() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("some.policy");
    std::fs::write(&policy, measured("ax >", "0 USD")).unwrap();
    let data = dir.path().join("p.json");
    std::fs::write(&data, with_revenue("developed", &["0.00"])).unwrap();
    let (policy, data) = (policy.to_str().unwrap(), data.to_str().unwrap());
    let human = run(&[
        "eval",
        "--as-of",
        "2017-12-31",
        "--color",
        "never",
        policy,
        data,
    ]);
    assert!(
        human.contains(
            "✗ revenue ax: 0.00 USD of more than 0.00 USD required: short by more than 0.00 USD"
        ),
        "{human}"
    );
    let json = run(&[
        "eval",
        "--as-of",
        "2017-12-31",
        "--format",
        "json",
        policy,
        data,
    ]);
    assert!(json.contains("\"more_than\":true"), "{json}");
}

#[test]
fn the_tier_order_proof_knows_more_than_asks_more() {
    let two_tiers = |silver: &str, gold: &str| {
        format!(
            r#"competency m {{
  version "1"
  effective 2017-06-27
  currency USD
  tiers silver, gold
  exam MB6-890
  revenue ax = net_new from "Dynamics AX" over trailing 12 months
  option main {{
    tier silver {{
      require ax {silver}
      require distinct people {{ 1 passing MB6-890 }}
    }}
    tier gold {{
      require ax {gold}
      require distinct people {{ 1 passing MB6-890 }}
    }}
  }}
}}
"#
        )
    };
    assert_eq!(
        codes(&two_tiers(">= 100 USD", "> 100 USD")),
        Vec::<String>::new()
    );
    assert_eq!(codes(&two_tiers("> 100 USD", ">= 100 USD")), ["W0100"]);
    let why = rubric::check_source(&two_tiers("> 100 USD", ">= 100 USD"))
        .diagnostics
        .iter()
        .map(|d| d.to_string())
        .collect::<String>();
    assert!(
        why.contains(
            "requires 100.00 USD of `ax`, less than the lower tier's more than 100.00 USD"
        ),
        "{why}"
    );
}

#[test]
fn diff_calls_at_least_to_more_than_stricter() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.policy");
    let new = dir.path().join("new.policy");
    std::fs::write(&old, measured("ax >=", "1 USD")).unwrap();
    std::fs::write(&new, measured("ax >", "1 USD")).unwrap();
    let (old, new) = (old.to_str().unwrap(), new.to_str().unwrap());
    let out = run(&["diff", "--color", "never", old, new]);
    assert!(
        out.contains("stricter  comparison of `ax`: >= → >"),
        "{out}"
    );
    let back = run(&["diff", "--color", "never", new, old]);
    assert!(
        back.contains("looser    comparison of `ax`: > → >="),
        "{back}"
    );
    // With other amounts too, the change is not ordered.
    std::fs::write(dir.path().join("new.policy"), measured("ax >", "0 USD")).unwrap();
    let out = run(&["diff", "--color", "never", old, new]);
    assert!(out.contains("comparison of `ax`: >= → >"), "{out}");
    assert!(!out.contains("stricter  comparison"), "{out}");
}

// ---------------------------------------------------------------------------
// Item 14: constructs that cannot mean anything are errors
// ---------------------------------------------------------------------------

fn measure_policy(measure: &str, requirement: &str) -> String {
    format!(
        r#"competency m {{
  version "1"
  effective 2017-06-27
  currency USD
  tiers silver
  exam MB6-890
  {measure}
  option main {{
    tier silver {{
      require {requirement}
      require distinct people {{ 1 passing MB6-890 }}
    }}
  }}
}}
"#
    )
}

#[test]
fn paid_only_on_revenue_is_an_error_and_on_usage_is_not() {
    let revenue = measure_policy(
        r#"revenue r = net_new from "AX" over trailing 12 months as dpor, paid only
  association dpor"#,
        "r >= 1 USD",
    );
    assert_eq!(codes(&revenue), ["E0336"]);
    let usage = measure_policy(
        r#"usage seats = deployed_seats from "AX" over trailing 12 months, paid only"#,
        "seats >= 1",
    );
    assert_eq!(codes(&usage), Vec::<String>::new());
}

#[test]
fn a_quantifier_word_is_no_line_type_or_metric() {
    for word in ["any", "all", "one", "every", "each", "some"] {
        let revenue = measure_policy(
            &format!(r#"revenue r = {word} from "AX" over trailing 12 months"#),
            "r >= 1 USD",
        );
        assert_eq!(codes(&revenue), ["E0337"], "{word}");
        let usage = measure_policy(
            &format!(r#"usage u = max {word} from "AX" over trailing 12 months"#),
            "u >= 1",
        );
        assert_eq!(codes(&usage), ["E0337"], "{word}");
    }
    // Words that merely start so are names.
    let anyone = measure_policy(
        r#"revenue r = anyone from "AX" over trailing 12 months"#,
        "r >= 1 USD",
    );
    assert_eq!(codes(&anyone), Vec::<String>::new());
}

#[test]
fn per_month_of_the_largest_reading_is_an_error() {
    let max = r#"usage u = max active_users from "AX" over trailing 3 months"#;
    assert_eq!(codes(&measure_policy(max, "u per month >= 4")), ["E0338"]);
    assert_eq!(codes(&measure_policy(max, "u >= 4")), Vec::<String>::new());
    let sum = r#"usage u = sum active_users from "AX" over trailing 3 months"#;
    assert_eq!(
        codes(&measure_policy(sum, "u per month >= 4")),
        Vec::<String>::new()
    );
    // Inside `either` too.
    let either = "either { require u per month >= 4 } or { require u >= 10 }";
    assert_eq!(codes(&measure_policy(max, either)), ["E0338"]);
}
