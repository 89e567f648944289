//! The wiring at the top: the Tauri application shared by the window and the headless `render`
//! command (the `bazaar://` scheme, the render registry and every IPC command), and the window's
//! start-up. Feature modules below never depend on this one.

use crate::config::Config;
use crate::export::ExportService;
use crate::{desktop, export, render, state};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;
use tauri::{Manager, WebviewUrl, WebviewWindowBuilder, Wry};

/// The app, holding `config` for its commands and the `bazaar://` scheme.
pub fn builder(config: Config) -> tauri::Builder<Wry> {
    tauri::Builder::default()
        .manage(config)
        .manage(render::Registry::default())
        .manage(crate::preview::Preview::default())
        .register_asynchronous_uri_scheme_protocol(render::urls::SCHEME, render::protocol::handle)
        .invoke_handler(tauri::generate_handler![
            desktop::commands::startup_project,
            desktop::commands::open_project,
            desktop::commands::reload_project,
            desktop::commands::preview_variant,
            desktop::new_project::project_templates,
            desktop::new_project::new_project,
            desktop::props::save_scene_props,
            desktop::captions::caption_table,
            desktop::captions::save_caption,
            desktop::captions::align_script,
            desktop::commands::pick_project,
            export::commands::start_export,
            export::commands::export_status,
            export::commands::cancel_export,
            export::commands::list_exports,
            export::commands::export_history,
            export::commands::export_log,
            export::commands::export_options,
            desktop::commands::sound_waveform,
            desktop::save_frame::save_frame,
            desktop::thumbnail::scene_thumbnail,
            export::commands::choose_output,
            export::commands::open_output,
            export::commands::show_in_folder,
            render::bridge::render_ready,
            render::bridge::render_loaded,
            render::bridge::render_frame,
            render::bridge::render_caption_layer,
            render::bridge::render_failed,
        ])
}

/// The desktop window (on `project`, if given).
pub fn run_window(project: Option<PathBuf>, config: Config, logs: crate::logging::JobLogs) -> ExitCode {
    desktop::raise_fd_limit();
    // Resolve against the launch directory now, so a relative path means what the shell meant.
    let startup = match project {
        Some(p) => state::StartupProject::Given(std::path::absolute(&p).unwrap_or(p)),
        None => state::StartupProject::Last,
    };
    let open = state::AppState { current: Mutex::new(None), startup: Mutex::new(Some(startup)) };
    let x_display = config.x_display.clone();
    let render_config = config.render;
    let result = builder(config)
        .manage(open)
        .manage(desktop::watch::ProjectWatch::default())
        .on_window_event(desktop::on_window_event)
        .setup(move |app| {
            crate::display_lost::install(x_display.as_deref());
            // History and settings live in the app's data folder (XDG_DATA_HOME respected).
            let data_dir = app.path().app_data_dir()?;
            let service = ExportService::open(&data_dir, render_config, logs);
            service.on_finished(Box::new(desktop::notify::export_finished));
            let (width, height) = desktop::remember::window_size(&service);
            app.manage(service);
            ExportService::start_worker(app.handle().clone())?;
            let (min_w, min_h) = desktop::remember::MIN_SIZE;
            WebviewWindowBuilder::new(app, state::MAIN_WINDOW, WebviewUrl::App("index.html".into()))
                .title("Bazaar Export")
                .inner_size(width, height)
                .min_inner_size(min_w, min_h)
                // The preview frame runs a project's code: neither it nor anything else in the
                // window may navigate away from the app's pages or open a window.
                .on_navigation(|url| desktop::stays_in_app(url.as_str()))
                .on_new_window(|_, _| tauri::webview::NewWindowResponse::Deny)
                .build()?;
            Ok(())
        })
        .build(tauri::generate_context!());
    match result {
        Ok(app) => {
            let handle = app.handle().clone();
            crate::signals::on_terminate(move || handle.exit(0));
            app.run(|app, event| {
                if let tauri::RunEvent::Exit = event {
                    desktop::remember::save_pending(app);
                    render::remove_leftovers();
                    if let Some(service) = app.try_state::<ExportService>() {
                        service.shutdown();
                    }
                }
            });
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("bazaar-export: the window could not start: {e}");
            ExitCode::FAILURE
        }
    }
}
