//! The props panel's Save: a scene's props written back into the open project's file
//! ([`bazaar_core::project::edit`]: only that value's text changes; a backup if the file changed
//! on disk since the window read it). The folder watch then reloads the project.

use crate::ipc_error::{guard, IpcError};
use crate::state::AppState;
use serde::Serialize;
use serde_json::Value;
use tauri::State;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SaveReport {
    /// Where the version that was on disk was kept, when it had changed meanwhile.
    pub backup: Option<String>,
}

/// `props`: the scene's props as [key, value] pairs, in the form's order; `stamp`: the file's
/// stamp when the window read it (`ProjectView::file_stamp`).
#[tauri::command]
pub async fn save_scene_props(
    state: State<'_, AppState>,
    scene: usize,
    props: Vec<(String, Value)>,
    stamp: String,
) -> Result<SaveReport, IpcError> {
    guard(async move {
        let file = state.current_file()?;
        let saved = tauri::async_runtime::spawn_blocking(move || {
            bazaar_core::project::edit::save_scene_props(&file, scene, &props, &stamp)
        })
        .await
        .map_err(|e| IpcError::internal(format!("saving stopped unexpectedly: {e}")))?
        .map_err(|e| IpcError::invalid(e.to_string()))?;
        Ok(SaveReport { backup: saved.backup.map(|p| p.display().to_string()) })
    })
    .await
}
