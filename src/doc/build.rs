//! Builds the page tree from the checked policy, phrase by phrase from the
//! catalogue. Every construct of the model is matched here without a
//! catch-all, so a new kind of requirement or measure cannot be left off the
//! page silently: it stops the build until it is phrased.

use rust_decimal::Decimal;

use super::l10n::{Arg, Catalogue, number};
use super::page::{Block, Inline, Item, Page};
use super::{DocError, Since};
use crate::model::{
    Aggregate, CompetencyOption, CredentialKind, CustomerCount, Exam, GroupId, GroupMember,
    Measure, MeasureKind, MeasureRequirement, PeopleRequirement, Period, Policy, Quantifier,
    Requirement, Thresholds, Tier,
};

/// Builds the page of `policy` with the phrases of `catalogue`.
pub fn page(
    policy: &Policy,
    catalogue: &Catalogue,
    since: Option<Since<'_>>,
) -> Result<Page, DocError> {
    let b = Builder { policy, catalogue };
    b.page(since)
}

struct Builder<'a> {
    policy: &'a Policy,
    catalogue: &'a Catalogue,
}

/// The texts a policy may carry translated, looked up in the page's language
/// and falling back to the policy's own words.
impl Builder<'_> {
    fn t(&self, id: &str, args: &[(&str, Arg<'_>)]) -> Result<String, DocError> {
        self.catalogue.text(id, args)
    }

    fn lang(&self) -> &'static str {
        self.catalogue.language().tag()
    }

    fn competency_title(&self) -> String {
        self.policy
            .translated_title(self.lang(), crate::model::Subject::Competency)
            .or(self.policy.title.as_deref())
            .unwrap_or(&self.policy.id)
            .to_owned()
    }

    fn summary(&self) -> Option<String> {
        self.policy
            .translated_summary(self.lang())
            .map(str::to_owned)
    }

    fn option_title(&self, option: &CompetencyOption) -> String {
        self.policy
            .translated_title(self.lang(), crate::model::Subject::Option(&option.name))
            .or(option.title.as_deref())
            .unwrap_or(&option.name)
            .to_owned()
    }

    fn market_title(&self, market: crate::model::MarketId) -> String {
        let Some(m) = self.policy.markets.get(market.0) else {
            return String::new();
        };
        self.policy
            .translated_title(self.lang(), crate::model::Subject::Market(&m.id))
            .or(m.title.as_deref())
            .unwrap_or(&m.id)
            .to_owned()
    }

    fn association_title(&self, association: crate::model::AssociationId) -> String {
        let Some(a) = self.policy.associations.get(association.0) else {
            return String::new();
        };
        self.policy
            .translated_title(self.lang(), crate::model::Subject::Association(&a.id))
            .or(a.title.as_deref())
            .unwrap_or(&a.id)
            .to_owned()
    }

    fn attribute_title(&self, attribute: crate::model::AttributeId) -> String {
        let Some(a) = self.policy.attributes.get(attribute.0) else {
            return String::new();
        };
        self.policy
            .translated_title(self.lang(), crate::model::Subject::Attribute(&a.id))
            .or(a.title.as_deref())
            .unwrap_or(&a.id)
            .to_owned()
    }

    fn credential_title<'e>(&'e self, exam: &'e Exam) -> Option<&'e str> {
        self.policy
            .translated_title(self.lang(), crate::model::Subject::Credential(&exam.code))
            .or(exam.title.as_deref())
    }

    fn tier_id(&self, tier: &Tier) -> &str {
        self.policy
            .tiers
            .get(tier.level.0)
            .map_or("", |t| t.id.as_str())
    }

    /// `a`, `a or b`, `a, b or c` in the page's language.
    fn join(&self, items: &[String], last: &str) -> Result<String, DocError> {
        let Some((final_item, rest)) = items.split_last() else {
            return Ok(String::new());
        };
        let Some((first, middle)) = rest.split_first() else {
            return Ok(final_item.clone());
        };
        let mut head = first.clone();
        for item in middle {
            head = self.t(
                "list-comma",
                &[("first", Arg::Text(&head)), ("second", Arg::Text(item))],
            )?;
        }
        self.t(
            last,
            &[
                ("first", Arg::Text(&head)),
                ("second", Arg::Text(final_item)),
            ],
        )
    }

    fn page(&self, since: Option<Since<'_>>) -> Result<Page, DocError> {
        let title = self.competency_title();
        let page_title = self.t("page-title", &[("title", Arg::Text(&title))])?;
        let tiers: Vec<String> = self
            .policy
            .tiers
            .iter()
            .map(|t| self.t("tier-name", &[("tier", Arg::Text(&t.id))]))
            .collect::<Result<_, _>>()?;
        let tiers = self.join(&tiers, "list-or")?;
        let summary_id = if self.policy.options.len() == 1 {
            "page-summary-one-option"
        } else {
            "page-summary"
        };
        let generated_summary = self.t(
            summary_id,
            &[("title", Arg::Text(&title)), ("tiers", Arg::Text(&tiers))],
        )?;
        let description = self.summary().unwrap_or_else(|| generated_summary.clone());
        let mut blocks = vec![Block::Heading {
            level: 1,
            anchor: self.policy.id.replace('_', "-"),
            text: page_title.clone(),
        }];
        blocks.push(Block::Paragraph(vec![Inline::Text(description.clone())]));
        if self.summary().is_some() {
            blocks.push(Block::Paragraph(vec![Inline::Text(generated_summary)]));
        }
        for option in &self.policy.options {
            self.option(option, &mut blocks)?;
        }
        self.credentials(&mut blocks)?;
        self.products(&mut blocks)?;
        self.about(&mut blocks)?;
        if let Some(since) = since {
            let version = since
                .old
                .policy
                .version
                .clone()
                .unwrap_or_else(|| since.old.name.to_owned());
            blocks.push(Block::Heading {
                level: 2,
                anchor: "changes".to_owned(),
                text: self.t("changes-heading", &[("version", Arg::Text(&version))])?,
            });
            // The change log's own headings go one level down, under ours.
            let log = crate::report::diff::markdown(since.diff, &since.old, &since.new);
            let log: Vec<String> = log
                .lines()
                .map(|line| {
                    if line.starts_with('#') {
                        format!("#{line}")
                    } else {
                        line.to_owned()
                    }
                })
                .collect();
            blocks.push(Block::Markdown(log.join("\n")));
        }
        Ok(Page {
            lang: self.lang(),
            title: page_title,
            description,
            blocks,
        })
    }

    fn option(&self, option: &CompetencyOption, out: &mut Vec<Block>) -> Result<(), DocError> {
        let anchor = option.name.replace('_', "-");
        out.push(Block::Heading {
            level: 2,
            anchor: anchor.clone(),
            text: self.option_title(option),
        });
        // Tiers in ladder order, whatever order the option writes them in.
        let mut tiers: Vec<&Tier> = option.tiers.iter().collect();
        tiers.sort_by_key(|t| t.level);
        for tier in tiers {
            let id = self.tier_id(tier);
            out.push(Block::Heading {
                level: 3,
                anchor: format!("{anchor}-{}", id.replace('_', "-")),
                text: self.t("tier-heading", &[("tier", Arg::Text(id))])?,
            });
            let steps = self.steps(&tier.requirements)?;
            if steps.is_empty() {
                out.push(Block::Paragraph(vec![Inline::Text(
                    self.t("tier-none", &[])?,
                )]));
            } else {
                out.push(Block::List {
                    ordered: true,
                    items: steps,
                });
            }
        }
        Ok(())
    }

    /// The numbered steps of a set of requirements: the performance
    /// requirements together as one step (where the first of them is), then
    /// each other requirement as its own step, in the policy's order.
    fn steps(&self, requirements: &[Requirement]) -> Result<Vec<Item>, DocError> {
        let mut steps: Vec<Item> = Vec::new();
        let mut performance: Option<usize> = None;
        for requirement in requirements {
            match requirement {
                Requirement::Measure(m) => {
                    let blocks = self.measure_requirement(m)?;
                    match performance.and_then(|i| steps.get_mut(i)) {
                        Some(step) => step.children.extend(blocks),
                        None => {
                            performance = Some(steps.len());
                            steps.push(Item {
                                lead: vec![Inline::Text(self.t("step-performance", &[])?)],
                                children: blocks,
                            });
                        }
                    }
                }
                Requirement::People(p) => steps.push(self.people(p)?),
                Requirement::Attribute(attribute, _) => {
                    let title = self.attribute_title(*attribute);
                    steps.push(Item::text(
                        self.t("step-attribute", &[("attribute", Arg::Text(&title))])?,
                    ));
                }
                Requirement::Either(branches, _) => {
                    let mut children = Vec::new();
                    for (i, branch) in branches.iter().enumerate() {
                        if i > 0 {
                            children.push(Block::Paragraph(vec![Inline::Strong(
                                self.t("either-or", &[])?,
                            )]));
                        }
                        children.push(Block::List {
                            ordered: true,
                            items: self.steps(&branch.requirements)?,
                        });
                    }
                    steps.push(Item {
                        lead: vec![Inline::Text(self.t("step-either", &[])?)],
                        children,
                    });
                }
            }
        }
        Ok(steps)
    }

    /// What a measure counts, in words.
    fn measure_phrase(&self, measure: &Measure) -> Result<String, DocError> {
        let window = match measure.period {
            Period::Trailing { months } => {
                self.t("window", &[("months", Arg::Number(u64::from(months)))])?
            }
            Period::LastCompleteYear { calendar: true, .. } => {
                self.t("period-calendar-year", &[])?
            }
            Period::LastCompleteYear { ends, .. } => self.t(
                "period-fiscal-year",
                &[
                    ("month", Arg::Number(u64::from(ends.month))),
                    ("day", Arg::Number(u64::from(ends.day))),
                ],
            )?,
        };
        match &measure.kind {
            MeasureKind::Revenue {
                revenue_types,
                filter,
            } => {
                let products = self.join(&filter.products, "list-or")?;
                // Pooled types are summed: "net new and renewal revenue".
                let mut types = Vec::with_capacity(revenue_types.len());
                for revenue_type in revenue_types {
                    let text = self.t("revenue-type", &[("type", Arg::Text(revenue_type))])?;
                    types.push(if text == *revenue_type {
                        revenue_type.replace('_', " ")
                    } else {
                        text
                    });
                }
                let type_text = self.join(&types, "list-and")?;
                self.t(
                    "measure-revenue",
                    &[
                        ("type", Arg::Text(&type_text)),
                        ("products", Arg::Text(&products)),
                        ("window", Arg::Text(&window)),
                    ],
                )
            }
            MeasureKind::Usage {
                aggregate,
                metric,
                filter,
                keys,
                largest,
            } => {
                let products = self.join(&filter.products, "list-or")?;
                let metric = metric.replace('_', " ");
                let id = match (aggregate, *largest) {
                    (Aggregate::Sum, false) => "measure-usage-sum",
                    (Aggregate::Max, false) if keys.is_empty() => "measure-usage-max",
                    (Aggregate::Max, false) => "measure-usage-max-per-key",
                    (Aggregate::Latest, false) => "measure-usage-latest",
                    (Aggregate::Sum, true) => "measure-usage-largest-total",
                    (Aggregate::Max, true) => "measure-usage-max",
                    (Aggregate::Latest, true) => "measure-usage-largest-latest",
                };
                let words = keys
                    .iter()
                    .map(|k| self.t(&format!("key-{}", k.word()), &[]))
                    .collect::<Result<Vec<_>, _>>()?;
                let keys = self.join(&words, "list-and")?;
                self.t(
                    id,
                    &[
                        ("metric", Arg::Text(&metric)),
                        ("products", Arg::Text(&products)),
                        ("window", Arg::Text(&window)),
                        ("keys", Arg::Text(&keys)),
                    ],
                )
            }
            MeasureKind::DistinctCustomers { of, count } => {
                let base = match self.policy.measures.get(of.0) {
                    Some(base) => self.measure_phrase(base)?,
                    None => String::new(),
                };
                let id = match count {
                    CustomerCount::Distinct => "measure-distinct-customers",
                    CustomerCount::New => "measure-new-customers",
                    CustomerCount::Lost => "measure-lost-customers",
                    CustomerCount::NetNew => "measure-net-new-customers",
                };
                self.t(id, &[("of", Arg::Text(&base))])
            }
        }
    }

    /// The conditions on lines a measure counts, as sentences.
    fn measure_conditions(&self, measure: &Measure) -> Result<Vec<String>, DocError> {
        let filter = match &measure.kind {
            MeasureKind::Revenue { filter, .. } | MeasureKind::Usage { filter, .. } => filter,
            MeasureKind::DistinctCustomers { of, .. } => {
                return match self.policy.measures.get(of.0) {
                    Some(base) => self.measure_conditions(base),
                    None => Ok(Vec::new()),
                };
            }
        };
        let mut out = Vec::new();
        if !filter.associations.is_empty() {
            let titles: Vec<String> = filter
                .associations
                .iter()
                .map(|a| self.association_title(*a))
                .collect();
            let titles = self.join(&titles, "list-or")?;
            out.push(self.t(
                "measure-associated",
                &[("associations", Arg::Text(&titles))],
            )?);
        }
        if filter.paid_only {
            out.push(self.t("measure-paid-only", &[])?);
        }
        if let Some(other) = filter
            .customers_of
            .and_then(|o| self.policy.measures.get(o.0))
        {
            let of = self.measure_phrase(other)?;
            out.push(self.t("measure-customers-of", &[("of", Arg::Text(&of))])?);
        }
        for condition in &filter.conditions {
            let Some(field) = self.policy.fields.get(condition.field.0) else {
                continue;
            };
            let name = field.title.clone().unwrap_or_else(|| field.id.clone());
            let values: Vec<String> = condition
                .values
                .iter()
                .map(|v| format!("\u{201c}{v}\u{201d}"))
                .collect();
            let values = self.join(&values, "list-or")?;
            let id = if condition.negated {
                "measure-field-is-not"
            } else {
                "measure-field-is"
            };
            out.push(self.t(
                id,
                &[("field", Arg::Text(&name)), ("values", Arg::Text(&values))],
            )?);
        }
        Ok(out)
    }

    fn amount(
        &self,
        measure: &Measure,
        amount: Decimal,
        currency: Option<&str>,
    ) -> Result<String, DocError> {
        match currency.or(if measure.is_money() {
            self.policy.currency.as_deref()
        } else {
            None
        }) {
            Some(currency) => self.catalogue.money(amount, currency),
            None => Ok(number(amount)),
        }
    }

    fn measure_requirement(
        &self,
        requirement: &MeasureRequirement,
    ) -> Result<Vec<Block>, DocError> {
        let Some(measure) = self.policy.measures.get(requirement.measure.0) else {
            return Ok(Vec::new());
        };
        let mut lead = self.measure_phrase(measure)?;
        lead.push(':');
        let (market_id, everywhere_id) = match (requirement.per_month, requirement.more_than) {
            _ if requirement.every_month && requirement.more_than => (
                "every-month-threshold-more",
                "all-markets-every-month-threshold-more",
            ),
            _ if requirement.every_month => {
                ("every-month-threshold", "all-markets-every-month-threshold")
            }
            (true, false) => ("per-month-threshold", "all-markets-per-month-threshold"),
            (false, false) => ("market-threshold", "all-markets-threshold"),
            (true, true) => (
                "per-month-threshold-more",
                "all-markets-per-month-threshold-more",
            ),
            (false, true) => ("market-threshold-more", "all-markets-threshold-more"),
        };
        let items = match &requirement.thresholds {
            Thresholds::Everywhere(threshold) => {
                let amount =
                    self.amount(measure, threshold.amount, threshold.currency.as_deref())?;
                vec![Item::text(
                    self.t(everywhere_id, &[("amount", Arg::Text(&amount))])?,
                )]
            }
            Thresholds::PerMarket(list, other) => list
                .iter()
                .map(|(market, threshold)| Ok((self.market_title(*market), threshold)))
                .chain(
                    other
                        .iter()
                        .map(|threshold| Ok((self.t("other-markets", &[])?, threshold))),
                )
                .map(|entry: Result<_, DocError>| {
                    let (market, threshold) = entry?;
                    let amount =
                        self.amount(measure, threshold.amount, threshold.currency.as_deref())?;
                    Ok(Item::text(self.t(
                        market_id,
                        &[
                            ("market", Arg::Text(&market)),
                            ("amount", Arg::Text(&amount)),
                        ],
                    )?))
                })
                .collect::<Result<_, DocError>>()?,
        };
        let mut blocks = vec![
            Block::Paragraph(vec![Inline::Text(lead)]),
            Block::List {
                ordered: false,
                items,
            },
        ];
        for condition in self.measure_conditions(measure)? {
            blocks.push(Block::Paragraph(vec![Inline::Text(condition)]));
        }
        Ok(blocks)
    }

    /// A people requirement as the published pages phrase it: the first
    /// role's people, "the same individual also" for each further group of a
    /// role, "another individual" for each further role.
    fn people(&self, requirement: &PeopleRequirement) -> Result<Item, DocError> {
        let counts = requirement.roles.iter().map(|r| r.count);
        let (step_id, heads) = if requirement.distinct {
            ("step-people", counts.sum::<u32>())
        } else {
            ("step-people-shared", counts.max().unwrap_or(0))
        };
        let lead = self.t(step_id, &[("count", Arg::Number(u64::from(heads)))])?;
        let mut children = Vec::new();
        for (r, role) in requirement.roles.iter().enumerate() {
            for (g, group) in role.groups.iter().enumerate() {
                let who = match (r, g, requirement.distinct) {
                    (0, 0, _) => "role-first",
                    (_, 0, true) => "role-another",
                    (_, 0, false) => "role-shared",
                    (_, _, _) => "role-same",
                };
                let Some(group_decl) = self.policy.groups.get(group.0) else {
                    continue;
                };
                let how = match group_decl.quantifier {
                    Quantifier::Any => "any",
                    Quantifier::All => "all",
                };
                children.push(Block::Paragraph(vec![Inline::Text(self.t(
                    &format!("{who}-{how}"),
                    &[("count", Arg::Number(u64::from(role.count)))],
                )?)]));
                children.push(Block::List {
                    ordered: false,
                    items: self.group_members(*group)?,
                });
            }
        }
        Ok(Item {
            lead: vec![Inline::Text(lead)],
            children,
        })
    }

    /// The members of a group as list items: credentials, and member groups
    /// with their own members nested.
    fn group_members(&self, group: GroupId) -> Result<Vec<Item>, DocError> {
        let Some(g) = self.policy.groups.get(group.0) else {
            return Ok(Vec::new());
        };
        g.members
            .iter()
            .map(|member| match member {
                GroupMember::Exam(exam) => match self.policy.exams.get(exam.0) {
                    Some(exam) => self.credential(exam, false),
                    None => Ok(Item::default()),
                },
                GroupMember::Group(inner) => {
                    let quantifier = self
                        .policy
                        .groups
                        .get(inner.0)
                        .map_or(Quantifier::Any, |g| g.quantifier);
                    let id = match quantifier {
                        Quantifier::Any => "group-any",
                        Quantifier::All => "group-all",
                    };
                    Ok(Item {
                        lead: vec![Inline::Text(self.t(id, &[])?)],
                        children: vec![Block::List {
                            ordered: false,
                            items: self.group_members(*inner)?,
                        }],
                    })
                }
            })
            .collect()
    }

    /// A credential: its code and title, its kind when `with_kind` (or when
    /// it has no code apart from its name), and its availability notes.
    fn credential(&self, exam: &Exam, with_kind: bool) -> Result<Item, DocError> {
        let kind = match exam.kind {
            CredentialKind::Exam => "exam",
            CredentialKind::Assessment => "assessment",
            CredentialKind::Certification => "certification",
        };
        let kind_text = self.t("kind", &[("kind", Arg::Text(kind))])?;
        let mut lead = Vec::new();
        match self.credential_title(exam) {
            Some(title) => {
                lead.push(Inline::Code(exam.code.clone()));
                lead.push(Inline::Text(format!(": {title}")));
            }
            None => lead.push(Inline::Text(exam.code.clone())),
        }
        if with_kind || exam.title.is_none() && exam.kind != CredentialKind::Exam {
            lead.push(Inline::Text(format!(" ({kind_text})")));
        }
        let mut notes = Vec::new();
        if let Some(from) = exam.available_from {
            let date = self.catalogue.date(from)?;
            notes.push(self.t("available-from", &[("date", Arg::Text(&date))])?);
        }
        if let Some(retires) = exam.retires {
            let date = self.catalogue.date(retires)?;
            notes.push(self.t("retires", &[("date", Arg::Text(&date))])?);
            if let Some(until) = exam.accepted_until.filter(|until| *until > retires) {
                let date = self.catalogue.date(until)?;
                notes.push(self.t(
                    "retired-grace",
                    &[("kind", Arg::Text(kind)), ("date", Arg::Text(&date))],
                )?);
            }
        }
        if let Some(until) = exam.registration_until {
            let date = self.catalogue.date(until)?;
            notes.push(self.t("registration-until", &[("date", Arg::Text(&date))])?);
        }
        if !exam.former_names.is_empty() {
            let names = self.join(&exam.former_names, "list-and")?;
            notes.push(self.t("formerly", &[("names", Arg::Text(&names))])?);
        }
        if !notes.is_empty() {
            lead.push(Inline::Text(format!(" — {}", notes.join(" "))));
        }
        Ok(Item {
            lead,
            children: Vec::new(),
        })
    }

    fn credentials(&self, out: &mut Vec<Block>) -> Result<(), DocError> {
        if self.policy.exams.is_empty() {
            return Ok(());
        }
        out.push(Block::Heading {
            level: 2,
            anchor: "credentials".to_owned(),
            text: self.t("credentials-heading", &[])?,
        });
        out.push(Block::List {
            ordered: false,
            items: self
                .policy
                .exams
                .iter()
                .map(|exam| self.credential(exam, true))
                .collect::<Result<_, _>>()?,
        });
        Ok(())
    }

    /// The product catalogue: each product with its former names, and each
    /// family with the products it stands for.
    fn products(&self, out: &mut Vec<Block>) -> Result<(), DocError> {
        if self.policy.products.is_empty() && self.policy.families.is_empty() {
            return Ok(());
        }
        out.push(Block::Heading {
            level: 2,
            anchor: "products".to_owned(),
            text: self.t("products-heading", &[])?,
        });
        let mut items = Vec::new();
        for product in &self.policy.products {
            let mut lead = vec![Inline::Text(product.name.clone())];
            if !product.former_names.is_empty() {
                let names = self.join(&product.former_names, "list-and")?;
                let note = self.t("formerly", &[("names", Arg::Text(&names))])?;
                lead.push(Inline::Text(format!(" — {note}")));
            }
            items.push(Item {
                lead,
                children: Vec::new(),
            });
        }
        for family in &self.policy.families {
            let members: Vec<String> = family
                .products
                .iter()
                .filter_map(|p| self.policy.products.get(p.0))
                .map(|p| p.name.clone())
                .collect();
            let members = self.join(&members, "list-and")?;
            items.push(Item::text(self.t(
                "product-family",
                &[
                    ("family", Arg::Text(&family.name)),
                    ("products", Arg::Text(&members)),
                ],
            )?));
        }
        out.push(Block::List {
            ordered: false,
            items,
        });
        Ok(())
    }

    fn about(&self, out: &mut Vec<Block>) -> Result<(), DocError> {
        out.push(Block::Heading {
            level: 2,
            anchor: "about".to_owned(),
            text: self.t("about-heading", &[])?,
        });
        let mut items = Vec::new();
        if let Some(version) = &self.policy.version {
            items.push(Item::text(
                self.t("about-version", &[("version", Arg::Text(version))])?,
            ));
        }
        if let Some(effective) = self.policy.effective {
            let date = self.catalogue.date(effective)?;
            items.push(Item::text(
                self.t("about-effective", &[("date", Arg::Text(&date))])?,
            ));
        }
        if let Some(source) = &self.policy.source {
            items.push(Item::text(
                self.t("about-source", &[("source", Arg::Text(source))])?,
            ));
        }
        if !items.is_empty() {
            out.push(Block::List {
                ordered: false,
                items,
            });
        }
        out.push(Block::Paragraph(vec![Inline::Text(
            self.t("about-generated", &[("id", Arg::Text(&self.policy.id))])?,
        )]));
        Ok(())
    }
}
