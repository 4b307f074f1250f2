//! Framing a data file into partner records without parsing them.
//!
//! - `*.jsonl` / `*.ndjson` files are read line by line (memory stays flat
//!   however long the file): each non-blank line is one record.
//! - Any other file, and stdin (`-`), is read whole: a JSON array is a list of
//!   records; otherwise the text is a sequence of JSON objects (one object, or
//!   objects one per line). After malformed JSON, reading resumes at the next
//!   line that starts with `{`, so one broken record does not hide the rest.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;

use serde_json::value::RawValue;

use super::{DataError, DataSource, Record};
use crate::ast::Span;

/// One framed item: a record to evaluate, or malformed text between records.
pub type Framed = Result<Record, DataError>;

/// An I/O failure reading a data file.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("cannot read `{path}`: {source}")]
#[diagnostic(code(E0406), help("check that the file exists and is readable"))]
pub struct ReadError {
    /// The path as given.
    pub path: String,
    /// The I/O error.
    #[source]
    pub source: io::Error,
}

/// Records of one data file, in order. `path` `-` is stdin.
pub fn records(
    path: &str,
) -> Result<Box<dyn Iterator<Item = Result<Framed, ReadError>>>, ReadError> {
    let fail = |source| ReadError {
        path: path.to_owned(),
        source,
    };
    if path == "-" {
        let mut text = String::new();
        io::stdin().read_to_string(&mut text).map_err(fail)?;
        return Ok(Box::new(whole_text("<stdin>", text).into_iter().map(Ok)));
    }
    let lower = path.to_ascii_lowercase();
    if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
        let file = File::open(Path::new(path)).map_err(fail)?;
        return Ok(Box::new(JsonLines::new(path, BufReader::new(file))));
    }
    let text = std::fs::read_to_string(path).map_err(fail)?;
    Ok(Box::new(whole_text(path, text).into_iter().map(Ok)))
}

/// Reads JSON Lines from any reader, one record per non-blank line.
pub struct JsonLines<R> {
    name: String,
    reader: R,
    line_number: usize,
    index: usize,
    failed: bool,
}

impl<R: BufRead> JsonLines<R> {
    /// Records of `reader`, naming them after `name` in diagnostics.
    pub fn new(name: &str, reader: R) -> Self {
        JsonLines {
            name: name.to_owned(),
            reader,
            line_number: 0,
            index: 0,
            failed: false,
        }
    }
}

impl<R: BufRead> Iterator for JsonLines<R> {
    type Item = Result<Framed, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        loop {
            let mut line = String::new();
            match self.reader.read_line(&mut line) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(source) => {
                    self.failed = true;
                    return Some(Err(ReadError {
                        path: self.name.clone(),
                        source,
                    }));
                }
            }
            self.line_number += 1;
            let content = line.trim_end_matches(['\n', '\r']);
            let start = content.len() - content.trim_start().len();
            let end = content.trim_end().len();
            if start >= end {
                continue;
            }
            let source = Arc::new(DataSource {
                name: self.name.clone(),
                text: line,
                lines_before: self.line_number - 1,
            });
            let record = Record {
                source,
                span: Span::new(start, end),
                index: self.index,
            };
            self.index += 1;
            return Some(Ok(Ok(record)));
        }
    }
}

/// Frames a whole text: an array of records, or a sequence of objects.
pub fn whole_text(name: &str, text: String) -> Vec<Framed> {
    let source = Arc::new(DataSource {
        name: name.to_owned(),
        text,
        lines_before: 0,
    });
    let text = source.text.as_str();
    let first = text.trim_start().as_bytes().first().copied();
    let mut out = Vec::new();
    if first == Some(b'[') {
        match serde_json::from_str::<Vec<&RawValue>>(text) {
            Ok(items) => {
                for raw in items {
                    let span = span_of(text, raw.get());
                    out.push(Ok(Record {
                        source: source.clone(),
                        span,
                        index: out.len(),
                    }));
                }
            }
            Err(err) => {
                let offset = super::error::offset_of_line_column(text, err.line(), err.column());
                out.push(Err(DataError::malformed_at(
                    &source,
                    offset.saturating_sub(1),
                    &err,
                )));
            }
        }
        return out;
    }
    let mut from = 0;
    while from < text.len() {
        let rest = text.get(from..).unwrap_or("");
        let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<&RawValue>();
        let mut resume = None;
        for item in stream.by_ref() {
            match item {
                Ok(raw) => {
                    let span = span_of(text, raw.get());
                    out.push(Ok(Record {
                        source: source.clone(),
                        span,
                        index: out.len(),
                    }));
                }
                Err(err) => {
                    let at =
                        from + super::error::offset_of_line_column(rest, err.line(), err.column());
                    out.push(Err(DataError::malformed_at(
                        &source,
                        at.saturating_sub(1),
                        &err,
                    )));
                    resume = Some(next_object_line(text, at));
                    break;
                }
            }
        }
        match resume {
            Some(next) => from = next,
            None => break,
        }
    }
    out
}

fn span_of(whole: &str, part: &str) -> Span {
    super::offset_in(whole, part).map_or(Span::new(0, 0), |s| Span::new(s, s + part.len()))
}

/// The start of the first line after `at` whose first non-blank character is `{`.
fn next_object_line(text: &str, at: usize) -> usize {
    let mut pos = text
        .get(at..)
        .and_then(|s| s.find('\n'))
        .map_or(text.len(), |i| at + i + 1);
    while pos < text.len() {
        let line = text.get(pos..).unwrap_or("");
        if line.trim_start_matches([' ', '\t']).starts_with('{') {
            return pos;
        }
        pos = line.find('\n').map_or(text.len(), |i| pos + i + 1);
    }
    text.len()
}
