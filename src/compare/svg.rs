//! The overlay of the base's and the candidate's recovery-time CDFs.
//!
//! Hand-written SVG (polylines, axes, ticks, labels) with no dependency, so this branch does not
//! wait for the plotting module (`src/plot/`). **Merge point:** [`write_cdf_overlay`] is the only
//! function that draws; once `src/plot/` is merged it can be rewired to draw through it with
//! the bundled font, keeping its signature.

use std::fmt::Write as _;
use std::path::Path;

use crate::check::report::xml_escape;
use crate::error::WriteError;

/// One curve: a label and the measure's values at evenly spaced quantiles `0, 1/(m-1), ..., 1`.
pub struct Curve<'a> {
    /// Legend text.
    pub label: &'a str,
    /// Values at evenly spaced quantiles, increasing.
    pub quantiles: &'a [f64],
}

const W: f64 = 760.0;
const H: f64 = 440.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 24.0;
const TOP: f64 = 48.0;
const BOTTOM: f64 = 56.0;
const COLOURS: [&str; 2] = ["#4c72b0", "#dd8452"];

/// Write the overlay of `base` and `candidate` to `path` (SVG), atomically.
pub fn write_cdf_overlay(path: &Path, title: &str, x_label: &str, base: Curve, candidate: Curve) -> Result<(), WriteError> {
    crate::report::write_atomic(path, cdf_overlay_svg(title, x_label, &[base, candidate]).as_bytes())
}

/// A "nice" tick step (1, 2 or 5 times a power of ten) giving about `n` ticks over `span`.
fn tick_step(span: f64, n: f64) -> f64 {
    if span <= 0.0 || !span.is_finite() {
        return 1.0;
    }
    let raw = span / n;
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let nice = if f < 1.5 {
        1.0
    } else if f < 3.5 {
        2.0
    } else if f < 7.5 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

/// The SVG text of a CDF overlay. The x axis spans the curves up to their 99.9th percentile
/// (a long tail would flatten the rest).
pub fn cdf_overlay_svg(title: &str, x_label: &str, curves: &[Curve]) -> String {
    let upto = |q: &[f64]| -> f64 {
        if q.is_empty() {
            return 0.0;
        }
        q[((q.len() - 1) as f64 * 0.999).round() as usize]
    };
    let lo_data = curves
        .iter()
        .filter_map(|c| c.quantiles.first().copied())
        .fold(f64::INFINITY, f64::min);
    let hi_data = curves.iter().map(|c| upto(c.quantiles)).fold(0.0, f64::max);
    let lo_data = if lo_data.is_finite() { lo_data } else { 0.0 };
    // At least a minute wide, so that a constant measure still gets an axis.
    let step = tick_step((hi_data - lo_data).max(1.0), 6.0);
    let x0 = (lo_data / step).floor() * step;
    let mut x1 = (hi_data / step).ceil() * step;
    if x1 <= x0 {
        x1 = x0 + step;
    }
    let pw = W - LEFT - RIGHT;
    let ph = H - TOP - BOTTOM;
    let sx = |x: f64| LEFT + (x.clamp(x0, x1) - x0) / (x1 - x0) * pw;
    let sy = |p: f64| TOP + (1.0 - p) * ph;

    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" font-family=\"sans-serif\" font-size=\"12\">"
    );
    let _ = writeln!(s, "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
    let _ = writeln!(
        s,
        "<text x=\"{}\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">{}</text>",
        W / 2.0,
        xml_escape(title)
    );
    // Grid and ticks.
    let mut x = x0;
    while x <= x1 + step * 1e-9 {
        let px = sx(x);
        let _ = writeln!(
            s,
            "<line x1=\"{px:.1}\" y1=\"{TOP}\" x2=\"{px:.1}\" y2=\"{:.1}\" stroke=\"#e5e5e5\"/><text x=\"{px:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            TOP + ph,
            TOP + ph + 16.0,
            trim_number(x)
        );
        x += step;
    }
    for i in 0..=5 {
        let p = i as f64 / 5.0;
        let py = sy(p);
        let _ = writeln!(
            s,
            "<line x1=\"{LEFT}\" y1=\"{py:.1}\" x2=\"{:.1}\" y2=\"{py:.1}\" stroke=\"#e5e5e5\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            LEFT + pw,
            LEFT - 6.0,
            py + 4.0,
            trim_number(p)
        );
    }
    let _ = writeln!(
        s,
        "<rect x=\"{LEFT}\" y=\"{TOP}\" width=\"{pw}\" height=\"{ph}\" fill=\"none\" stroke=\"#333\"/>"
    );
    let _ = writeln!(
        s,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
        LEFT + pw / 2.0,
        H - 14.0,
        xml_escape(x_label)
    );
    let _ = writeln!(
        s,
        "<text x=\"16\" y=\"{:.1}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {:.1})\">share of trials at or below</text>",
        TOP + ph / 2.0,
        TOP + ph / 2.0
    );
    // Curves, clipped to the plot area.
    let _ = writeln!(
        s,
        "<clipPath id=\"plot\"><rect x=\"{LEFT}\" y=\"{TOP}\" width=\"{pw}\" height=\"{ph}\"/></clipPath>"
    );
    for (k, c) in curves.iter().enumerate() {
        let m = c.quantiles.len();
        if m < 2 {
            continue;
        }
        let mut pts = String::new();
        for (i, &v) in c.quantiles.iter().enumerate() {
            let _ = write!(pts, "{:.1},{:.1} ", sx(v), sy(i as f64 / (m - 1) as f64));
        }
        let dash = if k == 1 { " stroke-dasharray=\"6 3\"" } else { "" };
        let _ = writeln!(
            s,
            "<polyline clip-path=\"url(#plot)\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"{dash} points=\"{}\"/>",
            COLOURS[k % 2],
            pts.trim_end()
        );
    }
    // Legend, bottom right inside the plot.
    for (k, c) in curves.iter().enumerate() {
        let ly = TOP + ph - 44.0 + 20.0 * k as f64;
        let lx = LEFT + pw - 220.0;
        let dash = if k == 1 { " stroke-dasharray=\"6 3\"" } else { "" };
        let _ = writeln!(
            s,
            "<line x1=\"{lx:.1}\" y1=\"{ly:.1}\" x2=\"{:.1}\" y2=\"{ly:.1}\" stroke=\"{}\" stroke-width=\"2\"{dash}/><text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            lx + 28.0,
            COLOURS[k % 2],
            lx + 34.0,
            ly + 4.0,
            xml_escape(c.label)
        );
    }
    s.push_str("</svg>\n");
    s
}

fn trim_number(x: f64) -> String {
    let t = format!("{x:.3}");
    let t = t.trim_end_matches('0').trim_end_matches('.');
    if t == "-0" { "0".into() } else { t.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round() {
        assert_eq!(tick_step(500.0, 6.0), 100.0);
        assert_eq!(tick_step(12.0, 6.0), 2.0);
        assert_eq!(trim_number(0.2), "0.2");
        assert_eq!(trim_number(300.0), "300");
    }

    #[test]
    fn overlay_has_both_curves() {
        let a: Vec<f64> = (0..101).map(|i| 100.0 + i as f64).collect();
        let b: Vec<f64> = (0..101).map(|i| 110.0 + i as f64).collect();
        let svg = cdf_overlay_svg(
            "t <1>",
            "minutes",
            &[
                Curve {
                    label: "base",
                    quantiles: &a,
                },
                Curve {
                    label: "candidate",
                    quantiles: &b,
                },
            ],
        );
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.contains("t &lt;1&gt;"));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
        // A constant measure still gets distinct ticks.
        let c = [45.0; 11];
        let svg = cdf_overlay_svg(
            "t",
            "m",
            &[Curve { label: "a", quantiles: &c }, Curve { label: "b", quantiles: &c }],
        );
        assert!(svg.contains(">45<") && svg.contains(">45.2<"), "{svg}");
    }
}
