//! One run reports several syntax errors, and none that is only an echo of
//! an earlier one (issue 9, item 13).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use rubric::syntax::parse_all;

fn shipped_policies() -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "policy") {
            out.push((
                path.display().to_string(),
                std::fs::read_to_string(path).unwrap(),
            ));
        }
    }
    out
}

/// Misspelling any one word that starts a line (`ggroup`, `rrequire`, …) in
/// a shipped policy, or putting a stray word after it, gives exactly one
/// syntax error: recovery never turns one mistake into several.
#[test]
fn one_misspelled_word_anywhere_is_one_error() {
    for (name, source) in shipped_policies() {
        let mut offset = 0;
        for line in source.split_inclusive('\n') {
            let code = line.trim_start();
            let at = offset + (line.len() - code.len());
            offset += line.len();
            if !code.starts_with(|c: char| c.is_ascii_lowercase()) {
                continue;
            }
            // The line's first word misspelled, or a stray word after it.
            let word_end = at + code.find([' ', '\n']).unwrap_or(code.len());
            for text in [
                format!("{}{}{}", &source[..at], &source[at..at + 1], &source[at..]),
                format!("{} zzz{}", &source[..word_end], &source[word_end..]),
            ] {
                let Err(errors) = parse_all(&text) else {
                    continue;
                };
                assert_eq!(
                    errors.len(),
                    1,
                    "{name}: one mistake near byte {at} gave {} errors: {:?}",
                    errors.len(),
                    errors.iter().map(ToString::to_string).collect::<Vec<_>>()
                );
            }
        }
    }
}

/// Two misspellings in separate declarations are both reported, in order.
#[test]
fn two_mistakes_in_two_declarations_are_two_errors() {
    let text = "competency k {\n  tiers s\n  exam A-1 \"a\" retirs 2017-01-01\n  exam B-1 \"b\"\n  grop g = any of A-1\n}\n";
    let errors = parse_all(text).unwrap_err();
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 2, "{messages:?}");
    assert!(messages[0].ends_with("found `retirs`"), "{messages:?}");
    assert!(messages[1].ends_with("found `grop`"), "{messages:?}");
    assert!(errors[0].offset() < errors[1].offset());
}

/// A valid policy parses as with `parse`.
#[test]
fn a_valid_policy_parses_the_same() {
    for (name, source) in shipped_policies() {
        assert_eq!(
            parse_all(&source).unwrap(),
            rubric::syntax::parse(&source).unwrap(),
            "{name}"
        );
    }
}

/// Mistakes that change the blocks or cut a statement short (found by
/// mutation fuzzing): a `#` that comments out the rest of a line after its
/// first word, or one `}` deleted. Each is one error, or none, never more.
#[test]
fn a_cut_statement_or_a_lost_brace_is_at_most_one_error() {
    for (name, source) in shipped_policies() {
        let mut mutants = Vec::new();
        let mut offset = 0;
        for line in source.split_inclusive('\n') {
            let code = line.trim_start();
            let at = offset + (line.len() - code.len());
            offset += line.len();
            if let Some(space) = code.find(' ') {
                let cut = at + space;
                mutants.push((cut, format!("{}#{}", &source[..cut], &source[cut..])));
            }
        }
        for (brace, _) in source.match_indices('}') {
            mutants.push((
                brace,
                format!("{}{}", &source[..brace], &source[brace + 1..]),
            ));
        }
        for (at, text) in mutants {
            if let Err(errors) = parse_all(&text) {
                assert_eq!(
                    errors.len(),
                    1,
                    "{name}: one mistake at byte {at} gave {:?}",
                    errors.iter().map(ToString::to_string).collect::<Vec<_>>()
                );
            }
        }
    }
}

/// A revenue type left out is reported, and recovery goes on past it to
/// the next mistake.
#[test]
fn a_missing_revenue_type_is_one_error_among_others() {
    let text = "competency k {\n  tiers s\n  revenue crm = from \"CRM\" over trailing 12 months\n  \
                exam A \"a\"\n  grop g = any of A\n  usage seats = from \"BI\" over trailing 12 months\n}\n";
    let errors: Vec<String> = parse_all(text)
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        errors,
        [
            "expected a revenue type such as `net_new` before `from`",
            "expected a declaration (`exam`, `group`, `revenue`, `option`, ...), `available`, \
             `retires`, `registration until`, `formerly` or `}`, found `grop`",
            "expected a usage metric such as `deployed_seats` before `from`",
        ]
    );
}
