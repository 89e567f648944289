//! The encoder an output gets: its profile's GStreamer pipeline ([`Encoder`]), or, for VP9 in
//! WebM with its alpha kept, the app's own writer ([`WebmAlphaEncoder`]: GStreamer 1.22 cannot
//! mux VP9 alpha, so the profile's pipeline would drop it in `videoconvert`).
//!
//! app frames ─▶ AnyEncoder ─▶ Encoder (profile tail) | WebmAlphaEncoder (colour + alpha VP9, our WebM writer)

use super::{AudioInput, EncodeError, EncodeSettings, Encoder, Format, ProgressFn, WebmAlphaEncoder};
use crate::CancelToken;
use std::path::{Path, PathBuf};

pub enum AnyEncoder {
    Pipeline(Encoder),
    WebmAlpha(WebmAlphaEncoder),
}

impl AnyEncoder {
    /// Starts the encoder `settings` need (see the module's comment).
    pub fn start(
        settings: EncodeSettings,
        dest: &Path,
        cancel: CancelToken,
        progress: ProgressFn,
    ) -> Result<Self, EncodeError> {
        if settings.keep_alpha && settings.format == Format::WebmVp9 {
            WebmAlphaEncoder::start(settings, dest, cancel, progress).map(Self::WebmAlpha)
        } else {
            Encoder::start(settings, dest, cancel, progress).map(Self::Pipeline)
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
        }
    }

    /// As [`Encoder::audio_input`].
    pub fn audio_input(&self) -> Option<AudioInput> {
        match self {
            Self::Pipeline(e) => e.audio_input(),
            Self::WebmAlpha(e) => e.audio_input(),
        }
    }

    /// As [`Encoder::commit`].
    pub fn commit(&mut self) -> Result<PathBuf, EncodeError> {
        match self {
            Self::Pipeline(e) => e.commit(),
            Self::WebmAlpha(e) => e.commit(),
        }
    }
}
