//! The frames an export's app makes itself (full-frame `VideoClip` scenes, see
//! `bazaar_core::video::direct`): decoded on a thread of their own, a few frames ahead of the
//! page, into pooled buffers; the sequencer hands each to the encoder at its turn.
//! A clip that cannot be decoded fails the export like a composition's error, naming the
//! scene, the frame and the file. Burned captions on those frames are laid over them here, as
//! they are decoded ([`super::caption_layer`]).

use super::caption_layer::CaptionLayers;
use super::clips::ClipTable;
use super::error::{PageError, RenderError};
use super::job_table::Event;
use super::page_spec::PageSpec;
use super::sequencer::{AppFrames, MadeFrames};
use crate::config::RenderConfig;
use bazaar_core::encode::{FramePool, PooledFrame};
use bazaar_core::project::{Project, VIDEO_CLIP};
use bazaar_core::render_plan::RenderPlan;
use bazaar_core::video::{direct, DirectError, DirectPlan, VideoError};
use std::sync::{mpsc, Arc};
use std::time::Duration;
use tokio::sync::mpsc as async_mpsc;

/// Frames decoded ahead of the page's turn: enough to keep the decoder busy while x264 works,
/// few enough that memory does not depend on the clip (3 MB each at 1080p).
const AHEAD: usize = 4;
/// How much longer than the page's own frame limit the relay waits for the decoder's next
/// frame before it gives up on it (the page's limit normally ends the render first).
const RELAY_MARGIN: Duration = Duration::from_secs(10);

/// What the decoding thread hands the relay: a frame, or its end (an error, and the decoder,
/// kept until the render ends).
enum Made {
    Frame(u64, PooledFrame),
    End(Option<DirectError>, Box<direct::Feed>),
}

/// The frames of `plan` the app makes, started: `spec` says which to the page (`direct`), and
/// which looks of the burned captions on them it draws for the app (`caption_layers`). None with
/// the speed tricks off (then the page draws every frame, the reference the tests compare
/// against) or when no scene is a full-frame clip.
pub(super) fn prepare(
    project: &Project,
    plan: &RenderPlan,
    clips: &ClipTable,
    spec: &mut PageSpec,
    config: &RenderConfig,
    (pool, events): (FramePool, mpsc::Sender<Event>),
) -> Result<Option<AppFrames>, RenderError> {
    let direct = match config.speed_tricks {
        true => direct::plan(project, plan, &mut |path| clips.info(path).ok()),
        false => DirectPlan::default(),
    };
    spec.direct = direct.runs();
    crate::logging::frame_path(config, spec.direct.len());
    let (size, format) = ((plan.width, plan.height), plan.settings.input);
    let layers = match direct.is_empty() {
        true => None,
        false => CaptionLayers::plan(&spec.job, &direct, &plan.project_frames, &spec.captions, format, size)
            .map_err(RenderError::Setup)?
            .map(Arc::new),
    };
    spec.caption_layers = layers.as_ref().map(|l| l.spec());
    let runs = spec.direct.clone();
    let frames = start(direct, plan.project_frames.clone(), pool, events, config.frame_timeout, layers.clone())
        .map_err(RenderError::Setup)?;
    Ok(frames.map(|frames| AppFrames { runs, frames, layers }))
}

/// Starts making `direct`'s frames; `None` when there are none.
///
/// Two threads: one decodes (`bazaar-clip-frames`), one hands its frames on
/// (`bazaar-clip-relay`) and holds the only sender of the channel the sequencer waits on. So
/// that wait always ends: when the decoder fails (the channel closes at once, the error
/// reported naming the clip) and when it stops answering (after the page's own frame limit and
/// a margin). A wait for a frame that never comes keeps the render's session, and with it the
/// encoder's input, open: the render waited for ever at its last frame, deaf to signals, its
/// temp file left (a still image as a clip did it, one run in two).
fn start(
    direct: DirectPlan,
    project_frames: Vec<u64>,
    pool: FramePool,
    events: mpsc::Sender<Event>,
    frame_timeout: Duration,
    layers: Option<Arc<CaptionLayers>>,
) -> Result<Option<MadeFrames>, String> {
    if direct.is_empty() {
        return Ok(None);
    }
    let (tx, rx) = async_mpsc::channel(AHEAD);
    // A rendezvous: the decoder is one frame ahead of the relay, the relay AHEAD of the page.
    let (made_tx, made) = mpsc::sync_channel::<Made>(0);
    let plan = direct.clone();
    std::thread::Builder::new()
        .name("bazaar-clip-frames".into())
        .spawn(move || {
            let mut feed = direct::Feed::default();
            let result = feed.run(&plan, |index, pixels| {
                let mut frame = pool.take();
                frame.copy_from_slice(pixels);
                // The burned captions on it, as the page drew them alone (false: the render has
                // ended while it waited for them).
                if layers.as_ref().is_some_and(|l| !l.lay_over(index, &mut frame)) {
                    return false;
                }
                // Fails once the relay has gone (the render has ended): stop.
                made_tx.send(Made::Frame(index, frame)).is_ok()
            });
            let _ = made_tx.send(Made::End(result.err(), Box::new(feed)));
        })
        .map_err(|e| format!("cannot start the clip decoder's thread: {e}"))?;
    let deadline = frame_timeout + RELAY_MARGIN;
    let fail = move |e: DirectError| {
        let _ = events.send(Event::Failed(page_error(&e, &project_frames).into()));
    };
    std::thread::Builder::new()
        .name("bazaar-clip-relay".into())
        .spawn(move || {
            let mut sent = None;
            loop {
                match made.recv_timeout(deadline) {
                    Ok(Made::Frame(index, frame)) => {
                        // Fails once the render has ended (the bridge's end is gone): stop.
                        if tx.blocking_send((index, frame)).is_err() {
                            return;
                        }
                        sent = Some(index);
                    }
                    Ok(Made::End(None, feed)) => {
                        // The last decoder (idle now) goes when the render ends, not before:
                        // its threads' CPU is counted in `--stats` only while they exist.
                        tauri::async_runtime::block_on(tx.closed());
                        drop(feed);
                        return;
                    }
                    // Returning drops `tx`: a page waiting for the frame is told at once.
                    Ok(Made::End(Some(e), _)) => return fail(e),
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        let why = format!("its decoder made no picture in {} s", deadline.as_secs());
                        return stalled(&direct, sent, why).map_or((), fail);
                    }
                    // The decoding thread ended without a word (a bug): say so, do not wait.
                    Err(mpsc::RecvTimeoutError::Disconnected) => {
                        return stalled(&direct, sent, "its decoder stopped".into()).map_or((), fail);
                    }
                }
            }
        })
        .map_err(|e| format!("cannot start the clip relay's thread: {e}"))?;
    Ok(Some(rx))
}

/// The decoder has made no frame since output frame `sent`, for the reason `why`: the frame it
/// owes, its scene and clip.
fn stalled(direct: &DirectPlan, sent: Option<u64>, why: String) -> Option<DirectError> {
    let from = sent.map_or(0, |s| s as usize + 1);
    let (frame, shot) = direct.shots.iter().enumerate().skip(from).find_map(|(i, s)| s.map(|s| (i, s)))?;
    let clip = direct.clips.get(shot.clip)?;
    let reason = why;
    Some(DirectError {
        scene: clip.scene,
        frame: frame as u64,
        src: clip.src.clone(),
        error: VideoError::Unreadable { path: clip.path.clone(), reason },
    })
}

/// A clip's failure as the page's own: its scene, the project frame, the file.
fn page_error(e: &DirectError, project_frames: &[u64]) -> PageError {
    PageError {
        kind: "asset".into(),
        scene: Some(e.scene),
        composition: Some(VIDEO_CLIP.into()),
        frame: project_frames.get(e.frame as usize).copied(),
        asset: Some(e.src.clone()),
        message: e.error.to_string(),
        stack: String::new(),
    }
}
