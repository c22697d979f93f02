//! A bounded-memory, exactly mergeable summary of one measure over many trials.
//!
//! Why not keep every sample: ten million trials of a handful of measures would need
//! gigabytes, and a run must use flat memory. Why not a floating-point sum for the mean:
//! `(a + b) + c != a + (b + c)` in floating point, and drillsim promises that a summary of
//! trials `[a, b)` merged with one of `[b, c)` equals the summary of `[a, c)` bit for bit,
//! whatever the split. So every part of a [`Sketch`] merges by integer addition, `min` and
//! `max`, all of which are associative and commutative.
//!
//! Quantiles come from a log-linear histogram whose buckets are the top 10 mantissa bits of
//! the IEEE-754 value: bucket `i` covers `[2^e (1 + k/1024), 2^e (1 + (k+1)/1024))`. A
//! quantile is reported as the middle of its bucket (clamped to the observed min and max),
//! so it is within `2^-11` (0.049%) of the true order statistic, relative to its value.

/// Bits dropped from an `f64` to find its bucket: 52 mantissa bits minus the 10 we keep.
const SHIFT: u32 = 42;
/// Fixed-point scale of the exact sum: values are summed in units of 2^-32 minute.
const SUM_SCALE: f64 = 4_294_967_296.0;
/// Fixed-point scale of the exact sum of squares: units of 2^-8 square minute.
const SQ_SCALE: f64 = 256.0;

/// The relative error bound of every quantile a [`Sketch`] reports (2^-11).
pub const QUANTILE_RELATIVE_ERROR: f64 = 1.0 / 2048.0;

/// Summary of one non-negative measure (minutes, or any non-negative quantity).
#[derive(Clone, Debug, PartialEq)]
pub struct Sketch {
    pub(super) count: u64,
    pub(super) zeros: u64,
    pub(super) sum: i128,
    pub(super) sum_sq: i128,
    pub(super) min: f64,
    pub(super) max: f64,
    /// Bucket index of `counts[0]`.
    pub(super) base: u32,
    pub(super) counts: Vec<u64>,
}

impl Default for Sketch {
    fn default() -> Self {
        Self::new()
    }
}

impl Sketch {
    /// An empty sketch.
    pub fn new() -> Self {
        Sketch {
            count: 0,
            zeros: 0,
            sum: 0,
            sum_sq: 0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            base: 0,
            counts: Vec::new(),
        }
    }

    /// Record one value. Negative and NaN values are recorded as 0 (the engine never makes
    /// them; this keeps the sketch total).
    #[inline]
    pub fn add(&mut self, x: f64) {
        let x = if x > 0.0 { x.min(f64::MAX) } else { 0.0 };
        self.count += 1;
        self.sum += fixed(x * SUM_SCALE);
        self.sum_sq += fixed(x * x * SQ_SCALE);
        if x < self.min {
            self.min = x;
        }
        if x > self.max {
            self.max = x;
        }
        if x == 0.0 {
            self.zeros += 1;
            return;
        }
        let idx = (x.to_bits() >> SHIFT) as u32;
        if self.counts.is_empty() {
            self.base = idx;
            self.counts.push(0);
        } else if idx < self.base {
            let grow = (self.base - idx) as usize;
            self.counts.splice(0..0, std::iter::repeat_n(0, grow));
            self.base = idx;
        } else if (idx - self.base) as usize >= self.counts.len() {
            self.counts.resize((idx - self.base) as usize + 1, 0);
        }
        self.counts[(idx - self.base) as usize] += 1;
    }

    /// Fold `other` into `self`. Exact: the result does not depend on how trials were split.
    pub fn merge(&mut self, other: &Sketch) {
        self.count += other.count;
        self.zeros += other.zeros;
        self.sum += other.sum;
        self.sum_sq += other.sum_sq;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        if other.counts.is_empty() {
            return;
        }
        if self.counts.is_empty() {
            self.base = other.base;
            self.counts = other.counts.clone();
            return;
        }
        let lo = self.base.min(other.base);
        let hi = (self.base as usize + self.counts.len()).max(other.base as usize + other.counts.len());
        if lo < self.base {
            let grow = (self.base - lo) as usize;
            self.counts.splice(0..0, std::iter::repeat_n(0, grow));
            self.base = lo;
        }
        self.counts.resize(hi - lo as usize, 0);
        let off = (other.base - self.base) as usize;
        for (c, o) in self.counts[off..].iter_mut().zip(&other.counts) {
            *c += o;
        }
    }

    /// Number of values recorded.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Share of values that were exactly 0 (e.g. trials where no business service went down).
    pub fn zero_share(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.zeros as f64 / self.count as f64
        }
    }

    /// Mean, exact up to the 2^-32 fixed-point unit of the sum.
    pub fn mean(&self) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        self.sum as f64 / SUM_SCALE / self.count as f64
    }

    /// Sample standard deviation (0 with fewer than two values).
    pub fn std_dev(&self) -> f64 {
        if self.count < 2 {
            return 0.0;
        }
        let n = self.count as f64;
        let mean = self.mean();
        let var = (self.sum_sq as f64 / SQ_SCALE - n * mean * mean) / (n - 1.0);
        var.max(0.0).sqrt()
    }

    /// Smallest value (0 when empty).
    pub fn min(&self) -> f64 {
        if self.count == 0 { 0.0 } else { self.min }
    }

    /// Largest value (0 when empty).
    pub fn max(&self) -> f64 {
        if self.count == 0 { 0.0 } else { self.max }
    }

    /// The value of rank `floor(p * count)` in sorted order (0-based, clamped to the last),
    /// the same convention as the ref20 reference programs, within
    /// [`QUANTILE_RELATIVE_ERROR`] of its value.
    pub fn quantile(&self, p: f64) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        let rank = ((p.clamp(0.0, 1.0) * self.count as f64) as u64).min(self.count - 1);
        if rank < self.zeros {
            return 0.0;
        }
        let mut seen = self.zeros;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen > rank {
                let (lo, hi) = bucket_bounds(self.base + i as u32);
                return (0.5 * (lo + hi)).clamp(self.min, self.max);
            }
        }
        self.max
    }

    /// Share of values `<= x` (counting a whole bucket once its lower edge is `<= x`; exact
    /// when `x` is at or beyond the max).
    pub fn share_at_most(&self, x: f64) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        if x >= self.max {
            return 1.0;
        }
        if x < self.min {
            return 0.0;
        }
        let mut n = self.zeros;
        for (i, &c) in self.counts.iter().enumerate() {
            let (lo, hi) = bucket_bounds(self.base + i as u32);
            if hi <= x {
                n += c;
            } else if lo <= x {
                // Split the bucket in proportion; buckets are 0.1% wide.
                n += (c as f64 * ((x - lo) / (hi - lo)).clamp(0.0, 1.0)).round() as u64;
            } else {
                break;
            }
        }
        n as f64 / self.count as f64
    }

    /// Non-empty histogram buckets as `(lower, upper, count)`, in increasing order, for plots.
    /// Zeros, if any, come first as `(0, 0, zeros)`.
    pub fn buckets(&self) -> Vec<(f64, f64, u64)> {
        let mut out = Vec::new();
        if self.zeros > 0 {
            out.push((0.0, 0.0, self.zeros));
        }
        for (i, &c) in self.counts.iter().enumerate() {
            if c > 0 {
                let (lo, hi) = bucket_bounds(self.base + i as u32);
                out.push((lo, hi, c));
            }
        }
        out
    }
}

/// A non-negative value to the nearest integer, through a 64-bit conversion (one instruction;
/// `round()` and a 128-bit conversion are library calls on a hot path). Values saturate at
/// 2^63, far beyond ten years in units of 2^-32 minute.
#[inline]
pub(crate) fn fixed(x: f64) -> i128 {
    (x + 0.5) as i64 as i128
}

fn bucket_bounds(idx: u32) -> (f64, f64) {
    let lo = f64::from_bits((idx as u64) << SHIFT);
    let hi = f64::from_bits(((idx as u64) + 1) << SHIFT);
    (lo, hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_values_give_exact_quantiles() {
        let mut s = Sketch::new();
        for _ in 0..1000 {
            s.add(97.25);
        }
        for p in [0.0, 0.5, 0.9, 0.99, 1.0] {
            assert_eq!(s.quantile(p), 97.25);
        }
        assert_eq!(s.mean(), 97.25);
        assert_eq!(s.min(), 97.25);
        assert_eq!(s.max(), 97.25);
    }

    #[test]
    fn quantiles_within_stated_bound_of_sorted_samples() {
        let mut xs: Vec<f64> = (1..=100_000).map(|i| (i as f64 * 0.618_033_988_7).fract() * 500.0 + 0.5).collect();
        let mut s = Sketch::new();
        for &x in &xs {
            s.add(x);
        }
        xs.sort_by(f64::total_cmp);
        for p in [0.01, 0.1, 0.5, 0.9, 0.95, 0.99, 0.999] {
            let exact = xs[((p * xs.len() as f64) as usize).min(xs.len() - 1)];
            let got = s.quantile(p);
            assert!(((got - exact) / exact).abs() <= QUANTILE_RELATIVE_ERROR, "p={p}: {got} vs {exact}");
        }
    }

    #[test]
    fn merge_is_exact_whatever_the_split() {
        let xs: Vec<f64> = (0..5000)
            .map(|i| ((i * 7919) % 1013) as f64 * 0.37 + (i % 3) as f64 * 1e-3)
            .collect();
        let mut whole = Sketch::new();
        xs.iter().for_each(|&x| whole.add(x));
        for split in [1, 17, 2500, 4999] {
            let (mut a, mut b) = (Sketch::new(), Sketch::new());
            xs[..split].iter().for_each(|&x| a.add(x));
            xs[split..].iter().for_each(|&x| b.add(x));
            let mut ab = a.clone();
            ab.merge(&b);
            assert_eq!(ab, whole, "split at {split}");
            b.merge(&a);
            assert_eq!(b, whole, "reverse merge at {split}");
        }
    }

    #[test]
    fn zeros_are_an_atom() {
        let mut s = Sketch::new();
        for i in 0..10 {
            s.add(if i < 3 { 0.0 } else { 10.0 });
        }
        assert_eq!(s.zero_share(), 0.3);
        assert_eq!(s.quantile(0.2), 0.0);
        assert_eq!(s.quantile(0.5), 10.0);
        assert_eq!(s.share_at_most(0.0), 0.3);
        assert_eq!(s.share_at_most(10.0), 1.0);
    }
}
