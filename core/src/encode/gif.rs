//! The app's own GIF encoder (Debian 12's GStreamer has none): a stage fed by `appsink`.
//!
//! Each frame gets its own palette. A frame with at most 256 colours (flat motion graphics
//! often are) is stored exactly; one with a few thousand gets a palette refined by weighted
//! k-means over its colour histogram (no dithering needed: every colour maps to its nearest);
//! otherwise NeuQuant (a real quantizer, MIT-licensed
//! `color_quant`) learns 256 colours and Floyd–Steinberg dithering maps pixels to them. LZW
//! compression runs on a thread of its own, so quantizing frame N+1 overlaps compressing frame
//! N. Delays are in 1/100 s and computed from cumulative timestamps, so rounding never drifts:
//! the file's total duration is the composition's to the centisecond.

use super::EncodeError;
use std::io::Write;

/// NeuQuant learns from every `SAMPLE_FACTOR`-th pixel. Its recommended 10 made training the
/// bottleneck (26 fps at 960×540 on two cores); 30 runs at 60 fps with the same PSNR on the
/// benchmark frames (BENCHMARKS.md).
const SAMPLE_FACTOR: i32 = 30;
/// Frames with at most this many distinct colours use the histogram k-means palette.
const HISTOGRAM_LIMIT: usize = 4096;
const KMEANS_ROUNDS: usize = 4;
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

    /// Quantizes an image of `width`×`height` (a whole frame or the part that changed), growing
    /// the buffers if needed. Returns (palette as RGB triplets, one index per pixel).
    pub fn quantize_region(&mut self, rgba: &[u8], width: usize, height: usize) -> (Vec<u8>, &[u8]) {
        self.width = width;
        self.height = height;
        if self.err_cur.len() < width + 2 {
            self.err_cur.resize(width + 2, [0; 3]);
            self.err_next.resize(width + 2, [0; 3]);
        }
        self.indices.resize(width * height, 0);
        self.quantize(rgba)
    }

    /// Returns (palette as RGB triplets, one index per pixel).
    pub fn quantize(&mut self, rgba: &[u8]) -> (Vec<u8>, &[u8]) {
        if let Some(palette) = self.exact(rgba) {
            return (palette, &self.indices);
        }
        if let Some(palette) = self.clustered(rgba) {
            return (palette, &self.indices);
        }
        let nq = color_quant::NeuQuant::new(SAMPLE_FACTOR, 256, rgba);
        let palette = nq.color_map_rgb();
        self.lut.fill(LUT_EMPTY);
        self.err_cur[..self.width + 2].fill([0; 3]);
        let shift = 8 - LUT_BITS;
        for y in 0..self.height {
            self.err_next[..self.width + 2].fill([0; 3]);
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

    /// For frames with a few thousand colours: k-means over the colour histogram, seeded with the
    /// 256 most frequent colours, then every pixel maps to its colour's nearest centre.
    fn clustered(&mut self, rgba: &[u8]) -> Option<Vec<u8>> {
        let mut hist: std::collections::HashMap<u32, u32> = std::collections::HashMap::with_capacity(HISTOGRAM_LIMIT);
        for px in rgba.chunks_exact(4) {
            let key = u32::from(px[0]) << 16 | u32::from(px[1]) << 8 | u32::from(px[2]);
            *hist.entry(key).or_insert(0) += 1;
            if hist.len() > HISTOGRAM_LIMIT {
                return None;
            }
        }
        let mut colours: Vec<(u32, u32)> = hist.into_iter().collect();
        colours.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let rgb = |k: u32| [(k >> 16) as i32, ((k >> 8) & 255) as i32, (k & 255) as i32];
        let mut centres: Vec<[f64; 3]> = colours.iter().take(256).map(|&(k, _)| rgb(k).map(f64::from)).collect();
        let mut assign = vec![0u8; colours.len()];
        for round in 0..=KMEANS_ROUNDS {
            for (a, &(k, _)) in assign.iter_mut().zip(&colours) {
                let c = rgb(k).map(f64::from);
                let mut best = (f64::INFINITY, 0usize);
                for (j, m) in centres.iter().enumerate() {
                    let d = (c[0] - m[0]).powi(2) + (c[1] - m[1]).powi(2) + (c[2] - m[2]).powi(2);
                    if d < best.0 {
                        best = (d, j);
                    }
                }
                *a = best.1 as u8;
            }
            if round == KMEANS_ROUNDS {
                break;
            }
            let mut sums = vec![[0f64; 4]; centres.len()];
            for (&a, &(k, n)) in assign.iter().zip(&colours) {
                let c = rgb(k);
                let s = &mut sums[usize::from(a)];
                for i in 0..3 {
                    s[i] += f64::from(c[i]) * f64::from(n);
                }
                s[3] += f64::from(n);
            }
            for (m, s) in centres.iter_mut().zip(&sums) {
                if s[3] > 0.0 {
                    *m = [s[0] / s[3], s[1] / s[3], s[2] / s[3]];
                }
            }
        }
        let lookup: std::collections::HashMap<u32, u8> =
            colours.iter().zip(&assign).map(|(&(k, _), &a)| (k, a)).collect();
        let (mut last_key, mut last_idx) = (u32::MAX, 0u8);
        for (i, px) in rgba.chunks_exact(4).enumerate() {
            let key = u32::from(px[0]) << 16 | u32::from(px[1]) << 8 | u32::from(px[2]);
            if key != last_key {
                last_idx = lookup.get(&key).copied().unwrap_or(0);
                last_key = key;
            }
            self.indices[i] = last_idx;
        }
        Some(centres.iter().flat_map(|m| m.map(|v| v.round().clamp(0.0, 255.0) as u8)).collect())
    }

    /// If the frame has at most 256 distinct colours, indexes it losslessly and returns the
    /// palette. Gives up (cheaply) at the 257th colour.
    fn exact(&mut self, rgba: &[u8]) -> Option<Vec<u8>> {
        // Open addressing over 1024 slots: at most 256 entries, so probes stay short.
        const SLOTS: usize = 1024;
        let mut keys = [u32::MAX; SLOTS];
        let mut vals = [0u8; SLOTS];
        let mut palette = Vec::with_capacity(256 * 3);
        let (mut last_key, mut last_idx) = (u32::MAX, 0u8);
        for (i, px) in rgba.chunks_exact(4).enumerate() {
            let key = u32::from(px[0]) << 16 | u32::from(px[1]) << 8 | u32::from(px[2]);
            if key != last_key {
                let mut slot = (key.wrapping_mul(0x9E37_79B1) >> 22) as usize;
                loop {
                    if keys[slot] == key {
                        last_idx = vals[slot];
                        break;
                    }
                    if keys[slot] == u32::MAX {
                        let n = palette.len() / 3;
                        if n == 256 {
                            return None;
                        }
                        keys[slot] = key;
                        vals[slot] = n as u8;
                        palette.extend_from_slice(&px[..3]);
                        last_idx = n as u8;
                        break;
                    }
                    slot = (slot + 1) % SLOTS;
                }
                last_key = key;
            }
            self.indices[i] = last_idx;
        }
        Some(palette)
    }
}

/// Centisecond delay of frame `i` at `fps`, so that frame `i` starts at round(100·i/fps).
/// `end_cs` (the total duration in 1/100 s) stretches the last frame to the composition's end.
pub fn frame_delay_cs(i: u64, fps: u32, total_frames: u64, end_cs: Option<u64>) -> u16 {
    let at = |n: u64| (n * 200 / u64::from(fps)).div_ceil(2);
    let end = if i + 1 >= total_frames { end_cs.unwrap_or_else(|| at(i + 1)) } else { at(i + 1) };
    end.saturating_sub(at(i)).clamp(1, u64::from(u16::MAX)) as u16
}

/// A quantized frame on its way to the LZW thread.
struct Quantized {
    palette: Vec<u8>,
    indices: Vec<u8>,
    delay: u16,
    /// The rectangle this frame replaces (left, top, width, height); the rest stays as it was.
    rect: (u16, u16, u16, u16),
    /// Palette index drawn as transparent (an unchanged frame is one transparent pixel).
    transparent: Option<u8>,
}

/// Writes a GIF frame by frame (looping `loops` more times after the first, 0 = forever): quantizing on the caller's thread, LZW
/// compression and writing on a thread of its own (at most two frames queued between them).
/// Only the rectangle that changed since the previous frame is stored (motion graphics often
/// keep a still background), which keeps files small.
pub struct GifWriter<W: Write + Send + 'static> {
    quantizer: Quantizer,
    width: usize,
    height: usize,
    /// The previous source frame, to find what changed.
    previous: Option<Vec<u8>>,
    region: Vec<u8>,
    frames: Option<std::sync::mpsc::SyncSender<Quantized>>,
    thread: Option<std::thread::JoinHandle<Result<W, gif::EncodingError>>>,
}

impl<W: Write + Send + 'static> GifWriter<W> {
    /// `width`/`height` must fit GIF's 16-bit fields; the caller checks (see `Encoder::start`).
    pub fn new(out: W, width: u16, height: u16, loops: u16) -> Result<Self, gif::EncodingError> {
        let mut encoder = gif::Encoder::new(out, width, height, &[])?;
        encoder.set_repeat(if loops == 0 { gif::Repeat::Infinite } else { gif::Repeat::Finite(loops) })?;
        let (tx, rx) = std::sync::mpsc::sync_channel::<Quantized>(2);
        let thread = std::thread::Builder::new()
            .name("bazaar-gif-lzw".into())
            .spawn(move || {
                for q in rx {
                    let frame = gif::Frame {
                        left: q.rect.0,
                        top: q.rect.1,
                        width: q.rect.2,
                        height: q.rect.3,
                        transparent: q.transparent,
                        delay: q.delay,
                        dispose: gif::DisposalMethod::Keep,
                        palette: Some(q.palette),
                        buffer: std::borrow::Cow::Owned(q.indices),
                        ..gif::Frame::default()
                    };
                    encoder.write_frame(&frame)?;
                }
                encoder.into_inner()
            })
            .map_err(gif::EncodingError::Io)?;
        Ok(Self {
            quantizer: Quantizer::new(u32::from(width), u32::from(height)),
            width: usize::from(width),
            height: usize::from(height),
            previous: None,
            region: Vec::new(),
            frames: Some(tx),
            thread: Some(thread),
        })
    }

    pub fn write_frame(&mut self, rgba: &[u8], delay_cs: u16) -> Result<(), gif::EncodingError> {
        let (w, h) = (self.width, self.height);
        let rect = match &self.previous {
            None => Some((0, 0, w, h)),
            Some(prev) => changed_rect(prev, rgba, w, h),
        };
        let q = match rect {
            // Nothing changed: one transparent pixel carries the delay.
            None => Quantized {
                palette: vec![0, 0, 0],
                indices: vec![0],
                delay: delay_cs,
                rect: (0, 0, 1, 1),
                transparent: Some(0),
            },
            Some((x, y, rw, rh)) => {
                let (palette, indices) = if (rw, rh) == (w, h) {
                    self.quantizer.quantize_region(rgba, w, h)
                } else {
                    self.region.clear();
                    for row in y..y + rh {
                        self.region.extend_from_slice(&rgba[(row * w + x) * 4..(row * w + x + rw) * 4]);
                    }
                    self.quantizer.quantize_region(&self.region, rw, rh)
                };
                Quantized {
                    palette,
                    indices: indices.to_vec(),
                    delay: delay_cs,
                    rect: (x as u16, y as u16, rw as u16, rh as u16),
                    transparent: None,
                }
            }
        };
        match &mut self.previous {
            Some(prev) => prev.copy_from_slice(rgba),
            None => self.previous = Some(rgba.to_vec()),
        }
        let sent = self.frames.as_ref().map(|tx| tx.send(q).is_ok()).unwrap_or(false);
        if !sent {
            // The LZW thread stopped: its error explains why.
            return Err(self.join().err().unwrap_or_else(|| stopped("the GIF writer stopped")));
        }
        Ok(())
    }

    /// Writes the trailer and hands back the output.
    pub fn finish(mut self) -> Result<W, gif::EncodingError> {
        self.join()
    }

    fn join(&mut self) -> Result<W, gif::EncodingError> {
        self.frames = None; // closes the channel: the thread finishes the file
        match self.thread.take() {
            Some(t) => t.join().unwrap_or_else(|_| Err(stopped("the GIF writer thread failed"))),
            None => Err(stopped("the GIF writer was already finished")),
        }
    }
}

/// The smallest rectangle (x, y, width, height) holding every pixel that differs, or None.
fn changed_rect(prev: &[u8], cur: &[u8], w: usize, h: usize) -> Option<(usize, usize, usize, usize)> {
    let row_differs = |y: usize| prev[y * w * 4..(y + 1) * w * 4] != cur[y * w * 4..(y + 1) * w * 4];
    let top = (0..h).find(|&y| row_differs(y))?;
    let bottom = (top..h).rev().find(|&y| row_differs(y)).unwrap_or(top);
    let (mut left, mut right) = (w, 0);
    for y in top..=bottom {
        let (a, b) = (&prev[y * w * 4..(y + 1) * w * 4], &cur[y * w * 4..(y + 1) * w * 4]);
        if let Some(l) = (0..left.min(w)).find(|&x| a[x * 4..x * 4 + 4] != b[x * 4..x * 4 + 4]) {
            left = l;
        }
        if let Some(r) = (right..w).rev().find(|&x| a[x * 4..x * 4 + 4] != b[x * 4..x * 4 + 4]) {
            right = r;
        }
    }
    Some((left, top, right + 1 - left, bottom + 1 - top))
}

fn stopped(message: &str) -> gif::EncodingError {
    gif::EncodingError::Io(std::io::Error::other(message.to_string()))
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
