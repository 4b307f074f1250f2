//! Credentials over their life (issue 11, items 4, 5 and 6): dates written
//! as months, registration cut-offs and renamed credentials, pinned at their
//! boundaries, through the checker, both evaluation paths, the why-not
//! report, the formatter and the lints. The shape is
//! `tests/shapes/credential_life.policy`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::lang::{codes, date, load, parsed, report};
use proptest::prelude::*;
use rubric::data::Partner;
use rubric::eval::fold::Scratch;
use rubric::eval::{Detail, Evaluator, RequirementOutcome};
use rubric::model::{PassStatus, Policy};
use serde_json::{Value, json};

fn shape_text() -> String {
    common::lang::shape_text("credential_life")
}

fn shape() -> Policy {
    load(&shape_text())
}

/// A policy with one credential declared as `exam` (the rest of the line
/// given), used by a silver tier.
fn one_exam(exam: &str) -> String {
    format!(
        "competency c {{
  version \"1\"
  effective 2017-01-01
  tiers silver
  exam {exam}
  group g = any of X-1
  option main {{ tier silver {{ require distinct people {{ 1 passing g }} }} }}
}}"
    )
}

/// A partner whose people pass `passes` (one person each), as JSON text.
fn partner(people: &[&[(&str, &str)]]) -> String {
    let people: Vec<Value> = people
        .iter()
        .enumerate()
        .map(|(i, passes)| {
            json!({
                "id": format!("E-{i}"),
                "name": format!("Person {i}"),
                "exams": passes.iter().map(|(code, passed)| json!({"code": code, "passed": passed})).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({ "id": "P-1", "people": people }).to_string()
}

/// The tier reached by the careful path, after checking that the fast
/// path (folding the JSON text) reaches the same.
fn tier(policy: &Policy, as_of: &str, text: &str) -> Option<String> {
    let evaluator = Evaluator::new(policy, date(as_of));
    let record = parsed(text);
    let partner = Partner::parse(&record).unwrap();
    let careful = evaluator.evaluate(&partner).unwrap();
    let mut scratch = Scratch::default();
    let folded = evaluator
        .fold(text, &mut scratch)
        .expect("the fast path decides");
    let fast = evaluator.judge(scratch.facts(), Vec::new(), Vec::new(), Detail::Tier);
    assert_eq!(careful.tier, fast.tier, "the two paths disagree on {text}");
    let careful_flags: Vec<_> = careful.flags.iter().map(|f| (f.person, f.status)).collect();
    let fast_flags: Vec<_> = folded.flags.iter().map(|f| (f.person, f.status)).collect();
    assert_eq!(careful_flags, fast_flags, "flags differ on {text}");
    careful.tier.map(|t| policy.tiers[t.0].id.clone())
}

/// The status of a pass of `code` on `passed` at `as_of`.
fn status(policy: &Policy, code: &str, passed: &str, as_of: &str) -> PassStatus {
    let exam = policy
        .exams
        .iter()
        .find(|e| e.code == code)
        .unwrap_or_else(|| panic!("no `{code}`"));
    exam.pass_status(date(passed), date(as_of))
}

// ---------------------------------------------------------------------------
// Item 5: month-precision dates
// ---------------------------------------------------------------------------

#[test]
fn a_month_is_its_first_day_where_something_starts_and_its_last_where_it_ends() {
    let policy = shape();
    assert_eq!(policy.effective, Some(date("2018-01-01")));
    let exam = |code: &str| policy.exams.iter().find(|e| e.code == code).unwrap();
    assert_eq!(exam("AZ-100").available_from, Some(date("2018-01-01")));
    assert_eq!(exam("70-533").retires, Some(date("2017-12-31")));
    assert_eq!(exam("70-533").accepted_until, Some(date("2017-12-31")));
    assert_eq!(exam("70-533").registration_until, Some(date("2017-11-30")));
    assert_eq!(exam("70-534").retires, Some(date("2017-12-31")));
    assert_eq!(exam("70-534").accepted_until, Some(date("2018-06-30")));
}

#[test]
fn the_last_day_of_february_follows_leap_years() {
    for (month, last) in [
        ("2016-02", "2016-02-29"),
        ("2017-02", "2017-02-28"),
        ("2000-02", "2000-02-29"),
        ("2100-02", "2100-02-28"),
        ("2017-04", "2017-04-30"),
        ("2017-12", "2017-12-31"),
        ("2018-01", "2018-01-31"),
    ] {
        let policy = load(&one_exam(&format!(
            "X-1 retires {month} accepted until {month} registration until {month}"
        )));
        let exam = &policy.exams[0];
        assert_eq!(exam.retires, Some(date(last)), "retires {month}");
        assert_eq!(
            exam.accepted_until,
            Some(date(last)),
            "accepted until {month}"
        );
        assert_eq!(
            exam.registration_until,
            Some(date(last)),
            "registration until {month}"
        );
        let first = format!("{month}-01");
        let policy = load(&one_exam(&format!("X-1 available from {month}")));
        assert_eq!(policy.exams[0].available_from, Some(date(&first)));
    }
}

#[test]
fn a_month_and_its_whole_date_mean_the_same() {
    let month = load(&one_exam(
        "X-1 available from 2017-03 retires 2017-12 accepted until 2018-06",
    ));
    let day = load(&one_exam(
        "X-1 available from 2017-03-01 retires 2017-12-31 accepted until 2018-06-30",
    ));
    assert_eq!(month.exams[0].available_from, day.exams[0].available_from);
    assert_eq!(month.exams[0].retires, day.exams[0].retires);
    assert_eq!(month.exams[0].accepted_until, day.exams[0].accepted_until);
}

#[test]
fn passes_count_through_the_last_day_of_a_retirement_month() {
    let policy = shape();
    // Retiring December 2017: a pass on 31 December counts, on 1 January not.
    assert_eq!(
        status(&policy, "70-533", "2017-12-31", "2017-12-31"),
        PassStatus::Counts
    );
    assert_eq!(
        status(&policy, "70-533", "2018-01-01", "2018-01-01"),
        PassStatus::AfterRetirement
    );
    // ... and no longer counts on the first as-of date after that month.
    assert_eq!(
        status(&policy, "70-533", "2017-06-01", "2018-01-01"),
        PassStatus::NoLongerAccepted
    );
    // Accepted until June 2018: through 30 June, not 1 July.
    assert_eq!(
        status(&policy, "70-534", "2017-06-01", "2018-06-30"),
        PassStatus::Counts
    );
    assert_eq!(
        status(&policy, "70-534", "2017-06-01", "2018-07-01"),
        PassStatus::NoLongerAccepted
    );
    // Available January 2018: a pass on 31 December cannot be right.
    assert_eq!(
        status(&policy, "AZ-100", "2017-12-31", "2018-01-31"),
        PassStatus::BeforeAvailable
    );
    assert_eq!(
        status(&policy, "AZ-100", "2018-01-01", "2018-01-01"),
        PassStatus::Counts
    );
}

#[test]
fn month_boundaries_decide_tiers_the_same_on_both_paths() {
    let policy = shape();
    let guidance = ("TA-CP", "2016-05-01");
    let infra =
        |code: &'static str, passed: &'static str| partner(&[&[(code, passed)], &[guidance]]);
    let silver = Some("silver".to_owned());
    assert_eq!(
        tier(&policy, "2017-12-31", &infra("70-533", "2017-12-31")),
        silver
    );
    assert_eq!(
        tier(&policy, "2018-01-01", &infra("70-533", "2017-12-31")),
        None
    );
    assert_eq!(
        tier(&policy, "2018-06-30", &infra("70-534", "2017-12-31")),
        silver
    );
    assert_eq!(
        tier(&policy, "2018-07-01", &infra("70-534", "2017-12-31")),
        None
    );
    assert_eq!(
        tier(&policy, "2018-01-31", &infra("AZ-100", "2017-12-31")),
        None
    );
    assert_eq!(
        tier(&policy, "2018-01-31", &infra("AZ-100", "2018-01-01")),
        silver
    );
}

#[test]
fn a_month_that_does_not_exist_is_e0211() {
    assert_eq!(codes(&one_exam("X-1 retires 2017-13")), ["E0211"]);
    assert_eq!(codes(&one_exam("X-1 available from 2017-00")), ["E0211"]);
    // A whole date that does not exist is still E0102.
    assert_eq!(codes(&one_exam("X-1 retires 2017-02-29")), ["E0102"]);
    let effective = one_exam("X-1").replace("effective 2017-01-01", "effective 2018-13");
    assert_eq!(codes(&effective), ["E0211"]);
}

#[test]
fn dates_with_a_stray_part_are_syntax_errors() {
    for bad in ["2017-1", "2017-12-1", "2017-12-311", "2017-12-31-01"] {
        let text = one_exam(&format!("X-1 retires {bad}"));
        assert_eq!(codes(&text), ["E0100"], "{bad}");
    }
}

#[test]
fn an_end_date_on_the_first_of_a_month_is_w0112() {
    assert_eq!(codes(&one_exam("X-1 retires 2017-12-01")), ["W0112"]);
    assert_eq!(
        codes(&one_exam(
            "X-1 retires 2017-11-30 accepted until 2018-06-01"
        )),
        ["W0112"]
    );
    assert_eq!(
        codes(&one_exam(
            "X-1 retires 2017-12 registration until 2017-11-01"
        )),
        ["W0112"]
    );
    // Starting on the first is what one expects; ending on another day too.
    assert!(
        codes(&one_exam(
            "X-1 available from 2017-12-01 retires 2017-12-02"
        ))
        .is_empty()
    );
    assert!(codes(&one_exam("X-1 retires 2017-12")).is_empty());
}

// ---------------------------------------------------------------------------
// Item 6: registration cut-offs
// ---------------------------------------------------------------------------

/// The credentials the why-not report asks someone to pass for the unmet
/// people requirement of silver.
fn suggested(policy: &Policy, as_of: &str, text: &str) -> Vec<String> {
    let (_, json) = report(policy, as_of, text);
    let requirement = &json["options"][0]["tiers"][0]["requirements"][0];
    let gap = &requirement["gap"];
    assert!(gap.is_object(), "no gap in {requirement}");
    let mut codes = Vec::new();
    for list in ["upgrades", "new_people"] {
        for entry in gap[list].as_array().into_iter().flatten() {
            for pass in entry["pass"].as_array().unwrap() {
                codes.push(pass["code"].as_str().unwrap().to_owned());
                for alt in pass["alternatives"].as_array().into_iter().flatten() {
                    codes.push(alt.as_str().unwrap().to_owned());
                }
            }
        }
    }
    codes
}

#[test]
fn why_not_suggests_an_exam_through_its_registration_cut_off_and_not_after() {
    let policy = shape();
    // Only the guidance seat is filled: one infrastructure exam is missing.
    let text = partner(&[&[("TA-CP", "2016-05-01")]]);
    let on_cut_off = suggested(&policy, "2017-11-30", &text);
    assert!(on_cut_off.contains(&"70-533".to_owned()), "{on_cut_off:?}");
    let after = suggested(&policy, "2017-12-01", &text);
    assert!(!after.contains(&"70-533".to_owned()), "{after:?}");
    // Another infrastructure exam that can still be taken is suggested instead.
    assert!(after.contains(&"70-534".to_owned()), "{after:?}");
    let exam = policy.exams.iter().find(|e| e.code == "70-533").unwrap();
    assert!(exam.can_still_be_taken(date("2017-11-30")));
    assert!(!exam.can_still_be_taken(date("2017-12-01")));
}

#[test]
fn passes_made_after_the_cut_off_still_count_until_retirement() {
    let policy = shape();
    // Registered in November, sat the exam in December.
    let text = partner(&[&[("70-533", "2017-12-15")], &[("TA-CP", "2016-05-01")]]);
    assert_eq!(
        tier(&policy, "2017-12-31", &text),
        Some("silver".to_owned())
    );
    assert_eq!(
        status(&policy, "70-533", "2017-12-15", "2017-12-31"),
        PassStatus::Counts
    );
}

#[test]
fn registration_outside_availability_is_e0315() {
    assert_eq!(
        codes(&one_exam(
            "X-1 available from 2018-01 registration until 2017-12"
        )),
        ["E0315"]
    );
    assert_eq!(
        codes(&one_exam("X-1 retires 2017-12 registration until 2018-01")),
        ["E0315"]
    );
    // On the very days it becomes available or retires, registration may close.
    assert!(
        codes(&one_exam(
            "X-1 available from 2018-01-15 registration until 2018-01-15"
        ))
        .is_empty()
    );
    assert!(codes(&one_exam("X-1 retires 2017-12 registration until 2017-12")).is_empty());
}

// ---------------------------------------------------------------------------
// Item 4: credential renames
// ---------------------------------------------------------------------------

#[test]
fn passes_under_any_former_name_count_on_both_paths() {
    let policy = shape();
    let infra = ("70-534", "2017-06-01");
    for recorded in [
        "TA-CP",
        "ta cp",
        "Technical Assessment for Cloud Platform",
        "technical assessment for cloud platform",
        "Practical Guidance Assessment for Azure",
    ] {
        let text = partner(&[&[infra], &[(recorded, "2016-05-01")]]);
        assert_eq!(
            tier(&policy, "2017-12-31", &text),
            Some("silver".to_owned()),
            "{recorded}"
        );
    }
    // A name close to a former name is not one.
    let text = partner(&[&[infra], &[("TA-CP2", "2016-05-01")]]);
    assert_eq!(tier(&policy, "2017-12-31", &text), None);
}

#[test]
fn the_evidence_names_the_former_name_a_pass_was_recorded_under() {
    let policy = shape();
    let text = partner(&[&[("70-534", "2017-06-01")], &[("TA-CP", "2016-05-01")]]);
    let (human, json) = report(&policy, "2017-12-31", &text);
    insta::assert_snapshot!(human);
    assert_eq!(
        json["renamed_passes"],
        json!([{
            "person": "E-1",
            "recorded_as": "TA-CP",
            "counted_as": "Practical Guidance Assessment for Azure",
            "passed": "2016-05-01",
        }])
    );
    // A pass under the current name is no renamed pass.
    let text = partner(&[&[("70-534", "2017-06-01")]]);
    let (human, json) = report(&policy, "2017-12-31", &text);
    assert!(!human.contains("former name"), "{human}");
    assert!(json.get("renamed_passes").is_none(), "{json}");
}

#[test]
fn former_names_that_clash_are_e0212_and_groups_use_current_names() {
    let two = |first: &str, second: &str| {
        format!(
            "competency c {{
  version \"1\"
  effective 2017-01-01
  tiers silver
  exam {first}
  exam {second}
  group g = any of A-1, B-1
  option main {{ tier silver {{ require distinct people {{ 1 passing g }} }} }}
}}"
        )
    };
    assert_eq!(codes(&two("A-1", "B-1 formerly A-1")), ["E0212"]);
    assert_eq!(codes(&two("A-1", "B-1 formerly a_1")), ["E0212"]);
    assert_eq!(
        codes(&two("A-1 formerly Z-9", "B-1 formerly \"z 9\"")),
        ["E0212"]
    );
    assert_eq!(codes(&two("A-1 formerly Z-9, Z-9", "B-1")), ["E0212"]);
    assert_eq!(codes(&two("A-1 formerly A-1", "B-1")), ["E0212"]);
    assert!(codes(&two("A-1 formerly Z-9", "B-1 formerly Y-8")).is_empty());
    let group = two("A-1 formerly Z-9", "B-1").replace("any of A-1, B-1", "any of Z-9, B-1");
    assert_eq!(codes(&group), ["E0213"]);
}

// ---------------------------------------------------------------------------
// Formatter and shape
// ---------------------------------------------------------------------------

#[test]
fn the_shape_is_formatted_and_formatting_keeps_every_clause() {
    let text = shape_text();
    let formatted = rubric::format::format(&text).unwrap();
    assert_eq!(formatted, text, "the shape is not formatted");
    let policy = load(&formatted);
    assert_eq!(policy, shape());
    let messy = one_exam(
        "X-1   \"Title\"   formerly  \"Old Name\" ,  OLD-1  registration   until 2017-11  retires   2017-12",
    );
    let formatted = rubric::format::format(&messy).unwrap();
    assert!(
        formatted.contains(
            "exam X-1 \"Title\" retires 2017-12 registration until 2017-11 formerly \"Old Name\", OLD-1"
        ),
        "{formatted}"
    );
    let clauses = |p: &Policy| {
        p.exams
            .iter()
            .map(|e| {
                (
                    e.code.clone(),
                    e.title.clone(),
                    e.retires,
                    e.registration_until,
                    e.former_names.clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(clauses(&load(&formatted)), clauses(&load(&messy)));
}

#[test]
fn the_shape_checks_clean() {
    let checked = rubric::check_source(&shape_text());
    assert!(checked.diagnostics.is_empty(), "{:?}", checked.diagnostics);
}

// ---------------------------------------------------------------------------
// The two paths agree on random passes around every boundary
// ---------------------------------------------------------------------------

const CODES: [&str; 9] = [
    "70-533",
    "AZ-100",
    "70-534",
    "Practical Guidance Assessment for Azure",
    "TA-CP",
    "ta_cp",
    "technical assessment for cloud platform",
    "TA-CP2",
    "XX-000",
];
const DATES: [&str; 10] = [
    "2016-05-01",
    "2017-11-30",
    "2017-12-01",
    "2017-12-31",
    "2018-01-01",
    "2018-01-31",
    "2018-06-30",
    "2018-07-01",
    "2016-02-29",
    "2019-01-01",
];

proptest! {
    #[test]
    fn both_paths_agree_on_renamed_and_month_dated_credentials(
        people in prop::collection::vec(prop::collection::vec((0..CODES.len(), 0..DATES.len()), 0..4), 0..4),
        as_of in 0..DATES.len(),
    ) {
        let policy = shape();
        let people: Vec<Vec<(&str, &str)>> = people
            .iter()
            .map(|passes| passes.iter().map(|(c, d)| (CODES[*c], DATES[*d])).collect())
            .collect();
        let slices: Vec<&[(&str, &str)]> = people.iter().map(Vec::as_slice).collect();
        let text = partner(&slices);
        // `tier` asserts that the two paths agree.
        tier(&policy, DATES[as_of], &text);
    }
}

#[test]
fn the_requirement_outcome_reads_renamed_passes() {
    let policy = shape();
    let text = partner(&[
        &[("70-533", "2017-06-01")],
        &[("Technical Assessment for Cloud Platform", "2016-05-01")],
    ]);
    let record = parsed(&text);
    let p = Partner::parse(&record).unwrap();
    let outcome = Evaluator::new(&policy, date("2017-12-31"))
        .evaluate(&p)
        .unwrap();
    let RequirementOutcome::People(people) = &outcome.options[0].tiers[0].requirements[0] else {
        panic!("not a people requirement");
    };
    assert!(people.met);
    assert_eq!(people.qualified, [1, 1]);
}

// ---------------------------------------------------------------------------
// Semantic diff
// ---------------------------------------------------------------------------

/// The changes `rubric diff` finds between two catalogs, as
/// `(kind, subject, old, new, effect)`.
fn changes(old: &str, new: &str) -> Vec<String> {
    let (old, new) = (load(&one_exam_in(old)), load(&one_exam_in(new)));
    rubric::diff::diff(&old, &new)
        .changes
        .iter()
        .map(|c| {
            format!(
                "{:?} {} {:?} -> {:?}: {:?}",
                c.kind, c.subject, c.old, c.new, c.effect
            )
        })
        .collect()
}

/// A policy whose one group names `code`, declared as `exam` says.
fn one_exam_in(exam: &str) -> String {
    let code = exam.split_whitespace().next().unwrap();
    one_exam(exam).replace("any of X-1", &format!("any of {code}"))
}

#[test]
fn diff_reads_a_rename_as_a_rename_not_a_removal_and_an_addition() {
    // Passes under the old code still count, and under the new one too.
    assert_eq!(
        changes("70-532", "70-533 formerly 70-532"),
        [
            "Rename name of exam `70-532` Some(\"70-532\") -> Some(\"70-533\"): Neutral",
            "Rename names passes of exam `70-533` count under Some(\"70-532\") -> Some(\"70-532, 70-533\"): Looser",
        ]
    );
    // Renamed back, dropping the name: passes under `70-533` stop counting.
    assert_eq!(
        changes("70-533 formerly 70-532", "70-532"),
        [
            "Rename name of exam `70-533` Some(\"70-533\") -> Some(\"70-532\"): Neutral",
            "Rename names passes of exam `70-532` count under Some(\"70-532, 70-533\") -> Some(\"70-532\"): Stricter",
        ]
    );
    assert_eq!(
        changes("70-533 formerly 70-532", "70-533 formerly 70-532, 70-531"),
        [
            "Rename names passes of exam `70-533` count under Some(\"70-532, 70-533\") -> Some(\"70-531, 70-532, 70-533\"): Looser"
        ]
    );
    assert_eq!(
        changes("70-533 formerly 70-532", "70-533"),
        [
            "Rename names passes of exam `70-533` count under Some(\"70-532, 70-533\") -> Some(\"70-533\"): Stricter"
        ]
    );
    assert_eq!(
        changes(
            "70-533 retires 2017-12",
            "70-533 retires 2017-12 registration until 2017-11-30"
        ),
        [
            "Registration exam `70-533` registration until Some(\"always open\") -> Some(\"2017-11-30\"): Neutral"
        ]
    );
    // A month and its last day are the same date: no change.
    assert!(changes("70-533 retires 2017-12", "70-533 retires 2017-12-31").is_empty());
    // A credential that is not a rename is still removed and added.
    assert_eq!(changes("70-532", "70-533").len(), 3);
}
