//! The semantic diff of two versions of a policy: what changed, in the
//! program's terms, and whether each change is stricter or looser for
//! partners.
//!
//! Both versions are checked models, and declarations are matched by name:
//! markets, credentials (by exam key), groups, measures, options, and tiers
//! by their rung on the ladder. Layout, comments and the order of
//! declarations therefore never show up. Within a tier, a measure
//! requirement is matched by its measure, an attribute requirement by its
//! attribute, and people and `either` requirements by their order among
//! requirements of their kind.
//!
//! Each change is classified by what it can do to a partner's tier, from
//! the rules alone, with no data:
//! - **stricter**: some partners may lose a tier, none can gain one;
//! - **looser**: the reverse;
//! - **neutral**: no partner's tier can move (wording, metadata, a
//!   declaration nothing uses);
//! - **mixed**: partners may move both ways;
//! - **unproven**: Rubric cannot prove a direction, and says why (a revenue
//!   measure that gains a product also gains that product's credits, which
//!   are negative). Rubric never guesses.
//!
//! Swapping the two versions swaps stricter and looser and keeps every
//! other classification.
//!
//! ```
//! let old = rubric::load_policy(include_str!("../policies/cloud_crm.policy")).unwrap();
//! let new_text = include_str!("../policies/cloud_crm.policy")
//!     .replace("require crm >= { developed: 300_000 USD }", "require crm >= { developed: 330_000 USD }");
//! let new = rubric::load_policy(&new_text).unwrap();
//! let diff = rubric::diff::diff(&old, &new);
//! assert_eq!(diff.changes.len(), 1);
//! assert_eq!(diff.changes[0].effect, rubric::diff::Effect::Stricter);
//! assert_eq!(diff.changes[0].note.as_deref(), Some("+10%"));
//! ```

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::ast::Span;
use crate::model::{
    Aggregate, CompetencyOption, Exam, ExamGroup, GroupMember, LineFilter, MarketId, Measure,
    MeasureKind, MeasureRequirement, PeopleRequirement, Policy, Quantifier, Requirement, Threshold,
    Thresholds, Tier, exam_key,
};

/// What a change can do to partners' tiers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// No partner's tier can move.
    Neutral,
    /// Some partners may lose a tier; none can gain one.
    Stricter,
    /// Some partners may gain a tier; none can lose one.
    Looser,
    /// Partners may move both ways.
    Mixed,
    /// No direction can be proven from the rules alone.
    Unproven,
}

impl Effect {
    /// The effect of two changes together.
    pub fn and(self, other: Effect) -> Effect {
        match (self, other) {
            (Effect::Neutral, e) | (e, Effect::Neutral) => e,
            (Effect::Unproven, _) | (_, Effect::Unproven) => Effect::Unproven,
            (a, b) if a == b => a,
            _ => Effect::Mixed,
        }
    }

    /// The effect of undoing the change.
    pub fn reversed(self) -> Effect {
        match self {
            Effect::Stricter => Effect::Looser,
            Effect::Looser => Effect::Stricter,
            other => other,
        }
    }

    /// The effect as the reports word it.
    pub fn word(self) -> &'static str {
        match self {
            Effect::Neutral => "neutral",
            Effect::Stricter => "stricter",
            Effect::Looser => "looser",
            Effect::Mixed => "mixed",
            Effect::Unproven => "unproven",
        }
    }
}

/// Where a change applies, in the program's terms.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "scope", rename_all = "snake_case")]
pub enum Scope {
    /// The competency as a whole: its header and its declarations.
    Competency,
    /// One option.
    Option {
        /// The option's name.
        option: String,
    },
    /// One tier of one option.
    Tier {
        /// The option's name.
        option: String,
        /// The tier's rung, e.g. `gold`.
        tier: String,
    },
}

/// What kind of change it is; the JSON output's `kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// The competency's id, version, effective date or source.
    Header,
    /// The currency of every amount.
    Currency,
    /// A title, changed, added or removed.
    Wording,
    /// A market, association, attribute or rung of the ladder declared or
    /// no longer declared.
    Declaration,
    /// A credential added to or removed from the catalog.
    Credential,
    /// A credential's kind (exam, assessment, certification).
    CredentialKind,
    /// From when passes of a credential count.
    Availability,
    /// A credential's retirement date.
    Retirement,
    /// Until when passes of a retired credential are still accepted.
    Grace,
    /// A credential's current name, or the former names passes may be
    /// recorded under.
    Rename,
    /// The last day one may register for a credential: it changes what the
    /// why-not report suggests, never a tier.
    Registration,
    /// A group added or removed.
    Group,
    /// Credentials or groups that satisfy a group.
    GroupMembers,
    /// `any of` against `all of`.
    GroupQuantifier,
    /// A measure added or removed.
    Measure,
    /// What a measure counts: its type, metric, products, window,
    /// associations, aggregation or filters.
    MeasureDefinition,
    /// An option added or removed.
    Option,
    /// A tier added to or removed from an option.
    Tier,
    /// A requirement added to or removed from a tier.
    Requirement,
    /// A threshold changed, or a market given or denied one.
    Threshold,
    /// A measure compared per month, or no longer.
    PerMonth,
    /// A role added or removed, its head count or its groups.
    Role,
    /// `distinct` against `shared` people.
    Sharing,
    /// An `either` alternative added or removed.
    Branch,
}

/// One semantic change between the two versions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Where it applies.
    #[serde(flatten)]
    pub scope: Scope,
    /// What kind of change it is.
    pub kind: ChangeKind,
    /// What changed, e.g. "threshold of `crm` in `developed`".
    pub subject: String,
    /// The old value, when there was one.
    pub old: Option<String>,
    /// The new value, when there is one.
    pub new: Option<String>,
    /// A percentage, or why the effect is unproven.
    pub note: Option<String>,
    /// What it can do to partners' tiers.
    pub effect: Effect,
    /// Where the old version says it.
    #[serde(skip)]
    pub old_span: Option<Span>,
    /// Where the new version says it.
    #[serde(skip)]
    pub new_span: Option<Span>,
}

/// Every semantic change from one version to another.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diff {
    /// The changes: the competency's first, then option by option and tier
    /// by tier, each group in the order of the new version.
    pub changes: Vec<Change>,
}

impl Diff {
    /// The effect of every change together: [`Effect::Neutral`] when the two
    /// versions mean the same for every partner.
    pub fn effect(&self) -> Effect {
        self.changes
            .iter()
            .fold(Effect::Neutral, |all, c| all.and(c.effect))
    }

    /// Whether the two versions mean the same for every partner (they may
    /// still differ in wording or metadata).
    pub fn same_meaning(&self) -> bool {
        self.effect() == Effect::Neutral
    }
}

/// The semantic changes from `old` to `new`.
pub fn diff(old: &Policy, new: &Policy) -> Diff {
    let mut d = Differ {
        old,
        new,
        changes: Vec::new(),
    };
    d.header();
    d.declarations();
    d.catalogue();
    d.credentials();
    d.groups();
    d.measures();
    d.options();
    Diff { changes: d.changes }
}

struct Differ<'p> {
    old: &'p Policy,
    new: &'p Policy,
    changes: Vec<Change>,
}

/// A change being described, before it is recorded.
struct Draft {
    scope: Scope,
    kind: ChangeKind,
    subject: String,
    old: Option<String>,
    new: Option<String>,
    note: Option<String>,
    effect: Effect,
    spans: (Option<Span>, Option<Span>),
}

/// A change to a set of conditions on a measure's lines (associations,
/// field conditions), shown as the sets before and after; no condition
/// reads "any line".
fn line_set_change(
    scope: &Scope,
    subject: String,
    (before, after): (&BTreeSet<String>, &BTreeSet<String>),
) -> Draft {
    let show = |s: &BTreeSet<String>| {
        if s.is_empty() {
            "any line".to_owned()
        } else {
            join(s)
        }
    };
    draft(
        scope,
        ChangeKind::MeasureDefinition,
        subject,
        Effect::Unproven,
    )
    .values(Some(show(before)), Some(show(after)))
}

fn draft(scope: &Scope, kind: ChangeKind, subject: String, effect: Effect) -> Draft {
    Draft {
        scope: scope.clone(),
        kind,
        subject,
        old: None,
        new: None,
        note: None,
        effect,
        spans: (None, None),
    }
}

impl Draft {
    fn values(mut self, old: Option<String>, new: Option<String>) -> Draft {
        self.old = old;
        self.new = new;
        self
    }
    fn note(mut self, note: impl Into<String>) -> Draft {
        self.note = Some(note.into());
        self
    }
    fn at(mut self, old: Option<Span>, new: Option<Span>) -> Draft {
        self.spans = (old, new);
        self
    }
}

/// Why counting other lines has no proven direction: a revenue line may be
/// a credit (a negative amount), and the data format does not forbid a
/// negative usage quantity either. `more` says whether lines were only
/// added (`Some(true)`), only taken away (`Some(false)`), or both.
fn lines_note(more: Option<bool>, money: bool) -> String {
    let negative = if money {
        "credits (negative amounts)"
    } else {
        "negative quantities"
    };
    match more {
        Some(true) => format!("looser unless the lines it now counts include {negative}"),
        Some(false) => format!("stricter unless the lines it no longer counts include {negative}"),
        None => "it counts other lines".to_owned(),
    }
}

/// Whether `after` only adds to `before`, only takes away, or both.
fn direction<T: Ord>(before: &BTreeSet<T>, after: &BTreeSet<T>) -> Option<bool> {
    if after.is_superset(before) {
        Some(true)
    } else if before.is_superset(after) {
        Some(false)
    } else {
        None
    }
}

impl<'p> Differ<'p> {
    fn push(&mut self, d: Draft) {
        self.changes.push(Change {
            scope: d.scope,
            kind: d.kind,
            subject: d.subject,
            old: d.old,
            new: d.new,
            note: d.note,
            effect: d.effect,
            old_span: d.spans.0,
            new_span: d.spans.1,
        });
    }

    fn header(&mut self) {
        let (old, new) = (self.old, self.new);
        let whole = Scope::Competency;
        let text = |field: &str, a: Option<String>, b: Option<String>, this: &mut Self| {
            if a != b {
                this.push(
                    draft(
                        &whole,
                        ChangeKind::Header,
                        field.to_owned(),
                        Effect::Neutral,
                    )
                    .values(a, b),
                );
            }
        };
        text(
            "competency id",
            Some(old.id.clone()),
            Some(new.id.clone()),
            self,
        );
        text("version", old.version.clone(), new.version.clone(), self);
        text(
            "effective date",
            old.effective.map(|d| d.to_string()),
            new.effective.map(|d| d.to_string()),
            self,
        );
        text("source", old.source.clone(), new.source.clone(), self);
        if old.title != new.title {
            self.push(
                draft(
                    &whole,
                    ChangeKind::Wording,
                    "competency title".to_owned(),
                    Effect::Neutral,
                )
                .values(old.title.clone(), new.title.clone()),
            );
        }
        if old.currency != new.currency {
            self.push(
                draft(
                    &whole,
                    ChangeKind::Currency,
                    "currency".to_owned(),
                    Effect::Unproven,
                )
                .values(old.currency.clone(), new.currency.clone())
                .note("amounts in another currency cannot be compared"),
            );
        }
    }

    /// Markets, associations, attributes and the ladder: declaring one
    /// changes nothing by itself; where it is used, that use is reported.
    fn declarations(&mut self) {
        let (old, new) = (self.old, self.new);
        let named = |items: Vec<(&'p str, Option<&'p String>, Span)>| items;
        let lists = [
            (
                "market",
                named(
                    old.markets
                        .iter()
                        .map(|m| (m.id.as_str(), m.title.as_ref(), m.span))
                        .collect(),
                ),
                named(
                    new.markets
                        .iter()
                        .map(|m| (m.id.as_str(), m.title.as_ref(), m.span))
                        .collect(),
                ),
            ),
            (
                "association",
                named(
                    old.associations
                        .iter()
                        .map(|a| (a.id.as_str(), a.title.as_ref(), a.span))
                        .collect(),
                ),
                named(
                    new.associations
                        .iter()
                        .map(|a| (a.id.as_str(), a.title.as_ref(), a.span))
                        .collect(),
                ),
            ),
            (
                "attribute",
                named(
                    old.attributes
                        .iter()
                        .map(|a| (a.id.as_str(), a.title.as_ref(), a.span))
                        .collect(),
                ),
                named(
                    new.attributes
                        .iter()
                        .map(|a| (a.id.as_str(), a.title.as_ref(), a.span))
                        .collect(),
                ),
            ),
            (
                "field",
                named(
                    old.fields
                        .iter()
                        .map(|f| (f.id.as_str(), f.title.as_ref(), f.span))
                        .collect(),
                ),
                named(
                    new.fields
                        .iter()
                        .map(|f| (f.id.as_str(), f.title.as_ref(), f.span))
                        .collect(),
                ),
            ),
            (
                "tier",
                named(
                    old.tiers
                        .iter()
                        .map(|t| (t.id.as_str(), None, t.span))
                        .collect(),
                ),
                named(
                    new.tiers
                        .iter()
                        .map(|t| (t.id.as_str(), None, t.span))
                        .collect(),
                ),
            ),
        ];
        let whole = Scope::Competency;
        for (what, before, after) in lists {
            for (id, title, span) in &before {
                match after.iter().find(|(other, _, _)| other == id) {
                    None => self.push(
                        draft(
                            &whole,
                            ChangeKind::Declaration,
                            format!("{what} `{id}`"),
                            Effect::Neutral,
                        )
                        .values(Some("declared".to_owned()), None)
                        .at(Some(*span), None),
                    ),
                    Some((_, new_title, new_span)) if title != new_title => self.push(
                        draft(
                            &whole,
                            ChangeKind::Wording,
                            format!("title of {what} `{id}`"),
                            Effect::Neutral,
                        )
                        .values(title.cloned(), new_title.cloned())
                        .at(Some(*span), Some(*new_span)),
                    ),
                    Some(_) => {}
                }
            }
            for (id, _, span) in &after {
                if !before.iter().any(|(other, _, _)| other == id) {
                    self.push(
                        draft(
                            &whole,
                            ChangeKind::Declaration,
                            format!("{what} `{id}`"),
                            Effect::Neutral,
                        )
                        .values(None, Some("declared".to_owned()))
                        .at(None, Some(*span)),
                    );
                }
            }
        }
        // `markets … only`: closing the list turns partners in other markets
        // (or with none) into data errors; opening it lets them be judged.
        if old.closed_markets.is_some() != new.closed_markets.is_some() {
            let word = |closed: bool| if closed { "closed" } else { "open" }.to_owned();
            let closed = new.closed_markets.is_some();
            let d = draft(
                &whole,
                ChangeKind::Declaration,
                "the list of markets".to_owned(),
                if closed {
                    Effect::Stricter
                } else {
                    Effect::Looser
                },
            )
            .values(Some(word(old.closed_markets.is_some())), Some(word(closed)))
            .note(if closed {
                "a partner in another market, or with none, is now a data error"
            } else {
                "partners in other markets are judged again"
            });
            self.push(d.at(old.closed_markets, new.closed_markets));
        }
        // A closed field's values decide which lines meet its conditions
        // (a value it does not list meets none).
        for before in &old.fields {
            let Some(after) = new.fields.iter().find(|f| f.id == before.id) else {
                continue;
            };
            let values = |f: &crate::model::Field| -> Option<BTreeSet<String>> {
                f.values
                    .as_ref()
                    .map(|v| v.iter().map(|v| v.trim().to_lowercase()).collect())
            };
            let (was, is) = (values(before), values(after));
            if was != is {
                let show = |v: &Option<BTreeSet<String>>| match v {
                    Some(v) => join(v),
                    None => "any value".to_owned(),
                };
                self.push(
                    draft(
                        &whole,
                        ChangeKind::Declaration,
                        format!("values of field `{}`", before.id),
                        Effect::Unproven,
                    )
                    .values(Some(show(&was)), Some(show(&is)))
                    .note("a line whose value the field does not list meets no condition on it")
                    .at(Some(before.span), Some(after.span)),
                );
            }
        }
        let ladder = |p: &Policy| p.tiers.iter().map(|t| t.id.clone()).collect::<Vec<_>>();
        let (before, after) = (ladder(old), ladder(new));
        let common_before: Vec<&String> = before.iter().filter(|t| after.contains(t)).collect();
        let common_after: Vec<&String> = after.iter().filter(|t| before.contains(t)).collect();
        if common_before != common_after {
            self.push(
                draft(
                    &whole,
                    ChangeKind::Declaration,
                    "order of the tier ladder".to_owned(),
                    Effect::Unproven,
                )
                .values(Some(before.join(" < ")), Some(after.join(" < ")))
                .note("reordering the ladder changes which tier is higher")
                .at(
                    old.tiers.first().map(|t| t.span),
                    new.tiers.first().map(|t| t.span),
                ),
            );
        }
    }

    /// The product catalogue: products, their former names, families and
    /// their products, declared types and metrics. What lines a measure
    /// counts is compared with the measures; these changes of themselves
    /// move no partner.
    fn catalogue(&mut self) {
        let whole = Scope::Competency;
        let key = |name: &str| name.trim().to_lowercase();
        let (old, new) = (self.old, self.new);
        // Products, each with its former names (compared as data matches
        // them, shown as written).
        type Entry<'p> = (&'p str, BTreeMap<String, String>, Span);
        let set = |names: &mut dyn Iterator<Item = &String>| -> BTreeMap<String, String> {
            names.map(|n| (key(n), n.clone())).collect()
        };
        let products = |p: &'p Policy| -> Vec<Entry<'p>> {
            p.products
                .iter()
                .map(|x| (x.name.as_str(), set(&mut x.former_names.iter()), x.span))
                .collect()
        };
        // Families, each with its products.
        let families = |p: &'p Policy| -> Vec<Entry<'p>> {
            p.families
                .iter()
                .map(|f| {
                    let mut members = f
                        .products
                        .iter()
                        .filter_map(|i| p.products.get(i.0))
                        .map(|x| &x.name);
                    (f.name.as_str(), set(&mut members), f.span)
                })
                .collect()
        };
        let kinds = |list: &'p [crate::model::LineKind]| -> Vec<Entry<'p>> {
            list.iter()
                .map(|k| (k.name.as_str(), BTreeMap::new(), k.span))
                .collect()
        };
        let shown = |set: &BTreeMap<String, String>| -> String {
            if set.is_empty() {
                return "none".to_owned();
            }
            set.values().cloned().collect::<Vec<_>>().join(", ")
        };
        let lists = [
            ("product", "former names", products(old), products(new)),
            ("family", "products", families(old), families(new)),
            (
                "revenue type",
                "",
                kinds(&old.revenue_types),
                kinds(&new.revenue_types),
            ),
            (
                "usage metric",
                "",
                kinds(&old.usage_metrics),
                kinds(&new.usage_metrics),
            ),
        ];
        for (what, parts, before, after) in lists {
            for (name, set, span) in &before {
                match after.iter().find(|(other, _, _)| key(other) == key(name)) {
                    None => self.push(
                        draft(
                            &whole,
                            ChangeKind::Declaration,
                            format!("{what} `{name}`"),
                            Effect::Neutral,
                        )
                        .values(Some("declared".to_owned()), None)
                        .at(Some(*span), None),
                    ),
                    Some((_, new_set, new_span)) if set.keys().ne(new_set.keys()) => {
                        let kind = if what == "product" {
                            ChangeKind::Rename
                        } else {
                            ChangeKind::Declaration
                        };
                        self.push(
                            draft(
                                &whole,
                                kind,
                                format!("{parts} of {what} `{name}`"),
                                Effect::Neutral,
                            )
                            .values(Some(shown(set)), Some(shown(new_set)))
                            .note("the measures that count it say what this does to partners")
                            .at(Some(*span), Some(*new_span)),
                        );
                    }
                    Some(_) => {}
                }
            }
            for (name, _, span) in &after {
                if !before.iter().any(|(other, _, _)| key(other) == key(name)) {
                    self.push(
                        draft(
                            &whole,
                            ChangeKind::Declaration,
                            format!("{what} `{name}`"),
                            Effect::Neutral,
                        )
                        .values(None, Some("declared".to_owned()))
                        .at(None, Some(*span)),
                    );
                }
            }
        }
    }

    fn credentials(&mut self) {
        let whole = Scope::Competency;
        for before in &self.old.exams {
            let same = counterpart(self.old, self.new, before);
            match same {
                None => self.push(
                    draft(
                        &whole,
                        ChangeKind::Credential,
                        credential(before),
                        Effect::Neutral,
                    )
                    .at(Some(before.span), None),
                ),
                Some(after) => self.credential(before, after),
            }
        }
        for after in &self.new.exams {
            if counterpart(self.new, self.old, after).is_none() {
                self.push(
                    draft(
                        &whole,
                        ChangeKind::Credential,
                        credential(after),
                        Effect::Neutral,
                    )
                    .at(None, Some(after.span)),
                );
            }
        }
    }

    fn credential(&mut self, before: &Exam, after: &Exam) {
        let whole = Scope::Competency;
        let name = credential(after);
        let at = (Some(before.span), Some(after.span));
        self.renames(before, after);
        if before.title != after.title {
            self.push(
                draft(
                    &whole,
                    ChangeKind::Wording,
                    format!("title of {name}"),
                    Effect::Neutral,
                )
                .values(before.title.clone(), after.title.clone())
                .at(at.0, at.1),
            );
        }
        if before.kind != after.kind {
            self.push(
                draft(
                    &whole,
                    ChangeKind::CredentialKind,
                    format!("kind of {name}"),
                    Effect::Neutral,
                )
                .values(Some(kind_word(before)), Some(kind_word(after)))
                .at(at.0, at.1),
            );
        }
        // Passes dated before availability do not count: an earlier date
        // (or none) accepts more passes.
        let dates = [
            (
                ChangeKind::Availability,
                "available from",
                before.available_from,
                after.available_from,
                Bound::Start,
            ),
            (
                ChangeKind::Retirement,
                "retires",
                before.retires,
                after.retires,
                Bound::End,
            ),
            (
                ChangeKind::Grace,
                "accepted until",
                before.accepted_until,
                after.accepted_until,
                Bound::End,
            ),
        ];
        for (kind, what, a, b, bound) in dates {
            if a != b {
                let none = match bound {
                    Bound::Start => "always",
                    Bound::End => "never",
                };
                let show = |d: Option<NaiveDate>| {
                    Some(d.map_or_else(|| none.to_owned(), |d| d.to_string()))
                };
                self.push(
                    draft(&whole, kind, format!("{name} {what}"), bound.effect(a, b))
                        .values(show(a), show(b))
                        .at(at.0, at.1),
                );
            }
        }
    }

    /// A credential renamed, its former names changed, or its
    /// registration cut-off moved.
    fn renames(&mut self, before: &Exam, after: &Exam) {
        let whole = Scope::Competency;
        let at = (Some(before.span), Some(after.span));
        if exam_key(&before.code) != exam_key(&after.code) {
            self.push(
                draft(
                    &whole,
                    ChangeKind::Rename,
                    format!("name of {}", credential(before)),
                    Effect::Neutral,
                )
                .values(Some(before.code.clone()), Some(after.code.clone()))
                .at(at.0, at.1),
            );
        }
        // Passes recorded under any name of a credential count: more names,
        // more passes.
        let names = |e: &Exam| -> BTreeSet<String> {
            std::iter::once(&e.code)
                .chain(&e.former_names)
                .map(|n| exam_key(n))
                .collect()
        };
        let (was, is) = (names(before), names(after));
        if was != is {
            let effect = match direction(&was, &is) {
                Some(true) => Effect::Looser,
                Some(false) => Effect::Stricter,
                None => Effect::Mixed,
            };
            self.push(
                draft(
                    &whole,
                    ChangeKind::Rename,
                    format!("names passes of {} count under", credential(after)),
                    effect,
                )
                .values(Some(join(&was)), Some(join(&is)))
                .note(members_note(&was, &is))
                .at(at.0, at.1),
            );
        }
        if before.registration_until != after.registration_until {
            let show = |d: Option<NaiveDate>| {
                Some(d.map_or_else(|| "always open".to_owned(), |d| d.to_string()))
            };
            self.push(
                draft(
                    &whole,
                    ChangeKind::Registration,
                    format!("{} registration until", credential(after)),
                    Effect::Neutral,
                )
                .values(show(before.registration_until), show(after.registration_until))
                .note("passes already made count as before; only what the why-not report suggests changes")
                .at(at.0, at.1),
            );
        }
    }

    fn groups(&mut self) {
        let whole = Scope::Competency;
        for before in &self.old.groups {
            match self.new.groups.iter().find(|g| g.name == before.name) {
                None => self.push(
                    draft(
                        &whole,
                        ChangeKind::Group,
                        format!("group `{}`", before.name),
                        Effect::Neutral,
                    )
                    .values(Some(group_text(self.old, before)), None)
                    .at(Some(before.span), None),
                ),
                Some(after) => self.group(before, after),
            }
        }
        for after in &self.new.groups {
            if !self.old.groups.iter().any(|g| g.name == after.name) {
                self.push(
                    draft(
                        &whole,
                        ChangeKind::Group,
                        format!("group `{}`", after.name),
                        Effect::Neutral,
                    )
                    .values(None, Some(group_text(self.new, after)))
                    .at(None, Some(after.span)),
                );
            }
        }
    }

    fn group(&mut self, before: &ExamGroup, after: &ExamGroup) {
        let members_before = members(self.old, before);
        let members_after = members_as_before(self.new, after, self.old);
        // A single member reads the same under `any` and `all`.
        let quantifier = |g: &ExamGroup| {
            if g.members.len() <= 1 {
                Quantifier::Any
            } else {
                g.quantifier
            }
        };
        let (q_before, q_after) = (quantifier(before), quantifier(after));
        if q_before == q_after && members_before == members_after {
            return;
        }
        let effect = group_effect((q_before, &members_before), (q_after, &members_after));
        let kind = if members_before == members_after {
            ChangeKind::GroupQuantifier
        } else {
            ChangeKind::GroupMembers
        };
        let mut d = draft(
            &Scope::Competency,
            kind,
            format!("group `{}`", after.name),
            effect,
        )
        .values(
            Some(group_text(self.old, before)),
            Some(group_text(self.new, after)),
        )
        .at(Some(before.span), Some(after.span));
        if members_before != members_after {
            d = d.note(members_note(&members_before, &members_after));
        }
        self.push(d);
    }

    fn measures(&mut self) {
        let whole = Scope::Competency;
        for before in &self.old.measures {
            match self.new.measures.iter().find(|m| m.name == before.name) {
                None => self.push(
                    draft(
                        &whole,
                        ChangeKind::Measure,
                        format!("measure `{}`", before.name),
                        Effect::Neutral,
                    )
                    .values(Some("defined".to_owned()), None)
                    .at(Some(before.span), None),
                ),
                Some(after) => self.measure(before, after),
            }
        }
        for after in &self.new.measures {
            if !self.old.measures.iter().any(|m| m.name == after.name) {
                self.push(
                    draft(
                        &whole,
                        ChangeKind::Measure,
                        format!("measure `{}`", after.name),
                        Effect::Neutral,
                    )
                    .values(None, Some("defined".to_owned()))
                    .at(None, Some(after.span)),
                );
            }
        }
    }

    fn measure(&mut self, before: &Measure, after: &Measure) {
        let whole = Scope::Competency;
        let at = (Some(before.span), Some(after.span));
        let name = &after.name;
        let push = |this: &mut Self,
                    what: &str,
                    a: String,
                    b: String,
                    effect: Effect,
                    note: Option<&str>| {
            let mut d = draft(
                &whole,
                ChangeKind::MeasureDefinition,
                format!("{what} of measure `{name}`"),
                effect,
            )
            .values(Some(a), Some(b))
            .at(at.0, at.1);
            d.note = note.map(str::to_owned);
            this.push(d);
        };
        match (&before.kind, &after.kind) {
            (
                MeasureKind::Revenue {
                    revenue_types: ta,
                    filter: fa,
                },
                MeasureKind::Revenue {
                    revenue_types: tb,
                    filter: fb,
                },
            ) => {
                let types = |list: &[String]| -> BTreeSet<String> {
                    list.iter().map(|t| t.trim().to_lowercase()).collect()
                };
                if types(ta) != types(tb) {
                    let note = match direction(&types(ta), &types(tb)) {
                        more @ Some(_) => lines_note(more, true),
                        None => "other lines count".to_owned(),
                    };
                    push(
                        self,
                        if ta.len() == 1 && tb.len() == 1 {
                            "revenue type"
                        } else {
                            "revenue types"
                        },
                        ta.join(", "),
                        tb.join(", "),
                        Effect::Unproven,
                        Some(&note),
                    );
                }
                self.filter(fa, fb, name, at, true);
            }
            (
                MeasureKind::Usage {
                    aggregate: aa,
                    metric: ma,
                    filter: fa,
                    keys: ka,
                    largest: la,
                },
                MeasureKind::Usage {
                    aggregate: ab,
                    metric: mb,
                    filter: fb,
                    keys: kb,
                    largest: lb,
                },
            ) => {
                if !crate::model::same_name(ma, mb) {
                    push(
                        self,
                        "metric",
                        ma.clone(),
                        mb.clone(),
                        Effect::Unproven,
                        Some("other lines count"),
                    );
                }
                if aa != ab {
                    push(
                        self,
                        "aggregation",
                        aggregate_word(*aa),
                        aggregate_word(*ab),
                        Effect::Unproven,
                        Some(
                            "a sum and a largest value compare differently when quantities can be negative",
                        ),
                    );
                }
                if ka != kb {
                    push(
                        self,
                        "keys",
                        keys_word(ka),
                        keys_word(kb),
                        Effect::Unproven,
                        Some("lines are grouped otherwise before they combine"),
                    );
                }
                if la != lb {
                    let word = |largest: bool| {
                        if largest {
                            "largest key's value".to_owned()
                        } else {
                            "keys' values summed".to_owned()
                        }
                    };
                    push(
                        self,
                        "combination of keys",
                        word(*la),
                        word(*lb),
                        Effect::Unproven,
                        Some(
                            "the largest key's value is at most the keys' sum when no value is negative",
                        ),
                    );
                }
                self.filter(fa, fb, name, at, false);
            }
            (
                MeasureKind::DistinctCustomers { of: a, count: ca },
                MeasureKind::DistinctCustomers { of: b, count: cb },
            ) => {
                if ca != cb {
                    push(
                        self,
                        "customers counted",
                        customer_count_word(*ca),
                        customer_count_word(*cb),
                        Effect::Unproven,
                        Some("other customers count"),
                    );
                }
                let a = self
                    .old
                    .measures
                    .get(a.0)
                    .map(|m| m.name.clone())
                    .unwrap_or_default();
                let b = self
                    .new
                    .measures
                    .get(b.0)
                    .map(|m| m.name.clone())
                    .unwrap_or_default();
                if a != b {
                    push(
                        self,
                        "base measure",
                        a,
                        b,
                        Effect::Unproven,
                        Some("customers of other lines count"),
                    );
                }
            }
            _ => push(
                self,
                "kind",
                measure_kind_word(&before.kind),
                measure_kind_word(&after.kind),
                Effect::Unproven,
                Some("the measure counts something else"),
            ),
        }
        // A derived measure's window is its base's: a change there is
        // reported once, on the base.
        let derived = matches!(after.kind, MeasureKind::DistinctCustomers { .. });
        if before.period != after.period && !derived {
            // A longer trailing window holds more lines; a fixed period
            // and a window (or two fixed periods) hold other lines.
            let longer = match (before.period, after.period) {
                (
                    crate::model::Period::Trailing { months: a },
                    crate::model::Period::Trailing { months: b },
                ) => Some(b > a),
                _ => None,
            };
            push(
                self,
                "window",
                before.period.describe(),
                after.period.describe(),
                Effect::Unproven,
                Some(&lines_note(longer, after.is_money())),
            );
        }
    }

    /// Products, associations and the paid-only condition of a measure.
    fn filter(
        &mut self,
        a: &LineFilter,
        b: &LineFilter,
        name: &str,
        at: (Option<Span>, Option<Span>),
        money: bool,
    ) {
        let whole = Scope::Competency;
        // The names a counted line may carry (families and former names
        // resolved): the same set counts the same lines, however written.
        let products = |f: &LineFilter| -> BTreeSet<String> {
            f.names.iter().map(|p| p.trim().to_lowercase()).collect()
        };
        let written = |f: &LineFilter| -> BTreeSet<String> {
            f.products.iter().map(|p| p.trim().to_lowercase()).collect()
        };
        if products(a) == products(b) && written(a) != written(b) {
            self.push(
                draft(
                    &whole,
                    ChangeKind::MeasureDefinition,
                    format!("products of measure `{name}`"),
                    Effect::Neutral,
                )
                .values(Some(quoted(&a.products)), Some(quoted(&b.products)))
                .note("written otherwise, the same lines count")
                .at(at.0, at.1),
            );
        }
        if products(a) != products(b) {
            let note = lines_note(direction(&products(a), &products(b)), money);
            // Written alike, the catalogue changed under it: show the names.
            let (shown_a, shown_b) = if written(a) == written(b) {
                (&a.names, &b.names)
            } else {
                (&a.products, &b.products)
            };
            self.push(
                draft(
                    &whole,
                    ChangeKind::MeasureDefinition,
                    format!("products of measure `{name}`"),
                    Effect::Unproven,
                )
                .values(Some(quoted(shown_a)), Some(quoted(shown_b)))
                .note(note)
                .at(at.0, at.1),
            );
        }
        let assoc = |p: &Policy, f: &LineFilter| -> BTreeSet<String> {
            f.associations
                .iter()
                .filter_map(|id| p.associations.get(id.0).map(|a| a.id.clone()))
                .collect()
        };
        let (before, after) = (assoc(self.old, a), assoc(self.new, b));
        if before != after {
            // No association listed means every line counts.
            let more = match (before.is_empty(), after.is_empty()) {
                (true, _) => Some(false),
                (_, true) => Some(true),
                _ => direction(&before, &after),
            };
            self.push(
                line_set_change(
                    &whole,
                    format!("associations of measure `{name}`"),
                    (&before, &after),
                )
                .note(lines_note(more, money))
                .at(at.0, at.1),
            );
        }
        let conditions = |p: &Policy, f: &LineFilter| -> BTreeSet<String> {
            f.conditions
                .iter()
                .map(|c| {
                    let field = p.fields.get(c.field.0).map_or("", |f| f.id.as_str());
                    let mut values: Vec<String> =
                        c.values.iter().map(|v| v.trim().to_lowercase()).collect();
                    values.sort();
                    let values: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
                    let not = if c.negated { "not " } else { "" };
                    let one_of = if values.len() > 1 { "one of " } else { "" };
                    format!("where {field} is {not}{one_of}{}", values.join(", "))
                })
                .collect()
        };
        let (before, after) = (conditions(self.old, a), conditions(self.new, b));
        if before != after {
            // No condition means every line counts; one condition more (on
            // another field) means fewer lines.
            let more = match (before.is_empty(), after.is_empty()) {
                (_, true) => Some(true),
                (true, _) => Some(false),
                _ if after.is_superset(&before) => Some(false),
                _ if before.is_superset(&after) => Some(true),
                _ => None,
            };
            self.push(
                line_set_change(
                    &whole,
                    format!("field conditions of measure `{name}`"),
                    (&before, &after),
                )
                .note(lines_note(more, money))
                .at(at.0, at.1),
            );
        }
        let customers_of = |p: &Policy, f: &LineFilter| {
            f.customers_of
                .and_then(|m| p.measures.get(m.0))
                .map(|m| m.name.clone())
        };
        let (before, after) = (customers_of(self.old, a), customers_of(self.new, b));
        if before != after {
            // No restriction means every customer's lines count.
            let more = match (&before, &after) {
                (_, None) => Some(true),
                (None, _) => Some(false),
                _ => None,
            };
            let show = |m: &Option<String>| match m {
                Some(m) => format!("customers of `{m}`"),
                None => "every customer".to_owned(),
            };
            self.push(
                draft(
                    &whole,
                    ChangeKind::MeasureDefinition,
                    format!("customers counted by measure `{name}`"),
                    Effect::Unproven,
                )
                .values(Some(show(&before)), Some(show(&after)))
                .note(lines_note(more, money))
                .at(at.0, at.1),
            );
        }
        if a.paid_only != b.paid_only {
            let yes_no = |paid: bool| {
                if paid {
                    "paid lines only".to_owned()
                } else {
                    "every line".to_owned()
                }
            };
            self.push(
                draft(
                    &whole,
                    ChangeKind::MeasureDefinition,
                    format!("paid-only filter of measure `{name}`"),
                    Effect::Unproven,
                )
                .values(Some(yes_no(a.paid_only)), Some(yes_no(b.paid_only)))
                .note(lines_note(Some(!b.paid_only), money))
                .at(at.0, at.1),
            );
        }
    }

    fn options(&mut self) {
        for before in &self.old.options {
            match self.new.options.iter().find(|o| o.name == before.name) {
                None => self.push(
                    draft(
                        &Scope::Option {
                            option: before.name.clone(),
                        },
                        ChangeKind::Option,
                        format!("option `{}`", before.name),
                        Effect::Stricter,
                    )
                    .values(Some(tier_list(self.old, before)), None)
                    .at(Some(before.span), None),
                ),
                Some(after) => self.option(before, after),
            }
        }
        for after in &self.new.options {
            if !self.old.options.iter().any(|o| o.name == after.name) {
                self.push(
                    draft(
                        &Scope::Option {
                            option: after.name.clone(),
                        },
                        ChangeKind::Option,
                        format!("option `{}`", after.name),
                        Effect::Looser,
                    )
                    .values(None, Some(tier_list(self.new, after)))
                    .at(None, Some(after.span)),
                );
            }
        }
    }

    fn option(&mut self, before: &CompetencyOption, after: &CompetencyOption) {
        let scope = Scope::Option {
            option: after.name.clone(),
        };
        if before.title != after.title {
            self.push(
                draft(
                    &scope,
                    ChangeKind::Wording,
                    format!("title of option `{}`", after.name),
                    Effect::Neutral,
                )
                .values(before.title.clone(), after.title.clone())
                .at(Some(before.span), Some(after.span)),
            );
        }
        let rung = |p: &Policy, t: &Tier| {
            p.tiers
                .get(t.level.0)
                .map(|l| l.id.clone())
                .unwrap_or_default()
        };
        for tier in &before.tiers {
            let name = rung(self.old, tier);
            match after.tiers.iter().find(|t| rung(self.new, t) == name) {
                None => self.push(
                    draft(
                        &scope,
                        ChangeKind::Tier,
                        format!("tier `{name}`"),
                        Effect::Stricter,
                    )
                    .at(Some(tier.span), None),
                ),
                Some(new_tier) => {
                    let scope = Scope::Tier {
                        option: after.name.clone(),
                        tier: name,
                    };
                    self.requirements(&scope, &tier.requirements, &new_tier.requirements, "");
                }
            }
        }
        for tier in &after.tiers {
            let name = rung(self.new, tier);
            if !before.tiers.iter().any(|t| rung(self.old, t) == name) {
                self.push(
                    draft(
                        &scope,
                        ChangeKind::Tier,
                        format!("tier `{name}`"),
                        Effect::Looser,
                    )
                    .at(None, Some(tier.span)),
                );
            }
        }
    }

    /// The requirements of a tier (or of an `either` alternative, `within`
    /// naming it), matched by what they require.
    fn requirements(
        &mut self,
        scope: &Scope,
        before: &[Requirement],
        after: &[Requirement],
        within: &str,
    ) {
        let old_keys = keys(self.old, before);
        let new_keys = keys(self.new, after);
        for (key, old_req) in old_keys.iter().zip(before) {
            match new_keys
                .iter()
                .position(|k| k == key)
                .and_then(|i| after.get(i))
            {
                None => self.push(
                    draft(
                        scope,
                        ChangeKind::Requirement,
                        format!("requirement on {}{within}", describe(self.old, old_req)),
                        Effect::Looser,
                    )
                    .values(Some("required".to_owned()), None)
                    .at(Some(old_req.span()), None),
                ),
                Some(new_req) => self.requirement(scope, old_req, new_req, within),
            }
        }
        for (key, new_req) in new_keys.iter().zip(after) {
            if !old_keys.contains(key) {
                self.push(
                    draft(
                        scope,
                        ChangeKind::Requirement,
                        format!("requirement on {}{within}", describe(self.new, new_req)),
                        Effect::Stricter,
                    )
                    .values(None, Some("required".to_owned()))
                    .at(None, Some(new_req.span())),
                );
            }
        }
    }

    fn requirement(
        &mut self,
        scope: &Scope,
        before: &Requirement,
        after: &Requirement,
        within: &str,
    ) {
        match (before, after) {
            (Requirement::Measure(a), Requirement::Measure(b)) => {
                self.thresholds(scope, a, b, within)
            }
            (Requirement::People(a), Requirement::People(b)) => self.people(scope, a, b, within),
            (Requirement::Either(a, span_a), Requirement::Either(b, span_b)) => {
                for (i, (x, y)) in a.iter().zip(b).enumerate() {
                    let inner = format!("{within} in alternative {} of `either`", i + 1);
                    self.requirements(scope, &x.requirements, &y.requirements, &inner);
                }
                for (i, x) in a.iter().enumerate().skip(b.len()) {
                    self.push(
                        draft(
                            scope,
                            ChangeKind::Branch,
                            format!("alternative {} of `either`{within}", i + 1),
                            Effect::Stricter,
                        )
                        .values(Some(requirement_list(self.old, &x.requirements)), None)
                        .at(Some(x.span), Some(*span_b)),
                    );
                }
                for (i, y) in b.iter().enumerate().skip(a.len()) {
                    self.push(
                        draft(
                            scope,
                            ChangeKind::Branch,
                            format!("alternative {} of `either`{within}", i + 1),
                            Effect::Looser,
                        )
                        .values(None, Some(requirement_list(self.new, &y.requirements)))
                        .at(Some(*span_a), Some(y.span)),
                    );
                }
            }
            // Attributes are matched by name: nothing else to compare.
            _ => {}
        }
    }

    fn thresholds(
        &mut self,
        scope: &Scope,
        a: &MeasureRequirement,
        b: &MeasureRequirement,
        within: &str,
    ) {
        let name = self
            .new
            .measures
            .get(b.measure.0)
            .map(|m| m.name.clone())
            .unwrap_or_default();
        // How the measure is compared: as a whole, per month, or in every
        // month; one change at a time, each with what it means.
        let compared = |per_month: bool, every_month: bool| {
            if per_month {
                "per month"
            } else if every_month {
                "in every month"
            } else {
                "over the whole window"
            }
        };
        let note = if a.per_month != b.per_month {
            Some("the compared value is divided by another number of months")
        } else if a.every_month != b.every_month {
            Some("each month of the window is compared on its own, or the window as a whole")
        } else {
            None
        };
        if let Some(note) = note {
            self.push(
                draft(
                    scope,
                    ChangeKind::PerMonth,
                    format!("how `{name}` is compared{within}"),
                    Effect::Unproven,
                )
                .values(
                    Some(compared(a.per_month, a.every_month).to_owned()),
                    Some(compared(b.per_month, b.every_month).to_owned()),
                )
                .note(note)
                .at(Some(a.span), Some(b.span)),
            );
            return;
        }
        if a.more_than != b.more_than {
            // `>=` to `>` asks more of the same amounts; with other amounts
            // too, the two changes together are not ordered.
            let amounts =
                |p: &Policy, t: &Thresholds| -> Vec<(Option<String>, Decimal, Option<String>)> {
                    match t {
                        Thresholds::Everywhere(t) => vec![(None, t.amount, t.currency.clone())],
                        Thresholds::PerMarket(list, other) => list
                            .iter()
                            .map(|(m, t)| {
                                (
                                    p.markets.get(m.0).map(|m| m.id.clone()),
                                    t.amount,
                                    t.currency.clone(),
                                )
                            })
                            .chain(other.iter().map(|t| {
                                (
                                    Some("every other market".to_owned()),
                                    t.amount,
                                    t.currency.clone(),
                                )
                            }))
                            .collect(),
                    }
                };
            let same_amounts = amounts(self.old, &a.thresholds) == amounts(self.new, &b.thresholds);
            let effect = match (same_amounts, b.more_than) {
                (true, true) => Effect::Stricter,
                (true, false) => Effect::Looser,
                (false, _) => Effect::Unproven,
            };
            self.push(
                draft(
                    scope,
                    ChangeKind::Threshold,
                    format!("comparison of `{name}`{within}"),
                    effect,
                )
                .values(
                    Some(a.comparison().to_owned()),
                    Some(b.comparison().to_owned()),
                )
                .note("a partner exactly at the threshold meets `>=` but not `>`")
                .at(Some(a.span), Some(b.span)),
            );
            if !same_amounts {
                return;
            }
        }
        let everywhere = matches!(
            (&a.thresholds, &b.thresholds),
            (Thresholds::Everywhere(_), Thresholds::Everywhere(_))
        );
        // Markets of either version, the old one's order first.
        let mut markets: Vec<&str> = self.old.markets.iter().map(|m| m.id.as_str()).collect();
        for m in &self.new.markets {
            if !markets.contains(&m.id.as_str()) {
                markets.push(&m.id);
            }
        }
        let mut places: Vec<Option<&str>> = if everywhere {
            vec![None]
        } else {
            markets.into_iter().map(Some).collect()
        };
        // `every other market` on either side: the partners in no named
        // market are a place of their own.
        let other = |t: &Thresholds| matches!(t, Thresholds::PerMarket(_, Some(_)));
        if !everywhere && (other(&a.thresholds) || other(&b.thresholds)) {
            places.push(None);
        }
        for market in places {
            let old = threshold_in(self.old, &a.thresholds, market);
            let new = threshold_in(self.new, &b.thresholds, market);
            let subject = match market {
                Some(m) => format!("threshold of `{name}` in `{m}`{within}"),
                None if everywhere => format!("threshold of `{name}`{within}"),
                None => format!("threshold of `{name}` in every other market{within}"),
            };
            let spans = (
                old.map_or(a.span, |t| t.span),
                new.map_or(b.span, |t| t.span),
            );
            let d = match (old, new) {
                (None, None) => continue,
                // A market without a threshold cannot meet the requirement.
                (None, Some(t)) => draft(scope, ChangeKind::Threshold, subject, Effect::Looser)
                    .values(Some("none".to_owned()), Some(threshold_text(t)))
                    .note("partners there could not meet it before"),
                (Some(t), None) => draft(scope, ChangeKind::Threshold, subject, Effect::Stricter)
                    .values(Some(threshold_text(t)), Some("none".to_owned()))
                    .note("partners there can no longer meet it"),
                (Some(x), Some(y)) if x.currency != y.currency => {
                    draft(scope, ChangeKind::Threshold, subject, Effect::Unproven)
                        .values(Some(threshold_text(x)), Some(threshold_text(y)))
                        .note("amounts in another currency cannot be compared")
                }
                (Some(x), Some(y)) if x.amount == y.amount => continue,
                (Some(x), Some(y)) => {
                    let effect = if y.amount > x.amount {
                        Effect::Stricter
                    } else {
                        Effect::Looser
                    };
                    let d = draft(scope, ChangeKind::Threshold, subject, effect)
                        .values(Some(threshold_text(x)), Some(threshold_text(y)));
                    match percent(x.amount, y.amount) {
                        Some(p) => d.note(p),
                        None => d,
                    }
                }
            };
            self.push(d.at(Some(spans.0), Some(spans.1)));
        }
    }

    fn people(
        &mut self,
        scope: &Scope,
        a: &PeopleRequirement,
        b: &PeopleRequirement,
        within: &str,
    ) {
        let at = (Some(a.span), Some(b.span));
        // With one role, nobody can fill two slots of different roles:
        // `distinct` and `shared` mean the same.
        // With one role nobody can fill two slots, so `distinct` and
        // `shared` mean the same there.
        let distinct = |p: &PeopleRequirement| p.distinct && p.roles.len() > 1;
        if a.distinct != b.distinct {
            let effect = match (distinct(a), distinct(b)) {
                (x, y) if x == y => Effect::Neutral,
                (_, true) => Effect::Stricter,
                (_, false) => Effect::Looser,
            };
            let word = |d: bool| {
                if d {
                    "distinct".to_owned()
                } else {
                    "shared".to_owned()
                }
            };
            self.push(
                draft(
                    scope,
                    ChangeKind::Sharing,
                    format!("people{within}"),
                    effect,
                )
                .values(Some(word(a.distinct)), Some(word(b.distinct)))
                .at(at.0, at.1),
            );
        }
        for (i, (x, y)) in a.roles.iter().zip(&b.roles).enumerate() {
            let role = format!("role {} (`{}`){within}", i + 1, y.description);
            if x.count != y.count {
                let effect = if y.count > x.count {
                    Effect::Stricter
                } else {
                    Effect::Looser
                };
                self.push(
                    draft(
                        scope,
                        ChangeKind::Role,
                        format!("head count of {role}"),
                        effect,
                    )
                    .values(Some(x.count.to_string()), Some(y.count.to_string()))
                    .at(Some(x.span), Some(y.span)),
                );
            }
            let groups = |p: &Policy, ids: &[crate::model::GroupId]| -> BTreeSet<String> {
                ids.iter()
                    .filter_map(|g| p.groups.get(g.0).map(|g| g.name.clone()))
                    .collect()
            };
            let (ga, gb) = (groups(self.old, &x.groups), groups(self.new, &y.groups));
            if ga != gb {
                // Each person must satisfy every group of the role.
                let effect = match (gb.is_superset(&ga), ga.is_superset(&gb)) {
                    (true, _) => Effect::Stricter,
                    (_, true) => Effect::Looser,
                    _ => Effect::Unproven,
                };
                let mut d = draft(scope, ChangeKind::Role, format!("groups of {role}"), effect)
                    .values(Some(join(&ga)), Some(join(&gb)))
                    .at(Some(x.span), Some(y.span));
                if effect == Effect::Unproven {
                    d = d.note("other groups: whether more people qualify depends on the groups' credentials");
                }
                self.push(d);
            }
        }
        for x in a.roles.iter().skip(b.roles.len()) {
            self.push(
                draft(
                    scope,
                    ChangeKind::Role,
                    format!("role `{}`{within}", x.description),
                    Effect::Looser,
                )
                .values(Some("required".to_owned()), None)
                .at(Some(x.span), Some(b.span)),
            );
        }
        for y in b.roles.iter().skip(a.roles.len()) {
            self.push(
                draft(
                    scope,
                    ChangeKind::Role,
                    format!("role `{}`{within}", y.description),
                    Effect::Stricter,
                )
                .values(None, Some("required".to_owned()))
                .at(Some(a.span), Some(y.span)),
            );
        }
    }
}

/// Whether a date bounds passes from the start (availability) or the end
/// (retirement, grace).
#[derive(Clone, Copy)]
enum Bound {
    Start,
    End,
}

impl Bound {
    /// Moving a start later, or an end earlier, accepts fewer passes; no
    /// date means no bound.
    fn effect(self, old: Option<NaiveDate>, new: Option<NaiveDate>) -> Effect {
        let fewer = match (self, old, new) {
            (_, a, b) if a == b => return Effect::Neutral,
            (Bound::Start, None, Some(_)) | (Bound::End, None, Some(_)) => true,
            (Bound::Start, Some(_), None) | (Bound::End, Some(_), None) => false,
            (Bound::Start, Some(a), Some(b)) => b > a,
            (Bound::End, Some(a), Some(b)) => b < a,
            (_, None, None) => return Effect::Neutral,
        };
        if fewer {
            Effect::Stricter
        } else {
            Effect::Looser
        }
    }
}

/// A requirement's identity within its list: what it requires, numbered
/// among requirements alike.
fn keys(policy: &Policy, requirements: &[Requirement]) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    requirements
        .iter()
        .map(|r| {
            let base = match r {
                Requirement::Measure(m) => format!(
                    "measure {}",
                    policy
                        .measures
                        .get(m.measure.0)
                        .map(|m| m.name.as_str())
                        .unwrap_or_default()
                ),
                Requirement::People(_) => "people".to_owned(),
                Requirement::Attribute(a, _) => format!(
                    "attribute {}",
                    policy
                        .attributes
                        .get(a.0)
                        .map(|a| a.id.as_str())
                        .unwrap_or_default()
                ),
                Requirement::Either(..) => "either".to_owned(),
            };
            let n = seen.iter().filter(|k| **k == base).count();
            seen.push(base.clone());
            format!("{base} #{n}")
        })
        .collect()
}

/// A requirement in a few words, e.g. "`crm`" or "people".
fn describe(policy: &Policy, r: &Requirement) -> String {
    match r {
        Requirement::Measure(m) => format!(
            "`{}`",
            policy
                .measures
                .get(m.measure.0)
                .map(|m| m.name.as_str())
                .unwrap_or_default()
        ),
        Requirement::People(p) => {
            let roles: Vec<&str> = p.roles.iter().map(|r| r.description.as_str()).collect();
            format!(
                "{} people ({})",
                if p.distinct { "distinct" } else { "shared" },
                roles.join("; ")
            )
        }
        Requirement::Attribute(a, _) => format!(
            "attribute `{}`",
            policy
                .attributes
                .get(a.0)
                .map(|a| a.id.as_str())
                .unwrap_or_default()
        ),
        Requirement::Either(branches, _) => {
            format!("`either` with {} alternatives", branches.len())
        }
    }
}

fn requirement_list(policy: &Policy, requirements: &[Requirement]) -> String {
    requirements
        .iter()
        .map(|r| describe(policy, r))
        .collect::<Vec<_>>()
        .join(" and ")
}

fn tier_list(policy: &Policy, option: &CompetencyOption) -> String {
    let tiers: Vec<&str> = option
        .tiers
        .iter()
        .filter_map(|t| policy.tiers.get(t.level.0).map(|l| l.id.as_str()))
        .collect();
    format!("tiers {}", tiers.join(", "))
}

/// The threshold for a market (`None`: a market no entry names, which
/// gets the one for every market or for `every other market`).
fn threshold_in<'a>(
    policy: &Policy,
    thresholds: &'a Thresholds,
    market: Option<&str>,
) -> Option<&'a Threshold> {
    let id = market.and_then(|m| policy.markets.iter().position(|d| d.id == m));
    thresholds.for_market(id.map(MarketId))
}

/// A threshold as written: `300,000 USD`, `25`.
fn threshold_text(t: &Threshold) -> String {
    let grouped = crate::money::count(t.amount);
    match &t.currency {
        Some(c) => format!("{grouped} {c}"),
        None => grouped,
    }
}

/// The relative change, e.g. `+10%` or `-12.5%`; none from zero.
fn percent(old: Decimal, new: Decimal) -> Option<String> {
    if old.is_zero() {
        return None;
    }
    let change = ((new - old) / old * Decimal::from(100))
        .round_dp(1)
        .normalize();
    Some(if change.is_sign_negative() {
        format!("{change}%")
    } else {
        format!("+{change}%")
    })
}

fn credential(exam: &Exam) -> String {
    format!("{} `{}`", kind_word(exam), exam.code)
}

fn kind_word(exam: &Exam) -> String {
    format!("{:?}", exam.kind).to_lowercase()
}

fn quantifier_word(q: Quantifier) -> String {
    match q {
        Quantifier::Any => "any of".to_owned(),
        Quantifier::All => "all of".to_owned(),
    }
}

fn aggregate_word(a: Aggregate) -> String {
    match a {
        Aggregate::Sum => "sum".to_owned(),
        Aggregate::Max => "largest".to_owned(),
        Aggregate::Latest => "latest".to_owned(),
    }
}

/// Keys as a policy writes them after `per`, or "none".
fn keys_word(keys: &[crate::model::Key]) -> String {
    if keys.is_empty() {
        return "none".to_owned();
    }
    let words: Vec<&str> = keys.iter().map(|k| k.word()).collect();
    words.join(" and ")
}

fn measure_kind_word(kind: &MeasureKind) -> String {
    match kind {
        MeasureKind::Revenue { revenue_types, .. } => {
            format!("revenue ({})", revenue_types.join(", "))
        }
        MeasureKind::Usage { metric, .. } => format!("usage ({metric})"),
        MeasureKind::DistinctCustomers { count, .. } => {
            format!("{} customers", customer_count_word(*count))
        }
    }
}

/// The credential of `policy` that lists `code` as a former name, when no
/// credential of `policy` has it as its current name: what `code` was
/// renamed to.
fn renamed_in<'a>(policy: &'a Policy, code: &str) -> Option<&'a Exam> {
    let key = exam_key(code);
    if policy.exams.iter().any(|e| exam_key(&e.code) == key) {
        return None;
    }
    policy
        .exams
        .iter()
        .find(|e| e.former_name_of(code).is_some())
}

/// The credential of `to` that `exam` of `from` is: the same code, or the
/// same credential renamed (either version listing the other's code after
/// `formerly`). Symmetric: `counterpart(b, a, y) == Some(x)` exactly when
/// `counterpart(a, b, x) == Some(y)`.
fn counterpart<'a>(from: &Policy, to: &'a Policy, exam: &Exam) -> Option<&'a Exam> {
    let key = exam_key(&exam.code);
    to.exams
        .iter()
        .find(|e| exam_key(&e.code) == key)
        .or_else(|| renamed_in(to, &exam.code))
        .or_else(|| {
            to.exams.iter().find(|e| {
                exam.former_name_of(&e.code).is_some()
                    && renamed_in(from, &e.code).is_some_and(|r| std::ptr::eq(r, exam))
            })
        })
}

/// The new version's group members as [`members`] names them, each
/// credential that is a credential of the old version under another name
/// keyed by its old name (so a rename is not read as one member removed and
/// another added).
fn members_as_before(new: &Policy, group: &ExamGroup, old: &Policy) -> BTreeSet<String> {
    group
        .members
        .iter()
        .filter_map(|m| match m {
            GroupMember::Exam(e) => new.exams.get(e.0).map(|e| {
                counterpart(new, old, e).map_or_else(|| exam_key(&e.code), |o| exam_key(&o.code))
            }),
            GroupMember::Group(g) => new.groups.get(g.0).map(|g| g.name.clone()),
        })
        .collect()
}

fn customer_count_word(count: crate::model::CustomerCount) -> String {
    match count {
        crate::model::CustomerCount::Distinct => "distinct",
        crate::model::CustomerCount::New => "new",
        crate::model::CustomerCount::Lost => "lost",
        crate::model::CustomerCount::NetNew => "net new",
    }
    .to_owned()
}

/// A group's members by name (credentials by exam key, so `mb2 714` and
/// `MB2-714` are the same member).
fn members(policy: &Policy, group: &ExamGroup) -> BTreeSet<String> {
    group
        .members
        .iter()
        .filter_map(|m| match m {
            GroupMember::Exam(e) => policy.exams.get(e.0).map(|e| exam_key(&e.code)),
            GroupMember::Group(g) => policy.groups.get(g.0).map(|g| g.name.clone()),
        })
        .collect()
}

fn members_note(before: &BTreeSet<String>, after: &BTreeSet<String>) -> String {
    let added: Vec<&String> = after.difference(before).collect();
    let removed: Vec<&String> = before.difference(after).collect();
    let list = |v: &[&String]| v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
    match (added.is_empty(), removed.is_empty()) {
        (false, true) => format!("added {}", list(&added)),
        (true, false) => format!("removed {}", list(&removed)),
        _ => format!("added {}; removed {}", list(&added), list(&removed)),
    }
}

fn join(set: &BTreeSet<String>) -> String {
    set.iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

fn quoted(items: &[String]) -> String {
    items
        .iter()
        .map(|p| format!("\"{p}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether a person satisfies a group more or less easily after a change
/// of its quantifier or members (each member taken as one credential).
fn group_effect(
    (q_before, before): (Quantifier, &BTreeSet<String>),
    (q_after, after): (Quantifier, &BTreeSet<String>),
) -> Effect {
    // `weaker`: everyone who satisfied the old group satisfies the new one;
    // `stronger`: the reverse.
    let overlap = before.intersection(after).next().is_some();
    let (weaker, stronger) = match (q_before, q_after) {
        (Quantifier::Any, Quantifier::Any) => {
            (after.is_superset(before), before.is_superset(after))
        }
        (Quantifier::All, Quantifier::All) => {
            (before.is_superset(after), after.is_superset(before))
        }
        // Holding all of the old members includes one of the new.
        (Quantifier::All, Quantifier::Any) => (overlap, false),
        (Quantifier::Any, Quantifier::All) => (false, overlap),
    };
    match (weaker, stronger) {
        (true, true) => Effect::Neutral,
        (true, false) => Effect::Looser,
        (false, true) => Effect::Stricter,
        (false, false) => Effect::Mixed,
    }
}

/// A group as written, e.g. `any of MB2-712, MB2-707`.
fn group_text(policy: &Policy, group: &ExamGroup) -> String {
    let members: Vec<String> = group
        .members
        .iter()
        .filter_map(|m| match m {
            GroupMember::Exam(e) => policy.exams.get(e.0).map(|e| e.code.clone()),
            GroupMember::Group(g) => policy.groups.get(g.0).map(|g| g.name.clone()),
        })
        .collect();
    format!(
        "{} {}",
        quantifier_word(group.quantifier),
        members.join(", ")
    )
}

/// One change (or several written at the same places) applied alone to the
/// old version: what `rubric diff --data` evaluates to say how many
/// partners that change moves by itself.
#[derive(Clone, Debug)]
pub struct Isolated {
    /// Indices into [`Diff::changes`] of the changes applied.
    pub changes: Vec<usize>,
    /// The old version's text with them applied.
    pub source: String,
    /// Its checked policy.
    pub policy: Policy,
}

/// The changes that can be applied alone to the old version: each is
/// written at a place in both files, and replacing the old text there with
/// the new gives a policy whose diff from the old is exactly those changes
/// (checked, never assumed). A declaration added or removed, or changes
/// whose texts overlap others, cannot be isolated this way and are left out.
pub fn isolate(changes: &Diff, old_source: &str, new_source: &str, old: &Policy) -> Vec<Isolated> {
    let mut groups: Vec<((Span, Span), Vec<usize>)> = Vec::new();
    for (i, change) in changes.changes.iter().enumerate() {
        let (Some(a), Some(b)) = (change.old_span, change.new_span) else {
            continue;
        };
        match groups.iter_mut().find(|(spans, _)| *spans == (a, b)) {
            Some((_, members)) => members.push(i),
            None => groups.push(((a, b), vec![i])),
        }
    }
    let key = |c: &Change| {
        (
            c.kind,
            c.subject.clone(),
            c.old.clone(),
            c.new.clone(),
            c.effect,
        )
    };
    groups
        .into_iter()
        .filter_map(|((a, b), members)| {
            let replacement = new_source.get(b.range())?;
            let mut source = String::with_capacity(old_source.len());
            source.push_str(old_source.get(..a.start)?);
            source.push_str(replacement);
            source.push_str(old_source.get(a.end..)?);
            let policy = crate::load_policy(&source).ok()?;
            let mut found: Vec<_> = diff(old, &policy).changes.iter().map(key).collect();
            let mut wanted: Vec<_> = members
                .iter()
                .filter_map(|&i| changes.changes.get(i))
                .map(key)
                .collect();
            found.sort();
            wanted.sort();
            (found == wanted).then_some(Isolated {
                changes: members,
                source,
                policy,
            })
        })
        .collect()
}
