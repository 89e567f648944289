//! "New project…" (Ctrl+N): a template and a folder (the native folder dialog), the project
//! written by [`bazaar_core::templates`] and opened.

use super::commands::load_into_state;
use super::view::ProjectView;
use crate::config::Config;
use crate::ipc_error::{guard, IpcError};
use bazaar_core::templates::{self, TemplateInfo};
use tauri::{AppHandle, Manager};

#[tauri::command]
pub fn project_templates() -> Vec<TemplateInfo> {
    templates::list()
}

/// Asks for a folder, writes template `template` into it and opens the new project; `None`
/// when the creator cancels the dialog (nothing is written).
#[tauri::command]
pub async fn new_project(app: AppHandle, template: String) -> Result<Option<ProjectView>, IpcError> {
    guard(async move {
        let (given, home) = {
            let config = app.state::<Config>();
            (config.new_project_folder.clone(), config.home.clone())
        };
        let folder = match given {
            Some(f) => Some(f),
            None => tauri::async_runtime::spawn_blocking(|| {
                let start = home;
                let mut dialog = rfd::FileDialog::new().set_title("Choose an empty folder for the new project");
                if let Some(dir) = start {
                    dialog = dialog.set_directory(dir);
                }
                dialog.pick_folder()
            })
            .await
            .map_err(|e| IpcError::internal(format!("the folder dialog stopped unexpectedly: {e}")))?,
        };
        let Some(folder) = folder else { return Ok(None) };
        let file = tauri::async_runtime::spawn_blocking(move || templates::create(&template, &folder))
            .await
            .map_err(|e| IpcError::internal(format!("writing the project stopped unexpectedly: {e}")))?
            .map_err(|e| IpcError::invalid(e.to_string()))?;
        load_into_state(&app, file).await.map(Some)
    })
    .await
}
