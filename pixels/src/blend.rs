//! A straight-alpha RGBA picture laid over a frame the app made (source-over), in the frame's
//! own format: burned captions over the full-frame clip frames the app decodes itself (the
//! render page draws the caption layer alone; `src-tauri/src/render/caption_layer.rs`).
//!
//! I420: the layer is converted with the converter's own matrix and blended in YUV, where the
//! limited-range matrix is affine, so a blend there is the blend in RGB converted: luma per
//! pixel, and chroma per 2×2 block as the average of the four pixels' blends (the frame's
//! chroma is one value a block, the only thing I420 knows of it). The layer is prepared once
//! ([`I420Overlay::new`]: luma and chroma unrounded, in the converter's 2^16 fixed point, times
//! alpha) and laid over every frame that shows it; each value is rounded once, so an opaque
//! pixel comes out exactly as the converter makes it. RGBA (formats that keep alpha): straight source-over, rounded.

use crate::{I420Layout, YuvMatrix};

/// A straight-alpha RGBA picture (`width`×`height`, rows packed) whose top left is at (`x`, `y`)
/// of the frame.
#[derive(Debug, Clone, Copy)]
pub struct Layer<'a> {
    pub pixels: &'a [u8],
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

impl Layer<'_> {
    /// Whether the picture holds its pixels and lies inside a `width`×`height` frame.
    pub fn fits(&self, width: u32, height: u32) -> bool {
        let inside = |at: u32, len: u32, total: u32| at.checked_add(len).is_some_and(|end| end <= total);
        inside(self.x, self.width, width)
            && inside(self.y, self.height, height)
            && self.pixels.len() == self.width as usize * self.height as usize * 4
    }

    fn alpha_at(&self, x: usize, y: usize) -> Option<&[u8]> {
        let (lx, ly) = (x.checked_sub(self.x as usize)?, y.checked_sub(self.y as usize)?);
        if lx >= self.width as usize || ly >= self.height as usize {
            return None;
        }
        let at = (ly * self.width as usize + lx) * 4;
        Some(&self.pixels[at..at + 4]).filter(|p| p[3] > 0)
    }
}

/// A layer ready to lay over I420 frames of one size and matrix.
#[derive(Debug, Clone, Default)]
pub struct I420Overlay {
    width: u32,
    height: u32,
    /// The layer's rectangle in luma pixels, and in chroma blocks.
    luma: Rect,
    chroma: Rect,
    /// Per luma pixel: the layer's luma above 16 (× 2^16) times alpha; and 255 − alpha.
    y: Vec<(u32, u8)>,
    /// Per chroma block: Σ alpha·(Cb, Cr) of its four pixels (from 128, × 2^16), and
    /// 1020 − Σ alpha (how much of the frame's own chroma stays).
    uv: Vec<(i64, i64, u16)>,
}

#[derive(Debug, Clone, Copy, Default)]
struct Rect {
    x: usize,
    y: usize,
    w: usize,
    h: usize,
}

impl I420Overlay {
    /// `layer` prepared for `width`×`height` frames in `matrix`; None when it does not fit.
    pub fn new(layer: Layer, width: u32, height: u32, matrix: YuvMatrix) -> Option<Self> {
        if !layer.fits(width, height) {
            return None;
        }
        let [cy, cu, cv] = matrix.coefficients();
        let dot = |c: [i32; 3], p: &[u8]| c[0] * i32::from(p[0]) + c[1] * i32::from(p[1]) + c[2] * i32::from(p[2]);
        let luma = Rect { x: layer.x as usize, y: layer.y as usize, w: layer.width as usize, h: layer.height as usize };
        let mut y = Vec::with_capacity(luma.w * luma.h);
        for p in layer.pixels.chunks_exact(4) {
            let a = u32::from(p[3]);
            // At most 255 × 14.4 M: a u32 holds it (luma's coefficients are positive).
            y.push((dot(cy, p) as u32 * a, (255 - a) as u8));
        }
        let (w, h) = (width as usize, height as usize);
        let chroma = if luma.w == 0 || luma.h == 0 {
            Rect::default()
        } else {
            let (x0, y0) = (luma.x / 2, luma.y / 2);
            Rect { x: x0, y: y0, w: (luma.x + luma.w - 1) / 2 + 1 - x0, h: (luma.y + luma.h - 1) / 2 + 1 - y0 }
        };
        let mut uv = Vec::with_capacity(chroma.w * chroma.h);
        for by in chroma.y..chroma.y + chroma.h {
            for bx in chroma.x..chroma.x + chroma.w {
                // The block's four pixels, the frame's last column or row counted twice (as the
                // converter pairs them).
                let (x1, y1) = ((2 * bx + 1).min(w - 1), (2 * by + 1).min(h - 1));
                let (mut su, mut sv, mut sa) = (0, 0, 0);
                for (px, py) in [(2 * bx, 2 * by), (x1, 2 * by), (2 * bx, y1), (x1, y1)] {
                    if let Some(p) = layer.alpha_at(px, py) {
                        let a = i64::from(p[3]);
                        su += i64::from(dot(cu, p)) * a;
                        sv += i64::from(dot(cv, p)) * a;
                        sa += a;
                    }
                }
                uv.push((su, sv, (1020 - sa) as u16));
            }
        }
        Some(Self { width, height, luma, chroma, y, uv })
    }

    /// Lays the layer over `frame` (an I420 frame of the size it was prepared for); false,
    /// with nothing written, when the frame is too small.
    pub fn blend_into(&self, frame: &mut [u8]) -> bool {
        let l = I420Layout::new(self.width, self.height);
        if frame.len() < l.size {
            return false;
        }
        let Rect { x, y, w, h } = self.luma;
        for row in 0..h {
            let out = &mut frame[(y + row) * l.stride_y + x..][..w];
            for (o, &(py, keep)) in out.iter_mut().zip(&self.y[row * w..(row + 1) * w]) {
                if keep == 255 {
                    continue;
                }
                // ((Ys − 16)·a + (Yd − 16)·(255 − a)) / 255 + 16, the numerator × 2^16.
                let num = i64::from(py) + (i64::from(*o) - 16) * 65536 * i64::from(keep);
                *o = ((num + 255 * 32768).div_euclid(255 * 65536) + 16).clamp(0, 255) as u8;
            }
        }
        let Rect { x, y, w, h } = self.chroma;
        for row in 0..h {
            let at = (y + row) * l.stride_c + x;
            let blocks = &self.uv[row * w..(row + 1) * w];
            for (plane, pick) in [(l.offset_u, 0), (l.offset_v, 1)] {
                let out = &mut frame[plane + at..][..w];
                for (o, &(su, sv, keep)) in out.iter_mut().zip(blocks) {
                    if keep == 1020 {
                        continue;
                    }
                    let s = if pick == 0 { su } else { sv };
                    // The four pixels' blends, averaged: (Σ a·C + Cd·(1020 − Σ a)) / 1020.
                    let num = s + (i64::from(*o) - 128) * 65536 * i64::from(keep);
                    *o = ((num + 1020 * 32768).div_euclid(1020 * 65536) + 128).clamp(0, 255) as u8;
                }
            }
        }
        true
    }
}

/// Lays `layer` over `frame`, straight RGBA of `width`×`height` (rows packed), source-over:
/// alpha `a + d·(255 − a)/255`, each colour the alpha-weighted mix, rounded. False, with
/// nothing written, when the layer does not fit the frame.
pub fn blend_rgba(layer: Layer, frame: &mut [u8], width: u32, height: u32) -> bool {
    if !layer.fits(width, height) || frame.len() < width as usize * height as usize * 4 {
        return false;
    }
    let (lw, stride) = (layer.width as usize * 4, width as usize * 4);
    for row in 0..layer.height as usize {
        let src = &layer.pixels[row * lw..(row + 1) * lw];
        let at = (layer.y as usize + row) * stride + layer.x as usize * 4;
        for (d, s) in frame[at..at + lw].chunks_exact_mut(4).zip(src.chunks_exact(4)) {
            let (sa, da) = (u32::from(s[3]), u32::from(d[3]));
            if sa == 0 {
                continue;
            }
            // Both alphas in 255ths of 255: the result's weight, and each side's.
            let (ws, wd) = (sa * 255, da * (255 - sa));
            let total = ws + wd;
            for k in 0..3 {
                d[k] = ((u32::from(s[k]) * ws + u32::from(d[k]) * wd + total / 2) / total) as u8;
            }
            d[3] = ((total + 127) / 255) as u8;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{to_i420_into, Channels};

    fn noise(seed: &mut u32) -> u8 {
        *seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
        (*seed >> 16) as u8
    }

    /// A layer's pixels: noise colours, alphas of every kind (clear, opaque, between).
    fn layer_pixels(w: usize, h: usize, seed: &mut u32) -> Vec<u8> {
        (0..w * h)
            .flat_map(|_| {
                let a = match noise(seed) % 4 {
                    0 => 0,
                    1 => 255,
                    _ => noise(seed),
                };
                [noise(seed), noise(seed), noise(seed), a]
            })
            .collect()
    }

    /// The straightforward reference: the layer laid over the frame's RGB in floating point
    /// (what the page's canvas does), each colour rounded to 8 bits.
    fn over_rgb(layer: &Layer, frame: &[u8], w: usize) -> Vec<u8> {
        let mut out = frame.to_vec();
        for ly in 0..layer.height as usize {
            for lx in 0..layer.width as usize {
                let s = &layer.pixels[(ly * layer.width as usize + lx) * 4..][..4];
                let at = ((layer.y as usize + ly) * w + layer.x as usize + lx) * 4;
                let a = f64::from(s[3]) / 255.0;
                for k in 0..3 {
                    out[at + k] = (f64::from(s[k]) * a + f64::from(frame[at + k]) * (1.0 - a)).round() as u8;
                }
            }
        }
        out
    }

    /// Over I420, the blend is the reference composite converted, within 1 in every plane, on
    /// frames of odd and even sizes, layers at odd places and against the frame's edges; the
    /// frame's colour is the same over each 2×2 block (all an I420 frame says of it), so any
    /// difference is the blend's arithmetic. Clear pixels leave the frame as it was; opaque
    /// ones make exactly what the converter makes.
    #[test]
    fn i420_blend_is_the_composite_converted() {
        let mut seed = 11;
        for (w, h, rect) in
            [(40u32, 30u32, (3u32, 5u32, 21u32, 11u32)), (37, 23, (0, 0, 37, 23)), (38, 21, (17, 8, 21, 13))]
        {
            for m in YuvMatrix::ALL {
                let (wu, hu) = (w as usize, h as usize);
                let mut frame_rgb = vec![255u8; wu * hu * 4];
                for by in (0..hu).step_by(2) {
                    for bx in (0..wu).step_by(2) {
                        let c = [noise(&mut seed), noise(&mut seed), noise(&mut seed)];
                        for (x, y) in [(bx, by), (bx + 1, by), (bx, by + 1), (bx + 1, by + 1)] {
                            if x < wu && y < hu {
                                frame_rgb[(y * wu + x) * 4..][..3].copy_from_slice(&c);
                            }
                        }
                    }
                }
                let pixels = layer_pixels(rect.2 as usize, rect.3 as usize, &mut seed);
                let layer = Layer { pixels: &pixels, x: rect.0, y: rect.1, width: rect.2, height: rect.3 };
                let l = I420Layout::new(w, h);
                let convert = |rgb: &[u8]| {
                    let mut out = vec![0u8; l.size];
                    to_i420_into(rgb, wu * 4, Channels::RGBA, w, h, m, &mut out);
                    out
                };
                let want = convert(&over_rgb(&layer, &frame_rgb, wu));
                let mut got = convert(&frame_rgb);
                let overlay = I420Overlay::new(layer, w, h, m).unwrap();
                assert!(overlay.blend_into(&mut got));
                let worst = want.iter().zip(&got).map(|(a, b)| (i32::from(*a) - i32::from(*b)).abs()).max();
                assert!(worst <= Some(1), "{w}×{h} {m:?}: off by {worst:?}");

                let clear = vec![0u8; pixels.len()];
                let before = convert(&frame_rgb);
                let mut same = before.clone();
                I420Overlay::new(Layer { pixels: &clear, ..layer }, w, h, m).unwrap().blend_into(&mut same);
                assert!(same == before, "a clear layer changes nothing");
                let opaque: Vec<u8> = pixels.chunks(4).flat_map(|p| [p[0], p[1], p[2], 255]).collect();
                let solid = Layer { pixels: &opaque, ..layer };
                let mut exact = convert(&frame_rgb);
                I420Overlay::new(solid, w, h, m).unwrap().blend_into(&mut exact);
                let mut covered = frame_rgb.clone();
                for ly in 0..rect.3 as usize {
                    let at = ((rect.1 as usize + ly) * wu + rect.0 as usize) * 4;
                    covered[at..at + rect.2 as usize * 4]
                        .copy_from_slice(&opaque[ly * rect.2 as usize * 4..][..rect.2 as usize * 4]);
                }
                let ys = l.offset_u;
                assert!(exact[..ys] == convert(&covered)[..ys], "opaque luma is the converter's");
            }
        }
    }

    /// Over RGBA, straight source-over against the formula in floating point, within 1 (alpha
    /// and colour), over opaque and transparent frames alike.
    #[test]
    fn rgba_blend_is_straight_source_over() {
        let mut seed = 5;
        let (w, h) = (9u32, 7u32);
        let mut frame: Vec<u8> = layer_pixels(9, 7, &mut seed);
        for p in frame.chunks_mut(8) {
            p[3] = 255; // every other pixel opaque, the rest any alpha
        }
        let pixels = layer_pixels(4, 5, &mut seed);
        let layer = Layer { pixels: &pixels, x: 5, y: 2, width: 4, height: 5 };
        let mut got = frame.clone();
        assert!(blend_rgba(layer, &mut got, w, h));
        for y in 0..h as usize {
            for x in 0..w as usize {
                let at = (y * w as usize + x) * 4;
                let (d, g) = (&frame[at..at + 4], &got[at..at + 4]);
                let inside = x >= 5 && (2..7).contains(&y);
                let s = if inside { &pixels[((y - 2) * 4 + x - 5) * 4..][..4] } else { &[0u8; 4][..] };
                let (sa, da) = (f64::from(s[3]) / 255.0, f64::from(d[3]) / 255.0);
                let oa = sa + da * (1.0 - sa);
                assert!((f64::from(g[3]) - oa * 255.0).abs() <= 1.0, "alpha at {x},{y}");
                if oa > 0.0 && s[3] > 0 {
                    for k in 0..3 {
                        let c = (f64::from(s[k]) * sa + f64::from(d[k]) * da * (1.0 - sa)) / oa;
                        assert!((f64::from(g[k]) - c).abs() <= 1.0, "colour {k} at {x},{y}: {g:?} for {c}");
                    }
                } else {
                    assert_eq!(g, d, "untouched at {x},{y}");
                }
            }
        }
        let outside = Layer { x: 6, ..layer };
        assert!(!blend_rgba(outside, &mut got, w, h), "a layer past the frame's edge");
        assert!(I420Overlay::new(outside, w + 1, h + 1, YuvMatrix::Bt709).is_some());
        assert!(I420Overlay::new(Layer { pixels: &pixels[4..], ..layer }, 10, 8, YuvMatrix::Bt709).is_none());
    }
}
