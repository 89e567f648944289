//! What audio-reactive compositions receive: for each output frame, the level of the final mix
//! during that frame and the magnitudes of a fixed window centred on it. Computed here from the
//! very samples that are encoded, so it is deterministic (no Web Audio analyser, no clock).

use super::CHANNELS;
use rustfft::num_complex::Complex;
use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// The analysis window, in mix frames (≈ 43 ms at 48 kHz), Hann-shaped.
pub const WINDOW: usize = 2048;
/// Magnitudes per frame: bin k is centred on k × 48000 / 2048 Hz (≈ 23.4 Hz apart).
pub const SPECTRUM_BINS: usize = WINDOW / 2;
/// One frame's figures: `[level, magnitude 0, …, magnitude 1023]`.
pub type FrameAudio = Vec<f32>;
/// Frames the mixer may analyse ahead of the render page.
const AHEAD: usize = 120;

/// Turns the mix, frame by frame, into [`FrameAudio`].
pub struct Analyser {
    fft: Arc<dyn rustfft::Fft<f32>>,
    window: Vec<f32>,
    /// The mix in mono, from mix frame `base` on.
    history: VecDeque<f32>,
    base: u64,
    buffer: Vec<Complex<f32>>,
}

impl Default for Analyser {
    fn default() -> Self {
        let fft = rustfft::FftPlanner::new().plan_fft_forward(WINDOW);
        let window = (0..WINDOW)
            .map(|i| (0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / WINDOW as f64).cos()) as f32)
            .collect();
        Self { fft, window, history: VecDeque::new(), base: 0, buffer: vec![Complex::default(); WINDOW] }
    }
}

impl Analyser {
    /// Adds mixed samples (interleaved stereo) that follow the ones before.
    pub fn push(&mut self, stereo: &[f32]) {
        self.history.extend(stereo.chunks_exact(CHANNELS).map(|f| f.iter().sum::<f32>() / CHANNELS as f32));
    }

    /// The mix frames it holds: `[base, end)`.
    pub fn end(&self) -> u64 {
        self.base + self.history.len() as u64
    }

    /// The mix frame up to which samples are needed to analyse a frame spanning `[a, b)`.
    pub fn needs(a: u64, b: u64) -> u64 {
        (a + b) / 2 + (WINDOW / 2) as u64
    }

    /// The figures of the output frame spanning mix frames `[a, b)`: its RMS level (of the mix in
    /// mono, 0–1) and the magnitudes of the window centred on it (a full-scale
    /// sine reads ≈ 1 in its bin). Samples outside the mix count as silence. Forgets what no
    /// later frame needs.
    pub fn frame(&mut self, a: u64, b: u64) -> FrameAudio {
        let sample = |h: &VecDeque<f32>, i: i64| -> f32 {
            let k = i - self.base as i64;
            if k < 0 {
                0.0
            } else {
                h.get(k as usize).copied().unwrap_or(0.0)
            }
        };
        let mut sum = 0.0f64;
        for i in a..b {
            let s = sample(&self.history, i as i64);
            sum += f64::from(s) * f64::from(s);
        }
        let level = if b > a { ((sum / (b - a) as f64).sqrt() as f32).min(1.0) } else { 0.0 };
        let start = ((a + b) / 2) as i64 - (WINDOW / 2) as i64;
        for (k, c) in self.buffer.iter_mut().enumerate() {
            *c = Complex::new(sample(&self.history, start + k as i64) * self.window[k], 0.0);
        }
        self.fft.process(&mut self.buffer);
        let scale = 4.0 / WINDOW as f32; // 2 / (the window's sum, WINDOW / 2)
        let mut out = Vec::with_capacity(1 + SPECTRUM_BINS);
        out.push(level);
        out.extend(self.buffer[..SPECTRUM_BINS].iter().map(|c| c.norm() * scale));
        let keep_from = start.max(0) as u64;
        while self.base < keep_from && self.history.pop_front().is_some() {
            self.base += 1;
        }
        out
    }
}

/// Frame figures on their way from the mixer to the render page, in order, at most
/// [`AHEAD`] frames ahead of the page so memory stays flat.
#[derive(Clone, Default)]
pub struct AnalysisQueue {
    inner: Arc<(Mutex<QueueState>, Condvar)>,
}

#[derive(Default)]
struct QueueState {
    frames: VecDeque<FrameAudio>,
    /// The output frame `frames[0]` belongs to.
    first: u64,
    /// The mixer stopped: `Some(None)` after the last frame, `Some(Some(why))` on failure.
    ended: Option<Option<String>>,
    /// The page went away: pushes return at once.
    closed: bool,
    /// The sound the mixer is decoding (its JSON path and file), to name it if it is slow.
    decoding: Option<String>,
}

impl AnalysisQueue {
    /// Adds the next frame's figures; waits while the page is far enough behind. `false`
    /// when nobody will read them any more.
    pub fn push(&self, frame: FrameAudio) -> bool {
        let (lock, cond) = &*self.inner;
        let Ok(mut q) = lock.lock() else { return false };
        while q.frames.len() >= AHEAD && !q.closed {
            q = match cond.wait_timeout(q, Duration::from_millis(100)) {
                Ok((q, _)) => q,
                Err(_) => return false,
            };
        }
        if q.closed {
            return false;
        }
        q.frames.push_back(frame);
        cond.notify_all();
        true
    }

    /// The mixer is done (`None`) or failed (`Some(why)`).
    pub fn end(&self, failure: Option<String>) {
        let (lock, cond) = &*self.inner;
        if let Ok(mut q) = lock.lock() {
            q.ended = Some(failure);
            cond.notify_all();
        }
    }

    /// The mixer is decoding `what` (`None`: between blocks), named if the page waits too long.
    pub fn decoding(&self, what: Option<String>) {
        let (lock, _) = &*self.inner;
        if let Ok(mut q) = lock.lock() {
            q.decoding = what;
        }
    }

    /// The page will ask no more.
    pub fn close(&self) {
        let (lock, cond) = &*self.inner;
        if let Ok(mut q) = lock.lock() {
            q.closed = true;
            q.frames.clear();
            cond.notify_all();
        }
    }

    /// The figures of output frames `from..from + count`, as little-endian f32s, frame after
    /// frame (fewer frames at the end of the video). Frames before `from` are forgotten: the
    /// page only moves forward.
    pub fn take(&self, from: u64, count: u64, timeout: Duration) -> Result<Vec<u8>, String> {
        let (lock, cond) = &*self.inner;
        let deadline = Instant::now() + timeout;
        let mut q = lock.lock().map_err(|_| "the sound analysis failed".to_string())?;
        loop {
            while q.first < from && q.frames.pop_front().is_some() {
                q.first += 1;
            }
            cond.notify_all();
            if q.first > from {
                return Err(format!("sound figures for frame {from} were asked for after later ones"));
            }
            let ready = q.frames.len() as u64 >= count;
            if ready || q.ended.is_some() {
                if let Some(Some(why)) = &q.ended {
                    return Err(why.clone());
                }
                let n = count.min(q.frames.len() as u64) as usize;
                let mut out = Vec::with_capacity(n * (1 + SPECTRUM_BINS) * 4);
                for f in q.frames.iter().take(n) {
                    out.extend(f.iter().flat_map(|x| x.to_le_bytes()));
                }
                return Ok(out);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                let slow =
                    q.decoding.as_ref().map_or(String::new(), |what| format!(": {what} was still being decoded"));
                return Err(format!("the sound for frame {from} was not ready in {} s{slow}", timeout.as_secs()));
            }
            q = cond.wait_timeout(q, left.min(Duration::from_millis(100))).map_err(|_| "the sound analysis failed")?.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sine_has_its_level_and_its_peak_in_the_right_bin() {
        let mut a = Analyser::default();
        // 1 kHz at half scale, 0.2 s.
        let stereo: Vec<f32> = (0..9600)
            .flat_map(|i| {
                let s = 0.5 * (2.0 * std::f32::consts::PI * 1000.0 * i as f32 / 48000.0).sin();
                [s, s]
            })
            .collect();
        a.push(&stereo);
        let f = a.frame(3200, 4800);
        assert!((f[0] - 0.5 / 2f32.sqrt()).abs() < 0.01, "level {}", f[0]);
        let spectrum = &f[1..];
        let peak = (0..SPECTRUM_BINS).max_by(|&x, &y| spectrum[x].total_cmp(&spectrum[y])).unwrap();
        assert_eq!(peak, (1000.0 * WINDOW as f32 / 48000.0).round() as usize);
        assert!((spectrum[peak] - 0.5).abs() < 0.1, "peak {}", spectrum[peak]);
        // Silence before the mix starts reads as silence.
        let mut quiet = Analyser::default();
        quiet.push(&[0.0; 4000]);
        assert_eq!(quiet.frame(0, 1600)[0], 0.0);
    }

    #[test]
    fn the_queue_hands_frames_over_in_order_and_reports_a_failure() {
        let q = AnalysisQueue::default();
        for i in 0..5 {
            assert!(q.push(vec![i as f32; 1 + SPECTRUM_BINS]));
        }
        q.end(None);
        let bytes = q.take(2, 2, Duration::from_secs(1)).unwrap();
        assert_eq!(bytes.len(), 2 * (1 + SPECTRUM_BINS) * 4);
        assert_eq!(f32::from_le_bytes(bytes[..4].try_into().unwrap()), 2.0);
        assert_eq!(q.take(4, 10, Duration::from_secs(1)).unwrap().len(), (1 + SPECTRUM_BINS) * 4);
        assert!(q.take(1, 1, Duration::from_secs(1)).is_err());
        // Too slow: the sound being decoded is named.
        let slow = AnalysisQueue::default();
        slow.decoding(Some("audio[3] (long.wav)".into()));
        assert_eq!(
            slow.take(0, 1, Duration::from_millis(10)),
            Err("the sound for frame 0 was not ready in 0 s: audio[3] (long.wav) was still being decoded".into())
        );
        let failed = AnalysisQueue::default();
        failed.end(Some("audio[0] is damaged".into()));
        assert_eq!(failed.take(0, 1, Duration::from_secs(1)), Err("audio[0] is damaged".into()));
    }
}
