//! What one trial measured.

use crate::model::{Scenario, TeamId};

/// What one trial measured (all times in minutes, from the first fault's injection).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrialOutcome {
    /// Fault to first alert.
    pub detect: f64,
    /// Alert to first acknowledgement (or to the last resort).
    pub ack: f64,
    /// Fault to every business service up for good (0 if none went down; the horizon if one
    /// never came back); without business services, fault to the finish of the plan's last
    /// step.
    pub recovery: f64,
    /// Fault to the finish of the plan's last step.
    pub close: f64,
    /// Per step: on the critical path of this trial.
    pub critical: Vec<bool>,
    /// Per step: attempts made (0 if it did not run).
    pub attempts: Vec<u32>,
    /// Per step: start time (NaN if it never ran), from the start of the exercise.
    pub start: Vec<f64>,
    /// Per step: finish time (NaN if it never ran).
    pub finish: Vec<f64>,
    /// Per team: minutes of work done (sum over its steps).
    pub busy: Vec<f64>,
    /// Per step: its effect could not take effect in this trial (no power, an intruder still
    /// active, no good backup, ...).
    pub effect_failed: Vec<bool>,
    /// Per business service: minutes it was actually down (the sum of its outages, within
    /// the horizon).
    pub downtime: Vec<f64>,
    /// Per business service: minutes of its longest outage (down until back up).
    pub longest_outage: Vec<f64>,
    /// Per business service: minutes from the fault until it was up for good (0 if it never
    /// went down; the scenario's horizon if it was not back within it).
    pub restored: Vec<f64>,
    /// Per data store: minutes of writes lost.
    pub data_lost: Vec<f64>,
    /// Volume of data leaked by attacks (in the attack's own unit, e.g. GB).
    pub leaked: f64,
    /// Highest severity level reached (index into `Scenario::levels`), if any.
    pub level: Option<usize>,
    /// Time of the first fault's injection (minutes from the start of the exercise).
    pub t0: f64,
    /// Events the engine processed (for measuring the cost per event).
    pub events: u64,
    /// Draws longer than the longest duration a scenario may state (ten years, or an
    /// overflow), counted as that longest duration instead.
    pub clamped: u32,
    /// Components the topology's refreshes recomputed (for measuring what a change costs:
    /// it follows what the change reaches, not the topology's size).
    pub recomputed: u64,
}

impl TrialOutcome {
    /// Per team: busy minutes over capacity times the time from acknowledgement to close.
    pub fn utilization(&self, sc: &Scenario, team: TeamId) -> f64 {
        let window = self.close - (self.detect + self.ack);
        if window <= 0.0 {
            return 0.0;
        }
        (self.busy[team] / (sc.teams[team].capacity as f64 * window)).min(1.0)
    }
}

impl TrialOutcome {
    /// Whether business service `i` was up for good within the horizon (or never went down).
    pub fn restored_in_horizon(&self, sc: &Scenario, i: usize) -> bool {
        self.restored[i] < sc.horizon
    }

    /// Whether business service `i` met its RTO: it came back within the horizon and no
    /// outage of it (from going down until back up) was longer than the RTO. A service
    /// without an RTO counts as met.
    pub fn rto_met(&self, sc: &Scenario, i: usize) -> bool {
        sc.services[i]
            .rto
            .is_none_or(|rto| self.restored_in_horizon(sc, i) && self.longest_outage[i] <= rto)
    }

    /// Whether store `s` kept its RPO (lost at most that many minutes of writes). A store
    /// without an RPO counts as kept.
    pub fn rpo_met(&self, sc: &Scenario, s: usize) -> bool {
        sc.stores[s].rpo.is_none_or(|rpo| self.data_lost[s] <= rpo)
    }

    /// Whether the trial recovered within the horizon (every business service up for good,
    /// or without services, the plan closed).
    pub fn recovered(&self, sc: &Scenario) -> bool {
        self.recovery < sc.horizon
    }
}

impl TrialOutcome {
    /// Back to nothing measured, keeping the buffers.
    pub(crate) fn reset(&mut self) {
        self.critical.fill(false);
        self.attempts.fill(0);
        self.effect_failed.fill(false);
        self.start.fill(f64::NAN);
        self.finish.fill(f64::NAN);
        self.busy.fill(0.0);
        self.downtime.fill(0.0);
        self.longest_outage.fill(0.0);
        self.restored.fill(0.0);
        self.data_lost.fill(0.0);
        self.leaked = 0.0;
        self.level = None;
        self.t0 = 0.0;
        self.detect = 0.0;
        self.ack = 0.0;
        self.recovery = 0.0;
        self.close = 0.0;
        self.events = 0;
        self.clamped = 0;
        self.recomputed = 0;
    }
}
