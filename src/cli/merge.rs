//! `drillsim merge`: join the parts that shards wrote into the run's (or the check's) output,
//! the same as one process would have written.
//!
//! A run's parts carry their scenario's files, so the merge needs nothing else: it rebuilds
//! the model, merges the summaries exactly, and writes the same terminal summary, JSON and
//! report as `drillsim run` of every trial. The report's sensitivity analysis and
//! representative trial are re-run here, from the carried files, on the same trials with the
//! same random numbers as `run` would use (the report says which trials and seed), so they are
//! the same too. Only `timing` differs: it is the shards' compute, summed.
//!
//! A check's parts (`--check`) and a comparison's (`--compare`) carry their entries' results;
//! the merge puts them back in the order of the whole list and ends as `check` and `compare`
//! end, with the same files, table and exit code.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Result, bail};

use super::Threads;
use drillsim::batch::MAX_TRIALS;
use drillsim::compare::summary::Report;
use drillsim::output::{FileSet, is_stdout};
use drillsim::report::{self, Formats, full, json::Timing};
use drillsim::sensitivity;
use drillsim::shard::merge::{merge_check, merge_compare, merge_run};
use drillsim::shard::partial::{CheckPart, ComparePart, Partial, ScenarioFiles};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The part files the shards wrote (`run --partial`; with --check, `check --part`; with
    /// --compare, `compare --part`), in any order.
    #[arg(required = true, value_name = "PART")]
    parts: Vec<PathBuf>,
    /// The parts are a check's (`drillsim check --shard K/N --part PATH`).
    #[arg(long)]
    check: bool,
    /// The parts are a comparison's (`drillsim compare ... --shard K/N --part PATH`): write
    /// what `compare` writes into --out DIR (default reports/compare), print its table, exit
    /// with its code (1 worse, 2 bad input).
    #[arg(long, conflicts_with_all = ["check", "scenario", "json", "junit", "format", "sensitivity_trials"])]
    compare: bool,
    /// The scenario the parts must be of (refused if its files differ); the report names it.
    /// Without it the files the parts carry are used.
    #[arg(long, value_name = "FILE", conflicts_with = "check")]
    scenario: Option<PathBuf>,
    /// Write the JSON summary (with --check: the check's JSON results) to this file ("-" for
    /// standard output).
    #[arg(long)]
    json: Option<PathBuf>,
    /// With --check: write JUnit XML to this file ("-" for standard output).
    #[arg(long, requires = "check")]
    junit: Option<PathBuf>,
    /// Write the run's report into DIR (as `run --out`); without DIR, into reports/<scenario>/.
    /// With --compare: the comparison's folder (as `compare --out`).
    #[arg(long, short = 'o', value_name = "DIR", num_args = 0..=1, conflicts_with = "check")]
    out: Option<Option<PathBuf>>,
    /// Which report files to write (as `run --format`). Implies --out.
    #[arg(long, short = 'f', value_name = "LIST", conflicts_with = "check")]
    format: Option<Formats>,
    /// Trials per lever of the report's sensitivity analysis (as `run`; 0 skips it).
    #[arg(long, value_name = "N", default_value_t = sensitivity::DEFAULT_TRIALS,
          value_parser = clap::value_parser!(u64).range(0..=MAX_TRIALS), conflicts_with = "check")]
    sensitivity_trials: u64,
    #[command(flatten)]
    threads: Threads,
}

pub fn exec(a: Args) -> Result<ExitCode> {
    if a.check {
        return check(a);
    }
    if a.compare {
        return compare(a);
    }
    if let Some(Some(dir)) = &a.out {
        super::run::out_is_a_folder(dir)?;
    }
    let mut parts = Vec::new();
    for p in &a.parts {
        parts.push((p.display().to_string(), Partial::read(p)?));
    }
    let expected = match &a.scenario {
        Some(file) => {
            let root = super::ROOT.get().cloned().unwrap_or_else(|| drillsim::scenario::default_root(file));
            let sources = drillsim::scenario::sources_with_root(file, &root)?;
            let mut files = ScenarioFiles::new("", file, sources);
            files.name = files.scenario()?.name;
            Some(files)
        }
        None => None,
    };
    let t0 = Instant::now();
    let m = merge_run(parts, expected.as_ref())?;
    let merge_seconds = t0.elapsed().as_secs_f64();
    let (sc, seed, sum) = (&m.scenario, m.seed, &m.summary);
    let timing = Timing {
        elapsed_seconds: m.timing.elapsed_seconds,
        threads: m.timing.threads as usize,
    };
    let report_dir = match (&a.out, &a.format) {
        (Some(Some(dir)), _) => Some(dir.clone()),
        (Some(None), _) | (None, Some(_)) => Some(full::default_dir(sc)),
        (None, None) => None,
    };
    let json_to_stdout = a.json.as_deref().is_some_and(is_stdout);
    let json_text = a
        .json
        .as_ref()
        .map(|_| report::json::to_text(&report::json::summary(sc, seed, sum, Some(&timing))));
    let mut set = FileSet::new();
    if let (Some(path), Some(text)) = (&a.json, &json_text) {
        set.add(path, text.as_bytes());
    }
    let say = |text: &str| if json_to_stdout { super::note(text) } else { super::say(text) };
    if !json_to_stdout {
        super::say(&report::terminal::summary(sc, seed, sum, Some(&timing)))?;
    }
    say(&format!(
        "  merged {} part(s) of trials 0..{} in {:.3} s (the time above is the shards', summed)\n",
        m.parts, sum.trials, merge_seconds
    ))?;
    if let Some(dir) = &report_dir {
        let t1 = Instant::now();
        let ropt = full::Options {
            formats: a.format.unwrap_or(Formats::ALL),
            sensitivity_trials: a.sensitivity_trials,
            search: full::DEFAULT_SEARCH,
            source: Some(m.files.file.clone()),
        };
        let files = a
            .threads
            .pool()?
            .install(|| full::build_with(sc, seed, sum, Some(&timing), &ropt, None))?;
        report::add_to(&mut set, dir, &files, ropt.formats);
        set.write()?;
        say(&format!(
            "  report ({}): {} files in {} ({:.2} s)\n",
            ropt.formats,
            files.len(),
            dir.display(),
            t1.elapsed().as_secs_f64()
        ))?;
    } else {
        set.write()?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `merge --check`: the check's JUnit, JSON, table and exit code, as one unsharded check.
fn check(a: Args) -> Result<ExitCode> {
    if a.out.is_some() || a.format.is_some() {
        bail!("--out and --format write a run's report; a check's parts merge into --junit and --json");
    }
    let mut parts = Vec::new();
    for p in &a.parts {
        parts.push((p.display().to_string(), CheckPart::read(p)?));
    }
    let m = merge_check(parts)?;
    super::note(&m.skipped.iter().map(|s| format!("{s}\n")).collect::<String>())?;
    super::check::finish(
        &m.outcomes,
        &super::check::Report {
            confidence: m.settings.confidence,
            strict: m.settings.strict,
            junit: a.junit.clone(),
            json: a.json.clone(),
            elapsed: m.elapsed_seconds,
        },
    )
}

/// `merge --compare`: the comparison's files in --out, its table and exit code, as one
/// unsharded `compare`.
fn compare(a: Args) -> Result<ExitCode> {
    let mut parts = Vec::new();
    for p in &a.parts {
        parts.push((p.display().to_string(), ComparePart::read(p)?));
    }
    let m = merge_compare(parts)?;
    super::note(&m.skipped.iter().map(|s| format!("{s}\n")).collect::<String>())?;
    let out = a.out.flatten().unwrap_or_else(|| PathBuf::from(super::compare::DEFAULT_OUT));
    super::compare::finish(
        &Report {
            base: m.settings.base,
            candidate: m.settings.candidate,
            entries: m.entries,
        },
        &out,
    )
}
