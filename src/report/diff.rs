//! Renderings of a semantic diff ([`crate::diff`]): for a program designer
//! (human), for release notes (Markdown) and for tools (JSON).
//!
//! All three group the changes the same way: the competency's header and
//! declarations first, then option by option and tier by tier. Every change
//! names its place in both files as `line:column`.

use serde::Serialize;

use crate::diff::{Change, Diff, Effect, Scope};
use crate::model::Policy;

use crate::source::line_column;

/// One of the two versions compared.
#[derive(Clone, Copy, Debug)]
pub struct Version<'a> {
    /// The file as the user named it (a path, or `REV:PATH`).
    pub name: &'a str,
    /// Its text, to turn spans into lines and columns.
    pub source: &'a str,
    /// Its checked model.
    pub policy: &'a Policy,
}

/// A change's place: `line:column` in the old and the new file.
fn places(
    change: &Change,
    old: &Version<'_>,
    new: &Version<'_>,
) -> (Option<String>, Option<String>) {
    let at = |span: Option<crate::ast::Span>, v: &Version<'_>| {
        span.map(|s| {
            let (line, column) = line_column(v.source, s.start);
            format!("{line}:{column}")
        })
    };
    (at(change.old_span, old), at(change.new_span, new))
}

/// What changed, in one sentence: `threshold of `crm` in `developed`:
/// 300,000 USD → 330,000 USD (+10%)`.
pub fn sentence(change: &Change) -> String {
    let mut text = match (&change.old, &change.new) {
        (Some(old), Some(new)) => format!("{}: {old} → {new}", change.subject),
        (None, Some(new)) if new == "declared" || new == "required" || new == "defined" => {
            format!("{} added", change.subject)
        }
        (None, Some(new)) => format!("{} added: {new}", change.subject),
        (Some(old), None) if old == "declared" || old == "required" || old == "defined" => {
            format!("{} removed", change.subject)
        }
        (Some(old), None) => format!("{} removed (was {old})", change.subject),
        (None, None) if change.old_span.is_none() => format!("{} added", change.subject),
        (None, None) if change.new_span.is_none() => format!("{} removed", change.subject),
        (None, None) => change.subject.clone(),
    };
    if let Some(note) = &change.note {
        if change.effect == Effect::Unproven {
            text.push_str(&format!(" — {note}"));
        } else {
            text.push_str(&format!(" ({note})"));
        }
    }
    text
}

/// A scope's heading: `Competency`, `Option `reseller``, `Option
/// `reseller`, tier `gold``.
fn heading(scope: &Scope) -> String {
    match scope {
        Scope::Competency => "Competency".to_owned(),
        Scope::Option { option } => format!("Option `{option}`"),
        Scope::Tier { option, tier } => format!("Option `{option}`, tier `{tier}`"),
    }
}

/// The changes in report order, grouped by scope: the competency first,
/// then each option followed by its tiers, in the order they first appear.
fn grouped(diff: &Diff) -> Vec<(&Scope, Vec<&Change>)> {
    let mut groups: Vec<(&Scope, Vec<&Change>)> = Vec::new();
    let option_of = |s: &Scope| match s {
        Scope::Competency => None,
        Scope::Option { option } | Scope::Tier { option, .. } => Some(option.clone()),
    };
    let mut order: Vec<&Scope> = Vec::new();
    for change in &diff.changes {
        if !order.contains(&&change.scope) {
            order.push(&change.scope);
        }
    }
    // Keep first appearance, but put an option's own changes before its tiers.
    order.sort_by_key(|s| {
        let first = diff
            .changes
            .iter()
            .position(|c| option_of(&c.scope) == option_of(s))
            .unwrap_or(usize::MAX);
        let rank = match s {
            Scope::Competency => 0,
            Scope::Option { .. } => 1,
            Scope::Tier { .. } => 2,
        };
        let own = diff
            .changes
            .iter()
            .position(|c| &c.scope == *s)
            .unwrap_or(usize::MAX);
        (if rank == 0 { 0 } else { 1 }, first, rank, own)
    });
    for scope in order {
        let changes = diff.changes.iter().filter(|c| &c.scope == scope).collect();
        groups.push((scope, changes));
    }
    groups
}

/// A version's label: `2017-06 (old.policy)`.
fn label(v: &Version<'_>) -> String {
    match &v.policy.version {
        Some(version) => format!("{version} ({})", v.name),
        None => v.name.to_owned(),
    }
}

/// How many changes of each effect, e.g. `3 changes: 2 stricter, 1 neutral`.
fn tally(diff: &Diff) -> String {
    let n = diff.changes.len();
    let mut parts = Vec::new();
    for effect in [
        Effect::Stricter,
        Effect::Looser,
        Effect::Mixed,
        Effect::Unproven,
        Effect::Neutral,
    ] {
        let count = diff.changes.iter().filter(|c| c.effect == effect).count();
        if count > 0 {
            parts.push(format!("{count} {}", effect.word()));
        }
    }
    let noun = if n == 1 { "change" } else { "changes" };
    format!("{n} {noun}: {}", parts.join(", "))
}

/// The overall verdict in a sentence.
fn verdict(diff: &Diff) -> String {
    match diff.effect() {
        Effect::Neutral if diff.changes.is_empty() => "the two versions are the same".to_owned(),
        Effect::Neutral => "the two versions mean the same for every partner".to_owned(),
        Effect::Stricter => "stricter: some partners may lose a tier, none can gain one".to_owned(),
        Effect::Looser => "looser: some partners may gain a tier, none can lose one".to_owned(),
        Effect::Mixed => "mixed: partners may move both ways".to_owned(),
        Effect::Unproven => "unproven: some changes have no direction Rubric can prove".to_owned(),
    }
}

/// For a program designer: a heading per scope, one line per change with
/// its effect first, and its places in both files under it.
pub fn human(diff: &Diff, old: &Version<'_>, new: &Version<'_>) -> String {
    let mut out = format!(
        "`{}`: {} → {}\n{}\n",
        new.policy.id,
        label(old),
        label(new),
        verdict(diff)
    );
    if diff.changes.is_empty() {
        return out;
    }
    out.push_str(&tally(diff));
    out.push('\n');
    for (scope, changes) in grouped(diff) {
        out.push_str(&format!("\n{}\n", heading(scope)));
        for change in changes {
            out.push_str(&format!(
                "  {:<9} {}\n",
                change.effect.word(),
                sentence(change)
            ));
            let (a, b) = places(change, old, new);
            let at = match (a, b) {
                (Some(a), Some(b)) => format!("{}:{a} → {}:{b}", old.name, new.name),
                (Some(a), None) => format!("{}:{a}", old.name),
                (None, Some(b)) => format!("{}:{b}", new.name),
                (None, None) => continue,
            };
            out.push_str(&format!("  {:<9} {at}\n", ""));
        }
    }
    out
}

/// A changelog for release notes: a heading, the verdict, then a section
/// per scope with one bullet per change.
pub fn markdown(diff: &Diff, old: &Version<'_>, new: &Version<'_>) -> String {
    let title = new.policy.title.as_deref().unwrap_or(&new.policy.id);
    let version = |v: &Version<'_>| {
        v.policy
            .version
            .clone()
            .unwrap_or_else(|| v.name.to_owned())
    };
    let mut out = format!(
        "## {title}: changes from {} to {}\n\n",
        version(old),
        version(new)
    );
    let mut verdict = verdict(diff);
    if let Some(first) = verdict.get(..1) {
        verdict = format!(
            "{}{}",
            first.to_uppercase(),
            verdict.get(1..).unwrap_or_default()
        );
    }
    out.push_str(&format!("**{verdict}.**"));
    if !diff.changes.is_empty() {
        out.push_str(&format!(" {}.", tally(diff)));
    }
    out.push('\n');
    for (scope, changes) in grouped(diff) {
        out.push_str(&format!("\n### {}\n\n", heading(scope)));
        for change in changes {
            out.push_str(&format!(
                "- **{}**: {}\n",
                change.effect.word(),
                sentence(change)
            ));
        }
    }
    out
}

#[derive(Serialize)]
struct VersionJson<'a> {
    file: &'a str,
    id: &'a str,
    version: Option<&'a str>,
    effective: Option<String>,
}

fn version_json<'a>(v: &Version<'a>) -> VersionJson<'a> {
    VersionJson {
        file: v.name,
        id: &v.policy.id,
        version: v.policy.version.as_deref(),
        effective: v.policy.effective.map(|d| d.to_string()),
    }
}

#[derive(Serialize)]
struct ChangeJson<'a> {
    #[serde(flatten)]
    change: &'a Change,
    text: String,
    old_at: Option<String>,
    new_at: Option<String>,
}

#[derive(Serialize)]
struct DiffJson<'a> {
    old: VersionJson<'a>,
    new: VersionJson<'a>,
    effect: Effect,
    same_meaning: bool,
    changes: Vec<ChangeJson<'a>>,
}

/// For tools: one JSON document with both versions, the overall effect and
/// every change with its kind, scope, values, effect and places.
pub fn json(
    diff: &Diff,
    old: &Version<'_>,
    new: &Version<'_>,
) -> Result<String, serde_json::Error> {
    let changes = diff
        .changes
        .iter()
        .map(|change| {
            let (old_at, new_at) = places(change, old, new);
            ChangeJson {
                change,
                text: sentence(change),
                old_at,
                new_at,
            }
        })
        .collect();
    let document = DiffJson {
        old: version_json(old),
        new: version_json(new),
        effect: diff.effect(),
        same_meaning: diff.same_meaning(),
        changes,
    };
    let mut text = serde_json::to_string_pretty(&document)?;
    text.push('\n');
    Ok(text)
}
