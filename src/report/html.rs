//! The report as one self-contained HTML page (`report.html`): inline CSS, charts as inline
//! SVG, no scripts and nothing fetched, so it opens from disk, offline, and can be mailed.

use std::fmt::Write as _;

use super::doc::{Block, Doc, Tone};
use crate::plot::Chart;

use crate::text::html as esc;

/// Prose with `code` spans.
fn prose(s: &str) -> String {
    s.split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("<code>{}</code>", esc(part))
            } else {
                esc(part)
            }
        })
        .collect()
}

const CSS: &str = "
body { font-family: system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', sans-serif; color: #1e1e1e; max-width: 1040px; margin: 2em auto; padding: 0 1em; line-height: 1.45; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; }
h2 { font-size: 1.3em; margin-top: 2em; border-bottom: 1px solid #ccc; padding-bottom: 0.2em; }
.verdict { border: 2px solid; border-left-width: 12px; padding: 0.8em 1em; margin: 1em 0; font-size: 1.1em; }
.verdict b { display: block; letter-spacing: 0.05em; margin-bottom: 0.3em; }
.good { border-color: #1a7f37; background: #eef8f0; }
.warn { border-color: #b8860b; background: #fdf6e3; }
.bad { border-color: #c81e1e; background: #fdeeee; }
.info { border-color: #555; background: #f2f2f2; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.95em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.7em; }
th { background: #f2f2f2; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1.5em 0; }
figure svg { max-width: 100%; height: auto; border: 1px solid #e5e5e5; }
code, pre { font-family: 'DejaVu Sans Mono', Menlo, Consolas, monospace; background: #f4f4f4; }
pre { padding: 0.6em 1em; overflow-x: auto; }
@media print { body { max-width: none; } figure { break-inside: avoid; } }
";

/// The chart's SVG made to scale with the page: the XML declaration dropped and a viewBox
/// added (plotters writes fixed width and height).
fn inline_svg(svg: &str) -> String {
    let body = match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    };
    if body.contains("viewBox") {
        return body.to_string();
    }
    let num = |attr: &str| -> Option<String> {
        let head = &body[..body.find('>')?];
        let at = head.find(&format!(" {attr}=\""))? + attr.len() + 3;
        let end = head[at..].find('"')?;
        Some(head[at..at + end].to_string())
    };
    match (num("width"), num("height")) {
        (Some(w), Some(h)) => body.replacen("<svg", &format!("<svg viewBox=\"0 0 {w} {h}\""), 1),
        _ => body.to_string(),
    }
}

/// Render `doc` with `charts` inlined where the document places them.
pub fn render(doc: &Doc, charts: &[Chart]) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        esc(&doc.title),
        esc(&doc.title)
    );
    for b in &doc.blocks {
        match b {
            Block::Heading(level, t) => {
                let l = (*level).clamp(2, 4);
                let _ = writeln!(o, "<h{l}>{}</h{l}>", esc(t));
            }
            Block::Para(t) => {
                let _ = writeln!(o, "<p>{}</p>", prose(t));
            }
            Block::Verdict { tone, word, text } => {
                let class = match tone {
                    Tone::Good => "good",
                    Tone::Warn => "warn",
                    Tone::Bad => "bad",
                    Tone::Info => "info",
                };
                let _ = writeln!(o, "<div class=\"verdict {class}\"><b>{}</b>{}</div>", esc(word), prose(text));
            }
            Block::List(items) => {
                o.push_str("<ul>\n");
                for i in items {
                    let _ = writeln!(o, "<li>{}</li>", prose(i));
                }
                o.push_str("</ul>\n");
            }
            Block::Table { head, rows, numeric } => {
                o.push_str("<table>\n<tr>");
                for h in head {
                    let _ = write!(o, "<th>{}</th>", esc(h));
                }
                o.push_str("</tr>\n");
                for r in rows {
                    o.push_str("<tr>");
                    for (i, c) in r.iter().enumerate() {
                        let class = if numeric.get(i).copied().unwrap_or(false) {
                            " class=\"n\""
                        } else {
                            ""
                        };
                        let _ = write!(o, "<td{class}>{}</td>", esc(c));
                    }
                    o.push_str("</tr>\n");
                }
                o.push_str("</table>\n");
            }
            Block::Chart { name, title } => {
                if let Some(svg) = charts.iter().find(|c| &c.name == name).and_then(|c| c.svg.as_deref()) {
                    let _ = writeln!(
                        o,
                        "<figure id=\"{}\" role=\"img\" aria-label=\"{}\">\n{}\n</figure>",
                        esc(name),
                        esc(title),
                        inline_svg(svg).trim_end()
                    );
                }
            }
            Block::Code(t) => {
                let _ = writeln!(o, "<pre>{}</pre>", esc(t));
            }
        }
    }
    o.push_str("</body>\n</html>\n");
    o
}
