//! Why a business service is still down when nothing more will happen: the component that
//! keeps it down, found by walking from the service through what is not serving to a
//! component whose own state is the reason, so that `trace` can say what the plan lacks.

use super::event::DownReason;
use super::state::{COMPROMISED, DISRUPTED, FAILED, ISOLATED, POWER_LOST, SWITCHED, TopologyState, UP, UTILITY_DOWN};
use crate::model::{CompId, Scenario};

/// The component that keeps business service `s` down, and why (None if every component it
/// needs serves, e.g. a service waiting to be reopened).
pub(crate) fn why_down(sc: &Scenario, w: &TopologyState, s: usize) -> Option<(CompId, DownReason)> {
    let start = sc.services[s].needs.iter().copied().find(|&c| !w.serving(c))?;
    let mut c = start;
    // Each move goes to a component the current one depends on: the walk ends (the topology
    // has no cycles), bounded by the component count for safety.
    for _ in 0..=sc.topology.components.len() {
        let comp = &sc.topology.components[c];
        // Switched to its standby, it does not serve because of the standby or the data
        // (its own, which replicates, or the standby's), whatever its own state.
        if w.has(c, SWITCHED)
            && let Some(sb) = &comp.standby
        {
            if !w.has(sb.component, UP) {
                c = sb.component;
                continue;
            }
            if w.lost_store_on(sc, c).is_none() && w.lost_store_on(sc, sb.component).is_some() {
                return Some((sb.component, DownReason::DataLost));
            }
            return Some((c, DownReason::DataLost));
        }
        if w.has(c, UP) {
            // Up but not serving: its data.
            return Some((c, DownReason::DataLost));
        }
        let own = [
            (COMPROMISED, DownReason::Compromised),
            (DISRUPTED, DownReason::Disrupted),
            (FAILED, DownReason::Failed),
            (ISOLATED, DownReason::Isolated),
        ];
        if let Some(&(_, why)) = own.iter().find(|(bit, _)| w.has(c, *bit)) {
            return Some((c, why));
        }
        if comp.kind.is_feed() {
            return Some((
                c,
                if w.has(c, UTILITY_DOWN) {
                    DownReason::NoPower
                } else {
                    DownReason::Failed
                },
            ));
        }
        if w.has(c, POWER_LOST) {
            match w.feed_of[c] {
                Some(f) if !w.has(f, UP) => c = f,
                _ => return Some((c, DownReason::NotRestarted)),
            }
            continue;
        }
        if let Some(&d) = comp.needs.iter().find(|&&d| !w.serving(d)) {
            c = d;
            continue;
        }
        if let Some(q) = &comp.quorum {
            match q.of.iter().copied().find(|&d| !w.serving(d)) {
                Some(d) => c = d,
                None => return Some((c, DownReason::QuorumLost)),
            }
            continue;
        }
        break;
    }
    Some((start, DownReason::Failed))
}
