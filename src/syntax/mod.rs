//! Text to syntax tree: the pest parser for `grammar/rubric.pest`, lowering of
//! its parse tree into [`crate::ast`], and parse errors rephrased in words.

mod error;
mod lower;

use pest::Parser as _;

pub use error::SyntaxError;

pub(crate) use grammar::{PolicyParser, Rule};

mod grammar {
    // The derive generates one undocumented variant per grammar rule; the
    // rules are documented in the grammar file itself.
    #![allow(missing_docs)]

    /// The pest parser generated from the grammar file.
    #[derive(pest_derive::Parser)]
    #[grammar = "../grammar/rubric.pest"]
    pub(crate) struct PolicyParser;
}

/// How many rule calls one parse may make, so hostile input cannot keep the
/// parser busy without bound (a real policy needs a few thousand).
const CALL_LIMIT: usize = 20_000_000;

/// Parses policy source text into a syntax tree.
///
/// ```
/// let file = rubric::syntax::parse(r#"competency demo "Demo" { tiers silver }"#).unwrap();
/// assert_eq!(file.competency.id.name, "demo");
/// ```
pub fn parse(source: &str) -> Result<crate::ast::PolicyFile, SyntaxError> {
    pest::set_call_limit(std::num::NonZeroUsize::new(CALL_LIMIT));
    // Error detail records the literal tokens the parser expected, which the
    // error message names ("expected `{`").
    pest::set_error_detail(true);
    let mut pairs = PolicyParser::parse(Rule::policy, source)
        .map_err(|err| SyntaxError::from_pest(&err, source))?;
    let policy = pairs
        .next()
        .ok_or_else(|| SyntaxError::internal(source.len(), "the parser produced nothing"))?;
    lower::policy_file(policy)
}

#[cfg(test)]
mod tests;
