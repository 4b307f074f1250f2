//! Framing a data file into partner records without parsing them.
//!
//! - `*.jsonl` / `*.ndjson` files, and stdin (`-`) unless it holds an array,
//!   are streamed (memory stays flat however long the input): one object per
//!   line, or objects spread over several lines.
//! - Any other file is read whole: a JSON array is a list of records;
//!   otherwise the text is a sequence of JSON objects (one object, or objects
//!   one per line). After malformed JSON, reading resumes at the next line
//!   that starts with `{`, so one broken record does not hide the rest.

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
#[error("cannot read `{path}`: {cause}")]
#[diagnostic(code(E0406), help("check that the file exists and is readable"))]
pub struct ReadError {
    /// The path as given.
    pub path: String,
    /// The I/O error, shown in the message.
    pub cause: io::Error,
}

/// Records of one data file, in order. `path` `-` is stdin.
pub fn records(
    path: &str,
) -> Result<Box<dyn Iterator<Item = Result<Framed, ReadError>>>, ReadError> {
    let fail = |source| ReadError {
        path: path.to_owned(),
        cause: source,
    };
    if path == "-" {
        let mut stdin = BufReader::with_capacity(1 << 16, io::stdin());
        // An array must be read whole; anything else streams.
        if first_content_byte(&mut stdin).map_err(fail)? == Some(b'[') {
            let mut text = String::new();
            stdin.read_to_string(&mut text).map_err(fail)?;
            return Ok(Box::new(whole_text("<stdin>", text).into_iter().map(Ok)));
        }
        return Ok(Box::new(JsonLines::new("<stdin>", stdin)));
    }
    let lower = path.to_ascii_lowercase();
    if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
        let file = File::open(Path::new(path)).map_err(fail)?;
        return Ok(Box::new(JsonLines::new(
            path,
            BufReader::with_capacity(1 << 16, file),
        )));
    }
    let text = std::fs::read_to_string(path).map_err(fail)?;
    Ok(Box::new(whole_text(path, text).into_iter().map(Ok)))
}

/// The first byte that is not whitespace or a byte-order mark, without consuming it.
fn first_content_byte<R: BufRead>(reader: &mut R) -> io::Result<Option<u8>> {
    loop {
        let buffer = reader.fill_buf()?;
        let Some(&byte) = buffer.first() else {
            return Ok(None);
        };
        if byte.is_ascii_whitespace() {
            reader.consume(1);
        } else if buffer.starts_with("\u{feff}".as_bytes()) {
            reader.consume(3);
        } else {
            return Ok(Some(byte));
        }
    }
}

/// Streams JSON objects from a reader: JSON Lines, or objects spread over
/// several lines (a pretty-printed object). Lines are gathered until brackets
/// balance outside strings; a line starting with `{` while an earlier object
/// is still open ends that object, so one truncated line never swallows the
/// lines after it. Memory holds one record at a time.
pub struct JsonLines<R> {
    name: String,
    reader: R,
    line_number: usize,
    index: usize,
    failed: bool,
    /// A line read but not yet used: it starts the next record.
    pending: Option<String>,
}

/// The largest record gathered before it is handed on (and reported as malformed).
const MAX_RECORD_BYTES: usize = 64 << 20;

impl<R: BufRead> JsonLines<R> {
    /// Records of `reader`, naming them after `name` in diagnostics.
    pub fn new(name: &str, reader: R) -> Self {
        JsonLines {
            name: name.to_owned(),
            reader,
            line_number: 0,
            index: 0,
            failed: false,
            pending: None,
        }
    }

    fn read_line(&mut self) -> Result<Option<String>, ReadError> {
        if let Some(line) = self.pending.take() {
            return Ok(Some(line));
        }
        let mut line = String::new();
        match self.reader.read_line(&mut line) {
            Ok(0) => Ok(None),
            Ok(_) => {
                if self.line_number == 0 && line.starts_with('\u{feff}') {
                    // A byte-order mark some editors write is not JSON.
                    line.replace_range(..'\u{feff}'.len_utf8(), " ");
                }
                self.line_number += 1;
                Ok(Some(line))
            }
            Err(cause) => Err(ReadError {
                path: self.name.clone(),
                cause,
            }),
        }
    }
}

/// Bracket depth outside strings, carried from line to line.
#[derive(Default)]
struct Depth {
    depth: i64,
    in_string: bool,
    escaped: bool,
}

impl Depth {
    fn scan(&mut self, text: &str) {
        for byte in text.bytes() {
            if self.in_string {
                match byte {
                    _ if self.escaped => self.escaped = false,
                    b'\\' => self.escaped = true,
                    b'"' => self.in_string = false,
                    _ => {}
                }
            } else {
                match byte {
                    b'"' => self.in_string = true,
                    b'{' | b'[' => self.depth += 1,
                    b'}' | b']' => self.depth -= 1,
                    _ => {}
                }
            }
        }
    }

    fn closed(&self) -> bool {
        self.depth <= 0 && !self.in_string
    }
}

impl<R: BufRead> Iterator for JsonLines<R> {
    type Item = Result<Framed, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let mut text = String::new();
        let mut first_line = 0;
        let mut depth = Depth::default();
        loop {
            let line = match self.read_line() {
                Ok(Some(line)) => line,
                Ok(None) => break,
                Err(err) => {
                    self.failed = true;
                    return Some(Err(err));
                }
            };
            if text.trim().is_empty() {
                if line.trim().is_empty() {
                    continue;
                }
                text.clear();
                first_line = self.line_number;
                // The usual JSON Lines case: a whole object on its line. No
                // need to scan it; if it is broken after all, parsing says so
                // and the next line starts afresh, as it would anyway.
                let trimmed = line.trim();
                if trimmed.starts_with('{') && trimmed.ends_with('}') {
                    text = line;
                    break;
                }
            } else if line.trim_start().starts_with('{') {
                // An object starts while the previous one is still open: the
                // previous one is broken. Hand it on; keep this line for later.
                self.pending = Some(line);
                break;
            }
            depth.scan(&line);
            text.push_str(&line);
            if depth.closed() || text.len() > MAX_RECORD_BYTES {
                break;
            }
        }
        if text.trim().is_empty() {
            return None;
        }
        let start = text.len() - text.trim_start().len();
        let end = text.trim_end().len();
        let lines_before = first_line.saturating_sub(1);
        let source = Arc::new(DataSource {
            name: self.name.clone(),
            text,
            lines_before,
        });
        let record = Record {
            source,
            span: Span::new(start, end),
            index: self.index,
        };
        self.index += 1;
        Some(Ok(Ok(record)))
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
    // A byte-order mark some editors write is not JSON: step over it.
    let bom = if text.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    let first = text
        .get(bom..)
        .unwrap_or("")
        .trim_start()
        .as_bytes()
        .first()
        .copied();
    let mut out = Vec::new();
    if first == Some(b'[') {
        match serde_json::from_str::<Vec<&RawValue>>(text.get(bom..).unwrap_or("")) {
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
                let offset = bom
                    + super::error::offset_of_line_column(
                        text.get(bom..).unwrap_or(""),
                        err.line(),
                        err.column(),
                    );
                out.push(Err(DataError::malformed_at(
                    &source,
                    offset.saturating_sub(1),
                    &err,
                )));
            }
        }
        return out;
    }
    let mut from = bom;
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
