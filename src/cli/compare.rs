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
use drillsim::output::FileSet;
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
    /// recovery CDFs as <name>.cdf.csv and an overlay <name>.cdf.svg.
    #[arg(long, default_value = "reports/compare")]
    out: PathBuf,
    /// No progress bar.
    #[arg(long, short = 'q')]
    quiet: bool,
    #[command(flatten)]
    threads: Threads,
}

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
    let pairs = pairs(&base_path, &cand_path, copy.as_ref())?;

    let pool = a.threads.pool()?;
    if a.quiet {
        drillsim::batch::hide_progress();
    }
    let mut entries = Vec::new();
    let total = pairs.len();
    for (k, (name, b, c)) in pairs.into_iter().enumerate() {
        let (b, c) = match (b, c) {
            (Some(b), Some(c)) => (b, c),
            (Some(_), None) => {
                entries.push(Entry::OnlyBase { name });
                continue;
            }
            (None, _) => {
                entries.push(Entry::OnlyCandidate { name });
                continue;
            }
        };
        // Exercises found in a folder may include files anywhere in that folder.
        let in_folder = |p: &Path| p.is_dir().then(|| p.to_path_buf());
        let (base_root, cand_root) = (in_folder(&base_path), in_folder(&cand_path));
        let (base, cand) = match (load_in(&b, base_root.as_deref()), load_in(&c, cand_root.as_deref())) {
            (Ok(b), Ok(c)) => (b, c),
            (Err(e), _) => {
                entries.push(match &copy {
                    Some(m) => Entry::BaseInvalid {
                        name,
                        error: m.rewrite(e).to_string(),
                    },
                    None => Entry::Bad {
                        name,
                        error: e.to_string(),
                    },
                });
                continue;
            }
            (_, Err(e)) => {
                entries.push(Entry::Bad {
                    name,
                    error: e.to_string(),
                });
                continue;
            }
        };
        let mut opt = CompareOptions::new(a.seed.or(cand.seed).unwrap_or(DEFAULT_SEED));
        opt.trials = a.trials;
        opt.resamples = a.resamples as usize;
        opt.confidence = a.confidence;
        opt.tolerance_minutes = tolerance;
        opt.tolerance_percent = a.tolerance_pct;
        // Both revisions' trials, on one bar per exercise.
        let bar = drillsim::batch::trials_bar(2 * opt.trials, &format!("{}/{total} ", k + 1));
        let comparison = pool.install(|| compare::compare_with(&base, &cand, &opt, bar.as_ref()));
        if let Some(b) = bar {
            b.finish_and_clear();
        }
        entries.push(Entry::Compared {
            name,
            comparison: Box::new(comparison),
        });
    }
    let rep = Report {
        base: base_label,
        candidate: cand_label,
        entries,
    };

    // Files (one set), then the terminal.
    write_files(&rep, &a.out)?;
    super::say(&format!("{}wrote {}\n", summary::table(&rep), a.out.join("summary.md").display()))?;
    drop(copy);
    Ok(match rep.overall() {
        Outcome::Worse => ExitCode::from(1),
        Outcome::BadInput => ExitCode::from(2),
        Outcome::Better | Outcome::NoSignificantChange => ExitCode::SUCCESS,
    })
}

/// The exercises to compare, paired by their path inside the folders (or the two files).
fn pairs(base_path: &Path, cand_path: &Path, copy: Option<&BaseCopy>) -> Result<Vec<Pair>> {
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
        return Ok(vec![(
            name,
            base_exists.then(|| base_path.to_path_buf()),
            Some(cand_path.to_path_buf()),
        )]);
    }
    // Files passed over on either side, each said once.
    let mut notes = BTreeSet::new();
    let mut list = |root: &Path, label: &dyn Fn(&Path) -> String| -> Result<Vec<String>> {
        if !root.exists() {
            return Ok(Vec::new());
        }
        let found = discover::find(root).with_context(|| format!("cannot read {}", label(root)))?;
        for s in &found.skipped {
            notes.insert(format!("skipped {}: {}\n", label(&s.path), s.reason));
        }
        Ok(found.exercises.iter().map(|f| rel_name(f, root)).collect())
    };
    let base_shown = |p: &Path| match copy {
        Some(c) => discover::shown(Path::new(&c.label_of(p))),
        None => discover::shown(p),
    };
    let bs = list(base_path, &base_shown)?;
    let cs = list(cand_path, &discover::shown)?;
    let notes: String = notes.into_iter().collect();
    note(&match copy {
        Some(c) => c.relabel(&notes),
        None => notes,
    })?;
    let all: BTreeSet<&String> = bs.iter().chain(&cs).collect();
    if all.is_empty() {
        bail!("no exercise files found in {}", cand_path.display());
    }
    Ok(all
        .into_iter()
        .map(|name| {
            (
                name.clone(),
                bs.contains(name).then(|| base_path.join(name)),
                cs.contains(name).then(|| cand_path.join(name)),
            )
        })
        .collect())
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
