//! The video clips a render (or the preview) has open, by file: each a [`VideoSource`] that
//! decodes forward and seeks only for jumps, so a composition reading its clip frame after frame
//! costs one decode a frame. Served to the page as `vi/<path>` (what the clip is, JSON) and
//! `vf/<microseconds>/<W>x<H>/<path>` (the frame the rule picks, no larger than W × H, as raw
//! RGBA after a 16-byte header:
//! width and height as u32, the frame's time as f64, little-endian): no JSON or base64 for
//! pixels, and one copy, into the response.

use bazaar_core::video::{VideoError, VideoInfo, VideoSource};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Clips open at once; the least recently used is closed past this (each holds a decoder and
/// two frames).
const MAX_OPEN: usize = 8;

/// A clip's frames at one size (`None`: the clip's own).
type Key = (PathBuf, Option<(u32, u32)>);

#[derive(Default)]
pub struct ClipTable {
    open: Mutex<Vec<(Key, Arc<Mutex<VideoSource>>)>>,
    /// What each clip is (its own size above all), read once: a clip always drawn smaller than
    /// it is never keeps a decoder open at its own size (at 4K, hundreds of MB).
    infos: Mutex<Vec<(PathBuf, VideoInfo)>>,
}

impl ClipTable {
    fn source(&self, path: &Path, size: Option<(u32, u32)>) -> Result<Arc<Mutex<VideoSource>>, VideoError> {
        let key = (path.to_path_buf(), size);
        let mut open = self.open.lock().map_err(|_| poisoned(path))?;
        if let Some(i) = open.iter().position(|(k, _)| *k == key) {
            let entry = open.remove(i);
            let source = entry.1.clone();
            open.push(entry);
            return Ok(source);
        }
        let source = Arc::new(Mutex::new(VideoSource::open_scaled(path, size)?));
        open.push((key, source.clone()));
        if open.len() > MAX_OPEN {
            open.remove(0);
        }
        Ok(source)
    }

    pub(super) fn info(&self, path: &Path) -> Result<VideoInfo, VideoError> {
        let mut infos = self.infos.lock().map_err(|_| poisoned(path))?;
        if let Some((_, info)) = infos.iter().find(|(p, _)| p == path) {
            return Ok(*info);
        }
        let info = VideoSource::open(path)?.info();
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
        let source = self.source(path, size)?;
        let mut clip = source.lock().map_err(|_| poisoned(path))?;
        let info = clip.info();
        let frame = clip.frame_at(seconds)?;
        let pixels = frame.pixels();
        let mut out = Vec::with_capacity(16 + pixels.len());
        out.extend(info.width.to_le_bytes());
        out.extend(info.height.to_le_bytes());
        out.extend(frame.time.to_le_bytes());
        out.extend_from_slice(pixels);
        Ok(out)
    }
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
