//! Amounts as written in a policy (`100_000`, `100,000.50`): the grammar
//! reads any digits, separators and fraction; this says which groupings are
//! valid, for the checker (which reports them) and the formatter (which
//! leaves an invalid one as written).

use rust_decimal::Decimal;

/// Parses an amount as written in a policy: digits grouped in threes by `_`
/// or `,` (one kind per number), an optional fraction, an optional sign.
pub(crate) fn parse_amount(text: &str) -> Result<Decimal, &'static str> {
    let (sign, unsigned) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (unsigned, None),
    };
    let separators: Vec<char> = whole.chars().filter(|c| matches!(c, '_' | ',')).collect();
    if let Some(&first) = separators.first() {
        if separators.iter().any(|c| *c != first) {
            return Err("mixes `_` and `,` as digit separators");
        }
        let mut groups = whole.split(first);
        let lead = groups.next().unwrap_or("");
        if lead.is_empty() || lead.len() > 3 || groups.any(|g| g.len() != 3) {
            return Err("digits must be grouped in threes");
        }
    }
    let digits: String = whole.chars().filter(char::is_ascii_digit).collect();
    let plain = match fraction {
        Some(f) => format!("{sign}{digits}.{f}"),
        None => format!("{sign}{digits}"),
    };
    Decimal::from_str_exact(&plain).map_err(|_| "too many digits for an amount")
}

#[cfg(test)]
mod tests {
    use super::parse_amount;
    use rust_decimal::Decimal;

    #[test]
    fn amounts_accept_both_separators_and_plain_digits() {
        for text in ["100000", "100_000", "100,000"] {
            assert_eq!(parse_amount(text), Ok(Decimal::from(100_000)), "{text}");
        }
        assert_eq!(
            parse_amount("1,234,567.89"),
            Ok(Decimal::new(123_456_789, 2))
        );
    }

    #[test]
    fn amounts_reject_bad_grouping() {
        for text in ["100,00", "1_0000", "1,000_000", "1000,000"] {
            assert!(parse_amount(text).is_err(), "{text}");
        }
    }
}
