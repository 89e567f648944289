//! Ctrl+C, SIGTERM and SIGHUP end exports cleanly (temp files removed, history updated) instead
//! of killing the process mid-write. The handler only records the signal; a thread acts on it.

use std::sync::atomic::{AtomicI32, Ordering};

/// The first terminating signal received (0: none yet).
static RECEIVED: AtomicI32 = AtomicI32::new(0);

/// The signals that end a render cleanly. SIGHUP is the terminal going away (its window
/// closed, an SSH session dropped): left at its default it killed the process outright and
/// left the hidden `.bazaar-part` file behind.
const TERMINATING: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

extern "C" fn note(sig: libc::c_int) {
    let _ = RECEIVED.compare_exchange(0, sig, Ordering::SeqCst, Ordering::SeqCst);
}

/// The terminating signal received, if any: `SIGINT` (Ctrl+C), `SIGTERM` or `SIGHUP`.
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

/// Whether `sig` is ignored now: `nohup` (and a shell's `disown`-style launchers) start a
/// process with SIGHUP ignored so that it outlives the terminal, and that choice is the
/// user's to keep.
fn ignored(sig: libc::c_int) -> bool {
    // SAFETY: sigaction(2) with a null new action only reads the current one into `old`.
    unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        libc::sigaction(sig, std::ptr::null(), &mut old) == 0 && old.sa_sigaction == libc::SIG_IGN
    }
}

/// Runs `f` once, on a thread of its own, after the first SIGINT, SIGTERM or SIGHUP (a SIGHUP
/// the process was started ignoring, as under `nohup`, stays ignored).
pub fn on_terminate(f: impl FnOnce() + Send + 'static) {
    for sig in TERMINATING {
        if sig == libc::SIGHUP && ignored(sig) {
            continue;
        }
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
        unsafe {
            libc::signal(sig, note as *const () as libc::sighandler_t);
        }
    }
    let _ = std::thread::Builder::new().name("bazaar-signals".into()).spawn(move || loop {
        if received().is_some() {
            f();
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hang_up_ends_with_the_status_a_shell_expects() {
        assert_eq!(exit_status(libc::SIGHUP), 129);
        assert_eq!(exit_status(libc::SIGINT), 130);
        assert_eq!(exit_status(libc::SIGTERM), 143);
    }
}
