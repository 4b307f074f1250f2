//! Current counts and per-key aggregation (issue 11, item 8): usage lines
//! grouped by customer, product or month, each key's latest reading summed
//! (`latest ... per customer and product`), the largest key's total
//! (`largest total ... per product`), and a measure required in every month
//! of its window (`in every month`).
//!
//! Every boundary is pinned: readings on the window's first and last day
//! and just outside it, two readings of one key on the same date, exact
//! decimal sums, a customer with two products, months with no line. The
//! fast path gives up on these policies, and the batch (which falls back to
//! the careful path) is checked against careful evaluation.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use chrono::NaiveDate;
use common::lang::{
    clean_shape as shape, codes, date as d, dec, evaluate_at, rubric_command, shape_text,
};
use rubric::data::{Partner, read};
use rubric::eval::fold::Scratch;
use rubric::eval::{Detail, Evaluator, MeasureOutcome, PartnerOutcome, RequirementOutcome};
use rubric::model::Policy;
use rust_decimal::Decimal;
use serde_json::{Value, json};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A usage line; `customer` `None` leaves the field out.
fn used(customer: Option<&str>, product: &str, metric: &str, quantity: &str, date: &str) -> Value {
    let mut line = json!({
        "product": product,
        "metric": metric,
        "quantity": quantity,
        "date": date,
    });
    if let Some(c) = customer {
        line["customer"] = json!(c);
    }
    line
}

/// A partner with these usage lines, two people who passed `exam`, and the
/// Surface Hub reseller attribute.
fn record(id: &str, exam: &str, usage: &[Value]) -> String {
    let person = |n: u32| json!({ "id": format!("E-{n}"), "exams": [{ "code": exam, "passed": "2017-01-10" }] });
    json!({
        "id": id,
        "market": "developed",
        "attributes": ["surface_hub_reseller"],
        "people": [person(1), person(2)],
        "usage": usage,
    })
    .to_string()
}

/// The partner evaluated the careful way with evidence; the fast path must
/// give up on it.
fn evaluate<'p>(policy: &'p Policy, as_of: &str, text: &str) -> PartnerOutcome<'p> {
    let evaluator = Evaluator::new(policy, d(as_of));
    assert!(
        evaluator.fold(text, &mut Scratch::default()).is_none(),
        "the fast path leaves per-key aggregation and `in every month` to the careful path"
    );
    evaluate_at(policy, as_of, text)
}

/// The value of the measure named `name`.
fn value(policy: &Policy, outcome: &PartnerOutcome<'_>, name: &str) -> Decimal {
    let i = policy.measures.iter().position(|m| m.name == name).unwrap();
    outcome.measures[i].total
}

fn tier<'p>(policy: &'p Policy, outcome: &PartnerOutcome<'_>) -> Option<&'p str> {
    outcome.tier.map(|t| policy.tiers[t.0].id.as_str())
}

/// The first measure requirement of tier `tier` (0 silver, 1 gold).
fn measure_outcome<'a, 'p>(outcome: &'a PartnerOutcome<'p>, tier: usize) -> &'a MeasureOutcome<'p> {
    outcome.options[0].tiers[tier]
        .requirements
        .iter()
        .find_map(|r| match r {
            RequirementOutcome::Measure(m) => Some(m),
            _ => None,
        })
        .unwrap()
}

/// Runs the CLI.
fn rubric(args: &[&str]) -> std::process::Output {
    rubric_command(args).env("COLUMNS", "100").output().unwrap()
}

/// Writes `text` to a fresh temporary file named `name`.
fn temp_file(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("rubric-agg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Each partner's tier as the batch (`rubric eval --format jsonl`) decides
/// it, which must be the careful evaluation's.
fn assert_batch_agrees(stem: &str, policy: &Policy, as_of: &str, records: &[String]) {
    let data = temp_file(&format!("{stem}.jsonl"), &records.join("\n"));
    let out = rubric(&[
        "eval",
        &format!("{ROOT}/tests/shapes/{stem}.policy"),
        data.to_str().unwrap(),
        "--as-of",
        as_of,
        "--format",
        "jsonl",
        "--detail",
        "requirements",
    ]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<Value> = stdout
        .lines()
        .skip(1)
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), records.len(), "{stdout}");
    for (line, text) in lines.iter().zip(records) {
        let careful = evaluate(policy, as_of, text);
        assert_eq!(
            line["tier"].as_str(),
            tier(policy, &careful),
            "batch and careful path agree on {text}"
        );
    }
}

// ---------------------------------------------------------------------------
// latest ... per customer and product, summed
// ---------------------------------------------------------------------------

const EMS: &str = "Enterprise Mobility + Security";

fn entitlements(as_of: &str, usage: &[Value]) -> Decimal {
    let policy = shape("current_entitlements");
    let outcome = evaluate(&policy, as_of, &record("P-1", "MS-100", usage));
    value(&policy, &outcome, "entitlements")
}

fn ent(customer: &str, product: &str, quantity: &str, date: &str) -> Value {
    used(
        Some(customer),
        product,
        "active_entitlements",
        quantity,
        date,
    )
}

#[test]
fn the_latest_report_of_each_customer_and_product_counts_not_every_report() {
    // Contoso reports EMS monthly: 600, 800, 700. The current count is the
    // last report, 700, not their sum 2,100.
    let usage = [
        ent("Contoso", EMS, "600", "2017-09-30"),
        ent("Contoso", EMS, "800", "2017-10-31"),
        ent("Contoso", EMS, "700", "2017-11-30"),
        ent("Fabrikam", EMS, "300", "2017-11-30"),
    ];
    assert_eq!(entitlements("2017-12-31", &usage), dec("1000"));
    // Lines out of date order in the data: the latest date still wins.
    let shuffled = [
        usage[2].clone(),
        usage[0].clone(),
        usage[3].clone(),
        usage[1].clone(),
    ];
    assert_eq!(entitlements("2017-12-31", &shuffled), dec("1000"));
}

#[test]
fn a_customer_with_two_products_counts_once_per_product() {
    let usage = [
        ent("Contoso", EMS, "1200", "2017-11-30"),
        ent("Contoso", "Intune", "800", "2017-10-31"),
        ent("contoso ", "intune", "900", "2017-11-30"),
    ];
    // Customers and products compare as names do: "contoso " is Contoso and
    // "intune" Intune, so Intune's latest is 900.
    assert_eq!(entitlements("2017-12-31", &usage), dec("2100"));
    let policy = shape("current_entitlements");
    let outcome = evaluate(&policy, "2017-12-31", &record("P-1", "MS-100", &usage));
    assert_eq!(tier(&policy, &outcome), Some("gold"));
    let keys = &outcome.measures[0].keys;
    let described: Vec<(String, Decimal, Option<NaiveDate>)> = keys
        .iter()
        .map(|k| (k.describe(), k.value, k.as_of))
        .collect();
    assert_eq!(
        described,
        [
            (
                format!("customer Contoso, product {EMS}"),
                dec("1200"),
                Some(d("2017-11-30"))
            ),
            (
                "customer Contoso, product Intune".to_owned(),
                dec("900"),
                Some(d("2017-11-30"))
            ),
        ]
    );
    assert_eq!(keys[1].lines, [1, 2]);
}

#[test]
fn readings_count_from_the_window_first_day_to_its_last() {
    // As of 2017-12-31 the trailing 12 months are 2017-01-01..2017-12-31.
    let first_day = [ent("A", EMS, "1000", "2017-01-01")];
    assert_eq!(entitlements("2017-12-31", &first_day), dec("1000"));
    // The day before is outside: no reading at all.
    let outside = [ent("A", EMS, "1000", "2016-12-31")];
    assert_eq!(entitlements("2017-12-31", &outside), dec("0"));
    // A reading on the last day replaces the one on the first.
    let both = [
        ent("A", EMS, "1000", "2017-01-01"),
        ent("A", EMS, "400", "2017-12-31"),
    ];
    assert_eq!(entitlements("2017-12-31", &both), dec("400"));
    // A later reading after the as-of date is not yet known: the latest
    // one in the window counts.
    let later = [
        ent("A", EMS, "1000", "2017-06-30"),
        ent("A", EMS, "5", "2018-01-01"),
    ];
    assert_eq!(entitlements("2017-12-31", &later), dec("1000"));
    // A reading just outside the window is not the latest reading, however
    // much larger it is.
    let older_larger = [
        ent("A", EMS, "9000", "2016-12-31"),
        ent("A", EMS, "100", "2017-03-01"),
    ];
    assert_eq!(entitlements("2017-12-31", &older_larger), dec("100"));
}

#[test]
fn two_readings_of_one_key_on_the_latest_date_count_once_the_larger() {
    let usage = [
        ent("A", EMS, "700", "2017-11-30"),
        ent("A", EMS, "650", "2017-11-30"),
        ent("A", EMS, "900", "2017-10-31"),
    ];
    assert_eq!(entitlements("2017-12-31", &usage), dec("700"));
    // Same date, larger second: still one reading, the larger.
    let usage = [
        ent("A", EMS, "650", "2017-11-30"),
        ent("A", EMS, "700", "2017-11-30"),
    ];
    assert_eq!(entitlements("2017-12-31", &usage), dec("700"));
}

#[test]
fn sums_of_readings_are_exact_decimals_at_the_threshold() {
    let policy = shape("current_entitlements");
    let at = [
        ent("A", EMS, "999.5", "2017-11-30"),
        ent("B", EMS, "0.5", "2017-11-30"),
    ];
    let outcome = evaluate(&policy, "2017-12-31", &record("P-1", "MS-100", &at));
    assert_eq!(value(&policy, &outcome, "entitlements"), dec("1000.0"));
    assert_eq!(tier(&policy, &outcome), Some("silver"));
    let below = [
        ent("A", EMS, "999.4", "2017-11-30"),
        ent("B", EMS, "0.5", "2017-11-30"),
    ];
    let outcome = evaluate(&policy, "2017-12-31", &record("P-1", "MS-100", &below));
    assert_eq!(tier(&policy, &outcome), None);
    assert_eq!(measure_outcome(&outcome, 0).shortfall, Some(dec("0.1")));
}

#[test]
fn lines_without_a_customer_belong_to_no_key_and_are_reported() {
    let policy = shape("current_entitlements");
    let usage = [
        ent("A", EMS, "1000", "2017-11-30"),
        used(None, EMS, "active_entitlements", "5000", "2017-12-01"),
        ent(" ", EMS, "5000", "2017-12-01"),
    ];
    let outcome = evaluate(&policy, "2017-12-31", &record("P-1", "MS-100", &usage));
    assert_eq!(value(&policy, &outcome, "entitlements"), dec("1000"));
    assert_eq!(outcome.measures[0].without_customer.len(), 2);
}

#[test]
fn per_customer_only_takes_the_latest_reading_across_products() {
    let text =
        shape_text("current_entitlements").replace("per customer and product", "per customer");
    let policy = rubric::load_policy(&text).unwrap();
    let usage = [
        ent("A", EMS, "100", "2017-10-01"),
        ent("A", "Intune", "50", "2017-11-01"),
    ];
    let outcome = evaluate(&policy, "2017-12-31", &record("P-1", "MS-100", &usage));
    assert_eq!(value(&policy, &outcome, "entitlements"), dec("50"));
}

#[test]
fn current_entitlements_meet_and_miss_their_tiers_on_both_paths() {
    let policy = shape("current_entitlements");
    let records = [
        // Gold: 1,500 + 500 current; the monthly reports sum to far more.
        record(
            "gold",
            "MS-100",
            &[
                ent("A", EMS, "1400", "2017-10-31"),
                ent("A", EMS, "1500", "2017-11-30"),
                ent("B", "Intune", "500", "2017-11-30"),
            ],
        ),
        // Silver only: 1,999 now, although 4,000 were reported in all.
        record(
            "silver",
            "MS-100",
            &[
                ent("A", EMS, "2001", "2017-06-30"),
                ent("A", EMS, "1999", "2017-12-31"),
            ],
        ),
        // Nothing: the only reading is a day outside the window.
        record("none", "MS-100", &[ent("A", EMS, "5000", "2016-12-31")]),
    ];
    let tiers: Vec<Option<&str>> = records
        .iter()
        .map(|r| tier(&policy, &evaluate(&policy, "2017-12-31", r)))
        .collect();
    assert_eq!(tiers, [Some("gold"), Some("silver"), None]);
    assert_batch_agrees("current_entitlements", &policy, "2017-12-31", &records);
}

// ---------------------------------------------------------------------------
// largest total ... per product
// ---------------------------------------------------------------------------

fn users(customer: &str, product: &str, quantity: &str, date: &str) -> Value {
    used(Some(customer), product, "active_users", quantity, date)
}

#[test]
fn the_largest_product_total_counts_not_the_sum_of_workloads() {
    let policy = shape("workload_users");
    // Exchange: 1,000 + 500 = 1,500 over two customers; SharePoint 1,800.
    let usage = [
        users("A", "Exchange Online", "1000", "2017-12-15"),
        users("B", "Exchange Online", "500", "2017-12-20"),
        users("A", "SharePoint Online", "1800", "2017-12-31"),
    ];
    let outcome = evaluate(&policy, "2017-12-31", &record("P-1", "MS-300", &usage));
    assert_eq!(value(&policy, &outcome, "workload"), dec("1800"));
    assert_eq!(tier(&policy, &outcome), Some("silver"));
    let keys: Vec<(String, Decimal)> = outcome.measures[0]
        .keys
        .iter()
        .map(|k| (k.describe(), k.value))
        .collect();
    assert_eq!(
        keys,
        [
            ("product Exchange Online".to_owned(), dec("1500")),
            ("product SharePoint Online".to_owned(), dec("1800")),
        ]
    );
    // Gold misses by what the largest workload lacks, not the sum's.
    assert_eq!(measure_outcome(&outcome, 1).shortfall, Some(dec("200")));
}

#[test]
fn the_one_month_window_starts_the_day_after_the_same_day_a_month_before() {
    let policy = shape("workload_users");
    let at = |date: &str| {
        let usage = [users("A", "Microsoft Teams", "2000", date)];
        let outcome = evaluate(&policy, "2017-12-31", &record("P-1", "MS-300", &usage));
        value(&policy, &outcome, "workload")
    };
    assert_eq!(at("2017-11-30"), dec("0"));
    assert_eq!(at("2017-12-01"), dec("2000"));
    assert_eq!(at("2017-12-31"), dec("2000"));
    assert_eq!(at("2018-01-01"), dec("0"));
}

#[test]
fn no_lines_make_a_largest_of_zero() {
    let policy = shape("workload_users");
    let outcome = evaluate(&policy, "2017-12-31", &record("P-1", "MS-300", &[]));
    assert_eq!(value(&policy, &outcome, "workload"), dec("0"));
    assert!(outcome.measures[0].keys.is_empty());
}

#[test]
fn largest_latest_per_product_takes_the_busiest_current_count() {
    let text = shape_text("workload_users").replace(
        "largest total active_users per product",
        "largest latest active_users per product",
    );
    assert_eq!(codes(&text), Vec::<String>::new());
    let policy = rubric::load_policy(&text).unwrap();
    let usage = [
        users("A", "Exchange Online", "1000", "2017-12-15"),
        users("A", "Exchange Online", "900", "2017-12-20"),
        users("A", "SharePoint Online", "800", "2017-12-31"),
    ];
    let outcome = evaluate(&policy, "2017-12-31", &record("P-1", "MS-300", &usage));
    assert_eq!(value(&policy, &outcome, "workload"), dec("900"));
}

#[test]
fn workload_users_meet_and_miss_their_tiers_on_both_paths() {
    let policy = shape("workload_users");
    let records = [
        record(
            "gold",
            "MS-300",
            &[
                users("A", "Microsoft Teams", "1200", "2017-12-10"),
                users("B", "Microsoft Teams", "800", "2017-12-11"),
            ],
        ),
        // 1,500 and 1,500 on two workloads: silver, never gold.
        record(
            "silver",
            "MS-300",
            &[
                users("A", "Exchange Online", "1500", "2017-12-10"),
                users("A", "SharePoint Online", "1500", "2017-12-10"),
            ],
        ),
        record(
            "none",
            "MS-300",
            &[users("A", "Exchange Online", "999", "2017-12-10")],
        ),
    ];
    let tiers: Vec<Option<&str>> = records
        .iter()
        .map(|r| tier(&policy, &evaluate(&policy, "2017-12-31", r)))
        .collect();
    assert_eq!(tiers, [Some("gold"), Some("silver"), None]);
    assert_batch_agrees("workload_users", &policy, "2017-12-31", &records);
}

// ---------------------------------------------------------------------------
// in every month
// ---------------------------------------------------------------------------

fn sold(quantity: &str, date: &str) -> Value {
    used(Some("C"), "Surface Hub", "devices_sold", quantity, date)
}

/// Four devices at each month's end, as of 2017-12-31: July to December.
fn four_a_month() -> Vec<Value> {
    [
        "2017-07-31",
        "2017-08-31",
        "2017-09-30",
        "2017-10-31",
        "2017-11-30",
        "2017-12-31",
    ]
    .iter()
    .map(|date| sold("4", date))
    .collect()
}

#[test]
fn every_month_at_the_threshold_meets_it() {
    let policy = shape("every_month");
    let outcome = evaluate(&policy, "2017-12-31", &record("P-1", "X", &four_a_month()));
    assert_eq!(tier(&policy, &outcome), Some("gold"));
    let gold = measure_outcome(&outcome, 1);
    let months: Vec<(NaiveDate, NaiveDate, Decimal)> = gold
        .months
        .iter()
        .map(|m| (m.first, m.last, m.value))
        .collect();
    assert_eq!(months.len(), 6);
    assert_eq!(months[0], (d("2017-07-01"), d("2017-07-31"), dec("4")));
    assert_eq!(months[5], (d("2017-12-01"), d("2017-12-31"), dec("4")));
}

#[test]
fn a_month_with_no_line_is_zero_and_fails() {
    let policy = shape("every_month");
    // Twenty-four devices, an average of 4, but none in September.
    let mut usage = four_a_month();
    usage[2] = sold("0", "2017-09-30");
    usage[3] = sold("8", "2017-10-31");
    let outcome = evaluate(&policy, "2017-12-31", &record("P-1", "X", &usage));
    assert_eq!(tier(&policy, &outcome), Some("silver"));
    let gold = measure_outcome(&outcome, 1);
    assert!(!gold.met);
    assert_eq!(gold.actual, dec("0"));
    assert_eq!(gold.shortfall, Some(dec("4")));
    assert_eq!(gold.months[2].first, d("2017-09-01"));
    // The line gone altogether: the month is still there, at zero.
    usage.remove(2);
    let outcome = evaluate(&policy, "2017-12-31", &record("P-1", "X", &usage));
    let gold = measure_outcome(&outcome, 1);
    assert_eq!(gold.months.len(), 6);
    assert_eq!(gold.months[2].value, dec("0"));
}

#[test]
fn a_line_belongs_to_the_month_of_the_window_it_falls_in() {
    let policy = shape("every_month");
    let months_of = |usage: &[Value], as_of: &str| -> Vec<Decimal> {
        let outcome = evaluate(&policy, as_of, &record("P-1", "X", usage));
        measure_outcome(&outcome, 1)
            .months
            .iter()
            .map(|m| m.value)
            .collect()
    };
    // As of 2017-12-31: 2017-07-31 is the first month's last day,
    // 2017-08-01 the second's first; 2017-06-30 is outside the window.
    let usage = [
        sold("1", "2017-06-30"),
        sold("2", "2017-07-31"),
        sold("3", "2017-08-01"),
    ];
    assert_eq!(
        months_of(&usage, "2017-12-31"),
        [dec("2"), dec("3"), dec("0"), dec("0"), dec("0"), dec("0")]
    );
    // As of 2017-12-15 the months run from the 16th to the 15th.
    let usage = [sold("2", "2017-07-16"), sold("3", "2017-08-15")];
    let outcome = evaluate(&policy, "2017-12-15", &record("P-1", "X", &usage));
    let gold = measure_outcome(&outcome, 1);
    assert_eq!(
        (gold.months[0].first, gold.months[0].last),
        (d("2017-06-16"), d("2017-07-15"))
    );
    assert_eq!(
        gold.months.iter().map(|m| m.value).collect::<Vec<_>>(),
        [dec("0"), dec("5"), dec("0"), dec("0"), dec("0"), dec("0")]
    );
}

#[test]
fn months_of_a_window_ending_on_the_31st_follow_shorter_months() {
    let policy = shape("every_month");
    let outcome = evaluate(&policy, "2017-03-31", &record("P-1", "X", &[]));
    let spans: Vec<(NaiveDate, NaiveDate)> = measure_outcome(&outcome, 1)
        .months
        .iter()
        .map(|m| (m.first, m.last))
        .collect();
    assert_eq!(
        spans,
        [
            (d("2016-10-01"), d("2016-10-31")),
            (d("2016-11-01"), d("2016-11-30")),
            (d("2016-12-01"), d("2016-12-31")),
            (d("2017-01-01"), d("2017-01-31")),
            (d("2017-02-01"), d("2017-02-28")),
            (d("2017-03-01"), d("2017-03-31")),
        ]
    );
}

#[test]
fn month_sums_are_exact_decimals() {
    let policy = shape("every_month");
    let mut usage = four_a_month();
    usage[0] = sold("3.5", "2017-07-01");
    usage.push(sold("0.5", "2017-07-31"));
    let outcome = evaluate(&policy, "2017-12-31", &record("P-1", "X", &usage));
    assert_eq!(tier(&policy, &outcome), Some("gold"));
    usage.pop();
    usage.push(sold("0.49", "2017-07-31"));
    let outcome = evaluate(&policy, "2017-12-31", &record("P-1", "X", &usage));
    let gold = measure_outcome(&outcome, 1);
    assert_eq!(gold.shortfall, Some(dec("0.01")));
}

#[test]
fn every_month_meets_and_misses_its_tiers_on_both_paths() {
    let policy = shape("every_month");
    let mut lumpy = four_a_month();
    lumpy[0] = sold("1", "2017-07-31");
    lumpy[1] = sold("7", "2017-08-31");
    let records = [
        record("gold", "X", &four_a_month()),
        record("silver", "X", &lumpy),
        record("none", "X", &[sold("23", "2017-12-01")]),
    ];
    let tiers: Vec<Option<&str>> = records
        .iter()
        .map(|r| tier(&policy, &evaluate(&policy, "2017-12-31", r)))
        .collect();
    assert_eq!(tiers, [Some("gold"), Some("silver"), None]);
    assert_batch_agrees("every_month", &policy, "2017-12-31", &records);
}

#[test]
fn revenue_can_be_required_in_every_month_too() {
    let text = r#"competency r "R" {
  version "2018-01"
  effective 2018-01-01
  currency USD
  tiers silver
  revenue crm = net_new from "CRM Online" over trailing 2 months
  option main {
    tier silver {
      require crm in every month >= 100.50 USD
    }
  }
}"#;
    assert_eq!(codes(text), Vec::<String>::new());
    let policy = rubric::load_policy(text).unwrap();
    let line = |amount: &str, date: &str| {
        json!({ "customer": "C", "product": "CRM Online", "type": "net_new",
                "amount": amount, "currency": "USD", "date": date })
    };
    let text =
        |revenue: &[Value]| json!({ "id": "P", "market": "x", "revenue": revenue }).to_string();
    let met = text(&[line("100.50", "2017-11-01"), line("100.50", "2017-12-31")]);
    let outcome = evaluate(&policy, "2017-12-31", &met);
    assert_eq!(tier(&policy, &outcome), Some("silver"));
    let short = text(&[line("100.49", "2017-11-30"), line("500", "2017-12-01")]);
    let outcome = evaluate(&policy, "2017-12-31", &short);
    assert_eq!(tier(&policy, &outcome), None);
    assert_eq!(measure_outcome(&outcome, 0).shortfall, Some(dec("0.01")));
}

// ---------------------------------------------------------------------------
// Reports
// ---------------------------------------------------------------------------

/// `rubric eval` of one record in `format` at `detail`, stdout.
fn report(stem: &str, as_of: &str, text: &str, format: &str, detail: &str) -> String {
    let data = temp_file(&format!("{stem}-{format}-{detail}.json"), text);
    let out = rubric(&[
        "eval",
        &format!("{ROOT}/tests/shapes/{stem}.policy"),
        data.to_str().unwrap(),
        "--as-of",
        as_of,
        "--format",
        format,
        "--detail",
        detail,
        "--color",
        "never",
    ]);
    String::from_utf8(out.stdout)
        .unwrap()
        .replace(data.to_str().unwrap(), "DATA")
}

#[test]
fn reports_show_each_key_and_each_month() {
    let entitlements = record(
        "P-1",
        "MS-100",
        &[
            ent("Contoso", EMS, "600", "2017-10-31"),
            ent("Contoso", EMS, "700", "2017-11-30"),
            ent("Fabrikam", "Intune", "250", "2017-11-30"),
            used(None, EMS, "active_entitlements", "40", "2017-12-01"),
        ],
    );
    insta::assert_snapshot!(
        "current_entitlements_human",
        report(
            "current_entitlements",
            "2017-12-31",
            &entitlements,
            "human",
            "evidence"
        )
    );
    let workload = record(
        "P-1",
        "MS-300",
        &[
            users("A", "Exchange Online", "1000", "2017-12-15"),
            users("B", "Exchange Online", "500", "2017-12-20"),
            users("A", "SharePoint Online", "1800", "2017-12-31"),
        ],
    );
    insta::assert_snapshot!(
        "workload_users_human",
        report(
            "workload_users",
            "2017-12-31",
            &workload,
            "human",
            "evidence"
        )
    );
    let mut usage = four_a_month();
    usage[2] = sold("1", "2017-09-30");
    usage.remove(4);
    let months = record("P-1", "X", &usage);
    insta::assert_snapshot!(
        "every_month_human",
        report("every_month", "2017-12-31", &months, "human", "evidence")
    );
}

#[test]
fn json_keeps_keys_months_and_each_short_month() {
    let workload = record(
        "P-1",
        "MS-300",
        &[
            users("A", "Exchange Online", "1000", "2017-12-15"),
            users("A", "SharePoint Online", "1800", "2017-12-31"),
        ],
    );
    let out = report(
        "workload_users",
        "2017-12-31",
        &workload,
        "jsonl",
        "evidence",
    );
    let line: Value = serde_json::from_str(out.lines().nth(1).unwrap()).unwrap();
    let measure = &line["options"][0]["tiers"][1]["requirements"][0];
    assert_eq!(
        measure["keys"],
        json!([
            { "product": "Exchange Online", "value": "1000", "lines": [0] },
            { "product": "SharePoint Online", "value": "1800", "largest": true, "lines": [1] },
        ])
    );
    let mut usage = four_a_month();
    usage[2] = sold("1", "2017-09-30");
    let months = record("P-1", "X", &usage);
    // Both JSON writers: the evidence one (serde) and the batch one
    // (written straight, at the requirements level) say the same.
    for detail in ["evidence", "requirements"] {
        let out = report("every_month", "2017-12-31", &months, "jsonl", detail);
        let line: Value = serde_json::from_str(out.lines().nth(1).unwrap()).unwrap();
        let gold = &line["options"][0]["tiers"][1]["requirements"][1];
        assert_eq!(gold["every_month"], json!(true), "{detail}");
        assert_eq!(gold["actual"], json!("1"), "{detail}");
        assert_eq!(gold["shortfall"], json!("3"), "{detail}");
        assert_eq!(
            gold["months"][2],
            json!({ "from": "2017-09-01", "to": "2017-09-30", "actual": "1", "shortfall": "3" }),
            "{detail}"
        );
        assert_eq!(gold["months"][3]["shortfall"], json!("0"), "{detail}");
    }
}

// ---------------------------------------------------------------------------
// Checker
// ---------------------------------------------------------------------------

/// A policy with one usage measure and one requirement on it.
fn with(usage: &str, requirement: &str) -> String {
    format!(
        r#"competency c "C" {{
  version "2018-01"
  effective 2018-01-01
  tiers silver
  {usage}
  measure customers = distinct customers of entitlements
  option main {{
    tier silver {{
      {requirement}
    }}
  }}
}}"#
    )
}

const LATEST: &str = r#"usage entitlements = latest active_entitlements per customer and product from "EMS" over trailing 12 months"#;

#[test]
fn keys_must_be_known_and_named_once() {
    let unknown = LATEST.replace("and product", "and seat");
    assert_eq!(
        codes(&with(&unknown, "require entitlements >= 1")),
        ["E0321"]
    );
    let twice = LATEST.replace("and product", "and customer");
    assert_eq!(codes(&with(&twice, "require entitlements >= 1")), ["E0321"]);
    let comma = LATEST.replace(" and product", ", product, month");
    assert_eq!(
        codes(&with(&comma, "require entitlements >= 1")),
        Vec::<String>::new()
    );
}

#[test]
fn latest_and_largest_need_keys() {
    let latest = LATEST.replace(" per customer and product", "");
    assert_eq!(
        codes(&with(&latest, "require entitlements >= 1")),
        ["E0322"]
    );
    let largest =
        r#"usage entitlements = largest total active_users from "EMS" over trailing 1 months"#;
    assert_eq!(
        codes(&with(largest, "require entitlements >= 1")),
        ["E0322"]
    );
    // `max` without keys keeps its meaning: the largest reading.
    let max = r#"usage entitlements = max active_users from "EMS" over trailing 1 months"#;
    assert_eq!(
        codes(&with(max, "require entitlements >= 1")),
        Vec::<String>::new()
    );
}

#[test]
fn keys_that_change_nothing_are_refused() {
    let sum = r#"usage entitlements = sum seats per customer from "EMS" over trailing 1 months"#;
    assert_eq!(codes(&with(sum, "require entitlements >= 1")), ["E0323"]);
    let bare = r#"usage entitlements = seats per product from "EMS" over trailing 1 months"#;
    assert_eq!(codes(&with(bare, "require entitlements >= 1")), ["E0323"]);
    let largest_max =
        r#"usage entitlements = largest max seats per product from "EMS" over trailing 1 months"#;
    assert_eq!(
        codes(&with(largest_max, "require entitlements >= 1")),
        ["E0323"]
    );
    // Each key's largest reading, added up, is something else.
    let max_per_key =
        r#"usage entitlements = max seats per customer from "EMS" over trailing 1 months"#;
    assert_eq!(
        codes(&with(max_per_key, "require entitlements >= 1")),
        Vec::<String>::new()
    );
}

#[test]
fn every_month_cannot_go_with_per_month_nor_on_customers() {
    let sum = r#"usage entitlements = seats from "EMS" over trailing 6 months"#;
    assert_eq!(
        codes(&with(
            sum,
            "require entitlements per month in every month >= 1"
        )),
        ["E0324"]
    );
    assert_eq!(
        codes(&with(sum, "require customers in every month >= 1")),
        ["E0324"]
    );
    assert_eq!(
        codes(&with(sum, "require entitlements in every month > 0")),
        Vec::<String>::new()
    );
}

#[test]
fn per_month_of_a_current_count_or_a_largest_key_is_refused() {
    assert_eq!(
        codes(&with(LATEST, "require entitlements per month >= 1")),
        ["E0325"]
    );
    let largest =
        r#"usage entitlements = largest total seats per product from "EMS" over trailing 6 months"#;
    assert_eq!(
        codes(&with(largest, "require entitlements per month >= 1")),
        ["E0325"]
    );
    // `in every month` of a current count is the count within each month.
    assert_eq!(
        codes(&with(LATEST, "require entitlements in every month >= 1")),
        Vec::<String>::new()
    );
}

// ---------------------------------------------------------------------------
// Tier order, formatting, diff, the requirements page
// ---------------------------------------------------------------------------

#[test]
fn every_month_proves_a_monthly_average_but_not_the_other_way() {
    // The shape itself: gold in every month, silver per month, proven.
    shape("every_month");
    let swapped = shape_text("every_month")
        .replace("require units per month >= 4", "require units TMP >= 4")
        .replace(
            "require units in every month >= 4",
            "require units per month >= 4",
        )
        .replace(
            "require units TMP >= 4",
            "require units in every month >= 4",
        );
    // Gold (an average) can be met without silver (each month): 24 units in
    // one month, found and confirmed by evaluation.
    assert_eq!(codes(&swapped), ["W0100"]);
}

#[test]
fn fmt_keeps_largest_total_keys_and_every_month() {
    let source = r#"competency c "C" {
  version "2018-01"
  effective 2018-01-01
  tiers silver
  usage a = largest active_users per product from "X" over trailing 1 months
  usage b = largest   total active_users per product , customer from "X" over trailing 1 months
  usage c = latest active_entitlements per customer and product and month from "Enterprise Mobility + Security", "Intune", "Azure Information Protection" over trailing 12 months
  option main {
    tier silver {
      require a   in  every   month >= 4
      require b >= 1
      require c >= 1
    }
  }
}
"#;
    let formatted = rubric::format::format(source).unwrap();
    insta::assert_snapshot!("fmt_aggregation", formatted);
    assert_eq!(
        rubric::format::format(&formatted).unwrap(),
        formatted,
        "idempotent"
    );
    let before = rubric::load_policy(source).unwrap();
    let after = rubric::load_policy(&formatted).unwrap();
    assert_eq!(before.measures.len(), 3);
    for (a, b) in before.measures.iter().zip(&after.measures) {
        assert_eq!(a.kind, b.kind);
    }
    let every_month = |p: &Policy| match &p.options[0].tiers[0].requirements[0] {
        rubric::model::Requirement::Measure(m) => m.every_month,
        _ => false,
    };
    assert!(every_month(&before) && every_month(&after));
}

#[test]
fn diff_reports_keys_combination_and_every_month() {
    let old = shape_text("current_entitlements");
    let new = old.replace("per customer and product", "per customer");
    let out = diff(&old, &new);
    assert!(out.contains("keys"), "{out}");
    assert!(out.contains("customer and product"), "{out}");
    let old = shape_text("workload_users");
    let new = old.replace("largest total active_users", "latest active_users");
    let out = diff(&old, &new);
    assert!(out.contains("largest key's value"), "{out}");
    assert!(out.contains("latest"), "{out}");
    let old = shape_text("every_month");
    let new = old.replace("units in every month", "units");
    let out = diff(&old, &new);
    assert!(out.contains("in every month"), "{out}");
    assert!(out.contains("over the whole window"), "{out}");
}

/// `rubric diff OLD NEW` in words.
fn diff(old: &str, new: &str) -> String {
    let a = temp_file("old.policy", old);
    let b = temp_file("new.policy", new);
    let out = rubric(&[
        "diff",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--color",
        "never",
    ]);
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_requirements_page_phrases_each_construct() {
    use rubric::doc::{Format, Language, Options, render};
    for stem in ["current_entitlements", "workload_users", "every_month"] {
        let policy = shape(stem);
        for language in Language::ALL {
            let options = Options {
                language,
                format: Format::Markdown,
            };
            let text = render(&policy, &options, None).unwrap();
            insta::assert_snapshot!(format!("doc_{stem}.{}.md", language.tag()), text);
        }
    }
}

#[test]
fn an_active_count_summed_over_several_months_is_flagged() {
    let policy = |usage: &str| {
        format!(
            r#"competency c "C" {{
  version "2018-01"
  effective 2018-01-01
  tiers silver
  usage a = {usage}
  option main {{
    tier silver {{
      require a >= 1
    }}
  }}
}}"#
        )
    };
    let flagged = [
        r#"active_entitlements from "EMS" over trailing 12 months"#,
        r#"sum Active_Users from "EMS" over trailing 2 months"#,
        r#"active_users from "EMS" over last complete calendar year"#,
    ];
    for usage in flagged {
        assert_eq!(codes(&policy(usage)), ["W0119"], "{usage}");
    }
    let quiet = [
        // One month holds one report per customer.
        r#"active_users from "EMS" over trailing 1 months"#,
        r#"latest active_users per customer from "EMS" over trailing 12 months"#,
        r#"max active_users from "EMS" over trailing 12 months"#,
        r#"largest total active_users per product from "EMS" over trailing 12 months"#,
        // Not named as a current count.
        r#"deployed_seats from "EMS" over trailing 12 months"#,
        r#"inactive_users from "EMS" over trailing 12 months"#,
    ];
    for usage in quiet {
        assert_eq!(codes(&policy(usage)), Vec::<String>::new(), "{usage}");
    }
    // Averaged a month, or taken month by month, the sum of monthly reports
    // is what is meant: "an average of 4 active users a month".
    let summed = policy(r#"active_users from "EMS" over trailing 3 months"#);
    for read in ["a per month >= 1", "a in every month >= 1"] {
        let text = summed.replace("a >= 1", read);
        assert_eq!(codes(&text), Vec::<String>::new(), "{read}");
    }
    let either = summed.replace(
        "require a >= 1",
        "require either { require a per month >= 1 } or { require a >= 3 }",
    );
    assert_eq!(codes(&either), ["W0119"]);
}

#[test]
fn timelines_agree_with_evaluation_on_every_day() {
    let cases = [
        (
            "current_entitlements",
            record(
                "P-1",
                "MS-100",
                &[
                    ent("A", EMS, "1500", "2017-03-31"),
                    ent("A", EMS, "900", "2017-09-30"),
                    ent("B", "Intune", "600", "2017-11-30"),
                    ent("B", "Intune", "600", "2017-11-30"),
                ],
            ),
        ),
        (
            "workload_users",
            record(
                "P-1",
                "MS-300",
                &[
                    users("A", "Exchange Online", "1200", "2017-10-31"),
                    users("B", "Exchange Online", "900", "2017-11-15"),
                    users("A", "SharePoint Online", "1900", "2017-11-20"),
                ],
            ),
        ),
        (
            "every_month",
            record(
                "P-1",
                "X",
                &[
                    sold("4", "2017-05-31"),
                    sold("5", "2017-06-15"),
                    sold("4", "2017-07-31"),
                    sold("4", "2017-08-20"),
                    sold("6", "2017-09-02"),
                    sold("4", "2017-10-31"),
                    sold("4", "2017-11-11"),
                    sold("4", "2017-12-24"),
                ],
            ),
        ),
    ];
    for (stem, text) in cases {
        let policy = shape(stem);
        let record = read::whole_text("case.json", text)
            .into_iter()
            .next()
            .unwrap()
            .unwrap();
        let partner = Partner::parse(&record).unwrap();
        let (from, to) = (d("2017-03-01"), d("2018-07-31"));
        let timeline = rubric::timeline::Planner::new(&policy)
            .timeline(&partner, from, to)
            .unwrap();
        let mut day = from;
        let mut changes = 0;
        let mut previous = None;
        while day <= to {
            let careful = Evaluator::new(&policy, day)
                .evaluate_at(&partner, Detail::Tier)
                .unwrap()
                .tier;
            assert_eq!(timeline.tier_on(day), careful, "{stem} on {day}");
            if previous.is_some_and(|p| p != careful) {
                changes += 1;
            }
            previous = Some(careful);
            day = day.succ_opt().unwrap();
        }
        assert!(changes >= 2, "{stem}: the case moves between tiers");
    }
}
