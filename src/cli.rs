//! Command-line arguments and what each command does.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};

use drillsim::batch::{self, MAX_TRIALS, RunOptions};
use drillsim::error::ScenarioError;
use drillsim::model::Scenario;
use drillsim::report::{self, json::Timing};
use drillsim::scenario;
use drillsim::sim::trace;

/// Default number of trials when neither the file nor the command line sets one.
const DEFAULT_TRIALS: u64 = 100_000;
/// Default seed when neither the file nor the command line sets one.
const DEFAULT_SEED: u64 = 1;

#[derive(Parser, Debug)]
#[command(
    name = "drillsim",
    version,
    about = "Rehearse an emergency response plan many times and measure it"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a scenario many times and summarise recovery time and the rest.
    Run {
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
        /// No progress bar.
        #[arg(long, short = 'q')]
        quiet: bool,
    },
    /// Replay one trial and print it as a timeline.
    Trace {
        /// Scenario file (.toml).
        file: PathBuf,
        /// Seed (default: the file's, else 1).
        #[arg(long, short = 's')]
        seed: Option<u64>,
        /// Trial index (0-based, as counted by `run`).
        #[arg(long, short = 'k', default_value_t = 0)]
        trial: u64,
    },
    /// Check scenario files and report the first mistake in each, or that it is fine.
    Validate {
        /// Scenario files (.toml).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

/// Errors that are the user's input: exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct UsageError(String);

/// Parse arguments, run, map errors to exit codes (0 ok, 1 a check failed, 2 bad input).
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn load(file: &Path) -> Result<Scenario, ScenarioError> {
    scenario::load(file)
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Run {
            file,
            trials,
            seed,
            threads,
            json,
            quiet,
        } => {
            let sc = load(&file)?;
            let trials = trials.or(sc.trials).unwrap_or(DEFAULT_TRIALS);
            if trials == 0 || trials > MAX_TRIALS {
                bail!(UsageError(format!("--trials {trials} is out of range: use 1 to {MAX_TRIALS}")));
            }
            if threads == Some(0) {
                bail!(UsageError("--threads 0: use at least 1 thread".into()));
            }
            let seed = seed.or(sc.seed).unwrap_or(DEFAULT_SEED);
            let opt = RunOptions {
                seed,
                trials,
                threads,
                progress: !quiet,
            };
            let t0 = Instant::now();
            let sum = batch::run(&sc, &opt).context("cannot start worker threads")?;
            let timing = Timing {
                elapsed_seconds: t0.elapsed().as_secs_f64(),
                threads: threads.unwrap_or_else(rayon::current_num_threads),
            };
            let json_to_stdout = json.as_deref() == Some(Path::new("-"));
            if let Some(path) = &json {
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
                    .write_all(report::text::summary(&sc, seed, &sum, Some(&timing)).as_bytes())?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Trace { file, seed, trial } => {
            let sc = load(&file)?;
            let seed = seed.or(sc.seed).unwrap_or(DEFAULT_SEED);
            let tr = trace::replay(&sc, seed, trial);
            std::io::stdout()
                .lock()
                .write_all(trace::render(&sc, seed, trial, &tr).as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Validate { files } => {
            let mut bad = 0;
            for f in &files {
                match load(f) {
                    Ok(sc) => println!("{}: ok ({} teams, {} steps)", f.display(), sc.teams.len(), sc.steps.len()),
                    Err(e) => {
                        eprintln!("error: {e}");
                        bad += 1;
                    }
                }
            }
            Ok(if bad == 0 { ExitCode::SUCCESS } else { ExitCode::from(2) })
        }
    }
}
