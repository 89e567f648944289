//! Writing a scene's `props` back into the project file (the window's props panel). Only the
//! text of that one `props` value changes: every other byte of the file (key order, indentation,
//! fields the app does not know, one-line objects) stays as the creator wrote it. The file is
//! replaced atomically, and if it changed on disk since the window read it, the version on disk
//! is kept as a backup first.

use serde_json::Value;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("{}: {what} (the file was not changed)", file.display())]
    Refused { file: PathBuf, what: String },
    #[error("could not save {}: {source} (the file was not changed)", file.display())]
    Io { file: PathBuf, source: std::io::Error },
}

/// A fingerprint of a project file's bytes, to tell whether it changed since it was read.
pub fn stamp(bytes: &[u8]) -> String {
    // FNV-1a: stable across runs and versions (std's hasher is not).
    let h = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3));
    format!("{h:016x}-{}", bytes.len())
}

/// What a save did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    /// Where the version that was on disk went, when it had changed since `stamp`.
    pub backup: Option<PathBuf>,
}

/// Sets `scenes[scene].props` of the project `file` to `props` (in that order for keys the file
/// does not have yet; keys it has keep their place) and saves. `read_stamp`: the file's
/// [`stamp`] when the window read it.
pub fn save_scene_props(
    file: &Path,
    scene: usize,
    props: &[(String, Value)],
    read_stamp: &str,
) -> Result<Saved, EditError> {
    let refused = |what: String| EditError::Refused { file: file.into(), what };
    let io = |source| EditError::Io { file: file.into(), source };
    let bytes = std::fs::read(file).map_err(io)?;
    let text = std::str::from_utf8(&bytes).map_err(|_| refused("the file is not UTF-8 text".into()))?;
    let edited = set_scene_props(text, scene, props).map_err(refused)?;
    // The result must still be a project the app opens: the panel never saves a broken file.
    let root = file.parent().unwrap_or(Path::new("."));
    if let Err(problems) = super::parse_project(edited.as_bytes(), root, "project") {
        let first = problems.first().map(|p| format!("{}: {}", p.at, p.message)).unwrap_or_default();
        return Err(refused(format!("these props would make the project invalid ({first})")));
    }
    let backup = if stamp(&bytes) == read_stamp {
        None
    } else {
        let name = file.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| "project".into());
        let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let backup = file.with_file_name(format!("{name}.backup-{secs}"));
        std::fs::write(&backup, &bytes).map_err(io)?;
        Some(backup)
    };
    let temp = file.with_file_name(format!(
        ".{}.saving-{}",
        file.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default(),
        std::process::id()
    ));
    let written = std::fs::write(&temp, edited.as_bytes())
        .and_then(|()| std::fs::File::open(&temp)?.sync_all())
        .and_then(|()| std::fs::rename(&temp, file));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(io(e));
    }
    Ok(Saved { backup })
}

/// The project text with `scenes[scene].props` replaced (or added).
pub fn set_scene_props(text: &str, scene: usize, props: &[(String, Value)]) -> Result<String, String> {
    let doc = span::parse(text).ok_or("the file is not valid JSON")?;
    let scenes = doc.member("scenes").ok_or("the project has no \"scenes\"")?;
    let s = scenes.items().get(scene).ok_or(format!("the project has no scene {}", scene + 1))?;
    if !matches!(s.kind, span::Kind::Object(_)) {
        return Err(format!("scenes[{scene}] is not an object"));
    }
    match s.member_entry("props") {
        Some((_, old)) => {
            let keys: Vec<String> = old.keys();
            let mut ordered: Vec<&(String, Value)> = Vec::new();
            for k in &keys {
                ordered.extend(props.iter().filter(|(pk, _)| pk == k));
            }
            ordered.extend(props.iter().filter(|(pk, _)| !keys.contains(pk)));
            let old_text = &text[old.start..old.end];
            let value = if old_text.contains('\n') {
                let indent = line_indent(text, old.start);
                pretty(&ordered, &indent, &indent_unit(text))
            } else {
                one_line(&ordered)
            };
            Ok(format!("{}{}{}", &text[..old.start], value, &text[old.end..]))
        }
        None => {
            // Added after the scene's last member, in the scene's own style.
            let ordered: Vec<&(String, Value)> = props.iter().collect();
            let last_end = s.last_member_end().ok_or(format!("scenes[{scene}] is empty"))?;
            let scene_text = &text[s.start..s.end];
            let insert = if scene_text.contains('\n') {
                let indent = line_indent(text, s.first_member_start().unwrap_or(s.start));
                format!(",\n{indent}\"props\": {}", pretty(&ordered, &indent, &indent_unit(text)))
            } else {
                format!(", \"props\": {}", one_line(&ordered))
            };
            Ok(format!("{}{}{}", &text[..last_end], insert, &text[last_end..]))
        }
    }
}

/// The whitespace that starts the line `at` is on.
fn line_indent(text: &str, at: usize) -> String {
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    text[line_start..].chars().take_while(|c| *c == ' ' || *c == '\t').collect()
}

/// One level of the file's indentation (that of its first indented line; two spaces if none).
fn indent_unit(text: &str) -> String {
    text.lines()
        .map(|l| l.chars().take_while(|c| *c == ' ' || *c == '\t').collect::<String>())
        .find(|i| !i.is_empty())
        .unwrap_or_else(|| "  ".into())
}

fn json(v: &impl serde::Serialize) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

fn one_line(props: &[&(String, Value)]) -> String {
    if props.is_empty() {
        return "{}".into();
    }
    let members: Vec<String> = props.iter().map(|(k, v)| format!("{}: {}", json(k), json(v))).collect();
    format!("{{ {} }}", members.join(", "))
}

fn pretty(props: &[&(String, Value)], indent: &str, unit: &str) -> String {
    if props.is_empty() {
        return "{}".into();
    }
    let members: Vec<String> = props.iter().map(|(k, v)| format!("{indent}{unit}{}: {}", json(k), json(v))).collect();
    format!("{{\n{}\n{indent}}}", members.join(",\n"))
}

/// Where each value of a JSON text is (byte offsets), for editing one in place.
mod span {
    pub struct Node {
        pub start: usize,
        pub end: usize,
        pub kind: Kind,
    }

    pub enum Kind {
        /// (key, key's start, value)
        Object(Vec<(String, usize, Node)>),
        Array(Vec<Node>),
        Scalar,
    }

    impl Node {
        pub fn member(&self, key: &str) -> Option<&Node> {
            self.member_entry(key).map(|(_, v)| v)
        }
        pub fn member_entry(&self, key: &str) -> Option<(usize, &Node)> {
            match &self.kind {
                Kind::Object(m) => m.iter().rev().find(|(k, _, _)| k == key).map(|(_, at, v)| (*at, v)),
                _ => None,
            }
        }
        pub fn items(&self) -> &[Node] {
            match &self.kind {
                Kind::Array(items) => items,
                _ => &[],
            }
        }
        pub fn keys(&self) -> Vec<String> {
            match &self.kind {
                Kind::Object(m) => m.iter().map(|(k, _, _)| k.clone()).collect(),
                _ => Vec::new(),
            }
        }
        pub fn last_member_end(&self) -> Option<usize> {
            match &self.kind {
                Kind::Object(m) => m.last().map(|(_, _, v)| v.end),
                _ => None,
            }
        }
        pub fn first_member_start(&self) -> Option<usize> {
            match &self.kind {
                Kind::Object(m) => m.first().map(|(_, at, _)| *at),
                _ => None,
            }
        }
    }

    pub fn parse(text: &str) -> Option<Node> {
        let b = text.as_bytes();
        let mut p = 0;
        let node = value(b, &mut p, 0)?;
        ws(b, &mut p);
        (p == b.len()).then_some(node)
    }

    fn ws(b: &[u8], p: &mut usize) {
        while *p < b.len() && b[*p].is_ascii_whitespace() {
            *p += 1;
        }
    }

    fn string(b: &[u8], p: &mut usize) -> Option<String> {
        let start = *p;
        if b.get(*p) != Some(&b'"') {
            return None;
        }
        *p += 1;
        while *p < b.len() {
            match b[*p] {
                b'\\' => *p += 2,
                b'"' => {
                    *p += 1;
                    return serde_json::from_slice(&b[start..*p]).ok();
                }
                _ => *p += 1,
            }
        }
        None
    }

    /// After a member or an item: past a comma (false, more follow) or past `close` (true, the
    /// object or array ends); None for anything else.
    fn ends(b: &[u8], p: &mut usize, close: u8) -> Option<bool> {
        ws(b, p);
        let c = *b.get(*p)?;
        *p += 1;
        match c {
            b',' => Some(false),
            c if c == close => Some(true),
            _ => None,
        }
    }

    fn value(b: &[u8], p: &mut usize, depth: usize) -> Option<Node> {
        if depth > 128 {
            return None;
        }
        ws(b, p);
        let start = *p;
        match *b.get(*p)? {
            b'{' => {
                *p += 1;
                let mut members = Vec::new();
                ws(b, p);
                if b.get(*p) == Some(&b'}') {
                    *p += 1;
                    return Some(Node { start, end: *p, kind: Kind::Object(members) });
                }
                loop {
                    ws(b, p);
                    let at = *p;
                    let key = string(b, p)?;
                    ws(b, p);
                    (b.get(*p) == Some(&b':')).then_some(())?;
                    *p += 1;
                    let v = value(b, p, depth + 1)?;
                    members.push((key, at, v));
                    if ends(b, p, b'}')? {
                        return Some(Node { start, end: *p, kind: Kind::Object(members) });
                    }
                }
            }
            b'[' => {
                *p += 1;
                let mut items = Vec::new();
                ws(b, p);
                if b.get(*p) == Some(&b']') {
                    *p += 1;
                    return Some(Node { start, end: *p, kind: Kind::Array(items) });
                }
                loop {
                    items.push(value(b, p, depth + 1)?);
                    if ends(b, p, b']')? {
                        return Some(Node { start, end: *p, kind: Kind::Array(items) });
                    }
                }
            }
            b'"' => {
                string(b, p)?;
                Some(Node { start, end: *p, kind: Kind::Scalar })
            }
            _ => {
                while *p < b.len() && !matches!(b[*p], b',' | b'}' | b']') && !b[*p].is_ascii_whitespace() {
                    *p += 1;
                }
                (*p > start).then_some(Node { start, end: *p, kind: Kind::Scalar })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn props(v: &[(&str, Value)]) -> Vec<(String, Value)> {
        v.iter().map(|(k, v)| ((*k).to_string(), v.clone())).collect()
    }

    const FILE: &str = r#"{
    "version": 1,
    "name": "T",
    "x-editor": { "zoom": 2 },
    "width": 640, "height": 360, "fps": 30,
    "scenes": [
        {
            "composition": "TitleCard",
            "durationInFrames": 30,
            "props": {
                "title": "Old",
                "subtitle": "Keep"
            },
            "note": "unknown, kept"
        },
        { "composition": "TitleCard", "durationInFrames": 30, "props": { "title": "B" } },
        { "composition": "TitleCard", "durationInFrames": 30 }
    ]
}
"#;

    #[test]
    fn only_the_props_text_changes_keeping_order_and_indentation() {
        let out = set_scene_props(
            FILE,
            0,
            &props(&[("subtitle", json!("New \"sub\"")), ("title", json!("New")), ("color", json!("#ff0000"))]),
        )
        .unwrap();
        let want = FILE.replace(
            "{\n                \"title\": \"Old\",\n                \"subtitle\": \"Keep\"\n            }",
            "{\n                \"title\": \"New\",\n                \"subtitle\": \"New \\\"sub\\\"\",\n                \"color\": \"#ff0000\"\n            }",
        );
        assert_eq!(out, want);
    }

    #[test]
    fn a_one_line_scene_stays_on_one_line_and_missing_props_are_added() {
        let out = set_scene_props(FILE, 1, &props(&[("title", json!("C")), ("size", json!(3.5))])).unwrap();
        assert_eq!(out, FILE.replace(r#""props": { "title": "B" }"#, r#""props": { "title": "C", "size": 3.5 }"#));
        let out = set_scene_props(FILE, 2, &props(&[("title", json!("D"))])).unwrap();
        assert_eq!(
            out,
            FILE.replace(r#""durationInFrames": 30 }"#, r#""durationInFrames": 30, "props": { "title": "D" } }"#)
        );
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["x-editor"], json!({ "zoom": 2 }));
        assert!(set_scene_props(FILE, 3, &[]).is_err());
    }

    #[test]
    fn saving_backs_up_a_file_that_changed_and_never_writes_a_broken_project() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p.bazaar.json");
        std::fs::write(&file, FILE).unwrap();
        let read = stamp(FILE.as_bytes());
        let saved = save_scene_props(&file, 1, &props(&[("title", json!("E"))]), &read).unwrap();
        assert_eq!(saved.backup, None);
        assert!(std::fs::read_to_string(&file).unwrap().contains(r#""props": { "title": "E" }"#));
        // Changed on disk since it was read: the disk's version is kept beside it.
        let on_disk = std::fs::read_to_string(&file).unwrap();
        let saved = save_scene_props(&file, 1, &props(&[("title", json!("F"))]), &read).unwrap();
        let backup = saved.backup.expect("a backup");
        assert_eq!(std::fs::read_to_string(&backup).unwrap(), on_disk);
        // A scene out of range, or props that break validation: refused, file untouched.
        let before = std::fs::read_to_string(&file).unwrap();
        assert!(save_scene_props(&file, 9, &[], &stamp(before.as_bytes())).is_err());
        std::fs::write(&file, before.replace("\"TitleCard\"", "\"VideoClip\"")).unwrap();
        let now = std::fs::read(&file).unwrap();
        let e = save_scene_props(&file, 1, &props(&[("src", json!(42))]), &stamp(&now)).unwrap_err();
        assert!(e.to_string().contains("invalid"), "{e}");
        assert_eq!(std::fs::read(&file).unwrap(), now);
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 2, "the file and one backup, no temp file: {names:?}");
    }
}
