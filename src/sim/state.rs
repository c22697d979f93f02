//! The topology's state during a trial: a word of state bits per component, and the refresh
//! that derives which components are up and serving, and which business services are up.
//!
//! A change marks the components whose own state changed; [`TopologyState::refresh`] then
//! recomputes them and, only when one's up or serving state moved, the components that depend
//! on it, in dependency order (a min-heap of positions). So the cost of a change follows what
//! it reaches, not the size of the topology: an attack that takes hosts down one by one costs
//! each host's neighbourhood, not the whole order each time. Every component not recomputed
//! is already what a recomputation would give, so the result is the same as recomputing
//! everything from the changed component on.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::draw::draw;
use super::event::{Cause, Event, Observer};
use super::queue::{Action, Queue};
use super::rng::{StreamKey, StreamRng, TrialStreams};
use super::symptoms::Symptoms;
use crate::model::{ComponentKind, Scenario};

/// Marks "no step" (the critical path reached the acknowledgement of the page).
pub(crate) const NONE: u32 = u32::MAX;

// State bits of a component.
pub(crate) const FAILED: u16 = 1 << 0;
pub(crate) const ISOLATED: u16 = 1 << 1;
pub(crate) const POWER_LOST: u16 = 1 << 2;
pub(crate) const COMPROMISED: u16 = 1 << 3;
pub(crate) const DISRUPTED: u16 = 1 << 4;
pub(crate) const SWITCHED: u16 = 1 << 5;
pub(crate) const FAILOVER_TRIED: u16 = 1 << 6;
pub(crate) const UP: u16 = 1 << 7;
pub(crate) const SERVING: u16 = 1 << 8;
pub(crate) const UTILITY_DOWN: u16 = 1 << 9;
pub(crate) const ON_BATTERY: u16 = 1 << 10;
pub(crate) const GEN_ON: u16 = 1 << 11;
/// Waiting in the refresh's worklist.
const QUEUED: u16 = 1 << 12;
/// Changed in this trial (listed in `TopologyState::changed`, for the next reset).
const CHANGED: u16 = 1 << 13;

/// Bits that refresh derives, or that do not feed into it.
const DERIVED: u16 = UP | SERVING | FAILOVER_TRIED | COMPROMISED | QUEUED | CHANGED;

/// What refresh needs of a component, flattened, so that the hot loop reads a few compact
/// arrays instead of chasing each component's vectors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NodeKind {
    Feed,
    PowerEquipment,
    Other,
}

#[derive(Clone, Copy, Debug)]
struct Node {
    kind: NodeKind,
    /// Range of `TopologyState::flat` with the components it needs.
    needs: (u32, u32),
    /// Range of `TopologyState::flat` with its replicas, and how many must serve (0: no quorum).
    quorum: (u32, u32),
    quorum_k: u32,
    /// Range of `TopologyState::flat` with the components that read its state.
    dependents: (u32, u32),
    standby: u32,
    auto_failover: bool,
    auto_restart: bool,
    has_stores: bool,
}

/// Per component (by index), in the order of `components`.
fn nodes(sc: &Scenario) -> (Vec<Node>, Vec<u32>) {
    let topo = &sc.topology;
    let n = topo.components.len();
    // Who reads each component's state: what needs it, quorum groups it belongs to, what it
    // stands by for, what sits on it (a feed) and the feed it backs (a UPS or generator).
    let mut readers: Vec<Vec<u32>> = vec![Vec::new(); n];
    for (c, comp) in topo.components.iter().enumerate() {
        let inputs = comp
            .needs
            .iter()
            .chain(comp.quorum.iter().flat_map(|q| q.of.iter()))
            .chain(comp.standby.as_ref().map(|s| &s.component))
            .chain(comp.power.as_ref())
            .chain(comp.ups.as_ref())
            .chain(comp.generator.as_ref());
        for &d in inputs {
            if readers[d].last() != Some(&(c as u32)) {
                readers[d].push(c as u32);
            }
        }
    }
    let mut flat = Vec::new();
    let mut out = Vec::with_capacity(n);
    for (c, comp) in topo.components.iter().enumerate() {
        let a = flat.len() as u32;
        flat.extend(comp.needs.iter().map(|&n| n as u32));
        let b = flat.len() as u32;
        let (q, k) = match &comp.quorum {
            Some(q) => {
                flat.extend(q.of.iter().map(|&n| n as u32));
                ((b, flat.len() as u32), q.up as u32)
            }
            None => ((b, b), 0),
        };
        let d0 = flat.len() as u32;
        flat.extend(&readers[c]);
        out.push(Node {
            kind: match comp.kind {
                k if k.is_feed() => NodeKind::Feed,
                ComponentKind::Ups | ComponentKind::Generator => NodeKind::PowerEquipment,
                _ => NodeKind::Other,
            },
            needs: (a, b),
            quorum: q,
            quorum_k: k,
            dependents: (d0, flat.len() as u32),
            standby: comp.standby.as_ref().map_or(u32::MAX, |s| s.component as u32),
            auto_failover: comp.standby.as_ref().is_some_and(|s| s.auto.is_some()),
            auto_restart: comp.auto_restart,
            has_stores: !topo.stores_on[c].is_empty(),
        });
    }
    (out, flat)
}

/// The state of the topology in one trial.
#[derive(Debug, Default)]
pub(crate) struct TopologyState {
    /// Per component: state bits (FAILED, UP, SERVING, ...), one word each so that a
    /// component's whole state is one load.
    bits: Vec<u16>,
    /// Components whose state changed in this trial: a reset restores only these, so a
    /// trial costs what it touches, not the topology's size.
    changed: Vec<u32>,
    /// Stream slots opened in this trial.
    pub(crate) opened: Vec<u32>,
    /// Per feed: when utility power returns (the end of the latest outage).
    pub(crate) utility_until: Vec<f64>,
    /// Per feed: when the UPS battery of the current outage runs dry.
    pub(crate) battery_until: Vec<f64>,
    /// Per component: its position in dependency order.
    pos: Vec<u32>,
    /// Components to recompute, by position in dependency order.
    worklist: BinaryHeap<Reverse<u32>>,
    nodes: Vec<Node>,
    flat: Vec<u32>,
    /// Per component: the feed it sits on now (a step may move load to another feed).
    pub(crate) feed_of: Vec<Option<usize>>,
    /// Some load was moved in this trial: a feed's readers are then found by `feed_of`.
    pub(crate) load_moved: bool,
    pub(crate) store_lost: Vec<bool>,
    pub(crate) store_ever_lost: Vec<bool>,
    pub(crate) store_restorable: Vec<bool>,
    /// Per store: its current loss is an intruder's encryption (not corruption or deletion).
    pub(crate) store_encrypted: Vec<bool>,
    pub(crate) store_phase: Vec<f64>,
    pub(crate) svc_up: Vec<bool>,
    svc_was_down: Vec<bool>,
    svc_back_at: Vec<f64>,
    /// Per business service: when its current outage began (valid while it is down).
    svc_down_since: Vec<f64>,
    /// Per business service: minutes down in outages that ended, and the longest of them,
    /// both clipped to the horizon's end.
    svc_down_total: Vec<f64>,
    svc_longest: Vec<f64>,
    /// The end of the horizon (first fault + `Scenario::horizon`): time down after it is not
    /// counted, and a service not back by then did not recover.
    pub(crate) horizon_end: f64,
    svc_cause: Vec<u32>,
    pub(crate) svc_needs_reopen: Vec<bool>,
    pub(crate) svc_reopened: Vec<bool>,
    /// When an attack was contained (infinite: not yet).
    pub(crate) contained_at: f64,
    /// Per fault: when its intruder landed (NaN: not an attack, or not yet).
    pub(crate) landed_at: Vec<f64>,
    pub(crate) n_compromised: usize,
    /// Lazily opened streams: components, then stores, then faults.
    pub(crate) rngs: Vec<Option<StreamRng>>,
    /// The plan step whose effect brought the last business service back (or NONE).
    pub(crate) recovery_cause: u32,
    /// Draws clamped to the longest duration (automatic failover delays).
    pub(crate) clamped: u32,
    /// Components recomputed in this trial.
    pub(crate) recomputed: u64,
    /// What the symptom monitors saw in this trial (empty when there are none).
    pub(crate) symptoms: Symptoms,
}

impl TopologyState {
    /// State sized for `sc`.
    pub(crate) fn new(sc: &Scenario) -> TopologyState {
        let nc = sc.topology.components.len();
        let (ns, nf, nv) = (sc.stores.len(), sc.topology.faults.len(), sc.services.len());
        let (nodes, flat) = nodes(sc);
        let mut pos = vec![0; nc];
        for (k, &c) in sc.topology.order.iter().enumerate() {
            pos[c] = k as u32;
        }
        TopologyState {
            bits: vec![UP | SERVING; nc],
            changed: Vec::new(),
            opened: Vec::new(),
            utility_until: vec![f64::NEG_INFINITY; nc],
            battery_until: vec![f64::NEG_INFINITY; nc],
            pos,
            worklist: BinaryHeap::new(),
            nodes,
            flat,
            feed_of: sc.topology.components.iter().map(|c| c.power).collect(),
            load_moved: false,
            store_lost: vec![false; ns],
            store_ever_lost: vec![false; ns],
            store_restorable: vec![true; ns],
            store_encrypted: vec![false; ns],
            store_phase: vec![f64::NAN; ns],
            svc_up: vec![true; nv],
            svc_was_down: vec![false; nv],
            svc_back_at: vec![0.0; nv],
            svc_down_since: vec![f64::NAN; nv],
            svc_down_total: vec![0.0; nv],
            svc_longest: vec![0.0; nv],
            horizon_end: f64::INFINITY,
            svc_cause: vec![NONE; nv],
            svc_needs_reopen: vec![false; nv],
            svc_reopened: vec![false; nv],
            contained_at: f64::INFINITY,
            landed_at: vec![f64::NAN; nf],
            n_compromised: 0,
            rngs: vec![None; nc + ns + nf],
            recovery_cause: NONE,
            clamped: 0,
            recomputed: 0,
            symptoms: Symptoms::new(sc),
        }
    }

    /// Back to the state at the start of a trial.
    pub(crate) fn reset(&mut self, sc: &Scenario) {
        self.contained_at = f64::INFINITY;
        self.n_compromised = 0;
        self.recovery_cause = NONE;
        self.clamped = 0;
        self.recomputed = 0;
        self.symptoms.reset();
        if self.bits.is_empty() && self.store_lost.is_empty() && self.svc_up.is_empty() && self.landed_at.is_empty() {
            return; // no topology (ref20): nothing else to clear, and no call to pay for it
        }
        // Every write to a component's power times goes with a change of its bits.
        for c in self.changed.drain(..) {
            let c = c as usize;
            self.bits[c] = UP | SERVING;
            self.utility_until[c] = f64::NEG_INFINITY;
            self.battery_until[c] = f64::NEG_INFINITY;
        }
        for slot in self.opened.drain(..) {
            self.rngs[slot as usize] = None;
        }
        self.worklist.clear();
        if self.load_moved {
            for (f, c) in self.feed_of.iter_mut().zip(&sc.topology.components) {
                *f = c.power;
            }
            self.load_moved = false;
        }
        self.store_lost.fill(false);
        self.store_ever_lost.fill(false);
        self.store_restorable.fill(true);
        self.store_encrypted.fill(false);
        self.store_phase.fill(f64::NAN);
        self.svc_up.fill(true);
        self.svc_was_down.fill(false);
        self.svc_back_at.fill(0.0);
        self.svc_down_since.fill(f64::NAN);
        self.svc_down_total.fill(0.0);
        self.svc_longest.fill(0.0);
        self.svc_cause.fill(NONE);
        self.svc_needs_reopen.fill(false);
        self.svc_reopened.fill(false);
        self.landed_at.fill(f64::NAN);
    }

    /// Whether component `c` serves its role (itself, or its standby after a failover).
    pub(crate) fn serving(&self, c: usize) -> bool {
        self.bits.get(c).is_none_or(|b| b & SERVING != 0)
    }

    /// Whether every store held on component `c` has its data (none lost, or restored).
    #[inline]
    pub(crate) fn data_ok(&self, sc: &Scenario, c: usize) -> bool {
        !self.nodes[c].has_stores || !sc.topology.stores_on[c].iter().any(|&s| self.store_lost[s])
    }

    /// The first store held on `c` whose data is lost, if any.
    pub(crate) fn lost_store_on(&self, sc: &Scenario, c: usize) -> Option<usize> {
        sc.topology.stores_on[c].iter().copied().find(|&s| self.store_lost[s])
    }

    /// Whether store `s`'s data is lost (and not yet restored).
    pub(crate) fn store_lost(&self, s: usize) -> bool {
        self.store_lost.get(s).copied().unwrap_or(false)
    }

    #[inline]
    pub(crate) fn has(&self, c: usize, flag: u16) -> bool {
        self.bits[c] & flag != 0
    }

    /// Set or clear a state bit; a bit of the component's own state marks it for refresh.
    #[inline]
    pub(crate) fn set(&mut self, c: usize, flag: u16, on: bool) {
        if flag & DERIVED == 0 {
            self.touch(c);
        }
        self.put(c, flag, on);
    }

    #[inline]
    fn put(&mut self, c: usize, flag: u16, on: bool) {
        self.mark_changed(c);
        if on {
            self.bits[c] |= flag;
        } else {
            self.bits[c] &= !flag;
        }
    }

    #[inline]
    fn mark_changed(&mut self, c: usize) {
        if self.bits[c] & CHANGED == 0 {
            self.bits[c] |= CHANGED;
            self.changed.push(c as u32);
        }
    }

    /// Component `c`'s own state changed: the next refresh recomputes it.
    #[inline]
    pub(crate) fn touch(&mut self, c: usize) {
        self.mark_changed(c);
        if self.bits[c] & QUEUED == 0 {
            self.bits[c] |= QUEUED;
            self.worklist.push(Reverse(self.pos[c]));
        }
    }

    /// The stream in `slot` of [`TopologyState::rngs`], opened on first use.
    pub(crate) fn rng(&mut self, slot: usize, key: StreamKey, streams: TrialStreams) -> &mut StreamRng {
        if self.rngs[slot].is_none() {
            self.opened.push(slot as u32);
        }
        self.rngs[slot].get_or_insert_with(|| streams.stream(key))
    }

    /// Component `c`'s stream (failover delays and outcomes, generator starts).
    pub(crate) fn comp_rng(&mut self, sc: &Scenario, streams: TrialStreams, c: usize) -> &mut StreamRng {
        self.rng(c, sc.topology.components[c].key, streams)
    }

    /// Mark for refresh what reads component `c`'s state.
    fn touch_readers(&mut self, sc: &Scenario, c: usize) {
        let (a, b) = self.nodes[c].dependents;
        for k in a..b {
            let d = self.flat[k as usize] as usize;
            // A component moved off this feed no longer reads it (refreshing it is harmless).
            self.touch(d);
        }
        if self.load_moved && self.nodes[c].kind == NodeKind::Feed {
            for d in 0..sc.topology.components.len() {
                if self.feed_of[d] == Some(c) {
                    self.touch(d);
                }
            }
        }
    }

    /// Recompute the marked components and what their changes reach, in dependency order,
    /// then which business services are up. Automatic failovers that a component going down
    /// starts are scheduled on `queue`.
    pub(crate) fn refresh<O: Observer>(
        &mut self,
        sc: &Scenario,
        streams: TrialStreams,
        queue: &mut Queue,
        obs: &mut O,
        t: f64,
        cause: Cause,
    ) {
        while let Some(Reverse(p)) = self.worklist.pop() {
            let c = sc.topology.order[p as usize];
            self.bits[c] &= !QUEUED;
            self.recomputed += 1;
            let before = self.bits[c] & (UP | SERVING);
            self.recompute(sc, streams, queue, obs, t, cause, c);
            if self.bits[c] & (UP | SERVING) != before {
                self.touch_readers(sc, c);
            }
        }
        self.refresh_services(sc, obs, t, cause);
    }

    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn recompute<O: Observer>(
        &mut self,
        sc: &Scenario,
        streams: TrialStreams,
        queue: &mut Queue,
        obs: &mut O,
        t: f64,
        cause: Cause,
        c: usize,
    ) {
        let n = self.nodes[c];
        let power_ok = match n.kind {
            NodeKind::Feed => {
                let comp = &sc.topology.components[c];
                let ups_ok = self.has(c, ON_BATTERY) && comp.ups.is_some_and(|u| self.has(u, UP));
                let gen_ok = self.has(c, GEN_ON) && comp.generator.is_some_and(|g| self.has(g, UP));
                (!self.has(c, UTILITY_DOWN) || gen_ok || ups_ok) && !self.has(c, FAILED)
            }
            NodeKind::PowerEquipment => true,
            NodeKind::Other => self.feed_of[c].is_none_or(|f| self.has(f, UP)),
        };
        if n.kind == NodeKind::Other {
            // Its own bit, derived here: no new mark.
            if !power_ok {
                self.put(c, POWER_LOST, true);
            } else if self.has(c, POWER_LOST) && n.auto_restart {
                self.put(c, POWER_LOST, false);
            }
        }
        let own = power_ok && !self.has(c, FAILED | ISOLATED | POWER_LOST | DISRUPTED);
        let flat = &self.flat;
        let deps = flat[n.needs.0 as usize..n.needs.1 as usize]
            .iter()
            .all(|&d| self.has(d as usize, SERVING))
            && (n.quorum_k == 0
                || flat[n.quorum.0 as usize..n.quorum.1 as usize]
                    .iter()
                    .filter(|&&d| self.has(d as usize, SERVING))
                    .count()
                    >= n.quorum_k as usize);
        let up = own && deps;
        if up != self.has(c, UP) {
            self.put(c, UP, up);
            if O::ACTIVE {
                obs.on(t, Event::Component { comp: c, up, cause });
            }
        }
        // Lost data is lost on the standby too: corruption, deletion and encryption replicate.
        // On its standby, the role also needs the standby's own stores (a standby whose data
        // is lost serves no good data).
        let on_standby = n.standby != u32::MAX && self.has(c, SWITCHED);
        let serving = self.data_ok(sc, c)
            && if on_standby {
                let sb = n.standby as usize;
                self.has(sb, UP) && self.data_ok(sc, sb)
            } else {
                up
            };
        self.put(c, SERVING, serving);
        if up {
            // Back up: a later outage starts a new automatic failover.
            self.put(c, FAILOVER_TRIED, false);
        } else if n.auto_failover && !self.has(c, SWITCHED | FAILOVER_TRIED) {
            self.put(c, FAILOVER_TRIED, true);
            if let Some(auto) = sc.topology.components[c].standby.as_ref().and_then(|s| s.auto.as_ref()) {
                let mut clamped = 0;
                let d = draw(&auto.delay, self.comp_rng(sc, streams, c), &mut clamped);
                self.clamped += clamped;
                queue.push(t + d, Action::FailoverDone(c as u32));
            }
        }
    }

    fn refresh_services<O: Observer>(&mut self, sc: &Scenario, obs: &mut O, t: f64, cause: Cause) {
        for (s, svc) in sc.services.iter().enumerate() {
            let needs_ok = svc.needs.iter().all(|&n| self.has(n, SERVING));
            if self.svc_up[s] && !needs_ok {
                self.svc_up[s] = false;
                self.svc_was_down[s] = true;
                self.svc_down_since[s] = t;
                self.svc_cause[s] = NONE;
                // Reopened once, a service comes back by itself after a later outage: the team
                // that checked it watches it (a plan cannot run its reopen step twice).
                if svc.reopen && !self.svc_reopened[s] {
                    self.svc_needs_reopen[s] = true;
                }
                if O::ACTIVE {
                    obs.on(t, Event::Service { service: s, up: false });
                }
            } else if !self.svc_up[s] && needs_ok && !self.svc_needs_reopen[s] {
                self.svc_up[s] = true;
                self.svc_back_at[s] = t;
                self.end_outage(s, t);
                self.svc_cause[s] = match cause {
                    Cause::Step(i) => i as u32,
                    _ => NONE,
                };
                if O::ACTIVE {
                    obs.on(t, Event::Service { service: s, up: true });
                }
            }
        }
    }

    /// Business services still down.
    pub(crate) fn still_down(&self) -> impl Iterator<Item = usize> + '_ {
        self.svc_up.iter().enumerate().filter(|(_, up)| !**up).map(|(s, _)| s)
    }

    /// Service `s`'s outage that began at `svc_down_since[s]` ends at `t`: count its minutes
    /// up to the horizon's end.
    fn end_outage(&mut self, s: usize, t: f64) {
        let end = self.horizon_end;
        let d = (t.min(end) - self.svc_down_since[s].min(end)).max(0.0);
        self.svc_down_total[s] += d;
        self.svc_longest[s] = self.svc_longest[s].max(d);
    }

    /// Per business service, what the trial measured from `t0` (the first fault): the minutes
    /// it was actually down, its longest outage, and the minutes until it was up for good (0:
    /// never down; the horizon: not back within it). A service still down at the end is down
    /// until the horizon's end. Sets the step that brought back the service restored last as
    /// the recovery's cause.
    pub(crate) fn service_measures(&mut self, sc: &Scenario, t0: f64, m: &mut ServiceMeasures<'_>) {
        let mut worst = (f64::NEG_INFINITY, NONE);
        for s in 0..sc.services.len() {
            if !self.svc_up[s] {
                self.end_outage(s, self.horizon_end);
            }
            m.downtime[s] = self.svc_down_total[s];
            m.longest[s] = self.svc_longest[s];
            let r = if !self.svc_was_down[s] {
                0.0
            } else if self.svc_up[s] {
                (self.svc_back_at[s] - t0).min(sc.horizon)
            } else {
                sc.horizon
            };
            m.restored[s] = r;
            if r > worst.0 {
                worst = (r, self.svc_cause[s]);
            }
        }
        self.recovery_cause = if worst.0 > 0.0 { worst.1 } else { NONE };
    }
}

/// Where [`TopologyState::service_measures`] writes, per business service.
pub(crate) struct ServiceMeasures<'a> {
    pub(crate) downtime: &'a mut [f64],
    pub(crate) longest: &'a mut [f64],
    pub(crate) restored: &'a mut [f64],
}
