//! The paired bootstrap under `compare` and `sweep`: per-trial values of two revisions side
//! by side, a statistic under resampling weights, the bootstrap's differences (trial indices
//! resampled together, one ChaCha8 stream per resample seeded from the run's seed, so the
//! same at any thread count) and their percentile interval.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::sim::rng::mix64;
use crate::stats::interval::Interval;

/// Which statistic of a measure.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Stat {
    /// The mean (of minutes, or of 0/1 indicators: a share).
    Mean,
    /// The quantile of this probability.
    Quantile(f64),
}

/// One measure's per-trial values on both sides, with sort orders when a quantile of it is
/// compared.
pub(super) struct Paired {
    pub(super) base: Vec<f64>,
    pub(super) cand: Vec<f64>,
    pub(super) order_b: Vec<u32>,
    pub(super) order_c: Vec<u32>,
}

impl Paired {
    pub(super) fn new(base: Vec<f64>, cand: Vec<f64>, quantiles: bool) -> Paired {
        let (order_b, order_c) = if quantiles {
            (order(&base), order(&cand))
        } else {
            (Vec::new(), Vec::new())
        };
        Paired {
            base,
            cand,
            order_b,
            order_c,
        }
    }
}

/// One statistic to compare, of measure `m`.
pub(super) struct Spec {
    pub(super) label: String,
    pub(super) share: bool,
    pub(super) higher_is_worse: bool,
    pub(super) stat: Stat,
    pub(super) m: usize,
}

pub(super) fn order(v: &[f64]) -> Vec<u32> {
    let mut o: Vec<u32> = (0..v.len() as u32).collect();
    o.sort_by(|&a, &b| v[a as usize].total_cmp(&v[b as usize]).then(a.cmp(&b)));
    o
}

/// Rank of the `p`-quantile among `n` values: `floor(p n)`, as [`crate::stats::Sketch`].
pub(super) fn rank(p: f64, n: u64) -> u64 {
    ((p * n as f64) as u64).min(n.saturating_sub(1))
}

/// The statistic of one side under resampling weights (`None`: every trial once).
pub(super) fn stat_of(values: &[f64], order: &[u32], stat: Stat, counts: Option<&[u32]>) -> f64 {
    let n = values.len() as u64;
    match (stat, counts) {
        (Stat::Mean, None) => values.iter().sum::<f64>() / n as f64,
        (Stat::Mean, Some(c)) => values.iter().zip(c).map(|(v, &k)| v * k as f64).sum::<f64>() / n as f64,
        (Stat::Quantile(p), None) => values[order[rank(p, n) as usize] as usize],
        (Stat::Quantile(p), Some(c)) => {
            // The total weight is n; walk from the nearer end.
            let r = rank(p, n);
            let mut seen = 0u64;
            if r < n / 2 {
                for &i in order {
                    seen += c[i as usize] as u64;
                    if seen > r {
                        return values[i as usize];
                    }
                }
            } else {
                let from_top = n - 1 - r;
                for &i in order.iter().rev() {
                    seen += c[i as usize] as u64;
                    if seen > from_top {
                        return values[i as usize];
                    }
                }
            }
            values[order[order.len() - 1] as usize]
        }
    }
}

/// Candidate minus base of one statistic; for a mean, the mean of the paired differences
/// (exactly zero when every pair is equal).
pub(super) fn diff(m: &Paired, stat: Stat, counts: Option<&[u32]>) -> f64 {
    match stat {
        Stat::Mean => {
            let n = m.base.len() as f64;
            match counts {
                None => m.cand.iter().zip(&m.base).map(|(c, b)| c - b).sum::<f64>() / n,
                Some(k) => {
                    m.cand
                        .iter()
                        .zip(&m.base)
                        .zip(k)
                        .map(|((c, b), &k)| (c - b) * k as f64)
                        .sum::<f64>()
                        / n
                }
            }
        }
        Stat::Quantile(_) => stat_of(&m.cand, &m.order_c, stat, counts) - stat_of(&m.base, &m.order_b, stat, counts),
    }
}

/// The middle `1 - alpha` of bootstrap differences (percentile method).
pub(super) fn percentile_interval(mut d: Vec<f64>, alpha: f64) -> Interval {
    d.sort_by(f64::total_cmp);
    let r = d.len();
    if r == 0 {
        return Interval { lo: 0.0, hi: 0.0 };
    }
    let lo_i = ((alpha / 2.0 * r as f64).floor() as usize).min(r - 1);
    let hi_i = (((1.0 - alpha / 2.0) * r as f64).ceil() as usize).clamp(1, r) - 1;
    Interval { lo: d[lo_i], hi: d[hi_i] }
}

/// Base and candidate values and their paired change of one statistic, with its interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PairedChange {
    /// The statistic of the base's trials.
    pub base: f64,
    /// The statistic of the candidate's trials.
    pub candidate: f64,
    /// Candidate minus base (for a mean, the mean of the trial-by-trial differences).
    pub change: f64,
    /// Paired-bootstrap interval of the change at the asked-for level.
    pub interval: Interval,
}

/// One statistic of two runs' per-trial values (`base[k]` and `cand[k]` from trial `k`, the
/// same seed), compared as `compare` compares each of its rows: the change and its paired
/// bootstrap interval (trial indices resampled together, ChaCha8 streams seeded from `seed`,
/// so the same at any thread count); `confidence` is the level of this one interval.
pub fn paired_change(base: &[f64], cand: &[f64], stat: Stat, resamples: usize, confidence: f64, seed: u64) -> PairedChange {
    paired_changes(base, &[cand], stat, resamples, confidence, seed)
        .pop()
        .unwrap_or(PairedChange {
            base: f64::NAN,
            candidate: f64::NAN,
            change: 0.0,
            interval: Interval { lo: 0.0, hi: 0.0 },
        })
}

/// [`paired_change`] of several candidates against one base at once (`drillsim sweep`): each
/// resample's trial indices are drawn once and serve every candidate, which is most of a
/// resample's cost. Candidate `i`'s result is the same as alone.
pub fn paired_changes(base: &[f64], cands: &[&[f64]], stat: Stat, resamples: usize, confidence: f64, seed: u64) -> Vec<PairedChange> {
    let n = cands.iter().map(|c| c.len()).fold(base.len(), usize::min);
    if n == 0 {
        let zero = Interval { lo: 0.0, hi: 0.0 };
        return cands
            .iter()
            .map(|_| PairedChange {
                base: f64::NAN,
                candidate: f64::NAN,
                change: 0.0,
                interval: zero,
            })
            .collect();
    }
    let quantile = matches!(stat, Stat::Quantile(_));
    let measures: Vec<Paired> = cands
        .iter()
        .map(|c| Paired::new(base[..n].to_vec(), c[..n].to_vec(), quantile))
        .collect();
    let specs: Vec<Spec> = (0..cands.len())
        .map(|m| Spec {
            label: String::new(),
            share: false,
            higher_is_worse: true,
            stat,
            m,
        })
        .collect();
    let boot = bootstrap(&measures, &specs, n, resamples, seed);
    let alpha = (1.0 - confidence).clamp(0.0, 1.0);
    measures
        .iter()
        .zip(boot)
        .map(|(m, d)| PairedChange {
            base: stat_of(&m.base, &m.order_b, stat, None),
            candidate: stat_of(&m.cand, &m.order_c, stat, None),
            change: diff(m, stat, None),
            interval: percentile_interval(d, alpha),
        })
        .collect()
}

/// Bootstrap differences: for each spec, one difference per resample.
pub(super) fn bootstrap(measures: &[Paired], specs: &[Spec], n: usize, resamples: usize, seed: u64) -> Vec<Vec<f64>> {
    let reps = resamples.max(1);
    let key = mix64(seed ^ 0xb007_5742_c0ff_ee00);
    let per_rep: Vec<Vec<f64>> = (0..reps as u64)
        .into_par_iter()
        .map_init(
            || vec![0u32; n],
            |counts, rep| {
                counts.fill(0);
                let mut rng = ChaCha8Rng::seed_from_u64(key);
                rng.set_stream(rep);
                for _ in 0..n {
                    counts[rng.random_range(0..n)] += 1;
                }
                specs.iter().map(|s| diff(&measures[s.m], s.stat, Some(counts))).collect()
            },
        )
        .collect();
    (0..specs.len()).map(|j| per_rep.iter().map(|r| r[j]).collect()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one-statistic entry point agrees with a full comparison's row, and a candidate equal
    /// to the base changes nothing, exactly.
    #[test]
    fn paired_change_is_a_comparisons_row() {
        let base: Vec<f64> = (0..3000).map(|k| ((k * 7919) % 1000) as f64).collect();
        let cand: Vec<f64> = base.iter().map(|x| x * 0.9).collect();
        let c = paired_change(&base, &cand, Stat::Mean, 500, 0.95, 3);
        assert!((c.change - (-0.1 * c.base)).abs() < 1e-9, "{c:?}");
        assert!(c.interval.lo <= c.change && c.change <= c.interval.hi, "{c:?}");
        let same = paired_change(&base, &base, Stat::Quantile(0.95), 200, 0.95, 3);
        assert_eq!((same.change, same.interval), (0.0, Interval { lo: 0.0, hi: 0.0 }));
        let both = paired_changes(&base, &[&cand, &base], Stat::Mean, 500, 0.95, 3);
        assert_eq!(both[0], c, "the same with another candidate beside it");
        assert_eq!(same.base, {
            let mut v = base.clone();
            v.sort_by(f64::total_cmp);
            v[rank(0.95, 3000) as usize]
        });
    }

    #[test]
    fn weighted_quantiles_match_the_expanded_sample_from_either_end() {
        let values = [5.0, 1.0, 4.0, 2.0, 3.0, 3.0];
        let counts = [2u32, 0, 1, 1, 0, 2]; // the resample {5, 5, 4, 2, 3, 3}, n = 6
        let ord = order(&values);
        let mut expanded = [5.0, 5.0, 4.0, 2.0, 3.0, 3.0];
        expanded.sort_by(f64::total_cmp);
        for p in [0.0, 0.1, 0.3, 0.5, 0.6, 0.9, 0.95, 1.0] {
            let want = expanded[rank(p, 6) as usize];
            assert_eq!(stat_of(&values, &ord, Stat::Quantile(p), Some(&counts)), want, "p = {p}");
        }
        let all = [1u32; 6];
        for p in [0.0, 0.5, 0.95] {
            assert_eq!(
                stat_of(&values, &ord, Stat::Quantile(p), Some(&all)),
                stat_of(&values, &ord, Stat::Quantile(p), None)
            );
        }
    }
}
