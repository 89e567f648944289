//! Converting whole frames of 4-byte pixels (the encoder's tests' RGBA, a WebKit snapshot's
//! BGRA) into the encoder's formats, with the very arithmetic of the render page's converters
//! (`ui/runtime/yuv.js`, `simd.wat`), so a frame made in Rust and one made by the page match.

use super::raw::{I420Layout, PixelFormat, YuvMatrix};

#[cfg(target_arch = "x86_64")]
mod avx2;

/// Converts an opaque RGBA frame to I420 exactly as the render page does (for the encoder's
/// tests and benchmark, which feed I420 without a page).
pub fn rgba_to_i420(rgba: &[u8], width: u32, height: u32, matrix: YuvMatrix) -> Vec<u8> {
    let mut out = vec![0u8; I420Layout::new(width, height).size];
    to_i420_into(rgba, width as usize * 4, Channels::RGBA, width, height, matrix, &mut out);
    out
}

/// Where red, green and blue are in a 4-byte pixel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Channels([usize; 3]);

impl Channels {
    pub const RGBA: Self = Self([0, 1, 2]);
    /// Cairo's ARGB32 on a little-endian machine (a WebKit snapshot): B, G, R, A in memory.
    pub const BGRA: Self = Self([2, 1, 0]);

    /// Bit offsets of red, green and blue in a pixel read as a little-endian u32.
    #[cfg(target_arch = "x86_64")]
    fn shifts(self) -> [u32; 3] {
        self.0.map(|i| i as u32 * 8)
    }
}

/// Converts an opaque 4-byte-per-pixel frame (`stride` bytes from one row to the next) to
/// I420 in `out` (at least [`I420Layout::size`] bytes), with the same arithmetic as the render
/// page. Two rows at a time: 16 pixels a step in AVX2 where the CPU has it, the rest (an odd
/// last row, the last columns) by slices. It runs for every frame the app takes from the render
/// view, on the CPU x264 shares.
pub fn to_i420_into(
    pixels: &[u8],
    stride: usize,
    channels: Channels,
    width: u32,
    height: u32,
    matrix: YuvMatrix,
    out: &mut [u8],
) {
    let l = I420Layout::new(width, height);
    let k = matrix.coefficients();
    let (w, h) = (width as usize, height as usize);
    let (luma, chroma) = out.split_at_mut(l.offset_u);
    let (u_plane, v_plane) = chroma.split_at_mut(l.offset_v - l.offset_u);
    #[cfg(target_arch = "x86_64")]
    let wide = avx2::available();
    for y in (0..h).step_by(2) {
        let top = &pixels[y * stride..y * stride + w * 4];
        // An odd last row pairs with itself (the encoder only takes even sizes).
        let y2 = (y + 1).min(h - 1);
        let bottom = &pixels[y2 * stride..y2 * stride + w * 4];
        let c = (y / 2) * l.stride_c;
        let chroma = (&mut u_plane[c..c + w.div_ceil(2)], &mut v_plane[c..c + w.div_ceil(2)]);
        let rows = &mut luma[y * l.stride_y..];
        let (upper, lower) = rows.split_at_mut(l.stride_y.min(rows.len()));
        let mut lower = if y2 != y { Some(&mut lower[..w]) } else { None };
        let mut done = 0;
        #[cfg(target_arch = "x86_64")]
        if wide {
            if let Some(lower) = lower.as_deref_mut() {
                done = w - w % 16;
                // SAFETY: the CPU has AVX2 (asked above).
                unsafe {
                    avx2::rows(
                        top,
                        bottom,
                        done,
                        channels.shifts(),
                        k,
                        (&mut upper[..], lower),
                        (&mut *chroma.0, &mut *chroma.1),
                    )
                };
            }
        }
        row_pair(top, bottom, done, channels, k, (&mut upper[..w], lower), chroma);
    }
}

/// The scalar loop: two rows' pixels from column `from` (even) on; `lower` is None when the
/// last row of an odd height pairs with itself.
fn row_pair(
    top: &[u8],
    bottom: &[u8],
    from: usize,
    channels: Channels,
    [cy, cu, cv]: [[i32; 3]; 3],
    (upper, lower): (&mut [u8], Option<&mut [u8]>),
    (u_row, v_row): (&mut [u8], &mut [u8]),
) {
    let [r, g, b] = channels.0;
    let y_of = |p: &[u8]| {
        let (pr, pg, pb) = (i32::from(p[r]), i32::from(p[g]), i32::from(p[b]));
        ((((cy[0] * pr + cy[1] * pg + cy[2] * pb) + 32768) >> 16) + 16) as u8
    };
    let (top, bottom) = (&top[from * 4..], &bottom[from * 4..]);
    for (o, p) in upper[from..].iter_mut().zip(top.chunks_exact(4)) {
        *o = y_of(p);
    }
    if let Some(lower) = lower {
        for (o, p) in lower[from..].iter_mut().zip(bottom.chunks_exact(4)) {
            *o = y_of(p);
        }
    }
    let chroma = u_row[from / 2..].iter_mut().zip(v_row[from / 2..].iter_mut());
    for ((t, bt), (u, v)) in top.chunks(8).zip(bottom.chunks(8)).zip(chroma) {
        // Two columns (one at the right edge of an odd width, counted twice).
        let (t2, b2) = (t.get(4..8).unwrap_or(&t[0..4]), bt.get(4..8).unwrap_or(&bt[0..4]));
        let sum = |i: usize| i32::from(t[i]) + i32::from(t2[i]) + i32::from(bt[i]) + i32::from(b2[i]);
        let (sr, sg, sb) = (sum(r), sum(g), sum(b));
        *u = ((((cu[0] * sr + cu[1] * sg + cu[2] * sb) + 131072) >> 18) + 128) as u8;
        *v = ((((cv[0] * sr + cv[1] * sg + cv[2] * sb) + 131072) >> 18) + 128) as u8;
    }
}

/// Writes an opaque 4-byte-per-pixel frame (`stride` bytes a row) into `out` as `format`
/// frames are laid out: converted to I420, or reordered to RGBA with rows packed.
pub fn pixels_into(
    pixels: &[u8],
    stride: usize,
    channels: Channels,
    width: u32,
    height: u32,
    format: PixelFormat,
    out: &mut [u8],
) {
    match format {
        PixelFormat::I420 => {
            to_i420_into(pixels, stride, channels, width, height, YuvMatrix::for_size(width, height), out)
        }
        PixelFormat::Rgba => {
            let [r, g, b] = channels.0;
            let row = width as usize * 4;
            for (o, line) in out.chunks_exact_mut(row).zip(pixels.chunks(stride)).take(height as usize) {
                for (o, p) in o.chunks_exact_mut(4).zip(line[..row].chunks_exact(4)) {
                    o.copy_from_slice(&[p[r], p[g], p[b], 255]);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The converter (its AVX2 steps where the CPU has them, and the scalar rest) against the
    /// arithmetic written out pixel by pixel (as `yuv.js` has it), on noise with black and white
    /// runs, in both channel orders and both matrices, at widths around the 16-pixel steps, odd
    /// sizes, and rows with padding after them.
    #[test]
    fn the_converter_is_the_per_pixel_arithmetic() {
        let mut seed = 7u32;
        let mut noise = || {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            match (seed >> 8) % 16 {
                0 => 0,
                1 => 255,
                _ => (seed >> 16) as u8,
            }
        };
        for (w, h, pad) in [(38, 22, 0), (64, 8, 0), (70, 9, 12), (16, 2, 4), (47, 5, 0), (2, 3, 0), (1920, 4, 0)] {
            let stride = w * 4 + pad;
            let pixels: Vec<u8> = (0..stride * h).map(|_| noise()).collect();
            for (channels, [r, g, b]) in [(Channels::RGBA, [0, 1, 2]), (Channels::BGRA, [2, 1, 0])] {
                for m in [YuvMatrix::Bt709, YuvMatrix::Bt601] {
                    let l = I420Layout::new(w as u32, h as u32);
                    let mut fast = vec![0u8; l.size];
                    to_i420_into(&pixels, stride, channels, w as u32, h as u32, m, &mut fast);
                    let [cy, cu, cv] = m.coefficients();
                    // Past the right or bottom edge, the edge's pixel (as the converters pair it).
                    let px = |x: usize, y: usize| {
                        let i = y.min(h - 1) * stride + x.min(w - 1) * 4;
                        [i32::from(pixels[i + r]), i32::from(pixels[i + g]), i32::from(pixels[i + b])]
                    };
                    let dot = |c: [i32; 3], p: [i32; 3]| c[0] * p[0] + c[1] * p[1] + c[2] * p[2];
                    for y in 0..h {
                        for x in 0..w {
                            let want = (((dot(cy, px(x, y)) + 32768) >> 16) + 16) as u8;
                            assert_eq!(fast[y * l.stride_y + x], want, "Y {x},{y} of {w}×{h}");
                        }
                    }
                    for y in (0..h).step_by(2) {
                        for x in (0..w).step_by(2) {
                            let q = [px(x, y), px(x + 1, y), px(x, y + 1), px(x + 1, y + 1)];
                            let sum = q.iter().fold([0; 3], |a, p| [a[0] + p[0], a[1] + p[1], a[2] + p[2]]);
                            let c = (y / 2) * l.stride_c + x / 2;
                            let (u, v) = (fast[l.offset_u + c], fast[l.offset_v + c]);
                            assert_eq!(u, (((dot(cu, sum) + 131072) >> 18) + 128) as u8, "U {x},{y} of {w}×{h}");
                            assert_eq!(v, (((dot(cv, sum) + 131072) >> 18) + 128) as u8, "V {x},{y} of {w}×{h}");
                        }
                    }
                }
            }
        }
    }

    /// RGBA frames keep their pixels (alpha made opaque) whatever the source's channel order
    /// and row padding.
    #[test]
    fn rgba_frames_are_reordered_rows_packed() {
        let (w, h, stride) = (3usize, 2usize, 16usize);
        let bgra: Vec<u8> = (0..stride * h).map(|i| i as u8).collect();
        let mut out = vec![0u8; w * h * 4];
        pixels_into(&bgra, stride, Channels::BGRA, w as u32, h as u32, PixelFormat::Rgba, &mut out);
        assert_eq!(&out[..8], &[2, 1, 0, 255, 6, 5, 4, 255]);
        assert_eq!(&out[12..16], &[18, 17, 16, 255]);
    }
}
