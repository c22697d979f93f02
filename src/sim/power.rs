//! Power: a feed's utility outage, its UPS battery and generator, and automatic failovers.

use rand::Rng;

use super::draw::draw;
use super::event::{Cause, Event, Observer};
use super::queue::Action;
use super::state::{COMPROMISED, GEN_ON, ON_BATTERY, SWITCHED, UP, UTILITY_DOWN};
use super::trial::Trial;
use crate::model::{ComponentKind, Dist, StreamKey};

impl<O: Observer> Trial<'_, O> {
    /// Fault `f` cuts utility power to `feed` for a drawn outage.
    pub(crate) fn power_loss(&mut self, f: usize, feed: usize, outage: &Dist) {
        let sc = self.sc;
        let t = self.now;
        let key = sc.topology.faults[f].key.pair(StreamKey::named("outage"));
        let back = draw(outage, &mut self.streams.stream(key), &mut self.out.clamped);
        // Overlapping outages of one feed make one: power returns when the last ends.
        self.queue.push(t + back, Action::UtilityBack(feed as u32));
        let w = &mut *self.world;
        w.utility_until[feed] = w.utility_until[feed].max(t + back);
        if w.has(feed, UTILITY_DOWN) {
            return; // already on UPS or generator, or dark: nothing new switches over
        }
        w.set(feed, UTILITY_DOWN, true);
        let comp = &sc.topology.components[feed];
        if let Some(u) = comp.ups.filter(|&u| w.has(u, UP)) {
            w.set(feed, ON_BATTERY, true);
            let battery = sc.topology.components[u].battery;
            w.battery_until[feed] = t + battery;
            self.emit(t, || Event::Power {
                feed,
                what: format!("utility power lost; UPS {} carries the load", sc.topology.components[u].name),
            });
            self.queue.push(t + battery, Action::BatteryEmpty(feed as u32));
        } else {
            self.emit(t, || Event::Power {
                feed,
                what: if comp.kind == ComponentKind::PowerFeed {
                    "utility power lost".into()
                } else {
                    format!("{} outage: what it hosts has no power or network", comp.kind.words())
                },
            });
        }
        if let Some(g) = comp.generator.filter(|&g| self.world.has(g, UP)) {
            let gen_c = &sc.topology.components[g];
            let rng = self.world.comp_rng(sc, self.streams, g);
            let starts = rng.random::<f64>() < gen_c.start;
            let delay = draw(&gen_c.start_delay, rng, &mut self.out.clamped);
            if starts {
                self.queue.push(t + delay, Action::GeneratorOn(feed as u32));
            } else {
                self.emit(t + delay, || Event::Power {
                    feed,
                    what: format!("generator {} fails to start", gen_c.name),
                });
            }
        }
    }

    /// Utility power may return to feed `f` (unless a step restored it already, or another
    /// outage of the feed goes on).
    pub(crate) fn utility_back(&mut self, f: usize) -> Option<Cause> {
        let w = &mut *self.world;
        if !w.has(f, UTILITY_DOWN) || self.now < w.utility_until[f] {
            return None;
        }
        w.set(f, UTILITY_DOWN, false);
        w.set(f, ON_BATTERY, false);
        w.set(f, GEN_ON, false);
        let sc = self.sc;
        self.emit(self.now, || Event::Power {
            feed: f,
            what: if sc.topology.components[f].kind == ComponentKind::PowerFeed {
                "utility power returns".into()
            } else {
                "power and network return".into()
            },
        });
        Some(Cause::Power(f))
    }

    /// Feed `f`'s UPS battery may run dry.
    pub(crate) fn battery_empty(&mut self, f: usize) -> Option<Cause> {
        if !self.world.has(f, ON_BATTERY) || self.now < self.world.battery_until[f] {
            return None;
        }
        self.world.set(f, ON_BATTERY, false);
        if self.world.has(f, UTILITY_DOWN) {
            self.emit(self.now, || Event::Power {
                feed: f,
                what: "UPS battery is empty".into(),
            });
        }
        Some(Cause::Power(f))
    }

    /// Feed `f`'s generator starts (if the feed still lacks utility power).
    pub(crate) fn generator_on(&mut self, f: usize) -> Option<Cause> {
        if !self.world.has(f, UTILITY_DOWN) {
            return None;
        }
        self.world.set(f, GEN_ON, true);
        let sc = self.sc;
        self.emit(self.now, || {
            let g = sc.topology.components[f]
                .generator
                .map_or("", |g| sc.topology.components[g].name.as_str());
            Event::Power {
                feed: f,
                what: format!("generator {g} starts and carries the load"),
            }
        });
        Some(Cause::Power(f))
    }

    /// An automatic failover of `c` completes, or fails (then a plan step must do it).
    pub(crate) fn failover_done(&mut self, c: usize) -> Option<Cause> {
        let sc = self.sc;
        let comp = &sc.topology.components[c];
        let sb = comp.standby.as_ref()?;
        if self.world.has(c, UP) || self.world.has(c, SWITCHED) {
            return None; // the primary came back, or a step already failed over
        }
        let fail = sb.auto.as_ref().map_or(0.0, |a| a.fail);
        let ok = self.world.has(sb.component, UP) && !(fail > 0.0 && self.world.comp_rng(sc, self.streams, c).random::<f64>() < fail);
        self.emit(self.now, || Event::Failover { comp: c, ok });
        if ok {
            self.switch_over(c);
            self.landed_on_standby(c, None);
        }
        Some(Cause::Failover(c))
    }

    /// `c` has just switched to its standby (automatically, or by step `by`): a standby the
    /// intruder has reached, or whose data (the role's stores, which replicate, or the
    /// standby's own) is lost, is said plainly in the trace. The role still serves from a
    /// compromised standby that is up; it does not serve while the data is lost.
    pub(crate) fn landed_on_standby(&mut self, c: usize, by: Option<usize>) {
        if !O::ACTIVE {
            return;
        }
        let sc = self.sc;
        let Some(sb) = sc.topology.components[c].standby.as_ref().map(|s| s.component) else {
            return;
        };
        let w = &*self.world;
        let compromised = w.has(sb, COMPROMISED);
        let lost = w.lost_store_on(sc, c).or_else(|| w.lost_store_on(sc, sb));
        if compromised || lost.is_some() {
            let encrypted = lost.is_some_and(|s| w.store_encrypted[s]);
            self.emit(self.now, || Event::StandbyAtRisk {
                comp: c,
                standby: sb,
                step: by,
                compromised,
                lost,
                encrypted,
            });
        }
    }

    /// `c`'s standby takes over its role. Writes not yet replicated to the standby are lost.
    pub(crate) fn switch_over(&mut self, c: usize) {
        let sc = self.sc;
        self.world.set(c, SWITCHED, true);
        for &s in &sc.topology.stores_on[c] {
            if let Some(lag) = &sc.stores[s].replication_lag {
                // A stream of its own, so that when a failover happens does not shift the
                // store's backup draws.
                let key = sc.stores[s].key.pair(StreamKey::named("replication"));
                let lost = draw(lag, &mut self.streams.stream(key), &mut self.out.clamped).min(sc.horizon);
                self.out.data_lost[s] = self.out.data_lost[s].max(lost);
                self.emit(self.now, || Event::ReplicationLoss { store: s, lost });
            }
        }
    }
}
