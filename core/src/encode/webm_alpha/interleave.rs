//! The transparent WebM as it is written: the video frames given in order, with the sound's
//! Opus packets and the caption cues that start before each frame written just before it, so
//! every track is in time order. Shared by the encoder's muxing thread (`muxing`) and the join
//! of chunks (`remux`).

use super::super::output::classify_io;
use super::super::EncodeError;
use super::writer::{OpusTrack, VideoTrack, WebmWriter};
use crate::captions::in_file::{FileTrack, Sample};
use gstreamer as gst;
use gstreamer_app as gst_app;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

pub(super) struct WebmFile {
    writer: WebmWriter<BufWriter<File>>,
    sound: Option<SoundQueue>,
    /// Every caption track's cues (track index, cue) in time order, and the next to write.
    cues: Vec<(usize, Sample)>,
    next_cue: usize,
    dest: PathBuf,
}

impl WebmFile {
    /// Writes the header: the video track, the sound's (once its first packet has said what it
    /// is) and a WebVTT track per caption track.
    pub(super) fn new(
        out: BufWriter<File>,
        track: VideoTrack,
        sound: Option<SoundQueue>,
        texts: &[FileTrack],
        dest: &Path,
    ) -> Result<Self, EncodeError> {
        let opus = sound.as_ref().and_then(|q| q.track.clone());
        let languages: Vec<String> = texts.iter().map(|t| t.language.clone()).collect();
        let writer = WebmWriter::new(out, track, opus.as_ref(), &languages).map_err(|e| classify_io(&e, dest))?;
        let mut cues: Vec<(usize, Sample)> =
            texts.iter().enumerate().flat_map(|(i, t)| t.samples.iter().map(move |c| (i, c.clone()))).collect();
        cues.sort_by_key(|(i, c)| (c.start_ms, *i));
        Ok(Self { writer, sound, cues, next_cue: 0, dest: dest.to_path_buf() })
    }

    /// Writes a frame at `time_ms` (see [`WebmWriter::write_frame`]), after the sound and the
    /// cues that start up to then.
    pub(super) fn write_frame(
        &mut self,
        time_ms: u64,
        key: bool,
        colour: &[u8],
        alpha: &[u8],
        duration_ms: Option<u64>,
    ) -> Result<(), EncodeError> {
        self.write_until(Some(time_ms))?;
        self.writer.write_frame(time_ms, key, colour, Some(alpha), duration_ms).map_err(|e| classify_io(&e, &self.dest))
    }

    /// Writes the rest of the sound and the cues, the Cues, and flushes the file.
    pub(super) fn finish(mut self, total_ms: f64) -> Result<(), EncodeError> {
        self.write_until(None)?;
        let io = |e: std::io::Error| classify_io(&e, &self.dest);
        let buffered = self.writer.finish(total_ms).map_err(io)?;
        buffered.into_inner().map_err(|e| io(e.into_error()))?;
        Ok(())
    }

    fn write_until(&mut self, until: Option<u64>) -> Result<(), EncodeError> {
        if let Some(q) = self.sound.as_mut() {
            q.write_until(&mut self.writer, until).map_err(|e| e.into_error(&self.dest))?;
        }
        while let Some((i, c)) = self.cues.get(self.next_cue).filter(|(_, c)| until.is_none_or(|t| c.start_ms <= t)) {
            let payload = crate::encode::subtitles::webm_text::block_text(&c.text);
            self.writer
                .write_text(*i, c.start_ms, c.end_ms, payload.as_bytes())
                .map_err(|e| classify_io(&e, &self.dest))?;
            self.next_cue += 1;
        }
        Ok(())
    }
}

/// The Opus packets not yet written, taken in time order from the encoder's `appsink`.
pub(super) struct SoundQueue {
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
    fn into_error(self, dest: &Path) -> EncodeError {
        match self {
            SoundError::Io(e) => classify_io(&e, dest),
            SoundError::Encoder(e) => e,
        }
    }
}

impl SoundQueue {
    /// Waits for the first packet: its caps carry the OpusHead the track header needs.
    pub(super) fn start(sink: gst_app::AppSink) -> Result<Self, EncodeError> {
        let mut q = Self { sink, next: None, ended: false, track: None };
        q.fill().map_err(|e| e.into_error(Path::new("")))?;
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

pub(super) fn encoder(message: String) -> EncodeError {
    EncodeError::Encoder { element: "vp9enc".into(), message }
}
