//! Evaluation of `policies/cloud_platform.policy`,
//! `policies/data_analytics.policy` and `policies/windows_devices.policy`,
//! pinned at their boundaries, and of the example partners shipped with them
//! (`examples/<policy>.jsonl`).
//!
//! Every test writes partner JSON and sends it through the real pipeline:
//! framing (`rubric::data::read::whole_text`), parsing
//! (`rubric::data::Partner::parse`) and evaluation (`rubric::eval::Evaluator`)
//! at an as-of date. The expectations come from the competencies' published
//! rules, not from the implementation:
//!
//! - a trailing window of N months holds the dates `d` with
//!   `D - N months < d <= D`;
//! - a revenue or usage line counts when its type or metric matches, its
//!   product is in scope, its date is in the window and, where the measure
//!   says `as X or Y`, it carries one of those associations;
//! - a credential counts at `D` when passed on or before `D`, not before it
//!   became available, not after it retired, and while `D` is on or before the
//!   end of its grace period (its retirement date when none is given); a pass
//!   dated after retirement is flagged and does not count;
//! - a tier is met when all its requirements are; the partner's tier is the
//!   highest one met in any option.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::OnceLock;

use chrono::NaiveDate;
use rubric::data::Partner;
use rubric::eval::{
    Evaluator, MeasureOutcome, PartnerOutcome, PassFlag, PeopleOutcome, RequirementOutcome,
    TierOutcome,
};
use rubric::model::{PassStatus, Policy};
use rust_decimal::Decimal;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------
// Policies, dates, amounts
// ---------------------------------------------------------------------------

fn load(name: &str) -> Policy {
    let path = format!("{}/policies/{name}.policy", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("the policy file is readable");
    rubric::load_policy(&text).unwrap_or_else(|e| panic!("{path} does not load: {e:?}"))
}

fn cloud_platform() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| load("cloud_platform"))
}

fn data_analytics() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| load("data_analytics"))
}

fn windows_devices() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| load("windows_devices"))
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("a test date")
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str_exact(text).expect("a test amount")
}

/// When people pass their credentials unless a test says otherwise: before
/// 70-354 and 70-355 retire, and before every as-of date used here.
const PASSED: &str = "2017-06-01";

// ---------------------------------------------------------------------------
// Partner JSON
// ---------------------------------------------------------------------------

/// A partner record, written as JSON text for the pipeline.
#[derive(Clone, Debug, Default)]
struct PartnerData {
    market: Option<String>,
    attributes: Vec<String>,
    people: Vec<Value>,
    revenue: Vec<Value>,
    usage: Vec<Value>,
}

fn partner() -> PartnerData {
    PartnerData::default()
}

impl PartnerData {
    fn market(mut self, market: &str) -> Self {
        self.market = Some(market.to_owned());
        self
    }

    fn attribute(mut self, attribute: &str) -> Self {
        self.attributes.push(attribute.to_owned());
        self
    }

    /// One person who passed each of `codes` on [`PASSED`].
    fn person(self, codes: &[&str]) -> Self {
        let passes: Vec<(&str, &str)> = codes.iter().map(|c| (*c, PASSED)).collect();
        self.person_on(&passes)
    }

    /// One person with these `(code, passed)` credentials.
    fn person_on(mut self, passes: &[(&str, &str)]) -> Self {
        let n = self.people.len() + 1;
        let exams: Vec<Value> = passes
            .iter()
            .map(|(code, passed)| json!({ "code": code, "passed": passed }))
            .collect();
        self.people.push(json!({
            "id": format!("E-{n}"),
            "name": format!("Employee {n}"),
            "exams": exams,
        }));
        self
    }

    /// `n` people, each of whom passed every one of `codes` on [`PASSED`].
    fn people(self, n: usize, codes: &[&str]) -> Self {
        (0..n).fold(self, |p, _| p.person(codes))
    }

    fn revenue(mut self, line: Value) -> Self {
        self.revenue.push(line);
        self
    }

    fn usage(mut self, line: Value) -> Self {
        self.usage.push(line);
        self
    }

    fn usages(mut self, lines: Vec<Value>) -> Self {
        self.usage.extend(lines);
        self
    }

    fn to_json(&self) -> String {
        let mut record = json!({
            "id": "P-1",
            "name": "Test Partner",
            "attributes": self.attributes,
            "people": self.people,
            "revenue": self.revenue,
            "usage": self.usage,
        });
        if let Some(market) = &self.market {
            record["market"] = json!(market);
        }
        record.to_string()
    }
}

// ---------------------------------------------------------------------------
// Evaluation and reading outcomes
// ---------------------------------------------------------------------------

/// A partner's outcome, read with the policy's names.
struct Case {
    policy: &'static Policy,
    outcome: PartnerOutcome<'static>,
}

/// Frames, parses and evaluates every record of `text`.
fn evaluate_text(
    policy: &'static Policy,
    as_of: &str,
    name: &str,
    text: String,
) -> Vec<(String, Case)> {
    let evaluator = Evaluator::new(policy, date(as_of));
    rubric::data::read::whole_text(name, text)
        .into_iter()
        .map(|framed| {
            let record = framed.unwrap_or_else(|e| panic!("record does not frame: {e:?}"));
            let partner =
                Partner::parse(&record).unwrap_or_else(|e| panic!("record does not parse: {e:?}"));
            let outcome = evaluator
                .evaluate(&partner)
                .unwrap_or_else(|e| panic!("record not evaluated: {e:?}"));
            (partner.id.text().into_owned(), Case { policy, outcome })
        })
        .collect()
}

fn evaluate(policy: &'static Policy, as_of: &str, partner: &PartnerData) -> Case {
    let mut cases = evaluate_text(policy, as_of, "case.json", partner.to_json());
    assert_eq!(cases.len(), 1, "one record");
    cases.pop().unwrap().1
}

impl Case {
    fn tier_name(&self, level: Option<rubric::model::TierLevelId>) -> Option<&'static str> {
        level.map(|t| self.policy.tiers[t.0].id.as_str())
    }

    /// The partner's tier.
    fn tier(&self) -> Option<&'static str> {
        self.tier_name(self.outcome.tier)
    }

    fn option_index(&self, option: &str) -> usize {
        self.policy
            .options
            .iter()
            .position(|o| o.name == option)
            .unwrap_or_else(|| panic!("no option `{option}`"))
    }

    /// The tier met in one option.
    fn option(&self, option: &str) -> Option<&'static str> {
        self.tier_name(self.outcome.options[self.option_index(option)].tier)
    }

    /// One tier's outcome in one option.
    fn tier_outcome(&self, option: &str, tier: &str) -> &TierOutcome<'static> {
        self.outcome.options[self.option_index(option)]
            .tiers
            .iter()
            .find(|t| self.policy.tiers[t.level.0].id == tier)
            .unwrap_or_else(|| panic!("no tier `{tier}` in `{option}`"))
    }

    fn met(&self, option: &str, tier: &str) -> bool {
        self.tier_outcome(option, tier).met
    }

    /// The `index`th requirement of a tier.
    fn requirement(&self, option: &str, tier: &str, index: usize) -> &RequirementOutcome<'static> {
        &self.tier_outcome(option, tier).requirements[index]
    }

    fn measure(&self, option: &str, tier: &str, index: usize) -> &MeasureOutcome<'static> {
        match self.requirement(option, tier, index) {
            RequirementOutcome::Measure(m) => m,
            other => panic!("not a measure requirement: {other:?}"),
        }
    }

    /// The value of a named measure.
    fn measure_total(&self, name: &str) -> Decimal {
        let i = self
            .policy
            .measures
            .iter()
            .position(|m| m.name == name)
            .unwrap_or_else(|| panic!("no measure `{name}`"));
        self.outcome.measures[i].total
    }

    fn flags(&self) -> &[PassFlag] {
        &self.outcome.flags
    }
}

/// The branches of an `either` requirement: whether each is met.
fn branches_met(requirement: &RequirementOutcome) -> Vec<bool> {
    match requirement {
        RequirementOutcome::Either { branches, .. } => branches.iter().map(|b| b.met).collect(),
        other => panic!("not an either requirement: {other:?}"),
    }
}

fn people<'a>(requirement: &'a RequirementOutcome<'_>) -> &'a PeopleOutcome<'a> {
    match requirement {
        RequirementOutcome::People(p) => p,
        other => panic!("not a people requirement: {other:?}"),
    }
}

// ===========================================================================
// Cloud Platform (Azure Consumption option), as of 2017-12-31
// ===========================================================================

mod cloud_platform {
    use super::*;

    /// The window is 2017-01-01 ..= 2017-12-31.
    const AS_OF: &str = "2017-12-31";
    /// When consumption is booked unless a test says otherwise.
    const BOOKED: &str = "2017-06-15";
    const OPTION: &str = "azure_consumption";

    const ASSESSMENT: &str = "Technical Assessment for Cloud Platform";
    const OTHER_ASSESSMENT: &str =
        "Technical Assessment for Using Azure for Internet of Things Solutions";
    const EXAM: &str = "70-532";
    const OTHER_EXAM: &str = "70-533";

    fn azure(amount: &str, date: &str, associations: &[&str]) -> Value {
        json!({
            "customer": "Alpine Ski House",
            "product": "Microsoft Azure",
            "type": "azure_consumption",
            "amount": amount,
            "currency": "USD",
            "date": date,
            "associations": associations,
        })
    }

    /// A partner in `market` with one exam-qualified person and `amount` of
    /// DPOR consumption booked inside the window.
    fn consuming(market: &str, amount: &str) -> PartnerData {
        partner()
            .market(market)
            .person(&[EXAM])
            .revenue(azure(amount, BOOKED, &["dpor"]))
    }

    fn at(as_of: &str, partner: &PartnerData) -> Case {
        evaluate(cloud_platform(), as_of, partner)
    }

    fn now(partner: &PartnerData) -> Case {
        at(AS_OF, partner)
    }

    #[test]
    fn developed_silver_needs_15_000_of_consumption() {
        let met = now(&consuming("developed", "15000"));
        assert_eq!(met.tier(), Some("silver"));
        let short = now(&consuming("developed", "14999.99"));
        assert_eq!(short.tier(), None);
        let m = short.measure(OPTION, "silver", 0);
        assert!(!m.met);
        assert_eq!(m.actual, dec("14999.99"));
        assert_eq!(m.required, Some(dec("15000")));
        assert_eq!(m.shortfall, Some(dec("0.01")));
    }

    #[test]
    fn developing_silver_needs_10_000_of_consumption() {
        assert_eq!(
            now(&consuming("developing", "10000")).tier(),
            Some("silver")
        );
        assert_eq!(now(&consuming("developing", "9999.99")).tier(), None);
        // The same amount, 14,999, is silver in a developing market only.
        assert_eq!(
            now(&consuming("developing", "14999")).tier(),
            Some("silver")
        );
        assert_eq!(now(&consuming("developed", "14999")).tier(), None);
    }

    #[test]
    fn a_market_the_silver_rule_does_not_name_has_no_silver_threshold() {
        let case = now(&consuming("emerging", "50000"));
        assert_eq!(case.tier(), None);
        let m = case.measure(OPTION, "silver", 0);
        assert!(!m.met);
        assert_eq!(m.required, None);
    }

    #[test]
    fn gold_needs_100_000_in_either_market_and_nothing_elsewhere() {
        for market in ["developed", "developing"] {
            let two_exams = |amount| {
                partner()
                    .market(market)
                    .person(&[EXAM])
                    .person(&[OTHER_EXAM])
                    .revenue(azure(amount, BOOKED, &["tpor"]))
            };
            let gold = now(&two_exams("100000"));
            assert_eq!(gold.tier(), Some("gold"), "{market}");
            assert_eq!(
                gold.measure(OPTION, "gold", 0).required,
                Some(dec("100000"))
            );
            let short = now(&two_exams("99999.99"));
            assert_eq!(short.tier(), Some("silver"), "{market}");
            assert!(!short.met(OPTION, "gold"));
        }
        // "One threshold for all markets" is written per market for the two
        // markets the program has, so a market the policy does not name
        // reaches neither tier (and gold never comes without silver).
        let unnamed = partner()
            .market("emerging")
            .people(2, &[EXAM])
            .revenue(azure("100000", BOOKED, &["dpor"]));
        let case = now(&unnamed);
        assert!(!case.met(OPTION, "gold"));
        assert!(!case.met(OPTION, "silver"));
        assert_eq!(case.tier(), None);
        // Nor does a partner whose data gives no market.
        let mut no_market = unnamed.clone();
        no_market.market = None;
        let case = now(&no_market);
        assert!(!case.met(OPTION, "gold"));
        assert_eq!(case.measure(OPTION, "silver", 0).required, None);
        assert_eq!(case.measure(OPTION, "gold", 0).required, None);
    }

    #[test]
    fn consumption_as_transacting_or_digital_partner_of_record_counts() {
        let tpor = partner().market("developed").person(&[EXAM]).revenue(azure(
            "15000",
            BOOKED,
            &["tpor"],
        ));
        assert_eq!(now(&tpor).tier(), Some("silver"));
        let dpor = partner().market("developed").person(&[EXAM]).revenue(azure(
            "15000",
            BOOKED,
            &["dpor"],
        ));
        assert_eq!(now(&dpor).tier(), Some("silver"));
        // Half as each: the sum counts; a line held as both counts once.
        let mixed = partner()
            .market("developed")
            .person(&[EXAM])
            .revenue(azure("7500", BOOKED, &["tpor"]))
            .revenue(azure("5000", BOOKED, &["dpor"]))
            .revenue(azure("2500", BOOKED, &["dpor", "tpor"]));
        let case = now(&mixed);
        assert_eq!(case.measure_total("consumption"), dec("15000"));
        assert_eq!(case.tier(), Some("silver"));
    }

    #[test]
    fn consumption_without_a_partner_of_record_association_does_not_count() {
        let none =
            partner()
                .market("developed")
                .person(&[EXAM])
                .revenue(azure("50000", BOOKED, &[]));
        let case = now(&none);
        assert_eq!(case.measure_total("consumption"), Decimal::ZERO);
        assert_eq!(case.tier(), None);
        let other = partner().market("developed").person(&[EXAM]).revenue(azure(
            "50000",
            BOOKED,
            &["cspr"],
        ));
        assert_eq!(now(&other).tier(), None);
    }

    #[test]
    fn consumption_counts_in_the_trailing_twelve_months_only() {
        let case = now(&partner()
            .market("developed")
            .person(&[EXAM])
            .revenue(azure("1000", "2016-12-31", &["dpor"]))
            .revenue(azure("2000", "2017-01-01", &["dpor"]))
            .revenue(azure("4000", "2017-12-31", &["dpor"]))
            .revenue(azure("8000", "2018-01-01", &["dpor"])));
        assert_eq!(case.measure_total("consumption"), dec("6000"));
    }

    #[test]
    fn other_products_and_revenue_types_do_not_count_but_product_case_does_not_matter() {
        let mut office = azure("20000", BOOKED, &["dpor"]);
        office["product"] = json!("Office 365");
        let mut license = azure("20000", BOOKED, &["dpor"]);
        license["type"] = json!("net_new");
        let mut spelled = azure("15000", BOOKED, &["dpor"]);
        spelled["product"] = json!("  microsoft AZURE ");
        let case = now(&partner()
            .market("developed")
            .person(&[EXAM])
            .revenue(office)
            .revenue(license)
            .revenue(spelled));
        assert_eq!(case.measure_total("consumption"), dec("15000"));
        assert_eq!(case.tier(), Some("silver"));
    }

    #[test]
    fn silver_by_one_person_with_an_assessment_or_one_with_an_exam() {
        let assessed = now(&consuming("developed", "20000"));
        assert_eq!(
            branches_met(assessed.requirement(OPTION, "silver", 1)),
            [false, true]
        );
        let by_assessment = partner()
            .market("developed")
            .person(&[ASSESSMENT])
            .revenue(azure("20000", BOOKED, &["dpor"]));
        let case = now(&by_assessment);
        assert_eq!(case.tier(), Some("silver"));
        assert_eq!(
            branches_met(case.requirement(OPTION, "silver", 1)),
            [true, false]
        );
        let nobody = partner()
            .market("developed")
            .person(&["70-410"])
            .revenue(azure("20000", BOOKED, &["dpor"]));
        assert_eq!(now(&nobody).tier(), None);
    }

    #[test]
    fn gold_needs_two_people_from_the_same_list() {
        let with = |a: &[&str], b: &[&str]| {
            now(&partner()
                .market("developed")
                .person(a)
                .person(b)
                .revenue(azure("150000", BOOKED, &["dpor"])))
        };
        // One of each list does not make gold.
        let mixed = with(&[ASSESSMENT], &[EXAM]);
        assert_eq!(mixed.tier(), Some("silver"));
        assert_eq!(
            branches_met(mixed.requirement(OPTION, "gold", 1)),
            [false, false]
        );
        // Two from one list does.
        assert_eq!(
            with(&[ASSESSMENT], &[OTHER_ASSESSMENT]).tier(),
            Some("gold")
        );
        assert_eq!(with(&[ASSESSMENT], &[ASSESSMENT]).tier(), Some("gold"));
        assert_eq!(with(&[EXAM], &[OTHER_EXAM]).tier(), Some("gold"));
        // Someone with both counts on the exam list beside an exam holder.
        assert_eq!(
            with(&[ASSESSMENT, EXAM], &[OTHER_EXAM]).tier(),
            Some("gold")
        );
        // One person with credentials from both lists is still one person.
        let alone = now(&partner()
            .market("developed")
            .person(&[ASSESSMENT, OTHER_ASSESSMENT, EXAM, OTHER_EXAM])
            .revenue(azure("150000", BOOKED, &["dpor"])));
        assert_eq!(alone.tier(), Some("silver"));
    }

    #[test]
    fn a_pass_after_the_as_of_date_does_not_count_yet() {
        let case = now(&partner()
            .market("developed")
            .person_on(&[(EXAM, "2018-01-02")])
            .revenue(azure("20000", BOOKED, &["dpor"])));
        assert_eq!(case.tier(), None);
        assert!(case.flags().is_empty());
    }

    /// Booked inside the window of every as-of date the 70-534 tests use.
    const BOOKED_2018: &str = "2018-06-01";

    fn architect(passed: &str) -> PartnerData {
        partner()
            .market("developed")
            .person_on(&[("70-534", passed)])
            .revenue(azure("20000", BOOKED_2018, &["dpor"]))
    }

    #[test]
    fn exam_70_534_is_accepted_until_the_end_of_2018_after_retiring() {
        let passed = architect("2017-06-01");
        assert_eq!(at("2018-06-30", &passed).tier(), Some("silver"));
        assert_eq!(at("2018-12-31", &passed).tier(), Some("silver"));
        let expired = at("2019-01-01", &passed);
        assert_eq!(expired.tier(), None);
        assert!(expired.measure(OPTION, "silver", 0).met);
        assert!(
            expired.flags().is_empty(),
            "a valid pass is not a data error"
        );
        // Passed on its retirement day: still a valid pass.
        assert_eq!(
            at("2018-12-31", &architect("2017-12-31")).tier(),
            Some("silver")
        );
    }

    #[test]
    fn a_70_534_pass_dated_after_retirement_is_flagged_and_does_not_count() {
        for as_of in ["2018-06-30", "2018-12-31"] {
            let case = at(as_of, &architect("2018-02-01"));
            assert_eq!(case.tier(), None, "{as_of}");
            assert_eq!(
                case.flags(),
                [PassFlag {
                    person: 0,
                    exam: 0,
                    status: PassStatus::AfterRetirement,
                }],
                "{as_of}"
            );
        }
    }

    #[test]
    fn the_linux_on_azure_certification_counts_however_its_case_and_separators_are_written() {
        for code in [
            "MCSA: Linux on Azure",
            "mcsa: linux on azure",
            "MCSA:  LINUX_on-Azure",
            " Mcsa: Linux On Azure ",
        ] {
            let case = now(
                &partner().market("developed").person(&[code]).revenue(azure(
                    "20000",
                    BOOKED,
                    &["dpor"],
                )),
            );
            assert_eq!(case.tier(), Some("silver"), "{code:?}");
        }
        // The colon is part of the name.
        let without_colon = now(&partner()
            .market("developed")
            .person(&["MCSA Linux on Azure"])
            .revenue(azure("20000", BOOKED, &["dpor"])));
        assert_eq!(without_colon.tier(), None);
    }

    #[test]
    fn assessment_names_match_whatever_their_case() {
        let case = now(&partner()
            .market("developed")
            .person(&["technical assessment for cloud platform"])
            .person(&["TECHNICAL_ASSESSMENT_FOR_USING_AZURE_REMOTE_DESKTOP_SERVICE"])
            .revenue(azure("100000", BOOKED, &["dpor"])));
        assert_eq!(case.tier(), Some("gold"));
    }
}

// ===========================================================================
// Data Analytics, as of 2017-11-30
// ===========================================================================

mod data_analytics {
    use super::*;

    /// The window is 2016-12-01 ..= 2017-11-30.
    const AS_OF: &str = "2017-11-30";
    const FOUNDATIONAL: &str = "Technical Assessment Data Analytics Foundational";
    const BI: &str = "Technical Assessment Business Intelligence for Data Analytics";
    const ADVANCED: &str = "Technical Assessment Advanced Analytics for Data Analytics";
    const BIG_DATA: &str = "Technical Assessment Big Data for Data Analytics";

    fn now(partner: &PartnerData) -> Case {
        evaluate(data_analytics(), AS_OF, partner)
    }

    fn seats(quantity: Value, date: &str, associations: &[&str], paid: Option<bool>) -> Value {
        let mut line = json!({
            "metric": "deployed_seats",
            "product": "Power BI",
            "quantity": quantity,
            "date": date,
            "customer": "Northwind Traders",
            "associations": associations,
        });
        if let Some(paid) = paid {
            line["paid"] = json!(paid);
        }
        line
    }

    fn por_seats(quantity: u32) -> Value {
        seats(json!(quantity), "2017-06-30", &["por"], Some(true))
    }

    /// The specialist tier met by one person with these exams and the
    /// foundational assessment.
    fn specialist(exams: &[&str]) -> Option<&'static str> {
        let mut codes = exams.to_vec();
        codes.push(FOUNDATIONAL);
        now(&partner().person(&codes)).option("specialist")
    }

    #[test]
    fn a_focus_area_needs_every_one_of_its_exams() {
        assert_eq!(specialist(&["70-767"]), None);
        assert_eq!(specialist(&["70-767", "70-773"]), None);
        assert_eq!(specialist(&["70-767", "70-775", "70-774"]), None);
        assert_eq!(specialist(&["70-767", "70-768"]), Some("silver"));
        assert_eq!(specialist(&["70-773", "70-774"]), Some("silver"));
        assert_eq!(specialist(&["70-475", "70-775"]), Some("silver"));
    }

    #[test]
    fn the_foundational_assessment_must_be_passed_by_the_same_person() {
        let split = now(&partner()
            .person(&["70-767", "70-768"])
            .person(&[FOUNDATIONAL]));
        assert_eq!(split.option("specialist"), None);
        let without = now(&partner().person(&["70-767", "70-768"]));
        assert_eq!(without.option("specialist"), None);
    }

    #[test]
    fn a_focus_area_split_between_two_people_does_not_count() {
        let split = now(&partner()
            .person(&["70-767", FOUNDATIONAL])
            .person(&["70-768", FOUNDATIONAL]));
        assert_eq!(split.tier(), None);
    }

    #[test]
    fn specialist_gold_needs_two_such_people_in_any_focus_areas() {
        let two = now(&partner()
            .person(&["70-767", "70-768", FOUNDATIONAL])
            .person(&["70-475", "70-775", FOUNDATIONAL]));
        assert_eq!(two.option("specialist"), Some("gold"));
        assert_eq!(two.tier(), Some("gold"));
        let one_and_a_half = now(&partner()
            .person(&["70-767", "70-768", FOUNDATIONAL])
            .person(&["70-475", FOUNDATIONAL]));
        assert_eq!(one_and_a_half.option("specialist"), Some("silver"));
    }

    #[test]
    fn beginners_silver_needs_two_people_each_with_foundational_and_a_specialty() {
        let two = now(&partner()
            .person(&[FOUNDATIONAL, BI])
            .person(&[FOUNDATIONAL, BIG_DATA]));
        assert_eq!(two.option("beginners"), Some("silver"));
        assert_eq!(two.tier(), Some("silver"));
        // The two halves held by different people do not add up.
        let halves = now(&partner()
            .person(&[FOUNDATIONAL, ADVANCED])
            .person(&[FOUNDATIONAL])
            .person(&[BI]));
        assert_eq!(halves.option("beginners"), None);
        let p = people(halves.requirement("beginners", "silver", 0));
        assert_eq!(p.qualified, [1]);
        let one = now(&partner().person(&[FOUNDATIONAL, BI, ADVANCED, BIG_DATA]));
        assert_eq!(one.option("beginners"), None);
    }

    #[test]
    fn beginners_gold_needs_four() {
        let four = now(&partner().people(4, &[FOUNDATIONAL, ADVANCED]));
        assert_eq!(four.option("beginners"), Some("gold"));
        let three = now(&partner().people(3, &[FOUNDATIONAL, ADVANCED]));
        assert_eq!(three.option("beginners"), Some("silver"));
    }

    #[test]
    fn power_bi_silver_needs_250_seats() {
        let met = now(&partner().person(&[BI]).usage(por_seats(250)));
        assert_eq!(met.option("power_bi"), Some("silver"));
        assert_eq!(met.tier(), Some("silver"));
        let short = now(&partner().person(&[BI]).usage(por_seats(249)));
        assert_eq!(short.option("power_bi"), None);
        let m = short.measure("power_bi", "silver", 1);
        assert_eq!(
            (m.actual, m.required, m.shortfall),
            (dec("249"), Some(dec("250")), Some(dec("1")))
        );
        // Seat counts written as strings are read exactly too.
        let text = now(&partner()
            .person(&[BI])
            .usage(seats(json!("125"), "2017-06-30", &["por"], Some(true)))
            .usage(seats(json!("125.0"), "2017-07-31", &["por"], Some(true))));
        assert_eq!(text.option("power_bi"), Some("silver"));
    }

    #[test]
    fn only_seats_held_as_partner_of_record_count() {
        let case = now(&partner()
            .person(&[BI])
            .usage(por_seats(200))
            .usage(seats(json!(100), "2017-06-30", &[], Some(true)))
            .usage(seats(json!(100), "2017-06-30", &["csp"], Some(true))));
        assert_eq!(case.measure_total("power_bi_seats"), dec("200"));
        assert_eq!(case.option("power_bi"), None);
    }

    #[test]
    fn trial_seats_count_because_this_measure_is_not_paid_only() {
        let case = now(&partner()
            .person(&[BI])
            .usage(seats(json!(150), "2017-06-30", &["por"], Some(true)))
            .usage(seats(json!(60), "2017-07-31", &["por"], Some(false)))
            .usage(seats(json!(40), "2017-08-31", &["por"], None)));
        assert_eq!(case.measure_total("power_bi_seats"), dec("250"));
        assert_eq!(case.option("power_bi"), Some("silver"));
    }

    #[test]
    fn seats_count_in_the_trailing_twelve_months_only() {
        let case = now(&partner()
            .person(&[BI])
            .usage(seats(json!(1), "2016-11-30", &["por"], Some(true)))
            .usage(seats(json!(2), "2016-12-01", &["por"], Some(true)))
            .usage(seats(json!(4), "2017-11-30", &["por"], Some(true)))
            .usage(seats(json!(8), "2017-12-01", &["por"], Some(true))));
        assert_eq!(case.measure_total("power_bi_seats"), dec("6"));
    }

    #[test]
    fn power_bi_gold_needs_1000_seats_and_two_bi_people() {
        let gold = now(&partner().people(2, &[BI]).usage(por_seats(1000)));
        assert_eq!(gold.option("power_bi"), Some("gold"));
        let seats_short = now(&partner().people(2, &[BI]).usage(por_seats(999)));
        assert_eq!(seats_short.option("power_bi"), Some("silver"));
        let one_person = now(&partner().person(&[BI]).usage(por_seats(1000)));
        assert_eq!(one_person.option("power_bi"), Some("silver"));
    }

    #[test]
    fn other_specialty_assessments_do_not_qualify_for_power_bi() {
        let case = now(&partner()
            .person(&[FOUNDATIONAL, ADVANCED])
            .person(&[BIG_DATA])
            .usage(por_seats(5000)));
        assert_eq!(case.option("power_bi"), None);
    }
}

// ===========================================================================
// Windows and Devices, as of 2017-11-30
// ===========================================================================

mod windows_devices {
    use super::*;

    const AS_OF: &str = "2017-11-30";
    const DEPLOYMENT: &str = "Windows 10 Deployment, Security and Management Assessment";
    const IOT: &str = "IoT Device Builder Assessment for Windows 10";
    const HUB: &str = "Surface Hub Assessment";
    const HUB_EXAMS: [&str; 4] = ["70-347", "70-334", "70-398", "70-697"];
    const RESELLER: &str = "surface_hub_reseller";
    const HUB_OPTION: &str = "surface_hub";

    fn at(as_of: &str, partner: &PartnerData) -> Case {
        evaluate(windows_devices(), as_of, partner)
    }

    fn now(partner: &PartnerData) -> Case {
        at(AS_OF, partner)
    }

    fn shipped(quantity: u32, date: &str) -> Value {
        json!({
            "metric": "devices_shipped",
            "product": "Surface Hub",
            "quantity": quantity,
            "date": date,
            "customer": "Contoso Ltd",
        })
    }

    /// `n` devices, one a line, spread over the twelve months to 2017-11-30.
    fn devices(n: u32) -> Vec<Value> {
        const MONTHS: [&str; 12] = [
            "2016-12-15",
            "2017-01-15",
            "2017-02-15",
            "2017-03-15",
            "2017-04-15",
            "2017-05-15",
            "2017-06-15",
            "2017-07-15",
            "2017-08-15",
            "2017-09-15",
            "2017-10-15",
            "2017-11-15",
        ];
        (0..n)
            .map(|i| shipped(1, MONTHS[i as usize % MONTHS.len()]))
            .collect()
    }

    /// A reseller with two assessed people and `n` devices shipped.
    fn hub_silver(n: u32) -> PartnerData {
        partner()
            .attribute(RESELLER)
            .people(2, &[HUB])
            .usages(devices(n))
    }

    /// A reseller with four people each holding the assessment and one hub
    /// exam, and `n` devices shipped.
    fn hub_gold(n: u32) -> PartnerData {
        HUB_EXAMS
            .iter()
            .fold(partner().attribute(RESELLER), |p, exam| {
                p.person(&[HUB, exam])
            })
            .usages(devices(n))
    }

    #[test]
    fn uwp_exams_count_until_their_retirement_date_and_no_later() {
        let uwp = partner()
            .person_on(&[("70-354", "2017-09-15")])
            .person_on(&[("70-355", "2017-09-29")]);
        let on_the_day = at("2017-09-30", &uwp);
        assert_eq!(on_the_day.option("service_partner"), Some("silver"));
        let day_after = at("2017-10-01", &uwp);
        assert_eq!(day_after.option("service_partner"), None);
        assert!(
            day_after.flags().is_empty(),
            "valid passes are not data errors"
        );
        // 70-357 does not retire.
        let current = partner().people(2, &["70-357"]);
        assert_eq!(now(&current).option("service_partner"), Some("silver"));
    }

    #[test]
    fn a_uwp_pass_dated_after_retirement_is_flagged_and_does_not_count() {
        let case = now(&partner()
            .person(&["70-357"])
            .person_on(&[("70-357", "2017-03-01"), ("70-354", "2017-10-05")]));
        assert_eq!(case.option("service_partner"), Some("silver"));
        assert_eq!(
            case.flags(),
            [PassFlag {
                person: 1,
                exam: 1,
                status: PassStatus::AfterRetirement,
            }]
        );
        let alone = now(&partner()
            .person(&["70-357"])
            .person_on(&[("70-354", "2017-10-05")]));
        assert_eq!(alone.option("service_partner"), None);
    }

    #[test]
    fn service_partner_silver_by_two_uwp_people_or_two_assessed_people() {
        let uwp = now(&partner().person(&["70-354"]).person(&["70-357"]));
        let assessed = now(&partner().people(2, &[DEPLOYMENT]));
        let mixed = now(&partner().person(&["70-357"]).person(&[DEPLOYMENT]));
        // At an as-of date before the UWP exams retire.
        let uwp_before = at(
            "2017-09-30",
            &partner().person(&["70-354"]).person(&["70-357"]),
        );
        assert_eq!(uwp_before.option("service_partner"), Some("silver"));
        assert_eq!(
            branches_met(uwp_before.requirement("service_partner", "silver", 0)),
            [true, false]
        );
        // 70-354 no longer counts at 2017-11-30: one UWP person is left.
        assert_eq!(uwp.option("service_partner"), None);
        assert_eq!(assessed.option("service_partner"), Some("silver"));
        assert_eq!(
            branches_met(assessed.requirement("service_partner", "silver", 0)),
            [false, true]
        );
        assert_eq!(mixed.option("service_partner"), None);
    }

    #[test]
    fn service_partner_gold_needs_four_from_one_path() {
        assert_eq!(
            now(&partner().people(4, &["70-357"])).option("service_partner"),
            Some("gold")
        );
        assert_eq!(
            now(&partner().people(4, &[DEPLOYMENT])).option("service_partner"),
            Some("gold")
        );
        let mixed = partner().people(2, &["70-357"]).people(2, &[DEPLOYMENT]);
        assert_eq!(now(&mixed).option("service_partner"), Some("silver"));
    }

    #[test]
    fn device_partner_by_the_oem_exam_or_the_iot_assessment() {
        let oem = now(&partner().people(2, &["70-735"]));
        assert_eq!(oem.option("device_partner"), Some("silver"));
        assert_eq!(oem.tier(), Some("silver"));
        assert_eq!(
            now(&partner().people(2, &[IOT])).option("device_partner"),
            Some("silver")
        );
        // 70-734 was replaced by 70-735 and does not qualify.
        let replaced = now(&partner().person(&["70-734"]).person(&["70-735"]));
        assert_eq!(replaced.option("device_partner"), None);
        let mixed = now(&partner().person(&["70-735"]).person(&[IOT]));
        assert_eq!(mixed.option("device_partner"), None);
        assert_eq!(
            now(&partner().people(4, &[IOT])).option("device_partner"),
            Some("gold")
        );
        assert_eq!(
            now(&partner().people(4, &["70-735"])).option("device_partner"),
            Some("gold")
        );
        let three_and_one = partner().people(3, &[IOT]).person(&["70-735"]);
        assert_eq!(now(&three_and_one).option("device_partner"), Some("silver"));
    }

    #[test]
    fn surface_hub_silver_needs_12_devices_in_twelve_months() {
        let twelve = now(&hub_silver(12));
        assert_eq!(twelve.option(HUB_OPTION), Some("silver"));
        assert_eq!(twelve.tier(), Some("silver"));
        let count = twelve.measure(HUB_OPTION, "silver", 0);
        assert_eq!((count.actual, count.required), (dec("12"), Some(dec("12"))));
        let eleven = now(&hub_silver(11));
        assert_eq!(eleven.option(HUB_OPTION), None);
        assert!(!eleven.measure(HUB_OPTION, "silver", 0).met);
        // A device shipped on the day a year before the as-of date is outside.
        let late = now(&hub_silver(11).usage(shipped(1, "2016-11-30")));
        assert_eq!(late.measure_total("hub_devices"), dec("11"));
        assert_eq!(late.option(HUB_OPTION), None);
        let inside = now(&hub_silver(11).usage(shipped(1, "2016-12-01")));
        assert_eq!(inside.option(HUB_OPTION), Some("silver"));
    }

    #[test]
    fn surface_hub_devices_per_month_are_the_window_total_over_twelve() {
        let twelve = now(&hub_silver(12));
        let m = twelve.measure(HUB_OPTION, "silver", 1);
        assert!(m.per_month);
        assert!(m.met);
        assert_eq!((m.actual, m.required), (dec("1"), Some(dec("1"))));

        let eleven = now(&hub_silver(11));
        let m = eleven.measure(HUB_OPTION, "silver", 1);
        assert!(!m.met);
        assert_eq!(m.actual, Decimal::from(11) / Decimal::from(12));
        assert_eq!(
            m.shortfall,
            Some(Decimal::ONE - Decimal::from(11) / Decimal::from(12))
        );

        // All twelve in one month still average one a month.
        let bunched = now(&partner()
            .attribute(RESELLER)
            .people(2, &[HUB])
            .usage(shipped(12, "2017-11-01")));
        assert_eq!(bunched.option(HUB_OPTION), Some("silver"));

        // Gold: 52 devices is 4.33 a month; 51 misses the count but not the average.
        let gold = now(&hub_gold(52));
        assert_eq!(gold.option(HUB_OPTION), Some("gold"));
        let m = gold.measure(HUB_OPTION, "gold", 1);
        assert!(m.met && m.per_month);
        assert_eq!(m.actual, Decimal::from(52) / Decimal::from(12));
        let short = now(&hub_gold(51));
        assert_eq!(short.option(HUB_OPTION), Some("silver"));
        assert!(!short.measure(HUB_OPTION, "gold", 0).met);
        assert!(short.measure(HUB_OPTION, "gold", 1).met);
        let m = now(&hub_gold(47)).measure(HUB_OPTION, "gold", 1).clone();
        assert!(!m.met);
        assert_eq!(m.required, Some(dec("4")));
    }

    #[test]
    fn surface_hub_needs_the_reseller_attribute() {
        let mut missing = hub_silver(20);
        missing.attributes.clear();
        let case = now(&missing);
        assert_eq!(case.option(HUB_OPTION), None);
        assert_eq!(case.tier(), None);
        assert!(matches!(
            case.requirement(HUB_OPTION, "silver", 2),
            RequirementOutcome::Attribute { met: false, .. }
        ));
        let other = now(&missing.clone().attribute("surface_reseller"));
        assert_eq!(other.option(HUB_OPTION), None);
        let listed = now(&missing.attribute("managed_partner").attribute(RESELLER));
        assert_eq!(listed.option(HUB_OPTION), Some("silver"));
        assert!(listed.requirement(HUB_OPTION, "silver", 2).met());
    }

    #[test]
    fn surface_hub_silver_needs_two_assessed_people() {
        let one = now(&partner()
            .attribute(RESELLER)
            .person(&[HUB])
            .person(&["70-347"])
            .usages(devices(20)));
        assert_eq!(one.option(HUB_OPTION), None);
    }

    #[test]
    fn surface_hub_gold_needs_four_people_each_with_the_assessment_and_a_hub_exam() {
        let four = now(&hub_gold(52));
        assert_eq!(four.option(HUB_OPTION), Some("gold"));
        assert_eq!(four.tier(), Some("gold"));
        // Three with both, one with the assessment only and one with an exam
        // only: four people hold the assessment, four an exam, three both.
        let split = now(&partner()
            .attribute(RESELLER)
            .person(&[HUB, "70-347"])
            .person(&[HUB, "70-334"])
            .person(&[HUB, "70-398"])
            .person(&[HUB])
            .person(&["70-697"])
            .usages(devices(60)));
        assert_eq!(split.option(HUB_OPTION), Some("silver"));
        let p = people(split.requirement(HUB_OPTION, "gold", 3));
        assert_eq!(p.qualified, [3]);
        // Without the attribute, gold fails too.
        let mut no_attribute = hub_gold(60);
        no_attribute.attributes.clear();
        assert_eq!(now(&no_attribute).option(HUB_OPTION), None);
    }
}

// ===========================================================================
// The shipped examples get the tiers computed by hand
// ===========================================================================

mod examples {
    use super::*;

    /// A partner's tier and its tier in each option, in policy order.
    type Tiers<'a> = (Option<&'a str>, Vec<Option<&'a str>>);
    /// What one example partner should get: id, tier, tier per option.
    type Expected<'a> = (&'a str, Option<&'a str>, &'a [Option<&'a str>]);

    /// Evaluates `examples/<name>.jsonl` at `as_of` and compares each
    /// partner's tier and tier per option with `expected`:
    /// `(id, partner tier, [tier per option, in policy order])`.
    fn check(policy: &'static Policy, name: &str, as_of: &str, expected: &[Expected<'_>]) {
        let path = format!("{}/examples/{name}.jsonl", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).expect("the example file is readable");
        let got: Vec<(String, Tiers<'_>)> = evaluate_text(policy, as_of, &path, text)
            .into_iter()
            .map(|(id, case)| {
                let options = policy
                    .options
                    .iter()
                    .map(|o| case.option(&o.name))
                    .collect();
                (id, (case.tier(), options))
            })
            .collect();
        let want: Vec<(String, Tiers<'_>)> = expected
            .iter()
            .map(|(id, tier, options)| ((*id).to_owned(), (*tier, options.to_vec())))
            .collect();
        assert_eq!(got, want, "{name} as of {as_of}");
    }

    const G: Option<&str> = Some("gold");
    const S: Option<&str> = Some("silver");
    const N: Option<&str> = None;

    #[test]
    fn cloud_platform_at_the_end_of_2017() {
        check(
            cloud_platform(),
            "cloud_platform",
            "2017-12-31",
            &[
                // 115,750.75 developed; two people with exams.
                ("CP-001", G, &[G]),
                // 11,300 TPOR in a developing market (3,000 unassociated
                // does not count); one assessment.
                ("CP-002", S, &[S]),
                // 14,999.99 developed: one cent short; Office 365 revenue
                // does not count.
                ("CP-003", N, &[N]),
                // 60,000 and one assessment plus one exam.
                ("CP-004", S, &[S]),
                // 103,500; two people with 70-534 before it retired.
                ("CP-005", G, &[G]),
                // 40,000 developing; 70-534 dated after retirement is
                // flagged, the Linux on Azure certification counts.
                ("CP-006", S, &[S]),
                // 105,500 developing; two different assessments.
                ("CP-007", G, &[G]),
            ],
        );
    }

    #[test]
    fn cloud_platform_in_the_70_534_grace_period() {
        check(
            cloud_platform(),
            "cloud_platform",
            "2018-06-30",
            &[
                // The February 2017 line has left the window: 94,750.75.
                ("CP-001", S, &[S]),
                // 5,100 left in the window.
                ("CP-002", N, &[N]),
                ("CP-003", N, &[N]),
                // 125,000 now, but still one of each list.
                ("CP-004", S, &[S]),
                // 111,500 and 70-534 still accepted until 2018-12-31.
                ("CP-005", G, &[G]),
                ("CP-006", S, &[S]),
                // 67,500 left in the window.
                ("CP-007", S, &[S]),
            ],
        );
    }

    #[test]
    fn cloud_platform_examples_flag_the_pass_after_retirement() {
        let path = format!(
            "{}/examples/cloud_platform.jsonl",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap();
        let flagged: Vec<(String, Vec<PassFlag>)> =
            evaluate_text(cloud_platform(), "2017-12-31", &path, text)
                .into_iter()
                .filter(|(_, case)| !case.flags().is_empty())
                .map(|(id, case)| (id, case.outcome.flags))
                .collect();
        assert_eq!(
            flagged,
            [(
                "CP-006".to_owned(),
                vec![PassFlag {
                    person: 0,
                    exam: 0,
                    status: PassStatus::AfterRetirement,
                }]
            )]
        );
    }

    #[test]
    fn data_analytics() {
        // Options: specialist, beginners, power_bi.
        check(
            super::data_analytics(),
            "data_analytics",
            "2017-11-30",
            &[
                // Two people with a whole focus area and the foundational assessment.
                ("DA-001", G, &[G, N, N]),
                // One such person; the other has 70-767 alone.
                ("DA-002", S, &[S, N, N]),
                // Four with foundational and a specialty; no seats.
                ("DA-003", G, &[N, G, N]),
                // Two BI assessments, 275 POR seats (95 of them trial);
                // the unassociated 400 do not count.
                ("DA-004", S, &[N, N, S]),
                // 1,050 POR seats in the window (the 300 dated 2016-11-30
                // are outside) and two BI assessments.
                ("DA-005", G, &[N, N, G]),
                // Focus areas incomplete or split between people.
                ("DA-006", N, &[N, N, N]),
                // Two beginners; 240 POR seats are 10 short (CSP seats do not count).
                ("DA-007", S, &[N, S, N]),
            ],
        );
    }

    #[test]
    fn windows_devices() {
        // Options: service_partner, device_partner, surface_hub.
        check(
            super::windows_devices(),
            "windows_devices",
            "2017-11-30",
            &[
                // Four with the deployment assessment.
                ("WD-001", G, &[G, N, N]),
                // Two with 70-357; 70-354 no longer counts.
                ("WD-002", S, &[S, N, N]),
                // Retired exams and one assessment.
                ("WD-003", N, &[N, N, N]),
                // Two with 70-735; 70-734 does not count.
                ("WD-004", S, &[N, S, N]),
                // Four with the IoT assessment.
                ("WD-005", G, &[N, G, N]),
                // 60 devices, reseller, four with assessment and hub exam.
                ("WD-006", G, &[N, N, G]),
                // 14 devices (3 outside the window), reseller, two assessed.
                ("WD-007", S, &[N, N, S]),
                // 20 devices and two assessed, but not a reseller.
                ("WD-008", N, &[N, N, N]),
            ],
        );
    }
}
