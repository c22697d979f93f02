//! `drillsim init [--from FILE] DIR`: write an exercise folder to start from.
//!
//! The folder is checked before it is written: its files are written (through the output
//! module, like every file) into a temporary folder, each exercise is loaded there as
//! `validate` would, and only then is the folder written to DIR. A folder that does not load
//! is a bug of `init`, never the user's to find.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use drillsim::init::{Folder, Inventory};
use drillsim::output::FileSet;

use super::say;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The folder to write (created if missing; must be empty unless --force)
    dir: PathBuf,
    /// Start from a Backstage catalog (catalog-info.yaml) or a Docker Compose file, told apart
    /// by content
    #[arg(long, value_name = "FILE")]
    from: Option<PathBuf>,
    /// Write into a folder that is not empty (files of the same names are replaced, others kept)
    #[arg(long)]
    force: bool,
    /// Prefix of the exercises' names (default: the folder's name)
    #[arg(long)]
    name: Option<String>,
}

/// A name from the folder's: letters, digits, `-` and `_`, else `exercise`.
fn default_name(dir: &Path) -> String {
    let base = std::fs::canonicalize(dir)
        .ok()
        .and_then(|d| d.file_name().map(|f| f.to_string_lossy().into_owned()))
        .or_else(|| dir.file_name().map(|f| f.to_string_lossy().into_owned()))
        .unwrap_or_default();
    let clean: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let clean = clean.trim_matches('-').to_string();
    if clean.is_empty() { "exercise".into() } else { clean }
}

fn write(folder: &Folder, dir: &Path) -> Result<()> {
    let mut set = FileSet::new();
    for (rel, text) in &folder.files {
        set.add(dir.join(rel), text.as_bytes().to_vec());
    }
    set.write()?;
    Ok(())
}

pub fn exec(a: Args) -> Result<ExitCode> {
    match std::fs::symlink_metadata(&a.dir) {
        Ok(m) if m.is_dir() || (m.file_type().is_symlink() && a.dir.is_dir()) => {
            let mut entries = std::fs::read_dir(&a.dir).with_context(|| format!("cannot read {}", a.dir.display()))?;
            if entries.next().is_some() && !a.force {
                bail!(
                    "{} is not empty\n  help: name a new or empty folder, or pass --force to write into it (files of the same names are replaced, others kept)",
                    a.dir.display()
                );
            }
        }
        Ok(_) => bail!(
            "{} is not a folder\n  help: name a new or empty folder for the exercise files",
            a.dir.display()
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => bail!("cannot read {}: {e}", a.dir.display()),
    }
    let name = match a.name {
        Some(n) if !n.is_empty() && n.len() <= 100 && !n.chars().any(char::is_control) => n,
        Some(_) => bail!("--name must be a short plain name"),
        None => default_name(&a.dir),
    };
    let (what, inv): (String, Inventory) = match &a.from {
        Some(file) => {
            let (format, inv) = drillsim::init::from_file(file, &name)?;
            (format!("from {} {}", format.words(), file.display()), inv)
        }
        None => ("from the starter template".into(), drillsim::init::starter(&name)),
    };
    let folder = drillsim::init::render(&inv).map_err(|e| {
        anyhow::anyhow!(
            "{}: {e}\n  help: the source must name at least one service, database or other component",
            a.from.as_deref().unwrap_or(Path::new("starter")).display()
        )
    })?;
    // Check it loads, in a temporary folder, before writing it where it belongs.
    let tmp = tempfile::tempdir().context("cannot make a temporary folder to check the exercises in")?;
    write(&folder, tmp.path())?;
    for ex in &folder.exercises {
        if let Err(e) = drillsim::scenario::load_with_root(&tmp.path().join(ex), tmp.path()) {
            bail!(
                "internal error: the written exercise {} does not load: {e}\n  help: please report this with the source file",
                ex.display()
            );
        }
    }
    write(&folder, &a.dir)?;
    let count_kind = |pred: &dyn Fn(&drillsim::init::Item) -> bool| inv.components.iter().filter(|c| pred(c)).count();
    let mut out = format!(
        "wrote {} ({what}): {} files, {} components, {} team(s), {} business service(s)\n",
        a.dir.display(),
        folder.files.len(),
        count_kind(&|_| true),
        inv.teams.len().max(1),
        folder.services
    );
    for (rel, _) in &folder.files {
        out.push_str(&format!("  {}\n", a.dir.join(rel).display()));
    }
    if !inv.passed_over.is_empty() {
        out.push_str("passed over (not part of the topology):\n");
        for p in &inv.passed_over {
            out.push_str(&format!("  {p}\n"));
        }
    }
    out.push_str("placeholders to review (not in the source; marked `# placeholder` in the files):\n");
    for p in &folder.placeholders {
        out.push_str(&format!("  {p}\n"));
    }
    let shown = drillsim::text::shell_word(&a.dir.display().to_string());
    out.push_str(&format!(
        "next: drillsim validate {shown}; drillsim check {shown}; drillsim run {}\n",
        drillsim::text::shell_word(&a.dir.join("failure.toml").display().to_string())
    ));
    say(&out)?;
    Ok(ExitCode::SUCCESS)
}
