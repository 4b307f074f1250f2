//! Text to syntax tree: the pest parser for `grammar/rubric.pest`, lowering of
//! its parse tree into [`crate::ast`], and parse errors rephrased in words.

mod error;
pub(crate) mod keywords;
mod lower;

use pest::Parser as _;

pub use error::{Resume, SyntaxError};

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

/// The braces of `text` outside strings and comments: each one's position
/// and whether it opens a block. A string runs to its closing quote or the
/// end of its line, as the grammar reads it.
fn braces(text: &str) -> Vec<(usize, bool)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'"' => {
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
            b'{' => out.push((i, true)),
            b'}' => out.push((i, false)),
            _ => {}
        }
        i += 1;
    }
    out
}

/// The opening brace that nests deeper than [`MAX_NESTING`], if any.
/// Unbalanced braces are left for the parser to report.
fn too_deep(source: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (at, opens) in braces(source) {
        if opens {
            depth += 1;
            if depth > MAX_NESTING {
                return Some(at);
            }
        } else {
            depth = depth.saturating_sub(1);
        }
    }
    None
}

/// How many blocks are open at the end of `text`.
fn open_blocks(text: &str) -> usize {
    braces(text).into_iter().fold(0, |depth, (_, opens)| {
        if opens {
            depth + 1
        } else {
            depth.saturating_sub(1)
        }
    })
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

/// At most this many syntax errors are reported for one file.
const MAX_ERRORS: usize = 10;

/// Parses policy source text, reporting every syntax error it can find
/// rather than only the first: after an error, the statement holding it is
/// blanked out (spaces, so that positions do not move) and the text parsed
/// again. Recovery stops where a guess would be unsafe (an error about
/// braces or at the end of the file, the `competency` line, braces that
/// would not balance, a statement above that the text before the error
/// leaves cut short), so that no error reported is an echo of an earlier
/// one.
///
/// ```
/// let text = "competency k {\n  tiers s\n  grop g = any of A\n  exam A \"a\" retirs 2017-01-01\n}\n";
/// let errors = rubric::syntax::parse_all(text).unwrap_err();
/// assert_eq!(errors.len(), 2);
/// ```
pub fn parse_all(source: &str) -> Result<crate::ast::PolicyFile, Vec<SyntaxError>> {
    let first = match parse(source) {
        Ok(file) => return Ok(file),
        Err(err) => err,
    };
    let mut errors = vec![first];
    let mut text = source.to_owned();
    // Everything before this has been reported or blanked.
    let mut done = 0;
    while errors.len() < MAX_ERRORS {
        let Some(last) = errors.last() else { break };
        // Nothing to resume after an error at the end of the text.
        let Some(blank) = last
            .recoverable_at()
            .filter(|&(at, _)| text.get(at..).is_some_and(|rest| !rest.trim().is_empty()))
            .and_then(|(at, wants_statement)| statement_around(&text, at, wants_statement))
        else {
            break;
        };
        if blank.start < done {
            break;
        }
        // The text before the statement, with its open blocks closed, must
        // parse: otherwise the statement above is cut short (`group` with
        // no name, then `group g = ...`) and would swallow what follows.
        let before = text.get(..blank.start).unwrap_or("");
        let mut probe = before.to_owned();
        probe.push('\n');
        probe.push_str(&"}".repeat(open_blocks(before)));
        if parse(&probe).is_err() {
            break;
        }
        let Some(region) = text.get(blank.clone()) else {
            break;
        };
        // Spaces byte for byte, line ends kept, so that positions hold.
        let spaces: String = region
            .chars()
            .flat_map(|c| match c {
                '\n' => std::iter::repeat_n('\n', 1),
                other => std::iter::repeat_n(' ', other.len_utf8()),
            })
            .collect();
        text.replace_range(blank.clone(), &spaces);
        done = blank.end;
        match parse(&text) {
            Ok(_) => break,
            Err(next) => {
                if next.offset() < done {
                    break;
                }
                errors.push(next);
            }
        }
    }
    Err(errors)
}

/// Whether a line starts a statement: a statement keyword, a role (a
/// count) or a closing brace.
fn starts_statement(line: &str) -> bool {
    let code = line.trim_start();
    let word: String = code
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    // A role is a count and `passing`, `people` or `person`; an exam code
    // such as `70-532` may start a line too.
    let role = code.starts_with(|c: char| c.is_ascii_digit())
        && code.split_whitespace().nth(1).is_some_and(|w| {
            [keywords::PASSING, keywords::PEOPLE, keywords::PERSON]
                .iter()
                .any(|k| k.word == w)
        });
    keywords::starts_statement(&word)
        || role
        || code.starts_with('}')
        || code.starts_with(keywords::COMPETENCY.word)
}

/// Whether `text` starts with a misspelled statement keyword: a word that
/// is not one, but at most a third of its length away from one.
fn misspelled_statement_keyword(text: &str) -> bool {
    let word: String = text
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    !keywords::starts_statement(&word)
        && keywords::KEYWORDS
            .iter()
            .filter(|k| keywords::starts_statement(k.word))
            .any(|k| {
                strsim::damerau_levenshtein(&word.to_lowercase(), k.word)
                    <= (k.word.len().max(word.len()) / 3).max(1)
            })
}

/// The lines of the statement holding the error at `at` (after which the
/// parser wanted a new statement if `wants_statement`): from the nearest
/// line at or above it that starts a statement to the line before the next one, then
/// on until its braces balance. `None` when that is unsafe to blank: the
/// `competency` line, more `}` than `{`, or no end.
fn statement_around(
    text: &str,
    at: usize,
    wants_statement: bool,
) -> Option<std::ops::Range<usize>> {
    // Line starts, and the index of the line holding `at`.
    let starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_of = |pos: usize| starts.partition_point(|&s| s <= pos).saturating_sub(1);
    let line = |i: usize| -> &str {
        let start = starts.get(i).copied().unwrap_or(text.len());
        let end = starts.get(i + 1).copied().unwrap_or(text.len());
        text.get(start..end).unwrap_or("")
    };
    let mut first = line_of(at);
    // An error at the start of a line on a misspelled statement keyword
    // (`grop`) starts a statement there. Any other word there (`oover`,
    // `or`, a count, or a keyword spelled right) means the statement above
    // it is what went wrong, most likely a brace or a word lost there:
    // nothing safe to drop.
    let starts_line = starts
        .get(first)
        .and_then(|&s| text.get(s..at))
        .is_some_and(|before| before.trim().is_empty());
    if starts_line && !misspelled_statement_keyword(text.get(at..).unwrap_or("")) {
        return None;
    }
    while !starts_line && first > 0 && !starts_statement(line(first)) {
        first -= 1;
    }
    // A closing brace or the competency line: not a statement to drop.
    let head = line(first).trim_start();
    if head.starts_with('}') || head.starts_with(keywords::COMPETENCY.word) {
        return None;
    }
    let mut last = line_of(at);
    // The parser wanted a new statement after the keyword this line starts
    // with: it took that keyword as a name in the statement above (`tiers`
    // with no tier, then `usage seats`). The mistake is up there, and
    // blanking here would only echo it.
    let before = starts
        .get(line_of(at))
        .and_then(|&s| text.get(s..at))
        .unwrap_or("");
    let mut words = before.split_whitespace();
    if let (Some(word), None) = (words.next(), words.next())
        && wants_statement
        && keywords::starts_statement(word)
        && line_of(at) > 0
    {
        return None;
    }
    while last + 1 < starts.len() && !starts_statement(line(last + 1)) {
        last += 1;
    }
    // Take in whole blocks the statement opens: braces (outside comments)
    // must nest, never closing a block opened before the statement.
    let mut depth: i64 = 0;
    let mut line_index = first;
    loop {
        let code = line(line_index).split('#').next().unwrap_or("");
        for c in code.chars() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
            if depth < 0 {
                return None;
            }
        }
        if line_index >= last && depth == 0 {
            break;
        }
        line_index += 1;
        if line_index >= starts.len() {
            return None;
        }
    }
    let last = line_index;
    let start = starts.get(first).copied()?;
    let end = starts.get(last + 1).copied().unwrap_or(text.len());
    Some(start..end)
}

#[cfg(test)]
mod tests;
