//! One trial's timeline as data (`trace --json`): every event with its time, its kind, what
//! it is about and the sentence the text timeline prints, then the trial's measures, the same
//! numbers `run` counted for the trial.

use serde_json::{Map, Value, json};

use crate::model::Scenario;
use crate::sim::Event;
use crate::sim::trace::{Trace, describe, wall_clock_at};

/// The event's kind in snake case, from its variant's name (`StepStart` -> `step_start`): the
/// names follow the engine's events without a second list to keep in step.
pub fn kind(e: &Event) -> String {
    let debug = format!("{e:?}");
    let name = debug.split([' ', '{', '(']).next().unwrap_or("");
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// What the event is about, by the scenario's names.
fn subjects(sc: &Scenario, e: &Event, m: &mut Map<String, Value>) {
    let mut put = |k: &str, v: &str| {
        m.insert(k.into(), json!(v));
    };
    let step = |s: usize| sc.steps[s].id.as_str();
    match e {
        Event::Fault { fault: Some(f) } => put("fault", &sc.topology.faults[*f].id),
        Event::Alert { fault, monitor, .. } => {
            if let Some(f) = fault {
                put("fault", &sc.topology.faults[*f].id);
            }
            if let Some(mo) = monitor {
                put("monitor", &sc.detection.monitors[*mo].name);
            }
        }
        Event::AlertCancelled { monitor } => put("monitor", &sc.detection.monitors[*monitor].name),
        Event::Page { team, .. } | Event::PageTimeout { team, .. } | Event::Ack { team, .. } | Event::LastResort { team } => {
            put("team", &sc.teams[*team].name)
        }
        Event::LevelRaised { level } => put("level", &sc.levels[*level]),
        Event::StepReady { step: s }
        | Event::StepSkipped { step: s }
        | Event::StepAwaitsFault { step: s, .. }
        | Event::StepAwaitsLevel { step: s, .. }
        | Event::StepAwaitsWorld { step: s }
        | Event::StepWaitOver { step: s }
        | Event::StepNeverRan { step: s }
        | Event::StepAwaitsTeam { step: s }
        | Event::StepQueued { step: s, .. }
        | Event::StepStart { step: s }
        | Event::StepRetry { step: s, .. }
        | Event::StepDone { step: s, .. }
        | Event::EffectFailed { step: s, .. }
        | Event::EffectDone { step: s, .. } => put("step", step(*s)),
        Event::Component { comp, .. } | Event::Failover { comp, .. } | Event::Compromised { comp, .. } => {
            put("component", &sc.topology.components[*comp].name)
        }
        Event::Service { service, up } => {
            put("service", &sc.services[*service].name);
            m.insert("up".into(), json!(up));
        }
        Event::Unrecovered { service, .. } => put("service", &sc.services[*service].name),
        Event::Power { feed, .. } => put("component", &sc.topology.components[*feed].name),
        Event::StoreLost { store, .. } | Event::StoreRestored { store } | Event::ReplicationLoss { store, .. } => {
            put("store", &sc.stores[*store].name)
        }
        _ => {}
    }
}

/// The trial as JSON: `{scenario, seed, trial, events: [{t, clock?, kind, text, step?, team?,
/// ...}], outcome: {...}}`, times in minutes from the first fault.
pub fn json(sc: &Scenario, seed: u64, trial: u64, tr: &Trace) -> Value {
    let t0 = tr.outcome.t0;
    let events: Vec<Value> = tr
        .events
        .iter()
        .map(|(t, e)| {
            let mut m = Map::new();
            m.insert("t".into(), json!(t - t0));
            if let Some(w) = wall_clock_at(sc, *t) {
                m.insert("clock".into(), json!(w));
            }
            m.insert("kind".into(), json!(kind(e)));
            m.insert("text".into(), json!(describe(sc, tr, e)));
            subjects(sc, e, &mut m);
            Value::Object(m)
        })
        .collect();
    let o = &tr.outcome;
    let mut services = Map::new();
    for (i, s) in sc.services.iter().enumerate() {
        services.insert(
            s.name.clone(),
            json!({
                "downtime": o.downtime[i],
                "longest_outage": o.longest_outage[i],
                "restored": o.restored_in_horizon(sc, i).then_some(o.restored[i]),
                "rto_met": s.rto.map(|_| o.rto_met(sc, i)),
            }),
        );
    }
    let mut stores = Map::new();
    for (i, s) in sc.stores.iter().enumerate() {
        stores.insert(
            s.name.clone(),
            json!({"data_lost": o.data_lost[i], "rpo_met": s.rpo.map(|_| o.rpo_met(sc, i))}),
        );
    }
    let mut steps = Map::new();
    for (i, s) in sc.steps.iter().enumerate() {
        let ran = o.start[i].is_finite();
        steps.insert(
            s.id.clone(),
            json!({
                "start": ran.then(|| o.start[i] - t0),
                "finish": o.finish[i].is_finite().then(|| o.finish[i] - t0),
                "attempts": o.attempts[i],
                "critical": o.critical[i],
                "effect_failed": o.effect_failed[i],
            }),
        );
    }
    json!({
        "scenario": sc.name,
        "seed": seed,
        "trial": trial,
        "events": events,
        "outcome": {
            "detect": o.detect,
            "ack": o.ack,
            "recovery": o.recovery,
            "recovered": o.recovered(sc),
            "close": o.close,
            "critical_path": sc.steps.iter().zip(&o.critical).filter(|(_, c)| **c).map(|(s, _)| s.id.clone()).collect::<Vec<_>>(),
            "level": o.level.map(|l| sc.levels[l].clone()),
            "leaked": o.leaked,
            "services": services,
            "stores": stores,
            "steps": steps,
        },
    })
}
