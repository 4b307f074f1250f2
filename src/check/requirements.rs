//! The resolve pass over options: each tier's place on the ladder and the
//! groups, measures, markets and attributes its requirements name.

use super::declare::{Declared, Names, Scope};
use super::{Checker, MAX_ROLES, PolicyError, sp};
use crate::ast;
use crate::model::*;

/// What requirements are checked against: the names, and the policy built
/// so far (measures must be known to tell money from counts).
#[derive(Clone, Copy)]
struct Context<'c> {
    names: &'c Scope,
    policy: &'c Policy,
}

impl Checker {
    /// Builds every option, and returns every amount written in a threshold
    /// (for the currency check of the whole file).
    pub(super) fn resolve_options<'a>(
        &mut self,
        c: &'a ast::Competency,
        declared: &mut Declared,
    ) -> Vec<&'a ast::Amount> {
        let mut amounts = Vec::new();
        let mut options = Vec::new();
        let cx = Context {
            names: &declared.names,
            policy: &declared.policy,
        };
        for item in &c.items {
            if let ast::Item::Option(o) = item {
                let option = self.option(o, cx, &mut amounts);
                if cx.names.options.get(&o.name.name) == Some(options.len()) {
                    options.push(option);
                }
            }
        }
        declared.policy.options = options;
        amounts
    }

    fn option<'a>(
        &mut self,
        o: &'a ast::OptionDecl,
        cx: Context<'_>,
        amounts: &mut Vec<&'a ast::Amount>,
    ) -> CompetencyOption {
        if o.tiers.is_empty() {
            self.errors.push(PolicyError::EmptyOption {
                name: o.name.name.clone(),
                span: sp(o.name.span),
            });
        }
        let mut seen = Names::new("tier");
        let mut previous: Option<(usize, &ast::Ident)> = None;
        let mut tiers = Vec::new();
        for t in &o.tiers {
            let fresh = seen.declare_id(&t.name, &mut self.errors);
            let Some(tier) = self.tier(t, cx, amounts) else {
                continue;
            };
            if let Some((prev_level, prev)) = previous
                && fresh
                && tier.level.0 < prev_level
            {
                self.errors.push(PolicyError::TierOutOfOrder {
                    name: t.name.name.clone(),
                    previous: prev.name.clone(),
                    span: sp(t.name.span),
                    previous_span: sp(prev.span),
                });
            }
            previous = Some((tier.level.0, &t.name));
            tiers.push(tier);
        }
        CompetencyOption {
            name: o.name.name.clone(),
            title: o.title.as_ref().map(|t| t.value.clone()),
            tiers,
            span: o.span,
        }
    }

    /// A tier of an option; `None` when it is not on the ladder (reported).
    fn tier<'a>(
        &mut self,
        t: &'a ast::TierDecl,
        cx: Context<'_>,
        amounts: &mut Vec<&'a ast::Amount>,
    ) -> Option<Tier> {
        // Without a ladder every tier is unknown; E0208 already says so.
        let level = if cx.names.tiers.is_empty() {
            None
        } else {
            self.resolve(
                &cx.names.tiers,
                (&t.name.name, t.name.span),
                &[],
                |name, span, help| PolicyError::UnknownTier { name, span, help },
                || {
                    format!(
                        "add `{}` to the `tiers` line, in its place from lowest to highest",
                        t.name.name
                    )
                },
            )
        };
        if t.requirements.is_empty() {
            self.errors.push(PolicyError::EmptyTier {
                name: t.name.name.clone(),
                span: sp(t.name.span),
            });
        }
        let requirements = self.requirements(&t.requirements, cx, amounts);
        Some(Tier {
            level: TierLevelId(level?),
            requirements,
            span: t.span,
        })
    }

    fn requirements<'a>(
        &mut self,
        list: &'a [ast::Requirement],
        cx: Context<'_>,
        amounts: &mut Vec<&'a ast::Amount>,
    ) -> Vec<Requirement> {
        list.iter()
            .filter_map(|r| self.requirement(r, cx, amounts))
            .collect()
    }

    fn requirement<'a>(
        &mut self,
        r: &'a ast::Requirement,
        cx: Context<'_>,
        amounts: &mut Vec<&'a ast::Amount>,
    ) -> Option<Requirement> {
        match r {
            ast::Requirement::Measure(m) => self
                .measure_requirement(m, cx, amounts)
                .map(Requirement::Measure),
            ast::Requirement::People(p) => Some(Requirement::People(self.people(p))),
            ast::Requirement::Attribute(name, span) => {
                let attribute = self.resolve(
                    &cx.names.attributes,
                    (&name.name, name.span),
                    &[],
                    |name, span, help| PolicyError::UnknownAttribute { name, span, help },
                    || {
                        format!(
                            "declare it in the competency: `attribute {} \"Title\"`",
                            name.name
                        )
                    },
                )?;
                Some(Requirement::Attribute(AttributeId(attribute), *span))
            }
            ast::Requirement::Either(branches, span) => {
                let branches = branches
                    .iter()
                    .map(|b| {
                        if b.requirements.is_empty() {
                            self.errors
                                .push(PolicyError::EmptyBranch { span: sp(b.span) });
                        }
                        Branch {
                            requirements: self.requirements(&b.requirements, cx, amounts),
                            span: b.span,
                        }
                    })
                    .collect();
                Some(Requirement::Either(branches, *span))
            }
        }
    }

    fn people(&mut self, p: &ast::PeopleRequirement) -> PeopleRequirement {
        if p.roles.is_empty() {
            self.errors
                .push(PolicyError::EmptyPeople { span: sp(p.span) });
        }
        if let Some(extra) = p.roles.get(MAX_ROLES) {
            self.errors.push(PolicyError::TooManyRoles {
                max: MAX_ROLES,
                span: sp(extra.span),
            });
        }
        PeopleRequirement {
            distinct: p.sharing == ast::Sharing::Distinct,
            roles: p.roles.iter().filter_map(|role| self.role(role)).collect(),
            span: p.span,
        }
    }

    fn measure_requirement<'a>(
        &mut self,
        m: &'a ast::MeasureRequirement,
        cx: Context<'_>,
        amounts: &mut Vec<&'a ast::Amount>,
    ) -> Option<MeasureRequirement> {
        let measure = self.resolve(
            &cx.names.measures,
            (&m.measure.name, m.measure.span),
            &[],
            |name, span, help| PolicyError::UnknownMeasure { name, span, help },
            || {
                format!(
                    "declare it: `revenue {} = net_new from \"Product\" over trailing 12 months`",
                    m.measure.name
                )
            },
        );
        let is_money = measure
            .and_then(|i| cx.policy.measures.get(i))
            .map(Measure::is_money);
        let written: Vec<&'a ast::Amount> = match &m.threshold {
            ast::Threshold::Everywhere(amount) => vec![amount],
            ast::Threshold::PerMarket(entries, _) => entries.iter().map(|e| &e.amount).collect(),
        };
        for amount in written {
            amounts.push(amount);
            if let Some(is_money) = is_money {
                self.unit(
                    &m.measure.name,
                    is_money,
                    amount,
                    cx.policy.currency.as_deref(),
                );
            }
        }
        let more_than = m.more_than.is_some();
        let thresholds = match &m.threshold {
            ast::Threshold::Everywhere(amount) => {
                Thresholds::Everywhere(self.threshold(amount, more_than)?)
            }
            ast::Threshold::PerMarket(entries, span) => {
                self.market_thresholds(entries, *span, cx, more_than)
            }
        };
        Some(MeasureRequirement {
            measure: MeasureId(measure?),
            per_month: m.per_month.is_some(),
            every_month: m.every_month.is_some(),
            more_than,
            thresholds,
            span: m.span,
        })
    }

    fn market_thresholds(
        &mut self,
        entries: &[ast::MarketThreshold],
        span: crate::ast::Span,
        cx: Context<'_>,
        more_than: bool,
    ) -> Thresholds {
        if entries.is_empty() {
            self.errors
                .push(PolicyError::EmptyThresholds { span: sp(span) });
        }
        let names = cx.names;
        let mut seen = Names::ignoring_case("market threshold");
        let mut list = Vec::new();
        let mut other: Option<(crate::ast::Span, Option<Threshold>)> = None;
        // Markets named here are not suggested for another one here.
        let named: Vec<String> = entries
            .iter()
            .filter_map(|e| match &e.market {
                ast::ThresholdMarket::Named(m) => Some(m.name.to_lowercase()),
                ast::ThresholdMarket::Other(_) => None,
            })
            .collect();
        for e in entries {
            let threshold = self.threshold(&e.amount, more_than);
            let market = match &e.market {
                ast::ThresholdMarket::Named(market) => market,
                ast::ThresholdMarket::Other(at) => {
                    match &other {
                        Some((first, _)) => {
                            self.errors.push(PolicyError::RepeatedOtherMarkets {
                                span: sp(*at),
                                first: sp(*first),
                            });
                        }
                        None => other = Some((*at, threshold)),
                    }
                    continue;
                }
            };
            seen.declare_id(market, &mut self.errors);
            let market = self.resolve(
                &names.markets,
                (&market.name, market.span),
                &named,
                |name, span, help| PolicyError::UnknownMarket { name, span, help },
                || {
                    format!(
                        "declare it in the competency: `market {} \"Title\"`",
                        market.name
                    )
                },
            );
            if let Some(i) = market {
                list.extend(threshold.map(|t| (MarketId(i), t)));
            }
        }
        // With a closed list that this map covers, no partner is left for
        // `every other market`.
        if let (Some((at, _)), Some(closed)) = (&other, cx.policy.closed_markets) {
            let covered = (0..cx.policy.markets.len())
                .all(|m| entries.iter().any(|e| matches!(&e.market, ast::ThresholdMarket::Named(n) if names.markets.get(&n.name) == Some(m))));
            if covered {
                self.errors.push(PolicyError::OtherMarketsNeverApply {
                    span: sp(*at),
                    closed: sp(closed),
                });
            }
        }
        Thresholds::PerMarket(list, other.and_then(|(_, t)| t))
    }

    fn role(&mut self, role: &ast::Role) -> Option<Role> {
        let count = self.count(&role.count);
        // Each reference was resolved (or reported) by `resolve_role_refs`.
        let groups: Vec<GroupId> = role
            .groups
            .iter()
            .filter_map(|r| self.role_refs.get(&(r.span().start, r.span().end)).copied())
            .collect();
        let count = count?;
        let shown: Vec<String> = role.groups.iter().map(ast::RoleRef::text).collect();
        Some(Role {
            description: format!("{count} passing {}", shown.join(" and ")),
            count,
            groups,
            span: role.span,
        })
    }
}
