//! Syntax tree to checked model: name resolution and validation of every
//! value. All errors of a file are collected in one run.

mod error;

use std::collections::HashMap;

use chrono::NaiveDate;
use miette::SourceSpan;
use rust_decimal::Decimal;

pub use error::PolicyError;

use crate::ast::{self, Span};
use crate::model::*;

/// The most groups a policy may declare: the evaluator keeps a person's groups
/// as bits of a `u64`.
pub const MAX_GROUPS: usize = 64;
/// The most roles in one people requirement: the evaluator keeps the roles a
/// person qualifies for as bits.
pub const MAX_ROLES: usize = 64;
/// The largest head count of a role.
pub const MAX_COUNT: u32 = 100_000;
/// The longest trailing window, in months.
pub const MAX_WINDOW_MONTHS: u32 = 1_200;

/// Checks a parsed policy file and builds its model, or returns every error.
///
/// ```
/// let file = rubric::syntax::parse(r#"competency demo {
///     tiers silver
///     exam AZ-900 "Azure Fundamentals"
///     group basics = any of AZ-900
///     option main { tier silver { require distinct people { 1 passing basics } } }
/// }"#).unwrap();
/// let policy = rubric::check::check(&file).unwrap();
/// assert_eq!(policy.groups[0].name, "basics");
/// ```
pub fn check(file: &ast::PolicyFile) -> Result<Policy, Vec<PolicyError>> {
    let mut checker = Checker::default();
    let policy = checker.competency(&file.competency);
    if checker.errors.is_empty() {
        Ok(policy)
    } else {
        Err(checker.errors)
    }
}

fn sp(span: Span) -> SourceSpan {
    span.into()
}

#[derive(Default)]
struct Checker {
    errors: Vec<PolicyError>,
}

/// Names declared so far of one kind, with where each was declared.
struct Names {
    kind: &'static str,
    index: HashMap<String, (usize, Span)>,
    order: Vec<String>,
}

impl Names {
    fn new(kind: &'static str) -> Self {
        Names {
            kind,
            index: HashMap::new(),
            order: Vec::new(),
        }
    }

    /// Declares `key`; a second declaration is an error and is not indexed.
    fn declare(
        &mut self,
        key: String,
        shown: &str,
        span: Span,
        errors: &mut Vec<PolicyError>,
    ) -> bool {
        if let Some((_, first)) = self.index.get(&key) {
            errors.push(PolicyError::Duplicate {
                kind: self.kind,
                name: shown.to_owned(),
                span: sp(span),
                first: sp(*first),
            });
            return false;
        }
        self.index.insert(key.clone(), (self.order.len(), span));
        self.order.push(key);
        true
    }

    fn get(&self, key: &str) -> Option<usize> {
        self.index.get(key).map(|(i, _)| *i)
    }

    /// "did you mean `x`?" for the closest declared name, if close enough.
    fn suggest(&self, wrong: &str) -> Option<String> {
        closest(wrong, self.order.iter().map(String::as_str))
            .map(|s| format!("did you mean `{s}`?"))
    }
}

/// The candidate nearest to `wrong`, if it is a plausible typo.
fn closest<'a>(wrong: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let wrong_lower = wrong.to_lowercase();
    candidates
        .map(|c| {
            (
                strsim::damerau_levenshtein(&wrong_lower, &c.to_lowercase()),
                c,
            )
        })
        .filter(|(d, c)| *d <= (c.chars().count().max(wrong.chars().count()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

impl Checker {
    fn competency(&mut self, c: &ast::Competency) -> Policy {
        let mut policy = Policy {
            id: c.id.name.clone(),
            title: c.title.as_ref().map(|t| t.value.clone()),
            version: None,
            effective: None,
            source: None,
            currency: None,
            markets: Vec::new(),
            associations: Vec::new(),
            tiers: Vec::new(),
            exams: Vec::new(),
            groups: Vec::new(),
            measures: Vec::new(),
            options: Vec::new(),
        };
        let mut header = Names::new("header item");
        let mut markets = Names::new("market");
        let mut associations = Names::new("association");
        let mut tiers = Names::new("tier");
        let mut exams = Names::new("exam");
        let mut groups = Names::new("group");
        let mut measures = Names::new("measure");
        let mut options = Names::new("option");
        let mut currency_span = None;

        // Declarations first, so that uses may come before or after them.
        for item in &c.items {
            match item {
                ast::Item::Version(text, span) => {
                    if header.declare("version".into(), "version", *span, &mut self.errors) {
                        policy.version = Some(text.value.clone());
                    }
                }
                ast::Item::Effective(token, span) => {
                    if header.declare("effective".into(), "effective", *span, &mut self.errors) {
                        policy.effective = self.date(token);
                    }
                }
                ast::Item::Source(text, span) => {
                    if header.declare("source".into(), "source", *span, &mut self.errors) {
                        policy.source = Some(text.value.clone());
                    }
                }
                ast::Item::Currency(token, span) => {
                    if header.declare("currency".into(), "currency", *span, &mut self.errors) {
                        policy.currency = self.currency(token);
                        currency_span = Some(token.span);
                    }
                }
                ast::Item::Market(d) => {
                    if markets.declare(
                        d.id.name.to_lowercase(),
                        &d.id.name,
                        d.id.span,
                        &mut self.errors,
                    ) {
                        policy.markets.push(Market {
                            id: d.id.name.clone(),
                            title: d.title.as_ref().map(|t| t.value.clone()),
                            span: d.span,
                        });
                    }
                }
                ast::Item::Association(d) => {
                    if associations.declare(
                        d.id.name.to_lowercase(),
                        &d.id.name,
                        d.id.span,
                        &mut self.errors,
                    ) {
                        policy.associations.push(Association {
                            id: d.id.name.clone(),
                            title: d.title.as_ref().map(|t| t.value.clone()),
                            span: d.span,
                        });
                    }
                }
                ast::Item::Tiers(list, span) => {
                    if header.declare("tiers".into(), "tiers", *span, &mut self.errors) {
                        for t in list {
                            if tiers.declare(t.name.clone(), &t.name, t.span, &mut self.errors) {
                                policy.tiers.push(TierLevel {
                                    id: t.name.clone(),
                                    span: t.span,
                                });
                            }
                        }
                    }
                }
                ast::Item::Exam(e) => {
                    if exams.declare(
                        exam_key(&e.code.code),
                        &e.code.code,
                        e.code.span,
                        &mut self.errors,
                    ) {
                        policy.exams.push(Exam {
                            code: e.code.code.clone(),
                            title: e.title.as_ref().map(|t| t.value.clone()),
                            span: e.span,
                        });
                    }
                }
                ast::Item::Group(g) => {
                    if groups.declare(
                        g.name.name.clone(),
                        &g.name.name,
                        g.name.span,
                        &mut self.errors,
                    ) {
                        if policy.groups.len() == MAX_GROUPS {
                            self.errors.push(PolicyError::TooManyGroups {
                                max: MAX_GROUPS,
                                span: sp(g.name.span),
                            });
                        }
                        policy.groups.push(ExamGroup {
                            name: g.name.name.clone(),
                            exams: Vec::new(),
                            span: g.span,
                        });
                    }
                }
                ast::Item::Revenue(r) => {
                    measures.declare(
                        r.name.name.clone(),
                        &r.name.name,
                        r.name.span,
                        &mut self.errors,
                    );
                }
                ast::Item::Option(o) => {
                    options.declare(
                        o.name.name.clone(),
                        &o.name.name,
                        o.name.span,
                        &mut self.errors,
                    );
                }
            }
        }

        // Group members and measures refer to the catalog and associations.
        for item in &c.items {
            match item {
                ast::Item::Group(g) => {
                    let members = self.group_members(g, &exams);
                    if let Some(i) = groups.get(&g.name.name)
                        && let Some(group) = policy.groups.get_mut(i)
                        && group.span == g.span
                    {
                        group.exams = members;
                    }
                }
                ast::Item::Revenue(r) => {
                    if let Some(measure) = self.measure(r, &associations) {
                        if measures.get(&r.name.name) == Some(policy.measures.len()) {
                            policy.measures.push(measure);
                        }
                    }
                }
                _ => {}
            }
        }

        if policy.tiers.is_empty() && !c.items.iter().any(|i| matches!(i, ast::Item::Tiers(..))) {
            self.errors.push(PolicyError::MissingTiers {
                name: c.id.name.clone(),
                span: sp(c.id.span),
            });
        }
        let mut first_amount: Option<&ast::Money> = None;
        for item in &c.items {
            if let ast::Item::Option(o) = item {
                let refs = Refs {
                    tiers: &tiers,
                    groups: &groups,
                    measures: &measures,
                    markets: &markets,
                };
                let option = self.option(o, &refs, &mut first_amount);
                if options.get(&o.name.name) == Some(policy.options.len()) {
                    policy.options.push(option);
                }
            }
        }
        if !c.items.iter().any(|i| matches!(i, ast::Item::Option(_))) {
            self.errors.push(PolicyError::MissingOption {
                name: c.id.name.clone(),
                span: sp(c.id.span),
            });
        }

        self.amount_currencies(&policy, first_amount, currency_span, c);
        policy
    }

    fn amount_currencies(
        &mut self,
        policy: &Policy,
        first_amount: Option<&ast::Money>,
        currency_span: Option<Span>,
        c: &ast::Competency,
    ) {
        let Some(first) = first_amount else { return };
        match (&policy.currency, currency_span) {
            (Some(currency), Some(declared)) => {
                for money in amounts(c) {
                    let code = money.currency.text.to_uppercase();
                    if iso_currency::Currency::from_code(&code).is_some() && code != *currency {
                        self.errors.push(PolicyError::CurrencyMismatch {
                            currency: money.currency.text.clone(),
                            policy_currency: currency.clone(),
                            span: sp(money.currency.span),
                            declared: sp(declared),
                        });
                    }
                }
            }
            _ if currency_span.is_none() => self.errors.push(PolicyError::MissingCurrency {
                currency: first.currency.text.to_uppercase(),
                span: sp(first.span),
            }),
            _ => {}
        }
    }

    fn group_members(&mut self, g: &ast::GroupDecl, exams: &Names) -> Vec<ExamId> {
        if g.exams.is_empty() {
            self.errors.push(PolicyError::EmptyGroup {
                name: g.name.name.clone(),
                span: sp(g.exams_span.to(g.name.span)),
            });
        }
        let mut members = Vec::new();
        for code in &g.exams {
            match exams.get(&exam_key(&code.code)) {
                Some(i) => members.push(ExamId(i)),
                None => {
                    let help = exams.suggest(&exam_key(&code.code)).unwrap_or_else(|| {
                        format!("add it to the catalog: `exam {} \"Title\"`", code.code)
                    });
                    self.errors.push(PolicyError::UnknownExam {
                        name: code.code.clone(),
                        span: sp(code.span),
                        help,
                    });
                }
            }
        }
        members
    }

    fn measure(&mut self, r: &ast::RevenueDecl, associations: &Names) -> Option<RevenueMeasure> {
        let window_months = match r.window_months.text.parse::<u32>() {
            Ok(n) if (1..=MAX_WINDOW_MONTHS).contains(&n) => Some(n),
            _ => {
                self.errors.push(PolicyError::BadWindow {
                    text: r.window_months.text.clone(),
                    max: MAX_WINDOW_MONTHS,
                    span: sp(r.window_months.span),
                });
                None
            }
        };
        let mut ids = Vec::new();
        for a in &r.associations {
            match associations.get(&a.name.to_lowercase()) {
                Some(i) => ids.push(AssociationId(i)),
                None => self.errors.push(PolicyError::UnknownAssociation {
                    name: a.name.clone(),
                    span: sp(a.span),
                    help: associations.suggest(&a.name).unwrap_or_else(|| {
                        format!(
                            "declare it in the competency: `association {} \"Title\"`",
                            a.name
                        )
                    }),
                }),
            }
        }
        Some(RevenueMeasure {
            name: r.name.name.clone(),
            revenue_type: r.revenue_type.name.clone(),
            products: r.products.iter().map(|p| p.value.clone()).collect(),
            window_months: window_months?,
            associations: ids,
            span: r.span,
        })
    }

    fn option<'a>(
        &mut self,
        o: &'a ast::OptionDecl,
        refs: &Refs<'_>,
        first_amount: &mut Option<&'a ast::Money>,
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
            let fresh = seen.declare(
                t.name.name.clone(),
                &t.name.name,
                t.name.span,
                &mut self.errors,
            );
            let level = refs.tiers.get(&t.name.name);
            if level.is_none() {
                let help = refs.tiers.suggest(&t.name.name).unwrap_or_else(|| {
                    format!(
                        "add `{}` to the `tiers` line, in its place from lowest to highest",
                        t.name.name
                    )
                });
                self.errors.push(PolicyError::UnknownTier {
                    name: t.name.name.clone(),
                    span: sp(t.name.span),
                    help,
                });
            }
            if t.requirements.is_empty() {
                self.errors.push(PolicyError::EmptyTier {
                    name: t.name.name.clone(),
                    span: sp(t.name.span),
                });
            }
            let requirements = t
                .requirements
                .iter()
                .filter_map(|r| self.requirement(r, refs, first_amount))
                .collect();
            if let Some(level) = level {
                if let Some((prev_level, prev)) = previous
                    && fresh
                    && level < prev_level
                {
                    self.errors.push(PolicyError::TierOutOfOrder {
                        name: t.name.name.clone(),
                        previous: prev.name.clone(),
                        span: sp(t.name.span),
                        previous_span: sp(prev.span),
                    });
                }
                previous = Some((level, &t.name));
                tiers.push(Tier {
                    level: TierLevelId(level),
                    requirements,
                    span: t.span,
                });
            }
        }
        CompetencyOption {
            name: o.name.name.clone(),
            title: o.title.as_ref().map(|t| t.value.clone()),
            tiers,
            span: o.span,
        }
    }

    fn requirement<'a>(
        &mut self,
        r: &'a ast::Requirement,
        refs: &Refs<'_>,
        first_amount: &mut Option<&'a ast::Money>,
    ) -> Option<Requirement> {
        match r {
            ast::Requirement::Measure(m) => {
                let measure = refs.measures.get(&m.measure.name);
                if measure.is_none() {
                    self.errors.push(PolicyError::UnknownMeasure {
                        name: m.measure.name.clone(),
                        span: sp(m.measure.span),
                        help: refs.measures.suggest(&m.measure.name).unwrap_or_else(|| {
                            format!("declare it: `revenue {} = net_new from \"Product\" over trailing 12 months`", m.measure.name)
                        }),
                    });
                }
                let thresholds = match &m.threshold {
                    ast::Threshold::Everywhere(money) => {
                        first_amount.get_or_insert(money);
                        Thresholds::Everywhere(self.money(money)?)
                    }
                    ast::Threshold::PerMarket(entries, span) => {
                        if entries.is_empty() {
                            self.errors
                                .push(PolicyError::EmptyThresholds { span: sp(*span) });
                        }
                        let mut seen = Names::new("market threshold");
                        let mut list = Vec::new();
                        for e in entries {
                            first_amount.get_or_insert(&e.amount);
                            let money = self.money(&e.amount);
                            seen.declare(
                                e.market.name.to_lowercase(),
                                &e.market.name,
                                e.market.span,
                                &mut self.errors,
                            );
                            match refs.markets.get(&e.market.name.to_lowercase()) {
                                Some(i) => list.extend(money.map(|m| (MarketId(i), m))),
                                None => self.errors.push(PolicyError::UnknownMarket {
                                    name: e.market.name.clone(),
                                    span: sp(e.market.span),
                                    help: refs.markets.suggest(&e.market.name).unwrap_or_else(|| {
                                        format!("declare it in the competency: `market {} \"Title\"`", e.market.name)
                                    }),
                                }),
                            }
                        }
                        Thresholds::PerMarket(list)
                    }
                };
                Some(Requirement::Revenue(RevenueRequirement {
                    measure: MeasureId(measure?),
                    thresholds,
                    span: m.span,
                }))
            }
            ast::Requirement::People(p) => {
                if p.roles.is_empty() {
                    self.errors
                        .push(PolicyError::EmptyPeople { span: sp(p.span) });
                }
                let roles = p
                    .roles
                    .iter()
                    .filter_map(|role| self.role(role, refs))
                    .collect();
                Some(Requirement::People(PeopleRequirement {
                    distinct: p.sharing == ast::Sharing::Distinct,
                    roles,
                    span: p.span,
                }))
            }
        }
    }

    fn role(&mut self, role: &ast::Role, refs: &Refs<'_>) -> Option<Role> {
        let count = match role.count.text.parse::<u32>() {
            Ok(n) if (1..=MAX_COUNT).contains(&n) => Some(n),
            _ => {
                self.errors.push(PolicyError::BadCount {
                    text: role.count.text.clone(),
                    max: MAX_COUNT,
                    span: sp(role.count.span),
                });
                None
            }
        };
        let mut groups = Vec::new();
        for g in &role.groups {
            match refs.groups.get(&g.name) {
                Some(i) => groups.push(GroupId(i)),
                None => self.errors.push(PolicyError::UnknownGroup {
                    name: g.name.clone(),
                    span: sp(g.span),
                    help: refs.groups.suggest(&g.name).unwrap_or_else(|| {
                        format!("declare it: `group {} = any of CODE, CODE`", g.name)
                    }),
                }),
            }
        }
        Some(Role {
            count: count?,
            groups,
            span: role.span,
        })
    }

    fn date(&mut self, token: &ast::Token) -> Option<NaiveDate> {
        match NaiveDate::parse_from_str(&token.text, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                self.errors.push(PolicyError::InvalidDate {
                    text: token.text.clone(),
                    span: sp(token.span),
                });
                None
            }
        }
    }

    fn currency(&mut self, token: &ast::Token) -> Option<String> {
        let upper = token.text.to_uppercase();
        if iso_currency::Currency::from_code(&upper).is_some() && upper == token.text {
            return Some(upper);
        }
        let help = if iso_currency::Currency::from_code(&upper).is_some() {
            format!("currency codes are written in capitals: `{upper}`")
        } else {
            "use a three-letter ISO 4217 code such as `USD` or `EUR`".to_owned()
        };
        self.errors.push(PolicyError::UnknownCurrency {
            code: token.text.clone(),
            span: sp(token.span),
            help,
        });
        None
    }

    fn money(&mut self, money: &ast::Money) -> Option<Money> {
        let currency = self.currency(&money.currency);
        let amount = self.amount(&money.number);
        let amount = amount?;
        if amount <= Decimal::ZERO {
            self.errors.push(PolicyError::BadThreshold {
                text: money.number.text.clone(),
                span: sp(money.number.span),
            });
            return None;
        }
        Some(Money {
            amount,
            currency: currency?,
            span: money.span,
        })
    }

    fn amount(&mut self, token: &ast::Token) -> Option<Decimal> {
        match parse_amount(&token.text) {
            Ok(d) => Some(d),
            Err(reason) => {
                self.errors.push(PolicyError::MalformedNumber {
                    text: token.text.clone(),
                    span: sp(token.span),
                    reason: reason.to_owned(),
                });
                None
            }
        }
    }
}

/// Names a requirement may refer to.
struct Refs<'n> {
    tiers: &'n Names,
    groups: &'n Names,
    measures: &'n Names,
    markets: &'n Names,
}

/// Every amount written in the competency, in source order.
fn amounts(c: &ast::Competency) -> impl Iterator<Item = &ast::Money> {
    c.items
        .iter()
        .filter_map(|i| match i {
            ast::Item::Option(o) => Some(o),
            _ => None,
        })
        .flat_map(|o| &o.tiers)
        .flat_map(|t| &t.requirements)
        .flat_map(|r| -> Vec<&ast::Money> {
            match r {
                ast::Requirement::Measure(m) => match &m.threshold {
                    ast::Threshold::Everywhere(money) => vec![money],
                    ast::Threshold::PerMarket(entries, _) => {
                        entries.iter().map(|e| &e.amount).collect()
                    }
                },
                ast::Requirement::People(_) => Vec::new(),
            }
        })
}

/// Parses an amount as written in a policy: digits grouped in threes by `_`
/// or `,` (one kind per number), an optional fraction, an optional sign.
fn parse_amount(text: &str) -> Result<Decimal, &'static str> {
    let (sign, unsigned) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (unsigned, None),
    };
    let separators: Vec<char> = whole.chars().filter(|c| matches!(c, '_' | ',')).collect();
    if let Some(&first) = separators.first() {
        if separators.iter().any(|c| *c != first) {
            return Err("mixes `_` and `,` as digit separators");
        }
        let mut groups = whole.split(first);
        let lead = groups.next().unwrap_or("");
        if lead.is_empty() || lead.len() > 3 || groups.any(|g| g.len() != 3) {
            return Err("digits must be grouped in threes");
        }
    }
    let digits: String = whole.chars().filter(char::is_ascii_digit).collect();
    let plain = match fraction {
        Some(f) => format!("{sign}{digits}.{f}"),
        None => format!("{sign}{digits}"),
    };
    Decimal::from_str_exact(&plain).map_err(|_| "too many digits for an amount")
}

#[cfg(test)]
mod tests {
    use super::parse_amount;
    use rust_decimal::Decimal;

    #[test]
    fn amounts_accept_both_separators_and_plain_digits() {
        for text in ["100000", "100_000", "100,000"] {
            assert_eq!(parse_amount(text), Ok(Decimal::from(100_000)), "{text}");
        }
        assert_eq!(
            parse_amount("1,234,567.89"),
            Ok(Decimal::new(123_456_789, 2))
        );
    }

    #[test]
    fn amounts_reject_bad_grouping() {
        for text in ["100,00", "1_0000", "1,000_000", "1000,000"] {
            assert!(parse_amount(text).is_err(), "{text}");
        }
    }
}
