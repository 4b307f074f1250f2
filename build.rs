//! Sets `RUBRIC_VERSION` for `rubric --version`: the package version and
//! the commit it is built from (`0.1.0 (1f66af3)`). Outside a git checkout
//! (a source tarball, a registry package) or without git, the version is the
//! package's alone; a packager may set `RUBRIC_COMMIT` instead.

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
