//! Syntax tree to checked model, in three passes over a file: [`declare`]
//! indexes every name, [`resolve`] turns each use of a name into the
//! declaration it means, and [`validate`] checks every value and the file as
//! a whole. All errors of a file are collected in one run.

mod aggregation;
mod allows;
mod catalogue;
mod customers;
mod cycles;
mod declare;
mod error;
mod fields;
mod markets;
mod nonsense;
mod renames;
mod requirements;
mod resolve;
mod roles;
mod translate;
mod validate;

use miette::SourceSpan;

pub use error::PolicyError;
pub(crate) use resolve::closest;

use crate::ast::{self, Span};
use crate::model::Policy;

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

/// The errors found so far; each pass adds to them and goes on.
#[derive(Default)]
struct Checker {
    errors: Vec<PolicyError>,
    /// The group each role reference means, by the reference's span
    /// (filled by [`Checker::resolve_role_refs`]).
    role_refs: std::collections::HashMap<(usize, usize), crate::model::GroupId>,
}

impl Checker {
    fn competency(&mut self, c: &ast::Competency) -> Policy {
        // Declarations first, so that uses may come before or after them.
        let mut declared = self.declare(c);
        self.closed_markets(c, &mut declared);
        let former = self.former_names(c, &declared);
        // Group members and measures refer to the declarations; options
        // refer to everything.
        self.resolve_groups(c, &mut declared, &former);
        let catalogue = self.catalogue(c, &mut declared.policy);
        self.resolve_measures(c, &mut declared, &catalogue);
        self.resolve_role_refs(c, &mut declared, &former);
        self.meaningless(c);
        self.aggregation(c);
        self.require_tiers(c);
        let amounts = self.resolve_options(c, &mut declared);
        self.require_option(c);
        self.amount_currencies(&declared.policy, &amounts, declared.currency_span);
        self.translations(c, &mut declared.policy);
        self.allows(c);
        declared.policy
    }
}
