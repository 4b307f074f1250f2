//! Records the commit the binary is built from, for `rubric --version`.
//! Outside a git checkout (a source tarball, a registry package) or without
//! git, nothing is recorded and the version is the package's alone; a
//! packager may set `RUBRIC_COMMIT` instead.

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
    if std::env::var_os("RUBRIC_COMMIT").is_some() {
        // The compiler sees the packager's variable as it is.
        return;
    }
    let Some(commit) =
        git(&["rev-parse", "--short", "HEAD"]).filter(|c| c.bytes().all(|b| b.is_ascii_hexdigit()))
    else {
        return;
    };
    // Run again when HEAD moves: a checkout changes HEAD, a commit changes
    // the branch's ref (loose, or packed).
    let mut watched = vec!["HEAD".to_owned(), "packed-refs".to_owned()];
    watched.extend(git(&["symbolic-ref", "-q", "HEAD"]));
    for name in watched {
        if let Some(path) = git(&["rev-parse", "--git-path", &name]) {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    println!("cargo:rustc-env=RUBRIC_COMMIT={commit}");
}
