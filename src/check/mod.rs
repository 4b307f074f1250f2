//! Syntax tree to checked model: name resolution and validation of every
//! value. All errors of a file are collected in one run.

mod error;

use std::cell::Cell;
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
    /// Keys in declaration order, with the name as the author wrote it.
    order: Vec<(String, String)>,
    /// What is left of the work allowed for did-you-mean suggestions.
    suggestion_budget: Cell<usize>,
}

/// Work allowed for the did-you-mean suggestions of one kind of name, in
/// cells of the edit-distance table (about a tenth of a second). Each
/// suggestion compares the wrong name with every declared one, so thousands
/// of unknown names among thousands of declared ones would take minutes;
/// past this budget unknown names are still reported, without a guess.
const SUGGESTION_BUDGET: usize = 5_000_000;

impl Names {
    fn new(kind: &'static str) -> Self {
        Names {
            kind,
            index: HashMap::new(),
            order: Vec::new(),
            suggestion_budget: Cell::new(SUGGESTION_BUDGET),
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
        self.order.push((key, shown.to_owned()));
        true
    }

    /// Declares a case-insensitive name (markets, associations, attributes).
    fn declare_ci(&mut self, id: &ast::Ident, errors: &mut Vec<PolicyError>) -> bool {
        self.declare(id.name.to_lowercase(), &id.name, id.span, errors)
    }

    fn get(&self, key: &str) -> Option<usize> {
        self.index.get(key).map(|(i, _)| *i)
    }

    /// Whether the declaration of `key` at `span` is the one indexed (not a duplicate).
    fn is_declaration(&self, key: &str, span: Span) -> bool {
        self.index.get(key).is_some_and(|(_, s)| *s == span)
    }

    /// "did you mean `x`?" for the closest declared name, if close enough.
    /// Compares keys (so exam codes match as the evaluator does) but shows
    /// the name as declared.
    fn suggest(&self, wrong: &str) -> Option<String> {
        self.suggest_except(wrong, &[])
    }

    /// Like [`Names::suggest`], leaving out names already used nearby.
    fn suggest_except(&self, wrong: &str, used: &[String]) -> Option<String> {
        let key = closest(
            wrong,
            self.order
                .iter()
                .map(|(key, _)| key.as_str())
                .filter(|key| !used.iter().any(|u| u == key)),
            &self.suggestion_budget,
        )?;
        let shown = self
            .order
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, shown)| shown)?;
        Some(format!("did you mean `{shown}`?"))
    }
}

/// The strongly connected component of each node of a graph given by its
/// successor lists (Tarjan's algorithm, iterative so that a long chain
/// cannot overflow the stack). Numbers are dense from 0.
#[expect(
    clippy::indexing_slicing,
    reason = "every index is a node number below `successors.len()`, the length of each vector, or a frame just pushed"
)]
fn components(successors: &[Vec<usize>]) -> Vec<usize> {
    const UNSEEN: usize = usize::MAX;
    let n = successors.len();
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut component = vec![UNSEEN; n];
    let (mut next_index, mut next_component) = (0, 0);
    // Frames of the depth-first search: a node and its next edge to follow.
    let mut frames: Vec<(usize, usize)> = Vec::new();
    for root in 0..n {
        if index[root] != UNSEEN {
            continue;
        }
        index[root] = next_index;
        low[root] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root] = true;
        frames.push((root, 0));
        while let Some((v, edge)) = frames.pop() {
            if let Some(&w) = successors[v].get(edge) {
                frames.push((v, edge + 1));
                if w >= n {
                    continue;
                }
                if index[w] == UNSEEN {
                    index[w] = next_index;
                    low[w] = next_index;
                    next_index += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    frames.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            // Every edge of `v` followed.
            if low[v] == index[v] {
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component[w] = next_component;
                    if w == v {
                        break;
                    }
                }
                next_component += 1;
            }
            if let Some(&(caller, _)) = frames.last() {
                low[caller] = low[caller].min(low[v]);
            }
        }
    }
    component
}

/// The last node of a shortest path from `start` back to itself inside its
/// component, with `parent` set along the path.
fn shortest_way_back(
    start: usize,
    successors: &[Vec<usize>],
    component: &[usize],
    parent: &mut [Option<usize>],
) -> Option<usize> {
    let home = component.get(start)?;
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        for &next in successors.get(node)? {
            if next == start {
                return Some(node);
            }
            if component.get(next) == Some(home)
                && let Some(slot) = parent.get_mut(next)
                && slot.is_none()
            {
                *slot = Some(node);
                queue.push_back(next);
            }
        }
    }
    None
}

/// The candidate nearest to `wrong`, if it is a plausible typo: at most a
/// third of the longer name's length in edits. Candidates whose length
/// alone rules them out are skipped; the rest are compared while `budget`
/// lasts (when it runs out, no guess).
fn closest<'a>(
    wrong: &str,
    candidates: impl Iterator<Item = &'a str>,
    budget: &Cell<usize>,
) -> Option<&'a str> {
    let wrong_lower = wrong.to_lowercase();
    let wrong_len = wrong.chars().count();
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let len = c.chars().count();
        let allowed = (len.max(wrong_len) / 3).max(1);
        if len.abs_diff(wrong_len) > allowed {
            continue;
        }
        let cost = (len + 1).saturating_mul(wrong_len + 1);
        let Some(left) = budget.get().checked_sub(cost) else {
            budget.set(0);
            return None;
        };
        budget.set(left);
        let d = strsim::damerau_levenshtein(&wrong_lower, &c.to_lowercase());
        if d <= allowed && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
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
            attributes: Vec::new(),
            tiers: Vec::new(),
            exams: Vec::new(),
            groups: Vec::new(),
            measures: Vec::new(),
            options: Vec::new(),
        };
        let mut names = Scope {
            markets: Names::new("market"),
            associations: Names::new("association"),
            attributes: Names::new("attribute"),
            tiers: Names::new("tier"),
            exams: Names::new("exam"),
            groups: Names::new("group"),
            measures: Names::new("measure"),
        };
        let mut header = Names::new("header item");
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
                    if names.markets.declare_ci(&d.id, &mut self.errors) {
                        policy.markets.push(Market {
                            id: d.id.name.clone(),
                            title: title_of(d),
                            span: d.span,
                        });
                    }
                }
                ast::Item::Association(d) => {
                    if names.associations.declare_ci(&d.id, &mut self.errors) {
                        policy.associations.push(Association {
                            id: d.id.name.clone(),
                            title: title_of(d),
                            span: d.span,
                        });
                    }
                }
                ast::Item::Attribute(d) => {
                    if names.attributes.declare_ci(&d.id, &mut self.errors) {
                        policy.attributes.push(Attribute {
                            id: d.id.name.clone(),
                            title: title_of(d),
                            span: d.span,
                        });
                    }
                }
                ast::Item::Tiers(list, span) => {
                    if header.declare("tiers".into(), "tiers", *span, &mut self.errors) {
                        for t in list {
                            if names.tiers.declare(
                                t.name.clone(),
                                &t.name,
                                t.span,
                                &mut self.errors,
                            ) {
                                policy.tiers.push(TierLevel {
                                    id: t.name.clone(),
                                    span: t.span,
                                });
                            }
                        }
                    }
                }
                ast::Item::Exam(e) => {
                    let key = exam_key(&e.code.code);
                    if names
                        .exams
                        .declare(key, &e.code.code, e.code.span, &mut self.errors)
                    {
                        let exam = self.exam(e);
                        policy.exams.push(exam);
                    }
                }
                ast::Item::Group(g) => {
                    if names.groups.declare(
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
                            quantifier: g.quantifier,
                            members: Vec::new(),
                            span: g.span,
                        });
                    }
                }
                ast::Item::Measure(m) => {
                    names.measures.declare(
                        m.name.name.clone(),
                        &m.name.name,
                        m.name.span,
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

        // Group members and measures refer to the declarations above.
        let declared_groups: Vec<&ast::GroupDecl> = c
            .items
            .iter()
            .filter_map(|i| match i {
                ast::Item::Group(g) => Some(g),
                _ => None,
            })
            .filter(|g| names.groups.is_declaration(&g.name.name, g.name.span))
            .collect();
        for (group, decl) in policy.groups.iter_mut().zip(&declared_groups) {
            group.members = self.group_members(decl, &names);
        }
        self.group_cycles(&policy.groups, &declared_groups);

        let declared_measures: Vec<&ast::MeasureDecl> = c
            .items
            .iter()
            .filter_map(|i| match i {
                ast::Item::Measure(m) => Some(m),
                _ => None,
            })
            .filter(|m| names.measures.is_declaration(&m.name.name, m.name.span))
            .collect();
        // Revenue and usage measures first; a derived measure needs its base's window.
        let mut measures: Vec<Option<Measure>> = declared_measures
            .iter()
            .map(|m| self.lines_measure(m, &names))
            .collect();
        for (i, decl) in declared_measures.iter().enumerate() {
            if let ast::MeasureBody::DistinctCustomers { of } = &decl.body {
                let derived = self.derived_measure(decl, of, &names, &declared_measures, &measures);
                if let Some(slot) = measures.get_mut(i) {
                    *slot = derived;
                }
            }
        }
        // INVARIANT: a measure is left out only after an error was reported,
        // so indices into `policy.measures` are only used by a valid policy.
        policy.measures = measures.into_iter().flatten().collect();

        if !c.items.iter().any(|i| matches!(i, ast::Item::Tiers(..))) {
            self.errors.push(PolicyError::MissingTiers {
                name: c.id.name.clone(),
                span: sp(c.id.span),
            });
        }
        let mut amounts = Vec::new();
        for item in &c.items {
            if let ast::Item::Option(o) = item {
                let option = self.option(o, &names, &policy, &mut amounts);
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
        self.amount_currencies(&policy, &amounts, currency_span);
        policy
    }

    fn exam(&mut self, e: &ast::ExamDecl) -> Exam {
        let available_from = e.available_from.as_ref().and_then(|t| self.date(t));
        let retires = e.retires.as_ref().and_then(|t| self.date(t));
        let grace = e.accepted_until.as_ref().and_then(|t| self.date(t));
        let mut out_of_order = |reason: &str, token: Option<&ast::Token>| {
            if let Some(token) = token {
                self.errors.push(PolicyError::ExamDatesOutOfOrder {
                    code: e.code.code.clone(),
                    reason: reason.to_owned(),
                    span: sp(token.span),
                });
            }
        };
        if let (Some(from), Some(retired)) = (available_from, retires)
            && retired < from
        {
            out_of_order("it retires before it is available", e.retires.as_ref());
        }
        if let (Some(retired), Some(until)) = (retires, grace)
            && until < retired
        {
            out_of_order(
                "it is accepted until a date before it retires",
                e.accepted_until.as_ref(),
            );
        }
        Exam {
            code: e.code.code.clone(),
            kind: e.kind,
            title: e.title.as_ref().map(|t| t.value.clone()),
            available_from,
            retires,
            accepted_until: grace.or(retires),
            span: e.span,
        }
    }

    fn amount_currencies(
        &mut self,
        policy: &Policy,
        amounts: &[&ast::Amount],
        currency_span: Option<Span>,
    ) {
        let Some((first, first_code)) = amounts
            .iter()
            .find_map(|a| a.currency.as_ref().map(|c| (a, c)))
        else {
            return;
        };
        match (&policy.currency, currency_span) {
            (Some(currency), Some(declared)) => {
                for code in amounts.iter().filter_map(|a| a.currency.as_ref()) {
                    let upper = code.text.to_uppercase();
                    if iso_currency::Currency::from_code(&upper).is_some() && upper != *currency {
                        self.errors.push(PolicyError::CurrencyMismatch {
                            currency: code.text.clone(),
                            policy_currency: currency.clone(),
                            span: sp(code.span),
                            declared: sp(declared),
                        });
                    }
                }
            }
            (_, None) => self.errors.push(PolicyError::MissingCurrency {
                currency: first_code.text.to_uppercase(),
                span: sp(first.span),
            }),
            // The currency line itself is wrong, and was reported.
            (None, Some(_)) => {}
        }
    }

    fn group_members(&mut self, g: &ast::GroupDecl, names: &Scope) -> Vec<GroupMember> {
        if g.exams.is_empty() {
            self.errors.push(PolicyError::EmptyGroup {
                name: g.name.name.clone(),
                span: sp(g.span),
            });
        }
        let mut members = Vec::new();
        for code in &g.exams {
            // A bare name that is a group is that group; anything else is an exam.
            if !code.quoted
                && let Some(i) = names.groups.get(&code.code)
            {
                members.push(GroupMember::Group(GroupId(i)));
                continue;
            }
            match names.exams.get(&exam_key(&code.code)) {
                Some(i) => members.push(GroupMember::Exam(ExamId(i))),
                None => {
                    let help = names.exams.suggest(&exam_key(&code.code)).unwrap_or_else(|| {
                        format!(
                            "add it to the catalog (`exam {} \"Title\"`), or declare a group of that name",
                            code.code
                        )
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

    /// Reports the groups that contain themselves: one error for each set
    /// of groups that reach one another (a strongly connected component),
    /// at its first group in declaration order, showing the shortest chain
    /// back to it. Linear in the number of groups and members, so that a
    /// long chain of groups is checked as fast as a flat list.
    fn group_cycles(&mut self, groups: &[ExamGroup], decls: &[&ast::GroupDecl]) {
        let n = groups.len();
        let successors: Vec<Vec<usize>> = groups
            .iter()
            .map(|g| {
                g.members
                    .iter()
                    .filter_map(|m| match m {
                        GroupMember::Group(next) if next.0 < n => Some(next.0),
                        _ => None,
                    })
                    .collect()
            })
            .collect();
        let component = components(&successors);
        let mut size = vec![0usize; n];
        for &c in &component {
            if let Some(s) = size.get_mut(c) {
                *s += 1;
            }
        }
        // Breadth-first search state, shared: searches stay inside their
        // component, and components do not overlap.
        let mut parent: Vec<Option<usize>> = vec![None; n];
        let mut reported = vec![false; n];
        for (start, group) in groups.iter().enumerate() {
            let Some(&c) = component.get(start) else {
                continue;
            };
            let Some(next) = successors.get(start) else {
                continue;
            };
            let cyclic = size.get(c).is_some_and(|&s| s > 1) || next.contains(&start);
            if !cyclic || reported.get(c).copied().unwrap_or(true) {
                continue;
            }
            if let Some(flag) = reported.get_mut(c) {
                *flag = true;
            }
            let Some(last) = shortest_way_back(start, &successors, &component, &mut parent) else {
                continue;
            };
            // The chain start → … → last, then back to start.
            let mut chain = vec![last];
            let mut node = last;
            while node != start {
                let Some(Some(up)) = parent.get(node) else {
                    break;
                };
                node = *up;
                chain.push(node);
            }
            chain.reverse();
            let mut names: Vec<&str> = chain
                .iter()
                .filter_map(|&g| groups.get(g).map(|g| g.name.as_str()))
                .collect();
            names.push(&group.name);
            // A chain of thousands of groups is shown by its ends.
            if names.len() > 8 {
                let tail = names.split_off(names.len() - 3);
                names.truncate(4);
                names.push("…");
                names.extend(tail);
            }
            let span = decls
                .get(last)
                .and_then(|d| {
                    d.exams
                        .iter()
                        .find(|code| !code.quoted && code.code == group.name)
                })
                .map_or(group.span, |code| code.span);
            self.errors.push(PolicyError::CyclicGroup {
                name: group.name.clone(),
                cycle: names.join(" → "),
                span: sp(span),
            });
        }
    }

    /// A revenue or usage measure; `None` for derived measures (filled in
    /// later) and for measures with errors (reported).
    fn lines_measure(&mut self, m: &ast::MeasureDecl, names: &Scope) -> Option<Measure> {
        let filter = match &m.body {
            ast::MeasureBody::Revenue { filter, .. } | ast::MeasureBody::Usage { filter, .. } => {
                filter
            }
            ast::MeasureBody::DistinctCustomers { .. } => return None,
        };
        let window_months = self.window(&filter.window_months);
        let mut associations = Vec::new();
        for a in &filter.associations {
            match names.associations.get(&a.name.to_lowercase()) {
                Some(i) => associations.push(AssociationId(i)),
                None => self.errors.push(PolicyError::UnknownAssociation {
                    name: a.name.clone(),
                    span: sp(a.span),
                    help: names.associations.suggest(&a.name).unwrap_or_else(|| {
                        format!(
                            "declare it in the competency: `association {} \"Title\"`",
                            a.name
                        )
                    }),
                }),
            }
        }
        let filter = LineFilter {
            products: filter.products.iter().map(|p| p.value.clone()).collect(),
            associations,
            paid_only: filter.paid_only.is_some(),
        };
        let kind = match &m.body {
            ast::MeasureBody::Revenue { revenue_type, .. } => MeasureKind::Revenue {
                revenue_type: revenue_type.name.clone(),
                filter,
            },
            ast::MeasureBody::Usage {
                aggregate, metric, ..
            } => MeasureKind::Usage {
                aggregate: match aggregate.as_ref().map(|t| t.text.as_str()) {
                    Some("max") => Aggregate::Max,
                    _ => Aggregate::Sum,
                },
                metric: metric.name.clone(),
                filter,
            },
            ast::MeasureBody::DistinctCustomers { .. } => return None,
        };
        Some(Measure {
            name: m.name.name.clone(),
            kind,
            window_months: window_months?,
            span: m.span,
        })
    }

    fn derived_measure(
        &mut self,
        m: &ast::MeasureDecl,
        of: &ast::Ident,
        names: &Scope,
        decls: &[&ast::MeasureDecl],
        measures: &[Option<Measure>],
    ) -> Option<Measure> {
        let Some(base) = names.measures.get(&of.name) else {
            self.errors.push(PolicyError::UnknownMeasure {
                name: of.name.clone(),
                span: sp(of.span),
                help: names.measures.suggest(&of.name).unwrap_or_else(|| {
                    "name a `revenue` or `usage` measure declared in this competency".to_owned()
                }),
            });
            return None;
        };
        if decls
            .get(base)
            .is_some_and(|d| matches!(d.body, ast::MeasureBody::DistinctCustomers { .. }))
        {
            self.errors.push(PolicyError::CustomersOfDerived {
                name: of.name.clone(),
                span: sp(of.span),
            });
            return None;
        }
        // A base with errors of its own yields nothing; its errors are reported.
        let base_measure = measures.get(base)?.as_ref()?;
        Some(Measure {
            name: m.name.name.clone(),
            kind: MeasureKind::DistinctCustomers {
                of: MeasureId(base),
            },
            window_months: base_measure.window_months,
            span: m.span,
        })
    }

    fn option<'a>(
        &mut self,
        o: &'a ast::OptionDecl,
        names: &Scope,
        policy: &Policy,
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
            let fresh = seen.declare(
                t.name.name.clone(),
                &t.name.name,
                t.name.span,
                &mut self.errors,
            );
            let level = names.tiers.get(&t.name.name);
            // Without a ladder every tier is unknown; E0208 already says so.
            if level.is_none() && !names.tiers.order.is_empty() {
                let help = names.tiers.suggest(&t.name.name).unwrap_or_else(|| {
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
            let requirements = self.requirements(&t.requirements, names, policy, amounts);
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

    fn requirements<'a>(
        &mut self,
        list: &'a [ast::Requirement],
        names: &Scope,
        policy: &Policy,
        amounts: &mut Vec<&'a ast::Amount>,
    ) -> Vec<Requirement> {
        list.iter()
            .filter_map(|r| self.requirement(r, names, policy, amounts))
            .collect()
    }

    fn requirement<'a>(
        &mut self,
        r: &'a ast::Requirement,
        names: &Scope,
        policy: &Policy,
        amounts: &mut Vec<&'a ast::Amount>,
    ) -> Option<Requirement> {
        match r {
            ast::Requirement::Measure(m) => self
                .measure_requirement(m, names, policy, amounts)
                .map(Requirement::Measure),
            ast::Requirement::People(p) => {
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
                let roles = p
                    .roles
                    .iter()
                    .filter_map(|role| self.role(role, names))
                    .collect();
                Some(Requirement::People(PeopleRequirement {
                    distinct: p.sharing == ast::Sharing::Distinct,
                    roles,
                    span: p.span,
                }))
            }
            ast::Requirement::Attribute(name, span) => {
                match names.attributes.get(&name.name.to_lowercase()) {
                    Some(i) => Some(Requirement::Attribute(AttributeId(i), *span)),
                    None => {
                        self.errors.push(PolicyError::UnknownAttribute {
                            name: name.name.clone(),
                            span: sp(name.span),
                            help: names.attributes.suggest(&name.name).unwrap_or_else(|| {
                                format!(
                                    "declare it in the competency: `attribute {} \"Title\"`",
                                    name.name
                                )
                            }),
                        });
                        None
                    }
                }
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
                            requirements: self.requirements(
                                &b.requirements,
                                names,
                                policy,
                                amounts,
                            ),
                            span: b.span,
                        }
                    })
                    .collect();
                Some(Requirement::Either(branches, *span))
            }
        }
    }

    fn measure_requirement<'a>(
        &mut self,
        m: &'a ast::MeasureRequirement,
        names: &Scope,
        policy: &Policy,
        amounts: &mut Vec<&'a ast::Amount>,
    ) -> Option<MeasureRequirement> {
        let measure = names.measures.get(&m.measure.name);
        if measure.is_none() {
            self.errors.push(PolicyError::UnknownMeasure {
                name: m.measure.name.clone(),
                span: sp(m.measure.span),
                help: names.measures.suggest(&m.measure.name).unwrap_or_else(|| {
                    format!(
                        "declare it: `revenue {} = net_new from \"Product\" over trailing 12 months`",
                        m.measure.name
                    )
                }),
            });
        }
        let is_money = measure
            .and_then(|i| policy.measures.get(i))
            .map(Measure::is_money);
        let written: Vec<&'a ast::Amount> = match &m.threshold {
            ast::Threshold::Everywhere(amount) => vec![amount],
            ast::Threshold::PerMarket(entries, _) => entries.iter().map(|e| &e.amount).collect(),
        };
        for amount in written {
            amounts.push(amount);
            match (is_money, &amount.currency) {
                (Some(true), None) => self.errors.push(PolicyError::UnitMismatch {
                    measure: m.measure.name.clone(),
                    unit: "money",
                    given: "a plain number",
                    span: sp(amount.span),
                    help: format!(
                        "write the currency after the amount, e.g. `{} {}`",
                        amount.number.text,
                        policy.currency.as_deref().unwrap_or("USD")
                    ),
                }),
                (Some(false), Some(currency)) => self.errors.push(PolicyError::UnitMismatch {
                    measure: m.measure.name.clone(),
                    unit: "a count",
                    given: "money",
                    span: sp(amount.span),
                    help: format!(
                        "drop the currency `{}`: write a plain number, e.g. `{}`",
                        currency.text, amount.number.text
                    ),
                }),
                _ => {}
            }
        }
        let thresholds = match &m.threshold {
            ast::Threshold::Everywhere(amount) => Thresholds::Everywhere(self.threshold(amount)?),
            ast::Threshold::PerMarket(entries, span) => {
                if entries.is_empty() {
                    self.errors
                        .push(PolicyError::EmptyThresholds { span: sp(*span) });
                }
                let mut seen = Names::new("market threshold");
                let mut list = Vec::new();
                let named: Vec<String> = entries
                    .iter()
                    .map(|e| e.market.name.to_lowercase())
                    .collect();
                for e in entries {
                    let threshold = self.threshold(&e.amount);
                    seen.declare_ci(&e.market, &mut self.errors);
                    match names.markets.get(&e.market.name.to_lowercase()) {
                        Some(i) => list.extend(threshold.map(|t| (MarketId(i), t))),
                        None => self.errors.push(PolicyError::UnknownMarket {
                            name: e.market.name.clone(),
                            span: sp(e.market.span),
                            help: names
                                .markets
                                .suggest_except(&e.market.name, &named)
                                .unwrap_or_else(|| {
                                    format!(
                                        "declare it in the competency: `market {} \"Title\"`",
                                        e.market.name
                                    )
                                }),
                        }),
                    }
                }
                Thresholds::PerMarket(list)
            }
        };
        Some(MeasureRequirement {
            measure: MeasureId(measure?),
            per_month: m.per_month.is_some(),
            thresholds,
            span: m.span,
        })
    }

    fn role(&mut self, role: &ast::Role, names: &Scope) -> Option<Role> {
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
            match names.groups.get(&g.name) {
                Some(i) => groups.push(GroupId(i)),
                None => self.errors.push(PolicyError::UnknownGroup {
                    name: g.name.clone(),
                    span: sp(g.span),
                    help: names.groups.suggest(&g.name).unwrap_or_else(|| {
                        format!("declare it: `group {} = any of CODE, CODE`", g.name)
                    }),
                }),
            }
        }
        let count = count?;
        let names: Vec<&str> = role.groups.iter().map(|g| g.name.as_str()).collect();
        Some(Role {
            description: format!("{count} passing {}", names.join(" and ")),
            count,
            groups,
            span: role.span,
        })
    }

    fn window(&mut self, token: &ast::Token) -> Option<u32> {
        match token.text.parse::<u32>() {
            Ok(n) if (1..=MAX_WINDOW_MONTHS).contains(&n) => Some(n),
            _ => {
                self.errors.push(PolicyError::BadWindow {
                    text: token.text.clone(),
                    max: MAX_WINDOW_MONTHS,
                    span: sp(token.span),
                });
                None
            }
        }
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

    fn threshold(&mut self, amount: &ast::Amount) -> Option<Threshold> {
        let currency = match &amount.currency {
            Some(code) => Some(self.currency(code)?),
            None => None,
        };
        let value = match parse_amount(&amount.number.text) {
            Ok(d) => d,
            Err(reason) => {
                let help = if reason.starts_with("too many") {
                    "amounts have at most 28 significant digits".to_owned()
                } else {
                    "group digits in threes with `_` or `,` (not both), e.g. `100_000` or `100,000.50`".to_owned()
                };
                self.errors.push(PolicyError::MalformedNumber {
                    text: amount.number.text.clone(),
                    span: sp(amount.number.span),
                    reason: reason.to_owned(),
                    help,
                });
                return None;
            }
        };
        if value <= Decimal::ZERO {
            self.errors.push(PolicyError::BadThreshold {
                text: amount.number.text.clone(),
                span: sp(amount.number.span),
            });
            return None;
        }
        Some(Threshold {
            amount: value,
            currency,
            span: amount.span,
        })
    }
}

/// The names of each kind a policy declares.
struct Scope {
    markets: Names,
    associations: Names,
    attributes: Names,
    tiers: Names,
    exams: Names,
    groups: Names,
    measures: Names,
}

fn title_of(d: &ast::Declaration) -> Option<String> {
    d.title.as_ref().map(|t| t.value.clone())
}

/// Parses an amount as written in a policy: digits grouped in threes by `_`
/// or `,` (one kind per number), an optional fraction, an optional sign.
pub(crate) fn parse_amount(text: &str) -> Result<Decimal, &'static str> {
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
