//! The measures of one record, named and defined as `drillsim run` defines them, so a drill's
//! value can be placed in the simulated distribution: time to detect (fault to first alert),
//! to acknowledge (first alert to first acknowledgement), each service's downtime (the sum of
//! its outages), longest outage and restoration (fault to up for good), recovery (every
//! service up for good), and each step's duration (its first start to its finish, retries
//! included, as the engine's start and finish times are).
//!
//! What the drill did not get to is censored, not missing: a step started but not finished
//! when the record ends lasted at least until the end; a service still down at the end was
//! down at least that long.

use super::{EventKind, Record, Subject};
use crate::model::{Scenario, TeamId};

/// One observed value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Observation {
    /// It took this long.
    Exact(f64),
    /// It took at least this long (the record ended first).
    AtLeast(f64),
}

impl Observation {
    /// The value (a lower bound when censored).
    pub fn value(self) -> f64 {
        match self {
            Observation::Exact(x) | Observation::AtLeast(x) => x,
        }
    }

    /// Whether the record ended before it did.
    pub fn censored(self) -> bool {
        matches!(self, Observation::AtLeast(_))
    }
}

/// A service's observed outages.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ServiceObserved {
    /// Minutes actually down (the sum of its outages).
    pub downtime: Observation,
    /// Its longest outage.
    pub longest_outage: Observation,
    /// Fault until up for good.
    pub restored: Observation,
}

/// A step as the drill did it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StepObserved {
    /// First start, minutes from the fault.
    pub start: Option<f64>,
    /// Finish (of the last attempt), minutes from the fault.
    pub finish: Option<f64>,
    /// Duration, first start to finish (censored if not finished).
    pub duration: Option<Observation>,
    /// Attempts started.
    pub attempts: u32,
    /// Skipped on purpose.
    pub skipped: bool,
    /// The team that did it, where the record says.
    pub team: Option<TeamId>,
}

/// Every measure a record has; `None` where the record says nothing of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Observed {
    /// Fault to first alert.
    pub detect: Option<Observation>,
    /// First alert to first acknowledgement.
    pub ack: Option<Observation>,
    /// Fault to every business service up for good.
    pub recovery: Option<Observation>,
    /// Per business service of the scenario (None: no event names it, so it never went down).
    pub services: Vec<Option<ServiceObserved>>,
    /// Per step of the plan.
    pub steps: Vec<StepObserved>,
    /// Steps the plan does not have (`+name`), with their start and finish.
    pub unplanned: Vec<(String, Option<f64>, Option<f64>)>,
    /// Minutes from the fault to the record's end.
    pub end: f64,
}

impl Observed {
    /// The measures of `record`, a record of `sc`.
    pub fn of(sc: &Scenario, record: &Record) -> Observed {
        let end = record.end();
        let first = |k: EventKind| record.events.iter().find(|e| e.kind == k).map(|e| e.time);
        let detected = first(EventKind::Detected);
        let detect = detected.map(Observation::Exact);
        let ack = match (detected, first(EventKind::Acked)) {
            (Some(d), Some(a)) => Some(Observation::Exact((a - d).max(0.0))),
            _ => None,
        };
        let services: Vec<Option<ServiceObserved>> = (0..sc.services.len()).map(|s| service(record, s, end)).collect();
        let recovery = if sc.services.is_empty() {
            // As the engine measures it without business services: fault to the finish of
            // the plan's last step; at least the record's end while a step still runs.
            let started: Vec<_> = record
                .events
                .iter()
                .filter(|e| matches!(e.subject, Subject::Step(_)) && e.kind == EventKind::StepStarted)
                .collect();
            let finished = |s: &Subject| {
                record
                    .events
                    .iter()
                    .rev()
                    .find(|e| &e.subject == s && matches!(e.kind, EventKind::StepFinished | EventKind::StepFailed))
                    .filter(|e| e.kind == EventKind::StepFinished)
                    .map(|e| e.time)
            };
            let mut last: Option<f64> = None;
            let mut running = false;
            for e in &started {
                match finished(&e.subject) {
                    Some(f) => last = Some(last.map_or(f, |l: f64| l.max(f))),
                    None => running = true,
                }
            }
            match (running, last) {
                (true, _) => Some(Observation::AtLeast(end)),
                (false, Some(f)) => Some(Observation::Exact(f)),
                (false, None) => None,
            }
        } else if services.iter().all(Option::is_none) {
            None
        } else {
            let restored = services.iter().flatten().map(|s| s.restored);
            let value = restored.clone().map(Observation::value).fold(0.0, f64::max);
            Some(if restored.into_iter().any(Observation::censored) {
                Observation::AtLeast(value)
            } else {
                Observation::Exact(value)
            })
        };
        let mut steps = vec![StepObserved::default(); sc.steps.len()];
        let mut unplanned: Vec<(String, Option<f64>, Option<f64>)> = Vec::new();
        for e in &record.events {
            match &e.subject {
                Subject::Step(s) => {
                    let st = &mut steps[*s];
                    match e.kind {
                        EventKind::StepStarted => {
                            st.start.get_or_insert(e.time);
                            st.attempts += 1;
                            st.team = e.team.or(st.team);
                        }
                        EventKind::StepFinished => st.finish = Some(e.time),
                        EventKind::StepSkipped => st.skipped = true,
                        _ => {}
                    }
                }
                Subject::Unplanned(n) => {
                    let i = unplanned.iter().position(|u| &u.0 == n).unwrap_or_else(|| {
                        unplanned.push((n.clone(), None, None));
                        unplanned.len() - 1
                    });
                    match e.kind {
                        EventKind::StepStarted => {
                            unplanned[i].1.get_or_insert(e.time);
                        }
                        EventKind::StepFinished => unplanned[i].2 = Some(e.time),
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        for st in &mut steps {
            st.duration = match (st.start, st.finish) {
                (Some(s), Some(f)) => Some(Observation::Exact(f - s)),
                (Some(s), None) => Some(Observation::AtLeast(end - s)),
                _ => None,
            };
        }
        Observed {
            detect,
            ack,
            recovery,
            services,
            steps,
            unplanned,
            end,
        }
    }
}

/// Service `s`'s outages in the record: a `service_up` with no `service_down` before it means
/// down since the fault; one still down at the end is censored there.
fn service(record: &Record, s: usize, end: f64) -> Option<ServiceObserved> {
    let mut events = record.events.iter().filter(|e| e.subject == Subject::Service(s)).peekable();
    events.peek()?;
    let mut down_since = None;
    let (mut total, mut longest, mut restored) = (0.0f64, 0.0f64, 0.0f64);
    let mut first = true;
    for e in events {
        match e.kind {
            EventKind::ServiceDown => down_since = Some(e.time),
            EventKind::ServiceUp => {
                let from = down_since.take().unwrap_or(if first { 0.0 } else { e.time });
                total += e.time - from;
                longest = longest.max(e.time - from);
                restored = e.time;
            }
            _ => {}
        }
        first = false;
    }
    Some(match down_since {
        Some(from) => ServiceObserved {
            downtime: Observation::AtLeast(total + end - from),
            longest_outage: Observation::AtLeast(longest.max(end - from)),
            restored: Observation::AtLeast(end),
        },
        None => ServiceObserved {
            downtime: Observation::Exact(total),
            longest_outage: Observation::Exact(longest),
            restored: Observation::Exact(restored),
        },
    })
}
