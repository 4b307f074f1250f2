//! The validate pass: every value as written (dates, windows, head counts,
//! currencies, amounts) and what must hold of the file as a whole (a tier
//! ladder, an option, one currency).

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{Checker, MAX_COUNT, MAX_WINDOW_MONTHS, PolicyError, sp};
use crate::ast::{self, Span};
use crate::model::*;

impl Checker {
    /// Reports a file without a `tiers` line.
    pub(super) fn require_tiers(&mut self, c: &ast::Competency) {
        if !c.items.iter().any(|i| matches!(i, ast::Item::Tiers(..))) {
            self.errors.push(PolicyError::MissingTiers {
                name: c.id.name.clone(),
                span: sp(c.id.span),
            });
        }
    }

    /// Reports a file without an option.
    pub(super) fn require_option(&mut self, c: &ast::Competency) {
        if !c.items.iter().any(|i| matches!(i, ast::Item::Option(_))) {
            self.errors.push(PolicyError::MissingOption {
                name: c.id.name.clone(),
                span: sp(c.id.span),
            });
        }
    }

    pub(super) fn exam(&mut self, e: &ast::ExamDecl) -> Exam {
        let available_from = e.available_from.as_ref().and_then(|t| self.date(t));
        let retires = e.retires.as_ref().and_then(|t| self.date(t));
        let grace = e.accepted_until.as_ref().and_then(|t| self.date(t));
        let mut out_of_order = |reason: &str, token: Option<&ast::Token>| {
            if let Some(token) = token {
                self.errors.push(PolicyError::ExamDatesOutOfOrder {
                    code: e.code.code.clone(),
                    reason: reason.to_owned(),
                    span: sp(token.span),
                });
            }
        };
        if let (Some(from), Some(retired)) = (available_from, retires)
            && retired < from
        {
            out_of_order("it retires before it is available", e.retires.as_ref());
        }
        if let (Some(retired), Some(until)) = (retires, grace)
            && until < retired
        {
            out_of_order(
                "it is accepted until a date before it retires",
                e.accepted_until.as_ref(),
            );
        }
        Exam {
            code: e.code.code.clone(),
            kind: e.kind,
            title: e.title.as_ref().map(|t| t.value.clone()),
            available_from,
            retires,
            accepted_until: grace.or(retires),
            span: e.span,
        }
    }

    pub(super) fn amount_currencies(
        &mut self,
        policy: &Policy,
        amounts: &[&ast::Amount],
        currency_span: Option<Span>,
    ) {
        let Some((first, first_code)) = amounts
            .iter()
            .find_map(|a| a.currency.as_ref().map(|c| (a, c)))
        else {
            return;
        };
        match (&policy.currency, currency_span) {
            (Some(currency), Some(declared)) => {
                for code in amounts.iter().filter_map(|a| a.currency.as_ref()) {
                    let upper = code.text.to_uppercase();
                    if iso_currency::Currency::from_code(&upper).is_some() && upper != *currency {
                        self.errors.push(PolicyError::CurrencyMismatch {
                            currency: code.text.clone(),
                            policy_currency: currency.clone(),
                            span: sp(code.span),
                            declared: sp(declared),
                        });
                    }
                }
            }
            (_, None) => self.errors.push(PolicyError::MissingCurrency {
                currency: first_code.text.to_uppercase(),
                span: sp(first.span),
            }),
            // The currency line itself is wrong, and was reported.
            (None, Some(_)) => {}
        }
    }

    /// Reports a threshold whose unit is not its measure's: a plain number
    /// for money, or money for a count.
    pub(super) fn unit(
        &mut self,
        measure: &str,
        is_money: bool,
        amount: &ast::Amount,
        currency: Option<&str>,
    ) {
        let number = &amount.number.text;
        match (is_money, &amount.currency) {
            (true, None) => self.errors.push(PolicyError::UnitMismatch {
                measure: measure.to_owned(),
                unit: "money",
                given: "a plain number",
                span: sp(amount.span),
                help: match currency {
                    Some(currency) => {
                        format!("write the currency after the amount, e.g. `{number} {currency}`")
                    }
                    // No currency line to take the code from.
                    None => format!(
                        "write the currency after the amount, as `{number} CODE` with an ISO 4217 code, and declare that code with a `currency` line"
                    ),
                },
            }),
            (false, Some(code)) => self.errors.push(PolicyError::UnitMismatch {
                measure: measure.to_owned(),
                unit: "a count",
                given: "money",
                span: sp(amount.span),
                help: format!(
                    "drop the currency `{}`: write a plain number, e.g. `{number}`",
                    code.text
                ),
            }),
            _ => {}
        }
    }

    /// A role's head count.
    pub(super) fn count(&mut self, token: &ast::Token) -> Option<u32> {
        match token.text.parse::<u32>() {
            Ok(n) if (1..=MAX_COUNT).contains(&n) => Some(n),
            _ => {
                self.errors.push(PolicyError::BadCount {
                    text: token.text.clone(),
                    max: MAX_COUNT,
                    span: sp(token.span),
                });
                None
            }
        }
    }

    pub(super) fn window(&mut self, token: &ast::Token) -> Option<u32> {
        match token.text.parse::<u32>() {
            Ok(n) if (1..=MAX_WINDOW_MONTHS).contains(&n) => Some(n),
            _ => {
                self.errors.push(PolicyError::BadWindow {
                    text: token.text.clone(),
                    max: MAX_WINDOW_MONTHS,
                    span: sp(token.span),
                });
                None
            }
        }
    }

    pub(super) fn date(&mut self, token: &ast::Token) -> Option<NaiveDate> {
        match NaiveDate::parse_from_str(&token.text, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                self.errors.push(PolicyError::InvalidDate {
                    text: token.text.clone(),
                    span: sp(token.span),
                });
                None
            }
        }
    }

    pub(super) fn currency(&mut self, token: &ast::Token) -> Option<String> {
        let upper = token.text.to_uppercase();
        if iso_currency::Currency::from_code(&upper).is_some() && upper == token.text {
            return Some(upper);
        }
        let help = if iso_currency::Currency::from_code(&upper).is_some() {
            format!("currency codes are written in capitals: `{upper}`")
        } else {
            "use a three-letter ISO 4217 code such as `USD` or `EUR`".to_owned()
        };
        self.errors.push(PolicyError::UnknownCurrency {
            code: token.text.clone(),
            span: sp(token.span),
            help,
        });
        None
    }

    /// A threshold as written: above zero for `>=`, zero or above for `>`
    /// (`more_than`, "some revenue").
    pub(super) fn threshold(&mut self, amount: &ast::Amount, more_than: bool) -> Option<Threshold> {
        let currency = match &amount.currency {
            Some(code) => Some(self.currency(code)?),
            None => None,
        };
        let value = match crate::money::parse(&amount.number.text) {
            Ok(d) => d,
            Err(reason) => {
                let help = if reason.starts_with("too many") {
                    "amounts have at most 28 significant digits".to_owned()
                } else {
                    "group digits in threes with `_` or `,` (not both), e.g. `100_000` or `100,000.50`".to_owned()
                };
                self.errors.push(PolicyError::MalformedNumber {
                    text: amount.number.text.clone(),
                    span: sp(amount.number.span),
                    reason: reason.to_owned(),
                    help,
                });
                return None;
            }
        };
        if more_than && value < Decimal::ZERO {
            self.errors.push(PolicyError::NegativeMoreThan {
                text: amount.number.text.clone(),
                span: sp(amount.number.span),
            });
            return None;
        }
        if !more_than && value <= Decimal::ZERO {
            self.errors.push(PolicyError::BadThreshold {
                text: amount.number.text.clone(),
                span: sp(amount.number.span),
            });
            return None;
        }
        Some(Threshold {
            amount: value,
            currency,
            span: amount.span,
        })
    }
}
