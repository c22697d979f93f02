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
        let t = self.now;
        let name = &sc.topology.components[c].name;
        let verb = if repair { "repair" } else { "restart" };
        if let Some(why) = self.cannot_start(c) {
            self.out.effect_failed[i] = true;
            self.emit(t, || Event::EffectFailed {
                step: i,
                why: format!("{verb} {name}: {}", why.words(sc)),
            });
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
        self.emit(t, || Event::EffectDone {
            step: i,
            what: format!("{name} {}", if repair { "repaired" } else { "restarted" }),
        });
        true
    }

    /// Carry out step `i`'s effect now.
    pub(crate) fn apply(&mut self, i: usize, e: &Effect) {
        let sc = self.sc;
        let comps = &sc.topology.components;
        let t = self.now;
        // Messages are built only for the trace (closures), never in a batch run.
        let note = |tr: &mut Self, what: &dyn Fn() -> String| tr.emit(t, || Event::EffectDone { step: i, what: what() });
        let failed = |tr: &mut Self, why: &dyn Fn() -> String| {
            tr.out.effect_failed[i] = true;
            tr.emit(t, || Event::EffectFailed { step: i, why: why() });
        };
        match e {
            Effect::Failover(c) => {
                let c = *c;
                let sb = comps[c].standby.as_ref().map(|s| s.component).unwrap_or(c);
                if self.world.has(c, SWITCHED) {
                    note(self, &|| format!("{} already runs on standby {}", comps[c].name, comps[sb].name));
                } else if !self.world.has(sb, UP) {
                    failed(self, &|| {
                        format!("cannot fail over {}: standby {} is down", comps[c].name, comps[sb].name)
                    });
                } else {
                    self.switch_over(c);
                    note(self, &|| format!("{} fails over to standby {}", comps[c].name, comps[sb].name));
                    self.landed_on_standby(c, Some(i));
                }
            }
            Effect::FailBack(c) => {
                let c = *c;
                let sb = comps[c].standby.as_ref().map(|s| s.component).unwrap_or(c);
                let w = &*self.world;
                if !w.has(c, SWITCHED) {
                    note(self, &|| format!("{} already runs on itself; nothing to fail back", comps[c].name));
                    return;
                }
                if !w.has(c, UP) {
                    let why = self.why_not_up(c);
                    failed(self, &|| {
                        format!(
                            "cannot fail back {} from standby {}: {} is down ({why})",
                            comps[c].name, comps[sb].name, comps[c].name
                        )
                    });
                    return;
                }
                if w.has(c, COMPROMISED) {
                    failed(self, &|| {
                        format!(
                            "cannot fail back {} from standby {}: the intruder still holds {} (repair it first)",
                            comps[c].name, comps[sb].name, comps[c].name
                        )
                    });
                    return;
                }
                self.world.set(c, SWITCHED, false);
                note(self, &|| format!("{} fails back from standby {}", comps[c].name, comps[sb].name));
            }
            Effect::Contain => {
                if self.world.contained_at.is_infinite() {
                    self.world.contained_at = t;
                }
                note(self, &|| "the intruder is contained: no more spread, no more leak".into());
                self.recheck_waits();
                return; // nothing in the topology changes, and the impact stops growing
            }
            Effect::Isolate(c) => {
                self.world.set(*c, ISOLATED, true);
                note(self, &|| format!("{} is isolated", comps[*c].name));
            }
            Effect::Restore(s) => {
                let name = &sc.stores[*s].name;
                if let Some(h) = sc.stores[*s].component
                    && self.world.store_lost(*s)
                    && !self.world.has(h, UP)
                {
                    failed(self, &|| format!("restore store {name}: its host {} is down", comps[h].name));
                    return;
                }
                match self.restore_store(*s) {
                    Restore::Intact => note(self, &|| format!("store {name} is intact; nothing to restore")),
                    Restore::NoGoodBackup => failed(self, &|| format!("cannot restore store {name}: no good backup")),
                    Restore::Restored => {}
                }
            }
            Effect::RestorePower(f) => {
                let w = &mut *self.world;
                w.utility_until[*f] = t;
                w.set(*f, UTILITY_DOWN, false);
                w.set(*f, ON_BATTERY, false);
                w.set(*f, GEN_ON, false);
                note(self, &|| format!("power is back on {}", comps[*f].name));
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
                note(self, &|| format!("load moved from {} to {}", comps[*from].name, comps[*to].name));
            }
            Effect::Restart(c) => {
                if !self.bring_back(i, *c, false) {
                    return;
                }
            }
            Effect::Repair(c) => {
                if !self.bring_back(i, *c, true) {
                    return;
                }
            }
            Effect::RestartAll(set) | Effect::RepairAll(set) => {
                let repair = matches!(e, Effect::RepairAll(_));
                let members = self.members(*set);
                if members.is_empty() {
                    let verb = if repair { "repair" } else { "restart" };
                    note(self, &|| format!("no component to {verb}"));
                    return;
                }
                let mut any = false;
                for c in members {
                    any |= self.bring_back(i, c, repair);
                }
                if !any {
                    return;
                }
            }
            Effect::Reopen(s) => {
                self.world.svc_needs_reopen[*s] = false;
                self.world.svc_reopened[*s] = true;
                note(self, &|| format!("service {} reopened", sc.services[*s].name));
            }
            Effect::Publish(what) => {
                note(self, &|| format!("published: {what}"));
                return;
            }
            Effect::DeclareEnd => {
                note(self, &|| "the end of the incident is declared".into());
                return;
            }
        }
        self.changed(Cause::Step(i));
    }
}
