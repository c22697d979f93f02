//! Calibration: the plan's durations fitted to real drills, written back as a revision a
//! reviewer reads as a diff.
//!
//! [`observe`] reads from the records every observation of each duration the scenario has —
//! each step's attempts, each escalation level's time to acknowledge, each monitor's delay —
//! with what a record ended before as censored. [`fit`] fits a lognormal to them by maximum
//! likelihood (censored observations contribute their survival), with the plan's current
//! distribution ([`prior`]) as a prior worth `prior_weight` observations: three drills move an
//! estimate `3 / (3 + 8)` of the way from the plan's to the drills' (in logs, at the default
//! weight of 8), thirty move it `30 / 38` of the way. [`revise`] edits the scenario's files in
//! place (comments and layout kept) with the fitted values.

pub mod fit;
pub mod observe;
pub mod prior;
pub mod revise;

use crate::drill::Record;
use crate::model::{Dist, Scenario};
use crate::scenario::duration::parse_minutes;
pub use fit::{Fit, Obs, Prior};
pub use observe::Target;
pub use prior::AsLogNormal;

/// Default weight of the prior, in observations: fewer drills than this mostly confirm the
/// plan, more mostly replace it.
pub const DEFAULT_PRIOR_WEIGHT: f64 = 8.0;

/// Largest prior weight accepted (beyond, no number of drills moves an estimate).
pub const MAX_PRIOR_WEIGHT: f64 = 1e6;

/// How to calibrate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Options {
    /// Pseudo-observations the plan's current distribution counts as (0: maximum likelihood
    /// on the drills alone).
    pub prior_weight: f64,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            prior_weight: DEFAULT_PRIOR_WEIGHT,
        }
    }
}

/// One fitted duration.
#[derive(Clone, Debug, PartialEq)]
pub struct Estimate {
    /// What it is.
    pub target: Target,
    /// Its stable key (`steps.<id>`, `ack.<team>.<level>`, `detect.<monitor>`).
    pub key: String,
    /// The distribution the plan has now.
    pub old: Dist,
    /// That distribution read as a lognormal (None: median 0).
    pub old_as: Option<AsLogNormal>,
    /// The prior used (None: weight 0, or no lognormal reading of the old distribution).
    pub prior: Option<Prior>,
    /// Exact observations.
    pub exact: usize,
    /// Right-censored observations (at least).
    pub censored: usize,
    /// Left-censored observations (at most: recorded as taking no time).
    pub at_most: usize,
    /// The fit, unrounded.
    pub fit: Fit,
    /// The new median as written into the file (minutes, rounded to 4 significant digits).
    pub median: f64,
    /// The new sigma as written (3 decimals).
    pub sigma: f64,
}

impl Estimate {
    /// Observations the estimate rests on.
    pub fn observations(&self) -> usize {
        self.exact + self.censored + self.at_most
    }

    /// The new distribution, as written into the file.
    pub fn new_dist(&self) -> Dist {
        Dist::LogNormal {
            mu: self.median.ln(),
            sigma: self.sigma,
        }
    }

    /// The median as written: `"41.23m"`.
    pub fn median_text(&self) -> String {
        minutes_text(self.median)
    }
}

/// A duration left as it is, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Unchanged {
    /// What it is.
    pub target: Target,
    /// Its stable key.
    pub key: String,
    /// Why it was not changed.
    pub reason: String,
}

/// A whole calibration.
#[derive(Clone, Debug, PartialEq)]
pub struct Calibration {
    /// The options used.
    pub options: Options,
    /// Fitted durations, in target order (steps in plan order, then acknowledgements, then
    /// monitors).
    pub estimates: Vec<Estimate>,
    /// Every step, and every other duration a record spoke of, left unchanged, with why.
    pub unchanged: Vec<Unchanged>,
    /// What the records had that was not used, each with the record files it concerns.
    pub notes: Vec<(String, Vec<String>)>,
}

/// `x` minutes to 4 significant digits, as a duration: `"41.23m"`, `"187.4m"`, `"0.5m"`.
pub fn minutes_text(x: f64) -> String {
    let digits = (3 - x.abs().log10().floor() as i64).clamp(0, 12) as usize;
    let s = format!("{x:.digits$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        &s
    };
    format!("{s}m")
}

/// Fit the scenario's durations to the records.
pub fn calibrate(sc: &Scenario, records: &[Record], opt: &Options) -> Calibration {
    let ev = observe::gather(sc, records);
    let mut estimates = Vec::new();
    let mut unchanged = Vec::new();
    let mut targets: Vec<Target> = (0..sc.steps.len()).map(Target::Step).collect();
    targets.extend(ev.obs.keys().chain(ev.excluded.keys()).filter(|t| !matches!(t, Target::Step(_))));
    targets.sort();
    targets.dedup();
    for target in targets {
        let key = target.key(sc);
        let leave = |reason: String| Unchanged {
            target,
            key: key.clone(),
            reason,
        };
        if let Some(why) = ev.excluded.get(&target) {
            unchanged.push(leave(format!("not fitted: {why}")));
            continue;
        }
        let Some(obs) = ev.obs.get(&target) else {
            unchanged.push(leave("no observations in the records".into()));
            continue;
        };
        let old = target.current(sc).clone();
        let old_as = prior::as_lognormal(&old);
        let prior = old_as.filter(|_| opt.prior_weight > 0.0).map(|a| Prior {
            mu: a.mu(),
            sigma: a.sigma,
            weight: opt.prior_weight,
        });
        let fit = match fit::fit(obs, prior.as_ref()) {
            Ok(f) => f,
            Err(e) => {
                unchanged.push(leave(format!("cannot fit: {e}")));
                continue;
            }
        };
        let count = |f: fn(&Obs) -> bool| obs.iter().filter(|o| f(o)).count();
        let text = minutes_text(fit.mu.exp());
        let median = parse_minutes(&text).unwrap_or(fit.mu.exp());
        if median.is_nan() || median <= 0.0 {
            unchanged.push(leave(format!("the fitted median {text} is no positive duration")));
            continue;
        }
        estimates.push(Estimate {
            target,
            key,
            old,
            old_as,
            prior,
            exact: count(|o| matches!(o, Obs::Exact(_))),
            censored: count(|o| matches!(o, Obs::AtLeast(_))),
            at_most: count(|o| matches!(o, Obs::AtMost(_))),
            fit,
            median,
            sigma: (fit.sigma * 1000.0).round() / 1000.0,
        });
    }
    Calibration {
        options: *opt,
        estimates,
        unchanged,
        notes: ev.notes.into_iter().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::minutes_text;

    #[test]
    fn medians_are_written_to_four_significant_digits() {
        assert_eq!(minutes_text(41.2345), "41.23m");
        assert_eq!(minutes_text(187.44), "187.4m");
        assert_eq!(minutes_text(40.0), "40m");
        assert_eq!(minutes_text(0.5), "0.5m");
        assert_eq!(minutes_text(1234.56), "1235m");
        assert_eq!(minutes_text(0.012345), "0.01235m");
    }
}
