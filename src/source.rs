//! Places in source text: byte spans, and the lines and columns people read.
//!
//! Every stage that points into text (the syntax tree, the checker, partner
//! data, the reports) uses these, so that a place is counted one way
//! everywhere: lines end at `\n`, `\r\n` or a lone `\r`, as miette counts
//! them for its snippets, and columns count characters, not bytes.

use std::ops::Range;

/// A byte range in a source text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// The span from `start` to `end`.
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// Whether the span covers no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The same span moved `by` bytes later.
    pub fn shifted(self, by: usize) -> Span {
        Span::new(self.start + by, self.end + by)
    }

    /// As a byte range.
    pub fn range(&self) -> Range<usize> {
        self.start..self.end
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(span: Span) -> Self {
        miette::SourceSpan::new(span.start.into(), span.len())
    }
}

/// Where each line of a text starts, so that the line of an offset is a
/// binary search rather than a scan from the top: placing N offsets in a
/// text of L lines takes N log L after one pass over the text.
#[derive(Clone, Debug)]
pub struct LineIndex {
    /// Byte offset of the start of each line; the first is 0.
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes the lines of `text`.
    pub fn new(text: &str) -> Self {
        LineIndex::of_bytes(text.as_bytes())
    }

    fn of_bytes(bytes: &[u8]) -> Self {
        let mut starts = vec![0];
        for (i, &b) in bytes.iter().enumerate() {
            let ends_line = b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
            if ends_line {
                starts.push(i + 1);
            }
        }
        LineIndex { starts }
    }

    /// The 0-based line holding byte `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        self.starts
            .partition_point(|&start| start <= offset)
            .saturating_sub(1)
    }

    /// Where 0-based line `line` starts; past the last line, `None`.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.starts.get(line).copied()
    }

    /// 1-based line and column (in characters) of byte `offset` of `text`,
    /// the text this index was built from. An offset past the end is the
    /// end; one inside a character is that character.
    pub fn line_column(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(text, offset);
        let line = self.line_of(offset);
        let start = self.line_start(line).unwrap_or(0);
        let column = text.get(start..offset).map_or(0, |t| t.chars().count());
        (line + 1, column + 1)
    }

    /// 0-based line and column in UTF-16 code units of byte `offset` of
    /// `text`, as the Language Server Protocol counts them (`한` is one
    /// unit, `𝄞` two). An offset past the end is the end; one inside a
    /// character is that character.
    pub fn utf16_position(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(text, offset);
        let line = self.line_of(offset);
        let start = self.line_start(line).unwrap_or(0);
        let column = text
            .get(start..offset)
            .map_or(0, |t| t.chars().map(char::len_utf16).sum());
        (line, column)
    }

    /// The byte offset of 0-based `line` and UTF-16 `column` of `text`, the
    /// inverse of [`LineIndex::utf16_position`]. A column past the end of
    /// its line is the line's end (before its line break), a line past the
    /// last is the end of the text, and a column inside a character (half
    /// of a surrogate pair) is that character's start.
    pub fn utf16_offset(&self, text: &str, line: usize, column: usize) -> usize {
        let Some(start) = self.line_start(line) else {
            return text.len();
        };
        let end = self.line_start(line + 1).unwrap_or(text.len());
        let Some(content) = text.get(start..end) else {
            return text.len();
        };
        let content = content.trim_end_matches(['\n', '\r']);
        let mut units = 0;
        for (i, c) in content.char_indices() {
            units += c.len_utf16();
            if units > column {
                return start + i;
            }
        }
        start + content.len()
    }
}

/// 1-based line and column (in characters) of byte `offset` of `text`. For
/// many offsets into one text, build a [`LineIndex`] once instead.
///
/// ```
/// use rubric::source::line_column;
/// assert_eq!(line_column("ab\ncd", 4), (2, 2));
/// assert_eq!(line_column("é\r\nx", 4), (2, 1));
/// assert_eq!(line_column("short", 99), (1, 6));
/// ```
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(text, offset);
    // The lines up to the offset, and one byte more: whether a `\r` just
    // before it ends a line depends on the byte after it.
    let bytes = text.as_bytes();
    let prefix = bytes.get(..offset + 1).unwrap_or(bytes);
    LineIndex::of_bytes(prefix).line_column(text, offset)
}

/// `offset`, moved back to the start of the character it falls in, and at
/// most the length of `text`.
fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::{LineIndex, line_column};

    #[test]
    fn lines_end_at_newlines_crlf_and_lone_carriage_returns() {
        let text = "a\nb\r\nc\rd";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 2), (2, 1));
        assert_eq!(line_column(text, 5), (3, 1));
        assert_eq!(line_column(text, 7), (4, 1));
        let index = LineIndex::new(text);
        for offset in 0..=text.len() {
            assert_eq!(
                index.line_column(text, offset),
                line_column(text, offset),
                "{offset}"
            );
        }
    }

    #[test]
    fn utf16_columns_count_code_units_and_round_trip() {
        let text = "tier \"한국어\" 𝄞x\r\nnext";
        let index = LineIndex::new(text);
        // `x` follows 5 ASCII, a quote, 3 Hangul (1 unit each), a quote, a
        // space and a surrogate pair.
        let x = text.find('x').unwrap();
        assert_eq!(index.utf16_position(text, x), (0, 13));
        assert_eq!(index.utf16_offset(text, 0, 13), x);
        // Inside the pair: its start. Past the line's end: before `\r\n`.
        assert_eq!(index.utf16_offset(text, 0, 12), x - 4);
        assert_eq!(index.utf16_offset(text, 0, 99), x + 1);
        assert_eq!(index.utf16_offset(text, 1, 2), text.len() - 2);
        assert_eq!(index.utf16_offset(text, 7, 0), text.len());
        // Every place a caret can be (not between the `\r` and `\n` of
        // one line break) comes back.
        for (offset, _) in text.char_indices().filter(|&(i, _)| i != x + 2) {
            let (line, column) = index.utf16_position(text, offset);
            assert_eq!(index.utf16_offset(text, line, column), offset);
        }
    }

    #[test]
    fn columns_count_characters() {
        assert_eq!(line_column("한국어 x", 10), (1, 5));
        // Inside a character: that character.
        assert_eq!(line_column("한국어", 4), (1, 2));
    }
}
