//! Conditions on line fields (`where segment is "enterprise"`): each names a
//! declared field and, for a closed field, values it may take; one
//! condition per field and measure, and never one that no line can meet.

use super::declare::Scope;
use super::{Checker, PolicyError, sp};
use crate::ast;
use crate::model::{Field, FieldCondition, FieldId, same_name};

impl Checker {
    /// The conditions of measure `measure` on line fields, resolved; those
    /// with errors are reported and left out.
    pub(super) fn field_conditions(
        &mut self,
        measure: &str,
        conditions: &[ast::FieldCondition],
        names: &Scope,
        fields: &[Field],
    ) -> Vec<FieldCondition> {
        let mut out: Vec<FieldCondition> = Vec::new();
        let mut seen: Vec<(usize, &ast::FieldCondition)> = Vec::new();
        for c in conditions {
            let name = &c.field.name;
            let Some(i) = self.resolve(
                &names.fields,
                (name, c.field.span),
                &[],
                |name, span, help| PolicyError::UnknownField { name, span, help },
                || {
                    format!(
                        "declare the field the lines carry in the competency: `field {name} \"Title\"`, with its values when they are a fixed set: `field {name} = \"a\", \"b\"`"
                    )
                },
            ) else {
                continue;
            };
            let Some(field) = fields.get(i) else {
                continue;
            };
            let mut valid = self.values_in_field(c, field);
            if let Some(repeated) = repeated_value(c) {
                valid = false;
                self.errors.push(PolicyError::FieldConditionClash {
                    reason: format!(
                        "`{}` is listed twice in a condition on `{name}`",
                        repeated.value
                    ),
                    span: sp(repeated.span),
                    label: "listed again".to_owned(),
                    first: None,
                    help: "list each value once".to_owned(),
                });
            }
            if let Some((_, first)) = seen.iter().find(|(f, _)| *f == i) {
                let never = !satisfiable(field, &[first, c]);
                let reason = if never {
                    format!("no line can meet both conditions on `{name}` in measure `{measure}`")
                } else {
                    format!("field `{name}` is tested twice in measure `{measure}`")
                };
                self.errors.push(PolicyError::FieldConditionClash {
                    reason,
                    span: sp(c.span),
                    label: if never {
                        "contradicts the first condition".to_owned()
                    } else {
                        "tested again".to_owned()
                    },
                    first: Some(sp(first.span)),
                    help: format!(
                        "test each field once in a measure: for several values write `where {name} is one of \"a\", \"b\"`; to leave values out, `where {name} is not one of \"a\", \"b\"`"
                    ),
                });
                continue;
            }
            seen.push((i, c));
            if valid && !satisfiable(field, &[c]) {
                valid = false;
                self.errors.push(PolicyError::FieldConditionClash {
                    reason: format!(
                        "no line can meet this condition on `{name}` in measure `{measure}`"
                    ),
                    span: sp(c.span),
                    label: format!("leaves out every value `{name}` may take"),
                    first: None,
                    help: format!(
                        "drop the condition to count every value of `{name}`, or name the values that count: `where {name} is one of ...`"
                    ),
                });
            }
            if valid {
                out.push(FieldCondition {
                    field: FieldId(i),
                    values: c.values.iter().map(|v| v.value.clone()).collect(),
                    negated: c.negated.is_some(),
                    span: c.span,
                });
            }
        }
        out
    }

    /// Reports each value of `c` that the closed `field` cannot take;
    /// whether all can.
    fn values_in_field(&mut self, c: &ast::FieldCondition, field: &Field) -> bool {
        let Some(declared) = &field.values else {
            return true;
        };
        let mut valid = true;
        for v in &c.values {
            if declared.iter().any(|d| same_name(&v.value, d)) {
                continue;
            }
            valid = false;
            let listed: Vec<String> = declared.iter().map(|d| format!("\"{d}\"")).collect();
            let guess = declared
                .iter()
                .find(|d| {
                    strsim::damerau_levenshtein(&v.value.to_lowercase(), &d.to_lowercase())
                        <= (d.chars().count() / 3).max(1)
                })
                .map(|d| format!("did you mean \"{d}\"? "))
                .unwrap_or_default();
            self.errors.push(PolicyError::NotAFieldValue {
                value: v.value.clone(),
                field: field.id.clone(),
                span: sp(v.span),
                declared: sp(field.span),
                help: format!(
                    "{guess}`{}` takes {}; add the value to the field's declaration if the data uses it",
                    field.id,
                    listed.join(", ")
                ),
            });
        }
        valid
    }
}

/// The first value a condition lists twice.
fn repeated_value(c: &ast::FieldCondition) -> Option<&ast::Text> {
    c.values.iter().enumerate().find_map(|(k, v)| {
        c.values
            .get(..k)?
            .iter()
            .any(|w| same_name(&w.value, &v.value))
            .then_some(v)
    })
}

/// Whether some line value of `field` meets every condition: one of a
/// closed field's values, or, for an open field, a value named in the
/// conditions or any other.
fn satisfiable(field: &Field, conditions: &[&ast::FieldCondition]) -> bool {
    let holds = |c: &ast::FieldCondition, value: Option<&str>| {
        let listed = value.is_some_and(|v| c.values.iter().any(|w| same_name(v, &w.value)));
        listed != c.negated.is_some()
    };
    let named: Vec<Option<&str>> = match &field.values {
        Some(values) => values.iter().map(|v| Some(v.as_str())).collect(),
        None => conditions
            .iter()
            .flat_map(|c| c.values.iter().map(|v| Some(v.value.as_str())))
            .chain(std::iter::once(None))
            .collect(),
    };
    named
        .into_iter()
        .any(|value| conditions.iter().all(|c| holds(c, value)))
}
