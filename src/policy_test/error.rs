//! Errors in policy test files, pointing into them.

use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

/// A test file that cannot be run as written.
#[derive(Debug, Error, Diagnostic, Clone, PartialEq, Eq)]
pub enum TestFileError {
    /// Not TOML, or not the test file layout.
    #[error("invalid test file: {message}")]
    #[diagnostic(
        code(E0500),
        help(
            "a test file has `policy`, `as_of` and `[[case]]` tables with `name`, `expect` and `partner`"
        )
    )]
    Malformed {
        /// What the TOML reader said.
        message: String,
        /// Where.
        #[label("here")]
        span: SourceSpan,
    },
    /// A date that is not `YYYY-MM-DD`.
    #[error("`{text}` is not a date")]
    #[diagnostic(code(E0501), help("write the as-of date as \"YYYY-MM-DD\""))]
    BadDate {
        /// The value as written.
        text: String,
        /// Where.
        #[label("not a real YYYY-MM-DD date")]
        span: SourceSpan,
    },
    /// A case without an as-of date, and no default.
    #[error("case `{name}` has no as-of date")]
    #[diagnostic(
        code(E0502),
        help("add `as_of = \"YYYY-MM-DD\"` to the case, or once at the top of the file")
    )]
    MissingAsOf {
        /// The case.
        name: String,
        /// Its name.
        #[label("evaluated at which date?")]
        span: SourceSpan,
    },
    /// An expected tier the policy does not have.
    #[error("the policy has no tier `{name}`")]
    #[diagnostic(code(E0503))]
    UnknownTier {
        /// The tier as written.
        name: String,
        /// Where.
        #[label("not a tier of the policy")]
        span: SourceSpan,
        /// The tiers there are.
        #[help]
        help: String,
    },
    /// A requirement label the policy does not have.
    #[error("the policy has no requirement `{name}`")]
    #[diagnostic(code(E0504))]
    UnknownRequirement {
        /// The label as written.
        name: String,
        /// Where.
        #[label("no requirement has this name")]
        span: SourceSpan,
        /// The labels there are.
        #[help]
        help: String,
    },
    /// An expected shortfall that is not an amount.
    #[error("`{text}` is not an amount")]
    #[diagnostic(
        code(E0505),
        help("write the shortfall as a string of digits, e.g. \"12400.50\"")
    )]
    BadAmount {
        /// The value as written.
        text: String,
        /// Where.
        #[label("not a decimal amount")]
        span: SourceSpan,
    },
    /// A compact person or line written wrong.
    #[error("{message}")]
    #[diagnostic(code(E0506))]
    BadCompact {
        /// What is wrong.
        message: String,
        /// Where.
        #[label("{label}")]
        span: SourceSpan,
        /// What the label says.
        label: String,
        /// How to write it.
        #[help]
        help: String,
    },
    /// Compact entries standing for more people and lines than a case may hold.
    #[error("a case may stand for at most {max} people and lines, and this count makes more", max = super::compact::MAX_EXPANDED)]
    #[diagnostic(
        code(E0507),
        help(
            "a tier's thresholds never need so many; write the smallest count that tests the boundary"
        )
    )]
    TooMany {
        /// The count as written.
        count: u64,
        /// Where.
        #[label("{count} is too many")]
        span: SourceSpan,
    },
    /// A case's partner that the evaluator cannot read.
    #[error("the partner of case `{case}` is invalid: {message}")]
    #[diagnostic(code(E0508))]
    PartnerData {
        /// The case's name.
        case: String,
        /// What the data error says.
        message: String,
        /// The data error's label.
        label: String,
        /// Where in the test file.
        #[label("{label}")]
        span: SourceSpan,
        /// The data error's help, and its code.
        #[help]
        help: String,
    },
    /// A role assertion naming no role of the policy.
    #[error("the policy has no role `{name}`")]
    #[diagnostic(code(E0509))]
    UnknownRole {
        /// The name as written.
        name: String,
        /// Where.
        #[label("no role has this name")]
        span: SourceSpan,
        /// The roles there are.
        #[help]
        help: String,
    },
}
