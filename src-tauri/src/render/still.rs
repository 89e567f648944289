//! One frame as a picture (PNG, JPEG, WebP): `bazaar-export still`, the preview's Save frame…
//! and the timeline's scene thumbnails (`render_png`).
//!
//! ```text
//! render (frame N alone, as a png-seq into a private folder: the page's RGBA, alpha kept when
//!         the picture type has it) --> .png: that PNG as it is | .jpg/.webp: its RGBA --> encode::still --> temp file --> rename
//! ```
//!
//! The frame goes through the normal render path as a one-frame image sequence, so a transparent
//! project's alpha reaches a PNG or WebP untouched (straight alpha), and a JPEG is flattened over
//! the project's matte by the frame ring, as every format without alpha is.

use super::{RenderError, RenderRequest};
use crate::config::RenderConfig;
use bazaar_core::encode::still::{png_rgba, write_still, StillFormat};
use bazaar_core::encode::{Format, FormatOptions, Quality};
use bazaar_core::project::Project;
use bazaar_core::render_plan::OutputSize;
use bazaar_core::CancelToken;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What a still asks for.
pub struct StillRequest {
    pub project: Project,
    pub frame: u64,
    pub output: PathBuf,
    pub size: OutputSize,
    pub quality: Quality,
    pub config: RenderConfig,
}

/// Checks a still before anything renders: the picture type from the name, the frame within the
/// project, the destination. Returns the type.
pub fn check(project: &Project, frame: u64, output: &Path) -> Result<StillFormat, String> {
    let format = StillFormat::from_path(output)
        .ok_or_else(|| format!("{}: a still is a .png, .jpg or .webp file: name it so", output.display()))?;
    let total = project.total_frames();
    if frame >= total {
        return Err(format!(
            "--frame {frame} is past the end: the project's frames are 0 to {}",
            total.saturating_sub(1)
        ));
    }
    bazaar_core::encode::output::check_destination(output, &project.files_read()).map_err(|e| e.to_string())?;
    Ok(format)
}

/// Renders `req`'s frame and writes the picture. Blocks; call it from a thread of its own.
pub fn render_still(app: &tauri::AppHandle, req: StillRequest, cancel: &CancelToken) -> Result<PathBuf, String> {
    let format = check(&req.project, req.frame, &req.output)?;
    let output = std::path::absolute(&req.output).map_err(|e| format!("bad output path: {e}"))?;
    let keep_alpha = req.project.is_transparent() && format.keeps_alpha();
    let picture = FramePicture {
        project: req.project,
        frame: req.frame,
        size: req.size,
        quality: req.quality,
        config: req.config,
        keep_alpha,
    };
    let png = render_png(app, picture, cancel)?;
    let written = match format {
        StillFormat::Png => bazaar_core::encode::output::write_atomically(&output, &png)
            .map_err(|e| bazaar_core::encode::output::classify_io(&e, &output)),
        other => {
            let (rgba, w, h) = png_rgba(&png).map_err(|e| format!("the rendered frame cannot be decoded: {e}"))?;
            write_still(&rgba, w, h, other, req.quality, keep_alpha, &output)
        }
    };
    written.map_err(|e| e.to_string())?;
    Ok(output)
}

/// One frame to render as a PNG: a still's, or a timeline thumbnail's
/// (`desktop/thumbnail.rs`).
pub struct FramePicture {
    pub project: Project,
    pub frame: u64,
    pub size: OutputSize,
    pub quality: Quality,
    pub config: RenderConfig,
    /// Straight alpha kept (a transparent project's PNG or WebP); otherwise over the matte.
    pub keep_alpha: bool,
}

/// Renders `picture`'s frame through the normal render path and returns its PNG's bytes.
/// Blocks; call it from a thread of its own.
pub fn render_png(app: &tauri::AppHandle, picture: FramePicture, cancel: &CancelToken) -> Result<Vec<u8>, String> {
    let scratch = Scratch::new()?;
    let folder = scratch.0.join("frame");
    let request = RenderRequest {
        config: picture.config,
        project: picture.project,
        format: Format::PngSeq,
        quality: picture.quality,
        output: folder.clone(),
        range: Some((picture.frame, picture.frame)),
        dump_frames: None,
        chunk: None,
        size: picture.size,
        options: FormatOptions { keep_alpha: picture.keep_alpha, ..Default::default() },
    };
    let first = bazaar_core::render_plan::plan_sized(
        &request.project,
        request.format,
        request.quality,
        request.range,
        request.size,
        None,
    )?
    .first_output_index(request.project.fps);
    super::render(app, &request, cancel, Arc::new(|_| {})).map_err(|e: RenderError| {
        if e.is_cancelled() {
            "cancelled: no file was written".to_string()
        } else {
            e.to_string()
        }
    })?;
    let name = bazaar_core::encode::image_seq::picture_name(
        "frame",
        first,
        bazaar_core::encode::image_seq::digits_for(first),
        "png",
    );
    std::fs::read(folder.join(name)).map_err(|e| format!("the rendered frame cannot be read: {e}"))
}

/// A private folder in the temp folder for the one-frame render, removed with what it holds.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Result<Self, String> {
        let name = format!("bazaar-still-{}-{}", std::process::id(), uuid::Uuid::new_v4().simple());
        let dir = std::env::temp_dir().join(name);
        std::fs::create_dir(&dir).map_err(|e| format!("cannot make a temporary folder {}: {e}", dir.display()))?;
        Ok(Self(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
