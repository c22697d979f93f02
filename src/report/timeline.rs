//! The representative trial as the report shows it: which steps get a row, and what each
//! step waited for between becoming ready and starting. The table in the documents and the
//! Gantt chart both read it from here, so they agree.

use super::full::Representative;
use crate::model::{FaultKindTag, Scenario};
use crate::sim::Event;

/// Most steps given a row of their own in the timeline chart and table; the others share one
/// row ("N other steps"), so a plan of 100,000 steps draws a chart of ordinary size.
pub const MAX_ROWS: usize = 40;

/// What a ready step waited for before it started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    /// A fault of this kind to be detected (`after_fault`).
    Fault(FaultKindTag),
    /// The incident to reach this severity level.
    Level(usize),
    /// Its team to be paged and to acknowledge.
    Paged,
    /// A free person in its team (queued behind other work).
    Busy,
}

impl Wait {
    /// What the step waited for, as a phrase after "waited for".
    pub fn phrase(self, sc: &Scenario, step: usize) -> String {
        let team = &sc.teams[sc.steps[step].team].name;
        match self {
            Wait::Fault(kind) => format!("a {} fault to be detected", kind.name()),
            Wait::Level(l) => format!("level \"{}\"", sc.levels[l]),
            Wait::Paged => format!("team {team} to be paged"),
            Wait::Busy => format!("team {team} to be free"),
        }
    }

    /// The legend's word for this kind of wait (waits for the team, paged or busy, share one).
    pub fn legend_word(self) -> &'static str {
        match self {
            Wait::Fault(_) => "a detected fault",
            Wait::Level(_) => "a severity level",
            Wait::Paged | Wait::Busy => "the team",
        }
    }
}

/// Per step, what it waited for in the trial, in the order the waits began (repeats of the
/// same wait in a row counted once), from the trace's StepAwaitsFault, StepAwaitsLevel,
/// StepAwaitsTeam and StepQueued events.
pub fn waits(sc: &Scenario, r: &Representative) -> Vec<Vec<Wait>> {
    let mut out: Vec<Vec<Wait>> = vec![Vec::new(); sc.steps.len()];
    for (_, e) in &r.trace.events {
        let (step, w) = match e {
            Event::StepAwaitsFault { step, kind } => (*step, Wait::Fault(*kind)),
            Event::StepAwaitsLevel { step, level } => (*step, Wait::Level(*level)),
            Event::StepAwaitsTeam { step } => (*step, Wait::Paged),
            Event::StepQueued { step, .. } => (*step, Wait::Busy),
            _ => continue,
        };
        if out[step].last() != Some(&w) {
            out[step].push(w);
        }
    }
    out
}

/// What a step waited for, as shown in the table: `a power_loss fault to be detected, then
/// team rescue to be free`.
pub fn wait_text(sc: &Scenario, step: usize, waits: &[Wait]) -> String {
    waits.iter().map(|w| w.phrase(sc, step)).collect::<Vec<_>>().join(", then ")
}

/// The legend entry of waiting bars: `waiting for the team`, `waiting for a detected fault or
/// the team`, ... (the kinds seen in the trial, in a fixed order).
pub fn wait_legend(waits: &[Vec<Wait>]) -> String {
    let mut words: Vec<&str> = Vec::new();
    for word in ["a detected fault", "a severity level", "the team"] {
        if waits.iter().flatten().any(|w| w.legend_word() == word) {
            words.push(word);
        }
    }
    if words.is_empty() {
        words.push("the team");
    }
    format!("waiting for {}", words.join(" or "))
}

/// The steps for which `shown` holds, in order of start (then file order), split into those
/// given a row and the rest: at most [`MAX_ROWS`] rows, the trial's critical steps first,
/// then the earliest.
pub fn rows(sc: &Scenario, r: &Representative, shown: impl Fn(usize) -> bool) -> (Vec<usize>, Vec<usize>) {
    let o = &r.trace.outcome;
    let mut ran: Vec<usize> = (0..sc.steps.len()).filter(|&i| shown(i)).collect();
    ran.sort_by(|&a, &b| o.start[a].total_cmp(&o.start[b]).then(a.cmp(&b)));
    if ran.len() <= MAX_ROWS {
        return (ran, Vec::new());
    }
    let mut keep = vec![false; sc.steps.len()];
    let mut left = MAX_ROWS;
    for pass in [true, false] {
        for &i in &ran {
            if left > 0 && !keep[i] && (o.critical[i] || !pass) {
                keep[i] = true;
                left -= 1;
            }
        }
    }
    ran.into_iter().partition(|&i| keep[i])
}
