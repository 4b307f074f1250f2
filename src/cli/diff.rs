//! `rubric diff OLD NEW`: the semantic changes between two versions of a
//! policy, each classified as stricter, looser, neutral, mixed or unproven
//! for partners. Either version may be `REV:PATH`, read from git.

use std::io::Write as _;
use std::path::Path;
use std::process::Command;

use miette::NamedSource;
use rubric::report::diagnostic::WithSource;
use rubric::report::diff::Version;

use super::{Exit, emit};

/// Arguments of `rubric diff`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The old version: a policy file, or `REV:PATH` for the file at a git
    /// revision (`main:policies/cloud_crm.policy`).
    #[arg(value_name = "OLD")]
    pub old: String,
    /// The new version, named the same way.
    #[arg(value_name = "NEW")]
    pub new: String,
    /// How to print the changes.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

/// Output formats of `rubric diff`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Grouped by option and tier, for a program designer.
    Human,
    /// One JSON document, for tools.
    Json,
    /// A changelog to paste into release notes.
    Markdown,
}

/// Prints the changes. Exit 0 when the versions mean the same for every
/// partner, 1 when they differ, 2 when either cannot be read or checked.
pub fn run(args: &Args) -> Exit {
    let (Some(old_text), Some(new_text)) = (read(&args.old), read(&args.new)) else {
        return Exit::Usage;
    };
    let (Some(old), Some(new)) = (checked(&args.old, &old_text), checked(&args.new, &new_text))
    else {
        return Exit::Usage;
    };
    let diff = rubric::diff::diff(&old, &new);
    let old = Version {
        name: &args.old,
        source: &old_text,
        policy: &old,
    };
    let new = Version {
        name: &args.new,
        source: &new_text,
        policy: &new,
    };
    let text = match args.format {
        Format::Human => rubric::report::diff::human(&diff, &old, &new),
        Format::Markdown => rubric::report::diff::markdown(&diff, &old, &new),
        Format::Json => match rubric::report::diff::json(&diff, &old, &new) {
            Ok(text) => text,
            Err(err) => {
                eprintln!("error: cannot write the diff as JSON: {err}");
                return Exit::Usage;
            }
        },
    };
    if std::io::stdout().write_all(text.as_bytes()).is_err() {
        return Exit::Usage;
    }
    if diff.same_meaning() {
        Exit::Success
    } else {
        // 1: the versions differ for some partners.
        Exit::Invalid
    }
}

/// The text of a version: a file, or else `REV:PATH` through `git show`.
fn read(name: &str) -> Option<String> {
    let path = Path::new(name);
    let file_error = match std::fs::read_to_string(path) {
        Ok(text) => return Some(text),
        Err(err) => err,
    };
    if let Some((rev, file)) = name.split_once(':')
        && !rev.is_empty()
        && !file.is_empty()
        && !path.exists()
    {
        return from_git(rev, file, name);
    }
    eprintln!("error: cannot read `{name}`: {file_error}");
    None
}

/// `git show REV:PATH`, with git's own message when it fails.
fn from_git(rev: &str, file: &str, name: &str) -> Option<String> {
    let output = match Command::new("git")
        .args(["show", "--end-of-options", &format!("{rev}:{file}")])
        .output()
    {
        Ok(output) => output,
        Err(err) => {
            eprintln!(
                "error: cannot read `{name}`: no such file, and git cannot be run to read it from revision `{rev}`: {err}"
            );
            return None;
        }
    };
    if !output.status.success() {
        let why = String::from_utf8_lossy(&output.stderr);
        eprintln!(
            "error: cannot read `{name}`: no such file, and git cannot read `{file}` at revision `{rev}`: {}",
            why.trim()
        );
        return None;
    }
    match String::from_utf8(output.stdout) {
        Ok(text) => Some(text),
        Err(_) => {
            eprintln!("error: `{name}` is not UTF-8 text");
            None
        }
    }
}

/// The checked policy, or its diagnostics on stderr.
fn checked(name: &str, text: &str) -> Option<rubric::model::Policy> {
    match rubric::load_policy(text) {
        Ok(policy) => Some(policy),
        Err(err) => {
            let source = NamedSource::new(name, text.to_owned());
            for diagnostic in err.diagnostics() {
                emit(&WithSource::new(diagnostic, &source));
            }
            eprintln!("{name}: the policy has errors; nothing was compared");
            None
        }
    }
}
