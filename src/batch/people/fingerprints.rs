//! The table of people in memory: each person's fingerprint, with the
//! check and where their details are, in one flat array.
//!
//! The check probes this table once per person of every partner, and at
//! the default limit it is a few megabytes, larger than a core's cache, so
//! nearly every probe misses the cache. A general hash map keeps a slot's
//! control byte and its entry apart: two misses a person, each waited for.
//! Here a person's slot is one 16-byte entry found by linear probing, and
//! the caller can ask for the slots of people coming next to be fetched
//! early ([`Fingerprints::prefetch`]), so that the wait overlaps other work.
//!
//! Fingerprints are a fixed hash, so anyone can compute them: a hostile
//! file could list people whose fingerprints share the bits that pick a
//! slot, and every probe would walk one long cluster (quadratic time). So
//! the first slot comes from the fingerprint times a random odd number
//! drawn per run, whose top bits depend on all of the fingerprint's: which
//! fingerprints meet cannot be known in advance. Nothing the user sees
//! depends on where a person sits in the table.

/// A person in memory: their fingerprint, its independent check, and their
/// index among the people kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Slot {
    pub hash: u64,
    pub check: u32,
    pub kept: u32,
}

/// What [`Fingerprints::find_or_insert`] found.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Found {
    /// A person with this fingerprint was already in the table.
    Already { check: u32, kept: u32 },
    /// Nobody was: the person is now.
    Inserted,
}

/// An open-addressing table of fingerprints, at most 7/16 full so that a
/// probe rarely leaves the first cache line.
///
/// Each slot is two words: the fingerprint, then the check and the kept
/// index plus one, so that a free slot is all zeros. A new table is then
/// zeroed memory, which the system hands over without writing it: a run
/// of a few partners does not pay for the megabytes a large one uses.
#[derive(Debug)]
pub(super) struct Fingerprints {
    slots: Vec<[u64; 2]>,
    len: usize,
    /// Odd: a fingerprint times it, top bits first, gives its first slot.
    spread: u64,
    /// How many top bits of the product pick a slot (the table's size is
    /// 2 to this power).
    bits: u32,
}

impl Default for Fingerprints {
    fn default() -> Self {
        use std::hash::BuildHasher as _;
        // The standard library's random hash keys, drawn once per process.
        let random = std::collections::hash_map::RandomState::new().hash_one(0x5eed_u64);
        Fingerprints::with_spread(random)
    }
}

impl Fingerprints {
    /// A table whose first slots are picked with `spread` (made odd).
    fn with_spread(spread: u64) -> Self {
        Fingerprints {
            slots: Vec::new(),
            len: 0,
            spread: spread | 1,
            bits: 0,
        }
    }

    /// How many people are in the table.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Makes room for `people` people without growing.
    pub fn reserve(&mut self, people: usize) {
        let slots = slots_for(people);
        if slots > self.slots.len() {
            self.rebuild(slots);
        }
    }

    /// Empties the table, keeping its room.
    pub fn clear(&mut self) {
        self.slots.fill([0, 0]);
        self.len = 0;
    }

    /// The slot to probe first for `hash`.
    fn home(&self, hash: u64) -> usize {
        match self.bits {
            0 => 0,
            bits => (hash.wrapping_mul(self.spread) >> (64 - bits)) as usize,
        }
    }

    /// Asks the processor to bring the slot of `hash` into the cache, for a
    /// probe a little later. Changes nothing the program can see.
    pub fn prefetch(&self, hash: u64) {
        if let Some(slot) = self.slots.get(self.home(hash)) {
            prefetch(slot);
        }
    }

    /// The person with fingerprint `hash` if the table has one; otherwise
    /// puts them in, with `check` and `kept`.
    pub fn find_or_insert(&mut self, hash: u64, check: u32, kept: u32) -> Found {
        if slots_for(self.len + 1) > self.slots.len() {
            self.rebuild(slots_for(self.len + 1).max(self.slots.len() * 2));
        }
        let mask = self.slots.len().wrapping_sub(1);
        let mut at = self.home(hash);
        // The table is never full, so a free slot ends every probe.
        while let Some(slot) = self.slots.get_mut(at) {
            let [seen, rest] = *slot;
            if rest == 0 {
                *slot = [
                    hash,
                    (u64::from(check) << 32) | u64::from(kept.saturating_add(1)),
                ];
                self.len += 1;
                return Found::Inserted;
            }
            if seen == hash {
                let found = unpack([seen, rest]);
                return Found::Already {
                    check: found.check,
                    kept: found.kept,
                };
            }
            at = (at + 1) & mask;
        }
        Found::Inserted
    }

    /// Every person in the table, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = Slot> {
        self.slots
            .iter()
            .filter(|slot| slot[1] != 0)
            .map(|&slot| unpack(slot))
    }

    fn rebuild(&mut self, slots: usize) {
        let old = std::mem::replace(&mut self.slots, vec![[0, 0]; slots]);
        self.bits = slots.trailing_zeros();
        self.len = 0;
        for slot in old.into_iter().filter(|slot| slot[1] != 0).map(unpack) {
            self.find_or_insert(slot.hash, slot.check, slot.kept);
        }
    }
}

fn unpack([hash, rest]: [u64; 2]) -> Slot {
    Slot {
        hash,
        check: (rest >> 32) as u32,
        kept: ((rest & u64::from(u32::MAX)) as u32).wrapping_sub(1),
    }
}

/// Slots (a power of two) that hold `people` at most 7/16 full.
fn slots_for(people: usize) -> usize {
    people
        .saturating_mul(16)
        .div_ceil(7)
        .max(16)
        .checked_next_power_of_two()
        .unwrap_or(usize::MAX / 2 + 1)
}

#[cfg(target_arch = "x86_64")]
fn prefetch(slot: &[u64; 2]) {
    use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
    // SAFETY: a prefetch is a hint: it never faults and reads nothing the
    // program sees, and the pointer comes from a live reference anyway. SSE
    // is part of every x86_64 target.
    unsafe { _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(slot).cast::<i8>()) }
}

#[cfg(not(target_arch = "x86_64"))]
fn prefetch(_slot: &[u64; 2]) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_is_found_again_with_what_was_kept_for_them() {
        let mut table = Fingerprints::default();
        assert_eq!(table.find_or_insert(42, 7, 0), Found::Inserted);
        assert_eq!(table.find_or_insert(43, 8, 1), Found::Inserted);
        assert_eq!(
            table.find_or_insert(42, 9, 2),
            Found::Already { check: 7, kept: 0 }
        );
        assert_eq!(table.len(), 2);
    }

    #[test]
    fn fingerprints_sharing_a_first_slot_are_kept_apart_and_the_table_grows() {
        // With a spread of 1 the top bits of a fingerprint pick its slot:
        // all of these start their probe in slot 0, and the table must
        // grow many times to take them.
        let mut table = Fingerprints::with_spread(1);
        for i in 0..1000u32 {
            assert_eq!(table.find_or_insert(u64::from(i), i, i), Found::Inserted);
        }
        for i in 0..1000u32 {
            assert_eq!(
                table.find_or_insert(u64::from(i), 0, 0),
                Found::Already { check: i, kept: i }
            );
        }
        assert_eq!(table.iter().count(), 1000);
        assert!(table.slots.len() * 7 >= 1000 * 16);
    }

    /// The longest run of taken slots, wrapping around.
    fn longest_cluster(table: &Fingerprints) -> usize {
        let taken: Vec<bool> = table.slots.iter().map(|slot| slot[1] != 0).collect();
        let mut longest = 0;
        let mut run = 0;
        for taken in taken.iter().chain(&taken) {
            run = if *taken { run + 1 } else { 0 };
            longest = longest.max(run);
        }
        longest
    }

    #[test]
    fn fingerprints_made_to_share_their_low_and_high_bits_still_spread_out() {
        // What a hostile file could aim for: 100,000 fingerprints alike in
        // their low 24 and high 20 bits (one first slot each, were slots
        // picked by either). The random spread still scatters them, so no
        // probe walks far.
        let mut table = Fingerprints::default();
        for i in 0..100_000u64 {
            let hash = (0xABCDE << 44) | (i << 24) | 0x00C0_FFEE;
            assert_eq!(table.find_or_insert(hash, 1, 1), Found::Inserted);
        }
        assert!(longest_cluster(&table) < 100, "{}", longest_cluster(&table));
    }

    #[test]
    fn a_cleared_table_keeps_its_room_and_forgets_everyone() {
        let mut table = Fingerprints::default();
        table.reserve(100);
        let room = table.slots.len();
        for i in 0..100u32 {
            table.find_or_insert(u64::from(i).wrapping_mul(0x9E37_79B9_7F4A_7C15), i, i);
        }
        assert_eq!(table.slots.len(), room);
        table.clear();
        assert!(table.is_empty());
        assert_eq!(table.iter().count(), 0);
        assert_eq!(table.slots.len(), room);
        assert_eq!(table.find_or_insert(5, 1, 1), Found::Inserted);
    }
}
