//! Rendering the competency's requirements page from the checked policy
//! ([`crate::model::Policy`]): the page a partner program publishes, built
//! from the rules that are evaluated so that the two cannot drift apart, in
//! any shipped language ([`l10n`]), as Markdown or a standalone HTML page.
//!
//! ```
//! use rubric::doc::{render, Format, Language, Options};
//! let policy = rubric::load_policy(r#"competency demo "Demo" {
//!     tiers silver
//!     exam AZ-900 "Azure Fundamentals"
//!     group basics = any of AZ-900
//!     option main "Main option" { tier silver { require distinct people { 1 passing basics } } }
//! }"#).unwrap();
//! let page = render(&policy, &Options { language: Language::English, format: Format::Markdown }, None).unwrap();
//! assert!(page.contains("1 individual must pass one of the following:"));
//! assert!(page.contains("`AZ-900`: Azure Fundamentals"));
//! ```

mod build;
mod html;
pub mod l10n;
mod markdown;
pub mod page;

pub use l10n::Language;

use crate::diff::Diff;
use crate::model::Policy;

/// How to write the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Markdown with front matter and heading anchors, for documentation sites.
    Markdown,
    /// A standalone HTML page with no external assets.
    Html,
}

/// What page to render.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// Its language.
    pub language: Language,
    /// Markdown or HTML.
    pub format: Format,
}

/// An older version to append the changes since, as "What changed since
/// version X".
#[derive(Clone, Copy, Debug)]
pub struct Since<'a> {
    /// The semantic diff from the older version to this one.
    pub diff: &'a Diff,
    /// The older version.
    pub old: crate::report::diff::Version<'a>,
    /// This version.
    pub new: crate::report::diff::Version<'a>,
}

/// Why a page cannot be rendered: a catalogue shipped broken (caught by the
/// tests before it ships).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum DocError {
    /// A catalogue does not parse.
    #[error("the `{language}` phrase catalogue is broken: {reason}")]
    #[diagnostic(code(rubric::doc::catalogue))]
    Catalogue {
        /// Its language tag.
        language: &'static str,
        /// Why.
        reason: String,
    },
    /// A phrase the page needs is missing from a catalogue.
    #[error("the `{language}` phrase catalogue has no phrase `{id}`")]
    #[diagnostic(code(rubric::doc::missing_phrase))]
    MissingPhrase {
        /// Its language tag.
        language: &'static str,
        /// The phrase.
        id: String,
    },
    /// A phrase cannot be formatted.
    #[error("the `{language}` phrase `{id}` cannot be formatted: {reason}")]
    #[diagnostic(code(rubric::doc::phrase))]
    Phrase {
        /// Its language tag.
        language: &'static str,
        /// The phrase.
        id: String,
        /// Why.
        reason: String,
    },
}

/// The page's content, in `language`, before it is written out.
pub fn page(
    policy: &Policy,
    language: Language,
    since: Option<Since<'_>>,
) -> Result<page::Page, DocError> {
    let catalogue = l10n::Catalogue::new(language)?;
    build::page(policy, &catalogue, since)
}

/// The requirements page of `policy`, as `options` say; with `since`, the
/// changes since an older version are appended.
pub fn render(
    policy: &Policy,
    options: &Options,
    since: Option<Since<'_>>,
) -> Result<String, DocError> {
    let page = page(policy, options.language, since)?;
    Ok(match options.format {
        Format::Markdown => markdown::write(&page),
        Format::Html => html::write(&page),
    })
}
