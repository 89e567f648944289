//! One sound file decoded to the mix's format, read in order:
//! `filesrc ! decodebin ! audioconvert ! audioresample quality=10 ! audio/x-raw,format=F32LE,rate=48000,channels=2 ! appsink`
//! (a video file's picture streams go to a `fakesink`).
//!
//! The file is opened once and checked ([`super::sound_file`]), and resampled once, here, with
//! GStreamer's best resampler quality: 44.1 kHz sources are common and the mix is 48 kHz. A
//! sound starts on the exact sample whatever the container's seeking precision: its head (the
//! trim, an MP3's encoder delay and padding ([`super::mp3_gapless`])) is cut before the
//! resampler and sought past only in a WAV ([`super::head_cut`]), and the last samples of it
//! are dropped here, counted.

use super::head_cut::HeadCut;
use super::mp3_gapless;
use super::sound_file::{self, SoundFile};
use super::{AudioClip, AudioError, CHANNELS, RATE};
use crate::encode::audio_input::mix_caps_at;
use crate::media_file::{self, Refusal};
use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use std::path::{Path, PathBuf};

/// Buffers the decoder may work ahead (each ≈ 10–50 ms of sound): memory stays flat.
const AHEAD: u32 = 8;
/// A file that ends more than this short of the length its header declares is cut short.
const SHORT_BY: u64 = RATE as u64 / 20;
/// Bytes an MP3 may lack of the length its tag declares before it is called cut short (a few
/// frames: some taggers round).
const MP3_SLACK: u64 = 4096;
/// Frames a WAV's head must have before it is sought past rather than read (a second).
const SEEK_PAST: u64 = RATE as u64;

pub struct Source {
    path: PathBuf,
    pipeline: gst::Pipeline,
    sink: gst_app::AppSink,
    pending: Vec<f32>,
    read_at: usize,
    /// Frames still to drop from the head (the trim, and an MP3's encoder delay).
    skip: u64,
    /// Frames of sound left (an MP3 whose tag counts them), so its padding is not played.
    left: Option<u64>,
    /// The sound's length in frames at 48 kHz (from the file's start), when the file says.
    length: Option<u64>,
    /// Frames the caller asked to drop (its trim), and frames handed over since.
    origin: u64,
    delivered: u64,
    ended: bool,
    /// Where the sound stream enters the conversion; unlinked if the file has none.
    audio_in: gst::Pad,
    /// What GStreamer opens (the open file checked by [`sound_file`]).
    location: PathBuf,
    /// The head dropped before the resampler.
    cut: HeadCut,
}

/// Frames (one sample per channel) at the mix's rate in `seconds`.
pub fn frames_in(seconds: f64) -> u64 {
    frames_at(seconds, RATE)
}

/// Frames in `seconds` of a stream at `rate`.
fn frames_at(seconds: f64, rate: u32) -> u64 {
    (seconds * f64::from(rate)).round().max(0.0) as u64
}

/// The rate a file played at `speed` is resampled to, its samples then taken as the mix's
/// (48 kHz): twice as fast is 24 kHz, half as fast 96 kHz. Rounded to the hertz: exact at the
/// usual speeds (0.25, 0.5, 0.75, 1.25, 1.5, 2, 3, 4); elsewhere below speed 2 the sound drifts
/// from its picture by at most 1.3 ms a minute.
pub fn stream_rate(speed: f64) -> u32 {
    let speed = if speed.is_finite() && speed > 0.0 { speed.clamp(1.0 / 16.0, 16.0) } else { 1.0 };
    (f64::from(RATE) / speed).round() as u32
}

/// Frames of the mix that `seconds` of the file take at `speed` (a trim, say).
pub fn frames_at_speed(seconds: f64, speed: f64) -> u64 {
    frames_at(seconds, stream_rate(speed))
}

impl Source {
    /// Opens `clip`'s file and drops its first `skip` frames (48 kHz). Decoding starts at once;
    /// errors the file causes (not audio, no decoder, damaged) are reported here or by `read`.
    pub fn open(clip: &AudioClip, skip: u64) -> Result<Self, AudioError> {
        Self::open_at_speed(clip, skip, 1.0)
    }

    /// As [`Source::open`], the file played at `speed` (see [`stream_rate`]): `skip` and the
    /// length count frames of the mix.
    pub fn open_at_speed(clip: &AudioClip, skip: u64, speed: f64) -> Result<Self, AudioError> {
        let file = sound_file::open(clip)?;
        let head = read_head(&file.file);
        let path = clip.path.as_path();
        if let Some((declared, held)) = head.as_ref().and_then(|(h, len)| wav_cut_short(h, *len)) {
            return Err(AudioError::Corrupt {
                path: path.into(),
                reason: format!("it says it holds {declared} bytes of sound but has only {held}"),
            });
        }
        let rate = stream_rate(speed);
        let gapless = head.as_ref().and_then(|(head, _)| mp3_gapless::read(head));
        if let (Some(g), Some((_, len))) = (gapless, &head) {
            let held = len.saturating_sub(g.first_frame_at);
            if let Some(declared) = g.stream_bytes.filter(|&d| d > held + MP3_SLACK) {
                return Err(AudioError::Corrupt {
                    path: path.into(),
                    reason: format!("it says it holds {declared} bytes of sound but has only {held}"),
                });
            }
        }
        let to_mix = |n: u64, from: u32| (u128::from(n) * u128::from(rate)).div_ceil(u128::from(from)) as u64;
        let (lead, valid) = match gapless {
            Some(g) => (to_mix(g.skip, g.sample_rate), g.valid.map(|v| to_mix(v, g.sample_rate))),
            None => (0, None),
        };
        // Seeking is exact in a WAV (its samples are at fixed places); elsewhere the head is
        // decoded and dropped before the resampler.
        let seek = head.as_ref().is_some_and(|(h, _)| is_wav(h)) && skip > SEEK_PAST;
        let mut source = Self::start(path, &file, rate, lead + skip, seek)?;
        if source.cut.overshot() {
            source = Self::start(path, &file, rate, lead + skip, false)?;
        }
        drop(file);
        source.skip = (lead + skip).saturating_sub(source.cut.dropped());
        source.origin = skip;
        source.left = valid.map(|v| v.saturating_sub(skip));
        source.length = valid.or_else(|| {
            let d = source.pipeline.query_duration::<gst::ClockTime>()?;
            Some(frames_at(d.nseconds() as f64 / 1e9, rate).saturating_sub(lead))
        });
        source.pipeline.set_state(gst::State::Playing).map_err(|_| source.error_or("cannot start decoding"))?;
        Ok(source)
    }

    /// The pipeline built and prerolled, its first `target` frames cut (at most a margin of
    /// them left for `read` to drop); with `seek`, sought past.
    fn start(path: &Path, file: &SoundFile, rate: u32, target: u64, seek: bool) -> Result<Self, AudioError> {
        let source = Self::build(path, &file.location, rate, HeadCut::new(target, rate))?;
        if seek {
            source.cut.seek_in(&source.pipeline);
        }
        source.pipeline.set_state(gst::State::Paused).map_err(|_| source.error_or("cannot start decoding"))?;
        source.wait_preroll()?;
        Ok(source)
    }

    /// The sound's length at 48 kHz from the start of the file, when the file declares it.
    pub fn length(&self) -> Option<u64> {
        self.length
    }

    /// Fills `out` (interleaved stereo) with the next frames; returns how many frames it
    /// wrote, fewer than asked only at the end of the file.
    pub fn read(&mut self, out: &mut [f32]) -> Result<usize, AudioError> {
        let want = out.len() / CHANNELS;
        let mut done = 0;
        while done < want {
            if self.read_at >= self.pending.len() && !self.refill()? {
                break;
            }
            let available = (self.pending.len() - self.read_at) / CHANNELS;
            let mut n = available.min(want - done);
            if let Some(left) = self.left {
                n = n.min(left as usize);
                if n == 0 {
                    break;
                }
                self.left = Some(left - n as u64);
            }
            let from = self.read_at;
            out[done * CHANNELS..(done + n) * CHANNELS].copy_from_slice(&self.pending[from..from + n * CHANNELS]);
            self.read_at += n * CHANNELS;
            self.delivered += n as u64;
            done += n;
        }
        Ok(done)
    }

    /// The next decoded buffer, with the head still to skip dropped. `false` at the end.
    fn refill(&mut self) -> Result<bool, AudioError> {
        loop {
            if self.ended {
                return Ok(false);
            }
            let Some(sample) =
                self.sink.try_pull_sample(gst::ClockTime::from_nseconds(media_file::STALL.as_nanos() as u64))
            else {
                if self.sink.is_eos() {
                    self.ended = true;
                    return self.check_complete().map(|_| false);
                }
                return Err(self.error_or("the decoder stopped answering"));
            };
            let Some(buffer) = sample.buffer() else { continue };
            let map = buffer.map_readable().map_err(|_| self.error_or("cannot read a decoded buffer"))?;
            let bytes = map.as_slice();
            let frames = (bytes.len() / (4 * CHANNELS)) as u64;
            let drop = self.skip.min(frames);
            self.skip -= drop;
            if drop == frames {
                continue;
            }
            self.pending.clear();
            let kept = &bytes[drop as usize * 4 * CHANNELS..frames as usize * 4 * CHANNELS];
            self.pending.extend(kept.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])));
            self.read_at = 0;
            return Ok(true);
        }
    }

    /// A file that ends well before the length its header declares was cut short.
    fn check_complete(&self) -> Result<(), AudioError> {
        if let Some(left) = self.left.filter(|&l| l > SHORT_BY && self.skip == 0) {
            return Err(AudioError::Corrupt {
                path: self.path.clone(),
                reason: format!("its last {:.2} s are missing", left as f64 / f64::from(RATE)),
            });
        }
        if let (Some(length), None) = (self.length, self.left) {
            let end = self.origin + self.delivered;
            if self.skip == 0 && end + SHORT_BY < length {
                return Err(AudioError::Corrupt {
                    path: self.path.clone(),
                    reason: format!(
                        "it ends after {:.2} s but says it lasts {:.2} s",
                        end as f64 / f64::from(RATE),
                        length as f64 / f64::from(RATE)
                    ),
                });
            }
        }
        Ok(())
    }

    fn build(path: &Path, location: &Path, rate: u32, cut: HeadCut) -> Result<Self, AudioError> {
        let refused = |r| refusal(path, location, r);
        let element = |name: &str| media_file::element(name).map_err(refused);
        let convert = element("audioconvert")?;
        let resample = element("audioresample")?;
        resample.set_property("quality", 10i32);
        if let Some(pad) = resample.static_pad("sink") {
            cut.attach(&pad);
        }
        let sink =
            gst_app::AppSink::builder().caps(&mix_caps_at(rate)).max_buffers(AHEAD).drop(false).sync(false).build();
        let (pipeline, audio_in) =
            media_file::open(location, "audio/", &[&convert, &resample, sink.upcast_ref()]).map_err(refused)?;
        Ok(Self {
            path: path.to_path_buf(),
            location: location.to_path_buf(),
            cut,
            pipeline,
            sink,
            pending: Vec::new(),
            read_at: 0,
            skip: 0,
            left: None,
            length: None,
            origin: 0,
            delivered: 0,
            ended: false,
            audio_in,
        })
    }

    /// Waits until the first decoded sound reaches the sink, or says why it cannot.
    fn wait_preroll(&self) -> Result<(), AudioError> {
        media_file::wait_preroll(&self.pipeline, &self.audio_in).map_err(|r| refusal(&self.path, &self.location, r))
    }

    /// The error the bus holds, or `what` as the reason.
    fn error_or(&self, what: &str) -> AudioError {
        refusal(&self.path, &self.location, media_file::bus_refusal(&self.pipeline, what))
    }
}

/// Why a file cannot be decoded, said for a sound (GStreamer's words name `location`).
fn refusal(path: &Path, location: &Path, r: Refusal) -> AudioError {
    let said = |reason: String| sound_file::reworded(reason, location, path);
    let path = path.to_path_buf();
    match r {
        Refusal::Unreadable(reason) => AudioError::Unreadable { path, reason: said(reason) },
        Refusal::Unrecognised(reason) => AudioError::NotAudio { path, reason: said(reason) },
        Refusal::NoneOfKind => AudioError::NoSoundTrack { path },
        Refusal::NoDecoder { format, package } => AudioError::NoDecoder { path, format, package },
        Refusal::Corrupt(reason) => AudioError::Corrupt { path, reason: said(reason) },
    }
}

impl Drop for Source {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

/// The file's first 64 KiB and its length (read at offset 0 of the open file, which stays
/// where it is for GStreamer).
fn read_head(file: &std::fs::File) -> Option<(Vec<u8>, u64)> {
    use std::os::unix::fs::FileExt;
    let len = file.metadata().ok()?.len();
    let mut head = vec![0u8; len.min(65536) as usize];
    let mut got = 0;
    while got < head.len() {
        match file.read_at(&mut head[got..], got as u64) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    head.truncate(got);
    Some((head, len))
}

/// Whether the head is a WAV's (RIFF … WAVE).
fn is_wav(head: &[u8]) -> bool {
    head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WAVE"
}

/// A WAV whose `data` chunk declares more bytes than the file holds was cut short (GStreamer
/// plays what is there without a word): the declared and held sizes.
fn wav_cut_short(head: &[u8], file_len: u64) -> Option<(u64, u64)> {
    if !is_wav(head) {
        return None;
    }
    let mut at = 12usize;
    while at + 8 <= head.len() {
        let size = u64::from(u32::from_le_bytes(head[at + 4..at + 8].try_into().ok()?));
        if &head[at..at + 4] == b"data" {
            let held = file_len.saturating_sub(at as u64 + 8);
            // 0xFFFFFFFF and 0: a size a live recorder leaves when it cannot know it.
            return (size != u64::from(u32::MAX) && size > 0 && held + 1 < size).then_some((size, held));
        }
        at += 8 + size as usize + (size as usize & 1);
    }
    None
}
