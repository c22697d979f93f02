//! The summary of a run: one [`Sketch`] per measure and counters per step and team.

use super::Sketch;
use crate::model::Scenario;
use crate::sim::TrialOutcome;

/// Fixed-point unit of the utilization sums (2^-32), so merging stays exact.
const SHARE_SCALE: f64 = 4_294_967_296.0;

/// What a run of trials measured. Merging two summaries of disjoint trial ranges gives the
/// summary of their union, bit for bit, in any order.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// Trials summarised.
    pub trials: u64,
    /// Fault to every business service up (or to the plan's final step).
    pub recovery: Sketch,
    /// Fault to first alert.
    pub detect: Sketch,
    /// Alert to first acknowledgement.
    pub ack: Sketch,
    /// Fault to the plan's last step.
    pub close: Sketch,
    /// Per step: trials in which it was on the critical path.
    pub critical: Vec<u64>,
    /// Per step: attempts made over all trials.
    pub attempts: Vec<u64>,
    /// Per team: sum of per-trial utilization, fixed point.
    utilization: Vec<i128>,
}

impl Summary {
    /// An empty summary shaped for `sc`.
    pub fn new(sc: &Scenario) -> Summary {
        Summary {
            trials: 0,
            recovery: Sketch::new(),
            detect: Sketch::new(),
            ack: Sketch::new(),
            close: Sketch::new(),
            critical: vec![0; sc.steps.len()],
            attempts: vec![0; sc.steps.len()],
            utilization: vec![0; sc.teams.len()],
        }
    }

    /// Count one trial.
    #[inline]
    pub fn add(&mut self, sc: &Scenario, o: &TrialOutcome) {
        self.trials += 1;
        self.recovery.add(o.recovery);
        self.detect.add(o.detect);
        self.ack.add(o.ack);
        self.close.add(o.close);
        for (c, &on) in self.critical.iter_mut().zip(&o.critical) {
            *c += on as u64;
        }
        for (a, &n) in self.attempts.iter_mut().zip(&o.attempts) {
            *a += n as u64;
        }
        for (team, u) in self.utilization.iter_mut().enumerate() {
            *u += (o.utilization(sc, team) * SHARE_SCALE).round() as i128;
        }
    }

    /// Fold in the summary of other trials.
    pub fn merge(&mut self, other: &Summary) {
        self.trials += other.trials;
        self.recovery.merge(&other.recovery);
        self.detect.merge(&other.detect);
        self.ack.merge(&other.ack);
        self.close.merge(&other.close);
        for (a, b) in self.critical.iter_mut().zip(&other.critical) {
            *a += b;
        }
        for (a, b) in self.attempts.iter_mut().zip(&other.attempts) {
            *a += b;
        }
        for (a, b) in self.utilization.iter_mut().zip(&other.utilization) {
            *a += b;
        }
    }

    /// Share of trials in which step `i` was on the critical path.
    pub fn criticality(&self, i: usize) -> f64 {
        share(self.critical[i], self.trials)
    }

    /// Mean attempts of step `i` per trial.
    pub fn mean_attempts(&self, i: usize) -> f64 {
        share(self.attempts[i], self.trials)
    }

    /// Mean utilization of team `t`: its busy minutes over capacity times the time from
    /// acknowledgement to close, averaged over trials.
    pub fn utilization(&self, t: usize) -> f64 {
        if self.trials == 0 {
            0.0
        } else {
            self.utilization[t] as f64 / SHARE_SCALE / self.trials as f64
        }
    }
}

fn share(n: u64, of: u64) -> f64 {
    if of == 0 { 0.0 } else { n as f64 / of as f64 }
}
