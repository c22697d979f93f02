//! `drillsim validate`: check files without running them.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use super::{load, note};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Scenario files (.toml).
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

pub fn exec(a: Args) -> Result<ExitCode> {
    let mut bad = 0;
    let mut out = std::io::stdout().lock();
    for f in &a.files {
        match load(f) {
            Ok(sc) => writeln!(
                out,
                "{}: ok ({}, {})",
                f.display(),
                count(sc.teams.len(), "team"),
                count(sc.steps.len(), "step")
            )?,
            Err(e) => {
                note(&format!("error: {e}\n"))?;
                bad += 1;
            }
        }
    }
    Ok(if bad == 0 { ExitCode::SUCCESS } else { ExitCode::from(2) })
}

fn count(n: usize, what: &str) -> String {
    if n == 1 { format!("1 {what}") } else { format!("{n} {what}s") }
}
