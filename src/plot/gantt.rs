//! A Gantt chart of one trial: one row per activity (detection, paging, each step), bars for
//! work and for waiting, and vertical markers for events (recovery, the RTO, and later the
//! topology's own events: a service down or up, power restored, an attacker contained).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Axes, Chart, DrawResult, Marker, PlotError, Targets, YAxis, draw_markers, frame, render, row_labels, style, text_width};

/// What a bar of a Gantt row stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpanKind {
    /// Work by the team of this palette index.
    Work(usize),
    /// Ready but waiting: for a free slot of its team, its team to be paged, a fault to be
    /// detected or a severity level.
    Wait,
    /// Before the plan starts: detection and paging.
    Phase,
    /// The work of several steps merged in one row (the steps a capped chart leaves out).
    Merged,
}

/// One bar.
#[derive(Clone, Debug, PartialEq)]
pub struct GanttBar {
    /// Start, minutes since the fault.
    pub from: f64,
    /// End, minutes since the fault.
    pub to: f64,
    /// What it stands for (its fill).
    pub kind: SpanKind,
}

/// One row.
#[derive(Clone, Debug, PartialEq)]
pub struct GanttRow {
    /// Row label (e.g. `s3 (t3)`).
    pub label: String,
    /// Its bars.
    pub bars: Vec<GanttBar>,
    /// Instants marked across the row (e.g. a failed attempt that was started again).
    pub ticks: Vec<f64>,
    /// Draw the row's work bars with a thick outline (e.g. the step is on the critical path).
    pub emphasis: bool,
}

/// A timeline of one trial.
#[derive(Clone, Debug, PartialEq)]
pub struct Gantt {
    /// File stem.
    pub name: String,
    /// Title drawn on top.
    pub title: String,
    /// Notes under the title.
    pub subtitle: Vec<String>,
    /// X axis description, with its unit.
    pub x_label: String,
    /// Rows, drawn top to bottom.
    pub rows: Vec<GanttRow>,
    /// Vertical markers across all rows (events of the trial, the RTO).
    pub markers: Vec<Marker>,
    /// Legend entries, left to right.
    pub legend: Vec<(String, SpanKind)>,
    /// Legend entry of the thick outline of emphasised rows, if any.
    pub emphasis_legend: Option<String>,
}

/// Draw a Gantt chart.
pub fn gantt(spec: &Gantt, targets: Targets) -> Result<Chart, PlotError> {
    render(&spec.name, &spec.title, &GanttDraw(spec), targets)
}

struct GanttDraw<'a>(&'a Gantt);

const ROW: u32 = 26;
/// Rows of head room above the first activity for marker labels.
const HEADROOM: f64 = 1.6;

fn fill(kind: SpanKind) -> ShapeStyle {
    match kind {
        SpanKind::Work(i) => style::color(i).filled(),
        SpanKind::Wait => RGBColor(235, 235, 235).filled(),
        SpanKind::Phase => RGBColor(120, 120, 120).filled(),
        SpanKind::Merged => style::OTHERS.filled(),
    }
}

fn half_height(kind: SpanKind) -> f64 {
    match kind {
        SpanKind::Wait => 0.14,
        _ => 0.34,
    }
}

impl super::Draw for GanttDraw<'_> {
    fn size(&self) -> (u32, u32) {
        let n = self.0.rows.len().max(1) as u32;
        let h = 46 + 20 * self.0.subtitle.len() as u32 + ROW * n + (ROW as f64 * HEADROOM) as u32 + 80 + 40;
        (style::WIDTH, h.max(300))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let spec = self.0;
        let body = frame(root, &spec.title, &spec.subtitle)?;
        let (body, legend) = body.split_vertically(body.dim_in_pixel().1 - 56);
        let n = spec.rows.len().max(1);
        let end = spec
            .rows
            .iter()
            .flat_map(|r| r.bars.iter().map(|b| b.to))
            .chain(spec.markers.iter().map(|m| m.at))
            .fold(0.0, f64::max);
        let x1 = if end > 0.0 { end * 1.03 } else { 1.0 };
        let label_w = spec.rows.iter().map(|r| text_width(&r.label, 14.0)).fold(0.0, f64::max) as u32 + 24;
        let ytop = n as f64 - 0.5 + HEADROOM;
        let mut chart = Axes {
            x_range: (0.0, x1),
            y_range: (-0.5, ytop),
            x_desc: &spec.x_label,
            y: YAxis::Rows,
            y_label_area: label_w.clamp(60, 360),
            margin_bottom: 6,
        }
        .draw(&body)?;
        let edge = ShapeStyle::from(style::INK).stroke_width(1);
        let thick = ShapeStyle::from(style::INK).stroke_width(3);
        for (i, row) in spec.rows.iter().enumerate() {
            let y = (n - 1 - i) as f64;
            for b in &row.bars {
                let h = half_height(b.kind);
                let rect = [(b.from, y - h), (b.to, y + h)];
                chart.draw_series(std::iter::once(Rectangle::new(rect, fill(b.kind))))?;
                if row.emphasis && matches!(b.kind, SpanKind::Work(_)) {
                    // A path, not a rectangle: the SVG backend ignores a rectangle's stroke width.
                    let (x0, x1, y0, y1) = (b.from, b.to, y - h, y + h);
                    chart.draw_series(std::iter::once(PathElement::new(
                        vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)],
                        thick,
                    )))?;
                } else {
                    chart.draw_series(std::iter::once(Rectangle::new(rect, edge)))?;
                }
            }
            for &t in &row.ticks {
                chart.draw_series(LineSeries::new(
                    vec![(t, y - 0.45), (t, y + 0.45)],
                    ShapeStyle::from(style::INK).stroke_width(2),
                ))?;
            }
        }
        draw_markers(&mut chart, &spec.markers, (0.0, x1), (-0.5, ytop))?;
        let labels: Vec<String> = (0..n)
            .map(|r| spec.rows.get(n - 1 - r).map(|x| x.label.clone()).unwrap_or_default())
            .collect();
        row_labels(root, &chart, 0.0, &labels)?;
        // Legend: a swatch per entry, in one line under the axis.
        use plotters::style::text_anchor::{HPos, Pos, VPos};
        // Entries left to right, wrapping to a second row rather than running off the image.
        let width = legend.dim_in_pixel().0 as i32;
        let (mut x, mut y) = (10, 14);
        let mut place = |w: i32| {
            if x + w > width - 10 && x > 10 {
                x = 10;
                y += 24;
            }
            let at = (x, y);
            x += w;
            at
        };
        for (name, kind) in &spec.legend {
            let (x, y) = place(28 + text_width(name, 14.0) as i32 + 22);
            let h = (half_height(*kind) * 20.0) as i32 + 1;
            legend.draw(&Rectangle::new([(x, y - h), (x + 22, y + h)], fill(*kind)))?;
            legend.draw(&Rectangle::new([(x, y - h), (x + 22, y + h)], edge))?;
            let font = style::label().pos(Pos::new(HPos::Left, VPos::Center));
            legend.draw(&Text::new(name.clone(), (x + 28, y), font))?;
        }
        if let Some(name) = &spec.emphasis_legend {
            let (x, y) = place(28 + text_width(name, 14.0) as i32 + 22);
            legend.draw(&Rectangle::new([(x, y - 7), (x + 22, y + 7)], WHITE.filled()))?;
            legend.draw(&PathElement::new(
                vec![(x, y - 7), (x + 22, y - 7), (x + 22, y + 7), (x, y + 7), (x, y - 7)],
                thick,
            ))?;
            let font = style::label().pos(Pos::new(HPos::Left, VPos::Center));
            legend.draw(&Text::new(name.clone(), (x + 28, y), font))?;
        }
        Ok(())
    }
}
