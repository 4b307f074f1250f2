//! What each construct looks like: its words, alignment, line breaks and
//! the blank lines the layout itself adds (between options and tiers). Where
//! the author's comments and blank lines go is asked of [`Comments`].

use super::comments::Comments;
use super::{WIDTH, blank, indent};
use crate::ast::*;
use crate::syntax::keywords;

/// Writes a policy in its canonical layout.
pub(super) struct Printer<'s> {
    comments: Comments<'s>,
    out: String,
}

/// `text` followed by spaces up to `width` characters. Not `{:<width$}`:
/// `format!` panics on a width of 65,536 or more, and names that long are
/// valid input.
fn padded(text: &str, width: usize) -> String {
    let pad = width.saturating_sub(text.chars().count());
    let mut out = String::with_capacity(text.len() + pad);
    out.push_str(text);
    out.extend(std::iter::repeat_n(' ', pad));
    out
}

/// Escapes a string for a quoted literal.
fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

fn title(t: &Option<Text>) -> String {
    t.as_ref()
        .map(|t| format!(" {}", quoted(&t.value)))
        .unwrap_or_default()
}

fn code(c: &ExamCode) -> String {
    if c.quoted {
        quoted(&c.code)
    } else {
        c.code.clone()
    }
}

/// `100,000.5` → `100_000.5`: digits grouped in threes with `_` from five
/// digits. A malformed number is left as written, for the checker to report.
fn number(text: &str) -> String {
    if crate::money::parse(text).is_err() {
        return text.to_owned();
    }
    let (sign, unsigned) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (unsigned, None),
    };
    let digits: String = whole.chars().filter(char::is_ascii_digit).collect();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) && digits.len() > 4 {
            grouped.push('_');
        }
        grouped.push(c);
    }
    match fraction {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

fn amount(a: &Amount) -> String {
    match &a.currency {
        Some(c) => format!("{} {}", number(&a.number.text), c.text),
        None => number(&a.number.text),
    }
}

impl<'s> Printer<'s> {
    pub(super) fn new(source: &'s str, comments: &'s [Comment]) -> Self {
        Printer {
            comments: Comments::new(source, comments),
            out: String::new(),
        }
    }

    /// The whole file, laid out.
    pub(super) fn file(mut self, file: &PolicyFile) -> String {
        let c = &file.competency;
        self.comments.leading(&mut self.out, c.span.start, 0);
        if !self.out.is_empty() && self.comments.blank_line_before(c.span.start) {
            blank(&mut self.out);
        }
        self.out
            .push_str(&format!("competency {}{} {{", c.id.name, title(&c.title)));
        let brace = self
            .comments
            .after_brace(c.title.as_ref().map_or(c.id.span.end, |t| t.span.end));
        self.comments.trailing(&mut self.out, brace);
        self.items(&c.items);
        self.close(c.span, 0);
        self.comments.leading(&mut self.out, usize::MAX, 0);
        self.out
    }

    /// Comments left inside a block, then its `}` and any comment after it.
    fn close(&mut self, span: Span, level: usize) {
        self.comments
            .leading(&mut self.out, span.end.saturating_sub(1), level + 1);
        indent(&mut self.out, level);
        self.out.push('}');
        self.comments.trailing(&mut self.out, span.end);
    }

    fn items(&mut self, items: &[Item]) {
        let mut previous: Option<&Item> = None;
        let mut i = 0;
        while let Some(item) = items.get(i) {
            let start = self.comments.item_start(item_span(item).start);
            let separate = match (previous, item) {
                (None, _) => false,
                (Some(Item::Option(_) | Item::Translation(_)), _)
                | (Some(_), Item::Option(_) | Item::Translation(_)) => true,
                _ => self.comments.blank_line_before(start),
            };
            if separate {
                // Comments right under the previous item (no blank line
                // between) stay with it, above the separating blank line.
                self.comments.under(&mut self.out, item_span(item).start, 1);
                blank(&mut self.out);
            }
            // Runs of like items are aligned together.
            let run = 1 + items
                .get(i..)
                .unwrap_or(&[])
                .windows(2)
                .take_while(|pair| match pair {
                    [before, other] => {
                        same_kind(item, other)
                            && !self
                                .comments
                                .blank_between(item_span(before).end, item_span(other).start)
                    }
                    _ => false,
                })
                .count();
            let group = items.get(i..i + run).unwrap_or(&[]);
            self.run(group);
            previous = group.last();
            i += run;
        }
    }

    fn run(&mut self, run: &[Item]) {
        let header_width = run
            .iter()
            .filter_map(|i| header_keyword(i).map(str::len))
            .max()
            .unwrap_or(0);
        let name_width = run
            .iter()
            .map(|i| declared_name(i).map_or(0, |n| n.chars().count()))
            .max()
            .unwrap_or(0);
        for item in run {
            let span = item_span(item);
            self.comments.leading(&mut self.out, span.start, 1);
            indent(&mut self.out, 1);
            match item {
                Item::Version(t, _) => {
                    self.header(keywords::VERSION, &quoted(&t.value), header_width)
                }
                Item::Effective(t, _) => self.header(keywords::EFFECTIVE, &t.text, header_width),
                Item::Source(t, _) => {
                    self.header(keywords::SOURCE, &quoted(&t.value), header_width)
                }
                Item::Currency(t, _) => self.header(keywords::CURRENCY, &t.text, header_width),
                Item::Market(d) => self.declaration(keywords::MARKET, d, name_width),
                Item::ClosedMarkets(list, _) => {
                    let names: Vec<&str> = list.iter().map(|m| m.name.as_str()).collect();
                    self.out.push_str(&format!(
                        "{} {} {}",
                        keywords::MARKETS.word,
                        names.join(", "),
                        keywords::ONLY.word
                    ));
                }
                Item::Association(d) => self.declaration(keywords::ASSOCIATION, d, name_width),
                Item::Attribute(d) => self.declaration(keywords::ATTRIBUTE, d, name_width),
                Item::Field(f) => self.field(f, name_width),
                Item::Tiers(list, _) => {
                    let names: Vec<&str> = list.iter().map(|t| t.name.as_str()).collect();
                    self.out.push_str(&format!("tiers {}", names.join(", ")));
                }
                Item::Exam(e) => self.exam(e, name_width),
                Item::Group(g) => self.group(g, name_width),
                Item::Product(p) => {
                    let mut line = format!("product {}", quoted(&p.name.value));
                    if !p.former_names.is_empty() {
                        let names: Vec<String> =
                            p.former_names.iter().map(|n| quoted(&n.value)).collect();
                        line.push_str(&format!(" formerly {}", names.join(", ")));
                    }
                    self.out.push_str(&line);
                }
                Item::Family(f) => {
                    let members: Vec<String> = f.members.iter().map(|n| quoted(&n.value)).collect();
                    let head = format!("family {} =", quoted(&f.name.value));
                    self.listed(&head, &members);
                }
                Item::LineTypes(t) => {
                    let names: Vec<&str> = t.names.iter().map(|n| n.name.as_str()).collect();
                    let head = match t.source {
                        LineSource::Revenue => "revenue types",
                        LineSource::Usage => "usage metrics",
                    };
                    self.out.push_str(&format!("{head} {}", names.join(", ")));
                }
                Item::Measure(m) => self.measure(m),
                Item::Option(o) => {
                    self.option(o);
                    continue;
                }
                Item::Translation(t) => {
                    self.translation(t);
                    continue;
                }
            }
            self.comments.trailing(&mut self.out, span.end);
            // Comments inside an item printed on one line follow it.
            self.comments.inner(&mut self.out, span.end, 1);
        }
    }

    /// `head` and the `items` after it, separated by commas, continued on
    /// lines indented under the first item when they do not fit.
    fn listed(&mut self, head: &str, items: &[String]) {
        let mut line = head.to_owned();
        let column = 2 + head.chars().count() + 1;
        let mut width = column;
        let last = items.len().saturating_sub(1);
        for (i, item) in items.iter().enumerate() {
            let piece = if i < last {
                format!("{item},")
            } else {
                item.clone()
            };
            if i > 0 && width + 1 + piece.chars().count() > WIDTH {
                line.push('\n');
                line.push_str(&" ".repeat(column));
                width = column;
            } else {
                line.push(' ');
                width += 1;
            }
            width += piece.chars().count();
            line.push_str(&piece);
        }
        self.out.push_str(&line);
    }

    fn header(&mut self, keyword: keywords::Keyword, value: &str, width: usize) {
        self.out
            .push_str(&format!("{} {value}", padded(keyword.word, width)));
    }

    fn declaration(&mut self, keyword: keywords::Keyword, d: &Declaration, width: usize) {
        let keyword = keyword.word;
        match &d.title {
            Some(t) => self.out.push_str(&format!(
                "{keyword} {} {}",
                padded(&d.id.name, width),
                quoted(&t.value)
            )),
            None => self.out.push_str(&format!("{keyword} {}", d.id.name)),
        }
    }

    fn field(&mut self, f: &FieldDecl, width: usize) {
        let keyword = keywords::FIELD.word;
        let mut line = match &f.title {
            Some(t) => format!(
                "{keyword} {} {}",
                padded(&f.id.name, width),
                quoted(&t.value)
            ),
            None if f.values.is_empty() => format!("{keyword} {}", f.id.name),
            None => format!("{keyword} {}", padded(&f.id.name, width)),
        };
        if !f.values.is_empty() {
            let values: Vec<String> = f.values.iter().map(|v| quoted(&v.value)).collect();
            line.push_str(&format!(" = {}", values.join(", ")));
        }
        self.out.push_str(&line);
    }

    fn exam(&mut self, e: &ExamDecl, width: usize) {
        let kind = keywords::credential(e.kind).word;
        let written = code(&e.code);
        let mut line = match &e.title {
            Some(t) => format!("{kind} {} {}", padded(&written, width), quoted(&t.value)),
            None => format!("{kind} {written}"),
        };
        let mut clauses = Vec::new();
        if let Some(from) = &e.available_from {
            clauses.push(format!("available from {}", from.text));
        }
        if let Some(retires) = &e.retires {
            match &e.accepted_until {
                Some(until) => clauses.push(format!(
                    "retires {} accepted until {}",
                    retires.text, until.text
                )),
                None => clauses.push(format!("retires {}", retires.text)),
            }
        }
        if let Some(until) = &e.registration_until {
            clauses.push(format!("registration until {}", until.text));
        }
        if !e.former_names.is_empty() {
            let names: Vec<String> = e.former_names.iter().map(code).collect();
            clauses.push(format!("formerly {}", names.join(", ")));
        }
        for clause in clauses {
            if line.chars().count() + clause.len() + 3 > WIDTH {
                line.push('\n');
                line.push_str("       ");
                line.push_str(&clause);
            } else {
                line.push(' ');
                line.push_str(&clause);
            }
        }
        self.out.push_str(line.trim_end());
    }

    fn group(&mut self, g: &GroupDecl, width: usize) {
        let quantifier = if g.says_one {
            keywords::ONE.word
        } else {
            keywords::quantifier(g.quantifier).word
        };
        let head = format!("group {} = {quantifier} of", padded(&g.name.name, width));
        // Comments among the members stay with them: one member a line.
        if let Some(last) = g.exams.last()
            && self.comments.inside(g.name.span.end, last.span.start)
        {
            self.out.push_str(&head);
            self.out.push('\n');
            let members: Vec<(String, Span)> = g.exams.iter().map(|c| (code(c), c.span)).collect();
            self.comments.list(&mut self.out, &members, 4);
            return;
        }
        let members: Vec<String> = g.exams.iter().map(code).collect();
        let flat = format!("{head} {}", members.join(", "));
        if flat.chars().count() + 2 <= WIDTH || members.len() < 2 {
            self.out.push_str(flat.trim_end());
            return;
        }
        // Fill continuation lines, indented one level more than the group.
        self.out.push_str(&head);
        let last = members.len() - 1;
        let mut line = String::new();
        for (i, member) in members.iter().enumerate() {
            let piece = if i < last {
                format!("{member},")
            } else {
                member.clone()
            };
            if !line.is_empty() && 4 + line.chars().count() + 1 + piece.chars().count() > WIDTH {
                self.out.push('\n');
                indent(&mut self.out, 2);
                self.out.push_str(&line);
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(&piece);
        }
        self.out.push('\n');
        indent(&mut self.out, 2);
        self.out.push_str(&line);
    }

    fn measure(&mut self, m: &MeasureDecl) {
        let (head, filter) = match &m.body {
            MeasureBody::Revenue {
                revenue_types,
                filter,
            } => {
                let types: Vec<&str> = revenue_types.iter().map(|t| t.name.as_str()).collect();
                (
                    format!("revenue {} = {}", m.name.name, types.join(", ")),
                    Some(filter),
                )
            }
            MeasureBody::Usage {
                aggregate,
                largest,
                metric,
                keys,
                filter,
            } => {
                let largest = match largest {
                    Some(t) if t.text.split_whitespace().any(|w| w == "total") => "largest total ",
                    Some(_) => "largest ",
                    None => "",
                };
                let aggregate = aggregate
                    .as_ref()
                    .map(|a| format!("{} ", a.text))
                    .unwrap_or_default();
                let keys = if keys.is_empty() {
                    String::new()
                } else {
                    let words: Vec<&str> = keys.iter().map(|k| k.name.as_str()).collect();
                    format!(" per {}", words.join(" and "))
                };
                (
                    format!(
                        "usage {} = {largest}{aggregate}{}{keys}",
                        m.name.name, metric.name
                    ),
                    Some(filter),
                )
            }
            MeasureBody::DistinctCustomers { of, count } => (
                format!(
                    "measure {} = {} customers of {}",
                    m.name.name,
                    match count {
                        CustomerCount::Distinct => "distinct",
                        CustomerCount::New => "new",
                        CustomerCount::Lost => "lost",
                        CustomerCount::NetNew => "net new",
                    },
                    of.name
                ),
                None,
            ),
        };
        let Some(filter) = filter else {
            self.out.push_str(&head);
            return;
        };
        let products: Vec<String> = filter.products.iter().map(|p| quoted(&p.value)).collect();
        let mut rest = match &filter.window.period {
            Period::Trailing(months) => format!("over trailing {} months", months.text),
            Period::CalendarYear => "over last complete calendar year".to_owned(),
            Period::FiscalYear(ends) => {
                format!("over last complete fiscal year ending {}", ends.text)
            }
        };
        let mut conditions = Vec::new();
        if !filter.associations.is_empty() {
            let names: Vec<&str> = filter
                .associations
                .iter()
                .map(|a| a.name.as_str())
                .collect();
            conditions.push(format!("as {}", names.join(" or ")));
        }
        if filter.paid_only.is_some() {
            conditions.push("paid only".to_owned());
        }
        conditions.extend(filter.conditions.iter().map(field_condition));
        conditions.extend(
            filter
                .customers_of
                .iter()
                .map(|c| format!("for customers of {}", c.measure.name)),
        );
        if !conditions.is_empty() {
            rest.push(' ');
            rest.push_str(&conditions.join(", "));
        }
        // Comments among the products stay with them: one product a line.
        let column = 2 + head.find(" = ").map_or(0, |i| i + 3);
        if let Some(last) = filter.products.last()
            && self
                .comments
                .inside(m.name.span.end, filter.window.span.start)
        {
            self.out.push_str(&format!("{head} from"));
            self.out.push('\n');
            let members: Vec<(String, Span)> = filter
                .products
                .iter()
                .map(|p| (quoted(&p.value), p.span))
                .collect();
            self.comments.list(&mut self.out, &members, column);
            self.comments.trailing(&mut self.out, last.span.end);
            // Comments between the last product and the window.
            self.comments
                .before(&mut self.out, filter.window.span.start, column);
            self.out.push_str(&" ".repeat(column));
            self.out.push_str(&rest);
            return;
        }
        let flat = format!("{head} from {} {rest}", products.join(", "));
        if flat.chars().count() + 2 <= WIDTH {
            self.out.push_str(&flat);
            return;
        }
        // Products fill lines continued under the measure's type, after
        // `NAME = `; the window and conditions go on a line of their own.
        let mut line = format!("{head} from");
        let mut width = 2 + line.chars().count();
        // A head with keys (`per customer and product`) is long already:
        // `from` and the products start on the next line.
        if head.contains(" per ") {
            self.out.push_str(&head);
            self.out.push('\n');
            line = format!("{}from", " ".repeat(column));
            width = line.chars().count();
        }
        // Whether `line` holds a product yet: each line holds at least one,
        // however long.
        let mut filled = false;
        let last = products.len().saturating_sub(1);
        for (i, product) in products.iter().enumerate() {
            let piece = if i < last {
                format!("{product},")
            } else {
                product.clone()
            };
            let piece_width = piece.chars().count();
            if filled && width + 1 + piece_width > WIDTH {
                self.out.push_str(&line);
                self.out.push('\n');
                line = " ".repeat(column);
                width = column;
            } else {
                line.push(' ');
                width += 1;
            }
            line.push_str(&piece);
            width += piece_width;
            filled = true;
        }
        self.out.push_str(&line);
        self.out.push('\n');
        self.out.push_str(&" ".repeat(column));
        self.out.push_str(&rest);
    }

    fn option(&mut self, o: &OptionDecl) {
        self.out
            .push_str(&format!("option {}{} {{", o.name.name, title(&o.title)));
        let brace = self
            .comments
            .after_brace(o.title.as_ref().map_or(o.name.span.end, |t| t.span.end));
        self.comments.trailing(&mut self.out, brace);
        self.allows(&o.allows, 2);
        for (i, tier) in o.tiers.iter().enumerate() {
            if i > 0 || !o.allows.is_empty() {
                blank(&mut self.out);
            }
            self.comments.leading(&mut self.out, tier.span.start, 2);
            indent(&mut self.out, 2);
            self.out.push_str(&format!("tier {} {{", tier.name.name));
            let brace = self.comments.after_brace(tier.name.span.end);
            self.comments.trailing(&mut self.out, brace);
            self.allows(&tier.allows, 3);
            self.requirements(&tier.requirements, 3);
            self.close(tier.span, 2);
        }
        self.close(o.span, 1);
    }

    /// `allow CODE "reason"` lines, first in their block: what the block
    /// accepts reads before what it requires.
    fn allows(&mut self, list: &[AllowDecl], level: usize) {
        for allow in list {
            self.comments
                .leading(&mut self.out, allow.span.start, level);
            indent(&mut self.out, level);
            self.out.push_str(&format!(
                "allow {}{}",
                allow.code.name,
                title(&allow.reason)
            ));
            self.comments.trailing(&mut self.out, allow.span.end);
        }
    }

    /// `translation ko { ... }`: one entry a line, in the author's order.
    fn translation(&mut self, t: &TranslationDecl) {
        self.out
            .push_str(&format!("translation {} {{", t.language.text));
        let brace = self.comments.after_brace(t.language.span.end);
        self.comments.trailing(&mut self.out, brace);
        for entry in &t.entries {
            self.comments.leading(&mut self.out, entry.span.start, 2);
            indent(&mut self.out, 2);
            let head = match &entry.subject {
                TranslatedSubject::Competency => "competency".to_owned(),
                TranslatedSubject::Summary => keywords::SUMMARY.word.to_owned(),
                TranslatedSubject::Option(n) => format!("option {}", n.name),
                TranslatedSubject::Market(n) => format!("market {}", n.name),
                TranslatedSubject::Association(n) => format!("association {}", n.name),
                TranslatedSubject::Attribute(n) => format!("attribute {}", n.name),
                TranslatedSubject::Credential(kind, c) => {
                    format!("{} {}", keywords::credential(*kind).word, code(c))
                }
            };
            self.out
                .push_str(&format!("{head} {}", quoted(&entry.text.value)));
            self.comments.trailing(&mut self.out, entry.span.end);
        }
        self.close(t.span, 1);
    }

    fn requirements(&mut self, list: &[Requirement], level: usize) {
        for (i, req) in list.iter().enumerate() {
            let span = requirement_span(req);
            if i > 0
                && self
                    .comments
                    .blank_line_before(self.comments.item_start(span.start))
            {
                blank(&mut self.out);
            }
            self.comments.leading(&mut self.out, span.start, level);
            indent(&mut self.out, level);
            match req {
                Requirement::Measure(m) => {
                    let per_month = match (m.per_month.is_some(), m.every_month.is_some()) {
                        (true, true) => " per month in every month",
                        (true, false) => " per month",
                        (false, true) => " in every month",
                        (false, false) => "",
                    };
                    let op = if m.more_than.is_some() { ">" } else { ">=" };
                    let threshold = match &m.threshold {
                        Threshold::Everywhere(a) => amount(a),
                        Threshold::PerMarket(entries, _) if entries.is_empty() => "{}".to_owned(),
                        Threshold::PerMarket(entries, _) => {
                            let entries: Vec<String> = entries
                                .iter()
                                .map(|e| format!("{}: {}", e.market.text(), amount(&e.amount)))
                                .collect();
                            format!("{{ {} }}", entries.join(", "))
                        }
                    };
                    let line = format!("require {}{per_month} {op} {threshold}", m.measure.name);
                    match &m.threshold {
                        // Too long for one line, or with comments among the
                        // markets: one market a line, each with its comments.
                        Threshold::PerMarket(entries, braces)
                            if !entries.is_empty()
                                && (2 * level + line.chars().count() > WIDTH
                                    || self.comments.inside(braces.start, braces.end)) =>
                        {
                            self.out.push_str(&format!(
                                "require {}{per_month} {op} {{",
                                m.measure.name
                            ));
                            self.comments.trailing(&mut self.out, braces.start + 1);
                            let members: Vec<(String, Span)> = entries
                                .iter()
                                .map(|e| {
                                    (
                                        format!("{}: {}", e.market.text(), amount(&e.amount)),
                                        e.span,
                                    )
                                })
                                .collect();
                            self.comments.list(&mut self.out, &members, 2 * (level + 1));
                            let end = entries.last().map_or(braces.start, |e| e.span.end);
                            self.comments
                                .trailing(&mut self.out, self.comments.after_comma(end));
                            self.comments.leading(
                                &mut self.out,
                                braces.end.saturating_sub(1),
                                level + 1,
                            );
                            indent(&mut self.out, level);
                            self.out.push('}');
                        }
                        _ => self.out.push_str(&line),
                    }
                    self.comments.trailing(&mut self.out, span.end);
                }
                Requirement::Attribute(name, _) => {
                    self.out
                        .push_str(&format!("require attribute {}", name.name));
                    self.comments.trailing(&mut self.out, span.end);
                }
                Requirement::People(p) => {
                    let sharing = keywords::sharing(p.sharing).word;
                    self.out.push_str(&format!("require {sharing} people {{"));
                    if p.roles.is_empty() {
                        self.out.push('}');
                        self.comments.trailing(&mut self.out, span.end);
                        continue;
                    }
                    // One role with no comment inside reads best on one line.
                    let comment_inside = self.comments.any_before(span.end);
                    if let [role] = p.roles.as_slice()
                        && !comment_inside
                    {
                        self.out.push_str(&format!(" {} }}", role_text(role)));
                        self.comments.trailing(&mut self.out, span.end);
                        continue;
                    }
                    let brace = self.comments.after_brace(p.sharing_span.end);
                    self.comments.trailing(&mut self.out, brace);
                    for role in &p.roles {
                        self.comments
                            .leading(&mut self.out, role.span.start, level + 1);
                        indent(&mut self.out, level + 1);
                        self.out.push_str(&role_text(role));
                        self.comments.trailing(&mut self.out, role.span.end);
                        self.comments.inner(&mut self.out, role.span.end, level + 1);
                    }
                    self.close(p.span, level);
                }
                Requirement::Either(branches, _) => {
                    self.out.push_str("require either {");
                    for (b, branch) in branches.iter().enumerate() {
                        if b > 0 {
                            self.out.push_str(" or {");
                        }
                        let brace = branch.span.start + 1;
                        self.comments.trailing(&mut self.out, brace);
                        self.requirements(&branch.requirements, level + 1);
                        self.comments.leading(
                            &mut self.out,
                            branch.span.end.saturating_sub(1),
                            level + 1,
                        );
                        indent(&mut self.out, level);
                        self.out.push('}');
                    }
                    self.comments.trailing(&mut self.out, span.end);
                }
            }
            // Comments inside a requirement printed on one line follow it.
            self.comments.inner(&mut self.out, span.end, level);
        }
    }
}

/// `2 people passing a and b`; the noun agrees with the count.
fn role_text(role: &Role) -> String {
    let noun = match (role.names_people, role.count.text.as_str()) {
        (false, _) => "",
        (true, "1") => " person",
        (true, _) => " people",
    };
    let groups: Vec<String> = role.groups.iter().map(RoleRef::text).collect();
    format!("{}{noun} passing {}", role.count.text, groups.join(" and "))
}

/// `where segment is "enterprise"`, `where segment is not one of "a", "b"`.
fn field_condition(c: &FieldCondition) -> String {
    let values: Vec<String> = c.values.iter().map(|v| quoted(&v.value)).collect();
    format!(
        "where {} is {}{}{}",
        c.field.name,
        if c.negated.is_some() { "not " } else { "" },
        if c.one_of { "one of " } else { "" },
        values.join(", ")
    )
}

fn item_span(item: &Item) -> Span {
    match item {
        Item::Version(_, s)
        | Item::Effective(_, s)
        | Item::Source(_, s)
        | Item::Currency(_, s)
        | Item::Tiers(_, s)
        | Item::ClosedMarkets(_, s) => *s,
        Item::Market(d) | Item::Association(d) | Item::Attribute(d) => d.span,
        Item::Field(f) => f.span,
        Item::Exam(e) => e.span,
        Item::Group(g) => g.span,
        Item::Product(p) => p.span,
        Item::Family(f) => f.span,
        Item::LineTypes(t) => t.span,
        Item::Measure(m) => m.span,
        Item::Option(o) => o.span,
        Item::Translation(t) => t.span,
    }
}

fn requirement_span(req: &Requirement) -> Span {
    match req {
        Requirement::Measure(m) => m.span,
        Requirement::People(p) => p.span,
        Requirement::Attribute(_, s) | Requirement::Either(_, s) => *s,
    }
}

/// Items aligned together when adjacent.
fn same_kind(a: &Item, b: &Item) -> bool {
    let kind = |i: &Item| match i {
        Item::Version(..) | Item::Effective(..) | Item::Source(..) | Item::Currency(..) => 0,
        Item::Market(_) | Item::ClosedMarkets(..) => 1,
        Item::Association(_) => 2,
        Item::Attribute(_) => 3,
        Item::Tiers(..) => 4,
        Item::Exam(e) => match e.kind {
            CredentialKind::Exam => 5,
            CredentialKind::Assessment => 6,
            CredentialKind::Certification => 7,
        },
        Item::Group(_) => 8,
        Item::Measure(_) => 9,
        Item::Option(_) => 10,
        Item::Translation(_) => 11,
        Item::Field(_) => 12,
        Item::Product(_) => 13,
        Item::Family(_) => 14,
        Item::LineTypes(_) => 15,
    };
    kind(a) == kind(b)
        && !matches!(
            a,
            Item::Option(_) | Item::Measure(_) | Item::Tiers(..) | Item::Translation(_)
        )
}

/// The keyword of a header line, whose values are aligned after it.
fn header_keyword(item: &Item) -> Option<&'static str> {
    let keyword = match item {
        Item::Version(..) => keywords::VERSION,
        Item::Effective(..) => keywords::EFFECTIVE,
        Item::Source(..) => keywords::SOURCE,
        Item::Currency(..) => keywords::CURRENCY,
        _ => return None,
    };
    Some(keyword.word)
}

/// The name that titles or `=` are aligned after.
fn declared_name(item: &Item) -> Option<String> {
    match item {
        Item::Market(d) | Item::Association(d) | Item::Attribute(d) => Some(d.id.name.clone()),
        Item::Field(f) if f.title.is_some() || !f.values.is_empty() => Some(f.id.name.clone()),
        Item::Exam(e) if e.title.is_some() => Some(code(&e.code)),
        Item::Group(g) => Some(g.name.name.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_group_digits_in_threes_from_five_digits() {
        assert_eq!(number("100,000"), "100_000");
        assert_eq!(number("100000.50"), "100_000.50");
        assert_eq!(number("1,000"), "1000");
        assert_eq!(number("250"), "250");
        assert_eq!(number("1234567"), "1_234_567");
    }
}
