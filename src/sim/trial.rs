//! One trial as one value: the clock, the pending actions, the plan's progress, the
//! topology's state and the observer, borrowed from a worker's reusable [`Workspace`].
//!
//! The engine's rules are methods of [`Trial`], by subject: the plan's steps and teams
//! (`plan.rs`), detection, paging and severity levels (`alerting.rs`, `levels.rs`), faults
//! and step effects on the topology (`power.rs`, `attack.rs`, `data.rs`, `effect.rs`).

use std::collections::VecDeque;

use super::event::Observer;
use super::outcome::TrialOutcome;
use super::queue::Queue;
use super::rng::TrialStreams;
use super::state::{NONE, TopologyState};
use crate::model::{Clock, Dist, Effect, FaultKindTag, Scenario, StreamKey};

/// Upper bound on the attempts of one step, so that a step with `fail` close to 1 still ends.
pub const MAX_ATTEMPTS: u32 = 1000;

/// What a step needs when it starts, packed per step so that a large plan's hot loop touches
/// one short record per step rather than the whole checked step.
#[derive(Clone, Debug)]
pub(crate) struct HotStep {
    pub(crate) duration: Dist,
    pub(crate) key: StreamKey,
    pub(crate) fail: f64,
    pub(crate) team: u32,
    /// The store a restore step restores (its restore time is added), or NONE.
    pub(crate) restores: u32,
    /// Whether the step has a condition to look at (`when`) or an effect to carry out.
    pub(crate) conditional: bool,
    pub(crate) has_effect: bool,
    /// Whether the step waits for the world (`wait`).
    pub(crate) waits: bool,
    /// Whether its duration is drawn when the trial begins (see [`Progress::first_draw`]).
    pub(crate) predraw: bool,
    /// How many steps it waits for.
    pub(crate) after: u32,
    /// Range of `Plan::succ` with the steps that wait for it.
    pub(crate) succ: (u32, u32),
}

/// The plan as the engine walks it: per-step records and the successor lists, flat.
#[derive(Clone, Debug, Default)]
pub(crate) struct Plan {
    pub(crate) steps: Vec<HotStep>,
    pub(crate) succ: Vec<u32>,
    /// Steps without dependencies, in step order (ready at the acknowledgement).
    pub(crate) roots: Vec<u32>,
    /// Per fault kind: the scenario injects a fault of that kind.
    pub(crate) injected: [bool; 4],
    /// Per team: some severity level pages it (so it is not engaged with the first responder).
    pub(crate) paged_by_level: Vec<bool>,
}

impl Plan {
    fn new(sc: &Scenario) -> Plan {
        let mut succ = Vec::new();
        let steps = sc
            .steps
            .iter()
            .zip(&sc.successors)
            .map(|(s, next)| {
                let a = succ.len() as u32;
                succ.extend(next.iter().map(|&j| j as u32));
                let w = &s.when;
                HotStep {
                    duration: s.duration.clone(),
                    key: s.key,
                    fail: s.fail,
                    team: s.team as u32,
                    // The first restore's store (its restore time is added to the step).
                    restores: s
                        .effects
                        .iter()
                        .find_map(|e| match e {
                            Effect::Restore(st) => Some(*st as u32),
                            _ => None,
                        })
                        .unwrap_or(NONE),
                    conditional: w.fault.is_some()
                        || w.level.is_some()
                        || w.down.is_some()
                        || w.up.is_some()
                        || w.lost.is_some()
                        || !s.wait.is_empty(),
                    has_effect: !s.effects.is_empty(),
                    waits: !s.wait.is_empty(),
                    // One draw from its own stream, no retries, nothing deciding whether it
                    // runs but the plan's order: drawn ahead, the same number.
                    predraw: s.fail == 0.0
                        && !(w.fault.is_some()
                            || w.level.is_some()
                            || w.down.is_some()
                            || w.up.is_some()
                            || w.lost.is_some()
                            || !s.wait.is_empty()),
                    after: s.after.len() as u32,
                    succ: (a, succ.len() as u32),
                }
            })
            .collect();
        let mut injected = [false; 4];
        for f in &sc.topology.faults {
            injected[f.kind.tag().index()] = true;
        }
        let mut paged_by_level = vec![false; sc.teams.len()];
        for l in &sc.topology.levels {
            for &t in &l.page {
                if t != sc.first_responder {
                    paged_by_level[t] = true;
                }
            }
        }
        Plan {
            steps,
            succ,
            roots: (0..sc.steps.len() as u32)
                .filter(|&i| sc.steps[i as usize].after.is_empty())
                .collect(),
            injected,
            paged_by_level,
        }
    }
}

/// Where the plan is in one trial: per step and per team.
#[derive(Debug, Default)]
pub(crate) struct Progress {
    /// Per step: dependencies not yet done.
    pub(crate) waiting: Vec<u32>,
    /// Per step: what held it back last (a step, or NONE), for the critical path.
    pub(crate) pred: Vec<u32>,
    /// Per step with `predraw`: its duration's draw (unbounded, unscaled), made when the trial
    /// begins. A step's stream is its own, so drawing early gives the same number as drawing at
    /// its start; the draws of all steps, independent of each other, then overlap in the
    /// processor instead of each waiting in turn for its stream's seeding and `exp`.
    pub(crate) first_draw: Vec<f64>,
    /// Per team: free slots.
    pub(crate) free: Vec<u32>,
    /// Per team: steps waiting for a free slot, with their cause.
    pub(crate) queues: Vec<VecDeque<(u32, u32)>>,
    /// Per team: steps ready but waiting for the team to be engaged.
    pub(crate) unengaged: Vec<Vec<(u32, u32)>>,
    pub(crate) engaged: Vec<bool>,
    /// Per team: paged in this trial.
    pub(crate) paged: Vec<bool>,
    /// Steps ready but waiting for a level, with their cause, in the order they became ready.
    pub(crate) level_wait: Vec<(u32, u32)>,
    /// Per fault kind: steps ready but waiting for a fault of that kind to be detected.
    pub(crate) fault_wait: [Vec<(u32, u32)>; 4],
    /// Steps ready but waiting for the world (`wait`), with their cause, in the order they
    /// began to wait; checked again after every change of the world.
    pub(crate) world_wait: Vec<(u32, u32)>,
    /// Per fault kind: a fault of that kind has raised an alert.
    pub(crate) alerted: [bool; 4],
    /// Incident opened (first alert) and acknowledged.
    pub(crate) opened: bool,
    pub(crate) acked: bool,
    pub(crate) last_step: u32,
    pub(crate) last_finish: f64,
    /// Steps started and not yet finished.
    pub(crate) running: u32,
    /// Clock time of t = 0 in this trial (minutes after midnight; NaN when not modelled).
    pub(crate) clock0: f64,
}

impl Progress {
    fn new(sc: &Scenario) -> Progress {
        let (n, nt) = (sc.steps.len(), sc.teams.len());
        Progress {
            waiting: vec![0; n],
            pred: vec![NONE; n],
            first_draw: vec![f64::NAN; n],
            free: vec![0; nt],
            queues: vec![VecDeque::new(); nt],
            unengaged: vec![Vec::new(); nt],
            engaged: vec![false; nt],
            paged: vec![false; nt],
            clock0: f64::NAN,
            last_step: NONE,
            ..Progress::default()
        }
    }

    fn reset(&mut self, sc: &Scenario, plan: &Plan) {
        for (w, s) in self.waiting.iter_mut().zip(&plan.steps) {
            *w = s.after;
        }
        self.pred.fill(NONE);
        for (f, t) in self.free.iter_mut().zip(&sc.teams) {
            *f = t.capacity;
        }
        self.queues.iter_mut().for_each(VecDeque::clear);
        self.unengaged.iter_mut().for_each(Vec::clear);
        self.engaged.fill(false);
        self.paged.fill(false);
        self.level_wait.clear();
        self.fault_wait.iter_mut().for_each(Vec::clear);
        self.world_wait.clear();
        self.alerted = [false; 4];
        self.opened = false;
        self.acked = false;
        self.last_step = NONE;
        self.last_finish = 0.0;
        self.running = 0;
        self.clock0 = match sc.start {
            Some(Clock::At(c)) => c,
            None | Some(Clock::Any) => f64::NAN, // Any: drawn when the trial starts
        };
    }

    /// The plan has closed: the incident was acknowledged, no step is running, and none waits
    /// (for a level, an alert, the world, a team or a slot). Impact that grows afterwards no longer
    /// raises the level (the leak is measured until then).
    pub(crate) fn closed(&self) -> bool {
        self.acked
            && self.running == 0
            && self.level_wait.is_empty()
            && self.fault_wait.iter().all(Vec::is_empty)
            && self.world_wait.is_empty()
            && self.unengaged.iter().all(Vec::is_empty)
            && self.queues.iter().all(VecDeque::is_empty)
    }
}

/// Reusable buffers of one worker, so that a trial allocates (almost) nothing.
#[derive(Debug, Default)]
pub struct Workspace {
    pub(crate) queue: Queue,
    pub(crate) plan: Plan,
    pub(crate) progress: Progress,
    pub(crate) world: TopologyState,
    /// The outcome of the last trial run with this workspace.
    pub out: TrialOutcome,
}

impl Workspace {
    /// Buffers sized for `sc`.
    pub fn new(sc: &Scenario) -> Workspace {
        let (n, nt) = (sc.steps.len(), sc.teams.len());
        Workspace {
            queue: Queue::with_capacity(n + 16),
            plan: Plan::new(sc),
            progress: Progress::new(sc),
            world: TopologyState::new(sc),
            out: TrialOutcome {
                critical: vec![false; n],
                attempts: vec![0; n],
                effect_failed: vec![false; n],
                start: vec![f64::NAN; n],
                finish: vec![f64::NAN; n],
                busy: vec![0.0; nt],
                downtime: vec![0.0; sc.services.len()],
                longest_outage: vec![0.0; sc.services.len()],
                restored: vec![0.0; sc.services.len()],
                data_lost: vec![0.0; sc.stores.len()],
                ..TrialOutcome::default()
            },
        }
    }

    /// A new trial of `sc` on these buffers, reporting to `obs`.
    pub(crate) fn trial<'a, O: Observer>(&'a mut self, sc: &'a Scenario, streams: TrialStreams, obs: &'a mut O) -> Trial<'a, O> {
        self.queue.clear();
        self.progress.reset(sc, &self.plan);
        self.world.reset(sc);
        self.out.reset();
        for (x, s) in self.progress.first_draw.iter_mut().zip(&self.plan.steps) {
            if s.predraw {
                *x = s.duration.sample(&mut streams.stream(s.key));
            }
        }
        Trial {
            sc,
            streams,
            now: 0.0,
            queue: &mut self.queue,
            plan: &self.plan,
            progress: &mut self.progress,
            world: &mut self.world,
            out: &mut self.out,
            obs,
        }
    }
}

/// One trial in play.
pub(crate) struct Trial<'a, O: Observer> {
    pub(crate) sc: &'a Scenario,
    pub(crate) streams: TrialStreams,
    /// The clock: the time of the action being handled (minutes from the exercise's start).
    pub(crate) now: f64,
    pub(crate) queue: &'a mut Queue,
    pub(crate) plan: &'a Plan,
    pub(crate) progress: &'a mut Progress,
    pub(crate) world: &'a mut TopologyState,
    pub(crate) out: &'a mut TrialOutcome,
    pub(crate) obs: &'a mut O,
}

impl<O: Observer> Trial<'_, O> {
    /// Report an event at `t` (built only when the observer wants events).
    #[inline(always)]
    pub(crate) fn emit(&mut self, t: f64, event: impl FnOnce() -> super::event::Event) {
        if O::ACTIVE {
            self.obs.on(t, event());
        }
    }

    /// A fault of this kind is injected in the scenario.
    #[inline]
    pub(crate) fn injected(&self, k: FaultKindTag) -> bool {
        self.plan.injected[k.index()]
    }
}
