//! The app without its window, for the commands that render (`render`, `batch`): a display
//! (Xvfb when there is none), the Tauri app whose hidden views render, and a thread doing the
//! command's work with the app's handle and a cancel token (SIGINT, SIGTERM and SIGHUP cancel it).

use super::display;
use crate::config::Config;
use bazaar_core::CancelToken;
use std::sync::{Arc, Mutex};
use tauri::AppHandle;

/// Starts GTK on this (the main) thread before the app does: opening the display failed now and
/// then while dozens of clients connected to one X server at once (the test suite), and tao
/// panics when it fails. A few tries, then an error that says which display.
fn init_gtk(display: Option<&str>) -> Result<(), String> {
    for attempt in 1..=5u64 {
        if gtk::init().is_ok() {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(200 * attempt));
    }
    Err(format!(
        "cannot open the display {}: the render view needs one (unset DISPLAY to let the app start its own)",
        display.unwrap_or_default()
    ))
}

/// Ends WebKit's processes that are left once the app has ended. They end by themselves when
/// they notice the app has gone, which a page stuck in a loop takes ~10 s to do at full CPU (and
/// then prints a GLib error into the terminal). Each is waited for, so none is left to `init` as
/// a zombie and whatever timed this command (`getrusage` of its children: the render
/// benchmark's CPU bound) counts their CPU. Not Xvfb: the app is still connected to it; the
/// kernel ends it when this process exits (see [`display`]).
fn end_webkit_processes() {
    let pids = crate::procfs::webkit_processes();
    for &pid in &pids {
        crate::render::kill(pid);
    }
    // A killed process is reaped within milliseconds; the deadline only keeps a process stuck in
    // the kernel from holding the command's exit.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    for pid in pids {
        // SAFETY: waitpid(2) on our own child, without blocking; one GLib has already reaped
        // gives ECHILD (-1).
        while unsafe { libc::waitpid(pid as libc::pid_t, std::ptr::null_mut(), libc::WNOHANG) } == 0
            && std::time::Instant::now() < deadline
        {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }
}

/// Runs `work` on a thread of its own while the app's event loop runs on this one (the render
/// views need it), and returns what `work` returned once it has ended the app.
pub fn run<T, F>(mut config: Config, work: F) -> Result<T, String>
where
    T: Send + 'static,
    F: FnOnce(&AppHandle, &CancelToken) -> Result<T, String> + Send + 'static,
{
    crate::speed::skip_session_services(&config);
    let _xvfb = display::ensure_display(&mut config)?;
    init_gtk(config.x_display.as_deref())?;
    crate::speed::gl_warmup::start(&config);
    let outcome: Arc<Mutex<Option<Result<T, String>>>> = Arc::new(Mutex::new(None));
    let slot = outcome.clone();
    let x_display = config.x_display.clone();
    let app = crate::app::builder(config)
        .setup(move |app| {
            crate::display_lost::install(x_display.as_deref());
            let handle = app.handle().clone();
            let cancel = CancelToken::new();
            let on_signal = cancel.clone();
            crate::signals::on_terminate(move || on_signal.cancel());
            std::thread::Builder::new().name("bazaar-render".into()).spawn(move || {
                let result = work(&handle, &cancel);
                if let Ok(mut s) = slot.lock() {
                    *s = Some(result);
                }
                handle.exit(0);
            })?;
            Ok(())
        })
        .build(tauri::generate_context!())
        .map_err(|e| format!("the render view could not start: {e}"))?;
    app.run_return(|_, event| {
        // Closing a render webview (the only windows) must not end the app before the work has
        // stored its result; it ends the app itself with `exit(0)`.
        if let tauri::RunEvent::ExitRequested { code: None, api, .. } = event {
            api.prevent_exit();
        }
    });
    crate::render::remove_leftovers();
    end_webkit_processes();
    let result = outcome.lock().ok().and_then(|mut s| s.take());
    result.unwrap_or_else(|| Err("the render stopped before it finished".into()))
}
