//! Why-not on many people and roles stays quick: people are grouped into
//! classes by their credentials, and shared roles beyond the exact
//! programme's bounds are filled role by role.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use rubric::eval::assign::RoleSlots;
use rubric::eval::gap::{Catalog, GroupRule, people_gap};

#[test]
fn a_thousand_people_and_six_roles_of_fifteen() {
    let exams = 40;
    let groups: Vec<GroupRule> = (0..8)
        .map(|g| GroupRule {
            group: g,
            all: g % 2 == 0,
            exams: (0..5).map(|i| (g * 5 + i) % exams).collect(),
            groups: Vec::new(),
        })
        .collect();
    let catalog = Catalog {
        groups,
        attainable: vec![true; exams],
        soon: vec![None; exams],
    };
    let roles: Vec<RoleSlots> = (0..6)
        .map(|r| RoleSlots {
            count: 15,
            groups: 0b11 << r,
        })
        .collect();
    // A simple generator: every person holds a pseudo-random third of the exams.
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let holds: Vec<Vec<u64>> = (0..1000)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            vec![seed & (seed >> 3) & ((1 << exams) - 1)]
        })
        .collect();
    // Only the `missing` groups reported read these.
    let groups: Vec<u64> = holds.iter().map(|_| 0).collect();
    // Six roles of fifteen: distinct by flow, shared role by role; three
    // roles of fifteen shared: the exact programme at its bound.
    for (roles, distinct) in [
        (&roles[..], true),
        (&roles[..], false),
        (&roles[..3], false),
    ] {
        let started = std::time::Instant::now();
        let gap = people_gap(&catalog, roles, &holds, &groups, distinct);
        assert!(gap.sufficient());
        // Generous: a guard against exponential work, not a timing.
        assert!(started.elapsed().as_secs() < 30, "{:?}", started.elapsed());
        eprintln!(
            "distinct {distinct}: {:?}, {} passes",
            started.elapsed(),
            gap.cost
        );
    }
}
