//! The `rubric` binary end to end: exit codes, output formats, the decision
//! record, stdin, and snapshots of the human report, JSON Lines output and
//! `check` diagnostics.
//!
//! Every command runs from the crate root with `NO_COLOR=1`. Fixtures live in
//! `tests/cli/`, snapshots in `tests/cli/snapshots/`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use sha2::{Digest as _, Sha256};

const POLICY: &str = "policies/cloud_crm.policy";
const PARTNERS: &str = "examples/partners.jsonl";
const DATA_ERRORS: &str = "examples/data_errors.jsonl";
const AS_OF: &str = "2017-06-30";

fn command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rubric"));
    command
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1");
    command
}

/// Runs `rubric ARGS` with empty stdin.
fn rubric(args: &[&str]) -> Output {
    command(args)
        .stdin(Stdio::null())
        .output()
        .expect("run rubric")
}

/// Runs `rubric ARGS` with `input` on stdin.
fn rubric_with_stdin(args: &[&str], input: &str) -> Output {
    let mut child = command(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn rubric");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().expect("wait for rubric");
    writer.join().unwrap().expect("write stdin");
    output
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("exit code")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8")
}

/// Asserts the exit code, showing both streams when it is not the one expected.
fn assert_exit(output: &Output, expected: i32) {
    assert_eq!(
        code(output),
        expected,
        "stdout:\n{}\nstderr:\n{}",
        stdout(output),
        stderr(output)
    );
}

/// Every line of JSON Lines output, parsed.
fn all_json_lines(output: &Output) -> Vec<Value> {
    stdout(output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect()
}

/// The partner lines of JSON Lines output, parsed: every line after the
/// first, which is the decision record and nothing else.
fn json_lines(output: &Output) -> Vec<Value> {
    let mut lines = all_json_lines(output);
    assert!(!lines.is_empty(), "no decision line:\n{}", stdout(output));
    let head = lines.remove(0);
    let keys: Vec<&String> = head.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["decision"], "{head}");
    lines
}

/// The decision record of JSON Lines output: its first line.
fn decision_of(output: &Output) -> Value {
    all_json_lines(output)[0]["decision"].clone()
}

fn read(path: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The ids of the partners in a JSON Lines file, in order.
fn ids_in(path: &str) -> Vec<Value> {
    String::from_utf8(read(path))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["id"].clone())
        .collect()
}

/// Replaces what changes when the policy or Rubric changes (the policy's
/// SHA-256 and the Rubric version) so that snapshots survive policy edits.
///
/// The crate enables insta without its `filters` feature, so this does by
/// hand what `filters => [...]` would do.
fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("\"sha256\":\"") {
        let (before, after) = rest.split_at(i + "\"sha256\":\"".len());
        out.push_str(before);
        let hex = after.bytes().take_while(|b| b.is_ascii_hexdigit()).count();
        if hex == 64 {
            out.push_str("[sha256]");
            rest = &after[64..];
        } else {
            rest = after;
        }
    }
    out.push_str(rest);
    out.replace(
        &format!("\"rubric\":\"{}\"", env!("CARGO_PKG_VERSION")),
        "\"rubric\":\"[version]\"",
    )
}

macro_rules! snapshot {
    ($name:expr, $text:expr) => {
        insta::with_settings!({
            snapshot_path => "cli/snapshots",
            prepend_module_to_snapshot => false,
        }, {
            let redacted = redact(&$text);
            insta::assert_snapshot!($name, redacted);
        })
    };
}

// ---------------------------------------------------------------- check

#[test]
fn check_accepts_the_shipped_policy() {
    let out = rubric(&["check", POLICY]);
    assert_exit(&out, 0);
    assert!(
        stderr(&out).contains("cloud_crm.policy: ok"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty());
}

#[test]
fn check_reports_every_error_of_a_broken_policy_with_its_code() {
    let out = rubric(&["check", "tests/cli/broken.policy"]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    for code in ["E0201", "E0202", "E0301"] {
        assert!(err.contains(code), "{code} missing from:\n{err}");
    }
    assert!(err.contains("did you mean `functional`?"), "{err}");
    assert!(err.contains("tests/cli/broken.policy: 3 errors"), "{err}");
    assert!(!err.contains('\u{1b}'), "NO_COLOR means no escapes:\n{err}");
    assert!(stdout(&out).is_empty(), "diagnostics go to stderr only");
    snapshot!("check_broken_policy_stderr", err);
}

#[test]
fn check_reports_a_syntax_error_with_its_code() {
    let out = rubric(&["check", "tests/cli/syntax_error.policy"]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("E0100"), "{err}");
    assert!(err.contains("tests/cli/syntax_error.policy:"), "{err}");
    snapshot!("check_syntax_error_stderr", err);
}

#[test]
fn check_of_a_missing_file_is_a_usage_error() {
    let out = rubric(&["check", "tests/cli/no_such.policy"]);
    assert_exit(&out, 2);
    assert!(
        stderr(&out).contains("tests/cli/no_such.policy"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn check_exits_with_the_worst_outcome_of_several_files() {
    let out = rubric(&["check", POLICY, "tests/cli/broken.policy"]);
    assert_exit(&out, 1);
    let out = rubric(&[
        "check",
        "tests/cli/broken.policy",
        "tests/cli/no_such.policy",
        POLICY,
    ]);
    assert_exit(&out, 2);
    let err = stderr(&out);
    assert!(err.contains("E0202"), "every file is still checked:\n{err}");
    assert!(
        err.contains("cloud_crm.policy: ok"),
        "every file is still checked:\n{err}"
    );
}

#[test]
fn no_arguments_is_a_usage_error() {
    for args in [
        &[][..],
        &["check"][..],
        &["eval"][..],
        &["eval", POLICY][..],
    ] {
        let out = rubric(args);
        assert_exit(&out, 2);
        assert!(stdout(&out).is_empty(), "{args:?}: {}", stdout(&out));
        assert!(!stderr(&out).is_empty(), "{args:?}: usage goes to stderr");
    }
}

#[test]
fn an_unknown_subcommand_is_a_usage_error() {
    assert_exit(&rubric(&["frobnicate"]), 2);
}

// ---------------------------------------------------------------- eval: exit codes

#[test]
fn eval_of_the_example_partners_succeeds() {
    let out = rubric(&["eval", POLICY, PARTNERS, "--as-of", AS_OF]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(
        text.contains("evaluated 5 partners: 1 gold, 2 silver, 2 no tier"),
        "{text}"
    );
    assert!(!stderr(&out).contains("note:"), "--as-of given: no note");
}

#[test]
fn eval_without_as_of_notes_that_it_uses_today() {
    let out = rubric(&["eval", POLICY, PARTNERS]);
    assert_exit(&out, 0);
    assert!(
        stderr(&out).contains("no --as-of given"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn eval_of_bad_records_exits_1_and_reports_each_in_order() {
    let out = rubric(&[
        "eval",
        POLICY,
        DATA_ERRORS,
        "--as-of",
        AS_OF,
        "--format",
        "jsonl",
    ]);
    assert_exit(&out, 1);
    let lines = json_lines(&out);
    let partners: Vec<&Value> = lines.iter().map(|l| &l["partner"]).collect();
    assert_eq!(
        partners,
        [&Value::from("P-006"), &Value::Null, &Value::from("P-102")]
    );
    let codes: Vec<Vec<&str>> = lines
        .iter()
        .map(|l| {
            l["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["code"].as_str().unwrap())
                .collect()
        })
        .collect();
    assert_eq!(
        codes,
        [vec!["E0404"], vec!["E0400"], vec!["E0402", "E0403"]]
    );
    for line in &lines {
        assert_eq!(line["status"], "error", "{line}");
        assert!(line.get("tier").is_some_and(Value::is_null), "{line}");
        for e in line["errors"].as_array().unwrap() {
            assert_eq!(e["file"], DATA_ERRORS);
            assert!(e["line"].as_u64().unwrap() >= 1);
            assert!(e["column"].as_u64().unwrap() >= 1);
        }
    }
    let err = stderr(&out);
    for code in ["E0404", "E0400", "E0402", "E0403"] {
        assert!(err.contains(code), "{code} missing from stderr:\n{err}");
    }
}

#[test]
fn eval_still_evaluates_the_good_records_around_bad_ones() {
    // Bad records first, then the good examples: every record has its line,
    // in input order, and the good ones are evaluated.
    let out = rubric(&[
        "eval",
        POLICY,
        DATA_ERRORS,
        PARTNERS,
        "--as-of",
        AS_OF,
        "--format",
        "jsonl",
    ]);
    assert_exit(&out, 1);
    let lines = json_lines(&out);
    let statuses: Vec<&str> = lines
        .iter()
        .map(|l| l["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "error",
            "error",
            "error",
            "evaluated",
            "evaluated",
            "evaluated",
            "evaluated",
            "evaluated"
        ]
    );
    let tiers: Vec<&Value> = lines[3..].iter().map(|l| &l["tier"]).collect();
    assert_eq!(
        tiers,
        [
            &Value::from("gold"),
            &Value::from("silver"),
            &Value::Null,
            &Value::from("silver"),
            &Value::Null
        ]
    );

    // Good and bad lines interleaved in one file.
    let out = rubric(&[
        "eval",
        POLICY,
        "tests/cli/mixed.jsonl",
        "--as-of",
        AS_OF,
        "--format",
        "jsonl",
    ]);
    assert_exit(&out, 1);
    let lines = json_lines(&out);
    let summary: Vec<(Value, &str, Value)> = lines
        .iter()
        .map(|l| {
            (
                l["partner"].clone(),
                l["status"].as_str().unwrap(),
                l["tier"].clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (Value::from("M-1"), "evaluated", Value::from("silver")),
            (Value::Null, "error", Value::Null),
            (Value::from("M-3"), "error", Value::Null),
            (Value::Null, "error", Value::Null),
            (Value::from(5), "evaluated", Value::Null),
        ]
    );
    assert_eq!(lines[1]["errors"][0]["code"], "E0401");
    assert_eq!(lines[2]["errors"][0]["code"], "E0403");
    assert_eq!(lines[3]["errors"][0]["code"], "E0400");

    // The human report says so in its summary.
    let out = rubric(&["eval", POLICY, "tests/cli/mixed.jsonl", "--as-of", AS_OF]);
    assert_exit(&out, 1);
    assert!(
        stdout(&out)
            .contains("evaluated 2 partners: 0 gold, 1 silver, 1 no tier; 3 records not evaluated"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn an_error_far_along_a_long_line_is_reported_not_a_crash() {
    // A partner with many revenue lines on one JSON Lines line (over 64 KiB)
    // and a bad amount at its end: the diagnostic points past column 65535.
    let line = r#"{"product": "CRM Online", "type": "net_new", "amount": 1, "currency": "USD", "date": "2017-03-15", "associations": ["dpor"]}"#;
    let record = format!(
        r#"{{"id": "BIG", "market": "developed", "revenue": [{}, {}]}}"#,
        vec![line; 700].join(", "),
        line.replace(r#""amount": 1"#, r#""amount": "bad""#)
    );
    assert!(record.len() > 70_000);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.jsonl");
    std::fs::write(&path, format!("{record}\n{}\n", ids_line())).unwrap();
    let path = path.to_str().unwrap();

    let out = rubric(&["eval", POLICY, path, "--as-of", AS_OF, "--format", "jsonl"]);
    assert_exit(&out, 1);
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["partner"], "BIG");
    assert_eq!(lines[0]["errors"][0]["code"], "E0403");
    assert!(lines[0]["errors"][0]["column"].as_u64().unwrap() > 65_535);
    assert_eq!(lines[1]["status"], "evaluated");
    assert!(stderr(&out).contains("E0403"), "{}", stderr(&out));
}

/// A small valid partner on one line.
fn ids_line() -> &'static str {
    r#"{"id": "SMALL", "market": "developed"}"#
}

#[test]
fn eval_rejects_an_impossible_as_of_date() {
    for date in ["2017-13-01", "2017-02-30", "17-06-30", "yesterday"] {
        let out = rubric(&["eval", POLICY, PARTNERS, "--as-of", date]);
        assert_exit(&out, 2);
        assert!(stdout(&out).is_empty(), "{date}: nothing evaluated");
        assert!(stderr(&out).contains(date), "{date}: {}", stderr(&out));
    }
}

#[test]
fn eval_with_a_broken_policy_evaluates_nothing() {
    let out = rubric(&[
        "eval",
        "tests/cli/broken.policy",
        PARTNERS,
        "--as-of",
        AS_OF,
    ]);
    assert_exit(&out, 1);
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    assert!(stderr(&out).contains("E0202"), "{}", stderr(&out));
}

#[test]
fn eval_of_missing_files_is_a_usage_error() {
    let out = rubric(&[
        "eval",
        "tests/cli/no_such.policy",
        PARTNERS,
        "--as-of",
        AS_OF,
    ]);
    assert_exit(&out, 2);

    let out = rubric(&["eval", POLICY, "tests/cli/no_such.jsonl", "--as-of", AS_OF]);
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("E0406"), "{}", stderr(&out));

    // The files that can be read are still evaluated.
    let out = rubric(&[
        "eval",
        POLICY,
        "tests/cli/no_such.json",
        PARTNERS,
        "--as-of",
        AS_OF,
        "--format",
        "jsonl",
    ]);
    assert_exit(&out, 2);
    assert_eq!(json_lines(&out).len(), 5);
}

#[test]
fn eval_rejects_an_unknown_format() {
    let out = rubric(&[
        "eval", POLICY, PARTNERS, "--as-of", AS_OF, "--format", "xml",
    ]);
    assert_exit(&out, 2);
    assert!(stdout(&out).is_empty());
}

// ---------------------------------------------------------------- eval: formats

#[test]
fn jsonl_has_one_object_per_partner_in_input_order() {
    let out = rubric(&[
        "eval", POLICY, PARTNERS, "--as-of", AS_OF, "--format", "jsonl",
    ]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.ends_with('\n'));
    let lines = json_lines(&out);
    assert_eq!(lines.len() + 1, text.lines().count());
    let partners: Vec<Value> = lines.iter().map(|l| l["partner"].clone()).collect();
    assert_eq!(partners, ids_in(PARTNERS));
    let tiers: Vec<&Value> = lines.iter().map(|l| &l["tier"]).collect();
    assert_eq!(
        tiers,
        [
            &Value::from("gold"),
            &Value::from("silver"),
            &Value::Null,
            &Value::from("silver"),
            &Value::Null
        ]
    );
    for line in &lines {
        assert!(line.is_object(), "{line}");
        assert!(line.get("partner").is_some(), "{line}");
        assert!(line.get("tier").is_some(), "{line}");
        assert_eq!(line["status"], "evaluated", "{line}");
    }
}

#[test]
fn jsonl_opens_with_the_decision_record_once() {
    let out = rubric(&[
        "eval", POLICY, PARTNERS, "--as-of", AS_OF, "--format", "jsonl",
    ]);
    assert_exit(&out, 0);
    let expected_sha = sha256_hex(&read(POLICY));
    for line in json_lines(&out) {
        assert!(line.get("decision").is_none(), "once, not per line: {line}");
    }
    {
        let line = decision_of(&out);
        let decision = &line;
        assert_eq!(decision["policy"], "cloud_crm", "{line}");
        assert_eq!(decision["version"], "2017-06", "{line}");
        assert_eq!(decision["as_of"], AS_OF, "{line}");
        assert_eq!(decision["rubric"], env!("CARGO_PKG_VERSION"), "{line}");
        let sha = decision["sha256"].as_str().unwrap();
        assert_eq!(sha.len(), 64, "{sha}");
        assert!(
            sha.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
            "lowercase hex: {sha}"
        );
        assert_eq!(sha, expected_sha, "SHA-256 of the policy file's bytes");
    }
}

#[test]
fn the_decision_hash_follows_the_policy_bytes() {
    // Same rules, one more comment: another hash, the same decisions.
    let dir = tempfile::tempdir().unwrap();
    let edited = dir.path().join("edited.policy");
    let mut bytes = read(POLICY);
    bytes.extend_from_slice(b"# an edit\n");
    std::fs::write(&edited, &bytes).unwrap();
    let edited = edited.to_str().unwrap();

    let out = rubric(&[
        "eval", edited, PARTNERS, "--as-of", AS_OF, "--format", "jsonl",
    ]);
    assert_exit(&out, 0);
    let lines = json_lines(&out);
    assert_eq!(decision_of(&out)["sha256"], sha256_hex(&bytes));
    assert_ne!(decision_of(&out)["sha256"], sha256_hex(&read(POLICY)));
    assert_eq!(lines[0]["tier"], "gold");
}

#[test]
fn stdin_takes_a_json_array() {
    let records: Vec<String> = String::from_utf8(read(PARTNERS))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect();
    let array = format!("[\n{}\n]\n", records.join(",\n"));

    let from_stdin = rubric_with_stdin(
        &["eval", POLICY, "-", "--as-of", AS_OF, "--format", "jsonl"],
        &array,
    );
    assert_exit(&from_stdin, 0);
    let from_file = rubric(&[
        "eval", POLICY, PARTNERS, "--as-of", AS_OF, "--format", "jsonl",
    ]);
    assert_exit(&from_file, 0);
    assert_eq!(json_lines(&from_stdin), json_lines(&from_file));

    // A single object on stdin is one partner.
    let out = rubric_with_stdin(
        &["eval", POLICY, "-", "--as-of", AS_OF, "--format", "jsonl"],
        &records[1],
    );
    assert_exit(&out, 0);
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["partner"], "P-002");
    assert_eq!(lines[0]["tier"], "silver");
}

#[test]
fn stdin_errors_name_stdin() {
    let out = rubric_with_stdin(
        &["eval", POLICY, "-", "--as-of", AS_OF, "--format", "jsonl"],
        "[{\"id\": \"S-1\", \"revenue\": [{\"product\": \"p\", \"type\": \"t\", \"amount\": \"x\", \"currency\": \"USD\", \"date\": \"2017-01-01\"}]}]",
    );
    assert_exit(&out, 1);
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["partner"], "S-1");
    assert_eq!(lines[0]["status"], "error");
    assert_eq!(lines[0]["errors"][0]["code"], "E0403");
    assert_eq!(lines[0]["errors"][0]["file"], "<stdin>");
}

#[test]
fn json_is_one_document_with_decision_partners_and_summary() {
    let out = rubric(&[
        "eval", POLICY, PARTNERS, "--as-of", AS_OF, "--format", "json",
    ]);
    assert_exit(&out, 0);
    let document: Value = serde_json::from_str(&stdout(&out)).expect("one JSON document");
    let keys: Vec<&str> = document
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 3, "{keys:?}");
    for key in ["decision", "partners", "summary"] {
        assert!(keys.contains(&key), "{key} missing: {keys:?}");
    }

    let decision = &document["decision"];
    assert_eq!(decision["policy"], "cloud_crm");
    assert_eq!(decision["sha256"], sha256_hex(&read(POLICY)));
    assert_eq!(decision["as_of"], AS_OF);

    let partners = document["partners"].as_array().unwrap();
    let ids: Vec<Value> = partners.iter().map(|p| p["partner"].clone()).collect();
    assert_eq!(ids, ids_in(PARTNERS));
    for partner in partners {
        assert!(
            partner.get("decision").is_none(),
            "the batch carries the decision once: {partner}"
        );
    }

    let summary = &document["summary"];
    assert_eq!(summary["evaluated"], 5);
    assert_eq!(summary["not_evaluated"], 0);
    assert_eq!(summary["tiers"]["gold"], 1);
    assert_eq!(summary["tiers"]["silver"], 2);
    assert_eq!(summary["no_tier"], 2);
}

#[test]
fn json_counts_records_not_evaluated() {
    let out = rubric(&[
        "eval",
        POLICY,
        "tests/cli/mixed.jsonl",
        "--as-of",
        AS_OF,
        "--format",
        "json",
    ]);
    assert_exit(&out, 1);
    let document: Value = serde_json::from_str(&stdout(&out)).expect("one JSON document");
    assert_eq!(document["partners"].as_array().unwrap().len(), 5);
    assert_eq!(document["summary"]["evaluated"], 2);
    assert_eq!(document["summary"]["not_evaluated"], 3);
}

#[test]
fn eval_help_shows_an_example() {
    let out = rubric(&["eval", "--help"]);
    assert_exit(&out, 0);
    let help = stdout(&out);
    assert!(help.contains("Examples:"), "{help}");
    assert!(
        help.contains(
            "rubric eval policies/cloud_crm.policy examples/partners.jsonl --as-of 2017-06-30"
        ),
        "{help}"
    );
    assert!(help.contains("--format"), "{help}");
}

// ---------------------------------------------------------------- snapshots

#[test]
fn snapshot_human_report() {
    let out = rubric(&[
        "eval", POLICY, PARTNERS, "--as-of", AS_OF, "--format", "human",
    ]);
    assert_exit(&out, 0);
    snapshot!("eval_partners_human", stdout(&out));
}

#[test]
fn snapshot_jsonl() {
    let out = rubric(&[
        "eval", POLICY, PARTNERS, "--as-of", AS_OF, "--format", "jsonl",
    ]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains(&sha256_hex(&read(POLICY))));
    snapshot!("eval_partners_jsonl", text);
}

#[test]
fn snapshot_jsonl_at_each_detail() {
    for (detail, name) in [
        ("tier", "eval_partners_jsonl_tier"),
        ("evidence", "eval_partners_jsonl_evidence"),
    ] {
        let out = rubric(&[
            "eval", POLICY, PARTNERS, "--as-of", AS_OF, "--format", "jsonl", "--detail", detail,
        ]);
        assert_exit(&out, 0);
        snapshot!(name, stdout(&out));
    }
}

#[test]
fn redaction_replaces_hash_and_version() {
    let sha = "ab".repeat(32);
    let line = format!(
        "{{\"sha256\":\"{sha}\",\"rubric\":\"{}\"}}",
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(
        redact(&line),
        "{\"sha256\":\"[sha256]\",\"rubric\":\"[version]\"}"
    );
}

// ---------------------------------------------------------------- conventions

/// Runs `rubric ARGS` from `dir` with empty stdin and no colour variables.
fn rubric_in(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rubric"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("run rubric")
}

fn manifest(path: &str) -> String {
    format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn check_dash_reads_stdin() {
    let text = String::from_utf8(read(
        "tests/diagnostics/policy/W0103_exam_never_used.policy",
    ))
    .unwrap();
    let out = rubric_with_stdin(&["check", "-", "--format", "json"], &text);
    assert_exit(&out, 0);
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["files"][0]["path"], "<stdin>");
    assert_eq!(json["files"][0]["findings"][0]["code"], "W0103");
    let out = rubric_with_stdin(&["check", "-", "-D", "warnings"], &text);
    assert_exit(&out, 1);
    assert!(stderr(&out).contains("[<stdin>:14:3]"), "{}", stderr(&out));
}

#[test]
fn test_dash_reads_stdin() {
    let text = String::from_utf8(read("policies/cloud_crm.tests.toml"))
        .unwrap()
        .replacen("as_of", "policy = \"policies/cloud_crm.policy\"\nas_of", 1);
    let out = rubric_with_stdin(&["test", "-"], &text);
    assert_exit(&out, 0);
    assert!(stdout(&out).starts_with("<stdin> (policies/cloud_crm.policy)"));
    // Without a `policy`, there is nothing beside stdin to find it by.
    let text = String::from_utf8(read("policies/cloud_crm.tests.toml")).unwrap();
    let out = rubric_with_stdin(&["test", "-"], &text);
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("must name its policy"));
}

#[test]
fn check_on_a_directory_without_policies_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let out = rubric(&["check", dir.path().to_str().unwrap()]);
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("no `*.policy` files under"));
    // A directory whose policies were named already is not empty, and each
    // policy is checked once.
    let out = rubric(&["check", POLICY, "policies", "--format", "json"]);
    assert_exit(&out, 0);
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    // The four policies and the three Cloud CRM versions in history/.
    assert_eq!(json["summary"]["files"], 7, "{json:#}");
}

#[test]
fn unknown_lint_codes_are_errors_with_a_suggestion() {
    let policy = "tests/diagnostics/policy/W0103_exam_never_used.policy";
    let out = rubric(&["check", policy, "-A", "W0130"]);
    assert_exit(&out, 2);
    assert!(
        stderr(&out).contains("unknown lint `W0130`; did you mean `W0100`?"),
        "{}",
        stderr(&out)
    );
    let out = rubric(&["check", policy, "-D", "warning"]);
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("did you mean `warnings`?"));
    let out = rubric(&["check", policy, "-A", "E0201"]);
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("is an error, not a lint"));
    // Any case is accepted, as before.
    assert_exit(&rubric(&["check", policy, "-A", "w0103"]), 0);

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("rubric.toml"),
        "[lints]\nallow = [\"W01O3\"]\n",
    )
    .unwrap();
    std::fs::copy(manifest(policy), dir.path().join("p.policy")).unwrap();
    let out = rubric_in(dir.path(), &["check", "p.policy"]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("E0600"), "{err}");
    assert!(
        err.contains("unknown lint `W01O3`; did you mean `W0103`?"),
        "{err}"
    );
    assert!(err.contains("rubric.toml:2:"), "{err}");
}

#[test]
fn rubric_toml_is_found_from_each_policys_directory() {
    let root = tempfile::tempdir().unwrap();
    let strict = root.path().join("strict/nested");
    let lax = root.path().join("lax");
    std::fs::create_dir_all(&strict).unwrap();
    std::fs::create_dir_all(&lax).unwrap();
    std::fs::write(
        root.path().join("strict/rubric.toml"),
        "[lints]\ndeny = [\"warnings\"]\n",
    )
    .unwrap();
    let policy = manifest("tests/diagnostics/policy/W0103_exam_never_used.policy");
    std::fs::copy(&policy, strict.join("a.policy")).unwrap();
    std::fs::copy(&policy, lax.join("b.policy")).unwrap();
    // From the crate root, whose own directories have no rubric.toml.
    let out = rubric(&["check", root.path().to_str().unwrap(), "--format", "json"]);
    assert_exit(&out, 1);
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let level = |name: &str| {
        json["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"].as_str().unwrap().ends_with(name))
            .unwrap()["findings"][0]["level"]
            .clone()
    };
    assert_eq!(level("a.policy"), "error", "{json:#}");
    assert_eq!(level("b.policy"), "warning", "{json:#}");
}

#[test]
fn a_missing_config_file_is_exit_2() {
    let out = rubric(&[
        "check",
        "policies",
        "--config",
        "no/such/rubric.toml",
        "--format",
        "json",
    ]);
    assert_exit(&out, 2);
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(
        json["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["path"] == "no/such/rubric.toml" && f["findings"][0]["code"] == "E0406"),
        "{json:#}"
    );
}

#[cfg(unix)]
#[test]
fn directory_walks_do_not_follow_symlink_loops() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    std::fs::copy(manifest(POLICY), sub.join("a.policy")).unwrap();
    std::os::unix::fs::symlink("..", sub.join("up")).unwrap();
    std::os::unix::fs::symlink(".", sub.join("here")).unwrap();
    let root = dir.path().to_str().unwrap();
    let out = rubric(&["check", root, "--format", "json"]);
    assert_exit(&out, 0);
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["summary"]["files"], 1, "{json:#}");
    let out = rubric(&["fmt", "--check", root]);
    assert_exit(&out, 0);
    assert_eq!(stdout(&out), "");
}

#[cfg(unix)]
#[test]
fn an_unreadable_entry_under_a_directory_does_not_hide_the_others() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(manifest(POLICY), dir.path().join("a.policy")).unwrap();
    std::os::unix::fs::symlink("gone.policy", dir.path().join("dangling.policy")).unwrap();
    let out = rubric(&["check", dir.path().to_str().unwrap(), "--format", "json"]);
    assert_exit(&out, 2);
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let files = json["files"].as_array().unwrap();
    assert_eq!(files.len(), 2, "{json:#}");
    let code = |name: &str| {
        files
            .iter()
            .find(|f| f["path"].as_str().unwrap().ends_with(name))
            .map(|f| f["findings"][0]["code"].clone())
    };
    assert_eq!(code("a.policy"), Some(Value::Null), "checked, and clean");
    assert_eq!(code("dangling.policy"), Some(Value::from("E0406")));
}

/// Runs `rubric check` on a file with a warning, with stderr a pipe and
/// the colour variables given; whether stderr has escape codes.
fn coloured(args: &[&str], env: &[(&str, &str)]) -> bool {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rubric"));
    command
        .args([
            "check",
            "tests/diagnostics/policy/W0103_exam_never_used.policy",
        ])
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("TERM")
        .stdin(Stdio::null());
    for (name, value) in env {
        command.env(name, value);
    }
    let out = command.output().unwrap();
    assert_exit(&out, 0);
    stderr(&out).contains('\u{1b}')
}

#[test]
fn color_follows_the_flag_then_no_color_clicolor_force_and_term() {
    assert!(!coloured(&[], &[]), "a pipe is not coloured");
    assert!(coloured(&["--color", "always"], &[("NO_COLOR", "1")]));
    assert!(coloured(&["--color=always"], &[]));
    assert!(!coloured(&["--color", "never"], &[("CLICOLOR_FORCE", "1")]));
    assert!(coloured(&[], &[("CLICOLOR_FORCE", "1")]));
    assert!(!coloured(&[], &[("CLICOLOR_FORCE", "0")]));
    assert!(!coloured(
        &[],
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]
    ));
    assert!(!coloured(&[], &[("TERM", "dumb")]));
    // Global: before the subcommand too.
    let out = rubric(&["--color", "always", "explain", "W0103"]);
    assert_exit(&out, 0);
    assert_exit(&rubric(&["--color", "sometimes", "explain", "W0103"]), 2);
    // Clap's own errors follow the flag too.
    let out = rubric(&["--color", "always", "chek"]);
    assert_exit(&out, 2);
    assert!(stderr(&out).contains('\u{1b}'), "{}", stderr(&out));
    let out = command(&["chek", "--color=never"])
        .env_remove("NO_COLOR")
        .env("CLICOLOR_FORCE", "1")
        .output()
        .unwrap();
    assert!(!stderr(&out).contains('\u{1b}'), "{}", stderr(&out));
}

#[test]
fn quiet_leaves_out_success_lines() {
    let out = rubric(&["check", "-q", "policies"]);
    assert_exit(&out, 0);
    assert_eq!(stderr(&out), "");
    let out = rubric(&["--quiet", "test", "policies"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(!text.contains('✓'), "{text}");
    assert!(text.trim_end().ends_with("passed, 0 failed"), "{text}");
    // Failures still show.
    let out = rubric(&["test", "-q", "tests/policy_test/failing.tests.toml"]);
    assert_exit(&out, 1);
    assert!(stdout(&out).contains('✗'));
}

#[test]
fn completions_are_generated_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = rubric(&["completions", shell]);
        assert_exit(&out, 0);
        let script = stdout(&out);
        assert!(script.contains("rubric"), "{shell}");
        assert!(
            script.contains("color"),
            "{shell}: global flags are completed"
        );
    }
    assert_exit(&rubric(&["completions", "tcsh"]), 2);
}

#[test]
fn version_names_the_commit_when_built_from_git() {
    let out = rubric(&["--version"]);
    assert_exit(&out, 0);
    let version = stdout(&out);
    assert!(
        version.starts_with(concat!("rubric ", env!("CARGO_PKG_VERSION"))),
        "{version}"
    );
    let head = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success());
    match head {
        Some(head) => {
            let head = String::from_utf8(head.stdout).unwrap();
            assert!(version.contains(&format!("({})", head.trim())), "{version}");
        }
        // A source tarball: the version alone.
        None => assert!(!version.contains('('), "{version}"),
    }
}

#[test]
fn diagnostics_never_split_a_word() {
    use rubric::report::diagnostic::{Style, WithSource, render};
    let path = "tests/diagnostics/policy/W0100_gold_weaker_in_revenue.policy";
    let text = String::from_utf8(read(path)).unwrap();
    let file = rubric::syntax::parse(&text).unwrap();
    let policy = rubric::check::check(&file).unwrap();
    let warning = rubric::lint::lint(&file, &policy)
        .into_iter()
        .find(|w| w.code_text() == "W0100")
        .unwrap();
    let source = miette::NamedSource::new(path, text.clone());
    let words = |width: usize| -> std::collections::BTreeSet<String> {
        let style = Style {
            color: false,
            width,
        };
        render(&WithSource::new(&warning, &source), style)
            .split_whitespace()
            .map(str::to_owned)
            .collect()
    };
    let whole = words(usize::MAX);
    for width in [100, 60] {
        let wrapped = words(width);
        let split: Vec<&String> = wrapped.difference(&whole).collect();
        assert!(split.is_empty(), "width {width} split {split:?}");
    }
    // The counterexample is a block of JSON from a line `{` to the `}`
    // under it, which parses as it is printed.
    let out = rubric(&["check", path]);
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    let open = lines
        .iter()
        .position(|l| l.trim() == "{")
        .unwrap_or_else(|| panic!("no JSON block in\n{err}"));
    let indent = lines[open].len() - lines[open].trim_start().len();
    let close = (open..lines.len())
        .find(|&i| lines[i].trim() == "}" && lines[i].len() - lines[i].trim_start().len() == indent)
        .unwrap_or_else(|| panic!("JSON block not closed in\n{err}"));
    let json: Value = serde_json::from_str(&lines[open..=close].join("\n")).unwrap();
    assert_eq!(json["id"], "COUNTEREXAMPLE");
}

#[test]
fn explain_leaves_wrapping_to_the_pager_in_a_pipe() {
    let out = rubric(&["explain", "E0406"]);
    assert_exit(&out, 0);
    let e = rubric::explain::explain("E0406").unwrap();
    assert!(
        stdout(&out).lines().any(|l| l == e.text),
        "{}",
        stdout(&out)
    );
}

#[test]
fn junit_shows_test_files_that_cannot_be_run() {
    let out = rubric(&[
        "test",
        "tests/policy_test/malformed.tests.toml",
        "policies/cloud_crm.tests.toml",
        "--format",
        "junit",
    ]);
    assert_exit(&out, 1);
    let report = quick_junit::Report::deserialize_from_str(&stdout(&out)).unwrap();
    assert_eq!(report.errors, 1, "{}", stdout(&out));
    let suite = report
        .test_suites
        .iter()
        .find(|s| s.name.as_str().ends_with("malformed.tests.toml"))
        .unwrap();
    let load = &suite.test_cases[0];
    assert_eq!(load.name.as_str(), "load");
    let quick_junit::TestCaseStatus::NonSuccess { message, .. } = &load.status else {
        panic!("{:?}", load.status)
    };
    assert!(
        message
            .as_ref()
            .unwrap()
            .as_str()
            .contains("malformed.tests.toml:"),
        "{message:?}"
    );
    // Coverage below the minimum is a failure there too.
    let out = rubric(&[
        "test",
        "tests/policy_test/failing.tests.toml",
        "--min-coverage",
        "100",
        "--format",
        "junit",
    ]);
    assert_exit(&out, 1);
    let report = quick_junit::Report::deserialize_from_str(&stdout(&out)).unwrap();
    assert!(
        report.test_suites[0]
            .test_cases
            .iter()
            .any(|c| c.name.as_str() == "coverage"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn the_human_report_is_coloured_when_asked_and_plain_otherwise() {
    let coloured = rubric(&[
        "eval", POLICY, PARTNERS, "--as-of", AS_OF, "--color", "always",
    ]);
    assert_exit(&coloured, 0);
    assert!(
        stdout(&coloured).contains("\x1b[32m✓\x1b[0m"),
        "{}",
        stdout(&coloured)
    );
    assert!(stdout(&coloured).contains("\x1b[31m✗\x1b[0m"));
    let plain = rubric(&[
        "eval", POLICY, PARTNERS, "--as-of", AS_OF, "--color", "never",
    ]);
    assert!(!stdout(&plain).contains('\x1b'));
    // JSON is never coloured.
    let json = rubric(&[
        "eval", POLICY, PARTNERS, "--as-of", AS_OF, "--color", "always", "--format", "jsonl",
    ]);
    assert!(!stdout(&json).contains('\x1b'));
}
