//! The video clips a render (or the preview) has open, by file and size: each a [`VideoSource`]
//! that decodes forward and seeks only for jumps, so a composition reading its clip frame after
//! frame costs one decode a frame. Their decoders are bounded in number and in memory (a
//! composition asking for an 8K clip at 16 sizes at once took the app past 7 GB). Served to the page as `vi/<path>` (what the clip is, JSON) and
//! `vf/<microseconds>/<W>x<H>/<path>` (the frame the rule picks, no larger than W × H, as raw
//! RGBA after a 16-byte header:
//! width and height as u32, the frame's time as f64, little-endian): no JSON or base64 for
//! pixels, and one copy, into the response.

use bazaar_core::video::{limits, Picture, VideoError, VideoInfo, VideoSource};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Clip decoders a render (or the preview) may have at once, across its clips and the sizes
/// they are asked for at: the least recently used one no request is using is closed to make
/// room; beyond, while every one is in use, a request is refused, naming the clip.
const MAX_DECODERS: usize = 8;
/// What they may be counted at together ([`limits::decoder_bytes`]), in MB, unless
/// `BAZAAR_CLIP_MEMORY_MB` says otherwise (`RenderConfig::clip_memory_mb`): one 8192×8192 clip
/// fits (counted near 1.9 GB at its own size), 16 sizes of it at once (7 GB measured) do not.
const DEFAULT_MEMORY_MB: u64 = 2048;

/// A clip's frames at one size (`None`: the clip's own).
type Key = (PathBuf, Option<(u32, u32)>);

pub struct ClipTable {
    /// What the decoders may be counted at together, in bytes.
    memory_limit: u64,
    /// Decoders kept for the requests to come, least recently used first.
    open: Mutex<Vec<(Key, Arc<Mutex<Decoder>>)>>,
    /// What each clip is (its own size above all), read once: a clip always drawn smaller than
    /// it is never keeps a decoder open at its own size (at 4K, hundreds of MB).
    infos: Mutex<Vec<(PathBuf, VideoInfo)>>,
    /// Every decoder alive, kept here or no longer (one still finishing a frame counts until
    /// it goes).
    live: Arc<Mutex<Live>>,
}

#[derive(Default)]
struct Live {
    count: usize,
    bytes: u64,
}

/// A decoder and its share of the bound, given back when it goes (fields drop in order: the
/// decoder first).
struct Decoder {
    source: VideoSource,
    _lease: Lease,
}

struct Lease {
    live: Arc<Mutex<Live>>,
    bytes: u64,
}

impl Lease {
    fn take(live: &Arc<Mutex<Live>>, bytes: u64) -> Self {
        if let Ok(mut l) = live.lock() {
            l.count += 1;
            l.bytes += bytes;
        }
        Self { live: live.clone(), bytes }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Ok(mut l) = self.live.lock() {
            l.count = l.count.saturating_sub(1);
            l.bytes = l.bytes.saturating_sub(self.bytes);
        }
        // The decoder's pictures (12 MB each at 4K) were freed into the C allocator's arenas,
        // which keep them: with decoders opened and closed in turn (a clip asked for at more
        // sizes than fit) the app's memory grew to twice what the live decoders held (16 sizes
        // of a 4K clip: 3.8 GB). Trimming hands the free pages back.
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        // SAFETY: malloc_trim only releases free memory; it touches no live allocation.
        unsafe {
            libc::malloc_trim(0);
        }
    }
}

impl ClipTable {
    /// A table whose decoders may be counted at `memory_mb` together (`None`: the default).
    pub fn new(memory_mb: Option<u64>) -> Self {
        let memory_limit = memory_mb.unwrap_or(DEFAULT_MEMORY_MB) << 20;
        Self { memory_limit, open: Mutex::default(), infos: Mutex::default(), live: Arc::default() }
    }

    /// The decoder for `path` at `size`: kept, or opened within the bound.
    fn decoder(
        &self,
        path: &Path,
        size: Option<(u32, u32)>,
        native: VideoInfo,
    ) -> Result<Arc<Mutex<Decoder>>, VideoError> {
        let key = (path.to_path_buf(), size);
        let mut open = self.open.lock().map_err(|_| poisoned(path))?;
        if let Some(i) = open.iter().position(|(k, _)| *k == key) {
            let entry = open.remove(i);
            let decoder = entry.1.clone();
            open.push(entry);
            return Ok(decoder);
        }
        let picture = Picture { size, ..Picture::default() };
        let native_size = (native.width, native.height);
        let bytes = limits::decoder_bytes(native_size, size.unwrap_or(native_size), picture.format);
        let limit = self.memory_limit;
        loop {
            let (count, used) = self.live.lock().map(|l| (l.count, l.bytes)).map_err(|_| poisoned(path))?;
            if count < MAX_DECODERS && used + bytes <= limit {
                break;
            }
            // Only the table holds it: no request is using it.
            let Some(idle) = open.iter().position(|(_, d)| Arc::strong_count(d) == 1) else {
                return Err(VideoError::Busy {
                    path: path.into(),
                    reason: busy(count, used, bytes, limit, size, native),
                });
            };
            drop(open.remove(idle));
        }
        // Counted before it opens: a request waiting for the table meanwhile sees it.
        let lease = Lease::take(&self.live, bytes);
        let decoder = Arc::new(Mutex::new(Decoder { source: VideoSource::open_as(path, picture)?, _lease: lease }));
        open.push((key, decoder.clone()));
        Ok(decoder)
    }

    pub(super) fn info(&self, path: &Path) -> Result<VideoInfo, VideoError> {
        let mut infos = self.infos.lock().map_err(|_| poisoned(path))?;
        if let Some((_, info)) = infos.iter().find(|(p, _)| p == path) {
            return Ok(*info);
        }
        let info = VideoSource::probe(path)?;
        infos.push((path.to_path_buf(), info));
        Ok(info)
    }

    /// `{ width, height, duration, fps }` of the clip at `path`.
    pub fn info_json(&self, path: &Path) -> Result<Vec<u8>, VideoError> {
        let info = self.info(path)?;
        Ok(serde_json::json!({ "width": info.width, "height": info.height, "duration": info.duration, "fps": info.fps })
            .to_string()
            .into_bytes())
    }

    /// The frame the rule picks for `seconds`, with its header, no larger than `at_most`
    /// (width, height; 0 × 0: the clip's own size): a clip drawn smaller than it is is scaled
    /// as it is decoded, its aspect kept, never enlarged.
    pub fn frame(&self, path: &Path, seconds: f64, at_most: (u32, u32)) -> Result<Vec<u8>, VideoError> {
        let native = self.info(path)?;
        let size = fit(native.width, native.height, at_most);
        let decoder = self.decoder(path, size, native)?;
        let mut decoder = decoder.lock().map_err(|_| poisoned(path))?;
        let frame = decoder.source.frame_at(seconds)?;
        let (width, height) = decoder.source.picture_size();
        let pixels = frame.pixels();
        let mut out = Vec::with_capacity(16 + pixels.len());
        out.extend(width.to_le_bytes());
        out.extend(height.to_le_bytes());
        out.extend(frame.time.to_le_bytes());
        out.extend_from_slice(pixels);
        Ok(out)
    }
}

/// Why one more decoder cannot be opened, in words.
fn busy(count: usize, used: u64, bytes: u64, limit: u64, size: Option<(u32, u32)>, native: VideoInfo) -> String {
    let (w, h) = size.unwrap_or((native.width, native.height));
    let mb = |b: u64| b >> 20;
    if bytes > limit {
        return format!(
            "its decoder at {w}×{h} is counted at {} MB, more than the {} MB all clips may use: draw it smaller",
            mb(bytes),
            mb(limit)
        );
    }
    format!(
        "the clip decoders are busy ({count} open, at most {MAX_DECODERS}; {} of {} MB), and one more at {w}×{h} is counted at {} MB: ask for clips at fewer sizes at once",
        mb(used),
        mb(limit),
        mb(bytes)
    )
}

/// The size to scale a `w × h` clip to so that it fits `at_most`, its aspect kept; `None` when
/// it already fits (or no limit is given).
fn fit(w: u32, h: u32, (mw, mh): (u32, u32)) -> Option<(u32, u32)> {
    if mw == 0 || mh == 0 || w == 0 || h == 0 || (w <= mw && h <= mh) {
        return None;
    }
    let scale = (f64::from(mw) / f64::from(w)).min(f64::from(mh) / f64::from(h));
    Some((((f64::from(w) * scale).round() as u32).max(1), ((f64::from(h) * scale).round() as u32).max(1)))
}

fn poisoned(path: &Path) -> VideoError {
    VideoError::Corrupt { path: path.into(), reason: "its decoder failed earlier".into() }
}

#[cfg(test)]
mod tests {
    #[test]
    fn clips_are_scaled_down_to_fit_never_up() {
        assert_eq!(super::fit(3840, 2160, (1920, 1080)), Some((1920, 1080)));
        assert_eq!(super::fit(3840, 2160, (1280, 1280)), Some((1280, 720)));
        assert_eq!(super::fit(1080, 1920, (1280, 720)), Some((405, 720)));
        assert_eq!(super::fit(1920, 1080, (1920, 1080)), None);
        assert_eq!(super::fit(640, 360, (1920, 1080)), None);
        assert_eq!(super::fit(1920, 1080, (0, 0)), None);
    }
}
