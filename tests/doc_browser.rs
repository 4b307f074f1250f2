//! The HTML requirements page in a real browser: headless Chromium loads the
//! page of every shipped policy in every shipped language with no console
//! message at all (the page has no scripts, so any message is a fault: a
//! parse error, a blocked resource, a CSP report), its DOM has the page's
//! language and a title, and screenshots of the Cloud CRM pages are kept
//! under `target/doc-browser/` for a person to look at.
//!
//! A control page that logs an error must be caught, so that a browser
//! whose log format changed cannot pass the test silently.
//!
//! Without Chromium the test prints why it skipped and passes, so that
//! `cargo test` passes on a fresh clone; `RUBRIC_REQUIRE_BROWSER=1` (set by
//! `.ci/run` after installing Chromium) makes a missing browser a failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use rubric::doc::{Format, Language, Options, render};

const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");

/// The Chromium binary: `RUBRIC_CHROMIUM`, or `chromium` /
/// `chromium-browser` on the PATH.
fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("RUBRIC_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// What the browser said loading `page`: its log lines on stderr that are
/// console messages, and the serialised DOM.
struct Loaded {
    console: Vec<String>,
    dom: String,
}

fn load(browser: &Path, page: &Path, screenshot: Option<&Path>) -> Loaded {
    let profile = tempfile::tempdir().unwrap();
    let url = format!("file://{}", page.display());
    let mut common = vec![
        "--headless".to_owned(),
        "--no-sandbox".to_owned(),
        "--disable-gpu".to_owned(),
        "--disable-quic".to_owned(),
        "--no-first-run".to_owned(),
        "--disable-background-networking".to_owned(),
        "--disable-component-update".to_owned(),
        "--disable-sync".to_owned(),
        "--enable-logging=stderr".to_owned(),
        "--v=0".to_owned(),
        format!("--user-data-dir={}", profile.path().display()),
        "--window-size=1024,1600".to_owned(),
    ];
    let mut console = Vec::new();
    if let Some(shot) = screenshot {
        common.push(format!("--screenshot={}", shot.display()));
        let output = Command::new(browser)
            .args(&common)
            .arg(&url)
            .output()
            .unwrap();
        assert!(output.status.success(), "chromium failed: {output:?}");
        console.extend(console_lines(&output.stderr));
        common.pop();
    }
    let output = Command::new(browser)
        .args(&common)
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .unwrap();
    assert!(output.status.success(), "chromium failed: {output:?}");
    console.extend(console_lines(&output.stderr));
    Loaded {
        console,
        dom: String::from_utf8(output.stdout).unwrap(),
    }
}

/// Chromium logs each console message as a line with `:CONSOLE`.
fn console_lines(stderr: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn html_pages_load_in_chromium_without_console_messages() {
    let Some(browser) = chromium() else {
        if std::env::var("RUBRIC_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
            panic!("RUBRIC_REQUIRE_BROWSER=1 but no chromium on the PATH");
        }
        println!(
            "skipped: no chromium on the PATH (install it, e.g. `apt-get install chromium`, or set RUBRIC_CHROMIUM)"
        );
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let shots = Path::new(MANIFEST_DIR).join("target/doc-browser");
    std::fs::create_dir_all(&shots).unwrap();

    // The control: an error on the console is seen.
    let control = work.path().join("control.html");
    std::fs::write(
        &control,
        "<!DOCTYPE html><html lang=\"en\"><head><title>control</title></head><body><script>console.error('control error')</script></body></html>",
    )
    .unwrap();
    let loaded = load(&browser, &control, None);
    assert!(
        loaded.console.iter().any(|l| l.contains("control error")),
        "the console of the control page was not seen: {:?}",
        loaded.console
    );

    let mut policies: Vec<PathBuf> = std::fs::read_dir(Path::new(MANIFEST_DIR).join("policies"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "policy"))
        .collect();
    policies.sort();
    for path in policies {
        let policy = rubric::load_policy(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let stem = path.file_stem().unwrap().to_str().unwrap();
        for language in Language::ALL {
            let html = render(
                &policy,
                &Options {
                    language,
                    format: Format::Html,
                },
                None,
            )
            .unwrap();
            let name = format!("{stem}.{}", language.tag());
            let page = work.path().join(format!("{name}.html"));
            std::fs::write(&page, &html).unwrap();
            // A screenshot of the Cloud CRM pages (each launch takes
            // seconds); every page is loaded and its console checked.
            let shot = (stem == "cloud_crm").then(|| shots.join(format!("{name}.png")));
            if let Some(shot) = &shot {
                let _ = std::fs::remove_file(shot);
            }
            let loaded = load(&browser, &page, shot.as_deref());
            assert!(loaded.console.is_empty(), "{name}: {:?}", loaded.console);
            assert!(
                loaded
                    .dom
                    .contains(&format!("<html lang=\"{}\">", language.tag())),
                "{name}: the DOM lost the page's language"
            );
            assert!(loaded.dom.contains("<h1 id="), "{name}: no h1 in the DOM");
            match shot {
                Some(shot) => {
                    let png = std::fs::read(&shot).unwrap();
                    assert!(png.starts_with(b"\x89PNG"), "{name}: no screenshot");
                    println!("{name}: no console messages; screenshot {}", shot.display());
                }
                None => println!("{name}: no console messages"),
            }
        }
    }
}
