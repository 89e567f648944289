//! The render page's frame ring, on the web process's side: a WebKitGTK web-process extension
//! that gives the render page (and nothing else) one function, `__bazaarFrameRing`, which
//! copies a canvas band's pixels (the `Uint8ClampedArray` of `getImageData`) straight into a
//! shared-memory ring the app maps. The pixels then never cross WebKit's IPC (which copies a
//! request body into a fresh `memfd` on one side and out of it on the other) and the page does
//! no conversion: the app converts with AVX2 (`bazaar_core::encode::convert`). Measured in
//! BENCHMARKS.md ("End-to-end render").
//!
//! What the page can do with it, and nothing more:
//! - `__bazaarFrameRing(name, bytes)`: maps `/dev/shm/<name>`, which must exist, be a regular
//!   file of exactly `bytes` bytes, and be named `bazaar-frames-…` (letters, digits, `-`): the
//!   app creates it for the job. True when mapped.
//! - `__bazaarFrameRing(pixels, offset)`: copies a `Uint8Array` or `Uint8ClampedArray` into the
//!   ring at `offset`, if it fits. True when copied.
//!
//! The render page takes the function and deletes the global before any composition is
//! loaded, so compositions never see it; each page (window object) has a ring of its own.

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
    map: Option<(*mut u8, usize)>,
}

impl Drop for Ring {
    fn drop(&mut self) {
        if let Some((at, len)) = self.map.take() {
            // SAFETY: the mapping this ring made, unmapped once.
            unsafe { libc::munmap(at.cast(), len) };
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
    let [first, second] = args else { return 0 };
    if jsc_value_is_number(*second) == 0 {
        return 0;
    }
    let number = jsc_value_to_double(*second);
    if !(number >= 0.0 && number <= (1u64 << 40) as f64 && number.fract() == 0.0) {
        return 0;
    }
    let number = number as usize;
    let done = if jsc_value_is_string(*first) != 0 {
        let name = jsc_value_to_string(*first);
        let mapped = ring.map.is_none() && open(ring, CStr::from_ptr(name), number);
        g_free(name.cast());
        mapped
    } else if jsc_value_is_typed_array(*first) != 0 {
        put(ring, *first, number)
    } else {
        false
    };
    c_int::from(done)
}

/// Maps `/dev/shm/<name>` (see the module's comment).
fn open(ring: &mut Ring, name: &CStr, bytes: usize) -> bool {
    let Ok(name) = name.to_str() else { return false };
    let plain = name.strip_prefix("bazaar-frames-").is_some_and(|rest| {
        !rest.is_empty() && rest.len() < 200 && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    });
    if !plain || bytes == 0 {
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
        ring.map = Some((at.cast(), bytes));
    }
    true
}

/// Whether `count` bytes at `offset` are inside a ring of `len` bytes.
fn fits(offset: usize, count: usize, len: usize) -> bool {
    offset.checked_add(count).is_some_and(|end| end <= len)
}

/// Copies a byte array into the ring at `offset`, if it fits.
unsafe fn put(ring: &mut Ring, array: *mut Opaque, offset: usize) -> bool {
    let Some((at, len)) = ring.map else { return false };
    let kind = jsc_value_typed_array_get_type(array);
    if kind != JSC_TYPED_ARRAY_UINT8 && kind != JSC_TYPED_ARRAY_UINT8_CLAMPED {
        return false;
    }
    let mut count = 0usize;
    let data = jsc_value_typed_array_get_data(array, &mut count);
    if data.is_null() || !fits(offset, count, len) {
        return false;
    }
    ptr::copy_nonoverlapping(data.cast::<u8>(), at.add(offset), count);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shm(name: &str, bytes: usize) -> std::path::PathBuf {
        let path = std::path::Path::new("/dev/shm").join(name);
        std::fs::write(&path, vec![0u8; bytes]).unwrap();
        path
    }

    fn opens(name: &str, bytes: usize) -> bool {
        let name = std::ffi::CString::new(name).unwrap();
        let mut ring = Ring::default();
        open(&mut ring, &name, bytes) && ring.map.is_some()
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

    #[test]
    fn a_band_is_copied_only_inside_the_ring() {
        assert!(fits(0, 100, 100));
        assert!(fits(40, 60, 100));
        assert!(!fits(41, 60, 100));
        assert!(!fits(usize::MAX, 2, 100), "an offset that wraps around");
    }
}
