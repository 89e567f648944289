//! `render --jobs N`: one render split into N chunks rendered side by side in one app (N render
//! views, N encoders), then joined without re-encoding (`bazaar_core::chunks`): what a cluster
//! does, inside one command on a big machine. The chunks go to a hidden folder beside the output,
//! removed afterwards, whatever happened.

use crate::render::{self, RenderRequest};
use bazaar_core::encode::Progress;
use bazaar_core::CancelToken;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tauri::AppHandle;

pub fn render_in_parallel(
    handle: &AppHandle,
    cancel: &CancelToken,
    request: &RenderRequest,
    jobs: u64,
    on_progress: Arc<dyn Fn(u64, u64) + Send + Sync>,
) -> Result<PathBuf, String> {
    let out = &request.output;
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let dir = out.with_file_name(format!(".{name}.chunks-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot make {}: {e}", dir.display()))?;
    let result = (|| {
        let total = chunk_frames(request, (0, 1))?.1;
        // No more chunks than frames: a chunk of no frames would be a render view and an encoder
        // started for nothing (`--jobs 6` on a 4-frame video renders 4 chunks).
        let jobs = jobs.min(total).max(1);
        let done: Arc<Vec<AtomicU64>> = Arc::new((0..jobs).map(|_| AtomicU64::new(0)).collect());
        let results: Vec<Result<(), String>> = std::thread::scope(|s| {
            let workers: Vec<_> = (0..jobs)
                .map(|k| {
                    let (done, on_progress) = (done.clone(), on_progress.clone());
                    let part = RenderRequest {
                        project: request.project.clone(),
                        format: request.format,
                        quality: request.quality,
                        output: dir.join(bazaar_core::chunks::file_names(k, jobs, request.format).0),
                        range: None,
                        dump_frames: None,
                        chunk: Some((k, jobs)),
                        size: request.size,
                        options: request.options,
                        config: request.config,
                    };
                    s.spawn(move || {
                        let progress = Arc::new(move |p: Progress| {
                            done[k as usize].store(p.frames_done, Ordering::Relaxed);
                            on_progress(done.iter().map(|d| d.load(Ordering::Relaxed)).sum(), total);
                        });
                        let (path, _) = render::render(handle, &part, cancel, progress).map_err(|e| {
                            if e.is_cancelled() {
                                "cancelled: no file was written".to_string()
                            } else {
                                format!("chunk {k} of {jobs}: {e}")
                            }
                        })?;
                        write_chunk_manifest(&part, (k, jobs), Some(&path)).map(drop)
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap_or_else(|_| Err("a render thread failed".into()))).collect()
        });
        if let Some(e) = results.into_iter().find_map(Result::err) {
            return Err(e);
        }
        bazaar_core::chunks::join::join(&dir, out, cancel)
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// The output frames `[from, to)` chunk `part` of `request`'s video holds, and the video's
/// frame count.
pub(super) fn chunk_frames(request: &RenderRequest, (k, n): (u64, u64)) -> Result<((u64, u64), u64), String> {
    let whole = request.whole_plan()?;
    let total = whole.settings.total_frames;
    Ok((bazaar_core::render_plan::chunk_range(total, k, n), total))
}

/// The manifest of a chunk just rendered (`file`), or of a chunk that holds no frames (`None`),
/// in the chunk's folder. Returns its path.
pub(super) fn write_chunk_manifest(
    request: &RenderRequest,
    part: (u64, u64),
    file: Option<&Path>,
) -> Result<PathBuf, String> {
    let whole = request.whole_plan()?;
    let s = bazaar_core::encode::EncodeSettings {
        prores_profile: request.options.prores_profile,
        gif_loops: request.options.gif_loops,
        keep_alpha: request.options.keep_alpha,
        ..whole.settings
    };
    let m = bazaar_core::chunks::manifest(
        &request.project,
        request.format,
        request.quality,
        (s.width, s.height, s.fps),
        s.total_frames,
        part,
        file,
        bazaar_core::chunks::ChunkOptions::of(&s),
    )?;
    let dir = request.output.parent().ok_or("the chunk has no folder")?;
    bazaar_core::chunks::write_manifest(dir, &m, &request.project.files_read())
}
