//! Malformed input never crashes or hangs the language server: random edits
//! (anywhere, even outside the text, with Korean, astral characters, braces,
//! quotes, keywords and line breaks) go through the document-change path,
//! and after each one the server publishes diagnostics for that version and
//! answers every request with a result or an error.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use lsp_server::{Message, Notification, Request, RequestId};
use proptest::prelude::*;
use rubric::lsp::Server;
use serde_json::{Value, json};

const POLICY: &str = include_str!("lsp/crm.policy");
const URI: &str = "file:///fuzz/crm.policy";

fn notify(server: &mut Server, method: &str, params: Value) -> Vec<Message> {
    server.handle(Message::Notification(Notification::new(
        method.to_owned(),
        params,
    )))
}

/// The one response to a request: a result or an error, never nothing.
fn ask(server: &mut Server, id: i32, method: &str, params: Value) -> Value {
    let answers = server.handle(Message::Request(Request::new(
        RequestId::from(id),
        method.to_owned(),
        params,
    )));
    assert_eq!(answers.len(), 1, "{method}");
    match &answers[0] {
        Message::Response(r) => {
            assert_eq!(r.id, RequestId::from(id));
            serde_json::to_value(r).unwrap()
        }
        other => panic!("{method} answered {other:?}"),
    }
}

/// Inserted text: pieces a designer (or a paste) might bring.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just("\"".to_owned()),
        Just("\n".to_owned()),
        Just("\r\n".to_owned()),
        Just("\r".to_owned()),
        Just("# 주석 ".to_owned()),
        Just("한국어".to_owned()),
        Just("𝄞".to_owned()),
        Just(" require crm >= { developed: ".to_owned()),
        Just(" group g = any of ".to_owned()),
        Just("tier gold { ".to_owned()),
        Just(" passing functional and ".to_owned()),
        Just("exam \"".to_owned()),
        Just("100_000 USD".to_owned()),
        Just("\\".to_owned()),
        "[ -~]{0,12}",
        any::<String>().prop_map(|s| s.chars().take(8).collect()),
    ]
}

/// One edit: a range (possibly outside the text, possibly backwards) and
/// what replaces it, or a whole new text.
fn edit() -> impl Strategy<Value = Value> {
    let position = (0u32..50, 0u32..120)
        .prop_map(|(line, character)| json!({ "line": line, "character": character }));
    prop_oneof![
        8 => (position.clone(), position, piece()).prop_map(|(start, end, text)| {
            json!({ "range": { "start": start, "end": end }, "text": text })
        }),
        1 => piece().prop_map(|text| json!({ "text": text })),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_edits_always_get_diagnostics_and_answers(
        edits in prop::collection::vec(prop::collection::vec(edit(), 1..3), 1..12),
        line in 0u32..50,
        character in 0u32..120,
    ) {
        let mut server = Server::new();
        let opened = notify(
            &mut server,
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": URI, "languageId": "rubric", "version": 1, "text": POLICY } }),
        );
        prop_assert_eq!(opened.len(), 1);
        let position = json!({ "line": line, "character": character });
        let at = json!({ "textDocument": { "uri": URI }, "position": position });
        let mut id = 0;
        for (version, changes) in (2..).zip(edits) {
            let published = notify(
                &mut server,
                "textDocument/didChange",
                json!({ "textDocument": { "uri": URI, "version": version }, "contentChanges": changes }),
            );
            prop_assert_eq!(published.len(), 1);
            let Message::Notification(n) = &published[0] else { panic!("{published:?}") };
            prop_assert_eq!(&n.params["version"], &json!(version));
            for (method, params) in [
                ("textDocument/hover", at.clone()),
                ("textDocument/definition", at.clone()),
                ("textDocument/completion", at.clone()),
                ("textDocument/prepareRename", at.clone()),
                ("textDocument/documentSymbol", json!({ "textDocument": { "uri": URI } })),
                ("textDocument/formatting", json!({ "textDocument": { "uri": URI }, "options": { "tabSize": 2, "insertSpaces": true } })),
                ("textDocument/codeAction", json!({
                    "textDocument": { "uri": URI },
                    "range": { "start": position, "end": position },
                    "context": { "diagnostics": [] }
                })),
            ] {
                id += 1;
                let response = ask(&mut server, id, method, params);
                prop_assert!(response.get("result").is_some() || response.get("error").is_some());
            }
        }
    }
}

#[test]
fn diagnostics_ranges_stay_inside_the_text_after_odd_line_ends() {
    let mut server = Server::new();
    let text = "competency k \"한\r{ tiers silver\r\n\r  exam 𝄞";
    let published = notify(
        &mut server,
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": URI, "languageId": "rubric", "version": 1, "text": text } }),
    );
    let Message::Notification(n) = &published[0] else {
        panic!("{published:?}")
    };
    let lines = rubric::source::LineIndex::new(text);
    for d in n.params["diagnostics"].as_array().unwrap() {
        for end in ["start", "end"] {
            let line = d["range"][end]["line"].as_u64().unwrap() as usize;
            assert!(lines.line_start(line).is_some(), "{d}");
        }
    }
    assert!(!n.params["diagnostics"].as_array().unwrap().is_empty());
}
