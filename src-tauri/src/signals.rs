//! Ctrl+C and SIGTERM end exports cleanly (temp files removed, history updated) instead of
//! killing the process mid-write. The handler only records the signal; a thread acts on it.

use std::sync::atomic::{AtomicI32, Ordering};

/// The first SIGINT or SIGTERM received (0: none yet).
static RECEIVED: AtomicI32 = AtomicI32::new(0);

extern "C" fn note(sig: libc::c_int) {
    let _ = RECEIVED.compare_exchange(0, sig, Ordering::SeqCst, Ordering::SeqCst);
}

/// The terminating signal received, if any: `SIGINT` (Ctrl+C) or `SIGTERM`.
pub fn received() -> Option<i32> {
    match RECEIVED.load(Ordering::SeqCst) {
        0 => None,
        sig => Some(sig),
    }
}

/// The exit status a shell expects after a process ends on `sig` (Ctrl+C: 130).
pub fn exit_status(sig: i32) -> u8 {
    (128 + sig).clamp(0, 255) as u8
}

/// Runs `f` once, on a thread of its own, after the first SIGINT or SIGTERM.
pub fn on_terminate(f: impl FnOnce() + Send + 'static) {
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, note as *const () as libc::sighandler_t);
        libc::signal(libc::SIGTERM, note as *const () as libc::sighandler_t);
    }
    let _ = std::thread::Builder::new().name("bazaar-signals".into()).spawn(move || loop {
        if received().is_some() {
            f();
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    });
}
