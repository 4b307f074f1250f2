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
    /// A block left open: a keyword that belongs outside it was found first.
    #[error("expected `}}` to close `{block}`, found {found}")]
    #[diagnostic(code(E0100), help("add the missing `}}` at the end of `{block}`"))]
    Unclosed {
        /// The block left open, as its line starts (`tier silver`).
        block: String,
        /// What was found instead of its `}`, in words.
        found: String,
        /// The opening brace of the block left open.
        #[label(primary, "this block is not closed")]
        open: SourceSpan,
        /// The token found.
        #[label("{inside}")]
        at: SourceSpan,
        /// The label under the token.
        inside: String,
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
    /// Where the error is: its primary label's first byte.
    pub fn offset(&self) -> usize {
        match self {
            SyntaxError::Unexpected { span, .. }
            | SyntaxError::TooDeep { span, .. }
            | SyntaxError::TooComplex { span }
            | SyntaxError::Internal { span, .. } => span.offset(),
            SyntaxError::Unclosed { open, .. } => open.offset(),
        }
    }

    /// Where parsing could resume after dropping the statement at this
    /// position: only after an unexpected token where no `{`, `competency`
    /// or end of the file was expected. A missing `{`, a competency closed
    /// early or not begun, a block left open, a file too large and a bug
    /// leave the blocks in doubt, so nothing is safe to resume from.
    ///
    /// With the position, whether the parser wanted a new statement there
    /// (a declaration, a tier or a requirement), not the rest of one.
    pub(super) fn recoverable_at(&self) -> Option<(usize, bool)> {
        match self {
            SyntaxError::Unexpected { span, expected, .. }
                if !["`{`", "the end of the file", "`competency`"]
                    .iter()
                    .any(|p| expected.contains(p)) =>
            {
                let wants_statement = ["a declaration", "`require`", "`tier`"]
                    .iter()
                    .any(|p| expected.contains(p));
                Some((span.offset(), wants_statement))
            }
            _ => None,
        }
    }

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
        // One phrase per alternative, so the list reads "`distinct`, `shared`
        // or ..." and names each word once: a rule's phrase listing words
        // (`any` or `all`) is split into them, and repeats dropped.
        let mut split: Vec<String> = Vec::new();
        for phrase in phrases {
            for word in alternatives(&phrase) {
                if !split.contains(&word) {
                    split.push(word);
                }
            }
        }
        let phrases = split;
        let phrases = summarize(phrases);
        let expected = join_or(&phrases);
        let (found, found_len) = if at_end {
            ("the end of the file".to_owned(), 0)
        } else {
            found_at(source, at)
        };
        // Keywords the parser would have taken here, for a did-you-mean.
        let keywords: Vec<String> = phrases
            .iter()
            .flat_map(|p| {
                if p.starts_with("a declaration") {
                    ITEM_KEYWORDS.to_vec()
                } else {
                    vec![p.as_str()]
                }
            })
            .filter_map(|p| p.strip_prefix('`')?.strip_suffix('`'))
            .filter(|k| k.chars().all(|c| c.is_ascii_lowercase() || c == ' '))
            .map(str::to_owned)
            .collect();
        let mut help = help_for(&phrases, at_end);
        if !at_end && source.get(at..).is_some_and(|rest| rest.starts_with('"')) {
            // An escape other than `\"` and `\\` inside the string.
            if let Some((escape, len)) = bad_escape(source, at) {
                let text = source.get(escape..escape + len).unwrap_or("\\");
                return SyntaxError::Unexpected {
                    expected: "`\\\"` or `\\\\` after `\\`".to_owned(),
                    found: format!("`{text}`"),
                    span: SourceSpan::new(escape.into(), len),
                    label: "not an escape".to_owned(),
                    help: Some(
                        "in a string only `\\\"` (a quote) and `\\\\` (a backslash) are escapes; \
                         write `\\\\` for a backslash"
                            .to_owned(),
                    ),
                };
            }
        }
        // A name with a letter outside ASCII.
        if let Some(error) = non_ascii_name(source, at) {
            return error;
        }
        // A keyword of an outer block inside an inner one: a `}` is missing.
        if phrases.iter().any(|p| p == "`}`")
            && let Some(error) = unclosed(source, at, at_end, &found, found_len)
        {
            return error;
        }
        // A misspelled keyword.
        if !at_end && let Some(word) = word_at(source, at) {
            let wrong = word.to_lowercase();
            let nearest = keywords
                .iter()
                .map(|k| (strsim::damerau_levenshtein(&wrong, k), k))
                .filter(|(d, k)| *d <= (k.len().max(wrong.len()) / 3).max(1))
                .min_by_key(|(d, _)| *d);
            if let Some((_, keyword)) = nearest {
                let lowercase = if word.to_lowercase() == *keyword {
                    "keywords are lowercase: "
                } else {
                    ""
                };
                help = Some(format!("{lowercase}did you mean `{keyword}`?"));
            }
        }
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

/// "`a`, `b` or `c`" → "`a`", "`b`", "`c`"; any other phrase stays whole.
fn alternatives(phrase: &str) -> Vec<String> {
    let parts: Vec<&str> = phrase
        .split(", ")
        .flat_map(|part| part.split(" or "))
        .collect();
    let single_words = parts.len() > 1
        && parts.iter().all(|p| {
            p.len() > 2
                && p.starts_with('`')
                && p.ends_with('`')
                && !p.trim_matches('`').contains(['`', ' '])
        });
    if single_words {
        parts.into_iter().map(str::to_owned).collect()
    } else {
        vec![phrase.to_owned()]
    }
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

/// The word (letters, digits, `_`, any script) at `at`, if one starts there.
fn word_at(source: &str, at: usize) -> Option<&str> {
    let rest = source.get(at..)?;
    let len: usize = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .map(char::len_utf8)
        .sum();
    rest.get(..len).filter(|w| !w.is_empty())
}

/// The first escape other than `\"` and `\\` in the string whose opening
/// quote is at `quote`, with its length, if the string has one before it
/// ends (at its closing quote or the end of its line).
fn bad_escape(source: &str, quote: usize) -> Option<(usize, usize)> {
    let rest = source.get(quote + 1..)?;
    let mut chars = rest.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' | '\n' | '\r' => return None,
            '\\' => match chars.next() {
                Some((_, '"' | '\\')) => {}
                Some((_, '\n' | '\r')) | None => return None,
                Some((_, other)) => return Some((quote + 1 + i, 1 + other.len_utf8())),
            },
            _ => {}
        }
    }
    None
}

/// A name with a letter outside ASCII at or just before `at`: names are
/// ASCII letters, digits and `_` (titles, in quotes, may be any text).
fn non_ascii_name(source: &str, at: usize) -> Option<SyntaxError> {
    let here = source.get(at..)?.chars().next()?;
    if here.is_ascii() || !(here.is_alphanumeric() || here == '_') {
        return None;
    }
    let before = source.get(..at)?;
    let start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric() || *c == '_')
        .last()
        .map_or(at, |(i, _)| i);
    let word = word_at(source, start)?;
    Some(SyntaxError::Unexpected {
        expected: "a name of ASCII letters, digits and `_`".to_owned(),
        found: format!("`{word}`"),
        span: SourceSpan::new(start.into(), word.len()),
        label: format!("`{here}` is not an ASCII letter"),
        help: Some(
            "names use ASCII letters, digits and `_`; any text can go in the quoted title after the name"
                .to_owned(),
        ),
    })
}

/// Words that open a block or item outside a tier's or option's braces.
const OUTER_KEYWORDS: [&str; 19] = [
    "competency",
    "version",
    "effective",
    "source",
    "currency",
    "market",
    "association",
    "attribute",
    "tiers",
    "exam",
    "assessment",
    "certification",
    "group",
    "revenue",
    "usage",
    "measure",
    "option",
    "tier",
    "require",
];

/// When the file ends, or the word found at `at` starts an item of an outer
/// block, the innermost block still open there is the one missing its `}`.
fn unclosed(
    source: &str,
    at: usize,
    at_end: bool,
    found: &str,
    found_len: usize,
) -> Option<SyntaxError> {
    let word = if at_end {
        ""
    } else {
        word_at(source, at).filter(|w| OUTER_KEYWORDS.contains(w))?
    };
    let open = innermost_open_brace(source, if at_end { source.len() } else { at })?;
    // The block as its line reads up to the brace: `tier silver`.
    let line_start = source.get(..open)?.rfind('\n').map_or(0, |i| i + 1);
    let block = source.get(line_start..open)?.trim();
    let block = block.split('"').next().unwrap_or(block).trim();
    // Only a block that cannot hold the word found: a tier holds no
    // `tier`, an option no declarations, a people block no `require`. At
    // the competency's level a misplaced word is not a missing `}`.
    let holds = |kw: &str| match block.split_whitespace().next() {
        Some("competency") => true,
        Some("option") => kw == "tier",
        Some("tier") => kw == "require",
        // An `either` branch.
        Some("require") if block.contains("either") => kw == "require",
        Some("}") => kw == "require",
        _ => false,
    };
    if block.is_empty() || (!at_end && holds(word)) {
        return None;
    }
    Some(SyntaxError::Unclosed {
        block: block.to_owned(),
        found: found.to_owned(),
        open: SourceSpan::new(open.into(), 1),
        at: SourceSpan::new(at.into(), found_len),
        inside: if at_end {
            "the file ends here".to_owned()
        } else {
            format!("`{word}` cannot be inside `{block}`")
        },
    })
}

/// The indentation of the line holding `at`, and whether only spaces
/// precede `at` on it.
fn indentation(source: &str, at: usize) -> (usize, bool) {
    let before = source.get(..at).unwrap_or("");
    let line = before.rsplit('\n').next().unwrap_or("");
    let code = line.trim_start_matches([' ', '\t']);
    (line.len() - code.len(), code.is_empty())
}

/// The `{` of the block left open at `at`: the innermost block open there
/// (braces in strings and comments do not count), unless a `}` before `at`
/// was indented as the end of an outer block, in which case the block it
/// closed instead is the one left open.
fn innermost_open_brace(source: &str, at: usize) -> Option<usize> {
    // Each open brace with the indentation of its line.
    let mut open: Vec<(usize, usize)> = Vec::new();
    let mut misindented = None;
    let mut chars = source.get(..at)?.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '{' => open.push((i, indentation(source, i).0)),
            '}' => {
                let (indent, starts_line) = indentation(source, i);
                if let Some(&(brace, inner)) = open.last()
                    && starts_line
                    && misindented.is_none()
                    && inner != indent
                    && open.iter().any(|&(_, outer)| outer == indent)
                {
                    misindented = Some(brace);
                }
                open.pop();
            }
            '"' => {
                // To the closing quote or the end of the line.
                while let Some((_, c)) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '"' | '\n' => break,
                        _ => {}
                    }
                }
            }
            '#' => {
                for (_, c) in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '/' if source.get(i + 1..).is_some_and(|r| r.starts_with('/')) => {
                for (_, c) in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    misindented.or_else(|| open.pop().map(|(brace, _)| brace))
}
