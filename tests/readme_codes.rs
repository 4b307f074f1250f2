//! Every diagnostic code the library declares is in a README table (issue 9:
//! E0199 was missing).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::{declared_codes, is_code};
use std::collections::BTreeSet;

/// Codes named in the first cell of a README table row: single codes, lists
/// (`E0307, E0308`) and ranges (`E0201–E0206`).
fn documented_codes() -> BTreeSet<String> {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let mut codes = BTreeSet::new();
    for line in readme.lines() {
        let Some(cell) = line
            .strip_prefix('|')
            .and_then(|rest| rest.split('|').next())
        else {
            continue;
        };
        for part in cell.split(',') {
            let part = part.trim();
            match part.split_once('–') {
                Some((from, to)) if is_code(from) && is_code(to) => {
                    let (letter, low) = from.split_at(1);
                    let high: u32 = to[1..].parse().unwrap();
                    for n in low.parse::<u32>().unwrap()..=high {
                        codes.insert(format!("{letter}{n:04}"));
                    }
                }
                _ if is_code(part) => {
                    codes.insert(part.to_owned());
                }
                _ => {}
            }
        }
    }
    codes
}

#[test]
fn every_declared_code_is_in_a_readme_table() {
    let documented = documented_codes();
    assert!(documented.contains("E0100") && documented.contains("W0105"));
    let missing: Vec<String> = declared_codes().difference(&documented).cloned().collect();
    assert!(
        missing.is_empty(),
        "codes missing from the README's tables: {missing:?}"
    );
}
