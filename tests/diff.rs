//! `rubric diff`: the semantic changes between two versions of a policy.
//!
//! - Every fixture in `tests/diff/` is `base.policy` with one kind of change
//!   made; its diff from the base is snapshotted in human, Markdown and JSON.
//! - A diff is empty between a policy and itself, and between a policy and
//!   its formatted text, for every shipped policy.
//! - Swapping the versions swaps stricter and looser and keeps the rest.
//! - The shipped versions of Cloud CRM (`policies/cloud_crm.policy` and
//!   `policies/history/`) are snapshotted in every format.
//! - The CLI exits 0 when the versions mean the same, 1 when they differ, 2
//!   on error, and reads `REV:PATH` from git.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

use rubric::diff::{ChangeKind, Diff, Effect, diff};
use rubric::model::Policy;
use rubric::report::diff::{Version, human, json, markdown};

const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap().replace("\r\n", "\n")
}

fn load(text: &str) -> Policy {
    rubric::load_policy(text).unwrap()
}

fn fixture(name: &str) -> PathBuf {
    Path::new(MANIFEST_DIR).join("tests/diff").join(name)
}

/// The diff from `old` to `new`, in all three renderings, files named as
/// given.
fn rendered(old_name: &str, old_text: &str, new_name: &str, new_text: &str) -> (Diff, String) {
    let (a, b) = (load(old_text), load(new_text));
    let d = diff(&a, &b);
    let old = Version {
        name: old_name,
        source: old_text,
        policy: &a,
    };
    let new = Version {
        name: new_name,
        source: new_text,
        policy: &b,
    };
    let text = format!(
        "{}\n---- markdown ----\n{}\n---- json ----\n{}",
        human(&d, &old, &new),
        markdown(&d, &old, &new),
        json(&d, &old, &new).unwrap()
    );
    (d, text)
}

#[test]
fn every_kind_of_change_from_the_base_policy() {
    let base = read(&fixture("base.policy"));
    insta::with_settings!({
        snapshot_path => "diff/snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::glob!("diff/*.policy", |path| {
            let name = path.file_name().unwrap().to_str().unwrap();
            if name == "base.policy" {
                return;
            }
            let text = read(path);
            let (d, out) = rendered("base.policy", &base, name, &text);
            if name == "layout_only.policy" {
                assert!(d.changes.is_empty(), "{out}");
            } else {
                assert!(!d.changes.is_empty(), "{name}: no change found");
            }
            insta::assert_snapshot!(out);
        });
    });
}

/// What each fixture must find, by kind and effect: the snapshots show the
/// wording, this pins the classification.
#[test]
fn each_change_is_classified() {
    let base = load(&read(&fixture("base.policy")));
    let effects = |name: &str| -> Vec<(ChangeKind, Effect)> {
        let new = load(&read(&fixture(name)));
        diff(&base, &new)
            .changes
            .iter()
            .map(|c| (c.kind, c.effect))
            .collect()
    };
    use ChangeKind as K;
    use Effect::{Looser, Neutral, Stricter, Unproven};
    assert!(effects("header.policy").iter().all(|(_, e)| *e == Neutral));
    assert!(effects("currency.policy").contains(&(K::Currency, Unproven)));
    assert!(
        effects("declarations.policy")
            .iter()
            .all(|(_, e)| *e == Neutral)
    );
    assert_eq!(
        effects("credential_added.policy"),
        [(K::Credential, Neutral)]
    );
    assert_eq!(
        effects("credential_removed.policy"),
        [(K::Credential, Neutral), (K::GroupMembers, Stricter)]
    );
    // Available earlier: looser; retiring and accepted until earlier: stricter.
    assert_eq!(
        effects("credential_dates.policy"),
        [
            (K::Retirement, Stricter),
            (K::Grace, Stricter),
            (K::Availability, Looser)
        ]
    );
    assert_eq!(
        effects("credential_wording.policy"),
        [(K::Wording, Neutral), (K::CredentialKind, Neutral)]
    );
    // More members: looser for `any of`, stricter for `all of`.
    assert_eq!(
        effects("group_members.policy"),
        [(K::GroupMembers, Looser), (K::GroupMembers, Stricter)]
    );
    assert_eq!(
        effects("group_quantifier.policy"),
        [(K::GroupQuantifier, Looser)]
    );
    assert!(
        effects("measure_definition.policy")
            .iter()
            .all(|(k, e)| *k == K::MeasureDefinition && *e == Unproven)
    );
    assert_eq!(
        effects("options.policy"),
        [(K::Tier, Stricter), (K::Tier, Looser), (K::Option, Looser)]
    );
    assert_eq!(
        effects("thresholds.policy"),
        [
            (K::Threshold, Stricter),
            (K::Threshold, Stricter),
            (K::PerMonth, Unproven),
            (K::Threshold, Looser)
        ]
    );
    assert_eq!(
        effects("requirements.policy"),
        [(K::Requirement, Looser), (K::Requirement, Stricter)]
    );
    assert_eq!(
        effects("roles.policy"),
        [(K::Role, Looser), (K::Role, Stricter), (K::Role, Stricter)]
    );
    // Two roles: shared is looser; one role: the same either way.
    assert_eq!(
        effects("sharing.policy"),
        [(K::Sharing, Looser), (K::Sharing, Neutral)]
    );
    assert_eq!(effects("branches.policy"), [(K::Branch, Looser)]);
}

/// Every shipped policy and shape, and every diff fixture.
fn every_policy() -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for dir in ["policies", "policies/history", "tests/shapes", "tests/diff"] {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(Path::new(MANIFEST_DIR).join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "policy"))
            .collect();
        paths.sort();
        for path in paths {
            let text = read(&path);
            out.push((path, text));
        }
    }
    assert!(out.len() >= 35, "only {} policies found", out.len());
    out
}

#[test]
fn a_policy_and_its_formatted_text_have_no_changes() {
    for (path, text) in every_policy() {
        let policy = load(&text);
        assert_eq!(
            diff(&policy, &policy),
            Diff::default(),
            "{}",
            path.display()
        );
        let formatted = rubric::format::format(&text).unwrap();
        let d = diff(&policy, &load(&formatted));
        assert!(d.changes.is_empty(), "{}: {:?}", path.display(), d.changes);
    }
}

#[test]
fn swapping_the_versions_swaps_stricter_and_looser() {
    let policies: Vec<(PathBuf, Policy)> = every_policy()
        .into_iter()
        .map(|(path, text)| (path, load(&text)))
        .collect();
    let mut compared = 0;
    for (a_path, a) in &policies {
        for (b_path, b) in &policies {
            let forward = diff(a, b);
            let backward = diff(b, a);
            let mut there: Vec<(ChangeKind, Effect)> = forward
                .changes
                .iter()
                .map(|c| (c.kind, c.effect.reversed()))
                .collect();
            let mut back: Vec<(ChangeKind, Effect)> = backward
                .changes
                .iter()
                .map(|c| (c.kind, c.effect))
                .collect();
            there.sort();
            back.sort();
            assert_eq!(there, back, "{} ↔ {}", a_path.display(), b_path.display());
            assert_eq!(forward.effect().reversed(), backward.effect());
            compared += 1;
        }
    }
    assert!(compared >= 1200);
}

#[test]
fn the_shipped_versions_of_cloud_crm() {
    let versions = [
        "policies/cloud_crm.policy",
        "policies/history/cloud_crm.2017-10.policy",
        "policies/history/cloud_crm.2018-01.policy",
    ];
    for pair in versions.windows(2) {
        let (old, new) = (pair[0], pair[1]);
        let old_text = read(&Path::new(MANIFEST_DIR).join(old));
        let new_text = read(&Path::new(MANIFEST_DIR).join(new));
        let (d, out) = rendered(old, &old_text, new, &new_text);
        assert!(!d.same_meaning());
        insta::with_settings!({
            snapshot_path => "diff/snapshots",
            prepend_module_to_snapshot => false,
            omit_expression => true,
            snapshot_suffix => new.rsplit('/').next().unwrap().trim_end_matches(".policy"),
        }, {
            insta::assert_snapshot!("cloud_crm", out);
        });
    }
}

fn rubric(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_rubric"))
        .args(args)
        .current_dir(MANIFEST_DIR)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[test]
fn exit_codes_say_whether_the_versions_mean_the_same() {
    let same = rubric(&[
        "diff",
        "tests/diff/base.policy",
        "tests/diff/layout_only.policy",
    ]);
    assert_eq!(same.status.code(), Some(0), "{same:?}");
    assert!(String::from_utf8_lossy(&same.stdout).contains("the two versions are the same"));
    let wording = rubric(&["diff", "tests/diff/base.policy", "tests/diff/header.policy"]);
    assert_eq!(wording.status.code(), Some(0), "{wording:?}");
    let differ = rubric(&[
        "diff",
        "tests/diff/base.policy",
        "tests/diff/thresholds.policy",
    ]);
    assert_eq!(differ.status.code(), Some(1));
    let missing = rubric(&[
        "diff",
        "tests/diff/base.policy",
        "tests/diff/no_such.policy",
    ]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&missing.stderr)
            .contains("cannot read `tests/diff/no_such.policy`")
    );
    let broken = rubric(&[
        "diff",
        "tests/diff/base.policy",
        "tests/diagnostics/policy/E0201_unknown_exam_typo.policy",
    ]);
    assert_eq!(broken.status.code(), Some(2), "{broken:?}");
}

#[test]
fn a_version_can_be_read_from_git() {
    let dir = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .args(args)
            .current_dir(dir.path())
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .output();
        out.is_ok_and(|o| o.status.success())
    };
    if !git(&["init", "-q", "-b", "main"]) {
        eprintln!("git is not available: skipping");
        return;
    }
    let base = read(&fixture("base.policy"));
    std::fs::write(dir.path().join("sample.policy"), &base).unwrap();
    assert!(git(&["add", "sample.policy"]));
    assert!(git(&["commit", "-q", "-m", "first"]));
    std::fs::write(
        dir.path().join("sample.policy"),
        read(&fixture("thresholds.policy")),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rubric"))
        .args([
            "diff",
            "main:sample.policy",
            "sample.policy",
            "--format",
            "json",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["old"]["file"], "main:sample.policy");
    assert_eq!(doc["effect"], "unproven");
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_rubric"))
        .args(["diff", "nosuchrev:sample.policy", "sample.policy"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("at revision `nosuchrev`"));
}
