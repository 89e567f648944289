//! Live reload: the open project's folder is watched (inotify, through `notify`), and a change to
//! a file the preview may depend on is told to the window (`bazaar:changed`), which reloads the
//! project and shows the same frame. Exports are unaffected: a render reads the project and its
//! modules when it starts.
//!
//! Bursts are gathered for a moment first: editors save by writing a temp file and renaming it,
//! which is several events for one save.

use bazaar_core::project::Project;
use notify::{RecursiveMode, Watcher};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::sync::Mutex;
use std::time::Duration;
use tauri::{AppHandle, Emitter};

/// How long a burst of events is gathered before the window is told.
const SETTLE: Duration = Duration::from_millis(120);
/// Folders below the project's that are watched (a project inside a huge tree must not make us
/// watch all of it).
const MAX_DEPTH: usize = 4;
const MAX_FOLDERS: usize = 256;
/// Outputs a creator may save beside the project: a change to one is no reason to reload,
/// unless the project shows that file as a clip.
const OUTPUT_EXTENSIONS: [&str; 6] = ["mp4", "webm", "gif", "mov", "mkv", "m4v"];

/// The watcher of the open project (replaced when another opens; dropping it ends its thread).
#[derive(Default)]
pub struct ProjectWatch(Mutex<Option<notify::RecommendedWatcher>>);

#[derive(Clone, Serialize)]
struct Changed {
    /// The changed files, relative to the project's folder.
    files: Vec<String>,
}

/// Starts watching `project`'s folder for the main window (ending any earlier watch).
pub fn watch(app: &AppHandle, watch: &ProjectWatch, project: &Project) {
    let (tx, rx) = channel();
    let watcher = notify::recommended_watcher(move |res| {
        let _ = tx.send(res);
    });
    let mut watcher = match watcher {
        Ok(w) => w,
        Err(e) => {
            tracing::warn!("live reload is off ({e})");
            return;
        }
    };
    for dir in folders(&project.root) {
        if let Err(e) = watcher.watch(&dir, RecursiveMode::NonRecursive) {
            tracing::warn!("{} is not watched for changes ({e})", dir.display());
        }
    }
    let (root, clips) = (project.root.clone(), project.videos.iter().map(|v| v.path.clone()).collect::<Vec<_>>());
    let app = app.clone();
    let spawned =
        std::thread::Builder::new().name("project-watch".into()).spawn(move || forward(&app, &rx, &root, &clips));
    if spawned.is_ok() {
        *watch.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(watcher);
    }
}

/// The project's folder and its sub-folders (not hidden ones, not `node_modules` or `target`):
/// an `npm install` is seen by `package.json` and the lock file, in the folder itself.
fn folders(root: &Path) -> Vec<PathBuf> {
    let mut out = vec![root.to_path_buf()];
    let mut next = 0;
    while next < out.len() && out.len() < MAX_FOLDERS {
        let dir = out[next].clone();
        next += 1;
        if dir.strip_prefix(root).map_or(0, |r| r.components().count()) >= MAX_DEPTH {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            let skip = name.starts_with('.') || name == "node_modules" || name == "target";
            // file_type() does not follow links: a linked folder may lead out of the project.
            if !skip && e.file_type().is_ok_and(|t| t.is_dir()) && out.len() < MAX_FOLDERS {
                out.push(e.path());
            }
        }
    }
    out
}

fn forward(app: &AppHandle, rx: &Receiver<notify::Result<notify::Event>>, root: &Path, clips: &[PathBuf]) {
    loop {
        // Wait for the first event of a burst, then gather the rest.
        let Ok(first) = rx.recv() else { return };
        let mut files = Vec::new();
        let mut take = |res: notify::Result<notify::Event>| {
            let Ok(event) = res else { return };
            if event.kind.is_access() {
                return;
            }
            for p in event.paths.iter().filter(|p| matters(p, clips)) {
                let rel = p.strip_prefix(root).unwrap_or(p).to_string_lossy().to_string();
                if !files.contains(&rel) {
                    files.push(rel);
                }
            }
        };
        take(first);
        loop {
            match rx.recv_timeout(SETTLE) {
                Ok(res) => take(res),
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
        if !files.is_empty() {
            let _ = app.emit_to(crate::state::MAIN_WINDOW, "bazaar:changed", Changed { files });
        }
    }
}

/// Whether a change to `path` may change the preview: not an editor's swap or backup file, not
/// a hidden file (our own exports write hidden temp files), not a video saved beside the project.
fn matters(path: &Path, clips: &[PathBuf]) -> bool {
    let Some(name) = path.file_name().map(|n| n.to_string_lossy()) else { return false };
    if name.starts_with('.') || name.ends_with('~') || name.ends_with(".swp") || name.starts_with("#") {
        return false;
    }
    let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    !OUTPUT_EXTENSIONS.contains(&ext.as_str()) || clips.iter().any(|c| c == path)
}

#[cfg(test)]
mod tests {
    use super::matters;
    use std::path::{Path, PathBuf};

    #[test]
    fn only_what_the_preview_may_use_counts() {
        let clips = [PathBuf::from("/p/footage/a.mp4")];
        assert!(matters(Path::new("/p/project.bazaar.json"), &clips));
        assert!(matters(Path::new("/p/scenes/title.js"), &clips));
        assert!(matters(Path::new("/p/footage/a.mp4"), &clips));
        // `npm install` changes these (node_modules itself is not watched: it can be huge).
        for f in ["package.json", "package-lock.json", "pnpm-lock.yaml", "yarn.lock", "tsconfig.json"] {
            assert!(matters(&Path::new("/p").join(f), &clips), "{f}");
        }
        assert!(!matters(Path::new("/p/launch.mp4"), &clips), "an export saved beside the project");
        assert!(!matters(Path::new("/p/.launch.mp4.123-abc.bazaar-part"), &clips));
        assert!(!matters(Path::new("/p/title.js~"), &clips));
        assert!(!matters(Path::new("/p/.title.js.swp"), &clips));
    }
}
