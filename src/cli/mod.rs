//! Command-line arguments and dispatch; one module per command.

mod check;
mod compare;
mod run;
mod trace;
mod validate;

use std::path::Path;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use drillsim::error::ScenarioError;
use drillsim::model::Scenario;

/// Default seed when neither the file nor the command line sets one.
pub const DEFAULT_SEED: u64 = 1;

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
    Run(run::Args),
    /// Replay one trial and print it as a timeline.
    Trace(trace::Args),
    /// Check scenario files and report the first mistake in each, or that it is fine.
    Validate(validate::Args),
    /// Run every scenario's [expect] objectives; exit 1 when the plan misses one.
    Check(check::Args),
    /// Compare two revisions of a plan trial by trial; exit 1 on a significant regression.
    Compare(compare::Args),
}

/// Errors that are the user's input: exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Parse arguments, run, map errors to exit codes (0 ok, 1 a check failed, 2 bad input).
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    let result = match cli.command {
        Command::Run(a) => run::exec(a),
        Command::Trace(a) => trace::exec(a),
        Command::Validate(a) => validate::exec(a),
        Command::Check(a) => check::exec(a),
        Command::Compare(a) => compare::exec(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            let mut shown = e.to_string();
            eprintln!("error: {shown}");
            for cause in e.chain().skip(1) {
                // A message that already quotes its cause (e.g. "cannot write x: Is a directory")
                // does not repeat it.
                let cause = cause.to_string();
                if !shown.contains(&cause) {
                    eprintln!("  caused by: {cause}");
                    shown = cause;
                }
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

/// Load and check a scenario file.
pub fn load(file: &Path) -> Result<Scenario, ScenarioError> {
    drillsim::scenario::load(file)
}
