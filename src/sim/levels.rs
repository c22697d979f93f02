//! Severity levels: the incident is classified from the impact seen, raised (never lowered),
//! and reaching a level pages its teams and releases the steps that wait for it.

use super::event::{Event, Observer};
use super::queue::Action;
use super::state::{NONE, TopologyState};
use super::trial::Trial;
use crate::model::{FaultKind, Scenario};

/// The volume every intruder has leaked by `t` (each from its landing until containment).
pub(crate) fn leaked_at(sc: &Scenario, w: &TopologyState, t: f64) -> f64 {
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

impl<O: Observer> Trial<'_, O> {
    /// Classify the incident from the impact seen now; raise (never lower) the level. Only
    /// once the incident is acknowledged.
    pub(crate) fn classify(&mut self) {
        let sc = self.sc;
        let levels = &sc.topology.levels;
        if levels.is_empty() || !self.progress.acked || self.out.level == Some(levels.len() - 1) {
            return;
        }
        let w = &*self.world;
        let down = w.svc_up.iter().filter(|u| !**u).count();
        let leaked = leaked_at(sc, w, self.now);
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
        let from = match self.out.level {
            None => 0,
            Some(cur) if highest > cur => cur + 1,
            Some(_) => return,
        };
        self.out.level = Some(highest);
        for l in from..=highest {
            self.level_reached(l);
        }
    }

    /// The incident reached `level`: page its teams and release the steps waiting for it.
    fn level_reached(&mut self, level: usize) {
        let sc = self.sc;
        let t = self.now;
        self.emit(t, || Event::LevelRaised { level });
        for &team in &sc.topology.levels[level].page {
            if !self.progress.engaged[team] && !self.progress.paged[team] {
                self.progress.paged[team] = true;
                let t_ack = self.page(team, t);
                self.queue.push(t_ack, Action::Engage(team as u32));
            }
        }
        // Released in the order they became ready. What held them back last was the level,
        // not a step: their critical path ends here. Releasing a step never makes another
        // wait for a level, so the list is split once.
        let waiting = std::mem::take(&mut self.progress.level_wait);
        let mut kept = Vec::with_capacity(waiting.len());
        for (j, cause) in waiting {
            if sc.steps[j as usize].when.level.is_some_and(|l| l <= level) {
                self.queue_or_start(j as usize, NONE);
            } else {
                kept.push((j, cause));
            }
        }
        debug_assert!(self.progress.level_wait.is_empty());
        self.progress.level_wait = kept;
    }
}
