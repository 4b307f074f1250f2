//! The validate pass: every value as written (dates, windows, head counts,
//! currencies, amounts) and what must hold of the file as a whole (a tier
//! ladder, an option, one currency).

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use super::{Checker, MAX_COUNT, MAX_WINDOW_MONTHS, PolicyError, sp};
use crate::ast::{self, Span};
use crate::model::*;

/// Which day a month written without its day (`2017-12`) stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum MonthDay {
    /// Its first day: where something starts (`effective`, `available from`).
    First,
    /// Its last day: where something ends (`retires`, `accepted until`,
    /// `registration until`).
    Last,
}

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
        use MonthDay::{First, Last};
        let available_from = e.available_from.as_ref().and_then(|t| self.date(t, First));
        let retires = e.retires.as_ref().and_then(|t| self.date(t, Last));
        let grace = e.accepted_until.as_ref().and_then(|t| self.date(t, Last));
        let registration = e
            .registration_until
            .as_ref()
            .and_then(|t| self.date(t, Last));
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
        if let (Some(from), Some(closes)) = (available_from, registration)
            && closes < from
        {
            out_of_order(
                "registration closes before it is available",
                e.registration_until.as_ref(),
            );
        }
        if let (Some(retired), Some(closes)) = (retires, registration)
            && closes > retired
        {
            out_of_order(
                "registration is open after it retires",
                e.registration_until.as_ref(),
            );
        }
        Exam {
            code: e.code.code.clone(),
            kind: e.kind,
            title: e.title.as_ref().map(|t| t.value.clone()),
            available_from,
            retires,
            accepted_until: grace.or(retires),
            registration_until: registration,
            former_names: e.former_names.iter().map(|n| n.code.clone()).collect(),
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

    /// A measure's window or fixed period.
    pub(super) fn period(&mut self, window: &ast::Window) -> Option<Period> {
        match &window.period {
            ast::Period::Trailing(months) => self
                .window(months)
                .map(|months| Period::Trailing { months }),
            ast::Period::CalendarYear => Some(Period::LastCompleteYear {
                ends: YearEnd { month: 12, day: 31 },
                calendar: true,
            }),
            ast::Period::FiscalYear(token) => {
                let ends = year_end(&token.text);
                if ends.is_none() {
                    self.errors.push(PolicyError::BadYearEnd {
                        text: token.text.clone(),
                        span: sp(token.span),
                    });
                }
                ends.map(|ends| Period::LastCompleteYear {
                    ends,
                    calendar: false,
                })
            }
        }
    }

    /// A date as written: a day (`2017-06-27`), or a month (`2017-12`)
    /// read as its first or last day, as `day` says.
    pub(super) fn date(&mut self, token: &ast::Token, day: MonthDay) -> Option<NaiveDate> {
        if let Some((year, month)) = token.text.split_once('-').filter(|(_, m)| !m.contains('-')) {
            let first = year
                .parse::<i32>()
                .ok()
                .zip(month.parse::<u32>().ok())
                .and_then(|(y, m)| NaiveDate::from_ymd_opt(y, m, 1));
            let Some(first) = first else {
                self.errors.push(PolicyError::InvalidMonth {
                    text: token.text.clone(),
                    span: sp(token.span),
                });
                return None;
            };
            return match day {
                MonthDay::First => Some(first),
                // The day before the first of the next month; a month at the
                // end of the calendar has its last day in the same year.
                MonthDay::Last => first
                    .checked_add_months(chrono::Months::new(1))
                    .and_then(|next| next.pred_opt())
                    .or_else(|| NaiveDate::from_ymd_opt(first.year(), 12, 31)),
            };
        }
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

/// The month and day `MM-DD` when every year has that day (so not 29
/// February, which a fiscal year could end on only in leap years).
fn year_end(text: &str) -> Option<YearEnd> {
    let (month, day) = text.split_once('-')?;
    let (month, day) = (month.parse::<u32>().ok()?, day.parse::<u32>().ok()?);
    // 2017 is not a leap year: a day it has, every year has.
    NaiveDate::from_ymd_opt(2017, month, day)?;
    Some(YearEnd { month, day })
}
