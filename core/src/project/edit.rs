//! Writing a scene's `props` back into the project file (the window's props panel). Only the
//! text of that one `props` value changes: every other byte of the file (key order, indentation,
//! fields the app does not know, one-line objects) stays as the creator wrote it. The file is
//! replaced atomically, and if it changed on disk since the window read it, the version on disk
//! is kept as a backup first.
//!
//! Nothing is written through a link: the temp file and the backups are created new
//! ([`output::SideFile`], [`output::create_new`]: an existing name, a planted link included, is
//! never opened), and a project file that has become a link out of its folder is not saved.

use crate::encode::output;
use crate::input_file::{io_reason, read_regular, InputFileError};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("{}: {what} (the file was not changed)", file.display())]
    Refused { file: PathBuf, what: String },
    #[error("could not save {}: {} (the file was not changed)", file.display(), io_reason(source))]
    Io { file: PathBuf, source: std::io::Error },
}

/// A fingerprint of a project file's bytes, to tell whether it changed since it was read.
pub fn stamp(bytes: &[u8]) -> String {
    // Stable across runs (std's hasher is not), with the length.
    let mut h = crate::content_hash::ContentHash::default();
    h.update(bytes);
    format!("{}-{}", h.hex(), bytes.len())
}

/// What a save did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    /// Where the version that was on disk went, when it had changed since `stamp`.
    pub backup: Option<PathBuf>,
}

/// One save at a time in this process: two at once would each read the file, and the second
/// rename would drop the first save's change without a backup.
static SAVING: Mutex<()> = Mutex::new(());

/// How often a save starts again when the file changed on disk while it was being saved (an
/// editor writing it): each new start keeps what is on disk as a backup.
const ATTEMPTS: usize = 3;

/// Sets `scenes[scene].props` of the project `file` to `props` (in that order for keys the file
/// does not have yet; keys it has keep their place) and saves. `read_stamp`: the file's
/// [`stamp`] when the window read it.
pub fn save_scene_props(
    file: &Path,
    scene: usize,
    props: &[(String, Value)],
    read_stamp: &str,
) -> Result<Saved, EditError> {
    save_edited(file, read_stamp, super::MAX_FILE_BYTES, |bytes| edited(file, bytes, scene, props))
}

/// Replaces `file` (at most `max` bytes) by `edit` of its bytes, atomically; if it changed on
/// disk since it was read (`read_stamp`), the version on disk is kept as a backup first. The
/// props panel's save and the caption table's (`captions::edit`).
pub fn save_edited(
    file: &Path,
    read_stamp: &str,
    max: u64,
    edit: impl Fn(&[u8]) -> Result<String, EditError>,
) -> Result<Saved, EditError> {
    let _one_at_a_time = SAVING.lock().unwrap_or_else(|e| e.into_inner());
    let target = real_file(file)?;
    let mut backups = Vec::new();
    for _ in 0..ATTEMPTS {
        let bytes = read(file, &target, max)?;
        let edited = edit(&bytes)?;
        // Changed on disk since the window read it (or since the last attempt): kept first.
        let expected = backups.last().map_or(read_stamp.to_string(), |(_, s): &(PathBuf, String)| s.clone());
        if stamp(&bytes) != expected {
            backups.push((backup(file, &bytes)?, stamp(&bytes)));
        }
        let side = output::SideFile::create(&target).map_err(|e| io(file, e))?;
        side.file().write_all(edited.as_bytes()).map_err(|e| io(file, e))?;
        // An editor that wrote the file since it was read above would lose its version to the
        // rename: read it again last thing, and start over (keeping that version) if it changed.
        if read(file, &target, max)? != bytes {
            continue;
        }
        side.replace(&target).map_err(|e| io(file, e))?;
        return Ok(Saved { backup: backups.pop().map(|(b, _)| b) });
    }
    Err(refused(
        file,
        "the file kept changing on disk while it was being saved (is another program writing it?): \
         try Save again"
            .into(),
    ))
}

pub(crate) fn refused(file: &Path, what: String) -> EditError {
    EditError::Refused { file: file.into(), what }
}

fn io(file: &Path, source: std::io::Error) -> EditError {
    EditError::Io { file: file.into(), source }
}

/// The file a save writes: `file` itself, or the file it links to when that is in the project's
/// folder. A link out of the folder is refused: the props panel edits this project's file, and
/// saving there would change a file elsewhere (or, by replacing the link, copy that file here).
fn real_file(file: &Path) -> Result<PathBuf, EditError> {
    let meta = std::fs::symlink_metadata(file).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => refused(file, gone(file)),
        _ => io(file, e),
    })?;
    if !meta.file_type().is_symlink() {
        return Ok(file.to_path_buf());
    }
    let folder = file.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let leads = std::fs::read_link(file).map_or_else(|_| "?".into(), |t| t.display().to_string());
    let (Ok(real), Ok(root)) = (std::fs::canonicalize(file), std::fs::canonicalize(folder)) else {
        return Err(refused(file, format!("it is a link to {leads}, which cannot be reached")));
    };
    if !real.starts_with(&root) {
        return Err(refused(
            file,
            format!(
                "it is now a link to {}, outside the project's folder {}, and the props panel does \
                 not save through it: put the project file itself back in the folder, or open the \
                 project where it is",
                real.display(),
                root.display()
            ),
        ));
    }
    Ok(real)
}

/// What became of a project file that is no longer where it was opened (it, or its folder,
/// deleted or moved), in words; `None` while it is there. For the window's messages as well.
pub fn moved_away(file: &Path) -> Option<String> {
    if std::fs::metadata(file).is_ok() {
        return None;
    }
    Some(match file.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(dir) if !dir.is_dir() => format!("the project folder {} was deleted or moved", dir.display()),
        _ => format!("the project file {} was deleted or moved", file.display()),
    })
}

fn gone(file: &Path) -> String {
    moved_away(file)
        .map_or_else(|| "the project file was deleted or moved".into(), |what| format!("{what} since it was opened"))
}

/// The file's bytes: a regular file (a FIFO would never answer) of at most `max` bytes.
fn read(file: &Path, target: &Path, max: u64) -> Result<Vec<u8>, EditError> {
    read_regular(target, max).map_err(|e| match e {
        InputFileError::NotFound => refused(file, gone(file)),
        InputFileError::TooLarge { .. } => {
            refused(file, format!("the file is larger than such a file may be ({} MiB)", max >> 20))
        }
        InputFileError::Io(reason) => refused(file, format!("cannot read it: {reason}")),
        other => refused(file, format!("it is no project file any more: {other}")),
    })
}

/// The file's text with the new props, if it is still a project the app opens: the panel never
/// saves a broken file, nor one too large to open again.
fn edited(file: &Path, bytes: &[u8], scene: usize, props: &[(String, Value)]) -> Result<String, EditError> {
    let text = std::str::from_utf8(bytes).map_err(|_| refused(file, "the file is not UTF-8 text".into()))?;
    let edited = set_scene_props(text, scene, props).map_err(|what| refused(file, what))?;
    if edited.len() as u64 > super::MAX_FILE_BYTES {
        return Err(refused(
            file,
            format!(
                "with these props the file would be {:.1} MiB, and project files are limited to 10 MiB \
                 (put long text in a file beside the project)",
                edited.len() as f64 / 1_048_576.0
            ),
        ));
    }
    let root = file.parent().unwrap_or(Path::new("."));
    if let Err(problems) = super::parse_project(edited.as_bytes(), root, "project") {
        let first = problems.first().map(|p| format!("{}: {}", p.at, p.message)).unwrap_or_default();
        return Err(refused(file, format!("these props would make the project invalid ({first})")));
    }
    Ok(edited)
}

/// Keeps `bytes` (the version on disk) as `<file>.backup-<seconds>`, or, when a backup of that
/// second exists already, `…-<seconds>-002`, `-003`…: never replacing one, in the order made.
fn backup(file: &Path, bytes: &[u8]) -> Result<PathBuf, EditError> {
    let name = file.file_name().map_or_else(|| "project".into(), |n| n.to_string_lossy().to_string());
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    for n in 1..1000 {
        let path = match n {
            1 => file.with_file_name(format!("{name}.backup-{secs}")),
            n => file.with_file_name(format!("{name}.backup-{secs}-{n:03}")),
        };
        match output::create_new(&path) {
            Ok(mut f) => {
                let written = f.write_all(bytes).and_then(|()| f.sync_all());
                return match written {
                    Ok(()) => Ok(path),
                    Err(e) => {
                        let _ = std::fs::remove_file(&path);
                        Err(io(file, e))
                    }
                };
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io(file, e)),
        }
    }
    Err(refused(file, format!("there are already 999 backups of it from this second ({name}.backup-{secs}-…)")))
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

pub(crate) mod span;

#[cfg(test)]
mod tests;
