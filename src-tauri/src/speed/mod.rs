//! The speed tricks, in one place. Each is a measured gain on the render benchmark, with its
//! why beside it and its figures in BENCHMARKS.md (not copied here: they go stale). None
//! changes a pixel or a byte of the output.
//!
//! - [`gl_warmup`]: the GL driver loads on a spare core while a command-line render starts.
//! - [`prefer_small_pages`]: transparent huge pages off (x264's buffers were zeroed 2 MB at a
//!   time on first touch).
//! - [`skip_session_services`]: no accessibility bridge, no session-bus autolaunch on a machine
//!   without one.
//! - The render page's WebAssembly SIMD reader (`ui/runtime/simd.js`, chosen by the page spec's
//!   `simd`): without it the page compares and converts in plain JS (`yuv.js`).
//!
//! `BAZAAR_NO_SPEED_TRICKS=1` turns them all off, to tell whether one of them is behind a
//! problem (a render must then be slower, never different).

pub mod gl_warmup;

/// Whether the tricks are on (they are, unless `BAZAAR_NO_SPEED_TRICKS` is set to something
/// other than empty or `0`).
pub fn enabled() -> bool {
    std::env::var("BAZAAR_NO_SPEED_TRICKS").map_or(true, |v| v.is_empty() || v == "0")
}

/// Turns transparent huge pages off for this process and the WebKit and Xvfb processes it
/// starts: see [`bazaar_core::encode::prefer_small_pages`] for why.
pub fn prefer_small_pages() {
    if enabled() {
        bazaar_core::encode::prefer_small_pages();
    }
}

/// Keeps GLib from looking for desktop services a command-line render has no use for: the
/// accessibility bridge (there is no window to read) and, when no session bus is set, the
/// session bus itself.
///
/// Why: without a session bus (a server, CI, SSH), each library that asks for one (GTK's
/// accessibility bridge, the app's `GApplication`, WebKit's processes) makes GLib fork this
/// process to try `dbus-launch` along the `PATH`: six attempts per render, two of them on the
/// GTK main thread between starting WebKit's network process and its web process, that is on
/// the way to the first frame (the first frame sooner: BENCHMARKS.md, "End-to-end render", "2026-11-25, evening", item 5).
/// A session bus that is set is left alone. Must run before any other thread starts.
pub fn skip_session_services() {
    if !enabled() {
        return;
    }
    // SAFETY: called from `run` before the app or any other thread starts.
    unsafe {
        std::env::set_var("NO_AT_BRIDGE", "1");
        if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none_or(|v| v.is_empty()) {
            // An address with no transport GLib knows: asking for the bus fails at once.
            std::env::set_var("DBUS_SESSION_BUS_ADDRESS", "disabled:");
        }
    }
}
