//! Commands the main window invokes. Each is `async` so file work and dialogs never run on the
//! main (GTK) thread, and each returns an [`IpcError`] instead of panicking.

use super::view::ProjectView;
use crate::config::Config;
use crate::ipc_error::{guard, IpcError};
use crate::state::{AppState, StartupProject, MAIN_WINDOW};
use std::path::PathBuf;
use tauri::{AppHandle, Manager, State};

/// Loads and validates `path` (a project file, or a folder holding one) off the main thread,
/// and makes it the open project if it is valid.
pub async fn load_into_state(app: &AppHandle, path: PathBuf) -> Result<ProjectView, IpcError> {
    let loaded = tauri::async_runtime::spawn_blocking(move || {
        let loaded = crate::project_open::open_project(&path)?;
        // A Save killed mid-write (the app killed, the machine off) leaves its hidden temp file
        // in the project's folder, where no export's sweep looks: gone once its writer is.
        bazaar_core::encode::output::sweep_stale_temp_files(&loaded.root);
        Ok::<_, bazaar_core::project::ProjectError>(loaded)
    })
    .await
    .map_err(|e| IpcError::internal(format!("loading the project stopped unexpectedly: {e}")))??;
    let mut view = ProjectView::from(&loaded);
    // The preview shows the variant chosen in the switch (its size, its props); the window's
    // project stays the file's own: exports and the props panel work on that.
    let preview = app.state::<crate::preview::Preview>();
    let shown = match preview.variant_of(&loaded.file).filter(|v| loaded.variants.iter().any(|x| &x.name == v)) {
        None => None,
        Some(v) => {
            let file = loaded.file.clone();
            let as_variant = tauri::async_runtime::spawn_blocking(move || {
                bazaar_core::project::open_project_as(&file, &Default::default(), Some(&v))
            });
            let shown = as_variant
                .await
                .map_err(|e| IpcError::internal(format!("loading the variant stopped unexpectedly: {e}")))??;
            (view.width, view.height, view.variant) = (shown.width, shown.height, shown.variant.clone());
            Some(shown)
        }
    };
    // The preview runs in the window's own web context: empty its storage (localStorage,
    // IndexedDB) for each project opened, so one project's code never sees another's data
    // (the window itself keeps nothing there). Export renders have storage of their own.
    if let Some(window) = app.get_webview_window(MAIN_WINDOW) {
        crate::render::forget_storage(&window);
    }
    let config = app.state::<Config>().render;
    view.preview_url = preview.set(shown.as_ref().unwrap_or(&loaded), &config);
    super::watch::watch(app, &app.state::<super::watch::ProjectWatch>(), &loaded);
    super::remember::remember_project(app, &loaded.file);
    let state = app.state::<AppState>();
    let mut current = state.current.lock().map_err(|_| IpcError::internal("the app state is unavailable"))?;
    *current = Some(loaded);
    Ok(view)
}

/// The project named on the command line, else the one open when the app last closed (if its
/// file is still there); once (the window asks when it has loaded).
#[tauri::command]
pub async fn startup_project(app: AppHandle, state: State<'_, AppState>) -> Result<Option<ProjectView>, IpcError> {
    guard(async move {
        let startup = state.startup.lock().map_err(|_| IpcError::internal("the app state is unavailable"))?.take();
        let path = match startup {
            Some(StartupProject::Given(p)) => Some(p),
            Some(StartupProject::Last) => {
                app.try_state::<crate::export::ExportService>().and_then(|s| super::remember::last_project(&s))
            }
            None => None,
        };
        match path {
            Some(p) => load_into_state(&app, p).await.map(Some),
            None => Ok(None),
        }
    })
    .await
}

/// Opens the open project again (its folder changed: live reload). On a problem the project
/// that was open stays open and the window shows the problem over its preview; when the project
/// is no longer there at all (its folder deleted or moved), that is what the window is told.
#[tauri::command]
pub async fn reload_project(app: AppHandle, state: State<'_, AppState>) -> Result<ProjectView, IpcError> {
    guard(async move {
        let file = state.current_file()?;
        load_into_state(&app, file.clone()).await.map_err(|e| {
            let then = "The preview shows the project as it was last opened.";
            crate::project_open::moved_away_error(&file, then).unwrap_or(e)
        })
    })
    .await
}

/// The variant switch: the preview shows the open project as `variant` (`None`: its own size),
/// also after live reloads.
#[tauri::command]
pub async fn preview_variant(
    app: AppHandle,
    state: State<'_, AppState>,
    variant: Option<String>,
) -> Result<ProjectView, IpcError> {
    guard(async move {
        let file = state.current_file()?;
        app.state::<crate::preview::Preview>().choose_variant(&file, variant);
        load_into_state(&app, file).await
    })
    .await
}

#[tauri::command]
pub async fn open_project(app: AppHandle, path: PathBuf) -> Result<ProjectView, IpcError> {
    guard(async move { load_into_state(&app, path).await }).await
}

/// Shows the native open dialog; `None` when the creator cancels it.
#[tauri::command]
pub async fn pick_project(
    app: AppHandle,
    state: State<'_, AppState>,
    config: State<'_, Config>,
) -> Result<Option<ProjectView>, IpcError> {
    guard(async move {
        let start = {
            let current = state.current.lock().map_err(|_| IpcError::internal("the app state is unavailable"))?;
            current.as_ref().map(|p| p.root.clone()).or_else(|| config.home.clone())
        };
        // rfd runs the GTK dialog on the GTK main loop and blocks this worker thread until it closes.
        let picked = tauri::async_runtime::spawn_blocking(move || {
            let mut dialog =
                rfd::FileDialog::new().set_title("Open a Bazaar project").add_filter("Bazaar project", &["json"]);
            if let Some(dir) = start {
                dialog = dialog.set_directory(dir);
            }
            dialog.pick_file()
        })
        .await
        .map_err(|e| IpcError::internal(format!("the open dialog stopped unexpectedly: {e}")))?;
        match picked {
            Some(path) => load_into_state(&app, path).await.map(Some),
            None => Ok(None),
        }
    })
    .await
}

/// The waveform of the open project's sound `index` (see `ProjectView::sounds`): how many
/// frames it is heard from its `at`, and peaks (0–1) of `buckets` stretches of that (the
/// scene list's strips and the timeline's tracks share one request per sound: `ui/main.js`).
/// Decodes the file, off the main thread.
#[tauri::command]
pub async fn sound_waveform(
    state: State<'_, AppState>,
    index: usize,
    buckets: usize,
) -> Result<bazaar_core::audio::Waveform, IpcError> {
    guard(async move {
        let project = state.current.lock().map_err(|_| IpcError::internal("the app state is unavailable"))?.clone();
        let project = project.ok_or_else(|| IpcError::invalid("open a project first"))?;
        let clip = project
            .audio
            .get(index)
            .cloned()
            .ok_or_else(|| IpcError::invalid(format!("the project has no sound {index}")))?;
        let fps = project.fps;
        tauri::async_runtime::spawn_blocking(move || bazaar_core::audio::waveform(&clip, fps, buckets.clamp(1, 4096)))
            .await
            .map_err(|e| IpcError::internal(format!("the waveform stopped unexpectedly: {e}")))?
            .map_err(|e| IpcError::invalid(e.to_string()))
    })
    .await
}
