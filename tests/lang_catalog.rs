//! The product catalogue (issue 11, item 3): products with former names,
//! families, declared revenue types and usage metrics; the checker's
//! E0214-E0219 and W0118, both evaluation paths, the evidence, the
//! formatter, and the run-level data report of `eval` (E0411-E0413),
//! through the library and the real binary. The shape is
//! `tests/shapes/product_catalogue.policy`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::lang::{codes, date, dec, load, parsed, report, rubric_cli};
use rubric::data::Partner;
use rubric::eval::fold::Scratch;
use rubric::eval::{Detail, Evaluator};
use rubric::model::Policy;
use rust_decimal::Decimal;
use serde_json::{Value, json};

const SHAPE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/shapes/product_catalogue.policy"
);

fn shape_text() -> String {
    std::fs::read_to_string(SHAPE).unwrap()
}

fn shape() -> Policy {
    load(&shape_text())
}

/// A small policy with `catalogue` declarations and one revenue measure
/// `r` from `from` (the rest of its line given).
fn policy_with(catalogue: &str, measure: &str) -> String {
    format!(
        "competency c {{
  version \"1\"
  effective 2017-01-01
  currency USD
  tiers silver
{catalogue}
  revenue r = {measure}
  option main {{ tier silver {{ require r >= 1 USD }} }}
}}"
    )
}

/// A revenue line as JSON.
fn line(product: &str, kind: &str, amount: &str, date: &str) -> Value {
    json!({"customer": "C", "product": product, "type": kind, "amount": amount,
           "currency": "USD", "date": date, "associations": ["dpor"]})
}

/// A partner in the developed market with `revenue` lines, as JSON text.
fn partner(revenue: &[Value]) -> String {
    json!({"id": "P-1", "market": "developed", "revenue": revenue}).to_string()
}

/// Each measure's value, after checking that the fast path (folding the
/// JSON text) finds the same values and tier as the careful path.
fn totals(policy: &Policy, as_of: &str, text: &str) -> Vec<Decimal> {
    let evaluator = Evaluator::new(policy, date(as_of));
    let record = parsed(text);
    let partner = Partner::parse(&record).unwrap();
    let careful = evaluator.evaluate(&partner).unwrap();
    let mut scratch = Scratch::default();
    evaluator
        .fold(text, &mut scratch)
        .expect("the fast path decides");
    let careful_totals: Vec<Decimal> = careful.measures.iter().map(|m| m.total).collect();
    assert_eq!(
        careful_totals,
        scratch.facts().totals,
        "the two paths disagree on {text}"
    );
    let fast = evaluator.judge(scratch.facts(), Vec::new(), Vec::new(), Detail::Tier);
    assert_eq!(careful.tier, fast.tier, "the two paths disagree on {text}");
    careful_totals
}

fn tier(policy: &Policy, as_of: &str, text: &str) -> Option<String> {
    totals(policy, as_of, text);
    let evaluator = Evaluator::new(policy, date(as_of));
    let record = parsed(text);
    let partner = Partner::parse(&record).unwrap();
    let outcome = evaluator.evaluate(&partner).unwrap();
    outcome.tier.map(|t| policy.tiers[t.0].id.clone())
}

// ---------------------------------------------------------------------------
// The shape
// ---------------------------------------------------------------------------

#[test]
fn the_shape_checks_clean_and_is_formatted() {
    let checked = rubric::check_source(&shape_text());
    assert!(checked.diagnostics.is_empty(), "{:?}", checked.diagnostics);
    let formatted = rubric::format::format(&shape_text()).unwrap();
    assert_eq!(formatted, shape_text(), "the shape is not formatted");
}

#[test]
fn the_shape_declares_its_catalogue() {
    let policy = shape();
    let names: Vec<&str> = policy.products.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Dynamics 365 Customer Engagement",
            "Dynamics 365 for Sales",
            "Dynamics 365 for Customer Service",
            "Dynamics 365 for Field Service"
        ]
    );
    assert_eq!(
        policy.products[0].former_names,
        ["Dynamics 365 Plan 1", "CRM Online"]
    );
    let family = &policy.families[0];
    assert_eq!(family.name, "Dynamics 365 Enterprise Plan");
    assert_eq!(
        family.products.iter().map(|p| p.0).collect::<Vec<_>>(),
        [0, 1, 2, 3]
    );
    let types: Vec<&str> = policy
        .revenue_types
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(types, ["net_new", "renewal"]);
}

/// The shape's gold tier: 50,000 of engagement and 150,000 across the
/// family; lines under former names and under every member count.
#[test]
fn the_shape_counts_former_names_and_family_members_at_the_thresholds() {
    let policy = shape();
    let as_of = "2018-06-30";
    let exactly = partner(&[
        line("Dynamics 365 Plan 1", "net_new", "20000", "2017-07-01"),
        line("crm online", "renewal", "30000", "2018-06-30"),
        line("Dynamics 365 for Sales", "net_new", "50000", "2018-01-15"),
        line(
            "Dynamics 365 for Field Service",
            "net_new",
            "60000",
            "2018-02-01",
        ),
    ]);
    // engagement: 20,000 + 30,000 (renewal counts there); enterprise:
    // net new only, 20,000 + 50,000 + 60,000 = 130,000.
    assert_eq!(
        totals(&policy, as_of, &exactly),
        [dec("130000"), dec("50000")]
    );
    assert_eq!(tier(&policy, as_of, &exactly).as_deref(), Some("silver"));
    let gold = partner(&[
        line("Dynamics 365 Plan 1", "net_new", "20000", "2017-07-01"),
        line("crm online", "renewal", "30000", "2018-06-30"),
        line("Dynamics 365 for Sales", "net_new", "50000", "2018-01-15"),
        line(
            "Dynamics 365 for Field Service",
            "net_new",
            "60000",
            "2018-02-01",
        ),
        line(
            " DYNAMICS 365 FOR CUSTOMER SERVICE ",
            "net_new",
            "20000",
            "2018-03-01",
        ),
    ]);
    assert_eq!(totals(&policy, as_of, &gold), [dec("150000"), dec("50000")]);
    assert_eq!(tier(&policy, as_of, &gold).as_deref(), Some("gold"));
    // The window's first day is out, its last in, whatever the name.
    let edges = partner(&[
        line("Dynamics 365 Plan 1", "net_new", "1", "2017-06-30"),
        line("CRM Online", "net_new", "2", "2017-07-01"),
        line(
            "Dynamics 365 Customer Engagement",
            "net_new",
            "4",
            "2018-06-30",
        ),
        line(
            "Dynamics 365 Customer Engagement",
            "net_new",
            "8",
            "2018-07-01",
        ),
    ]);
    assert_eq!(totals(&policy, as_of, &edges), [dec("6"), dec("6")]);
}

#[test]
fn a_family_counts_a_line_once_and_only_its_members() {
    let text = policy_with(
        "  product \"A\" formerly \"A0\"
  product \"B\"
  product \"C\"
  family \"AB\" = \"A\", \"B\"
  family \"All\" = \"AB\", \"A\", \"C\"",
        "net_new from \"All\", \"A\" over trailing 12 months",
    );
    let policy = load(&text);
    assert_eq!(
        policy.families[1]
            .products
            .iter()
            .map(|p| p.0)
            .collect::<Vec<_>>(),
        [0, 1, 2]
    );
    let data = partner(&[
        line("A0", "net_new", "1.10", "2017-06-30"),
        line("A", "net_new", "2.20", "2017-06-30"),
        line("B", "net_new", "4.40", "2017-06-30"),
        line("C", "net_new", "8.80", "2017-06-30"),
        line("D", "net_new", "16", "2017-06-30"),
        line("AB", "net_new", "32", "2017-06-30"),
    ]);
    // A line recorded under the family's own name is no product's line.
    assert_eq!(totals(&policy, "2017-06-30", &data), [dec("16.50")]);
}

#[test]
fn without_a_catalogue_products_are_free_strings_as_before() {
    let text = policy_with(
        "",
        "net_new from \"CRM Online\", \"Dynamics 365 Plan 1\" over trailing 12 months",
    );
    assert!(codes(&text).is_empty(), "{:?}", codes(&text));
    let policy = load(&text);
    let data = partner(&[
        line("crm online", "net_new", "5", "2017-06-30"),
        line("Dynamics 365 Plan 1", "net_new", "7", "2017-06-30"),
        line("Dynamics 365 Plan 2", "net_new", "11", "2017-06-30"),
    ]);
    assert_eq!(totals(&policy, "2017-06-30", &data), [dec("12")]);
}

#[test]
fn the_evidence_names_the_former_name_a_line_was_recorded_under() {
    let policy = shape();
    let data = partner(&[
        line(
            "Dynamics 365 Customer Engagement",
            "net_new",
            "100",
            "2018-01-01",
        ),
        line("Dynamics 365 Plan 1", "net_new", "200", "2018-02-01"),
    ]);
    let (human, json) = report(&policy, "2018-06-30", &data);
    insta::assert_snapshot!(human);
    assert_eq!(
        json["renamed_lines"],
        json!([{
            "list": "revenue",
            "line": 1,
            "recorded_as": "Dynamics 365 Plan 1",
            "counted_as": "Dynamics 365 Customer Engagement",
        }])
    );
    let data = partner(&[line(
        "Dynamics 365 Customer Engagement",
        "net_new",
        "100",
        "2018-01-01",
    )]);
    let (human, json) = report(&policy, "2018-06-30", &data);
    assert!(!human.contains("former name"), "{human}");
    assert!(json.get("renamed_lines").is_none(), "{json}");
}

// ---------------------------------------------------------------------------
// The checker
// ---------------------------------------------------------------------------

#[test]
fn a_product_the_catalogue_lacks_is_e0214_with_did_you_mean() {
    let text = policy_with(
        "  product \"Dynamics 365 Customer Engagement\"",
        "net_new from \"Dynamics 365 Customer Engagment\" over trailing 12 months",
    );
    let checked = rubric::check_source(&text);
    assert_eq!(codes(&text), ["E0214"]);
    let help = miette::Diagnostic::help(&checked.diagnostics[0])
        .map(|h| h.to_string())
        .unwrap_or_default();
    assert_eq!(help, "did you mean `Dynamics 365 Customer Engagement`?");
    // Names compare as data does: case and surrounding spaces aside.
    let text = policy_with(
        "  product \"Dynamics 365 Customer Engagement\"",
        "net_new from \" dynamics 365 customer engagement\" over trailing 12 months",
    );
    assert!(codes(&text).is_empty(), "{:?}", codes(&text));
    // A family naming an unknown member.
    let text = policy_with(
        "  product \"A\"\n  family \"F\" = \"A\", \"Q\"",
        "net_new from \"F\" over trailing 12 months",
    );
    assert_eq!(codes(&text), ["E0214"]);
}

#[test]
fn a_former_name_in_a_measure_or_family_is_e0215() {
    let catalogue = "  product \"New\" formerly \"Old\"";
    let text = policy_with(catalogue, "net_new from \"old\" over trailing 12 months");
    assert_eq!(codes(&text), ["E0215"]);
    let text = policy_with(
        &format!("{catalogue}\n  family \"F\" = \"Old\""),
        "net_new from \"F\" over trailing 12 months",
    );
    assert_eq!(codes(&text), ["E0215"]);
}

#[test]
fn names_that_mean_two_things_are_e0216_or_declared_twice() {
    let measure = "net_new from \"A\" over trailing 12 months";
    for (catalogue, expected) in [
        (
            "  product \"A\" formerly \"X\"\n  product \"B\" formerly \"x \"",
            "E0216",
        ),
        ("  product \"A\" formerly \"a\"", "E0216"),
        ("  product \"A\" formerly \"X\", \"X\"", "E0216"),
        ("  product \"A\" formerly \"B\"\n  product \"B\"", "E0216"),
        ("  product \"A\"\n  family \"a\" = \"A\"", "E0216"),
        (
            "  product \"A\" formerly \"F\"\n  family \"F\" = \"A\"",
            "E0216",
        ),
        ("  product \"A\"\n  product \"A\"", "E0200"),
        (
            "  product \"A\"\n  family \"F\" = \"A\"\n  family \"F\" = \"A\"",
            "E0200",
        ),
    ] {
        let text = policy_with(catalogue, measure);
        let found = codes(&text);
        assert!(
            found.first().map(String::as_str) == Some(expected),
            "{catalogue}: {found:?}"
        );
    }
}

#[test]
fn empty_families_are_e0217_and_families_in_a_loop_e0218() {
    let text = policy_with(
        "  product \"A\"\n  family \"F\" =",
        "net_new from \"A\", \"F\" over trailing 12 months",
    );
    assert_eq!(codes(&text), ["E0217"]);
    let text = policy_with(
        "  product \"A\"\n  family \"F\" = \"F\", \"A\"",
        "net_new from \"F\" over trailing 12 months",
    );
    assert_eq!(codes(&text), ["E0218"]);
    // A loop of three is reported once, by its first family; a family
    // outside the loop that contains it is not reported again.
    let text = policy_with(
        "  product \"A\"
  family \"Outer\" = \"F\"
  family \"F\" = \"G\", \"A\"
  family \"G\" = \"H\"
  family \"H\" = \"F\"",
        "net_new from \"Outer\" over trailing 12 months",
    );
    let checked = rubric::check_source(&text);
    assert_eq!(codes(&text), ["E0218"]);
    assert_eq!(
        checked.diagnostics[0].to_string(),
        "family `F` contains itself: `F` > `G` > `H` > `F`"
    );
}

#[test]
fn undeclared_types_and_metrics_are_e0219_once_declared() {
    let text = policy_with(
        "  revenue types net_new, renewal",
        "net_new, renewl from \"X\" over trailing 12 months",
    );
    assert_eq!(codes(&text), ["E0219"]);
    let text = policy_with(
        "  revenue types net_new, renewal",
        "NET_NEW, renewal from \"X\" over trailing 12 months",
    );
    assert!(codes(&text).is_empty(), "{:?}", codes(&text));
    // Metrics, on their own declaration: revenue types do not restrict them.
    let usage = |declared: &str, metric: &str| {
        format!(
            "competency c {{
  version \"1\"
  effective 2017-01-01
  tiers silver
  {declared}
  usage u = {metric} from \"X\" over trailing 12 months
  option main {{ tier silver {{ require u >= 1 }} }}
}}"
        )
    };
    assert_eq!(
        codes(&usage("usage metrics deployed_seats", "deployed_seat")),
        ["E0219"]
    );
    assert!(codes(&usage("revenue types net_new", "deployed_seat")).is_empty());
    // A quantifier word is E0337's alone.
    assert_eq!(
        codes(&usage("usage metrics deployed_seats", "any")),
        ["E0337"]
    );
}

#[test]
fn a_product_or_family_no_measure_counts_is_w0118() {
    let text = policy_with(
        "  product \"A\"
  product \"B\"
  product \"C\"
  family \"Inner\" = \"B\"
  family \"Outer\" = \"Inner\"
  family \"Unused\" = \"C\"",
        "net_new from \"A\", \"Outer\" over trailing 12 months",
    );
    let checked = rubric::check_source(&text);
    let found: Vec<String> = checked.diagnostics.iter().map(|d| d.to_string()).collect();
    assert_eq!(
        found,
        [
            "product `C` is in the product catalogue but no measure counts it",
            "family `Unused` is in the product catalogue but no measure counts it",
        ]
    );
}

#[test]
fn every_shipped_policy_and_shape_still_checks_clean() {
    for dir in ["policies", "tests/shapes"] {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "policy") {
                let text = std::fs::read_to_string(&path).unwrap();
                let found: Vec<String> = rubric::check_source(&text)
                    .diagnostics
                    .iter()
                    .filter(|d| d.is_error() || d.code_text() == "W0118")
                    .map(rubric::PolicyDiagnostic::code_text)
                    .collect();
                assert!(found.is_empty(), "{}: {found:?}", path.display());
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The formatter
// ---------------------------------------------------------------------------

/// What a policy's catalogue and measures say, without where it is written.
fn catalogue(policy: &Policy) -> Vec<String> {
    let mut out: Vec<String> = policy
        .products
        .iter()
        .map(|p| format!("product {} {:?}", p.name, p.former_names))
        .collect();
    out.extend(
        policy
            .families
            .iter()
            .map(|f| format!("family {} {:?} {:?}", f.name, f.members, f.products)),
    );
    out.extend(
        policy
            .revenue_types
            .iter()
            .map(|t| format!("type {}", t.name)),
    );
    out.extend(
        policy
            .usage_metrics
            .iter()
            .map(|t| format!("metric {}", t.name)),
    );
    out.extend(policy.measures.iter().map(|m| format!("{:?}", m.kind)));
    out
}

#[test]
fn the_formatter_keeps_every_catalogue_declaration() {
    let messy = policy_with(
        "  product   \"A\"   formerly \"A0\" ,\"A1\"
  product \"B\"
  family   \"F\"=\"A\",\"B\"
  revenue   types net_new ,renewal
  usage metrics   active_users",
        "net_new from \"F\" over trailing 12 months",
    );
    let formatted = rubric::format::format(&messy).unwrap();
    for line in [
        "  product \"A\" formerly \"A0\", \"A1\"\n",
        "  family \"F\" = \"A\", \"B\"\n",
        "  revenue types net_new, renewal\n",
        "  usage metrics active_users\n",
    ] {
        assert!(formatted.contains(line), "{line:?} not in\n{formatted}");
    }
    assert_eq!(catalogue(&load(&formatted)), catalogue(&load(&messy)));
    assert_eq!(rubric::format::format(&formatted).unwrap(), formatted);
    // A long family goes on lines under its first member.
    let long = policy_with(
        "  product \"Dynamics 365 for Customer Service\"
  product \"Dynamics 365 for Field Service\"
  product \"Dynamics 365 for Project Service Automation\"
  family \"Dynamics 365 Enterprise Plan\" = \"Dynamics 365 for Customer Service\", \"Dynamics 365 for Field Service\", \"Dynamics 365 for Project Service Automation\"",
        "net_new from \"Dynamics 365 Enterprise Plan\" over trailing 12 months",
    );
    let formatted = rubric::format::format(&long).unwrap();
    assert!(
        formatted.contains(
            "  family \"Dynamics 365 Enterprise Plan\" = \"Dynamics 365 for Customer Service\",\n                                          \"Dynamics 365 for Field Service\",\n"
        ),
        "{formatted}"
    );
    assert_eq!(catalogue(&load(&formatted)), catalogue(&load(&long)));
}

#[test]
fn a_measure_named_types_or_metrics_is_still_a_measure() {
    let text = policy_with("", "net_new from \"X\" over trailing 12 months")
        .replace("revenue r =", "revenue types =")
        .replace("require r", "require types");
    assert!(codes(&text).is_empty(), "{:?}", codes(&text));
    assert_eq!(load(&text).measures[0].name, "types");
}

// ---------------------------------------------------------------------------
// The run-level data report (E0411-E0413)
// ---------------------------------------------------------------------------

use rubric::batch::{self, DataInput, Event};
use rubric::eval::watch::{DISTINCT_LIMIT, DataField, DataReport};

/// The data report of a run of `text` (JSON Lines) against `policy`.
fn data_report(policy: &Policy, text: &str, threads: usize, detail: Detail) -> Option<DataReport> {
    let evaluator = Evaluator::new(policy, date("2018-06-30"));
    let input = DataInput::Text {
        name: "partners.jsonl".into(),
        text: text.into(),
    };
    let options = batch::Options {
        threads,
        detail,
        people_check: true,
        ..Default::default()
    };
    let totals = batch::evaluate(
        &evaluator,
        vec![input],
        options,
        &rubric::report::JsonLines,
        &mut |_: Event<'_>| std::ops::ControlFlow::Continue(()),
    );
    totals.data_report
}

/// Text no evaluation reads, so that a thousand records fill more than
/// one block of input and several workers share a run.
fn padding() -> String {
    "x".repeat(1_100)
}

/// JSON Lines of partners, one a line, each with the given revenue lines.
fn lines_of(partners: &[Vec<Value>]) -> String {
    partners
        .iter()
        .enumerate()
        .map(|(i, revenue)| {
            json!({"id": format!("P-{i}"), "market": "developed", "revenue": revenue,
                   "note": padding()})
            .to_string()
                + "\n"
        })
        .collect()
}

fn typo_data() -> String {
    lines_of(&[
        vec![
            line("Dynamics 365 Plan 1", "net_new", "60000", "2018-03-01"),
            line("Dynamics 365 for Sale", "net_new", "1000", "2018-03-01"),
        ],
        vec![
            line(
                "Dynamics 365 Customer Engagment",
                "renewl",
                "5",
                "2018-03-01",
            ),
            line("Office 365", "net_new", "5", "2018-03-01"),
            line("Dynamics 365 for Sale", "net_new", "1", "2018-03-02"),
        ],
        // A record that cannot be evaluated (a bad date) counts for nothing.
        vec![
            line(
                "Dynamics 365 for Field Servce",
                "net_new",
                "5",
                "2018-02-30",
            ),
            line(
                "Dynamics 365 for Field Service",
                "net_new",
                "5",
                "2018-03-01",
            ),
        ],
    ])
}

#[test]
fn the_data_report_names_near_misses_and_names_no_line_matched() {
    let policy = shape();
    let report = data_report(&policy, &typo_data(), 1, Detail::Tier).unwrap();
    let near: Vec<(DataField, &str, &str, u64, usize)> = report
        .near_misses
        .iter()
        .map(|m| {
            (
                m.field,
                m.value.as_str(),
                m.suggestion.as_str(),
                m.lines,
                m.first_seen.as_ref().unwrap().line,
            )
        })
        .collect();
    assert_eq!(
        near,
        [
            (
                DataField::Product,
                "Dynamics 365 for Sale",
                "Dynamics 365 for Sales",
                2,
                1
            ),
            (
                DataField::Product,
                "Dynamics 365 Customer Engagment",
                "Dynamics 365 Customer Engagement",
                1,
                2
            ),
            (DataField::RevenueType, "renewl", "renewal", 1, 2),
        ]
    );
    let never: Vec<(DataField, &str)> = report
        .never_matched
        .iter()
        .map(|n| (n.field, n.name.as_str()))
        .collect();
    // Customer Engagement matched under its former name; Field Service
    // only in a record that was not evaluated.
    assert_eq!(
        never,
        [
            (DataField::Product, "Dynamics 365 for Sales"),
            (DataField::Product, "Dynamics 365 for Customer Service"),
            (DataField::Product, "Dynamics 365 for Field Service"),
            (DataField::RevenueType, "renewal"),
        ]
    );
    assert!(report.limit_reached.is_empty());
    // "Office 365" is close to nothing declared: counted, not listed.
    assert_eq!(report.unlike, 1);
}

#[test]
fn both_paths_and_any_number_of_threads_give_one_report() {
    let policy = shape();
    let mut data = typo_data();
    // Enough records for several blocks' worth of work across threads.
    for i in 0..1_000 {
        data.push_str(
            &(json!({"id": format!("Q-{i}"), "note": padding(), "revenue": [line(
                if i % 3 == 0 { "Dynamics 365 for Sale" } else { "Dynamics 365 for Sales" },
                "net_new", "1", "2018-01-01")]})
            .to_string()
                + "\n"),
        );
    }
    let expected = data_report(&policy, &data, 1, Detail::Tier).unwrap();
    assert!(data.len() > 1 << 20, "more than one block");
    assert_eq!(expected.near_misses[0].lines, 336);
    assert!(
        !expected
            .never_matched
            .iter()
            .any(|n| n.name == "Dynamics 365 for Sales")
    );
    for threads in [1, 3] {
        for detail in [Detail::Tier, Detail::Requirements, Detail::Evidence] {
            assert_eq!(
                data_report(&policy, &data, threads, detail).as_ref(),
                Some(&expected),
                "{threads} threads, {detail:?}"
            );
        }
    }
}

#[test]
fn a_policy_without_a_catalogue_has_no_data_report() {
    let text = policy_with("", "net_new from \"CRM Online\" over trailing 12 months");
    let policy = load(&text);
    assert_eq!(data_report(&policy, &typo_data(), 1, Detail::Tier), None);
    assert_eq!(
        data_report(&policy, &typo_data(), 2, Detail::Evidence),
        None
    );
    // Revenue types alone are watched without products.
    let policy = load(&policy_with(
        "  revenue types net_new, renewal",
        "net_new from \"CRM Online\" over trailing 12 months",
    ));
    let report = data_report(&policy, &typo_data(), 1, Detail::Tier).unwrap();
    assert_eq!(report.near_misses.len(), 1, "{report:?}");
    assert_eq!(report.near_misses[0].value, "renewl");
}

#[test]
fn distinct_values_past_the_limit_are_counted_not_kept() {
    let policy = shape();
    let extra = 5;
    let partners: Vec<Vec<Value>> = (0..DISTINCT_LIMIT + extra)
        .map(|i| {
            vec![line(
                &format!("Other product {i}"),
                "net_new",
                "1",
                "2018-01-01",
            )]
        })
        .collect();
    let data = lines_of(&partners);
    assert!(data.len() > 1 << 20, "more than one block");
    for threads in [1, 2] {
        let report = data_report(&policy, &data, threads, Detail::Tier).unwrap();
        assert_eq!(report.limit_reached.len(), 1, "{threads} threads");
        let limit = &report.limit_reached[0];
        assert_eq!(limit.field, DataField::Product);
        assert_eq!(limit.limit, DISTINCT_LIMIT);
        assert_eq!(limit.lines, extra as u64, "{threads} threads");
        assert_eq!(report.unlike, DISTINCT_LIMIT as u64);
    }
    // At the limit exactly, nothing is left out.
    let data = lines_of(&partners[..DISTINCT_LIMIT]);
    let report = data_report(&policy, &data, 1, Detail::Tier).unwrap();
    assert!(report.limit_reached.is_empty(), "{report:?}");
}

/// Runs the real binary; returns stdout, stderr and the exit code.
fn rubric(args: &[&str]) -> (String, String, i32) {
    let output = rubric_cli(args);
    (
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
        output.status.code().unwrap_or(-1),
    )
}

#[test]
fn eval_reports_a_typo_in_the_data_once_per_run() {
    let dir = std::env::temp_dir().join(format!("rubric-catalog-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let data = dir.join("partners.jsonl");
    std::fs::write(&data, typo_data()).unwrap();
    let data = data.to_str().unwrap();
    let (stdout, stderr, code) = rubric(&[
        "eval",
        SHAPE,
        data,
        "--as-of",
        "2018-06-30",
        "--threads",
        "2",
    ]);
    // The bad date makes the run exit 1, as before; the report only warns.
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.contains("evaluated 2 partners"), "{stdout}");
    assert_eq!(stderr.matches("E0411").count(), 3, "{stderr}");
    assert_eq!(stderr.matches("E0412").count(), 4, "{stderr}");
    assert!(
        stderr.contains(
            "product `Dynamics 365 for Sale` in the data matches nothing the policy declares (2 lines, first in"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("did you mean `Dynamics 365 for Sales`?"),
        "{stderr}"
    );
    // After the run: after the bad record's error.
    assert!(stderr.find("E0402").unwrap() < stderr.find("E0411").unwrap());

    // JSON Lines: every line JSON; the first the decision, the last the report.
    let (stdout, _, _) = rubric(&[
        "eval",
        SHAPE,
        data,
        "--as-of",
        "2018-06-30",
        "--format",
        "jsonl",
    ]);
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines[0].get("decision").is_some());
    let last = lines.last().unwrap();
    assert_eq!(
        last["data_report"]["near_misses"][0]["value"],
        "Dynamics 365 for Sale"
    );
    assert_eq!(
        lines.iter().filter(|l| l.get("partner").is_some()).count(),
        3
    );

    // JSON: the summary carries it.
    let (stdout, _, _) = rubric(&[
        "eval",
        SHAPE,
        data,
        "--as-of",
        "2018-06-30",
        "--format",
        "json",
    ]);
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        doc["summary"]["data_report"]["never_matched"][3],
        json!({"field": "revenue_type", "name": "renewal"})
    );

    // A policy without a catalogue: no report anywhere.
    let plain = dir.join("plain.policy");
    std::fs::write(
        &plain,
        policy_with("", "net_new from \"CRM Online\" over trailing 12 months"),
    )
    .unwrap();
    let (stdout, stderr, _) = rubric(&[
        "eval",
        plain.to_str().unwrap(),
        data,
        "--as-of",
        "2018-06-30",
        "--format",
        "jsonl",
    ]);
    assert!(!stderr.contains("E041"), "{stderr}");
    assert!(!stdout.contains("data_report"), "{stdout}");
    std::fs::remove_dir_all(&dir).unwrap();
}

// ---------------------------------------------------------------------------
// rubric diff
// ---------------------------------------------------------------------------

/// Each change of the diff from `old` to `new`: effect, subject, values.
fn changes(old: &str, new: &str) -> Vec<String> {
    rubric::diff::diff(&load(old), &load(new))
        .changes
        .iter()
        .map(|c| {
            format!(
                "{} {}: {} -> {}",
                c.effect.word(),
                c.subject,
                c.old.as_deref().unwrap_or("-"),
                c.new.as_deref().unwrap_or("-")
            )
        })
        .collect()
}

#[test]
fn diff_reads_a_catalogue_written_for_the_same_products_as_the_same_rules() {
    let old = policy_with(
        "",
        "net_new from \"Dynamics 365 Customer Engagement\", \"Dynamics 365 Plan 1\" over trailing 12 months",
    );
    let new = policy_with(
        "  product \"Dynamics 365 Customer Engagement\" formerly \"Dynamics 365 Plan 1\"",
        "net_new from \"Dynamics 365 Customer Engagement\" over trailing 12 months",
    );
    let diff = rubric::diff::diff(&load(&old), &load(&new));
    assert!(diff.same_meaning(), "{:?}", changes(&old, &new));
    assert_eq!(
        changes(&old, &new),
        [
            "neutral product `Dynamics 365 Customer Engagement`: - -> declared",
            "neutral products of measure `r`: \"Dynamics 365 Customer Engagement\", \"Dynamics 365 Plan 1\" -> \"Dynamics 365 Customer Engagement\"",
        ]
    );
}

#[test]
fn diff_reports_former_names_and_family_products_and_what_measures_count() {
    let old = policy_with(
        "  product \"A\"\n  product \"B\"\n  family \"F\" = \"A\"",
        "net_new from \"F\" over trailing 12 months",
    );
    let new = policy_with(
        "  product \"A\" formerly \"A0\"\n  product \"B\"\n  family \"F\" = \"A\", \"B\"\n  revenue types net_new",
        "net_new from \"F\" over trailing 12 months",
    );
    let found = changes(&old, &new);
    assert_eq!(
        found,
        [
            "neutral former names of product `A`: none -> A0",
            "neutral products of family `F`: A -> A, B",
            "neutral revenue type `net_new`: - -> declared",
            "unproven products of measure `r`: \"A\" -> \"A\", \"A0\", \"B\"",
        ]
    );
    // Swapping the versions keeps every classification.
    let back = changes(&new, &old);
    assert_eq!(back.len(), 4, "{back:?}");
    assert!(back[3].starts_with("unproven"), "{back:?}");
}
