//! `allow CODE "reason"` in a tier or option (issue 11, item 13): which
//! findings it accepts and which it does not, the errors and lint about the
//! `allow` itself (E0339, W0115), how `rubric check` reports an accepted
//! finding in each format, and `rubric fmt` on it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::process::Output;

use common::lang::rubric_command;

/// A policy whose gold tier differs in kind from silver (W0100), with
/// `ALLOW` replaced by the test's `allow` lines: `SILVER`, `GOLD`, `PLATINUM`
/// inside those tiers and `OPTION` in the option.
const POLICY: &str = r#"competency migration {
  version "2017-06"
  effective 2017-06-27
  tiers silver, gold, platinum
  attribute exams_passed "Passed the migration exams"
  attribute certified "Holds the migration certification"
  option main {
    OPTION
    tier silver {
      SILVER
      require attribute exams_passed
    }
    tier gold {
      GOLD
      require attribute certified
    }
    tier platinum {
      PLATINUM
      require attribute certified
      require attribute exams_passed
    }
  }
}
"#;

const REASON: &str = "gold is a certification path, not more of silver's exams";

/// `POLICY` with `line` in place of `at` and the other places left empty.
fn policy_with(at: &str, line: &str) -> String {
    let mut text = POLICY.replace(at, line);
    for place in ["OPTION", "SILVER", "GOLD", "PLATINUM"] {
        text = text.replace(place, "");
    }
    text
}

/// The codes `rubric::check_source` reports, and those an `allow` accepts.
fn codes(text: &str) -> (Vec<String>, Vec<(String, String)>) {
    let checked = rubric::check_source(text);
    let reported = checked.diagnostics.iter().map(|d| d.code_text()).collect();
    let allowed = checked
        .allowed
        .iter()
        .map(|a| (a.warning.code_text(), a.reason.clone()))
        .collect();
    (reported, allowed)
}

fn rubric_stdin(args: &[&str], input: &str) -> Output {
    use std::io::Write as _;
    let mut child = rubric_command(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn without_an_allow_gold_is_w0100() {
    let (reported, allowed) = codes(&policy_with("GOLD", ""));
    assert_eq!(reported, ["W0100"]);
    assert!(allowed.is_empty());
}

#[test]
fn an_allow_in_the_higher_tier_accepts_w0100_with_its_reason() {
    let (reported, allowed) = codes(&policy_with("GOLD", &format!("allow W0100 \"{REASON}\"")));
    assert!(reported.is_empty(), "{reported:?}");
    assert_eq!(allowed, [("W0100".to_owned(), REASON.to_owned())]);
}

#[test]
fn an_allow_in_the_option_accepts_w0100_in_all_its_tiers() {
    let (reported, allowed) = codes(&policy_with("OPTION", "allow W0100 \"by design\""));
    assert!(reported.is_empty(), "{reported:?}");
    assert_eq!(allowed, [("W0100".to_owned(), "by design".to_owned())]);
}

#[test]
fn an_allow_in_another_tier_accepts_nothing_and_is_w0115() {
    // Platinum requires all that silver and gold do: the W0100 between
    // silver and gold does not point into it.
    let (reported, allowed) = codes(&policy_with("PLATINUM", "allow W0100 \"by design\""));
    assert_eq!(reported, ["W0100", "W0115"]);
    assert!(allowed.is_empty());
}

#[test]
fn an_allow_of_another_lint_does_not_accept_w0100() {
    let (reported, allowed) = codes(&policy_with("GOLD", "allow W0101 \"by design\""));
    assert_eq!(reported, ["W0100", "W0115"]);
    assert!(allowed.is_empty());
}

#[test]
fn the_tiers_allow_accepts_before_the_options_which_then_is_w0115() {
    let text = policy_with("GOLD", "allow W0100 \"in gold\"").replace(
        "  option main {\n",
        "  option main {\n    allow W0100 \"everywhere\"\n",
    );
    let (reported, allowed) = codes(&text);
    assert_eq!(reported, ["W0115"]);
    assert_eq!(allowed, [("W0100".to_owned(), "in gold".to_owned())]);
}

#[test]
fn codes_match_exactly() {
    let (reported, _) = codes(&policy_with("GOLD", "allow w0100 \"by design\""));
    assert_eq!(reported, ["E0339"]);
}

#[test]
fn an_error_code_an_unknown_code_or_no_reason_is_e0339() {
    for line in [
        "allow E0201 \"by design\"",
        "allow W0999 \"by design\"",
        "allow W0100",
        "allow W0100 \"  \"",
    ] {
        let checked = rubric::check_source(&policy_with("GOLD", line));
        assert!(checked.policy.is_none(), "{line}");
        let codes: Vec<String> = checked.diagnostics.iter().map(|d| d.code_text()).collect();
        assert_eq!(codes, ["E0339"], "{line}");
    }
}

#[test]
fn human_output_shows_the_accepted_finding_on_one_line_and_exits_0_under_deny_warnings() {
    let text = policy_with("GOLD", &format!("allow W0100 \"{REASON}\""));
    let out = rubric_stdin(&["check", "-", "--deny", "warnings"], &text);
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!(String::from_utf8(out.stderr).unwrap(), @r"
    allowed: W0100 at <stdin>:11:7 (gold is a certification path, not more of silver's exams)

    <stdin>: ok
    ");
}

#[test]
fn project_wide_allow_still_silences_the_lint() {
    let text = policy_with("GOLD", &format!("allow W0100 \"{REASON}\""));
    let out = rubric_stdin(&["check", "-", "--allow", "W0100"], &text);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8(out.stderr).unwrap().trim(), "<stdin>: ok");
}

#[test]
fn json_keeps_the_accepted_finding_with_its_reason_and_counts_no_warning() {
    let text = policy_with("GOLD", &format!("allow W0100 \"{REASON}\""));
    let out = rubric_stdin(&["check", "-", "--format", "json"], &text);
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = json["files"][0]["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0]["code"], "W0100");
    assert_eq!(findings[0]["allowed"], REASON);
    assert_eq!(json["summary"]["warnings"], 0);
    assert_eq!(json["summary"]["errors"], 0);
}

#[test]
fn json_findings_that_are_not_accepted_have_no_allowed_field() {
    let out = rubric_stdin(
        &["check", "-", "--format", "json"],
        &policy_with("GOLD", ""),
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let finding = &json["files"][0]["findings"][0];
    assert_eq!(finding["code"], "W0100");
    assert!(finding.get("allowed").is_none());
    assert_eq!(json["summary"]["warnings"], 1);
}

#[test]
fn github_and_junit_pass_over_the_accepted_finding() {
    let text = policy_with("GOLD", &format!("allow W0100 \"{REASON}\""));
    let github = rubric_stdin(&["check", "-", "--format", "github"], &text);
    assert!(String::from_utf8(github.stdout).unwrap().trim().is_empty());
    let junit = rubric_stdin(&["check", "-", "--format", "junit", "-D", "W0100"], &text);
    assert_eq!(junit.status.code(), Some(0));
    assert!(
        !String::from_utf8(junit.stdout)
            .unwrap()
            .contains("<failure")
    );
}

/// Where CI lays the shared data: beside the checkout, not inside it.
const SARIF_SCHEMA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/sarif-schema-2.1.0.json"
);

#[test]
fn sarif_keeps_the_reason_as_an_in_source_suppression() {
    let text = policy_with("GOLD", &format!("allow W0100 \"{REASON}\""));
    let out = rubric_stdin(&["check", "-", "--format", "sarif"], &text);
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // Valid against the official schema where the shared data has it (as
    // tests/lint.rs checks), and read back field for field by serde-sarif.
    match std::fs::read_to_string(SARIF_SCHEMA) {
        Ok(schema) => {
            let schema: serde_json::Value = serde_json::from_str(&schema).unwrap();
            let validator = jsonschema::validator_for(&schema).unwrap();
            let errors: Vec<String> = validator
                .iter_errors(&sarif)
                .map(|e| e.to_string())
                .collect();
            assert!(errors.is_empty(), "{errors:#?}");
        }
        Err(err) => assert!(
            !std::env::var("RUBRIC_REQUIRE_SHARED").is_ok_and(|v| !v.is_empty() && v != "0"),
            "{SARIF_SCHEMA}: {err}"
        ),
    }
    let typed: serde_sarif::sarif::Sarif = serde_json::from_value(sarif.clone()).unwrap();
    assert_eq!(serde_json::to_value(&typed).unwrap(), sarif);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["ruleId"], "W0100");
    assert_eq!(
        results[0]["suppressions"],
        serde_json::json!([{ "kind": "inSource", "justification": REASON }])
    );
    // A finding no `allow` accepts has no suppressions.
    let out = rubric_stdin(
        &["check", "-", "--format", "sarif"],
        &policy_with("GOLD", ""),
    );
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(sarif["runs"][0]["results"][0].get("suppressions").is_none());
}

#[test]
fn fmt_puts_allows_first_keeps_comments_and_is_stable() {
    let text = r#"competency migration {
  tiers silver, gold
  option main {
    tier silver {
      require attribute exams_passed
    }
    # the whole option
    allow   W0101   "undecided by design"
    tier gold {
      require attribute certified
      # why gold differs
      allow W0100 "a \"certification\" path" # from the page
    }
  }
}
"#;
    let formatted = rubric::format::format(text).unwrap();
    insta::assert_snapshot!(formatted, @r#"
    competency migration {
      tiers silver, gold

      option main {
        # the whole option
        allow W0101 "undecided by design"

        tier silver {
          require attribute exams_passed
        }

        tier gold {
          # why gold differs
          allow W0100 "a \"certification\" path" # from the page
          require attribute certified
        }
      }
    }
    "#);
    assert_eq!(rubric::format::format(&formatted).unwrap(), formatted);
    let before = rubric::syntax::parse_all(text).unwrap();
    let after = rubric::syntax::parse_all(&formatted).unwrap();
    let allows = |f: &rubric::ast::PolicyFile| -> Vec<(String, Option<String>)> {
        f.competency
            .items
            .iter()
            .filter_map(|i| match i {
                rubric::ast::Item::Option(o) => Some(o),
                _ => None,
            })
            .flat_map(|o| {
                o.allows
                    .iter()
                    .chain(o.tiers.iter().flat_map(|t| &t.allows))
            })
            .map(|a| {
                (
                    a.code.name.clone(),
                    a.reason.as_ref().map(|r| r.value.clone()),
                )
            })
            .collect()
    };
    assert_eq!(allows(&before), allows(&after));
    assert_eq!(allows(&after).len(), 2);
}

#[test]
fn a_missing_reason_survives_fmt_for_the_checker_to_report() {
    let text = policy_with("GOLD", "allow W0100");
    let formatted = rubric::format::format(&text).unwrap();
    assert!(formatted.contains("      allow W0100\n"), "{formatted}");
}
