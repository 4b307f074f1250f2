//! The checked policy: every name resolved to an index, every number, date and
//! currency validated. Later stages (evaluation, lints, rendering) read only
//! this, never the syntax tree; spans are kept so they can still point at the
//! policy text.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::ast::Span;

macro_rules! index_type {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub usize);
    )*};
}

index_type! {
    /// Index into [`Policy::markets`].
    MarketId,
    /// Index into [`Policy::associations`].
    AssociationId,
    /// Index into [`Policy::tiers`]: the tier's rank, lowest first.
    TierLevelId,
    /// Index into [`Policy::exams`].
    ExamId,
    /// Index into [`Policy::groups`].
    GroupId,
    /// Index into [`Policy::measures`].
    MeasureId,
}

/// A checked competency policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// The competency's identifier, e.g. `cloud_crm`.
    pub id: String,
    /// Its published title.
    pub title: Option<String>,
    /// The policy's version label.
    pub version: Option<String>,
    /// The date from which the rules apply.
    pub effective: Option<NaiveDate>,
    /// Where the published rules come from.
    pub source: Option<String>,
    /// The ISO 4217 code of every amount, when the policy has amounts.
    pub currency: Option<String>,
    /// Markets a threshold can name.
    pub markets: Vec<Market>,
    /// Partner-of-record kinds.
    pub associations: Vec<Association>,
    /// The tier ladder, lowest first.
    pub tiers: Vec<TierLevel>,
    /// The exam catalog (any credential: exam, assessment, certification).
    pub exams: Vec<Exam>,
    /// Named exam groups.
    pub groups: Vec<ExamGroup>,
    /// Named revenue measures.
    pub measures: Vec<RevenueMeasure>,
    /// Alternative paths to the competency.
    pub options: Vec<CompetencyOption>,
}

/// A market, e.g. `developed`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Market {
    /// Identifier as matched against partner data.
    pub id: String,
    /// Human title.
    pub title: Option<String>,
    /// Declaration.
    pub span: Span,
}

/// A partner-of-record kind, e.g. `dpor`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Association {
    /// Identifier as matched against a revenue line's `associations`.
    pub id: String,
    /// Human title, e.g. "Digital Partner of Record".
    pub title: Option<String>,
    /// Declaration.
    pub span: Span,
}

/// A rung of the tier ladder, e.g. `gold`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TierLevel {
    /// Identifier, reported as the partner's tier.
    pub id: String,
    /// Where the ladder names it.
    pub span: Span,
}

/// A catalog entry: an exam, assessment or certification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exam {
    /// The code as written in the catalog, e.g. `MB2-714`.
    pub code: String,
    /// Its title.
    pub title: Option<String>,
    /// Declaration.
    pub span: Span,
}

/// `group NAME = any of ...`: satisfied by a pass of any member exam.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExamGroup {
    /// Its name.
    pub name: String,
    /// Member exams.
    pub exams: Vec<ExamId>,
    /// Declaration.
    pub span: Span,
}

/// A sum of revenue lines that pass a filter, over a trailing window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevenueMeasure {
    /// Its name.
    pub name: String,
    /// The revenue type that counts, e.g. `net_new`.
    pub revenue_type: String,
    /// Products in scope, as written.
    pub products: Vec<String>,
    /// Length of the trailing window in months.
    pub window_months: u32,
    /// A line counts only if it carries one of these; empty means no condition.
    pub associations: Vec<AssociationId>,
    /// Declaration.
    pub span: Span,
}

/// An alternative path to the competency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompetencyOption {
    /// Its name.
    pub name: String,
    /// Its title.
    pub title: Option<String>,
    /// Its tiers, lowest first.
    pub tiers: Vec<Tier>,
    /// Declaration.
    pub span: Span,
}

/// A tier of an option: met when every requirement is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tier {
    /// Its rung on the ladder.
    pub level: TierLevelId,
    /// Requirements, all of which must hold.
    pub requirements: Vec<Requirement>,
    /// Declaration.
    pub span: Span,
}

/// One requirement of a tier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Requirement {
    /// A measure at or above a threshold.
    Revenue(RevenueRequirement),
    /// Roles filled by people who passed exams.
    People(PeopleRequirement),
}

impl Requirement {
    /// Where the requirement is written.
    pub fn span(&self) -> Span {
        match self {
            Requirement::Revenue(r) => r.span,
            Requirement::People(p) => p.span,
        }
    }
}

/// `require MEASURE >= THRESHOLDS`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevenueRequirement {
    /// The measure.
    pub measure: MeasureId,
    /// Which threshold applies to which market.
    pub thresholds: Thresholds,
    /// Where the requirement is written.
    pub span: Span,
}

/// The threshold of a revenue requirement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Thresholds {
    /// One amount for every market.
    Everywhere(Money),
    /// One amount per listed market; other markets have none.
    PerMarket(Vec<(MarketId, Money)>),
}

impl Thresholds {
    /// The threshold for a market (`None`: the partner's market is unknown
    /// to the policy or not given).
    pub fn for_market(&self, market: Option<MarketId>) -> Option<&Money> {
        match self {
            Thresholds::Everywhere(money) => Some(money),
            Thresholds::PerMarket(list) => {
                let market = market?;
                list.iter()
                    .find(|(m, _)| *m == market)
                    .map(|(_, money)| money)
            }
        }
    }
}

/// An exact amount in a currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Money {
    /// The amount.
    pub amount: Decimal,
    /// ISO 4217 code.
    pub currency: String,
    /// Where it is written.
    pub span: Span,
}

/// `require distinct|shared people { ROLE ... }`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeopleRequirement {
    /// When true, no person fills two slots.
    pub distinct: bool,
    /// The roles.
    pub roles: Vec<Role>,
    /// Where the requirement is written.
    pub span: Span,
}

/// `COUNT passing GROUP and GROUP`: `count` people, each satisfying every group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Role {
    /// How many people.
    pub count: u32,
    /// Groups each of them must satisfy.
    pub groups: Vec<GroupId>,
    /// Where the role is written.
    pub span: Span,
}

impl Policy {
    /// A role's description as written, e.g. `1 passing functional and deployment`.
    pub fn describe_role(&self, role: &Role) -> String {
        let groups: Vec<&str> = role
            .groups
            .iter()
            .filter_map(|g| self.groups.get(g.0).map(|g| g.name.as_str()))
            .collect();
        format!("{} passing {}", role.count, groups.join(" and "))
    }
}

/// Appends the matching key of an exam code to `out`: case-insensitive, with
/// surrounding whitespace dropped and every run of spaces, hyphens or
/// underscores read as one hyphen (`mb2 714` and `MB2-714` share a key;
/// `MB2714` does not).
pub fn exam_key_into(code: &str, out: &mut String) {
    let mut in_separator = false;
    for c in code.trim().chars() {
        if matches!(c, ' ' | '-' | '_') {
            if !in_separator {
                out.push('-');
            }
            in_separator = true;
        } else {
            in_separator = false;
            out.extend(c.to_uppercase());
        }
    }
}

/// The matching key of an exam code; see [`exam_key_into`].
///
/// ```
/// use rubric::model::exam_key;
/// assert_eq!(exam_key("mb2 714"), exam_key("MB2-714"));
/// assert_eq!(exam_key("mb2__-714"), "MB2-714");
/// assert_ne!(exam_key("MB2714"), exam_key("MB2-714"));
/// ```
pub fn exam_key(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    exam_key_into(code, &mut out);
    out
}

/// Whether two names from partner data match: case-insensitive, surrounding
/// whitespace ignored. Used for products, revenue types, markets, currencies
/// and associations.
///
/// ```
/// assert!(rubric::model::same_name(" CRM online ", "CRM Online"));
/// ```
pub fn same_name(data: &str, policy: &str) -> bool {
    let data = data.trim();
    let policy = policy.trim();
    if data.is_ascii() && policy.is_ascii() {
        return data.eq_ignore_ascii_case(policy);
    }
    data.chars()
        .flat_map(char::to_lowercase)
        .eq(policy.chars().flat_map(char::to_lowercase))
}
