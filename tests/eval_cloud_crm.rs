//! Evaluation of `policies/cloud_crm.policy`, pinned at every boundary.
//!
//! Every test builds partner JSON text and sends it through the real pipeline:
//! framing (`rubric::data::read::whole_text`), parsing
//! (`rubric::data::Partner::parse`) and evaluation (`rubric::eval::Evaluator`)
//! at an as-of date. The expectations come from the competency's rules, not
//! from the implementation:
//!
//! - revenue counts when it is `net_new`, for "CRM Online" or "Dynamics 365
//!   Plan 1" (any case, surrounding spaces ignored), dated in the trailing
//!   twelve months (`D - 1 year < date <= D`, 29 February less a year being 28
//!   February) and associated as `dpor`; amounts are exact decimals, credits
//!   lower the sum, and a line in another currency than USD is a data error;
//! - silver needs 100,000 USD and gold 300,000 USD, in developed markets only;
//! - an exam counts when passed on or before the as-of date; codes compare
//!   case-insensitively with any run of spaces, hyphens or underscores read as
//!   one hyphen;
//! - silver needs one person with functional and deployment and a different
//!   person with customization; gold needs two of each, four people in all;
//!   people are assigned exactly, never greedily;
//! - each tier is evaluated on its own, and the partner's tier is the highest
//!   one met.
//!
//! The rendered reports for `examples/partners.jsonl` are pinned as insta
//! snapshots under `tests/eval/snapshots`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::HashSet;
use std::sync::OnceLock;

use common::lang::{date, dec as usd};
use rubric::batch::{self, DataInput, Event};
use rubric::data::{DataError, Partner};
use rubric::eval::{
    Detail, Evaluator, MeasureOutcome, PartnerOutcome, PeopleOutcome, RequirementOutcome,
    TierOutcome,
};
use rubric::model::Policy;
use rust_decimal::Decimal;
use std::ops::ControlFlow;

// ---------------------------------------------------------------------------
// The policy, dates and amounts
// ---------------------------------------------------------------------------

/// The as-of date of most tests: the window is 2016-07-01 ..= 2017-06-30.
const AS_OF: &str = "2017-06-30";
/// When people pass their exams unless a test says otherwise: well inside.
const PASSED: &str = "2017-01-01";
/// When revenue is booked unless a test says otherwise: well inside.
const BOOKED: &str = "2017-03-15";

const FUNCTIONAL: [&str; 3] = ["MB2-714", "MB2-713", "MB2-709"];
const DEPLOYMENT: [&str; 2] = ["MB2-710", "MB2-706"];
const CUSTOMIZATION: [&str; 2] = ["MB2-712", "MB2-707"];
const EVERY_EXAM: [&str; 7] = [
    "MB2-714", "MB2-713", "MB2-709", "MB2-710", "MB2-706", "MB2-712", "MB2-707",
];
const FUNCTIONAL_AND_DEPLOYMENT: [&str; 2] = ["MB2-714", "MB2-710"];
const CUSTOMIZER: [&str; 1] = ["MB2-712"];

/// The role order of both tiers' people requirements.
const FUNCTIONAL_AND_DEPLOYMENT_ROLE: usize = 0;
const CUSTOMIZATION_ROLE: usize = 1;

fn policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/policies/cloud_crm.policy"
        ))
        .expect("the policy file is readable");
        rubric::load_policy(&text).expect("the policy loads")
    })
}

fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap()
}

// ---------------------------------------------------------------------------
// A builder for partner JSON
// ---------------------------------------------------------------------------

/// A partner record to be written as JSON text.
#[derive(Clone, Debug)]
struct PartnerData {
    id: String,
    market: Option<String>,
    people: Vec<PersonData>,
    revenue: Vec<Line>,
    unknown_fields: bool,
}

#[derive(Clone, Debug)]
struct PersonData {
    id: String,
    exams: Vec<(String, String)>,
}

/// One revenue line; `amount` is raw JSON (a number, or a quoted string).
#[derive(Clone, Debug)]
struct Line {
    product: String,
    kind: String,
    amount: String,
    currency: String,
    date: String,
    associations: Option<Vec<String>>,
}

/// A developed-market partner with no people and no revenue yet.
fn partner() -> PartnerData {
    PartnerData {
        id: "P-1".to_owned(),
        market: Some("developed".to_owned()),
        people: Vec::new(),
        revenue: Vec::new(),
        unknown_fields: false,
    }
}

/// A `net_new` line for "CRM Online" in USD, booked inside the window as DPOR.
/// `amount` is written as a JSON number.
fn net_new(amount: &str) -> Line {
    Line {
        product: "CRM Online".to_owned(),
        kind: "net_new".to_owned(),
        amount: amount.to_owned(),
        currency: "USD".to_owned(),
        date: BOOKED.to_owned(),
        associations: Some(vec!["dpor".to_owned()]),
    }
}

impl Line {
    fn on(mut self, date: &str) -> Self {
        self.date = date.to_owned();
        self
    }

    fn for_product(mut self, product: &str) -> Self {
        self.product = product.to_owned();
        self
    }

    fn of_type(mut self, kind: &str) -> Self {
        self.kind = kind.to_owned();
        self
    }

    fn in_currency(mut self, currency: &str) -> Self {
        self.currency = currency.to_owned();
        self
    }

    fn associated_as(mut self, associations: &[&str]) -> Self {
        self.associations = Some(associations.iter().map(|a| (*a).to_owned()).collect());
        self
    }

    fn without_associations_field(mut self) -> Self {
        self.associations = None;
        self
    }

    /// Writes the amount as a JSON string instead of a number.
    fn amount_as_string(mut self) -> Self {
        self.amount = quoted(&self.amount);
        self
    }

    fn to_json(&self, unknown_fields: bool) -> String {
        let mut fields = vec![
            format!("\"customer\": {}", quoted("Customer")),
            format!("\"product\": {}", quoted(&self.product)),
            format!("\"type\": {}", quoted(&self.kind)),
            format!("\"amount\": {}", self.amount),
            format!("\"currency\": {}", quoted(&self.currency)),
            format!("\"date\": {}", quoted(&self.date)),
        ];
        if let Some(associations) = &self.associations {
            let list: Vec<String> = associations.iter().map(|a| quoted(a)).collect();
            fields.push(format!("\"associations\": [{}]", list.join(", ")));
        }
        if unknown_fields {
            fields
                .push(r#""invoice": "INV-77", "notes": {"amount": -1, "currency": "EUR"}"#.into());
        }
        format!("{{{}}}", fields.join(", "))
    }
}

impl PersonData {
    fn to_json(&self, unknown_fields: bool) -> String {
        let exams: Vec<String> = self
            .exams
            .iter()
            .map(|(code, passed)| {
                let extra = if unknown_fields {
                    r#", "score": 812, "proctored": true"#
                } else {
                    ""
                };
                format!(
                    "{{\"code\": {}, \"passed\": {}{extra}}}",
                    quoted(code),
                    quoted(passed)
                )
            })
            .collect();
        let extra = if unknown_fields {
            r#", "email": "someone@example.com", "manager": null"#
        } else {
            ""
        };
        format!(
            "{{\"id\": {}, \"name\": {}, \"exams\": [{}]{extra}}}",
            quoted(&self.id),
            quoted(&format!("Person {}", self.id)),
            exams.join(", ")
        )
    }
}

impl PartnerData {
    fn id(mut self, id: &str) -> Self {
        self.id = id.to_owned();
        self
    }

    fn in_market(mut self, market: &str) -> Self {
        self.market = Some(market.to_owned());
        self
    }

    fn without_market(mut self) -> Self {
        self.market = None;
        self
    }

    /// A person who passed `exams`, all on [`PASSED`].
    fn person(self, id: &str, exams: &[&str]) -> Self {
        let dated: Vec<(&str, &str)> = exams.iter().map(|code| (*code, PASSED)).collect();
        self.person_passing(id, &dated)
    }

    /// A person who passed each exam on its own date.
    fn person_passing(mut self, id: &str, exams: &[(&str, &str)]) -> Self {
        self.people.push(PersonData {
            id: id.to_owned(),
            exams: exams
                .iter()
                .map(|(code, passed)| ((*code).to_owned(), (*passed).to_owned()))
                .collect(),
        });
        self
    }

    fn line(mut self, line: Line) -> Self {
        self.revenue.push(line);
        self
    }

    /// Exactly the people silver asks for: one with functional and
    /// deployment, another with customization.
    fn silver_team(self) -> Self {
        self.person("F1", &FUNCTIONAL_AND_DEPLOYMENT)
            .person("C1", &CUSTOMIZER)
    }

    /// Exactly the people gold asks for: two with functional and deployment,
    /// two others with customization.
    fn gold_team(self) -> Self {
        self.person("F1", &FUNCTIONAL_AND_DEPLOYMENT)
            .person("F2", &["MB2-713", "MB2-706"])
            .person("C1", &CUSTOMIZER)
            .person("C2", &["MB2-707"])
    }

    /// Adds fields the data format does not know, at every level.
    fn with_unknown_fields(mut self) -> Self {
        self.unknown_fields = true;
        self
    }

    /// The record as one line of JSON.
    fn to_json(&self) -> String {
        let mut fields = vec![
            format!("\"id\": {}", quoted(&self.id)),
            format!("\"name\": {}", quoted(&format!("Partner {}", self.id))),
        ];
        if let Some(market) = &self.market {
            fields.push(format!("\"market\": {}", quoted(market)));
        }
        if self.unknown_fields {
            fields.push(
                r#""website": "https://example.com", "tags": ["a", 1, null], "tier": "gold", "contact": {"people": []}"#
                    .into(),
            );
        }
        let people: Vec<String> = self
            .people
            .iter()
            .map(|p| p.to_json(self.unknown_fields))
            .collect();
        fields.push(format!("\"people\": [{}]", people.join(", ")));
        let revenue: Vec<String> = self
            .revenue
            .iter()
            .map(|l| l.to_json(self.unknown_fields))
            .collect();
        fields.push(format!("\"revenue\": [{}]", revenue.join(", ")));
        format!("{{{}}}", fields.join(", "))
    }

    /// Evaluates the partner as of [`AS_OF`].
    fn evaluate(&self) -> Evaluated {
        self.evaluate_as_of(AS_OF)
    }

    fn evaluate_as_of(&self, as_of: &str) -> Evaluated {
        match evaluate_one(&self.to_json(), as_of) {
            Ok(evaluated) => evaluated,
            Err(errors) => panic!("evaluation failed: {errors:?}"),
        }
    }

    /// The data errors evaluation returns instead of a decision.
    fn evaluation_errors(&self) -> Vec<DataError> {
        match evaluate_one(&self.to_json(), AS_OF) {
            Ok(evaluated) => panic!("expected data errors, got {:?}", evaluated.outcome),
            Err(errors) => errors,
        }
    }
}

// ---------------------------------------------------------------------------
// The pipeline and views of its outcome
// ---------------------------------------------------------------------------

/// One partner's outcome, with the ids of its people by input position.
#[derive(Debug)]
struct Evaluated {
    outcome: PartnerOutcome<'static>,
    people: Vec<String>,
}

/// Frames `text` as a data file, then parses and evaluates every record.
fn evaluate_text(text: &str, as_of: &str) -> Vec<Result<Evaluated, Vec<DataError>>> {
    let policy = policy();
    let evaluator = Evaluator::new(policy, date(as_of));
    rubric::data::read::whole_text("case.json", text.to_owned())
        .into_iter()
        .map(|framed| {
            let record = framed.expect("the text frames into records");
            let partner = Partner::parse(&record).expect("the record is a valid partner");
            evaluator.evaluate(&partner).map(|outcome| Evaluated {
                outcome,
                people: partner
                    .people
                    .iter()
                    .map(|p| p.id.text().into_owned())
                    .collect(),
            })
        })
        .collect()
}

fn evaluate_one(text: &str, as_of: &str) -> Result<Evaluated, Vec<DataError>> {
    let mut all = evaluate_text(text, as_of);
    assert_eq!(all.len(), 1, "one record expected in {text}");
    all.remove(0)
}

fn tier_name(tier: Option<rubric::model::TierLevelId>) -> Option<&'static str> {
    tier.map(|id| policy().tiers[id.0].id.as_str())
}

impl Evaluated {
    /// The partner's tier by name, `None` for no tier.
    fn tier(&self) -> Option<&'static str> {
        tier_name(self.outcome.tier)
    }

    /// The reseller option's outcome for a tier, by name.
    fn tier_outcome(&self, name: &str) -> &TierOutcome<'_> {
        assert_eq!(self.outcome.options.len(), 1, "one option: reseller");
        self.outcome.options[0]
            .tiers
            .iter()
            .find(|t| tier_name(Some(t.level)) == Some(name))
            .unwrap_or_else(|| panic!("no tier {name}"))
    }

    fn meets(&self, tier: &str) -> bool {
        self.tier_outcome(tier).met
    }

    /// The tier's revenue requirement (its only measure requirement).
    fn revenue(&self, tier: &str) -> &MeasureOutcome<'_> {
        self.tier_outcome(tier)
            .requirements
            .iter()
            .find_map(|r| match r {
                RequirementOutcome::Measure(r) => Some(r),
                _ => None,
            })
            .expect("a revenue requirement")
    }

    fn people(&self, tier: &str) -> &PeopleOutcome<'_> {
        self.tier_outcome(tier)
            .requirements
            .iter()
            .find_map(|r| match r {
                RequirementOutcome::People(p) => Some(p),
                _ => None,
            })
            .expect("a people requirement")
    }

    /// The revenue that counted (the same measure backs both tiers).
    fn counted(&self) -> Decimal {
        let silver = self.revenue("silver").actual;
        assert_eq!(silver, self.revenue("gold").actual, "one measure, one sum");
        silver
    }

    /// The ids of the people filling each role of a tier.
    fn assigned(&self, tier: &str) -> Vec<Vec<&str>> {
        self.people(tier)
            .assignment
            .as_ref()
            .expect("evaluated with evidence")
            .filled
            .iter()
            .map(|role| role.iter().map(|&i| self.people[i].as_str()).collect())
            .collect()
    }

    fn slots_filled(&self, tier: &str) -> usize {
        self.people(tier).filled.iter().sum()
    }
}

/// A silver team with `line` as the only revenue, evaluated as of `as_of`.
fn silver_team_with(line: Line, as_of: &str) -> Evaluated {
    partner().silver_team().line(line).evaluate_as_of(as_of)
}

/// 100,000 USD of counting revenue, with `people` to judge.
fn people_with_silver_revenue(people: &[(&str, &[&str])]) -> Evaluated {
    people
        .iter()
        .fold(partner(), |p, (id, exams)| p.person(id, exams))
        .line(net_new("100000"))
        .evaluate()
}

// ---------------------------------------------------------------------------
// The trailing twelve months
// ---------------------------------------------------------------------------

#[test]
fn revenue_dated_exactly_one_year_before_the_as_of_date_is_outside_the_window() {
    let e = silver_team_with(net_new("100000").on("2016-06-30"), AS_OF);
    assert_eq!(e.counted(), usd("0"));
    assert!(!e.revenue("silver").met);
    assert_eq!(e.tier(), None);
}

#[test]
fn revenue_dated_the_day_after_one_year_before_the_as_of_date_counts() {
    let e = silver_team_with(net_new("100000").on("2016-07-01"), AS_OF);
    assert_eq!(e.counted(), usd("100000"));
    assert_eq!(e.tier(), Some("silver"));
}

#[test]
fn revenue_dated_on_the_as_of_date_counts() {
    let e = silver_team_with(net_new("100000").on("2017-06-30"), AS_OF);
    assert_eq!(e.counted(), usd("100000"));
    assert_eq!(e.tier(), Some("silver"));
}

#[test]
fn revenue_dated_the_day_after_the_as_of_date_does_not_count() {
    let e = silver_team_with(net_new("100000").on("2017-07-01"), AS_OF);
    assert_eq!(e.counted(), usd("0"));
    assert_eq!(e.tier(), None);
}

#[test]
fn as_of_a_leap_day_the_window_opens_after_28_february_of_the_year_before() {
    let leap_day = "2020-02-29";
    let on_28_february = silver_team_with(net_new("100000").on("2019-02-28"), leap_day);
    assert_eq!(on_28_february.counted(), usd("0"));
    assert_eq!(on_28_february.tier(), None);

    let on_1_march = silver_team_with(net_new("100000").on("2019-03-01"), leap_day);
    assert_eq!(on_1_march.counted(), usd("100000"));
    assert_eq!(on_1_march.tier(), Some("silver"));

    let on_the_leap_day = silver_team_with(net_new("100000").on("2020-02-29"), leap_day);
    assert_eq!(on_the_leap_day.counted(), usd("100000"));
}

#[test]
fn only_the_lines_inside_the_window_are_summed() {
    let e = partner()
        .silver_team()
        .line(net_new("1").on("2016-06-29"))
        .line(net_new("2").on("2016-06-30"))
        .line(net_new("4").on("2016-07-01"))
        .line(net_new("8").on("2017-06-30"))
        .line(net_new("16").on("2017-07-01"))
        .evaluate();
    assert_eq!(e.counted(), usd("12"));
}

// ---------------------------------------------------------------------------
// Which lines count: association, product, type
// ---------------------------------------------------------------------------

#[test]
fn revenue_without_any_association_does_not_count() {
    let e = silver_team_with(net_new("100000").associated_as(&[]), AS_OF);
    assert_eq!(e.counted(), usd("0"));
    assert_eq!(e.tier(), None);
}

#[test]
fn revenue_without_an_associations_field_does_not_count() {
    let e = silver_team_with(net_new("100000").without_associations_field(), AS_OF);
    assert_eq!(e.counted(), usd("0"));
    assert_eq!(e.tier(), None);
}

#[test]
fn revenue_associated_only_as_another_partner_of_record_does_not_count() {
    let e = silver_team_with(net_new("100000").associated_as(&["cpor"]), AS_OF);
    assert_eq!(e.counted(), usd("0"));
    assert_eq!(e.tier(), None);
}

#[test]
fn revenue_associated_as_dpor_among_others_counts() {
    let e = silver_team_with(net_new("100000").associated_as(&["cpor", "dpor"]), AS_OF);
    assert_eq!(e.counted(), usd("100000"));
    assert_eq!(e.tier(), Some("silver"));
}

#[test]
fn revenue_for_a_product_out_of_scope_does_not_count() {
    for product in [
        "Dynamics 365 Plan 2",
        "Office 365",
        "CRM",
        "CRM Online Plus",
    ] {
        let e = silver_team_with(net_new("100000").for_product(product), AS_OF);
        assert_eq!(e.counted(), usd("0"), "{product:?}");
        assert_eq!(e.tier(), None, "{product:?}");
    }
}

#[test]
fn both_products_in_scope_count() {
    let e = partner()
        .silver_team()
        .line(net_new("60000").for_product("CRM Online"))
        .line(net_new("40000").for_product("Dynamics 365 Plan 1"))
        .evaluate();
    assert_eq!(e.counted(), usd("100000"));
    assert_eq!(e.tier(), Some("silver"));
}

#[test]
fn products_match_in_any_case_with_surrounding_spaces_ignored() {
    let e = partner()
        .silver_team()
        .line(net_new("60000").for_product("  crm ONLINE "))
        .line(net_new("40000").for_product("   dynamics 365 plan 1  "))
        .evaluate();
    assert_eq!(e.counted(), usd("100000"));
    assert_eq!(e.tier(), Some("silver"));
}

#[test]
fn renewal_revenue_does_not_count_towards_net_new() {
    let e = silver_team_with(net_new("100000").of_type("renewal"), AS_OF);
    assert_eq!(e.counted(), usd("0"));
    assert_eq!(e.tier(), None);
}

// ---------------------------------------------------------------------------
// Exact sums and thresholds
// ---------------------------------------------------------------------------

#[test]
fn a_sum_exactly_at_the_silver_threshold_meets_it() {
    let e = silver_team_with(net_new("100000.00"), AS_OF);
    let silver = e.revenue("silver");
    assert!(silver.met);
    assert_eq!(silver.required, Some(usd("100000")));
    assert_eq!(silver.shortfall, Some(usd("0")));
    assert_eq!(e.tier(), Some("silver"));
}

#[test]
fn thirds_written_as_json_numbers_sum_exactly_to_the_silver_threshold() {
    let e = partner()
        .silver_team()
        .line(net_new("33333.33"))
        .line(net_new("33333.33"))
        .line(net_new("33333.34"))
        .evaluate();
    let silver = e.revenue("silver");
    assert_eq!(silver.actual, usd("100000"));
    assert!(silver.met);
    assert_eq!(silver.shortfall, Some(usd("0")));
    assert_eq!(e.tier(), Some("silver"));
}

#[test]
fn one_cent_below_the_silver_threshold_falls_short_by_exactly_one_cent() {
    let e = partner()
        .silver_team()
        .line(net_new("33333.33"))
        .line(net_new("33333.33"))
        .line(net_new("33333.33"))
        .evaluate();
    let silver = e.revenue("silver");
    assert_eq!(silver.actual, usd("99999.99"));
    assert!(!silver.met);
    assert_eq!(silver.shortfall, Some(usd("0.01")));
    assert_eq!(e.tier(), None);
}

#[test]
fn many_small_json_numbers_sum_without_rounding() {
    // 0.1 has no exact binary form: ten of them must still make exactly 1.
    let mut p = partner().silver_team().line(net_new("99999"));
    for _ in 0..10 {
        p = p.line(net_new("0.1"));
    }
    let e = p.evaluate();
    assert_eq!(e.counted(), usd("100000"));
    assert_eq!(e.revenue("silver").shortfall, Some(usd("0")));
    assert_eq!(e.tier(), Some("silver"));
}

#[test]
fn an_amount_written_as_a_json_string_counts_like_the_same_number() {
    let as_number = silver_team_with(net_new("100000.00"), AS_OF);
    let as_string = silver_team_with(net_new("100000.00").amount_as_string(), AS_OF);
    assert_eq!(as_string.counted(), usd("100000"));
    assert_eq!(as_number.counted(), as_string.counted());
    assert_eq!(as_string.tier(), Some("silver"));

    let mixed = partner()
        .silver_team()
        .line(net_new("33333.33").amount_as_string())
        .line(net_new("33333.33"))
        .line(net_new("33333.34").amount_as_string())
        .evaluate();
    assert_eq!(mixed.counted(), usd("100000"));
    assert_eq!(mixed.tier(), Some("silver"));
}

#[test]
fn a_credit_line_counts_negatively_and_can_push_the_sum_below_the_threshold() {
    let e = partner()
        .silver_team()
        .line(net_new("100000"))
        .line(net_new("-0.01"))
        .evaluate();
    let silver = e.revenue("silver");
    assert_eq!(silver.actual, usd("99999.99"));
    assert!(!silver.met);
    assert_eq!(silver.shortfall, Some(usd("0.01")));
    assert_eq!(e.tier(), None);
}

#[test]
fn a_credit_written_as_a_string_counts_negatively_too() {
    let e = partner()
        .silver_team()
        .line(net_new("150000"))
        .line(net_new("-50000.01").amount_as_string())
        .evaluate();
    assert_eq!(e.counted(), usd("99999.99"));
    assert_eq!(e.tier(), None);
}

#[test]
fn a_credit_outside_the_window_does_not_lower_the_sum() {
    let e = partner()
        .silver_team()
        .line(net_new("100000"))
        .line(net_new("-5000").on("2016-06-30"))
        .evaluate();
    assert_eq!(e.counted(), usd("100000"));
    assert_eq!(e.tier(), Some("silver"));
}

#[test]
fn a_sum_exactly_at_the_gold_threshold_meets_it() {
    let e = partner().gold_team().line(net_new("300000")).evaluate();
    let gold = e.revenue("gold");
    assert!(gold.met);
    assert_eq!(gold.required, Some(usd("300000")));
    assert_eq!(gold.shortfall, Some(usd("0")));
    assert_eq!(e.tier(), Some("gold"));
}

#[test]
fn one_cent_below_the_gold_threshold_leaves_a_gold_team_at_silver() {
    let e = partner().gold_team().line(net_new("299999.99")).evaluate();
    let gold = e.revenue("gold");
    assert!(!gold.met);
    assert_eq!(gold.shortfall, Some(usd("0.01")));
    assert!(e.people("gold").met);
    assert_eq!(e.tier(), Some("silver"));
}

#[test]
fn the_shortfall_is_what_is_missing_for_each_tier() {
    let e = silver_team_with(net_new("123456.78"), AS_OF);
    assert_eq!(e.revenue("silver").shortfall, Some(usd("0")));
    assert_eq!(e.revenue("gold").shortfall, Some(usd("176543.22")));
}

// ---------------------------------------------------------------------------
// Markets and currency
// ---------------------------------------------------------------------------

#[test]
fn a_partner_in_a_market_without_a_threshold_does_not_meet_revenue() {
    let e = partner()
        .in_market("developing")
        .gold_team()
        .line(net_new("500000"))
        .evaluate();
    for tier in ["silver", "gold"] {
        let r = e.revenue(tier);
        assert_eq!(r.actual, usd("500000"), "{tier}");
        assert!(!r.met, "{tier}");
        assert_eq!(r.required, None, "{tier}");
        assert_eq!(r.shortfall, None, "{tier}");
        assert!(e.people(tier).met, "{tier}");
    }
    assert_eq!(e.tier(), None);
}

#[test]
fn a_partner_without_a_market_does_not_meet_revenue() {
    let e = partner()
        .without_market()
        .gold_team()
        .line(net_new("500000"))
        .evaluate();
    for tier in ["silver", "gold"] {
        let r = e.revenue(tier);
        assert!(!r.met, "{tier}");
        assert_eq!(r.required, None, "{tier}");
        assert_eq!(r.shortfall, None, "{tier}");
    }
    assert_eq!(e.tier(), None);
}

#[test]
fn a_line_in_another_currency_is_a_data_error_not_skipped() {
    let errors = partner()
        .silver_team()
        .line(net_new("100000"))
        .line(net_new("1").in_currency("EUR"))
        .evaluation_errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let code = miette::Diagnostic::code(&errors[0]).map(|c| c.to_string());
    assert_eq!(code.as_deref(), Some("E0404"));
    assert!(matches!(errors[0], DataError::CurrencyMismatch { .. }));
}

#[test]
fn every_line_in_another_currency_is_reported() {
    let errors = partner()
        .gold_team()
        .line(net_new("300000"))
        .line(net_new("10").in_currency("EUR"))
        .line(net_new("20").in_currency("GBP").of_type("renewal"))
        .evaluation_errors();
    assert_eq!(errors.len(), 2, "{errors:?}");
    for error in &errors {
        let code = miette::Diagnostic::code(error).map(|c| c.to_string());
        assert_eq!(code.as_deref(), Some("E0404"), "{error:?}");
    }
}

// ---------------------------------------------------------------------------
// Exams
// ---------------------------------------------------------------------------

#[test]
fn an_exam_passed_after_the_as_of_date_does_not_count() {
    let e = partner()
        .person_passing("F1", &[("MB2-714", PASSED), ("MB2-710", "2017-07-01")])
        .person("C1", &CUSTOMIZER)
        .line(net_new("100000"))
        .evaluate();
    let people = e.people("silver");
    assert!(!people.met);
    assert_eq!(people.qualified[FUNCTIONAL_AND_DEPLOYMENT_ROLE], 0);
    assert_eq!(e.tier(), None);

    let late_customizer = partner()
        .person("F1", &FUNCTIONAL_AND_DEPLOYMENT)
        .person_passing("C1", &[("MB2-712", "2017-07-01")])
        .line(net_new("100000"))
        .evaluate();
    assert_eq!(
        late_customizer.people("silver").qualified[CUSTOMIZATION_ROLE],
        0
    );
    assert_eq!(late_customizer.tier(), None);
}

#[test]
fn an_exam_passed_exactly_on_the_as_of_date_counts() {
    let e = partner()
        .person_passing("F1", &[("MB2-714", PASSED), ("MB2-710", AS_OF)])
        .person_passing("C1", &[("MB2-712", AS_OF)])
        .line(net_new("100000"))
        .evaluate();
    assert!(e.people("silver").met);
    assert_eq!(e.tier(), Some("silver"));
}

#[test]
fn exam_codes_match_in_any_case_with_any_run_of_separators_as_one_hyphen() {
    for variant in [
        "MB2-714",
        "mb2-714",
        "mb2 714",
        "MB2_714",
        "mb2__714",
        "mb2 - 714",
        "Mb2-_ 714",
    ] {
        let e = partner()
            .person("F1", &[variant, "mb2 710"])
            .person("C1", &["mb2_712"])
            .line(net_new("100000"))
            .evaluate();
        assert!(e.people("silver").met, "{variant:?}");
        assert_eq!(e.tier(), Some("silver"), "{variant:?}");
    }
}

#[test]
fn exam_codes_without_the_separator_or_with_another_one_do_not_match() {
    for variant in ["MB2714", "mb2714", "MB2.714", "MB2/714", "MB-2714"] {
        let e = partner()
            .person("F1", &[variant, "MB2-710"])
            .person("C1", &CUSTOMIZER)
            .line(net_new("100000"))
            .evaluate();
        let people = e.people("silver");
        assert!(!people.met, "{variant:?}");
        assert_eq!(
            people.qualified[FUNCTIONAL_AND_DEPLOYMENT_ROLE], 0,
            "{variant:?}"
        );
        assert_eq!(e.tier(), None, "{variant:?}");
    }
}

#[test]
fn any_functional_exam_with_any_deployment_exam_qualifies_for_the_first_role() {
    for functional in FUNCTIONAL {
        for deployment in DEPLOYMENT {
            for customization in CUSTOMIZATION {
                let e = partner()
                    .person("F1", &[functional, deployment])
                    .person("C1", &[customization])
                    .line(net_new("100000"))
                    .evaluate();
                assert_eq!(
                    e.tier(),
                    Some("silver"),
                    "{functional} + {deployment}, {customization}"
                );
            }
        }
    }
}

#[test]
fn exams_outside_the_catalog_qualify_for_nothing() {
    let e = people_with_silver_revenue(&[
        ("F1", &["MB2-714", "MB2-711"]),
        ("C1", &["MB2-716", "MB6-894"]),
    ]);
    assert_eq!(e.people("silver").qualified, vec![0, 0]);
    assert_eq!(e.tier(), None);
}

// ---------------------------------------------------------------------------
// People and their assignment to roles
// ---------------------------------------------------------------------------

#[test]
fn functional_and_deployment_must_be_held_by_the_same_person() {
    let e = people_with_silver_revenue(&[
        ("F1", &["MB2-714"]),
        ("D1", &["MB2-710"]),
        ("C1", &CUSTOMIZER),
    ]);
    let people = e.people("silver");
    assert!(!people.met);
    assert_eq!(people.qualified[FUNCTIONAL_AND_DEPLOYMENT_ROLE], 0);
    assert_eq!(e.tier(), None);
}

#[test]
fn functional_exams_alone_do_not_qualify_without_deployment() {
    let e = people_with_silver_revenue(&[("F1", &FUNCTIONAL), ("C1", &CUSTOMIZER)]);
    assert!(!e.people("silver").met);
    assert_eq!(e.tier(), None);
}

#[test]
fn one_person_holding_every_exam_does_not_meet_silver_alone() {
    let e = people_with_silver_revenue(&[("A", &EVERY_EXAM)]);
    let people = e.people("silver");
    assert!(people.distinct);
    assert!(!people.met);
    assert_eq!(people.qualified, vec![1, 1]);
    assert_eq!(e.slots_filled("silver"), 1);
    assert_eq!(e.tier(), None);
}

#[test]
fn silver_is_met_by_an_all_rounder_and_a_functional_deployer_in_either_order() {
    // A greedy first fit would give the all-rounder the first role and find
    // nobody for customization.
    let all_rounder_first =
        people_with_silver_revenue(&[("A", &EVERY_EXAM), ("B", &FUNCTIONAL_AND_DEPLOYMENT)]);
    let all_rounder_last =
        people_with_silver_revenue(&[("B", &FUNCTIONAL_AND_DEPLOYMENT), ("A", &EVERY_EXAM)]);
    for e in [all_rounder_first, all_rounder_last] {
        assert!(e.people("silver").met);
        assert_eq!(e.assigned("silver"), vec![vec!["B"], vec!["A"]]);
        assert_eq!(e.tier(), Some("silver"));
    }
}

#[test]
fn silver_is_met_by_an_all_rounder_and_a_customizer_in_either_order() {
    let all_rounder_first = people_with_silver_revenue(&[("A", &EVERY_EXAM), ("B", &CUSTOMIZER)]);
    let all_rounder_last = people_with_silver_revenue(&[("B", &CUSTOMIZER), ("A", &EVERY_EXAM)]);
    for e in [all_rounder_first, all_rounder_last] {
        assert!(e.people("silver").met);
        assert_eq!(e.assigned("silver"), vec![vec!["A"], vec!["B"]]);
        assert_eq!(e.tier(), Some("silver"));
    }
}

#[test]
fn gold_is_met_by_two_all_rounders_and_two_functional_deployers_in_any_order() {
    let people: [(&str, &[&str]); 4] = [
        ("A1", &EVERY_EXAM),
        ("A2", &EVERY_EXAM),
        ("B1", &FUNCTIONAL_AND_DEPLOYMENT),
        ("B2", &["MB2-709", "MB2-706"]),
    ];
    for rotation in 0..people.len() {
        let mut order = people.to_vec();
        order.rotate_left(rotation);
        let e = order
            .iter()
            .fold(partner(), |p, (id, exams)| p.person(id, exams))
            .line(net_new("300000"))
            .evaluate();
        assert!(e.people("gold").met, "rotation {rotation}");
        let mut assigned = e.assigned("gold");
        for role in &mut assigned {
            role.sort_unstable();
        }
        assert_eq!(
            assigned,
            vec![vec!["B1", "B2"], vec!["A1", "A2"]],
            "rotation {rotation}"
        );
        assert_eq!(e.tier(), Some("gold"), "rotation {rotation}");
    }
}

#[test]
fn gold_needs_four_different_people() {
    let e = partner().gold_team().line(net_new("300000")).evaluate();
    assert!(e.people("gold").met);
    assert_eq!(e.slots_filled("gold"), 4);
    assert_eq!(e.tier(), Some("gold"));
}

#[test]
fn gold_is_not_met_by_three_people_qualified_for_all_four_slots() {
    let e = partner()
        .person("A1", &EVERY_EXAM)
        .person("A2", &EVERY_EXAM)
        .person("A3", &EVERY_EXAM)
        .line(net_new("300000"))
        .evaluate();
    let gold = e.people("gold");
    assert!(!gold.met);
    assert_eq!(gold.qualified, vec![3, 3]);
    assert_eq!(e.slots_filled("gold"), 3);
    assert!(e.people("silver").met);
    assert_eq!(e.tier(), Some("silver"));
}

#[test]
fn gold_is_not_met_with_two_functional_deployers_and_one_customizer() {
    let e = partner()
        .person("F1", &FUNCTIONAL_AND_DEPLOYMENT)
        .person("F2", &["MB2-713", "MB2-706"])
        .person("C1", &CUSTOMIZER)
        .line(net_new("300000"))
        .evaluate();
    let gold = e.people("gold");
    assert!(!gold.met);
    assert_eq!(gold.qualified, vec![2, 1]);
    assert_eq!(e.slots_filled("gold"), 3);
    assert_eq!(e.tier(), Some("silver"));
}

#[test]
fn the_assigned_people_are_distinct_and_each_qualifies_for_their_role() {
    let team: [(&str, &[(&str, &str)]); 8] = [
        (
            "all",
            &[
                ("MB2-713", PASSED),
                ("MB2-706", PASSED),
                ("MB2-707", PASSED),
            ],
        ),
        ("fd", &[("MB2-709", PASSED), ("MB2-710", PASSED)]),
        ("late", &[("MB2-714", PASSED), ("MB2-710", "2017-07-01")]),
        ("c", &[("MB2-712", PASSED)]),
        ("half", &[("MB2-714", PASSED)]),
        (
            "fd-c",
            &[
                ("MB2-714", PASSED),
                ("MB2-706", PASSED),
                ("MB2-712", PASSED),
            ],
        ),
        ("late-c", &[("MB2-707", "2017-07-01")]),
        ("none", &[]),
    ];
    let passed_by = |id: &str, group: &[&str]| {
        let (_, exams) = team.iter().find(|(who, _)| *who == id).unwrap();
        exams
            .iter()
            .any(|(code, passed)| group.contains(code) && date(passed) <= date(AS_OF))
    };
    let qualifies = |id: &str, role: usize| match role {
        FUNCTIONAL_AND_DEPLOYMENT_ROLE => passed_by(id, &FUNCTIONAL) && passed_by(id, &DEPLOYMENT),
        CUSTOMIZATION_ROLE => passed_by(id, &CUSTOMIZATION),
        _ => panic!("no role {role}"),
    };
    for rotation in 0..team.len() {
        let mut order = team.to_vec();
        order.rotate_left(rotation);
        let e = order
            .iter()
            .fold(partner(), |p, (id, exams)| p.person_passing(id, exams))
            .line(net_new("300000"))
            .evaluate();
        // all, fd and fd-c qualify for the first role; all, c and fd-c for
        // the second (late and late-c passed after the as-of date): fd must
        // take the first role and c the second, all and fd-c one each.
        assert_eq!(e.tier(), Some("gold"), "rotation {rotation}");
        for tier in ["silver", "gold"] {
            let people = e.people(tier);
            assert!(people.met, "{tier}, rotation {rotation}");
            assert_eq!(people.qualified, vec![3, 3], "{tier}");
            let assigned = e.assigned(tier);
            let mut seen = HashSet::new();
            for (role, ids) in assigned.iter().enumerate() {
                assert_eq!(ids.len(), people.required[role] as usize, "{tier}");
                for id in ids {
                    assert!(seen.insert(*id), "{id} fills two slots in {tier}");
                    assert!(
                        qualifies(id, role),
                        "{id} does not qualify for role {role} in {tier}"
                    );
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Tiers
// ---------------------------------------------------------------------------

#[test]
fn gold_revenue_with_only_a_silver_team_is_silver() {
    let e = partner().silver_team().line(net_new("300000")).evaluate();
    assert!(e.revenue("gold").met);
    assert!(!e.people("gold").met);
    assert!(e.meets("silver"));
    assert!(!e.meets("gold"));
    assert_eq!(e.tier(), Some("silver"));
}

#[test]
fn a_gold_team_with_only_silver_revenue_is_silver() {
    let e = partner().gold_team().line(net_new("100000")).evaluate();
    assert!(e.people("gold").met);
    assert!(!e.revenue("gold").met);
    assert_eq!(e.tier(), Some("silver"));
}

#[test]
fn a_gold_team_with_gold_revenue_is_gold() {
    let e = partner().gold_team().line(net_new("300000")).evaluate();
    assert!(e.meets("silver"));
    assert!(e.meets("gold"));
    assert_eq!(e.tier(), Some("gold"));
}

#[test]
fn a_gold_team_below_the_silver_threshold_has_no_tier() {
    let e = partner().gold_team().line(net_new("99999.99")).evaluate();
    assert!(!e.meets("silver"));
    assert!(!e.meets("gold"));
    assert_eq!(e.tier(), None);
}

#[test]
fn a_partner_with_nothing_has_no_tier() {
    let e = partner().evaluate();
    assert_eq!(e.counted(), usd("0"));
    assert_eq!(e.revenue("silver").shortfall, Some(usd("100000")));
    assert_eq!(e.people("silver").qualified, vec![0, 0]);
    assert_eq!(e.tier(), None);
}

// ---------------------------------------------------------------------------
// Data shapes and unknown fields
// ---------------------------------------------------------------------------

#[test]
fn unknown_extra_fields_in_the_data_are_ignored() {
    let plain = partner().gold_team().line(net_new("300000"));
    let decorated = plain.clone().with_unknown_fields();
    assert!(decorated.to_json().contains("\"website\""));
    let plain = plain.evaluate();
    let decorated = decorated.evaluate();
    assert_eq!(decorated.tier(), Some("gold"));
    assert_eq!(decorated.outcome, plain.outcome);
}

fn shape_cases() -> Vec<PartnerData> {
    vec![
        partner().id("gold").gold_team().line(net_new("300000")),
        partner().id("silver").silver_team().line(net_new("100000")),
        partner()
            .id("short")
            .silver_team()
            .line(net_new("99999.99")),
        partner()
            .id("developing")
            .in_market("developing")
            .gold_team()
            .line(net_new("300000")),
    ]
}

fn tiers_of(text: &str) -> Vec<Option<&'static str>> {
    evaluate_text(text, AS_OF)
        .into_iter()
        .map(|e| e.expect("evaluates").tier())
        .collect()
}

#[test]
fn a_single_object_a_json_array_and_one_object_per_line_give_the_same_tiers() {
    let partners = shape_cases();
    let records: Vec<String> = partners.iter().map(PartnerData::to_json).collect();
    let expected = vec![Some("gold"), Some("silver"), None, None];

    let one_by_one: Vec<Option<&str>> = records.iter().flat_map(|r| tiers_of(r)).collect();
    let array = tiers_of(&format!("[\n  {}\n]\n", records.join(",\n  ")));
    let lines = tiers_of(&format!("{}\n", records.join("\n")));

    assert_eq!(one_by_one, expected);
    assert_eq!(array, expected);
    assert_eq!(lines, expected);
}

// ---------------------------------------------------------------------------
// The example data and its reports
// ---------------------------------------------------------------------------

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/partners.jsonl");

fn example_records() -> Vec<String> {
    std::fs::read_to_string(EXAMPLES)
        .expect("the examples are readable")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_example_partners_get_the_tiers_the_rules_give_them() {
    // P-001: gold team (E-1, E-2 functional + deployment; E-3, E-4 with
    //        "mb2 707" customization); 150,000 + 120,000.50 + 80,000 (30 Sept
    //        2016 is inside the window) = 350,000.50 -> gold.
    // P-002: one functional + deployment, one customization; thirds summing
    //        to exactly 100,000.00 -> silver.
    // P-003: the customizer passed on 2017-07-15, after the as-of date; only
    //        95,000 counts (renewal, no DPOR, and 2016-06-30 excluded) -> none.
    // P-004: the all-rounder takes customization; 210,000 - 15,000 credit =
    //        195,000 -> silver.
    // P-005: developing market has no threshold -> none.
    let text = std::fs::read_to_string(EXAMPLES).unwrap();
    let evaluated: Vec<Evaluated> = evaluate_text(&text, AS_OF)
        .into_iter()
        .map(|e| e.expect("evaluates"))
        .collect();
    let tiers: Vec<Option<&str>> = evaluated.iter().map(Evaluated::tier).collect();
    assert_eq!(
        tiers,
        vec![Some("gold"), Some("silver"), None, Some("silver"), None]
    );
    let sums: Vec<Decimal> = evaluated.iter().map(Evaluated::counted).collect();
    assert_eq!(
        sums,
        vec![
            usd("350000.50"),
            usd("100000"),
            usd("95000"),
            usd("195000"),
            usd("500000")
        ]
    );
    assert_eq!(evaluated[1].revenue("silver").shortfall, Some(usd("0")));
    assert_eq!(
        evaluated[3].assigned("silver"),
        vec![vec!["T-2"], vec!["T-1"]]
    );
    assert_eq!(evaluated[4].revenue("silver").required, None);
}

#[test]
fn the_example_partners_get_the_same_tiers_in_every_data_shape() {
    let records = example_records();
    let one_by_one: Vec<Option<&str>> = records.iter().flat_map(|r| tiers_of(r)).collect();
    let array = tiers_of(&format!("[{}]", records.join(",\n")));
    let lines = tiers_of(&records.join("\n"));
    let expected = vec![Some("gold"), Some("silver"), None, Some("silver"), None];
    assert_eq!(one_by_one, expected);
    assert_eq!(array, expected);
    assert_eq!(lines, expected);
}

/// The example partners as `rubric eval` renders them: the library's batch
/// pipeline at `detail`, with `render`.
fn render_examples(render: &dyn rubric::report::Render, detail: Detail) -> String {
    let policy = policy();
    let evaluator = Evaluator::new(policy, date(AS_OF));
    let input = DataInput::Path(EXAMPLES.to_owned());
    let options = batch::Options {
        threads: 1,
        detail,
        people_check: true,
        ..Default::default()
    };
    let mut out = Vec::new();
    batch::evaluate(&evaluator, vec![input], options, render, &mut |event| {
        match event {
            Event::Record(record) => out.extend_from_slice(record.rendered),
            Event::Unreadable(err) => panic!("{err}"),
            Event::Warning(warning) => panic!("{warning}"),
        }
        ControlFlow::Continue(())
    });
    String::from_utf8(out).unwrap()
}

#[test]
fn the_human_report_of_the_example_partners() {
    let report = render_examples(&rubric::report::Human, Detail::Evidence);
    insta::with_settings!({snapshot_path => "eval/snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("cloud_crm_examples_human", report);
    });
}

#[test]
fn the_human_report_of_the_example_partners_without_evidence() {
    let report = render_examples(&rubric::report::Human, Detail::Requirements);
    insta::with_settings!({snapshot_path => "eval/snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("cloud_crm_examples_human_requirements", report);
    });
}

#[test]
fn the_json_lines_report_of_the_example_partners_at_every_detail() {
    for (detail, name) in [
        (Detail::Tier, "cloud_crm_examples_jsonl_tier"),
        (
            Detail::Requirements,
            "cloud_crm_examples_jsonl_requirements",
        ),
    ] {
        let report = render_examples(&rubric::report::JsonLines, detail);
        insta::with_settings!({snapshot_path => "eval/snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(name, report);
        });
    }
}

#[test]
fn the_json_lines_report_of_the_example_partners() {
    let report = render_examples(&rubric::report::JsonLines, Detail::Evidence);
    insta::with_settings!({snapshot_path => "eval/snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("cloud_crm_examples_jsonl", report);
    });
}
