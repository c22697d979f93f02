//! The summary of a run: one [`Sketch`] per measure and counters per step and team.

use super::Sketch;
use crate::model::Scenario;
use crate::sim::TrialOutcome;

/// Fixed-point unit of the utilization sums (2^-32), so merging stays exact.
pub(super) const SHARE_SCALE: f64 = 4_294_967_296.0;

/// What a run of trials measured. Merging two summaries of disjoint trial ranges gives the
/// summary of their union, bit for bit, in any order.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// Trials summarised.
    pub trials: u64,
    /// Fault to every business service up for good (or to the plan's final step).
    pub recovery: Sketch,
    /// Trials that did not recover within the horizon (their recovery counts as the horizon).
    pub not_recovered: u64,
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
    /// Per step: trials in which its effect failed.
    pub effect_failed: Vec<u64>,
    /// Per team: sum of per-trial utilization, fixed point.
    pub(super) utilization: Vec<i128>,
    /// Per business service: minutes actually down (the sum of its outages).
    pub downtime: Vec<Sketch>,
    /// Per business service: minutes of its longest outage.
    pub longest_outage: Vec<Sketch>,
    /// Per business service: minutes from the fault until up for good.
    pub restored: Vec<Sketch>,
    /// Per business service: trials in which it was not back within the horizon.
    pub not_restored: Vec<u64>,
    /// Per business service: trials in which it met its RTO (back, and no outage longer).
    pub rto_met: Vec<u64>,
    /// Per data store: minutes of writes lost.
    pub data_lost: Vec<Sketch>,
    /// Per data store: trials in which it lost at most its RPO.
    pub rpo_met: Vec<u64>,
    /// Volume leaked by attacks.
    pub leaked: Sketch,
    /// Per severity level: trials whose highest level was this one.
    pub levels: Vec<u64>,
    /// Trials with at least one draw longer than the longest duration (clamped to it).
    pub clamped_trials: u64,
    /// Draws clamped to the longest duration, over all trials.
    pub clamped_draws: u64,
}

impl Summary {
    /// An empty summary shaped for `sc`.
    pub fn new(sc: &Scenario) -> Summary {
        Summary {
            trials: 0,
            recovery: Sketch::new(),
            not_recovered: 0,
            detect: Sketch::new(),
            ack: Sketch::new(),
            close: Sketch::new(),
            critical: vec![0; sc.steps.len()],
            attempts: vec![0; sc.steps.len()],
            effect_failed: vec![0; sc.steps.len()],
            utilization: vec![0; sc.teams.len()],
            downtime: vec![Sketch::new(); sc.services.len()],
            longest_outage: vec![Sketch::new(); sc.services.len()],
            restored: vec![Sketch::new(); sc.services.len()],
            not_restored: vec![0; sc.services.len()],
            rto_met: vec![0; sc.services.len()],
            data_lost: vec![Sketch::new(); sc.stores.len()],
            rpo_met: vec![0; sc.stores.len()],
            leaked: Sketch::new(),
            levels: vec![0; sc.levels.len()],
            clamped_trials: 0,
            clamped_draws: 0,
        }
    }

    /// Count one trial.
    #[inline]
    pub fn add(&mut self, sc: &Scenario, o: &TrialOutcome) {
        self.trials += 1;
        self.recovery.add(o.recovery);
        self.not_recovered += !o.recovered(sc) as u64;
        self.detect.add(o.detect);
        self.ack.add(o.ack);
        self.close.add(o.close);
        for (c, &on) in self.critical.iter_mut().zip(&o.critical) {
            *c += on as u64;
        }
        for (a, &n) in self.attempts.iter_mut().zip(&o.attempts) {
            *a += n as u64;
        }
        for (a, &f) in self.effect_failed.iter_mut().zip(&o.effect_failed) {
            *a += f as u64;
        }
        for (team, u) in self.utilization.iter_mut().enumerate() {
            *u += super::sketch::fixed(o.utilization(sc, team) * SHARE_SCALE);
        }
        for i in 0..sc.services.len() {
            self.downtime[i].add(o.downtime[i]);
            self.longest_outage[i].add(o.longest_outage[i]);
            self.restored[i].add(o.restored[i]);
            self.not_restored[i] += !o.restored_in_horizon(sc, i) as u64;
            self.rto_met[i] += o.rto_met(sc, i) as u64;
        }
        for s in 0..sc.stores.len() {
            self.data_lost[s].add(o.data_lost[s]);
            self.rpo_met[s] += o.rpo_met(sc, s) as u64;
        }
        if !sc.stores.is_empty() || o.leaked > 0.0 {
            self.leaked.add(o.leaked);
        }
        if let Some(l) = o.level {
            self.levels[l] += 1;
        }
        self.clamped_trials += (o.clamped > 0) as u64;
        self.clamped_draws += o.clamped as u64;
    }

    /// Fold in the summary of other trials.
    pub fn merge(&mut self, other: &Summary) {
        self.trials += other.trials;
        self.recovery.merge(&other.recovery);
        self.not_recovered += other.not_recovered;
        self.detect.merge(&other.detect);
        self.ack.merge(&other.ack);
        self.close.merge(&other.close);
        for (a, b) in self.critical.iter_mut().zip(&other.critical) {
            *a += b;
        }
        for (a, b) in self.attempts.iter_mut().zip(&other.attempts) {
            *a += b;
        }
        for (a, b) in self.effect_failed.iter_mut().zip(&other.effect_failed) {
            *a += b;
        }
        for (a, b) in self.utilization.iter_mut().zip(&other.utilization) {
            *a += b;
        }
        let sketches = [
            (&mut self.downtime, &other.downtime),
            (&mut self.longest_outage, &other.longest_outage),
            (&mut self.restored, &other.restored),
            (&mut self.data_lost, &other.data_lost),
        ];
        for (mine, theirs) in sketches {
            for (a, b) in mine.iter_mut().zip(theirs) {
                a.merge(b);
            }
        }
        for (mine, theirs) in [
            (&mut self.not_restored, &other.not_restored),
            (&mut self.rto_met, &other.rto_met),
            (&mut self.rpo_met, &other.rpo_met),
        ] {
            for (a, b) in mine.iter_mut().zip(theirs) {
                *a += b;
            }
        }
        self.leaked.merge(&other.leaked);
        for (a, b) in self.levels.iter_mut().zip(&other.levels) {
            *a += b;
        }
        self.clamped_trials += other.clamped_trials;
        self.clamped_draws += other.clamped_draws;
    }

    /// Share of trials in which business service `i` met its RTO (back within the horizon,
    /// and no outage longer than the RTO).
    pub fn rto_met_share(&self, i: usize) -> f64 {
        share(self.rto_met[i], self.trials)
    }

    /// Share of trials in which data store `s` lost at most its RPO.
    pub fn rpo_met_share(&self, s: usize) -> f64 {
        share(self.rpo_met[s], self.trials)
    }

    /// Share of trials that did not recover within the horizon.
    pub fn not_recovered_share(&self) -> f64 {
        share(self.not_recovered, self.trials)
    }

    /// Share of trials in which business service `i` was not back within the horizon.
    pub fn not_restored_share(&self, i: usize) -> f64 {
        share(self.not_restored[i], self.trials)
    }

    /// Share of trials whose highest severity level was level `l`.
    pub fn level_share(&self, l: usize) -> f64 {
        share(self.levels[l], self.trials)
    }

    /// Share of trials in which step `i` was on the critical path.
    pub fn criticality(&self, i: usize) -> f64 {
        share(self.critical[i], self.trials)
    }

    /// Step indices, most critical first (ties in file order): the order in which every
    /// report, chart and analysis lists steps by criticality.
    pub fn steps_by_criticality(&self) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..self.critical.len()).collect();
        idx.sort_by(|&a, &b| self.critical[b].cmp(&self.critical[a]).then(a.cmp(&b)));
        idx
    }

    /// Share of trials in which step `i`'s effect failed.
    pub fn effect_failure(&self, i: usize) -> f64 {
        share(self.effect_failed[i], self.trials)
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
