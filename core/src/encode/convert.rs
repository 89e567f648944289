//! Converting whole frames of 4-byte pixels (the encoder's tests' RGBA, a WebKit snapshot's
//! BGRA) into the encoder's formats. The I420 arithmetic is `bazaar_pixels`', shared with the
//! web-process extension and written to match the render page's converters.

use super::raw::{I420Layout, PixelFormat, YuvMatrix};
use bazaar_pixels::unpremultiply;
pub use bazaar_pixels::{to_i420_into, Channels};

/// Converts an opaque RGBA frame to I420 exactly as the render page does (for the encoder's
/// tests and benchmark, which feed I420 without a page).
pub fn rgba_to_i420(rgba: &[u8], width: u32, height: u32, matrix: YuvMatrix) -> Vec<u8> {
    let mut out = vec![0u8; I420Layout::new(width, height).size];
    to_i420_into(rgba, width as usize * 4, Channels::RGBA, width, height, matrix, &mut out);
    out
}

/// Writes a premultiplied 4-byte-per-pixel frame (`stride` bytes a row; a WebKit snapshot)
/// into `out` as `format` frames are laid out: converted to I420 (an opaque frame: a picture
/// of a page with a background), or reordered to RGBA with rows packed and straight alpha (as
/// `getImageData` gives it, and as the formats that keep alpha take it; opaque pixels come out
/// as they were).
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
        PixelFormat::I420(matrix) => to_i420_into(pixels, stride, channels, width, height, matrix, out),
        PixelFormat::Rgba => {
            let [r, g, b] = channels.0;
            let row = width as usize * 4;
            for (o, line) in out.chunks_exact_mut(row).zip(pixels.chunks(stride)).take(height as usize) {
                for (o, p) in o.chunks_exact_mut(4).zip(line[..row].chunks_exact(4)) {
                    let a = p[3];
                    o.copy_from_slice(&[unpremultiply(p[r], a), unpremultiply(p[g], a), unpremultiply(p[b], a), a]);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RGBA frames keep their pixels whatever the source's channel order and row padding, and
    /// their alpha, made straight.
    #[test]
    fn rgba_frames_are_reordered_rows_packed_alpha_straight() {
        let (w, h, stride) = (3usize, 2usize, 16usize);
        let mut bgra: Vec<u8> = (0..stride * h).map(|i| i as u8).collect();
        for p in bgra.chunks_exact_mut(4) {
            p[3] = 255;
        }
        bgra[4..8].copy_from_slice(&[32, 64, 16, 128]);
        bgra[8..12].copy_from_slice(&[9, 9, 9, 0]);
        let mut out = vec![0u8; w * h * 4];
        pixels_into(&bgra, stride, Channels::BGRA, w as u32, h as u32, PixelFormat::Rgba, &mut out);
        assert_eq!(&out[..12], &[2, 1, 0, 255, 32, 128, 64, 128, 0, 0, 0, 0]);
        assert_eq!(&out[12..16], &[18, 17, 16, 255]);
    }
}
