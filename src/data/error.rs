//! Errors in partner data, pointing into the data file.

use std::sync::Arc;

use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

use super::source::{DataSource, Record};
use crate::ast::Span;

/// A problem with partner data.
#[derive(Clone, Debug, Error, Diagnostic)]
pub enum DataError {
    /// Text that is not JSON.
    #[error("malformed JSON{place}: {message}")]
    #[diagnostic(
        code(E0400),
        help(
            "each partner must be a JSON object; a file holds one object, an array of them, or one per line"
        )
    )]
    Malformed {
        /// Which record of an array it is in, e.g. ` in record 2 of the
        /// array`; empty when the record is a whole line or file.
        place: String,
        /// What the JSON parser said.
        message: String,
        /// The data.
        #[source_code]
        source_code: Arc<DataSource>,
        /// Where the JSON broke.
        #[label("the JSON breaks here")]
        span: SourceSpan,
    },
    /// A field missing or of the wrong type.
    #[error("invalid partner record: {message}")]
    #[diagnostic(
        code(E0401),
        help("see the partner data format in the README: `id`, `market`, `people`, `revenue`")
    )]
    Invalid {
        /// What is wrong.
        message: String,
        /// The data.
        #[source_code]
        source_code: Arc<DataSource>,
        /// Where.
        #[label("here")]
        span: SourceSpan,
    },
    /// A date that is not `YYYY-MM-DD` or does not exist.
    #[error("`{value}` is not a date")]
    #[diagnostic(code(E0402), help("write dates as YYYY-MM-DD, e.g. \"2017-06-27\""))]
    BadDate {
        /// The value as written.
        value: String,
        /// The data.
        #[source_code]
        source_code: Arc<DataSource>,
        /// Where.
        #[label("not a real YYYY-MM-DD date")]
        span: SourceSpan,
    },
    /// An amount that is not a decimal number.
    #[error("`{value}` is not an amount")]
    #[diagnostic(
        code(E0403),
        help("write amounts as JSON numbers or strings of digits, e.g. 1250.50 or \"1250.50\"")
    )]
    BadAmount {
        /// The value as written.
        value: String,
        /// The data.
        #[source_code]
        source_code: Arc<DataSource>,
        /// Where.
        #[label("not a decimal amount")]
        span: SourceSpan,
    },
    /// A revenue line in another currency than the policy's.
    #[error("revenue line is in `{currency}` but the policy counts {expected}")]
    #[diagnostic(
        code(E0404),
        help(
            "convert the line to {expected} before evaluation; Rubric does not convert currencies"
        )
    )]
    CurrencyMismatch {
        /// The line's currency.
        currency: String,
        /// The policy's.
        expected: String,
        /// The data.
        #[source_code]
        source_code: Arc<DataSource>,
        /// Where.
        #[label("not {expected}")]
        span: SourceSpan,
    },
    /// A person listed under two partners in one batch: the program counts a
    /// person for one partner at a time.
    #[error("person `{id}` is also listed under partner `{other}`")]
    #[diagnostic(
        code(E0407),
        severity(Warning),
        help("a person counts for one partner at a time; remove them from one of the partners")
    )]
    PersonInTwoPartners {
        /// The person's id.
        id: String,
        /// The partner that listed them first.
        other: String,
        /// The data.
        #[source_code]
        source_code: Arc<DataSource>,
        /// The second listing.
        #[label("already listed under partner `{other}`")]
        span: SourceSpan,
    },
    /// Amounts whose sum does not fit an exact decimal.
    #[error("the amounts of partner `{partner}` add up beyond what can be summed exactly")]
    #[diagnostic(
        code(E0408),
        help("check the amounts for misplaced digits; exact sums are limited to 28 digits")
    )]
    SumOverflow {
        /// The partner's id.
        partner: String,
        /// The data.
        #[source_code]
        source_code: Arc<DataSource>,
        /// The partner record.
        #[label("amounts in this record overflow")]
        span: SourceSpan,
    },
    /// Two people of one partner with the same id.
    #[error("person `{id}` appears twice in this partner")]
    #[diagnostic(
        code(E0405),
        help("give each person one entry, with all their exams in it")
    )]
    DuplicatePerson {
        /// The id.
        id: String,
        /// The data.
        #[source_code]
        source_code: Arc<DataSource>,
        /// The second entry.
        #[label(primary, "second entry")]
        span: SourceSpan,
        /// The first.
        #[label("first entry")]
        first: SourceSpan,
    },
}

fn at(record: &Record, within: Span) -> SourceSpan {
    record.to_source(within).into()
}

impl DataError {
    /// The data source the error points into.
    pub fn source_text(&self) -> &Arc<DataSource> {
        match self {
            DataError::Malformed { source_code, .. }
            | DataError::Invalid { source_code, .. }
            | DataError::BadDate { source_code, .. }
            | DataError::BadAmount { source_code, .. }
            | DataError::CurrencyMismatch { source_code, .. }
            | DataError::DuplicatePerson { source_code, .. }
            | DataError::PersonInTwoPartners { source_code, .. }
            | DataError::SumOverflow { source_code, .. } => source_code,
        }
    }

    /// The primary span, within [`DataError::source_text`].
    pub fn primary_span(&self) -> SourceSpan {
        match self {
            DataError::Malformed { span, .. }
            | DataError::Invalid { span, .. }
            | DataError::BadDate { span, .. }
            | DataError::BadAmount { span, .. }
            | DataError::CurrencyMismatch { span, .. }
            | DataError::DuplicatePerson { span, .. }
            | DataError::PersonInTwoPartners { span, .. }
            | DataError::SumOverflow { span, .. } => *span,
        }
    }

    /// File name, line and column of the error.
    pub fn location(&self) -> (&str, usize, usize) {
        let source = self.source_text();
        let (line, column) = source.line_column(self.primary_span().offset());
        (&source.name, line, column)
    }

    pub(crate) fn invalid(record: &Record, within: Span, message: String) -> Self {
        DataError::Invalid {
            message,
            source_code: record.source.clone(),
            span: at(record, within),
        }
    }

    pub(crate) fn bad_date(record: &Record, within: Span, value: &str) -> Self {
        DataError::BadDate {
            value: clip(value),
            source_code: record.source.clone(),
            span: at(record, within),
        }
    }

    pub(crate) fn bad_amount(record: &Record, within: Span, value: &str) -> Self {
        DataError::BadAmount {
            value: clip(value.trim_matches('"')),
            source_code: record.source.clone(),
            span: at(record, within),
        }
    }

    pub(crate) fn currency_mismatch(
        record: &Record,
        within: Span,
        currency: &str,
        expected: &str,
    ) -> Self {
        DataError::CurrencyMismatch {
            currency: clip(currency),
            expected: expected.to_owned(),
            source_code: record.source.clone(),
            span: at(record, within),
        }
    }

    pub(crate) fn duplicate_person(record: &Record, span: Span, first: Span, id: &str) -> Self {
        DataError::DuplicatePerson {
            id: clip(id),
            source_code: record.source.clone(),
            span: at(record, span),
            first: at(record, first),
        }
    }

    /// A serde error on a record: syntax errors are malformed JSON, the rest
    /// invalid records. serde_json reports a line and column within the record.
    pub(crate) fn from_serde(record: &Record, err: &serde_json::Error) -> Self {
        let text = record.text();
        let offset = offset_of_line_column(text, err.line(), err.column());
        // serde_json points just past the offending value; underline the
        // character before when that keeps the span inside the record.
        let start = if offset > 0 && !err.is_eof() {
            offset - 1
        } else {
            offset
        };
        let width = text
            .get(start..)
            .and_then(|s| s.chars().next())
            .map_or(0, char::len_utf8);
        let within = Span::new(start, start + width);
        let message = clip_quoted(&in_json_words(&strip_position(&err.to_string())));
        if err.is_syntax() || err.is_eof() {
            DataError::Malformed {
                place: String::new(),
                message: at_line_break(message, text.get(start..)),
                source_code: record.source.clone(),
                span: at(record, within),
            }
        } else {
            DataError::invalid(record, within, message)
        }
    }

    /// Malformed JSON found while framing records, at a byte offset of a source.
    pub(crate) fn malformed_at(
        source: &Arc<DataSource>,
        offset: usize,
        err: &serde_json::Error,
    ) -> Self {
        Self::malformed_text(
            source,
            offset,
            String::new(),
            strip_position(&err.to_string()),
        )
    }

    /// Malformed JSON at a byte offset of a source, `place` saying which
    /// record it is in (see [`DataError::Malformed`]).
    pub(crate) fn malformed_text(
        source: &Arc<DataSource>,
        offset: usize,
        place: String,
        message: String,
    ) -> Self {
        let width = source
            .text
            .get(offset..)
            .and_then(|s| s.chars().next())
            .map_or(0, char::len_utf8);
        DataError::Malformed {
            place,
            message: at_line_break(message, source.text.get(offset..)),
            source_code: source.clone(),
            span: SourceSpan::new(offset.into(), width),
        }
    }
}

/// Byte offset of serde_json's 1-based line and column (column counts bytes;
/// 0 means before the first byte of the line).
pub(crate) fn offset_of_line_column(text: &str, line: usize, column: usize) -> usize {
    let line_start = if line <= 1 {
        0
    } else {
        text.match_indices('\n')
            .nth(line - 2)
            .map_or(text.len(), |(i, _)| i + 1)
    };
    (line_start + column).min(text.len())
}

/// serde_json's message for a line break inside a string, which is what a
/// string left open at the end of its line looks like, in words. `from` is
/// the text from the underlined character, the one before the control
/// character (serde_json points just past it).
fn at_line_break(message: String, from: Option<&str>) -> String {
    let breaks = from.is_some_and(|rest| matches!(rest.chars().nth(1), Some('\n' | '\r')));
    if breaks && message.starts_with("control character") {
        "a string is not closed before the end of its line".to_owned()
    } else {
        message
    }
}

/// The most characters of a value from the data that a message quotes.
pub const QUOTED_CHARS: usize = 60;

/// `value` as a message quotes it: at most [`QUOTED_CHARS`] characters,
/// with `…` when cut. An id can be a megabyte of nested brackets.
pub fn clip(value: &str) -> String {
    match value.char_indices().nth(QUOTED_CHARS) {
        Some((cut, _)) => format!("{}…", value.get(..cut).unwrap_or(value)),
        None => value.to_owned(),
    }
}

/// A serde message with each value it quotes (`"…"` or `` `…` ``) clipped
/// as [`clip`] does.
fn clip_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(512));
    let mut rest = message;
    while let Some(open) = rest.find(['"', '`']) {
        let (before, from) = rest.split_at(open);
        out.push_str(before);
        let mut chars = from.char_indices();
        let Some((_, quote)) = chars.next() else {
            break;
        };
        // The closing quote: the next one not escaped by a backslash.
        let mut escaped = false;
        let close = chars.find(|&(_, c)| {
            let found = c == quote && !escaped;
            escaped = c == '\\' && !escaped;
            found
        });
        let Some((close, _)) = close else {
            out.push_str(from);
            return out;
        };
        let inner = from.get(quote.len_utf8()..close).unwrap_or("");
        out.push(quote);
        out.push_str(&clip(inner));
        out.push(quote);
        rest = from.get(close + quote.len_utf8()..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

/// serde's words for JSON's types in a type error ("invalid type: map,
/// expected a sequence") in JSON's own ("object", "array").
fn in_json_words(message: &str) -> String {
    let Some(rest) = message.strip_prefix("invalid type: ") else {
        return message.to_owned();
    };
    let (found, expected) = rest.rsplit_once(", expected ").unwrap_or((rest, ""));
    let found = match found {
        "map" => "object",
        "sequence" => "array",
        other => other,
    };
    let expected = match expected {
        "a sequence" => "an array",
        "a map" => "an object",
        other => other,
    };
    if expected.is_empty() {
        format!("invalid type: {found}")
    } else {
        format!("invalid type: {found}, expected {expected}")
    }
}

/// serde_json appends " at line L column C"; the diagnostic shows it instead.
pub(crate) fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message.get(..i).unwrap_or(message).to_owned(),
        None => message.to_owned(),
    }
}
