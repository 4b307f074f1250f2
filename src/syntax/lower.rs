//! Lowering: one function per construct, from pest pairs to [`crate::ast`].
//!
//! The grammar guarantees each pair's shape; a [`Children`] cursor still
//! checks it and turns a mismatch into an internal error, never a panic.

use pest::iterators::Pair;

use super::{Rule, SyntaxError, keywords};
use crate::ast::*;

type Result<T> = std::result::Result<T, SyntaxError>;

/// Comments and keywords: pairs that lowering never reads. Where a keyword
/// decides something (`any` or `all`), lowering reads the rule that holds it.
fn is_noise(rule: Rule) -> bool {
    rule == Rule::COMMENT || keywords::by_rule(rule).is_some()
}

/// The rule of the one keyword inside `pair` (a `quantifier`, `sharing` or
/// `credential_kind`), decoded by `decode`.
fn choice<T>(pair: &Pair<'_, Rule>, decode: impl Fn(Rule) -> Option<T>) -> Result<T> {
    pair.clone()
        .into_inner()
        .find_map(|p| decode(p.as_rule()))
        .ok_or_else(|| {
            SyntaxError::internal(
                pair.as_span().start(),
                &format!("no keyword decides {:?}", pair.as_rule()),
            )
        })
}

/// The span of a pair without the whitespace and comments pest leaves at its
/// end when an optional or repeated part after its last token did not match.
fn span_of(pair: &Pair<'_, Rule>) -> Span {
    let span = pair.as_span();
    let (start, mut end) = (span.start(), span.end());
    let text = span.as_str();
    if !text.ends_with(|c: char| c.is_whitespace()) && !text.contains(['#', '/']) {
        return Span::new(start, end);
    }
    let comments: Vec<(usize, usize)> = pair
        .clone()
        .into_inner()
        .flatten()
        .filter(|p| p.as_rule() == Rule::COMMENT)
        .map(|p| (p.as_span().start(), p.as_span().end()))
        .collect();
    loop {
        let kept = text.get(..end - start).unwrap_or("").trim_end();
        end = start + kept.len();
        match comments.iter().find(|(_, e)| *e == end) {
            Some((s, _)) => end = *s,
            None => return Span::new(start, end),
        }
    }
}

/// The children of a pair, with comments (collected separately) and keywords
/// (which carry no meaning once parsed) skipped.
struct Children<'i> {
    inner: std::iter::Peekable<pest::iterators::Pairs<'i, Rule>>,
    parent: Span,
}

impl<'i> Children<'i> {
    fn of(pair: Pair<'i, Rule>) -> Self {
        let parent = span_of(&pair);
        Children {
            inner: pair.into_inner().peekable(),
            parent,
        }
    }

    fn skip_noise(&mut self) {
        while self.inner.next_if(|p| is_noise(p.as_rule())).is_some() {}
    }

    /// The next child, which must be `rule`.
    fn expect(&mut self, rule: Rule) -> Result<Pair<'i, Rule>> {
        self.skip_noise();
        match self.inner.next() {
            Some(pair) if pair.as_rule() == rule => Ok(pair),
            Some(pair) => Err(SyntaxError::internal(
                pair.as_span().start(),
                &format!("expected {rule:?}, found {:?}", pair.as_rule()),
            )),
            None => Err(SyntaxError::internal(
                self.parent.end,
                &format!("missing {rule:?}"),
            )),
        }
    }

    /// The next child if it is `rule`.
    fn optional(&mut self, rule: Rule) -> Option<Pair<'i, Rule>> {
        self.skip_noise();
        self.inner.next_if(|p| p.as_rule() == rule)
    }

    /// Every remaining child that is not a comment.
    fn rest(mut self) -> impl Iterator<Item = Pair<'i, Rule>> {
        self.skip_noise();
        self.inner.filter(|p| !is_noise(p.as_rule()))
    }
}

pub(super) fn policy_file(pair: Pair<'_, Rule>) -> Result<PolicyFile> {
    let comments = pair
        .clone()
        .into_inner()
        .flatten()
        .filter(|p| p.as_rule() == Rule::COMMENT)
        .map(|p| Comment {
            text: p.as_str().trim_end().to_owned(),
            span: span_of(&p),
        })
        .collect();
    let mut children = Children::of(pair);
    let competency = competency(children.expect(Rule::competency)?)?;
    Ok(PolicyFile {
        competency,
        comments,
    })
}

fn competency(pair: Pair<'_, Rule>) -> Result<Competency> {
    let span = span_of(&pair);
    let mut children = Children::of(pair);
    let id = ident(children.expect(Rule::ident)?);
    let title = children.optional(Rule::title).map(title).transpose()?;
    let items = children.rest().map(item).collect::<Result<Vec<_>>>()?;
    Ok(Competency {
        id,
        title,
        items,
        span,
    })
}

fn item(pair: Pair<'_, Rule>) -> Result<Item> {
    let span = span_of(&pair);
    let rule = pair.as_rule();
    // `revenue types` or `usage metrics`: the opening keyword decides.
    let of_revenue = rule == Rule::line_types_decl
        && pair
            .clone()
            .into_inner()
            .any(|p| p.as_rule() == Rule::kw_revenue);
    let mut children = Children::of(pair);
    Ok(match rule {
        Rule::version_decl => Item::Version(string(children.expect(Rule::string)?)?, span),
        Rule::effective_decl => Item::Effective(token(children.expect(Rule::date)?), span),
        Rule::source_decl => Item::Source(string(children.expect(Rule::string)?)?, span),
        Rule::currency_decl => Item::Currency(token(children.expect(Rule::currency_code)?), span),
        Rule::market_decl => Item::Market(declaration(children, span)?),
        Rule::markets_decl => Item::ClosedMarkets(children.rest().map(ident).collect(), span),
        Rule::association_decl => Item::Association(declaration(children, span)?),
        Rule::attribute_decl => Item::Attribute(declaration(children, span)?),
        Rule::field_decl => {
            let id = ident(children.expect(Rule::ident)?);
            let title = children.optional(Rule::title).map(title).transpose()?;
            let values = match children.optional(Rule::field_values) {
                Some(list) => Children::of(list)
                    .rest()
                    .map(string)
                    .collect::<Result<_>>()?,
                None => Vec::new(),
            };
            Item::Field(FieldDecl {
                id,
                title,
                values,
                span,
            })
        }
        Rule::tiers_decl => Item::Tiers(children.rest().map(ident).collect(), span),
        Rule::exam_decl => Item::Exam(exam(children, span)?),
        Rule::group_decl => {
            let name = ident(children.expect(Rule::ident)?);
            let quantifier_pair = children.expect(Rule::quantifier)?;
            let says_one = says_one(&quantifier_pair);
            let quantifier = choice(&quantifier_pair, keywords::quantifier_of)?;
            let list = children.expect(Rule::exam_list)?;
            let exams_span = span_of(&list);
            let exams = Children::of(list)
                .rest()
                .map(exam_code)
                .collect::<Result<_>>()?;
            Item::Group(GroupDecl {
                name,
                quantifier,
                says_one,
                exams,
                exams_span,
                span,
            })
        }
        Rule::product_decl => {
            let name = string(children.expect(Rule::string)?)?;
            let former_names = match children.optional(Rule::product_former_names) {
                Some(former) => Children::of(former)
                    .rest()
                    .map(string)
                    .collect::<Result<_>>()?,
                None => Vec::new(),
            };
            Item::Product(ProductDecl {
                name,
                former_names,
                span,
            })
        }
        Rule::family_decl => {
            let name = string(children.expect(Rule::string)?)?;
            let members = children.rest().map(string).collect::<Result<_>>()?;
            Item::Family(FamilyDecl {
                name,
                members,
                span,
            })
        }
        Rule::line_types_decl => {
            let source = if of_revenue {
                LineSource::Revenue
            } else {
                LineSource::Usage
            };
            let names = children.rest().map(ident).collect();
            Item::LineTypes(LineTypesDecl {
                source,
                names,
                span,
            })
        }
        Rule::revenue_decl => {
            let name = ident(children.expect(Rule::ident)?);
            let mut revenue_types = Vec::new();
            while let Some(kind) = children.optional(Rule::revenue_type) {
                revenue_types.push(ident(Children::of(kind).expect(Rule::ident)?));
            }
            let filter = line_filter(children)?;
            Item::Measure(MeasureDecl {
                name,
                body: MeasureBody::Revenue {
                    revenue_types,
                    filter,
                },
                span,
            })
        }
        Rule::usage_decl => {
            let name = ident(children.expect(Rule::ident)?);
            let largest = children.optional(Rule::largest).map(token);
            let aggregate = children.optional(Rule::aggregate).map(token);
            let metric =
                ident(Children::of(children.expect(Rule::usage_metric)?).expect(Rule::ident)?);
            let keys = children
                .optional(Rule::per_key)
                .map(|p| Children::of(p).rest().map(ident).collect())
                .unwrap_or_default();
            let filter = line_filter(children)?;
            Item::Measure(MeasureDecl {
                name,
                body: MeasureBody::Usage {
                    aggregate,
                    largest,
                    metric,
                    keys,
                    filter,
                },
                span,
            })
        }
        Rule::derived_decl => {
            let name = ident(children.expect(Rule::ident)?);
            let count_pair = children.expect(Rule::customer_count)?;
            let words: Vec<Rule> = count_pair
                .clone()
                .into_inner()
                .map(|p| p.as_rule())
                .collect();
            let count = match words.as_slice() {
                [Rule::kw_new] => CustomerCount::New,
                [Rule::kw_lost] => CustomerCount::Lost,
                [Rule::kw_net, ..] => CustomerCount::NetNew,
                _ => CustomerCount::Distinct,
            };
            let of = ident(children.expect(Rule::ident)?);
            Item::Measure(MeasureDecl {
                name,
                body: MeasureBody::DistinctCustomers { of, count },
                span,
            })
        }
        Rule::option_decl => {
            let name = ident(children.expect(Rule::ident)?);
            let title = children.optional(Rule::title).map(title).transpose()?;
            let mut tiers = Vec::new();
            let mut allows = Vec::new();
            for pair in children.rest() {
                match pair.as_rule() {
                    Rule::allow_decl => allows.push(allow(pair)?),
                    _ => tiers.push(tier(pair)?),
                }
            }
            Item::Option(OptionDecl {
                name,
                title,
                tiers,
                allows,
                span,
            })
        }
        Rule::translation_decl => Item::Translation(translation(children, span)?),
        other => {
            return Err(SyntaxError::internal(
                span.start,
                &format!("unexpected {other:?}"),
            ));
        }
    })
}

/// `translation ko { ... }`: each entry's first word says what it translates.
fn translation(mut children: Children<'_>, span: Span) -> Result<TranslationDecl> {
    let language = token(children.expect(Rule::language_tag)?);
    let entries = children
        .rest()
        .map(|entry| {
            let span = span_of(&entry);
            // The first word says what is translated (keywords are noise to
            // `Children`, so it is read from the pair itself).
            let head = entry
                .clone()
                .into_inner()
                .find(|p| p.as_rule() != Rule::COMMENT)
                .ok_or_else(|| SyntaxError::internal(span.start, "empty translated entry"))?;
            let mut parts = Children::of(entry);
            let subject = match head.as_rule() {
                Rule::kw_competency => TranslatedSubject::Competency,
                Rule::kw_summary => TranslatedSubject::Summary,
                Rule::kw_option => TranslatedSubject::Option(ident(parts.expect(Rule::ident)?)),
                Rule::kw_market => TranslatedSubject::Market(ident(parts.expect(Rule::ident)?)),
                Rule::kw_association => {
                    TranslatedSubject::Association(ident(parts.expect(Rule::ident)?))
                }
                Rule::kw_attribute => {
                    TranslatedSubject::Attribute(ident(parts.expect(Rule::ident)?))
                }
                Rule::credential_kind => TranslatedSubject::Credential(
                    choice(
                        &parts.expect(Rule::credential_kind)?,
                        keywords::credential_of,
                    )?,
                    exam_code(parts.expect(Rule::exam_code)?)?,
                ),
                other => {
                    return Err(SyntaxError::internal(
                        span.start,
                        &format!("unexpected {other:?} in a translation"),
                    ));
                }
            };
            let text = string(parts.expect(Rule::string)?)?;
            Ok(TranslatedEntry {
                subject,
                text,
                span,
            })
        })
        .collect::<Result<_>>()?;
    Ok(TranslationDecl {
        language,
        entries,
        span,
    })
}

fn declaration(mut children: Children<'_>, span: Span) -> Result<Declaration> {
    let id = ident(children.expect(Rule::ident)?);
    let title = children.optional(Rule::title).map(title).transpose()?;
    Ok(Declaration { id, title, span })
}

fn exam(mut children: Children<'_>, span: Span) -> Result<ExamDecl> {
    let kind = choice(
        &children.expect(Rule::credential_kind)?,
        keywords::credential_of,
    )?;
    let code = exam_code(children.expect(Rule::exam_code)?)?;
    let title = children.optional(Rule::title).map(title).transpose()?;
    let mut decl = ExamDecl {
        kind,
        code,
        title,
        available_from: None,
        retires: None,
        accepted_until: None,
        registration_until: None,
        former_names: Vec::new(),
        span,
    };
    for clause in children.rest() {
        let rule = clause.as_rule();
        if rule == Rule::former_names {
            for code in Children::of(clause).rest() {
                decl.former_names.push(exam_code(code)?);
            }
            continue;
        }
        let mut dates = Children::of(clause)
            .rest()
            .filter(|p| p.as_rule() == Rule::date)
            .map(token);
        match rule {
            Rule::available_from => decl.available_from = dates.next(),
            Rule::retirement => {
                decl.retires = dates.next();
                decl.accepted_until = dates.next();
            }
            Rule::registration => decl.registration_until = dates.next(),
            _ => {}
        }
    }
    Ok(decl)
}

fn line_filter(mut children: Children<'_>) -> Result<LineFilter> {
    let products = Children::of(children.expect(Rule::product_list)?)
        .rest()
        .map(string)
        .collect::<Result<_>>()?;
    let window = window(children.expect(Rule::window)?)?;
    let mut filter = LineFilter {
        products,
        window,
        associations: Vec::new(),
        paid_only: None,
        conditions: Vec::new(),
        customers_of: Vec::new(),
    };
    for condition in children.rest() {
        match condition.as_rule() {
            Rule::association_clause => {
                filter
                    .associations
                    .extend(Children::of(condition).rest().map(ident));
            }
            Rule::paid_only => filter.paid_only = Some(span_of(&condition)),
            Rule::where_clause => filter.conditions.push(field_condition(condition)?),
            Rule::customers_clause => {
                let span = span_of(&condition);
                let measure = ident(Children::of(condition).expect(Rule::ident)?);
                filter.customers_of.push(CustomersOf { measure, span });
            }
            _ => {}
        }
    }
    Ok(filter)
}

/// `where FIELD is [not] VALUE` or `... is [not] one of VALUE, VALUE`.
fn field_condition(pair: Pair<'_, Rule>) -> Result<FieldCondition> {
    let span = span_of(&pair);
    let mut children = Children::of(pair);
    let field = ident(children.expect(Rule::ident)?);
    let negated = children.optional(Rule::field_negation).map(|p| span_of(&p));
    let mut condition = FieldCondition {
        field,
        negated,
        one_of: false,
        values: Vec::new(),
        span,
    };
    for part in children.rest() {
        match part.as_rule() {
            Rule::field_one_of => {
                condition.one_of = true;
                for value in Children::of(part).rest() {
                    if value.as_rule() == Rule::string {
                        condition.values.push(string(value)?);
                    }
                }
            }
            Rule::string => condition.values.push(string(part)?),
            _ => {}
        }
    }
    Ok(condition)
}

/// `trailing N months`, `last complete calendar year` or `last complete
/// fiscal year ending MM-DD`.
fn window(pair: Pair<'_, Rule>) -> Result<Window> {
    let span = span_of(&pair);
    let inner = Children::of(pair)
        .rest()
        .next()
        .ok_or_else(|| SyntaxError::internal(span.start, "a window without a period"))?;
    let period = match inner.as_rule() {
        Rule::trailing_window => {
            Period::Trailing(token(Children::of(inner).expect(Rule::integer)?))
        }
        Rule::fixed_period => {
            let year = Children::of(inner)
                .rest()
                .next()
                .ok_or_else(|| SyntaxError::internal(span.start, "a period without a year"))?;
            match year.as_rule() {
                Rule::calendar_year => Period::CalendarYear,
                _ => Period::FiscalYear(token(Children::of(year).expect(Rule::month_day)?)),
            }
        }
        other => {
            return Err(SyntaxError::internal(
                span.start,
                &format!("unexpected {other:?}"),
            ));
        }
    };
    Ok(Window { period, span })
}

fn tier(pair: Pair<'_, Rule>) -> Result<TierDecl> {
    let span = span_of(&pair);
    let mut children = Children::of(pair);
    let name = ident(children.expect(Rule::ident)?);
    let mut requirements = Vec::new();
    let mut allows = Vec::new();
    for pair in children.rest() {
        match pair.as_rule() {
            Rule::allow_decl => allows.push(allow(pair)?),
            _ => requirements.push(requirement(pair)?),
        }
    }
    Ok(TierDecl {
        name,
        requirements,
        allows,
        span,
    })
}

/// `allow CODE "reason"`.
fn allow(pair: Pair<'_, Rule>) -> Result<AllowDecl> {
    let span = span_of(&pair);
    let mut children = Children::of(pair);
    let code = ident(children.expect(Rule::ident)?);
    let reason = children.optional(Rule::string).map(string).transpose()?;
    Ok(AllowDecl { code, reason, span })
}

fn requirement(pair: Pair<'_, Rule>) -> Result<Requirement> {
    let span = span_of(&pair);
    let rule = pair.as_rule();
    let mut children = Children::of(pair);
    match rule {
        Rule::measure_requirement => {
            let measure = ident(children.expect(Rule::ident)?);
            let per_month = children.optional(Rule::per_month).map(|p| span_of(&p));
            let every_month = children.optional(Rule::every_month).map(|p| span_of(&p));
            let more_than = children.optional(Rule::more_than).map(|p| span_of(&p));
            if more_than.is_none() {
                children.expect(Rule::at_least)?;
            }
            let threshold = match children.optional(Rule::amount) {
                Some(m) => Threshold::Everywhere(amount(m)?),
                None => {
                    let map = children.expect(Rule::market_thresholds)?;
                    let map_span = span_of(&map);
                    let entries = Children::of(map)
                        .rest()
                        .map(market_threshold)
                        .collect::<Result<_>>()?;
                    Threshold::PerMarket(entries, map_span)
                }
            };
            Ok(Requirement::Measure(MeasureRequirement {
                measure,
                per_month,
                every_month,
                more_than,
                threshold,
                span,
            }))
        }
        Rule::people_requirement => {
            let sharing_pair = children.expect(Rule::sharing)?;
            let sharing_span = span_of(&sharing_pair);
            let sharing = choice(&sharing_pair, keywords::sharing_of)?;
            let roles = children.rest().map(role).collect::<Result<_>>()?;
            Ok(Requirement::People(PeopleRequirement {
                sharing,
                sharing_span,
                roles,
                span,
            }))
        }
        Rule::attribute_requirement => Ok(Requirement::Attribute(
            ident(children.expect(Rule::ident)?),
            span,
        )),
        Rule::either_requirement => {
            let branches = children
                .rest()
                .map(|branch| {
                    let span = span_of(&branch);
                    let requirements = Children::of(branch)
                        .rest()
                        .map(requirement)
                        .collect::<Result<_>>()?;
                    Ok(Branch { requirements, span })
                })
                .collect::<Result<_>>()?;
            Ok(Requirement::Either(branches, span))
        }
        other => Err(SyntaxError::internal(
            span.start,
            &format!("unexpected {other:?}"),
        )),
    }
}

fn market_threshold(pair: Pair<'_, Rule>) -> Result<MarketThreshold> {
    let span = span_of(&pair);
    let mut children = Children::of(pair);
    let market = match children.optional(Rule::every_other_market) {
        Some(other) => ThresholdMarket::Other(span_of(&other)),
        None => ThresholdMarket::Named(ident(children.expect(Rule::ident)?)),
    };
    let amount = amount(children.expect(Rule::amount)?)?;
    Ok(MarketThreshold {
        market,
        amount,
        span,
    })
}

fn amount(pair: Pair<'_, Rule>) -> Result<Amount> {
    let span = span_of(&pair);
    let mut number = None;
    let mut currency = None;
    for child in Children::of(pair).rest() {
        match child.as_rule() {
            Rule::number => number = Some(token(child)),
            Rule::currency_code => currency = Some(token(child)),
            _ => {}
        }
    }
    match number {
        Some(number) => Ok(Amount {
            number,
            currency,
            span,
        }),
        None => Err(SyntaxError::internal(
            span.start,
            "an amount without a number",
        )),
    }
}

fn role(pair: Pair<'_, Rule>) -> Result<Role> {
    let span = span_of(&pair);
    let names_people = pair
        .clone()
        .into_inner()
        .any(|p| matches!(p.as_rule(), Rule::kw_people | Rule::kw_person));
    let mut children = Children::of(pair);
    let count = token(children.expect(Rule::integer)?);
    let groups = children
        .rest()
        .filter(|p| p.as_rule() == Rule::group_ref)
        .map(role_ref)
        .collect::<Result<_>>()?;
    Ok(Role {
        count,
        names_people,
        groups,
        span,
    })
}

/// Whether a `quantifier` pair is the pages' `one`.
fn says_one(pair: &Pair<'_, Rule>) -> bool {
    pair.clone()
        .into_inner()
        .any(|p| p.as_rule() == Rule::kw_one)
}

/// A `group_ref`: a name or code, or a list written in the role.
fn role_ref(pair: Pair<'_, Rule>) -> Result<RoleRef> {
    let start = pair.as_span().start();
    let inner = Children::of(pair)
        .rest()
        .next()
        .ok_or_else(|| SyntaxError::internal(start, "a role reference without a name or list"))?;
    match inner.as_rule() {
        Rule::ident => {
            let name = ident(inner);
            Ok(RoleRef::Name(ExamCode {
                code: name.name,
                quoted: false,
                span: name.span,
            }))
        }
        Rule::exam_code => Ok(RoleRef::Name(exam_code(inner)?)),
        _ => {
            let span = span_of(&inner);
            let mut children = Children::of(inner);
            let quantifier_pair = children.expect(Rule::quantifier)?;
            let says_one = says_one(&quantifier_pair);
            let quantifier = choice(&quantifier_pair, keywords::quantifier_of)?;
            let members = children.rest().map(exam_code).collect::<Result<_>>()?;
            Ok(RoleRef::List {
                quantifier,
                says_one,
                members,
                span,
            })
        }
    }
}

fn exam_code(pair: Pair<'_, Rule>) -> Result<ExamCode> {
    let span = span_of(&pair);
    let mut children = Children::of(pair);
    if let Some(bare) = children.optional(Rule::bare_code) {
        return Ok(ExamCode {
            code: bare.as_str().to_owned(),
            quoted: false,
            span,
        });
    }
    let text = string(children.expect(Rule::string)?)?;
    Ok(ExamCode {
        code: text.value,
        quoted: true,
        span,
    })
}

fn ident(pair: Pair<'_, Rule>) -> Ident {
    Ident {
        name: pair.as_str().to_owned(),
        span: span_of(&pair),
    }
}

fn token(pair: Pair<'_, Rule>) -> Token {
    Token {
        text: pair.as_str().to_owned(),
        span: span_of(&pair),
    }
}

fn title(pair: Pair<'_, Rule>) -> Result<Text> {
    string(Children::of(pair).expect(Rule::string)?)
}

fn string(pair: Pair<'_, Rule>) -> Result<Text> {
    let span = span_of(&pair);
    let inner = Children::of(pair).expect(Rule::string_inner)?;
    // The grammar admits only `\"` and `\\` as escapes: drop each escaping backslash.
    let mut value = String::with_capacity(inner.as_str().len());
    let mut escaped = false;
    for c in inner.as_str().chars() {
        if c == '\\' && !escaped {
            escaped = true;
            continue;
        }
        escaped = false;
        value.push(c);
    }
    Ok(Text { value, span })
}
