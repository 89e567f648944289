//! The app's own GIF encoder (Debian 12's GStreamer has none): a stage fed by `appsink`.
//!
//! Each frame gets its own 256-colour palette from NeuQuant (a real quantizer, MIT-licensed
//! `color_quant`), then Floyd–Steinberg dithering maps pixels to it. Delays are in 1/100 s and
//! computed from cumulative timestamps, so rounding never drifts: the file's total duration is
//! the composition's to the centisecond.

use super::EncodeError;
use std::io::Write;

/// NeuQuant learns from every `SAMPLE_FACTOR`-th pixel: 10 is its recommended speed/quality balance.
const SAMPLE_FACTOR: i32 = 10;
/// Palette lookups are cached per 6-bit-per-channel bucket: 2^18 entries, reset every frame.
const LUT_BITS: u32 = 6;
const LUT_EMPTY: u16 = u16::MAX;

/// Maps RGBA frames to palette indices with error diffusion, reusing its buffers between frames.
pub struct Quantizer {
    width: usize,
    height: usize,
    lut: Vec<u16>,
    err_cur: Vec<[i16; 3]>,
    err_next: Vec<[i16; 3]>,
    indices: Vec<u8>,
}

impl Quantizer {
    pub fn new(width: u32, height: u32) -> Self {
        let (width, height) = (width as usize, height as usize);
        Self {
            width,
            height,
            lut: vec![LUT_EMPTY; 1 << (3 * LUT_BITS)],
            err_cur: vec![[0; 3]; width + 2],
            err_next: vec![[0; 3]; width + 2],
            indices: vec![0; width * height],
        }
    }

    /// Returns (palette as RGB triplets, one index per pixel).
    pub fn quantize(&mut self, rgba: &[u8]) -> (Vec<u8>, &[u8]) {
        let nq = color_quant::NeuQuant::new(SAMPLE_FACTOR, 256, rgba);
        let palette = nq.color_map_rgb();
        self.lut.fill(LUT_EMPTY);
        self.err_cur.fill([0; 3]);
        let shift = 8 - LUT_BITS;
        for y in 0..self.height {
            self.err_next.fill([0; 3]);
            let row = &rgba[y * self.width * 4..(y + 1) * self.width * 4];
            for x in 0..self.width {
                let e = self.err_cur[x + 1];
                let px = &row[x * 4..x * 4 + 3];
                let want = [
                    (i16::from(px[0]) + e[0] / 16).clamp(0, 255) as u8,
                    (i16::from(px[1]) + e[1] / 16).clamp(0, 255) as u8,
                    (i16::from(px[2]) + e[2] / 16).clamp(0, 255) as u8,
                ];
                let key = (usize::from(want[0] >> shift) << (2 * LUT_BITS))
                    | (usize::from(want[1] >> shift) << LUT_BITS)
                    | usize::from(want[2] >> shift);
                let mut idx = self.lut[key];
                if idx == LUT_EMPTY {
                    idx = nq.index_of(&[want[0], want[1], want[2], 255]) as u16;
                    self.lut[key] = idx;
                }
                self.indices[y * self.width + x] = idx as u8;
                let got = &palette[usize::from(idx) * 3..usize::from(idx) * 3 + 3];
                // Errors are kept ×16 so the 7/3/5/1 weights stay in integers.
                for c in 0..3 {
                    let err = i16::from(want[c]) - i16::from(got[c]);
                    self.err_cur[x + 2][c] += err * 7;
                    self.err_next[x][c] += err * 3;
                    self.err_next[x + 1][c] += err * 5;
                    self.err_next[x + 2][c] += err;
                }
            }
            std::mem::swap(&mut self.err_cur, &mut self.err_next);
        }
        (palette, &self.indices)
    }
}

/// Centisecond delay of frame `i` at `fps`, so that frame `i` starts at round(100·i/fps).
/// `end_cs` (the total duration in 1/100 s) stretches the last frame to the composition's end.
pub fn frame_delay_cs(i: u64, fps: u32, total_frames: u64, end_cs: Option<u64>) -> u16 {
    let at = |n: u64| (n * 200 / u64::from(fps)).div_ceil(2);
    let end = if i + 1 >= total_frames { end_cs.unwrap_or_else(|| at(i + 1)) } else { at(i + 1) };
    end.saturating_sub(at(i)).clamp(1, u64::from(u16::MAX)) as u16
}

/// Writes an infinitely looping GIF frame by frame.
pub struct GifWriter<W: Write> {
    encoder: gif::Encoder<W>,
    quantizer: Quantizer,
    width: u16,
    height: u16,
}

impl<W: Write> GifWriter<W> {
    /// `width`/`height` must fit GIF's 16-bit fields; the caller checks (see `Encoder::start`).
    pub fn new(out: W, width: u16, height: u16) -> Result<Self, gif::EncodingError> {
        let (w, h) = (width, height);
        let mut encoder = gif::Encoder::new(out, w, h, &[]).map_err(gif::EncodingError::from)?;
        encoder.set_repeat(gif::Repeat::Infinite)?;
        Ok(Self { encoder, quantizer: Quantizer::new(u32::from(width), u32::from(height)), width: w, height: h })
    }

    pub fn write_frame(&mut self, rgba: &[u8], delay_cs: u16) -> Result<(), gif::EncodingError> {
        let (palette, indices) = self.quantizer.quantize(rgba);
        let frame = gif::Frame {
            width: self.width,
            height: self.height,
            delay: delay_cs,
            dispose: gif::DisposalMethod::Keep,
            palette: Some(palette),
            buffer: std::borrow::Cow::Borrowed(indices),
            ..gif::Frame::default()
        };
        self.encoder.write_frame(&frame)
    }

    /// Writes the trailer and hands back the output.
    pub fn finish(self) -> Result<W, gif::EncodingError> {
        Ok(self.encoder.into_inner()?)
    }
}

/// Maps the GIF library's error; I/O errors keep their kind so a full disk is reported as such.
pub fn gif_error(e: gif::EncodingError, dest: &std::path::Path) -> EncodeError {
    match e {
        gif::EncodingError::Io(io) => super::output::classify_io(&io, dest),
        other => EncodeError::Encoder { element: "gif".into(), message: other.to_string() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_add_up_to_the_exact_duration() {
        // 83 frames at 25 fps = 3.32 s, stretched to a 100-frame 30 fps composition (3.33 s).
        let total: u64 = (0..83).map(|i| u64::from(frame_delay_cs(i, 25, 83, Some(333)))).sum();
        assert_eq!(total, 333);
        let total: u64 = (0..30).map(|i| u64::from(frame_delay_cs(i, 15, 30, None))).sum();
        assert_eq!(total, 200);
        // 30 fps cannot be represented exactly: 3/3/4 centiseconds in turn, never drifting.
        let d: Vec<u16> = (0..3).map(|i| frame_delay_cs(i, 30, 3, None)).collect();
        assert_eq!(d.iter().map(|&x| u64::from(x)).sum::<u64>(), 10);
    }

    #[test]
    fn flat_colours_quantize_exactly() {
        let (w, h) = (16u32, 8u32);
        let mut rgba = Vec::new();
        for i in 0..(w * h) {
            let c = if i % 16 < 8 { [200, 30, 40, 255] } else { [10, 120, 250, 255] };
            rgba.extend_from_slice(&c);
        }
        let mut q = Quantizer::new(w, h);
        let (pal, idx) = q.quantize(&rgba);
        for (i, &ix) in idx.iter().enumerate() {
            let got = &pal[usize::from(ix) * 3..usize::from(ix) * 3 + 3];
            let want = &rgba[i * 4..i * 4 + 3];
            for c in 0..3 {
                assert!((i32::from(got[c]) - i32::from(want[c])).abs() <= 4, "pixel {i}: {got:?} vs {want:?}");
            }
        }
    }
}
