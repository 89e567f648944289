//! The mixer: every sound placed on the timeline, gains and fades applied per sample, summed
//! in 32-bit float, in a fixed order, so the same project gives the same samples bit for bit.
//! Sources are opened when their sound starts and closed when it ends, and the mix is made a
//! block at a time: memory does not grow with the video's or the files' length.
//!
//! The sum is never divided by the number of sounds (a second sound must not make the first
//! quieter). What keeps it from clipping is [`protect`]: samples within −1 dBFS pass unchanged,
//! louder ones are bent smoothly towards full scale instead of being cut off.

use super::source::{frames_at_speed, Source};
use super::{AudioClip, AudioError, ClipError, CHANNELS, RATE};

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

/// One sound while it plays.
struct Voice {
    clip: usize,
    /// Mix frames on the project's timeline: where it starts and where it must stop.
    start: u64,
    end: u64,
    /// Frames into the file where it starts (the trim).
    trim: u64,
    /// Where its fade-out reaches silence, relative to its start (known once it is open).
    silent_at: Option<u64>,
    fade_in: u64,
    fade_out: u64,
    source: Option<Source>,
    /// Frames of it mixed so far (relative to its start).
    played: u64,
    /// Frames of its file's sound after the trim, once known (for a loop's length).
    section: Option<u64>,
    scratch: Vec<f32>,
}

pub struct Mixer {
    clips: Vec<AudioClip>,
    fps: u32,
    /// Not yet started, by start (the next one last).
    waiting: Vec<Voice>,
    playing: Vec<Voice>,
    /// The next mix frame to make, on the project's timeline, and where the mix ends.
    position: u64,
    end: u64,
    origin: u64,
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
                (stop > start.max(origin)).then(|| Voice {
                    clip: i,
                    start,
                    end: stop,
                    trim: frames_at_speed(c.trim_start, c.speed),
                    silent_at: (c.duration_in_frames.is_some() || c.looped).then_some(stop - start),
                    fade_in: sample_of(c.fade_in_frames, fps),
                    fade_out: sample_of(c.fade_out_frames, fps),
                    source: None,
                    played: 0,
                    section: None,
                    scratch: Vec::new(),
                })
            })
            .collect();
        waiting.sort_by_key(|v| std::cmp::Reverse((v.start, v.clip)));
        Self { clips: clips.to_vec(), fps, waiting, playing: Vec::new(), position: origin, end, origin }
    }

    /// Mix frames made so far (from the start of the output).
    pub fn made(&self) -> u64 {
        self.position - self.origin
    }

    /// Mix frames in all.
    pub fn total(&self) -> u64 {
        self.end - self.origin
    }

    /// Fills `out` (interleaved stereo) with the next `out.len() / 2` frames of the mix
    /// (silence past its end).
    pub fn mix(&mut self, out: &mut [f32]) -> Result<(), ClipError> {
        out.fill(0.0);
        let n = (out.len() / CHANNELS) as u64;
        let (from, to) = (self.position, self.position + n);
        while self.waiting.last().is_some_and(|v| v.start < to) {
            if let Some(mut v) = self.waiting.pop() {
                self.open(&mut v, from).map_err(|e| ClipError::new(&self.clips[v.clip], e))?;
                self.playing.push(v);
            }
        }
        // Sounds are summed in the order they were written, whatever order they started in.
        self.playing.sort_by_key(|v| v.clip);
        for v in &mut self.playing {
            let clip = &self.clips[v.clip];
            add_voice(v, clip, self.fps, from, to, out).map_err(|e| ClipError::new(clip, e))?;
        }
        self.playing.retain(|v| v.source.is_some() && v.start + v.played < v.end);
        for s in out.iter_mut() {
            *s = protect(*s);
        }
        self.position = to;
        Ok(())
    }

    /// Opens a voice's file at the sample the mix has reached (a render of a frame range may
    /// start in the middle of a sound).
    fn open(&self, v: &mut Voice, from: u64) -> Result<(), AudioError> {
        let clip = &self.clips[v.clip];
        let into = from.saturating_sub(v.start);
        // Started in its middle: a loop needs its section's length to know where in it the mix
        // is (so it opens twice); anything else starts that far in at once.
        let skip = if clip.looped { 0 } else { into };
        let mut source = match Source::open_at_speed(&clip.path, v.trim + skip, clip.speed) {
            // A video scene's clip without a sound track is simply silent.
            Err(AudioError::NoSoundTrack { .. }) if clip.from_video => return Ok(()),
            other => other?,
        };
        v.section = source.length().map(|l| l.saturating_sub(v.trim));
        if v.silent_at.is_none() {
            v.silent_at = v.section.map(|s| s.min(v.end - v.start));
        }
        if into > 0 && clip.looped {
            let skip = v.section.filter(|&s| s > 0).map_or(into, |section| into % section);
            source = Source::open_at_speed(&clip.path, v.trim + skip, clip.speed)?;
        }
        v.played = into;
        v.source = Some(source);
        Ok(())
    }
}

/// Adds the part of a voice that falls in mix frames `[from, to)` to `out`.
fn add_voice(v: &mut Voice, clip: &AudioClip, fps: u32, from: u64, to: u64, out: &mut [f32]) -> Result<(), AudioError> {
    let begin = from.max(v.start + v.played);
    let stop = to.min(v.end);
    if begin >= stop {
        return Ok(());
    }
    let mut at = begin;
    // Just reopened for another round of a loop: a file that then gives nothing ends it (it
    // would loop forever).
    let mut fresh = false;
    while at < stop {
        let Some(source) = v.source.as_mut() else { return Ok(()) };
        let want = (stop - at) as usize;
        v.scratch.resize(want * CHANNELS, 0.0);
        let got = source.read(&mut v.scratch)?;
        for k in 0..got {
            let rel = at - v.start + k as u64;
            let g = gain(v, clip, fps, rel) as f32;
            let o = ((at - from) as usize + k) * CHANNELS;
            for c in 0..CHANNELS {
                out[o + c] += v.scratch[k * CHANNELS + c] * g;
            }
        }
        at += got as u64;
        v.played = at - v.start;
        if got > 0 {
            fresh = false;
        }
        if got == want {
            continue;
        }
        // The file ended: a loop starts its section again; anything else is done.
        if !clip.looped || fresh {
            v.source = None;
            return Ok(());
        }
        v.source = Some(Source::open_at_speed(&clip.path, v.trim, clip.speed)?);
        fresh = true;
    }
    Ok(())
}

/// The gain of a voice `rel` mix frames after its start: its volume (per sample, between
/// keyframes), times its fade-in and fade-out ramps.
fn gain(v: &Voice, clip: &AudioClip, fps: u32, rel: u64) -> f64 {
    let frame = rel as f64 * f64::from(fps) / f64::from(RATE);
    let mut g = clip.volume.at(frame);
    if rel < v.fade_in {
        g *= rel as f64 / v.fade_in as f64;
    }
    if let Some(silent) = v.silent_at {
        if v.fade_out > 0 && rel + v.fade_out > silent {
            g *= silent.saturating_sub(rel) as f64 / v.fade_out as f64;
        }
    }
    g
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
