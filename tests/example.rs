//! `rubric example`: for every shipped policy, option, tier, market and
//! requirement, the synthesised partner evaluates to what it claims (checked
//! here again, independently of the check inside synthesis), and its test
//! case passes; snapshots of a few outputs and of the CLI's errors.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::process::{Command, Output};

use chrono::NaiveDate;
use rubric::data::{Partner, read};
use rubric::eval::Evaluator;
use rubric::example::{ExampleError, Request, synthesize};
use rubric::policy_test::{self, labeled_requirements, outcome_of};

macro_rules! snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({snapshot_path => "example/snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!($name, $value);
        });
    };
}

fn policies() -> Vec<(String, rubric::model::Policy)> {
    let mut out = Vec::new();
    for dir in ["policies", "tests/shapes"] {
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "policy"))
            .collect();
        paths.sort();
        for path in paths {
            let text = std::fs::read_to_string(&path).unwrap();
            out.push((
                path.display().to_string(),
                rubric::load_policy(&text).unwrap(),
            ));
        }
    }
    out
}

/// The dates tried: the policy's effective date, and dates either side of
/// the shapes' retirements and availabilities.
fn dates(policy: &rubric::model::Policy) -> Vec<NaiveDate> {
    let mut out: Vec<NaiveDate> = policy.effective.into_iter().collect();
    for (y, m, d) in [(2017, 6, 30), (2019, 6, 30)] {
        out.push(NaiveDate::from_ymd_opt(y, m, d).unwrap());
    }
    out
}

fn evaluate<'p>(
    policy: &'p rubric::model::Policy,
    as_of: NaiveDate,
    json: String,
) -> rubric::eval::PartnerOutcome<'p> {
    let record = read::whole_text("example", json)
        .into_iter()
        .next()
        .unwrap()
        .unwrap();
    let partner = Partner::parse(&record).unwrap();
    Evaluator::new(policy, as_of).evaluate(&partner).unwrap()
}

#[test]
fn every_example_of_every_shipped_policy_evaluates_to_what_it_claims() {
    let mut made = 0;
    for (path, policy) in policies() {
        let labels = labeled_requirements(&policy);
        let mut made_here = 0;
        for as_of in dates(&policy) {
            for (o, option) in policy.options.iter().enumerate() {
                for (t, tier) in option.tiers.iter().enumerate() {
                    let tier_name = &policy.tiers[tier.level.0].id;
                    let markets: Vec<Option<&str>> = std::iter::once(None)
                        .chain(policy.markets.iter().map(|m| Some(m.id.as_str())))
                        .collect();
                    let mine: Vec<_> = labels
                        .iter()
                        .filter(|l| l.option == o && l.tier == t)
                        .collect();
                    let targets = std::iter::once(None).chain(mine.iter().map(|l| Some(*l)));
                    for target in targets {
                        for market in &markets {
                            let request = Request {
                                option: Some(&option.name),
                                tier: tier_name,
                                market: *market,
                                just_below: target.map(|l| l.label.as_str()),
                                as_of,
                            };
                            let what = format!("{path} {request:?}");
                            let example = match synthesize(&policy, &request) {
                                Ok(example) => example,
                                // A goal no partner can reach (a credential
                                // not yet available, a market without a
                                // threshold) is refused, never printed.
                                Err(ExampleError::Unattainable { .. }) => continue,
                                Err(err) => panic!("{what}: {err}"),
                            };
                            made += 1;
                            made_here += 1;
                            let outcome = evaluate(&policy, as_of, example.json());
                            let tier_outcome = &outcome.options[o].tiers[t];
                            match target {
                                None => assert!(tier_outcome.met, "{what}: tier not met"),
                                Some(label) => {
                                    assert!(!tier_outcome.met, "{what}: tier met");
                                    let got = outcome_of(&outcome, label).unwrap();
                                    assert!(!got.met(), "{what}: requirement met");
                                    for other in mine.iter().filter(|l| l.path.len() == 1) {
                                        if other.path[0] != label.path[0] {
                                            assert!(
                                                outcome_of(&outcome, other).unwrap().met(),
                                                "{what}: {} unmet too",
                                                other.label
                                            );
                                        }
                                    }
                                }
                            }
                            let case = rubric::example::checked_case(&policy, &example)
                                .unwrap_or_else(|e| panic!("{what}: {e}"));
                            let file = policy_test::parse(&case).unwrap();
                            assert!(policy_test::validate(&file, &policy).is_empty());
                            assert!(policy_test::run(&file, &policy)[0].passed, "{what}");
                        }
                    }
                }
            }
        }
        assert!(made_here > 0, "{path}: no example at all");
    }
    assert!(made > 100, "only {made} examples");
}

#[test]
fn requirements_that_cannot_be_missed_alone() {
    // At the dates tried, each requirement has an example missing it alone,
    // unless no partner can miss it alone (two thresholds at one boundary);
    // those are listed with the reason, so a regression shows as a new line.
    let mut lines = String::new();
    let mut missable = 0;
    for (path, policy) in policies() {
        for label in labeled_requirements(&policy) {
            let option = &policy.options[label.option];
            let tier = &policy.tiers[option.tiers[label.tier].level.0].id;
            let mut reason = None;
            let found = dates(&policy).into_iter().any(|as_of| {
                std::iter::once(None)
                    .chain(policy.markets.iter().map(|m| Some(m.id.as_str())))
                    .any(|market| {
                        match synthesize(
                            &policy,
                            &Request {
                                option: Some(&option.name),
                                tier,
                                market,
                                just_below: Some(&label.label),
                                as_of,
                            },
                        ) {
                            Ok(_) => true,
                            Err(ExampleError::Unattainable { reason: r, .. }) => {
                                reason.get_or_insert(r);
                                false
                            }
                            Err(err) => panic!("{path} {}: {err}", label.label),
                        }
                    })
            });
            if found {
                missable += 1;
            } else {
                lines.push_str(&format!(
                    "{path} {}: {}\n",
                    label.label,
                    reason.unwrap_or_default()
                ));
            }
        }
    }
    assert!(
        missable > 50,
        "only {missable} requirements can be missed alone"
    );
    snapshot!("cannot_be_missed_alone", lines);
}

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

#[test]
fn gold_of_cloud_crm_as_json() {
    let out = rubric(&[
        "example",
        "policies/cloud_crm.policy",
        "--tier",
        "gold",
        "--as-of",
        "2017-06-30",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap();
    snapshot!("cloud_crm_gold_json", text(&out.stdout));
}

#[test]
fn just_below_as_a_test_case() {
    let out = rubric(&[
        "example",
        "policies/cloud_crm.policy",
        "--tier",
        "silver",
        "--just-below",
        "silver/crm",
        "--as-of",
        "2017-06-30",
        "--as-test",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    snapshot!("cloud_crm_silver_just_below_crm_case", text(&out.stdout));
    let out = rubric(&[
        "example",
        "tests/shapes/measures_together.policy",
        "--tier",
        "gold",
        "--just-below",
        "seat_customers",
        "--as-of",
        "2017-06-30",
        "--as-test",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    snapshot!(
        "measures_together_gold_just_below_customers_case",
        text(&out.stdout)
    );
    // `either`, and a market of the caller's.
    let out = rubric(&[
        "example",
        "policies/cloud_platform.policy",
        "--tier",
        "gold",
        "--market",
        "developing",
        "--just-below",
        "gold/either/2/people",
        "--as-of",
        "2018-06-30",
        "--as-test",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    snapshot!(
        "cloud_platform_gold_just_below_either_case",
        text(&out.stdout)
    );
    // Shared roles: one person fills two roles, so one short is one person.
    let out = rubric(&[
        "example",
        "tests/shapes/same_two_people.policy",
        "--tier",
        "silver",
        "--just-below",
        "people",
        "--as-of",
        "2017-06-30",
        "--as-test",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    snapshot!(
        "same_two_people_silver_just_below_people_case",
        text(&out.stdout)
    );
}

#[test]
fn cli_errors() {
    let cases: &[(&str, &[&str])] = &[
        (
            "unknown_tier",
            &["policies/cloud_crm.policy", "--tier", "platinum"],
        ),
        (
            "unknown_option",
            &[
                "policies/cloud_crm.policy",
                "--tier",
                "gold",
                "--option",
                "direct",
            ],
        ),
        (
            "unknown_market",
            &[
                "policies/cloud_crm.policy",
                "--tier",
                "gold",
                "--market",
                "emerging",
            ],
        ),
        (
            "unknown_requirement",
            &[
                "policies/cloud_crm.policy",
                "--tier",
                "gold",
                "--just-below",
                "gold/crn",
            ],
        ),
        (
            "unattainable",
            &["tests/shapes/available_from.policy", "--tier", "silver"],
        ),
        (
            "no_as_of",
            &["tests/shapes/gold_only.policy", "--tier", "gold"],
        ),
    ];
    let mut all = String::new();
    for (name, args) in cases {
        let mut full = vec!["example"];
        full.extend_from_slice(args);
        let out = rubric(&full);
        assert!(
            out.stdout.is_empty(),
            "{name}: printed {}",
            text(&out.stdout)
        );
        all.push_str(&format!(
            "== {name} (exit {})\n{}\n",
            out.status.code().unwrap(),
            text(&out.stderr).trim_end()
        ));
    }
    snapshot!("cli_errors", all);
}
