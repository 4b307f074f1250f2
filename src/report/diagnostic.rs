//! Diagnostics as text, through miette's graphical handler.

use std::fmt;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, NamedSource, SourceCode, SourceSpan, SpanContents,
};

use crate::source::{LineIndex, line_column};

/// How to render diagnostics.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    /// Use colours and styled text.
    pub color: bool,
    /// Wrap at this many columns; `usize::MAX` never wraps. Either way a
    /// word (a code, a path, an amount) is never split across lines.
    pub width: usize,
}

impl Style {
    /// No colour, 80 columns: what snapshots use.
    pub const PLAIN: Style = Style {
        color: false,
        width: 80,
    };
}

/// Renders one diagnostic (with its related ones) as text.
pub fn render(diagnostic: &dyn Diagnostic, style: Style) -> String {
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    // Lines break only at spaces, and a word longer than the line stays whole:
    // a code, path or amount split in two cannot be searched for or copied.
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_break_words(false)
        .with_word_separator(textwrap::WordSeparator::AsciiSpace)
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation);
    let handler = if style.width == usize::MAX {
        handler.with_wrap_lines(false)
    } else {
        handler.with_width(style.width)
    };
    let far = far_labels(diagnostic);
    let mut out = String::new();
    let rendered = if far.is_empty() {
        handler.render_report(&mut out, diagnostic)
    } else {
        handler.render_report(&mut out, &WithSource::without_snippet(diagnostic))
    };
    if rendered.is_err() {
        out = format!("{diagnostic}\n");
    }
    for (place, label) in far {
        out.push_str(&format!("  at {place}: {label}\n"));
    }
    out
}

/// Labels further right than this are not drawn under their line: the
/// snippet would be unreadable, and miette cannot pad that far.
const MAX_DRAWN_COLUMN: usize = 1_000;

/// `file:line:column` and text of each label too far right to draw; empty
/// when every label can be drawn.
fn far_labels(diagnostic: &dyn Diagnostic) -> Vec<(String, String)> {
    let (Some(source), Some(labels)) = (diagnostic.source_code(), diagnostic.labels()) else {
        return Vec::new();
    };
    let located: Vec<(usize, String, String)> = labels
        .filter_map(|label| {
            let contents = source.read_span(label.inner(), 0, 0).ok()?;
            let name = contents.name().unwrap_or("<input>").to_owned();
            // Sources differ in whether the contents start at the label or
            // at the start of its line; either way this is the label's column.
            let column =
                contents.column() + label.offset().saturating_sub(contents.span().offset());
            let place = format!("{name}:{}:{}", contents.line() + 1, column + 1);
            Some((column, place, label.label().unwrap_or("here").to_owned()))
        })
        .collect();
    if located
        .iter()
        .all(|(column, _, _)| *column <= MAX_DRAWN_COLUMN)
    {
        return Vec::new();
    }
    located
        .into_iter()
        .map(|(_, place, label)| (place, label))
        .collect()
}

/// A diagnostic from the library with the policy text it points into (or,
/// for a label too far right to draw, with its snippet left out).
pub struct WithSource<'a> {
    inner: &'a dyn Diagnostic,
    source: Option<CharColumns<'a>>,
    snippet: bool,
}

/// Source text whose columns count characters, as every machine output of
/// Rubric does: miette itself counts bytes, so `한국어` before an error would
/// put the header's column three times too far right.
pub struct CharColumns<'a> {
    source: &'a dyn SourceCode,
    text: &'a str,
}

impl SourceCode for CharColumns<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let contents = self
            .source
            .read_span(span, context_lines_before, context_lines_after)?;
        // miette gives a column only for a span read without context lines
        // (otherwise the contents start a line and the column is 0).
        if contents.column() == 0 {
            return Ok(contents);
        }
        if span.offset() > self.text.len() {
            return Ok(contents);
        }
        let (_, column) = line_column(self.text, span.offset());
        let column = column - 1;
        Ok(Box::new(MietteSpanContents::new_named(
            contents.name().unwrap_or_default().to_owned(),
            contents.data(),
            *contents.span(),
            contents.line(),
            column,
            contents.line_count(),
        )))
    }
}

impl<'a> WithSource<'a> {
    /// Attaches `source` to `inner`.
    pub fn new(inner: &'a dyn Diagnostic, source: &'a NamedSource<String>) -> Self {
        WithSource {
            inner,
            source: Some(CharColumns {
                source,
                text: source.inner(),
            }),
            snippet: true,
        }
    }

    /// Attaches an indexed source to `inner`: the way to render many
    /// diagnostics of one large file.
    pub fn indexed(inner: &'a dyn Diagnostic, source: &'a IndexedSource) -> Self {
        WithSource {
            inner,
            source: Some(CharColumns {
                source,
                text: source.text(),
            }),
            snippet: true,
        }
    }

    /// `inner` without source text or labels: message, code and help only.
    fn without_snippet(inner: &'a dyn Diagnostic) -> Self {
        WithSource {
            inner,
            source: None,
            snippet: false,
        }
    }
}

impl fmt::Debug for WithSource<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.inner, f)
    }
}

impl fmt::Display for WithSource<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.inner, f)
    }
}

impl std::error::Error for WithSource<'_> {}

impl Diagnostic for WithSource<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.inner.code()
    }
    fn severity(&self) -> Option<miette::Severity> {
        self.inner.severity()
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.inner.help()
    }
    fn url<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.inner.url()
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        if !self.snippet {
            return None;
        }
        match &self.source {
            Some(source) => Some(source),
            None => self.inner.source_code(),
        }
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.snippet {
            self.inner.labels()
        } else {
            None
        }
    }
}

/// Line and column (1-based, columns in characters) of a diagnostic's
/// first label in `source`.
pub fn location(diagnostic: &dyn Diagnostic, source: &str) -> Option<(usize, usize)> {
    let label = diagnostic.labels()?.next()?;
    Some(line_column(source, label.offset()))
}

/// Named source text with the start of every line, so that the snippet of
/// each diagnostic is found by a binary search rather than by a scan from
/// the top of the file (miette's own way): rendering N diagnostics of a file
/// of L lines takes time in N log L plus the snippets, not N × L.
pub struct IndexedSource {
    name: String,
    text: String,
    lines: LineIndex,
}

impl IndexedSource {
    /// Indexes `text`, shown as `name`.
    pub fn new(name: impl Into<String>, text: String) -> Self {
        IndexedSource {
            name: name.into(),
            lines: LineIndex::new(&text),
            text,
        }
    }

    /// The text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// 1-based line and column (in characters) of byte `offset`.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        self.lines.line_column(&self.text, offset)
    }
}

impl SourceCode for IndexedSource {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        // Hand miette only the lines it will show, and one more after them
        // (so that it finds their end), then move its answer back to
        // positions in the whole text.
        let first = self
            .lines
            .line_of(span.offset())
            .saturating_sub(context_lines_before);
        let last = self
            .lines
            .line_of(span.offset() + span.len().saturating_sub(1))
            + context_lines_after
            + 2;
        let start = self.lines.line_start(first).unwrap_or(0);
        let end = self.lines.line_start(last).unwrap_or(self.text.len());
        let window = self.text.get(start..end).ok_or(MietteError::OutOfBounds)?;
        let local = SourceSpan::new(span.offset().saturating_sub(start).into(), span.len());
        let contents = window.read_span(&local, context_lines_before, context_lines_after)?;
        let found = *contents.span();
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            contents.data(),
            SourceSpan::new((found.offset() + start).into(), found.len()),
            contents.line() + first,
            contents.column(),
            contents.line_count() + first,
        )))
    }
}
