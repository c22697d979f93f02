//! Stream keys: the stable names that key a trial's random streams.
//!
//! Every random quantity of a trial is drawn from a stream keyed by `(seed, trial, name)`, where
//! the name is the stable name of the entity that draws (a step's id, a team's name,
//! "detection"). The checked model stores each entity's key, so the engine never hashes names.
//! The derivation is our own and pinned by a test in `sim::rng`, so streams stay the same from
//! version to version.

/// A stable key derived from an entity's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StreamKey(pub u64);

impl StreamKey {
    /// Key of a named stream: FNV-1a of the name's bytes, then mixed.
    pub fn named(name: &str) -> StreamKey {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in name.as_bytes() {
            h ^= *b as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        StreamKey(mix64(h))
    }

    /// Key of the stream of a pair of entities (a monitor watching a fault, a store restored
    /// by a step). Not symmetric: `a.pair(b) != b.pair(a)`.
    pub fn pair(self, other: StreamKey) -> StreamKey {
        StreamKey(mix64(self.0 ^ other.0.rotate_left(29)))
    }
}

/// SplitMix64's finaliser: a bijective mix of 64 bits.
#[inline]
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
