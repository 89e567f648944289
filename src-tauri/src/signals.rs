//! Ctrl+C and SIGTERM end exports cleanly (temp files removed, history updated) instead of
//! killing the process mid-write. The handler only sets a flag; a thread acts on it.

use std::sync::atomic::{AtomicBool, Ordering};

static TERMINATING: AtomicBool = AtomicBool::new(false);

extern "C" fn note(_: libc::c_int) {
    TERMINATING.store(true, Ordering::SeqCst);
}

/// Runs `f` once, on a thread of its own, after the first SIGINT or SIGTERM.
pub fn on_terminate(f: impl FnOnce() + Send + 'static) {
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, note as *const () as libc::sighandler_t);
        libc::signal(libc::SIGTERM, note as *const () as libc::sighandler_t);
    }
    let _ = std::thread::Builder::new().name("bazaar-signals".into()).spawn(move || loop {
        if TERMINATING.load(Ordering::SeqCst) {
            f();
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    });
}
