//! `drillsim calibrate SCENARIO RECORD... --out DIR`: the plan's durations fitted to drills,
//! written as a revised copy of the scenario's files, and the revision compared with the plan.
//!
//! Order of work, so that nothing half-done is left: every record is read (a bad one stops
//! the command with its located error, exit 2), the durations are fitted, the revised files are
//! written into a temporary folder and loaded back (the revision must load like the plan), the
//! plan and the revision are compared trial by trial, and only then are the files (and
//! `--json`) written, as one set. The source folder is never written: an `--out` that is the
//! scenario's folder, or that would put a file where one of the scenario's own files is, is
//! refused.

use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use super::{DEFAULT_SEED, Threads, load_in};
use drillsim::calibrate::{self, Calibration, Options};
use drillsim::compare::summary::{self, Entry, Report};
use drillsim::compare::{self, CompareOptions, Comparison};
use drillsim::model::Scenario;
use drillsim::output::FileSet;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The exercise file (.toml) the drills rehearsed.
    scenario: PathBuf,
    /// Drill records (.csv or .jsonl), one file per drill.
    #[arg(required = true, value_name = "RECORD")]
    records: Vec<PathBuf>,
    /// Folder for the revised copy of the scenario's files (not the scenario's own folder).
    #[arg(long, short = 'o', value_name = "DIR")]
    out: PathBuf,
    /// Observations the plan's current distribution counts as (0: the drills alone).
    #[arg(long, value_name = "N", default_value_t = calibrate::DEFAULT_PRIOR_WEIGHT, value_parser = weight)]
    prior_weight: f64,
    /// Paired trials of the comparison of the plan with its revision.
    #[arg(long, short = 'n', default_value_t = compare::DEFAULT_TRIALS,
          value_parser = clap::value_parser!(u64).range(1..=compare::MAX_TRIALS))]
    trials: u64,
    /// Seed of both runs of the comparison (default: the file's, else 1).
    #[arg(long, short = 's')]
    seed: Option<u64>,
    /// Also write the calibration and the comparison as JSON to this file ("-" for standard
    /// output).
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
    #[command(flatten)]
    threads: Threads,
}

/// `--prior-weight`: 0 or more.
fn weight(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(w) if (0.0..=calibrate::MAX_PRIOR_WEIGHT).contains(&w) => Ok(w),
        _ => Err(format!(
            "use a number of observations from 0 to {}, e.g. 8",
            calibrate::MAX_PRIOR_WEIGHT
        )),
    }
}

/// `path` made absolute and free of `.` and `..`, following symbolic links as far as the path
/// exists (the rest may not exist yet: the folder `--out` creates).
fn real(path: &Path) -> PathBuf {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let mut tidy = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                tidy.pop();
            }
            other => tidy.push(other),
        }
    }
    let mut existing = tidy.clone();
    let mut rest = Vec::new();
    while std::fs::canonicalize(&existing).is_err() {
        match (
            existing.file_name().map(|n| n.to_os_string()),
            existing.parent().map(Path::to_path_buf),
        ) {
            (Some(n), Some(p)) => {
                rest.push(n);
                existing = p;
            }
            _ => break,
        }
    }
    let mut out = std::fs::canonicalize(&existing).unwrap_or(existing);
    for n in rest.into_iter().rev() {
        out.push(n);
    }
    out
}

pub fn exec(a: Args) -> Result<ExitCode> {
    if a.out.is_file() {
        bail!(
            "--out takes a folder (the revised scenario's files are written into it), but {} is an existing file",
            a.out.display()
        );
    }
    let root = super::ROOT
        .get()
        .cloned()
        .unwrap_or_else(|| drillsim::scenario::default_root(&a.scenario));
    let sc = load_in(&a.scenario, Some(&root))?;
    let mut records = Vec::with_capacity(a.records.len());
    for p in &a.records {
        records.push(drillsim::drill::load(p, &sc)?);
    }
    let sources = drillsim::scenario::sources_with_root(&a.scenario, &root)?;

    // Where each file goes: its place below the root, below --out.
    let real_root = real(&root);
    let real_out = real(&a.out);
    if real_out == real_root {
        bail!(
            "--out {} is the scenario's own folder; calibrate never writes into it\n  help: give another \
             folder, e.g. --out calibrated/ (the revised files are copies, to review as a diff)",
            a.out.display()
        );
    }
    let mut places = Vec::with_capacity(sources.len());
    for s in &sources {
        let src = real(&s.path);
        let rel = src
            .strip_prefix(&real_root)
            .with_context(|| format!("{} is not below the scenario's folder {}", s.path.display(), root.display()))?
            .to_path_buf();
        places.push((src, rel));
    }
    for (_, rel) in &places {
        let dest = real_out.join(rel);
        if places.iter().any(|(src, _)| *src == dest) {
            bail!(
                "--out {} would write {} over one of the scenario's own files; calibrate never writes \
                 into the source\n  help: give a folder outside the scenario's files",
                a.out.display(),
                dest.display()
            );
        }
    }
    let exercise_rel = places.last().map(|(_, r)| r.clone()).context("the scenario has no files")?;

    let cal = calibrate::calibrate(
        &sc,
        &records,
        &Options {
            prior_weight: a.prior_weight,
        },
    );
    let revised = calibrate::revise::revise(&sources, &sc, &cal)?;

    // The revision must load as the plan does: staged and read back before anything is written.
    let stage = tempfile::tempdir().context("cannot make a temporary folder")?;
    let mut set = FileSet::new();
    for ((_, rel), (_, text, _)) in places.iter().zip(&revised) {
        set.add(stage.path().join(rel), text.as_bytes().to_vec());
    }
    set.write()?;
    let new_sc = drillsim::scenario::load_with_root(&stage.path().join(&exercise_rel), stage.path())
        .map_err(|e| anyhow::anyhow!("the revised scenario does not load (a bug in calibrate; please report it): {e}"))?;

    let seed = a.seed.or(sc.seed).unwrap_or(DEFAULT_SEED);
    let comparison = if cal.estimates.is_empty() {
        None
    } else {
        let mut opt = CompareOptions::new(seed);
        opt.trials = a.trials;
        Some(a.threads.pool()?.install(|| compare::compare(&sc, &new_sc, &opt)))
    };

    let mut set = FileSet::new();
    for ((_, rel), (_, text, _)) in places.iter().zip(&revised) {
        set.add(a.out.join(rel), text.as_bytes().to_vec());
    }
    let json_text = a
        .json
        .as_ref()
        .map(|_| drillsim::report::json::to_text(&to_json(&sc, &cal, &revised, &places, comparison.as_ref(), seed)));
    if let (Some(p), Some(t)) = (&a.json, &json_text) {
        set.add(p, t.as_bytes().to_vec());
    }
    set.write()?;

    let json_to_stdout = a.json.as_deref().is_some_and(drillsim::output::is_stdout);
    let text = terminal(&sc, &cal, &revised, &places, comparison.as_ref(), &a, &exercise_rel);
    if json_to_stdout {
        super::note(&text)?;
    } else {
        super::say(&text)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn kind(d: &drillsim::model::Dist) -> &'static str {
    use drillsim::model::Dist as D;
    match d {
        D::Fixed(_) => "fixed",
        D::Uniform { .. } => "uniform",
        D::Triangular { .. } => "triangular",
        D::Pert { .. } => "pert",
        D::Normal { .. } => "normal",
        D::LogNormal { .. } => "lognormal",
        D::Exponential { .. } => "exponential",
        D::Weibull { .. } => "weibull",
        D::Empirical(_) => "empirical",
        D::Shifted { .. } => "shifted",
    }
}

/// Recovery time at quantile `q` of the base and the candidate, from the comparison's CDFs.
fn recovery_at(c: &Comparison, q: f64) -> (f64, f64) {
    let i = ((q * (compare::CDF_POINTS - 1) as f64).round() as usize).min(compare::CDF_POINTS - 1);
    let at = |v: &[f64]| v.get(i).copied().unwrap_or(f64::NAN);
    (at(&c.base_cdf), at(&c.candidate_cdf))
}

fn terminal(
    sc: &Scenario,
    cal: &Calibration,
    revised: &[(PathBuf, String, bool)],
    places: &[(PathBuf, PathBuf)],
    comparison: Option<&Comparison>,
    a: &Args,
    exercise_rel: &Path,
) -> String {
    let mut s = format!(
        "calibrate {}: {} drill record{}, prior weight {}\n\n",
        sc.name,
        a.records.len(),
        if a.records.len() == 1 { "" } else { "s" },
        if a.prior_weight == 0.0 {
            "0 (maximum likelihood on the drills alone)".to_string()
        } else {
            format!("{} observations", a.prior_weight)
        }
    );
    if cal.estimates.is_empty() {
        s.push_str("nothing fitted: no duration of the plan has an observation in the records\n");
    } else {
        let w = cal.estimates.iter().map(|e| e.key.len()).max().unwrap_or(0).max(8);
        s.push_str(&format!(
            "{:<w$}  {:<12} {:>10} {:>7}  {:>10} {:>7}  {:>5} {:>8}\n",
            "duration", "was", "median", "sigma", "new median", "sigma", "obs", "censored"
        ));
        for e in &cal.estimates {
            let (om, os) = e.old_as.map_or(("0m".to_string(), "-".to_string()), |o| {
                (calibrate::minutes_text(o.median), format!("{:.3}", o.sigma))
            });
            s.push_str(&format!(
                "{:<w$}  {:<12} {:>10} {:>7}  {:>10} {:>7.3}  {:>5} {:>8}\n",
                e.key,
                kind(&e.old),
                om,
                os,
                e.median_text(),
                e.sigma,
                e.observations(),
                e.censored
            ));
        }
        s.push_str("(a distribution that is not a lognormal is read by its median and 90% range)\n");
    }
    if !cal.unchanged.is_empty() {
        s.push_str("\nleft unchanged:\n");
        for u in &cal.unchanged {
            s.push_str(&format!("  {}: {}\n", u.key, u.reason));
        }
    }
    if !cal.notes.is_empty() {
        s.push_str("\nnot used from the records:\n");
        for (what, files) in &cal.notes {
            s.push_str(&format!("  {what} ({})\n", files.join(", ")));
        }
    }
    if let Some(c) = comparison {
        let rep = Report {
            base: "the plan".into(),
            candidate: "calibrated".into(),
            entries: vec![Entry::Compared {
                name: sc.name.clone(),
                comparison: Box::new(c.clone()),
            }],
        };
        s.push_str(&format!(
            "\nthe plan against its calibrated revision, {} paired trials (seed {}):\n",
            c.options.trials, c.options.seed
        ));
        s.push_str(&summary::table(&rep));
        let (b50, c50) = recovery_at(c, 0.5);
        let (b90, c90) = recovery_at(c, 0.9);
        s.push_str(&format!(
            "recovery p50 {b50:.1} -> {c50:.1} min, p90 {b90:.1} -> {c90:.1} min; verdict: the calibrated plan is {}\n",
            match c.verdict {
                compare::Change::Worse => "worse (the drills were slower than the plan expects)",
                compare::Change::Better => "better (the drills were quicker than the plan expects)",
                compare::Change::NoSignificantChange => "not significantly different",
            }
        ));
    }
    let changed: Vec<String> = revised
        .iter()
        .zip(places)
        .filter(|((_, _, c), _)| *c)
        .map(|(_, (_, rel))| rel.display().to_string())
        .collect();
    s.push_str(&format!(
        "\nwrote {} file{} into {} ({} changed{}{}); run it with: drillsim run {}\n",
        revised.len(),
        if revised.len() == 1 { "" } else { "s" },
        a.out.display(),
        changed.len(),
        if changed.is_empty() { "" } else { ": " },
        changed.join(", "),
        a.out.join(exercise_rel).display()
    ));
    s
}

fn to_json(
    sc: &Scenario,
    cal: &Calibration,
    revised: &[(PathBuf, String, bool)],
    places: &[(PathBuf, PathBuf)],
    comparison: Option<&Comparison>,
    seed: u64,
) -> Value {
    let mut fitted = serde_json::Map::new();
    for e in &cal.estimates {
        fitted.insert(
            e.key.clone(),
            json!({
                "old": {
                    "dist": kind(&e.old),
                    "median": e.old_as.map(|o| o.median),
                    "sigma": e.old_as.map(|o| o.sigma),
                },
                "new": { "dist": "lognormal", "median": e.median, "sigma": e.sigma },
                "observations": e.observations(),
                "exact": e.exact,
                "censored": e.censored,
                "at_most": e.at_most,
                "prior": e.prior.is_some(),
            }),
        );
    }
    let unchanged: serde_json::Map<String, Value> = cal.unchanged.iter().map(|u| (u.key.clone(), json!(u.reason))).collect();
    let notes: Vec<Value> = cal.notes.iter().map(|(w, f)| json!({ "note": w, "records": f })).collect();
    let files: Vec<Value> = revised
        .iter()
        .zip(places)
        .map(|((_, _, c), (_, rel))| json!({ "path": rel.display().to_string(), "changed": c }))
        .collect();
    let comparison = comparison.map(|c| {
        let (b50, c50) = recovery_at(c, 0.5);
        let (b90, c90) = recovery_at(c, 0.9);
        json!({
            "seed": c.options.seed,
            "trials": c.options.trials,
            "recovery": {
                "p50": { "old": b50, "new": c50 },
                "p90": { "old": b90, "new": c90 },
            },
            "verdict": c.verdict.as_str(),
            "rows": c.rows.iter().map(|r| json!({
                "label": r.label, "old": r.base, "new": r.candidate, "change": r.change,
                "low": r.interval.lo, "high": r.interval.hi, "verdict": r.verdict.as_str(),
            })).collect::<Vec<_>>(),
        })
    });
    json!({
        "scenario": sc.name,
        "seed": seed,
        "prior_weight": cal.options.prior_weight,
        "fitted": fitted,
        "unchanged": unchanged,
        "notes": notes,
        "files": files,
        "comparison": comparison,
    })
}

#[cfg(test)]
mod tests {
    use super::real;
    use std::path::Path;

    #[test]
    fn a_path_that_does_not_exist_yet_is_made_absolute_and_tidy() {
        let here = std::fs::canonicalize(".").unwrap();
        assert_eq!(real(Path::new("no-such-dir/x/../y")), here.join("no-such-dir/y"));
        assert_eq!(real(Path::new(".")), here);
    }
}
