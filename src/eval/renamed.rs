//! Passes recorded under a credential's former name: they count as passes of
//! the credential it was renamed to, and the evidence says so, so that a
//! reader who looks for `70-533` in the data and finds `70-532` knows why.

use chrono::NaiveDate;

use crate::data::Partner;
use crate::model::Policy;

/// A pass recorded under a former name of a credential.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenamedPass<'a> {
    /// Index of the person in the partner's people.
    pub person: usize,
    /// The code as the data records it (a former name).
    pub recorded_as: &'a str,
    /// The credential's current code in the catalog.
    pub counted_as: &'a str,
    /// The pass date. Whether it counts at the as-of date is judged as
    /// for any pass of the credential.
    pub passed: NaiveDate,
}

/// Every pass of `partner` recorded under a former name of a credential in
/// `policy`'s catalog, in the order of the data. Empty (and free) when no
/// credential declares a former name.
pub fn renamed_passes<'a>(policy: &'a Policy, partner: &'a Partner<'a>) -> Vec<RenamedPass<'a>> {
    if policy.exams.iter().all(|e| e.former_names.is_empty()) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (p, person) in partner.people.iter().enumerate() {
        for pass in &person.exams {
            let found = policy
                .exams
                .iter()
                .find_map(|e| e.former_name_of(&pass.code).map(|_| e));
            if let Some(exam) = found {
                out.push(RenamedPass {
                    person: p,
                    recorded_as: &pass.code,
                    counted_as: &exam.code,
                    passed: pass.passed,
                });
            }
        }
    }
    out
}
