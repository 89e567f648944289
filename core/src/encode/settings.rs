//! What an encode is asked for, and how it reports progress.

use super::profile::{Format, Quality};
use super::prores::ProresProfile;
use super::raw::PixelFormat;
use crate::stage::Stage;
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub struct EncodeSettings {
    pub format: Format,
    pub quality: Quality,
    /// Size of the frames the caller pushes.
    pub width: u32,
    pub height: u32,
    /// Output frame rate (frames per second).
    pub fps: u32,
    pub total_frames: u64,
    /// The exact length of the video; the last frame is held until then. `None`: frames × 1/fps.
    pub duration: Option<Duration>,
    /// What the caller pushes.
    pub input: PixelFormat,
    /// Whether the file gets a sound track (fed through [`super::AudioInput`]); ignored by
    /// formats without sound.
    pub audio: bool,
    /// ProRes's profile (`--prores-profile`); other formats ignore it.
    pub prores_profile: ProresProfile,
    /// How many times a GIF plays again after the first (its NETSCAPE loop count; 0 = forever,
    /// `--gif-loops`); other formats ignore it.
    pub gif_loops: u16,
    /// The frames carry straight (not premultiplied) alpha that the file keeps (`--transparent`;
    /// only for a profile with `alpha`): [`EncodeSettings::input`] is then RGBA.
    pub keep_alpha: bool,
}

impl EncodeSettings {
    pub fn frame_bytes(&self) -> usize {
        self.input.frame_bytes(self.width, self.height)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
/// How far an export is: reported by the encoder (rendering, finalizing, done) and by the
/// renderer (preparing), shown by the command line and the window.
pub struct Progress {
    pub stage: Stage,
    pub frames_done: u64,
    pub total_frames: u64,
}

pub type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;
