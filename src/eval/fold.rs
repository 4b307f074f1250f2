//! The fast path: a partner's [`Facts`] gathered while its JSON is read.
//!
//! A serde visitor folds each revenue or usage line into the measures it
//! counts for, and each exam pass into its person's holdings, as the record
//! is read: no record tree is built and no line is kept. Names are matched
//! against vocabularies compiled once per policy, dates and amounts are read
//! once, and unread fields are skipped without being built.
//!
//! The fast path decides only records it is sure of. Anything else (JSON
//! that is malformed or not of the documented shape, a bad date or amount,
//! an id that is not a string or number, two people with the same id, a
//! line in another currency, a sum that overflows) makes it give up, and
//! the caller evaluates the record the careful way, through
//! [`Partner::parse`](crate::data::Partner::parse), which reports exactly
//! what is wrong. So the fast path never has to produce a diagnostic, and
//! both paths judge the same facts the same way (a test keeps them in
//! agreement).

use std::borrow::Cow;
use std::fmt;
use std::hash::{Hash as _, Hasher as _};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::de::{self, DeserializeSeed, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::watch::{DataField, Seen};
use super::window::Window;
use super::{Evaluator, Facts, customer_key};
use crate::data::{offset_in, parse_amount, parse_date};
use crate::model::{self, Aggregate, MeasureKind, PassStatus};

/// What the fast path compiles from a policy: vocabularies of the names the
/// policy matches in data, and each measure in terms of them.
#[derive(Debug)]
pub(crate) struct Plan {
    /// Revenue types and usage metrics the policy names.
    kinds: Vec<String>,
    /// Products the policy names.
    products: Vec<String>,
    /// Each measure, by measure index.
    measures: Vec<MeasurePlan>,
    /// The currency every revenue line must be in, when the policy has
    /// revenue measures.
    currency: Option<String>,
}

#[derive(Debug)]
struct MeasurePlan {
    /// Which lines the measure reads.
    source: Source,
    /// The types or metric, as bits over `kinds`.
    kinds: u64,
    /// Products in scope, as bits over `products`.
    products: u64,
    window: Window,
    /// Associations a line must carry one of (bits over the policy's); 0
    /// for no condition.
    associations: u64,
    paid_only: bool,
    aggregate: Aggregate,
    /// Whether a `distinct customers of` measure reads this one's customers.
    customers: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    Revenue,
    Usage,
    /// The number of customers of another measure's counted lines.
    Customers(usize),
}

impl Plan {
    /// The plan for an evaluator's policy; `None` when the policy names more
    /// products, types or associations than fit the bit sets, or declares
    /// line fields, in which case every record takes the careful path.
    pub(crate) fn new(evaluator: &Evaluator<'_>) -> Option<Plan> {
        let policy = evaluator.policy;
        // Line fields (`field segment ...`) are read, and their values
        // checked, on the careful path only.
        if policy.associations.len() > 64 || !policy.fields.is_empty() {
            return None;
        }
        // So are lines restricted to another measure's customers, which
        // are known only once that measure's lines are all read.
        let restricted = policy.measures.iter().any(|m| match &m.kind {
            MeasureKind::Revenue { filter, .. } | MeasureKind::Usage { filter, .. } => {
                filter.customers_of.is_some()
            }
            MeasureKind::DistinctCustomers { .. } => false,
        });
        if restricted {
            return None;
        }
        let mut kinds: Vec<String> = Vec::new();
        let mut products: Vec<String> = Vec::new();
        let intern = |list: &mut Vec<String>, name: &str| -> usize {
            match list.iter().position(|known| model::same_name(known, name)) {
                Some(i) => i,
                None => {
                    list.push(name.trim().to_owned());
                    list.len() - 1
                }
            }
        };
        let bit = |i: usize| 1u64.checked_shl(u32::try_from(i).unwrap_or(u32::MAX));
        // `in every month` compares each month of a window apart: the
        // careful path evaluates it.
        if evaluator.monthly.iter().any(|m| *m) {
            return None;
        }
        let mut measures = Vec::with_capacity(policy.measures.len());
        for (measure, window) in policy.measures.iter().zip(&evaluator.windows) {
            let (source, kind, filter, aggregate) = match &measure.kind {
                MeasureKind::Revenue {
                    revenue_types,
                    filter,
                } => {
                    let mut bits = 0u64;
                    for kind in revenue_types {
                        bits |= bit(intern(&mut kinds, kind))?;
                    }
                    (Source::Revenue, bits, Some(filter), Aggregate::Sum)
                }
                // Per-key aggregation keeps a value per key: the careful
                // path evaluates it.
                MeasureKind::Usage {
                    aggregate,
                    keys,
                    largest,
                    ..
                } if !keys.is_empty() || *largest || *aggregate == Aggregate::Latest => {
                    return None;
                }
                MeasureKind::Usage {
                    aggregate,
                    metric,
                    filter,
                    ..
                } => (
                    Source::Usage,
                    bit(intern(&mut kinds, metric))?,
                    Some(filter),
                    *aggregate,
                ),
                // New and lost customers read lines before the window: the
                // careful path evaluates them.
                MeasureKind::DistinctCustomers { count, .. }
                    if *count != model::CustomerCount::Distinct =>
                {
                    return None;
                }
                MeasureKind::DistinctCustomers { of, .. } => {
                    (Source::Customers(of.0), 0, None, Aggregate::Sum)
                }
            };
            let mut product_bits = 0u64;
            let mut association_bits = 0u64;
            if let Some(filter) = filter {
                for product in &filter.names {
                    let i = intern(&mut products, product);
                    product_bits |= 1u64.checked_shl(u32::try_from(i).ok()?).unwrap_or(0);
                }
                for a in &filter.associations {
                    association_bits |= 1u64 << a.0;
                }
            }
            measures.push(MeasurePlan {
                source,
                kinds: kind,
                products: product_bits,
                window: *window,
                associations: association_bits,
                paid_only: filter.is_some_and(|f| f.paid_only),
                aggregate,
                customers: false,
            });
        }
        if kinds.len() > 64 || products.len() > 64 {
            return None;
        }
        for i in 0..measures.len() {
            if let Some(Source::Customers(of)) = measures.get(i).map(|m| m.source)
                && let Some(base) = measures.get_mut(of)
            {
                base.customers = true;
            }
        }
        Some(Plan {
            kinds,
            products,
            measures,
            currency: policy.currency.clone().filter(|_| evaluator.has_revenue),
        })
    }
}

/// The index of `name` in `vocabulary`, matched as [`model::same_name`] does.
fn lookup(vocabulary: &[String], name: &str) -> Option<usize> {
    // Most data spells names as the policy does. Names of one length are
    // common (`net_new`, `renewal`), so the ends are compared before the
    // whole: a miss then costs no call to compare memory.
    let bytes = name.as_bytes();
    let same = |known: &String| {
        let known = known.as_bytes();
        known.len() == bytes.len()
            && known.first() == bytes.first()
            && known.last() == bytes.last()
            && known == bytes
    };
    if let Some(i) = vocabulary.iter().position(same) {
        return Some(i);
    }
    let trimmed = name.trim();
    if trimmed.is_ascii() {
        // Vocabulary entries are stored trimmed.
        vocabulary
            .iter()
            .position(|known| known.eq_ignore_ascii_case(trimmed))
    } else {
        vocabulary
            .iter()
            .position(|known| model::same_name(trimmed, known))
    }
}

/// Buffers kept from one record to the next, so that folding allocates
/// nothing in the common case.
#[derive(Debug, Default)]
pub struct Scratch {
    facts: Facts,
    maxes: Vec<Option<Decimal>>,
    holds: Vec<u64>,
    key: String,
    /// Each person's id, fingerprinted, with where it is in the record.
    people: Vec<PersonKey>,
    /// Sorted copy of the fingerprints, to find an id listed twice.
    sorted: Vec<u64>,
    /// Customers of the lines each measure counted, for `distinct customers`.
    customers: Vec<Vec<String>>,
    /// What the catalogue's names met in the data, when a batch watches it.
    seen: Option<Seen>,
}

impl Scratch {
    /// The facts gathered from the last record folded.
    pub fn facts(&self) -> &Facts {
        &self.facts
    }

    /// The people of the last record folded.
    pub fn people(&self) -> &[PersonKey] {
        &self.people
    }

    /// What the catalogue's names met in the data: set to watch, taken at
    /// the end of a run.
    pub(crate) fn seen_mut(&mut self) -> &mut Option<Seen> {
        &mut self.seen
    }
}

/// A person's id, reduced to a fingerprint for the one-partner-at-a-time
/// check, and where it is written in its record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PersonKey {
    /// A 64-bit hash of the id's text.
    pub hash: u64,
    /// A second, independent 32-bit hash, so that two different ids are
    /// taken for one only if 96 bits agree.
    pub check: u32,
    /// Byte offsets of the id within the record.
    pub start: u32,
    /// End of the id.
    pub end: u32,
}

impl PersonKey {
    /// The key of an id given as text (a string's contents, a number's digits).
    pub fn of(text: &str, start: usize, end: usize) -> PersonKey {
        let mut hasher = std::hash::DefaultHasher::new();
        text.hash(&mut hasher);
        // FNV-1a: cheap, and independent of SipHash.
        let check = text.bytes().fold(0x811c_9dc5u32, |h, b| {
            (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
        });
        PersonKey {
            hash: hasher.finish(),
            check,
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
        }
    }
}

/// A flagged pass as the fast path saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoldedFlag<'a> {
    /// Index of the person in the record.
    pub person: usize,
    /// The code as written.
    pub exam: Cow<'a, str>,
    /// The pass date.
    pub passed: NaiveDate,
    /// What is wrong.
    pub status: PassStatus,
}

/// What the fast path read of a record besides its facts.
#[derive(Debug)]
pub struct Folded<'a> {
    /// The partner's id, as written.
    pub id: &'a RawValue,
    /// Its name.
    pub name: Option<Cow<'a, str>>,
    /// Its market, as written.
    pub market: Option<Cow<'a, str>>,
    /// Passes that cannot be right.
    pub flags: Vec<FoldedFlag<'a>>,
    /// The ids of the people named by `flags`, by person index.
    pub flagged_people: Vec<(usize, &'a RawValue)>,
}

impl<'p> Evaluator<'p> {
    /// Gathers a partner's facts straight from its JSON text into
    /// `scratch`; `None` when the record is not one the fast path is sure
    /// of (see the module documentation): evaluate it with
    /// [`Partner::parse`](crate::data::Partner::parse) and
    /// [`Evaluator::evaluate_at`] instead.
    pub fn fold<'a>(&self, text: &'a str, scratch: &mut Scratch) -> Option<Folded<'a>> {
        let plan = self.fold.as_ref()?;
        let measures = plan.measures.len();
        scratch.facts.market = None;
        scratch.facts.totals.clear();
        scratch.facts.totals.resize(measures, Decimal::ZERO);
        scratch.facts.people.clear();
        scratch.facts.attributes.clear();
        scratch
            .facts
            .attributes
            .resize(self.policy.attributes.len(), false);
        scratch.maxes.clear();
        scratch.maxes.resize(measures, None);
        scratch
            .holds
            .resize(self.policy.exams.len().div_ceil(64), 0);
        scratch.people.clear();
        scratch.customers.resize_with(measures, Vec::new);
        scratch.customers.iter_mut().for_each(Vec::clear);
        if let Some(seen) = scratch.seen.as_mut() {
            seen.begin();
        }

        let mut deserializer = serde_json::Deserializer::from_str(text);
        let folded = PartnerSeed {
            evaluator: self,
            plan,
            text,
            scratch: &mut *scratch,
        }
        .deserialize(&mut deserializer)
        .ok()?;
        deserializer.end().ok()?;

        // Two people with one id is a data error the careful path reports.
        scratch.sorted.clear();
        scratch.sorted.extend(scratch.people.iter().map(|p| p.hash));
        scratch.sorted.sort_unstable();
        if scratch.sorted.windows(2).any(|w| w.first() == w.get(1)) {
            return None;
        }
        for (m, measure) in plan.measures.iter().enumerate() {
            match measure.source {
                Source::Customers(of) => {
                    let customers = scratch.customers.get_mut(of)?;
                    customers.sort_unstable();
                    customers.dedup();
                    let count = Decimal::from(customers.len());
                    *scratch.facts.totals.get_mut(m)? = count;
                }
                _ if measure.aggregate == Aggregate::Max => {
                    let max = scratch.maxes.get(m).copied().flatten();
                    *scratch.facts.totals.get_mut(m)? = max.unwrap_or(Decimal::ZERO);
                }
                _ => {}
            }
        }
        scratch.facts.market = self.market_of(folded.market.as_deref());
        // A partner outside a closed market list is a data error the
        // careful path reports.
        if self.policy.closed_markets.is_some() && scratch.facts.market.is_none() {
            return None;
        }
        Some(folded)
    }
}

/// A string that borrows from the input when it has no escapes.
struct Text<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Text<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(V)
    }
}

/// Field names, matched without allocating.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Id,
    Name,
    Market,
    People,
    Revenue,
    Usage,
    Attributes,
    Exams,
    Code,
    Passed,
    Customer,
    Product,
    Type,
    Amount,
    Currency,
    Date,
    Associations,
    Metric,
    Quantity,
    Paid,
    Other,
}

impl<'de> de::Deserialize<'de> for Field {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Field;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E>(self, v: &str) -> Result<Field, E> {
                Ok(match v {
                    "id" => Field::Id,
                    "name" => Field::Name,
                    "market" => Field::Market,
                    "people" => Field::People,
                    "revenue" => Field::Revenue,
                    "usage" => Field::Usage,
                    "attributes" => Field::Attributes,
                    "exams" => Field::Exams,
                    "code" => Field::Code,
                    "passed" => Field::Passed,
                    "customer" => Field::Customer,
                    "product" => Field::Product,
                    "type" => Field::Type,
                    "amount" => Field::Amount,
                    "currency" => Field::Currency,
                    "date" => Field::Date,
                    "associations" => Field::Associations,
                    "metric" => Field::Metric,
                    "quantity" => Field::Quantity,
                    "paid" => Field::Paid,
                    _ => Field::Other,
                })
            }
        }
        d.deserialize_identifier(V)
    }
}

/// Fails on a field given twice, as the careful path's reader does.
fn once<E: de::Error>(seen: &mut u32, field: Field) -> Result<(), E> {
    let bit = 1u32 << (field as u32);
    if *seen & bit != 0 {
        return Err(E::custom("duplicate field"));
    }
    *seen |= bit;
    Ok(())
}

/// Calls `each` on every element of an optional array (`null` or absent is
/// none).
struct EachOf<F>(F);

impl<'de, F: FnMut(&mut dyn ElementSource<'de>) -> Result<bool, String>> DeserializeSeed<'de>
    for EachOf<F>
{
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_option(self)
    }
}

/// One step of walking an array: deserialise the next element with a seed.
trait ElementSource<'de> {
    fn next_text(&mut self) -> Result<Option<Text<'de>>, String>;
    fn next_person(&mut self, seed: PersonSeed<'_, '_, 'de>) -> Result<Option<()>, String>;
    fn next_line(&mut self, seed: LineSeed<'_, '_, 'de>) -> Result<Option<()>, String>;
    fn next_exam(&mut self) -> Result<Option<(Text<'de>, Text<'de>)>, String>;
}

struct Elements<A>(A);

impl<'de, A: SeqAccess<'de>> ElementSource<'de> for Elements<A> {
    fn next_text(&mut self) -> Result<Option<Text<'de>>, String> {
        self.0.next_element().map_err(|e| e.to_string())
    }
    fn next_person(&mut self, seed: PersonSeed<'_, '_, 'de>) -> Result<Option<()>, String> {
        self.0.next_element_seed(seed).map_err(|e| e.to_string())
    }
    fn next_line(&mut self, seed: LineSeed<'_, '_, 'de>) -> Result<Option<()>, String> {
        self.0.next_element_seed(seed).map_err(|e| e.to_string())
    }
    fn next_exam(&mut self) -> Result<Option<(Text<'de>, Text<'de>)>, String> {
        self.0
            .next_element_seed(ExamSeed)
            .map_err(|e| e.to_string())
    }
}

impl<'de, F: FnMut(&mut dyn ElementSource<'de>) -> Result<bool, String>> Visitor<'de>
    for EachOf<F>
{
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array or null")
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(mut self, seq: A) -> Result<(), A::Error> {
        let mut elements = Elements(seq);
        while (self.0)(&mut elements).map_err(A::Error::custom)? {}
        Ok(())
    }
}

struct PartnerSeed<'s, 'p, 'a> {
    evaluator: &'s Evaluator<'p>,
    plan: &'s Plan,
    text: &'a str,
    scratch: &'s mut Scratch,
}

impl<'de> DeserializeSeed<'de> for PartnerSeed<'_, '_, 'de> {
    type Value = Folded<'de>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Folded<'de>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for PartnerSeed<'_, '_, 'de> {
    type Value = Folded<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a partner object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Folded<'de>, A::Error> {
        let PartnerSeed {
            evaluator,
            plan,
            text,
            scratch,
        } = self;
        let mut seen = 0u32;
        let mut id: Option<&'de RawValue> = None;
        let mut name = None;
        let mut market = None;
        let mut flags = Vec::new();
        let mut flagged_people = Vec::new();
        while let Some(field) = map.next_key::<Field>()? {
            match field {
                Field::Id => {
                    once(&mut seen, field)?;
                    id = Some(map.next_value()?);
                }
                Field::Name => {
                    once(&mut seen, field)?;
                    name = map.next_value::<Option<Text<'de>>>()?.map(|t| t.0);
                }
                Field::Market => {
                    once(&mut seen, field)?;
                    market = map.next_value::<Option<Text<'de>>>()?.map(|t| t.0);
                }
                Field::People => {
                    once(&mut seen, field)?;
                    let mut index = 0usize;
                    map.next_value_seed(EachOf(|elements: &mut dyn ElementSource<'de>| {
                        let seed = PersonSeed {
                            evaluator,
                            text,
                            scratch: &mut *scratch,
                            index,
                            flags: &mut flags,
                            flagged_people: &mut flagged_people,
                        };
                        index += 1;
                        Ok(elements.next_person(seed)?.is_some())
                    }))?;
                }
                Field::Revenue | Field::Usage => {
                    once(&mut seen, field)?;
                    let source = if field == Field::Revenue {
                        Source::Revenue
                    } else {
                        Source::Usage
                    };
                    map.next_value_seed(EachOf(|elements: &mut dyn ElementSource<'de>| {
                        let seed = LineSeed {
                            evaluator,
                            plan,
                            scratch: &mut *scratch,
                            source,
                            _text: std::marker::PhantomData,
                        };
                        Ok(elements.next_line(seed)?.is_some())
                    }))?;
                }
                Field::Attributes => {
                    once(&mut seen, field)?;
                    let attributes = &evaluator.policy.attributes;
                    let held = &mut scratch.facts.attributes;
                    map.next_value_seed(EachOf(|elements: &mut dyn ElementSource<'de>| {
                        let Some(name) = elements.next_text()? else {
                            return Ok(false);
                        };
                        for (a, h) in attributes.iter().zip(held.iter_mut()) {
                            if model::same_name(&name.0, &a.id) {
                                *h = true;
                            }
                        }
                        Ok(true)
                    }))?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let id = id.ok_or_else(|| A::Error::missing_field("id"))?;
        if !is_id(id) {
            return Err(A::Error::custom("invalid id"));
        }
        Ok(Folded {
            id,
            name,
            market,
            flags,
            flagged_people,
        })
    }
}

/// Whether a JSON value can be an id: a string or a number.
fn is_id(raw: &RawValue) -> bool {
    let first = raw.get().as_bytes().first().copied().unwrap_or(b' ');
    first == b'"' || first == b'-' || first.is_ascii_digit()
}

/// An id's text: a string's contents, or a number's digits.
fn id_text(raw: &RawValue) -> Option<Cow<'_, str>> {
    let json = raw.get();
    match json.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        Some(inner) if !inner.contains('\\') => Some(Cow::Borrowed(inner)),
        Some(_) => serde_json::from_str::<String>(json).ok().map(Cow::Owned),
        None => Some(Cow::Borrowed(json)),
    }
}

struct PersonSeed<'s, 'p, 'de> {
    evaluator: &'s Evaluator<'p>,
    text: &'de str,
    scratch: &'s mut Scratch,
    index: usize,
    flags: &'s mut Vec<FoldedFlag<'de>>,
    flagged_people: &'s mut Vec<(usize, &'de RawValue)>,
}

impl<'de> DeserializeSeed<'de> for PersonSeed<'_, '_, 'de> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for PersonSeed<'_, '_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a person object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let PersonSeed {
            evaluator,
            text,
            scratch,
            index,
            flags,
            flagged_people,
        } = self;
        scratch.holds.iter_mut().for_each(|h| *h = 0);
        let flags_before = flags.len();
        let mut seen = 0u32;
        let mut id: Option<&'de RawValue> = None;
        while let Some(field) = map.next_key::<Field>()? {
            match field {
                Field::Id => {
                    once(&mut seen, field)?;
                    id = Some(map.next_value()?);
                }
                Field::Name => {
                    once(&mut seen, field)?;
                    map.next_value::<Option<Text<'de>>>()?;
                }
                Field::Exams => {
                    once(&mut seen, field)?;
                    let holds = &mut scratch.holds;
                    let key = &mut scratch.key;
                    map.next_value_seed(EachOf(|elements: &mut dyn ElementSource<'de>| {
                        let Some((code, passed)) = elements.next_exam()? else {
                            return Ok(false);
                        };
                        let passed = parse_date(&passed.0).ok_or("bad date")?;
                        if let Some(status) = evaluator.hold(&code.0, passed, holds, key) {
                            flags.push(FoldedFlag {
                                person: index,
                                exam: code.0,
                                passed,
                                status,
                            });
                        }
                        Ok(true)
                    }))?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let id = id.ok_or_else(|| A::Error::missing_field("id"))?;
        if !is_id(id) {
            return Err(A::Error::custom("invalid id"));
        }
        let id_text = id_text(id).ok_or_else(|| A::Error::custom("invalid id"))?;
        let start = offset_in(text, id.get()).unwrap_or(0);
        scratch
            .people
            .push(PersonKey::of(&id_text, start, start + id.get().len()));
        if flags.len() > flags_before {
            flagged_people.push((index, id));
        }
        let groups = evaluator.person_groups(&scratch.holds);
        scratch.facts.people.push(groups);
        Ok(())
    }
}

/// An exam pass: its code and date, both required.
struct ExamSeed;

impl<'de> DeserializeSeed<'de> for ExamSeed {
    type Value = (Text<'de>, Text<'de>);
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ExamSeed {
    type Value = (Text<'de>, Text<'de>);
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an exam pass")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut seen = 0u32;
        let mut code = None;
        let mut passed = None;
        while let Some(field) = map.next_key::<Field>()? {
            match field {
                Field::Code => {
                    once(&mut seen, field)?;
                    code = Some(map.next_value::<Text<'de>>()?);
                }
                Field::Passed => {
                    once(&mut seen, field)?;
                    passed = Some(map.next_value::<Text<'de>>()?);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        match (code, passed) {
            (Some(code), Some(passed)) => Ok((code, passed)),
            _ => Err(A::Error::custom("missing field")),
        }
    }
}

struct LineSeed<'s, 'p, 'de> {
    evaluator: &'s Evaluator<'p>,
    plan: &'s Plan,
    scratch: &'s mut Scratch,
    source: Source,
    _text: std::marker::PhantomData<&'de str>,
}

impl<'de> DeserializeSeed<'de> for LineSeed<'_, '_, 'de> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for LineSeed<'_, '_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a revenue or usage line")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let LineSeed {
            evaluator,
            plan,
            scratch,
            source,
            ..
        } = self;
        let revenue = source == Source::Revenue;
        let mut seen = 0u32;
        let mut kind: Option<Text<'de>> = None;
        let mut product: Option<Text<'de>> = None;
        let mut value: Option<&'de RawValue> = None;
        let mut currency: Option<Text<'de>> = None;
        let mut date: Option<Text<'de>> = None;
        let mut customer: Option<Text<'de>> = None;
        let mut associations = 0u64;
        let mut paid: Option<bool> = None;
        let policy_associations = &evaluator.policy.associations;
        while let Some(field) = map.next_key::<Field>()? {
            match field {
                Field::Type if revenue => {
                    once(&mut seen, field)?;
                    kind = Some(map.next_value()?);
                }
                Field::Metric if !revenue => {
                    once(&mut seen, field)?;
                    kind = Some(map.next_value()?);
                }
                Field::Product => {
                    once(&mut seen, field)?;
                    product = Some(map.next_value()?);
                }
                Field::Amount if revenue => {
                    once(&mut seen, field)?;
                    value = Some(map.next_value()?);
                }
                Field::Quantity if !revenue => {
                    once(&mut seen, field)?;
                    value = Some(map.next_value()?);
                }
                Field::Currency if revenue => {
                    once(&mut seen, field)?;
                    currency = Some(map.next_value()?);
                }
                Field::Date => {
                    once(&mut seen, field)?;
                    date = Some(map.next_value()?);
                }
                Field::Customer => {
                    once(&mut seen, field)?;
                    customer = map.next_value::<Option<Text<'de>>>()?;
                }
                Field::Paid if !revenue => {
                    once(&mut seen, field)?;
                    paid = map.next_value()?;
                }
                Field::Associations => {
                    once(&mut seen, field)?;
                    map.next_value_seed(EachOf(|elements: &mut dyn ElementSource<'de>| {
                        let Some(held) = elements.next_text()? else {
                            return Ok(false);
                        };
                        for (i, a) in policy_associations.iter().enumerate() {
                            if held.0 == a.id || model::same_name(&held.0, &a.id) {
                                associations |= 1u64.checked_shl(i as u32).unwrap_or(0);
                            }
                        }
                        Ok(true)
                    }))?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let missing = || A::Error::custom("missing field");
        let kind = kind.ok_or_else(missing)?;
        let product = product.ok_or_else(missing)?;
        let value = parse_amount(value.ok_or_else(missing)?.get()).ok_or_else(missing)?;
        let date = parse_date(&date.ok_or_else(missing)?.0).ok_or_else(missing)?;
        if let (Some(watch), Some(seen)) = (evaluator.watch(), scratch.seen.as_mut()) {
            seen.stage(watch, DataField::Product, &product.0);
            let field = if revenue {
                DataField::RevenueType
            } else {
                DataField::UsageMetric
            };
            seen.stage(watch, field, &kind.0);
        }
        if revenue {
            let currency = currency.ok_or_else(missing)?;
            if let Some(expected) = &plan.currency
                && currency.0 != expected.as_str()
                && !model::same_name(&currency.0, expected)
            {
                return Err(A::Error::custom("currency"));
            }
        }
        let kind =
            lookup(&plan.kinds, &kind.0).map_or(0, |k| 1u64.checked_shl(k as u32).unwrap_or(0));
        let product = lookup(&plan.products, &product.0)
            .map_or(0, |p| 1u64.checked_shl(p as u32).unwrap_or(0));
        for (m, measure) in plan.measures.iter().enumerate() {
            let counts = measure.source == source
                && measure.kinds & kind != 0
                && measure.products & product != 0
                && measure.window.contains(date)
                && (measure.associations == 0 || measure.associations & associations != 0)
                && !(measure.paid_only && paid != Some(true));
            if !counts {
                continue;
            }
            let total = scratch.facts.totals.get_mut(m).ok_or_else(missing)?;
            if measure.aggregate == Aggregate::Sum {
                *total = total
                    .checked_add(value)
                    .ok_or_else(|| A::Error::custom("overflow"))?;
            }
            if let Some(max) = scratch.maxes.get_mut(m) {
                *max = Some(max.map_or(value, |x| x.max(value)));
            }
            if measure.customers {
                // A counted line without a customer is a data warning
                // (E0410) the careful path reports: give up on the record.
                let key = customer
                    .as_ref()
                    .and_then(|c| customer_key(&c.0))
                    .ok_or_else(|| A::Error::custom("a counted line names no customer"))?;
                if let Some(list) = scratch.customers.get_mut(m) {
                    list.push(key);
                }
            }
        }
        Ok(())
    }
}
