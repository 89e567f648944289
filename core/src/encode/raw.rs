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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PixelFormat {
    /// 4 bytes a pixel, rows packed, opaque.
    Rgba,
    /// Planar 4:2:0 in GStreamer's default layout ([`I420Layout`]), limited range, in the
    /// matrix its format's profile names (the one its codec's decoders assume: see
    /// ARCHITECTURE.md, "Colour"). The matrix travels with the format, so every converter on
    /// the way (the page's extension, DOM pictures, clip frames, the encoder's caps) uses it.
    I420(YuvMatrix),
}

pub use bazaar_pixels::{I420Layout, YuvMatrix};

/// The caps' colorimetry for frames of `matrix`: limited range, and BT.709 primaries and
/// transfer whatever the matrix, because the pixels are the page's sRGB colours (sRGB shares
/// BT.709's primaries); only the matrix follows the codec. So every video file says what it is.
fn colorimetry(matrix: YuvMatrix) -> gst_video::VideoColorimetry {
    let matrix = match matrix {
        YuvMatrix::Bt709 => gst_video::VideoColorMatrix::Bt709,
        YuvMatrix::Bt601 => gst_video::VideoColorMatrix::Bt601,
    };
    gst_video::VideoColorimetry::new(
        gst_video::VideoColorRange::Range16_235,
        matrix,
        gst_video::VideoTransferFunction::Bt709,
        gst_video::VideoColorPrimaries::Bt709,
    )
}

/// Named by its [`PixelFormat::id`] (the frame ring's format as the render page hands it on).
impl Serialize for PixelFormat {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

impl PixelFormat {
    /// Bytes of one `width`×`height` frame.
    pub fn frame_bytes(self, width: u32, height: u32) -> usize {
        match self {
            Self::Rgba => width as usize * height as usize * 4,
            Self::I420(_) => I420Layout::new(width, height).size,
        }
    }

    /// The format's name as text: `rgba`, `i420-bt709`, `i420-bt601` (what the web-process
    /// extension parses, `web-extension/src/ring.rs`).
    pub fn id(self) -> &'static str {
        match self {
            Self::Rgba => "rgba",
            Self::I420(YuvMatrix::Bt709) => "i420-bt709",
            Self::I420(YuvMatrix::Bt601) => "i420-bt601",
        }
    }

    /// The format's name in GStreamer caps.
    pub fn gst_name(self) -> &'static str {
        match self {
            Self::Rgba => "RGBA",
            Self::I420(_) => "I420",
        }
    }

    /// The caps the encoder's `videoconvert` must give, in `gst-launch` syntax: the format and,
    /// for YUV, its colorimetry, so frames pushed as RGBA are converted in the same matrix as
    /// the page's and the encoder tags the file with it.
    pub fn caps_filter(self) -> String {
        match self.colorimetry() {
            None => format!("video/x-raw,format={}", self.gst_name()),
            Some(c) => format!("video/x-raw,format={},colorimetry={c}", self.gst_name()),
        }
    }

    /// The colorimetry of YUV frames as GStreamer writes it in caps (`bt709`, `2:4:5:1`); None
    /// for RGBA.
    pub fn colorimetry(self) -> Option<String> {
        match self {
            Self::Rgba => None,
            Self::I420(m) => Some(colorimetry(m).to_string()),
        }
    }

    /// The `appsrc` caps for frames of this format.
    pub(super) fn caps(self, width: u32, height: u32, fps: u32) -> Result<gst::Caps, gst::glib::BoolError> {
        let fps = gst::Fraction::new(fps as i32, 1);
        let info = match self {
            Self::Rgba => {
                gst_video::VideoInfo::builder(gst_video::VideoFormat::Rgba, width, height).fps(fps).build()?
            }
            Self::I420(m) => gst_video::VideoInfo::builder(gst_video::VideoFormat::I420, width, height)
                .fps(fps)
                .colorimetry(&colorimetry(m))
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
            assert_eq!(PixelFormat::I420(YuvMatrix::Bt709).frame_bytes(w, h), info.size());
        }
    }

    /// The encoder's `videoconvert` is asked for the very caps `appsrc` gets (format, matrix,
    /// range, primaries): I420 from the page then passes through untouched, and the file is
    /// tagged with what the frames are.
    #[test]
    fn the_caps_filter_is_the_input_caps() {
        use std::str::FromStr;
        crate::encode::gst_init().unwrap();
        for m in YuvMatrix::ALL {
            let f = PixelFormat::I420(m);
            let filter = gst::Caps::from_str(&f.caps_filter()).unwrap();
            // Whatever the size: GStreamer's own default would change at 576 rows.
            for (w, h) in [(320, 180), (1920, 1080), (3840, 2160)] {
                let caps = f.caps(w, h, 30).unwrap();
                assert!(caps.is_subset(&filter), "{caps} in {filter}");
                let c = gst_video::VideoInfo::from_caps(&caps).unwrap().colorimetry();
                assert_eq!(c.range(), gst_video::VideoColorRange::Range16_235);
                assert_eq!(c.primaries(), gst_video::VideoColorPrimaries::Bt709);
                assert_eq!(c.transfer(), gst_video::VideoTransferFunction::Bt709);
                let matrix = match m {
                    YuvMatrix::Bt709 => gst_video::VideoColorMatrix::Bt709,
                    YuvMatrix::Bt601 => gst_video::VideoColorMatrix::Bt601,
                };
                assert_eq!(c.matrix(), matrix, "{w}×{h}");
            }
            assert_eq!(serde_json::to_value(f).unwrap(), f.id());
        }
    }
}
