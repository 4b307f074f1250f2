//! The readable report: per partner, each option and tier with ✓/✗, the
//! evidence behind each requirement and what is missing.

use std::fmt::Write as _;

use super::{amount_grouped, no_threshold_note};
use crate::data::Partner;
use crate::eval::{Exclusion, PartnerOutcome, RequirementOutcome};
use crate::model::{Policy, Requirement, Thresholds};

fn mark(met: bool) -> &'static str {
    if met { "✓" } else { "✗" }
}

/// Renders one evaluated partner.
pub fn partner(policy: &Policy, partner: &Partner<'_>, outcome: &PartnerOutcome) -> String {
    let mut out = String::new();
    let tier = outcome
        .tier
        .and_then(|t| policy.tiers.get(t.0))
        .map_or("no tier", |t| t.id.as_str());
    let _ = write!(out, "partner {}", partner.id.text());
    if let Some(name) = &partner.name {
        let _ = write!(out, " {name:?}");
    }
    if let Some(market) = &partner.market {
        let _ = write!(out, " (market {market})");
    }
    let _ = writeln!(out, ": {tier}");
    for (option, o) in policy.options.iter().zip(&outcome.options) {
        let option_tier = o
            .tier
            .and_then(|t| policy.tiers.get(t.0))
            .map_or("no tier", |t| t.id.as_str());
        let title = option
            .title
            .as_deref()
            .map(|t| format!(" {t:?}"))
            .unwrap_or_default();
        let _ = writeln!(out, "  option {}{title}: {option_tier}", option.name);
        for (tier, t) in option.tiers.iter().zip(&o.tiers) {
            let name = policy.tiers.get(t.level.0).map_or("", |l| l.id.as_str());
            let _ = writeln!(out, "    {} {name}", mark(t.met));
            for (req, r) in tier.requirements.iter().zip(&t.requirements) {
                requirement(&mut out, policy, partner, outcome, req, r);
            }
        }
    }
    out
}

fn requirement(
    out: &mut String,
    policy: &Policy,
    partner: &Partner<'_>,
    outcome: &PartnerOutcome,
    req: &Requirement,
    result: &RequirementOutcome,
) {
    let currency = policy.currency.as_deref().unwrap_or("");
    match (req, result) {
        (Requirement::Revenue(req), RequirementOutcome::Revenue(r)) => {
            let measure = policy
                .measures
                .get(r.measure.0)
                .map_or("", |m| m.name.as_str());
            let actual = amount_grouped(r.actual);
            let market = match (&req.thresholds, partner.market.as_deref()) {
                (Thresholds::PerMarket(_), Some(m)) => format!(" ({m})"),
                _ => String::new(),
            };
            let _ = match (r.required, r.shortfall) {
                (Some(required), Some(short)) if !r.met => writeln!(
                    out,
                    "        ✗ revenue {measure}: {actual} {currency} of {} {currency} required{market}: short by {} {currency}",
                    amount_grouped(required),
                    amount_grouped(short)
                ),
                (Some(required), _) => writeln!(
                    out,
                    "        ✓ revenue {measure}: {actual} {currency} of {} {currency} required{market}",
                    amount_grouped(required)
                ),
                (None, _) => writeln!(
                    out,
                    "        ✗ revenue {measure}: {actual} {currency}, but {}",
                    no_threshold_note(partner.market.as_deref())
                ),
            };
            if let Some(totals) = outcome.measures.get(r.measure.0) {
                let reasons = [
                    (Exclusion::OtherType, "other type"),
                    (Exclusion::OtherProduct, "other product"),
                    (Exclusion::OutsideWindow, "outside the window"),
                    (Exclusion::NotPartnerOfRecord, "not partner of record"),
                ];
                let excluded: Vec<String> = reasons
                    .iter()
                    .filter_map(|(why, text)| {
                        let n = totals.excluded.get(*why as usize).copied().unwrap_or(0);
                        (n > 0).then(|| format!("{n} {text}"))
                    })
                    .collect();
                let lines = totals.counted.len();
                let plural = if lines == 1 { "" } else { "s" };
                let _ = if excluded.is_empty() {
                    writeln!(out, "            {lines} line{plural} counted")
                } else {
                    writeln!(
                        out,
                        "            {lines} line{plural} counted; not counted: {}",
                        excluded.join(", ")
                    )
                };
            }
        }
        (Requirement::People(req), RequirementOutcome::People(p)) => {
            let required: u64 = req.roles.iter().map(|r| u64::from(r.count)).sum();
            let filled: u64 = p.assignment.filled.iter().map(|f| f.len() as u64).sum();
            let kind = if p.distinct {
                "distinct people"
            } else {
                "people"
            };
            let _ = writeln!(
                out,
                "        {} {kind}: {filled} of {required} filled",
                mark(p.met)
            );
            for (i, role) in req.roles.iter().enumerate() {
                let chosen = p.assignment.filled.get(i).map_or(&[][..], Vec::as_slice);
                let names: Vec<String> = chosen
                    .iter()
                    .filter_map(|&k| partner.people.get(k))
                    .map(|person| match &person.name {
                        Some(name) => format!("{name} ({})", person.id.text()),
                        None => person.id.text().into_owned(),
                    })
                    .collect();
                let missing = (role.count as usize).saturating_sub(chosen.len());
                let who = if names.is_empty() {
                    "nobody".to_owned()
                } else {
                    names.join(", ")
                };
                let _ = if missing == 0 {
                    writeln!(out, "            ✓ {}: {who}", policy.describe_role(role))
                } else {
                    let qualified = p.assignment.qualified.get(i).copied().unwrap_or(0);
                    writeln!(
                        out,
                        "            ✗ {}: {who}; {missing} more needed ({qualified} qualify)",
                        policy.describe_role(role)
                    )
                };
            }
        }
        _ => {}
    }
}
