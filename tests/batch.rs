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

/// Four partners; `u-1` is listed under P-1, P-3 and P-4, `u-2` under P-2
/// alone.
const FAR_APART: &str = r#"{"id": "P-1", "people": [{"id": "u-1"}]}
{"id": "P-2", "people": [{"id": "u-2"}, {"id": "u-3"}]}
{"id": "P-3", "people": [{"id": 7}, {"id": "u-1"}]}
{"id": "P-4", "people": [{"id": "u-1"}]}
"#;

fn eval_far_apart(format: &str, people_in_memory: &str) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("far.jsonl");
    std::fs::write(&path, FAR_APART).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rubric"))
        .args(["eval", "policies/cloud_crm.policy"])
        .arg(&path)
        .args([
            "--as-of",
            "2017-06-30",
            "--format",
            format,
            "--threads",
            "1",
        ])
        .args(["--people-in-memory", people_in_memory])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8(out.stderr).unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        stderr.replace(path.to_str().unwrap(), "far.jsonl"),
    )
}

#[test]
fn a_person_listed_far_apart_is_reported_after_the_last_partner() {
    // One person in memory: P-2's two people push P-1's out to disk, so
    // P-3 and P-4 find `u-1` only when the runs are merged at the end.
    let (out, err) = eval_far_apart("jsonl", "1");
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1 + 4 + 1, "decision, partners, one warning");
    for line in &lines[1..5] {
        assert!(line.get("warnings").is_none(), "{line}");
    }
    assert_eq!(
        lines[5],
        serde_json::json!({"warning": {
            "code": "E0407",
            "message": "person `u-1` is listed under 3 partners",
            "person": "u-1",
            "partners": ["P-1", "P-3", "P-4"],
            "more": 0,
        }})
    );
    insta::assert_snapshot!("person_listed_far_apart_stderr", err);

    // With room for everyone, the same listings are found as they are read,
    // each with its second partner.
    let (out, err) = eval_far_apart("jsonl", "100");
    assert!(!out.contains("\"warning\""));
    assert_eq!(out.matches("\"E0407\"").count(), 2);
    assert_eq!(err.matches("E0407").count(), 2);
}

#[test]
fn the_json_document_lists_the_run_warnings_after_the_partners() {
    let (out, _) = eval_far_apart("json", "1");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["partners"].as_array().unwrap().len(), 4);
    assert_eq!(
        doc["warnings"][0]["partners"],
        serde_json::json!(["P-1", "P-3", "P-4"])
    );
    assert_eq!(doc["summary"]["evaluated"], 4);
    let (out, _) = eval_far_apart("json", "100");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(doc.get("warnings").is_none(), "no warnings array when none");
}

/// The Cloud CRM policy, checked.
fn cloud_crm() -> rubric::model::Policy {
    rubric::load_policy(&std::fs::read_to_string("policies/cloud_crm.policy").unwrap()).unwrap()
}

fn as_of() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2017, 6, 30).unwrap()
}

/// Each second listing of a person, as (person, the partner listing them
/// again), found as records are read or at the end of the run.
fn second_listings(text: &str, people_in_memory: usize, threads: usize) -> Vec<(String, String)> {
    use rubric::batch::{self, DataInput, Event, Options, RunWarning};
    use std::ops::ControlFlow;
    let policy = cloud_crm();
    let evaluator = rubric::eval::Evaluator::new(&policy, as_of());
    let input = DataInput::Text {
        name: "p.jsonl".to_owned(),
        text: text.into(),
    };
    let options = Options {
        threads,
        detail: rubric::eval::Detail::Tier,
        people_check: true,
        people_in_memory,
    };
    let mut found = Vec::new();
    batch::evaluate(
        &evaluator,
        vec![input],
        options,
        &rubric::report::JsonLines,
        &mut |event| {
            match event {
                Event::Record(record) => {
                    for warning in record.warnings {
                        let rubric::data::DataError::PersonInTwoPartners { id, .. } = warning
                        else {
                            panic!("{warning}");
                        };
                        found.push((id.clone(), format!("P{}", record.index)));
                    }
                }
                Event::Warning(RunWarning::PersonAcrossPartners(person)) => {
                    assert_eq!(person.more, 0);
                    for partner in &person.partners[1..] {
                        found.push((person.id.clone(), partner.clone()));
                    }
                }
                Event::Unreadable(err) => panic!("{err}"),
            }
            ControlFlow::Continue(())
        },
    );
    found.sort();
    found
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// However few people the check keeps in memory, and on any number of
    /// threads, every second listing is reported once: as it is read, or
    /// after the last partner.
    #[test]
    fn every_second_listing_is_reported_once_whatever_the_memory(
        partners in proptest::collection::vec(proptest::collection::btree_set(0u8..8, 0..4), 1..30),
        people_in_memory in 1usize..6,
        threads in 1usize..3,
    ) {
        let text: String = partners
            .iter()
            .enumerate()
            .map(|(i, people)| {
                let people: Vec<String> =
                    people.iter().map(|p| format!(r#"{{"id": "u-{p}"}}"#)).collect();
                format!("{{\"id\": \"P{i}\", \"people\": [{}]}}\n", people.join(", "))
            })
            .collect();
        let mut expected = Vec::new();
        let mut first = std::collections::HashMap::new();
        for (i, people) in partners.iter().enumerate() {
            for p in people {
                if first.insert(*p, i).is_some() {
                    expected.push((format!("u-{p}"), format!("P{i}")));
                }
            }
        }
        expected.sort();
        proptest::prop_assert_eq!(second_listings(&text, people_in_memory, threads), expected);
    }
}

/// What a run hands on, in order: each record's partner (or `failed`), and
/// each unreadable input's path; at most `stop_after` records, when given.
fn events(
    inputs: Vec<rubric::batch::DataInput>,
    threads: usize,
    stop_after: Option<usize>,
) -> Vec<String> {
    use rubric::batch::{self, Event, Options};
    use std::ops::ControlFlow;
    let policy = cloud_crm();
    let evaluator = rubric::eval::Evaluator::new(&policy, as_of());
    let options = Options {
        threads,
        detail: rubric::eval::Detail::Tier,
        ..Options::default()
    };
    let mut seen = Vec::new();
    let mut records = 0;
    batch::evaluate(
        &evaluator,
        inputs,
        options,
        &rubric::report::JsonLines,
        &mut |event| {
            match event {
                Event::Record(record) => {
                    records += 1;
                    let value: serde_json::Value = serde_json::from_slice(record.rendered).unwrap();
                    seen.push(match value["partner"].as_str() {
                        Some(id) if !record.failed => id.to_owned(),
                        _ => "failed".to_owned(),
                    });
                }
                Event::Unreadable(err) => seen.push(format!("unreadable {}", err.path)),
                Event::Warning(_) => seen.push("warning".to_owned()),
            }
            if stop_after.is_some_and(|n| records >= n) {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        },
    );
    seen
}

/// Several inputs, each of several blocks, with an unreadable one and an
/// array between them: on any number of threads, records and failures come
/// in input order, exactly as on one thread.
#[test]
fn inputs_of_many_blocks_come_out_in_input_order_on_any_number_of_threads() {
    use rubric::batch::DataInput;
    // About 3 MB each: several blocks of a megabyte.
    let lines =
        |from: usize, to: usize| -> String { (from..to).map(|i| partner(i) + "\n").collect() };
    let inputs = || {
        vec![
            DataInput::Text {
                name: "first.jsonl".to_owned(),
                text: lines(0, 6_000).into(),
            },
            DataInput::Path("tests/no such file.jsonl".to_owned()),
            DataInput::Text {
                name: "array.json".to_owned(),
                text: format!("[{}, {}]", partner(6_000), partner(6_001)).into(),
            },
            DataInput::Text {
                name: "last.jsonl".to_owned(),
                text: (lines(6_002, 12_000) + "{\"id\": broken\n" + &partner(12_000)).into(),
            },
        ]
    };
    let one = events(inputs(), 1, None);
    let mut expected: Vec<String> = (0..6_000).map(|i| format!("P{i}")).collect();
    expected.push("unreadable tests/no such file.jsonl".to_owned());
    expected.extend((6_000..12_000).map(|i| format!("P{i}")));
    expected.push("failed".to_owned());
    expected.push("P12000".to_owned());
    assert_eq!(one, expected);
    for threads in [2, 3] {
        assert_eq!(
            events(inputs(), threads, None),
            expected,
            "{threads} threads"
        );
    }
}

/// A caller that stops the run gets no record after it said stop, on any
/// number of threads, and the run ends (no worker is left waiting).
#[test]
fn a_run_stopped_by_its_caller_ends_at_once() {
    use rubric::batch::DataInput;
    let text: String = (0..8_000).map(|i| partner(i) + "\n").collect();
    for threads in [1, 2, 4] {
        let seen = events(
            vec![DataInput::Text {
                name: "p.jsonl".to_owned(),
                text: text.clone().into(),
            }],
            threads,
            Some(2_500),
        );
        let expected: Vec<String> = (0..2_500).map(|i| format!("P{i}")).collect();
        assert_eq!(seen, expected, "{threads} threads");
    }
}
