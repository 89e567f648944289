//! Project templates: what "New project…" writes into a folder the creator picked (the files
//! are in the repository's `templates/`, embedded here). A new project is complete (project
//! file, its own compositions, a README, the schema and the composition types for the editor)
//! or not written at all: nothing in the folder is ever replaced, and a failure part-way
//! removes what was written.

use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TemplateInfo {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
}

struct Template {
    info: TemplateInfo,
    /// (path in the new folder, contents); `PROJECT.bazaar.json` is renamed after the folder.
    files: &'static [(&'static str, &'static str)],
    /// Made by the app rather than stored: the audio template's music.
    music: bool,
}

const PROJECT_FILE: &str = "PROJECT.bazaar.json";

/// Editor support every new project gets (its `"$schema"` and the compositions' `@type` point here).
const EDITOR_FILES: [(&str, &str); 2] = [
    (".bazaar/project.schema.json", include_str!("../../schema/project.schema.json")),
    (".bazaar/composition.d.ts", include_str!("../../types/composition.d.ts")),
];

const TEMPLATES: [Template; 6] = [
    Template {
        info: TemplateInfo {
            id: "blank-canvas",
            name: "Blank canvas",
            description: "One scene drawn with the canvas API: a title and a moving shape to start from.",
        },
        files: &[
            (PROJECT_FILE, include_str!("../../templates/blank-canvas/PROJECT.bazaar.json")),
            ("scene.js", include_str!("../../templates/blank-canvas/scene.js")),
            ("README.md", include_str!("../../templates/blank-canvas/README.md")),
        ],
        music: false,
    },
    Template {
        info: TemplateInfo {
            id: "titles",
            name: "Titles and a lower third",
            description: "A title card, a lower third with a name and a role, and an end card.",
        },
        files: &[
            (PROJECT_FILE, include_str!("../../templates/titles/PROJECT.bazaar.json")),
            ("end-card.js", include_str!("../../templates/titles/end-card.js")),
            ("README.md", include_str!("../../templates/titles/README.md")),
        ],
        music: false,
    },
    Template {
        info: TemplateInfo {
            id: "html-css",
            name: "HTML and CSS",
            description: "A title laid out with HTML and animated with CSS keyframes.",
        },
        files: &[
            (PROJECT_FILE, include_str!("../../templates/html-css/PROJECT.bazaar.json")),
            ("title.js", include_str!("../../templates/html-css/title.js")),
            ("title.css", include_str!("../../templates/html-css/title.css")),
            ("README.md", include_str!("../../templates/html-css/README.md")),
        ],
        music: false,
    },
    Template {
        info: TemplateInfo {
            id: "audio",
            name: "Music and visuals",
            description: "A piece of music with a scene that moves to its loudness and pitches.",
        },
        files: &[
            (PROJECT_FILE, include_str!("../../templates/audio/PROJECT.bazaar.json")),
            ("pulse.js", include_str!("../../templates/audio/pulse.js")),
            ("README.md", include_str!("../../templates/audio/README.md")),
        ],
        music: true,
    },
    Template {
        info: TemplateInfo {
            id: "typescript-canvas",
            name: "TypeScript canvas",
            description: "A canvas scene written in TypeScript (types stripped when it loads; no build step).",
        },
        files: &[
            (PROJECT_FILE, include_str!("../../templates/typescript-canvas/PROJECT.bazaar.json")),
            ("scene.ts", include_str!("../../templates/typescript-canvas/scene.ts")),
            ("tsconfig.json", include_str!("../../templates/typescript-canvas/tsconfig.json")),
            ("package.json", include_str!("../../templates/typescript-canvas/package.json")),
            ("README.md", include_str!("../../templates/typescript-canvas/README.md")),
        ],
        music: false,
    },
    Template {
        info: TemplateInfo {
            id: "react-typescript",
            name: "React + TypeScript (HTML)",
            description: "An HTML scene that is a React component, in TypeScript. Run npm install in the folder first.",
        },
        files: &[
            (PROJECT_FILE, include_str!("../../templates/react-typescript/PROJECT.bazaar.json")),
            ("title.tsx", include_str!("../../templates/react-typescript/title.tsx")),
            ("react-scene.tsx", include_str!("../../templates/react-typescript/react-scene.tsx")),
            ("tsconfig.json", include_str!("../../templates/react-typescript/tsconfig.json")),
            ("package.json", include_str!("../../templates/react-typescript/package.json")),
            ("README.md", include_str!("../../templates/react-typescript/README.md")),
        ],
        music: false,
    },
];

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("there is no project template \"{0}\"")]
    Unknown(String),
    #[error("{} is not a folder: choose a folder for the new project", .0.display())]
    NotAFolder(PathBuf),
    #[error("{} already has {}: choose an empty folder (nothing was written)", folder.display(), files.join(", "))]
    Exists { folder: PathBuf, files: Vec<String> },
    #[error("could not write {}: {source} (nothing was left in the folder)", path.display())]
    Write { path: PathBuf, source: std::io::Error },
}

pub fn list() -> Vec<TemplateInfo> {
    TEMPLATES.iter().map(|t| t.info.clone()).collect()
}

/// Writes template `id` into `folder` and returns the new project file. The project is named
/// after the folder.
pub fn create(id: &str, folder: &Path) -> Result<PathBuf, TemplateError> {
    let template = TEMPLATES.iter().find(|t| t.info.id == id).ok_or_else(|| TemplateError::Unknown(id.into()))?;
    if !folder.is_dir() {
        return Err(TemplateError::NotAFolder(folder.into()));
    }
    let name = folder.file_name().map(|n| n.to_string_lossy().trim().to_string()).filter(|n| !n.is_empty());
    let name = name.unwrap_or_else(|| "Untitled".into());
    let project_file = format!("{}.bazaar.json", file_stem(&name));
    let mut files: Vec<(String, Vec<u8>)> = template
        .files
        .iter()
        .chain(EDITOR_FILES.iter())
        .map(|(path, text)| {
            let path = if *path == PROJECT_FILE { project_file.clone() } else { (*path).to_string() };
            (path.clone(), fill(text, &name, &project_file, path.ends_with(".json")).into_bytes())
        })
        .collect();
    if template.music {
        files.push(("music.wav".into(), music_wav()));
    }
    let taken = taken(folder, files.iter().map(|(p, _)| p.as_str()));
    if !taken.is_empty() {
        return Err(TemplateError::Exists { folder: folder.into(), files: taken });
    }
    let mut written: Vec<PathBuf> = Vec::new();
    let result = files.iter().try_for_each(|(rel, bytes)| {
        let path = folder.join(rel);
        let fail = |source| TemplateError::Write { path: path.clone(), source };
        if let Some(dir) = path.parent().filter(|d| !d.exists()) {
            std::fs::create_dir_all(dir).map_err(fail)?;
            written.push(dir.to_path_buf());
        }
        // Created new: a file or a link that appeared since the check above is never written through.
        let mut f = crate::encode::output::create_new(&path).map_err(fail)?;
        written.push(path.clone());
        f.write_all(bytes).and_then(|()| f.sync_all()).map_err(fail)
    });
    if let Err(e) = result {
        for p in written.iter().rev() {
            let _ = if p.is_dir() { std::fs::remove_dir(p) } else { std::fs::remove_file(p) };
        }
        return Err(e);
    }
    Ok(folder.join(project_file))
}

/// What in `folder` stands where the new project's files would go: a file of the same name, a
/// link (even one leading nowhere: creating the file would follow it out of the folder), or, in
/// place of a sub-folder such as `.bazaar`, anything but a real folder (a link to a folder
/// elsewhere would put the files there).
fn taken<'a>(folder: &Path, files: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut taken: Vec<String> = Vec::new();
    for rel in files {
        let mut at = PathBuf::new();
        let parts: Vec<_> = Path::new(rel).components().collect();
        for (i, part) in parts.iter().enumerate() {
            at.push(part);
            let Ok(meta) = std::fs::symlink_metadata(folder.join(&at)) else { break };
            let last = i + 1 == parts.len();
            if last || !meta.file_type().is_dir() {
                let name = at.to_string_lossy().to_string();
                if !taken.contains(&name) {
                    taken.push(name);
                }
                break;
            }
        }
    }
    taken
}

/// `{{name}}` and `{{file}}` filled in; in JSON files the name is escaped as a JSON string's text.
fn fill(text: &str, name: &str, file: &str, json: bool) -> String {
    let name = if json {
        let quoted = serde_json::to_string(name).unwrap_or_else(|_| "\"Untitled\"".into());
        quoted[1..quoted.len() - 1].to_string()
    } else {
        name.to_string()
    };
    text.replace("{{name}}", &name).replace("{{file}}", file)
}

/// A file name from a project name: letters and digits, the rest as single dashes.
fn file_stem(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').chars().take(80).collect::<String>();
    if out.is_empty() {
        "project".into()
    } else {
        out
    }
}

/// Eight seconds of music for the audio template (48 kHz mono WAV): a bass pulse on every beat
/// under a four-chord arpeggio at 120 BPM, so the scene has loudness and pitches to follow.
fn music_wav() -> Vec<u8> {
    const RATE: u32 = 48_000;
    let n = RATE as usize * 8;
    let chords: [[f64; 3]; 4] =
        [[220.0, 277.18, 329.63], [196.0, 246.94, 293.66], [174.61, 220.0, 261.63], [196.0, 246.94, 311.13]];
    let mut data = Vec::with_capacity(n * 2);
    for i in 0..n {
        let t = i as f64 / f64::from(RATE);
        let beat = t * 2.0; // 120 BPM
        let in_beat = beat.fract() / 2.0; // seconds since the beat
        let chord = chords[(t / 2.0) as usize % 4];
        let note = chord[((t * 8.0) as usize) % 3] * 2.0;
        let in_note = (t * 8.0).fract() / 8.0;
        let arp = (std::f64::consts::TAU * note * t).sin() * (-in_note * 18.0).exp() * 0.25;
        let bass = (std::f64::consts::TAU * chord[0] / 4.0 * t).sin() * (-in_beat * 6.0).exp() * 0.45;
        let fade = (t / 0.05).min(1.0) * ((8.0 - t) / 0.3).min(1.0);
        let s = ((arp + bass) * fade).clamp(-1.0, 1.0);
        data.extend_from_slice(&((s * 32_000.0) as i16).to_le_bytes());
    }
    let mut wav = Vec::with_capacity(44 + data.len());
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
    wav.extend_from_slice(&1u16.to_le_bytes()); // mono
    wav.extend_from_slice(&RATE.to_le_bytes());
    wav.extend_from_slice(&(RATE * 2).to_le_bytes());
    wav.extend_from_slice(&2u16.to_le_bytes());
    wav.extend_from_slice(&16u16.to_le_bytes());
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&(data.len() as u32).to_le_bytes());
    wav.extend_from_slice(&data);
    wav
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_writes_a_project_that_opens() {
        for t in list() {
            let dir = tempfile::tempdir().unwrap();
            let folder = dir.path().join("My \"Launch\" Video");
            std::fs::create_dir(&folder).unwrap();
            let file = create(t.id, &folder).unwrap();
            assert_eq!(file, folder.join("my-launch-video.bazaar.json"));
            let project = crate::project::open_project(&file).unwrap_or_else(|e| panic!("{}: {e}", t.id));
            assert_eq!(project.name, "My \"Launch\" Video", "{}", t.id);
            let readme = std::fs::read_to_string(folder.join("README.md")).unwrap();
            assert!(readme.contains("my-launch-video.bazaar.json") && !readme.contains("{{"), "{readme}");
            assert!(folder.join(".bazaar/project.schema.json").is_file());
            let text = std::fs::read_to_string(&file).unwrap();
            assert!(text.contains("\"$schema\": \"./.bazaar/project.schema.json\""));
        }
    }

    #[test]
    fn nothing_in_the_folder_is_replaced_and_a_bad_request_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("scene.js"), "// mine").unwrap();
        let e = create("blank-canvas", dir.path()).unwrap_err();
        assert!(matches!(&e, TemplateError::Exists { files, .. } if files == &["scene.js"]), "{e}");
        assert_eq!(std::fs::read_to_string(dir.path().join("scene.js")).unwrap(), "// mine");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "nothing else was written");
        assert!(matches!(create("nope", dir.path()), Err(TemplateError::Unknown(_))));
        assert!(matches!(create("blank-canvas", &dir.path().join("missing")), Err(TemplateError::NotAFolder(_))));
    }

    #[test]
    fn nothing_is_written_through_a_link_in_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        // `.bazaar` a link to a folder elsewhere: the editor files would land there.
        std::os::unix::fs::symlink(outside.path(), dir.path().join(".bazaar")).unwrap();
        let e = create("blank-canvas", dir.path()).unwrap_err();
        assert!(matches!(&e, TemplateError::Exists { files, .. } if files == &[".bazaar"]), "{e}");
        assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0, "nothing written outside");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "nothing written in the folder");
        // A link that leads nowhere, where a file would go: named, and nothing made at its end.
        std::fs::remove_file(dir.path().join(".bazaar")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("planted.js"), dir.path().join("scene.js")).unwrap();
        let e = create("blank-canvas", dir.path()).unwrap_err();
        assert!(matches!(&e, TemplateError::Exists { files, .. } if files == &["scene.js"]), "{e}");
        assert!(!outside.path().join("planted.js").exists());
    }

    #[test]
    fn a_failure_part_way_leaves_the_folder_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        // `.bazaar` as a file: the editor files cannot be written, after the others were.
        std::fs::write(dir.path().join(".bazaar"), "").unwrap();
        let e = create("blank-canvas", dir.path()).unwrap_err();
        assert!(matches!(e, TemplateError::Exists { .. } | TemplateError::Write { .. }), "{e}");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left, vec![std::ffi::OsString::from(".bazaar")]);
    }

    #[test]
    fn the_music_is_a_wav_of_eight_seconds() {
        let wav = music_wav();
        assert_eq!(&wav[..4], b"RIFF");
        assert_eq!(wav.len(), 44 + 48_000 * 8 * 2);
    }
}
