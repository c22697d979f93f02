//! One simulated trial written as a drill record (the long CSV form), as a drill leader would
//! have written it had the trial been a real drill: the fault, the first alert, pages,
//! escalations and acknowledgements, each step's start, failed attempts and finish, each
//! business service going down and coming back, and the close.
//!
//! Why: it shows a team what a record of their plan looks like, and it is how the scoring is
//! tested. A record of trial `k` read back gives exactly the measures the engine counted for
//! trial `k` (times are written in full precision, in minutes from the fault), so scoring it
//! places each measure at the percentile the run gives that trial's value.

use std::fmt::Write as _;

use crate::model::Scenario;
use crate::sim::Event;
use crate::sim::trace::Trace;

/// The long-form CSV record of one replayed trial of `sc`.
pub fn record_text(sc: &Scenario, trace: &Trace, seed: u64, trial: u64) -> String {
    let t0 = trace.outcome.t0;
    let mut rows: Vec<(f64, &str, String, &str)> = Vec::new();
    let mut detected = false;
    for (t, e) in &trace.events {
        let at = t - t0;
        match e {
            Event::Fault { fault } => {
                let name = fault.map_or(String::new(), |f| sc.topology.faults[f].id.clone());
                rows.push((at, "fault", name, ""));
            }
            Event::Alert { monitor, first: true, .. } if !detected => {
                detected = true;
                let name = monitor.map_or(String::new(), |m| sc.detection.monitors[m].name.clone());
                rows.push((at, "detected", name, if monitor.is_none() { "customer reports" } else { "" }));
            }
            Event::Page { team, .. } => rows.push((at, "paged", sc.teams[*team].name.clone(), "")),
            Event::PageTimeout { team, .. } => rows.push((at, "escalated", sc.teams[*team].name.clone(), "")),
            Event::Ack { team, .. } => rows.push((at, "acked", sc.teams[*team].name.clone(), "")),
            Event::LastResort { team } => rows.push((at, "acked", sc.teams[*team].name.clone(), "last resort")),
            Event::StepSkipped { step } => rows.push((at, "step_skipped", sc.steps[*step].id.clone(), "")),
            Event::StepStart { step } => rows.push((at, "step_started", sc.steps[*step].id.clone(), "")),
            Event::StepRetry { step, .. } => {
                // The engine counts one start and retries within it; a record writes each
                // attempt: the failed one, then the next starting at once.
                rows.push((at, "step_failed", sc.steps[*step].id.clone(), "attempt failed"));
                rows.push((at, "step_started", sc.steps[*step].id.clone(), "next attempt"));
            }
            Event::StepDone { step, .. } => rows.push((at, "step_finished", sc.steps[*step].id.clone(), "")),
            Event::Service { service, up } => rows.push((
                at,
                if *up { "service_up" } else { "service_down" },
                sc.services[*service].name.clone(),
                "",
            )),
            _ => {}
        }
    }
    // Paged and acked once per team and time: a record does not repeat what the engine
    // counts per escalation pass.
    let mut seen = std::collections::HashSet::new();
    rows.retain(|(t, kind, subject, _)| {
        !matches!(*kind, "paged" | "escalated" | "acked") || seen.insert((t.to_bits(), *kind, subject.clone()))
    });
    let mut acked = std::collections::HashSet::new();
    rows.retain(|(_, kind, subject, _)| *kind != "acked" || acked.insert(subject.clone()));
    let last = rows.iter().map(|r| r.0).fold(0.0, f64::max);
    rows.push((trace.outcome.close.max(last), "closed", String::new(), ""));

    let mut out = String::new();
    let _ = writeln!(out, "# A simulated drill: trial {trial} of seed {seed} of {}", sc.name);
    let _ = writeln!(out, "# (drillsim trace --record); times in minutes from the first fault");
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(["time", "event", "subject", "outcome", "note"]);
    for (t, kind, subject, note) in &rows {
        let _ = w.write_record([format!("{t}m").as_str(), kind, subject, "", note]);
    }
    let body = w.into_inner().unwrap_or_default();
    out.push_str(&String::from_utf8_lossy(&body));
    out
}
