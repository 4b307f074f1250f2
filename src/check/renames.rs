//! Credential renames: the former names a credential declares with
//! `formerly`, checked so that every name (current or former) means exactly
//! one credential, and so that groups name credentials by their current name.

use std::collections::HashMap;

use super::declare::Declared;
use super::{Checker, PolicyError, sp};
use crate::ast::{self, Span};
use crate::model::exam_key;

/// Every former name of the catalog, by its exam-code key: the credential
/// it now names (an index into the catalog) and where it is written.
#[derive(Default)]
pub(super) struct FormerNames {
    by_key: HashMap<String, (usize, String, Span)>,
}

impl FormerNames {
    /// The current code of the credential `code` is a former name of, if it is one.
    pub(super) fn renamed_to(&self, code: &str) -> Option<&str> {
        self.by_key
            .get(&exam_key(code))
            .map(|(_, current, _)| current.as_str())
    }
}

impl Checker {
    /// Indexes the former names of every credential in the catalog,
    /// reporting one that is the name of a credential (this one or
    /// another) or a former name of another credential as well.
    pub(super) fn former_names(&mut self, c: &ast::Competency, declared: &Declared) -> FormerNames {
        let names = &declared.names.exams;
        let mut former = FormerNames::default();
        let exams = c.items.iter().filter_map(|i| match i {
            ast::Item::Exam(e) => Some(e),
            _ => None,
        });
        for exam in exams.filter(|e| names.is_declaration(&e.code.code, e.code.span)) {
            let Some(index) = names.get(&exam.code.code) else {
                continue;
            };
            for name in &exam.former_names {
                let key = exam_key(&name.code);
                if let Some(other) = names.get(&name.code) {
                    let other_code = declared
                        .policy
                        .exams
                        .get(other)
                        .map_or_else(|| name.code.clone(), |e| e.code.clone());
                    let (reason, help, first) = if other == index {
                        (
                            "it is its own name".to_owned(),
                            "a credential's former names are the names it had before; drop this one"
                                .to_owned(),
                            exam.code.span,
                        )
                    } else {
                        (
                            format!("it is the code of `{other_code}`, also in the catalog"),
                            format!(
                                "passes of `{}` would count as passes of both; if `{other_code}` was renamed `{}`, drop the declaration of `{other_code}`, otherwise drop `{}` from the former names",
                                name.code, exam.code.code, name.code
                            ),
                            declared
                                .policy
                                .exams
                                .get(other)
                                .map_or(exam.code.span, |e| e.span),
                        )
                    };
                    self.errors.push(PolicyError::FormerNameClash {
                        name: name.code.clone(),
                        renamed: exam.code.code.clone(),
                        reason,
                        other: other_code,
                        span: sp(name.span),
                        first: sp(first),
                        help,
                    });
                    continue;
                }
                match former.by_key.get(&key) {
                    Some((_, current, first)) => {
                        let other_code = current.clone();
                        let reason = if other_code == exam.code.code {
                            "it is listed twice".to_owned()
                        } else {
                            format!("it is already a former name of `{other_code}`")
                        };
                        let help = if other_code == exam.code.code {
                            "drop one of them".to_owned()
                        } else {
                            format!(
                                "one old name can have become only one credential: keep `{}` as a former name of `{other_code}` or of `{}`, not both",
                                name.code, exam.code.code
                            )
                        };
                        self.errors.push(PolicyError::FormerNameClash {
                            name: name.code.clone(),
                            renamed: exam.code.code.clone(),
                            reason,
                            other: other_code,
                            span: sp(name.span),
                            first: sp(*first),
                            help,
                        });
                    }
                    None => {
                        former
                            .by_key
                            .insert(key, (index, exam.code.code.clone(), name.span));
                    }
                }
            }
        }
        former
    }
}
