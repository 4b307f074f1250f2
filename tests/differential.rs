//! cloud_crm against a second, naive reading of the rules: random partners
//! full of boundary cases (window edges, code and product spellings, credits,
//! exams after the as-of date, markets) get the same tier from Rubric as from
//! a reference written straight from the text with brute-force roles.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::{Datelike, Days, NaiveDate};
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::{Value, json};

const FUNCTIONAL: [&str; 3] = ["MB2-714", "MB2-713", "MB2-709"];
const DEPLOYMENT: [&str; 2] = ["MB2-710", "MB2-706"];
const CUSTOMIZATION: [&str; 2] = ["MB2-712", "MB2-707"];
const OTHER: [&str; 1] = ["MB2-999"];

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2017, 6, 30).unwrap()
}

/// D less one year, 29 February becoming 28 February.
fn year_before(d: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.year() - 1, d.month(), d.day())
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(d.year() - 1, d.month(), 28).unwrap())
}

/// Codes compare case-insensitively, runs of space, hyphen or underscore as one hyphen.
fn code_key(code: &str) -> String {
    let mut out = String::new();
    let mut run = false;
    for c in code.trim().to_uppercase().chars() {
        if " -_".contains(c) {
            if !run {
                out.push('-');
            }
            run = true;
        } else {
            out.push(c);
            run = false;
        }
    }
    out
}

fn reference_tier(p: &Value) -> Option<&'static str> {
    let d = as_of();
    let y = year_before(d);
    let mut total = Decimal::ZERO;
    for line in p["revenue"].as_array().unwrap() {
        let product = line["product"].as_str().unwrap().trim().to_lowercase();
        let date = NaiveDate::parse_from_str(line["date"].as_str().unwrap(), "%Y-%m-%d").unwrap();
        let dpor = line["associations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "dpor");
        if line["type"] == "net_new"
            && (product == "crm online" || product == "dynamics 365 plan 1")
            && y < date
            && date <= d
            && dpor
        {
            let amount = match &line["amount"] {
                Value::String(s) => s.parse::<Decimal>().unwrap(),
                n => n.to_string().parse::<Decimal>().unwrap(),
            };
            total += amount;
        }
    }
    let holds = |person: &Value, group: &[&str]| {
        person["exams"].as_array().unwrap().iter().any(|e| {
            let passed =
                NaiveDate::parse_from_str(e["passed"].as_str().unwrap(), "%Y-%m-%d").unwrap();
            passed <= d
                && group
                    .iter()
                    .any(|g| code_key(e["code"].as_str().unwrap()) == *g)
        })
    };
    let people = p["people"].as_array().unwrap();
    let fd: Vec<bool> = people
        .iter()
        .map(|x| holds(x, &FUNCTIONAL) && holds(x, &DEPLOYMENT))
        .collect();
    let c: Vec<bool> = people.iter().map(|x| holds(x, &CUSTOMIZATION)).collect();
    // Every way to give each person one role or none.
    let fill = |need_fd: usize, need_c: usize| {
        let n = people.len();
        (0..3usize.pow(n as u32)).any(|mut code| {
            let (mut got_fd, mut got_c) = (0, 0);
            for k in 0..n {
                match code % 3 {
                    1 if fd[k] => got_fd += 1,
                    2 if c[k] => got_c += 1,
                    _ => {}
                }
                code /= 3;
            }
            got_fd >= need_fd && got_c >= need_c
        })
    };
    let developed = p["market"]
        .as_str()
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("developed"));
    let mut tier = None;
    if developed && total >= Decimal::from(100_000) && fill(1, 1) {
        tier = Some("silver");
    }
    if developed && total >= Decimal::from(300_000) && fill(2, 2) {
        tier = Some("gold");
    }
    tier
}

fn date() -> impl Strategy<Value = String> {
    let d = as_of();
    let y = year_before(d);
    prop_oneof![
        Just(d),
        Just(d + Days::new(1)),
        Just(y),
        Just(y + Days::new(1)),
        (0u64..400).prop_map(move |n| d - Days::new(n)),
    ]
    .prop_map(|d| d.to_string())
}

fn code() -> impl Strategy<Value = String> {
    let all: Vec<&str> = FUNCTIONAL
        .iter()
        .chain(&DEPLOYMENT)
        .chain(&CUSTOMIZATION)
        .chain(&OTHER)
        .copied()
        .collect();
    (proptest::sample::select(all), 0usize..6).prop_map(|(code, spelling)| {
        let (a, b) = code.split_once('-').unwrap();
        match spelling {
            0 => format!("{} {b}", a.to_lowercase()),
            1 => format!("{a}_{b}"),
            2 => format!(" {a} -_{b} "),
            3 => format!("{a}{b}"),
            _ => code.to_owned(),
        }
    })
}

fn partner() -> impl Strategy<Value = Value> {
    let exam = (code(), date()).prop_map(|(code, passed)| json!({"code": code, "passed": passed}));
    let person = proptest::collection::vec(exam, 0..5);
    let amount = prop_oneof![
        Just(json!(33333.33)),
        Just(json!("33333.34")),
        Just(json!(100000)),
        Just(json!("-5000.50")),
        Just(json!("99999.99")),
        Just(json!(150000)),
        (1u32..160_000).prop_map(|n| json!(n)),
    ];
    let product = proptest::sample::select(vec![
        "CRM Online",
        " crm online ",
        "Dynamics 365 Plan 1",
        "DYNAMICS 365 PLAN 1",
        "Office 365",
        "CRM  Online",
    ]);
    let kind = proptest::sample::select(vec!["net_new", "net_new", "renewal"]);
    let associations = proptest::sample::select(vec![
        vec!["dpor"],
        vec![],
        vec!["tpor"],
        vec!["dpor", "tpor"],
    ]);
    let line = (product, kind, amount, date(), associations).prop_map(|(product, kind, amount, date, associations)| {
        json!({"product": product, "type": kind, "amount": amount, "currency": "USD", "date": date, "associations": associations})
    });
    let market = proptest::sample::select(vec![
        Some("developed"),
        Some("Developed"),
        Some("developing"),
        None,
    ]);
    (
        proptest::collection::vec(person, 0..7),
        proptest::collection::vec(line, 0..9),
        market,
    )
        .prop_map(|(people, revenue, market)| {
            let people: Vec<Value> = people
                .into_iter()
                .enumerate()
                .map(|(i, exams)| json!({"id": format!("E-{i}"), "exams": exams}))
                .collect();
            let mut p = json!({"id": "P", "people": people, "revenue": revenue});
            if let Some(m) = market {
                p["market"] = json!(m);
            }
            p
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn rubric_and_a_naive_reading_of_the_rules_agree_on_every_tier(p in partner()) {
        let policy = rubric::load_policy(include_str!("../policies/cloud_crm.policy")).unwrap();
        let records = rubric::data::read::whole_text("p.json", p.to_string());
        let record = records.into_iter().next().unwrap().unwrap();
        let parsed = rubric::data::Partner::parse(&record).unwrap();
        let outcome = rubric::eval::Evaluator::new(&policy, as_of()).evaluate(&parsed).unwrap();
        let tier = outcome.tier.map(|t| policy.tiers[t.0].id.as_str());
        prop_assert_eq!(tier, reference_tier(&p), "{}", p);
    }
}
