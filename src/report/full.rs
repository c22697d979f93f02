//! The full report of a run: what goes into it, building every file in memory, and writing
//! them all or none.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use super::json::Timing;
use super::{charts, content, html, json, markdown, verdict};
use crate::check::ScenarioCheck;
use crate::error::WriteError;
use crate::model::Scenario;
use crate::output::FileSet;
use crate::plot::{PlotError, Targets};
use crate::sensitivity::{self, Sensitivity};
use crate::sim::rng::TrialStreams;
use crate::sim::trace::{Trace, replay};
use crate::sim::{Workspace, run_trial};
use crate::stats::Summary;

/// Trials searched for the representative trial by default (the first ones, in index order).
pub const DEFAULT_SEARCH: u64 = 1000;

/// A service is said to meet its RTO when it is back within it in at least this share of
/// trials (the report's convention: the p95 of its downtime is within the RTO).
pub const VERDICT_TARGET: f64 = 0.95;

/// Which files to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Formats {
    /// `summary.json`.
    pub json: bool,
    /// `report.md` (its charts are the `.png` files if written, else the `.svg` files).
    pub md: bool,
    /// `report.html`, self-contained.
    pub html: bool,
    /// One `.png` per chart.
    pub png: bool,
    /// One `.svg` per chart.
    pub svg: bool,
}

impl Formats {
    /// Every format.
    pub const ALL: Formats = Formats {
        json: true,
        md: true,
        html: true,
        png: true,
        svg: true,
    };
    const NONE: Formats = Formats {
        json: false,
        md: false,
        html: false,
        png: false,
        svg: false,
    };

    /// Whether anything needs the charts, the sensitivity analysis and the timeline.
    pub fn needs_analysis(&self) -> bool {
        self.md || self.html || self.png || self.svg
    }

    /// Which renderings the charts need.
    pub fn targets(&self) -> Targets {
        Targets {
            svg: self.svg || self.html,
            png: self.png,
        }
    }
}

impl fmt::Display for Formats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = [
            (self.json, "json"),
            (self.md, "md"),
            (self.html, "html"),
            (self.png, "png"),
            (self.svg, "svg"),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, n)| *n)
        .collect();
        write!(f, "{}", names.join(","))
    }
}

impl FromStr for Formats {
    type Err = String;

    /// A comma-separated list of `json`, `md`, `html`, `png`, `svg` or `all`.
    fn from_str(s: &str) -> Result<Formats, String> {
        let mut f = Formats::NONE;
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part.to_ascii_lowercase().as_str() {
                "json" => f.json = true,
                "md" | "markdown" => f.md = true,
                "html" => f.html = true,
                "png" => f.png = true,
                "svg" => f.svg = true,
                "all" => f = Formats::ALL,
                other => {
                    return Err(format!(
                        "unknown format `{other}`: use json, md, html, png, svg or all, comma-separated"
                    ));
                }
            }
        }
        if f == Formats::NONE {
            return Err("no format given: use json, md, html, png, svg or all, comma-separated".into());
        }
        Ok(f)
    }
}

/// How to build a report.
#[derive(Clone, Debug)]
pub struct Options {
    /// Files to write.
    pub formats: Formats,
    /// Trials per sensitivity lever asked for (0: skip the analysis); a short run gets fewer,
    /// see [`sensitivity::trials_per_lever`].
    pub sensitivity_trials: u64,
    /// Trials searched for the representative trial (0: no timeline).
    pub search: u64,
    /// The scenario file as the user named it (for the replay command in the report).
    pub source: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            formats: Formats::ALL,
            sensitivity_trials: sensitivity::DEFAULT_TRIALS,
            search: DEFAULT_SEARCH,
            source: None,
        }
    }
}

/// The trial shown as a timeline: the first, among trials `0..searched`, whose recovery time
/// is nearest the run's median.
#[derive(Debug)]
pub struct Representative {
    /// Its index.
    pub trial: u64,
    /// Trials searched.
    pub searched: u64,
    /// The run's median recovery time it was matched to.
    pub target: f64,
    /// Its events and outcome.
    pub trace: Trace,
}

/// Find the representative trial: replays trials `0..min(search, sum.trials)` in index order
/// (cheaply, without recording) and returns the first nearest to the median recovery time.
pub fn representative(sc: &Scenario, seed: u64, sum: &Summary, search: u64) -> Option<Representative> {
    let n = search.min(sum.trials);
    if n == 0 {
        return None;
    }
    let target = sum.recovery.quantile(0.5);
    let mut ws = Workspace::new(sc);
    let mut best = (f64::INFINITY, 0);
    for k in 0..n {
        run_trial(sc, TrialStreams::new(seed, k), &mut ws, &mut ());
        let d = (ws.out.recovery - target).abs();
        if d < best.0 {
            best = (d, k);
        }
    }
    Some(Representative {
        trial: best.1,
        searched: n,
        target,
        trace: replay(sc, seed, best.1),
    })
}

/// Everything a report says, gathered.
pub struct Context<'a> {
    /// The scenario.
    pub sc: &'a Scenario,
    /// The run's seed.
    pub seed: u64,
    /// The run's summary.
    pub sum: &'a Summary,
    /// How long the run took (left out of snapshots).
    pub timing: Option<&'a Timing>,
    /// The scenario file as named by the user.
    pub source: Option<&'a str>,
    /// The sensitivity analysis, if made.
    pub sensitivity: Option<&'a Sensitivity>,
    /// The representative trial, if searched.
    pub representative: Option<&'a Representative>,
    /// The scenario's `[expect]` objectives judged as `drillsim check` judges them
    /// ([`verdict::judge`]); `None` when it states none (the verdict then uses the RTO rule).
    pub check: Option<&'a ScenarioCheck>,
    /// How the charts are referred to from Markdown: `Some("png")`, `Some("svg")` or `None`
    /// (no chart files written).
    pub md_images: Option<&'a str>,
    /// Real drills scored against this run (`score --out`, `run --drill`): marked on the
    /// recovery charts, and a section of their own.
    pub scores: Option<&'a crate::score::Scores>,
}

/// One output file, in memory.
#[derive(Clone, Debug, PartialEq)]
pub struct OutFile {
    /// File name inside the report folder.
    pub name: String,
    /// Its contents.
    pub bytes: Vec<u8>,
}

/// Names of every chart a report can contain (so that stale ones can be removed).
pub const CHART_NAMES: [&str; 10] = [
    "drill_percentiles",
    "recovery_histogram",
    "recovery_cdf",
    "downtime",
    "data_lost",
    "detect_ack",
    "criticality",
    "utilization",
    "sensitivity",
    "timeline",
];

/// Build every requested file in memory: run the sensitivity analysis (on the current rayon
/// pool) and find the representative trial if anything but JSON is asked for, draw the charts,
/// write the documents. Nothing touches the disk.
pub fn build(sc: &Scenario, seed: u64, sum: &Summary, timing: Option<&Timing>, opt: &Options) -> Result<Vec<OutFile>, PlotError> {
    build_with(sc, seed, sum, timing, opt, None)
}

/// [`build`], with real drills scored against the run ([`crate::score::place`] on the same
/// summary) marked on the recovery charts and given a section and a chart of their own.
pub fn build_with(
    sc: &Scenario,
    seed: u64,
    sum: &Summary,
    timing: Option<&Timing>,
    opt: &Options,
    scores: Option<&crate::score::Scores>,
) -> Result<Vec<OutFile>, PlotError> {
    let f = opt.formats;
    let mut files = Vec::new();
    if f.json {
        files.push(OutFile {
            name: "summary.json".into(),
            bytes: json::to_text(&json::summary(sc, seed, sum, timing)).into_bytes(),
        });
    }
    if !f.needs_analysis() {
        return Ok(files);
    }
    let sens = (opt.sensitivity_trials > 0)
        .then(|| sensitivity::analyse(sc, seed, sensitivity::trials_per_lever(sc, opt.sensitivity_trials, sum.trials)));
    let rep = representative(sc, seed, sum, opt.search);
    let judged = verdict::judge(sc, seed);
    let ctx = Context {
        sc,
        seed,
        sum,
        timing,
        source: opt.source.as_deref(),
        sensitivity: sens.as_ref(),
        representative: rep.as_ref(),
        check: judged.as_ref(),
        md_images: if f.png {
            Some("png")
        } else if f.svg {
            Some("svg")
        } else {
            None
        },
        scores,
    };
    let charts = charts::all(&ctx, f.targets())?;
    let doc = content::doc(&ctx, &charts);
    if f.md {
        files.push(OutFile {
            name: "report.md".into(),
            bytes: markdown::render(&doc, ctx.md_images).into_bytes(),
        });
    }
    if f.html {
        files.push(OutFile {
            name: "report.html".into(),
            bytes: html::render(&doc, &charts).into_bytes(),
        });
    }
    for c in charts {
        if f.svg
            && let Some(s) = c.svg
        {
            files.push(OutFile {
                name: format!("{}.svg", c.name),
                bytes: s.into_bytes(),
            });
        }
        if f.png
            && let Some(p) = c.png
        {
            files.push(OutFile {
                name: format!("{}.png", c.name),
                bytes: p,
            });
        }
    }
    Ok(files)
}

/// Write `files` into `dir` as one set ([`crate::output::FileSet`]): nothing is replaced
/// until every file is ready, and on any error the previous report is left as it was.
pub fn write(dir: &Path, files: &[OutFile], formats: Formats) -> Result<(), WriteError> {
    let mut set = FileSet::new();
    add_to(&mut set, dir, files, formats);
    set.write()
}

/// Add the report's files in `dir` to `set`, and, as stale, the chart files of the given
/// formats that this report no longer has (a section that no longer applies), so the folder
/// never mixes two runs.
pub fn add_to<'a>(set: &mut FileSet<'a>, dir: &Path, files: &'a [OutFile], formats: Formats) {
    for f in files {
        set.add(dir.join(&f.name), f.bytes.as_slice());
    }
    for name in CHART_NAMES {
        for (on, ext) in [(formats.png, "png"), (formats.svg, "svg")] {
            let file = format!("{name}.{ext}");
            if on && !files.iter().any(|f| f.name == file) {
                set.remove_stale(dir.join(&file));
            }
        }
    }
}

/// The default report folder of a scenario: `reports/<name>/`, with the name reduced to
/// letters, digits, `-`, `_` and `.`.
pub fn default_dir(sc: &Scenario) -> PathBuf {
    let mut name: String = sc
        .name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '-' })
        .collect();
    if name.trim_matches(['.', '-']).is_empty() {
        name = "scenario".into();
    }
    Path::new("reports").join(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse() {
        assert_eq!("all".parse::<Formats>(), Ok(Formats::ALL));
        let f: Formats = "json, PNG".parse().unwrap();
        assert!(f.json && f.png && !f.md && !f.html && !f.svg);
        assert_eq!(f.to_string(), "json,png");
        assert!("pdf".parse::<Formats>().unwrap_err().contains("unknown format `pdf`"));
        assert!("".parse::<Formats>().is_err());
    }
}
