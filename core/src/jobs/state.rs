//! One export job and the only transitions it may make.

use crate::encode::{Format, Quality};
use crate::stage::Stage;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    /// Queued behind another export.
    Pending,
    /// Frames are being drawn and encoded (including preparing: modules and assets loading).
    Rendering,
    /// All frames encoded; the file is being finished (index, fsync, rename).
    Finalizing,
    Completed,
    Failed,
    Cancelled,
    /// Was running when the app stopped (crash, kill, power loss); found at the next start.
    Interrupted,
}

impl JobStatus {
    pub fn id(self) -> &'static str {
        match self {
            JobStatus::Pending => "pending",
            JobStatus::Rendering => "rendering",
            JobStatus::Finalizing => "finalizing",
            JobStatus::Completed => "completed",
            JobStatus::Failed => "failed",
            JobStatus::Cancelled => "cancelled",
            JobStatus::Interrupted => "interrupted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            JobStatus::Pending,
            JobStatus::Rendering,
            JobStatus::Finalizing,
            JobStatus::Completed,
            JobStatus::Failed,
            JobStatus::Cancelled,
            JobStatus::Interrupted,
        ]
        .into_iter()
        .find(|st| st.id() == s)
    }

    pub fn is_final(self) -> bool {
        matches!(self, JobStatus::Completed | JobStatus::Failed | JobStatus::Cancelled | JobStatus::Interrupted)
    }

    /// The transitions a job may make. Anything else is a bug, refused rather than recorded.
    pub fn can_become(self, next: JobStatus) -> bool {
        use JobStatus::*;
        matches!(
            (self, next),
            (Pending, Rendering | Cancelled | Failed | Interrupted)
                | (Rendering, Rendering | Finalizing | Completed | Failed | Cancelled | Interrupted)
                | (Finalizing, Finalizing | Completed | Failed | Cancelled | Interrupted)
        )
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Job {
    pub id: String,
    pub project_path: PathBuf,
    pub project_name: String,
    pub format: Format,
    pub quality: Quality,
    /// The format's options in words (`FormatOptions::describe`: "ProRes 4444, transparent");
    /// empty when it has none.
    pub options: String,
    pub output_path: PathBuf,
    pub status: JobStatus,
    pub stage: Stage,
    /// 0..1: frames the encoder has finished over all frames.
    pub progress: f64,
    pub frames_done: u64,
    pub total_frames: u64,
    /// Frames per second over the render so far.
    pub fps: f64,
    /// Seconds left at the current rate.
    pub eta_seconds: Option<f64>,
    /// `{ kind, message }` for a failed job.
    pub error: Option<JobError>,
    /// Unix milliseconds.
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobError {
    pub kind: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("an export cannot go from {from} to {to}")]
pub struct BadTransition {
    pub from: &'static str,
    pub to: &'static str,
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

impl Job {
    pub fn new(
        project_path: PathBuf,
        project_name: String,
        format: Format,
        quality: Quality,
        output_path: PathBuf,
    ) -> Self {
        Self {
            id: uuid::Uuid::new_v4().simple().to_string(),
            project_path,
            project_name,
            format,
            quality,
            options: String::new(),
            output_path,
            status: JobStatus::Pending,
            stage: Stage::Queued,
            progress: 0.0,
            frames_done: 0,
            total_frames: 0,
            fps: 0.0,
            eta_seconds: None,
            error: None,
            created_at: now_ms(),
            started_at: None,
            finished_at: None,
        }
    }

    /// Moves to `next` if allowed, stamping start and finish times.
    pub fn set_status(&mut self, next: JobStatus) -> Result<(), BadTransition> {
        if !self.status.can_become(next) {
            return Err(BadTransition { from: self.status.id(), to: next.id() });
        }
        if next == JobStatus::Rendering && self.started_at.is_none() {
            self.started_at = Some(now_ms());
        }
        if next.is_final() {
            self.finished_at = Some(now_ms());
            self.eta_seconds = None;
            self.stage = if next == JobStatus::Completed { Stage::Done } else { self.stage };
            if next == JobStatus::Completed {
                self.progress = 1.0;
                self.frames_done = self.total_frames;
            }
        }
        self.status = next;
        Ok(())
    }

    /// Records progress (frames the encoder finished); never moves backwards.
    pub fn record_progress(&mut self, stage: Stage, frames_done: u64, total_frames: u64) {
        self.stage = stage;
        self.total_frames = total_frames;
        self.frames_done = self.frames_done.max(frames_done.min(total_frames));
        self.progress = if total_frames > 0 { self.frames_done as f64 / total_frames as f64 } else { 0.0 };
        if let Some(started) = self.started_at {
            let secs = (now_ms() - started).max(1) as f64 / 1000.0;
            self.fps = self.frames_done as f64 / secs;
            self.eta_seconds =
                (self.fps > 0.0).then(|| (total_frames.saturating_sub(self.frames_done)) as f64 / self.fps);
        }
    }

    pub fn fail(&mut self, kind: &str, message: String) -> Result<(), BadTransition> {
        self.set_status(JobStatus::Failed)?;
        self.error = Some(JobError { kind: kind.into(), message });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> Job {
        Job::new("p.json".into(), "P".into(), Format::Mp4, Quality::Low, "out.mp4".into())
    }

    #[test]
    fn the_happy_path() {
        let mut j = job();
        assert_eq!((j.status, j.stage), (JobStatus::Pending, Stage::Queued));
        j.set_status(JobStatus::Rendering).unwrap();
        assert!(j.started_at.is_some());
        j.record_progress(Stage::Rendering, 30, 90);
        assert!((j.progress - 1.0 / 3.0).abs() < 1e-9);
        j.record_progress(Stage::Rendering, 10, 90);
        assert_eq!(j.frames_done, 30, "progress never goes backwards");
        j.set_status(JobStatus::Finalizing).unwrap();
        j.set_status(JobStatus::Completed).unwrap();
        assert_eq!((j.progress, j.frames_done, j.stage), (1.0, 90, Stage::Done));
        assert!(j.finished_at.is_some());
    }

    #[test]
    fn final_states_are_final() {
        for end in [JobStatus::Completed, JobStatus::Failed, JobStatus::Cancelled, JobStatus::Interrupted] {
            for next in [JobStatus::Pending, JobStatus::Rendering, JobStatus::Finalizing, JobStatus::Completed] {
                assert!(!end.can_become(next), "{end:?} → {next:?}");
            }
        }
        let mut j = job();
        j.set_status(JobStatus::Cancelled).unwrap();
        assert_eq!(j.set_status(JobStatus::Rendering), Err(BadTransition { from: "cancelled", to: "rendering" }));
    }

    #[test]
    fn a_pending_job_cannot_skip_to_completed_or_finalizing() {
        assert!(!JobStatus::Pending.can_become(JobStatus::Completed));
        assert!(!JobStatus::Pending.can_become(JobStatus::Finalizing));
        assert!(!JobStatus::Finalizing.can_become(JobStatus::Rendering));
    }

    #[test]
    fn failure_keeps_the_error() {
        let mut j = job();
        j.set_status(JobStatus::Rendering).unwrap();
        j.fail("composition", "scene 2 threw".into()).unwrap();
        assert_eq!(j.status, JobStatus::Failed);
        assert_eq!(j.error.as_ref().map(|e| e.kind.as_str()), Some("composition"));
    }

    #[test]
    fn statuses_round_trip_through_text() {
        for s in ["pending", "rendering", "finalizing", "completed", "failed", "cancelled", "interrupted"] {
            assert_eq!(JobStatus::parse(s).map(JobStatus::id), Some(s));
        }
        assert_eq!(JobStatus::parse("done"), None);
    }
}
