//! What every encoder session shares: its buffers' times, taken from the frame index (never
//! the wall clock), and its named threads.

use super::EncodeError;
use gstreamer as gst;
use std::thread::JoinHandle;

/// Frame `index`'s presentation time at `fps`.
pub(crate) fn frame_time(index: u64, fps: u32) -> gst::ClockTime {
    gst::ClockTime::from_nseconds((u128::from(index) * 1_000_000_000 / u128::from(fps)) as u64)
}

/// Starts a named thread of an encoder session.
pub(crate) fn spawn(name: &str, f: impl FnOnce() + Send + 'static) -> Result<JoinHandle<()>, EncodeError> {
    std::thread::Builder::new()
        .name(name.into())
        .spawn(f)
        .map_err(|e| EncodeError::Init(format!("cannot start a thread: {e}")))
}
