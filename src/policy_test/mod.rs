//! Policy tests: cases written beside a policy in a `NAME.tests.toml` file,
//! each a partner, an as-of date and the tier it must reach (optionally also
//! requirements expected met or unmet, and exact shortfalls); running them
//! through the evaluator; and coverage of every requirement, role and market
//! threshold.
//!
//! ```toml
//! policy = "cloud_crm.policy"      # default: the file name less `.tests.toml`
//! as_of = "2017-06-30"             # default for every case
//!
//! [[case]]
//! name = "exactly 100,000 of net new revenue reaches silver"
//! expect = "silver"                # a tier, or "none"
//! unmet = ["gold/crm", "gold/people"]
//! shortfall = { "gold/crm" = "200000" }
//! partner = { id = "P-1", market = "developed", revenue = [ ... ], people = [ ... ] }
//! ```
//!
//! `partner` may also be a string holding the partner's JSON, as exported.

mod compact;
mod error;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use toml::Spanned;

pub use error::TestFileError;

use crate::ast::Span;
use crate::data::{Partner, read};
use crate::eval::{Evaluator, PartnerOutcome, RequirementOutcome};
use crate::model::{Policy, Requirement, Thresholds};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileToml {
    policy: Option<Spanned<String>>,
    as_of: Option<Spanned<toml::Value>>,
    #[serde(default, rename = "case")]
    cases: Vec<Spanned<CaseToml>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseToml {
    name: Spanned<String>,
    as_of: Option<Spanned<toml::Value>>,
    expect: Spanned<String>,
    #[serde(default)]
    met: Vec<Spanned<String>>,
    #[serde(default)]
    unmet: Vec<Spanned<String>>,
    #[serde(default)]
    shortfall: Option<BTreeMap<Spanned<String>, Spanned<toml::Value>>>,
    #[serde(default)]
    roles: Option<BTreeMap<Spanned<String>, Spanned<RoleToml>>>,
    partner: Spanned<toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleToml {
    met: Option<bool>,
    filled: Option<usize>,
}

/// A parsed test file.
#[derive(Clone, Debug)]
pub struct TestFile {
    /// The policy file named by the test file (relative to it), if any.
    pub policy: Option<String>,
    /// Its cases, in file order.
    pub cases: Vec<Case>,
}

/// One test case.
#[derive(Clone, Debug)]
pub struct Case {
    /// What it checks, in words.
    pub name: String,
    /// The whole case in the test file.
    pub span: Span,
    /// The date to evaluate at.
    pub as_of: NaiveDate,
    /// The expected tier, `None` for no tier.
    pub expect_tier: Option<String>,
    /// Where `expect` is written.
    pub expect_span: Span,
    /// Requirements expected met, by label.
    pub met: Vec<(String, Span)>,
    /// Requirements expected unmet, by label.
    pub unmet: Vec<(String, Span)>,
    /// Expected exact shortfalls, by label (the span is the label's).
    pub shortfall: Vec<(String, Decimal, Span)>,
    /// Expected states of roles, by name.
    pub roles: Vec<RoleExpectation>,
    /// The partner as JSON text.
    pub partner_json: String,
    /// Where the partner is written.
    pub partner_span: Span,
    /// Where the partner's JSON starts in the test file, when it is written
    /// there as a string character for character (so a data error can point
    /// inside it).
    pub partner_text_at: Option<usize>,
    /// Whether the partner was written as a table, whose revenue lines take
    /// the policy's currency when they name none.
    pub partner_table: bool,
}

/// What a case expects of one role of a people requirement.
#[derive(Clone, Debug)]
pub struct RoleExpectation {
    /// The role as written: `TIER/people role N` or as coverage names it,
    /// ``TIER/people role `1 passing customization` ``.
    pub name: String,
    /// Where the name is written.
    pub span: Span,
    /// Whether all its slots are filled.
    pub met: Option<bool>,
    /// How many of its slots are filled.
    pub filled: Option<usize>,
}

fn span_of<T>(s: &Spanned<T>) -> Span {
    let r = s.span();
    Span::new(r.start, r.end)
}

fn date_of(value: &Spanned<toml::Value>) -> Result<NaiveDate, TestFileError> {
    let text = scalar_text(value.get_ref());
    crate::data::parse_date(&text).ok_or_else(|| TestFileError::BadDate {
        text,
        span: span_of(value).into(),
    })
}

/// Parses a test file's text.
pub fn parse(source: &str) -> Result<TestFile, Vec<TestFileError>> {
    // The same text again with a span on every value, for compact partners.
    let spanned = toml::de::DeTable::parse(source).ok();
    let spanned_cases = spanned
        .as_ref()
        .and_then(|t| {
            t.get_ref()
                .iter()
                .find(|(k, _)| k.get_ref().as_ref() == "case")
        })
        .and_then(|(_, v)| v.get_ref().as_array());
    let file: FileToml = toml::from_str(source).map_err(|e| {
        let span = e
            .span()
            .map_or(Span::new(0, 0), |r| Span::new(r.start, r.end));
        vec![TestFileError::Malformed {
            message: e.message().to_owned(),
            span: span.into(),
        }]
    })?;
    let mut errors = Vec::new();
    let default_as_of = match &file.as_of {
        Some(v) => date_of(v).map_err(|e| errors.push(e)).ok(),
        None => None,
    };
    // A default that is not a date was reported; don't also report each case.
    let default_given = file.as_of.is_some();
    let mut cases = Vec::new();
    for (index, spanned) in file.cases.iter().enumerate() {
        let case = spanned.get_ref();
        let as_of = match (&case.as_of, default_as_of) {
            (Some(v), _) => date_of(v).map_err(|e| errors.push(e)).ok(),
            (None, Some(d)) => Some(d),
            (None, None) if default_given => None,
            (None, None) => {
                errors.push(TestFileError::MissingAsOf {
                    name: case.name.get_ref().clone(),
                    span: span_of(&case.name).into(),
                });
                None
            }
        };
        let mut shortfall = Vec::new();
        for (label, value) in case.shortfall.iter().flatten() {
            let text = scalar_text(value.get_ref());
            match crate::data::parse_amount(&text) {
                // The label's span: an unknown name is underlined where it is written.
                Some(d) => shortfall.push((label.get_ref().clone(), d, span_of(label))),
                None => errors.push(TestFileError::BadAmount {
                    text,
                    span: span_of(value).into(),
                }),
            }
        }
        let roles = case
            .roles
            .iter()
            .flatten()
            .map(|(name, role)| RoleExpectation {
                name: name.get_ref().clone(),
                span: span_of(name),
                met: role.get_ref().met,
                filled: role.get_ref().filled,
            })
            .collect();
        let partner_table = !case.partner.get_ref().is_str();
        let (partner_json, partner_text_at) = match case.partner.get_ref() {
            toml::Value::String(json) => (
                json.clone(),
                text_start(source, span_of(&case.partner), json),
            ),
            value => {
                let spanned_partner = spanned_cases
                    .and_then(|cases| cases.get(index))
                    .and_then(|c| c.get_ref().as_table())
                    .and_then(|c| {
                        c.iter()
                            .find(|(k, _)| k.get_ref().as_ref() == "partner")
                            .map(|(_, v)| v)
                    });
                let json = match spanned_partner {
                    Some(p) => compact::expand(p, case.name.get_ref(), &mut errors),
                    None => serde_json::to_string(&JsonOf(value)).ok(),
                };
                (json.unwrap_or_default(), None)
            }
        };
        let expect = case.expect.get_ref();
        let Some(as_of) = as_of else { continue };
        cases.push(Case {
            name: case.name.get_ref().clone(),
            span: span_of(spanned),
            as_of,
            expect_tier: (expect != "none").then(|| expect.clone()),
            expect_span: span_of(&case.expect),
            met: case
                .met
                .iter()
                .map(|m| (m.get_ref().clone(), span_of(m)))
                .collect(),
            unmet: case
                .unmet
                .iter()
                .map(|m| (m.get_ref().clone(), span_of(m)))
                .collect(),
            shortfall,
            roles,
            partner_json,
            partner_span: span_of(&case.partner),
            partner_text_at,
            partner_table,
        });
    }
    if errors.is_empty() {
        Ok(TestFile {
            policy: file.policy.map(Spanned::into_inner),
            cases,
        })
    } else {
        Err(errors)
    }
}

/// Where a string value's text starts in the file, when the text between its
/// quotes is the value exactly (no escapes).
fn text_start(source: &str, span: Span, value: &str) -> Option<usize> {
    let written = source.get(span.range())?;
    let (open, close) = ["'''", "\"\"\"", "'", "\""]
        .iter()
        .find(|q| written.starts_with(**q))
        .map(|q| (q.len(), q.len()))?;
    let mut start = span.start + open;
    let inner = written.get(open..written.len().checked_sub(close)?)?;
    // A newline right after the opening quotes of a multi-line string is
    // not part of the value.
    let inner = if open == 3 {
        let trimmed = inner
            .strip_prefix("\r\n")
            .or_else(|| inner.strip_prefix('\n'))
            .unwrap_or(inner);
        start += inner.len() - trimmed.len();
        trimmed
    } else {
        inner
    };
    (inner == value).then_some(start)
}

/// A scalar as text: strings as they are, numbers and dates as written.
/// (A float prints as its shortest exact form, so `12400.5` stays `12400.5`.)
fn scalar_text(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => f.to_string(),
        toml::Value::Datetime(d) => d.to_string(),
        other => serde_json::to_string(&JsonOf(other)).unwrap_or_default(),
    }
}

/// A TOML value written as JSON: dates become `YYYY-MM-DD` strings.
struct JsonOf<'v>(&'v toml::Value);

impl serde::Serialize for JsonOf<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self.0 {
            toml::Value::String(v) => s.serialize_str(v),
            toml::Value::Integer(v) => s.serialize_i64(*v),
            toml::Value::Float(v) => s.serialize_f64(*v),
            toml::Value::Boolean(v) => s.serialize_bool(*v),
            toml::Value::Datetime(v) => s.serialize_str(&v.to_string()),
            toml::Value::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&JsonOf(item))?;
                }
                seq.end()
            }
            toml::Value::Table(table) => {
                let mut map = s.serialize_map(Some(table.len()))?;
                for (k, v) in table {
                    map.serialize_entry(k, &JsonOf(v))?;
                }
                map.end()
            }
        }
    }
}

/// A requirement of a policy, with the label test files name it by.
#[derive(Clone, Debug)]
pub struct LabeledRequirement {
    /// `OPTION/TIER/NAME`, e.g. `reseller/gold/crm`; inside `either`,
    /// `.../either/2/people`.
    pub label: String,
    /// Index of the option.
    pub option: usize,
    /// Index of the tier in the option.
    pub tier: usize,
    /// Indices from the tier's requirement list down (through either branches:
    /// requirement, branch, requirement, ...).
    pub path: Vec<usize>,
    /// Where the requirement is written.
    pub span: Span,
}

/// Every requirement of a policy, labelled.
pub fn labeled_requirements(policy: &Policy) -> Vec<LabeledRequirement> {
    let mut out = Vec::new();
    for (o, option) in policy.options.iter().enumerate() {
        for (t, tier) in option.tiers.iter().enumerate() {
            let tier_name = policy.tiers.get(tier.level.0).map_or("", |l| l.id.as_str());
            let prefix = format!("{}/{tier_name}", option.name);
            label_list(policy, &tier.requirements, &prefix, o, t, &[], &mut out);
        }
    }
    out
}

fn label_list(
    policy: &Policy,
    list: &[Requirement],
    prefix: &str,
    option: usize,
    tier: usize,
    path: &[usize],
    out: &mut Vec<LabeledRequirement>,
) {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (i, req) in list.iter().enumerate() {
        let base = match req {
            Requirement::Measure(m) => {
                let name = policy
                    .measures
                    .get(m.measure.0)
                    .map_or("", |m| m.name.as_str());
                if m.per_month {
                    format!("{name} per month")
                } else {
                    name.to_owned()
                }
            }
            Requirement::People(_) => "people".to_owned(),
            Requirement::Attribute(a, _) => format!(
                "attribute {}",
                policy.attributes.get(a.0).map_or("", |a| a.id.as_str())
            ),
            Requirement::Either(..) => "either".to_owned(),
        };
        let n = seen.entry(base.clone()).or_insert(0);
        *n += 1;
        let name = if *n == 1 { base } else { format!("{base} {n}") };
        let label = format!("{prefix}/{name}");
        let mut here = path.to_vec();
        here.push(i);
        if let Requirement::Either(branches, _) = req {
            for (b, branch) in branches.iter().enumerate() {
                let mut inner = here.clone();
                inner.push(b);
                let branch_prefix = format!("{label}/{}", b + 1);
                label_list(
                    policy,
                    &branch.requirements,
                    &branch_prefix,
                    option,
                    tier,
                    &inner,
                    out,
                );
            }
        }
        out.push(LabeledRequirement {
            label,
            option,
            tier,
            path: here,
            span: req.span(),
        });
    }
}

/// Finds a labelled requirement by a label as written in a test file: the
/// full `OPTION/TIER/NAME`, or `TIER/NAME` when the policy has one option.
pub fn find_label<'l>(
    policy: &Policy,
    labels: &'l [LabeledRequirement],
    wanted: &str,
) -> Option<&'l LabeledRequirement> {
    labels.iter().find(|l| l.label == wanted).or_else(|| {
        let only = policy
            .options
            .first()
            .filter(|_| policy.options.len() == 1)?;
        let full = format!("{}/{wanted}", only.name);
        labels.iter().find(|l| l.label == full)
    })
}

/// The outcome of a labelled requirement.
pub fn outcome_of<'o, 'p>(
    outcome: &'o PartnerOutcome<'p>,
    label: &LabeledRequirement,
) -> Option<&'o RequirementOutcome<'p>> {
    let tier = outcome.options.get(label.option)?.tiers.get(label.tier)?;
    let mut list = &tier.requirements;
    let mut path = label.path.iter();
    let mut current = list.get(*path.next()?)?;
    while let Some(&branch) = path.next() {
        let RequirementOutcome::Either { branches, .. } = current else {
            return None;
        };
        list = &branches.get(branch)?.requirements;
        current = list.get(*path.next()?)?;
    }
    Some(current)
}

/// The result of one case.
#[derive(Clone, Debug)]
pub struct CaseResult<'p> {
    /// The case's name.
    pub name: String,
    /// Where the case is in the test file.
    pub span: Span,
    /// Whether every expectation held.
    pub passed: bool,
    /// What differed, one line each, e.g. "expected tier gold, got silver".
    pub differences: Vec<String>,
    /// The evaluation, when the partner data was valid.
    pub outcome: Option<PartnerOutcome<'p>>,
    /// The partner's market as the policy knows it.
    pub market: Option<crate::model::MarketId>,
}

impl CaseResult<'_> {
    /// The verdict alone, without the outcome (which borrows the policy).
    pub fn into_verdict(self) -> CaseResult<'static> {
        CaseResult {
            name: self.name,
            span: self.span,
            passed: self.passed,
            differences: self.differences,
            outcome: None,
            market: self.market,
        }
    }
}

/// Checks that every tier and label a test file names exists in the policy.
pub fn validate(file: &TestFile, policy: &Policy) -> Vec<TestFileError> {
    let labels = labeled_requirements(policy);
    let mut errors = Vec::new();
    let tier_names: Vec<&str> = policy.tiers.iter().map(|t| t.id.as_str()).collect();
    for case in &file.cases {
        if let Some(tier) = &case.expect_tier
            && !tier_names.contains(&tier.as_str())
        {
            errors.push(TestFileError::UnknownTier {
                name: tier.clone(),
                span: case.expect_span.into(),
                help: format!("write one of {}, or \"none\"", tier_names.join(", ")),
            });
        }
        let named = case
            .met
            .iter()
            .chain(&case.unmet)
            .map(|(l, s)| (l, *s))
            .chain(case.shortfall.iter().map(|(l, _, s)| (l, *s)));
        for (label, span) in named {
            if find_label(policy, &labels, label).is_none() {
                let known: Vec<&str> = labels.iter().map(|l| l.label.as_str()).collect();
                // With one option, suggest the short form the author is using.
                let short_prefix = policy
                    .options
                    .first()
                    .filter(|_| policy.options.len() == 1)
                    .map(|o| format!("{}/", o.name));
                let candidates: Vec<&str> = known
                    .iter()
                    .map(|l| match &short_prefix {
                        Some(p) if !label.starts_with(p.as_str()) => {
                            l.strip_prefix(p.as_str()).unwrap_or(l)
                        }
                        _ => l,
                    })
                    .collect();
                let closest = candidates
                    .iter()
                    .map(|c| (strsim::levenshtein(label, c), *c))
                    .filter(|(d, _)| *d <= 3)
                    .min_by_key(|(d, _)| *d);
                let help = match closest {
                    Some((_, c)) => format!("did you mean `{c}`?"),
                    None => format!("requirements are named {}", known.join(", ")),
                };
                errors.push(TestFileError::UnknownRequirement {
                    name: label.clone(),
                    span: span.into(),
                    help,
                });
            }
        }
        for role in &case.roles {
            if find_role(policy, &labels, &role.name).is_none() {
                let names = role_names(policy, &labels);
                let closest = names
                    .iter()
                    .map(|n| (strsim::levenshtein(&role.name, n), n))
                    .filter(|(d, _)| *d <= 3)
                    .min_by_key(|(d, _)| *d);
                let help = match closest {
                    Some((_, n)) => format!("did you mean `{n}`?"),
                    None if names.is_empty() => "the policy has no people requirements".to_owned(),
                    None => format!(
                        "roles are named `REQUIREMENT role N`, counting from 1: {}",
                        names.join(", ")
                    ),
                };
                errors.push(TestFileError::UnknownRole {
                    name: role.name.clone(),
                    span: role.span.into(),
                    help,
                });
            }
        }
        errors.extend(partner_errors(case, policy));
    }
    errors
}

/// The case's partner as the evaluator reads it.
fn partner_text(case: &Case, policy: &Policy) -> String {
    match (case.partner_table, policy.currency.as_deref()) {
        (true, Some(currency)) => compact::with_currency(&case.partner_json, currency)
            .unwrap_or_else(|| case.partner_json.clone()),
        _ => case.partner_json.clone(),
    }
}

/// The errors the evaluator finds in a case's partner, pointing into the
/// test file: inside the partner's string where it is written as one,
/// otherwise at the whole partner.
fn partner_errors(case: &Case, policy: &Policy) -> Vec<TestFileError> {
    use miette::Diagnostic as _;
    let framed = read::whole_text("partner", partner_text(case, policy));
    let evaluator = Evaluator::new(policy, case.as_of);
    let data_errors = match framed.into_iter().next() {
        Some(Ok(record)) => Partner::parse(&record)
            .and_then(|partner| evaluator.evaluate(&partner))
            .err()
            .unwrap_or_default(),
        Some(Err(err)) => vec![err],
        None => Vec::new(),
    };
    data_errors
        .iter()
        .map(|err| {
            let first = err.labels().and_then(|mut labels| labels.next());
            let (span, label) = match (first, case.partner_text_at) {
                (Some(l), Some(at)) => (
                    Span::new(at + l.offset(), at + l.offset() + l.len()),
                    l.label().unwrap_or("here").to_owned(),
                ),
                (Some(l), None) => (case.partner_span, l.label().unwrap_or("here").to_owned()),
                (None, _) => (case.partner_span, "here".to_owned()),
            };
            let code = err.code().map(|c| c.to_string()).unwrap_or_default();
            let help = err.help().map(|h| h.to_string()).unwrap_or_default();
            TestFileError::PartnerData {
                case: case.name.clone(),
                message: err.to_string(),
                label,
                span: span.into(),
                help: format!("{help} (`rubric explain {code}` tells more)"),
            }
        })
        .collect()
}

/// Finds a role by name, `LABEL role N` (counting from 1) or as coverage
/// names it, ``LABEL role `DESCRIPTION` ``: its people requirement and index.
pub fn find_role<'l>(
    policy: &Policy,
    labels: &'l [LabeledRequirement],
    wanted: &str,
) -> Option<(&'l LabeledRequirement, usize)> {
    let (label, role) = wanted.rsplit_once(" role ")?;
    let found = find_label(policy, labels, label)?;
    let Requirement::People(people) = requirement_at(policy, found)? else {
        return None;
    };
    let role = role.trim();
    let index = match role.parse::<usize>() {
        Ok(n) => n.checked_sub(1)?,
        Err(_) => {
            let described = role.strip_prefix('`')?.strip_suffix('`')?;
            people
                .roles
                .iter()
                .position(|r| policy.describe_role(r) == described)?
        }
    };
    (index < people.roles.len()).then_some((found, index))
}

/// Every role's short name, `LABEL role N`.
fn role_names(policy: &Policy, labels: &[LabeledRequirement]) -> Vec<String> {
    labels
        .iter()
        .filter_map(|l| match requirement_at(policy, l)? {
            Requirement::People(p) => Some(
                (1..=p.roles.len())
                    .map(|n| format!("{} role {n}", l.label))
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        })
        .flatten()
        .collect()
}

/// Runs every case of a validated test file.
pub fn run<'p>(file: &TestFile, policy: &'p Policy) -> Vec<CaseResult<'p>> {
    let labels = labeled_requirements(policy);
    file.cases
        .iter()
        .map(|case| run_case(case, policy, &labels))
        .collect()
}

fn run_case<'p>(case: &Case, policy: &'p Policy, labels: &[LabeledRequirement]) -> CaseResult<'p> {
    let mut result = CaseResult {
        name: case.name.clone(),
        span: case.span,
        passed: false,
        differences: Vec::new(),
        outcome: None,
        market: None,
    };
    let framed = read::whole_text("partner", partner_text(case, policy));
    let record = match framed.into_iter().next() {
        Some(Ok(record)) => record,
        Some(Err(err)) => {
            result
                .differences
                .push(format!("the partner is not valid JSON: {err}"));
            return result;
        }
        None => {
            result
                .differences
                .push("the case has no partner".to_owned());
            return result;
        }
    };
    let evaluator = Evaluator::new(policy, case.as_of);
    let outcome = Partner::parse(&record).and_then(|partner| evaluator.evaluate(&partner));
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(errors) => {
            for err in errors {
                result
                    .differences
                    .push(format!("partner data error: {err}"));
            }
            return result;
        }
    };
    let actual = outcome
        .tier
        .and_then(|t| policy.tiers.get(t.0))
        .map(|t| t.id.clone());
    if actual != case.expect_tier {
        result.differences.push(format!(
            "expected tier {}, got {}",
            case.expect_tier.as_deref().unwrap_or("none"),
            actual.as_deref().unwrap_or("none")
        ));
    }
    for (wanted, expected_met) in case
        .met
        .iter()
        .map(|(l, _)| (l, true))
        .chain(case.unmet.iter().map(|(l, _)| (l, false)))
    {
        let got = find_label(policy, labels, wanted).and_then(|l| outcome_of(&outcome, l));
        match got {
            Some(r) if r.met() == expected_met => {}
            Some(_) => result.differences.push(format!(
                "expected `{wanted}` {}, but it is {}",
                if expected_met { "met" } else { "unmet" },
                if expected_met { "unmet" } else { "met" }
            )),
            None => result
                .differences
                .push(format!("no requirement `{wanted}`")),
        }
    }
    for role in &case.roles {
        let Some((label, index)) = find_role(policy, labels, &role.name) else {
            result.differences.push(format!("no role `{}`", role.name));
            continue;
        };
        let Some(RequirementOutcome::People(people)) = outcome_of(&outcome, label) else {
            continue;
        };
        let filled = people.filled.get(index).copied().unwrap_or(0);
        let required = people.required.get(index).copied().unwrap_or(0) as usize;
        let met = filled >= required;
        if let Some(expected) = role.met
            && expected != met
        {
            result.differences.push(format!(
                "expected role `{}` {}, but it is {} ({filled} of {required} filled)",
                role.name,
                if expected { "met" } else { "unmet" },
                if met { "met" } else { "unmet" },
            ));
        }
        if let Some(expected) = role.filled
            && expected != filled
        {
            result.differences.push(format!(
                "expected role `{}` to have {expected} filled, but it has {filled} of {required}",
                role.name
            ));
        }
    }
    for (wanted, expected, _) in &case.shortfall {
        let got = find_label(policy, labels, wanted).and_then(|l| outcome_of(&outcome, l));
        match got {
            Some(RequirementOutcome::Measure(m)) if m.shortfall == Some(*expected) => {}
            Some(RequirementOutcome::Measure(m)) => {
                // As the report writes them: money grouped with cents and
                // the policy's currency, counts grouped.
                let shown = |amount| {
                    crate::money::amount(
                        amount,
                        m.definition.is_money(),
                        policy.currency.as_deref(),
                    )
                };
                result.differences.push(format!(
                    "expected `{wanted}` short by {}, but it is short by {}",
                    shown(*expected),
                    m.shortfall.map_or_else(
                        || "an undefined amount (no threshold for the market)".to_owned(),
                        shown
                    )
                ));
            }
            _ => result.differences.push(format!(
                "`{wanted}` is not a measure requirement, so it has no shortfall"
            )),
        }
    }
    result.passed = result.differences.is_empty();
    result.market = outcome.market;
    result.outcome = Some(outcome);
    result
}

/// One thing coverage tracks: a requirement, a role, or a market's threshold.
#[derive(Clone, Debug)]
pub struct CoverageItem {
    /// What it is, e.g. `reseller/gold/people role 1 passing customization`.
    pub label: String,
    /// Where it is written in the policy.
    pub span: Span,
    /// Some case saw it met.
    pub met: bool,
    /// Some case saw it unmet.
    pub unmet: bool,
}

impl CoverageItem {
    /// Whether cases exercised it both ways.
    pub fn covered(&self) -> bool {
        self.met && self.unmet
    }
}

/// Which requirements, roles and market thresholds the cases exercised met
/// and unmet.
pub fn coverage(policy: &Policy, results: &[CaseResult<'_>]) -> Vec<CoverageItem> {
    let labels = labeled_requirements(policy);
    let mut items = Vec::new();
    for label in &labels {
        let Some(req) = requirement_at(policy, label) else {
            continue;
        };
        let outcomes: Vec<(&RequirementOutcome<'_>, Option<crate::model::MarketId>)> = results
            .iter()
            .filter_map(|r| Some((outcome_of(r.outcome.as_ref()?, label)?, r.market)))
            .collect();
        items.push(CoverageItem {
            label: label.label.clone(),
            span: label.span,
            met: outcomes.iter().any(|(o, _)| o.met()),
            unmet: outcomes.iter().any(|(o, _)| !o.met()),
        });
        match req {
            Requirement::People(p) => {
                for (i, role) in p.roles.iter().enumerate() {
                    let filled = |o: &RequirementOutcome<'_>| match o {
                        RequirementOutcome::People(p) => {
                            p.filled.get(i).is_some_and(|f| *f >= role.count as usize)
                        }
                        _ => false,
                    };
                    items.push(CoverageItem {
                        label: format!("{} role `{}`", label.label, policy.describe_role(role)),
                        span: role.span,
                        met: outcomes.iter().any(|(o, _)| filled(o)),
                        unmet: outcomes.iter().any(|(o, _)| !filled(o)),
                    });
                }
            }
            Requirement::Measure(m) => {
                if let Thresholds::PerMarket(list, _) = &m.thresholds {
                    for (market, threshold) in list {
                        let here: Vec<bool> = outcomes
                            .iter()
                            .filter(|(_, mk)| *mk == Some(*market))
                            .map(|(o, _)| o.met())
                            .collect();
                        let name = policy.markets.get(market.0).map_or("", |m| m.id.as_str());
                        items.push(CoverageItem {
                            label: format!("{} in market {name}", label.label),
                            span: threshold.span,
                            met: here.iter().any(|m| *m),
                            unmet: here.iter().any(|m| !*m),
                        });
                    }
                }
            }
            Requirement::Attribute(..) | Requirement::Either(..) => {}
        }
    }
    items
}

fn requirement_at<'p>(policy: &'p Policy, label: &LabeledRequirement) -> Option<&'p Requirement> {
    let tier = policy.options.get(label.option)?.tiers.get(label.tier)?;
    let mut path = label.path.iter();
    let mut current = tier.requirements.get(*path.next()?)?;
    while let Some(&branch) = path.next() {
        let Requirement::Either(branches, _) = current else {
            return None;
        };
        current = branches.get(branch)?.requirements.get(*path.next()?)?;
    }
    Some(current)
}
