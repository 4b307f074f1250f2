//! `rubric lsp` driven as an editor drives it: the binary is started, and
//! JSON-RPC messages with `Content-Length` headers go over its stdin and
//! stdout. The policy under test (`tests/lsp/crm.policy`) has Korean titles
//! and a character outside the Basic Multilingual Plane (`𝄞`, two UTF-16
//! code units) before names on the same line, so every position checked
//! here is counted in UTF-16 code units as the protocol wants.
//!
//! Responses are insta snapshots, with the temporary directory the policy
//! sits in (and the one explanations are written to) replaced by a
//! placeholder.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Duration;

use serde_json::{Value, json};

const POLICY: &str = include_str!("lsp/crm.policy");

/// How long any one answer may take before the test fails (the server
/// answers in milliseconds; this only stops a hang from hanging the test).
const PATIENCE: Duration = Duration::from_secs(20);

/// An editor's side of the connection.
struct Editor {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    next_id: i64,
    /// The folder the policy is in; replaced in snapshots.
    dir: tempfile::TempDir,
}

impl Editor {
    /// Starts `rubric lsp` and completes the `initialize` handshake.
    fn start() -> (Editor, Value) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_rubric"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (send, incoming) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = None;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length: ") {
                        length = Some(n.parse::<usize>().unwrap());
                    }
                }
                let mut body = vec![0; length.expect("a Content-Length header")];
                reader.read_exact(&mut body).unwrap();
                if send.send(serde_json::from_slice(&body).unwrap()).is_err() {
                    return;
                }
            }
        });
        let mut editor = Editor {
            child,
            stdin,
            incoming,
            next_id: 0,
            dir: tempfile::tempdir().unwrap(),
        };
        let capabilities = editor.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": null,
                "capabilities": {
                    "general": { "positionEncodings": ["utf-16"] }
                }
            }),
        );
        editor.notify("initialized", json!({}));
        (editor, capabilities)
    }

    fn send(&mut self, message: Value) {
        let body = serde_json::to_string(&message).unwrap();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Sends a request and waits for its response (notifications that
    /// arrive meanwhile are dropped). The whole response, `result` or
    /// `error`.
    fn request_raw(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        loop {
            let message = self.receive();
            if message["id"] == json!(id) {
                return message;
            }
        }
    }

    /// The `result` of a request (the test fails on an error).
    fn request(&mut self, method: &str, params: Value) -> Value {
        let response = self.request_raw(method, params);
        assert!(response.get("error").is_none(), "{response}");
        response["result"].clone()
    }

    fn receive(&mut self) -> Value {
        match self.incoming.recv_timeout(PATIENCE) {
            Ok(message) => message,
            Err(RecvTimeoutError::Timeout) => panic!("the server did not answer in time"),
            Err(RecvTimeoutError::Disconnected) => panic!("the server closed its output"),
        }
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Value {
        loop {
            let message = self.receive();
            if message["method"] == "textDocument/publishDiagnostics"
                && message["params"]["uri"] == uri
            {
                return message["params"].clone();
            }
        }
    }

    /// Writes `name` into the folder and returns its `file:` URI.
    fn file(&self, name: &str, text: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        uri(&path)
    }

    fn open(&mut self, name: &str, text: &str) -> (String, Value) {
        let uri = self.file(name, text);
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": {
                "uri": uri, "languageId": "rubric", "version": 1, "text": text
            }}),
        );
        let diagnostics = self.diagnostics(&uri);
        (uri, diagnostics)
    }

    /// Says `shutdown` and `exit`, and checks the server ends cleanly.
    fn stop(mut self) {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let status = self.child.wait().unwrap();
        assert!(status.success(), "{status}");
    }

    /// `value` as pretty JSON with the temporary folders replaced.
    fn shown(&self, value: &Value) -> String {
        let text = serde_json::to_string_pretty(value).unwrap();
        let dir = uri(self.dir.path());
        let explain = uri(&rubric::lsp::explanation_dir());
        text.replace(&dir, "file:///DIR")
            .replace(&explain, "file:///EXPLAIN")
    }
}

fn uri(path: &Path) -> String {
    let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    format!("file://{}", path.display())
}

/// The 0-based line and UTF-16 column of the `nth` occurrence of `needle`
/// in `text`, plus `ahead` characters.
fn at(text: &str, needle: &str, nth: usize, ahead: usize) -> Value {
    let offset = text.match_indices(needle).nth(nth).unwrap().0;
    let mut position = place(text, offset);
    position["character"] = json!(position["character"].as_u64().unwrap() + ahead as u64);
    position
}

/// The 0-based line and UTF-16 column of byte `offset` of `text`, counted
/// here independently of the library.
fn place(text: &str, offset: usize) -> Value {
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = text[start..offset].encode_utf16().count();
    json!({ "line": line, "character": column })
}

fn document(uri: &str, position: Value) -> Value {
    json!({ "textDocument": { "uri": uri }, "position": position })
}

/// The broken version: a misspelt association after Korean text and a
/// market nobody declared.
fn broken() -> String {
    POLICY
        .replace("months as dpor", "months as dpro")
        .replace("emerging: 150_000", "asia: 150_000")
}

#[test]
fn diagnostics_appear_on_open_and_clear_when_fixed() {
    let (mut editor, initialized) = Editor::start();
    assert_eq!(initialized["serverInfo"]["name"], "rubric");
    assert_eq!(initialized["capabilities"]["hoverProvider"], true);
    insta::assert_snapshot!("capabilities", editor.shown(&initialized["capabilities"]));
    let (uri, diagnostics) = editor.open("crm.policy", &broken());
    insta::assert_snapshot!("diagnostics_broken", editor.shown(&diagnostics));
    // The range of `dpro` is counted in UTF-16 code units: after the
    // Korean product name and the two-unit `𝄞`.
    let dpro = &diagnostics["diagnostics"][0];
    assert_eq!(dpro["code"], "E0205");
    assert_eq!(dpro["range"]["start"], at(&broken(), "dpro", 0, 0));
    assert_eq!(dpro["range"]["end"], at(&broken(), "dpro", 0, 4));
    // The explanation the code links to is there to open.
    let href = dpro["codeDescription"]["href"].as_str().unwrap();
    let explanation = std::fs::read_to_string(href.strip_prefix("file://").unwrap()).unwrap();
    assert!(explanation.starts_with("# E0205: "), "{explanation}");

    // Fix the association with an incremental edit, in UTF-16 units.
    let start = at(&broken(), "dpro", 0, 0);
    let end = at(&broken(), "dpro", 0, 4);
    editor.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri, "version": 2 },
            "contentChanges": [{ "range": { "start": start, "end": end }, "text": "dpor" }]
        }),
    );
    let diagnostics = editor.diagnostics(&uri);
    assert_eq!(diagnostics["version"], 2);
    let codes: Vec<&Value> = diagnostics["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["code"])
        .collect();
    assert_eq!(codes, [&json!("E0204")]);
    // Then the whole text, fixed.
    editor.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri, "version": 3 },
            "contentChanges": [{ "text": POLICY }]
        }),
    );
    let diagnostics = editor.diagnostics(&uri);
    assert_eq!(diagnostics["diagnostics"], json!([]));
    assert_eq!(diagnostics["version"], 3);
    // Closing the file clears what the editor shows for it.
    editor.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": uri } }),
    );
    assert_eq!(editor.diagnostics(&uri)["diagnostics"], json!([]));
    editor.stop();
}

#[test]
fn syntax_errors_are_diagnostics_too() {
    let (mut editor, _) = Editor::start();
    let text = POLICY.replace("tier gold {", "tier gold { requir");
    let (_, diagnostics) = editor.open("crm.policy", &text);
    insta::assert_snapshot!("diagnostics_syntax", editor.shown(&diagnostics));
    editor.stop();
}

#[test]
fn lint_levels_come_from_the_projects_rubric_toml() {
    let (mut editor, _) = Editor::start();
    // An exam no group uses (W0103) and a group no role uses (W0104).
    let text = POLICY.replace(
        "  exam MB2-712",
        "  exam AZ-900 \"기초\"\n  group spare = any of MB2-713, MB2-712\n  exam MB2-712",
    );
    let (_, plain) = editor.open("a.policy", &text);
    let codes = |d: &Value| -> Vec<(String, u64)> {
        d["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["code"].as_str().unwrap().to_owned(),
                    d["severity"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(
        codes(&plain),
        [("W0103".to_owned(), 2), ("W0104".to_owned(), 2)]
    );
    assert_eq!(plain["diagnostics"][0]["tags"], json!([1]));
    editor.file(
        "rubric.toml",
        "[lints]\nallow = [\"W0103\"]\ndeny = [\"W0104\"]\n",
    );
    let (_, configured) = editor.open("b.policy", &text);
    assert_eq!(codes(&configured), [("W0104".to_owned(), 1)]);
    editor.stop();
}

#[test]
fn hover_shows_credentials_groups_measures_and_thresholds() {
    let (mut editor, _) = Editor::start();
    let (uri, _) = editor.open("crm.policy", POLICY);
    let mut hovers = Vec::new();
    for (what, needle, nth) in [
        ("credential", "MB2-714", 1),
        ("group", "everything", 1),
        ("measure in a requirement", "crm >=", 1),
        ("association after Korean text", "dpor", 1),
        ("market", "emerging", 2),
        ("tier", "gold", 1),
        ("option", "reseller", 0),
    ] {
        let hover = editor.request(
            "textDocument/hover",
            document(&uri, at(POLICY, needle, nth, 1)),
        );
        hovers.push(json!({ "hover on": what, "answer": hover }));
    }
    insta::assert_snapshot!("hovers", editor.shown(&Value::Array(hovers)));
    // Nothing to say about a keyword.
    let hover = editor.request(
        "textDocument/hover",
        document(&uri, at(POLICY, "require", 0, 1)),
    );
    assert_eq!(hover, Value::Null);
    editor.stop();
}

#[test]
fn definition_and_references_follow_names_after_korean_text() {
    let (mut editor, _) = Editor::start();
    let (uri, _) = editor.open("crm.policy", POLICY);
    // `dpor` after `"CRM 온라인 𝄞"`: its declaration follows `𝄞` too.
    let definition = editor.request(
        "textDocument/definition",
        document(&uri, at(POLICY, "dpor", 1, 2)),
    );
    assert_eq!(
        definition[0]["range"]["start"],
        at(POLICY, "dpor", 0, 0),
        "{definition}"
    );
    let references = editor.request(
        "textDocument/references",
        json!({
            "textDocument": { "uri": uri },
            "position": at(POLICY, "functional", 0, 3),
            "context": { "includeDeclaration": true }
        }),
    );
    insta::assert_snapshot!(
        "definition_and_references",
        editor.shown(&json!({ "definition": definition, "references": references }))
    );
    let uses = editor.request(
        "textDocument/references",
        json!({
            "textDocument": { "uri": uri },
            "position": at(POLICY, "functional", 0, 3),
            "context": { "includeDeclaration": false }
        }),
    );
    assert_eq!(uses.as_array().unwrap().len(), 3);
    editor.stop();
}

#[test]
fn completion_offers_what_the_grammar_allows_there() {
    let (mut editor, _) = Editor::start();
    let (uri, _) = editor.open("crm.policy", POLICY);
    let labels = |answer: &Value| -> Vec<String> {
        answer
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["label"].as_str().unwrap().to_owned())
            .collect()
    };
    let mut version = 1;
    let mut complete_after = |editor: &mut Editor, anchor: &str, typed: &str| -> Vec<String> {
        // Type `typed` right after `anchor`, then ask at the end of it.
        version += 1;
        let text = POLICY.replacen(anchor, &format!("{anchor}{typed}"), 1);
        editor.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": uri, "version": version },
                "contentChanges": [{ "text": text }]
            }),
        );
        let offset = text.find(anchor).unwrap() + anchor.len() + typed.len();
        let position = place(&text, offset);
        labels(&editor.request("textDocument/completion", document(&uri, position)))
    };
    // Markets inside a threshold map, after Korean-free text; the line does
    // not parse yet, so names come from the last text that did.
    let markets = complete_after(
        &mut editor,
        "      require crm >= { developed: 100_000 USD, ",
        "",
    );
    assert_eq!(markets, ["developed", "emerging"]);
    let groups = complete_after(&mut editor, "1 passing functional", " and ");
    assert_eq!(groups, ["functional", "customization", "everything"]);
    let members = complete_after(&mut editor, "group customization = any of MB2-712", ", ");
    assert_eq!(
        members,
        [
            "MB2-714",
            "MB2-713",
            "MB2-712",
            "functional",
            "customization",
            "everything"
        ]
    );
    let associations = complete_after(&mut editor, "months as dpor", " or ");
    assert_eq!(associations, ["dpor"]);
    // Statements at the start of a line, by block.
    let declarations = complete_after(&mut editor, "  currency  USD\n", "  ");
    assert!(
        declarations.contains(&"group".to_owned()),
        "{declarations:?}"
    );
    assert!(!declarations.contains(&"require".to_owned()));
    let in_tier = complete_after(&mut editor, "    tier silver {\n", "      ");
    assert_eq!(in_tier, ["tier", "require", "allow"]);
    let after_require = complete_after(&mut editor, "    tier silver {\n", "      require ");
    assert_eq!(
        after_require,
        ["crm", "distinct", "shared", "attribute", "either"]
    );
    editor.stop();
}

#[test]
fn formatting_rename_and_code_actions() {
    let (mut editor, _) = Editor::start();
    let messy = POLICY
        .replace(
            "  group functional    = any of",
            "group functional = any of",
        )
        .replace("# 클라우드", "#   클라우드");
    let (uri, _) = editor.open("crm.policy", &messy);
    let edits = editor.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 2, "insertSpaces": true } }),
    );
    assert_eq!(edits.as_array().unwrap().len(), 1);
    let formatted = edits[0]["newText"].as_str().unwrap();
    assert_eq!(formatted, rubric::format::format(&messy).unwrap());
    assert!(formatted.contains("#   클라우드"), "comments are kept");

    // Rename the association from its use after `𝄞`.
    let prepared = editor.request(
        "textDocument/prepareRename",
        document(&uri, at(&messy, "dpor", 1, 1)),
    );
    assert_eq!(prepared["placeholder"], "dpor");
    let mut params = document(&uri, at(&messy, "dpor", 1, 1));
    params["newName"] = json!("digital");
    let rename = editor.request("textDocument/rename", params);
    // A keyword is no name.
    let mut params = document(&uri, at(&messy, "dpor", 1, 1));
    params["newName"] = json!("tier");
    let refused = editor.request_raw("textDocument/rename", params);
    assert_eq!(refused["error"]["code"], -32602, "{refused}");

    // Quick fixes for the broken version.
    let text = broken();
    editor.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri, "version": 2 },
            "contentChanges": [{ "text": text }]
        }),
    );
    let diagnostics = editor.diagnostics(&uri);
    let mut actions = Vec::new();
    for diagnostic in diagnostics["diagnostics"].as_array().unwrap() {
        let answer = editor.request(
            "textDocument/codeAction",
            json!({
                "textDocument": { "uri": uri },
                "range": diagnostic["range"],
                "context": { "diagnostics": [diagnostic] }
            }),
        );
        for action in answer.as_array().unwrap() {
            actions.push(json!({ "title": action["title"], "edit": action["edit"] }));
        }
    }
    insta::assert_snapshot!(
        "rename_and_code_actions",
        editor.shown(&json!({ "rename": rename, "code actions": actions }))
    );
    // Applying every fix leaves a policy without errors (the declared
    // market is new to `silver`, which the lints then point out).
    let mut fixed = text.clone();
    let mut edits: Vec<(usize, usize, String)> = actions
        .iter()
        .flat_map(|a| a["edit"]["changes"][&uri].as_array().unwrap().clone())
        .map(|e| {
            let offset = |p: &Value| {
                let line = p["line"].as_u64().unwrap() as usize;
                let column = p["character"].as_u64().unwrap() as usize;
                let index = rubric::source::LineIndex::new(&text);
                index.utf16_offset(&text, line, column)
            };
            (
                offset(&e["range"]["start"]),
                offset(&e["range"]["end"]),
                e["newText"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    for (start, end, new) in edits {
        fixed.replace_range(start..end, &new);
    }
    let checked = rubric::check_source(&fixed);
    assert!(checked.policy.is_some(), "{fixed}\n{checked:?}");
    assert!(fixed.contains("market asia \"asia\""), "{fixed}");
    editor.stop();
}

#[test]
fn outline_lists_declarations_options_tiers_and_requirements() {
    let (mut editor, _) = Editor::start();
    let (uri, _) = editor.open("crm.policy", POLICY);
    let symbols = editor.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": uri } }),
    );
    fn names(symbol: &Value, depth: usize, out: &mut Vec<String>) {
        out.push(format!(
            "{}{} @{}:{}",
            "  ".repeat(depth),
            symbol["name"].as_str().unwrap(),
            symbol["selectionRange"]["start"]["line"],
            symbol["selectionRange"]["start"]["character"]
        ));
        for child in symbol["children"].as_array().into_iter().flatten() {
            names(child, depth + 1, out);
        }
    }
    let mut out = Vec::new();
    names(&symbols[0], 0, &mut out);
    insta::assert_snapshot!("outline", out.join("\n"));
    editor.stop();
}

#[test]
fn requests_about_unknown_documents_and_methods_get_errors_not_a_crash() {
    let (mut editor, _) = Editor::start();
    let missing = editor.request_raw(
        "textDocument/hover",
        document(
            "file:///nowhere.policy",
            json!({ "line": 0, "character": 0 }),
        ),
    );
    assert_eq!(missing["error"]["code"], -32602);
    let unknown = editor.request_raw("rubric/nothing", json!({}));
    assert_eq!(unknown["error"]["code"], -32601);
    let malformed = editor.request_raw("textDocument/hover", json!({ "nonsense": true }));
    assert_eq!(malformed["error"]["code"], -32602);
    // Positions far outside the text are clamped, not trusted.
    let (uri, _) = editor.open("crm.policy", POLICY);
    editor.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri, "version": 2 },
            "contentChanges": [{
                "range": { "start": { "line": 9999, "character": 0 }, "end": { "line": 0, "character": 99 } },
                "text": "# 끝"
            }]
        }),
    );
    let diagnostics = editor.diagnostics(&uri);
    assert_eq!(diagnostics["version"], 2);
    editor.stop();
}

/// A lint in a tier can be accepted there: the quick fix opens the tier
/// with `allow CODE ""`, and the checker asks for the reason (E0339) until
/// the designer writes it; then the lint is accepted, not reported.
#[test]
fn a_lint_is_allowed_in_its_tier_once_the_designer_writes_the_reason() {
    let policy = r#"competency migration {
  version "2017-06"
  effective 2017-06-27
  tiers silver, gold
  attribute exams_passed "Passed the migration exams"
  attribute certified "Holds the migration certification"
  option main {
    tier silver {
      require attribute exams_passed
    }
    tier gold {
      require attribute certified
    }
  }
}
"#;
    let (mut editor, _) = Editor::start();
    let (uri, diagnostics) = editor.open("migration.policy", policy);
    let w0100 = diagnostics["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "W0100")
        .expect("gold does not include silver")
        .clone();
    let answer = editor.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": uri },
            "range": w0100["range"],
            "context": { "diagnostics": [w0100] }
        }),
    );
    let allow = answer
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"].as_str().unwrap().starts_with("Allow W0100"))
        .expect("an allow quick fix")
        .clone();
    let edits = allow["edit"]["changes"][&uri].as_array().unwrap();
    assert_eq!(edits.len(), 1);
    let index = rubric::source::LineIndex::new(policy);
    let at = |p: &Value| {
        index.utf16_offset(
            policy,
            p["line"].as_u64().unwrap() as usize,
            p["character"].as_u64().unwrap() as usize,
        )
    };
    let mut fixed = policy.to_owned();
    fixed.replace_range(
        at(&edits[0]["range"]["start"])..at(&edits[0]["range"]["end"]),
        edits[0]["newText"].as_str().unwrap(),
    );
    assert!(
        fixed.contains("    tier silver {\n      allow W0100 \"\"\n"),
        "{fixed}"
    );
    let codes = |text: &str| -> Vec<String> {
        rubric::check_source(text)
            .diagnostics
            .iter()
            .map(|d| d.code_text())
            .collect()
    };
    assert_eq!(codes(&fixed), ["E0339"]);
    let reasoned = fixed.replace(
        "allow W0100 \"\"",
        "allow W0100 \"gold is a certification path\"",
    );
    assert_eq!(codes(&reasoned), Vec::<String>::new());
    assert_eq!(rubric::check_source(&reasoned).allowed.len(), 1);
    editor.stop();
}
