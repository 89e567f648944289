//! A project's inputs: `"inputs": { "name": "World", "color": "#202020" }` declares them with
//! their defaults; any string in a scene's `props`, the project's `name` and a caption's `src` may contain
//! `{{key}}`, replaced by the input's value as text, and a string that is exactly `{{key}}`
//! takes the value with its JSON type (a number, a list…). A render sets inputs
//! (`--input key=value`, `--inputs values.json`), a batch sets them per row.
//!
//! Applied to the project's JSON before it is checked, so every rule holds for the values a
//! render actually uses, and a problem is reported at its JSON path.

use super::checker::describe;
use super::{Problem, MAX_FILE_BYTES};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Values given for a render, by input name.
pub type InputValues = Map<String, Value>;

/// Replaces every `{{key}}` in `project` (its `name`, and its scenes' `props`) with the inputs'
/// values: the declared defaults, overridden by `given`. Every problem is returned (an unknown
/// key where it is written; a value given for an input the project does not declare).
pub fn apply(project: &mut Map<String, Value>, given: &InputValues) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut values = match project.get("inputs") {
        None => Map::new(),
        Some(Value::Object(o)) => {
            for k in o.keys().filter(|k| !valid_key(k)) {
                problems.push(Problem {
                    at: format!("inputs.{k}"),
                    message: "an input's name is letters, digits, _ and -, starting with a letter or _".into(),
                });
            }
            o.clone()
        }
        Some(v) => {
            problems.push(Problem {
                at: "inputs".into(),
                message: format!("must be an object of input names and their default values, not {}", describe(v)),
            });
            Map::new()
        }
    };
    let declared = list(&values);
    for (k, v) in given {
        if values.contains_key(k) {
            values.insert(k.clone(), v.clone());
        } else {
            problems.push(Problem {
                at: "inputs".into(),
                message: format!("a value was given for {k:?}, which is not an input of this project ({declared})"),
            });
        }
    }
    // Filled in, the project is held (and sent to the render page) whole: a value used in many
    // places multiplies. Refused like a project file over the limit, before it is built (a 10 MB
    // value in 50 props took the app to 3.2 GB and ran the page out of time).
    if let Some((problem, keys)) = too_large(project, &values) {
        problems.push(problem);
        for key in keys {
            // Left as written, so the rest of the project is still checked with its values.
            values.insert(key.clone(), Value::String(format!("{{{{{key}}}}}")));
        }
    }
    let mut at = |path: String, v: &mut Value| substitute(v, &path, &values, &declared, &mut problems);
    if let Some(name) = project.get_mut("name") {
        at("name".into(), name);
    }
    if let Some(Value::Array(scenes)) = project.get_mut("scenes") {
        for (i, scene) in scenes.iter_mut().enumerate() {
            if let Some(props) = scene.get_mut("props") {
                at(format!("scenes[{i}].props"), props);
            }
            // A variant's props are filled where they are written, before the variant's are
            // merged into the scene's: a mistake there is named at its own path.
            if let Some(Value::Object(by_name)) = scene.get_mut("variants") {
                for (name, over) in by_name.iter_mut() {
                    if let Some(props) = over.get_mut("props") {
                        at(format!("scenes[{i}].variants.{name}.props"), props);
                    }
                }
            }
        }
    }
    // A caption file per row (`captions/{{lang}}.srt`): checked inside the folder as written.
    if let Some(Value::Array(captions)) = project.get_mut("captions") {
        for (i, caption) in captions.iter_mut().enumerate() {
            if let Some(src) = caption.get_mut("src") {
                at(format!("captions[{i}].src"), src);
            }
        }
    }
    problems
}

/// What a message lists as the project's inputs.
fn list(values: &Map<String, Value>) -> String {
    if values.is_empty() {
        "it declares no \"inputs\"".into()
    } else {
        format!("it declares: {}", values.keys().cloned().collect::<Vec<_>>().join(", "))
    }
}

pub fn valid_key(k: &str) -> bool {
    let mut chars = k.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn substitute(v: &mut Value, at: &str, values: &Map<String, Value>, declared: &str, problems: &mut Vec<Problem>) {
    match v {
        Value::String(s) => match fill(s, values) {
            Ok(new) => *v = new,
            Err(key) => problems.push(Problem {
                at: at.to_string(),
                message: format!("{{{{{key}}}}} is not an input of this project ({declared})"),
            }),
        },
        Value::Array(a) => {
            for (i, x) in a.iter_mut().enumerate() {
                substitute(x, &format!("{at}[{i}]"), values, declared, problems);
            }
        }
        Value::Object(o) => {
            for (k, x) in o.iter_mut() {
                substitute(x, &format!("{at}.{k}"), values, declared, problems);
            }
        }
        _ => {}
    }
}

/// `s` with its `{{key}}`s filled in: exactly `{{key}}` is the value itself; otherwise the
/// values as text. `Err(key)` for the first key that is not an input.
pub fn fill(s: &str, values: &Map<String, Value>) -> Result<Value, String> {
    if let Some(key) = whole_key(s) {
        return values.get(key).cloned().ok_or_else(|| key.to_string());
    }
    fill_text(s, &|key| values.get(key).map(as_text)).map(Value::String)
}

/// `s` with each `{{key}}` replaced by `lookup(key)`; `Err(key)` for the first it has no value for.
/// The values are not read again: a value holding `{{other}}` stays as it is.
pub fn fill_text(s: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    for piece in pieces(s) {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Key { key, .. } => out.push_str(&lookup(key).ok_or_else(|| key.to_string())?),
        }
    }
    Ok(out)
}

/// A part of a text: as written, or a `{{key}}` (`written`: with its braces and spaces).
enum Piece<'a> {
    Text(&'a str),
    Key { key: &'a str, written: &'a str },
}

/// The parts of `s` in order. Braces that hold no key (`{{ }}`, `{{a b}}`) are text.
fn pieces(s: &str) -> impl Iterator<Item = Piece<'_>> {
    let mut rest = s;
    std::iter::from_fn(move || {
        let mut from = 0;
        while let Some(found) = rest[from..].find("{{") {
            let open = from + found;
            let Some(close) = rest[open + 2..].find("}}") else { break };
            let key = rest[open + 2..open + 2 + close].trim();
            if !valid_key(key) {
                from = open + 2;
                continue;
            }
            let piece =
                if open > 0 { Piece::Text(&rest[..open]) } else { Piece::Key { key, written: &rest[..close + 4] } };
            rest = &rest[if open > 0 { open } else { close + 4 }..];
            return Some(piece);
        }
        (!rest.is_empty()).then(|| Piece::Text(std::mem::take(&mut rest)))
    })
}

/// Where the filled-in project would pass [`MAX_FILE_BYTES`], the limit of a project file: the
/// problem, naming the inputs that make it so (the largest first, as many as it takes to come
/// under the limit), and those inputs. Measured as compact JSON, from the sizes of the values
/// and the places they are used, without building it.
fn too_large(project: &Map<String, Value>, values: &Map<String, Value>) -> Option<(Problem, Vec<String>)> {
    let mut strings = Vec::new();
    if let Some(Value::String(name)) = project.get("name") {
        strings.push(name.as_str());
    }
    if let Some(Value::Array(scenes)) = project.get("scenes") {
        scenes.iter().filter_map(|s| s.get("props")).for_each(|p| strings_in(p, &mut strings));
    }
    // Per input: the bytes it adds in all, and the places it is used.
    let mut added: BTreeMap<&str, (i64, usize)> = BTreeMap::new();
    let mut add = |key: &str, bytes: i64| {
        if let Some((key, _)) = values.get_key_value(key) {
            let e = added.entry(key.as_str()).or_default();
            *e = (e.0 + bytes, e.1 + 1);
        }
    };
    for s in strings {
        match whole_key(s).and_then(|k| values.get(k).map(|v| (k, v))) {
            Some((key, v)) => add(key, json_len(v) as i64 - json_len(s) as i64),
            None => {
                for piece in pieces(s) {
                    if let Piece::Key { key, written } = piece {
                        let v = values.get(key).map_or(0, text_len);
                        add(key, v as i64 - written.len() as i64);
                    }
                }
            }
        }
    }
    let total = json_len(project) as i64 + added.values().map(|(bytes, _)| bytes).sum::<i64>();
    let mut over = total - MAX_FILE_BYTES as i64;
    if over <= 0 {
        return None;
    }
    let mut largest: Vec<(&str, i64, usize)> = added.into_iter().map(|(k, (bytes, uses))| (k, bytes, uses)).collect();
    largest.sort_by_key(|(_, bytes, _)| std::cmp::Reverse(*bytes));
    let mut named = Vec::new();
    for (key, bytes, uses) in largest {
        if over <= 0 || bytes <= 0 {
            break;
        }
        over -= bytes;
        let size = values.get(key).map_or(0, text_len);
        let places = if uses == 1 { "in 1 place".to_string() } else { format!("in {uses} places") };
        named.push((key.to_string(), format!("{key:?} ({}, {places})", in_words(size))));
    }
    let (keys, said): (Vec<String>, Vec<String>) = named.into_iter().unzip();
    let verb = if keys.len() == 1 { "makes" } else { "make" };
    let message = format!(
        "filled in with its inputs, the project would be {}; like a project file it is limited to {}: {} {verb} it so. \
         Give a shorter value or use it in fewer places (large data belongs in a file beside the project)",
        in_words(total as u64),
        in_words(MAX_FILE_BYTES),
        said.join(" and ")
    );
    Some((Problem { at: "inputs".into(), message }, keys))
}

/// The strings in a value, nested ones too.
fn strings_in<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::String(s) => out.push(s),
        Value::Array(a) => a.iter().for_each(|x| strings_in(x, out)),
        Value::Object(o) => o.values().for_each(|x| strings_in(x, out)),
        _ => {}
    }
}

/// How many bytes `v` takes as compact JSON, counted as it is written out to nowhere.
fn json_len<T: serde::Serialize + ?Sized>(v: &T) -> u64 {
    struct Count(u64);
    impl std::io::Write for Count {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0 += b.len() as u64;
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // Writing to `Count` cannot fail, nor can serializing a `Value` or a `str`.
    let _ = serde_json::to_writer(&mut count, v);
    count.0
}

/// How many bytes a value takes inside a JSON text (its [`as_text`], escaped, without quotes).
fn text_len(v: &Value) -> u64 {
    match v {
        Value::String(s) => json_len(s.as_str()).saturating_sub(2),
        other => json_len(&other.to_string()).saturating_sub(2),
    }
}

/// A size as a creator reads it: `9.5 MiB`, `12 KiB`, `300 bytes`.
fn in_words(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / 1048576.0).replace(".0 MiB", " MiB"),
        b if b >= 1 << 10 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}

/// The key of a string that is exactly `{{key}}` (spaces inside the braces allowed).
fn whole_key(s: &str) -> Option<&str> {
    let key = s.strip_prefix("{{")?.strip_suffix("}}")?.trim();
    valid_key(key).then_some(key)
}

/// A value as it reads inside a text: a string as it is, anything else as JSON.
pub fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Parses `key=value` (`--input`): the value is text, unless it is JSON of the same kind as
/// the input's default (a number for a number…), which the caller checks with the project.
pub fn parse_assignment(s: &str) -> Result<(String, String), String> {
    let (k, v) = s.split_once('=').ok_or_else(|| format!("{s:?} is not key=value"))?;
    if !valid_key(k) {
        return Err(format!("{k:?} is not an input name (letters, digits, _ and -)"));
    }
    Ok((k.to_string(), v.to_string()))
}

/// A value given as text for an input whose default is `default`: a number, true/false or JSON
/// where the default is of that kind, else the text itself.
pub fn typed(text: &str, default: Option<&Value>) -> Value {
    match default {
        Some(Value::String(_)) | None => Value::String(text.to_string()),
        Some(d) => match serde_json::from_str::<Value>(text) {
            Ok(v) if std::mem::discriminant(&v) == std::mem::discriminant(d) => v,
            _ => Value::String(text.to_string()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn apply_to(project: Value, given: Value) -> (Value, Vec<String>) {
        let mut p = project.as_object().unwrap().clone();
        let problems = apply(&mut p, given.as_object().unwrap());
        (Value::Object(p), problems.iter().map(|p| format!("{}: {}", p.at, p.message)).collect())
    }

    #[test]
    fn keys_are_filled_as_text_or_whole_values_with_their_type() {
        let project = json!({
            "name": "Hi {{name}}",
            "inputs": { "name": "World", "count": 3, "items": ["a", "b"] },
            "scenes": [ { "props": { "title": "Hello, {{ name }}!", "n": "{{count}}", "list": "{{items}}", "deep": ["{{count}} left"] } } ]
        });
        let (p, problems) = apply_to(project.clone(), json!({}));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(p["name"], "Hi World");
        assert_eq!(
            p["scenes"][0]["props"],
            json!({ "title": "Hello, World!", "n": 3, "list": ["a", "b"], "deep": ["3 left"] })
        );
        let (p, _) = apply_to(project, json!({ "name": "Ada", "count": 7 }));
        assert_eq!(p["scenes"][0]["props"]["title"], "Hello, Ada!");
        assert_eq!(p["scenes"][0]["props"]["n"], 7);
    }

    #[test]
    fn unknown_keys_and_undeclared_values_are_named_where_they_are() {
        let project =
            json!({ "inputs": { "name": "World" }, "scenes": [ {}, { "props": { "t": ["x", "{{nmae}}"] } } ] });
        let (_, problems) = apply_to(project, json!({ "colour": "red" }));
        assert_eq!(
            problems,
            [
                "inputs: a value was given for \"colour\", which is not an input of this project (it declares: name)",
                "scenes[1].props.t[1]: {{nmae}} is not an input of this project (it declares: name)"
            ]
        );
        // Braces that hold no key are left as they are.
        assert_eq!(fill("{{ }} {{a b}}", &Map::new()), Ok(json!("{{ }} {{a b}}")));
    }

    #[test]
    fn values_are_not_read_again() {
        let project = json!({ "inputs": { "a": "x", "b": "y" }, "scenes": [ { "props": { "t": "{{a}}-{{b}}", "w": "{{a}}" } } ] });
        let (p, problems) = apply_to(project, json!({ "a": "{{b}} \"q\" {\"j\": 1}" }));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(p["scenes"][0]["props"]["t"], "{{b}} \"q\" {\"j\": 1}-y");
        assert_eq!(p["scenes"][0]["props"]["w"], "{{b}} \"q\" {\"j\": 1}");
    }

    #[test]
    fn a_filled_in_project_past_the_file_limit_is_refused_naming_the_inputs() {
        let props: Map<String, Value> = (0..50).map(|i| (format!("p{i}"), json!("x {{text}}"))).collect();
        let project = json!({ "inputs": { "text": "", "small": "s" }, "scenes": [ { "props": props }, { "props": { "s": "{{small}}" } } ] });
        let big = "A".repeat(10_000_000);
        let (p, problems) = apply_to(project.clone(), json!({ "text": big }));
        assert_eq!(
            problems,
            ["inputs: filled in with its inputs, the project would be 476.8 MiB; like a project file it is limited to \
              10 MiB: \"text\" (9.5 MiB, in 50 places) makes it so. Give a shorter value or use it in fewer places \
              (large data belongs in a file beside the project)"]
        );
        // Left as written (not built), and the other inputs still filled.
        assert_eq!(p["scenes"][0]["props"]["p7"], "x {{text}}");
        assert_eq!(p["scenes"][1]["props"]["s"], "s");
        // Used once it is within the limit; the inputs it takes to come under it are all named.
        let once = json!({ "inputs": { "text": "" }, "scenes": [ { "props": { "t": "{{text}}" } } ] });
        let (p, problems) = apply_to(once, json!({ "text": "A".repeat(10_000_000) }));
        assert!(problems.is_empty() && p["scenes"][0]["props"]["t"].as_str().unwrap().len() == 10_000_000);
        let three = json!({ "inputs": { "a": "", "b": "", "c": 1 }, "scenes": [ { "props": {
            "x": "{{a}}{{b}}", "y": "{{b}}", "z": ["{{c}}", "{{a}}", "{{c}}"] } } ] });
        let (_, problems) = apply_to(
            three,
            json!({ "a": "A".repeat(3_000_000), "b": "B".repeat(3_100_000), "c": ["C".repeat(3_000_000)] }),
        );
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("the project would be 17.4 MiB"), "{problems:?}");
        assert!(
            problems[0].contains("\"b\" (3 MiB, in 2 places) and \"c\" (2.9 MiB, in 2 places) make it so"),
            "{problems:?}"
        );
    }

    #[test]
    fn given_text_takes_the_default_s_kind() {
        assert_eq!(typed("5", Some(&json!(3))), json!(5));
        assert_eq!(typed("five", Some(&json!(3))), json!("five"));
        assert_eq!(typed("5", Some(&json!("3"))), json!("5"));
        assert_eq!(typed("true", Some(&json!(false))), json!(true));
        assert_eq!(parse_assignment("name=Ada=Lovelace"), Ok(("name".into(), "Ada=Lovelace".into())));
        assert!(parse_assignment("no-equals").is_err());
        assert!(parse_assignment("9x=1").is_err());
    }
}
