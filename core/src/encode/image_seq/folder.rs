//! An image sequence's folder, written complete or not at all: a hidden temp folder beside the
//! destination (named like `output.rs`'s temp files, made by `mkdir`, which never follows a
//! link), every picture created inside it through the folder's own handle (`openat`, exclusive,
//! no link followed), fsynced, then the folder renamed into place. Dropped before that, it is
//! removed with what it holds.

use crate::encode::output::{classify_io, TEMP_SUFFIX};
use crate::encode::EncodeError;
use std::ffi::CString;
use std::fs::{File, OpenOptions};
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// Refuses a sequence's destination before anything renders: it must be a new name, or an empty
/// folder (replaced), in a folder that exists; never a link, a file or a folder with something
/// in it (the pictures would mix with, or replace, what is there).
pub fn check_folder_destination(dest: &Path) -> Result<(), EncodeError> {
    let refuse = |reason: String| Err(EncodeError::Destination { path: dest.into(), reason });
    if dest.file_name().is_none() {
        return refuse("the path has no folder name: name the folder the pictures go into (-o …/frames)".into());
    }
    let parent = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !parent.is_dir() {
        return refuse(format!("the folder {} does not exist. Choose another folder.", parent.display()));
    }
    let Ok(meta) = std::fs::symlink_metadata(dest) else {
        return Ok(());
    };
    if meta.file_type().is_symlink() {
        return refuse("it is a symbolic link: an image sequence goes into a new or empty folder".into());
    }
    if !meta.is_dir() {
        return refuse("a file has that name: an image sequence is a folder (-o names a new or empty folder)".into());
    }
    let entries = std::fs::read_dir(dest).map_err(|e| classify_io(&e, dest))?.count();
    if entries > 0 {
        return refuse(format!(
            "the folder is not empty ({entries} entries): an image sequence goes into a new or empty folder \
             (-o, or the name given in the save dialog); nothing was rendered"
        ));
    }
    Ok(())
}

/// The hidden folder the pictures are written into (see the module's comment).
#[derive(Debug)]
pub struct TempFolder {
    path: PathBuf,
    dest: PathBuf,
    /// The folder as made here: every file is created through it.
    dir: File,
    placed: AtomicBool,
}

impl TempFolder {
    /// Checks `dest` ([`check_folder_destination`]) and makes the temp folder beside it.
    pub fn create(dest: &Path) -> Result<Self, EncodeError> {
        check_folder_destination(dest)?;
        let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let parent = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let path =
            parent.join(format!(".{name}.{}-{}{TEMP_SUFFIX}", std::process::id(), uuid::Uuid::new_v4().simple()));
        std::fs::create_dir(&path).map_err(|e| classify_io(&e, dest))?;
        let dir = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_DIRECTORY | libc::O_NOFOLLOW)
            .open(&path)
            .map_err(|e| classify_io(&e, dest));
        let dir = match dir {
            Ok(d) => d,
            Err(e) => {
                let _ = std::fs::remove_dir(&path);
                return Err(e);
            }
        };
        Ok(Self { path, dest: dest.to_path_buf(), dir, placed: AtomicBool::new(false) })
    }

    /// Creates `name` inside the folder for writing, through the folder's handle: exclusive,
    /// and never through a link.
    pub fn create_file(&self, name: &str) -> Result<File, EncodeError> {
        let bad = || EncodeError::Settings(format!("{name:?} is not a file name"));
        if name.contains('/') || name.is_empty() {
            return Err(bad());
        }
        let c = CString::new(name).map_err(|_| bad())?;
        let flags = libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW | libc::O_CLOEXEC;
        // SAFETY: a valid directory descriptor and a NUL-terminated name; the returned
        // descriptor is owned by the `File` made from it alone.
        let fd = unsafe { libc::openat(self.dir.as_raw_fd(), c.as_ptr(), flags, 0o666 as libc::c_uint) };
        if fd < 0 {
            return Err(classify_io(&std::io::Error::last_os_error(), &self.dest));
        }
        // SAFETY: `fd` was just opened above and is not used elsewhere.
        Ok(unsafe { File::from_raw_fd(fd) })
    }

    /// A path to `name` inside the folder that goes through the folder's handle (for a writer
    /// that takes only a path: GStreamer's `filesink`), whatever happens to the folder's name.
    pub fn path_through_handle(&self, name: &str) -> PathBuf {
        PathBuf::from(format!("/proc/self/fd/{}", self.dir.as_raw_fd())).join(name)
    }

    /// The destination's name, which the pictures are named after.
    pub fn dest(&self) -> &Path {
        &self.dest
    }

    /// fsyncs the folder, renames it over the destination (a new name, or an empty folder, which
    /// `rename(2)` replaces atomically), fsyncs the parent. Refused if the temp folder's name no
    /// longer leads to the folder made here.
    pub fn commit(&self) -> Result<PathBuf, EncodeError> {
        let dest = &self.dest;
        let now = std::fs::symlink_metadata(&self.path).map_err(|e| classify_io(&e, dest))?;
        let ours = self.dir.metadata().map_err(|e| classify_io(&e, dest))?;
        if !now.is_dir() || (now.dev(), now.ino()) != (ours.dev(), ours.ino()) {
            return Err(EncodeError::Destination {
                path: dest.clone(),
                reason: format!("its temporary folder {} was replaced while it was written", self.path.display()),
            });
        }
        self.dir.sync_all().map_err(|e| classify_io(&e, dest))?;
        // Checked again: something may have been put there since the render began.
        check_folder_destination(dest)?;
        std::fs::rename(&self.path, dest).map_err(|e| classify_io(&e, dest))?;
        self.placed.store(true, Ordering::Release);
        if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
            if let Ok(d) = File::open(parent) {
                let _ = d.sync_all();
            }
        }
        Ok(dest.clone())
    }
}

impl Drop for TempFolder {
    fn drop(&mut self) {
        if !self.placed.load(Ordering::Acquire) {
            // `remove_dir_all` does not follow a link put in the folder's place.
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_folder_is_placed_whole_or_removed() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("frames");
        let t = TempFolder::create(&dest).unwrap();
        t.create_file("a.png").unwrap().write_all(b"x").unwrap();
        assert!(t.create_file("a.png").is_err(), "created once only");
        assert!(t.create_file("../b.png").is_err());
        assert!(!dest.exists());
        t.commit().unwrap();
        drop(t);
        assert_eq!(std::fs::read(dest.join("a.png")).unwrap(), b"x");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temp folder left");

        let other = dir.path().join("other");
        let t = TempFolder::create(&other).unwrap();
        t.create_file("a.png").unwrap();
        drop(t);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "a dropped folder goes");
    }

    #[test]
    fn only_a_new_name_or_an_empty_folder_is_taken() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        let t = TempFolder::create(&empty).unwrap();
        t.create_file("a.png").unwrap();
        t.commit().unwrap();
        assert!(empty.join("a.png").exists());
        let refused = check_folder_destination(&empty).unwrap_err().to_string();
        assert!(refused.contains("not empty") && refused.contains("-o"), "{refused}");
        std::fs::write(dir.path().join("file"), b"").unwrap();
        assert!(check_folder_destination(&dir.path().join("file")).is_err());
        std::os::unix::fs::symlink(dir.path().join("nowhere"), dir.path().join("link")).unwrap();
        assert!(check_folder_destination(&dir.path().join("link")).is_err());
        assert!(check_folder_destination(&dir.path().join("no/such")).is_err());
    }
}
