//! `rubric test [PATH...]`: run the policy tests in `*.tests.toml` files,
//! optionally with coverage of every requirement, role and market threshold.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use miette::NamedSource;
use rubric::policy_test::{self, CaseResult, CoverageItem};
use rubric::report::diagnostic::{Style, WithSource, location, render};

use super::{Exit, Paint, PolicyProblem, files_under, paint, stderr_style};

/// Prints a line to stdout; a closed stdout (`| head`) is not an error.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// Output formats of `rubric test`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One line per case, with the differences of failed cases.
    Human,
    /// JUnit XML: one test suite per test file, one test case per case.
    Junit,
}

/// Arguments of `rubric test`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Test files, or directories to search for `*.tests.toml` files; `-`
    /// reads one test file from stdin (it must name its `policy`, relative
    /// to the current directory).
    #[arg(value_name = "PATH", default_value = "policies")]
    pub paths: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Report which requirements, roles and market thresholds the cases
    /// exercised both met and unmet.
    #[arg(long)]
    pub coverage: bool,
    /// Fail when a policy's coverage is below this percentage (implies --coverage).
    #[arg(long, value_name = "PERCENT")]
    pub min_coverage: Option<f64>,
}

/// What stdin is called in reports.
const STDIN: &str = "<stdin>";

/// Why a test file could not be run, as text for every format.
struct Problem {
    /// One line: `line:column: message` where there is a place.
    message: String,
    /// The rendered diagnostic.
    rendered: String,
}

/// The results of one test file: its cases, or why they could not be run.
struct FileRun {
    path: String,
    results: Vec<CaseResult<'static>>,
    /// Why the file could not be run; empty when it ran.
    problems: Vec<Problem>,
    /// Why coverage fails, under `--min-coverage`.
    coverage_failure: Option<String>,
}

/// Runs the tests.
pub fn run(args: &Args) -> Exit {
    let mut files = Vec::new();
    for path in &args.paths {
        if path == "-" {
            files.push(PathBuf::from("-"));
            continue;
        }
        if let Err(err) = files_under(Path::new(path), &is_test_file, &mut files) {
            eprintln!("error: cannot read `{path}`: {err}");
            return Exit::Usage;
        }
    }
    if files.is_empty() {
        eprintln!(
            "error: no `*.tests.toml` files under {}",
            args.paths.join(", ")
        );
        return Exit::Usage;
    }
    let mut exit = Exit::Success;
    let mut runs = Vec::new();
    let with_coverage = args.coverage || args.min_coverage.is_some();
    let mut stdin_read = false;
    for file in files {
        if file.as_os_str() == "-" && std::mem::replace(&mut stdin_read, true) {
            continue;
        }
        let (run, file_exit) = run_file(&file, args, with_coverage);
        exit = exit.max(file_exit);
        runs.push(run);
    }
    let invalid = runs.iter().filter(|r| !r.problems.is_empty()).count();
    let (passed, failed) = runs
        .iter()
        .flat_map(|r| &r.results)
        .fold(
            (0, 0),
            |(p, f), r| if r.passed { (p + 1, f) } else { (p, f + 1) },
        );
    match args.format {
        Format::Human if invalid > 0 => {
            say!("{passed} passed, {failed} failed; {invalid} test file(s) could not be run")
        }
        Format::Human => say!("{passed} passed, {failed} failed"),
        Format::Junit => say!("{}", junit(&runs)),
    }
    if failed > 0 {
        exit = exit.max(Exit::Invalid);
    }
    exit
}

fn is_test_file(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(".tests.toml"))
}

/// Reports a diagnostic on stderr and returns it as a [`Problem`].
fn problem(diagnostic: &dyn miette::Diagnostic, source: &NamedSource<String>) -> Problem {
    let with_source = WithSource::new(diagnostic, source);
    eprintln!("{}\n", render(&with_source, stderr_style()).trim_end());
    // For JUnit: plain and unwrapped, whatever stderr is.
    let plain = Style {
        color: false,
        width: usize::MAX,
    };
    let rendered = render(&with_source, plain);
    let message = match location(diagnostic, source.inner()) {
        Some((line, column)) => format!("{}:{line}:{column}: {diagnostic}", source.name()),
        None => format!("{}: {diagnostic}", source.name()),
    };
    Problem { message, rendered }
}

/// A [`Problem`] with no diagnostic behind it, reported on stderr.
fn plain_problem(message: String) -> Problem {
    eprintln!("error: {message}");
    Problem {
        rendered: message.clone(),
        message,
    }
}

fn run_file(path: &Path, args: &Args, with_coverage: bool) -> (FileRun, Exit) {
    let stdin = path.as_os_str() == "-";
    let shown = if stdin {
        STDIN.to_owned()
    } else {
        path.display().to_string()
    };
    let mut run = FileRun {
        path: shown.clone(),
        results: Vec::new(),
        problems: Vec::new(),
        coverage_failure: None,
    };
    let read = if stdin {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).map(|_| text)
    } else {
        std::fs::read_to_string(path)
    };
    let text = match read {
        Ok(text) => text,
        Err(err) => {
            run.problems
                .push(plain_problem(format!("cannot read `{shown}`: {err}")));
            return (run, Exit::Usage);
        }
    };
    let source = NamedSource::new(shown.clone(), text.clone());
    let file = match policy_test::parse(&text) {
        Ok(file) => file,
        Err(errors) => {
            run.problems = errors.iter().map(|e| problem(e, &source)).collect();
            return (run, Exit::Invalid);
        }
    };
    let policy_path = if stdin {
        match file.policy.as_deref() {
            Some(name) => PathBuf::from(name),
            None => {
                run.problems.push(plain_problem(
                    "a test file read from stdin must name its policy \
                     (`policy = \"cloud_crm.policy\"`, relative to the current directory)"
                        .to_owned(),
                ));
                return (run, Exit::Usage);
            }
        }
    } else {
        policy_path_for(path, file.policy.as_deref())
    };
    let policy_shown = policy_path.display().to_string();
    let mut unreadable = false;
    let versions = super::read_versions(&policy_shown, &mut |p| match p {
        PolicyProblem::Unreadable(message) => {
            unreadable = true;
            run.problems.push(plain_problem(format!(
                "{message} (the policy of `{shown}`)"
            )));
        }
        PolicyProblem::Diagnostic(diagnostic, Some(named)) => {
            run.problems.push(problem(diagnostic, named));
        }
        PolicyProblem::Diagnostic(diagnostic, None) => {
            run.problems
                .push(plain_problem(render(diagnostic, stderr_style())));
        }
    });
    let versions = match versions {
        Ok(versions) => versions,
        Err(exit) => return (run, if unreadable { Exit::Usage } else { exit }),
    };
    // Each case runs against the version in force at its as-of date: one
    // group of cases per version, in the order the versions take effect.
    let mut groups: Vec<(&rubric::versions::PolicyVersion, policy_test::TestFile)> = Vec::new();
    for case in &file.cases {
        let version = versions.in_force(case.as_of).version;
        match groups.iter_mut().find(|(v, _)| std::ptr::eq(*v, version)) {
            Some((_, cases)) => cases.cases.push(case.clone()),
            None => groups.push((
                version,
                policy_test::TestFile {
                    policy: file.policy.clone(),
                    cases: vec![case.clone()],
                },
            )),
        }
    }
    // A file without cases still has its coverage measured, against the
    // newest version.
    if groups.is_empty()
        && let Some(newest) = versions.all().last()
    {
        groups.push((
            newest,
            policy_test::TestFile {
                policy: file.policy.clone(),
                cases: Vec::new(),
            },
        ));
    }
    let errors: Vec<_> = groups
        .iter()
        .flat_map(|(version, cases)| policy_test::validate(cases, &version.policy))
        .collect();
    if !errors.is_empty() {
        run.problems = errors.iter().map(|e| problem(e, &source)).collect();
        return (run, Exit::Invalid);
    }
    let by_version: Vec<_> = groups
        .iter()
        .map(|(version, cases)| (*version, policy_test::run(cases, &version.policy)))
        .collect();
    let several = by_version.len() > 1;
    let mut exit = Exit::Success;
    if args.format == Format::Human {
        let quiet = super::quiet();
        let color = super::color_stdout();
        let failed = by_version.iter().flat_map(|(_, r)| r).any(|r| !r.passed);
        if !quiet || failed {
            say!("{shown} ({policy_shown})");
        }
        for (version, results) in &by_version {
            if several && (!quiet || results.iter().any(|r| !r.passed)) {
                say!(
                    "  version {} ({})",
                    version
                        .policy
                        .version
                        .as_deref()
                        .unwrap_or("without a label"),
                    version.name
                );
            }
            for result in results.iter().filter(|r| !quiet || !r.passed) {
                let mark = if result.passed {
                    paint("✓", Paint::Green, color)
                } else {
                    paint("✗", Paint::Red, color)
                };
                say!("  {mark} {}", result.name);
                for difference in &result.differences {
                    say!("      {difference}");
                }
            }
        }
    }
    if with_coverage {
        // Each version is covered by the cases run against it; the file's
        // coverage is the lowest.
        let mut lowest: Option<f64> = None;
        for (version, results) in &by_version {
            let items = policy_test::coverage(&version.policy, results);
            let percent = coverage_percent(&items);
            if args.format == Format::Human {
                print_coverage(&items, percent, &version.name, &version.source);
            }
            lowest = Some(lowest.map_or(percent, |l: f64| l.min(percent)));
        }
        if let (Some(min), Some(percent)) = (args.min_coverage, lowest)
            && percent < min
        {
            let message = format!("coverage {percent:.1}% is below the minimum {min}%");
            eprintln!("{shown}: {message}");
            run.coverage_failure = Some(message);
            exit = Exit::Invalid;
        }
    }
    run.results = by_version
        .into_iter()
        .flat_map(|(_, results)| results)
        .map(CaseResult::into_verdict)
        .collect();
    (run, exit)
}

/// The policy a test file tests: named in it, or the file name less
/// `.tests.toml` plus `.policy`, beside it.
fn policy_path_for(test_file: &Path, named: Option<&str>) -> PathBuf {
    let dir = test_file.parent().unwrap_or(Path::new(""));
    match named {
        Some(name) => dir.join(name),
        None => {
            let file_name = test_file.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let stem = file_name.strip_suffix(".tests.toml").unwrap_or(file_name);
            dir.join(format!("{stem}.policy"))
        }
    }
}

fn coverage_percent(items: &[CoverageItem]) -> f64 {
    if items.is_empty() {
        return 100.0;
    }
    let covered = items.iter().filter(|i| i.covered()).count();
    100.0 * covered as f64 / items.len() as f64
}

fn print_coverage(items: &[CoverageItem], percent: f64, policy_shown: &str, policy_text: &str) {
    let covered = items.iter().filter(|i| i.covered()).count();
    say!(
        "  coverage: {covered} of {} requirements, roles and market thresholds exercised both met and unmet ({percent:.1}%)",
        items.len()
    );
    for item in items.iter().filter(|i| !i.covered()) {
        let missing = match (item.met, item.unmet) {
            (false, false) => "never evaluated",
            (false, true) => "never met",
            _ => "never unmet",
        };
        let (line, column) = line_column(policy_text, item.span.start);
        say!(
            "    ✗ {} ({policy_shown}:{line}:{column}): {missing}",
            item.label
        );
    }
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    rubric::source::line_column(text, offset)
}

/// JUnit XML: a suite per test file with a case per case; a file that
/// could not be run has one erroring case `load` saying why, and a file
/// below `--min-coverage` a failing case `coverage`.
fn junit(runs: &[FileRun]) -> String {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut report = Report::new("rubric test");
    for run in runs {
        let mut suite = TestSuite::new(run.path.as_str());
        if !run.problems.is_empty() {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
            let messages: Vec<&str> = run.problems.iter().map(|p| p.message.as_str()).collect();
            let rendered: Vec<&str> = run.problems.iter().map(|p| p.rendered.as_str()).collect();
            status.set_message(messages.join("; "));
            status.set_description(rendered.join("\n"));
            suite.add_test_case(TestCase::new("load", status));
        }
        for result in &run.results {
            let status = if result.passed {
                TestCaseStatus::success()
            } else {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status.set_message(result.differences.join("; "));
                status
            };
            suite.add_test_case(TestCase::new(result.name.as_str(), status));
        }
        if let Some(message) = &run.coverage_failure {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status.set_message(message.as_str());
            suite.add_test_case(TestCase::new("coverage", status));
        }
        report.add_test_suite(suite);
    }
    report.to_string().unwrap_or_default()
}
