//! The page's fixed phrases, one Fluent catalogue per shipped language,
//! embedded in the binary; dates, numbers and money as each language writes
//! them.

use chrono::{Datelike as _, NaiveDate};
use fluent_bundle::{FluentArgs, FluentBundle, FluentResource, FluentValue};
use rust_decimal::Decimal;

use super::DocError;

/// A language the requirements page ships in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Language {
    /// English (`en`).
    English,
    /// Korean (`ko`).
    Korean,
}

impl Language {
    /// Every shipped language, English first.
    pub const ALL: [Language; 2] = [Language::English, Language::Korean];

    /// Its BCP 47 tag, e.g. `ko`.
    pub fn tag(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::Korean => "ko",
        }
    }

    /// The shipped language with this tag (its primary language subtag, so
    /// `ko-KR` is Korean), if any.
    pub fn from_tag(tag: &str) -> Option<Language> {
        let id: unic_langid::LanguageIdentifier = tag.parse().ok()?;
        Language::ALL
            .into_iter()
            .find(|l| id.language.as_str() == l.tag())
    }

    /// The Fluent catalogue's text.
    fn catalogue(self) -> &'static str {
        match self {
            Language::English => include_str!("locales/en.ftl"),
            Language::Korean => include_str!("locales/ko.ftl"),
        }
    }
}

/// An argument of a phrase: a number (plurals select on it) or text.
#[derive(Clone, Debug)]
pub enum Arg<'a> {
    /// A whole number, e.g. a head count.
    Number(u64),
    /// Text, already formatted.
    Text(&'a str),
}

/// The phrases of one language.
pub struct Catalogue {
    language: Language,
    bundle: FluentBundle<FluentResource>,
}

impl std::fmt::Debug for Catalogue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalogue")
            .field("language", &self.language)
            .finish_non_exhaustive()
    }
}

impl Catalogue {
    /// Loads the catalogue shipped for `language`.
    pub fn new(language: Language) -> Result<Catalogue, DocError> {
        let resource =
            FluentResource::try_new(language.catalogue().to_owned()).map_err(|(_, errors)| {
                DocError::Catalogue {
                    language: language.tag(),
                    reason: format!(
                        "{} syntax error(s), first: {:?}",
                        errors.len(),
                        errors.first()
                    ),
                }
            })?;
        let id: unic_langid::LanguageIdentifier =
            language.tag().parse().map_err(|err| DocError::Catalogue {
                language: language.tag(),
                reason: format!("{err}"),
            })?;
        let mut bundle = FluentBundle::new(vec![id]);
        // The page is plain text in one direction: no bidi isolation marks.
        bundle.set_use_isolating(false);
        bundle
            .add_resource(resource)
            .map_err(|errors| DocError::Catalogue {
                language: language.tag(),
                reason: format!("{} duplicate message(s)", errors.len()),
            })?;
        Ok(Catalogue { language, bundle })
    }

    /// The language.
    pub fn language(&self) -> Language {
        self.language
    }

    /// The phrase `id` with `args`.
    pub fn text(&self, id: &str, args: &[(&str, Arg<'_>)]) -> Result<String, DocError> {
        let missing = || DocError::MissingPhrase {
            language: self.language.tag(),
            id: id.to_owned(),
        };
        let message = self.bundle.get_message(id).ok_or_else(missing)?;
        let pattern = message.value().ok_or_else(missing)?;
        let mut fluent_args = FluentArgs::new();
        for (name, arg) in args {
            let value = match arg {
                Arg::Number(n) => FluentValue::from(*n),
                Arg::Text(text) => FluentValue::from(*text),
            };
            fluent_args.set(*name, value);
        }
        let mut errors = Vec::new();
        let text = self
            .bundle
            .format_pattern(pattern, Some(&fluent_args), &mut errors);
        if let Some(first) = errors.first() {
            return Err(DocError::Phrase {
                language: self.language.tag(),
                id: id.to_owned(),
                reason: first.to_string(),
            });
        }
        Ok(text.into_owned())
    }

    /// Whether the catalogue has the phrase `id`.
    pub fn has(&self, id: &str) -> bool {
        self.bundle.has_message(id)
    }

    /// A date as the language writes it: `December 31, 2017`, `2017년 12월 31일`.
    pub fn date(&self, date: NaiveDate) -> Result<String, DocError> {
        let year = date.year().to_string();
        self.text(
            "date",
            &[
                ("year", Arg::Text(&year)),
                ("month", Arg::Number(u64::from(date.month()))),
                ("day", Arg::Number(u64::from(date.day()))),
            ],
        )
    }

    /// Money as the language writes it: `US$100,000`.
    pub fn money(&self, amount: Decimal, currency: &str) -> Result<String, DocError> {
        let amount = number(amount);
        self.text(
            "money",
            &[
                ("amount", Arg::Text(&amount)),
                ("currency", Arg::Text(currency)),
            ],
        )
    }
}

/// A number with its digits grouped in threes (both shipped languages group
/// so), without decimals when it is whole and with every decimal it has
/// (at least two) when not: a threshold is never rounded on the page.
pub fn number(amount: Decimal) -> String {
    if amount.fract().is_zero() {
        crate::money::count(amount.trunc())
    } else {
        crate::money::grouped(amount)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_phrase_of_every_other() {
        let ids = |language: Language| -> Vec<String> {
            let resource = FluentResource::try_new(language.catalogue().to_owned()).unwrap();
            resource
                .entries()
                .filter_map(|e| match e {
                    fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
                    _ => None,
                })
                .collect()
        };
        for a in Language::ALL {
            for b in Language::ALL {
                let theirs = Catalogue::new(b).unwrap();
                for id in ids(a) {
                    assert!(
                        theirs.has(&id),
                        "`{}` lacks `{id}` that `{}` has",
                        b.tag(),
                        a.tag()
                    );
                }
            }
        }
    }

    #[test]
    fn dates_and_money_per_language() {
        let en = Catalogue::new(Language::English).unwrap();
        let ko = Catalogue::new(Language::Korean).unwrap();
        let d = NaiveDate::from_ymd_opt(2017, 12, 31).unwrap();
        assert_eq!(en.date(d).unwrap(), "December 31, 2017");
        assert_eq!(ko.date(d).unwrap(), "2017년 12월 31일");
        let jan = NaiveDate::from_ymd_opt(2018, 1, 2).unwrap();
        assert_eq!(en.date(jan).unwrap(), "January 2, 2018");
        assert_eq!(
            en.money(Decimal::from(100_000), "USD").unwrap(),
            "US$100,000"
        );
        assert_eq!(
            ko.money(Decimal::from(100_000), "USD").unwrap(),
            "US$100,000"
        );
        assert_eq!(
            en.money(Decimal::new(150_050, 2), "USD").unwrap(),
            "US$1,500.50"
        );
        assert_eq!(en.money(Decimal::new(15, 3), "USD").unwrap(), "US$0.015");
        assert_eq!(en.money(Decimal::from(999), "JPY").unwrap(), "999 JPY");
    }

    #[test]
    fn plurals_follow_the_language() {
        let en = Catalogue::new(Language::English).unwrap();
        let ko = Catalogue::new(Language::Korean).unwrap();
        let people =
            |c: &Catalogue, n| c.text("step-people", &[("count", Arg::Number(n))]).unwrap();
        assert_eq!(
            people(&en, 1),
            "1 individual in your organization must pass the exams"
        );
        assert_eq!(
            people(&en, 2),
            "2 individuals in your organization must pass the exams"
        );
        assert_eq!(people(&ko, 1), "조직의 개인 1명이 시험에 합격해야 합니다");
        assert_eq!(people(&ko, 4), "조직의 개인 4명이 시험에 합격해야 합니다");
        let another = |c: &Catalogue, n| {
            c.text("role-another-any", &[("count", Arg::Number(n))])
                .unwrap()
        };
        assert_eq!(
            another(&en, 1),
            "Another individual must pass one of the following:"
        );
        assert_eq!(
            another(&en, 2),
            "2 other individuals must each pass one of the following:"
        );
        assert_eq!(
            another(&ko, 2),
            "다른 2명이 다음 시험 중 하나에 합격해야 합니다."
        );
    }

    #[test]
    fn tags_resolve_by_primary_language() {
        assert_eq!(Language::from_tag("ko-KR"), Some(Language::Korean));
        assert_eq!(Language::from_tag("en"), Some(Language::English));
        assert_eq!(Language::from_tag("fr"), None);
        assert_eq!(Language::from_tag("not a tag"), None);
    }
}
