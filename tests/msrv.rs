//! The `rust-version` in `Cargo.toml` is true: no lower than what every
//! locked dependency declares, nor than the language features the code uses.
//!
//! Only checks that need no extra toolchain: `cargo metadata` (offline) for
//! the dependencies, a scan of the sources for features. Standard-library
//! APIs newer than the declared version are caught by clippy's
//! `incompatible_msrv` lint, which reads the same field and runs in CI with
//! `-D warnings`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;
use std::process::Command;

const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");

/// `1.88` or `1.88.0` as comparable numbers (a missing patch is 0).
fn version(text: &str) -> (u64, u64, u64) {
    let mut parts = text.split('.').map(|p| p.parse::<u64>().unwrap());
    (
        parts.next().unwrap(),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    )
}

/// The `rust-version` this package declares (Cargo checks its syntax).
fn declared() -> (u64, u64, u64) {
    version(env!("CARGO_PKG_RUST_VERSION"))
}

#[test]
fn rust_version_is_no_lower_than_any_locked_dependency_declares() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--offline", "--locked"])
        .current_dir(MANIFEST_DIR)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let ours = declared();
    // Every package in the lock file, for every platform, dev-dependencies
    // included: `cargo test` on the declared version must build them all.
    let too_new: Vec<String> = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|package| {
            let needs = package["rust_version"].as_str()?;
            (version(needs) > ours).then(|| {
                format!(
                    "{} {} needs Rust {needs}",
                    package["name"].as_str().unwrap_or("?"),
                    package["version"].as_str().unwrap_or("?")
                )
            })
        })
        .collect();
    assert!(
        too_new.is_empty(),
        "Cargo.toml declares rust-version {}, but {too_new:?}: raise it",
        env!("CARGO_PKG_RUST_VERSION")
    );
}

/// Whether the source uses let chains (`if let P = x && cond`), stable
/// since Rust 1.88: a `&& let`, or an `if let`/`while let` with `&&` on its
/// line or starting the next.
fn uses_let_chains(source: &str) -> bool {
    let lines: Vec<&str> = source.lines().map(str::trim).collect();
    lines.iter().enumerate().any(|(i, line)| {
        let opens_let = line.starts_with("if let ")
            || line.starts_with("while let ")
            || line.contains("else if let ");
        line.contains("&& let ")
            || (opens_let && line.contains(" && "))
            || (opens_let
                && !line.ends_with('{')
                && lines.get(i + 1).is_some_and(|next| next.starts_with("&& ")))
    })
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn rust_version_covers_the_language_features_the_code_uses() {
    let mut files = Vec::new();
    for dir in ["src", "tests", "benches", "examples"] {
        let dir = Path::new(MANIFEST_DIR).join(dir);
        if dir.is_dir() {
            rust_files(&dir, &mut files);
        }
    }
    let chained: Vec<String> = files
        .iter()
        // This file's own examples are not uses.
        .filter(|path| !path.ends_with("tests/msrv.rs"))
        .filter(|path| uses_let_chains(&std::fs::read_to_string(path).unwrap()))
        .map(|path| path.display().to_string())
        .collect();
    if !chained.is_empty() {
        assert!(
            declared() >= (1, 88, 0),
            "let chains (stable since Rust 1.88) are used in {chained:?}, \
             but Cargo.toml declares rust-version {}",
            env!("CARGO_PKG_RUST_VERSION")
        );
    }
    // Edition 2024 itself needs 1.85.
    assert!(declared() >= (1, 85, 0));
}

#[test]
fn the_let_chain_scan_finds_both_forms() {
    assert!(uses_let_chains("if let Some(x) = y && x > 1 {"));
    assert!(uses_let_chains("if let [a] = v.as_slice()\n    && !ok\n{"));
    assert!(!uses_let_chains("if let Some(x) = y {\n    && z\n"));
    assert!(!uses_let_chains("if a && b {"));
}
