//! `bazaar-export still`: one frame of a project as a PNG, JPEG or WebP picture, through
//! [`crate::render::still`] (the preview's Save frame… goes through it too).

use super::args::StillArgs;
use super::render::given_inputs;
use crate::config::Config;
use crate::render::still::{self, StillRequest};
use std::path::PathBuf;

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
    let given = given_inputs(&args.project, &args.inputs, None)?;
    let project = crate::project_open::open_project_as(&args.project, &given, args.variant.as_deref())
        .map_err(|e| e.to_string())?;
    // Refused before the display starts and anything renders.
    still::check(&project, args.frame, &args.output)?;
    let request = StillRequest {
        project,
        frame: args.frame,
        output: args.output,
        size: args.size,
        quality: args.quality,
        config: config.render,
    };
    super::headless::run(config, move |handle, cancel| still::render_still(handle, request, cancel))
}
