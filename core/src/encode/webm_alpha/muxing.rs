//! The muxing thread: pulls the colour and the alpha frame of each picture from the two
//! encoders' `appsink`s, pairs them, and writes them as one block of the WebM file.

use super::super::output::classify_io;
use super::super::settings::{EncodeSettings, Progress, ProgressFn};
use super::super::EncodeError;
use super::writer::{OpusTrack, VideoTrack, WebmWriter};
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
pub(super) fn frame_ms(index: u64, fps: u32) -> u64 {
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
        let io = |e: std::io::Error| classify_io(&e, &dest);
        let total_ms = match s.duration {
            Some(d) => d.as_secs_f64() * 1000.0,
            None => s.total_frames as f64 * 1000.0 / f64::from(s.fps),
        };
        let mut sound = match sound {
            Some(sink) => Some(SoundQueue::start(sink)?),
            None => None,
        };
        let opus = sound.as_ref().and_then(|q| q.track.clone());
        let languages: Vec<String> = texts.iter().map(|t| t.language.clone()).collect();
        let mut writer = WebmWriter::new(out, track, opus.as_ref(), &languages).map_err(io)?;
        // Every track's cues in time order, written before the first frame at or after them.
        let mut cues: Vec<(usize, &crate::captions::in_file::Sample)> =
            texts.iter().enumerate().flat_map(|(i, t)| t.samples.iter().map(move |c| (i, c))).collect();
        cues.sort_by_key(|(i, c)| (c.start_ms, *i));
        let mut cues = cues.into_iter().peekable();
        let mut write_cues_until = |writer: &mut WebmWriter<_>, until: Option<u64>| -> std::io::Result<()> {
            while let Some((i, c)) = cues.next_if(|(_, c)| until.is_none_or(|t| c.start_ms <= t)) {
                let payload = crate::encode::subtitles::webm_text::block_text(&c.text);
                writer.write_text(i, c.start_ms, c.end_ms, payload.as_bytes())?;
            }
            Ok(())
        };
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
            if let Some(q) = sound.as_mut() {
                q.write_until(&mut writer, Some(time)).map_err(|e| e.into_error(&dest))?;
            }
            write_cues_until(&mut writer, Some(time)).map_err(io)?;
            let last = index + 1 == s.total_frames;
            let duration = last.then(|| (total_ms.round() as u64).saturating_sub(time).max(1));
            writer.write_frame(time, key, cm.as_slice(), Some(am.as_slice()), duration).map_err(io)?;
            index += 1;
            let done = index.min(s.total_frames);
            let stage = if done == s.total_frames { Stage::Finalizing } else { Stage::Rendering };
            progress(Progress { stage, frames_done: done, total_frames: s.total_frames });
        }
        if index < s.total_frames {
            return Err(ended("the colour stream", index, s.total_frames));
        }
        if let Some(q) = sound.as_mut() {
            q.write_until(&mut writer, None).map_err(|e| e.into_error(&dest))?;
        }
        write_cues_until(&mut writer, None).map_err(io)?;
        let buffered = writer.finish(total_ms).map_err(io)?;
        buffered.into_inner().map_err(|e| io(e.into_error()))?;
        Ok(())
    }
}

/// The Opus packets not yet written, taken in time order from the encoder's `appsink`.
struct SoundQueue {
    sink: gst_app::AppSink,
    next: Option<gst::Sample>,
    ended: bool,
    /// `None` when the sound ended before its first packet (no sound track then).
    track: Option<OpusTrack>,
}

/// Why writing the sound failed: the file, or the stream.
enum SoundError {
    Io(std::io::Error),
    Encoder(EncodeError),
}

impl SoundError {
    fn into_error(self, dest: &std::path::Path) -> EncodeError {
        match self {
            SoundError::Io(e) => classify_io(&e, dest),
            SoundError::Encoder(e) => e,
        }
    }
}

impl SoundQueue {
    /// Waits for the first packet: its caps carry the OpusHead the track header needs.
    fn start(sink: gst_app::AppSink) -> Result<Self, EncodeError> {
        let mut q = Self { sink, next: None, ended: false, track: None };
        q.fill().map_err(|e| e.into_error(std::path::Path::new("")))?;
        if let Some(sample) = &q.next {
            q.track = Some(opus_track(sample)?);
        }
        Ok(q)
    }

    fn fill(&mut self) -> Result<(), SoundError> {
        if self.next.is_none() && !self.ended {
            match self.sink.pull_sample() {
                Ok(sample) => self.next = Some(sample),
                Err(_) if self.sink.is_eos() => self.ended = true,
                Err(_) => return Err(SoundError::Encoder(encoder("the sound stopped before its end".into()))),
            }
        }
        Ok(())
    }

    /// Writes the packets that start before `limit_ms` (all of them for `None`).
    fn write_until(&mut self, w: &mut WebmWriter<BufWriter<File>>, limit_ms: Option<u64>) -> Result<(), SoundError> {
        if self.track.is_none() {
            return Ok(());
        }
        loop {
            self.fill()?;
            let Some(sample) = &self.next else { return Ok(()) };
            let Some(buffer) = sample.buffer() else {
                self.next = None;
                continue;
            };
            let time = buffer.pts().map_or(0, |t| (t.nseconds() + 500_000) / 1_000_000);
            if limit_ms.is_some_and(|l| time >= l) {
                return Ok(());
            }
            let map =
                buffer.map_readable().map_err(|_| SoundError::Encoder(encoder("an unreadable Opus packet".into())))?;
            w.write_sound(time, map.as_slice()).map_err(SoundError::Io)?;
            drop(map);
            self.next = None;
        }
    }
}

/// The sound track's header from the Opus encoder's caps: the OpusHead (its first stream
/// header), whose pre-skip is the track's CodecDelay.
fn opus_track(sample: &gst::Sample) -> Result<OpusTrack, EncodeError> {
    let missing = || encoder("the Opus encoder gave no OpusHead".into());
    let caps = sample.caps().ok_or_else(missing)?;
    let st = caps.structure(0).ok_or_else(missing)?;
    let headers = st.get::<gst::Array>("streamheader").map_err(|_| missing())?;
    let head = headers.as_slice().first().and_then(|v| v.get::<gst::Buffer>().ok()).ok_or_else(missing)?;
    let head = head.map_readable().map_err(|_| missing())?.as_slice().to_vec();
    if head.len() < 19 || &head[..8] != b"OpusHead" {
        return Err(missing());
    }
    let pre_skip = u64::from(u16::from_le_bytes([head[10], head[11]]));
    let rate = st.get::<i32>("rate").unwrap_or(48_000).max(1) as u32;
    let channels = u32::from(head[9]);
    // The pre-skip counts 48 kHz samples whatever the input rate (RFC 7845).
    Ok(OpusTrack { head, delay_ns: pre_skip * 1_000_000_000 / 48_000, rate, channels })
}

fn encoder(message: String) -> EncodeError {
    EncodeError::Encoder { element: "vp9enc".into(), message }
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
