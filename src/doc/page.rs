//! The requirements page as a tree of headings, paragraphs and lists, with
//! every phrase already in the page's language: what the Markdown and HTML
//! writers both print, so that the two cannot say different things.

/// A rendered requirements page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page {
    /// The BCP 47 tag of its language, e.g. `ko`.
    pub lang: &'static str,
    /// Its title (front matter, `<title>`).
    pub title: String,
    /// One sentence saying what it is (front matter, `<meta name="description">`).
    pub description: String,
    /// Its content, in reading order.
    pub blocks: Vec<Block>,
}

/// A block of the page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// A heading with a stable anchor (the same in every language).
    Heading {
        /// 1 for the page title, 2 for options, 3 for tiers.
        level: u8,
        /// Its anchor, e.g. `reseller-gold`.
        anchor: String,
        /// Its text.
        text: String,
    },
    /// A paragraph.
    Paragraph(Vec<Inline>),
    /// A list.
    List {
        /// Numbered steps, or bullets.
        ordered: bool,
        /// The items.
        items: Vec<Item>,
    },
    /// Markdown made elsewhere (the change log), put in as it is; the HTML
    /// writer shows it preformatted.
    Markdown(String),
}

/// A list item: a line, and blocks under it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Item {
    /// Its first line.
    pub lead: Vec<Inline>,
    /// What is nested under it.
    pub children: Vec<Block>,
}

/// A run of text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inline {
    /// Plain text.
    Text(String),
    /// A code: a credential's code or a policy's identifier.
    Code(String),
    /// Emphasised text, e.g. "or" between alternatives.
    Strong(String),
}

impl Item {
    /// An item of one line of text.
    pub fn text(text: String) -> Item {
        Item {
            lead: vec![Inline::Text(text)],
            children: Vec::new(),
        }
    }
}
