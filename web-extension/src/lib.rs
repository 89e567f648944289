//! The render page's frame ring, on the web process's side: a WebKitGTK web-process extension
//! that gives the render page (and nothing else) one function, `__bazaarFrameRing`, which puts
//! a canvas band's pixels (the `Uint8ClampedArray` of `getImageData`) straight into a
//! shared-memory ring the app maps, converted to I420 on the way for the video formats. The
//! pixels then never cross WebKit's IPC (which copies a request body into a fresh `memfd` on
//! one side and out of it on the other); the band is converted while it is still in the cache,
//! and the app only copies a finished frame. Measured in BENCHMARKS.md ("End-to-end render").
//!
//! What the page can do with it, and nothing more:
//! - `__bazaarFrameRing(name, bytes, width, height, format)`: maps `/dev/shm/<name>`, which
//!   must exist, be a regular file of exactly `bytes` bytes, a whole number of `format`
//!   (`"i420"` or `"rgba"`) frames of `width`×`height`, and be named `bazaar-frames-…`
//!   (letters, digits, `-`): the app creates it for the job. True when mapped.
//! - `__bazaarFrameRing(pixels, slot, row)`: puts a `Uint8Array` or `Uint8ClampedArray` of
//!   whole RGBA rows, the frame's rows from `row` on, into frame `slot` of the ring, if they
//!   fit (for I420, a band starts on an even row and ends on one or at the frame's end). True
//!   when done.
//!
//! The render page takes the function and deletes the global before any composition is
//! loaded, so compositions never see it; each page (window object) has a ring of its own.

use bazaar_pixels::{i420_rows_into, Channels, I420Layout, Rows, YuvMatrix, FRAME_RING_PREFIX};
use std::ffi::{c_char, c_int, c_uint, c_void, CStr};
use std::ptr;

#[repr(C)]
struct Opaque {
    _private: [u8; 0],
}

#[repr(C)]
struct GPtrArray {
    pdata: *mut *mut Opaque,
    len: c_uint,
}

type GType = usize;
/// `G_TYPE_BOOLEAN` (a fundamental type: 5 << 2).
const G_TYPE_BOOLEAN: GType = 20;
const JSC_TYPED_ARRAY_UINT8: c_int = 5;
const JSC_TYPED_ARRAY_UINT8_CLAMPED: c_int = 6;
const GLOBAL_NAME: &CStr = c"__bazaarFrameRing";
/// The render page's URL: `bazaar://<job>/job/<job>/render.html` (`src-tauri/src/render/urls.rs`).
const RENDER_SCHEME: &str = "bazaar://";
const RENDER_PAGE: &str = "/render.html";

#[link(name = "webkit2gtk-4.1")]
extern "C" {
    fn webkit_script_world_get_default() -> *mut Opaque;
    fn webkit_frame_is_main_frame(frame: *mut Opaque) -> c_int;
    fn webkit_frame_get_uri(frame: *mut Opaque) -> *const c_char;
    fn webkit_frame_get_js_context_for_script_world(frame: *mut Opaque, world: *mut Opaque) -> *mut Opaque;
}

#[link(name = "javascriptcoregtk-4.1")]
extern "C" {
    fn jsc_context_get_global_object(context: *mut Opaque) -> *mut Opaque;
    fn jsc_value_new_function_variadic(
        context: *mut Opaque,
        name: *const c_char,
        callback: *const c_void,
        user_data: *mut c_void,
        destroy_notify: *const c_void,
        return_type: GType,
    ) -> *mut Opaque;
    fn jsc_value_object_set_property(object: *mut Opaque, name: *const c_char, value: *mut Opaque);
    fn jsc_value_is_string(value: *mut Opaque) -> c_int;
    fn jsc_value_is_number(value: *mut Opaque) -> c_int;
    fn jsc_value_to_string(value: *mut Opaque) -> *mut c_char;
    fn jsc_value_to_double(value: *mut Opaque) -> f64;
    fn jsc_value_is_typed_array(value: *mut Opaque) -> c_int;
    fn jsc_value_typed_array_get_type(value: *mut Opaque) -> c_int;
    fn jsc_value_typed_array_get_data(value: *mut Opaque, length: *mut usize) -> *mut c_void;
}

#[link(name = "gobject-2.0")]
extern "C" {
    fn g_signal_connect_data(
        instance: *mut Opaque,
        signal: *const c_char,
        handler: *const c_void,
        data: *mut c_void,
        destroy: *const c_void,
        flags: c_int,
    ) -> std::ffi::c_ulong;
    fn g_object_unref(object: *mut c_void);
}

#[link(name = "glib-2.0")]
extern "C" {
    fn g_free(mem: *mut c_void);
}

/// WebKit calls this when it loads the extension into a web process.
///
/// # Safety
/// Called by WebKit with its extension object.
#[no_mangle]
pub unsafe extern "C" fn webkit_web_extension_initialize(_extension: *mut c_void) {
    let world = webkit_script_world_get_default();
    g_signal_connect_data(
        world,
        c"window-object-cleared".as_ptr(),
        window_object_cleared as *const c_void,
        ptr::null_mut(),
        ptr::null(),
        0,
    );
}

/// A new window object: on a render page's main frame, the function goes on it.
unsafe extern "C" fn window_object_cleared(
    world: *mut Opaque,
    _page: *mut Opaque,
    frame: *mut Opaque,
    _data: *mut c_void,
) {
    if webkit_frame_is_main_frame(frame) == 0 || !is_render_page(webkit_frame_get_uri(frame)) {
        return;
    }
    let context = webkit_frame_get_js_context_for_script_world(frame, world);
    if context.is_null() {
        return;
    }
    let ring = Box::into_raw(Box::new(Ring::default()));
    let function = jsc_value_new_function_variadic(
        context,
        GLOBAL_NAME.as_ptr(),
        call as *const c_void,
        ring.cast(),
        drop_ring as *const c_void,
        G_TYPE_BOOLEAN,
    );
    let global = jsc_context_get_global_object(context);
    jsc_value_object_set_property(global, GLOBAL_NAME.as_ptr(), function);
    g_object_unref(global.cast());
    g_object_unref(function.cast());
    g_object_unref(context.cast());
}

unsafe fn is_render_page(uri: *const c_char) -> bool {
    if uri.is_null() {
        return false;
    }
    let uri = CStr::from_ptr(uri).to_string_lossy();
    uri.starts_with(RENDER_SCHEME) && uri.ends_with(RENDER_PAGE)
}

/// One page's mapping of the ring.
#[derive(Default)]
struct Ring {
    map: Option<Mapping>,
}

struct Mapping {
    at: *mut u8,
    len: usize,
    frame: Frame,
}

/// The ring's frames: their size and how their pixels are laid out.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Frame {
    width: u32,
    height: u32,
    i420: bool,
}

impl Frame {
    /// The frame size and format the page names, if the app could have made such a ring.
    fn new(width: usize, height: usize, format: &str) -> Option<Frame> {
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

unsafe extern "C" fn drop_ring(ring: *mut c_void) {
    drop(Box::from_raw(ring.cast::<Ring>()));
}

/// The function's body (see the module's comment); false for anything else it is given.
unsafe extern "C" fn call(args: *mut GPtrArray, ring: *mut c_void) -> c_int {
    let ring = &mut *ring.cast::<Ring>();
    let args = if args.is_null() || (*args).pdata.is_null() {
        &[][..]
    } else {
        std::slice::from_raw_parts((*args).pdata, (*args).len as usize)
    };
    let done = match *args {
        [name, bytes, width, height, format] if ring.map.is_none() => {
            match (string(name), number(bytes), number(width), number(height), string(format)) {
                (Some(name), Some(bytes), Some(w), Some(h), Some(format)) => {
                    Frame::new(w, h, &format).is_some_and(|frame| open(ring, &name, bytes, frame))
                }
                _ => false,
            }
        }
        [pixels, slot, row] => match (number(slot), number(row)) {
            (Some(slot), Some(row)) => put(ring, pixels, slot, row),
            _ => false,
        },
        _ => false,
    };
    c_int::from(done)
}

/// A whole number from 0 to 2^40, or None.
unsafe fn number(value: *mut Opaque) -> Option<usize> {
    if jsc_value_is_number(value) == 0 {
        return None;
    }
    let n = jsc_value_to_double(value);
    (n >= 0.0 && n <= (1u64 << 40) as f64 && n.fract() == 0.0).then_some(n as usize)
}

unsafe fn string(value: *mut Opaque) -> Option<String> {
    if jsc_value_is_string(value) == 0 {
        return None;
    }
    let s = jsc_value_to_string(value);
    if s.is_null() {
        return None;
    }
    let out = CStr::from_ptr(s).to_str().ok().map(str::to_owned);
    g_free(s.cast());
    out
}

/// Maps `/dev/shm/<name>` (see the module's comment).
fn open(ring: &mut Ring, name: &str, bytes: usize, frame: Frame) -> bool {
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
        ring.map = Some(Mapping { at: at.cast(), len: bytes, frame });
    }
    true
}

/// Puts whole RGBA rows from `row` on into frame `slot` of the ring, if they fit.
unsafe fn put(ring: &mut Ring, array: *mut Opaque, slot: usize, row: usize) -> bool {
    let Some(m) = &ring.map else { return false };
    if jsc_value_is_typed_array(array) == 0 {
        return false;
    }
    let kind = jsc_value_typed_array_get_type(array);
    if kind != JSC_TYPED_ARRAY_UINT8 && kind != JSC_TYPED_ARRAY_UINT8_CLAMPED {
        return false;
    }
    let mut count = 0usize;
    let data = jsc_value_typed_array_get_data(array, &mut count);
    if data.is_null() || count == 0 {
        return false;
    }
    let frame_bytes = m.frame.bytes();
    let Some(at) = frame_at(slot, frame_bytes, m.len) else { return false };
    // SAFETY: the page's array, read while the page's thread is in this call, and a whole
    // frame of the mapping (inside it, checked above).
    let (pixels, out) = (
        std::slice::from_raw_parts(data.cast::<u8>(), count),
        std::slice::from_raw_parts_mut(m.at.add(at), frame_bytes),
    );
    band_into(m.frame, pixels, row, out)
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
        open(&mut ring, name, bytes, RGBA_32) && ring.map.is_some()
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
        assert!(!open(&mut ring, &name, 4 * 1024, odd), "not a whole number of frames");
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
