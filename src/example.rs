//! Fixture synthesis: a minimal partner that meets a tier, or one that misses
//! it by exactly one requirement at its boundary, checked by evaluating it
//! before it is handed out.
//!
//! A partner meeting a tier has exactly each threshold (spread over as many
//! customers as a distinct-customer measure asks), the fewest people that fill
//! the roles, each holding one credential per group that counts at the as-of
//! date, and the attributes asked. Missing by one requirement means: a
//! measure 0.01 (money) or 1 (a count) below its threshold, one person short
//! of a role, or an attribute left out; every other requirement of the tier
//! stays met. Inside `either`, each combination of branches is tried in order
//! until one gives the asked result.
//!
//! ```
//! let policy = rubric::load_policy(include_str!("../policies/cloud_crm.policy")).unwrap();
//! let as_of = chrono::NaiveDate::from_ymd_opt(2017, 6, 30).unwrap();
//! let request = rubric::example::Request { option: None, tier: "silver", market: None,
//!     just_below: None, as_of };
//! let example = rubric::example::synthesize(&policy, &request).unwrap();
//! assert_eq!(example.reached.as_deref(), Some("silver"));
//! ```

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive as _;
use serde::Serialize;
use thiserror::Error;

use crate::data::{Partner, read};
use crate::eval::{Evaluator, PartnerOutcome, RequirementOutcome};
use crate::model::{
    Aggregate, ExamId, GroupId, GroupMember, MarketId, MeasureKind, PassStatus, PeopleRequirement,
    Policy, Quantifier, Requirement, Thresholds, Tier,
};
use crate::policy_test::{self, LabeledRequirement};

/// The most combinations of `either` branches tried.
const MAX_TRIES: usize = 256;

/// What to synthesise.
#[derive(Clone, Debug)]
pub struct Request<'a> {
    /// The option, by name; the first with the tier when `None`.
    pub option: Option<&'a str>,
    /// The tier.
    pub tier: &'a str,
    /// The partner's market; chosen to suit the thresholds when `None`.
    pub market: Option<&'a str>,
    /// The requirement to miss at its boundary, labelled as in test files.
    pub just_below: Option<&'a str>,
    /// The date it is evaluated at.
    pub as_of: NaiveDate,
}

/// Why no example could be made.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum ExampleError {
    /// No such option.
    #[error("the policy has no option `{name}`; its options are {known}")]
    UnknownOption {
        /// As asked.
        name: String,
        /// The options there are.
        known: String,
    },
    /// No such tier, or not in the option.
    #[error("{place} has no tier `{name}`; {known}")]
    UnknownTier {
        /// As asked.
        name: String,
        /// The policy or the option.
        place: String,
        /// The tiers there are.
        known: String,
    },
    /// No such market.
    #[error("the policy has no market `{name}`; {known}")]
    UnknownMarket {
        /// As asked.
        name: String,
        /// The markets there are.
        known: String,
    },
    /// No such requirement in the tier.
    #[error("tier `{tier}` has no requirement `{name}`; its requirements are {known}")]
    UnknownRequirement {
        /// As asked.
        name: String,
        /// The tier.
        tier: String,
        /// The labels there are.
        known: String,
    },
    /// No partner gives the asked result at the as-of date.
    #[error("no partner {goal}: {reason}")]
    Unattainable {
        /// What was asked, in words.
        goal: String,
        /// Why, from the last combination tried.
        reason: String,
    },
    /// A test case that does not pass; a bug in Rubric.
    #[error("the test case made for this example does not pass: {0}")]
    CaseFails(String),
}

/// A synthesised partner, checked.
#[derive(Clone, Debug)]
pub struct Example {
    /// The partner.
    pub partner: PartnerOut,
    /// The tier the evaluator gives it, overall.
    pub reached: Option<String>,
    /// The tier's requirements met, labelled.
    pub met: Vec<String>,
    /// The tier's requirements unmet, labelled.
    pub unmet: Vec<String>,
    /// The missed requirement's exact shortfall, when it is a measure.
    pub shortfall: Option<(String, Decimal)>,
    /// The missed requirement's roles, when it is a people requirement: each
    /// role's name, whether it is met, and how many of its slots are filled.
    pub roles: Vec<(String, bool, usize)>,
    /// The as-of date.
    pub as_of: NaiveDate,
    /// What it shows, in words, e.g. `a minimal partner reaches reseller/gold`.
    pub title: String,
}

/// A partner as written in data files.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct PartnerOut {
    /// Identifier.
    pub id: String,
    /// Market, when the thresholds need one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub market: Option<String>,
    /// Attributes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<String>,
    /// People.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub people: Vec<PersonOut>,
    /// Revenue lines.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub revenue: Vec<RevenueOut>,
    /// Usage lines.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub usage: Vec<UsageOut>,
}

/// A person.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct PersonOut {
    /// Identifier.
    pub id: String,
    /// Passes.
    pub exams: Vec<PassOut>,
}

/// An exam pass.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct PassOut {
    /// The exam's code.
    pub code: String,
    /// When, `YYYY-MM-DD`.
    pub passed: String,
}

/// A revenue line.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct RevenueOut {
    /// Customer.
    pub customer: String,
    /// Product.
    pub product: String,
    /// Revenue type.
    #[serde(rename = "type")]
    pub kind: String,
    /// Amount, as a string of digits.
    pub amount: String,
    /// Currency.
    pub currency: String,
    /// Date.
    pub date: String,
    /// Associations.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub associations: Vec<String>,
    /// Values of the policy's line fields the measure filters on.
    #[serde(flatten)]
    pub fields: std::collections::BTreeMap<String, String>,
}

/// A usage line.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct UsageOut {
    /// Customer.
    pub customer: String,
    /// Metric.
    pub metric: String,
    /// Product.
    pub product: String,
    /// Quantity, as a string of digits.
    pub quantity: String,
    /// Date.
    pub date: String,
    /// Associations.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub associations: Vec<String>,
    /// Paid.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub paid: bool,
    /// Values of the policy's line fields the measure filters on.
    #[serde(flatten)]
    pub fields: std::collections::BTreeMap<String, String>,
}

/// Synthesises and checks a partner for `request`.
pub fn synthesize(policy: &Policy, request: &Request<'_>) -> Result<Example, ExampleError> {
    let level = policy
        .tiers
        .iter()
        .position(|t| t.id == request.tier)
        .ok_or_else(|| ExampleError::UnknownTier {
            name: request.tier.to_owned(),
            place: "the policy".to_owned(),
            known: format!(
                "its tiers are {}",
                names(policy.tiers.iter().map(|t| &t.id))
            ),
        })?;
    let option_index = match request.option {
        Some(name) => policy
            .options
            .iter()
            .position(|o| o.name == name)
            .ok_or_else(|| ExampleError::UnknownOption {
                name: name.to_owned(),
                known: names(policy.options.iter().map(|o| &o.name)),
            })?,
        None => policy
            .options
            .iter()
            .position(|o| o.tiers.iter().any(|t| t.level.0 == level))
            .unwrap_or(0),
    };
    let option = policy
        .options
        .get(option_index)
        .ok_or_else(|| ExampleError::UnknownOption {
            name: String::new(),
            known: "none".to_owned(),
        })?;
    let tier_index = option
        .tiers
        .iter()
        .position(|t| t.level.0 == level)
        .ok_or_else(|| ExampleError::UnknownTier {
            name: request.tier.to_owned(),
            place: format!("option `{}`", option.name),
            known: format!(
                "its tiers are {}",
                names(
                    option
                        .tiers
                        .iter()
                        .filter_map(|t| policy.tiers.get(t.level.0))
                        .map(|t| &t.id)
                )
            ),
        })?;
    let tier = option
        .tiers
        .get(tier_index)
        .ok_or_else(|| ExampleError::UnknownTier {
            name: request.tier.to_owned(),
            place: format!("option `{}`", option.name),
            known: String::new(),
        })?;
    let market = match request.market {
        Some(name) => Some(MarketId(
            policy
                .markets
                .iter()
                .position(|m| m.id == name)
                .ok_or_else(|| ExampleError::UnknownMarket {
                    name: name.to_owned(),
                    known: if policy.markets.is_empty() {
                        "it names no markets".to_owned()
                    } else {
                        format!(
                            "its markets are {}",
                            names(policy.markets.iter().map(|m| &m.id))
                        )
                    },
                })?,
        )),
        None => suited_market(policy, &tier.requirements),
    };
    let labels: Vec<LabeledRequirement> = policy_test::labeled_requirements(policy)
        .into_iter()
        .filter(|l| l.option == option_index && l.tier == tier_index)
        .collect();
    let target = match request.just_below {
        Some(wanted) => Some(
            policy_test::find_label(policy, &labels, wanted)
                .or_else(|| {
                    // `TIER/NAME` may be left out too: `crm` for `gold/crm`.
                    let full = format!("{}/{}/{wanted}", option.name, request.tier);
                    labels.iter().find(|l| l.label == full)
                })
                .ok_or_else(|| ExampleError::UnknownRequirement {
                    name: wanted.to_owned(),
                    tier: format!("{}/{}", option.name, request.tier),
                    known: names(labels.iter().map(|l| &l.label)),
                })?
                .clone(),
        ),
        None => None,
    };
    let goal = match &target {
        Some(t) => format!(
            "misses {}/{} by {} alone at {}",
            option.name, request.tier, t.label, request.as_of
        ),
        None => format!(
            "reaches {}/{} at {}",
            option.name, request.tier, request.as_of
        ),
    };
    let eithers = either_paths(&tier.requirements, &[]);
    let mut choice = vec![0usize; eithers.len()];
    let mut reason = "the tier has no requirements to meet or miss".to_owned();
    let top = labels.iter().filter(|l| l.path.len() == 1);
    let top: Vec<&LabeledRequirement> = top.collect();
    for _ in 0..MAX_TRIES {
        let chosen: BTreeMap<Vec<usize>, usize> = eithers
            .iter()
            .cloned()
            .zip(choice.iter().copied())
            .collect();
        if consistent(&chosen, target.as_ref()) {
            let effective = target
                .as_ref()
                .map(|t| effective_target(&tier.requirements, &t.path, &chosen));
            let builder = Builder {
                policy,
                as_of: request.as_of,
                market,
            };
            match builder.partner(tier, &chosen, effective.as_deref()) {
                Ok(partner) => match check(
                    policy,
                    request,
                    &partner,
                    option_index,
                    tier_index,
                    target.as_ref(),
                    effective.as_deref(),
                    &top,
                    &labels,
                ) {
                    Ok(mut example) => {
                        example.title = match &target {
                            Some(t) => format!(
                                "{} just below its boundary misses {}",
                                short(policy, &t.label),
                                request.tier
                            ),
                            None => {
                                format!("a minimal partner meets {}/{}", option.name, request.tier)
                            }
                        };
                        return Ok(example);
                    }
                    Err(why) => reason = why,
                },
                Err(why) => reason = why,
            }
        }
        if !advance(&mut choice, &eithers, &tier.requirements) {
            break;
        }
    }
    Err(ExampleError::Unattainable { goal, reason })
}

fn names<'a>(list: impl Iterator<Item = &'a String>) -> String {
    let all: Vec<String> = list.map(|n| format!("`{n}`")).collect();
    if all.is_empty() {
        "none".to_owned()
    } else {
        all.join(", ")
    }
}

/// The first market (in policy order) that every per-market threshold of the
/// requirements names; `None` when no threshold is per market (a threshold
/// with `every other market` suits any market), unless the policy's markets
/// are closed: then a partner must be in one of them, the first.
fn suited_market(policy: &Policy, requirements: &[Requirement]) -> Option<MarketId> {
    let mut lists = Vec::new();
    collect_markets(requirements, &mut lists);
    if lists.is_empty() {
        return policy
            .closed_markets
            .and_then(|_| (!policy.markets.is_empty()).then_some(MarketId(0)));
    }
    (0..policy.markets.len())
        .map(MarketId)
        .find(|m| lists.iter().all(|l| l.contains(m)))
        .or_else(|| lists.first().and_then(|l| l.first().copied()))
}

fn collect_markets(requirements: &[Requirement], out: &mut Vec<Vec<MarketId>>) {
    for r in requirements {
        match r {
            Requirement::Measure(m) => {
                if let Thresholds::PerMarket(list, None) = &m.thresholds {
                    out.push(list.iter().map(|(m, _)| *m).collect());
                }
            }
            Requirement::Either(branches, _) => {
                for b in branches {
                    collect_markets(&b.requirements, out);
                }
            }
            Requirement::People(_) | Requirement::Attribute(..) => {}
        }
    }
}

/// The paths (requirement, branch, requirement, ...) of every `either`.
fn either_paths(list: &[Requirement], prefix: &[usize]) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    for (i, r) in list.iter().enumerate() {
        if let Requirement::Either(branches, _) = r {
            let mut here = prefix.to_vec();
            here.push(i);
            out.push(here.clone());
            for (b, branch) in branches.iter().enumerate() {
                let mut inner = here.clone();
                inner.push(b);
                out.extend(either_paths(&branch.requirements, &inner));
            }
        }
    }
    out
}

/// The number of branches of the `either` at `path`.
fn branch_count(list: &[Requirement], path: &[usize]) -> usize {
    let mut list = list;
    let mut steps = path.iter();
    while let Some(&i) = steps.next() {
        match (list.get(i), steps.next()) {
            (Some(Requirement::Either(branches, _)), None) => return branches.len(),
            (Some(Requirement::Either(branches, _)), Some(&b)) => {
                let Some(branch) = branches.get(b) else {
                    return 0;
                };
                list = &branch.requirements;
            }
            _ => return 0,
        }
    }
    0
}

/// The next combination of branches; false after the last.
fn advance(choice: &mut [usize], eithers: &[Vec<usize>], tier: &[Requirement]) -> bool {
    for (c, path) in choice.iter_mut().zip(eithers) {
        *c += 1;
        if *c < branch_count(tier, path) {
            return true;
        }
        *c = 0;
    }
    false
}

/// Whether the branches chosen lead to the target (a requirement inside an
/// `either` branch is only missed when that branch is the one built).
fn consistent(chosen: &BTreeMap<Vec<usize>, usize>, target: Option<&LabeledRequirement>) -> bool {
    let Some(target) = target else { return true };
    let path = &target.path;
    let mut at = 1;
    while at < path.len() {
        let either = path.get(..at).unwrap_or_default();
        if chosen.get(either) != path.get(at) {
            return false;
        }
        at += 2;
    }
    true
}

/// The requirement actually built just below: the target, or for an
/// `either`, the first requirement of its chosen branch (and so on down).
fn effective_target(
    tier: &[Requirement],
    path: &[usize],
    chosen: &BTreeMap<Vec<usize>, usize>,
) -> Vec<usize> {
    let mut path = path.to_vec();
    loop {
        let Some(Requirement::Either(..)) = requirement_at(tier, &path) else {
            return path;
        };
        let branch = chosen.get(&path).copied().unwrap_or(0);
        path.push(branch);
        path.push(0);
    }
}

fn requirement_at<'r>(tier: &'r [Requirement], path: &[usize]) -> Option<&'r Requirement> {
    let mut steps = path.iter();
    let mut current = tier.get(*steps.next()?)?;
    while let Some(&b) = steps.next() {
        let Requirement::Either(branches, _) = current else {
            return None;
        };
        current = branches.get(b)?.requirements.get(*steps.next()?)?;
    }
    Some(current)
}

/// What the lines of one revenue or usage measure must add up to.
#[derive(Default)]
struct Need {
    /// The total, when a threshold asks for one.
    total: Option<Decimal>,
    /// Distinct customers.
    customers: u64,
    /// Customers lost: each with a line in the window before the measure's,
    /// and none in it.
    lost: u64,
    /// The net new customers (new less lost) a requirement asks for.
    net: Option<u64>,
    /// The lost customers are the ones missed.
    lost_capped: bool,
    /// The net new customers are the ones missed: exactly `net`.
    net_capped: bool,
    /// The total is the one missed: no other requirement may raise it.
    total_capped: bool,
    /// The customers are the ones missed.
    customers_capped: bool,
    /// The total is spread evenly over the window's months (`in every
    /// month`), not booked on its last day.
    spread: bool,
}

struct Builder<'p> {
    policy: &'p Policy,
    as_of: NaiveDate,
    market: Option<MarketId>,
}

impl Builder<'_> {
    /// The partner for one combination of branches.
    fn partner(
        &self,
        tier: &Tier,
        chosen: &BTreeMap<Vec<usize>, usize>,
        target: Option<&[usize]>,
    ) -> Result<PartnerOut, String> {
        let mut active = Vec::new();
        collect_active(&tier.requirements, &[], chosen, &mut active);
        let mut partner = PartnerOut {
            id: "example".to_owned(),
            market: self
                .market
                .and_then(|m| self.policy.markets.get(m.0))
                .map(|m| m.id.clone()),
            attributes: Vec::new(),
            people: Vec::new(),
            revenue: Vec::new(),
            usage: Vec::new(),
        };
        let mut needs: BTreeMap<usize, Need> = BTreeMap::new();
        for (path, requirement) in &active {
            let below = target == Some(path.as_slice());
            match requirement {
                Requirement::Attribute(a, _) => {
                    if !below && let Some(attribute) = self.policy.attributes.get(a.0) {
                        partner.attributes.push(attribute.id.clone());
                    }
                }
                Requirement::People(p) => {
                    let people = self.people(p, below)?;
                    for exams in people {
                        partner.people.push(PersonOut {
                            id: format!("person-{}", partner.people.len() + 1),
                            exams,
                        });
                    }
                }
                Requirement::Measure(m) => {
                    let measure = self
                        .policy
                        .measures
                        .get(m.measure.0)
                        .ok_or("a measure the policy does not declare")?;
                    let threshold = m.thresholds.for_market(self.market).ok_or_else(|| {
                        format!(
                            "`{}` has no threshold for the partner's market",
                            measure.name
                        )
                    })?;
                    let months = Decimal::from(measure.window_months.max(1));
                    let step = if measure.is_money() {
                        Decimal::new(1, 2)
                    } else {
                        Decimal::ONE
                    };
                    // Just short of and just meeting the threshold: for `>`,
                    // at it and one step above.
                    let compared = match (below, m.more_than) {
                        (true, false) => threshold.amount - step,
                        (false, true) => threshold.amount + step,
                        _ => threshold.amount,
                    };
                    if compared < Decimal::ZERO {
                        return Err(format!(
                            "`{}` cannot be below a threshold of zero",
                            measure.name
                        ));
                    }
                    let total = if m.per_month || m.every_month {
                        compared * months
                    } else {
                        compared
                    };
                    match &measure.kind {
                        // New customers are built as distinct ones: each
                        // with a line above zero in the window and none
                        // before it. Lost ones each have a line in the
                        // window before and none in it; net new ones are new
                        // ones beyond the lost.
                        MeasureKind::DistinctCustomers { of, count } => {
                            let need = needs.entry(of.0).or_default();
                            // Whole customers: at least the threshold.
                            let whole = total.ceil().to_u64().ok_or_else(|| {
                                format!("`{}` asks for too many customers", measure.name)
                            })?;
                            match count {
                                crate::model::CustomerCount::Lost => {
                                    if below {
                                        need.lost = whole;
                                        need.lost_capped = true;
                                    } else {
                                        need.lost = need.lost.max(whole);
                                    }
                                }
                                crate::model::CustomerCount::NetNew => {
                                    if below {
                                        need.net = Some(whole);
                                        need.net_capped = true;
                                    } else {
                                        need.net = Some(need.net.map_or(whole, |n| n.max(whole)));
                                    }
                                }
                                crate::model::CustomerCount::New
                                | crate::model::CustomerCount::Distinct => {
                                    if below || need.customers_capped {
                                        if need.customers_capped && whole != need.customers {
                                            return Err(
                                                "two requirements on the same customers".into()
                                            );
                                        }
                                        need.customers = whole;
                                        need.customers_capped = true;
                                    } else {
                                        need.customers = need.customers.max(whole);
                                    }
                                }
                            }
                        }
                        MeasureKind::Revenue { .. } | MeasureKind::Usage { .. } => {
                            let need = needs.entry(m.measure.0).or_default();
                            need.spread |= m.every_month;
                            if below {
                                need.total = Some(total);
                                need.total_capped = true;
                            } else if !need.total_capped {
                                need.total = Some(need.total.map_or(total, |t| t.max(total)));
                            } else if need.total.is_some_and(|t| t < total) {
                                return Err(format!(
                                    "`{}` cannot be below one threshold and meet a higher one",
                                    measure.name
                                ));
                            }
                        }
                    }
                }
                Requirement::Either(..) => {}
            }
        }
        let mut customer = 0usize;
        // A measure restricted to another's customers (`for customers of`)
        // after that one, so that its lines can be of the same customers.
        let mut order: Vec<(usize, Need)> = needs.into_iter().collect();
        order.sort_by_key(|(m, _)| self.restriction_depth(*m));
        let mut made: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        for (measure_index, mut need) in order {
            // Net new customers are new ones beyond those lost; just below
            // a net count, more new customers than it allows lose the
            // difference.
            if let Some(net) = need.net {
                let new = net.checked_add(need.lost).ok_or("too many customers")?;
                if need.customers_capped && need.customers < new {
                    return Err("two requirements on the same customers".into());
                }
                need.customers = need.customers.max(new);
                if need.net_capped && need.customers > new {
                    if need.lost_capped {
                        return Err("two requirements on the same customers".into());
                    }
                    need.lost = need.customers - net;
                }
            }
            let before = (partner.revenue.len(), partner.usage.len());
            self.lines(measure_index, &need, &mut customer, &mut partner, &made)?;
            let customers = partner
                .revenue
                .iter()
                .skip(before.0)
                .map(|l| l.customer.clone())
                .chain(
                    partner
                        .usage
                        .iter()
                        .skip(before.1)
                        .map(|l| l.customer.clone()),
                );
            made.entry(measure_index).or_default().extend(customers);
        }
        Ok(partner)
    }

    /// The people filling a requirement's roles, as their passes; one
    /// person short when `below`.
    fn people(&self, p: &PeopleRequirement, below: bool) -> Result<Vec<Vec<PassOut>>, String> {
        let mut role_passes = Vec::new();
        for role in &p.roles {
            let mut passes: Vec<PassOut> = Vec::new();
            for g in &role.groups {
                for pass in self.group_passes(*g, 0)? {
                    if !passes.contains(&pass) {
                        passes.push(pass);
                    }
                }
            }
            role_passes.push((role.count as usize, passes));
        }
        let mut people: Vec<Vec<PassOut>> = Vec::new();
        if p.distinct {
            // One short: the last role that asks for anyone loses a person.
            let short = if below {
                Some(
                    role_passes
                        .iter()
                        .rposition(|(count, _)| *count > 0)
                        .ok_or("the roles ask for nobody")?,
                )
            } else {
                None
            };
            for (r, (count, passes)) in role_passes.iter().enumerate() {
                let heads = if short == Some(r) {
                    count.saturating_sub(1)
                } else {
                    *count
                };
                people.extend(std::iter::repeat_n(passes.clone(), heads));
            }
        } else {
            let most = role_passes.iter().map(|(c, _)| *c).max().unwrap_or(0);
            let heads = if below {
                most.checked_sub(1).ok_or("the roles ask for nobody")?
            } else {
                most
            };
            for i in 0..heads {
                let mut passes: Vec<PassOut> = Vec::new();
                for (count, role) in &role_passes {
                    if i < *count {
                        for pass in role {
                            if !passes.contains(pass) {
                                passes.push(pass.clone());
                            }
                        }
                    }
                }
                people.push(passes);
            }
        }
        Ok(people)
    }

    /// Passes that satisfy a group at the as-of date: one member of `any`
    /// (the first that can count), every member of `all`.
    fn group_passes(&self, group: GroupId, depth: usize) -> Result<Vec<PassOut>, String> {
        let g = self
            .policy
            .groups
            .get(group.0)
            .filter(|_| depth < 64)
            .ok_or("a group the policy does not declare")?;
        let mut out = Vec::new();
        let mut last = String::new();
        for member in &g.members {
            let passes = match member {
                GroupMember::Exam(e) => self.exam_pass(*e).map(|p| vec![p]),
                GroupMember::Group(inner) => self.group_passes(*inner, depth + 1),
            };
            match (g.quantifier, passes) {
                (Quantifier::Any, Ok(passes)) => return Ok(passes),
                (Quantifier::Any, Err(why)) => last = why,
                (Quantifier::All, Ok(passes)) => out.extend(passes),
                (Quantifier::All, Err(why)) => return Err(why),
            }
        }
        match g.quantifier {
            Quantifier::All => Ok(out),
            Quantifier::Any => Err(format!(
                "no credential of group `{}` counts at {}{}",
                g.name,
                self.as_of,
                if last.is_empty() {
                    String::new()
                } else {
                    format!(" ({last})")
                }
            )),
        }
    }

    /// A pass of an exam that counts at the as-of date: dated the as-of
    /// date, or the retirement date when that is earlier.
    fn exam_pass(&self, exam: ExamId) -> Result<PassOut, String> {
        let e = self
            .policy
            .exams
            .get(exam.0)
            .ok_or("an exam the policy does not declare")?;
        let date = e.retires.map_or(self.as_of, |r| r.min(self.as_of));
        match e.pass_status(date, self.as_of) {
            PassStatus::Counts => Ok(PassOut {
                code: e.code.clone(),
                passed: date.to_string(),
            }),
            PassStatus::BeforeAvailable => Err(format!(
                "`{}` is available from {}",
                e.code,
                e.available_from.map_or_else(String::new, |d| d.to_string())
            )),
            _ => Err(format!("`{}` is no longer accepted", e.code)),
        }
    }

    /// How many `for customers of` links lead from a measure.
    fn restriction_depth(&self, measure: usize) -> usize {
        let mut depth = 0;
        let mut at = measure;
        while let Some(MeasureKind::Revenue { filter, .. } | MeasureKind::Usage { filter, .. }) =
            self.policy.measures.get(at).map(|m| &m.kind)
        {
            match filter.customers_of {
                Some(other) if depth <= self.policy.measures.len() => {
                    depth += 1;
                    at = other.0;
                }
                _ => break,
            }
        }
        depth
    }

    /// Lines adding up to a measure's need. A measure restricted to the
    /// customers of another has its lines at the customers `made` for
    /// that one, or, when there are none, at a customer given the smallest
    /// line that one counts.
    fn lines(
        &self,
        measure_index: usize,
        need: &Need,
        customer: &mut usize,
        partner: &mut PartnerOut,
        made: &BTreeMap<usize, Vec<String>>,
    ) -> Result<(), String> {
        let measure = self
            .policy
            .measures
            .get(measure_index)
            .ok_or("a measure the policy does not declare")?;
        let step = if measure.is_money() {
            Decimal::new(1, 2)
        } else {
            Decimal::ONE
        };
        let total = need.total.unwrap_or(Decimal::ZERO);
        let count = need.customers.max(u64::from(need.total.is_some()));
        if count == 0 && need.lost == 0 {
            return Ok(());
        }
        let n = Decimal::from(count);
        let max_aggregate = matches!(
            measure.kind,
            MeasureKind::Usage {
                aggregate: Aggregate::Max,
                ..
            }
        );
        let amounts: Vec<Decimal> = if max_aggregate {
            vec![total.max(step); usize::try_from(count).unwrap_or(0)]
        } else if need.total.is_none() {
            vec![step; usize::try_from(count).unwrap_or(0)]
        } else {
            // Equal shares rounded down to the step; the last takes the rest.
            let share = (total / n / step).floor() * step;
            let mut list = vec![share; usize::try_from(count).unwrap_or(0)];
            if let Some(last) = list.last_mut() {
                *last = total - share * (n - Decimal::ONE);
            }
            list
        };
        // The last day of the measure's window or period, which it always
        // holds; spread, the last day of each of its months, in equal shares.
        let window = crate::eval::window::Window::of(measure.period, self.as_of);
        let mut dated: Vec<(Decimal, String)> = if need.spread {
            let months = window.months(measure.window_months);
            let share = total / Decimal::from(months.len().max(1));
            months.iter().map(|m| (share, m.end.to_string())).collect()
        } else {
            let date = window.end.to_string();
            amounts.into_iter().map(|a| (a, date.clone())).collect()
        };
        // Lost customers: one line each on the last day of the window before
        // (the window's exclusive start), none in the window.
        dated.extend(std::iter::repeat_n(
            (step, window.start.to_string()),
            usize::try_from(need.lost).unwrap_or(0),
        ));
        let (filter, kind) = match &measure.kind {
            MeasureKind::Revenue {
                revenue_types,
                filter,
            } => (
                filter,
                Ok(revenue_types
                    .first()
                    .ok_or("a revenue measure without a type")?),
            ),
            MeasureKind::Usage { metric, filter, .. } => (filter, Err(metric)),
            MeasureKind::DistinctCustomers { .. } => return Ok(()),
        };
        let product = self.product(measure_index, &filter.names);
        let associations: Vec<String> = filter
            .associations
            .first()
            .and_then(|a| self.policy.associations.get(a.0))
            .map(|a| vec![a.id.clone()])
            .unwrap_or_default();
        let currency = self.currency();
        let fields = self.field_values(filter);
        let theirs = filter
            .customers_of
            .and_then(|other| made.get(&other.0))
            .filter(|c| !c.is_empty());
        for (k, (amount, date)) in dated.into_iter().enumerate() {
            let customer_id = match theirs {
                Some(theirs) => theirs.get(k % theirs.len()).cloned().unwrap_or_default(),
                None => {
                    *customer += 1;
                    let id = format!("customer-{customer}");
                    // `for customers of OTHER`, which has no lines: the
                    // customer is made one of OTHER's, with the smallest
                    // line OTHER counts.
                    if let Some(other) = filter.customers_of {
                        let mut same = *customer - 1;
                        let money = self
                            .policy
                            .measures
                            .get(other.0)
                            .is_some_and(crate::model::Measure::is_money);
                        let smallest = Need {
                            total: Some(if money {
                                Decimal::new(1, 2)
                            } else {
                                Decimal::ONE
                            }),
                            customers: 1,
                            ..Need::default()
                        };
                        self.lines(other.0, &smallest, &mut same, partner, made)?;
                    }
                    id
                }
            };
            match kind {
                Ok(revenue_type) => partner.revenue.push(RevenueOut {
                    customer: customer_id,
                    product: product.clone(),
                    kind: revenue_type.clone(),
                    amount: money(amount),
                    currency: currency.clone().ok_or("the policy names no currency")?,
                    date: date.clone(),
                    associations: associations.clone(),
                    fields: fields.clone(),
                }),
                Err(metric) => partner.usage.push(UsageOut {
                    customer: customer_id,
                    metric: metric.clone(),
                    product: product.clone(),
                    quantity: amount.normalize().to_string(),
                    date: date.clone(),
                    associations: associations.clone(),
                    paid: filter.paid_only,
                    fields: fields.clone(),
                }),
            }
        }
        Ok(())
    }

    /// A value of each field `filter` tests that meets its condition: the
    /// first value listed, or for `is not`, a value of a closed field not
    /// listed (or, for an open field, one unlike every value listed).
    fn field_values(
        &self,
        filter: &crate::model::LineFilter,
    ) -> std::collections::BTreeMap<String, String> {
        filter
            .conditions
            .iter()
            .filter_map(|c| {
                let field = self.policy.fields.get(c.field.0)?;
                let value = if c.negated {
                    match &field.values {
                        Some(values) => values.iter().find(|v| c.holds(v))?.clone(),
                        None => {
                            let mut other = "other".to_owned();
                            while !c.holds(&other) {
                                other.push('_');
                            }
                            other
                        }
                    }
                } else {
                    c.values.first()?.clone()
                };
                Some((field.id.clone(), value))
            })
            .collect()
    }

    /// The product of a measure that the fewest other measures also count,
    /// so that a line for one measure does not raise another.
    fn product(&self, measure_index: usize, products: &[String]) -> String {
        products
            .iter()
            .min_by_key(|p| {
                self.policy
                    .measures
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != measure_index)
                    .filter(|(_, m)| match &m.kind {
                        MeasureKind::Revenue { filter, .. } | MeasureKind::Usage { filter, .. } => {
                            filter.names.contains(p)
                        }
                        MeasureKind::DistinctCustomers { .. } => false,
                    })
                    .count()
            })
            .cloned()
            .unwrap_or_default()
    }

    /// The currency of the policy's money thresholds.
    fn currency(&self) -> Option<String> {
        self.policy.currency.clone()
    }
}

/// Money with two decimals: `100000.00`.
fn money(amount: Decimal) -> String {
    let mut rounded = amount.round_dp(2);
    rounded.rescale(2);
    rounded.to_string()
}

/// The requirements built for one combination of branches, with their paths.
fn collect_active<'r>(
    list: &'r [Requirement],
    prefix: &[usize],
    chosen: &BTreeMap<Vec<usize>, usize>,
    out: &mut Vec<(Vec<usize>, &'r Requirement)>,
) {
    for (i, r) in list.iter().enumerate() {
        let mut here = prefix.to_vec();
        here.push(i);
        if let Requirement::Either(branches, _) = r {
            let b = chosen.get(&here).copied().unwrap_or(0);
            if let Some(branch) = branches.get(b) {
                let mut inner = here.clone();
                inner.push(b);
                collect_active(&branch.requirements, &inner, chosen, out);
            }
        } else {
            out.push((here, r));
        }
    }
}

/// Evaluates a partner and checks that it gives the asked result.
#[expect(
    clippy::too_many_arguments,
    reason = "one call site; the pieces of one request"
)]
fn check(
    policy: &Policy,
    request: &Request<'_>,
    partner: &PartnerOut,
    option: usize,
    tier: usize,
    target: Option<&LabeledRequirement>,
    effective: Option<&[usize]>,
    top: &[&LabeledRequirement],
    labels: &[LabeledRequirement],
) -> Result<Example, String> {
    let json = serde_json::to_string(partner).map_err(|e| e.to_string())?;
    let framed = read::whole_text("example", json);
    let record = match framed.into_iter().next() {
        Some(Ok(record)) => record,
        Some(Err(err)) => return Err(err.to_string()),
        None => return Err("no partner was made".to_owned()),
    };
    let evaluator = Evaluator::new(policy, request.as_of);
    let outcome = Partner::parse(&record)
        .and_then(|p| evaluator.evaluate(&p))
        .map_err(|errors| {
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        })?;
    let tier_outcome = outcome
        .options
        .get(option)
        .and_then(|o| o.tiers.get(tier))
        .ok_or("the evaluation has no outcome for the tier")?;
    let state = |l: &LabeledRequirement| policy_test::outcome_of(&outcome, l).map(|o| o.met());
    let mut met = Vec::new();
    let mut unmet = Vec::new();
    for l in top {
        match state(l) {
            Some(true) => met.push(short(policy, &l.label)),
            Some(false) => unmet.push(short(policy, &l.label)),
            None => {}
        }
    }
    let mut shortfall = None;
    let mut roles = Vec::new();
    match (target, effective) {
        (None, _) => {
            if !tier_outcome.met {
                return Err(format!("it misses {}", unmet.join(", ")));
            }
        }
        (Some(target), Some(effective)) => {
            if tier_outcome.met {
                return Err(format!("it still meets the tier with {}", target.label));
            }
            let missed = labels
                .iter()
                .find(|l| l.path == effective)
                .ok_or("the missed requirement has no label")?;
            if state(missed) != Some(false) || state(target) != Some(false) {
                return Err(format!("{} is met", missed.label));
            }
            let others_unmet: Vec<&String> = top
                .iter()
                .filter(|l| l.path.first() != target.path.first())
                .filter(|l| state(l) == Some(false))
                .map(|l| &l.label)
                .collect();
            if !others_unmet.is_empty() {
                return Err(format!(
                    "it also misses {}",
                    others_unmet
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            match policy_test::outcome_of(&outcome, missed) {
                Some(RequirementOutcome::Measure(m)) => {
                    shortfall = m.shortfall.map(|s| (short(policy, &missed.label), s));
                }
                Some(RequirementOutcome::People(p)) => {
                    for (i, (filled, required)) in p.filled.iter().zip(&p.required).enumerate() {
                        roles.push((
                            format!("{} role {}", short(policy, &missed.label), i + 1),
                            *filled >= *required as usize,
                            *filled,
                        ));
                    }
                }
                _ => {}
            }
            // The missed requirement and, inside `either`, the one asked for.
            for label in [&target.label, &missed.label] {
                let label = short(policy, label);
                if !unmet.contains(&label) {
                    unmet.push(label);
                }
            }
        }
        (Some(_), None) => return Err("no requirement to miss".to_owned()),
    }
    Ok(Example {
        partner: partner.clone(),
        reached: reached(policy, &outcome),
        met,
        unmet,
        shortfall,
        roles,
        as_of: request.as_of,
        title: String::new(),
    })
}

/// A label as a test file with one option writes it: `gold/crm`.
fn short(policy: &Policy, label: &str) -> String {
    match policy.options.as_slice() {
        [only] => label
            .strip_prefix(&format!("{}/", only.name))
            .unwrap_or(label)
            .to_owned(),
        _ => label.to_owned(),
    }
}

fn reached(policy: &Policy, outcome: &PartnerOutcome<'_>) -> Option<String> {
    outcome
        .tier
        .and_then(|t| policy.tiers.get(t.0))
        .map(|t| t.id.clone())
}

impl Example {
    /// The partner as pretty JSON.
    pub fn json(&self) -> String {
        serde_json::to_string_pretty(&self.partner).unwrap_or_default()
    }

    /// The example as a `[[case]]` of a test file, in the compact form where
    /// it is shorter.
    pub fn case(&self) -> String {
        let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
        let list = |items: &[String]| {
            let quoted: Vec<String> = items.iter().map(|s| q(s)).collect();
            format!("[{}]", quoted.join(", "))
        };
        let mut out = String::from("[[case]]\n");
        out.push_str(&format!("name = {}\n", q(&self.title)));
        out.push_str(&format!("as_of = \"{}\"\n", self.as_of));
        out.push_str(&format!(
            "expect = {}\n",
            q(self.reached.as_deref().unwrap_or("none"))
        ));
        if !self.met.is_empty() {
            out.push_str(&format!("met = {}\n", list(&self.met)));
        }
        if !self.unmet.is_empty() {
            out.push_str(&format!("unmet = {}\n", list(&self.unmet)));
        }
        if let Some((label, amount)) = &self.shortfall {
            out.push_str(&format!(
                "shortfall = {{ {} = \"{}\" }}\n",
                q(label),
                amount.normalize()
            ));
        }
        if !self.roles.is_empty() {
            let roles: Vec<String> = self
                .roles
                .iter()
                .map(|(name, met, filled)| {
                    format!("{} = {{ met = {met}, filled = {filled} }}", q(name))
                })
                .collect();
            out.push_str(&format!("roles = {{ {} }}\n", roles.join(", ")));
        }
        let p = &self.partner;
        out.push_str(&format!("partner = {{ id = {}", q(&p.id)));
        if let Some(market) = &p.market {
            out.push_str(&format!(", market = {}", q(market)));
        }
        if !p.attributes.is_empty() {
            out.push_str(&format!(", attributes = {}", list(&p.attributes)));
        }
        let mut entries: Vec<(String, Vec<String>)> = Vec::new();
        if !p.people.is_empty() {
            entries.push(("people".to_owned(), self.compact_people(&q, &list)));
        }
        let full = |line: &dyn erased::Line| line.full(&q);
        // Compact entries get a fresh customer each: lines that share a
        // customer (`for customers of`) are written in full.
        let customers: std::collections::BTreeSet<&str> = p
            .revenue
            .iter()
            .map(|l| l.customer.as_str())
            .chain(p.usage.iter().map(|l| l.customer.as_str()))
            .collect();
        let shared = customers.len() < p.revenue.len() + p.usage.len();
        if shared || p.revenue.iter().any(|l| !l.fields.is_empty()) {
            entries.push((
                "revenue".to_owned(),
                p.revenue.iter().map(|l| full(l)).collect(),
            ));
        } else if !p.revenue.is_empty() {
            let lines = group(&p.revenue, |l| RevenueOut {
                customer: String::new(),
                ..l.clone()
            });
            let written = lines
                .iter()
                .map(|(n, l)| {
                    let mut fields = vec![
                        format!("product = {}", q(&l.product)),
                        format!("type = {}", q(&l.kind)),
                        format!("amount = {}", q(&l.amount)),
                        format!("date = {}", q(&l.date)),
                    ];
                    if !l.associations.is_empty() {
                        fields.push(format!("associations = {}", list(&l.associations)));
                    }
                    format!("{{ count = {n}, {} }}", fields.join(", "))
                })
                .collect();
            entries.push(("revenue".to_owned(), written));
        }
        if shared || p.usage.iter().any(|l| !l.fields.is_empty()) {
            entries.push((
                "usage".to_owned(),
                p.usage.iter().map(|l| full(l)).collect(),
            ));
        } else if !p.usage.is_empty() {
            let lines = group(&p.usage, |l| UsageOut {
                customer: String::new(),
                ..l.clone()
            });
            let written = lines
                .iter()
                .map(|(n, l)| {
                    let mut fields = vec![
                        format!("metric = {}", q(&l.metric)),
                        format!("product = {}", q(&l.product)),
                        format!("quantity = {}", q(&l.quantity)),
                        format!("date = {}", q(&l.date)),
                    ];
                    if !l.associations.is_empty() {
                        fields.push(format!("associations = {}", list(&l.associations)));
                    }
                    if l.paid {
                        fields.push("paid = true".to_owned());
                    }
                    format!("{{ count = {n}, {} }}", fields.join(", "))
                })
                .collect();
            entries.push(("usage".to_owned(), written));
        }
        for (key, items) in entries {
            out.push_str(&format!(", {key} = [\n"));
            for item in items {
                out.push_str(&format!("  {item},\n"));
            }
            out.push(']');
        }
        out.push_str(" }\n");
        out
    }

    fn compact_people(
        &self,
        q: &dyn Fn(&str) -> String,
        list: &dyn Fn(&[String]) -> String,
    ) -> Vec<String> {
        let groups = group(&self.partner.people, |p| PersonOut {
            id: String::new(),
            exams: p.exams.clone(),
        });
        let mut written = 0usize;
        groups
            .iter()
            .map(|(n, person)| {
                let dates: Vec<&String> = person.exams.iter().map(|e| &e.passed).collect();
                let same_date = dates.windows(2).all(|w| w.first() == w.last());
                match dates.first() {
                    Some(date) if same_date => {
                        let codes: Vec<String> =
                            person.exams.iter().map(|e| e.code.clone()).collect();
                        format!(
                            "{{ count = {n}, passes = {}, passed = {} }}",
                            list(&codes),
                            q(date)
                        )
                    }
                    _ => {
                        let exams: Vec<String> = person
                            .exams
                            .iter()
                            .map(|e| {
                                format!("{{ code = {}, passed = {} }}", q(&e.code), q(&e.passed))
                            })
                            .collect();
                        let one = format!("exams = [{}]", exams.join(", "));
                        // Written out, each person needs an id of their own.
                        (0..*n)
                            .map(|_| {
                                written += 1;
                                format!("{{ id = \"E-{written}\", {one} }}")
                            })
                            .collect::<Vec<_>>()
                            .join(",\n  ")
                    }
                }
            })
            .collect()
    }
}

/// Consecutive runs of items equal under `key`, with their lengths.
fn group<T: Clone + PartialEq>(items: &[T], key: impl Fn(&T) -> T) -> Vec<(usize, T)> {
    let mut out: Vec<(usize, T)> = Vec::new();
    for item in items {
        let k = key(item);
        match out.last_mut() {
            Some((n, last)) if *last == k => *n += 1,
            _ => out.push((1, k)),
        }
    }
    out
}

/// The example as a test case, checked: parsed, validated and run as
/// `rubric test` would.
pub fn checked_case(policy: &Policy, example: &Example) -> Result<String, ExampleError> {
    let case = example.case();
    let file = policy_test::parse(&case).map_err(|errors| {
        ExampleError::CaseFails(
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        )
    })?;
    let errors = policy_test::validate(&file, policy);
    if let Some(first) = errors.first() {
        return Err(ExampleError::CaseFails(first.to_string()));
    }
    for result in policy_test::run(&file, policy) {
        if !result.passed {
            return Err(ExampleError::CaseFails(result.differences.join("; ")));
        }
    }
    Ok(case)
}

/// Lines written in full in a compact test case (one table a line, with
/// its customer), for lines that carry field values, which compact
/// entries do not.
mod erased {
    use serde::Serialize;

    /// A revenue or usage line.
    pub(super) trait Line {
        /// The line as an inline TOML table.
        fn full(&self, q: &dyn Fn(&str) -> String) -> String;
    }

    fn table<T: Serialize>(line: &T, q: &dyn Fn(&str) -> String) -> String {
        let Ok(serde_json::Value::Object(map)) = serde_json::to_value(line) else {
            return "{}".to_owned();
        };
        let entries: Vec<String> = map
            .iter()
            .map(|(key, value)| {
                let value = match value {
                    serde_json::Value::String(s) => q(s),
                    serde_json::Value::Array(items) => {
                        let items: Vec<String> = items
                            .iter()
                            .map(|i| q(i.as_str().unwrap_or_default()))
                            .collect();
                        format!("[{}]", items.join(", "))
                    }
                    other => other.to_string(),
                };
                format!("{} = {value}", q(key))
            })
            .collect();
        format!("{{ {} }}", entries.join(", "))
    }

    impl Line for super::RevenueOut {
        fn full(&self, q: &dyn Fn(&str) -> String) -> String {
            table(self, q)
        }
    }

    impl Line for super::UsageOut {
        fn full(&self, q: &dyn Fn(&str) -> String) -> String {
            table(self, q)
        }
    }
}
