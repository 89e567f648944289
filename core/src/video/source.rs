//! One video clip opened for its pictures:
//! `filesrc ! decodebin ! videoconvert ! videoflip video-direction=auto [! videocrop] [! videoscale] ! video/x-raw,format=RGBA|I420 ! appsink`
//! (its sound streams go to a `fakesink`: the mix decodes sound on its own).
//!
//! **The frame rule** ([`VideoSource::frame_at`]): the frame whose presentation time (0 = the
//! clip's first frame) is nearest to `t`; on a tie the earlier one; before 0 the first frame,
//! past the end the last. Frames are decoded forward for sequential access; a jump backwards,
//! or more than [`FAR`] ahead, seeks (`FLUSH | ACCURATE`, never to key units, which snap to a
//! keyframe) to a little before the target and decodes forward from there, so the frame just
//! before `t` is seen too and the rule holds for variable frame rates and B-frames alike.
//! Two decoded frames are held at a time, plus a cache of the frames handed out lately within
//! [`CACHE_BYTES`]: memory does not grow with the clip's length or size.

use crate::encode::PixelFormat;
use crate::media_file::{self, Refusal};
use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Further ahead than this, seeking beats decoding every frame in between.
pub const FAR: f64 = 1.0;
/// A seek lands this far before its target, so the frame shown just before it is decoded too.
const LEAD: f64 = 0.5;
/// What the cache of frames handed out may hold, per clip (a 4K frame is 33 MB, 1080p 8.3).
pub const CACHE_BYTES: usize = 64 << 20;
/// Pictures that end more than this before the declared length: the file was cut short.
const SHORT_BY: f64 = 0.5;
/// Two times this close count as a tie (seconds).
const TIE: f64 = 1e-6;

#[derive(Debug, Clone, thiserror::Error)]
pub enum VideoError {
    #[error("{}: {reason}", path.display())]
    Unreadable { path: PathBuf, reason: String },
    #[error("{} is not a video GStreamer recognises ({reason})", path.display())]
    NotVideo { path: PathBuf, reason: String },
    #[error("{} has no picture (it may be a sound file)", path.display())]
    NoPicture { path: PathBuf },
    #[error("{} is {format}, which no installed GStreamer plugin decodes: install the Debian package {package}", path.display())]
    NoDecoder { path: PathBuf, format: String, package: String },
    #[error("{} is damaged or cut short: {reason}", path.display())]
    Corrupt { path: PathBuf, reason: String },
}

/// What a clip is: its picture's size (after rotation), length and nominal rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VideoInfo {
    pub width: u32,
    pub height: u32,
    /// Seconds, as the container says (0 when it does not).
    pub duration: f64,
    /// Frames per second as the stream declares it (0 when it does not: variable rate).
    pub fps: f64,
}

/// How a clip's pictures come out of its decoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Picture {
    /// RGBA for the page; I420 (in the encoder's layout and matrix) for the encoder.
    pub format: PixelFormat,
    /// Pixels cut from the (upright) picture's left, right, top and bottom, before scaling.
    pub crop: [u32; 4],
    /// The size it is scaled to (its own when `None`).
    pub size: Option<(u32, u32)>,
}

impl Default for Picture {
    fn default() -> Self {
        Self { format: PixelFormat::Rgba, crop: [0; 4], size: None }
    }
}

impl Picture {
    fn caps(&self) -> Result<gst::Caps, gst::glib::BoolError> {
        let Some((w, h)) = self.size else {
            return Ok(gst::Caps::builder("video/x-raw").field("format", self.format.gst_name()).build());
        };
        let mut caps = match self.format {
            PixelFormat::I420 => self.format.picture_caps(w.max(2), h.max(2))?,
            PixelFormat::Rgba => gst::Caps::builder("video/x-raw")
                .field("format", "RGBA")
                .field("width", w.max(1) as i32)
                .field("height", h.max(1) as i32)
                .build(),
        };
        if let Some(s) = caps.make_mut().structure_mut(0) {
            s.set("pixel-aspect-ratio", gst::Fraction::new(1, 1));
        }
        Ok(caps)
    }
}

/// A decoded picture (as its [`Picture`] says) and its time from the clip's first frame.
#[derive(Clone)]
pub struct ClipFrame {
    pub time: f64,
    pub data: Arc<gst::MappedBuffer<gst::buffer::Readable>>,
    pts: gst::ClockTime,
}

impl ClipFrame {
    pub fn pixels(&self) -> &[u8] {
        self.data.as_slice()
    }
}

pub struct VideoSource {
    path: PathBuf,
    pipeline: gst::Pipeline,
    sink: gst_app::AppSink,
    info: VideoInfo,
    /// The first frame's presentation time: every frame's time counts from it.
    origin: gst::ClockTime,
    /// The last two frames decoded, in order: the one at or before the position, then after.
    before: Option<ClipFrame>,
    after: Option<ClipFrame>,
    ended: bool,
    /// The latest frame time decoded so far.
    last_time: f64,
    /// Frames handed out lately, by the time asked for (µs), oldest first, within
    /// [`CACHE_BYTES`]: a composition that asks for the same time again (a held frame, a
    /// thumbnail at 5 s beside the running clip, a loop) gets it without a seek.
    cache: std::collections::VecDeque<(i64, ClipFrame)>,
}

impl VideoSource {
    pub fn open(path: &Path) -> Result<Self, VideoError> {
        Self::open_as(path, Picture::default())
    }

    /// Opens a clip whose pictures are scaled to `size` (width, height) as they are decoded:
    /// what a composition draws smaller than the clip need not cross to the page at full size.
    pub fn open_scaled(path: &Path, size: Option<(u32, u32)>) -> Result<Self, VideoError> {
        Self::open_as(path, Picture { size, ..Picture::default() })
    }

    /// Opens a clip whose pictures come out as `picture` says (format, crop, size).
    pub fn open_as(path: &Path, picture: Picture) -> Result<Self, VideoError> {
        let refused = |r| refusal(path, r);
        let element = |name: &str| media_file::element(name).map_err(refused);
        let convert = element("videoconvert")?;
        let flip = element("videoflip")?;
        flip.set_property_from_str("video-direction", "auto");
        let caps = picture.caps().map_err(|e| VideoError::Unreadable { path: path.into(), reason: e.to_string() })?;
        let sink = gst_app::AppSink::builder().caps(&caps).max_buffers(2).drop(false).sync(false).build();
        let mut chain: Vec<gst::Element> = vec![convert, flip];
        let [left, right, top, bottom] = picture.crop;
        if picture.crop != [0; 4] {
            let crop = element("videocrop")?;
            for (name, v) in [("left", left), ("right", right), ("top", top), ("bottom", bottom)] {
                crop.set_property(name, v.min(i32::MAX as u32) as i32);
            }
            chain.push(crop);
        }
        if picture.size.is_some() {
            chain.push(element("videoscale")?);
        }
        chain.push(sink.clone().upcast());
        let chain: Vec<&gst::Element> = chain.iter().collect();
        let (pipeline, picture_in) = media_file::open(path, "video/", &chain).map_err(refused)?;
        let mut source = Self {
            path: path.into(),
            pipeline,
            sink,
            info: VideoInfo { width: 0, height: 0, duration: 0.0, fps: 0.0 },
            origin: gst::ClockTime::ZERO,
            before: None,
            after: None,
            ended: false,
            last_time: 0.0,
            cache: std::collections::VecDeque::new(),
        };
        source.pipeline.set_state(gst::State::Paused).map_err(|_| source.bus_error("cannot start decoding"))?;
        media_file::wait_preroll(&source.pipeline, &picture_in).map_err(|r| refusal(path, r))?;
        source.pipeline.set_state(gst::State::Playing).map_err(|_| source.bus_error("cannot start decoding"))?;
        let mut first = source.pull()?.ok_or_else(|| VideoError::NoPicture { path: path.into() })?;
        source.origin = first.pts;
        first.time = 0.0;
        source.after = Some(first);
        Ok(source)
    }

    pub fn info(&self) -> VideoInfo {
        self.info
    }

    /// The frame the rule picks for `t` seconds into the clip (see the module's comment).
    pub fn frame_at(&mut self, t: f64) -> Result<ClipFrame, VideoError> {
        let t = if t.is_finite() { t.max(0.0) } else { 0.0 };
        let key = (t * 1e6).round() as i64;
        if let Some(i) = self.cache.iter().position(|(k, _)| *k == key) {
            let hit = self.cache.remove(i).map(|(_, f)| f);
            if let Some(f) = hit {
                self.cache.push_back((key, f.clone()));
                return Ok(f);
            }
        }
        let frame = self.decode_at(t)?;
        self.cache.push_back((key, frame.clone()));
        while self.cache_bytes() > CACHE_BYTES && self.cache.len() > 1 {
            self.cache.pop_front();
        }
        Ok(frame)
    }

    /// Bytes of the frames the cache holds (a frame handed out twice counts once per entry).
    pub fn cache_bytes(&self) -> usize {
        self.cache.iter().map(|(_, f)| f.pixels().len()).sum()
    }

    fn decode_at(&mut self, t: f64) -> Result<ClipFrame, VideoError> {
        let behind = self.before.as_ref().or(self.after.as_ref()).is_none_or(|f| t < f.time);
        let far = self.after.as_ref().is_some_and(|f| t > f.time + FAR);
        if behind || far {
            self.seek(t)?;
        }
        // Forward until the frame after the position is past `t` (or the clip ends).
        while !self.ended && self.after.as_ref().is_none_or(|f| f.time <= t) {
            match self.pull()? {
                Some(frame) => self.before = self.after.replace(frame).or(self.before.take()),
                None => self.ended = true,
            }
        }
        let pick = match (&self.before, &self.after) {
            // A tie within a microsecond is a tie (containers keep times to that precision).
            (Some(b), Some(a)) if a.time > t && t - b.time <= a.time - t + TIE => b,
            (Some(b), Some(a)) if a.time <= t => a,
            (_, Some(a)) => a,
            (Some(b), None) => b,
            (None, None) => return Err(VideoError::NoPicture { path: self.path.clone() }),
        };
        Ok(pick.clone())
    }

    /// Restarts decoding a little before `t`.
    fn seek(&mut self, t: f64) -> Result<(), VideoError> {
        // Past the end the last frame is wanted: land before the end and decode to it.
        let t = if self.info.duration > 0.0 { t.min(self.info.duration) } else { t };
        let lead = (t - LEAD).max(0.0);
        let target = self.origin + gst::ClockTime::from_nseconds((lead * 1e9) as u64);
        // Back to the very start: a key-unit seek (the first frame is a keyframe). An accurate
        // seek to the first frame's time lost the first frames of B-frame streams (measured).
        let flags = if lead == 0.0 {
            gst::SeekFlags::FLUSH | gst::SeekFlags::KEY_UNIT
        } else {
            gst::SeekFlags::FLUSH | gst::SeekFlags::ACCURATE
        };
        self.pipeline.seek_simple(flags, target).map_err(|_| self.bus_error("cannot seek in the clip"))?;
        self.before = None;
        self.after = None;
        self.ended = false;
        match self.pull()? {
            Some(f) => self.after = Some(f),
            None => self.ended = true,
        }
        Ok(())
    }

    /// The next decoded frame, `None` at the end.
    fn pull(&mut self) -> Result<Option<ClipFrame>, VideoError> {
        let Some(sample) =
            self.sink.try_pull_sample(gst::ClockTime::from_nseconds(media_file::STALL.as_nanos() as u64))
        else {
            if self.sink.is_eos() {
                // Ending well before the length the file declares: cut short (a demuxer may just
                // stop where the data does, and the clip would silently freeze).
                if self.info.duration > 0.0 && self.last_time + SHORT_BY < self.info.duration {
                    return Err(VideoError::Corrupt {
                        path: self.path.clone(),
                        reason: format!(
                            "its pictures end at {:.2} s but it says it lasts {:.2} s",
                            self.last_time, self.info.duration
                        ),
                    });
                }
                return Ok(None);
            }
            return Err(self.bus_error("the decoder stopped answering"));
        };
        if self.info.width == 0 {
            let caps = sample.caps().and_then(|c| c.structure(0).map(|s| s.to_owned()));
            if let Some(s) = caps {
                let (w, h) = (s.get::<i32>("width").unwrap_or(0), s.get::<i32>("height").unwrap_or(0));
                let fps =
                    s.get::<gst::Fraction>("framerate").map(|f| f64::from(f.numer()) / f64::from(f.denom().max(1)));
                let duration =
                    self.pipeline.query_duration::<gst::ClockTime>().map_or(0.0, |d| d.nseconds() as f64 / 1e9);
                self.info =
                    VideoInfo { width: w.max(0) as u32, height: h.max(0) as u32, duration, fps: fps.unwrap_or(0.0) };
            }
        }
        let buffer = sample.buffer_owned().ok_or_else(|| self.bus_error("a decoded frame has no data"))?;
        let pts = buffer.pts().ok_or_else(|| self.bus_error("a decoded frame has no time"))?;
        let time = pts.saturating_sub(self.origin).nseconds() as f64 / 1e9;
        self.last_time = self.last_time.max(time);
        let data = buffer.into_mapped_buffer_readable().map_err(|_| self.bus_error("cannot read a decoded frame"))?;
        Ok(Some(ClipFrame { time, data: Arc::new(data), pts }))
    }

    fn bus_error(&self, what: &str) -> VideoError {
        refusal(&self.path, media_file::bus_refusal(&self.pipeline, what))
    }
}

/// Why a file cannot be decoded, said for a video.
fn refusal(path: &Path, r: Refusal) -> VideoError {
    let path = path.to_path_buf();
    match r {
        Refusal::Unreadable(reason) => VideoError::Unreadable { path, reason },
        Refusal::Unrecognised(reason) => VideoError::NotVideo { path, reason },
        Refusal::NoneOfKind => VideoError::NoPicture { path },
        Refusal::NoDecoder { format, package } => VideoError::NoDecoder { path, format, package },
        Refusal::Corrupt(reason) => VideoError::Corrupt { path, reason },
    }
}

impl Drop for VideoSource {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}
