//! `rubric doc POLICY`: the competency's requirements page, rendered from
//! the checked policy in a shipped language, as Markdown or HTML; with
//! `--since OLD`, the changes since an older version appended.

use std::io::Write as _;

use rubric::doc::{Format as PageFormat, Language, Options, Since};
use rubric::report::diff::Version;

use super::{Exit, checked, emit};

/// Arguments of `rubric doc`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The policy file (or `REV:PATH`, read from git).
    #[arg(value_name = "POLICY")]
    pub policy: String,
    /// Markdown for documentation sites, or a standalone HTML page.
    #[arg(long, value_enum, default_value_t = Format::Markdown)]
    pub format: Format,
    /// The page's language: a shipped catalogue's tag (`en`, `ko`).
    #[arg(long, value_name = "TAG", default_value = "en", value_parser = parse_language)]
    pub lang: Language,
    /// Write the page to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,
    /// An older version of the policy (a file or `REV:PATH`): append "What
    /// changed since version X".
    #[arg(long, value_name = "OLD")]
    pub since: Option<String>,
}

/// `--format` of `rubric doc`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Markdown with front matter and heading anchors.
    Markdown,
    /// A standalone HTML page.
    Html,
}

/// `--lang`: a shipped language.
fn parse_language(tag: &str) -> Result<Language, String> {
    Language::from_tag(tag).ok_or_else(|| {
        let shipped: Vec<&str> = Language::ALL.iter().map(|l| l.tag()).collect();
        format!(
            "no phrase catalogue for `{tag}`; shipped: {}",
            shipped.join(", ")
        )
    })
}

/// Renders the page. Exit 0 when written, 1 when a policy has errors, 2 on
/// usage or I/O errors.
pub fn run(args: &Args) -> Exit {
    let Some(text) = super::diff::read(&args.policy) else {
        return Exit::Usage;
    };
    let Some(policy) = checked(&args.policy, &text, "no page was rendered") else {
        return Exit::Invalid;
    };
    let old = match &args.since {
        Some(name) => {
            let Some(old_text) = super::diff::read(name) else {
                return Exit::Usage;
            };
            let Some(old) = checked(name, &old_text, "no page was rendered") else {
                return Exit::Invalid;
            };
            Some((name.as_str(), old_text, old))
        }
        None => None,
    };
    let diff = old
        .as_ref()
        .map(|(_, _, old)| rubric::diff::diff(old, &policy));
    let since = match (&old, &diff) {
        (Some((name, old_text, old)), Some(diff)) => Some(Since {
            diff,
            old: Version {
                name,
                source: old_text,
                policy: old,
            },
            new: Version {
                name: &args.policy,
                source: &text,
                policy: &policy,
            },
        }),
        _ => None,
    };
    let options = Options {
        language: args.lang,
        format: match args.format {
            Format::Markdown => PageFormat::Markdown,
            Format::Html => PageFormat::Html,
        },
    };
    let page = match rubric::doc::render(&policy, &options, since) {
        Ok(page) => page,
        Err(err) => {
            emit(&err);
            return Exit::Invalid;
        }
    };
    match &args.output {
        Some(path) => {
            if let Err(err) = std::fs::write(path, page) {
                eprintln!("error: cannot write `{}`: {err}", path.display());
                return Exit::Usage;
            }
        }
        None => {
            if std::io::stdout().write_all(page.as_bytes()).is_err() {
                return Exit::Usage;
            }
        }
    }
    Exit::Success
}
