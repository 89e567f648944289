//! The project file (JSON, versioned): loading, validation, and the validated model.
//!
//! Loading never trusts the file: size, encoding, syntax and every field are checked before
//! anything renders, and *all* problems are reported at once with where they are.

mod audio_fields;
mod background;
mod builtins;
mod caption_fields;
pub(crate) mod checker;
mod clip_fields;
pub mod edit;
pub mod inputs;
mod lottie_fields;
mod no_duplicate_keys;
mod sound;
mod validate;
pub mod variants;

pub use background::{Background, Matte};
pub use builtins::{builtin_file, builtin_ids, builtin_module, BUILTIN_COMPOSITIONS};
pub use clip_fields::{VideoRef, VIDEO_CLIP};
pub use inputs::InputValues;
pub use sound::{AudioClip, Volume, MAX_GAIN};
pub use variants::Variant;

use serde::Serialize;
use std::path::{Path, PathBuf};

/// Project file versions this build understands.
pub const SUPPORTED_VERSIONS: &[u64] = &[1];
/// Larger files are refused before they are read into memory.
pub const MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;
pub const MAX_WIDTH: u64 = 7680;
pub const MAX_HEIGHT: u64 = 4320;
pub const FPS_RANGE: std::ops::RangeInclusive<u64> = 1..=120;
/// Defaults for optional fields, documented in the README.
pub const DEFAULT_SIZE: (u32, u32) = (1920, 1080);
pub const DEFAULT_FPS: u32 = 30;

/// One thing wrong with a project file: where (`scenes[2].durationInFrames`) and what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Problem {
    pub at: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.at.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.at, self.message)
        }
    }
}

/// Why a project could not be opened: the file and every problem found in it.
#[derive(Debug, Clone, thiserror::Error, Serialize)]
#[error("{} has {} problem(s):\n{}", file.display(), problems.len(), problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
pub struct ProjectError {
    pub file: PathBuf,
    pub problems: Vec<Problem>,
}

/// Where a scene's composition module comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum ModuleSource {
    /// A file under `compositions/`, embedded in the app.
    Builtin { file: String },
    /// A module in the project's folder (path relative to it, `/`-separated, already checked).
    Project { file: String },
}

/// How a scene enters from the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Transition {
    #[default]
    Cut,
    /// The scene fades in over the last `duration_in_frames` of the previous scene's time.
    Crossfade {
        #[serde(rename = "durationInFrames")]
        duration_in_frames: u32,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Scene {
    pub composition: String,
    pub duration_in_frames: u32,
    pub props: serde_json::Map<String, serde_json::Value>,
    pub transition: Transition,
    /// Its own `"background"`, else the project's.
    pub background: Background,
    /// First frame of this scene on the project's timeline.
    pub start_frame: u64,
}

/// A project that passed validation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Project {
    pub name: String,
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub scenes: Vec<Scene>,
    /// The project's `"background"` (each scene's own wins: [`Scene::background`]).
    pub background: Background,
    /// What a transparent project is flattened over when its output does not keep alpha.
    pub matte: Matte,
    /// Every sound, the project's own and its scenes', placed on the project's timeline
    /// (project-level ones first, in file order).
    pub audio: Vec<AudioClip>,
    /// Every video file a `VideoClip` scene shows.
    pub videos: Vec<VideoRef>,
    /// The caption files (`"captions"`), their cues read.
    pub captions: Vec<crate::captions::CaptionTrack>,
    /// The other sizes it renders at (`"variants"`), in the file's order.
    pub variants: Vec<Variant>,
    /// The variant this was loaded as (its size and override props applied), if any.
    pub variant: Option<String>,
    /// The inputs the project declares, with their defaults (`"inputs"`; see [`inputs`]).
    pub inputs: InputValues,
    /// Every composition id a scene uses, with where its module comes from.
    pub modules: std::collections::BTreeMap<String, ModuleSource>,
    /// The canonical folder the project file lives in; all project paths resolve inside it.
    pub root: PathBuf,
    pub file: PathBuf,
    /// [`edit::stamp`] of the bytes this was read from (empty for a project parsed from memory):
    /// the props panel's Save tells from it whether the file changed on disk meanwhile.
    #[serde(skip)]
    pub file_stamp: String,
}

impl Project {
    /// Total length in frames: the sum of the scenes' durations.
    pub fn total_frames(&self) -> u64 {
        self.scenes.iter().map(|s| u64::from(s.duration_in_frames)).sum()
    }

    /// Whether any scene leaves the frame transparent where it does not draw.
    pub fn is_transparent(&self) -> bool {
        self.scenes.iter().any(|s| s.background.is_transparent())
    }

    /// The colour frames are flattened over: the matte, for a transparent project whose output
    /// does not keep alpha (`keep_alpha`: `--transparent`, the panel's Keep transparency).
    pub fn flattened_over(&self, keep_alpha: bool) -> Option<Matte> {
        (self.is_transparent() && !keep_alpha).then_some(self.matte)
    }

    pub fn duration_seconds(&self) -> f64 {
        self.total_frames() as f64 / f64::from(self.fps)
    }

    /// The scene a project frame falls in, with the frame local to it.
    pub fn scene_at(&self, frame: u64) -> Option<(usize, u64)> {
        self.scenes
            .iter()
            .enumerate()
            .find(|(_, s)| frame >= s.start_frame && frame < s.start_frame + u64::from(s.duration_in_frames))
            .map(|(i, s)| (i, frame - s.start_frame))
    }

    /// The files an export of this project reads that can be named before it runs, each with
    /// what it is: the project file, the project's composition modules, and any existing file
    /// in the project folder that a scene's props name by relative path (an image, a font).
    /// An export must never be written over one of them (see
    /// [`crate::encode::output::check_destination`]); files a module asks for at run time are
    /// guarded where they are served.
    pub fn files_read(&self) -> Vec<(PathBuf, String)> {
        let mut out = vec![(self.file.clone(), "the project file".to_string())];
        for (id, source) in &self.modules {
            if let ModuleSource::Project { file } = source {
                out.push((self.root.join(file), format!("the module of composition {id} ({file})")));
            }
        }
        for clip in self.audio.iter().filter(|c| !c.from_video) {
            out.push((clip.path.clone(), format!("a sound the project plays ({}.src)", clip.json_path)));
        }
        for video in &self.videos {
            out.push((video.path.clone(), format!("a video the project shows ({})", video.json_path)));
        }
        for t in &self.captions {
            out.push((t.path.clone(), format!("a caption file of the project ({}.src)", t.json_path)));
        }
        for (i, scene) in self.scenes.iter().enumerate() {
            let mut strings = Vec::new();
            for (key, value) in &scene.props {
                collect_strings(value, &format!("scenes[{i}].props.{key}"), &mut strings);
            }
            for (at, s) in strings {
                let p = Path::new(s.trim_start_matches("./"));
                if s.is_empty() || s.len() > 4096 || p.is_absolute() {
                    continue;
                }
                let full = self.root.join(p);
                if full.is_file() {
                    out.push((full, format!("a file the project uses ({at})")));
                }
            }
        }
        out
    }

    /// A one-screen human summary (used by `bazaar-export check`).
    pub fn summary(&self) -> String {
        let mut out = format!(
            "{}\n  file:     {}\n  size:     {}×{} at {} fps\n  duration: {} ({} frames)\n  scenes:   {}\n",
            self.name,
            self.file.display(),
            self.width,
            self.height,
            self.fps,
            format_seconds(self.duration_seconds()),
            self.total_frames(),
            self.scenes.len()
        );
        for (i, s) in self.scenes.iter().enumerate().take(20) {
            out += &format!(
                "    {:>3}. {:<16} {:>8}  ({} frames)\n",
                i + 1,
                s.composition,
                format_seconds(f64::from(s.duration_in_frames) / f64::from(self.fps)),
                s.duration_in_frames
            );
        }
        if self.scenes.len() > 20 {
            out += &format!("    … and {} more\n", self.scenes.len() - 20);
        }
        if !self.variants.is_empty() {
            let each: Vec<String> =
                self.variants.iter().map(|v| format!("{} {}×{}", v.name, v.width, v.height)).collect();
            out += &format!("  variants: {}\n", each.join(", "));
        }
        if self.is_transparent() {
            out += &format!(
                "  background: transparent (kept with --transparent in prores 4444/4444xq, webm-vp9 or png-seq; else flattened over {})\n",
                self.matte
            );
        }
        if !self.audio.is_empty() {
            out += &format!("  sounds:   {}\n", self.audio.len());
            for clip in self.audio.iter().take(20) {
                out += &format!("    {:<24} from frame {:<6} {}\n", clip.json_path, clip.at, clip.src);
            }
            if self.audio.len() > 20 {
                out += &format!("    … and {} more\n", self.audio.len() - 20);
            }
        }
        if !self.captions.is_empty() {
            out += &format!("  captions: {}\n", self.captions.len());
            for t in &self.captions {
                let mut uses = Vec::new();
                if t.burn {
                    uses.push(format!("burned ({})", t.style.id()));
                }
                if t.track {
                    uses.push("track".to_string());
                }
                let words: usize = t.cues.iter().map(|c| c.words.len()).sum();
                out += &format!(
                    "    {:<24} from frame {:<6} {} ({}): {} cues, {words} timed words; {}\n",
                    t.json_path,
                    t.at,
                    t.src,
                    t.language,
                    t.cues.len(),
                    uses.join(", ")
                );
            }
            // Overlapping cues are allowed: they show together (issue 33); say so once.
            let overlaps = self.captions.iter().any(|t| t.cues.windows(2).any(|w| w[1].start_ms < w[0].end_ms));
            if overlaps {
                out += "    (some cues overlap: they are shown together)\n";
            }
        }
        out
    }
}

/// Every string in `v` with its JSON path.
fn collect_strings<'a>(v: &'a serde_json::Value, at: &str, out: &mut Vec<(String, &'a str)>) {
    match v {
        serde_json::Value::String(s) => out.push((at.to_string(), s)),
        serde_json::Value::Array(a) => {
            a.iter().enumerate().for_each(|(i, x)| collect_strings(x, &format!("{at}[{i}]"), out))
        }
        serde_json::Value::Object(o) => o.iter().for_each(|(k, x)| collect_strings(x, &format!("{at}.{k}"), out)),
        _ => {}
    }
}

/// `75.5` → `1:15.50`, `3` → `0:03.00`.
pub fn format_seconds(s: f64) -> String {
    let whole = s.floor() as u64;
    format!("{}:{:02}.{:02}", whole / 60, whole % 60, ((s - whole as f64) * 100.0).round() as u64 % 100)
}

/// Reads and validates a project file. Every problem found is reported, not just the first.
pub fn load_project(path: &Path) -> Result<Project, ProjectError> {
    load_project_with(path, &InputValues::new())
}

/// As [`load_project`], with values `given` for the project's inputs (see [`inputs`]).
pub fn load_project_with(path: &Path, given: &InputValues) -> Result<Project, ProjectError> {
    load_project_as(path, given, None)
}

/// As [`load_project_with`], as one of its `variant`s (see [`variants`]) when named.
pub fn load_project_as(path: &Path, given: &InputValues, variant: Option<&str>) -> Result<Project, ProjectError> {
    let fail = |message: String| ProjectError {
        file: path.to_path_buf(),
        problems: vec![Problem { at: String::new(), message }],
    };
    use crate::input_file::{read_regular, InputFileError};
    let bytes = read_regular(path, MAX_FILE_BYTES).map_err(|e| {
        fail(match e {
            InputFileError::Folder => "this is a folder, not a project file: open the .json file inside it".into(),
            InputFileError::TooLarge { bytes, .. } => format!(
                "the file is {:.1} MiB; project files are limited to 10 MiB (put large data in assets next to it)",
                bytes as f64 / 1048576.0
            ),
            InputFileError::NotFound => "cannot open the project file: no such file or folder".into(),
            InputFileError::NotRegular(kind) => {
                format!("this is {kind}, not a project file: open the project's .json file itself")
            }
            InputFileError::Io(reason) => format!("cannot read the project file: {reason}"),
        })
    })?;
    let root = path
        .parent()
        .map(|p| if p.as_os_str().is_empty() { Path::new(".") } else { p })
        .unwrap_or(Path::new("."))
        .canonicalize()
        .map_err(|e| fail(format!("cannot resolve the project's folder: {}", io_reason(&e))))?;
    // `launch.bazaar.json` is named "launch", as `launch.json` is.
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "Untitled".into());
    let stem = match stem.strip_suffix(".bazaar") {
        Some(s) if !s.is_empty() => s.to_string(),
        _ => stem,
    };
    validate::parse_and_validate(&bytes, &root, &stem, given, variant)
        .map(|mut p| {
            p.file = path.to_path_buf();
            p.file_stamp = edit::stamp(&bytes);
            p
        })
        .map_err(|problems| ProjectError { file: path.to_path_buf(), problems })
}

/// Validates project JSON held in memory, resolving module paths against `root`.
pub fn parse_project(bytes: &[u8], root: &Path, fallback_name: &str) -> Result<Project, Vec<Problem>> {
    validate::parse_and_validate(bytes, root, fallback_name, &InputValues::new(), None)
}

pub use crate::input_file::io_reason;

/// Finds the project file in a dropped folder: the one `*.bazaar.json` directly inside it, else
/// the one `*.json`.
pub fn project_in_folder(dir: &Path) -> Result<PathBuf, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read folder {}: {}", dir.display(), io_reason(&e)))?;
    let mut found: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")))
        .collect();
    found.sort();
    // A `*.bazaar.json` is the project whatever else is there (a package.json, data files).
    let named: Vec<&PathBuf> =
        found.iter().filter(|p| p.to_string_lossy().to_ascii_lowercase().ends_with(".bazaar.json")).collect();
    if let [one] = named.as_slice() {
        return Ok((*one).clone());
    }
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(format!("the folder {} has no .json project file", dir.display())),
        n => Err(format!(
            "the folder {} has {n} .json files ({}); open the project file itself",
            dir.display(),
            found.iter().filter_map(|p| p.file_name()).map(|n| n.to_string_lossy()).collect::<Vec<_>>().join(", ")
        )),
    }
}

/// Opens what a creator pointed at: a project file, or a folder holding exactly one
/// `*.bazaar.json` or else exactly one `*.json`.
pub fn open_project(path: &Path) -> Result<Project, ProjectError> {
    open_project_with(path, &InputValues::new())
}

/// As [`open_project`], with values `given` for the project's inputs.
pub fn open_project_with(path: &Path, given: &InputValues) -> Result<Project, ProjectError> {
    open_project_as(path, given, None)
}

/// As [`open_project_with`], as one of its `variant`s when named.
pub fn open_project_as(path: &Path, given: &InputValues, variant: Option<&str>) -> Result<Project, ProjectError> {
    if path.is_dir() {
        let file = project_in_folder(path).map_err(|message| ProjectError {
            file: path.to_path_buf(),
            problems: vec![Problem { at: String::new(), message }],
        })?;
        return load_project_as(&file, given, variant);
    }
    load_project_as(path, given, variant)
}

#[cfg(test)]
mod tests;
