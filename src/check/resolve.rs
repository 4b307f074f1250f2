//! The resolve pass: each use of a name becomes the declaration it means,
//! through one [`Checker::resolve`] that reports an unknown name with a
//! did-you-mean. Group members (and cycles among groups) and measures are
//! resolved here; options in [`super::requirements`].

use std::cell::Cell;

use miette::SourceSpan;

use super::catalogue::Catalogue;
use super::declare::{Declared, Names, Scope};
use super::renames::FormerNames;
use super::{Checker, PolicyError, sp};
use crate::ast::{self, Span};
use crate::model::*;

impl Checker {
    /// The declaration among `names` that `name` (written at `span`) means.
    /// An unknown name is reported as `unknown(name, span, help)`, the help
    /// naming the closest declared name other than those in `except` (names
    /// used nearby), or, when none is close, saying how to declare it.
    pub(super) fn resolve(
        &mut self,
        names: &Names,
        (name, span): (&str, Span),
        except: &[String],
        unknown: impl FnOnce(String, SourceSpan, String) -> PolicyError,
        otherwise: impl FnOnce() -> String,
    ) -> Option<usize> {
        if let Some(i) = names.get(name) {
            return Some(i);
        }
        let help = names.suggest_except(name, except).unwrap_or_else(otherwise);
        self.errors.push(unknown(name.to_owned(), sp(span), help));
        None
    }

    /// Fills in the members of each group and reports groups that contain
    /// themselves.
    pub(super) fn resolve_groups(
        &mut self,
        c: &ast::Competency,
        declared: &mut Declared,
        former: &FormerNames,
    ) {
        let Declared { policy, names, .. } = declared;
        let decls: Vec<&ast::GroupDecl> = c
            .items
            .iter()
            .filter_map(|i| match i {
                ast::Item::Group(g) => Some(g),
                _ => None,
            })
            .filter(|g| names.groups.is_declaration(&g.name.name, g.name.span))
            .collect();
        for (group, decl) in policy.groups.iter_mut().zip(&decls) {
            group.members = self.group_members(decl, names, former);
        }
        self.group_cycles(&policy.groups, &decls);
    }

    fn group_members(
        &mut self,
        g: &ast::GroupDecl,
        names: &Scope,
        former: &FormerNames,
    ) -> Vec<GroupMember> {
        if g.exams.is_empty() {
            self.errors.push(PolicyError::EmptyGroup {
                name: g.name.name.clone(),
                span: sp(g.span),
            });
        }
        // A group that lists an exam of its own name (`group AZ900 = any of
        // AZ900`) means the exam, not itself.
        let own = names.groups.get(&g.name.name);
        self.members_of(&g.exams, names, former, own)
    }

    /// The members of a group or of a list in a role: a bare name that is
    /// a group is that group; anything else is an exam (unknown: reported).
    pub(super) fn members(
        &mut self,
        codes: &[ast::ExamCode],
        names: &Scope,
        former: &FormerNames,
    ) -> Vec<GroupMember> {
        self.members_of(codes, names, former, None)
    }

    /// As [`Checker::members`], for the members of group `own`: its own
    /// name there means the exam of that code when the catalog has one.
    fn members_of(
        &mut self,
        codes: &[ast::ExamCode],
        names: &Scope,
        former: &FormerNames,
        own: Option<usize>,
    ) -> Vec<GroupMember> {
        let mut members = Vec::new();
        for code in codes {
            // A bare name that is a group is that group; anything else is an exam.
            if !code.quoted
                && let Some(i) = names.groups.get(&code.code)
                && (Some(i) != own || names.exams.get(&code.code).is_none())
            {
                members.push(GroupMember::Group(GroupId(i)));
                continue;
            }
            if names.exams.get(&code.code).is_none()
                && let Some(current) = former.renamed_to(&code.code)
            {
                self.errors.push(PolicyError::FormerNameInGroup {
                    name: code.code.clone(),
                    current: current.to_owned(),
                    span: sp(code.span),
                });
                continue;
            }
            let exam = self.resolve(
                &names.exams,
                (&code.code, code.span),
                &[],
                |name, span, help| PolicyError::UnknownExam { name, span, help },
                || {
                    format!(
                        "add it to the catalog (`exam {} \"Title\"`), or declare a group of that name",
                        code.code
                    )
                },
            );
            members.extend(exam.map(|i| GroupMember::Exam(ExamId(i))));
        }
        members
    }

    /// Builds every measure: revenue and usage measures first, since a
    /// derived measure takes its base's window.
    pub(super) fn resolve_measures(
        &mut self,
        c: &ast::Competency,
        declared: &mut Declared,
        catalogue: &Catalogue,
    ) {
        let names = &declared.names;
        let policy = &declared.policy;
        let decls: Vec<&ast::MeasureDecl> = c
            .items
            .iter()
            .filter_map(|i| match i {
                ast::Item::Measure(m) => Some(m),
                _ => None,
            })
            .filter(|m| names.measures.is_declaration(&m.name.name, m.name.span))
            .collect();
        let mut measures: Vec<Option<Measure>> = decls
            .iter()
            .map(|m| self.lines_measure(m, names, catalogue, policy, &decls))
            .collect();
        self.customers_of_cycles(&decls, &measures);
        for (i, decl) in decls.iter().enumerate() {
            if let ast::MeasureBody::DistinctCustomers { of, count } = &decl.body {
                let derived = self.derived_measure(decl, (of, *count), names, &decls, &measures);
                if let Some(slot) = measures.get_mut(i) {
                    *slot = derived;
                }
            }
        }
        // INVARIANT: a measure is left out only after an error was reported,
        // so indices into `policy.measures` are only used by a valid policy.
        declared.policy.measures = measures.into_iter().flatten().collect();
    }

    /// A revenue or usage measure; `None` for derived measures (filled in
    /// later) and for measures with errors (reported).
    fn lines_measure(
        &mut self,
        m: &ast::MeasureDecl,
        names: &Scope,
        catalogue: &Catalogue,
        policy: &Policy,
        decls: &[&ast::MeasureDecl],
    ) -> Option<Measure> {
        let filter = match &m.body {
            ast::MeasureBody::Revenue { filter, .. } | ast::MeasureBody::Usage { filter, .. } => {
                filter
            }
            ast::MeasureBody::DistinctCustomers { .. } => return None,
        };
        let period = self.period(&filter.window);
        let associations = filter
            .associations
            .iter()
            .filter_map(|a| {
                self.resolve(
                    &names.associations,
                    (&a.name, a.span),
                    &[],
                    |name, span, help| PolicyError::UnknownAssociation { name, span, help },
                    || {
                        format!(
                            "declare it in the competency: `association {} \"Title\"`",
                            a.name
                        )
                    },
                )
            })
            .map(AssociationId)
            .collect();
        let conditions =
            self.field_conditions(&m.name.name, &filter.conditions, names, &policy.fields);
        let customers_of = self.customers_of(&m.name.name, &filter.customers_of, names, decls);
        match &m.body {
            ast::MeasureBody::Revenue { revenue_types, .. } => {
                for t in revenue_types {
                    self.line_kind(catalogue, ast::LineSource::Revenue, t);
                }
            }
            ast::MeasureBody::Usage { metric, .. } => {
                self.line_kind(catalogue, ast::LineSource::Usage, metric);
            }
            ast::MeasureBody::DistinctCustomers { .. } => {}
        }
        let filter = LineFilter {
            products: filter.products.iter().map(|p| p.value.clone()).collect(),
            names: self.product_names(catalogue, &filter.products, policy),
            associations,
            paid_only: filter.paid_only.is_some(),
            conditions,
            customers_of,
        };
        let kind = match &m.body {
            ast::MeasureBody::Revenue { revenue_types, .. } => MeasureKind::Revenue {
                revenue_types: revenue_types.iter().map(|t| t.name.clone()).collect(),
                filter,
            },
            ast::MeasureBody::Usage {
                aggregate,
                metric,
                keys,
                largest,
                ..
            } => MeasureKind::Usage {
                aggregate: match aggregate.as_ref().map(|t| t.text.as_str()) {
                    Some("max") => Aggregate::Max,
                    Some("latest") => Aggregate::Latest,
                    _ => Aggregate::Sum,
                },
                metric: metric.name.clone(),
                // Unknown and repeated keys are reported by the checker
                // (E0321); the model keeps each known key once.
                keys: keys.iter().fold(Vec::new(), |mut kept, k| {
                    if let Some(key) = Key::from_word(&k.name)
                        && !kept.contains(&key)
                    {
                        kept.push(key);
                    }
                    kept
                }),
                largest: largest.is_some(),
                filter,
            },
            ast::MeasureBody::DistinctCustomers { .. } => return None,
        };
        let period = period?;
        Some(Measure {
            name: m.name.name.clone(),
            kind,
            window_months: match period {
                Period::Trailing { months } => months,
                Period::LastCompleteYear { .. } => 12,
            },
            period,
            span: m.span,
        })
    }

    fn derived_measure(
        &mut self,
        m: &ast::MeasureDecl,
        (of, count): (&ast::Ident, CustomerCount),
        names: &Scope,
        decls: &[&ast::MeasureDecl],
        measures: &[Option<Measure>],
    ) -> Option<Measure> {
        let base = self.resolve(
            &names.measures,
            (&of.name, of.span),
            &[],
            |name, span, help| PolicyError::UnknownMeasure { name, span, help },
            || "name a `revenue` or `usage` measure declared in this competency".to_owned(),
        )?;
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
                count,
            },
            window_months: base_measure.window_months,
            period: base_measure.period,
            span: m.span,
        })
    }
}

impl Names {
    /// "did you mean `x`?" for the closest declared name, if close enough,
    /// leaving out the names in `used`. Compares keys (so exam codes match
    /// as the evaluator does) but shows the name as declared.
    pub(super) fn suggest_except(&self, wrong: &str, used: &[String]) -> Option<String> {
        let wrong = self.key(wrong);
        let key = closest(
            &wrong,
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

/// The candidate `wrong` most likely means, if any: the nearest plausible
/// typo (at most a third of the longer name's length in edits), or else
/// the longest candidate that is a whole word at either end of `wrong` or
/// has `wrong` so (`developing` for `developing_marketing`). Candidates
/// whose length alone rules out a typo are not compared; the rest are
/// while `budget` lasts (when it runs out, no guess).
pub(crate) fn closest<'a>(
    wrong: &str,
    candidates: impl Iterator<Item = &'a str>,
    budget: &Cell<usize>,
) -> Option<&'a str> {
    let wrong_lower = wrong.to_lowercase();
    let wrong_len = wrong.chars().count();
    let mut best: Option<(usize, &str)> = None;
    let mut affix: Option<(usize, &str)> = None;
    for c in candidates {
        let len = c.chars().count();
        let allowed = (len.max(wrong_len) / 3).max(1);
        if len.abs_diff(wrong_len) > allowed {
            if affix.is_none_or(|(longest, _)| len > longest)
                && is_word_affix(&wrong_lower, &c.to_lowercase())
            {
                affix = Some((len, c));
            }
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
    best.or(affix).map(|(_, c)| c)
}

/// Whether the shorter of `a` and `b` (at least three characters) is the
/// longer's first or last word: it starts or ends the longer one, and a
/// `_` or `-` separates it from the rest.
fn is_word_affix(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.chars().count() < 3 || short.len() == long.len() {
        return false;
    }
    let separated = |rest: Option<&str>, at_end: bool| {
        rest.and_then(|r| {
            if at_end {
                r.chars().next_back()
            } else {
                r.chars().next()
            }
        })
        .is_some_and(|c| matches!(c, '_' | '-'))
    };
    (long.starts_with(short) && separated(long.get(short.len()..), false))
        || (long.ends_with(short) && separated(long.get(..long.len() - short.len()), true))
}

#[cfg(test)]
mod tests {
    use super::{closest, is_word_affix};
    use std::cell::Cell;

    #[test]
    fn a_declared_word_at_either_end_of_the_wrong_name_is_suggested() {
        let budget = Cell::new(usize::MAX);
        let declared = ["developed", "developing"];
        let guess = |wrong| closest(wrong, declared.iter().copied(), &budget);
        assert_eq!(guess("developing_marketing"), Some("developing"));
        assert_eq!(guess("emerging-developing"), Some("developing"));
        assert_eq!(guess("develping"), Some("developing"));
        assert_eq!(guess("developingmarkets"), None);
        assert_eq!(guess("emerging"), None);
    }

    #[test]
    fn affixes_are_whole_words_of_three_characters_or_more() {
        assert!(is_word_affix("gold_plus", "gold"));
        assert!(is_word_affix("gold", "gold-plus"));
        assert!(!is_word_affix("golden", "gold"));
        assert!(!is_word_affix("ab_cdefgh", "ab"));
        assert!(!is_word_affix("gold", "gold"));
    }
}
