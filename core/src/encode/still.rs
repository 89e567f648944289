//! Pictures from rendered frames' RGBA: one (`bazaar-export still`, Save frame…) or each frame of
//! an image sequence (`super::image_seq`), through the same [`PictureEncoder`].
//!
//! ```text
//! RGBA --> PNG: the `png` crate (RGBA, or RGB when the alpha is not kept), tagged sRGB
//!      --> JPEG / WebP: appsrc ! videoconvert ! RGB(A) ! jpegenc | webpenc ! appsink (kept for every picture)
//! ```
//!
//! PNG keeps straight alpha when asked (its own definition) and carries an `sRGB` chunk; JPEG is
//! JFIF from RGB (full range: white stays 255), which every reader takes as sRGB; WebP keeps alpha
//! when asked. A still is written atomically ([`super::output::write_atomically`]).

use super::{gst_init, EncodeError, Quality};
use gstreamer as gst;
use gstreamer::prelude::*;
use std::path::Path;

/// A picture's file type, from its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StillFormat {
    Png,
    Jpeg,
    Webp,
}

impl StillFormat {
    /// `.png`, `.jpg`/`.jpeg`, `.webp` (any case).
    pub fn from_path(path: &Path) -> Option<Self> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "png" => Some(Self::Png),
            "jpg" | "jpeg" => Some(Self::Jpeg),
            "webp" => Some(Self::Webp),
            _ => None,
        }
    }

    /// Whether the file type has an alpha channel (a transparent project keeps it there).
    pub fn keeps_alpha(self) -> bool {
        self != Self::Jpeg
    }

    /// JPEG's and WebP's quality at `q` (a JPEG sequence's too).
    fn quality(q: Quality) -> u32 {
        match q {
            Quality::Low => 80,
            Quality::Medium => 90,
            Quality::High => 95,
        }
    }

    /// The GStreamer encoder with its properties at `q`, and the Debian package that ships it
    /// (`None` for PNG, written by the `png` crate). Each takes RGB(A): `videoconvert` would
    /// otherwise hand JPEG and WebP limited-range YUV, which they store as full range (white came
    /// out 235), where from RGB their own libraries convert it as JFIF and WebP define it.
    fn encoder(self, q: Quality) -> Option<(String, &'static str, &'static str)> {
        let quality = Self::quality(q);
        match self {
            Self::Png => None,
            Self::Jpeg => Some((
                format!("video/x-raw,format=RGB ! jpegenc quality={quality}"),
                "jpegenc",
                "gstreamer1.0-plugins-good",
            )),
            Self::Webp => Some((
                format!("video/x-raw,format=RGBA ! webpenc quality={quality}"),
                "webpenc",
                "gstreamer1.0-plugins-bad",
            )),
        }
    }
}

/// Encodes `width`×`height` RGBA pictures one after the other (a sequence's worker keeps one).
pub struct PictureEncoder {
    format: StillFormat,
    width: u32,
    height: u32,
    /// Keep the alpha (PNG, WebP): otherwise the frames were flattened over the matte before.
    alpha: bool,
    gst: Option<GstPictures>,
    /// PNG without alpha: the RGB rows.
    rgb: Vec<u8>,
}

/// JPEG's or WebP's pipeline, kept up for every picture.
struct GstPictures {
    pipeline: gst::Pipeline,
    src: gstreamer_app::AppSrc,
    sink: gstreamer_app::AppSink,
    element: &'static str,
    count: u64,
}

impl PictureEncoder {
    /// Checks the encoder is installed (naming its package) and starts it. `alpha`: keep the
    /// picture's alpha (ignored for JPEG, which has none).
    pub fn new(format: StillFormat, q: Quality, width: u32, height: u32, alpha: bool) -> Result<Self, EncodeError> {
        let alpha = alpha && format.keeps_alpha();
        let gst = match format.encoder(q) {
            None => None,
            Some((encoder, element, package)) => Some(GstPictures::start(&encoder, element, package, width, height)?),
        };
        Ok(Self { format, width, height, alpha, gst, rgb: Vec::new() })
    }

    /// One picture's file bytes.
    pub fn encode(&mut self, rgba: &[u8]) -> Result<Vec<u8>, EncodeError> {
        let (w, h) = (self.width, self.height);
        let expected = w as usize * h as usize * 4;
        if rgba.len() != expected {
            return Err(EncodeError::Settings(format!("a {w}×{h} picture has {} bytes, not {expected}", rgba.len())));
        }
        match &mut self.gst {
            Some(g) => g.encode(rgba),
            None => {
                let pixels = if self.alpha {
                    rgba
                } else {
                    self.rgb.clear();
                    self.rgb.extend(rgba.chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]));
                    &self.rgb
                };
                png_bytes(pixels, w, h, self.alpha)
            }
        }
    }

    pub fn format(&self) -> StillFormat {
        self.format
    }
}

/// A PNG of 8-bit RGB or RGBA, tagged sRGB (an `sRGB` chunk right after `IHDR`). `Fast`: fdeflate, several times faster than zlib's
/// default at a similar size on drawn frames, and a sequence writes thousands.
fn png_bytes(pixels: &[u8], width: u32, height: u32, alpha: bool) -> Result<Vec<u8>, EncodeError> {
    let failed = |e: png::EncodingError| EncodeError::Encoder { element: "png".into(), message: e.to_string() };
    let mut out = Vec::with_capacity(pixels.len() / 2);
    let mut enc = png::Encoder::new(&mut out, width, height);
    enc.set_color(if alpha { png::ColorType::Rgba } else { png::ColorType::Rgb });
    enc.set_depth(png::BitDepth::Eight);
    enc.set_source_srgb(png::SrgbRenderingIntent::Perceptual);
    enc.set_compression(png::Compression::Fast);
    let mut writer = enc.write_header().map_err(failed)?;
    writer.write_image_data(pixels).map_err(failed)?;
    writer.finish().map_err(failed)?;
    Ok(out)
}

impl GstPictures {
    fn start(encoder: &str, element: &'static str, package: &str, w: u32, h: u32) -> Result<Self, EncodeError> {
        gst_init()?;
        if gst::ElementFactory::find(element).is_none() {
            return Err(EncodeError::MissingElement { element: element.into(), package: package.into() });
        }
        let desc = format!("appsrc name=src ! videoconvert ! {encoder} ! appsink name=sink sync=false");
        let pipeline = gst::parse::launch(&desc)
            .map_err(|e| EncodeError::Init(format!("cannot build the pipeline: {e}")))?
            .downcast::<gst::Pipeline>()
            .map_err(|_| EncodeError::Init("the description did not produce a pipeline".into()))?;
        let src = pipeline
            .by_name("src")
            .and_then(|e| e.downcast::<gstreamer_app::AppSrc>().ok())
            .ok_or_else(|| EncodeError::Init("the pipeline has no appsrc".into()))?;
        let sink = pipeline
            .by_name("sink")
            .and_then(|e| e.downcast::<gstreamer_app::AppSink>().ok())
            .ok_or_else(|| EncodeError::Init("the pipeline has no appsink".into()))?;
        let caps = super::PixelFormat::Rgba
            .caps(w, h, 1)
            .map_err(|e| EncodeError::Settings(format!("unsupported picture size: {e}")))?;
        src.set_caps(Some(&caps));
        src.set_format(gst::Format::Time);
        pipeline
            .set_state(gst::State::Playing)
            .map_err(|_| EncodeError::Init("the pipeline could not start".into()))?;
        Ok(Self { pipeline, src, sink, element, count: 0 })
    }

    fn encode(&mut self, rgba: &[u8]) -> Result<Vec<u8>, EncodeError> {
        let failed = |what: &str| EncodeError::Encoder { element: self.element.into(), message: what.into() };
        let mut buffer = gst::Buffer::from_mut_slice(rgba.to_vec());
        if let Some(b) = buffer.get_mut() {
            b.set_pts(gst::ClockTime::from_seconds(self.count));
            b.set_duration(gst::ClockTime::SECOND);
        }
        self.count += 1;
        self.src.push_buffer(buffer).map_err(|_| failed("the picture was refused"))?;
        let sample = self.sink.pull_sample().map_err(|_| failed("no picture came out"))?;
        let buffer = sample.buffer().ok_or_else(|| failed("an empty picture came out"))?;
        let map = buffer.map_readable().map_err(|_| failed("the picture is unreadable"))?;
        Ok(map.as_slice().to_vec())
    }
}

impl Drop for GstPictures {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

/// Encodes one `width`×`height` RGBA picture and writes it to `dest` (temp file, then rename);
/// `alpha`: keep its alpha (PNG, WebP).
pub fn write_still(
    rgba: &[u8],
    width: u32,
    height: u32,
    format: StillFormat,
    q: Quality,
    alpha: bool,
    dest: &Path,
) -> Result<(), EncodeError> {
    let bytes = PictureEncoder::new(format, q, width, height, alpha)?.encode(rgba)?;
    super::output::write_atomically(dest, &bytes).map_err(|e| super::output::classify_io(&e, dest))
}

/// A PNG's pixels as RGBA (an RGB one made opaque), with its size: a rendered frame read back,
/// and the tests' decoder.
pub fn png_rgba(bytes: &[u8]) -> Result<(Vec<u8>, u32, u32), String> {
    let bad = |e: png::DecodingError| e.to_string();
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().map_err(bad)?;
    let size = reader.output_buffer_size().ok_or("the picture is too large")?;
    let mut buf = vec![0; size];
    let info = reader.next_frame(&mut buf).map_err(bad)?;
    buf.truncate(info.buffer_size());
    let rgba = match (info.color_type, info.bit_depth) {
        (png::ColorType::Rgba, png::BitDepth::Eight) => buf,
        (png::ColorType::Rgb, png::BitDepth::Eight) => {
            buf.chunks_exact(3).flat_map(|p| [p[0], p[1], p[2], 255]).collect()
        }
        (color, depth) => return Err(format!("a {color:?} {depth:?} PNG, not 8-bit RGB(A)")),
    };
    Ok((rgba, info.width, info.height))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_still_decodes_to_its_picture() {
        let (w, h) = (64u32, 36u32);
        let rgba: Vec<u8> = (0..w * h).flat_map(|i| [200, 40, (i * 2) as u8, if i < 64 { 128 } else { 255 }]).collect();
        let dir = tempfile::tempdir().unwrap();
        for (name, format) in [("a.png", StillFormat::Png), ("a.jpg", StillFormat::Jpeg), ("a.webp", StillFormat::Webp)]
        {
            let dest = dir.path().join(name);
            assert_eq!(StillFormat::from_path(&dest), Some(format));
            write_still(&rgba, w, h, format, Quality::High, true, &dest).unwrap();
            let size = imagesize::size(&dest).unwrap();
            assert_eq!((size.width, size.height), (64, 36), "{name}");
        }
        let png = std::fs::read(dir.path().join("a.png")).unwrap();
        assert!(png.windows(4).any(|c| c == b"sRGB"), "tagged sRGB");
        let decoded = png::Decoder::new(std::io::Cursor::new(&png)).read_info().unwrap().info().color_type;
        assert_eq!(decoded, png::ColorType::Rgba);
        assert_eq!(StillFormat::from_path(Path::new("a.gif")), None);
        assert!(
            write_still(&rgba[4..], w, h, StillFormat::Png, Quality::High, true, &dir.path().join("b.png")).is_err()
        );
    }

    #[test]
    fn a_png_without_alpha_is_rgb_and_keeps_the_colours() {
        let rgba: Vec<u8> = [[255, 255, 255, 255], [0, 0, 0, 255], [10, 200, 30, 255], [1, 2, 3, 255]].concat();
        let mut enc = PictureEncoder::new(StillFormat::Png, Quality::Low, 2, 2, false).unwrap();
        let png = enc.encode(&rgba).unwrap();
        let mut reader = png::Decoder::new(std::io::Cursor::new(png)).read_info().unwrap();
        let mut out = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut out).unwrap();
        assert_eq!(info.color_type, png::ColorType::Rgb);
        assert_eq!(&out[..12], &[255, 255, 255, 0, 0, 0, 10, 200, 30, 1, 2, 3]);
    }
}
