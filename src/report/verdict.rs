//! Which rule the report's verdict follows, and the objectives it judges.
//!
//! One verdict everywhere: a scenario with `[expect]` objectives is judged in its report by
//! [`check::check_scenario`] itself, with the options `drillsim check` uses when given no flags
//! (the file's trials as the first look, else 10,000; at most 1,000,000 trials; 95%
//! confidence over all looks) and the run's seed, so the report prints the very estimates,
//! intervals and verdicts that `drillsim check` prints. Only a scenario without objectives
//! falls back to the report's own rule: every business service back within its RTO in at
//! least [`VERDICT_TARGET`](super::full::VERDICT_TARGET) of trials.

use crate::check::{self, CheckOptions, DEFAULT_MAX_TRIALS, DEFAULT_START_TRIALS, ScenarioCheck, Verdict};
use crate::model::Scenario;

/// Confidence level of the report's objective intervals (`drillsim check`'s default).
pub const CONFIDENCE: f64 = 0.95;

/// The options `drillsim check` uses for `sc` when given no flags.
pub fn check_options(sc: &Scenario) -> CheckOptions {
    CheckOptions {
        start_trials: sc.trials.unwrap_or(DEFAULT_START_TRIALS).min(DEFAULT_MAX_TRIALS),
        max_trials: DEFAULT_MAX_TRIALS,
        confidence: CONFIDENCE,
    }
}

/// The scenario's objectives judged as `drillsim check` judges them with `seed` (on the
/// current rayon pool); `None` when it states none (the report then uses the RTO rule).
pub fn judge(sc: &Scenario, seed: u64) -> Option<ScenarioCheck> {
    (!sc.objectives.is_empty()).then(|| check::check_scenario(sc, seed, &check_options(sc)))
}

/// Objectives missed and not certain, in that order of counts.
pub fn counts(c: &ScenarioCheck) -> (usize, usize) {
    let n = |v: Verdict| c.results.iter().filter(|r| r.verdict == v).count();
    (n(Verdict::Missed), n(Verdict::NotCertain))
}
