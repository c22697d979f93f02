//! `drillsim check`: run every scenario's `[expect]` objectives and gate on them.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Result, bail};
use indicatif::ProgressBar;

use super::{DEFAULT_SEED, Threads, load_in, note};
use drillsim::batch::MAX_TRIALS;
use drillsim::check::results::{self, FileOutcome, Overall};
use drillsim::check::{self, CheckOptions, DEFAULT_MAX_TRIALS, DEFAULT_START_TRIALS, discover};
use drillsim::output::{FileSet, is_stdout};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Scenario files, or folders searched for exercise files (.toml files with an
    /// [exercise] table; folders named `invalid` are skipped).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Trials of the first look (default: the file's, else 10000).
    #[arg(long, short = 'n', value_parser = clap::value_parser!(u64).range(1..=MAX_TRIALS))]
    trials: Option<u64>,
    /// Most trials per scenario; the run doubles up to this while a verdict is not certain.
    #[arg(long, default_value_t = DEFAULT_MAX_TRIALS, value_parser = clap::value_parser!(u64).range(1..=MAX_TRIALS))]
    max_trials: u64,
    /// Seed of every random stream (default: each file's, else 1).
    #[arg(long, short = 's')]
    seed: Option<u64>,
    /// Confidence level of the intervals (over all of a run's looks).
    #[arg(long, default_value_t = 0.95, value_parser = super::confidence)]
    confidence: f64,
    /// Count "not certain" at the trial cap as missed (exit 1) instead of passing with a warning.
    #[arg(long)]
    strict: bool,
    /// Write JUnit XML to this file (CI systems show it as test results; "-" for standard
    /// output).
    #[arg(long)]
    junit: Option<PathBuf>,
    /// Write the results as JSON to this file ("-" for standard output).
    #[arg(long)]
    json: Option<PathBuf>,
    /// No progress bar.
    #[arg(long, short = 'q')]
    quiet: bool,
    #[command(flatten)]
    threads: Threads,
    /// Check only shard K of N of the exercises (K from 1 to N; the sorted list dealt
    /// round-robin), or `auto` (from the batch engine's variables). Needs --part.
    #[arg(long, value_name = "K/N|auto")]
    shard: Option<drillsim::shard::ShardSpec>,
    /// With --shard auto where the engine does not tell it: how many shards (else
    /// DRILLSIM_SHARDS).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=drillsim::shard::MAX_SHARDS))]
    shards: Option<u64>,
    /// Write the shard's results to this file, for `drillsim merge --check`.
    #[arg(long, value_name = "PATH")]
    part: Option<PathBuf>,
}

/// One entry of the discovered list: an exercise to check (and the folder it was found in),
/// or a path that could not be searched.
enum Entry {
    Exercise(PathBuf, Option<PathBuf>),
    Bad(FileOutcome),
}

impl Entry {
    fn path(&self) -> String {
        match self {
            Entry::Exercise(p, _) => p.display().to_string(),
            Entry::Bad(FileOutcome::Bad { path, .. }) => format!("bad: {}", path.display()),
            Entry::Bad(_) => String::new(),
        }
    }
}

/// Where and how a check's results are written (shared with `merge --check`).
pub(super) struct Report {
    pub confidence: f64,
    pub strict: bool,
    pub junit: Option<PathBuf>,
    pub json: Option<PathBuf>,
    pub elapsed: f64,
}

pub fn exec(a: Args) -> Result<ExitCode> {
    let to_stdout = |p: &Option<PathBuf>| p.as_deref().is_some_and(is_stdout);
    if to_stdout(&a.junit) && to_stdout(&a.json) {
        bail!("--junit - and --json - would mix on standard output: send one of them to a file");
    }
    let sharded = a.shard.is_some() || a.part.is_some() || a.shards.is_some();
    if sharded && (a.junit.is_some() || a.json.is_some()) {
        bail!(
            "--junit/--json with --shard: a shard checks only some exercises\n  help: write the parts with --shard K/N --part PATH, then `drillsim merge --check PART... --junit PATH --json PATH`"
        );
    }
    let pool = a.threads.pool()?;
    if a.quiet {
        drillsim::batch::hide_progress();
    }

    let t0 = Instant::now();
    let mut entries = Vec::new();
    let mut skipped = Vec::new();
    for p in &a.paths {
        match discover::find(p) {
            Ok(f) if f.exercises.is_empty() => entries.push(Entry::Bad(FileOutcome::Bad {
                path: p.clone(),
                error: format!(
                    "{}: no exercise files found (a scenario is a .toml file with an [exercise] table)",
                    p.display()
                ),
            })),
            Ok(f) => {
                skipped.extend(f.skipped.iter().map(ToString::to_string));
                let folder = p.is_dir().then(|| p.clone());
                entries.extend(f.exercises.into_iter().map(|e| Entry::Exercise(e, folder.clone())));
            }
            Err(e) => entries.push(Entry::Bad(FileOutcome::Bad {
                path: p.clone(),
                error: format!("cannot read {}: {e}", p.display()),
            })),
        }
    }
    note(&skipped.iter().map(|s| format!("{s}\n")).collect::<String>())?;
    let shard = if sharded { Some(shard_of(&a)?) } else { None };
    let taken: Vec<usize> = (0..entries.len()).filter(|&i| shard.is_none_or(|s| s.takes(i))).collect();
    // The exercises this process checks are numbered for the progress bar.
    let total = taken.iter().filter(|&&i| matches!(entries[i], Entry::Exercise(..))).count();
    let mut files = Vec::new();
    let mut k = 0;
    for &i in &taken {
        files.push(match &entries[i] {
            Entry::Exercise(f, folder) => {
                k += 1;
                let bar = drillsim::batch::trials_spinner(&format!("{k}/{total} "));
                let outcome = pool.install(|| check_file(f, folder.as_deref(), &a, bar.as_ref()));
                if let Some(b) = bar {
                    b.finish_and_clear();
                }
                outcome
            }
            Entry::Bad(o) => o.clone(),
        });
    }
    let elapsed = t0.elapsed().as_secs_f64();
    if let Some(shard) = shard {
        return write_part(&a, shard, &entries, skipped, taken, files, elapsed);
    }
    finish(
        &files,
        &Report {
            confidence: a.confidence,
            strict: a.strict,
            junit: a.junit.clone(),
            json: a.json.clone(),
            elapsed,
        },
    )
}

/// The shard this check is: `--shard K/N`, or `auto` from the engine's variables.
fn shard_of(a: &Args) -> Result<drillsim::shard::Shard> {
    use drillsim::shard::{ShardSpec, auto};
    if a.part.is_none() {
        bail!("--shard writes the shard's results: add --part PATH (then merge the parts with `drillsim merge --check PART...`)");
    }
    Ok(match a.shard {
        Some(ShardSpec::Given(s)) if a.shards.is_some() => bail!("--shards goes with --shard auto (the count is already in --shard {s})"),
        Some(ShardSpec::Given(s)) => s,
        Some(ShardSpec::Auto) => auto::from_env(a.shards)?,
        None if a.shards.is_some() => bail!("--shards goes with --shard auto"),
        None => drillsim::shard::Shard::WHOLE,
    })
}

/// Write a shard's part: its outcomes at their places in the whole list. The shard's own
/// table is printed for its log; the verdict and exit code are the merge's.
fn write_part(
    a: &Args,
    shard: drillsim::shard::Shard,
    entries: &[Entry],
    skipped: Vec<String>,
    taken: Vec<usize>,
    files: Vec<FileOutcome>,
    elapsed: f64,
) -> Result<ExitCode> {
    use drillsim::shard::partial::{self, CheckPart, CheckSettings, IndexedOutcome};
    let Some(path) = &a.part else {
        bail!("--shard needs --part PATH");
    };
    let paths: Vec<String> = entries.iter().map(Entry::path).collect();
    let table = results::table(&files, a.confidence);
    let part = CheckPart {
        format: partial::CHECK_FORMAT.into(),
        format_version: partial::FORMAT_VERSION,
        drillsim_version: partial::DRILLSIM_VERSION.into(),
        shard,
        settings: CheckSettings {
            confidence: a.confidence,
            strict: a.strict,
            seed: a.seed,
            trials: a.trials,
            max_trials: a.max_trials,
        },
        entries: entries.len(),
        list_sha256: partial::list_hash(&paths),
        skipped,
        elapsed_seconds: elapsed,
        outcomes: taken
            .into_iter()
            .zip(files)
            .map(|(index, outcome)| IndexedOutcome { index, outcome })
            .collect(),
    };
    let text = part.to_text();
    let mut set = FileSet::new();
    set.add(path, text.as_bytes());
    set.write()?;
    let line = format!(
        "{table}shard {shard}: {} of {} exercise(s), {elapsed:.2} s: {} (merge the parts with `drillsim merge --check PART...` for the verdict)\n",
        part.outcomes.len(),
        entries.len(),
        path.display()
    );
    if is_stdout(path) {
        note(&line)?
    } else {
        super::say(&line)?
    }
    Ok(ExitCode::SUCCESS)
}

/// Write a check's JUnit and JSON, print its table and summary line, and give its exit code:
/// the one ending of `check` and of `merge --check`.
pub(super) fn finish(files: &[FileOutcome], r: &Report) -> Result<ExitCode> {
    let to_stdout = |p: &Option<PathBuf>| p.as_deref().is_some_and(is_stdout);
    let elapsed = r.elapsed;
    let junit = r.junit.as_ref().map(|_| results::junit(files, r.confidence, r.strict));
    let json = r
        .json
        .as_ref()
        .map(|_| drillsim::report::json::to_text(&results::json(files, r.confidence, r.strict)));
    let mut set = FileSet::new();
    for (path, text) in [(&r.junit, &junit), (&r.json, &json)] {
        if let (Some(path), Some(text)) = (path, text) {
            set.add(path, text.as_bytes());
        }
    }
    set.write()?;
    let overall = results::overall(files, r.strict);
    let objectives: usize = files
        .iter()
        .map(|f| match f {
            FileOutcome::Checked { check, .. } => check.results.len(),
            _ => 0,
        })
        .sum();
    // How many of them were not met, so "missed: 13 objective(s)" cannot be read as 13 missed.
    let count = |v: check::Verdict| -> usize {
        files
            .iter()
            .map(|f| match f {
                FileOutcome::Checked { check, .. } => check.results.iter().filter(|o| o.verdict == v).count(),
                _ => 0,
            })
            .sum()
    };
    let (missed, uncertain) = (count(check::Verdict::Missed), count(check::Verdict::NotCertain));
    let unmet = match (missed, uncertain) {
        (0, 0) => String::new(),
        (m, 0) => format!(" ({m} missed)"),
        (0, u) => format!(" ({u} not certain)"),
        (m, u) => format!(" ({m} missed, {u} not certain)"),
    };
    let summary = format!(
        "{}: {objectives} objective(s){unmet} in {} file(s), {elapsed:.2} s{}\n",
        overall.as_str(),
        files.len(),
        match overall {
            Overall::NotCertain => {
                " (an objective is too close to its threshold to decide at --max-trials; passing, as --strict is off)"
            }
            _ => "",
        }
    );
    // A gate that checked nothing must not look like a pass.
    let nothing_checked = objectives == 0 && overall != Overall::BadInput;
    if nothing_checked {
        note(if r.strict {
            "error: no objective was checked; with --strict that fails (add [expect] objectives to the exercises)\n"
        } else {
            "warning: no objective was checked (add [expect] objectives to the exercises; --strict makes this fail)\n"
        })?;
    }
    let text = format!("{}{summary}", results::table(files, r.confidence));
    if to_stdout(&r.junit) || to_stdout(&r.json) {
        note(&text)?;
    } else {
        super::say(&text)?;
    }
    Ok(match overall {
        Overall::Met if nothing_checked && r.strict => ExitCode::from(1),
        Overall::Met | Overall::NotCertain => ExitCode::SUCCESS,
        Overall::Missed => ExitCode::from(1),
        Overall::BadInput => ExitCode::from(2),
    })
}

fn check_file(path: &Path, folder: Option<&Path>, a: &Args, bar: Option<&ProgressBar>) -> FileOutcome {
    let sc = match load_in(path, folder) {
        Ok(sc) => sc,
        Err(e) => {
            return FileOutcome::Bad {
                path: path.to_path_buf(),
                error: e.to_string(),
            };
        }
    };
    if sc.objectives.is_empty() {
        return FileOutcome::NoObjectives {
            path: path.to_path_buf(),
            name: sc.name,
        };
    }
    let seed = a.seed.or(sc.seed).unwrap_or(DEFAULT_SEED);
    let start = a.trials.or(sc.trials).unwrap_or(DEFAULT_START_TRIALS).min(a.max_trials);
    let opt = CheckOptions {
        start_trials: start,
        max_trials: a.max_trials,
        confidence: a.confidence,
    };
    FileOutcome::Checked {
        path: path.to_path_buf(),
        check: check::check_scenario_with(&sc, seed, &opt, bar),
    }
}
