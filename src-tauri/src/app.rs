//! The Tauri application shared by the window and the headless `render` command: the
//! `bazaar://` scheme, the render registry and every IPC command.

use crate::{desktop, export, render};
use tauri::Wry;

pub fn builder() -> tauri::Builder<Wry> {
    tauri::Builder::default()
        .manage(render::Registry::default())
        .register_asynchronous_uri_scheme_protocol(render::protocol::SCHEME, render::protocol::handle)
        .invoke_handler(tauri::generate_handler![
            desktop::commands::startup_project,
            desktop::commands::open_project,
            desktop::commands::pick_project,
            export::commands::start_export,
            export::commands::export_status,
            export::commands::cancel_export,
            export::commands::list_exports,
            export::commands::export_history,
            export::commands::export_options,
            export::commands::choose_output,
            export::commands::open_output,
            export::commands::show_in_folder,
            render::bridge::render_ready,
            render::bridge::render_loaded,
            render::bridge::render_frame,
            render::bridge::render_failed,
        ])
}
