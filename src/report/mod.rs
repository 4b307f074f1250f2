//! Renderings of results and diagnostics: the human report, JSON and JSON
//! Lines results with a decision record, and miette diagnostics as text.
//!
//! Only this module turns outcomes into text; only the CLI prints it.

pub mod check;
pub mod diagnostic;
pub mod diff;
pub mod human;
pub mod json;
pub mod timeline;

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
    /// What a reader of the decisions should know about how they were made,
    /// such as an as-of date before the policy took effect; omitted when
    /// there is nothing to say.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
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
            notes: before_effective(policy, as_of).into_iter().collect(),
        }
    }
}

/// The note for an as-of date before the policy's `effective` date: the
/// decisions apply rules that were not yet in force.
///
/// ```
/// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/policies/cloud_crm.policy");
/// let policy = rubric::load_policy(&std::fs::read_to_string(path)?).unwrap();
/// // cloud_crm takes effect on 2017-06-27.
/// let date = |d: &str| d.parse::<chrono::NaiveDate>().unwrap();
/// assert!(rubric::report::before_effective(&policy, date("2017-06-26")).is_some());
/// assert!(rubric::report::before_effective(&policy, date("2017-06-27")).is_none());
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn before_effective(policy: &Policy, as_of: chrono::NaiveDate) -> Option<String> {
    let effective = policy.effective.filter(|e| as_of < *e)?;
    Some(format!(
        "as of {as_of}, policy `{}` is not yet in effect (it takes effect on {effective}); these decisions apply its rules anyway",
        policy.id
    ))
}

/// A report that could not be written: a serialiser refused a value. The
/// caller says so rather than printing nothing.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// JSON or SARIF.
    #[error("cannot write the {format} report: {source}")]
    Json {
        /// Which report, e.g. "SARIF".
        format: &'static str,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// JUnit XML.
    #[error("cannot write the JUnit report: {source}")]
    Junit {
        /// Why.
        #[source]
        source: quick_junit::SerializeError,
    },
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

    /// Whether every evaluated partner must arrive with its parsed record
    /// ([`crate::eval::Evaluated::partner`]) at any detail: renderers that
    /// evaluate the record again (impact of a change, timelines) say so, and
    /// the batch then parses each record without computing evidence.
    fn needs_record(&self) -> bool {
        false
    }
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
