//! `rubric fmt`: one canonical layout that keeps every comment, is idempotent
//! and preserves the meaning of the policy (its checked model, spans aside).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use rubric::format::format;

fn policy_files() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in [
        "policies",
        "tests/shapes",
        "tests/diagnostics/policy",
        "tests/format",
    ] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "policy") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The checked model as text with every span left out, or the error codes.
fn meaning(source: &str) -> Result<String, Vec<String>> {
    match rubric::load_policy(source) {
        Ok(policy) => Ok(without_spans(&format!("{policy:?}"))),
        Err(err) => Err(err
            .diagnostics()
            .iter()
            .map(|d| d.code().map(|c| c.to_string()).unwrap_or_default())
            .collect()),
    }
}

fn without_spans(debug: &str) -> String {
    let mut out = String::new();
    let mut rest = debug;
    while let Some(i) = rest.find("Span { start: ") {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        let end = after.find('}').unwrap();
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

fn comments(source: &str) -> Vec<String> {
    rubric::syntax::parse(source)
        .unwrap()
        .comments
        .into_iter()
        .map(|c| c.text)
        .collect()
}

/// What became of one policy file in the every-policy test.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    /// Formatted, and the round trip held.
    Formatted,
    /// Not formatted: the file does not parse (a syntax-error fixture).
    Skipped,
}

/// Formatting keeps the meaning and every comment, in order, and a second
/// pass changes nothing. A file that does not parse is skipped, and says so.
fn assert_well_formatted(name: &str, source: &str) -> Outcome {
    let Ok(once) = format(source) else {
        return Outcome::Skipped;
    };
    let twice = format(&once)
        .unwrap_or_else(|e| panic!("{name}: formatted text does not parse: {e:?}\n{once}"));
    assert_eq!(once, twice, "{name}: formatting is not idempotent");
    assert_eq!(
        meaning(source),
        meaning(&once),
        "{name}: formatting changed the meaning"
    );
    assert_eq!(
        comments(source),
        comments(&once),
        "{name}: formatting lost or moved comments"
    );
    Outcome::Formatted
}

#[test]
fn every_policy_in_the_repository_formats_idempotently_keeping_meaning_and_comments() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let (mut formatted, mut skipped) = (Vec::new(), Vec::new());
    for path in policy_files() {
        let source = std::fs::read_to_string(&path).unwrap();
        let name = path
            .strip_prefix(&root)
            .unwrap_or(&path)
            .display()
            .to_string();
        match assert_well_formatted(&name, &source) {
            Outcome::Formatted => formatted.push(name),
            Outcome::Skipped => skipped.push(name),
        }
    }
    eprintln!(
        "formatted {} policy files; skipped {} that do not parse:\n  {}",
        formatted.len(),
        skipped.len(),
        skipped.join("\n  ")
    );
    // Every shipped policy and every well-formed fixture must be among the
    // formatted ones, so that the test cannot pass by skipping them all.
    // Only syntax-error fixtures (E01xx) may be skipped.
    let unexpected: Vec<&String> = skipped
        .iter()
        .filter(|name| {
            let file = Path::new(name.as_str())
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default();
            !(name.starts_with("tests/diagnostics/policy") && file.starts_with("E01"))
        })
        .collect();
    assert!(
        unexpected.is_empty(),
        "these files do not parse, so they were not formatted: {unexpected:?}"
    );
    let shipped = formatted
        .iter()
        .filter(|n| n.starts_with("policies"))
        .count();
    assert!(
        shipped >= 4,
        "only {shipped} shipped policies were formatted"
    );
    assert!(
        formatted.len() >= 60,
        "only {} policy files were formatted ({} skipped)",
        formatted.len(),
        skipped.len()
    );
}

#[test]
fn shipped_policies_are_already_formatted() {
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/policies")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "policy") {
            let source = std::fs::read_to_string(&path).unwrap();
            assert_eq!(
                format(&source).unwrap(),
                source,
                "{} is not formatted",
                path.display()
            );
        }
    }
}

#[test]
fn every_comment_style_survives_in_place() {
    let source = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/format/every_comment_style.policy"
    ))
    .unwrap();
    let formatted = format(&source).unwrap();
    insta::with_settings!({snapshot_path => "format/snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("every_comment_style", formatted);
    });
}

#[test]
fn numbers_currencies_and_comparisons_take_one_form() {
    let source = "competency k { currency USD market m tiers s revenue r = t from \"P\" over trailing 12 months \
                  option o { tier s { require r ≥ { m: USD 100,000.50 } require r at least 2500000 USD } } }";
    let formatted = format(source).unwrap();
    assert!(
        formatted.contains("require r >= { m: 100_000.50 USD }"),
        "{formatted}"
    );
    assert!(
        formatted.contains("require r >= 2_500_000 USD"),
        "{formatted}"
    );
}

/// Perturbs layout only: each run of whitespace outside strings and
/// comments becomes other whitespace with the same role. A blank line stays
/// a blank line (the author's paragraph breaks are kept by design), a line
/// break stays a line break, and spaces become spaces, tabs or, unless a
/// comment follows on that line, a line break.
fn perturb(source: &str, choices: &[u8]) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::new();
    let (mut i, mut k) = (0, 0);
    let mut pick = || {
        let c = choices.get(k % choices.len().max(1)).copied().unwrap_or(0);
        k += 1;
        c
    };
    while i < chars.len() {
        let c = chars[i];
        if c == '"' {
            // A string, escapes included.
            out.push(c);
            i += 1;
            while i < chars.len() {
                out.push(chars[i]);
                if chars[i] == '\\' && i + 1 < chars.len() {
                    out.push(chars[i + 1]);
                    i += 2;
                    continue;
                }
                i += 1;
                if chars[i - 1] == '"' {
                    break;
                }
            }
        } else if c == '#' || (c == '/' && chars.get(i + 1) == Some(&'/')) {
            while i < chars.len() && chars[i] != '\n' {
                out.push(chars[i]);
                i += 1;
            }
        } else if c.is_whitespace() {
            let start = i;
            while i < chars.len() && chars[i].is_whitespace() {
                i += 1;
            }
            let newlines = chars[start..i].iter().filter(|c| **c == '\n').count();
            let comment_next = matches!(chars.get(i), Some('#') | Some('/'));
            let indent = ["", " ", "    ", "\t"][usize::from(pick() % 4)];
            match newlines {
                0 if comment_next || i == chars.len() => {
                    out.push_str([" ", "  ", "\t"][usize::from(pick() % 3)])
                }
                0 => out.push_str([" ", "  ", "\t", "\n"][usize::from(pick() % 4)]),
                1 => {
                    out.push('\n');
                    out.push_str(indent);
                }
                _ => {
                    out.push_str("\n\n");
                    out.push_str(indent);
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_layout_of_a_policy_formats_to_the_same_text(
        which in 0usize..64,
        choices in proptest::collection::vec(any::<u8>(), 1..64),
    ) {
        let files = policy_files();
        let path = &files[which % files.len()];
        let source = std::fs::read_to_string(path).unwrap();
        let Ok(canonical) = format(&source) else { return Ok(()) };
        let shuffled = perturb(&source, &choices);
        let reformatted = format(&shuffled).unwrap();
        prop_assert_eq!(&reformatted, &canonical, "{}", path.display());
        prop_assert_eq!(meaning(&shuffled), meaning(&source));
    }
}

fn rubric(args: &[&str], stdin: Option<&str>) -> std::process::Output {
    use std::io::Write as _;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_rubric"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

#[test]
fn check_mode_prints_a_unified_diff_changes_nothing_and_exits_1() {
    let path = "tests/format/messy.policy";
    let before = std::fs::read_to_string(path).unwrap();
    let out = rubric(&["fmt", "--check", path], None);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(path).unwrap(), before);
    let diff = String::from_utf8(out.stdout).unwrap();
    insta::with_settings!({snapshot_path => "format/snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("messy_check_diff", diff);
    });
}

#[test]
fn check_mode_passes_on_the_shipped_policies() {
    let out = rubric(&["fmt", "--check", "policies"], None);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn a_dash_formats_stdin_to_stdout() {
    let messy = std::fs::read_to_string("tests/format/messy.policy").unwrap();
    let out = rubric(&["fmt", "-"], Some(&messy));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format(&messy).unwrap()
    );
}

#[test]
fn fmt_rewrites_files_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("messy.policy");
    let messy = std::fs::read_to_string("tests/format/messy.policy").unwrap();
    std::fs::write(&path, &messy).unwrap();
    let out = rubric(&["fmt", dir.path().to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        format(&messy).unwrap()
    );
}

#[test]
fn a_policy_that_does_not_parse_is_reported_not_formatted() {
    let out = rubric(&["fmt", "-"], Some("competency k {"));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("E0100"));
}

/// Policies generated from the language's constructs, with comments and
/// numbers in every form, format idempotently, keeping meaning and comments.
mod generated {
    use proptest::prelude::*;

    use super::{assert_well_formatted, format};

    fn comment() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            Just(String::new()),
            "[a-z ]{0,12}".prop_map(|t| format!(" # {t}")),
            "[a-z ]{0,12}".prop_map(|t| format!(" // {t}")),
        ]
    }

    fn amount() -> impl Strategy<Value = String> {
        (1u32..2_000_000, 0usize..4).prop_map(|(n, form)| {
            let grouped = |sep: char| {
                let digits = n.to_string();
                let mut out = String::new();
                for (i, c) in digits.chars().enumerate() {
                    if i > 0 && (digits.len() - i) % 3 == 0 {
                        out.push(sep);
                    }
                    out.push(c);
                }
                out
            };
            match form {
                0 => format!("{n} USD"),
                1 => format!("{} USD", grouped('_')),
                2 => format!("USD {}", grouped(',')),
                _ => format!("{}.50 USD", grouped(',')),
            }
        })
    }

    prop_compose! {
        fn policy()(
            exams in 1usize..5,
            groups in proptest::collection::vec((any::<bool>(), proptest::collection::vec(0usize..5, 1..4), comment()), 1..4),
            tiers in proptest::collection::vec(
                (amount(), amount(), 1u32..4, any::<bool>(), any::<bool>(), comment(), comment()),
                1..3,
            ),
            head_comment in comment(),
            spaces in proptest::collection::vec(prop_oneof![Just(" "), Just("  "), Just("\n"), Just("\n\n  ")], 8),
        ) -> String {
            let s = |i: usize| spaces[i % spaces.len()];
            let mut out = format!("# generated{}\ncompetency gen \"Generated\" {{{head_comment}\n", s(0));
            out.push_str("  version \"1\" effective 2017-01-01\n  currency USD\n  market developed\n  market developing\n");
            out.push_str("  association dpor\n  tiers silver, gold\n");
            for e in 0..exams {
                out.push_str(&format!("  exam X-{e}{}\"Exam {e}\"\n", s(e)));
            }
            for (g, (all, members, c)) in groups.iter().enumerate() {
                let members: Vec<String> = members.iter().map(|m| format!("X-{}", m % exams)).collect();
                // An `all of` group may also name the group before it.
                let mut members = members;
                if *all && g > 0 {
                    members.push(format!("g{}", g - 1));
                }
                let quantifier = if *all { "all" } else { "any" };
                out.push_str(&format!("  group g{g}{}={}{quantifier} of {}{c}\n", s(g + 1), s(g + 2), members.join(" , ")));
            }
            out.push_str("  revenue r = net_new from \"P\", \"Q\" over trailing 12 months as dpor\n");
            out.push_str("  option o \"O\" {\n");
            for (t, (low, high, count, per_market, shared, c1, c2)) in tiers.iter().enumerate() {
                let name = ["silver", "gold"][t];
                out.push_str(&format!("    tier {name} {{{c1}\n"));
                if *per_market {
                    out.push_str(&format!("      require r >= {{ developed: {low}, developing: {high} }}{c2}\n"));
                } else {
                    out.push_str(&format!("      require r{}>={}{low}{c2}\n", s(t), s(t + 3)));
                }
                let sharing = if *shared { "shared" } else { "distinct" };
                out.push_str(&format!(
                    "      require {sharing} people {{\n        {count} people passing g0\n        1 passing g{} and g0 }}\n",
                    groups.len() - 1
                ));
                out.push_str("    }\n");
            }
            out.push_str("  }\n}\n");
            out
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn generated_policies_format_idempotently_keeping_meaning_and_comments(source in policy()) {
            prop_assert!(format(&source).is_ok(), "{source}");
            // Valid policies, so that keeping their meaning is a real check.
            prop_assert!(rubric::load_policy(&source).is_ok(), "{source}");
            assert_well_formatted("generated", &source);
        }
    }
}
