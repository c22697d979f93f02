//! `drillsim compare`: two revisions of a plan, trial by trial.
//!
//! Both revisions are run with the same seed. Every random quantity of a trial is drawn from
//! a stream named after the entity that draws it ([`crate::sim::rng`]), so trial `k` of the
//! candidate sees the same detection delay, the same pages and the same duration of every
//! step it shares with the base: the two are *paired*, and the difference of trial `k`
//! isolates the effect of the revision. That is what lets a gate see a 1% slowdown with a few
//! thousand trials, where two independent runs would need millions.
//!
//! **What is compared** (candidate minus base): recovery time mean, p50 and p95; per business
//! service present in both with an RTO, the share of trials within its RTO; per data store
//! present in both, data lost mean and p95.
//!
//! **Intervals** come from a paired bootstrap: trial indices are resampled with replacement
//! (the same indices for base and candidate, which keeps the pairing), the statistic's
//! difference is recomputed on each resample, and the interval is the middle of those
//! differences (percentile method). The verdict is "worse" when *any* statistic is, so the
//! intervals are simultaneous: with `k` statistics each is at level `1 - (1 - confidence) / k`
//! (Bonferroni), and the chance that noise alone flags one of them is at most
//! `1 - confidence` even before the tolerance. Resamples are drawn from ChaCha8 seeded from
//! the run's seed, one stream per resample, so the figures are the same on every machine and
//! at any thread count.
//!
//! **Verdict.** A change smaller than the tolerance does not count: the margin of a statistic
//! in minutes is the larger of the absolute tolerance and the relative one times the base
//! value, and of a share the relative tolerance times the base share. A statistic is *worse*
//! when the whole interval is beyond the margin on the bad side, *better* when it is beyond the
//! margin on the good side, otherwise *no significant change*. The comparison is worse if any
//! statistic is worse, else better if any is better.
//!
//! **Memory.** The bootstrap needs every trial's values, so a comparison keeps per trial
//! 16 bytes for each compared measure (base and candidate) and 8 bytes of sort order: for
//! ref20 about 24 bytes per trial, 0.5 MB at the default 20,000 trials and 24 MB at the cap
//! of [`MAX_TRIALS`].

pub mod comment;
pub mod git;
pub mod paired;
pub mod summary;

use indicatif::ProgressBar;
use rayon::prelude::*;

use crate::batch::CHUNK;
use crate::model::Scenario;
use crate::sim::rng::TrialStreams;
use crate::sim::{Workspace, run_trial};
use crate::stats::interval::Interval;
use crate::stats::wire::float;
use paired::{Paired, Spec, bootstrap, diff, percentile_interval, stat_of};
pub use paired::{PairedChange, Stat, paired_change, paired_changes};

/// Default number of paired trials.
pub const DEFAULT_TRIALS: u64 = 20_000;
/// Most paired trials (the per-trial values are kept in memory).
pub const MAX_TRIALS: u64 = 1_000_000;
/// Default bootstrap resamples.
pub const DEFAULT_RESAMPLES: usize = 2_000;
/// Default absolute tolerance, minutes.
pub const DEFAULT_TOLERANCE_MINUTES: f64 = 1.0;
/// Default relative tolerance, percent of the base value.
pub const DEFAULT_TOLERANCE_PERCENT: f64 = 0.5;

/// How to compare.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompareOptions {
    /// Seed of both runs (and of the bootstrap).
    pub seed: u64,
    /// Paired trials.
    pub trials: u64,
    /// Bootstrap resamples.
    pub resamples: usize,
    /// Confidence level of the intervals, e.g. 0.95.
    #[serde(with = "float")]
    pub confidence: f64,
    /// Changes of a statistic in minutes below this many minutes do not count.
    #[serde(with = "float")]
    pub tolerance_minutes: f64,
    /// Changes below this percentage of the base value do not count.
    #[serde(with = "float")]
    pub tolerance_percent: f64,
}

impl CompareOptions {
    /// Defaults with this seed.
    pub fn new(seed: u64) -> CompareOptions {
        CompareOptions {
            seed,
            trials: DEFAULT_TRIALS,
            resamples: DEFAULT_RESAMPLES,
            confidence: 0.95,
            tolerance_minutes: DEFAULT_TOLERANCE_MINUTES,
            tolerance_percent: DEFAULT_TOLERANCE_PERCENT,
        }
    }
}

/// A statistic's change, or the comparison's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Change {
    /// Significantly better, beyond the tolerance.
    Better,
    /// Significantly worse, beyond the tolerance.
    Worse,
    /// Within the tolerance or within the noise.
    NoSignificantChange,
}

impl Change {
    /// As printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Better => "better",
            Change::Worse => "worse",
            Change::NoSignificantChange => "no significant change",
        }
    }
}

/// One compared statistic.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Row {
    /// E.g. "recovery p95", "services.payment rto_met", "stores.orders data_lost mean".
    pub label: String,
    /// Whether values are shares (0..1) rather than minutes.
    pub share: bool,
    /// Whether a larger value is worse (time, data lost) or better (RTO met).
    pub higher_is_worse: bool,
    /// The base's value.
    #[serde(with = "float")]
    pub base: f64,
    /// The candidate's value.
    #[serde(with = "float")]
    pub candidate: f64,
    /// Candidate minus base, on paired trials.
    #[serde(with = "float")]
    pub change: f64,
    /// Bootstrap interval of the change.
    pub interval: Interval,
    /// Changes within +- margin do not count.
    #[serde(with = "float")]
    pub margin: f64,
    /// The verdict.
    pub verdict: Change,
}

/// A whole comparison of one exercise. Its serde form (a compare shard's part) carries every
/// `f64` bit for bit, infinite and NaN ones as words ([`float`]).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Comparison {
    /// Base scenario name.
    pub base_name: String,
    /// Candidate scenario name.
    pub candidate_name: String,
    /// The options used.
    pub options: CompareOptions,
    /// Compared statistics.
    pub rows: Vec<Row>,
    /// Worse if any row is worse, else better if any is better.
    pub verdict: Change,
    /// Things that could not be compared (a service only in one revision, ...).
    pub notes: Vec<String>,
    /// Recovery time of the base at the quantiles 0, 0.1%, ..., 100% ([`CDF_POINTS`] values),
    /// for the CDF overlay.
    #[serde(with = "float::vec")]
    pub base_cdf: Vec<f64>,
    /// The same for the candidate.
    #[serde(with = "float::vec")]
    pub candidate_cdf: Vec<f64>,
    /// Recovery times of the base's trials, as a sketch (for the CDF overlay chart).
    #[serde(with = "crate::stats::wire::sketch")]
    pub base_recovery: crate::stats::Sketch,
    /// Recovery times of the candidate's trials.
    #[serde(with = "crate::stats::wire::sketch")]
    pub candidate_recovery: crate::stats::Sketch,
}

/// Per-trial values of one run, in trial order.
#[derive(Clone, Debug, Default)]
pub struct Samples {
    /// Recovery time per trial.
    pub recovery: Vec<f64>,
    /// Per business service, minutes actually down per trial.
    pub downtime: Vec<Vec<f64>>,
    /// Per business service, its longest outage per trial.
    pub longest_outage: Vec<Vec<f64>>,
    /// Per business service, fault until up for good per trial.
    pub restored: Vec<Vec<f64>>,
    /// Per data store, data lost per trial.
    pub data_lost: Vec<Vec<f64>>,
}

impl Samples {
    fn with_capacity(sc: &Scenario, n: usize) -> Samples {
        let per = |k: usize| vec![Vec::with_capacity(n); k];
        Samples {
            recovery: Vec::with_capacity(n),
            downtime: per(sc.services.len()),
            longest_outage: per(sc.services.len()),
            restored: per(sc.services.len()),
            data_lost: per(sc.stores.len()),
        }
    }

    /// Every per-service and per-store series, in a fixed order (for appending).
    fn series(&mut self) -> impl Iterator<Item = &mut Vec<f64>> {
        std::iter::once(&mut self.recovery)
            .chain(self.downtime.iter_mut())
            .chain(self.longest_outage.iter_mut())
            .chain(self.restored.iter_mut())
            .chain(self.data_lost.iter_mut())
    }

    /// A service back only after the horizon did not recover, the same as one that never came
    /// back: both count as the horizon, so losing a repair is never "better".
    fn clamp_to(&mut self, horizon: f64) {
        for v in std::iter::once(&mut self.recovery).chain(self.restored.iter_mut()) {
            for x in v.iter_mut() {
                *x = x.min(horizon);
            }
        }
    }
}

/// Run trials `0..trials` of `sc` and keep every trial's measures (on the current rayon pool).
pub fn samples(sc: &Scenario, seed: u64, trials: u64) -> Samples {
    samples_with(sc, seed, trials, None)
}

/// [`samples`], counting the trials played on `bar`.
pub fn samples_with(sc: &Scenario, seed: u64, trials: u64, bar: Option<&ProgressBar>) -> Samples {
    let chunks: Vec<Samples> = (0..trials.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let (lo, hi) = (c * CHUNK, ((c + 1) * CHUNK).min(trials));
            let mut ws = Workspace::new(sc);
            let mut s = Samples::with_capacity(sc, (hi - lo) as usize);
            for k in lo..hi {
                run_trial(sc, TrialStreams::new(seed, k), &mut ws, &mut ());
                let o = &ws.out;
                s.recovery.push(o.recovery);
                let per_trial = [&o.downtime, &o.longest_outage, &o.restored, &o.data_lost];
                let lists = [&mut s.downtime, &mut s.longest_outage, &mut s.restored, &mut s.data_lost];
                for (list, values) in lists.into_iter().zip(per_trial) {
                    for (v, &d) in list.iter_mut().zip(values) {
                        v.push(d);
                    }
                }
            }
            if let Some(b) = bar {
                b.inc(hi - lo);
            }
            s
        })
        .collect();
    let mut out = Samples::with_capacity(sc, trials as usize);
    for mut c in chunks {
        for (a, b) in out.series().zip(c.series()) {
            a.append(b);
        }
    }
    out
}

fn sketch(values: &[f64]) -> crate::stats::Sketch {
    let mut s = crate::stats::Sketch::new();
    values.iter().for_each(|&x| s.add(x));
    s
}

/// Points of the recovery CDF kept for the overlay: the quantiles at 0, 0.1%, ..., 100%.
pub const CDF_POINTS: usize = 1001;

fn cdf(values: &[f64], order: &[u32]) -> Vec<f64> {
    let n = values.len();
    (0..CDF_POINTS)
        .map(|i| values[order[(i * (n - 1)) / (CDF_POINTS - 1)] as usize])
        .collect()
}

/// Compare `cand` with `base` over paired trials (on the current rayon pool).
pub fn compare(base: &Scenario, cand: &Scenario, opt: &CompareOptions) -> Comparison {
    compare_with(base, cand, opt, None)
}

/// [`compare`], counting the trials played (of both revisions) on `bar`.
pub fn compare_with(base: &Scenario, cand: &Scenario, opt: &CompareOptions, bar: Option<&ProgressBar>) -> Comparison {
    let trials = opt.trials.clamp(1, MAX_TRIALS);
    let (sb, sc) = rayon::join(
        || samples_with(base, opt.seed, trials, bar),
        || samples_with(cand, opt.seed, trials, bar),
    );
    compare_samples(base, cand, sb, sc, opt)
}

/// Compare per-trial samples of two revisions (already run with the same seed).
pub fn compare_samples(base: &Scenario, cand: &Scenario, mut sb: Samples, mut sc: Samples, opt: &CompareOptions) -> Comparison {
    let horizon = base.horizon.min(cand.horizon);
    sb.clamp_to(horizon);
    sc.clamp_to(horizon);
    let trials = sb.recovery.len().min(sc.recovery.len());
    let mut set = Measures::default();
    set.recovery(&mut sb, &mut sc, horizon);
    set.services(base, cand, &sb, &sc, horizon);
    set.stores(base, cand, sb.data_lost, sc.data_lost);
    let Measures { measures, specs, notes } = set;

    let boot = bootstrap(&measures, &specs, trials, opt.resamples, opt.seed);
    // Simultaneous intervals: the verdict is "worse" if any statistic is, so each interval is
    // at 1 - alpha / (number of statistics) (Bonferroni).
    let alpha = (1.0 - opt.confidence).clamp(0.0, 1.0) / specs.len().max(1) as f64;
    let rows: Vec<Row> = specs.iter().zip(boot).map(|(s, d)| row(&measures[s.m], s, d, alpha, opt)).collect();
    let verdict = if rows.iter().any(|r| r.verdict == Change::Worse) {
        Change::Worse
    } else if rows.iter().any(|r| r.verdict == Change::Better) {
        Change::Better
    } else {
        Change::NoSignificantChange
    };
    let rec = &measures[0];
    Comparison {
        base_name: base.name.clone(),
        candidate_name: cand.name.clone(),
        options: CompareOptions {
            trials: trials as u64,
            ..opt.clone()
        },
        base_cdf: cdf(&rec.base, &rec.order_b),
        candidate_cdf: cdf(&rec.cand, &rec.order_c),
        base_recovery: sketch(&rec.base),
        candidate_recovery: sketch(&rec.cand),
        rows,
        verdict,
        notes,
    }
}

/// The measures two revisions are compared on and the statistics read from each, built one
/// kind at a time; `notes` say what could not be compared and why.
#[derive(Default)]
struct Measures {
    measures: Vec<Paired>,
    specs: Vec<Spec>,
    notes: Vec<String>,
}

impl Measures {
    /// Add a measure; its index, for the specs that read it.
    fn push(&mut self, p: Paired) -> usize {
        self.measures.push(p);
        self.measures.len() - 1
    }

    fn spec(&mut self, label: String, share: bool, higher_is_worse: bool, stat: Stat, m: usize) {
        self.specs.push(Spec {
            label,
            share,
            higher_is_worse,
            stat,
            m,
        });
    }

    /// Recovery time (measure 0: its mean, p50 and p95), and the share not recovered within
    /// the horizon when some trial of either side was not.
    fn recovery(&mut self, sb: &mut Samples, sc: &mut Samples, horizon: f64) {
        let gone = |v: &[f64]| v.iter().map(|&r| (r >= horizon) as u8 as f64).collect::<Vec<f64>>();
        let (gone_b, gone_c) = (gone(&sb.recovery), gone(&sc.recovery));
        let m = self.push(Paired::new(
            std::mem::take(&mut sb.recovery),
            std::mem::take(&mut sc.recovery),
            true,
        ));
        for (label, stat) in [
            ("recovery mean", Stat::Mean),
            ("recovery p50", Stat::Quantile(0.5)),
            ("recovery p95", Stat::Quantile(0.95)),
        ] {
            self.spec(label.into(), false, true, stat, m);
        }
        if gone_b.iter().chain(&gone_c).any(|&x| x > 0.0) {
            let m = self.push(Paired::new(gone_b, gone_c, false));
            self.spec("recovery not_recovered".into(), true, true, Stat::Mean, m);
        }
    }

    /// The share of trials that met each business service's RTO, for services in both
    /// revisions with an RTO in both.
    fn services(&mut self, base: &Scenario, cand: &Scenario, sb: &Samples, sc: &Samples, horizon: f64) {
        for (i, s) in base.services.iter().enumerate() {
            let Some(j) = cand.services.iter().position(|c| c.name == s.name) else {
                self.notes.push(format!("service \"{}\" is only in the base; not compared", s.name));
                continue;
            };
            let (Some(rb), Some(rc)) = (s.rto, cand.services[j].rto) else {
                if s.rto.is_some() || cand.services[j].rto.is_some() {
                    self.notes.push(format!(
                        "service \"{}\" has an RTO in only one revision; RTO met not compared",
                        s.name
                    ));
                }
                continue;
            };
            // Met: back within the horizon, and no outage longer than the RTO (as in a run).
            let met = |s: &Samples, k: usize, rto: f64| {
                s.restored[k]
                    .iter()
                    .zip(&s.longest_outage[k])
                    .map(|(&r, &l)| (r < horizon && l <= rto) as u8 as f64)
                    .collect::<Vec<f64>>()
            };
            let m = self.push(Paired::new(met(sb, i, rb), met(sc, j, rc), false));
            self.spec(format!("services.{} rto_met", s.name), true, false, Stat::Mean, m);
        }
        for c in &cand.services {
            if !base.services.iter().any(|s| s.name == c.name) {
                self.notes
                    .push(format!("service \"{}\" is new in the candidate; not compared", c.name));
            }
        }
    }

    /// Per store in both revisions: the share of trials that met its RPO (with an RPO in
    /// both), and the data lost (mean and p95).
    fn stores(&mut self, base: &Scenario, cand: &Scenario, mut lost_b: Vec<Vec<f64>>, mut lost_c: Vec<Vec<f64>>) {
        for (i, s) in base.stores.iter().enumerate() {
            let Some(j) = cand.stores.iter().position(|c| c.name == s.name) else {
                self.notes.push(format!("store \"{}\" is only in the base; not compared", s.name));
                continue;
            };
            if let (Some(rb), Some(rc)) = (s.rpo, cand.stores[j].rpo) {
                let met = |v: &[f64], rpo: f64| v.iter().map(|&d| (d <= rpo) as u8 as f64).collect::<Vec<f64>>();
                let m = self.push(Paired::new(met(&lost_b[i], rb), met(&lost_c[j], rc), false));
                self.spec(format!("stores.{} rpo_met", s.name), true, false, Stat::Mean, m);
            } else if s.rpo.is_some() || cand.stores[j].rpo.is_some() {
                self.notes.push(format!(
                    "store \"{}\" has an RPO in only one revision; RPO met not compared",
                    s.name
                ));
            }
            let m = self.push(Paired::new(std::mem::take(&mut lost_b[i]), std::mem::take(&mut lost_c[j]), true));
            for (what, stat) in [("mean", Stat::Mean), ("p95", Stat::Quantile(0.95))] {
                self.spec(format!("stores.{} data_lost {what}", s.name), false, true, stat, m);
            }
        }
        for c in &cand.stores {
            if !base.stores.iter().any(|s| s.name == c.name) {
                self.notes
                    .push(format!("store \"{}\" is new in the candidate; not compared", c.name));
            }
        }
    }
}

/// One statistic's row: both sides, the change, its interval at `1 - alpha` from the
/// bootstrap differences `d`, and the verdict against the tolerance.
fn row(m: &Paired, s: &Spec, d: Vec<f64>, alpha: f64, opt: &CompareOptions) -> Row {
    let base_v = stat_of(&m.base, &m.order_b, s.stat, None);
    let cand_v = stat_of(&m.cand, &m.order_c, s.stat, None);
    let change = diff(m, s.stat, None);
    let interval = percentile_interval(d, alpha);
    let rel = opt.tolerance_percent / 100.0 * base_v.abs();
    let margin = if s.share { rel } else { rel.max(opt.tolerance_minutes) };
    let (bad, good) = if s.higher_is_worse {
        (interval.lo > margin, interval.hi < -margin)
    } else {
        (interval.hi < -margin, interval.lo > margin)
    };
    let verdict = if bad {
        Change::Worse
    } else if good {
        Change::Better
    } else {
        Change::NoSignificantChange
    };
    Row {
        label: s.label.clone(),
        share: s.share,
        higher_is_worse: s.higher_is_worse,
        base: base_v,
        candidate: cand_v,
        change,
        interval,
        margin,
        verdict,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Base: every trial recovers at 150 min, after the 100-min horizon. Candidate: none
    /// recovers (recorded as the horizon). Both are "not recovered": no change, never better.
    #[test]
    fn losing_a_repair_after_the_horizon_is_not_better() {
        let text = "[detection]\ndelay = \"0s\"\npage = \"ops\"\n[teams.ops]\ncapacity = 1\n[teams.ops.escalation]\nlast_resort = \"1h\"\n[[teams.ops.escalation.level]]\nname = \"p\"\nack = 1.0\nack_delay = \"0s\"\ntimeout = \"15m\"\n[[step]]\nid = \"fix\"\nteam = \"ops\"\nduration = \"1m\"\n";
        let mut sc = crate::scenario::load_str(std::path::Path::new("t.toml"), text).unwrap();
        sc.horizon = 100.0;
        let n = 500;
        let side = |v: f64| Samples {
            recovery: vec![v; n],
            ..Samples::default()
        };
        let c = compare_samples(&sc, &sc, side(150.0), side(100.0), &CompareOptions::new(1));
        assert_eq!(c.verdict, Change::NoSignificantChange, "{:?}", c.rows);
        assert!(c.rows.iter().all(|r| r.change == 0.0), "{:?}", c.rows);
    }
}
