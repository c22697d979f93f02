//! One trial's engine: faults, detection, paging, severity levels, and the plan's steps on
//! teams of finite capacity acting on the topology.
//!
//! A trial is a pure function of `(scenario, seed, trial index)`. The same function serves
//! the batch run (with an [`Observer`] that does nothing, compiled away) and `drillsim trace`
//! (with an observer that records a timeline), so a trace always agrees with what the batch
//! counted for that trial.
//!
//! Ordering inside a trial follows the ref20 reference model: events leave the queue by (time,
//! sequence number); when a step finishes, its team's slot goes to the head of that team's
//! queue first, then the step's successors that are now ready, in step order, each take a
//! free slot of their team or join its queue. The topology's state is in [`world`].

pub mod rng;
pub mod trace;
pub mod world;

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

use rand::Rng;

use crate::model::{Clock, Effect, FaultKindTag, Scenario, StepId, TeamId};
use rng::{StreamKey, TrialStreams};
use world::{Cause, World};

/// Upper bound on the attempts of one step, so that a step with `fail` close to 1 still ends.
pub const MAX_ATTEMPTS: u32 = 1000;

/// Marks "no step": the critical path reached the acknowledgement of the page.
pub(crate) const NONE: u32 = u32::MAX;

/// What happened, for observers (the trace). Times are passed alongside, in minutes.
#[derive(Clone, Debug, PartialEq)]
#[allow(missing_docs)]
pub enum Event {
    /// A fault is injected (`None`: the scenario's implicit fault, when it declares none).
    Fault { fault: Option<usize> },
    /// A monitor (or, with `monitor: None`, customer reports) raises an alert for a fault.
    Alert {
        fault: Option<usize>,
        monitor: Option<usize>,
        first: bool,
    },
    /// A level of a team's escalation policy is paged.
    Page { team: TeamId, level: usize, pass: u32 },
    /// The paged level did not acknowledge before its timeout.
    PageTimeout { team: TeamId, level: usize, pass: u32 },
    /// The paged level acknowledged.
    Ack { team: TeamId, level: usize },
    /// Nobody acknowledged; the last resort picked the incident up.
    LastResort { team: TeamId },
    /// The incident reached a severity level.
    LevelRaised { level: usize },
    /// A step's dependencies are done (or the incident was acknowledged, for a first step).
    StepReady { step: StepId },
    /// A ready step does not apply (its condition is false) and is skipped.
    StepSkipped { step: StepId },
    /// A ready step waits until a fault of its kind has been detected.
    StepAwaitsFault { step: StepId, kind: FaultKindTag },
    /// A ready step waits until the incident reaches its level.
    StepAwaitsLevel { step: StepId, level: usize },
    /// A ready step waits for its team to be paged and to acknowledge.
    StepAwaitsTeam { step: StepId },
    /// A ready step waits for a free slot of its team.
    StepQueued { step: StepId, ahead: usize },
    /// A step starts.
    StepStart { step: StepId },
    /// An attempt of a step failed; the team starts it again.
    StepRetry { step: StepId, attempt: u32 },
    /// A step finishes.
    StepDone { step: StepId, attempts: u32 },
    /// A step's effect could not be carried out (e.g. no good backup to restore).
    EffectFailed { step: StepId, why: String },
    /// A step's effect took place (what it did, in words).
    EffectDone { step: StepId, what: String },
    /// A component went down, or came back.
    Component { comp: usize, up: bool, cause: Cause },
    /// A business service went down, or came back.
    Service { service: usize, up: bool },
    /// Power equipment changed state (in words).
    Power { feed: usize, what: String },
    /// An automatic failover completed or failed.
    Failover { comp: usize, ok: bool },
    /// An intruder reached a component.
    Compromised { comp: usize, fault: usize },
    /// A store's data was lost; `lost` minutes of writes are gone (None: no good backup).
    StoreLost { store: usize, lost: Option<f64> },
    /// A store was restored from backup.
    StoreRestored { store: usize },
    /// Writes not yet replicated to the standby were lost in a failover.
    ReplicationLoss { store: usize, lost: f64 },
    /// A business service is still down when nothing more happens in the trial.
    Unrecovered { service: usize },
    /// Recovery is complete (the recovery time is reached).
    Recovered,
}

/// Receives a trial's events. The batch uses `()`, which does nothing.
pub trait Observer {
    /// Whether events are wanted at all (lets the engine skip building them).
    const ACTIVE: bool;
    /// One event at time `t` (minutes since the fault).
    fn on(&mut self, t: f64, event: Event);
}

impl Observer for () {
    const ACTIVE: bool = false;
    #[inline(always)]
    fn on(&mut self, _t: f64, _event: Event) {}
}

/// What one trial measured (all times in minutes, from the first fault's injection).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrialOutcome {
    /// Fault to first alert.
    pub detect: f64,
    /// Alert to first acknowledgement (or to the last resort).
    pub ack: f64,
    /// Fault to every business service up again (0 if none went down); without business
    /// services, fault to the finish of the plan's last step.
    pub recovery: f64,
    /// Fault to the finish of the plan's last step.
    pub close: f64,
    /// Per step: on the critical path of this trial.
    pub critical: Vec<bool>,
    /// Per step: attempts made (0 if it did not run).
    pub attempts: Vec<u32>,
    /// Per step: start time (NaN if it never ran), from the start of the exercise.
    pub start: Vec<f64>,
    /// Per step: finish time (NaN if it never ran).
    pub finish: Vec<f64>,
    /// Per team: minutes of work done (sum over its steps).
    pub busy: Vec<f64>,
    /// Per business service: minutes from the fault until it was up again (0 if it never
    /// went down; the scenario's horizon if it never came back).
    pub downtime: Vec<f64>,
    /// Per data store: minutes of writes lost.
    pub data_lost: Vec<f64>,
    /// Volume of data leaked by attacks (in the attack's own unit, e.g. GB).
    pub leaked: f64,
    /// Highest severity level reached (index into `Scenario::levels`), if any.
    pub level: Option<usize>,
    /// Time of the first fault's injection (minutes from the start of the exercise).
    pub t0: f64,
    /// Events the engine processed (for measuring the cost per event).
    pub events: u64,
}

impl TrialOutcome {
    /// Per team: busy minutes over capacity times the time from acknowledgement to close.
    pub fn utilization(&self, sc: &Scenario, team: TeamId) -> f64 {
        let window = self.close - (self.detect + self.ack);
        if window <= 0.0 {
            return 0.0;
        }
        (self.busy[team] / (sc.teams[team].capacity as f64 * window)).min(1.0)
    }
}

/// What an event in the queue does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ev {
    StepDone(u32),
    Inject(u32),
    /// Alert for fault (u32::MAX: the implicit fault); monitor (u32::MAX: customer reports).
    Alert(u32, u32),
    Engage(u32),
    FailoverDone(u32),
    UtilityBack(u32),
    BatteryEmpty(u32),
    GeneratorOn(u32),
    /// Attack fault, from component, to component.
    Spread(u32, u32, u32),
    /// Re-check the level (a leak crosses a threshold).
    LevelCheck,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Pending {
    t: f64,
    seq: u64,
    ev: Ev,
}

impl PartialEq for Pending {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Pending {
    /// Reversed, so that `BinaryHeap` pops the earliest (time, sequence) first.
    fn cmp(&self, o: &Self) -> Ordering {
        o.t.total_cmp(&self.t).then(o.seq.cmp(&self.seq))
    }
}

/// Reusable buffers of one worker, so that a trial allocates (almost) nothing.
#[derive(Debug, Default)]
pub struct Workspace {
    heap: BinaryHeap<Pending>,
    seq: u64,
    waiting: Vec<u32>,
    free: Vec<u32>,
    queues: Vec<VecDeque<(u32, u32)>>,
    /// Steps ready but waiting for their team to be engaged, per team.
    unengaged: Vec<Vec<(u32, u32)>>,
    engaged: Vec<bool>,
    /// Team is paged by some level (so it is not engaged with the first responder).
    paged_by_level: Vec<bool>,
    /// Team was paged in this trial.
    paged: Vec<bool>,
    /// Steps ready but waiting for a level, with their cause.
    level_wait: Vec<(u32, u32)>,
    /// Steps ready but waiting for a fault of their kind to be detected, with their cause.
    fault_wait: Vec<(u32, u32)>,
    /// Per fault kind: a fault of that kind has raised an alert.
    alerted: [bool; 4],
    pred: Vec<u32>,
    /// Incident opened (first alert) and acknowledged.
    opened: bool,
    acked: bool,
    last_step: u32,
    last_finish: f64,
    /// Steps started and not yet finished.
    running: u32,
    /// Clock time of t = 0 in this trial (minutes after midnight; NaN when not modelled).
    clock0: f64,
    world: World,
    /// The outcome of the last trial run with this workspace.
    pub out: TrialOutcome,
}

impl Workspace {
    /// The plan has closed: the incident was acknowledged, no step is running, and none waits
    /// (for a level, an alert, a team or a slot). Impact that grows afterwards no longer
    /// raises the level (the leak is measured until then).
    pub(crate) fn plan_closed(&self) -> bool {
        self.acked
            && self.running == 0
            && self.level_wait.is_empty()
            && self.fault_wait.is_empty()
            && self.unengaged.iter().all(Vec::is_empty)
            && self.queues.iter().all(VecDeque::is_empty)
    }

    /// Buffers sized for `sc`.
    pub fn new(sc: &Scenario) -> Workspace {
        let n = sc.steps.len();
        let mut paged_by_level = vec![false; sc.teams.len()];
        for l in &sc.topology.levels {
            for &t in &l.page {
                if t != sc.first_responder {
                    paged_by_level[t] = true;
                }
            }
        }
        Workspace {
            heap: BinaryHeap::with_capacity(n + 16),
            seq: 0,
            waiting: vec![0; n],
            free: vec![0; sc.teams.len()],
            queues: vec![VecDeque::new(); sc.teams.len()],
            unengaged: vec![Vec::new(); sc.teams.len()],
            engaged: vec![false; sc.teams.len()],
            paged_by_level,
            paged: vec![false; sc.teams.len()],
            level_wait: Vec::new(),
            fault_wait: Vec::new(),
            alerted: [false; 4],
            pred: vec![NONE; n],
            opened: false,
            acked: false,
            last_step: NONE,
            last_finish: 0.0,
            running: 0,
            clock0: f64::NAN,
            world: World::new(sc),
            out: TrialOutcome {
                critical: vec![false; n],
                attempts: vec![0; n],
                start: vec![f64::NAN; n],
                finish: vec![f64::NAN; n],
                busy: vec![0.0; sc.teams.len()],
                downtime: vec![0.0; sc.services.len()],
                data_lost: vec![0.0; sc.stores.len()],
                ..TrialOutcome::default()
            },
        }
    }

    fn reset(&mut self, sc: &Scenario) {
        self.heap.clear();
        self.seq = 0;
        for (w, s) in self.waiting.iter_mut().zip(&sc.steps) {
            *w = s.after.len() as u32;
        }
        for (f, t) in self.free.iter_mut().zip(&sc.teams) {
            *f = t.capacity;
        }
        self.queues.iter_mut().for_each(VecDeque::clear);
        self.unengaged.iter_mut().for_each(Vec::clear);
        self.engaged.fill(false);
        self.paged.fill(false);
        self.level_wait.clear();
        self.fault_wait.clear();
        self.alerted = [false; 4];
        self.pred.fill(NONE);
        self.opened = false;
        self.acked = false;
        self.last_step = NONE;
        self.last_finish = 0.0;
        self.running = 0;
        self.clock0 = match sc.start {
            None => f64::NAN,
            Some(Clock::At(c)) => c,
            Some(Clock::Any) => f64::NAN, // drawn in `run_trial`
        };
        self.world.reset(sc);
        let o = &mut self.out;
        o.critical.fill(false);
        o.attempts.fill(0);
        o.start.fill(f64::NAN);
        o.finish.fill(f64::NAN);
        o.busy.fill(0.0);
        o.downtime.fill(0.0);
        o.data_lost.fill(0.0);
        o.leaked = 0.0;
        o.level = None;
        o.t0 = 0.0;
        o.detect = 0.0;
        o.ack = 0.0;
        o.recovery = 0.0;
        o.close = 0.0;
        o.events = 0;
    }

    #[inline]
    pub(crate) fn push(&mut self, t: f64, ev: Ev) {
        self.seq += 1;
        self.heap.push(Pending { t, seq: self.seq, ev });
    }
}

/// Stream key of the implicit fault of a scenario that declares none: `named("incident")`,
/// pinned by a test.
const IMPLICIT_FAULT_KEY: StreamKey = StreamKey(0xdd9f_d0a4_e95d_377c);

/// Key of the stream of monitor `m` watching fault `f` (None: the implicit fault).
fn monitor_key(sc: &Scenario, m: usize, f: Option<usize>) -> StreamKey {
    let fk = match f {
        Some(f) => sc.topology.faults[f].key,
        None => IMPLICIT_FAULT_KEY,
    };
    sc.detection.monitors[m].key.pair(fk)
}

/// Play one trial; the outcome is left in `ws.out`.
pub fn run_trial<O: Observer>(sc: &Scenario, streams: TrialStreams, ws: &mut Workspace, obs: &mut O) {
    ws.reset(sc);
    if sc.start == Some(Clock::Any) {
        ws.clock0 = 1440.0 * streams.stream(StreamKey::named("clock")).random::<f64>();
    }
    let faults = &sc.topology.faults;
    if faults.is_empty() {
        inject_implicit(sc, streams, ws, obs);
    } else {
        let mut t0 = f64::INFINITY;
        for (i, f) in faults.iter().enumerate() {
            let t = f.at.sample(&mut streams.stream(f.key));
            t0 = t0.min(t);
            ws.push(t, Ev::Inject(i as u32));
        }
        ws.out.t0 = t0;
    }

    let mut last_event = 0.0f64;
    while let Some(Pending { t, ev, .. }) = ws.heap.pop() {
        ws.out.events += 1;
        last_event = t;
        match ev {
            Ev::StepDone(i) => step_done(sc, streams, ws, obs, i as usize, t),
            Ev::Inject(f) => {
                world::inject(sc, streams, ws, obs, f as usize, t);
                detect(sc, streams, ws, Some(f as usize), t);
            }
            Ev::Alert(f, m) => alert(sc, streams, ws, obs, f, m, t),
            Ev::Engage(team) => engage(sc, streams, ws, obs, team as usize, t),
            other => world::handle(sc, streams, ws, obs, other, t),
        }
    }

    // Measures, from the first fault's injection.
    let t0 = ws.out.t0;
    ws.out.close = if ws.last_step == NONE {
        (ws.out.detect + ws.out.ack).max(0.0)
    } else {
        ws.last_finish - t0
    };
    let end = last_event.max(t0);
    world::finish(sc, ws, ws.last_finish.max(t0));
    let recovered_at = if sc.services.is_empty() {
        ws.out.recovery = ws.out.close;
        ws.last_finish
    } else {
        let r = ws.out.downtime.iter().copied().fold(0.0, f64::max);
        ws.out.recovery = r;
        t0 + r
    };
    if O::ACTIVE {
        let mut down = world::still_down(ws).peekable();
        if down.peek().is_none() {
            obs.on(recovered_at, Event::Recovered);
        } else {
            for service in down {
                obs.on(end, Event::Unrecovered { service });
            }
        }
    }
    // Walk the critical path back from what set the recovery time.
    let mut k = if sc.services.is_empty() {
        ws.last_step
    } else {
        ws.world.recovery_cause
    };
    while k != NONE {
        // Skipped steps pass the chain on but took no time: they are not critical.
        ws.out.critical[k as usize] = ws.out.attempts[k as usize] > 0;
        k = ws.pred[k as usize];
    }
}

/// A scenario without faults has one abstract fault at t = 0 that every monitor can see.
fn inject_implicit<O: Observer>(sc: &Scenario, streams: TrialStreams, ws: &mut Workspace, obs: &mut O) {
    if O::ACTIVE {
        obs.on(0.0, Event::Fault { fault: None });
    }
    detect(sc, streams, ws, None, 0.0);
}

/// Draw when each monitor that can see fault `f` (injected at `t`) raises its alert, and when
/// customer reports would; the earliest opens (or joins) the incident.
fn detect(sc: &Scenario, streams: TrialStreams, ws: &mut Workspace, f: Option<usize>, t: f64) {
    let kind = f.map(|f| sc.topology.faults[f].kind.tag());
    let mut best: Option<(f64, u32)> = None;
    for (m, mon) in sc.detection.monitors.iter().enumerate() {
        if let Some(k) = kind
            && !mon.sees.contains(&k)
        {
            continue;
        }
        let mut rng = streams.stream(monitor_key(sc, m, f));
        let delay = mon.delay.sample(&mut rng);
        if mon.miss > 0.0 && rng.random::<f64>() < mon.miss {
            continue;
        }
        if best.is_none_or(|(b, _)| delay < b) {
            best = Some((delay, m as u32));
        }
    }
    // Customer reports race the monitors: they raise the alarm after `fallback` unless a
    // monitor was quicker (a slow or blind monitor does not hide an outage customers see).
    if let Some(fb) = &sc.detection.fallback {
        let fk = f.map_or(IMPLICIT_FAULT_KEY, |f| sc.topology.faults[f].key);
        let d = fb.sample(&mut streams.stream(StreamKey::named("customer reports").pair(fk)));
        if best.is_none_or(|(b, _)| d < b) {
            best = Some((d, u32::MAX));
        }
    }
    if let Some((d, m)) = best {
        ws.push(t + d, Ev::Alert(f.map_or(u32::MAX, |f| f as u32), m));
    }
}

fn alert<O: Observer>(sc: &Scenario, streams: TrialStreams, ws: &mut Workspace, obs: &mut O, f: u32, m: u32, t: f64) {
    let first = !ws.opened;
    if O::ACTIVE {
        let fault = (f != u32::MAX).then_some(f as usize);
        let monitor = (m != u32::MAX).then_some(m as usize);
        obs.on(t, Event::Alert { fault, monitor, first });
    }
    if f != u32::MAX {
        let kind = sc.topology.faults[f as usize].kind.tag();
        if !ws.alerted[kind.index()] {
            ws.alerted[kind.index()] = true;
            // Steps that wait for this kind of fault to be known go on.
            let mut k = 0;
            while k < ws.fault_wait.len() {
                let (j, _) = ws.fault_wait[k];
                if sc.steps[j as usize].when.fault == Some(kind) {
                    ws.fault_wait.remove(k);
                    // The alert held it back last: its critical path ends here.
                    proceed(sc, streams, ws, obs, j as usize, t, NONE);
                } else {
                    k += 1;
                }
            }
        }
    }
    if !first {
        return; // later alerts join the open incident
    }
    ws.opened = true;
    ws.out.detect = t - ws.out.t0;
    let t_ack = page(sc, sc.first_responder, t, ws.clock0, streams, obs);
    ws.out.ack = t_ack - t;
    ws.push(t_ack, Ev::Engage(sc.first_responder as u32));
}

/// Page `team`'s escalation policy from time `t`; returns the time of acknowledgement (or of
/// the last resort).
fn page<O: Observer>(sc: &Scenario, team: TeamId, mut t: f64, clock0: f64, streams: TrialStreams, obs: &mut O) -> f64 {
    let esc = &sc.teams[team].escalation;
    let mut rng = streams.stream(sc.teams[team].key);
    for pass in 0..=esc.repeat {
        for (level, lv) in esc.levels.iter().enumerate() {
            if O::ACTIVE {
                obs.on(t, Event::Page { team, level, pass });
            }
            if rng.random::<f64>() < lv.ack {
                t += lv.ack_delay.sample(&mut rng) * slower(sc, team, clock0, t);
                if O::ACTIVE {
                    obs.on(t, Event::Ack { team, level });
                }
                return t;
            }
            t += lv.timeout;
            if O::ACTIVE {
                obs.on(t, Event::PageTimeout { team, level, pass });
            }
        }
    }
    t += esc.last_resort.sample(&mut rng);
    if O::ACTIVE {
        obs.on(t, Event::LastResort { team });
    }
    t
}

/// How much slower `team` works at time `t` of a trial whose t = 0 is at `clock0` (minutes
/// after midnight): its off-hours factor at night, else 1.
#[inline]
fn slower(sc: &Scenario, team: TeamId, clock0: f64, t: f64) -> f64 {
    match sc.teams[team].off_hours {
        Some(o) if clock0.is_finite() && o.contains((clock0 + t).rem_euclid(1440.0)) => o.slower,
        _ => 1.0,
    }
}

/// A team acknowledged its page. The first responder's acknowledgement starts the plan and
/// engages every team that no level pages.
fn engage<O: Observer>(sc: &Scenario, streams: TrialStreams, ws: &mut Workspace, obs: &mut O, team: usize, t: f64) {
    if ws.engaged[team] {
        return;
    }
    if team == sc.first_responder && !ws.acked {
        ws.acked = true;
        for k in 0..sc.teams.len() {
            if !ws.paged_by_level[k] {
                ws.engaged[k] = true;
            }
        }
        world::classify(sc, streams, ws, obs, t);
        for i in 0..sc.steps.len() {
            if sc.steps[i].after.is_empty() {
                ready(sc, streams, ws, obs, i, t, NONE);
            }
        }
    } else {
        ws.engaged[team] = true;
    }
    // Steps that waited for this team start, as many as it has free slots.
    // The acknowledgement held them back last: their critical path ends here.
    let waiting = std::mem::take(&mut ws.unengaged[team]);
    for (j, _) in waiting {
        queue_or_start(sc, streams, ws, obs, j as usize, t, NONE);
    }
}

/// The incident reached `level`: page its teams and release the steps waiting for it.
pub(crate) fn level_reached<O: Observer>(sc: &Scenario, streams: TrialStreams, ws: &mut Workspace, obs: &mut O, level: usize, t: f64) {
    if O::ACTIVE {
        obs.on(t, Event::LevelRaised { level });
    }
    for &team in &sc.topology.levels[level].page {
        if !ws.engaged[team] && !ws.paged[team] {
            ws.paged[team] = true;
            let t_ack = page(sc, team, t, ws.clock0, streams, obs);
            ws.push(t_ack, Ev::Engage(team as u32));
        }
    }
    // Released in the order they became ready. What held them back last was the level, not
    // a step: their critical path ends here.
    let mut k = 0;
    while k < ws.level_wait.len() {
        let (j, _) = ws.level_wait[k];
        if sc.steps[j as usize].when.level.is_some_and(|l| l <= level) {
            ws.level_wait.remove(k);
            queue_or_start(sc, streams, ws, obs, j as usize, t, NONE);
        } else {
            k += 1;
        }
    }
}

#[inline]
fn step_done<O: Observer>(sc: &Scenario, streams: TrialStreams, ws: &mut Workspace, obs: &mut O, i: usize, t: f64) {
    ws.running -= 1;
    ws.last_step = i as u32;
    ws.last_finish = t;
    ws.out.finish[i] = t;
    if O::ACTIVE {
        obs.on(
            t,
            Event::StepDone {
                step: i,
                attempts: ws.out.attempts[i],
            },
        );
    }
    let step = &sc.steps[i];
    if let Some(e) = &step.effect {
        world::apply(sc, streams, ws, obs, i, e, t);
    }
    let team = step.team;
    ws.free[team] += 1;
    if let Some((j, _)) = ws.queues[team].pop_front() {
        start(sc, streams, ws, obs, j as usize, t, i as u32);
    }
    finished(sc, streams, ws, obs, i, t);
}

/// Step `i` is done (or skipped) at `t`: its successors may become ready.
#[inline]
fn finished<O: Observer>(sc: &Scenario, streams: TrialStreams, ws: &mut Workspace, obs: &mut O, i: usize, t: f64) {
    for &j in &sc.successors[i] {
        ws.waiting[j] -= 1;
        if ws.waiting[j] == 0 {
            ready(sc, streams, ws, obs, j, t, i as u32);
        }
    }
}

/// Step `i` is ready at `t`; `cause` is the dependency that finished last (or `NONE`).
#[inline]
fn ready<O: Observer>(sc: &Scenario, streams: TrialStreams, ws: &mut Workspace, obs: &mut O, i: usize, t: f64, cause: u32) {
    if O::ACTIVE {
        obs.on(t, Event::StepReady { step: i });
    }
    let when = &sc.steps[i].when;
    if let Some(kind) = when.fault {
        if !fault_injected(sc, kind) {
            skip(sc, streams, ws, obs, i, t, cause);
            return;
        }
        if !ws.alerted[kind.index()] {
            // The plan reacts to what is known: wait until such a fault has been detected.
            if O::ACTIVE {
                obs.on(t, Event::StepAwaitsFault { step: i, kind });
            }
            ws.fault_wait.push((i as u32, cause));
            return;
        }
    }
    proceed(sc, streams, ws, obs, i, t, cause);
}

/// A step that does not apply is skipped at once: its successors go on.
#[cold]
fn skip<O: Observer>(sc: &Scenario, streams: TrialStreams, ws: &mut Workspace, obs: &mut O, i: usize, t: f64, cause: u32) {
    if O::ACTIVE {
        obs.on(t, Event::StepSkipped { step: i });
    }
    ws.pred[i] = cause;
    ws.out.start[i] = t;
    ws.out.finish[i] = t;
    finished(sc, streams, ws, obs, i, t);
}

/// A ready step whose fault condition holds: check the topology's state now, then wait for
/// its level or go to its team.
#[inline]
fn proceed<O: Observer>(sc: &Scenario, streams: TrialStreams, ws: &mut Workspace, obs: &mut O, i: usize, t: f64, cause: u32) {
    let when = &sc.steps[i].when;
    let applies = when.down.is_none_or(|c| !ws.world.serving(c))
        && when.up.is_none_or(|c| ws.world.serving(c))
        && when.lost.is_none_or(|st| ws.world.store_lost(st));
    if !applies {
        skip(sc, streams, ws, obs, i, t, cause);
        return;
    }
    if let Some(level) = when.level
        && ws.out.level.is_none_or(|l| l < level)
    {
        if O::ACTIVE {
            obs.on(t, Event::StepAwaitsLevel { step: i, level });
        }
        ws.level_wait.push((i as u32, cause));
        return;
    }
    queue_or_start(sc, streams, ws, obs, i, t, cause);
}

fn fault_injected(sc: &Scenario, k: FaultKindTag) -> bool {
    sc.topology.faults.iter().any(|f| f.kind.tag() == k)
}

#[inline]
fn queue_or_start<O: Observer>(sc: &Scenario, streams: TrialStreams, ws: &mut Workspace, obs: &mut O, i: usize, t: f64, cause: u32) {
    let team = sc.steps[i].team;
    if !ws.engaged[team] {
        if O::ACTIVE {
            obs.on(t, Event::StepAwaitsTeam { step: i });
        }
        ws.unengaged[team].push((i as u32, cause));
    } else if ws.free[team] > 0 {
        start(sc, streams, ws, obs, i, t, cause);
    } else {
        if O::ACTIVE {
            obs.on(
                t,
                Event::StepQueued {
                    step: i,
                    ahead: ws.queues[team].len(),
                },
            );
        }
        ws.queues[team].push_back((i as u32, cause));
    }
}

/// Step `i` takes a slot of its team at `t`; `pred` is what held it back last (its latest
/// dependency, or the step that freed the slot).
fn start<O: Observer>(sc: &Scenario, streams: TrialStreams, ws: &mut Workspace, obs: &mut O, i: usize, t: f64, pred: u32) {
    let step = &sc.steps[i];
    ws.free[step.team] -= 1;
    ws.pred[i] = pred;
    ws.out.start[i] = t;
    if O::ACTIVE {
        obs.on(t, Event::StepStart { step: i });
    }
    let mut rng = streams.stream(step.key);
    let mut total = 0.0;
    let mut attempts = 0;
    let factor = slower(sc, step.team, ws.clock0, t);
    loop {
        total += step.duration.sample(&mut rng) * factor;
        attempts += 1;
        if step.fail > 0.0 && attempts < MAX_ATTEMPTS && rng.random::<f64>() < step.fail {
            if O::ACTIVE {
                obs.on(
                    t + total,
                    Event::StepRetry {
                        step: i,
                        attempt: attempts,
                    },
                );
            }
            continue;
        }
        break;
    }
    if let Some(Effect::Restore(s)) = &step.effect {
        // A restore also takes the store's own restore time.
        total += sc.stores[*s].restore.sample(&mut streams.stream(sc.stores[*s].key.pair(step.key)));
    }
    ws.out.attempts[i] = attempts;
    ws.out.busy[step.team] += total;
    ws.running += 1;
    ws.push(t + total, Ev::StepDone(i as u32));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn implicit_fault_key_is_the_named_key() {
        assert_eq!(IMPLICIT_FAULT_KEY, StreamKey::named("incident"));
    }
}
