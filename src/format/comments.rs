//! Where the author's comments and blank lines go: a cursor over the
//! comments of a file, in order, that the layout asks at each position
//! ("comments before this item", "a comment after this token on its line").
//! It decides from positions in the source; of the output it looks only at
//! the last line written, so as not to double a blank line.

use super::{blank, indent};
use crate::ast::{Comment, Span};

/// The comments of a file not yet written, and the source they sit in.
pub(super) struct Comments<'s> {
    source: &'s str,
    comments: &'s [Comment],
    next: usize,
}

impl<'s> Comments<'s> {
    pub(super) fn new(source: &'s str, comments: &'s [Comment]) -> Self {
        Comments {
            source,
            comments,
            next: 0,
        }
    }

    /// The next comment to write, if it starts before `upto`.
    fn next_before(&self, upto: usize) -> Option<&'s Comment> {
        self.comments
            .get(self.next)
            .filter(|comment| comment.span.start < upto)
    }

    /// Writes the next comment on a line of its own, `pad` columns in.
    fn write_line(&mut self, out: &mut String, comment: &Comment, pad: usize) {
        out.push_str(&" ".repeat(pad));
        out.push_str(&comment.text);
        out.push('\n');
        self.next += 1;
    }

    /// Comments that start before `upto`, each on its own line, keeping one
    /// blank line where the author had one.
    pub(super) fn leading(&mut self, out: &mut String, upto: usize, level: usize) {
        self.lines(out, upto, level, true);
    }

    /// Comments left inside an item printed on one line, on their own
    /// lines after it, with no blank lines: they belong to the item.
    pub(super) fn inner(&mut self, out: &mut String, upto: usize, level: usize) {
        self.lines(out, upto, level, false);
    }

    fn lines(&mut self, out: &mut String, upto: usize, level: usize, keep_blank_lines: bool) {
        let mut printed = false;
        while let Some(comment) = self.next_before(upto) {
            // Keep one blank line before a comment that had one.
            if keep_blank_lines
                && self.blank_line_before(comment.span.start)
                && !out.ends_with("{\n")
                && !out.is_empty()
            {
                blank(out);
            }
            indent(out, level);
            out.push_str(&comment.text);
            out.push('\n');
            self.next += 1;
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
            blank(out);
        }
    }

    /// Comments right under the item just written (no blank line between
    /// them and it) that start before `upto`, at `level`: they stay with
    /// that item, above a blank line the layout puts after it.
    pub(super) fn under(&mut self, out: &mut String, upto: usize, level: usize) {
        while let Some(comment) = self.next_before(upto) {
            if self.blank_line_before(comment.span.start) {
                break;
            }
            self.write_line(out, comment, 2 * level);
        }
    }

    /// Comments that start before `upto`, each on its own line `pad`
    /// columns in, with no blank lines.
    pub(super) fn before(&mut self, out: &mut String, upto: usize, pad: usize) {
        while let Some(comment) = self.next_before(upto) {
            self.write_line(out, comment, pad);
        }
    }

    /// A comment after `after` on the same source line, appended to the
    /// line just written (which must not yet end in a newline), then the
    /// line's end.
    pub(super) fn trailing(&mut self, out: &mut String, after: usize) {
        if let Some(comment) = self.comments.get(self.next) {
            let between = self.source.get(after..comment.span.start).unwrap_or("\n");
            // Only a comment with nothing but spaces between it and `after`.
            if comment.span.start >= after && between.trim().is_empty() && !between.contains('\n') {
                out.push(' ');
                out.push_str(&comment.text);
                self.next += 1;
            }
        }
        out.push('\n');
    }

    /// Whether the next comment to write starts inside `from..to`.
    pub(super) fn inside(&self, from: usize, to: usize) -> bool {
        self.comments
            .get(self.next)
            .is_some_and(|c| c.span.start > from && c.span.start < to)
    }

    /// Whether the next comment to write starts before `upto`.
    pub(super) fn any_before(&self, upto: usize) -> bool {
        self.next_before(upto).is_some()
    }

    /// A list with comments among its members, one member a line at `pad`
    /// columns, each with the comments written on their own lines above it
    /// and the comment after it on its line (after its comma). The last
    /// member's line is left open for its caller to end.
    pub(super) fn list(&mut self, out: &mut String, members: &[(String, Span)], pad: usize) {
        let last = members.len().saturating_sub(1);
        for (i, (text, span)) in members.iter().enumerate() {
            self.before(out, span.start, pad);
            out.push_str(&" ".repeat(pad));
            out.push_str(text);
            if i < last {
                out.push(',');
                self.trailing(out, self.after_comma(span.end));
            }
        }
    }

    /// Just after the `,` that follows `at` (spaces aside), or `at`.
    pub(super) fn after_comma(&self, at: usize) -> usize {
        let rest = self.source.get(at..).unwrap_or("");
        let code = rest.trim_start_matches([' ', '\t']);
        if code.starts_with(',') {
            at + (rest.len() - code.len()) + 1
        } else {
            at
        }
    }

    /// The position just after the `{` that follows `from`.
    pub(super) fn after_brace(&self, from: usize) -> usize {
        self.source
            .get(from..)
            .and_then(|rest| rest.find('{'))
            .map_or(from, |i| from + i + 1)
    }

    /// Whether the source has an empty line just before `at` (after the
    /// previous code or comment).
    pub(super) fn blank_line_before(&self, at: usize) -> bool {
        let before = self.source.get(..at).unwrap_or("");
        let gap_start = before.trim_end().len();
        before
            .get(gap_start..)
            .is_some_and(|gap| gap.matches('\n').count() >= 2)
    }

    /// Whether a blank line lies anywhere between a line that ends at `end`
    /// and the one that starts at `start` (comment lines between them do
    /// not count; a blank line among comments does).
    pub(super) fn blank_between(&self, end: usize, start: usize) -> bool {
        let gap = self.source.get(end..start).unwrap_or("");
        // The lines strictly between the line `end` is on and the one
        // `start` is on.
        let lines: Vec<&str> = gap.split('\n').collect();
        lines
            .get(1..lines.len().saturating_sub(1))
            .is_some_and(|inner| inner.iter().any(|line| line.trim().is_empty()))
    }

    /// Where an item that starts at `start` begins, counting the comments
    /// on their own lines just before it.
    pub(super) fn item_start(&self, start: usize) -> usize {
        match self.comments.get(self.next) {
            Some(comment) if comment.span.start < start => comment.span.start,
            _ => start,
        }
    }
}
