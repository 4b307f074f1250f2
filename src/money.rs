//! Amounts as text, both ways: parsing an amount as a policy writes it,
//! and showing money and counts as reports, diagnostics and lints do,
//! each written once.

use rust_decimal::Decimal;

/// An amount for machine output: normalised, with at least two decimals.
///
/// ```
/// use rust_decimal::Decimal;
/// assert_eq!(rubric::money::plain(Decimal::new(15, 1)), "1.50");
/// ```
pub fn plain(amount: Decimal) -> String {
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
/// assert_eq!(rubric::money::grouped(Decimal::new(-123456789, 2)), "-1,234,567.89");
/// assert_eq!(rubric::money::grouped(Decimal::from(100)), "100.00");
/// ```
pub fn grouped(amount: Decimal) -> String {
    let text = plain(amount);
    let (sign, unsigned) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let mut out = String::with_capacity(text.len() + whole.len() / 3);
    out.push_str(sign);
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if !fraction.is_empty() {
        out.push('.');
        out.push_str(fraction);
    }
    out
}

/// A count for people: thousands separated, at most two decimals, none
/// when they would be zeros.
///
/// ```
/// use rust_decimal::Decimal;
/// assert_eq!(rubric::money::count(Decimal::from(12_000)), "12,000");
/// assert_eq!(rubric::money::count(Decimal::new(25, 1)), "2.50");
/// ```
pub fn count(count: Decimal) -> String {
    let text = grouped(count.round_dp(2));
    match text.strip_suffix(".00") {
        Some(whole) => whole.to_owned(),
        None => text,
    }
}

/// Money in `currency`, grouped with cents, e.g. `1,000.00 USD`; without a
/// currency, the grouped amount alone.
///
/// ```
/// use rust_decimal::Decimal;
/// assert_eq!(rubric::money::money(Decimal::from(1000), Some("USD")), "1,000.00 USD");
/// assert_eq!(rubric::money::money(Decimal::from(1000), None), "1,000.00");
/// ```
pub fn money(amount: Decimal, currency: Option<&str>) -> String {
    match currency {
        Some(currency) => format!("{} {currency}", grouped(amount)),
        None => grouped(amount),
    }
}

/// An amount of a measure as people read it: [`money`] when the measure
/// is money, else a [`count`].
///
/// ```
/// use rust_decimal::Decimal;
/// assert_eq!(rubric::money::amount(Decimal::from(5), false, Some("USD")), "5");
/// assert_eq!(rubric::money::amount(Decimal::from(5), true, Some("EUR")), "5.00 EUR");
/// ```
pub fn amount(amount: Decimal, is_money: bool, currency: Option<&str>) -> String {
    if is_money {
        money(amount, currency)
    } else {
        count(amount)
    }
}

/// Parses an amount as written in a policy: digits grouped in threes by `_`
/// or `,` (one kind per number), an optional fraction, an optional sign.
pub fn parse(text: &str) -> Result<Decimal, &'static str> {
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
    use super::parse;
    use rust_decimal::Decimal;

    #[test]
    fn amounts_accept_both_separators_and_plain_digits() {
        for text in ["100000", "100_000", "100,000"] {
            assert_eq!(parse(text), Ok(Decimal::from(100_000)), "{text}");
        }
        assert_eq!(parse("1,234,567.89"), Ok(Decimal::new(123_456_789, 2)));
    }

    #[test]
    fn amounts_reject_bad_grouping() {
        for text in ["100,00", "1_0000", "1,000_000", "1000,000"] {
            assert!(parse(text).is_err(), "{text}");
        }
    }
}
