//! The check across partners: is a person listed under two partners of one
//! run? A program counts a person for one partner at a time, so the second
//! listing is a data warning (E0407).
//!
//! An exact answer for any two partners of a run must remember every person
//! seen, so memory kept in RAM would grow with the batch. Instead the check
//! keeps a bounded number of people in memory, as fingerprints (see
//! [`PeopleSeen`]); when that many are held, they are sorted and written to a
//! temporary file (a *run*), and memory starts again. A second listing found
//! in memory is reported with its partner's record, as it is read; when the
//! first listing was already written out, the pair is found at the end of the
//! run by merging the sorted runs, and reported then, once per person, with
//! every partner that lists them ([`PersonAcrossPartners`]). So memory stays
//! flat at any batch size, every second listing is reported exactly once,
//! and a batch small enough to fit (about 50,000 partners) never touches the
//! disk.

mod fingerprints;

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, Write};
use std::ops::ControlFlow;
use std::sync::{Arc, Weak};

use miette::Diagnostic;
use serde_json::value::RawValue;
use thiserror::Error;

use crate::ast::Span;
use crate::data::{DataError, DataSource, FirstListing, Record};
use crate::eval::fold::PersonKey;
use fingerprints::{Fingerprints, Found};

/// How many people the check keeps in memory before it writes them out:
/// exactly what 2^19 table slots of 16 bytes (8 MB) hold 7/16 full, so the
/// table never grows past them; about 23 MB in all with each person's id
/// and partner and the buffers that sort and write them out (measured:
/// peak RSS with and without the check).
pub const PEOPLE_IN_MEMORY: usize = 7 << 15;

/// The people seen so far in a run, to report a person listed under two
/// partners.
///
/// A person is kept as a fingerprint: a 64-bit hash of their id, with an
/// independent 32-bit check, so two different ids are taken for one only if
/// all 96 bits agree (about one chance in 10^16 for a batch of a million
/// people). Beside it: the partner that listed them first, and their id as
/// written, to name them if the pair is found only at the end. Per partner:
/// its id and where its record starts, to point at a first listing.
#[derive(Debug)]
pub(super) struct PeopleSeen {
    /// Person fingerprint → (check, index into `kept`).
    first: Fingerprints,
    /// Per person in `first`: the partner (into `partner_ends`) and where
    /// their id ends in `ids`.
    kept: Vec<(u32, u32)>,
    /// The ids of the people in `kept`, as written in JSON, end to end.
    ids: String,
    /// Partner ids, end to end.
    partner_text: String,
    /// Where each partner id ends in `partner_text`.
    partner_ends: Vec<u32>,
    /// Where each partner's record starts: an index into `names`, and a
    /// place in that input.
    partner_places: Vec<(u32, Place)>,
    /// Input names, each once in a row (never cleared: runs refer to them).
    names: Vec<Arc<str>>,
    /// People held in memory before writing them out.
    limit: usize,
    /// The runs written out, each sorted by fingerprint.
    runs: Vec<BufWriter<File>>,
    /// The details of the people in every run, once the first is written.
    details: Option<Details>,
    /// Buffers reused from run to run: bytes to write, each kept person's
    /// details offset, the people sorted by fingerprint.
    buffer: Vec<u8>,
    offsets: Vec<u64>,
    order: Vec<(u64, u32, u32)>,
}

/// Where a partner's record starts in its input, to point at a person's
/// first listing.
#[derive(Clone, Debug)]
pub(super) enum Place {
    /// Its first line, from 1, in an input read line by line.
    Line(usize),
    /// Its byte offset in a source of its own. The source is held weakly:
    /// while it is alive (the same file read whole), the first listing can
    /// be underlined; its text is never kept alive for this.
    Source {
        source: Weak<DataSource>,
        offset: usize,
        /// Its first line, when known without reading the text.
        line: Option<usize>,
    },
}

/// A second listing found in memory: the person, and the partner that
/// listed them first, with its input's name and place.
pub(super) type Conflict<'k> = (&'k PersonKey, String, Arc<str>, Place);

impl PeopleSeen {
    /// A check that keeps up to `limit` people in memory.
    pub(super) fn new(limit: usize) -> Self {
        PeopleSeen {
            first: Fingerprints::default(),
            kept: Vec::new(),
            ids: String::new(),
            partner_text: String::new(),
            partner_ends: Vec::new(),
            partner_places: Vec::new(),
            names: Vec::new(),
            limit: limit.max(1),
            runs: Vec::new(),
            details: None,
            buffer: Vec::new(),
            offsets: Vec::new(),
            order: Vec::new(),
        }
    }

    fn partner(&self, index: u32) -> &str {
        nth_piece(&self.partner_text, &self.partner_ends, index as usize)
    }

    /// The people in memory sorted by fingerprint, as (hash, check, index
    /// into `kept`), in the buffer kept for it.
    fn sorted_people(&mut self) -> Vec<(u64, u32, u32)> {
        let mut order = std::mem::take(&mut self.order);
        order.clear();
        order.extend(
            self.first
                .iter()
                .map(|slot| (slot.hash, slot.check, slot.kept)),
        );
        order.sort_unstable();
        order
    }

    /// Asks for the table slots of `people` to be brought into the cache,
    /// ahead of their [`add`](Self::add): the table is larger than the
    /// cache, and a probe waiting on memory is most of the check's time.
    pub(super) fn prefetch(&self, people: &[PersonKey]) {
        for person in people {
            self.first.prefetch(person.hash);
        }
    }

    /// Records a partner's people, the `i`th of whom has the id `id(i)` as
    /// written in JSON, its record starting at `place` of input `name`.
    /// Returns each person already listed under another partner among the
    /// people in memory, with that partner's id, input name and place.
    pub(super) fn add<'k, 'i>(
        &mut self,
        partner: &str,
        (name, place): (&str, Place),
        people: &'k [PersonKey],
        id: impl Fn(usize) -> &'i str,
    ) -> Vec<Conflict<'k>> {
        if self.first.len() + people.len() > self.limit && !self.first.is_empty() {
            self.spill();
        }
        if self.first.is_empty() {
            // Sized once, so that at the default limit the table never
            // grows (and never holds two copies of itself while it does); a
            // larger limit grows it as people come, not all at once.
            self.first.reserve(self.limit.min(PEOPLE_IN_MEMORY));
        }
        let mut conflicts = Vec::new();
        let mut this: Option<u32> = None;
        for (i, person) in people.iter().enumerate() {
            // One probe of the table per person: most are new.
            let kept = to_u32(self.kept.len());
            match self.first.find_or_insert(person.hash, person.check, kept) {
                Found::Already { check, kept } => {
                    let other = self.kept.get(kept as usize).map_or(0, |&(p, _)| p);
                    let other_partner = self.partner(other);
                    if check == person.check && other_partner != partner {
                        let (name, place) = self
                            .partner_places
                            .get(other as usize)
                            .and_then(|(n, p)| {
                                Some((self.names.get(*n as usize)?.clone(), p.clone()))
                            })
                            .unwrap_or_else(|| (Arc::from(""), Place::Line(0)));
                        conflicts.push((person, other_partner.to_owned(), name, place));
                    }
                }
                Found::Inserted => {
                    let index = *this.get_or_insert_with(|| {
                        self.partner_text.push_str(partner);
                        self.partner_ends.push(to_u32(self.partner_text.len()));
                        if self.names.last().is_none_or(|last| **last != *name) {
                            self.names.push(Arc::from(name));
                        }
                        let n = to_u32(self.names.len().saturating_sub(1));
                        self.partner_places.push((n, place.clone()));
                        to_u32(self.partner_ends.len().saturating_sub(1))
                    });
                    self.ids.push_str(id(i));
                    self.kept.push((index, to_u32(self.ids.len())));
                }
            }
        }
        conflicts
    }

    /// Writes the people in memory out and starts memory afresh: their
    /// details (partner, place, id) in the order they came, appended to the
    /// run's details file, then a run of fixed-size entries sorted by
    /// fingerprint, each pointing at its details. Everything is read in the
    /// order it lies in memory and written in bulk, so writing out costs
    /// about a sort of the fingerprints. When no file can be written (no
    /// temporary directory), the people stay in memory: the check stays
    /// exact, and memory grows as it would without runs.
    fn spill(&mut self) {
        if self.write_run().is_err() {
            self.limit = usize::MAX;
            return;
        }
        self.first.clear();
        self.kept.clear();
        self.ids.clear();
        self.partner_text.clear();
        self.partner_ends.clear();
        self.partner_places.clear();
    }

    fn write_run(&mut self) -> io::Result<()> {
        let mut details = match self.details.take() {
            Some(details) => details,
            None => Details {
                file: BufWriter::with_capacity(1 << 16, tempfile::tempfile()?),
                len: 0,
            },
        };
        let written = self.write_details(&mut details);
        // Earlier runs point into the details file, whatever happened now.
        self.details = Some(details);
        let offsets = written?;
        self.write_index(&offsets)?;
        self.offsets = offsets;
        Ok(())
    }

    /// Appends the details of the people in memory to `details`; returns
    /// where each person's start.
    fn write_details(&mut self, details: &mut Details) -> io::Result<Vec<u64>> {
        let mut buffer = std::mem::take(&mut self.buffer);
        let mut offsets = std::mem::take(&mut self.offsets);
        buffer.clear();
        offsets.clear();
        let mut id_start = 0usize;
        for &(partner, id_end) in &self.kept {
            offsets.push(details.len + buffer.len() as u64);
            let id = self.ids.get(id_start..id_end as usize).unwrap_or("");
            id_start = id_end as usize;
            let (name, (kind, at, line)) = self.place(partner);
            buffer.extend_from_slice(&name.to_le_bytes());
            buffer.push(kind);
            buffer.extend_from_slice(&at.to_le_bytes());
            buffer.extend_from_slice(&line.to_le_bytes());
            push_text(&mut buffer, self.partner(partner));
            push_text(&mut buffer, id);
            if buffer.len() >= 1 << 16 {
                details.file.write_all(&buffer)?;
                details.len += buffer.len() as u64;
                buffer.clear();
            }
        }
        details.file.write_all(&buffer)?;
        details.len += buffer.len() as u64;
        self.buffer = buffer;
        Ok(offsets)
    }

    /// Writes a run: the people in memory sorted by fingerprint, each with
    /// where their details start.
    fn write_index(&mut self, offsets: &[u64]) -> io::Result<()> {
        let mut buffer = std::mem::take(&mut self.buffer);
        buffer.clear();
        let order = self.sorted_people();
        let mut run = BufWriter::with_capacity(1 << 16, tempfile::tempfile()?);
        for &(hash, check, kept) in &order {
            let at = offsets.get(kept as usize).copied().unwrap_or(0);
            buffer.extend_from_slice(&hash.to_le_bytes());
            buffer.extend_from_slice(&check.to_le_bytes());
            buffer.extend_from_slice(&at.to_le_bytes());
            if buffer.len() >= 1 << 16 {
                run.write_all(&buffer)?;
                buffer.clear();
            }
        }
        run.write_all(&buffer)?;
        run.flush()?;
        self.runs.push(run);
        self.order = order;
        self.buffer = buffer;
        Ok(())
    }

    /// At the end of the run: every person whose first listing was written
    /// out before a later one was read, once per person, in the order of
    /// their fingerprints. Nothing to do (and no disk touched) when the
    /// whole run fitted in memory.
    pub(super) fn finish(
        mut self,
        each: &mut dyn FnMut(PersonAcrossPartners) -> ControlFlow<()>,
    ) -> io::Result<ControlFlow<()>> {
        if self.runs.is_empty() {
            return Ok(ControlFlow::Continue(()));
        }
        // The people still in memory take part as a last run, sorted in
        // place rather than written out and read back.
        let mut memory = self
            .sorted_people()
            .into_iter()
            .map(|(hash, check, kept)| RunEntry {
                hash,
                check,
                at: IN_MEMORY | u64::from(kept),
            });
        let Some(details) = self.details.take() else {
            return Ok(ControlFlow::Continue(()));
        };
        let details = details
            .file
            .into_inner()
            .map_err(io::IntoInnerError::into_error)?;
        let mut readers = Vec::with_capacity(self.runs.len());
        for run in std::mem::take(&mut self.runs) {
            let mut file = run.into_inner().map_err(io::IntoInnerError::into_error)?;
            file.rewind()?;
            readers.push(BufReader::with_capacity(1 << 14, file));
        }
        let mut heap = BinaryHeap::new();
        for (i, reader) in readers.iter_mut().enumerate() {
            if let Some(head) = RunEntry::read(reader)? {
                heap.push(Reverse((head, i)));
            }
        }
        let in_memory = readers.len();
        if let Some(head) = memory.next() {
            heap.push(Reverse((head, in_memory)));
        }
        // The person being merged: the first listing's entry, and the
        // warning, made only once a second listing turns up (most people
        // have one), when their details are read back.
        let mut first: Option<RunEntry> = None;
        let mut person: Option<PersonAcrossPartners> = None;
        let mut scratch = Listing::default();
        while let Some(Reverse((entry, i))) = heap.pop() {
            match first {
                Some(head) if (head.hash, head.check) == (entry.hash, entry.check) => {
                    self.listing(&mut scratch, &details, entry.at)?;
                    let person = match &mut person {
                        Some(person) => person,
                        None => {
                            let mut head_listing = Listing::default();
                            self.listing(&mut head_listing, &details, head.at)?;
                            person.insert(PersonAcrossPartners::first(&head_listing, &self.names))
                        }
                    };
                    person.also(&scratch, &self.names);
                }
                _ => {
                    if let Some(done) = person.take().filter(|p| p.partners.len() > 1)
                        && each(done).is_break()
                    {
                        return Ok(ControlFlow::Break(()));
                    }
                    first = Some(entry);
                }
            }
            let next = match readers.get_mut(i) {
                Some(reader) => RunEntry::read(reader)?,
                None => memory.next(),
            };
            if let Some(next) = next {
                heap.push(Reverse((next, i)));
            }
        }
        Ok(match person.filter(|p| p.partners.len() > 1) {
            Some(person) => each(person),
            None => ControlFlow::Continue(()),
        })
    }

    /// Reads into `listing` the person whose details are at `at`: in the
    /// details file, or (with [`IN_MEMORY`] set) still in memory.
    fn listing(&self, listing: &mut Listing, details: &File, at: u64) -> io::Result<()> {
        if at & IN_MEMORY == 0 {
            return listing.read(details, at);
        }
        let kept = (at & !IN_MEMORY) as usize;
        let (partner, id_end) = self.kept.get(kept).copied().unwrap_or((0, 0));
        let id_start = match kept.checked_sub(1) {
            Some(before) => self.kept.get(before).map_or(0, |&(_, end)| end),
            None => 0,
        };
        let (name, (kind, place_at, line)) = self.place(partner);
        listing.name = name;
        listing.kind = kind;
        listing.at = place_at;
        listing.line = line;
        listing.partner.clear();
        listing.partner.push_str(self.partner(partner));
        listing.id.clear();
        listing.id.push_str(
            self.ids
                .get(id_start as usize..id_end as usize)
                .unwrap_or(""),
        );
        Ok(())
    }

    /// Where partner `index` (of those in memory) is: its input, and its
    /// place there as written out (kind, line or offset, line).
    fn place(&self, index: u32) -> (u32, (u8, u64, u64)) {
        self.partner_places
            .get(index as usize)
            .map_or((0, (0, 0, 0)), |(name, place)| {
                let place = match place {
                    Place::Line(line) => (0, *line as u64, 0),
                    Place::Source { offset, line, .. } => {
                        (1, *offset as u64, line.map_or(0, |l| l as u64))
                    }
                };
                (*name, place)
            })
    }
}

/// Marks a person's details as still in memory, at the end of the run
/// (an offset in the details file never comes near it).
const IN_MEMORY: u64 = 1 << 63;

/// The file the details of people written out go to, shared by all runs.
#[derive(Debug)]
struct Details {
    file: BufWriter<File>,
    /// Bytes written to it so far.
    len: u64,
}

/// The `i`th of the pieces of `text` written end to end, each ending at its
/// entry of `ends`.
pub(super) fn nth_piece<'t>(text: &'t str, ends: &[u32], i: usize) -> &'t str {
    let end = ends.get(i).copied().unwrap_or(0) as usize;
    let start = match i.checked_sub(1) {
        Some(before) => ends.get(before).copied().unwrap_or(0) as usize,
        None => 0,
    };
    text.get(start..end).unwrap_or("")
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn push_text(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(&to_u32(text.len()).to_le_bytes());
    out.extend_from_slice(text.as_bytes());
}

/// A person of a run: their fingerprint and where their details are. A run
/// holds each fingerprint once, and runs are merged in input order, so
/// ordering by fingerprint then run puts a person's listings in input order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct RunEntry {
    hash: u64,
    check: u32,
    /// Where their details start in the details file.
    at: u64,
}

impl RunEntry {
    /// The next entry of a run; `None` at its end.
    fn read(input: &mut impl Read) -> io::Result<Option<RunEntry>> {
        let mut bytes = [0u8; 8 + 4 + 8];
        match input.read_exact(&mut bytes) {
            Ok(()) => {}
            Err(err) if err.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(err) => return Err(err),
        }
        let (hash, rest) = bytes.split_at(8);
        let (check, at) = rest.split_at(4);
        let u64_of = |b: &[u8]| b.try_into().map_or(0, u64::from_le_bytes);
        Ok(Some(RunEntry {
            hash: u64_of(hash),
            check: check.try_into().map_or(0, u32::from_le_bytes),
            at: u64_of(at),
        }))
    }
}

/// A listing of a person written out, read back from the details file.
#[derive(Clone, Default)]
struct Listing {
    /// Its input, an index into the names.
    name: u32,
    /// 0: `line` is its first line; 1: `at` is a byte offset, with its
    /// line when known (else 0).
    kind: u8,
    at: u64,
    line: u64,
    partner: String,
    /// The person's id as written in JSON.
    id: String,
}

impl Listing {
    /// Reads the listing at byte `at` of `details` over this one, reusing
    /// its text. Rare (a person listed twice), so a seek each is cheap.
    fn read(&mut self, details: &File, at: u64) -> io::Result<()> {
        let mut file = details;
        file.seek(io::SeekFrom::Start(at))?;
        let mut input = BufReader::with_capacity(512, file);
        let mut fixed = [0u8; 4 + 1 + 8 + 8];
        input.read_exact(&mut fixed)?;
        let (name, rest) = fixed.split_at(4);
        let (kind, rest) = rest.split_at(1);
        let (at, line) = rest.split_at(8);
        let u64_of = |b: &[u8]| b.try_into().map_or(0, u64::from_le_bytes);
        self.name = name.try_into().map_or(0, u32::from_le_bytes);
        self.kind = kind.first().copied().unwrap_or(0);
        self.at = u64_of(at);
        self.line = u64_of(line);
        read_text(&mut input, &mut self.partner)?;
        read_text(&mut input, &mut self.id)
    }

    /// Where its partner's record starts, in words.
    fn place(&self, names: &[Arc<str>]) -> String {
        let name = names.get(self.name as usize).map_or("", |n| &**n);
        if self.kind == 0 || self.line > 0 {
            let line = if self.kind == 0 { self.at } else { self.line };
            format!("on line {line} of `{name}`")
        } else {
            format!("at byte {} of `{name}`", self.at)
        }
    }
}

/// Reads a length-prefixed text into `text`, reusing its buffer.
fn read_text(input: &mut impl Read, text: &mut String) -> io::Result<()> {
    let mut len = [0u8; 4];
    input.read_exact(&mut len)?;
    let mut bytes = std::mem::take(text).into_bytes();
    bytes.clear();
    bytes.resize(u32::from_le_bytes(len) as usize, 0);
    input.read_exact(&mut bytes)?;
    *text = String::from_utf8(bytes).map_err(io::Error::other)?;
    Ok(())
}

/// The most partners one warning names; the rest are counted.
const PARTNERS_NAMED: usize = 20;

/// A person listed under several partners of a run, found at the end of the
/// run because their first listing was far before the others (see the
/// module doc). The partners are in input order, the first one first.
#[derive(Clone, Debug, Error, Diagnostic)]
#[error("person `{id}` is listed under {} partners", self.partners.len() + self.more)]
#[diagnostic(
    code(E0407),
    severity(Warning),
    help("a person counts for one partner at a time; remove them from all partners but one")
)]
pub struct PersonAcrossPartners {
    /// The person's id.
    pub id: String,
    /// The partners that list them, in input order (at most 20).
    pub partners: Vec<String>,
    /// Partners beyond those named.
    pub more: usize,
    /// Where each partner's record is, in words.
    #[related]
    pub listings: Vec<FirstListing>,
}

impl PersonAcrossPartners {
    fn first(entry: &Listing, names: &[Arc<str>]) -> Self {
        let id = serde_json::from_str::<&RawValue>(&entry.id)
            .map(|raw| crate::data::Id::from_json(raw).text().into_owned())
            .unwrap_or_else(|_| entry.id.clone());
        PersonAcrossPartners {
            listings: vec![FirstListing {
                message: format!(
                    "first listed under partner `{}` {}",
                    crate::data::clip(&entry.partner),
                    entry.place(names)
                ),
            }],
            id: crate::data::clip(&id),
            partners: vec![entry.partner.clone()],
            more: 0,
        }
    }

    /// A later listing, under another partner than the first.
    fn also(&mut self, entry: &Listing, names: &[Arc<str>]) {
        if self.partners.first() == Some(&entry.partner) {
            return;
        }
        if self.partners.len() >= PARTNERS_NAMED {
            self.more += 1;
            return;
        }
        self.listings.push(FirstListing {
            message: format!(
                "then under partner `{}` {}",
                crate::data::clip(&entry.partner),
                entry.place(names)
            ),
        });
        self.partners.push(entry.partner.clone());
    }
}

/// The warning for a person of `record` already listed under `other`,
/// whose record starts at `place` of input `name`. When that is the same
/// input read whole, the first listing is underlined too; otherwise its
/// place is said in words.
pub(super) fn person_in_two_partners(
    record: &Record,
    person: &PersonKey,
    (other, name, place): (String, Arc<str>, Place),
) -> DataError {
    let span = Span::new(person.start as usize, person.end as usize);
    let id = record
        .text()
        .get(span.range())
        .and_then(|raw| serde_json::from_str::<&RawValue>(raw).ok())
        .map(|raw| crate::data::Id::from_json(raw).text().into_owned())
        .unwrap_or_default();
    let first = match place {
        Place::Line(line) => Err(format!("on line {line} of `{name}`")),
        Place::Source {
            source,
            offset,
            line,
        } => {
            let same = source
                .upgrade()
                .is_some_and(|first| Arc::ptr_eq(&first, &record.source));
            same.then(|| first_listing(&record.source.text, offset, &id))
                .flatten()
                .ok_or_else(|| match line {
                    Some(line) => format!("on line {line} of `{name}`"),
                    None => format!("in `{name}`"),
                })
        }
    };
    DataError::person_in_two_partners(record, span, &id, &other, first)
}

/// The span of person `id` in the record starting at byte `start` of `text`.
fn first_listing(text: &str, start: usize, id: &str) -> Option<Span> {
    #[derive(serde::Deserialize)]
    struct Ids<'a> {
        #[serde(borrow, default)]
        people: Vec<IdOnly<'a>>,
    }
    #[derive(serde::Deserialize)]
    struct IdOnly<'a> {
        #[serde(borrow)]
        id: &'a RawValue,
    }
    let rest = text.get(start..)?;
    let record: Ids<'_> = serde_json::Deserializer::from_str(rest)
        .into_iter()
        .next()?
        .ok()?;
    let raw = record
        .people
        .iter()
        .find(|p| crate::data::Id::from_json(p.id).text() == id)?
        .id
        .get();
    let at = crate::data::offset_in(text, raw)?;
    Some(Span::new(at, at + raw.len()))
}
