//! Batch evaluation: the pipeline from partner data to rendered outcomes,
//! in input order, on as many threads as asked.
//!
//! A pool of workers, kept for the whole run, takes the input a block of
//! about a megabyte at a time: the free worker reads the next block and cuts
//! it at a record boundary (under a lock, so blocks are taken in input
//! order), then, without the lock, frames its records, evaluates each (the
//! fast path of [`Evaluator::fold`] where it applies, the careful path
//! otherwise) and renders it with the caller's [`Render`]. Blocks come back
//! in any order and are handed on in input order; only that hand-over, the
//! one-partner-at-a-time check of people (on ids the workers have picked
//! out) and the caller's writing happen on the calling thread. Memory is
//! bounded by the blocks in flight, plus a bounded number of people for the
//! check across partners (see [`people`]): past that number they go to a
//! temporary file, so memory stays flat at any batch size.
//!
//! Every caller (the CLI, the tests, the benchmarks) evaluates through
//! [`evaluate`], so what is tested is what runs.
//!
//! ```
//! use std::ops::ControlFlow;
//! use rubric::batch::{self, DataInput, Event, Options};
//! use rubric::eval::{Detail, Evaluator};
//!
//! let policy = rubric::load_policy(r#"competency demo {
//!     tiers silver
//!     exam AZ-900
//!     group basics = any of AZ-900
//!     option main { tier silver { require distinct people { 1 passing basics } } }
//! }"#).unwrap();
//! let evaluator = Evaluator::new(&policy, chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap());
//! let text = r#"{"id": "P-1", "people": [{"id": 1, "exams": [{"code": "az-900", "passed": "2023-05-01"}]}]}
//! {"id": "P-2"}
//! "#;
//! let input = DataInput::Text { name: "partners.jsonl".into(), text: text.into() };
//! let options = Options { threads: 1, detail: Detail::Tier, ..Options::default() };
//! let mut lines = Vec::new();
//! let totals = batch::evaluate(&evaluator, vec![input], options, &rubric::report::JsonLines, &mut |event| {
//!     if let Event::Record(record) = event {
//!         lines.push(String::from_utf8_lossy(record.rendered).into_owned());
//!     }
//!     ControlFlow::Continue(())
//! });
//! assert_eq!(totals.by_tier, [1]);
//! assert_eq!(totals.no_tier, 1);
//! assert!(lines[0].contains(r#""tier":"silver""#));
//! ```

use std::io::{self, Read};
use std::ops::ControlFlow;
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};

use serde_json::value::RawValue;

use crate::ast::Span;
use crate::data::read::{self, ReadError};
use crate::data::{DataError, DataSource, Partner, Record};
use crate::eval::fold::{PersonKey, Scratch};
use crate::eval::watch::{DataReport, Seen};
use crate::eval::{Detail, Evaluated, Evaluator};
use crate::model::TierLevelId;
use crate::report::Render;

pub mod people;

pub use people::{PEOPLE_IN_MEMORY, PersonAcrossPartners};
use people::{PeopleSeen, Place, person_in_two_partners};

/// Where partner data comes from.
#[derive(Debug)]
pub enum DataInput {
    /// A file. `*.jsonl` and `*.ndjson` files are streamed; any other file
    /// is read whole (it may hold a JSON array).
    Path(String),
    /// Standard input, streamed unless it holds a JSON array.
    Stdin,
    /// Text in memory, named for diagnostics; framed like a file of that name.
    Text {
        /// The name diagnostics give it.
        name: String,
        /// The data (shared, so that it can be evaluated again uncopied).
        text: Arc<str>,
    },
}

/// How to evaluate a batch.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Worker threads; 1 evaluates on the calling thread.
    pub threads: usize,
    /// How much reasoning to keep and render.
    pub detail: Detail,
    /// Whether to report a person listed under two partners (see
    /// [`people`]).
    pub people_check: bool,
    /// How many people the check keeps in memory before writing them to a
    /// temporary file; [`PEOPLE_IN_MEMORY`] by default. Past it, a person
    /// whose listings are that far apart is reported at the end of the run
    /// ([`Event::Warning`]) instead of with their second partner.
    pub people_in_memory: usize,
}

impl Default for Options {
    /// One thread, requirement-level detail, people checked.
    fn default() -> Self {
        Options {
            threads: 1,
            detail: Detail::Requirements,
            people_check: true,
            people_in_memory: PEOPLE_IN_MEMORY,
        }
    }
}

/// One record's outcome, handed to the caller in input order.
#[derive(Debug)]
pub struct RecordOutcome<'b> {
    /// The record's position in the run, from 0.
    pub index: usize,
    /// The tier reached, when evaluated.
    pub tier: Option<TierLevelId>,
    /// Whether the record could not be evaluated.
    pub failed: bool,
    /// The record rendered by the caller's [`Render`].
    pub rendered: &'b [u8],
    /// Why it could not be evaluated (for stderr).
    pub errors: &'b [DataError],
    /// Problems that did not stop evaluation (for stderr).
    pub warnings: &'b [DataError],
}

/// What the pipeline hands the caller, in input order.
#[derive(Debug)]
pub enum Event<'b> {
    /// A record, evaluated or not.
    Record(RecordOutcome<'b>),
    /// A data input could not be read (from some point on).
    Unreadable(ReadError),
    /// A problem of the run as a whole, found after its last record.
    Warning(RunWarning),
}

/// A problem of a run as a whole, handed on after its last record.
#[derive(Clone, Debug, thiserror::Error, miette::Diagnostic)]
pub enum RunWarning {
    /// A person listed under several partners far apart in the run.
    #[error(transparent)]
    #[diagnostic(transparent)]
    PersonAcrossPartners(PersonAcrossPartners),
}

/// What a run saw.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Records evaluated, by tier index.
    pub by_tier: Vec<usize>,
    /// Records evaluated that reached no tier.
    pub no_tier: usize,
    /// Records that could not be evaluated.
    pub failed: usize,
    /// Inputs that could not be read.
    pub unreadable: usize,
    /// For a policy that declares a product catalogue (or revenue types, or
    /// usage metrics): the data values close to a declared name that match
    /// none, and the declared names no line matched, once for the run.
    pub data_report: Option<DataReport>,
}

/// The size of a block of input handed to a worker.
const BLOCK_BYTES: usize = 1 << 20;

/// Evaluates every record of `inputs` and hands each outcome, rendered by
/// `render`, to `sink` in input order. `sink` may stop the run by returning
/// [`ControlFlow::Break`] (e.g. when stdout is closed).
pub fn evaluate(
    evaluator: &Evaluator<'_>,
    inputs: Vec<DataInput>,
    options: Options,
    render: &dyn Render,
    sink: &mut dyn FnMut(Event<'_>) -> ControlFlow<()>,
) -> Totals {
    let mut ordered = Ordered {
        evaluator,
        render,
        detail: options.detail,
        people: PeopleSeen::new(options.people_in_memory),
        people_check: options.people_check,
        totals: Totals {
            by_tier: vec![0; evaluator.policy().tiers.len()],
            ..Totals::default()
        },
        next_index: 0,
    };
    let threads = options.threads.max(1);
    let mut source = Blocks::new(inputs);
    if threads == 1 {
        let mut worker = Worker::new(evaluator, render, options.detail);
        let mut run = ControlFlow::Continue(());
        while let Some(block) = source.next_block() {
            run = match block {
                Ok(block) => ordered.hand_on(worker.run(block), sink),
                Err(err) => ordered.unreadable(err, sink),
            };
            if run.is_break() {
                break;
            }
        }
        let seen = worker.scratch.seen_mut().take();
        let totals = ordered.finish(run, sink);
        return with_data_report(evaluator, totals, seen.into_iter());
    }

    // Workers take the next block under the lock, in input order, as long
    // as fewer than `in_flight` blocks are read and not yet handed on.
    let in_flight = 2 * threads as u64 + 2;
    let shared = Mutex::new(Reading {
        source,
        taken: 0,
        handed_on: 0,
        stopped: false,
    });
    let turn = Condvar::new();
    let (done_tx, done_rx) = mpsc::channel::<(u64, Result<Done, ReadError>)>();
    let mut seen: Vec<Seen> = Vec::new();
    let run = std::thread::scope(|scope| {
        let mut workers = Vec::with_capacity(threads);
        for _ in 0..threads {
            let done_tx = done_tx.clone();
            let (shared, turn) = (&shared, &turn);
            workers.push(scope.spawn(move || {
                // A worker that panics stops the others, not to leave them
                // waiting for a block that never comes.
                let _stop = StopOnPanic(shared, turn);
                let mut worker = Worker::new(evaluator, render, options.detail);
                while let Some((seq, block)) = Reading::take(shared, turn, in_flight) {
                    if done_tx.send((seq, block.map(|b| worker.run(b)))).is_err() {
                        break;
                    }
                }
                // What this worker saw of the catalogue, merged once at the end.
                worker.scratch.seen_mut().take()
            }));
        }
        drop(done_tx);

        // Blocks finished out of order wait here until their turn.
        let mut waiting = std::collections::BTreeMap::new();
        let mut next = 0u64;
        let mut run = ControlFlow::Continue(());
        for (seq, done) in done_rx.iter() {
            waiting.insert(seq, done);
            while let Some(done) = waiting.remove(&next) {
                next += 1;
                if run.is_continue() {
                    run = match done {
                        Ok(done) => ordered.hand_on(done, sink),
                        Err(err) => ordered.unreadable(err, sink),
                    };
                }
                if let Ok(mut reading) = shared.lock() {
                    reading.handed_on = next;
                    reading.stopped |= run.is_break();
                }
                turn.notify_all();
            }
        }
        for worker in workers {
            match worker.join() {
                Ok(saw) => seen.extend(saw),
                // A bug: never lose records silently.
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        run
    });
    let totals = ordered.finish(run, sink);
    with_data_report(evaluator, totals, seen.into_iter())
}

/// Stops a run when the worker holding it panics.
struct StopOnPanic<'a>(&'a Mutex<Reading>, &'a Condvar);

impl Drop for StopOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            if let Ok(mut reading) = self.0.lock() {
                reading.stopped = true;
            }
            self.1.notify_all();
        }
    }
}

/// The reading side of a run on several threads, shared by the workers.
struct Reading {
    source: Blocks,
    /// Blocks taken by the workers so far.
    taken: u64,
    /// Blocks handed on to the caller so far.
    handed_on: u64,
    /// Whether the caller stopped the run.
    stopped: bool,
}

impl Reading {
    /// The next block and its place in the run, once fewer than
    /// `in_flight` blocks wait to be handed on; `None` at the end of the
    /// input or once the run is stopped.
    fn take(
        shared: &Mutex<Reading>,
        turn: &Condvar,
        in_flight: u64,
    ) -> Option<(u64, Result<Block, ReadError>)> {
        let mut reading = shared.lock().ok()?;
        while !reading.stopped && reading.taken - reading.handed_on >= in_flight {
            reading = turn.wait(reading).ok()?;
        }
        if reading.stopped {
            return None;
        }
        let block = reading.source.next_block()?;
        let seq = reading.taken;
        reading.taken += 1;
        Some((seq, block))
    }
}

/// The run's totals with its data report, merged from what each worker saw.
fn with_data_report(
    evaluator: &Evaluator<'_>,
    mut totals: Totals,
    seen: impl Iterator<Item = Seen>,
) -> Totals {
    if let Some(watch) = evaluator.watch() {
        let mut all = Seen::default();
        for s in seen {
            all.merge(s);
        }
        totals.data_report = Some(all.report(watch));
    }
    totals
}

/// A block of input: records to frame and evaluate.
#[derive(Debug)]
enum Block {
    /// Whole lines of a JSON Lines stream, cut at a record boundary.
    Lines {
        /// The input's name.
        name: Arc<str>,
        /// The bytes (not yet checked to be UTF-8: a bad record must not
        /// take the others with it).
        bytes: Vec<u8>,
        /// Lines of the input before `bytes`.
        lines_before: usize,
    },
    /// Records framed already (from a file read whole).
    Framed(Vec<read::Framed>),
}

/// A block evaluated and rendered.
#[derive(Debug)]
struct Done {
    rendered: Vec<u8>,
    records: Vec<Evaluation>,
    /// Each evaluated record's people, for the check across partners.
    people: Vec<PersonKey>,
    /// Their ids as written in JSON, end to end, and where each ends, so
    /// that the calling thread's check reads them without parsing again.
    people_ids: String,
    people_id_ends: Vec<u32>,
    /// The partner ids of records with people, end to end.
    partner_ids: String,
    /// The block's input name and bytes, kept so that a record can be
    /// rebuilt in the rare case a warning needs it.
    name: Arc<str>,
    bytes: Vec<u8>,
}

#[derive(Debug)]
struct Evaluation {
    /// Where its rendering ends in `rendered`.
    end: usize,
    tier: Option<TierLevelId>,
    failed: bool,
    errors: Vec<DataError>,
    /// Problems that did not stop its evaluation (values of line fields,
    /// lines without a customer).
    warnings: Vec<DataError>,
    /// Its people's range in `people`.
    people: std::ops::Range<usize>,
    /// Its partner's id in `partner_ids`.
    partner: std::ops::Range<usize>,
    /// Where the record is, for the check across partners to name it and
    /// render it again with a warning; `None` when it has no people.
    origin: Option<Origin>,
}

/// Where an evaluated record is.
#[derive(Debug)]
enum Origin {
    /// Lines of the block's bytes (valid UTF-8: the record was evaluated).
    Lines {
        lines: std::ops::Range<usize>,
        /// The record within its lines.
        trimmed: Span,
        /// Its first line in the input, from 1.
        first_line: usize,
    },
    /// A record framed on its own.
    Record(Record),
}

impl Origin {
    /// The record, rebuilt from the block when it lies in one.
    fn record(&self, done: &Done) -> Option<Record> {
        match self {
            Origin::Lines {
                lines,
                trimmed,
                first_line,
                ..
            } => {
                let text = std::str::from_utf8(done.bytes.get(lines.clone())?).ok()?;
                Some(lines_record(&done.name, text, *trimmed, *first_line))
            }
            Origin::Record(record) => Some(record.clone()),
        }
    }
}

impl Done {
    /// Notes a record's people for the check across partners: their keys,
    /// their ids as written in `text` (the record), and its partner's id.
    /// Returns the ranges of both.
    fn note_people(
        &mut self,
        partner: &RawValue,
        text: &str,
        people: impl IntoIterator<Item = PersonKey>,
    ) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
        let start = self.people.len();
        for person in people {
            let id = text
                .get(person.start as usize..person.end as usize)
                .unwrap_or("");
            self.people_ids.push_str(id);
            self.people_id_ends
                .push(u32::try_from(self.people_ids.len()).unwrap_or(u32::MAX));
            self.people.push(person);
        }
        let people = start..self.people.len();
        let at = self.partner_ids.len();
        if !people.is_empty() {
            self.partner_ids
                .push_str(&crate::data::Id::from_json(partner).text());
        }
        (people, at..self.partner_ids.len())
    }

    /// The id, as written, of the person at `index` of `people`.
    fn person_id(&self, index: usize) -> &str {
        people::nth_piece(&self.people_ids, &self.people_id_ends, index)
    }
}

/// One worker's state, reused from record to record.
struct Worker<'e, 'p> {
    evaluator: &'e Evaluator<'p>,
    render: &'e dyn Render,
    detail: Detail,
    scratch: Scratch,
}

impl<'e, 'p> Worker<'e, 'p> {
    fn new(evaluator: &'e Evaluator<'p>, render: &'e dyn Render, detail: Detail) -> Self {
        let mut scratch = Scratch::default();
        if evaluator.watches_data() {
            *scratch.seen_mut() = Some(Seen::default());
        }
        Worker {
            evaluator,
            render,
            detail,
            scratch,
        }
    }

    fn run(&mut self, block: Block) -> Done {
        let mut done = Done {
            rendered: Vec::with_capacity(BLOCK_BYTES / 2),
            records: Vec::new(),
            people: Vec::new(),
            people_ids: String::new(),
            people_id_ends: Vec::new(),
            partner_ids: String::new(),
            name: Arc::from(""),
            bytes: Vec::new(),
        };
        match block {
            Block::Lines {
                name,
                bytes,
                lines_before,
            } => {
                for framed in read::frame_lines(&bytes, true) {
                    let Some(text) = bytes.get(framed.lines.clone()) else {
                        continue;
                    };
                    let line = lines_before + framed.first_line;
                    match std::str::from_utf8(text) {
                        Ok(text) => {
                            let span = Span::new(framed.trimmed.start, framed.trimmed.end);
                            let origin = Origin::Lines {
                                lines: framed.lines.clone(),
                                trimmed: span,
                                first_line: line,
                            };
                            self.record(&name, text, origin, &mut done);
                        }
                        Err(err) => {
                            let error = read::not_utf8(&name, text, line, &err);
                            self.failed(None, vec![error], &mut done);
                        }
                    }
                }
                done.name = name;
                done.bytes = bytes;
            }
            Block::Framed(records) => {
                for framed in records {
                    match framed {
                        Ok(record) => self.careful(record, &mut done),
                        Err(error) => self.failed(None, vec![error], &mut done),
                    }
                }
            }
        }
        done
    }

    /// One record of a JSON Lines block: the fast path when it applies.
    fn record(&mut self, name: &Arc<str>, lines: &str, origin: Origin, done: &mut Done) {
        let Origin::Lines {
            lines: range,
            trimmed: span,
            first_line: line,
            ..
        } = origin
        else {
            return;
        };
        if self.detail < Detail::Evidence
            && !self.render.needs_record()
            && let Some(text) = lines.get(span.range())
            && let Some(folded) = self.evaluator.fold(text, &mut self.scratch)
        {
            if let Some(seen) = self.scratch.seen_mut() {
                seen.commit(Some(&(Arc::clone(name), line)));
            }
            let outcome =
                self.evaluator
                    .judge(self.scratch.facts(), Vec::new(), Vec::new(), self.detail);
            let tier = outcome.tier;
            let evaluated = Evaluated::of_folded(folded, outcome, self.detail);
            self.render
                .evaluated(self.evaluator.policy(), &evaluated, &[], &mut done.rendered);
            let (people, partner) = done.note_people(
                evaluated.id.json(),
                text,
                self.scratch.people().iter().copied(),
            );
            done.records.push(Evaluation {
                end: done.rendered.len(),
                tier,
                failed: false,
                errors: Vec::new(),
                warnings: Vec::new(),
                origin: (!people.is_empty()).then_some(Origin::Lines {
                    lines: range,
                    trimmed: span,
                    first_line: line,
                }),
                people,
                partner,
            });
            return;
        }
        self.careful(lines_record(name, lines, span, line), done);
    }

    /// A record the careful way: parsed, then evaluated, every problem
    /// reported where it is.
    fn careful(&mut self, record: Record, done: &mut Done) {
        let evaluated = Partner::parse(&record).and_then(|partner| {
            if let (Some(watch), Some(seen)) = (self.evaluator.watch(), self.scratch.seen_mut()) {
                let line = record.source.line_column(record.span.start).0;
                let place = (Arc::from(record.source.name.as_str()), line);
                seen.observe(watch, &partner, Some(&place));
            }
            let outcome = self.evaluator.evaluate_at(&partner, self.detail)?;
            let tier = outcome.tier;
            let mut warnings = self.evaluator.warnings(&partner, &outcome);
            warnings.extend(self.evaluator.customer_warnings(&partner, &outcome));
            let evaluated = of_partner(&partner, outcome, self.detail, self.render);
            self.render.evaluated(
                self.evaluator.policy(),
                &evaluated,
                &warnings,
                &mut done.rendered,
            );
            let (people, partner) =
                done.note_people(partner.id.json(), record.text(), person_keys(&partner));
            Ok((tier, people, partner, warnings))
        });
        match evaluated {
            Ok((tier, people, partner, warnings)) => {
                done.records.push(Evaluation {
                    end: done.rendered.len(),
                    tier,
                    failed: false,
                    errors: Vec::new(),
                    warnings,
                    origin: (!people.is_empty()).then_some(Origin::Record(record)),
                    people,
                    partner,
                });
            }
            Err(errors) => {
                let id = crate::data::peek_id(&record);
                self.failed(id, errors, done);
            }
        }
    }

    fn failed(&mut self, id: Option<&RawValue>, errors: Vec<DataError>, done: &mut Done) {
        self.render.failed(id, &errors, &mut done.rendered);
        let at = done.people.len();
        done.records.push(Evaluation {
            end: done.rendered.len(),
            tier: None,
            failed: true,
            errors,
            warnings: Vec::new(),
            people: at..at,
            partner: 0..0,
            origin: None,
        });
    }
}

/// A parsed partner's evaluation, with its record kept when the renderer
/// needs it (see [`Render::needs_record`]).
fn of_partner<'a, 'p>(
    partner: &'a Partner<'a>,
    outcome: crate::eval::PartnerOutcome<'p>,
    detail: Detail,
    render: &dyn Render,
) -> Evaluated<'a, 'p> {
    let mut evaluated = Evaluated::of_partner(partner, outcome, detail);
    if render.needs_record() {
        evaluated.partner = Some(partner);
    }
    evaluated
}

/// A record of a JSON Lines block, with a source of its own lines so that
/// diagnostics show it alone, numbered as in the file.
fn lines_record(name: &str, lines: &str, span: Span, first_line: usize) -> Record {
    Record {
        source: Arc::new(DataSource {
            name: name.to_owned(),
            text: lines.to_owned(),
            lines_before: first_line.saturating_sub(1),
        }),
        span,
        index: 0,
    }
}

/// The people of a parsed partner, as keys for the check across partners.
fn person_keys(partner: &Partner<'_>) -> Vec<PersonKey> {
    crate::data::person_ids(partner)
        .into_iter()
        .map(|(id, span)| PersonKey::of(&id, span.start, span.end))
        .collect()
}

/// The calling thread's side: hands blocks on in order, checks people
/// across partners, and counts.
struct Ordered<'e, 'p> {
    evaluator: &'e Evaluator<'p>,
    render: &'e dyn Render,
    detail: Detail,
    people: PeopleSeen,
    people_check: bool,
    totals: Totals,
    next_index: usize,
}

impl Ordered<'_, '_> {
    /// After the last record: the people check's findings across the run,
    /// unless the caller stopped it.
    fn finish(
        self,
        run: ControlFlow<()>,
        sink: &mut dyn FnMut(Event<'_>) -> ControlFlow<()>,
    ) -> Totals {
        let Ordered {
            people,
            people_check,
            mut totals,
            ..
        } = self;
        if run.is_continue() && people_check {
            let found = people.finish(&mut |person| {
                sink(Event::Warning(RunWarning::PersonAcrossPartners(person)))
            });
            if let Err(cause) = found {
                totals.unreadable += 1;
                let _ = sink(Event::Unreadable(ReadError {
                    path: "the people check's temporary file".to_owned(),
                    cause,
                }));
            }
        }
        totals
    }

    fn unreadable(
        &mut self,
        err: ReadError,
        sink: &mut dyn FnMut(Event<'_>) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        self.totals.unreadable += 1;
        sink(Event::Unreadable(err))
    }

    fn hand_on(
        &mut self,
        done: Done,
        sink: &mut dyn FnMut(Event<'_>) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        let mut start = 0;
        // The people check's table slots are fetched a few people ahead of
        // their check, so that waiting for memory overlaps other work.
        let mut fetched = 0;
        for evaluation in &done.records {
            if self.people_check {
                let ahead = (evaluation.people.end + PEOPLE_FETCHED_AHEAD).min(done.people.len());
                self.people
                    .prefetch(done.people.get(fetched..ahead).unwrap_or(&[]));
                fetched = fetched.max(ahead);
            }
            let rendered = done.rendered.get(start..evaluation.end).unwrap_or(&[]);
            start = evaluation.end;
            let index = self.next_index;
            self.next_index += 1;
            let mut warnings = evaluation.warnings.clone();
            let mut again = Vec::new();
            if let Some(origin) = evaluation.origin.as_ref().filter(|_| self.people_check) {
                let people = done.people.get(evaluation.people.clone()).unwrap_or(&[]);
                let partner = done
                    .partner_ids
                    .get(evaluation.partner.clone())
                    .unwrap_or("");
                let first = evaluation.people.start;
                let place = match origin {
                    Origin::Lines { first_line, .. } => (&*done.name, Place::Line(*first_line)),
                    Origin::Record(record) => (
                        record.source.name.as_str(),
                        Place::Source {
                            source: Arc::downgrade(&record.source),
                            offset: record.span.start,
                            line: (record.span.start == 0)
                                .then_some(record.source.lines_before + 1),
                        },
                    ),
                };
                let conflicts = self
                    .people
                    .add(partner, place, people, |i| done.person_id(first + i));
                // Rare: rebuild the record to point at each person and to
                // render it again with its warnings.
                if !conflicts.is_empty()
                    && let Some(record) = origin.record(&done)
                {
                    warnings.extend(conflicts.into_iter().map(|(person, other, name, place)| {
                        person_in_two_partners(&record, person, (other, name, place))
                    }));
                    self.rerender(&record, &warnings, &mut again);
                }
            }
            let rendered = if again.is_empty() { rendered } else { &again };
            if evaluation.failed {
                self.totals.failed += 1;
            } else {
                match evaluation
                    .tier
                    .and_then(|t| self.totals.by_tier.get_mut(t.0))
                {
                    Some(n) => *n += 1,
                    None => self.totals.no_tier += 1,
                }
            }
            sink(Event::Record(RecordOutcome {
                index,
                tier: evaluation.tier,
                failed: evaluation.failed,
                rendered,
                errors: &evaluation.errors,
                warnings: &warnings,
            }))?;
        }
        ControlFlow::Continue(())
    }

    fn rerender(&self, record: &Record, warnings: &[DataError], out: &mut Vec<u8>) {
        if let Ok(partner) = Partner::parse(record)
            && let Ok(outcome) = self.evaluator.evaluate_at(&partner, self.detail)
        {
            let evaluated = of_partner(&partner, outcome, self.detail, self.render);
            self.render
                .evaluated(self.evaluator.policy(), &evaluated, warnings, out);
        }
    }
}

/// How many people past the record being handed on have their table slots
/// fetched (about four records' worth: enough to hide a wait for memory,
/// few enough for the processor to keep track of).
const PEOPLE_FETCHED_AHEAD: usize = 16;

/// The inputs of a run, read as blocks for the workers: pulled one at a
/// time, by whichever worker is free (under a lock), so that reading and
/// cutting happen on the workers and a block's bytes land in the cache of
/// the thread that evaluates them.
struct Blocks {
    inputs: std::vec::IntoIter<DataInput>,
    current: Current,
}

/// The input being read.
enum Current {
    /// Between inputs.
    Between,
    /// Records framed already (a file read whole, an array).
    Framed(std::vec::IntoIter<read::Framed>),
    /// A stream cut into blocks at record boundaries.
    Stream(Stream),
}

/// A stream being cut into blocks.
struct Stream {
    name: Arc<str>,
    reader: Box<dyn Read + Send>,
    /// The start of a record cut by the last block's end.
    carry: Vec<u8>,
    /// Lines of the input before `carry`.
    lines_before: usize,
    /// Whether nothing has been read yet (a BOM or an array may come).
    first: bool,
    /// A failure to report once the records read before it are handed on.
    failed: Option<io::Error>,
    /// Whether the end was read (not to read past it again: a terminal
    /// would wait for another end).
    eof: bool,
}

/// Shared text, read as bytes.
struct Shared(Arc<str>);

impl AsRef<[u8]> for Shared {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

/// How many records a block of records framed already holds.
const FRAMED_PER_BLOCK: usize = 2_048;

impl Blocks {
    fn new(inputs: Vec<DataInput>) -> Self {
        Blocks {
            inputs: inputs.into_iter(),
            current: Current::Between,
        }
    }

    /// The next block of the run, or a failure to read; `None` at the end
    /// of the last input (and after it).
    fn next_block(&mut self) -> Option<Result<Block, ReadError>> {
        loop {
            match &mut self.current {
                Current::Between => {
                    let input = self.inputs.next()?;
                    if let Err(err) = self.open(input) {
                        return Some(Err(err));
                    }
                }
                Current::Framed(records) => {
                    let block: Vec<read::Framed> =
                        records.by_ref().take(FRAMED_PER_BLOCK).collect();
                    if block.is_empty() {
                        self.current = Current::Between;
                    } else {
                        return Some(Ok(Block::Framed(block)));
                    }
                }
                Current::Stream(stream) => match stream.next_block() {
                    Step::Block(block) => return Some(Ok(block)),
                    Step::Framed(framed) => self.current = Current::Framed(framed.into_iter()),
                    Step::Failed(err) => {
                        self.current = Current::Between;
                        return Some(Err(err));
                    }
                    Step::End => self.current = Current::Between,
                },
            }
        }
    }

    /// Starts reading `input`.
    fn open(&mut self, input: DataInput) -> Result<(), ReadError> {
        let (name, reader): (String, Box<dyn Read + Send>) = match input {
            DataInput::Stdin => ("<stdin>".to_owned(), Box::new(io::stdin())),
            DataInput::Path(path) => {
                let lower = path.to_ascii_lowercase();
                if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
                    match std::fs::File::open(&path) {
                        Ok(file) => (path, Box::new(file)),
                        Err(cause) => return Err(ReadError { path, cause }),
                    }
                } else {
                    let text = std::fs::read_to_string(&path).map_err(|cause| ReadError {
                        path: path.clone(),
                        cause,
                    })?;
                    self.current = Current::Framed(read::whole_text(&path, text).into_iter());
                    return Ok(());
                }
            }
            DataInput::Text { name, text } => {
                let lower = name.to_ascii_lowercase();
                let array = text
                    .trim_start_matches('\u{feff}')
                    .trim_start()
                    .starts_with('[');
                if array || !(lower.ends_with(".jsonl") || lower.ends_with(".ndjson")) {
                    let framed = read::whole_text(&name, text.to_string());
                    self.current = Current::Framed(framed.into_iter());
                    return Ok(());
                }
                (name, Box::new(io::Cursor::new(Shared(text))))
            }
        };
        self.current = Current::Stream(Stream {
            name: Arc::from(name),
            reader,
            carry: Vec::new(),
            lines_before: 0,
            first: true,
            failed: None,
            eof: false,
        });
        Ok(())
    }
}

/// What reading a stream on gave.
enum Step {
    /// Whole records.
    Block(Block),
    /// The whole input, framed (an array on standard input).
    Framed(Vec<read::Framed>),
    /// A failure; the stream is given up.
    Failed(ReadError),
    /// The end of the stream.
    End,
}

impl Stream {
    /// The next block: the carried start of a record, then about a block's
    /// worth of bytes, cut at the last record boundary.
    fn next_block(&mut self) -> Step {
        if let Some(cause) = self.failed.take() {
            return Step::Failed(self.fail(cause));
        }
        if self.eof && self.carry.is_empty() {
            return Step::End;
        }
        let mut buffer: Vec<u8> = Vec::with_capacity(BLOCK_BYTES + (BLOCK_BYTES >> 2));
        buffer.append(&mut self.carry);
        let mut eof = self.eof;
        // Fill to a block's size, or to the end.
        while !eof && buffer.len() < BLOCK_BYTES {
            let want = (BLOCK_BYTES - buffer.len()) as u64;
            match self.reader.by_ref().take(want).read_to_end(&mut buffer) {
                Ok(0) => {
                    eof = true;
                    break;
                }
                Ok(_) => {}
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => {
                    // What was read is evaluated; the failure is reported after it.
                    let cut = read::record_boundary(&buffer, true);
                    if cut == 0 {
                        return Step::Failed(self.fail(err));
                    }
                    self.failed = Some(err);
                    buffer.truncate(cut);
                    return Step::Block(self.block(buffer));
                }
            }
        }
        if std::mem::take(&mut self.first) {
            read::strip_bom(&mut buffer);
            // An array must be read whole.
            if buffer.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
                if let Err(err) = self.reader.read_to_end(&mut buffer) {
                    return Step::Failed(self.fail(err));
                }
                let text = String::from_utf8_lossy(&buffer).into_owned();
                return Step::Framed(read::whole_text(&self.name, text));
            }
        }
        loop {
            let cut = read::record_boundary(&buffer, eof);
            self.eof = eof;
            if cut > 0 || eof {
                if let Some(rest) = buffer.get(cut..) {
                    self.carry.extend_from_slice(rest);
                }
                buffer.truncate(cut);
                if buffer.is_empty() {
                    return Step::End;
                }
                return Step::Block(self.block(buffer));
            }
            // One record longer than a block: read on, up to the most a
            // record may hold (past it, the worker reports it).
            if buffer.len() > read::MAX_RECORD_BYTES + BLOCK_BYTES {
                return Step::Block(self.block(buffer));
            }
            match self
                .reader
                .by_ref()
                .take(BLOCK_BYTES as u64)
                .read_to_end(&mut buffer)
            {
                Ok(0) => eof = true,
                Ok(_) => {}
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Step::Failed(self.fail(err)),
            }
        }
    }

    /// Whole lines of the input, the next after those before.
    fn block(&mut self, bytes: Vec<u8>) -> Block {
        let lines_before = self.lines_before;
        self.lines_before += memchr::memchr_iter(b'\n', &bytes).count();
        Block::Lines {
            name: Arc::clone(&self.name),
            bytes,
            lines_before,
        }
    }

    fn fail(&self, cause: io::Error) -> ReadError {
        ReadError {
            path: self.name.to_string(),
            cause,
        }
    }
}
