//! Issue 11, new customers (item 7), the leftovers: lines without a
//! customer, where a policy counts customers, are a data warning (E0410) per
//! partner, not dropped silently; the partner is still evaluated, the others
//! of a batch are unaffected, and both evaluation paths agree (the fast path
//! leaves such a record to the careful path, which reports it).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use chrono::NaiveDate;
use common::lang::{batch_records, codes, date, load, rubric_cli, shape_path, shape_text};
use miette::Diagnostic as _;
use rubric::batch;
use rubric::eval::fold::Scratch;
use rubric::eval::{Detail, Evaluator};
use rubric::model::Policy;
use rubric::report::JsonLines;
use serde_json::{Value, json};

const AS_OF: &str = "2018-06-30";

fn as_of() -> NaiveDate {
    date(AS_OF)
}

fn shape(name: &str) -> Policy {
    load(&shape_text(name))
}

/// A net new line of `amount` on `date`, for `customer` (`None`: no
/// `customer` field at all).
fn line(customer: Option<&str>, amount: &str, date: &str) -> Value {
    let mut l = json!({
        "product": "Dynamics 365", "type": "net_new",
        "amount": amount, "currency": "USD", "date": date
    });
    if let Some(c) = customer {
        l["customer"] = json!(c);
    }
    l
}

fn partner(id: &str, lines: &[Value]) -> String {
    json!({ "id": id, "revenue": lines }).to_string()
}

/// Each record's (tier, error codes, warning codes, rendered JSON line)
/// through the library's batch pipeline.
#[allow(clippy::type_complexity)]
fn batch(
    policy: &Policy,
    records: &[String],
    detail: Detail,
) -> Vec<(Vec<String>, Vec<String>, Value)> {
    let evaluator = Evaluator::new(policy, as_of());
    let text: String = records.iter().map(|r| format!("{r}\n")).collect();
    let options = batch::Options {
        people_check: true,
        threads: 1,
        detail,
        ..Default::default()
    };
    let mut out = Vec::new();
    batch_records(&evaluator, &text, options, &JsonLines, |record| {
        let codes = |list: &[rubric::data::DataError]| {
            list.iter()
                .map(|e| e.code().unwrap().to_string())
                .collect::<Vec<_>>()
        };
        let rendered: Value =
            serde_json::from_str(String::from_utf8_lossy(record.rendered).trim()).unwrap();
        out.push((codes(record.errors), codes(record.warnings), rendered));
    });
    out
}

/// Three new customers, and lines without one in the window.
fn without_customers() -> String {
    partner(
        "P-2",
        &[
            line(Some("Contoso"), "10", "2018-03-01"),
            line(Some("Fabrikam"), "10", "2018-03-01"),
            line(Some("Litware"), "10", "2018-03-01"),
            line(None, "20", "2018-03-02"),
            line(Some("   "), "5", "2018-03-03"),
        ],
    )
}

fn clean() -> String {
    partner(
        "P-1",
        &[
            line(Some("Contoso"), "10", "2018-03-01"),
            line(Some("Fabrikam"), "10", "2018-03-01"),
            line(Some("Litware"), "10", "2018-03-01"),
        ],
    )
}

#[test]
fn lines_without_a_customer_warn_once_per_partner_and_the_tier_stands() {
    let policy = shape("net_new_customers");
    for detail in [Detail::Tier, Detail::Requirements, Detail::Evidence] {
        let out = batch(&policy, &[clean(), without_customers(), clean()], detail);
        let warnings: Vec<&Vec<String>> = out.iter().map(|(_, w, _)| w).collect();
        // One warning for the three customer measures reading `new_business`.
        assert_eq!(
            warnings,
            [&vec![], &vec!["E0410".to_owned()], &vec![]],
            "at {detail:?}"
        );
        for (errors, _, rendered) in &out {
            assert!(errors.is_empty(), "at {detail:?}: {errors:?}");
            // Three new customers, none lost: gold on every record.
            assert_eq!(rendered["tier"], "gold", "at {detail:?}: {rendered}");
        }
        let warning = &out[1].2["warnings"][0];
        assert_eq!(warning["code"], "E0410", "{warning}");
        assert_eq!(
            warning["message"],
            "2 lines that `new_business` counts for partner `P-2` name no customer"
        );
    }
}

#[test]
fn lines_without_a_customer_that_do_not_count_are_not_reported() {
    let policy = shape("net_new_customers");
    let outside = partner(
        "P-3",
        &[
            line(Some("Contoso"), "10", "2018-03-01"),
            // Before the window, of another type, of another product.
            line(None, "20", "2017-06-30"),
            json!({ "product": "Dynamics 365", "type": "renewal", "amount": "5",
                    "currency": "USD", "date": "2018-03-01" }),
            json!({ "product": "Office 365", "type": "net_new", "amount": "5",
                    "currency": "USD", "date": "2018-03-01" }),
        ],
    );
    let out = batch(&policy, &[outside], Detail::Requirements);
    assert_eq!(out[0].1, Vec::<String>::new());
    // The window's first day counts, so a line there without a customer is
    // reported.
    let first_day = partner("P-4", &[line(None, "20", "2017-07-01")]);
    let out = batch(&policy, &[first_day], Detail::Requirements);
    assert_eq!(out[0].1, ["E0410"]);
    assert_eq!(
        out[0].2["warnings"][0]["message"],
        "1 line that `new_business` counts for partner `P-4` names no customer"
    );
}

#[test]
fn distinct_customers_warn_too_and_both_paths_agree() {
    let policy = shape("new_customers");
    let evaluator = Evaluator::new(&policy, as_of());
    let text = partner(
        "P-5",
        &[
            line(Some("Contoso"), "10", "2018-03-01"),
            line(None, "20", "2018-03-02"),
        ],
    );
    let out = batch(&policy, std::slice::from_ref(&text), Detail::Tier);
    assert_eq!(out[0].1, ["E0410"]);
    // The fast path leaves the record to the careful path, which warns;
    // without the line it decides the record itself, the same way.
    let mut scratch = Scratch::default();
    assert!(evaluator.fold(&text, &mut scratch).is_none());
    let clean = partner("P-6", &[line(Some("Contoso"), "10", "2018-03-01")]);
    assert!(evaluator.fold(&clean, &mut scratch).is_some());
    let fast = evaluator.tier(scratch.facts());
    let record = rubric::data::read::whole_text("p.json", clean.clone())
        .into_iter()
        .next()
        .unwrap()
        .unwrap();
    let parsed = rubric::data::Partner::parse(&record).unwrap();
    let careful = evaluator.evaluate(&parsed).unwrap();
    assert_eq!(fast, careful.tier);
    assert!(
        careful
            .measures
            .iter()
            .all(|m| m.without_customer.is_empty())
    );
    // The measure still counts the one customer it can.
    let careful = evaluator
        .evaluate(
            &rubric::data::Partner::parse(
                &rubric::data::read::whole_text("p.json", text)
                    .into_iter()
                    .next()
                    .unwrap()
                    .unwrap(),
            )
            .unwrap(),
        )
        .unwrap();
    let at = policy
        .measures
        .iter()
        .position(|m| m.name == "customers")
        .unwrap();
    assert_eq!(careful.measures[at].total, 1.into());
    assert_eq!(careful.measures[at].without_customer.len(), 1);
}

#[test]
fn the_cli_warns_on_stderr_and_still_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("batch.jsonl");
    std::fs::write(&data, format!("{}\n{}\n", clean(), without_customers())).unwrap();
    let out = rubric_cli(&[
        "eval",
        &shape_path("net_new_customers"),
        data.to_str().unwrap(),
        "--as-of",
        AS_OF,
    ]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    // A warning does not fail the run.
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("partner P-1: gold"), "{stdout}");
    assert!(stdout.contains("partner P-2: gold"), "{stdout}");
    assert!(stderr.contains("E0410"), "{stderr}");
    assert!(
        stderr.contains("2 lines that `new_business` counts for partner `P-2` name no customer"),
        "{stderr}"
    );
    assert!(stderr.contains("this line has no `customer`"), "{stderr}");
    // The evidence says it too, under the customer measure.
    assert!(
        stdout.contains("2 lines counted without a customer: they belong to no customer"),
        "{stdout}"
    );
}

// ---------------------------------------------------------------------------
// W0121: `distinct customers of` named as new customers
// ---------------------------------------------------------------------------

fn customer_policy(name: &str, count: &str) -> String {
    format!(
        r#"competency demo {{
  version "1"
  effective 2018-01-01
  currency USD
  tiers silver
  revenue new_business = net_new from "Dynamics 365" over trailing 12 months
  measure {name} = {count} customers of new_business
  option main {{
    tier silver {{
      require {name} >= 3
    }}
  }}
}}
"#
    )
}

#[test]
fn distinct_customers_named_new_is_w0121() {
    for name in ["new_customers", "net_adds", "New_Logos", "customers_new"] {
        let text = customer_policy(name, "distinct");
        assert_eq!(codes(&text), ["W0121"], "{name}");
    }
    let text = customer_policy("new_customers", "distinct");
    let checked = rubric::check_source(&text);
    let d = &checked.diagnostics[0];
    assert_eq!(
        d.to_string(),
        "measure `new_customers` counts every customer with a counted line, though its name says new customers"
    );
    assert!(
        d.help()
            .unwrap()
            .to_string()
            .contains("write `measure new_customers = new customers of new_business`")
    );
}

#[test]
fn w0121_reads_only_whole_words_of_the_measure_s_own_name() {
    // The base is called `new_business`: not the customer measure's name.
    for name in [
        "customers",
        "renewal_customers",
        "newcomers",
        "customers_anew",
    ] {
        assert_eq!(
            codes(&customer_policy(name, "distinct")),
            Vec::<String>::new(),
            "{name}"
        );
    }
    // `new`, `lost` and `net new` are what the name says.
    for count in ["new", "net new"] {
        assert_eq!(
            codes(&customer_policy("new_customers", count)),
            Vec::<String>::new(),
            "{count}"
        );
    }
}

// ---------------------------------------------------------------------------
// `rubric example` builds lost customers
// ---------------------------------------------------------------------------

const CHURN: &str = r#"competency churn {
  currency USD
  tiers silver, gold
  revenue new_business = net_new from "Dynamics 365" over trailing 12 months
  measure lost_customers = lost customers of new_business
  measure net_adds = net new customers of new_business
  option main {
    tier silver {
      require lost_customers >= 2
    }
    tier gold {
      require lost_customers >= 2
      require net_adds >= 3
    }
  }
}
"#;

/// Each measure's value for the example's partner, evaluated anew.
fn measures_of(policy: &Policy, partner: &rubric::example::PartnerOut) -> Vec<(String, String)> {
    let text = serde_json::to_string(partner).unwrap();
    let record = rubric::data::read::whole_text("p.json", text)
        .into_iter()
        .next()
        .unwrap()
        .unwrap();
    let parsed = rubric::data::Partner::parse(&record).unwrap();
    let outcome = Evaluator::new(policy, as_of()).evaluate(&parsed).unwrap();
    policy
        .measures
        .iter()
        .zip(&outcome.measures)
        .map(|(m, t)| (m.name.clone(), t.total.to_string()))
        .collect()
}

fn example(policy: &Policy, tier: &str, just_below: Option<&str>) -> rubric::example::Example {
    let request = rubric::example::Request {
        option: None,
        tier,
        market: None,
        just_below,
        as_of: as_of(),
    };
    rubric::example::synthesize(policy, &request).unwrap()
}

#[test]
fn an_example_partner_can_lose_customers() {
    let policy = rubric::load_policy(CHURN).unwrap();
    let silver = example(&policy, "silver", None);
    assert_eq!(silver.reached.as_deref(), Some("silver"));
    // Two customers with a line on the last day of the window before (the
    // window's exclusive start), none in the window.
    let dates: Vec<&str> = silver
        .partner
        .revenue
        .iter()
        .map(|l| l.date.as_str())
        .collect();
    assert_eq!(dates, ["2017-06-30", "2017-06-30"]);
    assert_eq!(
        measures_of(&policy, &silver.partner),
        [
            ("new_business".to_owned(), "0".to_owned()),
            ("lost_customers".to_owned(), "2".to_owned()),
            ("net_adds".to_owned(), "-2".to_owned()),
        ]
    );

    // Net adds of 3 with 2 lost: 5 new customers in the window.
    let gold = example(&policy, "gold", None);
    assert_eq!(gold.reached.as_deref(), Some("gold"));
    let in_window = gold
        .partner
        .revenue
        .iter()
        .filter(|l| l.date == "2018-06-30")
        .count();
    assert_eq!(in_window, 5);
    assert_eq!(
        measures_of(&policy, &gold.partner)[1..],
        [
            ("lost_customers".to_owned(), "2".to_owned()),
            ("net_adds".to_owned(), "3".to_owned()),
        ]
    );
}

#[test]
fn an_example_just_below_lost_customers_loses_one_fewer() {
    let policy = rubric::load_policy(CHURN).unwrap();
    let gold = example(&policy, "gold", None);
    let label = gold
        .met
        .iter()
        .find(|l| l.contains("lost_customers"))
        .unwrap()
        .clone();
    let below = example(&policy, "gold", Some(&label));
    assert_eq!(below.reached, None);
    assert_eq!(below.unmet, [label]);
    // Net adds stay met: one lost fewer, one new fewer.
    assert_eq!(
        measures_of(&policy, &below.partner)[1..],
        [
            ("lost_customers".to_owned(), "1".to_owned()),
            ("net_adds".to_owned(), "3".to_owned()),
        ]
    );
}

#[test]
fn an_example_just_below_net_adds_loses_customers_and_keeps_new_ones() {
    // Gold asks 3 new customers and net adds of 2: just below net adds, the
    // 3 new customers stay and 2 are lost (net 1).
    let policy = shape("net_new_customers");
    let gold = example(&policy, "gold", None);
    let label = gold
        .met
        .iter()
        .find(|l| l.contains("net_adds"))
        .unwrap()
        .clone();
    let below = example(&policy, "gold", Some(&label));
    assert_eq!(below.reached.as_deref(), Some("silver"));
    assert_eq!(below.unmet, [label]);
    assert_eq!(
        measures_of(&policy, &below.partner),
        [
            ("new_business".to_owned(), "0.03".to_owned()),
            ("new_customers".to_owned(), "3".to_owned()),
            ("lost_customers".to_owned(), "2".to_owned()),
            ("net_adds".to_owned(), "1".to_owned()),
        ]
    );
}
