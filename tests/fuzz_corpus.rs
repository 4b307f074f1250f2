//! Replays the fuzz targets' saved corpus and every past crash (see
//! `FUZZING.md`) through the same checks the targets run, so that `cargo
//! test` keeps them passing without a fuzzer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../fuzz/checks.rs"]
mod checks;

/// Runs `check` on every file saved for `target`; returns how many.
fn replay(target: &str, check: fn(&[u8])) -> usize {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut count = 0;
    for dir in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        let mut files: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
        files.sort();
        for file in files {
            if file.is_file() {
                let bytes = std::fs::read(&file).unwrap();
                let result = std::panic::catch_unwind(|| check(&bytes));
                assert!(
                    result.is_ok(),
                    "{target}: {} fails its check",
                    file.display()
                );
                count += 1;
            }
        }
    }
    count
}

#[test]
fn the_policy_corpus_checks_without_panicking() {
    assert!(replay("policy", checks::policy) >= 80);
}

#[test]
fn the_format_corpus_round_trips() {
    assert!(replay("format", checks::format) >= 80);
}

#[test]
fn the_data_corpus_loses_no_good_record() {
    assert!(replay("data", checks::data) > 20);
}
