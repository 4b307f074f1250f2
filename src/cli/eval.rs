//! `rubric eval POLICY DATA... --as-of DATE`: evaluate every partner record
//! and print a report. A bad record is reported where it is and the rest are
//! still evaluated.

use std::io::{IsTerminal as _, Write};
use std::ops::ControlFlow;

use chrono::NaiveDate;
use rubric::batch::{self, Event};
use rubric::eval::{Detail, Evaluator};
use rubric::report::{DecisionRecord, Human, JsonLines, Render};

use super::{Exit, emit};

/// Output formats of `rubric eval`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A readable report with ✓/✗, evidence and shortfalls.
    Human,
    /// One JSON document for the whole batch.
    Json,
    /// One JSON object per partner per line, in input order, after a
    /// first line with the decision record.
    Jsonl,
}

impl Format {
    /// The detail a format shows unless `--detail` says otherwise: people
    /// reading a report, or a tool reading one document, want the evidence;
    /// JSON Lines is for batches, where evidence would cost as much again
    /// as the decisions.
    pub fn default_detail(self) -> Detail {
        match self {
            Format::Human | Format::Json => Detail::Evidence,
            Format::Jsonl => Detail::Requirements,
        }
    }
}

/// How much of the reasoning to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DetailArg {
    /// The tier only.
    Tier,
    /// Each requirement met or not, with value, threshold and shortfall.
    Requirements,
    /// Also the lines counted and not, who fills each role, and what would
    /// meet an unmet people requirement.
    Evidence,
}

impl From<DetailArg> for Detail {
    fn from(arg: DetailArg) -> Detail {
        match arg {
            DetailArg::Tier => Detail::Tier,
            DetailArg::Requirements => Detail::Requirements,
            DetailArg::Evidence => Detail::Evidence,
        }
    }
}

/// Arguments of `rubric eval`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The policy file, or a directory of the versions of one competency
    /// (the version in force at the as-of date applies).
    #[arg(value_name = "POLICY")]
    pub policy: String,
    /// Partner data files (`-` for stdin).
    #[arg(required = true, value_name = "DATA")]
    pub data: Vec<String>,
    /// The date to evaluate at, YYYY-MM-DD. Defaults to today; give it for
    /// reproducible runs.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_as_of)]
    pub as_of: Option<NaiveDate>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// How much of the reasoning to show; by default `evidence` for human
    /// and json, `requirements` for jsonl.
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub detail: Option<DetailArg>,
    /// Skip the check that no person is listed under two partners.
    #[arg(long)]
    pub no_people_check: bool,
    /// People the check across partners keeps in memory (about 100 bytes
    /// each); past that, it writes them to a temporary file, and a person
    /// listed that far apart is reported after the last partner.
    #[arg(long, value_name = "N", default_value_t = rubric::batch::PEOPLE_IN_MEMORY, hide_default_value = false)]
    pub people_in_memory: usize,
    /// Threads to evaluate on; by default every core. Output order is the
    /// input order whatever the number.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

pub fn parse_as_of(text: &str) -> Result<NaiveDate, String> {
    rubric::data::parse_date(text)
        .ok_or_else(|| format!("`{text}` is not a date; write YYYY-MM-DD, e.g. 2017-06-30"))
}

/// Runs the evaluation.
pub fn run(args: &Args) -> Exit {
    let versions = match super::read_versions_or_report(&args.policy) {
        Ok(versions) => versions,
        Err(exit) => return exit,
    };
    let as_of = args.as_of.unwrap_or_else(|| {
        let today = chrono::Local::now().date_naive();
        if !super::quiet() {
            eprintln!("note: no --as-of given; evaluating as of today, {today}");
        }
        today
    });
    // Of several versions, the one in force at the as-of date.
    let in_force = versions.in_force(as_of).version;
    let (policy, text) = (&in_force.policy, &in_force.source);
    if versions.all().count() > 1 && !super::quiet() {
        eprintln!(
            "note: as of {as_of}, version {} (`{}`) of `{}` is in force",
            policy.version.as_deref().unwrap_or("without a label"),
            in_force.name,
            policy.id
        );
    }
    let evaluator = Evaluator::new(policy, as_of);
    let decision = DecisionRecord::new(policy, text, as_of);
    // A warning about every decision below, so printed under `-q` as data
    // warnings are; the decision record keeps it too.
    for note in &decision.notes {
        eprintln!("note: {note}");
    }
    let detail = args
        .detail
        .map_or_else(|| args.format.default_detail(), Detail::from);
    let threads = super::threads(args.threads);
    let inputs = super::data_inputs(&args.data);

    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    // The decision record is written once: as the first line of JSON Lines,
    // and at the head of the JSON document.
    let head = match args.format {
        Format::Human => Ok(()),
        Format::Jsonl => serde_json::to_writer(
            &mut out,
            &DecisionLine {
                decision: &decision,
            },
        )
        .map_err(std::io::Error::other)
        .and_then(|()| writeln!(out)),
        Format::Json => json_head(&mut out, &decision),
    };
    let mut closed = head.is_err();
    let mut first = true;
    // In JSON, the run's warnings follow the partners as an array of
    // their own, opened at the first.
    let mut warnings_open = false;
    let colour = args.format == Format::Human && super::color_stdout();
    // Progress only when the results go elsewhere than the terminal that
    // would show it.
    let mut progress = Progress::new(
        !std::io::stdout().is_terminal()
            && show_progress(std::io::stderr().is_terminal(), super::quiet(), &|name| {
                std::env::var(name).ok()
            }),
    );
    let mut exit = Exit::Success;
    let render: &dyn Render = match args.format {
        Format::Human => &Human,
        Format::Json | Format::Jsonl => &JsonLines,
    };
    let totals = batch::evaluate(
        &evaluator,
        inputs,
        batch::Options {
            threads,
            detail,
            people_check: !args.no_people_check,
            people_in_memory: args.people_in_memory,
        },
        render,
        &mut |event| {
            match event {
                Event::Unreadable(err) => {
                    progress.clear();
                    emit(&err);
                    exit = exit.max(Exit::Usage);
                }
                Event::Warning(warning) => {
                    progress.clear();
                    emit(&warning);
                    let item = rubric::report::json::RunWarningResult::of(&warning);
                    let written = match args.format {
                        Format::Human => Ok(()),
                        Format::Jsonl => {
                            serde_json::to_writer(&mut out, &WarningLine { warning: item })
                                .map_err(std::io::Error::other)
                                .and_then(|()| writeln!(out))
                        }
                        Format::Json => {
                            let open = if warnings_open {
                                ",\n    ".to_owned()
                            } else {
                                let close = if first { "]" } else { "\n  ]" };
                                format!("{close},\n  \"warnings\": [\n    ")
                            };
                            warnings_open = true;
                            serde_json::to_string(&item)
                                .map_err(std::io::Error::other)
                                .and_then(|item| write!(out, "{open}{item}"))
                        }
                    };
                    if written.is_err() {
                        closed = true;
                        return ControlFlow::Break(());
                    }
                }
                Event::Record(record) => {
                    if !record.errors.is_empty() || !record.warnings.is_empty() {
                        progress.clear();
                    }
                    exit = exit.max(super::emit_record_problems(&record));
                    progress.tick();
                    let written = match args.format {
                        Format::Human if colour => {
                            out.write_all(paint_marks(record.rendered).as_bytes())
                        }
                        Format::Json => {
                            let item = record.rendered.trim_ascii_end();
                            let separator: &[u8] = if first { b"\n    " } else { b",\n    " };
                            out.write_all(separator).and_then(|()| out.write_all(item))
                        }
                        _ => out.write_all(record.rendered),
                    };
                    first = false;
                    if written.is_err() {
                        // stdout closed (e.g. piped into `head`): stop quietly.
                        closed = true;
                        return ControlFlow::Break(());
                    }
                }
            }
            ControlFlow::Continue(())
        },
    );
    progress.clear();
    // What the run's data says of the catalogue: once, after every record.
    if let Some(report) = &totals.data_report {
        for warning in report.warnings() {
            emit(&warning);
        }
    }
    if closed {
        return exit;
    }
    let summary = summary(policy, &totals);
    let finished = match args.format {
        Format::Human => writeln!(out, "{}", summary.text),
        // A last line of its own kind, as the first is the decision's.
        Format::Jsonl => match &totals.data_report {
            Some(report) => serde_json::to_writer(
                &mut out,
                &DataReportLine {
                    data_report: report,
                },
            )
            .map_err(std::io::Error::other)
            .and_then(|()| writeln!(out)),
            None => Ok(()),
        },
        Format::Json => json_tail(&mut out, first, warnings_open, &summary.json),
    };
    let _ = finished.and_then(|()| out.flush());
    exit
}

/// The human report with its marks coloured: ✓ green, ✗ red.
fn paint_marks(rendered: &[u8]) -> String {
    String::from_utf8_lossy(rendered)
        .replace('✓', &super::paint("✓", super::Paint::Green, true))
        .replace('✗', &super::paint("✗", super::Paint::Red, true))
}

/// Whether to show progress on stderr: only to a person watching a terminal,
/// never in a pipe, under `-q`, in CI or on a dumb terminal.
pub fn show_progress(
    stderr_is_terminal: bool,
    quiet: bool,
    env: &dyn Fn(&str) -> Option<String>,
) -> bool {
    stderr_is_terminal
        && !quiet
        && env("CI").is_none_or(|ci| ci.is_empty() || ci == "false")
        && env("TERM").is_none_or(|term| term != "dumb")
}

/// A line on stderr counting the partners evaluated, redrawn at most a few
/// times a second.
struct Progress {
    on: bool,
    done: u64,
    drawn: Option<std::time::Instant>,
}

impl Progress {
    fn new(on: bool) -> Self {
        Progress {
            on,
            done: 0,
            drawn: None,
        }
    }

    fn tick(&mut self) {
        self.done += 1;
        if !self.on || !self.done.is_multiple_of(1024) {
            return;
        }
        let now = std::time::Instant::now();
        if self
            .drawn
            .is_some_and(|at| now.duration_since(at) < std::time::Duration::from_millis(200))
        {
            return;
        }
        self.drawn = Some(now);
        eprint!("\r\x1b[2Kevaluated {} partners…", self.done);
    }

    /// Clears the line, so that a diagnostic or the end starts on a clean one.
    fn clear(&mut self) {
        if self.on && self.drawn.take().is_some() {
            eprint!("\r\x1b[2K");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::show_progress;

    #[test]
    fn progress_only_on_a_terminal_outside_ci_and_quiet() {
        let none = |_: &str| None;
        assert!(show_progress(true, false, &none));
        assert!(!show_progress(false, false, &none));
        assert!(!show_progress(true, true, &none));
        let ci = |name: &str| (name == "CI").then(|| "true".to_owned());
        assert!(!show_progress(true, false, &ci));
        let dumb = |name: &str| (name == "TERM").then(|| "dumb".to_owned());
        assert!(!show_progress(true, false, &dumb));
    }
}

/// The first line of JSON Lines output: what every decision below was made under.
#[derive(serde::Serialize)]
struct DecisionLine<'a> {
    decision: &'a DecisionRecord,
}

/// A line of JSON Lines output after the partners: a problem of the run as
/// a whole.
#[derive(serde::Serialize)]
struct WarningLine<'a> {
    warning: rubric::report::json::RunWarningResult<'a>,
}

/// `value` as pretty JSON, its lines after the first indented by two spaces,
/// as it stands inside the batch document.
fn nested_pretty<T: serde::Serialize>(value: &T) -> std::io::Result<String> {
    let text = serde_json::to_string_pretty(value).map_err(std::io::Error::other)?;
    Ok(text.replace('\n', "\n  "))
}

/// The JSON document up to its first partner: the decision record, once.
fn json_head(out: &mut impl Write, decision: &DecisionRecord) -> std::io::Result<()> {
    write!(
        out,
        "{{\n  \"decision\": {},\n  \"partners\": [",
        nested_pretty(decision)?
    )
}

/// The JSON document after its last partner (and the run's warnings, if
/// any): the summary.
fn json_tail(
    out: &mut impl Write,
    empty: bool,
    warnings: bool,
    summary: &SummaryJson,
) -> std::io::Result<()> {
    // Closes the partners, or the run's warnings when there are some.
    let close = if empty && !warnings { "]" } else { "\n  ]" };
    writeln!(
        out,
        "{close},\n  \"summary\": {}\n}}",
        nested_pretty(summary)?
    )
}

/// The last line of JSON Lines output for a policy with a catalogue.
#[derive(serde::Serialize)]
struct DataReportLine<'a> {
    data_report: &'a rubric::eval::watch::DataReport,
}

#[derive(serde::Serialize)]
struct SummaryJson {
    evaluated: usize,
    not_evaluated: usize,
    tiers: std::collections::BTreeMap<String, usize>,
    no_tier: usize,
    /// What the run's data says of the policy's catalogue, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    data_report: Option<rubric::eval::watch::DataReport>,
}

struct Summary {
    text: String,
    json: SummaryJson,
}

fn summary(policy: &rubric::model::Policy, tally: &batch::Totals) -> Summary {
    let evaluated: usize = tally.by_tier.iter().sum::<usize>() + tally.no_tier;
    let mut parts: Vec<String> = policy
        .tiers
        .iter()
        .zip(&tally.by_tier)
        .rev()
        .map(|(t, n)| format!("{n} {}", t.id))
        .collect();
    parts.push(format!("{} no tier", tally.no_tier));
    let mut text = format!(
        "evaluated {evaluated} partner{}: {}",
        if evaluated == 1 { "" } else { "s" },
        parts.join(", ")
    );
    if tally.failed > 0 {
        text.push_str(&format!(
            "; {} record{} not evaluated",
            tally.failed,
            if tally.failed == 1 { "" } else { "s" }
        ));
    }
    let tiers = policy
        .tiers
        .iter()
        .zip(&tally.by_tier)
        .map(|(t, n)| (t.id.clone(), *n))
        .collect();
    Summary {
        text,
        json: SummaryJson {
            evaluated,
            not_evaluated: tally.failed,
            tiers,
            no_tier: tally.no_tier,
            data_report: tally.data_report.clone(),
        },
    }
}
