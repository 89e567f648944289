//! Save frame…: the frame the preview shows, written as a picture at the project's own size
//! (whatever the export panel's choice), through the code of `bazaar-export still`
//! ([`crate::render::still`]): PNG, JPEG or WebP by the name given.

use crate::config::Config;
use crate::export::dialog;
use crate::export::service::{ExportService, LAST_FOLDER};
use crate::ipc_error::{guard, IpcError};
use crate::render::still::{render_still, StillRequest};
use crate::state::AppState;
use bazaar_core::encode::still::StillFormat;
use bazaar_core::encode::Quality;
use bazaar_core::render_plan::OutputSize;
use bazaar_core::CancelToken;
use std::path::PathBuf;
use tauri::{AppHandle, State};

/// `save_frame {frame} → path | null`: asks where (the save dialog, or `BAZAAR_EXPORT_SAVE_PATH`
/// in automated tests), then renders frame `frame` of the open project there. `null`: the dialog
/// was cancelled.
#[tauri::command]
pub async fn save_frame(
    app: AppHandle,
    frame: u64,
    state: State<'_, AppState>,
    service: State<'_, ExportService>,
    config: State<'_, Config>,
) -> Result<Option<String>, IpcError> {
    guard(async move {
        let project = {
            let current = state.current.lock().map_err(|_| IpcError::internal("the app state is unavailable"))?;
            current.clone().ok_or_else(|| IpcError::invalid("open a project first"))?
        };
        let name = format!("{}.png", dialog::clean_stem(&format!("{}-frame-{frame}", project.name)));
        let picked = match &config.save_path {
            Some(template) => Some(PathBuf::from(template.to_string_lossy().replace("{n}", &frame.to_string()))),
            None => {
                let folder = dialog::default_folder(service.setting(LAST_FOLDER).as_deref(), &config);
                tauri::async_runtime::spawn_blocking(move || ask(&name, folder))
                    .await
                    .map_err(|e| IpcError::internal(format!("the save dialog stopped unexpectedly: {e}")))?
            }
        };
        let Some(mut output) = picked else { return Ok(None) };
        // A name without a picture's extension becomes a PNG.
        if StillFormat::from_path(&output).is_none() {
            let mut s = output.into_os_string();
            s.push(".png");
            output = PathBuf::from(s);
        }
        let request = StillRequest {
            project,
            frame,
            output,
            size: OutputSize::Project,
            quality: Quality::High,
            config: config.render,
        };
        let written = tauri::async_runtime::spawn_blocking(move || render_still(&app, request, &CancelToken::new()))
            .await
            .map_err(|e| IpcError::internal(format!("saving the frame stopped unexpectedly: {e}")))?
            .map_err(|e| IpcError::invalid(format!("the frame was not saved: {e}")))?;
        Ok(Some(written.display().to_string()))
    })
    .await
}

/// The native save dialog for a picture.
fn ask(file_name: &str, folder: Option<PathBuf>) -> Option<PathBuf> {
    let mut d = rfd::FileDialog::new()
        .set_title("Save frame as a picture (PNG, JPEG or WebP, by its name)")
        .set_file_name(file_name)
        .add_filter("PNG, JPEG or WebP picture", &["png", "jpg", "jpeg", "webp"]);
    if let Some(dir) = folder {
        d = d.set_directory(dir);
    }
    d.save_file()
}
