//! What changes the topology: a fault's injection and a step's effect. Each change is
//! followed by a refresh of what it reaches and a new classification of the incident.

use super::data::Restore;
use super::event::{Cause, Event, Observer};
use super::state::{COMPROMISED, DISRUPTED, FAILED, GEN_ON, ISOLATED, ON_BATTERY, POWER_LOST, SWITCHED, UP, UTILITY_DOWN};
use super::trial::Trial;
use crate::model::{CompSet, Effect, FaultKind};

/// What keeps a component from being restarted or repaired.
#[derive(Clone, Copy, Debug)]
enum Blocked {
    /// Its feed (this one) has no power.
    NoPower(usize),
    /// An intruder not yet contained holds it.
    Intruder,
}

impl Blocked {
    fn words(self, sc: &crate::model::Scenario) -> String {
        match self {
            Blocked::NoPower(f) => format!("no power on {}", sc.topology.components[f].name),
            Blocked::Intruder => "still compromised by an attack that is not contained".into(),
        }
    }
}

impl<O: Observer> Trial<'_, O> {
    /// The topology changed (for `cause`): refresh what the change reaches, then classify.
    pub(crate) fn changed(&mut self, cause: Cause) {
        self.world.refresh(self.sc, self.streams, self.queue, self.obs, self.now, cause);
        self.watch_symptoms(cause);
        self.classify();
        self.recheck_waits();
    }

    /// Inject fault `f` now, and start its detection.
    pub(crate) fn inject(&mut self, f: usize) {
        let sc = self.sc;
        self.emit(self.now, || Event::Fault { fault: Some(f) });
        match &sc.topology.faults[f].kind {
            FaultKind::Failure { target, .. } => self.world.set(*target, FAILED, true),
            FaultKind::Attack { target, leak_rate, .. } => self.land(f, *target, *leak_rate),
            FaultKind::PowerLoss { feed, outage } => self.power_loss(f, *feed, outage),
            FaultKind::DataLoss { store, .. } => self.lose_store(*store, None),
        }
        self.changed(Cause::Fault(f));
        self.detect(Some(f));
    }

    /// Why component `c` cannot be brought back now, if it cannot: its feed has no power, or
    /// an intruder not yet contained still holds it (it would take it again at once).
    fn cannot_start(&self, c: usize) -> Option<Blocked> {
        let w = &*self.world;
        if let Some(f) = w.feed_of[c]
            && !w.has(f, UP)
        {
            return Some(Blocked::NoPower(f));
        }
        if w.has(c, COMPROMISED) && w.contained_at.is_infinite() {
            return Some(Blocked::Intruder);
        }
        None
    }

    /// Why component `c`, which is not up, is down: its own state first, then what it needs.
    fn why_not_up(&self, c: usize) -> &'static str {
        let w = &*self.world;
        let comp = &self.sc.topology.components[c];
        if w.has(c, DISRUPTED) {
            "the attack disrupted it"
        } else if w.has(c, FAILED) {
            "it failed and is not repaired"
        } else if w.has(c, ISOLATED) {
            "it is isolated"
        } else if w.has(c, POWER_LOST) {
            if w.feed_of[c].is_some_and(|f| !w.has(f, UP)) {
                "it has no power"
            } else {
                "it lost power and is not restarted"
            }
        } else if comp.quorum.is_some() && !comp.needs.iter().any(|&d| !w.serving(d)) {
            "too few of its replicas serve"
        } else {
            "something it needs does not serve"
        }
    }

    /// The components of `set` now, in name order.
    fn members(&self, set: CompSet) -> Vec<usize> {
        let w = &*self.world;
        let n = self.sc.topology.components.len();
        match set {
            CompSet::Compromised => (0..n).filter(|&c| w.has(c, COMPROMISED)).collect(),
            CompSet::OnFeed(f) => (0..n).filter(|&c| w.feed_of[c] == Some(f)).collect(),
        }
    }

    /// Step `i` restarts (or, with `repair`, repairs) component `c` now, unless it cannot
    /// (then its effect fails, saying why). Whether it did; the caller refreshes the world.
    fn bring_back(&mut self, i: usize, c: usize, repair: bool) -> bool {
        let sc = self.sc;
        let name = &sc.topology.components[c].name;
        let verb = if repair { "repair" } else { "restart" };
        if let Some(why) = self.cannot_start(c) {
            self.effect_failed(i, || format!("{verb} {name}: {}", why.words(sc)));
            return false;
        }
        let w = &mut *self.world;
        w.set(c, FAILED, false);
        w.set(c, POWER_LOST, false);
        if repair {
            w.set(c, ISOLATED, false);
            w.set(c, DISRUPTED, false);
            if w.has(c, COMPROMISED) {
                w.set(c, COMPROMISED, false);
                w.n_compromised -= 1;
            }
        }
        self.effect_done(i, || format!("{name} {}", if repair { "repaired" } else { "restarted" }));
        true
    }

    /// Step `i`'s effect is done; `what` says what it did (built only for the trace).
    fn effect_done(&mut self, i: usize, what: impl FnOnce() -> String) {
        self.emit(self.now, || Event::EffectDone { step: i, what: what() });
    }

    /// Step `i`'s effect failed; `why` says why (built only for the trace).
    fn effect_failed(&mut self, i: usize, why: impl FnOnce() -> String) {
        self.out.effect_failed[i] = true;
        self.emit(self.now, || Event::EffectFailed { step: i, why: why() });
    }

    /// Carry out step `i`'s effect now. Messages are built only for the trace (closures),
    /// never in a batch run.
    pub(crate) fn apply(&mut self, i: usize, e: &Effect) {
        let sc = self.sc;
        let comps = &sc.topology.components;
        // Whether the topology changed, so that it must be refreshed.
        let changed = match e {
            Effect::Failover(c) => self.fail_over(i, *c),
            Effect::FailBack(c) => self.fail_back(i, *c),
            Effect::Contain => {
                if self.world.contained_at.is_infinite() {
                    self.world.contained_at = self.now;
                }
                self.effect_done(i, || "the intruder is contained: no more spread, no more leak".into());
                self.recheck_waits();
                false // nothing in the topology changes, and the impact stops growing
            }
            Effect::Isolate(c) => {
                self.world.set(*c, ISOLATED, true);
                self.effect_done(i, || format!("{} is isolated", comps[*c].name));
                true
            }
            Effect::Restore(s) => self.restore(i, *s),
            Effect::RestorePower(f) => {
                let w = &mut *self.world;
                w.utility_until[*f] = self.now;
                w.set(*f, UTILITY_DOWN, false);
                w.set(*f, ON_BATTERY, false);
                w.set(*f, GEN_ON, false);
                self.effect_done(i, || format!("power is back on {}", comps[*f].name));
                true
            }
            Effect::MoveLoad { from, to } => {
                let w = &mut *self.world;
                w.load_moved = true;
                for c in 0..w.feed_of.len() {
                    if w.feed_of[c] == Some(*from) {
                        w.feed_of[c] = Some(*to);
                        w.touch(c);
                    }
                }
                self.effect_done(i, || format!("load moved from {} to {}", comps[*from].name, comps[*to].name));
                true
            }
            Effect::Restart(c) => self.bring_back(i, *c, false),
            Effect::Repair(c) => self.bring_back(i, *c, true),
            Effect::RestartAll(set) => self.bring_back_all(i, *set, false),
            Effect::RepairAll(set) => self.bring_back_all(i, *set, true),
            Effect::Reopen(s) => {
                self.world.svc_needs_reopen[*s] = false;
                self.world.svc_reopened[*s] = true;
                self.effect_done(i, || format!("service {} reopened", sc.services[*s].name));
                true
            }
            Effect::Publish(what) => {
                self.effect_done(i, || format!("published: {what}"));
                false
            }
            Effect::DeclareEnd => {
                self.effect_done(i, || "the end of the incident is declared".into());
                false
            }
        };
        if changed {
            self.changed(Cause::Step(i));
        }
    }

    /// Step `i` fails component `c` over to its standby, unless it already runs there or the
    /// standby is down. Whether the topology changed: a failover that was already done still
    /// counts as done, and the world is refreshed as after any completed effect.
    fn fail_over(&mut self, i: usize, c: usize) -> bool {
        let comps = &self.sc.topology.components;
        let sb = comps[c].standby.as_ref().map(|s| s.component).unwrap_or(c);
        if self.world.has(c, SWITCHED) {
            self.effect_done(i, || format!("{} already runs on standby {}", comps[c].name, comps[sb].name));
        } else if !self.world.has(sb, UP) {
            self.effect_failed(i, || {
                format!("cannot fail over {}: standby {} is down", comps[c].name, comps[sb].name)
            });
        } else {
            self.switch_over(c);
            self.effect_done(i, || format!("{} fails over to standby {}", comps[c].name, comps[sb].name));
            self.landed_on_standby(c, Some(i));
        }
        true
    }

    /// Step `i` moves component `c` back from its standby, unless `c` is not switched, is down
    /// or is still held by the intruder. Whether it moved.
    fn fail_back(&mut self, i: usize, c: usize) -> bool {
        let comps = &self.sc.topology.components;
        let sb = comps[c].standby.as_ref().map(|s| s.component).unwrap_or(c);
        let w = &*self.world;
        if !w.has(c, SWITCHED) {
            self.effect_done(i, || format!("{} already runs on itself; nothing to fail back", comps[c].name));
            return false;
        }
        if !w.has(c, UP) {
            let why = self.why_not_up(c);
            self.effect_failed(i, || {
                format!(
                    "cannot fail back {} from standby {}: {} is down ({why})",
                    comps[c].name, comps[sb].name, comps[c].name
                )
            });
            return false;
        }
        if w.has(c, COMPROMISED) {
            self.effect_failed(i, || {
                format!(
                    "cannot fail back {} from standby {}: the intruder still holds {} (repair it first)",
                    comps[c].name, comps[sb].name, comps[c].name
                )
            });
            return false;
        }
        self.world.set(c, SWITCHED, false);
        self.effect_done(i, || format!("{} fails back from standby {}", comps[c].name, comps[sb].name));
        true
    }

    /// Step `i` restores store `s` from its backups, unless its host is down while it is lost.
    /// Whether the world must be refreshed (also when the store was intact or had no good
    /// backup, as after any completed effect).
    fn restore(&mut self, i: usize, s: usize) -> bool {
        let sc = self.sc;
        let name = &sc.stores[s].name;
        if let Some(h) = sc.stores[s].component
            && self.world.store_lost(s)
            && !self.world.has(h, UP)
        {
            self.effect_failed(i, || {
                format!("restore store {name}: its host {} is down", sc.topology.components[h].name)
            });
            return false;
        }
        match self.restore_store(s) {
            Restore::Intact => self.effect_done(i, || format!("store {name} is intact; nothing to restore")),
            Restore::NoGoodBackup => self.effect_failed(i, || format!("cannot restore store {name}: no good backup")),
            Restore::Restored => {}
        }
        true
    }

    /// Step `i` restarts (or repairs) every component of `set` now. Whether any came back.
    fn bring_back_all(&mut self, i: usize, set: CompSet, repair: bool) -> bool {
        let members = self.members(set);
        if members.is_empty() {
            let verb = if repair { "repair" } else { "restart" };
            self.effect_done(i, || format!("no component to {verb}"));
            return false;
        }
        let mut any = false;
        for c in members {
            any |= self.bring_back(i, c, repair);
        }
        any
    }
}
