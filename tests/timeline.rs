//! `rubric timeline`: tiers over a range of dates.
//!
//! The decisive property: a timeline's tier on every reported date equals
//! evaluating the partner as of that date (what `rubric eval --as-of` does),
//! and on every day between two reported dates the tier is the one last
//! reported. It is checked day by day over whole ranges, for the fixture
//! partners of `tests/timeline/partners.jsonl` (against
//! `tests/timeline/edges.policy`) and for generated Cloud CRM partners.
//! Then the edges one at a time (month-end clamping, a pass on the as-of
//! date, a grace period's end), snapshots of the output, and exit codes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::process::{Command, Output, Stdio};
use std::sync::LazyLock;

use chrono::{Days, Months, NaiveDate};
use proptest::prelude::*;
use rubric::data::{Partner, Record, read};
use rubric::eval::window::Window;
use rubric::eval::{Detail, Evaluator};
use rubric::model::{Policy, TierLevelId};
use rubric::timeline::{Event, Planner, Timeline, leaves_window};

#[allow(dead_code, reason = "the example's `main` is not used here")]
#[path = "../examples/gen_partners.rs"]
mod generator;

const EDGES: &str = "tests/timeline/edges.policy";
const PARTNERS: &str = "tests/timeline/partners.jsonl";
const WITH_ERRORS: &str = "tests/timeline/with_errors.jsonl";
const CLOUD_CRM: &str = "policies/cloud_crm.policy";

fn path(relative: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn load(relative: &str) -> Policy {
    rubric::load_policy(&std::fs::read_to_string(path(relative)).unwrap()).unwrap()
}

static EDGES_POLICY: LazyLock<Policy> = LazyLock::new(|| load(EDGES));
static CLOUD_CRM_POLICY: LazyLock<Policy> = LazyLock::new(|| load(CLOUD_CRM));

fn d(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn days(from: NaiveDate, to: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    from.iter_days().take_while(move |day| *day <= to)
}

/// The records of a data text, each framed as `rubric` frames it.
fn records(name: &str, text: &str) -> Vec<Record> {
    read::whole_text(name, text.to_owned())
        .into_iter()
        .map(|framed| framed.unwrap())
        .collect()
}

fn fixture_records() -> Vec<Record> {
    records(
        "partners.jsonl",
        &std::fs::read_to_string(path(PARTNERS)).unwrap(),
    )
}

/// The tier as of `day`, exactly as `rubric eval --as-of DAY` decides it.
fn eval_tier(policy: &Policy, partner: &Partner<'_>, day: NaiveDate) -> Option<TierLevelId> {
    Evaluator::new(policy, day)
        .evaluate_at(partner, Detail::Tier)
        .unwrap()
        .tier
}

/// Checks a timeline against evaluation on every day of its range, and its
/// upcoming loss on every day of the look-ahead: the tier never falls below
/// the one held at `to` before the loss date, and is lower on it.
fn check_every_day(
    partner: &Partner<'_>,
    timeline: &Timeline,
    tier_on: &dyn Fn(&Partner<'_>, NaiveDate) -> Option<TierLevelId>,
) {
    let id = partner.id.text();
    let mut previous = None;
    for change in &timeline.changes {
        assert!(timeline.from < change.date && change.date <= timeline.to);
        assert_ne!(change.before, change.after, "{id}: {change:?}");
        assert!(
            previous.is_none_or(|p| p < change.date),
            "{id}: dates in order"
        );
        previous = Some(change.date);
        assert!(
            !change.flips.is_empty(),
            "{id}: a change names what flipped"
        );
        assert!(!change.events.is_empty(), "{id}: a change names its causes");
    }
    for day in days(timeline.from, timeline.to) {
        assert_eq!(
            timeline.tier_on(day),
            tier_on(partner, day),
            "{id}: the timeline and eval disagree on {day}"
        );
    }
    let held = timeline.tier_on(timeline.to);
    let horizon = timeline.to + Months::new(rubric::timeline::LOOKAHEAD_MONTHS);
    let end = timeline.upcoming.as_ref().map_or(horizon, |loss| loss.date);
    for day in days(timeline.to + Days::new(1), end) {
        let tier = tier_on(partner, day);
        match &timeline.upcoming {
            Some(loss) if loss.date == day => {
                assert_eq!(tier, loss.after, "{id}: the loss on {day}");
                assert_eq!(loss.before, held);
                assert!(tier < held);
                assert!(!loss.flips.is_empty(), "{id}: the loss names what fails");
            }
            _ => assert!(tier >= held, "{id}: a loss on {day} not reported"),
        }
    }
}

#[test]
fn fixtures_agree_with_eval_on_every_day() {
    let policy = &*EDGES_POLICY;
    let planner = Planner::new(policy);
    let records = fixture_records();
    assert!(records.len() >= 7);
    for (from, to) in [
        ("2016-01-01", "2017-12-31"),
        ("2017-03-01", "2017-06-30"),
        ("2017-02-28", "2017-03-01"),
        ("2017-05-01", "2017-05-01"),
    ] {
        for record in &records {
            let partner = Partner::parse(record).unwrap();
            let timeline = planner.timeline(&partner, d(from), d(to)).unwrap();
            check_every_day(&partner, &timeline, &|p, day| eval_tier(policy, p, day));
        }
    }
}

#[test]
fn change_points_come_from_dates_not_from_every_day() {
    let policy = &*EDGES_POLICY;
    let planner = Planner::new(policy);
    for record in fixture_records() {
        let partner = Partner::parse(&record).unwrap();
        let timeline = planner
            .timeline(&partner, d("2016-01-01"), d("2017-12-31"))
            .unwrap();
        // A handful of candidate dates per partner, not the 1,096 days of
        // the range and its look-ahead.
        assert!(timeline.evaluated < 20, "{}", timeline.evaluated);
    }
}

/// The timeline of the fixture partner `id` against the edges policy.
fn fixture(id: &str, from: &str, to: &str) -> Timeline {
    let records = fixture_records();
    let record = records
        .iter()
        .find(|r| Partner::parse(r).unwrap().id.text() == id)
        .unwrap();
    let partner = Partner::parse(record).unwrap();
    Planner::new(&EDGES_POLICY)
        .timeline(&partner, d(from), d(to))
        .unwrap()
}

fn tier(name: &str) -> Option<TierLevelId> {
    EDGES_POLICY
        .tiers
        .iter()
        .position(|t| t.id == name)
        .map(TierLevelId)
}

#[test]
fn a_leap_day_line_leaves_the_window_on_the_first_of_march() {
    // 2016-02-29 is still inside the 12 months to 2017-02-28 (which start
    // on 2016-02-28, clamped), and outside from 2017-03-01.
    assert_eq!(leaves_window(d("2016-02-29"), 12), Some(d("2017-03-01")));
    assert!(Window::trailing(d("2017-02-28"), 12).contains(d("2016-02-29")));
    let timeline = fixture("T-leap", "2017-02-01", "2017-12-31");
    assert_eq!(timeline.start, tier("silver"));
    let change = &timeline.changes[0];
    assert_eq!(change.date, d("2017-03-01"));
    assert_eq!(change.after, None);
    assert!(matches!(
        &change.events[..],
        [Event::LineLeaves { line, months: 12 }] if line.date == d("2016-02-29")
    ));
}

#[test]
fn a_march_31_line_leaves_a_one_month_window_on_may_1() {
    // The month to 2017-04-30 starts on 2017-03-30 and still holds the 31st.
    assert_eq!(leaves_window(d("2017-03-31"), 1), Some(d("2017-05-01")));
    assert_eq!(leaves_window(d("2017-01-31"), 1), Some(d("2017-03-01")));
    let timeline = fixture("T-month-end", "2017-01-01", "2017-12-31");
    let dates: Vec<_> = timeline.changes.iter().map(|c| c.date).collect();
    assert!(dates.contains(&d("2017-03-31")), "{dates:?}");
    assert!(dates.contains(&d("2017-05-01")), "{dates:?}");
    let left = timeline
        .changes
        .iter()
        .find(|c| c.date == d("2017-05-01"))
        .unwrap();
    assert_eq!((left.before, left.after), (tier("gold"), tier("silver")));
}

#[test]
fn a_pass_counts_from_its_own_date() {
    let timeline = fixture("T-as-of", "2017-02-01", "2017-12-31");
    // The pass of 2017-01-15 is before NEW-3 was available: it never counts.
    assert_eq!(timeline.start, None);
    let change = &timeline.changes[0];
    assert_eq!(change.date, d("2017-03-01"));
    assert_eq!(change.after, tier("silver"));
    assert!(matches!(
        &change.events[..],
        [Event::PassCounts { passed, .. }] if *passed == d("2017-03-01")
    ));
    // Starting on the pass date, the tier is already there.
    assert_eq!(
        fixture("T-as-of", "2017-03-01", "2017-12-31").start,
        tier("silver")
    );
}

#[test]
fn a_grace_period_ends_the_day_after_accepted_until() {
    let timeline = fixture("T-grace", "2017-01-01", "2017-12-31");
    let change = timeline.changes.last().unwrap();
    assert_eq!(change.date, d("2017-07-01"));
    assert!(matches!(
        &change.events[..],
        [Event::NoLongerAccepted { until, grace: true, .. }] if *until == d("2017-06-30")
    ));
    let retire = fixture("T-retire", "2017-01-01", "2017-12-31");
    assert!(retire.changes.iter().any(|c| c.date == d("2017-05-16")
        && matches!(
            &c.events[..],
            [Event::NoLongerAccepted { grace: false, .. }]
        )));
}

#[test]
fn the_next_loss_after_the_range_is_named() {
    let timeline = fixture("T-as-of", "2017-03-01", "2017-12-31");
    let loss = timeline.upcoming.unwrap();
    assert_eq!(loss.date, d("2018-02-20"));
    assert_eq!((loss.before, loss.after), (tier("silver"), None));
    assert!(loss.flips[0].requirement.starts_with("sales >= 100"));
    assert!(
        fixture("T-steady", "2017-03-01", "2017-12-31")
            .upcoming
            .is_none()
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// `leaves_window` is the first day whose window no longer holds the date.
    #[test]
    fn leaves_window_is_the_first_day_outside(offset in 0u32..3_000, months in prop::sample::select(vec![1u32, 2, 3, 6, 12, 24])) {
        let date = d("2014-01-01") + Days::new(u64::from(offset));
        let leaves = leaves_window(date, months).unwrap();
        prop_assert!(leaves > date);
        prop_assert!(!Window::trailing(leaves, months).contains(date));
        for day in days(date, leaves - Days::new(1)) {
            prop_assert!(Window::trailing(day, months).contains(date), "{day}");
        }
    }
}

/// An evaluator for every day that the generated partners' checks visit,
/// compiled once.
static CRM_DAYS: LazyLock<Vec<(NaiveDate, Evaluator<'static>)>> = LazyLock::new(|| {
    days(d("2016-06-01"), d("2021-06-30"))
        .map(|day| (day, Evaluator::new(&CLOUD_CRM_POLICY, day)))
        .collect()
});

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Generated Cloud CRM partners, checked day by day over two years and
    /// the look-ahead after them.
    #[test]
    fn generated_cloud_crm_partners_agree_with_eval_on_every_day(seed in any::<u64>(), index in 0usize..1_000, start in 0u64..200, length in 0u64..700) {
        let text = generator::partner(seed, index).to_string();
        let records = records("generated.jsonl", &text);
        let partner = Partner::parse(&records[0]).unwrap();
        let from = d("2016-06-01") + Days::new(start);
        let to = from + Days::new(length);
        let timeline = Planner::new(&CLOUD_CRM_POLICY).timeline(&partner, from, to).unwrap();
        check_every_day(&partner, &timeline, &|p, day| {
            let at = usize::try_from((day - d("2016-06-01")).num_days()).unwrap();
            let (on, evaluator) = &CRM_DAYS[at];
            assert_eq!(*on, day);
            evaluator.evaluate_at(p, Detail::Tier).unwrap().tier
        });
    }
}

/// An evaluator of the edges policy for every day the random partners'
/// checks visit, compiled once.
static EDGES_DAYS: LazyLock<Vec<(NaiveDate, Evaluator<'static>)>> = LazyLock::new(|| {
    days(d("2016-01-01"), d("2021-12-31"))
        .map(|day| (day, Evaluator::new(&EDGES_POLICY, day)))
        .collect()
});

/// A date from 2016-01-01 to 2018-06-30, leaning to month ends and to the
/// policy's own dates.
fn edge_date() -> impl Strategy<Value = NaiveDate> {
    prop_oneof![
        (0u64..912).prop_map(|n| d("2016-01-01") + Days::new(n)),
        (0u32..30, 0u64..4).prop_map(|(month, back)| {
            // The last few days of a month.
            d("2016-02-01") + Months::new(month) - Days::new(back + 1)
        }),
        prop::sample::select(vec![
            d("2016-02-29"),
            d("2017-01-31"),
            d("2017-02-01"),
            d("2017-03-31"),
            d("2017-05-15"),
            d("2017-05-16"),
            d("2017-06-30"),
            d("2017-07-01"),
        ]),
    ]
}

fn random_partner() -> impl Strategy<Value = String> {
    let revenue = prop::collection::vec(
        (
            edge_date(),
            prop::sample::select(vec![20i64, 60, 100, 150, 250]),
            any::<bool>(),
        ),
        1..6,
    );
    let usage = prop::collection::vec((edge_date(), 0i64..20), 0..3);
    let people = prop::collection::vec(
        prop::collection::vec(
            (
                prop::sample::select(vec!["OLD-1", "RET-2", "new 3", "NEW-3"]),
                edge_date(),
            ),
            0..3,
        ),
        1..4,
    );
    (revenue, usage, people).prop_map(|(revenue, usage, people)| {
        let revenue: Vec<_> = revenue
            .into_iter()
            .map(|(date, amount, widget)| {
                serde_json::json!({
                    "product": if widget { "Widget" } else { "Gadget" },
                    "type": "net_new", "amount": amount, "currency": "USD",
                    "date": date.to_string(),
                })
            })
            .collect();
        let usage: Vec<_> = usage
            .into_iter()
            .map(|(date, quantity)| {
                serde_json::json!({
                    "product": "Widget", "metric": "deployed_seats",
                    "quantity": quantity, "date": date.to_string(),
                })
            })
            .collect();
        let people: Vec<_> = people
            .into_iter()
            .enumerate()
            .map(|(i, passes)| {
                let exams: Vec<_> = passes
                    .into_iter()
                    .map(|(code, date)| serde_json::json!({ "code": code, "passed": date.to_string() }))
                    .collect();
                serde_json::json!({ "id": i, "exams": exams })
            })
            .collect();
        serde_json::json!({ "id": "R", "revenue": revenue, "usage": usage, "people": people })
            .to_string()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(160))]

    /// Random partners of the edges policy (grace periods, retirements,
    /// a one-month window, a usage maximum, `either`), checked day by day.
    #[test]
    fn random_edge_partners_agree_with_eval_on_every_day(text in random_partner(), start in 0u64..300, length in 0u64..900) {
        let records = records("random.jsonl", &text);
        let partner = Partner::parse(&records[0]).unwrap();
        let from = d("2016-01-01") + Days::new(start);
        let to = from + Days::new(length);
        let timeline = Planner::new(&EDGES_POLICY).timeline(&partner, from, to).unwrap();
        check_every_day(&partner, &timeline, &|p, day| {
            let at = usize::try_from((day - d("2016-01-01")).num_days()).unwrap();
            let (on, evaluator) = &EDGES_DAYS[at];
            assert_eq!(*on, day);
            evaluator.evaluate_at(p, Detail::Tier).unwrap().tier
        });
    }
}

// The command line.

fn rubric(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rubric"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

const RANGE: [&str; 4] = ["--from", "2016-12-01", "--to", "2017-12-31"];

fn timeline_args<'a>(data: &'a str, format: &'a str) -> Vec<&'a str> {
    let mut args = vec!["timeline", EDGES, data];
    args.extend(RANGE);
    args.extend(["--format", format]);
    args
}

#[test]
fn human_output() {
    let output = rubric(&timeline_args(PARTNERS, "human"));
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    insta::with_settings!({ snapshot_path => "timeline/snapshots" }, {
        insta::assert_snapshot!("human", stdout(&output));
    });
}

#[test]
fn json_output() {
    let output = rubric(&timeline_args(PARTNERS, "json"));
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let mut document: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    // The Rubric version changes with every release.
    document["decision"]["rubric"] = "VERSION".into();
    insta::with_settings!({ snapshot_path => "timeline/snapshots" }, {
        insta::assert_json_snapshot!("json", document);
    });
}

#[test]
fn jsonl_output_is_a_head_line_and_one_line_per_partner() {
    let output = rubric(&timeline_args(PARTNERS, "jsonl"));
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let lines: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines[0]["from"], "2016-12-01");
    assert_eq!(lines[0]["decision"]["policy"], "edges");
    assert_eq!(lines.len(), 1 + fixture_records().len());
    assert_eq!(lines[1]["partner"], "T-leap");
    // The same objects as the JSON document's partners.
    let document: serde_json::Value =
        serde_json::from_str(&stdout(&rubric(&timeline_args(PARTNERS, "json")))).unwrap();
    assert_eq!(document["partners"].as_array().unwrap(), &lines[1..]);
}

#[test]
fn bad_records_are_reported_and_the_others_still_run() {
    for format in ["human", "json", "jsonl"] {
        let output = rubric(&timeline_args(WITH_ERRORS, format));
        assert_eq!(output.status.code(), Some(1), "{format}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("E0402"), "{stderr}");
        let out = stdout(&output);
        assert!(out.contains("T-leap") && out.contains("T-grace"), "{out}");
    }
}

#[test]
fn a_sum_that_overflows_only_later_is_reported_and_exits_1() {
    let output = rubric(&timeline_args("tests/timeline/overflow.jsonl", "human"));
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let out = stdout(&output);
    assert!(out.contains("partner T-overflow: no timeline"), "{out}");
    assert!(out.contains("partner T-after: no tier"), "{out}");
    let output = rubric(&timeline_args("tests/timeline/overflow.jsonl", "jsonl"));
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(stdout(&output).contains(r#""code":"E0408""#));
}

#[test]
fn usage_errors_exit_2() {
    let reversed = rubric(&[
        "timeline",
        EDGES,
        PARTNERS,
        "--from",
        "2017-12-31",
        "--to",
        "2017-01-01",
    ]);
    assert_eq!(reversed.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&reversed.stderr).contains("--from 2017-12-31 is after --to"));
    let not_a_date = rubric(&[
        "timeline",
        EDGES,
        PARTNERS,
        "--from",
        "2017-02-30",
        "--to",
        "2017-12-31",
    ]);
    assert_eq!(not_a_date.status.code(), Some(2));
    let missing = rubric(&[
        "timeline",
        EDGES,
        "no/such/file.jsonl",
        "--from",
        "2017-01-01",
        "--to",
        "2017-12-31",
    ]);
    assert_eq!(missing.status.code(), Some(2));
    let no_to = rubric(&["timeline", EDGES, PARTNERS, "--from", "2017-01-01"]);
    assert_eq!(no_to.status.code(), Some(2));
    // The same day twice is a range of one day.
    let one_day = rubric(&[
        "timeline",
        EDGES,
        PARTNERS,
        "--from",
        "2017-05-01",
        "--to",
        "2017-05-01",
    ]);
    assert_eq!(one_day.status.code(), Some(0));
}
