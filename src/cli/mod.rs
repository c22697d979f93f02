//! Command-line arguments and dispatch; one module per command.
//!
//! Exit codes (README "Exit codes"): 0 done, 1 a check failed (`check` missed an objective,
//! `compare` found a regression), 2 bad input or usage, including a file that cannot be read or
//! written and a standard output or error that cannot be written.

mod calibrate;
mod check;
mod compare;
mod import;
mod init;
mod merge;
mod run;
mod score;
#[cfg(test)]
mod shard_examples;
mod shell;
mod sweep;
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
pub(crate) struct Cli {
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
    #[command(
        after_help = "Examples:\n  drillsim run scenarios/ref20.toml\n  drillsim run scenarios/plan1/power-loss.toml -n 1000000 --json summary.json\n  drillsim run scenarios/plan1/system-failure.toml --out reports/plan1 --format md,png\n  drillsim run scenarios/plan1/system-failure.toml --worst 5 --where 'recovery > 4h'"
    )]
    Run(run::Args),
    /// Replay one trial and print it as a timeline.
    #[command(
        after_help = "Examples:\n  drillsim trace scenarios/ref20.toml --trial 3\n  drillsim trace scenarios/plan1/compound.toml --trial 12 --json trial12.json\n  drillsim trace scenarios/plan1/system-failure.toml --trial 3 --record drill.csv"
    )]
    Trace(trace::Args),
    /// Check scenario files and report the first mistake in each, or that it is fine.
    #[command(after_help = "Examples:\n  drillsim validate scenarios/\n  drillsim validate scenarios/plan1/*.toml")]
    Validate(validate::Args),
    /// Run every scenario's [expect] objectives; exit 1 when the plan misses one.
    #[command(after_help = "Examples:\n  drillsim check scenarios/\n  drillsim check scenarios/plan1 --junit results.xml --strict")]
    Check(check::Args),
    /// Compare two revisions of a plan trial by trial; exit 1 on a significant regression.
    #[command(
        after_help = "Examples:\n  drillsim compare old/plan.toml new/plan.toml\n  drillsim compare --base-rev origin/main scenarios/plan1 --out compare/\n  drillsim compare --base-rev origin/main scenarios/ --shard auto --part parts/compare.json"
    )]
    Compare(compare::Args),
    /// Place real drills' records in the plan's simulated distributions.
    #[command(
        after_help = "Examples:\n  drillsim score scenarios/plan1/system-failure.toml drill.csv\n  drillsim score scenarios/plan1/system-failure.toml drills/*.csv --json scores.json --out reports/drills"
    )]
    Score(score::Args),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(
        after_help = "Examples:\n  drillsim completions bash > ~/.local/share/bash-completion/completions/drillsim\n  drillsim completions zsh -o ~/.zfunc/_drillsim"
    )]
    Completions(shell::CompletionArgs),
    /// Print the man page, or write one per command into a folder.
    #[command(after_help = "Examples:\n  drillsim man | man -l -\n  drillsim man /usr/local/share/man/man1")]
    Man(shell::ManArgs),
    /// Fit the plan's durations to drill records and write the revised plan into a folder.
    Calibrate(calibrate::Args),
    /// Run variants of a plan on the same random numbers and rank them by its objectives.
    #[command(
        after_help = "Examples:\n  drillsim sweep scenarios/plan1/system-failure.toml --vary 'teams.rescue.capacity=1..3'\n  drillsim sweep scenarios/plan1/data-loss.toml --vary 'teams.rescue.capacity=1..3' --vary 'steps.restore-orders.duration*=0.5,0.75,1' --vary 'stores.orders.backup_interval=15m,1h,4h' --out reports/sweep\n  drillsim sweep scenarios/ref20.toml --vary 'steps.s19.duration+=0m,15m,30m' --by 'recovery p95' --csv sweep.csv"
    )]
    Sweep(sweep::Args),
    /// Turn an incident tool's log (PagerDuty) into a drill record.
    #[command(
        after_help = "Examples:\n  drillsim import pagerduty scenarios/plan1/drills/pagerduty/log_entries.json --map scenarios/plan1/drills/pagerduty/map.toml\n  drillsim import pagerduty log.json --map map.toml --scenario scenarios/plan1/system-failure.toml -o drill.csv"
    )]
    Import(import::Args),
    /// Merge the parts that shards wrote (run, check or compare --shard) into one run's output.
    #[command(
        after_help = "Examples:\n  drillsim run scenarios/ref20.toml -n 1000000 --shard 1/4 --partial parts/1.json\n  drillsim merge parts/1.json parts/2.json parts/3.json parts/4.json --json summary.json --out reports/ref20\n  drillsim check scenarios/ --shard auto --part parts/check-1.json\n  drillsim merge --check parts/check-1.json parts/check-2.json --junit junit.xml\n  drillsim compare --base-rev origin/main scenarios/ --shard 2/3 --part parts/compare-2.json\n  drillsim merge --compare parts/compare-1.json parts/compare-2.json parts/compare-3.json --out compare/"
    )]
    Merge(merge::Args),
    /// Write an exercise folder to start from: a template, or a Backstage catalog or Compose file.
    #[command(
        after_help = "Examples:\n  drillsim init drills\n  drillsim init --from catalog-info.yaml drills\n  drillsim init --from compose.yaml drills --force"
    )]
    Init(init::Args),
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
            Command::Completions(a) => shell::completions(a),
            Command::Man(a) => shell::man(a),
            Command::Calibrate(a) => calibrate::exec(a),
            Command::Sweep(a) => sweep::exec(a),
            Command::Import(a) => import::exec(a),
            Command::Merge(a) => merge::exec(a),
            Command::Init(a) => init::exec(a),
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Every example in a command's `--help` parses with the real parser (words before a
    /// pipe or a redirection; quotes as a shell reads them).
    #[test]
    fn help_examples_parse() {
        let cmd = Cli::command();
        let mut seen = 0;
        for sub in cmd.get_subcommands() {
            let Some(help) = sub.get_after_help() else { continue };
            for line in help.to_string().lines().filter_map(|l| l.trim().strip_prefix("drillsim ")) {
                let line = line.split(['|', '>']).next().unwrap_or("");
                let mut words = vec!["drillsim".to_string()];
                let mut quoted = false;
                for part in line.split(' ').filter(|w| !w.is_empty()) {
                    if quoted {
                        let last = words.last_mut().expect("a word");
                        last.push(' ');
                        last.push_str(part.trim_end_matches('\''));
                        quoted = !part.ends_with('\'');
                    } else if let Some(p) = part.strip_prefix('\'') {
                        quoted = !p.ends_with('\'');
                        words.push(p.trim_end_matches('\'').to_string());
                    } else {
                        words.push(part.to_string());
                    }
                }
                if let Err(e) = Cli::try_parse_from(&words) {
                    panic!("{words:?}: {e}");
                }
                seen += 1;
            }
        }
        assert!(seen >= 15, "examples found: {seen}");
    }
}
