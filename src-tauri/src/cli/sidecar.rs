//! `render --captions-sidecar srt|vtt`: the project's captions written beside the video, on the
//! export's timeline (core's `captions::sidecar`).

use crate::render::RenderRequest;
use bazaar_core::captions::sidecar::SidecarFormat;

/// `--captions-sidecar`: where the export's timeline falls on the project's (its first project
/// frame, a `--frames` range's or a chunk's, and its length), planned before the render.
pub struct Sidecar {
    format: SidecarFormat,
    first: u64,
    duration_ms: u64,
}

impl Sidecar {
    pub fn of(request: &RenderRequest, format: SidecarFormat) -> Result<Self, String> {
        let plan = request.plan()?;
        Ok(Self { format, first: plan.range.0, duration_ms: plan.duration.as_millis() as u64 })
    }

    pub fn write(&self, request: &RenderRequest, video: &std::path::Path) -> Result<(), String> {
        let shape = (request.project.fps, self.first, self.duration_ms);
        let path = bazaar_core::captions::sidecar::write_beside(&request.project.captions, shape, video, self.format)?;
        eprintln!("wrote {}", path.display());
        Ok(())
    }
}
