//! The readable report: per partner, each option and tier with ✓/✗, the
//! evidence behind each requirement and what is missing.

use std::fmt::Write as _;

use super::no_threshold_note;
use crate::data::Partner;
use crate::eval::{Evaluated, Exclusion, RequirementOutcome};
use crate::model::{self, PassStatus, Policy, ThresholdEntry};
use crate::money;

fn mark(met: bool) -> &'static str {
    if met { "✓" } else { "✗" }
}

/// Renders one evaluated partner, with as much of the reasoning as the
/// evaluation kept.
pub fn partner(policy: &Policy, evaluated: &Evaluated<'_, '_>) -> String {
    let mut out = String::new();
    let outcome = &evaluated.outcome;
    let tier = outcome
        .tier
        .and_then(|t| policy.tiers.get(t.0))
        .map_or("no tier", |t| t.id.as_str());
    let _ = write!(out, "partner {}", evaluated.id.text());
    if let Some(name) = &evaluated.name {
        let _ = write!(out, " {name:?}");
    }
    if let Some(market) = &evaluated.market {
        let _ = write!(out, " (market {market})");
    }
    let _ = writeln!(out, ": {tier}");
    for flag in &evaluated.flags {
        let problem = match flag.status {
            PassStatus::BeforeAvailable => "before the exam was available",
            _ => "after the exam retired",
        };
        let who = match &flag.person_name {
            Some(name) => format!("{name} ({})", flag.person.text()),
            None => flag.person.text().into_owned(),
        };
        let _ = writeln!(
            out,
            "  ! {who} passed {} on {}, {problem}: not counted",
            flag.exam, flag.passed
        );
    }
    if let Some(partner) = evaluated.partner {
        for renamed in crate::eval::renamed::renamed_passes(policy, partner) {
            let who = partner.people.get(renamed.person).map(person_label);
            let _ = writeln!(
                out,
                "  ~ {} passed {} on {}, recorded under its former name: read as {}",
                who.unwrap_or_default(),
                renamed.recorded_as,
                renamed.passed,
                renamed.counted_as
            );
        }
        // 1-based, as the other line evidence ("revenue line 2").
        for renamed in crate::eval::renamed::renamed_lines(policy, partner) {
            let list = match renamed.list {
                crate::eval::renamed::LineList::Revenue => "revenue",
                crate::eval::renamed::LineList::Usage => "usage",
            };
            let _ = writeln!(
                out,
                "  ~ {list} line {} of {} recorded under {:?}, a former name: read as {}",
                renamed.line + 1,
                renamed.date,
                renamed.recorded_as,
                renamed.counted_as
            );
        }
    }
    for o in &outcome.options {
        let option = o.option;
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
        for t in &o.tiers {
            let name = policy.tiers.get(t.level.0).map_or("", |l| l.id.as_str());
            let _ = writeln!(out, "    {} {name}", mark(t.met));
            let view = View {
                policy,
                evaluated,
                gaps: true,
            };
            view.requirements(&mut out, 8, &t.requirements);
        }
    }
    out
}

fn person_label(person: &crate::data::Person<'_>) -> String {
    match &person.name {
        Some(name) => format!("{name} ({})", person.id.text()),
        None => person.id.text().into_owned(),
    }
}

/// What a requirement's rendering reads from.
#[derive(Clone, Copy)]
struct View<'v> {
    policy: &'v Policy,
    evaluated: &'v Evaluated<'v, 'v>,
    /// Whether to say what is missing: not inside an `either` that is met
    /// by another branch, where nothing more is needed.
    gaps: bool,
}

impl View<'_> {
    fn requirements(&self, out: &mut String, indent: usize, results: &[RequirementOutcome<'_>]) {
        for r in results {
            self.requirement(out, indent, r);
        }
    }

    fn requirement(&self, out: &mut String, indent: usize, result: &RequirementOutcome<'_>) {
        let pad = " ".repeat(indent);
        let policy = self.policy;
        let market_given = self.evaluated.market.as_deref();
        match result {
            RequirementOutcome::Measure(r) => {
                let measure = r.definition;
                let unit = match (measure.is_money(), policy.currency.as_deref()) {
                    (true, Some(currency)) => format!(" {currency}"),
                    _ => String::new(),
                };
                let number = |d| {
                    if measure.is_money() {
                        money::grouped(d)
                    } else {
                        money::count(d)
                    }
                };
                let what = if r.per_month {
                    format!("{} per month", measure.name)
                } else if r.every_month {
                    format!("{} in every month", measure.name)
                } else {
                    measure.name.clone()
                };
                let kind = match measure.kind {
                    model::MeasureKind::Revenue { .. } => "revenue",
                    model::MeasureKind::Usage { .. } => "usage",
                    model::MeasureKind::DistinctCustomers { .. } => "customers",
                };
                // Which entry the threshold comes from: the partner's
                // market, or `every other market` when no entry names it.
                let entry = r
                    .requirement
                    .thresholds
                    .entry_for(self.evaluated.outcome.market)
                    .map(|(entry, _)| entry);
                let market = match (entry, market_given) {
                    (Some(ThresholdEntry::OtherMarkets), Some(m)) => {
                        format!(" ({m}: every other market)")
                    }
                    (Some(ThresholdEntry::OtherMarkets), None) => {
                        " (no market given: every other market)".to_owned()
                    }
                    (Some(ThresholdEntry::Market(_)), Some(m)) => format!(" ({m})"),
                    _ => String::new(),
                };
                let actual = number(r.actual);
                let above = if r.requirement.more_than {
                    "more than "
                } else {
                    ""
                };
                let _ = match (r.required, r.shortfall) {
                    (Some(required), Some(short)) if !r.met => writeln!(
                        out,
                        "{pad}✗ {kind} {what}: {actual}{unit} of {above}{}{unit} required{market}: short by {above}{}{unit}",
                        number(required),
                        number(short)
                    ),
                    (Some(required), _) => writeln!(
                        out,
                        "{pad}✓ {kind} {what}: {actual}{unit} of {above}{}{unit} required{market}",
                        number(required)
                    ),
                    (None, _) => writeln!(
                        out,
                        "{pad}✗ {kind} {what}: {actual}{unit}, but {}",
                        no_threshold_note(market_given)
                    ),
                };
                if measure.period.is_fixed() {
                    let _ = writeln!(
                        out,
                        "{pad}    {}: {} to {}",
                        measure.period.describe(),
                        r.window.first_day(),
                        r.window.end
                    );
                }
                // Each month with its value; a short month says by how much,
                // which is what it would take.
                for month in &r.months {
                    let short = r
                        .required
                        .filter(|t| !r.requirement.meets(month.value, *t))
                        .map(|t| {
                            t.checked_sub(month.value)
                                .unwrap_or(t)
                                .max(rust_decimal::Decimal::ZERO)
                        });
                    let _ = match short {
                        Some(short) if self.gaps => writeln!(
                            out,
                            "{pad}    ✗ {} to {}: {}{unit}, short by {above}{}{unit}",
                            month.first,
                            month.last,
                            number(month.value),
                            number(short)
                        ),
                        Some(_) => writeln!(
                            out,
                            "{pad}    ✗ {} to {}: {}{unit}",
                            month.first,
                            month.last,
                            number(month.value)
                        ),
                        None => writeln!(
                            out,
                            "{pad}    ✓ {} to {}: {}{unit}",
                            month.first,
                            month.last,
                            number(month.value)
                        ),
                    };
                }
                if self.evaluated.partner.is_some()
                    && let Some(totals) = self.evaluated.outcome.measures.get(r.measure.0)
                {
                    key_lines(out, &pad, measure, totals, &unit);
                }
                if self.evaluated.partner.is_some()
                    && let Some(totals) = self.evaluated.outcome.measures.get(r.measure.0)
                    && !totals.without_customer.is_empty()
                {
                    let n = totals.without_customer.len();
                    let _ = writeln!(
                        out,
                        "{pad}    {} counted without a customer: {} to no customer",
                        counted(n as u64, "line", "lines"),
                        if n == 1 { "it belongs" } else { "they belong" }
                    );
                }
                if let Some(partner) = self.evaluated.partner
                    && let Some(totals) = self.evaluated.outcome.measures.get(r.measure.0)
                    && !matches!(measure.kind, model::MeasureKind::DistinctCustomers { .. })
                {
                    let reasons = [
                        Exclusion::OtherType,
                        Exclusion::OtherProduct,
                        Exclusion::OutsideWindow,
                        Exclusion::NotPartnerOfRecord,
                        Exclusion::NotPaid,
                        Exclusion::OtherFieldValue,
                        Exclusion::NoFieldValue,
                        Exclusion::NotCustomerOf,
                    ];
                    let excluded: Vec<String> = reasons
                        .iter()
                        .filter_map(|why| {
                            let n = totals.excluded.get(*why as usize).copied().unwrap_or(0);
                            (n > 0).then(|| format!("{n} {}", exclusion(policy, measure, *why)))
                        })
                        .collect();
                    if let model::MeasureKind::Revenue { filter, .. }
                    | model::MeasureKind::Usage { filter, .. } = &measure.kind
                        && let Some(other) =
                            filter.customers_of.and_then(|o| policy.measures.get(o.0))
                    {
                        let _ = writeln!(out, "{pad}    for customers of {}", other.name);
                    }
                    for condition in filter_conditions(measure) {
                        let field = policy
                            .fields
                            .get(condition.field.0)
                            .map_or("", |f| f.id.as_str());
                        let _ = writeln!(out, "{pad}    {}", condition.describe(field));
                    }
                    let lines = totals.counted.len();
                    let plural = if lines == 1 { "" } else { "s" };
                    let _ = if excluded.is_empty() {
                        writeln!(out, "{pad}    {lines} line{plural} counted")
                    } else {
                        writeln!(
                            out,
                            "{pad}    {lines} line{plural} counted; not counted: {}",
                            excluded.join(", ")
                        )
                    };
                    if self.gaps && !r.met && r.required.is_some() {
                        excluded_lines(out, &pad, policy, partner, measure, totals);
                    }
                }
            }
            RequirementOutcome::People(p) => {
                let req = p.requirement;
                let required: u64 = req.roles.iter().map(|r| u64::from(r.count)).sum();
                let filled: u64 = p.filled.iter().map(|f| *f as u64).sum();
                let _ = if p.distinct {
                    writeln!(
                        out,
                        "{pad}{} distinct people: {filled} of {required} filled",
                        mark(p.met)
                    )
                } else {
                    // Shared roles: one person may take several places, so
                    // places and people are counted apart.
                    let places = counted(required, "place", "places");
                    match p.assignment.as_ref().filter(|_| filled > 0) {
                        Some(a) => {
                            let mut people: Vec<usize> =
                                a.filled.iter().flatten().copied().collect();
                            people.sort_unstable();
                            people.dedup();
                            let who = match people.len() {
                                1 => "1 person fills".to_owned(),
                                n => format!("{n} people fill"),
                            };
                            writeln!(
                                out,
                                "{pad}{} shared people: {who} {filled} of {places}",
                                mark(p.met),
                            )
                        }
                        None => writeln!(
                            out,
                            "{pad}{} shared people: {filled} of {places} filled",
                            mark(p.met)
                        ),
                    }
                };
                for (i, role) in req.roles.iter().enumerate() {
                    let count = p.filled.get(i).copied().unwrap_or(0);
                    let missing = (role.count as usize).saturating_sub(count);
                    let chosen = p.assignment.as_ref().and_then(|a| a.filled.get(i));
                    let who = match self.evaluated.partner.zip(chosen) {
                        Some((partner, chosen)) => {
                            let names: Vec<String> = chosen
                                .iter()
                                .filter_map(|&k| partner.people.get(k))
                                .map(person_label)
                                .collect();
                            if names.is_empty() {
                                "nobody".to_owned()
                            } else {
                                names.join(", ")
                            }
                        }
                        None => format!("{count} of {}", role.count),
                    };
                    let _ = if missing == 0 {
                        writeln!(out, "{pad}    ✓ {}: {who}", role.description)
                    } else {
                        let qualified = match p.qualified.get(i).copied().unwrap_or(0) {
                            0 => "nobody qualifies".to_owned(),
                            1 => "1 qualifies".to_owned(),
                            n => format!("{n} qualify"),
                        };
                        writeln!(
                            out,
                            "{pad}    ✗ {}: {who}; {missing} more needed ({qualified})",
                            role.description
                        )
                    };
                }
                if let (Some(gap), Some(partner)) =
                    (p.gap.as_ref().filter(|_| self.gaps), self.evaluated.partner)
                {
                    people_gap(out, policy, &pad, partner, req, gap);
                }
            }
            RequirementOutcome::Attribute { attribute, met } => {
                let name = &attribute.id;
                let _ = if *met {
                    writeln!(out, "{pad}✓ attribute {name}")
                } else {
                    writeln!(
                        out,
                        "{pad}✗ attribute {name}: not in the partner's attributes"
                    )
                };
            }
            RequirementOutcome::Either { met, branches } => {
                let _ = writeln!(out, "{pad}{} either", mark(*met));
                for (i, b) in branches.iter().enumerate() {
                    let word = if i == 0 { "" } else { "or " };
                    let _ = writeln!(out, "{pad}    {} {word}branch {}", mark(b.met), i + 1);
                    let inner = View {
                        gaps: self.gaps && !*met,
                        ..*self
                    };
                    inner.requirements(out, indent + 8, &b.requirements);
                }
            }
        }
    }
}

/// Each key's value of a usage measure with keys (the first ten), the
/// largest marked when the measure takes it.
fn key_lines(
    out: &mut String,
    pad: &str,
    measure: &model::Measure,
    totals: &crate::eval::MeasureTotal,
    unit: &str,
) {
    const SHOWN: usize = 10;
    let chosen = super::json::largest_key(measure, &totals.keys);
    for (i, key) in totals.keys.iter().enumerate().take(SHOWN) {
        let latest = key
            .as_of
            .map(|d| format!(", latest reading {d}"))
            .unwrap_or_default();
        let largest = if chosen == Some(i) { " (largest)" } else { "" };
        let _ = writeln!(
            out,
            "{pad}    {}: {}{unit}{latest}{largest}",
            key.describe(),
            money::count(key.value)
        );
    }
    if totals.keys.len() > SHOWN {
        let _ = writeln!(out, "{pad}    and {} more keys", totals.keys.len() - SHOWN);
    }
    if let Some(i) = chosen.filter(|i| *i >= SHOWN)
        && let Some(key) = totals.keys.get(i)
    {
        let _ = writeln!(
            out,
            "{pad}    largest: {}: {}{unit}",
            key.describe(),
            money::count(key.value)
        );
    }
}

/// The lines that did not count towards an unmet measure, and why (the
/// first ten).
fn excluded_lines(
    out: &mut String,
    pad: &str,
    policy: &Policy,
    partner: &Partner<'_>,
    measure: &model::Measure,
    totals: &crate::eval::MeasureTotal,
) {
    const SHOWN: usize = 10;
    for (line, reason) in totals.excluded_lines.iter().take(SHOWN) {
        let why = exclusion(policy, measure, *reason);
        // 1-based here, "the 2nd revenue line"; the JSON output gives the
        // 0-based index into the list (`excluded_lines[].line`).
        let list = match measure.kind {
            model::MeasureKind::Revenue { .. } => "revenue",
            _ => "usage",
        };
        let what = match measure.kind {
            model::MeasureKind::Revenue { .. } => partner.revenue.get(*line).map(|l| {
                format!(
                    "{} {} {}, {}, {}",
                    l.kind,
                    money::grouped(l.amount),
                    l.currency,
                    l.product,
                    l.date
                )
            }),
            _ => partner.usage.get(*line).map(|l| {
                format!(
                    "{} {}, {}, {}",
                    l.metric,
                    money::count(l.quantity),
                    l.product,
                    l.date
                )
            }),
        };
        if let Some(what) = what {
            let _ = writeln!(
                out,
                "{pad}      not counted: {list} line {} ({what}): {why}",
                line + 1
            );
        }
    }
    if totals.excluded_lines.len() > SHOWN {
        let _ = writeln!(
            out,
            "{pad}      and {} more lines not counted",
            totals.excluded_lines.len() - SHOWN
        );
    }
}

/// Why a line did not count, in words; a field condition names the fields
/// the measure filters on (`other segment`, `no segment`).
fn exclusion(policy: &Policy, measure: &model::Measure, why: Exclusion) -> String {
    let fields = || {
        let names: Vec<&str> = filter_conditions(measure)
            .iter()
            .filter_map(|c| policy.fields.get(c.field.0).map(|f| f.id.as_str()))
            .collect();
        names.join(" or ")
    };
    match why {
        Exclusion::OtherType => "other type".to_owned(),
        Exclusion::OtherProduct => "other product".to_owned(),
        Exclusion::OutsideWindow => "outside the window".to_owned(),
        Exclusion::NotPartnerOfRecord => "not partner of record".to_owned(),
        Exclusion::NotPaid => "not paid".to_owned(),
        Exclusion::OtherFieldValue => format!("other {}", fields()),
        Exclusion::NoFieldValue => format!("no {}", fields()),
        Exclusion::NotCustomerOf => {
            let other = match &measure.kind {
                model::MeasureKind::Revenue { filter, .. }
                | model::MeasureKind::Usage { filter, .. } => filter
                    .customers_of
                    .and_then(|o| policy.measures.get(o.0))
                    .map_or("", |m| m.name.as_str()),
                model::MeasureKind::DistinctCustomers { .. } => "",
            };
            format!("not a customer of {other}")
        }
    }
}

/// The field conditions of a revenue or usage measure.
fn filter_conditions(measure: &model::Measure) -> &[model::FieldCondition] {
    match &measure.kind {
        model::MeasureKind::Revenue { filter, .. } | model::MeasureKind::Usage { filter, .. } => {
            &filter.conditions
        }
        model::MeasureKind::DistinctCustomers { .. } => &[],
    }
}

/// `1 person`, `2 people`; `1 pass`, `3 passes`.
fn counted(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Credentials by code and title, e.g. `MB2-712 "Microsoft Dynamics CRM
/// 2016 Customization and Configuration" and MB2-710 "…"`.
fn credentials(policy: &Policy, exams: impl Iterator<Item = (usize, Option<String>)>) -> String {
    let named: Vec<String> = exams
        .filter_map(|(e, note)| {
            let exam = policy.exams.get(e)?;
            let title = exam
                .title
                .as_deref()
                .map(|t| format!(" {t:?}"))
                .unwrap_or_default();
            let note = note.map(|n| format!(" ({n})")).unwrap_or_default();
            Some(format!("{}{title}{note}", exam.code))
        })
        .collect();
    match named.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

/// The smallest change that would meet a people requirement: who passes
/// which credentials, and seats no pass that counts at the as-of date fills.
fn people_gap(
    out: &mut String,
    policy: &Policy,
    pad: &str,
    partner: &Partner<'_>,
    req: &model::PeopleRequirement,
    gap: &crate::eval::gap::PeopleGap,
) {
    let groups = |mask: u64| {
        let names: Vec<&str> = policy
            .groups_in(mask)
            .into_iter()
            .filter_map(|g| policy.groups.get(g.0).map(|g| g.name.as_str()))
            .collect();
        names.join(" and ")
    };
    // Each pass by code and title, with the exams that would do as well.
    let passing = |passes: &[usize], alternatives: &[Vec<usize>], mask: u64| {
        let or = |i: usize| {
            let codes: Vec<&str> = alternatives
                .get(i)
                .into_iter()
                .flatten()
                .filter_map(|e| policy.exams.get(*e).map(|x| x.code.as_str()))
                .collect();
            (!codes.is_empty()).then(|| format!("or {}", codes.join(" or ")))
        };
        format!(
            "passing {} for {}",
            credentials(policy, passes.iter().enumerate().map(|(i, e)| (*e, or(i)))),
            groups(mask)
        )
    };
    let mut steps: Vec<String> = gap
        .upgrades
        .iter()
        .filter_map(|u| {
            let person = partner.people.get(u.person)?;
            Some(format!(
                "{} {}",
                person_label(person),
                passing(&u.passes, &u.alternatives, u.missing)
            ))
        })
        .collect();
    for n in &gap.new_people {
        let who = counted(u64::from(n.count), "more person", "more people");
        steps.push(format!(
            "{who} {}",
            passing(&n.passes, &n.alternatives, n.groups)
        ));
    }
    let passes = counted(gap.cost, "pass", "passes");
    for b in &gap.blocked {
        let role = req
            .roles
            .get(b.role)
            .map_or("", |role| role.description.as_str());
        let seats = counted(u64::from(b.count), "more person", "more people");
        let _ = if b.available_from.is_empty() {
            writeln!(
                out,
                "{pad}    not possible at the as-of date: `{role}` needs {seats}, and no pass that counts can be taken for it"
            )
        } else {
            let soon = credentials(
                policy,
                b.available_from
                    .iter()
                    .map(|(e, date)| (*e, Some(format!("available from {date}")))),
            );
            writeln!(
                out,
                "{pad}    not possible at the as-of date: `{role}` needs {seats} passing {soon}"
            )
        };
    }
    if gap.sufficient() {
        let _ = writeln!(out, "{pad}    to meet it ({passes}): {}", steps.join("; "));
    } else if !steps.is_empty() {
        let _ = writeln!(
            out,
            "{pad}    the other seats ({passes}): {}",
            steps.join("; ")
        );
    }
    // One role short of people says so on its own line already; the
    // bottleneck matters when roles compete for the same people.
    if let Some(b) = gap.bottleneck.as_ref().filter(|b| b.roles.len() > 1) {
        let roles: Vec<String> = b
            .roles
            .iter()
            .filter_map(|r| {
                req.roles
                    .get(*r)
                    .map(|role| format!("`{}`", role.description))
            })
            .collect();
        let need = if roles.len() == 1 { "needs" } else { "need" };
        let people = if b.needed == 1 {
            "1 person".to_owned()
        } else {
            format!("{} people", b.needed)
        };
        let which = match roles.len() {
            1 => "",
            2 => " for either",
            _ => " for any of them",
        };
        let qualify = match b.qualified {
            0 => format!("nobody qualifies{which}"),
            1 => format!("only 1 qualifies{which}"),
            n => format!("only {n} qualify{which}"),
        };
        let _ = writeln!(
            out,
            "{pad}    {} {need} {people}; {qualify}",
            roles.join(" and ")
        );
    }
}
