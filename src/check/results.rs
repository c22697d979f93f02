//! What `drillsim check` writes: the terminal table, JSON for scripts, JUnit XML for CI.
//!
//! None of these carry timings, so the same files, seed and options give the same bytes.

use std::fmt::Write as _;
use std::path::PathBuf;

use serde_json::{Value, json};

use super::{ObjectiveResult, ScenarioCheck, Verdict};

/// What became of one file named by the user.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub enum FileOutcome {
    /// Run and its objectives judged.
    Checked {
        /// The file.
        path: PathBuf,
        /// The results.
        check: ScenarioCheck,
    },
    /// A valid exercise that states no objectives (not run).
    NoObjectives {
        /// The file.
        path: PathBuf,
        /// Scenario name.
        name: String,
    },
    /// The file could not be read or is not a valid scenario.
    Bad {
        /// The file.
        path: PathBuf,
        /// The error, with file, line and column.
        error: String,
    },
}

/// The overall result of a check, in order of precedence for the exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overall {
    /// Every objective met (or not certain, unless strict).
    Met,
    /// Some objective not certain at the cap (only reported as the overall result when strict
    /// is off and nothing was missed).
    NotCertain,
    /// Some objective missed (or not certain, when strict).
    Missed,
    /// Some file was bad input, or nothing was found to check.
    BadInput,
}

impl Overall {
    /// As printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Overall::Met => "met",
            Overall::NotCertain => "not certain",
            Overall::Missed => "missed",
            Overall::BadInput => "bad input",
        }
    }
}

/// The overall result of a set of file outcomes.
pub fn overall(files: &[FileOutcome], strict: bool) -> Overall {
    if files.is_empty() || files.iter().any(|f| matches!(f, FileOutcome::Bad { .. })) {
        return Overall::BadInput;
    }
    let verdicts = files.iter().flat_map(|f| match f {
        FileOutcome::Checked { check, .. } => check.results.iter().map(|r| r.verdict).collect(),
        _ => Vec::new(),
    });
    let mut out = Overall::Met;
    for v in verdicts {
        match v {
            Verdict::Missed => return Overall::Missed,
            Verdict::NotCertain if strict => return Overall::Missed,
            Verdict::NotCertain => out = Overall::NotCertain,
            Verdict::Met => {}
        }
    }
    out
}

/// A value as printed: minutes with one decimal, or a share in percent.
pub fn value(x: f64, share: bool) -> String {
    if x.is_infinite() {
        "inf".into()
    } else if share {
        format!("{:.2}%", 100.0 * x)
    } else {
        format!("{x:.2} min")
    }
}

/// An objective's interval as printed, e.g. `[4.41 min, 4.77 min]`.
pub fn interval_text(r: &ObjectiveResult) -> String {
    let s = r.objective.is_share();
    format!("[{}, {}]", value(r.interval.lo, s), value(r.interval.hi, s))
}

/// The terminal table.
pub fn table(files: &[FileOutcome], confidence: f64) -> String {
    let mut out = String::new();
    let pct = 100.0 * confidence;
    for f in files {
        match f {
            FileOutcome::Bad { error, .. } => {
                let _ = writeln!(out, "error: {error}\n");
            }
            FileOutcome::NoObjectives { path, name } => {
                let _ = writeln!(out, "{}: {name}: no [expect] objectives; not run\n", path.display());
            }
            FileOutcome::Checked { path, check } => {
                let _ = writeln!(
                    out,
                    "{}: {} (seed {}, {} trials)",
                    path.display(),
                    check.name,
                    check.seed,
                    check.trials
                );
                let w = check
                    .results
                    .iter()
                    .map(|r| r.objective.text.chars().count())
                    .max()
                    .unwrap_or(0)
                    .max(9);
                let head_ci = format!("{pct}% interval");
                let _ = writeln!(
                    out,
                    "  {:<w$}  {:>12}  {:<28}  {:>8}  verdict",
                    "objective", "estimate", head_ci, "trials"
                );
                for r in &check.results {
                    let _ = writeln!(
                        out,
                        "  {:<w$}  {:>12}  {:<28}  {:>8}  {}{}",
                        r.objective.text,
                        value(r.estimate, r.objective.is_share()),
                        interval_text(r),
                        r.trials,
                        r.verdict.as_str(),
                        not_recovered_note(r)
                    );
                }
                let _ = writeln!(out);
            }
        }
    }
    out
}

/// Beside an estimate: the share of its trials not recovered within the horizon, when there
/// are any (a quantile there is the horizon itself, not a recovery time).
pub fn not_recovered_note(r: &ObjectiveResult) -> String {
    match r.not_recovered {
        Some(x) if x > 0.0 => format!("  ({} of trials not recovered within the horizon)", value(x, true)),
        _ => String::new(),
    }
}

/// The JSON document for scripts.
pub fn json(files: &[FileOutcome], confidence: f64, strict: bool) -> Value {
    let num = |x: f64| if x.is_finite() { json!(x) } else { Value::Null };
    let mut scenarios = Vec::new();
    let mut errors = Vec::new();
    for f in files {
        match f {
            FileOutcome::Bad { path, error } => errors.push(json!({ "file": path.display().to_string(), "error": error })),
            FileOutcome::NoObjectives { path, name } => scenarios.push(json!({
                "file": path.display().to_string(),
                "scenario": name,
                "objectives": [],
            })),
            FileOutcome::Checked { path, check } => {
                let objectives: Vec<Value> = check
                    .results
                    .iter()
                    .map(|r| {
                        json!({
                            "objective": r.objective.text,
                            "at": r.objective.at,
                            "unit": if r.objective.is_share() { "share" } else { "minutes" },
                            "threshold": r.objective.threshold,
                            "estimate": num(r.estimate),
                            "low": num(r.interval.lo),
                            "high": num(r.interval.hi),
                            "trials": r.trials,
                            "verdict": r.verdict.as_str(),
                            "not_recovered": r.not_recovered.map_or(Value::Null, num),
                        })
                    })
                    .collect();
                scenarios.push(json!({
                    "file": path.display().to_string(),
                    "scenario": check.name,
                    "seed": check.seed,
                    "trials": check.trials,
                    "objectives": objectives,
                }));
            }
        }
    }
    json!({
        "drillsim_version": env!("CARGO_PKG_VERSION"),
        "confidence": confidence,
        "strict": strict,
        "result": overall(files, strict).as_str(),
        "scenarios": scenarios,
        "errors": errors,
    })
}

/// Escape text for XML attributes and content.
pub fn xml_escape(s: &str) -> String {
    crate::text::xml(s)
}

/// JUnit XML: a test suite per scenario, a test case per objective. Missed is a failure, a
/// bad file an error, and not certain is skipped (a failure when strict).
pub fn junit(files: &[FileOutcome], confidence: f64, strict: bool) -> String {
    let pct = 100.0 * confidence;
    let mut suites = String::new();
    let (mut tests, mut failures, mut errors, mut skipped) = (0, 0, 0, 0);
    for f in files {
        match f {
            FileOutcome::Bad { path, error } => {
                tests += 1;
                errors += 1;
                let name = xml_escape(&path.display().to_string());
                let _ = write!(
                    suites,
                    "  <testsuite name=\"{name}\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\">\n    <testcase classname=\"{name}\" name=\"load scenario\" file=\"{name}\">\n      <error type=\"bad input\" message=\"{}\"/>\n    </testcase>\n  </testsuite>\n",
                    xml_escape(error)
                );
            }
            FileOutcome::NoObjectives { .. } => {}
            FileOutcome::Checked { path, check } => {
                let file = xml_escape(&path.display().to_string());
                let suite = xml_escape(&check.name);
                let (mut f_n, mut s_n) = (0, 0);
                let mut cases = String::new();
                for r in &check.results {
                    let detail = format!(
                        "{}: estimate {}, {pct}% interval {} after {} trials (seed {}); threshold {}{}",
                        r.verdict.as_str(),
                        value(r.estimate, r.objective.is_share()),
                        interval_text(r),
                        r.trials,
                        check.seed,
                        value(r.objective.threshold, r.objective.is_share()),
                        not_recovered_note(r),
                    );
                    let _ = writeln!(
                        cases,
                        "    <testcase classname=\"{suite}\" name=\"{}\" file=\"{file}\">",
                        xml_escape(&r.objective.text)
                    );
                    match (r.verdict, strict) {
                        (Verdict::Met, _) => {
                            let _ = writeln!(cases, "      <system-out>{}</system-out>", xml_escape(&detail));
                        }
                        (Verdict::Missed, _) | (Verdict::NotCertain, true) => {
                            f_n += 1;
                            let _ = writeln!(
                                cases,
                                "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                                r.verdict.as_str(),
                                xml_escape(&detail),
                                xml_escape(&format!("{}\n{}", r.objective.at, detail))
                            );
                        }
                        (Verdict::NotCertain, false) => {
                            s_n += 1;
                            let _ = writeln!(cases, "      <skipped message=\"{}\"/>", xml_escape(&detail));
                        }
                    }
                    cases.push_str("    </testcase>\n");
                }
                tests += check.results.len();
                failures += f_n;
                skipped += s_n;
                let _ = write!(
                    suites,
                    "  <testsuite name=\"{suite}\" tests=\"{}\" failures=\"{f_n}\" errors=\"0\" skipped=\"{s_n}\">\n    <properties>\n      <property name=\"file\" value=\"{file}\"/>\n      <property name=\"seed\" value=\"{}\"/>\n      <property name=\"trials\" value=\"{}\"/>\n    </properties>\n{cases}  </testsuite>\n",
                    check.results.len(),
                    check.seed,
                    check.trials
                );
            }
        }
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"drillsim check\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\">\n{suites}</testsuites>\n"
    )
}
