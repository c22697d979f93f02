//! Attacks: an intruder lands, spreads along dependencies, leaks, disrupts and encrypts.

use super::draw::draw;
use super::event::{Cause, Event, Observer};
use super::levels::leaked_at;
use super::queue::Action;
use super::rng::StreamRng;
use super::state::{COMPROMISED, DISRUPTED, ISOLATED};
use super::trial::Trial;
use crate::model::{FaultKind, StreamKey};

impl<O: Observer> Trial<'_, O> {
    /// The intruder of attack `f` lands on `target` now.
    pub(crate) fn land(&mut self, f: usize, target: usize, leak_rate: f64) {
        let sc = self.sc;
        let t = self.now;
        self.world.landed_at[f] = t;
        let _ = self.compromise(f, target);
        if leak_rate > 0.0 && t < self.world.contained_at {
            // When the leak of every intruder so far crosses each level's threshold, at the
            // rates now (rates only grow when another intruder lands, and this runs again).
            let now = leaked_at(sc, self.world, t);
            let rate: f64 = sc
                .topology
                .faults
                .iter()
                .enumerate()
                .filter_map(|(g, fault)| match &fault.kind {
                    FaultKind::Attack { leak_rate, .. } if !self.world.landed_at[g].is_nan() => Some(*leak_rate),
                    _ => None,
                })
                .sum();
            for l in &sc.topology.levels {
                if let Some(x) = l.leaked
                    && x > now
                {
                    self.queue.push(t + (x - now) / rate, Action::LevelCheck);
                }
            }
        }
    }

    /// The intruder of attack `f` crosses from `from` to `to` now. Returns the cause of a
    /// topology change, if one took place.
    pub(crate) fn spread(&mut self, f: usize, from: usize, to: usize) -> Option<Cause> {
        let w = &*self.world;
        if self.now >= w.contained_at || w.has(from, ISOLATED) || w.has(to, ISOLATED) || w.has(to, COMPROMISED) {
            return None;
        }
        if !self.compromise(f, to) {
            self.classify();
            return None; // nothing went down: only the count of compromised components grew
        }
        Some(Cause::Spread(f))
    }

    /// Attack `f`'s stream of spread delays. The injection time is the fault stream's first
    /// draw; spread draws come from a stream of their own so that they do not shift when
    /// `at` changes distribution.
    fn spread_rng(&mut self, f: usize) -> &mut StreamRng {
        let sc = self.sc;
        let slot = sc.topology.components.len() + sc.stores.len() + f;
        self.world
            .rng(slot, sc.topology.faults[f].key.pair(StreamKey::named("spread")), self.streams)
    }

    /// The intruder of attack `f` reaches `c`; returns whether the topology changed (the
    /// component was disrupted or a store encrypted).
    fn compromise(&mut self, f: usize, c: usize) -> bool {
        let sc = self.sc;
        let t = self.now;
        let w = &mut *self.world;
        if w.has(c, COMPROMISED) || w.has(c, ISOLATED) || t >= w.contained_at {
            return false;
        }
        w.set(c, COMPROMISED, true);
        w.n_compromised += 1;
        self.emit(t, || Event::Compromised { comp: c, fault: f });
        let FaultKind::Attack {
            spread, encrypt, disrupt, ..
        } = &sc.topology.faults[f].kind
        else {
            return false;
        };
        let mut changed = false;
        // A group of replicas is a set of hosts, not a host: the intruder passes through it
        // (and counts it as reached) but disrupts only the replicas it reaches.
        if *disrupt && sc.topology.components[c].quorum.is_none() {
            self.world.set(c, DISRUPTED, true);
            changed = true;
        }
        for &s in &sc.topology.stores_on[c] {
            if encrypt.contains(&s) {
                let landed = self.world.landed_at[f];
                self.lose_store(s, Some(landed));
                changed = true;
            }
        }
        for &n in &sc.topology.neighbours[c] {
            if !self.world.has(n, COMPROMISED) && !self.world.has(n, ISOLATED) {
                let mut clamped = 0;
                let d = draw(spread, self.spread_rng(f), &mut clamped);
                self.out.clamped += clamped;
                self.queue.push(
                    t + d,
                    Action::Spread {
                        fault: f as u32,
                        from: c as u32,
                        to: n as u32,
                    },
                );
            }
        }
        changed
    }
}
