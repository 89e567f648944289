//! The raw frames the encoder accepts: RGBA, or I420 already converted by the producer.
//!
//! The render page converts to I420 itself for MP4 and WebM: it sends 1.5 bytes a pixel
//! through the IPC bridge instead of 4, and the pipeline's `videoconvert` passes frames
//! through untouched. On two cores, where x264 and the renderer share the CPU, that is the
//! largest single saving (see BENCHMARKS.md). GIF keeps RGBA: its palette is built from full
//! colour, and a trip through 4:2:0 would blur it.

use gstreamer as gst;
use gstreamer_video as gst_video;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PixelFormat {
    /// 4 bytes a pixel, rows packed, opaque.
    #[default]
    Rgba,
    /// Planar 4:2:0 in GStreamer's default layout ([`I420Layout`]), limited range, with the
    /// matrix GStreamer assumes for the frame size ([`YuvMatrix::for_size`]).
    I420,
}

/// Where the planes of an I420 frame are: GStreamer's default layout (rows padded to four
/// bytes), which is what the producer must write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct I420Layout {
    pub stride_y: usize,
    pub stride_c: usize,
    pub offset_u: usize,
    pub offset_v: usize,
    pub size: usize,
}

impl I420Layout {
    /// For an even `width`×`height` (the encoder only takes even sizes).
    pub fn new(width: u32, height: u32) -> Self {
        let round4 = |n: usize| (n + 3) & !3;
        let (w, h) = (width as usize, height as usize);
        let stride_y = round4(w);
        let stride_c = round4(w.div_ceil(2));
        let offset_u = stride_y * h;
        let offset_v = offset_u + stride_c * h.div_ceil(2);
        Self { stride_y, stride_c, offset_u, offset_v, size: offset_v + stride_c * h.div_ceil(2) }
    }
}

/// The YUV matrix of an I420 frame, chosen as GStreamer chooses for caps without colorimetry
/// (BT.709 for HD sizes, BT.601 below), so a frame converted by the page decodes to the same
/// colours as one converted by `videoconvert`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum YuvMatrix {
    Bt709,
    Bt601,
}

impl YuvMatrix {
    pub fn for_size(width: u32, height: u32) -> Self {
        match gst_video::VideoInfo::builder(gst_video::VideoFormat::I420, width, height).build() {
            Ok(info) if info.colorimetry().matrix() == gst_video::VideoColorMatrix::Bt601 => Self::Bt601,
            _ => Self::Bt709,
        }
    }

    pub(super) fn colorimetry(self) -> gst_video::VideoColorimetry {
        let (matrix, primaries) = match self {
            Self::Bt709 => (gst_video::VideoColorMatrix::Bt709, gst_video::VideoColorPrimaries::Bt709),
            Self::Bt601 => (gst_video::VideoColorMatrix::Bt601, gst_video::VideoColorPrimaries::Smpte170m),
        };
        gst_video::VideoColorimetry::new(
            gst_video::VideoColorRange::Range16_235,
            matrix,
            gst_video::VideoTransferFunction::Bt709,
            primaries,
        )
    }
}

impl PixelFormat {
    /// Bytes of one `width`×`height` frame.
    pub fn frame_bytes(self, width: u32, height: u32) -> usize {
        match self {
            Self::Rgba => width as usize * height as usize * 4,
            Self::I420 => I420Layout::new(width, height).size,
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
                .colorimetry(&YuvMatrix::for_size(width, height).colorimetry())
                .build()?,
        };
        info.to_caps()
    }
}

impl YuvMatrix {
    /// (Y, Cb, Cr) coefficients for R, G, B, × 2^16, limited range: the same integers as the
    /// render page's converter (`ui/runtime/yuv.js`).
    fn coefficients(self) -> [[i32; 3]; 3] {
        match self {
            Self::Bt709 => [[11966, 40254, 4064], [-6596, -22188, 28784], [28784, -26145, -2639]],
            Self::Bt601 => [[16829, 33039, 6416], [-9714, -19070, 28784], [28784, -24103, -4681]],
        }
    }
}

/// Converts an opaque RGBA frame to I420 exactly as the render page does (for the encoder's
/// tests and benchmark, which feed I420 without a page).
pub fn rgba_to_i420(rgba: &[u8], width: u32, height: u32, matrix: YuvMatrix) -> Vec<u8> {
    let l = I420Layout::new(width, height);
    let [cy, cu, cv] = matrix.coefficients();
    let (w, h) = (width as usize, height as usize);
    let mut out = vec![0u8; l.size];
    let px = |x: usize, y: usize| {
        let i = (y * w + x) * 4;
        [i32::from(rgba[i]), i32::from(rgba[i + 1]), i32::from(rgba[i + 2])]
    };
    let dot = |c: [i32; 3], p: [i32; 3]| c[0] * p[0] + c[1] * p[1] + c[2] * p[2];
    for y in (0..h).step_by(2) {
        for x in (0..w).step_by(2) {
            let block = [px(x, y), px(x + 1, y), px(x, y + 1), px(x + 1, y + 1)];
            for (k, p) in block.iter().enumerate() {
                let (dx, dy) = (k % 2, k / 2);
                out[(y + dy) * l.stride_y + x + dx] = (((dot(cy, *p) + 32768) >> 16) + 16) as u8;
            }
            let sum = block.iter().fold([0; 3], |a, p| [a[0] + p[0], a[1] + p[1], a[2] + p[2]]);
            let c = (y / 2) * l.stride_c + x / 2;
            out[l.offset_u + c] = (((dot(cu, sum) + 131072) >> 18) + 128) as u8;
            out[l.offset_v + c] = (((dot(cv, sum) + 131072) >> 18) + 128) as u8;
        }
    }
    out
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
        assert_eq!(YuvMatrix::for_size(1920, 1080), YuvMatrix::Bt709);
        assert_eq!(YuvMatrix::for_size(320, 180), YuvMatrix::Bt601);
    }
}
