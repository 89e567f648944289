//! Transparent huge pages off for the encoding process.

/// Turns transparent huge pages off for this process and the processes it starts (the setting
/// is inherited across fork and exec). The app does it at start (with its other speed tricks,
/// `src-tauri/src/speed`), and so does `encode-bench`'s run of the app's encoder, so that run
/// measures the encoder as the app runs it.
///
/// Why: x264 asks for huge pages on every large buffer, and a render keeps many frame-sized
/// buffers coming and going (x264's pictures, the page's pixels, IPC bodies). A huge page is
/// zeroed whole (2 MB) on first touch, even when a frame only needs part of it, and that zeroing
/// lands on the threads that render and encode. With 4 KB pages only what is touched is cleared
/// (measured: BENCHMARKS.md, "2026-11-25, afternoon" and "2026-12-02, evening").
pub fn prefer_small_pages() {
    // SAFETY: prctl with PR_SET_THP_DISABLE takes plain integers and touches no memory of ours;
    // it fails (harmlessly) on kernels without it.
    let _ = unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) };
}
