//! The keyword table: every word of the language, the grammar rule that
//! matches it, how it reads in messages and where it may start a statement.
//!
//! Parse errors, error recovery, lowering and the formatter all take their
//! keywords from here; `grammar/rubric.pest` spells each word once, in its
//! `kw_` rule, and the tests check that the two agree.

use super::Rule;
use crate::ast::{CredentialKind, Quantifier, Sharing};

/// Where a keyword may start a statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Place {
    /// `competency`: the one block of a file.
    File,
    /// A declaration directly inside the competency (`exam`, `group`, ...).
    Declaration,
    /// A statement inside a block: `tier` in an option, `require` in a tier.
    Block,
    /// Only inside a statement (`of`, `from`, `passing`, ...).
    Inner,
}

/// A keyword of the language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Keyword {
    /// The `kw_` grammar rule that matches it.
    pub(crate) rule: Rule,
    /// The word as written in a policy.
    pub(crate) word: &'static str,
    /// How a parse error names it when it is expected: the word, or the
    /// phrase it only starts (`per` reads `per month`).
    pub(crate) reads: &'static str,
    /// Where it may start a statement.
    pub(crate) place: Place,
}

macro_rules! keywords {
    ($($name:ident = $rule:ident, $word:literal, $reads:literal, $place:ident;)*) => {
        $(
            #[doc = concat!("`", $word, "`")]
            pub(crate) const $name: Keyword = Keyword {
                rule: Rule::$rule,
                word: $word,
                reads: $reads,
                place: Place::$place,
            };
        )*
        /// Every keyword, in the order a competency's declarations are
        /// usually written.
        pub(crate) const KEYWORDS: &[Keyword] = &[$($name),*];
    };
}

keywords! {
    COMPETENCY = kw_competency, "competency", "competency", File;
    VERSION = kw_version, "version", "version", Declaration;
    EFFECTIVE = kw_effective, "effective", "effective", Declaration;
    SOURCE = kw_source, "source", "source", Declaration;
    CURRENCY = kw_currency, "currency", "currency", Declaration;
    MARKET = kw_market, "market", "market", Declaration;
    MARKETS = kw_markets, "markets", "markets", Declaration;
    ASSOCIATION = kw_association, "association", "association", Declaration;
    ATTRIBUTE = kw_attribute, "attribute", "attribute", Declaration;
    FIELD = kw_field, "field", "field", Declaration;
    TIERS = kw_tiers, "tiers", "tiers", Declaration;
    EXAM = kw_exam, "exam", "exam", Declaration;
    ASSESSMENT = kw_assessment, "assessment", "assessment", Declaration;
    CERTIFICATION = kw_certification, "certification", "certification", Declaration;
    GROUP = kw_group, "group", "group", Declaration;
    PRODUCT = kw_product, "product", "product", Declaration;
    FAMILY = kw_family, "family", "family", Declaration;
    REVENUE = kw_revenue, "revenue", "revenue", Declaration;
    USAGE = kw_usage, "usage", "usage", Declaration;
    MEASURE = kw_measure, "measure", "measure", Declaration;
    OPTION = kw_option, "option", "option", Declaration;
    TRANSLATION = kw_translation, "translation", "translation", Declaration;
    SUMMARY = kw_summary, "summary", "summary", Inner;
    TIER = kw_tier, "tier", "tier", Block;
    REQUIRE = kw_require, "require", "require", Block;
    ALLOW = kw_allow, "allow", "allow", Block;
    AVAILABLE = kw_available, "available", "available", Inner;
    RETIRES = kw_retires, "retires", "retires", Inner;
    ACCEPTED = kw_accepted, "accepted", "accepted", Inner;
    UNTIL = kw_until, "until", "until", Inner;
    REGISTRATION = kw_registration, "registration", "registration until", Inner;
    FORMERLY = kw_formerly, "formerly", "formerly", Inner;
    TYPES = kw_types, "types", "types", Inner;
    METRICS = kw_metrics, "metrics", "metrics", Inner;
    ANY = kw_any, "any", "any", Inner;
    ONE = kw_one, "one", "one", Inner;
    ALL = kw_all, "all", "all", Inner;
    OF = kw_of, "of", "of", Inner;
    SUM = kw_sum, "sum", "sum", Inner;
    MAX = kw_max, "max", "max", Inner;
    LATEST = kw_latest, "latest", "latest", Inner;
    LARGEST = kw_largest, "largest", "largest", Inner;
    TOTAL = kw_total, "total", "total", Inner;
    CUSTOMERS = kw_customers, "customers", "customers", Inner;
    NEW = kw_new, "new", "new", Inner;
    LOST = kw_lost, "lost", "lost", Inner;
    NET = kw_net, "net", "net new", Inner;
    FROM = kw_from, "from", "from", Inner;
    OVER = kw_over, "over", "over", Inner;
    TRAILING = kw_trailing, "trailing", "trailing", Inner;
    MONTHS = kw_months, "months", "months", Inner;
    LAST = kw_last, "last", "last complete", Inner;
    COMPLETE = kw_complete, "complete", "complete", Inner;
    CALENDAR = kw_calendar, "calendar", "calendar year", Inner;
    FISCAL = kw_fiscal, "fiscal", "fiscal year", Inner;
    YEAR = kw_year, "year", "year", Inner;
    ENDING = kw_ending, "ending", "ending", Inner;
    AS = kw_as, "as", "as", Inner;
    OR = kw_or, "or", "or", Inner;
    PAID = kw_paid, "paid", "paid", Inner;
    WHERE = kw_where, "where", "where", Inner;
    IS = kw_is, "is", "is", Inner;
    NOT = kw_not, "not", "not", Inner;
    FOR = kw_for, "for", "for customers of", Inner;
    ONLY = kw_only, "only", "only", Inner;
    EVERY = kw_every, "every", "every", Inner;
    OTHER = kw_other, "other", "other market", Inner;
    PER = kw_per, "per", "per month", Inner;
    MONTH = kw_month, "month", "month", Inner;
    IN = kw_in, "in", "in every month", Inner;
    EITHER = kw_either, "either", "either", Inner;
    DISTINCT = kw_distinct, "distinct", "distinct", Inner;
    SHARED = kw_shared, "shared", "shared", Inner;
    PEOPLE = kw_people, "people", "people", Inner;
    PERSON = kw_person, "person", "person", Inner;
    PASSING = kw_passing, "passing", "passing", Inner;
    AND = kw_and, "and", "and", Inner;
}

/// The keyword a `kw_` rule matches.
pub(crate) fn by_rule(rule: Rule) -> Option<&'static Keyword> {
    KEYWORDS.iter().find(|k| k.rule == rule)
}

/// The keyword written as `word`.
pub(crate) fn by_word(word: &str) -> Option<&'static Keyword> {
    KEYWORDS.iter().find(|k| k.word == word)
}

/// The keywords that may start a statement at `place`.
pub(crate) fn at(place: Place) -> impl Iterator<Item = &'static Keyword> {
    KEYWORDS.iter().filter(move |k| k.place == place)
}

/// Whether `word` starts a statement somewhere: a declaration, `tier` or
/// `require`.
pub(crate) fn starts_statement(word: &str) -> bool {
    by_word(word).is_some_and(|k| matches!(k.place, Place::Declaration | Place::Block))
}

/// The keyword of each kind of credential.
pub(crate) fn credential(kind: CredentialKind) -> Keyword {
    match kind {
        CredentialKind::Exam => EXAM,
        CredentialKind::Assessment => ASSESSMENT,
        CredentialKind::Certification => CERTIFICATION,
    }
}

/// The keyword of each group quantifier.
pub(crate) fn quantifier(quantifier: Quantifier) -> Keyword {
    match quantifier {
        Quantifier::Any => ANY,
        Quantifier::All => ALL,
    }
}

/// The keyword of each way roles share people.
pub(crate) fn sharing(sharing: Sharing) -> Keyword {
    match sharing {
        Sharing::Distinct => DISTINCT,
        Sharing::Shared => SHARED,
    }
}

/// The credential kind whose keyword `rule` matches.
pub(crate) fn credential_of(rule: Rule) -> Option<CredentialKind> {
    [
        CredentialKind::Exam,
        CredentialKind::Assessment,
        CredentialKind::Certification,
    ]
    .into_iter()
    .find(|&k| credential(k).rule == rule)
}

/// The quantifier whose keyword `rule` matches.
pub(crate) fn quantifier_of(rule: Rule) -> Option<Quantifier> {
    if rule == Rule::kw_one {
        return Some(Quantifier::Any);
    }
    [Quantifier::Any, Quantifier::All]
        .into_iter()
        .find(|&q| quantifier(q).rule == rule)
}

/// The sharing whose keyword `rule` matches.
pub(crate) fn sharing_of(rule: Rule) -> Option<Sharing> {
    [Sharing::Distinct, Sharing::Shared]
        .into_iter()
        .find(|&s| sharing(s).rule == rule)
}

/// The keywords a grammar rule stands for when a parse error names it: the
/// keyword that opens a declaration or requirement, or each keyword of a
/// choice (`any` or `all`). Empty for a rule that is no keyword.
pub(crate) fn opening(rule: Rule) -> &'static [Keyword] {
    match rule {
        Rule::competency => &[COMPETENCY],
        Rule::version_decl => &[VERSION],
        Rule::effective_decl => &[EFFECTIVE],
        Rule::source_decl => &[SOURCE],
        Rule::currency_decl => &[CURRENCY],
        Rule::market_decl => &[MARKET],
        Rule::markets_decl => &[MARKETS],
        Rule::every_other_market => &[EVERY],
        Rule::association_decl => &[ASSOCIATION],
        Rule::attribute_decl => &[ATTRIBUTE],
        Rule::field_decl => &[FIELD],
        Rule::where_clause => &[WHERE],
        Rule::field_negation => &[NOT],
        Rule::customers_clause => &[FOR],
        Rule::tiers_decl => &[TIERS],
        Rule::exam_decl => &[EXAM],
        Rule::credential_kind => &[EXAM, ASSESSMENT, CERTIFICATION],
        Rule::group_decl => &[GROUP],
        Rule::product_decl => &[PRODUCT],
        Rule::family_decl => &[FAMILY],
        Rule::line_types_decl => &[REVENUE, USAGE],
        Rule::product_former_names => &[FORMERLY],
        Rule::revenue_decl => &[REVENUE],
        Rule::usage_decl => &[USAGE],
        Rule::derived_decl => &[MEASURE],
        Rule::option_decl => &[OPTION],
        Rule::translation_decl => &[TRANSLATION],
        Rule::tier_decl => &[TIER],
        Rule::allow_decl => &[ALLOW],
        Rule::measure_requirement
        | Rule::people_requirement
        | Rule::attribute_requirement
        | Rule::either_requirement => &[REQUIRE],
        Rule::retirement => &[RETIRES],
        Rule::registration => &[REGISTRATION],
        Rule::former_names => &[FORMERLY],
        Rule::quantifier => &[ANY, ONE, ALL],
        Rule::aggregate => &[SUM, MAX, LATEST],
        Rule::largest => &[LARGEST],
        Rule::fixed_period => &[LAST],
        Rule::calendar_year => &[CALENDAR],
        Rule::fiscal_year => &[FISCAL],
        Rule::sharing => &[DISTINCT, SHARED],
        Rule::customer_count => &[DISTINCT, NEW, LOST, NET],
        other => match KEYWORDS.iter().position(|k| k.rule == other) {
            Some(i) => KEYWORDS.get(i..=i).unwrap_or(&[]),
            None => &[],
        },
    }
}
