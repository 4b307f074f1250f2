//! What `rubric check` found, and its machine renderings: JSON (a stable,
//! documented schema), SARIF 2.1.0, GitHub Actions workflow commands and
//! JUnit XML.

use miette::Diagnostic;

use crate::report::RenderError;
use crate::report::diagnostic::IndexedSource;
use serde::Serialize;

pub use crate::lint::Level;

/// A place in a file, 1-based, columns in characters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Place {
    /// Line of the first character.
    pub line: usize,
    /// Column of the first character.
    pub column: usize,
    /// Line of the last character.
    pub end_line: usize,
    /// Column just after the last character.
    pub end_column: usize,
}

/// One label of a finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Label {
    /// Where.
    #[serde(flatten)]
    pub place: Place,
    /// What the label says.
    pub message: String,
    /// Whether this is the main place of the finding.
    pub primary: bool,
}

/// One diagnostic in a file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The stable code, e.g. `E0201` or `W0103`.
    pub code: String,
    /// Error, or warning.
    pub level: Level,
    /// The message.
    pub message: String,
    /// How to fix it, when known.
    pub help: Option<String>,
    /// Labelled places, the primary one first.
    pub labels: Vec<Label>,
    /// The reason of the `allow` in the policy that accepts the finding:
    /// it is reported, but counted neither as an error nor as a warning.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed: Option<String>,
    /// The human rendering.
    #[serde(skip)]
    pub rendered: String,
}

/// The findings of one file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FileFindings {
    /// The file as named on the command line.
    pub path: String,
    /// Its findings.
    pub findings: Vec<Finding>,
}

impl Finding {
    /// A finding from a diagnostic about `source`; `level` is decided by the caller.
    pub fn new(diagnostic: &dyn Diagnostic, source: &str, level: Level, rendered: String) -> Self {
        let indexed = IndexedSource::new("", source.to_owned());
        Finding::indexed(diagnostic, &indexed, level, rendered)
    }

    /// Like [`Finding::new`], with the source indexed once for all the
    /// findings of a file.
    pub fn indexed(
        diagnostic: &dyn Diagnostic,
        source: &IndexedSource,
        level: Level,
        rendered: String,
    ) -> Self {
        let mut labels: Vec<Label> = diagnostic
            .labels()
            .map(|labels| {
                labels
                    .map(|l| {
                        let (line, column) = source.line_column(l.offset());
                        let (end_line, end_column) = source.line_column(l.offset() + l.len());
                        Label {
                            place: Place {
                                line,
                                column,
                                end_line,
                                end_column,
                            },
                            message: l.label().unwrap_or("").to_owned(),
                            primary: l.primary(),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        // The primary label first; without one, the first label is primary.
        labels.sort_by_key(|l| !l.primary);
        if let Some(first) = labels.first_mut() {
            first.primary = true;
        }
        Finding {
            code: diagnostic.code().map(|c| c.to_string()).unwrap_or_default(),
            level,
            message: diagnostic.to_string(),
            help: diagnostic.help().map(|h| h.to_string()),
            labels,
            allowed: None,
            rendered,
        }
    }

    /// A lint finding that an `allow` in the policy accepts for `reason`,
    /// rendered for people as one line: `allowed: W0100 at PATH:LINE:COLUMN (reason)`.
    pub fn allowed(
        diagnostic: &dyn Diagnostic,
        source: &IndexedSource,
        path: &str,
        reason: &str,
    ) -> Self {
        let mut finding = Finding::indexed(diagnostic, source, Level::Warning, String::new());
        let place = finding
            .labels
            .first()
            .map(|l| format!(" at {path}:{}:{}", l.place.line, l.place.column))
            .unwrap_or_default();
        finding.rendered = format!("allowed: {}{place} ({reason})", finding.code);
        finding.allowed = Some(reason.to_owned());
        finding
    }

    /// Whether it counts: an error or a warning, not a finding an `allow`
    /// in the policy accepts.
    pub fn counts(&self) -> bool {
        self.allowed.is_none()
    }
}

/// The JSON document of `rubric check --format json`.
#[derive(Serialize)]
struct JsonReport<'a> {
    files: &'a [FileFindings],
    summary: Summary,
}

/// Counts over all files.
#[derive(Serialize)]
pub struct Summary {
    /// Files checked.
    pub files: usize,
    /// Errors, denied warnings included.
    pub errors: usize,
    /// Warnings not denied.
    pub warnings: usize,
}

/// Counts errors and warnings.
pub fn summary(files: &[FileFindings]) -> Summary {
    let all = files.iter().flat_map(|f| &f.findings);
    let counted = all.filter(|f| f.counts());
    Summary {
        files: files.len(),
        errors: counted.clone().filter(|f| f.level == Level::Error).count(),
        warnings: counted.filter(|f| f.level == Level::Warning).count(),
    }
}

/// `--format json`.
pub fn to_json(files: &[FileFindings]) -> Result<String, RenderError> {
    serde_json::to_string_pretty(&JsonReport {
        files,
        summary: summary(files),
    })
    .map_err(|source| RenderError::Json {
        format: "JSON",
        source,
    })
}

/// `--format github`: one workflow command per finding.
pub fn to_github(files: &[FileFindings]) -> String {
    let escape_data = |s: &str| {
        s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let escape_property = |s: &str| escape_data(s).replace(':', "%3A").replace(',', "%2C");
    let mut out = String::new();
    for file in files {
        for f in file.findings.iter().filter(|f| f.counts()) {
            let command = match f.level {
                Level::Error => "error",
                Level::Warning => "warning",
            };
            let mut properties = vec![format!("file={}", escape_property(&file.path))];
            if let Some(label) = f.labels.first() {
                properties.push(format!("line={}", label.place.line));
                properties.push(format!("col={}", label.place.column));
                properties.push(format!("endLine={}", label.place.end_line));
                properties.push(format!("endColumn={}", label.place.end_column));
            }
            properties.push(format!("title={}", escape_property(&f.code)));
            let mut message = f.message.clone();
            if let Some(help) = &f.help {
                message.push_str("\nhelp: ");
                message.push_str(help);
            }
            out.push_str(&format!(
                "::{command} {}::{}\n",
                properties.join(","),
                escape_data(&message)
            ));
        }
    }
    out
}

/// `--format junit`: per file, a test case `check` (an error where the file
/// cannot be read, parsed or checked) and one per lint code. A lint case
/// fails only where that lint is denied; a warning that is not denied
/// passes with the warning as its output, as `rubric check` exits 0 for it.
/// In a file with errors the lints did not run, so their cases are skipped.
pub fn to_junit(files: &[FileFindings], lint_codes: &[&str]) -> Result<String, RenderError> {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut report = Report::new("rubric check");
    for file in files {
        let mut suite = TestSuite::new(file.path.as_str());
        // Lints run only on a file that parsed and checked, so any finding
        // that is not a lint means they did not run.
        let errors: Vec<&Finding> = file
            .findings
            .iter()
            .filter(|f| !lint_codes.contains(&f.code.as_str()))
            .collect();
        let mut check = TestCase::new("check", status(&errors, NonSuccessKind::Error));
        check.set_classname(file.path.as_str());
        suite.add_test_case(check);
        for code in lint_codes {
            let status = if errors.is_empty() {
                let fired: Vec<&Finding> = file
                    .findings
                    .iter()
                    .filter(|f| f.code == *code && f.counts())
                    .collect();
                let denied: Vec<&Finding> = fired
                    .iter()
                    .copied()
                    .filter(|f| f.level == Level::Error)
                    .collect();
                if denied.is_empty() {
                    TestCaseStatus::success()
                } else {
                    status(&denied, NonSuccessKind::Failure)
                }
            } else {
                let mut status = TestCaseStatus::skipped();
                status.set_message("not linted: the file has errors");
                status
            };
            let mut case = TestCase::new(*code, status);
            case.set_classname(file.path.as_str());
            let warnings: Vec<&str> = file
                .findings
                .iter()
                .filter(|f| f.code == *code && f.level == Level::Warning)
                .map(|f| f.rendered.as_str())
                .collect();
            if errors.is_empty() && !warnings.is_empty() {
                case.set_system_out(warnings.join("\n"));
            }
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    fn status(found: &[&Finding], kind: quick_junit::NonSuccessKind) -> TestCaseStatus {
        if found.is_empty() {
            return TestCaseStatus::success();
        }
        let mut status = TestCaseStatus::non_success(kind);
        let text: Vec<String> = found
            .iter()
            .map(|f| match f.labels.first() {
                Some(l) => format!("{}:{}: {}", l.place.line, l.place.column, f.message),
                None => f.message.clone(),
            })
            .collect();
        status.set_message(text.join("; "));
        status.set_description(
            found
                .iter()
                .map(|f| f.rendered.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
        );
        status
    }
    report
        .to_string()
        .map_err(|source| RenderError::Junit { source })
}

/// A file path as a SARIF artifact URI: a relative reference, or a `file:`
/// URI for an absolute path, with every byte outside RFC 3986's unreserved
/// characters and `/` percent-encoded (a `#` would start a fragment, a space
/// is not allowed at all).
pub fn artifact_uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let mut out = String::with_capacity(path.len());
    if path.starts_with('/') {
        out.push_str("file://");
    }
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A rule for SARIF: a code with its short and long descriptions.
pub struct Rule<'a> {
    /// The code.
    pub code: &'a str,
    /// One line.
    pub title: &'a str,
    /// The long explanation.
    pub help: &'a str,
}

/// `--format sarif`: SARIF 2.1.0 with a rule for every code, columns in
/// Unicode code points (declared as the run's `columnKind`), secondary labels
/// as related locations and paths as percent-encoded URIs.
pub fn to_sarif(files: &[FileFindings], rules: &[Rule<'_>]) -> Result<String, RenderError> {
    use serde_sarif::sarif::{
        ArtifactLocation, Location, Message, MultiformatMessageString, PhysicalLocation, Region,
        ReportingDescriptor, Result as SarifResult, ResultLevel, Run, Sarif, Suppression, Tool,
        ToolComponent,
    };
    let descriptors: Vec<ReportingDescriptor> = rules
        .iter()
        .map(|rule| {
            ReportingDescriptor::builder()
                .id(rule.code)
                .short_description(MultiformatMessageString::builder().text(rule.title).build())
                .full_description(MultiformatMessageString::builder().text(rule.help).build())
                .help(MultiformatMessageString::builder().text(rule.help).build())
                .build()
        })
        .collect();
    let mut results = Vec::new();
    for file in files {
        let uri = artifact_uri(&file.path);
        // The primary label is the result's location; the others are its
        // related locations. A finding with no label (a file that cannot be
        // read) still names the file.
        let location = |label: Option<&Label>, id: Option<i64>| {
            let artifact = ArtifactLocation::builder().uri(uri.clone()).build();
            let physical = match label {
                Some(l) => {
                    let region = Region::builder()
                        .start_line(l.place.line as i64)
                        .start_column(l.place.column as i64)
                        .end_line(l.place.end_line as i64)
                        .end_column(l.place.end_column as i64)
                        .build();
                    PhysicalLocation::builder()
                        .artifact_location(artifact)
                        .region(region)
                        .build()
                }
                None => PhysicalLocation::builder()
                    .artifact_location(artifact)
                    .build(),
            };
            let mut location = Location::builder().physical_location(physical).build();
            location.id = id;
            location.message = label
                .filter(|l| !l.message.is_empty())
                .map(|l| Message::builder().text(l.message.clone()).build());
            location
        };
        for f in &file.findings {
            let locations = vec![location(f.labels.first(), None)];
            let related: Vec<Location> = f
                .labels
                .iter()
                .skip(1)
                .enumerate()
                .map(|(i, l)| location(Some(l), Some(i as i64 + 1)))
                .collect();
            let text = match &f.help {
                Some(help) => format!("{}\nhelp: {help}", f.message),
                None => f.message.clone(),
            };
            let level = match f.level {
                Level::Error => ResultLevel::Error,
                Level::Warning => ResultLevel::Warning,
            };
            let rule_index = rules.iter().position(|r| r.code == f.code);
            let mut result = SarifResult::builder()
                .rule_id(f.code.clone())
                .level(level)
                .message(Message::builder().text(text).build())
                .locations(locations)
                .build();
            if !related.is_empty() {
                result.related_locations = Some(related);
            }
            result.rule_index = rule_index.map(|i| i as i64);
            // An `allow` in the policy is a suppression in the source.
            result.suppressions = f.allowed.as_ref().map(|reason| {
                vec![
                    Suppression::builder()
                        .kind(serde_json::json!("inSource"))
                        .justification(reason.clone())
                        .build(),
                ]
            });
            results.push(result);
        }
    }
    let driver = ToolComponent::builder()
        .name("rubric")
        .version(env!("CARGO_PKG_VERSION"))
        .rules(descriptors)
        .build();
    let mut run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .build();
    // Columns count characters here as in every other output; SARIF's
    // default would be UTF-16 code units.
    run.column_kind = Some(serde_json::json!("unicodeCodePoints"));
    let sarif = Sarif::builder()
        .version(serde_json::json!("2.1.0"))
        .schema("https://json.schemastore.org/sarif-2.1.0.json")
        .runs(vec![run])
        .build();
    serde_json::to_string_pretty(&sarif).map_err(|source| RenderError::Json {
        format: "SARIF",
        source,
    })
}
