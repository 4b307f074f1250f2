//! Role assignment (`rubric::eval::assign`) checked against brute force.
//!
//! In a `distinct` requirement every slot needs a different person, and the
//! number of filled slots must be the largest possible; in a `shared` one each
//! role takes the first qualified people on its own. Small random cases are
//! compared with an exhaustive search, and a few plain tests spell out the
//! rules in words: the greedy trap, one person cannot fill two distinct slots,
//! ties go to people earlier in the data, and huge head counts stay fast.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::{Duration, Instant};

use proptest::prelude::*;
use rubric::eval::assign::{Assignment, RoleSlots, assign};

/// Groups in play: bits 0..4.
const GROUPS: u32 = 4;

fn qualifies(person: u64, role: &RoleSlots) -> bool {
    person & role.groups == role.groups
}

fn role(count: u32, groups: u64) -> RoleSlots {
    RoleSlots { count, groups }
}

/// The largest number of slots that can be filled with distinct people: the
/// maximum, over every way of sending each person to nothing or to one role
/// they qualify for, of the sum over roles of min(sent, count).
fn brute_force_distinct(roles: &[RoleSlots], people: &[u64]) -> usize {
    fn go(roles: &[RoleSlots], people: &[u64], sent: &mut Vec<usize>) -> usize {
        let Some((&person, rest)) = people.split_first() else {
            return roles
                .iter()
                .zip(sent.iter())
                .map(|(r, &n)| n.min(r.count as usize))
                .sum();
        };
        // This person fills nothing.
        let mut best = go(roles, rest, sent);
        for (r, role) in roles.iter().enumerate() {
            if qualifies(person, role) {
                sent[r] += 1;
                best = best.max(go(roles, rest, sent));
                sent[r] -= 1;
            }
        }
        best
    }
    go(roles, people, &mut vec![0; roles.len()])
}

fn total_filled(assignment: &Assignment) -> usize {
    assignment.filled.iter().map(Vec::len).sum()
}

fn required_slots(roles: &[RoleSlots]) -> usize {
    roles.iter().map(|r| r.count as usize).sum()
}

/// What must hold of any assignment, distinct or shared.
fn assert_well_formed(roles: &[RoleSlots], people: &[u64], got: &Assignment) {
    assert_eq!(got.filled.len(), roles.len(), "one list of people per role");
    assert_eq!(got.qualified.len(), roles.len(), "one count per role");
    for (r, role) in roles.iter().enumerate() {
        let qualifying = people.iter().filter(|p| qualifies(**p, role)).count();
        assert_eq!(
            got.qualified[r], qualifying,
            "qualified[{r}] counts the people who qualify"
        );
        assert!(
            got.filled[r].len() <= role.count as usize,
            "role {r} gets no more than its head count"
        );
        let mut seen = got.filled[r].clone();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(
            seen.len(),
            got.filled[r].len(),
            "nobody fills two slots of role {r}"
        );
        for &p in &got.filled[r] {
            assert!(p < people.len(), "person index {p} is in range");
            assert!(
                qualifies(people[p], role),
                "person {p} (groups {:#b}) qualifies for role {r} (groups {:#b})",
                people[p],
                role.groups
            );
        }
    }
}

fn roles_strategy() -> impl Strategy<Value = Vec<RoleSlots>> {
    // 1-4 required groups out of 4: a non-empty mask below 16.
    prop::collection::vec(
        (1u32..=3, 1u64..(1 << GROUPS)).prop_map(|(count, groups)| role(count, groups)),
        1..=4,
    )
}

fn people_strategy() -> impl Strategy<Value = Vec<u64>> {
    prop::collection::vec(0u64..(1 << GROUPS), 0..=7)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn distinct_assignment_is_maximum_and_valid(
        roles in roles_strategy(),
        people in people_strategy(),
    ) {
        let got = assign(&roles, &people, true);
        assert_well_formed(&roles, &people, &got);

        let best = brute_force_distinct(&roles, &people);
        prop_assert_eq!(total_filled(&got), best, "filled slots are the most possible");
        prop_assert_eq!(
            got.complete(&roles),
            best == required_slots(&roles),
            "complete exactly when every role can be filled"
        );

        let mut everyone: Vec<usize> = got.filled.iter().flatten().copied().collect();
        let n = everyone.len();
        everyone.sort_unstable();
        everyone.dedup();
        prop_assert_eq!(everyone.len(), n, "nobody appears in two roles: {:?}", got.filled);
    }

    #[test]
    fn distinct_ties_within_a_class_go_to_earlier_people(
        roles in roles_strategy(),
        people in people_strategy(),
    ) {
        // People who qualify for exactly the same roles are interchangeable:
        // if a later one fills a slot, no earlier one of them sits idle.
        let got = assign(&roles, &people, true);
        let used: Vec<usize> = got.filled.iter().flatten().copied().collect();
        let class = |p: u64| -> Vec<bool> { roles.iter().map(|r| qualifies(p, r)).collect() };
        for &j in &used {
            for (i, &earlier) in people.iter().enumerate().take(j) {
                prop_assert!(
                    class(earlier) != class(people[j]) || used.contains(&i),
                    "person {} fills a slot while earlier person {}, who qualifies for the same roles, is idle: {:?}",
                    j, i, got.filled
                );
            }
        }
    }

    #[test]
    fn shared_roles_are_filled_independently(
        roles in roles_strategy(),
        people in people_strategy(),
    ) {
        let got = assign(&roles, &people, false);
        assert_well_formed(&roles, &people, &got);
        for (r, role) in roles.iter().enumerate() {
            let first: Vec<usize> = (0..people.len())
                .filter(|&i| qualifies(people[i], role))
                .take(role.count as usize)
                .collect();
            prop_assert_eq!(
                got.filled[r].len(),
                (role.count as usize).min(got.qualified[r]),
                "role {} takes min(count, qualifying) people", r
            );
            prop_assert_eq!(&got.filled[r], &first, "role {} takes the first qualified people", r);
        }
        let every_role_fillable = roles
            .iter()
            .all(|r| people.iter().filter(|p| qualifies(**p, r)).count() >= r.count as usize);
        prop_assert_eq!(got.complete(&roles), every_role_fillable);
    }

    #[test]
    fn assignment_is_deterministic(
        roles in roles_strategy(),
        people in people_strategy(),
        distinct in any::<bool>(),
    ) {
        let first = assign(&roles, &people, distinct);
        for _ in 0..3 {
            prop_assert_eq!(&assign(&roles, &people, distinct), &first);
        }
    }
}

const FUNCTIONAL: u64 = 0b001;
const DEPLOYMENT: u64 = 0b010;
const CUSTOMIZATION: u64 = 0b100;
const EVERY_EXAM: u64 = FUNCTIONAL | DEPLOYMENT | CUSTOMIZATION;

#[test]
fn a_person_with_every_exam_listed_first_does_not_starve_the_second_role() {
    // Greedy first-fit would give Ana (every exam) to the first role and
    // leave nobody for customization; Bo can only fill the first role.
    let roles = [role(1, FUNCTIONAL | DEPLOYMENT), role(1, CUSTOMIZATION)];
    let ana = EVERY_EXAM;
    let bo = FUNCTIONAL | DEPLOYMENT;
    let got = assign(&roles, &[ana, bo], true);
    assert_eq!(got.filled, vec![vec![1], vec![0]]);
    assert_eq!(got.qualified, vec![2, 1]);
    assert!(got.complete(&roles));
}

#[test]
fn the_greedy_trap_with_larger_head_counts() {
    // Two all-rounders first, then two who can only do the first role: the
    // all-rounders must go to customization.
    let roles = [role(2, FUNCTIONAL | DEPLOYMENT), role(2, CUSTOMIZATION)];
    let people = [
        EVERY_EXAM,
        EVERY_EXAM,
        FUNCTIONAL | DEPLOYMENT,
        FUNCTIONAL | DEPLOYMENT,
    ];
    let got = assign(&roles, &people, true);
    assert_eq!(got.filled, vec![vec![2, 3], vec![0, 1]]);
    assert!(got.complete(&roles));
}

#[test]
fn one_person_with_every_exam_cannot_fill_two_distinct_slots() {
    let roles = [role(1, FUNCTIONAL | DEPLOYMENT), role(1, CUSTOMIZATION)];
    let got = assign(&roles, &[EVERY_EXAM], true);
    assert_eq!(total_filled(&got), 1);
    assert_eq!(got.qualified, vec![1, 1]);
    assert!(!got.complete(&roles));

    // Nor two slots of one role.
    let two_slots = [role(2, FUNCTIONAL)];
    let got = assign(&two_slots, &[EVERY_EXAM], true);
    assert_eq!(got.filled, vec![vec![0]]);
    assert!(!got.complete(&two_slots));
}

#[test]
fn one_person_with_every_exam_can_fill_two_shared_roles() {
    let roles = [role(1, FUNCTIONAL | DEPLOYMENT), role(1, CUSTOMIZATION)];
    let got = assign(&roles, &[EVERY_EXAM], false);
    assert_eq!(got.filled, vec![vec![0], vec![0]]);
    assert!(got.complete(&roles));

    // Sharing is across roles, never within one: still one slot of a role.
    let two_slots = [role(2, FUNCTIONAL)];
    let got = assign(&two_slots, &[EVERY_EXAM], false);
    assert_eq!(got.filled, vec![vec![0]]);
    assert!(!got.complete(&two_slots));
}

#[test]
fn earlier_people_are_preferred_on_ties() {
    // Four qualify for two slots: the first two, in both modes.
    let roles = [role(2, FUNCTIONAL)];
    let people = [FUNCTIONAL, EVERY_EXAM, FUNCTIONAL, FUNCTIONAL];
    assert_eq!(assign(&roles, &people, true).filled, vec![vec![0, 1]]);
    assert_eq!(assign(&roles, &people, false).filled, vec![vec![0, 1]]);

    // Two roles with two candidates each: the earlier candidate of each.
    let roles = [role(1, FUNCTIONAL), role(1, CUSTOMIZATION)];
    let people = [CUSTOMIZATION, FUNCTIONAL, CUSTOMIZATION, FUNCTIONAL];
    assert_eq!(assign(&roles, &people, true).filled, vec![vec![1], vec![0]]);

    // People who qualify for nothing are skipped, not counted.
    let people = [0, DEPLOYMENT, FUNCTIONAL, CUSTOMIZATION];
    let got = assign(&roles, &people, true);
    assert_eq!(got.filled, vec![vec![2], vec![3]]);
    assert_eq!(got.qualified, vec![1, 1]);
}

#[test]
fn earlier_people_of_a_class_are_chosen_first() {
    // Ana, Cy and Eve hold every exam; Bo and Dan only customization. Two
    // all-rounders fill the first role and the customization slot goes to
    // an all-rounder or a specialist, but within each class the earlier
    // people are the ones chosen.
    let roles = [role(2, FUNCTIONAL | CUSTOMIZATION), role(1, CUSTOMIZATION)];
    let (ana, bo, cy, dan, eve) = (
        EVERY_EXAM,
        CUSTOMIZATION,
        EVERY_EXAM,
        CUSTOMIZATION,
        EVERY_EXAM,
    );
    let got = assign(&roles, &[ana, bo, cy, dan, eve], true);
    assert!(got.complete(&roles));
    let used: Vec<usize> = got.filled.iter().flatten().copied().collect();
    assert!(
        used.contains(&0) && used.contains(&2),
        "Ana and Cy before Eve: {:?}",
        got.filled
    );
    assert!(
        !used.contains(&3) || used.contains(&1),
        "Bo before Dan: {:?}",
        got.filled
    );
    assert_eq!(got.filled[0].len(), 2);
}

#[test]
fn results_are_the_same_on_every_run() {
    let roles = [
        role(2, FUNCTIONAL | DEPLOYMENT),
        role(2, CUSTOMIZATION),
        role(1, DEPLOYMENT),
    ];
    let people = [
        EVERY_EXAM,
        DEPLOYMENT,
        FUNCTIONAL | DEPLOYMENT,
        CUSTOMIZATION | DEPLOYMENT,
        EVERY_EXAM,
        CUSTOMIZATION,
        FUNCTIONAL | DEPLOYMENT,
    ];
    let first = assign(&roles, &people, true);
    assert!(first.complete(&roles));
    for _ in 0..20 {
        assert_eq!(assign(&roles, &people, true), first);
    }
}

#[test]
fn no_roles_and_no_people() {
    let got = assign(&[], &[EVERY_EXAM], true);
    assert!(got.filled.is_empty());
    assert!(got.complete(&[]));

    let roles = [role(1, FUNCTIONAL)];
    let got = assign(&roles, &[], true);
    assert_eq!(got.filled, vec![Vec::<usize>::new()]);
    assert_eq!(got.qualified, vec![0]);
    assert!(!got.complete(&roles));
}

#[test]
fn large_head_counts_do_not_hang() {
    let roles = [
        role(100_000, FUNCTIONAL),
        role(100_000, CUSTOMIZATION),
        role(100_000, DEPLOYMENT),
    ];
    let people = [EVERY_EXAM, FUNCTIONAL, CUSTOMIZATION];
    let started = Instant::now();
    for distinct in [true, false] {
        let got = assign(&roles, &people, distinct);
        assert_well_formed(&roles, &people, &got);
        assert!(!got.complete(&roles));
        if distinct {
            assert_eq!(total_filled(&got), 3);
        } else {
            assert_eq!(got.filled, vec![vec![0, 1], vec![0, 2], vec![0]]);
        }
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn many_people_and_a_large_head_count_stay_fast() {
    // Classes of people keep the network small however many people there are.
    let roles = [role(100_000, FUNCTIONAL), role(3, CUSTOMIZATION)];
    let people: Vec<u64> = (0..200_000u64).map(|i| i % 8).collect();
    let started = Instant::now();
    let got = assign(&roles, &people, true);
    assert_eq!(got.filled[1].len(), 3);
    assert_eq!(got.filled[0].len(), 100_000);
    assert!(got.complete(&roles));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
}
