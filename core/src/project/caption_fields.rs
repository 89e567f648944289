//! The project's `"captions"` list: every field checked at its JSON path, each file read and
//! parsed (its own mistakes named with the file and line), nothing outside the project folder.

use super::checker::{check_project_file, describe, Checker};
use crate::captions::{self, CaptionStyle, CaptionStyleProps, CaptionTrack};
use serde_json::{Map, Value};
use std::path::Path;

/// More caption files than this in one project is a generated file gone wrong.
const MAX_FILES: usize = 100;
const FIELDS: &[&str] = &["src", "at", "language", "burn", "track", "style", "styleProps"];
const STYLE_PROPS: &[&str] =
    &["fontFamily", "fontSize", "color", "highlight", "background", "position", "wordsPerPage"];
/// Ten hours at 120 fps, as for scenes.
const MAX_FRAMES: u64 = 4_320_000;

pub(super) fn check_captions(c: &mut Checker, list: Option<&Value>, root: &Path) -> Vec<CaptionTrack> {
    let items = match list {
        None => return Vec::new(),
        Some(Value::Array(a)) if a.len() > MAX_FILES => {
            c.add("captions", format!("has {} caption files; at most {MAX_FILES} are supported", a.len()));
            return Vec::new();
        }
        Some(Value::Array(a)) => a,
        Some(v) => {
            c.add("captions", format!("must be a list of caption files ([{{\"src\": …}}]), not {}", describe(v)));
            return Vec::new();
        }
    };
    items.iter().enumerate().filter_map(|(i, v)| check_one(c, v, &format!("captions[{i}]"), root)).collect()
}

fn check_one(c: &mut Checker, v: &Value, at: &str, root: &Path) -> Option<CaptionTrack> {
    let Value::Object(o) = v else {
        c.add(at, format!("must be an object like {{\"src\": \"captions/voice.srt\"}}, not {}", describe(v)));
        return None;
    };
    let before = c.problems.len();
    for key in o.keys().filter(|k| !FIELDS.contains(&k.as_str())) {
        let shown: String = key.chars().take(40).collect();
        c.add(format!("{at}.{shown}"), format!("is not a field of captions; the fields are {}", FIELDS.join(", ")));
    }
    let src = match o.get("src") {
        None => {
            c.add(format!("{at}.src"), "is missing: the .srt, .vtt or .json file, relative to the project file");
            None
        }
        Some(Value::String(rel)) => {
            check_project_file(rel, root, "caption file").map_err(|m| c.add(format!("{at}.src"), m)).ok()
        }
        Some(v) => {
            c.add(format!("{at}.src"), format!("must be the path of a caption file, not {}", describe(v)));
            None
        }
    };
    let start = match o.get("at") {
        None => 0,
        Some(v) => v.as_u64().filter(|n| *n <= MAX_FRAMES).unwrap_or_else(|| {
            c.add(format!("{at}.at"), format!("must be a project frame from 0 to {MAX_FRAMES}, not {}", describe(v)));
            0
        }),
    };
    let language = match o.get("language") {
        None => "und".to_string(),
        Some(Value::String(s)) if is_language_tag(s) => s.clone(),
        Some(v) => {
            c.add(
                format!("{at}.language"),
                format!("must be a BCP 47 language tag like \"en\" or \"pt-BR\", not {}", describe(v)),
            );
            String::new()
        }
    };
    let flag = |c: &mut Checker, key: &str, default: bool| match o.get(key) {
        None => default,
        Some(Value::Bool(b)) => *b,
        Some(v) => {
            c.add(format!("{at}.{key}"), format!("must be true or false, not {}", describe(v)));
            default
        }
    };
    let (burn, track) = (flag(c, "burn", true), flag(c, "track", false));
    if !burn && !track {
        c.add(at.to_string(), "is neither burned (\"burn\") nor a track (\"track\"): set one of them to true");
    }
    let style = match o.get("style") {
        None => CaptionStyle::default(),
        Some(Value::String(s)) => CaptionStyle::ALL.into_iter().find(|k| k.id() == s).unwrap_or_else(|| {
            c.add(format!("{at}.style"), format!("{s:?} is not a caption style; choose subtitle, words or karaoke"));
            CaptionStyle::default()
        }),
        Some(v) => {
            c.add(format!("{at}.style"), format!("must be subtitle, words or karaoke, not {}", describe(v)));
            CaptionStyle::default()
        }
    };
    let style_props = match o.get("styleProps") {
        None => CaptionStyleProps::default(),
        Some(Value::Object(p)) => check_style_props(c, p, &format!("{at}.styleProps")),
        Some(v) => {
            c.add(format!("{at}.styleProps"), format!("must be an object, not {}", describe(v)));
            CaptionStyleProps::default()
        }
    };
    let src = src?;
    let path = root.join(&src);
    let cues = match captions::load(&path) {
        Ok(cues) => cues,
        Err(e) => {
            c.add(format!("{at}.src"), format!("{src}: {e}"));
            return None;
        }
    };
    if (style == CaptionStyle::Karaoke) && burn && cues.iter().all(|q| q.words.is_empty()) {
        c.add(
            format!("{at}.style"),
            format!("karaoke needs each word's time, and {src} has none: use a .vtt with word time stamps or JSON word timings, or the style subtitle"),
        );
    }
    if c.problems.len() != before {
        return None;
    }
    Some(CaptionTrack {
        json_path: at.to_string(),
        src,
        path,
        at: start,
        language,
        burn,
        track,
        style,
        style_props,
        cues,
    })
}

fn check_style_props(c: &mut Checker, p: &Map<String, Value>, at: &str) -> CaptionStyleProps {
    let mut out = CaptionStyleProps::default();
    for (key, v) in p {
        let here = format!("{at}.{}", key.chars().take(40).collect::<String>());
        let mut bad = |what: &str| c.add(here.clone(), format!("must be {what}, not {}", describe(v)));
        match key.as_str() {
            "fontFamily" => match v.as_str().filter(|s| !s.trim().is_empty() && s.len() <= 200) {
                Some(s) => out.font_family = Some(s.to_string()),
                None => bad("a font family name"),
            },
            "fontSize" => match v.as_f64().filter(|x| (4.0..=1000.0).contains(x)) {
                Some(x) => out.font_size = Some(x),
                None => bad("a size in pixels from 4 to 1000"),
            },
            "color" | "highlight" | "background" => match v.as_str().filter(|s| is_colour(s)) {
                Some(s) => {
                    let slot = match key.as_str() {
                        "color" => &mut out.color,
                        "highlight" => &mut out.highlight,
                        _ => &mut out.background,
                    };
                    *slot = Some(s.to_string());
                }
                None => bad("a colour: #rgb, #rrggbb, #rrggbbaa, rgb(r, g, b) or rgba(r, g, b, a)"),
            },
            "position" => match v.as_str().filter(|s| ["top", "middle", "bottom"].contains(s)) {
                Some(s) => out.position = Some(s.to_string()),
                None => bad("top, middle or bottom"),
            },
            "wordsPerPage" => match v.as_u64().filter(|n| (1..=20).contains(n)) {
                Some(n) => out.words_per_page = Some(n as u32),
                None => bad("a whole number of words from 1 to 20"),
            },
            _ => c.add(here, format!("is not a caption style prop; they are {}", STYLE_PROPS.join(", "))),
        }
    }
    out
}

/// A BCP 47 tag's shape (RFC 5646): a 2–3 letter language (or 4–8 registered), then subtags of
/// 1–8 letters or digits; `und` for undetermined. The registry itself is not checked.
fn is_language_tag(s: &str) -> bool {
    let mut parts = s.split('-');
    let lang = parts.next().unwrap_or("");
    (2..=8).contains(&lang.len())
        && lang.bytes().all(|b| b.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// `#rgb`, `#rrggbb`, `#rrggbbaa`, `rgb(r, g, b)`, `rgba(r, g, b, a)` (r, g, b 0–255, a 0–1).
fn is_colour(s: &str) -> bool {
    if let Some(hex) = s.strip_prefix('#') {
        return [3, 6, 8].contains(&hex.len()) && hex.bytes().all(|b| b.is_ascii_hexdigit());
    }
    let (args, alpha) = match (s.strip_prefix("rgba("), s.strip_prefix("rgb(")) {
        (Some(rest), _) => (rest, true),
        (None, Some(rest)) => (rest, false),
        _ => return false,
    };
    let Some(args) = args.strip_suffix(')') else { return false };
    let values: Vec<f64> = args.split(',').filter_map(|a| a.trim().parse().ok()).collect();
    let count = if alpha { 4 } else { 3 };
    values.len() == count
        && args.split(',').count() == count
        && values[..3].iter().all(|v| (0.0..=255.0).contains(v))
        && (!alpha || (0.0..=1.0).contains(&values[3]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_and_colours() {
        for good in ["en", "pt-BR", "zh-Hant-TW", "und", "es-419"] {
            assert!(is_language_tag(good), "{good}");
        }
        for bad in ["", "e", "en_US", "englishlanguage", "en--US", "fr-"] {
            assert!(!is_language_tag(bad), "{bad}");
        }
        for good in ["#fff", "#ffd400", "#00000080", "rgba(0,0,0,0.6)", "rgb(10, 20, 30)"] {
            assert!(is_colour(good), "{good}");
        }
        for bad in ["white", "#ffff", "rgba(0,0,0)", "rgb(300,0,0)", "rgba(0,0,0,2)", "rgb(1,2,3"] {
            assert!(!is_colour(bad), "{bad}");
        }
    }
}
