//! The encoding engine: RGBA or I420 frames in, a finished and playable file out.
//!
//! - [`profile`]: formats and quality presets as data.
//! - [`pipeline`]: the GStreamer `appsrc` session ([`Encoder`]) with progress, cancel, errors;
//!   `settings`: what it is asked for; `sinks`: the bus watcher and the GIF writer.
//! - [`gif`]: the app's own GIF encoder, fed by `appsink`.
//! - [`output`]: temp file beside the destination, fsync + atomic rename on success.
//! - [`frame_pool`]: frame buffers reused once the encoder is done with them.
//! - [`raw`]: the raw frame formats accepted (RGBA, I420) and the I420 plane layout.

mod error;
pub mod frame_pool;
pub mod gif;
pub mod output;
pub mod pipeline;
pub mod profile;
pub mod raw;
mod settings;
mod sinks;

pub use error::EncodeError;
pub use frame_pool::{FramePool, PooledFrame};
pub use pipeline::{check_elements, gst_init, Encoder};
pub use profile::{output_fps, output_size, Format, Profile, Quality, SizeRule, PROFILES};
pub use raw::{Band, FrameBands, I420Layout, PixelFormat, YuvMatrix};
pub use settings::{EncodeSettings, Progress, ProgressFn};
