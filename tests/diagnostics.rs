//! Every diagnostic code the library can emit, rendered as a user sees it.
//!
//! Each broken policy under `tests/diagnostics/policy/`, each piece of broken
//! partner data under `tests/diagnostics/data/` (evaluated against
//! `policies/cloud_crm.policy` as of 2017-06-30; a `*.catalogue.jsonl` case
//! against `tests/shapes/product_catalogue.policy` as of 2018-06-30, with
//! the run's data report after its records) and each broken policy test
//! file under `tests/diagnostics/policy_test/` is one case, named after the
//! code it triggers (`E0201_unknown_exam_typo.policy`). All the diagnostics of
//! a case, rendered without colour at 80 columns, are one insta snapshot in
//! the `snapshots/` folder beside it, and the case must raise the code it is
//! named after. `every_code_has_a_fixture` reads the library's sources for
//! `code(E....)`, so that no code ships without a case.
//!
//! Codes no fixture file can hold have tests of their own: E0101 (a policy too
//! large to parse) on generated text, E0406 (a data file that cannot be read)
//! on a missing path. E0199 (a bug in Rubric) cannot be triggered by input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::{declared_codes, is_code};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use miette::{Diagnostic, NamedSource};
use rubric::batch::{self, DataInput, Event};
use rubric::eval::{Detail, Evaluator};
use rubric::report::Human;
use rubric::report::diagnostic::{Style, WithSource, render};
use std::ops::ControlFlow;

const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");

/// A bug in Rubric: no input can trigger it.
const INTERNAL: &str = "E0199";
/// A policy too large to parse: tested on generated text.
const TOO_LARGE: &str = "E0101";
/// A data file that cannot be read: tested on a missing path.
const UNREADABLE: &str = "E0406";

/// File name endings of fixtures, by kind.
const POLICY_EXTENSIONS: &[&str] = &["policy"];
const DATA_EXTENSIONS: &[&str] = &["json", "jsonl"];
const POLICY_TEST_EXTENSIONS: &[&str] = &["toml"];

/// The diagnostics of one case.
struct Rendered {
    /// The code of each diagnostic, in order.
    codes: Vec<String>,
    /// Every diagnostic rendered, separated by blank lines.
    text: String,
}

impl Rendered {
    fn new() -> Self {
        Rendered {
            codes: Vec::new(),
            text: String::new(),
        }
    }

    fn push(&mut self, diagnostic: &dyn Diagnostic) {
        self.codes.push(
            diagnostic
                .code()
                .map_or_else(String::new, |c| c.to_string()),
        );
        if !self.text.is_empty() {
            self.text.push('\n');
        }
        self.text.push_str(&render(diagnostic, Style::PLAIN));
    }
}

fn fixture_dir(kind: &str) -> PathBuf {
    Path::new(MANIFEST_DIR)
        .join("tests")
        .join("diagnostics")
        .join(kind)
}

/// A fixture's text with line ends normalised, so that a checkout with CRLF
/// line ends renders the same snapshots.
fn read_fixture(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
        .replace("\r\n", "\n")
}

/// Only the file name, so that snapshots do not depend on the checkout's path.
fn file_name(path: &Path) -> String {
    path.file_name().unwrap().to_str().unwrap().to_owned()
}

/// The code a fixture is named after: `E0201_unknown_exam.policy` → `E0201`.
fn code_of(name: &str) -> &str {
    let code = name.split('_').next().unwrap();
    assert!(
        is_code(code),
        "fixture `{name}` must be named CODE_slug, e.g. `E0201_unknown_exam.policy`"
    );
    code
}

/// The case raises the code it is named after, and its report shows it.
fn assert_raises_code(name: &str, rendered: &Rendered) {
    let code = code_of(name);
    assert!(
        rendered.codes.iter().any(|c| c == code) && rendered.text.contains(code),
        "`{name}` should raise {code}, but raises {:?}:\n{}",
        rendered.codes,
        rendered.text
    );
}

/// Every diagnostic of a broken policy.
fn render_policy(name: &str, text: &str) -> Rendered {
    let mut rendered = Rendered::new();
    let source = NamedSource::new(name, text.to_owned());
    // Errors, or for a valid policy its lints, as `rubric check` reports them.
    for diagnostic in rubric::check_source(text).diagnostics {
        rendered.push(&WithSource::new(&diagnostic, &source));
    }
    rendered
}

/// `rubric.toml` files with invalid lint settings.
#[test]
fn config_diagnostics() {
    insta::with_settings!({
        snapshot_path => "diagnostics/config/snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::glob!("diagnostics/config/*.toml", |path| {
            let name = file_name(path);
            let text = read_fixture(path);
            let mut rendered = Rendered::new();
            if let Err(err) = rubric::lint::Levels::from_config(&text) {
                rendered.push(&WithSource::new(&err, &NamedSource::new(name.clone(), text.clone())));
            }
            assert_raises_code(&name, &rendered);
            insta::assert_snapshot!(rendered.text);
        });
    });
}

#[test]
fn policy_diagnostics() {
    insta::with_settings!({
        snapshot_path => "diagnostics/policy/snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::glob!("diagnostics/policy/*.policy", |path| {
            let name = file_name(path);
            let rendered = render_policy(&name, &read_fixture(path));
            assert_raises_code(&name, &rendered);
            insta::assert_snapshot!(rendered.text);
        });
    });
}

/// The policy that partner data fixtures are evaluated against.
fn cloud_crm() -> rubric::model::Policy {
    let path = Path::new(MANIFEST_DIR).join("policies/cloud_crm.policy");
    rubric::load_policy(&read_fixture(&path)).expect("policies/cloud_crm.policy is valid")
}

/// Every diagnostic `rubric eval` reports for a data file, in its order:
/// the library's batch pipeline, with a person already listed under an
/// earlier partner as a warning once the partner is evaluated.
fn render_data(name: &str, text: String, evaluator: &Evaluator<'_>) -> Rendered {
    let mut rendered = Rendered::new();
    let input = DataInput::Text {
        name: name.to_owned(),
        text: text.into(),
    };
    let options = batch::Options {
        people_check: true,
        threads: 1,
        detail: Detail::Evidence,
        ..Default::default()
    };
    let totals = batch::evaluate(evaluator, vec![input], options, &Human, &mut |event| {
        match event {
            Event::Record(record) => {
                for diagnostic in record.errors.iter().chain(record.warnings) {
                    rendered.push(diagnostic);
                }
            }
            Event::Unreadable(err) => rendered.push(&err),
            Event::Warning(warning) => rendered.push(&warning),
        }
        ControlFlow::Continue(())
    });
    for warning in totals.data_report.iter().flat_map(|r| r.warnings()) {
        rendered.push(&warning);
    }
    rendered
}

#[test]
fn data_diagnostics() {
    let policy = cloud_crm();
    let as_of = NaiveDate::from_ymd_opt(2017, 6, 30).unwrap();
    let evaluator = Evaluator::new(&policy, as_of);
    let catalogue = rubric::load_policy(&read_fixture(
        &Path::new(MANIFEST_DIR).join("tests/shapes/product_catalogue.policy"),
    ))
    .unwrap();
    let with_catalogue = Evaluator::new(&catalogue, NaiveDate::from_ymd_opt(2018, 6, 30).unwrap());
    insta::with_settings!({
        snapshot_path => "diagnostics/data/snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
        description => "evaluated against policies/cloud_crm.policy as of 2017-06-30",
    }, {
        insta::glob!("diagnostics/data/*.{json,jsonl}", |path| {
            let name = file_name(path);
            let evaluator = if name.contains(".catalogue.") {
                &with_catalogue
            } else {
                &evaluator
            };
            let rendered = render_data(&name, read_fixture(path), evaluator);
            assert_raises_code(&name, &rendered);
            if name.contains(".catalogue.") {
                insta::with_settings!({
                    description => "evaluated against tests/shapes/product_catalogue.policy as of 2018-06-30",
                }, {
                    insta::assert_snapshot!(rendered.text);
                });
            } else {
                insta::assert_snapshot!(rendered.text);
            }
        });
    });
}

/// Partner data fixtures in `tests/diagnostics/{kind}/`, evaluated against
/// `tests/shapes/{shape}.policy` as of 2018-06-30: data codes that only a
/// policy using some construct can raise.
fn data_diagnostics_with_shape(kind: &str, shape: &str) {
    let path = Path::new(MANIFEST_DIR).join(format!("tests/shapes/{shape}.policy"));
    let policy = rubric::load_policy(&read_fixture(&path)).expect("the shape is valid");
    let as_of = NaiveDate::from_ymd_opt(2018, 6, 30).unwrap();
    let evaluator = Evaluator::new(&policy, as_of);
    let description = format!("evaluated against tests/shapes/{shape}.policy as of 2018-06-30");
    let pattern = format!("diagnostics/{kind}/*.{{json,jsonl}}");
    insta::with_settings!({
        snapshot_path => format!("diagnostics/{kind}/snapshots"),
        prepend_module_to_snapshot => false,
        omit_expression => true,
        description => description,
    }, {
        insta::glob!(&pattern, |path| {
            let name = file_name(path);
            let rendered = render_data(&name, read_fixture(path), &evaluator);
            assert_raises_code(&name, &rendered);
            insta::assert_snapshot!(rendered.text);
        });
    });
}

/// A partner outside a closed market list (E0417, E0418).
#[test]
fn data_diagnostics_with_closed_markets() {
    data_diagnostics_with_shape("data_closed_markets", "closed_markets");
}

/// Lines without a customer where customers are counted (E0410).
#[test]
fn data_diagnostics_with_customer_counts() {
    data_diagnostics_with_shape("data_customers", "net_new_customers");
}

/// Every diagnostic of a broken policy test file: reading it, then checking
/// the tiers and requirement labels it names against the policy.
fn render_policy_test(name: &str, text: &str, policy: &rubric::model::Policy) -> Rendered {
    let errors = match rubric::policy_test::parse(text) {
        Ok(file) => rubric::policy_test::validate(&file, policy),
        Err(errors) => errors,
    };
    let source = NamedSource::new(name, text.to_owned());
    let mut rendered = Rendered::new();
    for error in &errors {
        rendered.push(&WithSource::new(error, &source));
    }
    rendered
}

#[test]
fn policy_test_diagnostics() {
    let policy = cloud_crm();
    insta::with_settings!({
        snapshot_path => "diagnostics/policy_test/snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
        description => "checked against policies/cloud_crm.policy",
    }, {
        insta::glob!("diagnostics/policy_test/*.toml", |path| {
            let name = file_name(path);
            let rendered = render_policy_test(&name, &read_fixture(path), &policy);
            assert_raises_code(&name, &rendered);
            insta::assert_snapshot!(rendered.text);
        });
    });
}

/// E0406: a data file that cannot be read. The path is relative to the
/// package root, where cargo runs tests, so the report is the same on every
/// machine.
#[test]
fn unreadable_data_file() {
    let policy = cloud_crm();
    let evaluator = Evaluator::new(&policy, NaiveDate::from_ymd_opt(2017, 6, 30).unwrap());
    let input = DataInput::Path("tests/diagnostics/data/does_not_exist.json".to_owned());
    let options = batch::Options {
        people_check: true,
        threads: 1,
        detail: Detail::Evidence,
        ..Default::default()
    };
    let mut rendered = Rendered::new();
    let totals = batch::evaluate(&evaluator, vec![input], options, &Human, &mut |event| {
        match event {
            Event::Unreadable(err) => rendered.push(&err),
            Event::Record(_) | Event::Warning(_) => {
                panic!("a missing data file should have no records")
            }
        }
        ControlFlow::Continue(())
    });
    assert_eq!(totals.unreadable, 1);
    assert_eq!(rendered.codes, [UNREADABLE]);
    assert!(rendered.text.contains(UNREADABLE), "{}", rendered.text);
    insta::with_settings!({
        snapshot_path => "diagnostics/data/snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!("E0406_missing_file", rendered.text);
    });
}

/// E0101: a policy so large that the parser gives up. Far too big for a
/// fixture file, so it is generated: a real header, then a catalog of half a
/// million exams (the parser's call budget runs out after about 160,000).
/// Slow in a debug build: the parser makes its full budget of calls.
#[test]
fn policy_too_large_to_parse() {
    let mut text = String::from(
        "competency cloud_crm \"Cloud Customer Relationship Management\" {\n  currency USD\n  tiers silver, gold\n",
    );
    for i in 0..500_000 {
        text.push_str(&format!("  exam MB2-{i} \"Dynamics CRM {i}\"\n"));
    }
    text.push_str("}\n");
    let rendered = render_policy("generated.policy", &text);
    assert_eq!(rendered.codes, [TOO_LARGE], "{}", rendered.text);
    assert!(rendered.text.contains(TOO_LARGE), "{}", rendered.text);
    // Where the parser stops depends on its call budget and on the grammar:
    // mask the digits of the snippet so that the snapshot does not.
    insta::with_settings!({
        snapshot_path => "diagnostics/policy/snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!("E0101_generated", mask_digits_in_snippet(&rendered.text));
    });
}

/// The report with every digit of its source snippet (line numbers, and the
/// generated exam codes shown) replaced by `#`, keeping the layout.
fn mask_digits_in_snippet(rendered: &str) -> String {
    let mut out = String::new();
    for line in rendered.lines() {
        if line.contains('│') || line.contains("╭─[") {
            out.extend(
                line.chars()
                    .map(|c| if c.is_ascii_digit() { '#' } else { c }),
            );
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

/// Codes some fixture file is named after. Every file beside the snapshot
/// folders must be a fixture the snapshot tests read.
fn fixture_codes() -> BTreeSet<String> {
    let mut codes = BTreeSet::new();
    for (kind, extensions) in [
        ("policy", POLICY_EXTENSIONS),
        ("data", DATA_EXTENSIONS),
        ("data_closed_markets", DATA_EXTENSIONS),
        ("data_customers", DATA_EXTENSIONS),
        ("policy_test", POLICY_TEST_EXTENSIONS),
        ("config", &["toml"]),
        // Data for a policy with line fields, read by tests/lang_filters.rs.
        ("fields", DATA_EXTENSIONS),
    ] {
        for entry in std::fs::read_dir(fixture_dir(kind)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                continue;
            }
            let name = file_name(&path);
            assert!(
                path.extension()
                    .is_some_and(|e| extensions.iter().any(|x| e == *x)),
                "`{name}` in tests/diagnostics/{kind}/ is not read by any test: \
                 fixtures there end in {extensions:?}"
            );
            codes.insert(code_of(&name).to_owned());
        }
    }
    // A set of versions is a folder of policy files, named after its code.
    for entry in std::fs::read_dir(fixture_dir("versions")).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() && file_name(&path) != "snapshots" {
            codes.insert(code_of(&file_name(&path)).to_owned());
        }
    }
    codes
}

/// Each folder under `tests/diagnostics/versions/` is a set of policy files
/// given as the versions of one competency.
#[test]
fn version_diagnostics() {
    use rubric::versions::{PolicyVersion, Versions};
    let mut sets: Vec<PathBuf> = std::fs::read_dir(fixture_dir("versions"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && file_name(p) != "snapshots")
        .collect();
    sets.sort();
    assert!(sets.len() >= 3);
    for set in sets {
        let name = file_name(&set);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&set)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        let versions = files
            .iter()
            .map(|path| {
                let source = read_fixture(path);
                PolicyVersion {
                    name: file_name(path),
                    policy: rubric::load_policy(&source).unwrap(),
                    source,
                }
            })
            .collect();
        let errors = Versions::new(versions).expect_err(&name);
        let mut rendered = Rendered::new();
        for error in &errors {
            rendered.push(error);
        }
        assert_raises_code(&name, &rendered);
        insta::with_settings!({
            snapshot_path => "diagnostics/versions/snapshots",
            prepend_module_to_snapshot => false,
            omit_expression => true,
            input_file => &set,
        }, {
            insta::assert_snapshot!(name.clone(), rendered.text);
        });
    }
}

#[test]
fn every_code_has_a_fixture() {
    let declared = declared_codes();
    // Guard the scan itself: it must find the codes of every layer.
    for code in [
        "E0100", "E0102", "E0200", "E0312", "E0400", UNREADABLE, "E0500",
    ] {
        assert!(declared.contains(code), "the scan of src/ missed {code}");
    }
    let fixtures = fixture_codes();
    let covered_elsewhere = [INTERNAL, TOO_LARGE, UNREADABLE];
    let missing: Vec<&String> = declared
        .iter()
        .filter(|c| !covered_elsewhere.contains(&c.as_str()) && !fixtures.contains(*c))
        .collect();
    assert!(
        missing.is_empty(),
        "codes with no fixture under tests/diagnostics/: {missing:?}"
    );
    let unknown: Vec<&String> = fixtures.difference(&declared).collect();
    assert!(
        unknown.is_empty(),
        "fixtures named after codes the library does not declare: {unknown:?}"
    );
}

/// A snapshot whose fixture was renamed or removed would linger unchecked.
#[test]
fn every_snapshot_has_a_fixture() {
    let generated = ["E0101_generated.snap", "E0406_missing_file.snap"];
    for kind in [
        "policy",
        "data",
        "data_closed_markets",
        "data_customers",
        "policy_test",
        "config",
    ] {
        let dir = fixture_dir(kind);
        // None yet: the snapshot tests are writing the first ones.
        let Ok(entries) = std::fs::read_dir(dir.join("snapshots")) else {
            continue;
        };
        for entry in entries {
            let name = file_name(&entry.unwrap().path());
            if generated.contains(&name.as_str()) || name.ends_with(".snap.new") {
                continue;
            }
            let fixture = name
                .split_once('@')
                .and_then(|(_, rest)| rest.strip_suffix(".snap"))
                .unwrap_or_else(|| panic!("unexpected snapshot `{name}` in {kind}/snapshots"));
            assert!(
                dir.join(fixture).is_file(),
                "snapshot `{name}` has no fixture `{fixture}`: delete it"
            );
        }
    }
}
