//! Machine-readable results: one JSON object per partner (`jsonl`), or one
//! document for the batch (`json`). Amounts are strings, exact.

use serde::Serialize;
use serde_json::value::RawValue;

use super::DecisionRecord;
use crate::data::{DataError, Partner};
use crate::eval::{Evaluated, Exclusion, RequirementOutcome};
use crate::model::{MarketId, Policy, ThresholdEntry, Thresholds};
use crate::money;
use rust_decimal::Decimal;

/// The result for one partner.
#[derive(Serialize)]
pub struct PartnerResult<'a> {
    /// The partner's id, as in the input; `null` when the record had none.
    pub partner: Option<&'a RawValue>,
    /// Its name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
    /// Its market, as given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub market: Option<&'a str>,
    /// `evaluated`, or `error` when the record could not be evaluated.
    pub status: &'static str,
    /// The highest tier met, or `null`.
    pub tier: Option<&'a str>,
    /// Each option's outcome.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<OptionResult<'a>>,
    /// Credential passes in the data that cannot be right (dated before the
    /// exam was available or after it retired); they do not count.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<FlagResult<'a>>,
    /// With evidence: passes recorded under a former name of a credential,
    /// which count as passes of the credential it was renamed to.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub renamed_passes: Vec<RenamedPassResult<'a>>,
    /// With evidence: revenue and usage lines recorded under a former name
    /// of a product, which count as lines of the product it was renamed to.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub renamed_lines: Vec<RenamedLineResult<'a>>,
    /// Why the record could not be evaluated.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ErrorResult>,
    /// Problems that did not stop evaluation, e.g. a person also listed
    /// under another partner.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<ErrorResult>,
    /// What the decision was made under; omitted inside a `json` batch, which
    /// carries it once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<&'a DecisionRecord>,
}

/// One option's outcome.
#[derive(Serialize)]
pub struct OptionResult<'a> {
    /// Its name.
    pub option: &'a str,
    /// The highest tier met in it.
    pub tier: Option<&'a str>,
    /// Each tier, lowest first.
    pub tiers: Vec<TierResult<'a>>,
}

/// One tier's outcome.
#[derive(Serialize)]
pub struct TierResult<'a> {
    /// Its name.
    pub tier: &'a str,
    /// Whether all its requirements are met.
    pub met: bool,
    /// Each requirement.
    pub requirements: Vec<RequirementResult<'a>>,
}

/// What a requirement `in every month` adds to its result.
#[derive(Serialize)]
pub struct EveryMonthResult {
    /// Always true: `actual` is the lowest month's value.
    pub every_month: bool,
    /// The measure within each month of the window, oldest first, with
    /// what each month is short of.
    pub months: Vec<MonthResult>,
}

/// A measure's value within one month of its window (`in every month`).
#[derive(Serialize)]
pub struct MonthResult {
    /// The month's first day.
    pub from: String,
    /// Its last day.
    pub to: String,
    /// The measure within it.
    pub actual: String,
    /// What the month is short of the threshold (`"0"` when it reaches
    /// it); `null` when there is no threshold.
    pub shortfall: Option<String>,
}

/// One key's value in a usage measure with keys (evidence).
#[derive(Serialize)]
pub struct KeyResult {
    /// The customer (with `per customer`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    /// The product (with `per product`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// The month's first and last day (with `per month`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub month: Option<[String; 2]>,
    /// The key's value.
    pub value: String,
    /// With `latest`: the date of the reading taken.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest: Option<String>,
    /// Whether this key is the measure's value (`largest`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub largest: bool,
    /// Indices (from 0) of the key's lines in the partner's `usage` list.
    pub lines: Vec<usize>,
}

/// One requirement's outcome.
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RequirementResult<'a> {
    /// A measure threshold (revenue, usage, customers).
    Measure {
        /// The measure's name.
        measure: &'a str,
        /// Whether it is met.
        met: bool,
        /// The partner's market, when the threshold depends on it.
        market: Option<&'a str>,
        /// The value compared (a monthly average with `per_month`).
        actual: String,
        /// Whether `actual` is a monthly average.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        per_month: bool,
        /// With `in every month`: `every_month` and each month's value.
        #[serde(flatten)]
        every_month: Option<Box<EveryMonthResult>>,
        /// Whether `actual` must be above `required` (`>`), not only reach it.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        more_than: bool,
        /// Whether the threshold is the requirement's `every other market`
        /// entry (no entry names the partner's market).
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        other_markets: bool,
        /// The threshold, `null` when the policy sets none for the market.
        required: Option<String>,
        /// What is missing (`"0.00"` when met).
        shortfall: Option<String>,
        /// The currency, for money.
        currency: Option<&'a str>,
        /// Why there is no threshold, when there is none.
        #[serde(skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        /// For a fixed period (`last complete calendar year`), the dates it
        /// covered at the as-of date.
        #[serde(skip_serializing_if = "Option::is_none")]
        period: Option<PeriodResult>,
        /// How many lines counted and why the others did not (evidence).
        #[serde(skip_serializing_if = "Option::is_none")]
        lines: Option<Box<LineCounts>>,
        /// For a customer measure, lines its base counted that name no
        /// customer (evidence, when there are any).
        #[serde(skip_serializing_if = "Option::is_none")]
        lines_without_customer: Option<usize>,
        /// Indices (from 0) of the lines that counted, in the partner's
        /// `revenue` (or `usage`) list (evidence).
        #[serde(skip_serializing_if = "Option::is_none")]
        counted_lines: Option<Vec<usize>>,
        /// The lines that did not count, and why (evidence).
        #[serde(skip_serializing_if = "Option::is_none")]
        excluded_lines: Option<Vec<ExcludedLine>>,
        /// For a usage measure with keys or `latest`: each key's value
        /// (evidence).
        #[serde(skip_serializing_if = "Option::is_none")]
        keys: Option<Box<Vec<KeyResult>>>,
    },
    /// Roles filled by people.
    People {
        /// Whether every role is filled.
        met: bool,
        /// Whether roles needed different people.
        distinct: bool,
        /// Slots in all.
        required: u64,
        /// Slots filled.
        filled: u64,
        /// Each role.
        roles: Vec<RoleResult<'a>>,
        /// When not met: the smallest change that would meet it.
        #[serde(skip_serializing_if = "Option::is_none")]
        gap: Option<GapResult<'a>>,
    },
    /// A partner attribute.
    Attribute {
        /// The attribute's name.
        attribute: &'a str,
        /// Whether the partner has it.
        met: bool,
    },
    /// Alternatives: met when one branch is.
    Either {
        /// Whether some branch is met.
        met: bool,
        /// Each branch.
        branches: Vec<BranchResult<'a>>,
    },
}

/// One branch of `either`.
#[derive(Serialize)]
pub struct BranchResult<'a> {
    /// Whether all its requirements are met.
    pub met: bool,
    /// Each requirement.
    pub requirements: Vec<RequirementResult<'a>>,
}

/// A line that did not count.
#[derive(Serialize)]
pub struct ExcludedLine {
    /// Its index (from 0) in the partner's list.
    pub line: usize,
    /// Why it did not count.
    pub reason: Exclusion,
}

/// The smallest change that would meet a people requirement.
#[derive(Serialize)]
pub struct GapResult<'a> {
    /// Passes needed in all, one per credential to pass.
    pub passes: u64,
    /// Whether the passes below are enough: false when some seats cannot
    /// be filled with passes that count at the as-of date (see `blocked`).
    pub sufficient: bool,
    /// Existing people who would fill a role after passing more.
    pub upgrades: Vec<UpgradeResult<'a>>,
    /// People the partner would need to add.
    pub new_people: Vec<NewPeopleResult<'a>>,
    /// Seats no pass that counts at the as-of date can fill.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub blocked: Vec<BlockedResult<'a>>,
    /// Roles competing for too few qualified people.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bottleneck: Option<BottleneckResult>,
}

/// A credential to pass.
#[derive(Serialize)]
pub struct PassResult<'a> {
    /// Its code in the catalog.
    pub code: &'a str,
    /// Its title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<&'a str>,
    /// When it becomes available, for one not available at the as-of date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available_from: Option<String>,
    /// Codes of other exams that would do as well in its place.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alternatives: Vec<&'a str>,
}

/// An existing person to upgrade.
#[derive(Serialize)]
pub struct UpgradeResult<'a> {
    /// Their id.
    pub person: &'a RawValue,
    /// Their name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
    /// The roles they would fill (one, unless roles are shared).
    pub roles: Vec<String>,
    /// The groups they still need, e.g. `customization (one of MB2-712, MB2-707)`.
    pub missing: Vec<String>,
    /// The credentials they would pass.
    pub pass: Vec<PassResult<'a>>,
}

/// People to add.
#[derive(Serialize)]
pub struct NewPeopleResult<'a> {
    /// The roles each would fill (one, unless roles are shared).
    pub roles: Vec<String>,
    /// How many.
    pub count: u32,
    /// The groups each must satisfy.
    pub groups: Vec<String>,
    /// The credentials each would pass.
    pub pass: Vec<PassResult<'a>>,
}

/// Seats that cannot be filled with passes that count at the as-of date.
#[derive(Serialize)]
pub struct BlockedResult<'a> {
    /// The role.
    pub role: String,
    /// Seats left empty.
    pub count: u32,
    /// Credentials not yet available that would fill them, with their dates.
    pub available_from: Vec<PassResult<'a>>,
}

/// Roles that need more people than qualify for any of them.
#[derive(Serialize)]
pub struct BottleneckResult {
    /// The roles.
    pub roles: Vec<String>,
    /// People they need together.
    pub needed: u64,
    /// People who qualify for at least one of them.
    pub qualified: u64,
}

fn gap_result<'a>(
    policy: &'a Policy,
    partner: &'a Partner<'a>,
    req: &crate::model::PeopleRequirement,
    gap: &crate::eval::gap::PeopleGap,
) -> GapResult<'a> {
    let role = |r: usize| {
        req.roles
            .get(r)
            .map(|role| policy.describe_role(role))
            .unwrap_or_default()
    };
    let roles = |list: &[usize]| list.iter().map(|r| role(*r)).collect();
    let groups = |mask: u64| policy.describe_groups(mask);
    let code = |e: &usize| policy.exams.get(*e).map(|exam| exam.code.as_str());
    let pass = |e: usize, available_from: Option<chrono::NaiveDate>, alternatives: &[usize]| {
        policy.exams.get(e).map(|exam| PassResult {
            code: &exam.code,
            title: exam.title.as_deref(),
            available_from: available_from.map(|d| d.to_string()),
            alternatives: alternatives.iter().filter_map(code).collect(),
        })
    };
    let passes = |list: &[usize], alternatives: &[Vec<usize>]| {
        list.iter()
            .enumerate()
            .filter_map(|(i, e)| pass(*e, None, alternatives.get(i).map_or(&[][..], Vec::as_slice)))
            .collect()
    };
    GapResult {
        passes: gap.cost,
        sufficient: gap.sufficient(),
        upgrades: gap
            .upgrades
            .iter()
            .filter_map(|u| {
                let person = partner.people.get(u.person)?;
                Some(UpgradeResult {
                    person: person.id.json(),
                    name: person.name.as_deref(),
                    roles: roles(&u.roles),
                    missing: groups(u.missing),
                    pass: passes(&u.passes, &u.alternatives),
                })
            })
            .collect(),
        new_people: gap
            .new_people
            .iter()
            .map(|n| NewPeopleResult {
                roles: roles(&n.roles),
                count: n.count,
                groups: groups(n.groups),
                pass: passes(&n.passes, &n.alternatives),
            })
            .collect(),
        blocked: gap
            .blocked
            .iter()
            .map(|b| BlockedResult {
                role: role(b.role),
                count: b.count,
                available_from: b
                    .available_from
                    .iter()
                    .filter_map(|(e, date)| pass(*e, Some(*date), &[]))
                    .collect(),
            })
            .collect(),
        bottleneck: gap.bottleneck.as_ref().map(|b| BottleneckResult {
            roles: b.roles.iter().map(|r| role(*r)).collect(),
            needed: b.needed,
            qualified: b.qualified,
        }),
    }
}

/// The dates a fixed period covered.
#[derive(Serialize)]
pub struct PeriodResult {
    /// The period as the policy writes it, e.g. `last complete calendar year`.
    pub period: String,
    /// Its first day, `YYYY-MM-DD`.
    pub from: String,
    /// Its last day.
    pub to: String,
}

/// Revenue lines by what happened to them.
#[derive(Serialize)]
pub struct LineCounts {
    /// Counted towards the total.
    pub counted: usize,
    /// Another revenue type.
    pub other_type: usize,
    /// A product out of scope.
    pub other_product: usize,
    /// Dated outside the window.
    pub outside_window: usize,
    /// Without the required partner-of-record association.
    pub not_partner_of_record: usize,
    /// Not marked paid, where only paid lines count.
    pub not_paid: usize,
    /// A value of a field the measure filters on that does not meet its
    /// condition (absent when none).
    #[serde(skip_serializing_if = "is_zero")]
    pub other_field_value: usize,
    /// No (valid) value of a field the measure filters on (absent when none).
    #[serde(skip_serializing_if = "is_zero")]
    pub no_field_value: usize,
    /// Not of a customer of the measure this one is restricted to (`for
    /// customers of`; absent when none).
    #[serde(skip_serializing_if = "is_zero")]
    pub not_customer_of: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// One role's outcome.
#[derive(Serialize)]
pub struct RoleResult<'a> {
    /// The role as written, e.g. `1 passing functional and deployment`.
    pub role: &'a str,
    /// Head count.
    pub required: u32,
    /// People who satisfy the role's groups.
    pub qualified: usize,
    /// Slots left empty.
    pub shortfall: u32,
    /// Slots filled.
    #[serde(skip)]
    pub filled: usize,
    /// Who fills it (evidence).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub people: Option<Vec<PersonRef<'a>>>,
}

/// A person named in a result.
#[derive(Serialize)]
pub struct PersonRef<'a> {
    /// Their id, as in the input.
    pub id: &'a RawValue,
    /// Their name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
}

/// A flagged credential pass.
#[derive(Serialize)]
pub struct FlagResult<'a> {
    /// The person's id.
    pub person: &'a RawValue,
    /// The code as in the data.
    pub exam: &'a str,
    /// The pass date.
    pub passed: String,
    /// What is wrong: `before_available` or `after_retirement`.
    pub problem: crate::model::PassStatus,
}

/// A pass recorded under a credential's former name.
#[derive(Serialize)]
pub struct RenamedPassResult<'a> {
    /// The person's id.
    pub person: &'a RawValue,
    /// The code as the data records it: a former name.
    pub recorded_as: &'a str,
    /// The credential it is a pass of, by its current code.
    pub counted_as: &'a str,
    /// The pass date.
    pub passed: String,
}

/// A line recorded under a former name of a product.
#[derive(Serialize)]
pub struct RenamedLineResult<'a> {
    /// `revenue` or `usage`: the list the line is in.
    pub list: crate::eval::renamed::LineList,
    /// Its index in that list, from 0 (as `counted_lines`).
    pub line: usize,
    /// The product as the data records it: a former name.
    pub recorded_as: &'a str,
    /// The product it is a line of, by its current name.
    pub counted_as: &'a str,
}

/// A data error in a result.
#[derive(Serialize)]
pub struct ErrorResult {
    /// The diagnostic code.
    pub code: String,
    /// The message.
    pub message: String,
    /// The data file.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

impl ErrorResult {
    /// The machine form of a data error.
    pub fn from_error(error: &DataError) -> Self {
        use miette::Diagnostic;
        let (file, line, column) = error.location();
        ErrorResult {
            code: error.code().map(|c| c.to_string()).unwrap_or_default(),
            message: error.to_string(),
            file: file.to_owned(),
            line,
            column,
        }
    }
}

/// A problem of a run as a whole, in machine form: in JSON Lines, a line
/// `{"warning": …}` after the partners; in JSON, an item of `warnings`.
#[derive(Serialize)]
pub struct RunWarningResult<'a> {
    /// The diagnostic code.
    pub code: String,
    /// The message.
    pub message: String,
    /// The person concerned.
    pub person: &'a str,
    /// The partners concerned, in input order (at most 20).
    pub partners: &'a [String],
    /// Partners beyond those named.
    pub more: usize,
}

impl<'a> RunWarningResult<'a> {
    /// The machine form of a run's warning.
    pub fn of(warning: &'a crate::batch::RunWarning) -> Self {
        use miette::Diagnostic;
        let code = warning.code().map(|c| c.to_string()).unwrap_or_default();
        match warning {
            crate::batch::RunWarning::PersonAcrossPartners(person) => RunWarningResult {
                code,
                message: warning.to_string(),
                person: &person.id,
                partners: &person.partners,
                more: person.more,
            },
        }
    }
}

fn tier_name(policy: &Policy, tier: Option<crate::model::TierLevelId>) -> Option<&str> {
    tier.and_then(|t| policy.tiers.get(t.0))
        .map(|t| t.id.as_str())
}

/// The result object for an evaluated partner, with as much of the
/// reasoning as the evaluation kept.
pub fn evaluated<'a>(
    policy: &'a Policy,
    evaluated: &'a Evaluated<'a, 'a>,
    decision: Option<&'a DecisionRecord>,
) -> PartnerResult<'a> {
    let view = View {
        policy,
        evaluated,
        partner: evaluated.partner,
    };
    let options = evaluated
        .outcome
        .options
        .iter()
        .map(|o| OptionResult {
            option: &o.option.name,
            tier: tier_name(policy, o.tier),
            tiers: o
                .tiers
                .iter()
                .map(|t| TierResult {
                    tier: tier_name(policy, Some(t.level)).unwrap_or(""),
                    met: t.met,
                    requirements: t.requirements.iter().map(|r| view.requirement(r)).collect(),
                })
                .collect(),
        })
        .collect();
    PartnerResult {
        partner: Some(evaluated.id.json()),
        name: evaluated.name.as_deref(),
        market: evaluated.market.as_deref(),
        status: "evaluated",
        tier: tier_name(policy, evaluated.outcome.tier),
        options,
        flags: evaluated
            .flags
            .iter()
            .map(|flag| FlagResult {
                person: flag.person.json(),
                exam: &flag.exam,
                passed: flag.passed.to_string(),
                problem: flag.status,
            })
            .collect(),
        renamed_passes: evaluated
            .partner
            .map(|partner| {
                crate::eval::renamed::renamed_passes(policy, partner)
                    .into_iter()
                    .filter_map(|r| {
                        Some(RenamedPassResult {
                            person: partner.people.get(r.person)?.id.json(),
                            recorded_as: r.recorded_as,
                            counted_as: r.counted_as,
                            passed: r.passed.to_string(),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default(),
        renamed_lines: evaluated
            .partner
            .map(|partner| {
                crate::eval::renamed::renamed_lines(policy, partner)
                    .into_iter()
                    .map(|r| RenamedLineResult {
                        list: r.list,
                        line: r.line,
                        recorded_as: r.recorded_as,
                        counted_as: r.counted_as,
                    })
                    .collect()
            })
            .unwrap_or_default(),
        errors: Vec::new(),
        warnings: Vec::new(),
        decision,
    }
}

/// What requirement results are rendered from.
#[derive(Clone, Copy)]
struct View<'a> {
    policy: &'a Policy,
    evaluated: &'a Evaluated<'a, 'a>,
    /// The parsed record, when there is evidence to show.
    partner: Option<&'a Partner<'a>>,
}

impl<'a> View<'a> {
    fn requirement(&self, result: &'a RequirementOutcome<'a>) -> RequirementResult<'a> {
        let policy = self.policy;
        match result {
            RequirementOutcome::Measure(r) => {
                let measure = r.definition;
                let number = |d| {
                    if measure.is_money() {
                        money::plain(d)
                    } else {
                        count_text(d)
                    }
                };
                let per_market = matches!(r.requirement.thresholds, Thresholds::PerMarket(..));
                let market = self.evaluated.market.as_deref();
                let other_markets = matches!(
                    r.requirement
                        .thresholds
                        .entry_for(self.evaluated.outcome.market),
                    Some((ThresholdEntry::OtherMarkets, _))
                );
                let evidence = self
                    .partner
                    .and(self.evaluated.outcome.measures.get(r.measure.0));
                RequirementResult::Measure {
                    measure: &measure.name,
                    met: r.met,
                    market: if per_market { market } else { None },
                    actual: number(r.actual),
                    per_month: r.per_month,
                    every_month: r.every_month.then(|| {
                        Box::new(EveryMonthResult {
                            every_month: true,
                            months: r
                                .months
                                .iter()
                                .map(|m| MonthResult {
                                    from: m.first.to_string(),
                                    to: m.last.to_string(),
                                    actual: number(m.value),
                                    shortfall: r
                                        .required
                                        .map(|t| number(month_shortfall(t, m.value))),
                                })
                                .collect(),
                        })
                    }),
                    more_than: r.requirement.more_than,
                    other_markets,
                    required: r.required.map(number),
                    shortfall: r.shortfall.map(number),
                    currency: if measure.is_money() {
                        policy.currency.as_deref()
                    } else {
                        None
                    },
                    note: r
                        .required
                        .is_none()
                        .then(|| super::no_threshold_note(market)),
                    period: measure.period.is_fixed().then(|| PeriodResult {
                        period: measure.period.describe(),
                        from: r.window.first_day().to_string(),
                        to: r.window.end.to_string(),
                    }),
                    lines: evidence.map(|t| {
                        let excluded =
                            |why: Exclusion| t.excluded.get(why as usize).copied().unwrap_or(0);
                        Box::new(LineCounts {
                            counted: t.counted.len(),
                            other_type: excluded(Exclusion::OtherType),
                            other_product: excluded(Exclusion::OtherProduct),
                            outside_window: excluded(Exclusion::OutsideWindow),
                            not_partner_of_record: excluded(Exclusion::NotPartnerOfRecord),
                            not_paid: excluded(Exclusion::NotPaid),
                            other_field_value: excluded(Exclusion::OtherFieldValue),
                            no_field_value: excluded(Exclusion::NoFieldValue),
                            not_customer_of: excluded(Exclusion::NotCustomerOf),
                        })
                    }),
                    lines_without_customer: evidence
                        .map(|t| t.without_customer.len())
                        .filter(|n| *n > 0),
                    counted_lines: evidence.map(|t| t.counted.clone()),
                    excluded_lines: evidence.map(|t| {
                        t.excluded_lines
                            .iter()
                            .map(|(line, reason)| ExcludedLine {
                                line: *line,
                                reason: *reason,
                            })
                            .collect()
                    }),
                    keys: evidence.filter(|t| !t.keys.is_empty()).map(|t| {
                        let chosen = largest_key(measure, &t.keys);
                        Box::new(
                            t.keys
                                .iter()
                                .enumerate()
                                .map(|(i, k)| KeyResult {
                                    customer: k.customer.clone(),
                                    product: k.product.clone(),
                                    month: k.month.map(|(a, b)| [a.to_string(), b.to_string()]),
                                    value: number(k.value),
                                    latest: k.as_of.map(|d| d.to_string()),
                                    largest: chosen == Some(i),
                                    lines: k.lines.clone(),
                                })
                                .collect(),
                        )
                    }),
                }
            }
            RequirementOutcome::People(p) => {
                let roles: Vec<RoleResult<'a>> = p
                    .requirement
                    .roles
                    .iter()
                    .enumerate()
                    .map(|(i, role)| {
                        let count = p.filled.get(i).copied().unwrap_or(0);
                        let chosen = p.assignment.as_ref().and_then(|a| a.filled.get(i));
                        RoleResult {
                            role: &role.description,
                            required: role.count,
                            qualified: p.qualified.get(i).copied().unwrap_or(0),
                            shortfall: role
                                .count
                                .saturating_sub(u32::try_from(count).unwrap_or(u32::MAX)),
                            filled: count,
                            people: self.partner.zip(chosen).map(|(partner, filled)| {
                                filled
                                    .iter()
                                    .filter_map(|&k| partner.people.get(k))
                                    .map(|person| PersonRef {
                                        id: person.id.json(),
                                        name: person.name.as_deref(),
                                    })
                                    .collect()
                            }),
                        }
                    })
                    .collect();
                RequirementResult::People {
                    met: p.met,
                    distinct: p.distinct,
                    required: p.requirement.roles.iter().map(|r| u64::from(r.count)).sum(),
                    filled: roles.iter().map(|r| r.filled as u64).sum(),
                    roles,
                    gap: match (&p.gap, self.partner) {
                        (Some(gap), Some(partner)) => {
                            Some(gap_result(policy, partner, p.requirement, gap))
                        }
                        _ => None,
                    },
                }
            }
            RequirementOutcome::Attribute { attribute, met } => RequirementResult::Attribute {
                attribute: &attribute.id,
                met: *met,
            },
            RequirementOutcome::Either { met, branches } => RequirementResult::Either {
                met: *met,
                branches: branches
                    .iter()
                    .map(|b| BranchResult {
                        met: b.met,
                        requirements: b.requirements.iter().map(|r| self.requirement(r)).collect(),
                    })
                    .collect(),
            },
        }
    }
}

/// A count for machine output: normalised, no trailing zeros.
/// What a month's `value` is short of `threshold`: zero when it reaches it.
fn month_shortfall(threshold: Decimal, value: Decimal) -> Decimal {
    threshold
        .checked_sub(value)
        .unwrap_or(Decimal::MAX)
        .max(Decimal::ZERO)
}

/// With `largest`, the index of the key whose value is the measure's (the
/// first of equal ones).
pub(crate) fn largest_key(
    measure: &crate::model::Measure,
    keys: &[crate::eval::keyed::KeyValue],
) -> Option<usize> {
    let crate::model::MeasureKind::Usage { largest: true, .. } = measure.kind else {
        return None;
    };
    let best = keys.iter().map(|k| k.value).max()?;
    keys.iter().position(|k| k.value == best)
}

fn count_text(count: Decimal) -> String {
    count.normalize().to_string()
}

/// The result object for a record that could not be evaluated. `partner`
/// is echoed only when it is a JSON string or number (what an id may be);
/// anything else (an array nested hundreds deep, say) is `null`.
pub fn failed<'a>(
    partner: Option<&'a RawValue>,
    errors: &[DataError],
    decision: Option<&'a DecisionRecord>,
) -> PartnerResult<'a> {
    PartnerResult {
        partner: partner.filter(|id| crate::data::is_id(id)),
        name: None,
        market: None,
        status: "error",
        tier: None,
        options: Vec::new(),
        flags: Vec::new(),
        renamed_passes: Vec::new(),
        renamed_lines: Vec::new(),
        errors: errors.iter().map(ErrorResult::from_error).collect(),
        warnings: Vec::new(),
        decision,
    }
}

/// Writes `text` as a JSON string.
fn put_str(out: &mut Vec<u8>, text: &str) {
    // Writing a string into memory cannot fail.
    let _ = serde_json::to_writer(&mut *out, text);
}

/// Writes a JSON string, or `null`.
fn put_opt_str(out: &mut Vec<u8>, text: Option<&str>) {
    match text {
        Some(text) => put_str(out, text),
        None => out.extend_from_slice(b"null"),
    }
}

fn put_bool(out: &mut Vec<u8>, value: bool) {
    out.extend_from_slice(if value { b"true" } else { b"false" });
}

fn put_display(out: &mut Vec<u8>, value: impl std::fmt::Display) {
    use std::io::Write as _;
    let _ = write!(out, "{value}");
}

fn put_number(out: &mut Vec<u8>, value: impl itoa::Integer) {
    out.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
}

/// Writes `value` as its `Display` does (`-1234.50`), without going through
/// the formatting machinery, which costs more than the digits on this path.
fn put_plain_decimal(out: &mut Vec<u8>, value: Decimal) {
    // As `Display` does, a negative zero keeps its sign.
    if value.is_sign_negative() {
        out.push(b'-');
    }
    let mut digits = itoa::Buffer::new();
    let digits = digits.format(value.mantissa().unsigned_abs()).as_bytes();
    let scale = value.scale() as usize;
    match digits.len().checked_sub(scale) {
        _ if scale == 0 => out.extend_from_slice(digits),
        Some(whole) if whole > 0 => {
            let (whole, fraction) = digits.split_at(whole);
            out.extend_from_slice(whole);
            out.push(b'.');
            out.extend_from_slice(fraction);
        }
        _ => {
            out.extend_from_slice(b"0.");
            out.resize(out.len() + scale.saturating_sub(digits.len()), b'0');
            out.extend_from_slice(digits);
        }
    }
}

/// Writes an amount or count as a JSON string, as [`money::plain`] and
/// [`count_text`] do, without building the string.
fn put_decimal(out: &mut Vec<u8>, value: Decimal, money: bool) {
    let mut value = value.normalize();
    if money && value.scale() < 2 {
        value.rescale(2);
    }
    out.push(b'"');
    put_plain_decimal(out, value);
    out.push(b'"');
}

/// Writes the JSON Lines result of an evaluated partner straight into `out`,
/// byte for byte what serialising [`evaluated`] writes, without building the
/// result tree: the common case of a batch. Returns `false`, writing
/// nothing, for what it does not cover (evidence, which keeps the general
/// path).
pub fn write_line(policy: &Policy, evaluated: &Evaluated<'_, '_>, out: &mut Vec<u8>) -> bool {
    if evaluated.partner.is_some() {
        return false;
    }
    out.extend_from_slice(b"{\"partner\":");
    out.extend_from_slice(evaluated.id.json().get().as_bytes());
    if let Some(name) = &evaluated.name {
        out.extend_from_slice(b",\"name\":");
        put_str(out, name);
    }
    let market = evaluated.market.as_deref();
    if let Some(market) = market {
        out.extend_from_slice(b",\"market\":");
        put_str(out, market);
    }
    out.extend_from_slice(b",\"status\":\"evaluated\",\"tier\":");
    put_opt_str(out, tier_name(policy, evaluated.outcome.tier));
    if !evaluated.outcome.options.is_empty() {
        out.extend_from_slice(b",\"options\":[");
        for (i, o) in evaluated.outcome.options.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(b"{\"option\":");
            put_str(out, &o.option.name);
            out.extend_from_slice(b",\"tier\":");
            put_opt_str(out, tier_name(policy, o.tier));
            out.extend_from_slice(b",\"tiers\":[");
            for (j, t) in o.tiers.iter().enumerate() {
                if j > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(b"{\"tier\":");
                put_str(out, tier_name(policy, Some(t.level)).unwrap_or(""));
                out.extend_from_slice(b",\"met\":");
                put_bool(out, t.met);
                out.extend_from_slice(b",\"requirements\":");
                put_requirements(
                    out,
                    policy,
                    (market, evaluated.outcome.market),
                    &t.requirements,
                );
                out.push(b'}');
            }
            out.extend_from_slice(b"]}");
        }
        out.push(b']');
    }
    if !evaluated.flags.is_empty() {
        out.extend_from_slice(b",\"flags\":[");
        for (i, flag) in evaluated.flags.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(b"{\"person\":");
            out.extend_from_slice(flag.person.json().get().as_bytes());
            out.extend_from_slice(b",\"exam\":");
            put_str(out, &flag.exam);
            out.extend_from_slice(b",\"passed\":\"");
            put_display(out, flag.passed);
            out.extend_from_slice(b"\",\"problem\":");
            let _ = serde_json::to_writer(&mut *out, &flag.status);
            out.push(b'}');
        }
        out.push(b']');
    }
    out.push(b'}');
    true
}

/// `market`: the partner's market as written, and as the policy knows it.
fn put_requirements(
    out: &mut Vec<u8>,
    policy: &Policy,
    (market, market_id): (Option<&str>, Option<MarketId>),
    list: &[RequirementOutcome<'_>],
) {
    out.push(b'[');
    for (i, r) in list.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        match r {
            RequirementOutcome::Measure(m) => {
                let money = m.definition.is_money();
                out.extend_from_slice(b"{\"kind\":\"measure\",\"measure\":");
                put_str(out, &m.definition.name);
                out.extend_from_slice(b",\"met\":");
                put_bool(out, m.met);
                out.extend_from_slice(b",\"market\":");
                let per_market = matches!(m.requirement.thresholds, Thresholds::PerMarket(..));
                put_opt_str(out, market.filter(|_| per_market));
                out.extend_from_slice(b",\"actual\":");
                put_decimal(out, m.actual, money);
                if m.per_month {
                    out.extend_from_slice(b",\"per_month\":true");
                }
                if m.every_month {
                    out.extend_from_slice(b",\"every_month\":true,\"months\":[");
                    for (i, month) in m.months.iter().enumerate() {
                        if i > 0 {
                            out.push(b',');
                        }
                        out.extend_from_slice(b"{\"from\":");
                        put_str(out, &month.first.to_string());
                        out.extend_from_slice(b",\"to\":");
                        put_str(out, &month.last.to_string());
                        out.extend_from_slice(b",\"actual\":");
                        put_decimal(out, month.value, money);
                        out.extend_from_slice(b",\"shortfall\":");
                        match m.required {
                            Some(t) => put_decimal(out, month_shortfall(t, month.value), money),
                            None => out.extend_from_slice(b"null"),
                        }
                        out.push(b'}');
                    }
                    out.push(b']');
                }
                if m.requirement.more_than {
                    out.extend_from_slice(b",\"more_than\":true");
                }
                if matches!(
                    m.requirement.thresholds.entry_for(market_id),
                    Some((ThresholdEntry::OtherMarkets, _))
                ) {
                    out.extend_from_slice(b",\"other_markets\":true");
                }
                out.extend_from_slice(b",\"required\":");
                match m.required {
                    Some(required) => put_decimal(out, required, money),
                    None => out.extend_from_slice(b"null"),
                }
                out.extend_from_slice(b",\"shortfall\":");
                match m.shortfall {
                    Some(shortfall) => put_decimal(out, shortfall, money),
                    None => out.extend_from_slice(b"null"),
                }
                out.extend_from_slice(b",\"currency\":");
                put_opt_str(out, policy.currency.as_deref().filter(|_| money));
                if m.required.is_none() {
                    out.extend_from_slice(b",\"note\":");
                    put_str(out, &super::no_threshold_note(market));
                }
                if m.definition.period.is_fixed() {
                    out.extend_from_slice(b",\"period\":{\"period\":");
                    put_str(out, &m.definition.period.describe());
                    out.extend_from_slice(b",\"from\":");
                    put_str(out, &m.window.first_day().to_string());
                    out.extend_from_slice(b",\"to\":");
                    put_str(out, &m.window.end.to_string());
                    out.push(b'}');
                }
                out.push(b'}');
            }
            RequirementOutcome::People(p) => {
                out.extend_from_slice(b"{\"kind\":\"people\",\"met\":");
                put_bool(out, p.met);
                out.extend_from_slice(b",\"distinct\":");
                put_bool(out, p.distinct);
                out.extend_from_slice(b",\"required\":");
                let required: u64 = p.requirement.roles.iter().map(|r| u64::from(r.count)).sum();
                put_number(out, required);
                out.extend_from_slice(b",\"filled\":");
                put_number(out, p.filled.iter().map(|f| *f as u64).sum::<u64>());
                out.extend_from_slice(b",\"roles\":[");
                for (k, role) in p.requirement.roles.iter().enumerate() {
                    if k > 0 {
                        out.push(b',');
                    }
                    let filled = p.filled.get(k).copied().unwrap_or(0);
                    out.extend_from_slice(b"{\"role\":");
                    put_str(out, &role.description);
                    out.extend_from_slice(b",\"required\":");
                    put_number(out, role.count);
                    out.extend_from_slice(b",\"qualified\":");
                    put_number(out, p.qualified.get(k).copied().unwrap_or(0));
                    out.extend_from_slice(b",\"shortfall\":");
                    put_number(
                        out,
                        role.count
                            .saturating_sub(u32::try_from(filled).unwrap_or(u32::MAX)),
                    );
                    out.push(b'}');
                }
                out.extend_from_slice(b"]}");
            }
            RequirementOutcome::Attribute { attribute, met } => {
                out.extend_from_slice(b"{\"kind\":\"attribute\",\"attribute\":");
                put_str(out, &attribute.id);
                out.extend_from_slice(b",\"met\":");
                put_bool(out, *met);
                out.push(b'}');
            }
            RequirementOutcome::Either { met, branches } => {
                out.extend_from_slice(b"{\"kind\":\"either\",\"met\":");
                put_bool(out, *met);
                out.extend_from_slice(b",\"branches\":[");
                for (k, b) in branches.iter().enumerate() {
                    if k > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice(b"{\"met\":");
                    put_bool(out, b.met);
                    out.extend_from_slice(b",\"requirements\":");
                    put_requirements(out, policy, (market, market_id), &b.requirements);
                    out.push(b'}');
                }
                out.extend_from_slice(b"]}");
            }
        }
    }
    out.push(b']');
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;

    fn plain(value: Decimal) -> String {
        let mut out = Vec::new();
        super::put_plain_decimal(&mut out, value);
        String::from_utf8(out).unwrap_or_default()
    }

    #[test]
    fn a_decimal_is_written_as_its_display_writes_it() {
        let mut zero = Decimal::new(0, 2);
        zero.set_sign_negative(true);
        for value in [
            Decimal::ZERO,
            zero,
            Decimal::new(5, 2),
            Decimal::new(-5, 2),
            Decimal::new(10_000_000, 2),
            Decimal::new(-123_456, 0),
            Decimal::new(1, 28),
            Decimal::MAX,
            Decimal::MIN,
        ] {
            assert_eq!(plain(value), value.to_string(), "{value:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_decimal_is_written_as_its_display_writes_it(
            mantissa in proptest::num::i64::ANY,
            scale in 0u32..=28,
        ) {
            let value = Decimal::new(mantissa, scale);
            proptest::prop_assert_eq!(plain(value), value.to_string());
        }
    }
}
