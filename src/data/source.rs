//! Where a record's text comes from, so diagnostics can show it with real
//! file names and line numbers even when the file is read line by line.

use std::sync::Arc;

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use crate::ast::Span;

/// Text from a data file: the whole file, or one line of it.
#[derive(Debug)]
pub struct DataSource {
    /// The file name as given on the command line (`-` is `<stdin>`).
    pub name: String,
    /// The text.
    pub text: String,
    /// How many lines of the file precede `text`.
    pub lines_before: usize,
}

impl DataSource {
    /// Line and column (both 1-based, column in characters) of a byte offset.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        let (line, column) = crate::source::line_column(&self.text, offset);
        (self.lines_before + line, column)
    }
}

/// A line longer than this (in characters) is shown as a window around the
/// span. A record can be one line of megabytes (a partner with 100,000
/// people); every diagnostic on it would otherwise reprint all of it.
pub const LONG_LINE: usize = 400;

/// Characters of a long line shown on each side of a diagnostic's span.
pub const EXCERPT_MARGIN: usize = 120;

/// The most characters of a span itself that are shown. Labels further
/// right than 1,000 columns are not drawn at all (see
/// `report::diagnostic`), so two labels drawn together span about this much.
pub const EXCERPT_SPAN: usize = 1_200;

impl SourceCode for DataSource {
    /// The span with context lines, as miette's own sources give it, except
    /// on long lines: there only a window of the span's line(s), at most
    /// [`EXCERPT_MARGIN`] characters either side of the span (and at most
    /// [`EXCERPT_SPAN`] of a long span), and no context line longer than
    /// twice the margin. The window is a slice of the text, so offsets, line
    /// numbers and columns stay those of the file. Columns count characters,
    /// as the JSON output's do.
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let text = self.text.as_str();
        let start = span.offset();
        let end = start + span.len();
        if end > text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let start = floor_boundary(text, start);
        let end = ceil_boundary(text, end).max(start);
        let line_start = text
            .get(..start)
            .and_then(|t| t.rfind('\n'))
            .map_or(0, |i| i + 1);
        // The line holding the span's last character.
        let last = if end > start { end - 1 } else { end };
        let line_end = text
            .get(last..)
            .and_then(|t| t.find('\n'))
            .map_or(text.len(), |i| last + i);

        let long = text
            .get(line_start..line_end)
            .is_some_and(|lines| lines.chars().nth(LONG_LINE).is_some());
        // Where the shown text starts and ends: the whole line(s), or on a
        // long line a margin either side of the span (cut when long).
        let (mut from, span_end, mut to) = if long {
            let span_end = forward_chars(text, start, end, EXCERPT_SPAN);
            (
                back_chars(text, start, line_start, EXCERPT_MARGIN),
                span_end,
                forward_chars(text, span_end, line_end, EXCERPT_MARGIN),
            )
        } else {
            (line_start, end, line_end)
        };
        if span_end == end && to == line_end {
            // The line is shown to its end: take its line break too, as
            // miette does, and the context lines after it that are short.
            to = (line_end + 1).min(text.len());
            for _ in 0..context_lines_after {
                let Some(next) = next_line(text, to) else {
                    break;
                };
                to = next;
            }
        }
        if from == line_start {
            for _ in 0..context_lines_before {
                let Some(previous) = previous_line(text, from) else {
                    break;
                };
                from = previous;
            }
        }
        if context_lines_before == 0 && context_lines_after == 0 {
            // Read for its place (miette's header): from the span itself.
            from = start;
            to = span_end;
        }
        let before = text.get(..from).unwrap_or("");
        let line = memchr::memchr_iter(b'\n', before.as_bytes()).count();
        let from_line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before
            .get(from_line_start..)
            .map_or(0, |t| t.chars().count());
        let data = text.get(from..to).unwrap_or("");
        // As miette's own sources count it: lines up to the end of the data,
        // which is what decides whether two labels share one snippet.
        let line_count = line + memchr::memchr_iter(b'\n', data.as_bytes()).count();
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            data.as_bytes(),
            SourceSpan::new(from.into(), to - from),
            self.lines_before + line,
            column,
            line_count,
        )))
    }
}

/// The largest char boundary at or before `at`.
fn floor_boundary(text: &str, at: usize) -> usize {
    (0..=at.min(text.len()))
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0)
}

/// The smallest char boundary at or after `at`.
fn ceil_boundary(text: &str, at: usize) -> usize {
    (at..=text.len())
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(text.len())
}

/// `n` characters before `at`, but not before `limit`.
fn back_chars(text: &str, at: usize, limit: usize, n: usize) -> usize {
    text.get(limit..at)
        .and_then(|t| t.char_indices().rev().nth(n.saturating_sub(1)))
        .map_or(limit, |(i, _)| if n == 0 { at } else { limit + i })
}

/// `n` characters after `at`, but not after `limit`.
fn forward_chars(text: &str, at: usize, limit: usize, n: usize) -> usize {
    text.get(at..limit)
        .and_then(|t| t.char_indices().nth(n))
        .map_or(limit.max(at), |(i, _)| at + i)
}

/// The end (after its line break) of the line starting at `at`, when it is
/// short enough to show as context.
fn next_line(text: &str, at: usize) -> Option<usize> {
    let rest = text.get(at..).filter(|r| !r.is_empty())?;
    let len = rest.find('\n').map_or(rest.len(), |i| i + 1);
    let line = rest.get(..len)?;
    line.chars().nth(LONG_LINE).is_none().then_some(at + len)
}

/// The start of the line before the one starting at `at`, when it is short
/// enough to show as context.
fn previous_line(text: &str, at: usize) -> Option<usize> {
    let before = text.get(..at.checked_sub(1)?)?;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.get(start..)?;
    line.chars().nth(LONG_LINE).is_none().then_some(start)
}

/// One partner record: a span of a data source.
#[derive(Debug, Clone)]
pub struct Record {
    /// The text it lies in.
    pub source: Arc<DataSource>,
    /// Where in that text.
    pub span: Span,
    /// Its position in the batch, counting from 0.
    pub index: usize,
}

impl Record {
    /// The record's JSON text.
    pub fn text(&self) -> &str {
        self.source.text.get(self.span.range()).unwrap_or("")
    }

    /// A span within the record, as a span of its source.
    pub fn to_source(&self, within: Span) -> Span {
        within.shifted(self.span.start)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn source(text: &str) -> DataSource {
        DataSource {
            name: "x.jsonl".to_owned(),
            text: text.to_owned(),
            lines_before: 10,
        }
    }

    fn read(source: &DataSource, at: usize, len: usize, context: usize) -> (String, usize, usize) {
        let contents = source
            .read_span(&SourceSpan::new(at.into(), len), context, context)
            .unwrap();
        let data = String::from_utf8(contents.data().to_vec()).unwrap();
        (data, contents.line(), contents.column())
    }

    #[test]
    fn short_lines_are_shown_whole_with_context() {
        let s = source("{\"a\": 1,\n \"b\": 2,\n \"c\": 3}\n");
        let (data, line, _) = read(&s, 10, 3, 1);
        assert_eq!(data, "{\"a\": 1,\n \"b\": 2,\n \"c\": 3}\n");
        assert_eq!(line, 10);
        // Read for its place: from the span, at its line and column.
        let (data, line, column) = read(&s, 10, 3, 0);
        assert_eq!((data.as_str(), line, column), ("\"b\"", 11, 1));
    }

    #[test]
    fn a_long_line_is_shown_as_a_window_of_characters() {
        // Multibyte characters, so that byte and character counts differ.
        let text = format!(
            "{}\"date\": \"bad\"{}\n",
            "é".repeat(5_000),
            "ü".repeat(5_000)
        );
        let s = source(&format!("{{}}\n{text}"));
        let at = 3 + "é".repeat(5_000).len() + 8;
        let (data, line, _) = read(&s, at, 5, 1);
        assert!(data.contains("\"bad\""), "{data}");
        assert_eq!(data.chars().count(), 2 * EXCERPT_MARGIN + 5);
        assert_eq!(line, 11);
        let (_, line, column) = read(&s, at, 5, 0);
        assert_eq!((line, column), (11, 5_000 + 8));
    }

    #[test]
    fn a_long_span_is_cut_and_the_end_of_the_text_is_a_place() {
        let s = source(&"x".repeat(100_000));
        let (data, _, _) = read(&s, 0, 100_000, 1);
        // The span cut, then a margin of the line after it.
        assert_eq!(data.len(), EXCERPT_SPAN + EXCERPT_MARGIN);
        let (data, _, column) = read(&s, 100_000, 0, 0);
        assert_eq!((data.as_str(), column), ("", 100_000));
        assert!(
            s.read_span(&SourceSpan::new(100_001.into(), 0), 0, 0)
                .is_err()
        );
    }
}
