//! `rubric check PATH...`: parse and validate policies, run the lints, and
//! report every finding of every file in the format CI needs.

use std::path::{Path, PathBuf};

use miette::NamedSource;
use rubric::lint::Levels;
use rubric::report::check::{self, FileFindings, Finding, Level, Rule};
use rubric::report::diagnostic::{IndexedSource, WithSource, render};

use super::{Exit, emit, files_under, stderr_style};

/// Output formats of `rubric check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Rendered diagnostics on stderr.
    Human,
    /// One JSON document on stdout (schema in the README).
    Json,
    /// SARIF 2.1.0 on stdout, with a rule for every code.
    Sarif,
    /// GitHub Actions workflow commands on stdout.
    Github,
    /// JUnit XML on stdout: per file, a case for the file and one per lint.
    Junit,
}

/// Arguments of `rubric check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Policy files, or directories to search for `*.policy` files.
    #[arg(required = true, value_name = "PATH")]
    pub policies: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Make a lint an error; `--deny warnings` makes every warning one.
    #[arg(short = 'D', long, value_name = "CODE")]
    pub deny: Vec<String>,
    /// Silence a lint.
    #[arg(short = 'A', long, value_name = "CODE")]
    pub allow: Vec<String>,
    /// Lint settings; by default the nearest `rubric.toml` in the current
    /// directory or its parents.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Checks each policy; any error (or denied warning) makes the exit code 1.
pub fn run(args: &Args) -> Exit {
    let Some(mut levels) = levels(args.config.as_deref()) else {
        return Exit::Invalid;
    };
    for code in &args.allow {
        levels.allow(code);
    }
    for code in &args.deny {
        levels.deny(code);
    }
    // A file that cannot be read is reported; the others are still checked.
    let mut unreadable = false;
    let mut files = Vec::new();
    for path in &args.policies {
        let is_policy = |p: &Path| p.extension().is_some_and(|e| e == "policy");
        if let Err(err) = files_under(Path::new(path), &is_policy, &mut files) {
            eprintln!("error: cannot read `{path}`: {err}");
            unreadable = true;
        }
    }
    let mut reports = Vec::new();
    for file in &files {
        let shown = file.display().to_string();
        let text = match std::fs::read_to_string(file) {
            Ok(text) => text,
            Err(err) => {
                eprintln!("error: cannot read `{shown}`: {err}");
                unreadable = true;
                continue;
            }
        };
        reports.push(FileFindings {
            findings: findings(&shown, &text, &levels),
            path: shown,
        });
    }
    let output = match args.format {
        Format::Human => {
            for report in &reports {
                for finding in &report.findings {
                    eprintln!("{}\n", finding.rendered.trim_end());
                }
                let errors = report
                    .findings
                    .iter()
                    .filter(|f| f.level == Level::Error)
                    .count();
                let warnings = report.findings.len() - errors;
                let count =
                    |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
                match (errors, warnings) {
                    (0, 0) => eprintln!("{}: ok", report.path),
                    (_, 0) => eprintln!("{}: {}", report.path, count(errors, "error")),
                    (0, _) => eprintln!("{}: {}", report.path, count(warnings, "warning")),
                    _ => eprintln!(
                        "{}: {}, {}",
                        report.path,
                        count(errors, "error"),
                        count(warnings, "warning")
                    ),
                }
            }
            String::new()
        }
        Format::Json => check::to_json(&reports),
        Format::Github => check::to_github(&reports),
        Format::Junit => check::to_junit(&reports, &rubric::lint::CODES),
        Format::Sarif => check::to_sarif(&reports, &rules()),
    };
    if !output.is_empty() {
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), "{}", output.trim_end());
    }
    let failed = reports
        .iter()
        .flat_map(|r| &r.findings)
        .any(|f| f.level == Level::Error);
    match (unreadable, failed) {
        (true, _) => Exit::Usage,
        (false, true) => Exit::Invalid,
        (false, false) => Exit::Success,
    }
}

/// Lint levels from `--config`, or the nearest `rubric.toml`; `None` after
/// reporting an unreadable one.
fn levels(config: Option<&Path>) -> Option<Levels> {
    let path = match config {
        Some(path) => Some(path.to_path_buf()),
        None => std::env::current_dir().ok().and_then(|dir| {
            dir.ancestors()
                .map(|d| d.join("rubric.toml"))
                .find(|p| p.is_file())
        }),
    };
    let Some(path) = path else {
        return Some(Levels::default());
    };
    let shown = path.display().to_string();
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) => {
            eprintln!("error: cannot read `{shown}`: {err}");
            return None;
        }
    };
    match Levels::from_config(&text) {
        Ok(levels) => Some(levels),
        Err(err) => {
            let source = NamedSource::new(shown, text);
            emit(&WithSource::new(&err, &source));
            None
        }
    }
}

/// Every finding of one policy file: syntax or check errors, else lints.
fn findings(shown: &str, text: &str, levels: &Levels) -> Vec<Finding> {
    // Indexed once: a file may have thousands of findings.
    let source = IndexedSource::new(shown, text.to_owned());
    let finding = |diagnostic: &dyn miette::Diagnostic, level: Level| {
        let rendered = render(&WithSource::indexed(diagnostic, &source), stderr_style());
        Finding::indexed(diagnostic, &source, level, rendered)
    };
    let file = match rubric::syntax::parse_all(text) {
        Ok(file) => file,
        Err(errors) => return errors.iter().map(|e| finding(e, Level::Error)).collect(),
    };
    let policy = match rubric::check::check(&file) {
        Ok(policy) => policy,
        Err(errors) => return errors.iter().map(|e| finding(e, Level::Error)).collect(),
    };
    rubric::lint::lint(&file, &policy)
        .iter()
        .filter_map(|warning| {
            let level = levels.level(&warning.code_text())?;
            Some(finding(warning, level))
        })
        .collect()
}

/// SARIF rules: every code, with its explanation.
fn rules() -> Vec<Rule<'static>> {
    rubric::explain::all()
        .iter()
        .map(|e| Rule {
            code: e.code,
            title: e.title,
            help: e.text,
        })
        .collect()
}
