//! The frame ring as one page's mapping of it: which file may be mapped, and where a band of
//! rows may go (only inside its frame of the ring). No WebKit here: `lib.rs` hands over the
//! page's arguments.

use bazaar_pixels::{i420_rows_into, Channels, I420Layout, Rows, YuvMatrix, FRAME_RING_PREFIX};
use std::ptr;

/// One page's mapping of the ring.
#[derive(Default)]
pub struct Ring {
    map: Option<Mapping>,
}

impl Ring {
    pub fn is_mapped(&self) -> bool {
        self.map.is_some()
    }

    /// Maps `/dev/shm/<name>`: a regular file of the app's naming, of exactly `bytes` bytes, a
    /// whole number of `frame`s. True when mapped.
    pub fn open(&mut self, name: &str, bytes: usize, frame: Frame) -> bool {
        let plain = name.strip_prefix(FRAME_RING_PREFIX).is_some_and(|rest| {
            !rest.is_empty() && rest.len() < 200 && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
        if !plain || bytes == 0 || !bytes.is_multiple_of(frame.bytes()) {
            return false;
        }
        let Ok(path) = std::ffi::CString::new(format!("/dev/shm/{name}")) else { return false };
        // SAFETY: plain system calls on a path and the descriptor they return.
        unsafe {
            let fd = libc::open(path.as_ptr(), libc::O_RDWR | libc::O_CLOEXEC | libc::O_NOFOLLOW);
            if fd < 0 {
                return false;
            }
            let mut st: libc::stat = std::mem::zeroed();
            let fits = libc::fstat(fd, &mut st) == 0
                && (st.st_mode & libc::S_IFMT) == libc::S_IFREG
                && st.st_size as u64 == bytes as u64;
            let at = if fits {
                libc::mmap(ptr::null_mut(), bytes, libc::PROT_READ | libc::PROT_WRITE, libc::MAP_SHARED, fd, 0)
            } else {
                libc::MAP_FAILED
            };
            libc::close(fd);
            if at == libc::MAP_FAILED {
                return false;
            }
            self.map = Some(Mapping { at: at.cast(), len: bytes, frame });
        }
        true
    }

    /// Puts whole RGBA rows, the frame's from `row` on, into frame `slot`, if they fit.
    pub fn put(&mut self, pixels: &[u8], slot: usize, row: usize) -> bool {
        let Some(m) = &self.map else { return false };
        let frame_bytes = m.frame.bytes();
        let Some(at) = frame_at(slot, frame_bytes, m.len) else { return false };
        // SAFETY: a whole frame of the mapping (inside it, checked above), which lives as long
        // as the ring.
        let out = unsafe { std::slice::from_raw_parts_mut(m.at.add(at), frame_bytes) };
        band_into(m.frame, pixels, row, out)
    }
}

struct Mapping {
    at: *mut u8,
    len: usize,
    frame: Frame,
}

/// The ring's frames: their size and how their pixels are laid out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    width: u32,
    height: u32,
    i420: bool,
}

impl Frame {
    /// The frame size and format the page names, if the app could have made such a ring.
    pub fn new(width: usize, height: usize, format: &str) -> Option<Frame> {
        let i420 = match format {
            "i420" => true,
            "rgba" => false,
            _ => return None,
        };
        let side = 1..=MAX_SIDE;
        (side.contains(&width) && side.contains(&height)).then_some(Frame {
            width: width as u32,
            height: height as u32,
            i420,
        })
    }

    fn bytes(self) -> usize {
        if self.i420 {
            I420Layout::new(self.width, self.height).size
        } else {
            self.width as usize * self.height as usize * 4
        }
    }
}

/// No side of a frame is longer (the project format's own limit is far below).
const MAX_SIDE: usize = 1 << 15;

impl Drop for Ring {
    fn drop(&mut self) {
        if let Some(m) = self.map.take() {
            // SAFETY: the mapping this ring made, unmapped once.
            unsafe { libc::munmap(m.at.cast(), m.len) };
        }
    }
}

/// Where frame `slot` of a ring of `len` bytes starts, if the whole frame is inside it.
fn frame_at(slot: usize, frame_bytes: usize, len: usize) -> Option<usize> {
    let at = slot.checked_mul(frame_bytes)?;
    (at.checked_add(frame_bytes)? <= len).then_some(at)
}

/// Writes a band of RGBA rows, the frame's from `row` on, into `out` (one frame of the ring).
fn band_into(frame: Frame, pixels: &[u8], row: usize, out: &mut [u8]) -> bool {
    let stride = frame.width as usize * 4;
    if !pixels.len().is_multiple_of(stride) {
        return false;
    }
    let count = pixels.len() / stride;
    if frame.i420 {
        let matrix = YuvMatrix::for_size(frame.width, frame.height);
        let rows = Rows { pixels, stride, channels: Channels::RGBA, first: row, count };
        i420_rows_into(rows, frame.width, frame.height, matrix, out)
    } else {
        let Some(to) = row.checked_mul(stride) else { return false };
        match to.checked_add(pixels.len()).and_then(|end| out.get_mut(to..end)) {
            Some(rows) => {
                rows.copy_from_slice(pixels);
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shm(name: &str, bytes: usize) -> std::path::PathBuf {
        let path = std::path::Path::new("/dev/shm").join(name);
        std::fs::write(&path, vec![0u8; bytes]).unwrap();
        path
    }

    const RGBA_32: Frame = Frame { width: 32, height: 8, i420: false };

    fn opens(name: &str, bytes: usize) -> bool {
        let mut ring = Ring::default();
        ring.open(name, bytes, RGBA_32) && ring.is_mapped()
    }

    /// Only a regular file of the app's naming, directly in /dev/shm, of exactly the size the
    /// page says, is mapped.
    #[test]
    fn only_the_jobs_own_ring_file_is_mapped() {
        let me = std::process::id();
        let good = format!("bazaar-frames-test-{me}");
        let path = shm(&good, 4096);
        assert!(opens(&good, 4096));
        assert!(!opens(&good, 4095), "a size other than the file's");
        assert!(!opens(&good, 0));
        let link = format!("bazaar-frames-link-{me}");
        let link_path = std::path::Path::new("/dev/shm").join(&link);
        std::os::unix::fs::symlink(&path, &link_path).unwrap();
        assert!(!opens(&link, 4096), "a link, even to a ring");
        let dir = format!("bazaar-frames-dir-{me}");
        std::fs::create_dir(std::path::Path::new("/dev/shm").join(&dir)).unwrap();
        assert!(!opens(&dir, 4096), "a folder");
        let other = format!("other-{me}");
        let other_path = shm(&other, 4096);
        for name in [
            other.as_str(),
            "bazaar-frames-",
            "bazaar-frames-../../etc/passwd",
            "bazaar-frames-a/b",
            "bazaar-frames-missing-1",
        ] {
            assert!(!opens(name, 4096), "{name:?}");
        }
        for p in [&path, &link_path, &other_path] {
            std::fs::remove_file(p).unwrap();
        }
        std::fs::remove_dir(std::path::Path::new("/dev/shm").join(&dir)).unwrap();
    }

    /// A slot is a whole frame inside the ring, whatever the numbers (none wraps around).
    #[test]
    fn a_slot_is_a_whole_frame_inside_the_ring() {
        assert_eq!(frame_at(0, 100, 400), Some(0));
        assert_eq!(frame_at(3, 100, 400), Some(300));
        assert_eq!(frame_at(4, 100, 400), None);
        assert_eq!(frame_at(3, 100, 399), None);
        // A product just short of 2^64, whose end would wrap around to 0.
        let frame = 1usize << 24;
        assert_eq!(frame_at((1 << 40) - 1, frame, 400), None);
        assert_eq!(frame_at(usize::MAX, 2, usize::MAX), None);
    }

    /// The frame sizes and formats a page may name.
    #[test]
    fn only_frames_the_app_makes_are_named() {
        assert_eq!(Frame::new(1920, 1080, "i420").map(Frame::bytes), Some(1920 * 1080 * 3 / 2));
        assert_eq!(Frame::new(3, 2, "rgba").map(Frame::bytes), Some(24));
        for (w, h, f) in [(0, 2, "rgba"), (2, 0, "i420"), (MAX_SIDE + 1, 2, "rgba"), (2, 2, "nv12"), (2, 2, "")] {
            assert!(Frame::new(w, h, f).is_none(), "{w}×{h} {f:?}");
        }
        let me = std::process::id();
        let name = format!("bazaar-frames-frames-{me}");
        let path = shm(&name, 4 * 1024);
        assert!(opens(&name, 4 * 1024), "four frames of 32×8 RGBA");
        let mut ring = Ring::default();
        let odd = Frame { width: 30, height: 8, i420: false };
        assert!(!ring.open(&name, 4 * 1024, odd), "not a whole number of frames");
        // Mapped: a band goes into its slot of the file, and nowhere else.
        assert!(ring.open(&name, 4 * 1024, RGBA_32));
        assert!(ring.put(&[5u8; 32 * 4 * 2], 2, 6), "two rows at the end of slot 2");
        assert!(!ring.put(&[5u8; 32 * 4], 4, 0), "a slot past the ring");
        let file = std::fs::read(&path).unwrap();
        let (slot, rows) = (2 * 1024, 6 * 128..8 * 128);
        assert!(file[slot + rows.start..slot + rows.end].iter().all(|&b| b == 5));
        assert_eq!(file.iter().filter(|&&b| b == 5).count(), 2 * 128, "nothing written elsewhere");
        std::fs::remove_file(path).unwrap();
    }

    /// A band is put only inside its frame: whole rows, from a row inside the frame, and for
    /// I420 from an even row to an even row or the frame's end (then as the whole converts).
    #[test]
    fn a_band_is_put_only_inside_its_frame() {
        let mut out = vec![0u8; RGBA_32.bytes()];
        let row = vec![9u8; 32 * 4];
        assert!(band_into(RGBA_32, &row, 7, &mut out));
        assert!(out[7 * 128..].iter().all(|&b| b == 9) && out[..7 * 128].iter().all(|&b| b == 0));
        assert!(!band_into(RGBA_32, &row, 8, &mut out), "past the last row");
        assert!(!band_into(RGBA_32, &row[4..], 0, &mut out), "not whole rows");
        assert!(!band_into(RGBA_32, &row, usize::MAX / 2, &mut out), "an offset that wraps around");

        let frame = Frame { width: 32, height: 6, i420: true };
        let pixels: Vec<u8> = (0..32 * 6 * 4).map(|i| (i * 7 % 251) as u8).collect();
        let mut whole = vec![0u8; frame.bytes()];
        let layout = Rows { pixels: &pixels, stride: 128, channels: Channels::RGBA, first: 0, count: 6 };
        assert!(i420_rows_into(layout, 32, 6, YuvMatrix::Bt601, &mut whole));
        let mut banded = vec![0u8; frame.bytes()];
        assert!(band_into(frame, &pixels[4 * 128..], 4, &mut banded));
        assert!(band_into(frame, &pixels[..4 * 128], 0, &mut banded));
        assert_eq!(whole, banded);
        assert!(!band_into(frame, &pixels[..2 * 128], 1, &mut banded), "an odd first row");
        assert!(!band_into(frame, &pixels[..3 * 128], 0, &mut banded), "an odd last row inside the frame");
    }
}
