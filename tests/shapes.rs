//! Rule shapes found across partner-program competencies, each written as a
//! small policy under `tests/shapes/` and evaluated against partners that
//! meet it and partners that miss it, through the real pipeline (framing,
//! parsing, evaluation).
//!
//! Also: every policy shipped in `policies/` and every shape checks clean.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::NaiveDate;
use rubric::data::Partner;
use rubric::eval::{Evaluator, PartnerOutcome, PassFlag, PeopleOutcome, RequirementOutcome};
use rubric::model::{PassStatus, Policy};
use rust_decimal::Decimal;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// Loads `tests/shapes/<name>.policy`, which must check clean.
fn shape(name: &str) -> Policy {
    let path = format!("{}/tests/shapes/{name}.policy", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("the shape file is readable");
    rubric::load_policy(&text).unwrap_or_else(|e| panic!("{path} does not check: {e:?}"))
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("a test date")
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str_exact(text).expect("a test amount")
}

/// The as-of date of the revenue and usage shapes.
const AS_OF: &str = "2017-12-31";
/// Inside every window ending on [`AS_OF`].
const BOOKED: &str = "2017-10-15";
/// When people pass unless a test says otherwise.
const PASSED: &str = "2017-03-01";

/// A partner record, written as JSON text for the pipeline.
#[derive(Clone, Debug, Default)]
struct PartnerData {
    attributes: Vec<String>,
    people: Vec<Value>,
    revenue: Vec<Value>,
    usage: Vec<Value>,
}

fn partner() -> PartnerData {
    PartnerData::default()
}

impl PartnerData {
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
        self.people.push(
            json!({ "id": format!("E-{n}"), "name": format!("Employee {n}"), "exams": exams }),
        );
        self
    }

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

    fn to_json(&self) -> String {
        json!({
            "id": "P-1",
            "name": "Test Partner",
            "market": "developed",
            "attributes": self.attributes,
            "people": self.people,
            "revenue": self.revenue,
            "usage": self.usage,
        })
        .to_string()
    }
}

/// A revenue line in USD for a customer.
fn sale(product: &str, kind: &str, amount: &str, customer: &str) -> Value {
    json!({
        "customer": customer,
        "product": product,
        "type": kind,
        "amount": amount,
        "currency": "USD",
        "date": BOOKED,
    })
}

/// `line` with another field value.
fn with(mut line: Value, field: &str, value: Value) -> Value {
    line[field] = value;
    line
}

/// A usage line.
fn used(metric: &str, product: &str, quantity: u32, date: &str, customer: &str) -> Value {
    json!({
        "metric": metric,
        "product": product,
        "quantity": quantity,
        "date": date,
        "customer": customer,
    })
}

/// A partner's outcome, read with the policy's names.
struct Case<'p> {
    policy: &'p Policy,
    outcome: PartnerOutcome<'p>,
}

fn evaluate<'p>(policy: &'p Policy, as_of: &str, partner: &PartnerData) -> Case<'p> {
    let framed = rubric::data::read::whole_text("case.json", partner.to_json());
    assert_eq!(framed.len(), 1, "one record");
    let record = framed
        .into_iter()
        .next()
        .unwrap()
        .expect("the record frames");
    let parsed = Partner::parse(&record).expect("the record parses");
    let outcome = Evaluator::new(policy, date(as_of))
        .evaluate(&parsed)
        .expect("the record is evaluated");
    Case { policy, outcome }
}

impl<'p> Case<'p> {
    /// The partner's tier.
    fn tier(&self) -> Option<&'p str> {
        self.outcome
            .tier
            .map(|t| self.policy.tiers[t.0].id.as_str())
    }

    /// The tier met in one option.
    fn option(&self, option: &str) -> Option<&'p str> {
        let i = self
            .policy
            .options
            .iter()
            .position(|o| o.name == option)
            .unwrap_or_else(|| panic!("no option `{option}`"));
        self.outcome.options[i]
            .tier
            .map(|t| self.policy.tiers[t.0].id.as_str())
    }

    /// Whether the tier is met in the (first) option.
    fn met(&self, tier: &str) -> bool {
        self.outcome.options[0]
            .tiers
            .iter()
            .find(|t| self.policy.tiers[t.level.0].id == tier)
            .unwrap_or_else(|| panic!("no tier `{tier}`"))
            .met
    }

    /// The `index`th requirement of a tier of the first option.
    fn requirement(&self, tier: &str, index: usize) -> &RequirementOutcome<'_> {
        let tier = self.outcome.options[0]
            .tiers
            .iter()
            .find(|t| self.policy.tiers[t.level.0].id == tier)
            .unwrap_or_else(|| panic!("no tier `{tier}`"));
        &tier.requirements[index]
    }

    fn people(&self, tier: &str, index: usize) -> &PeopleOutcome<'_> {
        match self.requirement(tier, index) {
            RequirementOutcome::People(p) => p,
            other => panic!("not a people requirement: {other:?}"),
        }
    }

    /// The value of a named measure.
    fn measure(&self, name: &str) -> Decimal {
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

// ---------------------------------------------------------------------------
// Every policy checks clean
// ---------------------------------------------------------------------------

#[test]
fn every_shipped_policy_and_every_shape_checks_clean() {
    let root = env!("CARGO_MANIFEST_DIR");
    for (dir, at_least) in [("policies", 4), ("tests/shapes", 14)] {
        let mut checked = 0;
        let mut entries: Vec<_> = std::fs::read_dir(format!("{root}/{dir}"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "policy"))
            .collect();
        entries.sort();
        for path in entries {
            let text = std::fs::read_to_string(&path).unwrap();
            if let Err(e) = rubric::load_policy(&text) {
                panic!("{} does not check: {e:?}", path.display());
            }
            checked += 1;
        }
        assert!(checked >= at_least, "{dir}: only {checked} policies");
    }
}

// ---------------------------------------------------------------------------
// Measures
// ---------------------------------------------------------------------------

#[test]
fn several_measures_are_required_together() {
    let policy = shape("measures_together");
    let gross = |amount| sale("Exchange Server", "gross", amount, "Contoso");
    let cloud = || sale("Office 365", "gross", "20000", "Fabrikam");
    let net_new = || {
        with(
            sale("Office 365", "net_new", "10000", "Fabrikam"),
            "associations",
            json!(["dpor"]),
        )
    };

    // Gross revenue, on-premises included, but no net new cloud revenue.
    let gross_only = evaluate(
        &policy,
        AS_OF,
        &partner().revenue(gross("40000")).revenue(cloud()),
    );
    assert_eq!(gross_only.measure("gross"), dec("60000"));
    assert_eq!(gross_only.tier(), None);
    assert!(gross_only.requirement("silver", 0).met());
    assert!(!gross_only.requirement("silver", 1).met());

    let silver = partner()
        .revenue(gross("40000"))
        .revenue(cloud())
        .revenue(net_new());
    assert_eq!(evaluate(&policy, AS_OF, &silver).tier(), Some("silver"));

    // Net new cloud revenue alone, or with gross one cent short.
    let net_new_only = evaluate(&policy, AS_OF, &partner().revenue(net_new()));
    assert_eq!(net_new_only.tier(), None);
    let gross_short = partner()
        .revenue(gross("29999.99"))
        .revenue(cloud())
        .revenue(net_new());
    assert_eq!(evaluate(&policy, AS_OF, &gross_short).tier(), None);

    // Gold: seats and customers together.
    let seats = |quantities: &[(u32, &str)]| {
        quantities.iter().fold(silver.clone(), |p, (q, customer)| {
            p.usage(used("deployed_seats", "Office 365", *q, BOOKED, customer))
        })
    };
    let five = [
        (200, "Alpine Ski House"),
        (200, "Coho Winery"),
        (200, "Litware"),
        (200, "Proseware"),
        (200, "Woodgrove Bank"),
    ];
    let gold = evaluate(&policy, AS_OF, &seats(&five));
    assert_eq!(gold.measure("seats"), dec("1000"));
    assert_eq!(gold.measure("seat_customers"), dec("5"));
    assert_eq!(gold.tier(), Some("gold"));

    let four_customers = [
        (400, "Alpine Ski House"),
        (200, "Coho Winery"),
        (200, "Litware"),
        (200, "Proseware"),
    ];
    let case = evaluate(&policy, AS_OF, &seats(&four_customers));
    assert_eq!(case.measure("seats"), dec("1000"));
    assert_eq!(case.tier(), Some("silver"));

    let mut seats_short = five;
    seats_short[4].0 = 199;
    let case = evaluate(&policy, AS_OF, &seats(&seats_short));
    assert_eq!(case.measure("seat_customers"), dec("5"));
    assert_eq!(case.tier(), Some("silver"));
}

#[test]
fn distinct_customers_in_the_window() {
    let policy = shape("new_customers");
    let new = |customer: &str| sale("Dynamics 365", "net_new", "5000", customer);
    // Three lines for one customer, however written, and one for another.
    let two = partner()
        .revenue(new("Contoso"))
        .revenue(new("  contoso "))
        .revenue(new("CONTOSO"))
        .revenue(new("Fabrikam"));
    let case = evaluate(&policy, AS_OF, &two);
    assert_eq!(case.measure("customers"), dec("2"));
    assert_eq!(case.tier(), None);

    // Customers whose lines do not count are not counted.
    let not_counted = two
        .clone()
        .revenue(with(new("Litware"), "date", json!("2016-12-31")))
        .revenue(with(new("Proseware"), "type", json!("renewal")))
        .revenue(with(new("Woodgrove"), "product", json!("Office 365")))
        .revenue(with(new("Coho"), "customer", Value::Null));
    let case = evaluate(&policy, AS_OF, &not_counted);
    assert_eq!(case.measure("customers"), dec("2"));
    assert_eq!(case.tier(), None);

    let three = not_counted.revenue(with(new("Litware"), "date", json!("2017-01-01")));
    let case = evaluate(&policy, AS_OF, &three);
    assert_eq!(case.measure("customers"), dec("3"));
    assert_eq!(case.tier(), Some("silver"));
}

#[test]
fn active_users_are_the_largest_reading_not_the_sum() {
    let policy = shape("active_users");
    let reading = |users, date| used("active_users", "Microsoft Teams", users, date, "Contoso");
    // 300 + 450 would be 750; the largest reading is 450.
    let below = partner()
        .usage(reading(300, "2017-08-31"))
        .usage(reading(450, "2017-09-30"))
        // Outside the six months (2017-07-01 ..= 2017-12-31).
        .usage(reading(900, "2017-06-30"));
    let case = evaluate(&policy, AS_OF, &below);
    assert_eq!(case.measure("active"), dec("450"));
    assert_eq!(case.tier(), None);

    let above = below.usage(reading(520, "2017-10-31"));
    let case = evaluate(&policy, AS_OF, &above);
    assert_eq!(case.measure("active"), dec("520"));
    assert_eq!(case.tier(), Some("silver"));

    let nothing = evaluate(&policy, AS_OF, &partner());
    assert_eq!(nothing.measure("active"), Decimal::ZERO);

    // Six months before 2017-08-31 is 2017-02-28 (clamped): excluded, and the
    // next day included.
    let clamped = partner()
        .usage(reading(700, "2017-02-28"))
        .usage(reading(600, "2017-03-01"));
    let case = evaluate(&policy, "2017-08-31", &clamped);
    assert_eq!(case.measure("active"), dec("600"));
    assert_eq!(case.tier(), Some("silver"));
}

#[test]
fn only_paid_seats_count_when_the_measure_says_paid_only() {
    let policy = shape("paid_seats");
    let seats = |n, paid: Option<bool>| {
        let line = used("deployed_seats", "Power BI Pro", n, BOOKED, "Contoso");
        match paid {
            Some(paid) => with(line, "paid", json!(paid)),
            None => line,
        }
    };
    let trial = partner()
        .usage(seats(80, Some(true)))
        .usage(seats(50, Some(false)))
        .usage(seats(40, None));
    let case = evaluate(&policy, AS_OF, &trial);
    assert_eq!(case.measure("seats"), dec("80"));
    assert_eq!(case.tier(), None);

    let paid = trial.usage(seats(20, Some(true)));
    let case = evaluate(&policy, AS_OF, &paid);
    assert_eq!(case.measure("seats"), dec("100"));
    assert_eq!(case.tier(), Some("silver"));
}

#[test]
fn revenue_pools_any_one_or_a_combination_of_products_under_old_and_new_names() {
    let policy = shape("pooled_products");
    let sold = |product: &str, amount| sale(product, "net_new", amount, "Contoso");
    let one = partner().revenue(sold("Enterprise Mobility + Security", "20000"));
    assert_eq!(evaluate(&policy, AS_OF, &one).tier(), Some("silver"));

    let combined = partner()
        .revenue(sold("Enterprise Mobility Suite", "8000"))
        .revenue(sold("enterprise mobility + security", "7000"))
        .revenue(sold("Azure Information Protection", "5000"));
    let case = evaluate(&policy, AS_OF, &combined);
    assert_eq!(case.measure("security"), dec("20000"));
    assert_eq!(case.tier(), Some("silver"));

    let short = partner()
        .revenue(sold("Enterprise Mobility Suite", "8000"))
        .revenue(sold("Enterprise Mobility + Security", "7000"))
        .revenue(sold("Azure Information Protection", "4999.99"))
        .revenue(sold("Microsoft Intune", "50000"));
    let case = evaluate(&policy, AS_OF, &short);
    assert_eq!(case.measure("security"), dec("19999.99"));
    assert_eq!(case.tier(), None);
}

#[test]
fn revenue_with_no_association_counts_every_line() {
    let policy = shape("no_association");
    let sold = |amount| sale("Office 365", "net_new", amount, "Contoso");
    let bare = partner().revenue(sold("10000"));
    assert_eq!(evaluate(&policy, AS_OF, &bare).tier(), Some("silver"));

    let mixed = partner()
        .revenue(with(sold("4000"), "associations", json!([])))
        .revenue(with(sold("3000"), "associations", json!(["dpor"])))
        .revenue(with(sold("3000"), "associations", json!(["tpor"])));
    let case = evaluate(&policy, AS_OF, &mixed);
    assert_eq!(case.measure("sales"), dec("10000"));
    assert_eq!(case.tier(), Some("silver"));

    assert_eq!(
        evaluate(&policy, AS_OF, &partner().revenue(sold("9999.99"))).tier(),
        None
    );
}

// ---------------------------------------------------------------------------
// Tiers
// ---------------------------------------------------------------------------

#[test]
fn a_tier_with_performance_only() {
    let policy = shape("performance_only");
    let sold = |amount| sale("Office 365", "net_new", amount, "Contoso");
    // Silver: revenue and nobody certified.
    let silver = evaluate(&policy, AS_OF, &partner().revenue(sold("50000")));
    assert_eq!(silver.tier(), Some("silver"));
    let big = evaluate(&policy, AS_OF, &partner().revenue(sold("250000")));
    assert_eq!(big.tier(), Some("silver"));
    let gold = partner().revenue(sold("200000")).person(&["70-347"]);
    assert_eq!(evaluate(&policy, AS_OF, &gold).tier(), Some("gold"));
    let short = partner().revenue(sold("49999.99")).person(&["70-347"]);
    assert_eq!(evaluate(&policy, AS_OF, &short).tier(), None);
}

#[test]
fn a_competency_with_gold_only() {
    let policy = shape("gold_only");
    let gold = evaluate(&policy, AS_OF, &partner().people(3, &["MB-200"]));
    assert_eq!(gold.tier(), Some("gold"));
    assert_eq!(gold.outcome.options[0].tiers.len(), 1);
    // Short of gold is no tier at all, not silver.
    let short = evaluate(&policy, AS_OF, &partner().people(2, &["MB-200"]));
    assert_eq!(short.tier(), None);
    assert!(!short.met("gold"));
}

#[test]
fn gold_different_in_kind_from_silver() {
    let policy = shape("gold_in_kind");
    let azure = |amount| {
        with(
            sale("Microsoft Azure", "azure_consumption", amount, "Contoso"),
            "associations",
            json!(["dpor"]),
        )
    };
    let implementers = partner().people(2, &["70-533"]);
    let case = evaluate(&policy, AS_OF, &implementers);
    assert_eq!(case.tier(), Some("silver"));

    // Gold is judged on its own requirements: it needs none of silver's.
    let managed = partner()
        .attribute("managed_partner")
        .person(&["70-535"])
        .revenue(azure("100000"));
    let case = evaluate(&policy, AS_OF, &managed);
    assert!(!case.met("silver"));
    assert!(case.met("gold"));
    assert_eq!(case.tier(), Some("gold"));

    // Without the attribute, revenue and an architect are nothing.
    let unmanaged = partner().person(&["70-535"]).revenue(azure("500000"));
    assert_eq!(evaluate(&policy, AS_OF, &unmanaged).tier(), None);

    // Silver plus most of gold is silver.
    let almost = implementers
        .attribute("managed_partner")
        .person(&["70-535"])
        .revenue(azure("99999.99"));
    assert_eq!(evaluate(&policy, AS_OF, &almost).tier(), Some("silver"));
}

// ---------------------------------------------------------------------------
// Roles
// ---------------------------------------------------------------------------

#[test]
fn two_people_pass_x_and_one_of_the_same_two_also_passes_y() {
    let policy = shape("same_two_people");
    let case = evaluate(
        &policy,
        AS_OF,
        &partner()
            .person(&["MB2-714"])
            .person(&["MB2-714", "MB2-712"]),
    );
    assert_eq!(case.tier(), Some("silver"));
    let p = case.people("silver", 0);
    assert!(!p.distinct);
    assert_eq!(p.assignment.as_ref().unwrap().filled, [vec![0, 1], vec![1]]);

    // Y held by a third person who does not pass X.
    let third = partner()
        .person(&["MB2-714"])
        .person(&["MB2-714"])
        .person(&["MB2-712"]);
    assert_eq!(evaluate(&policy, AS_OF, &third).tier(), None);

    // One person with both is not two people passing X.
    let alone = partner().person(&["MB2-714", "MB2-712"]);
    assert_eq!(evaluate(&policy, AS_OF, &alone).tier(), None);

    // Both of the two with both: met.
    let both = partner().people(2, &["MB2-714", "MB2-712"]);
    assert_eq!(evaluate(&policy, AS_OF, &both).tier(), Some("silver"));
}

#[test]
fn roles_shared_or_distinct() {
    let policy = shape("shared_vs_distinct");
    let one_person = evaluate(&policy, AS_OF, &partner().person(&["MB-210", "MB-400"]));
    assert_eq!(one_person.option("shared_roles"), Some("silver"));
    assert_eq!(one_person.option("distinct_roles"), None);
    assert_eq!(one_person.tier(), Some("silver"));

    let two_people = evaluate(
        &policy,
        AS_OF,
        &partner().person(&["MB-210"]).person(&["MB-400"]),
    );
    assert_eq!(two_people.option("shared_roles"), Some("silver"));
    assert_eq!(two_people.option("distinct_roles"), Some("silver"));

    // Two people who both hold both also fill distinct roles.
    let both = evaluate(&policy, AS_OF, &partner().people(2, &["MB-210", "MB-400"]));
    assert_eq!(both.option("distinct_roles"), Some("silver"));
    let nobody = evaluate(&policy, AS_OF, &partner().person(&["MB-210"]));
    assert_eq!(nobody.tier(), None);
}

#[test]
fn role_head_counts_add_up_to_the_total() {
    let policy = shape("headcounts_add_up");
    let tier = |p: &PartnerData| evaluate(&policy, AS_OF, p).tier();
    // Four different people, at least two of them technical.
    assert_eq!(
        tier(&partner().people(2, &["70-533"]).people(2, &["70-347"])),
        Some("silver")
    );
    assert_eq!(tier(&partner().people(4, &["70-533"])), Some("silver"));
    assert_eq!(
        tier(&partner().people(3, &["70-533"]).person(&["70-347"])),
        Some("silver")
    );
    assert_eq!(
        tier(&partner().person(&["70-533"]).people(3, &["70-347"])),
        None
    );
    assert_eq!(tier(&partner().people(3, &["70-533"])), None);
    assert_eq!(tier(&partner().people(3, &["70-533", "70-347"])), None);
    // Office people listed first do not take the technical people's slots.
    let ordered = partner()
        .person(&["70-347"])
        .person(&["70-533", "70-347"])
        .person(&["70-533", "70-347"])
        .person(&["70-347"]);
    let case = evaluate(&policy, AS_OF, &ordered);
    assert_eq!(case.tier(), Some("silver"));
    assert_eq!(
        case.people("silver", 0).assignment.as_ref().unwrap().filled[0],
        [1, 2]
    );
}

// ---------------------------------------------------------------------------
// Credential dates
// ---------------------------------------------------------------------------

#[test]
fn an_exam_available_from_a_future_date() {
    let policy = shape("available_from");
    let as_of = "2018-12-31";
    let on = |passed| partner().person_on(&[("AZ-400", passed)]);
    let after = evaluate(&policy, as_of, &on("2018-11-15"));
    assert_eq!(after.tier(), Some("silver"));
    assert!(after.flags().is_empty());
    let first_day = evaluate(&policy, as_of, &on("2018-11-01"));
    assert_eq!(first_day.tier(), Some("silver"));

    let early = evaluate(&policy, as_of, &on("2018-10-31"));
    assert_eq!(early.tier(), None);
    assert_eq!(
        early.flags(),
        [PassFlag {
            person: 0,
            exam: 0,
            status: PassStatus::BeforeAvailable,
        }]
    );
    // The flag is reported even when someone else qualifies.
    let mixed = evaluate(
        &policy,
        as_of,
        &on("2018-10-31").person_on(&[("AZ-400", "2018-12-01")]),
    );
    assert_eq!(mixed.tier(), Some("silver"));
    assert_eq!(mixed.flags().len(), 1);
    assert_eq!(mixed.flags()[0].status, PassStatus::BeforeAvailable);
}

#[test]
fn an_exam_retiring_without_grace() {
    let policy = shape("retirement_without_grace");
    let on = |passed| partner().person_on(&[("70-410", passed)]);
    let valid = on("2017-01-01");
    assert_eq!(
        evaluate(&policy, "2018-06-30", &valid).tier(),
        Some("silver")
    );
    let expired = evaluate(&policy, "2018-07-01", &valid);
    assert_eq!(expired.tier(), None);
    assert!(
        expired.flags().is_empty(),
        "a valid pass is not a data error"
    );
    // Passed on the retirement day: counts on that day.
    assert_eq!(
        evaluate(&policy, "2018-06-30", &on("2018-06-30")).tier(),
        Some("silver")
    );
    // Dated after retirement: flagged and never counted.
    let late = evaluate(&policy, "2018-07-15", &on("2018-07-01"));
    assert_eq!(late.tier(), None);
    assert_eq!(
        late.flags(),
        [PassFlag {
            person: 0,
            exam: 0,
            status: PassStatus::AfterRetirement,
        }]
    );
}
