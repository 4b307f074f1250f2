//! Diagnostics as text, through miette's graphical handler.

use std::fmt;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode,
};

/// How to render diagnostics.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    /// Use colours and styled text.
    pub color: bool,
    /// Wrap at this many columns.
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
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_links(false);
    let mut out = String::new();
    if handler.render_report(&mut out, diagnostic).is_err() {
        out = format!("{diagnostic}\n");
    }
    out
}

/// A diagnostic from the library with the policy text it points into.
pub struct WithSource<'a> {
    inner: &'a dyn Diagnostic,
    source: &'a NamedSource<String>,
}

impl<'a> WithSource<'a> {
    /// Attaches `source` to `inner`.
    pub fn new(inner: &'a dyn Diagnostic, source: &'a NamedSource<String>) -> Self {
        WithSource { inner, source }
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
        Some(self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.inner.labels()
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
