//! Drill records: what happened in one real drill or incident, read from a file a drill leader
//! wrote by hand or an incident tool exported, checked against the scenario it rehearsed.
//!
//! A record is a list of timed events (the fault, detection, paging, acknowledgements, each
//! step's start and finish, services going down and coming back, the close), every time in
//! minutes from the first fault, the same origin as `drillsim run` and `trace` measure from.
//! [`observed`] turns the events into the measures `run` reports (recovery, detect, ack, each
//! service's downtime, each step's duration), marking what the drill did not get to as
//! censored (at least this long) rather than missing.
//!
//! Formats ([`parse`]; a file is read by [`load`]): the long CSV form
//! `time,event,subject,outcome,note` (plus an optional `team` column), the short CSV form
//! `step,start,end,outcome` for hand entry, and JSON Lines with the long form's fields. A record is read whole, parsed, then checked: names against
//! the scenario, times in order, each step started before it finishes, no event twice.
//! What hand-written files hold is read as meant: a byte order mark, header and event names
//! in any case, trailing empty fields, comment lines among the rows (positions stay right),
//! short-form clock times past midnight; a drill stopped early says so (`stopped`).

mod checker;
mod load;
pub mod observed;
pub mod pagerduty;
pub mod parse;
pub mod simulated;
mod time;

use std::path::PathBuf;

use crate::model::{StepId, TeamId};

pub use load::{MAX_RECORD_BYTES, load, load_str, read_text};
pub use observed::{Observation, Observed};

/// What happened, as the record's `event` column names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// The fault happened (the origin of every time when it is the first).
    Fault,
    /// A monitor or a person noticed it (the first alert).
    Detected,
    /// A team was paged.
    Paged,
    /// A team acknowledged.
    Acked,
    /// A page went up a level of a team's escalation.
    Escalated,
    /// A step began.
    StepStarted,
    /// A step ended and did what it should.
    StepFinished,
    /// A step's attempt failed (it may be started again).
    StepFailed,
    /// A step was not done, on purpose.
    StepSkipped,
    /// A business service became unavailable.
    ServiceDown,
    /// A business service was back.
    ServiceUp,
    /// The incident was declared over.
    Closed,
    /// The drill stopped before the close (the hour was up, the people were needed): what
    /// still ran is censored here, and nothing comes after it.
    Stopped,
}

impl EventKind {
    /// Every event, with the name a record uses for it.
    pub const ALL: [(&'static str, EventKind); 13] = [
        ("fault", EventKind::Fault),
        ("detected", EventKind::Detected),
        ("paged", EventKind::Paged),
        ("acked", EventKind::Acked),
        ("escalated", EventKind::Escalated),
        ("step_started", EventKind::StepStarted),
        ("step_finished", EventKind::StepFinished),
        ("step_failed", EventKind::StepFailed),
        ("step_skipped", EventKind::StepSkipped),
        ("service_down", EventKind::ServiceDown),
        ("service_up", EventKind::ServiceUp),
        ("closed", EventKind::Closed),
        ("stopped", EventKind::Stopped),
    ];

    /// The event of this name.
    pub fn from_name(name: &str) -> Option<EventKind> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
    }

    /// The name a record uses.
    pub fn name(self) -> &'static str {
        Self::ALL.iter().find(|(_, k)| *k == self).map_or("?", |(n, _)| n)
    }

    /// Whether the event's subject is a step.
    pub fn is_step(self) -> bool {
        matches!(
            self,
            EventKind::StepStarted | EventKind::StepFinished | EventKind::StepFailed | EventKind::StepSkipped
        )
    }
}

/// What an event is about, resolved against the scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// Nothing named (the incident as a whole).
    None,
    /// A fault of the scenario (by index into its topology's faults).
    Fault(usize),
    /// A monitor of the scenario (by index into its detection's monitors).
    Monitor(usize),
    /// A team.
    Team(TeamId),
    /// A step of the plan.
    Step(StepId),
    /// A step the plan does not have (written with a leading `+`: an improvised step).
    Unplanned(String),
    /// A business service (by index into the scenario's services).
    Service(usize),
}

/// One row of a record.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordEvent {
    /// Minutes from the first fault.
    pub time: f64,
    /// What happened.
    pub kind: EventKind,
    /// What it happened to.
    pub subject: Subject,
    /// The team that did it, where the record says (a step done by another team than its
    /// owner is a departure from the plan).
    pub team: Option<TeamId>,
    /// The row's `outcome` text, as written.
    pub outcome: String,
    /// The row's `note` text, as written.
    pub note: String,
    /// 1-based line of the row in the file.
    pub line: usize,
}

/// A whole drill record, checked against its scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// The file it was read from.
    pub path: PathBuf,
    /// The events in the file's order (which is time order).
    pub events: Vec<RecordEvent>,
    /// Wall-clock time of the first fault (minutes after midnight), where the record gives one.
    pub start_clock: Option<f64>,
    /// The record's date as written (`# date:`), if any.
    pub date: Option<String>,
}

impl Record {
    /// Minutes from the first fault to the record's end: the `closed` or `stopped` event,
    /// else its last event.
    pub fn end(&self) -> f64 {
        self.events.iter().map(|e| e.time).fold(0.0, f64::max)
    }

    /// Whether the record runs to the incident's close (a tabletop of the first hour does not).
    pub fn closed(&self) -> bool {
        self.events.iter().any(|e| e.kind == EventKind::Closed)
    }

    /// The file name used as the record's key in JSON and tables.
    pub fn name(&self) -> String {
        self.path
            .file_name()
            .map_or_else(|| self.path.display().to_string(), |n| n.to_string_lossy().into_owned())
    }
}
