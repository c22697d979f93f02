//! The trial's pending actions: earliest first, and actions due at the same time in the order
//! they were scheduled (the tie rule of ref20's model: time, then sequence number).
//!
//! An entry is one `u128`: the time's bits in an order-preserving form (high 64 bits), the
//! sequence number (32 bits) and the action packed into 32 bits. One integer compare orders
//! two entries, and an entry is 16 bytes, so the heap stays small and cheap to sift. Actions
//! with more than one index, or an index too large to pack, are kept aside and the entry holds
//! their position.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Marks "none" in an action's index: the implicit fault of a scenario without faults, or
/// customer reports instead of a monitor.
pub(crate) const NO_ID: u32 = u32::MAX;

/// What a pending entry does when its time comes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    /// A step's last attempt finishes.
    StepDone(u32),
    /// A fault is injected.
    Inject(u32),
    /// An alert for `fault` (NO_ID: the implicit fault) from `monitor` (NO_ID: customer reports).
    Alert { fault: u32, monitor: u32 },
    /// A team acknowledged its page.
    Engage(u32),
    /// An automatic failover of this component completes (or fails).
    FailoverDone(u32),
    /// Utility power may return to this feed.
    UtilityBack(u32),
    /// This feed's UPS battery may run dry.
    BatteryEmpty(u32),
    /// This feed's generator starts.
    GeneratorOn(u32),
    /// The intruder of attack `fault` crosses from `from` to `to`.
    Spread { fault: u32, from: u32, to: u32 },
    /// Re-check the severity level (a leak crosses a threshold).
    LevelCheck,
}

const TAG_SHIFT: u32 = 28;
const ARG_MASK: u32 = (1 << TAG_SHIFT) - 1;
const STEP_DONE: u32 = 0;
const INJECT: u32 = 1;
const ENGAGE: u32 = 2;
const FAILOVER_DONE: u32 = 3;
const UTILITY_BACK: u32 = 4;
const BATTERY_EMPTY: u32 = 5;
const GENERATOR_ON: u32 = 6;
const LEVEL_CHECK: u32 = 7;
/// The index is a position in `Queue::aside`.
const ASIDE: u32 = 15;

/// The pending actions of one trial.
#[derive(Debug, Default)]
pub(crate) struct Queue {
    heap: BinaryHeap<Reverse<u128>>,
    /// Sequence number of the last action pushed. It would wrap after 2^32 actions in one
    /// trial, far beyond what the scenario limits allow.
    seq: u32,
    /// Actions that do not pack into 28 bits.
    aside: Vec<Action>,
}

/// `t`'s bits, mapped so that unsigned order is `f64::total_cmp`'s order.
#[inline]
fn time_key(t: f64) -> u64 {
    let b = t.to_bits() as i64;
    ((b ^ ((((b >> 63) as u64) >> 1) as i64)) as u64) ^ (1 << 63)
}

#[inline]
fn key_time(k: u64) -> f64 {
    let b = (k ^ (1 << 63)) as i64;
    f64::from_bits((b ^ ((((b >> 63) as u64) >> 1) as i64)) as u64)
}

impl Queue {
    /// Buffers for about `n` pending actions.
    pub(crate) fn with_capacity(n: usize) -> Queue {
        Queue {
            heap: BinaryHeap::with_capacity(n),
            seq: 0,
            aside: Vec::new(),
        }
    }

    /// Empty, for a new trial.
    pub(crate) fn clear(&mut self) {
        self.heap.clear();
        self.seq = 0;
        self.aside.clear();
    }

    /// Schedule `a` at `t`. Inlined, so that packing a known kind of action folds away.
    #[inline(always)]
    pub(crate) fn push(&mut self, t: f64, a: Action) {
        let packed = |tag: u32, i: u32| (i <= ARG_MASK).then_some(tag << TAG_SHIFT | i);
        let code = match a {
            Action::StepDone(i) => packed(STEP_DONE, i),
            Action::Inject(i) => packed(INJECT, i),
            Action::Engage(i) => packed(ENGAGE, i),
            Action::FailoverDone(i) => packed(FAILOVER_DONE, i),
            Action::UtilityBack(i) => packed(UTILITY_BACK, i),
            Action::BatteryEmpty(i) => packed(BATTERY_EMPTY, i),
            Action::GeneratorOn(i) => packed(GENERATOR_ON, i),
            Action::LevelCheck => packed(LEVEL_CHECK, 0),
            Action::Alert { .. } | Action::Spread { .. } => None,
        };
        let code = code.unwrap_or_else(|| {
            self.aside.push(a);
            ASIDE << TAG_SHIFT | (self.aside.len() - 1) as u32
        });
        self.seq = self.seq.wrapping_add(1);
        let key = (time_key(t) as u128) << 64 | (self.seq as u128) << 32 | code as u128;
        self.heap.push(Reverse(key));
    }

    /// The earliest action and its time.
    #[inline(always)]
    pub(crate) fn pop(&mut self) -> Option<(f64, Action)> {
        let Reverse(key) = self.heap.pop()?;
        let code = key as u32;
        let i = code & ARG_MASK;
        let a = match code >> TAG_SHIFT {
            STEP_DONE => Action::StepDone(i),
            INJECT => Action::Inject(i),
            ENGAGE => Action::Engage(i),
            FAILOVER_DONE => Action::FailoverDone(i),
            UTILITY_BACK => Action::UtilityBack(i),
            BATTERY_EMPTY => Action::BatteryEmpty(i),
            GENERATOR_ON => Action::GeneratorOn(i),
            LEVEL_CHECK => Action::LevelCheck,
            _ => self.aside[i as usize],
        };
        Some((key_time((key >> 64) as u64), a))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(q: &mut Queue) -> Vec<(f64, Action)> {
        std::iter::from_fn(|| q.pop()).collect()
    }

    #[test]
    fn earliest_first_and_equal_times_in_push_order() {
        let mut q = Queue::default();
        q.push(5.0, Action::StepDone(1));
        q.push(2.0, Action::Engage(0));
        q.push(5.0, Action::Alert { fault: NO_ID, monitor: 3 });
        q.push(5.0, Action::StepDone(0));
        q.push(0.0, Action::Spread { fault: 1, from: 2, to: 3 });
        q.push(5.0, Action::LevelCheck);
        assert_eq!(
            drain(&mut q),
            vec![
                (0.0, Action::Spread { fault: 1, from: 2, to: 3 }),
                (2.0, Action::Engage(0)),
                (5.0, Action::StepDone(1)),
                (5.0, Action::Alert { fault: NO_ID, monitor: 3 }),
                (5.0, Action::StepDone(0)),
                (5.0, Action::LevelCheck),
            ]
        );
    }

    #[test]
    fn times_keep_their_order_and_value_through_the_key() {
        let ts = [-1.0, -0.0, 0.0, 1e-300, 0.5, 1.0, 1.0 + f64::EPSILON, 3e7, 1e300, f64::INFINITY];
        for w in ts.windows(2) {
            assert!(time_key(w[0]) < time_key(w[1]), "{} vs {}", w[0], w[1]);
        }
        for t in ts {
            assert_eq!(key_time(time_key(t)).to_bits(), t.to_bits());
        }
    }

    #[test]
    fn large_indices_are_kept_aside_and_come_back_whole() {
        let mut q = Queue::default();
        q.push(1.0, Action::StepDone(u32::MAX - 1));
        q.push(1.0, Action::StepDone(7));
        q.clear();
        q.push(3.0, Action::FailoverDone(1 << 29));
        q.push(3.0, Action::UtilityBack(4));
        assert_eq!(
            drain(&mut q),
            vec![(3.0, Action::FailoverDone(1 << 29)), (3.0, Action::UtilityBack(4))]
        );
    }
}
