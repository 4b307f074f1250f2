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

/// How deeply blocks (`{ ... }`) may nest. A real policy needs five or six
/// levels (competency, option, tier, `either` branches, people). The parser
/// recurses once per level and pest stops it when the native stack runs
/// low, which happens at a depth that changes from run to run (the stack's
/// start is randomised), so deep nesting is refused here first, at a
/// position that depends only on the text.
pub const MAX_NESTING: usize = 64;

/// The opening brace that nests deeper than [`MAX_NESTING`], if any.
/// Braces inside strings and comments do not count; unbalanced braces are
/// left for the parser to report.
fn too_deep(source: &str) -> Option<usize> {
    let bytes = source.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'"' => {
                // A string runs to its closing quote or the end of its line.
                i += 1;
                while let Some(&c) = bytes.get(i) {
                    match c {
                        b'\\' => i += 1,
                        b'"' | b'\n' => break,
                        _ => {}
                    }
                    i += 1;
                }
            }
            b'#' => i = skip_line(bytes, i),
            b'/' if bytes.get(i + 1) == Some(&b'/') => i = skip_line(bytes, i),
            b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(i);
                }
            }
            b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

/// The position of the line end at or after `i` (or the end of the text).
fn skip_line(bytes: &[u8], i: usize) -> usize {
    bytes
        .get(i..)
        .and_then(|rest| rest.iter().position(|&c| c == b'\n'))
        .map_or(bytes.len(), |n| i + n)
}

/// Parses policy source text into a syntax tree.
///
/// ```
/// let file = rubric::syntax::parse(r#"competency demo "Demo" { tiers silver }"#).unwrap();
/// assert_eq!(file.competency.id.name, "demo");
/// ```
pub fn parse(source: &str) -> Result<crate::ast::PolicyFile, SyntaxError> {
    if let Some(at) = too_deep(source) {
        return Err(SyntaxError::too_deep(at, MAX_NESTING));
    }
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
