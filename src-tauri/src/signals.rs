//! Ctrl+C, SIGTERM and SIGHUP end exports cleanly (temp files removed, history updated) instead
//! of killing the process mid-write. The handler (signal-hook's) only records the signal; a
//! thread acts on it.

use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};

/// The first terminating signal received (0: none yet).
static RECEIVED: AtomicI32 = AtomicI32::new(0);

/// The signals that end a render cleanly. SIGHUP is the terminal going away (its window
/// closed, an SSH session dropped): left at its default it killed the process outright and
/// left the hidden `.bazaar-part` file behind.
const TERMINATING: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

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
/// user's to keep. (signal-hook cannot tell: it replaces whatever was there.)
fn ignored(sig: libc::c_int) -> bool {
    // SAFETY: sigaction(2) with a null new action only reads the current one into `old`.
    unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        libc::sigaction(sig, std::ptr::null(), &mut old) == 0 && old.sa_sigaction == libc::SIG_IGN
    }
}

/// Starts recording SIGINT, SIGTERM and SIGHUP (a SIGHUP the process was started ignoring, as
/// under `nohup`, stays ignored), and makes a crash remove the temp files being written. Called
/// first thing by the commands that write files, so a signal that comes while the app is still
/// starting is a cancel like any other rather than the default end (killed, with no clean-up).
/// Idempotent.
pub fn install() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        for sig in TERMINATING {
            if sig == libc::SIGHUP && ignored(sig) {
                continue;
            }
            // SAFETY: the action only stores to an atomic, which is async-signal-safe.
            let noted = unsafe {
                signal_hook::low_level::register(sig, move || {
                    let _ = RECEIVED.compare_exchange(0, sig, Ordering::SeqCst, Ordering::SeqCst);
                })
            };
            if let Err(e) = noted {
                eprintln!("bazaar-export: cannot handle signal {sig} ({e}): it will end the process without clean-up");
            }
        }
        for sig in CRASHES {
            // SAFETY: the action calls only async-signal-safe functions (see `crashed`).
            let _ = unsafe { signal_hook::low_level::register(sig, move || crashed(sig)) };
        }
    });
}

/// The signals a fatal error ends the process with: GLib's `g_error` (SIGTRAP), `abort()`.
const CRASHES: [libc::c_int; 2] = [libc::SIGTRAP, libc::SIGABRT];

/// A crash: the temp files being written are removed (nothing half-written stays). If the crash
/// followed a Ctrl+C, SIGTERM or SIGHUP, it is that signal's doing (WebKit ends the process when
/// a helper it is launching dies, and Ctrl+C reaches the helpers too), so the process ends as a
/// cancel would; otherwise the crash goes on as a crash (default action, same signal). Runs in
/// the signal handler: async-signal-safe calls only (atomics, unlink(2), write(2), _exit(2), and
/// signal-hook's emulation of the default action, which resets it and raises the signal again).
fn crashed(sig: libc::c_int) {
    bazaar_core::temp_files::remove_all();
    let cancelled = RECEIVED.load(Ordering::SeqCst);
    if cancelled != 0 {
        match CANCEL_REPORT.load(Ordering::SeqCst) {
            0 => {
                let said = b"bazaar-export: cancelled: no file was written \
                             (an existing file at the destination is untouched)\n";
                // SAFETY: write(2) of a static buffer is async-signal-safe.
                unsafe { libc::write(libc::STDERR_FILENO, said.as_ptr().cast(), said.len()) };
            }
            // SAFETY: only `report_cancel_with` stores here, and it stores such a function.
            report => unsafe { std::mem::transmute::<usize, extern "C" fn()>(report)() },
        }
        signal_hook::low_level::exit(i32::from(exit_status(cancelled)));
    }
    let _ = signal_hook::low_level::emulate_default_handler(sig);
}

/// What a crash after a cancel says instead of "no file was written", for a command that wrote
/// files before it (a batch: what was written, what was not started): a function that must be
/// async-signal-safe (no allocation, no lock; write(2)). 0: none.
static CANCEL_REPORT: AtomicUsize = AtomicUsize::new(0);

/// Sets what a crash after a cancel says (see [`CANCEL_REPORT`]).
pub fn report_cancel_with(report: extern "C" fn()) {
    CANCEL_REPORT.store(report as usize, Ordering::SeqCst);
}

/// Runs `f` once, on a thread of its own, after the first SIGINT, SIGTERM or SIGHUP (at once if
/// one came before this was called).
pub fn on_terminate(f: impl FnOnce() + Send + 'static) {
    install();
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
