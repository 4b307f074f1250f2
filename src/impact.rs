//! The impact of a new version of a policy on real partners: both versions
//! evaluated over the same partners in one pass over the data.
//!
//! [`Impact`] is a [`Render`] for [`crate::batch::evaluate`]: the batch
//! evaluates each partner against the new version, and `Impact` evaluates
//! the same parsed record against the old one, tallies the move in a
//! transition table (from-tier × to-tier) and renders the partners who
//! move, with the requirements that flipped and their old and new actual and
//! required values. Nothing is kept per partner, so memory does not grow
//! with the number of partners; the caller decides how many movers to print.

use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;

use crate::data::DataError;
use crate::eval::{Detail, Evaluated, Evaluator, PartnerOutcome, RequirementOutcome};
use crate::model::{Policy, TierLevelId};
use crate::report::Render;

/// How movers are rendered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MoverFormat {
    /// A few lines for people.
    Human,
    /// One JSON object per line.
    Json,
}

/// Both versions over the same partners: a [`Render`] for the new version's
/// batch run.
pub struct Impact<'e, 'p> {
    old: &'e Evaluator<'p>,
    new: &'p Policy,
    format: MoverFormat,
    /// Counts by (old tier or none) × (new tier or none), row-major; none
    /// is the first row and column.
    transitions: Vec<AtomicUsize>,
    /// Partners the new version evaluates but the old one cannot (its
    /// currency differs, say): in no cell of the table.
    old_failed: AtomicUsize,
    /// The old version with one change applied, each with how many
    /// partners it alone moves up and down.
    isolated: Vec<(String, &'e Evaluator<'p>, [AtomicUsize; 2])>,
}

/// How many partners one change, applied alone to the old version, moves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChangeImpact {
    /// The change, in words.
    pub change: String,
    /// Partners it moves to a higher tier.
    pub up: usize,
    /// Partners it moves to a lower tier.
    pub down: usize,
}

/// One cell of the transition table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Transition {
    /// The tier under the old version, `none` for no tier.
    pub from: String,
    /// The tier under the new version.
    pub to: String,
    /// How many partners.
    pub count: usize,
}

/// A requirement whose state differs between the versions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Flip {
    /// `OPTION/TIER/REQUIREMENT`, e.g. `reseller/gold/crm`.
    pub requirement: String,
    /// Met under the old version (`None`: the old version has no such
    /// requirement).
    pub old_met: Option<bool>,
    /// Met under the new version.
    pub new_met: Option<bool>,
    /// The old actual and required values, e.g. `60,000.00 of 50,000.00 USD`.
    pub old: Option<String>,
    /// The new ones.
    pub new: Option<String>,
}

/// A partner whose tier differs between the versions.
#[derive(Clone, Debug, Serialize)]
pub struct Mover {
    /// Its id, as written.
    pub partner: String,
    /// Its name.
    pub name: Option<String>,
    /// Its tier under the old version.
    pub from: String,
    /// Its tier under the new version.
    pub to: String,
    /// The requirements that flipped.
    pub flipped: Vec<Flip>,
}

impl<'e, 'p> Impact<'e, 'p> {
    /// An impact run of `new` against the evaluator of the old version.
    pub fn new(old: &'e Evaluator<'p>, new: &'p Policy, format: MoverFormat) -> Self {
        let cells = (old.policy().tiers.len() + 1) * (new.tiers.len() + 1);
        Impact {
            old,
            new,
            format,
            transitions: (0..cells).map(|_| AtomicUsize::new(0)).collect(),
            old_failed: AtomicUsize::new(0),
            isolated: Vec::new(),
        }
    }

    /// Also evaluates each partner against the old version with one change
    /// applied (see [`crate::diff::isolate`]), to count what each change
    /// alone does.
    pub fn with_isolated(mut self, changes: Vec<(String, &'e Evaluator<'p>)>) -> Self {
        self.isolated = changes
            .into_iter()
            .map(|(name, evaluator)| (name, evaluator, [AtomicUsize::new(0), AtomicUsize::new(0)]))
            .collect();
        self
    }

    /// What each isolated change alone does, in the order given.
    pub fn per_change(&self) -> Vec<ChangeImpact> {
        self.isolated
            .iter()
            .map(|(change, _, [up, down])| ChangeImpact {
                change: change.clone(),
                up: up.load(Ordering::Relaxed),
                down: down.load(Ordering::Relaxed),
            })
            .collect()
    }

    /// The detail the batch evaluates the new version at: what the old
    /// one is evaluated at, as the flips compare the two (the parsed record
    /// arrives anyway, see [`crate::report::Render::needs_record`]).
    pub const DETAIL: Detail = Detail::Requirements;

    /// The transition table so far: every pair of tiers, the ladders'
    /// order, `none` first; cells with no partner included.
    pub fn transitions(&self) -> Vec<Transition> {
        let old = tier_names(self.old.policy());
        let new = tier_names(self.new);
        let mut out = Vec::new();
        for (i, from) in old.iter().enumerate() {
            for (j, to) in new.iter().enumerate() {
                let count = self
                    .transitions
                    .get(cell(i, j, new.len()))
                    .map_or(0, |c| c.load(Ordering::Relaxed));
                out.push(Transition {
                    from: from.clone(),
                    to: to.clone(),
                    count,
                });
            }
        }
        out
    }

    /// Partners the new version evaluated but the old one could not.
    pub fn old_failed(&self) -> usize {
        self.old_failed.load(Ordering::Relaxed)
    }

    /// How many partners moved, up and down the new ladder's order of names
    /// (a tier the other version lacks counts as a move).
    pub fn moved(&self) -> usize {
        self.transitions()
            .iter()
            .filter(|t| t.from != t.to)
            .map(|t| t.count)
            .sum()
    }
}

/// `none`, then the ladder, lowest first.
fn tier_names(policy: &Policy) -> Vec<String> {
    std::iter::once("none".to_owned())
        .chain(policy.tiers.iter().map(|t| t.id.clone()))
        .collect()
}

fn cell(row: usize, column: usize, columns: usize) -> usize {
    row * columns + column
}

/// A tier's place in [`tier_names`].
fn place(tier: Option<TierLevelId>) -> usize {
    tier.map_or(0, |t| t.0 + 1)
}

fn tier_name(policy: &Policy, tier: Option<TierLevelId>) -> String {
    tier.and_then(|t| policy.tiers.get(t.0))
        .map_or_else(|| "none".to_owned(), |t| t.id.clone())
}

/// Every requirement's state, labelled `OPTION/TIER/REQUIREMENT`.
fn states(policy: &Policy, outcome: &PartnerOutcome<'_>) -> Vec<(String, bool, String)> {
    let currency = policy.currency.as_deref();
    let mut out = Vec::new();
    for option in &outcome.options {
        for tier in &option.tiers {
            let rung = tier_name(policy, Some(tier.level));
            let prefix = format!("{}/{rung}", option.option.name);
            let mut people = 0;
            let mut eithers = 0;
            for r in &tier.requirements {
                let (what, values) = match r {
                    RequirementOutcome::Measure(m) => {
                        let money = m.definition.is_money();
                        let actual = crate::money::amount(m.actual, money, currency);
                        let required = m.required.map_or_else(
                            || "no threshold".to_owned(),
                            |t| crate::money::amount(t, money, currency),
                        );
                        let per_month = if m.per_month {
                            " per month"
                        } else if m.every_month {
                            " in every month"
                        } else {
                            ""
                        };
                        (
                            format!("{}{per_month}", m.definition.name),
                            format!("{actual} of {required}"),
                        )
                    }
                    RequirementOutcome::People(p) => {
                        people += 1;
                        let filled: usize = p.filled.iter().sum();
                        let required: u32 = p.required.iter().sum();
                        (
                            if people == 1 {
                                "people".to_owned()
                            } else {
                                format!("people {people}")
                            },
                            format!("{filled} of {required} places filled"),
                        )
                    }
                    RequirementOutcome::Attribute { attribute, met } => (
                        format!("attribute {}", attribute.id),
                        if *met { "has it" } else { "lacks it" }.to_owned(),
                    ),
                    RequirementOutcome::Either { branches, .. } => {
                        eithers += 1;
                        let met = branches.iter().filter(|b| b.met).count();
                        (
                            if eithers == 1 {
                                "either".to_owned()
                            } else {
                                format!("either {eithers}")
                            },
                            format!("{met} of {} alternatives met", branches.len()),
                        )
                    }
                };
                out.push((format!("{prefix}/{what}"), r.met(), values));
            }
        }
    }
    out
}

/// The requirements whose state differs, in the new version's order, then
/// those only the old version has.
fn flips(
    old_policy: &Policy,
    old: &PartnerOutcome<'_>,
    new_policy: &Policy,
    new: &PartnerOutcome<'_>,
) -> Vec<Flip> {
    let before = states(old_policy, old);
    let after = states(new_policy, new);
    let mut out = Vec::new();
    for (label, met, values) in &after {
        match before.iter().find(|(l, _, _)| l == label) {
            Some((_, was, old_values)) if was != met => out.push(Flip {
                requirement: label.clone(),
                old_met: Some(*was),
                new_met: Some(*met),
                old: Some(old_values.clone()),
                new: Some(values.clone()),
            }),
            Some(_) => {}
            None if !met => out.push(Flip {
                requirement: label.clone(),
                old_met: None,
                new_met: Some(false),
                old: None,
                new: Some(values.clone()),
            }),
            None => {}
        }
    }
    for (label, was, values) in &before {
        if *was && !after.iter().any(|(l, _, _)| l == label) {
            out.push(Flip {
                requirement: label.clone(),
                old_met: Some(true),
                new_met: None,
                old: Some(values.clone()),
                new: None,
            });
        }
    }
    out
}

impl Render for Impact<'_, '_> {
    fn evaluated(
        &self,
        _policy: &Policy,
        evaluated: &Evaluated<'_, '_>,
        _warnings: &[DataError],
        out: &mut Vec<u8>,
    ) {
        // INVARIANT: `needs_record` makes the batch keep the parsed record;
        // without it the old version cannot be evaluated.
        let Some(partner) = evaluated.partner else {
            return;
        };
        let Ok(old) = self.old.evaluate_at(partner, Detail::Requirements) else {
            self.old_failed.fetch_add(1, Ordering::Relaxed);
            return;
        };
        let new = &evaluated.outcome;
        let columns = self.new.tiers.len() + 1;
        if let Some(count) = self
            .transitions
            .get(cell(place(old.tier), place(new.tier), columns))
        {
            count.fetch_add(1, Ordering::Relaxed);
        }
        let old_policy = self.old.policy();
        for (_, evaluator, [up, down]) in &self.isolated {
            let Ok(alone) = evaluator.evaluate_at(partner, Detail::Tier) else {
                continue;
            };
            // Ranks on the old ladder, by name: the change may not touch it.
            let name = tier_name(evaluator.policy(), alone.tier);
            let rank = |name: &str| {
                old_policy
                    .tiers
                    .iter()
                    .position(|t| t.id == name)
                    .map_or(0, |i| i + 1)
            };
            let (before, after) = (place(old.tier), rank(&name));
            if after > before {
                up.fetch_add(1, Ordering::Relaxed);
            } else if after < before {
                down.fetch_add(1, Ordering::Relaxed);
            }
        }
        let from = tier_name(old_policy, old.tier);
        let to = tier_name(self.new, new.tier);
        if from == to {
            return;
        }
        let mover = Mover {
            partner: evaluated.id.text().into_owned(),
            name: evaluated.name.as_deref().map(str::to_owned),
            from,
            to,
            flipped: flips(self.old.policy(), &old, self.new, new),
        };
        match self.format {
            MoverFormat::Json => {
                if serde_json::to_writer(&mut *out, &mover).is_ok() {
                    out.push(b'\n');
                }
            }
            MoverFormat::Human => out.extend_from_slice(human(&mover).as_bytes()),
        }
    }

    fn failed(
        &self,
        _id: Option<&serde_json::value::RawValue>,
        _errors: &[DataError],
        _out: &mut Vec<u8>,
    ) {
        // The caller reports the errors; a record not evaluated moves nowhere.
    }

    fn needs_record(&self) -> bool {
        true
    }
}

/// A mover for people: its move, then each flipped requirement.
pub fn human(mover: &Mover) -> String {
    let name = mover
        .name
        .as_deref()
        .map(|n| format!(" \"{n}\""))
        .unwrap_or_default();
    let mut text = format!("{}{name}: {} → {}\n", mover.partner, mover.from, mover.to);
    let state = |met: Option<bool>| match met {
        Some(true) => "met",
        Some(false) => "unmet",
        None => "absent",
    };
    for flip in &mover.flipped {
        let values = match (&flip.old, &flip.new) {
            (Some(a), Some(b)) => format!(" ({a} → {b})"),
            (Some(a), None) => format!(" (was {a})"),
            (None, Some(b)) => format!(" ({b})"),
            (None, None) => String::new(),
        };
        text.push_str(&format!(
            "  {}: {} → {}{values}\n",
            flip.requirement,
            state(flip.old_met),
            state(flip.new_met)
        ));
    }
    text
}

/// The transition table for people: a row per old tier, a column per new.
pub fn table(transitions: &[Transition]) -> String {
    let mut rows: Vec<&str> = Vec::new();
    let mut columns: Vec<&str> = Vec::new();
    for t in transitions {
        if !rows.contains(&t.from.as_str()) {
            rows.push(&t.from);
        }
        if !columns.contains(&t.to.as_str()) {
            columns.push(&t.to);
        }
    }
    let width = transitions
        .iter()
        .map(|t| t.count.to_string().len())
        .chain(columns.iter().map(|c| c.len()))
        .max()
        .unwrap_or(1);
    let first = rows
        .iter()
        .map(|r| r.len())
        .max()
        .unwrap_or(4)
        .max("old \\ new".len());
    let mut text = format!("{:<first$}", "old \\ new");
    for c in &columns {
        text.push_str(&format!("  {c:>width$}"));
    }
    text.push('\n');
    for r in &rows {
        text.push_str(&format!("{r:<first$}"));
        for c in &columns {
            let count = transitions
                .iter()
                .find(|t| t.from == *r && t.to == *c)
                .map_or(0, |t| t.count);
            text.push_str(&format!("  {count:>width$}"));
        }
        text.push('\n');
    }
    text
}
