//! The `audio` lists of a project file (top level and per scene): every field checked, every
//! problem reported with its JSON path, and the sounds placed on the project's timeline.
//! What the files hold (decodable, long enough for `trimStart`) is checked by
//! [`crate::audio::inspect`], which needs GStreamer.

use super::checker::{check_project_file, describe, Checker};
use super::{AudioClip, Volume, MAX_GAIN};
use serde_json::{Map, Value};
use std::path::Path;

/// More sounds than this in one list is a generated file gone wrong, not a soundtrack.
const MAX_SOUNDS: usize = 1000;
/// The fields a sound may have (anything else is most likely a typo).
const FIELDS: &[&str] =
    &["src", "at", "trimStart", "durationInFrames", "volume", "fadeInFrames", "fadeOutFrames", "loop"];
/// Ten hours at 120 fps, as for scenes.
const MAX_FRAMES: u64 = 4_320_000;

/// Where a list of sounds sits: its JSON path, the scene it belongs to, the project frame its
/// `at` counts from, and the frame where its sounds must stop.
pub(super) struct Placement<'a> {
    pub at: &'a str,
    pub scene: Option<usize>,
    pub offset: u64,
    pub until: u64,
}

pub(super) fn check_audio(c: &mut Checker, list: Option<&Value>, place: &Placement, root: &Path) -> Vec<AudioClip> {
    let items = match list {
        None => return Vec::new(),
        Some(Value::Array(a)) if a.len() > MAX_SOUNDS => {
            c.add(place.at, format!("has {} sounds; at most {MAX_SOUNDS} are supported in one list", a.len()));
            return Vec::new();
        }
        Some(Value::Array(a)) => a,
        Some(v) => {
            c.add(place.at, format!("must be a list of sounds ([{{\"src\": …}}]), not {}", describe(v)));
            return Vec::new();
        }
    };
    items
        .iter()
        .enumerate()
        .filter_map(|(i, v)| check_sound(c, v, &format!("{}[{i}]", place.at), place, root))
        .collect()
}

fn check_sound(c: &mut Checker, v: &Value, at: &str, place: &Placement, root: &Path) -> Option<AudioClip> {
    let Value::Object(o) = v else {
        c.add(at, format!("must be an object like {{\"src\": \"audio/music.mp3\"}}, not {}", describe(v)));
        return None;
    };
    let before = c.problems.len();
    for key in o.keys().filter(|k| !FIELDS.contains(&k.as_str())) {
        let shown: String = key.chars().take(40).collect();
        c.add(format!("{at}.{shown}"), format!("is not a field of a sound; the fields are {}", FIELDS.join(", ")));
    }
    let src = match o.get("src") {
        None => {
            c.add(format!("{at}.src"), "is missing: the sound file, relative to the project file");
            String::new()
        }
        Some(Value::String(rel)) => check_project_file(rel, root, "sound").unwrap_or_else(|m| {
            c.add(format!("{at}.src"), m);
            String::new()
        }),
        Some(v) => {
            c.add(format!("{at}.src"), format!("must be the path of a sound file, not {}", describe(v)));
            String::new()
        }
    };
    let frames = |c: &mut Checker, key: &str| -> Option<u64> {
        let v = o.get(key)?;
        match v.as_u64() {
            Some(n) if n <= MAX_FRAMES => Some(n),
            _ if v.as_f64().is_some_and(|x| x < 0.0) => {
                c.add(format!("{at}.{key}"), format!("{} is negative; frames count from 0", describe(v)));
                None
            }
            _ => {
                c.add(
                    format!("{at}.{key}"),
                    format!("must be a whole number of frames from 0 to {MAX_FRAMES}, not {}", describe(v)),
                );
                None
            }
        }
    };
    let start = frames(c, "at").unwrap_or(0);
    let duration = frames(c, "durationInFrames");
    if duration == Some(0) {
        c.add(format!("{at}.durationInFrames"), "is 0: a sound must play for at least one frame (or leave it out)");
    }
    let fade_in = frames(c, "fadeInFrames").unwrap_or(0);
    let fade_out = frames(c, "fadeOutFrames").unwrap_or(0);
    let trim_start = match o.get("trimStart") {
        None => 0.0,
        Some(v) => match v.as_f64() {
            Some(x) if (0.0..=86_400.0).contains(&x) => x,
            _ => {
                c.add(format!("{at}.trimStart"), format!("must be a number of seconds from 0, not {}", describe(v)));
                0.0
            }
        },
    };
    let looped = match o.get("loop") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(v) => {
            c.add(format!("{at}.loop"), format!("must be true or false, not {}", describe(v)));
            false
        }
    };
    let volume = check_volume(c, o, &format!("{at}.volume"));
    let begins = place.offset + start;
    if start > 0 && begins >= place.until {
        let whose = if place.scene.is_some() { "its scene" } else { "the project" };
        c.add(format!("{at}.at"), format!("frame {start} is past the end of {whose}, so the sound would never play"));
    }
    if c.problems.len() != before {
        return None;
    }
    Some(AudioClip {
        json_path: at.to_string(),
        path: root.join(&src),
        src,
        scene: place.scene,
        at: begins,
        trim_start,
        duration_in_frames: duration,
        volume,
        fade_in_frames: fade_in,
        fade_out_frames: fade_out,
        looped,
        until: place.until,
        from_video: false,
        speed: 1.0,
    })
}

fn check_volume(c: &mut Checker, o: &Map<String, Value>, at: &str) -> Volume {
    let gain = |v: &Value| v.as_f64().filter(|g| (0.0..=MAX_GAIN).contains(g));
    let range = format!("a gain from 0 to {MAX_GAIN} (1 = as recorded)");
    match o.get("volume") {
        None => Volume::Gain(1.0),
        Some(Value::Array(keys)) if keys.is_empty() => {
            c.add(at, "has no keyframes: give [[frame, gain], …] or one gain");
            Volume::Gain(1.0)
        }
        Some(Value::Array(keys)) => {
            let mut out: Vec<(f64, f64)> = Vec::new();
            for (i, k) in keys.iter().enumerate() {
                let pair = k.as_array().filter(|p| p.len() == 2);
                let (Some(f), Some(g)) = (pair.and_then(|p| p[0].as_f64()), pair.and_then(|p| gain(&p[1]))) else {
                    c.add(
                        format!("{at}[{i}]"),
                        format!("must be [frame, gain] with frame ≥ 0 and {range}, not {}", describe(k)),
                    );
                    continue;
                };
                if f < 0.0 {
                    c.add(
                        format!("{at}[{i}]"),
                        format!("frame {f} is negative; keyframes count from the sound's start"),
                    );
                } else if out.last().is_some_and(|&(prev, _)| f <= prev) {
                    c.add(
                        format!("{at}[{i}]"),
                        format!("frame {f} is not after the keyframe before it: keyframes must be in order"),
                    );
                } else {
                    out.push((f, g));
                }
            }
            Volume::Keyframes(out)
        }
        Some(v) => match gain(v) {
            Some(g) => Volume::Gain(g),
            None => {
                c.add(at, format!("must be {range}, or keyframes [[frame, gain], …]; not {}", describe(v)));
                Volume::Gain(1.0)
            }
        },
    }
}
