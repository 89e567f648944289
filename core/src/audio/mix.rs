//! The mixer: every sound placed on the timeline, gains and fades applied per sample, summed
//! in 32-bit float, in a fixed order, so the same project gives the same samples bit for bit.
//! Sources are opened when their sound starts and closed when it ends, and the mix is made a
//! block at a time: memory does not grow with the video's or the files' length.
//!
//! At most [`OPEN_LIMIT`] decoders are open at once (each is a GStreamer pipeline: about two
//! threads and three file descriptors; 500 sounds at once took 1500 threads and failed under
//! the usual limit of 1024 open files). When more sounds play at once, the mix is made a page
//! ahead ([`PAGE_MAX`] at most), a sound at a time into one buffer: the first sounds keep their
//! decoders open, the others close theirs after their stretch ("parked") and open again, where
//! they had reached, for the next page. The samples are the same either way, bit for bit.
//!
//! The sum is never divided by the number of sounds (a second sound must not make the first
//! quieter). What keeps it from clipping is [`protect`]: samples within −1 dBFS pass unchanged,
//! louder ones are bent smoothly towards full scale instead of being cut off.

use super::voice::Voice;
use super::{AudioClip, ClipError, CHANNELS, RATE};

/// Decoders a mix may have open at once (one more while it parks one).
pub const OPEN_LIMIT: usize = 16;
/// Mix frames made ahead at a time when more sounds play at once than decoders may be open:
/// from half a second to 10 s (3.8 MB), the first one 1 s, each next one as long as takes
/// about [`PAGE_WORK`] to make (each parked sound is opened again once a page: ≈5 ms, and
/// resampling a second of it ≈6 ms here). A page is made before its first frame's figures
/// reach the render page, which waits at most its frame time limit (30 s): 500 sounds of
/// 12 s in 10 s pages took 34 s a page.
const PAGE_MIN: u64 = RATE as u64 / 2;
const PAGE_FIRST: u64 = RATE as u64;
const PAGE_MAX: u64 = 10 * RATE as u64;
const PAGE_WORK: std::time::Duration = std::time::Duration::from_secs(4);

/// The mix frame (48 kHz) where project frame `frame` starts at `fps`.
pub fn sample_of(frame: u64, fps: u32) -> u64 {
    let num = u128::from(frame) * u128::from(RATE);
    ((num + u128::from(fps) / 2) / u128::from(fps)) as u64
}

/// What part of the project the mix covers: frames `first..first + frames` at `fps`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeline {
    pub fps: u32,
    pub first: u64,
    pub frames: u64,
}

impl Timeline {
    /// The mix's length in frames at 48 kHz (the picture's length, exactly).
    pub fn samples(&self) -> u64 {
        sample_of(self.first + self.frames, self.fps) - sample_of(self.first, self.fps)
    }
}

/// The level up to which samples pass unchanged (−1 dBFS).
const KNEE: f32 = 0.891_251;

/// Keeps a summed sample within full scale: unchanged up to −1 dBFS, then bent smoothly
/// (tanh) so that no sum, however loud, goes past ±1.
pub fn protect(x: f32) -> f32 {
    let a = x.abs();
    if a <= KNEE {
        return x;
    }
    let bent = KNEE + (1.0 - KNEE) * ((a - KNEE) / (1.0 - KNEE)).tanh();
    bent.copysign(x)
}

/// Told which sound the mixer is decoding (`None` when it is not), to name a slow one.
pub type Busy = Box<dyn Fn(Option<&AudioClip>) + Send>;

pub struct Mixer {
    clips: Vec<AudioClip>,
    fps: u32,
    /// Not yet started, by start (the next one last).
    waiting: Vec<Voice>,
    playing: Vec<Voice>,
    /// The next mix frame to hand out, on the project's timeline, and where the mix ends.
    position: u64,
    end: u64,
    origin: u64,
    /// Mixed ahead of `position` (interleaved stereo), from `ahead_at` on.
    ahead: Vec<f32>,
    ahead_at: usize,
    /// Where the decoders' samples are read into (one for all sounds).
    scratch: Vec<f32>,
    open_limit: usize,
    /// The next page's length, in mix frames.
    page: u64,
    /// The most decoders open at once so far.
    peak: usize,
    busy: Option<Busy>,
}

impl Mixer {
    pub fn new(clips: &[AudioClip], timeline: Timeline) -> Self {
        let fps = timeline.fps;
        let origin = sample_of(timeline.first, fps);
        let end = origin + timeline.samples();
        let mut waiting: Vec<Voice> = clips
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                let start = sample_of(c.at, fps);
                let stop = c.duration_in_frames.map_or(c.until, |d| (c.at + d).min(c.until));
                let stop = sample_of(stop, fps).min(end);
                let fades = (sample_of(c.fade_in_frames, fps), sample_of(c.fade_out_frames, fps));
                (stop > start.max(origin)).then(|| Voice::new(i, c, (start, stop), fades))
            })
            .collect();
        waiting.sort_by_key(|v| std::cmp::Reverse((v.start, v.clip)));
        Self {
            clips: clips.to_vec(),
            fps,
            waiting,
            playing: Vec::new(),
            position: origin,
            end,
            origin,
            ahead: Vec::new(),
            ahead_at: 0,
            scratch: Vec::new(),
            open_limit: OPEN_LIMIT,
            page: PAGE_FIRST,
            peak: 0,
            busy: None,
        }
    }

    /// At most `limit` decoders open at once (at least one) instead of [`OPEN_LIMIT`].
    pub fn with_open_limit(mut self, limit: usize) -> Self {
        self.open_limit = limit.max(1);
        self
    }

    /// `busy` is told which sound the mixer is decoding, and `None` between blocks.
    pub fn report_busy(&mut self, busy: Busy) {
        self.busy = Some(busy);
    }

    /// Mix frames made so far (from the start of the output).
    pub fn made(&self) -> u64 {
        self.position - self.origin
    }

    /// Mix frames in all.
    pub fn total(&self) -> u64 {
        self.end - self.origin
    }

    /// The most decoders it has had open at once.
    pub fn peak_decoders(&self) -> usize {
        self.peak
    }

    /// Fills `out` (interleaved stereo) with the next `out.len() / 2` frames of the mix
    /// (silence past its end).
    pub fn mix(&mut self, out: &mut [f32]) -> Result<(), ClipError> {
        let result = self.fill(out);
        if let Some(busy) = &self.busy {
            busy(None);
        }
        result
    }

    fn fill(&mut self, out: &mut [f32]) -> Result<(), ClipError> {
        let n = out.len() / CHANNELS;
        let mut done = 0;
        while done < n {
            let ready = (self.ahead.len() - self.ahead_at) / CHANNELS;
            if ready > 0 {
                let k = ready.min(n - done);
                let from = self.ahead_at;
                out[done * CHANNELS..(done + k) * CHANNELS].copy_from_slice(&self.ahead[from..from + k * CHANNELS]);
                self.ahead_at += k * CHANNELS;
                self.position += k as u64;
                done += k;
                continue;
            }
            let (from, want) = (self.position, (n - done) as u64);
            if self.sounding(from + want) <= self.open_limit {
                self.mix_into((from, from + want), &mut out[done * CHANNELS..n * CHANNELS], false)?;
                self.position += want;
                done = n;
            } else {
                let len = want.max(self.page);
                let mut ahead = std::mem::take(&mut self.ahead);
                ahead.clear();
                ahead.resize(len as usize * CHANNELS, 0.0);
                let started = std::time::Instant::now();
                self.mix_into((from, from + len), &mut ahead, true)?;
                self.ahead = ahead;
                self.ahead_at = 0;
                // The next page as long as takes about PAGE_WORK (at most twice this one).
                let took = started.elapsed().as_secs_f64().max(1e-3);
                let next = (self.page as f64 * (PAGE_WORK.as_secs_f64() / took).min(2.0)) as u64;
                self.page = next.clamp(PAGE_MIN, PAGE_MAX);
            }
        }
        Ok(())
    }

    /// Sounds still to be heard up to mix frame `to`.
    fn sounding(&self, to: u64) -> usize {
        let playing = self.playing.iter().filter(|v| !v.finished()).count();
        playing + self.waiting.iter().rev().take_while(|v| v.start < to).count()
    }

    /// Mixes frames `[from, to)` into `out`; `paged`: decoders past the limit are parked after
    /// their part.
    fn mix_into(&mut self, (from, to): (u64, u64), out: &mut [f32], paged: bool) -> Result<(), ClipError> {
        out.fill(0.0);
        while self.waiting.last().is_some_and(|v| v.start < to) {
            if let Some(v) = self.waiting.pop() {
                self.playing.push(v);
            }
        }
        // Sounds are summed in the order they were written, whatever order they started in.
        self.playing.sort_by_key(|v| v.clip);
        for i in 0..self.playing.len() {
            let v = &mut self.playing[i];
            let clip = &self.clips[v.clip];
            if let Some(busy) = &self.busy {
                busy(Some(clip));
            }
            let failed = |e| ClipError::new(clip, e);
            v.open(clip, from).map_err(failed)?;
            let open = self.playing.iter().filter(|v| v.is_open()).count();
            self.peak = self.peak.max(open);
            let v = &mut self.playing[i];
            v.add(clip, self.fps, (from, to), out, &mut self.scratch).map_err(failed)?;
            // A sound that has ended lets go of its decoder at once, not at the end of the block
            // (500 sounds ending in one block held 500 decoders).
            if v.finished() || (paged && open >= self.open_limit) {
                v.park();
            }
        }
        self.playing.retain(|v| !v.finished());
        for s in out.iter_mut() {
            *s = protect(*s);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_map_to_samples_exactly() {
        assert_eq!(sample_of(30, 30), 48000);
        assert_eq!(sample_of(31, 60), 24800);
        assert_eq!(sample_of(1, 7), 6857);
        let t = Timeline { fps: 30, first: 15, frames: 45 };
        assert_eq!(t.samples(), 72000);
    }

    #[test]
    fn protection_leaves_normal_levels_alone_and_never_exceeds_full_scale() {
        for x in [0.0f32, 0.5, -0.8, 0.891] {
            assert_eq!(protect(x), x);
        }
        for x in [0.9f32, 1.0, 2.0, 40.0, -3.0] {
            let y = protect(x);
            assert!(y.abs() <= 1.0 && y.abs() > KNEE && y.signum() == x.signum(), "{x} → {y}");
        }
        assert!(protect(1.0) < protect(1.5));
    }
}
