//! The encoding session: `appsrc ! videoconvert ! <encoder> ! <muxer> ! filesink` (or, for GIF,
//! `appsrc ! videoconvert ! appsink` → the app's GIF writer), with the tail taken from the
//! format's [`Profile`]; with sound, `appsrc name=asrc ! audioconvert ! <audio encoder> ! mux.`
//! too ([`AudioInput`]).
//!
//! Threads: the caller pushes frames; GStreamer's streaming thread converts and encodes; a bus
//! watcher turns errors into typed [`EncodeError`]s and stops the pipeline so a blocked push
//! returns; for GIF a writer thread quantizes and writes frames.

use super::audio_input::AudioInput;
use super::gif::{gif_error, GifWriter};
use super::output::TempOutput;
use super::profile::Format;
use super::session_end;
use super::settings::{EncodeSettings, Progress, ProgressFn};
use super::sinks::{watch_bus, GifJob, Outcome};
use super::subtitles::SubtitleTrack;
use super::worker::{frame_time, spawn};
use super::EncodeError;
use crate::cancel::CancelToken;
use crate::captions::in_file::FileTrack;
use crate::stage::Stage;
use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;
use std::time::Duration;

/// Frames queued in `appsrc` before `push_frame` blocks. Two keeps the encoder fed while the
/// producer prepares the next frame; memory stays flat however long the video.
pub const FRAMES_IN_FLIGHT: u64 = 2;
const POLL: Duration = Duration::from_millis(50);

/// Initialises GStreamer once per process.
pub fn gst_init() -> Result<(), EncodeError> {
    static INIT: OnceLock<Result<(), String>> = OnceLock::new();
    INIT.get_or_init(|| gst::init().map_err(|e| e.to_string())).clone().map_err(EncodeError::Init)
}

/// Checks that every element a format needs is installed, naming the Debian package if not.
pub fn check_elements(format: Format) -> Result<(), EncodeError> {
    gst_init()?;
    for r in format.profile().requirements() {
        if gst::ElementFactory::find(r.element).is_none() {
            return Err(EncodeError::MissingElement { element: r.element.into(), package: r.package.into() });
        }
    }
    Ok(())
}

/// One encode in progress. Push every frame in order, then [`Encoder::finish`]. Dropping it
/// without finishing stops the pipeline and removes the temp file.
pub struct Encoder {
    settings: EncodeSettings,
    pipeline: gst::Pipeline,
    appsrc: gst_app::AppSrc,
    output: Option<TempOutput>,
    next_index: u64,
    cancel: CancelToken,
    outcomes: Receiver<Outcome>,
    stop_watch: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
    progress: ProgressFn,
    audio: Option<AudioInput>,
    /// The caption tracks' format, when the file carries some.
    subtitles: Option<&'static SubtitleTrack>,
}

impl Encoder {
    /// Checks the elements, creates the temp file beside `dest` and starts the pipeline.
    pub fn start(
        settings: EncodeSettings,
        dest: &Path,
        cancel: CancelToken,
        progress: ProgressFn,
    ) -> Result<Self, EncodeError> {
        Self::start_with_captions(settings, &[], dest, cancel, progress)
    }

    /// As [`Encoder::start`], the file also carrying `captions` as subtitle tracks when its
    /// profile can (`Profile::captions`, [`super::subtitles`]); others leave them out.
    pub fn start_with_captions(
        settings: EncodeSettings,
        captions: &[FileTrack],
        dest: &Path,
        cancel: CancelToken,
        progress: ProgressFn,
    ) -> Result<Self, EncodeError> {
        validate(&settings)?;
        check_elements(settings.format)?;
        let profile = settings.format.profile();
        let audio_tail = if settings.audio { profile.audio_tail(settings.quality) } else { None };
        if let (Some(codec), Some(_)) = (&profile.audio, &audio_tail) {
            gst_init()?;
            if gst::ElementFactory::find(codec.requires.element).is_none() {
                let r = codec.requires;
                return Err(EncodeError::MissingElement { element: r.element.into(), package: r.package.into() });
            }
        }
        let output = TempOutput::create(dest)?;
        let mut desc = format!("appsrc name=src ! {}", profile.tail(settings.quality, settings.prores_profile));
        if let Some(tail) = &audio_tail {
            desc = format!("{desc} {tail}");
        }
        let subtitles = profile.captions.filter(|_| !captions.is_empty() && profile.muxer.is_some());
        if let Some(s) = subtitles {
            desc += &s.tail(captions.len());
        }
        let pipeline = gst::parse::launch(&desc)
            .map_err(|e| EncodeError::Init(format!("cannot build the pipeline: {e}")))?
            .downcast::<gst::Pipeline>()
            .map_err(|_| EncodeError::Init("the description did not produce a pipeline".into()))?;
        let appsrc = pipeline
            .by_name("src")
            .and_then(|e| e.downcast::<gst_app::AppSrc>().ok())
            .ok_or_else(|| EncodeError::Init("the pipeline has no appsrc".into()))?;
        let caps = settings
            .input
            .caps(settings.width, settings.height, settings.fps)
            .map_err(|e| EncodeError::Settings(format!("unsupported frame size or rate: {e}")))?;
        appsrc.set_caps(Some(&caps));
        appsrc.set_format(gst::Format::Time);
        appsrc.set_is_live(false);
        appsrc.set_block(true);
        appsrc.set_max_bytes(settings.frame_bytes() as u64 * FRAMES_IN_FLIGHT);
        let subtitle_inputs = subtitles
            .map(|s| s.prepare(&pipeline, captions))
            .transpose()
            .map_err(EncodeError::Init)?
            .unwrap_or_default();
        let audio = match audio_tail {
            None => None,
            Some(_) => Some(
                pipeline
                    .by_name("asrc")
                    .and_then(|e| e.downcast::<gst_app::AppSrc>().ok())
                    .ok_or_else(|| EncodeError::Init("the pipeline has no sound input".into()))
                    .and_then(|a| AudioInput::new(a).map_err(EncodeError::Init))?,
            ),
        };

        let temp_str = utf8_path(output.temp_path(), dest)?;
        // mp4mux's faststart keeps the media data in a scratch file of its own until the index
        // is written. It stays in the temp folder (mp4mux's default), not beside the output:
        // mp4mux opens it only when the first encoded frame arrives, and if the destination
        // folder has vanished by then, GStreamer 1.22's mp4mux deadlocks while reporting the
        // error (seen in `core/tests/faults.rs`). mp4mux removes the scratch file itself.

        let encoded = Arc::new(AtomicU64::new(0));
        let (tx, outcomes) = mpsc::channel();
        let stop_watch = Arc::new(AtomicBool::new(false));
        let mut threads = Vec::new();
        let mut gif_job = None;
        let sink = pipeline.by_name("sink").ok_or_else(|| EncodeError::Init("the pipeline has no sink".into()))?;
        match sink.downcast::<gst_app::AppSink>() {
            Ok(appsink) => {
                // The handle that created the temp file: its name is not opened again.
                let file = output.file()?;
                let (w, h) = (settings.width, settings.height);
                let (w, h) = (w as u16, h as u16); // validated to fit in `validate`
                let writer = GifWriter::new(std::io::BufWriter::with_capacity(1 << 20, file), w, h, settings.gif_loops)
                    .map_err(|e| gif_error(e, dest))?;
                let job = GifJob {
                    appsink,
                    writer: Some(writer),
                    settings: settings.clone(),
                    dest: dest.to_path_buf(),
                    pipeline: pipeline.downgrade(),
                    tx: tx.clone(),
                    progress: progress.clone(),
                    encoded: encoded.clone(),
                };
                // Started once the pipeline plays: `pull_sample` on a stopped appsink fails at once.
                gif_job = Some(job);
            }
            Err(filesink) => {
                filesink.set_property("location", temp_str);
                let enc =
                    pipeline.by_name("enc").ok_or_else(|| EncodeError::Init("the pipeline has no encoder".into()))?;
                let pad =
                    enc.static_pad("src").ok_or_else(|| EncodeError::Init("the encoder has no src pad".into()))?;
                let (counter, progress, total) = (encoded.clone(), progress.clone(), settings.total_frames);
                let fixup = profile.frame_fixup;
                // Progress counts frames leaving the encoder, not frames pushed: x264's lookahead
                // holds dozens of frames, and a bar that runs ahead of it would then stall.
                pad.add_probe(gst::PadProbeType::BUFFER, move |_, info| {
                    if let (Some(fix), Some(gst::PadProbeData::Buffer(buffer))) = (fixup, info.data.as_mut()) {
                        if let Ok(mut map) = buffer.make_mut().map_writable() {
                            fix(map.as_mut_slice());
                        }
                    }
                    let done = (counter.fetch_add(1, Ordering::AcqRel) + 1).min(total);
                    let stage = if done == total { Stage::Finalizing } else { Stage::Rendering };
                    progress(Progress { stage, frames_done: done, total_frames: total });
                    gst::PadProbeReturn::Ok
                });
            }
        }

        let bus = pipeline.bus().ok_or_else(|| EncodeError::Init("the pipeline has no bus".into()))?;
        let (weak, stop, dest_buf) = (pipeline.downgrade(), stop_watch.clone(), dest.to_path_buf());
        threads.push(spawn("bazaar-bus", move || watch_bus(bus, weak, stop, tx, dest_buf))?);

        let weak = pipeline.downgrade();
        cancel.on_cancel(move || {
            // Stopping the pipeline flushes it, which wakes a push blocked on a full appsrc.
            // It happens on a thread of its own: stopping waits for the streaming threads, and
            // they may be inside the progress callback waiting for a lock the canceller holds
            // (the app's job list is locked while a job is cancelled), a deadlock otherwise.
            let Some(p) = weak.upgrade() else { return };
            let stop = move || {
                let _ = p.set_state(gst::State::Null);
            };
            if let Err(e) = std::thread::Builder::new().name("bazaar-stop".into()).spawn(stop) {
                eprintln!("bazaar-export: cannot stop the pipeline on its own thread: {e}");
            }
        });
        let mut session = Self {
            settings,
            pipeline,
            appsrc,
            output: Some(output),
            next_index: 0,
            cancel,
            outcomes,
            stop_watch,
            threads,
            progress,
            audio,
            subtitles,
        };
        if session.cancel.is_cancelled() {
            return Err(EncodeError::Cancelled);
        }
        session.pipeline.set_state(gst::State::Playing).map_err(|_| session.failure("starting the pipeline"))?;
        if let Some(s) = subtitles {
            s.push(&subtitle_inputs, captions).map_err(|_| session.failure("writing the caption tracks"))?;
        }
        if let Some(job) = gif_job {
            session.threads.push(spawn("bazaar-gif", move || job.run())?);
        }
        (session.progress)(Progress {
            stage: Stage::Rendering,
            frames_done: 0,
            total_frames: session.settings.total_frames,
        });
        Ok(session)
    }

    /// Pushes frame `index` (must be the next one) in the settings' `input` format. Blocks while frames in flight are at
    /// the bound. Takes the buffer by value so it reaches GStreamer without a copy; it is dropped
    /// when the encoder is done with it (a [`super::PooledFrame`] then goes back to its pool).
    pub fn push_frame<P>(&mut self, index: u64, pixels: P) -> Result<(), EncodeError>
    where
        P: AsRef<[u8]> + AsMut<[u8]> + Send + 'static,
    {
        if self.cancel.is_cancelled() {
            return Err(EncodeError::Cancelled);
        }
        let s = &self.settings;
        if pixels.as_ref().len() != s.frame_bytes() {
            return Err(EncodeError::BadFrame {
                index,
                got: pixels.as_ref().len(),
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
        let pts = frame_time(index, s.fps);
        let end = if index + 1 == s.total_frames {
            s.duration
                .map(|d| gst::ClockTime::from_nseconds(d.as_nanos() as u64))
                .unwrap_or(frame_time(index + 1, s.fps))
                .max(pts)
        } else {
            frame_time(index + 1, s.fps)
        };
        let mut buffer = gst::Buffer::from_mut_slice(pixels);
        if let Some(b) = buffer.get_mut() {
            b.set_pts(pts);
            b.set_duration(end - pts);
            b.set_offset(index);
        }
        match self.appsrc.push_buffer(buffer) {
            Ok(_) => {
                self.next_index += 1;
                Ok(())
            }
            Err(_) => Err(self.failure(&format!("encoding frame {index}"))),
        }
    }

    /// Reports through `taken` which frames the encoder has taken in ([`super::input_taken`]);
    /// false, with nothing watched, when its profile does not copy its input
    /// ([`super::Profile::copies_input`]).
    pub fn watch_input(&self, taken: super::input_taken::TakenFn) -> Result<bool, EncodeError> {
        if !self.settings.format.profile().lends_input() {
            return Ok(false);
        }
        let enc =
            self.pipeline.by_name("enc").ok_or_else(|| EncodeError::Init("the pipeline has no encoder".into()))?;
        super::input_taken::watch(&enc, taken).map(|()| true)
    }

    /// The sound input, when the settings asked for a sound track: feed it from another thread
    /// while frames are pushed here, then end it; the file is complete when both have ended.
    pub fn audio_input(&self) -> Option<AudioInput> {
        self.audio.clone()
    }

    /// Ends the stream, waits for the file, puts it in place, then takes the pipeline down
    /// (see [`Encoder::commit`]). Returns the destination path.
    pub fn finish(mut self) -> Result<PathBuf, EncodeError> {
        self.commit()
    }

    /// Ends the stream, waits for the muxer to finish (EOS on the bus; for GIF, the file
    /// written), then fsyncs and renames the file into place. Returns the destination path.
    ///
    /// Unlike [`Encoder::finish`], the pipeline stays up until the encoder is dropped, so a
    /// caller can hand the finished file on first: the teardown (x264 freeing its pictures and
    /// look-ahead) changes nothing in the file.
    pub fn commit(&mut self) -> Result<PathBuf, EncodeError> {
        session_end::all_frames_given(self.next_index, self.settings.total_frames)?;
        if self.appsrc.end_of_stream().is_err() {
            return Err(self.failure("ending the stream"));
        }
        // A video is done when the muxer's EOS reaches the bus; a GIF when our encoder has
        // written it (its appsink sees EOS first).
        let gif = self.settings.format == Format::Gif;
        loop {
            let lost = || self.failure("finishing the file");
            match session_end::heard(&self.outcomes, POLL, &self.cancel, || self.audio_failure(), lost)? {
                Some(Outcome::Eos) if !gif => break,
                Some(Outcome::GifWritten) if gif => break,
                _ => {}
            }
        }
        // EOS on the bus means every sink has handled it, and filesink writes out what it still
        // buffered when EOS reaches it (the GIF writer has closed its file before it reports):
        // the file is complete, so it is committed now, with the pipeline still up.
        let output = self.output.take().ok_or_else(|| EncodeError::Init("the output was already taken".into()))?;
        let (subtitles, audio) = (self.subtitles, self.audio.as_ref());
        let priming = self.settings.format.profile().audio.as_ref().map_or(0, |codec| codec.priming);
        session_end::commit_reporting(&self.progress, self.settings.total_frames, &self.cancel, || {
            if let Some(finish) = subtitles.and_then(|s| s.finish) {
                finish(output.temp_path())
                    .map_err(|e| EncodeError::Encoder { element: "webmmux".into(), message: e })?;
            }
            if let (Some(audio), true) = (audio, priming > 0) {
                super::mp4_priming::skip_priming(output.temp_path(), priming, audio.frames_pushed())
                    .map_err(|e| EncodeError::Encoder { element: "mp4mux".into(), message: e })?;
            }
            output.commit()
        })
    }

    /// The best explanation for a failed push or state change: cancel, else the error the bus
    /// watcher or GIF writer reported, else a generic encoder error.
    fn failure(&self, doing: &str) -> EncodeError {
        if self.cancel.is_cancelled() {
            return EncodeError::Cancelled;
        }
        if let Some(e) = self.audio_failure() {
            return e;
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        while std::time::Instant::now() < deadline {
            match self.outcomes.recv_timeout(POLL) {
                Ok(Outcome::Failed(e)) => return self.audio_failure().unwrap_or(e),
                Ok(_) | Err(RecvTimeoutError::Timeout) => {
                    if self.cancel.is_cancelled() {
                        return EncodeError::Cancelled;
                    }
                }
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        EncodeError::Encoder { element: "pipeline".into(), message: format!("the pipeline stopped while {doing}") }
    }

    /// Why the sound failed, if it did (the mixer names the file).
    fn audio_failure(&self) -> Option<EncodeError> {
        self.audio.as_ref().and_then(AudioInput::failure).map(EncodeError::Audio)
    }

    fn join_threads(&mut self) {
        self.stop_watch.store(true, Ordering::Release);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Drop for Encoder {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
        self.join_threads();
        // `output` drops here: an unfinished temp file is removed.
    }
}

fn validate(s: &EncodeSettings) -> Result<(), EncodeError> {
    let (w, h) = (s.width, s.height);
    if s.width == 0 || s.height == 0 || w == 0 || h == 0 || s.width % 2 == 1 || s.height % 2 == 1 {
        return Err(EncodeError::Settings(format!("{}×{} is not a positive even size", s.width, s.height)));
    }
    if s.fps == 0 || s.fps > 240 {
        return Err(EncodeError::Settings(format!("{} fps is outside 1–240", s.fps)));
    }
    if s.format.kind() != super::OutputKind::Video {
        return Err(EncodeError::Settings(format!("{} is not written by the video encoder", s.format.id())));
    }
    if s.total_frames == 0 {
        return Err(EncodeError::Settings("there are no frames to encode".into()));
    }
    if s.format == Format::Gif && (w > u32::from(u16::MAX) || h > u32::from(u16::MAX)) {
        return Err(EncodeError::Settings(format!("{w}×{h} is too large for a GIF (65535 at most)")));
    }
    Ok(())
}

fn utf8_path(p: &Path, dest: &Path) -> Result<String, EncodeError> {
    p.to_str().map(str::to_owned).ok_or_else(|| EncodeError::Destination {
        path: dest.into(),
        reason: "the folder's name is not valid UTF-8".into(),
    })
}
