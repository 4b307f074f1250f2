//! The role pass: what each role's people must pass, written as a group's
//! name, an exam code from the catalog (`1 passing MB6-890`) or a list in
//! place (`2 passing any of 70-347, 70-339`). Codes and lists become groups
//! of their own, marked [`ExamGroup::in_role`], so evaluation and reports
//! treat them as any group; the same code or list written twice is one group.

use std::collections::HashMap;

use super::declare::{Declared, Scope};
use super::renames::FormerNames;
use super::{Checker, MAX_GROUPS, PolicyError, sp};
use crate::ast::{self, RoleRef};
use crate::model::*;

impl Checker {
    /// Resolves every reference of every role, adding a group for each
    /// exam code or list written in a role. The result is kept by span in
    /// `role_refs` for [`Checker::role`].
    pub(super) fn resolve_role_refs(
        &mut self,
        c: &ast::Competency,
        declared: &mut Declared,
        former: &FormerNames,
    ) {
        let Declared { policy, names, .. } = declared;
        let mut written: HashMap<(bool, Vec<GroupMember>), GroupId> = HashMap::new();
        for role in roles_of(c) {
            for r in &role.groups {
                let Some((quantifier, members)) = self.role_ref_members(r, names, former) else {
                    continue;
                };
                let id = match members.as_slice() {
                    // A declared group named alone is that group.
                    [GroupMember::Group(g)] if matches!(r, RoleRef::Name(_)) => *g,
                    _ => {
                        // `any of A, B` and `one of B, A` are one group.
                        let mut sorted = members.clone();
                        sorted.sort_by_key(|m| match m {
                            GroupMember::Exam(e) => (0, e.0),
                            GroupMember::Group(g) => (1, g.0),
                        });
                        sorted.dedup();
                        let key = (quantifier == Quantifier::All, sorted);
                        if let Some(id) = written.get(&key) {
                            *id
                        } else {
                            if policy.groups.len() == MAX_GROUPS {
                                self.errors.push(PolicyError::TooManyGroups {
                                    max: MAX_GROUPS,
                                    span: sp(r.span()),
                                });
                            }
                            let id = GroupId(policy.groups.len());
                            policy.groups.push(ExamGroup {
                                name: r.text(),
                                quantifier,
                                members,
                                span: r.span(),
                                in_role: true,
                            });
                            written.insert(key, id);
                            id
                        }
                    }
                };
                self.role_refs.insert((r.span().start, r.span().end), id);
            }
        }
    }

    /// What a reference asks for: a quantifier and its members; `None`
    /// when a name is unknown (reported).
    fn role_ref_members(
        &mut self,
        r: &RoleRef,
        names: &Scope,
        former: &FormerNames,
    ) -> Option<(Quantifier, Vec<GroupMember>)> {
        match r {
            RoleRef::Name(code) => {
                if !code.quoted
                    && let Some(g) = names.groups.get(&code.code)
                {
                    return Some((Quantifier::Any, vec![GroupMember::Group(GroupId(g))]));
                }
                if let Some(e) = names.exams.get(&code.code) {
                    return Some((Quantifier::Any, vec![GroupMember::Exam(ExamId(e))]));
                }
                if let Some(current) = former.renamed_to(&code.code) {
                    // A role names credentials by their current names, as
                    // groups do.
                    self.errors.push(PolicyError::FormerNameInGroup {
                        name: code.code.clone(),
                        current: current.to_owned(),
                        span: sp(code.span),
                    });
                } else {
                    self.unknown_role_name(code, names);
                }
                None
            }
            RoleRef::List {
                quantifier,
                members,
                ..
            } => {
                let resolved = self.members(members, names, former);
                (resolved.len() == members.len()).then_some((*quantifier, resolved))
            }
        }
    }

    /// Reports a name in a role that is neither a group nor a catalog exam:
    /// as an unknown group when it could be a group's name, else as an
    /// unknown exam.
    fn unknown_role_name(&mut self, code: &ast::ExamCode, names: &Scope) {
        let could_be_group = !code.quoted
            && code
                .code
                .starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && code
                .code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_');
        let name = code.code.clone();
        let span = sp(code.span);
        if could_be_group {
            let help = names
                .groups
                .suggest_except(&name, &[])
                .or_else(|| names.exams.suggest_except(&name, &[]))
                .unwrap_or_else(|| {
                    format!(
                        "declare it: `group {name} = any of CODE, CODE`; or, for an exam, add it to the catalog (`exam {name} \"Title\"`) and keep `passing {name}`"
                    )
                });
            self.errors
                .push(PolicyError::UnknownGroup { name, span, help });
        } else {
            let help = names.exams.suggest_except(&name, &[]).unwrap_or_else(|| {
                format!(
                    "add it to the catalog (`exam {} \"Title\"`); a role may name an exam directly",
                    written(code)
                )
            });
            self.errors
                .push(PolicyError::UnknownExam { name, span, help });
        }
    }
}

/// The code as a policy writes it.
fn written(code: &ast::ExamCode) -> String {
    RoleRef::Name(code.clone()).text()
}

/// Every role of every option, in source order.
pub(super) fn roles_of(c: &ast::Competency) -> Vec<&ast::Role> {
    leaf_requirements(c)
        .into_iter()
        .flat_map(|r| match r {
            ast::Requirement::People(p) => p.roles.as_slice(),
            _ => &[],
        })
        .collect()
}

/// Every requirement of every option that is not an `either`, with those
/// inside `either` branches, in source order.
pub(super) fn leaf_requirements(c: &ast::Competency) -> Vec<&ast::Requirement> {
    fn walk<'a>(reqs: &'a [ast::Requirement], out: &mut Vec<&'a ast::Requirement>) {
        for r in reqs {
            match r {
                ast::Requirement::Either(branches, _) => {
                    for b in branches {
                        walk(&b.requirements, out);
                    }
                }
                leaf => out.push(leaf),
            }
        }
    }
    let mut out = Vec::new();
    for item in &c.items {
        if let ast::Item::Option(o) = item {
            for t in &o.tiers {
                walk(&t.requirements, &mut out);
            }
        }
    }
    out
}
