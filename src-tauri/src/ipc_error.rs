//! The error every command returns to the window: serialisable, with a `kind` the UI can branch
//! on and a message written for a creator (what, where, what to do).

use bazaar_core::project::{Problem, ProjectError};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IpcError {
    /// `project` (validation problems), `invalid` (a bad request), `internal`.
    pub kind: &'static str,
    pub message: String,
    /// The file concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// For `project`: every problem, with where it is.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
}

impl IpcError {
    pub fn internal(message: impl Into<String>) -> Self {
        Self { kind: "internal", message: message.into(), file: None, problems: Vec::new() }
    }

    /// The request itself is wrong (an unknown format, a job that does not exist…).
    pub fn invalid(message: impl Into<String>) -> Self {
        Self { kind: "invalid", message: message.into(), file: None, problems: Vec::new() }
    }
}

impl From<ProjectError> for IpcError {
    fn from(e: ProjectError) -> Self {
        let n = e.problems.len();
        Self {
            kind: "project",
            message: format!(
                "{} cannot be opened: {} problem{} found",
                e.file.display(),
                n,
                if n == 1 { "" } else { "s" }
            ),
            file: Some(e.file.display().to_string()),
            problems: e.problems,
        }
    }
}
