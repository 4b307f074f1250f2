//! Renderings of results and diagnostics: the human report, JSON and JSON
//! Lines results with a decision record, and miette diagnostics as text.
//!
//! Only this module turns outcomes into text; only the CLI prints it.

pub mod check;
pub mod diagnostic;
pub mod human;
pub mod json;
pub mod timeline;

use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

use crate::model::Policy;

/// What a decision was made under, so that it can be replayed.
#[derive(Clone, Debug, serde::Serialize)]
pub struct DecisionRecord {
    /// The competency's identifier.
    pub policy: String,
    /// The policy's version label.
    pub version: Option<String>,
    /// SHA-256 of the policy file's bytes, hex.
    pub sha256: String,
    /// The as-of date.
    pub as_of: String,
    /// The Rubric version that decided.
    pub rubric: &'static str,
}

impl DecisionRecord {
    /// The record for `policy`, whose source text is `source`.
    pub fn new(policy: &Policy, source: &str, as_of: chrono::NaiveDate) -> Self {
        let digest = Sha256::digest(source.as_bytes());
        let sha256 = digest.iter().map(|b| format!("{b:02x}")).collect();
        DecisionRecord {
            policy: policy.id.clone(),
            version: policy.version.clone(),
            sha256,
            as_of: as_of.to_string(),
            rubric: env!("CARGO_PKG_VERSION"),
        }
    }
}

/// An amount for machine output: normalised, with at least two decimals.
pub fn amount_text(amount: Decimal) -> String {
    let mut a = amount.normalize();
    if a.scale() < 2 {
        a.rescale(2);
    }
    a.to_string()
}

/// An amount for people: thousands separated by commas, at least two decimals.
///
/// ```
/// use rust_decimal::Decimal;
/// assert_eq!(rubric::report::amount_grouped(Decimal::new(-123456789, 2)), "-1,234,567.89");
/// assert_eq!(rubric::report::amount_grouped(Decimal::from(100)), "100.00");
/// ```
pub fn amount_grouped(amount: Decimal) -> String {
    let text = amount_text(amount);
    let (sign, unsigned) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if fraction.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{fraction}")
    }
}

/// Why a revenue requirement has no threshold for a partner.
pub fn no_threshold_note(market: Option<&str>) -> String {
    match market {
        Some(market) => format!("the policy sets no threshold for market `{market}`"),
        None => {
            "the partner data gives no market, and the policy sets thresholds per market".to_owned()
        }
    }
}

/// Renders each record of a batch as it is evaluated, on the worker that
/// evaluated it: one implementation per output format.
pub trait Render: Sync {
    /// Appends the rendering of an evaluated partner; `warnings` are
    /// problems that did not stop evaluation.
    fn evaluated(
        &self,
        policy: &Policy,
        evaluated: &crate::eval::Evaluated<'_, '_>,
        warnings: &[crate::data::DataError],
        out: &mut Vec<u8>,
    );

    /// Appends the rendering of a record that could not be evaluated.
    fn failed(
        &self,
        id: Option<&serde_json::value::RawValue>,
        errors: &[crate::data::DataError],
        out: &mut Vec<u8>,
    );
}

/// Writes `value` as compact JSON and a newline. Serialising result types
/// cannot fail (no maps with non-string keys, no failing `Serialize`); should
/// it ever, the line says so instead of vanishing.
fn json_line<T: serde::Serialize>(value: &T, out: &mut Vec<u8>) {
    let start = out.len();
    if let Err(err) = serde_json::to_writer(&mut *out, value) {
        out.truncate(start);
        let message = serde_json::json!({ "status": "error", "errors": [err.to_string()] });
        out.extend_from_slice(message.to_string().as_bytes());
    }
    out.push(b'\n');
}

/// JSON Lines: one compact object per partner per line.
#[derive(Clone, Copy, Debug, Default)]
pub struct JsonLines;

impl Render for JsonLines {
    fn evaluated(
        &self,
        policy: &Policy,
        evaluated: &crate::eval::Evaluated<'_, '_>,
        warnings: &[crate::data::DataError],
        out: &mut Vec<u8>,
    ) {
        if warnings.is_empty() && json::write_line(policy, evaluated, out) {
            out.push(b'\n');
            return;
        }
        let mut result = json::evaluated(policy, evaluated, None);
        result.warnings = warnings.iter().map(json::ErrorResult::from_error).collect();
        json_line(&result, out);
    }

    fn failed(
        &self,
        id: Option<&serde_json::value::RawValue>,
        errors: &[crate::data::DataError],
        out: &mut Vec<u8>,
    ) {
        json_line(&json::failed(id, errors, None), out);
    }
}

/// The readable report, one block per partner.
#[derive(Clone, Copy, Debug, Default)]
pub struct Human;

impl Render for Human {
    fn evaluated(
        &self,
        policy: &Policy,
        evaluated: &crate::eval::Evaluated<'_, '_>,
        warnings: &[crate::data::DataError],
        out: &mut Vec<u8>,
    ) {
        let mut text = human::partner(policy, evaluated);
        for warning in warnings {
            text.push_str(&format!("  ! {warning}\n"));
        }
        out.extend_from_slice(text.as_bytes());
        out.push(b'\n');
    }

    fn failed(
        &self,
        id: Option<&serde_json::value::RawValue>,
        errors: &[crate::data::DataError],
        out: &mut Vec<u8>,
    ) {
        let who = id.map_or_else(
            || "record".to_owned(),
            |id| format!("partner {}", crate::data::Id::from_json(id).text()),
        );
        let where_ = errors.first().map(|e| {
            let (file, line, column) = e.location();
            format!(" at {file}:{line}:{column}")
        });
        let text = format!(
            "{who}{}: not evaluated: {} data error{} (see stderr)\n",
            where_.unwrap_or_default(),
            errors.len(),
            if errors.len() == 1 { "" } else { "s" }
        );
        out.extend_from_slice(text.as_bytes());
        out.push(b'\n');
    }
}
