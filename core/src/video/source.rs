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
//! Once the last frame is decoded it is held: a still image, a one-frame clip or a clip whose
//! last frame lasts (a time-lapse at 1 fps) shows it to the end without seeking again.
//! Two decoded frames are held at a time, plus a cache of the frames handed out lately within
//! [`limits::CACHE_BYTES`]: memory does not grow with the clip's length, and its picture's size
//! is bounded ([`limits::MAX_PIXELS`]).

use super::error::{no_first_picture, refusal, VideoError};
use super::limits;
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
/// Pictures that end more than this before the declared length: the file was cut short.
const SHORT_BY: f64 = 0.5;
/// How often a wait for the decoder looks at its bus: an error after the first picture (a
/// file damaged further in) is said at once, not after [`media_file::STALL`].
const BUS_LOOK: gst::ClockTime = gst::ClockTime::from_mseconds(100);
/// Two times this close count as a tie (seconds).
const TIE: f64 = 1e-6;

/// What a clip is: its picture's own size (upright, before any crop or scaling), length and
/// nominal rate.
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
            PixelFormat::I420(_) => self.format.picture_caps(w.max(2), h.max(2))?,
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
    /// How long it is shown, as the file says (0 when it does not).
    duration: f64,
}

impl ClipFrame {
    pub fn pixels(&self) -> &[u8] {
        self.data.as_slice()
    }
}

pub struct VideoSource {
    path: PathBuf,
    /// The file opened here and decoded through its descriptor ([`Self::open_within`]).
    _file: Option<std::fs::File>,
    pipeline: gst::Pipeline,
    sink: gst_app::AppSink,
    info: VideoInfo,
    /// The size of the pictures handed out (after crop and scaling).
    picture: (u32, u32),
    /// Where the video track says its pictures end (its first segment's stop, in stream time),
    /// when it says so: MP4 does, track by track; Matroska gives only the whole file's length.
    track_stop: Option<gst::ClockTime>,
    /// The first frame's presentation time: every frame's time counts from it.
    origin: gst::ClockTime,
    /// The last two frames decoded, in order: the one at or before the position, then after.
    before: Option<ClipFrame>,
    after: Option<ClipFrame>,
    ended: bool,
    /// Frames handed out lately, by the time asked for (µs), oldest first, within
    /// [`limits::CACHE_BYTES`]: a composition that asks for the same time again (a held frame, a
    /// thumbnail at 5 s beside the running clip, a loop) gets it without a seek.
    cache: std::collections::VecDeque<(i64, ClipFrame)>,
}

impl VideoSource {
    pub fn open(path: &Path) -> Result<Self, VideoError> {
        Self::open_as(path, Picture::default())
    }

    /// What the clip at `path` is, from its first picture decoded (the file is checked as far
    /// as that), scaled down to almost nothing on the way out: an 8K clip's first frame is
    /// never converted to RGBA at its own size (268 MB) just to learn its size.
    pub fn probe(path: &Path) -> Result<VideoInfo, VideoError> {
        Ok(Self::open_scaled(path, Some((2, 2)))?.info())
    }

    /// Opens a clip whose pictures are scaled to `size` (width, height) as they are decoded:
    /// what a composition draws smaller than the clip need not cross to the page at full size.
    pub fn open_scaled(path: &Path, size: Option<(u32, u32)>) -> Result<Self, VideoError> {
        Self::open_as(path, Picture { size, ..Picture::default() })
    }

    /// Opens a clip whose pictures come out as `picture` says (format, crop, size).
    pub fn open_as(path: &Path, picture: Picture) -> Result<Self, VideoError> {
        Self::open_at(path, path, picture)
    }

    /// As [`Self::open_as`], for a file that must be a regular file inside `root` (links
    /// followed) when it is opened, not only when the project was checked: a render opens a
    /// later scene's clip minutes after that, and a link swapped in meanwhile would have it read
    /// a file outside the folder into the video. The file is opened here, judged by what was
    /// opened (`/proc/self/fd`, not its name), and decoded through that descriptor.
    pub fn open_within(root: &Path, path: &Path, picture: Picture) -> Result<Self, VideoError> {
        use std::os::fd::AsRawFd;
        let unreadable = |reason: String| VideoError::Unreadable { path: path.into(), reason };
        let (file, _) = crate::input_file::open_regular(path, u64::MAX).map_err(|e| unreadable(e.to_string()))?;
        let opened = PathBuf::from(format!("/proc/self/fd/{}", file.as_raw_fd()));
        let real = std::fs::read_link(&opened).map_err(|e| unreadable(crate::input_file::io_reason(&e)))?;
        let inside = root.canonicalize().is_ok_and(|root| real.starts_with(root));
        if !inside {
            return Err(unreadable("it leads outside the project folder (links are followed)".into()));
        }
        let mut source = Self::open_at(path, &opened, picture)?;
        source._file = Some(file);
        Ok(source)
    }

    /// Opens the file at `location` (a path, or an open descriptor's), named `path` in messages.
    fn open_at(path: &Path, location: &Path, picture: Picture) -> Result<Self, VideoError> {
        let refused = |r| refusal(path, r);
        let element = |name: &str| media_file::element(name).map_err(refused);
        let convert = element("videoconvert")?;
        let flip = element("videoflip")?;
        flip.set_property_from_str("video-direction", "auto");
        let caps = picture.caps().map_err(|e| VideoError::Unreadable { path: path.into(), reason: e.to_string() })?;
        let sink = gst_app::AppSink::builder().caps(&caps).max_buffers(2).drop(false).sync(false).build();
        let mut chain: Vec<gst::Element> = vec![convert, flip.clone()];
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
        let (pipeline, picture_in) = media_file::open(location, "video/", &chain).map_err(refused)?;
        let declared = limits::watch_pictures(&pipeline);
        let mut source = Self {
            path: path.into(),
            _file: None,
            pipeline,
            sink,
            info: VideoInfo { width: 0, height: 0, duration: 0.0, fps: 0.0 },
            picture: (0, 0),
            track_stop: None,
            origin: gst::ClockTime::ZERO,
            before: None,
            after: None,
            ended: false,
            cache: std::collections::VecDeque::new(),
        };
        // Said as what it is: a picture too large (refused before its decoder was plugged), a
        // file with no video track (a sound file, said so), or whatever GStreamer found.
        let started = source
            .pipeline
            .set_state(gst::State::Paused)
            .map_err(|_| media_file::bus_refusal(&source.pipeline, "cannot start decoding"))
            .and_then(|_| media_file::wait_preroll(&source.pipeline, &picture_in));
        if let Err(r) = started {
            let declared = declared.lock().map(|d| *d).unwrap_or_default();
            return Err(match (declared, r) {
                (limits::Declared { size: Some((width, height)), too_large: true }, _) => {
                    VideoError::TooLarge { path: path.into(), width, height }
                }
                // A picture stream was found but gave no picture before the file ended.
                (limits::Declared { size: Some(_), .. }, Refusal::NoneOfKind) => no_first_picture(path),
                (_, Refusal::NoneOfKind) => VideoError::NoPicture {
                    path: path.into(),
                    sound: media_file::has_stream(&source.pipeline, "audio/"),
                },
                (_, r) => refusal(path, r),
            });
        }
        source.pipeline.set_state(gst::State::Playing).map_err(|_| source.bus_error("cannot start decoding"))?;
        // A video track that ends before its first picture: cut short, or empty.
        let Some(mut first) = source.pull()? else { return Err(no_first_picture(path)) };
        source.info = source.read_info(&flip)?;
        source.origin = first.pts;
        first.time = 0.0;
        source.after = Some(first);
        Ok(source)
    }

    /// What the clip is, read once its first picture is out: the upright picture's own size
    /// from the rotation's output (before any crop or scaling), refused when too large (a
    /// container may not say its size until decoded).
    fn read_info(&self, flip: &gst::Element) -> Result<VideoInfo, VideoError> {
        let caps_size = |caps: Option<gst::Caps>| {
            let s = caps?.structure(0)?.to_owned();
            let (w, h) = (s.get::<i32>("width").ok()?, s.get::<i32>("height").ok()?);
            let fps =
                s.get::<gst::Fraction>("framerate").ok().map(|f| f64::from(f.numer()) / f64::from(f.denom().max(1)));
            Some((w.max(0) as u32, h.max(0) as u32, fps.unwrap_or(0.0)))
        };
        let upright = caps_size(flip.static_pad("src").and_then(|p| p.current_caps()));
        let (width, height, fps) = upright.unwrap_or((self.picture.0, self.picture.1, 0.0));
        if limits::too_large(width, height) {
            return Err(VideoError::TooLarge { path: self.path.clone(), width, height });
        }
        let duration = self.pipeline.query_duration::<gst::ClockTime>().map_or(0.0, |d| d.nseconds() as f64 / 1e9);
        Ok(VideoInfo { width, height, duration, fps })
    }

    pub fn info(&self) -> VideoInfo {
        self.info
    }

    /// The size of the pictures this source hands out (after crop and scaling).
    pub fn picture_size(&self) -> (u32, u32) {
        self.picture
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
        while self.cache_bytes() > limits::CACHE_BYTES && self.cache.len() > 1 {
            self.cache.pop_front();
        }
        Ok(frame)
    }

    /// Bytes of the frames the cache holds (a frame handed out twice counts once per entry).
    pub fn cache_bytes(&self) -> usize {
        self.cache.iter().map(|(_, f)| f.pixels().len()).sum()
    }

    fn decode_at(&mut self, t: f64) -> Result<ClipFrame, VideoError> {
        // Past the last frame once the clip has ended: that frame, held (no seek: a still image
        // cannot seek, and a held frame needs none).
        let held = self.ended && self.after.as_ref().is_some_and(|f| t >= f.time);
        let behind = self.before.as_ref().or(self.after.as_ref()).is_none_or(|f| t < f.time);
        let far = self.after.as_ref().is_some_and(|f| t > f.time + FAR);
        if !held && (behind || far) {
            self.seek(t)?;
        }
        // Forward until the frame after the position is past `t` (or the clip ends).
        while !self.ended && self.after.as_ref().is_none_or(|f| f.time <= t) {
            match self.pull()? {
                Some(frame) => self.before = self.after.replace(frame).or(self.before.take()),
                None => {
                    self.ended = true;
                    self.check_whole()?;
                }
            }
        }
        let pick = match (&self.before, &self.after) {
            // A tie within a microsecond is a tie (containers keep times to that precision).
            (Some(b), Some(a)) if a.time > t && t - b.time <= a.time - t + TIE => b,
            (Some(b), Some(a)) if a.time <= t => a,
            (_, Some(a)) => a,
            (Some(b), None) => b,
            (None, None) => {
                let reason = format!("no picture could be decoded near {t:.2} s");
                return Err(VideoError::Corrupt { path: self.path.clone(), reason });
            }
        };
        Ok(pick.clone())
    }

    /// At the end of the pictures: whether they reach the end their video track declares. The
    /// last picture counts until its own end (a 1 fps clip's last frame lasts a second), and it
    /// is held from there to the file's length: a track may end before the file does (a
    /// recording whose sound goes on). Pictures ending well before their own track says were
    /// cut short (a demuxer may just stop where the data does, and the clip would silently
    /// freeze). A container that does not say where the track ends (Matroska) cannot tell.
    fn check_whole(&self) -> Result<(), VideoError> {
        let Some(last) = self.after.as_ref().or(self.before.as_ref()) else { return Ok(()) };
        let Some(stop) = self.track_stop.filter(|s| *s > self.origin) else { return Ok(()) };
        let declared = (stop - self.origin).nseconds() as f64 / 1e9;
        let lasts = if last.duration > 0.0 {
            last.duration
        } else if self.info.fps > 0.0 {
            1.0 / self.info.fps
        } else {
            0.0
        };
        let end = last.time + lasts;
        if end + SHORT_BY < declared {
            let reason = format!("its pictures end at {end:.2} s but its video track says it lasts {declared:.2} s");
            return Err(VideoError::Corrupt { path: self.path.clone(), reason });
        }
        Ok(())
    }

    /// Restarts decoding a little before `t`; further back if that lands past the last
    /// picture (a frame that lasts, such as a time-lapse's, starts well before `t`).
    fn seek(&mut self, t: f64) -> Result<(), VideoError> {
        // Past the end the last frame is wanted: land before the end and decode to it.
        let t = if self.info.duration > 0.0 { t.min(self.info.duration) } else { t };
        let mut back = LEAD;
        loop {
            let lead = (t - back).max(0.0);
            self.seek_to(lead)?;
            if self.after.is_some() || lead == 0.0 {
                return Ok(());
            }
            back *= 4.0;
        }
    }

    fn seek_to(&mut self, lead: f64) -> Result<(), VideoError> {
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

    /// The next decoded frame, `None` at the end. Waits at most [`media_file::STALL`], and
    /// says an error the decoder posts meanwhile at once.
    fn pull(&mut self) -> Result<Option<ClipFrame>, VideoError> {
        let deadline = std::time::Instant::now() + media_file::STALL;
        let sample = loop {
            if let Some(sample) = self.sink.try_pull_sample(BUS_LOOK) {
                break sample;
            }
            if self.sink.is_eos() {
                return Ok(None);
            }
            if let Some(r) = media_file::posted_refusal(&self.pipeline) {
                return Err(refusal(&self.path, r));
            }
            if std::time::Instant::now() >= deadline {
                return Err(self.bus_error("the decoder stopped answering"));
            }
        };
        if self.picture == (0, 0) {
            let caps = sample.caps().and_then(|c| c.structure(0).map(|s| s.to_owned()));
            if let Some(s) = caps {
                let (w, h) = (s.get::<i32>("width").unwrap_or(0), s.get::<i32>("height").unwrap_or(0));
                self.picture = (w.max(0) as u32, h.max(0) as u32);
            }
            let segment = sample.segment().and_then(|s| s.downcast_ref::<gst::ClockTime>().map(|s| s.stop()));
            self.track_stop = segment.flatten();
        }
        let buffer = sample.buffer_owned().ok_or_else(|| self.bus_error("a decoded frame has no data"))?;
        let pts = buffer.pts().ok_or_else(|| self.bus_error("a decoded frame has no time"))?;
        let time = pts.saturating_sub(self.origin).nseconds() as f64 / 1e9;
        let duration = buffer.duration().map_or(0.0, |d| d.nseconds() as f64 / 1e9);
        let data = buffer.into_mapped_buffer_readable().map_err(|_| self.bus_error("cannot read a decoded frame"))?;
        Ok(Some(ClipFrame { time, data: Arc::new(data), pts, duration }))
    }

    fn bus_error(&self, what: &str) -> VideoError {
        refusal(&self.path, media_file::bus_refusal(&self.pipeline, what))
    }
}

impl Drop for VideoSource {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}
