//! The IPC commands of the render page. A frame's request carries no pixels, only headers: the
//! job id, the frame index, and where the frame is: a slot of the frame ring (a canvas frame,
//! see [`super::frame_ring`]), the view's picture to take (a DOM scene), or a frame the app
//! makes (a full-frame clip). All of it is checked before a byte reaches the encoder. A bad
//! request is refused, never a panic.

use super::error::PageError;
use super::job_table::{Event, Registry, Session};
use super::page_spec::PageSpec;
use crate::ipc_error::catch_panic;
use bazaar_core::encode::PooledFrame;
use serde::Serialize;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tauri::ipc::{InvokeBody, Request};
use tauri::State;

/// How far ahead of the next expected frame a frame may arrive (the page sends three at a time).
const MAX_AHEAD: u64 = 8;
/// How long a frame waits for the ones before it.
const ORDER_WAIT: Duration = Duration::from_secs(30);

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
    /// A file a DOM scene asked for is missing or outside the project folder, or a URL it asked
    /// for is on the network: the page names its scene and frame.
    #[error("{0}")]
    Missing(String),
    /// A bug on the Rust side (a panic); the page reports it and the export fails.
    #[error("the app hit a bug: {0}")]
    Internal(String),
}

#[tauri::command]
pub async fn render_ready(job: String, registry: State<'_, Registry>) -> Result<PageSpec, BridgeError> {
    catch_panic(
        async move {
            let s = registry.get(&job).ok_or(BridgeError::UnknownJob)?;
            Ok(s.spec.clone())
        },
        BridgeError::Internal,
    )
    .await
}

#[tauri::command]
pub async fn render_loaded(job: String, registry: State<'_, Registry>) -> Result<(), BridgeError> {
    catch_panic(
        async move {
            let s = registry.get(&job).ok_or(BridgeError::UnknownJob)?;
            // The page has mapped its frame ring by now (or never will): its name can go, so
            // even a crash leaves nothing behind in /dev/shm.
            s.ring.unlink();
            s.event(Event::Loaded);
            Ok(())
        },
        BridgeError::Internal,
    )
    .await
}

#[tauri::command]
pub async fn render_failed(job: String, error: PageError, registry: State<'_, Registry>) -> Result<(), BridgeError> {
    catch_panic(
        async move {
            let s = registry.get(&job).ok_or(BridgeError::UnknownJob)?;
            s.event(Event::Failed(error.into()));
            Ok(())
        },
        BridgeError::Internal,
    )
    .await
}

fn header<'a>(request: &'a Request<'_>, name: &str) -> Result<&'a str, BridgeError> {
    request
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| BridgeError::BadRequest(format!("missing header {name}")))
}

#[tauri::command]
pub async fn render_frame(
    request: Request<'_>,
    webview: tauri::Webview,
    registry: State<'_, Registry>,
) -> Result<(), BridgeError> {
    catch_panic(receive_frame(request, webview, registry), BridgeError::Internal).await
}

async fn receive_frame(
    request: Request<'_>,
    webview: tauri::Webview,
    registry: State<'_, Registry>,
) -> Result<(), BridgeError> {
    let job = header(&request, "x-bazaar-job")?;
    let index: u64 = header(&request, "x-bazaar-frame")?
        .parse()
        .map_err(|_| BridgeError::BadRequest("the frame index is not a number".into()))?;
    let s = registry.get(job).ok_or(BridgeError::UnknownJob)?;
    let empty = match request.body() {
        InvokeBody::Raw(bytes) => bytes.is_empty(),
        // An empty body may arrive as JSON `{}` or `null`.
        InvokeBody::Json(v) => v.is_null() || v.as_object().is_some_and(|o| o.is_empty()),
    };
    if index >= s.total {
        return Err(BridgeError::BadRequest(format!("frame {index} is past the last frame")));
    }
    if !empty {
        return Err(BridgeError::BadRequest(format!("frame {index}: a frame's pixels never come in the request")));
    }
    let headers = request.headers();
    match (headers.get("x-bazaar-slot"), headers.contains_key("x-bazaar-snapshot"), headers.contains_key("x-bazaar-direct")) {
        (Some(slot), false, false) => {
            let slot = slot.to_str().ok().and_then(|k| k.parse().ok());
            ring_frame(&s, index, slot.ok_or_else(|| BridgeError::BadRequest("the slot is not a number".into()))?)
                .await?
        }
        (None, true, false) => {
            snapshot_frame(&s, index, &webview).await?;
            page_stats(&request, &s);
            return Ok(()); // counted as a frame when it reaches the encoder
        }
        (None, false, true) => direct_frame(&s, index).await?,
        _ => {
            return Err(BridgeError::BadRequest(format!(
                "frame {index}: a frame is in a slot of the frame ring, a picture of the page, or made by the app: say which one"
            )))
        }
    }
    s.event(Event::Frame);
    page_stats(&request, &s);
    Ok(())
}

/// A frame the page wrote into slot `k` of the frame ring, in the encoder's format: copied into
/// the encoder's frame before the page is answered (it writes that slot again only after; see
/// `frame_ring`).
async fn ring_frame(s: &Session, index: u64, k: u32) -> Result<(), BridgeError> {
    let pixels =
        s.ring.slot(k).ok_or_else(|| BridgeError::BadRequest(format!("frame {index}: slot {k} is past the ring")))?;
    let mut frame = s.pool.take();
    if pixels.len() != frame.len() {
        return Err(BridgeError::Internal(format!(
            "the ring's frames are {} bytes, the encoder's {}",
            pixels.len(),
            frame.len()
        )));
    }
    frame.copy_from_slice(pixels);
    let next = in_turn(s, index).await?;
    hand_on(s, next, index, frame).await
}

/// Waits until frame `index` is the next the encoder expects and returns that index, locked.
/// Invokes run as separate tasks, so frame N+1 can get here before frame N: each frame waits
/// for its turn (a short wait: the page has at most three frames in flight). A duplicate or a
/// frame far ahead is refused; the job continues.
async fn in_turn(s: &Session, index: u64) -> Result<tokio::sync::MutexGuard<'_, u64>, BridgeError> {
    let deadline = tokio::time::Instant::now() + ORDER_WAIT;
    loop {
        let turn = s.turn.notified();
        if s.closed.load(Ordering::Acquire) {
            return Err(BridgeError::Stopped);
        }
        let next = s.order.lock().await;
        if index < *next || index >= *next + MAX_AHEAD {
            return Err(BridgeError::OutOfOrder { expected: *next, got: index });
        }
        if index == *next {
            return Ok(next);
        }
        drop(next);
        if tokio::time::timeout_at(deadline, turn).await.is_err() {
            return Err(BridgeError::OutOfOrder { expected: s.next.load(Ordering::Acquire), got: index });
        }
    }
}

/// Sends frame `index` to the encoder (waiting while it is behind: the backpressure the page
/// feels) and lets the next frame have its turn.
async fn hand_on(
    s: &Session,
    mut next: tokio::sync::MutexGuard<'_, u64>,
    index: u64,
    frame: PooledFrame,
) -> Result<(), BridgeError> {
    s.frames.send((index, frame)).await.map_err(|_| BridgeError::Stopped)?;
    *next += 1;
    s.next.store(*next, Ordering::Release);
    drop(next);
    s.turn.notify_waiters();
    Ok(())
}

/// The page's figures, sent with the last frame.
fn page_stats(request: &Request<'_>, s: &Session) {
    if let Some(stats) = request.headers().get("x-bazaar-stats").and_then(|v| v.to_str().ok()) {
        if let Ok(stats) = serde_json::from_str(stats) {
            s.event(Event::PageStats(stats));
        }
    }
}

/// A frame of a DOM scene: the page has set it up and waits; the render view's picture is taken
/// at once and made into a frame (see [`super::snapshot`]), and the page may go on while the
/// frame goes to the encoder at its turn. At most `limits::SNAPSHOTS_AHEAD` frames wait so: the
/// page waits for a place.
async fn snapshot_frame(s: &Arc<Session>, index: u64, webview: &tauri::Webview) -> Result<(), BridgeError> {
    if webview.label() != super::urls::view_label(&s.spec.job) {
        return Err(BridgeError::BadRequest("a snapshot is taken only of the job's own render view".into()));
    }
    let missing = s.missing.lock().map(|mut m| std::mem::take(&mut *m)).unwrap_or_default();
    if let Some((rel, why)) = missing.first() {
        return Err(BridgeError::Missing(format!("{rel:?} could not be loaded: {why}")));
    }
    let place = s.snapshots_ahead.clone().acquire_owned().await.map_err(|_| BridgeError::Stopped)?;
    let shape = super::snapshot::FrameShape {
        pool: s.pool.clone(),
        format: s.ring.format(),
        width: s.spec.out_width,
        height: s.spec.out_height,
    };
    let frame = super::snapshot::take(webview, shape).await.map_err(|e| {
        BridgeError::Internal(format!("frame {index}: the picture of the page could not be taken: {e}"))
    })?;
    let s = s.clone();
    tauri::async_runtime::spawn(async move {
        // An error here means the render has ended (stopped, or the page failed it).
        if let Ok(next) = in_turn(&s, index).await {
            if hand_on(&s, next, index, frame).await.is_ok() {
                s.event(Event::Frame);
            }
        }
        drop(place);
    });
    Ok(())
}

/// A frame the app makes itself (a full-frame `VideoClip`, see `bazaar_core::video::direct`):
/// the page only says when its turn has come, and the frame is taken from the clip feed, which
/// decodes ahead. Frames still go to the encoder in order, through the same channel.
async fn direct_frame(s: &Session, index: u64) -> Result<(), BridgeError> {
    let Some(feed) = &s.direct else {
        return Err(BridgeError::BadRequest(format!("frame {index}: the app makes no frames of this export")));
    };
    let planned = s.spec.direct.iter().any(|&(from, to)| (from..to).contains(&index));
    if !planned {
        return Err(BridgeError::BadRequest(format!("frame {index} is not one the app makes")));
    }
    let next = in_turn(s, index).await?;
    // The feed fails the export itself (naming the clip) when it cannot make a frame.
    let (made, frame) = feed.lock().await.recv().await.ok_or(BridgeError::Stopped)?;
    if made != index {
        return Err(BridgeError::Internal(format!("the clip feed made frame {made} for frame {index}")));
    }
    hand_on(s, next, index, frame).await
}
