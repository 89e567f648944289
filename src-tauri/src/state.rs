//! What the window has open: shared by the window's commands and the exports (a leaf module,
//! so both can read it without depending on each other).

use std::path::PathBuf;
use std::sync::Mutex;

/// What the window has open. The project that was open stays open when another fails to load.
#[derive(Default)]
pub struct AppState {
    pub current: Mutex<Option<bazaar_core::project::Project>>,
    /// What to open once the window asks for it (taken then).
    pub startup: Mutex<Option<StartupProject>>,
}

impl AppState {
    /// The open project's file (the commands that act on it: reload, save props).
    pub fn current_file(&self) -> Result<PathBuf, crate::ipc_error::IpcError> {
        use crate::ipc_error::IpcError;
        let current = self.current.lock().map_err(|_| IpcError::internal("the app state is unavailable"))?;
        current.as_ref().map(|p| p.file.clone()).ok_or_else(|| IpcError::invalid("open a project first"))
    }
}

pub enum StartupProject {
    /// Named on the command line.
    Given(PathBuf),
    /// None named: the one open when the app last closed, if it is still there.
    Last,
}

/// The main window's label.
pub const MAIN_WINDOW: &str = "main";
