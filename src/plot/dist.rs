//! Distributions: a histogram of one sketch and the CDFs of several on one axis.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::{Axes, Chart, DrawResult, Marker, PlotError, Targets, YAxis, draw_markers, frame, nice_step, num, render, style};
use crate::stats::Sketch;

/// A histogram of one measure, with markers (p50/p95/p99, the RTO).
#[derive(Clone, Debug, PartialEq)]
pub struct HistogramChart {
    /// File stem.
    pub name: String,
    /// Title drawn on top.
    pub title: String,
    /// X axis description, with its unit.
    pub x_label: String,
    /// Vertical markers.
    pub markers: Vec<Marker>,
    /// What a value of exactly 0 means (e.g. "no business service went down"); the atom at 0
    /// is stated in the subtitle rather than drawn as a bar that would dwarf the rest.
    pub zero_meaning: String,
}

/// The CDFs of one or more named measures on one axis, with markers.
#[derive(Clone, Debug, PartialEq)]
pub struct CdfChart {
    /// File stem.
    pub name: String,
    /// Title drawn on top.
    pub title: String,
    /// X axis description, with its unit.
    pub x_label: String,
    /// Y axis description (default: share of trials at or below x).
    pub y_label: Option<String>,
    /// Vertical markers.
    pub markers: Vec<Marker>,
}

/// The x range shared by a measure's histogram and CDF: from a round number at or below the
/// smallest value (or 0) to p99.9 (the whole range when the tail is short), widened to show
/// markers within twice that range. Notes say what was cut.
pub(crate) struct XRange {
    pub lo: f64,
    pub hi: f64,
    pub notes: Vec<String>,
}

pub(crate) fn x_range(series: &[(&str, &Sketch)], markers: &[Marker]) -> XRange {
    let live: Vec<&(&str, &Sketch)> = series.iter().filter(|(_, s)| s.count() > 0).collect();
    let mut notes = Vec::new();
    if live.is_empty() {
        return XRange { lo: 0.0, hi: 1.0, notes };
    }
    let max = live.iter().map(|(_, s)| s.max()).fold(0.0, f64::max);
    let min = live.iter().map(|(_, s)| s.min()).fold(f64::INFINITY, f64::min);
    let p999 = live.iter().map(|(_, s)| s.quantile(0.999)).fold(0.0, f64::max);
    let p001 = live.iter().map(|(_, s)| s.quantile(0.001)).fold(f64::INFINITY, f64::min);
    let mut hi = if max <= 1.15 * p999 { max } else { p999 };
    let clipped = max > hi;
    let mut lo = if p001 - min < 0.1 * (hi - p001).max(1e-9) { min } else { p001 };
    for m in markers {
        if m.at > hi && m.at <= 2.0 * hi.max(1e-9) {
            hi = m.at;
        } else if m.at > hi && !m.label.is_empty() {
            notes.push(format!("{} is beyond the axis", m.label));
        }
        if m.at < lo && m.at >= 0.0 {
            lo = m.at;
        }
    }
    if hi <= lo {
        // One value (fixed durations): centre it on a small window.
        let pad = (0.1 * hi).max(1.0);
        return XRange {
            lo: (lo - pad).max(0.0),
            hi: hi + pad,
            notes,
        };
    }
    let step = nice_step(hi - lo, 10.0);
    // Start from zero (the fault) unless the values sit far from it; otherwise leave a step
    // of room so that a jump at the smallest value is seen.
    lo = if lo < 0.4 * hi {
        0.0
    } else {
        ((lo / step).floor() - 1.0).max(0.0) * step
    };
    let hi_axis = (hi / step).ceil() * step;
    let hi_axis = if hi_axis <= hi { hi + step } else { hi_axis };
    if clipped {
        let beyond = live.iter().map(|(_, s)| 1.0 - s.share_at_most(hi_axis)).fold(0.0, f64::max);
        notes.insert(
            0,
            format!(
                "x axis cut at p99.9 ({} min); the longest trial took {} min ({:.2}% of trials lie beyond)",
                num(p999),
                num(max),
                100.0 * beyond
            ),
        );
    }
    XRange { lo, hi: hi_axis, notes }
}

struct Hist<'a> {
    spec: &'a HistogramChart,
    bins: Vec<(f64, f64, f64)>,
    range: XRange,
    ymax: f64,
}

/// A histogram of `s` (share of trials per bin, in %) with the spec's markers.
pub fn histogram(spec: &HistogramChart, s: &Sketch, targets: Targets) -> Result<Chart, PlotError> {
    let mut range = x_range(&[("", s)], &spec.markers);
    let n = s.count().max(1) as f64;
    let width = nice_step(range.hi - range.lo, 60.0);
    let nbins = (((range.hi - range.lo) / width).ceil() as usize).max(1);
    let mut counts = vec![0u64; nbins];
    for (lo, hi, c) in s.buckets() {
        if hi == 0.0 {
            continue;
        }
        let mid = 0.5 * (lo + hi).min(2.0 * s.max());
        if mid < range.lo || mid > range.hi {
            continue;
        }
        let b = (((mid - range.lo) / width) as usize).min(nbins - 1);
        counts[b] += c;
    }
    let bins: Vec<(f64, f64, f64)> = counts
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let a = range.lo + i as f64 * width;
            (a, a + width, 100.0 * c as f64 / n)
        })
        .collect();
    if s.zero_share() > 0.0 {
        range.notes.push(format!(
            "{:.1}% of trials at 0 ({}), not drawn",
            100.0 * s.zero_share(),
            if spec.zero_meaning.is_empty() { "zero" } else { &spec.zero_meaning }
        ));
    }
    range.notes.push(format!("bins of {} min", num(width)));
    let top = bins.iter().map(|b| b.2).fold(0.0, f64::max);
    let h = Hist {
        spec,
        bins,
        range,
        ymax: if top > 0.0 { top * 1.3 } else { 1.0 },
    };
    render(&spec.name, &spec.title, &h, targets)
}

impl super::Draw for Hist<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let body = frame(root, &self.spec.title, &self.range.notes)?;
        let (x0, x1) = (self.range.lo, self.range.hi);
        let mut chart = Axes {
            x_range: (x0, x1),
            y_range: (0.0, self.ymax),
            x_desc: &self.spec.x_label,
            y: YAxis::Values {
                desc: "share of trials (%)",
                format: &|v| num(*v),
            },
            y_label_area: 70,
            margin_bottom: 10,
        }
        .draw(&body)?;
        let fill = style::BARS.filled();
        let edge = ShapeStyle::from(style::color(0)).stroke_width(1);
        chart.draw_series(
            self.bins
                .iter()
                .filter(|b| b.2 > 0.0)
                .map(|&(a, b, y)| Rectangle::new([(a, 0.0), (b, y)], fill)),
        )?;
        chart.draw_series(
            self.bins
                .iter()
                .filter(|b| b.2 > 0.0)
                .map(|&(a, b, y)| Rectangle::new([(a, 0.0), (b, y)], edge)),
        )?;
        draw_markers(&mut chart, &self.spec.markers, (x0, x1), (0.0, self.ymax))
    }
}

struct Cdf<'a> {
    spec: &'a CdfChart,
    curves: Vec<(String, Vec<(f64, f64)>)>,
    range: XRange,
}

/// The CDFs of several named sketches overlaid (share of trials at or below x, in %), each
/// in its own colour and dash pattern, with the spec's markers. This is the reusable overlay,
/// e.g. a base plan against a revision. A legend names the curves (unless there is one and
/// the title names it already).
pub fn cdf_overlay(spec: &CdfChart, series: &[(&str, &Sketch)], targets: Targets) -> Result<Chart, PlotError> {
    let range = x_range(series, &spec.markers);
    let curves = series
        .iter()
        .map(|(name, s)| (name.to_string(), cdf_points(s, range.lo, range.hi)))
        .collect();
    let c = Cdf { spec, curves, range };
    render(&spec.name, &spec.title, &c, targets)
}

/// Points of the empirical CDF of `s` over `[lo, hi]`, in %, thinned to about one per pixel.
pub(crate) fn cdf_points(s: &Sketch, lo: f64, hi: f64) -> Vec<(f64, f64)> {
    let n = s.count();
    if n == 0 {
        return Vec::new();
    }
    let n = n as f64;
    // (x, share <= x) at each bucket's upper edge, starting from the atom at zero.
    let mut raw: Vec<(f64, f64)> = Vec::new();
    let mut cum = 0u64;
    for (blo, bhi, c) in s.buckets() {
        if bhi == 0.0 {
            cum += c;
            raw.push((0.0, cum as f64 / n));
            continue;
        }
        if raw.is_empty() || raw.last().is_some_and(|p| p.0 < blo.max(s.min())) {
            raw.push((blo.max(s.min()), cum as f64 / n));
        }
        cum += c;
        raw.push((bhi.min(s.max()), cum as f64 / n));
    }
    let at = |x: f64| -> f64 {
        if x < raw[0].0 {
            return 0.0;
        }
        match raw.iter().position(|p| p.0 > x) {
            None => raw[raw.len() - 1].1,
            Some(0) => raw[0].1,
            Some(i) => {
                let (a, b) = (raw[i - 1], raw[i]);
                a.1 + (b.1 - a.1) * (x - a.0) / (b.0 - a.0)
            }
        }
    };
    let mut out = vec![(lo, 100.0 * at(lo))];
    let min_dx = (hi - lo) / 300.0;
    for &(x, f) in &raw {
        if x <= lo {
            continue;
        }
        if x >= hi {
            break;
        }
        // Thin to about a point per three pixels, but keep every jump (an atom of the
        // distribution, e.g. a fixed duration) where it is.
        let last = out[out.len() - 1];
        if x - last.0 >= min_dx || (100.0 * f - last.1).abs() >= 0.5 {
            out.push((x, 100.0 * f));
        }
    }
    out.push((hi, 100.0 * at(hi)));
    out
}

impl Cdf<'_> {
    /// A legend names the curves unless there is one and the title already names it.
    fn legend(&self) -> bool {
        match self.curves.as_slice() {
            [(name, _)] => !self.spec.title.to_lowercase().contains(&name.to_lowercase()),
            _ => true,
        }
    }
}

const DASHES: [Option<(u32, u32)>; 4] = [None, Some((12, 6)), Some((3, 4)), Some((16, 4))];

impl super::Draw for Cdf<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let body = frame(root, &self.spec.title, &self.range.notes)?;
        let (x0, x1) = (self.range.lo, self.range.hi);
        let ymax = 115.0;
        let mut chart = Axes {
            x_range: (x0, x1),
            y_range: (0.0, ymax),
            x_desc: &self.spec.x_label,
            y: YAxis::Values {
                desc: self.spec.y_label.as_deref().unwrap_or("share of trials at or below x (%)"),
                format: &|v| if *v <= 100.0 { num(*v) } else { String::new() },
            },
            y_label_area: 70,
            margin_bottom: 10,
        }
        .draw(&body)?;
        for (i, (name, pts)) in self.curves.iter().enumerate() {
            let st = ShapeStyle::from(style::line(i)).stroke_width(3);
            let dash = DASHES[i % DASHES.len()];
            let anno = match dash {
                None => chart.draw_series(LineSeries::new(pts.clone(), st))?,
                Some((on, off)) => chart.draw_series(DashedLineSeries::new(pts.clone(), on, off, st))?,
            };
            if self.legend() {
                anno.label(name.clone()).legend(move |(x, y)| match dash {
                    None => DashedPathElement::new(vec![(x, y), (x + 34, y)], 40, 1, st),
                    Some((on, off)) => DashedPathElement::new(vec![(x, y), (x + 34, y)], on, off, st),
                });
            }
        }
        draw_markers(&mut chart, &self.spec.markers, (x0, x1), (0.0, ymax))?;
        if self.legend() {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::LowerRight)
                .margin(12)
                .legend_area_size(44)
                .label_font(style::label())
                .background_style(WHITE.mix(0.9))
                .border_style(style::MUTED)
                .draw()?;
        }
        Ok(())
    }
}
