//! The IPC commands of the render page. Frames arrive as the raw body of an IPC request
//! (`InvokeBody::Raw`): the bands that changed since the previous frame, with the job id, the
//! frame index and the band list in headers. All of it, and the body's length, is checked
//! before a byte reaches the encoder. A bad frame is refused, never a panic.

use super::error::PageError;
use super::job_table::{Assembly, Event, Registry, Session};
use super::page_spec::PageSpec;
use crate::ipc_error::catch_panic;
use bazaar_core::encode::{Band, FrameBands, PooledFrame};
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
            // The page's first word, before any composition code runs: its web process is
            // there now (watched for memory from here on, ended if the render fails).
            s.note_page_process(&registry.pages_except(&job));
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
            if let Some(ring) = &s.ring {
                ring.unlink();
            }
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

/// The bands a frame carries: the `x-bazaar-bands` header (see [`FrameBands::parse_list`]), or
/// every band whole when absent (a whole frame).
fn bands_of(request: &Request<'_>, all: u32) -> Result<Vec<Band>, BridgeError> {
    let Some(list) = request.headers().get("x-bazaar-bands") else {
        return Ok((0..all).map(Band::whole).collect());
    };
    let list = list.to_str().map_err(|_| BridgeError::BadRequest("the band list is not text".into()))?;
    // "33:1904-1920," at most per band.
    if list.len() > 24 * all as usize + 8 {
        return Err(BridgeError::BadRequest("the band list is too long".into()));
    }
    FrameBands::parse_list(list).map_err(BridgeError::BadRequest)
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
    if s.page_process().is_none() && (index < 8 || index.is_multiple_of(30)) {
        // Told apart at last (its ring mapped now, or the other jobs' pages known); tried on
        // the first frames, then now and then, as it reads `/proc`.
        s.note_page_process(&registry.pages_except(job));
    }
    let body: &[u8] = match request.body() {
        InvokeBody::Raw(bytes) => bytes,
        // An empty body (nothing changed) may arrive as JSON `{}` or `null`.
        InvokeBody::Json(v) if v.is_null() || v.as_object().is_some_and(|o| o.is_empty()) => &[],
        InvokeBody::Json(_) => return Err(BridgeError::BadRequest("a frame must be sent as raw bytes".into())),
    };
    if index >= s.total {
        return Err(BridgeError::BadRequest(format!("frame {index} is past the last frame")));
    }
    let direct = request.headers().contains_key("x-bazaar-direct");
    let snapshot = request.headers().contains_key("x-bazaar-snapshot");
    let slot = request.headers().get("x-bazaar-slot");
    if (direct || snapshot || slot.is_some()) && !body.is_empty() {
        return Err(BridgeError::BadRequest(format!("frame {index}: the app makes this frame, the page sends none")));
    }
    if direct {
        direct_frame(&s, index).await?;
    } else if let Some(slot) = slot {
        let slot = slot.to_str().ok().and_then(|k| k.parse().ok());
        ring_frame(&s, index, slot.ok_or_else(|| BridgeError::BadRequest("the slot is not a number".into()))?).await?;
    } else if snapshot {
        snapshot_frame(&s, index, &webview).await?;
        page_stats(&request, &s);
        return Ok(()); // counted as a frame when it reaches the encoder
    } else {
        page_frame(&s, index, &request, body).await?;
    }
    s.event(Event::Frame);
    page_stats(&request, &s);
    Ok(())
}

/// A frame the page drew: the bands that changed, applied to the previous frame.
async fn page_frame(s: &Session, index: u64, request: &Request<'_>, body: &[u8]) -> Result<(), BridgeError> {
    let bands = bands_of(request, s.bands.count())?;
    let whole = bands.len() == s.bands.count() as usize && bands.iter().all(|b| b.columns.is_none());
    if index == 0 && !whole {
        return Err(BridgeError::BadRequest("the first frame must carry every band whole".into()));
    }
    // Checked now, not at its turn: a malformed frame is refused without waiting.
    let runs = s.bands.check(&bands, body.len()).map_err(|e| BridgeError::BadRequest(format!("frame {index}: {e}")))?;
    let mut a = in_turn(s, index).await?;
    // After a frame the app made, the page's previous frame is not the encoder's.
    if a.stale && !whole {
        return Err(BridgeError::BadRequest(format!(
            "frame {index} follows one the app made, so it must carry every band whole"
        )));
    }
    s.bands.write(&mut a.frame, &runs, body).map_err(|e| BridgeError::BadRequest(format!("frame {index}: {e}")))?;
    let mut frame = s.pool.take();
    frame.copy_from_slice(&a.frame);
    hand_on(s, a, index, frame, true).await
}

/// A frame the page wrote into slot `k` of the frame ring, in the encoder's format: copied into
/// the encoder's frame before the page is answered (it writes that slot again only after; see
/// `frame_ring`).
async fn ring_frame(s: &Session, index: u64, k: u32) -> Result<(), BridgeError> {
    let ring = s.ring.as_ref().ok_or_else(|| BridgeError::BadRequest("this export has no frame ring".into()))?;
    let pixels =
        ring.slot(k).ok_or_else(|| BridgeError::BadRequest(format!("frame {index}: slot {k} is past the ring")))?;
    let mut frame = s.pool.take();
    if pixels.len() != frame.len() {
        return Err(BridgeError::Internal(format!(
            "the ring's frames are {} bytes, the encoder's {}",
            pixels.len(),
            frame.len()
        )));
    }
    frame.copy_from_slice(pixels);
    let a = in_turn(s, index).await?;
    hand_on(s, a, index, frame, false).await
}

/// Waits until frame `index` is the next the encoder expects and returns the assembly, locked.
/// Invokes run as separate tasks, so frame N+1 can get here before frame N: each frame waits
/// for its turn (a short wait: the page has at most three frames in flight). A duplicate or a
/// frame far ahead is refused; the job continues.
async fn in_turn(s: &Session, index: u64) -> Result<tokio::sync::MutexGuard<'_, Assembly>, BridgeError> {
    let deadline = tokio::time::Instant::now() + ORDER_WAIT;
    loop {
        let turn = s.turn.notified();
        if s.closed.load(Ordering::Acquire) {
            return Err(BridgeError::Stopped);
        }
        let a = s.order.lock().await;
        if index < a.next || index >= a.next + MAX_AHEAD {
            return Err(BridgeError::OutOfOrder { expected: a.next, got: index });
        }
        if index == a.next {
            return Ok(a);
        }
        drop(a);
        if tokio::time::timeout_at(deadline, turn).await.is_err() {
            return Err(BridgeError::OutOfOrder { expected: s.next.load(Ordering::Acquire), got: index });
        }
    }
}

/// Sends frame `index` to the encoder (waiting while it is behind: the backpressure the page
/// feels) and lets the next frame have its turn. `from_bands`: the frame was assembled from the
/// page's bands; otherwise (the app made it, or it came whole through the ring) the assembly no
/// longer holds the encoder's last frame, and the page's next band frame must be whole.
async fn hand_on(
    s: &Session,
    mut a: tokio::sync::MutexGuard<'_, Assembly>,
    index: u64,
    frame: PooledFrame,
    from_bands: bool,
) -> Result<(), BridgeError> {
    s.frames.send((index, frame)).await.map_err(|_| BridgeError::Stopped)?;
    a.stale = !from_bands;
    a.next += 1;
    s.next.store(a.next, Ordering::Release);
    drop(a);
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
        format: s.spec.pixel_format,
        width: s.spec.out_width,
        height: s.spec.out_height,
    };
    let frame = super::snapshot::take(webview, shape).await.map_err(|e| {
        BridgeError::Internal(format!("frame {index}: the picture of the page could not be taken: {e}"))
    })?;
    let s = s.clone();
    tauri::async_runtime::spawn(async move {
        // An error here means the render has ended (stopped, or the page failed it).
        if let Ok(a) = in_turn(&s, index).await {
            if hand_on(&s, a, index, frame, false).await.is_ok() {
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
    let a = in_turn(s, index).await?;
    // The feed fails the export itself (naming the clip) when it cannot make a frame.
    let (made, frame) = feed.lock().await.recv().await.ok_or(BridgeError::Stopped)?;
    if made != index {
        return Err(BridgeError::Internal(format!("the clip feed made frame {made} for frame {index}")));
    }
    hand_on(s, a, index, frame, false).await
}
