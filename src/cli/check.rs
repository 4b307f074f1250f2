//! `rubric check POLICY...`: parse and validate, report every error.

use miette::NamedSource;
use rubric::report::diagnostic::WithSource;

use super::{Exit, emit};

/// Arguments of `rubric check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Policy files to check.
    #[arg(required = true, value_name = "POLICY")]
    pub policies: Vec<String>,
}

/// Checks each policy; the worst outcome decides the exit code.
pub fn run(args: &Args) -> Exit {
    let mut exit = Exit::Success;
    for path in &args.policies {
        exit = exit.max(check_one(path));
    }
    exit
}

fn check_one(path: &str) -> Exit {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) => {
            eprintln!("error: cannot read `{path}`: {err}");
            return Exit::Usage;
        }
    };
    match rubric::load_policy(&text) {
        Ok(_) => {
            eprintln!("{path}: ok");
            Exit::Success
        }
        Err(err) => {
            let source = NamedSource::new(path, text);
            let diagnostics = err.diagnostics();
            for diagnostic in &diagnostics {
                emit(&WithSource::new(*diagnostic, &source));
            }
            let n = diagnostics.len();
            eprintln!("{path}: {n} error{}", if n == 1 { "" } else { "s" });
            Exit::Invalid
        }
    }
}
