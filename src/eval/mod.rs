//! Evaluation of a checked policy against one partner at an as-of date:
//! revenue windows, role assignment, and a decision per tier with evidence.
//!
//! [`Evaluator::new`] compiles the policy once per run (exam code → group bits,
//! windows fixed by the as-of date) so that evaluating a partner does no name
//! resolution.

pub mod assign;
pub mod window;

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::data::{DataError, Partner};
use crate::model::{self, MarketId, MeasureId, Policy, Requirement, TierLevelId};
use assign::{Assignment, RoleSlots};
use window::Window;

/// A policy compiled for evaluation at one as-of date.
#[derive(Debug)]
pub struct Evaluator<'p> {
    policy: &'p Policy,
    as_of: NaiveDate,
    /// Exam key (see [`model::exam_key`]) → bits of the groups it satisfies.
    exam_groups: HashMap<String, u64>,
    measures: Vec<CompiledMeasure<'p>>,
}

#[derive(Debug)]
struct CompiledMeasure<'p> {
    revenue_type: &'p str,
    products: &'p [String],
    window: Window,
    associations: Vec<&'p str>,
}

/// Why a revenue line did not count towards a measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Exclusion {
    /// Its type is not the measure's.
    OtherType,
    /// Its product is not in scope.
    OtherProduct,
    /// Its date is outside the window.
    OutsideWindow,
    /// It lacks the required partner-of-record association.
    NotPartnerOfRecord,
}

/// A measure's total for one partner, with what counted and what did not.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MeasureTotal {
    /// Sum of the lines that counted.
    pub total: Decimal,
    /// Indices of the revenue lines that counted.
    pub counted: Vec<usize>,
    /// Lines that did not count, by reason: other type, other product,
    /// outside window, not partner of record.
    pub excluded: [usize; 4],
}

/// The result for one partner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartnerOutcome {
    /// The highest tier met in any option.
    pub tier: Option<TierLevelId>,
    /// The partner's market as the policy knows it.
    pub market: Option<MarketId>,
    /// Each measure's total, by measure index.
    pub measures: Vec<MeasureTotal>,
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
    /// A revenue threshold.
    Revenue(RevenueOutcome),
    /// A people requirement.
    People(PeopleOutcome),
}

impl RequirementOutcome {
    /// Whether the requirement is met.
    pub fn met(&self) -> bool {
        match self {
            RequirementOutcome::Revenue(r) => r.met,
            RequirementOutcome::People(p) => p.met,
        }
    }
}

/// A revenue requirement's outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevenueOutcome {
    /// The measure.
    pub measure: MeasureId,
    /// Whether the total reaches the threshold.
    pub met: bool,
    /// The partner's total.
    pub actual: Decimal,
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
}

impl<'p> Evaluator<'p> {
    /// Compiles `policy` for evaluation as of `as_of`.
    pub fn new(policy: &'p Policy, as_of: NaiveDate) -> Self {
        let mut exam_groups: HashMap<String, u64> = HashMap::new();
        for (g, group) in policy.groups.iter().enumerate().take(64) {
            for exam in &group.exams {
                if let Some(e) = policy.exams.get(exam.0) {
                    *exam_groups.entry(model::exam_key(&e.code)).or_default() |= 1 << g;
                }
            }
        }
        let measures = policy
            .measures
            .iter()
            .map(|m| CompiledMeasure {
                revenue_type: &m.revenue_type,
                products: &m.products,
                window: Window::trailing(as_of, m.window_months),
                associations: m
                    .associations
                    .iter()
                    .filter_map(|a| policy.associations.get(a.0).map(|a| a.id.as_str()))
                    .collect(),
            })
            .collect();
        Evaluator {
            policy,
            as_of,
            exam_groups,
            measures,
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
            && !self.measures.is_empty()
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

        let measures: Vec<MeasureTotal> = self
            .measures
            .iter()
            .map(|m| self.measure_total(m, partner))
            .collect();
        let market = partner.market.as_deref().and_then(|market| {
            self.policy
                .markets
                .iter()
                .position(|m| model::same_name(market, &m.id))
                .map(MarketId)
        });
        let people = self.group_masks(partner);

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
                        let requirements: Vec<RequirementOutcome> = tier
                            .requirements
                            .iter()
                            .map(|r| self.requirement(r, market, &measures, &people))
                            .collect();
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
            options,
        })
    }

    fn measure_total(&self, m: &CompiledMeasure<'_>, partner: &Partner<'_>) -> MeasureTotal {
        let mut out = MeasureTotal::default();
        for (i, line) in partner.revenue.iter().enumerate() {
            let reason = if !model::same_name(&line.kind, m.revenue_type) {
                Some(Exclusion::OtherType)
            } else if !m
                .products
                .iter()
                .any(|p| model::same_name(&line.product, p))
            {
                Some(Exclusion::OtherProduct)
            } else if !m.window.contains(line.date) {
                Some(Exclusion::OutsideWindow)
            } else if !m.associations.is_empty()
                && !line
                    .associations
                    .iter()
                    .any(|a| m.associations.iter().any(|want| model::same_name(a, want)))
            {
                Some(Exclusion::NotPartnerOfRecord)
            } else {
                None
            };
            match reason {
                None => {
                    out.total += line.amount;
                    out.counted.push(i);
                }
                Some(reason) => {
                    if let Some(n) = out.excluded.get_mut(reason as usize) {
                        *n += 1;
                    }
                }
            }
        }
        out
    }

    /// Each person's groups as bits, counting exams passed on or before the as-of date.
    fn group_masks(&self, partner: &Partner<'_>) -> Vec<u64> {
        let mut key = String::new();
        partner
            .people
            .iter()
            .map(|person| {
                person
                    .exams
                    .iter()
                    .filter(|exam| exam.passed <= self.as_of)
                    .fold(0u64, |mask, exam| {
                        key.clear();
                        model::exam_key_into(&exam.code, &mut key);
                        mask | self.exam_groups.get(&key).copied().unwrap_or(0)
                    })
            })
            .collect()
    }

    fn requirement(
        &self,
        requirement: &Requirement,
        market: Option<MarketId>,
        measures: &[MeasureTotal],
        people: &[u64],
    ) -> RequirementOutcome {
        match requirement {
            Requirement::Revenue(r) => {
                let actual = measures.get(r.measure.0).map_or(Decimal::ZERO, |m| m.total);
                let required = r.thresholds.for_market(market).map(|m| m.amount);
                let met = required.is_some_and(|t| actual >= t);
                let shortfall = required.map(|t| (t - actual).max(Decimal::ZERO));
                RequirementOutcome::Revenue(RevenueOutcome {
                    measure: r.measure,
                    met,
                    actual,
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
                let assignment = assign::assign(&slots, people, p.distinct);
                RequirementOutcome::People(PeopleOutcome {
                    met: assignment.complete(&slots),
                    distinct: p.distinct,
                    assignment,
                    required: p.roles.iter().map(|r| r.count).collect(),
                })
            }
        }
    }
}
