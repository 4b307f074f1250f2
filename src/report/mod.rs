//! Renderings of results and diagnostics: the human report, JSON and JSON
//! Lines results with a decision record, and miette diagnostics as text.
//!
//! Only this module turns outcomes into text; only the CLI prints it.

pub mod check;
pub mod diagnostic;
pub mod human;
pub mod json;

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
