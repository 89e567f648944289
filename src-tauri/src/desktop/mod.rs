//! The desktop window: Tauri set-up, the commands the main window calls, and file drops.
//!
//! Commands are thin: they hop off the main thread and call `bazaar_core`.

pub mod commands;
mod drop;
mod view;

use crate::export::ExportService;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;
use tauri::{Manager, WebviewUrl, WebviewWindowBuilder};

/// What the window has open. The project that was open stays open when another fails to load.
#[derive(Default)]
pub struct AppState {
    pub current: Mutex<Option<bazaar_core::project::Project>>,
    /// The project named on the command line, opened once the window asks for it.
    pub startup: Mutex<Option<PathBuf>>,
}

pub const MAIN_WINDOW: &str = "main";

/// Raises the soft open-file limit to the hard one. WebKitGTK keeps one shared-memory fd per
/// closed render view (one per export, see BENCHMARKS.md); with the usual soft limit of 1024 a
/// very long session could run out.
fn raise_fd_limit() {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit/setrlimit with a valid pointer to a local rlimit.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < lim.rlim_max {
            lim.rlim_cur = lim.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
}

/// The pages the main window may show: its own (`tauri:`), a preview page of the render
/// scheme, and blank frames.
fn stays_in_app(url: &str) -> bool {
    let preview = url.starts_with("bazaar://localhost/job/preview-") && url.ends_with("/preview.html");
    let app = url == "tauri://localhost" || url.starts_with("tauri://localhost/");
    app || preview || url == "about:blank" || url == "about:srcdoc"
}

pub fn run(project: Option<PathBuf>) -> ExitCode {
    raise_fd_limit();
    // Resolve against the launch directory now, so a relative path means what the shell meant.
    let startup = project.map(|p| std::path::absolute(&p).unwrap_or(p));
    let state = AppState { current: Mutex::new(None), startup: Mutex::new(startup) };
    let result = crate::app::builder()
        .manage(state)
        .on_window_event(drop::on_window_event)
        .setup(|app| {
            crate::display_lost::install();
            // History and settings live in the app's data folder (XDG_DATA_HOME respected).
            let data_dir = app.path().app_data_dir()?;
            app.manage(ExportService::open(&data_dir));
            ExportService::start_worker(app.handle().clone())?;
            WebviewWindowBuilder::new(app, MAIN_WINDOW, WebviewUrl::App("index.html".into()))
                .title("Bazaar Export")
                .inner_size(1100.0, 740.0)
                .min_inner_size(720.0, 480.0)
                // The preview frame runs a project's code: neither it nor anything else in the
                // window may navigate away from the app's pages or open a window.
                .on_navigation(|url| stays_in_app(url.as_str()))
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

#[cfg(test)]
mod tests {
    #[test]
    fn the_window_stays_on_the_apps_pages() {
        assert!(super::stays_in_app("tauri://localhost"));
        assert!(super::stays_in_app("tauri://localhost/index.html"));
        assert!(!super::stays_in_app("tauri://localhost.evil/"));
        assert!(super::stays_in_app("bazaar://localhost/job/preview-0a1b/preview.html"));
        assert!(!super::stays_in_app("bazaar://localhost/job/preview-0a1b/render.html"));
        assert!(!super::stays_in_app("http://127.0.0.1:8080/leak?x=1"));
        assert!(!super::stays_in_app("https://tauri://localhost/"));
    }
}
