//! The app without its window, for the commands that render (`render`, `batch`): a display
//! (Xvfb when there is none), the Tauri app whose hidden views render, and a thread doing the
//! command's work with the app's handle and a cancel token (SIGINT/SIGTERM cancel it).

use super::display;
use bazaar_core::CancelToken;
use std::sync::{Arc, Mutex};
use tauri::AppHandle;

/// Starts GTK on this (the main) thread before the app does: opening the display failed now and
/// then while dozens of clients connected to one X server at once (the test suite), and tao
/// panics when it fails. A few tries, then an error that says which display.
fn init_gtk() -> Result<(), String> {
    for attempt in 1..=5u64 {
        if gtk::init().is_ok() {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(200 * attempt));
    }
    Err(format!(
        "cannot open the display {}: the render view needs one (unset DISPLAY to let the app start its own)",
        std::env::var("DISPLAY").unwrap_or_default()
    ))
}

/// Runs `work` on a thread of its own while the app's event loop runs on this one (the render
/// views need it), and returns what `work` returned once it has ended the app.
pub fn run<T, F>(work: F) -> Result<T, String>
where
    T: Send + 'static,
    F: FnOnce(&AppHandle, &CancelToken) -> Result<T, String> + Send + 'static,
{
    crate::speed::skip_session_services();
    let _xvfb = display::ensure_display()?;
    init_gtk()?;
    crate::speed::gl_warmup::start();
    let outcome: Arc<Mutex<Option<Result<T, String>>>> = Arc::new(Mutex::new(None));
    let slot = outcome.clone();
    let app = crate::app::builder()
        .setup(move |app| {
            crate::display_lost::install();
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
    let result = outcome.lock().ok().and_then(|mut s| s.take());
    result.unwrap_or_else(|| Err("the render stopped before it finished".into()))
}
