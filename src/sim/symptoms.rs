//! What the symptom monitors (`watches = { ... }`) have seen in one trial: the state each one
//! watches as it was at the last look, and the alert it has pending.
//!
//! The rules that use it (look after every change of the world, alert or cancel) are in
//! `alerting.rs`; this file holds only the per-trial record, so that the topology's state can
//! own it without importing the engine.

use crate::model::Scenario;

/// The `fault` of an alert raised by a symptom monitor (it watches a state, not a fault).
pub(crate) const SYMPTOM: u32 = u32::MAX - 1;

/// Per-trial record of the symptom monitors. Empty (and never looked at) when the scenario
/// has none, so a scenario without symptom monitors pays one length test per change.
#[derive(Debug, Default)]
pub(crate) struct Symptoms {
    /// Indices of the symptom monitors among the scenario's monitors, in file order.
    pub(crate) ids: Vec<u32>,
    /// Per monitor index: its symptom held at the last look.
    pub(crate) on: Vec<bool>,
    /// Per monitor index: when its pending alert is due (NaN: none pending). An alert that
    /// arrives at another time was cancelled: the symptom cleared, and perhaps came back.
    pub(crate) due: Vec<f64>,
    /// Per monitor index: times its symptom began in this trial (each onset draws afresh).
    pub(crate) onsets: Vec<u32>,
    /// Per monitor index: it has alerted in this trial (it then stays quiet).
    pub(crate) alerted: Vec<bool>,
    /// Per fault kind: a fault of that kind has been injected in this trial (what a symptom
    /// alert reveals to steps waiting for a kind of fault).
    pub(crate) injected: [bool; 4],
}

impl Symptoms {
    /// Sized for `sc`'s monitors when some watch a symptom; else empty.
    pub(crate) fn new(sc: &Scenario) -> Symptoms {
        let mons = &sc.detection.monitors;
        let ids: Vec<u32> = (0..mons.len() as u32).filter(|&m| mons[m as usize].watches.is_some()).collect();
        if ids.is_empty() {
            return Symptoms::default();
        }
        let n = mons.len();
        Symptoms {
            ids,
            on: vec![false; n],
            due: vec![f64::NAN; n],
            onsets: vec![0; n],
            alerted: vec![false; n],
            injected: [false; 4],
        }
    }

    /// Back to the start of a trial.
    pub(crate) fn reset(&mut self) {
        if self.ids.is_empty() {
            return;
        }
        self.on.fill(false);
        self.due.fill(f64::NAN);
        self.onsets.fill(0);
        self.alerted.fill(false);
        self.injected = [false; 4];
    }
}
