//! Batch evaluation on several threads: the same output, in input order, as
//! on one, with the one-partner-at-a-time rule checked across batches.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::process::Command;

fn partner(i: usize) -> String {
    let revenue = 90_000 + (i * 7_919) % 250_000;
    let exams = match i % 4 {
        0 => {
            r#"[{"code": "MB2-714", "passed": "2016-01-01"}, {"code": "MB2-710", "passed": "2016-01-02"}]"#
        }
        1 => r#"[{"code": "MB2-712", "passed": "2016-01-01"}]"#,
        2 => {
            r#"[{"code": "MB2-714", "passed": "2016-01-01"}, {"code": "MB2-706", "passed": "2016-01-02"}, {"code": "MB2-707", "passed": "2016-01-03"}]"#
        }
        _ => "[]",
    };
    // Every 1000th partner lists a person of the partner before it.
    let shared = if i % 1000 == 999 {
        format!(r#", {{"id": "P{}-0"}}"#, i - 1)
    } else {
        String::new()
    };
    format!(
        r#"{{"id": "P{i}", "market": "developed", "people": [{{"id": "P{i}-0", "exams": {exams}}}, {{"id": "P{i}-1", "exams": [{{"code": "MB2-712", "passed": "2016-05-05"}}]}}{shared}], "revenue": [{{"product": "CRM Online", "type": "net_new", "amount": {revenue}, "currency": "USD", "date": "2017-03-01", "associations": ["dpor"]}}]}}"#
    )
}

fn eval(path: &str, threads: &str) -> (String, String) {
    eval_with(path, threads, &[])
}

fn eval_with(path: &str, threads: &str, more: &[&str]) -> (String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rubric"))
        .args([
            "eval",
            "policies/cloud_crm.policy",
            path,
            "--as-of",
            "2017-06-30",
            "--format",
            "jsonl",
            "--threads",
            threads,
        ])
        .args(more)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn threads_change_nothing_but_speed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("batch.jsonl");
    let text: Vec<String> = (0..5_000).map(partner).collect();
    std::fs::write(&path, text.join("\n")).unwrap();
    let path = path.to_str().unwrap();
    let (one, one_err) = eval(path, "1");
    let (two, two_err) = eval(path, "2");
    let (four, _) = eval(path, "4");
    assert_eq!(one, two);
    assert_eq!(one, four);
    assert_eq!(one_err, two_err);
    let mut lines = one.lines();
    let head: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    assert_eq!(
        head["decision"]["policy"], "cloud_crm",
        "the decision comes first, once"
    );
    let ids: Vec<String> = lines
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["partner"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let expected: Vec<String> = (0..5_000).map(|i| format!("P{i}")).collect();
    assert_eq!(ids, expected, "input order is kept");
    // A person listed under two partners is reported, batches apart or not.
    let warned = one.lines().filter(|l| l.contains("\"E0407\"")).count();
    assert_eq!(warned, 5);
    assert_eq!(one_err.matches("E0407").count(), 5);
}

#[test]
fn the_people_check_can_be_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("batch.jsonl");
    let text: Vec<String> = (0..2_000).map(partner).collect();
    std::fs::write(&path, text.join("\n")).unwrap();
    let path = path.to_str().unwrap();
    let (checked, checked_err) = eval(path, "2");
    let (skipped, skipped_err) = eval_with(path, "2", &["--no-people-check"]);
    assert_eq!(checked_err.matches("E0407").count(), 2);
    assert_eq!(skipped_err.matches("E0407").count(), 0);
    assert!(!skipped.contains("E0407"));
    // Only the warnings differ: the same tiers, in the same order.
    let tiers = |out: &str| -> Vec<serde_json::Value> {
        out.lines()
            .skip(1)
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["tier"].clone())
            .collect()
    };
    assert_eq!(tiers(&checked), tiers(&skipped));
}
