//! Evaluation of a checked policy against one partner at an as-of date:
//! measures over revenue and usage lines, credentials per person, exact role
//! assignment, and a decision per tier with evidence.
//!
//! [`Evaluator::new`] compiles the policy once per run (exam code → catalog
//! index, group evaluation order, windows fixed by the as-of date) so that
//! evaluating a partner does no name resolution.

pub mod assign;
pub mod gap;
pub mod window;

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::data::{DataError, Partner};
use crate::model::{
    self, Aggregate, AttributeId, GroupMember, LineFilter, MarketId, MeasureId, MeasureKind,
    PassStatus, Policy, Quantifier, Requirement, TierLevelId,
};
use assign::{Assignment, RoleSlots};
use window::Window;

/// A policy compiled for evaluation at one as-of date.
#[derive(Debug)]
pub struct Evaluator<'p> {
    policy: &'p Policy,
    as_of: NaiveDate,
    /// Exam key (see [`model::exam_key`]) → catalog index.
    exam_index: HashMap<String, usize>,
    /// Groups in an order where members come before the groups containing them.
    group_order: Vec<usize>,
    /// Each measure's window.
    windows: Vec<Window>,
    /// Whether the policy has revenue measures (and so a currency to check).
    has_revenue: bool,
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
}

impl Exclusion {
    /// Every reason, in report order.
    pub const ALL: [Exclusion; 5] = [
        Exclusion::OtherType,
        Exclusion::OtherProduct,
        Exclusion::OutsideWindow,
        Exclusion::NotPartnerOfRecord,
        Exclusion::NotPaid,
    ];
}

/// A measure's value for one partner, with what counted and what did not.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MeasureTotal {
    /// The value: a sum of money, a sum or maximum of quantities, or a
    /// number of customers.
    pub total: Decimal,
    /// Indices of the lines that counted (revenue or usage lines, as the
    /// measure reads; for a derived measure, its base's).
    pub counted: Vec<usize>,
    /// Lines that did not count, by reason, in [`Exclusion::ALL`] order.
    pub excluded: [usize; 5],
    /// Each line that did not count, with why.
    pub excluded_lines: Vec<(usize, Exclusion)>,
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
pub struct PartnerOutcome {
    /// The highest tier met in any option.
    pub tier: Option<TierLevelId>,
    /// The partner's market as the policy knows it.
    pub market: Option<MarketId>,
    /// Each measure's value, by measure index.
    pub measures: Vec<MeasureTotal>,
    /// Passes in the data that cannot be right.
    pub flags: Vec<PassFlag>,
    /// Each option's outcome, in policy order.
    pub options: Vec<OptionOutcome>,
}

/// The result for one option.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptionOutcome {
    /// The highest tier met in this option.
    pub tier: Option<TierLevelId>,
    /// Each tier's outcome, lowest first.
    pub tiers: Vec<TierOutcome>,
}

/// The result for one tier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TierOutcome {
    /// The tier's rung.
    pub level: TierLevelId,
    /// Whether every requirement is met.
    pub met: bool,
    /// Each requirement's outcome, in policy order.
    pub requirements: Vec<RequirementOutcome>,
}

/// The result for one requirement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RequirementOutcome {
    /// A measure threshold.
    Measure(MeasureOutcome),
    /// A people requirement.
    People(PeopleOutcome),
    /// A partner attribute.
    Attribute {
        /// The attribute.
        attribute: AttributeId,
        /// Whether the partner has it.
        met: bool,
    },
    /// Alternatives.
    Either {
        /// Whether some branch is met.
        met: bool,
        /// Each branch's requirements.
        branches: Vec<BranchOutcome>,
    },
}

/// The result for one branch of `either`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BranchOutcome {
    /// Whether all its requirements are met.
    pub met: bool,
    /// Each requirement's outcome.
    pub requirements: Vec<RequirementOutcome>,
}

impl RequirementOutcome {
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
pub struct MeasureOutcome {
    /// The measure.
    pub measure: MeasureId,
    /// Whether the value reaches the threshold.
    pub met: bool,
    /// The value compared: the measure, or its monthly average with `per month`.
    pub actual: Decimal,
    /// Whether `actual` is a monthly average.
    pub per_month: bool,
    /// The threshold for the partner's market; `None` when the policy sets
    /// none for it.
    pub required: Option<Decimal>,
    /// How much is missing (zero when met); `None` when there is no threshold.
    pub shortfall: Option<Decimal>,
}

/// A people requirement's outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeopleOutcome {
    /// Whether every role is filled.
    pub met: bool,
    /// Whether roles had to be filled by different people.
    pub distinct: bool,
    /// The people chosen for each role (indices into the partner's people)
    /// and how many qualified.
    pub assignment: Assignment,
    /// Each role's head count.
    pub required: Vec<u32>,
    /// When not met: the smallest change that would meet it.
    pub gap: Option<gap::PeopleGap>,
}

/// What the requirements of a partner are judged on.
struct Facts<'f> {
    market: Option<MarketId>,
    measures: &'f [MeasureTotal],
    people: &'f [u64],
    partner: &'f Partner<'f>,
}

impl<'p> Evaluator<'p> {
    /// Compiles `policy` for evaluation as of `as_of`.
    pub fn new(policy: &'p Policy, as_of: NaiveDate) -> Self {
        let exam_index = policy
            .exams
            .iter()
            .enumerate()
            .map(|(i, e)| (model::exam_key(&e.code), i))
            .collect();
        let windows = policy
            .measures
            .iter()
            .map(|m| Window::trailing(as_of, m.window_months))
            .collect();
        let has_revenue = policy.measures.iter().any(model::Measure::is_money);
        Evaluator {
            policy,
            as_of,
            exam_index,
            group_order: group_order(policy),
            windows,
            has_revenue,
        }
    }

    /// The as-of date.
    pub fn as_of(&self) -> NaiveDate {
        self.as_of
    }

    /// The policy.
    pub fn policy(&self) -> &'p Policy {
        self.policy
    }

    /// Evaluates one partner. Data errors the policy reveals (a revenue line
    /// in another currency) are returned instead of a decision, since no
    /// decision on that data could be trusted.
    pub fn evaluate(&self, partner: &Partner<'_>) -> Result<PartnerOutcome, Vec<DataError>> {
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

        let measures = self.measure_totals(partner).ok_or_else(|| {
            let record = partner.record;
            vec![DataError::SumOverflow {
                partner: partner.id.text().into_owned(),
                source_code: record.source.clone(),
                span: record.span.into(),
            }]
        })?;
        let market = partner.market.as_deref().and_then(|market| {
            self.policy
                .markets
                .iter()
                .position(|m| model::same_name(market, &m.id))
                .map(MarketId)
        });
        let mut flags = Vec::new();
        let people = self.group_masks(partner, &mut flags);
        let facts = Facts {
            market,
            measures: &measures,
            people: &people,
            partner,
        };

        let mut best: Option<TierLevelId> = None;
        let options = self
            .policy
            .options
            .iter()
            .map(|option| {
                let tiers: Vec<TierOutcome> = option
                    .tiers
                    .iter()
                    .map(|tier| {
                        let requirements = self.requirements(&tier.requirements, &facts);
                        TierOutcome {
                            level: tier.level,
                            met: requirements.iter().all(RequirementOutcome::met),
                            requirements,
                        }
                    })
                    .collect();
                let tier = tiers.iter().filter(|t| t.met).map(|t| t.level).max();
                best = best.max(tier);
                OptionOutcome { tier, tiers }
            })
            .collect();
        Ok(PartnerOutcome {
            tier: best,
            market,
            measures,
            flags,
            options,
        })
    }

    /// Every measure's value; `None` when a sum overflows.
    fn measure_totals(&self, partner: &Partner<'_>) -> Option<Vec<MeasureTotal>> {
        let mut totals: Vec<MeasureTotal> = self
            .policy
            .measures
            .iter()
            .zip(&self.windows)
            .map(|(measure, window)| match &measure.kind {
                MeasureKind::Revenue {
                    revenue_type,
                    filter,
                } => {
                    let lines = partner.revenue.iter().map(|l| Line {
                        kind: &l.kind,
                        product: &l.product,
                        date: l.date,
                        associations: &l.associations,
                        paid: None,
                        value: l.amount,
                    });
                    self.sum_lines(lines, revenue_type, filter, *window, Aggregate::Sum)
                }
                MeasureKind::Usage {
                    aggregate,
                    metric,
                    filter,
                } => {
                    let lines = partner.usage.iter().map(|l| Line {
                        kind: &l.metric,
                        product: &l.product,
                        date: l.date,
                        associations: &l.associations,
                        paid: l.paid,
                        value: l.quantity,
                    });
                    self.sum_lines(lines, metric, filter, *window, *aggregate)
                }
                MeasureKind::DistinctCustomers { .. } => Some(MeasureTotal::default()),
            })
            .collect::<Option<_>>()?;
        // Derived measures read their base's counted lines, computed above.
        for (i, measure) in self.policy.measures.iter().enumerate() {
            let MeasureKind::DistinctCustomers { of } = measure.kind else {
                continue;
            };
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
                .map(|c| c.trim().to_lowercase())
                .filter(|c| !c.is_empty())
                .collect();
            let counted = base.counted.clone();
            if let Some(slot) = totals.get_mut(i) {
                *slot = MeasureTotal {
                    total: Decimal::from(customers.len()),
                    counted,
                    excluded: [0; 5],
                    excluded_lines: Vec::new(),
                };
            }
        }
        Some(totals)
    }

    /// The lines' total; `None` when the sum overflows.
    fn sum_lines<'l>(
        &self,
        lines: impl Iterator<Item = Line<'l>>,
        kind: &str,
        filter: &LineFilter,
        window: Window,
        aggregate: Aggregate,
    ) -> Option<MeasureTotal> {
        let mut out = MeasureTotal::default();
        let mut max: Option<Decimal> = None;
        for (i, line) in lines.enumerate() {
            match self.exclusion(&line, kind, filter, window) {
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
        kind: &str,
        filter: &LineFilter,
        window: Window,
    ) -> Option<Exclusion> {
        if !model::same_name(line.kind, kind) {
            return Some(Exclusion::OtherType);
        }
        if !filter
            .products
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
        None
    }

    /// Each person's groups as bits, counting only passes accepted at the
    /// as-of date; passes that cannot be right are flagged.
    fn group_masks(&self, partner: &Partner<'_>, flags: &mut Vec<PassFlag>) -> Vec<u64> {
        let mut key = String::new();
        let mut holds = vec![false; self.policy.exams.len()];
        partner
            .people
            .iter()
            .enumerate()
            .map(|(p, person)| {
                holds.iter_mut().for_each(|h| *h = false);
                for (e, exam) in person.exams.iter().enumerate() {
                    key.clear();
                    model::exam_key_into(&exam.code, &mut key);
                    let Some(&index) = self.exam_index.get(&key) else {
                        continue;
                    };
                    let Some(catalog) = self.policy.exams.get(index) else {
                        continue;
                    };
                    match catalog.pass_status(exam.passed, self.as_of) {
                        PassStatus::Counts => {
                            if let Some(h) = holds.get_mut(index) {
                                *h = true;
                            }
                        }
                        status @ (PassStatus::BeforeAvailable | PassStatus::AfterRetirement) => {
                            flags.push(PassFlag {
                                person: p,
                                exam: e,
                                status,
                            });
                        }
                        PassStatus::AfterAsOf | PassStatus::NoLongerAccepted => {}
                    }
                }
                self.person_groups(&holds)
            })
            .collect()
    }

    /// The groups (as bits) satisfied by a person holding the exams marked in `holds`.
    fn person_groups(&self, holds: &[bool]) -> u64 {
        let mut mask = 0u64;
        for &g in &self.group_order {
            let Some(group) = self.policy.groups.get(g) else {
                continue;
            };
            let satisfied = |member: &GroupMember| match member {
                GroupMember::Exam(e) => holds.get(e.0).copied().unwrap_or(false),
                GroupMember::Group(inner) => inner.0 < 64 && mask & (1u64 << inner.0) != 0,
            };
            let met = match group.quantifier {
                Quantifier::Any => group.members.iter().any(satisfied),
                Quantifier::All => !group.members.is_empty() && group.members.iter().all(satisfied),
            };
            if met && g < 64 {
                mask |= 1u64 << g;
            }
        }
        mask
    }

    fn requirements(&self, list: &[Requirement], facts: &Facts<'_>) -> Vec<RequirementOutcome> {
        list.iter().map(|r| self.requirement(r, facts)).collect()
    }

    fn requirement(&self, requirement: &Requirement, facts: &Facts<'_>) -> RequirementOutcome {
        match requirement {
            Requirement::Measure(r) => {
                let total = facts
                    .measures
                    .get(r.measure.0)
                    .map_or(Decimal::ZERO, |m| m.total);
                let months = self
                    .policy
                    .measures
                    .get(r.measure.0)
                    .map_or(1, |m| m.window_months.max(1));
                let actual = if r.per_month {
                    total / Decimal::from(months)
                } else {
                    total
                };
                let required = r.thresholds.for_market(facts.market).map(|t| t.amount);
                let met = required.is_some_and(|t| actual >= t);
                // A hugely negative total saturates the shortfall rather than overflow.
                let shortfall = required.map(|t| {
                    t.checked_sub(actual)
                        .unwrap_or(Decimal::MAX)
                        .max(Decimal::ZERO)
                });
                RequirementOutcome::Measure(MeasureOutcome {
                    measure: r.measure,
                    met,
                    actual,
                    per_month: r.per_month,
                    required,
                    shortfall,
                })
            }
            Requirement::People(p) => {
                let slots: Vec<RoleSlots> = p
                    .roles
                    .iter()
                    .map(|role| RoleSlots {
                        count: role.count,
                        groups: role
                            .groups
                            .iter()
                            .fold(0u64, |m, g| m | 1u64.checked_shl(g.0 as u32).unwrap_or(0)),
                    })
                    .collect();
                let assignment = assign::assign(&slots, facts.people, p.distinct);
                let met = assignment.complete(&slots);
                RequirementOutcome::People(PeopleOutcome {
                    gap: (!met).then(|| gap::people_gap(&slots, facts.people, p.distinct)),
                    met,
                    distinct: p.distinct,
                    assignment,
                    required: p.roles.iter().map(|r| r.count).collect(),
                })
            }
            Requirement::Attribute(attribute, _) => {
                let met = self.policy.attributes.get(attribute.0).is_some_and(|a| {
                    facts
                        .partner
                        .attributes
                        .iter()
                        .any(|held| model::same_name(held, &a.id))
                });
                RequirementOutcome::Attribute {
                    attribute: *attribute,
                    met,
                }
            }
            Requirement::Either(branches, _) => {
                let branches: Vec<BranchOutcome> = branches
                    .iter()
                    .map(|b| {
                        let requirements = self.requirements(&b.requirements, facts);
                        BranchOutcome {
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
        }
    }
}

/// A revenue or usage line as a measure sees it.
struct Line<'l> {
    kind: &'l str,
    product: &'l str,
    date: NaiveDate,
    associations: &'l [std::borrow::Cow<'l, str>],
    paid: Option<bool>,
    value: Decimal,
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
