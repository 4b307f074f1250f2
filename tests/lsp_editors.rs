//! The editor files under `editors/` agree with the language: the VS Code
//! grammar colours every keyword of `grammar/rubric.pest`, and the extension
//! contributes the `.policy` language, its grammar and its configuration.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;

use serde_json::Value;

const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(MANIFEST_DIR).join(path)).unwrap()
}

/// Every keyword: the word of each `kw_` rule of the grammar.
fn keywords() -> Vec<String> {
    read("grammar/rubric.pest")
        .lines()
        .filter(|l| l.starts_with("kw_"))
        .filter_map(|l| l.split('"').nth(1).map(str::to_owned))
        .collect()
}

#[test]
fn the_textmate_grammar_colours_every_keyword() {
    let grammar: Value =
        serde_json::from_str(&read("editors/vscode/syntaxes/rubric.tmLanguage.json")).unwrap();
    let patterns = grammar["repository"]["keyword"]["patterns"]
        .as_array()
        .unwrap();
    let alternatives: Vec<String> = patterns
        .iter()
        .flat_map(|p| {
            let regex = p["match"].as_str().unwrap();
            let inner = regex.trim_start_matches("\\b(").trim_end_matches(")\\b");
            inner.split('|').map(str::to_owned).collect::<Vec<_>>()
        })
        .collect();
    let keywords = keywords();
    assert!(keywords.len() > 30, "{keywords:?}");
    let missing: Vec<&String> = keywords
        .iter()
        .filter(|k| !alternatives.contains(k))
        .collect();
    assert!(
        missing.is_empty(),
        "add these keywords to editors/vscode/syntaxes/rubric.tmLanguage.json: {missing:?}"
    );
}

#[test]
fn the_extension_contributes_the_language_and_starts_rubric_lsp() {
    let package: Value = serde_json::from_str(&read("editors/vscode/package.json")).unwrap();
    let language = &package["contributes"]["languages"][0];
    assert_eq!(language["id"], "rubric");
    assert_eq!(language["extensions"][0], ".policy");
    let configuration: Value =
        serde_json::from_str(&read("editors/vscode/language-configuration.json")).unwrap();
    assert_eq!(configuration["comments"]["lineComment"], "#");
    assert_eq!(configuration["brackets"][0][0], "{");
    assert_eq!(
        package["contributes"]["grammars"][0]["path"],
        "./syntaxes/rubric.tmLanguage.json"
    );
    assert!(package["dependencies"]["vscode-languageclient"].is_string());
    let client = read("editors/vscode/extension.js");
    assert!(client.contains("\"lsp\""), "the client starts `rubric lsp`");
    assert!(client.contains("server.path"), "the path is configurable");
}
