//! The versions of one competency, and the version in force at a date.
//!
//! A partner program keeps every version of a competency: the same id, each
//! with its own `effective` date. Given several checked versions, this
//! module orders them and says which applies at an as-of date: the latest
//! whose `effective` date is on or before it. Two versions that take effect
//! on the same day, versions of different competencies, and a version with
//! no `effective` date among several are errors, since no date could then
//! pick one version.
//!
//! ```
//! use rubric::versions::{PolicyVersion, Versions};
//! let read = |path: &str| {
//!     let source = std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap();
//!     PolicyVersion { name: path.to_owned(), policy: rubric::load_policy(&source).unwrap(), source }
//! };
//! let versions = Versions::new(vec![
//!     read("policies/history/cloud_crm.2018-01.policy"),
//!     read("policies/cloud_crm.policy"),
//! ])
//! .unwrap();
//! let date = |d: &str| d.parse::<chrono::NaiveDate>().unwrap();
//! assert_eq!(versions.in_force(date("2017-12-31")).version.name, "policies/cloud_crm.policy");
//! assert_eq!(versions.in_force(date("2018-01-01")).version.policy.version.as_deref(), Some("2018-01"));
//! assert!(versions.in_force(date("2017-01-01")).before_first);
//! ```

use chrono::NaiveDate;
use miette::Diagnostic;
use thiserror::Error;

use crate::model::Policy;

/// One version of a competency: its file, its text and its checked policy.
#[derive(Clone, Debug)]
pub struct PolicyVersion {
    /// The file as the user named it.
    pub name: String,
    /// Its text.
    pub source: String,
    /// Its checked policy.
    pub policy: Policy,
}

/// Why a set of files is not a set of versions of one competency.
#[derive(Debug, Error, Diagnostic, Clone, PartialEq, Eq)]
pub enum VersionError {
    /// Two versions take effect on the same day.
    #[error("`{first}` and `{second}` are both versions of `{id}` taking effect on {effective}")]
    #[diagnostic(
        code(E0700),
        help(
            "no as-of date could pick one of them: give the newer version a later `effective` date, or remove one of the files"
        )
    )]
    SameEffectiveDate {
        /// The competency.
        id: String,
        /// Their `effective` date.
        effective: NaiveDate,
        /// One file.
        first: String,
        /// The other.
        second: String,
    },
    /// Files of different competencies given as versions of one.
    #[error("`{file}` is a version of `{id}`, but `{first_file}` is a version of `{first_id}`")]
    #[diagnostic(
        code(E0701),
        help(
            "versions of one competency share its id; give each competency's versions their own directory"
        )
    )]
    OtherCompetency {
        /// The odd file.
        file: String,
        /// Its competency.
        id: String,
        /// The first file.
        first_file: String,
        /// Its competency.
        first_id: String,
    },
    /// A version with no `effective` date among several.
    #[error(
        "`{file}` has no `effective` date, so no as-of date can pick it among the versions of `{id}`"
    )]
    #[diagnostic(
        code(E0702),
        help("add `effective YYYY-MM-DD` to its header: the first day its rules apply")
    )]
    NoEffectiveDate {
        /// The file.
        file: String,
        /// Its competency.
        id: String,
    },
}

/// The versions of one competency, oldest first.
#[derive(Clone, Debug)]
pub struct Versions {
    /// The oldest version: there is always one.
    oldest: PolicyVersion,
    /// The others, oldest first.
    newer: Vec<PolicyVersion>,
}

/// The version that applies at a date.
#[derive(Clone, Copy, Debug)]
pub struct InForce<'v> {
    /// The version.
    pub version: &'v PolicyVersion,
    /// The date is before every version's `effective` date: the oldest
    /// version applies, though it was not yet in force (callers note it).
    pub before_first: bool,
}

impl Versions {
    /// The versions, checked to be of one competency with distinct
    /// `effective` dates (a single version needs none). Every problem is
    /// reported, not just the first.
    pub fn new(mut versions: Vec<PolicyVersion>) -> Result<Versions, Vec<VersionError>> {
        let mut errors = Vec::new();
        if let Some(first) = versions.first() {
            for other in versions.iter().skip(1) {
                if other.policy.id != first.policy.id {
                    errors.push(VersionError::OtherCompetency {
                        file: other.name.clone(),
                        id: other.policy.id.clone(),
                        first_file: first.name.clone(),
                        first_id: first.policy.id.clone(),
                    });
                }
            }
        }
        if versions.len() > 1 {
            for v in &versions {
                if v.policy.effective.is_none() {
                    errors.push(VersionError::NoEffectiveDate {
                        file: v.name.clone(),
                        id: v.policy.id.clone(),
                    });
                }
            }
        }
        // A stable sort: one version without a date stays first.
        versions.sort_by_key(|v| v.policy.effective);
        for pair in versions.windows(2) {
            if let [a, b] = pair
                && let (Some(x), Some(y)) = (a.policy.effective, b.policy.effective)
                && x == y
                && a.policy.id == b.policy.id
            {
                errors.push(VersionError::SameEffectiveDate {
                    id: a.policy.id.clone(),
                    effective: x,
                    first: a.name.clone(),
                    second: b.name.clone(),
                });
            }
        }
        let mut versions = versions.into_iter();
        match versions.next() {
            Some(oldest) if errors.is_empty() => Ok(Versions {
                oldest,
                newer: versions.collect(),
            }),
            _ => Err(errors),
        }
    }

    /// Every version, oldest first.
    pub fn all(&self) -> impl Iterator<Item = &PolicyVersion> {
        std::iter::once(&self.oldest).chain(&self.newer)
    }

    /// The version in force at `as_of`: the latest whose `effective` date
    /// is on or before it; before them all, the oldest.
    pub fn in_force(&self, as_of: NaiveDate) -> InForce<'_> {
        let in_force = |v: &PolicyVersion| v.policy.effective.is_none_or(|e| e <= as_of);
        match self.newer.iter().rev().find(|v| in_force(v)) {
            Some(version) => InForce {
                version,
                before_first: false,
            },
            None => InForce {
                version: &self.oldest,
                before_first: !in_force(&self.oldest),
            },
        }
    }

    /// The dates on which a later version takes effect, in order.
    pub fn changes(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.newer.iter().filter_map(|v| v.policy.effective)
    }
}
