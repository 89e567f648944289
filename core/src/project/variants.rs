//! A project's variants: `"variants": { "vertical": { "width": 1080, "height": 1920 } }` names
//! other sizes the same scenes render at (one piece published as 9:16, 1:1 and 16:9), and a
//! scene's `"variants": { "vertical": { "props": { … } } }` overrides its props for one of them,
//! for what layout alone cannot fix.
//!
//! Applied to the project's JSON before it is checked, as inputs are, so every rule (a clip's
//! `src`, a Lottie's `fit`) holds for the props the chosen variant renders with, and a problem is
//! reported at its JSON path.

use super::checker::describe;
use super::{Problem, MAX_HEIGHT, MAX_WIDTH};
use serde::Serialize;
use serde_json::{Map, Value};

/// The smallest side a variant may have (a smaller picture is a mistake, not a deliverable).
pub const MIN_SIDE: u64 = 16;
/// The largest side: WebKit draws nothing into a larger canvas.
pub const MAX_SIDE: u64 = 16384;
/// A variant may be taller or wider than the project's own limits (a vertical 8K is 4320×7680)
/// but holds no more pixels than 8K: what a frame may cost in memory stays bounded.
pub const MAX_PIXELS: u64 = MAX_WIDTH * MAX_HEIGHT;
/// `--variant all` renders every variant, so no variant may be called that.
pub const ALL: &str = "all";

/// A size the project also renders at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Variant {
    pub name: String,
    pub width: u32,
    pub height: u32,
}

/// What [`apply`] found: the variants declared (in the file's order) and, when one was chosen,
/// its size.
pub(super) struct Applied {
    pub variants: Vec<Variant>,
    pub size: Option<(u32, u32)>,
    pub problems: Vec<Problem>,
}

/// Checks `variants` and every scene's overrides; with `chosen`, merges the chosen variant's
/// override props over each scene's props (key by key) and returns its size.
pub(super) fn apply(project: &mut Map<String, Value>, chosen: Option<&str>) -> Applied {
    let mut problems = Vec::new();
    let variants = declared(project.get("variants"), &mut problems);
    let names: Vec<&str> = variants.iter().map(|v| v.name.as_str()).collect();
    let overrides = scene_overrides(project, &names, &mut problems);
    let mut size = None;
    if let Some(name) = chosen {
        match variants.iter().find(|v| v.name == name) {
            Some(v) => size = Some((v.width, v.height)),
            None => problems.push(Problem { at: "variants".into(), message: unknown(name, &names) }),
        }
    }
    if let (Some(name), Some(Value::Array(scenes))) = (chosen.filter(|_| size.is_some()), project.get_mut("scenes")) {
        for (scene, over) in scenes.iter_mut().zip(overrides) {
            let (Value::Object(scene), Some(over)) = (scene, over.and_then(|mut o| o.remove(name))) else {
                continue;
            };
            // A `props` that is not an object is reported by the scene's own check.
            if let Value::Object(props) = scene.entry("props").or_insert_with(|| Value::Object(Map::new())) {
                props.extend(over);
            }
        }
    }
    Applied { variants, size, problems }
}

/// "there is no variant "x"; this project has: vertical, square".
pub fn unknown(name: &str, names: &[&str]) -> String {
    let shown: String = name.chars().take(64).collect();
    if names.is_empty() {
        format!("there is no variant {shown:?}: this project declares no \"variants\"")
    } else {
        format!("there is no variant {shown:?}; this project has: {}", names.join(", "))
    }
}

fn declared(v: Option<&Value>, problems: &mut Vec<Problem>) -> Vec<Variant> {
    fn add(problems: &mut Vec<Problem>, at: String, message: String) {
        problems.push(Problem { at, message });
    }
    let list = match v {
        None => return Vec::new(),
        Some(Value::Object(o)) => o,
        Some(v) => {
            add(
                problems,
                "variants".into(),
                format!("must be an object of variant names and their sizes, not {}", describe(v)),
            );
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for (name, v) in list {
        let at = format!("variants.{name}");
        if !valid_name(name) {
            add(problems, at, "a variant's name is letters, digits, _ and -, starting with a letter or _".into());
            continue;
        }
        if name == ALL {
            add(
                problems,
                at,
                "\"all\" is taken: `--variant all` renders every variant; call this one something else".into(),
            );
            continue;
        }
        let Value::Object(o) = v else {
            add(problems, at, format!("must be an object with \"width\" and \"height\", not {}", describe(v)));
            continue;
        };
        for k in o.keys().filter(|k| !matches!(k.as_str(), "width" | "height")) {
            add(
                problems,
                format!("{at}.{k}"),
                "is not a variant setting; a variant has \"width\" and \"height\"".into(),
            );
        }
        let width = side(o.get("width"), &format!("{at}.width"), problems);
        let height = side(o.get("height"), &format!("{at}.height"), problems);
        let (Some(width), Some(height)) = (width, height) else { continue };
        if width * height > MAX_PIXELS {
            let message = format!(
                "{width}×{height} is {} pixels; a variant holds at most {MAX_PIXELS} (as many as 8K, 7680×4320)",
                width * height
            );
            add(problems, at, message);
            continue;
        }
        out.push(Variant { name: name.clone(), width: width as u32, height: height as u32 });
    }
    out
}

fn side(v: Option<&Value>, at: &str, problems: &mut Vec<Problem>) -> Option<u64> {
    let message = match v {
        None => "is missing: a variant needs both a width and a height in pixels".to_string(),
        Some(v) => match v.as_u64() {
            Some(n) if n < MIN_SIDE => format!("{n} is too small; a variant is at least {MIN_SIDE} pixels"),
            Some(n) if n > MAX_SIDE => format!("{n} is too large; a variant is at most {MAX_SIDE} pixels"),
            Some(n) if n % 2 == 1 => format!("{n} is odd; video encoders need even sizes (try {})", n + 1),
            Some(n) => return Some(n),
            None => format!("must be a positive even whole number of pixels, not {}", describe(v)),
        },
    };
    problems.push(Problem { at: at.into(), message });
    None
}

/// A scene's override props, by variant name.
type Overrides = std::collections::HashMap<String, Map<String, Value>>;

/// Each scene's `"variants"` (its override props by variant name), checked; `None` for a scene
/// without any. The key is taken out of the scene: what is left is checked as before.
fn scene_overrides(
    project: &mut Map<String, Value>,
    names: &[&str],
    problems: &mut Vec<Problem>,
) -> Vec<Option<Overrides>> {
    let Some(Value::Array(scenes)) = project.get_mut("scenes") else {
        return Vec::new();
    };
    let mut out = Vec::with_capacity(scenes.len());
    for (i, scene) in scenes.iter_mut().enumerate() {
        let Some(v) = scene.as_object_mut().and_then(|s| s.remove("variants")) else {
            out.push(None);
            continue;
        };
        let at = format!("scenes[{i}].variants");
        let Value::Object(by_name) = v else {
            problems.push(Problem {
                at,
                message: format!("must be an object of variant names and their \"props\", not {}", describe(&v)),
            });
            out.push(None);
            continue;
        };
        let mut props_of = Overrides::new();
        for (name, over) in by_name {
            let at = format!("{at}.{name}");
            if !names.contains(&name.as_str()) {
                problems.push(Problem { at, message: unknown(&name, names) });
                continue;
            }
            let Value::Object(mut over) = over else {
                problems.push(Problem {
                    at,
                    message: format!("must be an object with \"props\", not {}", describe(&over)),
                });
                continue;
            };
            for k in over.keys().filter(|k| k.as_str() != "props") {
                problems.push(Problem {
                    at: format!("{at}.{k}"),
                    message: "a scene's variant may only override \"props\"".into(),
                });
            }
            match over.remove("props") {
                Some(Value::Object(p)) => {
                    props_of.insert(name, p);
                }
                Some(v) => problems.push(Problem {
                    at: format!("{at}.props"),
                    message: format!("must be an object of named values, not {}", describe(&v)),
                }),
                None => problems.push(Problem {
                    at: format!("{at}.props"),
                    message: "is missing: the props this variant changes".into(),
                }),
            }
        }
        out.push(Some(props_of));
    }
    out
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && name.len() <= 64
}

#[cfg(test)]
mod tests {
    use super::super::{validate::parse_and_validate, InputValues, Project};

    const PROJECT: &str = r#"{ "version": 1, "width": 1920, "height": 1080,
        "variants": { "vertical": { "width": 1080, "height": 1920 }, "square": { "width": 1080, "height": 1080 } },
        "scenes": [
          { "composition": "TitleCard", "durationInFrames": 30, "props": { "title": "Hi", "subtitle": "there" },
            "variants": { "vertical": { "props": { "title": "Tall" } } } },
          { "composition": "TitleCard", "durationInFrames": 30 }
        ] }"#;

    fn load(json: &str, variant: Option<&str>) -> Result<Project, Vec<String>> {
        parse_and_validate(json.as_bytes(), std::path::Path::new("/"), "p", &InputValues::new(), variant)
            .map_err(|ps| ps.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn a_variant_changes_the_size_and_the_props_it_overrides_only() {
        let own = load(PROJECT, None).unwrap();
        assert_eq!((own.width, own.height, own.variant.as_deref()), (1920, 1080, None));
        let names: Vec<_> = own.variants.iter().map(|v| (v.name.as_str(), v.width, v.height)).collect();
        assert_eq!(names, [("vertical", 1080, 1920), ("square", 1080, 1080)]);
        assert_eq!(own.scenes[0].props["title"], "Hi");
        let tall = load(PROJECT, Some("vertical")).unwrap();
        assert_eq!((tall.width, tall.height, tall.variant.as_deref()), (1080, 1920, Some("vertical")));
        assert_eq!(tall.scenes[0].props["title"], "Tall");
        assert_eq!(tall.scenes[0].props["subtitle"], "there");
        let square = load(PROJECT, Some("square")).unwrap();
        assert_eq!((square.width, square.height, square.scenes[0].props["title"].as_str()), (1080, 1080, Some("Hi")));
        let err = load(PROJECT, Some("wide")).unwrap_err();
        assert_eq!(err, ["variants: there is no variant \"wide\"; this project has: vertical, square"]);
    }

    #[test]
    fn bad_variants_are_named_at_their_json_path() {
        let bad = r#"{ "version": 1,
            "variants": { "tiny": { "width": 8, "height": 16 }, "huge": { "width": 16386, "height": 100 },
                          "odd": { "width": 101, "height": 100 }, "half": { "width": 100 }, "all": { "width": 64, "height": 64 },
                          "big": { "width": 16384, "height": 16384 }, "x": { "width": 64, "height": 64, "fps": 60 }, "s": 5 },
            "scenes": [ { "composition": "TitleCard", "durationInFrames": 30,
                          "variants": { "wide": { "props": {} }, "x": { "title": "no" } } } ] }"#;
        let err = load(bad, None).unwrap_err().join("\n");
        for want in [
            "variants.tiny.width: 8 is too small; a variant is at least 16 pixels",
            "variants.huge.width: 16386 is too large; a variant is at most 16384 pixels",
            "variants.odd.width: 101 is odd",
            "variants.half.height: is missing",
            "variants.all: \"all\" is taken",
            "variants.big: 16384×16384 is 268435456 pixels; a variant holds at most 33177600",
            "variants.x.fps: is not a variant setting",
            "variants.s: must be an object with \"width\" and \"height\", not 5",
            "scenes[0].variants.wide: there is no variant \"wide\"; this project has: x",
            "scenes[0].variants.x.title: a scene's variant may only override \"props\"",
            "scenes[0].variants.x.props: is missing",
        ] {
            assert!(err.contains(want), "{want:?} not in:\n{err}");
        }
        let none = r#"{ "version": 1, "scenes": [ { "composition": "TitleCard", "durationInFrames": 3 } ] }"#;
        assert_eq!(
            load(none, Some("vertical")).unwrap_err(),
            ["variants: there is no variant \"vertical\": this project declares no \"variants\""]
        );
    }

    #[test]
    fn a_variants_props_are_checked_as_the_scenes_own() {
        let p = r#"{ "version": 1, "variants": { "v": { "width": 64, "height": 128 } },
            "scenes": [ { "composition": "Lottie", "durationInFrames": 3, "props": { "src": "a.json" },
                          "variants": { "v": { "props": { "fit": "stretch" } } } } ] }"#;
        let own = load(p, None).unwrap_err().join("\n");
        assert!(!own.contains("fit"), "{own}");
        let v = load(p, Some("v")).unwrap_err().join("\n");
        assert!(v.contains("scenes[0].props.fit"), "{v}");
    }

    #[test]
    fn inputs_fill_a_variants_props_and_an_unknown_key_is_named_there() {
        let p = r#"{ "version": 1, "inputs": { "who": "Ana" }, "variants": { "v": { "width": 64, "height": 128 } },
            "scenes": [ { "composition": "TitleCard", "durationInFrames": 3, "props": { "title": "Hi" },
                          "variants": { "v": { "props": { "title": "Hi {{who}}", "subtitle": "{{nope}}" } } } } ] }"#;
        let err = load(p, None).unwrap_err();
        assert_eq!(err.len(), 1, "{err:?}");
        assert!(err[0].starts_with("scenes[0].variants.v.props.subtitle: {{nope}} is not an input"), "{err:?}");
        let good = p.replace("{{nope}}", "there");
        assert_eq!(load(&good, Some("v")).unwrap().scenes[0].props["title"], "Hi Ana");
    }
}
