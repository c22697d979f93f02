//! Horizontal bar charts: one bar per named item, signed values drawn from zero (so the same
//! chart is a sorted bar chart of criticality or utilization and a tornado of effects).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Axes, Chart, DrawResult, PlotError, Targets, YAxis, frame, render, row_labels, style, text_width};

/// One bar.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    /// Row label, left of the axis.
    pub label: String,
    /// Length (may be negative: drawn leftwards from zero).
    pub value: f64,
    /// Text at the bar's end (e.g. `83.8%`, `-12.4 min`).
    pub text: String,
    /// Index into [`BarChart::groups`] (the bar's colour).
    pub group: usize,
}

/// The group of a bar that stands for the items a capped chart leaves out ("12 other
/// steps"): drawn in a light grey that no group has, and not in the legend.
pub const OTHERS_GROUP: usize = usize::MAX;

/// A horizontal bar chart; bars are drawn top to bottom in the order given.
#[derive(Clone, Debug, PartialEq)]
pub struct BarChart {
    /// File stem.
    pub name: String,
    /// Title drawn on top.
    pub title: String,
    /// Notes under the title.
    pub subtitle: Vec<String>,
    /// X axis description, with its unit.
    pub x_label: String,
    /// Least x range shown (e.g. `(0, 100)` for percentages), widened to fit the values and
    /// their texts; `None` fits the values.
    pub x_range: Option<(f64, f64)>,
    /// Names of the colour groups, shown as a legend when there are two or more; each group's
    /// colour is the palette entry of its index.
    pub groups: Vec<String>,
    /// The bars.
    pub bars: Vec<Bar>,
}

/// A tornado chart is a bar chart of signed effects sorted by size.
pub type Tornado = BarChart;
/// A bar of a tornado chart.
pub type TornadoBar = Bar;

/// Draw a bar chart.
pub fn bars(spec: &BarChart, targets: Targets) -> Result<Chart, PlotError> {
    render(&spec.name, &spec.title, &BarsDraw(spec), targets)
}

/// Draw a tornado chart (the same drawing as [`bars`]; pass the bars sorted by effect).
pub fn tornado(spec: &Tornado, targets: Targets) -> Result<Chart, PlotError> {
    bars(spec, targets)
}

struct BarsDraw<'a>(&'a BarChart);

const ROW: u32 = 30;

impl BarsDraw<'_> {
    fn label_width(&self) -> u32 {
        let w = self.0.bars.iter().map(|b| text_width(&b.label, 14.0)).fold(0.0, f64::max);
        (w as u32 + 24).clamp(60, 420)
    }
    fn legend_height(&self) -> u32 {
        if self.0.groups.len() > 1 { 34 } else { 0 }
    }
}

impl super::Draw for BarsDraw<'_> {
    fn size(&self) -> (u32, u32) {
        let n = self.0.bars.len().max(1) as u32;
        let h = 46 + 20 * self.0.subtitle.len() as u32 + ROW * n + 80 + self.legend_height();
        (style::WIDTH, h.max(260))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let spec = self.0;
        let body = frame(root, &spec.title, &spec.subtitle)?;
        let (body, legend) = body.split_vertically(body.dim_in_pixel().1 - self.legend_height());
        let label_w = self.label_width();
        let n = spec.bars.len().max(1);
        // X range: the values, zero and the spec's range, with room for the end texts.
        let (min0, max0) = spec.x_range.unwrap_or((0.0, 0.0));
        let lo = spec.bars.iter().map(|b| b.value).fold(min0.min(0.0), f64::min);
        let hi = spec.bars.iter().map(|b| b.value).fold(max0.max(0.0), f64::max);
        let plot_w = (style::WIDTH - label_w - 40) as f64;
        let text_w = spec.bars.iter().map(|b| text_width(&b.text, 13.0)).fold(0.0, f64::max) + 12.0;
        let vmin = spec.bars.iter().map(|b| b.value).fold(0.0, f64::min);
        let vmax = spec.bars.iter().map(|b| b.value).fold(0.0, f64::max);
        // Texts go right of bars that are not negative (all-zero bars included).
        let texts_right = spec.bars.iter().any(|b| b.value >= 0.0);
        let span = (hi - lo).max(1e-9);
        let per_px = span / (plot_w - 2.0 * text_w).max(50.0);
        // Room for a text only where a bar's end comes near the edge.
        let left = if vmin < 0.0 {
            (text_w * per_px - (vmin - lo)).max(0.0)
        } else {
            0.0
        };
        let right = if texts_right {
            (text_w * per_px - (hi - vmax)).max(0.0)
        } else {
            0.0
        };
        let (x0, x1) = (lo - left, hi + right);
        let mut chart = Axes {
            x_range: (x0, x1),
            y_range: (-0.5, n as f64 - 0.5),
            x_desc: &spec.x_label,
            y: YAxis::Rows,
            y_label_area: label_w,
            margin_bottom: 10,
        }
        .draw(&body)?;
        let y_of = |i: usize| (n - 1 - i) as f64;
        for (i, b) in spec.bars.iter().enumerate() {
            let y = y_of(i);
            let rect = [(0.0, y - 0.32), (b.value, y + 0.32)];
            let fill = if b.group == OTHERS_GROUP {
                style::OTHERS
            } else {
                style::color(b.group)
            };
            chart.draw_series(std::iter::once(Rectangle::new(rect, fill.filled())))?;
            chart.draw_series(std::iter::once(Rectangle::new(rect, ShapeStyle::from(style::INK).stroke_width(1))))?;
            use plotters::style::text_anchor::{HPos, Pos, VPos};
            let (dx, h) = if b.value < 0.0 { (-6, HPos::Right) } else { (6, HPos::Left) };
            let font = style::small().pos(Pos::new(h, VPos::Center));
            chart.draw_series(std::iter::once(
                EmptyElement::at((b.value, y)) + Text::new(b.text.clone(), (dx, 0), font),
            ))?;
        }
        if x0 < 0.0 && x1 > 0.0 {
            chart.draw_series(LineSeries::new(vec![(0.0, -0.5), (0.0, n as f64 - 0.5)], style::INK))?;
        }
        let labels: Vec<String> = (0..n)
            .map(|r| spec.bars.get(n - 1 - r).map(|b| b.label.clone()).unwrap_or_default())
            .collect();
        row_labels(root, &chart, x0, &labels)?;
        if self.legend_height() > 0 {
            draw_legend(&legend, label_w as i32, &spec.groups)?;
        }
        Ok(())
    }
}

/// A one-line legend of colour groups: a swatch and a name each.
pub(crate) fn draw_legend<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, x: i32, groups: &[String]) -> DrawResult<DB> {
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    let mut x = x;
    let y = 12;
    let width = area.dim_in_pixel().0 as i32;
    for (i, g) in groups.iter().enumerate() {
        // One line: entries that would start past the right edge are not drawn (a plan with
        // hundreds of teams must not lay out hundreds of invisible names).
        if x >= width {
            break;
        }
        area.draw(&Rectangle::new([(x, y - 7), (x + 18, y + 7)], style::color(i).filled()))?;
        area.draw(&Rectangle::new(
            [(x, y - 7), (x + 18, y + 7)],
            ShapeStyle::from(style::INK).stroke_width(1),
        ))?;
        let font = style::label().pos(Pos::new(HPos::Left, VPos::Center));
        area.draw(&Text::new(g.clone(), (x + 24, y), font))?;
        x += 24 + text_width(g, 14.0) as i32 + 24;
    }
    Ok(())
}
