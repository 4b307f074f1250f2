//! The closed market list: `markets developed, emerging only` names every
//! market a partner may be in. Each name must be a declared market, every
//! declared market must be in it, and it is written once.

use super::declare::{Declared, Names};
use super::{Checker, PolicyError, sp};
use crate::ast;

impl Checker {
    /// Checks the `markets … only` line, if there is one, against the
    /// declared markets, and records in the policy that its markets are
    /// closed.
    pub(super) fn closed_markets(&mut self, c: &ast::Competency, declared: &mut Declared) {
        let mut first: Option<ast::Span> = None;
        for item in &c.items {
            let ast::Item::ClosedMarkets(list, span) = item else {
                continue;
            };
            if let Some(first) = first {
                self.errors.push(PolicyError::ClosedMarketsRepeated {
                    what: "the policy's markets are closed twice".to_owned(),
                    span: sp(*span),
                    first: sp(first),
                });
                continue;
            }
            first = Some(*span);
            let mut seen = Names::ignoring_case("market");
            let mut listed = vec![false; declared.policy.markets.len()];
            let named: Vec<String> = list.iter().map(|m| m.name.to_lowercase()).collect();
            for market in list {
                let mut repeats = Vec::new();
                if !seen.declare_id(market, &mut repeats) {
                    for repeat in repeats {
                        if let PolicyError::Duplicate { span, first, .. } = repeat {
                            self.errors.push(PolicyError::ClosedMarketsRepeated {
                                what: format!(
                                    "market `{}` is named twice in the closed market list",
                                    market.name
                                ),
                                span,
                                first,
                            });
                        }
                    }
                    continue;
                }
                let found = self.resolve(
                    &declared.names.markets,
                    (&market.name, market.span),
                    &named,
                    |name, span, help| PolicyError::ClosedMarketUnknown { name, span, help },
                    || {
                        format!(
                            "declare it in the competency: `market {} \"Title\"`, or check the spelling",
                            market.name
                        )
                    },
                );
                if let Some(slot) = found.and_then(|i| listed.get_mut(i)) {
                    *slot = true;
                }
            }
            for (market, listed) in declared.policy.markets.iter().zip(&listed) {
                if !listed {
                    self.errors.push(PolicyError::ClosedMarketMissing {
                        name: market.id.clone(),
                        span: sp(*span),
                        declared: sp(market.span),
                    });
                }
            }
            declared.policy.closed_markets = Some(*span);
        }
    }
}
