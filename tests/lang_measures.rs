//! Measures, round two (issue 11): several revenue types pooled in one
//! measure, and fixed periods (the last complete calendar or fiscal year)
//! next to trailing windows.
//!
//! Every boundary is pinned: the first and last day of a period, the day
//! before and after, exact decimal sums at the threshold and a cent below,
//! credits, leap days. The fast path (`Evaluator::fold`) and the timeline
//! are checked against careful evaluation on the same cases.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use chrono::Days;
use common::lang::{codes, date as d, dec, evaluate_at, shape_text};
use miette::Diagnostic as _;
use rubric::data::{Partner, read};
use rubric::eval::fold::Scratch;
use rubric::eval::{Detail, Evaluator, PartnerOutcome};
use rubric::model::Policy;
use rubric::timeline::Planner;
use rust_decimal::Decimal;
use serde_json::{Value, json};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Loads `tests/shapes/<name>.policy`, which must check without errors or
/// warnings other than the missing version and effective date.
fn shape(name: &str) -> Policy {
    policy(&shape_text(name))
}

fn policy(text: &str) -> Policy {
    let checked = rubric::check_source(text);
    let codes = codes(text);
    assert!(
        codes.iter().all(|c| c == "W0108" || c == "W0109"),
        "{codes:?}"
    );
    checked.policy.expect("the policy checks")
}

/// A revenue line in USD.
fn line(kind: &str, product: &str, amount: &str, date: &str) -> Value {
    json!({
        "customer": "Contoso",
        "product": product,
        "type": kind,
        "amount": amount,
        "currency": "USD",
        "date": date,
    })
}

fn record(revenue: &[Value]) -> String {
    json!({ "id": "P-1", "market": "developed", "revenue": revenue }).to_string()
}

/// The partner evaluated the careful way, with evidence, and checked
/// against the fast path: same measure values and same tier.
fn evaluate<'p>(policy: &'p Policy, as_of: &str, revenue: &[Value]) -> PartnerOutcome<'p> {
    let text = record(revenue);
    let evaluator = Evaluator::new(policy, d(as_of));
    let outcome = evaluate_at(policy, as_of, &text);
    let mut scratch = Scratch::default();
    evaluator
        .fold(&text, &mut scratch)
        .expect("the fast path decides");
    let totals: Vec<Decimal> = outcome.measures.iter().map(|m| m.total).collect();
    assert_eq!(
        scratch.facts().totals,
        totals,
        "fast path totals, as of {as_of}"
    );
    assert_eq!(
        evaluator.tier(scratch.facts()),
        outcome.tier,
        "fast path tier"
    );
    outcome
}

fn tier<'p>(policy: &'p Policy, outcome: &PartnerOutcome<'_>) -> Option<&'p str> {
    outcome.tier.map(|t| policy.tiers[t.0].id.as_str())
}

// ---------------------------------------------------------------------------
// Several types in one measure
// ---------------------------------------------------------------------------

#[test]
fn pooled_types_sum_every_listed_type_exactly_and_no_other() {
    let policy = shape("annual_license_revenue");
    let lines = [
        line("net_new", "Dynamics 365", "10000.10", "2017-01-15"),
        line("Renewal", "Dynamics AX", "20000.20", "2017-02-15"),
        line(" license ", "Dynamics 365", "19999.70", "2017-03-15"),
        // Another type: not pooled.
        line("support", "Dynamics 365", "1000", "2017-03-15"),
    ];
    let outcome = evaluate(&policy, "2017-06-30", &lines);
    assert_eq!(outcome.measures[0].total, dec("50000.00"));
    assert_eq!(outcome.measures[0].counted, vec![0, 1, 2]);
    assert_eq!(
        outcome.measures[0].excluded[0], 1,
        "one line of another type"
    );
    assert_eq!(tier(&policy, &outcome), Some("silver"));

    // A cent below the threshold misses it.
    let mut short = lines.to_vec();
    short[2] = line("license", "Dynamics 365", "19999.69", "2017-03-15");
    let outcome = evaluate(&policy, "2017-06-30", &short);
    assert_eq!(outcome.measures[0].total, dec("49999.99"));
    assert_eq!(tier(&policy, &outcome), None);
}

#[test]
fn a_credit_of_any_pooled_type_lowers_the_sum_and_a_line_counts_once() {
    let policy = shape("annual_license_revenue");
    let lines = [
        line("net_new", "Dynamics 365", "50000", "2017-01-15"),
        line("renewal", "Dynamics 365", "-0.01", "2017-02-15"),
    ];
    let outcome = evaluate(&policy, "2017-06-30", &lines);
    assert_eq!(outcome.measures[0].total, dec("49999.99"));
    assert_eq!(tier(&policy, &outcome), None);
    // A zero line counts (it is a line of the measure) and adds nothing.
    let lines = [
        line("net_new", "Dynamics 365", "50000", "2017-01-15"),
        line("license", "Dynamics 365", "0", "2017-02-15"),
    ];
    let outcome = evaluate(&policy, "2017-06-30", &lines);
    assert_eq!(outcome.measures[0].total, dec("50000"));
    assert_eq!(outcome.measures[0].counted.len(), 2);
}

#[test]
fn a_type_listed_twice_is_w0110_and_pools_nothing_more() {
    let text = r#"competency c {
  currency USD
  tiers silver
  revenue r = net_new, Net_New from "P" over trailing 12 months
  option main { tier silver { require r >= 100 USD } }
}"#;
    assert_eq!(codes(text), ["W0108", "W0109", "W0110"]);
    let policy = rubric::check_source(text).policy.unwrap();
    let outcome = evaluate(
        &policy,
        "2017-06-30",
        &[line("net_new", "P", "100", "2017-06-30")],
    );
    assert_eq!(outcome.measures[0].total, dec("100"));
}

#[test]
fn pooled_types_and_periods_format_and_reparse_to_the_same_measures() {
    for name in ["annual_license_revenue", "calendar_year_revenue"] {
        let text = std::fs::read_to_string(format!("{ROOT}/tests/shapes/{name}.policy")).unwrap();
        assert_eq!(
            rubric::format::format(&text).unwrap(),
            text,
            "{name} is in canonical layout"
        );
        // Squashed onto one line, it formats back to the same measures.
        let squashed = text
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(" ");
        let again = rubric::format::format(&squashed).unwrap();
        assert_eq!(rubric::format::format(&again).unwrap(), again);
        let meaning = |p: &Policy| {
            p.measures
                .iter()
                .map(|m| (m.kind.clone(), m.period, m.window_months))
                .collect::<Vec<_>>()
        };
        assert_eq!(meaning(&policy(&again)), meaning(&shape(name)));
    }
}

// ---------------------------------------------------------------------------
// Fixed periods
// ---------------------------------------------------------------------------

/// The total of one line of 100 USD dated `date`, as of `as_of`, under the
/// annual licence shape (fiscal year ending 30 June).
fn fiscal_total(as_of: &str, date: &str) -> Decimal {
    let policy = shape("annual_license_revenue");
    let outcome = evaluate(
        &policy,
        as_of,
        &[line("license", "Dynamics AX", "100", date)],
    );
    outcome.measures[0].total
}

#[test]
fn the_last_complete_fiscal_year_includes_its_first_and_last_day_only() {
    // As of its last day, the year just ended counts: 2016-07-01..2017-06-30.
    let as_of = "2017-06-30";
    assert_eq!(fiscal_total(as_of, "2016-06-30"), Decimal::ZERO);
    assert_eq!(fiscal_total(as_of, "2016-07-01"), dec("100"));
    assert_eq!(fiscal_total(as_of, "2017-06-30"), dec("100"));
    assert_eq!(fiscal_total(as_of, "2017-07-01"), Decimal::ZERO);
    // A day earlier, that year is not complete: the one before counts.
    let as_of = "2017-06-29";
    assert_eq!(fiscal_total(as_of, "2015-06-30"), Decimal::ZERO);
    assert_eq!(fiscal_total(as_of, "2015-07-01"), dec("100"));
    assert_eq!(fiscal_total(as_of, "2016-06-30"), dec("100"));
    assert_eq!(fiscal_total(as_of, "2016-07-01"), Decimal::ZERO);
    assert_eq!(fiscal_total(as_of, "2017-06-29"), Decimal::ZERO);
    // Until the next 30 June, still the year that ended on 30 June 2017.
    assert_eq!(fiscal_total("2018-06-29", "2017-06-30"), dec("100"));
    assert_eq!(fiscal_total("2018-06-29", "2016-07-01"), dec("100"));
    assert_eq!(fiscal_total("2018-06-29", "2017-07-01"), Decimal::ZERO);
    assert_eq!(fiscal_total("2018-06-30", "2017-06-30"), Decimal::ZERO);
    assert_eq!(fiscal_total("2018-06-30", "2017-07-01"), dec("100"));
}

#[test]
fn the_last_complete_calendar_year_turns_over_on_31_december() {
    let policy = shape("calendar_year_revenue");
    let total = |as_of: &str, date: &str| {
        evaluate(
            &policy,
            as_of,
            &[line("license", "Exchange Server", "10000", date)],
        )
        .measures[0]
            .total
    };
    assert_eq!(total("2017-12-31", "2017-01-01"), dec("10000"));
    assert_eq!(total("2017-12-31", "2017-12-31"), dec("10000"));
    assert_eq!(total("2017-12-31", "2016-12-31"), Decimal::ZERO);
    assert_eq!(total("2017-12-30", "2017-01-01"), Decimal::ZERO);
    assert_eq!(total("2017-12-30", "2016-01-01"), dec("10000"));
    assert_eq!(total("2017-12-30", "2016-12-31"), dec("10000"));
    assert_eq!(total("2017-12-30", "2015-12-31"), Decimal::ZERO);
    assert_eq!(total("2018-01-01", "2017-12-31"), dec("10000"));
}

#[test]
fn a_year_ending_28_february_gives_29_february_to_the_next_year() {
    let text = r#"competency c {
  currency USD
  tiers silver
  revenue r = license from "P" over last complete fiscal year ending 02-28
  option main { tier silver { require r >= 100 USD } }
}"#;
    let policy = policy(text);
    let total = |as_of: &str, date: &str| {
        evaluate(&policy, as_of, &[line("license", "P", "100", date)]).measures[0].total
    };
    // The year ending 2016-02-28 runs from 2015-03-01.
    assert_eq!(total("2016-02-29", "2015-03-01"), dec("100"));
    assert_eq!(total("2016-02-29", "2015-02-28"), Decimal::ZERO);
    assert_eq!(total("2016-02-29", "2016-02-28"), dec("100"));
    assert_eq!(total("2016-02-29", "2016-02-29"), Decimal::ZERO);
    // 29 February 2016 belongs to the year ending 2017-02-28.
    assert_eq!(total("2017-02-28", "2016-02-29"), dec("100"));
    assert_eq!(total("2017-02-28", "2016-02-28"), Decimal::ZERO);
    assert_eq!(total("2017-02-28", "2017-02-28"), dec("100"));
}

#[test]
fn per_month_over_a_year_divides_by_twelve() {
    let text = r#"competency c {
  tiers silver
  usage seats = deployed_seats from "P" over last complete calendar year
  option main { tier silver { require seats per month >= 4 } }
}"#;
    let policy = policy(text);
    let usage = |quantity: u32| {
        json!({ "id": "P-1", "usage": [
            { "metric": "deployed_seats", "product": "P", "quantity": quantity, "date": "2016-12-31" }
        ] })
        .to_string()
    };
    for (quantity, met) in [(48, true), (47, false)] {
        let record = read::whole_text("x.json", usage(quantity))
            .into_iter()
            .next()
            .unwrap()
            .unwrap();
        let partner = Partner::parse(&record).unwrap();
        let outcome = Evaluator::new(&policy, d("2017-06-30"))
            .evaluate(&partner)
            .unwrap();
        assert_eq!(outcome.tier.is_some(), met, "{quantity} seats in the year");
    }
}

#[test]
fn a_year_end_that_not_every_year_has_is_e0320() {
    for ends in ["02-29", "06-31", "13-01", "00-10", "06-00"] {
        let text = format!(
            r#"competency c {{
  currency USD
  tiers silver
  revenue r = license from "P" over last complete fiscal year ending {ends}
  option main {{ tier silver {{ require r >= 100 USD }} }}
}}"#
        );
        assert_eq!(codes(&text), ["E0320"], "{ends}");
    }
}

#[test]
fn a_year_ending_mid_month_is_w0111_with_the_month_end_before_it() {
    let text = r#"competency c {
  version "1"
  effective 2017-01-01
  currency USD
  tiers silver
  revenue r = license from "P" over last complete fiscal year ending 07-01
  option main { tier silver { require r >= 100 USD } }
}"#;
    let checked = rubric::check_source(text);
    assert_eq!(codes(text), ["W0111"]);
    let help = checked.diagnostics[0]
        .help()
        .map(|h| h.to_string())
        .unwrap_or_default();
    assert!(help.contains("`06-30`"), "{help}");
    for month_end in ["06-30", "02-28", "12-31", "09-30"] {
        let text = text.replace("07-01", month_end);
        assert!(codes(&text).is_empty(), "{month_end}");
    }
}

#[test]
fn a_period_keyword_left_out_is_a_syntax_error_naming_what_is_expected() {
    for (text, expected) in [
        ("over last calendar year", "`complete`"),
        (
            "over last complete year",
            "`calendar year` or `fiscal year`",
        ),
        ("over last complete fiscal year 06-30", "`ending`"),
        (
            "over last complete fiscal year ending June",
            "a month and day such as `06-30`",
        ),
    ] {
        let policy = format!(
            "competency c {{\n  currency USD\n  tiers silver\n  revenue r = license from \"P\" {text}\n  option main {{ tier silver {{ require r >= 1 USD }} }}\n}}"
        );
        let checked = rubric::check_source(&policy);
        let message: Vec<String> = checked.diagnostics.iter().map(|d| d.to_string()).collect();
        assert_eq!(codes(&policy), ["E0100"], "{text}");
        assert!(message[0].contains(expected), "{text}: {}", message[0]);
    }
}

#[test]
fn the_report_says_which_dates_the_period_covered() {
    let policy = shape("annual_license_revenue");
    let evaluator = Evaluator::new(&policy, d("2017-06-29"));
    let text = record(&[line("license", "Dynamics AX", "60000", "2016-06-30")]);
    let record = read::whole_text("case.json", text)
        .into_iter()
        .next()
        .unwrap()
        .unwrap();
    let partner = Partner::parse(&record).unwrap();
    let outcome = evaluator.evaluate(&partner).unwrap();
    let evaluated = rubric::eval::Evaluated::of_partner(&partner, outcome, Detail::Evidence);
    let human = rubric::report::human::partner(&policy, &evaluated);
    assert!(
        human.contains("last complete fiscal year ending 06-30: 2015-07-01 to 2016-06-30"),
        "{human}"
    );
    let json: Value =
        serde_json::to_value(rubric::report::json::evaluated(&policy, &evaluated, None)).unwrap();
    let requirement = &json["options"][0]["tiers"][0]["requirements"][0];
    assert_eq!(
        requirement["period"],
        json!({
            "period": "last complete fiscal year ending 06-30",
            "from": "2015-07-01",
            "to": "2016-06-30",
        })
    );
    // A trailing window adds no period.
    let crm = rubric::load_policy(
        &std::fs::read_to_string(format!("{ROOT}/policies/cloud_crm.policy")).unwrap(),
    )
    .unwrap();
    let evaluated = rubric::eval::Evaluated::of_partner(
        &partner,
        Evaluator::new(&crm, d("2017-06-29"))
            .evaluate(&partner)
            .unwrap(),
        Detail::Evidence,
    );
    let json: Value =
        serde_json::to_value(rubric::report::json::evaluated(&crm, &evaluated, None)).unwrap();
    assert!(
        json["options"][0]["tiers"][0]["requirements"][0]
            .get("period")
            .is_none()
    );
}

#[test]
fn fast_and_careful_paths_agree_on_every_day_around_the_edges() {
    let policy = shape("annual_license_revenue");
    let kinds = ["net_new", "renewal", "license", "support"];
    let start = d("2015-06-25");
    for as_of in ["2016-06-29", "2016-06-30", "2016-07-01", "2017-06-30"] {
        for offset in 0..800u64 {
            let date = start + Days::new(offset);
            let lines: Vec<Value> = kinds
                .iter()
                .enumerate()
                .map(|(i, k)| {
                    line(
                        k,
                        "Dynamics AX",
                        &format!("{}.{i}", 40_000 + offset),
                        &date.to_string(),
                    )
                })
                .collect();
            // `evaluate` asserts that both paths agree.
            evaluate(&policy, as_of, &lines);
        }
    }
}

#[test]
fn the_timeline_agrees_with_eval_on_every_day_across_period_ends() {
    let policy = shape("annual_license_revenue");
    let planner = Planner::new(&policy);
    let text = record(&[
        line("net_new", "Dynamics AX", "30000", "2016-03-01"),
        line("renewal", "Dynamics AX", "20000", "2016-06-30"),
        line("license", "Dynamics AX", "160000", "2017-07-01"),
    ]);
    let record = read::whole_text("case.json", text)
        .into_iter()
        .next()
        .unwrap()
        .unwrap();
    let partner = Partner::parse(&record).unwrap();
    let (from, to) = (d("2016-01-01"), d("2019-12-31"));
    let timeline = planner.timeline(&partner, from, to).unwrap();
    let mut day = from;
    while day <= to {
        let expected = Evaluator::new(&policy, day)
            .evaluate_at(&partner, Detail::Tier)
            .unwrap()
            .tier;
        assert_eq!(timeline.tier_on(day), expected, "{day}");
        day = day.succ_opt().unwrap();
    }
    // Silver from the end of FY2016, gold from the end of FY2018, lost at
    // the end of FY2019.
    let dates: Vec<String> = timeline
        .changes
        .iter()
        .map(|c| c.date.to_string())
        .collect();
    assert_eq!(
        dates,
        ["2016-06-30", "2017-06-30", "2018-06-30", "2019-06-30"]
    );
    for change in &timeline.changes {
        assert!(!change.events.is_empty(), "{change:?}");
    }
}

#[test]
fn the_diff_reports_a_pooled_type_added_and_a_period_changed() {
    let old = r#"competency c {
  version "1"
  effective 2017-01-01
  currency USD
  tiers silver
  revenue r = net_new from "P" over trailing 12 months
  option main { tier silver { require r >= 100 USD } }
}"#;
    let new = old.replace(
        "net_new from \"P\" over trailing 12 months",
        "net_new, renewal from \"P\" over last complete calendar year",
    );
    let a = rubric::load_policy(old).unwrap();
    let b = rubric::load_policy(&new).unwrap();
    let diff = rubric::diff::diff(&a, &b);
    let text = format!("{diff:?}");
    assert!(text.contains("revenue types of measure `r`"), "{text}");
    assert!(
        text.contains("looser unless the lines it now counts include credits"),
        "{text}"
    );
    assert!(text.contains("last complete calendar year"), "{text}");
    assert!(text.contains("trailing 12 months"), "{text}");
}

#[test]
fn the_example_and_the_tier_order_proof_date_lines_inside_the_period() {
    // `rubric example` builds a partner meeting the tier; its lines must
    // fall in the last complete year, not on the as-of date.
    let policy = shape("annual_license_revenue");
    for as_of in ["2017-12-31", "2017-06-30", "2017-06-29"] {
        let example = rubric::example::synthesize(
            &policy,
            &rubric::example::Request {
                option: None,
                tier: "gold",
                market: None,
                just_below: None,
                as_of: d(as_of),
            },
        )
        .unwrap();
        assert_eq!(example.reached.as_deref(), Some("gold"), "as of {as_of}");
    }
    // A gold tier on another measure than silver's: the proof that gold is
    // easier builds a partner, and confirms it only if its lines count.
    let text = r#"competency c {
  version "1"
  effective 2017-01-01
  currency USD
  tiers silver, gold
  revenue licenses = license from "P" over last complete fiscal year ending 06-30
  revenue renewals = renewal from "P" over last complete calendar year
  option main {
    tier silver { require licenses >= 100 USD }
    tier gold { require renewals >= 100 USD }
  }
}"#;
    assert_eq!(codes(text), ["W0100"]);
}

#[test]
fn shapes_meet_and_miss_their_tiers() {
    let policy = shape("annual_license_revenue");
    let gold = [
        line("net_new", "Dynamics 365", "100000", "2016-07-01"),
        line("license", "Dynamics AX", "50000", "2017-06-30"),
    ];
    assert_eq!(
        tier(&policy, &evaluate(&policy, "2017-09-30", &gold)),
        Some("gold")
    );
    assert_eq!(tier(&policy, &evaluate(&policy, "2018-06-30", &gold)), None);
    let policy = shape("calendar_year_revenue");
    let lines = [line("license", "Exchange Server", "10000", "2016-12-31")];
    assert_eq!(
        tier(&policy, &evaluate(&policy, "2017-06-30", &lines)),
        Some("silver")
    );
    assert_eq!(
        tier(&policy, &evaluate(&policy, "2017-12-31", &lines)),
        None
    );
}

// ---------------------------------------------------------------------------
// New, lost and net new customers
// ---------------------------------------------------------------------------

/// A net new line of Dynamics 365 for `customer`.
fn deal(customer: Option<&str>, amount: &str, date: &str) -> Value {
    let mut line = line("net_new", "Dynamics 365", amount, date);
    line["customer"] = customer.map_or(Value::Null, |c| json!(c));
    line
}

/// The customer measures of the net new customers shape, as of
/// 2017-06-30 (window 2016-07-01..2017-06-30, the one before
/// 2015-07-01..2016-06-30), evaluated the careful way: the fast path gives
/// up on them.
fn customers(revenue: &[Value]) -> (Decimal, Decimal, Decimal, Option<String>) {
    let policy = shape("net_new_customers");
    let text = record(revenue);
    let evaluator = Evaluator::new(&policy, d("2017-06-30"));
    assert!(
        evaluator.fold(&text, &mut Scratch::default()).is_none(),
        "the fast path leaves new and lost customers to the careful path"
    );
    let record = read::whole_text("case.json", text)
        .into_iter()
        .next()
        .unwrap()
        .unwrap();
    let partner = Partner::parse(&record).unwrap();
    let outcome = evaluator.evaluate(&partner).unwrap();
    let m = |name: &str| {
        let i = policy.measures.iter().position(|m| m.name == name).unwrap();
        outcome.measures[i].total
    };
    (
        m("new_customers"),
        m("lost_customers"),
        m("net_adds"),
        tier(&policy, &outcome).map(str::to_owned),
    )
}

#[test]
fn a_new_customer_first_buys_inside_the_window() {
    // First line on the window's first day: new. On the day before (the
    // window's exclusive start): an earlier customer, not new.
    let (new, ..) = customers(&[deal(Some("A"), "10", "2016-07-01")]);
    assert_eq!(new, dec("1"));
    let (new, ..) = customers(&[
        deal(Some("A"), "10", "2016-06-30"),
        deal(Some("A"), "10", "2017-01-01"),
    ]);
    assert_eq!(new, Decimal::ZERO);
    // The window's last day counts; the day after does not.
    assert_eq!(
        customers(&[deal(Some("A"), "10", "2017-06-30")]).0,
        dec("1")
    );
    assert_eq!(
        customers(&[deal(Some("A"), "10", "2017-07-01")]).0,
        Decimal::ZERO
    );
    // Any earlier line the measure would count makes the customer old,
    // however long ago; lines of another type or product do not.
    let (new, ..) = customers(&[
        deal(Some("A"), "10", "2009-03-01"),
        deal(Some("A"), "10", "2017-01-01"),
        line("renewal", "Dynamics 365", "10", "2015-01-01"),
    ]);
    assert_eq!(new, Decimal::ZERO);
    let mut other = line("renewal", "Dynamics 365", "10", "2015-01-01");
    other["customer"] = json!("B");
    let (new, ..) = customers(&[other, deal(Some("B"), "10", "2017-01-01")]);
    assert_eq!(new, dec("1"));
}

#[test]
fn a_customer_counts_only_when_its_lines_sum_above_zero() {
    let (new, ..) = customers(&[
        deal(Some("A"), "100.00", "2017-01-01"),
        deal(Some("A"), "-100.00", "2017-02-01"),
        deal(Some("B"), "0", "2017-01-01"),
        deal(Some("C"), "-5", "2017-01-01"),
        deal(Some("D"), "0.01", "2017-01-01"),
        // Customers compare without regard to case and surrounding spaces.
        deal(Some(" d "), "-0.005", "2017-03-01"),
    ]);
    assert_eq!(new, dec("1"), "only D, at 0.005");
    // A line without a customer makes none.
    let (new, ..) = customers(&[
        deal(None, "100", "2017-01-01"),
        deal(Some("  "), "100", "2017-01-01"),
    ]);
    assert_eq!(new, Decimal::ZERO);
}

#[test]
fn lost_customers_counted_before_and_not_now_and_net_adds_subtract_them() {
    let lines = [
        // Lost: bought in the window before, nothing now.
        deal(Some("Old1"), "10", "2015-07-01"),
        // Lost: bought before, refunded everything now.
        deal(Some("Old2"), "10", "2016-06-30"),
        deal(Some("Old2"), "-10", "2016-12-01"),
        // Kept: bought before and now.
        deal(Some("Kept"), "10", "2016-01-01"),
        deal(Some("Kept"), "10", "2017-01-01"),
        // Not lost: its line is older than the window before.
        deal(Some("Ancient"), "10", "2015-06-30"),
        // New.
        deal(Some("N1"), "1", "2016-07-01"),
        deal(Some("N2"), "1", "2017-06-30"),
        deal(Some("N3"), "1", "2017-03-01"),
    ];
    let (new, lost, net, tier) = customers(&lines);
    assert_eq!((new, lost, net), (dec("3"), dec("2"), dec("1")));
    assert_eq!(tier.as_deref(), Some("silver"), "net adds of 1 miss gold");
    // One more new customer reaches gold.
    let mut more = lines.to_vec();
    more.push(deal(Some("N4"), "1", "2017-04-01"));
    let (_, _, net, tier) = customers(&more);
    assert_eq!(net, dec("2"));
    assert_eq!(tier.as_deref(), Some("gold"));
    // Net adds may be negative.
    let (new, lost, net, tier) = customers(&lines[..6]);
    assert_eq!((new, lost, net), (Decimal::ZERO, dec("2"), dec("-2")));
    assert_eq!(tier, None);
}

#[test]
fn customer_measures_format_diff_and_keep_distinct_customers_as_it_was() {
    let text =
        std::fs::read_to_string(format!("{ROOT}/tests/shapes/net_new_customers.policy")).unwrap();
    assert_eq!(rubric::format::format(&text).unwrap(), text);
    let old = text.replace("= new customers of", "= distinct customers of");
    let diff = rubric::diff::diff(
        &rubric::load_policy(&old).unwrap(),
        &rubric::load_policy(&text).unwrap(),
    );
    let shown = format!("{diff:?}");
    assert!(
        shown.contains("customers counted of measure `new_customers`"),
        "{shown}"
    );
    // `distinct customers of` still counts every customer with a counted
    // line, a refund's too, and takes the fast path.
    let distinct = rubric::load_policy(
        &old.replace(
            "  measure lost_customers = lost customers of new_business\n",
            "",
        )
        .replace(
            "  measure net_adds = net new customers of new_business\n",
            "",
        )
        .replace("      require net_adds >= 2\n", ""),
    )
    .unwrap();
    let outcome = evaluate(
        &distinct,
        "2017-06-30",
        &[
            deal(Some("A"), "-10", "2017-01-01"),
            deal(Some("B"), "0", "2017-01-01"),
        ],
    );
    let i = distinct
        .measures
        .iter()
        .position(|m| m.name == "new_customers")
        .unwrap();
    assert_eq!(outcome.measures[i].total, dec("2"));
}

#[test]
fn the_timeline_agrees_with_eval_on_every_day_for_new_and_lost_customers() {
    let policy = shape("net_new_customers");
    let planner = Planner::new(&policy);
    let text = record(&[
        deal(Some("A"), "10", "2015-03-01"),
        deal(Some("B"), "10", "2016-02-29"),
        deal(Some("C"), "10", "2016-05-31"),
        deal(Some("D"), "10", "2016-08-31"),
        deal(Some("E"), "10", "2016-09-30"),
        deal(Some("F"), "10", "2017-01-31"),
        deal(Some("F"), "-10", "2017-03-31"),
        deal(Some("G"), "10", "2017-02-28"),
    ]);
    let record = read::whole_text("case.json", text)
        .into_iter()
        .next()
        .unwrap()
        .unwrap();
    let partner = Partner::parse(&record).unwrap();
    let (from, to) = (d("2016-01-01"), d("2019-06-30"));
    let timeline = planner.timeline(&partner, from, to).unwrap();
    assert!(!timeline.changes.is_empty());
    let mut day = from;
    while day <= to {
        let expected = Evaluator::new(&policy, day)
            .evaluate_at(&partner, Detail::Tier)
            .unwrap()
            .tier;
        assert_eq!(timeline.tier_on(day), expected, "{day}");
        day = day.succ_opt().unwrap();
    }
}

#[test]
fn the_direct_json_writer_writes_the_period_as_serde_does() {
    for name in ["annual_license_revenue", "calendar_year_revenue"] {
        let policy = shape(name);
        for as_of in ["2017-06-29", "2017-06-30", "2017-12-31"] {
            let evaluator = Evaluator::new(&policy, d(as_of));
            let text = record(&[line("license", "Dynamics AX", "60000", "2016-06-30")]);
            for detail in [Detail::Tier, Detail::Requirements] {
                let mut scratch = Scratch::default();
                let folded = evaluator.fold(&text, &mut scratch).unwrap();
                let outcome = evaluator.judge(scratch.facts(), Vec::new(), Vec::new(), detail);
                let evaluated = rubric::eval::Evaluated::of_folded(folded, outcome, detail);
                let mut direct = Vec::new();
                assert!(rubric::report::json::write_line(
                    &policy,
                    &evaluated,
                    &mut direct
                ));
                let serde = serde_json::to_string(&rubric::report::json::evaluated(
                    &policy, &evaluated, None,
                ))
                .unwrap();
                let direct = String::from_utf8(direct).unwrap();
                assert_eq!(direct, serde);
                assert_eq!(
                    direct.contains("\"period\":{"),
                    detail == Detail::Requirements
                );
            }
        }
    }
}

#[test]
fn lines_without_a_customer_are_reported_under_customer_measures() {
    let policy = shape("net_new_customers");
    let text = record(&[
        deal(None, "100", "2017-01-01"),
        deal(Some("A"), "100", "2017-01-01"),
    ]);
    let record = read::whole_text("case.json", text)
        .into_iter()
        .next()
        .unwrap()
        .unwrap();
    let partner = Partner::parse(&record).unwrap();
    let outcome = Evaluator::new(&policy, d("2017-06-30"))
        .evaluate(&partner)
        .unwrap();
    let new = policy
        .measures
        .iter()
        .position(|m| m.name == "new_customers")
        .unwrap();
    assert_eq!(outcome.measures[new].total, dec("1"));
    assert_eq!(outcome.measures[new].without_customer, [0]);
    let evaluated = rubric::eval::Evaluated::of_partner(&partner, outcome, Detail::Evidence);
    let human = rubric::report::human::partner(&policy, &evaluated);
    assert!(
        human.contains("1 line counted without a customer: it belongs to no customer"),
        "{human}"
    );
    let json: Value =
        serde_json::to_value(rubric::report::json::evaluated(&policy, &evaluated, None)).unwrap();
    assert_eq!(
        json["options"][0]["tiers"][0]["requirements"][0]["lines_without_customer"],
        json!(1)
    );
}

#[test]
fn a_customer_count_misspelled_names_the_four_that_exist() {
    let text = r#"competency c {
  currency USD
  tiers silver
  revenue r = net_new from "P" over trailing 12 months
  measure m = fresh customers of r
  option main { tier silver { require m >= 1 } }
}"#;
    let checked = rubric::check_source(text);
    assert_eq!(codes(text), ["E0100"]);
    let message = checked.diagnostics[0].to_string();
    for word in ["`distinct`", "`new`", "`lost`", "`net new`"] {
        assert!(message.contains(word), "{message}");
    }
}
