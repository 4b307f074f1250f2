//! The canonical layout of a policy file, keeping every comment.
//!
//! Items keep the order the author gave them; what changes is spacing,
//! indentation (two spaces a level), alignment (`=` of consecutive groups,
//! values of header lines, titles of consecutive catalog entries), number
//! and currency forms (`100_000 USD`), the comparison (`>=`), blank lines
//! (at most one, where the author had one, and always one between options
//! and between tiers) and line breaks of long lists.
//!
//! Comments are placed by position: a comment on a line of its own stays
//! before the item that follows it; a comment after code on the same line
//! stays at the end of that line; comments among the members of a list put
//! the list one member a line, each member with its comments.
//!
//! Line ends are kept: a file whose first line ends in CRLF gets CRLF.

use crate::ast::*;
use crate::syntax::{self, SyntaxError};

/// Lines longer than this are broken where the layout allows.
const WIDTH: usize = 100;

/// Formats policy source text.
///
/// ```
/// let messy = "competency k{tiers silver  # ladder\n option o {tier silver{require shared people{1 passing g}}}}";
/// let tidy = rubric::format::format(messy).unwrap();
/// assert_eq!(rubric::format::format(&tidy).unwrap(), tidy);
/// assert!(tidy.contains("  tiers silver # ladder\n"));
/// ```
pub fn format(source: &str) -> Result<String, SyntaxError> {
    let file = syntax::parse(source)?;
    let mut printer = Printer {
        source,
        comments: &file.comments,
        next_comment: 0,
        out: String::new(),
    };
    printer.file(&file);
    // A file written with CRLF line ends is given CRLF back, so that
    // formatting it (and `fmt --check`) leaves its line ends alone. The
    // first line end decides; the grammar reads `\r` as a space, so the
    // layout above is the same either way.
    let crlf = source
        .find('\n')
        .is_some_and(|i| source.get(..i).is_some_and(|line| line.ends_with('\r')));
    if crlf {
        return Ok(printer.out.replace('\n', "\r\n"));
    }
    Ok(printer.out)
}

struct Printer<'s> {
    source: &'s str,
    comments: &'s [Comment],
    next_comment: usize,
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

impl Printer<'_> {
    fn indent(&mut self, level: usize) {
        for _ in 0..level {
            self.out.push_str("  ");
        }
    }

    /// Comments that start before `upto`, each on its own line.
    fn leading(&mut self, upto: usize, level: usize) {
        self.comment_lines(upto, level, true);
    }

    /// Comments left inside an item printed on one line, on their own
    /// lines after it, with no blank lines: they belong to the item.
    fn inner(&mut self, upto: usize, level: usize) {
        self.comment_lines(upto, level, false);
    }

    fn comment_lines(&mut self, upto: usize, level: usize, keep_blank_lines: bool) {
        let mut printed = false;
        while let Some(comment) = self.comments.get(self.next_comment) {
            if comment.span.start >= upto {
                break;
            }
            // Keep one blank line before a comment that had one.
            if keep_blank_lines
                && self.blank_line_before(comment.span.start)
                && !self.out.ends_with("{\n")
                && !self.out.is_empty()
            {
                self.blank();
            }
            self.indent(level);
            self.out.push_str(&comment.text);
            self.out.push('\n');
            self.next_comment += 1;
            printed = true;
        }
        // Keep one blank line between the comments and the item after them
        // (not before a closing `}`), so that a second pass, which sees the
        // comments where this one put them, keeps it too.
        if printed
            && keep_blank_lines
            && self.blank_line_before(upto)
            && self
                .source
                .get(upto..)
                .is_some_and(|rest| !rest.starts_with('}'))
        {
            self.blank();
        }
    }

    /// A comment after `after` on the same source line, appended to the
    /// line just written (which must not yet end in a newline).
    fn trailing(&mut self, after: usize) {
        if let Some(comment) = self.comments.get(self.next_comment) {
            let between = self.source.get(after..comment.span.start).unwrap_or("\n");
            // Only a comment with nothing but spaces between it and `after`.
            if comment.span.start >= after && between.trim().is_empty() && !between.contains('\n') {
                self.out.push(' ');
                self.out.push_str(&comment.text);
                self.next_comment += 1;
            }
        }
        self.out.push('\n');
    }

    /// Whether the next comment to print starts inside `from..to`.
    fn comment_inside(&self, from: usize, to: usize) -> bool {
        self.comments
            .get(self.next_comment)
            .is_some_and(|c| c.span.start > from && c.span.start < to)
    }

    /// Just after the `,` that follows `at` (spaces aside), or `at`.
    fn after_comma(&self, at: usize) -> usize {
        let rest = self.source.get(at..).unwrap_or("");
        let code = rest.trim_start_matches([' ', '\t']);
        if code.starts_with(',') {
            at + (rest.len() - code.len()) + 1
        } else {
            at
        }
    }

    /// A list with comments among its members, one member a line at `pad`
    /// columns, each with the comments written on their own lines above it
    /// and the comment after it on its line (after its comma). The last
    /// member's line is left open for its caller to end.
    fn commented_list(&mut self, members: &[(String, Span)], pad: usize) {
        let last = members.len().saturating_sub(1);
        for (i, (text, span)) in members.iter().enumerate() {
            while let Some(comment) = self.comments.get(self.next_comment) {
                if comment.span.start >= span.start {
                    break;
                }
                self.out.push_str(&" ".repeat(pad));
                self.out.push_str(&comment.text);
                self.out.push('\n');
                self.next_comment += 1;
            }
            self.out.push_str(&" ".repeat(pad));
            self.out.push_str(text);
            if i < last {
                self.out.push(',');
                self.trailing(self.after_comma(span.end));
            }
        }
    }

    /// Whether the source has an empty line just before `at` (after the
    /// previous code or comment).
    fn blank_line_before(&self, at: usize) -> bool {
        let before = self.source.get(..at).unwrap_or("");
        let gap_start = before.trim_end().len();
        before
            .get(gap_start..)
            .is_some_and(|gap| gap.matches('\n').count() >= 2)
    }

    fn blank(&mut self) {
        if !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }

    /// Where an item begins, counting the comments on their own lines just before it.
    fn item_start(&self, start: usize) -> usize {
        match self.comments.get(self.next_comment) {
            Some(comment) if comment.span.start < start => comment.span.start,
            _ => start,
        }
    }

    fn file(&mut self, file: &PolicyFile) {
        let c = &file.competency;
        self.leading(c.span.start, 0);
        if !self.out.is_empty() && self.blank_line_before(c.span.start) {
            self.blank();
        }
        self.out
            .push_str(&format!("competency {}{} {{", c.id.name, title(&c.title)));
        let brace = self.after_brace(c.title.as_ref().map_or(c.id.span.end, |t| t.span.end));
        self.trailing(brace);
        self.items(&c.items);
        self.close(c.span, 0);
        self.leading(self.source.len() + 1, 0);
    }

    /// The position just after the `{` that follows `from`.
    fn after_brace(&self, from: usize) -> usize {
        self.source
            .get(from..)
            .and_then(|rest| rest.find('{'))
            .map_or(from, |i| from + i + 1)
    }

    /// Comments left inside a block, then its `}` and any comment after it.
    fn close(&mut self, span: Span, level: usize) {
        self.leading(span.end.saturating_sub(1), level + 1);
        self.indent(level);
        self.out.push('}');
        self.trailing(span.end);
    }

    fn items(&mut self, items: &[Item]) {
        let mut previous: Option<&Item> = None;
        let mut i = 0;
        while let Some(item) = items.get(i) {
            let start = self.item_start(item_span(item).start);
            let separate = match (previous, item) {
                (None, _) => false,
                (Some(Item::Option(_)), _) | (Some(_), Item::Option(_)) => true,
                _ => self.blank_line_before(start),
            };
            if separate {
                // Comments right under the previous item (no blank line
                // between) stay with it, above the separating blank line.
                while let Some(comment) = self.comments.get(self.next_comment) {
                    if previous.is_none()
                        || comment.span.start >= item_span(item).start
                        || self.blank_line_before(comment.span.start)
                    {
                        break;
                    }
                    self.indent(1);
                    self.out.push_str(&comment.text);
                    self.out.push('\n');
                    self.next_comment += 1;
                }
                self.blank();
            }
            // Runs of like items are aligned together.
            let run = 1 + items
                .get(i..)
                .unwrap_or(&[])
                .windows(2)
                .take_while(|pair| match pair {
                    [before, other] => same_kind(item, other) && !self.blank_between(before, other),
                    _ => false,
                })
                .count();
            let group = items.get(i..i + run).unwrap_or(&[]);
            self.run(group);
            previous = group.last();
            i += run;
        }
    }

    /// Whether a blank line separates `other` from `before`, the item just
    /// before it, anywhere between them (comment lines between them keep a
    /// run aligned; a blank line, even among comments, ends it).
    fn blank_between(&self, before: &Item, other: &Item) -> bool {
        let gap = self
            .source
            .get(item_span(before).end..item_span(other).start)
            .unwrap_or("");
        // The lines strictly between the line `before` ends on and the one
        // `other` starts on.
        let lines: Vec<&str> = gap.split('\n').collect();
        lines
            .get(1..lines.len().saturating_sub(1))
            .is_some_and(|inner| inner.iter().any(|line| line.trim().is_empty()))
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
            self.leading(span.start, 1);
            self.indent(1);
            match item {
                Item::Version(t, _) => self.header("version", &quoted(&t.value), header_width),
                Item::Effective(t, _) => self.header("effective", &t.text, header_width),
                Item::Source(t, _) => self.header("source", &quoted(&t.value), header_width),
                Item::Currency(t, _) => self.header("currency", &t.text, header_width),
                Item::Market(d) => self.declaration("market", d, name_width),
                Item::Association(d) => self.declaration("association", d, name_width),
                Item::Attribute(d) => self.declaration("attribute", d, name_width),
                Item::Tiers(list, _) => {
                    let names: Vec<&str> = list.iter().map(|t| t.name.as_str()).collect();
                    self.out.push_str(&format!("tiers {}", names.join(", ")));
                }
                Item::Exam(e) => self.exam(e, name_width),
                Item::Group(g) => self.group(g, name_width),
                Item::Measure(m) => self.measure(m),
                Item::Option(o) => {
                    self.option(o);
                    continue;
                }
            }
            self.trailing(span.end);
            // Comments inside an item printed on one line follow it.
            self.inner(span.end, 1);
        }
    }

    fn header(&mut self, keyword: &str, value: &str, width: usize) {
        self.out
            .push_str(&format!("{} {value}", padded(keyword, width)));
    }

    fn declaration(&mut self, keyword: &str, d: &Declaration, width: usize) {
        match &d.title {
            Some(t) => self.out.push_str(&format!(
                "{keyword} {} {}",
                padded(&d.id.name, width),
                quoted(&t.value)
            )),
            None => self.out.push_str(&format!("{keyword} {}", d.id.name)),
        }
    }

    fn exam(&mut self, e: &ExamDecl, width: usize) {
        let kind = match e.kind {
            CredentialKind::Exam => "exam",
            CredentialKind::Assessment => "assessment",
            CredentialKind::Certification => "certification",
        };
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
        let quantifier = match g.quantifier {
            Quantifier::Any => "any",
            Quantifier::All => "all",
        };
        let head = format!("group {} = {quantifier} of", padded(&g.name.name, width));
        // Comments among the members stay with them: one member a line.
        if let Some(last) = g.exams.last()
            && self.comment_inside(g.name.span.end, last.span.start)
        {
            self.out.push_str(&head);
            self.out.push('\n');
            let members: Vec<(String, Span)> = g.exams.iter().map(|c| (code(c), c.span)).collect();
            self.commented_list(&members, 4);
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
                self.indent(2);
                self.out.push_str(&line);
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(&piece);
        }
        self.out.push('\n');
        self.indent(2);
        self.out.push_str(&line);
    }

    fn measure(&mut self, m: &MeasureDecl) {
        let (head, filter) = match &m.body {
            MeasureBody::Revenue {
                revenue_type,
                filter,
            } => (
                format!("revenue {} = {}", m.name.name, revenue_type.name),
                Some(filter),
            ),
            MeasureBody::Usage {
                aggregate,
                metric,
                filter,
            } => {
                let aggregate = aggregate
                    .as_ref()
                    .map(|a| format!("{} ", a.text))
                    .unwrap_or_default();
                (
                    format!("usage {} = {aggregate}{}", m.name.name, metric.name),
                    Some(filter),
                )
            }
            MeasureBody::DistinctCustomers { of } => (
                format!(
                    "measure {} = distinct customers of {}",
                    m.name.name, of.name
                ),
                None,
            ),
        };
        let Some(filter) = filter else {
            self.out.push_str(&head);
            return;
        };
        let products: Vec<String> = filter.products.iter().map(|p| quoted(&p.value)).collect();
        let mut rest = format!("over trailing {} months", filter.window_months.text);
        if !filter.associations.is_empty() {
            let names: Vec<&str> = filter
                .associations
                .iter()
                .map(|a| a.name.as_str())
                .collect();
            rest.push_str(&format!(" as {}", names.join(" or ")));
        }
        if filter.paid_only.is_some() {
            rest.push_str(if filter.associations.is_empty() {
                " paid only"
            } else {
                ", paid only"
            });
        }
        // Comments among the products stay with them: one product a line.
        let column = 2 + head.find(" = ").map_or(0, |i| i + 3);
        if let Some(last) = filter.products.last()
            && self.comment_inside(m.name.span.end, filter.window_months.span.start)
        {
            self.out.push_str(&format!("{head} from"));
            self.out.push('\n');
            let members: Vec<(String, Span)> = filter
                .products
                .iter()
                .map(|p| (quoted(&p.value), p.span))
                .collect();
            self.commented_list(&members, column);
            self.trailing(last.span.end);
            // Comments between the last product and the window.
            while let Some(comment) = self.comments.get(self.next_comment) {
                if comment.span.start >= filter.window_months.span.start {
                    break;
                }
                self.out.push_str(&" ".repeat(column));
                self.out.push_str(&comment.text);
                self.out.push('\n');
                self.next_comment += 1;
            }
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
        let brace = self.after_brace(o.title.as_ref().map_or(o.name.span.end, |t| t.span.end));
        self.trailing(brace);
        for (i, tier) in o.tiers.iter().enumerate() {
            if i > 0 {
                self.blank();
            }
            self.leading(tier.span.start, 2);
            self.indent(2);
            self.out.push_str(&format!("tier {} {{", tier.name.name));
            let brace = self.after_brace(tier.name.span.end);
            self.trailing(brace);
            self.requirements(&tier.requirements, 3);
            self.close(tier.span, 2);
        }
        self.close(o.span, 1);
    }

    fn requirements(&mut self, list: &[Requirement], level: usize) {
        for (i, req) in list.iter().enumerate() {
            let span = requirement_span(req);
            if i > 0 && self.blank_line_before(self.item_start(span.start)) {
                self.blank();
            }
            self.leading(span.start, level);
            self.indent(level);
            match req {
                Requirement::Measure(m) => {
                    let per_month = if m.per_month.is_some() {
                        " per month"
                    } else {
                        ""
                    };
                    let threshold = match &m.threshold {
                        Threshold::Everywhere(a) => amount(a),
                        Threshold::PerMarket(entries, _) if entries.is_empty() => "{}".to_owned(),
                        Threshold::PerMarket(entries, _) => {
                            let entries: Vec<String> = entries
                                .iter()
                                .map(|e| format!("{}: {}", e.market.name, amount(&e.amount)))
                                .collect();
                            format!("{{ {} }}", entries.join(", "))
                        }
                    };
                    let line = format!("require {}{per_month} >= {threshold}", m.measure.name);
                    match &m.threshold {
                        // Too long for one line, or with comments among the
                        // markets: one market a line, each with its comments.
                        Threshold::PerMarket(entries, braces)
                            if !entries.is_empty()
                                && (2 * level + line.chars().count() > WIDTH
                                    || self.comment_inside(braces.start, braces.end)) =>
                        {
                            self.out
                                .push_str(&format!("require {}{per_month} >= {{", m.measure.name));
                            self.trailing(braces.start + 1);
                            let members: Vec<(String, Span)> = entries
                                .iter()
                                .map(|e| {
                                    (format!("{}: {}", e.market.name, amount(&e.amount)), e.span)
                                })
                                .collect();
                            self.commented_list(&members, 2 * (level + 1));
                            let end = entries.last().map_or(braces.start, |e| e.span.end);
                            self.trailing(self.after_comma(end));
                            self.leading(braces.end.saturating_sub(1), level + 1);
                            self.indent(level);
                            self.out.push('}');
                        }
                        _ => self.out.push_str(&line),
                    }
                    self.trailing(span.end);
                }
                Requirement::Attribute(name, _) => {
                    self.out
                        .push_str(&format!("require attribute {}", name.name));
                    self.trailing(span.end);
                }
                Requirement::People(p) => {
                    let sharing = match p.sharing {
                        Sharing::Distinct => "distinct",
                        Sharing::Shared => "shared",
                    };
                    self.out.push_str(&format!("require {sharing} people {{"));
                    if p.roles.is_empty() {
                        self.out.push('}');
                        self.trailing(span.end);
                        continue;
                    }
                    // One role with no comment inside reads best on one line.
                    let comment_inside = self
                        .comments
                        .get(self.next_comment)
                        .is_some_and(|c| c.span.start < span.end);
                    if let [role] = p.roles.as_slice()
                        && !comment_inside
                    {
                        self.out.push_str(&format!(" {} }}", role_text(role)));
                        self.trailing(span.end);
                        continue;
                    }
                    let brace = self.after_brace(p.sharing_span.end);
                    self.trailing(brace);
                    for role in &p.roles {
                        self.leading(role.span.start, level + 1);
                        self.indent(level + 1);
                        self.out.push_str(&role_text(role));
                        self.trailing(role.span.end);
                        self.inner(role.span.end, level + 1);
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
                        self.trailing(brace);
                        self.requirements(&branch.requirements, level + 1);
                        self.leading(branch.span.end.saturating_sub(1), level + 1);
                        self.indent(level);
                        self.out.push('}');
                    }
                    self.trailing(span.end);
                }
            }
            // Comments inside a requirement printed on one line follow it.
            self.inner(span.end, level);
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
    let groups: Vec<&str> = role.groups.iter().map(|g| g.name.as_str()).collect();
    format!("{}{noun} passing {}", role.count.text, groups.join(" and "))
}

fn item_span(item: &Item) -> Span {
    match item {
        Item::Version(_, s)
        | Item::Effective(_, s)
        | Item::Source(_, s)
        | Item::Currency(_, s)
        | Item::Tiers(_, s) => *s,
        Item::Market(d) | Item::Association(d) | Item::Attribute(d) => d.span,
        Item::Exam(e) => e.span,
        Item::Group(g) => g.span,
        Item::Measure(m) => m.span,
        Item::Option(o) => o.span,
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
        Item::Market(_) => 1,
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
    };
    kind(a) == kind(b) && !matches!(a, Item::Option(_) | Item::Measure(_) | Item::Tiers(..))
}

fn header_keyword(item: &Item) -> Option<&'static str> {
    match item {
        Item::Version(..) => Some("version"),
        Item::Effective(..) => Some("effective"),
        Item::Source(..) => Some("source"),
        Item::Currency(..) => Some("currency"),
        _ => None,
    }
}

/// The name that titles or `=` are aligned after.
fn declared_name(item: &Item) -> Option<String> {
    match item {
        Item::Market(d) | Item::Association(d) | Item::Attribute(d) => Some(d.id.name.clone()),
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
