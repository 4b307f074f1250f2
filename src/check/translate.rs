//! `translation LANG { ... }` blocks: each language's tag valid and
//! translated once, each text translated once per language, and every
//! option, market, association, attribute and credential a translation
//! names declared by the policy.

use super::{Checker, PolicyError, sp};
use crate::ast::{self, Span, TranslatedSubject};
use crate::model::{OwnedSubject, Policy, TranslatedTitle, Translation, exam_key, same_name};

impl Checker {
    /// Adds the policy's translations to `policy`, which has every
    /// declaration and option by now.
    pub(super) fn translations(&mut self, c: &ast::Competency, policy: &mut Policy) {
        let mut seen: Vec<(String, Span)> = Vec::new();
        for item in &c.items {
            let ast::Item::Translation(t) = item else {
                continue;
            };
            let tag = &t.language.text;
            let language = match tag.parse::<unic_langid::LanguageIdentifier>() {
                Ok(id) => id.to_string(),
                Err(_) => {
                    self.errors.push(PolicyError::UnknownLanguageTag {
                        tag: tag.clone(),
                        span: sp(t.language.span),
                    });
                    continue;
                }
            };
            if let Some((_, first)) = seen.iter().find(|(l, _)| l.eq_ignore_ascii_case(&language)) {
                self.errors.push(PolicyError::DuplicateTranslation {
                    what: format!("language `{language}`"),
                    span: sp(t.language.span),
                    first: sp(*first),
                });
                continue;
            }
            seen.push((language.clone(), t.language.span));
            let translation = self.translation(t, language, policy);
            policy.translations.push(translation);
        }
    }

    fn translation(
        &mut self,
        t: &ast::TranslationDecl,
        language: String,
        policy: &Policy,
    ) -> Translation {
        let mut out = Translation {
            language,
            title: None,
            summary: None,
            titles: Vec::new(),
            span: t.span,
        };
        // What each entry translates, to find it translated twice.
        let mut firsts: Vec<(String, Span)> = Vec::new();
        for entry in &t.entries {
            let (what, subject) = match &entry.subject {
                TranslatedSubject::Competency => ("the competency's title".to_owned(), None),
                TranslatedSubject::Summary => ("the competency's summary".to_owned(), None),
                TranslatedSubject::Option(name) => (
                    format!("option `{}`", name.name),
                    Some(
                        policy
                            .options
                            .iter()
                            .find(|o| o.name == name.name)
                            .map(|o| OwnedSubject::Option(o.name.clone())),
                    ),
                ),
                TranslatedSubject::Market(name) => (
                    format!("market `{}`", name.name),
                    Some(
                        policy
                            .markets
                            .iter()
                            .find(|m| same_name(&name.name, &m.id))
                            .map(|m| OwnedSubject::Market(m.id.clone())),
                    ),
                ),
                TranslatedSubject::Association(name) => (
                    format!("association `{}`", name.name),
                    Some(
                        policy
                            .associations
                            .iter()
                            .find(|a| same_name(&name.name, &a.id))
                            .map(|a| OwnedSubject::Association(a.id.clone())),
                    ),
                ),
                TranslatedSubject::Attribute(name) => (
                    format!("attribute `{}`", name.name),
                    Some(
                        policy
                            .attributes
                            .iter()
                            .find(|a| same_name(&name.name, &a.id))
                            .map(|a| OwnedSubject::Attribute(a.id.clone())),
                    ),
                ),
                TranslatedSubject::Credential(_, code) => {
                    let key = exam_key(&code.code);
                    (
                        format!("credential `{}`", code.code),
                        Some(
                            policy
                                .exams
                                .iter()
                                .find(|e| exam_key(&e.code) == key)
                                .map(|e| OwnedSubject::Credential(e.code.clone())),
                        ),
                    )
                }
            };
            let key = match &subject {
                Some(Some(s)) => format!("{s:?}"),
                Some(None) => {
                    self.errors.push(PolicyError::TranslatesUnknown {
                        language: out.language.clone(),
                        what,
                        span: sp(entry.span),
                    });
                    continue;
                }
                None => what.clone(),
            };
            if let Some((_, first)) = firsts.iter().find(|(k, _)| *k == key) {
                self.errors.push(PolicyError::DuplicateTranslation {
                    what: format!("{what} in `{}`", out.language),
                    span: sp(entry.span),
                    first: sp(*first),
                });
                continue;
            }
            firsts.push((key, entry.span));
            let text = entry.text.value.clone();
            match (&entry.subject, subject) {
                (TranslatedSubject::Competency, _) => out.title = Some(text),
                (TranslatedSubject::Summary, _) => out.summary = Some(text),
                (_, Some(Some(subject))) => out.titles.push(TranslatedTitle {
                    subject,
                    text,
                    span: entry.span,
                }),
                // Reported above: nothing it names is declared.
                (_, _) => {}
            }
        }
        out
    }
}
