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

/// One band of a frame as the page sends it: whole, or only the columns `x0..x1` that changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Band {
    pub index: u32,
    pub columns: Option<(u32, u32)>,
}

impl Band {
    pub fn whole(index: u32) -> Self {
        Self { index, columns: None }
    }
}

/// A frame cut into bands of whole rows, so that a producer can send only the bands that
/// changed since the previous frame: a held title, a still background, a lower third waiting
/// for its cue leave most bands as they were (57 % of all bands in the benchmark project).
///
/// In a body, a band is its rows of every plane in turn (RGBA: one run; I420: Y, U, V runs),
/// and the bands follow in increasing order. A band may be cut to the columns that changed
/// (a title in the middle of the frame), its rows then cut the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameBands {
    pub format: PixelFormat,
    pub width: u32,
    pub height: u32,
    /// Rows a band; even (I420 chroma rows pair with two luma rows). The last band may be shorter.
    pub rows: u32,
}

impl FrameBands {
    pub fn new(format: PixelFormat, width: u32, height: u32, rows: u32) -> Self {
        Self { format, width, height, rows: rows.max(2) & !1 }
    }

    pub fn count(&self) -> u32 {
        self.height.div_ceil(self.rows)
    }

    /// Band `b`'s first row and its number of rows (the last band may be shorter).
    fn rows_of(&self, b: u32) -> (usize, usize) {
        let y = (b * self.rows).min(self.height) as usize;
        (y, ((b * self.rows + self.rows).min(self.height) as usize).saturating_sub(y))
    }

    /// (offset, length) in the full frame of each run of band `b`, in body order.
    pub fn runs(&self, b: u32) -> Vec<(usize, usize)> {
        let (y, rows) = self.rows_of(b);
        match self.format {
            PixelFormat::Rgba => {
                let stride = self.width as usize * 4;
                vec![(y * stride, rows * stride)]
            }
            PixelFormat::I420 => {
                let l = I420Layout::new(self.width, self.height);
                let (cy, crows) = (y / 2, rows.div_ceil(2));
                vec![
                    (y * l.stride_y, rows * l.stride_y),
                    (l.offset_u + cy * l.stride_c, crows * l.stride_c),
                    (l.offset_v + cy * l.stride_c, crows * l.stride_c),
                ]
            }
        }
    }

    /// (offset, length) of each run of columns `x0..x1` of band `b`, in body order: the band's
    /// luma rows, then its U rows, then its V rows, each cut to those columns (I420 halves them).
    pub fn column_runs(&self, b: u32, (x0, x1): (u32, u32)) -> Vec<(usize, usize)> {
        let (y, rows) = self.rows_of(b);
        let (x0, x1) = (x0 as usize, x1 as usize);
        match self.format {
            PixelFormat::Rgba => {
                let stride = self.width as usize * 4;
                (y..y + rows).map(|r| (r * stride + x0 * 4, (x1 - x0) * 4)).collect()
            }
            PixelFormat::I420 => {
                let l = I420Layout::new(self.width, self.height);
                let luma = (y..y + rows).map(|r| (r * l.stride_y + x0, x1 - x0));
                let chroma = |plane: usize| {
                    (y / 2..(y + rows).div_ceil(2)).map(move |r| (plane + r * l.stride_c + x0 / 2, (x1 - x0) / 2))
                };
                luma.chain(chroma(l.offset_u)).chain(chroma(l.offset_v)).collect()
            }
        }
    }

    /// Parses a band list as the render page sends it: comma-separated band numbers, each
    /// either whole (`7`) or cut to the columns that changed (`7:96-640`, x0 inclusive, x1 not).
    pub fn parse_list(list: &str) -> Result<Vec<Band>, String> {
        let number = |s: &str| s.parse::<u32>().map_err(|_| format!("band {s:?} is not a number"));
        list.split(',')
            .filter(|b| !b.is_empty())
            .map(|b| match b.split_once(':') {
                None => Ok(Band { index: number(b)?, columns: None }),
                Some((index, cols)) => {
                    let (x0, x1) = cols.split_once('-').ok_or_else(|| format!("band {b:?}: columns are x0-x1"))?;
                    Ok(Band { index: number(index)?, columns: Some((number(x0)?, number(x1)?)) })
                }
            })
            .collect()
    }

    /// Checks a band list and body as a producer sends them: bands in range and strictly
    /// increasing, columns inside the frame (even for I420, whose chroma pairs columns), the
    /// body exactly their size. Returns the runs the body fills, in order.
    pub fn check(&self, bands: &[Band], body_len: usize) -> Result<Vec<(usize, usize)>, String> {
        if let Some(w) = bands.windows(2).find(|w| w[1].index <= w[0].index) {
            return Err(format!("band {} follows band {}: bands must be in increasing order", w[1].index, w[0].index));
        }
        let mut runs = Vec::new();
        for band in bands {
            if band.index >= self.count() {
                return Err(format!("band {} is past the last band ({})", band.index, self.count().saturating_sub(1)));
            }
            match band.columns {
                None => runs.extend(self.runs(band.index)),
                Some((x0, x1)) => {
                    let even = self.format == PixelFormat::Rgba || (x0 % 2 == 0 && x1 % 2 == 0);
                    if x0 >= x1 || x1 > self.width || !even {
                        return Err(format!(
                            "band {}: columns {x0}-{x1} are not an even range inside 0-{}",
                            band.index, self.width
                        ));
                    }
                    runs.extend(self.column_runs(band.index, (x0, x1)));
                }
            }
        }
        let expected: usize = runs.iter().map(|(_, len)| len).sum();
        if body_len != expected {
            return Err(format!("{body_len} bytes for {} bands, expected {expected}", bands.len()));
        }
        Ok(runs)
    }

    /// Checks the band list and body ([`FrameBands::check`]), then copies the body into `frame`.
    pub fn apply(&self, frame: &mut [u8], bands: &[Band], body: &[u8]) -> Result<(), String> {
        let runs = self.check(bands, body.len())?;
        self.write(frame, &runs, body)
    }

    /// Copies `body` into `frame` along `runs`, as returned by [`FrameBands::check`] (the bridge
    /// checks a frame when it arrives and writes it at its turn, without checking twice).
    pub fn write(&self, frame: &mut [u8], runs: &[(usize, usize)], body: &[u8]) -> Result<(), String> {
        if frame.len() != self.format.frame_bytes(self.width, self.height) {
            return Err(format!("the frame buffer has {} bytes", frame.len()));
        }
        let mut at = 0;
        for &(offset, len) in runs {
            frame[offset..offset + len].copy_from_slice(&body[at..at + len]);
            at += len;
        }
        Ok(())
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

    #[test]
    fn bands_cover_every_byte_of_a_frame_exactly_once() {
        for format in [PixelFormat::Rgba, PixelFormat::I420] {
            for (w, h, rows) in [(1920, 1080, 32), (320, 180, 32), (854, 480, 6), (64, 2, 32)] {
                let bands = FrameBands::new(format, w, h, rows);
                let mut seen = vec![0u8; format.frame_bytes(w, h)];
                for b in 0..bands.count() {
                    for (off, len) in bands.runs(b) {
                        seen[off..off + len].iter_mut().for_each(|x| *x += 1);
                    }
                }
                // I420 rows are padded to four bytes: the padding belongs to its row's run too.
                assert!(seen.iter().all(|n| *n == 1), "{format:?} {w}×{h} by {rows}");
            }
        }
    }

    #[test]
    fn applying_all_bands_gives_the_frame_and_bad_bodies_are_refused() {
        let bands = FrameBands::new(PixelFormat::I420, 64, 48, 16);
        let source: Vec<u8> = (0..PixelFormat::I420.frame_bytes(64, 48)).map(|i| (i * 7 % 251) as u8).collect();
        let all: Vec<Band> = (0..bands.count()).map(Band::whole).collect();
        let body: Vec<u8> =
            all.iter().flat_map(|b| bands.runs(b.index)).flat_map(|(o, l)| source[o..o + l].to_vec()).collect();
        let mut frame = vec![0u8; source.len()];
        bands.apply(&mut frame, &all, &body).unwrap();
        assert_eq!(frame, source);

        // Only band 1 changes: the rest stays as it was.
        let mut changed = source.clone();
        let runs = bands.runs(1);
        let one = vec![9u8; runs.iter().map(|(_, l)| l).sum()];
        bands.apply(&mut changed, &[Band::whole(1)], &one).unwrap();
        for (o, l) in &runs {
            assert!(changed[*o..*o + *l].iter().all(|x| *x == 9));
        }
        let outside = (0..source.len()).filter(|i| !runs.iter().any(|(o, l)| (*o..*o + *l).contains(i)));
        assert!(outside.clone().all(|i| changed[i] == source[i]));

        let [b0, b1] = [Band::whole(0), Band::whole(1)];
        assert!(bands.apply(&mut frame, &[b1, b0], &body).is_err(), "out of order");
        assert!(bands.apply(&mut frame, &[b0, b0], &body).is_err(), "duplicate");
        assert!(bands.apply(&mut frame, &[Band::whole(bands.count())], &[]).is_err(), "past the end");
        assert!(bands.apply(&mut frame, &[b0], &body).is_err(), "wrong length");
        assert!(bands.apply(&mut frame, &[], &[]).is_ok(), "nothing changed");
    }

    #[test]
    fn columns_of_a_band_cover_exactly_that_rectangle() {
        for format in [PixelFormat::Rgba, PixelFormat::I420] {
            let (w, h) = (70, 40);
            let bands = FrameBands::new(format, w, h, 16);
            let mut seen = vec![0u8; format.frame_bytes(w, h)];
            // Band 2 is the last, 8 rows; columns 10..34.
            for (off, len) in bands.column_runs(2, (10, 34)) {
                seen[off..off + len].iter_mut().for_each(|x| *x += 1);
            }
            let bpp = if format == PixelFormat::Rgba { 4 } else { 1 };
            let l = I420Layout::new(w, h);
            let stride = if format == PixelFormat::Rgba { w as usize * 4 } else { l.stride_y };
            let luma = |x: usize, y: usize| y * stride + x * bpp;
            for y in 0..h as usize {
                for x in 0..w as usize {
                    let inside = (32..40).contains(&y) && (10..34).contains(&x);
                    assert_eq!(seen[luma(x, y)], u8::from(inside), "{format:?} ({x}, {y})");
                }
            }
            if format == PixelFormat::I420 {
                for plane in [l.offset_u, l.offset_v] {
                    for y in 0..(h / 2) as usize {
                        for x in 0..(w / 2) as usize {
                            let inside = (16..20).contains(&y) && (5..17).contains(&x);
                            assert_eq!(seen[plane + y * l.stride_c + x], u8::from(inside), "chroma ({x}, {y})");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn band_lists_parse_and_bad_columns_are_refused() {
        let list = FrameBands::parse_list("0,3:96-640,5").unwrap();
        assert_eq!(list, vec![Band::whole(0), Band { index: 3, columns: Some((96, 640)) }, Band::whole(5)]);
        assert!(FrameBands::parse_list("2:96").is_err());
        assert!(FrameBands::parse_list("2:a-4").is_err());
        assert!(FrameBands::parse_list("x").is_err());
        let bands = FrameBands::new(PixelFormat::I420, 64, 48, 16);
        let one = |x0, x1| [Band { index: 1, columns: Some((x0, x1)) }];
        let size = |x0: u32, x1: u32| ((x1 - x0) * 16 + (x1 - x0) / 2 * 8 * 2) as usize;
        assert!(bands.check(&one(8, 24), size(8, 24)).is_ok());
        assert!(bands.check(&one(8, 24), size(8, 24) + 1).is_err(), "wrong length");
        assert!(bands.check(&one(9, 24), size(8, 24)).is_err(), "odd start");
        assert!(bands.check(&one(24, 24), 0).is_err(), "empty");
        assert!(bands.check(&one(24, 8), 0).is_err(), "backwards");
        assert!(bands.check(&one(8, 66), size(8, 66)).is_err(), "past the right edge");
    }
}
