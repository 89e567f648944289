//! What a finished render reports: the one decision between "wrote the file" and "failed" or
//! "cancelled", taken after every thread of the render has ended.

use super::stats::RenderStats;
use super::RenderError;
use std::path::PathBuf;

/// What a render reports, decided once the encoder's thread has ended. The file's rename is
/// the one step that cannot be taken back, so it decides: a cancel (or any failure) that
/// arrives after the encoder committed the file is too late, and the render reports the file
/// it wrote; before that, a cancel is reported as a cancel, whatever error it caused on the way
/// out. (Reporting "cancelled: no file was written" beside a complete file was issue 35's #16.)
pub(super) fn what_happened(
    watched: Result<(PathBuf, RenderStats), RenderError>,
    committed: Option<PathBuf>,
    cancelled: bool,
    total: u64,
) -> Result<(PathBuf, RenderStats), RenderError> {
    match (watched, committed) {
        (Ok((path, stats)), _) => Ok((path, stats.with_per_frame_cpu())),
        (Err(_), Some(path)) => Ok((path, RenderStats { frames: total, ..RenderStats::default() })),
        (Err(_), None) if cancelled => Err(RenderError::Cancelled),
        (Err(e), None) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_committed_before_the_cancel_was_seen_is_reported_written() {
        let file = PathBuf::from("/tmp/out.mp4");
        let reported = what_happened(Err(RenderError::Cancelled), Some(file.clone()), true, 4);
        assert_eq!(reported.map(|(p, s)| (p, s.frames)).ok(), Some((file.clone(), 4)));
        let failed_late = what_happened(Err(RenderError::Webview("x".into())), Some(file.clone()), false, 4);
        assert_eq!(failed_late.map(|(p, _)| p).ok(), Some(file));
    }

    #[test]
    fn a_cancel_before_the_commit_is_a_cancel_whatever_error_it_caused() {
        let torn_down = what_happened(Err(RenderError::Webview("the render stopped".into())), None, true, 4);
        assert!(torn_down.is_err_and(|e| e.is_cancelled()));
        let failed = what_happened(Err(RenderError::Webview("boom".into())), None, false, 4);
        assert!(failed.is_err_and(|e| !e.is_cancelled()));
    }
}
