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
}

pub fn exec(a: Args) -> Result<ExitCode> {
    let sc = load(&a.file)?;
    let seed = a.seed.or(sc.seed).unwrap_or(DEFAULT_SEED);
    let tr = trace::replay(&sc, seed, a.trial);
    super::say(&trace::render(&sc, seed, a.trial, &tr))?;
    Ok(ExitCode::SUCCESS)
}
