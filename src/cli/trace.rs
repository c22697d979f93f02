//! `drillsim trace`: one trial as a timeline.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use super::{DEFAULT_SEED, load};
use drillsim::sim::trace;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Scenario file (.toml).
    file: PathBuf,
    /// Seed (default: the file's, else 1).
    #[arg(long, short = 's')]
    seed: Option<u64>,
    /// Trial index (0-based, as counted by `run`).
    #[arg(long, short = 'k', default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..drillsim::model::limits::MAX_TRIALS))]
    trial: u64,
    /// Also write the trial as a drill record (long CSV form) to this file ("-" for standard
    /// output): what a drill leader would have written had this trial been a drill.
    #[arg(long, value_name = "PATH")]
    record: Option<PathBuf>,
}

pub fn exec(a: Args) -> Result<ExitCode> {
    let sc = load(&a.file)?;
    let seed = a.seed.or(sc.seed).unwrap_or(DEFAULT_SEED);
    let tr = trace::replay(&sc, seed, a.trial);
    let to_stdout = a.record.as_deref().is_some_and(drillsim::output::is_stdout);
    if let Some(path) = &a.record {
        let text = drillsim::drill::simulated::record_text(&sc, &tr, seed, a.trial);
        let mut set = drillsim::output::FileSet::new();
        set.add(path, text.into_bytes());
        set.write()?;
    }
    if !to_stdout {
        super::say(&trace::render(&sc, seed, a.trial, &tr))?;
    }
    Ok(ExitCode::SUCCESS)
}
