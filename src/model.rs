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
    /// Index into [`Policy::attributes`].
    AttributeId,
    /// Index into [`Policy::fields`].
    FieldId,
    /// Index into [`Policy::products`].
    ProductId,
    /// Index into [`Policy::families`].
    FamilyId,
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
    /// Where `markets … only` says that these are the partners' only
    /// markets; `None` when the list is open (a partner may be in another).
    pub closed_markets: Option<Span>,
    /// Partner-of-record kinds.
    pub associations: Vec<Association>,
    /// Facts about a partner that requirements can name.
    pub attributes: Vec<Attribute>,
    /// Fields revenue and usage lines may carry, which measures filter on.
    pub fields: Vec<Field>,
    /// The tier ladder, lowest first.
    pub tiers: Vec<TierLevel>,
    /// The credential catalog (exams, assessments, certifications).
    pub exams: Vec<Exam>,
    /// Named exam groups, in declaration order (acyclic).
    pub groups: Vec<ExamGroup>,
    /// The product catalogue (`product ...`); empty when the policy
    /// declares none, and then measures name products freely.
    pub products: Vec<Product>,
    /// Product families (`family ...`), in declaration order.
    pub families: Vec<ProductFamily>,
    /// The revenue types the data uses (`revenue types ...`); empty when
    /// not declared, and then measures name types freely.
    pub revenue_types: Vec<LineKind>,
    /// The usage metrics the data uses (`usage metrics ...`); empty when
    /// not declared.
    pub usage_metrics: Vec<LineKind>,
    /// Named measures, in declaration order.
    pub measures: Vec<Measure>,
    /// Alternative paths to the competency.
    pub options: Vec<CompetencyOption>,
    /// The policy's texts in other languages, for its requirements page.
    pub translations: Vec<Translation>,
}

/// `translation LANG { ... }`: the competency's, options' and catalog
/// entries' titles (and the competency's summary) in one language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Translation {
    /// Its BCP 47 language tag as written, e.g. `ko`.
    pub language: String,
    /// The competency's title.
    pub title: Option<String>,
    /// One sentence on what the competency is, for the page's summary.
    pub summary: Option<String>,
    /// Titles of options, markets, associations, attributes, credentials.
    pub titles: Vec<TranslatedTitle>,
    /// Declaration.
    pub span: Span,
}

/// What a translated title is the title of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Subject<'a> {
    /// The competency itself.
    Competency,
    /// An option, by name.
    Option(&'a str),
    /// A market, by id.
    Market(&'a str),
    /// An association, by id.
    Association(&'a str),
    /// An attribute, by id.
    Attribute(&'a str),
    /// A credential, by code as the catalog writes it.
    Credential(&'a str),
}

/// One translated title in a [`Translation`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TranslatedTitle {
    /// What it is the title of (never [`Subject::Competency`], which is
    /// [`Translation::title`]).
    pub subject: OwnedSubject,
    /// The title in the translation's language.
    pub text: String,
    /// Where it is written.
    pub span: Span,
}

/// A [`Subject`] that owns its name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum OwnedSubject {
    /// An option, by name.
    Option(String),
    /// A market, by id.
    Market(String),
    /// An association, by id.
    Association(String),
    /// An attribute, by id.
    Attribute(String),
    /// A credential, by code.
    Credential(String),
}

impl OwnedSubject {
    /// Borrowed, for comparing with a [`Subject`].
    pub fn as_subject(&self) -> Subject<'_> {
        match self {
            OwnedSubject::Option(n) => Subject::Option(n),
            OwnedSubject::Market(n) => Subject::Market(n),
            OwnedSubject::Association(n) => Subject::Association(n),
            OwnedSubject::Attribute(n) => Subject::Attribute(n),
            OwnedSubject::Credential(n) => Subject::Credential(n),
        }
    }
}

impl Translation {
    /// Whether it is in `language` (a tag such as `ko`; `ko-KR` is in `ko`).
    pub fn is_in(&self, language: &str) -> bool {
        let primary = self.language.split('-').next().unwrap_or_default();
        self.language.eq_ignore_ascii_case(language) || primary.eq_ignore_ascii_case(language)
    }

    /// Its title of `subject`, if it has one.
    pub fn title_of(&self, subject: Subject<'_>) -> Option<&str> {
        match subject {
            Subject::Competency => self.title.as_deref(),
            _ => self
                .titles
                .iter()
                .find(|t| t.subject.as_subject() == subject)
                .map(|t| t.text.as_str()),
        }
    }
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
    /// Identifier as matched against a line's `associations`.
    pub id: String,
    /// Human title, e.g. "Digital Partner of Record".
    pub title: Option<String>,
    /// Declaration.
    pub span: Span,
}

/// A fact about a partner, e.g. `surface_hub_reseller`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attribute {
    /// Identifier as matched against the partner's `attributes`.
    pub id: String,
    /// Human title.
    pub title: Option<String>,
    /// Declaration.
    pub span: Span,
}

/// A field lines may carry, e.g. `segment`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// Its name, as the lines' JSON writes it.
    pub id: String,
    /// Human title.
    pub title: Option<String>,
    /// The only values it may take, as declared; `None` when it is open.
    pub values: Option<Vec<String>>,
    /// Declaration.
    pub span: Span,
}

impl Field {
    /// Whether `value`, as a line writes it, is one the field may take
    /// (always, for an open field); compared as [`same_name`] does.
    pub fn allows(&self, value: &str) -> bool {
        self.values
            .as_ref()
            .is_none_or(|values| values.iter().any(|v| same_name(value, v)))
    }
}

/// A rung of the tier ladder, e.g. `gold`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TierLevel {
    /// Identifier, reported as the partner's tier.
    pub id: String,
    /// Where the ladder names it.
    pub span: Span,
}

pub use crate::ast::{CredentialKind, CustomerCount};

/// A catalog entry: an exam, assessment or certification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exam {
    /// The code as written in the catalog, e.g. `MB2-714`.
    pub code: String,
    /// Exam, assessment or certification.
    pub kind: CredentialKind,
    /// Its title.
    pub title: Option<String>,
    /// Passes dated before this are not accepted.
    pub available_from: Option<NaiveDate>,
    /// Passes dated after this are not accepted.
    pub retires: Option<NaiveDate>,
    /// The last as-of date at which passes still count: the end of the
    /// grace period, or the retirement date when there is none.
    pub accepted_until: Option<NaiveDate>,
    /// The last day one may register to take it: after it, why-not never
    /// suggests taking it, but passes already made still count.
    pub registration_until: Option<NaiveDate>,
    /// The names it had before it was renamed, as written (`formerly ...`):
    /// a pass recorded under any of them is a pass of this credential.
    pub former_names: Vec<String>,
    /// Declaration.
    pub span: Span,
}

/// Whether a pass of an exam counts at an as-of date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PassStatus {
    /// It counts.
    Counts,
    /// Passed after the as-of date: not yet.
    AfterAsOf,
    /// Dated before the exam became available: a data problem, flagged.
    BeforeAvailable,
    /// Dated after the exam retired: a data problem, flagged.
    AfterRetirement,
    /// A valid pass, but the exam is no longer accepted at the as-of date.
    NoLongerAccepted,
}

impl Exam {
    /// Whether a pass dated `passed` counts at `as_of`.
    pub fn pass_status(&self, passed: NaiveDate, as_of: NaiveDate) -> PassStatus {
        if self.available_from.is_some_and(|from| passed < from) {
            PassStatus::BeforeAvailable
        } else if self.retires.is_some_and(|retired| passed > retired) {
            PassStatus::AfterRetirement
        } else if passed > as_of {
            PassStatus::AfterAsOf
        } else if self.accepted_until.is_some_and(|until| as_of > until) {
            PassStatus::NoLongerAccepted
        } else {
            PassStatus::Counts
        }
    }

    /// Whether someone who has not passed it yet can still take it and have
    /// the pass count at `date`: it is available by then, registration for
    /// it has not closed, and it is still accepted.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use rubric::model::{CredentialKind, Exam};
    /// let day = |m, d| NaiveDate::from_ymd_opt(2017, m, d).unwrap();
    /// let exam = Exam {
    ///     code: "70-532".into(), kind: CredentialKind::Exam, title: None,
    ///     available_from: None, retires: Some(day(12, 31)), accepted_until: Some(day(12, 31)),
    ///     registration_until: Some(day(11, 30)), former_names: vec![],
    ///     span: rubric::ast::Span::new(0, 0),
    /// };
    /// assert!(exam.can_still_be_taken(day(11, 30)));
    /// assert!(!exam.can_still_be_taken(day(12, 1)));
    /// ```
    pub fn can_still_be_taken(&self, date: NaiveDate) -> bool {
        self.available_from.is_none_or(|from| from <= date)
            && self.registration_until.is_none_or(|until| date <= until)
            && self.retires.is_none_or(|retired| date <= retired)
            && self.accepted_until.is_none_or(|until| date <= until)
    }

    /// Whether `code`, as partner data writes it, is one of the names the
    /// credential had before (compared as exam codes, see [`exam_key`]).
    pub fn former_name_of(&self, code: &str) -> Option<&str> {
        let key = exam_key(code);
        self.former_names
            .iter()
            .find(|name| exam_key(name) == key)
            .map(String::as_str)
    }
}

/// A product of the catalogue: `product "Name" formerly "Old Name"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Product {
    /// Its current name, as lines should record it.
    pub name: String,
    /// The names it had before it was renamed: a line recorded under any
    /// of them is a line of this product.
    pub former_names: Vec<String>,
    /// Declaration.
    pub span: Span,
}

impl Product {
    /// The former name `recorded` (as data writes it) matches, if any
    /// (compared as [`same_name`] does).
    pub fn former_name_of(&self, recorded: &str) -> Option<&str> {
        self.former_names
            .iter()
            .find(|name| same_name(recorded, name))
            .map(String::as_str)
    }

    /// Whether a line recorded under `recorded` is a line of this product.
    pub fn answers_to(&self, recorded: &str) -> bool {
        same_name(recorded, &self.name) || self.former_name_of(recorded).is_some()
    }
}

/// A product family: `family "Name" = "Product", "Family"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductFamily {
    /// Its name.
    pub name: String,
    /// Its members as written: products or other families.
    pub members: Vec<String>,
    /// Every product it stands for, its families' products included, each
    /// once, in the order met.
    pub products: Vec<ProductId>,
    /// Declaration.
    pub span: Span,
}

/// A declared revenue type or usage metric (`revenue types net_new, ...`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineKind {
    /// The name as written.
    pub name: String,
    /// Where it is written.
    pub span: Span,
}

/// Whether a group needs one member or all of them.
pub use crate::ast::Quantifier;

/// `group NAME = any of ...` / `all of ...`: a condition on one person's
/// credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExamGroup {
    /// Its name.
    pub name: String,
    /// `any` or `all`.
    pub quantifier: Quantifier,
    /// Member exams and groups (never, through any chain, itself).
    pub members: Vec<GroupMember>,
    /// Declaration (for a group written in a role, the words there).
    pub span: Span,
    /// Written in a role (`1 passing MB6-890`, `2 passing any of A, B`)
    /// rather than declared: its name is those words.
    pub in_role: bool,
}

/// A member of a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GroupMember {
    /// A catalog entry.
    Exam(ExamId),
    /// Another group.
    Group(GroupId),
}

/// A named measure of a partner's business.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Measure {
    /// Its name.
    pub name: String,
    /// What it measures.
    pub kind: MeasureKind,
    /// Its window in months (for a derived measure, its base's); 12 for a
    /// year.
    pub window_months: u32,
    /// Which dates its lines must fall in (for a derived measure, its base's).
    pub period: Period,
    /// Declaration.
    pub span: Span,
}

/// The dates a measure's lines must fall in, relative to the as-of date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Period {
    /// `trailing N months`: the months up to the as-of date.
    Trailing {
        /// N.
        months: u32,
    },
    /// `last complete calendar year` or `last complete fiscal year ending
    /// MM-DD`: the latest year ending on that month and day on or before
    /// the as-of date.
    LastCompleteYear {
        /// The last day of the year, a day every year has (never 29 February).
        ends: YearEnd,
        /// Written as `calendar year` (ends 31 December).
        calendar: bool,
    },
}

/// The month and day a fiscal year ends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct YearEnd {
    /// 1 to 12.
    pub month: u32,
    /// A day that month has in every year.
    pub day: u32,
}

impl Period {
    /// How the policy writes the period, e.g. `trailing 12 months` or
    /// `last complete fiscal year ending 06-30`.
    pub fn describe(&self) -> String {
        match self {
            Period::Trailing { months } => format!("trailing {months} months"),
            Period::LastCompleteYear { calendar: true, .. } => {
                "last complete calendar year".to_owned()
            }
            Period::LastCompleteYear { ends, .. } => format!(
                "last complete fiscal year ending {:02}-{:02}",
                ends.month, ends.day
            ),
        }
    }

    /// Whether the period is a fixed one (a year), not a trailing window.
    pub fn is_fixed(&self) -> bool {
        matches!(self, Period::LastCompleteYear { .. })
    }
}

/// What a measure measures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MeasureKind {
    /// The sum of matching revenue amounts: money.
    Revenue {
        /// The revenue types that count, pooled, e.g. `net_new`, `renewal`.
        revenue_types: Vec<String>,
        /// Which lines count.
        filter: LineFilter,
    },
    /// Matching usage quantities, summed or at their largest: a count.
    /// With keys, the lines are grouped by key, each key's quantities
    /// combine by `aggregate`, and the keys' values are summed (or, with
    /// `largest`, the largest is taken).
    Usage {
        /// How quantities combine (within each key, when there are keys).
        aggregate: Aggregate,
        /// The metric that counts, e.g. `deployed_seats`.
        metric: String,
        /// The keys lines are grouped by (`per customer and product`), in
        /// the order written; empty: all lines are one group.
        keys: Vec<Key>,
        /// The measure is the largest key's value, not the keys' sum.
        largest: bool,
        /// Which lines count.
        filter: LineFilter,
    },
    /// The number of different customers among the lines another measure
    /// counts: a count.
    DistinctCustomers {
        /// The revenue or usage measure whose lines are looked at.
        of: MeasureId,
        /// Which customers count: distinct, new, lost or net new.
        count: CustomerCount,
    },
}

impl Measure {
    /// Whether the measure is money (thresholds carry a currency) or a count.
    pub fn is_money(&self) -> bool {
        matches!(self.kind, MeasureKind::Revenue { .. })
    }
}

/// How usage quantities combine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aggregate {
    /// Their sum.
    Sum,
    /// The largest.
    Max,
    /// The reading with the latest date (of several on that date, the
    /// largest): a current count, such as active entitlements.
    Latest,
}

/// What usage lines are grouped by before their quantities combine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    /// The line's customer.
    Customer,
    /// The line's product (as the measure names it).
    Product,
    /// The month of the window the line falls in.
    Month,
}

impl Key {
    /// The key as a policy writes it.
    pub fn word(self) -> &'static str {
        match self {
            Key::Customer => "customer",
            Key::Product => "product",
            Key::Month => "month",
        }
    }

    /// The key a policy writes as `word`.
    pub fn from_word(word: &str) -> Option<Key> {
        [Key::Customer, Key::Product, Key::Month]
            .into_iter()
            .find(|k| k.word() == word)
    }
}

/// Which lines a revenue or usage measure counts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineFilter {
    /// Products in scope, as written: product names, or family names when
    /// the policy declares a catalogue.
    pub products: Vec<String>,
    /// Every product name a counted line may be recorded under: the
    /// products as written, families replaced by their products, and each
    /// product's former names (the same as `products` without a catalogue).
    pub names: Vec<String>,
    /// A line counts only if it carries one of these; empty means no condition.
    pub associations: Vec<AssociationId>,
    /// Only lines marked `paid` count.
    pub paid_only: bool,
    /// `where FIELD is ...`: each must hold (at most one per field).
    pub conditions: Vec<FieldCondition>,
    /// `for customers of MEASURE`: only lines of customers whose lines that
    /// revenue or usage measure counts (in its own window) sum to more than
    /// zero. Never, through any chain, the measure itself.
    pub customers_of: Option<MeasureId>,
}

/// `where FIELD is VALUE`, `is one of ...`, `is not ...`: a condition on a
/// line's value of a declared field. A line without the field (or with a
/// value outside a closed field's list) meets no condition on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldCondition {
    /// The field.
    pub field: FieldId,
    /// The values listed.
    pub values: Vec<String>,
    /// `is not`: the value must be none of `values`.
    pub negated: bool,
    /// Where the condition is written.
    pub span: Span,
}

impl FieldCondition {
    /// Whether a line's value of the field meets the condition.
    pub fn holds(&self, value: &str) -> bool {
        self.values.iter().any(|v| same_name(value, v)) != self.negated
    }

    /// How the policy writes it, e.g. `where segment is one of "a", "b"`.
    pub fn describe(&self, field: &str) -> String {
        let values: Vec<String> = self.values.iter().map(|v| format!("{v:?}")).collect();
        let not = if self.negated { "not " } else { "" };
        let one_of = if values.len() > 1 { "one of " } else { "" };
        format!("where {field} is {not}{one_of}{}", values.join(", "))
    }
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
    Measure(MeasureRequirement),
    /// Roles filled by people who passed exams.
    People(PeopleRequirement),
    /// The partner has an attribute.
    Attribute(AttributeId, Span),
    /// Alternatives: met when every requirement of one branch is.
    Either(Vec<Branch>, Span),
}

/// One alternative of an `either` requirement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Branch {
    /// Its requirements, all of which must hold.
    pub requirements: Vec<Requirement>,
    /// Where it is written.
    pub span: Span,
}

impl Requirement {
    /// Where the requirement is written.
    pub fn span(&self) -> Span {
        match self {
            Requirement::Measure(r) => r.span,
            Requirement::People(p) => p.span,
            Requirement::Attribute(_, span) | Requirement::Either(_, span) => *span,
        }
    }
}

/// `require MEASURE [per month] >= THRESHOLDS` (or `>`)
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeasureRequirement {
    /// The measure.
    pub measure: MeasureId,
    /// Compare the measure divided by its window's months.
    pub per_month: bool,
    /// Compare the measure taken within each month of its window: every
    /// month must reach the threshold (`in every month`).
    pub every_month: bool,
    /// Met only above the threshold (`>`), not at it (`>=`).
    pub more_than: bool,
    /// Which threshold applies to which market.
    pub thresholds: Thresholds,
    /// Where the requirement is written.
    pub span: Span,
}

/// The threshold of a measure requirement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Thresholds {
    /// One amount for every market.
    Everywhere(Threshold),
    /// One amount per listed market, and the amount for every other market
    /// (`every other market: …`), if the requirement gives one; without it,
    /// other markets have none.
    PerMarket(Vec<(MarketId, Threshold)>, Option<Threshold>),
}

/// Which entry of a requirement's thresholds applies to a partner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThresholdEntry {
    /// The one amount for every market.
    Everywhere,
    /// The entry naming the partner's market.
    Market(MarketId),
    /// `every other market`: the partner's market is not named (or the data
    /// names none).
    OtherMarkets,
}

impl Thresholds {
    /// The threshold for a market (`None` for a market the policy does not
    /// declare, or a partner whose data gives none); `None` when the
    /// requirement sets none there.
    pub fn for_market(&self, market: Option<MarketId>) -> Option<&Threshold> {
        self.entry_for(market).map(|(_, t)| t)
    }

    /// The threshold for a market, with the entry it comes from.
    pub fn entry_for(&self, market: Option<MarketId>) -> Option<(ThresholdEntry, &Threshold)> {
        match self {
            Thresholds::Everywhere(threshold) => Some((ThresholdEntry::Everywhere, threshold)),
            Thresholds::PerMarket(list, other) => {
                let named = market.and_then(|market| {
                    list.iter()
                        .find(|(m, _)| *m == market)
                        .map(|(m, t)| (ThresholdEntry::Market(*m), t))
                });
                named.or_else(|| other.as_ref().map(|t| (ThresholdEntry::OtherMarkets, t)))
            }
        }
    }
}

impl MeasureRequirement {
    /// Whether `value` meets `threshold` by this requirement's comparison.
    pub fn meets(&self, value: Decimal, threshold: Decimal) -> bool {
        if self.more_than {
            value > threshold
        } else {
            value >= threshold
        }
    }

    /// The comparison as written in a policy: `>=` or `>`.
    pub fn comparison(&self) -> &'static str {
        if self.more_than { ">" } else { ">=" }
    }
}

/// An exact threshold: money in a currency, or a count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Threshold {
    /// The amount.
    pub amount: Decimal,
    /// ISO 4217 code, for money.
    pub currency: Option<String>,
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
    /// The role as reports name it, e.g. `1 passing functional and deployment`.
    pub description: String,
    /// Where the role is written.
    pub span: Span,
}

impl Policy {
    /// The title of `subject` in `language`, when the policy translates it.
    pub fn translated_title(&self, language: &str, subject: Subject<'_>) -> Option<&str> {
        self.translations
            .iter()
            .filter(|t| t.is_in(language))
            .find_map(|t| t.title_of(subject))
    }

    /// The competency's summary in `language`, when the policy gives one.
    pub fn translated_summary(&self, language: &str) -> Option<&str> {
        self.translations
            .iter()
            .filter(|t| t.is_in(language))
            .find_map(|t| t.summary.as_deref())
    }

    /// What passing a group takes, e.g. `customization (one of MB2-712, MB2-707)`.
    pub fn describe_group(&self, group: GroupId) -> String {
        let Some(g) = self.groups.get(group.0) else {
            return String::new();
        };
        if g.in_role {
            return g.name.clone();
        }
        let members: Vec<&str> = g
            .members
            .iter()
            .filter_map(|m| match m {
                GroupMember::Exam(e) => self.exams.get(e.0).map(|e| e.code.as_str()),
                GroupMember::Group(inner) => self.groups.get(inner.0).map(|g| g.name.as_str()),
            })
            .collect();
        let how = match (g.quantifier, members.len()) {
            (_, 1) => String::new(),
            (Quantifier::Any, _) => "one of ".to_owned(),
            (Quantifier::All, _) => "all of ".to_owned(),
        };
        format!("{} ({how}{})", g.name, members.join(", "))
    }

    /// What passing each group in `mask` takes, in policy order.
    pub fn describe_groups(&self, mask: u64) -> Vec<String> {
        self.groups_in(mask)
            .into_iter()
            .map(|g| self.describe_group(g))
            .collect()
    }

    /// The groups whose bits are set in `mask`, in policy order.
    pub fn groups_in(&self, mask: u64) -> Vec<GroupId> {
        (0..self.groups.len().min(64))
            .filter(|g| mask & (1u64 << g) != 0)
            .map(GroupId)
            .collect()
    }

    /// The catalogue product a line recorded under `recorded` belongs to,
    /// with the former name it was recorded under when it is one.
    pub fn product_of(&self, recorded: &str) -> Option<(&Product, Option<&str>)> {
        self.products.iter().find_map(|p| {
            if same_name(recorded, &p.name) {
                Some((p, None))
            } else {
                p.former_name_of(recorded).map(|former| (p, Some(former)))
            }
        })
    }

    /// A role's description as written, e.g. `1 passing functional and
    /// deployment` (kept in [`Role::description`] by the checker).
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
            if c.is_ascii() {
                out.push(c.to_ascii_uppercase());
            } else {
                out.extend(c.to_uppercase());
            }
        }
    }
}

/// Whether `code` is its own matching key (see [`exam_key_into`]): ASCII
/// with no lowercase letter, no space or underscore, no surrounding
/// whitespace, and no hyphen next to another. Most codes in data are
/// written this way, and need no key built. (It may say no for a code that
/// is its own key, e.g. one with a letter outside ASCII: then the key is
/// merely built.)
///
/// ```
/// use rubric::model::{exam_key, is_exam_key};
/// assert!(is_exam_key("MB2-714"));
/// assert!(!is_exam_key("mb2-714") && !is_exam_key("MB2--714") && !is_exam_key(" MB2-714"));
/// for code in ["MB2-714", "mb2 714", "A\tB", "-X-", "\u{b}X", "X\r", ""] {
///     assert_eq!(is_exam_key(code), exam_key(code) == code);
/// }
/// ```
pub fn is_exam_key(code: &str) -> bool {
    let bytes = code.as_bytes();
    let ends_clean = match (bytes.first(), bytes.last()) {
        // As `str::trim` reads whitespace (which includes vertical tab).
        (Some(&first), Some(&last)) => {
            !char::from(first).is_whitespace() && !char::from(last).is_whitespace()
        }
        _ => true,
    };
    ends_clean
        && bytes
            .iter()
            .all(|b| b.is_ascii() && !b.is_ascii_lowercase() && !matches!(b, b' ' | b'_'))
        && !bytes.windows(2).any(|pair| pair == b"--")
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

#[cfg(test)]
mod tests {
    use super::{exam_key, is_exam_key};

    proptest::proptest! {
        /// A code taken for its own key is its own key, whatever its bytes.
        #[test]
        fn a_code_taken_for_its_own_key_is_one(code in "[ -~\t\u{b}\r\n_é]{0,12}") {
            if is_exam_key(&code) {
                proptest::prop_assert_eq!(exam_key(&code), code);
            }
        }

        /// Every code written as catalogues write them is taken for its key.
        #[test]
        fn a_code_in_catalogue_form_is_its_own_key(code in "[A-Z0-9]{1,4}(-[A-Z0-9]{1,4}){0,3}") {
            proptest::prop_assert!(is_exam_key(&code));
        }
    }
}
