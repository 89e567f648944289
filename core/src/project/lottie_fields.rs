//! The props of a built-in `Lottie` scene (`compositions/lottie.js`): its `src` checked like
//! any file a project names and read far enough to know it is a Lottie animation (a frame rate,
//! in and out points, a size), and its options, so a bad one is named before anything renders.

use super::checker::{check_project_file, describe, Checker};
use crate::input_file::read_regular;
use serde_json::{Map, Value};
use std::path::Path;

/// The built-in composition that plays a Lottie file.
pub const LOTTIE: &str = "Lottie";
/// Lottie files are JSON of a few MB at most (pictures embedded included); beyond this it is not one.
const MAX_LOTTIE_BYTES: u64 = 64 * 1024 * 1024;

/// Checks a `Lottie` scene's props (scene `index`), adding a problem for each bad one.
pub(super) fn check_lottie(c: &mut Checker, props: &Map<String, Value>, index: usize, root: &Path) {
    let at = format!("scenes[{index}].props");
    match props.get("src") {
        Some(Value::String(rel)) => match check_project_file(rel, root, "Lottie file") {
            Ok(rel) => {
                if let Err(why) = lottie_file(&root.join(&rel)) {
                    c.add(format!("{at}.src"), format!("{rel:?} {why}"));
                }
            }
            Err(m) => c.add(format!("{at}.src"), m),
        },
        Some(v) => c.add(format!("{at}.src"), format!("must be the path of a Lottie .json file, not {}", describe(v))),
        None => c.add(format!("{at}.src"), "is missing: the Lottie .json file this scene plays"),
    }
    if let Some(v) = props.get("fit") {
        if !matches!(v.as_str(), Some("cover" | "contain")) {
            c.add(format!("{at}.fit"), format!("must be \"cover\" or \"contain\", not {}", describe(v)));
        }
    }
    if let Some(v) = props.get("loop") {
        if !v.is_boolean() {
            c.add(format!("{at}.loop"), format!("must be true or false, not {}", describe(v)));
        }
    }
    if let Some(v) = props.get("playbackRate") {
        if !v.as_f64().is_some_and(|x| x != 0.0 && (-16.0..=16.0).contains(&x)) {
            c.add(
                format!("{at}.playbackRate"),
                format!("must be a speed from -16 to 16 other than 0 (1: the animation's own), not {}", describe(v)),
            );
        }
    }
    if let Some(v) = props.get("background") {
        if !v.is_string() {
            c.add(format!("{at}.background"), format!("must be a CSS colour or \"transparent\", not {}", describe(v)));
        }
    }
}

/// Whether `path` holds a Lottie animation: JSON with a frame rate, in and out points and a size.
fn lottie_file(path: &Path) -> Result<(), String> {
    let bytes = read_regular(path, MAX_LOTTIE_BYTES).map_err(|e| format!("cannot be read: {e}"))?;
    let json: Value = serde_json::from_slice(&bytes).map_err(|e| format!("is not JSON ({e}): a Lottie file is"))?;
    let field = |key: &str| json.get(key).and_then(Value::as_f64);
    let lottie = "export the animation as Lottie JSON (Bodymovin, LottieFiles)";
    match (field("fr"), field("ip"), field("op"), field("w"), field("h")) {
        (Some(fr), Some(ip), Some(op), Some(w), Some(h)) if fr > 0.0 && op > ip && w > 0.0 && h > 0.0 => Ok(()),
        (Some(_), Some(_), Some(_), Some(_), Some(_)) => Err(format!(
            "is not a Lottie animation this app can play: its frame rate (fr), size (w, h) must be above 0 and its out point (op) after its in point (ip); {lottie}"
        )),
        _ => Err(format!("is not a Lottie animation: it has no frame rate (fr), in and out points (ip, op) and size (w, h); {lottie}")),
    }
}
