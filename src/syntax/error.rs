//! Parse errors in words: pest's expected rules and tokens become phrases
//! ("expected a tier or `}`"), placed on the token that was found.

use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

use super::Rule;
use super::keywords::{self, Keyword, Place};

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
        /// Whether one run may go on after this error, and from where.
        resume: Resume,
    },
    /// A part of a statement left out just before a keyword: the keyword
    /// was taken for the part (`revenue crm = from ...`).
    #[error("expected {expected} before `{before}`")]
    #[diagnostic(code(E0100))]
    Missing {
        /// What is missing, in words.
        expected: String,
        /// The keyword found where the missing part should come first.
        before: String,
        /// The keyword.
        #[label("{label}")]
        span: SourceSpan,
        /// The label under the keyword.
        label: String,
        /// How the statement reads in full.
        #[help]
        help: String,
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

/// Whether [`parse_all`](super::parse_all) may drop the statement holding
/// an error and parse on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resume {
    /// The blocks are in doubt (a `{`, `competency` or the end of the file
    /// was expected): nothing is safe to resume from.
    Never,
    /// The error is inside a statement.
    InStatement,
    /// The parser wanted a new statement here: a declaration, a tier or a
    /// requirement.
    AtStatement,
}

/// One thing the parser would have accepted here, as a fact about the
/// grammar. Decisions (help, recovery, did-you-mean) are made on these;
/// [`Expected::phrase`] turns them into words last.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Expected {
    /// A keyword.
    Keyword(Keyword),
    /// Any of a competency's declarations, when most of them were expected.
    Declaration,
    /// A rule that is no keyword (a name, an amount, ...) with its phrase.
    Rule(Rule, &'static str),
    /// Punctuation, or a word tried inside an atomic rule (`at least`).
    Token(String),
}

impl Expected {
    /// The words for it in a message.
    fn phrase(&self) -> String {
        match self {
            Expected::Keyword(k) => format!("`{}`", k.reads),
            Expected::Declaration => {
                "a declaration (`exam`, `group`, `revenue`, `option`, ...)".to_owned()
            }
            Expected::Rule(_, phrase) => (*phrase).to_owned(),
            Expected::Token(token) => format!("`{token}`"),
        }
    }

    /// The words it accepts, for a did-you-mean on a misspelled keyword.
    fn words(&self) -> Vec<&str> {
        let words: Vec<&str> = match self {
            Expected::Keyword(k) => vec![k.reads],
            Expected::Declaration => keywords::at(Place::Declaration).map(|k| k.reads).collect(),
            Expected::Rule(_, phrase) => phrase
                .strip_prefix('`')
                .and_then(|p| p.strip_suffix('`'))
                .into_iter()
                .collect(),
            Expected::Token(token) => vec![token.as_str()],
        };
        words
            .into_iter()
            .filter(|w| w.chars().all(|c| c.is_ascii_lowercase() || c == ' '))
            .collect()
    }

    fn is_keyword(&self, keyword: Keyword) -> bool {
        *self == Expected::Keyword(keyword)
    }

    fn is_token(&self, token: &str) -> bool {
        matches!(self, Expected::Token(t) if t == token)
    }
}

/// What the parser would have accepted where `err` stopped: its rules
/// (each keyword of a choice on its own) and then the literal tokens it
/// tried, each once, with a competency's declarations summarised when most
/// of them were expected.
fn expected_of(err: &pest::error::Error<Rule>, positives: &[Rule]) -> Vec<Expected> {
    let mut out: Vec<Expected> = Vec::new();
    let mut push = |e: Expected| {
        if !out.contains(&e) {
            out.push(e);
        }
    };
    for &rule in positives {
        let opening = keywords::opening(rule);
        if opening.is_empty() {
            if let Some(phrase) = rule_phrase(rule) {
                push(Expected::Rule(rule, phrase));
            }
        } else {
            for keyword in opening {
                push(Expected::Keyword(*keyword));
            }
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
            if noise {
                continue;
            }
            push(match keywords::by_word(&token) {
                Some(keyword) => Expected::Keyword(*keyword),
                // `at` only starts `at least`, `more` only `more than`.
                None if token == "at" => Expected::Token("at least".to_owned()),
                None if token == "more" => Expected::Token("more than".to_owned()),
                None => Expected::Token(token),
            });
        }
    }
    // `allow` is an annotation most blocks never need: name it only where
    // nothing else would do, so `requires` reads "expected `require`".
    if out.len() > 1 {
        out.retain(|e| !e.is_keyword(keywords::ALLOW));
    }
    let declarations = out
        .iter()
        .filter(|e| matches!(e, Expected::Keyword(k) if k.place == Place::Declaration))
        .count();
    if declarations < 4 {
        return out;
    }
    std::iter::once(Expected::Declaration)
        .chain(
            out.into_iter()
                .filter(|e| !matches!(e, Expected::Keyword(k) if k.place == Place::Declaration)),
        )
        .collect()
}

/// How one run goes on after an error where `expected` was wanted.
fn resume(expected: &[Expected]) -> Resume {
    let blocks_in_doubt = expected.iter().any(|e| {
        e.is_token("{")
            || e.is_keyword(keywords::COMPETENCY)
            || matches!(e, Expected::Rule(Rule::branch | Rule::EOI, _))
    });
    let statement = expected.iter().any(|e| {
        *e == Expected::Declaration
            || e.is_keyword(keywords::REQUIRE)
            || e.is_keyword(keywords::TIER)
    });
    match (blocks_in_doubt, statement) {
        (true, _) => Resume::Never,
        (false, true) => Resume::AtStatement,
        (false, false) => Resume::InStatement,
    }
}

/// Each phrase once, in order: two alternatives may read alike (`>=` is
/// both the comparison rule and a token of it).
fn phrases(expected: &[Expected]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for phrase in expected.iter().map(Expected::phrase) {
        if !out.contains(&phrase) {
            out.push(phrase);
        }
    }
    out
}

impl SyntaxError {
    /// Where the error is: its primary label's first byte.
    pub fn offset(&self) -> usize {
        match self {
            SyntaxError::Unexpected { span, .. }
            | SyntaxError::Missing { span, .. }
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
            SyntaxError::Unexpected { span, resume, .. } => match resume {
                Resume::Never => None,
                Resume::InStatement => Some((span.offset(), false)),
                Resume::AtStatement => Some((span.offset(), true)),
            },
            SyntaxError::Missing { span, .. } => Some((span.offset(), false)),
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
        let (positives, negatives) = match &err.variant {
            ErrorVariant::ParsingError {
                positives,
                negatives,
            } => (positives.clone(), negatives.clone()),
            ErrorVariant::CustomError { .. } => {
                return SyntaxError::TooComplex {
                    span: SourceSpan::new(at.into(), 0),
                };
            }
        };
        let expected = expected_of(err, &positives);
        let phrases = phrases(&expected);
        let expected_words = join_or(&phrases);
        let (found, found_len) = if at_end {
            ("the end of the file".to_owned(), 0)
        } else {
            found_at(source, at)
        };
        // Keywords the parser would have taken here, for a did-you-mean.
        let candidates: Vec<&str> = expected.iter().flat_map(Expected::words).collect();
        let mut help = help_for(&expected, at_end);
        if !at_end && source.get(at..).is_some_and(|rest| rest.starts_with('"')) {
            // An escape other than `\"` and `\\` inside the string.
            if let Some((escape, len)) = bad_escape(source, at) {
                let text = source.get(escape..escape + len).unwrap_or("\\");
                return SyntaxError::Unexpected {
                    expected: "`\\\"` or `\\\\` after `\\`".to_owned(),
                    found: format!("`{text}`"),
                    span: SourceSpan::new(escape.into(), len),
                    label: "not an escape".to_owned(),
                    resume: Resume::InStatement,
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
        // A part left out before `from`, which was taken for it.
        if let Some(error) = missing_before_from(source, at, &negatives) {
            return error;
        }
        // A keyword of an outer block inside an inner one: a `}` is missing.
        if expected.iter().any(|e| e.is_token("}"))
            && let Some(error) = unclosed(source, at, at_end, &found, found_len)
        {
            return error;
        }
        // A misspelled keyword.
        if !at_end && let Some(word) = word_at(source, at) {
            let wrong = word.to_lowercase();
            let nearest = candidates
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
            && expected
                .iter()
                .any(|e| matches!(e, Expected::Rule(Rule::title | Rule::string, _)))
        {
            return SyntaxError::Unexpected {
                expected: "a closing `\"`".to_owned(),
                found: "the end of the line".to_owned(),
                span: SourceSpan::new(at.into(), 1),
                label: "this string is not closed on its line".to_owned(),
                help: Some(
                    "add the closing `\"`; a string cannot run over several lines".to_owned(),
                ),
                resume: Resume::InStatement,
            };
        }
        SyntaxError::Unexpected {
            label: format!("expected {expected_words} here"),
            expected: expected_words,
            found,
            span: SourceSpan::new(at.into(), found_len),
            help,
            resume: resume(&expected),
        }
    }
}

/// The phrase for a rule that is no keyword (keywords read as their word,
/// see [`keywords::opening`]), or `None` when the rule is never named: its
/// first token already says it, or it is a part of another rule.
fn rule_phrase(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::available_from => "`available from`",
        Rule::usage_metric => "a usage metric such as `deployed_seats`",
        Rule::paid_only => "`paid only`",
        Rule::field_values => "`=` and the field's values in quotes",
        Rule::field_one_of => "`one of` and values in quotes",
        Rule::per_month => "`per month`",
        Rule::every_month => "`in every month`",
        Rule::per_key => "`per` and a key such as `customer`",
        Rule::amount => "an amount such as `100_000 USD` or `250`",
        Rule::branch => "`{`",
        Rule::revenue_type => "a revenue type such as `net_new`",
        Rule::product_list => "a product name in quotes",
        Rule::window => "`trailing N months` or `last complete calendar year`",
        Rule::trailing_window => "`trailing N months`",
        Rule::month_day => "a month and day such as `06-30`",
        Rule::association_clause => "`as` and a partner-of-record kind",
        Rule::at_least => "`>=`",
        Rule::more_than => "`>`",
        Rule::market_thresholds => "a threshold per market such as `{ developed: 100_000 USD }`",
        Rule::market_threshold => "a market and its threshold",
        Rule::role => "a role such as `1 passing functional`",
        Rule::group_ref => "a group name",
        Rule::ident => "a name",
        Rule::exam_code | Rule::bare_code | Rule::exam_list => "an exam code",
        Rule::title | Rule::string => "a quoted string",
        Rule::string_inner => "the rest of the string",
        Rule::date => "a date such as `2017-06-27`",
        Rule::integer => "a whole number",
        Rule::number => "an amount",
        Rule::currency_code => "a currency code such as `USD`",
        Rule::EOI => "the end of the file",
        _ => return None,
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

fn help_for(expected: &[Expected], at_end: bool) -> Option<String> {
    let wants = |keyword: Keyword| expected.iter().any(|e| e.is_keyword(keyword));
    if at_end && expected.iter().any(|e| e.is_token("}")) {
        return Some("a block is not closed: add the missing `}`".to_owned());
    }
    if wants(keywords::PASSING) {
        return Some("a role reads `COUNT passing GROUP and GROUP`, e.g. `1 passing functional and deployment`".to_owned());
    }
    if wants(keywords::DISTINCT) && wants(keywords::SHARED) {
        return Some(
            "say whether the roles must be filled by different people: `require distinct people { ... }` or `require shared people { ... }`"
                .to_owned(),
        );
    }
    if wants(keywords::ANY) && wants(keywords::ALL) {
        return Some(
            "a group is `any of` (one member is enough; also written `one of`) or `all of` (every member is needed); a role may name a single credential directly: `1 passing CODE`"
                .to_owned(),
        );
    }
    if expected
        .iter()
        .any(|e| matches!(e, Expected::Rule(Rule::amount, _)))
    {
        return Some(
            "write an amount with its currency, e.g. `100_000 USD`, or a count, e.g. `250`"
                .to_owned(),
        );
    }
    None
}

/// `revenue crm = from "CRM Online" ...`: the revenue type (or usage
/// metric) left out. The grammar refuses `from` as the type by name
/// (`revenue_type_missing`), so the parser's refusal says which part is
/// missing before `from`.
fn missing_before_from(source: &str, at: usize, refused: &[Rule]) -> Option<SyntaxError> {
    let (what, example, help) = refused.iter().find_map(|rule| match rule {
        Rule::revenue_type_missing => Some((
            "revenue type",
            "net_new",
            "a revenue measure reads `revenue NAME = TYPE from \"PRODUCT\" over trailing N months`, \
             e.g. `revenue crm = net_new from \"CRM Online\" over trailing 12 months`",
        )),
        Rule::usage_metric_missing => Some((
            "usage metric",
            "deployed_seats",
            "a usage measure reads `usage NAME = METRIC from \"PRODUCT\" over trailing N months`, \
             e.g. `usage seats = deployed_seats from \"Power BI\" over trailing 12 months`",
        )),
        _ => None,
    })?;
    let word = word_at(source, at).filter(|w| *w == keywords::FROM.word)?;
    Some(SyntaxError::Missing {
        expected: format!("a {what} such as `{example}`"),
        before: word.to_owned(),
        span: SourceSpan::new(at.into(), word.len()),
        label: format!("the {what} goes before `{word}`"),
        help: help.to_owned(),
    })
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
        resume: Resume::InStatement,
    })
}

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
        // Words that open a block or item outside a tier's or option's braces.
        word_at(source, at)
            .filter(|w| keywords::by_word(w).is_some_and(|k| k.place != Place::Inner))?
    };
    let open = innermost_open_brace(source, if at_end { source.len() } else { at })?;
    // The block as its line reads up to the brace: `tier silver`.
    let line_start = source.get(..open)?.rfind('\n').map_or(0, |i| i + 1);
    let block = source.get(line_start..open)?.trim();
    let block = block.split('"').next().unwrap_or(block).trim();
    // Only a block that cannot hold the word found: a tier holds no
    // `tier`, an option no declarations, a people block no `require`. At
    // the competency's level a misplaced word is not a missing `}`.
    let require = keywords::REQUIRE.word;
    let holds = |kw: &str| match block.split_whitespace().next() {
        Some(w) if w == keywords::COMPETENCY.word => true,
        Some(w) if w == keywords::OPTION.word => kw == keywords::TIER.word,
        Some(w) if w == keywords::TIER.word => kw == require,
        // An `either` branch.
        Some(w) if w == require && block.contains(keywords::EITHER.word) => kw == require,
        Some("}") => kw == require,
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
