//! What a run's data says about the policy's catalogue: the product names
//! (and, when declared, revenue types and usage metrics) lines carry that
//! match no declared name, and the declared names no line carries.
//!
//! Watching is on only for a policy that declares a catalogue; a policy
//! without one pays nothing. Each worker keeps what it saw in a [`Seen`]:
//! a flag per declared name, and the distinct values that matched none, at
//! most [`DISTINCT_LIMIT`] of each field (past that, lines are only
//! counted). The batch merges the workers' sets once, at the end, into a
//! [`DataReport`], where each value is compared with the declared names for
//! a did-you-mean.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::Arc;

use miette::Diagnostic;
use thiserror::Error;

use crate::data::Partner;
use crate::model::{Policy, same_name};

/// The most distinct unmatched values kept per field, per worker and in the
/// merged report.
pub const DISTINCT_LIMIT: usize = 1_000;

/// Work allowed for the did-you-mean comparisons of one report, in cells
/// of the edit-distance table.
const SUGGESTION_BUDGET: usize = 50_000_000;

/// A field of a line whose values the catalogue declares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DataField {
    /// A revenue or usage line's `product`.
    Product,
    /// A revenue line's `type`.
    RevenueType,
    /// A usage line's `metric`.
    UsageMetric,
}

impl DataField {
    const ALL: [DataField; 3] = [
        DataField::Product,
        DataField::RevenueType,
        DataField::UsageMetric,
    ];

    /// How messages name the field's values: "product", "revenue type".
    pub fn noun(self) -> &'static str {
        match self {
            DataField::Product => "product",
            DataField::RevenueType => "revenue type",
            DataField::UsageMetric => "usage metric",
        }
    }

    fn slot(self) -> usize {
        self as usize
    }
}

/// The declared names of a policy, compiled for watching data.
#[derive(Debug)]
pub(crate) struct Watch {
    /// Per field, every name a value may match (for products, current and
    /// former names), with the declared entry it stands for. Empty when
    /// the field is not declared, and then not watched.
    names: [Vec<(String, usize)>; 3],
    /// Per field, the declared entries' names, as reports give them.
    declared: [Vec<String>; 3],
}

impl Watch {
    /// The watch of `policy`; `None` when it declares no catalogue.
    pub(crate) fn of(policy: &Policy) -> Option<Watch> {
        if policy.products.is_empty()
            && policy.revenue_types.is_empty()
            && policy.usage_metrics.is_empty()
        {
            return None;
        }
        let products = policy
            .products
            .iter()
            .enumerate()
            .flat_map(|(i, p)| {
                std::iter::once(&p.name)
                    .chain(&p.former_names)
                    .map(move |n| (n.trim().to_owned(), i))
            })
            .collect();
        let kinds = |list: &[crate::model::LineKind]| -> Vec<(String, usize)> {
            list.iter()
                .enumerate()
                .map(|(i, k)| (k.name.trim().to_owned(), i))
                .collect()
        };
        Some(Watch {
            names: [
                products,
                kinds(&policy.revenue_types),
                kinds(&policy.usage_metrics),
            ],
            declared: [
                policy.products.iter().map(|p| p.name.clone()).collect(),
                policy
                    .revenue_types
                    .iter()
                    .map(|k| k.name.clone())
                    .collect(),
                policy
                    .usage_metrics
                    .iter()
                    .map(|k| k.name.clone())
                    .collect(),
            ],
        })
    }

    /// The declared entry `value` matches, compared as data is matched.
    fn entry(&self, field: DataField, value: &str) -> Option<usize> {
        let names = self.names.get(field.slot())?;
        if let Some((_, i)) = names.iter().find(|(n, _)| n == value) {
            return Some(*i);
        }
        names
            .iter()
            .find(|(n, _)| same_name(value, n))
            .map(|(_, i)| *i)
    }

    fn watches(&self, field: DataField) -> bool {
        self.names.get(field.slot()).is_some_and(|n| !n.is_empty())
    }
}

/// Where a value was first seen: the input's name and the line of its record.
pub type Place = (Arc<str>, usize);

/// A value that matched no declared name, as one worker saw it.
#[derive(Clone, Debug)]
struct Entry {
    value: String,
    /// Lines of records evaluated that carried it.
    lines: u64,
    first: Option<Place>,
}

/// One observation of a record, applied when the record is done.
#[derive(Clone, Copy, Debug)]
enum Staged {
    Matched(DataField, usize),
    Unmatched(DataField, usize),
    Dropped(DataField),
}

/// What one worker saw of the catalogue's names in the data.
#[derive(Debug, Default)]
pub struct Seen {
    /// Per field, whether each declared entry matched a line.
    matched: [Vec<bool>; 3],
    /// Per field, each distinct unmatched value's index in `entries`.
    index: [HashMap<String, usize>; 3],
    entries: [Vec<Entry>; 3],
    /// Per field, lines whose unmatched value was not kept (limit reached).
    dropped: [u64; 3],
    /// Observations of the record being read, not yet applied.
    staged: Vec<Staged>,
}

impl Seen {
    /// Forgets what the record being read staged (it is read again, or
    /// not evaluated).
    pub(crate) fn begin(&mut self) {
        self.staged.clear();
    }

    /// Stages the value of `field` of a line of the record being read.
    pub(crate) fn stage(&mut self, watch: &Watch, field: DataField, value: &str) {
        if !watch.watches(field) {
            return;
        }
        let slot = field.slot();
        if let Some(entry) = watch.entry(field, value) {
            self.staged.push(Staged::Matched(field, entry));
            return;
        }
        let (Some(index), Some(entries)) = (self.index.get_mut(slot), self.entries.get_mut(slot))
        else {
            return;
        };
        let at = match index.get(value) {
            Some(at) => *at,
            None if entries.len() < DISTINCT_LIMIT => {
                entries.push(Entry {
                    value: value.to_owned(),
                    lines: 0,
                    first: None,
                });
                index.insert(value.to_owned(), entries.len() - 1);
                entries.len() - 1
            }
            None => {
                self.staged.push(Staged::Dropped(field));
                return;
            }
        };
        self.staged.push(Staged::Unmatched(field, at));
    }

    /// Applies what the record staged: it was evaluated (or at least read)
    /// at `place`.
    pub(crate) fn commit(&mut self, place: Option<&Place>) {
        for staged in self.staged.drain(..) {
            match staged {
                Staged::Matched(field, i) => {
                    let Some(flags) = self.matched.get_mut(field.slot()) else {
                        continue;
                    };
                    if flags.len() <= i {
                        flags.resize(i + 1, false);
                    }
                    if let Some(flag) = flags.get_mut(i) {
                        *flag = true;
                    }
                }
                Staged::Unmatched(field, i) => {
                    if let Some(entry) = self
                        .entries
                        .get_mut(field.slot())
                        .and_then(|e| e.get_mut(i))
                    {
                        entry.lines += 1;
                        if entry.first.is_none() {
                            entry.first = place.cloned();
                        }
                    }
                }
                Staged::Dropped(field) => {
                    if let Some(n) = self.dropped.get_mut(field.slot()) {
                        *n += 1;
                    }
                }
            }
        }
    }

    /// Observes every line of a parsed partner read at `place`.
    pub(crate) fn observe(&mut self, watch: &Watch, partner: &Partner<'_>, place: Option<&Place>) {
        self.begin();
        for line in &partner.revenue {
            self.stage(watch, DataField::Product, &line.product);
            self.stage(watch, DataField::RevenueType, &line.kind);
        }
        for line in &partner.usage {
            self.stage(watch, DataField::Product, &line.product);
            self.stage(watch, DataField::UsageMetric, &line.metric);
        }
        self.commit(place);
    }

    /// Adds what another worker saw.
    pub fn merge(&mut self, other: Seen) {
        let Seen {
            matched,
            entries,
            dropped,
            ..
        } = other;
        for (slot, flags) in matched.into_iter().enumerate() {
            let Some(mine) = self.matched.get_mut(slot) else {
                continue;
            };
            if mine.len() < flags.len() {
                mine.resize(flags.len(), false);
            }
            for (m, f) in mine.iter_mut().zip(flags) {
                *m |= f;
            }
        }
        for (slot, list) in entries.into_iter().enumerate() {
            for entry in list.into_iter().filter(|e| e.lines > 0) {
                let (Some(index), Some(mine), Some(dropped)) = (
                    self.index.get_mut(slot),
                    self.entries.get_mut(slot),
                    self.dropped.get_mut(slot),
                ) else {
                    continue;
                };
                match index.get(&entry.value) {
                    Some(&at) => {
                        if let Some(e) = mine.get_mut(at) {
                            e.lines += entry.lines;
                            // The first in input order, whichever worker
                            // saw it (lines are numbered per input).
                            let earlier = match (&e.first, &entry.first) {
                                (None, Some(_)) => true,
                                (Some(mine), Some(theirs)) => {
                                    mine.0 == theirs.0 && theirs.1 < mine.1
                                }
                                _ => false,
                            };
                            if earlier {
                                e.first = entry.first;
                            }
                        }
                    }
                    None if mine.len() < DISTINCT_LIMIT => {
                        index.insert(entry.value.clone(), mine.len());
                        mine.push(entry);
                    }
                    None => *dropped += entry.lines,
                }
            }
        }
        for (mine, theirs) in self.dropped.iter_mut().zip(dropped) {
            *mine += theirs;
        }
    }

    /// The run's report: values close to a declared name that match none,
    /// declared names no line matched, and whether values went unlooked-at.
    pub(crate) fn report(&self, watch: &Watch) -> DataReport {
        let budget = Cell::new(SUGGESTION_BUDGET);
        let mut report = DataReport::default();
        for field in DataField::ALL {
            if !watch.watches(field) {
                continue;
            }
            let slot = field.slot();
            let names = watch.names.get(slot).map_or(&[][..], Vec::as_slice);
            let declared = watch.declared.get(slot).map_or(&[][..], Vec::as_slice);
            let mut near: Vec<NearMiss> = Vec::new();
            for entry in self
                .entries
                .get(slot)
                .into_iter()
                .flatten()
                .filter(|e| e.lines > 0)
            {
                let wrong = entry.value.trim().to_lowercase();
                let lowered: Vec<String> = names.iter().map(|(n, _)| n.to_lowercase()).collect();
                let Some(close) =
                    crate::check::closest(&wrong, lowered.iter().map(String::as_str), &budget)
                else {
                    report.unlike += 1;
                    continue;
                };
                let Some(at) = lowered.iter().position(|n| n == close) else {
                    continue;
                };
                let Some((written, entry_index)) = names.get(at) else {
                    continue;
                };
                let current = declared.get(*entry_index).cloned().unwrap_or_default();
                near.push(NearMiss {
                    field,
                    value: entry.value.clone(),
                    former_name: (*written != current).then(|| written.clone()),
                    suggestion: current,
                    lines: entry.lines,
                    first_seen: entry.first.as_ref().map(|(name, line)| FirstSeen {
                        input: name.to_string(),
                        line: *line,
                    }),
                });
            }
            near.sort_by(|a, b| b.lines.cmp(&a.lines).then_with(|| a.value.cmp(&b.value)));
            report.near_misses.extend(near);
            let matched = self.matched.get(slot);
            for (i, name) in declared.iter().enumerate() {
                if !matched.and_then(|m| m.get(i)).copied().unwrap_or(false) {
                    report.never_matched.push(NeverMatched {
                        field,
                        name: name.clone(),
                    });
                }
            }
            let dropped = self.dropped.get(slot).copied().unwrap_or(0);
            if dropped > 0 {
                report.limit_reached.push(LimitReached {
                    field,
                    limit: DISTINCT_LIMIT,
                    lines: dropped,
                });
            }
        }
        report
    }
}

/// What a run's data says about the policy's catalogue (see the module
/// documentation). Present only for a policy that declares a catalogue.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct DataReport {
    /// Values close to a declared name that match none: probably typos in
    /// the data export (or in the policy).
    pub near_misses: Vec<NearMiss>,
    /// Declared products, types and metrics no line of the run matched.
    pub never_matched: Vec<NeverMatched>,
    /// Fields with more distinct unmatched values than the report keeps.
    pub limit_reached: Vec<LimitReached>,
    /// Distinct unmatched values close to no declared name (other products
    /// of the export), not listed.
    pub unlike: u64,
}

/// A value close to a declared name that matches none.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct NearMiss {
    /// The field it is in.
    pub field: DataField,
    /// The value as the data writes it.
    pub value: String,
    /// The declared name it is probably meant to be (a product's current name).
    pub suggestion: String,
    /// When the value is close to a former name of the product: that name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub former_name: Option<String>,
    /// Lines of the run that carry it.
    pub lines: u64,
    /// Where it was first seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<FirstSeen>,
}

/// Where a value was first seen.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FirstSeen {
    /// The data input's name.
    pub input: String,
    /// The line its record starts on, from 1.
    pub line: usize,
}

/// A declared name no line of the run matched.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct NeverMatched {
    /// The field.
    pub field: DataField,
    /// The name as declared.
    pub name: String,
}

/// A field with more distinct unmatched values than the report keeps.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct LimitReached {
    /// The field.
    pub field: DataField,
    /// The most distinct values kept.
    pub limit: usize,
    /// Lines whose value was not looked at.
    pub lines: u64,
}

impl DataReport {
    /// Whether there is nothing to report.
    pub fn is_empty(&self) -> bool {
        self.near_misses.is_empty()
            && self.never_matched.is_empty()
            && self.limit_reached.is_empty()
    }

    /// The report as warnings, one per finding.
    pub fn warnings(&self) -> Vec<DataReportWarning> {
        let mut out = Vec::new();
        for m in &self.near_misses {
            let seen = match &m.first_seen {
                Some(f) => format!(", first in {} line {}", f.input, f.line),
                None => String::new(),
            };
            let lines = if m.lines == 1 {
                "1 line".to_owned()
            } else {
                format!("{} lines", m.lines)
            };
            let help = match &m.former_name {
                Some(former) => format!(
                    "did you mean `{former}`, a former name of `{}`? correct the data export, or add the spelling to the product's former names",
                    m.suggestion
                ),
                None => format!(
                    "did you mean `{}`? correct the data export, or declare the spelling in the policy if it is another {}",
                    m.suggestion,
                    m.field.noun()
                ),
            };
            out.push(DataReportWarning::NearMiss {
                noun: m.field.noun(),
                value: m.value.clone(),
                whereabouts: format!("{lines}{seen}"),
                help,
            });
        }
        for n in &self.never_matched {
            out.push(DataReportWarning::NeverMatched {
                noun: n.field.noun(),
                name: n.name.clone(),
            });
        }
        for l in &self.limit_reached {
            out.push(DataReportWarning::LimitReached {
                noun: l.field.noun(),
                limit: l.limit,
                lines: l.lines,
            });
        }
        out
    }
}

/// A finding of the run-level data report, as a warning.
#[derive(Clone, Debug, Error, Diagnostic, PartialEq, Eq)]
pub enum DataReportWarning {
    /// A value close to a declared name that matches none.
    #[error("{noun} `{value}` in the data matches nothing the policy declares ({whereabouts})")]
    #[diagnostic(code(E0411), severity(Warning))]
    NearMiss {
        /// "product", "revenue type", "usage metric".
        noun: &'static str,
        /// The value as the data writes it.
        value: String,
        /// How many lines carry it, and where it was first seen.
        whereabouts: String,
        /// The did-you-mean.
        #[help]
        help: String,
    },
    /// A declared name no line matched.
    #[error("no line of the data matched {noun} `{name}`")]
    #[diagnostic(
        code(E0412),
        severity(Warning),
        help(
            "check the data export's spelling of `{name}`, and whether it holds this {noun}'s lines at all"
        )
    )]
    NeverMatched {
        /// "product", "revenue type", "usage metric".
        noun: &'static str,
        /// The declared name.
        name: String,
    },
    /// More distinct unmatched values than the report keeps.
    #[error(
        "more than {limit} different {noun} values match nothing declared; {lines} lines were not looked at"
    )]
    #[diagnostic(
        code(E0413),
        severity(Warning),
        help(
            "the report above is incomplete; most of these are other products of the export, which the policy need not declare"
        )
    )]
    LimitReached {
        /// "product", "revenue type", "usage metric".
        noun: &'static str,
        /// The most distinct values kept.
        limit: usize,
        /// Lines whose value was not looked at.
        lines: u64,
    },
}
