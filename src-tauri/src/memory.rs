//! Process-wide memory settings, made once at start-up before any thread or child exists.

/// Turns transparent huge pages off for this process and the WebKit and Xvfb processes it
/// starts (the setting is inherited across fork and exec).
///
/// Why: x264 asks for huge pages on every large buffer, and a render keeps many frame-sized
/// buffers coming and going (x264's pictures, the page's pixels, IPC bodies). A huge page is
/// zeroed whole (2 MB) on first touch, even when a frame only needs part of it, and that zeroing
/// lands on the threads that render and encode: ≈0.3 s of CPU in the first second of a 1080p
/// render alone. With 4 KB pages only what is touched is cleared. Measured on the render
/// benchmark (BENCHMARKS.md): end to end +2 %, the encoder alone (`gst-launch-1.0`) +1 to +4 %.
pub fn prefer_small_pages() {
    // SAFETY: prctl with PR_SET_THP_DISABLE takes plain integers and touches no memory of ours;
    // it fails (harmlessly) on kernels without it.
    let _ = unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) };
}
