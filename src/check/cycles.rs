//! Groups that contain themselves, found in time linear in the groups and
//! their members.

use super::{Checker, PolicyError, sp};
use crate::ast;
use crate::model::{ExamGroup, GroupMember};

impl Checker {
    /// Reports the groups that contain themselves: one error for each set
    /// of groups that reach one another (a strongly connected component),
    /// at its first group in declaration order, showing the shortest chain
    /// back to it. Linear in the number of groups and members, so that a
    /// long chain of groups is checked as fast as a flat list.
    pub(super) fn group_cycles(&mut self, groups: &[ExamGroup], decls: &[&ast::GroupDecl]) {
        let n = groups.len();
        let successors: Vec<Vec<usize>> = groups
            .iter()
            .map(|g| {
                g.members
                    .iter()
                    .filter_map(|m| match m {
                        GroupMember::Group(next) if next.0 < n => Some(next.0),
                        _ => None,
                    })
                    .collect()
            })
            .collect();
        let component = components(&successors);
        let mut size = vec![0usize; n];
        for &c in &component {
            if let Some(s) = size.get_mut(c) {
                *s += 1;
            }
        }
        // Breadth-first search state, shared: searches stay inside their
        // component, and components do not overlap.
        let mut parent: Vec<Option<usize>> = vec![None; n];
        let mut reported = vec![false; n];
        for (start, group) in groups.iter().enumerate() {
            let Some(&c) = component.get(start) else {
                continue;
            };
            let Some(next) = successors.get(start) else {
                continue;
            };
            let cyclic = size.get(c).is_some_and(|&s| s > 1) || next.contains(&start);
            if !cyclic || reported.get(c).copied().unwrap_or(true) {
                continue;
            }
            if let Some(flag) = reported.get_mut(c) {
                *flag = true;
            }
            let Some(last) = shortest_way_back(start, &successors, &component, &mut parent) else {
                continue;
            };
            let cycle = cycle_text(groups, start, last, &parent);
            let span = decls
                .get(last)
                .and_then(|d| {
                    d.exams
                        .iter()
                        .find(|code| !code.quoted && code.code == group.name)
                })
                .map_or(group.span, |code| code.span);
            self.errors.push(PolicyError::CyclicGroup {
                name: group.name.clone(),
                cycle,
                span: sp(span),
            });
        }
    }
}

/// The chain of group names from `start` along `parent` links to `last`
/// and back to `start`, as shown in the error: `a → b → a`. A chain of
/// thousands of groups is shown by its ends.
fn cycle_text(groups: &[ExamGroup], start: usize, last: usize, parent: &[Option<usize>]) -> String {
    let mut chain = vec![last];
    let mut node = last;
    while node != start {
        let Some(Some(up)) = parent.get(node) else {
            break;
        };
        node = *up;
        chain.push(node);
    }
    chain.reverse();
    chain.push(start);
    let mut names: Vec<&str> = chain
        .iter()
        .filter_map(|&g| groups.get(g).map(|g| g.name.as_str()))
        .collect();
    if names.len() > 8 {
        let tail = names.split_off(names.len() - 3);
        names.truncate(4);
        names.push("…");
        names.extend(tail);
    }
    names.join(" → ")
}

/// The strongly connected component of each node of a graph given by its
/// successor lists (Tarjan's algorithm, iterative so that a long chain
/// cannot overflow the stack). Numbers are dense from 0.
#[expect(
    clippy::indexing_slicing,
    reason = "every index is a node number below `successors.len()`, the length of each vector, or a frame just pushed"
)]
fn components(successors: &[Vec<usize>]) -> Vec<usize> {
    const UNSEEN: usize = usize::MAX;
    let n = successors.len();
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut component = vec![UNSEEN; n];
    let (mut next_index, mut next_component) = (0, 0);
    // Frames of the depth-first search: a node and its next edge to follow.
    let mut frames: Vec<(usize, usize)> = Vec::new();
    for root in 0..n {
        if index[root] != UNSEEN {
            continue;
        }
        index[root] = next_index;
        low[root] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root] = true;
        frames.push((root, 0));
        while let Some((v, edge)) = frames.pop() {
            if let Some(&w) = successors[v].get(edge) {
                frames.push((v, edge + 1));
                if w >= n {
                    continue;
                }
                if index[w] == UNSEEN {
                    index[w] = next_index;
                    low[w] = next_index;
                    next_index += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    frames.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            // Every edge of `v` followed.
            if low[v] == index[v] {
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component[w] = next_component;
                    if w == v {
                        break;
                    }
                }
                next_component += 1;
            }
            if let Some(&(caller, _)) = frames.last() {
                low[caller] = low[caller].min(low[v]);
            }
        }
    }
    component
}

/// The last node of a shortest path from `start` back to itself inside its
/// component, with `parent` set along the path.
fn shortest_way_back(
    start: usize,
    successors: &[Vec<usize>],
    component: &[usize],
    parent: &mut [Option<usize>],
) -> Option<usize> {
    let home = component.get(start)?;
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        for &next in successors.get(node)? {
            if next == start {
                return Some(node);
            }
            if component.get(next) == Some(home)
                && let Some(slot) = parent.get_mut(next)
                && slot.is_none()
            {
                *slot = Some(node);
                queue.push_back(next);
            }
        }
    }
    None
}
