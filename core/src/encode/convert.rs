//! Converting whole frames of 4-byte pixels (the encoder's tests' RGBA, a WebKit snapshot's
//! BGRA) into the encoder's formats, with the very arithmetic of the render page's converters
//! (`ui/runtime/yuv.js`, `simd.wat`), so a frame made in Rust and one made by the page match.

use super::raw::{I420Layout, PixelFormat, YuvMatrix};

/// Converts an opaque RGBA frame to I420 exactly as the render page does (for the encoder's
/// tests and benchmark, which feed I420 without a page).
pub fn rgba_to_i420(rgba: &[u8], width: u32, height: u32, matrix: YuvMatrix) -> Vec<u8> {
    let mut out = vec![0u8; I420Layout::new(width, height).size];
    to_i420_into(rgba, Channels::RGBA, width, height, matrix, &mut out);
    out
}

/// Where red, green and blue are in a 4-byte pixel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Channels([usize; 3]);

impl Channels {
    pub const RGBA: Self = Self([0, 1, 2]);
    /// Cairo's ARGB32 on a little-endian machine (a WebKit snapshot): B, G, R, A in memory.
    pub const BGRA: Self = Self([2, 1, 0]);
}

/// Converts an opaque 4-byte-per-pixel frame (rows packed) to I420 in `out` (at least
/// [`I420Layout::size`] bytes), with the same arithmetic as the render page. Two rows at a time,
/// by slices (no per-pixel index arithmetic or bounds checks in the inner loop): it runs for
/// every frame of a DOM scene, on the CPU x264 shares.
pub fn to_i420_into(pixels: &[u8], channels: Channels, width: u32, height: u32, matrix: YuvMatrix, out: &mut [u8]) {
    let l = I420Layout::new(width, height);
    let [cy, cu, cv] = matrix.coefficients();
    let (w, h) = (width as usize, height as usize);
    let [r, g, b] = channels.0;
    let (luma, chroma) = out.split_at_mut(l.offset_u);
    let (u_plane, v_plane) = chroma.split_at_mut(l.offset_v - l.offset_u);
    let y_of = |p: &[u8]| {
        let (pr, pg, pb) = (i32::from(p[r]), i32::from(p[g]), i32::from(p[b]));
        ((((cy[0] * pr + cy[1] * pg + cy[2] * pb) + 32768) >> 16) + 16) as u8
    };
    for y in (0..h).step_by(2) {
        let top = &pixels[y * w * 4..(y + 1) * w * 4];
        // An odd last row pairs with itself (the encoder only takes even sizes).
        let y2 = (y + 1).min(h - 1);
        let bottom = &pixels[y2 * w * 4..(y2 + 1) * w * 4];
        for (x, p) in top.chunks_exact(4).enumerate() {
            luma[y * l.stride_y + x] = y_of(p);
        }
        if y2 != y {
            for (x, p) in bottom.chunks_exact(4).enumerate() {
                luma[y2 * l.stride_y + x] = y_of(p);
            }
        }
        let c = (y / 2) * l.stride_c;
        let (u_row, v_row) = (&mut u_plane[c..c + w.div_ceil(2)], &mut v_plane[c..c + w.div_ceil(2)]);
        for (k, (t, bt)) in top.chunks(8).zip(bottom.chunks(8)).enumerate() {
            // Two columns (one at the right edge of an odd width, counted twice).
            let (t2, b2) = (t.get(4..8).unwrap_or(&t[0..4]), bt.get(4..8).unwrap_or(&bt[0..4]));
            let sum = |i: usize| i32::from(t[i]) + i32::from(t2[i]) + i32::from(bt[i]) + i32::from(b2[i]);
            let (sr, sg, sb) = (sum(r), sum(g), sum(b));
            u_row[k] = ((((cu[0] * sr + cu[1] * sg + cu[2] * sb) + 131072) >> 18) + 128) as u8;
            v_row[k] = ((((cv[0] * sr + cv[1] * sg + cv[2] * sb) + 131072) >> 18) + 128) as u8;
        }
    }
}

/// Writes an opaque 4-byte-per-pixel frame (rows packed) into `out` as `format` frames are
/// laid out: converted to I420, or reordered to RGBA.
pub fn pixels_into(pixels: &[u8], channels: Channels, width: u32, height: u32, format: PixelFormat, out: &mut [u8]) {
    match format {
        PixelFormat::I420 => to_i420_into(pixels, channels, width, height, YuvMatrix::for_size(width, height), out),
        PixelFormat::Rgba => {
            let [r, g, b] = channels.0;
            for (o, p) in out.chunks_exact_mut(4).zip(pixels.chunks_exact(4)) {
                o.copy_from_slice(&[p[r], p[g], p[b], 255]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The converter against the arithmetic written out pixel by pixel (as `yuv.js` has it),
    /// on noise, in both channel orders.
    #[test]
    fn the_converter_is_the_per_pixel_arithmetic() {
        let (w, h) = (38usize, 22usize);
        let mut seed = 7u32;
        let pixels: Vec<u8> = (0..w * h * 4)
            .map(|_| {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (seed >> 16) as u8
            })
            .collect();
        for (channels, [r, g, b]) in [(Channels::RGBA, [0, 1, 2]), (Channels::BGRA, [2, 1, 0])] {
            let m = YuvMatrix::Bt709;
            let l = I420Layout::new(w as u32, h as u32);
            let mut fast = vec![0u8; l.size];
            to_i420_into(&pixels, channels, w as u32, h as u32, m, &mut fast);
            let [cy, cu, cv] = m.coefficients();
            let px = |x: usize, y: usize| {
                let i = (y * w + x) * 4;
                [i32::from(pixels[i + r]), i32::from(pixels[i + g]), i32::from(pixels[i + b])]
            };
            let dot = |c: [i32; 3], p: [i32; 3]| c[0] * p[0] + c[1] * p[1] + c[2] * p[2];
            for y in 0..h {
                for x in 0..w {
                    assert_eq!(fast[y * l.stride_y + x], (((dot(cy, px(x, y)) + 32768) >> 16) + 16) as u8, "Y {x},{y}");
                }
            }
            for y in (0..h).step_by(2) {
                for x in (0..w).step_by(2) {
                    let q = [px(x, y), px(x + 1, y), px(x, y + 1), px(x + 1, y + 1)];
                    let sum = q.iter().fold([0; 3], |a, p| [a[0] + p[0], a[1] + p[1], a[2] + p[2]]);
                    let c = (y / 2) * l.stride_c + x / 2;
                    assert_eq!(fast[l.offset_u + c], (((dot(cu, sum) + 131072) >> 18) + 128) as u8, "U {x},{y}");
                    assert_eq!(fast[l.offset_v + c], (((dot(cv, sum) + 131072) >> 18) + 128) as u8, "V {x},{y}");
                }
            }
        }
    }
}
