//! Constructs that parse and name only declared things, yet cannot mean
//! anything: `paid only` on revenue (revenue lines carry no `paid` flag, so
//! nothing would ever count), a quantifier word where a line type or metric
//! belongs (`revenue r = any from ...` would count lines of a type named
//! `any`), and `per month` on a measure that takes the largest reading.

use super::{Checker, PolicyError, sp};
use crate::ast;

/// Words that read as "whichever" rather than naming a line type or metric.
const QUANTIFIER_WORDS: &[&str] = &["any", "all", "one", "every", "each", "some"];

/// Whether `name` is a quantifier word (E0337's), not a line type.
pub(super) fn is_quantifier_word(name: &str) -> bool {
    QUANTIFIER_WORDS.contains(&name)
}

impl Checker {
    /// Reports every construct of the measures and requirements of `c` that
    /// cannot mean anything.
    pub(super) fn meaningless(&mut self, c: &ast::Competency) {
        let mut max_measures = Vec::new();
        for item in &c.items {
            let ast::Item::Measure(m) = item else {
                continue;
            };
            match &m.body {
                ast::MeasureBody::Revenue {
                    revenue_types,
                    filter,
                } => {
                    if let Some(span) = filter.paid_only {
                        self.errors.push(PolicyError::PaidOnlyRevenue {
                            measure: m.name.name.clone(),
                            span: sp(span),
                        });
                    }
                    for revenue_type in revenue_types {
                        self.quantifier_word(revenue_type, "line type", "net_new");
                    }
                }
                ast::MeasureBody::Usage {
                    aggregate, metric, ..
                } => {
                    self.quantifier_word(metric, "metric", "deployed_seats");
                    if aggregate.as_ref().is_some_and(|a| a.text == "max") {
                        max_measures.push(&m.name.name);
                    }
                }
                ast::MeasureBody::DistinctCustomers { .. } => {}
            }
        }
        for requirement in measure_requirements(c) {
            if let Some(span) = requirement.per_month
                && max_measures.contains(&&requirement.measure.name)
            {
                self.errors.push(PolicyError::PerMonthOfMax {
                    measure: requirement.measure.name.clone(),
                    span: sp(span),
                });
            }
        }
    }

    fn quantifier_word(&mut self, name: &ast::Ident, what: &'static str, example: &'static str) {
        if QUANTIFIER_WORDS.contains(&name.name.as_str()) {
            self.errors.push(PolicyError::QuantifierAsName {
                word: name.name.clone(),
                what,
                example,
                span: sp(name.span),
            });
        }
    }
}

/// Every measure requirement of every option, `either` branches included.
fn measure_requirements(c: &ast::Competency) -> Vec<&ast::MeasureRequirement> {
    super::roles::leaf_requirements(c)
        .into_iter()
        .filter_map(|r| match r {
            ast::Requirement::Measure(m) => Some(m),
            _ => None,
        })
        .collect()
}
