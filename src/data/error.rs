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
    /// An object without a field it must have: serde reports it at the
    /// object's closing `}`, this points at its opening `{`.
    #[error("invalid partner record: missing field `{field}`")]
    #[diagnostic(code(E0401))]
    MissingField {
        /// The field's name.
        field: String,
        /// The data.
        #[source_code]
        source_code: Arc<DataSource>,
        /// The opening `{` of the object that lacks it.
        #[label("this object has no `{field}`")]
        span: SourceSpan,
        /// The field as it should be written.
        #[help]
        help: String,
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
        #[label(primary, "already listed under partner `{other}`")]
        span: SourceSpan,
        /// The first listing, when it is in the same text.
        #[label("first listed here, under partner `{other}`")]
        first: Option<SourceSpan>,
        /// Where the first listing is, when it is in other text.
        #[related]
        elsewhere: Vec<FirstListing>,
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
        /// The largest amount of the partner's lines.
        #[label("the largest amount of this partner")]
        span: SourceSpan,
    },
    /// A partner in a market the policy's closed list does not name.
    #[error(
        "partner `{partner}` is in market `{market}`, which is not one of the policy's markets"
    )]
    #[diagnostic(code(E0417))]
    MarketNotListed {
        /// The partner's id.
        partner: String,
        /// The market as written.
        market: String,
        /// The data.
        #[source_code]
        source_code: Arc<DataSource>,
        /// The market.
        #[label("not one of {markets}")]
        span: SourceSpan,
        /// The policy's markets, in words.
        markets: String,
        /// How to fix it.
        #[help]
        help: String,
    },
    /// A partner with no market, where the policy's markets are closed.
    #[error("partner `{partner}` gives no market, and the policy's markets are closed")]
    #[diagnostic(code(E0418))]
    MarketMissing {
        /// The partner's id.
        partner: String,
        /// The data.
        #[source_code]
        source_code: Arc<DataSource>,
        /// The record's opening `{`.
        #[label("this partner has no `market`")]
        span: SourceSpan,
        /// How to fix it.
        #[help]
        help: String,
    },
    /// Lines a customer measure's base counts that name no customer.
    #[error("{lines} that `{measure}` counts for partner `{partner}` {name} no customer")]
    #[diagnostic(
        code(E0410),
        severity(Warning),
        help(
            "{counters} customers, and a line without a `customer` belongs to none: it adds to `{measure}` but to no customer count; give each line its `customer`"
        )
    )]
    LineWithoutCustomer {
        /// The partner's id.
        partner: String,
        /// The revenue or usage measure whose lines the customers are of.
        measure: String,
        /// The customer measures reading it, in words: "`new_customers`
        /// counts", "`a` and `b` count".
        counters: String,
        /// How many lines, in words: `1 line`, `3 lines`.
        lines: String,
        /// `names` or `name`, as `lines` needs.
        name: &'static str,
        /// The data.
        #[source_code]
        source_code: Arc<DataSource>,
        /// The first such line's amount or quantity.
        #[label("this line has no `customer`")]
        span: SourceSpan,
    },
    /// A line whose value of a closed field is not one the policy lists.
    #[error("`{value}` is not a value of field `{field}`")]
    #[diagnostic(
        code(E0414),
        severity(Warning),
        help(
            "the policy lists the values of `{field}`: {allowed}; correct the line, or add the value to the policy's `field {field}` declaration; until then the line meets no condition on `{field}`"
        )
    )]
    FieldValueNotListed {
        /// The field.
        field: String,
        /// The value as written.
        value: String,
        /// The values the policy lists.
        allowed: String,
        /// The data.
        #[source_code]
        source_code: Arc<DataSource>,
        /// Where.
        #[label("not a listed value")]
        span: SourceSpan,
    },
    /// A line whose value of a declared field is not a string.
    #[error("a line's `{field}` must be a string")]
    #[diagnostic(
        code(E0415),
        severity(Warning),
        help(
            "write the value in quotes, e.g. \"{field}\": \"enterprise\"; until then the line meets no condition on `{field}`"
        )
    )]
    FieldValueNotText {
        /// The field.
        field: String,
        /// The data.
        #[source_code]
        source_code: Arc<DataSource>,
        /// Where.
        #[label("not a string")]
        span: SourceSpan,
    },
    /// A line that a measure would count but for a field it does not carry.
    #[error("a line has no `{field}`, which measure `{measure}` filters on")]
    #[diagnostic(
        code(E0416),
        severity(Warning),
        help(
            "give the line its `{field}` if it belongs to the measure; a line without it meets no condition on `{field}`, so `{measure}` does not count it"
        )
    )]
    FieldMissing {
        /// The field.
        field: String,
        /// The measure that would count the line.
        measure: String,
        /// The data.
        #[source_code]
        source_code: Arc<DataSource>,
        /// The line's opening `{`.
        #[label("this line has no `{field}`")]
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

/// Where a person of a [`DataError::PersonInTwoPartners`] was first
/// listed, when that is in text no longer at hand (another line of a file
/// read line by line, or another file).
#[derive(Clone, Debug, Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(severity(Advice))]
pub struct FirstListing {
    /// The place, in words.
    pub message: String,
}

/// The span of the value of `key` in the JSON object `text` (a field of the
/// object itself, not of an object inside it), for pointing at a value
/// serde read without keeping its place.
fn top_level_value(text: &str, key: &str) -> Option<Span> {
    let bytes = text.as_bytes();
    let (mut depth, mut i) = (0usize, 0usize);
    // The string starting at `from` (a `"`): the index after its closing quote.
    let string_end = |from: usize| {
        let mut j = from + 1;
        while let Some(&c) = bytes.get(j) {
            match c {
                b'\\' => j += 2,
                b'"' => return Some(j + 1),
                _ => j += 1,
            }
        }
        None
    };
    while let Some(&c) = bytes.get(i) {
        match c {
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            b'"' => {
                let end = string_end(i)?;
                let is_key = text.get(i + 1..end - 1) == Some(key);
                let after = text.get(end..)?.trim_start();
                if depth == 1 && is_key && after.starts_with(':') {
                    let value = after.get(1..)?.trim_start();
                    let start = text.len() - value.len();
                    let value_end = if value.starts_with('"') {
                        string_end(start)?
                    } else {
                        start + value.find([',', '}']).unwrap_or(value.len())
                    };
                    return Some(Span::new(start, value_end));
                }
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    None
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
            | DataError::MissingField { source_code, .. }
            | DataError::BadDate { source_code, .. }
            | DataError::BadAmount { source_code, .. }
            | DataError::CurrencyMismatch { source_code, .. }
            | DataError::DuplicatePerson { source_code, .. }
            | DataError::PersonInTwoPartners { source_code, .. }
            | DataError::MarketNotListed { source_code, .. }
            | DataError::MarketMissing { source_code, .. }
            | DataError::LineWithoutCustomer { source_code, .. }
            | DataError::FieldValueNotListed { source_code, .. }
            | DataError::FieldValueNotText { source_code, .. }
            | DataError::FieldMissing { source_code, .. }
            | DataError::SumOverflow { source_code, .. } => source_code,
        }
    }

    /// The primary span, within [`DataError::source_text`].
    pub fn primary_span(&self) -> SourceSpan {
        match self {
            DataError::Malformed { span, .. }
            | DataError::Invalid { span, .. }
            | DataError::MissingField { span, .. }
            | DataError::BadDate { span, .. }
            | DataError::BadAmount { span, .. }
            | DataError::CurrencyMismatch { span, .. }
            | DataError::DuplicatePerson { span, .. }
            | DataError::PersonInTwoPartners { span, .. }
            | DataError::MarketNotListed { span, .. }
            | DataError::MarketMissing { span, .. }
            | DataError::LineWithoutCustomer { span, .. }
            | DataError::FieldValueNotListed { span, .. }
            | DataError::FieldValueNotText { span, .. }
            | DataError::FieldMissing { span, .. }
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

    /// A line's value `value` of closed field `field`, at `within`, that
    /// is not among `allowed`.
    pub(crate) fn field_value_not_listed(
        record: &Record,
        within: Span,
        field: &str,
        value: &str,
        allowed: &[String],
    ) -> Self {
        let allowed: Vec<String> = allowed.iter().map(|v| format!("\"{v}\"")).collect();
        DataError::FieldValueNotListed {
            field: field.to_owned(),
            value: clip(value),
            allowed: allowed.join(", "),
            source_code: record.source.clone(),
            span: at(record, within),
        }
    }

    /// A line's value of field `field`, at `within`, that is not a string.
    pub(crate) fn field_value_not_text(record: &Record, within: Span, field: &str) -> Self {
        DataError::FieldValueNotText {
            field: field.to_owned(),
            source_code: record.source.clone(),
            span: at(record, within),
        }
    }

    /// A line, whose `{` is at `within`, without the field `field` that
    /// measure `measure` filters on.
    pub(crate) fn field_missing(record: &Record, within: Span, field: &str, measure: &str) -> Self {
        DataError::FieldMissing {
            field: field.to_owned(),
            measure: measure.to_owned(),
            source_code: record.source.clone(),
            span: at(record, within),
        }
    }

    /// Amounts of `partner` whose sums overflow: points at the largest
    /// amount or quantity, the likeliest misplaced digits.
    pub fn sum_overflow(partner: &super::Partner<'_>) -> Self {
        let record = partner.record;
        let revenue = partner.revenue.iter().map(|l| (l.amount, l.amount_span));
        let usage = partner.usage.iter().map(|l| (l.quantity, l.quantity_span));
        let largest = revenue
            .chain(usage)
            .max_by_key(|(amount, _)| amount.abs())
            .map_or(Span::new(0, record.span.len()), |(_, span)| span);
        DataError::SumOverflow {
            partner: clip(&partner.id.text()),
            source_code: record.source.clone(),
            span: at(record, largest),
        }
    }

    /// `partner` is in no market of the closed list `markets` (the
    /// policy's market ids): its market is another one, or it gives none.
    pub fn market_outside(partner: &super::Partner<'_>, markets: &[&str]) -> Self {
        let record = partner.record;
        let listed: Vec<String> = markets.iter().map(|m| format!("`{m}`")).collect();
        let listed = match listed.as_slice() {
            [] => "none".to_owned(),
            [one] => one.clone(),
            [init @ .., last] => format!("{} or {last}", init.join(", ")),
        };
        let id = clip(&partner.id.text());
        match &partner.market {
            Some(market) => {
                // The market's value in the record, quotes included; else
                // the record's opening `{`.
                let within = top_level_value(record.text(), "market");
                DataError::MarketNotListed {
                    partner: id,
                    market: clip(market),
                    source_code: record.source.clone(),
                    span: at(record, within.unwrap_or(Span::new(0, 1))),
                    help: format!(
                        "the policy says its partners are only in {listed} (`markets … only`); correct the partner's market, or add the market to the policy"
                    ),
                    markets: listed,
                }
            }
            None => DataError::MarketMissing {
                partner: id,
                source_code: record.source.clone(),
                span: at(record, Span::new(0, 1)),
                help: format!(
                    "give the partner's market, e.g. `\"market\": \"{}\"`; the policy's markets are {listed}",
                    markets.first().copied().unwrap_or("")
                ),
            },
        }
    }

    /// `count` lines of `partner` that `measure` counts and that name no
    /// customer, read by the customer measures `counters`; `span` is the
    /// first one's amount or quantity.
    pub fn line_without_customer(
        partner: &super::Partner<'_>,
        span: Span,
        measure: &str,
        counters: &[&str],
        count: usize,
    ) -> Self {
        let names: Vec<String> = counters.iter().map(|c| format!("`{c}`")).collect();
        let counters = match names.as_slice() {
            [one] => format!("{one} counts"),
            [init @ .., last] => format!("{} and {last} count", init.join(", ")),
            [] => "the policy counts".to_owned(),
        };
        DataError::LineWithoutCustomer {
            partner: clip(&partner.id.text()),
            measure: measure.to_owned(),
            counters,
            lines: if count == 1 {
                "1 line".to_owned()
            } else {
                format!("{count} lines")
            },
            name: if count == 1 { "names" } else { "name" },
            source_code: partner.record.source.clone(),
            span: at(partner.record, span),
        }
    }

    /// A person of `record`, at `span`, already listed under partner
    /// `other`, first at `first`: a span of the same source, or words for a
    /// place in another; both ids shortened when long.
    pub(crate) fn person_in_two_partners(
        record: &Record,
        span: Span,
        id: &str,
        other: &str,
        first: Result<Span, String>,
    ) -> Self {
        let other = clip(other);
        let (first, elsewhere) = match first {
            Ok(first) => (Some(first.into()), Vec::new()),
            Err(place) => (
                None,
                vec![FirstListing {
                    message: format!(
                        "`{}` was first listed under partner `{other}` {place}",
                        clip(id)
                    ),
                }],
            ),
        };
        DataError::PersonInTwoPartners {
            id: clip(id),
            other,
            source_code: record.source.clone(),
            span: at(record, span),
            first,
            elsewhere,
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
        } else if let Some(missing) = missing_field(text, &message, start) {
            missing
                .into_error(record)
                .unwrap_or_else(|| DataError::invalid(record, within, message))
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

/// A missing field and the object lacking it, found in a record's text.
struct Missing {
    field: String,
    /// Byte offset of the object's opening `{` in the record.
    open: usize,
}

impl Missing {
    fn into_error(self, record: &Record) -> Option<DataError> {
        let example = match self.field.as_str() {
            "id" => "\"P-001\"",
            "product" => "\"CRM Online\"",
            "type" => "\"net_new\"",
            "amount" => "120000",
            "currency" => "\"USD\"",
            "date" | "passed" => "\"2017-03-15\"",
            "code" => "\"MB2-714\"",
            "metric" => "\"deployed_seats\"",
            "quantity" => "250",
            _ => "…",
        };
        let help = format!(
            "add `\"{}\": {example}` to this object; see the partner data format in the README",
            self.field
        );
        Some(DataError::MissingField {
            field: self.field,
            source_code: record.source.clone(),
            span: at(record, Span::new(self.open, self.open + 1)),
            help,
        })
    }
}

/// For serde's "missing field `F`" reported at the `}` at byte `close` of
/// `text`, the field and the matching `{`, found by reading the record from
/// its start (strings skipped) up to `close`.
fn missing_field(text: &str, message: &str, close: usize) -> Option<Missing> {
    let field = message
        .strip_prefix("missing field `")?
        .strip_suffix('`')?
        .to_owned();
    if text.as_bytes().get(close) != Some(&b'}') {
        return None;
    }
    let mut open = Vec::new();
    let (mut in_string, mut escaped) = (false, false);
    for (i, b) in text.bytes().enumerate().take(close) {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' => open.push(i),
            b'}' => {
                open.pop();
            }
            _ => {}
        }
    }
    Some(Missing {
        field,
        open: open.pop()?,
    })
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
