//! Output safety: the encoder writes a hidden temp file beside the destination; only a finished
//! file is fsynced and atomically renamed over it. A failed or cancelled export removes the temp
//! file and leaves whatever was at the destination untouched.
//!
//! Every file the app writes goes through here ([`SideFile`]: exports, chunks and their
//! manifests, the props panel's saves), so none is ever written through a link someone planted:
//! a temp file's name cannot be guessed (a UUID), it is created only if nothing has that name
//! (`O_CREAT|O_EXCL`, which never follows a link, and `O_NOFOLLOW` besides), it is written
//! through the handle that created it, and it is renamed into place only if the file at its name
//! is still that one.

use super::EncodeError;
use crate::input_file::io_reason;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Temp files are named `.<name>.<pid>-<uuid>.bazaar-part` so a later start can find and sweep
/// leftovers of a killed process (its pid gone) without touching anything else.
pub const TEMP_SUFFIX: &str = ".bazaar-part";

/// Temp files being written by this process right now, so that an ending the process cannot
/// recover from (its display gone: GTK then ends the process without unwinding) still removes
/// them: see [`remove_live_temp_files`].
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn live() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    LIVE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Removes every temp file this process is writing (for a process about to end abruptly).
/// Returns how many it removed.
pub fn remove_live_temp_files() -> usize {
    let mut files = live();
    let removed = files.iter().filter(|p| std::fs::remove_file(p).is_ok()).count();
    files.clear();
    removed
}

/// Creates `path` as a new file for writing: fails if anything has that name, even a link
/// (dangling or not), so nothing is ever written through one.
pub fn create_new(path: &Path) -> std::io::Result<File> {
    OpenOptions::new().write(true).create_new(true).custom_flags(libc::O_NOFOLLOW).open(path)
}

/// A hidden file beside a destination, `.name.<pid>-<uuid>[.tag].bazaar-part`, created by this
/// process alone ([`create_new`]); removed when dropped unless it has replaced the destination.
/// The writer's PID is in the name, so a later sweep can tell a dead writer's leftovers from a
/// file another running process is still writing; the UUID makes the name impossible to guess.
#[derive(Debug)]
pub struct SideFile {
    path: PathBuf,
    file: File,
    placed: bool,
    /// Known to the crash clean-up while it exists ([`crate::temp_files`]).
    _held: crate::temp_files::Held,
}

impl SideFile {
    pub fn create(dest: &Path) -> std::io::Result<Self> {
        let name = dest.file_name().ok_or_else(|| std::io::Error::other("the path has no file name"))?;
        let dir = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let path = dir.join(format!(
            ".{}.{}-{}{TEMP_SUFFIX}",
            name.to_string_lossy(),
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        let file = create_new(&path)?;
        let _held = crate::temp_files::hold(&path);
        Ok(Self { path, file, placed: false, _held })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The handle that created the file: write through it rather than opening the name again
    /// (the name could have been swapped for a link since).
    pub fn file(&self) -> &File {
        &self.file
    }

    /// fsync the file, rename it over `dest`, fsync the folder. Refused if the file at this
    /// name is no longer the one created here (swapped for a link or another file): the rename
    /// would put that in the destination's place.
    pub fn replace(mut self, dest: &Path) -> std::io::Result<()> {
        let now = std::fs::symlink_metadata(&self.path)?;
        let ours = self.file.metadata()?;
        if !now.file_type().is_file() || (now.dev(), now.ino()) != (ours.dev(), ours.ino()) {
            return Err(std::io::Error::other(format!(
                "its temporary file {} was replaced by something else while it was written",
                self.path.display()
            )));
        }
        self.file.sync_all()?;
        std::fs::rename(&self.path, dest)?;
        self.placed = true;
        if let Some(dir) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
            // Persist the rename itself; failure here cannot lose data that is already renamed.
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    }
}

impl Drop for SideFile {
    fn drop(&mut self) {
        if !self.placed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Writes `bytes` as the whole of `dest` (a temp [`SideFile`] beside it, renamed over it): for
/// the small files the app writes in one go, such as chunk manifests.
pub fn write_atomically(dest: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let side = SideFile::create(dest)?;
    side.file().write_all(bytes)?;
    side.replace(dest)
}

#[derive(Debug)]
pub struct TempOutput {
    /// `None` once committed.
    side: Option<SideFile>,
    /// Its name, as long as it is in [`LIVE`].
    temp: PathBuf,
    dest: PathBuf,
}

impl TempOutput {
    /// Creates the temp file in the destination's folder, proving the folder is writable before
    /// any frame is rendered.
    pub fn create(dest: &Path) -> Result<Self, EncodeError> {
        check_destination(dest, &[])?;
        let side = SideFile::create(dest).map_err(|e| classify_io(&e, dest))?;
        let temp = side.path().to_path_buf();
        live().push(temp.clone());
        Ok(Self { side: Some(side), temp, dest: dest.to_path_buf() })
    }

    /// Its name, for a writer that can only be given a path (GStreamer's `filesink`).
    pub fn temp_path(&self) -> &Path {
        &self.temp
    }

    /// A handle on the temp file, for a writer of our own: use it rather than opening
    /// [`Self::temp_path`] again (the name could have been swapped for a link since).
    pub fn file(&self) -> Result<File, EncodeError> {
        let side = self.side.as_ref().ok_or_else(|| classify_io(&std::io::ErrorKind::NotFound.into(), &self.dest))?;
        side.file().try_clone().map_err(|e| classify_io(&e, &self.dest))
    }

    /// fsync the finished file, rename it over the destination, fsync the folder.
    pub fn commit(mut self) -> Result<PathBuf, EncodeError> {
        let dest = self.dest.clone();
        let folder_gone = |e: std::io::Error| match dest.parent() {
            Some(dir) if !dir.as_os_str().is_empty() && !dir.is_dir() => EncodeError::Destination {
                path: dest.clone(),
                reason: format!(
                    "the folder {} was deleted or moved during the export. Choose another folder.",
                    dir.display()
                ),
            },
            _ => classify_io(&e, &dest),
        };
        let side = self.side.take().ok_or_else(|| folder_gone(std::io::ErrorKind::NotFound.into()))?;
        // Dropped by a failed replace: the temp file goes.
        side.replace(&dest).map_err(folder_gone)?;
        Ok(dest)
    }
}

impl Drop for TempOutput {
    fn drop(&mut self) {
        // The side file removes itself unless it was placed.
        drop(self.side.take());
        live().retain(|p| p != &self.temp);
    }
}

/// Checks an export's destination before anything is rendered, so that a render never runs
/// for minutes and then fails at the rename, or succeeds by destroying something:
///
/// - the path must name a file (not end in `/`) in a folder that exists;
/// - an existing destination must be a regular file: the final rename would replace a symbolic
///   link (not the file it points to), and a device (`-o /dev/full` as root) or a FIFO with a
///   regular file, so those are refused;
/// - it must not be any file the export reads (`reads`: path and what it is, such as the project
///   file or a composition module), compared as the same file on disk, so a symlink, a hard
///   link or another spelling of the path is caught too.
pub fn check_destination(dest: &Path, reads: &[(PathBuf, String)]) -> Result<(), EncodeError> {
    let refuse = |reason: String| Err(EncodeError::Destination { path: dest.into(), reason });
    if dest.as_os_str().as_encoded_bytes().ends_with(b"/") {
        return refuse("the path ends with '/', so it names a folder: add a file name (…/video.mp4)".into());
    }
    if dest.file_name().is_none() {
        return refuse("the path has no file name".into());
    }
    let dir = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return refuse(format!("the folder {} does not exist. Choose another folder.", dir.display()));
    }
    let Ok(meta) = std::fs::symlink_metadata(dest) else {
        return Ok(()); // nothing there yet: nothing to destroy
    };
    if meta.file_type().is_symlink() {
        return refuse(
            "it is a symbolic link, and the export would replace the link, not the file it points to: \
             give the real file's path, or remove the link first"
                .into(),
        );
    }
    if meta.is_dir() {
        return refuse("a folder already has that name".into());
    }
    if let Some(kind) = crate::input_file::special_kind(&meta) {
        if dest == Path::new("/dev/null") {
            return refuse(
                "writing to /dev/null is not supported (the export would replace it with a file): \
                 to try a render without keeping it, write to a temporary file and delete it"
                    .into(),
            );
        }
        return refuse(format!("it is {kind}, not a file, and the export would replace it: choose a file name"));
    }
    match reads.iter().find(|(path, _)| crate::input_file::same_file(path, dest)) {
        Some((_, what)) => Err(EncodeError::OverwritesInput { path: dest.into(), what: what.clone() }),
        None => Ok(()),
    }
}

/// Maps an I/O error on the destination to the typed error a creator can act on.
pub fn classify_io(e: &std::io::Error, dest: &Path) -> EncodeError {
    if e.kind() == std::io::ErrorKind::StorageFull || e.raw_os_error() == Some(28) {
        EncodeError::DiskFull { path: dest.into() }
    } else {
        EncodeError::Destination {
            path: dest.into(),
            reason: format!("{}. Choose another folder or check its permissions.", io_reason(e)),
        }
    }
}

/// Removes temp files left in `dir` by a process that was killed mid-export. Returns what it removed.
pub fn sweep_stale_temp_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(is_stale_temp_name))
        // An image sequence's temp folder too (`image_seq::folder`); a link is only unlinked.
        .filter(|p| std::fs::remove_file(p).is_ok() || (p.is_dir() && std::fs::remove_dir_all(p).is_ok()))
        .collect()
}

/// A hidden `.name.<pid>-<uuid>[.tag].bazaar-part` whose writing process no longer runs.
fn is_stale_temp_name(name: &str) -> bool {
    let Some(stem) = name.strip_prefix('.').and_then(|n| n.strip_suffix(TEMP_SUFFIX)) else {
        return false;
    };
    // The pid is the number right before the last `-<32 hex>` group.
    let pid = stem.rsplit_once('-').and_then(|(head, _)| head.rsplit('.').next()).and_then(|p| p.parse::<u32>().ok());
    match pid {
        Some(pid) => pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists(),
        // An older name without a pid: only this app writes them, and none is running now.
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tests that write temp files run one at a time: one of them removes every live temp file.
    static SERIAL: Mutex<()> = Mutex::new(());
    fn serial() -> std::sync::MutexGuard<'static, ()> {
        SERIAL.lock().unwrap_or_else(|e| e.into_inner())
    }

    #[test]
    fn dropped_temp_is_removed_and_destination_untouched() {
        let _serial = serial();
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.mp4");
        std::fs::write(&dest, b"precious").unwrap();
        let t = TempOutput::create(&dest).unwrap();
        let temp = t.temp_path().to_path_buf();
        std::fs::write(&temp, b"half").unwrap();
        drop(t);
        assert!(!temp.exists());
        assert_eq!(std::fs::read(&dest).unwrap(), b"precious");
    }

    #[test]
    fn live_temp_files_can_be_removed_by_an_abrupt_ending() {
        let _serial = serial();
        let dir = tempfile::tempdir().unwrap();
        let t = TempOutput::create(&dir.path().join("out.mp4")).unwrap();
        let temp = t.temp_path().to_path_buf();
        assert!(temp.exists());
        assert!(remove_live_temp_files() >= 1);
        assert!(!temp.exists());
        drop(t);
        assert!(!live().contains(&temp));
    }

    #[test]
    fn commit_replaces_destination() {
        let _serial = serial();
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.gif");
        std::fs::write(&dest, b"old").unwrap();
        let t = TempOutput::create(&dest).unwrap();
        std::fs::write(t.temp_path(), b"new").unwrap();
        assert_eq!(t.commit().unwrap(), dest);
        assert_eq!(std::fs::read(&dest).unwrap(), b"new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn missing_folder_is_a_destination_error() {
        let e = TempOutput::create(Path::new("/nonexistent-bazaar/out.mp4")).unwrap_err();
        assert_eq!(e.kind(), "destination");
        assert!(e.to_string().contains("does not exist"), "{e}");
    }

    #[test]
    fn a_destination_must_be_a_plain_file_that_the_export_does_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path().join("project.json");
        std::fs::write(&project, b"{}").unwrap();
        let reads = vec![(project.clone(), "the project file".to_string())];
        let reason = |p: &Path| check_destination(p, &reads).unwrap_err().to_string();
        assert!(reason(&project).contains("is the project file, which this export reads"));
        // Other spellings of the same file: through `..`, a hard link.
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        assert!(reason(&sub.join("../project.json")).contains("the project file"));
        std::fs::hard_link(&project, dir.path().join("hard.mp4")).unwrap();
        assert!(reason(&dir.path().join("hard.mp4")).contains("the project file"));
        // A symlink, to the project or anywhere: the rename would replace the link.
        std::os::unix::fs::symlink(&project, dir.path().join("link.mp4")).unwrap();
        assert!(reason(&dir.path().join("link.mp4")).contains("symbolic link"));
        // Devices, a FIFO, a folder, a trailing slash, a missing folder.
        assert!(reason(Path::new("/dev/null")).contains("/dev/null is not supported"));
        assert!(reason(Path::new("/dev/full")).contains("a device, not a file"));
        assert!(reason(&sub).contains("a folder already has that name"));
        assert!(reason(Path::new(&format!("{}/", dir.path().join("v.mp4").display()))).contains("ends with '/'"));
        assert!(reason(&dir.path().join("nope/v.mp4")).contains("does not exist"));
        // A new file, and an existing video the export does not read: fine.
        assert!(check_destination(&dir.path().join("v.mp4"), &reads).is_ok());
        std::fs::write(dir.path().join("old.mp4"), b"x").unwrap();
        assert!(check_destination(&dir.path().join("old.mp4"), &reads).is_ok());
        // TempOutput refuses the same (the window's exports go through it too).
        assert!(TempOutput::create(Path::new("/dev/null")).is_err());
        assert!(TempOutput::create(&dir.path().join("link.mp4")).is_err());
    }

    #[test]
    fn nothing_is_written_through_a_link_planted_at_a_temp_name() {
        let _serial = serial();
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let victim = outside.path().join("victim");
        std::fs::write(&victim, b"not yours").unwrap();
        // A link at a name, even a dangling one, is never opened for writing.
        std::os::unix::fs::symlink(&victim, dir.path().join("a")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("none"), dir.path().join("b")).unwrap();
        assert!(create_new(&dir.path().join("a")).is_err());
        assert!(create_new(&dir.path().join("b")).is_err());
        assert!(!outside.path().join("none").exists());
        // A temp file swapped for a link while it was written is not renamed into place.
        let dest = dir.path().join("out.json");
        std::fs::write(&dest, b"kept").unwrap();
        let side = SideFile::create(&dest).unwrap();
        let name = side.path().to_path_buf();
        std::fs::remove_file(&name).unwrap();
        std::os::unix::fs::symlink(&victim, &name).unwrap();
        let e = side.replace(&dest).unwrap_err();
        assert!(e.to_string().contains("replaced by something else"), "{e}");
        assert_eq!(std::fs::read(&dest).unwrap(), b"kept");
        assert!(std::fs::symlink_metadata(&dest).unwrap().file_type().is_file());
        assert_eq!(std::fs::read(&victim).unwrap(), b"not yours");
        // The same for an export's temp file.
        let video = dir.path().join("v.mp4");
        let t = TempOutput::create(&video).unwrap();
        std::fs::remove_file(t.temp_path()).unwrap();
        std::os::unix::fs::symlink(&victim, t.temp_path()).unwrap();
        assert!(t.commit().is_err());
        assert!(std::fs::symlink_metadata(&video).is_err(), "no link renamed into the video's place");
        // Written whole, through the handle, under a name no one could have guessed.
        write_atomically(&dest, b"new").unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), b"new");
        let a = SideFile::create(&dest).unwrap();
        let b = SideFile::create(&dest).unwrap();
        assert_ne!(a.path(), b.path());
        drop((a, b));
        let mut left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        left.sort();
        assert_eq!(left, ["a", "b", "out.json"].map(std::ffi::OsString::from), "no temp file left");
    }

    #[test]
    fn sweep_removes_only_our_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let uuid = "0123456789abcdef0123456789abcdef";
        // A dead writer (PIDs never reach 4 million: pid_max is at most 2^22), its scratch file,
        // and an old-style name: all swept.
        std::fs::write(dir.path().join(format!(".a.mp4.4999999-{uuid}.bazaar-part")), b"x").unwrap();
        std::fs::write(dir.path().join(format!(".a.mp4.4999999-{uuid}.mdat.bazaar-part")), b"x").unwrap();
        std::fs::write(dir.path().join(".b.mp4.123.bazaar-part"), b"x").unwrap();
        let folder = dir.path().join(format!(".frames.4999999-{uuid}.bazaar-part"));
        std::fs::create_dir(&folder).unwrap();
        std::fs::write(folder.join("frames-00000.png"), b"x").unwrap();
        // A live writer (PID 1 always runs) and ordinary files: kept.
        let live = dir.path().join(format!(".c.mp4.1-{uuid}.bazaar-part"));
        std::fs::write(&live, b"x").unwrap();
        std::fs::write(dir.path().join("keep.mp4"), b"x").unwrap();
        assert_eq!(sweep_stale_temp_files(dir.path()).len(), 4);
        assert!(!folder.exists(), "a dead writer's sequence folder is swept");
        assert!(dir.path().join("keep.mp4").exists());
        assert!(live.exists(), "another running export's file is left alone");
    }
}
