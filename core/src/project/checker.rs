//! What the validation rules share: the list of problems found so far, how a JSON value is
//! described in a message, and the check of a file a project names (a module, a sound).

use super::Problem;
use serde_json::Value;
use std::path::{Component, Path};

/// The problems found so far: each rule adds one and carries on.
pub(super) struct Checker {
    pub(super) problems: Vec<Problem>,
}

impl Checker {
    pub(super) fn add(&mut self, at: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem { at: at.into(), message: message.into() });
    }
}

/// A short description of what a JSON value is, for messages like "must be a number, not a string".
pub(crate) fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("{b}"),
        Value::Number(n) => format!("{n}"),
        Value::String(s) if s.chars().count() > 40 => {
            format!("a text of {} characters", s.chars().count())
        }
        Value::String(s) => format!("the text {s:?}"),
        Value::Array(a) => format!("a list of {} item(s)", a.len()),
        Value::Object(_) => "an object".into(),
    }
}

/// A path cut to 80 characters for a message.
pub(super) fn shorten(rel: &str) -> String {
    if rel.chars().count() > 80 {
        format!("{}…", rel.chars().take(80).collect::<String>())
    } else {
        rel.to_string()
    }
}

/// A file a project names (a module, a sound) must be a relative path that stays inside the
/// project folder (after symlinks) and exists as a file. Returns it normalised
/// (`./scenes/a.js` → `scenes/a.js`). `what` names the kind of file in messages.
pub(crate) fn check_project_file(rel: &str, root: &Path, what: &str) -> Result<String, String> {
    let shown = shorten(rel);
    if rel.is_empty() {
        return Err(format!("the {what} path is empty"));
    }
    if rel.contains('\0') || rel.chars().any(|ch| ch.is_control()) {
        return Err(format!("the {what} path {shown:?} contains control characters"));
    }
    let p = Path::new(rel);
    if p.is_absolute() || rel.starts_with('\\') || rel.get(1..2) == Some(":") {
        return Err(format!(
            "{shown:?} is an absolute path; {what} paths must be relative to the project file's folder"
        ));
    }
    let mut parts = Vec::new();
    for comp in p.components() {
        match comp {
            Component::CurDir => {}
            Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            Component::ParentDir => {
                return Err(format!("{shown:?} uses '..'; a {what} must live inside the project's folder"));
            }
            _ => return Err(format!("{shown:?} is not a plain relative path")),
        }
    }
    let full = root.join(parts.join("/"));
    let real = full
        .canonicalize()
        .map_err(|_| format!("{shown:?} does not exist in the project folder {}", root.display()))?;
    if !real.starts_with(root) {
        return Err(format!(
            "{shown:?} is a link that leads outside the project folder; copy the {what} into the folder"
        ));
    }
    if !real.is_file() {
        return Err(format!("{shown:?} is not a file"));
    }
    Ok(parts.join("/"))
}
