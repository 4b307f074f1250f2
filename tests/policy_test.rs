//! `rubric test`: policy test files run through the binary, with coverage,
//! a readable diff for failing cases, JUnit output, and diagnostics that
//! point into malformed test files.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::process::{Command, Output};

fn rubric(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rubric"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).replace("\r\n", "\n")
}

macro_rules! snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({snapshot_path => "policy_test/snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!($name, $value);
        });
    };
}

#[test]
fn every_shipped_policy_test_passes_with_full_coverage() {
    let out = rubric(&["test", "policies", "--min-coverage", "100"]);
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        text(&out.stderr)
    );
    assert!(stdout.contains("(100.0%)"), "{stdout}");
    assert!(!stdout.contains('✗'), "{stdout}");
}

#[test]
fn a_failing_case_prints_what_differs_and_exits_1() {
    let out = rubric(&["test", "tests/policy_test/failing.tests.toml"]);
    assert_eq!(out.status.code(), Some(1));
    snapshot!("failing_case", text(&out.stdout));
}

#[test]
fn junit_output_is_junit_xml_with_one_case_per_case() {
    let out = rubric(&[
        "test",
        "tests/policy_test/failing.tests.toml",
        "policies",
        "--format",
        "junit",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let report = quick_junit::Report::deserialize_from_str(&text(&out.stdout)).unwrap();
    let shipped: Vec<String> = std::fs::read_dir("policies")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".tests.toml"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    assert_eq!(report.test_suites.len(), 1 + shipped.len());
    assert_eq!(report.failures, 1);
    let shipped_cases: usize = shipped.iter().map(|t| t.matches("[[case]]").count()).sum();
    assert_eq!(report.tests, 1 + shipped_cases);
}

#[test]
fn coverage_below_the_minimum_fails() {
    let out = rubric(&[
        "test",
        "tests/policy_test/failing.tests.toml",
        "--min-coverage",
        "100",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("never"), "{stdout}");
    snapshot!("coverage_report", stdout);
}

#[test]
fn malformed_test_files_get_diagnostics_pointing_into_them() {
    for name in ["invalid", "unknown_names", "malformed", "bad_amount"] {
        let path = format!("tests/policy_test/{name}.tests.toml");
        let out = rubric(&["test", &path]);
        assert_eq!(out.status.code(), Some(1), "{name}");
        snapshot!(format!("diagnostics_{name}"), text(&out.stderr));
    }
}

#[test]
fn requirements_are_labelled_by_option_tier_and_name() {
    let source = std::fs::read_to_string("policies/windows_devices.policy").unwrap();
    let policy = rubric::load_policy(&source).unwrap();
    let labels: Vec<String> = rubric::policy_test::labeled_requirements(&policy)
        .into_iter()
        .map(|l| l.label)
        .collect();
    assert!(
        labels.contains(&"surface_hub/gold/hub_devices per month".to_owned()),
        "{labels:?}"
    );
    assert!(
        labels.contains(&"service_partner/silver/either/2/people".to_owned()),
        "{labels:?}"
    );
    assert!(
        labels.contains(&"surface_hub/silver/attribute surface_hub_reseller".to_owned()),
        "{labels:?}"
    );
}
