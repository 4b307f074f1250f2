//! Lints: warnings about policies that are valid but probably not what the
//! author meant, each with a stable code that can be allowed or denied.
//! They read the checked model (and the syntax tree, for what the model
//! folds away, such as an exam listed twice).

pub mod allow;
pub mod order;
mod translations;

use std::collections::HashMap;

use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

use crate::ast;
use crate::model::*;

/// A warning about a valid policy.
#[derive(Debug, Error, Diagnostic, Clone, PartialEq, Eq)]
pub enum Warning {
    /// A higher tier that a partner can meet without meeting a lower one.
    #[error("tier `{higher}` of option `{option}` is easier than `{lower}`: {reason}")]
    #[diagnostic(code(W0100), severity(Warning))]
    TierNotOrdered {
        /// The option.
        option: String,
        /// The lower tier.
        lower: String,
        /// The higher tier.
        higher: String,
        /// Why.
        reason: String,
        /// The lower tier's requirement that the higher tier does not imply.
        #[label(primary, "`{lower}` requires this")]
        requirement: SourceSpan,
        /// What the higher tier requires instead (or the higher tier).
        #[label("`{higher}` requires only this")]
        higher_span: SourceSpan,
        /// The counterexample, as help.
        #[help]
        help: String,
    },
    /// A pair of tiers whose order could be neither proven nor refuted.
    #[error(
        "could not decide whether tier `{higher}` of option `{option}` is at least as hard as `{lower}`"
    )]
    #[diagnostic(code(W0101), severity(Warning))]
    TierOrderUndecided {
        /// The option.
        option: String,
        /// The lower tier.
        lower: String,
        /// The higher tier.
        higher: String,
        /// The lower tier's requirement that could not be derived.
        #[label(primary, "not derived from `{higher}`: {reason}")]
        requirement: SourceSpan,
        /// Why the proof failed.
        reason: String,
        /// The higher tier.
        #[label("`{higher}`")]
        higher_span: SourceSpan,
        /// How to settle it.
        #[help]
        help: String,
    },
    /// A market that a lower tier sets a threshold for and a higher tier does not.
    #[error(
        "tier `{higher}` sets no `{measure}` threshold for market `{market}`, which `{lower}` covers"
    )]
    #[diagnostic(
        code(W0102),
        severity(Warning),
        help(
            "partners in `{market}` can reach `{lower}` but never `{higher}`; add `{market}` to `{higher}`'s threshold if they should"
        )
    )]
    MarketDropped {
        /// The market.
        market: String,
        /// The measure.
        measure: String,
        /// The lower tier.
        lower: String,
        /// The higher tier.
        higher: String,
        /// The higher tier's threshold.
        #[label(primary, "no `{market}` here")]
        span: SourceSpan,
        /// The lower tier's threshold.
        #[label("`{lower}` sets one here")]
        lower_span: SourceSpan,
    },
    /// A closed market list, and a per-market threshold that leaves out one
    /// of its markets with no `every other market` entry.
    #[error(
        "this `{measure}` threshold sets none for market `{market}`, one of the policy's only markets"
    )]
    #[diagnostic(
        code(W0113),
        severity(Warning),
        help(
            "partners in `{market}` can never meet this tier; add `{market}: AMOUNT` or `every other market: AMOUNT` to the threshold if they should"
        )
    )]
    ClosedMarketLeftOut {
        /// The market left out.
        market: String,
        /// The measure.
        measure: String,
        /// The threshold.
        #[label(primary, "no `{market}` here")]
        span: SourceSpan,
        /// The closed list.
        #[label("the policy's markets are only these")]
        closed: SourceSpan,
    },
    /// `distinct customers of` in a measure whose name says new customers.
    #[error(
        "measure `{name}` counts every customer with a counted line, though its name says new customers"
    )]
    #[diagnostic(
        code(W0121),
        severity(Warning),
        help(
            "`distinct customers of` counts a customer that bought before the window too; if the page asks for new customers (whose first line falls in the window), write `measure {name} = new customers of {base}` (or `net new customers of` for net adds); if it means every customer, rename the measure"
        )
    )]
    DistinctNamedNew {
        /// The measure.
        name: String,
        /// The measure whose customers it counts.
        base: String,
        /// Its declaration.
        #[label("`distinct`: every customer, new or not")]
        span: SourceSpan,
    },
    /// A catalog entry no group uses.
    #[error("exam `{code}` is in the catalog but no group uses it")]
    #[diagnostic(
        code(W0103),
        severity(Warning),
        help("add it to a group, or remove it from the catalog")
    )]
    UnusedExam {
        /// The code.
        code: String,
        /// Its declaration.
        #[label("never used")]
        span: SourceSpan,
    },
    /// A line field no measure filters on.
    #[error("field `{name}` is declared but no measure filters on it")]
    #[diagnostic(
        code(W0120),
        severity(Warning),
        help(
            "filter a measure on it (`where {name} is \"...\"`), or remove the declaration; a declared field makes every partner's lines be read for it"
        )
    )]
    UnusedField {
        /// The field.
        name: String,
        /// Its declaration.
        #[label("never used")]
        span: SourceSpan,
    },
    /// A product or family of the catalogue that no measure counts.
    #[error("{kind} `{name}` is in the product catalogue but no measure counts it")]
    #[diagnostic(
        code(W0118),
        severity(Warning),
        help(
            "name it in the measure whose page lists it (`from \"{name}\"`), or in a family a measure names; if the page does not count it, remove it"
        )
    )]
    UnusedProduct {
        /// `product` or `family`.
        kind: &'static str,
        /// Its name.
        name: String,
        /// Its declaration.
        #[label("no measure counts it")]
        span: SourceSpan,
    },
    /// A group no role or group uses.
    #[error("group `{name}` is never used")]
    #[diagnostic(
        code(W0104),
        severity(Warning),
        help("name it in a role (`1 passing {name}`), or remove it")
    )]
    UnusedGroup {
        /// The group.
        name: String,
        /// Its declaration.
        #[label("never used")]
        span: SourceSpan,
    },
    /// The same member twice in one group.
    #[error("`{code}` is listed twice in group `{group}`")]
    #[diagnostic(code(W0105), severity(Warning), help("remove one of them"))]
    RepeatedMember {
        /// The member.
        code: String,
        /// The group.
        group: String,
        /// The second listing.
        #[label(primary, "again")]
        span: SourceSpan,
        /// The first.
        #[label("first listed here")]
        first: SourceSpan,
    },
    /// A role that names one group twice.
    #[error("this role names group `{group}` twice")]
    #[diagnostic(
        code(W0106),
        severity(Warning),
        help("name each group once; did you mean another group the same person must pass?")
    )]
    RepeatedGroupInRole {
        /// The group.
        group: String,
        /// The second naming.
        #[label(primary, "again")]
        span: SourceSpan,
        /// The first.
        #[label("first named here")]
        first: SourceSpan,
    },
    /// Two groups with the same members.
    #[error("groups `{name}` and `{other}` have the same members")]
    #[diagnostic(
        code(W0107),
        severity(Warning),
        help("use one group for both, or check whether one of them lacks an exam")
    )]
    IdenticalGroups {
        /// The later group.
        name: String,
        /// The earlier group.
        other: String,
        /// The later group.
        #[label(primary, "same as `{other}`")]
        span: SourceSpan,
        /// The earlier group.
        #[label("`{other}` is here")]
        other_span: SourceSpan,
    },
    /// The same revenue type twice in one measure.
    #[error("revenue type `{name}` is listed twice in measure `{measure}`")]
    #[diagnostic(
        code(W0110),
        severity(Warning),
        help("name each type once; did you mean another type the measure should pool?")
    )]
    RepeatedType {
        /// The type.
        name: String,
        /// The measure.
        measure: String,
        /// The second listing.
        #[label(primary, "again")]
        span: SourceSpan,
        /// The first.
        #[label("first listed here")]
        first: SourceSpan,
    },
    /// A metric named as a current count (`active_...`) summed over a
    /// window of several months: each monthly report of the same users
    /// would be counted again.
    #[error("`{measure}` adds up every `{metric}` report over {window}")]
    #[diagnostic(
        code(W0119),
        severity(Warning),
        help(
            "an active count is a level, reported again each month; write `latest {metric} per customer and product` to add up each customer's latest report, or `max {metric}` for the largest one; if the lines really are new ones, allow W0119 in rubric.toml"
        )
    )]
    SummedCurrentCount {
        /// The measure.
        measure: String,
        /// The metric, e.g. `active_entitlements`.
        metric: String,
        /// The window, e.g. `trailing 12 months`.
        window: String,
        /// The metric.
        #[label("a current count, summed over several months")]
        span: SourceSpan,
    },
    /// A fiscal year that does not end on the last day of a month.
    #[error("fiscal year ending `{text}` does not end at the end of a month")]
    #[diagnostic(code(W0111), severity(Warning))]
    YearEndMidMonth {
        /// The month and day as written.
        text: String,
        /// Where.
        #[label("not the last day of the month")]
        span: SourceSpan,
        /// The nearest month end before it.
        #[help]
        help: String,
    },
    /// In a `distinct` requirement, a role whose people must pass all that
    /// another role's pass: read as other people, where pages that say
    /// "N of the same M" mean the same ones.
    #[error("`{role}` needs people other than the {count} of `{other}`")]
    #[diagnostic(
        code(W0114),
        severity(Warning),
        help(
            "in `require distinct people` every slot is another person, so this takes {total} people in all; if the page says \"{count_here} of the same {count}\" (the same individuals also pass more), write `require shared people {{ {other}  {role} }}`; if it says \"other individuals\", keep `distinct` and allow W0114 here"
        )
    )]
    RoleWithinRole {
        /// The role that asks for more, e.g. `2 passing x and y`.
        role: String,
        /// The role it includes, e.g. `4 passing x`.
        other: String,
        /// The other role's head count.
        count: u32,
        /// This role's head count.
        count_here: u32,
        /// Both counts together.
        total: u32,
        /// This role.
        #[label(primary, "other people than those of `{other}`")]
        span: SourceSpan,
        /// The other role.
        #[label("`{other}`")]
        other_span: SourceSpan,
    },
    /// No `version` line.
    #[error("competency `{name}` has no version")]
    #[diagnostic(
        code(W0108),
        severity(Warning),
        help("add `version \"...\"` so every decision records which rules it used")
    )]
    MissingVersion {
        /// The competency.
        name: String,
        /// Its name.
        #[label("no `version`")]
        span: SourceSpan,
    },
    /// An end date (`retires`, `accepted until`, `registration until`)
    /// on the first day of a month, where the page probably gave the month.
    #[error("`{clause} {date}` ends on the first day of its month")]
    #[diagnostic(
        code(W0112),
        severity(Warning),
        help(
            "nothing dated after {date} is accepted by it; if the page gives the month (\"Retiring December 2017\"), write `{clause} {month}`, which means the month's last day"
        )
    )]
    EndOnFirstOfMonth {
        /// `retires`, `accepted until` or `registration until`.
        clause: &'static str,
        /// The date as written.
        date: String,
        /// The month it is in, as `YYYY-MM`.
        month: String,
        /// The date.
        #[label("the rest of the month is left out")]
        span: SourceSpan,
    },
    /// No `effective` line.
    #[error("competency `{name}` has no effective date")]
    #[diagnostic(
        code(W0109),
        severity(Warning),
        help("add `effective YYYY-MM-DD`, the date the rules apply from")
    )]
    MissingEffective {
        /// The competency.
        name: String,
        /// Its name.
        #[label("no `effective` date")]
        span: SourceSpan,
    },
    /// An `allow` in a tier or option that accepts no finding: the lint no
    /// longer fires there, so the `allow` is stale.
    #[error("`allow {code}` accepts nothing here")]
    #[diagnostic(
        code(W0115),
        severity(Warning),
        help(
            "{code} reports nothing inside this block (any more); remove the `allow`, or move it to the tier or option the finding points at"
        )
    )]
    UnusedAllow {
        /// The lint's code.
        code: String,
        /// The `allow` line.
        #[label("unused")]
        span: SourceSpan,
    },
    /// A translation leaves texts the policy has in its own language
    /// untranslated: the page in that language mixes the two.
    #[error("the `{language}` translation lacks {missing}")]
    #[diagnostic(
        code(W0116),
        severity(Warning),
        help("add them to `translation {language} {{ ... }}`, e.g. `{example}`")
    )]
    MissingTranslations {
        /// The translation's language.
        language: String,
        /// What it lacks, e.g. "option `reseller`, market `developed`".
        missing: String,
        /// One line to add.
        example: String,
        /// The translation's language tag.
        #[label("incomplete")]
        span: SourceSpan,
    },
    /// A translation into a language Rubric has no phrase catalogue for:
    /// `rubric doc` cannot render a page in it.
    #[error("`rubric doc` has no phrase catalogue for `{language}`")]
    #[diagnostic(
        code(W0117),
        severity(Warning),
        help(
            "shipped languages: {shipped}; add a catalogue under src/doc/locales/, or remove the translation"
        )
    )]
    NoCatalogue {
        /// The translation's language.
        language: String,
        /// The shipped languages' tags.
        shipped: String,
        /// The translation's language tag.
        #[label("no catalogue")]
        span: SourceSpan,
    },
}

impl Warning {
    /// The warning's code, e.g. `W0103`.
    pub fn code_text(&self) -> String {
        self.code().map(|c| c.to_string()).unwrap_or_default()
    }
}

fn sp(span: crate::ast::Span) -> SourceSpan {
    span.into()
}

/// Every warning about a checked policy, in source order of kind.
pub fn lint(file: &ast::PolicyFile, policy: &Policy) -> Vec<Warning> {
    let mut out = Vec::new();
    header(file, policy, &mut out);
    catalog(file, policy, &mut out);
    products(policy, &mut out);
    end_dates(file, &mut out);
    measures(file, &totals_read(policy), &mut out);
    unused_fields(policy, &mut out);
    roles_within_roles(policy, &mut out);
    distinct_named_new(policy, &mut out);
    markets_dropped(policy, &mut out);
    closed_markets_left_out(policy, &mut out);
    ordering(policy, &mut out);
    translations::lint(file, policy, &mut out);
    out
}

fn header(file: &ast::PolicyFile, policy: &Policy, out: &mut Vec<Warning>) {
    let c = &file.competency;
    if policy.version.is_none() && !c.items.iter().any(|i| matches!(i, ast::Item::Version(..))) {
        out.push(Warning::MissingVersion {
            name: c.id.name.clone(),
            span: sp(c.id.span),
        });
    }
    if policy.effective.is_none()
        && !c
            .items
            .iter()
            .any(|i| matches!(i, ast::Item::Effective(..)))
    {
        out.push(Warning::MissingEffective {
            name: c.id.name.clone(),
            span: sp(c.id.span),
        });
    }
}

/// Fields no measure filters on (W0120).
fn unused_fields(policy: &Policy, out: &mut Vec<Warning>) {
    let mut used = vec![false; policy.fields.len()];
    for measure in &policy.measures {
        let (MeasureKind::Revenue { filter, .. } | MeasureKind::Usage { filter, .. }) =
            &measure.kind
        else {
            continue;
        };
        for c in &filter.conditions {
            if let Some(flag) = used.get_mut(c.field.0) {
                *flag = true;
            }
        }
    }
    for (field, used) in policy.fields.iter().zip(used) {
        if !used {
            out.push(Warning::UnusedField {
                name: field.id.clone(),
                span: sp(field.span),
            });
        }
    }
}

/// Products and families of the catalogue that no measure counts (W0118).
fn products(policy: &Policy, out: &mut Vec<Warning>) {
    let filters: Vec<&LineFilter> = policy
        .measures
        .iter()
        .filter_map(|m| match &m.kind {
            MeasureKind::Revenue { filter, .. } | MeasureKind::Usage { filter, .. } => Some(filter),
            MeasureKind::DistinctCustomers { .. } => None,
        })
        .collect();
    for product in &policy.products {
        if !filters
            .iter()
            .any(|f| f.names.iter().any(|n| same_name(n, &product.name)))
        {
            out.push(Warning::UnusedProduct {
                kind: "product",
                name: product.name.clone(),
                span: sp(product.span),
            });
        }
    }
    // Families a measure names, and (through them) the families inside.
    let mut counted: Vec<bool> = policy
        .families
        .iter()
        .map(|f| {
            filters
                .iter()
                .any(|m| m.products.iter().any(|n| same_name(n, &f.name)))
        })
        .collect();
    loop {
        let inner: Vec<usize> = policy
            .families
            .iter()
            .zip(&counted)
            .filter(|(_, c)| **c)
            .flat_map(|(f, _)| &f.members)
            .filter_map(|m| policy.families.iter().position(|f| same_name(m, &f.name)))
            .filter(|i| counted.get(*i) == Some(&false))
            .collect();
        if inner.is_empty() {
            break;
        }
        for i in inner {
            if let Some(c) = counted.get_mut(i) {
                *c = true;
            }
        }
    }
    for (family, counted) in policy.families.iter().zip(counted) {
        if !counted {
            out.push(Warning::UnusedProduct {
                kind: "family",
                name: family.name.clone(),
                span: sp(family.span),
            });
        }
    }
}

/// End dates written as the first day of a month (W0112).
fn end_dates(file: &ast::PolicyFile, out: &mut Vec<Warning>) {
    for item in &file.competency.items {
        let ast::Item::Exam(e) = item else { continue };
        let ends = [
            ("retires", &e.retires),
            ("accepted until", &e.accepted_until),
            ("registration until", &e.registration_until),
        ];
        for (clause, token) in ends {
            let Some(token) = token else { continue };
            if let Some(month) = token.text.strip_suffix("-01").filter(|m| m.len() == 7) {
                out.push(Warning::EndOnFirstOfMonth {
                    clause,
                    date: token.text.clone(),
                    month: month.to_owned(),
                    span: sp(token.span),
                });
            }
        }
    }
}

fn catalog(file: &ast::PolicyFile, policy: &Policy, out: &mut Vec<Warning>) {
    // Exams no group names, and groups no other group names: one pass over
    // every group's members, not one per exam or group.
    let mut exam_in_group = vec![false; policy.exams.len()];
    let mut group_in_group = vec![false; policy.groups.len()];
    for member in policy.groups.iter().flat_map(|g| &g.members) {
        let flag = match member {
            GroupMember::Exam(ExamId(e)) => exam_in_group.get_mut(*e),
            GroupMember::Group(GroupId(g)) => group_in_group.get_mut(*g),
        };
        if let Some(flag) = flag {
            *flag = true;
        }
    }
    for (exam, used) in policy.exams.iter().zip(&exam_in_group) {
        if !used {
            out.push(Warning::UnusedExam {
                code: exam.code.clone(),
                span: sp(exam.span),
            });
        }
    }
    // Groups no role and no group names.
    let mut in_roles = vec![false; policy.groups.len()];
    let mut mark = |roles: &[Role]| {
        for role in roles {
            for g in &role.groups {
                if let Some(flag) = in_roles.get_mut(g.0) {
                    *flag = true;
                }
            }
        }
    };
    fn people_in<'r>(reqs: &'r [Requirement], found: &mut Vec<&'r PeopleRequirement>) {
        for r in reqs {
            match r {
                Requirement::People(p) => found.push(p),
                Requirement::Either(branches, _) => {
                    for b in branches {
                        people_in(&b.requirements, found);
                    }
                }
                _ => {}
            }
        }
    }
    let mut people = Vec::new();
    for tier in policy.options.iter().flat_map(|o| &o.tiers) {
        people_in(&tier.requirements, &mut people);
    }
    for p in &people {
        mark(&p.roles);
    }
    for ((group, in_role), in_group) in policy.groups.iter().zip(&in_roles).zip(&group_in_group) {
        if !in_role && !in_group {
            out.push(Warning::UnusedGroup {
                name: group.name.clone(),
                span: sp(group.span),
            });
        }
    }
    // Members listed twice, and groups with identical members (syntax tree:
    // the spans of each listing).
    let mut seen_sets: HashMap<(bool, Vec<GroupMember>), (&str, crate::ast::Span)> = HashMap::new();
    for item in &file.competency.items {
        let ast::Item::Group(decl) = item else {
            continue;
        };
        let mut first: HashMap<String, crate::ast::Span> = HashMap::new();
        for member in &decl.exams {
            let key = exam_key(&member.code);
            if let Some(previous) = first.get(&key) {
                out.push(Warning::RepeatedMember {
                    code: member.code.clone(),
                    group: decl.name.name.clone(),
                    span: sp(member.span),
                    first: sp(*previous),
                });
            } else {
                first.insert(key, member.span);
            }
        }
        let Some(group) = policy
            .groups
            .iter()
            .find(|g| g.name == decl.name.name && g.span == decl.span)
        else {
            continue;
        };
        let mut members = group.members.clone();
        members.sort_by_key(|m| match m {
            GroupMember::Exam(e) => (0, e.0),
            GroupMember::Group(g) => (1, g.0),
        });
        members.dedup();
        let key = (group.quantifier == Quantifier::All, members);
        if !key.1.is_empty() {
            match seen_sets.get(&key) {
                Some((other, other_span)) => out.push(Warning::IdenticalGroups {
                    name: group.name.clone(),
                    other: (*other).to_owned(),
                    span: sp(decl.name.span),
                    other_span: sp(*other_span),
                }),
                None => {
                    seen_sets.insert(key, (&decl.name.name, decl.name.span));
                }
            }
        }
    }
    // A role naming a group twice (syntax tree, for the spans).
    for role in roles_in(file) {
        let mut first: HashMap<String, crate::ast::Span> = HashMap::new();
        for g in &role.groups {
            let text = g.text();
            if let Some(previous) = first.get(&text) {
                out.push(Warning::RepeatedGroupInRole {
                    group: text,
                    span: sp(g.span()),
                    first: sp(*previous),
                });
            } else {
                first.insert(text, g.span());
            }
        }
    }
}

/// W0114: in each `distinct` requirement, a role asking for all that an
/// earlier or later role asks for, and more.
fn roles_within_roles(policy: &Policy, out: &mut Vec<Warning>) {
    fn walk<'r>(reqs: &'r [Requirement], found: &mut Vec<&'r PeopleRequirement>) {
        for r in reqs {
            match r {
                Requirement::People(p) => found.push(p),
                Requirement::Either(branches, _) => {
                    for b in branches {
                        walk(&b.requirements, found);
                    }
                }
                Requirement::Measure(_) | Requirement::Attribute(..) => {}
            }
        }
    }
    let mut people = Vec::new();
    for tier in policy.options.iter().flat_map(|o| &o.tiers) {
        walk(&tier.requirements, &mut people);
    }
    for p in people.into_iter().filter(|p| p.distinct) {
        for (i, role) in p.roles.iter().enumerate() {
            // The widest role this one includes (the first on a tie).
            let within = p
                .roles
                .iter()
                .enumerate()
                // Strictly more: two roles asking the same are "the other
                // individual", which `distinct` says.
                .filter(|(j, other)| {
                    *j != i
                        && other.groups.iter().all(|g| role.groups.contains(g))
                        && role.groups.iter().any(|g| !other.groups.contains(g))
                })
                .map(|(_, other)| other)
                .min_by_key(|other| std::cmp::Reverse(other.count));
            if let Some(other) = within {
                out.push(Warning::RoleWithinRole {
                    role: role.description.clone(),
                    other: other.description.clone(),
                    count: other.count,
                    count_here: role.count,
                    total: other.count.saturating_add(role.count),
                    span: sp(role.span),
                    other_span: sp(other.span),
                });
            }
        }
    }
}

/// Revenue types listed twice in one measure, and fiscal years ending
/// mid-month (syntax tree, for the spans).
fn measures(file: &ast::PolicyFile, totals_read: &[&str], out: &mut Vec<Warning>) {
    for item in &file.competency.items {
        let ast::Item::Measure(decl) = item else {
            continue;
        };
        let filter = match &decl.body {
            ast::MeasureBody::Revenue {
                revenue_types,
                filter,
            } => {
                let mut first: HashMap<String, crate::ast::Span> = HashMap::new();
                for t in revenue_types {
                    let key = t.name.trim().to_lowercase();
                    match first.get(&key) {
                        Some(previous) => out.push(Warning::RepeatedType {
                            name: t.name.clone(),
                            measure: decl.name.name.clone(),
                            span: sp(t.span),
                            first: sp(*previous),
                        }),
                        None => {
                            first.insert(key, t.span);
                        }
                    }
                }
                filter
            }
            ast::MeasureBody::Usage {
                filter,
                aggregate,
                largest,
                keys,
                metric,
            } => {
                let summed = aggregate.as_ref().is_none_or(|a| a.text == "sum")
                    && largest.is_none()
                    && keys.is_empty();
                let active = metric.name.to_lowercase();
                let current = active == "active" || active.starts_with("active_");
                let window = match &filter.window.period {
                    ast::Period::Trailing(months) if months.text.trim() != "1" => {
                        Some(format!("trailing {} months", months.text))
                    }
                    ast::Period::Trailing(_) => None,
                    ast::Period::CalendarYear => Some("a calendar year".to_owned()),
                    ast::Period::FiscalYear(_) => Some("a fiscal year".to_owned()),
                };
                // Averaged (`per month`) or taken month by month, a sum of
                // monthly reports is meant: only a total read as such is.
                let total_read = totals_read.contains(&decl.name.name.as_str());
                if summed
                    && current
                    && total_read
                    && let Some(window) = window
                {
                    out.push(Warning::SummedCurrentCount {
                        measure: decl.name.name.clone(),
                        metric: metric.name.clone(),
                        window,
                        span: sp(metric.span),
                    });
                }
                filter
            }
            ast::MeasureBody::DistinctCustomers { .. } => continue,
        };
        if let ast::Period::FiscalYear(ends) = &filter.window.period
            && let Some(help) = mid_month(&ends.text)
        {
            out.push(Warning::YearEndMidMonth {
                text: ends.text.clone(),
                span: sp(ends.span),
                help,
            });
        }
    }
}

/// The names of the measures some requirement compares as a whole-window
/// total (neither `per month` nor `in every month`).
fn totals_read(policy: &Policy) -> Vec<&str> {
    fn walk<'p>(list: &'p [Requirement], policy: &'p Policy, out: &mut Vec<&'p str>) {
        for r in list {
            match r {
                Requirement::Measure(m) if !m.per_month && !m.every_month => {
                    if let Some(measure) = policy.measures.get(m.measure.0) {
                        out.push(measure.name.as_str());
                    }
                }
                Requirement::Either(branches, _) => {
                    for b in branches {
                        walk(&b.requirements, policy, out);
                    }
                }
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    for tier in policy.options.iter().flat_map(|o| &o.tiers) {
        walk(&tier.requirements, policy, &mut out);
    }
    out
}

/// For a valid `MM-DD` that is not a month's last day (in a year that is
/// not a leap year), the help naming the month end before it.
fn mid_month(text: &str) -> Option<String> {
    use chrono::Datelike;
    let (month, day) = text.split_once('-')?;
    let (month, day) = (month.parse::<u32>().ok()?, day.parse::<u32>().ok()?);
    let date = chrono::NaiveDate::from_ymd_opt(2017, month, day)?;
    if date.succ_opt()?.day() == 1 {
        return None;
    }
    let before = date.checked_sub_days(chrono::Days::new(u64::from(day)))?;
    Some(format!(
        "fiscal years end on the last day of a month: did you mean `{:02}-{:02}`? The period runs to the end of the day written",
        before.month(),
        before.day()
    ))
}

fn roles_in(file: &ast::PolicyFile) -> Vec<&ast::Role> {
    fn walk<'a>(reqs: &'a [ast::Requirement], out: &mut Vec<&'a ast::Role>) {
        for r in reqs {
            match r {
                ast::Requirement::People(p) => out.extend(&p.roles),
                ast::Requirement::Either(branches, _) => {
                    for b in branches {
                        walk(&b.requirements, out);
                    }
                }
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    for item in &file.competency.items {
        if let ast::Item::Option(o) = item {
            for t in &o.tiers {
                walk(&t.requirements, &mut out);
            }
        }
    }
    out
}

fn tier_name(policy: &Policy, tier: &Tier) -> String {
    policy
        .tiers
        .get(tier.level.0)
        .map_or_else(String::new, |t| t.id.clone())
}

/// W0121: a `distinct customers of` measure named as new customers or net
/// adds (`new_customers`, `net_adds`): the pages' "new customers" are
/// `new customers of`. Only the measure's own name is read, word by word
/// (`_` or `-` apart), so `customers` of a `new_business` revenue measure is
/// not flagged.
fn distinct_named_new(policy: &Policy, out: &mut Vec<Warning>) {
    for measure in &policy.measures {
        let MeasureKind::DistinctCustomers {
            of,
            count: CustomerCount::Distinct,
        } = measure.kind
        else {
            continue;
        };
        let says_new = measure
            .name
            .split('_')
            .any(|word| word.eq_ignore_ascii_case("new") || word.eq_ignore_ascii_case("adds"));
        if says_new {
            out.push(Warning::DistinctNamedNew {
                name: measure.name.clone(),
                base: policy
                    .measures
                    .get(of.0)
                    .map_or_else(String::new, |m| m.name.clone()),
                span: sp(measure.span),
            });
        }
    }
}

/// W0113: with a closed market list, every partner is in one of its
/// markets, so a per-market threshold without `every other market` that
/// leaves one out shuts that market's partners out of the tier; with an open
/// list nothing is known of other markets, so nothing is said.
fn closed_markets_left_out(policy: &Policy, out: &mut Vec<Warning>) {
    let Some(closed) = policy.closed_markets else {
        return;
    };
    fn walk(
        policy: &Policy,
        closed: crate::ast::Span,
        list: &[Requirement],
        out: &mut Vec<Warning>,
    ) {
        for requirement in list {
            match requirement {
                Requirement::Measure(m) => {
                    let Thresholds::PerMarket(named, None) = &m.thresholds else {
                        continue;
                    };
                    for (i, market) in policy.markets.iter().enumerate() {
                        if !named.iter().any(|(id, _)| id.0 == i) {
                            out.push(Warning::ClosedMarketLeftOut {
                                market: market.id.clone(),
                                measure: policy
                                    .measures
                                    .get(m.measure.0)
                                    .map_or_else(String::new, |x| x.name.clone()),
                                span: sp(m.span),
                                closed: sp(closed),
                            });
                        }
                    }
                }
                Requirement::Either(branches, _) => {
                    for branch in branches {
                        walk(policy, closed, &branch.requirements, out);
                    }
                }
                Requirement::People(_) | Requirement::Attribute(..) => {}
            }
        }
    }
    for option in &policy.options {
        for tier in &option.tiers {
            walk(policy, closed, &tier.requirements, out);
        }
    }
}

fn markets_dropped(policy: &Policy, out: &mut Vec<Warning>) {
    for option in &policy.options {
        for (h, higher) in option.tiers.iter().enumerate() {
            for lower in option.tiers.iter().take(h) {
                for low in &lower.requirements {
                    let Requirement::Measure(low) = low else {
                        continue;
                    };
                    let Thresholds::PerMarket(low_markets, _) = &low.thresholds else {
                        continue;
                    };
                    for high in &higher.requirements {
                        let Requirement::Measure(high) = high else {
                            continue;
                        };
                        if high.measure != low.measure
                            || high.per_month != low.per_month
                            || high.every_month != low.every_month
                        {
                            continue;
                        }
                        for (market, threshold) in low_markets {
                            if high.thresholds.for_market(Some(*market)).is_none() {
                                out.push(Warning::MarketDropped {
                                    market: policy
                                        .markets
                                        .get(market.0)
                                        .map_or_else(String::new, |m| m.id.clone()),
                                    measure: policy
                                        .measures
                                        .get(low.measure.0)
                                        .map_or_else(String::new, |m| m.name.clone()),
                                    lower: tier_name(policy, lower),
                                    higher: tier_name(policy, higher),
                                    span: sp(high.span),
                                    lower_span: sp(threshold.span),
                                });
                            }
                        }
                    }
                }
            }
        }
    }
}

fn ordering(policy: &Policy, out: &mut Vec<Warning>) {
    for pair in order::tier_order(policy) {
        let Some(option) = policy.options.get(pair.option) else {
            continue;
        };
        let (Some(lower), Some(higher)) =
            (option.tiers.get(pair.lower), option.tiers.get(pair.higher))
        else {
            continue;
        };
        let (lower_name, higher_name) = (tier_name(policy, lower), tier_name(policy, higher));
        match pair.verdict {
            order::Verdict::Proven => {}
            order::Verdict::Refuted {
                requirement,
                reason,
                counterexample,
                as_of,
            } => out.push(Warning::TierNotOrdered {
                higher_span: sp(lower
                    .requirements
                    .iter()
                    .find(|r| r.span() == requirement)
                    .map_or(higher.span, |r| order::counterpart(higher, r))),
                option: option.name.clone(),
                help: format!(
                    "this partner meets `{higher_name}` but not `{lower_name}` as of {as_of} (checked by evaluating it):\n{counterexample}"
                ),
                lower: lower_name,
                higher: higher_name,
                reason,
                requirement: sp(requirement),
            }),
            order::Verdict::Undecided { requirement, reason } => out.push(Warning::TierOrderUndecided {
                option: option.name.clone(),
                help: format!(
                    "Rubric found neither a proof nor a partner meeting `{higher_name}` but not `{lower_name}`; if `{higher_name}` is harder, silence this with `allow = [\"W0101\"]` under `[lints]` in rubric.toml, or `rubric check --allow W0101`; either silences it for every pair of tiers (a policy test does not)"
                ),
                lower: lower_name,
                higher: higher_name,
                requirement: sp(requirement),
                reason,
                higher_span: sp(higher.span),
            }),
        }
    }
}

/// How serious a finding is: what [`Levels`] makes of a lint, and what
/// every error is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// A warning that is not denied.
    Warning,
    /// An error, or a denied warning.
    Error,
}

/// Which lints are allowed (silent), and which are denied (errors): from a
/// project's `rubric.toml` and the command line.
///
/// ```toml
/// [lints]
/// allow = ["W0103"]
/// deny = ["warnings"]   # every warning is an error, or name codes
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Levels {
    allow: Vec<String>,
    deny: Vec<String>,
    deny_warnings: bool,
}

/// A `rubric.toml` that cannot be read as lint settings.
#[derive(Debug, Error, Diagnostic, Clone, PartialEq, Eq)]
#[error("invalid rubric.toml: {message}")]
#[diagnostic(
    code(E0600),
    help(
        "rubric.toml holds a `[lints]` table with `allow` and `deny` lists of codes, e.g. `deny = [\"warnings\"]`"
    )
)]
pub struct ConfigError {
    /// What is wrong.
    pub message: String,
    /// Where.
    #[label("here")]
    pub span: SourceSpan,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigToml {
    #[serde(default)]
    lints: LintsToml,
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct LintsToml {
    #[serde(default)]
    allow: Vec<String>,
    #[serde(default)]
    deny: Vec<String>,
}

impl Levels {
    /// Settings from the text of a `rubric.toml`.
    pub fn from_config(text: &str) -> Result<Levels, ConfigError> {
        let config: ConfigToml = toml::from_str(text).map_err(|e| {
            let span = e.span().map_or(0..0, |r| r);
            ConfigError {
                message: e.message().to_owned(),
                span: SourceSpan::new(span.start.into(), span.end - span.start),
            }
        })?;
        let mut levels = Levels::default();
        for code in config.lints.allow {
            levels.allow(&code);
        }
        for code in config.lints.deny {
            levels.deny(&code);
        }
        Ok(levels)
    }

    /// Silences a lint code (a later `deny` of the same code wins).
    pub fn allow(&mut self, code: &str) {
        let code = code.trim().to_uppercase();
        self.deny.retain(|c| *c != code);
        self.allow.push(code);
    }

    /// Makes a lint code an error; `warnings` makes every warning one.
    pub fn deny(&mut self, code: &str) {
        let code = code.trim().to_uppercase();
        if code == "WARNINGS" {
            self.deny_warnings = true;
            return;
        }
        self.allow.retain(|c| *c != code);
        self.deny.push(code);
    }

    /// What a warning with `code` becomes: `None` when allowed.
    pub fn level(&self, code: &str) -> Option<Level> {
        let code = code.to_uppercase();
        if self.deny.contains(&code) {
            Some(Level::Error)
        } else if self.allow.contains(&code) {
            None
        } else if self.deny_warnings {
            Some(Level::Error)
        } else {
            Some(Level::Warning)
        }
    }
}

/// Every lint code, for rule lists and JUnit.
pub const CODES: [&str; 22] = [
    "W0100", "W0101", "W0102", "W0103", "W0104", "W0105", "W0106", "W0107", "W0108", "W0109",
    "W0110", "W0111", "W0112", "W0113", "W0114", "W0115", "W0116", "W0117", "W0118", "W0119",
    "W0120", "W0121",
];
