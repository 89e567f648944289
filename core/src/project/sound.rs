//! A sound placed on the project's timeline: the validated form of one entry of a project's
//! `audio` list or of a scene's (the fields are in the README's audio table).

use serde::Serialize;
use std::path::PathBuf;

/// Largest gain a volume may ask for (×4 ≈ +12 dB).
pub const MAX_GAIN: f64 = 4.0;

/// How loud a sound plays: one gain, or gains at frames (relative to the sound's `at`),
/// interpolated linearly per sample and held before the first and after the last.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Volume {
    Gain(f64),
    Keyframes(Vec<(f64, f64)>),
}

impl Volume {
    /// The gain at `frame` frames after the sound's start.
    pub fn at(&self, frame: f64) -> f64 {
        match self {
            Volume::Gain(g) => *g,
            Volume::Keyframes(k) => {
                let Some(&(f0, g0)) = k.first() else { return 1.0 };
                if frame <= f0 {
                    return g0;
                }
                for w in k.windows(2) {
                    let ((fa, ga), (fb, gb)) = (w[0], w[1]);
                    if frame < fb {
                        return if fb > fa { ga + (gb - ga) * (frame - fa) / (fb - fa) } else { gb };
                    }
                }
                k.last().map_or(1.0, |&(_, g)| g)
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AudioClip {
    /// Where it was written in the project file (`audio[0]`, `scenes[2].audio[1]`).
    pub json_path: String,
    /// The file, relative to the project folder, `/`-separated (as checked).
    pub src: String,
    /// The file, absolute (inside the project folder after links are resolved).
    #[serde(skip)]
    pub path: PathBuf,
    /// The scene it belongs to, if it was written in one.
    pub scene: Option<usize>,
    /// The project frame where it starts.
    pub at: u64,
    /// Seconds into the file it starts from.
    pub trim_start: f64,
    /// How many frames it plays; `None`: to the end of the file (looped: of the video).
    pub duration_in_frames: Option<u64>,
    pub volume: Volume,
    pub fade_in_frames: u64,
    pub fade_out_frames: u64,
    #[serde(rename = "loop")]
    pub looped: bool,
    /// The project frame where it must stop: its scene's end, or the project's.
    pub until: u64,
    /// The sound track of a `VideoClip` scene's video: a video without one is silent, not wrong.
    pub from_video: bool,
    /// How fast the file plays: 1 as recorded; a `VideoClip`'s `playbackRate` (the sound then
    /// plays faster or slower with its pitch, like a tape, and stays on its picture: output
    /// second s plays the file at `trim_start + s × speed`).
    pub speed: f64,
}

impl AudioClip {
    /// The whole of `path` from frame `at`, as it is (no trim, fade, loop or gain): what
    /// `align` listens to, and the tests' plain sound.
    pub fn whole_file(path: &std::path::Path, at: u64) -> Self {
        Self {
            json_path: String::new(),
            src: path.to_string_lossy().into_owned(),
            path: path.to_path_buf(),
            scene: None,
            at,
            trim_start: 0.0,
            duration_in_frames: None,
            volume: Volume::Gain(1.0),
            fade_in_frames: 0,
            fade_out_frames: 0,
            looped: false,
            until: u64::MAX,
            from_video: false,
            speed: 1.0,
        }
    }
}
