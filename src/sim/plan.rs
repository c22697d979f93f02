//! The plan's steps on teams of finite capacity.
//!
//! When a step finishes, its team's slot goes to the head of that team's queue first, then
//! the step's successors that are now ready, in step order, each take a free slot of their
//! team or join its queue (as the ref20 reference model orders them).

use rand::Rng;

use super::draw::{bounded, draw};
use super::event::{Event, Observer};
use super::queue::Action;
use super::state::NONE;
use super::trial::{MAX_ATTEMPTS, Trial};
use crate::model::WaitAtom;

impl<O: Observer> Trial<'_, O> {
    /// Step `i`'s last attempt finished now.
    #[inline]
    pub(crate) fn step_done(&mut self, i: usize) {
        let t = self.now;
        let p = &mut *self.progress;
        p.running -= 1;
        p.last_step = i as u32;
        p.last_finish = t;
        self.out.finish[i] = t;
        let attempts = self.out.attempts[i];
        self.emit(t, || Event::StepDone { step: i, attempts });
        let plan = self.plan;
        let hot = &plan.steps[i];
        if hot.has_effect {
            let sc = self.sc;
            for e in &sc.steps[i].effects {
                self.apply(i, e);
            }
        }
        let team = hot.team as usize;
        self.progress.free[team] += 1;
        if let Some((j, _)) = self.progress.queues[team].pop_front() {
            self.start(j as usize, i as u32);
        }
        self.finished(i);
    }

    /// Step `i` is done (or skipped) now: its successors may become ready.
    #[inline]
    pub(crate) fn finished(&mut self, i: usize) {
        let plan = self.plan;
        let (a, b) = plan.steps[i].succ;
        for &j in &plan.succ[a as usize..b as usize] {
            let w = &mut self.progress.waiting[j as usize];
            *w -= 1;
            if *w == 0 {
                self.ready(j as usize, i as u32);
            }
        }
    }

    /// Step `i` is ready now; `cause` is the dependency that finished last (or `NONE`).
    #[inline]
    pub(crate) fn ready(&mut self, i: usize, cause: u32) {
        self.emit(self.now, || Event::StepReady { step: i });
        if !self.plan.steps[i].conditional {
            self.queue_or_start(i, cause);
            return;
        }
        if let Some(kind) = self.sc.steps[i].when.fault {
            if !self.injected(kind) {
                self.skip(i, cause);
                return;
            }
            if !self.progress.alerted[kind.index()] {
                // The plan reacts to what is known: wait until such a fault has been detected.
                self.emit(self.now, || Event::StepAwaitsFault { step: i, kind });
                self.progress.fault_wait[kind.index()].push((i as u32, cause));
                return;
            }
        }
        self.proceed(i, cause);
    }

    /// A step that does not apply is skipped at once: its successors go on.
    #[cold]
    fn skip(&mut self, i: usize, cause: u32) {
        let t = self.now;
        self.emit(t, || Event::StepSkipped { step: i });
        self.progress.pred[i] = cause;
        self.out.start[i] = t;
        self.out.finish[i] = t;
        self.finished(i);
    }

    /// A ready step whose fault condition holds: check the topology's state now, then wait for
    /// its level or go to its team.
    #[inline]
    pub(crate) fn proceed(&mut self, i: usize, cause: u32) {
        let when = &self.sc.steps[i].when;
        let w = &*self.world;
        let applies =
            when.down.is_none_or(|c| !w.serving(c)) && when.up.is_none_or(|c| w.serving(c)) && when.lost.is_none_or(|st| w.store_lost(st));
        if !applies {
            self.skip(i, cause);
            return;
        }
        if self.plan.steps[i].waits && !self.wait_holds(i) {
            self.emit(self.now, || Event::StepAwaitsWorld { step: i });
            self.progress.world_wait.push((i as u32, cause));
            return;
        }
        self.await_level(i, cause);
    }

    /// Whether what step `i` waits for in the world holds now: one of its alternatives, each
    /// with all of its facts.
    fn wait_holds(&self, i: usize) -> bool {
        let sc = self.sc;
        let w = &*self.world;
        sc.steps[i].wait.iter().any(|all| {
            all.iter().all(|a| match *a {
                WaitAtom::Up(c) => w.serving(c),
                WaitAtom::Down(c) => !w.serving(c),
                WaitAtom::Powered(f) => w.serving(f),
                WaitAtom::Contained => w.contained_at.is_finite() || w.landed_at.iter().all(|l| l.is_nan()),
                WaitAtom::Restored(st) => !w.store_lost(st),
                WaitAtom::Lost(st) => w.store_lost(st),
                WaitAtom::ServiceUp(s) => w.svc_up[s],
                WaitAtom::ServiceDown(s) => !w.svc_up[s],
            })
        })
    }

    /// The world changed: the steps whose wait now holds go on, in the order they began to
    /// wait. The change held them back last, not a step: their critical path ends here.
    #[inline]
    pub(crate) fn recheck_waits(&mut self) {
        if self.progress.world_wait.is_empty() {
            return;
        }
        let waiting = std::mem::take(&mut self.progress.world_wait);
        let mut kept = Vec::with_capacity(waiting.len());
        let mut released = Vec::new();
        for (j, cause) in waiting {
            if self.wait_holds(j as usize) {
                released.push(j);
            } else {
                kept.push((j, cause));
            }
        }
        self.progress.world_wait = kept;
        for j in released {
            self.emit(self.now, || Event::StepWaitOver { step: j as usize });
            self.await_level(j as usize, NONE);
        }
    }

    /// A ready step whose conditions hold and whose wait is over: wait for its level, or go
    /// to its team.
    #[inline]
    fn await_level(&mut self, i: usize, cause: u32) {
        let when = &self.sc.steps[i].when;
        if let Some(level) = when.level
            && self.out.level.is_none_or(|l| l < level)
        {
            self.emit(self.now, || Event::StepAwaitsLevel { step: i, level });
            self.progress.level_wait.push((i as u32, cause));
            return;
        }
        self.queue_or_start(i, cause);
    }

    /// Step `i` goes to its team: it starts if the team is engaged and has a free slot, else
    /// it waits.
    #[inline]
    pub(crate) fn queue_or_start(&mut self, i: usize, cause: u32) {
        let team = self.plan.steps[i].team as usize;
        let p = &mut *self.progress;
        if !p.engaged[team] {
            p.unengaged[team].push((i as u32, cause));
            self.emit(self.now, || Event::StepAwaitsTeam { step: i });
        } else if p.free[team] > 0 {
            self.start(i, cause);
        } else {
            let ahead = p.queues[team].len();
            p.queues[team].push_back((i as u32, cause));
            self.emit(self.now, || Event::StepQueued { step: i, ahead });
        }
    }

    /// Step `i` takes a slot of its team now; `pred` is what held it back last (its latest
    /// dependency, or the step that freed the slot).
    fn start(&mut self, i: usize, pred: u32) {
        let t = self.now;
        let plan = self.plan;
        let step = &plan.steps[i];
        let team = step.team as usize;
        self.progress.free[team] -= 1;
        self.progress.pred[i] = pred;
        self.out.start[i] = t;
        self.emit(t, || Event::StepStart { step: i });
        let mut total = 0.0;
        let mut attempts = 0;
        let factor = self.slower(team, t);
        if step.predraw {
            total += bounded(self.progress.first_draw[i], &mut self.out.clamped) * factor;
            attempts = 1;
        } else {
            let mut rng = self.streams.stream(step.key);
            loop {
                total += draw(&step.duration, &mut rng, &mut self.out.clamped) * factor;
                attempts += 1;
                if step.fail > 0.0 && attempts < MAX_ATTEMPTS && rng.random::<f64>() < step.fail {
                    let at = t + total;
                    self.emit(at, || Event::StepRetry {
                        step: i,
                        attempt: attempts,
                    });
                    continue;
                }
                break;
            }
        }
        if step.restores != NONE {
            // A restore also takes the store's own restore time.
            let st = &self.sc.stores[step.restores as usize];
            total += draw(&st.restore, &mut self.streams.stream(st.key.pair(step.key)), &mut self.out.clamped);
        }
        self.out.attempts[i] = attempts;
        self.out.busy[team] += total;
        self.progress.running += 1;
        self.queue.push(t + total, Action::StepDone(i as u32));
    }
}
