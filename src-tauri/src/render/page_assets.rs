//! What a render page may read besides its code: the project's folder (never the export's own
//! destination), its video clips, each output frame's sound figures; and the files it asked for
//! and did not get, which fail the next DOM frame naming the file.

use super::clips::ClipTable;
use bazaar_core::audio::AnalysisQueue;
use bazaar_core::input_file::same_file;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The most missing files kept between two DOM frames (the first is the one named).
const MISSING_KEPT: usize = 16;

pub(super) struct PageAssets {
    root: PathBuf,
    output: PathBuf,
    sound: Option<AnalysisQueue>,
    clips: Arc<ClipTable>,
    missing: Mutex<Vec<(String, String)>>,
}

impl PageAssets {
    /// The assets of a project in `root` rendered to `output`; `sound`: each output frame's
    /// figures on their way to the page (`None`: the project has no sounds).
    pub fn new(root: PathBuf, output: PathBuf, sound: Option<AnalysisQueue>, clips: Arc<ClipTable>) -> Self {
        Self { root, output, sound, clips, missing: Mutex::default() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the export goes: a file the page asks for must never be it (see
    /// [`super::protocol`]'s output guard).
    pub fn output(&self) -> &Path {
        &self.output
    }

    /// Whether `file` is the export's destination (the same file, whatever its path).
    pub fn is_output(&self, file: &Path) -> bool {
        same_file(file, &self.output)
    }

    pub fn sound(&self) -> Option<&AnalysisQueue> {
        self.sound.as_ref()
    }

    /// The video clips the page has asked for.
    pub fn clips(&self) -> &Arc<ClipTable> {
        &self.clips
    }

    /// Remembers a project file the page asked for and did not get, and why.
    pub fn note_missing(&self, rel: &str, why: &str) {
        if let Ok(mut m) = self.missing.lock() {
            if m.len() < MISSING_KEPT {
                m.push((rel.to_string(), why.to_string()));
            }
        }
    }

    /// The files missed since the last call, with why.
    pub fn take_missing(&self) -> Vec<(String, String)> {
        self.missing.lock().map(|mut m| std::mem::take(&mut *m)).unwrap_or_default()
    }
}
