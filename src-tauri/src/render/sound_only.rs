//! A sound-only export (`OutputKind::SoundOnly`): the project's mix written by core's
//! `audio::export`, with no render view, no page and no display (see that module for why the
//! samples are those of the video).

use super::{RenderError, RenderRequest, RenderStats};
use bazaar_core::audio::export::{self, SoundExport};
use bazaar_core::encode::ProgressFn;
use bazaar_core::project::Project;
use bazaar_core::render_plan;
use bazaar_core::CancelToken;
use std::path::PathBuf;
use std::time::Instant;

/// Refused before anything is made: a project without sounds would give a silent file.
pub fn check(project: &Project, format: bazaar_core::encode::Format) -> Result<(), String> {
    if project.audio.is_empty() {
        return Err(format!(
            "the project has no sounds: a {} file of it would be silence. Add a sound to its \"audio\" list, or choose a video format",
            format.profile().label
        ));
    }
    Ok(())
}

/// Mixes `req`'s frames (the whole project, `--frames`' range) to its output file.
pub fn render(
    req: &RenderRequest,
    cancel: &CancelToken,
    on_progress: ProgressFn,
) -> Result<(PathBuf, RenderStats), RenderError> {
    let started = Instant::now();
    bazaar_core::encode::output::check_destination(&req.output, &req.project.files_read())?;
    check(&req.project, req.format).map_err(RenderError::Plan)?;
    if req.chunk.is_some() {
        return Err(RenderError::Plan(
            "a sound file is mixed in one pass (seconds for an hour of sound): leave out --chunk".into(),
        ));
    }
    let plan = render_plan::plan_sized(&req.project, req.format, req.quality, req.range, req.size, None)
        .map_err(RenderError::Plan)?;
    let job = SoundExport {
        clips: &req.project.audio,
        timeline: plan.timeline(req.project.fps),
        frames: plan.output_frames(),
        format: req.format,
        quality: req.quality,
    };
    let path = export::export(&job, &req.output, cancel, on_progress)?;
    let secs = started.elapsed().as_secs_f64();
    let stats = RenderStats { frames: plan.settings.total_frames, total_secs: secs, ..RenderStats::default() };
    Ok((path, stats))
}
