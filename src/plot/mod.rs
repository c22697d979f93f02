//! Charts drawn with plotters, each rendered to SVG text and PNG bytes in memory.
//!
//! Every chart is a plain description (series, bars, markers) drawn by one function that is
//! generic over the plotters backend, so the SVG and the PNG of a chart are the same drawing.
//! Nothing touches the file system here: callers decide where the bytes go (see
//! `report::full`). Text is drawn with DejaVu Sans, bundled into the binary and registered
//! once on first use, so the build and the charts need nothing from the system.
//!
//! The reusable entry points are [`cdf_overlay`] (the CDFs of several named sketches on one
//! axis, e.g. two plan revisions), [`histogram`], [`bars`], [`tornado`] and [`gantt`].

mod bars;
mod dist;
mod gantt;
mod png;
mod sweep;

pub use bars::{Bar, BarChart, OTHERS_GROUP, Tornado, TornadoBar, bars, tornado};
pub use dist::{CdfChart, HistogramChart, cdf_overlay, histogram};
pub use gantt::{Gantt, GanttBar, GanttRow, SpanKind, gantt};
pub use sweep::{TradeOff, TradeOffPoint, TradeOffSeries, trade_off};

use std::sync::Once;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::FontStyle;

/// The bundled font (DejaVu Sans; license in `assets/DejaVuSans-LICENSE.txt`).
static FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");
/// Family name every chart asks for; SVG viewers substitute their own sans-serif.
pub(crate) const FAMILY: &str = "sans-serif";

/// Register the bundled font with plotters (idempotent; called by every chart).
pub fn ensure_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The font is a fixed, known-good file compiled in; failing to parse it is a build
        // mistake that the tests catch, and charts then draw no text rather than panic.
        let _ = plotters::style::register_font(FAMILY, FontStyle::Normal, FONT);
    });
}

/// Which renderings of a chart to make.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Targets {
    /// SVG text (for the HTML page and `.svg` files).
    pub svg: bool,
    /// PNG bytes (for `.png` files and the Markdown report).
    pub png: bool,
}

impl Targets {
    /// Both SVG and PNG.
    pub const BOTH: Targets = Targets { svg: true, png: true };
}

/// One chart, rendered.
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    /// File stem, e.g. `recovery_histogram` (files are `<name>.svg` and `<name>.png`).
    pub name: String,
    /// Title drawn on the chart (also used as alt text).
    pub title: String,
    /// The SVG document, if asked for.
    pub svg: Option<String>,
    /// The PNG file's bytes, if asked for.
    pub png: Option<Vec<u8>>,
}

/// A chart could not be drawn (a plotters error; it names the chart).
#[derive(Debug, thiserror::Error)]
#[error("cannot draw chart {chart}: {message}")]
pub struct PlotError {
    /// The chart's name.
    pub chart: String,
    /// What plotters reported.
    pub message: String,
}

/// A vertical line across a chart at `at` (minutes), with a label: a quantile, an objective
/// (RTO) or an event of a trial (alert, service back up, power restored, ...).
#[derive(Clone, Debug, PartialEq)]
pub struct Marker {
    /// Position on the x axis.
    pub at: f64,
    /// Short label drawn next to the line, e.g. `p95 414`.
    pub label: String,
    /// How the line is drawn.
    pub kind: MarkerKind,
}

/// Line styles of markers; each differs in dash pattern as well as colour, so that a
/// greyscale print still tells them apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkerKind {
    /// The median: solid dark line.
    P50,
    /// The 95th percentile: dashed.
    P95,
    /// The 99th percentile: dotted.
    P99,
    /// An objective (RTO): thick red line.
    Objective,
    /// An event of one trial: thin grey dashed line.
    Event,
    /// A real drill's value (`score`, `run --drill`): blue, dash-dotted.
    Drill,
}

/// Fonts and sizes shared by every chart.
pub(crate) mod style {
    use plotters::style::{RGBColor, TextStyle};

    use super::FAMILY;

    pub const WIDTH: u32 = 1000;
    pub const HEIGHT: u32 = 560;
    pub const INK: RGBColor = RGBColor(30, 30, 30);
    pub const MUTED: RGBColor = RGBColor(90, 90, 90);
    pub const GRID: RGBColor = RGBColor(225, 225, 225);
    pub const RED: RGBColor = RGBColor(200, 30, 30);
    /// Real drills' markers (Okabe-Ito blue, apart from the red objectives in greyscale too).
    pub const BLUE: RGBColor = RGBColor(0, 114, 178);

    /// Fill colours of bars (teams, groups): the Okabe-Ito palette ordered so that the first
    /// four differ in lightness too (grey levels 61, 162, 106, 213), then black and grey.
    pub const PALETTE: [RGBColor; 8] = [
        RGBColor(0, 78, 138),    // dark blue
        RGBColor(230, 159, 0),   // orange
        RGBColor(0, 158, 115),   // bluish green
        RGBColor(240, 228, 66),  // yellow
        RGBColor(86, 180, 233),  // sky blue
        RGBColor(213, 94, 0),    // vermillion
        RGBColor(204, 121, 167), // reddish purple
        RGBColor(150, 150, 150), // grey
    ];

    /// Colours of lines (curves), which also differ in dash pattern: no yellow, which is too
    /// light for a line on white.
    pub const LINES: [RGBColor; 6] = [
        RGBColor(0, 78, 138),    // dark blue
        RGBColor(230, 159, 0),   // orange
        RGBColor(0, 158, 115),   // bluish green
        RGBColor(213, 94, 0),    // vermillion
        RGBColor(0, 0, 0),       // black
        RGBColor(204, 121, 167), // reddish purple
    ];

    /// Fill of histogram bars.
    pub const BARS: RGBColor = RGBColor(86, 180, 233);

    /// Fill of a row standing for the items a capped chart leaves out.
    pub const OTHERS: RGBColor = RGBColor(200, 200, 200);

    pub fn color(i: usize) -> RGBColor {
        PALETTE[i % PALETTE.len()]
    }

    pub fn line(i: usize) -> RGBColor {
        LINES[i % LINES.len()]
    }

    pub fn title() -> TextStyle<'static> {
        TextStyle::from((FAMILY, 24)).color(&INK)
    }
    pub fn subtitle() -> TextStyle<'static> {
        TextStyle::from((FAMILY, 15)).color(&MUTED)
    }
    pub fn axis() -> TextStyle<'static> {
        TextStyle::from((FAMILY, 17)).color(&INK)
    }
    pub fn label() -> TextStyle<'static> {
        TextStyle::from((FAMILY, 14)).color(&INK)
    }
    pub fn small() -> TextStyle<'static> {
        TextStyle::from((FAMILY, 13)).color(&INK)
    }
}

/// A drawing that can be rendered on any plotters backend.
pub(crate) trait Draw {
    /// Pixel size of the chart.
    fn size(&self) -> (u32, u32) {
        (style::WIDTH, style::HEIGHT)
    }
    /// Draw on `root` (already sized).
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB>;
}

pub(crate) type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Largest width or height of a chart in pixels: the bound on a PNG's buffer (about 190 MB
/// at most, where an uncapped chart of 100,000 rows would ask for gigabytes). Report charts cap
/// their rows far below it.
pub const MAX_SIDE: u32 = 8000;

/// Render `d` to the asked-for targets.
pub(crate) fn render(name: &str, title: &str, d: &impl Draw, targets: Targets) -> Result<Chart, PlotError> {
    ensure_font();
    let err = |message: String| PlotError {
        chart: name.to_string(),
        message,
    };
    let (w, h) = d.size();
    if w > MAX_SIDE || h > MAX_SIDE {
        return Err(err(format!(
            "a chart of {w} x {h} pixels is too large to draw (at most {MAX_SIDE} a side); its rows should have been capped"
        )));
    }
    let svg = if targets.svg {
        let mut s = String::new();
        {
            let root = SVGBackend::with_string(&mut s, (w, h)).into_drawing_area();
            d.draw(&root).map_err(|e| err(e.to_string()))?;
            root.present().map_err(|e| err(e.to_string()))?;
        }
        Some(s)
    } else {
        None
    };
    let png = if targets.png {
        let mut buf = vec![255u8; (w as usize) * (h as usize) * 3];
        {
            let root = png::PngBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
            d.draw(&root).map_err(|e| err(e.to_string()))?;
            root.present().map_err(|e| err(e.to_string()))?;
        }
        Some(encode_png(&buf, w, h).map_err(|e| err(e.to_string()))?)
    } else {
        None
    };
    Ok(Chart {
        name: name.to_string(),
        title: title.to_string(),
        svg,
        png,
    })
}

fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>, ::png::EncodingError> {
    let mut out = Vec::new();
    {
        let mut enc = ::png::Encoder::new(&mut out, w, h);
        enc.set_color(::png::ColorType::Rgb);
        enc.set_depth(::png::BitDepth::Eight);
        // Adaptive filtering shrinks flat-colour charts by a third at little cost; the best
        // deflate level would save as much again but doubles the time to encode.
        enc.set_adaptive_filter(::png::AdaptiveFilterType::Adaptive);
        let mut writer = enc.write_header()?;
        writer.write_image_data(rgb)?;
        writer.finish()?;
    }
    Ok(out)
}

/// Fill the background, draw the title and an optional subtitle (notes such as "x axis cut
/// at p99.9"), and return the area left for the plot.
pub(crate) fn frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &[String],
) -> Result<DrawingArea<DB, Shift>, DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let top = 46 + 20 * subtitle.len() as u32;
    let (head, body) = root.split_vertically(top);
    head.draw(&Text::new(title.to_string(), (18, 12), style::title()))?;
    for (i, line) in subtitle.iter().enumerate() {
        head.draw(&Text::new(line.clone(), (18, 44 + 20 * i as i32), style::subtitle()))?;
    }
    Ok(body)
}

/// A step of 1, 2 or 5 times a power of ten giving about `n` intervals over `span`.
pub(crate) fn nice_step(span: f64, n: f64) -> f64 {
    if span <= 0.0 || !span.is_finite() {
        return 1.0;
    }
    let raw = span / n;
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let m = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    m * mag
}

/// Short number for labels: no decimals from 100 up, one below.
pub(crate) fn num(x: f64) -> String {
    if x.abs() >= 100.0 || x == x.round() {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

/// The line style of a marker kind.
pub(crate) fn marker_style(kind: MarkerKind) -> (RGBColor, u32, Option<(u32, u32)>) {
    match kind {
        MarkerKind::P50 => (style::INK, 2, None),
        MarkerKind::P95 => (style::INK, 2, Some((10, 6))),
        MarkerKind::P99 => (style::INK, 2, Some((3, 4))),
        MarkerKind::Objective => (style::RED, 3, None),
        MarkerKind::Event => (style::MUTED, 1, Some((6, 4))),
        MarkerKind::Drill => (style::BLUE, 2, Some((8, 3))),
    }
}

/// The chart type of every plot here: minutes (or a share) on both axes.
pub(crate) type Ctx<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// The y axis of a chart: values with a description and their own label formatter, or rows
/// (a bar or Gantt chart: no y grid and no y labels; the caller draws row labels).
pub(crate) enum YAxis<'a> {
    /// Values, described and labelled.
    Values {
        /// Axis description.
        desc: &'a str,
        /// Tick labels.
        format: &'a dyn Fn(&f64) -> String,
    },
    /// Rows, labelled by the caller.
    Rows,
}

/// Where and how a chart's axes are drawn: the one place for the chart and mesh setup that
/// every plot shares (margins, grid, fonts, number format of the x axis).
pub(crate) struct Axes<'a> {
    /// X range.
    pub x_range: (f64, f64),
    /// Y range.
    pub y_range: (f64, f64),
    /// X axis description, with its unit.
    pub x_desc: &'a str,
    /// The y axis.
    pub y: YAxis<'a>,
    /// Pixels left of the plot for the y labels (or the row labels).
    pub y_label_area: u32,
    /// Pixels below the x axis's labels.
    pub margin_bottom: u32,
}

impl Axes<'_> {
    /// Build the chart on `area` and draw its mesh.
    pub(crate) fn draw<'a, DB: DrawingBackend>(
        &self,
        area: &'a DrawingArea<DB, Shift>,
    ) -> Result<Ctx<'a, DB>, DrawingAreaErrorKind<DB::ErrorType>> {
        let mut chart = ChartBuilder::on(area)
            .margin_left(10)
            .margin_right(30)
            .margin_bottom(self.margin_bottom)
            .x_label_area_size(50)
            .y_label_area_size(self.y_label_area)
            .build_cartesian_2d(self.x_range.0..self.x_range.1, self.y_range.0..self.y_range.1)?;
        let mut mesh = chart.configure_mesh();
        mesh.light_line_style(style::GRID.mix(0.0))
            .bold_line_style(style::GRID)
            .x_desc(self.x_desc)
            .axis_desc_style(style::axis())
            .label_style(style::label())
            .x_label_formatter(&|v| num(*v));
        match self.y {
            YAxis::Values { desc, format } => {
                mesh.y_desc(desc).y_label_formatter(format);
            }
            YAxis::Rows => {
                mesh.disable_y_mesh().y_labels(0).y_label_formatter(&|_| String::new());
            }
        }
        mesh.draw()?;
        Ok(chart)
    }
}

/// Draw vertical markers on a chart spanning `x` by `y`; labels are staggered in rows from
/// the top so that close markers do not overlap, and flip to the left of their line near the
/// right edge. Markers outside `x` are skipped (callers say so in the subtitle).
pub(crate) fn draw_markers<DB: DrawingBackend>(
    chart: &mut Ctx<'_, DB>,
    markers: &[Marker],
    x: (f64, f64),
    y: (f64, f64),
) -> DrawResult<DB> {
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    let (x0, x1) = x;
    let plot_px = chart.plotting_area().dim_in_pixel().0.max(1) as f64;
    let per_px = (x1 - x0) / plot_px;
    let visible: Vec<&Marker> = markers.iter().filter(|m| m.at >= x0 && m.at <= x1).collect();
    // Lines first, then labels on top of every line.
    for m in &visible {
        let (color, width, dash) = marker_style(m.kind);
        let st = ShapeStyle::from(color).stroke_width(width);
        let pts = vec![(m.at, y.0), (m.at, y.1)];
        match dash {
            None => {
                chart.draw_series(LineSeries::new(pts, st))?;
            }
            Some((on, off)) => {
                chart.draw_series(DashedLineSeries::new(pts, on, off, st))?;
            }
        }
    }
    let mut row_end: Vec<f64> = Vec::new();
    // A marker without a label (one of many drills) is a line only.
    for m in visible.iter().filter(|m| !m.label.is_empty()) {
        let (color, _, _) = marker_style(m.kind);
        // Pick the first label row whose previous label ends left of this one.
        let w = per_px * (text_width(&m.label, 13.0) + 14.0);
        let right_side = m.at + w < x1;
        let (start, end) = if right_side { (m.at, m.at + w) } else { (m.at - w, m.at) };
        let row = row_end.iter().position(|&e| e < start).unwrap_or(row_end.len());
        if row == row_end.len() {
            row_end.push(end);
        } else {
            row_end[row] = end;
        }
        let (dx, pos) = if right_side {
            (5, Pos::new(HPos::Left, VPos::Top))
        } else {
            (-5, Pos::new(HPos::Right, VPos::Top))
        };
        let font = style::small().color(&color).pos(pos);
        let dy = 4 + 17 * row as i32;
        // A white box behind the label keeps it readable where it crosses another line.
        let tw = text_width(&m.label, 13.0) as i32;
        let (bx0, bx1) = if right_side { (dx - 2, dx + tw + 3) } else { (dx - tw - 3, dx + 2) };
        let bg = Rectangle::new([(bx0, dy - 1), (bx1, dy + 14)], WHITE.filled());
        chart.draw_series(std::iter::once(
            EmptyElement::at((m.at, y.1)) + bg + Text::new(m.label.clone(), (dx, dy), font),
        ))?;
    }
    Ok(())
}

/// Width in pixels of `text` in the bundled font at `size`.
pub(crate) fn text_width(text: &str, size: f64) -> f64 {
    ensure_font();
    TextStyle::from((FAMILY, size))
        .font
        .layout_box(text)
        .map(|((x0, _), (x1, _))| (x1 - x0) as f64)
        .unwrap_or(0.6 * size * text.chars().count() as f64)
}

/// Draw `labels[i]` right-aligned left of the plot at row centre `y = i` (rows of a bar chart
/// or a Gantt chart), on the full `root`.
pub(crate) fn row_labels<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &Ctx<'_, DB>,
    x0: f64,
    labels: &[String],
) -> DrawResult<DB> {
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    let font = style::label().pos(Pos::new(HPos::Right, VPos::Center));
    for (i, l) in labels.iter().enumerate() {
        let (px, py) = chart.backend_coord(&(x0, i as f64));
        root.draw(&Text::new(l.clone(), (px - 8, py), font.clone()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_steps() {
        assert_eq!(nice_step(100.0, 10.0), 10.0);
        assert_eq!(nice_step(130.0, 10.0), 20.0);
        assert_eq!(nice_step(7.0, 10.0), 1.0);
        assert_eq!(nice_step(0.0, 10.0), 1.0);
    }

    #[test]
    fn the_bundled_font_parses() {
        assert!(plotters::style::register_font("drillsim-test", FontStyle::Normal, FONT).is_ok());
    }
}
