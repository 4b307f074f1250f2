//! Rubric: a declarative language for partner-program competency rules, its
//! checker and its evaluator.
//!
//! Data flows one way through the stages:
//! [`syntax`] (text → [`ast`]) → [`check`] (→ [`model`]) → [`eval`] (with
//! partner [`data`]) → [`report`].
//!
//! ```
//! let policy = rubric::load_policy(r#"competency demo {
//!     tiers silver
//!     exam AZ-900
//!     group basics = any of AZ-900
//!     option main { tier silver { require distinct people { 1 passing basics } } }
//! }"#).unwrap();
//! assert_eq!(policy.options[0].name, "main");
//! ```
#![warn(missing_docs)]

pub mod ast;
pub mod check;
pub mod data;
pub mod eval;
pub mod explain;
pub mod format;
pub mod lint;
pub mod model;
pub mod policy_test;
pub mod report;
pub mod syntax;

/// Any error that stops a policy from loading.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum PolicyLoadError {
    /// The text does not follow the grammar; every syntax error found.
    #[error("the policy has {} syntax error(s)", .0.len())]
    Syntax(Vec<syntax::SyntaxError>),
    /// The policy parses but is not valid; every error found.
    #[error("the policy has {} error(s)", .0.len())]
    Invalid(Vec<check::PolicyError>),
}

impl PolicyLoadError {
    /// Each diagnostic on its own, for rendering one by one.
    pub fn diagnostics(&self) -> Vec<&dyn miette::Diagnostic> {
        match self {
            PolicyLoadError::Syntax(errors) => errors
                .iter()
                .map(|e| e as &dyn miette::Diagnostic)
                .collect(),
            PolicyLoadError::Invalid(errors) => errors
                .iter()
                .map(|e| e as &dyn miette::Diagnostic)
                .collect(),
        }
    }
}

/// Parses and checks policy text.
pub fn load_policy(source: &str) -> Result<model::Policy, PolicyLoadError> {
    let file = syntax::parse_all(source).map_err(PolicyLoadError::Syntax)?;
    check::check(&file).map_err(PolicyLoadError::Invalid)
}
