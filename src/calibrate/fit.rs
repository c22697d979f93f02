//! A lognormal fitted to durations some of which are only bounds: maximum likelihood with
//! right-censored observations, and the posterior mode when a prior is given.
//!
//! With `y = ln x`, a lognormal is a normal on `y` with mean `mu` and spread `sigma`. An exact
//! observation contributes its density, `-ln sigma - (y - mu)^2 / (2 sigma^2)` (constants
//! dropped); one that is at least `x` (the drill ended first) contributes the survival
//! `ln P(Y > y) = ln Phi_c((y - mu) / sigma)`; one that is at most `x` (a step recorded as
//! taking no time, i.e. less than the record's resolution) contributes `ln Phi((y - mu) / sigma)`.
//!
//! **The prior** counts as `w` pseudo-observations of the plan's current distribution (a
//! lognormal of median `exp(mu0)` and spread `sigma0`): it adds
//! `-w ln sigma - w ((mu - mu0)^2 + sigma0^2) / (2 sigma^2)`, which is exactly what `w` exact
//! observations with log-mean `mu0` and log-variance `sigma0^2` would add. With every
//! observation exact, the estimate is then the pooled mean and variance of the `n` drills and
//! the `w` pseudo-drills (see [`closed_form`]): the median moves `n / (n + w)` of the way (in
//! logs) from the plan's towards the drills'. A prior without spread (a fixed duration) states a
//! typical value but nothing about the spread: it keeps its weight on the median and gives none
//! to sigma (the `-w ln sigma` and `sigma0` terms are dropped).
//!
//! **The optimiser.** In the parameters `a = mu / sigma`, `h = 1 / sigma` (Olsen's), every
//! term above is concave, so the posterior has one maximum and no local traps. It is found by
//! profiling: for a given `h`, the best `a` solves a decreasing equation in one unknown
//! (bracketed Newton); the profile's slope in `h` is again decreasing (envelope theorem), and is
//! solved the same way. `sigma` stays within [`SIGMA_MIN`], [`SIGMA_MAX`]: below 1% no drill
//! can measure a spread, above 10 the scenario refuses a sigma.

/// One observed duration, in minutes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Obs {
    /// It took this long.
    Exact(f64),
    /// It took at least this long (right-censored: the drill ended first).
    AtLeast(f64),
    /// It took at most this long (left-censored: shorter than the record can tell).
    AtMost(f64),
}

/// Smallest sigma fitted: a spread under 1% is no spread a drill can measure.
pub const SIGMA_MIN: f64 = 0.01;
/// Largest sigma fitted (the largest the scenario accepts).
pub const SIGMA_MAX: f64 = 10.0;

/// The plan's current distribution as a lognormal, and how many observations it counts as.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Prior {
    /// ln of its median.
    pub mu: f64,
    /// Its spread (0: none stated, e.g. a fixed duration).
    pub sigma: f64,
    /// Pseudo-observations it counts as (> 0).
    pub weight: f64,
}

impl Prior {
    /// Weight on the median.
    fn kappa(&self) -> f64 {
        self.weight
    }

    /// Weight on the spread: none when the prior states no spread.
    fn nu(&self) -> f64 {
        if self.sigma > 0.0 { self.weight } else { 0.0 }
    }
}

/// The fitted lognormal.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fit {
    /// ln of the median.
    pub mu: f64,
    /// Spread of ln(duration).
    pub sigma: f64,
}

/// Why a fit cannot be made.
#[derive(Clone, Debug, PartialEq)]
pub enum FitError {
    /// Nothing to fit.
    NoObservations,
    /// Only lower (or only upper) bounds and no prior: the likelihood grows without end.
    OnlyBounds,
    /// A value that is not a positive, finite number of minutes.
    Invalid(f64),
}

impl std::fmt::Display for FitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FitError::NoObservations => write!(f, "no observations"),
            FitError::OnlyBounds => write!(
                f,
                "only censored observations (\"it took at least this long\") and no prior: they bound \
                 the duration but do not place it"
            ),
            FitError::Invalid(x) => write!(f, "an observation of {x} minutes is not a positive duration"),
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Exact,
    AtLeast,
    AtMost,
}

/// Value and derivatives of the log posterior at `(a, h)`.
#[derive(Clone, Copy, Debug, Default)]
struct Terms {
    f: f64,
    ga: f64,
    gh: f64,
    haa: f64,
    hah: f64,
    hhh: f64,
}

const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

/// ln P(Z > z) for a standard normal Z, accurate in both tails.
pub fn log_sf(z: f64) -> f64 {
    if z < 37.0 {
        (0.5 * libm::erfc(z / std::f64::consts::SQRT_2)).ln()
    } else {
        // erfc underflows; the asymptotic series is exact to ~1e-10 relative here.
        let r = 1.0 / (z * z);
        -0.5 * z * z - z.ln() - LN_SQRT_2PI + (1.0 - r + 3.0 * r * r - 15.0 * r * r * r).ln()
    }
}

/// The inverse Mills ratio `phi(z) / Phi_c(z)`.
fn mills(z: f64) -> f64 {
    (-0.5 * z * z - LN_SQRT_2PI - log_sf(z)).exp()
}

/// The log posterior (log likelihood when `prior` is None) at `mu`, `sigma`, constants dropped:
/// what [`fit`] maximises, for tests and for reporting.
pub fn log_posterior(obs: &[Obs], prior: Option<&Prior>, mu: f64, sigma: f64) -> f64 {
    let ys: Vec<(Kind, f64)> = obs.iter().filter_map(|o| logged(*o).ok().flatten()).collect();
    eval(&ys, prior, mu / sigma, 1.0 / sigma).f
}

fn logged(o: Obs) -> Result<Option<(Kind, f64)>, FitError> {
    let (k, x) = match o {
        Obs::Exact(x) => (Kind::Exact, x),
        Obs::AtLeast(x) => (Kind::AtLeast, x),
        Obs::AtMost(x) => (Kind::AtMost, x),
    };
    if !x.is_finite() || x < 0.0 {
        return Err(FitError::Invalid(x));
    }
    if x == 0.0 {
        // "At least 0" says nothing; exactly or at most 0 is no duration a lognormal has.
        return if k == Kind::AtLeast { Ok(None) } else { Err(FitError::Invalid(x)) };
    }
    Ok(Some((k, x.ln())))
}

fn eval(ys: &[(Kind, f64)], prior: Option<&Prior>, a: f64, h: f64) -> Terms {
    let mut t = Terms::default();
    for &(k, y) in ys {
        let z = h * y - a;
        // Derivatives of the term with respect to z, for the censored kinds.
        let (g1, g2) = match k {
            Kind::Exact => {
                t.f += h.ln() - 0.5 * z * z;
                t.ga += z;
                t.gh += 1.0 / h - z * y;
                t.haa -= 1.0;
                t.hah += y;
                t.hhh -= 1.0 / (h * h) + y * y;
                continue;
            }
            Kind::AtLeast => {
                t.f += log_sf(z);
                let l = mills(z);
                (-l, -l * (l - z))
            }
            Kind::AtMost => {
                t.f += log_sf(-z);
                let l = mills(-z);
                (l, -l * (l + z))
            }
        };
        // z = h y - a: dz/da = -1, dz/dh = y.
        t.ga -= g1;
        t.gh += g1 * y;
        t.haa += g2;
        t.hah -= g2 * y;
        t.hhh += g2 * y * y;
    }
    if let Some(p) = prior {
        let (kappa, nu) = (p.kappa(), p.nu());
        let d = a - p.mu * h;
        t.f += -0.5 * kappa * d * d - 0.5 * nu * p.sigma * p.sigma * h * h;
        t.ga -= kappa * d;
        t.gh += kappa * p.mu * d - nu * p.sigma * p.sigma * h;
        t.haa -= kappa;
        t.hah += kappa * p.mu;
        t.hhh -= kappa * p.mu * p.mu + nu * p.sigma * p.sigma;
        if nu > 0.0 {
            t.f += nu * h.ln();
            t.gh += nu / h;
            t.hhh -= nu / (h * h);
        }
    }
    t
}

/// Root of a decreasing function `g` (value and slope) in a bracket `lo < hi` with
/// `g(lo) > 0 > g(hi)`: Newton's step when it stays inside, else the midpoint (of logs when
/// `geometric`).
fn decreasing_root(mut lo: f64, mut hi: f64, start: f64, geometric: bool, g: impl Fn(f64) -> (f64, f64)) -> f64 {
    let mut x = start.clamp(lo, hi);
    for _ in 0..300 {
        let (v, slope) = g(x);
        if v == 0.0 {
            return x;
        }
        if v > 0.0 {
            lo = x;
        } else {
            hi = x;
        }
        let newton = x - v / slope;
        let next = if slope < 0.0 && newton > lo && newton < hi {
            newton
        } else if geometric {
            (lo * hi).sqrt()
        } else {
            0.5 * (lo + hi)
        };
        if (next - x).abs() <= 1e-14 * (1.0 + x.abs()) || hi - lo <= 1e-14 * (1.0 + x.abs()) {
            return next;
        }
        x = next;
    }
    x
}

/// The lognormal that maximises the likelihood of `obs` (times the prior, if any).
pub fn fit(obs: &[Obs], prior: Option<&Prior>) -> Result<Fit, FitError> {
    let mut ys = Vec::with_capacity(obs.len());
    for o in obs {
        if let Some(y) = logged(*o)? {
            ys.push(y);
        }
    }
    let prior = prior.filter(|p| p.weight > 0.0 && p.mu.is_finite() && p.sigma.is_finite());
    if ys.is_empty() && prior.is_none() {
        return Err(FitError::NoObservations);
    }
    let has = |k: Kind| ys.iter().any(|(kk, _)| *kk == k);
    if prior.is_none() && !has(Kind::Exact) && !(has(Kind::AtLeast) && has(Kind::AtMost)) {
        return Err(FitError::OnlyBounds);
    }
    // A first guess of mu: the exact observations' log-mean, else the prior's, else all.
    let mean = |it: &mut dyn Iterator<Item = f64>| {
        let (s, n) = it.fold((0.0, 0usize), |(s, n), y| (s + y, n + 1));
        (n > 0).then(|| s / n as f64)
    };
    let guess = mean(&mut ys.iter().filter(|(k, _)| *k == Kind::Exact).map(|(_, y)| *y))
        .or(prior.map(|p| p.mu))
        .or_else(|| mean(&mut ys.iter().map(|(_, y)| *y)))
        .unwrap_or(0.0);
    let best_a = |h: f64| -> f64 {
        // Bracket the root of df/da (decreasing in a) around h * guess.
        let start = h * guess;
        let ga = |a: f64| eval(&ys, prior, a, h).ga;
        let mut step = 1.0f64.max(start.abs() * 0.1);
        let (mut lo, mut hi) = (start, start);
        if ga(start) > 0.0 {
            while ga(hi) > 0.0 && step < 1e300 {
                lo = hi;
                hi = start + step;
                step *= 2.0;
            }
        } else {
            while ga(lo) <= 0.0 && step < 1e300 {
                hi = lo;
                lo = start - step;
                step *= 2.0;
            }
        }
        decreasing_root(lo, hi, start, false, |a| {
            let t = eval(&ys, prior, a, h);
            (t.ga, t.haa)
        })
    };
    // The profile's slope in h, and its derivative (df/dh at the best a; d/dh of it).
    let slope = |h: f64| -> (f64, f64) {
        let a = best_a(h);
        let t = eval(&ys, prior, a, h);
        let d = if t.haa < 0.0 { t.hhh - t.hah * t.hah / t.haa } else { t.hhh };
        (t.gh, d)
    };
    let (h_lo, h_hi) = (1.0 / SIGMA_MAX, 1.0 / SIGMA_MIN);
    let h = if slope(h_lo).0 <= 0.0 {
        h_lo
    } else if slope(h_hi).0 >= 0.0 {
        h_hi
    } else {
        decreasing_root(h_lo, h_hi, 1.0, true, slope)
    };
    let a = best_a(h);
    Ok(Fit { mu: a / h, sigma: 1.0 / h })
}

/// The estimate in closed form when every observation is exact: the pooled log-mean and
/// log-variance of the observations and the prior's pseudo-observations,
/// `mu = (kappa mu0 + n ybar) / (kappa + n)`,
/// `sigma^2 = (sum (y - mu)^2 + kappa (mu - mu0)^2 + nu sigma0^2) / (n + nu)`.
/// None when some observation is censored (or the formula has nothing to divide by).
pub fn closed_form(obs: &[Obs], prior: Option<&Prior>) -> Option<Fit> {
    let mut ys = Vec::new();
    for o in obs {
        match o {
            Obs::Exact(x) if *x > 0.0 && x.is_finite() => ys.push(x.ln()),
            _ => return None,
        }
    }
    let (kappa, nu, mu0, s0) = prior.map_or((0.0, 0.0, 0.0, 0.0), |p| (p.kappa(), p.nu(), p.mu, p.sigma));
    let n = ys.len() as f64;
    if n + kappa == 0.0 || n + nu == 0.0 {
        return None;
    }
    let mu = (kappa * mu0 + ys.iter().sum::<f64>()) / (kappa + n);
    let ss: f64 = ys.iter().map(|y| (y - mu) * (y - mu)).sum::<f64>() + kappa * (mu - mu0) * (mu - mu0) + nu * s0 * s0;
    Some(Fit {
        mu,
        sigma: (ss / (n + nu)).sqrt().clamp(SIGMA_MIN, SIGMA_MAX),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * (1.0 + b.abs())
    }

    #[test]
    fn log_sf_matches_known_values_in_both_tails() {
        // Phi_c(0) = 1/2, Phi_c(1.6448536269514722) = 0.05, Phi_c(-1) = 0.8413447460685429.
        assert!(close(log_sf(0.0), 0.5f64.ln(), 1e-15));
        assert!(close(log_sf(1.644_853_626_951_472_2), 0.05f64.ln(), 1e-13));
        assert!(close(log_sf(-1.0), 0.841_344_746_068_542_9f64.ln(), 1e-14));
        // Phi_c(10) = 7.619853024160527e-24; both sides of the switch to the series agree.
        assert!(close(log_sf(10.0), 7.619_853_024_160_527e-24f64.ln(), 1e-12));
        assert!(close(log_sf(36.999_999), log_sf(37.0), 1e-6));
        assert!(log_sf(1e6).is_finite());
    }

    #[test]
    fn exact_observations_give_the_sample_mean_and_sd_of_logs() {
        let xs = [12.0, 20.0, 31.0, 18.0, 25.0];
        let obs: Vec<Obs> = xs.iter().map(|&x| Obs::Exact(x)).collect();
        let f = fit(&obs, None).unwrap();
        let ys: Vec<f64> = xs.iter().map(|x: &f64| x.ln()).collect();
        let m = ys.iter().sum::<f64>() / 5.0;
        let sd = (ys.iter().map(|y| (y - m) * (y - m)).sum::<f64>() / 5.0).sqrt();
        assert!(close(f.mu, m, 1e-10), "{f:?} vs {m}");
        assert!(close(f.sigma, sd, 1e-10), "{f:?} vs {sd}");
    }

    #[test]
    fn with_a_prior_the_optimiser_finds_the_pooled_closed_form() {
        let obs = [Obs::Exact(30.0), Obs::Exact(45.0), Obs::Exact(50.0)];
        for prior in [
            Prior {
                mu: 20f64.ln(),
                sigma: 0.5,
                weight: 8.0,
            },
            Prior {
                mu: 20f64.ln(),
                sigma: 0.0,
                weight: 8.0,
            },
        ] {
            let f = fit(&obs, Some(&prior)).unwrap();
            let c = closed_form(&obs, Some(&prior)).unwrap();
            assert!(close(f.mu, c.mu, 1e-10) && close(f.sigma, c.sigma, 1e-9), "{f:?} vs {c:?}");
        }
    }

    #[test]
    fn censoring_is_a_survival_term_whose_score_is_zero_at_the_fit() {
        let obs = [Obs::Exact(10.0), Obs::Exact(14.0), Obs::Exact(22.0), Obs::AtLeast(30.0)];
        let f = fit(&obs, None).unwrap();
        let ll = |m: f64, s: f64| log_posterior(&obs, None, m, s);
        let e = 1e-5;
        let dm = (ll(f.mu + e, f.sigma) - ll(f.mu - e, f.sigma)) / (2.0 * e);
        let ds = (ll(f.mu, f.sigma + e) - ll(f.mu, f.sigma - e)) / (2.0 * e);
        assert!(dm.abs() < 1e-6 && ds.abs() < 1e-6, "score {dm} {ds} at {f:?}");
        // The censored value pulls the median above the exact ones' log-mean.
        let exact = fit(&obs[..3], None).unwrap();
        assert!(f.mu > exact.mu && f.sigma > exact.sigma);
    }

    #[test]
    fn a_left_censored_zero_pulls_the_median_down() {
        let obs = [Obs::Exact(5.0), Obs::Exact(8.0), Obs::AtMost(1.0)];
        let f = fit(&obs, None).unwrap();
        let exact = fit(&obs[..2], None).unwrap();
        assert!(f.mu < exact.mu);
    }

    #[test]
    fn bounds_alone_need_a_prior_and_sigma_stays_in_range() {
        assert_eq!(fit(&[Obs::AtLeast(5.0)], None), Err(FitError::OnlyBounds));
        assert_eq!(fit(&[], None), Err(FitError::NoObservations));
        assert_eq!(fit(&[Obs::Exact(-1.0)], None), Err(FitError::Invalid(-1.0)));
        // One exact observation: the likelihood peaks at sigma -> 0; the floor holds.
        let f = fit(&[Obs::Exact(7.0)], None).unwrap();
        assert!(close(f.mu, 7f64.ln(), 1e-12) && f.sigma == SIGMA_MIN, "{f:?}");
        // A censored observation with a prior: the median moves up, never down.
        let p = Prior {
            mu: 10f64.ln(),
            sigma: 0.5,
            weight: 8.0,
        };
        let f = fit(&[Obs::AtLeast(40.0)], Some(&p)).unwrap();
        assert!(f.mu > p.mu && f.mu < 40f64.ln(), "{f:?}");
    }
}
