//! `allow CODE "reason"` lines in tiers and options: each must name a lint
//! and say why its finding is accepted there.

use super::{Checker, PolicyError, sp};
use crate::ast;

impl Checker {
    /// Reports every `allow` of `c` that names no lint or gives no reason.
    pub(super) fn allows(&mut self, c: &ast::Competency) {
        let options = c.items.iter().filter_map(|i| match i {
            ast::Item::Option(o) => Some(o),
            _ => None,
        });
        for option in options {
            let in_tiers = option.tiers.iter().flat_map(|t| &t.allows);
            for allow in option.allows.iter().chain(in_tiers) {
                self.allow(allow);
            }
        }
    }

    fn allow(&mut self, allow: &ast::AllowDecl) {
        let code = &allow.code.name;
        if !crate::lint::CODES.contains(&code.as_str()) {
            let upper = code.to_uppercase();
            let lints = crate::lint::CODES.join(", ");
            let (what, help) = if crate::lint::CODES.contains(&upper.as_str()) {
                ("not written as the code", format!("write `{upper}`"))
            } else if upper.starts_with('E') {
                (
                    "an error's code",
                    format!(
                        "an error cannot be accepted, only a lint ({lints}); fix what `rubric explain {upper}` describes"
                    ),
                )
            } else {
                ("no such lint", format!("lints are {lints}"))
            };
            self.errors.push(PolicyError::AllowNotLint {
                code: code.clone(),
                help,
                span: sp(allow.code.span),
                what,
            });
        }
        if allow
            .reason
            .as_ref()
            .is_none_or(|r| r.value.trim().is_empty())
        {
            self.errors.push(PolicyError::AllowWithoutReason {
                code: code.clone(),
                span: sp(allow.span),
            });
        }
    }
}
