//! How an encoder session ends, shared by the three (the GStreamer pipeline, the transparent
//! WebM's own writer, the image sequence): every frame must have been given, a bus watcher's
//! word is read the same way, and the file is committed between the `Finalizing` and `Done`
//! progress reports.

use super::settings::{Progress, ProgressFn};
use super::sinks::Outcome;
use super::EncodeError;
use crate::cancel::CancelToken;
use crate::stage::Stage;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

/// Refuses to finish a file that was not given every frame.
pub(super) fn all_frames_given(given: u64, total: u64) -> Result<(), EncodeError> {
    if given == total {
        Ok(())
    } else {
        Err(EncodeError::Settings(format!("only {given} of {total} frames were given")))
    }
}

/// What a bus watcher says within `wait` while the file finishes (`None`: nothing yet). A
/// failure reported after a cancel is the cancel (a stopped pipeline reports the stream it
/// lost); otherwise the sound's own failure explains it best when there is one. A watcher that
/// hung up without a word is `lost()`.
pub(super) fn heard(
    outcomes: &Receiver<Outcome>,
    wait: Duration,
    cancel: &CancelToken,
    audio_failure: impl Fn() -> Option<EncodeError>,
    lost: impl FnOnce() -> EncodeError,
) -> Result<Option<Outcome>, EncodeError> {
    if cancel.is_cancelled() {
        return Err(EncodeError::Cancelled);
    }
    match outcomes.recv_timeout(wait) {
        Ok(Outcome::Failed(_)) if cancel.is_cancelled() => Err(EncodeError::Cancelled),
        Ok(Outcome::Failed(e)) => Err(audio_failure().unwrap_or(e)),
        Ok(outcome) => Ok(Some(outcome)),
        Err(RecvTimeoutError::Timeout) => Ok(None),
        Err(RecvTimeoutError::Disconnected) => Err(lost()),
    }
}

/// Runs `commit` (the last steps on the finished file and its rename into place) between the
/// `Finalizing` and `Done` reports; a cancel before it leaves the file uncommitted.
pub(super) fn commit_reporting(
    progress: &ProgressFn,
    total: u64,
    cancel: &CancelToken,
    commit: impl FnOnce() -> Result<PathBuf, EncodeError>,
) -> Result<PathBuf, EncodeError> {
    progress(Progress { stage: Stage::Finalizing, frames_done: total, total_frames: total });
    if cancel.is_cancelled() {
        return Err(EncodeError::Cancelled);
    }
    let path = commit()?;
    progress(Progress { stage: Stage::Done, frames_done: total, total_frames: total });
    Ok(path)
}
