//! Why not: the smallest change that would fill a people requirement.
//!
//! Filling a slot with an existing person costs the groups that person still
//! lacks for the role; a new person costs all of the role's groups. The
//! cheapest way to fill every slot is a minimum-cost flow (source → role →
//! person, or a new person → sink); existing people are preferred when a new
//! person would cost the same. People with the same groups form one class, so
//! the network stays small however many people there are.
//!
//! When roles compete for the same few people, the Hall's-theorem bottleneck
//! names them: a set of roles needing more people than qualify for any of them.

use super::assign::RoleSlots;

/// The smallest change that fills a people requirement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeopleGap {
    /// Group passes needed in all (one per missing group).
    pub cost: u64,
    /// Existing people to upgrade: (person index, role index, groups they lack).
    pub upgrades: Vec<Upgrade>,
    /// New people needed: (role index, how many, the groups each must pass).
    pub new_people: Vec<NewPeople>,
    /// Roles that compete for too few qualified people, if any.
    pub bottleneck: Option<Bottleneck>,
}

/// An existing person who would fill a slot after passing more groups.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upgrade {
    /// Index of the person in the partner's people.
    pub person: usize,
    /// Index of the role they would fill.
    pub role: usize,
    /// The groups (bits) they still lack for it; never empty.
    pub missing: u64,
}

/// People the partner does not have yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPeople {
    /// Index of the role.
    pub role: usize,
    /// How many.
    pub count: u32,
    /// The groups (bits) each must pass.
    pub groups: u64,
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

/// Bits of `mask` set.
fn count_groups(mask: u64) -> u64 {
    u64::from(mask.count_ones())
}

/// The cheapest way to fill every slot: for `distinct` requirements a
/// minimum-cost flow; for shared ones each role on its own.
pub fn people_gap(roles: &[RoleSlots], people: &[u64], distinct: bool) -> PeopleGap {
    let (upgrades, new_people) = if distinct {
        distinct_gap(roles, people)
    } else {
        shared_gap(roles, people)
    };
    let cost = upgrades
        .iter()
        .map(|u| count_groups(u.missing))
        .sum::<u64>()
        + new_people
            .iter()
            .map(|n| u64::from(n.count) * count_groups(n.groups))
            .sum::<u64>();
    PeopleGap {
        cost,
        upgrades,
        new_people,
        bottleneck: if distinct {
            bottleneck(roles, people)
        } else {
            None
        },
    }
}

fn shared_gap(roles: &[RoleSlots], people: &[u64]) -> (Vec<Upgrade>, Vec<NewPeople>) {
    let mut upgrades = Vec::new();
    let mut new_people = Vec::new();
    for (r, role) in roles.iter().enumerate() {
        // The people closest to qualifying, fewest missing groups first.
        let mut by_cost: Vec<(u64, usize)> = people
            .iter()
            .enumerate()
            .map(|(p, mask)| (count_groups(role.groups & !mask), p))
            .collect();
        by_cost.sort_unstable();
        let mut filled = 0u32;
        for (cost, p) in by_cost {
            // Existing people first, even one holding none of the groups
            // costs no more than a new person.
            if filled == role.count {
                break;
            }
            if cost > 0 {
                let mask = people.get(p).copied().unwrap_or(0);
                upgrades.push(Upgrade {
                    person: p,
                    role: r,
                    missing: role.groups & !mask,
                });
            }
            filled += 1;
        }
        if filled < role.count {
            new_people.push(NewPeople {
                role: r,
                count: role.count - filled,
                groups: role.groups,
            });
        }
    }
    (upgrades, new_people)
}

fn distinct_gap(roles: &[RoleSlots], people: &[u64]) -> (Vec<Upgrade>, Vec<NewPeople>) {
    // Classes of people with the same groups among those the roles name
    // (others change no cost), members in input order.
    let relevant = roles.iter().fold(0u64, |all, r| all | r.groups);
    let mut classes: Vec<(u64, Vec<usize>)> = Vec::new();
    let mut class_of: std::collections::HashMap<u64, usize> = std::collections::HashMap::new();
    for (p, mask) in people.iter().enumerate() {
        let mask = mask & relevant;
        let c = *class_of.entry(mask).or_insert_with(|| {
            classes.push((mask, Vec::new()));
            classes.len() - 1
        });
        if let Some((_, members)) = classes.get_mut(c) {
            members.push(p);
        }
    }
    // Nodes: 0 source, 1 sink, 2 new people, 3.. roles, then classes.
    let role_node = |r: usize| 3 + r;
    let class_node = |c: usize| 3 + roles.len() + c;
    let mut net = CostNetwork::new(3 + roles.len() + classes.len());
    // Costs are doubled, plus one for a new person: an existing person is
    // chosen over a new one whenever they would cost the same.
    let mut role_class = Vec::new();
    let mut role_new = Vec::new();
    for (r, role) in roles.iter().enumerate() {
        net.add_edge(0, role_node(r), i64::from(role.count), 0);
        for (c, (mask, _)) in classes.iter().enumerate() {
            let cost = 2 * count_groups(role.groups & !mask) as i64;
            role_class.push((
                r,
                c,
                net.add_edge(role_node(r), class_node(c), i64::MAX / 4, cost),
            ));
        }
        let cost = 2 * count_groups(role.groups) as i64 + 1;
        role_new.push((r, net.add_edge(role_node(r), 2, i64::MAX / 4, cost)));
    }
    for (c, (_, members)) in classes.iter().enumerate() {
        net.add_edge(class_node(c), 1, members.len() as i64, 0);
    }
    net.add_edge(2, 1, i64::MAX / 4, 0);
    net.min_cost_flow(0, 1);

    let mut next_in_class = vec![0usize; classes.len()];
    let mut upgrades = Vec::new();
    for (r, c, e) in role_class {
        let (Some(role), Some((mask, members)), Some(next)) =
            (roles.get(r), classes.get(c), next_in_class.get_mut(c))
        else {
            continue;
        };
        for _ in 0..net.flow(e) {
            let Some(&person) = members.get(*next) else {
                break;
            };
            *next += 1;
            let missing = role.groups & !mask;
            if missing != 0 {
                upgrades.push(Upgrade {
                    person,
                    role: r,
                    missing,
                });
            }
        }
    }
    let new_people = role_new
        .into_iter()
        .filter_map(|(r, e)| {
            let count = u32::try_from(net.flow(e)).ok().filter(|n| *n > 0)?;
            Some(NewPeople {
                role: r,
                count,
                groups: roles.get(r)?.groups,
            })
        })
        .collect();
    (upgrades, new_people)
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
    adjacent: Vec<Vec<usize>>,
}

impl CostNetwork {
    fn new(nodes: usize) -> Self {
        CostNetwork {
            edges: Vec::new(),
            adjacent: vec![Vec::new(); nodes],
        }
    }

    fn add_edge(&mut self, from: usize, to: usize, capacity: i64, cost: i64) -> usize {
        let e = self.edges.len();
        self.edges.push((to, capacity, cost, 0));
        self.edges.push((from, 0, -cost, 0));
        if let Some(list) = self.adjacent.get_mut(from) {
            list.push(e);
        }
        if let Some(list) = self.adjacent.get_mut(to) {
            list.push(e + 1);
        }
        e
    }

    fn flow(&self, e: usize) -> u64 {
        self.edges
            .get(e)
            .map_or(0, |(_, _, _, flow)| u64::try_from(*flow).unwrap_or(0))
    }

    fn min_cost_flow(&mut self, source: usize, sink: usize) {
        let n = self.adjacent.len();
        loop {
            // Shortest path by cost in the residual network.
            let mut distance = vec![i64::MAX; n];
            let mut via: Vec<Option<usize>> = vec![None; n];
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
            let mut path = Vec::new();
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
            for e in path {
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
