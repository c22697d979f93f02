//! What `drillsim sweep` writes: the terminal table, JSON for scripts (stable, sorted keys),
//! CSV (one row per variant) and Markdown. None of them carry timings, so the same files,
//! seed and options give the same bytes at any thread count.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::param::{Vary, op_value};
use super::{Outcome, Sweep};
use crate::scenario::vary::Op;

/// A value: minutes with one decimal, or a share in percent.
pub fn value(x: f64, share: bool) -> String {
    if !x.is_finite() {
        return if x.is_nan() { "-".into() } else { "inf".into() };
    }
    if share {
        format!("{:.2}%", 100.0 * x)
    } else {
        format!("{x:.1} min")
    }
}

/// A change: signed minutes or percentage points.
fn signed(x: f64, share: bool) -> String {
    let x = x + 0.0;
    if share {
        format!("{:+.2} pp", 100.0 * x)
    } else {
        format!("{x:+.1} min")
    }
}

fn interval_text(o: &Outcome, share: bool) -> String {
    let i = o.measure.interval;
    if share {
        format!("[{:+.2}, {:+.2}] pp", 100.0 * i.lo + 0.0, 100.0 * i.hi + 0.0)
    } else {
        format!("[{:+.1}, {:+.1}] min", i.lo + 0.0, i.hi + 0.0)
    }
}

fn objectives_text(o: &Outcome) -> String {
    if o.objectives.is_empty() {
        "-".into()
    } else {
        format!("{}/{} met", o.met(), o.objectives.len())
    }
}

fn margin_text(o: &Outcome) -> String {
    match o.worst_margin() {
        None => "-".into(),
        Some(m) if !m.is_finite() => "-".into(),
        Some(m) => format!("{:+.1}%", 100.0 * m + 0.0),
    }
}

/// How the sweep ranked, in words.
pub fn ranked_by(s: &Sweep) -> String {
    if s.by_objectives {
        format!(
            "every objective met first, then objectives met, then the worst margin (how far the objective nearest to breaking is from its threshold), then {}",
            s.measure
        )
    } else {
        format!(
            "{} ({} first)",
            s.measure,
            if s.resolved.higher_is_worse() { "lowest" } else { "highest" }
        )
    }
}

fn settings(s: &Sweep) -> String {
    format!(
        "{} variants and the base, {} trials each, seed {}, common random numbers; {}% paired-bootstrap intervals ({} resamples) of each change against the base",
        s.outcomes.len() - 1,
        s.trials,
        s.seed,
        100.0 * s.confidence,
        s.resamples
    )
}

/// Per `--vary`, the column's head (`teams.ops.capacity=`) and each outcome's value in it.
fn columns(s: &Sweep, varies: &[Vary]) -> Vec<(String, Vec<String>)> {
    let named = named_column(s, varies);
    varies
        .iter()
        .enumerate()
        .map(|(j, v)| {
            let cells = s
                .outcomes
                .iter()
                .map(|o| match o.values.get(j) {
                    Some(&i) => op_value(&v.ops[i], v.target.field.value),
                    None if o.is_base && j == 0 && !named => "base".into(),
                    None => String::new(),
                })
                .collect();
            (format!("{}{}", v.target.text(), v.operator()), cells)
        })
        .collect()
}

/// Whether the table needs a variant column: named variants, or no `--vary` columns.
fn named_column(s: &Sweep, varies: &[Vary]) -> bool {
    varies.is_empty() || s.outcomes.iter().any(|o| !o.is_base && o.values.is_empty())
}

/// The variant column: "base", a named variant's name, or nothing for a varied one (its
/// values stand in their own columns); with no `--vary`, every label.
fn variant_cell(o: &Outcome, varies: &[Vary]) -> String {
    if o.is_base {
        "base".into()
    } else if o.values.is_empty() || varies.is_empty() {
        o.label.clone()
    } else {
        String::new()
    }
}

/// The terminal table: a column per `--vary` with each variant's value.
pub fn table(s: &Sweep, varies: &[Vary]) -> String {
    let share = s.resolved.is_share();
    let mut out = String::new();
    let _ = writeln!(out, "sweep of {}", s.scenario);
    let _ = writeln!(out, "  {}", settings(s));
    let _ = writeln!(out, "  ranked by {}\n", ranked_by(s));
    let cols = columns(s, varies);
    let width = |head: &str, cells: &[String]| {
        cells
            .iter()
            .map(|c| c.chars().count())
            .chain([head.chars().count()])
            .max()
            .unwrap_or(0)
    };
    let variants: Vec<String> = s.outcomes.iter().map(|o| variant_cell(o, varies)).collect();
    let vw = width("variant", &variants);
    let mw = s.measure.chars().count().max(10);
    let named = named_column(s, varies);
    let mut head = format!("  {:>4}", "rank");
    if named {
        let _ = write!(head, "  {:<vw$}", "variant");
    }
    for (h, cells) in &cols {
        let w = width(h, cells);
        let _ = write!(head, "  {h:>w$}");
    }
    let _ = writeln!(
        out,
        "{head}  {:>10}  {:>12}  {:>mw$}  {:>12}  {}% interval",
        "objectives",
        "worst margin",
        s.measure,
        "change",
        100.0 * s.confidence
    );
    for (i, o) in s.outcomes.iter().enumerate() {
        let (change, iv) = if o.is_base {
            (String::new(), String::new())
        } else {
            (signed(o.measure.change, share), interval_text(o, share))
        };
        let mut line = format!("  {:>4}", o.rank);
        if named {
            let _ = write!(line, "  {:<vw$}", variants[i]);
        }
        for (h, cells) in &cols {
            let w = width(h, cells);
            let _ = write!(line, "  {:>w$}", cells[i]);
        }
        let _ = writeln!(
            out,
            "{line}  {:>10}  {:>12}  {:>mw$}  {:>12}  {}",
            objectives_text(o),
            margin_text(o),
            value(o.measure.candidate, share),
            change,
            iv
        );
    }
    if let Some(best) = s.outcomes.first()
        && !best.is_base
    {
        let _ = writeln!(out, "\n  best: {}", best.label);
    }
    out
}

/// The JSON document.
pub fn json(s: &Sweep, varies: &[Vary]) -> Value {
    let num = |x: f64| if x.is_finite() { json!(x) } else { Value::Null };
    let variants: Vec<Value> = s
        .outcomes
        .iter()
        .map(|o| {
            let changes: Vec<Value> = o
                .edits
                .iter()
                .map(|e| {
                    let (op, v) = match &e.op {
                        Op::Set(_) => ("=", op_value(&e.op, e.target.field.value)),
                        Op::Scale(_) => ("*=", op_value(&e.op, e.target.field.value)),
                        Op::Add(_) => ("+=", op_value(&e.op, e.target.field.value)),
                    };
                    json!({ "field": e.target.text(), "op": op, "value": v })
                })
                .collect();
            let objectives: Vec<Value> = o
                .objectives
                .iter()
                .map(|b| {
                    json!({
                        "objective": b.text,
                        "unit": if b.share { "share" } else { "minutes" },
                        "threshold": b.threshold,
                        "estimate": num(b.estimate),
                        "low": num(b.interval.lo),
                        "high": num(b.interval.hi),
                        "verdict": b.verdict.as_str(),
                        "margin": num(b.margin),
                    })
                })
                .collect();
            json!({
                "rank": o.rank,
                "variant": o.label,
                "base": o.is_base,
                "changes": changes,
                "objectives": objectives,
                "objectives_met": o.met(),
                "all_met": o.all_met(),
                "worst_margin": o.worst_margin().map_or(Value::Null, num),
                "value": num(o.measure.candidate),
                "change": num(o.measure.change),
                "low": num(o.measure.interval.lo),
                "high": num(o.measure.interval.hi),
            })
        })
        .collect();
    json!({
        "drillsim_version": env!("CARGO_PKG_VERSION"),
        "scenario": s.scenario,
        "seed": s.seed,
        "trials": s.trials,
        "resamples": s.resamples,
        "confidence": s.confidence,
        "vary": varies.iter().map(|v| v.text.clone()).collect::<Vec<_>>(),
        "measure": {
            "name": s.measure,
            "unit": if s.resolved.is_share() { "share" } else { "minutes" },
            "higher_is_worse": s.resolved.higher_is_worse(),
            "base": num(s.outcomes.iter().find(|o| o.is_base).map_or(f64::NAN, |o| o.measure.candidate)),
        },
        "ranked_by": if s.by_objectives { "objectives" } else { "measure" },
        "variants": variants,
    })
}

/// CSV: one row per variant (the base too), best first: `rank,variant,base`, one column per
/// `--vary` with its value, `objectives_met,objectives,all_met,worst_margin`, the measure's
/// `value,change,low,high`, then per objective of the base its estimate and verdict.
pub fn csv(s: &Sweep, varies: &[Vary]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let objectives: Vec<String> = s
        .outcomes
        .iter()
        .find(|o| o.is_base)
        .map(|o| o.objectives.iter().map(|b| b.text.clone()).collect())
        .unwrap_or_default();
    let mut head: Vec<String> = ["rank", "variant", "base"].iter().map(|x| x.to_string()).collect();
    head.extend(varies.iter().map(|v| format!("{}{}", v.target.text(), v.operator())));
    head.extend(
        ["objectives_met", "objectives", "all_met", "worst_margin"]
            .iter()
            .map(|x| x.to_string()),
    );
    let unit = if s.resolved.is_share() { "share" } else { "minutes" };
    for k in ["value", "change", "low", "high"] {
        head.push(format!("{} {k} ({unit})", s.measure));
    }
    for o in &objectives {
        head.push(format!("{o}: estimate"));
        head.push(format!("{o}: verdict"));
    }
    let f = |x: f64| if x.is_finite() { x.to_string() } else { String::new() };
    let _ = w.write_record(&head);
    for o in &s.outcomes {
        let mut row = vec![o.rank.to_string(), o.label.clone(), o.is_base.to_string()];
        for (j, v) in varies.iter().enumerate() {
            row.push(match o.values.get(j) {
                Some(&i) => op_value(&v.ops[i], v.target.field.value),
                None => String::new(),
            });
        }
        row.push(o.met().to_string());
        row.push(o.objectives.len().to_string());
        row.push(o.all_met().to_string());
        row.push(o.worst_margin().map_or(String::new(), f));
        for x in [o.measure.candidate, o.measure.change, o.measure.interval.lo, o.measure.interval.hi] {
            row.push(f(x));
        }
        for text in &objectives {
            match o.objectives.iter().find(|b| &b.text == text) {
                Some(b) => {
                    row.push(f(b.estimate));
                    row.push(b.verdict.as_str().to_string());
                }
                None => {
                    row.push(String::new());
                    row.push(String::new());
                }
            }
        }
        let _ = w.write_record(&row);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// Markdown: the settings, the ranking rule and the ranked table.
pub fn markdown(s: &Sweep, varies: &[Vary]) -> String {
    let share = s.resolved.is_share();
    let mut out = String::new();
    let _ = writeln!(out, "### drillsim sweep: {}\n", md_escape(&s.scenario));
    let _ = writeln!(out, "{}. Ranked by {}.\n", settings(s), md_escape(&ranked_by(s)));
    let cols = columns(s, varies);
    let named = named_column(s, varies);
    let mut head = String::from(if named { "| rank | variant |" } else { "| rank |" });
    let mut rule = String::from(if named { "|--:|---|" } else { "|--:|" });
    for (h, _) in &cols {
        let _ = write!(head, " `{}` |", md_escape(h));
        rule.push_str("--:|");
    }
    let _ = writeln!(
        out,
        "{head} objectives | worst margin | {} | change | {}% interval |",
        md_escape(&s.measure),
        100.0 * s.confidence
    );
    let _ = writeln!(out, "{rule}--:|--:|--:|--:|--:|");
    for (i, o) in s.outcomes.iter().enumerate() {
        let label = match variant_cell(o, varies) {
            l if o.is_base => format!("**{l}** (as written)"),
            l if l.is_empty() => l,
            l => format!("`{}`", md_escape(&l)),
        };
        let (change, iv) = if o.is_base {
            (String::new(), String::new())
        } else {
            (signed(o.measure.change, share), interval_text(o, share))
        };
        let mut row = format!("| {} |", o.rank);
        if named {
            let _ = write!(row, " {label} |");
        }
        for (_, cells) in &cols {
            let _ = write!(row, " {} |", md_escape(&cells[i]));
        }
        let _ = writeln!(
            out,
            "{row} {} | {} | {} | {change} | {iv} |",
            objectives_text(o),
            margin_text(o),
            value(o.measure.candidate, share)
        );
    }
    if let Some(base) = s.outcomes.iter().find(|o| o.is_base)
        && !base.objectives.is_empty()
    {
        let _ = writeln!(out, "\nObjectives: {}.", {
            base.objectives
                .iter()
                .map(|b| format!("`{}`", md_escape(&b.text)))
                .collect::<Vec<_>>()
                .join(", ")
        });
    }
    crate::text::terminal_lines(&out)
}
