//! What a clip may cost: the largest picture a clip may have, and the memory a decoder of it
//! is counted at (the app bounds its clip decoders by count and by that sum; see
//! `src-tauri/src/render/clips.rs`).
//!
//! Why: a clip's memory is set by its picture, not its file. A one-frame 8192×8192 MP4 is
//! 200 KB on disk; its H.264 decoder holds about 930 MB (measured on two cores), and a page
//! asking for it at 16 sizes at once took the app past 7 GB. The count errs high (a decoder
//! of an 8192×8192 clip is counted at 1.9 GB): it bounds, it does not measure.

use crate::encode::PixelFormat;
use gstreamer as gst;
use gstreamer::prelude::*;
use std::sync::{Arc, Mutex};

/// What the cache of frames a clip has handed out may hold (a 4K frame is 33 MB, 1080p 8.3).
pub const CACHE_BYTES: usize = 64 << 20;

/// The largest picture a clip may have: 8192×8192 (67 megapixels; an 8K UHD frame is 33).
/// Larger pictures are refused before a decoder is plugged for them.
pub const MAX_PIXELS: u64 = 8192 * 8192;
/// `MAX_PIXELS` as the creator reads it.
pub const MAX_SIZE_WORDS: &str = "8192×8192 pixels";

/// Decoded pictures a clip's decoder holds besides the ones it hands out (reference frames,
/// its pool, one a frame thread), measured with FFmpeg's H.264 decoder on two cores: about 16
/// for a 4K clip (200 MB), 10 at 1080p, 9 at 8192×8192 (930 MB). Counted high: 16, and one a
/// core for the frame threads.
fn decoder_pictures() -> u64 {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get()) as u64;
    16 + cores.min(16)
}

/// Pictures at the chain's end: the sink's two and the one being copied out (the frames held
/// for the rule share those buffers).
const OUT_PICTURES: u64 = 3;

/// What a decoder of a `native`-sized clip (width, height) whose pictures come out `out`-sized
/// in `format` is counted at, in bytes: the decoder's own pictures (4:2:0, 1.5 bytes a pixel),
/// the pictures handed out, and the cache of frames handed out lately.
pub fn decoder_bytes(native: (u32, u32), out: (u32, u32), format: PixelFormat) -> u64 {
    let (w, h) = (u64::from(native.0), u64::from(native.1));
    let decoded = w * h * 3 / 2;
    let out = format.frame_bytes(out.0, out.1) as u64;
    // The cache keeps at least one frame, however large.
    let cache = (CACHE_BYTES as u64).max(out);
    decoded * decoder_pictures() + out * OUT_PICTURES + cache
}

/// Whether a `w × h` picture is too large for a clip.
pub fn too_large(w: u32, h: u32) -> bool {
    u64::from(w) * u64::from(h) > MAX_PIXELS
}

/// The picture a file's streams declare, as decodebin finds them (a demuxer's or a parser's
/// caps, before any decoder is plugged): its size, and whether it was refused as too large.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Declared {
    /// The size of the first picture stream found (caps with a width and a height: a
    /// container's own caps have none).
    pub size: Option<(u32, u32)>,
    pub too_large: bool,
}

/// Watches what `pipeline`'s decodebin finds, and stops at a picture larger than
/// [`MAX_PIXELS`]: nothing more is plugged for it, and an error is posted, so the wait for the
/// first picture ends at once. What was found is in the returned slot.
pub(super) fn watch_pictures(pipeline: &gst::Pipeline) -> Arc<Mutex<Declared>> {
    let seen = Arc::new(Mutex::new(Declared::default()));
    let decodebins = pipeline
        .iterate_elements()
        .into_iter()
        .flatten()
        .filter(|e| e.factory().is_some_and(|f| f.name() == "decodebin"));
    for decode in decodebins {
        let slot = seen.clone();
        decode.connect("autoplug-continue", false, move |args| {
            let caps = args.get(2).and_then(|v| v.get::<gst::Caps>().ok());
            let size = caps.as_ref().and_then(|c| c.structure(0)).and_then(|s| {
                let picture = s.name().starts_with("video/") || s.name().starts_with("image/");
                let (w, h) = (s.get::<i32>("width").ok()?, s.get::<i32>("height").ok()?);
                picture.then_some((w.max(0) as u32, h.max(0) as u32))
            });
            let Some((w, h)) = size else { return Some(true.to_value()) };
            let refuse = too_large(w, h);
            if let Ok(mut s) = slot.lock() {
                if s.size.is_none() || refuse {
                    *s = Declared { size: Some((w, h)), too_large: refuse };
                }
            }
            if !refuse {
                return Some(true.to_value());
            }
            if let Some(element) = args.first().and_then(|v| v.get::<gst::Element>().ok()) {
                let error = gst::message::Error::builder(gst::StreamError::Decode, "the picture is too large")
                    .src(&element)
                    .build();
                let _ = element.post_message(error);
            }
            Some(false.to_value())
        });
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_8k_decoder_counts_near_what_it_was_measured_at() {
        let mb = decoder_bytes((8192, 8192), (100, 100), PixelFormat::Rgba) / 1_000_000;
        // 930 MB measured on two cores; more cores, more frame threads.
        assert!((900..4000).contains(&mb), "{mb} MB");
        // A 1080p clip at its own size: about 120 MB, most of it the cache.
        let hd = decoder_bytes((1920, 1080), (1920, 1080), PixelFormat::Rgba) / 1_000_000;
        assert!((90..300).contains(&hd), "{hd} MB");
        assert!(!too_large(8192, 8192) && too_large(8193, 8192) && too_large(u32::MAX, u32::MAX));
    }
}
