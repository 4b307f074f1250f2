//! `rubric eval POLICY DATA... --as-of DATE`: evaluate every partner record
//! and print a report. A bad record is reported where it is and the rest are
//! still evaluated.

use std::io::Write as _;

use chrono::NaiveDate;
use miette::NamedSource;
use rubric::data::read::Framed;
use rubric::data::{DataError, Partner, Record, read};
use rubric::eval::Evaluator;
use rubric::report::diagnostic::{WithSource, render as render_diagnostic};
use rubric::report::{DecisionRecord, human, json};
use serde_json::value::RawValue;

use super::{Exit, emit, stderr_style};

/// Output formats of `rubric eval`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A readable report with ✓/✗, evidence and shortfalls.
    Human,
    /// One JSON document for the whole batch.
    Json,
    /// One JSON object per partner per line, in input order.
    Jsonl,
}

/// Arguments of `rubric eval`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The policy file.
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
    /// Threads to evaluate on; by default every core. Output order is the
    /// input order whatever the number.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

fn parse_as_of(text: &str) -> Result<NaiveDate, String> {
    rubric::data::parse_date(text)
        .ok_or_else(|| format!("`{text}` is not a date; write YYYY-MM-DD, e.g. 2017-06-30"))
}

/// Partners seen, by outcome, for the summary.
#[derive(Default)]
struct Tally {
    by_tier: Vec<usize>,
    no_tier: usize,
    failed: usize,
    /// People seen so far, to report one listed under two partners.
    people: rubric::data::PeopleSeen,
}

/// Runs the evaluation.
pub fn run(args: &Args) -> Exit {
    let text = match std::fs::read_to_string(&args.policy) {
        Ok(text) => text,
        Err(err) => {
            eprintln!("error: cannot read `{}`: {err}", args.policy);
            return Exit::Usage;
        }
    };
    let policy = match rubric::load_policy(&text) {
        Ok(policy) => policy,
        Err(err) => {
            let source = NamedSource::new(args.policy.clone(), text);
            for diagnostic in err.diagnostics() {
                emit(&WithSource::new(diagnostic, &source));
            }
            eprintln!(
                "{}: the policy has errors; nothing was evaluated",
                args.policy
            );
            return Exit::Invalid;
        }
    };
    let as_of = args.as_of.unwrap_or_else(|| {
        let today = chrono::Local::now().date_naive();
        eprintln!("note: no --as-of given; evaluating as of today, {today}");
        today
    });
    let evaluator = Evaluator::new(&policy, as_of);
    let decision = DecisionRecord::new(&policy, &text, as_of);

    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut exit = Exit::Success;
    let mut tally = Tally {
        by_tier: vec![0; policy.tiers.len()],
        ..Tally::default()
    };
    let mut batch: Vec<Box<RawValue>> = Vec::new();

    for path in &args.data {
        let records = match read::records(path) {
            Ok(records) => records,
            Err(err) => {
                emit(&err);
                exit = exit.max(Exit::Usage);
                continue;
            }
        };
        // Records are evaluated in batches, the batch split over the
        // threads; results are written in input order.
        let mut pending: Vec<Framed> = Vec::with_capacity(BATCH);
        let mut records = records.peekable();
        while records.peek().is_some() {
            let mut read_failed = false;
            while pending.len() < BATCH {
                match records.next() {
                    Some(Ok(framed)) => pending.push(framed),
                    Some(Err(err)) => {
                        emit(&err);
                        exit = exit.max(Exit::Usage);
                        read_failed = true;
                        break;
                    }
                    None => break,
                }
            }
            let done = evaluate_batch(&evaluator, &pending, args, &decision);
            for (framed, mut done) in pending.drain(..).zip(done) {
                if let (Ok(record), Some(partner)) = (&framed, &done.partner) {
                    // A person counts for one partner at a time: checked in
                    // input order, and the rare record with a warning is
                    // rendered again to carry it.
                    let warnings = tally.people.add_people(record, partner, &done.people);
                    if !warnings.is_empty() {
                        done =
                            evaluate_record(&evaluator, record, args.format, &decision, &warnings);
                        for warning in &warnings {
                            emit(warning);
                        }
                    }
                }
                for diagnostic in &done.diagnostics {
                    eprintln!("{}\n", diagnostic.trim_end());
                }
                if done.failed {
                    tally.failed += 1;
                    exit = exit.max(Exit::Invalid);
                } else {
                    match done.tier.and_then(|t| tally.by_tier.get_mut(t)) {
                        Some(n) => *n += 1,
                        None => tally.no_tier += 1,
                    }
                }
                let written = match (args.format, done.text) {
                    (Format::Json, Output::Json(raw)) => {
                        batch.push(raw);
                        Ok(())
                    }
                    (_, Output::Json(raw)) => writeln!(out, "{}", raw.get()),
                    (_, Output::Text(text)) => writeln!(out, "{text}"),
                };
                if written.is_err() {
                    // stdout closed (e.g. piped into `head`): stop quietly.
                    return exit;
                }
            }
            if read_failed {
                break;
            }
        }
    }

    let summary = summary(&policy, &tally);
    let finished = match args.format {
        Format::Human => writeln!(out, "{}", summary.text),
        Format::Jsonl => Ok(()),
        Format::Json => {
            let document = BatchDocument {
                decision: &decision,
                partners: &batch,
                summary: &summary.json,
            };
            serde_json::to_writer_pretty(&mut out, &document)
                .map_err(std::io::Error::other)
                .and_then(|()| writeln!(out))
        }
    };
    if finished.and_then(|()| out.flush()).is_err() {
        return exit;
    }
    exit
}

enum Output {
    Json(Box<RawValue>),
    Text(String),
}

/// One record, evaluated and rendered, with what the main thread still
/// has to do for it.
struct Done {
    text: Output,
    tier: Option<usize>,
    failed: bool,
    /// Rendered diagnostics, printed in input order.
    diagnostics: Vec<String>,
    /// The partner's id, when the record parsed.
    partner: Option<String>,
    /// Its people's ids and where they are, for the one-partner-at-a-time check.
    people: Vec<(String, rubric::ast::Span)>,
}

/// How many records are evaluated between writes.
const BATCH: usize = 2_048;

/// Evaluates a batch on the threads asked for, keeping input order.
fn evaluate_batch(
    evaluator: &Evaluator<'_>,
    batch: &[Framed],
    args: &Args,
    decision: &DecisionRecord,
) -> Vec<Done> {
    let one = |framed: &Framed| match framed {
        Ok(record) => evaluate_record(evaluator, record, args.format, decision, &[]),
        Err(err) => Done {
            diagnostics: vec![render_diagnostic(err, stderr_style())],
            ..failed(None, std::slice::from_ref(err), args.format, decision)
        },
    };
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    if threads == 1 || batch.len() < 64 {
        return batch.iter().map(one).collect();
    }
    let chunk = batch.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = batch
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(one).collect::<Vec<_>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_default())
            .collect()
    })
}

/// Parses, evaluates and renders one record, with `warnings` to carry.
fn evaluate_record(
    evaluator: &Evaluator<'_>,
    record: &Record,
    format: Format,
    decision: &DecisionRecord,
    warnings: &[DataError],
) -> Done {
    let policy = evaluator.policy();
    let parsed = Partner::parse(record).and_then(|partner| {
        let outcome = evaluator.evaluate(&partner)?;
        let (text, tier) = render(policy, &partner, &outcome, warnings, format, decision);
        Ok((
            text,
            tier,
            partner.id.text().into_owned(),
            rubric::data::person_ids(&partner),
        ))
    });
    match parsed {
        Ok((text, tier, partner, people)) => Done {
            text,
            tier,
            failed: false,
            diagnostics: Vec::new(),
            partner: Some(partner),
            people,
        },
        Err(errors) => Done {
            diagnostics: errors
                .iter()
                .map(|e| render_diagnostic(e, stderr_style()))
                .collect(),
            ..failed(rubric::data::peek_id(record), &errors, format, decision)
        },
    }
}

fn render(
    policy: &rubric::model::Policy,
    partner: &Partner<'_>,
    outcome: &rubric::eval::PartnerOutcome,
    warnings: &[DataError],
    format: Format,
    decision: &DecisionRecord,
) -> (Output, Option<usize>) {
    let tier = outcome.tier.map(|t| t.0);
    let machine = |decision| {
        let mut result = json::evaluated(policy, partner, outcome, decision);
        result.warnings = warnings.iter().map(json::ErrorResult::from_error).collect();
        to_raw(&result)
    };
    let text = match format {
        Format::Human => {
            let mut text = human::partner(policy, partner, outcome);
            for warning in warnings {
                text.push_str(&format!("  ! {warning}\n"));
            }
            Output::Text(text)
        }
        Format::Jsonl => machine(Some(decision)),
        Format::Json => machine(None),
    };
    (text, tier)
}

fn failed(
    partner: Option<&RawValue>,
    errors: &[DataError],
    format: Format,
    decision: &DecisionRecord,
) -> Done {
    let text = match format {
        Format::Human => {
            let who = partner.map_or_else(
                || "record".to_owned(),
                |id| format!("partner {}", rubric::data::Id::from_json(id).text()),
            );
            let where_ = errors.first().map(|e| {
                let (file, line, column) = e.location();
                format!(" at {file}:{line}:{column}")
            });
            Output::Text(format!(
                "{who}{}: not evaluated: {} data error{} (see stderr)\n",
                where_.unwrap_or_default(),
                errors.len(),
                if errors.len() == 1 { "" } else { "s" }
            ))
        }
        Format::Jsonl => to_raw(&json::failed(partner, errors, Some(decision))),
        Format::Json => to_raw(&json::failed(partner, errors, None)),
    };
    Done {
        text,
        tier: None,
        failed: true,
        diagnostics: Vec::new(),
        partner: None,
        people: Vec::new(),
    }
}

fn to_raw<T: serde::Serialize>(value: &T) -> Output {
    match serde_json::value::to_raw_value(value) {
        Ok(raw) => Output::Json(raw),
        Err(err) => Output::Text(format!("{{\"error\": {:?}}}", err.to_string())),
    }
}

#[derive(serde::Serialize)]
struct BatchDocument<'a> {
    decision: &'a DecisionRecord,
    partners: &'a [Box<RawValue>],
    summary: &'a SummaryJson,
}

#[derive(serde::Serialize)]
struct SummaryJson {
    evaluated: usize,
    not_evaluated: usize,
    tiers: std::collections::BTreeMap<String, usize>,
    no_tier: usize,
}

struct Summary {
    text: String,
    json: SummaryJson,
}

fn summary(policy: &rubric::model::Policy, tally: &Tally) -> Summary {
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
        },
    }
}
