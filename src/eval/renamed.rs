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

/// Which list of a partner's lines a line is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineList {
    /// `revenue`.
    Revenue,
    /// `usage`.
    Usage,
}

/// A revenue or usage line recorded under a former name of a product.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenamedLine<'a> {
    /// Whether it is a revenue or a usage line.
    pub list: LineList,
    /// Its index in that list, from 0.
    pub line: usize,
    /// The product as the data records it (a former name).
    pub recorded_as: &'a str,
    /// The product's current name in the catalogue.
    pub counted_as: &'a str,
    /// The line's date.
    pub date: NaiveDate,
}

/// Every revenue and usage line of `partner` recorded under a former name
/// of a product in `policy`'s catalogue, revenue first, in the order of
/// the data. Empty (and free) when no product declares a former name.
pub fn renamed_lines<'a>(policy: &'a Policy, partner: &'a Partner<'a>) -> Vec<RenamedLine<'a>> {
    if policy.products.iter().all(|p| p.former_names.is_empty()) {
        return Vec::new();
    }
    let revenue = partner
        .revenue
        .iter()
        .map(|l| (LineList::Revenue, &*l.product, l.date));
    let usage = partner
        .usage
        .iter()
        .map(|l| (LineList::Usage, &*l.product, l.date));
    let mut index = [0usize; 2];
    revenue
        .chain(usage)
        .filter_map(|(list, product, date)| {
            let slot = index.get_mut(list as usize)?;
            let line = *slot;
            *slot += 1;
            let (current, former) = policy.product_of(product)?;
            former?;
            Some(RenamedLine {
                list,
                line,
                recorded_as: product,
                counted_as: &current.name,
                date,
            })
        })
        .collect()
}
