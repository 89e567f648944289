//! Frames of `VideoClip` scenes made by the app itself, never drawn by the render page:
//! `filesrc ! decodebin ! videoconvert ! videoflip ! [videocrop !] videoscale ! I420 (the encoder's layout and matrix) ! appsink`,
//! each picture copied once, into the frame that goes to the encoder.
//!
//! Why: a full-frame clip sent through the page is decoded, converted to RGBA, moved through
//! WebKit's IPC, drawn, read back and converted again; on two cores that costs several times
//! what x264 needs for the frame (see BENCHMARKS.md, "Video clips").
//!
//! Which frames: those of a scene whose composition is the built-in `VideoClip` (not a
//! project's module of that name) and whose clip covers the whole frame (`cover`, `fill`, or
//! `contain` when the clip has the frame's aspect), except the frames of a crossfade into it
//! (the page mixes those). Everything else is the page's. The composition's time mapping
//! (`compositions/video-clip.js`) is repeated here operation for operation, with the time
//! rounded to the microsecond as the page's requests are, so both pick the same source frame
//! by the same rule ([`super::VideoSource::frame_at`]).

use super::source::{Picture, VideoInfo, VideoSource};
use super::VideoError;
use crate::project::{ModuleSource, Project, Transition, VIDEO_CLIP};
use crate::render_plan::RenderPlan;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// One `VideoClip` scene the app makes frames for.
#[derive(Debug, Clone, PartialEq)]
pub struct DirectClip {
    pub scene: usize,
    /// The clip as the project names it (`clips/demo.mp4`), for messages.
    pub src: String,
    pub path: PathBuf,
    /// The project's folder: the clip must be inside it when it is opened.
    pub root: PathBuf,
    pub picture: Picture,
}

/// An output frame the app makes: which clip, at which time (µs, as the page would ask).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shot {
    pub clip: usize,
    pub micros: i64,
}

/// The frames of an export the app makes without the page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DirectPlan {
    pub clips: Vec<DirectClip>,
    /// Per output frame: `Some` when the app makes it.
    pub shots: Vec<Option<Shot>>,
}

impl DirectPlan {
    pub fn is_empty(&self) -> bool {
        self.clips.is_empty()
    }

    /// The output frames the app makes, as `[from, to)` runs (what the page is told).
    pub fn runs(&self) -> Vec<(u64, u64)> {
        let mut runs: Vec<(u64, u64)> = Vec::new();
        for (i, _) in self.shots.iter().enumerate().filter(|(_, s)| s.is_some()) {
            let i = i as u64;
            match runs.last_mut() {
                Some((_, to)) if *to == i => *to = i + 1,
                _ => runs.push((i, i + 1)),
            }
        }
        runs
    }
}

/// Which frames of `plan` the app makes; `info` says what a clip is (`None`: leave it to the
/// page, which reports the problem as it does for any clip).
pub fn plan(project: &Project, plan: &RenderPlan, info: &mut dyn FnMut(&Path) -> Option<VideoInfo>) -> DirectPlan {
    let builtin = matches!(project.modules.get(VIDEO_CLIP), Some(ModuleSource::Builtin { .. }));
    let mut direct = DirectPlan { clips: Vec::new(), shots: vec![None; plan.project_frames.len()] };
    if !builtin || plan.width == 0 || plan.height == 0 {
        return direct;
    }
    let format = plan.settings.input;
    for (index, scene) in project.scenes.iter().enumerate() {
        if scene.composition != VIDEO_CLIP {
            continue;
        }
        let Some(props) = ClipProps::of(&scene.props) else { continue };
        let path = project.root.join(&props.src);
        let Some(clip) = info(&path).filter(|i| i.width > 0 && i.height > 0) else { continue };
        let size = (project.width, project.height);
        let Some(crop) = cover_crop(&props.fit, (clip.width, clip.height), size, (plan.width, plan.height)) else {
            continue;
        };
        let picture = Picture { format, crop, size: Some((plan.width, plan.height)) };
        let id = direct.clips.len();
        let fade = match scene.transition {
            Transition::Crossfade { duration_in_frames } if index > 0 => u64::from(duration_in_frames),
            _ => 0,
        };
        let end = scene.start_frame + u64::from(scene.duration_in_frames);
        let mut used = false;
        for (out, &frame) in plan.project_frames.iter().enumerate() {
            if frame < scene.start_frame + fade || frame >= end {
                continue;
            }
            let micros = props.micros(frame - scene.start_frame, project.fps, clip.duration);
            direct.shots[out] = Some(Shot { clip: id, micros });
            used = true;
        }
        if used {
            direct.clips.push(DirectClip { scene: index, src: props.src, path, root: project.root.clone(), picture });
        }
    }
    direct
}

/// The props the frames depend on, read as `video-clip.js` reads them.
struct ClipProps {
    src: String,
    start: f64,
    rate: f64,
    looped: bool,
    fit: String,
}

impl ClipProps {
    fn of(props: &serde_json::Map<String, Value>) -> Option<Self> {
        let number = |k: &str| props.get(k).and_then(Value::as_f64);
        Some(Self {
            src: props.get("src")?.as_str()?.to_string(),
            // Math.max(0, Number(props.trimStart) || 0)
            start: number("trimStart").filter(|x| x.is_finite()).unwrap_or(0.0).max(0.0),
            // Number(props.playbackRate) > 0 ? Number(props.playbackRate) : 1
            rate: number("playbackRate").filter(|x| *x > 0.0).unwrap_or(1.0),
            looped: props.get("loop") == Some(&Value::Bool(true)),
            fit: props.get("fit").and_then(Value::as_str).unwrap_or("cover").to_string(),
        })
    }

    /// The time scene frame `n` shows, in µs, exactly as the composition computes it and the
    /// page rounds it for its request.
    fn micros(&self, n: u64, fps: u32, duration: f64) -> i64 {
        let mut t = self.start + (n as f64 * self.rate) / f64::from(fps);
        let span = duration - self.start;
        if self.looped && span > 0.0 {
            t = self.start + ((t - self.start) % span);
        }
        (t * 1e6).round() as i64
    }
}

/// The pixels to cut from a `clip`-sized picture so that, scaled to the output, it fills the
/// frame as `fit` draws it in a `project`-sized frame; `None` when it would not fill it (a
/// `contain` with bars: the page draws those, over the background).
fn cover_crop(fit: &str, (cw, ch): (u32, u32), (pw, ph): (u32, u32), (ow, oh): (u32, u32)) -> Option<[u32; 4]> {
    let (cw, ch, pw, ph) = (f64::from(cw), f64::from(ch), f64::from(pw), f64::from(ph));
    let scale = match fit {
        "fill" => return Some([0; 4]),
        "cover" => (pw / cw).max(ph / ch),
        "contain" => {
            let s = (pw / cw).min(ph / ch);
            // Bars thinner than half an output pixel are no bars.
            let (dx, dy) = ((pw - cw * s) * f64::from(ow) / pw, (ph - ch * s) * f64::from(oh) / ph);
            return (dx.abs() < 0.5 && dy.abs() < 0.5).then_some([0; 4]);
        }
        _ => return None,
    };
    // The part of the clip inside the frame, centred as the composition centres it.
    let cut = |total: f64, seen: f64| {
        let excess = (total - seen).max(0.0).round() as u32;
        [excess / 2, excess - excess / 2]
    };
    let [left, right] = cut(cw, pw / scale);
    let [top, bottom] = cut(ch, ph / scale);
    Some([left, right, top, bottom])
}

/// Why a frame the app makes could not be made: the scene, the output frame, the clip.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct DirectError {
    pub scene: usize,
    pub frame: u64,
    pub src: String,
    pub error: VideoError,
}

/// Makes a plan's frames. One clip is open at a time (a scene's frames are consecutive); the
/// last stays open until the feed is dropped.
#[derive(Default)]
pub struct Feed {
    open: Option<(usize, VideoSource)>,
}

impl Feed {
    /// Makes the plan's frames in order, handing each (output index, pixels) to `send`, which
    /// returns false to stop.
    pub fn run(&mut self, plan: &DirectPlan, mut send: impl FnMut(u64, &[u8]) -> bool) -> Result<(), DirectError> {
        for (out, shot) in plan.shots.iter().enumerate() {
            let Some(shot) = shot else { continue };
            let clip = &plan.clips[shot.clip];
            let failed = |error| DirectError { scene: clip.scene, frame: out as u64, src: clip.src.clone(), error };
            if self.open.as_ref().is_none_or(|(id, _)| *id != shot.clip) {
                drop(self.open.take()); // the last scene's decoder goes before the next one starts
                let source = VideoSource::open_within(&clip.root, &clip.path, clip.picture).map_err(failed)?;
                self.open = Some((shot.clip, source));
            }
            let Some((_, source)) = self.open.as_mut() else { continue };
            let frame = source.frame_at(shot.micros as f64 / 1e6).map_err(failed)?;
            let expected = match clip.picture.size {
                Some((w, h)) => clip.picture.format.frame_bytes(w, h),
                None => frame.pixels().len(),
            };
            if frame.pixels().len() != expected {
                let reason = format!("a decoded picture has {} bytes, not {expected}", frame.pixels().len());
                return Err(failed(VideoError::Corrupt { path: clip.path.clone(), reason }));
            }
            if !send(out as u64, frame.pixels()) {
                return Ok(());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cover_cuts_the_overflow_evenly_and_contain_only_fills_at_the_same_aspect() {
        let hd = (1920, 1080);
        assert_eq!(cover_crop("cover", hd, hd, hd), Some([0; 4]));
        assert_eq!(cover_crop("cover", (3840, 2160), hd, (1280, 720)), Some([0; 4]));
        // 4:3 in 16:9: the top and bottom go.
        assert_eq!(cover_crop("cover", (1440, 1080), hd, hd), Some([0, 0, 135, 135]));
        // A phone's portrait clip in a landscape frame.
        assert_eq!(cover_crop("cover", (1080, 1920), hd, hd), Some([0, 0, 656, 657]));
        assert_eq!(cover_crop("fill", (640, 480), hd, hd), Some([0; 4]));
        assert_eq!(cover_crop("contain", (1280, 720), hd, hd), Some([0; 4]));
        assert_eq!(cover_crop("contain", (1440, 1080), hd, hd), None);
        assert_eq!(cover_crop("stretch", hd, hd, hd), None);
    }

    #[test]
    fn times_follow_the_composition() {
        let props = |v: Value| ClipProps::of(v.as_object().unwrap()).unwrap();
        let p = props(serde_json::json!({ "src": "a.mp4", "trimStart": 1.5, "playbackRate": 2 }));
        assert_eq!(p.micros(3, 30, 10.0), 1_700_000);
        let p = props(serde_json::json!({ "src": "a.mp4", "trimStart": -4, "playbackRate": 0, "loop": true }));
        assert_eq!((p.start, p.rate), (0.0, 1.0));
        assert_eq!(p.micros(90, 30, 2.5), 500_000); // 3 s into a 2.5 s clip
        assert_eq!(p.micros(1, 30, 2.5), 33_333);
    }
}
