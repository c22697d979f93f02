//! Command-line arguments and dispatch; one module per command.
//!
//! Exit codes (README "Exit codes"): 0 done, 1 a check failed (`check` missed an objective,
//! `compare` found a regression), 2 bad input or usage, including a file that cannot be read or
//! written and a standard output or error that cannot be written.

mod check;
mod compare;
mod run;
mod score;
mod trace;
mod validate;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use drillsim::error::ScenarioError;
use drillsim::model::Scenario;
use drillsim::text::terminal_lines;

/// Default seed when neither the file nor the command line sets one.
pub const DEFAULT_SEED: u64 = 1;

/// Most worker threads (each is an OS thread; beyond this is a typo).
pub const MAX_THREADS: u64 = 1024;

/// Exit code of bad input or usage.
const EXIT_USAGE: u8 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "drillsim",
    version,
    about = "Rehearse an emergency response plan many times and measure it"
)]
struct Cli {
    /// Folder that scenario files and their includes must stay inside (default: the folder of
    /// each exercise file, or the folder given to check or compare)
    #[arg(long, global = true, value_name = "DIR")]
    root: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

/// `--root`, set once from the command line before any command runs.
static ROOT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a scenario many times and summarise recovery time and the rest.
    Run(run::Args),
    /// Replay one trial and print it as a timeline.
    Trace(trace::Args),
    /// Check scenario files and report the first mistake in each, or that it is fine.
    Validate(validate::Args),
    /// Run every scenario's [expect] objectives; exit 1 when the plan misses one.
    Check(check::Args),
    /// Compare two revisions of a plan trial by trial; exit 1 on a significant regression.
    Compare(compare::Args),
    /// Place real drills' records in the plan's simulated distributions.
    Score(score::Args),
}

/// `--threads`, the same flag and range in every command that runs trials.
#[derive(clap::Args, Debug, Clone, Copy)]
pub struct Threads {
    /// Most worker threads to use (default: all cores).
    #[arg(long, short = 'j', value_parser = clap::value_parser!(u64).range(1..=MAX_THREADS))]
    threads: Option<u64>,
}

impl Threads {
    /// The thread pool every command runs its trials on.
    pub fn pool(self) -> anyhow::Result<rayon::ThreadPool> {
        drillsim::batch::pool(self.get()).context("cannot start worker threads")
    }

    /// As asked for, if asked.
    pub fn get(self) -> Option<usize> {
        self.threads.map(|n| n as usize)
    }
}

/// Parse arguments, run, map errors to exit codes (0 ok, 1 a check failed, 2 bad input).
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // Help and version go to standard output: not being able to write them is a failure.
            let printed = e.print().is_ok();
            return if e.use_stderr() || !printed {
                ExitCode::from(EXIT_USAGE)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let result = drillsim::output::interrupt::install()
        .context("cannot watch for interrupts")
        .map(|()| {
            if let Some(root) = cli.root {
                let _ = ROOT.set(root);
            }
        })
        .and_then(|()| match cli.command {
            Command::Run(a) => run::exec(a),
            Command::Trace(a) => trace::exec(a),
            Command::Validate(a) => validate::exec(a),
            Command::Check(a) => check::exec(a),
            Command::Compare(a) => compare::exec(a),
            Command::Score(a) => score::exec(a),
        })
        .and_then(|code| {
            std::io::stdout().flush().context("cannot write to standard output")?;
            Ok(code)
        });
    match result {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            // If standard error cannot be written either, the exit code is all that is left.
            let _ = std::io::stderr().lock().write_all(terminal_lines(&error_text(&e)).as_bytes());
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// `error: ...` and the causes that the message does not already quote.
fn error_text(e: &anyhow::Error) -> String {
    let mut shown = e.to_string();
    let mut text = format!("error: {shown}\n");
    for cause in e.chain().skip(1) {
        // A message that already quotes its cause (e.g. "cannot write x: Is a directory")
        // does not repeat it.
        let cause = cause.to_string();
        if !shown.contains(&cause) {
            text.push_str(&format!("  caused by: {cause}\n"));
            shown = cause;
        }
    }
    text
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Write a note to standard error; failing to is an error (exit 2), never a panic.
pub fn note(text: &str) -> anyhow::Result<()> {
    std::io::stderr()
        .lock()
        .write_all(terminal_lines(text).as_bytes())
        .context("cannot write to standard error")
}

/// Print `text` on standard output, control characters escaped (see [`note`]).
pub fn say(text: &str) -> anyhow::Result<()> {
    std::io::stdout()
        .lock()
        .write_all(terminal_lines(text).as_bytes())
        .context("cannot write to standard output")
}

/// `--confidence`: a level strictly between 0.5 and 1.
pub fn confidence(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(c) if c > 0.5 && c < 1.0 => Ok(c),
        _ => Err("use a level between 0.5 and 1, e.g. 0.95".into()),
    }
}

/// Load and check a scenario file; its includes stay inside `--root` if given, else inside
/// `folder` (a folder named on the command line that the file was found in), else inside the
/// file's own folder.
pub fn load_in(file: &Path, folder: Option<&Path>) -> Result<Scenario, ScenarioError> {
    match ROOT.get().map(PathBuf::as_path).or(folder) {
        Some(root) => drillsim::scenario::load_with_root(file, root),
        None => drillsim::scenario::load(file),
    }
}

/// Load and check a scenario file named on the command line.
pub fn load(file: &Path) -> Result<Scenario, ScenarioError> {
    load_in(file, None)
}
