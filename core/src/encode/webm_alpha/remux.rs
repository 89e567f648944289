//! A transparent WebM written from VP9 frames already encoded: what `join` makes of transparent
//! chunks (`chunks::webm_alpha_join`). Each frame keeps its colour and alpha bytes and takes its
//! time from its index on the joined timeline; the sound is the project's mix, encoded here as
//! the encoder does it, and the caption tracks are written once.
//!
//! ```text
//! colour + alpha VP9 frames, by index ──────────────────────────────────────┐
//! the mix (AudioInput) ─ appsrc ! audioconvert ! opusenc ! appsink ─────────┼─ WebmFile ─ WebM
//! caption tracks (WebVTT cues) ─────────────────────────────────────────────┘
//! ```

use super::super::sinks::{watch_bus, Outcome};
use super::super::worker::spawn;
use super::super::{AudioInput, EncodeError, Quality};
use super::interleave::{SoundQueue, WebmFile};
use super::muxing::frame_ms;
use super::streams::OpusStream;
use super::writer::VideoTrack;
use crate::captions::in_file::FileTrack;
use gstreamer as gst;
use gstreamer::prelude::*;
use std::fs::File;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::Arc;
use std::thread::JoinHandle;

/// The joined file's sound: the Opus encoder, started before the file so the mixer can feed it
/// ([`RemuxSound::input`]) while the header waits for the encoder's first packet.
pub struct RemuxSound {
    stream: OpusStream,
    outcomes: Receiver<Outcome>,
    stop: Arc<AtomicBool>,
    watcher: Option<JoinHandle<()>>,
}

impl RemuxSound {
    /// Builds and starts `appsrc ! audioconvert ! opusenc ! appsink` at `quality`'s bitrate.
    pub fn start(quality: Quality, dest: &Path) -> Result<Self, EncodeError> {
        super::check_elements()?;
        let stream = OpusStream::new(super::opus_bitrate(quality))?;
        let bus = stream.pipeline.bus().ok_or_else(|| EncodeError::Init("the Opus pipeline has no bus".into()))?;
        let (tx, outcomes) = mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let (weak, flag, dest) = (stream.pipeline.downgrade(), stop.clone(), dest.to_path_buf());
        let watcher = spawn("bazaar-bus", move || watch_bus(bus, weak, flag, tx, dest))?;
        let sound = Self { stream, outcomes, stop, watcher: Some(watcher) };
        sound
            .stream
            .pipeline
            .set_state(gst::State::Playing)
            .map_err(|_| EncodeError::Init("the Opus encoder could not start".into()))?;
        Ok(sound)
    }

    /// Where the mixer's thread pushes the mix, then ends it.
    pub fn input(&self) -> AudioInput {
        self.stream.input.clone()
    }

    /// Why the sound failed, if it said: the mixer's reason (naming the file), else the encoder's.
    fn failure(&self) -> Option<EncodeError> {
        if let Some(why) = self.stream.input.failure() {
            return Some(EncodeError::Audio(why));
        }
        match self.outcomes.try_recv() {
            Ok(Outcome::Failed(e)) => Some(e),
            _ => None,
        }
    }
}

impl Drop for RemuxSound {
    fn drop(&mut self) {
        let _ = self.stream.pipeline.set_state(gst::State::Null);
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.watcher.take() {
            let _ = t.join();
        }
    }
}

/// The size, rate and length of the joined video.
#[derive(Debug, Clone, Copy)]
pub struct RemuxShape {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub total_frames: u64,
    /// The video's length in ms (the last frame lasts until then).
    pub total_ms: f64,
}

/// The joined file being written: frames given by index, in order, then [`Remux::finish`].
pub struct Remux {
    file: WebmFile,
    sound: Option<RemuxSound>,
    shape: RemuxShape,
    next_index: u64,
}

impl Remux {
    /// Writes the header into `out` (a fresh temp file; `dest` names it in errors). With
    /// `sound`, waits for its first packet (the mixer must be running).
    pub fn start(
        out: File,
        dest: &Path,
        shape: RemuxShape,
        sound: Option<RemuxSound>,
        captions: &[FileTrack],
    ) -> Result<Self, EncodeError> {
        if shape.fps == 0 {
            return Err(EncodeError::Settings("0 fps".into()));
        }
        let track = VideoTrack {
            width: shape.width,
            height: shape.height,
            frame_ns: 1_000_000_000 / u64::from(shape.fps),
            alpha: true,
        };
        let queue = match &sound {
            Some(s) => match SoundQueue::start(s.stream.appsink.clone()) {
                Ok(q) => Some(q),
                Err(e) => return Err(s.failure().unwrap_or(e)),
            },
            None => None,
        };
        let out = std::io::BufWriter::with_capacity(1 << 20, out);
        let file = WebmFile::new(out, track, queue, captions, dest)?;
        Ok(Self { file, sound, shape, next_index: 0 })
    }

    /// Writes frame `index` (the next one): `key` when both its frames are keyframes.
    pub fn write_frame(&mut self, index: u64, key: bool, colour: &[u8], alpha: &[u8]) -> Result<(), EncodeError> {
        let s = self.shape;
        if index != self.next_index || index >= s.total_frames {
            return Err(EncodeError::Settings(format!(
                "frame {index} came out of order (expected frame {} of {})",
                self.next_index, s.total_frames
            )));
        }
        let time = frame_ms(index, s.fps);
        let last = index + 1 == s.total_frames;
        let duration = last.then(|| (s.total_ms.round() as u64).saturating_sub(time).max(1));
        let written = self.file.write_frame(time, key, colour, alpha, duration);
        self.next_index += 1;
        written.map_err(|e| self.explain(e))
    }

    /// Writes the rest of the sound and the cues, the index; the file is complete (the caller
    /// commits it).
    pub fn finish(self) -> Result<(), EncodeError> {
        if self.next_index != self.shape.total_frames {
            return Err(EncodeError::Settings(format!(
                "only {} of {} frames were given",
                self.next_index, self.shape.total_frames
            )));
        }
        let Self { file, sound, shape, .. } = self;
        file.finish(shape.total_ms).map_err(|e| sound.as_ref().and_then(RemuxSound::failure).unwrap_or(e))
    }

    /// The sound's own reason for a failure while writing, when it has one.
    fn explain(&self, e: EncodeError) -> EncodeError {
        self.sound.as_ref().and_then(RemuxSound::failure).unwrap_or(e)
    }
}
