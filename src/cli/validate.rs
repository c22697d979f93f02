//! `drillsim validate`: check files without running them.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use drillsim::check::discover;

use super::{load_in, note, say};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Scenario files (.toml), or folders searched for exercise files as `check` does; a part
    /// that another listed file includes is checked through that file
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

pub fn exec(a: Args) -> Result<ExitCode> {
    let mut bad = 0;
    // Each file with the folder it was found in (the root of its includes), if any.
    let mut todo: Vec<(PathBuf, Option<PathBuf>)> = Vec::new();
    let mut skipped = String::new();
    let (dirs, files): (Vec<&PathBuf>, Vec<&PathBuf>) = a.files.iter().partition(|f| f.is_dir());
    let files: Vec<PathBuf> = files.into_iter().cloned().collect();
    let listed = discover::among(&files);
    todo.extend(listed.exercises.into_iter().map(|f| (f, None)));
    let mut passed_over = listed.skipped;
    for d in dirs {
        match discover::find(d) {
            Ok(found) if found.exercises.is_empty() => {
                note(&format!(
                    "error: {}: no exercise files found (a scenario is a .toml file with an [exercise] table)\n",
                    d.display()
                ))?;
                bad += 1;
            }
            Ok(found) => {
                todo.extend(found.exercises.into_iter().map(|f| (f, Some(d.clone()))));
                passed_over.extend(found.skipped);
            }
            Err(e) => {
                note(&format!("error: cannot read {}: {e}\n", d.display()))?;
                bad += 1;
            }
        }
    }
    for s in &passed_over {
        skipped.push_str(&format!("{s}\n"));
    }
    note(&skipped)?;
    for (f, folder) in &todo {
        let f = &f;
        match load_in(f, folder.as_deref()) {
            Ok(sc) => say(&format!(
                "{}: ok ({}, {})\n",
                f.display(),
                count(sc.teams.len(), "team"),
                count(sc.steps.len(), "step")
            ))?,
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
