//! `bazaar-export still`: one frame of a project as a PNG, JPEG or WebP picture.
//!
//! ```text
//! render (frame N alone, RGBA from the ring: the page's own pixels) --> raw RGBA --> core encode::still --> temp file --> rename
//! ```
//!
//! The frame goes through the normal render path: a one-frame render in the RGBA format
//! (GIF's, the only one whose ring carries the page's RGBA untouched), whose frame, as the encoder
//! received it, is kept (`RenderRequest::dump_frames`); the one-frame GIF it also makes is
//! thrown away with its private folder.

use super::args::StillArgs;
use super::render::given_inputs;
use crate::config::Config;
use crate::render::{self, RenderRequest};
use bazaar_core::encode::still::{write_still, StillFormat};
use bazaar_core::encode::Format;
use std::path::PathBuf;
use std::sync::Arc;

pub fn run(args: StillArgs, config: Config) -> u8 {
    match run_inner(args, config) {
        Ok(path) => {
            eprintln!("wrote {}", path.display());
            0
        }
        Err(message) => {
            eprintln!("bazaar-export: {message}");
            1
        }
    }
}

fn run_inner(args: StillArgs, config: Config) -> Result<PathBuf, String> {
    let format = StillFormat::from_path(&args.output)
        .ok_or_else(|| format!("{}: a still is a .png, .jpg or .webp file: name it so", args.output.display()))?;
    let given = given_inputs(&args.project, &args.inputs, None)?;
    let project = crate::project_open::open_project_with(&args.project, &given).map_err(|e| e.to_string())?;
    let total = project.total_frames();
    if args.frame >= total {
        return Err(format!(
            "--frame {} is past the end: the project's frames are 0 to {}",
            args.frame,
            total.saturating_sub(1)
        ));
    }
    bazaar_core::encode::output::check_destination(&args.output, &project.files_read()).map_err(|e| e.to_string())?;
    let output = std::path::absolute(&args.output).map_err(|e| format!("bad output path: {e}"))?;
    let scratch = Scratch::new()?;
    let raw = scratch.0.join("frame.rgba");
    let request = RenderRequest {
        config: config.render,
        project,
        format: Format::Gif,
        quality: args.quality,
        output: scratch.0.join("frame.gif"),
        range: Some((args.frame, args.frame)),
        dump_frames: Some(raw.clone()),
        chunk: None,
        size: args.size,
        // A still keeps no alpha yet: a transparent project is flattened over its matte.
        options: Default::default(),
    };
    let plan = bazaar_core::render_plan::plan_sized(
        &request.project,
        request.format,
        request.quality,
        request.range,
        request.size,
        None,
    )?;
    let (width, height, quality) = (plan.width, plan.height, args.quality);
    super::headless::run(config, move |handle, cancel| {
        render::render(handle, &request, cancel, Arc::new(|_| {})).map_err(|e| {
            if e.is_cancelled() {
                "cancelled: no file was written".to_string()
            } else {
                e.to_string()
            }
        })?;
        let rgba = std::fs::read(&raw).map_err(|e| format!("the rendered frame cannot be read: {e}"))?;
        write_still(&rgba, width, height, format, quality, &output).map_err(|e| e.to_string())?;
        drop(scratch);
        Ok(output)
    })
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
