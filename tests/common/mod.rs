//! Helpers shared by integration tests: the diagnostic codes the library
//! declares, read from its sources, and (in [`lang`]) what the language
//! tests repeat.
#![allow(
    dead_code,
    reason = "each test binary that declares `mod common` uses some of its helpers"
)]

pub mod lang;

use std::collections::BTreeSet;
use std::path::Path;

/// `E0201` or `W0103`: a letter and four digits.
pub fn is_code(text: &str) -> bool {
    text.len() == 5
        && (text.starts_with('E') || text.starts_with('W'))
        && text[1..].bytes().all(|b| b.is_ascii_digit())
}

/// Codes the library's sources declare with `code(E....)` or `code(W....)`.
pub fn declared_codes() -> BTreeSet<String> {
    fn visit(dir: &Path, codes: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                visit(&path, codes);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for (i, _) in text.match_indices("code(") {
                    let rest = &text[i + "code(".len()..];
                    if let Some(code) = rest.get(..5)
                        && is_code(code)
                        && rest[5..].starts_with(')')
                    {
                        codes.insert(code.to_owned());
                    }
                }
            }
        }
    }
    let mut codes = BTreeSet::new();
    visit(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut codes,
    );
    codes
}
