//! Grammar rules, tested one by one on the text each must (or must not)
//! consume whole, and lowering tested on the tree it builds.

use pest::Parser as _;

use super::{PolicyParser, Rule, parse};
use crate::ast::{Item, Requirement, Sharing, Span, Threshold};

/// Whether `rule` matches all of `text`.
fn whole(rule: Rule, text: &str) -> bool {
    PolicyParser::parse(rule, text)
        .ok()
        .and_then(|mut pairs| pairs.next())
        .is_some_and(|pair| pair.as_span().end() == text.len())
}

#[test]
fn amounts_take_underscores_commas_and_cents() {
    for text in ["100000", "100_000", "100,000", "1,234,567.89", "-5"] {
        assert!(whole(Rule::number, text), "{text}");
    }
    assert!(!whole(Rule::number, "100,"));
}

#[test]
fn amounts_are_money_either_way_round_or_plain_counts() {
    assert!(whole(Rule::amount, "100_000 USD"));
    assert!(whole(Rule::amount, "USD 100_000"));
    assert!(whole(Rule::amount, "250"));
    assert!(!whole(Rule::amount, "USD"));
}

#[test]
fn credentials_carry_kind_and_dates() {
    for text in [
        "exam MB2-714",
        "assessment \"Technical Assessment for Cloud Platform\"",
        "certification \"MCSA: Linux on Azure\" available from 2016-01-01",
        "exam 70-534 \"Architecting Azure\" retires 2017-12-31 accepted until 2018-12-31",
    ] {
        assert!(whole(Rule::exam_decl, text), "{text}");
    }
}

#[test]
fn groups_are_any_or_all_of_members() {
    assert!(whole(Rule::group_decl, "group bi = all of 70-767, 70-768"));
    assert!(whole(
        Rule::group_decl,
        "group focus = any of bi, advanced, big_data"
    ));
    assert!(!whole(Rule::group_decl, "group focus = some of bi"));
}

#[test]
fn measures_over_usage_and_customers() {
    for text in [
        "usage seats = deployed_seats from \"Power BI\" over trailing 12 months as por, paid only",
        "usage peak = max active_users from \"Office 365\" over trailing 3 months",
    ] {
        assert!(whole(Rule::usage_decl, text), "{text}");
    }
    assert!(whole(
        Rule::derived_decl,
        "measure new_customers = distinct customers of crm"
    ));
}

#[test]
fn requirements_name_attributes_alternatives_and_monthly_averages() {
    assert!(whole(
        Rule::attribute_requirement,
        "require attribute surface_hub_reseller"
    ));
    assert!(whole(
        Rule::measure_requirement,
        "require devices per month >= 4"
    ));
    assert!(whole(
        Rule::either_requirement,
        "require either { require distinct people { 2 passing a } } or { require shared people { 2 passing b } }"
    ));
    assert!(!whole(
        Rule::either_requirement,
        "require either { require attribute x }"
    ));
}

#[test]
fn exam_codes_may_be_bare_or_quoted() {
    for text in ["MB2-714", "70-532", "AZ_900.1", "\"MCSA: Linux on Azure\""] {
        assert!(whole(Rule::exam_code, text), "{text}");
    }
    assert!(!whole(Rule::exam_code, "-714"));
}

#[test]
fn a_role_may_name_its_people() {
    for text in [
        "1 passing functional",
        "1 person passing functional and deployment",
        "2 people passing customization",
    ] {
        assert!(whole(Rule::role, text), "{text}");
    }
    assert!(!whole(Rule::role, "1 functional"));
}

#[test]
fn group_names_cannot_be_and_or_or() {
    assert!(!whole(Rule::group_ref, "and"));
    assert!(whole(Rule::group_ref, "android"));
}

#[test]
fn at_least_has_three_spellings() {
    for text in [">=", "≥", "at least"] {
        assert!(whole(Rule::at_least, text), "{text}");
    }
}

#[test]
fn strings_keep_utf8_and_unescape_quotes() {
    let file = parse("competency k \"클라우드 \\\"CRM\\\" 역량\" { tiers silver }").unwrap();
    assert_eq!(
        file.competency.title.unwrap().value,
        "클라우드 \"CRM\" 역량"
    );
}

#[test]
fn every_comment_is_kept_with_its_span() {
    let source = "# head\ncompetency k { // trailing\n  tiers silver # after\n}\n";
    let file = parse(source).unwrap();
    let texts: Vec<&str> = file.comments.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(texts, ["# head", "// trailing", "# after"]);
    for comment in &file.comments {
        assert_eq!(&source[comment.span.range()], comment.text);
    }
}

#[test]
fn lowering_keeps_spans_of_names() {
    let source = "competency k { tiers silver, gold option o { tier gold { require shared people { 2 passing a and b } } } }";
    let file = parse(source).unwrap();
    let Some(Item::Option(option)) = file.competency.items.get(1) else {
        panic!("no option")
    };
    let tier = &option.tiers[0];
    assert_eq!(&source[tier.name.span.range()], "gold");
    let Requirement::People(people) = &tier.requirements[0] else {
        panic!("not people")
    };
    assert_eq!(people.sharing, Sharing::Shared);
    let role = &people.roles[0];
    assert_eq!(role.count.text, "2");
    let groups: Vec<&str> = role
        .groups
        .iter()
        .map(|g| &source[g.span().range()])
        .collect();
    assert_eq!(groups, ["a", "b"]);
}

#[test]
fn thresholds_per_market_or_everywhere() {
    let source = "competency k { tiers s option o { tier s { require m >= { developed: 1 USD, developing: 2 USD, } require m at least USD 5 } } }";
    let file = parse(source).unwrap();
    let Some(Item::Option(option)) = file.competency.items.get(1) else {
        panic!("no option")
    };
    let reqs = &option.tiers[0].requirements;
    let Requirement::Measure(per_market) = &reqs[0] else {
        panic!()
    };
    let Threshold::PerMarket(entries, _) = &per_market.threshold else {
        panic!()
    };
    assert_eq!(entries.len(), 2);
    let Requirement::Measure(everywhere) = &reqs[1] else {
        panic!()
    };
    let Threshold::Everywhere(money) = &everywhere.threshold else {
        panic!()
    };
    assert_eq!(money.number.text, "5");
    let currency = money.currency.as_ref().unwrap();
    assert_eq!(
        currency.span,
        Span::new(
            source.find("USD 5").unwrap(),
            source.find("USD 5").unwrap() + 3
        )
    );
}

#[test]
fn keywords_must_be_separate_words() {
    assert!(parse("competency k { tierssilver }").is_err());
}

/// `depth` levels of `{`: competency, option, tier, then `either` branches.
fn nested(depth: usize) -> String {
    let eithers = depth - 3;
    let mut text = String::from("competency k { tiers s option o { tier s {\n");
    text.push_str(&"require either {\n".repeat(eithers));
    text.push_str("require attribute a\n");
    text.push_str(&"} or { require attribute a }\n".repeat(eithers));
    text.push_str("} } }\n");
    text
}

/// Issue 9: pest's own guard stopped at a depth that depended on where the
/// native stack happened to start, so E0101 moved from run to run.
#[test]
fn nesting_too_deep_is_refused_at_the_same_brace_every_time() {
    let text = nested(3_000);
    let expected = super::SyntaxError::too_deep(
        text.match_indices('{').nth(super::MAX_NESTING).unwrap().0,
        super::MAX_NESTING,
    );
    for _ in 0..3 {
        assert_eq!(parse(&text).unwrap_err(), expected);
    }
    // Braces in strings and comments are not blocks.
    let quoted = format!(
        "competency k \"{}\" {{ # {}\n tiers s }}",
        "{".repeat(100),
        "{".repeat(100)
    );
    assert!(parse(&quoted).is_ok());
}

/// The deepest nesting allowed parses within a test thread's 2 MiB stack,
/// even unoptimised, far from pest's stack guard.
#[test]
fn the_deepest_nesting_allowed_parses() {
    let parsed = parse(&nested(super::MAX_NESTING)).unwrap();
    assert_eq!(parsed.competency.id.name, "k");
    assert!(parse(&nested(super::MAX_NESTING + 1)).is_err());
}

/// Issue 9: an invalid escape was reported as a string that is not closed.
#[test]
fn an_invalid_escape_is_named_and_an_unclosed_string_still_is() {
    let message = |text: &str| parse(text).unwrap_err().to_string();
    assert_eq!(
        message("competency k \"a \\q b\" { tiers s }"),
        "expected `\\\"` or `\\\\` after `\\`, found `\\q`"
    );
    assert_eq!(
        message("competency k \"a \\\" \\\\ b { tiers s }\n"),
        "expected a closing `\"`, found the end of the line"
    );
    assert!(parse("competency k \"a \\\" \\\\ b\" { tiers s }").is_ok());
}

/// A misspelled keyword gets the nearest keyword the parser would take there.
#[test]
fn a_misspelled_keyword_gets_a_did_you_mean() {
    let help = |text: &str| {
        let err = parse(text).unwrap_err();
        miette::Diagnostic::help(&err).map(|h| h.to_string())
    };
    assert_eq!(
        help("competency k { tiers s exam A \"a\" retirs 2017-01-01 }").as_deref(),
        Some("did you mean `retires`?")
    );
    assert_eq!(
        help("competency k { tiers s optoin o { } }").as_deref(),
        Some("did you mean `option`?")
    );
    // A word nothing like a keyword gets no guess.
    assert_eq!(help("competency k { tiers s xyzzy }"), None);
}

/// Every `kw_` rule of the grammar has its row in the keyword table, and
/// each row's word is what its rule matches.
#[test]
fn the_keyword_table_and_the_grammar_agree() {
    use super::keywords::{KEYWORDS, by_rule};
    for rule in Rule::all_rules() {
        if format!("{rule:?}").starts_with("kw_") {
            assert!(by_rule(*rule).is_some(), "{rule:?} has no keyword row");
        }
    }
    for keyword in KEYWORDS {
        assert!(whole(keyword.rule, keyword.word), "{}", keyword.word);
        let rows = KEYWORDS.iter().filter(|k| k.word == keyword.word).count();
        assert_eq!(rows, 1, "`{}` has {rows} rows", keyword.word);
    }
}

/// `item_keyword` (the words an empty group's list stops at) is exactly the
/// table's declaration keywords.
#[test]
fn item_keywords_are_the_declaration_keywords() {
    use super::keywords::{KEYWORDS, Place};
    for keyword in KEYWORDS {
        let declaration = keyword.place == Place::Declaration;
        assert_eq!(
            whole(Rule::item_keyword, keyword.word),
            declaration,
            "{}",
            keyword.word
        );
    }
    assert!(!whole(Rule::item_keyword, "exam-1"));
}

/// Every rule of the grammar carries a `///` doc line.
#[test]
fn every_grammar_rule_is_documented() {
    let grammar = include_str!("../../grammar/rubric.pest");
    let mut previous = "";
    let mut undocumented = Vec::new();
    for line in grammar.lines() {
        let is_rule = line.split_once('=').is_some_and(|(name, body)| {
            !name.trim().is_empty()
                && name
                    .trim()
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !line.starts_with(' ')
                && body
                    .trim_start()
                    .trim_start_matches(['_', '@', '$', '!'])
                    .starts_with('{')
        });
        if is_rule && !previous.starts_with("///") {
            undocumented.push(line.to_owned());
        }
        if !line.trim().is_empty() {
            previous = line;
        }
    }
    assert!(
        undocumented.is_empty(),
        "rules without `///`: {undocumented:#?}"
    );
    let rules = grammar
        .lines()
        .filter(|l| l.contains("= @{") || l.contains("= {"))
        .count();
    assert!(rules > 60, "only {rules} rules found");
}

/// Lowering decides on the keyword's rule, not its text.
#[test]
fn quantifier_sharing_and_kind_are_read_from_their_rules() {
    let file = parse(
        "competency k { tiers s assessment A certification B group g = all of A, B \
         option o { tier s { require shared people { 1 passing g } } } }",
    )
    .unwrap();
    let items = &file.competency.items;
    assert!(items.iter().any(|i| matches!(i, Item::Exam(e)
        if e.kind == crate::ast::CredentialKind::Assessment)));
    assert!(items.iter().any(|i| matches!(i, Item::Exam(e)
        if e.kind == crate::ast::CredentialKind::Certification)));
    assert!(items.iter().any(|i| matches!(i, Item::Group(g)
        if g.quantifier == crate::ast::Quantifier::All)));
    let Some(Item::Option(option)) = items.last() else {
        panic!("no option")
    };
    let Some(Requirement::People(people)) = option.tiers[0].requirements.first() else {
        panic!("no people requirement")
    };
    assert_eq!(people.sharing, Sharing::Shared);
}

/// Each alternative is named once, and a group's quantifier gets a hint.
#[test]
fn expected_alternatives_are_named_once() {
    let err = parse("competency k { tiers s group g = some of A }").unwrap_err();
    assert_eq!(
        err.to_string(),
        "expected `any`, `one` or `all`, found `some`"
    );
    let help = miette::Diagnostic::help(&err).map(|h| h.to_string());
    assert!(help.is_some_and(|h| h.contains("`any of`") && h.contains("`all of`")));
    for text in [
        "competency k { tiers s group g = some of A }",
        "competency k { tiers s option o { tier s { require crm = 5 } } }",
        "competency k { tiers s exam A \"a\" retirs 2017-01-01 }",
        "competency k { tiers s xyzzy }",
    ] {
        let message = parse(text).unwrap_err().to_string();
        let expected = message.split(", found").next().unwrap_or("");
        let mut seen = std::collections::HashSet::new();
        for word in expected.split('`').skip(1).step_by(2) {
            assert!(seen.insert(word), "{word} named twice in: {message}");
        }
    }
}

/// A revenue type or usage metric left out is missing before `from`, not
/// a `from` missing after it.
#[test]
fn a_type_left_out_is_missing_before_from() {
    let text = "competency k { tiers s revenue crm = from \"CRM\" over trailing 12 months }";
    let err = parse(text).unwrap_err();
    assert_eq!(
        err.to_string(),
        "expected a revenue type such as `net_new` before `from`"
    );
    let at = text.find("from").unwrap();
    assert_eq!(err.offset(), at);
    let text = "competency k { tiers s usage seats = from \"BI\" over trailing 12 months }";
    assert_eq!(
        parse(text).unwrap_err().to_string(),
        "expected a usage metric such as `deployed_seats` before `from`"
    );
    // Still a type named `from_crm` is a type.
    assert!(
        parse(
            "competency k { tiers s revenue crm = from_crm from \"CRM\" over trailing 12 months }"
        )
        .is_ok()
    );
}
