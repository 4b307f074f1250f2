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
        let before = self.text.get(..offset.min(self.text.len())).unwrap_or("");
        let line = before.matches('\n').count();
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before.get(line_start..).map_or(0, |s| s.chars().count());
        (self.lines_before + line + 1, column + 1)
    }
}

impl SourceCode for DataSource {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self
            .text
            .read_span(span, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line() + self.lines_before,
            inner.column(),
            inner.line_count(),
        )))
    }
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

    /// `file:line:column` of a span within the record.
    pub fn location(&self, within: Span) -> (usize, usize) {
        self.source.line_column(self.to_source(within).start)
    }
}
