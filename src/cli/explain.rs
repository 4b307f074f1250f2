//! `rubric explain CODE`: the long explanation of a diagnostic code, with an
//! example that raises it and the same example fixed.

use std::io::{IsTerminal as _, Write as _};

use super::Exit;

/// Arguments of `rubric explain`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The code, e.g. `E0201` or `W0100`.
    #[arg(value_name = "CODE")]
    pub code: String,
}

/// Prints the explanation.
pub fn run(args: &Args) -> Exit {
    let Some(e) = rubric::explain::explain(&args.code) else {
        let known: Vec<&str> = rubric::explain::all().iter().map(|e| e.code).collect();
        eprintln!(
            "error: no diagnostic has the code `{}`; codes are {}",
            args.code,
            known.join(", ")
        );
        return Exit::Usage;
    };
    // Wrapped to a terminal (at most 100 columns, for reading); a pipe or a
    // file gets the paragraph on one line, for the pager or editor to wrap.
    let text = if std::io::stdout().is_terminal() {
        let width = terminal_size::terminal_size().map_or(80, |(terminal_size::Width(w), _)| {
            usize::from(w).clamp(40, 100)
        });
        textwrap(e.text, width)
    } else {
        e.text.to_owned()
    };
    let mut out = format!("{}: {}\n\n{text}\n", e.code, e.title);
    if !e.wrong.is_empty() {
        out.push_str(&format!(
            "\nThis raises {}:\n\n{}\n",
            e.code,
            indent(e.wrong)
        ));
        out.push_str(&format!("\nThis is right:\n\n{}\n", indent(e.right)));
    }
    let _ = std::io::stdout().write_all(out.as_bytes());
    Exit::Success
}

fn indent(text: &str) -> String {
    text.trim_end()
        .lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("    {l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Wraps a paragraph at `width` columns, on spaces.
fn textwrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(&line);
    out
}
