//! `rubric test [PATH...]`: run the policy tests in `*.tests.toml` files,
//! optionally with coverage of every requirement, role and market threshold.

use std::path::{Path, PathBuf};

use miette::NamedSource;
use rubric::policy_test::{self, CaseResult, CoverageItem};
use rubric::report::diagnostic::WithSource;

use super::{Exit, emit, files_under};

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
    /// Test files, or directories to search for `*.tests.toml` files.
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

/// The results of one test file.
struct FileRun {
    path: String,
    results: Vec<CaseResult<'static>>,
}

/// Runs the tests.
pub fn run(args: &Args) -> Exit {
    let mut files = Vec::new();
    for path in &args.paths {
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
    let mut invalid = 0;
    let with_coverage = args.coverage || args.min_coverage.is_some();
    for file in files {
        match run_file(&file, args, with_coverage) {
            Ok((run, file_exit)) => {
                exit = exit.max(file_exit);
                runs.push(run);
            }
            Err(file_exit) => {
                invalid += 1;
                exit = exit.max(file_exit);
            }
        }
    }
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

fn run_file(path: &Path, args: &Args, with_coverage: bool) -> Result<(FileRun, Exit), Exit> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|err| {
        eprintln!("error: cannot read `{shown}`: {err}");
        Exit::Usage
    })?;
    let source = NamedSource::new(shown.clone(), text.clone());
    let report = |errors: &[rubric::policy_test::TestFileError]| {
        for err in errors {
            emit(&WithSource::new(err, &source));
        }
        Exit::Invalid
    };
    let file = policy_test::parse(&text).map_err(|errors| report(&errors))?;
    let policy_path = policy_path_for(path, file.policy.as_deref());
    let policy_shown = policy_path.display().to_string();
    let policy_text = std::fs::read_to_string(&policy_path).map_err(|err| {
        eprintln!("error: cannot read the policy `{policy_shown}` of `{shown}`: {err}");
        Exit::Usage
    })?;
    let policy = rubric::load_policy(&policy_text).map_err(|err| {
        let policy_source = NamedSource::new(policy_shown.clone(), policy_text.clone());
        for diagnostic in err.diagnostics() {
            emit(&WithSource::new(diagnostic, &policy_source));
        }
        Exit::Invalid
    })?;
    let errors = policy_test::validate(&file, &policy);
    if !errors.is_empty() {
        return Err(report(&errors));
    }
    let results = policy_test::run(&file, &policy);
    let mut exit = Exit::Success;
    if args.format == Format::Human {
        say!("{shown} ({policy_shown})");
        for result in &results {
            say!(
                "  {} {}",
                if result.passed { "✓" } else { "✗" },
                result.name
            );
            for difference in &result.differences {
                say!("      {difference}");
            }
        }
    }
    if with_coverage {
        let items = policy_test::coverage(&policy, &results);
        let percent = coverage_percent(&items);
        if args.format == Format::Human {
            print_coverage(&items, percent, &policy_shown, &policy_text);
        }
        if let Some(min) = args.min_coverage
            && percent < min
        {
            eprintln!("{shown}: coverage {percent:.1}% is below the minimum {min}%");
            exit = Exit::Invalid;
        }
    }
    Ok((
        FileRun {
            path: shown,
            results: results.into_iter().map(CaseResult::into_verdict).collect(),
        },
        exit,
    ))
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
    let before = text.get(..offset).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn junit(runs: &[FileRun]) -> String {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut report = Report::new("rubric test");
    for run in runs {
        let mut suite = TestSuite::new(run.path.as_str());
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
        report.add_test_suite(suite);
    }
    report.to_string().unwrap_or_default()
}
