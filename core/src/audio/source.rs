//! One sound file decoded to the mix's format, read in order:
//! `filesrc ! decodebin ! audioconvert ! audioresample quality=10 ! audio/x-raw,format=F32LE,rate=48000,channels=2 ! appsink`
//! (a video file's picture streams go to a `fakesink`).
//!
//! The file is resampled once, here, with GStreamer's best resampler quality: 44.1 kHz sources
//! are common and the mix is 48 kHz. Samples are dropped from the head rather than seeking, so
//! a sound starts on the exact sample whatever the container's seeking precision; an MP3's
//! encoder delay and padding are dropped too ([`super::mp3_gapless`]).

use super::mp3_gapless;
use super::{AudioError, CHANNELS, RATE};
use crate::encode::gst_init;
use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a decoder may take to hand over its next buffer before the file counts as broken.
const STALL: Duration = Duration::from_secs(30);
/// Buffers the decoder may work ahead (each ≈ 10–50 ms of sound): memory stays flat.
const AHEAD: u32 = 8;
/// A file that ends more than this short of the length its header declares is cut short.
const SHORT_BY: u64 = RATE as u64 / 20;
/// The message the decoder posts when a file's streams are all known and none is sound.
const NO_SOUND: &str = "bazaar-no-sound";

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
}

/// Frames (one sample per channel) at the mix's rate in `seconds`.
pub fn frames_in(seconds: f64) -> u64 {
    (seconds * f64::from(RATE)).round().max(0.0) as u64
}

impl Source {
    /// Opens `path` and drops its first `skip` frames (48 kHz). Decoding starts at once;
    /// errors the file causes (not audio, no decoder, damaged) are reported here or by `read`.
    pub fn open(path: &Path, skip: u64) -> Result<Self, AudioError> {
        let mut source = Self::build(path)?;
        let head = read_head(path);
        if let Some((declared, held)) = head.as_ref().and_then(|(h, len)| wav_cut_short(h, *len)) {
            return Err(AudioError::Corrupt {
                path: path.into(),
                reason: format!("it says it holds {declared} bytes of sound but has only {held}"),
            });
        }
        let gapless = head.and_then(|(head, _)| mp3_gapless::read(&head));
        let to_mix = |n: u64, rate: u32| (u128::from(n) * u128::from(RATE)).div_ceil(u128::from(rate)) as u64;
        let (head, valid) = match gapless {
            Some(g) => (to_mix(g.skip, g.sample_rate), g.valid.map(|v| to_mix(v, g.sample_rate))),
            None => (0, None),
        };
        source.skip = head + skip;
        source.origin = skip;
        source.left = valid.map(|v| v.saturating_sub(skip));
        source.pipeline.set_state(gst::State::Paused).map_err(|_| source.error_or("cannot start decoding"))?;
        source.wait_preroll()?;
        source.length = valid.or_else(|| {
            let d = source.pipeline.query_duration::<gst::ClockTime>()?;
            Some(frames_in(d.nseconds() as f64 / 1e9).saturating_sub(head))
        });
        source.pipeline.set_state(gst::State::Playing).map_err(|_| source.error_or("cannot start decoding"))?;
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
            let Some(sample) = self.sink.try_pull_sample(gst::ClockTime::from_nseconds(STALL.as_nanos() as u64)) else {
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

    fn build(path: &Path) -> Result<Self, AudioError> {
        gst_init().map_err(|e| AudioError::Unreadable { path: path.into(), reason: e.to_string() })?;
        let fail = |what: &str| AudioError::Unreadable { path: path.into(), reason: format!("cannot {what}") };
        let element = |name: &str| {
            gst::ElementFactory::make(name).build().map_err(|_| AudioError::NoDecoder {
                path: path.into(),
                format: format!("a file that needs the GStreamer element {name}"),
                package: "gstreamer1.0-plugins-base".into(),
            })
        };
        let pipeline = gst::Pipeline::new();
        let src = element("filesrc")?;
        src.set_property("location", path);
        let decode = element("decodebin")?;
        let convert = element("audioconvert")?;
        let resample = element("audioresample")?;
        resample.set_property("quality", 10i32);
        let caps = gst::Caps::builder("audio/x-raw")
            .field("format", "F32LE")
            .field("rate", RATE as i32)
            .field("channels", CHANNELS as i32)
            .field("layout", "interleaved")
            .build();
        let sink = gst_app::AppSink::builder().caps(&caps).max_buffers(AHEAD).drop(false).sync(false).build();
        pipeline
            .add_many([&src, &decode, &convert, &resample, sink.upcast_ref()])
            .map_err(|_| fail("build the decoder"))?;
        src.link(&decode).map_err(|_| fail("build the decoder"))?;
        gst::Element::link_many([&convert, &resample, sink.upcast_ref()]).map_err(|_| fail("build the decoder"))?;
        let weak = pipeline.downgrade();
        let audio_in = convert.static_pad("sink").ok_or_else(|| fail("build the decoder"))?;
        // The first sound stream goes to the mix; anything else (a video's pictures, a second
        // sound track) to a fakesink, so an unlinked stream does not stop the demuxer.
        decode.connect_pad_added(move |_, pad| {
            let is_audio = pad
                .current_caps()
                .and_then(|c| c.structure(0).map(|s| s.name().starts_with("audio/")))
                .unwrap_or(false);
            if is_audio && !audio_in.is_linked() && pad.link(&audio_in).is_ok() {
                return;
            }
            let Some(pipeline) = weak.upgrade() else { return };
            let Ok(sink) =
                gst::ElementFactory::make("fakesink").property("sync", false).property("async", false).build()
            else {
                return;
            };
            if pipeline.add(&sink).is_ok() {
                let _ = sink.sync_state_with_parent();
                if let Some(p) = sink.static_pad("sink") {
                    let _ = pad.link(&p);
                }
            }
        });
        // All streams found and none is sound (a video without a sound track): say so at once
        // rather than wait for a preroll that cannot come.
        let (weak, audio_in) =
            (pipeline.downgrade(), convert.static_pad("sink").ok_or_else(|| fail("build the decoder"))?);
        decode.connect_no_more_pads(move |decode| {
            if !audio_in.is_linked() {
                if let Some(p) = weak.upgrade() {
                    let _ = p.post_message(
                        gst::message::Application::builder(gst::Structure::new_empty(NO_SOUND)).src(decode).build(),
                    );
                }
            }
        });
        Ok(Self {
            path: path.to_path_buf(),
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
            audio_in: convert.static_pad("sink").ok_or_else(|| fail("build the decoder"))?,
        })
    }

    /// Waits until the first decoded sound reaches the sink, or says why it cannot.
    fn wait_preroll(&self) -> Result<(), AudioError> {
        let Some(bus) = self.pipeline.bus() else { return Err(self.error_or("cannot start decoding")) };
        let deadline = std::time::Instant::now() + STALL;
        while std::time::Instant::now() < deadline {
            let Some(msg) = bus.timed_pop_filtered(
                gst::ClockTime::from_mseconds(100),
                &[
                    gst::MessageType::AsyncDone,
                    gst::MessageType::Error,
                    gst::MessageType::Element,
                    gst::MessageType::Application,
                ],
            ) else {
                continue;
            };
            match msg.view() {
                gst::MessageView::Application(a) if a.structure().is_some_and(|s| s.name() == NO_SOUND) => {
                    return Err(AudioError::NoSoundTrack { path: self.path.clone() });
                }
                // A video without sound prerolls on its fakesinks alone.
                gst::MessageView::AsyncDone(_) if self.audio_in.is_linked() => return Ok(()),
                gst::MessageView::AsyncDone(_) => return Err(AudioError::NoSoundTrack { path: self.path.clone() }),
                gst::MessageView::Element(_) => {
                    if let Some(e) = missing_decoder(&msg, &self.path) {
                        return Err(e);
                    }
                }
                gst::MessageView::Error(err) => return Err(classify(err, &self.path)),
                _ => {}
            }
        }
        Err(AudioError::Corrupt { path: self.path.clone(), reason: "decoding did not start within 30 s".into() })
    }

    /// The error the bus holds, or `what` as the reason.
    fn error_or(&self, what: &str) -> AudioError {
        if let Some(bus) = self.pipeline.bus() {
            while let Some(msg) = bus.pop_filtered(&[gst::MessageType::Error, gst::MessageType::Element]) {
                if let Some(e) = missing_decoder(&msg, &self.path) {
                    return e;
                }
                if let gst::MessageView::Error(err) = msg.view() {
                    return classify(err, &self.path);
                }
            }
        }
        AudioError::Corrupt { path: self.path.clone(), reason: what.into() }
    }
}

impl Drop for Source {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

/// The file's first 64 KiB and its length.
fn read_head(path: &Path) -> Option<(Vec<u8>, u64)> {
    use std::io::Read;
    let mut head = Vec::with_capacity(65536);
    let file = std::fs::File::open(path).ok()?;
    let len = file.metadata().ok()?.len();
    file.take(65536).read_to_end(&mut head).ok()?;
    Some((head, len))
}

/// A WAV whose `data` chunk declares more bytes than the file holds was cut short (GStreamer
/// plays what is there without a word): the declared and held sizes.
fn wav_cut_short(head: &[u8], file_len: u64) -> Option<(u64, u64)> {
    if head.len() < 12 || &head[..4] != b"RIFF" || &head[8..12] != b"WAVE" {
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

fn classify(err: &gst::message::Error, path: &Path) -> AudioError {
    let e = err.error();
    let reason = e.message().to_string();
    match e.kind::<gst::StreamError>() {
        Some(gst::StreamError::TypeNotFound | gst::StreamError::WrongType) => {
            AudioError::NotAudio { path: path.into(), reason }
        }
        Some(gst::StreamError::CodecNotFound) => AudioError::NoDecoder {
            path: path.into(),
            format: "a format".into(),
            package: "gstreamer1.0-plugins-bad or gstreamer1.0-libav".into(),
        },
        _ => match e.kind::<gst::ResourceError>() {
            Some(_) => AudioError::Unreadable { path: path.into(), reason },
            None => AudioError::Corrupt { path: path.into(), reason },
        },
    }
}

/// decodebin's "missing-plugin" message, as the Debian package to install.
fn missing_decoder(msg: &gst::Message, path: &Path) -> Option<AudioError> {
    let s = msg.structure()?;
    if s.name() != "missing-plugin" {
        return None;
    }
    let caps = s.get::<gst::Caps>("detail").ok();
    let detail = caps.as_ref().and_then(|c| c.structure(0));
    let name = detail.map(|d| d.name().to_string()).unwrap_or_default();
    let mpeg = detail.and_then(|d| d.get::<i32>("mpegversion").ok());
    let (format, package) = match (name.as_str(), mpeg) {
        ("audio/mpeg", Some(1)) => ("MP3", "gstreamer1.0-plugins-good"),
        ("audio/mpeg", _) => ("AAC", "gstreamer1.0-libav"),
        ("audio/x-flac", _) => ("FLAC", "gstreamer1.0-plugins-good"),
        ("audio/x-vorbis", _) => ("Ogg Vorbis", "gstreamer1.0-plugins-base"),
        ("audio/x-opus", _) => ("Opus", "gstreamer1.0-plugins-base"),
        ("video/quicktime" | "audio/x-m4a", _) => ("an MP4/M4A file", "gstreamer1.0-plugins-good"),
        ("video/x-matroska" | "video/webm" | "audio/webm", _) => ("a Matroska/WebM file", "gstreamer1.0-plugins-good"),
        ("application/ogg", _) => ("an Ogg file", "gstreamer1.0-plugins-base"),
        _ => ("a format", "gstreamer1.0-plugins-bad or gstreamer1.0-libav"),
    };
    let format = if name.is_empty() { format.to_string() } else { format!("{format} ({name})") };
    Some(AudioError::NoDecoder { path: path.into(), format, package: package.into() })
}
