//! Filling roles with people, exactly.
//!
//! In a `distinct` requirement every slot needs a different person, and a
//! person qualifies for a role when they satisfy all of its groups. Greedy
//! first-fit is wrong (someone who qualifies for everything, taken for the
//! first role, can starve the second), so this is solved as a maximum flow:
//! source → role (capacity: head count) → class of people → sink (capacity:
//! people in the class). People are grouped into classes by the set of roles
//! they qualify for, so the network has at most `roles + 2^roles` nodes
//! however many people there are, and the cost stays linear in people.

/// A role to fill: how many people, and the groups (bits) each must hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RoleSlots {
    /// Head count.
    pub count: u32,
    /// Bit mask of the groups required; a person qualifies when their groups
    /// include all of these bits.
    pub groups: u64,
}

/// People chosen for each role, by index into the people slice, in role order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    /// For each role, the people filling it (at most its count).
    pub filled: Vec<Vec<usize>>,
    /// For each role, how many people qualify for it at all.
    pub qualified: Vec<usize>,
}

impl Assignment {
    /// Whether every role is filled to its head count.
    pub fn complete(&self, roles: &[RoleSlots]) -> bool {
        roles
            .iter()
            .zip(&self.filled)
            .all(|(r, f)| f.len() as u64 >= u64::from(r.count))
    }
}

/// Assigns people (given as group masks) to roles. With `distinct`, nobody
/// fills two slots and the number of filled slots is the largest possible;
/// otherwise each role takes the first qualified people independently.
/// The result is deterministic: the same roles and people in the same order
/// always give the same assignment; within a class of people who qualify for
/// the same roles, earlier people are chosen first.
pub fn assign(roles: &[RoleSlots], people: &[u64], distinct: bool) -> Assignment {
    let qualifies = |person: u64, role: &RoleSlots| person & role.groups == role.groups;
    let qualified: Vec<usize> = roles
        .iter()
        .map(|r| people.iter().filter(|p| qualifies(**p, r)).count())
        .collect();
    if !distinct {
        let filled = roles
            .iter()
            .map(|r| {
                (0..people.len())
                    .filter(|&i| people.get(i).is_some_and(|p| qualifies(*p, r)))
                    .take(r.count as usize)
                    .collect()
            })
            .collect();
        return Assignment { filled, qualified };
    }

    // Classes: people grouped by the set of roles they qualify for. With
    // few roles there are few classes and a scan beats hashing; with many,
    // an index keeps the grouping linear in people.
    let mut classes: Vec<(u64, Vec<usize>)> = Vec::new();
    let mut index: std::collections::HashMap<u64, usize> = std::collections::HashMap::new();
    let few_roles = roles.len() <= 6;
    for (i, person) in people.iter().enumerate() {
        let mut signature = 0u64;
        for (r, role) in roles.iter().enumerate().take(64) {
            if qualifies(*person, role) {
                signature |= 1 << r;
            }
        }
        if signature == 0 {
            continue;
        }
        let found = if few_roles {
            classes.iter().position(|(s, _)| *s == signature)
        } else {
            index.get(&signature).copied()
        };
        let c = found.unwrap_or_else(|| {
            classes.push((signature, Vec::new()));
            if !few_roles {
                index.insert(signature, classes.len() - 1);
            }
            classes.len() - 1
        });
        if let Some((_, members)) = classes.get_mut(c) {
            members.push(i);
        }
    }

    // Nodes: 0 source, 1 sink, 2.. roles, then classes.
    let role_node = |r: usize| 2 + r;
    let class_node = |c: usize| 2 + roles.len() + c;
    let mut net = FlowNetwork::new(2 + roles.len() + classes.len());
    let mut role_class_edges = Vec::new();
    for (r, role) in roles.iter().enumerate() {
        net.add_edge(0, role_node(r), u64::from(role.count));
        for (c, (signature, _)) in classes.iter().enumerate() {
            if r < 64 && signature & (1 << r) != 0 {
                let e = net.add_edge(role_node(r), class_node(c), u64::MAX);
                role_class_edges.push((r, c, e));
            }
        }
    }
    for (c, (_, members)) in classes.iter().enumerate() {
        net.add_edge(class_node(c), 1, members.len() as u64);
    }
    net.max_flow(0, 1);

    // Hand out concrete people: each class's members in input order, to roles in order.
    let mut next_in_class = vec![0usize; classes.len()];
    let mut filled = vec![Vec::new(); roles.len()];
    for (r, c, e) in role_class_edges {
        let flow = net.flow(e);
        let (Some((_, members)), Some(next), Some(slot)) =
            (classes.get(c), next_in_class.get_mut(c), filled.get_mut(r))
        else {
            continue;
        };
        for _ in 0..flow {
            if let Some(&person) = members.get(*next) {
                slot.push(person);
                *next += 1;
            }
        }
    }
    for slot in &mut filled {
        slot.sort_unstable();
    }
    Assignment { filled, qualified }
}

/// A small flow network solved with Edmonds–Karp (shortest augmenting paths).
struct FlowNetwork {
    /// Edges as (to, capacity, flow); edge `e ^ 1` is the reverse of `e`,
    /// whose flow is always the negation of `e`'s.
    edges: Vec<(usize, i64, i64)>,
    adjacent: Vec<Vec<usize>>,
}

impl FlowNetwork {
    fn new(nodes: usize) -> Self {
        FlowNetwork {
            edges: Vec::new(),
            adjacent: vec![Vec::new(); nodes],
        }
    }

    fn add_edge(&mut self, from: usize, to: usize, capacity: u64) -> usize {
        let e = self.edges.len();
        let capacity = i64::try_from(capacity).unwrap_or(i64::MAX);
        self.edges.push((to, capacity, 0));
        self.edges.push((from, 0, 0));
        if let Some(list) = self.adjacent.get_mut(from) {
            list.push(e);
        }
        if let Some(list) = self.adjacent.get_mut(to) {
            list.push(e + 1);
        }
        e
    }

    fn residual(&self, e: usize) -> i64 {
        self.edges.get(e).map_or(0, |(_, cap, flow)| cap - flow)
    }

    fn flow(&self, e: usize) -> u64 {
        self.edges
            .get(e)
            .map_or(0, |(_, _, flow)| u64::try_from(*flow).unwrap_or(0))
    }

    /// The node an edge starts from: where its reverse edge points.
    fn tail(&self, e: usize) -> Option<usize> {
        self.edges.get(e ^ 1).map(|(to, _, _)| *to)
    }

    fn max_flow(&mut self, source: usize, sink: usize) {
        let mut via: Vec<Option<usize>> = vec![None; self.adjacent.len()];
        let mut queue = std::collections::VecDeque::with_capacity(self.adjacent.len());
        let mut edges: Vec<usize> = Vec::new();
        loop {
            // Breadth-first search for a shortest augmenting path.
            via.iter_mut().for_each(|v| *v = None);
            queue.clear();
            queue.push_back(source);
            let mut reached = false;
            while let Some(node) = queue.pop_front() {
                if node == sink {
                    reached = true;
                    break;
                }
                for &e in self.adjacent.get(node).map_or(&[][..], Vec::as_slice) {
                    let Some(&(to, _, _)) = self.edges.get(e) else {
                        continue;
                    };
                    if to != source && via.get(to) == Some(&None) && self.residual(e) > 0 {
                        if let Some(slot) = via.get_mut(to) {
                            *slot = Some(e);
                        }
                        queue.push_back(to);
                    }
                }
            }
            if !reached {
                return;
            }
            let path = |node: usize| {
                std::iter::successors(via.get(node).copied().flatten(), |&e| {
                    self.tail(e).and_then(|n| via.get(n).copied().flatten())
                })
            };
            let bottleneck = path(sink).map(|e| self.residual(e)).min().unwrap_or(0);
            edges.clear();
            edges.extend(path(sink));
            for &e in &edges {
                if let Some(edge) = self.edges.get_mut(e) {
                    edge.2 += bottleneck;
                }
                if let Some(back) = self.edges.get_mut(e ^ 1) {
                    back.2 -= bottleneck;
                }
            }
            if bottleneck == 0 {
                return;
            }
        }
    }
}
