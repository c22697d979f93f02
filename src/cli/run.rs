//! `drillsim run`: many trials, a terminal summary, and optionally JSON and a full report.
//!
//! A plain `run` prints the terminal summary and writes nothing: it stays as fast as the
//! batch. `--out [DIR]` (or `--format`) also writes the report, by default to
//! `reports/<scenario>/`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use super::{DEFAULT_SEED, Threads, load};
use drillsim::batch::{self, MAX_TRIALS, RunOptions};
use drillsim::drill::Record;
use drillsim::model::Scenario;
use drillsim::output::{FileSet, is_stdout};
use drillsim::report::{self, Formats, full, json::Timing};
use drillsim::score::Scores;
use drillsim::sensitivity;
use drillsim::stats::Summary;

/// Default number of trials when neither the file nor the command line sets one.
const DEFAULT_TRIALS: u64 = 100_000;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Scenario file (.toml).
    file: PathBuf,
    /// Number of trials (default: the file's, else 100000).
    #[arg(long, short = 'n', value_parser = clap::value_parser!(u64).range(1..=MAX_TRIALS))]
    trials: Option<u64>,
    /// Seed of every random stream (default: the file's, else 1).
    #[arg(long, short = 's')]
    seed: Option<u64>,
    #[command(flatten)]
    threads: Threads,
    /// Write the JSON summary to this file ("-" for standard output).
    #[arg(long)]
    json: Option<PathBuf>,
    /// Write a report (summary.json, report.md, report.html, charts as PNG and SVG) into DIR;
    /// without DIR, into reports/<scenario>/.
    #[arg(long, short = 'o', value_name = "DIR", num_args = 0..=1)]
    out: Option<Option<PathBuf>>,
    /// Which report files to write, comma-separated: json, md, html, png, svg or all
    /// (default all). Implies --out.
    #[arg(long, short = 'f', value_name = "LIST")]
    format: Option<Formats>,
    /// Trials per lever of the report's sensitivity analysis (0 skips it).
    #[arg(long, value_name = "N", default_value_t = sensitivity::DEFAULT_TRIALS,
          value_parser = clap::value_parser!(u64).range(0..=MAX_TRIALS))]
    sensitivity_trials: u64,
    /// No progress bar.
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Mark a real drill's recovery on the report's charts and add a section on it (as
    /// `drillsim score --out`); repeat for several drills. Needs --out.
    #[arg(long = "drill", value_name = "RECORD")]
    drills: Vec<PathBuf>,
    /// List the K trials with the longest recovery (among those --where picks), each with
    /// the command that traces it.
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u64).range(1..=1000))]
    worst: Option<u64>,
    /// Only trials where this holds, e.g. 'recovery > 8h', 'services.payment >= 2h',
    /// 'stores.orders > 30m' (with --worst; alone, lists the worst 10 of them).
    #[arg(long = "where", value_name = "CONDITION")]
    condition: Option<String>,
    /// Write one CSV row per trial (trial, recovery, detect, ack, close, level, each
    /// service's downtime, each store's data lost) to this file ("-" for standard output),
    /// streamed in trial order.
    #[arg(long, value_name = "PATH")]
    trials_out: Option<PathBuf>,
    /// Play only shard K of N of the trials (K from 1 to N), or `auto`: which shard from the
    /// batch engine's variables (Slurm, Kubernetes, AWS Batch, GitLab CI). Needs --partial.
    #[arg(long, value_name = "K/N|auto")]
    shard: Option<drillsim::shard::ShardSpec>,
    /// With --shard auto where the engine does not tell it (Kubernetes, AWS Batch): how many
    /// shards there are (else DRILLSIM_SHARDS).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=drillsim::shard::MAX_SHARDS))]
    shards: Option<u64>,
    /// Write the shard's partial summary to this file, for `drillsim merge`.
    #[arg(long, value_name = "PATH")]
    partial: Option<PathBuf>,
}

/// Default number of trials listed by `--where` without `--worst`.
const DEFAULT_WORST: u64 = 10;

/// `--out` names the folder the report's files go into. A path that is an existing file, or
/// that is named like one of the report's files, was meant as a file: say so before the run
/// (it would otherwise fail late, or write a folder named `x.json`).
pub(super) fn out_is_a_folder(dir: &Path) -> Result<()> {
    let ext = dir.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let why = if dir.is_file() {
        "is an existing file"
    } else if matches!(ext.as_deref(), Some("toml" | "json" | "md" | "html")) {
        "is named like a file"
    } else {
        return Ok(());
    };
    bail!(
        "--out takes a folder (the report's files are written into it), but {} {why}\n  \
         help: give a folder, e.g. --out reports/mine (created if missing); to write only the \
         JSON summary to a file, use --json summary.json",
        dir.display()
    )
}

pub fn exec(a: Args) -> Result<ExitCode> {
    if a.shard.is_some() || a.partial.is_some() || a.shards.is_some() {
        return shard(a);
    }
    if let Some(Some(dir)) = &a.out {
        out_is_a_folder(dir)?;
    }
    let sc = load(&a.file)?;
    let trials = a.trials.or(sc.trials).unwrap_or(DEFAULT_TRIALS);
    let report_dir = match (&a.out, &a.format) {
        (Some(Some(dir)), _) => Some(dir.clone()),
        (Some(None), _) | (None, Some(_)) => Some(full::default_dir(&sc)),
        (None, None) => None,
    };
    let seed = a.seed.or(sc.seed).unwrap_or(DEFAULT_SEED);
    let opt = RunOptions {
        seed,
        trials,
        threads: a.threads.get(),
        progress: !a.quiet,
    };
    if !a.drills.is_empty() && report_dir.is_none() {
        bail!(
            "--drill marks drills on the report's charts, but no report is written\n  help: add --out DIR, or use `drillsim score {} RECORD...` for the scores alone",
            a.file.display()
        );
    }
    let records = super::score::load_records(&sc, &a.drills)?;
    let (condition, worst_k) = check_modes(&a, &sc, &records)?;
    let t0 = Instant::now();
    let Played {
        sum,
        scores,
        worst,
        staged,
    } = play(&a, &sc, &opt, &records, worst_k, condition)?;
    let timing = Timing {
        elapsed_seconds: t0.elapsed().as_secs_f64(),
        threads: a.threads.get().unwrap_or_else(rayon::current_num_threads),
    };
    // Every file of the run is one set: the JSON summary and the report are replaced together.
    let json_to_stdout = a.json.as_deref().is_some_and(is_stdout);
    let json_text = a
        .json
        .as_ref()
        .map(|_| report::json::to_text(&report::json::summary(&sc, seed, &sum, Some(&timing))));
    let mut report_files = Vec::new();
    let mut set = FileSet::new();
    if let Some(st) = staged {
        set.add_staged(st);
    }
    if let (Some(path), Some(text)) = (&a.json, &json_text) {
        set.add(path, text.as_bytes());
    }
    let quiet_stdout = json_to_stdout || a.trials_out.as_deref().is_some_and(is_stdout);
    if !quiet_stdout {
        super::say(&report::terminal::summary(&sc, seed, &sum, Some(&timing)))?;
    }
    if let Some(w) = &worst {
        let text = worst_text(&a, seed, w);
        if quiet_stdout { super::note(&text)? } else { super::say(&text)? }
    }
    let t1 = Instant::now();
    if let Some(dir) = &report_dir {
        let ropt = full::Options {
            formats: a.format.unwrap_or(Formats::ALL),
            sensitivity_trials: a.sensitivity_trials,
            search: full::DEFAULT_SEARCH,
            source: Some(a.file.display().to_string()),
        };
        report_files = a
            .threads
            .pool()?
            .install(|| full::build_with(&sc, seed, &sum, Some(&timing), &ropt, scores.as_ref()))?;
        report::add_to(&mut set, dir, &report_files, ropt.formats);
    }
    set.write()?;
    if let Some(dir) = report_dir {
        let line = format!(
            "  report ({}): {} files in {} ({:.2} s)\n",
            a.format.unwrap_or(Formats::ALL),
            report_files.len(),
            dir.display(),
            t1.elapsed().as_secs_f64()
        );
        if quiet_stdout {
            super::note(&line)?;
        } else {
            super::say(&line)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// What one run played: the summary and, as the flags asked, the drills' scores, the worst
/// trials, or the staged per-trial CSV.
struct Played {
    sum: Summary,
    scores: Option<Scores>,
    worst: Option<drillsim::worst::Worst>,
    staged: Option<drillsim::output::Staged>,
}

/// `--where` read against the scenario, how many worst trials to list, and the modes that do
/// not go together refused before any trial runs.
fn check_modes(a: &Args, sc: &Scenario, records: &[Record]) -> Result<(Option<drillsim::worst::Condition>, Option<u64>)> {
    let condition = match &a.condition {
        Some(c) => Some(drillsim::worst::Condition::parse(sc, c).map_err(|e| anyhow::anyhow!("--where: {e}"))?),
        None => None,
    };
    let worst_k = a.worst.or(condition.map(|_| DEFAULT_WORST));
    if worst_k.is_some() && !records.is_empty() {
        bail!("--worst/--where and --drill: run them separately (drillsim score places drills)");
    }
    if a.trials_out.is_some() && (worst_k.is_some() || !records.is_empty()) {
        bail!("--trials-out writes every trial: list the worst with --worst, or place drills with --drill, in another run");
    }
    if a.trials_out.as_deref().is_some_and(is_stdout) && a.json.as_deref().is_some_and(is_stdout) {
        bail!("--trials-out - and --json - would mix on standard output: send one of them to a file");
    }
    Ok((condition, worst_k))
}

/// Play the trials the way the flags ask: streamed to `--trials-out`, keeping the worst,
/// plain, or scored against drills, with each step's duration kept beside the summary (the
/// summary is the same either way).
fn play(
    a: &Args,
    sc: &Scenario,
    opt: &RunOptions,
    records: &[Record],
    worst_k: Option<u64>,
    condition: Option<drillsim::worst::Condition>,
) -> Result<Played> {
    let seed = opt.seed;
    let trials = opt.trials;
    let mut worst = None;
    let mut staged = None;
    let (sum, scores) = if let Some(path) = &a.trials_out {
        let mut out = drillsim::output::Staged::create(path)?;
        let sum = a
            .threads
            .pool()?
            .install(|| drillsim::trials::stream(sc, seed, trials, |b| out.write(b)))?;
        staged = Some(out);
        (sum, None)
    } else if let Some(k) = worst_k {
        let (sum, w) = a
            .threads
            .pool()?
            .install(|| drillsim::worst::run(sc, seed, trials, k as usize, condition));
        worst = Some(w);
        (sum, None)
    } else if records.is_empty() {
        (batch::run(sc, opt).context("cannot start worker threads")?, None)
    } else {
        let s = super::score::scored(sc, seed, trials, records, a.threads)?;
        (s.summary.clone(), Some(s))
    };
    Ok(Played {
        sum,
        scores,
        worst,
        staged,
    })
}

/// The worst trials, each with the command that traces it.
fn worst_text(a: &Args, seed: u64, w: &drillsim::worst::Worst) -> String {
    let of = match &a.condition {
        Some(c) => format!("{} trial(s) where {c}", w.matched),
        None => format!("{} trials", w.matched),
    };
    let mut out = format!("\n  worst {} by recovery time, of {of}:\n", w.trials.len());
    if w.trials.is_empty() {
        out.push_str("    none\n");
    }
    out.push_str(&format!(
        "  {:>10} {:>10} {:>8} {:>8}  trace it with\n",
        "trial", "recovery", "detect", "ack"
    ));
    for p in &w.trials {
        let rec = if p.recovered {
            format!("{:.1}", p.recovery)
        } else {
            "not rec.".to_string()
        };
        let cmd = drillsim::text::shell_command(&[
            "drillsim".to_string(),
            "trace".into(),
            a.file.display().to_string(),
            "--seed".into(),
            seed.to_string(),
            "--trial".into(),
            p.trial.to_string(),
        ]);
        out.push_str(&format!("  {:>10} {rec:>10} {:>8.1} {:>8.1}  {cmd}\n", p.trial, p.detect, p.ack));
    }
    out
}

/// `run --shard K/N --partial PATH`: play one shard's trials and write its partial summary.
fn shard(a: Args) -> Result<ExitCode> {
    use drillsim::shard::{ShardSpec, auto, partial};
    let refused: Vec<&str> = [
        (a.json.is_some(), "--json"),
        (a.out.is_some(), "--out"),
        (a.format.is_some(), "--format"),
        (!a.drills.is_empty(), "--drill"),
        (a.worst.is_some(), "--worst"),
        (a.condition.is_some(), "--where"),
        (a.trials_out.is_some(), "--trials-out"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, f)| *f)
    .collect();
    if !refused.is_empty() {
        bail!(
            "{} with --shard: a shard plays only part of the trials, so these would describe a part, not the run\n  \
             help: write the parts with --shard K/N --partial PATH, then `drillsim merge PART... --json PATH --out DIR` writes the run's summary and report",
            refused.join(", ")
        );
    }
    let Some(path) = &a.partial else {
        bail!("--shard writes a partial summary: add --partial PATH (then merge the parts with `drillsim merge PART...`)");
    };
    let shard = match a.shard {
        Some(ShardSpec::Given(s)) => {
            if a.shards.is_some() {
                bail!("--shards goes with --shard auto (the count is already in --shard {s})");
            }
            s
        }
        Some(ShardSpec::Auto) => auto::from_env(a.shards)?,
        None if a.shards.is_some() => bail!("--shards goes with --shard auto"),
        None => drillsim::shard::Shard::WHOLE,
    };
    let root = super::ROOT
        .get()
        .cloned()
        .unwrap_or_else(|| drillsim::scenario::default_root(&a.file));
    let sources = drillsim::scenario::sources_with_root(&a.file, &root)?;
    // The model is built from the very texts the part carries, so the merge rebuilds it exactly.
    let mut files = partial::ScenarioFiles::new("", &a.file, sources);
    let sc = files.scenario()?;
    files.name = sc.name.clone();
    let trials = a.trials.or(sc.trials).unwrap_or(DEFAULT_TRIALS);
    if shard.count > trials {
        bail!(
            "--shard {shard}: {} shards of {trials} trials would leave some shards without a trial\n  help: use at most {trials} shards, or more trials",
            shard.count
        );
    }
    let seed = a.seed.or(sc.seed).unwrap_or(DEFAULT_SEED);
    let range = shard.range(trials);
    let t0 = Instant::now();
    let sum = a.threads.pool()?.install(|| batch::summarize_range(&sc, seed, range.clone(), None));
    let timing = partial::PartTiming {
        elapsed_seconds: t0.elapsed().as_secs_f64(),
        threads: a.threads.get().unwrap_or_else(rayon::current_num_threads) as u64,
    };
    let part = partial::Partial::new(files, seed, trials, shard, &sum, timing);
    let text = part.to_text();
    let mut set = FileSet::new();
    set.add(path, text.as_bytes());
    set.write()?;
    let line = format!(
        "drillsim {}: {}: shard {shard}, trials {}..{} of {trials} (seed {seed}), {:.2} s: {} ({} bytes)\n",
        env!("CARGO_PKG_VERSION"),
        sc.name,
        range.start,
        range.end,
        timing.elapsed_seconds,
        path.display(),
        text.len()
    );
    if is_stdout(path) {
        super::note(&line)?
    } else {
        super::say(&line)?
    }
    Ok(ExitCode::SUCCESS)
}
