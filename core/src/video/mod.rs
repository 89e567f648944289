//! Video clips: a file's pictures decoded in Rust, exact to the frame.
//!
//! - [`source`]: one clip opened for frames, with the frame rule ([`VideoSource::frame_at`]).
//! - [`direct`]: the frames of full-frame `VideoClip` scenes, made by the app without the page.
//! - `error`: why a clip cannot be decoded ([`VideoError`]).
//! - [`limits`]: the largest picture a clip may have, and what a clip's decoder is counted at.
//! - [`inspect`]: what `check` says about a project's videos before a render.

pub mod direct;
mod error;
pub mod limits;
pub mod source;

pub use direct::{DirectError, DirectPlan};
pub use error::VideoError;
pub use source::{ClipFrame, Picture, VideoInfo, VideoSource};

use crate::project::{Problem, VideoRef};

/// Problems with the videos `VideoClip` scenes show, each at its JSON path: missing or
/// unreadable, not a video, no picture (a sound file said to be one), a video track without a
/// picture, a picture too large, no installed decoder. Opens each file and decodes its first
/// frame (not the whole clip: a file cut further in fails the render, naming it).
pub fn inspect(videos: &[VideoRef]) -> Vec<Problem> {
    videos
        .iter()
        .filter_map(|v| {
            let e = VideoSource::probe(&v.path).err()?;
            let message = match e {
                VideoError::Unreadable { reason, .. } => format!("cannot read {}: {reason}", v.src),
                VideoError::NotVideo { .. } => format!("{} is not a video GStreamer recognises", v.src),
                VideoError::NoPicture { sound: true, .. } => {
                    format!("{} has no picture, only sound: use \"audio\" for sounds", v.src)
                }
                VideoError::NoPicture { sound: false, .. } => format!("{} has no picture: it has no video track", v.src),
                VideoError::TooLarge { width, height, .. } => format!(
                    "{} is {width}×{height} pixels; a video clip may be at most {}: scale it down (for example ffmpeg -i in.mp4 -vf scale=3840:-2 out.mp4)",
                    v.src,
                    limits::MAX_SIZE_WORDS
                ),
                VideoError::Busy { reason, .. } => format!("{} cannot be opened: {reason}", v.src),
                VideoError::NoDecoder { format, package, .. } => format!(
                    "{} is {format}, which no installed GStreamer plugin decodes: install the Debian package {package}",
                    v.src
                ),
                VideoError::Corrupt { reason, .. } => format!("{} is damaged or cut short: {reason}", v.src),
            };
            Some(Problem { at: v.json_path.clone(), message })
        })
        .collect()
}
