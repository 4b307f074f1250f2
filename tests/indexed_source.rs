//! `rubric check` renders each diagnostic from an indexed source (issue 9,
//! item 2: a file with 20,000 warnings took 44 s, scanning the file from the
//! top for every snippet). The index must change nothing in what is shown.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use miette::{Diagnostic, NamedSource};
use rubric::report::check::{Finding, Level};
use rubric::report::diagnostic::{IndexedSource, Style, WithSource, render};

/// Every diagnostic of a policy: its errors, or its lints.
fn diagnostics_of(text: &str, each: &mut dyn FnMut(&dyn Diagnostic)) {
    match rubric::load_policy(text) {
        Err(err) => err.diagnostics().into_iter().for_each(each),
        Ok(_) => {
            let file = rubric::syntax::parse(text).unwrap();
            let policy = rubric::check::check(&file).unwrap();
            for warning in rubric::lint::lint(&file, &policy) {
                each(&warning);
            }
        }
    }
}

fn assert_same_rendering(name: &str, text: &str) {
    let named = NamedSource::new(name, text.to_owned());
    let indexed = IndexedSource::new(name, text.to_owned());
    let mut count = 0;
    diagnostics_of(text, &mut |d| {
        count += 1;
        assert_eq!(
            render(&WithSource::indexed(d, &indexed), Style::PLAIN),
            render(&WithSource::new(d, &named), Style::PLAIN),
            "{name}"
        );
        let plain = Finding::new(d, text, Level::Error, String::new());
        let fast = Finding::indexed(d, &indexed, Level::Error, String::new());
        assert_eq!(
            serde_json::to_string(&plain).unwrap(),
            serde_json::to_string(&fast).unwrap(),
            "{name}"
        );
    });
    assert!(count > 0 || rubric::load_policy(text).is_ok(), "{name}");
}

#[test]
fn every_fixture_renders_the_same_from_an_indexed_source() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in ["tests/diagnostics/policy", "policies", "tests/shapes"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "policy") {
                let text = std::fs::read_to_string(&path).unwrap();
                let name = path.file_name().unwrap().to_str().unwrap().to_owned();
                assert_same_rendering(&name, &text);
                assert_same_rendering(&name, &text.replace('\n', "\r\n"));
            }
        }
    }
}

/// A label past column 1,000 and one on the last line without a line end.
#[test]
fn far_and_last_line_labels_render_the_same() {
    let far = format!(
        "competency k {{ tiers s {} exam X-1 \"x\"\n  group g = any of Y-1 }}",
        " ".repeat(1_200)
    );
    assert_same_rendering("far.policy", &far);
    assert_same_rendering(
        "last.policy",
        "competency k {\n  tiers s\n  grop g = any of A",
    );
}

/// 20,000 findings of one file, each rendered and located: one pass over
/// the file for the index, then a binary search each (quadratic, this took
/// minutes unoptimised).
#[test]
fn twenty_thousand_warnings_render_in_one_pass() {
    let mut text =
        String::from("competency k {\n  version \"1\"\n  effective 2017-01-01\n  tiers s\n");
    for i in 0..20_000 {
        text.push_str(&format!("  exam X-{i} \"x\"\n"));
    }
    text.push_str("  exam Y \"y\"\n  group g = any of Y\n");
    text.push_str("  option o { tier s { require distinct people { 1 passing g } } }\n}\n");
    let file = rubric::syntax::parse(&text).unwrap();
    let policy = rubric::check::check(&file).unwrap();
    let warnings = rubric::lint::lint(&file, &policy);
    assert_eq!(warnings.len(), 20_000);
    let indexed = IndexedSource::new("big.policy", text.clone());
    let last = warnings.last().unwrap();
    let rendered = render(&WithSource::indexed(last, &indexed), Style::PLAIN);
    assert!(rendered.contains("big.policy:20004:3"), "{rendered}");
    for warning in &warnings {
        let finding = Finding::indexed(warning, &indexed, Level::Warning, String::new());
        assert!(
            serde_json::to_string(&finding)
                .unwrap()
                .contains("\"line\"")
        );
    }
}
