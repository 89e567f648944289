//! `__bazaarThreadCpuMs()`: the CPU time the calling thread has used, in milliseconds. The render
//! page calls it on its own thread around the composition's drawing, so `render --stats` can
//! tell the drawing apart from the rest of the page's work (reading back, converting, IPC):
//! `performance.now()` is wall time, which on two cores shared with x264 also counts the time
//! the page's thread waited for a core. Given to render pages only, next to the frame ring's
//! function, and taken and deleted by the page before any composition is loaded.

use super::{g_object_unref, jsc_value_new_function_variadic, jsc_value_object_set_property, GPtrArray, GType, Opaque};
use std::ffi::{c_void, CStr};
use std::ptr;

const NAME: &CStr = c"__bazaarThreadCpuMs";
/// `G_TYPE_DOUBLE` (a fundamental type: 15 << 2).
const G_TYPE_DOUBLE: GType = 60;

/// Puts the function on the page's global object.
///
/// # Safety
/// `context` and `global` are the render page's live JS context and its global object.
pub(crate) unsafe fn install(context: *mut Opaque, global: *mut Opaque) {
    let function = jsc_value_new_function_variadic(
        context,
        NAME.as_ptr(),
        now as *const c_void,
        ptr::null_mut(),
        ptr::null(),
        G_TYPE_DOUBLE,
    );
    jsc_value_object_set_property(global, NAME.as_ptr(), function);
    g_object_unref(function.cast());
}

/// The function's body: arguments are ignored; 0 if the clock cannot be read (it always can on
/// Linux), which shows as no drawing rather than a wrong figure.
unsafe extern "C" fn now(_args: *mut GPtrArray, _data: *mut c_void) -> f64 {
    let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `t` is ours and valid for the call.
    if libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) != 0 {
        return 0.0;
    }
    t.tv_sec as f64 * 1e3 + t.tv_nsec as f64 / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_counts_this_threads_cpu_only() {
        // SAFETY: the callback ignores its arguments.
        let before = unsafe { now(ptr::null_mut(), ptr::null_mut()) };
        std::thread::sleep(std::time::Duration::from_millis(30)); // asleep: no CPU
        let slept = unsafe { now(ptr::null_mut(), ptr::null_mut()) };
        let mut x = 0u64;
        let start = std::time::Instant::now();
        while start.elapsed() < std::time::Duration::from_millis(60) {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(1));
        }
        let busy = unsafe { now(ptr::null_mut(), ptr::null_mut()) };
        assert!(before > 0.0 && slept - before < 20.0, "{before} {slept}");
        assert!(busy > slept, "{slept} {busy}");
    }
}
