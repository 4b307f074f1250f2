//! Translations that leave a page half in another language (W0116), and
//! translations into a language `rubric doc` has no phrases for (W0117).

use super::{Warning, sp};
use crate::ast;
use crate::doc::Language;
use crate::model::{Policy, Subject};

/// The warnings about each translation of `policy`.
pub(super) fn lint(file: &ast::PolicyFile, policy: &Policy, out: &mut Vec<Warning>) {
    let tags = file.competency.items.iter().filter_map(|i| match i {
        ast::Item::Translation(t) => Some(t.language.span),
        _ => None,
    });
    // The model keeps translations in source order, one per block.
    for (translation, tag_span) in policy.translations.iter().zip(tags) {
        if Language::from_tag(&translation.language).is_none() {
            let shipped: Vec<&str> = Language::ALL.iter().map(|l| l.tag()).collect();
            out.push(Warning::NoCatalogue {
                language: translation.language.clone(),
                shipped: shipped.join(", "),
                span: sp(tag_span),
            });
        }
        // Everything with a title of its own; credential titles usually
        // stay in the original language, as on the published pages.
        let mut wanted: Vec<(String, String, Subject<'_>)> = Vec::new();
        if let Some(title) = &policy.title {
            wanted.push((
                "the competency's title".to_owned(),
                format!("competency \"{title}\""),
                Subject::Competency,
            ));
        }
        for o in &policy.options {
            if let Some(title) = &o.title {
                wanted.push((
                    format!("option `{}`", o.name),
                    format!("option {} \"{title}\"", o.name),
                    Subject::Option(&o.name),
                ));
            }
        }
        for m in &policy.markets {
            if let Some(title) = &m.title {
                wanted.push((
                    format!("market `{}`", m.id),
                    format!("market {} \"{title}\"", m.id),
                    Subject::Market(&m.id),
                ));
            }
        }
        for a in &policy.associations {
            if let Some(title) = &a.title {
                wanted.push((
                    format!("association `{}`", a.id),
                    format!("association {} \"{title}\"", a.id),
                    Subject::Association(&a.id),
                ));
            }
        }
        for a in &policy.attributes {
            if let Some(title) = &a.title {
                wanted.push((
                    format!("attribute `{}`", a.id),
                    format!("attribute {} \"{title}\"", a.id),
                    Subject::Attribute(&a.id),
                ));
            }
        }
        let missing: Vec<&(String, String, Subject<'_>)> = wanted
            .iter()
            .filter(|(_, _, subject)| translation.title_of(*subject).is_none())
            .collect();
        if let Some((_, example, _)) = missing.first() {
            let names: Vec<&str> = missing.iter().map(|(name, _, _)| name.as_str()).collect();
            out.push(Warning::MissingTranslations {
                language: translation.language.clone(),
                missing: names.join(", "),
                example: example.clone(),
                span: sp(tag_span),
            });
        }
    }
}
