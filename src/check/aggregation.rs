//! Per-key aggregation of usage measures and `in every month`: keys that
//! are unknown or change nothing, `latest` and `largest` without keys, and
//! `per month` or `in every month` where they cannot mean anything.

use super::{Checker, PolicyError, sp};
use crate::ast;
use crate::model::Key;

/// What a requirement needs to know of the measure it names.
#[derive(Clone, Copy)]
enum Shape {
    /// A usage measure taking each key's latest reading.
    Latest,
    /// A usage measure taking the largest key's value.
    Largest,
    /// A customer measure.
    Customers,
    /// Anything else.
    Plain,
}

impl Checker {
    /// Reports every mistake in the keys of usage measures and in the
    /// requirements' `per month` and `in every month` that these make.
    pub(super) fn aggregation(&mut self, c: &ast::Competency) {
        let mut shapes: Vec<(&str, Shape)> = Vec::new();
        for item in &c.items {
            let ast::Item::Measure(m) = item else {
                continue;
            };
            let shape = match &m.body {
                ast::MeasureBody::Usage {
                    aggregate,
                    largest,
                    keys,
                    ..
                } => self.usage_keys(
                    m,
                    aggregate.as_ref(),
                    largest.as_ref().map(|t| t.span),
                    keys,
                ),
                ast::MeasureBody::DistinctCustomers { .. } => Shape::Customers,
                ast::MeasureBody::Revenue { .. } => Shape::Plain,
            };
            shapes.push((m.name.name.as_str(), shape));
        }
        for requirement in super::roles::leaf_requirements(c) {
            let ast::Requirement::Measure(r) = requirement else {
                continue;
            };
            let shape = shapes
                .iter()
                .find(|(name, _)| *name == r.measure.name)
                .map_or(Shape::Plain, |(_, s)| *s);
            if let Some(span) = r.every_month {
                if r.per_month.is_some() {
                    self.errors.push(PolicyError::EveryMonthMisuse {
                        context: "with `per month`".to_owned(),
                        help: "keep `in every month` to require the level in each month, or `per month` to compare the window's monthly average, not both",
                        span: sp(span),
                        why: "each month is already compared on its own",
                    });
                } else if matches!(shape, Shape::Customers) {
                    self.errors.push(PolicyError::EveryMonthMisuse {
                        context: format!("on customer measure `{}`", r.measure.name),
                        help: "compare the customers over the whole window, or require the measure they are counted from in every month",
                        span: sp(span),
                        why: "customers are counted over the whole window",
                    });
                }
            }
            if let Some(span) = r.per_month {
                let what = match shape {
                    Shape::Latest => Some("a current count (`latest`)"),
                    Shape::Largest => Some("the largest key's value (`largest`)"),
                    Shape::Customers | Shape::Plain => None,
                };
                if let Some(what) = what {
                    self.errors.push(PolicyError::PerMonthOfCurrent {
                        measure: r.measure.name.clone(),
                        what,
                        span: sp(span),
                    });
                }
            }
        }
    }

    /// Checks one usage measure's keys and says what shape it has.
    fn usage_keys(
        &mut self,
        m: &ast::MeasureDecl,
        aggregate: Option<&ast::Token>,
        largest: Option<ast::Span>,
        keys: &[ast::Ident],
    ) -> Shape {
        let mut seen: Vec<Key> = Vec::new();
        for key in keys {
            match Key::from_word(&key.name) {
                Some(k) if seen.contains(&k) => self.errors.push(PolicyError::UnknownKey {
                    key: key.name.clone(),
                    again: ", and it is named twice",
                    span: sp(key.span),
                    what: "named again",
                }),
                Some(k) => seen.push(k),
                None => self.errors.push(PolicyError::UnknownKey {
                    key: key.name.clone(),
                    again: "",
                    span: sp(key.span),
                    what: "not `customer`, `product` or `month`",
                }),
            }
        }
        let word = aggregate.map(|a| a.text.as_str());
        let name = &m.name.name;
        if keys.is_empty() {
            if let Some(a) = aggregate.filter(|a| a.text == "latest") {
                self.errors.push(PolicyError::AggregateNeedsKey {
                    word: "latest",
                    measure: name.clone(),
                    help: "say whose latest reading counts, e.g. `latest active_entitlements per customer and product`".to_owned(),
                    span: sp(a.span),
                    why: "readings of different customers and products would replace each other",
                });
            }
            if let Some(span) = largest {
                self.errors.push(PolicyError::AggregateNeedsKey {
                    word: "largest",
                    measure: name.clone(),
                    help: "say what is compared, e.g. `largest total active_users per product`, or write `max` for the largest single reading".to_owned(),
                    span: sp(span),
                    why: "there is only one total to compare",
                });
            }
        } else if let (Some(first), Some(last)) = (keys.first(), keys.last()) {
            let span = sp(ast::Span::new(first.span.start, last.span.end));
            match (word, largest.is_some()) {
                (None | Some("sum"), false) => self.errors.push(PolicyError::KeysChangeNothing {
                    measure: name.clone(),
                    result: "the keys' totals add up to the plain total",
                    help: "drop the keys to sum every line, write `latest` before the metric to sum each key's latest reading, or `largest total` to take the largest key's total",
                    span,
                }),
                (Some("max"), true) => self.errors.push(PolicyError::KeysChangeNothing {
                    measure: name.clone(),
                    result: "the largest of each key's largest reading is the largest reading",
                    help: "drop `largest` and the keys to take the largest reading, or write `largest total` to take the largest key's total",
                    span,
                }),
                _ => {}
            }
        }
        match (word, largest.is_some()) {
            (_, true) => Shape::Largest,
            (Some("latest"), false) => Shape::Latest,
            _ => Shape::Plain,
        }
    }
}
