//! The version of a competency in force at a date: the latest whose
//! `effective` date is on or before it, pinned at the day before, the day
//! of and the day after each change; and the sets that are not versions of
//! one competency.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::NaiveDate;
use miette::Diagnostic;
use rubric::versions::{PolicyVersion, VersionError, Versions};

#[allow(dead_code, reason = "the example's `main` is not used here")]
#[path = "../examples/gen_partners.rs"]
mod generator;

fn read(path: &str) -> PolicyVersion {
    let source = std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    PolicyVersion {
        name: path.to_owned(),
        policy: rubric::load_policy(&source).unwrap(),
        source,
    }
}

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

const FIRST: &str = "policies/cloud_crm.policy";
const SECOND: &str = "policies/history/cloud_crm.2017-10.policy";
const THIRD: &str = "policies/history/cloud_crm.2018-01.policy";

fn cloud_crm() -> Versions {
    // Given newest first: the order of the files does not matter.
    Versions::new(vec![read(THIRD), read(FIRST), read(SECOND)]).unwrap()
}

#[test]
fn the_version_in_force_changes_on_its_effective_date() {
    let versions = cloud_crm();
    let at = |d: &str| versions.in_force(date(d));
    assert_eq!(at("2017-09-30").version.name, FIRST);
    assert_eq!(at("2017-10-01").version.name, SECOND);
    assert_eq!(at("2017-12-31").version.name, SECOND);
    assert_eq!(at("2018-01-01").version.name, THIRD);
    assert_eq!(at("2030-01-01").version.name, THIRD);
    assert!(!at("2017-06-27").before_first);
    // Before the first version takes effect, it applies, and callers say so.
    let early = at("2017-06-26");
    assert_eq!(early.version.name, FIRST);
    assert!(early.before_first);
    let all: Vec<&str> = versions.all().map(|v| v.name.as_str()).collect();
    assert_eq!(all, [FIRST, SECOND, THIRD]);
    let changes: Vec<NaiveDate> = versions.changes().collect();
    assert_eq!(changes, [date("2017-10-01"), date("2018-01-01")]);
}

#[test]
fn a_single_version_needs_no_effective_date() {
    let mut only = read(FIRST);
    only.policy.effective = None;
    let versions = Versions::new(vec![only]).unwrap();
    assert!(!versions.in_force(date("2000-01-01")).before_first);
}

fn codes(errors: &[VersionError]) -> Vec<String> {
    errors
        .iter()
        .map(|e| e.code().unwrap().to_string())
        .collect()
}

#[test]
fn two_versions_on_one_day_are_an_error() {
    let mut copy = read(SECOND);
    copy.name = "copy.policy".to_owned();
    let errors = Versions::new(vec![read(FIRST), read(SECOND), copy]).unwrap_err();
    assert_eq!(codes(&errors), ["E0700"]);
    assert_eq!(
        errors[0].to_string(),
        "`policies/history/cloud_crm.2017-10.policy` and `copy.policy` are both versions of `cloud_crm` taking effect on 2017-10-01"
    );
}

#[test]
fn versions_of_other_competencies_and_undated_versions_are_errors() {
    let other = read("policies/data_analytics.policy");
    let mut undated = read(SECOND);
    undated.policy.effective = None;
    let errors = Versions::new(vec![read(FIRST), other, undated]).unwrap_err();
    assert_eq!(codes(&errors), ["E0701", "E0702"]);
    assert!(Versions::new(Vec::new()).is_err());
}

fn rubric(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_rubric"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[test]
fn the_first_version_in_history_is_the_shipped_policy() {
    let dir = env!("CARGO_MANIFEST_DIR");
    let shipped = std::fs::read_to_string(format!("{dir}/{FIRST}")).unwrap();
    let first = std::fs::read_to_string(format!("{dir}/policies/history/cloud_crm.2017-06.policy"));
    assert_eq!(
        first.unwrap(),
        shipped,
        "copy policies/cloud_crm.policy to policies/history/"
    );
}

#[test]
fn eval_on_a_directory_applies_the_version_in_force() {
    let decision = |as_of: &str| {
        let out = rubric(&[
            "eval",
            "policies/history",
            "examples/partners.jsonl",
            "--as-of",
            as_of,
            "--format",
            "jsonl",
            "--detail",
            "tier",
        ]);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let first = String::from_utf8(out.stdout).unwrap();
        let line: serde_json::Value = serde_json::from_str(first.lines().next().unwrap()).unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        (
            line["decision"]["version"].as_str().unwrap().to_owned(),
            stderr,
        )
    };
    let (version, note) = decision("2017-09-30");
    assert_eq!(version, "2017-06");
    assert!(note.contains("version 2017-06 (`policies/history/cloud_crm.2017-06.policy`) of `cloud_crm` is in force"), "{note}");
    assert_eq!(decision("2017-10-01").0, "2017-10");
    assert_eq!(decision("2018-01-01").0, "2018-01");
    let (version, note) = decision("2017-01-01");
    assert_eq!(version, "2017-06");
    assert!(note.contains("is not yet in effect"), "{note}");
}

#[test]
fn eval_refuses_a_set_that_is_not_versions_of_one_competency() {
    let out = rubric(&[
        "eval",
        "tests/diagnostics/versions/E0700_two_versions_on_one_day",
        "examples/partners.jsonl",
        "--as-of",
        "2017-06-30",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("E0700"));
}

#[test]
fn each_test_case_runs_against_the_version_in_force_at_its_date() {
    let out = rubric(&["test", "tests/policy_test/versions.tests.toml"]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("version 2017-10"), "{stdout}");
    assert!(stdout.contains("4 passed, 0 failed"), "{stdout}");
}

#[test]
fn timeline_takes_a_directory_of_one_version_like_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = env!("CARGO_MANIFEST_DIR");
    std::fs::copy(format!("{root}/{FIRST}"), dir.path().join("only.policy")).unwrap();
    let one = dir.path().to_str().unwrap();
    let args = |policy: &str| {
        rubric(&[
            "timeline",
            policy,
            "examples/partners.jsonl",
            "--from",
            "2017-06-30",
            "--to",
            "2017-12-31",
            "--format",
            "jsonl",
        ])
    };
    let from_file = args(FIRST);
    let from_dir = args(one);
    assert_eq!(from_dir.status.code(), Some(0), "{from_dir:?}");
    assert_eq!(from_dir.stdout, from_file.stdout);
}

/// Over a directory of versions, the timeline's tier on every day of the
/// range is the tier `rubric eval DIR --as-of DAY` gives: the version in
/// force on each day, and a change where a version taking effect moves it.
#[test]
fn a_timeline_over_versions_agrees_with_eval_on_every_day() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("partners.jsonl");
    let text = generator::generate(120, 17);
    std::fs::write(&data, &text).unwrap();
    let out = rubric(&[
        "timeline",
        "policies/history",
        data.to_str().unwrap(),
        "--from",
        "2017-06-01",
        "--to",
        "2018-03-31",
        "--format",
        "jsonl",
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let timelines: Vec<serde_json::Value> = stdout
        .lines()
        .skip(1)
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(timelines.len(), 120);
    let versions = cloud_crm();
    let partners: Vec<_> = text
        .lines()
        .map(|line| {
            rubric::data::read::whole_text("x.json", line.to_owned())
                .into_iter()
                .next()
                .unwrap()
                .unwrap()
        })
        .collect();
    let parsed: Vec<_> = partners
        .iter()
        .map(|r| rubric::data::Partner::parse(r).unwrap())
        .collect();
    let mut version_changes = 0;
    let mut day = date("2017-06-01");
    while day <= date("2018-03-31") {
        let policy = &versions.in_force(day).version.policy;
        let evaluator = rubric::eval::Evaluator::new(policy, day);
        for (partner, timeline) in parsed.iter().zip(&timelines) {
            let expected = evaluator
                .evaluate_at(partner, rubric::eval::Detail::Tier)
                .unwrap()
                .tier
                .map(|t| policy.tiers[t.0].id.clone());
            let mut held = timeline["tier_on_from"].as_str().map(str::to_owned);
            for change in timeline["changes"].as_array().unwrap() {
                if date(change["date"].as_str().unwrap()) <= day {
                    held = change["to"].as_str().map(str::to_owned);
                }
            }
            assert_eq!(held, expected, "{} on {day}", timeline["partner"]);
        }
        day = day.succ_opt().unwrap();
    }
    for timeline in &timelines {
        for change in timeline["changes"].as_array().unwrap() {
            let events = change["events"].as_array().unwrap();
            if events.iter().any(|e| e["event"] == "version_takes_effect") {
                version_changes += 1;
                assert!(["2017-10-01", "2018-01-01"].contains(&change["date"].as_str().unwrap()));
            }
        }
    }
    assert!(
        version_changes > 0,
        "no generated partner moved when a version took effect"
    );
}
