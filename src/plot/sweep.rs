//! The trade-off chart of a sweep: a measure (recovery p95, the share of trials within an RTO)
//! against the value a variant changes (a team's capacity, a step's duration factor), one line
//! per combination of the other changes, each point with its interval, the base's value and
//! the objective's threshold across the chart.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::{Chart, DrawResult, PlotError, Targets, frame, nice_step, num, render, style};

/// One variant on the chart.
#[derive(Clone, Debug, PartialEq)]
pub struct TradeOffPoint {
    /// Position on the x axis: the varied value (or the variant's index when categorical).
    pub x: f64,
    /// The measure.
    pub y: f64,
    /// Its interval's low end.
    pub lo: f64,
    /// Its interval's high end.
    pub hi: f64,
}

/// A line of points (variants that differ only in the x value).
#[derive(Clone, Debug, PartialEq)]
pub struct TradeOffSeries {
    /// Legend text (the other changes), empty for a single line.
    pub name: String,
    /// Points in x order.
    pub points: Vec<TradeOffPoint>,
}

/// The chart's description.
#[derive(Clone, Debug, PartialEq)]
pub struct TradeOff {
    /// File stem.
    pub name: String,
    /// Title.
    pub title: String,
    /// Lines under the title.
    pub notes: Vec<String>,
    /// X axis description.
    pub x_label: String,
    /// Y axis description.
    pub y_label: String,
    /// Whether y values are shares (drawn in %).
    pub share: bool,
    /// The lines.
    pub series: Vec<TradeOffSeries>,
    /// Labels of a categorical x axis (at x = 0, 1, ...); None for a numeric one.
    pub categories: Option<Vec<String>>,
    /// The base's value, drawn as a dashed line.
    pub base: Option<f64>,
    /// An objective's threshold and its label, drawn as a red line.
    pub threshold: Option<(f64, String)>,
}

/// Draw the trade-off chart.
pub fn trade_off(spec: &TradeOff, targets: Targets) -> Result<Chart, PlotError> {
    render(&spec.name, &spec.title, spec, targets)
}

impl TradeOff {
    fn scale(&self) -> f64 {
        if self.share { 100.0 } else { 1.0 }
    }

    fn ranges(&self) -> ((f64, f64), (f64, f64)) {
        let pts = self.series.iter().flat_map(|s| s.points.iter());
        let xs: Vec<f64> = pts.clone().map(|p| p.x).filter(|x| x.is_finite()).collect();
        let k = self.scale();
        let mut ys: Vec<f64> = pts
            .flat_map(|p| [p.y, p.lo, p.hi])
            .filter(|y| y.is_finite())
            .map(|y| y * k)
            .collect();
        ys.extend(self.base.iter().map(|b| b * k));
        ys.extend(self.threshold.iter().map(|t| t.0 * k));
        let lo_hi = |v: &[f64]| {
            let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) }
        };
        let (x0, x1) = lo_hi(&xs);
        let pad_x = if x1 > x0 { 0.06 * (x1 - x0) } else { 0.5_f64.max(0.1 * x0.abs()) };
        let (y0, y1) = lo_hi(&ys);
        let pad_y = if y1 > y0 { 0.08 * (y1 - y0) } else { 1.0_f64.max(0.05 * y0.abs()) };
        let mut y_lo = y0 - pad_y;
        if y0 >= 0.0 && y_lo < 0.0 {
            y_lo = 0.0;
        }
        // Room above the highest point for the legend.
        let y_hi = y1 + if y1 > y0 { 0.35 * (y1 - y0) } else { pad_y };
        ((x0 - pad_x, x1 + pad_x), (y_lo, y_hi))
    }
}

impl super::Draw for TradeOff {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let body = frame(root, &self.title, &self.notes)?;
        let ((x0, x1), (y0, y1)) = self.ranges();
        let k = self.scale();
        // A categorical axis gets its labels drawn under each variant, not at nice ticks.
        let categorical = self.categories.is_some();
        let x_fmt = move |v: &f64| if categorical { String::new() } else { num(*v) };
        let y_fmt = |v: &f64| num(*v);
        let mut chart = ChartBuilder::on(&body)
            .margin_left(10)
            .margin_right(30)
            .margin_bottom(10)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        let x_labels = match &self.categories {
            Some(_) => 0,
            None => (((x1 - x0) / nice_step(x1 - x0, 8.0)).round() as usize).clamp(2, 12),
        };
        chart
            .configure_mesh()
            .light_line_style(style::GRID.mix(0.0))
            .bold_line_style(style::GRID)
            .x_desc(self.x_label.as_str())
            .y_desc(self.y_label.as_str())
            .axis_desc_style(style::axis())
            .label_style(style::label())
            .x_labels(x_labels)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .draw()?;
        if let Some(c) = &self.categories {
            use plotters::style::text_anchor::{HPos, Pos, VPos};
            let font = style::label().pos(Pos::new(HPos::Center, VPos::Top));
            for (i, l) in c.iter().enumerate() {
                let (px, py) = chart.backend_coord(&(i as f64, y0));
                root.draw(&Text::new(l.clone(), (px, py + 8), font.clone()))?;
            }
        }
        if let Some(b) = self.base {
            let st = ShapeStyle::from(style::MUTED).stroke_width(2);
            chart
                .draw_series(DashedLineSeries::new(vec![(x0, b * k), (x1, b * k)], 10, 6, st))?
                .label(format!("base {}", num(b * k)))
                .legend(move |(x, y)| DashedPathElement::new(vec![(x, y), (x + 30, y)], 10, 6, st));
        }
        if let Some((t, label)) = &self.threshold {
            let st = ShapeStyle::from(style::RED).stroke_width(3);
            chart
                .draw_series(LineSeries::new(vec![(x0, t * k), (x1, t * k)], st))?
                .label(label.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 30, y)], st));
        }
        for (i, s) in self.series.iter().enumerate() {
            let color = style::line(i);
            let st = ShapeStyle::from(color).stroke_width(3);
            let pts: Vec<(f64, f64)> = s.points.iter().filter(|p| p.y.is_finite()).map(|p| (p.x, p.y * k)).collect();
            let anno = chart.draw_series(LineSeries::new(pts.clone(), st))?;
            if !s.name.is_empty() {
                anno.label(s.name.clone())
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 30, y)], st));
            }
            chart.draw_series(pts.iter().map(|&(x, y)| Circle::new((x, y), 5, color.filled())))?;
            let bar = ShapeStyle::from(color).stroke_width(2);
            chart.draw_series(
                s.points
                    .iter()
                    .filter(|p| p.lo.is_finite() && p.hi.is_finite())
                    .map(|p| ErrorBar::new_vertical(p.x, p.lo * k, p.y * k, p.hi * k, bar, 10)),
            )?;
        }
        let named = self.series.iter().any(|s| !s.name.is_empty());
        if named || self.base.is_some() || self.threshold.is_some() {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .margin(12)
                .legend_area_size(40)
                .label_font(style::label())
                .background_style(WHITE.mix(0.9))
                .border_style(style::MUTED)
                .draw()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_lines_bars_and_lines_across() {
        let spec = TradeOff {
            name: "sweep".into(),
            title: "share of trials within the RTO".into(),
            notes: vec!["20000 trials per variant".into()],
            x_label: "teams.ops.capacity".into(),
            y_label: "services.payment rto_met (%)".into(),
            share: true,
            series: vec![TradeOffSeries {
                name: "steps.fix.duration*=0.5".into(),
                points: (1..=3)
                    .map(|c| TradeOffPoint {
                        x: c as f64,
                        y: 0.8 + 0.05 * c as f64,
                        lo: 0.79 + 0.05 * c as f64,
                        hi: 0.81 + 0.05 * c as f64,
                    })
                    .collect(),
            }],
            categories: None,
            base: Some(0.82),
            threshold: Some((0.95, "objective 95%".into())),
        };
        let c = trade_off(&spec, Targets::BOTH).unwrap();
        let svg = c.svg.unwrap();
        assert!(svg.contains("objective 95%") && svg.contains("base 82") && svg.contains("steps.fix.duration*=0.5"));
        assert!(c.png.unwrap().starts_with(b"\x89PNG"));
        // Categorical: the labels stand on the axis.
        let mut cat = spec.clone();
        cat.categories = Some(vec!["small".into(), "large".into()]);
        cat.series[0].points.truncate(2);
        for (i, p) in cat.series[0].points.iter_mut().enumerate() {
            p.x = i as f64;
        }
        let svg = trade_off(&cat, Targets { svg: true, png: false }).unwrap().svg.unwrap();
        assert!(svg.contains("small") && svg.contains("large"), "categories drawn: {svg}");
    }
}
