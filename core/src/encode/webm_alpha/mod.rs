//! WebM with VP9 and transparency, which GStreamer 1.22 can decode (`vp9alphadecodebin`) but
//! not mux: WebM carries the alpha as a second VP9 stream (the alpha plane coded as luma) in
//! each block's `BlockAdditional` (BlockAddID 1), on a track marked `AlphaMode` 1.
//!
//! ```text
//! RGBA (straight alpha) ─┬─ I420 colour ─ appsrc ! vp9enc ! appsink ─────────────┐
//!                        └─ I420 alpha  ─ appsrc ! vp9enc ! appsink ─────────────┤
//! sound (AudioInput) ─────────── appsrc ! audioconvert ! opusenc ! appsink ─────┴─ muxing thread ─ WebM
//! ```
//!
//! - `streams`: the two VP9 encoders, the split of an RGBA frame into their pictures, the Opus
//!   encoder;
//! - `muxing`: the thread that pairs their frames and writes them, the sound interleaved by time;
//! - `interleave`: the file as written, the sound and the caption cues interleaved by time;
//! - `writer`: the WebM layout (clusters, blocks with additions, cues); `ebml`: its elements;
//! - `reader`: such a file read back, and `remux`: one written from frames already encoded
//!   (the join of transparent chunks, `chunks::webm_alpha_join`).
//!
//! Both encoders get the same constant-quality settings and keyframes forced on the same
//! frames (automatic placement off), so every cue lands on a frame whose alpha decodes too.

pub(crate) mod ebml;
mod interleave;
mod muxing;
pub mod reader;
pub mod remux;
mod streams;
mod writer;

use super::output::TempOutput;
use super::pipeline::{gst_init, FRAMES_IN_FLIGHT};
use super::profile::{Quality, Requirement};
use super::session_end;
use super::settings::{EncodeSettings, Progress, ProgressFn};
use super::sinks::{watch_bus, Outcome};
use super::worker::{frame_time, spawn};
use super::{AudioInput, EncodeError, Format, FramePool, I420Layout, PixelFormat};
use crate::cancel::CancelToken;
use crate::stage::Stage;
use gstreamer as gst;
use gstreamer::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;
use streams::{OpusStream, Plane, Vp9Stream};
use writer::VideoTrack;

pub use muxing::frame_ms;

const POLL: Duration = Duration::from_millis(50);

/// The elements a transparent WebM needs, with their Debian packages.
pub const REQUIRES: [Requirement; 5] = [
    Requirement { element: "appsrc", package: "gstreamer1.0-plugins-base" },
    Requirement { element: "vp9enc", package: "gstreamer1.0-plugins-good" },
    Requirement { element: "appsink", package: "gstreamer1.0-plugins-base" },
    Requirement { element: "audioconvert", package: "gstreamer1.0-plugins-base" },
    Requirement { element: "opusenc", package: "gstreamer1.0-plugins-base" },
];

/// vp9enc's settings per [`Quality`], the same for the colour and the alpha stream: constant
/// quality (`end-usage=cq`, the bitrate only a ceiling), realtime speed as for VP8 (the encoder
/// is the bottleneck on two cores; what the alpha stream costs: BENCHMARKS.md, "Transparent
/// WebM"), no frames held back (`lag-in-frames=0`) and no automatic keyframes: the session
/// forces them, on the same frames in both.
pub const VP9_PRESETS: [&str; 3] = [
    "end-usage=cq cq-level=36 target-bitrate=40000000 min-quantizer=0 max-quantizer=52 deadline=1 cpu-used=8 threads=2 row-mt=true lag-in-frames=0 keyframe-mode=disabled",
    "end-usage=cq cq-level=28 target-bitrate=60000000 min-quantizer=0 max-quantizer=44 deadline=1 cpu-used=8 threads=2 row-mt=true lag-in-frames=0 keyframe-mode=disabled",
    "end-usage=cq cq-level=16 target-bitrate=80000000 min-quantizer=0 max-quantizer=32 deadline=1 cpu-used=8 threads=2 row-mt=true lag-in-frames=0 keyframe-mode=disabled",
];

/// A keyframe every two seconds (at most every 120 frames, as the VP8 profile): where a player
/// can seek to.
pub fn keyframe_every(fps: u32) -> u64 {
    u64::from(fps.saturating_mul(2).clamp(1, 120))
}

/// Checks that every element is installed, naming the Debian package if not.
pub fn check_elements() -> Result<(), EncodeError> {
    gst_init()?;
    for r in REQUIRES {
        if gst::ElementFactory::find(r.element).is_none() {
            return Err(EncodeError::MissingElement { element: r.element.into(), package: r.package.into() });
        }
    }
    Ok(())
}

/// One transparent WebM export in progress, the same shape as [`super::Encoder`]: push every
/// RGBA frame (straight alpha) in order, then [`WebmAlphaEncoder::finish`]. Dropping it
/// without finishing stops the encoders and removes the temp file. With `settings.audio`, feed
/// the sound through [`WebmAlphaEncoder::audio_input`] (an Opus track, as in the VP8 WebM).
pub struct WebmAlphaEncoder {
    settings: EncodeSettings,
    colour: Vp9Stream,
    alpha: Vp9Stream,
    sound: Option<OpusStream>,
    pool: FramePool,
    output: Option<TempOutput>,
    next_index: u64,
    cancel: CancelToken,
    /// What each bus watcher says (EOS or an error).
    outcomes: Receiver<Outcome>,
    /// What the muxing thread says once it has written the file or failed.
    written: Receiver<Result<(), EncodeError>>,
    stop_watch: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
    progress: ProgressFn,
}

impl WebmAlphaEncoder {
    /// Checks the settings and the elements, creates the temp file beside `dest`, starts both
    /// encoders and the muxing thread. `settings.input` must be [`PixelFormat::Rgba`].
    pub fn start(
        settings: EncodeSettings,
        captions: &[crate::captions::in_file::FileTrack],
        dest: &Path,
        cancel: CancelToken,
        progress: ProgressFn,
    ) -> Result<Self, EncodeError> {
        validate(&settings)?;
        check_elements()?;
        let (w, h, fps) = (settings.width, settings.height, settings.fps);
        let props = VP9_PRESETS[quality_index(settings.quality)];
        let colour = Vp9Stream::new(Plane::Colour, props, w, h, fps)?;
        let alpha = Vp9Stream::new(Plane::Alpha, props, w, h, fps)?;
        let bitrate = opus_bitrate(settings.quality);
        let sound = if settings.audio { Some(OpusStream::new(bitrate)?) } else { None };
        let output = TempOutput::create(dest)?;
        let file = output.file()?;
        let track = VideoTrack { width: w, height: h, frame_ns: 1_000_000_000 / u64::from(fps), alpha: true };
        let out = std::io::BufWriter::with_capacity(1 << 20, file);

        let (tx, outcomes) = mpsc::channel();
        let stop_watch = Arc::new(AtomicBool::new(false));
        let mut threads = Vec::new();
        let all: Vec<&gst::Pipeline> =
            [Some(&colour.pipeline), Some(&alpha.pipeline), sound.as_ref().map(|s| &s.pipeline)]
                .into_iter()
                .flatten()
                .collect();
        for pipeline in &all {
            let bus = pipeline.bus().ok_or_else(|| EncodeError::Init("a pipeline has no bus".into()))?;
            let (weak, stop, tx, dest) = (pipeline.downgrade(), stop_watch.clone(), tx.clone(), dest.into());
            threads.push(spawn("bazaar-bus", move || watch_bus(bus, weak, stop, tx, dest))?);
        }
        let pipelines: Vec<_> = all.iter().map(|p| p.downgrade()).collect();
        let (done, written) = mpsc::channel();
        let job = muxing::MuxJob {
            colour: colour.appsink.clone(),
            alpha: alpha.appsink.clone(),
            sound: sound.as_ref().map(|s| s.appsink.clone()),
            out,
            track,
            texts: captions.to_vec(),
            settings: settings.clone(),
            dest: dest.to_path_buf(),
            pipelines: pipelines.clone(),
            progress: progress.clone(),
            done,
        };
        cancel.on_cancel(move || {
            // Stopping flushes the pipelines, which wakes a blocked push or pull; on a thread of
            // its own, as in `pipeline.rs` (the canceller may hold a lock progress needs).
            let stop = move || {
                for p in pipelines.iter().filter_map(|w| w.upgrade()) {
                    let _ = p.set_state(gst::State::Null);
                }
            };
            if let Err(e) = std::thread::Builder::new().name("bazaar-stop".into()).spawn(stop) {
                eprintln!("bazaar-export: cannot stop the pipelines on their own thread: {e}");
            }
        });
        let pool = FramePool::new(I420Layout::new(w, h).size, 2 * FRAMES_IN_FLIGHT as usize + 4);
        let mut session = Self {
            settings,
            colour,
            alpha,
            sound,
            pool,
            output: Some(output),
            next_index: 0,
            cancel,
            outcomes,
            written,
            stop_watch,
            threads,
            progress,
        };
        if session.cancel.is_cancelled() {
            return Err(EncodeError::Cancelled);
        }
        for p in session.pipelines() {
            p.set_state(gst::State::Playing).map_err(|_| session.failure("starting the encoders"))?;
        }
        // Started once the pipelines play: `pull_sample` on a stopped appsink fails at once.
        session.threads.push(spawn("bazaar-webm", move || job.run())?);
        let total = session.settings.total_frames;
        (session.progress)(Progress { stage: Stage::Rendering, frames_done: 0, total_frames: total });
        Ok(session)
    }

    /// Pushes frame `index` (must be the next one): RGBA, 4 bytes a pixel, rows packed, straight
    /// (not premultiplied) alpha. Blocks while the frames in flight are at the bound.
    pub fn push_frame<P: AsRef<[u8]>>(&mut self, index: u64, rgba: P) -> Result<(), EncodeError> {
        if self.cancel.is_cancelled() {
            return Err(EncodeError::Cancelled);
        }
        let s = &self.settings;
        let rgba = rgba.as_ref();
        if rgba.len() != s.frame_bytes() {
            return Err(EncodeError::BadFrame {
                index,
                got: rgba.len(),
                expected: s.frame_bytes(),
                width: s.width,
                height: s.height,
                format: s.input,
            });
        }
        if index != self.next_index || index >= s.total_frames {
            return Err(EncodeError::Settings(format!(
                "frame {index} arrived out of order (expected frame {} of {})",
                self.next_index, s.total_frames
            )));
        }
        let (mut colour, mut alpha) = (self.pool.take(), self.pool.take());
        streams::split_rgba(rgba, s.width, s.height, &mut colour, &mut alpha);
        let pts = frame_time(index, s.fps);
        let end = if index + 1 == s.total_frames {
            s.duration
                .map(|d| gst::ClockTime::from_nseconds(d.as_nanos() as u64))
                .unwrap_or(frame_time(index + 1, s.fps))
                .max(pts)
        } else {
            frame_time(index + 1, s.fps)
        };
        let key = index.is_multiple_of(keyframe_every(s.fps));
        let pushed = self
            .colour
            .push(index, pts, end - pts, key, colour)
            .and_then(|()| self.alpha.push(index, pts, end - pts, key, alpha));
        match pushed {
            Ok(()) => {
                self.next_index += 1;
                Ok(())
            }
            Err(()) => Err(self.failure(&format!("encoding frame {index}"))),
        }
    }

    /// The sound input, when the settings asked for a sound track: feed it from another thread
    /// while frames are pushed here, then end it; the file is complete when both have ended.
    pub fn audio_input(&self) -> Option<AudioInput> {
        self.sound.as_ref().map(|s| s.input.clone())
    }

    /// The encoders' pipelines: colour, alpha, and the sound's when there is one.
    fn pipelines(&self) -> Vec<&gst::Pipeline> {
        [Some(&self.colour.pipeline), Some(&self.alpha.pipeline), self.sound.as_ref().map(|s| &s.pipeline)]
            .into_iter()
            .flatten()
            .collect()
    }

    /// Ends both streams, waits for every encoder's EOS and the muxing thread's finished file,
    /// then fsyncs and renames it into place. Returns the destination path.
    pub fn finish(mut self) -> Result<PathBuf, EncodeError> {
        self.commit()
    }

    /// As [`WebmAlphaEncoder::finish`], with the pipelines left up until the session is dropped
    /// (as [`super::Encoder::commit`]: the caller can hand the finished file on first).
    pub fn commit(&mut self) -> Result<PathBuf, EncodeError> {
        session_end::all_frames_given(self.next_index, self.settings.total_frames)?;
        if self.colour.end().is_err() || self.alpha.end().is_err() {
            return Err(self.failure("ending the stream"));
        }
        let streams = self.pipelines().len();
        let (mut eos, mut file_written) = (0, false);
        while eos < streams || !file_written {
            if self.cancel.is_cancelled() {
                return Err(EncodeError::Cancelled);
            }
            // Each watcher hangs up after its EOS: the channel is polled only until both came.
            if eos < streams {
                let lost = || self.failure("finishing the file");
                if let Some(Outcome::Eos) =
                    session_end::heard(&self.outcomes, POLL, &self.cancel, || self.audio_failure(), lost)?
                {
                    eos += 1;
                }
            }
            if !file_written {
                match self.written.recv_timeout(if eos < streams { Duration::ZERO } else { POLL }) {
                    Ok(Ok(())) => file_written = true,
                    Ok(Err(e)) => return Err(self.failure_or(e)),
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => return Err(self.failure("writing the file")),
                }
            }
        }
        let output = self.output.take().ok_or_else(|| EncodeError::Init("the output was already taken".into()))?;
        session_end::commit_reporting(&self.progress, self.settings.total_frames, &self.cancel, || output.commit())
    }

    /// The best explanation for a failed push or state change: cancel, else the error a bus
    /// watcher or the muxing thread reported, else a generic encoder error.
    fn failure(&self, doing: &str) -> EncodeError {
        let generic =
            EncodeError::Encoder { element: "vp9enc".into(), message: format!("the encoders stopped while {doing}") };
        self.failure_or(generic)
    }

    /// Like [`Self::failure`], with `fallback` when nothing better is said within 2 s: an
    /// encoder's own error beats the muxing thread's "the stream ended early".
    fn failure_or(&self, fallback: EncodeError) -> EncodeError {
        if let Some(e) = self.audio_failure() {
            return e;
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        let mut fallback = Some(fallback);
        while std::time::Instant::now() < deadline {
            if self.cancel.is_cancelled() {
                return EncodeError::Cancelled;
            }
            match self.outcomes.recv_timeout(POLL) {
                Ok(Outcome::Failed(e)) => return self.audio_failure().unwrap_or(e),
                Ok(_) | Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            if let Ok(Err(e)) = self.written.try_recv() {
                fallback = Some(e);
            }
        }
        fallback.unwrap_or(EncodeError::Cancelled)
    }

    /// Why the sound failed, if it did (the mixer names the file).
    fn audio_failure(&self) -> Option<EncodeError> {
        self.sound.as_ref().and_then(|s| s.input.failure()).map(EncodeError::Audio)
    }
}

impl Drop for WebmAlphaEncoder {
    fn drop(&mut self) {
        for p in self.pipelines() {
            let _ = p.set_state(gst::State::Null);
        }
        self.stop_watch.store(true, Ordering::Release);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        // `output` drops here: an unfinished temp file is removed.
    }
}

/// Opus at the VP8 WebM's bitrates: the same sound in either WebM, rendered or joined.
fn opus_bitrate(quality: Quality) -> u32 {
    Format::Webm.profile().audio.as_ref().map_or(160_000, |a| a.bitrates[quality_index(quality)])
}

fn quality_index(q: Quality) -> usize {
    Quality::ALL.iter().position(|&x| x == q).unwrap_or(2)
}

fn validate(s: &EncodeSettings) -> Result<(), EncodeError> {
    if s.input != PixelFormat::Rgba {
        return Err(EncodeError::Settings(
            "a transparent WebM is made from RGBA frames with their alpha; the frames given are I420".into(),
        ));
    }
    if s.width == 0 || s.height == 0 || s.width % 2 == 1 || s.height % 2 == 1 {
        return Err(EncodeError::Settings(format!("{}×{} is not a positive even size", s.width, s.height)));
    }
    if s.width > 16384 || s.height > 16384 {
        return Err(EncodeError::Settings(format!("{}×{} is too large for VP9 (16384 at most)", s.width, s.height)));
    }
    if s.fps == 0 || s.fps > 240 {
        return Err(EncodeError::Settings(format!("{} fps is outside 1–240", s.fps)));
    }
    if s.total_frames == 0 {
        return Err(EncodeError::Settings("there are no frames to encode".into()));
    }
    Ok(())
}
