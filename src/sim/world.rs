//! The topology's state during a trial, and how faults, plan steps and time change it.
//!
//! Every change goes through `refresh`, which recomputes in dependency order which
//! components are up and which serve (themselves or through a standby that took over), then
//! which business services are up, and reports each transition with its cause. Topologies
//! have tens of components, so recomputing everything on each change is cheaper than
//! tracking what a change can reach.

use rand::Rng;

use super::rng::{StreamKey, StreamRng, TrialStreams};
use super::{Ev, Event, NONE, Observer, Workspace, level_reached};
use crate::model::{ComponentKind, Effect, FaultKind, Scenario};

/// What caused a topology change (shown in traces).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// A fault's injection (index into the scenario's faults).
    Fault(usize),
    /// A plan step's effect.
    Step(usize),
    /// Power equipment (the feed's index).
    Power(usize),
    /// An automatic failover of this component.
    Failover(usize),
    /// An intruder spreading (the attack's fault index).
    Spread(usize),
}

// State bits of a component.
const FAILED: u16 = 1 << 0;
const ISOLATED: u16 = 1 << 1;
const POWER_LOST: u16 = 1 << 2;
const COMPROMISED: u16 = 1 << 3;
const DISRUPTED: u16 = 1 << 4;
const SWITCHED: u16 = 1 << 5;
const FAILOVER_TRIED: u16 = 1 << 6;
const UP: u16 = 1 << 7;
const SERVING: u16 = 1 << 8;
const UTILITY_DOWN: u16 = 1 << 9;
const ON_BATTERY: u16 = 1 << 10;
const GEN_ON: u16 = 1 << 11;

/// Backups looked at, newest first, before a restore counts as impossible.
const MAX_BACKUPS_SEARCHED: f64 = 10_000.0;

/// Bits that refresh derives, or that do not feed into it.
const DERIVED: u16 = UP | SERVING | FAILOVER_TRIED | COMPROMISED;

/// What [`refresh`] needs of a component, flattened and in dependency order, so that the
/// hot loop reads a few compact arrays instead of chasing each component's vectors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NodeKind {
    Feed,
    PowerEquipment,
    Other,
}

#[derive(Clone, Copy, Debug)]
struct Node {
    comp: u32,
    kind: NodeKind,
    /// Range of `World::flat` with the components it needs.
    needs: (u32, u32),
    /// Range of `World::flat` with its replicas, and how many must serve (0: no quorum).
    quorum: (u32, u32),
    quorum_k: u32,
    standby: u32,
    auto_failover: bool,
    auto_restart: bool,
    has_stores: bool,
}

fn nodes(sc: &Scenario) -> (Vec<Node>, Vec<u32>) {
    let topo = &sc.topology;
    let mut flat = Vec::new();
    let mut out = Vec::with_capacity(topo.order.len());
    for &c in &topo.order {
        let comp = &topo.components[c];
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
        out.push(Node {
            comp: c as u32,
            kind: match comp.kind {
                ComponentKind::PowerFeed => NodeKind::Feed,
                ComponentKind::Ups | ComponentKind::Generator => NodeKind::PowerEquipment,
                _ => NodeKind::Other,
            },
            needs: (a, b),
            quorum: q,
            quorum_k: k,
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
pub struct World {
    /// Per component: state bits (FAILED, UP, SERVING, ...), one word each so that a
    /// component's whole state is one load.
    bits: Vec<u16>,
    /// Per feed: when utility power returns (the end of the latest outage).
    utility_until: Vec<f64>,
    /// Per feed: when the UPS battery of the current outage runs dry.
    battery_until: Vec<f64>,
    /// Per component: its position in dependency order.
    pos: Vec<u32>,
    /// Position of the earliest component whose own state changed since the last refresh:
    /// components before it cannot change, so refresh starts there.
    dirty_from: usize,
    nodes: Vec<Node>,
    flat: Vec<u32>,
    feed_of: Vec<Option<usize>>,
    store_lost: Vec<bool>,
    store_ever_lost: Vec<bool>,
    store_restorable: Vec<bool>,
    store_phase: Vec<f64>,
    svc_up: Vec<bool>,
    svc_was_down: Vec<bool>,
    svc_back_at: Vec<f64>,
    svc_cause: Vec<u32>,
    svc_needs_reopen: Vec<bool>,
    svc_reopened: Vec<bool>,
    contained_at: f64,
    landed_at: Vec<f64>,
    n_compromised: usize,
    /// Lazily opened streams: components, then stores, then faults.
    rngs: Vec<Option<StreamRng>>,
    /// The plan step whose effect brought the last business service back (or NONE).
    pub recovery_cause: u32,
}

impl World {
    /// State sized for `sc`.
    pub fn new(sc: &Scenario) -> World {
        let nc = sc.topology.components.len();
        let (ns, nf, nv) = (sc.stores.len(), sc.topology.faults.len(), sc.services.len());
        let (nodes, flat) = nodes(sc);
        World {
            bits: vec![UP | SERVING; nc],
            utility_until: vec![f64::NEG_INFINITY; nc],
            battery_until: vec![f64::NEG_INFINITY; nc],
            pos: {
                let mut pos = vec![0; nc];
                for (k, &c) in sc.topology.order.iter().enumerate() {
                    pos[c] = k as u32;
                }
                pos
            },
            dirty_from: 0,
            nodes,
            flat,
            feed_of: vec![None; nc],
            store_lost: vec![false; ns],
            store_ever_lost: vec![false; ns],
            store_restorable: vec![true; ns],
            store_phase: vec![f64::NAN; ns],
            svc_up: vec![true; nv],
            svc_was_down: vec![false; nv],
            svc_back_at: vec![0.0; nv],
            svc_cause: vec![NONE; nv],
            svc_needs_reopen: vec![false; nv],
            svc_reopened: vec![false; nv],
            contained_at: f64::INFINITY,
            landed_at: vec![f64::NAN; nf],
            n_compromised: 0,
            rngs: vec![None; nc + ns + nf],
            recovery_cause: NONE,
        }
    }

    pub(super) fn reset(&mut self, sc: &Scenario) {
        self.contained_at = f64::INFINITY;
        self.n_compromised = 0;
        self.recovery_cause = NONE;
        self.dirty_from = 0;
        if self.bits.is_empty() && self.store_lost.is_empty() && self.svc_up.is_empty() && self.landed_at.is_empty() {
            return; // no topology (ref20): nothing else to clear, and no call to pay for it
        }
        self.bits.fill(UP | SERVING);
        self.utility_until.fill(f64::NEG_INFINITY);
        self.battery_until.fill(f64::NEG_INFINITY);
        self.dirty_from = 0;
        for (f, c) in self.feed_of.iter_mut().zip(&sc.topology.components) {
            *f = c.power;
        }
        self.store_lost.fill(false);
        self.store_ever_lost.fill(false);
        self.store_restorable.fill(true);
        self.store_phase.fill(f64::NAN);
        self.svc_up.fill(true);
        self.svc_was_down.fill(false);
        self.svc_back_at.fill(0.0);
        self.svc_cause.fill(NONE);
        self.svc_needs_reopen.fill(false);
        self.svc_reopened.fill(false);
        self.contained_at = f64::INFINITY;
        self.landed_at.fill(f64::NAN);
        self.n_compromised = 0;
        self.rngs.iter_mut().for_each(|r| *r = None);
        self.recovery_cause = NONE;
    }

    /// Whether component `c` serves its role (itself, or its standby after a failover).
    pub fn serving(&self, c: usize) -> bool {
        self.bits.get(c).is_none_or(|b| b & SERVING != 0)
    }

    #[inline]
    fn has(&self, c: usize, flag: u16) -> bool {
        self.bits[c] & flag != 0
    }

    #[inline]
    fn set(&mut self, c: usize, flag: u16, on: bool) {
        if flag & DERIVED == 0 {
            self.touch(c);
        }
        if on {
            self.bits[c] |= flag;
        } else {
            self.bits[c] &= !flag;
        }
    }

    /// Component `c`'s own state changed: refresh from it on.
    #[inline]
    fn touch(&mut self, c: usize) {
        self.dirty_from = self.dirty_from.min(self.pos[c] as usize);
    }

    /// Whether store `s`'s data is lost (and not yet restored).
    pub fn store_lost(&self, s: usize) -> bool {
        self.store_lost.get(s).copied().unwrap_or(false)
    }

    fn rng(&mut self, slot: usize, key: StreamKey, streams: TrialStreams) -> &mut StreamRng {
        self.rngs[slot].get_or_insert_with(|| streams.stream(key))
    }
}

fn comp_rng<'a>(sc: &Scenario, w: &'a mut World, streams: TrialStreams, c: usize) -> &'a mut StreamRng {
    w.rng(c, sc.topology.components[c].key, streams)
}

fn fault_rng<'a>(sc: &Scenario, w: &'a mut World, streams: TrialStreams, f: usize) -> &'a mut StreamRng {
    let slot = sc.topology.components.len() + sc.stores.len() + f;
    // The injection time is the fault stream's first draw; spread draws come from a stream
    // of their own so that they do not shift when `at` changes distribution.
    w.rng(slot, sc.topology.faults[f].key.pair(StreamKey::named("spread")), streams)
}

/// Inject fault `f` at `t`.
pub(super) fn inject<O: Observer>(sc: &Scenario, streams: TrialStreams, ws: &mut Workspace, obs: &mut O, f: usize, t: f64) {
    if O::ACTIVE {
        obs.on(t, Event::Fault { fault: Some(f) });
    }
    let fault = &sc.topology.faults[f];
    match &fault.kind {
        FaultKind::Failure { target, .. } => ws.world.set(*target, FAILED, true),
        FaultKind::Attack { target, leak_rate, .. } => {
            ws.world.landed_at[f] = t;
            let _ = compromise(sc, streams, ws, obs, f, *target, t);
            if *leak_rate > 0.0 && t < ws.world.contained_at {
                // When the leak of every intruder so far crosses each level's threshold, at the
                // rates now (rates only grow when another intruder lands, and this runs again).
                let now = leaked_at(sc, &ws.world, t);
                let rate: f64 = sc
                    .topology
                    .faults
                    .iter()
                    .enumerate()
                    .filter_map(|(g, fault)| match &fault.kind {
                        FaultKind::Attack { leak_rate, .. } if !ws.world.landed_at[g].is_nan() => Some(*leak_rate),
                        _ => None,
                    })
                    .sum();
                for l in &sc.topology.levels {
                    if let Some(x) = l.leaked
                        && x > now
                    {
                        ws.push(t + (x - now) / rate, Ev::LevelCheck);
                    }
                }
            }
        }
        FaultKind::PowerLoss { feed, outage } => {
            let feed = *feed;
            let back = outage.sample(&mut streams.stream(fault.key.pair(StreamKey::named("outage"))));
            // Overlapping outages of one feed make one: power returns when the last ends.
            ws.push(t + back, Ev::UtilityBack(feed as u32));
            let w = &mut ws.world;
            w.utility_until[feed] = w.utility_until[feed].max(t + back);
            if w.has(feed, UTILITY_DOWN) {
                refresh(sc, streams, ws, obs, t, Cause::Fault(f));
                classify(sc, streams, ws, obs, t);
                return; // already on UPS or generator, or dark: nothing new switches over
            }
            w.set(feed, UTILITY_DOWN, true);
            let comp = &sc.topology.components[feed];
            if let Some(u) = comp.ups.filter(|&u| w.has(u, UP)) {
                w.set(feed, ON_BATTERY, true);
                let battery = sc.topology.components[u].battery;
                w.battery_until[feed] = t + battery;
                if O::ACTIVE {
                    obs.on(
                        t,
                        Event::Power {
                            feed,
                            what: format!("utility power lost; UPS {} carries the load", sc.topology.components[u].name),
                        },
                    );
                }
                ws.push(t + battery, Ev::BatteryEmpty(feed as u32));
            } else if O::ACTIVE {
                obs.on(
                    t,
                    Event::Power {
                        feed,
                        what: "utility power lost".into(),
                    },
                );
            }
            if let Some(g) = comp.generator.filter(|&g| ws.world.has(g, UP)) {
                let gen_c = &sc.topology.components[g];
                let rng = comp_rng(sc, &mut ws.world, streams, g);
                let starts = rng.random::<f64>() < gen_c.start;
                let delay = gen_c.start_delay.sample(rng);
                if starts {
                    ws.push(t + delay, Ev::GeneratorOn(feed as u32));
                } else if O::ACTIVE {
                    obs.on(
                        t + delay,
                        Event::Power {
                            feed,
                            what: format!("generator {} fails to start", gen_c.name),
                        },
                    );
                }
            }
        }
        FaultKind::DataLoss { store, .. } => lose_store(sc, streams, ws, obs, *store, t, None),
    }
    refresh(sc, streams, ws, obs, t, Cause::Fault(f));
    classify(sc, streams, ws, obs, t);
}

/// Events of the world's own clock.
pub(super) fn handle<O: Observer>(sc: &Scenario, streams: TrialStreams, ws: &mut Workspace, obs: &mut O, ev: Ev, t: f64) {
    let cause = match ev {
        Ev::FailoverDone(c) => {
            let c = c as usize;
            let comp = &sc.topology.components[c];
            let Some(sb) = &comp.standby else { return };
            if ws.world.has(c, UP) || ws.world.has(c, SWITCHED) {
                return; // the primary came back, or a step already failed over
            }
            let fail = sb.auto.as_ref().map_or(0.0, |a| a.fail);
            let ok = ws.world.has(sb.component, UP) && !(fail > 0.0 && comp_rng(sc, &mut ws.world, streams, c).random::<f64>() < fail);
            if O::ACTIVE {
                obs.on(t, Event::Failover { comp: c, ok });
            }
            if ok {
                switch_over(sc, streams, ws, obs, c, t);
            }
            Cause::Failover(c)
        }
        Ev::UtilityBack(f) => {
            let f = f as usize;
            let w = &mut ws.world;
            if !w.has(f, UTILITY_DOWN) || t < w.utility_until[f] {
                return; // a step restored it already, or another outage of the feed goes on
            }
            w.set(f, UTILITY_DOWN, false);
            w.set(f, ON_BATTERY, false);
            w.set(f, GEN_ON, false);
            if O::ACTIVE {
                obs.on(
                    t,
                    Event::Power {
                        feed: f,
                        what: "utility power returns".into(),
                    },
                );
            }
            Cause::Power(f)
        }
        Ev::BatteryEmpty(f) => {
            let f = f as usize;
            if !ws.world.has(f, ON_BATTERY) || t < ws.world.battery_until[f] {
                return;
            }
            ws.world.set(f, ON_BATTERY, false);
            if O::ACTIVE && ws.world.has(f, UTILITY_DOWN) {
                obs.on(
                    t,
                    Event::Power {
                        feed: f,
                        what: "UPS battery is empty".into(),
                    },
                );
            }
            Cause::Power(f)
        }
        Ev::GeneratorOn(f) => {
            let f = f as usize;
            if !ws.world.has(f, UTILITY_DOWN) {
                return;
            }
            ws.world.set(f, GEN_ON, true);
            if O::ACTIVE {
                let g = sc.topology.components[f]
                    .generator
                    .map_or("", |g| sc.topology.components[g].name.as_str());
                obs.on(
                    t,
                    Event::Power {
                        feed: f,
                        what: format!("generator {g} starts and carries the load"),
                    },
                );
            }
            Cause::Power(f)
        }
        Ev::Spread(f, from, to) => {
            let (f, from, to) = (f as usize, from as usize, to as usize);
            let w = &ws.world;
            if t >= w.contained_at || w.has(from, ISOLATED) || w.has(to, ISOLATED) || w.has(to, COMPROMISED) {
                return;
            }
            if !compromise(sc, streams, ws, obs, f, to, t) {
                classify(sc, streams, ws, obs, t);
                return; // nothing went down: only the count of compromised components grew
            }
            Cause::Spread(f)
        }
        Ev::LevelCheck => {
            if !ws.plan_closed() {
                classify(sc, streams, ws, obs, t);
            }
            return;
        }
        Ev::StepDone(_) | Ev::Inject(_) | Ev::Alert(..) | Ev::Engage(_) => unreachable!("handled by the engine"),
    };
    refresh(sc, streams, ws, obs, t, cause);
    classify(sc, streams, ws, obs, t);
}

fn switch_over<O: Observer>(sc: &Scenario, streams: TrialStreams, ws: &mut Workspace, obs: &mut O, c: usize, t: f64) {
    ws.world.set(c, SWITCHED, true);
    // Writes not yet replicated to the standby are lost.
    for &s in &sc.topology.stores_on[c] {
        if let Some(lag) = &sc.stores[s].replication_lag {
            // A stream of its own, so that when a failover happens does not shift the
            // store's backup draws.
            let key = sc.stores[s].key.pair(StreamKey::named("replication"));
            let lost = lag.sample(&mut streams.stream(key)).min(sc.horizon);
            ws.out.data_lost[s] = ws.out.data_lost[s].max(lost);
            if O::ACTIVE {
                obs.on(t, Event::ReplicationLoss { store: s, lost });
            }
        }
    }
}

/// The intruder of attack `f` reaches `c`; returns whether the topology changed (the
/// component was disrupted or a store encrypted).
fn compromise<O: Observer>(sc: &Scenario, streams: TrialStreams, ws: &mut Workspace, obs: &mut O, f: usize, c: usize, t: f64) -> bool {
    let w = &mut ws.world;
    if w.has(c, COMPROMISED) || w.has(c, ISOLATED) || t >= w.contained_at {
        return false;
    }
    w.set(c, COMPROMISED, true);
    w.n_compromised += 1;
    if O::ACTIVE {
        obs.on(t, Event::Compromised { comp: c, fault: f });
    }
    let FaultKind::Attack {
        spread, encrypt, disrupt, ..
    } = &sc.topology.faults[f].kind
    else {
        return false;
    };
    let mut changed = false;
    if *disrupt {
        ws.world.set(c, DISRUPTED, true);
        changed = true;
    }
    for &s in &sc.topology.stores_on[c] {
        if encrypt.contains(&s) {
            let landed = ws.world.landed_at[f];
            lose_store(sc, streams, ws, obs, s, t, Some(landed));
            changed = true;
        }
    }
    for &n in &sc.topology.neighbours[c] {
        if !ws.world.has(n, COMPROMISED) && !ws.world.has(n, ISOLATED) {
            let d = spread.sample(fault_rng(sc, &mut ws.world, streams, f));
            ws.push(t + d, Ev::Spread(f as u32, c as u32, n as u32));
        }
    }
    changed
}

/// Store `s` loses its data at `t`. It is restored from the newest good backup: one taken no
/// later than the loss (or, if an intruder got in at `intrusion`, no later than that), not
/// corrupt, and still kept. Backups run every interval from a phase drawn uniformly per trial,
/// so a fault at any fixed time loses half an interval on average.
fn lose_store<O: Observer>(
    sc: &Scenario,
    streams: TrialStreams,
    ws: &mut Workspace,
    obs: &mut O,
    s: usize,
    t: f64,
    intrusion: Option<f64>,
) {
    if ws.world.store_lost[s] {
        return;
    }
    let st = &sc.stores[s];
    let (restorable, lost) = match st.backup_interval {
        None => (false, sc.horizon),
        Some(iv) => {
            let slot = sc.topology.components.len() + s;
            let World { rngs, store_phase, .. } = &mut ws.world;
            let rng = rngs[slot].get_or_insert_with(|| streams.stream(st.key));
            if store_phase[s].is_nan() {
                store_phase[s] = iv * rng.random::<f64>();
            }
            let phase = store_phase[s];
            let r = intrusion.unwrap_or(t).min(t);
            let newest = ((t - phase) / iv).floor();
            let usable = ((r - phase) / iv).floor();
            // Backups taken after the intrusion are tainted; each older one may be corrupt.
            let mut back = newest - usable;
            let mut k = usable;
            let mut found = true;
            if st.bad_backup > 0.0 {
                while rng.random::<f64>() < st.bad_backup {
                    k -= 1.0;
                    back += 1.0;
                    if back >= MAX_BACKUPS_SEARCHED {
                        found = false; // every backup looked at is bad
                        break;
                    }
                }
            }
            let kept = found && st.keep.is_none_or(|n| back < n as f64);
            let lost = t - (phase + k * iv);
            if kept && lost < sc.horizon {
                (true, lost)
            } else {
                (false, sc.horizon)
            }
        }
    };
    let w = &mut ws.world;
    w.store_lost[s] = true;
    if let Some(c) = sc.stores[s].component {
        w.touch(c);
    }
    w.store_ever_lost[s] = true;
    w.store_restorable[s] = restorable;
    ws.out.data_lost[s] = ws.out.data_lost[s].max(lost);
    if O::ACTIVE {
        obs.on(
            t,
            Event::StoreLost {
                store: s,
                lost: restorable.then_some(lost),
            },
        );
    }
}

/// Carry out step `i`'s effect at `t`.
pub(super) fn apply<O: Observer>(sc: &Scenario, streams: TrialStreams, ws: &mut Workspace, obs: &mut O, i: usize, e: &Effect, t: f64) {
    let comps = &sc.topology.components;
    // Messages are built only for the trace (closures), never in a batch run.
    fn note<O: Observer>(obs: &mut O, t: f64, step: usize, what: impl FnOnce() -> String) {
        if O::ACTIVE {
            obs.on(t, Event::EffectDone { step, what: what() });
        }
    }
    fn failed<O: Observer>(obs: &mut O, t: f64, step: usize, why: impl FnOnce() -> String) {
        if O::ACTIVE {
            obs.on(t, Event::EffectFailed { step, why: why() });
        }
    }
    match e {
        Effect::Failover(c) => {
            let c = *c;
            let sb = comps[c].standby.as_ref().map(|s| s.component).unwrap_or(c);
            if ws.world.has(c, SWITCHED) {
                note(obs, t, i, || {
                    format!("{} already runs on standby {}", comps[c].name, comps[sb].name)
                });
            } else if !ws.world.has(sb, UP) {
                failed(obs, t, i, || {
                    format!("cannot fail over {}: standby {} is down", comps[c].name, comps[sb].name)
                });
            } else {
                switch_over(sc, streams, ws, obs, c, t);
                note(obs, t, i, || format!("{} fails over to standby {}", comps[c].name, comps[sb].name));
            }
        }
        Effect::Contain => {
            if ws.world.contained_at.is_infinite() {
                ws.world.contained_at = t;
            }
            note(obs, t, i, || "the intruder is contained: no more spread, no more leak".into());
            return; // nothing in the topology changes, and the impact stops growing
        }
        Effect::Isolate(c) => {
            ws.world.set(*c, ISOLATED, true);
            note(obs, t, i, || format!("{} is isolated", comps[*c].name));
        }
        Effect::Restore(s) => {
            let s = *s;
            let name = &sc.stores[s].name;
            if !ws.world.store_lost[s] {
                note(obs, t, i, || format!("store {name} is intact; nothing to restore"));
            } else if !ws.world.store_restorable[s] {
                failed(obs, t, i, || format!("cannot restore store {name}: no good backup"));
            } else {
                ws.world.store_lost[s] = false;
                if let Some(c) = sc.stores[s].component {
                    ws.world.touch(c);
                }
                if O::ACTIVE {
                    obs.on(t, Event::StoreRestored { store: s });
                }
            }
        }
        Effect::RestorePower(f) => {
            let w = &mut ws.world;
            w.utility_until[*f] = t;
            w.set(*f, UTILITY_DOWN, false);
            w.set(*f, ON_BATTERY, false);
            w.set(*f, GEN_ON, false);
            note(obs, t, i, || format!("power is back on {}", comps[*f].name));
        }
        Effect::MoveLoad { from, to } => {
            ws.world.dirty_from = 0;
            for fo in ws.world.feed_of.iter_mut() {
                if *fo == Some(*from) {
                    *fo = Some(*to);
                }
            }
            note(obs, t, i, || {
                format!("load moved from {} to {}", comps[*from].name, comps[*to].name)
            });
        }
        Effect::Restart(c) => {
            let w = &mut ws.world;
            w.set(*c, FAILED, false);
            w.set(*c, POWER_LOST, false);
            note(obs, t, i, || format!("{} restarted", comps[*c].name));
        }
        Effect::Repair(c) => {
            let w = &mut ws.world;
            w.set(*c, FAILED, false);
            w.set(*c, POWER_LOST, false);
            w.set(*c, ISOLATED, false);
            w.set(*c, DISRUPTED, false);
            if w.has(*c, COMPROMISED) {
                w.set(*c, COMPROMISED, false);
                w.n_compromised -= 1;
            }
            note(obs, t, i, || format!("{} repaired", comps[*c].name));
        }
        Effect::Reopen(s) => {
            ws.world.svc_needs_reopen[*s] = false;
            ws.world.svc_reopened[*s] = true;
            note(obs, t, i, || format!("service {} reopened", sc.services[*s].name));
        }
        Effect::Publish(what) => {
            note(obs, t, i, || format!("published: {what}"));
            return;
        }
        Effect::DeclareEnd => {
            note(obs, t, i, || "the end of the incident is declared".into());
            return;
        }
    }
    refresh(sc, streams, ws, obs, t, Cause::Step(i));
    classify(sc, streams, ws, obs, t);
}

/// Recompute which components are up and serving, then which business services are up.
pub(super) fn refresh<O: Observer>(sc: &Scenario, streams: TrialStreams, ws: &mut Workspace, obs: &mut O, t: f64, cause: Cause) {
    for k in ws.world.dirty_from..ws.world.nodes.len() {
        let n = ws.world.nodes[k];
        let c = n.comp as usize;
        let w = &mut ws.world;
        let power_ok = match n.kind {
            NodeKind::Feed => {
                let comp = &sc.topology.components[c];
                let ups_ok = w.has(c, ON_BATTERY) && comp.ups.is_some_and(|u| w.has(u, UP));
                let gen_ok = w.has(c, GEN_ON) && comp.generator.is_some_and(|g| w.has(g, UP));
                (!w.has(c, UTILITY_DOWN) || gen_ok || ups_ok) && !w.has(c, FAILED)
            }
            NodeKind::PowerEquipment => true,
            NodeKind::Other => w.feed_of[c].is_none_or(|f| w.has(f, UP)),
        };
        if n.kind == NodeKind::Other {
            if !power_ok {
                w.set(c, POWER_LOST, true);
            } else if w.has(c, POWER_LOST) && n.auto_restart {
                w.set(c, POWER_LOST, false);
            }
        }
        let own = power_ok && !w.has(c, FAILED) && !w.has(c, ISOLATED) && !w.has(c, POWER_LOST) && !w.has(c, DISRUPTED);
        let flat = &w.flat;
        let deps = flat[n.needs.0 as usize..n.needs.1 as usize]
            .iter()
            .all(|&d| w.has(d as usize, SERVING))
            && (n.quorum_k == 0
                || flat[n.quorum.0 as usize..n.quorum.1 as usize]
                    .iter()
                    .filter(|&&d| w.has(d as usize, SERVING))
                    .count()
                    >= n.quorum_k as usize);
        let up = own && deps;
        if up != w.has(c, UP) {
            w.set(c, UP, up);
            if O::ACTIVE {
                obs.on(t, Event::Component { comp: c, up, cause });
            }
        }
        // Lost data is lost on the standby too: corruption and deletion replicate.
        let data_ok = !n.has_stores || !sc.topology.stores_on[c].iter().any(|&s| w.store_lost[s]);
        let on_standby = n.standby != u32::MAX && w.has(c, SWITCHED);
        w.set(c, SERVING, data_ok && if on_standby { w.has(n.standby as usize, UP) } else { up });
        if up {
            // Back up: a later outage starts a new automatic failover.
            w.set(c, FAILOVER_TRIED, false);
        } else if n.auto_failover && !w.has(c, SWITCHED) && !w.has(c, FAILOVER_TRIED) {
            w.set(c, FAILOVER_TRIED, true);
            if let Some(auto) = sc.topology.components[c].standby.as_ref().and_then(|s| s.auto.as_ref()) {
                let d = auto.delay.sample(comp_rng(sc, &mut ws.world, streams, c));
                ws.push(t + d, Ev::FailoverDone(c as u32));
            }
        }
    }
    ws.world.dirty_from = ws.world.nodes.len();
    let w = &mut ws.world;
    for (s, svc) in sc.services.iter().enumerate() {
        let needs_ok = svc.needs.iter().all(|&n| w.has(n, SERVING));
        if w.svc_up[s] && !needs_ok {
            w.svc_up[s] = false;
            w.svc_was_down[s] = true;
            w.svc_cause[s] = NONE;
            // Reopened once, a service comes back by itself after a later outage: the team
            // that checked it watches it (a plan cannot run its reopen step twice).
            if svc.reopen && !w.svc_reopened[s] {
                w.svc_needs_reopen[s] = true;
            }
            if O::ACTIVE {
                obs.on(t, Event::Service { service: s, up: false });
            }
        } else if !w.svc_up[s] && needs_ok && !w.svc_needs_reopen[s] {
            w.svc_up[s] = true;
            w.svc_back_at[s] = t;
            w.svc_cause[s] = match cause {
                Cause::Step(i) => i as u32,
                _ => NONE,
            };
            if O::ACTIVE {
                obs.on(t, Event::Service { service: s, up: true });
            }
        }
    }
}

/// Classify the incident into a severity level from the impact seen now; raise (never
/// lower) the level, paging its teams and releasing the steps that wait for it. Only once
/// the incident is acknowledged.
pub(super) fn classify<O: Observer>(sc: &Scenario, streams: TrialStreams, ws: &mut Workspace, obs: &mut O, t: f64) {
    let levels = &sc.topology.levels;
    if levels.is_empty() || !ws.acked || ws.out.level == Some(levels.len() - 1) {
        return;
    }
    let w = &ws.world;
    let down = w.svc_up.iter().filter(|u| !**u).count();
    let leaked = leaked_at(sc, w, t);
    let lost = w.store_ever_lost.iter().any(|x| *x);
    let mut highest = 0;
    for (i, l) in levels.iter().enumerate().skip(1) {
        let hit = l.services_down.is_some_and(|n| down >= n)
            || l.any_down.iter().any(|&s| !w.svc_up[s])
            || l.leaked.is_some_and(|x| leaked >= x - 1e-9)
            || (l.data_loss && lost)
            || l.compromised.is_some_and(|n| w.n_compromised >= n);
        if hit {
            highest = i;
        }
    }
    let from = match ws.out.level {
        None => 0,
        Some(cur) if highest > cur => cur + 1,
        Some(_) => return,
    };
    ws.out.level = Some(highest);
    for l in from..=highest {
        level_reached(sc, streams, ws, obs, l, t);
    }
}

fn leaked_at(sc: &Scenario, w: &World, t: f64) -> f64 {
    let mut total = 0.0;
    for (f, fault) in sc.topology.faults.iter().enumerate() {
        if let FaultKind::Attack { leak_rate, .. } = &fault.kind {
            let landed = w.landed_at[f];
            if !landed.is_nan() {
                total += leak_rate * (t.min(w.contained_at) - landed).max(0.0);
            }
        }
    }
    total
}

/// Business services still down at the end of the trial.
pub(super) fn still_down(ws: &Workspace) -> impl Iterator<Item = usize> + '_ {
    ws.world.svc_up.iter().enumerate().filter(|(_, up)| !**up).map(|(s, _)| s)
}

/// Close the trial's books. An intruder never contained leaks until `leak_end` (the close
/// of the plan).
pub(super) fn finish(sc: &Scenario, ws: &mut Workspace, leak_end: f64) {
    let t0 = ws.out.t0;
    let w = &ws.world;
    let mut worst = (f64::NEG_INFINITY, NONE);
    for (s, d) in ws.out.downtime.iter_mut().enumerate() {
        *d = if !w.svc_was_down[s] {
            0.0
        } else if w.svc_up[s] {
            w.svc_back_at[s] - t0
        } else {
            sc.horizon
        };
        if *d > worst.0 {
            worst = (*d, w.svc_cause[s]);
        }
    }
    ws.world.recovery_cause = if worst.0 > 0.0 { worst.1 } else { NONE };
    ws.out.leaked = leaked_at(sc, &ws.world, leak_end);
}
