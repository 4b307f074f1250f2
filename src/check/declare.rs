//! The declare pass: every name a policy declares, indexed by kind, with
//! duplicates reported, and the model filled with what needs no lookup.

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::HashMap;

use super::{Checker, MAX_GROUPS, PolicyError, sp};
use crate::ast::{self, Span};
use crate::model::*;

/// Names declared so far of one kind, with where each was declared.
pub(super) struct Names {
    /// What kind of name, for messages, e.g. "group".
    pub(super) kind: &'static str,
    /// How a name is compared: as written, ignoring case, or as an exam code.
    key: for<'a> fn(&'a str) -> Cow<'a, str>,
    index: HashMap<String, (usize, Span)>,
    /// Keys in declaration order, with the name as the author wrote it.
    pub(super) order: Vec<(String, String)>,
    /// What is left of the work allowed for did-you-mean suggestions.
    pub(super) suggestion_budget: Cell<usize>,
}

/// Work allowed for the did-you-mean suggestions of one kind of name, in
/// cells of the edit-distance table (about a tenth of a second). Each
/// suggestion compares the wrong name with every declared one, so thousands
/// of unknown names among thousands of declared ones would take minutes;
/// past this budget unknown names are still reported, without a guess.
const SUGGESTION_BUDGET: usize = 5_000_000;

fn as_written(name: &str) -> Cow<'_, str> {
    Cow::Borrowed(name)
}

fn ignoring_case(name: &str) -> Cow<'_, str> {
    Cow::Owned(name.to_lowercase())
}

fn as_exam_code(code: &str) -> Cow<'_, str> {
    Cow::Owned(exam_key(code))
}

impl Names {
    /// Names compared as written (groups, measures, tiers, options).
    pub(super) fn new(kind: &'static str) -> Self {
        Names::keyed(kind, as_written)
    }

    /// Names compared ignoring case (markets, associations, attributes).
    pub(super) fn ignoring_case(kind: &'static str) -> Self {
        Names::keyed(kind, ignoring_case)
    }

    /// Exam codes, compared as the evaluator matches them.
    fn exam_codes(kind: &'static str) -> Self {
        Names::keyed(kind, as_exam_code)
    }

    pub(super) fn keyed(kind: &'static str, key: for<'a> fn(&'a str) -> Cow<'a, str>) -> Self {
        Names {
            kind,
            key,
            index: HashMap::new(),
            order: Vec::new(),
            suggestion_budget: Cell::new(SUGGESTION_BUDGET),
        }
    }

    /// The key `name` is compared by.
    pub(super) fn key<'a>(&self, name: &'a str) -> Cow<'a, str> {
        (self.key)(name)
    }

    /// Declares `name`; a second declaration is an error and is not indexed.
    pub(super) fn declare(
        &mut self,
        name: &str,
        span: Span,
        errors: &mut Vec<PolicyError>,
    ) -> bool {
        let key = self.key(name).into_owned();
        if let Some((_, first)) = self.index.get(&key) {
            errors.push(PolicyError::Duplicate {
                kind: self.kind,
                name: name.to_owned(),
                span: sp(span),
                first: sp(*first),
            });
            return false;
        }
        self.index.insert(key.clone(), (self.order.len(), span));
        self.order.push((key, name.to_owned()));
        true
    }

    /// Declares the name `id`.
    pub(super) fn declare_id(&mut self, id: &ast::Ident, errors: &mut Vec<PolicyError>) -> bool {
        self.declare(&id.name, id.span, errors)
    }

    /// Where `name` was declared among its kind, in declaration order.
    pub(super) fn get(&self, name: &str) -> Option<usize> {
        self.index.get(self.key(name).as_ref()).map(|(i, _)| *i)
    }

    /// Whether nothing of this kind is declared.
    pub(super) fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Whether the declaration of `name` at `span` is the one indexed (not
    /// a duplicate).
    pub(super) fn is_declaration(&self, name: &str, span: Span) -> bool {
        self.index
            .get(self.key(name).as_ref())
            .is_some_and(|(_, s)| *s == span)
    }
}

/// The names of each kind a policy declares.
pub(super) struct Scope {
    pub(super) markets: Names,
    pub(super) associations: Names,
    pub(super) attributes: Names,
    pub(super) fields: Names,
    pub(super) tiers: Names,
    pub(super) exams: Names,
    pub(super) groups: Names,
    pub(super) measures: Names,
    pub(super) options: Names,
}

/// What the declare pass found: the model so far and the names in it.
pub(super) struct Declared {
    /// The policy, without group members, measures or options yet.
    pub(super) policy: Policy,
    /// Every name declared.
    pub(super) names: Scope,
    /// Where the `currency` line gives the code, if it does.
    pub(super) currency_span: Option<Span>,
}

impl Checker {
    /// Indexes every declaration of `c`, reporting duplicates, and fills in
    /// the header, markets, associations, attributes, tiers, exams and the
    /// groups without their members.
    pub(super) fn declare(&mut self, c: &ast::Competency) -> Declared {
        let mut declared = Declared {
            policy: Policy {
                id: c.id.name.clone(),
                title: c.title.as_ref().map(|t| t.value.clone()),
                version: None,
                effective: None,
                source: None,
                currency: None,
                markets: Vec::new(),
                closed_markets: None,
                associations: Vec::new(),
                attributes: Vec::new(),
                fields: Vec::new(),
                tiers: Vec::new(),
                exams: Vec::new(),
                groups: Vec::new(),
                products: Vec::new(),
                families: Vec::new(),
                revenue_types: Vec::new(),
                usage_metrics: Vec::new(),
                measures: Vec::new(),
                options: Vec::new(),
                translations: Vec::new(),
            },
            names: Scope {
                markets: Names::ignoring_case("market"),
                associations: Names::ignoring_case("association"),
                attributes: Names::ignoring_case("attribute"),
                fields: Names::new("field"),
                tiers: Names::new("tier"),
                exams: Names::exam_codes("exam"),
                groups: Names::new("group"),
                measures: Names::new("measure"),
                options: Names::new("option"),
            },
            currency_span: None,
        };
        let mut header = Names::new("header item");
        for item in &c.items {
            self.declare_item(item, &mut header, &mut declared);
        }
        declared
    }

    fn declare_item(&mut self, item: &ast::Item, header: &mut Names, declared: &mut Declared) {
        let Declared { policy, names, .. } = declared;
        let errors = &mut self.errors;
        match item {
            ast::Item::Version(..)
            | ast::Item::Effective(..)
            | ast::Item::Source(..)
            | ast::Item::Currency(..)
            | ast::Item::Tiers(..) => self.declare_header(item, header, declared),
            ast::Item::Market(d) => {
                if names.markets.declare_id(&d.id, errors) {
                    policy.markets.push(Market {
                        id: d.id.name.clone(),
                        title: title_of(d),
                        span: d.span,
                    });
                }
            }
            ast::Item::Association(d) => {
                if names.associations.declare_id(&d.id, errors) {
                    policy.associations.push(Association {
                        id: d.id.name.clone(),
                        title: title_of(d),
                        span: d.span,
                    });
                }
            }
            ast::Item::Attribute(d) => {
                if names.attributes.declare_id(&d.id, errors) {
                    policy.attributes.push(Attribute {
                        id: d.id.name.clone(),
                        title: title_of(d),
                        span: d.span,
                    });
                }
            }
            ast::Item::Field(f) => {
                if names.fields.declare_id(&f.id, errors) {
                    let mut values: Names = Names::ignoring_case("field value");
                    for v in &f.values {
                        values.declare(&v.value, v.span, errors);
                    }
                    policy.fields.push(Field {
                        id: f.id.name.clone(),
                        title: f.title.as_ref().map(|t| t.value.clone()),
                        values: (!f.values.is_empty())
                            .then(|| f.values.iter().map(|v| v.value.clone()).collect()),
                        span: f.span,
                    });
                }
            }
            ast::Item::Exam(e) => {
                if names.exams.declare(&e.code.code, e.code.span, errors) {
                    let exam = self.exam(e);
                    policy.exams.push(exam);
                }
            }
            ast::Item::Group(g) => {
                if names.groups.declare_id(&g.name, errors) {
                    if policy.groups.len() == MAX_GROUPS {
                        errors.push(PolicyError::TooManyGroups {
                            max: MAX_GROUPS,
                            span: sp(g.name.span),
                        });
                    }
                    policy.groups.push(ExamGroup {
                        name: g.name.name.clone(),
                        quantifier: g.quantifier,
                        members: Vec::new(),
                        span: g.span,
                        in_role: false,
                    });
                }
            }
            ast::Item::Measure(m) => {
                names.measures.declare_id(&m.name, errors);
            }
            // Declared together, names and former names (`catalogue`).
            ast::Item::Product(_) | ast::Item::Family(_) | ast::Item::LineTypes(_) => {}
            ast::Item::Option(o) => {
                names.options.declare_id(&o.name, errors);
            }
            // Checked once every market is declared (`markets`).
            ast::Item::Translation(_) | ast::Item::ClosedMarkets(..) => {}
        }
    }

    /// The header lines, each allowed once: version, effective date,
    /// source, currency and the tier ladder.
    fn declare_header(&mut self, item: &ast::Item, header: &mut Names, declared: &mut Declared) {
        let (line, span) = match item {
            ast::Item::Version(_, span) => ("version", span),
            ast::Item::Effective(_, span) => ("effective", span),
            ast::Item::Source(_, span) => ("source", span),
            ast::Item::Currency(_, span) => ("currency", span),
            ast::Item::Tiers(_, span) => ("tiers", span),
            _ => return,
        };
        if !header.declare(line, *span, &mut self.errors) {
            return;
        }
        let Declared { policy, names, .. } = declared;
        match item {
            ast::Item::Version(text, _) => policy.version = Some(text.value.clone()),
            // The rules apply from the first day of a month written alone.
            ast::Item::Effective(token, _) => {
                policy.effective = self.date(token, super::validate::MonthDay::First);
            }
            ast::Item::Source(text, _) => policy.source = Some(text.value.clone()),
            ast::Item::Currency(token, _) => {
                policy.currency = self.currency(token);
                declared.currency_span = Some(token.span);
            }
            ast::Item::Tiers(list, _) => {
                for t in list {
                    if names.tiers.declare_id(t, &mut self.errors) {
                        policy.tiers.push(TierLevel {
                            id: t.name.clone(),
                            span: t.span,
                        });
                    }
                }
            }
            // Not a header line: returned above.
            _ => {}
        }
    }
}

fn title_of(d: &ast::Declaration) -> Option<String> {
    d.title.as_ref().map(|t| t.value.clone())
}
