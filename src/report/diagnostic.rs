//! Diagnostics as text, through miette's graphical handler.

use std::fmt;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, NamedSource, SourceCode, SourceSpan, SpanContents,
};

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
pub struct CharColumns<'a>(&'a NamedSource<String>);

impl SourceCode for CharColumns<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let contents = self
            .0
            .read_span(span, context_lines_before, context_lines_after)?;
        // miette gives a column only for a span read without context lines
        // (otherwise the contents start a line and the column is 0).
        if contents.column() == 0 {
            return Ok(contents);
        }
        let Some(before) = self.0.inner().get(..span.offset()) else {
            return Ok(contents);
        };
        let column = before
            .rsplit(['\n', '\r'])
            .next()
            .map_or(0, |line| line.chars().count());
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
            source: Some(CharColumns(source)),
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

/// File, line and column (1-based) of a diagnostic's first label in `source`.
pub fn location(diagnostic: &dyn Diagnostic, source: &str) -> Option<(usize, usize)> {
    let label = diagnostic.labels()?.next()?;
    let offset = label.offset().min(source.len());
    let before = source.get(..offset)?;
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Some((line, column))
}
