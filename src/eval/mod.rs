//! Evaluation of a checked policy against partners at an as-of date:
//! measures over revenue and usage lines, credentials per person, exact role
//! assignment, and a decision per tier.
//!
//! [`Evaluator::new`] compiles the policy once per run (exam code → catalog
//! index, group masks, windows fixed by the as-of date, product and type
//! vocabularies) so that evaluating a partner does no name resolution.
//!
//! Evaluation is two steps: gather the partner's [`Facts`] (each measure's
//! value, each person's groups, the market, the attributes), then judge
//! every tier on them. Facts come either from a parsed [`Partner`] (with
//! line-by-line evidence) or straight from the record's JSON text (see
//! [`fold`]), which folds lines into measures as it reads them and is how
//! batches are evaluated when no evidence is asked for. Both feed the same
//! judgement, so they cannot disagree on a tier.
//!
//! The outcome is one tree: each node refers to the option, tier,
//! requirement or role of the checked model it judged, so renderers walk the
//! outcome alone.

pub mod assign;
pub mod fold;
pub mod gap;
pub mod keyed;
pub mod renamed;
pub mod watch;
pub mod window;

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

use crate::data::{DataError, Id, Partner};
use crate::model::{
    self, Aggregate, Attribute, Branch, CompetencyOption, CustomerCount, GroupMember, LineFilter,
    MarketId, Measure, MeasureId, MeasureKind, MeasureRequirement, PassStatus, PeopleRequirement,
    Policy, Quantifier, Requirement, Tier, TierLevelId,
};
use assign::{Assignment, RoleSlots};
use window::Window;

/// How much of the reasoning behind a decision to compute.
///
/// The tier needs every requirement judged; what else is kept is the
/// caller's choice, since evidence costs as much again as the decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Detail {
    /// The tier only.
    Tier,
    /// The tier, and each option, tier and requirement with its value,
    /// threshold and shortfall, and each role's head count filled.
    Requirements,
    /// Everything: which lines counted and why others did not, who fills
    /// each role, and for each unmet people requirement the smallest change
    /// that would meet it.
    Evidence,
}

/// A policy compiled for evaluation at one as-of date.
#[derive(Debug)]
pub struct Evaluator<'p> {
    policy: &'p Policy,
    as_of: NaiveDate,
    /// Exam key (see [`model::exam_key`]) → catalog index.
    exam_index: FxHashMap<String, usize>,
    /// Exam codes exactly as the catalog writes them → catalog index: most
    /// data spells codes that way, and an exact match needs no key. (Both
    /// maps hash with Fx: their keys come from the policy, and a lookup of
    /// every exam of every person is hot.)
    exam_exact: FxHashMap<String, usize>,
    /// Each group as masks over exams and groups, in an order where members
    /// come before the groups containing them.
    groups: Vec<GroupPlan>,
    /// Each measure's window.
    windows: Vec<Window>,
    /// Whether some requirement reads each measure `in every month`.
    monthly: Vec<bool>,
    /// Whether the policy has revenue measures (and so a currency to check).
    has_revenue: bool,
    /// What the fast path needs; `None` when the policy is beyond it.
    fold: Option<fold::Plan>,
    /// The credentials as why-not reads them at the as-of date, compiled.
    catalog: gap::WhyNot,
    /// The declared catalogue names to watch data for; `None` when the
    /// policy declares no catalogue (and then nothing is watched).
    watch: Option<watch::Watch>,
}

/// A group compiled to masks: which exams and which (earlier) groups it
/// names, and whether it needs one of them or all.
#[derive(Clone, Debug)]
struct GroupPlan {
    /// The group's index (and bit) in the policy.
    index: usize,
    quantifier: Quantifier,
    /// Member exams, as bits over the catalog (64 exams a word).
    exams: Vec<u64>,
    /// Member groups, as bits.
    groups: u64,
}

impl GroupPlan {
    /// Whether a person holding the exams `holds` and the groups `mask`
    /// (members come first, so `mask` already has them) satisfies the group.
    fn satisfied(&self, holds: &[u64], mask: u64) -> bool {
        let word = |i: usize| holds.get(i).copied().unwrap_or(0);
        match self.quantifier {
            Quantifier::Any => {
                mask & self.groups != 0
                    || self.exams.iter().enumerate().any(|(i, w)| word(i) & w != 0)
            }
            Quantifier::All => {
                (self.groups != 0 || self.exams.iter().any(|w| *w != 0))
                    && mask & self.groups == self.groups
                    && self
                        .exams
                        .iter()
                        .enumerate()
                        .all(|(i, w)| word(i) & w == *w)
            }
        }
    }
}

/// Why a line did not count towards a measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Exclusion {
    /// Its revenue type or usage metric is not the measure's.
    OtherType,
    /// Its product is not in scope.
    OtherProduct,
    /// Its date is outside the window.
    OutsideWindow,
    /// It lacks the required partner-of-record association.
    NotPartnerOfRecord,
    /// The measure counts paid lines only, and this one is not marked paid.
    NotPaid,
    /// Its value of a field the measure filters on (`where ...`) does not
    /// meet the condition.
    OtherFieldValue,
    /// It has no value (or no valid value) of a field the measure filters on.
    NoFieldValue,
    /// The measure counts lines of another measure's customers only
    /// (`for customers of`), and this line's customer is not one (or it
    /// names none).
    NotCustomerOf,
}

/// How many reasons a line may not count for: the length of
/// [`MeasureTotal::excluded`].
pub const EXCLUSIONS: usize = 8;

/// Each measure's customers, by measure index, for the measures that
/// another restricts to their customers (`for customers of`); `None` for
/// the others.
type Restrictions = Vec<Option<HashSet<String>>>;

/// A problem with a line's value of a declared field, found while
/// evaluating; reported as a data warning (see [`Evaluator::warnings`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineWarning {
    /// A revenue line (else a usage line).
    pub revenue: bool,
    /// The line's index in its list.
    pub line: usize,
    /// The field.
    pub field: model::FieldId,
    /// What is wrong.
    pub problem: FieldProblem,
    /// Where, within the record: the value, or the line's `{`.
    pub span: crate::ast::Span,
}

/// What is wrong with a line's value of a declared field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldProblem {
    /// A value the closed field does not list.
    NotListed,
    /// Not a string.
    NotText,
    /// No value, on a line this measure would count otherwise.
    Missing(MeasureId),
}

/// A measure's value for one partner, with what counted and what did not
/// (the lines only at [`Detail::Evidence`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MeasureTotal {
    /// The value: a sum of money, a sum or maximum of quantities, or a
    /// number of customers.
    pub total: Decimal,
    /// Indices of the lines that counted (revenue or usage lines, as the
    /// measure reads; for a derived measure, its base's).
    pub counted: Vec<usize>,
    /// Lines that did not count, by reason, in [`Exclusion`] order.
    pub excluded: [usize; EXCLUSIONS],
    /// Each line that did not count, with why.
    pub excluded_lines: Vec<(usize, Exclusion)>,
    /// For a customer measure: the lines (indices, as in `counted`) its
    /// base counts in the window that name no customer, so belong to none
    /// (reported as a data warning, E0410, not dropped silently); for a
    /// usage measure kept per customer, its own such lines, which no key
    /// takes.
    pub without_customer: Vec<usize>,
    /// For a usage measure with keys (`per customer and product`) or
    /// `latest`: each key's value, in the order of their first lines.
    pub keys: Vec<keyed::KeyValue>,
    /// For a measure some requirement reads `in every month`: its value
    /// within each month of the window, oldest first.
    pub months: Vec<keyed::MonthValue>,
}

/// A credential pass in the data that cannot be right: dated before the exam
/// was available or after it retired. It does not count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PassFlag {
    /// Index of the person in the partner's people.
    pub person: usize,
    /// Index of the pass in the person's exams.
    pub exam: usize,
    /// What is wrong.
    pub status: PassStatus,
}

/// The result for one partner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartnerOutcome<'p> {
    /// The highest tier met in any option.
    pub tier: Option<TierLevelId>,
    /// The partner's market as the policy knows it.
    pub market: Option<MarketId>,
    /// Each measure's value, by measure index (with its lines at
    /// [`Detail::Evidence`]).
    pub measures: Vec<MeasureTotal>,
    /// Passes in the data that cannot be right.
    pub flags: Vec<PassFlag>,
    /// Lines whose values of declared fields are wrong or missing.
    pub warnings: Vec<LineWarning>,
    /// Each option's outcome, in policy order; empty at [`Detail::Tier`].
    pub options: Vec<OptionOutcome<'p>>,
}

/// The result for one option.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptionOutcome<'p> {
    /// The option judged.
    pub option: &'p CompetencyOption,
    /// The highest tier met in this option.
    pub tier: Option<TierLevelId>,
    /// Each tier's outcome, lowest first.
    pub tiers: Vec<TierOutcome<'p>>,
}

/// The result for one tier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TierOutcome<'p> {
    /// The tier judged.
    pub tier: &'p Tier,
    /// The tier's rung.
    pub level: TierLevelId,
    /// Whether every requirement is met.
    pub met: bool,
    /// Each requirement's outcome, in policy order.
    pub requirements: Vec<RequirementOutcome<'p>>,
}

/// The result for one requirement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RequirementOutcome<'p> {
    /// A measure threshold.
    Measure(MeasureOutcome<'p>),
    /// A people requirement.
    People(PeopleOutcome<'p>),
    /// A partner attribute.
    Attribute {
        /// The attribute required.
        attribute: &'p Attribute,
        /// Whether the partner has it.
        met: bool,
    },
    /// Alternatives.
    Either {
        /// Whether some branch is met.
        met: bool,
        /// Each branch's requirements.
        branches: Vec<BranchOutcome<'p>>,
    },
}

/// The result for one branch of `either`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BranchOutcome<'p> {
    /// The branch judged.
    pub branch: &'p Branch,
    /// Whether all its requirements are met.
    pub met: bool,
    /// Each requirement's outcome.
    pub requirements: Vec<RequirementOutcome<'p>>,
}

impl RequirementOutcome<'_> {
    /// Whether the requirement is met.
    pub fn met(&self) -> bool {
        match self {
            RequirementOutcome::Measure(r) => r.met,
            RequirementOutcome::People(p) => p.met,
            RequirementOutcome::Attribute { met, .. } | RequirementOutcome::Either { met, .. } => {
                *met
            }
        }
    }
}

/// A measure requirement's outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeasureOutcome<'p> {
    /// The requirement judged.
    pub requirement: &'p MeasureRequirement,
    /// The measure it compares.
    pub definition: &'p Measure,
    /// The measure's index.
    pub measure: MeasureId,
    /// Whether the value reaches the threshold.
    pub met: bool,
    /// The value compared: the measure, or its monthly average with `per month`.
    pub actual: Decimal,
    /// Whether `actual` is a monthly average.
    pub per_month: bool,
    /// Whether `actual` is the lowest month's value (`in every month`).
    pub every_month: bool,
    /// With `in every month`: the measure within each month of the window,
    /// oldest first; a month with no line counted is zero.
    pub months: Vec<keyed::MonthValue>,
    /// The threshold for the partner's market; `None` when the policy sets
    /// none for it.
    pub required: Option<Decimal>,
    /// How much is missing (zero when met); `None` when there is no threshold.
    pub shortfall: Option<Decimal>,
    /// The dates the measure counted at the as-of date (its window or fixed
    /// period).
    pub window: Window,
}

/// A people requirement's outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeopleOutcome<'p> {
    /// The requirement judged; its roles are in the order of `assignment`.
    pub requirement: &'p PeopleRequirement,
    /// Whether every role is filled.
    pub met: bool,
    /// Whether roles had to be filled by different people.
    pub distinct: bool,
    /// For each role, how many people qualify for it at all.
    pub qualified: Vec<usize>,
    /// For each role, how many of its slots are filled.
    pub filled: Vec<usize>,
    /// At [`Detail::Evidence`]: the people chosen for each role (indices
    /// into the partner's people).
    pub assignment: Option<Assignment>,
    /// Each role's head count.
    pub required: Vec<u32>,
    /// When not met, at [`Detail::Evidence`]: the smallest change that would
    /// meet it.
    pub gap: Option<gap::PeopleGap>,
}

/// A partner's evaluation, with what renderers need of its record.
#[derive(Debug)]
pub struct Evaluated<'a, 'p> {
    /// The partner's id, as written.
    pub id: Id<'a>,
    /// Its name.
    pub name: Option<Cow<'a, str>>,
    /// Its market, as written.
    pub market: Option<Cow<'a, str>>,
    /// The decision and what was kept of its reasoning.
    pub outcome: PartnerOutcome<'p>,
    /// Passes in the data that cannot be right, as written.
    pub flags: Vec<FlagView<'a>>,
    /// The parsed record, when the evaluation kept evidence (line indices
    /// and people in the outcome refer to it) or the renderer asked for it
    /// (see [`crate::report::Render::needs_record`]).
    pub partner: Option<&'a Partner<'a>>,
    /// How much reasoning the outcome holds.
    pub detail: Detail,
}

/// A flagged pass, as renderers show it.
#[derive(Clone, Debug)]
pub struct FlagView<'a> {
    /// The person's id.
    pub person: Id<'a>,
    /// The person's name, when known.
    pub person_name: Option<Cow<'a, str>>,
    /// The code as written in the data.
    pub exam: Cow<'a, str>,
    /// The pass date.
    pub passed: NaiveDate,
    /// What is wrong.
    pub status: PassStatus,
}

impl<'a, 'p> Evaluated<'a, 'p> {
    /// A parsed partner's evaluation.
    pub fn of_partner(
        partner: &'a Partner<'a>,
        outcome: PartnerOutcome<'p>,
        detail: Detail,
    ) -> Self {
        let flags = outcome
            .flags
            .iter()
            .filter_map(|flag| {
                let person = partner.people.get(flag.person)?;
                let exam = person.exams.get(flag.exam)?;
                Some(FlagView {
                    person: person.id,
                    person_name: person.name.clone(),
                    exam: exam.code.clone(),
                    passed: exam.passed,
                    status: flag.status,
                })
            })
            .collect();
        Evaluated {
            id: partner.id,
            name: partner.name.clone(),
            market: partner.market.clone(),
            outcome,
            flags,
            partner: (detail == Detail::Evidence).then_some(partner),
            detail,
        }
    }

    /// A folded record's evaluation (see [`fold`]).
    pub fn of_folded(
        folded: fold::Folded<'a>,
        outcome: PartnerOutcome<'p>,
        detail: Detail,
    ) -> Self {
        let people = folded.flagged_people;
        let flags = folded
            .flags
            .into_iter()
            .filter_map(|flag| {
                let (_, person) = people.iter().find(|(p, _)| *p == flag.person)?;
                Some(FlagView {
                    person: Id::from_json(person),
                    person_name: None,
                    exam: flag.exam,
                    passed: flag.passed,
                    status: flag.status,
                })
            })
            .collect();
        Evaluated {
            id: Id::from_json(folded.id),
            name: folded.name,
            market: folded.market,
            outcome,
            flags,
            partner: None,
            detail,
        }
    }
}

/// What a partner's requirements are judged on: everything the policy reads
/// of a partner, reduced to values.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    /// The partner's market as the policy knows it.
    pub market: Option<MarketId>,
    /// Each measure's value, by measure index.
    pub totals: Vec<Decimal>,
    /// Each measure's value within each month of its window, by measure
    /// index; empty for a measure no requirement reads `in every month`.
    pub months: Vec<Vec<keyed::MonthValue>>,
    /// Each person's groups, as bits.
    pub people: Vec<u64>,
    /// Each person's exams that count at the as-of date, as bits by catalog
    /// index; gathered only with evidence (why-not reads them), else empty.
    pub holds: Vec<Vec<u64>>,
    /// Which of the policy's attributes the partner has, by attribute index.
    pub attributes: Vec<bool>,
}

impl<'p> Evaluator<'p> {
    /// Compiles `policy` for evaluation as of `as_of`.
    pub fn new(policy: &'p Policy, as_of: NaiveDate) -> Self {
        // A renamed credential answers to its former names too (the checker
        // makes sure no name means two credentials).
        let names = || {
            policy.exams.iter().enumerate().flat_map(|(i, e)| {
                std::iter::once(&e.code)
                    .chain(&e.former_names)
                    .map(move |name| (name, i))
            })
        };
        let exam_index = names()
            .map(|(name, i)| (model::exam_key(name), i))
            .collect();
        let exam_exact = names().map(|(name, i)| (name.clone(), i)).collect();
        let windows = policy
            .measures
            .iter()
            .map(|m| Window::of(m.period, as_of))
            .collect();
        let has_revenue = policy.measures.iter().any(model::Measure::is_money);
        let mut monthly = vec![false; policy.measures.len()];
        for option in &policy.options {
            for tier in &option.tiers {
                mark_monthly(&tier.requirements, &mut monthly);
            }
        }
        let words = policy.exams.len().div_ceil(64);
        let groups: Vec<GroupPlan> = group_order(policy)
            .into_iter()
            .filter(|g| *g < 64)
            .filter_map(|g| {
                let group = policy.groups.get(g)?;
                let mut plan = GroupPlan {
                    index: g,
                    quantifier: group.quantifier,
                    exams: vec![0; words],
                    groups: 0,
                };
                for member in &group.members {
                    match member {
                        GroupMember::Exam(e) => {
                            if let Some(w) = plan.exams.get_mut(e.0 / 64) {
                                *w |= 1 << (e.0 % 64);
                            }
                        }
                        GroupMember::Group(inner) if inner.0 < 64 => plan.groups |= 1 << inner.0,
                        GroupMember::Group(_) => {}
                    }
                }
                Some(plan)
            })
            .collect();
        let catalog = gap::WhyNot::new(&why_not_catalog(policy, as_of, &groups));
        let mut evaluator = Evaluator {
            policy,
            as_of,
            exam_index,
            exam_exact,
            groups,
            windows,
            monthly,
            has_revenue,
            fold: None,
            catalog,
            watch: watch::Watch::of(policy),
        };
        evaluator.fold = fold::Plan::new(&evaluator);
        evaluator
    }

    /// Whether the policy declares a catalogue whose names a batch watches
    /// the data for (see [`watch`]).
    pub fn watches_data(&self) -> bool {
        self.watch.is_some()
    }

    /// The catalogue names to watch data for.
    pub(crate) fn watch(&self) -> Option<&watch::Watch> {
        self.watch.as_ref()
    }

    /// The policy.
    pub fn policy(&self) -> &'p Policy {
        self.policy
    }

    /// Evaluates one parsed partner with every piece of evidence. Data
    /// errors the policy reveals (a revenue line in another currency, sums
    /// that overflow) are returned instead of a decision, since no decision
    /// on that data could be trusted.
    pub fn evaluate(&self, partner: &Partner<'_>) -> Result<PartnerOutcome<'p>, Vec<DataError>> {
        self.evaluate_at(partner, Detail::Evidence)
    }

    /// Evaluates one parsed partner, keeping the reasoning `detail` asks for.
    pub fn evaluate_at(
        &self,
        partner: &Partner<'_>,
        detail: Detail,
    ) -> Result<PartnerOutcome<'p>, Vec<DataError>> {
        if let Some(currency) = &self.policy.currency
            && self.has_revenue
        {
            let errors: Vec<DataError> = partner
                .revenue
                .iter()
                .filter(|line| !model::same_name(&line.currency, currency))
                .map(|line| {
                    DataError::currency_mismatch(
                        partner.record,
                        line.currency_span,
                        &line.currency,
                        currency,
                    )
                })
                .collect();
            if !errors.is_empty() {
                return Err(errors);
            }
        }

        // A closed market list: a partner in no market of it is a data
        // error, not a partner that meets nothing.
        if self.policy.closed_markets.is_some()
            && self.market_of(partner.market.as_deref()).is_none()
        {
            let markets: Vec<&str> = self.policy.markets.iter().map(|m| m.id.as_str()).collect();
            return Err(vec![DataError::market_outside(partner, &markets)]);
        }

        // Declared fields are read only for a policy that declares some.
        let fields = (!self.policy.fields.is_empty()).then(|| {
            let names: Vec<&str> = self.policy.fields.iter().map(|f| f.id.as_str()).collect();
            crate::data::line_fields(partner.record, &names)
        });
        let mut measures = self
            .measure_totals(partner, fields.as_ref())
            .ok_or_else(|| vec![DataError::sum_overflow(partner)])?;
        let warnings = fields
            .as_ref()
            .map(|f| self.field_warnings(f, &measures))
            .unwrap_or_default();
        let mut flags = Vec::new();
        let mut holds = Vec::new();
        let people = self.group_masks(
            partner,
            &mut flags,
            (detail == Detail::Evidence).then_some(&mut holds),
        );
        let facts = Facts {
            market: self.market_of(partner.market.as_deref()),
            totals: measures.iter().map(|m| m.total).collect(),
            // Only policies with `in every month` pay for month values.
            months: if self.monthly.contains(&true) {
                measures.iter().map(|m| m.months.clone()).collect()
            } else {
                Vec::new()
            },
            people,
            holds,
            attributes: self
                .policy
                .attributes
                .iter()
                .map(|a| {
                    partner
                        .attributes
                        .iter()
                        .any(|held| model::same_name(held, &a.id))
                })
                .collect(),
        };
        if detail < Detail::Evidence {
            for m in &mut measures {
                m.counted = Vec::new();
                m.excluded_lines = Vec::new();
            }
        }
        let mut outcome = self.judge(&facts, measures, flags, detail);
        outcome.warnings = warnings;
        Ok(outcome)
    }

    /// The problems with lines' values of declared fields: a value that is
    /// not a string, or not one a closed field lists, on any line; and no
    /// value on a line that a measure would count but for it.
    fn field_warnings(
        &self,
        fields: &crate::data::LineFields<'_>,
        measures: &[MeasureTotal],
    ) -> Vec<LineWarning> {
        use crate::data::FieldValue;
        let mut out = Vec::new();
        for (revenue, lines) in [(true, &fields.revenue), (false, &fields.usage)] {
            for (line, values) in lines.iter().enumerate() {
                for ((f, value), field) in values.iter().enumerate().zip(&self.policy.fields) {
                    let problem = match value {
                        FieldValue::NotText { .. } => FieldProblem::NotText,
                        FieldValue::Text { value, .. } if !field.allows(value) => {
                            FieldProblem::NotListed
                        }
                        _ => continue,
                    };
                    out.push(LineWarning {
                        revenue,
                        line,
                        field: model::FieldId(f),
                        problem,
                        span: value.span(),
                    });
                }
            }
        }
        for (m, (measure, total)) in self.policy.measures.iter().zip(measures).enumerate() {
            let (MeasureKind::Revenue { filter, .. } | MeasureKind::Usage { filter, .. }) =
                &measure.kind
            else {
                continue;
            };
            let revenue = measure.is_money();
            let lines = if revenue {
                &fields.revenue
            } else {
                &fields.usage
            };
            for (line, why) in &total.excluded_lines {
                if *why != Exclusion::NoFieldValue {
                    continue;
                }
                let missing = filter.conditions.iter().find_map(|c| {
                    let value = lines.get(*line)?.get(c.field.0)?;
                    matches!(value, FieldValue::Missing { .. }).then_some((c.field, value.span()))
                });
                let Some((field, span)) = missing else {
                    continue;
                };
                let known = out
                    .iter()
                    .any(|w| w.revenue == revenue && w.line == *line && w.field == field);
                if !known {
                    out.push(LineWarning {
                        revenue,
                        line: *line,
                        field,
                        problem: FieldProblem::Missing(model::MeasureId(m)),
                        span,
                    });
                }
            }
        }
        out
    }

    /// The data warnings of an outcome's [`PartnerOutcome::warnings`], in
    /// `partner`'s record.
    pub fn warnings(&self, partner: &Partner<'_>, outcome: &PartnerOutcome<'_>) -> Vec<DataError> {
        let record = partner.record;
        outcome
            .warnings
            .iter()
            .filter_map(|w| {
                let field = self.policy.fields.get(w.field.0)?;
                Some(match w.problem {
                    FieldProblem::NotText => {
                        DataError::field_value_not_text(record, w.span, &field.id)
                    }
                    FieldProblem::NotListed => {
                        let json = record.text().get(w.span.range()).unwrap_or_default();
                        let value = serde_json::from_str::<String>(json).unwrap_or_default();
                        DataError::field_value_not_listed(
                            record,
                            w.span,
                            &field.id,
                            &value,
                            field.values.as_deref().unwrap_or_default(),
                        )
                    }
                    FieldProblem::Missing(m) => DataError::field_missing(
                        record,
                        w.span,
                        &field.id,
                        &self.policy.measures.get(m.0)?.name,
                    ),
                })
            })
            .collect()
    }

    /// The market the policy knows by the name the data gives.
    fn market_of(&self, market: Option<&str>) -> Option<MarketId> {
        let market = market?;
        self.policy
            .markets
            .iter()
            .position(|m| model::same_name(market, &m.id))
            .map(MarketId)
    }

    /// Judges every tier of every option on `facts`.
    pub fn judge(
        &self,
        facts: &Facts,
        measures: Vec<MeasureTotal>,
        flags: Vec<PassFlag>,
        detail: Detail,
    ) -> PartnerOutcome<'p> {
        if detail == Detail::Tier {
            return PartnerOutcome {
                tier: self.tier(facts),
                market: facts.market,
                measures,
                flags,
                warnings: Vec::new(),
                options: Vec::new(),
            };
        }
        let mut best: Option<TierLevelId> = None;
        let options = self
            .policy
            .options
            .iter()
            .map(|option| {
                let tiers: Vec<TierOutcome<'p>> = option
                    .tiers
                    .iter()
                    .map(|tier| {
                        let requirements = self.requirements(&tier.requirements, facts, detail);
                        TierOutcome {
                            tier,
                            level: tier.level,
                            met: requirements.iter().all(RequirementOutcome::met),
                            requirements,
                        }
                    })
                    .collect();
                let tier = tiers.iter().filter(|t| t.met).map(|t| t.level).max();
                best = best.max(tier);
                OptionOutcome {
                    option,
                    tier,
                    tiers,
                }
            })
            .collect();
        PartnerOutcome {
            tier: best,
            market: facts.market,
            measures,
            flags,
            warnings: Vec::new(),
            options,
        }
    }

    /// The highest tier met, judged without building outcomes.
    pub fn tier(&self, facts: &Facts) -> Option<TierLevelId> {
        self.policy
            .options
            .iter()
            .flat_map(|o| &o.tiers)
            .filter(|t| t.requirements.iter().all(|r| self.met(r, facts)))
            .map(|t| t.level)
            .max()
    }

    /// Whether one requirement is met.
    fn met(&self, requirement: &Requirement, facts: &Facts) -> bool {
        match requirement {
            Requirement::Measure(r) => {
                let (actual, required) = self.measure_value(r, facts);
                required.is_some_and(|t| r.meets(actual, t))
            }
            Requirement::People(p) => fillable(p, &facts.people),
            Requirement::Attribute(a, _) => facts.attributes.get(a.0).copied().unwrap_or(false),
            Requirement::Either(branches, _) => branches
                .iter()
                .any(|b| b.requirements.iter().all(|r| self.met(r, facts))),
        }
    }

    /// A measure requirement's compared value and its threshold for the market.
    fn measure_value(&self, r: &MeasureRequirement, facts: &Facts) -> (Decimal, Option<Decimal>) {
        let total = facts.totals.get(r.measure.0).copied().unwrap_or_default();
        let actual = if r.every_month {
            // The month furthest from the threshold decides.
            facts
                .months
                .get(r.measure.0)
                .and_then(|months| months.iter().map(|m| m.value).min())
                .unwrap_or_default()
        } else if r.per_month {
            let months = self
                .policy
                .measures
                .get(r.measure.0)
                .map_or(1, |m| m.window_months.max(1));
            total / Decimal::from(months)
        } else {
            total
        };
        (
            actual,
            r.thresholds.for_market(facts.market).map(|t| t.amount),
        )
    }

    /// Every measure's value; `None` when a sum overflows. `fields` holds
    /// the lines' values of the declared fields, when there are any.
    fn measure_totals(
        &self,
        partner: &Partner<'_>,
        fields: Option<&crate::data::LineFields<'_>>,
    ) -> Option<Vec<MeasureTotal>> {
        let customers = self.restrictions(partner, fields)?;
        let customers = &customers;
        let mut totals: Vec<MeasureTotal> = self
            .policy
            .measures
            .iter()
            .zip(&self.windows)
            .map(|(measure, window)| match &measure.kind {
                MeasureKind::Revenue {
                    revenue_types,
                    filter,
                } => {
                    let lines = revenue_lines(partner, fields);
                    self.sum_lines(
                        lines,
                        revenue_types,
                        filter,
                        *window,
                        Aggregate::Sum,
                        customers,
                    )
                }
                MeasureKind::Usage {
                    aggregate,
                    metric,
                    filter,
                    keys,
                    largest,
                } => {
                    let lines = usage_lines(partner, fields);
                    let mut total = self.sum_lines(
                        lines,
                        std::slice::from_ref(metric),
                        filter,
                        *window,
                        *aggregate,
                        customers,
                    )?;
                    if !keys.is_empty() || *largest || *aggregate == Aggregate::Latest {
                        let readings = readings(partner, measure, &total.counted);
                        let months = window.months(measure.window_months);
                        let (value, values) =
                            keyed::combine(&readings, *aggregate, keys, *largest, &months)?;
                        total.total = value;
                        total.keys = values;
                        if keys.contains(&model::Key::Customer) {
                            total.without_customer = readings
                                .iter()
                                .filter(|r| r.customer.and_then(customer_key).is_none())
                                .map(|r| r.line)
                                .collect();
                        }
                    }
                    Some(total)
                }
                MeasureKind::DistinctCustomers { .. } => Some(MeasureTotal::default()),
            })
            .collect::<Option<_>>()?;
        for (i, measure) in self.policy.measures.iter().enumerate() {
            if !self.monthly.get(i).copied().unwrap_or(false) {
                continue;
            }
            let (Some(window), Some(slot)) = (self.windows.get(i), totals.get_mut(i)) else {
                continue;
            };
            let months = window.months(measure.window_months);
            let readings = readings(partner, measure, &slot.counted);
            slot.months = match &measure.kind {
                MeasureKind::Usage {
                    aggregate,
                    keys,
                    largest,
                    ..
                } => keyed::by_month(&readings, *aggregate, keys, *largest, &months)?,
                MeasureKind::Revenue { .. } => {
                    keyed::by_month(&readings, Aggregate::Sum, &[], false, &months)?
                }
                MeasureKind::DistinctCustomers { .. } => Vec::new(),
            };
        }
        // Derived measures read their base's counted lines, computed above.
        for (i, measure) in self.policy.measures.iter().enumerate() {
            let MeasureKind::DistinctCustomers { of, count } = measure.kind else {
                continue;
            };
            if count != CustomerCount::Distinct {
                let (Some(base), Some(window)) =
                    (self.policy.measures.get(of.0), self.windows.get(of.0))
                else {
                    continue;
                };
                let mut total =
                    self.customers_counted(partner, fields, base, (*window, count), customers)?;
                if let Some(lines) = totals.get(of.0) {
                    total.without_customer =
                        self.without_customer(partner, base.is_money(), &lines.counted);
                }
                if let Some(slot) = totals.get_mut(i) {
                    *slot = total;
                }
                continue;
            }
            let Some(base) = totals.get(of.0) else {
                continue;
            };
            let base_is_revenue = self
                .policy
                .measures
                .get(of.0)
                .is_some_and(model::Measure::is_money);
            let customers: HashSet<String> = base
                .counted
                .iter()
                .filter_map(|&line| {
                    if base_is_revenue {
                        partner.revenue.get(line)?.customer.as_deref()
                    } else {
                        partner.usage.get(line)?.customer.as_deref()
                    }
                })
                .filter_map(customer_key)
                .collect();
            let counted = base.counted.clone();
            let without_customer = self.without_customer(partner, base_is_revenue, &counted);
            if let Some(slot) = totals.get_mut(i) {
                *slot = MeasureTotal {
                    total: Decimal::from(customers.len()),
                    counted,
                    excluded: [0; EXCLUSIONS],
                    excluded_lines: Vec::new(),
                    without_customer,
                    keys: Vec::new(),
                    months: Vec::new(),
                };
            }
        }
        Some(totals)
    }

    /// A `new`, `lost` or `net new customers of` measure over `base`,
    /// whose window is `window`; `None` when a sum overflows. A customer
    /// counts in a window when the lines `base` counts there sum to more
    /// than zero: a refund or a zero line does not make a customer.
    fn customers_counted(
        &self,
        partner: &Partner<'_>,
        fields: Option<&crate::data::LineFields<'_>>,
        base: &Measure,
        (window, count): (Window, CustomerCount),
        customers: &Restrictions,
    ) -> Option<MeasureTotal> {
        let sums = |window: Window| self.customer_sums(partner, fields, base, window, customers);
        let current = sums(window)?;
        let customers = |sums: &HashMap<String, (Decimal, Vec<usize>)>| -> HashSet<String> {
            sums.iter()
                .filter(|(_, (sum, _))| *sum > Decimal::ZERO)
                .map(|(c, _)| c.clone())
                .collect()
        };
        let now = customers(&current);
        let new = || -> Option<HashSet<String>> {
            // Any line the base would count, dated before the window, means
            // the customer's first line is not in it.
            let before = sums(Window {
                start: NaiveDate::MIN,
                end: window.start,
            })?;
            Some(
                now.iter()
                    .filter(|c| !before.contains_key(*c))
                    .cloned()
                    .collect(),
            )
        };
        let previous = sums(Window::trailing(window.start, base.window_months))?;
        let lost: HashSet<String> = customers(&previous)
            .into_iter()
            .filter(|c| !now.contains(c))
            .collect();
        let lines_of = |set: &HashSet<String>, sums: &HashMap<String, (Decimal, Vec<usize>)>| {
            let mut lines: Vec<usize> = set
                .iter()
                .filter_map(|c| sums.get(c))
                .flat_map(|(_, lines)| lines.iter().copied())
                .collect();
            lines.sort_unstable();
            lines
        };
        let (total, counted) = match count {
            CustomerCount::New => {
                let new = new()?;
                (Decimal::from(new.len()), lines_of(&new, &current))
            }
            CustomerCount::Lost => (Decimal::from(lost.len()), lines_of(&lost, &previous)),
            CustomerCount::NetNew | CustomerCount::Distinct => {
                let new = new()?;
                (
                    Decimal::from(new.len()) - Decimal::from(lost.len()),
                    lines_of(&new, &current),
                )
            }
        };
        Some(MeasureTotal {
            total,
            counted,
            excluded: [0; EXCLUSIONS],
            excluded_lines: Vec::new(),
            without_customer: Vec::new(),
            keys: Vec::new(),
            months: Vec::new(),
        })
    }

    /// The `counted` revenue (or usage) lines that name no customer.
    fn without_customer(
        &self,
        partner: &Partner<'_>,
        revenue: bool,
        counted: &[usize],
    ) -> Vec<usize> {
        counted
            .iter()
            .copied()
            .filter(|&line| {
                let customer = if revenue {
                    partner.revenue.get(line).map(|l| l.customer.as_deref())
                } else {
                    partner.usage.get(line).map(|l| l.customer.as_deref())
                };
                customer.is_some_and(|c| c.and_then(customer_key).is_none())
            })
            .collect()
    }

    /// Data warnings (E0410) for `partner`'s evaluation: for each measure
    /// that customer measures read, the lines it counted that name no
    /// customer, so belong to none; one warning per such measure, however
    /// many customer measures read it. The partner is still evaluated.
    pub fn customer_warnings(
        &self,
        partner: &Partner<'_>,
        outcome: &PartnerOutcome<'_>,
    ) -> Vec<DataError> {
        let mut out = Vec::new();
        for (b, base) in self.policy.measures.iter().enumerate() {
            let readers: Vec<(&str, &MeasureTotal)> = self
                .policy
                .measures
                .iter()
                .zip(&outcome.measures)
                .filter(|(m, _)| {
                    matches!(m.kind, MeasureKind::DistinctCustomers { of, .. } if of.0 == b)
                })
                .map(|(m, total)| (m.name.as_str(), total))
                .collect();
            let Some(lines) = readers
                .iter()
                .map(|(_, total)| &total.without_customer)
                .find(|lines| !lines.is_empty())
            else {
                continue;
            };
            let Some(&first) = lines.first() else {
                continue;
            };
            let span = if base.is_money() {
                partner.revenue.get(first).map(|l| l.amount_span)
            } else {
                partner.usage.get(first).map(|l| l.quantity_span)
            };
            let Some(span) = span else {
                continue;
            };
            let names: Vec<&str> = readers.iter().map(|(name, _)| *name).collect();
            out.push(DataError::line_without_customer(
                partner,
                span,
                &base.name,
                &names,
                lines.len(),
            ));
        }
        out
    }

    /// Each customer's sum of the lines `base` would count in `window`, with
    /// those lines' indices; `None` when a sum overflows. Lines without a
    /// customer belong to none.
    fn customer_sums(
        &self,
        partner: &Partner<'_>,
        fields: Option<&crate::data::LineFields<'_>>,
        base: &Measure,
        window: Window,
        customers: &Restrictions,
    ) -> Option<HashMap<String, (Decimal, Vec<usize>)>> {
        let mut sums: HashMap<String, (Decimal, Vec<usize>)> = HashMap::new();
        let mut add = |customer: Option<&str>, index: usize, value: Decimal| -> Option<()> {
            let key = customer.and_then(customer_key)?;
            let entry = sums.entry(key).or_default();
            entry.0 = entry.0.checked_add(value)?;
            entry.1.push(index);
            Some(())
        };
        match &base.kind {
            MeasureKind::Revenue {
                revenue_types,
                filter,
            } => {
                for (i, (l, line)) in partner
                    .revenue
                    .iter()
                    .zip(revenue_lines(partner, fields))
                    .enumerate()
                {
                    if self
                        .exclusion(&line, revenue_types, filter, window, customers)
                        .is_none()
                        && l.customer.as_deref().and_then(customer_key).is_some()
                    {
                        add(l.customer.as_deref(), i, l.amount)?;
                    }
                }
            }
            MeasureKind::Usage { metric, filter, .. } => {
                for (i, (l, line)) in partner
                    .usage
                    .iter()
                    .zip(usage_lines(partner, fields))
                    .enumerate()
                {
                    if self
                        .exclusion(
                            &line,
                            std::slice::from_ref(metric),
                            filter,
                            window,
                            customers,
                        )
                        .is_none()
                        && l.customer.as_deref().and_then(customer_key).is_some()
                    {
                        add(l.customer.as_deref(), i, l.quantity)?;
                    }
                }
            }
            MeasureKind::DistinctCustomers { .. } => {}
        }
        Some(sums)
    }

    /// The lines' total; `None` when the sum overflows.
    fn sum_lines<'l>(
        &self,
        lines: impl Iterator<Item = Line<'l>>,
        kinds: &[String],
        filter: &LineFilter,
        window: Window,
        aggregate: Aggregate,
        customers: &Restrictions,
    ) -> Option<MeasureTotal> {
        let mut out = MeasureTotal::default();
        let mut max: Option<Decimal> = None;
        for (i, line) in lines.enumerate() {
            match self.exclusion(&line, kinds, filter, window, customers) {
                None => {
                    if aggregate == Aggregate::Sum {
                        out.total = out.total.checked_add(line.value)?;
                    }
                    max = Some(max.map_or(line.value, |m| m.max(line.value)));
                    out.counted.push(i);
                }
                Some(reason) => {
                    if let Some(n) = out.excluded.get_mut(reason as usize) {
                        *n += 1;
                    }
                    out.excluded_lines.push((i, reason));
                }
            }
        }
        if aggregate == Aggregate::Max {
            out.total = max.unwrap_or(Decimal::ZERO);
        }
        Some(out)
    }

    fn exclusion(
        &self,
        line: &Line<'_>,
        kinds: &[String],
        filter: &LineFilter,
        window: Window,
        customers: &Restrictions,
    ) -> Option<Exclusion> {
        if !kinds.iter().any(|kind| model::same_name(line.kind, kind)) {
            return Some(Exclusion::OtherType);
        }
        if !filter
            .names
            .iter()
            .any(|p| model::same_name(line.product, p))
        {
            return Some(Exclusion::OtherProduct);
        }
        if !window.contains(line.date) {
            return Some(Exclusion::OutsideWindow);
        }
        if !filter.associations.is_empty()
            && !line.associations.iter().any(|held| {
                filter.associations.iter().any(|want| {
                    self.policy
                        .associations
                        .get(want.0)
                        .is_some_and(|a| model::same_name(held, &a.id))
                })
            })
        {
            return Some(Exclusion::NotPartnerOfRecord);
        }
        if filter.paid_only && line.paid != Some(true) {
            return Some(Exclusion::NotPaid);
        }
        for c in &filter.conditions {
            let field = self.policy.fields.get(c.field.0);
            // A value a closed field does not list is no value: reported,
            // it meets no condition.
            let value = line
                .fields
                .get(c.field.0)
                .and_then(crate::data::FieldValue::text)
                .filter(|v| field.is_some_and(|f| f.allows(v)));
            match value {
                Some(v) if c.holds(v) => {}
                Some(_) => return Some(Exclusion::OtherFieldValue),
                None => return Some(Exclusion::NoFieldValue),
            }
        }
        if let Some(other) = filter.customers_of {
            let theirs = customers.get(other.0).and_then(Option::as_ref);
            let key = line.customer.and_then(customer_key);
            if !key.is_some_and(|k| theirs.is_some_and(|set| set.contains(&k))) {
                return Some(Exclusion::NotCustomerOf);
            }
        }
        None
    }

    /// The customers of each measure another restricts to its customers:
    /// those whose lines it counts in its own window sum to more than zero
    /// (as for `new customers of`); `None` when a sum overflows.
    fn restrictions(
        &self,
        partner: &Partner<'_>,
        fields: Option<&crate::data::LineFields<'_>>,
    ) -> Option<Restrictions> {
        let measures = &self.policy.measures;
        let mut sets: Restrictions = vec![None; measures.len()];
        let restricted_to = |m: &Measure| match &m.kind {
            MeasureKind::Revenue { filter, .. } | MeasureKind::Usage { filter, .. } => {
                filter.customers_of
            }
            MeasureKind::DistinctCustomers { .. } => None,
        };
        if measures.iter().all(|m| restricted_to(m).is_none()) {
            return Some(sets);
        }
        // Each measure after those whose customers it needs: a chain is at
        // most as long as the measures (the checker refuses rings).
        let mut pending: Vec<usize> = measures
            .iter()
            .filter_map(restricted_to)
            .map(|m| m.0)
            .collect();
        let mut rounds = 0;
        while let Some(&m) = pending.last() {
            rounds += 1;
            if rounds > measures.len() * measures.len() + 1 {
                return Some(sets);
            }
            if sets.get(m).is_some_and(Option::is_some) {
                pending.pop();
                continue;
            }
            let measure = measures.get(m)?;
            if let Some(other) = restricted_to(measure)
                && sets.get(other.0).is_some_and(Option::is_none)
            {
                pending.push(other.0);
                continue;
            }
            let window = self.windows.get(m).copied()?;
            let sums = self.customer_sums(partner, fields, measure, window, &sets)?;
            let set = sums
                .into_iter()
                .filter(|(_, (sum, _))| *sum > Decimal::ZERO)
                .map(|(customer, _)| customer)
                .collect();
            if let Some(slot) = sets.get_mut(m) {
                *slot = Some(set);
            }
            pending.pop();
        }
        Some(sets)
    }

    /// The catalog index of an exam code as the data writes it.
    fn exam_of(&self, code: &str, key: &mut String) -> Option<usize> {
        if let Some(&index) = self.exam_exact.get(code) {
            return Some(index);
        }
        if model::is_exam_key(code) {
            // Already its own key: the exact lookup was the keyed one.
            return self.exam_index.get(code).copied();
        }
        key.clear();
        model::exam_key_into(code, key);
        self.exam_index.get(key.as_str()).copied()
    }

    /// Each person's groups as bits, counting only passes accepted at the
    /// as-of date; passes that cannot be right are flagged. With `kept`,
    /// each person's exams that count are kept there too.
    fn group_masks(
        &self,
        partner: &Partner<'_>,
        flags: &mut Vec<PassFlag>,
        mut kept: Option<&mut Vec<Vec<u64>>>,
    ) -> Vec<u64> {
        let mut key = String::new();
        let mut holds = vec![0u64; self.policy.exams.len().div_ceil(64)];
        partner
            .people
            .iter()
            .enumerate()
            .map(|(p, person)| {
                holds.iter_mut().for_each(|h| *h = 0);
                for (e, exam) in person.exams.iter().enumerate() {
                    if let Some(status) = self.hold(&exam.code, exam.passed, &mut holds, &mut key) {
                        flags.push(PassFlag {
                            person: p,
                            exam: e,
                            status,
                        });
                    }
                }
                if let Some(kept) = kept.as_deref_mut() {
                    kept.push(holds.clone());
                }
                self.person_groups(&holds)
            })
            .collect()
    }

    /// Marks a pass in `holds` when it counts at the as-of date; returns the
    /// status of a pass that cannot be right, to flag.
    fn hold(
        &self,
        code: &str,
        passed: NaiveDate,
        holds: &mut [u64],
        key: &mut String,
    ) -> Option<PassStatus> {
        let index = self.exam_of(code, key)?;
        let catalog = self.policy.exams.get(index)?;
        match catalog.pass_status(passed, self.as_of) {
            PassStatus::Counts => {
                if let Some(w) = holds.get_mut(index / 64) {
                    *w |= 1 << (index % 64);
                }
                None
            }
            status @ (PassStatus::BeforeAvailable | PassStatus::AfterRetirement) => Some(status),
            PassStatus::AfterAsOf | PassStatus::NoLongerAccepted => None,
        }
    }

    /// The groups (as bits) satisfied by a person holding the exams `holds`.
    fn person_groups(&self, holds: &[u64]) -> u64 {
        let mut mask = 0u64;
        for group in &self.groups {
            if group.satisfied(holds, mask) {
                mask |= 1u64 << group.index;
            }
        }
        mask
    }

    fn requirements(
        &self,
        list: &'p [Requirement],
        facts: &Facts,
        detail: Detail,
    ) -> Vec<RequirementOutcome<'p>> {
        list.iter()
            .filter_map(|r| self.requirement(r, facts, detail))
            .collect()
    }

    fn requirement(
        &self,
        requirement: &'p Requirement,
        facts: &Facts,
        detail: Detail,
    ) -> Option<RequirementOutcome<'p>> {
        Some(match requirement {
            Requirement::Measure(r) => {
                let (actual, required) = self.measure_value(r, facts);
                // A hugely negative total saturates the shortfall rather than overflow.
                let shortfall = required.map(|t| {
                    t.checked_sub(actual)
                        .unwrap_or(Decimal::MAX)
                        .max(Decimal::ZERO)
                });
                RequirementOutcome::Measure(MeasureOutcome {
                    requirement: r,
                    definition: self.policy.measures.get(r.measure.0)?,
                    measure: r.measure,
                    met: required.is_some_and(|t| r.meets(actual, t)),
                    actual,
                    per_month: r.per_month,
                    every_month: r.every_month,
                    months: if r.every_month {
                        facts.months.get(r.measure.0).cloned().unwrap_or_default()
                    } else {
                        Vec::new()
                    },
                    required,
                    shortfall,
                    window: self.windows.get(r.measure.0).copied().unwrap_or(Window {
                        start: self.as_of,
                        end: self.as_of,
                    }),
                })
            }
            Requirement::People(p) => {
                let slots = role_slots(p);
                // Who fills what is evidence; whether and how many is not,
                // and when every role can be filled it costs no assignment.
                let assignment = if detail == Detail::Evidence || !fillable(p, &facts.people) {
                    Some(assign::assign(&slots, &facts.people, p.distinct))
                } else {
                    None
                };
                let (met, filled, qualified) = match &assignment {
                    Some(a) => (
                        a.complete(&slots),
                        a.filled.iter().map(Vec::len).collect(),
                        a.qualified.clone(),
                    ),
                    None => (
                        true,
                        p.roles.iter().map(|r| r.count as usize).collect(),
                        slots
                            .iter()
                            .map(|r| {
                                facts
                                    .people
                                    .iter()
                                    .filter(|m| *m & r.groups == r.groups)
                                    .count()
                            })
                            .collect(),
                    ),
                };
                RequirementOutcome::People(PeopleOutcome {
                    requirement: p,
                    gap: (!met && detail == Detail::Evidence).then(|| {
                        self.catalog
                            .people_gap(&slots, &facts.holds, &facts.people, p.distinct)
                    }),
                    met,
                    distinct: p.distinct,
                    qualified,
                    filled,
                    assignment: assignment.filter(|_| detail == Detail::Evidence),
                    required: p.roles.iter().map(|r| r.count).collect(),
                })
            }
            Requirement::Attribute(attribute, _) => RequirementOutcome::Attribute {
                attribute: self.policy.attributes.get(attribute.0)?,
                met: facts.attributes.get(attribute.0).copied().unwrap_or(false),
            },
            Requirement::Either(branches, _) => {
                let branches: Vec<BranchOutcome<'p>> = branches
                    .iter()
                    .map(|branch| {
                        let requirements = self.requirements(&branch.requirements, facts, detail);
                        BranchOutcome {
                            branch,
                            met: requirements.iter().all(RequirementOutcome::met),
                            requirements,
                        }
                    })
                    .collect();
                RequirementOutcome::Either {
                    met: branches.iter().any(|b| b.met),
                    branches,
                }
            }
        })
    }
}

/// The key a customer is counted under by `distinct customers of`:
/// case-insensitive, surrounding whitespace dropped; `None` when blank.
/// Marks in `monthly` each measure that a requirement in `list` (or in its
/// `either` branches) reads `in every month`.
fn mark_monthly(list: &[Requirement], monthly: &mut [bool]) {
    for requirement in list {
        match requirement {
            Requirement::Measure(r) if r.every_month => {
                if let Some(slot) = monthly.get_mut(r.measure.0) {
                    *slot = true;
                }
            }
            Requirement::Either(branches, _) => {
                for branch in branches {
                    mark_monthly(&branch.requirements, monthly);
                }
            }
            _ => {}
        }
    }
}

/// The `counted` lines of `measure` as per-key aggregation reads them.
fn readings<'l>(
    partner: &'l Partner<'_>,
    measure: &'l Measure,
    counted: &[usize],
) -> Vec<keyed::Reading<'l>> {
    let (products, revenue) = match &measure.kind {
        MeasureKind::Revenue { filter, .. } => (&filter.products, true),
        MeasureKind::Usage { filter, .. } => (&filter.products, false),
        MeasureKind::DistinctCustomers { .. } => return Vec::new(),
    };
    let product = |written: &str| -> &'l str {
        products
            .iter()
            .find(|p| model::same_name(written, p))
            .map_or("", String::as_str)
    };
    counted
        .iter()
        .filter_map(|&line| {
            Some(if revenue {
                let l = partner.revenue.get(line)?;
                keyed::Reading {
                    line,
                    date: l.date,
                    customer: l.customer.as_deref(),
                    product: product(&l.product),
                    value: l.amount,
                }
            } else {
                let l = partner.usage.get(line)?;
                keyed::Reading {
                    line,
                    date: l.date,
                    customer: l.customer.as_deref(),
                    product: product(&l.product),
                    value: l.quantity,
                }
            })
        })
        .collect()
}

pub(crate) fn customer_key(customer: &str) -> Option<String> {
    let key = customer.trim().to_lowercase();
    (!key.is_empty()).then_some(key)
}

/// The credentials as why-not reads them at `as_of`: the groups as rules,
/// which exams a pass taken now would count for, and when the others not
/// yet available become so.
fn why_not_catalog(policy: &Policy, as_of: NaiveDate, groups: &[GroupPlan]) -> gap::Catalog {
    let bits = |words: &[u64]| -> Vec<usize> { gap::set_bits(words).collect() };
    gap::Catalog {
        groups: groups
            .iter()
            .map(|g| gap::GroupRule {
                group: g.index,
                all: g.quantifier == Quantifier::All,
                exams: bits(&g.exams),
                groups: (0..64).filter(|b| g.groups & (1u64 << b) != 0).collect(),
            })
            .collect(),
        attainable: policy
            .exams
            .iter()
            .map(|e| e.can_still_be_taken(as_of))
            .collect(),
        soon: policy
            .exams
            .iter()
            .map(|e| {
                e.available_from
                    .filter(|f| *f > as_of && e.can_still_be_taken(*f))
            })
            .collect(),
    }
}

/// A people requirement's roles as slots for assignment.
fn role_slots(p: &PeopleRequirement) -> Vec<RoleSlots> {
    p.roles
        .iter()
        .map(|role| RoleSlots {
            count: role.count,
            groups: role
                .groups
                .iter()
                .fold(0u64, |m, g| m | 1u64.checked_shl(g.0 as u32).unwrap_or(0)),
        })
        .collect()
}

/// Whether every role of a people requirement can be filled, without
/// building an assignment.
///
/// Shared roles each need enough qualified people. Distinct roles are a
/// bipartite matching with head counts; by Hall's theorem they can all be
/// filled exactly when every set of roles needs no more people than qualify
/// for at least one role in the set. With few roles that is checked over
/// the (few) classes of people by the roles they qualify for; with many, by
/// the exact assignment.
fn fillable(p: &PeopleRequirement, people: &[u64]) -> bool {
    const FEW: usize = 6;
    let mask = |role: &model::Role| {
        role.groups
            .iter()
            .fold(0u64, |m, g| m | 1u64.checked_shl(g.0 as u32).unwrap_or(0))
    };
    if !p.distinct {
        return p.roles.iter().all(|role| {
            let want = mask(role);
            let qualified = people.iter().filter(|m| *m & want == want).count();
            qualified >= role.count as usize
        });
    }
    if p.roles.len() > FEW {
        let slots = role_slots(p);
        return assign::assign(&slots, people, true).complete(&slots);
    }
    let mut wants = [0u64; FEW];
    for (w, role) in wants.iter_mut().zip(&p.roles) {
        *w = mask(role);
    }
    let roles = p.roles.len();
    // People per class: bit r of the class is set when they qualify for role r.
    let mut classes = [0u64; 1 << FEW];
    for person in people {
        let mut class = 0usize;
        for (r, want) in wants.iter().enumerate().take(roles) {
            if person & want == *want {
                class |= 1 << r;
            }
        }
        if let Some(n) = classes.get_mut(class) {
            *n += 1;
        }
    }
    (1usize..1 << roles).all(|set| {
        let needed: u64 = p
            .roles
            .iter()
            .enumerate()
            .filter(|(r, _)| set & (1 << r) != 0)
            .map(|(_, role)| u64::from(role.count))
            .sum();
        let qualified: u64 = classes
            .iter()
            .enumerate()
            .filter(|(class, _)| class & set != 0)
            .map(|(_, n)| n)
            .sum();
        needed <= qualified
    })
}

/// A revenue or usage line as a measure sees it.
struct Line<'l> {
    kind: &'l str,
    customer: Option<&'l str>,
    product: &'l str,
    date: NaiveDate,
    associations: &'l [std::borrow::Cow<'l, str>],
    paid: Option<bool>,
    value: Decimal,
    /// Its values of the declared fields, by field index (empty when the
    /// policy declares none).
    fields: &'l [crate::data::FieldValue<'l>],
}

/// A partner's revenue lines as measures see them, with their field values.
fn revenue_lines<'l>(
    partner: &'l Partner<'_>,
    fields: Option<&'l crate::data::LineFields<'_>>,
) -> impl Iterator<Item = Line<'l>> {
    partner.revenue.iter().enumerate().map(move |(i, l)| Line {
        fields: fields
            .and_then(|f| f.revenue.get(i))
            .map_or(&[], Vec::as_slice),
        ..Line::from(l)
    })
}

/// A partner's usage lines as measures see them, with their field values.
fn usage_lines<'l>(
    partner: &'l Partner<'_>,
    fields: Option<&'l crate::data::LineFields<'_>>,
) -> impl Iterator<Item = Line<'l>> {
    partner.usage.iter().enumerate().map(move |(i, l)| Line {
        fields: fields
            .and_then(|f| f.usage.get(i))
            .map_or(&[], Vec::as_slice),
        ..Line::from(l)
    })
}

impl<'l> From<&'l crate::data::RevenueLine<'_>> for Line<'l> {
    fn from(l: &'l crate::data::RevenueLine<'_>) -> Self {
        Line {
            kind: &l.kind,
            customer: l.customer.as_deref(),
            product: &l.product,
            date: l.date,
            associations: &l.associations,
            paid: None,
            value: l.amount,
            fields: &[],
        }
    }
}

impl<'l> From<&'l crate::data::UsageLine<'_>> for Line<'l> {
    fn from(l: &'l crate::data::UsageLine<'_>) -> Self {
        Line {
            kind: &l.metric,
            customer: l.customer.as_deref(),
            product: &l.product,
            date: l.date,
            associations: &l.associations,
            paid: l.paid,
            value: l.quantity,
            fields: &[],
        }
    }
}

/// Groups ordered so that every member group comes before the groups that
/// contain it. The checker rejects cycles; should one slip through, the
/// groups on it are left out (and so never satisfied).
fn group_order(policy: &Policy) -> Vec<usize> {
    let n = policy.groups.len();
    // 0: not visited, 1: in progress, 2: done.
    let mut state = vec![0u8; n];
    let mut order = Vec::with_capacity(n);
    for root in 0..n {
        let mut stack = vec![(root, 0usize)];
        while let Some((g, next_member)) = stack.pop() {
            if next_member == 0 {
                match state.get(g) {
                    Some(0) => {}
                    _ => continue,
                }
                if let Some(s) = state.get_mut(g) {
                    *s = 1;
                }
            }
            let members = policy
                .groups
                .get(g)
                .map_or(&[][..], |x| x.members.as_slice());
            let pending = members
                .iter()
                .enumerate()
                .skip(next_member)
                .find_map(|(i, m)| match m {
                    GroupMember::Group(inner) if state.get(inner.0) == Some(&0) => {
                        Some((i, inner.0))
                    }
                    _ => None,
                });
            match pending {
                Some((i, inner)) => {
                    stack.push((g, i + 1));
                    stack.push((inner, 0));
                }
                None => {
                    if let Some(s) = state.get_mut(g) {
                        *s = 2;
                    }
                    order.push(g);
                }
            }
        }
    }
    order
}
