//! Parse errors in words: pest's expected rules and tokens become phrases
//! ("expected a tier or `}`"), placed on the token that was found.

use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

use super::Rule;

/// A policy file that does not follow the grammar.
#[derive(Debug, Error, Diagnostic, Clone, PartialEq, Eq)]
pub enum SyntaxError {
    /// The parser met something it did not expect.
    #[error("expected {expected}, found {found}")]
    #[diagnostic(code(E0100))]
    Unexpected {
        /// What would have been accepted here, in words.
        expected: String,
        /// What was found, in words.
        found: String,
        /// The unexpected token.
        #[label("{label}")]
        span: SourceSpan,
        /// The label under the token.
        label: String,
        /// How to fix it, when a likely fix is known.
        #[help]
        help: Option<String>,
    },
    /// The file nests or repeats beyond what the parser will follow.
    #[error("the policy is too deeply nested or too large to parse")]
    #[diagnostic(code(E0101), help("split the policy into smaller files"))]
    TooComplex {
        /// Where the parser stopped.
        #[label("parsing stopped here")]
        span: SourceSpan,
    },
    /// Blocks nested deeper than the parser follows.
    #[error("blocks are nested more than {limit} deep")]
    #[diagnostic(
        code(E0101),
        help("a policy needs a few levels of `{{`: flatten nested `either` blocks")
    )]
    TooDeep {
        /// The deepest nesting allowed.
        limit: usize,
        /// The first brace past the limit.
        #[label("this block is one level too deep")]
        span: SourceSpan,
    },
    /// A parse tree the lowering did not expect: a bug in Rubric, not in the policy.
    #[error("internal error while reading the policy: {message}")]
    #[diagnostic(
        code(E0199),
        help("this is a bug in Rubric; please report it with the policy file")
    )]
    Internal {
        /// What went wrong.
        message: String,
        /// Where.
        #[label("here")]
        span: SourceSpan,
    },
}

impl SyntaxError {
    pub(super) fn internal(at: usize, message: &str) -> Self {
        SyntaxError::Internal {
            message: message.to_owned(),
            span: SourceSpan::new(at.into(), 0),
        }
    }

    pub(super) fn too_deep(at: usize, limit: usize) -> Self {
        SyntaxError::TooDeep {
            limit,
            span: SourceSpan::new(at.into(), 1),
        }
    }

    pub(super) fn from_pest(err: &pest::error::Error<Rule>, source: &str) -> Self {
        use pest::error::{ErrorVariant, InputLocation};
        let at = match err.location {
            InputLocation::Pos(p) => p,
            InputLocation::Span((s, _)) => s,
        };
        // At the end of the file, point just after the last text rather than
        // past trailing blank lines, where a reader would see nothing.
        let at = at.min(source.len());
        let at_end = source.get(at..).is_none_or(|rest| rest.trim().is_empty());
        let at = if at_end { source.trim_end().len() } else { at };
        let positives = match &err.variant {
            ErrorVariant::ParsingError { positives, .. } => positives.clone(),
            ErrorVariant::CustomError { .. } => {
                return SyntaxError::TooComplex {
                    span: SourceSpan::new(at.into(), 0),
                };
            }
        };
        let mut phrases: Vec<String> = Vec::new();
        let mut push = |phrase: String| {
            if !phrases.contains(&phrase) {
                phrases.push(phrase);
            }
        };
        for rule in &positives {
            if let Some(phrase) = rule_phrase(*rule) {
                push(phrase.to_owned());
            }
        }
        if let Some(attempts) = err.parse_attempts() {
            // Only literal words and punctuation are worth naming; character
            // ranges, whitespace and comment markers are not what a reader lacks.
            for token in attempts.expected_tokens() {
                let token = token.to_string();
                let noise = token.trim().is_empty()
                    || token.contains("..")
                    || matches!(
                        token.as_str(),
                        "BUILTIN_RULE" | "#" | "//" | "\"" | "-" | "\\" | "\u{feff}" | "_"
                    );
                // Words that only start a phrase are named by the phrase.
                let token = match token.as_str() {
                    "at" => "at least".to_owned(),
                    "per" => "per month".to_owned(),
                    _ => token,
                };
                if !noise {
                    push(format!("`{token}`"));
                }
            }
        }
        // One phrase per alternative, so the list reads "`distinct`, `shared` or ...".
        let phrases: Vec<String> = phrases
            .into_iter()
            .flat_map(|p| match p.as_str() {
                "`distinct` or `shared`" => vec!["`distinct`".to_owned(), "`shared`".to_owned()],
                _ => vec![p],
            })
            .collect();
        let phrases = summarize(phrases);
        let expected = join_or(&phrases);
        let (found, found_len) = if at_end {
            ("the end of the file".to_owned(), 0)
        } else {
            found_at(source, at)
        };
        let help = help_for(&phrases, at_end);
        // A quote that opens a string the line never closes.
        if !at_end
            && source.get(at..).is_some_and(|rest| rest.starts_with('"'))
            && phrases.iter().any(|p| p == "a quoted string")
        {
            return SyntaxError::Unexpected {
                expected: "a closing `\"`".to_owned(),
                found: "the end of the line".to_owned(),
                span: SourceSpan::new(at.into(), 1),
                label: "this string is not closed on its line".to_owned(),
                help: Some(
                    "add the closing `\"`; a string cannot run over several lines".to_owned(),
                ),
            };
        }
        SyntaxError::Unexpected {
            label: format!("expected {expected} here"),
            expected,
            found,
            span: SourceSpan::new(at.into(), found_len),
            help,
        }
    }
}

/// Item keywords of a competency: when most are expected, name the class instead.
const ITEM_KEYWORDS: [&str; 17] = [
    "`version`",
    "`effective`",
    "`source`",
    "`currency`",
    "`market`",
    "`association`",
    "`tiers`",
    "`exam`",
    "`group`",
    "`revenue`",
    "`option`",
    "`usage`",
    "`measure`",
    "`attribute`",
    "`assessment`",
    "`certification`",
    "`exam`, `assessment` or `certification`",
];

fn summarize(phrases: Vec<String>) -> Vec<String> {
    let items = phrases
        .iter()
        .filter(|p| ITEM_KEYWORDS.contains(&p.as_str()))
        .count();
    if items < 4 {
        return phrases;
    }
    let mut out = vec!["a declaration (`exam`, `group`, `revenue`, `option`, ...)".to_owned()];
    out.extend(
        phrases
            .into_iter()
            .filter(|p| !ITEM_KEYWORDS.contains(&p.as_str())),
    );
    out
}

/// The phrase for a rule, or `None` when its first token already says it.
fn rule_phrase(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::competency => "`competency`",
        Rule::version_decl => "`version`",
        Rule::effective_decl => "`effective`",
        Rule::source_decl => "`source`",
        Rule::currency_decl => "`currency`",
        Rule::market_decl => "`market`",
        Rule::association_decl => "`association`",
        Rule::tiers_decl => "`tiers`",
        Rule::exam_decl => "`exam`",
        Rule::group_decl => "`group`",
        Rule::revenue_decl => "`revenue`",
        Rule::usage_decl => "`usage`",
        Rule::derived_decl => "`measure`",
        Rule::attribute_decl => "`attribute`",
        Rule::credential_kind => "`exam`, `assessment` or `certification`",
        Rule::available_from => "`available from`",
        Rule::retirement => "`retires`",
        Rule::quantifier => "`any` or `all`",
        Rule::aggregate => "`sum` or `max`",
        Rule::usage_metric => "a usage metric such as `deployed_seats`",
        Rule::paid_only => "`paid only`",
        Rule::per_month => "`per month`",
        Rule::amount => "an amount such as `100_000 USD` or `250`",
        Rule::attribute_requirement | Rule::either_requirement => "`require`",
        Rule::branch => "`{`",
        Rule::kw_assessment => "`assessment`",
        Rule::kw_certification => "`certification`",
        Rule::kw_available => "`available`",
        Rule::kw_retires => "`retires`",
        Rule::kw_accepted => "`accepted`",
        Rule::kw_until => "`until`",
        Rule::kw_all => "`all`",
        Rule::kw_usage => "`usage`",
        Rule::kw_sum => "`sum`",
        Rule::kw_max => "`max`",
        Rule::kw_measure => "`measure`",
        Rule::kw_customers => "`customers`",
        Rule::kw_paid => "`paid`",
        Rule::kw_only => "`only`",
        Rule::kw_per => "`per month`",
        Rule::kw_month => "`month`",
        Rule::kw_attribute => "`attribute`",
        Rule::kw_either => "`either`",
        Rule::option_decl => "`option`",
        Rule::tier_decl => "`tier`",
        Rule::measure_requirement | Rule::people_requirement => "`require`",
        Rule::revenue_type => "a revenue type such as `net_new`",
        Rule::product_list => "a product name in quotes",
        Rule::window => "`trailing N months`",
        Rule::association_clause => "`as` and a partner-of-record kind",
        Rule::at_least => "`>=`",
        Rule::market_thresholds => "a threshold per market such as `{ developed: 100_000 USD }`",
        Rule::market_threshold => "a market and its threshold",
        Rule::sharing => "`distinct` or `shared`",
        Rule::role => "a role such as `1 passing functional`",
        Rule::group_ref => "a group name",
        Rule::kw_competency => "`competency`",
        Rule::kw_version => "`version`",
        Rule::kw_effective => "`effective`",
        Rule::kw_source => "`source`",
        Rule::kw_currency => "`currency`",
        Rule::kw_market => "`market`",
        Rule::kw_association => "`association`",
        Rule::kw_tiers => "`tiers`",
        Rule::kw_exam => "`exam`",
        Rule::kw_group => "`group`",
        Rule::kw_revenue => "`revenue`",
        Rule::kw_option => "`option`",
        Rule::kw_tier => "`tier`",
        Rule::kw_require => "`require`",
        Rule::kw_distinct => "`distinct`",
        Rule::kw_shared => "`shared`",
        Rule::kw_as => "`as`",
        Rule::kw_or => "`or`",
        Rule::kw_any => "`any`",
        Rule::kw_of => "`of`",
        Rule::kw_from => "`from`",
        Rule::kw_over => "`over`",
        Rule::kw_trailing => "`trailing`",
        Rule::kw_months => "`months`",
        Rule::kw_people => "`people`",
        Rule::kw_person => "`person`",
        Rule::kw_passing => "`passing`",
        Rule::kw_and => "`and`",
        Rule::ident => "a name",
        Rule::exam_code | Rule::bare_code | Rule::exam_list => "an exam code",
        Rule::title | Rule::string => "a quoted string",
        Rule::string_inner => "the rest of the string",
        Rule::date => "a date such as `2017-06-27`",
        Rule::integer => "a whole number",
        Rule::number => "an amount",
        Rule::currency_code => "a currency code such as `USD`",
        Rule::EOI => "the end of the file",
        Rule::policy
        | Rule::competency_item
        | Rule::requirement
        | Rule::line_filter
        | Rule::member
        | Rule::item_keyword
        | Rule::line_condition
        | Rule::ident_char
        | Rule::COMMENT
        | Rule::WHITESPACE => return None,
    })
}

fn join_or(phrases: &[String]) -> String {
    match phrases {
        [] => "something else".to_owned(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// What stands at `at`, in words, and how many bytes to underline.
fn found_at(source: &str, at: usize) -> (String, usize) {
    let rest = source.get(at..).unwrap_or("");
    let Some(first) = rest.chars().next() else {
        return ("the end of the file".to_owned(), 0);
    };
    if first.is_alphanumeric() || first == '_' {
        let word: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ','))
            .collect();
        let word = word.trim_end_matches([',', '.']).to_owned();
        let len = word.len();
        return (format!("`{word}`"), len);
    }
    if first == '"' {
        return ("a quoted string".to_owned(), first.len_utf8());
    }
    (format!("`{first}`"), first.len_utf8())
}

fn help_for(expected: &[String], at_end: bool) -> Option<String> {
    let wants = |p: &str| expected.iter().any(|e| e == p);
    if wants("`}`") && at_end {
        return Some("a block is not closed: add the missing `}`".to_owned());
    }
    if wants("`passing`") {
        return Some("a role reads `COUNT passing GROUP and GROUP`, e.g. `1 passing functional and deployment`".to_owned());
    }
    if wants("`distinct`") && wants("`shared`") {
        return Some(
            "say whether the roles must be filled by different people: `require distinct people { ... }` or `require shared people { ... }`"
                .to_owned(),
        );
    }
    if wants("an amount such as `100_000 USD` or `250`") {
        return Some(
            "write an amount with its currency, e.g. `100_000 USD`, or a count, e.g. `250`"
                .to_owned(),
        );
    }
    None
}
