//! One sound while the mixer plays it: where it is on the timeline and in its file, its gain
//! at each sample, and its decoder, which may be closed between stretches of the mix
//! ("parked") and opened again where the sound had reached.

use super::source::{frames_at_speed, Source};
use super::{AudioClip, AudioError, CHANNELS, RATE};

/// Frames read from a decoder at a time (the mixer's one scratch buffer holds this many).
const READ: usize = 4096;

pub(super) struct Voice {
    pub clip: usize,
    /// Mix frames on the project's timeline: where it starts and where it must stop.
    pub start: u64,
    pub end: u64,
    /// Frames into the file where it starts (the trim).
    trim: u64,
    /// Where its fade-out reaches silence, relative to its start (known once it is open).
    silent_at: Option<u64>,
    fade_in: u64,
    fade_out: u64,
    source: Option<Source>,
    /// Frames of it mixed so far (relative to its start).
    played: u64,
    /// Frames of the file past the trim the current round has reached (where a parked voice
    /// opens again).
    file_at: u64,
    /// Whether it has been opened once (its length and start are then known).
    opened: bool,
    /// Its file has nothing more for it.
    done: bool,
}

impl Voice {
    /// The voice of `clip` (the `index`th), which plays mix frames `[start, end)` with fades of
    /// `fades` (in, out) mix frames.
    pub fn new(index: usize, c: &AudioClip, (start, end): (u64, u64), fades: (u64, u64)) -> Self {
        Voice {
            clip: index,
            start,
            end,
            trim: frames_at_speed(c.trim_start, c.speed),
            silent_at: (c.duration_in_frames.is_some() || c.looped).then_some(end - start),
            fade_in: fades.0,
            fade_out: fades.1,
            source: None,
            played: 0,
            file_at: 0,
            opened: false,
            done: false,
        }
    }

    /// Nothing more of it will be heard.
    pub fn finished(&self) -> bool {
        self.done || self.start + self.played >= self.end
    }

    pub fn is_open(&self) -> bool {
        self.source.is_some()
    }

    /// Closes its decoder (its threads and files); it opens again where it had reached.
    pub fn park(&mut self) {
        self.source = None;
    }

    /// Opens its decoder if it needs one for mix frames from `from` on: at the sample the mix
    /// has reached the first time (a render of a frame range may start in the middle of a
    /// sound), where it had reached after it was parked.
    pub fn open(&mut self, clip: &AudioClip, from: u64) -> Result<(), AudioError> {
        if self.source.is_some() || self.finished() {
            return Ok(());
        }
        if self.opened {
            self.source = Some(Source::open_at_speed(clip, self.trim + self.file_at, clip.speed)?);
            return Ok(());
        }
        self.opened = true;
        let into = from.saturating_sub(self.start);
        // Started in its middle: a loop needs its section's length to know where in it the mix
        // is (so it opens twice); anything else starts that far in at once.
        let skip = if clip.looped { 0 } else { into };
        let mut source = match Source::open_at_speed(clip, self.trim + skip, clip.speed) {
            // A video scene's clip without a sound track is simply silent.
            Err(AudioError::NoSoundTrack { .. }) if clip.from_video => {
                self.done = true;
                return Ok(());
            }
            other => other?,
        };
        let section = source.length().map(|l| l.saturating_sub(self.trim));
        if self.silent_at.is_none() {
            self.silent_at = section.map(|s| s.min(self.end - self.start));
        }
        self.file_at = skip;
        if into > 0 && clip.looped {
            self.file_at = section.filter(|&s| s > 0).map_or(into, |section| into % section);
            source = Source::open_at_speed(clip, self.trim + self.file_at, clip.speed)?;
        }
        self.played = into;
        self.source = Some(source);
        Ok(())
    }

    /// Adds the part of it that falls in mix frames `[from, to)` to `out` (open first).
    pub fn add(
        &mut self,
        clip: &AudioClip,
        fps: u32,
        (from, to): (u64, u64),
        out: &mut [f32],
        scratch: &mut Vec<f32>,
    ) -> Result<(), AudioError> {
        let begin = from.max(self.start + self.played);
        let stop = to.min(self.end);
        let mut at = begin;
        // Just reopened for another round of a loop: a file that then gives nothing ends it (it
        // would loop forever).
        let mut fresh = false;
        while at < stop && !self.done {
            let Some(source) = self.source.as_mut() else { return Ok(()) };
            let want = ((stop - at) as usize).min(READ);
            scratch.resize(want * CHANNELS, 0.0);
            let got = source.read(&mut scratch[..want * CHANNELS])?;
            for k in 0..got {
                let g = self.gain(clip, fps, at - self.start + k as u64) as f32;
                let o = ((at - from) as usize + k) * CHANNELS;
                for c in 0..CHANNELS {
                    out[o + c] += scratch[k * CHANNELS + c] * g;
                }
            }
            at += got as u64;
            self.played = at - self.start;
            self.file_at += got as u64;
            if got > 0 {
                fresh = false;
            }
            if got == want {
                continue;
            }
            // The file ended: a loop starts its section again; anything else is done.
            if !clip.looped || fresh {
                self.source = None;
                self.done = true;
                return Ok(());
            }
            self.source = Some(Source::open_at_speed(clip, self.trim, clip.speed)?);
            self.file_at = 0;
            fresh = true;
        }
        Ok(())
    }

    /// Its gain `rel` mix frames after its start: its volume (per sample, between keyframes),
    /// times its fade-in and fade-out ramps.
    fn gain(&self, clip: &AudioClip, fps: u32, rel: u64) -> f64 {
        let frame = rel as f64 * f64::from(fps) / f64::from(RATE);
        let mut g = clip.volume.at(frame);
        if rel < self.fade_in {
            g *= rel as f64 / self.fade_in as f64;
        }
        if let Some(silent) = self.silent_at {
            if self.fade_out > 0 && rel + self.fade_out > silent {
                g *= silent.saturating_sub(rel) as f64 / self.fade_out as f64;
            }
        }
        g
    }
}
