//! The IPC commands of the render page. Frames arrive as the raw body of an IPC request
//! (`InvokeBody::Raw`), with the job id and frame index in headers; both and the body's length
//! are checked before a byte reaches the encoder. A bad frame is refused, never a panic.

use super::error::PageError;
use super::session::{page_failure, Event, Registry};
use serde::Serialize;
use std::sync::atomic::Ordering;
use tauri::ipc::{InvokeBody, Request};
use tauri::State;

/// Why the bridge refused a call (sent back to the page).
#[derive(Debug, Serialize, thiserror::Error)]
#[serde(tag = "kind", content = "message", rename_all = "camelCase")]
pub enum BridgeError {
    #[error("unknown render job")]
    UnknownJob,
    #[error("{0}")]
    BadRequest(String),
    #[error("frame {got} arrived, expected frame {expected}")]
    OutOfOrder { expected: u64, got: u64 },
    #[error("the export has stopped")]
    Stopped,
}

#[tauri::command]
pub async fn render_ready(job: String, registry: State<'_, Registry>) -> Result<serde_json::Value, BridgeError> {
    let s = registry.get(&job).ok_or(BridgeError::UnknownJob)?;
    s.event(Event::Ready);
    Ok(s.spec.clone())
}

#[tauri::command]
pub async fn render_loaded(job: String, registry: State<'_, Registry>) -> Result<(), BridgeError> {
    let s = registry.get(&job).ok_or(BridgeError::UnknownJob)?;
    s.event(Event::Loaded);
    Ok(())
}

#[tauri::command]
pub async fn render_failed(job: String, error: PageError, registry: State<'_, Registry>) -> Result<(), BridgeError> {
    let s = registry.get(&job).ok_or(BridgeError::UnknownJob)?;
    s.event(Event::Failed(page_failure(error)));
    Ok(())
}

fn header<'a>(request: &'a Request<'_>, name: &str) -> Result<&'a str, BridgeError> {
    request
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| BridgeError::BadRequest(format!("missing header {name}")))
}

#[tauri::command]
pub async fn render_frame(request: Request<'_>, registry: State<'_, Registry>) -> Result<(), BridgeError> {
    let job = header(&request, "x-bazaar-job")?;
    let index: u64 = header(&request, "x-bazaar-frame")?
        .parse()
        .map_err(|_| BridgeError::BadRequest("the frame index is not a number".into()))?;
    let s = registry.get(job).ok_or(BridgeError::UnknownJob)?;
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err(BridgeError::BadRequest("a frame must be sent as raw bytes".into()));
    };
    if bytes.len() != s.frame_bytes {
        return Err(BridgeError::BadRequest(format!(
            "frame {index} has {} bytes, expected {}",
            bytes.len(),
            s.frame_bytes
        )));
    }
    if index >= s.total {
        return Err(BridgeError::BadRequest(format!("frame {index} is past the last frame")));
    }
    // Claim the index atomically: a duplicate or skipped frame is refused, the job continues.
    if let Err(expected) = s.next.compare_exchange(index, index + 1, Ordering::AcqRel, Ordering::Acquire) {
        return Err(BridgeError::OutOfOrder { expected, got: index });
    }
    // Waits while the encoder is behind: this is the backpressure the page feels.
    s.frames.send((index, bytes.clone())).await.map_err(|_| BridgeError::Stopped)?;
    s.event(Event::Frame);
    Ok(())
}
