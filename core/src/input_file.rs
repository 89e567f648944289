//! Reading a file a creator (or a project) points at: only regular files, and never more than a
//! stated number of bytes.
//!
//! Why: the size a file reports is no limit. A FIFO reports 0 bytes and blocks the reader
//! forever; `/dev/zero` reports 0 bytes and never ends (a reader that trusted the size took
//! 14.8 GB in 30 s). So the kind is checked before opening and again on the open file (it may
//! have been swapped in between), the open does not block (`O_NONBLOCK`: opening a FIFO for
//! reading otherwise waits for a writer), and the read itself stops one byte past the limit.

use std::fs::{File, Metadata};
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// Why a file could not be read. Messages complete "cannot read <file>: …".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputFileError {
    #[error("no such file or folder")]
    NotFound,
    #[error("this is a folder, not a file")]
    Folder,
    /// A FIFO, a device or a socket: what it is, in words.
    #[error("this is {0}, not a regular file: give the path of an ordinary file")]
    NotRegular(&'static str),
    #[error("the file is {bytes} bytes; at most {max} bytes are read from such a file")]
    TooLarge { bytes: u64, max: u64 },
    #[error("{0}")]
    Io(String),
}

/// An OS error in words, without Rust's `(os error N)` suffix.
pub fn io_reason(e: &std::io::Error) -> String {
    use std::io::ErrorKind::*;
    match e.kind() {
        NotFound => "no such file or folder".into(),
        PermissionDenied => "permission denied".into(),
        _ => {
            let s = e.to_string();
            s.split(" (os error").next().unwrap_or(&s).to_string()
        }
    }
}

/// Whether two paths name the same file on disk (same device and inode, so other spellings,
/// symlinks and hard links count); `false` if either does not exist.
pub fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => (x.dev(), x.ino()) == (y.dev(), y.ino()),
        _ => false,
    }
}

/// What kind of non-regular file `meta` describes, in words (`None` for a regular file).
pub fn special_kind(meta: &Metadata) -> Option<&'static str> {
    let t = meta.file_type();
    if t.is_file() {
        None
    } else if t.is_dir() {
        Some("a folder")
    } else if t.is_fifo() {
        Some("a named pipe (FIFO)")
    } else if t.is_char_device() || t.is_block_device() {
        Some("a device")
    } else if t.is_socket() {
        Some("a socket")
    } else if t.is_symlink() {
        Some("a symbolic link")
    } else {
        Some("a special file")
    }
}

fn check_kind(meta: &Metadata) -> Result<(), InputFileError> {
    match special_kind(meta) {
        None => Ok(()),
        Some("a folder") => Err(InputFileError::Folder),
        Some(kind) => Err(InputFileError::NotRegular(kind)),
    }
}

fn io(e: &std::io::Error) -> InputFileError {
    if e.kind() == std::io::ErrorKind::NotFound {
        InputFileError::NotFound
    } else {
        InputFileError::Io(io_reason(e))
    }
}

/// Opens `path` (symlinks followed) for reading if it is a regular file of at most `max` bytes.
pub fn open_regular(path: &Path, max: u64) -> Result<(File, u64), InputFileError> {
    check_kind(&std::fs::metadata(path).map_err(|e| io(&e))?)?;
    let file =
        File::options().read(true).custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY).open(path).map_err(|e| io(&e))?;
    let meta = file.metadata().map_err(|e| io(&e))?;
    check_kind(&meta)?;
    if meta.len() > max {
        return Err(InputFileError::TooLarge { bytes: meta.len(), max });
    }
    Ok((file, meta.len()))
}

/// Reads all of `path` if it is a regular file of at most `max` bytes (see the module's why).
pub fn read_regular(path: &Path, max: u64) -> Result<Vec<u8>, InputFileError> {
    let (file, len) = open_regular(path, max)?;
    let mut bytes = Vec::with_capacity(len as usize);
    // A file that grows while it is read still stops one byte past the limit.
    file.take(max.saturating_add(1)).read_to_end(&mut bytes).map_err(|e| io(&e))?;
    if bytes.len() as u64 > max {
        return Err(InputFileError::TooLarge { bytes: bytes.len() as u64, max });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_regular_file_within_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.json");
        std::fs::write(&p, b"12345").unwrap();
        assert_eq!(read_regular(&p, 5).unwrap(), b"12345");
        assert_eq!(read_regular(&p, 4), Err(InputFileError::TooLarge { bytes: 5, max: 4 }));
        assert_eq!(read_regular(&dir.path().join("nope"), 5), Err(InputFileError::NotFound));
        assert_eq!(read_regular(dir.path(), 5), Err(InputFileError::Folder));
    }

    #[test]
    fn a_fifo_is_refused_without_waiting_for_a_writer() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("pipe.json");
        let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        assert_eq!(read_regular(&p, 100), Err(InputFileError::NotRegular("a named pipe (FIFO)")));
    }

    #[test]
    fn a_device_is_refused_and_never_read() {
        // /dev/zero reports a size of 0 and never ends.
        assert_eq!(read_regular(Path::new("/dev/zero"), 100), Err(InputFileError::NotRegular("a device")));
        assert_eq!(read_regular(Path::new("/dev/null"), 100), Err(InputFileError::NotRegular("a device")));
    }
}
