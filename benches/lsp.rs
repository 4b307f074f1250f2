//! The language server's answer to a keystroke: a 1,000-line policy is open,
//! one character is typed (a digit into a threshold, so the policy stays
//! valid and every lint runs), and the server re-checks the text and
//! produces its diagnostics. The target is under 20 ms.
//!
//! Run with `cargo bench --bench lsp`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::fmt::Write as _;

use divan::Bencher;
use lsp_server::{Message, Notification};
use rubric::lsp::Server;
use serde_json::json;

fn main() {
    divan::main();
}

/// A policy of about `lines` lines shaped like the shipped ones: markets,
/// a catalog, groups, measures and options whose tiers rise.
pub fn policy(lines: usize) -> String {
    let options = (lines / 100).max(1);
    let exams = lines * 2 / 5;
    let groups = lines / 5;
    let measures = lines / 25;
    let mut out = String::from("# generated for the lsp benchmark\n");
    out.push_str("competency big \"대규모 역량\" {\n  version \"1\"\n  effective 2020-01-01\n  currency USD\n\n");
    for m in ["developed", "emerging", "other"] {
        writeln!(out, "  market {m} \"{m} 시장\"").unwrap();
    }
    out.push_str("  association dpor \"디지털\"\n\n  tiers silver, gold, platinum\n\n");
    for e in 0..exams {
        writeln!(out, "  exam EX-{e} \"시험 {e}\"").unwrap();
    }
    for g in 0..groups {
        writeln!(out, "  group g{g} = any of EX-{}, EX-{}", 2 * g, 2 * g + 1).unwrap();
    }
    for m in 0..measures {
        writeln!(
            out,
            "  revenue m{m} = net_new from \"제품 {m}\" over trailing 12 months as dpor"
        )
        .unwrap();
    }
    let per_option = groups / options;
    for o in 0..options {
        writeln!(out, "\n  option o{o} \"옵션 {o}\" {{").unwrap();
        for (rank, tier) in ["silver", "gold", "platinum"].into_iter().enumerate() {
            writeln!(out, "    tier {tier} {{").unwrap();
            for r in 0..3 {
                let m = (o * 3 + r) % measures.max(1);
                let amount = (rank + 1) * 50;
                writeln!(
                    out,
                    "      require m{m} >= {{ developed: {amount}_000 USD, emerging: {amount}_000 USD, other: {amount}_000 USD }}"
                )
                .unwrap();
            }
            out.push_str("      require distinct people {\n");
            for k in 0..per_option.min(8) {
                writeln!(out, "        {} passing g{}", rank + 1, o * per_option + k).unwrap();
            }
            out.push_str("      }\n    }\n");
        }
        out.push_str("  }\n");
    }
    out.push_str("}\n");
    out
}

fn notification(method: &str, params: serde_json::Value) -> Message {
    Message::Notification(Notification::new(method.to_owned(), params))
}

#[divan::bench(sample_count = 30, sample_size = 1)]
fn keystroke_in_1000_line_policy(bencher: Bencher) {
    let text = policy(1_000);
    let uri = "file:///bench/big.policy";
    let mut server = Server::new();
    let opened = server.handle(notification(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "rubric", "version": 1, "text": text } }),
    ));
    assert_eq!(opened.len(), 1);
    // The first threshold amount, `50_000`: a `0` is typed after its `5`,
    // then taken back, alternately.
    let offset = text.find("developed: 50_000").unwrap() + "developed: 5".len();
    let line = text[..offset].matches('\n').count();
    let column = offset - text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let mut version = 1;
    bencher.bench_local(|| {
        version += 1;
        let (end, typed) = if version % 2 == 0 {
            (column, "0")
        } else {
            (column + 1, "")
        };
        let answer = server.handle(notification(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": uri, "version": version },
                "contentChanges": [{
                    "range": {
                        "start": { "line": line, "character": column },
                        "end": { "line": line, "character": end }
                    },
                    "text": typed
                }]
            }),
        ));
        divan::black_box(answer)
    });
}
