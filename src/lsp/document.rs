//! An open policy: its text as the editor has it, the places of its lines
//! in UTF-16 code units (the protocol's columns), and what checking it found.

use lsp_types::{
    Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, DiagnosticTag, Location,
    NumberOrString, Position, Range, TextDocumentContentChangeEvent, Uri,
};
use miette::Diagnostic as _;

use super::names::NameIndex;
use crate::ast::{PolicyFile, Span};
use crate::lint::{Level, Levels};
use crate::source::LineIndex;
use crate::{PolicyDiagnostic, syntax};

/// What checking one version of a policy's text found.
#[derive(Debug)]
pub(crate) struct Analysis {
    /// The syntax tree, when the text parses.
    pub(crate) file: Option<PolicyFile>,
    /// Syntax or check errors, else lints, as `rubric check` finds them.
    pub(crate) diagnostics: Vec<PolicyDiagnostic>,
    /// Every name written in the text (empty when it does not parse).
    pub(crate) names: NameIndex,
}

impl Analysis {
    /// Parses, checks and lints `text`, keeping the syntax tree.
    pub(crate) fn new(text: &str) -> Self {
        match syntax::parse_all(text) {
            Ok(file) => {
                let checked = crate::check_parsed(&file);
                Analysis {
                    names: NameIndex::new(&file),
                    file: Some(file),
                    diagnostics: checked.diagnostics,
                }
            }
            Err(errors) => Analysis {
                file: None,
                diagnostics: errors.into_iter().map(PolicyDiagnostic::Syntax).collect(),
                names: NameIndex::default(),
            },
        }
    }
}

/// An open policy document.
#[derive(Debug)]
pub(crate) struct Document {
    /// Its address.
    pub(crate) uri: Uri,
    /// The editor's version of the text.
    pub(crate) version: i32,
    /// The text.
    pub(crate) text: String,
    /// Where its lines start.
    pub(crate) lines: LineIndex,
    /// What checking the text found.
    pub(crate) analysis: Analysis,
    /// The names of the last text that parsed: completion offers them while
    /// the designer is half-way through a line that does not parse yet.
    pub(crate) last_names: NameIndex,
    /// Lint levels from the project's `rubric.toml`.
    pub(crate) levels: Levels,
}

impl Document {
    /// A document opened with `text`.
    pub(crate) fn new(uri: Uri, version: i32, text: String, levels: Levels) -> Self {
        let analysis = Analysis::new(&text);
        Document {
            uri,
            version,
            lines: LineIndex::new(&text),
            last_names: analysis.names.clone(),
            analysis,
            text,
            levels,
        }
    }

    /// Applies the editor's changes in order (a change without a range
    /// replaces the text), then checks the new text once. Ranges outside
    /// the text are clamped to it, so no edit can fail.
    pub(crate) fn change(&mut self, version: i32, changes: Vec<TextDocumentContentChangeEvent>) {
        for change in changes {
            match change.range {
                None => self.text = change.text,
                Some(range) => {
                    let start = self.offset(range.start);
                    let end = self.offset(range.end).max(start);
                    self.text.replace_range(start..end, &change.text);
                }
            }
            self.lines = LineIndex::new(&self.text);
        }
        self.version = version;
        self.analysis = Analysis::new(&self.text);
        if self.analysis.file.is_some() {
            self.last_names = self.analysis.names.clone();
        }
    }

    /// The byte offset of an editor position (clamped to the text, and to
    /// a character boundary).
    pub(crate) fn offset(&self, position: Position) -> usize {
        self.lines.utf16_offset(
            &self.text,
            position.line as usize,
            position.character as usize,
        )
    }

    /// The editor position of a byte offset.
    pub(crate) fn position(&self, offset: usize) -> Position {
        let (line, column) = self.lines.utf16_position(&self.text, offset);
        Position::new(
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(column).unwrap_or(u32::MAX),
        )
    }

    /// The editor range of a span.
    pub(crate) fn range(&self, span: Span) -> Range {
        Range::new(self.position(span.start), self.position(span.end))
    }

    /// The location of a span in this document.
    pub(crate) fn location(&self, span: Span) -> Location {
        Location::new(self.uri.clone(), self.range(span))
    }

    /// The text of a span (empty when it is not in the text).
    pub(crate) fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }

    /// The diagnostics to publish: every finding `rubric check` reports
    /// for this text under these lint levels, at its primary label, with
    /// its other labels as related places.
    pub(crate) fn diagnostics(
        &self,
        explain: &mut dyn FnMut(&str) -> Option<Uri>,
    ) -> Vec<Diagnostic> {
        self.analysis
            .diagnostics
            .iter()
            .filter_map(|d| {
                let code = d.code_text();
                let severity = if d.is_error() {
                    DiagnosticSeverity::ERROR
                } else {
                    match self.levels.level(&code)? {
                        Level::Error => DiagnosticSeverity::ERROR,
                        Level::Warning => DiagnosticSeverity::WARNING,
                    }
                };
                Some(self.diagnostic(d, code, severity, explain))
            })
            .collect()
    }

    fn diagnostic(
        &self,
        d: &PolicyDiagnostic,
        code: String,
        severity: DiagnosticSeverity,
        explain: &mut dyn FnMut(&str) -> Option<Uri>,
    ) -> Diagnostic {
        let (primary, others) = labels(d);
        let mut message = d.to_string();
        if let Some(label) = primary.as_ref().and_then(|(_, l)| l.as_deref())
            && !label.is_empty()
        {
            message = format!("{message}: {label}");
        }
        if let Some(help) = d.help() {
            message = format!("{message}\nhelp: {help}");
        }
        let span = primary.map_or(Span::new(0, 0), |(span, _)| span);
        let related: Vec<DiagnosticRelatedInformation> = others
            .into_iter()
            .map(|(span, label)| DiagnosticRelatedInformation {
                location: self.location(span),
                message: label.unwrap_or_default(),
            })
            .collect();
        // Unused declarations are shown faded, as editors show dead code.
        let tags =
            matches!(code.as_str(), "W0103" | "W0104").then(|| vec![DiagnosticTag::UNNECESSARY]);
        Diagnostic {
            range: self.range(span),
            severity: Some(severity),
            code_description: explain(&code).map(|href| lsp_types::CodeDescription { href }),
            code: Some(NumberOrString::String(code)),
            source: Some("rubric".to_owned()),
            message,
            related_information: (!related.is_empty()).then_some(related),
            tags,
            data: None,
        }
    }
}

/// A label's span and text.
type Labelled = (Span, Option<String>);

/// The primary label of a diagnostic (the first when none is marked) and
/// the others, as `rubric check` orders them.
pub(crate) fn labels(d: &PolicyDiagnostic) -> (Option<Labelled>, Vec<Labelled>) {
    let mut labels: Vec<(bool, Labelled)> = d
        .labels()
        .map(|labels| {
            labels
                .map(|l| {
                    let span = Span::new(l.offset(), l.offset() + l.len());
                    (l.primary(), (span, l.label().map(str::to_owned)))
                })
                .collect()
        })
        .unwrap_or_default();
    labels.sort_by_key(|(primary, _)| !primary);
    let mut labels = labels.into_iter().map(|(_, l)| l);
    let primary = labels.next();
    (primary, labels.collect())
}
