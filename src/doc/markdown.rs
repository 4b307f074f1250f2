//! The page as Markdown for documentation sites: YAML front matter with the
//! title, description and language, `{#anchor}` attributes on headings
//! (Pandoc, Hugo, Docusaurus and pulldown-cmark read them), and every text
//! from the policy escaped so that it reads as written.

use super::page::{Block, Inline, Item, Page};

/// Writes `page` as Markdown.
pub fn write(page: &Page) -> String {
    let mut out = String::new();
    out.push_str("---\n");
    out.push_str(&format!("title: {}\n", yaml_string(&page.title)));
    out.push_str(&format!(
        "description: {}\n",
        yaml_string(&page.description)
    ));
    out.push_str(&format!("lang: {}\n", page.lang));
    out.push_str("---\n");
    for block in &page.blocks {
        out.push('\n');
        write_block(block, "", &mut out);
    }
    out
}

/// A YAML double-quoted scalar: JSON's string syntax is a subset of it.
fn yaml_string(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}

fn write_block(block: &Block, indent: &str, out: &mut String) {
    match block {
        Block::Heading {
            level,
            anchor,
            text,
        } => {
            let hashes = "#".repeat(usize::from(*level));
            out.push_str(&format!(
                "{indent}{hashes} {} {{#{anchor}}}\n",
                escape(text)
            ));
        }
        Block::Paragraph(inlines) => {
            out.push_str(indent);
            out.push_str(&inline_text(inlines));
            out.push('\n');
        }
        Block::List { ordered, items } => {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push('\n');
                }
                write_item(item, *ordered, i + 1, indent, out);
            }
        }
        Block::Markdown(text) => {
            for line in text.lines() {
                if line.is_empty() {
                    out.push('\n');
                } else {
                    out.push_str(&format!("{indent}{line}\n"));
                }
            }
        }
    }
}

fn write_item(item: &Item, ordered: bool, number: usize, indent: &str, out: &mut String) {
    let marker = if ordered {
        format!("{number}. ")
    } else {
        "- ".to_owned()
    };
    out.push_str(&format!("{indent}{marker}{}\n", inline_text(&item.lead)));
    let child_indent = format!("{indent}{}", " ".repeat(marker.len()));
    for child in &item.children {
        out.push('\n');
        write_block(child, &child_indent, out);
    }
}

fn inline_text(inlines: &[Inline]) -> String {
    inlines
        .iter()
        .map(|inline| match inline {
            Inline::Text(text) => escape(text),
            Inline::Strong(text) => format!("**{}**", escape(text)),
            Inline::Code(code) => code_span(code),
        })
        .collect()
}

/// A code span that holds `code` whatever backticks it contains.
fn code_span(code: &str) -> String {
    let longest_run = code.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest_run + 1);
    let pad = if code.starts_with('`') || code.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{code}{pad}{fence}")
}

/// Text with every character Markdown could read as markup
/// backslash-escaped (CommonMark lets any ASCII punctuation be), and line
/// breaks kept out of a line.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        // `_` inside a word (`cloud_crm`) never delimits emphasis.
        let in_word = |j: Option<usize>| {
            j.and_then(|j| chars.get(j))
                .is_some_and(|c| c.is_alphanumeric())
        };
        if c == '_' && in_word(i.checked_sub(1)) && in_word(Some(i + 1)) {
            out.push(c);
            continue;
        }
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '{' | '}' | '!' | '~'
            | '&' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_policy_text_is_escaped() {
        assert_eq!(
            escape("a *b* <i>_c_</i> [d](e)"),
            r"a \*b\* \<i\>\_c\_\</i\> \[d\](e)"
        );
        assert_eq!(escape("cloud_crm _x_"), r"cloud_crm \_x\_");
        assert_eq!(code_span("a`b"), "``a`b``");
        assert_eq!(code_span("`x"), "`` `x ``");
    }
}
