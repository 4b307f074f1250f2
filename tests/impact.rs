//! `rubric diff OLD NEW --data`: the impact of a new version on real
//! partners.
//!
//! - The transition table and the movers equal evaluating both versions
//!   separately, partner by partner, on generated data.
//! - A change set `rubric diff` classifies stricter never moves a partner
//!   up, and looser never moves one down, on generated data.
//! - The CLI's human output is snapshotted; `--limit` caps the movers
//!   printed, never the counts.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::ops::ControlFlow;

use chrono::NaiveDate;
use rubric::batch::{self, DataInput, Event};
use rubric::data::{Partner, read};
use rubric::diff::{Effect, diff};
use rubric::eval::{Detail, Evaluator};
use rubric::impact::{Impact, MoverFormat};
use rubric::model::Policy;

#[allow(dead_code, reason = "the example's `main` is not used here")]
#[path = "../examples/gen_partners.rs"]
mod generator;

const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");

fn text(path: &str) -> String {
    std::fs::read_to_string(format!("{MANIFEST_DIR}/{path}")).unwrap()
}

fn load(path: &str) -> Policy {
    rubric::load_policy(&text(path)).unwrap()
}

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

/// Each partner's tier under a policy, evaluated one by one.
fn tiers(policy: &Policy, as_of: NaiveDate, data: &str) -> Vec<(String, String)> {
    let evaluator = Evaluator::new(policy, as_of);
    data.lines()
        .map(|line| {
            let record = read::whole_text("x.json", line.to_owned())
                .into_iter()
                .next()
                .unwrap()
                .unwrap();
            let partner = Partner::parse(&record).unwrap();
            let outcome = evaluator.evaluate_at(&partner, Detail::Tier).unwrap();
            let tier = outcome
                .tier
                .map_or("none".to_owned(), |t| policy.tiers[t.0].id.clone());
            (partner.id.text().into_owned(), tier)
        })
        .collect()
}

/// The impact run through the batch pipeline: transitions and movers.
fn impact(
    old_path: &str,
    new_path: &str,
    as_of: NaiveDate,
    data: &str,
) -> (BTreeMap<(String, String), usize>, Vec<serde_json::Value>) {
    let (old, new) = (&load(old_path), &load(new_path));
    let old_evaluator = Evaluator::new(old, as_of);
    let new_evaluator = Evaluator::new(new, as_of);
    let isolated = rubric::diff::isolate(&diff(old, new), &text(old_path), &text(new_path), old);
    let isolated_evaluators: Vec<Evaluator<'_>> = isolated
        .iter()
        .map(|i| Evaluator::new(&i.policy, as_of))
        .collect();
    let effects = diff(old, new);
    let named = isolated
        .iter()
        .zip(&isolated_evaluators)
        .map(|(i, e)| (format!("{:?}", i.changes), e))
        .collect();
    let impact = Impact::new(&old_evaluator, new, MoverFormat::Json).with_isolated(named);
    let mut movers = Vec::new();
    let input = DataInput::Text {
        name: "generated.jsonl".to_owned(),
        text: data.into(),
    };
    let options = batch::Options {
        threads: 2,
        detail: Impact::DETAIL,
        people_check: false,
        ..Default::default()
    };
    batch::evaluate(
        &new_evaluator,
        vec![input],
        options,
        &impact,
        &mut |event| {
            if let Event::Record(record) = event {
                assert!(!record.failed, "{:?}", record.errors);
                if !record.rendered.is_empty() {
                    movers.push(serde_json::from_slice(record.rendered).unwrap());
                }
            }
            ControlFlow::Continue(())
        },
    );
    assert_eq!(impact.old_failed(), 0);
    // A change applied alone never moves partners against its classification.
    for (alone, iso) in impact.per_change().iter().zip(&isolated) {
        let effect = iso
            .changes
            .iter()
            .map(|&c| effects.changes[c].effect)
            .fold(Effect::Neutral, Effect::and);
        match effect {
            Effect::Stricter => assert_eq!(alone.up, 0, "{alone:?}"),
            Effect::Looser => assert_eq!(alone.down, 0, "{alone:?}"),
            Effect::Neutral => assert_eq!(alone.up + alone.down, 0, "{alone:?}"),
            Effect::Mixed | Effect::Unproven => {}
        }
    }
    // With a single change that can be applied alone, it alone is the move.
    if effects.changes.len() == 1 && isolated.len() == 1 {
        let moved: usize = impact
            .transitions()
            .iter()
            .filter(|t| t.from != t.to)
            .map(|t| t.count)
            .sum();
        let alone = &impact.per_change()[0];
        assert_eq!(alone.up + alone.down, moved);
    }
    let table = impact
        .transitions()
        .into_iter()
        .filter(|t| t.count > 0)
        .map(|t| ((t.from, t.to), t.count))
        .collect();
    (table, movers)
}

#[test]
fn the_impact_table_equals_evaluating_both_versions_separately() {
    let data = generator::generate(1500, 11);
    for (old_path, new_path, as_of) in [
        (
            "policies/history/cloud_crm.2017-06.policy",
            "policies/history/cloud_crm.2017-10.policy",
            "2017-12-31",
        ),
        (
            "policies/history/cloud_crm.2017-10.policy",
            "policies/history/cloud_crm.2018-01.policy",
            "2018-01-02",
        ),
    ] {
        let (old, new) = (load(old_path), load(new_path));
        let as_of = date(as_of);
        let before = tiers(&old, as_of, &data);
        let after = tiers(&new, as_of, &data);
        let mut expected: BTreeMap<(String, String), usize> = BTreeMap::new();
        let mut moved = Vec::new();
        for ((id, from), (_, to)) in before.iter().zip(&after) {
            *expected.entry((from.clone(), to.clone())).or_default() += 1;
            if from != to {
                moved.push((id.clone(), from.clone(), to.clone()));
            }
        }
        let (table, movers) = impact(old_path, new_path, as_of, &data);
        assert_eq!(table, expected, "{old_path} → {new_path}");
        let printed: Vec<(String, String, String)> = movers
            .iter()
            .map(|m| {
                (
                    m["partner"].as_str().unwrap().to_owned(),
                    m["from"].as_str().unwrap().to_owned(),
                    m["to"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(printed, moved, "{old_path} → {new_path}");
        assert!(!moved.is_empty(), "the generated data should move someone");
        // Every mover names a requirement that flipped.
        assert!(
            movers
                .iter()
                .all(|m| !m["flipped"].as_array().unwrap().is_empty())
        );
    }
}

/// A tier's rank on a ladder: none below every tier.
fn rank(policy: &Policy, tier: &str) -> usize {
    policy
        .tiers
        .iter()
        .position(|t| t.id == tier)
        .map_or(0, |i| i + 1)
}

#[test]
fn stricter_never_moves_a_partner_up_and_looser_never_down() {
    let data = generator::generate(300, 5);
    let mut pairs: Vec<(String, String)> = vec![
        (
            "policies/history/cloud_crm.2017-06.policy".into(),
            "policies/history/cloud_crm.2017-10.policy".into(),
        ),
        (
            "policies/history/cloud_crm.2017-10.policy".into(),
            "policies/history/cloud_crm.2018-01.policy".into(),
        ),
    ];
    for entry in std::fs::read_dir(format!("{MANIFEST_DIR}/tests/diff")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        // Amounts in euros cannot be evaluated on generated data in dollars.
        if name.ends_with(".policy") && name != "base.policy" && name != "currency.policy" {
            pairs.push((
                "tests/diff/base.policy".into(),
                format!("tests/diff/{name}"),
            ));
            pairs.push((
                format!("tests/diff/{name}"),
                "tests/diff/base.policy".into(),
            ));
        }
    }
    let mut checked = 0;
    for (old_path, new_path) in &pairs {
        let (old, new) = (load(old_path), load(new_path));
        let effect = diff(&old, &new).effect();
        for as_of in ["2017-06-30", "2017-12-31", "2018-03-31"] {
            let (table, _) = impact(old_path, new_path, date(as_of), &data);
            for ((from, to), count) in &table {
                let up = rank(&new, to) > rank(&old, from);
                let down = rank(&new, to) < rank(&old, from);
                match effect {
                    Effect::Stricter => assert!(
                        !up,
                        "{old_path} → {new_path} is stricter, yet {count} moved {from} → {to} as of {as_of}"
                    ),
                    Effect::Looser => assert!(
                        !down,
                        "{old_path} → {new_path} is looser, yet {count} moved {from} → {to} as of {as_of}"
                    ),
                    Effect::Neutral => assert!(
                        !up && !down,
                        "{old_path} → {new_path} means the same, yet {count} moved {from} → {to}"
                    ),
                    Effect::Mixed | Effect::Unproven => {}
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 90, "{checked}");
}

fn rubric(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_rubric"))
        .args(args)
        .current_dir(MANIFEST_DIR)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[test]
fn the_cli_prints_the_diff_the_movers_and_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("partners.jsonl");
    std::fs::write(&data, generator::generate(200, 3)).unwrap();
    let data = data.to_str().unwrap();
    let args = |more: &[&str]| {
        let mut all = vec![
            "diff",
            "policies/history/cloud_crm.2017-10.policy",
            "policies/history/cloud_crm.2018-01.policy",
            "--data",
            data,
            "--as-of",
            "2018-01-02",
        ];
        all.extend_from_slice(more);
        rubric(&all)
    };
    let out = args(&["--limit", "2"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    insta::with_settings!({snapshot_path => "impact/snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("cloud_crm_2018_on_200_generated_partners", text);
    });
    // JSON Lines: one line per mover, then the summary; --limit caps lines only.
    let out = args(&["--format", "jsonl", "--limit", "1"]);
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{text}");
    let summary = &lines[1]["summary"];
    assert!(summary["moved"].as_u64().unwrap() > 1);
    assert_eq!(summary["evaluated"], 200);
    // One JSON document with the diff, the movers and the summary.
    let out = args(&["--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["diff"]["new"]["version"], "2018-01");
    assert_eq!(
        doc["movers"].as_array().unwrap().len() as u64,
        doc["summary"]["moved"].as_u64().unwrap()
    );
    // --data needs --as-of.
    let out = rubric(&[
        "diff",
        "tests/diff/base.policy",
        "tests/diff/thresholds.policy",
        "--data",
        data,
    ]);
    assert_eq!(out.status.code(), Some(2));
}
