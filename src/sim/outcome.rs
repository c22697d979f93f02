//! What one trial measured.

use crate::model::{Scenario, TeamId};

/// What one trial measured (all times in minutes, from the first fault's injection).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrialOutcome {
    /// Fault to first alert.
    pub detect: f64,
    /// Alert to first acknowledgement (or to the last resort).
    pub ack: f64,
    /// Fault to every business service up again (0 if none went down); without business
    /// services, fault to the finish of the plan's last step.
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
    /// Per business service: minutes from the fault until it was up again (0 if it never
    /// went down; the scenario's horizon if it never came back).
    pub downtime: Vec<f64>,
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
    /// Back to nothing measured, keeping the buffers.
    pub(crate) fn reset(&mut self) {
        self.critical.fill(false);
        self.attempts.fill(0);
        self.effect_failed.fill(false);
        self.start.fill(f64::NAN);
        self.finish.fill(f64::NAN);
        self.busy.fill(0.0);
        self.downtime.fill(0.0);
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
