//! What the render page (and the preview page) receives: the contract between Rust and
//! `ui/runtime/render.js`, `preview.js` and `runtime.js`, in one typed place. Field names are
//! the page's (camelCase).

use super::caption_layer::CaptionLayerSpec;
use super::frame_ring::FrameRingSpec;
use super::urls::{job_base, url_path};
use crate::config::RenderConfig;
use bazaar_core::captions::burn::{self, BurnLayer};
use bazaar_core::encode::{Format, Quality};
use bazaar_core::project::{ModuleSource, Project, Transition};
use bazaar_core::render_plan::{self, RenderPlan};
use serde::Serialize;

/// Rows the page reads back and hands to the frame ring at a time: a band is converted while
/// its pixels are still in the cache (a 1080p band is 1 MB of RGBA), and there are few enough
/// `getImageData` calls that their own cost stays small (BENCHMARKS.md, "Bands of 128 rows").
pub const BAND_ROWS: u32 = 128;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PageSpec {
    /// The job's (or preview's) id: in every request the page makes.
    pub job: String,
    /// The project's size and rate: compositions draw in these coordinates.
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    /// The variant rendered (`"variants"`), if any: compositions read it as `variant`.
    pub variant: Option<String>,
    /// The size frames are drawn at (the runtime scales the canvas).
    pub out_width: u32,
    pub out_height: u32,
    /// Where project files are served (`…/p/`).
    pub asset_base: String,
    pub load_timeout_ms: u64,
    pub scenes: Vec<SceneSpec>,
    /// The project frame of each output frame, in order (empty for the preview, which draws
    /// whatever frame it is asked for).
    pub frames: Vec<u64>,
    /// Output frames the app makes itself, as `[from, to)` runs (full-frame `VideoClip` scenes,
    /// see `bazaar_core::video::direct`): the page draws nothing for them and sends nothing.
    /// Empty for the preview, which draws everything.
    pub direct: Vec<(u64, u64)>,
    /// The project's length in frames (the preview's scrubber).
    pub total_frames: u64,
    /// Rows the page reads back at a time ([`BAND_ROWS`]).
    pub band_rows: u32,
    /// The job's frame ring (none for the preview): the page puts each canvas frame's bands
    /// into the next slot (the web-process extension converts them to the ring's format) and
    /// sends no bytes.
    pub frame_ring: Option<FrameRingSpec>,
    /// Whether the project has sounds: the render page then fetches each frame's figures
    /// (`sound/<from>/<count>`) for the compositions' `audio` argument.
    pub audio: bool,
    /// Whether the canvas keeps alpha: a transparent project (some scene's `"background"` is
    /// `"transparent"`); such scenes start from a cleared canvas. Opaque projects draw on an
    /// opaque canvas, as they always have.
    pub alpha: bool,
    /// The stage's CSS background, under DOM scenes: black for opaque projects, the matte a
    /// transparent project is flattened over, or `transparent` when its alpha is kept (canvas
    /// bands are flattened by the frame ring: its `matte`).
    pub stage: String,
    /// The burned captions, paged, with the project frames each page and word is on (the
    /// timing rule applied in `bazaar_core::captions::burn`): drawn over every scene by
    /// `ui/runtime/captions.js`.
    pub captions: Vec<BurnLayer>,
    /// The looks of those captions the page draws alone for the clip frames the app makes
    /// (`render/caption_layer.rs`); none for the preview.
    pub caption_layers: Option<CaptionLayerSpec>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SceneSpec {
    pub composition: String,
    /// The module's URL on the render scheme (`…/p/…` for the project's, `…/b/…` for built-ins).
    pub module: String,
    pub duration_in_frames: u32,
    pub start_frame: u64,
    pub props: serde_json::Map<String, serde_json::Value>,
    pub transition: Transition,
    /// The scene's `"background"` (its own, else the project's) is `"transparent"`.
    pub transparent: bool,
}

impl PageSpec {
    /// The spec of an export's render page.
    pub fn export(job: &str, project: &Project, plan: &RenderPlan, config: &RenderConfig) -> Self {
        let base = job_base(job);
        let scenes = project
            .scenes
            .iter()
            .map(|s| SceneSpec {
                composition: s.composition.clone(),
                module: match project.modules.get(&s.composition) {
                    Some(ModuleSource::Project { file }) => format!("{base}p/{}", url_path(file)),
                    Some(ModuleSource::Builtin { file }) => format!("{base}b/{}", url_path(file)),
                    None => String::new(),
                },
                duration_in_frames: s.duration_in_frames,
                start_frame: s.start_frame,
                props: s.props.clone(),
                transition: s.transition,
                transparent: s.background.is_transparent(),
            })
            .collect();
        Self {
            job: job.to_string(),
            width: project.width,
            height: project.height,
            fps: project.fps,
            variant: project.variant.clone(),
            out_width: plan.width,
            out_height: plan.height,
            asset_base: format!("{base}p/"),
            load_timeout_ms: config.load_timeout.as_millis() as u64,
            scenes,
            frames: plan.project_frames.clone(),
            direct: Vec::new(),
            total_frames: project.total_frames(),
            band_rows: BAND_ROWS,
            frame_ring: None,
            audio: !project.audio.is_empty(),
            alpha: project.is_transparent(),
            stage: match project.flattened_over(plan.settings.keep_alpha) {
                Some(matte) => matte.hex(),
                None if project.is_transparent() => "transparent".into(),
                None => "#000".into(),
            },
            captions: burn::layers(&project.captions, project.fps),
            caption_layers: None,
        }
    }

    /// The spec of the main window's preview: drawn at the project's own size (CSS scales it
    /// to fit), with no frame list (it draws whatever frame the scrubber or the clock asks for).
    pub fn preview(id: &str, project: &Project, config: &RenderConfig) -> Option<Self> {
        let plan = render_plan::plan(project, Format::Mp4, Quality::High, None).ok()?;
        let mut spec = Self::export(id, project, &plan, config);
        spec.out_width = project.width;
        spec.out_height = project.height;
        spec.frames = Vec::new();
        Some(spec)
    }
}
