//! `drillsim run`: many trials, a terminal summary, and optionally JSON and a full report.
//!
//! A plain `run` prints the terminal summary and writes nothing: it stays as fast as the
//! batch. `--out [DIR]` (or `--format`) also writes the report, by default to
//! `reports/<scenario>/`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use super::{DEFAULT_SEED, UsageError, load};
use drillsim::batch::{self, MAX_TRIALS, RunOptions};
use drillsim::report::{self, Formats, full, json::Timing};
use drillsim::sensitivity;

/// Default number of trials when neither the file nor the command line sets one.
const DEFAULT_TRIALS: u64 = 100_000;

/// Most worker threads (each is an OS thread; beyond this is a typo).
const MAX_THREADS: usize = 1024;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Scenario file (.toml).
    file: PathBuf,
    /// Number of trials (default: the file's, else 100000).
    #[arg(long, short = 'n')]
    trials: Option<u64>,
    /// Seed of every random stream (default: the file's, else 1).
    #[arg(long, short = 's')]
    seed: Option<u64>,
    /// Most worker threads to use (default: all cores).
    #[arg(long, short = 'j')]
    threads: Option<usize>,
    /// Write the JSON summary to this file ("-" for standard output).
    #[arg(long)]
    json: Option<PathBuf>,
    /// Write a report (summary.json, report.md, report.html, charts as PNG and SVG) into DIR;
    /// without DIR, into reports/<scenario>/.
    #[arg(long, short = 'o', value_name = "DIR", num_args = 0..=1)]
    out: Option<Option<PathBuf>>,
    /// Which report files to write, comma-separated: json, md, html, png, svg or all
    /// (default all). Implies --out.
    #[arg(long, short = 'f', value_name = "LIST")]
    format: Option<Formats>,
    /// Trials per lever of the report's sensitivity analysis (0 skips it).
    #[arg(long, value_name = "N", default_value_t = sensitivity::DEFAULT_TRIALS)]
    sensitivity_trials: u64,
    /// No progress bar.
    #[arg(long, short = 'q')]
    quiet: bool,
}

pub fn exec(a: Args) -> Result<ExitCode> {
    let sc = load(&a.file)?;
    let trials = a.trials.or(sc.trials).unwrap_or(DEFAULT_TRIALS);
    if trials == 0 || trials > MAX_TRIALS {
        bail!(UsageError(format!("--trials {trials} is out of range: use 1 to {MAX_TRIALS}")));
    }
    if let Some(j) = a.threads.filter(|j| !(1..=MAX_THREADS).contains(j)) {
        bail!(UsageError(format!("--threads {j} is out of range: use 1 to {MAX_THREADS}")));
    }
    if a.sensitivity_trials > MAX_TRIALS {
        bail!(UsageError(format!(
            "--sensitivity-trials {} is out of range: use 0 to {MAX_TRIALS}",
            a.sensitivity_trials
        )));
    }
    let report_dir = match (&a.out, &a.format) {
        (Some(Some(dir)), _) => Some(dir.clone()),
        (Some(None), _) | (None, Some(_)) => Some(full::default_dir(&sc)),
        (None, None) => None,
    };
    let seed = a.seed.or(sc.seed).unwrap_or(DEFAULT_SEED);
    let opt = RunOptions {
        seed,
        trials,
        threads: a.threads,
        progress: !a.quiet,
    };
    let t0 = Instant::now();
    let sum = batch::run(&sc, &opt).context("cannot start worker threads")?;
    let timing = Timing {
        elapsed_seconds: t0.elapsed().as_secs_f64(),
        threads: a.threads.unwrap_or_else(rayon::current_num_threads),
    };
    let json_to_stdout = a.json.as_deref() == Some(Path::new("-"));
    if let Some(path) = &a.json {
        let text = report::json::to_text(&report::json::summary(&sc, seed, &sum, Some(&timing)));
        if json_to_stdout {
            std::io::stdout().lock().write_all(text.as_bytes())?;
        } else {
            report::write_atomic(path, text.as_bytes())?;
        }
    }
    if !json_to_stdout {
        std::io::stdout()
            .lock()
            .write_all(report::terminal::summary(&sc, seed, &sum, Some(&timing)).as_bytes())?;
    }
    if let Some(dir) = report_dir {
        let formats = a.format.unwrap_or(Formats::ALL);
        let ropt = full::Options {
            formats,
            sensitivity_trials: a.sensitivity_trials,
            search: full::DEFAULT_SEARCH,
            source: Some(a.file.display().to_string()),
        };
        let t1 = Instant::now();
        let mut builder = rayon::ThreadPoolBuilder::new();
        if let Some(n) = a.threads {
            builder = builder.num_threads(n);
        }
        let pool = builder.build().context("cannot start worker threads")?;
        let files = pool.install(|| report::build(&sc, seed, &sum, Some(&timing), &ropt))?;
        report::write(&dir, &files, formats)?;
        let line = format!(
            "  report ({formats}): {} files in {} ({:.2} s)\n",
            files.len(),
            dir.display(),
            t1.elapsed().as_secs_f64()
        );
        if json_to_stdout {
            std::io::stderr().lock().write_all(line.as_bytes())?;
        } else {
            std::io::stdout().lock().write_all(line.as_bytes())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
