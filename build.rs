//! Two things the library needs at build time:
//!
//! - `RUBRIC_VERSION` for `rubric --version`: the package version and the
//!   commit it is built from (`0.1.0 (1f66af3)`). Outside a git checkout (a
//!   source tarball, a registry package) or without git, the version is the
//!   package's alone; a packager may set `RUBRIC_COMMIT` instead.
//! - The explanations of diagnostic codes, one Markdown file per code in
//!   `explain/`, read into `$OUT_DIR/explanations.rs` for `src/explain.rs`.
//!   A malformed file stops the build with a message naming it, so a broken
//!   explanation can never ship.

#![allow(
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a build script stops the build by panicking, naming the file at fault; every slice follows a check of its bounds"
)]

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

/// Runs git; its trimmed output when it succeeds.
fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    (!text.is_empty()).then_some(text)
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    explanations();
    println!("cargo:rerun-if-env-changed=RUBRIC_COMMIT");
    let package = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let commit = match std::env::var("RUBRIC_COMMIT") {
        Ok(given) => Some(given.trim().to_owned()).filter(|c| !c.is_empty()),
        Err(_) => {
            let head = git(&["rev-parse", "--short", "HEAD"])
                .filter(|c| c.bytes().all(|b| b.is_ascii_hexdigit()));
            if head.is_some() {
                // Run again when HEAD moves: a checkout changes HEAD, a
                // commit the branch's ref (loose, or packed).
                let mut watched = vec!["HEAD".to_owned(), "packed-refs".to_owned()];
                watched.extend(git(&["symbolic-ref", "-q", "HEAD"]));
                for name in watched {
                    if let Some(path) = git(&["rev-parse", "--git-path", &name]) {
                        println!("cargo:rerun-if-changed={path}");
                    }
                }
            }
            head
        }
    };
    match commit {
        Some(commit) => println!("cargo:rustc-env=RUBRIC_VERSION={package} ({commit})"),
        None => println!("cargo:rustc-env=RUBRIC_VERSION={package}"),
    }
}

/// One explanation file, read: `# CODE: title`, the text (one paragraph),
/// then either nothing or `## Raises CODE` and `## Fixed`, each a fenced
/// block whose info string is the kind of example (`policy`, `data`,
/// `tests` or `config`).
struct Explanation {
    code: String,
    title: String,
    text: String,
    examples: Option<(String, String, String)>,
}

/// The fenced block that starts at `lines[0]`: its info string, its text
/// (every line ending in a newline) and the lines after it.
fn fenced<'a>(lines: &'a [&'a str]) -> Result<(&'a str, String, &'a [&'a str]), String> {
    let (open, rest) = lines.split_first().ok_or("expected a fenced block")?;
    let info = open
        .strip_prefix("```")
        .ok_or("expected a fenced block (```kind)")?;
    let close = rest
        .iter()
        .position(|l| *l == "```")
        .ok_or("a fenced block is never closed")?;
    let body = rest[..close].iter().map(|l| format!("{l}\n")).collect();
    Ok((info.trim(), body, &rest[close + 1..]))
}

/// Skips blank lines.
fn blank<'a>(mut lines: &'a [&'a str]) -> &'a [&'a str] {
    while lines.first().is_some_and(|l| l.trim().is_empty()) {
        lines = &lines[1..];
    }
    lines
}

fn parse_explanation(file: &str, text: &str) -> Result<Explanation, String> {
    let lines: Vec<&str> = text.lines().collect();
    let heading = lines
        .first()
        .and_then(|l| l.strip_prefix("# "))
        .ok_or("the first line must be `# CODE: title`")?;
    let (code, title) = heading
        .split_once(": ")
        .ok_or("the first line must be `# CODE: title`")?;
    if format!("{code}.md") != file {
        return Err(format!("the heading names `{code}`, the file is `{file}`"));
    }
    let rest = blank(&lines[1..]);
    let end = rest
        .iter()
        .position(|l| l.starts_with("## "))
        .unwrap_or(rest.len());
    let text = rest[..end].join(" ").trim().to_owned();
    if text.is_empty() || text.contains("  ") {
        return Err("the text must be one paragraph on one line".to_owned());
    }
    let rest = &rest[end..];
    let examples = if rest.is_empty() {
        None
    } else {
        if rest[0] != format!("## Raises {code}") {
            return Err(format!("expected `## Raises {code}`, found `{}`", rest[0]));
        }
        let (kind, wrong, rest) = fenced(blank(&rest[1..]))?;
        let rest = blank(rest);
        if rest.first() != Some(&"## Fixed") {
            return Err("expected `## Fixed` after the example that raises the code".to_owned());
        }
        let (fixed_kind, right, rest) = fenced(blank(&rest[1..]))?;
        if fixed_kind != kind {
            return Err(format!(
                "the examples are of two kinds, `{kind}` and `{fixed_kind}`"
            ));
        }
        if !blank(rest).is_empty() {
            return Err("nothing may follow the fixed example".to_owned());
        }
        Some((kind.to_owned(), wrong, right))
    };
    Ok(Explanation {
        code: code.to_owned(),
        title: title.to_owned(),
        text,
        examples,
    })
}

/// Writes `$OUT_DIR/explanations.rs`: the `EXPLANATIONS` table, in code order.
fn explanations() {
    let dir = Path::new("explain");
    println!("cargo:rerun-if-changed=explain");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read explain/: {e}"))
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".md") && name != "README.md")
        .collect();
    files.sort();
    let mut out = String::from("static EXPLANATIONS: &[Explanation] = &[\n");
    for file in &files {
        let text = std::fs::read_to_string(dir.join(file))
            .unwrap_or_else(|e| panic!("cannot read explain/{file}: {e}"));
        let e = parse_explanation(file, &text)
            .unwrap_or_else(|message| panic!("explain/{file}: {message}"));
        let (kind, wrong, right) = match &e.examples {
            None => ("None", String::new(), String::new()),
            Some((kind, wrong, right)) => {
                let kind = match kind.as_str() {
                    "policy" => "Policy",
                    "data" => "Data",
                    "tests" => "TestFile",
                    "config" => "Config",
                    other => panic!(
                        "explain/{file}: examples of an unknown kind `{other}` (policy, data, tests or config)"
                    ),
                };
                (kind, wrong.clone(), right.clone())
            }
        };
        let _ = writeln!(
            out,
            "    Explanation {{ code: {:?}, title: {:?}, text: {:?}, wrong: {:?}, right: {:?}, kind: ExampleKind::{kind} }},",
            e.code, e.title, e.text, wrong, right
        );
    }
    out.push_str("];\n");
    let target = Path::new(&std::env::var("OUT_DIR").unwrap_or_default()).join("explanations.rs");
    std::fs::write(&target, out)
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", target.display()));
}
