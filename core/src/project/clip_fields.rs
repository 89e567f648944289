//! The props of a `VideoClip` scene, checked like any file a project names (its `src` at
//! `scenes[i].props.src`), and the clip's sound placed in the mix: from the scene's start, for
//! the scene's length, at the clip's `volume` and `playbackRate`, unless it is muted.

use super::checker::{check_project_file, describe, Checker};
use super::{AudioClip, Volume, MAX_GAIN};
use serde::Serialize;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// The built-in composition that shows a video file.
pub const VIDEO_CLIP: &str = "VideoClip";

/// A video file a scene shows, for the checks before a render.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VideoRef {
    /// `scenes[2].props.src`
    pub json_path: String,
    pub src: String,
    #[serde(skip)]
    pub path: PathBuf,
}

/// Where the scene sits: its index, first frame and length.
pub(super) struct SceneSpan {
    pub index: usize,
    pub start: u64,
    pub frames: u64,
}

/// Checks a `VideoClip` scene's props; returns the clip and, if it is heard, its sound.
pub(super) fn check_video_clip(
    c: &mut Checker,
    props: &Map<String, Value>,
    scene: &SceneSpan,
    root: &Path,
) -> Option<(VideoRef, Option<AudioClip>)> {
    let at = format!("scenes[{}].props", scene.index);
    let before = c.problems.len();
    let src = match props.get("src") {
        Some(Value::String(rel)) => check_project_file(rel, root, "video").unwrap_or_else(|m| {
            c.add(format!("{at}.src"), m);
            String::new()
        }),
        Some(v) => {
            c.add(format!("{at}.src"), format!("must be the path of a video file, not {}", describe(v)));
            String::new()
        }
        None => {
            c.add(format!("{at}.src"), "is missing: the video file this scene shows");
            String::new()
        }
    };
    let number = |c: &mut Checker, key: &str, default: f64, ok: &dyn Fn(f64) -> bool, what: &str| match props.get(key) {
        None => default,
        Some(v) => match v.as_f64() {
            Some(x) if ok(x) => x,
            _ => {
                c.add(format!("{at}.{key}"), format!("must be {what}, not {}", describe(v)));
                default
            }
        },
    };
    let trim_start = number(c, "trimStart", 0.0, &|x| (0.0..=86_400.0).contains(&x), "a number of seconds from 0");
    let rate = number(c, "playbackRate", 1.0, &|x| x > 0.0 && x <= 16.0, "a speed above 0 and at most 16");
    let volume = number(c, "volume", 1.0, &|x| (0.0..=MAX_GAIN).contains(&x), "a gain from 0 to 4");
    let looped = match props.get("loop") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(v) => {
            c.add(format!("{at}.loop"), format!("must be true or false, not {}", describe(v)));
            false
        }
    };
    if let Some(v) = props.get("fit") {
        if !matches!(v.as_str(), Some("cover" | "contain" | "fill")) {
            c.add(format!("{at}.fit"), format!("must be \"cover\", \"contain\" or \"fill\", not {}", describe(v)));
        }
    }
    if c.problems.len() != before {
        return None;
    }
    let path = root.join(&src);
    let video = VideoRef { json_path: format!("{at}.src"), src: src.clone(), path: path.clone() };
    let heard = volume > 0.0;
    let sound = heard.then(|| AudioClip {
        json_path: format!("{at}.src"),
        src,
        path,
        scene: Some(scene.index),
        at: scene.start,
        trim_start,
        duration_in_frames: Some(scene.frames),
        volume: Volume::Gain(volume),
        fade_in_frames: 0,
        fade_out_frames: 0,
        looped,
        until: scene.start + scene.frames,
        from_video: true,
        speed: rate,
    });
    Some((video, sound))
}
