//! The values of declared line fields (`field segment ...` in a policy):
//! read from a record only when the policy declares fields, so that the
//! common path never looks for them.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::{Record, offset_in};
use crate::ast::Span;

/// A line's value of one declared field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldValue<'a> {
    /// The line has no such field, or it is `null`.
    Missing {
        /// The line's opening `{`, within the record.
        line: Span,
    },
    /// A string.
    Text {
        /// The value, unescaped.
        value: Cow<'a, str>,
        /// Where it is written, quotes included, within the record.
        span: Span,
    },
    /// Something else (a number, `true`, a list): not a value of a field.
    NotText {
        /// Where it is written, within the record.
        span: Span,
    },
}

impl FieldValue<'_> {
    /// The text, when the value is a string.
    pub fn text(&self) -> Option<&str> {
        match self {
            FieldValue::Text { value, .. } => Some(value),
            _ => None,
        }
    }

    /// Where the value is written, or the line's `{` when it has none.
    pub fn span(&self) -> Span {
        match self {
            FieldValue::Missing { line: span }
            | FieldValue::Text { span, .. }
            | FieldValue::NotText { span } => *span,
        }
    }
}

/// The values of the declared fields on every revenue and usage line of a
/// record: `revenue[line][field]`, in the order of the names asked for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineFields<'a> {
    /// For each revenue line, each field's value.
    pub revenue: Vec<Vec<FieldValue<'a>>>,
    /// For each usage line, each field's value.
    pub usage: Vec<Vec<FieldValue<'a>>>,
}

#[derive(Deserialize)]
struct Lines<'a> {
    #[serde(borrow, default)]
    revenue: Option<Vec<&'a RawValue>>,
    #[serde(borrow, default)]
    usage: Option<Vec<&'a RawValue>>,
}

/// Reads the fields `names` of each line of `record`. The record has been
/// read by [`super::Partner::parse`] already, so its lines are objects in
/// the order of [`super::Partner::revenue`] and [`super::Partner::usage`];
/// a record that cannot be read again yields no lines.
pub fn line_fields<'a>(record: &'a Record, names: &[&str]) -> LineFields<'a> {
    let text = record.text();
    let Ok(lines) = serde_json::from_str::<Lines<'a>>(text) else {
        return LineFields::default();
    };
    let read = |list: Option<Vec<&'a RawValue>>| -> Vec<Vec<FieldValue<'a>>> {
        list.unwrap_or_default()
            .into_iter()
            .map(|line| values(text, line, names))
            .collect()
    };
    LineFields {
        revenue: read(lines.revenue),
        usage: read(lines.usage),
    }
}

/// The values of `names` in one line.
fn values<'a>(text: &'a str, line: &'a RawValue, names: &[&str]) -> Vec<FieldValue<'a>> {
    let at = |part: &str| offset_in(text, part).unwrap_or(0);
    let start = at(line.get());
    let missing = FieldValue::Missing {
        line: Span::new(start, start + 1),
    };
    let Ok(map) = serde_json::from_str::<HashMap<Cow<'a, str>, &'a RawValue>>(line.get()) else {
        return vec![missing; names.len()];
    };
    names
        .iter()
        .map(|name| {
            let Some(raw) = map.get(*name) else {
                return missing.clone();
            };
            let json = raw.get();
            let from = at(json);
            let span = Span::new(from, from + json.len());
            if json == "null" {
                missing.clone()
            } else if json.starts_with('"') {
                match serde_json::from_str::<Cow<'a, str>>(json) {
                    Ok(value) => FieldValue::Text { value, span },
                    Err(_) => FieldValue::NotText { span },
                }
            } else {
                FieldValue::NotText { span }
            }
        })
        .collect()
}
