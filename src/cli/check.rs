//! `drillsim check`: run every scenario's `[expect]` objectives and gate on them.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use super::{DEFAULT_SEED, UsageError, load};
use drillsim::batch::MAX_TRIALS;
use drillsim::check::report::{self, FileOutcome, Overall};
use drillsim::check::{self, CheckOptions, DEFAULT_MAX_TRIALS, DEFAULT_START_TRIALS};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Scenario files, or folders searched for exercise files (.toml files with an
    /// [exercise] table; folders named `invalid` are skipped).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Trials of the first look (default: the file's, else 10000).
    #[arg(long, short = 'n')]
    trials: Option<u64>,
    /// Most trials per scenario; the run doubles up to this while a verdict is not certain.
    #[arg(long, default_value_t = DEFAULT_MAX_TRIALS)]
    max_trials: u64,
    /// Seed of every random stream (default: each file's, else 1).
    #[arg(long, short = 's')]
    seed: Option<u64>,
    /// Confidence level of the intervals (over all of a run's looks).
    #[arg(long, default_value_t = 0.95)]
    confidence: f64,
    /// Count "not certain" at the trial cap as missed (exit 1) instead of passing with a warning.
    #[arg(long)]
    strict: bool,
    /// Write JUnit XML to this file (CI systems show it as test results).
    #[arg(long)]
    junit: Option<PathBuf>,
    /// Write the results as JSON to this file ("-" for standard output).
    #[arg(long)]
    json: Option<PathBuf>,
    /// Most worker threads to use (default: all cores).
    #[arg(long, short = 'j')]
    threads: Option<usize>,
}

pub fn exec(a: Args) -> Result<ExitCode> {
    if a.max_trials == 0 || a.max_trials > MAX_TRIALS {
        bail!(UsageError(format!(
            "--max-trials {} is out of range: use 1 to {MAX_TRIALS}",
            a.max_trials
        )));
    }
    if a.trials == Some(0) {
        bail!(UsageError("--trials 0: use at least 1 trial".into()));
    }
    if !(a.confidence > 0.5 && a.confidence < 1.0) {
        bail!(UsageError(format!(
            "--confidence {} is out of range: use a level between 0.5 and 1, e.g. 0.95",
            a.confidence
        )));
    }
    if a.threads == Some(0) {
        bail!(UsageError("--threads 0: use at least 1 thread".into()));
    }
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = a.threads {
        builder = builder.num_threads(n);
    }
    let pool = builder.build().context("cannot start worker threads")?;

    let t0 = Instant::now();
    let mut files = Vec::new();
    for p in &a.paths {
        let found = match check::exercise_files(p) {
            Ok(f) if f.is_empty() => {
                files.push(FileOutcome::Bad {
                    path: p.clone(),
                    error: format!(
                        "{}: no exercise files found (a scenario is a .toml file with an [exercise] table)",
                        p.display()
                    ),
                });
                continue;
            }
            Ok(f) => f,
            Err(e) => {
                files.push(FileOutcome::Bad {
                    path: p.clone(),
                    error: format!("cannot read {}: {e}", p.display()),
                });
                continue;
            }
        };
        for f in found {
            files.push(pool.install(|| check_file(&f, &a)));
        }
    }
    let elapsed = t0.elapsed().as_secs_f64();

    let json_to_stdout = a.json.as_deref() == Some(Path::new("-"));
    if let Some(path) = &a.junit {
        drillsim::report::write_atomic(path, report::junit(&files, a.confidence, a.strict).as_bytes())?;
    }
    if let Some(path) = &a.json {
        let text = drillsim::report::json::to_text(&report::json(&files, a.confidence, a.strict));
        if json_to_stdout {
            std::io::stdout().lock().write_all(text.as_bytes())?;
        } else {
            drillsim::report::write_atomic(path, text.as_bytes())?;
        }
    }
    let overall = report::overall(&files, a.strict);
    let objectives: usize = files
        .iter()
        .map(|f| match f {
            FileOutcome::Checked { check, .. } => check.results.len(),
            _ => 0,
        })
        .sum();
    let summary = format!(
        "{}: {objectives} objective(s) in {} file(s), {elapsed:.2} s{}\n",
        overall.as_str(),
        files.len(),
        match overall {
            Overall::NotCertain => {
                " (an objective is too close to its threshold to decide at --max-trials; passing, as --strict is off)"
            }
            _ => "",
        }
    );
    if json_to_stdout {
        eprint!("{}{summary}", report::table(&files, a.confidence));
    } else {
        let mut out = std::io::stdout().lock();
        out.write_all(report::table(&files, a.confidence).as_bytes())?;
        out.write_all(summary.as_bytes())?;
    }
    Ok(match overall {
        Overall::Met | Overall::NotCertain => ExitCode::SUCCESS,
        Overall::Missed => ExitCode::from(1),
        Overall::BadInput => ExitCode::from(2),
    })
}

fn check_file(path: &Path, a: &Args) -> FileOutcome {
    let sc = match load(path) {
        Ok(sc) => sc,
        Err(e) => {
            return FileOutcome::Bad {
                path: path.to_path_buf(),
                error: e.to_string(),
            };
        }
    };
    if sc.objectives.is_empty() {
        return FileOutcome::NoObjectives {
            path: path.to_path_buf(),
            name: sc.name,
        };
    }
    let seed = a.seed.or(sc.seed).unwrap_or(DEFAULT_SEED);
    let start = a.trials.or(sc.trials).unwrap_or(DEFAULT_START_TRIALS).min(a.max_trials);
    let opt = CheckOptions {
        start_trials: start,
        max_trials: a.max_trials,
        confidence: a.confidence,
    };
    FileOutcome::Checked {
        path: path.to_path_buf(),
        check: check::check_scenario(&sc, seed, &opt),
    }
}
