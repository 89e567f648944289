//! The main window's preview: the project shown in an iframe of the window, on the `bazaar://`
//! origin, by the same runtime as an export's render page (`ui/runtime/preview.js`); what the
//! file server ([`crate::render::protocol`]) serves it: its page spec, its sound ([`sound`]),
//! its video clips. One preview at a time, replaced when a project is opened.

pub mod sound;

use crate::config::RenderConfig;
use crate::render::clips::ClipTable;
use crate::render::page_spec::PageSpec;
use crate::render::urls::preview_page_url;
use bazaar_core::project::Project;
use sound::PreviewSound;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// The current preview (managed Tauri state).
#[derive(Default)]
pub struct Preview {
    current: Mutex<Option<Arc<Current>>>,
    /// The variant the preview shows (the window's variant switch), for the project file it was
    /// chosen in: kept through live reloads, forgotten when another project opens.
    variant: Mutex<Option<(PathBuf, String)>>,
}

/// One project's preview.
pub struct Current {
    id: String,
    root: PathBuf,
    spec: PageSpec,
    /// Its mix, if the project has sounds.
    sound: Option<Arc<PreviewSound>>,
    clips: Arc<ClipTable>,
    /// The project as shown (the variant chosen, its props): the timeline's thumbnails are its.
    project: Arc<Project>,
}

impl Current {
    /// The project's folder.
    pub fn root(&self) -> &PathBuf {
        &self.root
    }
    pub fn spec(&self) -> &PageSpec {
        &self.spec
    }
    pub fn sound(&self) -> Option<&Arc<PreviewSound>> {
        self.sound.as_ref()
    }
    pub fn clips(&self) -> &Arc<ClipTable> {
        &self.clips
    }
}

impl Preview {
    /// Makes `project` the preview (replacing the last one) and returns its page URL.
    pub fn set(&self, project: &Project, config: &RenderConfig) -> Option<String> {
        let id = format!("preview-{}", uuid::Uuid::new_v4().simple());
        let spec = PageSpec::preview(&id, project, config)?;
        let current = Current {
            id: id.clone(),
            root: project.root.clone(),
            spec,
            sound: PreviewSound::new(project).map(Arc::new),
            clips: Arc::new(ClipTable::new(config.clip_memory_mb)),
            project: Arc::new(project.clone()),
        };
        *self.current.lock().ok()? = Some(Arc::new(current));
        Some(preview_page_url(&id))
    }

    /// The variant chosen for `file` (`None`: its own size).
    pub fn variant_of(&self, file: &std::path::Path) -> Option<String> {
        let chosen = self.variant.lock().ok()?;
        chosen.as_ref().filter(|(f, _)| f == file).map(|(_, v)| v.clone())
    }

    /// Shows `file` as `variant` from now on (`None`: its own size).
    pub fn choose_variant(&self, file: &std::path::Path, variant: Option<String>) {
        if let Ok(mut chosen) = self.variant.lock() {
            *chosen = variant.map(|v| (file.to_path_buf(), v));
        }
    }

    /// The project the preview shows (its variant and that variant's props), if any.
    pub fn project(&self) -> Option<Arc<Project>> {
        Some(self.current.lock().ok()?.as_ref()?.project.clone())
    }

    /// The preview, if `id` is the current one.
    pub fn get(&self, id: &str) -> Option<Arc<Current>> {
        self.current.lock().ok()?.as_ref().filter(|c| c.id == id).cloned()
    }
}
