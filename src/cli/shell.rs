//! `drillsim completions SHELL` and `drillsim man [DIR]`: what a packager or a user installing
//! with `cargo install` needs, generated from the same definitions the parser uses so they
//! never drift from the flags.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::CommandFactory;

use drillsim::output::FileSet;

#[derive(clap::Args, Debug)]
pub struct CompletionArgs {
    /// bash, zsh, fish, elvish or powershell.
    shell: clap_complete::Shell,
    /// Write the script to this file (default: standard output).
    #[arg(long, short = 'o', default_value = "-")]
    out: PathBuf,
}

#[derive(clap::Args, Debug)]
pub struct ManArgs {
    /// Write one page per command (drillsim.1, drillsim-run.1, ...) into DIR; without it,
    /// the main page goes to standard output.
    dir: Option<PathBuf>,
}

pub fn completions(a: CompletionArgs) -> Result<ExitCode> {
    let mut cmd = super::Cli::command();
    let mut bytes = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "drillsim", &mut bytes);
    let mut set = FileSet::new();
    set.add(&a.out, bytes);
    set.write()?;
    Ok(ExitCode::SUCCESS)
}

fn page(cmd: clap::Command, title: &str) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    clap_mangen::Man::new(cmd)
        .title(title)
        .render(&mut bytes)
        .context("cannot render the man page")?;
    Ok(bytes)
}

pub fn man(a: ManArgs) -> Result<ExitCode> {
    let cmd = super::Cli::command();
    let mut set = FileSet::new();
    match &a.dir {
        None => set.add("-", page(cmd, "drillsim")?),
        Some(dir) => {
            let mut cmd = cmd;
            cmd.build();
            for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
                let name = format!("drillsim-{}", sub.get_name());
                set.add(dir.join(format!("{name}.1")), page(sub.clone(), &name)?);
            }
            set.add(dir.join("drillsim.1"), page(cmd, "drillsim")?);
        }
    }
    set.write()?;
    Ok(ExitCode::SUCCESS)
}
