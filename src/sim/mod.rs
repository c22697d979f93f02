//! One trial's engine: faults, detection, paging, severity levels, and the plan's steps on
//! teams of finite capacity acting on the topology.
//!
//! A trial is a pure function of `(scenario, seed, trial index)`. The same function serves
//! the batch run (with an [`Observer`] that does nothing, compiled away) and `drillsim trace`
//! (with an observer that records a timeline), so a trace always agrees with what the batch
//! counted for that trial.
//!
//! Inside, lowest first (no file imports one above it): [`rng`] (named streams), `event` and
//! `outcome` (what a trial reports), `draw` (bounded draws), `queue` (pending actions, earliest
//! first, ties in push order), `state` (the topology's state and its refresh), `trial` (one
//! trial as a value, `Trial`, and the reusable [`Workspace`]); then the
//! engine's rules as methods of the trial: `plan`, `alerting`, `levels`, `power`, `attack`,
//! `data`, `effect`; and here, the loop that plays a trial.

mod alerting;
mod attack;
mod data;
mod diagnosis;
mod draw;
mod effect;
mod event;
mod levels;
mod outcome;
mod plan;
mod power;
mod queue;
pub mod rng;
mod state;
mod symptoms;
pub mod trace;
mod trial;

use rand::Rng;

pub use draw::LONGEST_DRAW;
pub use event::{Cause, DownReason, Event, Observer};
pub use outcome::TrialOutcome;
pub use trial::{MAX_ATTEMPTS, Workspace};

use crate::model::{Clock, Scenario, StreamKey};
use queue::Action;
use rng::TrialStreams;
use state::NONE;
use trial::Trial;

/// Play one trial; the outcome is left in `ws.out`.
pub fn run_trial<O: Observer>(sc: &Scenario, streams: TrialStreams, ws: &mut Workspace, obs: &mut O) {
    let mut tr = ws.trial(sc, streams, obs);
    if sc.start == Some(Clock::Any) {
        tr.progress.clock0 = 1440.0 * streams.stream(StreamKey::named("clock")).random::<f64>();
    }
    let faults = &sc.topology.faults;
    if faults.is_empty() {
        tr.inject_implicit();
    } else {
        let mut t0 = f64::INFINITY;
        for (i, f) in faults.iter().enumerate() {
            let t = draw::draw(&f.at, &mut streams.stream(f.key), &mut tr.out.clamped);
            t0 = t0.min(t);
            tr.queue.push(t, Action::Inject(i as u32));
        }
        tr.out.t0 = t0;
    }
    tr.world.horizon_end = tr.out.t0 + sc.horizon;
    let mut last_event = 0.0f64;
    while let Some((t, action)) = tr.queue.pop() {
        tr.out.events += 1;
        tr.now = t;
        last_event = t;
        tr.handle(action);
    }
    tr.close(last_event);
}

impl<O: Observer> Trial<'_, O> {
    /// Carry out one action of the queue, at `self.now`.
    #[inline]
    fn handle(&mut self, action: Action) {
        let cause = match action {
            Action::StepDone(i) => return self.step_done(i as usize),
            Action::Inject(f) => return self.inject(f as usize),
            Action::Alert { fault, monitor } => return self.alert(fault, monitor),
            Action::Engage(team) => return self.engage(team as usize),
            Action::LevelCheck => {
                if !self.progress.closed() {
                    self.classify();
                }
                return;
            }
            Action::FailoverDone(c) => self.failover_done(c as usize),
            Action::UtilityBack(f) => self.utility_back(f as usize),
            Action::BatteryEmpty(f) => self.battery_empty(f as usize),
            Action::GeneratorOn(f) => self.generator_on(f as usize),
            Action::Spread { fault, from, to } => self.spread(fault as usize, from as usize, to as usize),
        };
        if let Some(cause) = cause {
            self.changed(cause);
        }
    }

    /// Nothing more happens (the last action was at `last_event`): the trial's measures, from
    /// the first fault's injection, and its critical path.
    fn close(self, last_event: f64) {
        let sc = self.sc;
        let t0 = self.out.t0;
        let p = &*self.progress;
        self.out.close = if p.last_step == NONE {
            (self.out.detect + self.out.ack).max(0.0)
        } else {
            p.last_finish - t0
        };
        let (last_step, last_finish) = (p.last_step, p.last_finish);
        // An intruder never contained leaks until the close of the plan.
        let o = &mut *self.out;
        let mut measures = state::ServiceMeasures {
            downtime: &mut o.downtime,
            longest: &mut o.longest_outage,
            restored: &mut o.restored,
        };
        self.world.service_measures(sc, t0, &mut measures);
        self.out.leaked = levels::leaked_at(sc, self.world, last_finish.max(t0));
        self.out.clamped += self.world.clamped;
        self.out.recomputed = self.world.recomputed;
        let recovered_at = if sc.services.is_empty() {
            self.out.recovery = self.out.close;
            last_finish
        } else {
            let r = self.out.restored.iter().copied().fold(0.0, f64::max);
            self.out.recovery = r;
            t0 + r
        };
        if O::ACTIVE {
            let end = last_event.max(t0);
            let mut down = self.world.still_down().peekable();
            if down.peek().is_none() {
                self.obs.on(recovered_at, Event::Recovered);
            } else {
                for service in down {
                    let cause = diagnosis::why_down(sc, self.world, service);
                    self.obs.on(end, Event::Unrecovered { service, cause });
                }
            }
        }
        // Walk the critical path back from what set the recovery time.
        let mut k = if sc.services.is_empty() {
            last_step
        } else {
            self.world.recovery_cause
        };
        while k != NONE {
            // Skipped steps pass the chain on but took no time: they are not critical.
            self.out.critical[k as usize] = self.out.attempts[k as usize] > 0;
            k = self.progress.pred[k as usize];
        }
    }
}
