//! Where an encode's stream ends: the bus watcher (a video's EOS or an error) and the GIF
//! writer (frames pulled from `appsink`), each telling the encoder its [`Outcome`].

use super::gif::{frame_delay_cs, gif_error, GifWriter};
use super::output::classify_io;
use super::settings::{EncodeSettings, Progress, ProgressFn};
use super::EncodeError;
use crate::stage::Stage;
use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Arc;

/// What the bus watcher or the GIF writer tells the session.
pub(super) enum Outcome {
    Eos,
    GifWritten,
    Failed(EncodeError),
}

/// Waits for EOS or an error. On error it stops the pipeline, which unblocks a pending push.
pub(super) fn watch_bus(
    bus: gst::Bus,
    pipeline: gst::glib::WeakRef<gst::Pipeline>,
    stop: Arc<AtomicBool>,
    tx: Sender<Outcome>,
    dest: PathBuf,
) {
    while !stop.load(Ordering::Acquire) {
        let Some(msg) = bus
            .timed_pop_filtered(gst::ClockTime::from_mseconds(50), &[gst::MessageType::Eos, gst::MessageType::Error])
        else {
            continue;
        };
        match msg.view() {
            gst::MessageView::Eos(_) => {
                let _ = tx.send(Outcome::Eos);
                return;
            }
            gst::MessageView::Error(err) => {
                let element = err.src().map(|s| s.name().to_string()).unwrap_or_else(|| "pipeline".into());
                let _ = tx.send(Outcome::Failed(classify_gst_error(err.error(), &element, &dest)));
                if let Some(p) = pipeline.upgrade() {
                    let _ = p.set_state(gst::State::Null);
                }
                return;
            }
            _ => {}
        }
    }
}

pub(crate) fn classify_gst_error(e: gst::glib::Error, element: &str, dest: &Path) -> EncodeError {
    match e.kind::<gst::ResourceError>() {
        Some(gst::ResourceError::NoSpaceLeft) => EncodeError::DiskFull { path: dest.into() },
        Some(
            gst::ResourceError::OpenWrite
            | gst::ResourceError::Write
            | gst::ResourceError::OpenReadWrite
            | gst::ResourceError::Close,
        ) => EncodeError::Destination { path: dest.into(), reason: e.message().to_string() },
        _ => EncodeError::Encoder { element: element.into(), message: e.message().to_string() },
    }
}

/// The GIF stage: pulls converted frames from `appsink`, quantizes and writes them.
pub(super) struct GifJob {
    pub(super) appsink: gst_app::AppSink,
    pub(super) writer: Option<GifWriter<std::io::BufWriter<std::fs::File>>>,
    pub(super) settings: EncodeSettings,
    pub(super) dest: PathBuf,
    pub(super) pipeline: gst::glib::WeakRef<gst::Pipeline>,
    pub(super) tx: Sender<Outcome>,
    pub(super) progress: ProgressFn,
    pub(super) encoded: Arc<AtomicU64>,
}

impl GifJob {
    pub(super) fn run(mut self) {
        let result = self.write_all();
        let outcome = match result {
            Ok(()) => Outcome::GifWritten,
            Err(e) => {
                // Stop the pipeline so a producer blocked on a full appsrc wakes up.
                if let Some(p) = self.pipeline.upgrade() {
                    let _ = p.set_state(gst::State::Null);
                }
                Outcome::Failed(e)
            }
        };
        let _ = self.tx.send(outcome);
    }

    fn write_all(&mut self) -> Result<(), EncodeError> {
        let s = &self.settings;
        let end_cs = s.duration.map(|d| (d.as_millis() as u64).div_ceil(10));
        let mut index = 0u64;
        // pull_sample fails at EOS, and also when the pipeline is stopped (cancel or error).
        while let Ok(sample) = self.appsink.pull_sample() {
            let Some(buffer) = sample.buffer() else {
                continue;
            };
            let map = buffer
                .map_readable()
                .map_err(|_| EncodeError::Encoder { element: "appsink".into(), message: "unreadable frame".into() })?;
            let delay = frame_delay_cs(index, s.fps, s.total_frames, end_cs);
            let writer =
                self.writer.as_mut().ok_or_else(|| EncodeError::Init("the GIF writer was already finished".into()))?;
            writer.write_frame(map.as_slice(), delay).map_err(|e| gif_error(e, &self.dest))?;
            index += 1;
            let done = index.min(s.total_frames);
            self.encoded.store(done, Ordering::Release);
            let stage = if done == s.total_frames { Stage::Finalizing } else { Stage::Rendering };
            (self.progress)(Progress { stage, frames_done: done, total_frames: s.total_frames });
        }
        if index < s.total_frames {
            return Err(EncodeError::Encoder {
                element: "gif".into(),
                message: format!("the stream ended after {index} of {} frames", s.total_frames),
            });
        }
        let writer =
            self.writer.take().ok_or_else(|| EncodeError::Init("the GIF writer was already finished".into()))?;
        let buffered = writer.finish().map_err(|e| gif_error(e, &self.dest))?;
        buffered.into_inner().map_err(|e| classify_io(e.error(), &self.dest))?;
        Ok(())
    }
}
