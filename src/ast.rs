//! The syntax tree: what the author wrote, in the order written, with a byte
//! span on every node and every comment kept.
//!
//! Nothing here is validated beyond the grammar: dates, numbers and names are
//! kept as written so that the checker can report every problem with its span,
//! and a formatter can reproduce the file.

pub use crate::source::Span;

/// A name as written, e.g. `functional`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident {
    /// The name.
    pub name: String,
    /// Where it is.
    pub span: Span,
}

/// A quoted string with its escapes resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text {
    /// The text between the quotes, unescaped.
    pub value: String,
    /// Where it is, quotes included.
    pub span: Span,
}

/// A token kept exactly as written (a date, a number, a currency or exam code)
/// for the checker to validate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// The source text of the token.
    pub text: String,
    /// Where it is.
    pub span: Span,
}

/// A comment, `#` or `//` to the end of the line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    /// The comment including its marker.
    pub text: String,
    /// Where it is.
    pub span: Span,
}

/// A parsed policy file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyFile {
    /// The competency the file defines.
    pub competency: Competency,
    /// Every comment in the file, in source order.
    pub comments: Vec<Comment>,
}

/// `competency ID "Title" { ... }`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Competency {
    /// The competency's identifier.
    pub id: Ident,
    /// Its published title.
    pub title: Option<Text>,
    /// Its items in source order.
    pub items: Vec<Item>,
    /// The whole block.
    pub span: Span,
}

/// An item directly inside a competency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    /// `version "2017-06"`
    Version(Text, Span),
    /// `effective 2017-06-27`
    Effective(Token, Span),
    /// `source "https://..."`
    Source(Text, Span),
    /// `currency USD`
    Currency(Token, Span),
    /// `market developed "Developed markets"`
    Market(Declaration),
    /// `markets developed, emerging only`: the complete list of markets.
    ClosedMarkets(Vec<Ident>, Span),
    /// `association dpor "Digital Partner of Record"`
    Association(Declaration),
    /// `attribute surface_hub_reseller "Authorized Surface Hub reseller"`
    Attribute(Declaration),
    /// `field segment "Customer segment" = "enterprise", "smb"`
    Field(FieldDecl),
    /// `tiers silver, gold`
    Tiers(Vec<Ident>, Span),
    /// `exam MB2-714 "Dynamics CRM Customer Service"`
    Exam(ExamDecl),
    /// `group functional = any of ...`
    Group(GroupDecl),
    /// `product "Name" formerly "Old Name"`
    Product(ProductDecl),
    /// `family "Name" = "Product", "Product"`
    Family(FamilyDecl),
    /// `revenue types net_new, renewal` or `usage metrics active_users`
    LineTypes(LineTypesDecl),
    /// `revenue ...`, `usage ...` or `measure ...`
    Measure(MeasureDecl),
    /// `option reseller "..." { ... }`
    Option(OptionDecl),
    /// `translation ko { ... }`
    Translation(TranslationDecl),
}

/// `translation ko { competency "..." option reseller "..." ... }`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TranslationDecl {
    /// The language tag as written, e.g. `ko`.
    pub language: Token,
    /// The translated texts, in order.
    pub entries: Vec<TranslatedEntry>,
    /// The whole block.
    pub span: Span,
}

/// One text of a translation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TranslatedEntry {
    /// What it translates.
    pub subject: TranslatedSubject,
    /// The text in the translation's language.
    pub text: Text,
    /// The whole entry.
    pub span: Span,
}

/// What a translated text translates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TranslatedSubject {
    /// `competency "..."`: the competency's title.
    Competency,
    /// `summary "..."`: one sentence on the competency.
    Summary,
    /// `option NAME "..."`
    Option(Ident),
    /// `market NAME "..."`
    Market(Ident),
    /// `association NAME "..."`
    Association(Ident),
    /// `attribute NAME "..."`
    Attribute(Ident),
    /// `exam CODE "..."`, `assessment "..." "..."`, `certification ...`
    Credential(CredentialKind, ExamCode),
}

/// A named entry with an optional title (markets, associations).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Declaration {
    /// Its identifier.
    pub id: Ident,
    /// Its human title.
    pub title: Option<Text>,
    /// The whole declaration.
    pub span: Span,
}

/// `field NAME "Title" = "value", "value"`: a field lines may carry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldDecl {
    /// The field's name, as lines write it.
    pub id: Ident,
    /// Its human title.
    pub title: Option<Text>,
    /// The only values it may take; empty when the field is open.
    pub values: Vec<Text>,
    /// The whole declaration.
    pub span: Span,
}

/// An exam code, bare or quoted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExamCode {
    /// The code as the author means it (quotes and escapes removed).
    pub code: String,
    /// Whether it was written in quotes.
    pub quoted: bool,
    /// Where it is.
    pub span: Span,
}

/// What kind of credential a catalog entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialKind {
    /// `exam`
    Exam,
    /// `assessment`
    Assessment,
    /// `certification`
    Certification,
}

/// `exam CODE "Title" available from DATE retires DATE accepted until DATE
/// registration until DATE formerly CODE, CODE`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExamDecl {
    /// Exam, assessment or certification.
    pub kind: CredentialKind,
    /// The exam's code.
    pub code: ExamCode,
    /// Its title.
    pub title: Option<Text>,
    /// `available from DATE`: passes dated earlier are not accepted.
    pub available_from: Option<Token>,
    /// `retires DATE`: passes dated later are not accepted.
    pub retires: Option<Token>,
    /// `accepted until DATE`: the end of the grace period after retirement.
    pub accepted_until: Option<Token>,
    /// `registration until DATE`: the last day one may register for it.
    pub registration_until: Option<Token>,
    /// `formerly CODE, CODE`: the names it had before it was renamed.
    pub former_names: Vec<ExamCode>,
    /// The whole declaration.
    pub span: Span,
}

/// `product "Name" formerly "Old Name", "Older Name"`: a product of the
/// catalogue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductDecl {
    /// The product's current name.
    pub name: Text,
    /// The names it had before it was renamed.
    pub former_names: Vec<Text>,
    /// The whole declaration.
    pub span: Span,
}

/// `family "Name" = "Product", "Family"`: a name for several products.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FamilyDecl {
    /// The family's name.
    pub name: Text,
    /// Its members: products or other families.
    pub members: Vec<Text>,
    /// The whole declaration.
    pub span: Span,
}

/// Which lines a [`LineTypesDecl`] declares the kinds of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LineSource {
    /// `revenue types`: revenue lines' `type`.
    Revenue,
    /// `usage metrics`: usage lines' `metric`.
    Usage,
}

/// `revenue types net_new, renewal` or `usage metrics active_users`: every
/// revenue type (usage metric) the data uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineTypesDecl {
    /// Revenue types or usage metrics.
    pub source: LineSource,
    /// The names, in order.
    pub names: Vec<Ident>,
    /// The whole declaration.
    pub span: Span,
}

/// Whether a group needs one member or all of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantifier {
    /// `any of`: one member suffices.
    Any,
    /// `all of`: every member is needed.
    All,
}

/// `group NAME = any of CODE, CODE` or `group NAME = all of CODE, GROUP`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupDecl {
    /// The group's name.
    pub name: Ident,
    /// `any` or `all`.
    pub quantifier: Quantifier,
    /// Whether `any` was written as the pages' `one` (`one of`).
    pub says_one: bool,
    /// Its members: exam codes or names of other groups.
    pub exams: Vec<ExamCode>,
    /// The member list (empty span after `of` if empty).
    pub exams_span: Span,
    /// The whole declaration.
    pub span: Span,
}

/// A named measure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeasureDecl {
    /// The measure's name.
    pub name: Ident,
    /// What it measures.
    pub body: MeasureBody,
    /// The whole declaration.
    pub span: Span,
}

/// What a measure measures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MeasureBody {
    /// `revenue NAME = TYPE, TYPE from ...`: the sum of matching revenue amounts.
    Revenue {
        /// The revenue types that count, pooled, e.g. `net_new, renewal`.
        revenue_types: Vec<Ident>,
        /// Which lines count.
        filter: LineFilter,
    },
    /// `usage NAME = [largest] [sum|max|latest] METRIC [per KEYS] from ...`:
    /// matching usage quantities.
    Usage {
        /// `max`, `latest`, or `sum` (also when absent).
        aggregate: Option<Token>,
        /// `largest` or `largest total`, as written, if it is.
        largest: Option<Token>,
        /// The usage metric that counts, e.g. `deployed_seats`.
        metric: Ident,
        /// The keys after `per`, as written (`customer`, `product`, `month`);
        /// empty without `per`.
        keys: Vec<Ident>,
        /// Which lines count.
        filter: LineFilter,
    },
    /// `measure NAME = distinct customers of MEASURE`, or `new`, `lost`,
    /// `net new` customers.
    DistinctCustomers {
        /// The measure whose lines are looked at.
        of: Ident,
        /// Which customers count.
        count: CustomerCount,
    },
}

/// Which customers a customer measure counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CustomerCount {
    /// `distinct`: every customer with a line the base measure counts.
    Distinct,
    /// `new`: customers whose counted lines in the window sum to more than
    /// zero and who have no line the base measure would count dated before
    /// the window.
    New,
    /// `lost`: customers whose lines summed to more than zero in the window
    /// before (as long, ending where this one starts) and do not in this one.
    Lost,
    /// `net new`: new customers less lost ones (may be negative).
    NetNew,
}

/// `from "P", "Q" over trailing N months as A or B, paid only`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineFilter {
    /// Products in scope.
    pub products: Vec<Text>,
    /// The window or period the lines' dates must fall in.
    pub window: Window,
    /// Partner-of-record kinds a line must carry (any one of them).
    pub associations: Vec<Ident>,
    /// Where `paid only` is written, if it is.
    pub paid_only: Option<Span>,
    /// `where FIELD is ...` conditions, in order.
    pub conditions: Vec<FieldCondition>,
    /// `for customers of MEASURE`, each as written (more than one is an
    /// error the checker reports).
    pub customers_of: Vec<CustomersOf>,
}

/// `for customers of MEASURE`: only lines of the customers another
/// measure counts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomersOf {
    /// The measure whose customers count.
    pub measure: Ident,
    /// The whole clause.
    pub span: Span,
}

/// `where segment is "enterprise"`, `is one of "a", "b"`, `is not "x"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldCondition {
    /// The field named.
    pub field: Ident,
    /// Where `not` is written, if it is.
    pub negated: Option<Span>,
    /// Written with `one of`.
    pub one_of: bool,
    /// The values listed.
    pub values: Vec<Text>,
    /// The whole condition, `where` included.
    pub span: Span,
}

/// `over trailing 12 months` or `over last complete fiscal year ending 06-30`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    /// Which window.
    pub period: Period,
    /// Where it is written (after `over`).
    pub span: Span,
}

/// The dates a measure's lines must fall in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Period {
    /// `trailing N months`: the length in months, as written.
    Trailing(Token),
    /// `last complete calendar year`.
    CalendarYear,
    /// `last complete fiscal year ending MM-DD`: the month and day, as written.
    FiscalYear(Token),
}

/// `option NAME "Title" { tier ... }`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptionDecl {
    /// The option's name.
    pub name: Ident,
    /// Its title.
    pub title: Option<Text>,
    /// Its tiers in source order.
    pub tiers: Vec<TierDecl>,
    /// The lints it accepts in all its tiers.
    pub allows: Vec<AllowDecl>,
    /// The whole block.
    pub span: Span,
}

/// `allow CODE "reason"`: a lint accepted inside the block that holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllowDecl {
    /// The lint's code as written, e.g. `W0100`.
    pub code: Ident,
    /// Why the finding is accepted; `None` when left out.
    pub reason: Option<Text>,
    /// The whole line.
    pub span: Span,
}

/// `tier NAME { require ... }`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TierDecl {
    /// The tier's name, from the ladder.
    pub name: Ident,
    /// Its requirements in source order.
    pub requirements: Vec<Requirement>,
    /// The lints it accepts.
    pub allows: Vec<AllowDecl>,
    /// The whole block.
    pub span: Span,
}

/// One `require` line or block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Requirement {
    /// `require MEASURE >= THRESHOLD`
    Measure(MeasureRequirement),
    /// `require distinct people { ROLE ... }`
    People(PeopleRequirement),
    /// `require attribute NAME`
    Attribute(Ident, Span),
    /// `require either { ... } or { ... }`
    Either(Vec<Branch>, Span),
}

/// One alternative of `require either`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Branch {
    /// Its requirements, all of which must hold.
    pub requirements: Vec<Requirement>,
    /// The braces and what is inside.
    pub span: Span,
}

/// `require crm >= { developed: 100_000 USD }`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeasureRequirement {
    /// The measure required.
    pub measure: Ident,
    /// Where `per month` is written, if it is.
    pub per_month: Option<Span>,
    /// Where `in every month` is written, if it is.
    pub every_month: Option<Span>,
    /// Where `>` (more than) is written, if it is; otherwise the comparison
    /// is at least (`>=`).
    pub more_than: Option<Span>,
    /// The threshold(s).
    pub threshold: Threshold,
    /// The whole requirement.
    pub span: Span,
}

/// The right-hand side of a measure requirement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Threshold {
    /// One amount for every market.
    Everywhere(Amount),
    /// An amount per named market.
    PerMarket(Vec<MarketThreshold>, Span),
}

/// `developed: 100_000 USD` or `every other market: 25_000 USD`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MarketThreshold {
    /// The market the amount is for.
    pub market: ThresholdMarket,
    /// The amount.
    pub amount: Amount,
    /// The whole entry.
    pub span: Span,
}

/// Which partners an entry of a threshold map is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ThresholdMarket {
    /// A named market, `developed`.
    Named(Ident),
    /// `every other market`: partners in a market the map does not name, or
    /// whose data names none.
    Other(Span),
}

impl ThresholdMarket {
    /// The entry's key as written: the market's name, or `every other market`.
    pub fn text(&self) -> &str {
        match self {
            ThresholdMarket::Named(ident) => &ident.name,
            ThresholdMarket::Other(_) => "every other market",
        }
    }

    /// Where the key is written.
    pub fn span(&self) -> Span {
        match self {
            ThresholdMarket::Named(ident) => ident.span,
            ThresholdMarket::Other(span) => *span,
        }
    }
}

/// An amount as written: money with its currency, or a plain count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Amount {
    /// The number, e.g. `100_000`.
    pub number: Token,
    /// The currency code, e.g. `USD`; `None` for a count.
    pub currency: Option<Token>,
    /// The whole amount.
    pub span: Span,
}

/// Whether the roles of a people requirement may share people.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sharing {
    /// `distinct`: every slot is a different person.
    Distinct,
    /// `shared`: one person may fill slots of several roles.
    Shared,
}

/// `require distinct people { ... }`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeopleRequirement {
    /// Distinct or shared.
    pub sharing: Sharing,
    /// Where the `distinct`/`shared` word is.
    pub sharing_span: Span,
    /// The roles.
    pub roles: Vec<Role>,
    /// The whole requirement.
    pub span: Span,
}

/// `2 people passing functional and deployment`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Role {
    /// The head count, as written.
    pub count: Token,
    /// Whether `people`/`person` follows the count (`2 people passing ...`).
    pub names_people: bool,
    /// What each of those people must pass: every one of these.
    pub groups: Vec<RoleRef>,
    /// The whole role line.
    pub span: Span,
}

/// One thing a role's people must pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoleRef {
    /// A name: a declared group, or else an exam code from the catalog
    /// (`1 passing MB6-890`).
    Name(ExamCode),
    /// `any of A, B`, `one of A, B` or `all of A, B` written in the role.
    List {
        /// `any` or `all`.
        quantifier: Quantifier,
        /// Whether `any` was written as `one`.
        says_one: bool,
        /// Exam codes or group names.
        members: Vec<ExamCode>,
        /// The whole list, quantifier included.
        span: Span,
    },
}

impl RoleRef {
    /// Where it is written.
    pub fn span(&self) -> Span {
        match self {
            RoleRef::Name(code) => code.span,
            RoleRef::List { span, .. } => *span,
        }
    }

    /// The words as a policy writes them: `MB6-890`, `"MCSA: Linux"`,
    /// `one of 70-347, 70-339`.
    pub fn text(&self) -> String {
        fn code(c: &ExamCode) -> String {
            if c.quoted {
                format!("\"{}\"", c.code.replace('\\', "\\\\").replace('"', "\\\""))
            } else {
                c.code.clone()
            }
        }
        match self {
            RoleRef::Name(c) => code(c),
            RoleRef::List {
                quantifier,
                says_one,
                members,
                ..
            } => {
                let word = match (quantifier, says_one) {
                    (Quantifier::All, _) => "all",
                    (Quantifier::Any, true) => "one",
                    (Quantifier::Any, false) => "any",
                };
                let members: Vec<String> = members.iter().map(code).collect();
                format!("{word} of {}", members.join(", "))
            }
        }
    }
}
