//! Validation rules for project files. Each rule adds a [`Problem`] and carries on, so a creator
//! sees every mistake in one pass instead of fixing them one at a time.

use super::audio_fields::{check_audio, Placement};
use super::background::{check_background, check_matte};
use super::caption_fields::check_captions;
use super::checker::{check_project_file, describe, shorten, Checker};
use super::clip_fields::{check_video_clip, SceneSpan, VideoRef, VIDEO_CLIP};
use super::lottie_fields::{check_lottie, LOTTIE};
use super::no_duplicate_keys::NoDuplicateKeys;
use super::*;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// More scenes than this is not a video anyone edits by hand; refuse before doing real work.
const MAX_SCENES: usize = 10_000;
/// Ten hours at 120 fps: beyond this a duration is a typo, not a video.
const MAX_SCENE_FRAMES: u64 = 4_320_000;
const MAX_ID_LEN: usize = 64;

pub(super) fn parse_and_validate(
    bytes: &[u8],
    root: &Path,
    fallback_name: &str,
    given: &super::inputs::InputValues,
    variant: Option<&str>,
) -> Result<Project, Vec<Problem>> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(vec![Problem { at: String::new(), message: "the file is UTF-16 text; save it as UTF-8".into() }]);
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let line = bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count() + 1;
            return Err(vec![Problem {
                at: String::new(),
                message: format!(
                    "the file is not UTF-8 text (invalid byte at line {line}, byte offset {}); save it as UTF-8",
                    e.valid_up_to()
                ),
            }]);
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let full = e.to_string();
            let what = full.split(" at line ").next().unwrap_or(&full);
            return Err(vec![Problem {
                at: format!("line {}, column {}", e.line(), e.column()),
                message: format!("this is not valid JSON: {what}"),
            }]);
        }
    };
    // JSON allows a key twice in one object and keeps the last; a creator who wrote it twice
    // almost certainly meant something else, so say so instead of silently picking one.
    if let Err(e) = serde_json::from_str::<NoDuplicateKeys>(text) {
        return Err(vec![Problem {
            at: format!("line {}, column {}", e.line(), e.column()),
            message: e.to_string().split(" at line ").next().unwrap_or_default().to_string(),
        }]);
    }
    let mut value = value;
    let Value::Object(obj) = &mut value else {
        return Err(vec![Problem {
            at: String::new(),
            message: format!("a project file must be a JSON object ({{ … }}), but this one is {}", describe(&value)),
        }]);
    };

    // The inputs and then the variant's props are filled in first: every rule below holds for
    // the values this render uses (inputs first, so a `{{key}}` in a variant's props is named
    // where it is written).
    let declared_inputs = match obj.get("inputs") {
        Some(Value::Object(o)) => o.clone(),
        _ => Map::new(),
    };
    let filled = super::inputs::apply(obj, given);
    let chosen = super::variants::apply(obj, variant);
    let mut c = Checker { problems: chosen.problems };
    c.problems.extend(filled);
    let obj = &*obj;
    check_version(&mut c, obj);
    let name = match obj.get("name") {
        None => fallback_name.to_string(),
        Some(Value::String(s)) if !s.trim().is_empty() && s.chars().count() <= 200 => s.trim().to_string(),
        Some(Value::String(_)) => {
            c.add("name", "must be a non-empty text of at most 200 characters");
            fallback_name.to_string()
        }
        Some(v) => {
            c.add("name", format!("must be a text, not {}", describe(v)));
            fallback_name.to_string()
        }
    };
    let width = check_dimension(&mut c, obj, "width", DEFAULT_SIZE.0, MAX_WIDTH);
    let height = check_dimension(&mut c, obj, "height", DEFAULT_SIZE.1, MAX_HEIGHT);
    let (width, height) = chosen.size.unwrap_or((width, height));
    let fps = match obj.get("fps") {
        None => DEFAULT_FPS,
        Some(v) => match v.as_u64() {
            Some(n) if FPS_RANGE.contains(&n) => n as u32,
            _ => {
                c.add("fps", format!("must be a whole number from 1 to 120, not {}", describe(v)));
                DEFAULT_FPS
            }
        },
    };
    let background = check_background(&mut c, "background", obj.get("background")).unwrap_or_default();
    let matte = check_matte(&mut c, obj.get("matte"));
    let declared = check_compositions(&mut c, obj, root);
    let (scenes, mut audio, videos) = check_scenes(&mut c, obj, &declared, root, background);
    let total = scenes.iter().map(|s| u64::from(s.duration_in_frames)).sum();
    let top = Placement { at: "audio", scene: None, offset: 0, until: total };
    audio.splice(0..0, check_audio(&mut c, obj.get("audio"), &top, root));
    let captions = check_captions(&mut c, obj.get("captions"), root);
    for t in captions.iter().filter(|t| t.at >= total && total > 0) {
        c.add(
            format!("{}.at", t.json_path),
            format!("frame {} is past the end of the project ({total} frames), so no caption would show", t.at),
        );
    }

    if !c.problems.is_empty() {
        return Err(c.problems);
    }
    let mut modules = BTreeMap::new();
    for s in &scenes {
        let source = match declared.get(&s.composition) {
            Some(file) => ModuleSource::Project { file: file.clone() },
            None => ModuleSource::Builtin { file: builtin_module(&s.composition).unwrap_or_default().to_string() },
        };
        modules.insert(s.composition.clone(), source);
    }
    Ok(Project {
        name,
        width,
        height,
        fps,
        scenes,
        background,
        matte,
        audio,
        videos,
        captions,
        variants: chosen.variants,
        variant: variant.map(str::to_string),
        inputs: declared_inputs,
        modules,
        root: root.to_path_buf(),
        file: PathBuf::new(),
        file_stamp: String::new(),
    })
}

fn check_version(c: &mut Checker, obj: &Map<String, Value>) {
    let supported = SUPPORTED_VERSIONS.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(", ");
    match obj.get("version") {
        None => c.add("version", format!("is missing: add \"version\": 1 (this app reads version {supported})")),
        Some(v) => match v.as_u64() {
            Some(n) if SUPPORTED_VERSIONS.contains(&n) => {}
            Some(n) => c.add(
                "version",
                format!("version {n} is not supported; this app reads version {supported} (a newer app may read it)"),
            ),
            None => c.add("version", format!("must be a whole number ({supported}), not {}", describe(v))),
        },
    }
}

fn check_dimension(c: &mut Checker, obj: &Map<String, Value>, key: &str, default: u32, max: u64) -> u32 {
    let Some(v) = obj.get(key) else {
        return default;
    };
    match v.as_u64() {
        Some(n) if n > 0 && n % 2 == 0 && n <= max => n as u32,
        Some(n) if n > max => {
            c.add(key, format!("{n} is too large; the largest supported is {max} (8K is 7680×4320)"));
            default
        }
        Some(n) if n % 2 == 1 => {
            c.add(key, format!("{n} is odd; video encoders need even sizes (try {})", n + 1));
            default
        }
        _ => {
            c.add(key, format!("must be a positive even whole number of pixels, not {}", describe(v)));
            default
        }
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Checks `compositions` and returns the declared ids with their module paths (relative, `/`-separated).
fn check_compositions(c: &mut Checker, obj: &Map<String, Value>, root: &Path) -> BTreeMap<String, String> {
    let mut declared = BTreeMap::new();
    let Some(v) = obj.get("compositions") else {
        return declared;
    };
    let Value::Object(map) = v else {
        c.add("compositions", format!("must be an object mapping ids to module files, not {}", describe(v)));
        return declared;
    };
    for (id, path) in map {
        let at = format!("compositions.{id}");
        if !valid_id(id) {
            c.add(
                &at,
                "a composition id must start with a letter and use only letters, digits, '-' and '_' (at most 64)",
            );
            continue;
        }
        let Value::String(rel) = path else {
            c.add(&at, format!("must be the path of a .js module inside the project folder, not {}", describe(path)));
            continue;
        };
        match check_module_path(rel, root) {
            Ok(clean) => {
                declared.insert(id.clone(), clean);
            }
            Err(message) => c.add(&at, message),
        }
    }
    declared
}

/// A module path must be relative, stay inside the project folder (after symlinks), exist, and be a
/// module file (`.js`, `.mjs`, or TypeScript/JSX: `crate::modules::Language`). Returns it
/// normalised (`./scenes/a.js` → `scenes/a.js`).
pub(crate) fn check_module_path(rel: &str, root: &Path) -> Result<String, String> {
    let clean = check_project_file(rel, root, "module")?;
    let module = crate::modules::Language::of(Path::new(&clean)).is_some()
        && !clean.ends_with(".cjs")
        && !clean.ends_with(".cts");
    if !module {
        return Err(format!(
            "{:?} is not a JavaScript or TypeScript module (.js, .mjs, .ts, .mts, .tsx or .jsx)",
            shorten(rel)
        ));
    }
    Ok(clean)
}

/// The scenes (each with its own background, else `project_background`), the sounds written in
/// them (placed on the project's timeline) and the videos they show.
fn check_scenes(
    c: &mut Checker,
    obj: &Map<String, Value>,
    declared: &BTreeMap<String, String>,
    root: &Path,
    project_background: Background,
) -> (Vec<Scene>, Vec<AudioClip>, Vec<VideoRef>) {
    let mut scenes = Vec::new();
    let mut audio = Vec::new();
    let mut videos = Vec::new();
    let list = match obj.get("scenes") {
        None => {
            c.add("scenes", "is missing: a project needs at least one scene");
            return (scenes, audio, videos);
        }
        Some(Value::Array(a)) if a.is_empty() => {
            c.add("scenes", "is empty: a project needs at least one scene");
            return (scenes, audio, videos);
        }
        Some(Value::Array(a)) if a.len() > MAX_SCENES => {
            c.add("scenes", format!("has {} scenes; at most {MAX_SCENES} are supported", a.len()));
            return (scenes, audio, videos);
        }
        Some(Value::Array(a)) => a,
        Some(v) => {
            c.add("scenes", format!("must be a list of scenes, not {}", describe(v)));
            return (scenes, audio, videos);
        }
    };
    let mut known: Vec<&str> = builtin_ids().collect();
    known.extend(declared.keys().map(String::as_str));
    known.sort_unstable();
    known.dedup();
    let mut start = 0u64;
    let mut prev_duration: Option<u32> = None;
    for (i, v) in list.iter().enumerate() {
        let at = format!("scenes[{i}]");
        let Value::Object(s) = v else {
            c.add(&at, format!("must be an object with \"composition\" and \"durationInFrames\", not {}", describe(v)));
            prev_duration = None;
            continue;
        };
        let before = c.problems.len();
        let composition = match s.get("composition") {
            Some(Value::String(id)) if known.contains(&id.as_str()) => id.clone(),
            Some(Value::String(id)) => {
                let shown: String = id.chars().take(64).collect();
                c.add(
                    format!("{at}.composition"),
                    format!(
                        "unknown composition {shown:?}; known ones are {} (or declare it under \"compositions\")",
                        known.join(", ")
                    ),
                );
                String::new()
            }
            Some(v) => {
                c.add(format!("{at}.composition"), format!("must be a composition id (text), not {}", describe(v)));
                String::new()
            }
            None => {
                c.add(format!("{at}.composition"), "is missing: name the composition this scene draws");
                String::new()
            }
        };
        let duration = match s.get("durationInFrames") {
            None => {
                c.add(format!("{at}.durationInFrames"), "is missing: how many frames this scene lasts");
                0
            }
            Some(v) => match v.as_u64() {
                Some(n) if n > 0 && n <= MAX_SCENE_FRAMES => n as u32,
                Some(n) if n > MAX_SCENE_FRAMES => {
                    c.add(
                        format!("{at}.durationInFrames"),
                        format!("{n} frames is too long; a scene may last at most {MAX_SCENE_FRAMES} frames"),
                    );
                    0
                }
                _ => {
                    c.add(
                        format!("{at}.durationInFrames"),
                        format!("must be a whole number of frames above 0, not {}", describe(v)),
                    );
                    0
                }
            },
        };
        let props = match s.get("props") {
            None => Map::new(),
            Some(Value::Object(m)) => m.clone(),
            Some(v) => {
                c.add(format!("{at}.props"), format!("must be an object of named values, not {}", describe(v)));
                Map::new()
            }
        };
        let transition =
            check_transition(c, &format!("{at}.transition"), s.get("transition"), i, prev_duration, duration);
        prev_duration = Some(duration);
        let background =
            check_background(c, &format!("{at}.background"), s.get("background")).unwrap_or(project_background);
        if c.problems.len() == before {
            let end = start + u64::from(duration);
            let place = Placement { at: &format!("{at}.audio"), scene: Some(scenes.len()), offset: start, until: end };
            audio.extend(check_audio(c, s.get("audio"), &place, root));
            if composition == VIDEO_CLIP && !declared.contains_key(VIDEO_CLIP) {
                let span = SceneSpan { index: i, start, frames: u64::from(duration) };
                if let Some((video, sound)) = check_video_clip(c, &props, &span, root) {
                    videos.push(video);
                    audio.extend(sound);
                }
            }
            if composition == LOTTIE && !declared.contains_key(LOTTIE) {
                check_lottie(c, &props, i, root);
            }
            scenes.push(Scene {
                composition,
                duration_in_frames: duration,
                props,
                transition,
                background,
                start_frame: start,
            });
            start = end;
        }
    }
    (scenes, audio, videos)
}

fn check_transition(
    c: &mut Checker,
    at: &str,
    v: Option<&Value>,
    index: usize,
    prev: Option<u32>,
    own: u32,
) -> Transition {
    let (kind, frames) = match v {
        None => return Transition::Cut,
        Some(Value::String(s)) => (s.as_str(), None),
        Some(Value::Object(m)) => match m.get("type") {
            Some(Value::String(s)) => (s.as_str(), m.get("durationInFrames")),
            _ => {
                c.add(at, "needs a \"type\": \"cut\" or \"crossfade\"");
                return Transition::Cut;
            }
        },
        Some(v) => {
            c.add(
                at,
                format!(
                    "must be \"cut\", \"crossfade\" or {{\"type\": …, \"durationInFrames\": …}}, not {}",
                    describe(v)
                ),
            );
            return Transition::Cut;
        }
    };
    match kind {
        "cut" => Transition::Cut,
        "crossfade" => {
            if index == 0 {
                c.add(at, "the first scene cannot crossfade: there is no scene before it");
                return Transition::Cut;
            }
            let n = match frames {
                None => 15,
                Some(f) => match f.as_u64() {
                    Some(n) if n > 0 && n <= u64::from(u32::MAX) => n as u32,
                    _ => {
                        c.add(
                            format!("{at}.durationInFrames"),
                            format!("must be a whole number of frames above 0, not {}", describe(f)),
                        );
                        return Transition::Cut;
                    }
                },
            };
            let limit = own.min(prev.unwrap_or(0));
            if limit > 0 && n > limit {
                c.add(
                    format!("{at}.durationInFrames"),
                    format!("a {n}-frame crossfade is longer than this scene or the one before it ({limit} frames)"),
                );
            }
            Transition::Crossfade { duration_in_frames: n }
        }
        other => {
            let shown: String = other.chars().take(40).collect();
            c.add(at, format!("unknown transition {shown:?}; use \"cut\" or \"crossfade\""));
            Transition::Cut
        }
    }
}
