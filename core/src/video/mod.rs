//! Video clips: a file's pictures decoded in Rust, exact to the frame.
//!
//! - [`source`]: one clip opened for frames, with the frame rule ([`VideoSource::frame_at`]).
//! - [`direct`]: the frames of full-frame `VideoClip` scenes, made by the app without the page.
//! - [`inspect`]: what `check` says about a project's videos before a render.

pub mod direct;
pub mod source;

pub use direct::{DirectError, DirectPlan};
pub use source::{ClipFrame, Picture, VideoError, VideoInfo, VideoSource};

use crate::project::{Problem, VideoRef};

/// Problems with the videos `VideoClip` scenes show, each at its JSON path: missing or
/// unreadable, not a video, no picture, no installed decoder. Opens each file and decodes its
/// first frame (not the whole clip).
pub fn inspect(videos: &[VideoRef]) -> Vec<Problem> {
    videos
        .iter()
        .filter_map(|v| {
            let e = VideoSource::open(&v.path).err()?;
            let message = match e {
                VideoError::Unreadable { reason, .. } => format!("cannot read {}: {reason}", v.src),
                VideoError::NotVideo { .. } => format!("{} is not a video GStreamer recognises", v.src),
                VideoError::NoPicture { .. } => {
                    format!("{} has no picture (is it a sound file? use \"audio\" for sounds)", v.src)
                }
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
