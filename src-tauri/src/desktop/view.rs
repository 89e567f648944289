//! What the window shows of a project (a flat, serialisable view of the validated model).

use bazaar_core::project::Project;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SceneView {
    pub composition: String,
    pub duration_in_frames: u32,
    pub seconds: f64,
    pub start_frame: u64,
    pub transition: bazaar_core::project::Transition,
    /// The scene's own props, as in the project file (the composition's defaults aside).
    pub props: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectView {
    pub name: String,
    pub file: String,
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub total_frames: u64,
    pub duration_seconds: f64,
    pub scenes: Vec<SceneView>,
    /// Every sound, top-level first (`scene` says which scene a sound belongs to); the window
    /// asks for each one's waveform with `sound_waveform(index)`.
    pub sounds: Vec<bazaar_core::audio::AudioClip>,
    /// The caption files, for the captions list (`caption_table(index)` gives their rows).
    pub captions: Vec<super::captions::CaptionView>,
    /// The preview page for this project (same runtime as the export).
    pub preview_url: Option<String>,
    /// The project file's stamp when it was read (`Project::file_stamp`).
    pub file_stamp: String,
    /// The project's variants; `variant`: the one the preview shows (its size is `width` ×
    /// `height` then), `None` for the project's own.
    pub variants: Vec<bazaar_core::project::Variant>,
    pub variant: Option<String>,
}

impl From<&Project> for ProjectView {
    fn from(p: &Project) -> Self {
        Self {
            name: p.name.clone(),
            file: p.file.display().to_string(),
            width: p.width,
            height: p.height,
            fps: p.fps,
            total_frames: p.total_frames(),
            duration_seconds: p.duration_seconds(),
            scenes: p
                .scenes
                .iter()
                .map(|s| SceneView {
                    composition: s.composition.clone(),
                    duration_in_frames: s.duration_in_frames,
                    seconds: f64::from(s.duration_in_frames) / f64::from(p.fps),
                    start_frame: s.start_frame,
                    transition: s.transition,
                    props: s.props.clone(),
                })
                .collect(),
            sounds: p.audio.clone(),
            captions: p.captions.iter().map(Into::into).collect(),
            preview_url: None,
            file_stamp: p.file_stamp.clone(),
            variants: p.variants.clone(),
            variant: p.variant.clone(),
        }
    }
}
