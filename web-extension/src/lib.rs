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
//!   must exist, be a regular file of exactly `bytes` bytes, a header and a whole number of
//!   `format` (`"i420-bt709"`, `"i420-bt601"`: I420 in that matrix; or `"rgba"`) frames of `width`×`height`, and be named
//!   `bazaar-frames-…` (letters, digits, `-`): the app creates it for the job. The extension
//!   then writes its process's id into the header: the app watches (and, when the render
//!   fails, ends) that process. True when mapped. With a sixth argument, a colour `#rrggbb`,
//!   every band is laid over it first (a transparent project going to a format without alpha).
//! - `__bazaarFrameRing(pixels, slot, row)`: puts a `Uint8Array` or `Uint8ClampedArray` of
//!   whole RGBA rows, the frame's rows from `row` on, into frame `slot` of the ring, if they
//!   fit (for I420, a band starts on an even row and ends on one or at the frame's end). True
//!   when done.
//!
//! - `__bazaarFrameRing(array, "random")`: fills a `Uint8Array` (at most 32 pixels) with random
//!   opaque RGBA pixels for the page to put on its canvas, and keeps them (`canvas.rs`).
//! - `__bazaarFrameRing("find")`: once an I420 ring without a matte is mapped, looks for the
//!   page's canvas (of the ring's size) in this process by the 32 random pixels last given, which
//!   the page has put at the start of its first row and the end of its last. True when found.
//! - `__bazaarFrameRing(under, slot, "canvas")`: converts the found canvas, where WebKit keeps
//!   it, into frame `slot` of the ring, if the two random pixels last given are on its first
//!   and last pixels (`under`: 8 bytes of RGBA, the pixels they cover). True when done; false
//!   when the canvas moved or holds pixels that are not opaque (the page then reads that frame
//!   by bands).
//! - `__bazaarFrameRing("found")`: whether the canvas is still found (false once it moved).
//! - `__bazaarFrameRing(name, bytes, "layers")`: once the ring is mapped, maps the job's caption
//!   layers' file (`bazaar-frames-…`, a header and whole frames of RGBA at the ring's size), where
//!   the page puts burned captions drawn alone for the app to lay over the clip frames it makes.
//! - `__bazaarFrameRing(pixels, slot, "layer")`: puts a typed array of RGBA (a caption's
//!   rectangle, rows packed; at most a frame's) at the start of layer slot `slot`. True when done.
//!
//! The render page takes the function and deletes the global before any composition is
//! loaded, so compositions never see it; each page (window object) has a ring of its own.

mod canvas;
mod ring;
mod thread_clock;

use canvas::{CanvasPixels, MARK_PIXELS};
use ring::{Frame, Ring};
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
    let page = Box::into_raw(Box::new(Page::default()));
    let function = jsc_value_new_function_variadic(
        context,
        GLOBAL_NAME.as_ptr(),
        call as *const c_void,
        page.cast(),
        drop_page as *const c_void,
        G_TYPE_BOOLEAN,
    );
    let global = jsc_context_get_global_object(context);
    jsc_value_object_set_property(global, GLOBAL_NAME.as_ptr(), function);
    thread_clock::install(context, global);
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

/// What one render page has mapped and found.
#[derive(Default)]
struct Page {
    ring: Ring,
    /// The frame canvas's pixels, once found (`canvas.rs`).
    canvas: Option<CanvasPixels>,
    /// The random pixels last given to the page (marks or stamps).
    issued: Vec<u8>,
}

unsafe extern "C" fn drop_page(page: *mut c_void) {
    drop(Box::from_raw(page.cast::<Page>()));
}

/// The function's body (see the module's comment); false for anything else it is given.
unsafe extern "C" fn call(args: *mut GPtrArray, page: *mut c_void) -> c_int {
    let Page { ring, canvas, issued } = &mut *page.cast::<Page>();
    let args = if args.is_null() || (*args).pdata.is_null() {
        &[][..]
    } else {
        std::slice::from_raw_parts((*args).pdata, (*args).len as usize)
    };
    let done = match *args {
        [name, bytes, width, height, format] if !ring.is_mapped() => {
            match (string(name), number(bytes), number(width), number(height), string(format)) {
                (Some(name), Some(bytes), Some(w), Some(h), Some(format)) => {
                    Frame::new(w, h, &format).is_some_and(|frame| ring.open(&name, bytes, frame))
                }
                _ => false,
            }
        }
        [name, bytes, width, height, format, matte] if !ring.is_mapped() => {
            match (string(name), number(bytes), number(width), number(height), string(format), string(matte)) {
                (Some(name), Some(bytes), Some(w), Some(h), Some(format), Some(matte)) => {
                    Frame::over(w, h, &format, &matte).is_some_and(|frame| ring.open(&name, bytes, frame))
                }
                _ => false,
            }
        }
        [name, bytes, kind] if string(kind).as_deref() == Some("layers") => match (string(name), number(bytes)) {
            (Some(name), Some(bytes)) => ring.open_layers(&name, bytes),
            _ => false,
        },
        [pixels, slot, kind] if string(kind).as_deref() == Some("layer") => match (typed_bytes(pixels), number(slot)) {
            (Some(pixels), Some(slot)) => ring.put_layer(pixels, slot),
            _ => false,
        },
        [out, kind] if string(kind).as_deref() == Some("random") => {
            // Random opaque pixels for the page to put on its canvas (`canvas.rs`).
            match (typed_bytes_mut(out), canvas::random_pixels(typed_len(out))) {
                (Some(out), Some(random)) if out.len() <= 2 * MARK_PIXELS * 4 => {
                    out.copy_from_slice(&random);
                    *issued = random;
                    true
                }
                _ => false,
            }
        }
        [kind] if string(kind).as_deref() == Some("find") => {
            *canvas = match ring.canvas_size() {
                Some((w, h)) if issued.len() == 2 * MARK_PIXELS * 4 => CanvasPixels::find(w, h, issued),
                _ => None,
            };
            canvas.is_some()
        }
        [under, slot, kind] if string(kind).as_deref() == Some("canvas") => {
            match (typed_bytes(under), number(slot), canvas.as_ref()) {
                (Some(under), Some(slot), Some(c)) if c.stamped(issued) => {
                    // SAFETY: stamped (and mapped) just now, on the page's thread, in this call.
                    ring.put_canvas(c.pixels(), c.channels(), under, slot)
                }
                (_, _, Some(_)) => {
                    // Moved: looked for again before the next frame is read in place.
                    *canvas = None;
                    false
                }
                _ => false,
            }
        }
        [kind] if string(kind).as_deref() == Some("found") => canvas.is_some(),
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

/// Puts a typed array of whole RGBA rows, the frame's from `row` on, into frame `slot`.
unsafe fn put(ring: &mut Ring, array: *mut Opaque, slot: usize, row: usize) -> bool {
    typed_bytes(array).is_some_and(|pixels| ring.put(pixels, slot, row))
}

/// A typed array's length in bytes (0 for anything else).
unsafe fn typed_len(array: *mut Opaque) -> usize {
    typed_bytes(array).map_or(0, <[u8]>::len)
}

/// As [`typed_bytes`], to write into.
unsafe fn typed_bytes_mut<'a>(array: *mut Opaque) -> Option<&'a mut [u8]> {
    let (data, count) = typed_data(array)?;
    // SAFETY: the page's own array, only written while the page's thread is in this call.
    Some(std::slice::from_raw_parts_mut(data, count))
}

/// The bytes of a non-empty `Uint8Array` or `Uint8ClampedArray`, valid while the page's thread
/// is in this call.
unsafe fn typed_bytes<'a>(array: *mut Opaque) -> Option<&'a [u8]> {
    let (data, count) = typed_data(array)?;
    // SAFETY: the page's array, read while the page's thread is in this call.
    Some(std::slice::from_raw_parts(data, count))
}

/// Where a non-empty `Uint8Array` or `Uint8ClampedArray` keeps its bytes, and how many.
unsafe fn typed_data(array: *mut Opaque) -> Option<(*mut u8, usize)> {
    if jsc_value_is_typed_array(array) == 0 {
        return None;
    }
    let kind = jsc_value_typed_array_get_type(array);
    if kind != JSC_TYPED_ARRAY_UINT8 && kind != JSC_TYPED_ARRAY_UINT8_CLAMPED {
        return None;
    }
    let mut count = 0usize;
    let data = jsc_value_typed_array_get_data(array, &mut count);
    (!data.is_null() && count > 0).then_some((data.cast::<u8>(), count))
}
