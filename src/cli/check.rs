//! `rubric check PATH...`: parse and validate policies, run the lints, and
//! report every finding of every file in the format CI needs.

use std::collections::HashMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use miette::NamedSource;
use rubric::data::read::ReadError;
use rubric::lint::{ConfigError, Level, Levels};
use rubric::report::check::{self, FileFindings, Finding, Rule};
use rubric::report::diagnostic::{IndexedSource, Style, WithSource, render};

use super::{Exit, files_under, stderr_style};

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
    /// Policy files, or directories to search for `*.policy` files; `-`
    /// reads one policy from stdin.
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
    /// Lint settings for every policy; by default each policy's nearest
    /// `rubric.toml`, in its directory or a parent.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// What stdin is called in reports.
const STDIN: &str = "<stdin>";

/// Checks each policy; any error (or denied warning) makes the exit code 1,
/// a file that cannot be read 2. Every failure is in every format.
pub fn run(args: &Args) -> Exit {
    if let Err(message) = known_lints(&args.allow, &args.deny) {
        eprintln!("error: {message}");
        return Exit::Usage;
    }
    // The human rendering goes to stderr; machine formats carry it too
    // (JUnit's descriptions), plain and unwrapped.
    let style = match args.format {
        Format::Human => stderr_style(),
        _ => Style {
            color: false,
            width: usize::MAX,
        },
    };
    let mut reports = Vec::new();
    let mut configs = Configs::default();
    let mut files = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut empty = Vec::new();
    for path in &args.policies {
        if path == "-" {
            files.push(PathBuf::from("-"));
            continue;
        }
        let mut found = Vec::new();
        match files_under(Path::new(path), &is_policy, &mut found) {
            Err(err) => reports.push(unreadable(path, err, style)),
            Ok(()) if found.is_empty() && Path::new(path).is_dir() => empty.push(path),
            Ok(()) => {
                // A file named twice (or reached through a link) is checked once.
                for file in found {
                    let real = file.canonicalize().unwrap_or_else(|_| file.clone());
                    if seen.insert(real) {
                        files.push(file);
                    }
                }
            }
        }
    }
    for path in &empty {
        eprintln!("error: no `*.policy` files under `{path}`");
    }
    let mut stdin_read = false;
    for file in &files {
        let (shown, text) = if file.as_os_str() == "-" {
            if std::mem::replace(&mut stdin_read, true) {
                continue;
            }
            let mut bytes = Vec::new();
            let read = std::io::stdin()
                .read_to_end(&mut bytes)
                .and_then(|_| String::from_utf8(bytes).map_err(std::io::Error::other));
            match read {
                Ok(text) => (STDIN.to_owned(), text),
                Err(err) => {
                    reports.push(unreadable(STDIN, err, style));
                    continue;
                }
            }
        } else {
            let shown = file.display().to_string();
            match std::fs::read_to_string(file) {
                Ok(text) => (shown, text),
                Err(err) => {
                    reports.push(unreadable(&shown, err, style));
                    continue;
                }
            }
        };
        let dir = if shown == STDIN {
            std::env::current_dir().ok()
        } else {
            // `a.policy` has the parent ``: the current directory.
            match file.parent() {
                Some(dir) if !dir.as_os_str().is_empty() => Some(dir.to_path_buf()),
                _ => Some(PathBuf::from(".")),
            }
        };
        let mut levels =
            configs.levels(args.config.as_deref(), dir.as_deref(), &mut reports, style);
        for code in &args.allow {
            levels.allow(code);
        }
        for code in &args.deny {
            levels.deny(code);
        }
        reports.push(FileFindings {
            findings: findings(&shown, &text, &levels, style),
            path: shown,
        });
    }
    let output = match args.format {
        Format::Human => {
            for report in &reports {
                for finding in &report.findings {
                    eprintln!("{}\n", finding.rendered.trim_end());
                }
                let counted = report.findings.iter().filter(|f| f.counts());
                let errors = counted.clone().filter(|f| f.level == Level::Error).count();
                let warnings = counted.count() - errors;
                let count =
                    |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
                match (errors, warnings) {
                    (0, 0) if super::quiet() => {}
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
            Ok(String::new())
        }
        Format::Json => check::to_json(&reports),
        Format::Github => Ok(check::to_github(&reports)),
        Format::Junit => check::to_junit(&reports, &rubric::lint::CODES),
        Format::Sarif => check::to_sarif(&reports, &rules()),
    };
    let output = match output {
        Ok(output) => output,
        Err(err) => {
            eprintln!("error: {err}");
            return Exit::Usage;
        }
    };
    if !output.is_empty() {
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), "{}", output.trim_end());
    }
    let all = || reports.iter().flat_map(|r| &r.findings);
    let unreadable = all().any(|f| f.code == UNREADABLE);
    let failed = all().any(|f| f.level == Level::Error && f.counts());
    if unreadable || !empty.is_empty() {
        Exit::Usage
    } else if failed {
        Exit::Invalid
    } else {
        Exit::Success
    }
}

fn is_policy(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "policy")
}

/// The code of a file that cannot be read (`rubric explain E0406`).
const UNREADABLE: &str = "E0406";

/// A report for a path that cannot be read (or is not UTF-8): an error in
/// every format, so no output can pass it over.
fn unreadable(shown: &str, cause: std::io::Error, style: Style) -> FileFindings {
    let error = ReadError {
        path: shown.to_owned(),
        cause,
    };
    let rendered = render(&error, style);
    FileFindings {
        path: shown.to_owned(),
        findings: vec![Finding::new(&error, "", Level::Error, rendered)],
    }
}

/// `Err` naming an unknown lint code given to `--allow` or `--deny`, with
/// the nearest known one.
fn known_lints(allow: &[String], deny: &[String]) -> Result<(), String> {
    for code in allow {
        lint_code(code, false)?;
    }
    for code in deny {
        lint_code(code, true)?;
    }
    Ok(())
}

/// `Err` with a message unless `code` names a lint (or, where it may be
/// denied, is `warnings`).
fn lint_code(code: &str, deny: bool) -> Result<(), String> {
    let upper = code.trim().to_uppercase();
    if rubric::lint::CODES.contains(&upper.as_str()) || (deny && upper == "WARNINGS") {
        return Ok(());
    }
    if upper == "WARNINGS" {
        return Err("`warnings` can only be denied; to silence a lint, allow its code".to_owned());
    }
    if rubric::explain::explain(&upper).is_some() {
        return Err(format!(
            "`{code}` is an error, not a lint: only lints ({}) can be allowed or denied",
            rubric::lint::CODES.join(", ")
        ));
    }
    let mut candidates: Vec<&str> = rubric::lint::CODES.to_vec();
    if deny {
        candidates.push("warnings");
    }
    let nearest = candidates
        .iter()
        .map(|c| (strsim::levenshtein(&upper, &c.to_uppercase()), *c))
        .min()
        .filter(|(distance, _)| *distance <= 2);
    Err(match nearest {
        Some((_, near)) => format!("unknown lint `{code}`; did you mean `{near}`?"),
        None => format!(
            "unknown lint `{code}`; lints are {}",
            rubric::lint::CODES.join(", ")
        ),
    })
}

/// Lint settings read so far, by `rubric.toml` path (`None` where a policy
/// has none), so that each file is read and reported once.
#[derive(Default)]
struct Configs {
    read: HashMap<Option<PathBuf>, Levels>,
}

impl Configs {
    /// The lint levels for a policy in `dir`: from `--config`, else from the
    /// nearest `rubric.toml` in `dir` or a parent. A settings file that
    /// cannot be read or is invalid is added to `reports` (once) and its
    /// policies get the default levels.
    fn levels(
        &mut self,
        config: Option<&Path>,
        dir: Option<&Path>,
        reports: &mut Vec<FileFindings>,
        style: Style,
    ) -> Levels {
        let path = match config {
            Some(path) => Some(path.to_path_buf()),
            None => dir.and_then(nearest_config),
        };
        if let Some(levels) = self.read.get(&path) {
            return levels.clone();
        }
        let levels = match &path {
            None => Levels::default(),
            Some(path) => read_config(path, reports, style).unwrap_or_default(),
        };
        self.read.insert(path, levels.clone());
        levels
    }
}

/// The nearest `rubric.toml` in `dir` or one of its parents, relative to
/// the current directory when it is under it.
fn nearest_config(dir: &Path) -> Option<PathBuf> {
    let dir = std::path::absolute(dir).ok()?;
    let found = dir
        .ancestors()
        .map(|d| d.join("rubric.toml"))
        .find(|p| p.is_file())?;
    let cwd = std::env::current_dir().ok();
    match cwd.as_deref().and_then(|cwd| found.strip_prefix(cwd).ok()) {
        Some(relative) => Some(relative.to_path_buf()),
        None => Some(found),
    }
}

/// Lint levels from a `rubric.toml`; `None` after adding to `reports` why
/// they cannot be read.
fn read_config(path: &Path, reports: &mut Vec<FileFindings>, style: Style) -> Option<Levels> {
    let shown = path.display().to_string();
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) => {
            reports.push(unreadable(&shown, err, style));
            return None;
        }
    };
    let errors = match Levels::from_config(&text) {
        Ok(levels) => match unknown_codes(&text) {
            errors if errors.is_empty() => return Some(levels),
            errors => errors,
        },
        Err(err) => vec![err],
    };
    let source = NamedSource::new(shown.clone(), text.clone());
    let findings = errors
        .iter()
        .map(|err| {
            let rendered = render(&WithSource::new(err, &source), style);
            Finding::new(err, &text, Level::Error, rendered)
        })
        .collect();
    reports.push(FileFindings {
        path: shown,
        findings,
    });
    None
}

/// An E0600 for each code in a valid `rubric.toml` that names no lint.
fn unknown_codes(text: &str) -> Vec<ConfigError> {
    #[derive(serde::Deserialize, Default)]
    struct Config {
        #[serde(default)]
        lints: Lints,
    }
    #[derive(serde::Deserialize, Default)]
    struct Lints {
        #[serde(default)]
        allow: Vec<toml::Spanned<String>>,
        #[serde(default)]
        deny: Vec<toml::Spanned<String>>,
    }
    let Ok(config) = toml::from_str::<Config>(text) else {
        return Vec::new();
    };
    let allowed = config.lints.allow.iter().map(|c| (c, false));
    let denied = config.lints.deny.iter().map(|c| (c, true));
    allowed
        .chain(denied)
        .filter_map(|(code, deny)| {
            let message = lint_code(code.get_ref(), deny).err()?;
            let span = code.span();
            Some(ConfigError {
                message,
                span: (span.start, span.end - span.start).into(),
            })
        })
        .collect()
}
/// Every finding of one policy file: syntax or check errors, else lints.
fn findings(shown: &str, text: &str, levels: &Levels, style: Style) -> Vec<Finding> {
    // Indexed once: a file may have thousands of findings.
    let source = IndexedSource::new(shown, text.to_owned());
    let checked = rubric::check_source(text);
    let mut found: Vec<Finding> = checked
        .diagnostics
        .iter()
        .filter_map(|diagnostic| {
            let level = if diagnostic.is_error() {
                Level::Error
            } else {
                levels.level(&diagnostic.code_text())?
            };
            let rendered = render(&WithSource::indexed(diagnostic, &source), style);
            Some(Finding::indexed(diagnostic, &source, level, rendered))
        })
        .collect();
    // Findings an `allow` in the policy accepts: one line each, after the
    // rest; a lint allowed project-wide stays silent here too.
    found.extend(
        checked
            .allowed
            .iter()
            .filter(|a| levels.level(&a.warning.code_text()).is_some())
            .map(|a| Finding::allowed(&a.warning, &source, shown, &a.reason)),
    );
    found
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
