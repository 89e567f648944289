//! Where a job is, in one vocabulary: the encoder reports into it (rendering, finalizing,
//! done), the renderer adds preparing, and the export queue adds queued. A job's *status*
//! (`jobs::JobStatus`: pending, completed, failed…) is a different question: how it ended, or
//! whether it runs.

use serde::Serialize;

/// Finer than a job's status while it runs, for the progress bar's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// Waiting behind another export.
    Queued,
    /// Loading modules and assets; no frame yet.
    Preparing,
    /// Frames are going in; progress counts frames the encoder has finished.
    Rendering,
    /// All frames encoded; the muxer is writing the index and the file is being closed.
    Finalizing,
    /// The file is in place.
    Done,
}
