//! The frame ring, on the app's side: a shared-memory file (`/dev/shm/bazaar-frames-…`) of a
//! few frames, already in the encoder's pixel format, that the render page writes through the
//! web-process extension (`web-extension/`, which converts canvas bands to I420 for video), so a
//! frame's pixels never cross WebKit's IPC; the page then sends only which slot holds frame N,
//! and the bridge copies that slot into the encoder's frame. Why: BENCHMARKS.md ("End-to-end
//! render").
//!
//! A slot is written again only after the app has answered the request that named it (the page
//! keeps fewer frames in flight than there are slots), and the bridge copies a slot before it
//! answers.

use super::limits::RING_SLOTS;
use super::page_spec::FrameRingSpec;
use bazaar_pixels::FRAME_RING_PREFIX;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// File name of the extension (a `cdylib` of the `bazaar-web-extension` package).
const EXTENSION_FILE: &str = "libbazaar_web_extension.so";

/// A job's ring: `slots` frames of `slot_bytes` each, mapped.
pub struct FrameRing {
    pub name: String,
    pub slots: u32,
    pub slot_bytes: usize,
    path: PathBuf,
    at: *mut u8,
    len: usize,
}

// SAFETY: the mapping is plain shared memory, alive until the ring is dropped; the bridge only
// reads slots the page is done with (see the module's comment).
unsafe impl Send for FrameRing {}
unsafe impl Sync for FrameRing {}

impl FrameRing {
    /// The job's ring (slots of `frame_bytes`: the encoder's frames), when the page can write
    /// it: the speed tricks are on, the ring is not turned off (`BAZAAR_NO_FRAME_RING`, for the
    /// tests of the page's own readers) and the extension is there. A ring that cannot be made is not an
    /// error: the page then sends its frames through the IPC, as without the extension.
    pub fn for_job(job: &str, frame_bytes: usize) -> Option<FrameRing> {
        let off = std::env::var("BAZAAR_NO_FRAME_RING").is_ok_and(|v| !v.is_empty() && v != "0");
        if off || extension().is_none() {
            return None;
        }
        FrameRing::create(job, RING_SLOTS, frame_bytes)
            .map_err(|e| eprintln!("note: {e}; frames go through the IPC instead"))
            .ok()
    }

    /// Creates and maps the job's ring (a new file, readable by this user only).
    pub fn create(job: &str, slots: u32, slot_bytes: usize) -> Result<FrameRing, String> {
        // The process id first: how `remove_stale_rings` knows a ring's owner is gone.
        let name = format!("{FRAME_RING_PREFIX}{}-{job}", std::process::id());
        let path = Path::new("/dev/shm").join(&name);
        let len = slots as usize * slot_bytes;
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        let mapped = reserve(&file, len).and_then(|()| map(&file, len));
        match mapped {
            Ok(at) => Ok(FrameRing { name, slots, slot_bytes, path, at, len }),
            Err(e) => {
                let _ = std::fs::remove_file(&path);
                Err(format!("cannot map {}: {e}", path.display()))
            }
        }
    }

    /// The ring as the render page is told of it.
    pub fn spec(&self) -> FrameRingSpec {
        FrameRingSpec { name: self.name.clone(), slots: self.slots, slot_bytes: self.slot_bytes }
    }

    /// Removes the file's name (the mappings stay until both sides are done).
    pub fn unlink(&self) {
        let _ = std::fs::remove_file(&self.path);
    }

    /// Slot `k`'s bytes, or None past the last slot.
    pub fn slot(&self, k: u32) -> Option<&[u8]> {
        (k < self.slots).then(|| {
            // SAFETY: inside the mapping (k < slots, and len = slots × slot_bytes).
            unsafe { std::slice::from_raw_parts(self.at.add(k as usize * self.slot_bytes), self.slot_bytes) }
        })
    }
}

impl Drop for FrameRing {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `create`, unmapped once.
        unsafe { libc::munmap(self.at.cast(), self.len) };
        self.unlink();
    }
}

/// Gives the file its `len` bytes of memory now: a `/dev/shm` too small (a container's 64 MB,
/// say) is then an error here, and the page falls back to the IPC, where a file only sized
/// would kill the page's process with SIGBUS when it writes past what the mount has.
fn reserve(file: &std::fs::File, len: usize) -> Result<(), String> {
    use std::os::fd::AsRawFd;
    // SAFETY: a plain system call on a descriptor we own.
    match unsafe { libc::posix_fallocate(file.as_raw_fd(), 0, len as libc::off_t) } {
        0 => Ok(()),
        e => Err(std::io::Error::from_raw_os_error(e).to_string()),
    }
}

fn map(file: &std::fs::File, len: usize) -> Result<*mut u8, String> {
    use std::os::fd::AsRawFd;
    // SAFETY: a shared read-write mapping of a file of `len` bytes we own.
    let at = unsafe {
        libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ | libc::PROT_WRITE, libc::MAP_SHARED, file.as_raw_fd(), 0)
    };
    if at == libc::MAP_FAILED {
        return Err(std::io::Error::last_os_error().to_string());
    }
    Ok(at.cast())
}

/// Removes ring files left in /dev/shm by processes that are gone (one killed between making a
/// ring and its page loading: the name is removed then, see the bridge's `render_loaded`).
pub fn remove_stale_rings() {
    let Ok(entries) = std::fs::read_dir("/dev/shm") else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(FRAME_RING_PREFIX)) else { continue };
        if crate::procfs::gone(rest.split('-').next().unwrap_or_default()) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// The extension, found once: beside the executable (a build) or in `../lib/bazaar-export/`
/// (the package). None when it is not there (the page then sends its frames through the IPC).
fn extension() -> Option<&'static Path> {
    static FILE: OnceLock<Option<PathBuf>> = OnceLock::new();
    FILE.get_or_init(|| {
        let exe = std::env::current_exe().ok()?;
        let beside = exe.parent()?;
        let places = [beside.join(EXTENSION_FILE), beside.join("../lib/bazaar-export").join(EXTENSION_FILE)];
        let found = places.iter().find(|p| p.is_file()).and_then(|p| p.canonicalize().ok());
        if found.is_none() {
            // Said once: a program copied away from its extension renders the same frames, only
            // slower, and nothing else would tell why.
            eprintln!(
                "note: {EXTENSION_FILE} is neither beside {} nor in ../lib/bazaar-export: canvas frames go through the IPC (slower)",
                exe.display()
            );
        }
        found
    })
    .as_deref()
}

/// The folder the render views' web context loads extensions from (WebKit loads every `.so`
/// in it): one of its own in `parent` (the views' data folder, removed when the app exits),
/// holding only a link to the extension. Made once.
pub fn extension_dir(parent: &Path) -> Option<&'static Path> {
    EXTENSION_DIR
        .get_or_init(|| {
            let dir = parent.join("web-extension");
            std::fs::create_dir_all(&dir).ok()?;
            let link = dir.join(EXTENSION_FILE);
            let _ = std::fs::remove_file(&link);
            std::os::unix::fs::symlink(extension()?, &link).ok()?;
            Some(dir)
        })
        .as_deref()
}

static EXTENSION_DIR: OnceLock<Option<PathBuf>> = OnceLock::new();

/// The file that marks a render view's web process, when the render views load the extension
/// (see [`extension_dir`]): the main window's processes never have it mapped.
pub fn render_view_mark() -> Option<&'static str> {
    EXTENSION_DIR.get()?.as_ref().map(|_| EXTENSION_FILE)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the page writes through the file is what the bridge reads in that slot; past the
    /// last slot there is nothing; the name goes on `unlink` (the mapping stays) and the file
    /// with the ring.
    #[test]
    fn a_ring_is_shared_memory_in_slots_that_goes_with_it() {
        let ring = FrameRing::create(&format!("test-{}", std::process::id()), 3, 16).unwrap();
        let path = Path::new("/dev/shm").join(&ring.name);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 48);
        let mut page = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        std::io::Write::write_all(&mut page, &[[1u8; 16], [2; 16], [3; 16]].concat()).unwrap();
        assert_eq!(ring.slot(1), Some(&[2u8; 16][..]));
        assert_eq!(ring.slot(2), Some(&[3u8; 16][..]));
        assert!(ring.slot(3).is_none());
        ring.unlink();
        assert!(!path.exists());
        assert_eq!(ring.slot(0), Some(&[1u8; 16][..]), "still mapped once unlinked");
        let again = FrameRing::create(&format!("test2-{}", std::process::id()), 1, 8).unwrap();
        let path = Path::new("/dev/shm").join(&again.name);
        drop(again);
        assert!(!path.exists(), "the file goes with the ring");
    }
}
