//! The frame ring, on the app's side: a shared-memory file (`/dev/shm/bazaar-frames-…`) of a
//! few frames in the encoder's pixel format, which the render page writes through the
//! web-process extension (`web-extension/`, which converts canvas bands to I420 for video), so a
//! frame's pixels never cross WebKit's IPC; the page then sends only which slot holds frame N,
//! and the bridge lends that slot to the encoder ([`FrameRing::lend`], when it copies its input)
//! or copies it into the encoder's frame. Why: BENCHMARKS.md ("End-to-end render", "Frames lent
//! to x264"). The extension is part of the product: without it a render does not start
//! ([`extension_dir`] says where it was looked for).
//!
//! The file is a header (the web process's id, written by the extension when it maps the ring:
//! see `bazaar_pixels::FRAME_RING_HEADER_BYTES`), then the frames. A slot is written again only
//! after the app has answered the request that named it (the page keeps fewer frames in flight
//! than there are slots), and the bridge answers only once the slot is copied or taken in by
//! the encoder.

use super::limits::RingShape;
use bazaar_core::encode::PixelFormat;
use bazaar_core::encode::PooledFrame;
use bazaar_pixels::{FRAME_RING_HEADER_BYTES, FRAME_RING_PID_AT, FRAME_RING_PREFIX};
use memmap2::MmapRaw;
use serde::Serialize;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};

/// File name of the extension (a `cdylib` of the `bazaar-web-extension` package).
const EXTENSION_FILE: &str = "libbazaar_web_extension.so";

/// A job's ring: `shape.slots()` frames of one format and size, mapped, and how the page hands
/// them over.
pub struct FrameRing {
    name: String,
    shape: RingShape,
    format: PixelFormat,
    slot_bytes: usize,
    path: PathBuf,
    /// Shared with the frames lent to the encoder ([`FrameRing::lend`]), which GStreamer may
    /// keep after the job is done with the ring.
    map: Arc<MmapRaw>,
}

/// The job's ring as the render page is told of it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FrameRingSpec {
    /// The file's name in `/dev/shm`, which the extension maps.
    pub name: String,
    /// The file's size: the header and every slot.
    pub bytes: usize,
    pub slots: u32,
    /// What a slot holds: the encoder's format (`i420-bt709`, I420 in the format's matrix;
    /// `rgba` with alpha, as `getImageData` gives it), at the output's size.
    pub format: PixelFormat,
    /// The colour (`#rrggbb`) each band is laid over on its way in: a transparent project's
    /// matte when its output does not keep alpha (`Project::flattened_over`); else none.
    pub matte: Option<String>,
    /// How the page names its frames to the app (`limits::RingShape`): `batch` a request, at
    /// most `in_flight` requests unanswered (fewer frames than slots).
    pub batch: u32,
    pub in_flight: u32,
}

impl FrameRing {
    /// Creates and maps the job's ring of `shape`'s slots of `width`×`height` frames in `format`
    /// (the encoder's): a new file, readable by this user only, given its memory now.
    pub fn create(
        job: &str,
        shape: RingShape,
        format: PixelFormat,
        width: u32,
        height: u32,
    ) -> Result<FrameRing, String> {
        // The process id first: how `remove_stale_rings` knows a ring's owner is gone.
        let name = format!("{FRAME_RING_PREFIX}{}-{job}", std::process::id());
        let path = Path::new("/dev/shm").join(&name);
        let slot_bytes = format.frame_bytes(width, height);
        let len = FRAME_RING_HEADER_BYTES + shape.slots() as usize * slot_bytes;
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| format!("cannot create the frame ring {}: {e}", path.display()))?;
        let mapped = reserve(&file, len).and_then(|()| {
            // A file of this process's own, which nothing truncates while it is mapped
            // (the page's extension maps it too, and only writes into it).
            MmapRaw::map_raw(&file).map_err(|e| e.to_string())
        });
        match mapped {
            Ok(map) => Ok(FrameRing { name, shape, format, slot_bytes, path, map: Arc::new(map) }),
            Err(e) => {
                let _ = std::fs::remove_file(&path);
                Err(format!(
                    "cannot make the frame ring {} ({} MB): {e}; free space in /dev/shm (or make it larger)",
                    path.display(),
                    len.div_ceil(1 << 20)
                ))
            }
        }
    }

    /// The ring as the render page is told of it, with no matte.
    pub fn spec(&self) -> FrameRingSpec {
        FrameRingSpec {
            name: self.name.clone(),
            bytes: self.map.len(),
            slots: self.shape.slots(),
            format: self.format,
            matte: None,
            batch: self.shape.batch,
            in_flight: self.shape.in_flight,
        }
    }

    /// What a slot holds (the encoder's format).
    pub fn format(&self) -> PixelFormat {
        self.format
    }

    /// Removes the file's name (the mappings stay until both sides are done).
    pub fn unlink(&self) {
        let _ = std::fs::remove_file(&self.path);
    }

    /// Slot `k`'s bytes, or None past the last slot.
    pub fn slot(&self, k: u32) -> Option<&[u8]> {
        let at = FRAME_RING_HEADER_BYTES + k as usize * self.slot_bytes;
        // SAFETY: inside the mapping, which lives as long as `self`.
        (k < self.shape.slots())
            .then(|| unsafe { std::slice::from_raw_parts(self.map.as_ptr().add(at), self.slot_bytes) })
    }

    /// Slot `k` as a frame for the encoder, without a copy, or None past the last slot.
    ///
    /// # Safety
    /// The page must not write slot `k` again until the encoder has taken the frame in
    /// (`bazaar_core::encode::input_taken`): the app answers the request that named it only then.
    pub unsafe fn lend(&self, k: u32) -> Option<PooledFrame> {
        let at = FRAME_RING_HEADER_BYTES + k as usize * self.slot_bytes;
        if k >= self.shape.slots() {
            return None;
        }
        let keep: Arc<dyn std::any::Any + Send + Sync> = self.map.clone();
        // SAFETY: inside the mapping (k is a slot), which `keep` keeps; see this function's.
        Some(unsafe { PooledFrame::lent(self.map.as_mut_ptr().add(at), self.slot_bytes, keep) })
    }

    /// The id of the web process that has mapped the ring, as its extension wrote it; None
    /// until then.
    pub fn mapped_by(&self) -> Option<u32> {
        // SAFETY: the id's place is inside the mapping (the header comes first) and aligned for
        // a u32 (a mapping starts on a page); the extension writes it as an atomic too.
        let pid = unsafe { AtomicU32::from_ptr(self.map.as_mut_ptr().add(FRAME_RING_PID_AT).cast()) };
        Some(pid.load(Ordering::Acquire)).filter(|&p| p != 0)
    }
}

impl Drop for FrameRing {
    fn drop(&mut self) {
        self.unlink();
    }
}

/// Gives the file its `len` bytes of memory now: a `/dev/shm` too small (a container's 64 MB,
/// say) is then an error here, before the render starts, where a file only sized would kill
/// the page's process with SIGBUS when it writes past what the mount has.
fn reserve(file: &std::fs::File, len: usize) -> Result<(), String> {
    use std::os::fd::AsRawFd;
    // SAFETY: a plain system call on a descriptor we own.
    match unsafe { libc::posix_fallocate(file.as_raw_fd(), 0, len as libc::off_t) } {
        0 => Ok(()),
        e => Err(std::io::Error::from_raw_os_error(e).to_string()),
    }
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
/// (the package). Err names the places looked at and what to do.
fn extension() -> Result<&'static Path, &'static str> {
    static FILE: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let found = FILE.get_or_init(|| {
        let exe = std::env::current_exe().map_err(|e| format!("cannot tell where the program is: {e}"))?;
        let beside = exe.parent().unwrap_or(Path::new("/"));
        let places = [beside.join(EXTENSION_FILE), beside.join("../lib/bazaar-export").join(EXTENSION_FILE)];
        match places.iter().find(|p| p.is_file()).map(|p| p.canonicalize()) {
            Some(Ok(file)) => Ok(file),
            Some(Err(e)) => Err(format!("{}: {e}", places[0].display())),
            None => Err(format!(
                "the render page's web-process extension is missing: neither {} nor {} exists. \
                 Reinstall bazaar-export; in a source checkout, build it with \
                 `cargo build --release -p bazaar-web-extension` (it goes beside the program)",
                places[0].display(),
                places[1].display()
            )),
        }
    });
    found.as_deref().map_err(String::as_str)
}

/// The folder the render views' web context loads extensions from (WebKit loads every `.so`
/// in it): one of its own in `parent` (the views' data folder, removed when the app exits),
/// holding only a link to the extension. Made once; Err (the extension is missing, or the
/// folder cannot be made) says why and what to do, and no render starts without it.
pub fn extension_dir(parent: &Path) -> Result<&'static Path, String> {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    // Renders start side by side (`render --jobs`): one makes the folder, the others wait for
    // it (two removing and linking at once failed one of them with "File exists").
    static MAKING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    if let Some(dir) = DIR.get() {
        return Ok(dir);
    }
    let _making = MAKING.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(dir) = DIR.get() {
        return Ok(dir);
    }
    let file = extension()?;
    let dir = parent.join("web-extension");
    let link = dir.join(EXTENSION_FILE);
    std::fs::create_dir_all(&dir)
        .and_then(|()| match std::fs::remove_file(&link) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => std::os::unix::fs::symlink(file, &link),
        })
        .map_err(|e| format!("cannot link the web-process extension {} into {}: {e}", file.display(), dir.display()))?;
    Ok(DIR.get_or_init(|| dir))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bazaar_core::encode::YuvMatrix;

    /// What the page writes through the file is what the bridge reads in that slot; past the
    /// last slot there is nothing; the writer's id is read from the header; the name goes on
    /// `unlink` (the mapping stays) and the file with the ring.
    #[test]
    fn a_ring_is_shared_memory_in_slots_that_goes_with_it() {
        // Three RGBA frames of 2×2 (16 bytes).
        let ring = FrameRing::create(
            &format!("test-{}", std::process::id()),
            RingShape::unbatched(3),
            PixelFormat::Rgba,
            2,
            2,
        )
        .unwrap();
        let path = Path::new("/dev/shm").join(&ring.name);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), FRAME_RING_HEADER_BYTES as u64 + 48);
        assert_eq!(ring.spec().bytes, FRAME_RING_HEADER_BYTES + 48);
        assert_eq!(ring.mapped_by(), None, "no page has mapped it yet");
        let mut page = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        let mut file = vec![0u8; FRAME_RING_HEADER_BYTES];
        file[FRAME_RING_PID_AT..FRAME_RING_PID_AT + 4].copy_from_slice(&4242u32.to_ne_bytes());
        file.extend([[1u8; 16], [2; 16], [3; 16]].concat());
        std::io::Write::write_all(&mut page, &file).unwrap();
        assert_eq!(ring.mapped_by(), Some(4242));
        assert_eq!(ring.slot(1), Some(&[2u8; 16][..]));
        assert_eq!(ring.slot(2), Some(&[3u8; 16][..]));
        assert!(ring.slot(3).is_none());
        ring.unlink();
        assert!(!path.exists());
        assert_eq!(ring.slot(0), Some(&[1u8; 16][..]), "still mapped once unlinked");
        let again = FrameRing::create(
            &format!("test2-{}", std::process::id()),
            RingShape::unbatched(1),
            PixelFormat::I420(YuvMatrix::Bt601),
            4,
            2,
        )
        .unwrap();
        let i420 = bazaar_core::encode::I420Layout::new(4, 2).size;
        assert_eq!(again.slot(0).map(<[u8]>::len), Some(i420), "a slot is a frame in the ring's format");
        let path = Path::new("/dev/shm").join(&again.name);
        drop(again);
        assert!(!path.exists(), "the file goes with the ring");
    }
}
