//! The timeline's scene thumbnails: a scene's middle frame, small, as the preview shows it (its
//! variant, that variant's props), rendered by the still code ([`crate::render::still`]) in a
//! hidden view of its own, never the preview's. The window asks for one at a time, when the
//! preview is idle, and keeps them by scene, props, variant and size (`ui/timeline.js`).

use crate::config::Config;
use crate::ipc_error::{guard, IpcError};
use crate::preview::Preview;
use crate::render::still::{render_png, FramePicture};
use bazaar_core::encode::Quality;
use bazaar_core::render_plan::OutputSize;
use bazaar_core::CancelToken;
use std::sync::Mutex;
use tauri::{AppHandle, State};

/// One thumbnail renders at a time, whoever asks.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// `scene_thumbnail {scene, width, height} → PNG bytes`: scene `scene`'s middle frame, fitted
/// into `width` × `height` (16 to 640 each).
#[tauri::command]
pub async fn scene_thumbnail(
    app: AppHandle,
    scene: usize,
    width: u32,
    height: u32,
    preview: State<'_, Preview>,
    config: State<'_, Config>,
) -> Result<tauri::ipc::Response, IpcError> {
    guard(async move {
        let project = preview.project().ok_or_else(|| IpcError::invalid("open a project first"))?;
        let s =
            project.scenes.get(scene).ok_or_else(|| IpcError::invalid(format!("the project has no scene {scene}")))?;
        let picture = FramePicture {
            frame: s.start_frame + u64::from(s.duration_in_frames / 2),
            project: (*project).clone(),
            size: OutputSize::Fit(width.clamp(16, 640), height.clamp(16, 640)),
            quality: Quality::Low,
            config: config.render,
            keep_alpha: false,
        };
        let png = tauri::async_runtime::spawn_blocking(move || {
            let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
            render_png(&app, picture, &CancelToken::new())
        })
        .await
        .map_err(|e| IpcError::internal(format!("the thumbnail stopped unexpectedly: {e}")))?
        .map_err(|e| IpcError::invalid(format!("scene {}'s thumbnail: {e}", scene + 1)))?;
        Ok(tauri::ipc::Response::new(png))
    })
    .await
}
