//! The video clips a render (or the preview) has open, by file: each a [`VideoSource`] that
//! decodes forward and seeks only for jumps, so a composition reading its clip frame after frame
//! costs one decode a frame. Served to the page as `vi/<path>` (what the clip is, JSON) and
//! `vf/<microseconds>/<path>` (the frame the rule picks, as raw RGBA after a 16-byte header:
//! width and height as u32, the frame's time as f64, little-endian): no JSON or base64 for
//! pixels, and one copy, into the response.

use bazaar_core::video::{VideoError, VideoSource};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Clips open at once; the least recently used is closed past this (each holds a decoder and
/// two frames).
const MAX_OPEN: usize = 8;

#[derive(Default)]
pub struct ClipTable {
    open: Mutex<Vec<(PathBuf, Arc<Mutex<VideoSource>>)>>,
}

impl ClipTable {
    fn source(&self, path: &Path) -> Result<Arc<Mutex<VideoSource>>, VideoError> {
        let mut open = self.open.lock().map_err(|_| poisoned(path))?;
        if let Some(i) = open.iter().position(|(p, _)| p == path) {
            let entry = open.remove(i);
            let source = entry.1.clone();
            open.push(entry);
            return Ok(source);
        }
        let source = Arc::new(Mutex::new(VideoSource::open(path)?));
        open.push((path.to_path_buf(), source.clone()));
        if open.len() > MAX_OPEN {
            open.remove(0);
        }
        Ok(source)
    }

    /// `{ width, height, duration, fps }` of the clip at `path`.
    pub fn info_json(&self, path: &Path) -> Result<Vec<u8>, VideoError> {
        let source = self.source(path)?;
        let info = source.lock().map_err(|_| poisoned(path))?.info();
        Ok(serde_json::json!({ "width": info.width, "height": info.height, "duration": info.duration, "fps": info.fps })
            .to_string()
            .into_bytes())
    }

    /// The frame the rule picks for `seconds`, with its header.
    pub fn frame(&self, path: &Path, seconds: f64) -> Result<Vec<u8>, VideoError> {
        let source = self.source(path)?;
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

fn poisoned(path: &Path) -> VideoError {
    VideoError::Corrupt { path: path.into(), reason: "its decoder failed earlier".into() }
}
