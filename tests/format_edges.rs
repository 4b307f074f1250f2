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
