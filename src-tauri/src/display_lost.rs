//! When the display goes away mid-render (its X server ended: a private Xvfb killed, a desktop
//! session closed), Xlib calls an "I/O error" handler that must not return, and GTK's ends the
//! process at once with status 1 and no clean-up: a render left its hidden temp file behind and
//! said nothing. Ours removes the temp files being written, says why, and ends the process with
//! the status a shell expects (130 after Ctrl+C, whose signal may have ended the display first).

use std::ffi::c_void;
use std::sync::OnceLock;

/// The X display the handler names (set by [`install`]; the handler has no other context).
static DISPLAY: OnceLock<String> = OnceLock::new();

#[link(name = "X11")]
extern "C" {
    fn XSetIOErrorHandler(handler: Option<unsafe extern "C" fn(*mut c_void) -> libc::c_int>) -> *mut c_void;
}

unsafe extern "C" fn on_display_lost(_display: *mut c_void) -> libc::c_int {
    let removed = bazaar_core::encode::output::remove_live_temp_files();
    let what = if removed > 0 { "its unfinished file was removed" } else { "nothing was written" };
    let status = match crate::signals::received() {
        Some(sig) => {
            if removed > 0 {
                eprintln!("\nbazaar-export: cancelled: {what} (an existing file at the destination is untouched)");
            }
            crate::signals::exit_status(sig)
        }
        None => {
            eprintln!(
                "\nbazaar-export: the display (X server {}) went away, and the app cannot go on without it: {what}",
                DISPLAY.get().map_or("", String::as_str)
            );
            1
        }
    };
    // SAFETY: ends the process without unwinding, as Xlib requires of this handler (returning
    // would make Xlib exit itself); the temp files are already gone.
    unsafe { libc::_exit(i32::from(status)) }
}

/// Installs the handler (after GTK has opened `x_display`, which installs its own).
pub fn install(x_display: Option<&str>) {
    let Some(display) = x_display else {
        return; // Wayland, or no display: no X connection to lose
    };
    let _ = DISPLAY.set(display.to_string());
    // SAFETY: sets a process-wide Xlib callback; the handler above only touches files, writes
    // to stderr and exits.
    unsafe { XSetIOErrorHandler(Some(on_display_lost)) };
}
