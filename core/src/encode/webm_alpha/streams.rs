//! The two VP9 encoders, each `appsrc ! vp9enc ! appsink`: one for the colour (I420, BT.709
//! limited range) and one for the alpha plane, carried as the luma of a second I420 picture.
//!
//! The alpha picture is what FFmpeg's libvpx encoder makes of a `yuva420p` frame (its
//! `libvpxenc.c`): Y is the alpha byte itself, 0–255 untouched, chroma a constant 128; its
//! decoder (and Chromium's, and GStreamer's `alphacombine`) copy that Y plane back as alpha.

use super::super::pipeline::FRAMES_IN_FLIGHT;
use super::super::{AudioInput, EncodeError, I420Layout, PooledFrame, YuvMatrix};
use bazaar_pixels::{to_i420_into, Channels};
use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use gstreamer_video as gst_video;

/// Which picture a stream encodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Plane {
    Colour,
    Alpha,
}

pub(super) struct Vp9Stream {
    pub(super) pipeline: gst::Pipeline,
    appsrc: gst_app::AppSrc,
    pub(super) appsink: gst_app::AppSink,
}

impl Vp9Stream {
    /// Builds (does not start) `appsrc ! vp9enc <props> ! appsink` for `width`×`height` at `fps`.
    pub(super) fn new(plane: Plane, props: &str, width: u32, height: u32, fps: u32) -> Result<Self, EncodeError> {
        let desc = format!(
            "appsrc name=src ! vp9enc name=enc {props} ! appsink name=sink sync=false max-buffers={} drop=false",
            FRAMES_IN_FLIGHT + 2
        );
        let pipeline = gst::parse::launch(&desc)
            .map_err(|e| EncodeError::Init(format!("cannot build the VP9 pipeline: {e}")))?
            .downcast::<gst::Pipeline>()
            .map_err(|_| EncodeError::Init("the description did not produce a pipeline".into()))?;
        let appsrc = pipeline
            .by_name("src")
            .and_then(|e| e.downcast::<gst_app::AppSrc>().ok())
            .ok_or_else(|| EncodeError::Init("the VP9 pipeline has no appsrc".into()))?;
        let appsink = pipeline
            .by_name("sink")
            .and_then(|e| e.downcast::<gst_app::AppSink>().ok())
            .ok_or_else(|| EncodeError::Init("the VP9 pipeline has no appsink".into()))?;
        // The alpha is a plain 0–255 value, so its picture says full range; the colour is
        // limited-range BT.709 as `bazaar_pixels` converts it, and vp9enc writes that into the
        // bitstream's colour config.
        let range = match plane {
            Plane::Colour => gst_video::VideoColorRange::Range16_235,
            Plane::Alpha => gst_video::VideoColorRange::Range0_255,
        };
        let colorimetry = gst_video::VideoColorimetry::new(
            range,
            gst_video::VideoColorMatrix::Bt709,
            gst_video::VideoTransferFunction::Bt709,
            gst_video::VideoColorPrimaries::Bt709,
        );
        let caps = gst_video::VideoInfo::builder(gst_video::VideoFormat::I420, width, height)
            .fps(gst::Fraction::new(fps as i32, 1))
            .colorimetry(&colorimetry)
            .build()
            .and_then(|info| info.to_caps())
            .map_err(|e| EncodeError::Settings(format!("unsupported frame size or rate: {e}")))?;
        appsrc.set_caps(Some(&caps));
        appsrc.set_format(gst::Format::Time);
        appsrc.set_is_live(false);
        appsrc.set_block(true);
        appsrc.set_max_bytes(I420Layout::new(width, height).size as u64 * FRAMES_IN_FLIGHT);
        Ok(Self { pipeline, appsrc, appsink })
    }

    /// Queues one picture (blocks while the frames in flight are at the bound). `key` forces a
    /// keyframe on it: both streams are forced on the same frames, so a seek lands on a frame
    /// whose alpha decodes too. Err when the pipeline has stopped (error or cancel).
    pub(super) fn push(
        &self,
        index: u64,
        pts: gst::ClockTime,
        duration: gst::ClockTime,
        key: bool,
        picture: PooledFrame,
    ) -> Result<(), ()> {
        if key && index > 0 {
            // Serialized with the buffers in appsrc's queue; the encoder marks the next frame
            // at that running time (the segment starts at 0, so running time is the pts).
            let event = gst_video::DownstreamForceKeyUnitEvent::builder()
                .timestamp(pts)
                .stream_time(pts)
                .running_time(pts)
                .all_headers(true)
                .build();
            if !self.appsrc.send_event(event) {
                return Err(());
            }
        }
        let mut buffer = gst::Buffer::from_mut_slice(picture);
        if let Some(b) = buffer.get_mut() {
            b.set_pts(pts);
            b.set_duration(duration);
            b.set_offset(index);
        }
        self.appsrc.push_buffer(buffer).map(|_| ()).map_err(|_| ())
    }

    pub(super) fn end(&self) -> Result<(), ()> {
        self.appsrc.end_of_stream().map(|_| ()).map_err(|_| ())
    }
}

/// The sound: `appsrc ! audioconvert ! opusenc ! appsink`, fed through an [`AudioInput`] as the
/// other formats' sound is.
pub(super) struct OpusStream {
    pub(super) pipeline: gst::Pipeline,
    pub(super) appsink: gst_app::AppSink,
    pub(super) input: AudioInput,
}

impl OpusStream {
    pub(super) fn new(bitrate: u32) -> Result<Self, EncodeError> {
        // The sink holds what the muxer has not interleaved yet: the sound may run ahead of the
        // pictures by the whole input queue, so the sink must not block the mixer first.
        let desc = format!(
            "appsrc name=asrc ! audioconvert ! opusenc name=aenc bitrate={bitrate} ! appsink name=sink sync=false max-buffers=0 drop=false"
        );
        let pipeline = gst::parse::launch(&desc)
            .map_err(|e| EncodeError::Init(format!("cannot build the Opus pipeline: {e}")))?
            .downcast::<gst::Pipeline>()
            .map_err(|_| EncodeError::Init("the description did not produce a pipeline".into()))?;
        let appsrc = pipeline
            .by_name("asrc")
            .and_then(|e| e.downcast::<gst_app::AppSrc>().ok())
            .ok_or_else(|| EncodeError::Init("the Opus pipeline has no appsrc".into()))?;
        let appsink = pipeline
            .by_name("sink")
            .and_then(|e| e.downcast::<gst_app::AppSink>().ok())
            .ok_or_else(|| EncodeError::Init("the Opus pipeline has no appsink".into()))?;
        let input = AudioInput::new(appsrc).map_err(EncodeError::Init)?;
        Ok(Self { pipeline, appsink, input })
    }
}

/// Splits a straight-alpha RGBA frame into the colour picture (I420, BT.709 limited range: the
/// product's converter, which ignores alpha) and the alpha picture (Y = alpha, chroma 128).
pub(super) fn split_rgba(rgba: &[u8], width: u32, height: u32, colour: &mut [u8], alpha: &mut [u8]) {
    to_i420_into(rgba, width as usize * 4, Channels::RGBA, width, height, YuvMatrix::Bt709, colour);
    let l = I420Layout::new(width, height);
    let w = width as usize;
    for (row, line) in alpha[..l.offset_u].chunks_exact_mut(l.stride_y).zip(rgba.chunks_exact(w * 4)) {
        for (y, px) in row[..w].iter_mut().zip(line.chunks_exact(4)) {
            *y = px[3];
        }
    }
    alpha[l.offset_u..l.size].fill(128);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_alpha_picture_is_the_alpha_byte_as_luma_with_neutral_chroma() {
        let (w, h) = (6u32, 4u32); // stride 8: the padding is not written
        let rgba: Vec<u8> = (0..w * h).flat_map(|i| [200, 100, 50, (i * 10) as u8]).collect();
        let l = I420Layout::new(w, h);
        let (mut colour, mut alpha) = (vec![0u8; l.size], vec![7u8; l.size]);
        split_rgba(&rgba, w, h, &mut colour, &mut alpha);
        for y in 0..h as usize {
            for x in 0..w as usize {
                assert_eq!(alpha[y * l.stride_y + x], ((y * w as usize + x) * 10) as u8);
            }
        }
        assert!(alpha[l.offset_u..].iter().all(|&c| c == 128));
        // The colour ignores alpha: the same as an opaque frame of the same RGB.
        let opaque: Vec<u8> = rgba.chunks(4).flat_map(|p| [p[0], p[1], p[2], 255]).collect();
        let mut expected = vec![0u8; l.size];
        to_i420_into(&opaque, w as usize * 4, Channels::RGBA, w, h, YuvMatrix::Bt709, &mut expected);
        assert_eq!(colour, expected);
    }
}
