//! Data stores: losing data, and how much a restore from backup gives back.

use rand::Rng;

use super::event::{Event, Observer};
use super::state::TopologyState;
use super::trial::Trial;

/// Backups looked at, newest first, before a restore counts as impossible.
const MAX_BACKUPS_SEARCHED: f64 = 10_000.0;

/// What a restore step found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Restore {
    /// The store's data was not lost: nothing to restore.
    Intact,
    /// Every usable backup is bad, too old or gone.
    NoGoodBackup,
    Restored,
}

impl<O: Observer> Trial<'_, O> {
    /// Store `s` loses its data now. It is restored from the newest good backup: one taken no
    /// later than the loss (or, if an intruder got in at `intrusion`, no later than that), not
    /// corrupt, and still kept. Backups run every interval from a phase drawn uniformly per
    /// trial, so a fault at any fixed time loses half an interval on average.
    pub(crate) fn lose_store(&mut self, s: usize, intrusion: Option<f64>) {
        if self.world.store_lost[s] {
            return;
        }
        let sc = self.sc;
        let t = self.now;
        let st = &sc.stores[s];
        let (restorable, lost) = match st.backup_interval {
            None => (false, sc.horizon),
            Some(iv) => {
                let slot = sc.topology.components.len() + s;
                let TopologyState {
                    rngs, store_phase, opened, ..
                } = &mut *self.world;
                let rng = rngs[slot].get_or_insert_with(|| {
                    opened.push(slot as u32);
                    self.streams.stream(st.key)
                });
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
        let w = &mut *self.world;
        w.store_lost[s] = true;
        if let Some(c) = st.component {
            w.touch(c);
        }
        w.store_ever_lost[s] = true;
        w.store_restorable[s] = restorable;
        w.store_encrypted[s] = intrusion.is_some();
        self.out.data_lost[s] = self.out.data_lost[s].max(lost);
        self.emit(t, || Event::StoreLost {
            store: s,
            lost: restorable.then_some(lost),
        });
    }

    /// A step restores store `s` from backup now.
    pub(crate) fn restore_store(&mut self, s: usize) -> Restore {
        let w = &mut *self.world;
        if !w.store_lost[s] {
            return Restore::Intact;
        }
        if !w.store_restorable[s] {
            return Restore::NoGoodBackup;
        }
        w.store_lost[s] = false;
        if let Some(c) = self.sc.stores[s].component {
            w.touch(c);
        }
        self.emit(self.now, || Event::StoreRestored { store: s });
        Restore::Restored
    }
}
