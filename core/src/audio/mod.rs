//! Sound: the project's sounds decoded, placed and mixed offline into one deterministic stream
//! (48 kHz stereo, 32-bit float), which feeds the encoder's audio track and the compositions'
//! `audio` argument.
//!
//! - a sound on the timeline is the project's [`AudioClip`] (the validated fields).
//! - [`source`]: one file decoded and resampled to the mix's format (GStreamer), opened as
//!   `check` saw it ([`sound_file`]), its head cut before the resampler ([`head_cut`]).
//! - [`mp3_gapless`]: the encoder delay and padding an MP3's LAME header declares.
//! - [`inspect`]: what `check` says about the files before a render.
//! - [`mix`]: the mixer: gains, fades and loops per sample, summed in float, with a bounded
//!   number of decoders open ([`voice`]: one sound while it plays, its decoder closed and
//!   opened again when more sounds play at once than decoders may be open).
//! - [`analysis`]: each frame's level and spectrum, for audio-reactive compositions.
//! - [`feed`]: the thread that runs the mixer during an export.
//! - [`export`]: a sound-only export (WAV, MP3, M4A, Opus): the mix alone, no page.
//! - [`waveform`]: a sound's waveform strip for the window.

pub mod analysis;
pub mod export;
pub mod feed;
mod head_cut;
pub mod inspect;
pub mod mix;
pub(crate) mod mp3_gapless;
mod sound_file;
pub mod source;
mod voice;
pub mod waveform;

pub use crate::project::{AudioClip, Volume, MAX_GAIN};
pub use analysis::{AnalysisQueue, FrameAudio, SPECTRUM_BINS};
pub use inspect::inspect;
pub use mix::{Mixer, Timeline};
pub use source::Source;
pub use waveform::{waveform, Waveform};

pub use crate::encode::audio_input::{CHANNELS, RATE};
use std::path::PathBuf;

/// Why a sound could not be used. Each names the file; the message says what to do.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AudioError {
    #[error("{}: {reason}", path.display())]
    Unreadable { path: PathBuf, reason: String },
    #[error("{} is not a sound file GStreamer recognises ({reason})", path.display())]
    NotAudio { path: PathBuf, reason: String },
    #[error("{} has no sound track", path.display())]
    NoSoundTrack { path: PathBuf },
    #[error("{} is {format}, which no installed GStreamer plugin decodes: install the Debian package {package}", path.display())]
    NoDecoder { path: PathBuf, format: String, package: String },
    #[error("{} is damaged or cut short: {reason}", path.display())]
    Corrupt { path: PathBuf, reason: String },
    #[error("the export was cancelled")]
    Cancelled,
}

impl AudioError {
    pub fn path(&self) -> Option<&std::path::Path> {
        match self {
            AudioError::Unreadable { path, .. }
            | AudioError::NotAudio { path, .. }
            | AudioError::NoSoundTrack { path }
            | AudioError::NoDecoder { path, .. }
            | AudioError::Corrupt { path, .. } => Some(path),
            AudioError::Cancelled => None,
        }
    }

    /// The error in words, with the file named as the project names it (`src`).
    pub fn said_as(&self, src: &str) -> String {
        match self {
            AudioError::Unreadable { reason, .. } => format!("cannot read {src}: {reason}"),
            AudioError::NotAudio { .. } => {
                format!("{src} is not a sound file (or a video with sound) GStreamer recognises")
            }
            AudioError::NoSoundTrack { .. } => format!("{src} has no sound track"),
            AudioError::NoDecoder { format, package, .. } => format!(
                "{src} is {format}, which no installed GStreamer plugin decodes: install the Debian package {package}"
            ),
            AudioError::Corrupt { reason, .. } => format!("{src} is damaged or cut short: {reason}"),
            AudioError::Cancelled => "the export was cancelled".into(),
        }
    }
}

/// A sound that failed during a mix, with where the project file places it.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{json_path}: {}", error.said_as(src))]
pub struct ClipError {
    pub json_path: String,
    pub src: String,
    pub error: AudioError,
}

impl ClipError {
    pub fn new(clip: &AudioClip, error: AudioError) -> Self {
        Self { json_path: clip.json_path.clone(), src: clip.src.clone(), error }
    }
}
