//! Framing partner data into records without parsing them.
//!
//! - JSON Lines ([`frame_lines`]): one object per line, or objects spread
//!   over several lines. `*.jsonl` / `*.ndjson` files, and stdin unless it
//!   holds an array, are streamed this way in blocks (see
//!   [`crate::batch`]), so memory stays flat however long the input.
//! - A text read whole ([`whole_text`]): a JSON array is a list of records,
//!   read one element at a time; after a broken element, reading resumes at
//!   the next one. Otherwise the text is a sequence of JSON objects (one
//!   object, or objects one per line); after malformed JSON, reading resumes
//!   at the next line that starts with `{`. Either way one broken record
//!   does not hide the rest.

use std::io;
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

/// The largest record gathered before it is handed on (and reported as malformed).
pub const MAX_RECORD_BYTES: usize = 64 << 20;

/// Bracket depth outside strings, carried from line to line.
#[derive(Default)]
struct Depth {
    depth: i64,
    in_string: bool,
    escaped: bool,
}

impl Depth {
    fn scan_bytes(&mut self, bytes: &[u8]) {
        for &byte in bytes {
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
    let mut out = Vec::new();
    let mut from = bom;
    let open = skip_whitespace(text, bom);
    if text.as_bytes().get(open) == Some(&b'[') {
        // Whatever follows the array (nothing, usually) is read as a
        // sequence of objects, so that it is reported rather than dropped.
        from = array(&source, open, &mut out);
    }
    sequence(&source, from, &mut out);
    out
}

/// The first byte at or after `from` that is not JSON whitespace.
fn skip_whitespace(text: &str, from: usize) -> usize {
    let bytes = text.as_bytes();
    let mut at = from;
    while bytes
        .get(at)
        .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
    {
        at += 1;
    }
    at
}

/// Frames the records of the array whose `[` is at `open`, one element at a
/// time, so that a broken element costs only itself: it is reported (E0400,
/// naming its place in the array) and reading resumes at the next element
/// (see [`resume_after`]). Returns where the array ends.
fn array(source: &Arc<DataSource>, open: usize, out: &mut Vec<Framed>) -> usize {
    use serde::Deserialize as _;

    let text = source.text.as_str();
    let place = |n: usize| format!(" in record {n} of the array");
    let not_closed = |at: usize| {
        DataError::malformed_text(
            source,
            at,
            String::new(),
            "the array is not closed: `]` is missing at the end".to_owned(),
        )
    };
    let mut at = open + 1;
    let mut number = 0;
    // The first record's indentation, when it starts a line: see
    // [`resume_after`].
    let mut indent = None;
    loop {
        at = skip_whitespace(text, at);
        match text.as_bytes().get(at) {
            None => {
                out.push(Err(not_closed(text.len())));
                return text.len();
            }
            Some(b']') if number == 0 => return at + 1,
            Some(b']') => {
                out.push(Err(DataError::malformed_text(
                    source,
                    at,
                    String::new(),
                    format!("a comma after the last record (record {number}) of the array"),
                )));
                return at + 1;
            }
            Some(_) => {}
        }
        number += 1;
        if number == 1 {
            indent = line_indent(text, at);
        }
        let rest = text.get(at..).unwrap_or("");
        let mut element = serde_json::Deserializer::from_str(rest);
        let broken_at = match <&RawValue>::deserialize(&mut element) {
            Ok(raw) => {
                let span = span_of(text, raw.get());
                out.push(Ok(Record {
                    source: source.clone(),
                    span,
                    index: out.len(),
                }));
                at = skip_whitespace(text, span.end);
                match text.as_bytes().get(at) {
                    Some(b',') => {
                        at += 1;
                        continue;
                    }
                    Some(b']') => return at + 1,
                    None => {
                        out.push(Err(not_closed(text.len())));
                        return text.len();
                    }
                    Some(b'{') => {
                        // A comma left out: the next record starts here.
                        out.push(Err(DataError::malformed_text(
                            source,
                            at,
                            String::new(),
                            format!("expected `,` or `]` after record {number} of the array"),
                        )));
                        continue;
                    }
                    Some(_) => {
                        out.push(Err(DataError::malformed_text(
                            source,
                            at,
                            String::new(),
                            format!("expected `,` or `]` after record {number} of the array"),
                        )));
                        at
                    }
                }
            }
            Err(err) => {
                let offset =
                    at + super::error::offset_of_line_column(rest, err.line(), err.column());
                let resume = resume_after(text, at, indent);
                let mut message = super::error::strip_position(&err.to_string());
                if resume == Resume::Lost {
                    message.push_str(
                        "; the array does not close after it, so no later record can be read",
                    );
                }
                out.push(Err(DataError::malformed_text(
                    source,
                    offset.saturating_sub(1),
                    place(number),
                    message,
                )));
                match resume {
                    Resume::Next(next) => {
                        at = next;
                        continue;
                    }
                    Resume::End(end) => return end,
                    Resume::Lost => return text.len(),
                }
            }
        };
        // Junk after a good record: skip to the next element.
        match resume_after(text, broken_at, indent) {
            Resume::Next(next) => at = next,
            Resume::End(end) => return end,
            Resume::Lost => return text.len(),
        }
    }
}

/// Where reading resumes after a broken array element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Resume {
    /// At the next element, which starts at or after this offset.
    Next(usize),
    /// After the array, whose `]` ends just before this offset.
    End(usize),
    /// Nowhere: the text ends before the element does.
    Lost,
}

/// Finds the end of a broken element, scanning from `from`.
///
/// When the array's records start lines (`indent` is the first record's
/// indentation), the next record is the next line that starts with `{`
/// indented no deeper than that, and the array ends at a line starting with `]` that is
/// indented less; the rest of the broken record's lines go with it (as in
/// JSON Lines framing). Brackets are not trusted there: a broken record's
/// are off, and an object nested in it must not be taken for a partner.
///
/// Otherwise (a compact array) the element ends at the first `,` outside
/// brackets and strings that a `{` follows (partners are objects), or at a
/// `]` outside brackets that ends its line (the array's; stray closing
/// brackets are skipped). A JSON string cannot hold a raw line break, so a
/// string still open at the end of a line is taken to end there.
fn resume_after(text: &str, from: usize, indent: Option<&str>) -> Resume {
    if let Some(indent) = indent {
        let mut at = from;
        while let Some(newline) = text.get(at..).and_then(|rest| rest.find('\n')) {
            at += newline + 1;
            let line = text.get(at..).unwrap_or("");
            let content = line.trim_start_matches([' ', '\t']);
            let lead = line.len() - content.len();
            // Indented no deeper than the first record: a broken first
            // record may have pushed its own start further in.
            if content.starts_with('{') && lead <= indent.len() {
                return Resume::Next(at);
            }
            if content.starts_with(']') && lead < indent.len() {
                return Resume::End(at + line.len() - content.len() + 1);
            }
        }
        return Resume::Lost;
    }
    let bytes = text.as_bytes();
    let mut depth = 0i64;
    let mut in_string = false;
    let mut escaped = false;
    let mut at = from;
    while let Some(&byte) = bytes.get(at) {
        at += 1;
        if byte == b'\n' {
            in_string = false;
            escaped = false;
            continue;
        }
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'{' | b'[' => depth += 1,
            b']' if depth == 0 && ends_line(text, at) => return Resume::End(at),
            b'}' | b']' if depth == 0 => {}
            b'}' | b']' => depth -= 1,
            // A partner is an object: a comma not followed by `{` is inside
            // the broken element, whose brackets are off.
            b',' if depth == 0 && bytes.get(skip_whitespace(text, at)) == Some(&b'{') => {
                return Resume::Next(at);
            }
            _ => {}
        }
    }
    Resume::Lost
}

/// The indentation before `at` when only spaces and tabs precede it on its
/// line (and it is not on the first line, which holds the `[`).
fn line_indent(text: &str, at: usize) -> Option<&str> {
    let line_start = text.get(..at)?.rfind('\n')? + 1;
    text.get(line_start..at)
        .filter(|lead| lead.bytes().all(|b| b == b' ' || b == b'\t'))
}

/// Whether only spaces follow `at` on its line (or in the text). Looks
/// only as far as the next other character, so a line of many `]` is not
/// scanned again for each.
fn ends_line(text: &str, at: usize) -> bool {
    let bytes = text.as_bytes();
    let mut at = at;
    while bytes
        .get(at)
        .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\r'))
    {
        at += 1;
    }
    matches!(bytes.get(at), None | Some(b'\n'))
}

/// Frames a sequence of JSON values from `from` on (one object, or objects
/// one per line). After malformed JSON, reading resumes at the next line
/// that starts with `{`.
fn sequence(source: &Arc<DataSource>, from: usize, out: &mut Vec<Framed>) {
    let text = source.text.as_str();
    let mut from = from;
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
                        source,
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

/// One record of a JSON Lines text, framed by [`frame_lines`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineRecord {
    /// Its whole lines, newlines included, as a range of the text.
    pub lines: std::ops::Range<usize>,
    /// The record without surrounding whitespace, as a range of `lines`.
    pub trimmed: std::ops::Range<usize>,
    /// Its first line's number, from 1, within the text.
    pub first_line: usize,
}

/// Where JSON Lines framing stands after each line.
struct LineFramer<'t> {
    text: &'t [u8],
    /// The record being gathered: where it starts, its first line, its depth.
    open: Option<(usize, usize, Depth)>,
    /// The end of the last line after which no record was open.
    boundary: usize,
}

impl LineFramer<'_> {
    /// Frames whole lines; `eof` says the text's end ends every record.
    fn run(&mut self, eof: bool, out: &mut Vec<LineRecord>) {
        let text = self.text;
        let mut start = 0;
        let mut number = 0;
        while start < text.len() {
            let end = match memchr::memchr(b'\n', text.get(start..).unwrap_or(&[])) {
                Some(i) => start + i + 1,
                None if eof => text.len(),
                // A partial line waits for the rest of it.
                None => break,
            };
            number += 1;
            self.line(start, end, number, out);
            start = end;
        }
        if eof && let Some((open, first_line, _)) = self.open.take() {
            self.emit(open, text.len(), first_line, out);
            self.boundary = text.len();
        }
    }

    fn line(&mut self, start: usize, end: usize, number: usize, out: &mut Vec<LineRecord>) {
        let line = self.text.get(start..end).unwrap_or(&[]);
        let trimmed = line.trim_ascii();
        if let Some((open, first_line, depth)) = &mut self.open {
            if trimmed.first() == Some(&b'{') {
                // An object starts while the previous one is still open:
                // the previous one is broken. Hand it on; start afresh.
                let (open, first_line) = (*open, *first_line);
                self.open = None;
                self.emit(open, start, first_line, out);
            } else {
                depth.scan_bytes(line);
                if depth.closed() || end - *open > MAX_RECORD_BYTES {
                    let (open, first_line) = (*open, *first_line);
                    self.open = None;
                    self.emit(open, end, first_line, out);
                    self.boundary = end;
                }
                return;
            }
        }
        if trimmed.is_empty() {
            self.boundary = end;
            return;
        }
        // The usual JSON Lines case: a whole object on its line. No need to
        // scan it; if it is broken after all, parsing says so.
        if trimmed.first() == Some(&b'{') && trimmed.last() == Some(&b'}') {
            self.emit(start, end, number, out);
            self.boundary = end;
            return;
        }
        let mut depth = Depth::default();
        depth.scan_bytes(line);
        if depth.closed() {
            self.emit(start, end, number, out);
            self.boundary = end;
        } else {
            self.open = Some((start, number, depth));
        }
    }

    fn emit(&self, start: usize, end: usize, first_line: usize, out: &mut Vec<LineRecord>) {
        let lines = self.text.get(start..end).unwrap_or(&[]);
        let lead = lines.len() - lines.trim_ascii_start().len();
        let trail = lines.len() - lines.trim_ascii_end().len();
        if lead == lines.len() {
            return;
        }
        out.push(LineRecord {
            lines: start..end,
            trimmed: lead..lines.len() - trail,
            first_line,
        });
    }
}

/// The records of a JSON Lines text (one object per line, or objects
/// spread over several lines), framed as [`JsonLines`] frames a stream:
/// lines are gathered until brackets balance outside strings, and a line
/// starting with `{` while an object is open ends that object. With `eof`
/// false, a record still open at the end, and a last line without its
/// newline, are left for the next text.
pub fn frame_lines(text: &[u8], eof: bool) -> Vec<LineRecord> {
    let mut out = Vec::new();
    LineFramer {
        text,
        open: None,
        boundary: 0,
    }
    .run(eof, &mut out);
    out
}

/// Where to cut `text` so that the part before holds only whole records:
/// the end of the last line after which no record is open (all of it with
/// `eof`).
pub fn record_boundary(text: &[u8], eof: bool) -> usize {
    if eof {
        return text.len();
    }
    // A line holding a whole object ends any record before it and is a
    // record itself, so no record is open after it: look for the last one
    // from the end instead of framing the whole text.
    let mut end = memchr::memrchr(b'\n', text).map_or(0, |i| i + 1);
    while end > 0 {
        let start = text
            .get(..end - 1)
            .and_then(|before| memchr::memrchr(b'\n', before))
            .map_or(0, |i| i + 1);
        let line = text.get(start..end).unwrap_or(&[]).trim_ascii();
        if line.first() == Some(&b'{') && line.last() == Some(&b'}') {
            return end;
        }
        if line.first() == Some(&b'{') || text.len() - start > 1 << 16 {
            // An object spread over lines, or a long way back: frame it all.
            break;
        }
        end = start;
    }
    let mut framer = LineFramer {
        text,
        open: None,
        boundary: 0,
    };
    framer.run(false, &mut Vec::new());
    framer.boundary
}

/// Replaces a leading byte-order mark, which some editors write and which is
/// not JSON, with a space.
pub fn strip_bom(bytes: &mut Vec<u8>) {
    if bytes.starts_with("\u{feff}".as_bytes()) {
        bytes.splice(0..3, [b' ']);
    }
}

/// The error for a record that is not UTF-8, pointing at the first bad byte.
pub fn not_utf8(
    name: &str,
    bytes: &[u8],
    first_line: usize,
    err: &std::str::Utf8Error,
) -> DataError {
    let source = Arc::new(DataSource {
        name: name.to_owned(),
        text: String::from_utf8_lossy(bytes).into_owned(),
        lines_before: first_line.saturating_sub(1),
    });
    let at = err.valid_up_to();
    DataError::Malformed {
        place: String::new(),
        message: format!("the record is not valid UTF-8 (bad byte at offset {at})"),
        source_code: source,
        span: miette::SourceSpan::new(at.into(), 1),
    }
}
