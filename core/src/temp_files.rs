//! The temp files the app is writing right now, held where a signal handler can reach them.
//!
//! Temp files are removed by their owners on every failure and cancel, but a crash runs no
//! destructor: WebKit ends the whole process with a fatal GLib error when a helper process it is
//! launching dies (Ctrl+C in a terminal reaches every process of the foreground group at once),
//! and that left the hidden `.bazaar-part` beside the destination. A handler for such a crash may
//! only call async-signal-safe functions, so each path is kept here as a ready C string, and
//! [`remove_all`] does nothing but `unlink(2)` them.

use std::ffi::{c_char, CString};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};

/// How many temp files can be held at once: an export writes one (a chunked render one per
/// chunk, a project save one), far below this. A path that finds no free slot is still removed
/// by its owner as usual; only the crash clean-up misses it.
const SLOTS: usize = 64;

static PATHS: [AtomicPtr<c_char>; SLOTS] = [const { AtomicPtr::new(ptr::null_mut()) }; SLOTS];

/// A temp file known to the crash clean-up until this is dropped (its owner has renamed it into
/// place or removed it).
#[derive(Debug)]
pub struct Held(Option<usize>);

/// Holds `path` for the crash clean-up until the returned value is dropped.
pub fn hold(path: &Path) -> Held {
    let Ok(c) = CString::new(path.as_os_str().as_bytes()) else {
        return Held(None);
    };
    let raw = c.into_raw();
    for (i, slot) in PATHS.iter().enumerate() {
        if slot.compare_exchange(ptr::null_mut(), raw, Ordering::AcqRel, Ordering::Acquire).is_ok() {
            return Held(Some(i));
        }
    }
    // SAFETY: `raw` came from `CString::into_raw` above and was stored nowhere.
    drop(unsafe { CString::from_raw(raw) });
    Held(None)
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(i) = self.0 {
            let raw = PATHS[i].swap(ptr::null_mut(), Ordering::AcqRel);
            if !raw.is_null() {
                // SAFETY: every non-null pointer in `PATHS` came from `CString::into_raw` in
                // `hold`, and the swap took it out, so it is freed once.
                drop(unsafe { CString::from_raw(raw) });
            }
        }
    }
}

/// Unlinks every temp file held now. Async-signal-safe (atomic loads and `unlink(2)`): for a
/// crash handler. The slots are left as they are; the process is about to end.
pub fn remove_all() {
    unlink_each(&PATHS);
}

fn unlink_each(slots: &[AtomicPtr<c_char>]) {
    for slot in slots {
        let raw = slot.load(Ordering::Acquire);
        if !raw.is_null() {
            // SAFETY: a NUL-terminated path from `hold`; unlink(2) is async-signal-safe.
            unsafe { libc::unlink(raw) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    fn is_held(path: &Path) -> bool {
        PATHS.iter().any(|slot| {
            let raw = slot.load(Ordering::Acquire);
            // SAFETY: non-null slots hold C strings from `hold`; this test's own stay held here.
            !raw.is_null() && unsafe { CStr::from_ptr(raw) }.to_bytes() == path.as_os_str().as_bytes()
        })
    }

    #[test]
    fn a_path_is_held_until_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let part = dir.path().join(".out.mp4.1-x.bazaar-part");
        let held = hold(&part);
        assert!(is_held(&part));
        drop(held);
        assert!(!is_held(&part));
    }

    #[test]
    fn the_crash_clean_up_unlinks_what_it_holds() {
        // Over slots of the test's own: `remove_all` would remove other tests' temp files too.
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join(".a.bazaar-part"), dir.path().join("kept"));
        std::fs::write(&a, b"partial").unwrap();
        std::fs::write(&b, b"kept").unwrap();
        let slots = [AtomicPtr::new(CString::new(a.as_os_str().as_bytes()).unwrap().into_raw()), AtomicPtr::default()];
        unlink_each(&slots);
        assert!(!a.exists(), "a held temp file is removed");
        assert!(b.exists(), "nothing else is touched");
        // SAFETY: from `into_raw` just above.
        drop(unsafe { CString::from_raw(slots[0].load(Ordering::Acquire)) });
    }
}
