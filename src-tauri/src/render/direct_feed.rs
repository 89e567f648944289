//! The frames an export's app makes itself (full-frame `VideoClip` scenes, see
//! `bazaar_core::video::direct`): decoded on a thread of their own, a few frames ahead of the
//! page, into pooled buffers; the bridge takes each when the page says its turn has come.
//! A clip that cannot be decoded fails the export like a composition's error, naming the
//! scene, the frame and the file.

use super::clips::ClipTable;
use super::error::PageError;
use super::job_table::Event;
use bazaar_core::encode::{FramePool, PooledFrame};
use bazaar_core::project::{Project, VIDEO_CLIP};
use bazaar_core::render_plan::RenderPlan;
use bazaar_core::video::{direct, DirectPlan};
use std::sync::mpsc;
use tokio::sync::mpsc as async_mpsc;

/// Frames decoded ahead of the page's turn: enough to keep the decoder busy while x264 works,
/// few enough that memory does not depend on the clip (3 MB each at 1080p).
const AHEAD: usize = 4;

pub(super) type DirectFrames = async_mpsc::Receiver<(u64, PooledFrame)>;

/// Which frames of `plan` the app makes (none with the speed tricks off: then the page draws
/// every frame, the reference the tests compare against).
pub(super) fn plan(project: &Project, plan: &RenderPlan, clips: &ClipTable) -> DirectPlan {
    if !crate::speed::enabled() {
        return DirectPlan::default();
    }
    direct::plan(project, plan, &mut |path| clips.info(path).ok())
}

/// Starts making `direct`'s frames; `None` when there are none.
pub(super) fn start(
    direct: DirectPlan,
    project_frames: Vec<u64>,
    pool: FramePool,
    events: mpsc::Sender<Event>,
) -> Result<Option<DirectFrames>, String> {
    if direct.is_empty() {
        return Ok(None);
    }
    let (tx, rx) = async_mpsc::channel(AHEAD);
    std::thread::Builder::new()
        .name("bazaar-clip-frames".into())
        .spawn(move || {
            let mut feed = direct::Feed::default();
            let made = feed.run(&direct, |index, pixels| {
                let mut frame = pool.take();
                frame.copy_from_slice(pixels);
                // Fails once the render has ended (the bridge's end is gone): stop.
                tx.blocking_send((index, frame)).is_ok()
            });
            if let Err(e) = made {
                let failed = PageError {
                    kind: "asset".into(),
                    scene: Some(e.scene),
                    composition: Some(VIDEO_CLIP.into()),
                    frame: project_frames.get(e.frame as usize).copied(),
                    asset: Some(e.src.clone()),
                    message: e.error.to_string(),
                    stack: String::new(),
                };
                let _ = events.send(Event::Failed(failed.into()));
            }
            // The last decoder (idle now) goes when the render ends, not before: its threads'
            // CPU is counted in `--stats` only while they exist.
            tauri::async_runtime::block_on(tx.closed());
            drop(feed);
        })
        .map_err(|e| format!("cannot start the clip decoder's thread: {e}"))?;
    Ok(Some(rx))
}
