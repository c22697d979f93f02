//! The report as Markdown (`report.md`), charts linked as the image files beside it.

use std::fmt::Write as _;

use super::doc::{Block, Doc};
use crate::text::printable;

/// A code fence longer than any run of backticks in `t` (at least three), so that verbatim
/// text cannot close its block early.
fn fence(t: &str) -> String {
    let longest = t.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat((longest + 1).max(3))
}

/// Escape text for Markdown prose and table cells: control characters as their escapes
/// (a name holding a newline must not end a table row), Markdown's own characters with a
/// backslash.
fn esc(s: &str) -> String {
    let s = printable(s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Prose with `code` spans kept as they are and the rest escaped.
fn prose(s: &str) -> String {
    s.split('`')
        .enumerate()
        .map(|(i, part)| if i % 2 == 1 { format!("`{}`", printable(part)) } else { esc(part) })
        .collect()
}

/// Render `doc`; `images` is the extension of the chart files written beside it (`png` or
/// `svg`), or `None` when no chart files are written (charts are then left out).
pub fn render(doc: &Doc, images: Option<&str>) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# {}\n", esc(&doc.title));
    for b in &doc.blocks {
        match b {
            Block::Heading(level, t) => {
                let _ = writeln!(o, "{} {}\n", "#".repeat(*level as usize), esc(t));
            }
            Block::Para(t) => {
                let _ = writeln!(o, "{}\n", prose(t));
            }
            Block::Verdict { word, text, .. } => {
                let _ = writeln!(o, "> **{}.** {}\n", esc(word), prose(text));
            }
            Block::List(items) => {
                for i in items {
                    let _ = writeln!(o, "- {}", prose(i));
                }
                o.push('\n');
            }
            Block::Table { head, rows, numeric } => {
                let _ = writeln!(o, "| {} |", head.iter().map(|h| esc(h)).collect::<Vec<_>>().join(" | "));
                let rule: Vec<&str> = (0..head.len())
                    .map(|i| if numeric.get(i).copied().unwrap_or(false) { "---:" } else { "---" })
                    .collect();
                let _ = writeln!(o, "| {} |", rule.join(" | "));
                for r in rows {
                    let _ = writeln!(o, "| {} |", r.iter().map(|c| esc(c)).collect::<Vec<_>>().join(" | "));
                }
                o.push('\n');
            }
            Block::Chart { name, title } => {
                if let Some(ext) = images {
                    let _ = writeln!(o, "![{}]({name}.{ext})\n", esc(title));
                }
            }
            Block::Code(t) => {
                let t = printable(t);
                let _ = writeln!(o, "{f}\n{t}\n{f}\n", f = fence(&t));
            }
        }
    }
    o
}
