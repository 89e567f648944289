//! The export's sound mixer: a thread feeding the encoder's sound input and each frame's
//! figures for the page, started with the encoder and ended with it.

use bazaar_core::audio::feed::{self, Outputs};
use bazaar_core::encode::{AudioInput, EncodeError};
use bazaar_core::CancelToken;

/// What the mixer's thread needs (see [`bazaar_core::audio::feed`]).
pub(super) struct MixJob {
    pub clips: Vec<bazaar_core::audio::AudioClip>,
    pub timeline: bazaar_core::audio::Timeline,
    pub frames: bazaar_core::audio::feed::OutputFrames,
    pub figures: bazaar_core::audio::AnalysisQueue,
    pub cancel: CancelToken,
}

impl MixJob {
    /// Starts the mix; `sound` is the encoder's sound input (none for GIF).
    pub fn spawn(self, sound: Option<AudioInput>) -> Result<std::thread::JoinHandle<()>, EncodeError> {
        std::thread::Builder::new()
            .name("bazaar-mix".into())
            .spawn(move || {
                let out = Outputs { sound, figures: Some(self.figures) };
                // A failure reaches the export through the encoder and the page, naming the file.
                let _ = feed::run(&self.clips, self.timeline, self.frames, out, &self.cancel);
            })
            .map_err(|e| EncodeError::Init(format!("cannot start the mixer's thread: {e}")))
    }
}
