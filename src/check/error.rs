//! Semantic errors in a policy: each a stable code, a label at the offending
//! spot, and help that says how to fix it.

use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

/// A policy that parses but does not make sense.
#[derive(Debug, Error, Diagnostic, Clone, PartialEq, Eq)]
pub enum PolicyError {
    /// A date that does not exist.
    #[error("`{text}` is not a calendar date")]
    #[diagnostic(
        code(E0102),
        help("write a real date as YYYY-MM-DD, e.g. `2017-06-27`")
    )]
    InvalidDate {
        /// The date as written.
        text: String,
        /// Where.
        #[label("no such day")]
        span: SourceSpan,
    },
    /// A month (`YYYY-MM`) that does not exist.
    #[error("`{text}` is not a calendar month")]
    #[diagnostic(
        code(E0211),
        help(
            "write a month as YYYY-MM with a month from 01 to 12, e.g. `2017-12`, or a whole date as YYYY-MM-DD"
        )
    )]
    InvalidMonth {
        /// The month as written.
        text: String,
        /// Where.
        #[label("no such month")]
        span: SourceSpan,
    },
    /// Digit grouping or size of an amount is wrong.
    #[error("`{text}` is not a well-formed amount")]
    #[diagnostic(code(E0103))]
    MalformedNumber {
        /// The number as written.
        text: String,
        /// Where.
        #[label("{reason}")]
        span: SourceSpan,
        /// What is wrong with it.
        reason: String,
        /// How to write it.
        #[help]
        help: String,
    },
    /// Two declarations with one name.
    #[error("{kind} `{name}` is declared twice")]
    #[diagnostic(code(E0200), help("remove one of them, or give it a different name"))]
    Duplicate {
        /// What kind of thing, e.g. "group".
        kind: &'static str,
        /// The name.
        name: String,
        /// The second declaration.
        #[label(primary, "declared again here")]
        span: SourceSpan,
        /// The first.
        #[label("first declared here")]
        first: SourceSpan,
    },
    /// An exam code not in the catalog.
    #[error("exam `{name}` is not in the exam catalog")]
    #[diagnostic(code(E0201))]
    UnknownExam {
        /// The code as written.
        name: String,
        /// Where.
        #[label("not in the catalog")]
        span: SourceSpan,
        /// Did-you-mean or how to declare it.
        #[help]
        help: String,
    },
    /// A former name (`formerly`) that already names a credential.
    #[error("`{name}` cannot be a former name of `{renamed}`: {reason}")]
    #[diagnostic(code(E0212))]
    FormerNameClash {
        /// The former name as written.
        name: String,
        /// The credential that lists it after `formerly`.
        renamed: String,
        /// What it already names, e.g. "it is the code of `MB2-706`".
        reason: String,
        /// The former name.
        #[label(primary, "already a name of `{other}`")]
        span: SourceSpan,
        /// The credential it already names.
        other: String,
        /// Where that name is given first.
        #[label("named here first")]
        first: SourceSpan,
        /// How to fix it.
        #[help]
        help: String,
    },
    /// A group member written with a credential's former name.
    #[error("`{name}` is a former name of `{current}`")]
    #[diagnostic(
        code(E0213),
        help(
            "name the credential by its current name, `{current}`; passes recorded under `{name}` count as passes of it"
        )
    )]
    FormerNameInGroup {
        /// The former name as written.
        name: String,
        /// The credential's current code.
        current: String,
        /// Where the group names it.
        #[label("renamed `{current}`")]
        span: SourceSpan,
    },
    /// A product or family a measure (or family) names that the policy's
    /// product catalogue does not declare.
    #[error("product `{name}` is not in the product catalogue")]
    #[diagnostic(code(E0214))]
    UnknownProduct {
        /// The name as written.
        name: String,
        /// Where.
        #[label("no product or family has this name")]
        span: SourceSpan,
        /// Did-you-mean or how to declare it.
        #[help]
        help: String,
    },
    /// A measure (or family) naming a product by a former name.
    #[error("`{name}` is a former name of product `{current}`")]
    #[diagnostic(
        code(E0215),
        help(
            "name the product by its current name, `{current}`; lines recorded under `{name}` count as lines of it"
        )
    )]
    FormerProductName {
        /// The former name as written.
        name: String,
        /// The product's current name.
        current: String,
        /// Where it is used.
        #[label("renamed `{current}`")]
        span: SourceSpan,
    },
    /// A name that means two things in the product catalogue.
    #[error("`{name}` names two things in the product catalogue: {reason}")]
    #[diagnostic(code(E0216))]
    CatalogueNameClash {
        /// The name as written.
        name: String,
        /// What it already names, e.g. "it is already a former name of `X`".
        reason: String,
        /// The second use.
        #[label(primary, "named again here")]
        span: SourceSpan,
        /// The first.
        #[label("named here first")]
        first: SourceSpan,
        /// How to fix it.
        #[help]
        help: String,
    },
    /// A family without members.
    #[error("family `{name}` has no products")]
    #[diagnostic(
        code(E0217),
        help("list its products after `=`: `family \"{name}\" = \"Product A\", \"Product B\"`")
    )]
    EmptyFamily {
        /// The family's name.
        name: String,
        /// The declaration.
        #[label("no products listed")]
        span: SourceSpan,
    },
    /// A family that contains itself, directly or through other families.
    #[error("family `{name}` contains itself: {path}")]
    #[diagnostic(
        code(E0218),
        help("a family lists products and smaller families; remove `{name}` from the chain")
    )]
    FamilyContainsItself {
        /// The family's name.
        name: String,
        /// The chain back to it, e.g. "`A` > `B` > `A`".
        path: String,
        /// Where the chain starts.
        #[label("contains itself")]
        span: SourceSpan,
    },
    /// A revenue type or usage metric the policy's declared list lacks.
    #[error("{kind} `{name}` is not declared")]
    #[diagnostic(code(E0219))]
    UnknownLineKind {
        /// "revenue type" or "usage metric".
        kind: &'static str,
        /// The name as written.
        name: String,
        /// Where.
        #[label("not in the declared {kind}s")]
        span: SourceSpan,
        /// Did-you-mean or how to declare it.
        #[help]
        help: String,
    },
    /// A group name that is not declared.
    #[error("unknown group `{name}`")]
    #[diagnostic(code(E0202))]
    UnknownGroup {
        /// The name.
        name: String,
        /// Where.
        #[label("no group has this name")]
        span: SourceSpan,
        /// Did-you-mean or how to declare it.
        #[help]
        help: String,
    },
    /// A measure name that is not declared.
    #[error("unknown measure `{name}`")]
    #[diagnostic(code(E0203))]
    UnknownMeasure {
        /// The name.
        name: String,
        /// Where.
        #[label("no measure has this name")]
        span: SourceSpan,
        /// Did-you-mean or how to declare it.
        #[help]
        help: String,
    },
    /// A market name that is not declared.
    #[error("unknown market `{name}`")]
    #[diagnostic(code(E0204))]
    UnknownMarket {
        /// The name.
        name: String,
        /// Where.
        #[label("no market has this name")]
        span: SourceSpan,
        /// Did-you-mean or how to declare it.
        #[help]
        help: String,
    },
    /// A partner-of-record kind that is not declared.
    #[error("unknown partner-of-record kind `{name}`")]
    #[diagnostic(code(E0205))]
    UnknownAssociation {
        /// The name.
        name: String,
        /// Where.
        #[label("no association has this name")]
        span: SourceSpan,
        /// Did-you-mean or how to declare it.
        #[help]
        help: String,
    },
    /// An attribute that is not declared.
    #[error("unknown attribute `{name}`")]
    #[diagnostic(code(E0210))]
    UnknownAttribute {
        /// The name.
        name: String,
        /// Where.
        #[label("no attribute has this name")]
        span: SourceSpan,
        /// Did-you-mean or how to declare it.
        #[help]
        help: String,
    },
    /// A line field that is not declared.
    #[error("unknown field `{name}`")]
    #[diagnostic(code(E0326))]
    UnknownField {
        /// The name.
        name: String,
        /// Where.
        #[label("no field has this name")]
        span: SourceSpan,
        /// Did-you-mean or how to declare it.
        #[help]
        help: String,
    },
    /// A value a closed field cannot take.
    #[error("`{value}` is not a value of field `{field}`")]
    #[diagnostic(code(E0327))]
    NotAFieldValue {
        /// The value as written.
        value: String,
        /// The field.
        field: String,
        /// Where.
        #[label(primary, "no line can have this value")]
        span: SourceSpan,
        /// The field's declaration.
        #[label("`{field}` declared here")]
        declared: SourceSpan,
        /// The values it takes, with a did-you-mean.
        #[help]
        help: String,
    },
    /// A second condition on one field in a measure, or a condition no
    /// line can meet.
    #[error("{reason}")]
    #[diagnostic(code(E0328))]
    FieldConditionClash {
        /// What is wrong, e.g. "`segment` is tested twice in measure `crm`".
        reason: String,
        /// The condition at fault.
        #[label(primary, "{label}")]
        span: SourceSpan,
        /// What the label says.
        label: String,
        /// The earlier condition it clashes with, if any.
        #[label("first tested here")]
        first: Option<SourceSpan>,
        /// How to write it.
        #[help]
        help: String,
    },
    /// `for customers of` a measure that has no customers of its own, or
    /// written twice.
    #[error("{reason}")]
    #[diagnostic(code(E0329))]
    CustomersOfNone {
        /// What is wrong.
        reason: String,
        /// The clause.
        #[label(primary, "{label}")]
        span: SourceSpan,
        /// What the label says.
        label: String,
        /// How to fix it.
        #[help]
        help: String,
    },
    /// Measures restricted to each other's customers, in a ring.
    #[error("measure `{name}` is restricted to its own customers through {cycle}")]
    #[diagnostic(
        code(E0330),
        help(
            "a measure's customers are decided by the lines it counts, so it cannot count only lines of its own customers; restrict one measure of the chain to the customers of a measure outside it, or drop one `for customers of`"
        )
    )]
    CustomersOfCycle {
        /// The measure.
        name: String,
        /// The chain, e.g. `seats → crm → seats`.
        cycle: String,
        /// The clause that closes the ring.
        #[label("leads back to `{name}`")]
        span: SourceSpan,
    },
    /// A tier that is not on the ladder.
    #[error("tier `{name}` is not on the tier ladder")]
    #[diagnostic(code(E0206))]
    UnknownTier {
        /// The name.
        name: String,
        /// Where.
        #[label("not listed in `tiers`")]
        span: SourceSpan,
        /// Did-you-mean or how to add it.
        #[help]
        help: String,
    },
    /// Tiers of an option out of ladder order.
    #[error("tier `{name}` comes after `{previous}` but ranks below it")]
    #[diagnostic(
        code(E0207),
        help("list an option's tiers lowest first, in the order of the `tiers` line")
    )]
    TierOutOfOrder {
        /// The misplaced tier.
        name: String,
        /// The tier before it.
        previous: String,
        /// The misplaced tier.
        #[label(primary, "ranks below `{previous}`")]
        span: SourceSpan,
        /// The tier before it.
        #[label("`{previous}` is here")]
        previous_span: SourceSpan,
    },
    /// No `tiers` line.
    #[error("competency `{name}` has no tier ladder")]
    #[diagnostic(
        code(E0208),
        help("add a line such as `tiers silver, gold`, listing tiers lowest first")
    )]
    MissingTiers {
        /// The competency.
        name: String,
        /// The competency's name.
        #[label("declares no `tiers`")]
        span: SourceSpan,
    },
    /// No option.
    #[error("competency `{name}` has no option")]
    #[diagnostic(
        code(E0209),
        help("add at least one `option NAME \"Title\" {{ tier ... }}` block")
    )]
    MissingOption {
        /// The competency.
        name: String,
        /// The competency's name.
        #[label("no way to reach a tier")]
        span: SourceSpan,
    },
    /// A group with no exams.
    #[error("group `{name}` has no exams")]
    #[diagnostic(
        code(E0300),
        help("list its exams: `group {name} = any of CODE, CODE`")
    )]
    EmptyGroup {
        /// The group.
        name: String,
        /// The empty list.
        #[label("nobody could ever satisfy this group")]
        span: SourceSpan,
    },
    /// A head count of zero or absurdly large.
    #[error("a role needs a head count from 1 to {max}, not `{text}`")]
    #[diagnostic(
        code(E0301),
        help(
            "write how many people the role needs, e.g. `2 passing functional`; drop a role that needs nobody"
        )
    )]
    BadCount {
        /// The count as written.
        text: String,
        /// The largest count allowed.
        max: u32,
        /// Where.
        #[label("not a usable head count")]
        span: SourceSpan,
    },
    /// A threshold of zero or below.
    #[error("a threshold must be above zero, not `{text}`")]
    #[diagnostic(
        code(E0302),
        help(
            "write the minimum amount the partner must reach, e.g. `100_000 USD`; for \"some revenue\" with no amount, write `> 0 USD`"
        )
    )]
    BadThreshold {
        /// The amount as written.
        text: String,
        /// Where.
        #[label("every partner would meet this")]
        span: SourceSpan,
    },
    /// `paid only` on a revenue measure.
    #[error("`paid only` on revenue measure `{measure}` would count no line")]
    #[diagnostic(
        code(E0336),
        help(
            "only usage lines say whether they are paid; remove `paid only` here, or measure paid seats with a `usage` measure"
        )
    )]
    PaidOnlyRevenue {
        /// The measure.
        measure: String,
        /// Where `paid only` is written.
        #[label("revenue lines carry no `paid` flag")]
        span: SourceSpan,
    },
    /// `any`, `all`, ... where a line type or metric belongs.
    #[error("`{word}` is not a {what}: it would count only lines whose {what} is `{word}`")]
    #[diagnostic(code(E0337), help("name the {what} the page counts, e.g. `{example}`"))]
    QuantifierAsName {
        /// The word written.
        word: String,
        /// "line type" or "metric".
        what: &'static str,
        /// A real name of that kind.
        example: &'static str,
        /// Where.
        #[label("read as a {what} named `{word}`")]
        span: SourceSpan,
    },
    /// `per month` on a measure that takes the largest reading.
    #[error("`{measure}` takes the largest reading, which has no monthly average")]
    #[diagnostic(
        code(E0338),
        help(
            "drop `per month` to compare the largest reading, or declare `{measure}` with `sum` to average the window's total"
        )
    )]
    PerMonthOfMax {
        /// The measure.
        measure: String,
        /// Where `per month` is written.
        #[label("divides one reading by the window's months")]
        span: SourceSpan,
    },
    /// A key after `per` that usage lines cannot be grouped by, or one
    /// named twice.
    #[error("`{key}` is not a key usage lines can be grouped by{again}")]
    #[diagnostic(
        code(E0321),
        help(
            "group by `customer`, `product` or `month`, each once, joined with `and`: `per customer and product`"
        )
    )]
    UnknownKey {
        /// The key as written.
        key: String,
        /// ", and it is named twice" when the key is known but repeated.
        again: &'static str,
        /// Where.
        #[label("{what}")]
        span: SourceSpan,
        /// What is wrong with it.
        what: &'static str,
    },
    /// `latest` or `largest` on a usage measure without keys.
    #[error("`{word}` in `{measure}` needs keys after `per`")]
    #[diagnostic(code(E0322), help("{help}"))]
    AggregateNeedsKey {
        /// `latest` or `largest`.
        word: &'static str,
        /// The measure.
        measure: String,
        /// How to say it with keys.
        help: String,
        /// Where the word is written.
        #[label("{why}")]
        span: SourceSpan,
        /// Why it means nothing without keys.
        why: &'static str,
    },
    /// Keys that change nothing: `sum` per key summed again is the plain
    /// total, and the largest of each key's `max` is the plain `max`.
    #[error("grouping `{measure}` by key changes nothing: {result}")]
    #[diagnostic(code(E0323), help("{help}"))]
    KeysChangeNothing {
        /// The measure.
        measure: String,
        /// What the measure comes to.
        result: &'static str,
        /// What to write instead.
        help: &'static str,
        /// Where `per ...` is written.
        #[label("these keys change nothing")]
        span: SourceSpan,
    },
    /// `in every month` where it cannot mean anything: with `per month`, or
    /// on a customer measure.
    #[error("`in every month` cannot be used {context}")]
    #[diagnostic(code(E0324), help("{help}"))]
    EveryMonthMisuse {
        /// "with `per month`" or "on customer measure `m`".
        context: String,
        /// What to write instead.
        help: &'static str,
        /// Where `in every month` is written.
        #[label("{why}")]
        span: SourceSpan,
        /// Why.
        why: &'static str,
    },
    /// `per month` on a current count (`latest`) or a largest key's value.
    #[error("`{measure}` is {what}, which has no monthly average")]
    #[diagnostic(
        code(E0325),
        help(
            "drop `per month` to compare the value itself, or write `in every month` to require the level in each month of the window"
        )
    )]
    PerMonthOfCurrent {
        /// The measure.
        measure: String,
        /// "a current count (`latest`)" or "the largest key's value (`largest`)".
        what: &'static str,
        /// Where `per month` is written.
        #[label("divides it by the window's months")]
        span: SourceSpan,
    },
    /// `allow` naming something that is not a lint: an unknown code, or an
    /// error's code (errors cannot be accepted).
    #[error("`allow {code}` names no lint")]
    #[diagnostic(code(E0339), help("{help}"))]
    AllowNotLint {
        /// The code as written.
        code: String,
        /// What it is and what to write instead.
        help: String,
        /// The code.
        #[label("{what}")]
        span: SourceSpan,
        /// What the code is, e.g. "an error's code".
        what: &'static str,
    },
    /// `allow CODE` with no reason, or an empty one.
    #[error("`allow {code}` gives no reason")]
    #[diagnostic(
        code(E0339),
        help(
            "say why the finding is right here, e.g. `allow {code} \"gold is a certification path, not more exams\"`; the reason is shown in `rubric check` output and kept in JSON and SARIF"
        )
    )]
    AllowWithoutReason {
        /// The code.
        code: String,
        /// The `allow` line.
        #[label("no reason")]
        span: SourceSpan,
    },
    /// `>` a negative amount.
    #[error("a `>` threshold must be zero or above, not `{text}`")]
    #[diagnostic(
        code(E0335),
        help(
            "write `> 0` for \"some\" (more than nothing), or `>=` the minimum amount the partner must reach"
        )
    )]
    NegativeMoreThan {
        /// The amount as written.
        text: String,
        /// Where.
        #[label("below zero")]
        span: SourceSpan,
    },
    /// A currency code that ISO 4217 does not define, or not in capitals.
    #[error("`{code}` is not a currency code as ISO 4217 writes it")]
    #[diagnostic(code(E0303))]
    UnknownCurrency {
        /// The code as written.
        code: String,
        /// Where.
        #[label("unknown currency")]
        span: SourceSpan,
        /// Suggestion.
        #[help]
        help: String,
    },
    /// A threshold in another currency than the policy's.
    #[error("threshold is in {currency} but the policy's currency is {policy_currency}")]
    #[diagnostic(
        code(E0304),
        help("write every amount in {policy_currency}, the currency partner data is reported in")
    )]
    CurrencyMismatch {
        /// The threshold's currency.
        currency: String,
        /// The policy's.
        policy_currency: String,
        /// The threshold's currency code.
        #[label(primary, "not {policy_currency}")]
        span: SourceSpan,
        /// The policy's currency declaration.
        #[label("the policy's currency")]
        declared: SourceSpan,
    },
    /// Amounts but no `currency` line.
    #[error("the policy has amounts but declares no currency")]
    #[diagnostic(
        code(E0305),
        help("add `currency {currency}` to the competency header")
    )]
    MissingCurrency {
        /// The currency the first amount uses.
        currency: String,
        /// The first amount.
        #[label("an amount")]
        span: SourceSpan,
    },
    /// A trailing window of zero or absurdly many months.
    #[error("a trailing window needs 1 to {max} months, not `{text}`")]
    #[diagnostic(
        code(E0306),
        help("write the window the program states, e.g. `over trailing 12 months`")
    )]
    BadWindow {
        /// The months as written.
        text: String,
        /// The largest allowed.
        max: u32,
        /// Where.
        #[label("not a usable window")]
        span: SourceSpan,
    },
    /// A people requirement with no roles.
    #[error("this people requirement has no roles")]
    #[diagnostic(
        code(E0307),
        help("add a role such as `1 passing functional` inside the braces")
    )]
    EmptyPeople {
        /// Where.
        #[label("requires nobody")]
        span: SourceSpan,
    },
    /// An option with no tiers.
    #[error("option `{name}` has no tiers")]
    #[diagnostic(
        code(E0308),
        help("add `tier NAME {{ require ... }}` blocks, lowest tier first")
    )]
    EmptyOption {
        /// The option.
        name: String,
        /// Its name.
        #[label("no tier to reach")]
        span: SourceSpan,
    },
    /// A tier with no requirements.
    #[error("tier `{name}` has no requirements")]
    #[diagnostic(
        code(E0309),
        help(
            "add what the tier requires, e.g. `require crm >= 100_000 USD`; a tier without requirements would be awarded to every partner"
        )
    )]
    EmptyTier {
        /// The tier.
        name: String,
        /// Its name.
        #[label("every partner would meet this tier")]
        span: SourceSpan,
    },
    /// More roles in one requirement than the evaluator supports.
    #[error("a people requirement may have at most {max} roles")]
    #[diagnostic(
        code(E0310),
        help(
            "split the roles over several `require` blocks, or merge roles that need the same groups"
        )
    )]
    TooManyRoles {
        /// The limit.
        max: usize,
        /// The first role over the limit.
        #[label("one role too many")]
        span: SourceSpan,
    },
    /// More groups than the evaluator supports.
    #[error("a policy may declare at most {max} groups")]
    #[diagnostic(
        code(E0311),
        help("merge groups, or split the competency into several policies")
    )]
    TooManyGroups {
        /// The limit.
        max: usize,
        /// The first group over the limit.
        #[label("one group too many")]
        span: SourceSpan,
    },
    /// A group that contains itself through its members.
    #[error("group `{name}` contains itself")]
    #[diagnostic(
        code(E0313),
        help(
            "a group's members are exams or other groups; follow the chain {cycle} and remove one link"
        )
    )]
    CyclicGroup {
        /// The group.
        name: String,
        /// The chain of groups, e.g. `a → b → a`.
        cycle: String,
        /// The member that closes the cycle.
        #[label("leads back to `{name}`")]
        span: SourceSpan,
    },
    /// Money compared with a count, or a count with money.
    #[error("measure `{measure}` is {unit}, but this threshold is {given}")]
    #[diagnostic(code(E0314))]
    UnitMismatch {
        /// The measure.
        measure: String,
        /// What the measure is: "money" or "a count".
        unit: &'static str,
        /// What the threshold is.
        given: &'static str,
        /// The threshold.
        #[label("not {unit}")]
        span: SourceSpan,
        /// How to write it.
        #[help]
        help: String,
    },
    /// Availability, retirement and grace dates out of order.
    #[error("the dates of `{code}` are out of order: {reason}")]
    #[diagnostic(
        code(E0315),
        help(
            "an exam is available first, retires later, and is accepted until a date on or after its retirement; registration for it closes between the two"
        )
    )]
    ExamDatesOutOfOrder {
        /// The exam.
        code: String,
        /// Which dates clash.
        reason: String,
        /// The later-written date.
        #[label("{reason}")]
        span: SourceSpan,
    },
    /// `distinct customers of` a measure that has no lines of its own.
    #[error("`distinct customers of` needs a revenue or usage measure, and `{name}` is not one")]
    #[diagnostic(
        code(E0316),
        help("count the customers of the revenue or usage measure that `{name}` is built on")
    )]
    CustomersOfDerived {
        /// The measure named.
        name: String,
        /// Where.
        #[label("has no lines of its own")]
        span: SourceSpan,
    },
    /// A fiscal year's end that is not a day of every year.
    #[error("a fiscal year cannot end on `{text}`")]
    #[diagnostic(
        code(E0320),
        help(
            "write the month and day the fiscal year ends as MM-DD, a day every year has, e.g. `06-30`; for a year ending in February write `02-28`"
        )
    )]
    BadYearEnd {
        /// The month and day as written.
        text: String,
        /// Where.
        #[label("not a day of every year")]
        span: SourceSpan,
    },
    /// An `either` branch with nothing in it.
    #[error("this alternative has no requirements")]
    #[diagnostic(
        code(E0317),
        help(
            "put at least one `require ...` inside the braces; an empty alternative would be met by every partner"
        )
    )]
    EmptyBranch {
        /// The branch.
        #[label("every partner would meet this")]
        span: SourceSpan,
    },
    /// `{ }` with no market in it.
    #[error("this threshold names no market")]
    #[diagnostic(
        code(E0312),
        help(
            "give a threshold per market, e.g. `{{ developed: 100_000 USD }}`, or one for all markets, e.g. `100_000 USD`"
        )
    )]
    EmptyThresholds {
        /// Where.
        #[label("no market listed")]
        span: SourceSpan,
    },
    /// `every other market` where no market is left for it: the market list
    /// is closed and the threshold names every market.
    #[error("`every other market` can never apply here: this threshold names every market")]
    #[diagnostic(
        code(E0331),
        help(
            "the policy's markets are closed (`markets … only`) and each has its own entry; remove `every other market`, or remove `only` from the `markets` line if partners may be in other markets"
        )
    )]
    OtherMarketsNeverApply {
        /// The entry.
        #[label(primary, "no market is left for this")]
        span: SourceSpan,
        /// The closed list.
        #[label("the only markets are these")]
        closed: SourceSpan,
    },
    /// `every other market` twice in one threshold.
    #[error("`every other market` is given twice in one threshold")]
    #[diagnostic(
        code(E0332),
        help("keep one `every other market` entry: a partner can meet only one amount")
    )]
    RepeatedOtherMarkets {
        /// The second entry.
        #[label(primary, "given again here")]
        span: SourceSpan,
        /// The first.
        #[label("first given here")]
        first: SourceSpan,
    },
    /// A name in the closed market list that no `market` declares.
    #[error("the closed market list names `{name}`, which is not a declared market")]
    #[diagnostic(code(E0333))]
    ClosedMarketUnknown {
        /// The name as written.
        name: String,
        /// Where.
        #[label("no market has this name")]
        span: SourceSpan,
        /// Suggestion.
        #[help]
        help: String,
    },
    /// A declared market left out of the closed list.
    #[error("market `{name}` is declared but not in the closed market list")]
    #[diagnostic(
        code(E0334),
        help(
            "add `{name}` to the `markets … only` line, or remove its declaration if no partner is in it"
        )
    )]
    ClosedMarketMissing {
        /// The market.
        name: String,
        /// The closed list.
        #[label(primary, "`{name}` is not listed here")]
        span: SourceSpan,
        /// Its declaration.
        #[label("declared here")]
        declared: SourceSpan,
    },
    /// A second closed market list, or a market named twice in one.
    #[error("{what}")]
    #[diagnostic(
        code(E0334),
        help("write the policy's markets once, on one `markets … only` line")
    )]
    ClosedMarketsRepeated {
        /// What is repeated, in words.
        what: String,
        /// The repetition.
        #[label(primary, "again here")]
        span: SourceSpan,
        /// The first.
        #[label("first here")]
        first: SourceSpan,
    },
    /// A translation's language is not a BCP 47 tag.
    #[error("`{tag}` is not a language tag")]
    #[diagnostic(
        code(E0800),
        help("write a BCP 47 language tag, e.g. `ko`, `en` or `pt-BR`")
    )]
    UnknownLanguageTag {
        /// The tag as written.
        tag: String,
        /// Where.
        #[label("not a language tag")]
        span: SourceSpan,
    },
    /// A language translated twice, or one text translated twice in it.
    #[error("{what} is translated twice")]
    #[diagnostic(code(E0801), help("keep one of them: the page can show only one"))]
    DuplicateTranslation {
        /// What, e.g. "the `ko` translation" or "option `reseller` in `ko`".
        what: String,
        /// The second.
        #[label(primary, "translated again here")]
        span: SourceSpan,
        /// The first.
        #[label("first translated here")]
        first: SourceSpan,
    },
    /// A translation names something the policy does not declare.
    #[error("the `{language}` translation names {what}, which the policy does not declare")]
    #[diagnostic(
        code(E0802),
        help("translate only what the policy declares; check the spelling")
    )]
    TranslatesUnknown {
        /// The translation's language.
        language: String,
        /// What, e.g. "option `resellr`".
        what: String,
        /// Where.
        #[label("not declared")]
        span: SourceSpan,
    },
}
