//! The window's captions: a project caption file's table (time, text) with a row's typo fixed
//! and saved back ([`bazaar_core::captions::edit`]: that text only; atomic; a backup if the
//! file changed on disk since it was read), and **Align script…** for a sound of the project
//! ([`bazaar_core::align`], off the UI thread), its script and its output inside the project
//! folder. The folder watch then reloads the project.

use crate::ipc_error::{guard, IpcError};
use crate::state::AppState;
use bazaar_core::captions::edit::{self, Table};
use bazaar_core::CancelToken;
use serde::Serialize;
use std::path::{Path, PathBuf};
use tauri::State;

fn project(state: &AppState) -> Result<bazaar_core::project::Project, IpcError> {
    let current = state.current.lock().map_err(|_| IpcError::internal("the app state is unavailable"))?;
    current.clone().ok_or_else(|| IpcError::invalid("open a project first"))
}

fn caption_file(state: &AppState, index: usize) -> Result<PathBuf, IpcError> {
    let p = project(state)?;
    let track =
        p.captions.get(index).ok_or_else(|| IpcError::invalid(format!("the project has no captions[{index}]")))?;
    Ok(track.path.clone())
}

async fn blocking<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> Result<T, IpcError> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| IpcError::internal(format!("{what} stopped unexpectedly: {e}")))
}

/// `caption_table {index}`: the rows of the project's `captions[index]` and the file's stamp.
#[tauri::command]
pub async fn caption_table(state: State<'_, AppState>, index: usize) -> Result<Table, IpcError> {
    guard(async move {
        let path = caption_file(&state, index)?;
        let shown = path.display().to_string();
        blocking("reading the captions", move || edit::table(&path))
            .await?
            .map_err(|e| IpcError::invalid(format!("{shown}: {e}")))
    })
    .await
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CaptionSaved {
    /// Where the version that was on disk was kept, when it had changed meanwhile.
    pub backup: Option<String>,
    /// The file as saved (its new stamp for the next save).
    pub table: Table,
}

/// `save_caption {index, row, text, stamp}`: row `row` of `captions[index]` gets `text`.
#[tauri::command]
pub async fn save_caption(
    state: State<'_, AppState>,
    index: usize,
    row: usize,
    text: String,
    stamp: String,
) -> Result<CaptionSaved, IpcError> {
    guard(async move {
        let path = caption_file(&state, index)?;
        blocking("saving the captions", move || {
            let saved = edit::save_row(&path, row, &text, &stamp).map_err(|e| IpcError::invalid(e.to_string()))?;
            let table = edit::table(&path).map_err(|e| IpcError::invalid(format!("{}: {e}", path.display())))?;
            Ok(CaptionSaved { backup: saved.backup.map(|p| p.display().to_string()), table })
        })
        .await?
    })
    .await
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AlignReport {
    pub written: String,
    pub placed: usize,
    pub total: usize,
    /// Each word that got no time, in words ("line 2, word 7: "Zorb" is not in the dictionary").
    pub unplaced: Vec<String>,
}

/// A path the creator typed, relative to the project folder, that must stay inside it; with
/// `create`, its folder is made if missing (as `captions/`, the default, often is).
fn inside(folder: &Path, rel: &str, what: &str, create: bool) -> Result<PathBuf, IpcError> {
    let rel = rel.trim();
    let path = Path::new(rel);
    if rel.is_empty() || path.is_absolute() || path.components().any(|c| !matches!(c, std::path::Component::Normal(_)))
    {
        return Err(IpcError::invalid(format!(
            "{what}: give a path inside the project folder, such as captions/voice.json (not {rel:?})"
        )));
    }
    let full = folder.join(path);
    // Links out of the folder are refused too: the parent's real path must be inside.
    let parent = full.parent().unwrap_or(folder);
    if create && !parent.exists() {
        // Only below a folder that is really inside (a link could lead out).
        let existing = parent.ancestors().find(|a| a.exists()).unwrap_or(folder);
        match (existing.canonicalize(), folder.canonicalize()) {
            (Ok(real), Ok(root)) if real.starts_with(&root) => std::fs::create_dir_all(parent).map_err(|e| {
                IpcError::invalid(format!(
                    "{what}: cannot make the folder of {rel}: {}",
                    bazaar_core::input_file::io_reason(&e)
                ))
            })?,
            _ => return Err(IpcError::invalid(format!("{what}: {rel} leads outside the project folder"))),
        }
    }
    let (Ok(real), Ok(root)) = (parent.canonicalize(), folder.canonicalize()) else {
        return Err(IpcError::invalid(format!("{what}: the folder of {rel} does not exist in the project folder")));
    };
    if !real.starts_with(&root) {
        return Err(IpcError::invalid(format!("{what}: {rel} leads outside the project folder")));
    }
    Ok(full)
}

/// `align_script {sound, script, output}`: aligns the script (a text file in the project folder)
/// to the project's sound `sound` and writes the word timings to `output` (in the folder).
#[tauri::command]
pub async fn align_script(
    state: State<'_, AppState>,
    sound: usize,
    script: String,
    output: String,
) -> Result<AlignReport, IpcError> {
    guard(async move {
        let p = project(&state)?;
        let clip = p.audio.get(sound).ok_or_else(|| IpcError::invalid(format!("the project has no sound {sound}")))?;
        let folder = p.file.parent().map(Path::to_path_buf).unwrap_or_default();
        let script = inside(&folder, &script, "the script", false)?;
        let output = inside(&folder, &output, "the word timings", true)?;
        let audio = clip.path.clone();
        let written = output.display().to_string();
        let result = blocking("the alignment", move || {
            bazaar_core::align::align_files(&audio, &script, &output, &CancelToken::new())
        })
        .await?
        .map_err(|e| IpcError::invalid(e.to_string()))?;
        Ok(AlignReport {
            written,
            placed: result.words.len(),
            total: result.total,
            unplaced: result.unplaced.iter().map(ToString::to_string).collect(),
        })
    })
    .await
}

/// A caption file as the captions list shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CaptionView {
    pub src: String,
    /// The project frame where the file's time 0 falls.
    pub at: u64,
    pub language: String,
    pub style: &'static str,
    pub cues: usize,
}

impl From<&bazaar_core::captions::CaptionTrack> for CaptionView {
    fn from(t: &bazaar_core::captions::CaptionTrack) -> Self {
        Self { src: t.src.clone(), at: t.at, language: t.language.clone(), style: t.style.id(), cues: t.cues.len() }
    }
}
