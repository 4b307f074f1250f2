//! The page as a standalone, accessible HTML document: one file with its
//! own stylesheet (screen and print) and no external assets, semantic
//! headings and lists, the page's language in `lang`, and every text from
//! the policy escaped. It is well-formed XML too, so tests read it back with
//! an XML reader.

use html_escape::{encode_double_quoted_attribute, encode_text};

use super::page::{Block, Inline, Item, Page};

const STYLE: &str = "\
body{font-family:system-ui,-apple-system,\"Segoe UI\",\"Noto Sans KR\",\"Malgun Gothic\",sans-serif;line-height:1.5;color:#1b1b1b;background:#fff;max-width:48rem;margin:0 auto;padding:1rem 1.5rem}
h1{font-size:1.9rem}h2{font-size:1.5rem;border-bottom:1px solid #ccc;padding-bottom:.2rem;margin-top:2rem}h3{font-size:1.2rem}
code{font-family:ui-monospace,Consolas,monospace;background:#f3f3f3;padding:0 .2em;border-radius:3px}
li{margin:.25rem 0}ol>li::marker{font-weight:600}
a{color:#0b5cad}pre{white-space:pre-wrap;background:#f7f7f7;padding:.5rem}
@media print{body{max-width:none;padding:0;font-size:11pt;color:#000}h2,h3{break-after:avoid}li{break-inside:avoid}code{background:none}a{color:#000}}
";

/// Writes `page` as a standalone HTML document.
pub fn write(page: &Page) -> String {
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n");
    out.push_str(&format!("<html lang=\"{}\">\n<head>\n", attr(page.lang)));
    out.push_str("<meta charset=\"utf-8\" />\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n");
    out.push_str(&format!(
        "<meta name=\"description\" content=\"{}\" />\n",
        attr(&page.description)
    ));
    out.push_str(&format!("<title>{}</title>\n", encode_text(&page.title)));
    out.push_str(&format!("<style>\n{STYLE}</style>\n"));
    out.push_str("</head>\n<body>\n<main>\n");
    for block in &page.blocks {
        write_block(block, &mut out);
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

fn attr(text: &str) -> String {
    encode_double_quoted_attribute(text).into_owned()
}

fn write_block(block: &Block, out: &mut String) {
    match block {
        Block::Heading {
            level,
            anchor,
            text,
        } => {
            let level = (*level).clamp(1, 6);
            out.push_str(&format!(
                "<h{level} id=\"{}\">{}</h{level}>\n",
                attr(anchor),
                encode_text(text)
            ));
        }
        Block::Paragraph(inlines) => {
            out.push_str("<p>");
            write_inlines(inlines, out);
            out.push_str("</p>\n");
        }
        Block::List { ordered, items } => {
            let tag = if *ordered { "ol" } else { "ul" };
            out.push_str(&format!("<{tag}>\n"));
            for item in items {
                write_item(item, out);
            }
            out.push_str(&format!("</{tag}>\n"));
        }
        Block::Markdown(text) => {
            out.push_str("<pre>");
            out.push_str(&encode_text(text));
            out.push_str("</pre>\n");
        }
    }
}

fn write_item(item: &Item, out: &mut String) {
    out.push_str("<li>");
    write_inlines(&item.lead, out);
    for child in &item.children {
        out.push('\n');
        write_block(child, out);
    }
    out.push_str("</li>\n");
}

fn write_inlines(inlines: &[Inline], out: &mut String) {
    for inline in inlines {
        match inline {
            Inline::Text(text) => out.push_str(&encode_text(text)),
            Inline::Code(code) => {
                out.push_str("<code>");
                out.push_str(&encode_text(code));
                out.push_str("</code>");
            }
            Inline::Strong(text) => {
                out.push_str("<strong>");
                out.push_str(&encode_text(text));
                out.push_str("</strong>");
            }
        }
    }
}
