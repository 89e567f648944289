//! The IPC commands of the render page. A frame's request carries no pixels, only headers: the
//! job id, the frame index, and where the frame is: a slot of the frame ring (a canvas frame,
//! see [`super::frame_ring`]; a few canvas frames may be named in one request, each with its
//! slot, see `limits::RingShape`) or the view's picture to take (a DOM scene). Frames the app makes
//! (full-frame clips) need no request: see [`super::sequencer`]. All of it is checked before a
//! byte reaches the encoder. A bad request is refused, never a panic.

use super::error::PageError;
use super::job_table::{Event, Registry, Session};
use super::page_spec::PageSpec;
use super::sequencer::SequenceError;
use crate::ipc_error::catch_panic;
use serde::Serialize;
use std::sync::Arc;
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
            Ok(s.spec().clone())
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
            s.sequencer().ring().unlink();
            if let Some(layers) = s.sequencer().caption_layers() {
                layers.ring().unlink();
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
            let files = format!("{}p/", super::urls::job_base(&job));
            s.event(Event::Failed(error.at_source(&files, s.assets().root()).into()));
            Ok(())
        },
        BridgeError::Internal,
    )
    .await
}

/// The most frames one request may name (the page names `limits::RingShape::batch`).
const MAX_BATCH: usize = 16;

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
    let indices = numbers(header(&request, "x-bazaar-frame")?)
        .ok_or_else(|| BridgeError::BadRequest("the frame index is not a number".into()))?;
    let s = registry.get(job).ok_or(BridgeError::UnknownJob)?;
    let empty = match request.body() {
        InvokeBody::Raw(bytes) => bytes.is_empty(),
        // An empty body may arrive as JSON `{}` or `null`.
        InvokeBody::Json(v) => v.is_null() || v.as_object().is_some_and(|o| o.is_empty()),
    };
    let index = indices[0];
    if let Some(past) = indices.iter().find(|&&i| i >= s.sequencer().total()) {
        return Err(BridgeError::BadRequest(format!("frame {past} is past the last frame")));
    }
    if !empty {
        return Err(BridgeError::BadRequest(format!("frame {index}: a frame's pixels never come in the request")));
    }
    let headers = request.headers();
    let sequence = s.sequencer();
    match (headers.get("x-bazaar-slot"), headers.contains_key("x-bazaar-snapshot")) {
        (Some(slots), false) => {
            let slots = slots.to_str().ok().and_then(numbers);
            let slots = slots.ok_or_else(|| BridgeError::BadRequest("the slot is not a number".into()))?;
            let frames =
                ring_batch(&indices, &slots).map_err(|why| BridgeError::BadRequest(format!("frame {index}: {why}")))?;
            let last = frames.last().map(|&(index, _)| index);
            // On an error the page stops with this request unanswered, so it never writes
            // again a slot lent to the encoder before it is taken in.
            for (index, slot) in frames {
                sequence.ring_frame(index, slot).await.map_err(|e| at_frame(index, e))?;
                s.event(Event::Frame);
            }
            // The stats first: with the last frame, the render may end before the answer.
            page_stats(&request, &s);
            // The page writes these slots again once answered: a frame lent to the encoder
            // must have been taken in by then (taken once the next frame reaches it).
            if let Some(last) = last {
                sequence.taken_past(last).await.map_err(|e| at_frame(last, e))?;
            }
        }
        (None, true) if indices.len() == 1 => {
            // Counted as a frame when it reaches the encoder.
            snapshot_frame(&s, index, &webview).await?;
            page_stats(&request, &s);
        }
        _ => {
            return Err(BridgeError::BadRequest(format!(
            "frame {index}: a frame of the page is in a slot of the frame ring or a picture of the page: say which one"
        )))
        }
    }
    Ok(())
}

/// A header's comma-separated numbers (at least one).
fn numbers<T: std::str::FromStr>(list: &str) -> Option<Vec<T>> {
    list.split(',').map(|n| n.parse().ok()).collect::<Option<Vec<T>>>().filter(|v| !v.is_empty())
}

/// The frames of one request and their slots, paired: as many of each, at most
/// [`MAX_BATCH`], the frames in increasing order.
fn ring_batch(indices: &[u64], slots: &[u32]) -> Result<Vec<(u64, u32)>, &'static str> {
    if indices.len() != slots.len() {
        return Err("as many slots as frames are named");
    }
    if indices.len() > MAX_BATCH {
        return Err("too many frames in one request");
    }
    if indices.windows(2).any(|w| w[0] >= w[1]) {
        return Err("the frames of a request are named in increasing order");
    }
    Ok(indices.iter().copied().zip(slots.iter().copied()).collect())
}

/// A look of the burned captions, drawn alone by the page for the clip frames the app makes
/// (see [`super::caption_layer`]): its number, and the rectangle (`x,y,width,height`) the page
/// put into a slot of the job's caption layers' file. Answered once the app has copied it
/// (and has room for it: the page waits).
#[tauri::command]
pub async fn render_caption_layer(request: Request<'_>, registry: State<'_, Registry>) -> Result<(), BridgeError> {
    catch_panic(
        async move {
            let s = registry.get(header(&request, "x-bazaar-job")?).ok_or(BridgeError::UnknownJob)?;
            let bad = |what: &str| BridgeError::BadRequest(format!("a caption layer's {what} is not a number"));
            let look = header(&request, "x-bazaar-look")?.parse().map_err(|_| bad("look"))?;
            let slot = header(&request, "x-bazaar-slot")?.parse().map_err(|_| bad("slot"))?;
            let rect: Vec<u32> = header(&request, "x-bazaar-rect")?.split(',').map_while(|n| n.parse().ok()).collect();
            let rect: [u32; 4] = rect.try_into().map_err(|_| bad("rectangle"))?;
            let layers = s
                .sequencer()
                .caption_layers()
                .ok_or_else(|| BridgeError::BadRequest("this export draws no captions for the app's frames".into()))?;
            layers
                .receive(look, slot, rect)
                .await
                .map_err(|e| BridgeError::BadRequest(format!("caption look {look}: {e}")))?;
            page_stats(&request, &s);
            Ok(())
        },
        BridgeError::Internal,
    )
    .await
}

/// Why frame `index` did not reach the encoder, as the page is told.
fn at_frame(index: u64, e: SequenceError) -> BridgeError {
    match e {
        SequenceError::Stopped => BridgeError::Stopped,
        SequenceError::OutOfOrder { expected, got } => BridgeError::OutOfOrder { expected, got },
        SequenceError::Refused(why) => BridgeError::BadRequest(format!("frame {index}: {why}")),
        SequenceError::Internal(why) => BridgeError::Internal(format!("frame {index}: {why}")),
    }
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
    let spec = s.spec();
    if webview.label() != super::urls::view_label(&spec.job) {
        return Err(BridgeError::BadRequest("a snapshot is taken only of the job's own render view".into()));
    }
    if let Some((rel, why)) = s.assets().take_missing().first() {
        return Err(BridgeError::Missing(format!("{rel:?} could not be loaded: {why}")));
    }
    let (place, shape) =
        s.sequencer().picture_place(spec.out_width, spec.out_height).await.map_err(|e| at_frame(index, e))?;
    let frame = super::snapshot::take(webview, shape).await.map_err(|e| {
        BridgeError::Internal(format!("frame {index}: the picture of the page could not be taken: {e}"))
    })?;
    let s = s.clone();
    tauri::async_runtime::spawn(async move {
        // An error here means the render has ended (stopped, or the page failed it).
        if s.sequencer().deliver(index, frame).await.is_ok() {
            s.event(Event::Frame);
        }
        drop(place);
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{numbers, ring_batch, MAX_BATCH};

    #[test]
    fn a_request_names_frames_in_order_each_with_its_slot() {
        assert_eq!(numbers::<u64>("7"), Some(vec![7]));
        assert_eq!(numbers::<u64>("7,8,10"), Some(vec![7, 8, 10]));
        for bad in ["", "7,", "x", "7,-1", "1 ,2"] {
            assert_eq!(numbers::<u64>(bad), None, "{bad:?}");
        }
        assert_eq!(ring_batch(&[7, 8, 10], &[1, 2, 3]), Ok(vec![(7, 1), (8, 2), (10, 3)]));
        assert!(ring_batch(&[7, 8], &[1]).is_err());
        assert!(ring_batch(&[8, 7], &[1, 2]).is_err());
        assert!(ring_batch(&[7, 7], &[1, 2]).is_err());
        let many: Vec<u64> = (0..=MAX_BATCH as u64).collect();
        assert!(ring_batch(&many, &vec![0; many.len()]).is_err());
    }
}
