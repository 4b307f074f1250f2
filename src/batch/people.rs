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

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::fs::File;
use std::hash::BuildHasherDefault;
use std::io::{self, BufReader, BufWriter, Read, Seek, Write};
use std::ops::ControlFlow;
use std::sync::{Arc, Weak};

use miette::Diagnostic;
use serde_json::value::RawValue;
use thiserror::Error;

use crate::ast::Span;
use crate::data::{DataError, DataSource, FirstListing, Record};
use crate::eval::fold::PersonKey;

/// How many people the check keeps in memory before it writes them out:
/// about 12 MB with the table's slack, a little under the 2^18 slots the
/// table then needs, so it never grows past them.
pub const PEOPLE_IN_MEMORY: usize = 7 << 15;

/// A hasher for keys that are hashes already.
#[derive(Default)]
struct PassThrough(u64);

impl std::hash::Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

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
    first: HashMap<u64, (u32, u32), BuildHasherDefault<PassThrough>>,
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
    /// Partners of the people written out already, so that partners keep
    /// their order across runs.
    partners_before: u64,
    /// The runs written out, each sorted by fingerprint.
    runs: Vec<BufWriter<File>>,
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
            first: HashMap::default(),
            kept: Vec::new(),
            ids: String::new(),
            partner_text: String::new(),
            partner_ends: Vec::new(),
            partner_places: Vec::new(),
            names: Vec::new(),
            limit: limit.max(1),
            partners_before: 0,
            runs: Vec::new(),
        }
    }

    fn partner(&self, index: u32) -> &str {
        let i = index as usize;
        let end = self.partner_ends.get(i).copied().unwrap_or(0) as usize;
        let start = match i.checked_sub(1) {
            Some(before) => self.partner_ends.get(before).copied().unwrap_or(0) as usize,
            None => 0,
        };
        self.partner_text.get(start..end).unwrap_or("")
    }

    /// Records a partner's people, whose ids are written in `text` (the
    /// partner's record) at their keys' offsets, its record starting at
    /// `place` of input `name`. Returns each person already listed under
    /// another partner among the people in memory, with that partner's id,
    /// input name and place.
    pub(super) fn add<'k>(
        &mut self,
        partner: &str,
        (name, place): (&str, Place),
        people: &'k [PersonKey],
        text: &str,
    ) -> Vec<Conflict<'k>> {
        if self.first.len() + people.len() > self.limit && !self.first.is_empty() {
            self.spill();
        }
        if self.first.capacity() == 0 {
            // Sized once, so that at the default limit the table never
            // grows (and never holds two copies of itself while it does); a
            // larger limit grows it as people come, not all at once.
            self.first.reserve(self.limit.min(PEOPLE_IN_MEMORY));
        }
        let mut conflicts = Vec::new();
        let mut this: Option<u32> = None;
        for person in people {
            match self.first.get(&person.hash) {
                Some(&(check, kept)) => {
                    let other = self.kept.get(kept as usize).map_or(0, |&(p, _)| p);
                    let (name, place) = self
                        .partner_places
                        .get(other as usize)
                        .and_then(|(n, p)| Some((self.names.get(*n as usize)?.clone(), p.clone())))
                        .unwrap_or_else(|| (Arc::from(""), Place::Line(0)));
                    let other = self.partner(other);
                    if check == person.check && other != partner {
                        conflicts.push((person, other.to_owned(), name, place));
                    }
                }
                None => {
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
                    let id = text
                        .get(person.start as usize..person.end as usize)
                        .unwrap_or("");
                    self.ids.push_str(id);
                    self.kept.push((index, to_u32(self.ids.len())));
                    let kept = to_u32(self.kept.len() - 1);
                    self.first.insert(person.hash, (person.check, kept));
                }
            }
        }
        conflicts
    }

    /// Writes the people in memory out as a run sorted by fingerprint, and
    /// starts memory afresh. When no run can be written (no temporary
    /// directory), the people stay in memory: the check stays exact, and
    /// memory grows as it would without runs.
    fn spill(&mut self) {
        let mut order: Vec<(u64, u32, u32)> = self
            .first
            .iter()
            .map(|(&hash, &(check, kept))| (hash, check, kept))
            .collect();
        order.sort_unstable();
        match tempfile::tempfile().and_then(|file| {
            let mut out = BufWriter::with_capacity(1 << 16, file);
            for &(hash, check, kept) in &order {
                self.write_entry(&mut out, hash, check, kept)?;
            }
            out.flush()?;
            Ok(out)
        }) {
            Ok(run) => self.runs.push(run),
            Err(_) => {
                self.limit = usize::MAX;
                return;
            }
        }
        self.partners_before += self.partner_ends.len() as u64;
        self.first.clear();
        self.kept.clear();
        self.ids.clear();
        self.partner_text.clear();
        self.partner_ends.clear();
        self.partner_places.clear();
    }

    /// One person of a run: fingerprint, the partner's place in the whole
    /// run, its input and place there, its id, and the person's id.
    fn write_entry(
        &self,
        out: &mut impl Write,
        hash: u64,
        check: u32,
        kept: u32,
    ) -> io::Result<()> {
        let (partner, id_end) = self.kept.get(kept as usize).copied().unwrap_or((0, 0));
        let id_start = match (kept as usize).checked_sub(1) {
            Some(before) => self.kept.get(before).map_or(0, |&(_, end)| end),
            None => 0,
        };
        let id = self
            .ids
            .get(id_start as usize..id_end as usize)
            .unwrap_or("");
        let (name, place) = self.partner_places.get(partner as usize).map_or(
            (0, (0u8, 0u64, 0u64)),
            |(name, place)| {
                let place = match place {
                    Place::Line(line) => (0, *line as u64, 0),
                    Place::Source { offset, line, .. } => {
                        (1, *offset as u64, line.map_or(0, |l| l as u64))
                    }
                };
                (*name, place)
            },
        );
        out.write_all(&hash.to_le_bytes())?;
        out.write_all(&check.to_le_bytes())?;
        out.write_all(&(self.partners_before + u64::from(partner)).to_le_bytes())?;
        out.write_all(&name.to_le_bytes())?;
        out.write_all(&[place.0])?;
        out.write_all(&place.1.to_le_bytes())?;
        out.write_all(&place.2.to_le_bytes())?;
        write_text(out, self.partner(partner))?;
        write_text(out, id)
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
        if !self.first.is_empty() {
            self.spill();
            if !self.first.is_empty() {
                return Err(io::Error::other("the last people could not be written out"));
            }
        }
        let mut readers = Vec::with_capacity(self.runs.len());
        for run in std::mem::take(&mut self.runs) {
            let mut file = run.into_inner().map_err(io::IntoInnerError::into_error)?;
            file.rewind()?;
            readers.push(BufReader::with_capacity(1 << 14, file));
        }
        let mut heads: Vec<Entry> = Vec::with_capacity(readers.len());
        let mut heap = BinaryHeap::new();
        for (i, reader) in readers.iter_mut().enumerate() {
            let mut head = Entry::default();
            if head.read(reader)? {
                heap.push(Reverse((head.hash, head.check, head.partner_seq, i)));
            }
            heads.push(head);
        }
        // The person being merged: their first listing, and the warning,
        // made only once a second partner turns up (most people have one).
        let mut first: Option<Entry> = None;
        let mut person: Option<PersonAcrossPartners> = None;
        while let Some(Reverse((hash, check, _, i))) = heap.pop() {
            let (Some(entry), Some(reader)) = (heads.get_mut(i), readers.get_mut(i)) else {
                break;
            };
            match &mut first {
                Some(first) if (first.hash, first.check) == (hash, check) => {
                    if entry.partner != first.partner {
                        person
                            .get_or_insert_with(|| PersonAcrossPartners::first(first, &self.names))
                            .also(entry, &self.names);
                    }
                }
                _ => {
                    if let Some(person) = person.take()
                        && each(person).is_break()
                    {
                        return Ok(ControlFlow::Break(()));
                    }
                    match &mut first {
                        Some(first) => first.copy_from(entry),
                        None => first = Some(entry.clone()),
                    }
                }
            }
            if entry.read(reader)? {
                heap.push(Reverse((entry.hash, entry.check, entry.partner_seq, i)));
            }
        }
        Ok(match person {
            Some(person) => each(person),
            None => ControlFlow::Continue(()),
        })
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn write_text(out: &mut impl Write, text: &str) -> io::Result<()> {
    out.write_all(&to_u32(text.len()).to_le_bytes())?;
    out.write_all(text.as_bytes())
}

/// A person of a run read back.
#[derive(Clone, Default)]
struct Entry {
    hash: u64,
    check: u32,
    /// The partner's place among the partners of the whole run.
    partner_seq: u64,
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

impl Entry {
    /// Reads the next entry of a run over this one, reusing its text;
    /// false at the run's end.
    fn read(&mut self, input: &mut impl Read) -> io::Result<bool> {
        let mut hash = [0u8; 8];
        match input.read_exact(&mut hash) {
            Ok(()) => {}
            Err(err) if err.kind() == io::ErrorKind::UnexpectedEof => return Ok(false),
            Err(err) => return Err(err),
        }
        let mut fixed = [0u8; 4 + 8 + 4 + 1 + 8 + 8];
        input.read_exact(&mut fixed)?;
        let (check, rest) = fixed.split_at(4);
        let (seq, rest) = rest.split_at(8);
        let (name, rest) = rest.split_at(4);
        let (kind, rest) = rest.split_at(1);
        let (at, line) = rest.split_at(8);
        let u32_of = |b: &[u8]| b.try_into().map_or(0, u32::from_le_bytes);
        let u64_of = |b: &[u8]| b.try_into().map_or(0, u64::from_le_bytes);
        self.hash = u64::from_le_bytes(hash);
        self.check = u32_of(check);
        self.partner_seq = u64_of(seq);
        self.name = u32_of(name);
        self.kind = kind.first().copied().unwrap_or(0);
        self.at = u64_of(at);
        self.line = u64_of(line);
        read_text(input, &mut self.partner)?;
        read_text(input, &mut self.id)?;
        Ok(true)
    }

    /// Becomes a copy of `other`, reusing its own text.
    fn copy_from(&mut self, other: &Entry) {
        self.hash = other.hash;
        self.check = other.check;
        self.partner_seq = other.partner_seq;
        self.name = other.name;
        self.kind = other.kind;
        self.at = other.at;
        self.line = other.line;
        self.partner.clone_from(&other.partner);
        self.id.clone_from(&other.id);
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
    fn first(entry: &Entry, names: &[Arc<str>]) -> Self {
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
    fn also(&mut self, entry: &Entry, names: &[Arc<str>]) {
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
