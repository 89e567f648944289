//! A project's inputs: `"inputs": { "name": "World", "color": "#202020" }` declares them with
//! their defaults; any string in a scene's `props` and the project's `name` may contain
//! `{{key}}`, replaced by the input's value as text, and a string that is exactly `{{key}}`
//! takes the value with its JSON type (a number, a list…). A render sets inputs
//! (`--input key=value`, `--inputs values.json`), a batch sets them per row.
//!
//! Applied to the project's JSON before it is checked, so every rule holds for the values a
//! render actually uses, and a problem is reported at its JSON path.

use super::checker::describe;
use super::Problem;
use serde_json::{Map, Value};

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
    let mut at = |path: String, v: &mut Value| substitute(v, &path, &values, &declared, &mut problems);
    if let Some(name) = project.get_mut("name") {
        at("name".into(), name);
    }
    if let Some(Value::Array(scenes)) = project.get_mut("scenes") {
        for (i, scene) in scenes.iter_mut().enumerate() {
            if let Some(props) = scene.get_mut("props") {
                at(format!("scenes[{i}].props"), props);
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
pub fn fill_text(s: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(open) = rest.find("{{") {
        let Some(close) = rest[open + 2..].find("}}") else { break };
        let key = rest[open + 2..open + 2 + close].trim();
        if !valid_key(key) {
            out.push_str(&rest[..open + 2]);
            rest = &rest[open + 2..];
            continue;
        }
        out.push_str(&rest[..open]);
        out.push_str(&lookup(key).ok_or_else(|| key.to_string())?);
        rest = &rest[open + 2 + close + 2..];
    }
    out.push_str(rest);
    Ok(out)
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
