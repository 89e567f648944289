//! The error every command returns to the window: serialisable, with a `kind` the UI can branch
//! on and a message written for a creator (what, where, what to do).

use bazaar_core::project::{Problem, ProjectError};
use futures_util::FutureExt;
use serde::Serialize;
use std::future::Future;
use std::panic::AssertUnwindSafe;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IpcError {
    /// `project` (validation problems), `movedAway` (the open project's folder or file was
    /// deleted or moved: `project_open::moved_away_error`), `invalid` (a bad request), `internal`.
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

/// Runs a command's body so that a bug that panics reaches the window as an `internal` error.
/// Without it the command's promise never settles and the window waits forever (a panic in a
/// command once left the main window blank, with nothing on screen to say why).
pub async fn guard<T>(body: impl Future<Output = Result<T, IpcError>>) -> Result<T, IpcError> {
    catch_panic(body, |what| {
        IpcError::internal(format!(
            "Bazaar Export hit a bug and could not finish this ({what}). Try again; if it keeps happening, \
             restart the app and report it with the text above."
        ))
    })
    .await
}

/// `body`'s result, or `bug(panic message)` if it panicked.
pub async fn catch_panic<T, E>(
    body: impl Future<Output = Result<T, E>>,
    bug: impl FnOnce(String) -> E,
) -> Result<T, E> {
    match AssertUnwindSafe(body).catch_unwind().await {
        Ok(result) => result,
        Err(panic) => Err(bug(panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no details".into()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_command_becomes_an_internal_error_and_a_good_one_passes_through() {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let bad = rt.block_on(guard::<()>(async { panic!("the matrix was not ready") }));
        let e = bad.unwrap_err();
        assert_eq!(e.kind, "internal");
        assert!(e.message.contains("the matrix was not ready"), "{}", e.message);
        let good = rt.block_on(guard(async { Ok(7) }));
        assert_eq!(good.unwrap(), 7);
        let refused = rt.block_on(guard::<()>(async { Err(IpcError::invalid("no")) }));
        assert_eq!(refused.unwrap_err().kind, "invalid");
    }
}
