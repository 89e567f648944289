//! The raw frames the encoder accepts: RGBA, or I420 already converted by the producer.
//!
//! Canvas frames are converted to I420 for MP4 and WebM on their way into the frame ring
//! (the render page's web-process extension, `bazaar_pixels`): 1.5 bytes a pixel instead of 4
//! are copied on, and the pipeline's `videoconvert` passes frames through untouched. On two
//! cores, where x264 and the renderer share the CPU, that is the largest single saving (see
//! BENCHMARKS.md). GIF keeps RGBA: its palette is built from full
//! colour, and a trip through 4:2:0 would blur it.

use gstreamer as gst;
use gstreamer_video as gst_video;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PixelFormat {
    /// 4 bytes a pixel, rows packed, opaque.
    Rgba,
    /// Planar 4:2:0 in GStreamer's default layout ([`I420Layout`]), limited range, with the
    /// matrix GStreamer assumes for the frame size ([`YuvMatrix::for_size`]).
    I420,
}

pub use bazaar_pixels::{I420Layout, YuvMatrix};

/// The caps' colorimetry for frames of `matrix`: limited range, the matrix's own primaries.
fn colorimetry(matrix: YuvMatrix) -> gst_video::VideoColorimetry {
    let (matrix, primaries) = match matrix {
        YuvMatrix::Bt709 => (gst_video::VideoColorMatrix::Bt709, gst_video::VideoColorPrimaries::Bt709),
        YuvMatrix::Bt601 => (gst_video::VideoColorMatrix::Bt601, gst_video::VideoColorPrimaries::Smpte170m),
    };
    gst_video::VideoColorimetry::new(
        gst_video::VideoColorRange::Range16_235,
        matrix,
        gst_video::VideoTransferFunction::Bt709,
        primaries,
    )
}
impl PixelFormat {
    /// Bytes of one `width`×`height` frame.
    pub fn frame_bytes(self, width: u32, height: u32) -> usize {
        match self {
            Self::Rgba => width as usize * height as usize * 4,
            Self::I420 => I420Layout::new(width, height).size,
        }
    }

    /// The format's name in GStreamer caps.
    pub fn gst_name(self) -> &'static str {
        match self {
            Self::Rgba => "RGBA",
            Self::I420 => "I420",
        }
    }

    /// The `appsrc` caps for frames of this format.
    pub(super) fn caps(self, width: u32, height: u32, fps: u32) -> Result<gst::Caps, gst::glib::BoolError> {
        let fps = gst::Fraction::new(fps as i32, 1);
        let info = match self {
            Self::Rgba => {
                gst_video::VideoInfo::builder(gst_video::VideoFormat::Rgba, width, height).fps(fps).build()?
            }
            Self::I420 => gst_video::VideoInfo::builder(gst_video::VideoFormat::I420, width, height)
                .fps(fps)
                .colorimetry(&colorimetry(YuvMatrix::for_size(width, height)))
                .build()?,
        };
        info.to_caps()
    }

    /// Caps for pictures of this format at `width`×`height` and no particular rate: what a
    /// video clip's decoder is asked for when its frames go to the encoder without the page
    /// (`video::direct`), so they match the page's frames byte for byte in layout and matrix.
    pub fn picture_caps(self, width: u32, height: u32) -> Result<gst::Caps, gst::glib::BoolError> {
        let mut caps = self.caps(width, height, 1)?;
        if let Some(s) = caps.make_mut().structure_mut(0) {
            s.remove_field("framerate");
        }
        Ok(caps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_i420_layout_is_gstreamers() {
        crate::encode::gst_init().unwrap();
        for (w, h) in [(1920, 1080), (1280, 720), (320, 180), (854, 480), (2, 2), (1078, 606)] {
            let info = gst_video::VideoInfo::builder(gst_video::VideoFormat::I420, w, h).build().unwrap();
            let l = I420Layout::new(w, h);
            assert_eq!(
                (l.stride_y, l.stride_c, l.offset_u, l.offset_v, l.size),
                (info.stride()[0] as usize, info.stride()[1] as usize, info.offset()[1], info.offset()[2], info.size()),
                "{w}×{h}"
            );
            assert_eq!(PixelFormat::I420.frame_bytes(w, h), info.size());
        }
    }

    #[test]
    fn the_matrix_follows_gstreamers_default_for_the_size() {
        crate::encode::gst_init().unwrap();
        for (w, h) in [(1920, 1080), (1280, 720), (1024, 578), (1024, 576), (720, 480), (320, 180), (2, 2)] {
            let info = gst_video::VideoInfo::builder(gst_video::VideoFormat::I420, w, h).build().unwrap();
            let gst = if info.colorimetry().matrix() == gst_video::VideoColorMatrix::Bt601 {
                YuvMatrix::Bt601
            } else {
                YuvMatrix::Bt709
            };
            assert_eq!(YuvMatrix::for_size(w, h), gst, "{w}x{h}");
        }
    }
}
