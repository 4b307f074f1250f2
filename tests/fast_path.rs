//! The fast path and the careful path agree.
//!
//! Batches are evaluated by folding each record's JSON straight into facts
//! (`Evaluator::fold`) unless evidence is asked for or the record is not one
//! the fast path is sure of; the careful path parses a `Partner` first
//! (`Partner::parse`, `Evaluator::evaluate_at`). These properties pin that
//! the two never disagree:
//!
//! - on random partners written in each shipped policy's own vocabulary
//!   (codes and names in other spellings, dates on the window's edges,
//!   amounts as numbers and strings, markets, associations, paid flags,
//!   attributes), whenever the fast path decides, the careful path decides
//!   the same tier, the same requirements and the same measure values;
//! - on valid generated Cloud CRM partners the fast path never gives up;
//! - on mutated records, the fast path decides only records the careful path
//!   evaluates without error.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::LazyLock;

use chrono::NaiveDate;
use proptest::prelude::*;
use rubric::data::{Partner, read};
use rubric::eval::fold::Scratch;
use rubric::eval::{Detail, Evaluated, Evaluator};
use rubric::model::{MeasureKind, Policy};
use rubric::report::json;
use serde_json::{Value, json};

#[allow(dead_code, reason = "the example's `main` is not used here")]
#[path = "../examples/gen_partners.rs"]
mod generator;

/// Every shipped policy.
static POLICIES: LazyLock<Vec<Policy>> = LazyLock::new(|| {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "policy"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| rubric::load_policy(&std::fs::read_to_string(p).unwrap()).unwrap())
        .collect()
});

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2017, 6, 30).unwrap()
}

/// How a record fared on each path.
#[derive(Debug, PartialEq)]
enum Verdict {
    /// Decided: the tier, each requirement's outcome as rendered without
    /// evidence, and each measure's value.
    Decided(String),
    /// Not evaluated (the careful path) or not sure (the fast path).
    NotDecided,
}

fn careful(evaluator: &Evaluator<'_>, text: &str) -> Verdict {
    let Some(Ok(record)) = read::whole_text("x.json", text.to_owned())
        .into_iter()
        .next()
    else {
        return Verdict::NotDecided;
    };
    let Ok(partner) = Partner::parse(&record) else {
        return Verdict::NotDecided;
    };
    match evaluator.evaluate_at(&partner, Detail::Requirements) {
        Ok(outcome) => {
            let totals: Vec<_> = outcome.measures.iter().map(|m| m.total).collect();
            let flags: Vec<_> = outcome.flags.iter().map(|f| (f.person, f.status)).collect();
            Verdict::Decided(format!(
                "{:?} {:?} {:?} {totals:?} {flags:?}",
                outcome.tier, outcome.market, outcome.options
            ))
        }
        Err(_) => Verdict::NotDecided,
    }
}

fn fast(evaluator: &Evaluator<'_>, text: &str) -> Verdict {
    let mut scratch = Scratch::default();
    let Some(folded) = evaluator.fold(text.trim(), &mut scratch) else {
        return Verdict::NotDecided;
    };
    let outcome = evaluator.judge(
        scratch.facts(),
        Vec::new(),
        Vec::new(),
        Detail::Requirements,
    );
    let flags: Vec<_> = folded.flags.iter().map(|f| (f.person, f.status)).collect();
    Verdict::Decided(format!(
        "{:?} {:?} {:?} {:?} {flags:?}",
        outcome.tier,
        outcome.market,
        outcome.options,
        scratch.facts().totals
    ))
}

/// Names as data might spell them: as declared, in other cases, padded.
fn spelled(name: &str, how: u8) -> String {
    match how % 5 {
        0 => name.to_owned(),
        1 => name.to_lowercase(),
        2 => name.to_uppercase(),
        3 => format!(" {name} "),
        _ => name.replace('-', " "),
    }
}

/// The names a policy matches in data.
struct Vocabulary {
    exams: Vec<String>,
    products: Vec<String>,
    kinds: Vec<String>,
    associations: Vec<String>,
    markets: Vec<String>,
    attributes: Vec<String>,
}

fn vocabulary(policy: &Policy) -> Vocabulary {
    let mut products = vec!["Something Else".to_owned()];
    let mut kinds = vec!["other_type".to_owned()];
    for m in &policy.measures {
        match &m.kind {
            MeasureKind::Revenue {
                revenue_types,
                filter,
            } => {
                kinds.extend(revenue_types.iter().cloned());
                products.extend(filter.products.iter().cloned());
            }
            MeasureKind::Usage { metric, filter, .. } => {
                kinds.push(metric.clone());
                products.extend(filter.products.iter().cloned());
            }
            MeasureKind::DistinctCustomers { .. } => {}
        }
    }
    Vocabulary {
        exams: policy
            .exams
            .iter()
            .map(|e| e.code.clone())
            .chain(["XX-000".to_owned()])
            .collect(),
        products,
        kinds,
        associations: policy
            .associations
            .iter()
            .map(|a| a.id.clone())
            .chain(["other".to_owned()])
            .collect(),
        markets: policy
            .markets
            .iter()
            .map(|m| m.id.clone())
            .chain(["elsewhere".to_owned()])
            .collect(),
        attributes: policy
            .attributes
            .iter()
            .map(|a| a.id.clone())
            .chain(["other".to_owned()])
            .collect(),
    }
}

/// Dates that matter at an as-of date of 2017-06-30: the window's edges,
/// exam availability and retirement around then, and far away.
const DATES: [&str; 12] = [
    "2016-06-30",
    "2016-07-01",
    "2016-12-31",
    "2017-01-01",
    "2017-06-30",
    "2017-07-01",
    "2015-06-30",
    "2017-03-31",
    "2017-04-01",
    "2018-01-01",
    "2014-01-01",
    "2016-02-29",
];

/// A person: id seed, and each pass as (code, spelling, date) seeds.
type PersonSeeds = (u8, Vec<(u8, u8, u8)>);
/// A line: product, kind, spelling, amount, date, amount as a string,
/// associations, paid, usage rather than revenue.
type LineSeeds = (u8, u8, u8, u16, u8, bool, Vec<u8>, Option<bool>, bool);

/// A random partner, as seeds: the policy picks the words.
#[derive(Clone, Debug)]
struct Seeds {
    market: Option<u8>,
    people: Vec<PersonSeeds>,
    lines: Vec<LineSeeds>,
    attributes: Vec<u8>,
}

fn seeds() -> impl Strategy<Value = Seeds> {
    (
        prop::option::of(any::<u8>()),
        prop::collection::vec(
            (
                any::<u8>(),
                prop::collection::vec((any::<u8>(), any::<u8>(), any::<u8>()), 0..5),
            ),
            0..8,
        ),
        prop::collection::vec(
            (
                any::<u8>(),
                any::<u8>(),
                any::<u8>(),
                any::<u16>(),
                any::<u8>(),
                any::<bool>(),
                prop::collection::vec(any::<u8>(), 0..3),
                prop::option::of(any::<bool>()),
                any::<bool>(),
            ),
            0..12,
        ),
        prop::collection::vec(any::<u8>(), 0..3),
    )
        .prop_map(|(market, people, lines, attributes)| Seeds {
            market,
            people,
            lines,
            attributes,
        })
}

fn pick(list: &[String], seed: u8) -> &str {
    &list[seed as usize % list.len()]
}

fn partner(v: &Vocabulary, s: &Seeds) -> Value {
    let people: Vec<Value> = s
        .people
        .iter()
        .enumerate()
        .map(|(p, (id, exams))| {
            let exams: Vec<Value> = exams
                .iter()
                .map(|(code, how, date)| {
                    json!({"code": spelled(pick(&v.exams, *code), *how), "passed": DATES[*date as usize % DATES.len()]})
                })
                .collect();
            // Some ids are numbers, and some repeat across partners' ids.
            let id = if id % 4 == 0 { json!(p) } else { json!(format!("E-{p}")) };
            json!({"id": id, "exams": exams})
        })
        .collect();
    let mut revenue = Vec::new();
    let mut usage = Vec::new();
    for (product, kind, how, amount, date, as_string, associations, paid, is_usage) in &s.lines {
        let amount = match amount % 7 {
            0 => json!(0),
            1 => json!(-500),
            _ => {
                let cents = u64::from(*amount) * 1_537;
                if *as_string {
                    json!(format!("{}.{:02}", cents / 100, cents % 100))
                } else {
                    json!(cents / 100)
                }
            }
        };
        let associations: Vec<String> = associations
            .iter()
            .map(|a| spelled(pick(&v.associations, *a), *how))
            .collect();
        let customer = format!("C{}", amount.to_string().len() % 4);
        let mut line = json!({
            "product": spelled(pick(&v.products, *product), *how),
            "date": DATES[*date as usize % DATES.len()],
            "customer": spelled(&customer, *how),
            "associations": associations,
        });
        if *is_usage {
            line["metric"] = json!(spelled(pick(&v.kinds, *kind), *how));
            line["quantity"] = amount;
            if let Some(paid) = paid {
                line["paid"] = json!(paid);
            }
            usage.push(line);
        } else {
            line["type"] = json!(spelled(pick(&v.kinds, *kind), *how));
            line["amount"] = amount;
            line["currency"] = json!(if *how % 3 == 0 { "usd" } else { "USD" });
            revenue.push(line);
        }
    }
    let mut partner = json!({
        "id": "P-1",
        "name": format!("Name \"{}\" ü\\ 😀 \u{7}", s.lines.len()),
        "people": people,
        "revenue": revenue,
        "usage": usage,
        "attributes": s.attributes.iter().map(|a| pick(&v.attributes, *a)).collect::<Vec<_>>(),
    });
    if let Some(m) = s.market {
        partner["market"] = json!(spelled(pick(&v.markets, m), m));
    }
    partner
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    /// JSON Lines are written straight into the output for batches; they must
    /// be byte for byte what serialising the result tree writes.
    #[test]
    fn the_direct_json_writer_writes_what_serde_writes(
        which in any::<usize>(),
        s in seeds(),
        tier_only in any::<bool>(),
    ) {
        let policy = &POLICIES[which % POLICIES.len()];
        let evaluator = Evaluator::new(policy, as_of());
        let text = partner(&vocabulary(policy), &s).to_string();
        let detail = if tier_only { Detail::Tier } else { Detail::Requirements };
        let mut scratch = Scratch::default();
        if let Some(folded) = evaluator.fold(&text, &mut scratch) {
            let outcome = evaluator.judge(scratch.facts(), Vec::new(), Vec::new(), detail);
            let evaluated = Evaluated::of_folded(folded, outcome, detail);
            let mut direct = Vec::new();
            prop_assert!(json::write_line(policy, &evaluated, &mut direct));
            let serde = serde_json::to_vec(&json::evaluated(policy, &evaluated, None)).unwrap();
            prop_assert_eq!(String::from_utf8(direct).unwrap(), String::from_utf8(serde).unwrap());
        }
    }

    #[test]
    fn both_paths_decide_random_partners_the_same_way(which in any::<usize>(), s in seeds()) {
        let policy = &POLICIES[which % POLICIES.len()];
        let evaluator = Evaluator::new(policy, as_of());
        let text = partner(&vocabulary(policy), &s).to_string();
        let fast = fast(&evaluator, &text);
        if fast != Verdict::NotDecided {
            prop_assert_eq!(careful(&evaluator, &text), fast, "{}", text);
        }
    }

    #[test]
    fn the_fast_path_decides_only_what_the_careful_path_evaluates(
        which in any::<usize>(),
        record in 0usize..5,
        at in any::<usize>(),
        bytes in prop::collection::vec(prop::sample::select(b"{}[]\",:0123456789-. eEnul\\x".to_vec()), 1..4),
        delete in 0usize..4,
    ) {
        let policy = &POLICIES[which % POLICIES.len()];
        let evaluator = Evaluator::new(policy, as_of());
        let examples = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/partners.jsonl")).unwrap();
        let line = examples.lines().nth(record).unwrap();
        let mut mutated = line.as_bytes().to_vec();
        let at = at % (mutated.len() + 1);
        mutated.drain(at..(at + delete).min(mutated.len()));
        mutated.splice(at..at, bytes);
        let text = String::from_utf8_lossy(&mutated).into_owned();
        let fast = fast(&evaluator, &text);
        if fast != Verdict::NotDecided {
            prop_assert_eq!(careful(&evaluator, &text), fast, "{}", text);
        }
    }
}

#[test]
fn generated_partners_all_take_the_fast_path_and_agree() {
    let policy = POLICIES
        .iter()
        .find(|p| p.id == "cloud_crm")
        .expect("cloud_crm is shipped");
    let evaluator = Evaluator::new(policy, as_of());
    let text = generator::generate(500, 7);
    for line in text.lines() {
        let fast = fast(&evaluator, line);
        assert_ne!(fast, Verdict::NotDecided, "the fast path gave up on {line}");
        assert_eq!(careful(&evaluator, line), fast, "{line}");
    }
}

#[test]
fn shipped_examples_agree_on_both_paths() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    for policy in POLICIES.iter() {
        let evaluator = Evaluator::new(policy, as_of());
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "jsonl") {
                continue;
            }
            for line in std::fs::read_to_string(&path).unwrap().lines() {
                let fast = fast(&evaluator, line);
                if fast != Verdict::NotDecided {
                    assert_eq!(
                        careful(&evaluator, line),
                        fast,
                        "{}: {line}",
                        path.display()
                    );
                }
            }
        }
    }
}
