//! Loads the system's GL driver on a background thread while a command-line render starts.
//!
//! Why: the first WebKit view in a process makes the app's GTK main thread set up EGL, and on
//! Mesa that means loading the DRI driver and LLVM (tens of MB of relocations) and starting the
//! driver (≈55 ms of the main thread in `perf` under Xvfb), all of it before WebKit starts the
//! web process that draws the frames. In the window the main view has done this long before an
//! export; a `render` from the command line has no such view, so it does the same loading here,
//! on a spare core, while GTK and the app start. When WebKit then initialises its own display
//! the driver is already mapped and linked: the first frame comes sooner (BENCHMARKS.md, "End-to-end render", "2026-11-25, evening", item 1).
//!
//! Best effort: without libEGL, or if the driver refuses the display, nothing happens and WebKit
//! does the work itself as before. The display is never terminated: that would unload the
//! driver again, which is what this is for (it lives as long as the render, a few MB).

use std::ffi::{c_void, CStr};

/// `EGL_PLATFORM_SURFACELESS_MESA`: a display that needs no window system, so this thread never
/// touches the X connection GTK is opening at the same time.
const EGL_PLATFORM_SURFACELESS_MESA: u32 = 0x31DD;

type GetPlatformDisplay = unsafe extern "C" fn(u32, *mut c_void, *const isize) -> *mut c_void;
type Initialize = unsafe extern "C" fn(*mut c_void, *mut i32, *mut i32) -> u32;

/// Starts the loading on a thread of its own. Call it after `DISPLAY` is settled (setting an
/// environment variable while another thread reads the environment is undefined behaviour).
pub fn start(config: &crate::config::Config) {
    if !config.render.speed_tricks {
        return;
    }
    let _ = std::thread::Builder::new().name("bazaar-gl-warmup".into()).spawn(|| {
        // SAFETY: dlopen/dlsym take valid C strings; the two symbols are EGL 1.5 entry points
        // whose C signatures the types above match; the display handle is only passed back to
        // EGL, and a null result (no library, symbol or display) ends the attempt.
        unsafe {
            let lib = libc::dlopen(c"libEGL.so.1".as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL);
            if lib.is_null() {
                return;
            }
            let symbol = |name: &CStr| libc::dlsym(lib, name.as_ptr());
            let (get_display, initialize) = (symbol(c"eglGetPlatformDisplay"), symbol(c"eglInitialize"));
            if get_display.is_null() || initialize.is_null() {
                return;
            }
            let get_display: GetPlatformDisplay = std::mem::transmute(get_display);
            let initialize: Initialize = std::mem::transmute(initialize);
            let display = get_display(EGL_PLATFORM_SURFACELESS_MESA, std::ptr::null_mut(), std::ptr::null());
            if !display.is_null() {
                let (mut major, mut minor) = (0, 0);
                initialize(display, &mut major, &mut minor);
            }
        }
    });
}
