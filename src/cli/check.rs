//! `drillsim check`: run every scenario's `[expect]` objectives and gate on them.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Result, bail};
use indicatif::ProgressBar;

use super::{DEFAULT_SEED, Threads, load_in, note};
use drillsim::batch::MAX_TRIALS;
use drillsim::check::results::{self, FileOutcome, Overall};
use drillsim::check::{self, CheckOptions, DEFAULT_MAX_TRIALS, DEFAULT_START_TRIALS, discover};
use drillsim::output::{FileSet, is_stdout};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Scenario files, or folders searched for exercise files (.toml files with an
    /// [exercise] table; folders named `invalid` are skipped).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Trials of the first look (default: the file's, else 10000).
    #[arg(long, short = 'n', value_parser = clap::value_parser!(u64).range(1..=MAX_TRIALS))]
    trials: Option<u64>,
    /// Most trials per scenario; the run doubles up to this while a verdict is not certain.
    #[arg(long, default_value_t = DEFAULT_MAX_TRIALS, value_parser = clap::value_parser!(u64).range(1..=MAX_TRIALS))]
    max_trials: u64,
    /// Seed of every random stream (default: each file's, else 1).
    #[arg(long, short = 's')]
    seed: Option<u64>,
    /// Confidence level of the intervals (over all of a run's looks).
    #[arg(long, default_value_t = 0.95, value_parser = super::confidence)]
    confidence: f64,
    /// Count "not certain" at the trial cap as missed (exit 1) instead of passing with a warning.
    #[arg(long)]
    strict: bool,
    /// Write JUnit XML to this file (CI systems show it as test results; "-" for standard
    /// output).
    #[arg(long)]
    junit: Option<PathBuf>,
    /// Write the results as JSON to this file ("-" for standard output).
    #[arg(long)]
    json: Option<PathBuf>,
    /// No progress bar.
    #[arg(long, short = 'q')]
    quiet: bool,
    #[command(flatten)]
    threads: Threads,
}

pub fn exec(a: Args) -> Result<ExitCode> {
    let to_stdout = |p: &Option<PathBuf>| p.as_deref().is_some_and(is_stdout);
    if to_stdout(&a.junit) && to_stdout(&a.json) {
        bail!("--junit - and --json - would mix on standard output: send one of them to a file");
    }
    let pool = a.threads.pool()?;

    if a.quiet {
        drillsim::batch::hide_progress();
    }

    let t0 = Instant::now();
    // What to do for each path, in order: a path that cannot be read is an outcome at once;
    // the exercises found are numbered for the progress bar.
    let mut jobs: Vec<Result<(PathBuf, Option<&Path>), FileOutcome>> = Vec::new();
    for p in &a.paths {
        let found = match discover::find(p) {
            Ok(f) if f.exercises.is_empty() => {
                jobs.push(Err(FileOutcome::Bad {
                    path: p.clone(),
                    error: format!(
                        "{}: no exercise files found (a scenario is a .toml file with an [exercise] table)",
                        p.display()
                    ),
                }));
                continue;
            }
            Ok(f) => f,
            Err(e) => {
                jobs.push(Err(FileOutcome::Bad {
                    path: p.clone(),
                    error: format!("cannot read {}: {e}", p.display()),
                }));
                continue;
            }
        };
        note(&found.skipped.iter().map(|s| format!("{s}\n")).collect::<String>())?;
        for f in found.exercises {
            jobs.push(Ok((f, p.is_dir().then_some(p.as_path()))));
        }
    }
    let total = jobs.iter().filter(|j| j.is_ok()).count();
    let mut files = Vec::new();
    let mut k = 0;
    for job in jobs {
        match job {
            Err(bad) => files.push(bad),
            Ok((f, folder)) => {
                k += 1;
                let bar = drillsim::batch::trials_spinner(&format!("{k}/{total} "));
                files.push(pool.install(|| check_file(&f, folder, &a, bar.as_ref())));
                if let Some(b) = bar {
                    b.finish_and_clear();
                }
            }
        }
    }
    let elapsed = t0.elapsed().as_secs_f64();

    let junit = a.junit.as_ref().map(|_| results::junit(&files, a.confidence, a.strict));
    let json = a
        .json
        .as_ref()
        .map(|_| drillsim::report::json::to_text(&results::json(&files, a.confidence, a.strict)));
    let mut set = FileSet::new();
    for (path, text) in [(&a.junit, &junit), (&a.json, &json)] {
        if let (Some(path), Some(text)) = (path, text) {
            set.add(path, text.as_bytes());
        }
    }
    set.write()?;
    let overall = results::overall(&files, a.strict);
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
    // A gate that checked nothing must not look like a pass.
    let nothing_checked = objectives == 0 && overall != Overall::BadInput;
    if nothing_checked {
        note(if a.strict {
            "error: no objective was checked; with --strict that fails (add [expect] objectives to the exercises)\n"
        } else {
            "warning: no objective was checked (add [expect] objectives to the exercises; --strict makes this fail)\n"
        })?;
    }
    let text = format!("{}{summary}", results::table(&files, a.confidence));
    if to_stdout(&a.junit) || to_stdout(&a.json) {
        note(&text)?;
    } else {
        super::say(&text)?;
    }
    Ok(match overall {
        Overall::Met if nothing_checked && a.strict => ExitCode::from(1),
        Overall::Met | Overall::NotCertain => ExitCode::SUCCESS,
        Overall::Missed => ExitCode::from(1),
        Overall::BadInput => ExitCode::from(2),
    })
}

fn check_file(path: &Path, folder: Option<&Path>, a: &Args, bar: Option<&ProgressBar>) -> FileOutcome {
    let sc = match load_in(path, folder) {
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
        check: check::check_scenario_with(&sc, seed, &opt, bar),
    }
}
