//! The desktop window: Tauri set-up, the commands the main window calls, and file drops.
//!
//! Commands are thin: they hop off the main thread and call `bazaar_core`.

mod commands;
mod drop;
mod view;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;

/// What the window has open. The project that was open stays open when another fails to load.
#[derive(Default)]
pub struct AppState {
    pub current: Mutex<Option<bazaar_core::project::Project>>,
    /// The project named on the command line, opened once the window asks for it.
    pub startup: Mutex<Option<PathBuf>>,
}

pub fn run(project: Option<PathBuf>) -> ExitCode {
    // Resolve against the launch directory now: the window may change nothing, but a relative
    // path must mean what the shell meant.
    let startup = project.map(|p| std::path::absolute(&p).unwrap_or(p));
    let state = AppState { current: Mutex::new(None), startup: Mutex::new(startup) };
    let result = tauri::Builder::default()
        .manage(state)
        .invoke_handler(tauri::generate_handler![
            commands::startup_project,
            commands::open_project,
            commands::pick_project,
        ])
        .on_window_event(drop::on_window_event)
        .run(tauri::generate_context!());
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bazaar-export: the window could not start: {e}");
            ExitCode::FAILURE
        }
    }
}
