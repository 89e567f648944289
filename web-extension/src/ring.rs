//! The frame ring as one page's mapping of it: which file may be mapped, and where a band of
//! rows may go (only inside its frame of the ring). No WebKit here: `lib.rs` hands over the
//! page's arguments.

use crate::canvas::canvas_into_i420;
use bazaar_pixels::{
    flatten_over, i420_rows_into, Channels, I420Layout, Rows, YuvMatrix, FRAME_RING_HEADER_BYTES, FRAME_RING_PID_AT,
    FRAME_RING_PREFIX,
};
use memmap2::MmapMut;
use std::os::unix::fs::OpenOptionsExt;
use std::sync::atomic::{AtomicU32, Ordering};

/// One page's mapping of the ring (and of its caption layers' file, when the app made one).
#[derive(Default)]
pub struct Ring {
    map: Option<Mapping>,
    /// Burned captions drawn alone, as straight RGBA, for the app to lay over the clip frames it
    /// makes itself: slots of a whole frame's RGBA each (a layer is the caption's rectangle,
    /// its rows packed from the slot's start).
    layers: Option<MmapMut>,
    /// A band flattened over the matte before its conversion (the page's own pixels are only
    /// read).
    scratch: Vec<u8>,
}

impl Ring {
    pub fn is_mapped(&self) -> bool {
        self.map.is_some()
    }

    /// Maps `/dev/shm/<name>`: a regular file of the app's naming, of exactly `bytes` bytes, the
    /// header and a whole number of `frame`s; then writes this process's id into the header
    /// (the app's watch of the page's process starts from it). True when mapped.
    pub fn open(&mut self, name: &str, bytes: usize, frame: Frame) -> bool {
        let Some(mut map) = map_file(name, bytes, frame.bytes()) else { return false };
        tell_process(&mut map);
        self.map = Some(Mapping { map, frame });
        true
    }

    /// Maps the caption layers' file: like the ring (after it), slots of one frame's RGBA.
    pub fn open_layers(&mut self, name: &str, bytes: usize) -> bool {
        let Some(slot) = self.layer_bytes() else { return false };
        if self.layers.is_some() {
            return false;
        }
        self.layers = map_file(name, bytes, slot);
        self.layers.is_some()
    }

    fn layer_bytes(&self) -> Option<usize> {
        let f = self.map.as_ref()?.frame;
        Some(Frame { format: Format::Rgba, matte: None, ..f }.bytes())
    }

    /// Puts a caption layer's RGBA (any whole number of pixels up to a frame's) at the start
    /// of layer slot `slot`.
    pub fn put_layer(&mut self, pixels: &[u8], slot: usize) -> bool {
        let Some(slot_bytes) = self.layer_bytes() else { return false };
        let Some(map) = &mut self.layers else { return false };
        let slots = &mut map[FRAME_RING_HEADER_BYTES..];
        match frame_at(slot, slot_bytes, slots.len()) {
            Some(at) if pixels.len() <= slot_bytes && pixels.len().is_multiple_of(4) => {
                slots[at..at + pixels.len()].copy_from_slice(pixels);
                true
            }
            _ => false,
        }
    }

    /// Puts whole RGBA rows, the frame's from `row` on, into frame `slot`, if they fit.
    pub fn put(&mut self, pixels: &[u8], slot: usize, row: usize) -> bool {
        let Some(m) = &mut self.map else { return false };
        let frame_bytes = m.frame.bytes();
        let frames = &mut m.map[FRAME_RING_HEADER_BYTES..];
        let Some(at) = frame_at(slot, frame_bytes, frames.len()) else { return false };
        let out = &mut frames[at..at + frame_bytes];
        match m.frame.matte {
            None => band_into(m.frame, pixels, row, out),
            Some(matte) => {
                self.scratch.clear();
                self.scratch.extend_from_slice(pixels);
                flatten_over(&mut self.scratch, Channels::RGBA, matte);
                band_into(m.frame, &self.scratch, row, out)
            }
        }
    }

    /// The size of a canvas whose pixels [`Ring::put_canvas`] takes: the ring's frame, when it
    /// is I420 without a matte.
    pub fn canvas_size(&self) -> Option<(usize, usize)> {
        let f = self.map.as_ref()?.frame;
        matches!(f, Frame { format: Format::I420(_), matte: None, .. }).then_some((f.width as usize, f.height as usize))
    }

    /// Converts a whole opaque canvas frame where it lies (`canvas`: rows of the ring's width,
    /// in `channels`' order; see `canvas.rs`) into frame `slot` of an I420 ring without a
    /// matte, its first and last pixels taken from `under` (RGBA: what the page's stamps covered).
    /// False, with nothing written, for any other ring or a canvas of another size.
    pub fn put_canvas(&mut self, canvas: &[u8], channels: Channels, under: &[u8], slot: usize) -> bool {
        let Some(m) = &mut self.map else { return false };
        let Frame { width, height, format: Format::I420(matrix), matte: None } = m.frame else { return false };
        let frame_bytes = m.frame.bytes();
        let frames = &mut m.map[FRAME_RING_HEADER_BYTES..];
        let Some(at) = frame_at(slot, frame_bytes, frames.len()) else { return false };
        let pixels = Rows { pixels: canvas, stride: width as usize * 4, channels, first: 0, count: height as usize };
        canvas_into_i420(pixels, under, matrix, &mut self.scratch, &mut frames[at..at + frame_bytes])
    }
}

/// Maps `/dev/shm/<name>`: a regular file of the app's naming, of exactly `bytes` bytes, the
/// header and a whole number of `slot`-byte frames.
fn map_file(name: &str, bytes: usize, slot: usize) -> Option<MmapMut> {
    let plain = name.strip_prefix(FRAME_RING_PREFIX).is_some_and(|rest| {
        !rest.is_empty() && rest.len() < 200 && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    });
    let frames = bytes.saturating_sub(FRAME_RING_HEADER_BYTES);
    if !plain || frames == 0 || !frames.is_multiple_of(slot) {
        return None;
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(format!("/dev/shm/{name}"));
    let file = file.ok().filter(|f| f.metadata().is_ok_and(|m| m.file_type().is_file() && m.len() == bytes as u64))?;
    // SAFETY: the app's ring file, which nothing truncates while it is mapped (the app made it
    // at its full size and only ever removes its name).
    unsafe { MmapMut::map_mut(&file) }.ok()
}

/// Writes this process's id into the ring's header (see `bazaar_pixels::FRAME_RING_HEADER_BYTES`).
fn tell_process(map: &mut MmapMut) {
    // SAFETY: the id's place is inside the mapping (the header is checked to be there) and
    // aligned for a u32 (a mapping starts on a page); the app reads it as an atomic too.
    let pid = unsafe { AtomicU32::from_ptr(map.as_mut_ptr().add(FRAME_RING_PID_AT).cast()) };
    pid.store(std::process::id(), Ordering::Release);
}

struct Mapping {
    map: MmapMut,
    frame: Frame,
}

/// How the ring's frames are laid out: the encoder's format, which the app chose for the ring.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Format {
    /// Planar 4:2:0 (video) in the format's matrix: each band converted on its way in.
    I420(YuvMatrix),
    /// RGBA as `getImageData` gives it, alpha kept (GIF, and formats that keep transparency).
    Rgba,
}

/// The ring's frames: their size and format, and the colour a transparent project's bands are
/// flattened over (when its output does not keep alpha).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    width: u32,
    height: u32,
    format: Format,
    matte: Option<[u8; 3]>,
}

impl Frame {
    /// The frame size and format the page names, if the app could have made such a ring.
    pub fn new(width: usize, height: usize, format: &str) -> Option<Frame> {
        Self::flattened(width, height, format, None)
    }

    /// As [`Frame::new`], each band laid over `matte` (`#rrggbb`) first.
    pub fn over(width: usize, height: usize, format: &str, matte: &str) -> Option<Frame> {
        let hex = matte.strip_prefix('#').filter(|h| h.len() == 6 && h.bytes().all(|b| b.is_ascii_hexdigit()))?;
        let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
        Self::flattened(width, height, format, Some([byte(0)?, byte(2)?, byte(4)?]))
    }

    fn flattened(width: usize, height: usize, format: &str, matte: Option<[u8; 3]>) -> Option<Frame> {
        // The names of `bazaar_core::encode::PixelFormat::id`: `rgba`, `i420-<matrix>`.
        let format = match format.strip_prefix("i420-") {
            Some(matrix) => Format::I420(YuvMatrix::ALL.into_iter().find(|m| m.id() == matrix)?),
            None if format == "rgba" => Format::Rgba,
            None => return None,
        };
        let side = 1..=MAX_SIDE;
        (side.contains(&width) && side.contains(&height)).then_some(Frame {
            width: width as u32,
            height: height as u32,
            format,
            matte,
        })
    }

    fn bytes(self) -> usize {
        match self.format {
            Format::I420(_) => I420Layout::new(self.width, self.height).size,
            Format::Rgba => self.width as usize * self.height as usize * 4,
        }
    }
}

/// No side of a frame is longer (the project format's own limit is far below).
const MAX_SIDE: usize = 1 << 15;

/// Where frame `slot` starts among a ring's frames (`len` bytes), if the whole frame is inside.
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
    if let Format::I420(matrix) = frame.format {
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

    const RGBA_32: Frame = Frame { width: 32, height: 8, format: Format::Rgba, matte: None };
    /// The header and four frames of [`RGBA_32`].
    const FOUR: usize = FRAME_RING_HEADER_BYTES + 4 * 1024;

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
        let path = shm(&good, FOUR);
        assert!(opens(&good, FOUR));
        assert!(!opens(&good, FOUR - 1), "a size other than the file's");
        assert!(!opens(&good, 0));
        let bare = format!("bazaar-frames-bare-{me}");
        let bare_path = shm(&bare, 4096);
        assert!(!opens(&bare, 4096), "frames without the header");
        let link = format!("bazaar-frames-link-{me}");
        let link_path = std::path::Path::new("/dev/shm").join(&link);
        std::os::unix::fs::symlink(&path, &link_path).unwrap();
        assert!(!opens(&link, FOUR), "a link, even to a ring");
        let dir = format!("bazaar-frames-dir-{me}");
        std::fs::create_dir(std::path::Path::new("/dev/shm").join(&dir)).unwrap();
        assert!(!opens(&dir, FOUR), "a folder");
        let other = format!("other-{me}");
        let other_path = shm(&other, FOUR);
        for name in [
            other.as_str(),
            "bazaar-frames-",
            "bazaar-frames-../../etc/passwd",
            "bazaar-frames-a/b",
            "bazaar-frames-missing-1",
        ] {
            assert!(!opens(name, FOUR), "{name:?}");
        }
        for p in [&path, &bare_path, &link_path, &other_path] {
            std::fs::remove_file(p).unwrap();
        }
        std::fs::remove_dir(std::path::Path::new("/dev/shm").join(&dir)).unwrap();
    }

    /// Caption layers go only after the ring is mapped, into a file of whole RGBA frames, at a
    /// slot's start, and no more than a frame's bytes.
    #[test]
    fn caption_layers_go_into_their_own_file() {
        let me = std::process::id();
        let (ring_name, layers_name) = (format!("bazaar-frames-lr-{me}"), format!("bazaar-frames-lr-{me}-layers"));
        let ring_path = shm(&ring_name, FOUR);
        let layers_path = shm(&layers_name, FRAME_RING_HEADER_BYTES + 2 * 1024);
        let mut ring = Ring::default();
        assert!(!ring.open_layers(&layers_name, FRAME_RING_HEADER_BYTES + 2 * 1024), "before the ring");
        assert!(ring.open(&ring_name, FOUR, RGBA_32));
        assert!(!ring.open_layers(&layers_name, FRAME_RING_HEADER_BYTES + 1024 + 4), "not whole frames");
        assert!(ring.open_layers(&layers_name, FRAME_RING_HEADER_BYTES + 2 * 1024));
        assert!(ring.put_layer(&[7u8; 40], 1));
        assert!(!ring.put_layer(&[7u8; 1028], 0), "more than a frame");
        assert!(!ring.put_layer(&[7u8; 4], 2), "past the last slot");
        let file = &std::fs::read(&layers_path).unwrap()[FRAME_RING_HEADER_BYTES..];
        assert!(file[1024..1064].iter().all(|&b| b == 7));
        assert_eq!(file.iter().filter(|&&b| b == 7).count(), 40);
        std::fs::remove_file(ring_path).unwrap();
        std::fs::remove_file(layers_path).unwrap();
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
        assert_eq!(Frame::new(1920, 1080, "i420-bt709").map(Frame::bytes), Some(1920 * 1080 * 3 / 2));
        assert_eq!(Frame::new(2, 2, "i420-bt601").map(|f| f.format), Some(Format::I420(YuvMatrix::Bt601)));
        assert_eq!(Frame::new(3, 2, "rgba").map(Frame::bytes), Some(24));
        let named = [(0, 2, "rgba"), (2, 0, "i420-bt709"), (MAX_SIDE + 1, 2, "rgba"), (2, 2, "nv12"), (2, 2, "")];
        for (w, h, f) in named.into_iter().chain([(2, 2, "i420"), (2, 2, "i420-bt2020"), (2, 2, "rgba-bt709")]) {
            assert!(Frame::new(w, h, f).is_none(), "{w}×{h} {f:?}");
        }
        let me = std::process::id();
        let name = format!("bazaar-frames-frames-{me}");
        let path = shm(&name, FOUR);
        assert!(opens(&name, FOUR), "four frames of 32×8 RGBA");
        let mut ring = Ring::default();
        let odd = Frame { width: 30, height: 8, format: Format::Rgba, matte: None };
        assert!(!ring.open(&name, FOUR, odd), "not a whole number of frames");
        // Mapped: this process's id is in the header; a band goes into its slot of the file,
        // and nowhere else.
        assert!(ring.open(&name, FOUR, RGBA_32));
        let file = std::fs::read(&path).unwrap();
        let pid = &file[FRAME_RING_PID_AT..FRAME_RING_PID_AT + 4];
        assert_eq!(u32::from_ne_bytes(pid.try_into().unwrap()), std::process::id());
        assert!(ring.put(&[5u8; 32 * 4 * 2], 2, 6), "two rows at the end of slot 2");
        assert!(!ring.put(&[5u8; 32 * 4], 4, 0), "a slot past the ring");
        let file = &std::fs::read(&path).unwrap()[FRAME_RING_HEADER_BYTES..];
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

        let frame = Frame { width: 32, height: 6, format: Format::I420(YuvMatrix::Bt601), matte: None };
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

    /// A canvas read in place (BGRA, its first and last pixels under the page's stamps) makes the
    /// same I420 frame as its RGBA read by bands; only an I420 ring without a matte takes it.
    #[test]
    fn a_canvas_read_in_place_is_the_frame_read_by_bands() {
        let (w, h) = (32usize, 6usize);
        let (rgba, canvas, under) = crate::canvas::tests::stamped_canvas(w, h);
        let frame = Frame { width: w as u32, height: h as u32, format: Format::I420(YuvMatrix::Bt709), matte: None };
        let bytes = FRAME_RING_HEADER_BYTES + 2 * frame.bytes();
        let me = std::process::id();
        let name = format!("bazaar-frames-canvas-{me}");
        let path = shm(&name, bytes);
        let mut ring = Ring::default();
        assert!(ring.open(&name, bytes, frame));
        assert_eq!(ring.canvas_size(), Some((w, h)));
        assert!(ring.put(&rgba, 0, 0), "by bands into slot 0");
        assert!(ring.put_canvas(&canvas, Channels::BGRA, &under, 1), "in place into slot 1");
        assert!(!ring.put_canvas(&canvas[..w * 4 * (h - 1)], Channels::BGRA, &under, 1), "a canvas of another size");
        assert!(!ring.put_canvas(&canvas, Channels::BGRA, &under, 2), "a slot past the ring");
        let file = &std::fs::read(&path).unwrap()[FRAME_RING_HEADER_BYTES..];
        assert_eq!(file[..frame.bytes()], file[frame.bytes()..]);
        std::fs::remove_file(&path).unwrap();

        let mut rgba_ring = Ring::default();
        let name = format!("bazaar-frames-canvas-rgba-{me}");
        let path = shm(&name, FOUR);
        assert!(rgba_ring.open(&name, FOUR, RGBA_32));
        assert_eq!(rgba_ring.canvas_size(), None, "an RGBA ring keeps alpha: read by getImageData");
        assert!(!rgba_ring.put_canvas(&[0u8; 32 * 8 * 4], Channels::BGRA, &[0u8; 8], 0));
        std::fs::remove_file(&path).unwrap();
    }

    /// A ring over a matte flattens each band before it goes in: half-transparent white over
    /// #204060 lands half-way, opaque pixels as they were; the page's pixels are left alone.
    #[test]
    fn bands_are_flattened_over_the_matte_when_asked() {
        assert_eq!(Frame::over(4, 2, "rgba", "#204060").map(|f| f.matte), Some(Some([0x20, 0x40, 0x60])));
        for bad in ["204060", "#20406", "#2040zz", ""] {
            assert!(Frame::over(4, 2, "rgba", bad).is_none(), "{bad:?}");
        }
        let me = std::process::id();
        let name = format!("bazaar-frames-matte-{me}");
        let path = shm(&name, FOUR);
        let mut ring = Ring::default();
        assert!(ring.open(&name, FOUR, Frame { matte: Some([0x20, 0x40, 0x60]), ..RGBA_32 }));
        let band: Vec<u8> = [[255, 255, 255, 128], [1, 2, 3, 255]].repeat(16).concat();
        assert!(ring.put(&band, 0, 0));
        assert_eq!(band[..4], [255, 255, 255, 128], "the page's pixels are only read");
        let file = &std::fs::read(&path).unwrap()[FRAME_RING_HEADER_BYTES..];
        assert_eq!(file[..8], [144, 160, 176, 255, 1, 2, 3, 255]);
        std::fs::remove_file(path).unwrap();
    }
}
