//! Notes about a whole evaluation: `rubric eval --as-of D` with D before the
//! policy's `effective` date says so on stderr (under `-q` too, as data
//! warnings are printed) and in the machine-readable decision record.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::process::{Command, Output, Stdio};

const POLICY: &str = "policies/cloud_crm.policy";
/// One partner; cloud_crm takes effect on 2017-06-27.
const DATA: &str = "tests/eval_notes/one_partner.jsonl";

fn rubric(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rubric"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).replace("\r\n", "\n")
}

#[test]
fn before_the_effective_date_the_human_report_notes_it_on_stderr() {
    let out = rubric(&["eval", POLICY, DATA, "--as-of", "2017-06-01"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    insta::assert_snapshot!(stderr(&out));
    let quiet = rubric(&["-q", "eval", POLICY, DATA, "--as-of", "2017-06-01"]);
    assert_eq!(
        stderr(&quiet),
        stderr(&out),
        "the note is printed under -q too"
    );
}

#[test]
fn on_or_after_the_effective_date_there_is_no_note() {
    for as_of in ["2017-06-27", "2017-06-30"] {
        let out = rubric(&["eval", POLICY, DATA, "--as-of", as_of]);
        assert!(!stderr(&out).contains("note:"), "{}", stderr(&out));
        let jsonl = rubric(&["eval", POLICY, DATA, "--as-of", as_of, "--format", "jsonl"]);
        let first = String::from_utf8(jsonl.stdout).unwrap();
        let line: serde_json::Value = serde_json::from_str(first.lines().next().unwrap()).unwrap();
        assert!(line["decision"].get("notes").is_none(), "{line}");
    }
}

#[test]
fn before_the_effective_date_the_jsonl_decision_line_records_it() {
    let out = rubric(&[
        "eval",
        POLICY,
        DATA,
        "--as-of",
        "2017-06-01",
        "--format",
        "jsonl",
    ]);
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    let line: serde_json::Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    let mut decision = line["decision"].clone();
    decision["sha256"] = "…".into();
    decision["rubric"] = "…".into();
    insta::assert_json_snapshot!(decision);
    assert!(stderr(&out).contains("note: as of 2017-06-01"));
}

#[test]
fn before_the_effective_date_the_json_document_records_it() {
    let out = rubric(&[
        "eval",
        POLICY,
        DATA,
        "--as-of",
        "2017-06-01",
        "--format",
        "json",
    ]);
    let document: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let notes = document["decision"]["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 1);
    let note = notes[0].as_str().unwrap();
    assert!(
        note.contains("2017-06-01") && note.contains("2017-06-27"),
        "{note}"
    );
}
