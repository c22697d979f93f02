//! `drillsim compare`: a plan revision against its base, trial by trial.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use super::{DEFAULT_SEED, Threads, load_in, note};
use drillsim::check::discover;
use drillsim::compare::git::BaseCopy;
use drillsim::compare::summary::{self, Entry, Outcome, Report};
use drillsim::compare::{self, CompareOptions};
use drillsim::output::{FileSet, is_stdout};
use drillsim::plot::{CdfChart, Targets, cdf_overlay};
use drillsim::scenario::duration::parse_minutes;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// BASE and CANDIDATE: two scenario files, or two plan folders (exercises are paired by
    /// their path inside the folder). With --base-rev, only the CANDIDATE path.
    #[arg(required = true, num_args = 1..=2, value_names = ["BASE", "CANDIDATE"])]
    paths: Vec<PathBuf>,
    /// Read the base from this git revision (e.g. origin/main): the same path and the files it
    /// includes, as they were at REV.
    #[arg(long, value_name = "REV")]
    base_rev: Option<String>,
    /// Paired trials per exercise; every trial's values are kept in memory (at most 1000000).
    #[arg(long, short = 'n', default_value_t = compare::DEFAULT_TRIALS,
          value_parser = clap::value_parser!(u64).range(1..=compare::MAX_TRIALS))]
    trials: u64,
    /// Seed of both runs and the bootstrap (default: the candidate file's, else 1).
    #[arg(long, short = 's')]
    seed: Option<u64>,
    /// Changes smaller than this duration do not count (for statistics in minutes).
    #[arg(long, default_value = "1m", value_name = "DURATION")]
    tolerance: String,
    /// Changes smaller than this percentage of the base value do not count.
    #[arg(long, default_value_t = compare::DEFAULT_TOLERANCE_PERCENT, value_name = "PERCENT", value_parser = percent)]
    tolerance_pct: f64,
    /// Confidence level of the bootstrap intervals.
    #[arg(long, default_value_t = 0.95, value_parser = super::confidence)]
    confidence: f64,
    /// Bootstrap resamples.
    #[arg(long, default_value_t = compare::DEFAULT_RESAMPLES as u64,
          value_parser = clap::value_parser!(u64).range(100..=100_000))]
    resamples: u64,
    /// Folder for summary.md (pull-request comment), compare.json, and per exercise the
    /// recovery CDFs as <name>.cdf.csv and an overlay <name>.cdf.svg [default: reports/compare].
    /// Not with --shard: a shard writes only its --part, and `drillsim merge --compare` writes
    /// these files.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// No progress bar.
    #[arg(long, short = 'q')]
    quiet: bool,
    #[command(flatten)]
    threads: Threads,
    /// Compare only shard K of N of the exercise pairs (K from 1 to N; the sorted list of pairs
    /// dealt round-robin), or `auto` (from the batch engine's variables). Needs --part.
    #[arg(long, value_name = "K/N|auto")]
    shard: Option<drillsim::shard::ShardSpec>,
    /// With --shard auto where the engine does not tell it: how many shards (else
    /// DRILLSIM_SHARDS).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=drillsim::shard::MAX_SHARDS))]
    shards: Option<u64>,
    /// Write the shard's comparisons to this file, for `drillsim merge --compare` (which writes
    /// --out, prints the table and gives the exit code).
    #[arg(long, value_name = "PATH")]
    part: Option<PathBuf>,
}

/// Where `compare` and `merge --compare` write their files without --out.
pub(super) const DEFAULT_OUT: &str = "reports/compare";

/// `--tolerance-pct`: 0 or more.
fn percent(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(p) if p >= 0.0 && p.is_finite() => Ok(p),
        _ => Err("use a percentage of 0 or more, e.g. 0.5".into()),
    }
}

/// An exercise's name and its files on either side.
type Pair = (String, Option<PathBuf>, Option<PathBuf>);

pub fn exec(a: Args) -> Result<ExitCode> {
    let sharded = a.shard.is_some() || a.part.is_some() || a.shards.is_some();
    if sharded && a.out.is_some() {
        bail!(
            "--out with --shard: a shard compares only some exercises and writes only its --part\n  help: merge the parts with `drillsim merge --compare PART... --out DIR`, which writes summary.md, compare.json and the CDFs"
        );
    }
    let shard = if sharded { Some(shard_of(&a)?) } else { None };
    let tolerance = parse_minutes(&a.tolerance).map_err(|m| anyhow::anyhow!("--tolerance: {m}"))?;
    // Where the base and the candidate are. The copy of a base revision lives until the end
    // of the command, and is removed on every way out (including a signal).
    let (base_path, cand_path, base_label, cand_label, copy) = match (&a.base_rev, a.paths.as_slice()) {
        (Some(rev), [p]) => {
            if !p.exists() {
                bail!("{} does not exist", p.display());
            }
            let c = BaseCopy::new(rev, p)?;
            (c.path(), p.clone(), c.label(), format!("{} (working tree)", p.display()), Some(c))
        }
        (Some(_), _) => bail!("with --base-rev, give one path: the candidate file or folder"),
        (None, [b, c]) => {
            for p in [b, c] {
                if !p.exists() {
                    bail!("{} does not exist", p.display());
                }
            }
            (b.clone(), c.clone(), b.display().to_string(), c.display().to_string(), None)
        }
        (None, _) => bail!("give BASE and CANDIDATE, or --base-rev REV and one path (e.g. --base-rev origin/main scenarios/)"),
    };
    let (pairs, skipped) = pairs(&base_path, &cand_path, copy.as_ref())?;
    note(&skipped.iter().map(|s| format!("{s}\n")).collect::<String>())?;

    let pool = a.threads.pool()?;
    if a.quiet {
        drillsim::batch::hide_progress();
    }
    let mut opt = CompareOptions::new(DEFAULT_SEED);
    opt.trials = a.trials;
    opt.resamples = a.resamples as usize;
    opt.confidence = a.confidence;
    opt.tolerance_minutes = tolerance;
    opt.tolerance_percent = a.tolerance_pct;
    let taken: Vec<usize> = (0..pairs.len()).filter(|&i| shard.is_none_or(|s| s.takes(i))).collect();
    let total = taken.len();
    let sides = Sides {
        base: &base_path,
        cand: &cand_path,
        copy: copy.as_ref(),
    };
    let mut entries = Vec::new();
    for (k, &i) in taken.iter().enumerate() {
        let entry = compare_pair(&pairs[i], &sides, a.seed, &opt, &pool, &format!("{}/{total} ", k + 1));
        entries.push(entry);
    }
    let rep = Report {
        base: base_label,
        candidate: cand_label,
        entries,
    };
    let code = match shard {
        Some(shard) => write_part(&a, shard, &pairs, skipped, taken, rep, (&opt, &sides))?,
        None => finish(&rep, a.out.as_deref().unwrap_or(Path::new(DEFAULT_OUT)))?,
    };
    drop(copy);
    Ok(code)
}

/// The shard this comparison is: `--shard K/N`, or `auto` from the engine's variables.
fn shard_of(a: &Args) -> Result<drillsim::shard::Shard> {
    use drillsim::shard::{ShardSpec, auto};
    if a.part.is_none() {
        bail!(
            "--shard writes the shard's comparisons: add --part PATH (then merge the parts with `drillsim merge --compare PART... --out DIR`)"
        );
    }
    Ok(match a.shard {
        Some(ShardSpec::Given(s)) if a.shards.is_some() => bail!("--shards goes with --shard auto (the count is already in --shard {s})"),
        Some(ShardSpec::Given(s)) => s,
        Some(ShardSpec::Auto) => auto::from_env(a.shards)?,
        None if a.shards.is_some() => bail!("--shards goes with --shard auto"),
        None => bail!("--part writes one shard's comparisons: add --shard K/N (or --shard auto); without them, compare writes --out"),
    })
}

/// Where the two sides are read from.
struct Sides<'a> {
    base: &'a Path,
    cand: &'a Path,
    copy: Option<&'a BaseCopy>,
}

/// One pair's entry: compared, or why not. `bar_prefix` numbers it on the progress bar.
fn compare_pair(
    (name, b, c): &Pair,
    sides: &Sides<'_>,
    seed: Option<u64>,
    opt: &CompareOptions,
    pool: &rayon::ThreadPool,
    bar_prefix: &str,
) -> Entry {
    let name = name.clone();
    let (b, c) = match (b, c) {
        (Some(b), Some(c)) => (b, c),
        (Some(_), None) => return Entry::OnlyBase { name },
        (None, _) => return Entry::OnlyCandidate { name },
    };
    // Exercises found in a folder may include files anywhere in that folder.
    let in_folder = |p: &Path| p.is_dir().then(|| p.to_path_buf());
    let (base_root, cand_root) = (in_folder(sides.base), in_folder(sides.cand));
    let (base, cand) = match (load_in(b, base_root.as_deref()), load_in(c, cand_root.as_deref())) {
        (Ok(b), Ok(c)) => (b, c),
        (Err(e), _) => {
            return match sides.copy {
                Some(m) => Entry::BaseInvalid {
                    name,
                    error: m.rewrite(e).to_string(),
                },
                None => Entry::Bad {
                    name,
                    error: e.to_string(),
                },
            };
        }
        (_, Err(e)) => {
            return Entry::Bad {
                name,
                error: e.to_string(),
            };
        }
    };
    let opt = CompareOptions {
        seed: seed.or(cand.seed).unwrap_or(DEFAULT_SEED),
        ..opt.clone()
    };
    // Both revisions' trials, on one bar per exercise.
    let bar = drillsim::batch::trials_bar(2 * opt.trials, bar_prefix);
    let comparison = pool.install(|| compare::compare_with(&base, &cand, &opt, bar.as_ref()));
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    Entry::Compared {
        name,
        comparison: Box::new(comparison),
    }
}

/// Write a shard's part: its entries at their places in the whole list of pairs. The shard's
/// own entries are printed for its log; the files, verdict and exit code are the merge's.
fn write_part(
    a: &Args,
    shard: drillsim::shard::Shard,
    pairs: &[Pair],
    skipped: Vec<String>,
    taken: Vec<usize>,
    rep: Report,
    (opt, sides): (&CompareOptions, &Sides<'_>),
) -> Result<ExitCode> {
    use drillsim::shard::partial::{self, ComparePart, CompareSettings, IndexedEntry};
    let Some(path) = &a.part else {
        bail!("--shard needs --part PATH");
    };
    let list: Vec<(String, bool, bool)> = pairs.iter().map(|(n, b, c)| (n.clone(), b.is_some(), c.is_some())).collect();
    let table = summary::entries_table(&rep);
    let part = ComparePart {
        format: partial::COMPARE_FORMAT.into(),
        format_version: partial::FORMAT_VERSION,
        drillsim_version: partial::DRILLSIM_VERSION.into(),
        shard,
        settings: CompareSettings {
            trials: opt.trials,
            seed: a.seed,
            tolerance_minutes: opt.tolerance_minutes,
            tolerance_percent: opt.tolerance_percent,
            confidence: opt.confidence,
            resamples: opt.resamples as u64,
            base: rep.base,
            base_commit: sides.copy.map(|c| c.commit().to_string()),
            candidate: rep.candidate,
        },
        pairs: pairs.len(),
        pairs_sha256: partial::pair_hash(&list),
        skipped,
        entries: taken
            .into_iter()
            .zip(rep.entries)
            .map(|(index, entry)| IndexedEntry { index, entry })
            .collect(),
    };
    let mut set = FileSet::new();
    set.add(path, part.to_text().into_bytes());
    set.write()?;
    let line = format!(
        "{table}shard {shard}: {} of {} exercise pair(s): {} (merge the parts with `drillsim merge --compare PART... --out DIR` for the files, the result and the exit code)\n",
        part.entries.len(),
        pairs.len(),
        path.display()
    );
    if is_stdout(path) {
        note(&line)?
    } else {
        super::say(&line)?
    }
    Ok(ExitCode::SUCCESS)
}

/// Write a comparison's files into `out` (one set), print its table, and give its exit code
/// (1 worse, 2 bad input, else 0): the one ending of `compare` and of `merge --compare`.
pub(super) fn finish(rep: &Report, out: &Path) -> Result<ExitCode> {
    write_files(rep, out)?;
    super::say(&format!("{}wrote {}\n", summary::table(rep), out.join("summary.md").display()))?;
    Ok(match rep.overall() {
        Outcome::Worse => ExitCode::from(1),
        Outcome::BadInput => ExitCode::from(2),
        Outcome::Better | Outcome::NoSignificantChange => ExitCode::SUCCESS,
    })
}

/// The exercises to compare, paired by their path inside the folders (or the two files), and
/// what the search passed over on either side, each said once.
fn pairs(base_path: &Path, cand_path: &Path, copy: Option<&BaseCopy>) -> Result<(Vec<Pair>, Vec<String>)> {
    let cand_is_dir = cand_path.is_dir();
    let base_exists = base_path.exists();
    if base_exists && copy.is_none() && base_path.is_dir() != cand_is_dir {
        bail!("compare two files or two folders, not one of each");
    }
    if !cand_is_dir {
        let name = cand_path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| cand_path.display().to_string());
        return Ok((
            vec![(name, base_exists.then(|| base_path.to_path_buf()), Some(cand_path.to_path_buf()))],
            Vec::new(),
        ));
    }
    // Files passed over on either side, each said once.
    let mut notes = BTreeSet::new();
    let mut list = |root: &Path, label: &dyn Fn(&Path) -> String| -> Result<Vec<String>> {
        if !root.exists() {
            return Ok(Vec::new());
        }
        let found = discover::find(root).with_context(|| format!("cannot read {}", label(root)))?;
        for s in &found.skipped {
            notes.insert(format!("skipped {}: {}", label(&s.path), s.reason));
        }
        Ok(found.exercises.iter().map(|f| rel_name(f, root)).collect())
    };
    let base_shown = |p: &Path| match copy {
        Some(c) => discover::shown(Path::new(&c.label_of(p))),
        None => discover::shown(p),
    };
    let bs = list(base_path, &base_shown)?;
    let cs = list(cand_path, &discover::shown)?;
    let skipped: Vec<String> = notes
        .into_iter()
        .map(|n| match copy {
            Some(c) => c.relabel(&n),
            None => n,
        })
        .collect();
    let all: BTreeSet<&String> = bs.iter().chain(&cs).collect();
    if all.is_empty() {
        note(&skipped.iter().map(|s| format!("{s}\n")).collect::<String>())?;
        bail!("no exercise files found in {}", cand_path.display());
    }
    let pairs = all
        .into_iter()
        .map(|name| {
            (
                name.clone(),
                bs.contains(name).then(|| base_path.join(name)),
                cs.contains(name).then(|| cand_path.join(name)),
            )
        })
        .collect();
    Ok((pairs, skipped))
}

/// summary.md, compare.json and each exercise's CDFs, written as one set; CDF files of
/// exercises no longer compared are removed, so the folder never mixes two comparisons.
fn write_files(rep: &Report, out: &Path) -> Result<()> {
    let mut set = FileSet::new();
    set.add(out.join("summary.md"), summary::markdown(rep).into_bytes());
    set.add(
        out.join("compare.json"),
        drillsim::report::json::to_text(&summary::json(rep)).into_bytes(),
    );
    for e in &rep.entries {
        if let Entry::Compared { name, comparison: c } = e {
            let stem = file_stem(name);
            set.add(out.join(format!("{stem}.cdf.csv")), summary::cdf_csv(c).into_bytes());
            let spec = CdfChart {
                name: format!("{stem}.cdf"),
                y_label: None,
                title: format!("{}: recovery time, base vs candidate", c.candidate_name),
                x_label: "recovery time (minutes after the fault)".into(),
                markers: Vec::new(),
            };
            let chart = cdf_overlay(
                &spec,
                &[("base", &c.base_recovery), ("candidate", &c.candidate_recovery)],
                Targets::BOTH,
            )?;
            if let Some(svg) = chart.svg {
                set.add(out.join(format!("{stem}.cdf.svg")), svg.into_bytes());
            }
            if let Some(png) = chart.png {
                set.add(out.join(format!("{stem}.cdf.png")), png);
            }
        }
    }
    if let Ok(list) = std::fs::read_dir(out) {
        let ours: BTreeSet<PathBuf> = set.paths().map(Path::to_path_buf).collect();
        for e in list.flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            let p = out.join(&n);
            if [".cdf.csv", ".cdf.svg", ".cdf.png"].iter().any(|x| n.ends_with(x)) && !ours.contains(&p) {
                set.remove_stale(p);
            }
        }
    }
    set.write()?;
    Ok(())
}

/// `f` relative to `root`, with `/` separators.
fn rel_name(f: &Path, root: &Path) -> String {
    let rel = f.strip_prefix(root).unwrap_or(f);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// A file name for an exercise's outputs: its relative path without `.toml`, with `_` as `_u`,
/// `/` as `__` and `:` as `_c`. The mapping is injective (`p/q.toml` is `p__q`, `p__q.toml` is
/// `p_u_uq`), so two exercises never share an output file.
fn file_stem(name: &str) -> String {
    let s = name.strip_suffix(".toml").unwrap_or(name);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '_' => out.push_str("_u"),
            '/' | '\\' => out.push_str("__"),
            ':' => out.push_str("_c"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::file_stem;

    #[test]
    fn output_names_of_two_exercises_never_collide() {
        assert_eq!(file_stem("p/q.toml"), "p__q");
        assert_eq!(file_stem("p__q.toml"), "p_u_uq");
        assert_eq!(file_stem("ref20.toml"), "ref20");
        let names = [
            "a_/b.toml",
            "a/_b.toml",
            "a__b.toml",
            "a/b.toml",
            "a:b.toml",
            "a_cb.toml",
            "a_ub.toml",
        ];
        let stems: std::collections::BTreeSet<String> = names.iter().map(|n| file_stem(n)).collect();
        assert_eq!(stems.len(), names.len(), "{stems:?}");
    }
}
