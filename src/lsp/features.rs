//! The requests that need places: hover, go to definition, references,
//! completion, formatting, rename, code actions and the outline. Each reads
//! an open document's syntax tree, name index and diagnostics.

use std::collections::{BTreeSet, HashSet};

use lsp_server::ErrorCode;
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, CompletionItem,
    CompletionItemKind, CompletionParams, CompletionResponse, DocumentFormattingParams,
    DocumentSymbol, DocumentSymbolParams, DocumentSymbolResponse, GotoDefinitionParams,
    GotoDefinitionResponse, Hover, HoverContents, HoverParams, Location, MarkupContent, MarkupKind,
    PrepareRenameResponse, ReferenceParams, RenameParams, SymbolKind, TextDocumentPositionParams,
    TextEdit, WorkspaceEdit,
};

use super::document::{Document, labels};
use super::names::{NameKind, Occurrence};
use super::{Failure, Server};
use crate::ast::{self, Span};
use crate::explain::Explanation;
use crate::syntax::keywords::{self, Place};

impl Server {
    pub(super) fn hover(&mut self, p: HoverParams) -> Result<Option<Hover>, Failure> {
        let at = &p.text_document_position_params;
        let doc = self.document(&at.text_document.uri)?;
        let offset = doc.offset(at.position);
        let (Some(file), Some(occurrence)) = (&doc.analysis.file, doc.analysis.names.at(offset))
        else {
            return Ok(None);
        };
        let text = describe(doc, file, occurrence, offset);
        Ok(text.map(|value| Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value,
            }),
            range: Some(doc.range(occurrence.span)),
        }))
    }

    pub(super) fn definition(
        &mut self,
        p: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>, Failure> {
        let at = &p.text_document_position_params;
        let doc = self.document(&at.text_document.uri)?;
        let Some(occurrence) = doc.analysis.names.at(doc.offset(at.position)) else {
            return Ok(None);
        };
        let locations: Vec<Location> = doc
            .analysis
            .names
            .declarations(occurrence)
            .map(|o| doc.location(o.span))
            .collect();
        Ok((!locations.is_empty()).then_some(GotoDefinitionResponse::Array(locations)))
    }

    pub(super) fn references(
        &mut self,
        p: ReferenceParams,
    ) -> Result<Option<Vec<Location>>, Failure> {
        let at = &p.text_document_position;
        let doc = self.document(&at.text_document.uri)?;
        let Some(occurrence) = doc.analysis.names.at(doc.offset(at.position)) else {
            return Ok(None);
        };
        let with_declaration = p.context.include_declaration;
        Ok(Some(
            doc.analysis
                .names
                .references(occurrence)
                .filter(|o| with_declaration || !o.declaration)
                .map(|o| doc.location(o.span))
                .collect(),
        ))
    }

    pub(super) fn completion(
        &mut self,
        p: CompletionParams,
    ) -> Result<Option<CompletionResponse>, Failure> {
        let at = &p.text_document_position;
        let doc = self.document(&at.text_document.uri)?;
        let offset = doc.offset(at.position);
        Ok(Some(CompletionResponse::Array(complete(doc, offset))))
    }

    pub(super) fn formatting(
        &mut self,
        p: DocumentFormattingParams,
    ) -> Result<Option<Vec<TextEdit>>, Failure> {
        let doc = self.document(&p.text_document.uri)?;
        match crate::format::format(&doc.text) {
            Ok(formatted) if formatted == doc.text => Ok(Some(Vec::new())),
            Ok(formatted) => Ok(Some(vec![TextEdit::new(
                doc.range(Span::new(0, doc.text.len())),
                formatted,
            )])),
            Err(error) => {
                let (line, column) = doc.lines.line_column(&doc.text, error.offset());
                Err(Failure::new(
                    ErrorCode::RequestFailed,
                    format!(
                        "cannot format a policy with a syntax error (line {line}, column {column}): {error}"
                    ),
                ))
            }
        }
    }

    pub(super) fn prepare_rename(
        &mut self,
        p: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>, Failure> {
        let doc = self.document(&p.text_document.uri)?;
        let Some(occurrence) = doc.analysis.names.at(doc.offset(p.position)) else {
            return Ok(None);
        };
        Ok(Some(PrepareRenameResponse::RangeWithPlaceholder {
            range: doc.range(occurrence.span),
            placeholder: occurrence.name.clone(),
        }))
    }

    pub(super) fn rename(&mut self, p: RenameParams) -> Result<Option<WorkspaceEdit>, Failure> {
        let at = &p.text_document_position;
        let doc = self.document(&at.text_document.uri)?;
        let Some(occurrence) = doc.analysis.names.at(doc.offset(at.position)) else {
            return Ok(None);
        };
        let new_name = p.new_name.trim();
        let bare = is_name(occurrence.kind, new_name);
        if !matches!(occurrence.kind, NameKind::Credential | NameKind::Product) && !bare {
            return Err(Failure::new(
                ErrorCode::InvalidParams,
                format!(
                    "`{new_name}` is not a {} name: use letters, digits and `_`, not starting with a digit, and no keyword",
                    occurrence.kind.word()
                ),
            ));
        }
        let edits: Vec<TextEdit> = doc
            .analysis
            .names
            .references(occurrence)
            .map(|o| {
                // A credential code keeps its quotes, and gets them when the
                // new code cannot be written bare.
                let text = if o.quoted || !bare {
                    quoted(new_name)
                } else {
                    new_name.to_owned()
                };
                TextEdit::new(doc.range(o.span), text)
            })
            .collect();
        Ok(Some(workspace_edit(doc, edits)))
    }

    pub(super) fn code_actions(
        &mut self,
        p: CodeActionParams,
    ) -> Result<Option<Vec<CodeActionOrCommand>>, Failure> {
        let doc = self.document(&p.text_document.uri)?;
        let wanted = Span::new(doc.offset(p.range.start), doc.offset(p.range.end));
        let mut actions = Vec::new();
        let published = doc.diagnostics(&mut |_| None);
        for (diagnostic, shown) in doc.analysis.diagnostics.iter().zip(published_for(
            doc,
            &doc.analysis.diagnostics,
            &published,
        )) {
            let (Some((span, _)), _) = labels(diagnostic) else {
                continue;
            };
            if span.end < wanted.start || wanted.end < span.start {
                continue;
            }
            let fix = |title: String, edits: Vec<TextEdit>, preferred: bool| {
                CodeActionOrCommand::CodeAction(CodeAction {
                    title,
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: shown.clone().map(|d| vec![d]),
                    edit: Some(workspace_edit(doc, edits)),
                    is_preferred: Some(preferred),
                    ..CodeAction::default()
                })
            };
            use miette::Diagnostic as _;
            let help = diagnostic.help().map(|h| h.to_string()).unwrap_or_default();
            if let Some(suggestion) = did_you_mean(&help) {
                let written = doc.slice(span);
                // A quoted credential stays quoted.
                let text = if written.starts_with('"') {
                    quoted(suggestion)
                } else {
                    suggestion.to_owned()
                };
                actions.push(fix(
                    format!("Replace with `{suggestion}`"),
                    vec![TextEdit::new(doc.range(span), text)],
                    true,
                ));
            }
            let declare = match diagnostic.code_text().as_str() {
                "E0204" => Some(NameKind::Market),
                "E0205" => Some(NameKind::Association),
                "E0210" => Some(NameKind::Attribute),
                "E0202" => Some(NameKind::Group),
                "E0326" => Some(NameKind::Field),
                _ => None,
            };
            if !diagnostic.is_error()
                && let Some(file) = &doc.analysis.file
                && let Some((tier, edit)) = allow_edit(doc, file, &diagnostic.code_text(), span)
            {
                actions.push(fix(
                    format!(
                        "Allow {} in tier `{tier}` (write the reason between the quotes)",
                        diagnostic.code_text()
                    ),
                    vec![edit],
                    false,
                ));
            }
            if let (Some(kind), Some(file)) = (declare, &doc.analysis.file) {
                let name = doc.slice(span).to_owned();
                if let Some(edit) = declaration_edit(doc, file, kind, &name) {
                    actions.push(fix(
                        format!("Declare {} `{name}`", kind.word()),
                        vec![edit],
                        false,
                    ));
                }
            }
        }
        Ok(Some(actions))
    }

    pub(super) fn document_symbols(
        &mut self,
        p: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>, Failure> {
        let doc = self.document(&p.text_document.uri)?;
        let Some(file) = &doc.analysis.file else {
            return Ok(None);
        };
        Ok(Some(DocumentSymbolResponse::Nested(vec![outline(
            doc, file,
        )])))
    }
}

/// Edits of one document, as a workspace edit.
#[expect(
    clippy::mutable_key_type,
    reason = "lsp-types keys a workspace edit's changes by `Uri`, whose hash never changes"
)]
fn workspace_edit(doc: &Document, edits: Vec<TextEdit>) -> WorkspaceEdit {
    let mut changes = std::collections::HashMap::new();
    changes.insert(doc.uri.clone(), edits);
    WorkspaceEdit::new(changes)
}

/// The published diagnostic of each finding, `None` for an allowed lint.
fn published_for(
    doc: &Document,
    diagnostics: &[crate::PolicyDiagnostic],
    published: &[lsp_types::Diagnostic],
) -> Vec<Option<lsp_types::Diagnostic>> {
    let mut published = published.iter();
    diagnostics
        .iter()
        .map(|d| {
            let allowed = !d.is_error() && doc.levels.level(&d.code_text()).is_none();
            if allowed {
                None
            } else {
                published.next().cloned()
            }
        })
        .collect()
}

/// The name in a help's "did you mean `X`?", if it has one.
fn did_you_mean(help: &str) -> Option<&str> {
    let rest = help.split("did you mean `").nth(1)?;
    let end = rest.find("`?")?;
    rest.get(..end)
}

/// `text` as a policy string, with `"` and `\` escaped.
fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Whether `name` can be written bare for a name of `kind`: an identifier
/// that is no keyword, or for a credential a bare exam code.
fn is_name(kind: NameKind, name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    if kind == NameKind::Credential {
        return first.is_ascii_alphanumeric()
            && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            && keywords::by_word(name).is_none();
    }
    (first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && keywords::by_word(name).is_none()
}

/// An edit that declares `name` as a `kind`: after the last declaration of
/// that kind, else at the top of the competency, indented like its items.
fn declaration_edit(
    doc: &Document,
    file: &ast::PolicyFile,
    kind: NameKind,
    name: &str,
) -> Option<TextEdit> {
    let line = match kind {
        NameKind::Market => format!("market {name} {}", quoted(name)),
        NameKind::Association => format!("association {name} {}", quoted(name)),
        NameKind::Attribute => format!("attribute {name} {}", quoted(name)),
        NameKind::Group => format!("group {name} = any of"),
        NameKind::Field => format!("field {name} {}", quoted(name)),
        _ => return None,
    };
    let items = &file.competency.items;
    let same_kind = |item: &ast::Item| match (kind, item) {
        (NameKind::Market, ast::Item::Market(d))
        | (NameKind::Association, ast::Item::Association(d))
        | (NameKind::Attribute, ast::Item::Attribute(d)) => Some(d.span),
        (NameKind::Group, ast::Item::Group(g)) => Some(g.span),
        (NameKind::Field, ast::Item::Field(f)) => Some(f.span),
        _ => None,
    };
    let anchor = items.iter().filter_map(same_kind).next_back();
    let first = items.first().map(item_span);
    let (at, indent) = match (anchor, first) {
        // After the line of the last declaration of this kind.
        (Some(span), _) => (
            line_end(&doc.text, span.end),
            indent_of(&doc.text, span.start),
        ),
        // Before the first item, on a line of its own.
        (None, Some(span)) => {
            let start = line_start(&doc.text, span.start);
            let indent = indent_of(&doc.text, span.start);
            let edit = TextEdit::new(
                doc.range(Span::new(start, start)),
                format!("{indent}{line}\n"),
            );
            return Some(edit);
        }
        (None, None) => {
            let open = doc.slice(file.competency.span).find('{')? + file.competency.span.start;
            (open + 1, "  ".to_owned())
        }
    };
    Some(TextEdit::new(
        doc.range(Span::new(at, at)),
        format!("\n{indent}{line}"),
    ))
}

/// The span of a top-level item.
fn item_span(item: &ast::Item) -> Span {
    match item {
        ast::Item::Version(_, s)
        | ast::Item::Effective(_, s)
        | ast::Item::Source(_, s)
        | ast::Item::Currency(_, s)
        | ast::Item::Tiers(_, s) => *s,
        ast::Item::Market(d) | ast::Item::Association(d) | ast::Item::Attribute(d) => d.span,
        ast::Item::Field(f) => f.span,
        ast::Item::Exam(e) => e.span,
        ast::Item::Group(g) => g.span,
        ast::Item::Measure(m) => m.span,
        ast::Item::Option(o) => o.span,
        #[allow(unreachable_patterns)]
        _ => Span::default(),
    }
}

fn line_start(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1)
}

/// The end of the line holding `offset`, before its line break.
fn line_end(text: &str, offset: usize) -> usize {
    let rest = text.get(offset..).unwrap_or("");
    let end = rest.find('\n').map_or(text.len(), |i| offset + i);
    if text.get(..end).is_some_and(|t| t.ends_with('\r')) {
        end - 1
    } else {
        end
    }
}

/// An `allow CODE ""` line opening the tier that holds `span`, with the
/// tier's name. The reason is left empty: only the designer knows it, and
/// the checker (E0339) asks for it until it is written.
fn allow_edit(
    doc: &Document,
    file: &ast::PolicyFile,
    code: &str,
    span: Span,
) -> Option<(String, TextEdit)> {
    let tier = file.competency.items.iter().find_map(|item| match item {
        ast::Item::Option(o) => o
            .tiers
            .iter()
            .find(|t| t.span.start <= span.start && span.end <= t.span.end),
        _ => None,
    })?;
    // The formatter keeps `tier NAME {` on one line: the new line goes
    // after it, one step further in.
    let at = line_end(&doc.text, tier.span.start);
    let indent = indent_of(&doc.text, tier.span.start);
    let range = doc.range(Span::new(at, at));
    Some((
        tier.name.name.clone(),
        TextEdit::new(range, format!("\n{indent}  allow {code} \"\"")),
    ))
}

/// The spaces and tabs that start the line holding `offset`.
fn indent_of(text: &str, offset: usize) -> String {
    let start = line_start(text, offset);
    text.get(start..)
        .unwrap_or("")
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect()
}

/// The hover text of a name.
fn describe(
    doc: &Document,
    file: &ast::PolicyFile,
    occurrence: &Occurrence,
    offset: usize,
) -> Option<String> {
    let items = &file.competency.items;
    let key = occurrence.kind.key(&occurrence.name);
    let title = |t: &Option<ast::Text>| {
        t.as_ref()
            .map(|t| format!(": {}", t.value))
            .unwrap_or_default()
    };
    match occurrence.kind {
        NameKind::Market | NameKind::Association | NameKind::Attribute => {
            items.iter().find_map(|item| {
                let d = match (occurrence.kind, item) {
                    (NameKind::Market, ast::Item::Market(d))
                    | (NameKind::Association, ast::Item::Association(d))
                    | (NameKind::Attribute, ast::Item::Attribute(d)) => d,
                    _ => return None,
                };
                (occurrence.kind.key(&d.id.name) == key).then(|| {
                    format!(
                        "{} `{}`{}",
                        occurrence.kind.word(),
                        d.id.name,
                        title(&d.title)
                    )
                })
            })
        }
        NameKind::Credential => credential(file, &key).map(credential_line),
        NameKind::Field => items.iter().find_map(|item| match item {
            ast::Item::Field(f) if f.id.name == occurrence.name => {
                let values = if f.values.is_empty() {
                    "any value".to_owned()
                } else {
                    let listed: Vec<String> = f.values.iter().map(|v| quoted(&v.value)).collect();
                    format!("one of {}", listed.join(", "))
                };
                Some(format!(
                    "field `{}`{}\n\nlines carry it as `\"{}\"`: {values}",
                    f.id.name,
                    title(&f.title),
                    f.id.name
                ))
            }
            _ => None,
        }),
        NameKind::Group => {
            let group = group(file, &occurrence.name)?;
            let quantifier = match group.quantifier {
                ast::Quantifier::Any => "any of",
                ast::Quantifier::All => "all of",
            };
            let mut out = format!(
                "group `{}` = {quantifier} {}\n\nexpands to:\n",
                group.name.name,
                doc.slice(group.exams_span)
            );
            let mut seen = HashSet::new();
            let mut credentials = BTreeSet::new();
            expand(file, group, &mut seen, &mut credentials);
            for code in credentials {
                match credential(file, &crate::model::exam_key(&code)) {
                    Some(decl) => out.push_str(&format!("- {}\n", credential_line(decl))),
                    None => out.push_str(&format!("- `{code}` (not in the catalog)\n")),
                }
            }
            Some(out)
        }
        NameKind::Measure => {
            let measure = items.iter().find_map(|item| match item {
                ast::Item::Measure(m) if m.name.name == occurrence.name => Some(m),
                _ => None,
            })?;
            let mut out = format!("```rubric\n{}\n```", doc.slice(measure.span).trim());
            if let Some(table) = threshold_table(doc, file, &occurrence.name, offset) {
                out.push_str("\n\n");
                out.push_str(&table);
            }
            Some(out)
        }
        NameKind::Tier => {
            let ladder: Vec<&ast::Ident> = items
                .iter()
                .find_map(|item| match item {
                    ast::Item::Tiers(tiers, _) => Some(tiers.iter().collect()),
                    _ => None,
                })
                .unwrap_or_default();
            let rank = ladder.iter().position(|t| t.name == occurrence.name)?;
            let names: Vec<&str> = ladder.iter().map(|t| t.name.as_str()).collect();
            Some(format!(
                "tier `{}`: rung {} of {} (`tiers {}`, lowest first)",
                occurrence.name,
                rank + 1,
                ladder.len(),
                names.join(", ")
            ))
        }
        NameKind::Product => items.iter().find_map(|item| match item {
            ast::Item::Product(p)
                if std::iter::once(&p.name)
                    .chain(&p.former_names)
                    .any(|n| occurrence.kind.key(&n.value) == key) =>
            {
                let former: Vec<String> = p.former_names.iter().map(|n| quoted(&n.value)).collect();
                Some(if former.is_empty() {
                    format!("product {}", quoted(&p.name.value))
                } else {
                    format!(
                        "product {}, formerly {}",
                        quoted(&p.name.value),
                        former.join(", ")
                    )
                })
            }
            ast::Item::Family(f) if occurrence.kind.key(&f.name.value) == key => {
                let members: Vec<String> = f.members.iter().map(|n| quoted(&n.value)).collect();
                Some(format!(
                    "family {} = {}",
                    quoted(&f.name.value),
                    members.join(", ")
                ))
            }
            _ => None,
        }),
        NameKind::Option => items.iter().find_map(|item| match item {
            ast::Item::Option(o) if o.name.name == occurrence.name => {
                let tiers: Vec<&str> = o.tiers.iter().map(|t| t.name.name.as_str()).collect();
                Some(format!(
                    "option `{}`{}\n\ntiers: {}",
                    o.name.name,
                    title(&o.title),
                    tiers.join(", ")
                ))
            }
            _ => None,
        }),
    }
}

/// The catalog entry with code key `key`.
fn credential<'a>(file: &'a ast::PolicyFile, key: &str) -> Option<&'a ast::ExamDecl> {
    file.competency.items.iter().find_map(|item| match item {
        ast::Item::Exam(e) if crate::model::exam_key(&e.code.code) == key => Some(e),
        _ => None,
    })
}

fn group<'a>(file: &'a ast::PolicyFile, name: &str) -> Option<&'a ast::GroupDecl> {
    file.competency.items.iter().find_map(|item| match item {
        ast::Item::Group(g) if g.name.name == name => Some(g),
        _ => None,
    })
}

/// The credentials a group stands for, through its member groups (each
/// group once, so a cycle, which the checker reports, ends).
fn expand<'a>(
    file: &'a ast::PolicyFile,
    g: &'a ast::GroupDecl,
    seen: &mut HashSet<&'a str>,
    out: &mut BTreeSet<String>,
) {
    if !seen.insert(g.name.name.as_str()) {
        return;
    }
    for member in &g.exams {
        match group(file, &member.code).filter(|_| !member.quoted) {
            Some(inner) => expand(file, inner, seen, out),
            None => {
                out.insert(member.code.clone());
            }
        }
    }
}

/// One line about a credential: kind, code, title and life dates.
fn credential_line(e: &ast::ExamDecl) -> String {
    let kind = keywords::credential(e.kind).word;
    let mut out = format!("{kind} `{}`", e.code.code);
    if let Some(title) = &e.title {
        out.push_str(&format!(": {}", title.value));
    }
    let dates: Vec<String> = [
        ("available from", &e.available_from),
        ("retires", &e.retires),
        ("accepted until", &e.accepted_until),
    ]
    .into_iter()
    .filter_map(|(word, date)| date.as_ref().map(|d| format!("{word} {}", d.text)))
    .collect();
    if !dates.is_empty() {
        out.push_str(&format!(" ({})", dates.join(", ")));
    }
    out
}

/// The thresholds of `measure` in each tier of the option holding
/// `offset`, as a Markdown table of tiers by markets.
fn threshold_table(
    doc: &Document,
    file: &ast::PolicyFile,
    measure: &str,
    offset: usize,
) -> Option<String> {
    let option = file.competency.items.iter().find_map(|item| match item {
        ast::Item::Option(o) if o.span.start <= offset && offset <= o.span.end => Some(o),
        _ => None,
    })?;
    let mut rows: Vec<(&str, Vec<(String, String)>)> = Vec::new();
    for tier in &option.tiers {
        let mut cells = Vec::new();
        thresholds(doc, &tier.requirements, measure, &mut cells);
        if !cells.is_empty() {
            rows.push((tier.name.name.as_str(), cells));
        }
    }
    if rows.is_empty() {
        return None;
    }
    let mut markets: Vec<String> = Vec::new();
    for (_, cells) in &rows {
        for (market, _) in cells {
            if !markets.contains(market) {
                markets.push(market.clone());
            }
        }
    }
    let mut out = format!(
        "thresholds of option `{}`:\n\n| tier | {} |\n|---|{}\n",
        option.name.name,
        markets.join(" | "),
        "---|".repeat(markets.len())
    );
    for (tier, cells) in rows {
        let row: Vec<&str> = markets
            .iter()
            .map(|m| {
                cells
                    .iter()
                    .find(|(market, _)| market == m)
                    .map_or("", |(_, amount)| amount.as_str())
            })
            .collect();
        out.push_str(&format!("| {tier} | {} |\n", row.join(" | ")));
    }
    Some(out)
}

/// The (market, amount) cells of requirements on `measure`; an amount for
/// every market is under `*`.
fn thresholds(
    doc: &Document,
    requirements: &[ast::Requirement],
    measure: &str,
    out: &mut Vec<(String, String)>,
) {
    for requirement in requirements {
        match requirement {
            ast::Requirement::Measure(r) if r.measure.name == measure => match &r.threshold {
                ast::Threshold::Everywhere(amount) => {
                    out.push(("*".to_owned(), doc.slice(amount.span).to_owned()));
                }
                ast::Threshold::PerMarket(markets, _) => {
                    for m in markets {
                        out.push((
                            m.market.text().to_owned(),
                            doc.slice(m.amount.span).to_owned(),
                        ));
                    }
                }
            },
            ast::Requirement::Either(branches, _) => {
                for branch in branches {
                    thresholds(doc, &branch.requirements, measure, out);
                }
            }
            _ => {}
        }
    }
}

/// The explanation of a code as a Markdown page, as `rubric explain` says it.
pub(super) fn explanation_markdown(e: &Explanation) -> String {
    let mut out = format!("# {}: {}\n\n{}\n", e.code, e.title, e.text);
    if !e.wrong.is_empty() {
        out.push_str(&format!(
            "\n## Raises {}\n\n```\n{}\n```\n\n## Fixed\n\n```\n{}\n```\n",
            e.code,
            e.wrong.trim_end(),
            e.right.trim_end()
        ));
    }
    out
}

/// What may be written at `offset`, from the text before it on its line
/// and how deep in braces it is: the text need not parse.
fn complete(doc: &Document, offset: usize) -> Vec<CompletionItem> {
    let before = doc.text.get(..offset).unwrap_or("");
    let line = before.rsplit('\n').next().unwrap_or("");
    // The word being typed, and the words before it on the line.
    let typed_start = line
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
        .map_or(0, |i| i + 1);
    let head = line.get(..typed_start).unwrap_or("");
    let words: Vec<&str> = head
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    let previous = words.last().copied().unwrap_or("");
    let first = words.first().copied().unwrap_or("");
    let names = if doc.analysis.file.is_some() {
        &doc.analysis.names
    } else {
        &doc.last_names
    };
    let declared = |kind: NameKind| -> Vec<CompletionItem> {
        let mut seen = HashSet::new();
        names
            .declared(kind)
            .filter(|o| seen.insert(kind.key(&o.name).into_owned()))
            .map(|o| CompletionItem {
                label: if o.quoted {
                    quoted(&o.name)
                } else {
                    o.name.clone()
                },
                kind: Some(item_kind(kind)),
                detail: Some(kind.word().to_owned()),
                ..CompletionItem::default()
            })
            .collect()
    };
    let words_of = |list: &[&'static str]| -> Vec<CompletionItem> {
        list.iter()
            .map(|w| CompletionItem {
                label: (*w).to_owned(),
                kind: Some(CompletionItemKind::KEYWORD),
                ..CompletionItem::default()
            })
            .collect()
    };
    // Inside an open `{` of a threshold map on this line: markets.
    let open_map = head.rfind('{').is_some_and(|i| {
        head.get(..i).is_some_and(|h| h.contains(">="))
            && !head.get(i..).is_some_and(|rest| rest.contains('}'))
    });
    if open_map {
        return declared(NameKind::Market);
    }
    match previous {
        "passing" | "and" if !matches!(first, "group") => return declared(NameKind::Group),
        "of" if first == "group" => {
            let mut items = declared(NameKind::Credential);
            items.extend(declared(NameKind::Group));
            return items;
        }
        "of" if first == "measure" || head.contains("customers") => {
            return declared(NameKind::Measure);
        }
        "as" | "or" if matches!(first, "revenue" | "usage") => {
            return declared(NameKind::Association);
        }
        "attribute" if first == "require" => return declared(NameKind::Attribute),
        "where" if matches!(first, "revenue" | "usage") => return declared(NameKind::Field),
        "require" => {
            let mut items = declared(NameKind::Measure);
            items.extend(words_of(&["distinct", "shared", "attribute", "either"]));
            return items;
        }
        "tier" => return declared(NameKind::Tier),
        "people" | "person" => return words_of(&["passing"]),
        _ => {}
    }
    if first == "group" && head.contains(" of") {
        let mut items = declared(NameKind::Credential);
        items.extend(declared(NameKind::Group));
        return items;
    }
    if !words.is_empty() {
        return Vec::new();
    }
    // At the start of a line: the statements the enclosing block allows.
    let place = match depth(before) {
        0 => Place::File,
        1 => Place::Declaration,
        _ => Place::Block,
    };
    let starts: Vec<&'static str> = keywords::KEYWORDS
        .iter()
        .filter(|k| k.place == place)
        .map(|k| k.word)
        .collect();
    words_of(&starts)
}

/// How many braces are open at the end of `text`, outside strings and
/// comments.
fn depth(text: &str) -> usize {
    let mut depth: usize = 0;
    for line in text.split('\n') {
        let mut in_string = false;
        let mut escaped = false;
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if in_string {
                match c {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    '"' => in_string = false,
                    _ => {}
                }
                continue;
            }
            match c {
                '"' => in_string = true,
                '#' => break,
                '/' if chars.peek() == Some(&'/') => break,
                '{' => depth += 1,
                '}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
    }
    depth
}

fn item_kind(kind: NameKind) -> CompletionItemKind {
    match kind {
        NameKind::Market | NameKind::Association | NameKind::Attribute => {
            CompletionItemKind::ENUM_MEMBER
        }
        NameKind::Field => CompletionItemKind::FIELD,
        NameKind::Tier => CompletionItemKind::CONSTANT,
        NameKind::Credential => CompletionItemKind::VALUE,
        NameKind::Group => CompletionItemKind::CLASS,
        NameKind::Measure => CompletionItemKind::FUNCTION,
        NameKind::Option => CompletionItemKind::MODULE,
        NameKind::Product => CompletionItemKind::VALUE,
    }
}

/// The outline: the competency, its declarations, options, tiers and
/// requirements.
fn outline(doc: &Document, file: &ast::PolicyFile) -> DocumentSymbol {
    let c = &file.competency;
    let children = c
        .items
        .iter()
        .filter_map(|item| {
            let (name, kind, span, selection, children) = match item {
                ast::Item::Market(d) => (
                    d.id.name.clone(),
                    SymbolKind::ENUM_MEMBER,
                    d.span,
                    d.id.span,
                    vec![],
                ),
                ast::Item::Association(d) => (
                    d.id.name.clone(),
                    SymbolKind::ENUM_MEMBER,
                    d.span,
                    d.id.span,
                    vec![],
                ),
                ast::Item::Attribute(d) => (
                    d.id.name.clone(),
                    SymbolKind::PROPERTY,
                    d.span,
                    d.id.span,
                    vec![],
                ),
                ast::Item::Field(f) => (
                    f.id.name.clone(),
                    SymbolKind::FIELD,
                    f.span,
                    f.id.span,
                    vec![],
                ),
                ast::Item::Tiers(_, span) => {
                    ("tiers".to_owned(), SymbolKind::ENUM, *span, *span, vec![])
                }
                ast::Item::Exam(e) => (
                    e.code.code.clone(),
                    SymbolKind::CONSTANT,
                    e.span,
                    e.code.span,
                    vec![],
                ),
                ast::Item::Group(g) => (
                    g.name.name.clone(),
                    SymbolKind::CLASS,
                    g.span,
                    g.name.span,
                    vec![],
                ),
                ast::Item::Measure(m) => (
                    m.name.name.clone(),
                    SymbolKind::FUNCTION,
                    m.span,
                    m.name.span,
                    vec![],
                ),
                ast::Item::Option(o) => {
                    let tiers = o
                        .tiers
                        .iter()
                        .map(|t| {
                            let requirements = t
                                .requirements
                                .iter()
                                .map(|r| requirement_symbol(doc, r))
                                .collect();
                            symbol(
                                doc,
                                t.name.name.clone(),
                                SymbolKind::STRUCT,
                                t.span,
                                t.name.span,
                                requirements,
                            )
                        })
                        .collect();
                    (
                        o.name.name.clone(),
                        SymbolKind::MODULE,
                        o.span,
                        o.name.span,
                        tiers,
                    )
                }
                _ => return None,
            };
            Some(symbol(doc, name, kind, span, selection, children))
        })
        .collect();
    symbol(
        doc,
        c.id.name.clone(),
        SymbolKind::NAMESPACE,
        c.span,
        c.id.span,
        children,
    )
}

fn requirement_symbol(doc: &Document, r: &ast::Requirement) -> DocumentSymbol {
    let (name, span, children) = match r {
        ast::Requirement::Measure(m) => (format!("require {}", m.measure.name), m.span, vec![]),
        ast::Requirement::People(p) => {
            let word = keywords::sharing(p.sharing).word;
            (format!("require {word} people"), p.span, vec![])
        }
        ast::Requirement::Attribute(a, span) => {
            (format!("require attribute {}", a.name), *span, vec![])
        }
        ast::Requirement::Either(branches, span) => {
            let children = branches
                .iter()
                .flat_map(|b| b.requirements.iter().map(|r| requirement_symbol(doc, r)))
                .collect();
            ("require either".to_owned(), *span, children)
        }
        #[allow(unreachable_patterns)]
        _ => ("require".to_owned(), Span::default(), vec![]),
    };
    symbol(doc, name, SymbolKind::PROPERTY, span, span, children)
}

fn symbol(
    doc: &Document,
    name: String,
    kind: SymbolKind,
    span: Span,
    selection: Span,
    children: Vec<DocumentSymbol>,
) -> DocumentSymbol {
    #[allow(deprecated, reason = "`deprecated` is a required field of the type")]
    DocumentSymbol {
        name,
        detail: None,
        kind,
        tags: None,
        deprecated: None,
        range: doc.range(span),
        selection_range: doc.range(selection),
        children: (!children.is_empty()).then_some(children),
    }
}
