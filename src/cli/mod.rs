//! Command-line interface: argument definitions and one module per
//! subcommand. Only this layer prints; diagnostics go to stderr, results to
//! stdout.

pub mod check;
pub mod eval;
pub mod explain;
pub mod fmt;
pub mod test;

use std::io::IsTerminal as _;

use clap::{Parser, Subcommand};
use rubric::report::diagnostic::Style;

/// Exit codes, documented in the README.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    /// Everything checked or evaluated cleanly.
    Success = 0,
    /// A policy has errors, or a data record could not be evaluated.
    Invalid = 1,
    /// Bad usage or a file that cannot be read.
    Usage = 2,
}

/// Rubric: check and run partner-program competency policies.
#[derive(Debug, Parser)]
#[command(name = "rubric", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse and validate policy files.
    #[command(
        after_help = "Examples:\n  rubric check policies/cloud_crm.policy\n  rubric check policies --deny warnings\n  rubric check policies --allow W0103 --format sarif > rubric.sarif\n\nLint settings may also come from a rubric.toml ([lints] allow = [...], deny = [...]).\nExit codes: 0 clean (warnings allowed), 1 errors or denied warnings, 2 usage or I/O error."
    )]
    Check(check::Args),
    /// Evaluate partners against a policy at an as-of date.
    #[command(
        after_help = "Examples:\n  rubric eval policies/cloud_crm.policy examples/partners.jsonl --as-of 2017-06-30\n  rubric eval policies/cloud_crm.policy examples/partners.jsonl --as-of 2017-06-30 --format jsonl\n  cat partners.json | rubric eval policies/cloud_crm.policy - --as-of 2017-06-30\n\nData files hold one JSON object, a JSON array of objects, or JSON Lines (*.jsonl, one partner per line); `-` reads stdin.\nExit codes: 0 all evaluated, 1 invalid policy or some records not evaluated, 2 usage or I/O error."
    )]
    Eval(eval::Args),
    /// Explain a diagnostic code, with an example that raises it and the fix.
    #[command(after_help = "Examples:\n  rubric explain E0201\n  rubric explain W0100")]
    Explain(explain::Args),
    /// Rewrite policy files in the canonical layout, keeping every comment.
    #[command(
        after_help = "Examples:\n  rubric fmt policies\n  rubric fmt --check policies\n  rubric fmt - < draft.policy > tidy.policy\n\nExit codes: 0 formatted (or nothing to change), 1 a file would change under --check or cannot be parsed, 2 usage or I/O error."
    )]
    Fmt(fmt::Args),
    /// Run policy tests (`*.tests.toml`), with optional coverage.
    #[command(
        after_help = "Examples:\n  rubric test\n  rubric test policies/cloud_crm.tests.toml --coverage\n  rubric test policies --min-coverage 100 --format junit > junit.xml\n\nExit codes: 0 all passed, 1 a case failed, a test file is invalid or coverage is too low, 2 usage or I/O error."
    )]
    Test(test::Args),
}

/// How to render diagnostics on stderr: colour only on a terminal without `NO_COLOR`.
pub fn stderr_style() -> Style {
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    Style { color, width: 100 }
}

/// Writes a rendered diagnostic to stderr.
pub fn emit(diagnostic: &dyn miette::Diagnostic) {
    let text = rubric::report::diagnostic::render(diagnostic, stderr_style());
    // One blank line after each diagnostic, however miette ended it.
    eprintln!("{}\n", text.trim_end());
}

/// Adds `path` if it is a file, or the files under it that `wanted` accepts,
/// in name order.
pub fn files_under(
    path: &std::path::Path,
    wanted: &dyn Fn(&std::path::Path) -> bool,
    out: &mut Vec<std::path::PathBuf>,
) -> std::io::Result<()> {
    if path.is_dir() {
        let mut entries: Vec<std::path::PathBuf> = std::fs::read_dir(path)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for entry in entries {
            if entry.is_dir() || wanted(&entry) {
                files_under(&entry, wanted, out)?;
            }
        }
    } else {
        std::fs::metadata(path)?;
        out.push(path.to_path_buf());
    }
    Ok(())
}
