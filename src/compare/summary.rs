//! What `drillsim compare` writes: the terminal table, a Markdown summary for a pull-request
//! comment, JSON for scripts, and the recovery CDFs as CSV (for the SVG overlay see
//! [`crate::plot::cdf_overlay`]). None of them carry timings.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::{CDF_POINTS, Change, Comparison, Row};

/// One exercise of a comparison (two files, or a file found in both plan folders).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum Entry {
    /// Compared.
    Compared {
        /// The exercise's file, relative to the folder compared (or the file name).
        name: String,
        /// The figures (boxed: they are large beside the other variants).
        comparison: Box<Comparison>,
    },
    /// Only in the base revision.
    OnlyBase {
        /// The exercise's file.
        name: String,
    },
    /// Only in the candidate revision (a new exercise).
    OnlyCandidate {
        /// The exercise's file.
        name: String,
    },
    /// The base, read from a git revision, is not a valid scenario (for this version of
    /// drillsim): reported, not compared, and not a failure, so that a revision that repairs
    /// a broken scenario can pass.
    BaseInvalid {
        /// The exercise's file.
        name: String,
        /// The error, with `REV:file:line:col`.
        error: String,
    },
    /// One side could not be read or is not a valid scenario.
    Bad {
        /// The exercise's file.
        name: String,
        /// The error, with file, line and column.
        error: String,
    },
}

/// A whole compare run.
#[derive(Clone, Debug)]
pub struct Report {
    /// What the base is (a path, or `REV:path`).
    pub base: String,
    /// What the candidate is.
    pub candidate: String,
    /// Per exercise, in sorted order.
    pub entries: Vec<Entry>,
}

/// The overall result, in order of precedence for the exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// No exercise worse and none better.
    NoSignificantChange,
    /// Some exercise better and none worse.
    Better,
    /// Some exercise worse (exit 1).
    Worse,
    /// A file was bad input (exit 2).
    BadInput,
}

impl Outcome {
    /// As printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::NoSignificantChange => "no significant change",
            Outcome::Better => "better",
            Outcome::Worse => "worse",
            Outcome::BadInput => "bad input",
        }
    }
}

impl Report {
    /// The overall result.
    pub fn overall(&self) -> Outcome {
        if self.entries.iter().any(|e| matches!(e, Entry::Bad { .. })) {
            return Outcome::BadInput;
        }
        let verdicts: Vec<Change> = self
            .entries
            .iter()
            .filter_map(|e| match e {
                Entry::Compared { comparison, .. } => Some(comparison.verdict),
                _ => None,
            })
            .collect();
        if verdicts.contains(&Change::Worse) {
            Outcome::Worse
        } else if verdicts.contains(&Change::Better) {
            Outcome::Better
        } else {
            Outcome::NoSignificantChange
        }
    }
}

/// A value: minutes with one decimal, or a share in percent.
pub(super) fn value(x: f64, share: bool) -> String {
    if share {
        format!("{:.2}%", 100.0 * x)
    } else {
        format!("{x:.1} min")
    }
}

/// A change: signed minutes, or signed percentage points.
pub(super) fn signed(x: f64, share: bool) -> String {
    let x = if x == 0.0 { 0.0 } else { x }; // no "-0"
    if share {
        format!("{:+.2} pp", 100.0 * x)
    } else {
        format!("{x:+.2} min")
    }
}

pub(super) fn change_text(r: &Row) -> String {
    let mut t = signed(r.change, r.share);
    if !r.share && r.base != 0.0 {
        let _ = write!(t, " ({:+.2}%)", 100.0 * r.change / r.base);
    }
    t
}

pub(super) fn interval_text(r: &Row) -> String {
    let (lo, hi) = (r.interval.lo, r.interval.hi);
    if r.share {
        format!("[{:+.2}, {:+.2}] pp", 100.0 * lo + 0.0, 100.0 * hi + 0.0)
    } else {
        format!("[{:+.2}, {:+.2}] min", lo + 0.0, hi + 0.0)
    }
}

pub(super) fn settings(c: &Comparison) -> String {
    let o = &c.options;
    format!(
        "seed {}, {} paired trials; {}% simultaneous paired-bootstrap intervals ({} statistics, {} resamples); changes within max({} min, {}%) do not count",
        o.seed,
        o.trials,
        100.0 * o.confidence,
        c.rows.len(),
        o.resamples,
        o.tolerance_minutes,
        o.tolerance_percent
    )
}

/// The terminal table.
pub fn table(r: &Report) -> String {
    let mut out = entries_table(r);
    let _ = writeln!(out, "result: {}", r.overall().as_str());
    out
}

/// The terminal table without its last line, the overall result (a compare shard's log: its
/// entries are only some of the comparison's).
pub fn entries_table(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "base:      {}\ncandidate: {}\n", r.base, r.candidate);
    for e in &r.entries {
        match e {
            Entry::Bad { error, .. } => {
                let _ = writeln!(out, "error: {error}\n");
            }
            Entry::OnlyBase { name } => {
                let _ = writeln!(out, "{name}: only in the base (removed); not compared\n");
            }
            Entry::BaseInvalid { name, error } => {
                let _ = writeln!(out, "{name}: the base is not a valid scenario; not compared:\n  {error}\n");
            }
            Entry::OnlyCandidate { name } => {
                let _ = writeln!(out, "{name}: new in the candidate; not compared\n");
            }
            Entry::Compared { name, comparison: c } => {
                let title = if c.base_name == c.candidate_name {
                    c.candidate_name.clone()
                } else {
                    format!("{} -> {}", c.base_name, c.candidate_name)
                };
                let _ = writeln!(out, "{name}: {title}: {}", c.verdict.as_str());
                let _ = writeln!(out, "  {}", settings(c));
                let w = c.rows.iter().map(|r| r.label.chars().count()).max().unwrap_or(0).max(9);
                let _ = writeln!(
                    out,
                    "  {:<w$}  {:>11}  {:>11}  {:>22}  {:<24}  verdict",
                    "statistic",
                    "base",
                    "candidate",
                    "change",
                    format!("{}% interval", 100.0 * c.options.confidence)
                );
                for row in &c.rows {
                    let _ = writeln!(
                        out,
                        "  {:<w$}  {:>11}  {:>11}  {:>22}  {:<24}  {}",
                        row.label,
                        value(row.base, row.share),
                        value(row.candidate, row.share),
                        change_text(row),
                        interval_text(row),
                        row.verdict.as_str()
                    );
                }
                for n in &c.notes {
                    let _ = writeln!(out, "  note: {n}");
                }
                let _ = writeln!(out);
            }
        }
    }
    out
}

/// A short Markdown summary for a pull-request comment (see [`super::comment`]).
pub fn markdown(r: &Report) -> String {
    super::comment::render(r)
}

pub(super) fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The JSON document for scripts.
pub fn json(r: &Report) -> Value {
    let entries: Vec<Value> = r
        .entries
        .iter()
        .map(|e| match e {
            Entry::Bad { name, error } => json!({ "exercise": name, "status": "bad input", "error": error }),
            Entry::OnlyBase { name } => json!({ "exercise": name, "status": "only in base" }),
            Entry::BaseInvalid { name, error } => json!({ "exercise": name, "status": "base invalid", "error": error }),
            Entry::OnlyCandidate { name } => json!({ "exercise": name, "status": "only in candidate" }),
            Entry::Compared { name, comparison: c } => {
                let rows: Vec<Value> = c
                    .rows
                    .iter()
                    .map(|row| {
                        json!({
                            "statistic": row.label,
                            "unit": if row.share { "share" } else { "minutes" },
                            "higher_is_worse": row.higher_is_worse,
                            "base": row.base,
                            "candidate": row.candidate,
                            "change": row.change,
                            "low": row.interval.lo,
                            "high": row.interval.hi,
                            "margin": row.margin,
                            "verdict": row.verdict.as_str(),
                        })
                    })
                    .collect();
                let o = &c.options;
                json!({
                    "exercise": name,
                    "status": "compared",
                    "base_scenario": c.base_name,
                    "candidate_scenario": c.candidate_name,
                    "seed": o.seed,
                    "trials": o.trials,
                    "resamples": o.resamples,
                    "confidence": o.confidence,
                    "tolerance_minutes": o.tolerance_minutes,
                    "tolerance_percent": o.tolerance_percent,
                    "verdict": c.verdict.as_str(),
                    "statistics": rows,
                    "notes": c.notes,
                })
            }
        })
        .collect();
    json!({
        "drillsim_version": env!("CARGO_PKG_VERSION"),
        "base": r.base,
        "candidate": r.candidate,
        "result": r.overall().as_str(),
        "exercises": entries,
    })
}

/// The two recovery CDFs as CSV: `quantile,base_minutes,candidate_minutes`, one row per 0.1%.
pub fn cdf_csv(c: &Comparison) -> String {
    let mut out = String::from("quantile,base_minutes,candidate_minutes\n");
    for i in 0..CDF_POINTS.min(c.base_cdf.len()).min(c.candidate_cdf.len()) {
        let _ = writeln!(
            out,
            "{:.3},{},{}",
            i as f64 / (CDF_POINTS - 1) as f64,
            c.base_cdf[i],
            c.candidate_cdf[i]
        );
    }
    out
}
