//! Lints and `rubric check` for CI: the tier-ordering proof (proven, refuted
//! with a counterexample the evaluator confirms, or honestly undecided), lint
//! levels from flags and `rubric.toml`, and the machine formats (JSON, SARIF
//! validated against the official 2.1.0 schema, GitHub, JUnit).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::process::{Command, Output};

use rubric::lint::Level;
use rubric::lint::order::{Verdict, tier_order};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/diagnostics/policy");

fn policy(path: &str) -> rubric::model::Policy {
    rubric::load_policy(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn fixture(name: &str) -> rubric::model::Policy {
    policy(&format!("{FIXTURES}/{name}"))
}

fn rubric(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rubric"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[test]
fn every_shipped_policy_is_proven_ordered() {
    for name in [
        "cloud_crm",
        "cloud_platform",
        "data_analytics",
        "windows_devices",
    ] {
        let policy = policy(&format!(
            "{}/policies/{name}.policy",
            env!("CARGO_MANIFEST_DIR")
        ));
        let pairs = tier_order(&policy);
        assert!(!pairs.is_empty(), "{name}");
        for pair in pairs {
            assert_eq!(pair.verdict, Verdict::Proven, "{name}: {pair:?}");
        }
    }
}

/// The counterexample meets the higher tier and misses the lower one, when
/// evaluated independently of the lint.
fn assert_confirmed(policy: &rubric::model::Policy, verdict: &Verdict) {
    let Verdict::Refuted {
        counterexample,
        as_of,
        ..
    } = verdict
    else {
        panic!("expected a refutation, got {verdict:?}");
    };
    let records = rubric::data::read::whole_text("counterexample.json", counterexample.clone());
    let record = records.into_iter().next().unwrap().unwrap();
    let partner = rubric::data::Partner::parse(&record).unwrap();
    let outcome = rubric::eval::Evaluator::new(policy, *as_of)
        .evaluate(&partner)
        .unwrap();
    let tiers = &outcome.options[0].tiers;
    assert!(tiers[1].met, "the counterexample must meet gold");
    assert!(!tiers[0].met, "the counterexample must miss silver");
}

#[test]
fn gold_asking_for_less_revenue_than_silver_is_refuted_with_a_partner() {
    let policy = fixture("W0100_gold_weaker_in_revenue.policy");
    let pairs = tier_order(&policy);
    let Verdict::Refuted { reason, .. } = &pairs[0].verdict else {
        panic!("{pairs:?}")
    };
    assert!(reason.contains("developed"), "{reason}");
    assert_confirmed(&policy, &pairs[0].verdict);
}

#[test]
fn gold_needing_fewer_people_than_silver_is_refuted_with_a_partner() {
    let policy = fixture("W0100_gold_weaker_in_people.policy");
    let pairs = tier_order(&policy);
    assert_confirmed(&policy, &pairs[0].verdict);
}

#[test]
fn an_order_neither_proven_nor_refuted_is_reported_as_undecided() {
    let policy = fixture("W0101_order_undecided.policy");
    let pairs = tier_order(&policy);
    assert!(
        matches!(pairs[0].verdict, Verdict::Undecided { .. }),
        "{pairs:?}"
    );
}

#[test]
fn more_people_and_more_revenue_in_gold_is_proven() {
    let source =
        std::fs::read_to_string(format!("{FIXTURES}/W0103_exam_never_used.policy")).unwrap();
    let policy = rubric::load_policy(&source).unwrap();
    assert_eq!(tier_order(&policy)[0].verdict, Verdict::Proven);
}

#[test]
fn a_market_silver_does_not_cover_makes_an_everywhere_gold_unordered() {
    // Gold's single threshold applies to markets silver never names.
    let source = std::fs::read_to_string(format!("{FIXTURES}/W0103_exam_never_used.policy"))
        .unwrap()
        .replace(
            "require crm >= { developed: 300_000 USD }",
            "require crm >= 300_000 USD",
        );
    let policy = rubric::load_policy(&source).unwrap();
    let pairs = tier_order(&policy);
    assert_confirmed(&policy, &pairs[0].verdict);
}

#[test]
fn lint_levels_allow_deny_and_deny_warnings() {
    let mut levels = rubric::lint::Levels::default();
    assert_eq!(levels.level("W0103"), Some(Level::Warning));
    levels.allow("w0103");
    assert_eq!(levels.level("W0103"), None);
    levels.deny("warnings");
    assert_eq!(levels.level("W0104"), Some(Level::Error));
    assert_eq!(levels.level("W0103"), None, "an allowed lint stays allowed");
    levels.deny("W0103");
    assert_eq!(
        levels.level("W0103"),
        Some(Level::Error),
        "a later deny wins"
    );
    let from_file =
        rubric::lint::Levels::from_config("[lints]\nallow = [\"W0108\"]\ndeny = [\"W0104\"]\n")
            .unwrap();
    assert_eq!(from_file.level("W0108"), None);
    assert_eq!(from_file.level("W0104"), Some(Level::Error));
    assert_eq!(from_file.level("W0105"), Some(Level::Warning));
}

#[test]
fn warnings_pass_unless_denied() {
    let path = "tests/diagnostics/policy/W0103_exam_never_used.policy";
    let out = rubric(&["check", path]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("W0103"));
    assert_eq!(
        rubric(&["check", path, "--deny", "warnings"]).status.code(),
        Some(1)
    );
    assert_eq!(
        rubric(&["check", path, "-D", "W0103"]).status.code(),
        Some(1)
    );
    let allowed = rubric(&["check", path, "--deny", "warnings", "--allow", "W0103"]);
    assert_eq!(allowed.status.code(), Some(0));
    assert!(!String::from_utf8_lossy(&allowed.stderr).contains("⚠"));
}

#[test]
fn a_rubric_toml_sets_lint_levels() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("rubric.toml");
    std::fs::write(&config, "[lints]\ndeny = [\"warnings\"]\n").unwrap();
    let path = "tests/diagnostics/policy/W0103_exam_never_used.policy";
    let out = rubric(&["check", path, "--config", config.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    std::fs::write(&config, "[lints]\ndeny = warnings\n").unwrap();
    let out = rubric(&["check", path, "--config", config.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("E0600"));
}

#[test]
fn check_walks_directories_and_reports_every_file() {
    let out = rubric(&["check", "tests/diagnostics/policy", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let files = json["files"].as_array().unwrap();
    let on_disk = std::fs::read_dir(FIXTURES)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "policy")
        })
        .count();
    assert_eq!(files.len(), on_disk);
    let first = &files
        .iter()
        .find(|f| f["path"].as_str().unwrap().contains("/E0201_"))
        .unwrap()["findings"][0];
    assert_eq!(first["code"], "E0201");
    assert_eq!(first["level"], "error");
    assert!(first["labels"][0]["line"].as_u64().unwrap() > 0);
    assert_eq!(first["labels"][0]["primary"], true);
    assert!(json["summary"]["errors"].as_u64().unwrap() >= on_disk as u64 - 12);
}

/// Where CI lays the shared data: beside the checkout, not inside it.
const SARIF_SCHEMA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/sarif-schema-2.1.0.json"
);

/// The official SARIF 2.1.0 schema when the shared data is beside the
/// checkout; `None` on a fresh clone, unless `RUBRIC_REQUIRE_SHARED` is set
/// (as `.ci/run` does), which makes the schema mandatory.
fn sarif_schema() -> Option<serde_json::Value> {
    match std::fs::read_to_string(SARIF_SCHEMA) {
        Ok(text) => Some(serde_json::from_str(&text).unwrap()),
        Err(err) => {
            let required =
                std::env::var("RUBRIC_REQUIRE_SHARED").is_ok_and(|v| !v.is_empty() && v != "0");
            assert!(
                !required,
                "RUBRIC_REQUIRE_SHARED is set but {SARIF_SCHEMA} cannot be read: {err}"
            );
            None
        }
    }
}

/// Asserts that `sarif` is valid SARIF 2.1.0: against the official schema
/// where it is present, and always against serde-sarif's typed model (which
/// must read it back field for field, so nothing it does not know is
/// written) plus the properties the schema requires of what Rubric writes.
pub fn assert_valid_sarif(sarif: &serde_json::Value) {
    if let Some(schema) = sarif_schema() {
        let validator = jsonschema::validator_for(&schema).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(sarif)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
    }
    let typed: serde_sarif::sarif::Sarif =
        serde_json::from_value(sarif.clone()).unwrap_or_else(|e| panic!("not SARIF 2.1.0: {e}"));
    assert_eq!(
        &serde_json::to_value(&typed).unwrap(),
        sarif,
        "the SARIF holds something the 2.1.0 model does not know, or in another shape"
    );
    assert_eq!(sarif["version"], "2.1.0");
    let runs = sarif["runs"].as_array().expect("runs is required");
    assert!(!runs.is_empty());
    for run in runs {
        let driver = &run["tool"]["driver"];
        assert!(
            !driver["name"]
                .as_str()
                .expect("tool.driver.name")
                .is_empty()
        );
        let rules = driver["rules"].as_array().cloned().unwrap_or_default();
        let ids: Vec<&str> = rules
            .iter()
            .map(|r| r["id"].as_str().expect("rule id"))
            .collect();
        let mut unique = ids.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), ids.len(), "rule ids are unique");
        for result in run["results"].as_array().expect("results") {
            assert!(
                !result["message"]["text"]
                    .as_str()
                    .expect("message.text")
                    .is_empty()
            );
            let rule_id = result["ruleId"].as_str().expect("ruleId");
            if let Some(index) = result["ruleIndex"].as_u64() {
                assert_eq!(ids[index as usize], rule_id, "ruleIndex points at its rule");
            }
            let locations = result["locations"].as_array().cloned().unwrap_or_default();
            let related = result["relatedLocations"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            for location in locations.iter().chain(&related) {
                let physical = &location["physicalLocation"];
                let uri = physical["artifactLocation"]["uri"].as_str().expect("uri");
                assert!(
                    !uri.contains(['#', '?', ' ']),
                    "an artifact URI is percent-encoded: {uri}"
                );
                let region = &physical["region"];
                if !region.is_null() {
                    assert!(region["startLine"].as_u64().expect("startLine") >= 1);
                    assert!(region["startColumn"].as_u64().unwrap_or(1) >= 1);
                }
            }
        }
    }
}

#[test]
fn sarif_output_validates_against_the_sarif_2_1_0_schema() {
    let out = rubric(&["check", "tests/diagnostics/policy", "--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_valid_sarif(&sarif);
    // A rule for every code, each with its explanation as help.
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert_eq!(rules.len(), rubric::explain::all().len());
    assert!(
        rules
            .iter()
            .all(|r| !r["help"]["text"].as_str().unwrap().is_empty())
    );
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(
        results
            .iter()
            .any(|r| r["ruleId"] == "W0100" && r["level"] == "warning")
    );
    assert!(
        results
            .iter()
            .any(|r| r["ruleId"] == "E0201" && r["level"] == "error")
    );
}

#[test]
fn github_format_is_one_workflow_command_per_finding() {
    let out = rubric(&[
        "check",
        "tests/diagnostics/policy/W0103_exam_never_used.policy",
        "--format",
        "github",
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text.lines().next().unwrap();
    assert!(
        line.starts_with(
            "::warning file=tests/diagnostics/policy/W0103_exam_never_used.policy,line="
        ),
        "{line}"
    );
    assert!(
        line.contains(",title=W0103::exam `MB2-707` is in the catalog"),
        "{line}"
    );
    assert_eq!(text.lines().count(), 1);
}

#[test]
fn junit_format_has_a_case_per_file_and_lint() {
    let out = rubric(&[
        "check",
        "policies",
        "tests/diagnostics/policy/W0103_exam_never_used.policy",
        "--format",
        "junit",
    ]);
    let report =
        quick_junit::Report::deserialize_from_str(&String::from_utf8(out.stdout).unwrap()).unwrap();
    // Four policies, the three Cloud CRM versions and the fixture.
    assert_eq!(report.test_suites.len(), 8);
    let per_file = 1 + rubric::lint::CODES.len();
    assert_eq!(report.tests, 8 * per_file);
    // W0103 fires, but as a warning `check` passes, and so does its case.
    assert_eq!(report.failures, 0);
}

/// Runs `rubric check PATHS --format FORMAT`.
fn check_as(format: &str, paths: &[&str], more: &[&str]) -> Output {
    let mut args = vec!["check", "--format", format];
    args.extend(paths);
    args.extend(more);
    rubric(&args)
}

fn junit_report(out: &Output) -> quick_junit::Report {
    quick_junit::Report::deserialize_from_str(&String::from_utf8(out.stdout.clone()).unwrap())
        .unwrap()
}

/// The status of the case `name` in the suite for a file whose path ends in `file`.
fn junit_case(report: &quick_junit::Report, file: &str, name: &str) -> quick_junit::TestCaseStatus {
    let suite = report
        .test_suites
        .iter()
        .find(|s| s.name.as_str().ends_with(file))
        .unwrap_or_else(|| panic!("no suite for {file}"));
    suite
        .test_cases
        .iter()
        .find(|c| c.name.as_str() == name)
        .unwrap_or_else(|| panic!("no case {name} for {file}"))
        .status
        .clone()
}

#[test]
fn junit_fails_a_lint_only_where_it_is_denied_and_skips_lints_of_a_broken_file() {
    use quick_junit::{NonSuccessKind, TestCaseStatus};
    let warned = "tests/diagnostics/policy/W0103_exam_never_used.policy";
    let broken = "tests/diagnostics/policy/E0100_unclosed_brace_at_eof.policy";
    let out = check_as("junit", &[warned], &[]);
    assert_eq!(out.status.code(), Some(0));
    let report = junit_report(&out);
    assert_eq!((report.failures, report.errors), (0, 0));
    let TestCaseStatus::Success { .. } = junit_case(&report, warned, "W0103") else {
        panic!("a warning that is not denied passes")
    };
    let out = check_as("junit", &[warned], &["-D", "W0103"]);
    assert_eq!(out.status.code(), Some(1));
    let report = junit_report(&out);
    assert_eq!(report.failures, 1);
    assert!(matches!(
        junit_case(&report, warned, "W0103"),
        TestCaseStatus::NonSuccess {
            kind: NonSuccessKind::Failure,
            ..
        }
    ));
    let out = check_as("junit", &[broken], &[]);
    assert_eq!(out.status.code(), Some(1));
    let report = junit_report(&out);
    assert!(matches!(
        junit_case(&report, broken, "check"),
        TestCaseStatus::NonSuccess {
            kind: NonSuccessKind::Error,
            ..
        }
    ));
    for code in rubric::lint::CODES {
        assert!(
            matches!(
                junit_case(&report, broken, code),
                TestCaseStatus::Skipped { .. }
            ),
            "{code} did not run on a file that does not parse, so it cannot pass"
        );
    }
}

#[test]
fn a_policy_that_cannot_be_read_is_an_error_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        format!("{FIXTURES}/W0103_exam_never_used.policy"),
        dir.path().join("good.policy"),
    )
    .unwrap();
    std::fs::write(dir.path().join("latin1.policy"), b"# caf\xe9\n").unwrap();
    let path = dir.path().to_str().unwrap();
    let missing = dir.path().join("missing.policy");
    let missing = missing.to_str().unwrap();
    for format in ["human", "json", "sarif", "github", "junit"] {
        let out = check_as(format, &[path, missing], &[]);
        assert_eq!(out.status.code(), Some(2), "{format}");
        let stdout = String::from_utf8(out.stdout.clone()).unwrap();
        let stderr = String::from_utf8(out.stderr.clone()).unwrap();
        match format {
            "human" => {
                assert!(stderr.contains("latin1.policy: 1 error"), "{stderr}");
                assert!(stderr.contains("missing.policy: 1 error"), "{stderr}");
                assert!(stderr.contains("E0406"), "{stderr}");
            }
            "json" => {
                let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
                assert_eq!(json["summary"]["errors"], 2, "{json:#}");
                assert_eq!(json["summary"]["warnings"], 1, "{json:#}");
                let unreadable: Vec<&str> = json["files"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|f| f["findings"][0]["code"] == "E0406")
                    .map(|f| f["path"].as_str().unwrap())
                    .collect();
                assert_eq!(unreadable.len(), 2, "{json:#}");
                assert!(unreadable.iter().any(|p| p.ends_with("latin1.policy")));
            }
            "sarif" => {
                let sarif: serde_json::Value = serde_json::from_str(&stdout).unwrap();
                assert_valid_sarif(&sarif);
                let results = sarif["runs"][0]["results"].as_array().unwrap();
                let uris: Vec<&str> = results
                    .iter()
                    .filter(|r| r["ruleId"] == "E0406" && r["level"] == "error")
                    .map(|r| {
                        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                            .as_str()
                            .unwrap()
                    })
                    .collect();
                assert_eq!(uris.len(), 2, "{sarif:#}");
            }
            "github" => {
                let errors: Vec<&str> = stdout
                    .lines()
                    .filter(|l| l.starts_with("::error file=") && l.contains("E0406"))
                    .collect();
                assert_eq!(errors.len(), 2, "{stdout}");
            }
            "junit" => {
                let report = junit_report(&out);
                assert_eq!(report.errors, 2, "{stdout}");
                assert!(matches!(
                    junit_case(&report, "latin1.policy", "check"),
                    quick_junit::TestCaseStatus::NonSuccess { .. }
                ));
            }
            _ => unreachable!(),
        }
    }
}

/// A policy whose syntax error follows Korean and an emoji (outside the
/// Basic Multilingual Plane, so two UTF-16 units and four UTF-8 bytes) on
/// its line, in a file whose name needs percent-encoding in a URI.
fn astral_policy(dir: &std::path::Path) -> std::path::PathBuf {
    let text = std::fs::read_to_string(format!(
        "{FIXTURES}/E0100_korean_title_missing_brace.policy"
    ))
    .unwrap()
    .replace("클라우드 CRM 리셀러 옵션", "클라우드 🚀 CRM 리셀러 옵션");
    let path = dir.join("astral #1.policy");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn every_format_counts_columns_in_characters() {
    let dir = tempfile::tempdir().unwrap();
    let path = astral_policy(dir.path());
    let text = std::fs::read_to_string(&path).unwrap();
    // The error is at `tier`, after the title: count characters by hand.
    let line = text.lines().nth(25).unwrap();
    let before = &line[..line.find(" tier silver").unwrap() + 1];
    let column = before.chars().count() + 1;
    assert_eq!(column, 39);
    assert_ne!(before.len() + 1, column, "bytes would differ");
    assert_ne!(
        before.encode_utf16().count() + 1,
        column,
        "UTF-16 would differ"
    );
    let path = path.to_str().unwrap();

    let human = String::from_utf8(check_as("human", &[path], &[]).stderr).unwrap();
    assert!(
        human.contains(&format!("astral #1.policy:26:{column}]")),
        "{human}"
    );

    let json: serde_json::Value =
        serde_json::from_slice(&check_as("json", &[path], &[]).stdout).unwrap();
    let label = &json["files"][0]["findings"][0]["labels"][0];
    assert_eq!(
        (label["line"].as_u64(), label["column"].as_u64()),
        (Some(26), Some(column as u64))
    );

    let github = String::from_utf8(check_as("github", &[path], &[]).stdout).unwrap();
    assert!(
        github.contains(&format!(",line=26,col={column},")),
        "{github}"
    );

    let junit = junit_report(&check_as("junit", &[path], &[]));
    let quick_junit::TestCaseStatus::NonSuccess { message, .. } =
        junit_case(&junit, "astral #1.policy", "check")
    else {
        panic!("the syntax error fails the check case")
    };
    assert!(
        message
            .unwrap()
            .as_str()
            .starts_with(&format!("26:{column}: "))
    );

    let sarif: serde_json::Value =
        serde_json::from_slice(&check_as("sarif", &[path], &[]).stdout).unwrap();
    assert_valid_sarif(&sarif);
    assert_eq!(sarif["runs"][0]["columnKind"], "unicodeCodePoints");
    let location = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(location["region"]["startColumn"], column as u64);
    let uri = location["artifactLocation"]["uri"].as_str().unwrap();
    assert!(uri.starts_with("file:///"), "{uri}");
    assert!(uri.ends_with("/astral%20%231.policy"), "{uri}");
}

#[test]
fn sarif_keeps_secondary_labels_as_related_locations() {
    let path = "tests/diagnostics/policy/W0100_gold_weaker_in_revenue.policy";
    let human = String::from_utf8(check_as("human", &[path], &[]).stderr).unwrap();
    let sarif: serde_json::Value =
        serde_json::from_slice(&check_as("sarif", &[path], &[]).stdout).unwrap();
    assert_valid_sarif(&sarif);
    let result = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "W0100")
        .unwrap();
    let related = result["relatedLocations"].as_array().unwrap();
    assert!(!related.is_empty(), "{result:#}");
    for location in related {
        let message = location["message"]["text"].as_str().unwrap();
        assert!(
            human.contains(message),
            "`{message}` is a label of the human report"
        );
        assert_eq!(
            location["physicalLocation"]["artifactLocation"]["uri"],
            "tests/diagnostics/policy/W0100_gold_weaker_in_revenue.policy"
        );
    }
}

#[test]
fn artifact_uris_are_percent_encoded() {
    use rubric::report::check::artifact_uri;
    assert_eq!(artifact_uri("policies/a.policy"), "policies/a.policy");
    assert_eq!(artifact_uri("a #1?.policy"), "a%20%231%3F.policy");
    assert_eq!(
        artifact_uri("/srv/정책.policy"),
        "file:///srv/%EC%A0%95%EC%B1%85.policy"
    );
    assert_eq!(artifact_uri("dir\\100%.policy"), "dir/100%25.policy");
}

/// Policies whose tiers are ordered, that once raised a false W0101: each
/// raises no lint at all, and the prover proves every pair.
#[test]
fn ordered_tiers_raise_no_false_alarm() {
    insta::with_settings!({
        snapshot_path => "lint/ok/snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::glob!("lint/ok/*.policy", |path| {
            let source = std::fs::read_to_string(path).unwrap().replace("\r\n", "\n");
            let checked = rubric::check_source(&source);
            let codes: Vec<String> = checked.diagnostics.iter().map(|d| d.code_text()).collect();
            assert!(codes.is_empty(), "{}: {codes:?}", path.display());
            let verdicts: Vec<String> = tier_order(checked.policy.as_ref().unwrap())
                .iter()
                .map(|p| format!("tier {} below tier {}: {:?}", p.lower, p.higher, p.verdict))
                .collect();
            insta::assert_snapshot!(verdicts.join("\n"));
        });
    });
}

#[test]
fn a_shared_gold_one_person_can_meet_is_refuted_against_a_distinct_silver() {
    let policy = fixture("W0100_gold_shares_people_silver_keeps_apart.policy");
    let pairs = tier_order(&policy);
    let Verdict::Refuted { counterexample, .. } = &pairs[0].verdict else {
        panic!("{pairs:?}")
    };
    let partner: serde_json::Value = serde_json::from_str(counterexample).unwrap();
    assert_eq!(partner["people"].as_array().unwrap().len(), 1, "{partner}");
    assert_confirmed(&policy, &pairs[0].verdict);
}

#[test]
fn the_undecided_help_says_what_silences_w0101() {
    let source =
        std::fs::read_to_string(format!("{FIXTURES}/W0101_order_undecided.policy")).unwrap();
    let checked = rubric::check_source(&source);
    let w0101 = checked
        .diagnostics
        .iter()
        .find(|d| d.code_text() == "W0101")
        .unwrap();
    let help = miette::Diagnostic::help(w0101).unwrap().to_string();
    assert!(
        help.contains("allow = [\"W0101\"]") && help.contains("--allow W0101"),
        "{help}"
    );
    assert!(!help.contains("add a policy test"), "{help}");
    // And it does silence it.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("rubric.toml");
    std::fs::write(&config, "[lints]\nallow = [\"W0101\"]\n").unwrap();
    let path = "tests/diagnostics/policy/W0101_order_undecided.policy";
    let out = rubric(&["check", path, "--config", config.to_str().unwrap()]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("⚠"));
    let out = rubric(&["check", path, "--allow", "W0101"]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("⚠"));
    assert!(String::from_utf8_lossy(&rubric(&["check", path]).stderr).contains("W0101"));
}

/// The counterexample as the human report prints it, at `width` columns:
/// the as-of date and the JSON text after the help's colon.
fn printed_counterexample(source: &str, width: usize) -> (chrono::NaiveDate, String) {
    use rubric::report::diagnostic::{Style, WithSource, render};
    let checked = rubric::check_source(source);
    let w0100 = checked
        .diagnostics
        .iter()
        .find(|d| d.code_text() == "W0100")
        .unwrap();
    let named = miette::NamedSource::new("policy", source.to_owned());
    let text = render(
        &WithSource::new(w0100, &named),
        Style {
            color: false,
            width,
        },
    );
    let (_, help) = text.split_once("help:").unwrap();
    let (head, json) = help.split_at(help.find('{').unwrap());
    let head = head.split_whitespace().collect::<Vec<_>>().join(" ");
    let date = head
        .split("as of ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap();
    (date.parse().unwrap(), json.to_owned())
}

/// The printed counterexample can be pasted into a data file: it parses as
/// partner data, and meets gold but not silver when evaluated, even with a
/// product name longer than the line and at a narrow width.
#[test]
fn the_printed_counterexample_parses_as_partner_data_and_shows_the_claim() {
    let plain =
        std::fs::read_to_string(format!("{FIXTURES}/W0100_gold_weaker_in_people.policy")).unwrap();
    let long = plain.replace(
        "\"CRM Online\"",
        "\"Dynamics 365 for Customer Engagement Plan Enterprise Edition Online\"",
    );
    for source in [&plain, &long] {
        let policy = rubric::load_policy(source).unwrap();
        for width in [80, 40] {
            let (as_of, json) = printed_counterexample(source, width);
            let records = rubric::data::read::whole_text("pasted.json", json.clone());
            let record = records.into_iter().next().unwrap().unwrap();
            let partner =
                rubric::data::Partner::parse(&record).unwrap_or_else(|e| panic!("{e:?}\n{json}"));
            let outcome = rubric::eval::Evaluator::new(&policy, as_of)
                .evaluate(&partner)
                .unwrap();
            let tiers = &outcome.options[0].tiers;
            assert!(tiers[1].met && !tiers[0].met, "{json}");
        }
    }
}

/// With no `effective` date and no exam dates, Rubric has no date to build a
/// counterexample at, and says so instead of picking one.
#[test]
fn without_an_effective_date_no_counterexample_date_is_made_up() {
    let source = std::fs::read_to_string(format!("{FIXTURES}/W0100_gold_weaker_in_people.policy"))
        .unwrap()
        .replace("  effective 2017-06-27\n", "");
    let policy = rubric::load_policy(&source).unwrap();
    assert_eq!(rubric::lint::order::counterexample_date(&policy), None);
    let Verdict::Undecided { reason, .. } = &tier_order(&policy)[0].verdict else {
        panic!()
    };
    assert!(reason.contains("no `effective` date"), "{reason}");
}
