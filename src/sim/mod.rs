//! One trial's engine: detection, paging, and the plan's steps on teams of finite capacity.
//!
//! A trial is a pure function of `(scenario, seed, trial index)`. The same function serves
//! the batch run (with an [`Observer`] that does nothing, compiled away) and `drillsim trace`
//! (with an observer that records a timeline), so a trace always agrees with what the batch
//! counted for that trial.
//!
//! Ordering inside a trial follows ref20's `model.md`: events leave the queue by (time,
//! sequence number); when a step finishes, its team's slot goes to the head of that team's
//! queue first, then the step's successors that are now ready, in step order, each take a
//! free slot of their team or join its queue.

pub mod rng;
pub mod trace;

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

use rand::Rng;

use crate::model::{Scenario, StepId, TeamId};
use rng::{StreamKey, TrialStreams};

/// Upper bound on the attempts of one step, so that a step with `fail` close to 1 still ends.
pub const MAX_ATTEMPTS: u32 = 1000;

/// Marks "no step": the critical path reached the acknowledgement of the page.
const NONE: u32 = u32::MAX;

/// What happened, for observers (the trace). Times are passed alongside, in minutes.
#[allow(missing_docs)]
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// The fault is injected (t = 0).
    Fault,
    /// The first alert opens the incident.
    Alert {
        /// The monitor missed the fault; customer reports raised it.
        by_fallback: bool,
    },
    /// A level of a team's escalation policy is paged.
    Page { team: TeamId, level: usize, pass: u32 },
    /// The paged level did not acknowledge before its timeout.
    PageTimeout { team: TeamId, level: usize, pass: u32 },
    /// The paged level acknowledged.
    Ack { team: TeamId, level: usize },
    /// Nobody acknowledged; the last resort picked the incident up.
    LastResort { team: TeamId },
    /// A step's dependencies are done (or the incident was acknowledged, for a first step).
    StepReady { step: StepId },
    /// A ready step waits for a free slot of its team.
    StepQueued { step: StepId, ahead: usize },
    /// A step starts.
    StepStart { step: StepId },
    /// An attempt of a step failed; the team starts it again.
    StepRetry { step: StepId, attempt: u32 },
    /// A step finishes.
    StepDone { step: StepId, attempts: u32 },
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

/// What one trial measured (all times in minutes).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrialOutcome {
    /// Fault to first alert.
    pub detect: f64,
    /// Alert to first acknowledgement (or to the last resort).
    pub ack: f64,
    /// Fault to recovery (the finish of the plan's final step while there are no business
    /// services in the model).
    pub recovery: f64,
    /// Fault to the finish of the plan's last step.
    pub close: f64,
    /// Per step: on the critical path of this trial.
    pub critical: Vec<bool>,
    /// Per step: attempts made.
    pub attempts: Vec<u32>,
    /// Per step: start and finish times (NaN if it never ran).
    pub start: Vec<f64>,
    /// Per step: finish time.
    pub finish: Vec<f64>,
    /// Per team: minutes of work done (sum over its steps).
    pub busy: Vec<f64>,
    /// Per business service: minutes from the fault until it was up again (0 if it never
    /// went down).
    pub downtime: Vec<f64>,
    /// Per data store: minutes of writes lost.
    pub data_lost: Vec<f64>,
    /// Volume of data leaked by attacks (in the attack's own unit, e.g. GB).
    pub leaked: f64,
    /// Highest severity level reached (index into `Scenario::levels`), if any.
    pub level: Option<usize>,
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

#[derive(Clone, Copy, Debug)]
struct Pending {
    t: f64,
    seq: u64,
    step: u32,
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

/// Reusable buffers of one worker, so that a trial allocates nothing.
#[derive(Debug, Default)]
pub struct Workspace {
    heap: BinaryHeap<Pending>,
    seq: u64,
    waiting: Vec<u32>,
    free: Vec<u32>,
    queues: Vec<VecDeque<u32>>,
    pred: Vec<u32>,
    /// The outcome of the last trial run with this workspace.
    pub out: TrialOutcome,
}

impl Workspace {
    /// Buffers sized for `sc`.
    pub fn new(sc: &Scenario) -> Workspace {
        let n = sc.steps.len();
        Workspace {
            heap: BinaryHeap::with_capacity(n),
            seq: 0,
            waiting: vec![0; n],
            free: vec![0; sc.teams.len()],
            queues: vec![VecDeque::new(); sc.teams.len()],
            pred: vec![NONE; n],
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
        self.pred.fill(NONE);
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
    }
}

/// Key of the detection stream.
pub fn detection_key() -> StreamKey {
    StreamKey::named("detection")
}

/// Play one trial; the outcome is left in `ws.out`.
pub fn run_trial<O: Observer>(sc: &Scenario, streams: TrialStreams, ws: &mut Workspace, obs: &mut O) {
    ws.reset(sc);
    if O::ACTIVE {
        obs.on(0.0, Event::Fault);
    }

    // Detection: the monitor's delay, or the fallback when it misses.
    let det = &sc.detection;
    let mut rng = streams.stream(detection_key());
    let mut t_alert = det.delay.sample(&mut rng);
    let mut by_fallback = false;
    if det.miss > 0.0 && rng.random::<f64>() < det.miss {
        t_alert = det.fallback.sample(&mut rng);
        by_fallback = true;
    }
    if O::ACTIVE {
        obs.on(t_alert, Event::Alert { by_fallback });
    }

    let t_ack = page(sc, sc.first_responder, t_alert, streams, obs);
    ws.out.detect = t_alert;
    ws.out.ack = t_ack - t_alert;

    // The plan: first steps become ready at the acknowledgement.
    for i in 0..sc.steps.len() {
        if sc.steps[i].after.is_empty() {
            ready(sc, streams, ws, obs, i, t_ack, NONE);
        }
    }
    let mut now = t_ack;
    let mut last = NONE;
    while let Some(Pending { t, step, .. }) = ws.heap.pop() {
        now = t;
        last = step;
        let i = step as usize;
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
        let team = sc.steps[i].team;
        ws.free[team] += 1;
        if let Some(j) = ws.queues[team].pop_front() {
            start(sc, streams, ws, obs, j as usize, t, step);
        }
        for &j in &sc.successors[i] {
            ws.waiting[j] -= 1;
            if ws.waiting[j] == 0 {
                ready(sc, streams, ws, obs, j, t, step);
            }
        }
    }
    ws.out.close = now;
    ws.out.recovery = now;
    if O::ACTIVE {
        obs.on(now, Event::Recovered);
    }
    // Walk the critical path back from the step that finished last.
    let mut k = last;
    while k != NONE {
        ws.out.critical[k as usize] = true;
        k = ws.pred[k as usize];
    }
}

/// Page `team`'s escalation policy from time `t`; returns the time of acknowledgement (or of
/// the last resort).
fn page<O: Observer>(sc: &Scenario, team: TeamId, mut t: f64, streams: TrialStreams, obs: &mut O) -> f64 {
    let esc = &sc.teams[team].escalation;
    let mut rng = streams.stream(sc.teams[team].key);
    for pass in 0..=esc.repeat {
        for (level, lv) in esc.levels.iter().enumerate() {
            if O::ACTIVE {
                obs.on(t, Event::Page { team, level, pass });
            }
            if rng.random::<f64>() < lv.ack {
                t += lv.ack_delay.sample(&mut rng);
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

/// Step `i` is ready at `t`; `cause` is the dependency that finished last (or `NONE`).
#[inline]
fn ready<O: Observer>(sc: &Scenario, streams: TrialStreams, ws: &mut Workspace, obs: &mut O, i: usize, t: f64, cause: u32) {
    if O::ACTIVE {
        obs.on(t, Event::StepReady { step: i });
    }
    let team = sc.steps[i].team;
    if ws.free[team] > 0 {
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
        ws.queues[team].push_back(i as u32);
    }
}

/// Step `i` takes a slot of its team at `t`; `pred` is what held it back last (its latest
/// dependency, or the step that freed the slot).
#[inline]
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
    loop {
        total += step.duration.sample(&mut rng);
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
    ws.out.attempts[i] = attempts;
    ws.out.busy[step.team] += total;
    ws.seq += 1;
    ws.heap.push(Pending {
        t: t + total,
        seq: ws.seq,
        step: i as u32,
    });
}
