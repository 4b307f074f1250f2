//! Issue 11, closed market lists and defaults (item 10): `markets A, B only`
//! says a policy's markets are the only ones (a partner elsewhere, or with
//! none, is a data error: E0417, E0418), and `every other market: AMOUNT`
//! in a threshold map covers the markets it does not name. The checker's
//! rules (E0331–E0334, W0113), the tier-ordering proof (W0100), evaluation
//! on both paths at the thresholds' edges, reports, the page, `rubric diff`
//! and the formatter are pinned here, through the library and the real CLI.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use chrono::NaiveDate;
use common::lang::{
    batch_records, careful_outcome, codes, date, fast_path_agrees, load, parsed as record,
    rubric_cli, shape_path, shape_text,
};
use rubric::batch;
use rubric::data::Partner;
use rubric::doc::{Format, Language, Options as DocOptions};
use rubric::eval::fold::Scratch;
use rubric::eval::{Detail, Evaluated, Evaluator};
use rubric::model::Policy;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

const AS_OF: &str = "2018-06-30";

fn as_of() -> NaiveDate {
    date(AS_OF)
}

/// The message of the first diagnostic with `code`.
fn message(text: &str, code: &str) -> String {
    let checked = rubric::check_source(text);
    let d = checked
        .diagnostics
        .iter()
        .find(|d| d.code_text() == code)
        .unwrap_or_else(|| panic!("no {code} in {:?}", codes(text)));
    d.to_string()
}

/// A policy with markets `developed` and `emerging` (and the `markets`
/// line `closed`, if any), silver and gold asking `crm` at these thresholds.
fn policy(closed: &str, silver: &str, gold: &str) -> String {
    format!(
        r#"competency demo {{
  version "1"
  effective 2018-01-01
  currency USD
  market developed "Developed markets"
  market emerging "Emerging markets"
  {closed}
  tiers silver, gold
  exam MB2-716
  revenue crm = net_new from "Dynamics 365" over trailing 12 months
  option main {{
    tier silver {{
      require crm >= {silver}
      require distinct people {{ 1 passing MB2-716 }}
    }}
    tier gold {{
      require crm >= {gold}
      require distinct people {{ 1 passing MB2-716 }}
    }}
  }}
}}
"#
    )
}

/// A partner in `market` (none for `None`) with one certified person and
/// `amount` USD of `crm` revenue.
fn partner_json(id: &str, market: Option<&str>, amount: &str) -> Value {
    let mut p = json!({
        "id": id,
        "people": [{ "id": format!("{id}-E"), "exams": [{ "code": "MB2-716", "passed": "2017-03-01" }] }],
        "revenue": [{
            "customer": "C-1", "product": "Dynamics 365", "type": "net_new",
            "amount": amount, "currency": "USD", "date": "2018-03-15"
        }]
    });
    if let Some(market) = market {
        p["market"] = json!(market);
    }
    p
}

/// The tier the careful path reaches, after checking that the fast path
/// decides the same (or gives up, which it must for a data error).
fn tier(policy: &Policy, market: Option<&str>, amount: &str) -> Result<Option<String>, String> {
    let text = partner_json("P-1", market, amount).to_string();
    let evaluator = Evaluator::new(policy, as_of());
    let careful = careful_outcome(&evaluator, &text, Detail::Requirements);
    match &careful {
        Ok(careful) => assert!(
            fast_path_agrees(&evaluator, &text, careful),
            "the fast path should decide {text}"
        ),
        Err(_) => assert!(
            evaluator.fold(&text, &mut Scratch::default()).is_none(),
            "the fast path must leave a data error to the careful path: {text}"
        ),
    }
    match careful {
        Ok(outcome) => Ok(outcome.tier.map(|t| policy.tiers[t.0].id.clone())),
        Err(errors) => Err(errors
            .iter()
            .map(|e| {
                use miette::Diagnostic as _;
                e.code().unwrap().to_string()
            })
            .collect::<Vec<_>>()
            .join(",")),
    }
}

/// The human report with evidence, and the JSON result (both writers).
fn report(policy: &Policy, market: Option<&str>, amount: &str) -> (String, Value, Value) {
    let text = partner_json("P-1", market, amount).to_string();
    let record = record(&text);
    let partner = Partner::parse(&record).unwrap();
    let outcome = Evaluator::new(policy, as_of()).evaluate(&partner).unwrap();
    let evaluated = Evaluated::of_partner(&partner, outcome, Detail::Evidence);
    let human = rubric::report::human::partner(policy, &evaluated);
    let json =
        serde_json::to_value(rubric::report::json::evaluated(policy, &evaluated, None)).unwrap();
    // The batch writer, without evidence.
    let lines = batch_codes(
        policy,
        &format!("{text}\n"),
        Detail::Requirements,
        &rubric::report::JsonLines,
    )
    .1;
    let fast: Value = serde_json::from_str(lines.trim()).unwrap();
    (human, json, fast)
}

/// Runs a batch through the library's pipeline: each record's data codes
/// (empty when evaluated) and the rendered records.
fn batch_codes(
    policy: &Policy,
    data: &str,
    detail: Detail,
    render: &dyn rubric::report::Render,
) -> (Vec<Vec<String>>, String) {
    let evaluator = Evaluator::new(policy, as_of());
    let options = batch::Options {
        people_check: true,
        threads: 1,
        detail,
        ..Default::default()
    };
    let mut codes = Vec::new();
    let mut rendered = String::new();
    batch_records(&evaluator, data, options, render, |record| {
        use miette::Diagnostic as _;
        codes.push(
            record
                .errors
                .iter()
                .map(|e| e.code().unwrap().to_string())
                .collect(),
        );
        rendered.push_str(&String::from_utf8_lossy(record.rendered));
    });
    (codes, rendered)
}

const PER_MARKET: &str = "{ developed: 100_000 USD, emerging: 50_000 USD }";
const CLOSED: &str = "markets developed, emerging only";

// ---------------------------------------------------------------------------
// The shapes
// ---------------------------------------------------------------------------

#[test]
fn the_shapes_check_clean_and_format_unchanged() {
    for name in ["closed_markets", "other_markets"] {
        let text = shape_text(name);
        assert_eq!(codes(&text), Vec::<String>::new(), "{name}");
        assert_eq!(rubric::format::format(&text).unwrap(), text, "{name}");
    }
}

#[test]
fn the_closed_shape_decides_by_market_and_refuses_other_markets() {
    let policy = load(&shape_text("closed_markets"));
    assert_eq!(
        tier(&policy, Some("developed"), "100000"),
        Ok(Some("silver".into()))
    );
    assert_eq!(tier(&policy, Some("developed"), "99999.99"), Ok(None));
    // Market names ignore case, as declarations do.
    assert_eq!(
        tier(&policy, Some("Emerging"), "50000"),
        Ok(Some("silver".into()))
    );
    assert_eq!(tier(&policy, Some("emerging"), "49999.99"), Ok(None));
    assert_eq!(
        tier(&policy, Some("emerging"), "150000"),
        Ok(Some("gold".into()))
    );
    assert_eq!(tier(&policy, Some("latam"), "150000"), Err("E0417".into()));
    assert_eq!(tier(&policy, None, "150000"), Err("E0418".into()));
}

#[test]
fn the_default_shape_applies_every_other_market_at_its_edge() {
    let policy = load(&shape_text("other_markets"));
    // In a market no entry names: the default, exactly.
    assert_eq!(
        tier(&policy, Some("latam"), "50000"),
        Ok(Some("silver".into()))
    );
    assert_eq!(tier(&policy, Some("latam"), "49999.99"), Ok(None));
    // No market in the data: the default too (as one amount for every
    // market applies to such a partner).
    assert_eq!(tier(&policy, None, "50000"), Ok(Some("silver".into())));
    assert_eq!(tier(&policy, None, "49999.99"), Ok(None));
    // A market named explicitly overrides the default, both ways.
    assert_eq!(tier(&policy, Some("developed"), "50000"), Ok(None));
    assert_eq!(tier(&policy, Some("developed"), "99999.99"), Ok(None));
    assert_eq!(
        tier(&policy, Some("developed"), "100000"),
        Ok(Some("silver".into()))
    );
    assert_eq!(
        tier(&policy, Some("latam"), "150000"),
        Ok(Some("gold".into()))
    );
}

#[test]
fn an_explicit_entry_lower_than_the_default_overrides_it() {
    let text = policy(
        "",
        "{ every other market: 80_000 USD, emerging: 30_000 USD }",
        "150_000 USD",
    );
    let policy = load(&text);
    assert_eq!(
        tier(&policy, Some("emerging"), "30000"),
        Ok(Some("silver".into()))
    );
    assert_eq!(tier(&policy, Some("developed"), "79999.99"), Ok(None));
    assert_eq!(
        tier(&policy, Some("developed"), "80000"),
        Ok(Some("silver".into()))
    );
}

#[test]
fn more_than_with_a_default_is_met_only_above_it() {
    let text = policy(
        "",
        "{ developed: 100_000 USD, every other market: 50_000 USD }",
        "150_000 USD",
    )
    .replace("require crm >= {", "require crm > {");
    let policy = load(&text);
    assert_eq!(tier(&policy, Some("latam"), "50000"), Ok(None));
    assert_eq!(
        tier(&policy, Some("latam"), "50000.01"),
        Ok(Some("silver".into()))
    );
}

// ---------------------------------------------------------------------------
// Data errors: one partner's, the others unaffected
// ---------------------------------------------------------------------------

fn batch_data() -> String {
    [
        partner_json("P-1", Some("developed"), "100000"),
        partner_json("P-2", Some("latam"), "150000"),
        partner_json("P-3", None, "150000"),
        partner_json("P-4", Some("emerging"), "150000"),
    ]
    .iter()
    .map(|p| format!("{p}\n"))
    .collect()
}

#[test]
fn a_partner_outside_a_closed_list_is_its_own_data_error_in_a_batch() {
    let policy = load(&shape_text("closed_markets"));
    for detail in [Detail::Tier, Detail::Requirements, Detail::Evidence] {
        let (codes, rendered) =
            batch_codes(&policy, &batch_data(), detail, &rubric::report::JsonLines);
        assert_eq!(
            codes,
            [
                vec![],
                vec!["E0417".to_owned()],
                vec!["E0418".to_owned()],
                vec![]
            ],
            "at {detail:?}"
        );
        let tiers: Vec<Value> = rendered
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap()["tier"].clone())
            .collect();
        assert_eq!(
            tiers,
            [json!("silver"), Value::Null, Value::Null, json!("gold")],
            "at {detail:?}"
        );
    }
}

#[test]
fn the_cli_reports_each_partner_outside_the_list_and_evaluates_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("batch.jsonl");
    std::fs::write(&data, batch_data()).unwrap();
    let out = rubric_cli(&[
        "eval",
        &shape_path("closed_markets"),
        data.to_str().unwrap(),
        "--as-of",
        AS_OF,
        "--format",
        "jsonl",
    ]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    // Data errors make the run fail (exit 1), yet every partner is reported.
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let lines: Vec<Value> = stdout
        .lines()
        .skip(1)
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["tier"], "silver");
    assert_eq!(lines[1]["status"], "error");
    assert_eq!(lines[1]["errors"][0]["code"], "E0417");
    assert_eq!(lines[2]["errors"][0]["code"], "E0418");
    assert_eq!(lines[3]["tier"], "gold");
    assert!(
        stderr.contains(
            "partner `P-2` is in market `latam`, which is not one of the policy's markets"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("not one of `developed` or `emerging`"),
        "{stderr}"
    );
    assert!(stderr.contains("partner `P-3` gives no market"), "{stderr}");
}

// ---------------------------------------------------------------------------
// Reports state the threshold that applied, and which entry
// ---------------------------------------------------------------------------

#[test]
fn the_report_says_when_the_every_other_market_entry_applied() {
    let policy = load(&shape_text("other_markets"));
    let (human, json, fast) = report(&policy, Some("latam"), "49999.99");
    assert!(
        human.contains(
            "✗ revenue crm: 49,999.99 USD of 50,000.00 USD required (latam: every other market): short by 0.01 USD"
        ),
        "{human}"
    );
    for result in [&json, &fast] {
        let silver = &result["options"][0]["tiers"][0]["requirements"][0];
        assert_eq!(silver["required"], "50000.00", "{result}");
        assert_eq!(silver["market"], "latam", "{result}");
        assert_eq!(silver["other_markets"], true, "{result}");
        // Gold's one amount for every market is no market entry.
        let gold = &result["options"][0]["tiers"][1]["requirements"][0];
        assert!(gold.get("other_markets").is_none(), "{result}");
    }

    let (human, json, fast) = report(&policy, None, "50000");
    assert!(
        human.contains(
            "✓ revenue crm: 50,000.00 USD of 50,000.00 USD required (no market given: every other market)"
        ),
        "{human}"
    );
    assert_eq!(
        json["options"][0]["tiers"][0]["requirements"][0]["other_markets"],
        true
    );
    assert_eq!(
        fast["options"][0]["tiers"][0]["requirements"][0]["other_markets"],
        true
    );

    // A market named explicitly: its own entry, no mention of the default.
    let (human, json, fast) = report(&policy, Some("developed"), "50000");
    assert!(
        human.contains(
            "✗ revenue crm: 50,000.00 USD of 100,000.00 USD required (developed): short by 50,000.00 USD"
        ),
        "{human}"
    );
    for result in [&json, &fast] {
        let silver = &result["options"][0]["tiers"][0]["requirements"][0];
        assert_eq!(silver["required"], "100000.00", "{result}");
        assert!(silver.get("other_markets").is_none(), "{result}");
    }
}

// ---------------------------------------------------------------------------
// The tier-ordering proof (W0100)
// ---------------------------------------------------------------------------

#[test]
fn gold_for_every_market_above_per_market_silver_is_w0100_with_an_open_list() {
    let text = policy("", PER_MARKET, "150_000 USD");
    assert_eq!(codes(&text), ["W0100"]);
    assert!(message(&text, "W0100").contains("in markets the policy does not list"));
}

#[test]
fn a_closed_list_proves_gold_implies_silver() {
    assert_eq!(
        codes(&policy(CLOSED, PER_MARKET, "150_000 USD")),
        Vec::<String>::new()
    );
}

#[test]
fn a_default_in_silver_proves_gold_implies_silver() {
    let silver = "{ developed: 100_000 USD, emerging: 50_000 USD, every other market: 50_000 USD }";
    assert_eq!(
        codes(&policy("", silver, "150_000 USD")),
        Vec::<String>::new()
    );
    // At gold's amount exactly, still proven.
    let silver = "{ developed: 100_000 USD, every other market: 150_000 USD }";
    assert_eq!(
        codes(&policy("", silver, "150_000 USD")),
        Vec::<String>::new()
    );
}

#[test]
fn a_default_in_silver_above_gold_is_still_w0100() {
    let silver = "{ developed: 100_000 USD, every other market: 160_000 USD }";
    let text = policy("", silver, "150_000 USD");
    assert_eq!(codes(&text), ["W0100"]);
    let m = message(&text, "W0100");
    assert!(
        m.contains("150,000.00 USD of `crm`, less than the lower tier's 160,000.00 USD (its `every other market` entry)"),
        "{m}"
    );
}

#[test]
fn a_default_in_gold_lower_than_a_silver_market_threshold_is_w0100() {
    // Gold: developed 200,000, everyone else 60,000; silver: emerging
    // 80,000. A gold partner in `emerging` (60,000) misses silver.
    let text = policy(
        "",
        "{ developed: 100_000 USD, emerging: 80_000 USD, every other market: 50_000 USD }",
        "{ developed: 200_000 USD, every other market: 60_000 USD }",
    );
    assert_eq!(codes(&text), ["W0100"]);
    let m = message(&text, "W0100");
    assert!(m.contains("in market `emerging`"), "{m}");
    assert!(m.contains("(its `every other market` entry)"), "{m}");
    // Raised to silver's amount, the pair is proven.
    let text = policy(
        "",
        "{ developed: 100_000 USD, emerging: 80_000 USD, every other market: 50_000 USD }",
        "{ developed: 200_000 USD, every other market: 80_000 USD }",
    );
    assert_eq!(codes(&text), Vec::<String>::new());
}

#[test]
fn a_closed_list_with_silver_leaving_a_market_out_is_still_w0100() {
    // Partners in `emerging` may exist and meet gold, but silver sets them
    // no threshold: W0113 says so, and the order is refuted too.
    let text = policy(CLOSED, "{ developed: 100_000 USD }", "150_000 USD");
    assert_eq!(codes(&text), ["W0113", "W0100"]);
    assert!(message(&text, "W0100").contains("in market `emerging`"));
}

#[test]
fn default_thresholds_in_both_tiers_are_compared_entry_by_entry() {
    let text = policy(
        "",
        "{ developed: 100_000 USD, every other market: 50_000 USD }",
        "{ developed: 150_000 USD, every other market: 75_000 USD }",
    );
    assert_eq!(codes(&text), Vec::<String>::new());
}

// ---------------------------------------------------------------------------
// Checker rules
// ---------------------------------------------------------------------------

#[test]
fn every_other_market_that_can_never_apply_is_e0331() {
    let silver = "{ developed: 100_000 USD, emerging: 50_000 USD, every other market: 25_000 USD }";
    let text = policy(CLOSED, silver, "150_000 USD");
    assert_eq!(codes(&text), ["E0331"]);
    // With an open list, or a closed list with a market left for it, it can.
    assert!(codes(&policy("", silver, "150_000 USD")).is_empty());
    let silver = "{ developed: 100_000 USD, every other market: 50_000 USD }";
    assert!(codes(&policy(CLOSED, silver, "150_000 USD")).is_empty());
}

#[test]
fn every_other_market_twice_is_e0332_and_a_market_twice_stays_e0200() {
    let silver = "{ developed: 100_000 USD, every other market: 50_000 USD, every other market: 40_000 USD }";
    assert_eq!(codes(&policy("", silver, "150_000 USD")), ["E0332"]);
    let silver =
        "{ developed: 100_000 USD, Developed: 90_000 USD, every other market: 50_000 USD }";
    assert_eq!(codes(&policy("", silver, "150_000 USD")), ["E0200"]);
}

#[test]
fn a_closed_list_naming_an_undeclared_market_is_e0333_with_a_suggestion() {
    let text = policy("markets developed, emergin only", PER_MARKET, "150_000 USD");
    // The list leaves `emerging` out, too.
    assert_eq!(codes(&text), ["E0333", "E0334"]);
    let checked = rubric::check_source(&text);
    use miette::Diagnostic as _;
    let help = checked.diagnostics[0].help().unwrap().to_string();
    assert!(help.contains("emerging"), "{help}");
}

#[test]
fn a_closed_list_leaving_out_a_declared_market_twice_or_repeating_is_e0334() {
    let text = policy("markets developed only", PER_MARKET, "150_000 USD");
    assert_eq!(codes(&text), ["E0334"]);
    assert!(
        message(&text, "E0334")
            .contains("market `emerging` is declared but not in the closed market list")
    );
    let text = policy(
        "markets developed, emerging, developed only",
        PER_MARKET,
        "150_000 USD",
    );
    assert_eq!(codes(&text), ["E0334"]);
    let text = policy(
        "markets developed, emerging only\n  markets developed, emerging only",
        PER_MARKET,
        "150_000 USD",
    );
    assert_eq!(codes(&text), ["E0334"]);
}

#[test]
fn a_closed_list_may_come_before_the_markets_it_names() {
    let text = policy(CLOSED, PER_MARKET, "150_000 USD").replace(
        "  market developed \"Developed markets\"\n  market emerging \"Emerging markets\"\n  markets developed, emerging only",
        "  markets developed, emerging only\n  market developed \"Developed markets\"\n  market emerging \"Emerging markets\"",
    );
    assert!(text.starts_with(
        "competency demo {\n  version \"1\"\n  effective 2018-01-01\n  currency USD\n  markets"
    ));
    assert!(codes(&text).is_empty());
}

#[test]
fn w0113_flags_a_threshold_shutting_out_one_of_the_only_markets() {
    let text = policy(
        CLOSED,
        "{ developed: 100_000 USD }",
        "{ developed: 150_000 USD }",
    );
    assert_eq!(codes(&text), ["W0113", "W0113"]);
    assert!(message(&text, "W0113").contains(
        "this `crm` threshold sets none for market `emerging`, one of the policy's only markets"
    ));
    // Not with a default, nor with an open list (nothing is known of other
    // markets there), nor when every market is named.
    let with_default = "{ developed: 100_000 USD, every other market: 50_000 USD }";
    assert!(codes(&policy(CLOSED, with_default, "150_000 USD")).is_empty());
    assert_eq!(
        codes(&policy(
            "",
            "{ developed: 100_000 USD }",
            "{ developed: 150_000 USD }"
        )),
        Vec::<String>::new()
    );
    assert!(codes(&policy(CLOSED, PER_MARKET, "150_000 USD")).is_empty());
}

#[test]
fn a_wrong_word_in_every_other_market_is_a_syntax_error() {
    let text = policy(
        "",
        "{ developed: 100_000 USD, every market: 50_000 USD }",
        "150_000 USD",
    );
    assert_eq!(codes(&text), ["E0100"]);
    let text = policy("markets developed, emerging", PER_MARKET, "150_000 USD");
    assert_eq!(codes(&text), ["E0100"]);
}

// ---------------------------------------------------------------------------
// Formatter, page, diff, example
// ---------------------------------------------------------------------------

/// The checked policy with its spans left out: what the text means.
fn meaning(text: &str) -> String {
    let debug = format!("{:?}", load(text));
    let mut out = String::new();
    let mut rest = debug.as_str();
    while let Some(at) = rest.find("Span {") {
        out.push_str(&rest[..at]);
        let end = rest[at..].find('}').unwrap();
        rest = &rest[at + end + 1..];
    }
    out.push_str(rest);
    out
}

#[test]
fn the_formatter_lays_out_the_closed_list_and_the_default_and_round_trips() {
    let messy = "competency demo {\nversion \"1\"\neffective 2018-01-01\ncurrency USD\nmarket developed \"Developed markets\"\nmarket   emerging\nmarkets   developed ,emerging   only # the only two\ntiers silver\nexam MB2-716\nrevenue crm = net_new from \"Dynamics 365\" over trailing 12 months\noption main {\ntier silver {\nrequire crm >= {developed:100_000 USD,every   other\n market :  50_000 USD}\nrequire distinct people { 1 passing MB2-716 }\n}\n}\n}\n";
    let formatted = rubric::format::format(messy).unwrap();
    assert!(
        formatted.contains("  markets developed, emerging only # the only two\n"),
        "{formatted}"
    );
    assert!(
        formatted.contains(
            "      require crm >= { developed: 100_000 USD, every other market: 50_000 USD }\n"
        ),
        "{formatted}"
    );
    assert_eq!(rubric::format::format(&formatted).unwrap(), formatted);
    assert_eq!(meaning(messy), meaning(&formatted));
}

#[test]
fn a_long_map_with_a_default_breaks_one_entry_a_line() {
    let silver =
        "{ developed: 100_000 USD, emerging: 50_000 USD, every other market: 25_000 USD } # long";
    let text = policy("", silver, "150_000 USD");
    let formatted = rubric::format::format(&text).unwrap();
    assert!(
        formatted.contains("        emerging: 50_000 USD,\n        every other market: 25_000 USD\n      } # long\n"),
        "{formatted}"
    );
    assert_eq!(rubric::format::format(&formatted).unwrap(), formatted);
    assert_eq!(meaning(&text), meaning(&formatted));
}

#[test]
fn the_page_states_the_default_as_all_other_markets() {
    let policy = load(&shape_text("other_markets"));
    for (language, want) in [
        (Language::English, "All other markets: at least US$50,000"),
        (Language::Korean, "기타 모든 시장: 최소 US$50,000"),
    ] {
        let page = rubric::doc::render(
            &policy,
            &DocOptions {
                language,
                format: Format::Markdown,
            },
            None,
        )
        .unwrap();
        assert!(page.contains(want), "{want} missing in\n{page}");
    }
}

/// `rubric diff` between two policies, as `subject: old -> new (effect)`.
fn changes(old: &str, new: &str) -> Vec<String> {
    rubric::diff::diff(&load(old), &load(new))
        .changes
        .iter()
        .map(|c| {
            format!(
                "{}: {} -> {} ({:?})",
                c.subject,
                c.old.as_deref().unwrap_or("-"),
                c.new.as_deref().unwrap_or("-"),
                c.effect
            )
        })
        .collect()
}

#[test]
fn diff_reports_closing_the_list_and_changing_the_default() {
    let open = policy("", PER_MARKET, "150_000 USD");
    let closed = policy(CLOSED, PER_MARKET, "150_000 USD");
    assert_eq!(
        changes(&open, &closed),
        ["the list of markets: open -> closed (Stricter)"]
    );
    assert_eq!(
        changes(&closed, &open),
        ["the list of markets: closed -> open (Looser)"]
    );

    let with = |amount: &str| {
        policy(
            "",
            &format!("{{ developed: 100_000 USD, every other market: {amount} }}"),
            "150_000 USD",
        )
    };
    let without = policy("", "{ developed: 100_000 USD }", "150_000 USD");
    // The default covers the declared market no entry names, and every
    // market the policy does not declare: each reported in its own name.
    assert_eq!(
        changes(&without, &with("50_000 USD")),
        [
            "threshold of `crm` in `emerging`: none -> 50,000 USD (Looser)",
            "threshold of `crm` in every other market: none -> 50,000 USD (Looser)"
        ]
    );
    assert_eq!(
        changes(&with("50_000 USD"), &with("60_000 USD")),
        [
            "threshold of `crm` in `emerging`: 50,000 USD -> 60,000 USD (Stricter)",
            "threshold of `crm` in every other market: 50,000 USD -> 60,000 USD (Stricter)"
        ]
    );
    // Naming a market the default covered, at the same amount, changes
    // nothing for anyone.
    let named = with("50_000 USD").replace(
        "developed: 100_000 USD,",
        "developed: 100_000 USD, emerging: 50_000 USD,",
    );
    assert_eq!(changes(&with("50_000 USD"), &named), Vec::<String>::new());
}

#[test]
fn an_example_partner_for_a_closed_list_is_in_one_of_its_markets() {
    let out = rubric_cli(&[
        "example",
        &shape_path("closed_markets"),
        "--tier",
        "gold",
        "--as-of",
        AS_OF,
    ]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let partner: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(partner["market"], "developed", "{stdout}");
    let policy = load(&shape_text("closed_markets"));
    let text = partner.to_string();
    let record = record(&text);
    let parsed = Partner::parse(&record).unwrap();
    let outcome = Evaluator::new(&policy, as_of()).evaluate(&parsed).unwrap();
    assert_eq!(
        outcome.tier.map(|t| policy.tiers[t.0].id.as_str()),
        Some("gold")
    );
}
