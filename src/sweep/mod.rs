//! `drillsim sweep`: many variants of one plan, each run on the base's random numbers, ranked.
//!
//! A variant is the plan with some fields changed (`--vary`, see [`param`] and
//! [`crate::scenario::vary`]) or another file (`--variant NAME=FILE`). Every variant runs the
//! same trial indices with the same seed as the base, and every random quantity comes from a
//! stream named after the entity that draws it, so trial `k` of a variant meets the same
//! detection delay, pages and step draws as trial `k` of the base: the two are paired, and a
//! difference between them is the effect of the change, not noise (common random numbers, as
//! in [`crate::compare`]). A scaled or moved duration turns the same random numbers into
//! proportionally longer or shifted values, so even a changed step stays paired.
//!
//! **What is measured per variant.** Its `[expect]` objectives, estimated and judged as
//! `drillsim check` judges one look ([`crate::check::verdict`] on the interval of
//! [`crate::stats::interval::estimate`] at the sweep's confidence; no sequential looks, the
//! trials are fixed), each with its *margin*: how far the estimate is on the promised side of
//! the threshold (negative when it is on the wrong side), relative to the threshold. And one
//! *measure* (`--by`, else the first objective's measure and statistic, else recovery p95)
//! with its paired change against the base and that change's paired-bootstrap interval
//! ([`crate::compare::paired_change`]).
//!
//! **Ranking.** With `--by`, by the measure (better first: lower for times and data lost,
//! higher for shares met). Otherwise, when the plan states objectives: every objective met
//! first, then more objectives met, then the larger worst margin (the objective nearest to
//! breaking, or most broken, decides), then the measure. Ties keep the order the variants
//! were made in. The base is ranked with the variants.
//!
//! **Determinism.** Trials run in the batch's fixed chunks and summaries merge exactly; the
//! per-trial values are put back in trial order; the bootstrap's streams depend on the seed
//! alone. So a sweep's results are the same bit for bit at any thread count.
//!
//! **Memory.** Variants run a group at a time (up to 32, within 256 MB of per-trial values:
//! about 32 bytes per trial and variant), bootstrapped together, and their values are dropped
//! once their changes are computed: memory is bounded whatever the number of variants.

pub mod param;
pub mod render;

use indicatif::ProgressBar;

use crate::batch::fold_range;
use crate::check::{Verdict, verdict};
use crate::compare::{PairedChange, Stat, paired_change, paired_changes};
use crate::model::Scenario;
use crate::model::objective::{Bound, Measure, Objective, Statistic};
use crate::scenario::objective::parse_measure;
use crate::scenario::vary::Edit;
use crate::sim::TrialOutcome;
use crate::stats::interval::{self, Interval};

/// Default trials per variant.
pub const DEFAULT_TRIALS: u64 = 20_000;
/// Most trials per variant (every trial's value of the measure is kept for the bootstrap).
pub const MAX_TRIALS: u64 = crate::compare::MAX_TRIALS;
/// Default bootstrap resamples of each variant's change.
pub const DEFAULT_RESAMPLES: usize = 400;
/// Memory for the per-trial values of one group of variants bootstrapped together (about 32
/// bytes per trial and variant: values, the base's copy, sort orders).
const GROUP_BYTES: usize = 256 << 20;
/// The measure shown and ranked by when neither `--by` nor an objective names one.
pub const DEFAULT_MEASURE: &str = "recovery p95";

/// How to sweep.
#[derive(Clone, Debug)]
pub struct Options {
    /// Seed of every run (and of the bootstrap).
    pub seed: u64,
    /// Trials of the base and of each variant (indices `0..trials`).
    pub trials: u64,
    /// Bootstrap resamples of each change.
    pub resamples: usize,
    /// Level of every interval, e.g. 0.95.
    pub confidence: f64,
    /// `--by`: the measure to rank by, as an objective names it (`recovery p95`,
    /// `services.payment rto_met`); None ranks by the objectives.
    pub by: Option<String>,
}

impl Options {
    /// Defaults with this seed.
    pub fn new(seed: u64) -> Options {
        Options {
            seed,
            trials: DEFAULT_TRIALS,
            resamples: DEFAULT_RESAMPLES,
            confidence: 0.95,
            by: None,
        }
    }
}

/// One variant to run.
#[derive(Clone, Debug)]
pub struct Variant {
    /// Its name: the changes as written, or the `--variant` name.
    pub label: String,
    /// The changes made to the base (empty for the base and for a named file).
    pub edits: Vec<Edit>,
    /// Per `--vary`, the index of this variant's value (empty for a named file and the base).
    pub values: Vec<usize>,
    /// The scenario to run.
    pub scenario: Scenario,
}

/// A sweep's input that cannot be measured.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SweepError {
    /// `--by` does not name a measure of the scenario.
    #[error("--by '{text}': {message}\n  help: {help}")]
    By {
        /// As written.
        text: String,
        /// What is wrong.
        message: String,
        /// What to write.
        help: String,
    },
}

/// The measure of a sweep, resolved in one scenario.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Resolved {
    /// What is measured.
    pub measure: Measure,
    /// Which statistic.
    pub stat: Statistic,
}

impl Resolved {
    /// Whether values are shares (0..1) rather than minutes.
    pub fn is_share(self) -> bool {
        self.stat.is_share()
    }

    /// Whether a larger value is worse (times, data lost, not recovered) or better (met).
    pub fn higher_is_worse(self) -> bool {
        !matches!(self.stat, Statistic::RtoMet | Statistic::RpoMet)
    }

    /// The statistic over per-trial values: the mean (of 0/1 indicators for a share) or a
    /// quantile.
    fn stat(self) -> Stat {
        match self.stat {
            Statistic::Quantile(p) => Stat::Quantile(p),
            _ => Stat::Mean,
        }
    }

    /// Trial `o`'s value: minutes (recovery and restored counted at most to the horizon, as
    /// `compare` counts them), or 1/0 for a share statistic.
    fn value(self, sc: &Scenario, o: &TrialOutcome) -> f64 {
        let h = sc.horizon;
        let flag = |b: bool| b as u8 as f64;
        match (self.stat, self.measure) {
            (Statistic::RtoMet, m) => flag(m.service().is_some_and(|i| o.rto_met(sc, i))),
            (Statistic::RpoMet, Measure::DataLost(s)) => flag(o.rpo_met(sc, s)),
            (Statistic::NotRecovered, Measure::Recovery) => flag(!o.recovered(sc)),
            (Statistic::NotRecovered, m) => flag(m.service().is_some_and(|i| !o.restored_in_horizon(sc, i))),
            (_, Measure::Recovery) => o.recovery.min(h),
            (_, Measure::Detect) => o.detect,
            (_, Measure::Ack) => o.ack,
            (_, Measure::Close) => o.close,
            (_, Measure::Downtime(i)) => o.downtime[i],
            (_, Measure::LongestOutage(i)) => o.longest_outage[i],
            (_, Measure::Restored(i)) => o.restored[i].min(h),
            (_, Measure::DataLost(s)) => o.data_lost[s],
        }
    }
}

/// One objective of one variant.
#[derive(Clone, Debug, PartialEq)]
pub struct ObjectiveOutcome {
    /// The objective's sentence.
    pub text: String,
    /// Whether values are shares.
    pub share: bool,
    /// Its threshold.
    pub threshold: f64,
    /// The estimate.
    pub estimate: f64,
    /// Its interval at the sweep's confidence.
    pub interval: Interval,
    /// Met, missed or not certain.
    pub verdict: Verdict,
    /// How far the estimate is on the promised side, relative to the threshold (negative: on
    /// the wrong side): `(threshold - estimate) / threshold` for an at-most objective.
    pub margin: f64,
}

/// What one variant did.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// 1 for the best.
    pub rank: usize,
    /// Its name.
    pub label: String,
    /// Whether this is the base (the plan as written).
    pub is_base: bool,
    /// The changes made (empty for the base and named files).
    pub edits: Vec<Edit>,
    /// Per `--vary`, the index of its value.
    pub values: Vec<usize>,
    /// The variant's objectives, in its file's order.
    pub objectives: Vec<ObjectiveOutcome>,
    /// The measure: the base's and this variant's value, the paired change, its interval.
    pub measure: PairedChange,
}

impl Outcome {
    /// Objectives met.
    pub fn met(&self) -> usize {
        self.objectives.iter().filter(|o| o.verdict == Verdict::Met).count()
    }

    /// Every objective met (true when there are none).
    pub fn all_met(&self) -> bool {
        self.met() == self.objectives.len()
    }

    /// The smallest margin of its objectives (None without objectives).
    pub fn worst_margin(&self) -> Option<f64> {
        self.objectives.iter().map(|o| o.margin).min_by(f64::total_cmp)
    }
}

/// A whole sweep, ranked.
#[derive(Clone, Debug, PartialEq)]
pub struct Sweep {
    /// The base scenario's name.
    pub scenario: String,
    /// The options used.
    pub seed: u64,
    /// Trials per variant.
    pub trials: u64,
    /// Bootstrap resamples.
    pub resamples: usize,
    /// Level of the intervals.
    pub confidence: f64,
    /// The measure as written (`recovery p95`).
    pub measure: String,
    /// It in the base's scenario.
    pub resolved: Resolved,
    /// Whether variants are ranked by the objectives (else by the measure).
    pub by_objectives: bool,
    /// Every variant and the base, best first.
    pub outcomes: Vec<Outcome>,
}

/// The measure of a sweep as written: `--by`, else the first objective's, else recovery p95.
pub fn measure_text(base: &Scenario, by: Option<&str>) -> String {
    match (by, base.objectives.first()) {
        (Some(b), _) => b.trim().to_string(),
        (None, Some(o)) => objective_subject(o),
        (None, None) => DEFAULT_MEASURE.to_string(),
    }
}

/// An objective's measure and statistic, as `--by` would name them.
fn objective_subject(o: &Objective) -> String {
    // The sentence up to its comparison: "services.payment rto_met >= 95%" gives
    // "services.payment rto_met".
    let t = o.text.as_str();
    let cut = [" <=", " >=", " at most", " at least"]
        .iter()
        .filter_map(|w| t.find(w))
        .min()
        .unwrap_or(t.len());
    t[..cut].trim().to_string()
}

/// The measure `text` in `sc`.
pub fn resolve(text: &str, sc: &Scenario) -> Result<Resolved, SweepError> {
    parse_measure(text, sc)
        .map(|(measure, stat)| Resolved { measure, stat })
        .map_err(|e| SweepError::By {
            text: text.to_string(),
            message: e.message,
            help: e
                .help
                .unwrap_or_else(|| "name a measure and a statistic, e.g. \"recovery p95\" or \"services.payment rto_met\"".into()),
        })
}

/// Run one scenario's trials: its summary-based objectives and the measure's values in trial
/// order.
fn run_one(sc: &Scenario, m: Resolved, opt: &Options, z: f64, bar: Option<&ProgressBar>) -> (Vec<ObjectiveOutcome>, Vec<f64>) {
    let (sum, mut pairs) = fold_range(
        sc,
        opt.seed,
        0..opt.trials,
        bar,
        Vec::<(u64, f64)>::new,
        |v, k, o| v.push((k, m.value(sc, o))),
        |a, mut b| a.append(&mut b),
    );
    pairs.sort_unstable_by_key(|p| p.0);
    let values = pairs.into_iter().map(|p| p.1).collect();
    let objectives = sc
        .objectives
        .iter()
        .map(|o| {
            let (estimate, iv) = interval::estimate(o, &sum, z);
            let side = match o.bound {
                Bound::AtMost => o.threshold - estimate,
                Bound::AtLeast => estimate - o.threshold,
            };
            let margin = if o.threshold > 0.0 { side / o.threshold } else { side };
            ObjectiveOutcome {
                text: o.text.clone(),
                share: o.is_share(),
                threshold: o.threshold,
                estimate,
                interval: iv,
                verdict: verdict(o, iv),
                margin: if margin.is_nan() { f64::NEG_INFINITY } else { margin },
            }
        })
        .collect();
    (objectives, values)
}

/// Run the base and every variant on the same trials and rank them (on the current rayon
/// pool).
pub fn run(base: &Scenario, variants: Vec<Variant>, opt: &Options) -> Result<Sweep, SweepError> {
    run_with(base, variants, opt, None)
}

/// [`run`] with a progress bar that counts every trial of every run.
pub fn run_with(base: &Scenario, variants: Vec<Variant>, opt: &Options, bar: Option<&ProgressBar>) -> Result<Sweep, SweepError> {
    let text = measure_text(base, opt.by.as_deref());
    let resolved = resolve(&text, base)?;
    // Every variant must have the measure (a named file may lack a service); resolve first,
    // so a mistake is said before any trial runs.
    let mut plans = Vec::with_capacity(variants.len());
    for v in variants {
        let r = resolve(&text, &v.scenario).map_err(|e| match e {
            SweepError::By { text, message, help } => SweepError::By {
                text,
                message: format!("in variant {}: {message}", v.label),
                help,
            },
        })?;
        plans.push((v, r));
    }
    let alpha = (1.0 - opt.confidence).clamp(1e-12, 0.5);
    let z = interval::normal_quantile(1.0 - alpha / 2.0);
    let (base_obj, base_values) = run_one(base, resolved, opt, z, bar);
    let stat = resolved.stat();
    let mut outcomes = vec![Outcome {
        rank: 0,
        label: "base".into(),
        is_base: true,
        edits: Vec::new(),
        values: Vec::new(),
        objectives: base_obj,
        measure: paired_change(&base_values, &base_values, stat, opt.resamples, opt.confidence, opt.seed),
    }];
    // Variants run a group at a time and are bootstrapped together (one draw of trial
    // indices per resample serves the group); a group's values are dropped after.
    let group = (GROUP_BYTES / (opt.trials.max(1) as usize * 32)).clamp(1, 32);
    let mut plans = plans.into_iter().peekable();
    while plans.peek().is_some() {
        let mut runs = Vec::with_capacity(group);
        for (v, r) in plans.by_ref().take(group) {
            let (objectives, values) = run_one(&v.scenario, r, opt, z, bar);
            runs.push((v, objectives, values));
        }
        let cands: Vec<&[f64]> = runs.iter().map(|r| r.2.as_slice()).collect();
        let changes = paired_changes(&base_values, &cands, stat, opt.resamples, opt.confidence, opt.seed);
        for ((v, objectives, _), measure) in runs.into_iter().zip(changes) {
            outcomes.push(Outcome {
                rank: 0,
                label: v.label,
                is_base: false,
                edits: v.edits,
                values: v.values,
                objectives,
                measure,
            });
        }
    }
    let by_objectives = opt.by.is_none() && !base.objectives.is_empty();
    rank(&mut outcomes, by_objectives, resolved.higher_is_worse());
    Ok(Sweep {
        scenario: base.name.clone(),
        seed: opt.seed,
        trials: opt.trials,
        resamples: opt.resamples,
        confidence: opt.confidence,
        measure: text,
        resolved,
        by_objectives,
        outcomes,
    })
}

/// Sort best first (see the module documentation) and number the ranks.
pub fn rank(outcomes: &mut [Outcome], by_objectives: bool, higher_is_worse: bool) {
    let measure = |o: &Outcome| {
        let v = o.measure.candidate;
        if v.is_nan() {
            f64::INFINITY
        } else if higher_is_worse {
            v
        } else {
            -v
        }
    };
    // A stable sort keeps the order the variants were made in among ties.
    outcomes.sort_by(|a, b| {
        let by_measure = measure(a).total_cmp(&measure(b));
        if !by_objectives {
            return by_measure;
        }
        b.all_met()
            .cmp(&a.all_met())
            .then(b.met().cmp(&a.met()))
            .then(b.worst_margin().unwrap_or(0.0).total_cmp(&a.worst_margin().unwrap_or(0.0)))
            .then(by_measure)
    });
    for (i, o) in outcomes.iter_mut().enumerate() {
        o.rank = i + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::vary::Base;

    /// Detection 10m, acknowledgement 5m, then three independent one-hour steps on one team:
    /// with capacity c the steps run in ceil(3 / c) waves, so recovery is 15 + 60 ceil(3 / c)
    /// minutes in every trial.
    const WAVES: &str = "[detection]\ndelay = \"10m\"\npage = \"ops\"\n[teams.ops]\ncapacity = 1\n[teams.ops.escalation]\nlast_resort = \"1h\"\n[[teams.ops.escalation.level]]\nname = \"p\"\nack = 1.0\nack_delay = \"5m\"\ntimeout = \"15m\"\n[[step]]\nid = \"a\"\nteam = \"ops\"\nduration = \"1h\"\n[[step]]\nid = \"b\"\nteam = \"ops\"\nduration = \"1h\"\n[[step]]\nid = \"c\"\nteam = \"ops\"\nduration = \"1h\"\n[expect]\nobjectives = [\"recovery p95 <= 2h30m\"]\n";

    fn sweep_of(text: &str, flags: &[&str], by: Option<&str>, threads: usize) -> Sweep {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("waves.toml");
        std::fs::write(&p, text).unwrap();
        let base = Base::load(&p, dir.path()).unwrap();
        let varies: Vec<param::Vary> = flags.iter().map(|f| param::parse(f).unwrap()).collect();
        let variants = param::combinations(&varies, 0)
            .unwrap()
            .into_iter()
            .map(|(edits, values)| Variant {
                label: edits.iter().map(Edit::text).collect::<Vec<_>>().join(", "),
                scenario: base.varied(&edits).unwrap(),
                edits,
                values,
            })
            .collect();
        let mut opt = Options::new(7);
        opt.trials = 3000;
        opt.resamples = 200;
        opt.by = by.map(str::to_string);
        let pool = crate::batch::pool(Some(threads)).unwrap();
        pool.install(|| run(base.scenario(), variants, &opt)).unwrap()
    }

    #[test]
    fn capacity_gives_the_closed_form_recovery() {
        let s = sweep_of(WAVES, &["teams.ops.capacity=1..3"], None, 2);
        assert_eq!(s.measure, "recovery p95");
        let by_label = |l: &str| s.outcomes.iter().find(|o| o.label == l).unwrap();
        for c in 1..=3u32 {
            let o = by_label(&format!("teams.ops.capacity={c}"));
            let want = 15.0 + 60.0 * 3u32.div_ceil(c) as f64;
            assert_eq!(o.measure.candidate, want, "capacity {c}");
            assert_eq!(o.measure.base, 195.0);
            assert_eq!(o.measure.change, want - 195.0);
            // Every trial moves by the same amount: the paired interval is that point.
            assert_eq!(
                o.measure.interval,
                Interval {
                    lo: want - 195.0,
                    hi: want - 195.0
                }
            );
            assert_eq!(o.objectives[0].estimate, want);
            let met = want <= 150.0;
            assert_eq!(o.objectives[0].verdict, if met { Verdict::Met } else { Verdict::Missed });
            assert!((o.objectives[0].margin - (150.0 - want) / 150.0).abs() < 1e-12);
        }
        // Ranked: capacity 3 (75 min), 2 (135), then 1 and the base (195), in the order made.
        let order: Vec<&str> = s.outcomes.iter().map(|o| o.label.as_str()).collect();
        assert_eq!(
            order,
            ["teams.ops.capacity=3", "teams.ops.capacity=2", "base", "teams.ops.capacity=1"]
        );
        assert_eq!(s.outcomes.iter().map(|o| o.rank).collect::<Vec<_>>(), [1, 2, 3, 4]);
        assert!(s.by_objectives);
    }

    #[test]
    fn by_a_measure_ranks_by_it_and_scaling_is_exact() {
        let s = sweep_of(WAVES, &["steps.a.duration*=0.5,2"], Some("recovery mean"), 1);
        assert!(!s.by_objectives);
        let order: Vec<&str> = s.outcomes.iter().map(|o| o.label.as_str()).collect();
        assert_eq!(order, ["steps.a.duration*=0.5", "base", "steps.a.duration*=2"]);
        assert_eq!(s.outcomes[0].measure.change, -30.0);
        assert_eq!(s.outcomes[2].measure.change, 60.0);
        let s = sweep_of(WAVES, &["steps.b.duration+=0m,30m"], Some("recovery mean"), 1);
        assert_eq!(s.outcomes.iter().find(|o| o.label.ends_with("+=30m")).unwrap().measure.change, 30.0);
    }

    #[test]
    fn the_same_at_one_and_two_threads() {
        let noisy = WAVES.replace(
            "duration = \"1h\"",
            "duration = { dist = \"lognormal\", median = \"1h\", sigma = 0.6 }",
        );
        let flags = ["teams.ops.capacity=1..2", "steps.a.duration*=0.5,1"];
        let a = sweep_of(&noisy, &flags, None, 1);
        let b = sweep_of(&noisy, &flags, None, 2);
        assert_eq!(a, b);
        // A variant identical to the base changes nothing, exactly.
        let same = a
            .outcomes
            .iter()
            .find(|o| o.label == "teams.ops.capacity=1, steps.a.duration*=1")
            .unwrap();
        assert_eq!(same.measure.change, 0.0);
        assert_eq!(same.measure.interval, Interval { lo: 0.0, hi: 0.0 });
    }

    #[test]
    fn a_measure_that_is_not_there_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("w.toml");
        std::fs::write(&p, WAVES).unwrap();
        let base = Base::load(&p, dir.path()).unwrap();
        let mut opt = Options::new(1);
        opt.by = Some("services.pay rto_met".into());
        let e = run(base.scenario(), Vec::new(), &opt).unwrap_err();
        assert!(e.to_string().contains("unknown service \"pay\""), "{e}");
        opt.by = Some("recovery p95 <= 4h".into());
        let e = run(base.scenario(), Vec::new(), &opt).unwrap_err();
        assert!(e.to_string().contains("unexpected `<=`"), "{e}");
    }
}
