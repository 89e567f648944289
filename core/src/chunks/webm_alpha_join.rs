//! Transparent VP9 chunks joined (`webm-vp9 --transparent`). Their alpha travels in each block's
//! `BlockAdditional`, which GStreamer's WebM muxer drops, so each chunk is read with the app's
//! own reader and its frames written again, bytes untouched, by the app's own writer: each frame
//! timed from its index on the whole timeline, the sound mixed once and the caption tracks
//! written once, as [`super::join`] does for the other formats.
//!
//! ```text
//! chunk files ─ WebmReader (colour, alpha, keyframe) ─ time from the absolute index ─┐
//! the mix (audio::feed) ─ Opus ──────────────────────────────────────────────────────┼─ Remux ─ temp file
//! caption tracks (once, over the whole timeline) ────────────────────────────────────┘
//! ```

use super::{render_again, ChunkManifest};
use crate::audio::feed::{self, Outputs};
use crate::encode::webm_alpha::frame_ms;
use crate::encode::webm_alpha::reader::{ReadError, WebmReader};
use crate::encode::webm_alpha::remux::{Remux, RemuxShape, RemuxSound};
use crate::encode::{Format, Quality};
use crate::project::Project;
use crate::render_plan::RenderPlan;
use crate::CancelToken;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

/// What the join has of each chunk: the reader over its checked file, and its manifest.
struct Source<'a> {
    reader: WebmReader<BufReader<&'a File>>,
    m: &'a ChunkManifest,
}

/// Joins the chunks of `dir` that hold frames (each its manifest and its checked file, in
/// order) into `out`, the temp file's handle (`dest` names the destination in errors).
#[allow(clippy::too_many_arguments)]
pub fn join(
    dir: &Path,
    chunks: &[(&ChunkManifest, &File)],
    project: &Project,
    plan: &RenderPlan,
    quality: Quality,
    out: File,
    dest: &Path,
    cancel: &CancelToken,
) -> Result<(), String> {
    let first = chunks.first().ok_or("there are no chunks")?.0;
    // Every chunk's header read and checked before anything is written.
    let mut sources = Vec::new();
    for &(m, file) in chunks {
        let refused = |e: ReadError| refusal(dir, m, &e.to_string());
        let reader = WebmReader::open(BufReader::with_capacity(1 << 20, file), m.file_bytes).map_err(refused)?;
        let t = &reader.track;
        let frame_ns = 1_000_000_000 / u64::from(first.fps.max(1));
        if (t.width, t.height) != (u64::from(first.width), u64::from(first.height)) || t.frame_ns != Some(frame_ns) {
            let rate = t
                .frame_ns
                .filter(|&ns| ns > 0)
                .map_or("no frame rate".into(), |ns| format!("{:.3} fps", 1e9 / ns as f64));
            return Err(refusal(
                dir,
                m,
                &format!(
                    "it is {}×{} at {rate}, its manifest says {}×{} at {} fps",
                    t.width, t.height, m.width, m.height, m.fps
                ),
            ));
        }
        sources.push(Source { reader, m });
    }
    let sound = match project.audio.is_empty() {
        true => None,
        false => Some(RemuxSound::start(quality, dest).map_err(|e| e.to_string())?),
    };
    let mixer = sound.as_ref().map(|s| {
        let input = s.input();
        let (clips, timeline, frames, cancel) =
            (project.audio.clone(), plan.timeline(project.fps), plan.output_frames(), cancel.clone());
        std::thread::spawn(move || {
            feed::run(&clips, timeline, frames, Outputs { sound: Some(input), figures: None }, &cancel)
        })
    });
    let result = write(dir, sources, project, plan, sound, out, dest, cancel);
    // The sound's pipeline is down by now (the writer dropped it), so the mixer has ended too.
    if let Some(m) = mixer {
        let _ = m.join();
    }
    result
}

#[allow(clippy::too_many_arguments)]
fn write(
    dir: &Path,
    sources: Vec<Source>,
    project: &Project,
    plan: &RenderPlan,
    sound: Option<RemuxSound>,
    out: File,
    dest: &Path,
    cancel: &CancelToken,
) -> Result<(), String> {
    let shape = RemuxShape {
        width: plan.width,
        height: plan.height,
        fps: plan.fps,
        total_frames: plan.settings.total_frames,
        total_ms: plan.duration.as_secs_f64() * 1000.0,
    };
    // The caption tracks, written once here over the whole timeline (the chunks carry none).
    let captions = match Format::WebmVp9.profile().captions {
        Some(_) => crate::captions::in_file::for_export(
            &project.captions,
            (project.fps, plan.range.0, plan.duration.as_millis() as u64),
        ),
        None => Vec::new(),
    };
    let mut remux = Remux::start(out, dest, shape, sound, &captions).map_err(|e| e.to_string())?;
    for Source { mut reader, m } in sources {
        let count = m.to - m.from;
        let mut i = 0u64;
        while let Some(f) = reader.next_frame().map_err(|e| refusal(dir, m, &e.to_string()))? {
            if cancel.is_cancelled() {
                return Err("cancelled".into());
            }
            let said = |what: String| refusal(dir, m, &what);
            if i >= count {
                return Err(said(format!("it holds more than the {count} frames its manifest says")));
            }
            if i == 0 && !f.key {
                return Err(said("it does not open on a keyframe".into()));
            }
            let (at, want) = (f.time_ns / 1_000_000, frame_ms(i, m.fps));
            if at != want {
                return Err(said(format!("its frame {i} is at {at} ms, not {want} ms as at {} fps", m.fps)));
            }
            let Some(alpha) = &f.alpha else { return Err(said(format!("its frame {i} carries no alpha"))) };
            remux.write_frame(m.from + i, f.key, &f.colour, alpha).map_err(|e| e.to_string())?;
            i += 1;
        }
        if i != count {
            return Err(refusal(dir, m, &format!("it holds {i} frames, its manifest says {count}")));
        }
    }
    remux.finish().map_err(|e| e.to_string())
}

/// A chunk that is not what its manifest says, named, with what to do.
fn refusal(dir: &Path, m: &ChunkManifest, why: &str) -> String {
    format!(
        "chunk {} of {} ({}) is not the transparent WebM its manifest describes: {why}; {}",
        m.k,
        m.n,
        m.file,
        render_again(m.k, m.n, dir)
    )
}
