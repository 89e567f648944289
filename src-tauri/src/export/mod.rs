//! Exports from the window: the queue (one render at a time, later ones wait), the worker that
//! runs them, progress events to the main window, and the SQLite history.
//!
//! - [`service`]: the managed state and the worker thread.
//! - [`commands`]: the thin `#[tauri::command]`s (the product spec's `start_export`,
//!   `export_status`, `cancel_export`, `list_exports`, plus dialogs and history).
//! - [`progress`]: throttling (at most ~10 updates a second; always the first, the last and
//!   every stage change).
//! - [`dialog`]: the save dialog, default names and folders, extension fix-up.

pub mod commands;
pub mod dialog;
mod progress;
pub mod service;

pub use service::ExportService;
