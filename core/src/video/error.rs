//! Why a clip cannot be decoded, in words: what a [`super::VideoSource`] refuses, and the
//! vocabulary of [`crate::media_file::Refusal`] said for a video.

use super::limits;
use crate::media_file::Refusal;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, thiserror::Error)]
pub enum VideoError {
    #[error("{}: {reason}", path.display())]
    Unreadable { path: PathBuf, reason: String },
    #[error("{} is not a video GStreamer recognises ({reason})", path.display())]
    NotVideo { path: PathBuf, reason: String },
    /// No video track at all; `sound`: it has a sound track (a sound file named as a video).
    #[error("{} has no picture ({})", path.display(), if *sound { "it is a sound file" } else { "it has no video track" })]
    NoPicture { path: PathBuf, sound: bool },
    #[error("{} is {format}, which no installed GStreamer plugin decodes: install the Debian package {package}", path.display())]
    NoDecoder { path: PathBuf, format: String, package: String },
    #[error("{} is damaged or cut short: {reason}", path.display())]
    Corrupt { path: PathBuf, reason: String },
    /// Its picture is larger than a clip's may be ([`limits::MAX_PIXELS`]).
    #[error("{} is {width}×{height} pixels; a video clip may be at most {}: scale it down", path.display(), limits::MAX_SIZE_WORDS)]
    TooLarge { path: PathBuf, width: u32, height: u32 },
    /// One more decoder of it would pass the app's bound on clip decoders.
    #[error("{} cannot be decoded once more at this time: {reason}", path.display())]
    Busy { path: PathBuf, reason: String },
}

/// A video track that ends before its first picture: cut short, or empty (not a sound file).
pub(super) fn no_first_picture(path: &Path) -> VideoError {
    let reason = "its video track ends before its first picture".to_string();
    VideoError::Corrupt { path: path.into(), reason }
}

/// Why a file cannot be decoded, said for a video.
pub(super) fn refusal(path: &Path, r: Refusal) -> VideoError {
    let path = path.to_path_buf();
    match r {
        Refusal::Unreadable(reason) => VideoError::Unreadable { path, reason },
        Refusal::Unrecognised(reason) => VideoError::NotVideo { path, reason },
        Refusal::NoneOfKind => VideoError::NoPicture { path, sound: false },
        Refusal::NoDecoder { format, package } => VideoError::NoDecoder { path, format, package },
        Refusal::Corrupt(reason) => VideoError::Corrupt { path, reason },
    }
}
