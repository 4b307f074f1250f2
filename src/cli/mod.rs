//! Command-line interface: argument definitions and one module per
//! subcommand. Only this layer prints; diagnostics go to stderr, results to
//! stdout.

pub mod check;
pub mod diff;
pub mod doc;
pub mod eval;
pub mod example;
pub mod explain;
pub mod fmt;
pub mod lsp;
pub mod test;
pub mod timeline;

use std::collections::HashSet;
use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

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
// The version names the commit it was built from, when known (build.rs).
#[command(name = "rubric", version = env!("RUBRIC_VERSION"), about, long_about = None)]
pub struct Cli {
    /// Options every subcommand takes.
    #[command(flatten)]
    pub global: Global,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every subcommand takes, before or after its name.
#[derive(Clone, Debug, clap::Args)]
pub struct Global {
    /// When to colour output: `auto` colours a terminal unless `NO_COLOR` is
    /// set or `TERM=dumb` (`CLICOLOR_FORCE=1` colours even a pipe).
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print only diagnostics, failures and results: no progress, no
    /// per-file "ok" lines, no passing test cases.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

/// `--color`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour a terminal, following `NO_COLOR`, `CLICOLOR_FORCE` and `TERM`.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

impl ColorChoice {
    /// Whether to colour a stream that is (or is not) a terminal, given the
    /// environment: `NO_COLOR` (any non-empty value) wins over
    /// `CLICOLOR_FORCE` (any value but `0`), which wins over `TERM=dumb`.
    pub fn colors(self, is_terminal: bool, env: &dyn Fn(&str) -> Option<String>) -> bool {
        let set = |name: &str| env(name).filter(|v| !v.is_empty());
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                if set("NO_COLOR").is_some() {
                    false
                } else if set("CLICOLOR_FORCE").is_some_and(|v| v != "0") {
                    true
                } else if env("TERM").is_some_and(|t| t == "dumb") {
                    false
                } else {
                    is_terminal
                }
            }
        }
    }
}

/// Parses the command line. Clap's own help and errors follow `--color`
/// too, so it is looked for before parsing (clap colours them by `NO_COLOR`,
/// `CLICOLOR_FORCE` and `TERM` the same way on `auto`).
pub fn parse() -> Cli {
    use clap::{CommandFactory as _, FromArgMatches as _};
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let mut choice = clap::ColorChoice::Auto;
    for (i, arg) in args.iter().enumerate() {
        let value = match arg.to_str() {
            Some("--color") => args.get(i + 1).and_then(|v| v.to_str()),
            Some(arg) => arg.strip_prefix("--color="),
            None => None,
        };
        match value {
            Some("always") => choice = clap::ColorChoice::Always,
            Some("never") => choice = clap::ColorChoice::Never,
            _ => {}
        }
    }
    let matches = Cli::command().color(choice).get_matches_from(&args);
    Cli::from_arg_matches(&matches).unwrap_or_else(|err| err.exit())
}

/// The global options of this run, set once by `main`.
static GLOBAL: OnceLock<Global> = OnceLock::new();

/// Records the global options; later calls are ignored.
pub fn set_global(global: Global) {
    let _ = GLOBAL.set(global);
}

fn global() -> Global {
    GLOBAL.get().cloned().unwrap_or(Global {
        color: ColorChoice::Auto,
        quiet: false,
    })
}

/// Whether `-q/--quiet` was given: leave out progress and success messages.
pub fn quiet() -> bool {
    global().quiet
}

/// Whether to colour stderr.
pub fn color_stderr() -> bool {
    let env = |name: &str| std::env::var(name).ok();
    global().color.colors(std::io::stderr().is_terminal(), &env)
}

/// Whether to colour stdout.
pub fn color_stdout() -> bool {
    let env = |name: &str| std::env::var(name).ok();
    global().color.colors(std::io::stdout().is_terminal(), &env)
}

/// Colours for [`paint`].
#[derive(Clone, Copy, Debug)]
pub enum Paint {
    /// Passed, or added.
    Green,
    /// Failed, or removed.
    Red,
    /// Where, in a diff.
    Cyan,
}

/// `text` in `paint` when `on`, else as it is.
pub fn paint(text: &str, paint: Paint, on: bool) -> String {
    if !on {
        return text.to_owned();
    }
    let code = match paint {
        Paint::Green => 32,
        Paint::Red => 31,
        Paint::Cyan => 36,
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse and validate policy files.
    #[command(
        after_help = "Examples:\n  rubric check policies/cloud_crm.policy\n  rubric check policies --deny warnings\n  rubric check policies --allow W0103 --format sarif > rubric.sarif\n  rubric check - < draft.policy\n\nLint settings may also come from a rubric.toml ([lints] allow = [...], deny = [...]): each policy uses the nearest one in its directory or a parent.\nExit codes: 0 clean (warnings allowed), 1 errors or denied warnings, 2 usage or I/O error."
    )]
    Check(check::Args),
    /// Show what changed between two versions of a policy, and whether each
    /// change is stricter or looser for partners.
    #[command(
        after_help = "Examples:\n  rubric diff policies/cloud_crm_2017.policy policies/cloud_crm.policy\n  rubric diff main:policies/cloud_crm.policy policies/cloud_crm.policy --format markdown\n  rubric diff old.policy new.policy --format json\n\nA version written REV:PATH is read from git at that revision (when no such file exists).\nExit codes: 0 the versions mean the same for every partner, 1 they differ, 2 usage, I/O or policy error."
    )]
    Diff(diff::Args),
    /// Render the competency's requirements page from the policy, in a
    /// shipped language, as Markdown or standalone HTML.
    #[command(
        after_help = "Examples:\n  rubric doc policies/cloud_crm.policy\n  rubric doc policies/cloud_crm.policy --lang ko --format html -o cloud_crm.ko.html\n  rubric doc policies/cloud_crm.policy --since main:policies/cloud_crm.policy\n\nExit codes: 0 written, 1 the policy has errors, 2 usage or I/O error."
    )]
    Doc(doc::Args),
    /// Evaluate partners against a policy at an as-of date.
    #[command(
        after_help = "Examples:\n  rubric eval policies/cloud_crm.policy examples/partners.jsonl --as-of 2017-06-30\n  rubric eval policies/cloud_crm.policy examples/partners.jsonl --as-of 2017-06-30 --format jsonl\n  cat partners.json | rubric eval policies/cloud_crm.policy - --as-of 2017-06-30\n\nData files hold one JSON object, a JSON array of objects, or JSON Lines (*.jsonl, one partner per line); `-` reads stdin.\nExit codes: 0 all evaluated, 1 invalid policy or some records not evaluated, 2 usage or I/O error."
    )]
    Eval(eval::Args),
    /// Print a minimal partner that meets a tier, or misses it by one
    /// requirement, checked by evaluating it.
    #[command(
        after_help = "Examples:\n  rubric example policies/cloud_crm.policy --tier gold\n  rubric example policies/cloud_crm.policy --tier silver --just-below silver/crm --as-test >> policies/cloud_crm.tests.toml\n\nExit codes: 0 printed, 1 the policy has errors or no partner gives the result, 2 usage or I/O error (an unknown tier, option, market or requirement)."
    )]
    Example(example::Args),
    /// Explain a diagnostic code, with an example that raises it and the fix.
    #[command(after_help = "Examples:\n  rubric explain E0201\n  rubric explain W0100")]
    Explain(explain::Args),
    /// Rewrite policy files in the canonical layout, keeping every comment.
    #[command(
        after_help = "Examples:\n  rubric fmt policies\n  rubric fmt --check policies\n  rubric fmt - < draft.policy > tidy.policy\n\nExit codes: 0 formatted (or nothing to change), 1 a file would change under --check or cannot be parsed, 2 usage or I/O error."
    )]
    Fmt(fmt::Args),
    /// Serve the Language Server Protocol on stdin and stdout, for editors.
    #[command(
        after_help = "Editors start it themselves: the VS Code extension in editors/vscode, or any LSP client configured to run `rubric lsp` for *.policy files.\nExit codes: 0 the editor said exit, 2 the connection broke."
    )]
    Lsp(lsp::Args),
    /// Print a shell completion script for rubric.
    #[command(
        after_help = "Examples:\n  rubric completions bash > ~/.local/share/bash-completion/completions/rubric\n  rubric completions zsh > ~/.zfunc/_rubric\n  rubric completions fish > ~/.config/fish/completions/rubric.fish"
    )]
    Completions(Completions),
    /// Run policy tests (`*.tests.toml`), with optional coverage.
    #[command(
        after_help = "Examples:\n  rubric test\n  rubric test policies/cloud_crm.tests.toml --coverage\n  rubric test policies --min-coverage 100 --format junit > junit.xml\n  rubric test - < draft.tests.toml   (the file names its policy)\n\nExit codes: 0 all passed, 1 a case failed, a test file is invalid or coverage is too low, 2 usage or I/O error."
    )]
    Test(test::Args),
    /// Each partner's tier over a range of dates: where it changes, why,
    /// and the next loss after the range.
    #[command(
        after_help = "Examples:\n  rubric timeline policies/cloud_crm.policy examples/partners.jsonl --from 2017-01-01 --to 2017-12-31\n  rubric timeline policies/cloud_crm.policy examples/partners.jsonl --from 2017-01-01 --to 2017-12-31 --format jsonl\n\nChange dates are found from the data's and the policy's dates (lines entering and leaving trailing windows, passes, credentials retiring), not by evaluating every day.\nExit codes: 0 all evaluated, 1 invalid policy or some records not evaluated, 2 usage (e.g. --from after --to) or I/O error."
    )]
    Timeline(timeline::Args),
}

/// Arguments of `rubric completions`.
#[derive(Debug, clap::Args)]
pub struct Completions {
    /// The shell.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// Prints the completion script for `shell` to stdout.
pub fn completions(args: &Completions) -> Exit {
    use clap::CommandFactory as _;
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut command, "rubric", &mut out);
    use std::io::Write as _;
    match std::io::stdout().write_all(&out) {
        Ok(()) => Exit::Success,
        Err(_) => Exit::Usage,
    }
}

/// How to render diagnostics on stderr: coloured as `--color` says, wrapped
/// at the terminal's width on a terminal and not at all in a pipe (a word is
/// never split either way).
pub fn stderr_style() -> Style {
    let width = if std::io::stderr().is_terminal() {
        terminal_size::terminal_size_of(std::io::stderr())
            .map_or(100, |(terminal_size::Width(w), _)| usize::from(w).max(40))
    } else {
        usize::MAX
    };
    Style {
        color: color_stderr(),
        width,
    }
}

/// Writes a rendered diagnostic to stderr.
pub fn emit(diagnostic: &dyn miette::Diagnostic) {
    let text = rubric::report::diagnostic::render(diagnostic, stderr_style());
    // One blank line after each diagnostic, however miette ended it.
    eprintln!("{}\n", text.trim_end());
}

/// The checked policy of file `name`, or its diagnostics on stderr and a
/// line saying what was not done (`consequence`) because of them.
pub fn checked(name: &str, text: &str, consequence: &str) -> Option<rubric::model::Policy> {
    match rubric::load_policy(text) {
        Ok(policy) => Some(policy),
        Err(err) => {
            let source = miette::NamedSource::new(name, text.to_owned());
            for diagnostic in err.diagnostics() {
                emit(&rubric::report::diagnostic::WithSource::new(
                    diagnostic, &source,
                ));
            }
            eprintln!("{name}: the policy has errors; {consequence}");
            None
        }
    }
}

/// Writes a record's errors and warnings to stderr; the exit code it
/// calls for (a record not evaluated is `Invalid`).
pub fn emit_record_problems(record: &rubric::batch::RecordOutcome<'_>) -> Exit {
    for diagnostic in record.errors.iter().chain(record.warnings) {
        emit(diagnostic);
    }
    if record.failed {
        Exit::Invalid
    } else {
        Exit::Success
    }
}

/// Partner data inputs as named on the command line: `-` is stdin.
pub fn data_inputs(paths: &[String]) -> Vec<rubric::batch::DataInput> {
    paths
        .iter()
        .map(|path| {
            if path == "-" {
                rubric::batch::DataInput::Stdin
            } else {
                rubric::batch::DataInput::Path(path.clone())
            }
        })
        .collect()
}

/// Threads to evaluate on: as asked, else every core; at least one.
pub fn threads(asked: Option<usize>) -> usize {
    asked
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1)
}

/// What went wrong reading a policy or a set of its versions; diagnostics
/// come with their file when they have one.
pub enum PolicyProblem<'a> {
    /// A file that cannot be read, in words.
    Unreadable(String),
    /// A diagnostic, in its file when it points into one.
    Diagnostic(
        &'a dyn miette::Diagnostic,
        Option<&'a miette::NamedSource<String>>,
    ),
}

/// Reads a policy file, or every version of one competency: a directory of
/// `*.policy` files with one id and distinct `effective` dates. Problems go
/// to `report`; the exit code says what kind they were.
pub fn read_versions(
    path: &str,
    report: &mut dyn FnMut(PolicyProblem<'_>),
) -> Result<rubric::versions::Versions, Exit> {
    let mut files = Vec::new();
    let is_policy = |p: &Path| p.extension().is_some_and(|e| e == "policy");
    if let Err(err) = files_under(Path::new(path), &is_policy, &mut files) {
        report(PolicyProblem::Unreadable(format!(
            "cannot read `{path}`: {err}"
        )));
        return Err(Exit::Usage);
    }
    if files.is_empty() {
        report(PolicyProblem::Unreadable(format!(
            "no `*.policy` files under `{path}`"
        )));
        return Err(Exit::Usage);
    }
    let mut versions = Vec::new();
    let mut exit = Exit::Success;
    for file in files {
        let name = file.display().to_string();
        let source = match std::fs::read_to_string(&file) {
            Ok(source) => source,
            Err(err) => {
                report(PolicyProblem::Unreadable(format!(
                    "cannot read `{name}`: {err}"
                )));
                exit = exit.max(Exit::Usage);
                continue;
            }
        };
        match rubric::load_policy(&source) {
            Ok(policy) => versions.push(rubric::versions::PolicyVersion {
                name,
                source,
                policy,
            }),
            Err(err) => {
                let named = miette::NamedSource::new(name, source);
                for diagnostic in err.diagnostics() {
                    report(PolicyProblem::Diagnostic(diagnostic, Some(&named)));
                }
                exit = exit.max(Exit::Invalid);
            }
        }
    }
    if exit != Exit::Success {
        return Err(exit);
    }
    rubric::versions::Versions::new(versions).map_err(|errors| {
        for error in &errors {
            report(PolicyProblem::Diagnostic(error, None));
        }
        Exit::Invalid
    })
}

/// [`read_versions`] with every problem on stderr, and a closing line when
/// the policy has errors.
pub fn read_versions_or_report(path: &str) -> Result<rubric::versions::Versions, Exit> {
    read_versions(path, &mut |problem| match problem {
        PolicyProblem::Unreadable(message) => eprintln!("error: {message}"),
        PolicyProblem::Diagnostic(diagnostic, Some(source)) => {
            emit(&rubric::report::diagnostic::WithSource::new(
                diagnostic, source,
            ));
        }
        PolicyProblem::Diagnostic(diagnostic, None) => emit(diagnostic),
    })
    .inspect_err(|exit| {
        if *exit == Exit::Invalid {
            eprintln!("{path}: the policy has errors; nothing was evaluated");
        }
    })
}

/// Adds `path` if it is a file, or the files under it that `wanted` accepts,
/// in name order. Symbolic links are followed, but a directory is walked
/// once however many links lead to it (a link to a parent would otherwise
/// loop), and a file reached twice is added once. Only `path` itself not
/// existing is an error: an entry under it that cannot be read (a dangling
/// link, a directory Rubric may not list) is added as it is, so that reading
/// it reports it and the other files are still handled.
pub fn files_under(
    path: &Path,
    wanted: &dyn Fn(&Path) -> bool,
    out: &mut Vec<PathBuf>,
) -> std::io::Result<()> {
    let mut seen = HashSet::new();
    for file in out.iter() {
        if let Ok(real) = file.canonicalize() {
            seen.insert(real);
        }
    }
    std::fs::metadata(path)?;
    walk(path, wanted, out, &mut seen, true)
}

fn walk(
    path: &Path,
    wanted: &dyn Fn(&Path) -> bool,
    out: &mut Vec<PathBuf>,
    seen: &mut HashSet<PathBuf>,
    top: bool,
) -> std::io::Result<()> {
    // INVARIANT: `seen` holds the real path of every directory walked and
    // file added so far, so no walk can revisit one.
    let first_visit = match path.canonicalize() {
        Ok(real) => seen.insert(real),
        Err(_) => true,
    };
    if !first_visit {
        return Ok(());
    }
    if !path.is_dir() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = match std::fs::read_dir(path) {
        Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(_) if !top => {
            // Not the directory named: reading it reports why.
            out.push(path.to_path_buf());
            return Ok(());
        }
        Err(err) => return Err(err),
    };
    entries.sort();
    for entry in entries {
        if entry.is_dir() || wanted(&entry) {
            walk(&entry, wanted, out, seen, false)?;
        }
    }
    Ok(())
}
