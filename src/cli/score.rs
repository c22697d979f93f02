//! `drillsim score`: real drills placed in the plan's simulated distributions.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};

use super::{DEFAULT_SEED, Threads, load};
use drillsim::batch::MAX_TRIALS;
use drillsim::drill::Record;
use drillsim::model::Scenario;
use drillsim::output::{FileSet, is_stdout};
use drillsim::report::{self, Formats, full};
use drillsim::score::{self, Scores};
use drillsim::sensitivity;

/// Default number of trials, as `run`'s.
const DEFAULT_TRIALS: u64 = 100_000;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Scenario file (.toml) the drills rehearsed.
    file: PathBuf,
    /// Drill records (.csv long or short form, .jsonl); see docs/records.md.
    #[arg(required = true, value_name = "RECORD")]
    records: Vec<PathBuf>,
    /// Number of trials (default: the file's, else 100000).
    #[arg(long, short = 'n', value_parser = clap::value_parser!(u64).range(1..=MAX_TRIALS))]
    trials: Option<u64>,
    /// Seed of every random stream (default: the file's, else 1).
    #[arg(long, short = 's')]
    seed: Option<u64>,
    #[command(flatten)]
    threads: Threads,
    /// Write the scores as JSON to this file ("-" for standard output).
    #[arg(long)]
    json: Option<PathBuf>,
    /// Write the scores as Markdown to this file ("-" for standard output).
    #[arg(long)]
    md: Option<PathBuf>,
    /// Write the run's full report with the drills marked on its charts and a section of
    /// their own into DIR; without DIR, into reports/<scenario>/.
    #[arg(long, short = 'o', value_name = "DIR", num_args = 0..=1)]
    out: Option<Option<PathBuf>>,
    /// Which report files to write (as `run --format`). Implies --out.
    #[arg(long, short = 'f', value_name = "LIST")]
    format: Option<Formats>,
    /// Trials per lever of the report's sensitivity analysis (0 skips it).
    #[arg(long, value_name = "N", default_value_t = sensitivity::DEFAULT_TRIALS,
          value_parser = clap::value_parser!(u64).range(0..=MAX_TRIALS))]
    sensitivity_trials: u64,
}

/// Load every record; report each one that cannot be read (all of them, not just the first),
/// then fail.
pub fn load_records(sc: &Scenario, paths: &[PathBuf]) -> Result<Vec<Record>> {
    let mut records = Vec::new();
    let mut bad = Vec::new();
    for p in paths {
        if p.extension().is_some_and(|e| e.eq_ignore_ascii_case("toml")) {
            bad.push(format!(
                "{}: a scenario file, not a drill record\n  help: score takes one scenario, then the records of its drills (.csv, .jsonl)",
                p.display()
            ));
            continue;
        }
        match drillsim::drill::load(p, sc) {
            Ok(r) => records.push(r),
            Err(e) => bad.push(e.to_string()),
        }
    }
    match bad.len() {
        0 => Ok(records),
        1 => bail!("{}", bad[0]),
        n => bail!("{n} drill records cannot be used:\n{}", bad.join("\n")),
    }
}

/// Run the scenario's trials and place the records in them (the same summary `run` makes).
pub fn scored(sc: &Scenario, seed: u64, trials: u64, records: &[Record], threads: Threads) -> Result<Scores> {
    Ok(threads.pool()?.install(|| score::score(sc, seed, trials, records)))
}

/// The report folder `--out`/`--format` ask for, if any.
pub fn report_dir(sc: &Scenario, out: &Option<Option<PathBuf>>, format: &Option<Formats>) -> Option<PathBuf> {
    match (out, format) {
        (Some(Some(dir)), _) => Some(dir.clone()),
        (Some(None), _) | (None, Some(_)) => Some(full::default_dir(sc)),
        (None, None) => None,
    }
}

pub fn exec(a: Args) -> Result<ExitCode> {
    if let Some(Some(dir)) = &a.out {
        super::run::out_is_a_folder(dir)?;
    }
    let to_stdout = |p: &Option<PathBuf>| p.as_deref().is_some_and(is_stdout);
    if to_stdout(&a.json) && to_stdout(&a.md) {
        bail!("--json - and --md - would mix on standard output: send one of them to a file");
    }
    let sc = load(&a.file)?;
    let records = load_records(&sc, &a.records)?;
    let seed = a.seed.or(sc.seed).unwrap_or(DEFAULT_SEED);
    let trials = a.trials.or(sc.trials).unwrap_or(DEFAULT_TRIALS);
    let scores = scored(&sc, seed, trials, &records, a.threads)?;
    let coverage = score::coverage(&scores);

    let json = a
        .json
        .as_ref()
        .map(|_| report::json::to_text(&report::score::json(&sc, &scores, &coverage)));
    let md =
        a.md.as_ref()
            .map(|_| report::markdown::render(&report::score::doc(&sc, &scores, &coverage), None));
    let mut set = FileSet::new();
    for (path, text) in [(&a.json, &json), (&a.md, &md)] {
        if let (Some(path), Some(text)) = (path, text) {
            set.add(path, text.as_bytes());
        }
    }
    let dir = report_dir(&sc, &a.out, &a.format);
    let mut files = Vec::new();
    if let Some(dir) = &dir {
        let ropt = full::Options {
            formats: a.format.unwrap_or(Formats::ALL),
            sensitivity_trials: a.sensitivity_trials,
            search: full::DEFAULT_SEARCH,
            source: Some(a.file.display().to_string()),
        };
        files = a
            .threads
            .pool()?
            .install(|| full::build_with(&sc, seed, &scores.summary, None, &ropt, Some(&scores)))?;
        report::add_to(&mut set, dir, &files, ropt.formats);
    }
    set.write()?;
    let mut text = report::score::terminal(&sc, &scores, &coverage);
    if let Some(dir) = &dir {
        text.push_str(&format!("\n  report: {} files in {}\n", files.len(), dir.display()));
    }
    if to_stdout(&a.json) || to_stdout(&a.md) {
        super::note(&text)?;
    } else {
        super::say(&text)?;
    }
    Ok(ExitCode::SUCCESS)
}
