//! Detection and paging: monitors (of fault kinds, or of symptoms) and customer reports race
//! to raise the first alert, which pages the first responder's escalation policy; its
//! acknowledgement starts the plan.

use rand::Rng;

use super::draw::draw;
use super::event::{Cause, Event, Observer};
use super::queue::{Action, NO_ID};
use super::state::NONE;
use super::symptoms::SYMPTOM;
use super::trial::Trial;
use crate::model::{Scenario, StreamKey, TeamId, Watch};

/// Stream key of the implicit fault of a scenario that declares none: `named("incident")`,
/// pinned by a test.
const IMPLICIT_FAULT_KEY: StreamKey = StreamKey(0xdd9f_d0a4_e95d_377c);

/// Key of fault `f`'s streams (None: the implicit fault).
fn fault_key(sc: &Scenario, f: Option<usize>) -> StreamKey {
    f.map_or(IMPLICIT_FAULT_KEY, |f| sc.topology.faults[f].key)
}

impl<O: Observer> Trial<'_, O> {
    /// A scenario without faults has one abstract fault at t = 0 that every monitor can see.
    pub(crate) fn inject_implicit(&mut self) {
        self.emit(0.0, || Event::Fault { fault: None });
        self.detect(None);
    }

    /// Draw when each monitor that can see fault `f` (injected now) raises its alert, and when
    /// customer reports would; the earliest opens (or joins) the incident.
    pub(crate) fn detect(&mut self, f: Option<usize>) {
        let sc = self.sc;
        let kind = f.map(|f| sc.topology.faults[f].kind.tag());
        let fk = fault_key(sc, f);
        let mut best: Option<(f64, u32)> = None;
        for (m, mon) in sc.detection.monitors.iter().enumerate() {
            // Symptom monitors watch the world, not faults (`look_at_symptoms`).
            if mon.watches.is_some() {
                continue;
            }
            if let Some(k) = kind
                && !mon.sees.contains(&k)
            {
                continue;
            }
            let mut rng = self.streams.stream(mon.key.pair(fk));
            let delay = draw(&mon.delay, &mut rng, &mut self.out.clamped);
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
            let mut rng = self.streams.stream(StreamKey::named("customer reports").pair(fk));
            let d = draw(fb, &mut rng, &mut self.out.clamped);
            if best.is_none_or(|(b, _)| d < b) {
                best = Some((d, NO_ID));
            }
        }
        if let Some((d, monitor)) = best {
            let fault = f.map_or(NO_ID, |f| f as u32);
            self.queue.push(self.now + d, Action::Alert { fault, monitor });
        }
    }

    /// The world changed (for `cause`): symptom monitors look at what they watch. Free when
    /// the scenario has none.
    #[inline]
    pub(crate) fn watch_symptoms(&mut self, cause: Cause) {
        if !self.world.symptoms.ids.is_empty() {
            self.look_at_symptoms(cause);
        }
    }

    /// Each symptom monitor whose symptom began now draws (from its own stream, one per
    /// onset, so fault-kind monitors' draws do not move) whether it misses this onset and its
    /// delay; a symptom that clears cancels the pending alert.
    fn look_at_symptoms(&mut self, cause: Cause) {
        let sc = self.sc;
        if let Cause::Fault(f) = cause {
            self.world.symptoms.injected[sc.topology.faults[f].kind.tag().index()] = true;
        }
        for k in 0..self.world.symptoms.ids.len() {
            let m = self.world.symptoms.ids[k] as usize;
            let mon = &sc.detection.monitors[m];
            let w = &*self.world;
            let on = match mon.watches {
                Some(Watch::ServiceDown(s)) => !w.svc_up[s],
                Some(Watch::Down(c)) => !w.serving(c),
                Some(Watch::Lost(st)) => w.store_lost(st),
                None => false,
            };
            let sy = &mut self.world.symptoms;
            if on == sy.on[m] {
                continue;
            }
            sy.on[m] = on;
            if !on {
                if !sy.due[m].is_nan() {
                    sy.due[m] = f64::NAN;
                    self.emit(self.now, || Event::AlertCancelled { monitor: m });
                }
                continue;
            }
            if sy.alerted[m] {
                continue;
            }
            let onset = sy.onsets[m];
            sy.onsets[m] += 1;
            let key = mon.key.pair(StreamKey::named("symptom")).pair(StreamKey(onset as u64));
            let mut rng = self.streams.stream(key);
            let delay = draw(&mon.delay, &mut rng, &mut self.out.clamped);
            if mon.miss > 0.0 && rng.random::<f64>() < mon.miss {
                continue;
            }
            let due = self.now + delay;
            self.world.symptoms.due[m] = due;
            self.queue.push(
                due,
                Action::Alert {
                    fault: SYMPTOM,
                    monitor: m as u32,
                },
            );
        }
    }

    /// Steps waiting for a fault of kind `kind` (an index) to be known go on.
    fn reveal(&mut self, kind: usize) {
        if !self.progress.alerted[kind] {
            self.progress.alerted[kind] = true;
            // Steps that wait for this kind of fault to be known go on, in the order they
            // became ready. The alert held them back last: their critical path ends here.
            for (j, _) in std::mem::take(&mut self.progress.fault_wait[kind]) {
                self.proceed(j as usize, NONE);
            }
        }
    }

    /// An alert for fault `f` from monitor `m` (NO_ID: the implicit fault, customer reports;
    /// SYMPTOM: monitor `m` watches a symptom).
    pub(crate) fn alert(&mut self, f: u32, m: u32) {
        let sc = self.sc;
        let t = self.now;
        if f == SYMPTOM {
            // A cancelled alert (the symptom cleared, perhaps to come back later) is not due now.
            let sy = &mut self.world.symptoms;
            if sy.due[m as usize] != t {
                return;
            }
            sy.due[m as usize] = f64::NAN;
            sy.alerted[m as usize] = true;
        }
        let first = !self.progress.opened;
        self.emit(t, || Event::Alert {
            fault: (f != NO_ID && f != SYMPTOM).then_some(f as usize),
            monitor: (m != NO_ID).then_some(m as usize),
            first,
        });
        if f == SYMPTOM {
            // Whoever answers a symptom finds its cause: every kind of fault injected so far
            // becomes known (steps with `when = { fault = KIND }` go on).
            for kind in 0..4 {
                if self.world.symptoms.injected[kind] {
                    self.reveal(kind);
                }
            }
        } else if f != NO_ID {
            self.reveal(sc.topology.faults[f as usize].kind.tag().index());
        }
        if !first {
            return; // later alerts join the open incident
        }
        self.progress.opened = true;
        self.out.detect = t - self.out.t0;
        let t_ack = self.page(sc.first_responder, t);
        self.out.ack = t_ack - t;
        self.queue.push(t_ack, Action::Engage(sc.first_responder as u32));
    }

    /// Page `team`'s escalation policy from time `t`; returns the time of acknowledgement (or
    /// of the last resort).
    pub(crate) fn page(&mut self, team: TeamId, mut t: f64) -> f64 {
        let sc = self.sc;
        let esc = &sc.teams[team].escalation;
        let mut rng = self.streams.stream(sc.teams[team].key);
        for pass in 0..=esc.repeat {
            for (level, lv) in esc.levels.iter().enumerate() {
                self.emit(t, || Event::Page { team, level, pass });
                if rng.random::<f64>() < lv.ack {
                    t += draw(&lv.ack_delay, &mut rng, &mut self.out.clamped) * self.slower(team, t);
                    self.emit(t, || Event::Ack { team, level });
                    return t;
                }
                t += lv.timeout;
                self.emit(t, || Event::PageTimeout { team, level, pass });
            }
        }
        t += draw(&esc.last_resort, &mut rng, &mut self.out.clamped);
        self.emit(t, || Event::LastResort { team });
        t
    }

    /// How much slower `team` works at time `t`: its off-hours factor at night, else 1.
    #[inline]
    pub(crate) fn slower(&self, team: TeamId, t: f64) -> f64 {
        let clock0 = self.progress.clock0;
        match self.sc.teams[team].off_hours {
            Some(o) if clock0.is_finite() && o.contains((clock0 + t).rem_euclid(1440.0)) => o.slower,
            _ => 1.0,
        }
    }

    /// A team acknowledged its page. The first responder's acknowledgement starts the plan and
    /// engages every team that no level pages.
    pub(crate) fn engage(&mut self, team: usize) {
        let sc = self.sc;
        if self.progress.engaged[team] {
            return;
        }
        if team == sc.first_responder && !self.progress.acked {
            self.progress.acked = true;
            for k in 0..sc.teams.len() {
                if !self.plan.paged_by_level[k] {
                    self.progress.engaged[k] = true;
                }
            }
            self.classify();
            let plan = self.plan;
            for &i in &plan.roots {
                self.ready(i as usize, NONE);
            }
        } else {
            self.progress.engaged[team] = true;
        }
        // Steps that waited for this team start, as many as it has free slots.
        // The acknowledgement held them back last: their critical path ends here.
        let waiting = std::mem::take(&mut self.progress.unengaged[team]);
        for (j, _) in waiting {
            self.queue_or_start(j as usize, NONE);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn implicit_fault_key_is_the_named_key() {
        assert_eq!(IMPLICIT_FAULT_KEY, StreamKey::named("incident"));
    }
}
