//! Named random streams: common random numbers across plan revisions.
//!
//! Every random quantity of a trial is drawn from a stream keyed by `(seed, trial, name)`,
//! where the name is the stable name of the entity that draws (a step's id, a team's name,
//! "detection"). So editing one step changes that step's draws and nothing else, and two
//! revisions run with the same seed are compared trial by trial.
//!
//! The generator is Xoshiro256++, seeded from one `u64` through SplitMix64: the same numbers
//! as `rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64` (a test holds them equal), but seeded
//! in four multiplications pairs instead of a trip through a byte buffer. A trial opens a few
//! dozen streams and draws once or twice from most, so seeding is a large part of its cost.
//! The key derivation is our own and pinned by a test, so streams stay the same from version
//! to version.

use rand::RngCore;

pub use crate::model::stream::{StreamKey, mix64};

/// SplitMix64's increment (the golden ratio).
const PHI: u64 = 0x9e37_79b9_7f4a_7c15;

/// The generator behind every stream: Xoshiro256++, with its seeding done lazily.
///
/// Most streams of a trial are drawn from once (one normal draw of a step's duration takes
/// one `u64`), and Xoshiro256++'s first output reads only the first and last words of the
/// state. So a new stream holds just its seed; the first draw computes those two words, and
/// only a second draw computes the middle two and catches up with the state update the first
/// draw deferred. The numbers are exactly Xoshiro256++'s (a test holds them equal to
/// `rand_xoshiro`'s), at half the seeding cost for a stream drawn once.
#[derive(Clone, Debug)]
pub struct StreamRng {
    s: [u64; 4],
    seed: u64,
    /// 0: nothing drawn, `s` unset; 1: one output given, `s` holds words 0 and 3 of the
    /// initial state and the first update is pending; 2: `s` is the whole state.
    phase: u8,
}

impl StreamRng {
    /// The stream SplitMix64 seeds from `seed`. Its four words are SplitMix64 outputs of four
    /// different inputs, and the finaliser is a bijection, so they are never all zero (the
    /// one state Xoshiro cannot leave).
    #[inline]
    pub fn from_u64(seed: u64) -> StreamRng {
        StreamRng { s: [0; 4], seed, phase: 0 }
    }

    /// Word `k` (1 to 4) of the initial state.
    #[inline(always)]
    fn word(&self, k: u64) -> u64 {
        mix64(self.seed.wrapping_add(PHI.wrapping_mul(k)))
    }

    /// Xoshiro256++'s state update.
    #[inline(always)]
    fn update(&mut self) {
        let s = &mut self.s;
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
    }

    /// The output of the current state.
    #[inline(always)]
    fn output(&self) -> u64 {
        self.s[0].wrapping_add(self.s[3]).rotate_left(23).wrapping_add(self.s[0])
    }

    /// The second and later draws: complete the state first if it is not yet whole.
    #[inline(never)]
    fn complete(&mut self) {
        self.s[1] = self.word(2);
        self.s[2] = self.word(3);
        self.update();
        self.phase = 2;
    }
}

impl RngCore for StreamRng {
    #[inline]
    fn next_u32(&mut self) -> u32 {
        // The upper bits, as rand_xoshiro does (the lowest have linear dependencies).
        (self.next_u64() >> 32) as u32
    }

    #[inline]
    fn next_u64(&mut self) -> u64 {
        match self.phase {
            2 => {}
            0 => {
                self.s[0] = self.word(1);
                self.s[3] = self.word(4);
                self.phase = 1;
                return self.output();
            }
            _ => self.complete(),
        }
        let result = self.output();
        self.update();
        result
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        rand::rand_core::impls::fill_bytes_via_next(self, dest);
    }
}

/// The streams of one trial.
#[derive(Clone, Copy, Debug)]
pub struct TrialStreams {
    base: u64,
}

impl TrialStreams {
    /// Streams of trial `trial` of a run seeded with `seed`.
    #[inline]
    pub fn new(seed: u64, trial: u64) -> TrialStreams {
        TrialStreams {
            base: mix64(mix64(seed ^ 0x9e37_79b9_7f4a_7c15).wrapping_add(trial)),
        }
    }

    /// The stream of the entity with this key.
    #[inline]
    pub fn stream(&self, key: StreamKey) -> StreamRng {
        StreamRng::from_u64(mix64(self.base ^ key.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn streams_are_pinned() {
        // If this changes, every published figure and every saved trace changes: don't.
        let mut r = TrialStreams::new(42, 7).stream(StreamKey::named("step:s3"));
        let x: u64 = r.random();
        assert_eq!(x, PINNED);
    }
    const PINNED: u64 = 6_801_508_927_488_311_705;

    #[test]
    fn the_generator_is_rand_xoshiros_xoshiro256plusplus_seeded_from_u64() {
        for seed in (0..2000u64)
            .map(|k| mix64(k).wrapping_mul(k))
            .chain([0, 1, u64::MAX, PHI.wrapping_neg()])
        {
            let mut ours = StreamRng::from_u64(seed);
            let mut theirs = Xoshiro256PlusPlus::seed_from_u64(seed);
            for _ in 0..8 {
                assert_eq!(ours.next_u64(), theirs.next_u64(), "seed {seed}");
                assert_eq!(ours.next_u32(), theirs.next_u32(), "seed {seed}");
            }
            let (mut a, mut b) = ([0u8; 13], [0u8; 13]);
            ours.fill_bytes(&mut a);
            theirs.fill_bytes(&mut b);
            assert_eq!(a, b);
            assert_eq!(ours.random::<f64>(), theirs.random::<f64>());
            assert_eq!(ours.random_range(0..7usize), theirs.random_range(0..7usize));
        }
    }

    #[test]
    fn a_lazily_seeded_stream_gives_xoshiros_numbers_whatever_is_drawn_first() {
        for seed in [0, 1, 42, u64::MAX, PHI.wrapping_neg()] {
            // First a u32, then bytes, then floats: every way into the first and second draw.
            let (mut ours, mut theirs) = (StreamRng::from_u64(seed), Xoshiro256PlusPlus::seed_from_u64(seed));
            assert_eq!(ours.next_u32(), theirs.next_u32());
            assert_eq!(ours.next_u32(), theirs.next_u32());
            let (mut ours, mut theirs) = (StreamRng::from_u64(seed), Xoshiro256PlusPlus::seed_from_u64(seed));
            let (mut a, mut b) = ([0u8; 21], [0u8; 21]);
            ours.fill_bytes(&mut a);
            theirs.fill_bytes(&mut b);
            assert_eq!(a, b);
            let (mut ours, mut theirs) = (StreamRng::from_u64(seed), Xoshiro256PlusPlus::seed_from_u64(seed));
            for _ in 0..5 {
                assert_eq!(ours.random::<f64>(), theirs.random::<f64>());
            }
            // A clone taken between the first and second draw goes on the same way.
            let mut ours = StreamRng::from_u64(seed);
            ours.next_u64();
            let mut copy = ours.clone();
            assert_eq!(ours.next_u64(), copy.next_u64());
        }
    }

    #[test]
    fn different_names_trials_and_seeds_differ() {
        let a = |seed, trial, name: &str| -> u64 { TrialStreams::new(seed, trial).stream(StreamKey::named(name)).random() };
        let x = a(1, 0, "step:a");
        assert_ne!(x, a(1, 0, "step:b"));
        assert_ne!(x, a(1, 1, "step:a"));
        assert_ne!(x, a(2, 0, "step:a"));
        assert_eq!(x, a(1, 0, "step:a"));
    }
}
