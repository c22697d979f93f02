//! The files shards write: a run's partial summary and a check's partial results.
//!
//! A **partial summary** (`drillsim run --shard K/N --partial PATH`) holds everything a merge
//! needs and everything it must compare: the format and its version, drillsim's version, the
//! scenario (its name, the file as named, the SHA-256 of its files and the files' texts, so
//! the merge rebuilds the very model the shard ran, on a machine that may not have the files),
//! the seed, the run's total trial count, the shard and the trial range it played, how long
//! it took, and the summary in its wire form ([`crate::stats::wire`]). It is JSON: readable,
//! diffable, and every `f64` in it round-trips bit for bit.
//!
//! A **check part** (`drillsim check --shard K/N --part PATH`) holds the options of the check,
//! a digest of the whole discovered list of exercises (so parts of different lists are not
//! merged), and the outcomes of the exercises this shard took, each with its index in the list.
//!
//! A **compare part** (`drillsim compare ... --shard K/N --part PATH`) is the same for the
//! regression gate: the options every shard must share (trials, seed, tolerances, confidence,
//! resamples, the base's and candidate's labels), a digest of the whole sorted list of exercise
//! pairs, and the entries this shard compared, each at its index in the list, every `f64` bit
//! for bit (infinite and NaN values as words).

use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Shard, ShardError, content_hash};
use crate::check::results::FileOutcome;
use crate::compare::summary::Entry;
use crate::compare::{CDF_POINTS, MAX_TRIALS as COMPARE_MAX_TRIALS};
use crate::model::Scenario;
use crate::scenario::Source;
use crate::stats::Summary;
use crate::stats::wire::SummaryWire;
use crate::stats::wire::float;

/// The `format` of a partial summary.
pub const RUN_FORMAT: &str = "drillsim-partial-summary";
/// The `format` of a check part.
pub const CHECK_FORMAT: &str = "drillsim-check-part";
/// The `format` of a compare part.
pub const COMPARE_FORMAT: &str = "drillsim-compare-part";
/// The version of the three formats this drillsim writes and reads.
pub const FORMAT_VERSION: u32 = 1;
/// drillsim's version, written into every part and required of every part merged.
pub const DRILLSIM_VERSION: &str = env!("CARGO_PKG_VERSION");
/// Largest part file read (a partial summary is tens of kilobytes plus the scenario's files,
/// which are at most 64 MiB in all).
const MAX_PART_BYTES: u64 = 256 << 20;

/// One scenario file carried in a part.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileText {
    /// As it was opened (relative to where the shard ran, as the user named it).
    pub path: String,
    /// Its text.
    pub text: String,
}

/// The scenario a partial summary is of.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFiles {
    /// The exercise's name.
    pub name: String,
    /// The exercise file as named on the shard's command line.
    pub file: String,
    /// [`content_hash`] of the files.
    pub sha256: String,
    /// Every file read, includes first, the exercise file last.
    pub files: Vec<FileText>,
}

impl ScenarioFiles {
    /// The scenario read from `sources` (as [`crate::scenario::sources_with_root`] gave them)
    /// for the exercise file `file`, named `name`.
    pub fn new(name: &str, file: &Path, sources: Vec<Source>) -> ScenarioFiles {
        let files: Vec<FileText> = sources
            .into_iter()
            .map(|s| FileText {
                path: s.path.display().to_string(),
                text: s.text,
            })
            .collect();
        let file = file.display().to_string();
        ScenarioFiles {
            name: name.to_string(),
            sha256: hash_of(&file, &files),
            file,
            files,
        }
    }

    /// The model the shard ran, rebuilt from the files' texts.
    pub fn scenario(&self) -> Result<Scenario, crate::error::ScenarioError> {
        let sources = self
            .files
            .iter()
            .map(|f| Source {
                path: f.path.clone().into(),
                text: f.text.clone(),
            })
            .collect();
        crate::scenario::load_sources(Path::new(&self.file), sources)
    }
}

/// The hash of `files`, each path taken relative to the folder of the exercise file `file`.
fn hash_of(file: &str, files: &[FileText]) -> String {
    let dir = Path::new(file).parent().unwrap_or(Path::new(""));
    let rel: Vec<(String, String)> = files
        .iter()
        .map(|f| {
            let p = Path::new(&f.path);
            let r = p.strip_prefix(dir).unwrap_or(p);
            (r.to_string_lossy().replace('\\', "/"), f.text.clone())
        })
        .collect();
    content_hash(&rel)
}

/// A contiguous range of trial indices, `start..end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrialRange {
    /// First trial index.
    pub start: u64,
    /// One past the last.
    pub end: u64,
}

impl std::fmt::Display for TrialRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "trials {}..{}", self.start, self.end)
    }
}

/// How long a shard took (summed over shards by the merge; never compared).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartTiming {
    /// Wall-clock seconds of the shard's batch.
    pub elapsed_seconds: f64,
    /// Worker threads it used.
    pub threads: u64,
}

/// A run's partial summary, as written by one shard.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Partial {
    /// [`RUN_FORMAT`].
    pub format: String,
    /// [`FORMAT_VERSION`].
    pub format_version: u32,
    /// The drillsim that wrote it.
    pub drillsim_version: String,
    /// The scenario.
    pub scenario: ScenarioFiles,
    /// The run's seed.
    pub seed: u64,
    /// Trials of the whole run (all shards).
    pub trials: u64,
    /// Which shard this is.
    pub shard: Shard,
    /// The trials it played.
    pub range: TrialRange,
    /// How long it took.
    pub timing: PartTiming,
    /// The summary of its trials.
    pub summary: SummaryWire,
}

impl Partial {
    /// The part of shard `shard` of a run of `trials` trials of `scenario` with `seed`.
    pub fn new(scenario: ScenarioFiles, seed: u64, trials: u64, shard: Shard, sum: &Summary, timing: PartTiming) -> Partial {
        let r = shard.range(trials);
        Partial {
            format: RUN_FORMAT.into(),
            format_version: FORMAT_VERSION,
            drillsim_version: DRILLSIM_VERSION.into(),
            scenario,
            seed,
            trials,
            shard,
            range: TrialRange {
                start: r.start,
                end: r.end,
            },
            timing,
            summary: SummaryWire::of(sum),
        }
    }

    /// The file's text (compact JSON with a final newline: a part is read by programs).
    pub fn to_text(&self) -> String {
        let mut s = serde_json::to_string(self).unwrap_or_else(|_| "{}".into());
        s.push('\n');
        s
    }

    /// Read a partial summary, checking its format, version and that its files hash as it
    /// says. The summary is checked against the scenario by [`super::merge`].
    pub fn read(path: &Path) -> Result<Partial, ShardError> {
        let v = read_json(path, RUN_FORMAT)?;
        let p: Partial = serde_json::from_value(v).map_err(|e| part_error(path, format!("not a valid partial summary: {e}")))?;
        if p.range.start > p.range.end || p.range.end > p.trials {
            return Err(part_error(path, format!("{} is not within the run's {} trials", p.range, p.trials)));
        }
        if p.summary.trials() != p.range.end - p.range.start {
            return Err(part_error(
                path,
                format!("its summary holds {} trials, but it covers {}", p.summary.trials(), p.range),
            ));
        }
        if hash_of(&p.scenario.file, &p.scenario.files) != p.scenario.sha256 {
            return Err(part_error(
                path,
                "the scenario files it carries do not match their hash: the file was changed or damaged; run the shard again",
            ));
        }
        Ok(p)
    }
}

/// The options of a check, which every part of it must share.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckSettings {
    /// `--confidence`.
    pub confidence: f64,
    /// `--strict`.
    pub strict: bool,
    /// `--seed`, if given.
    pub seed: Option<u64>,
    /// `--trials`, if given.
    pub trials: Option<u64>,
    /// `--max-trials`.
    pub max_trials: u64,
}

/// One exercise's outcome, at its place in the discovered list.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexedOutcome {
    /// Its index in the whole list (0-based).
    pub index: usize,
    /// What became of it.
    pub outcome: FileOutcome,
}

/// A check's partial results, as written by one shard.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckPart {
    /// [`CHECK_FORMAT`].
    pub format: String,
    /// [`FORMAT_VERSION`].
    pub format_version: u32,
    /// The drillsim that wrote it.
    pub drillsim_version: String,
    /// Which shard this is.
    pub shard: Shard,
    /// The options of the check.
    pub settings: CheckSettings,
    /// Entries in the whole discovered list.
    pub entries: usize,
    /// SHA-256 of the whole list (each entry's path, in order).
    pub list_sha256: String,
    /// What the search passed over (the same in every part; the merge prints it once).
    pub skipped: Vec<String>,
    /// Seconds the shard took.
    pub elapsed_seconds: f64,
    /// The outcomes of the entries this shard took.
    pub outcomes: Vec<IndexedOutcome>,
}

impl CheckPart {
    /// The file's text.
    pub fn to_text(&self) -> String {
        let mut s = serde_json::to_string(self).unwrap_or_else(|_| "{}".into());
        s.push('\n');
        s
    }

    /// Read a check part, checking its format and version.
    pub fn read(path: &Path) -> Result<CheckPart, ShardError> {
        let v = read_json(path, CHECK_FORMAT)?;
        serde_json::from_value(v).map_err(|e| part_error(path, format!("not a valid check part: {e}")))
    }
}

/// The options of a comparison, which every part of it must share.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompareSettings {
    /// `--trials`.
    pub trials: u64,
    /// `--seed`, if given (else each candidate file's, else 1).
    pub seed: Option<u64>,
    /// `--tolerance`, in minutes.
    #[serde(with = "float")]
    pub tolerance_minutes: f64,
    /// `--tolerance-pct`.
    #[serde(with = "float")]
    pub tolerance_percent: f64,
    /// `--confidence`.
    #[serde(with = "float")]
    pub confidence: f64,
    /// `--resamples`.
    pub resamples: u64,
    /// What the base is, as the reports name it (a path, or `REV:path`).
    pub base: String,
    /// With `--base-rev`: the commit the revision resolved to in this shard.
    pub base_commit: Option<String>,
    /// What the candidate is.
    pub candidate: String,
}

/// One entry of a comparison, at its place in the sorted list of pairs.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexedEntry {
    /// Its index in the whole list (0-based).
    pub index: usize,
    /// What became of it.
    pub entry: Entry,
}

/// A comparison's partial results, as written by one shard.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComparePart {
    /// [`COMPARE_FORMAT`].
    pub format: String,
    /// [`FORMAT_VERSION`].
    pub format_version: u32,
    /// The drillsim that wrote it.
    pub drillsim_version: String,
    /// Which shard this is.
    pub shard: Shard,
    /// The options of the comparison.
    pub settings: CompareSettings,
    /// Pairs in the whole list.
    pub pairs: usize,
    /// [`pair_hash`] of the whole list.
    pub pairs_sha256: String,
    /// What the search passed over (the same in every part; the merge prints it once).
    pub skipped: Vec<String>,
    /// The entries this shard compared.
    pub entries: Vec<IndexedEntry>,
}

impl ComparePart {
    /// The file's text.
    pub fn to_text(&self) -> String {
        let mut s = serde_json::to_string(self).unwrap_or_else(|_| "{}".into());
        s.push('\n');
        s
    }

    /// Read a compare part, checking its format and version, and that every comparison in it
    /// is one its settings could have made (so a damaged file is named here, not met later
    /// in a chart).
    pub fn read(path: &Path) -> Result<ComparePart, ShardError> {
        let v = read_json(path, COMPARE_FORMAT)?;
        let p: ComparePart = serde_json::from_value(v).map_err(|e| part_error(path, format!("not a valid compare part: {e}")))?;
        let s = &p.settings;
        if s.trials == 0 || s.trials > COMPARE_MAX_TRIALS {
            return Err(part_error(path, format!("{} trials is not a comparison's trial count", s.trials)));
        }
        for e in &p.entries {
            let Entry::Compared { name, comparison: c } = &e.entry else {
                continue;
            };
            let o = &c.options;
            let fits = o.trials == s.trials
                && s.seed.is_none_or(|seed| seed == o.seed)
                && o.resamples as u64 == s.resamples
                && o.confidence.to_bits() == s.confidence.to_bits()
                && o.tolerance_minutes.to_bits() == s.tolerance_minutes.to_bits()
                && o.tolerance_percent.to_bits() == s.tolerance_percent.to_bits()
                && c.base_cdf.len() == CDF_POINTS
                && c.candidate_cdf.len() == CDF_POINTS
                && c.base_recovery.count() == s.trials
                && c.candidate_recovery.count() == s.trials;
            if !fits {
                return Err(part_error(
                    path,
                    format!(
                        "the comparison of {name} does not fit the part's settings: the file is damaged; run its shard ({}) again",
                        p.shard
                    ),
                ));
            }
        }
        Ok(p)
    }
}

/// The digest of a comparison's list of pairs: each exercise's name and which sides have it
/// (`b`, `c` or both), in order. Paths are left out, since a base read from git lives in a
/// temporary folder.
pub fn pair_hash(pairs: &[(String, bool, bool)]) -> String {
    let files: Vec<(String, String)> = pairs
        .iter()
        .map(|(name, b, c)| (name.clone(), format!("{}{}", if *b { "b" } else { "" }, if *c { "c" } else { "" })))
        .collect();
    content_hash(&files)
}

/// The digest of a discovered list: each entry's path, in order.
pub fn list_hash(paths: &[String]) -> String {
    let files: Vec<(String, String)> = paths.iter().map(|p| (p.clone(), String::new())).collect();
    content_hash(&files)
}

fn part_error(path: &Path, problem: impl Into<String>) -> ShardError {
    ShardError::Part {
        path: path.display().to_string(),
        problem: problem.into(),
    }
}

/// Read a part file as JSON and check that it is of `format` and of this format version,
/// before its fields are read (so a part of another kind or version gets a plain message,
/// not a serde one).
fn read_json(path: &Path, format: &str) -> Result<Value, ShardError> {
    let file = std::fs::File::open(path).map_err(|e| part_error(path, format!("cannot read it: {e}")))?;
    let mut bytes = Vec::new();
    file.take(MAX_PART_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| part_error(path, format!("cannot read it: {e}")))?;
    if bytes.len() as u64 > MAX_PART_BYTES {
        return Err(part_error(
            path,
            format!("larger than {} MiB: not a part file", MAX_PART_BYTES >> 20),
        ));
    }
    let v: Value = serde_json::from_slice(&bytes).map_err(|e| {
        part_error(
            path,
            format!("not a drillsim part file (not JSON: {e}); give the files that `--partial` or `--part` wrote"),
        )
    })?;
    let found = v.get("format").and_then(Value::as_str);
    if found != Some(format) {
        let hint = match found {
            Some(RUN_FORMAT) => "it is a run's partial summary: merge it without --check or --compare",
            Some(CHECK_FORMAT) => "it is a check part: merge it with `drillsim merge --check`",
            Some(COMPARE_FORMAT) => "it is a compare part: merge it with `drillsim merge --compare`",
            _ => "give the files that `drillsim run --partial`, `drillsim check --part` or `drillsim compare --part` wrote",
        };
        return Err(part_error(path, format!("not a {format} file: {hint}")));
    }
    let version = v.get("format_version").and_then(Value::as_u64);
    if version != Some(FORMAT_VERSION as u64) {
        let by = v.get("drillsim_version").and_then(Value::as_str).unwrap_or("an unknown drillsim");
        return Err(part_error(
            path,
            format!(
                "written in format version {} by drillsim {by}; this drillsim {DRILLSIM_VERSION} reads version {FORMAT_VERSION}: merge with the drillsim that wrote it",
                version.map_or("?".to_string(), |n| n.to_string())
            ),
        ));
    }
    Ok(v)
}
