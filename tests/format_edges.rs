//! `rubric fmt` on input at the edges: huge names, comments inside
//! declarations, long lists and CRLF line ends (issue 9, items 1, 7 and 8).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use rubric::format::format;

/// Formats, then checks that a second pass changes nothing.
fn format_twice(source: &str) -> String {
    let once = format(source).unwrap();
    let twice = format(&once).unwrap();
    assert_eq!(once, twice, "formatting is not idempotent:\n{once}");
    once
}

/// Names past `format!`'s width limit (65,535) used to panic the aligner.
#[test]
fn names_longer_than_65535_characters_format_without_panicking() {
    let long = "a".repeat(70_000);
    let code = format!("X{}", "1".repeat(70_000));
    let source = format!(
        "competency k {{\n  market {long} \"M\"\n  market b \"B\"\n  exam {code} \"T\"\n  exam Y-1 \"U\"\n  \
         group {long} = any of {code}\n  group g = any of Y-1\n  tiers s\n}}\n"
    );
    let formatted = format_twice(&source);
    // The short names are padded to the long ones, as alignment asks.
    assert!(formatted.contains(&format!("  market b{} \"B\"", " ".repeat(69_999))));
    assert!(formatted.contains(&format!("  group {long} = any of {code}")));
}

/// The comments of a policy, in order.
fn comments(source: &str) -> Vec<String> {
    rubric::syntax::parse(source)
        .unwrap()
        .comments
        .into_iter()
        .map(|c| c.text)
        .collect()
}

/// Issue 9: comments on members of a group, a product list or a threshold
/// map were moved below the declaration, where they read as notes on the
/// next one.
#[test]
fn comments_among_list_members_stay_with_their_member() {
    let source = "competency k {\n  tiers s\n  market m\n  market n\n  exam A-1 \"a\"\n  exam B-1 \"b\"\n  \
                  group g = any of A-1, # first\n    # before B\n    B-1\n  \
                  revenue r = net_new from \"P\", # the old name\n    \"Q\" over trailing 12 months\n  \
                  option o {\n    tier s {\n      require r >= { m: 5 USD, # for m\n        n: 6 USD }\n      \
                  require distinct people { 1 passing g }\n    }\n  }\n}\n";
    let formatted = format_twice(source);
    for expected in [
        "  group g = any of\n    A-1, # first\n    # before B\n    B-1\n",
        "  revenue r = net_new from\n              \"P\", # the old name\n              \"Q\"\n              over trailing 12 months\n",
        "      require r >= {\n        m: 5 USD, # for m\n        n: 6 USD\n      }\n",
    ] {
        assert!(
            formatted.contains(expected),
            "{expected}\nnot in\n{formatted}"
        );
    }
    assert_eq!(comments(source), comments(&formatted));
}

/// Every gap between tokens of `source` (outside strings and comments), in
/// order, as the byte offset where the gap starts.
fn gaps(source: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let bytes = source.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b' ' | b'\n' if i > 0 && !matches!(bytes[i - 1], b' ' | b'\n') => out.push(i),
            _ => {}
        }
        i += 1;
    }
    out
}

/// A comment, on its own line or after code, put between any two tokens of
/// every shipped policy: formatting keeps it, in order, keeps the meaning,
/// and a second pass changes nothing.
#[test]
fn a_comment_anywhere_formats_idempotently_in_place() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut sources = Vec::new();
    for dir in ["policies", "tests/shapes"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "policy") {
                sources.push(std::fs::read_to_string(path).unwrap());
            }
        }
    }
    for source in &sources {
        let gaps = gaps(source);
        // A spread of gaps through each file.
        let step = (gaps.len() / 40).max(1);
        for (k, &at) in gaps.iter().enumerate().step_by(step) {
            let insert = match k % 3 {
                0 => " # after code\n",
                1 => "\n# own line\n",
                _ => "\n\n  // after a blank line\n",
            };
            let text = format!("{}{insert}{}", &source[..at], &source[at..]);
            let once = format(&text).unwrap();
            let twice = format(&once).unwrap();
            assert_eq!(
                once, twice,
                "not idempotent with a comment at {at}:\n{text}"
            );
            assert_eq!(comments(&text), comments(&once), "comments moved:\n{text}");
            let meaning =
                |t: &str| rubric::load_policy(t).map(|p| format!("{:?}", p.options.len()));
            assert_eq!(meaning(&text).is_ok(), meaning(&once).is_ok());
        }
    }
}

/// Issue 9: a 268-column product list passed `fmt --check`.
#[test]
fn long_product_lists_and_thresholds_wrap_at_100_columns() {
    let products: Vec<String> = (0..9)
        .map(|i| format!("\"Product number {i} with a long name\""))
        .collect();
    let markets: Vec<String> = (0..12).map(|i| format!("market m{i}")).collect();
    let thresholds: Vec<String> = (0..12).map(|i| format!("m{i}: 100,000 USD")).collect();
    let source = format!(
        "competency k {{ tiers s currency USD {} revenue r = net_new from {} over trailing 12 months as dpor \
         association dpor option o {{ tier s {{ require r >= {{ {} }} }} }} }}\n",
        markets.join(" "),
        products.join(", "),
        thresholds.join(", ")
    );
    assert!(source.lines().any(|l| l.chars().count() > 268));
    let formatted = format_twice(&source);
    for line in formatted.lines() {
        assert!(
            line.chars().count() <= 100,
            "{} columns: {line}",
            line.chars().count()
        );
    }
    assert!(formatted.contains(
        "  revenue r = net_new from \"Product number 0 with a long name\", \"Product number 1 with a long name\",\n              \"Product number 2"
    ), "{formatted}");
    assert!(
        formatted.contains("              over trailing 12 months as dpor\n"),
        "{formatted}"
    );
    assert!(
        formatted.contains("      require r >= {\n        m0: 100_000 USD,\n"),
        "{formatted}"
    );
}

/// A product longer than a line is not broken; it gets a line of its own.
#[test]
fn a_product_longer_than_a_line_stays_whole() {
    let long = "P".repeat(120);
    let source = format!(
        "competency k {{ tiers s revenue r = net_new from \"A\", \"{long}\", \"B\" over trailing 12 months }}\n"
    );
    let formatted = format_twice(&source);
    assert!(
        formatted.contains(&format!(
            "  revenue r = net_new from \"A\",\n              \"{long}\",\n              \"B\"\n"
        )),
        "{formatted}"
    );
}

/// Issue 9: a CRLF file failed `fmt --check` on every line.
#[test]
fn crlf_line_ends_are_kept() {
    let lf = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/policies/cloud_crm.policy"
    ))
    .unwrap();
    let crlf = lf.replace('\n', "\r\n");
    assert_eq!(format(&crlf).unwrap(), crlf);
    assert_eq!(format(&lf).unwrap(), lf);
    // A messy CRLF file comes out tidy and still CRLF.
    let messy =
        "competency k {  tiers s # ladder\r\n\r\n\r\n  option o {tier s{require attribute a}}}\r\n";
    let formatted = format_twice(messy);
    assert!(
        formatted.contains("  tiers s # ladder\r\n\r\n  option o {\r\n"),
        "{formatted:?}"
    );
    assert!(
        !formatted.replace("\r\n", "").contains('\n'),
        "{formatted:?}"
    );
}

/// The test shapes are formatted, as the shipped policies are.
#[test]
fn test_shapes_are_fmt_clean() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/shapes");
    for entry in std::fs::read_dir(dir).unwrap() {
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

/// `rubric fmt --check` on a CRLF file that is formatted passes.
#[test]
fn fmt_check_passes_on_a_formatted_crlf_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crlf.policy");
    let lf = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/policies/cloud_crm.policy"
    ))
    .unwrap();
    std::fs::write(&path, lf.replace('\n', "\r\n")).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rubric"))
        .args(["fmt", "--check", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
