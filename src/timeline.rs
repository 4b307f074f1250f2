//! Tiers over time: a partner's tier on every date of a range where it
//! changes, why it changes, and the next loss after the range.
//!
//! Evaluation reads the as-of date in two places only: a measure counts the
//! lines inside its trailing [`Window`], and a pass counts from its date
//! until its credential stops being accepted ([`model::Exam::pass_status`]).
//! So a tier can change only on a date where a line enters or leaves a
//! window, a pass starts counting, or a credential stops being accepted.
//! [`Planner::timeline`] lists those dates from the partner's data and the
//! policy's catalog, evaluates the partner with the ordinary [`Evaluator`]
//! on each of them (and on the first day of the range), and reports a date
//! only where the tier differs from the one before. Between two such dates
//! the facts, and so the tier, are the same.
//!
//! ```
//! use chrono::NaiveDate;
//! let policy = rubric::load_policy(r#"competency demo {
//!     tiers silver
//!     exam AZ-900 retires 2024-06-30
//!     group basics = any of AZ-900
//!     option main { tier silver { require distinct people { 1 passing basics } } }
//! }"#).unwrap();
//! let source = rubric::data::DataSource {
//!     name: "p.json".into(),
//!     text: r#"{"id": "P-1", "people": [{"id": 1, "exams": [{"code": "AZ-900", "passed": "2024-03-01"}]}]}"#.into(),
//!     lines_before: 0,
//! };
//! let record = rubric::data::Record { span: rubric::ast::Span::new(0, source.text.len()), source: source.into(), index: 0 };
//! let partner = rubric::data::Partner::parse(&record).unwrap();
//! let date = |s| rubric::data::parse_date(s).unwrap();
//! let timeline = rubric::timeline::Planner::new(&policy)
//!     .timeline(&partner, date("2024-01-01"), date("2024-12-31"))
//!     .unwrap();
//! assert_eq!(timeline.start, None);
//! let dates: Vec<String> = timeline.changes.iter().map(|c| c.date.to_string()).collect();
//! assert_eq!(dates, ["2024-03-01", "2024-07-01"]);
//! ```
//!
//! Seam: a policy takes effect on one date and one file is one version, so
//! every date here is judged by the same policy. When several versions are
//! loaded, each version's `effective` date becomes one more candidate date
//! ([`Planner::policy_dates`]) and each date is judged by the version in
//! force.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use chrono::{Datelike, Days, Months, NaiveDate};
use rust_decimal::Decimal;

use crate::data::{DataError, Partner};
use crate::eval::window::Window;
use crate::eval::{Detail, Evaluator, PartnerOutcome, RequirementOutcome};
use crate::model::{self, MeasureId, PassStatus, Period, Policy, TierLevelId, YearEnd};

/// How far past the end of the range to look for the next loss.
pub const LOOKAHEAD_MONTHS: u32 = 24;

/// Which of a partner's lists a line is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LineKind {
    /// `revenue`.
    Revenue,
    /// `usage`.
    Usage,
}

/// A revenue or usage line of the partner's data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineRef {
    /// Which list it is in.
    pub kind: LineKind,
    /// Its position in that list, from 0.
    pub index: usize,
    /// Its date.
    pub date: NaiveDate,
    /// Its product, as written.
    pub product: String,
    /// Its revenue type or usage metric, as written.
    pub what: String,
    /// Its customer, when given.
    pub customer: Option<String>,
    /// Its amount (revenue) or quantity (usage).
    pub value: Decimal,
    /// The currency of an amount.
    pub currency: Option<String>,
}

/// Something in the data or the policy that happens on a date and can
/// change a tier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A line's date is reached: it is inside every window from now.
    LineEnters(LineRef),
    /// A line drops out of a trailing window of `months` months.
    LineLeaves {
        /// The line.
        line: LineRef,
        /// The window's length.
        months: u32,
    },
    /// A fixed period turns over (see [`model::Period`]): the year holding
    /// the line becomes the last complete one (`enters`), or stops being it.
    LineInPeriod {
        /// The line.
        line: LineRef,
        /// The period as the policy writes it, e.g. `last complete calendar year`.
        period: String,
        /// The first day of the period in force from this date.
        first: NaiveDate,
        /// Its last day.
        last: NaiveDate,
        /// Whether the line enters the period (else it leaves it).
        enters: bool,
    },
    /// A pass starts counting: its date is reached.
    PassCounts {
        /// The person's id.
        person: String,
        /// The credential as the catalog writes it.
        exam: String,
        /// The pass date.
        passed: NaiveDate,
    },
    /// A credential is no longer accepted: the day after it retired, or
    /// after its grace period ended.
    NoLongerAccepted {
        /// The person whose pass stops counting.
        person: String,
        /// The credential as the catalog writes it.
        exam: String,
        /// The last date it was accepted.
        until: NaiveDate,
        /// Whether that date is a grace period's end (`accepted until`)
        /// rather than the retirement date.
        grace: bool,
    },
    /// Another version of the policy takes effect: from this date its
    /// rules apply.
    VersionTakesEffect {
        /// Its version label.
        version: Option<String>,
        /// Its file.
        file: String,
    },
}

impl Event {
    /// The line it concerns, if any.
    pub fn line(&self) -> Option<&LineRef> {
        match self {
            Event::LineEnters(line)
            | Event::LineLeaves { line, .. }
            | Event::LineInPeriod { line, .. } => Some(line),
            Event::PassCounts { .. }
            | Event::NoLongerAccepted { .. }
            | Event::VersionTakesEffect { .. } => None,
        }
    }
}

/// A top-level requirement of a tier that became met or unmet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flip {
    /// The option's name.
    pub option: String,
    /// The tier's name.
    pub tier: String,
    /// The requirement, e.g. `crm >= 300,000.00 USD`.
    pub requirement: String,
    /// Whether it is met after the date.
    pub met: bool,
    /// For a measure: which, its value before and after, and the threshold.
    pub measure: Option<MeasureFlip>,
}

/// How a measure requirement's value moved across a date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MeasureFlip {
    /// The measure.
    pub measure: MeasureId,
    /// Whether it is money.
    pub money: bool,
    /// Its compared value before the date.
    pub before: Decimal,
    /// Its compared value from the date.
    pub after: Decimal,
    /// The threshold, when the partner's market has one.
    pub required: Option<Decimal>,
}

/// A date where the tier changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// The first date of the new tier.
    pub date: NaiveDate,
    /// The tier on the day before.
    pub before: Option<TierLevelId>,
    /// The tier from this date.
    pub after: Option<TierLevelId>,
    /// The requirements that flipped, in tiers whose verdict changed.
    pub flips: Vec<Flip>,
    /// What happened on the date that bears on them.
    pub events: Vec<Event>,
}

/// A partner's tiers over a range of dates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timeline {
    /// The first date of the range.
    pub from: NaiveDate,
    /// The last date of the range.
    pub to: NaiveDate,
    /// The tier on `from`.
    pub start: Option<TierLevelId>,
    /// Each date in `(from, to]` where the tier changes, in order.
    pub changes: Vec<Change>,
    /// The first date after `to` (within [`LOOKAHEAD_MONTHS`]) where the
    /// tier held at `to` would be lost, if the data stays as it is.
    pub upcoming: Option<Change>,
    /// How many dates were evaluated.
    pub evaluated: usize,
}

impl Timeline {
    /// The tier held at `date` (within the range), as the changes say.
    pub fn tier_on(&self, date: NaiveDate) -> Option<TierLevelId> {
        self.changes
            .iter()
            .take_while(|c| c.date <= date)
            .last()
            .map_or(self.start, |c| c.after)
    }
}

/// A policy prepared for timelines: its catalog by exam key and the window
/// lengths its measures use.
#[derive(Debug)]
pub struct Planner<'p> {
    policy: &'p Policy,
    exam_index: HashMap<String, usize>,
    windows: BTreeSet<u32>,
    /// The fixed periods its measures use.
    periods: BTreeSet<(YearEnd, bool)>,
    /// Whether a measure reads the period before its own (lost customers).
    years_before: bool,
    /// Evaluators compiled for the dates seen lately: partners of one
    /// program share most of their dates. Bounded, so memory stays flat.
    evaluators: Mutex<HashMap<NaiveDate, Arc<Evaluator<'p>>>>,
}

/// The most evaluators [`Planner`] keeps (a few years of days).
const CACHED_EVALUATORS: usize = 2_048;

impl<'p> Planner<'p> {
    /// Prepares `policy`.
    pub fn new(policy: &'p Policy) -> Self {
        Planner {
            policy,
            exam_index: policy
                .exams
                .iter()
                .enumerate()
                .flat_map(|(i, e)| {
                    // Passes under a former name are passes of the renamed credential.
                    std::iter::once(&e.code)
                        .chain(&e.former_names)
                        .map(move |name| (model::exam_key(name), i))
                })
                .collect(),
            windows: policy
                .measures
                .iter()
                .filter_map(|m| match m.period {
                    // Lost customers read the window before too.
                    Period::Trailing { months } if reads_window_before(m) => {
                        Some(months.saturating_mul(2))
                    }
                    Period::Trailing { months } => Some(months),
                    Period::LastCompleteYear { .. } => None,
                })
                .chain(policy.measures.iter().filter_map(|m| match m.period {
                    Period::Trailing { months } => Some(months),
                    Period::LastCompleteYear { .. } => None,
                }))
                // Read `in every month`, a line moves to an earlier month of
                // the window each month: it leaves the trailing k months.
                .chain(
                    policy
                        .measures
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| read_every_month(policy, *i))
                        .filter_map(|(_, m)| match m.period {
                            Period::Trailing { months } => Some(1..months),
                            Period::LastCompleteYear { .. } => None,
                        })
                        .flatten(),
                )
                .collect(),
            years_before: policy.measures.iter().any(reads_window_before),
            periods: policy
                .measures
                .iter()
                .filter_map(|m| match m.period {
                    Period::LastCompleteYear { ends, calendar } => Some((ends, calendar)),
                    Period::Trailing { .. } => None,
                })
                .collect(),
            evaluators: Mutex::new(HashMap::new()),
        }
    }

    /// The evaluator for `date`, compiled once while it stays cached.
    fn evaluator(&self, date: NaiveDate) -> Arc<Evaluator<'p>> {
        if let Ok(cache) = self.evaluators.lock()
            && let Some(evaluator) = cache.get(&date)
        {
            return Arc::clone(evaluator);
        }
        // Compiled outside the lock, so that workers do not wait on it.
        let evaluator = Arc::new(Evaluator::new(self.policy, date));
        if let Ok(mut cache) = self.evaluators.lock() {
            if cache.len() >= CACHED_EVALUATORS {
                cache.clear();
            }
            cache.insert(date, Arc::clone(&evaluator));
        }
        evaluator
    }

    /// The policy.
    pub fn policy(&self) -> &'p Policy {
        self.policy
    }

    /// Dates on which the policy itself changes what counts for everyone.
    /// With one version there are none: a credential's dates are read per
    /// pass in [`Planner::candidates`]. (Where versions' `effective` dates
    /// will go.)
    pub fn policy_dates(&self) -> Vec<NaiveDate> {
        Vec::new()
    }

    /// Every date in `(after, until]` on which the partner's facts can
    /// change, with what happens on it.
    pub fn candidates(
        &self,
        partner: &Partner<'_>,
        after: NaiveDate,
        until: NaiveDate,
    ) -> BTreeMap<NaiveDate, Vec<Event>> {
        let mut dates: BTreeMap<NaiveDate, Vec<Event>> = BTreeMap::new();
        let mut add = |date: NaiveDate, event: Option<Event>| {
            if after < date && date <= until {
                let events = dates.entry(date).or_default();
                events.extend(event);
            }
        };
        for date in self.policy_dates() {
            add(date, None);
        }
        let lines = partner
            .revenue
            .iter()
            .enumerate()
            .map(|(index, l)| LineRef {
                kind: LineKind::Revenue,
                index,
                date: l.date,
                product: l.product.to_string(),
                what: l.kind.to_string(),
                customer: l.customer.as_deref().map(str::to_owned),
                value: l.amount,
                currency: Some(l.currency.to_string()),
            })
            .chain(partner.usage.iter().enumerate().map(|(index, l)| LineRef {
                kind: LineKind::Usage,
                index,
                date: l.date,
                product: l.product.to_string(),
                what: l.metric.to_string(),
                customer: l.customer.as_deref().map(str::to_owned),
                value: l.quantity,
                currency: None,
            }));
        for line in lines {
            // Cheap test first: most lines of a long history are far outside.
            if line.date > until {
                continue;
            }
            for &months in &self.windows {
                if let Some(leaves) = leaves_window(line.date, months)
                    && leaves > after
                {
                    add(
                        leaves,
                        Some(Event::LineLeaves {
                            line: line.clone(),
                            months,
                        }),
                    );
                }
            }
            for &(ends, calendar) in &self.periods {
                let period = Period::LastCompleteYear { ends, calendar };
                // The line counts from the end of the year holding it until
                // the end of the next year.
                let Some(enters) = first_year_end(ends, line.date) else {
                    continue;
                };
                let leaves = enters.checked_add_months(Months::new(12));
                // Lost customers: the line also counts in the period before.
                let leaves_before = enters
                    .checked_add_months(Months::new(24))
                    .filter(|_| self.years_before);
                for (at, entering) in [
                    (Some(enters), true),
                    (leaves, false),
                    (leaves_before, false),
                ] {
                    let Some(at) = at else { continue };
                    let window = Window::of(period, at);
                    add(
                        at,
                        Some(Event::LineInPeriod {
                            line: line.clone(),
                            period: period.describe(),
                            first: window.first_day(),
                            last: window.end,
                            enters: entering,
                        }),
                    );
                }
            }
            add(line.date, Some(Event::LineEnters(line)));
        }
        for person in &partner.people {
            for pass in &person.exams {
                let Some(exam) = self
                    .exam_index
                    .get(&model::exam_key(&pass.code))
                    .and_then(|&i| self.policy.exams.get(i))
                else {
                    continue;
                };
                // A pass that never counts (dated before the credential was
                // available or after it retired) changes nothing.
                if exam.pass_status(pass.passed, pass.passed) != PassStatus::Counts {
                    continue;
                }
                let person_id = person.id.text().into_owned();
                add(
                    pass.passed,
                    Some(Event::PassCounts {
                        person: person_id.clone(),
                        exam: exam.code.clone(),
                        passed: pass.passed,
                    }),
                );
                if let Some(until) = exam.accepted_until
                    && let Some(stop) = until.succ_opt()
                {
                    add(
                        stop,
                        Some(Event::NoLongerAccepted {
                            person: person_id,
                            exam: exam.code.clone(),
                            until,
                            grace: exam.retires.is_some_and(|r| r < until),
                        }),
                    );
                }
            }
        }
        dates
    }

    /// The partner's timeline over `from..=to`, and its next loss within
    /// [`LOOKAHEAD_MONTHS`] after `to`. A data error on any date evaluated
    /// (a sum that overflows) is returned instead.
    pub fn timeline(
        &self,
        partner: &Partner<'_>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Timeline, Vec<DataError>> {
        let horizon = to
            .checked_add_months(Months::new(LOOKAHEAD_MONTHS))
            .unwrap_or(to);
        let candidates = self.candidates(partner, from, horizon);
        let mut previous = self.outcome(partner, from, Detail::Requirements)?;
        let mut previous_date = from;
        let mut timeline = Timeline {
            from,
            to,
            start: previous.tier,
            changes: Vec::new(),
            upcoming: None,
            evaluated: 1,
        };
        let held =
            |timeline: &Timeline| timeline.changes.last().map_or(timeline.start, |c| c.after);
        for (date, events) in candidates {
            let current = self.outcome(partner, date, Detail::Requirements)?;
            timeline.evaluated += 1;
            if date <= to {
                if current.tier != previous.tier {
                    let change =
                        self.change(partner, previous_date, &previous, date, &current, events)?;
                    timeline.changes.push(change);
                }
            } else if current.tier < held(&timeline) {
                // The tier held at `to` is lost (possibly after a rise in
                // between: compare with the tier held at `to`, not the one
                // just before).
                let at_to = self.outcome(partner, to, Detail::Requirements)?;
                let mut change =
                    self.change(partner, previous_date, &previous, date, &current, events)?;
                change.before = at_to.tier;
                change.flips = lost(self.policy, &at_to, &current);
                timeline.upcoming = Some(change);
                break;
            }
            previous = current;
            previous_date = date;
        }
        Ok(timeline)
    }

    /// The partner evaluated as of `date`, exactly as `rubric eval --as-of`.
    pub fn outcome(
        &self,
        partner: &Partner<'_>,
        date: NaiveDate,
        detail: Detail,
    ) -> Result<PartnerOutcome<'p>, Vec<DataError>> {
        self.evaluator(date).evaluate_at(partner, detail)
    }

    /// The change from `before` (as of `was`, and every day up to `date`)
    /// to `after` on `date`.
    fn change(
        &self,
        partner: &Partner<'_>,
        was: NaiveDate,
        before: &PartnerOutcome<'p>,
        date: NaiveDate,
        after: &PartnerOutcome<'p>,
        events: Vec<Event>,
    ) -> Result<Change, Vec<DataError>> {
        let flips = flipped(self.policy, before, after);
        let events = self.relevant(partner, was, date, &flips, events)?;
        Ok(Change {
            date,
            before: before.tier,
            after: after.tier,
            flips,
            events,
        })
    }

    /// The events of a date that bear on the flipped requirements: lines
    /// counted by a flipped measure on one side of the date and not the
    /// other, and passes when a people requirement flipped. When none can
    /// be singled out, every event of the date.
    fn relevant(
        &self,
        partner: &Partner<'_>,
        was: NaiveDate,
        date: NaiveDate,
        flips: &[Flip],
        events: Vec<Event>,
    ) -> Result<Vec<Event>, Vec<DataError>> {
        let measures: BTreeSet<usize> = flips
            .iter()
            .filter_map(|f| f.measure.map(|m| m.measure.0))
            .collect();
        let people = flips.iter().any(|f| f.measure.is_none());
        let counted = |outcome: &PartnerOutcome<'_>, kind: LineKind| -> BTreeSet<usize> {
            measures
                .iter()
                .filter(|&&m| {
                    let revenue = self
                        .policy
                        .measures
                        .get(m)
                        .is_some_and(|d| base_is_money(self.policy, d));
                    revenue == (kind == LineKind::Revenue)
                })
                .filter_map(|&m| outcome.measures.get(m))
                .flat_map(|t| t.counted.iter().copied())
                .collect()
        };
        let (before, after) = if measures.is_empty() {
            (None, None)
        } else {
            (
                Some(self.outcome(partner, was, Detail::Evidence)?),
                Some(self.outcome(partner, date, Detail::Evidence)?),
            )
        };
        let kept: Vec<Event> = events
            .iter()
            .filter(|event| match event {
                Event::LineEnters(line) => after
                    .as_ref()
                    .is_some_and(|o| counted(o, line.kind).contains(&line.index)),
                Event::LineLeaves { line, .. }
                | Event::LineInPeriod {
                    line,
                    enters: false,
                    ..
                } => before
                    .as_ref()
                    .is_some_and(|o| counted(o, line.kind).contains(&line.index)),
                Event::LineInPeriod {
                    line, enters: true, ..
                } => after
                    .as_ref()
                    .is_some_and(|o| counted(o, line.kind).contains(&line.index)),
                Event::PassCounts { .. } | Event::NoLongerAccepted { .. } => people,
                Event::VersionTakesEffect { .. } => true,
            })
            .cloned()
            .collect();
        Ok(if kept.is_empty() { events } else { kept })
    }
}

/// Whether a measure compares with the window before its own: `lost` and
/// `net new customers of`.
fn reads_window_before(measure: &model::Measure) -> bool {
    matches!(
        measure.kind,
        model::MeasureKind::DistinctCustomers {
            count: model::CustomerCount::Lost | model::CustomerCount::NetNew,
            ..
        }
    )
}

/// Whether a measure's lines are revenue lines (a distinct-customers
/// measure reads its base's).
fn base_is_money(policy: &Policy, measure: &model::Measure) -> bool {
    match &measure.kind {
        model::MeasureKind::DistinctCustomers { of, .. } => policy
            .measures
            .get(of.0)
            .is_some_and(model::Measure::is_money),
        _ => measure.is_money(),
    }
}

/// The first day on or after `date` that falls on `ends`' month and day:
/// the last day of the year (ending there) that holds `date`.
fn first_year_end(ends: YearEnd, date: NaiveDate) -> Option<NaiveDate> {
    let this_year = NaiveDate::from_ymd_opt(date.year(), ends.month, ends.day)?;
    if this_year >= date {
        Some(this_year)
    } else {
        NaiveDate::from_ymd_opt(date.year() + 1, ends.month, ends.day)
    }
}

/// The first as-of date whose trailing window of `months` months no longer
/// holds a line dated `date`. Windows end at the as-of date and start the
/// same day `months` earlier, clamped at month ends, so the answer is near
/// `date + months` but not always on it (a line of 29 February 2016 is in
/// the 12-month window of 28 February 2017 and leaves on 1 March). The
/// window's start never moves back as the as-of date moves on, so stepping
/// a day at a time from a date that still holds the line finds the first
/// that does not, judged by [`Window`] itself.
pub fn leaves_window(date: NaiveDate, months: u32) -> Option<NaiveDate> {
    if !Window::trailing(date, months).contains(date) {
        // A window of no months holds nothing: the line never enters.
        return None;
    }
    let guess = date.checked_add_months(Months::new(months))?;
    let mut at = guess.checked_sub_days(Days::new(4))?.max(date);
    // At most a few steps back (clamping moves a start by three days at most).
    for _ in 0..8 {
        if at <= date || Window::trailing(at, months).contains(date) {
            break;
        }
        at = at.pred_opt()?;
    }
    for _ in 0..16 {
        let next = at.succ_opt()?;
        if !Window::trailing(next, months).contains(date) {
            return Some(next);
        }
        at = next;
    }
    None
}

/// The top-level requirements whose verdict differs between two outcomes of
/// the same policy, in tiers whose verdict differs too.
pub fn flipped(
    policy: &Policy,
    before: &PartnerOutcome<'_>,
    after: &PartnerOutcome<'_>,
) -> Vec<Flip> {
    let mut flips = Vec::new();
    for (b, a) in before.options.iter().zip(&after.options) {
        for (bt, at) in b.tiers.iter().zip(&a.tiers) {
            if bt.met == at.met {
                continue;
            }
            for (br, ar) in bt.requirements.iter().zip(&at.requirements) {
                if br.met() != ar.met() {
                    flips.push(flip(policy, a.option.name.as_str(), at.level, br, ar));
                }
            }
        }
    }
    flips
}

/// The requirements of the tier held in `held` that are unmet in `now`,
/// in the options where `held`'s tier was met.
fn lost(policy: &Policy, held: &PartnerOutcome<'_>, now: &PartnerOutcome<'_>) -> Vec<Flip> {
    let mut flips = Vec::new();
    for (h, n) in held.options.iter().zip(&now.options) {
        for (ht, nt) in h.tiers.iter().zip(&n.tiers) {
            if Some(ht.level) != held.tier || !ht.met || nt.met {
                continue;
            }
            for (hr, nr) in ht.requirements.iter().zip(&nt.requirements) {
                if hr.met() && !nr.met() {
                    flips.push(flip(policy, n.option.name.as_str(), nt.level, hr, nr));
                }
            }
        }
    }
    flips
}

fn flip(
    policy: &Policy,
    option: &str,
    level: TierLevelId,
    before: &RequirementOutcome<'_>,
    after: &RequirementOutcome<'_>,
) -> Flip {
    let measure = match (before, after) {
        (RequirementOutcome::Measure(b), RequirementOutcome::Measure(a)) => Some(MeasureFlip {
            measure: a.measure,
            money: a.definition.is_money(),
            before: b.actual,
            after: a.actual,
            required: a.required,
        }),
        _ => None,
    };
    Flip {
        option: option.to_owned(),
        tier: policy
            .tiers
            .get(level.0)
            .map_or_else(String::new, |t| t.id.clone()),
        requirement: describe(policy, after),
        met: after.met(),
        measure,
    }
}

/// Whether a requirement of `policy` reads measure `measure` `in every month`.
fn read_every_month(policy: &Policy, measure: usize) -> bool {
    fn any(list: &[model::Requirement], measure: usize) -> bool {
        list.iter().any(|r| match r {
            model::Requirement::Measure(m) => m.every_month && m.measure.0 == measure,
            model::Requirement::Either(branches, _) => {
                branches.iter().any(|b| any(&b.requirements, measure))
            }
            _ => false,
        })
    }
    policy
        .options
        .iter()
        .flat_map(|o| &o.tiers)
        .any(|t| any(&t.requirements, measure))
}

/// A requirement in a few words, e.g. `crm >= 300,000.00 USD` or
/// `distinct people: 2 passing functional and deployment, 2 passing customization`.
pub fn describe(policy: &Policy, outcome: &RequirementOutcome<'_>) -> String {
    match outcome {
        RequirementOutcome::Measure(m) => {
            let per = if m.per_month {
                " per month"
            } else if m.every_month {
                " in every month"
            } else {
                ""
            };
            let threshold = match m.required {
                Some(required) => {
                    let currency = m
                        .definition
                        .is_money()
                        .then_some(policy.currency.as_deref())
                        .flatten()
                        .map(|c| format!(" {c}"))
                        .unwrap_or_default();
                    let amount = if m.definition.is_money() {
                        crate::money::grouped(required)
                    } else {
                        crate::money::count(required)
                    };
                    format!(">= {amount}{currency}")
                }
                None => "(no threshold for the partner's market)".to_owned(),
            };
            format!("{}{per} {threshold}", m.definition.name)
        }
        RequirementOutcome::People(p) => {
            let roles: Vec<String> = p
                .requirement
                .roles
                .iter()
                .map(|r| r.description.clone())
                .collect();
            let how = if p.distinct { "distinct" } else { "shared" };
            format!("{how} people: {}", roles.join(", "))
        }
        RequirementOutcome::Attribute { attribute, .. } => format!("attribute {}", attribute.id),
        RequirementOutcome::Either { branches, .. } => {
            let parts: Vec<String> = branches
                .iter()
                .map(|b| {
                    let inner: Vec<String> =
                        b.requirements.iter().map(|r| describe(policy, r)).collect();
                    format!("({})", inner.join(" and "))
                })
                .collect();
            format!("either {}", parts.join(" or "))
        }
    }
}

/// How [`Timelines`] renders each partner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// A readable block.
    Human,
    /// One compact JSON object and a newline.
    Json,
}

/// Computes and renders each partner's timeline as the batch pipeline
/// hands it over (see [`crate::batch::evaluate`]; every partner arrives
/// parsed, as [`Render::needs_record`](crate::report::Render::needs_record)
/// says, and the batch's detail can be the cheapest, [`Detail::Tier`]). Records that
/// cannot be read or evaluated are rendered as `rubric eval` renders them.
#[derive(Debug)]
pub struct Timelines<'p> {
    /// The prepared policy: the version in force on `from`.
    pub planner: Planner<'p>,
    /// Later versions taking effect in `(from, to]`, in order: each date,
    /// its prepared policy and the event that says so. Every version must
    /// have the same tier ladder.
    pub later: Vec<(NaiveDate, Planner<'p>, Event)>,
    /// The first date.
    pub from: NaiveDate,
    /// The last date.
    pub to: NaiveDate,
    /// The rendering.
    pub output: Output,
    /// Partners evaluated on `from` whose timeline failed on a later date;
    /// their errors are in the output.
    pub failed_later: std::sync::atomic::AtomicUsize,
}

impl Timelines<'_> {
    /// The partner's timeline, each date judged by the version in force:
    /// one timeline per version's stretch of the range, joined, with a
    /// change where a version taking effect moves the tier. The next loss
    /// after `to` is the last version's.
    fn across_versions(&self, partner: &Partner<'_>) -> Result<Timeline, Vec<DataError>> {
        let stretch_end = |i: usize| -> NaiveDate {
            self.later
                .get(i)
                .and_then(|(date, _, _)| date.pred_opt())
                .unwrap_or(self.to)
        };
        let mut timeline = self.planner.timeline(partner, self.from, stretch_end(0))?;
        timeline.to = self.to;
        for (i, (date, planner, event)) in self.later.iter().enumerate() {
            let next = planner.timeline(partner, *date, stretch_end(i + 1))?;
            let held = timeline.changes.last().map_or(timeline.start, |c| c.after);
            if next.start != held {
                timeline.changes.push(Change {
                    date: *date,
                    before: held,
                    after: next.start,
                    flips: Vec::new(),
                    events: vec![event.clone()],
                });
            }
            timeline.changes.extend(next.changes);
            timeline.evaluated += next.evaluated;
            timeline.upcoming = next.upcoming;
        }
        Ok(timeline)
    }
}

impl crate::report::Render for Timelines<'_> {
    fn evaluated(
        &self,
        policy: &Policy,
        evaluated: &crate::eval::Evaluated<'_, '_>,
        warnings: &[DataError],
        out: &mut Vec<u8>,
    ) {
        let Some(partner) = evaluated.partner else {
            // `needs_record` makes every evaluated partner arrive parsed.
            let id = Some(evaluated.id.json());
            self.failed(id, &[], out);
            return;
        };
        let timeline = match self.across_versions(partner) {
            Ok(timeline) => timeline,
            Err(errors) => {
                // Evaluated on `from` but not on a later date (a sum that
                // overflows only once more lines are in a window): the
                // errors go in the output, since the pipeline has already
                // counted the record as evaluated.
                self.failed_later
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                match self.output {
                    Output::Human => {
                        let mut text = format!(
                            "partner {}: no timeline: evaluating it on a later date failed\n",
                            evaluated.id.text()
                        );
                        for error in &errors {
                            text.push_str(&format!("  ! {error}\n"));
                        }
                        text.push('\n');
                        out.extend_from_slice(text.as_bytes());
                    }
                    Output::Json => self.failed(Some(evaluated.id.json()), &errors, out),
                }
                return;
            }
        };
        match self.output {
            Output::Human => out.extend_from_slice(
                crate::report::timeline::human(policy, evaluated, &timeline, warnings).as_bytes(),
            ),
            Output::Json => {
                let value = crate::report::timeline::json(policy, evaluated, &timeline, warnings);
                out.extend_from_slice(value.to_string().as_bytes());
                out.push(b'\n');
            }
        }
    }

    fn failed(
        &self,
        id: Option<&serde_json::value::RawValue>,
        errors: &[DataError],
        out: &mut Vec<u8>,
    ) {
        match self.output {
            Output::Human => crate::report::Human.failed(id, errors, out),
            Output::Json => crate::report::JsonLines.failed(id, errors, out),
        }
    }

    fn needs_record(&self) -> bool {
        true
    }
}
