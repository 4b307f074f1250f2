//! Why not: the smallest change that would fill a people requirement.
//!
//! A change is counted in passes, one per credential a person would still
//! have to pass: an `all of` group a person holds four of five exams of
//! costs one pass, not five and not one group. Only passes that would count
//! at the as-of date are suggested: never a credential whose grace period is
//! over (even one the person already holds) nor one not yet available. A role
//! that no such passes can fill is reported as blocked, with the credentials
//! that would fill it once they become available.
//!
//! For each person (people with the same credentials form one class) and
//! each role, the cheapest set of passes is found from the group rules: for
//! each group, its minimal sets of passes, combined across the role's groups.
//! Filling the slots is then, for `distinct` requirements, a minimum-cost
//! flow (source → role → class of people, or a new person → sink); for
//! `shared` ones, where a person may fill several roles and the passes for
//! one role can count for another, a dynamic programme over the seats still
//! to fill (exact within its bounds: six roles, 65,536 combinations of seats
//! left, and people of different cost profiles times those combinations at
//! most 2^21; past the last, the people closest to the roles are kept;
//! past the others, each role is filled on its own, which may suggest more
//! than the least). Existing people are preferred when a new person would
//! cost the same.
//!
//! When roles compete for the same few people, the Hall's-theorem bottleneck
//! names them: a set of roles needing more people than qualify for any of them.

use chrono::NaiveDate;

use super::assign::RoleSlots;

/// A group as the gap reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupRule {
    /// The group's index (and bit) in the policy.
    pub group: usize,
    /// `all of` (otherwise `any of`).
    pub all: bool,
    /// Member exams, by catalog index.
    pub exams: Vec<usize>,
    /// Member groups, by index; each comes earlier in the catalog's groups.
    pub groups: Vec<usize>,
}

/// The credentials as the gap reads them at one as-of date.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Catalog {
    /// The groups, members before the groups containing them.
    pub groups: Vec<GroupRule>,
    /// By exam index: whether a pass taken now would count at the as-of
    /// date (available, not retired).
    pub attainable: Vec<bool>,
    /// By exam index: the date an exam not yet available at the as-of date
    /// becomes available.
    pub soon: Vec<Option<NaiveDate>>,
}

/// Passes, as sorted exam indices.
pub type Passes = Vec<usize>;

/// The smallest change that fills a people requirement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeopleGap {
    /// Passes needed in all (one per credential to pass).
    pub cost: u64,
    /// Existing people to upgrade.
    pub upgrades: Vec<Upgrade>,
    /// New people needed.
    pub new_people: Vec<NewPeople>,
    /// Seats no pass that counts at the as-of date can fill; when not empty
    /// the change above fills the other seats only and is not enough.
    pub blocked: Vec<Blocked>,
    /// Roles that compete for too few qualified people, if any.
    pub bottleneck: Option<Bottleneck>,
}

impl PeopleGap {
    /// Whether the suggested passes are enough to meet the requirement.
    pub fn sufficient(&self) -> bool {
        self.blocked.is_empty()
    }
}

/// An existing person who would fill one or more roles after passing more.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upgrade {
    /// Index of the person in the partner's people.
    pub person: usize,
    /// The roles they would fill (one, unless roles are shared).
    pub roles: Vec<usize>,
    /// The groups (bits) of those roles they do not satisfy yet.
    pub missing: u64,
    /// The passes that would satisfy them; never empty.
    pub passes: Passes,
    /// For each pass, the other exams that would do as well in its place.
    pub alternatives: Vec<Passes>,
}

/// People the partner does not have yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPeople {
    /// The roles each would fill (one, unless roles are shared).
    pub roles: Vec<usize>,
    /// How many.
    pub count: u32,
    /// The groups (bits) each must satisfy.
    pub groups: u64,
    /// The passes each must have.
    pub passes: Passes,
    /// For each pass, the other exams that would do as well in its place.
    pub alternatives: Vec<Passes>,
}

/// Seats of a role that cannot be filled with passes that count at the
/// as-of date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blocked {
    /// Index of the role.
    pub role: usize,
    /// Seats left empty.
    pub count: u32,
    /// Credentials not available yet that a new person would pass to fill
    /// it, with the date each becomes available; empty when none would do.
    pub available_from: Vec<(usize, NaiveDate)>,
}

/// A set of roles that together need more people than qualify for any of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bottleneck {
    /// The roles (indices).
    pub roles: Vec<usize>,
    /// People they need together.
    pub needed: u64,
    /// People who qualify for at least one of them.
    pub qualified: u64,
}

/// Minimal sets of passes are kept up to this many per group: the smallest
/// first, so the cheapest is never lost to the cap for a single group.
const OPTIONS: usize = 24;

/// A set of exams (passes, or what a person holds) as the search handles
/// it: a 128-bit set when every exam of the catalog fits in one, else sorted
/// exam indices. Both give the same answers; the bits only do it without
/// allocating.
trait ExamSet: Clone + Eq + std::hash::Hash + std::fmt::Debug {
    fn empty() -> Self;
    fn single(exam: usize) -> Self;
    /// The exams of `words` (bits by catalog index, 64 a word).
    fn from_words(words: &[u64]) -> Self;
    fn from_passes(passes: &[usize]) -> Self;
    fn passes(&self) -> Passes;
    fn union(&self, other: &Self) -> Self;
    fn subset_of(&self, other: &Self) -> bool;
    fn intersects(&self, other: &Self) -> bool;
    fn contains(&self, exam: usize) -> bool;
    fn count(&self) -> usize;
    /// `self` with `out` replaced by `exam`.
    fn replaced(&self, out: usize, exam: usize) -> Self;
    /// Fewest exams first, then by the sorted exam indices.
    fn order(&self, other: &Self) -> std::cmp::Ordering;
}

fn bit128(exam: usize) -> u128 {
    u32::try_from(exam)
        .ok()
        .and_then(|shift| 1u128.checked_shl(shift))
        .unwrap_or(0)
}

impl ExamSet for u128 {
    fn empty() -> Self {
        0
    }
    fn single(exam: usize) -> Self {
        bit128(exam)
    }
    fn from_words(words: &[u64]) -> Self {
        let word = |i: usize| u128::from(words.get(i).copied().unwrap_or(0));
        word(0) | word(1) << 64
    }
    fn from_passes(passes: &[usize]) -> Self {
        passes.iter().fold(0, |set, e| set | bit128(*e))
    }
    fn passes(&self) -> Passes {
        let mut out = Vec::with_capacity(self.count());
        let mut rest = *self;
        while rest != 0 {
            out.push(rest.trailing_zeros() as usize);
            rest &= rest - 1;
        }
        out
    }
    fn union(&self, other: &Self) -> Self {
        self | other
    }
    fn subset_of(&self, other: &Self) -> bool {
        self & !other == 0
    }
    fn intersects(&self, other: &Self) -> bool {
        self & other != 0
    }
    fn contains(&self, exam: usize) -> bool {
        self & bit128(exam) != 0
    }
    fn count(&self) -> usize {
        self.count_ones() as usize
    }
    fn replaced(&self, out: usize, exam: usize) -> Self {
        (self & !bit128(out)) | bit128(exam)
    }
    fn order(&self, other: &Self) -> std::cmp::Ordering {
        // Of two sets of one size, the one holding the lowest exam they do
        // not share comes first in sorted-index order: the higher when the
        // bits are reversed.
        self.count_ones()
            .cmp(&other.count_ones())
            .then_with(|| other.reverse_bits().cmp(&self.reverse_bits()))
    }
}

impl ExamSet for Passes {
    fn empty() -> Self {
        Vec::new()
    }
    fn single(exam: usize) -> Self {
        vec![exam]
    }
    fn from_words(words: &[u64]) -> Self {
        set_bits(words).collect()
    }
    fn from_passes(passes: &[usize]) -> Self {
        let mut out = passes.to_vec();
        out.sort_unstable();
        out.dedup();
        out
    }
    fn passes(&self) -> Passes {
        self.clone()
    }
    fn union(&self, other: &Self) -> Self {
        let mut out = Vec::with_capacity(self.len() + other.len());
        let (mut i, mut j) = (0, 0);
        while let (Some(&x), Some(&y)) = (self.get(i), other.get(j)) {
            if x <= y {
                out.push(x);
                i += 1;
                j += usize::from(x == y);
            } else {
                out.push(y);
                j += 1;
            }
        }
        out.extend_from_slice(self.get(i..).unwrap_or_default());
        out.extend_from_slice(other.get(j..).unwrap_or_default());
        out
    }
    fn subset_of(&self, other: &Self) -> bool {
        self.iter().all(|x| other.binary_search(x).is_ok())
    }
    fn intersects(&self, other: &Self) -> bool {
        self.iter().any(|x| other.binary_search(x).is_ok())
    }
    fn contains(&self, exam: usize) -> bool {
        self.binary_search(&exam).is_ok()
    }
    fn count(&self) -> usize {
        self.len()
    }
    fn replaced(&self, out: usize, exam: usize) -> Self {
        let mut set: Passes = self.iter().copied().filter(|e| *e != out).collect();
        if let Err(at) = set.binary_search(&exam) {
            set.insert(at, exam);
        }
        set
    }
    fn order(&self, other: &Self) -> std::cmp::Ordering {
        self.len().cmp(&other.len()).then_with(|| self.cmp(other))
    }
}

/// Keeps the minimal sets, smallest first, at most [`OPTIONS`].
fn minimise<S: ExamSet>(sets: &mut Vec<S>) {
    sets.sort_unstable_by(S::order);
    sets.dedup();
    let mut kept = 0;
    for i in 0..sets.len() {
        if kept == OPTIONS {
            break;
        }
        let (head, tail) = sets.split_at(i);
        let minimal = tail.first().is_some_and(|set| {
            !head
                .get(..kept)
                .unwrap_or_default()
                .iter()
                .any(|k| k.subset_of(set))
        });
        if minimal {
            sets.swap(kept, i);
            kept += 1;
        }
    }
    sets.truncate(kept);
}

/// Every way to satisfy both `a` and `b`, into `out`.
fn both<S: ExamSet>(a: &[S], b: &[S], out: &mut Vec<S>) {
    out.clear();
    for x in a {
        out.extend(b.iter().map(|y| x.union(y)));
    }
    minimise(out);
}

/// A group as the search reads it.
#[derive(Clone, Debug)]
struct Rule<S> {
    group: usize,
    all: bool,
    exams: Vec<usize>,
    exam_set: S,
    groups: Vec<usize>,
    /// Member groups as bits.
    group_mask: u64,
    /// Whether a member group lies past the 64 a mask holds (then an `all
    /// of` is never satisfied, and that member never satisfies an `any of`).
    out_of_range: bool,
}

/// The options of each group (by index, up to 64).
type Options<S> = Vec<Vec<S>>;

/// Options are remembered for up to this many distinct sets of held exams
/// (a catalog of a few exams has few; past the cap they are worked out
/// each time, as they were before).
const CACHED: usize = 4096;

/// The catalog compiled for one representation of exam sets.
#[derive(Debug)]
struct Tables<S> {
    rules: Vec<Rule<S>>,
    /// Exams a pass taken now would count for.
    attainable: S,
    /// Exams by index that `attainable` is read over.
    exams: usize,
    soon: Vec<Option<NaiveDate>>,
    /// A new person's options per group.
    new_options: Options<S>,
    /// A new person's options per group with the exams not available yet.
    later: Options<S>,
    /// The options of each set of held exams met so far: people with the
    /// same credentials recur across partners.
    cache: std::sync::Mutex<std::collections::HashMap<S, std::sync::Arc<Options<S>>>>,
}

impl<S: ExamSet> Tables<S> {
    fn new(catalog: &Catalog) -> Self {
        let rules: Vec<Rule<S>> = catalog
            .groups
            .iter()
            .map(|rule| Rule {
                group: rule.group,
                all: rule.all,
                exams: rule.exams.clone(),
                exam_set: S::from_passes(&rule.exams),
                groups: rule.groups.clone(),
                group_mask: rule
                    .groups
                    .iter()
                    .fold(0, |m, g| m | 1u64.checked_shl(*g as u32).unwrap_or(0)),
                out_of_range: rule
                    .groups
                    .iter()
                    .any(|g| 1u64.checked_shl(*g as u32).is_none()),
            })
            .collect();
        let indices = catalog.attainable.len().max(catalog.soon.len());
        let mask = |keep: &dyn Fn(usize) -> bool| {
            let chosen: Vec<usize> = (0..indices).filter(|e| keep(*e)).collect();
            S::from_passes(&chosen)
        };
        let attainable = |e: usize| catalog.attainable.get(e).copied().unwrap_or(false);
        let attainable_set = mask(&attainable);
        let soon_set = mask(&|e| attainable(e) || catalog.soon.get(e).is_some_and(Option::is_some));
        let mut scratch = Scratch::default();
        let mut new_options = Vec::new();
        group_options(
            &rules,
            &S::empty(),
            &attainable_set,
            &mut new_options,
            &mut scratch,
        );
        let mut later = Vec::new();
        group_options(&rules, &S::empty(), &soon_set, &mut later, &mut scratch);
        Tables {
            rules,
            attainable: attainable_set,
            exams: catalog.attainable.len(),
            soon: catalog.soon.clone(),
            new_options,
            later,
            cache: std::sync::Mutex::default(),
        }
    }

    /// The options per group of a person holding `holds`, worked out once
    /// per set of held exams.
    fn options_of(&self, holds: &S, scratch: &mut Scratch<S>) -> std::sync::Arc<Options<S>> {
        if let Ok(cache) = self.cache.lock()
            && let Some(options) = cache.get(holds)
        {
            return std::sync::Arc::clone(options);
        }
        let mut options = Vec::new();
        group_options(&self.rules, holds, &self.attainable, &mut options, scratch);
        let options = std::sync::Arc::new(options);
        if let Ok(mut cache) = self.cache.lock()
            && cache.len() < CACHED
        {
            cache.insert(holds.clone(), std::sync::Arc::clone(&options));
        }
        options
    }

    /// The groups (bits) satisfied by a person holding `has`.
    fn satisfied(&self, has: &S) -> u64 {
        let mut mask = 0u64;
        for rule in &self.rules {
            let met = if rule.all {
                !rule.out_of_range
                    && (!rule.exams.is_empty() || !rule.groups.is_empty())
                    && rule.exam_set.subset_of(has)
                    && mask & rule.group_mask == rule.group_mask
            } else {
                rule.exam_set.intersects(has) || mask & rule.group_mask != 0
            };
            if met {
                mask |= 1u64.checked_shl(rule.group as u32).unwrap_or(0);
            }
        }
        mask
    }

    /// For each of `passes`, the attainable exams (not held, not already
    /// among the passes) that would satisfy the groups `want` as well in its
    /// place: the other members of an `any of` group, typically.
    fn alternatives(&self, holds: &S, passes: &S, want: u64) -> Vec<Passes> {
        passes
            .passes()
            .into_iter()
            .map(|out| {
                (0..self.exams)
                    .filter(|e| {
                        self.attainable.contains(*e) && !holds.contains(*e) && !passes.contains(*e)
                    })
                    .filter(|e| {
                        let instead = passes.replaced(out, *e);
                        self.satisfied(&holds.union(&instead)) & want == want
                    })
                    .collect()
            })
            .collect()
    }
}

/// Buffers reused from one combination of options to the next.
#[derive(Debug)]
struct Scratch<S> {
    members: Vec<S>,
    acc: Vec<S>,
    next: Vec<S>,
}

impl<S> Default for Scratch<S> {
    fn default() -> Self {
        Scratch {
            members: Vec::new(),
            acc: Vec::new(),
            next: Vec::new(),
        }
    }
}

/// For each group (by index, up to 64), into `options`: the minimal sets of
/// passes that would satisfy it for a person holding `holds`, using only
/// exams in `allowed`; empty when nothing would.
fn group_options<S: ExamSet>(
    rules: &[Rule<S>],
    holds: &S,
    allowed: &S,
    options: &mut Options<S>,
    scratch: &mut Scratch<S>,
) {
    options.resize_with(64, Vec::new);
    for slot in options.iter_mut() {
        slot.clear();
    }
    let exam = |e: usize, out: &mut Vec<S>| {
        out.clear();
        if holds.contains(e) {
            out.push(S::empty());
        } else if allowed.contains(e) {
            out.push(S::single(e));
        }
    };
    for rule in rules {
        let mut result = Vec::new();
        if rule.all {
            if !rule.exams.is_empty() || !rule.groups.is_empty() {
                let Scratch { members, acc, next } = scratch;
                acc.clear();
                acc.push(S::empty());
                for e in &rule.exams {
                    exam(*e, members);
                    both(acc, members, next);
                    std::mem::swap(acc, next);
                }
                for g in &rule.groups {
                    both(acc, options.get(*g).map_or(&[][..], Vec::as_slice), next);
                    std::mem::swap(acc, next);
                }
                result.extend(acc.iter().cloned());
            }
        } else {
            for e in &rule.exams {
                if holds.contains(*e) {
                    result.push(S::empty());
                } else if allowed.contains(*e) {
                    result.push(S::single(*e));
                }
            }
            for g in &rule.groups {
                if let Some(member) = options.get(*g) {
                    result.extend(member.iter().cloned());
                }
            }
            minimise(&mut result);
        }
        if let Some(slot) = options.get_mut(rule.group) {
            *slot = result;
        }
    }
}

/// The cheapest passes that satisfy every group in `mask`, given each
/// group's options; `None` when no passes would.
fn cover<S: ExamSet>(options: &[Vec<S>], mask: u64, scratch: &mut Scratch<S>) -> Option<S> {
    // One group: its first option is already the cheapest.
    if mask.count_ones() == 1 {
        return options
            .get(mask.trailing_zeros() as usize)?
            .first()
            .cloned();
    }
    let Scratch { acc, next, .. } = scratch;
    acc.clear();
    acc.push(S::empty());
    for g in (0..64).filter(|g| mask & (1u64 << g) != 0) {
        both(acc, options.get(g)?, next);
        std::mem::swap(acc, next);
        if acc.is_empty() {
            return None;
        }
    }
    acc.first().cloned()
}

/// What the gap is computed from: the people's credentials and the roles.
struct Setup<'a, S> {
    tables: &'a Tables<S>,
    roles: &'a [RoleSlots],
    /// Each person's groups (bits).
    groups: &'a [u64],
    /// Classes of people with the same credentials: members in input order.
    classes: Vec<Vec<usize>>,
    /// Each class's options per group.
    options: Vec<std::sync::Arc<Options<S>>>,
    scratch: std::cell::RefCell<Scratch<S>>,
}

impl<S: ExamSet> Setup<'_, S> {
    /// The groups (bits) of the roles in `set` (bits over roles).
    fn groups_of(&self, set: usize) -> u64 {
        self.roles
            .iter()
            .enumerate()
            .filter(|(r, _)| set & (1 << r) != 0)
            .fold(0, |m, (_, role)| m | role.groups)
    }

    fn class_cover(&self, class: usize, groups: u64) -> Option<S> {
        cover(
            self.options.get(class)?,
            groups,
            &mut self.scratch.borrow_mut(),
        )
    }

    fn new_cover(&self, groups: u64) -> Option<S> {
        cover(
            &self.tables.new_options,
            groups,
            &mut self.scratch.borrow_mut(),
        )
    }

    fn upgrade(&self, person: usize, set: usize, passes: &S) -> Option<Upgrade> {
        let groups = self.groups_of(set);
        (passes.count() != 0).then(|| Upgrade {
            person,
            roles: roles_in(set),
            missing: groups & !self.groups.get(person).copied().unwrap_or(0),
            passes: passes.passes(),
            alternatives: Vec::new(),
        })
    }
}

fn roles_in(set: usize) -> Vec<usize> {
    (0..usize::BITS as usize)
        .filter(|r| set & (1 << r) != 0)
        .collect()
}

/// The catalog compiled once for why-not: group rules as sets, and what a
/// new person could pass. Build it once per as-of date and ask it for every
/// partner.
#[derive(Debug)]
pub struct WhyNot {
    tables: Representation,
}

#[derive(Debug)]
enum Representation {
    /// Every exam index below 128.
    Narrow(Tables<u128>),
    /// Larger catalogs.
    Wide(Tables<Passes>),
}

impl WhyNot {
    /// Compiles `catalog`.
    pub fn new(catalog: &Catalog) -> Self {
        let narrow = catalog.attainable.len() <= 128
            && catalog.soon.len() <= 128
            && catalog
                .groups
                .iter()
                .all(|g| g.exams.iter().all(|e| *e < 128));
        WhyNot {
            tables: if narrow {
                Representation::Narrow(Tables::new(catalog))
            } else {
                Representation::Wide(Tables::new(catalog))
            },
        }
    }

    /// As [`people_gap`], with the catalog compiled once.
    pub fn people_gap(
        &self,
        roles: &[RoleSlots],
        holds: &[Vec<u64>],
        groups: &[u64],
        distinct: bool,
    ) -> PeopleGap {
        match &self.tables {
            Representation::Narrow(tables) => gap_with(tables, roles, holds, groups, distinct),
            Representation::Wide(tables) => gap_with(tables, roles, holds, groups, distinct),
        }
    }
}

/// The cheapest way to fill every slot with passes that count at the as-of
/// date. `holds`: each person's exams that count (bits by catalog index);
/// `groups`: the groups each satisfies (bits).
pub fn people_gap(
    catalog: &Catalog,
    roles: &[RoleSlots],
    holds: &[Vec<u64>],
    groups: &[u64],
    distinct: bool,
) -> PeopleGap {
    WhyNot::new(catalog).people_gap(roles, holds, groups, distinct)
}

/// Trailing zero words do not change what a person holds.
fn trimmed(held: &[u64]) -> &[u64] {
    let end = held.iter().rposition(|w| *w != 0).map_or(0, |i| i + 1);
    held.get(..end).unwrap_or_default()
}

/// Up to this many classes of people are looked up in a list, more in a map.
const LISTED: usize = 16;

/// Classes of people with the same credentials (members in input order),
/// and the credentials of each.
fn classes_of(holds: &[Vec<u64>]) -> (Vec<Vec<usize>>, Vec<&[u64]>) {
    let mut classes: Vec<Vec<usize>> = Vec::new();
    let mut keys: Vec<&[u64]> = Vec::new();
    let mut class_of: std::collections::HashMap<&[u64], usize> = std::collections::HashMap::new();
    for (p, held) in holds.iter().enumerate() {
        let key = trimmed(held);
        let found = if keys.len() <= LISTED {
            keys.iter().position(|k| *k == key)
        } else {
            if class_of.is_empty() {
                class_of.extend(keys.iter().enumerate().map(|(c, k)| (*k, c)));
            }
            class_of.get(key).copied()
        };
        let c = found.unwrap_or_else(|| {
            classes.push(Vec::new());
            keys.push(key);
            if !class_of.is_empty() {
                class_of.insert(key, keys.len() - 1);
            }
            keys.len() - 1
        });
        if let Some(members) = classes.get_mut(c) {
            members.push(p);
        }
    }
    (classes, keys)
}

fn gap_with<S: ExamSet>(
    tables: &Tables<S>,
    roles: &[RoleSlots],
    holds: &[Vec<u64>],
    groups: &[u64],
    distinct: bool,
) -> PeopleGap {
    let (classes, keys) = classes_of(holds);
    let mut scratch = Scratch::default();
    let options = keys
        .iter()
        .map(|key| tables.options_of(&S::from_words(key), &mut scratch))
        .collect();
    let setup = Setup {
        tables,
        roles,
        groups,
        options,
        classes,
        scratch: std::cell::RefCell::new(scratch),
    };
    let (mut upgrades, mut new_people, filled) = if distinct {
        distinct_gap(&setup)
    } else {
        shared_gap(&setup)
    };
    for u in &mut upgrades {
        let held = S::from_words(holds.get(u.person).map_or(&[][..], Vec::as_slice));
        u.alternatives = tables.alternatives(&held, &S::from_passes(&u.passes), u.missing);
    }
    for n in &mut new_people {
        n.alternatives = tables.alternatives(&S::empty(), &S::from_passes(&n.passes), n.groups);
    }
    let cost = upgrades.iter().map(|u| u.passes.len() as u64).sum::<u64>()
        + new_people
            .iter()
            .map(|n| u64::from(n.count) * n.passes.len() as u64)
            .sum::<u64>();
    let blocked = roles
        .iter()
        .zip(&filled)
        .enumerate()
        .filter(|(_, (role, filled))| role.count > **filled)
        .map(|(r, (role, filled))| Blocked {
            role: r,
            count: role.count - filled,
            available_from: cover(&tables.later, role.groups, &mut setup.scratch.borrow_mut())
                .map(|set| set.passes())
                .unwrap_or_default()
                .into_iter()
                .filter_map(|e| Some((e, (*tables.soon.get(e)?)?)))
                .collect(),
        })
        .collect();
    PeopleGap {
        cost,
        upgrades,
        new_people,
        blocked,
        bottleneck: if distinct {
            bottleneck(roles, groups)
        } else {
            None
        },
    }
}

/// Upgrades, new people, and the seats of each role they fill.
type Plan = (Vec<Upgrade>, Vec<NewPeople>, Vec<u32>);

fn distinct_gap<S: ExamSet>(setup: &Setup<'_, S>) -> Plan {
    let roles = setup.roles;
    let classes = &setup.classes;
    // Nodes: 0 source, 1 sink, 2 new people, 3.. roles, then classes.
    let role_node = |r: usize| 3 + r;
    let class_node = |c: usize| 3 + roles.len() + c;
    let mut net = CostNetwork::new(3 + roles.len() + classes.len());
    // Costs are doubled, plus one for a new person: an existing person is
    // chosen over a new one whenever they would cost the same.
    let mut role_class = Vec::new();
    let mut role_new = Vec::new();
    let mut role_in = Vec::new();
    for (r, role) in roles.iter().enumerate() {
        role_in.push(net.add_edge(0, role_node(r), i64::from(role.count), 0));
        for c in 0..classes.len() {
            if let Some(passes) = setup.class_cover(c, role.groups) {
                let cost = 2 * passes.count() as i64;
                let e = net.add_edge(role_node(r), class_node(c), i64::MAX / 4, cost);
                role_class.push((r, c, e, passes));
            }
        }
        if let Some(passes) = setup.new_cover(role.groups) {
            let cost = 2 * passes.count() as i64 + 1;
            role_new.push((r, net.add_edge(role_node(r), 2, i64::MAX / 4, cost), passes));
        }
    }
    for (c, members) in classes.iter().enumerate() {
        net.add_edge(class_node(c), 1, members.len() as i64, 0);
    }
    net.add_edge(2, 1, i64::MAX / 4, 0);
    net.min_cost_flow(0, 1);

    let mut next_in_class = vec![0usize; classes.len()];
    let mut upgrades = Vec::new();
    for (r, c, e, passes) in role_class {
        let (Some(members), Some(next)) = (classes.get(c), next_in_class.get_mut(c)) else {
            continue;
        };
        for _ in 0..net.flow(e) {
            let Some(&person) = members.get(*next) else {
                break;
            };
            *next += 1;
            upgrades.extend(setup.upgrade(person, 1 << r, &passes));
        }
    }
    let new_people = role_new
        .into_iter()
        .filter_map(|(r, e, passes)| {
            let count = u32::try_from(net.flow(e)).ok().filter(|n| *n > 0)?;
            Some(NewPeople {
                roles: vec![r],
                count,
                groups: roles.get(r)?.groups,
                passes: passes.passes(),
                alternatives: Vec::new(),
            })
        })
        .collect();
    let filled = role_in
        .iter()
        .map(|e| u32::try_from(net.flow(*e)).unwrap_or(0))
        .collect();
    (upgrades, new_people, filled)
}

/// Shared roles with at most this many roles, and at most [`STATES`]
/// combinations of seats still to fill, are solved by the programme; exactly
/// when people (of different profiles) times states are at most [`CELLS`].
const SHARED_ROLES: usize = 6;
/// See [`SHARED_ROLES`].
const STATES: usize = 1 << 16;
/// Cells of the dynamic programme (people × states) solved exactly.
const CELLS: usize = 1 << 21;
/// A cost no plan has.
const NONE: u64 = u64::MAX;

/// Shared roles: a person may fill several roles, and passes taken for one
/// count for the others. A dynamic programme over the seats each role still
/// needs chooses, person by person, which roles (if any) they fill; new
/// people fill what is left. Beyond its bounds, each role on its own.
fn shared_gap<S: ExamSet>(setup: &Setup<'_, S>) -> Plan {
    let roles = setup.roles;
    let n = roles.len();
    if n > SHARED_ROLES {
        return shared_each_role(setup);
    }
    let sets = 1usize << n;
    // Seats no new person can fill are capped at the people who could.
    let mut demand: Vec<u32> = Vec::with_capacity(n);
    for role in roles {
        if setup.new_cover(role.groups).is_some() {
            demand.push(role.count);
        } else {
            let could: usize = (0..setup.classes.len())
                .filter(|c| setup.class_cover(*c, role.groups).is_some())
                .map(|c| setup.classes.get(c).map_or(0, Vec::len))
                .sum();
            demand.push(role.count.min(u32::try_from(could).unwrap_or(u32::MAX)));
        }
    }
    let mut strides = Vec::with_capacity(n);
    let mut states = 1usize;
    for d in &demand {
        strides.push(states);
        states = match states.checked_mul(*d as usize + 1) {
            Some(s) if s <= STATES => s,
            _ => return shared_each_role(setup),
        };
    }
    let digit = |state: usize, r: usize| {
        let stride = strides.get(r).copied().unwrap_or(1);
        let radix = demand.get(r).map_or(1, |d| *d as usize + 1);
        state / stride % radix
    };
    let open = |state: usize| {
        (0..n)
            .filter(|r| digit(state, *r) > 0)
            .fold(0, |m, r| m | 1 << r)
    };
    let less = |state: usize, set: usize| {
        (0..n).filter(|r| set & (1 << r) != 0).fold(state, |s, r| {
            s.saturating_sub(strides.get(r).copied().unwrap_or(0))
        })
    };
    let start = states - 1;

    // New people: the cheapest way to fill each state's seats.
    let new_cover: Vec<Option<S>> = (0..sets)
        .map(|set| {
            (set != 0)
                .then(|| setup.new_cover(setup.groups_of(set)))
                .flatten()
        })
        .collect();
    let mut new_cost = vec![NONE; states];
    let mut new_choice = vec![0usize; states];
    if let Some(c) = new_cost.first_mut() {
        *c = 0;
    }
    for state in 1..states {
        let open = open(state);
        for set in (1..sets).filter(|s| s & !open == 0) {
            let (Some(Some(passes)), Some(&rest)) =
                (new_cover.get(set), new_cost.get(less(state, set)))
            else {
                continue;
            };
            if rest == NONE {
                continue;
            }
            let cost = rest + 2 * passes.count() as u64 + 1;
            if let (Some(c), Some(chosen)) = (new_cost.get(state), new_choice.get_mut(state))
                && cost < *c
            {
                *chosen = set;
                if let Some(c) = new_cost.get_mut(state) {
                    *c = cost;
                }
            }
        }
    }

    let class_cover: Vec<Vec<Option<S>>> = (0..setup.classes.len())
        .map(|c| {
            (0..sets)
                .map(|set| {
                    (set != 0)
                        .then(|| setup.class_cover(c, setup.groups_of(set)))
                        .flatten()
                })
                .collect()
        })
        .collect();
    // Existing people: those who would cost the same for every set of roles
    // are interchangeable, and no more of them than there are seats can
    // help, so the programme sees at most that many of each such profile.
    let seats: usize = demand.iter().map(|d| *d as usize).sum();
    let mut profiles: std::collections::HashMap<Vec<Option<usize>>, usize> =
        std::collections::HashMap::new();
    let mut members: Vec<(usize, usize)> = Vec::new();
    let mut people: Vec<(usize, usize)> = setup
        .classes
        .iter()
        .enumerate()
        .flat_map(|(c, people)| people.iter().map(move |p| (*p, c)))
        .collect();
    people.sort_unstable();
    for (person, c) in people {
        let profile = class_cover
            .get(c)
            .map(|v| v.iter().map(|p| p.as_ref().map(S::count)).collect())
            .unwrap_or_default();
        let taken = profiles.entry(profile).or_insert(0);
        if *taken < seats {
            *taken += 1;
            members.push((person, c));
        }
    }
    // Beyond the programme's bound, the people closest to every role are
    // kept: still a plan that fills every seat it can, if not always the
    // cheapest.
    let room = (CELLS / states).saturating_sub(1);
    if members.len() > room {
        if room < seats {
            return shared_each_role(setup);
        }
        let closeness = |c: usize| -> u64 {
            class_cover.get(c).map_or(NONE, |v| {
                v.iter()
                    .skip(1)
                    .map(|p| p.as_ref().map_or(64, |p| p.count() as u64))
                    .sum()
            })
        };
        members.sort_by_key(|(person, c)| (closeness(*c), *person));
        members.truncate(room);
        members.sort_unstable();
    }
    // Each state's roles with seats left, and what filling a set of roles
    // once takes off a state's code.
    let open_of: Vec<usize> = (0..states).map(open).collect();
    let delta: Vec<usize> = (0..sets)
        .map(|set| {
            (0..n)
                .filter(|r| set & (1 << r) != 0)
                .map(|r| strides.get(r).copied().unwrap_or(0))
                .sum()
        })
        .collect();
    // Members from the last: `next[state]` is the cheapest way to fill
    // `state` with the members after this one and new people;
    // `choice[i][state]` the roles member i fills.
    let mut next = new_cost;
    let mut choice: Vec<Vec<usize>> = Vec::with_capacity(members.len());
    for &(_, c) in members.iter().rev() {
        let mut here = next.clone();
        let mut chosen = vec![0usize; states];
        let costs: Vec<Option<u64>> = class_cover
            .get(c)
            .map(|v| {
                v.iter()
                    .map(|p| p.as_ref().map(|p| 2 * p.count() as u64))
                    .collect()
            })
            .unwrap_or_default();
        for (state, &open) in open_of.iter().enumerate().skip(1) {
            for set in (1..sets).filter(|s| s & !open == 0) {
                let (Some(Some(cost)), Some(&rest)) = (
                    costs.get(set),
                    delta
                        .get(set)
                        .and_then(|d| next.get(state.checked_sub(*d)?)),
                ) else {
                    continue;
                };
                if rest == NONE {
                    continue;
                }
                let cost = rest + cost;
                if let (Some(h), Some(choose)) = (here.get_mut(state), chosen.get_mut(state))
                    && cost < *h
                {
                    *h = cost;
                    *choose = set;
                }
            }
        }
        next = here;
        choice.push(chosen);
    }
    choice.reverse();

    let mut state = start;
    let mut upgrades = Vec::new();
    for (i, &(person, c)) in members.iter().enumerate() {
        let set = choice
            .get(i)
            .and_then(|v| v.get(state))
            .copied()
            .unwrap_or(0);
        if set != 0 {
            if let Some(Some(passes)) = class_cover.get(c).and_then(|v| v.get(set)) {
                upgrades.extend(setup.upgrade(person, set, passes));
            }
            state = less(state, set);
        }
    }
    let mut new_people: Vec<NewPeople> = Vec::new();
    while state != 0 {
        let set = new_choice.get(state).copied().unwrap_or(0);
        let Some(Some(passes)) = new_cover.get(set).filter(|_| set != 0) else {
            break;
        };
        match new_people.iter_mut().find(|p| p.roles == roles_in(set)) {
            Some(people) => people.count += 1,
            None => new_people.push(NewPeople {
                roles: roles_in(set),
                count: 1,
                groups: setup.groups_of(set),
                passes: passes.passes(),
                alternatives: Vec::new(),
            }),
        }
        state = less(state, set);
    }
    let filled = (0..n)
        .map(|r| {
            let left = u32::try_from(digit(state, r)).unwrap_or(0);
            demand.get(r).map_or(0, |d| d - left)
        })
        .collect();
    (upgrades, new_people, filled)
}

/// Shared roles beyond the exact programme's bounds: each role filled on its
/// own by its cheapest people, new ones last. Passes one role needs are not
/// credited to another, so this may suggest more than the least.
fn shared_each_role<S: ExamSet>(setup: &Setup<'_, S>) -> Plan {
    let mut upgrades = Vec::new();
    let mut new_people = Vec::new();
    let mut filled = Vec::new();
    for (r, role) in setup.roles.iter().enumerate() {
        let mut candidates: Vec<(usize, usize, S)> = Vec::new();
        for (c, members) in setup.classes.iter().enumerate() {
            if let Some(passes) = setup.class_cover(c, role.groups) {
                candidates.extend(members.iter().map(|p| (passes.count(), *p, passes.clone())));
            }
        }
        candidates.sort_by_key(|(cost, p, _)| (*cost, *p));
        let mut count = 0u32;
        let new = setup.new_cover(role.groups);
        for (_, person, passes) in candidates {
            if count == role.count {
                break;
            }
            upgrades.extend(setup.upgrade(person, 1 << r, &passes));
            count += 1;
        }
        if count < role.count
            && let Some(passes) = new
        {
            new_people.push(NewPeople {
                roles: vec![r],
                count: role.count - count,
                groups: role.groups,
                passes: passes.passes(),
                alternatives: Vec::new(),
            });
            count = role.count;
        }
        filled.push(count);
    }
    (upgrades, new_people, filled)
}

/// The set of roles with the largest deficiency (needed − qualified), over
/// every subset of up to 16 roles; `None` when no set is short. Among sets
/// equally short, the one with fewest roles, then the first in subset order.
///
/// People are counted by the set of roles they qualify for; how many qualify
/// for at least one role of a set is then everyone less those whose roles all
/// lie outside it, a sum over subsets computed once for all sets. The cost is
/// linear in people, plus 16 · 2^16 steps at the most.
fn bottleneck(roles: &[RoleSlots], people: &[u64]) -> Option<Bottleneck> {
    let n = roles.len().min(16);
    let sets = 1usize << n;
    // within[u]: people every role they qualify for (among the first n) is in u.
    let mut within = vec![0u64; sets];
    for person in people {
        let class = roles
            .iter()
            .take(n)
            .enumerate()
            .filter(|(_, role)| person & role.groups == role.groups)
            .fold(0usize, |class, (r, _)| class | 1 << r);
        if let Some(count) = within.get_mut(class) {
            *count += 1;
        }
    }
    for bit in 0..n {
        for set in 0..sets {
            if set & (1 << bit) != 0 {
                let below = within.get(set ^ (1 << bit)).copied().unwrap_or(0);
                if let Some(count) = within.get_mut(set) {
                    *count += below;
                }
            }
        }
    }
    let everyone = people.len() as u64;
    let mut needed = vec![0u64; sets];
    // (deficiency, roles in the set, the set)
    let mut best: Option<(u64, u32, usize)> = None;
    for set in 1..sets {
        let lowest = set.trailing_zeros() as usize;
        let count = roles.get(lowest).map_or(0, |r| u64::from(r.count));
        let total = needed.get(set & (set - 1)).copied().unwrap_or(0) + count;
        if let Some(slot) = needed.get_mut(set) {
            *slot = total;
        }
        let outside = (sets - 1) & !set;
        let qualified = everyone - within.get(outside).copied().unwrap_or(0);
        let deficiency = total.saturating_sub(qualified);
        let size = set.count_ones();
        let better = match best {
            None => deficiency > 0,
            Some((d, s, _)) => deficiency > d || (deficiency == d && size < s),
        };
        if better {
            best = Some((deficiency, size, set));
        }
    }
    let (_, _, set) = best?;
    let outside = (sets - 1) & !set;
    Some(Bottleneck {
        roles: (0..n).filter(|r| set & (1 << r) != 0).collect(),
        needed: needed.get(set).copied().unwrap_or(0),
        qualified: everyone - within.get(outside).copied().unwrap_or(0),
    })
}

/// A small network for minimum-cost flow by successive shortest paths
/// (Bellman–Ford, as edge costs are non-negative but residual ones are not).
struct CostNetwork {
    /// Edges as (to, capacity, cost, flow); edge `e ^ 1` is the reverse of `e`.
    edges: Vec<(usize, i64, i64, i64)>,
    nodes: usize,
}

impl CostNetwork {
    fn new(nodes: usize) -> Self {
        CostNetwork {
            edges: Vec::new(),
            nodes,
        }
    }

    fn add_edge(&mut self, from: usize, to: usize, capacity: i64, cost: i64) -> usize {
        let e = self.edges.len();
        self.edges.push((to, capacity, cost, 0));
        self.edges.push((from, 0, -cost, 0));
        e
    }

    fn flow(&self, e: usize) -> u64 {
        self.edges
            .get(e)
            .map_or(0, |(_, _, _, flow)| u64::try_from(*flow).unwrap_or(0))
    }

    fn min_cost_flow(&mut self, source: usize, sink: usize) {
        let n = self.nodes;
        let mut distance = vec![i64::MAX; n];
        let mut via: Vec<Option<usize>> = vec![None; n];
        let mut path = Vec::new();
        loop {
            // Shortest path by cost in the residual network.
            distance.fill(i64::MAX);
            via.fill(None);
            if let Some(d) = distance.get_mut(source) {
                *d = 0;
            }
            for _ in 0..n {
                let mut changed = false;
                for (e, &(to, capacity, cost, flow)) in self.edges.iter().enumerate() {
                    let from = self.edges.get(e ^ 1).map_or(source, |edge| edge.0);
                    let Some(&d) = distance.get(from) else {
                        continue;
                    };
                    if d == i64::MAX || capacity - flow <= 0 {
                        continue;
                    }
                    if let Some(target) = distance.get_mut(to)
                        && d + cost < *target
                    {
                        *target = d + cost;
                        if let Some(slot) = via.get_mut(to) {
                            *slot = Some(e);
                        }
                        changed = true;
                    }
                }
                if !changed {
                    break;
                }
            }
            if distance.get(sink).is_none_or(|d| *d == i64::MAX) {
                return;
            }
            // Push the bottleneck along the path.
            path.clear();
            let mut node = sink;
            while let Some(Some(e)) = via.get(node) {
                path.push(*e);
                node = self.edges.get(*e ^ 1).map_or(source, |edge| edge.0);
                if path.len() > n {
                    return;
                }
            }
            let bottleneck = path
                .iter()
                .filter_map(|e| self.edges.get(*e).map(|(_, c, _, f)| c - f))
                .min()
                .unwrap_or(0);
            if bottleneck <= 0 {
                return;
            }
            for &e in &path {
                if let Some(edge) = self.edges.get_mut(e) {
                    edge.3 += bottleneck;
                }
                if let Some(back) = self.edges.get_mut(e ^ 1) {
                    back.3 -= bottleneck;
                }
            }
        }
    }
}

/// The indices of the bits set in `words` (bit `b` of word `i` is index
/// `64 * i + b`), in increasing order.
pub(crate) fn set_bits(words: &[u64]) -> impl Iterator<Item = usize> + '_ {
    words.iter().enumerate().flat_map(|(i, w)| {
        (0..64)
            .filter(move |b| w & (1u64 << b) != 0)
            .map(move |b| i * 64 + b)
    })
}
