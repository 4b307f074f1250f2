//! `allow CODE "reason"` in a tier or option: a lint's finding accepted
//! where the policy says it is deliberate. A finding is covered when one of
//! its places lies inside the block that holds a matching `allow` (W0100
//! points at both tiers, so an `allow` in the higher tier covers it). An
//! `allow` that covers nothing is itself a lint, W0115, so that a stale one
//! is noticed.

use miette::Diagnostic;

use super::Warning;
use crate::ast;

/// A lint finding that an `allow` in the policy accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Allowed {
    /// The finding.
    pub warning: Warning,
    /// The `allow`'s reason.
    pub reason: String,
}

/// One `allow` with the block it covers.
struct Scope<'a> {
    allow: &'a ast::AllowDecl,
    block: ast::Span,
    used: bool,
}

/// Splits `warnings` into those still reported and those an `allow` of
/// `file` accepts; adds a W0115 for every `allow` that accepts none.
pub fn apply(file: &ast::PolicyFile, warnings: Vec<Warning>) -> (Vec<Warning>, Vec<Allowed>) {
    let mut scopes: Vec<Scope<'_>> = Vec::new();
    for item in &file.competency.items {
        let ast::Item::Option(option) = item else {
            continue;
        };
        // A tier's `allow` before its option's: the nearer one accepts the
        // finding, so an option-wide `allow` that only repeats it is W0115.
        for tier in &option.tiers {
            for allow in &tier.allows {
                scopes.push(Scope {
                    allow,
                    block: tier.span,
                    used: false,
                });
            }
        }
        for allow in &option.allows {
            scopes.push(Scope {
                allow,
                block: option.span,
                used: false,
            });
        }
    }
    let mut kept = Vec::new();
    let mut allowed = Vec::new();
    for warning in warnings {
        let code = warning.code_text();
        let places: Vec<(usize, usize)> = warning
            .labels()
            .map(|labels| labels.map(|l| (l.offset(), l.offset() + l.len())).collect())
            .unwrap_or_default();
        let covering = scopes.iter_mut().find(|s| {
            s.allow.code.name == code
                && places
                    .iter()
                    .any(|&(start, end)| s.block.start <= start && end <= s.block.end)
        });
        match covering {
            Some(scope) => {
                scope.used = true;
                let reason = scope
                    .allow
                    .reason
                    .as_ref()
                    .map(|r| r.value.clone())
                    .unwrap_or_default();
                allowed.push(Allowed { warning, reason });
            }
            None => kept.push(warning),
        }
    }
    for scope in scopes.iter().filter(|s| !s.used) {
        kept.push(Warning::UnusedAllow {
            code: scope.allow.code.name.clone(),
            span: scope.allow.span.into(),
        });
    }
    (kept, allowed)
}
