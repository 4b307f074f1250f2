//! `rubric diff OLD NEW`: the semantic changes between two versions of a
//! policy, each classified as stricter, looser, neutral, mixed or unproven
//! for partners. Either version may be `REV:PATH`, read from git.

use std::io::Write as _;
use std::path::Path;
use std::process::Command;

use rubric::report::diff::Version;

use super::{Exit, checked, emit};

/// Arguments of `rubric diff`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The old version: a policy file, or `REV:PATH` for the file at a git
    /// revision (`main:policies/cloud_crm.policy`).
    #[arg(value_name = "OLD")]
    pub old: String,
    /// The new version, named the same way.
    #[arg(value_name = "NEW")]
    pub new: String,
    /// How to print the changes (and the impact).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Partner data to measure the impact on: both versions are evaluated
    /// over the same partners, in one pass (`-` reads stdin).
    #[arg(long, value_name = "DATA", num_args = 1.., requires = "as_of")]
    pub data: Vec<String>,
    /// The date to evaluate both versions at, with `--data`.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::eval::parse_as_of)]
    pub as_of: Option<chrono::NaiveDate>,
    /// Print at most this many partners who move (all are counted).
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}

/// Output formats of `rubric diff`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Grouped by option and tier, for a program designer.
    Human,
    /// One JSON document, for tools.
    Json,
    /// A changelog to paste into release notes.
    Markdown,
    /// With `--data`: one JSON line per partner who moves, then one with
    /// the transition table.
    Jsonl,
}

/// Prints the changes. Exit 0 when the versions mean the same for every
/// partner, 1 when they differ, 2 when either cannot be read or checked.
pub fn run(args: &Args) -> Exit {
    let (Some(old_text), Some(new_text)) = (read(&args.old), read(&args.new)) else {
        return Exit::Usage;
    };
    let (Some(old), Some(new)) = (
        checked(&args.old, &old_text, "nothing was compared"),
        checked(&args.new, &new_text, "nothing was compared"),
    ) else {
        return Exit::Usage;
    };
    if args.data.is_empty() && args.format == Format::Jsonl {
        eprintln!("error: `--format jsonl` lists partners who move: give `--data` and `--as-of`");
        return Exit::Usage;
    }
    let diff = rubric::diff::diff(&old, &new);
    let old = Version {
        name: &args.old,
        source: &old_text,
        policy: &old,
    };
    let new = Version {
        name: &args.new,
        source: &new_text,
        policy: &new,
    };
    if let Some(as_of) = args.as_of.filter(|_| !args.data.is_empty()) {
        return impact(args, &diff, &old, &new, as_of);
    }
    let text = match args.format {
        Format::Jsonl | Format::Human => rubric::report::diff::human(&diff, &old, &new),
        Format::Markdown => rubric::report::diff::markdown(&diff, &old, &new),
        Format::Json => match rubric::report::diff::json(&diff, &old, &new) {
            Ok(text) => text,
            Err(err) => {
                eprintln!("error: cannot write the diff as JSON: {err}");
                return Exit::Usage;
            }
        },
    };
    if std::io::stdout().write_all(text.as_bytes()).is_err() {
        return Exit::Usage;
    }
    if diff.same_meaning() {
        Exit::Success
    } else {
        // 1: the versions differ for some partners.
        Exit::Invalid
    }
}

/// The text of a version: a file, or else `REV:PATH` through `git show`.
pub(crate) fn read(name: &str) -> Option<String> {
    let path = Path::new(name);
    let file_error = match std::fs::read_to_string(path) {
        Ok(text) => return Some(text),
        Err(err) => err,
    };
    if let Some((rev, file)) = name.split_once(':')
        && !rev.is_empty()
        && !file.is_empty()
        && !path.exists()
    {
        return from_git(rev, file, name);
    }
    eprintln!("error: cannot read `{name}`: {file_error}");
    None
}

/// `git show REV:PATH`, with git's own message when it fails.
fn from_git(rev: &str, file: &str, name: &str) -> Option<String> {
    let output = match Command::new("git")
        .args(["show", "--end-of-options", &format!("{rev}:{file}")])
        .output()
    {
        Ok(output) => output,
        Err(err) => {
            eprintln!(
                "error: cannot read `{name}`: no such file, and git cannot be run to read it from revision `{rev}`: {err}"
            );
            return None;
        }
    };
    if !output.status.success() {
        let why = String::from_utf8_lossy(&output.stderr);
        eprintln!(
            "error: cannot read `{name}`: no such file, and git cannot read `{file}` at revision `{rev}`: {}",
            why.trim()
        );
        return None;
    }
    match String::from_utf8(output.stdout) {
        Ok(text) => Some(text),
        Err(_) => {
            eprintln!("error: `{name}` is not UTF-8 text");
            None
        }
    }
}

/// `--data`: both versions over the same partners in one pass, with the
/// semantic diff first (human, json) and the partners who move.
fn impact(
    args: &Args,
    diff: &rubric::diff::Diff,
    old: &Version<'_>,
    new: &Version<'_>,
    as_of: chrono::NaiveDate,
) -> Exit {
    use rubric::batch::{self, Event};
    use rubric::impact::{Impact, MoverFormat};
    use std::ops::ControlFlow;

    let old_evaluator = rubric::eval::Evaluator::new(old.policy, as_of);
    let new_evaluator = rubric::eval::Evaluator::new(new.policy, as_of);
    let movers = match args.format {
        Format::Human | Format::Markdown => MoverFormat::Human,
        Format::Json | Format::Jsonl => MoverFormat::Json,
    };
    // Each change that can be applied alone to the old version, evaluated
    // in the same pass, says how many partners it alone moves.
    let isolated = rubric::diff::isolate(diff, old.source, new.source, old.policy);
    let isolated_evaluators: Vec<rubric::eval::Evaluator<'_>> = isolated
        .iter()
        .map(|i| rubric::eval::Evaluator::new(&i.policy, as_of))
        .collect();
    let named = isolated
        .iter()
        .zip(&isolated_evaluators)
        .map(|(i, evaluator)| {
            let subjects: Vec<String> = i
                .changes
                .iter()
                .filter_map(|&c| diff.changes.get(c))
                .map(rubric::report::diff::sentence)
                .collect();
            (subjects.join("; "), evaluator)
        })
        .collect();
    let impact = Impact::new(&old_evaluator, new.policy, movers).with_isolated(named);
    // Changes that could move a partner but cannot be applied alone.
    let not_isolated = diff
        .changes
        .iter()
        .enumerate()
        .filter(|(i, c)| {
            c.effect != rubric::diff::Effect::Neutral
                && !isolated.iter().any(|iso| iso.changes.contains(i))
        })
        .count();
    let inputs = super::data_inputs(&args.data);
    let threads = super::threads(None);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let head = match args.format {
        Format::Human | Format::Markdown => {
            let diff_text = if args.format == Format::Human {
                rubric::report::diff::human(diff, old, new)
            } else {
                rubric::report::diff::markdown(diff, old, new)
            };
            write!(out, "{diff_text}\nPartners who move, as of {as_of}:\n")
        }
        Format::Json => match rubric::report::diff::json(diff, old, new) {
            Ok(text) => write!(
                out,
                "{{\n\"diff\": {},\n\"as_of\": \"{as_of}\",\n\"movers\": [",
                text.trim_end()
            ),
            Err(err) => {
                eprintln!("error: cannot write the diff as JSON: {err}");
                return Exit::Usage;
            }
        },
        Format::Jsonl => Ok(()),
    };
    if head.is_err() {
        return Exit::Usage;
    }
    let mut exit = Exit::Success;
    let mut shown = 0usize;
    let mut closed = false;
    let totals = batch::evaluate(
        &new_evaluator,
        inputs,
        batch::Options {
            threads,
            detail: Impact::DETAIL,
            // Both versions see the same records: a person under two
            // partners is the data's problem, reported by `rubric eval`.
            people_check: false,
            ..batch::Options::default()
        },
        &impact,
        &mut |event| {
            match event {
                Event::Unreadable(err) => {
                    emit(&err);
                    exit = exit.max(Exit::Usage);
                }
                Event::Warning(warning) => emit(&warning),
                Event::Record(record) => {
                    exit = exit.max(super::emit_record_problems(&record));
                    if record.rendered.is_empty() || args.limit.is_some_and(|l| shown >= l) {
                        return ControlFlow::Continue(());
                    }
                    let written = match args.format {
                        Format::Json => {
                            let separator: &[u8] = if shown == 0 { b"\n  " } else { b",\n  " };
                            out.write_all(separator)
                                .and_then(|()| out.write_all(record.rendered.trim_ascii_end()))
                        }
                        _ => out.write_all(record.rendered),
                    };
                    shown += 1;
                    if written.is_err() {
                        closed = true;
                        return ControlFlow::Break(());
                    }
                }
            }
            ControlFlow::Continue(())
        },
    );
    if closed {
        return exit;
    }
    if impact.old_failed() > 0 {
        eprintln!(
            "error: {} partners evaluated against `{}` could not be evaluated against `{}` (for example, amounts in another currency); they are in no cell of the table",
            impact.old_failed(),
            new.name,
            old.name
        );
        exit = exit.max(Exit::Invalid);
    }
    let transitions = impact.transitions();
    let moved = impact.moved();
    let evaluated = totals.by_tier.iter().sum::<usize>() + totals.no_tier;
    let tail = match args.format {
        Format::Human | Format::Markdown => {
            let none = if moved == 0 { "  (none)\n" } else { "" };
            let more = if moved > shown {
                format!("  … and {} more (--limit {})\n", moved - shown, shown)
            } else {
                String::new()
            };
            let mut alone = String::new();
            for c in impact.per_change().iter().filter(|c| c.up + c.down > 0) {
                alone.push_str(&format!("  {} up, {} down: {}\n", c.up, c.down, c.change));
            }
            if !alone.is_empty() || not_isolated > 0 {
                alone = format!(
                    "\nPartners each change moves when applied alone to the old version:\n{alone}{}",
                    if not_isolated > 0 {
                        format!(
                            "  ({not_isolated} other changes that may move partners cannot be applied alone: they need a declaration the old version lacks, or other changes with them)\n"
                        )
                    } else {
                        String::new()
                    }
                );
            }
            write!(
                out,
                "{none}{more}\n{moved} of {evaluated} partners move; {} not evaluated.\n\n{}{alone}",
                totals.failed + impact.old_failed(),
                rubric::impact::table(&transitions)
            )
        }
        Format::Json | Format::Jsonl => {
            #[derive(serde::Serialize)]
            struct Summary<'a> {
                evaluated: usize,
                failed: usize,
                failed_old: usize,
                moved: usize,
                transitions: &'a [rubric::impact::Transition],
                per_change: Vec<rubric::impact::ChangeImpact>,
                not_isolated: usize,
            }
            let summary = Summary {
                evaluated,
                failed: totals.failed,
                failed_old: impact.old_failed(),
                moved,
                transitions: &transitions,
                per_change: impact.per_change(),
                not_isolated,
            };
            match serde_json::to_string(&summary) {
                Ok(text) if args.format == Format::Json => {
                    let close = if shown == 0 { "]" } else { "\n]" };
                    writeln!(out, "{close},\n\"summary\": {text}\n}}")
                }
                Ok(text) => writeln!(out, "{{\"summary\":{text}}}"),
                Err(err) => Err(std::io::Error::other(err)),
            }
        }
    };
    if tail.and_then(|()| out.flush()).is_err() {
        return exit.max(Exit::Usage);
    }
    if exit != Exit::Success {
        exit
    } else if diff.same_meaning() && moved == 0 {
        Exit::Success
    } else {
        Exit::Invalid
    }
}
