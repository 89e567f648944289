//! The muxing thread: pulls the colour and the alpha frame of each picture from the two
//! encoders' `appsink`s, pairs them, and writes them as one block of the WebM file.

use super::super::settings::{EncodeSettings, Progress, ProgressFn};
use super::super::EncodeError;
use super::interleave::{encoder, SoundQueue, WebmFile};
use super::writer::VideoTrack;
use crate::captions::in_file::FileTrack;
use crate::stage::Stage;
use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;
use std::sync::mpsc::Sender;

pub(super) struct MuxJob {
    pub(super) colour: gst_app::AppSink,
    pub(super) alpha: gst_app::AppSink,
    /// The Opus encoder's output, when the file has sound.
    pub(super) sound: Option<gst_app::AppSink>,
    /// The file, and its video track: the header is written once the sound's first packet
    /// has said what its track is (its OpusHead).
    pub(super) out: BufWriter<File>,
    pub(super) track: VideoTrack,
    /// The subtitle tracks (WebVTT), on the file's timeline.
    pub(super) texts: Vec<FileTrack>,
    pub(super) settings: EncodeSettings,
    pub(super) dest: PathBuf,
    /// Both encoders' pipelines: stopped on a failure here, so a blocked push returns.
    pub(super) pipelines: Vec<gst::glib::WeakRef<gst::Pipeline>>,
    pub(super) progress: ProgressFn,
    pub(super) done: Sender<Result<(), EncodeError>>,
}

/// A frame's time in the file's milliseconds (TimestampScale 1 ms), rounded.
pub fn frame_ms(index: u64, fps: u32) -> u64 {
    (u128::from(index) * 2000 / u128::from(fps)).div_ceil(2) as u64
}

impl MuxJob {
    pub(super) fn run(self) {
        let (pipelines, done) = (self.pipelines.clone(), self.done.clone());
        let result = self.write_all();
        if result.is_err() {
            for p in pipelines.iter().filter_map(|w| w.upgrade()) {
                let _ = p.set_state(gst::State::Null);
            }
        }
        let _ = done.send(result);
    }

    fn write_all(self) -> Result<(), EncodeError> {
        let Self { colour, alpha, sound, out, track, texts, settings: s, dest, progress, .. } = self;
        let total_ms = match s.duration {
            Some(d) => d.as_secs_f64() * 1000.0,
            None => s.total_frames as f64 * 1000.0 / f64::from(s.fps),
        };
        let sound = match sound {
            Some(sink) => Some(SoundQueue::start(sink)?),
            None => None,
        };
        let mut file = WebmFile::new(out, track, sound, &texts, &dest)?;
        let mut index = 0u64;
        // pull_sample fails at EOS, and also when the pipeline is stopped (cancel or error).
        while let Ok(c) = colour.pull_sample() {
            let a = alpha.pull_sample().map_err(|_| ended("the alpha stream", index, s.total_frames))?;
            let (Some(cb), Some(ab)) = (c.buffer(), a.buffer()) else {
                return Err(encoder(format!("frame {index} came out of the encoder without data")));
            };
            if cb.pts() != ab.pts() {
                return Err(encoder(format!(
                    "the colour and the alpha frames went out of step at frame {index} ({:?} vs {:?})",
                    cb.pts(),
                    ab.pts()
                )));
            }
            // A player may start here only if both frames are keyframes; they are forced on the
            // same frames, and a mismatch just makes that frame an ordinary one.
            let key = !cb.flags().contains(gst::BufferFlags::DELTA_UNIT)
                && !ab.flags().contains(gst::BufferFlags::DELTA_UNIT);
            let unreadable = || encoder(format!("frame {index} is unreadable"));
            let (cm, am) = (cb.map_readable().map_err(|_| unreadable())?, ab.map_readable().map_err(|_| unreadable())?);
            let time = frame_ms(index, s.fps);
            let last = index + 1 == s.total_frames;
            let duration = last.then(|| (total_ms.round() as u64).saturating_sub(time).max(1));
            file.write_frame(time, key, cm.as_slice(), am.as_slice(), duration)?;
            index += 1;
            let done = index.min(s.total_frames);
            let stage = if done == s.total_frames { Stage::Finalizing } else { Stage::Rendering };
            progress(Progress { stage, frames_done: done, total_frames: s.total_frames });
        }
        if index < s.total_frames {
            return Err(ended("the colour stream", index, s.total_frames));
        }
        file.finish(total_ms)
    }
}

fn ended(what: &str, index: u64, total: u64) -> EncodeError {
    encoder(format!("{what} ended after {index} of {total} frames"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn frame_times_are_rounded_milliseconds() {
        assert_eq!(super::frame_ms(0, 30), 0);
        assert_eq!(super::frame_ms(1, 30), 33);
        assert_eq!(super::frame_ms(2, 30), 67);
        assert_eq!(super::frame_ms(3, 30), 100);
        assert_eq!(super::frame_ms(1, 24), 42);
    }
}
