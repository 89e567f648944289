//! The speed tricks, in one place. Each is a measured gain on the render benchmark, with its
//! why beside it and its figures in BENCHMARKS.md (not copied here: they go stale). None
//! changes a pixel or a byte of the output.
//!
//! - [`gl_warmup`]: the GL driver loads on a spare core while a command-line render starts.
//! - [`prefer_small_pages`]: transparent huge pages off (x264's buffers were zeroed 2 MB at a
//!   time on first touch).
//! - [`skip_session_services`]: no accessibility bridge, no session-bus autolaunch on a machine
//!   without one.
//! - [`reuse_read_back_memory`]: WebKit's processes allocate with the C library's `malloc`, which
//!   reuses the memory of the pixels the page reads back each frame instead of faulting it in
//!   fresh from the kernel.
//! - Full-frame video clips made by the app (`render/direct_feed.rs`): without it the page
//!   draws them.
//!
//! `BAZAAR_NO_SPEED_TRICKS=1` turns them all off, to tell whether one of them is behind a
//! problem (a render must then be slower, never different): read into
//! [`crate::config::RenderConfig::speed_tricks`], which each of them is handed.

pub mod gl_warmup;

use crate::config::Config;

/// Turns transparent huge pages off for this process and the WebKit and Xvfb processes it
/// starts: see [`bazaar_core::encode::prefer_small_pages`] for why.
pub fn prefer_small_pages(config: &Config) {
    if config.render.speed_tricks {
        bazaar_core::encode::prefer_small_pages();
    }
}

/// Has WebKit's processes (the render page's above all) allocate with the C library's `malloc`
/// instead of WebKit's own allocator (`Malloc=1`, which WebKit reads at its start), unless the
/// environment chooses already.
///
/// Why: the page reads each frame back with `getImageData`, 8 MB of new pixel arrays a frame at
/// 1080p that JavaScript cannot reuse. WebKit's allocator gives the freed arrays' pages back to
/// the kernel between frames, so the next frame's arrays fault them in again, zeroed: about a
/// thousand page faults a frame on the page's thread and its allocator's scavenger thread.
/// `malloc` keeps them and hands the same memory out again, still in the cache (BENCHMARKS.md,
/// "2026-12-07: the read-back's memory reused, frames named four at a time"). The cost: with
/// its own allocator off, WebKit also leaves off the Gigacage (typed arrays kept in a reserved
/// region, a hardening against exploits of JavaScript engine bugs), and the web process keeps a
/// little more memory. A render page runs the project's own code, sealed from the network and
/// the disk (`render/sandbox.rs`); `BAZAAR_NO_SPEED_TRICKS=1` keeps the Gigacage on.
/// Called from `main` before any other thread starts (the variable must be in place before
/// WebKit starts its first process).
///
/// In this process (the window's, or a command's), WebKit's own allocations then go to `malloc`
/// too, and `malloc` by default raises the size above which it maps a block on its own each
/// time a block that large is freed, so after a few exports blocks of megabytes (a render view's
/// surfaces) came from its heap and were kept: the window's memory grew by 16–21 MB an export
/// (`tests/export/resources.rs`). This process's threshold is set once to 1 MB, which keeps
/// blocks above it going back to the system when freed (BENCHMARKS.md, "The window's memory
/// with WebKit on `malloc`"), whoever chose `malloc` (this trick, or `Malloc` set by the user).
/// WebKit's child processes keep `malloc`'s default: the render page's is ended after each
/// export, and its read-back bands are what it should reuse.
pub fn reuse_read_back_memory(config: &Config) {
    let chosen_here = config.render.speed_tricks && !config.webkit_malloc_set;
    if chosen_here {
        // SAFETY: called first thing in `main`, while this is the process's only thread.
        unsafe { std::env::set_var("Malloc", "1") };
    }
    if chosen_here || config.webkit_malloc_set {
        // SAFETY: mallopt changes a setting of this process's allocator; no memory is touched.
        // It fails only for an unknown setting, leaving `malloc` as it was.
        unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20) };
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
pub fn skip_session_services(config: &Config) {
    if !config.render.speed_tricks {
        return;
    }
    // SAFETY: called from `run` before the app or any other thread starts. These are written
    // for the libraries and WebKit's processes to read; the app reads its own in `config`.
    unsafe {
        std::env::set_var("NO_AT_BRIDGE", "1");
        if !config.session_bus {
            // An address with no transport GLib knows: asking for the bus fails at once.
            std::env::set_var("DBUS_SESSION_BUS_ADDRESS", "disabled:");
        }
    }
}
