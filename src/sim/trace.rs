//! One trial as a timeline a drill leader can read aloud.

use std::fmt::Write as _;

use super::Cause;
use super::{Event, Observer, TrialOutcome, Workspace, rng::TrialStreams, run_trial};
use crate::model::{Clock, FaultKind, Scenario, WaitAtom, Watch};
use crate::text::{clock, human, printable, wall_clock};

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
    // Steps still waiting for the world when nothing more happens never ran: say so last.
    let end = rec.events.iter().map(|e| e.0).fold(f64::NEG_INFINITY, f64::max).max(ws.out.t0);
    for &(step, _) in &ws.progress.world_wait {
        rec.on(end, Event::StepNeverRan { step: step as usize });
    }
    Trace {
        events: rec.sorted(),
        outcome: ws.out,
    }
}

/// The exercise's wall clock at exercise time `t` (minutes from its start), where the
/// scenario sets one (`[exercise] start = "03:00"`); `None` without a start or with a start
/// drawn per trial (`"any"`).
pub fn wall_clock_at(sc: &Scenario, t: f64) -> Option<String> {
    match sc.start {
        Some(Clock::At(c)) => Some(wall_clock(c + t)),
        _ => None,
    }
}

/// The header line that says how ties are broken (the queue's rule: time, then the order of
/// scheduling, which is file order for what is scheduled together).
pub const TIES: &str =
    "events at the same instant happen in the order they were scheduled (file order for faults and steps): never at random";

/// The timeline as text, one line per event, then the trial's measures. Every time is from
/// the first fault's injection (the trial's measures start there too), with the wall clock
/// beside it where the exercise sets one. Names from the scenario are shown with control
/// characters escaped, so nothing in a file can drive the terminal.
pub fn render(sc: &Scenario, seed: u64, trial: u64, tr: &Trace) -> String {
    let mut out = String::new();
    let t0 = tr.outcome.t0;
    let _ = writeln!(out, "{} - seed {seed}, trial {trial}", printable(&sc.name));
    match sc.start {
        Some(Clock::At(c)) => {
            let _ = writeln!(
                out,
                "the exercise starts at {} on the wall clock; the first fault is injected at {}",
                wall_clock(c),
                wall_clock(c + t0)
            );
            let _ = writeln!(out, "time since fault (wall clock), what happens");
        }
        _ => {
            let _ = writeln!(out, "time since fault, what happens");
        }
    }
    let _ = writeln!(out, "{TIES}");
    for (t, e) in &tr.events {
        let line = printable(&describe(sc, tr, e));
        match wall_clock_at(sc, *t) {
            Some(w) => {
                let _ = writeln!(out, "{:>9} ({w})  {line}", clock(*t - t0));
            }
            None => {
                let _ = writeln!(out, "{:>9}  {line}", clock(*t - t0));
            }
        }
    }
    let o = &tr.outcome;
    let _ = writeln!(out);
    let _ = writeln!(out, "time to detect       {:>9.2} min", o.detect);
    let _ = writeln!(out, "time to acknowledge  {:>9.2} min", o.ack);
    if o.recovered(sc) {
        let _ = writeln!(out, "recovery time        {:>9.2} min", o.recovery);
    } else {
        let _ = writeln!(out, "recovery time        not recovered within the horizon ({})", human(sc.horizon));
    }
    let _ = writeln!(out, "time to close        {:>9.2} min", o.close);
    let crit: Vec<&str> = sc
        .steps
        .iter()
        .zip(&o.critical)
        .filter(|(_, c)| **c)
        .map(|(s, _)| s.id.as_str())
        .collect();
    let _ = writeln!(
        out,
        "critical path        {}",
        if crit.is_empty() {
            "(no plan step set the recovery time)".to_string()
        } else {
            printable(&crit.join(" -> "))
        }
    );
    for (i, svc) in sc.services.iter().enumerate() {
        let rto = match svc.rto {
            Some(r) if o.rto_met(sc, i) => format!(" (RTO {} met)", human(r)),
            Some(r) => format!(" (RTO {} missed)", human(r)),
            None => String::new(),
        };
        let name = printable(&svc.name);
        let _ = writeln!(out, "downtime {name:<12}{:>9.2} min{rto}", o.downtime[i]);
        let _ = writeln!(out, "  longest outage      {:>9.2} min", o.longest_outage[i]);
        if o.restored_in_horizon(sc, i) {
            let _ = writeln!(out, "  restored after      {:>9.2} min", o.restored[i]);
        } else {
            let _ = writeln!(
                out,
                "  restored after      not recovered within the horizon ({})",
                human(sc.horizon)
            );
        }
    }
    for (i, st) in sc.stores.iter().enumerate() {
        let rpo = match st.rpo {
            Some(r) if o.rpo_met(sc, i) => format!(" (RPO {} met)", human(r)),
            Some(r) => format!(" (RPO {} missed)", human(r)),
            None => String::new(),
        };
        let _ = writeln!(out, "data lost {:<11}{:>9.2} min{rpo}", printable(&st.name), o.data_lost[i]);
    }
    if o.leaked > 0.0 {
        let unit = sc.topology.leak_unit().unwrap_or_default();
        let _ = writeln!(out, "leaked               {:>9.2} {}", o.leaked, printable(&unit));
    }
    if let Some(l) = o.level {
        let _ = writeln!(out, "level reached        {}", printable(&sc.levels[l]));
    }
    out
}

/// A step's `wait` in words: "feed-a powered and attack contained", alternatives joined
/// by "or".
fn wait_text(sc: &Scenario, wait: &[Vec<WaitAtom>]) -> String {
    let comps = &sc.topology.components;
    let fact = |a: &WaitAtom| match *a {
        WaitAtom::Up(c) => format!("{} up", comps[c].name),
        WaitAtom::Down(c) => format!("{} down", comps[c].name),
        WaitAtom::Powered(f) => format!("{} powered", comps[f].name),
        WaitAtom::Contained => "attack contained".to_string(),
        WaitAtom::Restored(s) => format!("store {} restored", sc.stores[s].name),
        WaitAtom::Lost(s) => format!("store {} lost", sc.stores[s].name),
        WaitAtom::ServiceUp(s) => format!("service {} up", sc.services[s].name),
        WaitAtom::ServiceDown(s) => format!("service {} down", sc.services[s].name),
    };
    let clause = |all: &Vec<WaitAtom>| all.iter().map(fact).collect::<Vec<_>>().join(" and ");
    if wait.len() == 1 {
        return clause(&wait[0]);
    }
    wait.iter().map(|all| format!("({})", clause(all))).collect::<Vec<_>>().join(" or ")
}

fn cause_text(sc: &Scenario, c: &Cause) -> String {
    match c {
        Cause::Fault(f) => format!("fault {}", sc.topology.faults[*f].id),
        Cause::Step(i) => format!("step {}", sc.steps[*i].id),
        Cause::Power(f) => format!("power on {}", sc.topology.components[*f].name),
        Cause::Failover(c) => format!("failover of {}", sc.topology.components[*c].name),
        Cause::Spread(f) => format!("intruder of {}", sc.topology.faults[*f].id),
    }
}

/// What symptom monitor `m` watches, as a trace says it ("payment down").
fn symptom(sc: &Scenario, m: usize) -> String {
    match sc.detection.monitors[m].watches {
        Some(Watch::ServiceDown(s)) => format!("{} down", sc.services[s].name),
        Some(Watch::Down(c)) => format!("{} not serving", sc.topology.components[c].name),
        Some(Watch::Lost(st)) => format!("store {} data lost", sc.stores[st].name),
        None => "no symptom".into(),
    }
}

/// One event in words, as the timeline prints it (before escaping).
pub fn describe(sc: &Scenario, tr: &Trace, e: &Event) -> String {
    let comp = |c: &usize| sc.topology.components[*c].name.as_str();
    match e {
        Event::Fault { fault: None } => "fault injected".to_string(),
        Event::Fault { fault: Some(f) } => {
            let fault = &sc.topology.faults[*f];
            let what = match &fault.kind {
                FaultKind::Failure { target, mode } => format!("failure ({mode}) of {}", comp(target)),
                FaultKind::Attack { target, .. } => format!("attack: an intruder lands on {}", comp(target)),
                FaultKind::PowerLoss { feed, .. } => format!("power loss on {}", comp(feed)),
                FaultKind::DataLoss { store, mode } => format!("data loss: store {} {mode}", sc.stores[*store].name),
            };
            format!("fault {} injected: {what}", fault.id)
        }
        Event::Alert {
            fault: None,
            monitor: Some(m),
            first,
        } if sc.detection.monitors[*m].watches.is_some() => {
            let joins = if *first {
                "; the incident opens"
            } else {
                "; it joins the open incident"
            };
            format!("alert from monitor {}: {}{joins}", sc.detection.monitors[*m].name, symptom(sc, *m))
        }
        Event::AlertCancelled { monitor } => format!(
            "monitor {}: {} cleared before its delay ended; no alert",
            sc.detection.monitors[*monitor].name,
            symptom(sc, *monitor)
        ),
        Event::Alert { fault, monitor, first } => {
            let by = match monitor {
                Some(m) => format!("monitor \"{}\" alerts", sc.detection.monitors[*m].name),
                None => "customer reports raise the alarm (before any monitor)".to_string(),
            };
            let of = fault.map(|f| format!(" on fault {}", sc.topology.faults[f].id)).unwrap_or_default();
            let joins = if *first {
                "; the incident opens"
            } else {
                "; it joins the open incident"
            };
            format!("alert: {by}{of}{joins}")
        }
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
        Event::LastResort { team } => format!(
            "nobody acknowledged; last resort picks up the incident (team {})",
            sc.teams[*team].name
        ),
        Event::LevelRaised { level } => format!("incident classified as level \"{}\"", sc.levels[*level]),
        Event::StepReady { step } => format!("step {} is ready", sc.steps[*step].id),
        Event::StepSkipped { step } => format!("step {} does not apply here; skipped", sc.steps[*step].id),
        Event::StepAwaitsFault { step, kind } => format!(
            "step {} waits until a fault of kind {} is detected",
            sc.steps[*step].id,
            kind.name()
        ),
        Event::StepAwaitsLevel { step, level } => format!("step {} waits for level \"{}\"", sc.steps[*step].id, sc.levels[*level]),
        Event::StepAwaitsWorld { step } => format!("step {} waits for {}", sc.steps[*step].id, wait_text(sc, &sc.steps[*step].wait)),
        Event::StepWaitOver { step } => format!("step {}: what it waited for holds", sc.steps[*step].id),
        Event::StepNeverRan { step } => format!(
            "step {} never ran: it still waits for {}",
            sc.steps[*step].id,
            wait_text(sc, &sc.steps[*step].wait)
        ),
        Event::StepAwaitsTeam { step } => {
            let s = &sc.steps[*step];
            format!("step {} waits for team {} to be paged", s.id, sc.teams[s.team].name)
        }
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
        Event::StepRetry { step, attempt } => format!("step {} attempt {} failed; team starts it again", sc.steps[*step].id, attempt),
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
        Event::EffectFailed { step, why } => format!("step {} FAILED its effect: {why}", sc.steps[*step].id),
        Event::EffectDone { what, .. } => format!("  -> {what}"),
        other => world_event(sc, other),
    }
}

/// Events of the topology: components, business services, power, failovers, intruders,
/// stores, and how the trial ends.
fn world_event(sc: &Scenario, e: &Event) -> String {
    let comp = |c: &usize| sc.topology.components[*c].name.as_str();
    match e {
        Event::Component { comp: c, up, cause } => {
            format!(
                "{} {} {} (cause: {})",
                kind_word(sc, *c),
                comp(c),
                if *up { "is back up" } else { "goes DOWN" },
                cause_text(sc, cause)
            )
        }
        Event::Service { service, up } => {
            format!(
                "business service {} {}",
                sc.services[*service].name,
                if *up { "is UP again" } else { "is DOWN" }
            )
        }
        Event::Power { feed, what } => format!("{}: {what}", comp(feed)),
        Event::Failover { comp: c, ok: true } => format!("automatic failover of {} completes", comp(c)),
        Event::Failover { comp: c, ok: false } => format!("automatic failover of {} FAILS; a plan step must do it", comp(c)),
        Event::StandbyAtRisk {
            comp: c,
            standby,
            step,
            compromised,
            lost,
            encrypted,
        } => {
            let how = match step {
                None => format!("automatic failover of {}", comp(c)),
                Some(i) => format!("failover of {} by step {}", comp(c), sc.steps[*i].id),
            };
            let data = lost.map(|s| {
                let state = if *encrypted { "encrypted" } else { "lost" };
                format!("whose data is {state} (store {})", sc.stores[s].name)
            });
            let sb = comp(standby);
            match (compromised, data) {
                (true, None) => format!(
                    "{how} lands on {sb}, which the intruder has reached: {} runs on a compromised host (it serves, with the intruder on it)",
                    comp(c)
                ),
                (true, Some(d)) => format!(
                    "{how} lands on {sb}, which the intruder has reached and {d}: {} does not serve until the store is restored",
                    comp(c)
                ),
                (false, Some(d)) => format!("{how} lands on {sb}, {d}: {} does not serve until the store is restored", comp(c)),
                (false, None) => format!("{how} lands on {sb}"),
            }
        }
        Event::Compromised { comp: c, fault } => format!("intruder ({}) reaches {}", sc.topology.faults[*fault].id, comp(c)),
        Event::StoreLost { store, lost: Some(m) } => format!(
            "store {} lost its data: {} of writes since the usable backup",
            sc.stores[*store].name,
            human(*m)
        ),
        Event::StoreLost { store, lost: None } => format!("store {} lost its data and has NO usable backup", sc.stores[*store].name),
        Event::StoreRestored { store } => format!("store {} restored from backup", sc.stores[*store].name),
        Event::ReplicationLoss { store, lost } => {
            format!(
                "store {}: {} of writes not yet replicated to the standby are lost",
                sc.stores[*store].name,
                human(*lost)
            )
        }
        Event::Unrecovered { service, cause } => {
            let why = match cause {
                Some((c, r)) => format!(": {} keeps it down, {}", sc.topology.components[*c].name, r.text()),
                None if sc.services[*service].reopen => ": it waits to be reopened and no step reopens it".to_string(),
                None => String::new(),
            };
            format!(
                "NOT RECOVERED: business service {} is still down and nothing more will happen{why}",
                sc.services[*service].name
            )
        }
        Event::Recovered if sc.services.is_empty() => "recovered: the plan's final step is done".to_string(),
        Event::Recovered => "recovered: every business service is up".to_string(),
        // Plan and incident events are described by `describe`, which hands over only the
        // topology's; should a new kind of event arrive here, it is shown as it is.
        other => format!("{other:?}"),
    }
}

fn kind_word(sc: &Scenario, c: usize) -> &'static str {
    sc.topology.components[c].kind.words()
}
