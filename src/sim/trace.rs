//! One trial as a timeline a drill leader can read aloud.

use std::fmt::Write as _;

use super::{Event, Observer, TrialOutcome, Workspace, rng::TrialStreams, run_trial};
use crate::model::Scenario;

/// Collects a trial's events in the order they happen.
#[derive(Debug, Default)]
pub struct Recorder {
    /// `(time, order of emission, event)`, sorted by time then emission by [`Recorder::sorted`].
    pub events: Vec<(f64, usize, Event)>,
}

impl Observer for Recorder {
    const ACTIVE: bool = true;
    fn on(&mut self, t: f64, event: Event) {
        let n = self.events.len();
        self.events.push((t, n, event));
    }
}

impl Recorder {
    /// Events in time order; events at the same time keep the order the engine made them in.
    pub fn sorted(mut self) -> Vec<(f64, Event)> {
        self.events.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        self.events.into_iter().map(|(t, _, e)| (t, e)).collect()
    }
}

/// A replayed trial: its events in time order and what it measured.
#[derive(Debug)]
pub struct Trace {
    /// Events in time order.
    pub events: Vec<(f64, Event)>,
    /// The trial's measures, identical to what the batch counted for it.
    pub outcome: TrialOutcome,
}

/// Replay trial `trial` of a run seeded with `seed`.
pub fn replay(sc: &Scenario, seed: u64, trial: u64) -> Trace {
    let mut ws = Workspace::new(sc);
    let mut rec = Recorder::default();
    run_trial(sc, TrialStreams::new(seed, trial), &mut ws, &mut rec);
    Trace {
        events: rec.sorted(),
        outcome: ws.out,
    }
}

/// `h:mm:ss` since the fault.
pub fn clock(minutes: f64) -> String {
    let s = (minutes * 60.0).round() as u64;
    format!("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

/// Minutes as a short human duration ("4m 30s", "2h 05m").
pub fn human(minutes: f64) -> String {
    let s = (minutes * 60.0).round() as u64;
    if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m {:02}s", s / 60, s % 60)
    } else {
        format!("{}h {:02}m", s / 3600, (s / 60) % 60)
    }
}

/// The timeline as text, one line per event, then the trial's measures.
pub fn render(sc: &Scenario, seed: u64, trial: u64, tr: &Trace) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} - seed {seed}, trial {trial}", sc.name);
    let _ = writeln!(out, "time since fault, what happens");
    for (t, e) in &tr.events {
        let line = match e {
            Event::Fault => "fault injected".to_string(),
            Event::Alert { by_fallback: false } => "alert: monitoring detects the fault".to_string(),
            Event::Alert { by_fallback: true } => "alert: monitoring missed it; customer reports raise it".to_string(),
            Event::Page { team, level, pass } => {
                let t = &sc.teams[*team];
                let again = if *pass > 0 { format!(" (repeat {pass})") } else { String::new() };
                format!(
                    "page {} (team {}, level {}){again}",
                    t.escalation.levels[*level].name,
                    t.name,
                    level + 1
                )
            }
            Event::PageTimeout { team, level, .. } => {
                let t = &sc.teams[*team];
                format!(
                    "no acknowledgement from {} before timeout; escalate",
                    t.escalation.levels[*level].name
                )
            }
            Event::Ack { team, level } => {
                let t = &sc.teams[*team];
                format!("{} acknowledges (team {})", t.escalation.levels[*level].name, t.name)
            }
            Event::LastResort { team } => {
                format!(
                    "nobody acknowledged; last resort picks up the incident (team {})",
                    sc.teams[*team].name
                )
            }
            Event::StepReady { step } => format!("step {} is ready", sc.steps[*step].id),
            Event::StepQueued { step, ahead } => {
                let s = &sc.steps[*step];
                format!("step {} waits for team {} ({} ahead in queue)", s.id, sc.teams[s.team].name, ahead)
            }
            Event::StepStart { step } => {
                let s = &sc.steps[*step];
                if s.title != s.id {
                    format!("step {} starts: {} (team {})", s.id, s.title, sc.teams[s.team].name)
                } else {
                    format!("step {} starts (team {})", s.id, sc.teams[s.team].name)
                }
            }
            Event::StepRetry { step, attempt } => {
                format!("step {} attempt {} failed; team starts it again", sc.steps[*step].id, attempt)
            }
            Event::StepDone { step, attempts } => {
                let s = &sc.steps[*step];
                let took = tr.outcome.finish[*step] - tr.outcome.start[*step];
                let tries = if *attempts > 1 {
                    format!(", {attempts} attempts")
                } else {
                    String::new()
                };
                format!("step {} done (took {}{tries})", s.id, human(took))
            }
            Event::Recovered => "recovered: the plan's final step is done".to_string(),
        };
        let _ = writeln!(out, "{:>9}  {line}", clock(*t));
    }
    let o = &tr.outcome;
    let _ = writeln!(out);
    let _ = writeln!(out, "time to detect       {:>9.2} min", o.detect);
    let _ = writeln!(out, "time to acknowledge  {:>9.2} min", o.ack);
    let _ = writeln!(out, "recovery time        {:>9.2} min", o.recovery);
    let _ = writeln!(out, "time to close        {:>9.2} min", o.close);
    let crit: Vec<&str> = sc
        .steps
        .iter()
        .zip(&o.critical)
        .filter(|(_, c)| **c)
        .map(|(s, _)| s.id.as_str())
        .collect();
    let _ = writeln!(out, "critical path        {}", crit.join(" -> "));
    out
}
