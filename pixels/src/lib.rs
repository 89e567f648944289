//! Frames as the encoder takes them, and the conversion into them: the I420 layout and matrix
//! GStreamer assumes, and RGBA/BGRA → I420: the product's one converter, so a frame converted
//! anywhere (a canvas band in the frame ring, a DOM picture, a test) is the same.
//!
//! Shared by the app (`bazaar-core`) and the render page's web-process extension
//! (`web-extension/`), which converts canvas bands into the frame ring; hence no dependency on
//! GStreamer or WebKit here.

use serde::Serialize;

#[cfg(target_arch = "x86_64")]
mod avx2;
mod blend;

pub use blend::{blend_rgba, I420Overlay, Layer};

/// How every frame ring's file name in `/dev/shm` starts: the app makes them, the extension
/// maps only these, and the app's sweep of stale rings looks only at these.
pub const FRAME_RING_PREFIX: &str = "bazaar-frames-";

/// Bytes before a frame ring's first frame: a header, then the frames (so each frame starts on
/// a page of its own). The header holds, from byte [`FRAME_RING_PID_AT`], the id of the web
/// process that mapped the ring (a `u32`, native byte order, written once by the extension
/// when it maps the ring): how the app knows which process is the render page's.
pub const FRAME_RING_HEADER_BYTES: usize = 4096;
/// Where the web process's id is in the header (aligned for an atomic `u32`).
pub const FRAME_RING_PID_AT: usize = 0;

/// Where the planes of an I420 frame are: GStreamer's default layout (rows padded to four
/// bytes), which is what the producer must write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct I420Layout {
    pub stride_y: usize,
    pub stride_c: usize,
    pub offset_u: usize,
    pub offset_v: usize,
    pub size: usize,
}

impl I420Layout {
    /// For an even `width`×`height` (the encoder only takes even sizes).
    pub fn new(width: u32, height: u32) -> Self {
        let round4 = |n: usize| (n + 3) & !3;
        let (w, h) = (width as usize, height as usize);
        let stride_y = round4(w);
        let stride_c = round4(w.div_ceil(2));
        let offset_u = stride_y * h;
        let offset_v = offset_u + stride_c * h.div_ceil(2);
        Self { stride_y, stride_c, offset_u, offset_v, size: offset_v + stride_c * h.div_ceil(2) }
    }
}

/// The YUV matrix of an I420 frame. Not chosen here: each output format's profile names its
/// own (`core/src/encode/profile.rs`, the matrix its codec's decoders assume), and every
/// converter takes it from there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum YuvMatrix {
    Bt709,
    Bt601,
}

impl YuvMatrix {
    pub const ALL: [YuvMatrix; 2] = [YuvMatrix::Bt709, YuvMatrix::Bt601];

    /// The matrix's name where frames are named as text (`bt709`, `bt601`): the frame ring's
    /// format as the page hands it to the web-process extension (`i420-bt709`).
    pub fn id(self) -> &'static str {
        match self {
            Self::Bt709 => "bt709",
            Self::Bt601 => "bt601",
        }
    }

    /// (Y, Cb, Cr) coefficients for R, G, B, × 2^16, limited range.
    pub fn coefficients(self) -> [[i32; 3]; 3] {
        match self {
            Self::Bt709 => [[11966, 40254, 4064], [-6596, -22188, 28784], [28784, -26145, -2639]],
            Self::Bt601 => [[16829, 33039, 6416], [-9714, -19070, 28784], [28784, -24103, -4681]],
        }
    }
}

/// Where red, green and blue are in a 4-byte pixel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Channels(pub [usize; 3]);

impl Channels {
    pub const RGBA: Self = Self([0, 1, 2]);
    /// Cairo's ARGB32 on a little-endian machine (a WebKit snapshot): B, G, R, A in memory.
    pub const BGRA: Self = Self([2, 1, 0]);

    /// For the AVX2 loop, which takes green as the second byte and red and blue as the first
    /// and third: whether red is the first (None for any other order).
    #[cfg(target_arch = "x86_64")]
    fn red_low(self) -> Option<bool> {
        match self.0 {
            [0, 1, 2] => Some(true),
            [2, 1, 0] => Some(false),
            _ => None,
        }
    }
}

/// `x / 255` rounded to nearest, exact for `x` up to 255 × 255 (no division in the loop).
#[inline]
fn div255(x: u32) -> u32 {
    let t = x + 128;
    (t + (t >> 8)) >> 8
}

/// Lays straight-alpha 4-byte pixels (alpha the fourth byte, as `getImageData` gives them) over
/// the opaque colour `matte` (red, green, blue) in place: each colour becomes
/// `c·a + m·(255 − a)` over 255, rounded, and alpha 255. What a transparent project becomes in
/// a format without alpha. Opaque pixels are left as they are, so the pass costs little where
/// the page drew solid paint; it runs only for transparent projects.
pub fn flatten_over(pixels: &mut [u8], channels: Channels, matte: [u8; 3]) {
    let [r, g, b] = channels.0;
    let mut m = [0u32; 3];
    for (i, at) in [r, g, b].into_iter().enumerate() {
        m[at] = u32::from(matte[i]);
    }
    for p in pixels.chunks_exact_mut(4) {
        let a = u32::from(p[3]);
        if a == 255 {
            continue;
        }
        for (c, m) in p[..3].iter_mut().zip(m) {
            *c = div255(u32::from(*c) * a + m * (255 - a)) as u8;
        }
        p[3] = 255;
    }
}

/// A premultiplied pixel's colour channel made straight again (`c·255 / a`, rounded, at most
/// 255; 0 where the pixel is fully transparent): a WebKit snapshot is premultiplied, a
/// straight-alpha format's frames are not.
#[inline]
pub fn unpremultiply(c: u8, a: u8) -> u8 {
    if a == 0 {
        return 0;
    }
    let (c, a) = (u32::from(c), u32::from(a));
    ((c * 255 + a / 2) / a).min(255) as u8
}

/// A band of a frame's rows, as opaque 4-byte pixels: `count` rows from row `first`, `stride`
/// bytes from one to the next.
#[derive(Debug, Clone, Copy)]
pub struct Rows<'a> {
    pub pixels: &'a [u8],
    pub stride: usize,
    pub channels: Channels,
    pub first: usize,
    pub count: usize,
}

/// Converts an opaque 4-byte-per-pixel frame (`stride` bytes from one row to the next) to
/// I420 in `out` (at least [`I420Layout::size`] bytes), with the same arithmetic as the render
/// page.
///
/// # Panics
/// If `pixels` holds fewer than `height` rows or `out` is smaller than the frame.
pub fn to_i420_into(
    pixels: &[u8],
    stride: usize,
    channels: Channels,
    width: u32,
    height: u32,
    matrix: YuvMatrix,
    out: &mut [u8],
) {
    let rows = Rows { pixels, stride, channels, first: 0, count: height as usize };
    assert!(i420_rows_into(rows, width, height, matrix, out), "a {width}×{height} frame does not fit");
}

/// Converts a band of a `width`×`height` frame's rows into their place in the I420 frame `out`
/// (its luma rows, and the chroma rows of its pairs of rows). A band starts on an even row and
/// ends on an even row or at the frame's end (an odd last row pairs with itself), so bands of
/// an even number of rows, taken in any order, make the same frame as the whole at once.
/// False, with nothing written, for a band that does not fit: the web-process extension takes
/// its bands from a page.
///
/// Two rows at a time: 16 pixels a step in AVX2 where the CPU has it, the rest (an odd last
/// row, the last columns) by slices. It runs for every canvas frame, on the CPU x264 shares.
pub fn i420_rows_into(rows: Rows, width: u32, height: u32, matrix: YuvMatrix, out: &mut [u8]) -> bool {
    opaque_i420_rows_into(rows, width, height, matrix, out).is_some()
}

/// As [`i420_rows_into`], also saying whether every pixel of the band is opaque (its fourth
/// byte 255), found on the way at almost no cost: None when the band does not fit. For
/// premultiplied pixels (a WebKit canvas read where it lies), which are their straight colours
/// only where opaque.
pub fn opaque_i420_rows_into(rows: Rows, width: u32, height: u32, matrix: YuvMatrix, out: &mut [u8]) -> Option<bool> {
    let l = I420Layout::new(width, height);
    let (w, h) = (width as usize, height as usize);
    let Rows { pixels, stride, channels, first, count } = rows;
    let end = first.checked_add(count);
    let fits = end.is_some_and(|end| end <= h && (end % 2 == 0 || end == h))
        && first % 2 == 0
        && stride >= w * 4
        && (count == 0
            || (count - 1).checked_mul(stride).and_then(|s| s.checked_add(w * 4)).is_some_and(|n| n <= pixels.len()))
        && out.len() >= l.size;
    if !fits {
        return None;
    }
    let mut opaque = true;
    let k = matrix.coefficients();
    let (luma, chroma) = out.split_at_mut(l.offset_u);
    let (u_plane, v_plane) = chroma.split_at_mut(l.offset_v - l.offset_u);
    #[cfg(target_arch = "x86_64")]
    let wide = avx2::available().then(|| channels.red_low()).flatten();
    for r in (0..count).step_by(2) {
        let top = &pixels[r * stride..r * stride + w * 4];
        let r2 = (r + 1).min(count - 1);
        let bottom = &pixels[r2 * stride..r2 * stride + w * 4];
        let y = first + r;
        let c = (y / 2) * l.stride_c;
        let chroma = (&mut u_plane[c..c + w.div_ceil(2)], &mut v_plane[c..c + w.div_ceil(2)]);
        let at = &mut luma[y * l.stride_y..];
        let (upper, lower) = at.split_at_mut(l.stride_y.min(at.len()));
        let mut lower = if r2 != r { Some(&mut lower[..w]) } else { None };
        let mut done = 0;
        #[cfg(target_arch = "x86_64")]
        if let Some(red_low) = wide {
            if let Some(lower) = lower.as_deref_mut() {
                done = w - w % 16;
                // SAFETY: the CPU has AVX2 (asked above).
                opaque &= unsafe {
                    avx2::rows(top, bottom, done, red_low, k, (&mut upper[..], lower), (&mut *chroma.0, &mut *chroma.1))
                };
            }
        }
        row_pair(top, bottom, done, channels, k, (&mut upper[..w], lower), chroma);
        let alpha = |row: &[u8]| row[done * 4..].iter().skip(3).step_by(4).all(|&a| a == 255);
        opaque &= alpha(top) && alpha(bottom);
    }
    Some(opaque)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether a band is opaque, said by the converter on the way: any pixel whose fourth byte
    /// is not 255, in the AVX2 steps or the scalar rest, on either row of a pair, makes it not.
    #[test]
    fn the_converter_says_whether_every_pixel_is_opaque() {
        let (w, h) = (37usize, 5usize);
        let mut pixels: Vec<u8> = (0..w * h * 4).map(|i| if i % 4 == 3 { 255 } else { (i * 7) as u8 }).collect();
        let mut out = vec![0u8; I420Layout::new(w as u32, h as u32).size];
        let convert = |pixels: &[u8], out: &mut [u8]| {
            let rows = Rows { pixels, stride: w * 4, channels: Channels::BGRA, first: 0, count: h };
            opaque_i420_rows_into(rows, w as u32, h as u32, YuvMatrix::Bt709, out)
        };
        assert_eq!(convert(&pixels, &mut out), Some(true));
        let mut whole = vec![0u8; out.len()];
        to_i420_into(&pixels, w * 4, Channels::BGRA, w as u32, h as u32, YuvMatrix::Bt709, &mut whole);
        assert_eq!(out, whole, "the same frame");
        for (x, y) in [(3, 0), (15, 1), (20, 2), (36, 3), (0, 4), (36, 4)] {
            let at = (y * w + x) * 4 + 3;
            pixels[at] = 254;
            assert_eq!(convert(&pixels, &mut out), Some(false), "({x}, {y})");
            pixels[at] = 255;
        }
        let rows = Rows { pixels: &pixels, stride: w * 4, channels: Channels::BGRA, first: 1, count: 2 };
        assert_eq!(
            opaque_i420_rows_into(rows, w as u32, h as u32, YuvMatrix::Bt709, &mut out),
            None,
            "an odd first row"
        );
    }

    /// The converter (its AVX2 steps where the CPU has them, and the scalar rest) against the
    /// arithmetic written out pixel by pixel (the reference), on noise with black and white
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

    /// Bands of an even number of rows (and a last band ending at an odd height) make the very
    /// frame the whole does; a band that does not fit writes nothing.
    #[test]
    fn bands_make_the_whole_frame() {
        for (w, h) in [(70u32, 37u32), (1920, 70), (33, 64)] {
            let pixels: Vec<u8> = (0..w * h * 4).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
            let l = I420Layout::new(w, h);
            let m = YuvMatrix::Bt709;
            let mut whole = vec![0u8; l.size];
            to_i420_into(&pixels, w as usize * 4, Channels::RGBA, w, h, m, &mut whole);
            let mut banded = vec![0u8; l.size];
            let stride = w as usize * 4;
            // Last band first: the order does not matter.
            let starts: Vec<usize> = (0..h as usize).step_by(32).rev().collect();
            for first in starts {
                let count = 32.min(h as usize - first);
                let band = &pixels[first * stride..(first + count) * stride];
                let rows = Rows { pixels: band, stride, channels: Channels::RGBA, first, count };
                assert!(i420_rows_into(rows, w, h, m, &mut banded));
            }
            assert!(whole == banded, "{w}×{h}");
        }
        let (w, h) = (64u32, 64u32);
        let pixels = vec![7u8; 64 * 4 * 8];
        let mut out = vec![0u8; I420Layout::new(w, h).size];
        fn band(first: usize, count: usize, pixels: &[u8]) -> Rows<'_> {
            Rows { pixels, stride: 256, channels: Channels::RGBA, first, count }
        }
        let m = YuvMatrix::Bt601;
        assert!(!i420_rows_into(band(1, 2, &pixels), w, h, m, &mut out), "starts on an odd row");
        assert!(!i420_rows_into(band(0, 3, &pixels), w, h, m, &mut out), "ends on an odd row inside the frame");
        assert!(!i420_rows_into(band(60, 8, &pixels), w, h, m, &mut out), "past the frame's end");
        assert!(!i420_rows_into(band(0, 9, &pixels), w, h, m, &mut out), "more rows than pixels");
        assert!(!i420_rows_into(band(usize::MAX - 1, 4, &pixels), w, h, m, &mut out), "wraps around");
        assert!(!i420_rows_into(band(0, 2, &pixels), w, h, m, &mut out[..100]), "into too small a frame");
        let wide = Rows { pixels: &pixels, stride: usize::MAX / 2, channels: Channels::RGBA, first: 0, count: 4 };
        assert!(!i420_rows_into(wide, w, h, m, &mut out), "rows so far apart that the last is past any memory");
        assert!(out.iter().all(|&b| b == 0), "nothing written by a band that does not fit");
    }

    /// Flattening is the straight-alpha composite over the matte, rounded, for every colour and
    /// alpha, in both channel orders; unpremultiplying undoes WebKit's premultiplication to
    /// within what 8 bits of premultiplied colour hold.
    #[test]
    fn flattening_is_the_composite_over_the_matte() {
        for (channels, order) in [(Channels::RGBA, [0, 1, 2]), (Channels::BGRA, [2, 1, 0])] {
            let matte = [200u8, 17, 90];
            for a in 0..=255u32 {
                let mut px: Vec<u8> = (0..=255u8).flat_map(|c| [c, c, c, a as u8]).collect();
                flatten_over(&mut px, channels, matte);
                for (c, p) in px.chunks_exact(4).enumerate() {
                    for (k, at) in order.into_iter().enumerate() {
                        let want = ((c as f64 * a as f64 + f64::from(matte[k]) * (255 - a) as f64) / 255.0).round();
                        assert_eq!(f64::from(p[at]), want, "c {c} a {a}");
                    }
                    assert_eq!(p[3], 255);
                }
            }
        }
        for a in 1..=255u32 {
            for c in 0..=255u32 {
                let pre = ((c * a + 127) / 255) as u8;
                let back = i32::from(unpremultiply(pre, a as u8));
                assert!((back - c as i32).abs() <= (255 / a as i32 + 1) / 2 + 1, "c {c} a {a}: {back}");
            }
        }
        assert_eq!(unpremultiply(0, 0), 0);
    }
}
