//! `rubric doc` from the command line: languages, output files, the change
//! log since an older version, and translations as the formatter writes
//! them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::process::Command;

const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");

fn rubric(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_rubric"))
        .args(args)
        .current_dir(MANIFEST_DIR)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn the_korean_page_has_the_published_structure() {
    let (code, page, _) = rubric(&["doc", "policies/cloud_crm.policy", "--lang", "ko"]);
    assert_eq!(code, 0);
    for line in [
        "# 클라우드 CRM(Customer Relationship Management) 역량 {#cloud-crm}",
        "## 클라우드 CRM 리셀러 옵션 {#reseller}",
        "### 실버 역량 {#reseller-silver}",
        "### 골드 역량 {#reseller-gold}",
        "1. 조직은 다음 성과 요구 사항을 충족해야 합니다",
        "   - 선진 시장: 최소 US$100,000",
        "2. 조직의 개인 2명이 시험에 합격해야 합니다",
        "   1명이 다음 시험 중 하나에 합격해야 합니다.",
        "   동일한 1명이 다음 시험 중 하나에도 합격해야 합니다.",
        "   다른 1명이 다음 시험 중 하나에 합격해야 합니다.",
        "2. 조직의 개인 4명이 시험에 합격해야 합니다",
        "- 시행일: 2017년 6월 27일",
    ] {
        assert!(
            page.lines().any(|l| l == line),
            "no line `{line}` in\n{page}"
        );
    }
    // Silver before gold: ladder order.
    assert!(page.find("{#reseller-silver}") < page.find("{#reseller-gold}"));
    // Exam titles stay in English, as on the published page.
    assert!(page.contains("`MB2-714`: Dynamics CRM Customer Service"));
}

#[test]
fn english_ignores_the_korean_translation() {
    let (code, page, _) = rubric(&["doc", "policies/cloud_crm.policy", "--lang", "en"]);
    assert_eq!(code, 0);
    assert!(page.contains("## Cloud CRM reseller option {#reseller}"));
    assert!(page.contains("   - Developed markets: at least US$100,000"));
    assert!(!page.contains("선진"));
}

#[test]
fn a_region_tag_uses_its_language_and_an_unknown_one_is_refused() {
    let (code, page, _) = rubric(&["doc", "policies/cloud_crm.policy", "--lang", "ko-KR"]);
    assert_eq!(code, 0);
    assert!(page.contains("lang: ko"));
    let (code, _, stderr) = rubric(&["doc", "policies/cloud_crm.policy", "--lang", "fr"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("no phrase catalogue for `fr`; shipped: en, ko"),
        "{stderr}"
    );
}

#[test]
fn output_file_gets_the_html_page() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("page.html");
    let (code, stdout, _) = rubric(&[
        "doc",
        "policies/cloud_platform.policy",
        "--format",
        "html",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    assert!(stdout.is_empty());
    let html = std::fs::read_to_string(out).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(html.contains("@media print"));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no external assets"
    );
}

#[test]
fn since_an_older_version_appends_the_change_log() {
    let (code, page, _) = rubric(&[
        "doc",
        "policies/history/cloud_crm.2018-01.policy",
        "--since",
        "policies/history/cloud_crm.2017-10.policy",
    ]);
    assert_eq!(code, 0);
    let (_, rest) = page
        .split_once("## What changed since version 2017-10 {#changes}\n")
        .unwrap();
    assert!(
        rest.contains(
            "### Cloud Customer Relationship Management: changes from 2017-10 to 2018-01"
        )
    );
    assert!(rest.contains(
        "- **stricter**: threshold of `crm` in `developed`: 300,000 USD → 330,000 USD (+10%)"
    ));
    // The page above it is the new version's.
    assert!(page.contains("   - Developed markets: at least US$330,000"));
}

#[test]
fn a_policy_with_errors_renders_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.policy");
    std::fs::write(&path, "competency x { tiers silver }").unwrap();
    let (code, stdout, stderr) = rubric(&["doc", path.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(stdout.is_empty());
    assert!(stderr.contains("no page was rendered"), "{stderr}");
}

#[test]
fn fmt_lays_out_a_translation_and_keeps_its_comments() {
    let messy = r#"competency demo "Demo" {
  tiers silver
  market developed "Developed markets"
  exam AZ-900 "Azure Fundamentals"
  group basics = any of AZ-900
  option main "Main option" { tier silver { require distinct people { 1 passing basics } } }
  translation   ko-KR {   # Korean
       competency "데모"
    summary   "요약"
  option main "기본 옵션"
      market developed "선진 시장"   // the heading
    exam AZ-900 "Azure 기초"
  }
}
"#;
    let formatted = rubric::format::format(messy).unwrap();
    let expected_block = r#"  translation ko-KR { # Korean
    competency "데모"
    summary "요약"
    option main "기본 옵션"
    market developed "선진 시장" // the heading
    exam AZ-900 "Azure 기초"
  }
}
"#;
    assert!(formatted.ends_with(expected_block), "{formatted}");
    assert_eq!(
        rubric::format::format(&formatted).unwrap(),
        formatted,
        "idempotent"
    );
    let policy = rubric::load_policy(&formatted).unwrap();
    let t = &policy.translations[0];
    assert_eq!(t.language, "ko-KR");
    assert_eq!(t.title.as_deref(), Some("데모"));
    assert_eq!(t.summary.as_deref(), Some("요약"));
    assert_eq!(
        policy.translated_title("ko", rubric::model::Subject::Credential("AZ-900")),
        Some("Azure 기초")
    );
    assert_eq!(
        policy.translated_title("en", rubric::model::Subject::Option("main")),
        None
    );
}
