//! Checking a drill record's rows, whatever form they were written in: names resolved against
//! the scenario, times in order, each step started before it finishes, no event twice.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::parse::{Field, Header, Row, err};
use super::time::{self, Timeline};
use super::{EventKind, Record, RecordEvent, Subject};
use crate::error::{RecordError, RecordErrorKind as Kind, similar};
use crate::model::Scenario;

/// The record of `rows` (read from `path`, with its `header`), checked against `sc`.
pub(super) fn check(path: &Path, sc: &Scenario, header: Header, rows: Vec<Row>) -> Result<Record, RecordError> {
    Checker::new(path, sc, header)?.check(rows)
}

/// Where each step and service stands as the rows go by.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
enum StepState {
    #[default]
    NotStarted,
    Running,
    Failed,
    Finished,
    Skipped,
}

/// The checks every form goes through.
struct Checker<'a> {
    path: PathBuf,
    sc: &'a Scenario,
    timeline: Timeline,
    header: Header,
    steps: Vec<StepState>,
    unplanned: Vec<(String, StepState)>,
    down: Vec<Option<bool>>,
    seen: HashSet<(EventKind, String)>,
    closed: Option<usize>,
    /// The `stopped` row's line and time, once seen.
    stopped: Option<(usize, f64)>,
    faulted: bool,
}

impl<'a> Checker<'a> {
    fn new(path: &Path, sc: &'a Scenario, header: Header) -> Result<Self, RecordError> {
        let mut timeline = Timeline::default();
        if let Some((s, ..)) = &header.start {
            timeline.origin = time::clock(s).ok();
        }
        Ok(Checker {
            path: path.to_path_buf(),
            sc,
            timeline,
            header,
            steps: vec![StepState::NotStarted; sc.steps.len()],
            unplanned: Vec::new(),
            down: vec![None; sc.services.len()],
            seen: HashSet::new(),
            closed: None,
            stopped: None,
            faulted: false,
        })
    }

    fn err(&self, kind: Kind, at: (usize, usize), message: String, help: Option<String>) -> RecordError {
        err(&self.path, kind, at, message, help)
    }

    fn check(mut self, rows: Vec<Row>) -> Result<Record, RecordError> {
        let mut events = Vec::with_capacity(rows.len());
        for row in rows {
            events.push(self.event(row)?);
        }
        if events.is_empty() {
            return Err(RecordError {
                kind: Kind::Empty,
                path: self.path,
                position: None,
                message: "the record has no events".into(),
                help: Some("write one event a row under the header, e.g. `0m,fault,db-crash,,`".into()),
            });
        }
        Ok(Record {
            path: self.path,
            events,
            start_clock: self.timeline.origin,
            date: self.header.date,
        })
    }

    fn event(&mut self, row: Row) -> Result<RecordEvent, RecordError> {
        // Hand-written event names: any case, a space or a dash for the underscore.
        let written: String = row
            .event
            .text
            .trim()
            .chars()
            .map(|c| if c == ' ' || c == '-' { '_' } else { c.to_ascii_lowercase() })
            .collect();
        let kind = EventKind::from_name(&written).ok_or_else(|| {
            let names: Vec<&str> = EventKind::ALL.iter().map(|(n, _)| *n).collect();
            let close = names.iter().find(|n| similar(&row.event.text, n));
            self.err(
                Kind::UnknownEvent,
                (row.line, row.event.col),
                format!("unknown event `{}`", row.event.text),
                Some(match close {
                    Some(n) => format!("did you mean `{n}`?"),
                    None => format!("events: {}", names.join(", ")),
                }),
            )
        })?;
        if let Some(line) = self.closed {
            return Err(self.err(
                Kind::Order,
                (row.line, row.event.col),
                format!("`{}` after the incident was closed (line {line})", kind.name()),
                Some("the `closed` row is the record's last".into()),
            ));
        }
        let time = self.time(&row, kind)?;
        if let Some((line, stop)) = self.stopped {
            return Err(self.err(
                Kind::Order,
                (row.line, row.time.col),
                format!(
                    "`{}` at {} is after the drill stopped (line {line}, {})",
                    kind.name(),
                    crate::text::clock(time),
                    crate::text::clock(stop)
                ),
                Some("a stopped drill's record ends at the stop: move the stop, or delete this row".into()),
            ));
        }
        let subject = self.subject(&row, kind)?;
        let team = self.team(&row.team, row.line)?;
        self.order(&row, kind, &subject, time)?;
        if kind == EventKind::Closed {
            self.closed = Some(row.line);
        }
        if kind == EventKind::Stopped {
            self.stopped = Some((row.line, time));
        }
        Ok(RecordEvent {
            time,
            kind,
            subject,
            team,
            outcome: row.outcome,
            note: row.note,
            line: row.line,
        })
    }

    fn time(&mut self, row: &Row, kind: EventKind) -> Result<f64, RecordError> {
        let at = (row.line, row.time.col);
        let first_fault = kind == EventKind::Fault && !self.faulted;
        self.faulted |= kind == EventKind::Fault;
        let t = match row.placed {
            Some(t) => t,
            None => {
                let w = time::read(&row.time.text).map_err(|e| self.err(Kind::BadTime, at, e, None))?;
                self.timeline
                    .place(w, first_fault)
                    .map_err(|e| self.err(Kind::BadTime, at, e, None))?
            }
        };
        // Every time counts from the first fault: a first fault anywhere but at 0 would
        // shift every measure by the difference.
        if first_fault && t.abs() > 1e-9 {
            let written = row.time.text.trim();
            return Err(match &self.header.start {
                Some((s, line, _)) => self.err(
                    Kind::BadTime,
                    at,
                    format!("the first fault is at {written}, but `# start: {s}` (line {line}) says it was at {s}"),
                    Some("`# start:` is the first fault's clock time: correct one of the two, or delete the `# start:` line".into()),
                ),
                None => self.err(
                    Kind::BadTime,
                    at,
                    format!("the first fault is at {written}, but times count from the first fault: it is at 0m"),
                    Some("write 0m for the first fault and count every other row from it".into()),
                ),
            });
        }
        let show = crate::text::clock(t.abs());
        if t < -1e-9 {
            return Err(self.err(
                Kind::Backwards,
                at,
                format!("time {} is {show} before the first fault", row.time.text.trim()),
                Some("times count from the first fault: nothing in a record comes before it".into()),
            ));
        }
        if t < self.timeline.last - 1e-9 {
            return Err(self.err(
                Kind::Backwards,
                at,
                format!(
                    "time {} ({show} after the fault) is before the previous row's ({})",
                    row.time.text.trim(),
                    crate::text::clock(self.timeline.last)
                ),
                Some("rows are in time order: move this row up, or correct its time".into()),
            ));
        }
        self.timeline.last = t;
        Ok(t)
    }

    fn subject(&self, row: &Row, kind: EventKind) -> Result<Subject, RecordError> {
        let name = row.subject.text.trim();
        let at = (row.line, row.subject.col);
        let sc = self.sc;
        let lookup = |what: &str, names: Vec<&str>| -> Result<usize, RecordError> {
            if let Some(i) = names.iter().position(|n| *n == name) {
                return Ok(i);
            }
            let help = match names.iter().find(|n| similar(name, n)) {
                Some(n) => format!("did you mean `{n}`?"),
                None => format!("the scenario's {what}s: {}", names.join(", ")),
            };
            let message = if name.is_empty() {
                format!("`{}` needs a {what} as its subject", kind.name())
            } else {
                format!("unknown {what} `{name}`")
            };
            Err(self.err(
                if name.is_empty() { Kind::Missing } else { Kind::UnknownName },
                at,
                message,
                Some(help),
            ))
        };
        use EventKind as E;
        Ok(match kind {
            E::Fault if name.is_empty() => Subject::None,
            E::Fault => Subject::Fault(lookup("fault", sc.topology.faults.iter().map(|f| f.id.as_str()).collect())?),
            E::Detected if name.is_empty() => Subject::None,
            E::Detected => {
                let monitors: Vec<&str> = sc.detection.monitors.iter().map(|m| m.name.as_str()).collect();
                if let Some(i) = monitors.iter().position(|m| *m == name) {
                    Subject::Monitor(i)
                } else {
                    let mut all: Vec<&str> = sc.topology.faults.iter().map(|f| f.id.as_str()).collect();
                    let faults = all.len();
                    all.extend(monitors);
                    let i = lookup("fault or monitor", all)?;
                    if i < faults {
                        Subject::Fault(i)
                    } else {
                        Subject::Monitor(i - faults)
                    }
                }
            }
            E::Paged | E::Acked | E::Escalated => Subject::Team(lookup("team", sc.teams.iter().map(|t| t.name.as_str()).collect())?),
            E::StepStarted | E::StepFinished | E::StepFailed | E::StepSkipped => match name.strip_prefix('+') {
                Some(extra) if !extra.trim().is_empty() => Subject::Unplanned(extra.trim().to_string()),
                _ => Subject::Step(lookup("step", sc.steps.iter().map(|s| s.id.as_str()).collect()).map_err(|mut e| {
                    if e.kind == Kind::UnknownName {
                        let h = e.help.take().unwrap_or_default();
                        e.help = Some(format!(
                            "{h} (a step the plan does not have is written with a leading +, e.g. `+{name}`)"
                        ));
                    }
                    e
                })?),
            },
            E::ServiceDown | E::ServiceUp => {
                Subject::Service(lookup("business service", sc.services.iter().map(|s| s.name.as_str()).collect())?)
            }
            E::Closed | E::Stopped if name.is_empty() => Subject::None,
            E::Closed | E::Stopped => {
                return Err(self.err(
                    Kind::Rule,
                    at,
                    format!("`{}` has no subject", kind.name()),
                    Some("leave the subject empty".into()),
                ));
            }
        })
    }

    fn team(&self, f: &Field, line: usize) -> Result<Option<usize>, RecordError> {
        let name = f.text.trim();
        if name.is_empty() {
            return Ok(None);
        }
        let names: Vec<&str> = self.sc.teams.iter().map(|t| t.name.as_str()).collect();
        match names.iter().position(|n| *n == name) {
            Some(i) => Ok(Some(i)),
            None => Err(self.err(
                Kind::UnknownName,
                (line, f.col),
                format!("unknown team `{name}`"),
                Some(match names.iter().find(|n| similar(name, n)) {
                    Some(n) => format!("did you mean `{n}`?"),
                    None => format!("the scenario's teams: {}", names.join(", ")),
                }),
            )),
        }
    }

    /// Steps start before they end and once at a time; services go down before they come
    /// back; nothing happens twice that cannot.
    fn order(&mut self, row: &Row, kind: EventKind, subject: &Subject, time: f64) -> Result<(), RecordError> {
        let at = (row.line, row.event.col);
        let key = (kind, format!("{subject:?}@{time}"));
        if !self.seen.insert(key) {
            return Err(self.err(
                Kind::Duplicate,
                at,
                format!("the same `{}` event twice at the same time", kind.name()),
                Some("delete one of the two rows".into()),
            ));
        }
        let once = matches!(kind, EventKind::Fault | EventKind::Acked | EventKind::Closed | EventKind::Stopped);
        if once && !self.seen.insert((kind, format!("{subject:?}"))) {
            let what = match kind {
                EventKind::Fault => "this fault happens",
                EventKind::Acked => "this team acknowledges",
                EventKind::Stopped => "the drill stops",
                _ => "the incident closes",
            };
            return Err(self.err(
                Kind::Duplicate,
                at,
                format!("`{}` twice: {what} once", kind.name()),
                Some("delete the later row".into()),
            ));
        }
        let state = match subject {
            Subject::Step(s) => Some(&mut self.steps[*s]),
            Subject::Unplanned(n) => {
                let i = match self.unplanned.iter().position(|(m, _)| m == n) {
                    Some(i) => i,
                    None => {
                        self.unplanned.push((n.clone(), StepState::NotStarted));
                        self.unplanned.len() - 1
                    }
                };
                Some(&mut self.unplanned[i].1)
            }
            _ => None,
        };
        if let Some(state) = state {
            let name = row.subject.text.trim().to_string();
            let next = step_transition(*state, kind)
                .map_err(|(m, h)| err(&self.path, Kind::Order, at, format!("step {name} {m}"), Some(h.into())))?;
            *state = next;
        }
        if let Subject::Service(s) = subject {
            let was_down = self.down[*s];
            let name = &self.sc.services[*s].name;
            match (kind, was_down) {
                (EventKind::ServiceDown, Some(true)) => {
                    return Err(self.err(
                        Kind::Duplicate,
                        at,
                        format!("service {name} goes down twice without coming back"),
                        Some("add its service_up row between, or delete this one".into()),
                    ));
                }
                (EventKind::ServiceUp, Some(false)) => {
                    return Err(self.err(
                        Kind::Duplicate,
                        at,
                        format!("service {name} comes back twice without going down"),
                        Some("add its service_down row between, or delete this one".into()),
                    ));
                }
                _ => {}
            }
            self.down[*s] = Some(kind == EventKind::ServiceDown);
        }
        Ok(())
    }
}

/// A step's next state, or what is wrong and what to do.
fn step_transition(s: StepState, kind: EventKind) -> Result<StepState, (&'static str, &'static str)> {
    use EventKind as E;
    use StepState as S;
    match (s, kind) {
        (S::NotStarted | S::Failed, E::StepStarted) => Ok(S::Running),
        (S::Running, E::StepFinished) => Ok(S::Finished),
        (S::Running, E::StepFailed) => Ok(S::Failed),
        (S::NotStarted, E::StepSkipped) => Ok(S::Skipped),
        (S::NotStarted, E::StepFinished | E::StepFailed) => Err(("ends before it started", "add its step_started row above this one")),
        (S::Failed, E::StepFinished | E::StepFailed) => Err((
            "ends again after it failed, without starting again",
            "add a step_started row for the new attempt",
        )),
        (S::Running, E::StepStarted) => Err((
            "starts twice without finishing or failing",
            "delete one start, or add step_failed between the attempts",
        )),
        (S::Finished, E::StepStarted) => Err(("starts again after it finished", "a step finishes once: delete one of the attempts")),
        (S::Finished, _) => Err(("has another event after it finished", "delete the later row")),
        (S::Skipped, _) => Err(("has another event after it was skipped", "a skipped step is not started")),
        (S::Running | S::Failed, E::StepSkipped) => Err(("is skipped after it started", "write step_failed instead, or delete the start")),
        _ => Err(("has an event out of order", "check the step's rows")),
    }
}
