//! `for customers of MEASURE`: a revenue or usage measure restricted to
//! the customers another one counts. The other must be a revenue or usage
//! measure (a customer count has no customers of its own), named once, and
//! no measure may be restricted, through any chain, to its own customers.

use super::declare::Scope;
use super::{Checker, PolicyError, sp};
use crate::ast;
use crate::model::{Measure, MeasureId, MeasureKind};

impl Checker {
    /// The measure whose customers `measure`'s lines must belong to, if
    /// its clause names a measure that has customers; every other clause
    /// is reported.
    pub(super) fn customers_of(
        &mut self,
        measure: &str,
        clauses: &[ast::CustomersOf],
        names: &Scope,
        decls: &[&ast::MeasureDecl],
    ) -> Option<MeasureId> {
        let (first, rest) = clauses.split_first()?;
        for again in rest {
            self.errors.push(PolicyError::CustomersOfNone {
                reason: format!(
                    "measure `{measure}` is restricted to the customers of a measure twice"
                ),
                span: sp(again.span),
                label: "a second `for customers of`".to_owned(),
                help: "keep one `for customers of`: a line counts when its customer is a customer of that measure; to require customers of two measures, restrict the one to the customers of the other and this measure to the customers of that one".to_owned(),
            });
        }
        let other = &first.measure;
        let i = self.resolve(
            &names.measures,
            (&other.name, other.span),
            &[],
            |name, span, help| PolicyError::UnknownMeasure { name, span, help },
            || "name a `revenue` or `usage` measure declared in this competency".to_owned(),
        )?;
        if decls
            .get(i)
            .is_some_and(|d| matches!(d.body, ast::MeasureBody::DistinctCustomers { .. }))
        {
            self.errors.push(PolicyError::CustomersOfNone {
                reason: format!(
                    "`{}` counts customers and has none of its own to restrict `{measure}` to",
                    other.name
                ),
                span: sp(other.span),
                label: "a customer count, with no lines".to_owned(),
                help: format!(
                    "name the revenue or usage measure whose customers count: the one `{}` is built on",
                    other.name
                ),
            });
            return None;
        }
        if !rest.is_empty() {
            return None;
        }
        Some(MeasureId(i))
    }

    /// Reports each ring of measures restricted to one another's
    /// customers, once, at the clause of its first measure.
    pub(super) fn customers_of_cycles(
        &mut self,
        decls: &[&ast::MeasureDecl],
        measures: &[Option<Measure>],
    ) {
        let next = |m: usize| -> Option<usize> {
            match &measures.get(m)?.as_ref()?.kind {
                MeasureKind::Revenue { filter, .. } | MeasureKind::Usage { filter, .. } => {
                    filter.customers_of.map(|o| o.0)
                }
                MeasureKind::DistinctCustomers { .. } => None,
            }
        };
        for start in 0..measures.len() {
            let mut chain = vec![start];
            let mut at = start;
            while let Some(n) = next(at) {
                if n == start {
                    // Report a ring once: at the measure of it declared first.
                    if chain.iter().all(|m| *m >= start) {
                        self.report_ring(decls, &chain);
                    }
                    break;
                }
                if chain.contains(&n) || chain.len() > measures.len() {
                    break;
                }
                chain.push(n);
                at = n;
            }
        }
    }

    fn report_ring(&mut self, decls: &[&ast::MeasureDecl], chain: &[usize]) {
        let name = |m: &usize| decls.get(*m).map_or("", |d| d.name.name.as_str());
        let Some(first) = chain.first() else {
            return;
        };
        let mut names: Vec<&str> = chain.iter().map(name).collect();
        names.push(name(first));
        let clause = chain
            .last()
            .and_then(|last| decls.get(*last))
            .and_then(|d| match &d.body {
                ast::MeasureBody::Revenue { filter, .. }
                | ast::MeasureBody::Usage { filter, .. } => {
                    filter.customers_of.first().map(|c| c.span)
                }
                ast::MeasureBody::DistinctCustomers { .. } => None,
            });
        if let Some(span) = clause {
            self.errors.push(PolicyError::CustomersOfCycle {
                name: name(first).to_owned(),
                cycle: names.join(" → "),
                span: sp(span),
            });
        }
    }
}
