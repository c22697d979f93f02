//! The plan's current distribution as a lognormal: the prior of a fit, and the "old median and
//! spread" printed beside the new ones.
//!
//! A lognormal is matched by its **median** and its **90% range**: `median = q50` and
//! `sigma = (ln q95 - ln q5) / (2 * 1.6449)`, the same reading the scenario gives
//! `{ dist = "lognormal", p5 = ..., p95 = ... }`. A lognormal stays as written; the quantiles
//! of the others are exact (uniform, triangular, exponential, Weibull, the normal kept
//! non-negative), numerical for PERT (the beta's quantile by bisection on its regularized
//! incomplete beta function), and interpolated for an empirical list. When `q5` is 0 (a
//! normal with much of its mass below 0) the upper half alone gives the spread,
//! `(ln q95 - ln q50) / 1.6449`. A fixed duration has no spread: sigma 0, which the fit reads
//! as "no information on the spread" ([`super::fit::Prior`]). A median of 0 gives no lognormal
//! (None): the drills are then fitted alone.

use crate::model::Dist;
use crate::model::dist::ln_gamma;

/// z of the 95th percentile of the standard normal.
pub const Z95: f64 = 1.644_853_626_951_472_2;

/// A distribution read as a lognormal.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AsLogNormal {
    /// Its median, minutes (> 0).
    pub median: f64,
    /// Its spread (0 for a fixed duration).
    pub sigma: f64,
}

impl AsLogNormal {
    /// ln of the median.
    pub fn mu(&self) -> f64 {
        self.median.ln()
    }
}

/// `d` as a lognormal of the same median and 90% range; None when its median is 0.
pub fn as_lognormal(d: &Dist) -> Option<AsLogNormal> {
    if let Dist::LogNormal { mu, sigma } = d {
        return Some(AsLogNormal {
            median: mu.exp(),
            sigma: *sigma,
        });
    }
    let (q5, q50, q95) = (quantile(d, 0.05), quantile(d, 0.5), quantile(d, 0.95));
    if !(q50 > 0.0 && q50.is_finite() && q95.is_finite()) {
        return None;
    }
    let sigma = if q5 > 0.0 {
        (q95.ln() - q5.ln()) / (2.0 * Z95)
    } else {
        (q95.ln() - q50.ln()) / Z95
    };
    Some(AsLogNormal {
        median: q50,
        sigma: sigma.max(0.0),
    })
}

/// The `p` quantile of `d` (0 < p < 1), minutes.
pub fn quantile(d: &Dist, p: f64) -> f64 {
    match d {
        Dist::Fixed(v) => *v,
        Dist::Uniform { low, high } => low + p * (high - low),
        Dist::Triangular { min, mode, max } => {
            let w = max - min;
            if w <= 0.0 {
                return *min;
            }
            let c = (mode - min) / w;
            if p < c {
                min + (p * w * (mode - min)).sqrt()
            } else {
                max - ((1.0 - p) * w * (max - mode)).sqrt()
            }
        }
        Dist::Pert { min, max, alpha, beta, .. } => {
            if max <= min {
                *min
            } else {
                min + (max - min) * beta_quantile(p, *alpha, *beta)
            }
        }
        Dist::Normal { mean, sd } => (mean + sd * normal_quantile(p)).max(0.0),
        Dist::LogNormal { mu, sigma } => (mu + sigma * normal_quantile(p)).exp(),
        Dist::Exponential { mean } => -mean * (1.0 - p).ln(),
        Dist::Weibull { shape, scale } => scale * (-(1.0 - p).ln()).powf(1.0 / shape),
        Dist::Shifted { by, base } => by + quantile(base, p),
        Dist::Empirical(values) => {
            let mut v = values.clone();
            v.sort_by(f64::total_cmp);
            if v.is_empty() {
                return 0.0;
            }
            // Linear interpolation between order statistics (the common "type 7").
            let pos = p * (v.len() - 1) as f64;
            let i = pos.floor() as usize;
            let j = (i + 1).min(v.len() - 1);
            v[i] + (pos - i as f64) * (v[j] - v[i])
        }
    }
}

/// The standard normal's `p` quantile, by bisection on the survival function.
fn normal_quantile(p: f64) -> f64 {
    let (mut lo, mut hi) = (-40.0f64, 40.0f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        // P(Z <= mid) = 1 - P(Z > mid).
        if 1.0 - super::fit::log_sf(mid).exp() < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// The regularized incomplete beta function `I_x(a, b)` (continued fraction, Lentz's method).
pub fn beta_cdf(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln();
    if x < (a + 1.0) / (a + b + 2.0) {
        ln_front.exp() * beta_fraction(x, a, b) / a
    } else {
        1.0 - ln_front.exp() * beta_fraction(1.0 - x, b, a) / b
    }
}

fn beta_fraction(x: f64, a: f64, b: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..500 {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

/// The beta(a, b) distribution's `p` quantile, by bisection (the CDF is increasing).
fn beta_quantile(p: f64, a: f64, b: f64) -> f64 {
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if beta_cdf(mid, a, b) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * (1.0 + b.abs())
    }

    #[test]
    fn the_incomplete_beta_matches_closed_forms() {
        // I_x(2, 2) = 3x^2 - 2x^3; I_x(1, b) = 1 - (1 - x)^b.
        for x in [0.05, 0.3, 0.5, 0.9] {
            assert!(close(beta_cdf(x, 2.0, 2.0), 3.0 * x * x - 2.0 * x * x * x, 1e-13));
            assert!(close(beta_cdf(x, 1.0, 3.5), 1.0 - (1.0f64 - x).powf(3.5), 1e-13));
        }
    }

    #[test]
    fn quantiles_in_closed_form() {
        assert_eq!(quantile(&Dist::Uniform { low: 10.0, high: 20.0 }, 0.05), 10.5);
        let tri = Dist::Triangular {
            min: 0.0,
            mode: 10.0,
            max: 10.0,
        };
        // CDF (x/10)^2: the median is 10 / sqrt 2.
        assert!(close(quantile(&tri, 0.5), 10.0 / 2f64.sqrt(), 1e-14));
        assert!(close(quantile(&Dist::Exponential { mean: 10.0 }, 0.5), 10.0 * 2f64.ln(), 1e-14));
        assert!(close(normal_quantile(0.95), Z95, 1e-12));
        // A symmetric PERT has its mode as median.
        let pert = Dist::Pert {
            min: 10.0,
            mode: 20.0,
            max: 30.0,
            alpha: 3.0,
            beta: 3.0,
        };
        assert!(close(quantile(&pert, 0.5), 20.0, 1e-12));
        assert!(close(quantile(&Dist::Empirical(vec![3.0, 1.0, 2.0]), 0.5), 2.0, 0.0));
    }

    #[test]
    fn a_lognormal_reads_as_itself_and_a_fixed_duration_has_no_spread() {
        let ln = as_lognormal(&Dist::LogNormal {
            mu: 40f64.ln(),
            sigma: 0.3,
        })
        .unwrap();
        assert!(close(ln.median, 40.0, 1e-14) && ln.sigma == 0.3);
        // Its quantiles give it back too: the matching rule is exact on lognormals.
        let d = Dist::LogNormal { mu: 2.0, sigma: 0.7 };
        let (q5, q95) = (quantile(&d, 0.05), quantile(&d, 0.95));
        assert!(close((q95.ln() - q5.ln()) / (2.0 * Z95), 0.7, 1e-10));
        assert_eq!(as_lognormal(&Dist::Fixed(30.0)), Some(AsLogNormal { median: 30.0, sigma: 0.0 }));
        assert_eq!(as_lognormal(&Dist::Fixed(0.0)), None);
        // A normal with mass below 0 (q5 is 0): the upper half gives the spread.
        let u = as_lognormal(&Dist::Normal { mean: 10.0, sd: 10.0 }).unwrap();
        assert!(close(u.median, 10.0, 1e-12));
        assert!(close(u.sigma, (1.0 + Z95).ln() / Z95, 1e-9), "{u:?}");
    }
}
