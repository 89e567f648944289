//! A sound file opened once, as what `check` saw: a regular file inside the project folder
//! after its links are resolved, and GStreamer given that very open file.
//!
//! Why: the file is opened again when the render starts (and when the mix reaches it, which
//! may be minutes later), by its path. A link swapped in meanwhile made the mix read a file
//! outside the project folder into the video, and a FIFO swapped in blocked the mixer's
//! thread in `open()` for ever (the render ignored SIGTERM, found on this round). So the file
//! is opened here without blocking ([`crate::input_file::open_regular`]), the real path of the
//! open file is checked against the folder, and GStreamer reads it through
//! `/proc/self/fd/<n>`, which reaches that open file whatever the path names by then.

use super::{AudioClip, AudioError};
use crate::input_file::{open_regular, InputFileError};
use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

/// An open sound file and the location GStreamer reads it from.
pub(super) struct SoundFile {
    /// Kept open until GStreamer has opened the location.
    pub file: File,
    pub location: PathBuf,
}

/// The folder a sound must stay inside: the project's, which is its path less the relative
/// path the project names (`None` if the two do not fit, as for a file named outside a project).
fn folder_of(clip: &AudioClip) -> Option<PathBuf> {
    let depth = Path::new(&clip.src).components().count();
    let folder = clip.path.ancestors().nth(depth)?;
    (folder.join(&clip.src) == clip.path).then(|| folder.canonicalize().ok()).flatten()
}

/// Opens `clip`'s file for reading: refused if it is not a regular file (now), or if it lies
/// outside the project folder once its links are resolved.
pub(super) fn open(clip: &AudioClip) -> Result<SoundFile, AudioError> {
    let path = &clip.path;
    let unreadable = |reason: String| AudioError::Unreadable { path: path.clone(), reason };
    let (file, _) = open_regular(path, u64::MAX).map_err(|e| match e {
        InputFileError::NotFound => unreadable("it is no longer there".into()),
        e => unreadable(e.to_string()),
    })?;
    let fd_path = PathBuf::from(format!("/proc/self/fd/{}", file.as_raw_fd()));
    // Without /proc (never seen on Linux), the path itself, resolved now.
    let (real, location) = match std::fs::read_link(&fd_path) {
        Ok(real) => (real, fd_path),
        Err(_) => (path.canonicalize().map_err(|e| unreadable(crate::input_file::io_reason(&e)))?, path.clone()),
    };
    if let Some(folder) = folder_of(clip) {
        if !real.starts_with(&folder) {
            return Err(unreadable(format!(
                "it now leads outside the project folder (to {}); copy the sound into the folder",
                real.display()
            )));
        }
    }
    Ok(SoundFile { file, location })
}

/// A reason GStreamer gave, with the `/proc/self/fd/<n>` it was given put back as the path.
pub(super) fn reworded(reason: String, location: &Path, path: &Path) -> String {
    let shown = location.to_string_lossy();
    if shown.starts_with("/proc/self/fd/") {
        reason.replace(shown.as_ref(), &path.to_string_lossy())
    } else {
        reason
    }
}
