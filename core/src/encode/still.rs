//! One picture (`bazaar-export still`): a rendered frame's RGBA encoded as PNG, JPEG or WebP,
//! `appsrc ! videoconvert ! <encoder> ! appsink`, and written atomically
//! ([`super::output::write_atomically`]).
//!
//! PNG keeps the RGBA as it is (alpha included) and is tagged sRGB (an `sRGB` chunk, which
//! `pngenc` does not write); JPEG is JFIF, which every reader takes as sRGB; WebP keeps alpha.

use super::{gst_init, EncodeError, Quality};
use gstreamer as gst;
use gstreamer::prelude::*;
use std::path::Path;

/// A still's file type, from its extension.
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

    /// The encoder with its properties at `q`, and the Debian package that ships it. Each takes
    /// RGB(A): `videoconvert` would otherwise hand JPEG and WebP limited-range YUV, which they
    /// store as full range (white came out 235), where from RGB their own libraries convert it
    /// as JFIF and WebP define it.
    fn encoder(self, q: Quality) -> (String, &'static str, &'static str) {
        // JPEG and WebP take the JPEG sequence's quality per preset.
        let quality = match q {
            Quality::Low => 80,
            Quality::Medium => 90,
            Quality::High => 95,
        };
        match self {
            Self::Png => (
                "video/x-raw,format=RGBA ! pngenc compression-level=6 snapshot=true".into(),
                "pngenc",
                "gstreamer1.0-plugins-good",
            ),
            Self::Jpeg => (
                format!("video/x-raw,format=RGB ! jpegenc quality={quality} snapshot=true"),
                "jpegenc",
                "gstreamer1.0-plugins-good",
            ),
            Self::Webp => {
                (format!("video/x-raw,format=RGBA ! webpenc quality={quality}"), "webpenc", "gstreamer1.0-plugins-bad")
            }
        }
    }
}

/// Encodes one `width`×`height` RGBA picture and writes it to `dest` (temp file, then rename).
pub fn write_still(
    rgba: &[u8],
    width: u32,
    height: u32,
    format: StillFormat,
    q: Quality,
    dest: &Path,
) -> Result<(), EncodeError> {
    let mut bytes = encode(rgba, width, height, format, q)?;
    if format == StillFormat::Png {
        bytes = with_srgb_chunk(bytes)?;
    }
    super::output::write_atomically(dest, &bytes).map_err(|e| super::output::classify_io(&e, dest))
}

fn encode(rgba: &[u8], width: u32, height: u32, format: StillFormat, q: Quality) -> Result<Vec<u8>, EncodeError> {
    gst_init()?;
    let (encoder, element, package) = format.encoder(q);
    if gst::ElementFactory::find(element).is_none() {
        return Err(EncodeError::MissingElement { element: element.into(), package: package.into() });
    }
    let expected = width as usize * height as usize * 4;
    if rgba.len() != expected {
        return Err(EncodeError::Settings(format!(
            "a {width}×{height} picture has {} bytes, not {expected}",
            rgba.len()
        )));
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
        .caps(width, height, 1)
        .map_err(|e| EncodeError::Settings(format!("unsupported picture size: {e}")))?;
    src.set_caps(Some(&caps));
    src.set_format(gst::Format::Time);
    let result = (|| {
        pipeline
            .set_state(gst::State::Playing)
            .map_err(|_| EncodeError::Init("the pipeline could not start".into()))?;
        let mut buffer = gst::Buffer::from_mut_slice(rgba.to_vec());
        if let Some(b) = buffer.get_mut() {
            b.set_pts(gst::ClockTime::ZERO);
            b.set_duration(gst::ClockTime::SECOND);
        }
        let failed = |what: &str| EncodeError::Encoder { element: element.into(), message: what.into() };
        src.push_buffer(buffer).map_err(|_| failed("the picture was refused"))?;
        let _ = src.end_of_stream();
        let sample = sink.pull_sample().map_err(|_| failed("no picture came out"))?;
        let buffer = sample.buffer().ok_or_else(|| failed("an empty picture came out"))?;
        let map = buffer.map_readable().map_err(|_| failed("the picture is unreadable"))?;
        Ok(map.as_slice().to_vec())
    })();
    let _ = pipeline.set_state(gst::State::Null);
    result
}

/// The PNG with an `sRGB` chunk (rendering intent: perceptual) right after its `IHDR`.
fn with_srgb_chunk(png: Vec<u8>) -> Result<Vec<u8>, EncodeError> {
    // Signature (8), then IHDR: length (4), type (4), 13 bytes, CRC (4).
    const AFTER_IHDR: usize = 8 + 4 + 4 + 13 + 4;
    if png.len() < AFTER_IHDR || &png[12..16] != b"IHDR" {
        return Err(EncodeError::Encoder { element: "pngenc".into(), message: "the PNG has no header".into() });
    }
    let mut chunk = vec![0, 0, 0, 1];
    chunk.extend(b"sRGB\x00");
    chunk.extend(crc32(&chunk[4..]).to_be_bytes());
    let mut out = Vec::with_capacity(png.len() + chunk.len());
    out.extend(&png[..AFTER_IHDR]);
    out.extend(chunk);
    out.extend(&png[AFTER_IHDR..]);
    Ok(out)
}

/// PNG's CRC-32 (ISO 3309), over a chunk's type and data.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
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
            write_still(&rgba, w, h, format, Quality::High, &dest).unwrap();
            let size = imagesize::size(&dest).unwrap();
            assert_eq!((size.width, size.height), (64, 36), "{name}");
        }
        let png = std::fs::read(dir.path().join("a.png")).unwrap();
        assert_eq!(&png[37..41], b"sRGB", "the sRGB chunk follows IHDR");
        assert_eq!(crc32(b"IEND"), 0xae42_6082);
        assert_eq!(StillFormat::from_path(Path::new("a.gif")), None);
        assert!(write_still(&rgba[4..], w, h, StillFormat::Png, Quality::High, &dir.path().join("b.png")).is_err());
    }
}
