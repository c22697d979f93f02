//! `drillsim validate`: check files without running them.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use super::load;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Scenario files (.toml).
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

pub fn exec(a: Args) -> Result<ExitCode> {
    let mut bad = 0;
    for f in &a.files {
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
