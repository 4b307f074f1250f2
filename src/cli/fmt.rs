//! `rubric fmt [--check] [PATH...]`: rewrite policy files in the canonical
//! layout, keeping every comment; with `--check`, change nothing and show
//! what would change.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use miette::NamedSource;
use rubric::report::diagnostic::WithSource;

use super::{Exit, Paint, emit, files_under, paint};

/// Arguments of `rubric fmt`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Policy files or directories of `*.policy` files; `-` formats stdin to stdout.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<String>,
    /// Change nothing: print a unified diff of what would change and exit 1 if anything would.
    #[arg(long)]
    pub check: bool,
}

/// Formats every file named.
pub fn run(args: &Args) -> Exit {
    let mut exit = Exit::Success;
    for path in &args.paths {
        if path == "-" {
            exit = exit.max(stdin());
            continue;
        }
        let mut files = Vec::new();
        if let Err(err) = files_under(Path::new(path), &is_policy, &mut files) {
            eprintln!("error: cannot read `{path}`: {err}");
            exit = exit.max(Exit::Usage);
            continue;
        }
        for file in files {
            exit = exit.max(one_file(&file, args.check));
        }
    }
    exit
}

fn is_policy(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "policy")
}

fn stdin() -> Exit {
    let mut text = String::new();
    if let Err(err) = std::io::stdin().read_to_string(&mut text) {
        eprintln!("error: cannot read stdin: {err}");
        return Exit::Usage;
    }
    match format_or_report("<stdin>", &text) {
        Some(formatted) => {
            if std::io::stdout().write_all(formatted.as_bytes()).is_err() {
                return Exit::Usage;
            }
            Exit::Success
        }
        None => Exit::Invalid,
    }
}

fn one_file(path: &PathBuf, check: bool) -> Exit {
    let shown = path.display().to_string();
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) => {
            eprintln!("error: cannot read `{shown}`: {err}");
            return Exit::Usage;
        }
    };
    let Some(formatted) = format_or_report(&shown, &text) else {
        return Exit::Invalid;
    };
    if formatted == text {
        return Exit::Success;
    }
    if check {
        let diff = similar::TextDiff::from_lines(&text, &formatted);
        let text = diff
            .unified_diff()
            .context_radius(3)
            .header(&shown, &shown)
            .to_string();
        let color = super::color_stdout();
        let text: String = text
            .split_inclusive('\n')
            .map(|line| {
                let paint_as = if line.starts_with("+++") || line.starts_with("---") {
                    None
                } else if line.starts_with('+') {
                    Some(Paint::Green)
                } else if line.starts_with('-') {
                    Some(Paint::Red)
                } else if line.starts_with("@@") {
                    Some(Paint::Cyan)
                } else {
                    None
                };
                match paint_as {
                    Some(p) if color => {
                        let body = line.trim_end_matches('\n');
                        let end = if line.ends_with('\n') { "\n" } else { "" };
                        format!("{}{end}", paint(body, p, true))
                    }
                    _ => line.to_owned(),
                }
            })
            .collect();
        // A closed stdout (`| head`) only cuts the diff short.
        let _ = std::io::stdout().write_all(text.as_bytes());
        return Exit::Invalid;
    }
    if let Err(err) = std::fs::write(path, formatted) {
        eprintln!("error: cannot write `{shown}`: {err}");
        return Exit::Usage;
    }
    if !super::quiet() {
        eprintln!("formatted {shown}");
    }
    Exit::Success
}

/// The formatted text, or `None` after reporting why the file cannot be parsed.
fn format_or_report(name: &str, text: &str) -> Option<String> {
    match rubric::format::format(text) {
        Ok(formatted) => Some(formatted),
        Err(err) => {
            let source = NamedSource::new(name, text.to_owned());
            emit(&WithSource::new(&err, &source));
            None
        }
    }
}
