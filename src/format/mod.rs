//! The canonical layout of a policy file, keeping every comment.
//!
//! Items keep the order the author gave them; what changes is spacing,
//! indentation (two spaces a level), alignment (`=` of consecutive groups,
//! values of header lines, titles of consecutive catalog entries), number
//! and currency forms (`100_000 USD`), the comparison (`>=`), blank lines
//! (at most one, where the author had one, and always one between options
//! and between tiers) and line breaks of long lists.
//!
//! Comments are placed by position: a comment on a line of its own stays
//! before the item that follows it; a comment after code on the same line
//! stays at the end of that line; comments among the members of a list put
//! the list one member a line, each member with its comments.
//!
//! Line ends are kept: a file whose first line ends in CRLF gets CRLF.
//!
//! Two parts: [`layout`] says what each construct looks like (its words,
//! alignment and line breaks) and asks [`comments`] where the author's
//! comments and blank lines go, which it decides from positions in the
//! source.

mod comments;
mod layout;

use crate::syntax::{self, SyntaxError};

/// Lines longer than this are broken where the layout allows.
const WIDTH: usize = 100;

/// Formats policy source text.
///
/// ```
/// let messy = "competency k{tiers silver  # ladder\n option o {tier silver{require shared people{1 passing g}}}}";
/// let tidy = rubric::format::format(messy).unwrap();
/// assert_eq!(rubric::format::format(&tidy).unwrap(), tidy);
/// assert!(tidy.contains("  tiers silver # ladder\n"));
/// ```
pub fn format(source: &str) -> Result<String, SyntaxError> {
    let file = syntax::parse(source)?;
    let out = layout::Printer::new(source, &file.comments).file(&file);
    // A file written with CRLF line ends is given CRLF back, so that
    // formatting it (and `fmt --check`) leaves its line ends alone. The
    // first line end decides; the grammar reads `\r` as a space, so the
    // layout above is the same either way.
    let crlf = source
        .find('\n')
        .is_some_and(|i| source.get(..i).is_some_and(|line| line.ends_with('\r')));
    if crlf {
        return Ok(out.replace('\n', "\r\n"));
    }
    Ok(out)
}

/// `level` indentation steps of two spaces.
fn indent(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push_str("  ");
    }
}

/// An empty line, unless one was just written.
fn blank(out: &mut String) {
    if !out.ends_with("\n\n") {
        out.push('\n');
    }
}
