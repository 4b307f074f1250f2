//! The requirements page cannot drift from the policy: every shipped policy
//! is rendered in every shipped language, as Markdown and as HTML; each page
//! is read back with a real parser (pulldown-cmark, quick-xml) and its facts
//! are checked against the checked model: every threshold and market, every
//! head count, every credential code, every date, the version and source.
//! The test formats the facts itself (month names, `US$` and digit groups),
//! so a renderer that printed a wrong amount or date would fail here.
//! Pages are snapshotted too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{Datelike as _, NaiveDate};
use rubric::doc::{Format, Language, Options, render};
use rubric::model::{
    GroupId, GroupMember, PeopleRequirement, Policy, Requirement, Subject, Thresholds,
};
use rust_decimal::Decimal;

const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");

/// A page read back: its front matter (or head) and, per heading anchor,
/// the lines of text under it (headings, paragraphs, list items' first lines).
#[derive(Debug, Default)]
struct ReadBack {
    lang: String,
    title: String,
    description: String,
    /// Anchor → lines, in page order of anchors.
    sections: BTreeMap<String, Vec<String>>,
}

impl ReadBack {
    fn section(&self, anchor: &str) -> &[String] {
        self.sections
            .get(anchor)
            .unwrap_or_else(|| panic!("no section `{anchor}` in {:?}", self.sections.keys()))
    }
}

/// Reads Markdown back with pulldown-cmark (front matter, heading ids).
fn read_markdown(text: &str) -> ReadBack {
    use pulldown_cmark::{Event, MetadataBlockKind, Options, Parser, Tag, TagEnd};
    let options = Options::ENABLE_HEADING_ATTRIBUTES | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS;
    let mut page = ReadBack::default();
    let mut anchor = String::new();
    let mut buffer: Option<String> = None;
    let mut in_metadata = false;
    let flush = |buffer: &mut Option<String>, page: &mut ReadBack, anchor: &str| {
        if let Some(line) = buffer.take().filter(|l| !l.trim().is_empty()) {
            page.sections
                .entry(anchor.to_owned())
                .or_default()
                .push(line.trim().to_owned());
        }
    };
    for event in Parser::new_ext(text, options) {
        match event {
            Event::Start(Tag::MetadataBlock(MetadataBlockKind::YamlStyle)) => in_metadata = true,
            Event::End(TagEnd::MetadataBlock(_)) => in_metadata = false,
            Event::Text(t) if in_metadata => {
                for line in t.lines() {
                    let (key, value) = line.split_once(": ").unwrap();
                    let value = if value.starts_with('"') {
                        serde_json::from_str::<String>(value).unwrap()
                    } else {
                        value.to_owned()
                    };
                    match key {
                        "title" => page.title = value,
                        "description" => page.description = value,
                        "lang" => page.lang = value,
                        other => panic!("unexpected front matter key `{other}`"),
                    }
                }
            }
            Event::Start(Tag::Heading { id, .. }) => {
                flush(&mut buffer, &mut page, &anchor);
                anchor = id.expect("every heading has an anchor").to_string();
                buffer = Some(String::new());
            }
            Event::Start(Tag::Paragraph | Tag::Item) => {
                flush(&mut buffer, &mut page, &anchor);
                buffer = Some(String::new());
            }
            Event::Start(Tag::List(_)) => flush(&mut buffer, &mut page, &anchor),
            Event::Text(t) | Event::Code(t) => {
                if let Some(b) = buffer.as_mut() {
                    b.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_) | TagEnd::Paragraph | TagEnd::Item) => {
                flush(&mut buffer, &mut page, &anchor);
            }
            _ => {}
        }
    }
    page
}

/// Reads HTML back with an XML reader: the page is well-formed XML.
fn read_html(text: &str) -> ReadBack {
    use quick_xml::Reader;
    use quick_xml::events::Event;
    let mut reader = Reader::from_str(text);
    let mut page = ReadBack::default();
    let mut anchor = String::new();
    let mut buffer: Option<String> = None;
    let mut stack: Vec<String> = Vec::new();
    let flush = |buffer: &mut Option<String>, page: &mut ReadBack, anchor: &str| {
        if let Some(line) = buffer.take().filter(|l| !l.trim().is_empty()) {
            page.sections
                .entry(anchor.to_owned())
                .or_default()
                .push(line.trim().to_owned());
        }
    };
    loop {
        match reader.read_event().unwrap() {
            Event::Eof => break,
            Event::Start(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                let attr = |key: &str| {
                    e.attributes()
                        .map(|a| a.unwrap())
                        .find(|a| a.key.as_ref() == key.as_bytes())
                        .map(|a| a.unescape_value().unwrap().into_owned())
                };
                match name.as_str() {
                    "html" => page.lang = attr("lang").unwrap(),
                    "h1" | "h2" | "h3" | "h4" => {
                        flush(&mut buffer, &mut page, &anchor);
                        anchor = attr("id").expect("every heading has an id");
                        buffer = Some(String::new());
                    }
                    "p" | "li" | "title" => {
                        flush(&mut buffer, &mut page, &anchor);
                        buffer = Some(String::new());
                    }
                    "ul" | "ol" => flush(&mut buffer, &mut page, &anchor),
                    _ => {}
                }
                stack.push(name);
            }
            Event::Empty(e) => {
                let is_description = e
                    .attributes()
                    .map(|a| a.unwrap())
                    .any(|a| a.key.as_ref() == b"name" && a.value.as_ref() == b"description");
                if is_description {
                    let content = e
                        .attributes()
                        .map(|a| a.unwrap())
                        .find(|a| a.key.as_ref() == b"content")
                        .unwrap();
                    page.description = content.unescape_value().unwrap().into_owned();
                }
            }
            Event::Text(t) => {
                if let Some(b) = buffer.as_mut() {
                    b.push_str(&t.decode().unwrap());
                }
            }
            Event::GeneralRef(r) => {
                let name = r.decode().unwrap();
                let c = quick_xml::escape::resolve_predefined_entity(&name)
                    .unwrap_or_else(|| panic!("unknown entity `{name}`"));
                if let Some(b) = buffer.as_mut() {
                    b.push_str(c);
                }
            }
            Event::End(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                assert_eq!(stack.pop().as_deref(), Some(name.as_str()), "tags nest");
                match name.as_str() {
                    "title" => page.title = buffer.take().unwrap(),
                    "h1" | "h2" | "h3" | "h4" | "p" | "li" => {
                        flush(&mut buffer, &mut page, &anchor)
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    assert!(stack.is_empty(), "every element is closed");
    page
}

/// The test's own spelling of facts, per language.
fn date(language: Language, d: NaiveDate) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    match language {
        Language::English => format!("{} {}, {}", MONTHS[d.month0() as usize], d.day(), d.year()),
        Language::Korean => format!("{}년 {}월 {}일", d.year(), d.month(), d.day()),
    }
}

fn digits(amount: Decimal) -> String {
    let whole = amount.trunc().to_string();
    let mut out = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    assert!(amount.fract().is_zero(), "shipped thresholds are whole");
    out
}

fn amount(amount: Decimal, currency: Option<&str>) -> String {
    match currency {
        Some("USD") => format!("US${}", digits(amount)),
        Some(other) => format!("{} {other}", digits(amount)),
        None => digits(amount),
    }
}

fn heads_phrase(language: Language, distinct: bool, n: u32) -> String {
    match (language, distinct, n) {
        (Language::English, true, 1) => "1 individual in your organization".to_owned(),
        (Language::English, true, n) => format!("{n} individuals in your organization"),
        (Language::English, false, 1) => "At least 1 individual in your organization".to_owned(),
        (Language::English, false, n) => format!("At least {n} individuals in your organization"),
        (Language::Korean, true, n) => format!("조직의 개인 {n}명이"),
        (Language::Korean, false, n) => format!("조직의 개인 {n}명 이상이"),
    }
}

fn shipped_policies() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(Path::new(MANIFEST_DIR).join("policies"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "policy"))
        .collect();
    files.sort();
    assert!(files.len() >= 4);
    files
}

fn load(path: &Path) -> Policy {
    rubric::load_policy(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Every exam code a group takes, through member groups.
fn codes_of(policy: &Policy, group: GroupId, out: &mut Vec<String>) {
    for member in &policy.groups[group.0].members {
        match member {
            GroupMember::Exam(e) => out.push(policy.exams[e.0].code.clone()),
            GroupMember::Group(g) => codes_of(policy, *g, out),
        }
    }
}

fn title_in(policy: &Policy, language: Language, subject: Subject<'_>, original: &str) -> String {
    policy
        .translated_title(language.tag(), subject)
        .unwrap_or(original)
        .to_owned()
}

/// Walks a tier's requirements and checks each fact against `lines`.
fn check_requirements(
    policy: &Policy,
    language: Language,
    requirements: &[Requirement],
    lines: &[String],
    where_: &str,
) {
    let has = |needle: &str| lines.iter().any(|l| l.contains(needle));
    for requirement in requirements {
        match requirement {
            Requirement::Measure(m) => {
                let measure = &policy.measures[m.measure.0];
                let currency = if measure.is_money() {
                    policy.currency.as_deref()
                } else {
                    None
                };
                // The amount as a whole word, so that US$10,000 is not
                // found in US$100,000.
                let states = |line: &str, label: &str, want: &str| {
                    let per_month = match language {
                        Language::English => line.ends_with(&format!(" {want} a month")),
                        Language::Korean => {
                            line.contains("월평균") && line.ends_with(&format!(" {want}"))
                        }
                    };
                    line.starts_with(&format!("{label}: "))
                        && if m.per_month {
                            per_month
                        } else {
                            line.ends_with(&format!(" {want}")) && !line.contains("월평균")
                        }
                };
                match &m.thresholds {
                    Thresholds::Everywhere(t) => {
                        let want = amount(t.amount, t.currency.as_deref().or(currency));
                        let label = match language {
                            Language::English => "All markets",
                            Language::Korean => "모든 시장",
                        };
                        assert!(
                            lines.iter().any(|l| states(l, label, &want)),
                            "{where_}: threshold {want} for every market missing in {lines:#?}"
                        );
                    }
                    Thresholds::PerMarket(list, other) => {
                        if let Some(t) = other {
                            let want = amount(t.amount, t.currency.as_deref().or(currency));
                            let label = match language {
                                Language::English => "All other markets",
                                Language::Korean => "기타 모든 시장",
                            };
                            assert!(
                                lines.iter().any(|l| states(l, label, &want)),
                                "{where_}: threshold {want} for every other market missing in {lines:#?}"
                            );
                        }
                        for (market, t) in list {
                            let market = &policy.markets[market.0];
                            let title = title_in(
                                policy,
                                language,
                                Subject::Market(&market.id),
                                market.title.as_deref().unwrap_or(&market.id),
                            );
                            let want = amount(t.amount, t.currency.as_deref().or(currency));
                            assert!(
                                lines.iter().any(|l| states(l, &title, &want)),
                                "{where_}: `{title}` threshold {want} missing in {lines:#?}"
                            );
                        }
                    }
                }
                let months = measure.window_months.to_string();
                let window_word = match (language, measure.window_months) {
                    (Language::English, 12) => "twelve months".to_owned(),
                    (Language::English, n) => format!("{n} months"),
                    (Language::Korean, n) => format!("{n}개월"),
                };
                assert!(
                    has(&window_word),
                    "{where_}: window of {months} months missing"
                );
            }
            Requirement::People(p) => check_people(policy, language, p, lines, where_),
            Requirement::Attribute(a, _) => {
                let attribute = &policy.attributes[a.0];
                let title = title_in(
                    policy,
                    language,
                    Subject::Attribute(&attribute.id),
                    attribute.title.as_deref().unwrap_or(&attribute.id),
                );
                assert!(has(&title), "{where_}: attribute `{title}` missing");
            }
            Requirement::Either(branches, _) => {
                let or = match language {
                    Language::English => "or",
                    Language::Korean => "또는",
                };
                let ors = lines.iter().filter(|l| l.as_str() == or).count();
                assert!(
                    ors >= branches.len() - 1,
                    "{where_}: `{or}` between branches missing"
                );
                for branch in branches {
                    check_requirements(policy, language, &branch.requirements, lines, where_);
                }
            }
        }
    }
}

fn check_people(
    policy: &Policy,
    language: Language,
    p: &PeopleRequirement,
    lines: &[String],
    where_: &str,
) {
    let heads = if p.distinct {
        p.roles.iter().map(|r| r.count).sum()
    } else {
        p.roles.iter().map(|r| r.count).max().unwrap()
    };
    let phrase = heads_phrase(language, p.distinct, heads);
    assert!(
        lines.iter().any(|l| l.starts_with(&phrase)),
        "{where_}: head count `{phrase}` missing in {lines:#?}"
    );
    for (r, role) in p.roles.iter().enumerate() {
        let count = role.count;
        let who = match (language, r, count) {
            (Language::English, 0, 1) => "1 individual must pass".to_owned(),
            (Language::English, 0, n) => format!("{n} individuals must each pass"),
            (Language::English, _, 1) if p.distinct => "Another individual must pass".to_owned(),
            (Language::English, _, n) if p.distinct => {
                format!("{n} other individuals must each pass")
            }
            (Language::English, _, n) => format!("{n} individual"),
            (Language::Korean, 0, n) => format!("{n}명이 다음 시험"),
            (Language::Korean, _, n) if p.distinct => format!("다른 {n}명이"),
            (Language::Korean, _, n) => format!("{n}명("),
        };
        assert!(
            lines.iter().any(|l| l.starts_with(&who)),
            "{where_}: role `{}` (`{who}`) missing in {lines:#?}",
            role.description
        );
        if role.groups.len() > 1 {
            let same = match (language, count) {
                (Language::English, 1) => "The same individual also must pass".to_owned(),
                (Language::English, n) => format!("The same {n} individuals also must each pass"),
                (Language::Korean, n) => format!("동일한 {n}명이"),
            };
            assert!(
                lines.iter().any(|l| l.starts_with(&same)),
                "{where_}: `{same}` missing"
            );
        }
        for group in &role.groups {
            let mut codes = Vec::new();
            codes_of(policy, *group, &mut codes);
            for code in codes {
                assert!(
                    lines.iter().any(|l| l.starts_with(&code)),
                    "{where_}: credential `{code}` missing in {lines:#?}"
                );
            }
        }
    }
}

/// Checks every fact of `policy` on a page read back.
fn check_facts(policy: &Policy, language: Language, page: &ReadBack, name: &str) {
    assert_eq!(page.lang, language.tag(), "{name}");
    let title = title_in(
        policy,
        language,
        Subject::Competency,
        policy.title.as_deref().unwrap_or(&policy.id),
    );
    assert!(
        page.title.contains(&title),
        "{name}: title `{}`",
        page.title
    );
    assert!(!page.description.is_empty(), "{name}: a description");
    for option in &policy.options {
        let anchor = option.name.replace('_', "-");
        let option_title = title_in(
            policy,
            language,
            Subject::Option(&option.name),
            option.title.as_deref().unwrap_or(&option.name),
        );
        assert_eq!(
            page.section(&anchor),
            std::slice::from_ref(&option_title),
            "{name}: option heading"
        );
        // Tiers in ladder order: the anchors come in rank order.
        let mut tiers: Vec<_> = option.tiers.iter().collect();
        tiers.sort_by_key(|t| t.level);
        for tier in tiers {
            let id = &policy.tiers[tier.level.0].id;
            let tier_anchor = format!("{anchor}-{}", id.replace('_', "-"));
            let lines = page.section(&tier_anchor);
            let where_ = format!("{name} {tier_anchor}");
            check_requirements(policy, language, &tier.requirements, lines, &where_);
        }
    }
    let credentials = page.section("credentials");
    for exam in &policy.exams {
        let line = credentials
            .iter()
            .find(|l| l.starts_with(&exam.code))
            .unwrap_or_else(|| panic!("{name}: credential `{}` not listed", exam.code));
        if let Some(title) = &exam.title {
            assert!(line.contains(title), "{name}: `{}` title", exam.code);
        }
        for d in [exam.available_from, exam.retires].into_iter().flatten() {
            assert!(
                line.contains(&date(language, d)),
                "{name}: `{}` date {d}",
                exam.code
            );
        }
        if let (Some(until), Some(retires)) = (exam.accepted_until, exam.retires)
            && until > retires
        {
            assert!(
                line.contains(&date(language, until)),
                "{name}: grace until {until}"
            );
        }
    }
    let about = page.section("about");
    if let Some(version) = &policy.version {
        assert!(
            about.iter().any(|l| l.ends_with(&format!(": {version}"))),
            "{name}: version"
        );
    }
    if let Some(effective) = policy.effective {
        let want = date(language, effective);
        assert!(
            about.iter().any(|l| l.ends_with(&want)),
            "{name}: effective {want}"
        );
    }
    if let Some(source) = &policy.source {
        assert!(
            about.iter().any(|l| l.ends_with(source.as_str())),
            "{name}: source"
        );
    }
}

#[test]
fn every_shipped_policy_in_every_language_states_the_facts_of_its_model() {
    for path in shipped_policies() {
        let policy = load(&path);
        for language in Language::ALL {
            for format in [Format::Markdown, Format::Html] {
                let text = render(&policy, &Options { language, format }, None).unwrap();
                let page = match format {
                    Format::Markdown => read_markdown(&text),
                    Format::Html => read_html(&text),
                };
                let name = format!("{} {} {format:?}", path.display(), language.tag());
                check_facts(&policy, language, &page, &name);
            }
        }
    }
}

#[test]
fn a_changed_threshold_is_caught() {
    // The round trip is not vacuous: a page of another version fails it.
    let path = Path::new(MANIFEST_DIR).join("policies/cloud_crm.policy");
    let text = std::fs::read_to_string(&path).unwrap();
    let changed = rubric::load_policy(&text.replace("300_000 USD", "330_000 USD")).unwrap();
    let policy = load(&path);
    let options = Options {
        language: Language::English,
        format: Format::Markdown,
    };
    let page = read_markdown(&render(&changed, &options, None).unwrap());
    let outcome = std::panic::catch_unwind(|| check_facts(&policy, Language::English, &page, "x"));
    assert!(outcome.is_err());
}

#[test]
fn pages_snapshot() {
    for path in shipped_policies() {
        let policy = load(&path);
        let stem = path.file_stem().unwrap().to_str().unwrap().to_owned();
        for language in Language::ALL {
            let options = Options {
                language,
                format: Format::Markdown,
            };
            let text = render(&policy, &options, None).unwrap();
            insta::assert_snapshot!(format!("{stem}.{}.md", language.tag()), text);
        }
    }
    let policy = load(&Path::new(MANIFEST_DIR).join("policies/cloud_crm.policy"));
    for language in Language::ALL {
        let options = Options {
            language,
            format: Format::Html,
        };
        let text = render(&policy, &options, None).unwrap();
        insta::assert_snapshot!(format!("cloud_crm.{}.html", language.tag()), text);
    }
}

#[test]
fn policy_text_is_escaped() {
    let policy = rubric::load_policy(
        r#"competency demo "A <b>bold</b> & *starred* title" {
            tiers silver
            exam AZ-900 "Fundamentals <script>alert(1)</script>"
            group basics = any of AZ-900
            option main "Main [option](http://x)" { tier silver { require distinct people { 1 passing basics } } }
        }"#,
    )
    .unwrap();
    let md = render(
        &policy,
        &Options {
            language: Language::English,
            format: Format::Markdown,
        },
        None,
    )
    .unwrap();
    let read = read_markdown(&md);
    assert_eq!(read.section("main"), ["Main [option](http://x)"]);
    assert_eq!(read.title, "A <b>bold</b> & *starred* title competency");
    let html = render(
        &policy,
        &Options {
            language: Language::English,
            format: Format::Html,
        },
        None,
    )
    .unwrap();
    assert!(!html.contains("<script>"));
    assert!(!html.contains("<b>"));
    let read = read_html(&html);
    assert!(
        read.section("credentials")
            .iter()
            .any(|l| l.contains("Fundamentals <script>alert(1)</script>"))
    );
}

/// The constructs added in the language's second round (pooled revenue
/// types, fixed periods, new and net new customers, `>` thresholds,
/// registration cut-offs and former names, credentials named in roles), as
/// the page phrases them, in every language.
#[test]
fn the_shapes_of_round_two_are_phrased_on_the_page() {
    for stem in [
        "annual_license_revenue",
        "calendar_year_revenue",
        "net_new_customers",
        "some_revenue",
        "credential_life",
        "credentials_in_roles",
        "closed_markets",
        "other_markets",
        "product_catalogue",
    ] {
        let policy = load(&Path::new(MANIFEST_DIR).join(format!("tests/shapes/{stem}.policy")));
        for language in Language::ALL {
            let options = Options {
                language,
                format: Format::Markdown,
            };
            let text = render(&policy, &options, None).unwrap();
            insta::assert_snapshot!(format!("shape_{stem}.{}.md", language.tag()), text);
        }
    }
}
