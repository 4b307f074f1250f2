//! Tier ordering: a higher tier of an option must be at least as hard as
//! every lower tier, so that any partner meeting the higher tier also meets
//! the lower one.
//!
//! The proof works requirement by requirement: each requirement of the lower
//! tier must follow from the higher tier's requirements.
//! - A measure threshold follows from a threshold on the same measure that is
//!   no lower in every market where the higher tier can be met at all.
//! - A people requirement follows from a `distinct` one whose role slots can
//!   be matched one to one to the lower tier's (a bipartite matching), each
//!   higher slot's groups implying the lower slot's. With a single role,
//!   `distinct` and `shared` mean the same and are treated alike.
//! - An attribute follows from the same attribute.
//! - An `either` follows when one of its branches does; an `either` in the
//!   higher tier is used by cases: the requirement must follow in every branch.
//!
//! When the proof fails, a partner meeting the higher tier is built from its
//! requirements (for `shared` roles, also the fewest people holding every
//! role at once) and evaluated: if it misses the lower tier it is a
//! counterexample, confirmed by the evaluator. Otherwise the question is left
//! undecided: no proof is ever claimed that was not made.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::json;

use crate::data::{Partner, read};
use crate::eval::Evaluator;
use crate::eval::assign::{RoleSlots, assign};
use crate::model::*;

/// The verdict on one pair of tiers of an option.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every partner meeting the higher tier meets the lower one.
    Proven,
    /// A concrete partner meets the higher tier but not the lower one.
    Refuted {
        /// The lower tier's requirement that could not be derived.
        requirement: crate::ast::Span,
        /// Why, in words.
        reason: String,
        /// The partner, as JSON data, and the as-of date it was evaluated at.
        counterexample: String,
        /// The as-of date of the counterexample.
        as_of: NaiveDate,
    },
    /// Neither a proof nor a counterexample was found.
    Undecided {
        /// The lower tier's requirement that could not be derived.
        requirement: crate::ast::Span,
        /// Why the proof failed, in words.
        reason: String,
    },
}

/// The verdict on a pair of tiers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TierPair {
    /// Index of the option.
    pub option: usize,
    /// Index of the lower tier in the option.
    pub lower: usize,
    /// Index of the higher tier in the option.
    pub higher: usize,
    /// The verdict.
    pub verdict: Verdict,
}

/// Decides, for every option and every pair of its tiers, whether the higher
/// tier is at least as hard as the lower one.
pub fn tier_order(policy: &Policy) -> Vec<TierPair> {
    let mut out = Vec::new();
    for (o, option) in policy.options.iter().enumerate() {
        for (h, higher) in option.tiers.iter().enumerate() {
            for (l, lower) in option.tiers.iter().enumerate().take(h) {
                let verdict = decide(policy, lower, higher);
                out.push(TierPair {
                    option: o,
                    lower: l,
                    higher: h,
                    verdict,
                });
            }
        }
    }
    out
}

/// The requirement of `higher` that answers `requirement` of the lower tier:
/// one on the same measure, or of the same kind; else the whole tier.
pub fn counterpart(higher: &Tier, requirement: &Requirement) -> crate::ast::Span {
    let same = |r: &&Requirement| match (requirement, r) {
        (Requirement::Measure(a), Requirement::Measure(b)) => {
            a.measure == b.measure && a.per_month == b.per_month && a.every_month == b.every_month
        }
        (Requirement::People(_), Requirement::People(_)) => true,
        (Requirement::Attribute(a, _), Requirement::Attribute(b, _)) => a == b,
        (Requirement::Either(..), Requirement::Either(..)) => true,
        _ => false,
    };
    higher
        .requirements
        .iter()
        .find(same)
        .map_or(higher.span, Requirement::span)
}

fn decide(policy: &Policy, lower: &Tier, higher: &Tier) -> Verdict {
    let prover = Prover { policy };
    let failure = lower.requirements.iter().find_map(|r| {
        prover
            .implied(r, &higher.requirements)
            .err()
            .map(|why| (r.span(), why))
    });
    let Some((requirement, reason)) = failure else {
        return Verdict::Proven;
    };
    match counterexample(policy, lower, higher) {
        Some((counterexample, as_of)) => Verdict::Refuted {
            requirement,
            reason,
            counterexample,
            as_of,
        },
        None if counterexample_date(policy).is_none() => Verdict::Undecided {
            requirement,
            reason: format!(
                "{reason} (with no `effective` date, Rubric has no date to check a counterexample at)"
            ),
        },
        None => Verdict::Undecided {
            requirement,
            reason,
        },
    }
}

struct Prover<'p> {
    policy: &'p Policy,
}

/// Markets a threshold can differ in: each declared market, and any other
/// (`None`: a market the policy does not declare, or none given), unless
/// the policy's markets are closed: then a partner elsewhere is a data
/// error, never a partner that meets a tier.
fn markets(policy: &Policy) -> Vec<Option<MarketId>> {
    let mut all: Vec<Option<MarketId>> = (0..policy.markets.len())
        .map(|m| Some(MarketId(m)))
        .collect();
    if policy.closed_markets.is_none() {
        all.push(None);
    }
    all
}

impl Prover<'_> {
    fn market_name(&self, market: Option<MarketId>) -> String {
        market
            .and_then(|m| self.policy.markets.get(m.0))
            .map_or_else(
                || "markets the policy does not list".to_owned(),
                |m| format!("market `{}`", m.id),
            )
    }

    /// Where in `market` a threshold comes from, when it is the `every
    /// other market` entry: said so in the reason.
    fn entry_note(thresholds: &Thresholds, market: Option<MarketId>) -> &'static str {
        match thresholds.entry_for(market) {
            Some((ThresholdEntry::OtherMarkets, _)) => " (its `every other market` entry)",
            _ => "",
        }
    }

    fn measure_name(&self, id: MeasureId) -> &str {
        self.policy
            .measures
            .get(id.0)
            .map_or("", |m| m.name.as_str())
    }

    /// Whether `req` follows from all of `given`; `Err` says why not.
    fn implied(&self, req: &Requirement, given: &[Requirement]) -> Result<(), String> {
        let direct = self.implied_directly(req, given);
        if direct.is_ok() {
            return direct;
        }
        // Case split on an `either` among the given requirements.
        for (i, g) in given.iter().enumerate() {
            let Requirement::Either(branches, _) = g else {
                continue;
            };
            let all_branches = branches.iter().all(|b| {
                let mut cases: Vec<Requirement> = given
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, r)| r.clone())
                    .collect();
                cases.extend(b.requirements.iter().cloned());
                self.implied(req, &cases).is_ok()
            });
            if all_branches && !branches.is_empty() {
                return Ok(());
            }
        }
        direct
    }

    fn implied_directly(&self, req: &Requirement, given: &[Requirement]) -> Result<(), String> {
        match req {
            Requirement::Measure(low) => {
                let mut why = format!(
                    "the higher tier has no `{}` requirement{}",
                    self.measure_name(low.measure),
                    if low.per_month {
                        " per month"
                    } else if low.every_month {
                        " in every month"
                    } else {
                        ""
                    }
                );
                for g in given {
                    let Requirement::Measure(high) = g else {
                        continue;
                    };
                    let same =
                        high.per_month == low.per_month && high.every_month == low.every_month;
                    // A summed measure at least N in every month averages
                    // at least N a month.
                    let monthly_average = high.every_month
                        && !high.per_month
                        && low.per_month
                        && !low.every_month
                        && self.summed(high.measure);
                    if high.measure != low.measure || !(same || monthly_average) {
                        continue;
                    }
                    match self.thresholds_cover(low, high) {
                        Ok(()) => return Ok(()),
                        Err(reason) => why = reason,
                    }
                }
                Err(why)
            }
            Requirement::People(low) => {
                let mut why = "the higher tier has no people requirement".to_owned();
                for g in given {
                    let Requirement::People(high) = g else {
                        continue;
                    };
                    match self.people_cover(low, high) {
                        Ok(()) => return Ok(()),
                        Err(reason) => why = reason,
                    }
                }
                Err(why)
            }
            Requirement::Attribute(a, _) => {
                if given
                    .iter()
                    .any(|g| matches!(g, Requirement::Attribute(b, _) if b == a))
                {
                    Ok(())
                } else {
                    let name = self
                        .policy
                        .attributes
                        .get(a.0)
                        .map_or("", |a| a.id.as_str());
                    Err(format!(
                        "the higher tier does not require attribute `{name}`"
                    ))
                }
            }
            Requirement::Either(branches, _) => {
                let mut why = "no alternative of the lower tier's `either` follows".to_owned();
                for b in branches {
                    let failed = b
                        .requirements
                        .iter()
                        .find_map(|r| self.implied(r, given).err());
                    match failed {
                        None => return Ok(()),
                        Some(reason) => why = reason,
                    }
                }
                Err(why)
            }
        }
    }

    /// Whether the measure is a plain sum of lines (revenue, or usage
    /// summed without keys), whose monthly values add up to its total.
    fn summed(&self, measure: crate::model::MeasureId) -> bool {
        self.policy
            .measures
            .get(measure.0)
            .is_some_and(|m| match &m.kind {
                crate::model::MeasureKind::Revenue { .. } => true,
                crate::model::MeasureKind::Usage {
                    aggregate,
                    keys,
                    largest,
                    ..
                } => *aggregate == crate::model::Aggregate::Sum && keys.is_empty() && !largest,
                crate::model::MeasureKind::DistinctCustomers { .. } => false,
            })
    }

    fn thresholds_cover(
        &self,
        low: &MeasureRequirement,
        high: &MeasureRequirement,
    ) -> Result<(), String> {
        let measure = self.measure_name(low.measure);
        for market in markets(self.policy) {
            let Some(h) = high.thresholds.for_market(market) else {
                // No partner there meets the higher tier at all.
                continue;
            };
            match low.thresholds.for_market(market) {
                None => {
                    return Err(format!(
                        "in {} the higher tier can be met with `{measure}` but the lower tier sets no threshold",
                        self.market_name(market)
                    ));
                }
                // `> X` asks more than `>= X`; `>= X` more than `> Y` below X.
                Some(l)
                    if h.amount < l.amount
                        || (h.amount == l.amount && low.more_than && !high.more_than) =>
                {
                    let shown = |t: &Threshold, r: &MeasureRequirement| {
                        let amount = crate::money::amount(
                            t.amount,
                            t.currency.is_some(),
                            t.currency.as_deref(),
                        );
                        if r.more_than {
                            format!("more than {amount}")
                        } else {
                            amount
                        }
                    };
                    return Err(format!(
                        "in {} the higher tier requires {}{} of `{measure}`, less than the lower tier's {}{}",
                        self.market_name(market),
                        shown(h, high),
                        Self::entry_note(&high.thresholds, market),
                        shown(l, low),
                        Self::entry_note(&low.thresholds, market),
                    ));
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    fn people_cover(
        &self,
        low: &PeopleRequirement,
        high: &PeopleRequirement,
    ) -> Result<(), String> {
        // With one role, `distinct` and `shared` mean the same: the people
        // filling one role are always different people.
        let low_distinct = low.distinct && low.roles.len() > 1;
        let high_distinct = high.distinct || high.roles.len() <= 1;
        if !low_distinct {
            // Each lower role needs `count` people satisfying it: one higher
            // role with at least as many people, each implying it, suffices.
            for role in &low.roles {
                let covered = high
                    .roles
                    .iter()
                    .any(|h| h.count >= role.count && self.role_implies(h, role));
                if !covered {
                    return Err(format!(
                        "no role of the higher tier guarantees `{}`",
                        self.policy.describe_role(role)
                    ));
                }
            }
            return Ok(());
        }
        if !high_distinct {
            return Err(
                "the higher tier lets roles share people, the lower tier does not".to_owned(),
            );
        }
        // Match lower slots to higher slots, one to one: the higher slots
        // play the people, and a slot of higher role h may fill lower role l
        // when h implies l. As group masks: a slot of h holds every bit but
        // h's; role l requires the bits of the higher roles that do not imply
        // it. So the slot qualifies exactly when h implies l.
        let n = high.roles.len().min(64);
        let all = if n == 64 { u64::MAX } else { (1u64 << n) - 1 };
        let mut slots: Vec<u64> = Vec::new();
        for (h, role) in high.roles.iter().enumerate().take(64) {
            let slot = all & !(1u64 << h);
            slots.extend(std::iter::repeat_n(slot, role.count.min(100_000) as usize));
        }
        let roles_low: Vec<RoleSlots> = low
            .roles
            .iter()
            .map(|role| {
                let allowed = high
                    .roles
                    .iter()
                    .enumerate()
                    .take(64)
                    .filter(|(_, h)| self.role_implies(h, role))
                    .fold(0u64, |m, (h, _)| m | 1u64 << h);
                RoleSlots {
                    count: role.count,
                    groups: all & !allowed,
                }
            })
            .collect();
        if assign(&roles_low, &slots, true).complete(&roles_low) {
            Ok(())
        } else {
            Err("the higher tier's roles cannot cover the lower tier's roles, one person to each slot".to_owned())
        }
    }

    fn role_implies(&self, high: &Role, low: &Role) -> bool {
        low.groups.iter().all(|gl| {
            high.groups
                .iter()
                .any(|gh| self.implies(GroupMember::Group(*gh), GroupMember::Group(*gl), 0))
        })
    }

    /// Whether holding `a` guarantees holding `b`, for one person.
    fn implies(&self, a: GroupMember, b: GroupMember, depth: usize) -> bool {
        if a == b {
            return true;
        }
        if depth > 64 {
            return false;
        }
        let group = |m: GroupMember| match m {
            GroupMember::Group(g) => self.policy.groups.get(g.0),
            GroupMember::Exam(_) => None,
        };
        if let Some(ga) = group(a) {
            let by_a = match ga.quantifier {
                Quantifier::Any => {
                    !ga.members.is_empty()
                        && ga.members.iter().all(|m| self.implies(*m, b, depth + 1))
                }
                Quantifier::All => ga.members.iter().any(|m| self.implies(*m, b, depth + 1)),
            };
            if by_a {
                return true;
            }
        }
        if let Some(gb) = group(b) {
            return match gb.quantifier {
                Quantifier::Any => gb.members.iter().any(|m| self.implies(a, *m, depth + 1)),
                Quantifier::All => gb.members.iter().all(|m| self.implies(a, *m, depth + 1)),
            };
        }
        false
    }
}

/// A partner built to meet `higher`, evaluated to confirm that it does and
/// that it misses `lower`; tried in every market.
fn counterexample(policy: &Policy, lower: &Tier, higher: &Tier) -> Option<(String, NaiveDate)> {
    let as_of = counterexample_date(policy)?;
    let evaluator = Evaluator::new(policy, as_of);
    // The first try takes the first exam of each group and the first branch
    // of each `either`; later tries vary those choices.
    let tries =
        (0..SEARCH_TRIES).flat_map(|seed| markets(policy).into_iter().map(move |m| (seed, m)));
    for (seed, market) in tries {
        let mut choices = Choices { seed, step: 0 };
        let Some(partner) = build_partner(policy, higher, market, as_of, &mut choices) else {
            continue;
        };
        let Ok(pretty) = serde_json::to_string_pretty(&partner) else {
            continue;
        };
        let text = unbreakable(&pretty);
        let framed = read::whole_text("counterexample", text.clone());
        let Some(Ok(record)) = framed.into_iter().next() else {
            continue;
        };
        let Ok(parsed) = Partner::parse(&record) else {
            continue;
        };
        let Ok(outcome) = evaluator.evaluate(&parsed) else {
            continue;
        };
        let met = |tier: &Tier| {
            outcome
                .options
                .iter()
                .flat_map(|o| &o.tiers)
                .zip(policy.options.iter().flat_map(|o| &o.tiers))
                .any(|(result, t)| std::ptr::eq(t, tier) && result.met)
        };
        if met(higher) && !met(lower) {
            return Some((text, as_of));
        }
    }
    None
}

/// The as-of date a counterexample is evaluated at: the policy's effective
/// date, else the day its last exam became available (so that every exam
/// that can count does). A policy with neither has no date to check a
/// partner at, and gets no counterexample.
pub fn counterexample_date(policy: &Policy) -> Option<NaiveDate> {
    policy
        .effective
        .or_else(|| policy.exams.iter().filter_map(|e| e.available_from).max())
}

/// Lines of a counterexample longer than this keep their strings whole.
const LONG_LINE: usize = 40;

/// Pretty-printed JSON that a report wrapping at spaces cannot break inside a
/// string: on a long line, each space within a string is written `\u0020`,
/// which reads back as the same space. Short lines stay as they are, for
/// reading; a break between a key and its value leaves valid JSON.
fn unbreakable(pretty: &str) -> String {
    let mut out = String::with_capacity(pretty.len());
    for (i, line) in pretty.lines().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if line.chars().count() <= LONG_LINE {
            out.push_str(line);
            continue;
        }
        let (mut in_string, mut escaped) = (false, false);
        for c in line.chars() {
            match c {
                ' ' if in_string => out.push_str("\\u0020"),
                '"' if !escaped => {
                    in_string = !in_string;
                    out.push(c);
                }
                _ => out.push(c),
            }
            escaped = in_string && c == '\\' && !escaped;
        }
    }
    out
}

/// How many different partners to build per market before giving up.
const SEARCH_TRIES: u64 = 32;

/// Which alternative to take at each choice while building a partner: all
/// first alternatives for seed 0, a fixed pseudo-random mix for the others.
struct Choices {
    seed: u64,
    step: u64,
}

impl Choices {
    /// An index below `n`.
    fn pick(&mut self, n: usize) -> usize {
        self.step += 1;
        if self.seed == 0 || n == 0 {
            return 0;
        }
        // SplitMix64 of (seed, step): deterministic from run to run.
        let mut z = self.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ self.step.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z % n as u64) as usize
    }
}

/// `items` starting at a chosen one, wrapping around.
fn rotated<'a, T>(
    items: &'a [T],
    choices: &mut Choices,
) -> impl Iterator<Item = &'a T> + use<'a, T> {
    let start = choices.pick(items.len());
    items.iter().skip(start).chain(items.iter().take(start))
}

/// What a partner needs to hold for a tier, gathered while building it.
#[derive(Default)]
struct Needs {
    /// Per measure: the amount its lines must reach.
    measures: Vec<Decimal>,
    /// Per person: the exams (catalog indices) they hold.
    people: Vec<Vec<usize>>,
    attributes: Vec<AttributeId>,
}

fn build_partner(
    policy: &Policy,
    tier: &Tier,
    market: Option<MarketId>,
    as_of: NaiveDate,
    choices: &mut Choices,
) -> Option<serde_json::Value> {
    let mut needs = Needs {
        measures: vec![Decimal::ZERO; policy.measures.len()],
        ..Needs::default()
    };
    gather(
        policy,
        &tier.requirements,
        market,
        as_of,
        &mut needs,
        choices,
    )?;
    let mut revenue = Vec::new();
    let mut usage = Vec::new();
    for (m, measure) in policy.measures.iter().enumerate() {
        let amount = needs.measures.get(m).copied().unwrap_or_default();
        if amount <= Decimal::ZERO {
            continue;
        }
        let (base, customers) = match measure.kind {
            // New and lost customers depend on lines before the window:
            // no partner is built for them (the pair is left undecided).
            MeasureKind::DistinctCustomers { count, .. } if count != CustomerCount::Distinct => {
                return None;
            }
            MeasureKind::DistinctCustomers { of, .. } => {
                // `amount` different customers, each with an empty line.
                (
                    policy.measures.get(of.0)?,
                    amount.ceil().to_string().parse::<usize>().ok()?.min(10_000),
                )
            }
            _ => (measure, 0),
        };
        let lines: Vec<(String, Decimal)> = if customers > 0 {
            (1..=customers)
                .map(|c| (format!("C-{c}"), Decimal::ZERO))
                .collect()
        } else {
            vec![("C-1".to_owned(), amount)]
        };
        // The last day of the measure's window or period, which it always holds.
        let line_date = crate::eval::window::Window::of(base.period, as_of).end;
        for (customer, value) in lines {
            match &base.kind {
                MeasureKind::Revenue { revenue_types, filter } => revenue.push(json!({
                    "customer": customer,
                    "product": filter.names.first()?,
                    "type": revenue_types.first()?,
                    "amount": value.to_string(),
                    // A checked policy with a money threshold declares its
                    // currency (E0305 otherwise); without one, no partner.
                    "currency": policy.currency.as_deref()?,
                    "date": line_date.to_string(),
                    "associations": filter.associations.first().and_then(|a| policy.associations.get(a.0)).map(|a| vec![a.id.clone()]).unwrap_or_default(),
                })),
                MeasureKind::Usage { metric, filter, .. } => usage.push(json!({
                    "customer": customer,
                    "product": filter.names.first()?,
                    "metric": metric,
                    "quantity": value.to_string(),
                    "date": line_date.to_string(),
                    "associations": filter.associations.first().and_then(|a| policy.associations.get(a.0)).map(|a| vec![a.id.clone()]).unwrap_or_default(),
                    "paid": true,
                })),
                MeasureKind::DistinctCustomers { .. } => return None,
            }
        }
    }
    let people: Vec<serde_json::Value> = needs
        .people
        .iter()
        .enumerate()
        .map(|(i, exams)| {
            json!({
                "id": format!("E-{}", i + 1),
                "exams": exams
                    .iter()
                    .filter_map(|e| policy.exams.get(*e))
                    .map(|e| json!({"code": e.code, "passed": pass_date(e, as_of).to_string()}))
                    .collect::<Vec<_>>(),
            })
        })
        .collect();
    let attributes: Vec<&str> = needs
        .attributes
        .iter()
        .filter_map(|a| policy.attributes.get(a.0).map(|a| a.id.as_str()))
        .collect();
    let mut partner = json!({
        "id": "COUNTEREXAMPLE",
        "people": people,
        "revenue": revenue,
        "usage": usage,
        "attributes": attributes,
    });
    if let (Some(m), Some(object)) = (
        market.and_then(|m| policy.markets.get(m.0)),
        partner.as_object_mut(),
    ) {
        object.insert("market".to_owned(), json!(m.id));
    }
    Some(partner)
}

/// A pass date that counts at `as_of`, if the exam can count at all.
fn pass_date(exam: &Exam, as_of: NaiveDate) -> NaiveDate {
    let mut date = as_of;
    if let Some(retired) = exam.retires {
        date = date.min(retired);
    }
    if let Some(from) = exam.available_from {
        date = date.max(from);
    }
    date
}

fn gather(
    policy: &Policy,
    requirements: &[Requirement],
    market: Option<MarketId>,
    as_of: NaiveDate,
    needs: &mut Needs,
    choices: &mut Choices,
) -> Option<()> {
    for req in requirements {
        match req {
            Requirement::Measure(m) => {
                let threshold = m.thresholds.for_market(market)?;
                let months = policy
                    .measures
                    .get(m.measure.0)
                    .map_or(1, |x| x.window_months);
                let total = if m.per_month {
                    threshold.amount.checked_mul(Decimal::from(months))?
                } else {
                    threshold.amount
                };
                // Above the threshold, for `>`: one more unit is above even
                // as a monthly average.
                let total = if m.more_than {
                    total.checked_add(Decimal::ONE)?
                } else {
                    total
                };
                let slot = needs.measures.get_mut(m.measure.0)?;
                *slot = (*slot).max(total);
            }
            Requirement::People(p) if !p.distinct && choices.seed.is_multiple_of(2) => {
                // People may share roles: the fewest people meeting it each
                // hold a witness of every role, which is what a lower tier
                // asking for `distinct` people must be tested against.
                let count = p.roles.iter().map(|r| r.count).max().unwrap_or(0);
                for _ in 0..count.min(1_000) {
                    let mut exams = Vec::new();
                    for g in p.roles.iter().flat_map(|r| &r.groups) {
                        exams.extend(witness(policy, GroupMember::Group(*g), as_of, 0, choices)?);
                    }
                    exams.sort_unstable();
                    exams.dedup();
                    needs.people.push(exams);
                }
            }
            Requirement::People(p) => {
                for role in &p.roles {
                    // Each person of the role may hold a different witness.
                    for _ in 0..role.count.min(1_000) {
                        let mut exams = Vec::new();
                        for g in &role.groups {
                            exams.extend(witness(
                                policy,
                                GroupMember::Group(*g),
                                as_of,
                                0,
                                choices,
                            )?);
                        }
                        needs.people.push(exams);
                    }
                }
            }
            Requirement::Attribute(a, _) => needs.attributes.push(*a),
            Requirement::Either(branches, _) => {
                let branch = rotated(branches, choices).next()?;
                gather(policy, &branch.requirements, market, as_of, needs, choices)?;
            }
        }
    }
    Some(())
}

/// Exams that make one person satisfy `member` at `as_of`.
fn witness(
    policy: &Policy,
    member: GroupMember,
    as_of: NaiveDate,
    depth: usize,
    choices: &mut Choices,
) -> Option<Vec<usize>> {
    if depth > 64 {
        return None;
    }
    match member {
        GroupMember::Exam(e) => {
            let exam = policy.exams.get(e.0)?;
            (exam.pass_status(pass_date(exam, as_of), as_of) == PassStatus::Counts)
                .then(|| vec![e.0])
        }
        GroupMember::Group(g) => {
            let group = policy.groups.get(g.0)?;
            match group.quantifier {
                Quantifier::Any => {
                    let order: Vec<GroupMember> =
                        rotated(&group.members, choices).copied().collect();
                    order
                        .into_iter()
                        .find_map(|m| witness(policy, m, as_of, depth + 1, choices))
                }
                Quantifier::All => {
                    let mut all = Vec::new();
                    for m in &group.members {
                        all.extend(witness(policy, *m, as_of, depth + 1, choices)?);
                    }
                    Some(all)
                }
            }
        }
    }
}
