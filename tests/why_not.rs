//! Why-not explanations: the suggested change to a people requirement is
//! sufficient (applying it fills every role) and minimal (no cheaper change
//! exists, checked by brute force on small random cases).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use rubric::eval::assign::{RoleSlots, assign};
use rubric::eval::gap::people_gap;

fn missing(role: &RoleSlots, person: u64) -> u64 {
    u64::from((role.groups & !person).count_ones())
}

/// The cheapest way to fill every slot with distinct people, existing or new.
fn brute_force_distinct(roles: &[RoleSlots], people: &[u64]) -> u64 {
    let slots: Vec<&RoleSlots> = roles
        .iter()
        .flat_map(|r| std::iter::repeat_n(r, r.count as usize))
        .collect();
    fn search(slots: &[&RoleSlots], people: &[u64], used: &mut Vec<bool>) -> u64 {
        let Some((slot, rest)) = slots.split_first() else {
            return 0;
        };
        // A new person for this slot.
        let mut best = u64::from(slot.groups.count_ones()) + search(rest, people, used);
        for p in 0..people.len() {
            if !used[p] {
                used[p] = true;
                best = best.min(missing(slot, people[p]) + search(rest, people, used));
                used[p] = false;
            }
        }
        best
    }
    search(&slots, people, &mut vec![false; people.len()])
}

/// Each role on its own: its `count` cheapest people, new ones at full cost.
fn brute_force_shared(roles: &[RoleSlots], people: &[u64]) -> u64 {
    roles
        .iter()
        .map(|role| {
            let mut costs: Vec<u64> = people.iter().map(|p| missing(role, *p)).collect();
            costs.extend(std::iter::repeat_n(
                u64::from(role.groups.count_ones()),
                role.count as usize,
            ));
            costs.sort_unstable();
            costs.iter().take(role.count as usize).sum::<u64>()
        })
        .sum()
}

/// The people after the suggested change: upgrades applied, new people added.
fn apply(roles: &[RoleSlots], people: &[u64], distinct: bool) -> (Vec<u64>, u64) {
    let gap = people_gap(roles, people, distinct);
    let mut after = people.to_vec();
    for u in &gap.upgrades {
        after[u.person] |= u.missing;
    }
    for n in &gap.new_people {
        after.extend(std::iter::repeat_n(n.groups, n.count as usize));
    }
    (after, gap.cost)
}

fn case() -> impl Strategy<Value = (Vec<RoleSlots>, Vec<u64>)> {
    let role = (1u32..=2, 1u64..16).prop_map(|(count, groups)| RoleSlots { count, groups });
    (
        proptest::collection::vec(role, 1..=3),
        proptest::collection::vec(0u64..16, 0..=5),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_suggested_change_fills_every_distinct_role_and_nothing_cheaper_does((roles, people) in case()) {
        let (after, cost) = apply(&roles, &people, true);
        prop_assert!(assign(&roles, &after, true).complete(&roles), "{roles:?} {people:?} -> {after:?}");
        prop_assert_eq!(cost, brute_force_distinct(&roles, &people));
    }

    #[test]
    fn the_suggested_change_fills_every_shared_role_and_nothing_cheaper_does((roles, people) in case()) {
        let (after, cost) = apply(&roles, &people, false);
        prop_assert!(assign(&roles, &after, false).complete(&roles));
        prop_assert_eq!(cost, brute_force_shared(&roles, &people));
    }

    #[test]
    fn a_bottleneck_is_a_real_shortage((roles, people) in case()) {
        if let Some(b) = people_gap(&roles, &people, true).bottleneck {
            let qualified = people
                .iter()
                .filter(|p| b.roles.iter().any(|r| **p & roles[*r].groups == roles[*r].groups))
                .count() as u64;
            prop_assert_eq!(b.qualified, qualified);
            let needed: u64 = b.roles.iter().map(|r| u64::from(roles[*r].count)).sum();
            prop_assert_eq!(b.needed, needed);
            prop_assert!(needed > qualified);
        }
    }
}

#[test]
fn an_existing_employee_is_preferred_to_a_new_hire() {
    // Silver: one person passing functional and deployment (bits 1 and 2),
    // another passing customization (bit 4). Kim holds only deployment.
    let roles = [
        RoleSlots {
            count: 1,
            groups: 0b011,
        },
        RoleSlots {
            count: 1,
            groups: 0b100,
        },
    ];
    let people = [0b011, 0b010];
    let gap = people_gap(&roles, &people, true);
    assert_eq!(gap.cost, 1);
    assert!(gap.new_people.is_empty());
    assert_eq!(gap.upgrades.len(), 1);
    assert_eq!(
        (
            gap.upgrades[0].person,
            gap.upgrades[0].role,
            gap.upgrades[0].missing
        ),
        (1, 1, 0b100)
    );
}

#[test]
fn competing_roles_are_named_as_the_bottleneck() {
    // Roles A and B need 4 people; only 3 qualify for either.
    let roles = [
        RoleSlots {
            count: 2,
            groups: 0b01,
        },
        RoleSlots {
            count: 2,
            groups: 0b10,
        },
    ];
    let people = [0b11, 0b01, 0b10];
    let gap = people_gap(&roles, &people, true);
    let b = gap.bottleneck.unwrap();
    assert_eq!((b.roles, b.needed, b.qualified), (vec![0, 1], 4, 3));
}

/// The whole why-not, on partner data: applying every suggested change
/// (a revenue line for each shortfall, the missing passes for each upgraded
/// person, the new people) to a partner that misses gold makes it gold.
mod on_partner_data {
    use proptest::prelude::*;
    use rubric::eval::{Evaluator, RequirementOutcome};
    use serde_json::{Value, json};

    const EXAMS: [&str; 7] = [
        "MB2-714", "MB2-713", "MB2-709", "MB2-710", "MB2-706", "MB2-712", "MB2-707",
    ];

    fn policy() -> rubric::model::Policy {
        rubric::load_policy(
            &std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/policies/cloud_crm.policy"
            ))
            .unwrap(),
        )
        .unwrap()
    }

    fn as_of() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2017, 6, 30).unwrap()
    }

    fn evaluate<'p>(
        policy: &'p rubric::model::Policy,
        partner: &Value,
    ) -> rubric::eval::PartnerOutcome<'p> {
        let records = rubric::data::read::whole_text("p.json", partner.to_string());
        let record = records.into_iter().next().unwrap().unwrap();
        let parsed = rubric::data::Partner::parse(&record).unwrap();
        Evaluator::new(policy, as_of()).evaluate(&parsed).unwrap()
    }

    /// The first exam of a group: one pass satisfies an `any of` group.
    fn first_exam(policy: &rubric::model::Policy, group: rubric::model::GroupId) -> String {
        match policy.groups[group.0].members[0] {
            rubric::model::GroupMember::Exam(e) => policy.exams[e.0].code.clone(),
            rubric::model::GroupMember::Group(_) => panic!("cloud_crm groups list exams"),
        }
    }

    fn apply_gap(
        policy: &rubric::model::Policy,
        partner: &mut Value,
        outcome: &rubric::eval::PartnerOutcome,
    ) {
        let gold = &outcome.options[0].tiers[1];
        for requirement in &gold.requirements {
            match requirement {
                RequirementOutcome::Measure(m) if !m.met => {
                    let amount = m.shortfall.unwrap().to_string();
                    partner["revenue"].as_array_mut().unwrap().push(json!({
                        "product": "CRM Online", "type": "net_new", "amount": amount,
                        "currency": "USD", "date": "2017-06-30", "associations": ["dpor"]
                    }));
                }
                RequirementOutcome::People(p) if !p.met => {
                    let gap = p.gap.as_ref().unwrap();
                    for upgrade in &gap.upgrades {
                        for group in policy.groups_in(upgrade.missing) {
                            let code = first_exam(policy, group);
                            partner["people"][upgrade.person]["exams"]
                                .as_array_mut()
                                .unwrap()
                                .push(json!({"code": code, "passed": "2017-06-30"}));
                        }
                    }
                    for (n, new) in gap.new_people.iter().enumerate() {
                        for k in 0..new.count {
                            let exams: Vec<Value> = policy
                                .groups_in(new.groups)
                                .into_iter()
                                .map(|g| json!({"code": first_exam(policy, g), "passed": "2017-06-30"}))
                                .collect();
                            partner["people"]
                                .as_array_mut()
                                .unwrap()
                                .push(json!({"id": format!("NEW-{n}-{k}"), "exams": exams}));
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn partner_strategy() -> impl Strategy<Value = Value> {
        let person = proptest::collection::vec(any::<bool>(), 7);
        (proptest::collection::vec(person, 0..6), 0u32..400_000).prop_map(|(people, revenue)| {
            let people: Vec<Value> = people
                .iter()
                .enumerate()
                .map(|(i, holds)| {
                    let exams: Vec<Value> = EXAMS
                        .iter()
                        .zip(holds)
                        .filter(|(_, h)| **h)
                        .map(|(code, _)| json!({"code": code, "passed": "2016-01-01"}))
                        .collect();
                    json!({"id": format!("E-{i}"), "exams": exams})
                })
                .collect();
            json!({
                "id": "P", "market": "developed", "people": people,
                "revenue": [{"product": "CRM Online", "type": "net_new", "amount": revenue.to_string(),
                             "currency": "USD", "date": "2017-01-01", "associations": ["dpor"]}]
            })
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn applying_the_gap_to_a_partner_that_misses_gold_makes_it_gold(mut partner in partner_strategy()) {
            let policy = policy();
            let outcome = evaluate(&policy, &partner);
            if outcome.options[0].tiers[1].met {
                return Ok(());
            }
            apply_gap(&policy, &mut partner, &outcome);
            let after = evaluate(&policy, &partner);
            prop_assert!(after.options[0].tiers[1].met, "{partner}");
        }
    }
}
