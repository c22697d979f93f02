//! `drillsim check`: does the plan keep its promises?
//!
//! Each scenario's objectives ([`crate::model::objective`]) are estimated with a confidence interval
//! from a run of trials. An objective is **met** when the whole interval is on the promised
//! side of its threshold, **missed** when the whole interval is on the other side, and **not
//! certain** while the interval straddles it. While any objective of a scenario is not
//! certain, the run is extended: the trial count doubles, the new trials taking new trial
//! indices (`[n, 2n)`), so every earlier trial is kept and summaries merge exactly, up to a
//! cap. An objective keeps the verdict (and figures) of the first look that decided it.
//!
//! **Peeking.** Looking at an interval after each doubling and stopping when it clears the
//! threshold would, at a plain 95% level, misjudge a plan that sits right at its threshold
//! more often than 5% of the time. So each look uses the level `1 - alpha / L` where `L` is
//! the most looks the run can take (Bonferroni): the chance that *any* look's interval misses
//! the true value is at most `alpha`, and the interval printed is that (slightly wider) one.
//! The level is per objective; with many objectives the chance that one of them is misjudged
//! grows, which is why the cap and the exit code for "not certain" are the user's choice.

pub mod discover;
pub mod results;

use crate::batch::summarize_range;
use crate::model::Scenario;
use crate::model::objective::{Bound, Objective};
use crate::stats::Summary;
use crate::stats::interval::{self, Interval};
use indicatif::ProgressBar;

/// Default first run of a check when neither the command line nor the file sets trials.
pub const DEFAULT_START_TRIALS: u64 = 10_000;
/// Default cap on trials per scenario.
pub const DEFAULT_MAX_TRIALS: u64 = 1_000_000;

/// The verdict on one objective.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Verdict {
    /// The whole interval keeps the promise.
    Met,
    /// The whole interval breaks it.
    Missed,
    /// The interval straddles the threshold, even at the trial cap.
    NotCertain,
}

impl Verdict {
    /// As printed: "met", "missed", "not certain".
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Met => "met",
            Verdict::Missed => "missed",
            Verdict::NotCertain => "not certain",
        }
    }
}

/// How to check.
#[derive(Clone, Debug)]
pub struct CheckOptions {
    /// Trials of the first look.
    pub start_trials: u64,
    /// Most trials per scenario.
    pub max_trials: u64,
    /// Confidence level of the whole sequence of looks, e.g. 0.95.
    pub confidence: f64,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            start_trials: DEFAULT_START_TRIALS,
            max_trials: DEFAULT_MAX_TRIALS,
            confidence: 0.95,
        }
    }
}

/// One objective's result.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct ObjectiveResult {
    /// The objective.
    pub objective: Objective,
    /// Point estimate (minutes, or a share for RTO met).
    #[serde(with = "crate::stats::wire::float")]
    pub estimate: f64,
    /// Confidence interval at the look that decided it (or the last look).
    pub interval: Interval,
    /// Trials behind the estimate.
    pub trials: u64,
    /// Met, missed or not certain.
    pub verdict: Verdict,
    /// Share of those trials not recovered within the horizon (for measures of recovery; a
    /// quantile that falls there is the horizon itself, so `check` says so beside it).
    pub not_recovered: Option<f64>,
}

/// Everything a check found for one scenario.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct ScenarioCheck {
    /// Scenario name.
    pub name: String,
    /// Seed used.
    pub seed: u64,
    /// Trials run in all.
    pub trials: u64,
    /// Normal quantile used for every interval (after the adjustment for looks).
    #[serde(with = "crate::stats::wire::float")]
    pub z: f64,
    /// Per objective, in the file's order.
    pub results: Vec<ObjectiveResult>,
}

/// The trial counts at which a check looks: `start, 2 start, 4 start, ...`, ending at `cap`.
pub fn looks(start: u64, cap: u64) -> Vec<u64> {
    let start = start.max(1);
    let cap = cap.max(start);
    let mut out = vec![start];
    while *out.last().unwrap_or(&cap) < cap {
        let next = out.last().copied().unwrap_or(start).saturating_mul(2).min(cap);
        out.push(next);
    }
    out
}

/// Verdict of an interval against an objective.
pub fn verdict(o: &Objective, i: Interval) -> Verdict {
    let (met, missed) = match o.bound {
        Bound::AtMost => (i.hi <= o.threshold, i.lo > o.threshold),
        Bound::AtLeast => (i.lo >= o.threshold, i.hi < o.threshold),
    };
    if met {
        Verdict::Met
    } else if missed {
        Verdict::Missed
    } else {
        Verdict::NotCertain
    }
}

/// Check the objectives of `sc` with `seed` (on the current rayon pool). A scenario without
/// objectives is not run.
pub fn check_scenario(sc: &Scenario, seed: u64, opt: &CheckOptions) -> ScenarioCheck {
    check_scenario_with(sc, seed, opt, None)
}

/// [`check_scenario`], counting the trials played on `bar`.
pub fn check_scenario_with(sc: &Scenario, seed: u64, opt: &CheckOptions, bar: Option<&ProgressBar>) -> ScenarioCheck {
    let plan = looks(opt.start_trials, opt.max_trials);
    let alpha = (1.0 - opt.confidence).clamp(1e-12, 0.5);
    let z = interval::normal_quantile(1.0 - alpha / (2.0 * plan.len() as f64));
    let mut results: Vec<Option<ObjectiveResult>> = vec![None; sc.objectives.len()];
    let mut sum = Summary::new(sc);
    let mut done = 0;
    for (look, &n) in plan.iter().enumerate() {
        if sc.objectives.is_empty() {
            break;
        }
        let part = summarize_range(sc, seed, done..n, bar);
        sum.merge(&part);
        done = n;
        let last = look + 1 == plan.len();
        for (o, r) in sc.objectives.iter().zip(results.iter_mut()) {
            if r.is_some() {
                continue;
            }
            let (estimate, iv) = interval::estimate(o, &sum, z);
            let v = verdict(o, iv);
            if v != Verdict::NotCertain || last {
                *r = Some(ObjectiveResult {
                    objective: o.clone(),
                    estimate,
                    interval: iv,
                    trials: n,
                    verdict: v,
                    not_recovered: interval::not_recovered_share(o, &sum),
                });
            }
        }
        if results.iter().all(Option::is_some) {
            break;
        }
    }
    ScenarioCheck {
        name: sc.name.clone(),
        seed,
        trials: done,
        z,
        results: results.into_iter().flatten().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_double_up_to_the_cap() {
        assert_eq!(looks(10, 80), vec![10, 20, 40, 80]);
        assert_eq!(looks(10, 50), vec![10, 20, 40, 50]);
        assert_eq!(looks(100, 100), vec![100]);
        assert_eq!(looks(100, 10), vec![100]);
    }
}
