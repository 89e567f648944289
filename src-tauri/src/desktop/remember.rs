//! What the window remembers between runs: its size and the last project opened. Both live in
//! the settings beside the export history (the app's data folder), so a creator who closes the
//! app finds it as they left it.

use crate::export::ExportService;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;
use tauri::{Manager, PhysicalSize, Window};

const WINDOW_SIZE: &str = "windowSize";
const LAST_PROJECT: &str = "lastProject";

/// The size a new window opens at, and the smallest it may be.
pub const DEFAULT_SIZE: (f64, f64) = (1100.0, 740.0);
pub const MIN_SIZE: (f64, f64) = (720.0, 480.0);

/// The window's size as last saved (logical pixels), or the default; never below the minimum
/// nor absurdly large (a damaged setting must not open a 100 000-pixel window).
pub fn window_size(service: &ExportService) -> (f64, f64) {
    service.setting(WINDOW_SIZE).as_deref().and_then(parse_size).unwrap_or(DEFAULT_SIZE)
}

fn parse_size(s: &str) -> Option<(f64, f64)> {
    let (w, h) = s.split_once('x')?;
    within_bounds(w.trim().parse().ok()?, h.trim().parse().ok()?)
}

/// A size rounded to whole pixels, if it is one a window may have.
fn within_bounds(w: f64, h: f64) -> Option<(f64, f64)> {
    let ok = |v: f64, min: f64| v.is_finite() && (min..=16384.0).contains(&v);
    (ok(w, MIN_SIZE.0) && ok(h, MIN_SIZE.1)).then_some((w.round(), h.round()))
}

/// The project opened last, if its file is still there.
pub fn last_project(service: &ExportService) -> Option<PathBuf> {
    service.setting(LAST_PROJECT).map(PathBuf::from).filter(|p| p.is_file())
}

pub fn remember_project(app: &tauri::AppHandle, file: &std::path::Path) {
    if let Some(service) = app.try_state::<ExportService>() {
        service.set_setting(LAST_PROJECT, &file.to_string_lossy());
    }
}

/// The latest size not yet saved (logical pixels): resizing by dragging sends dozens of events
/// a second, so a save waits a moment and writes only the last of them.
static PENDING: Mutex<Option<(f64, f64)>> = Mutex::new(None);
const SAVE_AFTER: Duration = Duration::from_millis(400);

/// Called on every resize of the main window.
pub fn on_resized(window: &Window, size: PhysicalSize<u32>) {
    // A minimised window reports 0×0: keep what was saved.
    if size.width == 0 || size.height == 0 {
        return;
    }
    let scale = window.scale_factor().unwrap_or(1.0).max(0.1);
    let logical = (f64::from(size.width) / scale, f64::from(size.height) / scale);
    let mut pending = PENDING.lock().unwrap_or_else(|e| e.into_inner());
    let first = pending.replace(logical).is_none();
    drop(pending);
    if first {
        let app = window.app_handle().clone();
        let _ = std::thread::Builder::new().name("remember-size".into()).spawn(move || {
            std::thread::sleep(SAVE_AFTER);
            save_pending(&app);
        });
    }
}

/// Writes the size waiting to be saved, if any (also when the app closes).
pub fn save_pending(app: &tauri::AppHandle) {
    let Some((w, h)) = PENDING.lock().unwrap_or_else(|e| e.into_inner()).take() else { return };
    if let (Some(service), Some((w, h))) = (app.try_state::<ExportService>(), within_bounds(w, h)) {
        service.set_setting(WINDOW_SIZE, &format!("{w}x{h}"));
    }
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn a_saved_size_is_read_back_within_bounds() {
        assert_eq!(parse_size("1300x800"), Some((1300.0, 800.0)));
        assert_eq!(parse_size("900.4 x 600.6"), Some((900.0, 601.0)));
        assert_eq!(parse_size("100x100"), None, "below the minimum");
        assert_eq!(parse_size("99999x800"), None);
        assert_eq!(parse_size("NaNx800"), None);
        assert_eq!(parse_size("wide"), None);
    }
}
