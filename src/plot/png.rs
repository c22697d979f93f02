//! The PNG backend: plotters' bitmap backend with our own text drawing.
//!
//! plotters 0.3.7 draws `ab_glyph` text without each glyph's left side bearing, so digits
//! such as `1` sit too far left ("41 3" for "413"). This wrapper delegates everything to
//! [`BitMapBackend`] but lays glyphs out itself (advance, kerning, bearing, subpixel
//! position) and anchors them the way plotters' SVG backend does, so a chart's PNG reads
//! like its SVG. Layout sizes are left to plotters, so both renderings share one layout.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use plotters::backend::BitMapBackend;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind};

use super::FONT;

fn font() -> Option<&'static FontRef<'static>> {
    static F: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    F.get_or_init(|| FontRef::try_from_slice(FONT).ok()).as_ref()
}

/// A bitmap backend drawing into an RGB buffer, with correct glyph placement.
pub(crate) struct PngBackend<'a> {
    inner: BitMapBackend<'a>,
}

impl<'a> PngBackend<'a> {
    /// Draw into `buf` (RGB, `w * h * 3` bytes).
    pub fn with_buffer(buf: &'a mut [u8], size: (u32, u32)) -> Self {
        PngBackend {
            inner: BitMapBackend::with_buffer(buf, size),
        }
    }
}

type Err = <BitMapBackend<'static> as DrawingBackend>::ErrorType;

impl DrawingBackend for PngBackend<'_> {
    type ErrorType = Err;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }
    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Err>> {
        self.inner.ensure_prepared()
    }
    fn present(&mut self) -> Result<(), DrawingErrorKind<Err>> {
        self.inner.present()
    }
    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), DrawingErrorKind<Err>> {
        self.inner.draw_pixel(point, color)
    }
    fn draw_line<S: BackendStyle>(&mut self, from: BackendCoord, to: BackendCoord, style: &S) -> Result<(), DrawingErrorKind<Err>> {
        self.inner.draw_line(from, to, style)
    }
    fn draw_rect<S: BackendStyle>(
        &mut self,
        ul: BackendCoord,
        br: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Err>> {
        self.inner.draw_rect(ul, br, style, fill)
    }
    /// Thick paths segment by segment with round joins: plotters offsets the whole path as one
    /// polygon, which makes spikes where a curve of many short segments turns.
    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Err>> {
        let width = style.stroke_width();
        if width <= 1 || style.color().alpha == 0.0 {
            return self.inner.draw_path(path, style);
        }
        let mut pts: Vec<BackendCoord> = path.into_iter().collect();
        pts.dedup();
        let color = style.color();
        let r = width as f64 / 2.0;
        let dot = (r - 0.5).max(1.0) as u32;
        for seg in pts.windows(2) {
            let (a, b) = (seg[0], seg[1]);
            let (dx, dy) = ((b.0 - a.0) as f64, (b.1 - a.1) as f64);
            let len = dx.hypot(dy);
            let (nx, ny) = (-dy / len * r, dx / len * r);
            let q = |p: BackendCoord, sx: f64, sy: f64| ((p.0 as f64 + sx).round() as i32, (p.1 as f64 + sy).round() as i32);
            self.inner
                .fill_polygon([q(a, nx, ny), q(b, nx, ny), q(b, -nx, -ny), q(a, -nx, -ny)], &color)?;
        }
        match pts.len() {
            0 | 2 => {}
            1 => self.inner.draw_circle(pts[0], dot, &color, true)?,
            n => {
                for &p in &pts[1..n - 1] {
                    self.inner.draw_circle(p, dot, &color, true)?;
                }
            }
        }
        Ok(())
    }
    fn draw_circle<S: BackendStyle>(&mut self, c: BackendCoord, r: u32, style: &S, fill: bool) -> Result<(), DrawingErrorKind<Err>> {
        self.inner.draw_circle(c, r, style, fill)
    }
    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Err>> {
        self.inner.fill_polygon(vert, style)
    }
    fn blit_bitmap(&mut self, pos: BackendCoord, size: (u32, u32), src: &[u8]) -> Result<(), DrawingErrorKind<Err>> {
        self.inner.blit_bitmap(pos, size, src)
    }

    fn draw_text<T: BackendTextStyle>(&mut self, text: &str, style: &T, pos: BackendCoord) -> Result<(), DrawingErrorKind<Err>> {
        let Some(font) = font() else {
            return self.inner.draw_text(text, style, pos);
        };
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let sf = font.as_scaled(PxScale::from(style.size() as f32));
        let mut glyphs = Vec::with_capacity(text.len());
        let mut caret = 0f32;
        let mut prev = None;
        for c in text.chars() {
            let id = sf.glyph_id(c);
            if let Some(p) = prev {
                caret += sf.kern(p, id);
            }
            glyphs.push(id.with_scale_and_position(sf.scale(), point(caret, 0.0)));
            caret += sf.h_advance(id);
            prev = Some(id);
        }
        let dx = match style.anchor().h_pos {
            HPos::Left => 0.0,
            HPos::Center => -caret / 2.0,
            HPos::Right => -caret,
        }
        .round() as i32;
        // Baselines as plotters' SVG backend places them: the top of the tallest glyph, the
        // middle of the x-height, or the bottom of the descenders at the anchor.
        let x_height = font
            .outline_glyph(sf.scaled_glyph('x'))
            .map(|g| -g.px_bounds().min.y)
            .unwrap_or(0.5 * sf.height());
        let base = match style.anchor().v_pos {
            VPos::Top => sf.ascent(),
            VPos::Center => x_height / 2.0,
            VPos::Bottom => sf.descent(),
        }
        .round() as i32;
        let trans = style.transform();
        let (w, h) = self.get_size();
        for g in glyphs {
            let Some(og) = font.outline_glyph(g) else { continue };
            let b = og.px_bounds();
            let (bx, by) = (b.min.x as i32 + dx, b.min.y as i32 + base);
            let mut result = Ok(());
            og.draw(|x, y, cov| {
                if result.is_err() || cov <= 0.0 {
                    return;
                }
                let (tx, ty) = trans.transform(bx + x as i32, by + y as i32);
                let (px, py) = (pos.0 + tx, pos.1 + ty);
                if px >= 0 && py >= 0 && (px as u32) < w && (py as u32) < h {
                    let c = BackendColor {
                        alpha: color.alpha * cov.min(1.0) as f64,
                        rgb: color.rgb,
                    };
                    result = self.inner.draw_pixel((px, py), c);
                }
            });
            result?;
        }
        Ok(())
    }
}
