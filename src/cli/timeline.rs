//! `rubric timeline POLICY DATA... --from D1 --to D2`: each partner's tier on
//! `--from` and on every later date of the range where it changes, why, and
//! the next loss after `--to`. Records are read and checked as `rubric eval`
//! reads them: a bad record is reported where it is and the rest still run.

use std::io::Write;
use std::ops::ControlFlow;

use chrono::NaiveDate;
use rubric::batch::{self, Event};
use rubric::eval::{Detail, Evaluator};
use rubric::report::DecisionRecord;
use rubric::timeline::{Output, Planner, Timelines};

use super::{Exit, emit};

/// Output formats of `rubric timeline`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One readable block per partner.
    Human,
    /// One JSON document for the whole run.
    Json,
    /// One JSON object per partner per line, after a first line with the
    /// decision record.
    Jsonl,
}

/// Arguments of `rubric timeline`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The policy file.
    #[arg(value_name = "POLICY")]
    pub policy: String,
    /// Partner data files (`-` for stdin).
    #[arg(required = true, value_name = "DATA")]
    pub data: Vec<String>,
    /// The first date of the range, YYYY-MM-DD.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub from: NaiveDate,
    /// The last date of the range, YYYY-MM-DD (on or after --from).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub to: NaiveDate,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Skip the check that no person is listed under two partners (memory
    /// then stays flat however many partners the data holds).
    #[arg(long)]
    pub no_people_check: bool,
    /// Threads to work on; by default every core. Output order is the input
    /// order whatever the number.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

fn parse_date(text: &str) -> Result<NaiveDate, String> {
    rubric::data::parse_date(text)
        .ok_or_else(|| format!("`{text}` is not a date; write YYYY-MM-DD, e.g. 2017-06-30"))
}

/// Runs the timeline.
pub fn run(args: &Args) -> Exit {
    if args.from > args.to {
        eprintln!(
            "error: --from {} is after --to {}; give the earlier date first",
            args.from, args.to
        );
        return Exit::Usage;
    }
    let versions = match super::read_versions_or_report(&args.policy) {
        Ok(versions) => versions,
        Err(exit) => return exit,
    };
    // Each date is judged by the version in force: the one on --from, then
    // each taking effect up to --to. Tiers are compared across versions by
    // rung, so every version must have the same ladder.
    let ladder =
        |p: &rubric::model::Policy| p.tiers.iter().map(|t| t.id.clone()).collect::<Vec<_>>();
    let first = versions.in_force(args.from).version;
    if let Some(other) = versions
        .all()
        .find(|v| ladder(&v.policy) != ladder(&first.policy))
    {
        eprintln!(
            "error: `{}` and `{}` have different tier ladders; a timeline compares tiers across versions, so they must be the same",
            first.name, other.name
        );
        return Exit::Usage;
    }
    let later: Vec<_> = versions
        .all()
        .filter_map(|v| {
            let effective = v.policy.effective?;
            (args.from < effective && effective <= args.to).then(|| {
                let event = rubric::timeline::Event::VersionTakesEffect {
                    version: v.policy.version.clone(),
                    file: v.name.clone(),
                };
                (effective, Planner::new(&v.policy), event)
            })
        })
        .collect();
    let (policy, text) = (&first.policy, &first.source);
    // The pipeline evaluates each record once at --from, with evidence, so
    // that every partner reaches the renderer parsed and every data problem
    // is reported as `rubric eval --as-of FROM` reports it.
    let evaluator = Evaluator::new(policy, args.from);
    let decision = DecisionRecord::new(policy, text, args.from);
    let render = Timelines {
        planner: Planner::new(policy),
        later,
        from: args.from,
        to: args.to,
        output: match args.format {
            Format::Human => Output::Human,
            Format::Json | Format::Jsonl => Output::Json,
        },
        failed_later: std::sync::atomic::AtomicUsize::new(0),
    };
    let threads = super::threads(args.threads);
    let inputs = super::data_inputs(&args.data);

    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let head = Head {
        decision: &decision,
        from: args.from.to_string(),
        to: args.to.to_string(),
    };
    let started = match args.format {
        Format::Human => Ok(()),
        Format::Jsonl => serde_json::to_writer(&mut out, &head)
            .map_err(std::io::Error::other)
            .and_then(|()| writeln!(out)),
        Format::Json => serde_json::to_string_pretty(&head)
            .map_err(std::io::Error::other)
            .and_then(|text| {
                // The head's fields, then the partners, in one object.
                let fields = text.trim_end().trim_end_matches('}').trim_end();
                write!(out, "{fields},\n  \"partners\": [")
            }),
    };
    let mut closed = started.is_err();
    let mut first = true;
    let mut exit = Exit::Success;
    let totals = batch::evaluate(
        &evaluator,
        inputs,
        batch::Options {
            threads,
            // The timeline evaluates each date itself: the batch's
            // outcome is only the tier, and the record arrives parsed.
            detail: Detail::Tier,
            people_check: !args.no_people_check,
            ..batch::Options::default()
        },
        &render,
        &mut |event| {
            match event {
                Event::Unreadable(err) => {
                    emit(&err);
                    exit = exit.max(Exit::Usage);
                }
                Event::Warning(warning) => emit(&warning),
                Event::Record(record) => {
                    exit = exit.max(super::emit_record_problems(&record));
                    if closed {
                        return ControlFlow::Break(());
                    }
                    let written = match args.format {
                        Format::Json => {
                            let separator: &[u8] = if first { b"\n    " } else { b",\n    " };
                            out.write_all(separator)
                                .and_then(|()| out.write_all(record.rendered.trim_ascii_end()))
                        }
                        Format::Human | Format::Jsonl => out.write_all(record.rendered),
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
    let failed_later = render
        .failed_later
        .load(std::sync::atomic::Ordering::Relaxed);
    if failed_later > 0 {
        eprintln!(
            "error: {failed_later} partner{} evaluated on {} could not be evaluated on a later date; the output says why",
            if failed_later == 1 { "" } else { "s" },
            args.from
        );
        exit = exit.max(Exit::Invalid);
    }
    if closed {
        return exit;
    }
    let evaluated = totals.by_tier.iter().sum::<usize>() + totals.no_tier;
    let finished = match args.format {
        Format::Human => {
            let mut line = format!(
                "{evaluated} partner{} from {} to {}",
                if evaluated == 1 { "" } else { "s" },
                args.from,
                args.to
            );
            if totals.failed > 0 {
                line.push_str(&format!(
                    "; {} record{} not evaluated",
                    totals.failed,
                    if totals.failed == 1 { "" } else { "s" }
                ));
            }
            writeln!(out, "{line}")
        }
        Format::Jsonl => Ok(()),
        Format::Json => {
            let close = if first { "]" } else { "\n  ]" };
            writeln!(
                out,
                "{close},\n  \"evaluated\": {evaluated},\n  \"not_evaluated\": {}\n}}",
                totals.failed
            )
        }
    };
    let _ = finished.and_then(|()| out.flush());
    exit
}

/// What the timeline was made under: the decision record (its `as_of` is
/// `--from`) and the range.
#[derive(serde::Serialize)]
struct Head<'a> {
    decision: &'a DecisionRecord,
    from: String,
    to: String,
}
