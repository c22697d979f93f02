//! Confidence intervals from a run's [`Summary`] alone (no per-trial samples are kept).
//!
//! **Quantiles: a distribution-free order-statistic interval.** Among `n` independent trials,
//! the number that fall below the true `p`-quantile `q` is Binomial(n, p). So the sorted
//! sample's values of ranks `l = floor(np - z sqrt(np(1-p)))` and `u = ceil(np + z
//! sqrt(np(1-p)))` bracket `q` with probability about `1 - alpha` (the normal approximation of
//! the binomial, good once `np(1-p)` is a few units, which a check's thousands of trials give
//! for every percentile it accepts). Why this and not the alternatives:
//! - it assumes nothing about the shape of the distribution: recovery times are skewed, data
//!   lost has an atom at zero, downtime has long tails, and the interval stays valid for all;
//! - it needs only ranks, which the [`Sketch`] already keeps, so the run stays in bounded
//!   memory and the interval grows exactly as trials are merged in (batch means would need
//!   per-batch quantiles kept aside and would lean on their approximate normality; a
//!   bootstrap would need every trial);
//! - the sketch locates a rank to within one histogram bucket (0.05% wide), and we take the
//!   bucket's outer edge (clamped to the observed min and max), so the bucketing can only widen
//!   the interval, never make it claim more than the ranks support. A measure that is constant
//!   gets the exact point interval.
//!
//! When a rank bound falls outside the sample (too few trials for an extreme percentile), that
//! side is unbounded: `0` below (every measure is non-negative) and `+inf` above.
//!
//! **Means:** `mean +- z sd / sqrt(n)` from the sketch's exact sums (the central limit
//! theorem; trials number in the thousands). **Shares** (RTO met): the Wilson score interval,
//! which behaves at shares of 0 and 1 where the plain normal interval collapses.

use crate::stats::{Sketch, Summary};

/// A two-sided interval `[lo, hi]`; `hi` may be `+inf` when the sample cannot bound it.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Interval {
    /// Lower bound.
    #[serde(with = "super::wire::float")]
    pub lo: f64,
    /// Upper bound.
    #[serde(with = "super::wire::float")]
    pub hi: f64,
}

/// The standard normal quantile `Phi^-1(p)` for `0 < p < 1` (Acklam's rational
/// approximation, relative error below 1.2e-9, ample for interval widths).
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let p = p.clamp(1e-300, 1.0 - 1e-16);
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// Interval of the mean: `mean +- z sd / sqrt(n)`.
pub fn mean(s: &Sketch, z: f64) -> Interval {
    let n = s.count().max(1) as f64;
    let half = z * s.std_dev() / n.sqrt();
    Interval {
        lo: (s.mean() - half).max(0.0),
        hi: s.mean() + half,
    }
}

/// Distribution-free interval of the `p`-quantile (see the module documentation).
pub fn quantile(s: &Sketch, p: f64, z: f64) -> Interval {
    let n = s.count();
    if n == 0 {
        return Interval {
            lo: 0.0,
            hi: f64::INFINITY,
        };
    }
    let nf = n as f64;
    let centre = nf * p;
    let half = z * (nf * p * (1.0 - p)).sqrt();
    let l = (centre - half).floor();
    let u = (centre + half).ceil();
    let lo = if l < 0.0 { 0.0 } else { rank_bounds(s, l as u64).0 };
    let hi = if u > (n - 1) as f64 {
        f64::INFINITY
    } else {
        rank_bounds(s, u as u64).1
    };
    Interval { lo, hi }
}

/// Bounds within which the value of 0-based rank `r` lies: its bucket's edges, clamped to the
/// observed min and max.
fn rank_bounds(s: &Sketch, r: u64) -> (f64, f64) {
    let mut seen = 0;
    for (lo, hi, c) in s.buckets() {
        seen += c;
        if seen > r {
            return (lo.max(s.min()), hi.min(s.max()));
        }
    }
    (s.max(), s.max())
}

/// Wilson score interval of a share `k / n`.
pub fn share(k: u64, n: u64, z: f64) -> Interval {
    if n == 0 {
        return Interval { lo: 0.0, hi: 1.0 };
    }
    let (k, n) = (k as f64, n as f64);
    let ph = k / n;
    let z2 = z * z;
    let centre = (ph + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z / (1.0 + z2 / n) * (ph * (1.0 - ph) / n + z2 / (4.0 * n * n)).sqrt();
    Interval {
        lo: (centre - half).max(0.0),
        hi: (centre + half).min(1.0),
    }
}

/// The estimate and interval of one objective's statistic in a summary.
pub fn estimate(o: &crate::model::Objective, sum: &Summary, z: f64) -> (f64, Interval) {
    use crate::model::objective::{Measure, Statistic as Stat};
    let sketch = match o.measure {
        Measure::Recovery => &sum.recovery,
        Measure::Detect => &sum.detect,
        Measure::Ack => &sum.ack,
        Measure::Close => &sum.close,
        Measure::Downtime(i) => &sum.downtime[i],
        Measure::LongestOutage(i) => &sum.longest_outage[i],
        Measure::Restored(i) => &sum.restored[i],
        Measure::DataLost(i) => &sum.data_lost[i],
    };
    let count = |k: u64| (k as f64 / sum.trials.max(1) as f64, share(k, sum.trials, z));
    match (o.stat, o.measure.service(), o.measure) {
        (Stat::Mean, ..) => (sketch.mean(), mean(sketch, z)),
        (Stat::Quantile(p), ..) => (sketch.quantile(p), quantile(sketch, p, z)),
        (Stat::RtoMet, Some(i), _) => count(sum.rto_met[i]),
        (Stat::NotRecovered, Some(i), _) => count(sum.not_restored[i]),
        (Stat::NotRecovered, None, Measure::Recovery) => count(sum.not_recovered),
        (Stat::RpoMet, _, Measure::DataLost(s)) => count(sum.rpo_met[s]),
        // The parser allows the share statistics only on the measures above.
        _ => (f64::NAN, Interval { lo: 0.0, hi: 1.0 }),
    }
}

/// The share of trials (of `sum`) that did not recover within the horizon for the measure an
/// objective judges: every service for `recovery`, the service itself for a service's measures.
/// `None` for measures that have no recovery (detection, acknowledgement, close, data lost),
/// so `check` can say beside an estimate how many trials sat at the horizon.
pub fn not_recovered_share(o: &crate::model::Objective, sum: &Summary) -> Option<f64> {
    use crate::model::objective::Measure;
    let n = sum.trials.max(1) as f64;
    match o.measure {
        Measure::Recovery => Some(sum.not_recovered as f64 / n),
        Measure::Downtime(i) | Measure::LongestOutage(i) | Measure::Restored(i) => Some(sum.not_restored[i] as f64 / n),
        Measure::Detect | Measure::Ack | Measure::Close | Measure::DataLost(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_quantiles() {
        assert!((normal_quantile(0.975) - 1.959_963_985).abs() < 1e-8);
        assert!((normal_quantile(0.5)).abs() < 1e-12);
        assert!((normal_quantile(0.001) + 3.090_232_306).abs() < 1e-8);
        assert!((normal_quantile(0.9999) - 3.719_016_485).abs() < 1e-7);
    }

    #[test]
    fn constant_measure_gets_a_point_interval() {
        let mut s = Sketch::new();
        (0..1000).for_each(|_| s.add(42.5));
        assert_eq!(quantile(&s, 0.95, 1.96), Interval { lo: 42.5, hi: 42.5 });
        assert_eq!(mean(&s, 1.96), Interval { lo: 42.5, hi: 42.5 });
    }

    #[test]
    fn extreme_quantile_with_few_trials_is_unbounded_above() {
        let mut s = Sketch::new();
        (0..100).for_each(|i| s.add(i as f64));
        assert_eq!(quantile(&s, 0.999, 1.96).hi, f64::INFINITY);
    }

    #[test]
    fn wilson_at_the_edges() {
        let i = share(1000, 1000, 1.96);
        assert_eq!(i.hi, 1.0);
        assert!(i.lo > 0.99 && i.lo < 0.999);
        let i = share(0, 1000, 1.96);
        assert_eq!(i.lo, 0.0);
    }
}
