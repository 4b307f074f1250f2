//! Rubric: a declarative language for partner-program competency rules, its
//! checker and its evaluator.
//!
//! Data flows one way through the stages:
//! [`syntax`] (text → [`ast`]) → [`check`] (→ [`model`]) → [`eval`] (with
//! partner [`data`]) → [`report`].
//! Every stage places text with [`source`] (spans, lines and columns) and
//! shows amounts with [`money`], so that neither is written twice.
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
pub mod batch;
pub mod check;
pub mod data;
pub mod diff;
pub mod doc;
pub mod eval;
pub mod example;
pub mod explain;
pub mod format;
pub mod impact;
pub mod lint;
pub mod lsp;
pub mod model;
pub mod money;
pub mod policy_test;
pub mod report;
pub mod source;
pub mod syntax;
pub mod timeline;
pub mod versions;

/// The README's Rust examples, compiled and run as doctests so that they
/// stay true to the library.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeExamples;

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

/// One thing checking a policy's text found: an error, or a lint.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum PolicyDiagnostic {
    /// The text does not follow the grammar.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Syntax(syntax::SyntaxError),
    /// The policy parses but is not valid.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Invalid(check::PolicyError),
    /// The policy is valid, but probably not what was meant.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Lint(lint::Warning),
}

impl PolicyDiagnostic {
    /// Whether it is an error (a lint is a warning until a level says otherwise).
    pub fn is_error(&self) -> bool {
        !matches!(self, PolicyDiagnostic::Lint(_))
    }

    /// Its stable code, e.g. `E0201` or `W0103`.
    pub fn code_text(&self) -> String {
        use miette::Diagnostic as _;
        self.code().map(|c| c.to_string()).unwrap_or_default()
    }
}

/// What checking a policy's text found, errors and warnings together.
#[derive(Debug)]
pub struct Checked {
    /// The checked policy, when the text has no errors.
    pub policy: Option<model::Policy>,
    /// The syntax errors (up to ten), or every check error; when there are
    /// none, every lint that no `allow` in the policy accepts.
    pub diagnostics: Vec<PolicyDiagnostic>,
    /// The lints that an `allow` in the policy accepts, with its reason.
    pub allowed: Vec<lint::allow::Allowed>,
}

/// Checks policy text as `rubric check` does: parse, check, and when the
/// policy is valid, lint it.
///
/// ```
/// let checked = rubric::check_source("competency demo { tiers silver }");
/// assert!(checked.diagnostics.iter().any(|d| d.is_error()));
/// assert!(checked.policy.is_none());
/// ```
pub fn check_source(source: &str) -> Checked {
    match syntax::parse_all(source) {
        Ok(file) => check_parsed(&file),
        Err(errors) => Checked {
            policy: None,
            diagnostics: errors.into_iter().map(PolicyDiagnostic::Syntax).collect(),
            allowed: Vec::new(),
        },
    }
}

/// Checks a policy already parsed, as [`check_source`] does after parsing:
/// for callers that keep the syntax tree too (the language server).
pub fn check_parsed(file: &ast::PolicyFile) -> Checked {
    match check::check(file) {
        Ok(policy) => {
            let (warnings, allowed) = lint::allow::apply(file, lint::lint(file, &policy));
            Checked {
                diagnostics: warnings.into_iter().map(PolicyDiagnostic::Lint).collect(),
                allowed,
                policy: Some(policy),
            }
        }
        Err(errors) => Checked {
            policy: None,
            diagnostics: errors.into_iter().map(PolicyDiagnostic::Invalid).collect(),
            allowed: Vec::new(),
        },
    }
}

/// Parses and checks policy text.
pub fn load_policy(source: &str) -> Result<model::Policy, PolicyLoadError> {
    let file = syntax::parse_all(source).map_err(PolicyLoadError::Syntax)?;
    check::check(&file).map_err(PolicyLoadError::Invalid)
}
