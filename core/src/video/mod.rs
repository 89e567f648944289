//! Video clips: a file's pictures decoded in Rust, exact to the frame (issue 16, in progress).
//!
//! - [`source`]: one clip opened for frames, with the frame rule ([`VideoSource::frame_at`]).

pub mod source;

pub use source::{ClipFrame, VideoError, VideoInfo, VideoSource};
