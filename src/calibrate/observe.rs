//! What the records say about each duration of the scenario that calibration fits: every
//! attempt of a step, each escalation level's time to acknowledge, each monitor's delay.
//!
//! **Steps.** The plan's `duration` is one attempt's (a failed attempt is drawn again), so a
//! record is read attempt by attempt: `step_started` to `step_failed` or `step_finished` is one
//! exact observation; an attempt still open when the record ends lasted at least until then
//! (right-censored). A step that took 0 minutes took less than the record can tell: at most
//! [`RESOLUTION`]. A step that restores a store is not fitted: its observed time also holds the
//! store's own restore time, a separate distribution.
//!
//! **Off hours.** The engine multiplies a team's step durations and acknowledgement delays by
//! its `off_hours.slower` when the step (or page) starts off hours; a record's values are
//! divided by the same factor, from the record's clock time (`# start:`), else the scenario's
//! fixed `[exercise] start`. A record without a clock time for a scenario that starts at any
//! hour is read as working hours, and said.
//!
//! **Acknowledgements.** A team's page starts at its first `paged` row (the first responder's,
//! at the first `detected` row when it has none); each `escalated` row of the team before its
//! `acked` row moves the page one level on (and round again when the policy repeats). The
//! level that acknowledged gets one exact observation: from its page (the last escalation, or
//! the page) to the acknowledgement. A page never acknowledged in the record says nothing of a
//! delay (the level may not have answered at all, its `ack` chance) and is not used; nor is an
//! acknowledgement after every level timed out (the last resort).
//!
//! **Detection.** A monitor's delay runs from the fault, so it is fitted only in a scenario
//! with at most one fault (with several, a record does not say which fault an alert answered).
//! The monitor that raised the first alert is the one the `detected` row names, or, when it
//! names none, the only monitor that could have (no other monitor, no customer reports
//! `fallback`); its delay is an exact observation. Every other monitor that watches that kind
//! of fault and never misses (`miss = 0`) was slower: at least that long. A monitor that may
//! miss is not given that bound (its silence may be a miss). Symptom monitors, whose delay
//! runs from the symptom's onset, and customer reports are not fitted.

use std::collections::BTreeMap;

use super::fit::Obs;
use crate::drill::{EventKind, Record, Subject};
use crate::model::{Clock, Dist, Effect, Scenario, StepId, TeamId};

/// A recorded duration of 0 took less than this many minutes (a record written to the minute).
pub const RESOLUTION: f64 = 1.0;

/// A duration of the scenario that calibration can fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    /// A step's `duration`.
    Step(StepId),
    /// The `ack_delay` of one level of a team's escalation.
    Ack {
        /// The team.
        team: TeamId,
        /// The level (0-based).
        level: usize,
    },
    /// A monitor's `delay` (by index into the detection's monitors).
    Detect(usize),
}

impl Target {
    /// The stable key used in the terminal table and in JSON: `steps.<id>`,
    /// `ack.<team>.<level name>`, `detect.<monitor>`.
    pub fn key(&self, sc: &Scenario) -> String {
        match *self {
            Target::Step(s) => format!("steps.{}", sc.steps[s].id),
            Target::Ack { team, level } => {
                let t = &sc.teams[team];
                format!("ack.{}.{}", t.name, t.escalation.levels[level].name)
            }
            Target::Detect(m) => format!("detect.{}", sc.detection.monitors[m].name),
        }
    }

    /// The distribution the scenario has for it now.
    pub fn current<'a>(&self, sc: &'a Scenario) -> &'a Dist {
        match *self {
            Target::Step(s) => &sc.steps[s].duration,
            Target::Ack { team, level } => &sc.teams[team].escalation.levels[level].ack_delay,
            Target::Detect(m) => &sc.detection.monitors[m].delay,
        }
    }
}

/// Observations per target, and what was not used, with why.
#[derive(Clone, Debug, Default)]
pub struct Evidence {
    /// Observations of each target that has any, in minutes (off-hours factor removed).
    pub obs: BTreeMap<Target, Vec<Obs>>,
    /// Targets that are not fitted whatever the records say, with the reason.
    pub excluded: BTreeMap<Target, String>,
    /// What the records had that was not used, each with the records it concerns.
    pub notes: BTreeMap<String, Vec<String>>,
}

impl Evidence {
    fn push(&mut self, t: Target, o: Obs) {
        let o = match o {
            Obs::Exact(x) if x <= 0.0 => Obs::AtMost(RESOLUTION),
            o => o,
        };
        if let Obs::AtLeast(x) = o
            && x <= 0.0
        {
            return; // at least no time: nothing learnt
        }
        self.obs.entry(t).or_default().push(o);
    }

    fn note(&mut self, what: String, record: &Record) {
        let names = self.notes.entry(what).or_default();
        let n = record.name();
        if !names.contains(&n) {
            names.push(n);
        }
    }
}

fn scaled(o: Obs, k: f64) -> Obs {
    match o {
        Obs::Exact(x) => Obs::Exact(x / k),
        Obs::AtLeast(x) => Obs::AtLeast(x / k),
        Obs::AtMost(x) => Obs::AtMost(x / k),
    }
}

/// Everything the records say of the scenario's fitted durations.
pub fn gather(sc: &Scenario, records: &[Record]) -> Evidence {
    let mut ev = Evidence::default();
    for (i, s) in sc.steps.iter().enumerate() {
        if let Some(Effect::Restore(st)) = s.effects.iter().find(|e| matches!(e, Effect::Restore(_))) {
            ev.excluded.insert(
                Target::Step(i),
                format!(
                    "it restores store {}: its observed time holds the store's restore time too",
                    sc.stores[*st].name
                ),
            );
        }
    }
    for r in records {
        let clock0 = clock_of(sc, r, &mut ev);
        steps(sc, r, clock0, &mut ev);
        acks(sc, r, clock0, &mut ev);
        detection(sc, r, &mut ev);
    }
    for t in ev.excluded.keys() {
        ev.obs.remove(t);
    }
    ev
}

/// The clock time (minutes after midnight) of the record's first fault, where it matters.
fn clock_of(sc: &Scenario, r: &Record, ev: &mut Evidence) -> Option<f64> {
    sc.start?;
    if !sc.teams.iter().any(|t| t.off_hours.is_some()) {
        return None;
    }
    match (r.start_clock, sc.start) {
        (Some(c), _) => Some(c),
        (None, Some(Clock::At(c))) => Some(c),
        _ => {
            ev.note(
                "no clock time (`# start:`) in the record, and the scenario starts at any hour: its \
                 times of teams that are slower off hours are read as working-hours times"
                    .into(),
                r,
            );
            None
        }
    }
}

/// The engine's off-hours factor of `team` at `t` minutes after the fault.
fn slower(sc: &Scenario, team: TeamId, clock0: Option<f64>, t: f64) -> f64 {
    match (sc.teams[team].off_hours, clock0) {
        (Some(o), Some(c)) if o.contains((c + t).rem_euclid(1440.0)) => o.slower,
        _ => 1.0,
    }
}

fn steps(sc: &Scenario, r: &Record, clock0: Option<f64>, ev: &mut Evidence) {
    let end = r.end();
    // Per step: the open attempt's start and team.
    let mut open: BTreeMap<StepId, (f64, TeamId)> = BTreeMap::new();
    for e in &r.events {
        let Subject::Step(s) = e.subject else { continue };
        match e.kind {
            EventKind::StepStarted => {
                open.insert(s, (e.time, e.team.unwrap_or(sc.steps[s].team)));
            }
            EventKind::StepFailed | EventKind::StepFinished => {
                if let Some((t0, team)) = open.remove(&s) {
                    ev.push(Target::Step(s), scaled(Obs::Exact(e.time - t0), slower(sc, team, clock0, t0)));
                }
            }
            _ => {}
        }
    }
    for (s, (t0, team)) in open {
        ev.push(Target::Step(s), scaled(Obs::AtLeast(end - t0), slower(sc, team, clock0, t0)));
    }
}

fn acks(sc: &Scenario, r: &Record, clock0: Option<f64>, ev: &mut Evidence) {
    let first_detected = r.events.iter().find(|e| e.kind == EventKind::Detected).map(|e| e.time);
    for (team, t) in sc.teams.iter().enumerate() {
        let of = |k: EventKind| r.events.iter().filter(move |e| e.kind == k && e.subject == Subject::Team(team));
        let paged = of(EventKind::Paged).next().map(|e| e.time);
        let Some(start) = paged.or(if team == sc.first_responder { first_detected } else { None }) else {
            continue;
        };
        let Some(ack) = of(EventKind::Acked).map(|e| e.time).find(|&a| a >= start) else {
            ev.note(
                format!("team {} was paged but did not acknowledge in the record: not used", t.name),
                r,
            );
            continue;
        };
        let escalations: Vec<f64> = of(EventKind::Escalated)
            .map(|e| e.time)
            .filter(|&x| x >= start && x <= ack)
            .collect();
        let levels = t.escalation.levels.len();
        let passes = t.escalation.repeat as usize + 1;
        if levels == 0 || escalations.len() >= levels * passes {
            ev.note(
                format!(
                    "team {} acknowledged after every level timed out (the last resort): not used",
                    t.name
                ),
                r,
            );
            continue;
        }
        let level = escalations.len() % levels;
        let from = escalations.last().copied().unwrap_or(start);
        ev.push(
            Target::Ack { team, level },
            scaled(Obs::Exact(ack - from), slower(sc, team, clock0, from)),
        );
    }
}

fn detection(sc: &Scenario, r: &Record, ev: &mut Evidence) {
    let Some(first) = r.events.iter().find(|e| e.kind == EventKind::Detected) else {
        return;
    };
    let faults = &sc.topology.faults;
    if faults.len() > 1 {
        ev.note(
            format!(
                "detection delays are not fitted: the scenario injects {} faults and a record does not \
                 say which fault its first alert answered",
                faults.len()
            ),
            r,
        );
        return;
    }
    let mons = &sc.detection.monitors;
    // Monitors that race to raise the first alert of this scenario's fault.
    let racers: Vec<usize> = (0..mons.len())
        .filter(|&m| mons[m].watches.is_none() && faults.first().is_none_or(|f| mons[m].sees.contains(&f.kind.tag())))
        .collect();
    let symptoms = mons.iter().any(|m| m.watches.is_some());
    let who = match first.subject {
        Subject::Monitor(m) => Some(m),
        _ if racers.len() == 1 && !symptoms && sc.detection.fallback.is_none() => Some(racers[0]),
        _ => {
            ev.note(
                "the `detected` row names no monitor, and more than one monitor (or customer reports) \
                 could have raised the alert: name the monitor in its subject to have its delay fitted"
                    .into(),
                r,
            );
            None
        }
    };
    let Some(m) = who else { return };
    if mons[m].watches.is_some() {
        ev.note(
            format!(
                "monitor {} watches a symptom: its delay runs from the symptom's onset, which a record \
                 does not give; not fitted",
                mons[m].name
            ),
            r,
        );
        return;
    }
    ev.push(Target::Detect(m), Obs::Exact(first.time));
    for &c in racers.iter().filter(|&&c| c != m) {
        if mons[c].miss == 0.0 {
            ev.push(Target::Detect(c), Obs::AtLeast(first.time));
        } else {
            ev.note(
                format!(
                    "monitor {} was beaten by {} but may miss (miss = {}): its silence is not read as a \
                     slow alert",
                    mons[c].name, mons[m].name, mons[c].miss
                ),
                r,
            );
        }
    }
}
