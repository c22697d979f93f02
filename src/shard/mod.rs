//! Shards: one run (or one check, or one comparison) cut into parts that separate processes, on separate
//! machines, play; the parts merged give exactly what one process would have given.
//!
//! drillsim does not schedule anything itself: a batch engine (Slurm job arrays, Kubernetes
//! Indexed Jobs, AWS Batch array jobs, GitLab CI `parallel:`) starts the shards, each tells
//! drillsim which one it is ([`auto`] reads the engine's variables), and `drillsim merge` joins
//! the files they write ([`partial`], [`merge`]).
//!
//! A run is cut by trial index: shard `K` of `N` plays a contiguous range of indices
//! ([`Shard::range`]). A trial's random numbers depend on (seed, trial index) alone and
//! summaries merge exactly, so the split changes no trial and no bit of the merged summary.
//! A check is cut by exercise: shard `K` of `N` checks the exercises whose index in the sorted
//! discovered list is `K - 1` modulo `N` ([`Shard::takes`]); a comparison (`drillsim
//! compare`) the same way, by its index in the sorted list of exercise pairs.

pub mod auto;
pub mod merge;
pub mod partial;

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

/// Most shards of one run (a typo beyond this; 10,000 is the largest measured).
pub const MAX_SHARDS: u64 = 1_000_000;

/// Shard `index` of `count`, counted from 1 as cargo-nextest counts its partitions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Shard {
    /// 1 to `count`.
    pub index: u64,
    /// Number of shards, 1 to [`MAX_SHARDS`].
    pub count: u64,
}

impl Shard {
    /// Shard `index` of `count`, if `1 <= index <= count <= MAX_SHARDS`.
    pub fn new(index: u64, count: u64) -> Result<Shard, ShardError> {
        if count == 0 || count > MAX_SHARDS {
            return Err(ShardError::Spec(format!(
                "{index}/{count}: the number of shards must be 1 to {MAX_SHARDS}"
            )));
        }
        if index == 0 || index > count {
            return Err(ShardError::Spec(format!(
                "{index}/{count}: shards are counted from 1 to {count} (as cargo-nextest counts them)"
            )));
        }
        Ok(Shard { index, count })
    }

    /// The whole run as one shard.
    pub const WHOLE: Shard = Shard { index: 1, count: 1 };

    /// The trial indices this shard plays of a run of `total` trials: the `index`-th of
    /// `count` contiguous ranges, `[floor((K-1) T / N), floor(K T / N))`, which together cover
    /// `0..total` once and differ in length by at most one.
    pub fn range(self, total: u64) -> Range<u64> {
        let cut = |k: u64| ((k as u128 * total as u128) / self.count as u128) as u64;
        cut(self.index - 1)..cut(self.index)
    }

    /// Whether this shard takes item `i` (0-based) of a list split round-robin.
    pub fn takes(self, i: usize) -> bool {
        (i as u64) % self.count == self.index - 1
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = ShardError;

    /// `K/N`, e.g. `3/8`.
    fn from_str(s: &str) -> Result<Shard, ShardError> {
        let bad = || {
            ShardError::Spec(format!(
                "`{s}` is not a shard: write K/N (shard K of N, counted from 1), e.g. 3/8, or auto"
            ))
        };
        let (k, n) = s.trim().split_once('/').ok_or_else(bad)?;
        let k = k.trim().parse::<u64>().map_err(|_| bad())?;
        let n = n.trim().parse::<u64>().map_err(|_| bad())?;
        Shard::new(k, n)
    }
}

/// What `--shard` was given: a shard, or `auto` (read the batch engine's variables).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShardSpec {
    /// `K/N`.
    Given(Shard),
    /// `auto`.
    Auto,
}

impl FromStr for ShardSpec {
    type Err = ShardError;

    fn from_str(s: &str) -> Result<ShardSpec, ShardError> {
        if s.trim().eq_ignore_ascii_case("auto") {
            Ok(ShardSpec::Auto)
        } else {
            s.parse().map(ShardSpec::Given)
        }
    }
}

/// Why shards cannot be made, read or merged.
#[derive(Debug, thiserror::Error)]
pub enum ShardError {
    /// A `--shard` value that is not `K/N` with `1 <= K <= N`.
    #[error("--shard {0}")]
    Spec(String),
    /// `--shard auto` found no batch engine's variables, or inconsistent ones.
    #[error("--shard auto: {0}")]
    Auto(String),
    /// A partial file that cannot be read or is not one.
    #[error("{path}: {problem}")]
    Part {
        /// The file, as named.
        path: String,
        /// What is wrong, and what to do.
        problem: String,
    },
    /// Parts that do not belong together, overlap or leave a gap.
    #[error("{0}")]
    Mismatch(String),
}

/// The SHA-256 of a scenario's files, as hex: each file's path relative to the exercise
/// file's folder and its text, length-prefixed, in the order they are read (includes depth
/// first, the exercise file last). Two runs hash alike exactly when they read the same files
/// with the same bytes, whichever folder they were run from.
pub fn content_hash(files: &[(String, String)]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"drillsim scenario files v1\n");
    for (path, text) in files {
        h.update((path.len() as u64).to_le_bytes());
        h.update(path.as_bytes());
        h.update((text.len() as u64).to_le_bytes());
        h.update(text.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_cover_every_trial_once() {
        for total in [1u64, 2, 7, 1000, 1_000_000_007] {
            for n in [1u64, 2, 3, 8, 1000] {
                if n > total {
                    continue;
                }
                let mut next = 0;
                for k in 1..=n {
                    let r = Shard::new(k, n).unwrap().range(total);
                    assert_eq!(r.start, next, "{k}/{n} of {total}");
                    let len = r.end - r.start;
                    assert!(len == total / n || len == total / n + 1);
                    next = r.end;
                }
                assert_eq!(next, total);
            }
        }
        assert_eq!(Shard::new(1, 4).unwrap().range(10), 0..2);
        assert_eq!(Shard::new(4, 4).unwrap().range(10), 7..10);
    }

    #[test]
    fn specs_parse_and_refuse() {
        assert_eq!("3/8".parse::<Shard>().unwrap(), Shard { index: 3, count: 8 });
        assert_eq!("auto".parse::<ShardSpec>().unwrap(), ShardSpec::Auto);
        for bad in ["0/4", "5/4", "1/0", "x", "1/", "1/2/3", "-1/4"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        assert!("0/4".parse::<Shard>().unwrap_err().to_string().contains("counted from 1"));
    }

    #[test]
    fn round_robin_takes_each_item_once() {
        for n in 1..6u64 {
            for i in 0..20 {
                let takers = (1..=n).filter(|&k| Shard::new(k, n).unwrap().takes(i)).count();
                assert_eq!(takers, 1);
            }
        }
    }

    #[test]
    fn the_hash_sees_paths_and_bytes() {
        let a = content_hash(&[("a.toml".into(), "x = 1".into())]);
        assert_eq!(a.len(), 64);
        assert_ne!(a, content_hash(&[("b.toml".into(), "x = 1".into())]));
        assert_ne!(a, content_hash(&[("a.toml".into(), "x = 2".into())]));
        // Length prefixes: moving a byte from one file to the next changes the hash.
        assert_ne!(
            content_hash(&[("a".into(), "xy".into()), ("b".into(), "z".into())]),
            content_hash(&[("a".into(), "x".into()), ("b".into(), "yz".into())])
        );
    }
}
