//! `drillsim compare`: a plan revision against its base, trial by trial.

use std::collections::{BTreeSet, VecDeque};
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, Result, bail};

use super::{DEFAULT_SEED, UsageError, load};
use drillsim::check::exercise_files;
use drillsim::compare::report::{self, Entry, Overall, Report};
use drillsim::compare::{self, CompareOptions};
use drillsim::error::ScenarioError;
use drillsim::plot::{CdfChart, Targets, cdf_overlay};
use drillsim::report::write_atomic;
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
    #[arg(long, short = 'n', default_value_t = compare::DEFAULT_TRIALS)]
    trials: u64,
    /// Seed of both runs and the bootstrap (default: the candidate file's, else 1).
    #[arg(long, short = 's')]
    seed: Option<u64>,
    /// Changes smaller than this duration do not count (for statistics in minutes).
    #[arg(long, default_value = "1m", value_name = "DURATION")]
    tolerance: String,
    /// Changes smaller than this percentage of the base value do not count.
    #[arg(long, default_value_t = compare::DEFAULT_TOLERANCE_PERCENT, value_name = "PERCENT")]
    tolerance_pct: f64,
    /// Confidence level of the bootstrap intervals.
    #[arg(long, default_value_t = 0.95)]
    confidence: f64,
    /// Bootstrap resamples.
    #[arg(long, default_value_t = compare::DEFAULT_RESAMPLES)]
    resamples: usize,
    /// Folder for summary.md (pull-request comment), compare.json, and per exercise the
    /// recovery CDFs as <name>.cdf.csv and an overlay <name>.cdf.svg.
    #[arg(long, default_value = "reports/compare")]
    out: PathBuf,
    /// Most worker threads to use (default: all cores).
    #[arg(long, short = 'j')]
    threads: Option<usize>,
}

pub fn exec(a: Args) -> Result<ExitCode> {
    if a.trials == 0 || a.trials > compare::MAX_TRIALS {
        bail!(UsageError(format!(
            "--trials {} is out of range: use 1 to {} (compare keeps every trial's values in memory)",
            a.trials,
            compare::MAX_TRIALS
        )));
    }
    let tolerance = parse_minutes(&a.tolerance).map_err(|m| UsageError(format!("--tolerance: {m}")))?;
    if !(a.tolerance_pct >= 0.0 && a.tolerance_pct.is_finite()) {
        bail!(UsageError(format!("--tolerance-pct {} must be 0 or more", a.tolerance_pct)));
    }
    if !(a.confidence > 0.5 && a.confidence < 1.0) {
        bail!(UsageError(format!("--confidence {} is out of range: use e.g. 0.95", a.confidence)));
    }
    if a.resamples < 100 || a.resamples > 100_000 {
        bail!(UsageError(format!(
            "--resamples {} is out of range: use 100 to 100000",
            a.resamples
        )));
    }
    if a.threads == Some(0) {
        bail!(UsageError("--threads 0: use at least 1 thread".into()));
    }

    // Where the base and the candidate are.
    let (base_path, cand_path, base_label, cand_label, materialised) = match (&a.base_rev, a.paths.as_slice()) {
        (Some(rev), [p]) => {
            if !p.exists() {
                bail!(UsageError(format!("{} does not exist", p.display())));
            }
            let m = Materialised::new(rev, p)?;
            let label = format!("{rev}:{}", m.rel_label());
            (m.path.clone(), p.clone(), label, format!("{} (working tree)", p.display()), Some(m))
        }
        (Some(_), _) => bail!(UsageError("with --base-rev, give one path: the candidate file or folder".into())),
        (None, [b, c]) => {
            for p in [b, c] {
                if !p.exists() {
                    bail!(UsageError(format!("{} does not exist", p.display())));
                }
            }
            (b.clone(), c.clone(), b.display().to_string(), c.display().to_string(), None)
        }
        (None, _) => bail!(UsageError(
            "give BASE and CANDIDATE, or --base-rev REV and one path (e.g. --base-rev origin/main scenarios/)".into()
        )),
    };

    // Pairs of exercise files.
    let cand_is_dir = cand_path.is_dir();
    let base_exists = base_path.exists();
    if base_exists && materialised.is_none() && base_path.is_dir() != cand_is_dir {
        bail!(UsageError("compare two files or two folders, not one of each".into()));
    }
    let mut pairs: Vec<(String, Option<PathBuf>, Option<PathBuf>)> = Vec::new();
    if cand_is_dir {
        let list = |root: &Path| -> Result<Vec<String>> {
            if !root.exists() {
                return Ok(Vec::new());
            }
            Ok(exercise_files(root)
                .with_context(|| format!("cannot read {}", root.display()))?
                .iter()
                .map(|f| rel_name(f, root))
                .collect())
        };
        let (bs, cs) = (list(&base_path)?, list(&cand_path)?);
        let all: BTreeSet<&String> = bs.iter().chain(&cs).collect();
        if all.is_empty() {
            bail!(UsageError(format!("no exercise files found in {}", cand_path.display())));
        }
        for name in all {
            pairs.push((
                name.clone(),
                bs.contains(name).then(|| base_path.join(name)),
                cs.contains(name).then(|| cand_path.join(name)),
            ));
        }
    } else {
        let name = cand_path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| cand_path.display().to_string());
        pairs.push((name, base_exists.then(|| base_path.clone()), Some(cand_path.clone())));
    }

    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = a.threads {
        builder = builder.num_threads(n);
    }
    let pool = builder.build().context("cannot start worker threads")?;
    let mut entries = Vec::new();
    for (name, b, c) in pairs {
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
        let (base, cand) = match (load(&b), load(&c)) {
            (Ok(b), Ok(c)) => (b, c),
            (Err(e), _) => {
                entries.push(match &materialised {
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
        opt.resamples = a.resamples;
        opt.confidence = a.confidence;
        opt.tolerance_minutes = tolerance;
        opt.tolerance_percent = a.tolerance_pct;
        let comparison = pool.install(|| compare::compare(&base, &cand, &opt));
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

    // Files, then the terminal.
    write_atomic(&a.out.join("summary.md"), report::markdown(&rep).as_bytes())?;
    write_atomic(
        &a.out.join("compare.json"),
        drillsim::report::json::to_text(&report::json(&rep)).as_bytes(),
    )?;
    for e in &rep.entries {
        if let Entry::Compared { name, comparison: c } = e {
            let stem = file_stem(name);
            write_atomic(&a.out.join(format!("{stem}.cdf.csv")), report::cdf_csv(c).as_bytes())?;
            let spec = CdfChart {
                name: format!("{stem}.cdf"),
                title: format!("{}: recovery time, base vs candidate", c.candidate_name),
                x_label: "recovery time (minutes after the fault)".into(),
                markers: Vec::new(),
            };
            let chart = cdf_overlay(
                &spec,
                &[("base", &c.base_recovery), ("candidate", &c.candidate_recovery)],
                Targets::BOTH,
            )?;
            if let Some(svg) = &chart.svg {
                write_atomic(&a.out.join(format!("{stem}.cdf.svg")), svg.as_bytes())?;
            }
            if let Some(png) = &chart.png {
                write_atomic(&a.out.join(format!("{stem}.cdf.png")), png)?;
            }
        }
    }
    let mut out = std::io::stdout().lock();
    out.write_all(report::table(&rep).as_bytes())?;
    writeln!(out, "wrote {}", a.out.join("summary.md").display())?;
    Ok(match rep.overall() {
        Overall::Worse => ExitCode::from(1),
        Overall::BadInput => ExitCode::from(2),
        Overall::Better | Overall::NoSignificantChange => ExitCode::SUCCESS,
    })
}

/// `f` relative to `root`, with `/` separators.
fn rel_name(f: &Path, root: &Path) -> String {
    let rel = f.strip_prefix(root).unwrap_or(f);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// A file name for an exercise's outputs: its relative path with `/` as `__`, without `.toml`.
fn file_stem(name: &str) -> String {
    let s = name.strip_suffix(".toml").unwrap_or(name);
    s.replace(['/', '\\'], "__").replace(':', "_")
}

/// A file or folder and every file it includes, written out as they were at a git revision,
/// in a temporary folder that is removed on drop.
struct Materialised {
    rev: String,
    dir: PathBuf,
    /// The path inside `dir`.
    path: PathBuf,
    /// The path relative to the repository root.
    rel: PathBuf,
}

impl Drop for Materialised {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn git(root: &Path, args: &[&str]) -> Result<std::process::Output> {
    Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .context("cannot run git (is it installed and on the PATH?)")
}

fn slash(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// `a/b/../c` to `a/c`; None when it climbs above the root.
fn normalise(p: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            _ => return None,
        }
    }
    Some(out)
}

impl Materialised {
    fn new(rev: &str, path: &Path) -> Result<Materialised> {
        let is_dir = path.is_dir();
        let start = if is_dir {
            path.to_path_buf()
        } else {
            match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            }
        };
        let top = git(&start, &["rev-parse", "--show-toplevel"])?;
        if !top.status.success() {
            bail!(UsageError(format!("--base-rev: {} is not in a git repository", path.display())));
        }
        let root = PathBuf::from(String::from_utf8_lossy(&top.stdout).trim());
        let canon_root = std::fs::canonicalize(&root).with_context(|| format!("cannot read {}", root.display()))?;
        let canon = std::fs::canonicalize(path).with_context(|| format!("cannot read {}", path.display()))?;
        let rel = canon
            .strip_prefix(&canon_root)
            .map(Path::to_path_buf)
            .map_err(|_| UsageError(format!("{} is outside the git repository {}", path.display(), root.display())))?;
        let verify = git(&root, &["rev-parse", "--verify", "--quiet", &format!("{rev}^{{commit}}")])?;
        if !verify.status.success() {
            bail!(UsageError(format!(
                "--base-rev {rev}: no such revision (in CI, fetch it first, e.g. `git fetch origin main`)"
            )));
        }
        let dir = temp_dir()?;
        let m = Materialised {
            rev: rev.to_string(),
            path: dir.join(&rel),
            dir,
            rel: rel.clone(),
        };
        // The files to write: the .toml files of the folder (or the file), then what they
        // include, transitively.
        let mut queue: VecDeque<PathBuf> = VecDeque::new();
        if is_dir {
            let spec = if rel.as_os_str().is_empty() { ".".to_string() } else { slash(&rel) };
            let ls = git(&root, &["ls-tree", "-r", "-z", "--name-only", rev, "--", &spec])?;
            if !ls.status.success() {
                bail!("git ls-tree {rev} failed: {}", String::from_utf8_lossy(&ls.stderr).trim());
            }
            for f in ls.stdout.split(|&b| b == 0).filter(|f| !f.is_empty()) {
                let f = String::from_utf8_lossy(f).into_owned();
                if f.ends_with(".toml") {
                    queue.push_back(PathBuf::from(f));
                }
            }
        } else {
            queue.push_back(rel.clone());
        }
        let mut seen = BTreeSet::new();
        while let Some(f) = queue.pop_front() {
            if !seen.insert(f.clone()) {
                continue;
            }
            let show = git(&root, &["show", &format!("{rev}:{}", slash(&f))])?;
            if !show.status.success() {
                continue; // not in the base: the file is new, or an include is missing (reported on load)
            }
            let target = m.dir.join(&f);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
            }
            std::fs::write(&target, &show.stdout).with_context(|| format!("cannot write {}", target.display()))?;
            let text = String::from_utf8_lossy(&show.stdout);
            let Ok(table) = toml::from_str::<toml::Table>(&text) else {
                continue;
            };
            let Some(toml::Value::Array(incs)) = table.get("include") else {
                continue;
            };
            let here = f.parent().unwrap_or(Path::new(""));
            for inc in incs {
                if let toml::Value::String(s) = inc
                    && let Some(p) = normalise(&here.join(s))
                {
                    queue.push_back(p);
                }
            }
        }
        Ok(m)
    }

    fn rel_label(&self) -> String {
        if self.rel.as_os_str().is_empty() {
            ".".into()
        } else {
            slash(&self.rel)
        }
    }

    /// Show an error in a materialised file as `REV:path`, not as the temporary path.
    fn rewrite(&self, mut e: ScenarioError) -> ScenarioError {
        if let Ok(rel) = e.path.strip_prefix(&self.dir) {
            e.path = PathBuf::from(format!("{}:{}", self.rev, slash(rel)));
        }
        e
    }
}

fn temp_dir() -> Result<PathBuf> {
    let base = std::env::temp_dir();
    for i in 0..1000 {
        let d = base.join(format!("drillsim-base-{}-{i}", std::process::id()));
        match std::fs::create_dir(&d) {
            Ok(()) => return Ok(d),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e).with_context(|| format!("cannot create a folder in {}", base.display())),
        }
    }
    bail!("cannot create a temporary folder in {}", base.display())
}
