//! Drawing a duration, bounded: a draw is never silently lost to an overflow.
//!
//! A heavy-tailed distribution (a lognormal with a large sigma, a Weibull with a small shape)
//! can draw values far beyond any drill, up to infinity. Such a draw counts as the longest
//! duration a scenario may state, and the trial counts it ([`super::TrialOutcome::clamped`]),
//! so that a report can say its figures rest on clamped draws.

use rand::Rng;

use crate::model::Dist;

/// The longest duration a scenario may state: ten years, in minutes (the file format's own
/// limit, `scenario::duration::MAX_MINUTES`; a test holds them equal).
pub const LONGEST_DRAW: f64 = 10.0 * 365.25 * 1440.0;

/// One draw of `d`, at most [`LONGEST_DRAW`]; a longer one is counted in `clamped`.
#[inline]
pub(crate) fn draw<R: Rng + ?Sized>(d: &Dist, rng: &mut R, clamped: &mut u32) -> f64 {
    bounded(d.sample(rng), clamped)
}

/// A draw `x` made earlier, at most [`LONGEST_DRAW`]; a longer one is counted in `clamped`.
#[inline]
pub(crate) fn bounded(x: f64, clamped: &mut u32) -> f64 {
    if x <= LONGEST_DRAW {
        x
    } else {
        *clamped += 1;
        LONGEST_DRAW
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::rng::StreamRng;

    #[test]
    fn an_overflowing_draw_is_clamped_and_counted_not_zero() {
        let mut rng = StreamRng::from_u64(3);
        let mut n = 0;
        // exp(700 + ...) overflows or lands far past ten years.
        let huge = Dist::LogNormal { mu: 700.0, sigma: 10.0 };
        for _ in 0..100 {
            assert_eq!(draw(&huge, &mut rng, &mut n), LONGEST_DRAW);
        }
        assert_eq!(n, 100);
        // A Weibull with a tiny shape: x^100 of an exponential x, often past any limit.
        let weibull = Dist::Weibull { shape: 0.01, scale: 60.0 };
        for _ in 0..100 {
            let x = draw(&weibull, &mut rng, &mut n);
            assert!((0.0..=LONGEST_DRAW).contains(&x), "{x}");
        }
        assert!(n > 110, "{n}");
        assert_eq!(draw(&Dist::Fixed(30.0), &mut rng, &mut n), 30.0);
    }
}
