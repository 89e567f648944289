//! The preview's sound: the mix of any stretch of the project, made on demand for the window's
//! player (which plays it through Web Audio and takes its clock from it), with each frame's
//! figures for the compositions' `audio` argument. Played straight through, it is the export's
//! mix and figures exactly (the same mixer, continued chunk after chunk); after a seek the
//! mixer starts afresh at the new frame.

use bazaar_core::audio::analysis::{Analyser, WINDOW};
use bazaar_core::audio::mix::sample_of;
use bazaar_core::audio::{AudioClip, Mixer, Timeline, CHANNELS};
use bazaar_core::project::Project;
use std::sync::Mutex;

/// At most this many frames a request (a minute at 30 fps).
const MAX_FRAMES: u64 = 1800;

pub struct PreviewSound {
    clips: Vec<AudioClip>,
    fps: u32,
    total: u64,
    running: Mutex<Option<Running>>,
}

/// A mix in progress, from project frame `first` on.
struct Running {
    mixer: Mixer,
    origin: u64,
    /// The frame the next request is expected to start at.
    next: u64,
    /// Samples mixed ahead of that frame (the figures' window looks ahead), from `carry_at`
    /// (relative to `origin`).
    carry: Vec<f32>,
    carry_at: u64,
    analyser: Analyser,
}

impl PreviewSound {
    pub fn new(project: &Project) -> Option<Self> {
        (!project.audio.is_empty()).then(|| Self {
            clips: project.audio.clone(),
            fps: project.fps,
            total: project.total_frames(),
            running: Mutex::new(None),
        })
    }

    /// Frames `frame..frame + frames` (cut at the project's end): a little-endian header of
    /// two u32s (sample frames, figure frames), the mix as interleaved stereo f32 at 48 kHz,
    /// then each frame's figures (f32s, as the export's `sound/` answer).
    pub fn chunk(&self, frame: u64, frames: u64) -> Result<Vec<u8>, String> {
        if frame >= self.total {
            return Err(format!("frame {frame} is past the project's end"));
        }
        let frames = frames.clamp(1, MAX_FRAMES).min(self.total - frame);
        let mut guard = self.running.lock().map_err(|_| "the preview's mixer failed")?;
        if guard.as_ref().is_none_or(|r| r.next != frame) {
            let timeline = Timeline { fps: self.fps, first: frame, frames: self.total - frame };
            *guard = Some(Running {
                mixer: Mixer::new(&self.clips, timeline),
                origin: sample_of(frame, self.fps),
                next: frame,
                carry: Vec::new(),
                carry_at: 0,
                analyser: Analyser::default(),
            });
        }
        let r = guard.as_mut().ok_or("the preview's mixer failed")?;
        let (origin, fps) = (r.origin, self.fps);
        let rel = |f: u64| sample_of(f, fps) - origin;
        let (from, to) = (rel(frame), rel(frame + frames));
        // Mixed up to half a window past the chunk, for the last frame's figures.
        let need = (to + (WINDOW / 2) as u64).min(r.mixer.total());
        if r.mixer.made() < need {
            let mut block = vec![0.0; (need - r.mixer.made()) as usize * CHANNELS];
            r.mixer.mix(&mut block).map_err(|e| e.to_string())?;
            r.analyser.push(&block);
            r.carry.extend_from_slice(&block);
        }
        let done = to.min(r.mixer.made());
        let pcm = &r.carry[((from - r.carry_at) as usize * CHANNELS)..((done - r.carry_at) as usize * CHANNELS)];
        let mut out = Vec::with_capacity(8 + pcm.len() * 4);
        out.extend(((pcm.len() / CHANNELS) as u32).to_le_bytes());
        out.extend((frames as u32).to_le_bytes());
        out.extend(pcm.iter().flat_map(|s| s.to_le_bytes()));
        for f in frame..frame + frames {
            out.extend(r.analyser.frame(rel(f), rel(f + 1)).iter().flat_map(|x| x.to_le_bytes()));
        }
        r.carry.drain(..((done - r.carry_at) as usize * CHANNELS));
        r.carry_at = done;
        r.next = frame + frames;
        Ok(out)
    }
}
