//! The encoder an output gets: its profile's GStreamer pipeline ([`Encoder`]), or, for VP9 in
//! WebM with its alpha kept, the app's own writer ([`WebmAlphaEncoder`]: GStreamer 1.22 cannot
//! mux VP9 alpha, so the profile's pipeline would drop it in `videoconvert`), or for an image
//! sequence its folder of pictures ([`ImageSeqEncoder`]).
//!
//! app frames ─▶ AnyEncoder ─▶ Encoder (profile tail) | WebmAlphaEncoder (colour + alpha VP9, our WebM writer)
//!                                                   | ImageSeqEncoder (numbered pictures in a folder)

use super::image_seq::ImageSeqEncoder;
use super::{AudioInput, EncodeError, EncodeSettings, Encoder, Format, OutputKind, ProgressFn, WebmAlphaEncoder};
use crate::captions::in_file::FileTrack;
use crate::CancelToken;
use std::path::{Path, PathBuf};

pub enum AnyEncoder {
    Pipeline(Encoder),
    WebmAlpha(WebmAlphaEncoder),
    ImageSeq(ImageSeqEncoder),
}

/// Checks an output's destination before anything renders: a file's
/// ([`super::output::check_destination`], never one of `reads`), or an image sequence's folder
/// (a new name or an empty folder: [`super::image_seq::folder::check_folder_destination`]).
pub fn check_output(format: Format, dest: &Path, reads: &[(PathBuf, String)]) -> Result<(), EncodeError> {
    match format.kind() {
        OutputKind::ImageSequence => super::image_seq::folder::check_folder_destination(dest),
        _ => super::output::check_destination(dest, reads),
    }
}

/// Whether the output is written by the app's own WebM writer (VP9 with its alpha kept).
pub fn own_webm_writer(format: Format, keep_alpha: bool) -> bool {
    keep_alpha && format == Format::WebmVp9
}

impl AnyEncoder {
    /// Starts the encoder `settings` need (see the module's comment). An image sequence's
    /// pictures are numbered from `first_number` (the first frame's index in the whole video).
    /// `captions`: the subtitle tracks the file carries (`Profile::captions` says whether it can).
    pub fn start(
        settings: EncodeSettings,
        captions: &[FileTrack],
        dest: &Path,
        first_number: u64,
        cancel: CancelToken,
        progress: ProgressFn,
    ) -> Result<Self, EncodeError> {
        if settings.format.kind() == OutputKind::ImageSequence {
            ImageSeqEncoder::start(settings, dest, first_number, cancel, progress).map(Self::ImageSeq)
        } else if own_webm_writer(settings.format, settings.keep_alpha) {
            WebmAlphaEncoder::start(settings, captions, dest, cancel, progress).map(Self::WebmAlpha)
        } else {
            Encoder::start_with_captions(settings, captions, dest, cancel, progress).map(Self::Pipeline)
        }
    }

    /// As [`Encoder::push_frame`].
    pub fn push_frame<P>(&mut self, index: u64, pixels: P) -> Result<(), EncodeError>
    where
        P: AsRef<[u8]> + AsMut<[u8]> + Send + 'static,
    {
        match self {
            Self::Pipeline(e) => e.push_frame(index, pixels),
            Self::WebmAlpha(e) => e.push_frame(index, pixels),
            Self::ImageSeq(e) => e.push_frame(index, pixels),
        }
    }

    /// Whether frames pushed into the encoder `settings` start may be lent (their memory
    /// written again once taken in: [`super::input_taken`]), which [`AnyEncoder::watch_input`]
    /// then reports.
    pub fn lends_input(settings: &EncodeSettings) -> bool {
        let pipeline = settings.format.kind() != OutputKind::ImageSequence
            && !own_webm_writer(settings.format, settings.keep_alpha);
        pipeline && settings.format.profile().lends_input()
    }

    /// As [`Encoder::watch_input`] (false for the app's own writers, which copy nothing).
    pub fn watch_input(&self, taken: super::input_taken::TakenFn) -> Result<bool, EncodeError> {
        match self {
            Self::Pipeline(e) => e.watch_input(taken),
            Self::WebmAlpha(_) | Self::ImageSeq(_) => Ok(false),
        }
    }

    /// As [`Encoder::audio_input`].
    pub fn audio_input(&self) -> Option<AudioInput> {
        match self {
            Self::Pipeline(e) => e.audio_input(),
            Self::WebmAlpha(e) => e.audio_input(),
            Self::ImageSeq(e) => e.audio_input(),
        }
    }

    /// As [`Encoder::commit`].
    pub fn commit(&mut self) -> Result<PathBuf, EncodeError> {
        match self {
            Self::Pipeline(e) => e.commit(),
            Self::WebmAlpha(e) => e.commit(),
            Self::ImageSeq(e) => e.commit(),
        }
    }
}
