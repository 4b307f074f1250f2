//! Checking and linting take time linear in the size of the policy (issue 9,
//! item 2). No timing: each case is large enough that the quadratic
//! algorithms it replaced would take many minutes, while a linear pass takes
//! a second or two even unoptimised.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use rubric::check::PolicyError;

/// A chain of `n` groups, each a member of the one declared before it, the
/// last closing the ring back to the first.
fn ring_of_groups(n: usize) -> String {
    let mut text = String::from("competency k {\n  tiers s\n  exam X-1 \"x\"\n");
    for i in 0..n - 1 {
        text.push_str(&format!("  group g{i} = any of g{}\n", i + 1));
    }
    text.push_str(&format!("  group g{} = any of X-1, g0\n", n - 1));
    text.push_str("  option o { tier s { require distinct people { 1 passing g0 } } }\n}\n");
    text
}

/// The cycle search ran a depth-first search from every group, copying the
/// path at each step: cubic in a chain (3,200 groups took 3 s, optimised).
#[test]
fn a_ring_of_20_000_groups_is_one_cycle_reported_once() {
    let file = rubric::syntax::parse(&ring_of_groups(20_000)).unwrap();
    let errors = rubric::check::check(&file).unwrap_err();
    let cycles: Vec<&PolicyError> = errors
        .iter()
        .filter(|e| matches!(e, PolicyError::CyclicGroup { .. }))
        .collect();
    assert_eq!(cycles.len(), 1, "{cycles:?}");
    let PolicyError::CyclicGroup { name, cycle, .. } = cycles[0] else {
        unreachable!()
    };
    assert_eq!(name, "g0");
    // A long chain is shown by its ends.
    assert_eq!(cycle, "g0 → g1 → g2 → g3 → … → g19998 → g19999 → g0");
}

/// A valid policy with `exams` exams spread over 60 groups.
fn wide_catalog(exams: usize) -> String {
    let mut text =
        String::from("competency k {\n  version \"1\"\n  effective 2017-01-01\n  tiers s\n");
    for i in 0..exams {
        text.push_str(&format!("  exam X-{i} \"x\"\n"));
    }
    let per = exams / 60;
    for g in 0..60 {
        let members: Vec<String> = (g * per..(g + 1) * per).map(|i| format!("X-{i}")).collect();
        text.push_str(&format!("  group g{g} = any of {}\n", members.join(", ")));
    }
    let roles: Vec<String> = (0..60).map(|g| format!("1 passing g{g}")).collect();
    text.push_str(&format!(
        "  option o {{ tier s {{ require distinct people {{ {} }} }} }}\n}}\n",
        roles.join(" ")
    ));
    text
}

/// The unused-exam lint (W0103) scanned every group's members for every
/// exam: 60,000 × 60,000 comparisons here.
#[test]
fn linting_a_catalog_of_60_000_exams_is_one_pass() {
    // 60,000 exams in groups, and 20 left out of every group.
    let text = wide_catalog(60_020);
    let file = rubric::syntax::parse(&text).unwrap();
    let policy = rubric::check::check(&file).unwrap();
    let unused = rubric::lint::lint(&file, &policy)
        .iter()
        .filter(|w| w.code_text() == "W0103")
        .count();
    assert_eq!(unused, 20);
}

/// Every unknown exam got a did-you-mean computed against every declared
/// one: 8,000 of each took 28 s optimised. Guessing now has a fixed budget;
/// every unknown name is still reported.
#[test]
fn thousands_of_unknown_exams_are_all_reported_with_bounded_guessing() {
    let n = 5_000;
    let mut text = String::from("competency k {\n  tiers s\n");
    for i in 0..n {
        text.push_str(&format!("  exam X-{i} \"x\"\n"));
    }
    let unknown: Vec<String> = (0..n).map(|i| format!("Z-{i}")).collect();
    text.push_str(&format!("  group g = any of {}\n", unknown.join(", ")));
    text.push_str("  option o { tier s { require distinct people { 1 passing g } } }\n}\n");
    let file = rubric::syntax::parse(&text).unwrap();
    let errors = rubric::check::check(&file).unwrap_err();
    let helps: Vec<&str> = errors
        .iter()
        .filter_map(|e| match e {
            PolicyError::UnknownExam { help, .. } => Some(help.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(helps.len(), n);
    // The first are guessed, the last are not.
    assert_eq!(helps[0], "did you mean `X-0`?");
    assert!(
        helps[n - 1].starts_with("add it to the catalog"),
        "{}",
        helps[n - 1]
    );
}
