//! Probability distributions of durations (all in minutes) and how to sample them.
//!
//! The parameters are checked when the scenario is read (`scenario::dist`), so sampling here
//! never fails and never returns a negative value or NaN (an overflow is +inf: the engine clamps it).

use rand::Rng;
use rand_distr::{Exp1, StandardNormal};

/// A checked distribution over non-negative minutes (fields are in minutes unless named
/// otherwise).
#[allow(missing_docs)]
#[derive(Clone, Debug, PartialEq)]
pub enum Dist {
    /// Always this value.
    Fixed(f64),
    /// Uniform on `[low, high]`.
    Uniform { low: f64, high: f64 },
    /// Triangular with `min <= mode <= max`.
    Triangular { min: f64, mode: f64, max: f64 },
    /// PERT (a scaled beta with shape 4 around the mode).
    Pert {
        min: f64,
        mode: f64,
        max: f64,
        alpha: f64,
        beta: f64,
    },
    /// Normal with values below zero counted as zero.
    Normal { mean: f64, sd: f64 },
    /// Lognormal: `exp(mu + sigma Z)`; the median is `exp(mu)`.
    LogNormal { mu: f64, sigma: f64 },
    /// Exponential with this mean.
    Exponential { mean: f64 },
    /// Weibull with this shape and scale.
    Weibull { shape: f64, scale: f64 },
    /// One of these measured values, each equally likely.
    Empirical(Vec<f64>),
    /// Every draw of `base` plus `by` minutes (`by >= 0`): what `drillsim sweep`'s `+=` makes
    /// of a distribution that has no location parameter to move (a lognormal, an exponential,
    /// a Weibull), so that the same random numbers give values exactly `by` longer.
    Shifted { by: f64, base: Box<Dist> },
}

impl Dist {
    /// Draw one value (minutes, `>= 0`; +inf when the draw overflows).
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let x = match self {
            Dist::Fixed(v) => *v,
            Dist::Uniform { low, high } => low + (high - low) * rng.random::<f64>(),
            Dist::Triangular { min, mode, max } => {
                let u: f64 = rng.random();
                let c = if max > min { (mode - min) / (max - min) } else { 0.5 };
                if u < c {
                    min + ((max - min) * (mode - min) * u).sqrt()
                } else {
                    max - ((max - min) * (max - mode) * (1.0 - u)).sqrt()
                }
            }
            Dist::Pert { min, max, alpha, beta, .. } => {
                if max <= min {
                    *min
                } else {
                    min + (max - min) * beta_sample(rng, *alpha, *beta)
                }
            }
            Dist::Normal { mean, sd } => {
                let z: f64 = rng.sample(StandardNormal);
                (mean + sd * z).max(0.0)
            }
            Dist::LogNormal { mu, sigma } => {
                let z: f64 = rng.sample(StandardNormal);
                (mu + sigma * z).exp()
            }
            Dist::Exponential { mean } => {
                let e: f64 = rng.sample(Exp1);
                mean * e
            }
            Dist::Weibull { shape, scale } => {
                let u: f64 = rng.random();
                scale * (-(1.0 - u).ln()).powf(1.0 / shape)
            }
            Dist::Empirical(values) => values[rng.random_range(0..values.len())],
            Dist::Shifted { by, base } => by + base.sample(rng),
        };
        // NaN (none of the kinds makes one) counts as 0; an overflow stays +inf, for the
        // engine to clamp and count (`sim::draw`).
        x.max(0.0)
    }

    /// The distribution's mean, in minutes (used for reports and sanity checks).
    pub fn mean(&self) -> f64 {
        match self {
            Dist::Fixed(v) => *v,
            Dist::Uniform { low, high } => 0.5 * (low + high),
            Dist::Triangular { min, mode, max } => (min + mode + max) / 3.0,
            Dist::Pert { min, mode, max, .. } => (min + 4.0 * mode + max) / 6.0,
            Dist::Normal { mean, .. } => *mean,
            Dist::LogNormal { mu, sigma } => (mu + 0.5 * sigma * sigma).exp(),
            Dist::Exponential { mean } => *mean,
            Dist::Weibull { shape, scale } => scale * gamma(1.0 + 1.0 / shape),
            Dist::Empirical(v) => v.iter().sum::<f64>() / v.len() as f64,
            Dist::Shifted { by, base } => by + base.mean(),
        }
    }

    /// The same distribution with every value multiplied by `k` (> 0): "this step 20% faster".
    pub fn scaled(&self, k: f64) -> Dist {
        match self {
            Dist::Fixed(v) => Dist::Fixed(v * k),
            Dist::Uniform { low, high } => Dist::Uniform {
                low: low * k,
                high: high * k,
            },
            Dist::Triangular { min, mode, max } => Dist::Triangular {
                min: min * k,
                mode: mode * k,
                max: max * k,
            },
            Dist::Pert {
                min,
                mode,
                max,
                alpha,
                beta,
            } => Dist::Pert {
                min: min * k,
                mode: mode * k,
                max: max * k,
                alpha: *alpha,
                beta: *beta,
            },
            Dist::Normal { mean, sd } => Dist::Normal {
                mean: mean * k,
                sd: sd * k,
            },
            Dist::LogNormal { mu, sigma } => Dist::LogNormal {
                mu: mu + k.ln(),
                sigma: *sigma,
            },
            Dist::Exponential { mean } => Dist::Exponential { mean: mean * k },
            Dist::Weibull { shape, scale } => Dist::Weibull {
                shape: *shape,
                scale: scale * k,
            },
            Dist::Empirical(v) => Dist::Empirical(v.iter().map(|x| x * k).collect()),
            Dist::Shifted { by, base } => Dist::Shifted {
                by: by * k,
                base: Box::new(base.scaled(k)),
            },
        }
    }

    /// The same distribution with `d` (>= 0) minutes added to every value: "this step takes
    /// 30 minutes longer". A kind with a location (fixed, uniform, triangular, PERT, empirical)
    /// keeps its kind with its values moved; the others become [`Dist::Shifted`]. Either way a
    /// draw from the same random numbers is exactly `d` longer.
    pub fn shifted(&self, d: f64) -> Dist {
        match self {
            Dist::Fixed(v) => Dist::Fixed(v + d),
            Dist::Uniform { low, high } => Dist::Uniform {
                low: low + d,
                high: high + d,
            },
            Dist::Triangular { min, mode, max } => Dist::Triangular {
                min: min + d,
                mode: mode + d,
                max: max + d,
            },
            Dist::Pert {
                min,
                mode,
                max,
                alpha,
                beta,
            } => Dist::Pert {
                min: min + d,
                mode: mode + d,
                max: max + d,
                alpha: *alpha,
                beta: *beta,
            },
            Dist::Empirical(v) => Dist::Empirical(v.iter().map(|x| x + d).collect()),
            Dist::Shifted { by, base } => Dist::Shifted {
                by: by + d,
                base: base.clone(),
            },
            // A normal's draws are clamped at 0, so moving its mean is not a shift of every
            // draw; these keep their shape and move as a whole.
            other => Dist::Shifted {
                by: d,
                base: Box::new(other.clone()),
            },
        }
    }
}

/// Beta(a, b) from two gamma draws (Marsaglia-Tsang; a, b >= 1 for PERT).
fn beta_sample<R: Rng + ?Sized>(rng: &mut R, a: f64, b: f64) -> f64 {
    let x = gamma_sample(rng, a);
    let y = gamma_sample(rng, b);
    if x + y > 0.0 { x / (x + y) } else { 0.5 }
}

fn gamma_sample<R: Rng + ?Sized>(rng: &mut R, shape: f64) -> f64 {
    // Shape >= 1 here (PERT shapes are 1 + 4 * fraction >= 1).
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let z: f64 = rng.sample(StandardNormal);
        let v = 1.0 + c * z;
        if v <= 0.0 {
            continue;
        }
        let v = v * v * v;
        let u: f64 = rng.random();
        if u < 1.0 - 0.0331 * z * z * z * z || u.ln() < 0.5 * z * z + d * (1.0 - v + v.ln()) {
            return d * v;
        }
    }
}

/// Lanczos coefficients (g = 7, 9 terms), shared by [`gamma`] and [`ln_gamma`].
const G: [f64; 9] = [
    0.999_999_999_999_809_9,
    676.520_368_121_885_1,
    -1_259.139_216_722_402_8,
    771.323_428_777_653_1,
    -176.615_029_162_140_6,
    12.507_343_278_686_905,
    -0.138_571_095_265_720_12,
    9.984_369_578_019_572e-6,
    1.505_632_735_149_311_6e-7,
];

/// Lanczos approximation of the gamma function (for the Weibull mean).
fn gamma(x: f64) -> f64 {
    if x < 0.5 {
        std::f64::consts::PI / ((std::f64::consts::PI * x).sin() * gamma(1.0 - x))
    } else {
        let x = x - 1.0;
        let t = x + 7.5;
        let mut a = G[0];
        for (i, g) in G.iter().enumerate().skip(1) {
            a += g / (x + i as f64);
        }
        (2.0 * std::f64::consts::PI).sqrt() * t.powf(x + 0.5) * (-t).exp() * a
    }
}

/// ln Γ(x) for x > 0 (the same Lanczos series, in logs so that large x do not overflow;
/// good to about 1e-13 relative), for binomial probabilities.
pub fn ln_gamma(x: f64) -> f64 {
    if x < 0.5 {
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let t = x + 7.5;
    let a = G[0] + G[1..].iter().enumerate().map(|(i, g)| g / (x + i as f64 + 1.0)).sum::<f64>();
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    fn sample_mean(d: &Dist, n: usize) -> f64 {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
        (0..n).map(|_| d.sample(&mut rng)).sum::<f64>() / n as f64
    }

    #[test]
    fn sample_means_match_analytic_means() {
        let pert_alpha = 1.0 + 4.0 * (10.0 - 5.0) / (40.0 - 5.0);
        let cases = [
            Dist::Fixed(12.0),
            Dist::Uniform { low: 10.0, high: 20.0 },
            Dist::Triangular {
                min: 5.0,
                mode: 10.0,
                max: 40.0,
            },
            Dist::Pert {
                min: 5.0,
                mode: 10.0,
                max: 40.0,
                alpha: pert_alpha,
                beta: 6.0 - pert_alpha,
            },
            Dist::Normal { mean: 30.0, sd: 5.0 },
            Dist::LogNormal {
                mu: 10f64.ln(),
                sigma: 0.5,
            },
            Dist::Exponential { mean: 7.0 },
            Dist::Weibull { shape: 1.5, scale: 20.0 },
            Dist::Empirical(vec![3.0, 5.0, 13.0]),
        ];
        for d in &cases {
            let m = sample_mean(d, 200_000);
            // 200k draws: standard error of the mean is below 0.3% for all these; allow 1%.
            assert!((m - d.mean()).abs() <= 0.01 * d.mean(), "{d:?}: sample mean {m} vs {}", d.mean());
        }
    }

    #[test]
    fn shifting_adds_to_every_draw_from_the_same_numbers() {
        let kinds = [
            Dist::Fixed(10.0),
            Dist::Uniform { low: 1.0, high: 9.0 },
            Dist::Triangular {
                min: 1.0,
                mode: 2.0,
                max: 8.0,
            },
            Dist::Pert {
                min: 1.0,
                mode: 2.0,
                max: 8.0,
                alpha: 1.0 + 4.0 / 7.0,
                beta: 5.0 - 4.0 / 7.0,
            },
            Dist::Normal { mean: 3.0, sd: 2.0 },
            Dist::LogNormal { mu: 2.0, sigma: 0.7 },
            Dist::Exponential { mean: 4.0 },
            Dist::Weibull { shape: 1.5, scale: 20.0 },
            Dist::Empirical(vec![3.0, 5.0, 8.0]),
        ];
        for d in &kinds {
            let s = d.shifted(30.0);
            let (mut a, mut b) = (Xoshiro256PlusPlus::seed_from_u64(7), Xoshiro256PlusPlus::seed_from_u64(7));
            for _ in 0..200 {
                let (x, y) = (d.sample(&mut a), s.sample(&mut b));
                assert!((y - x - 30.0).abs() < 1e-9, "{d:?}: {x} then {y}");
            }
            assert!((s.mean() - d.mean() - 30.0).abs() < 1e-9, "{d:?}");
            assert!((s.shifted(5.0).mean() - d.mean() - 35.0).abs() < 1e-9, "{d:?}");
            assert!((s.scaled(2.0).mean() - 2.0 * (d.mean() + 30.0)).abs() < 1e-9, "{d:?}");
        }
    }

    #[test]
    fn scaling_scales_the_mean() {
        let d = Dist::LogNormal { mu: 3.0, sigma: 0.6 };
        assert!((d.scaled(0.8).mean() - 0.8 * d.mean()).abs() < 1e-9);
    }
}
