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
    /// Write the timeline and the trial's measures as JSON to this file ("-" for standard
    /// output) instead of printing the text timeline.
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
}

pub fn exec(a: Args) -> Result<ExitCode> {
    let sc = load(&a.file)?;
    let seed = a.seed.or(sc.seed).unwrap_or(DEFAULT_SEED);
    let tr = trace::replay(&sc, seed, a.trial);
    let stdout = |p: &Option<PathBuf>| p.as_deref().is_some_and(drillsim::output::is_stdout);
    if stdout(&a.record) && stdout(&a.json) {
        anyhow::bail!("--record - and --json - would mix on standard output: send one of them to a file");
    }
    let mut set = drillsim::output::FileSet::new();
    if let Some(path) = &a.record {
        set.add(path, drillsim::drill::simulated::record_text(&sc, &tr, seed, a.trial).into_bytes());
    }
    if let Some(path) = &a.json {
        let v = drillsim::report::trace::json(&sc, seed, a.trial, &tr);
        set.add(path, drillsim::report::json::to_text(&v).into_bytes());
    }
    set.write()?;
    if a.json.is_none() && !stdout(&a.record) {
        super::say(&trace::render(&sc, seed, a.trial, &tr))?;
    }
    Ok(ExitCode::SUCCESS)
}
