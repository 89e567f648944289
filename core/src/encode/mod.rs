//! The encoding engine: RGBA or I420 frames in, a finished and playable file out.
//!
//! - [`profile`]: formats and quality presets as data.
//! - [`pipeline`]: the GStreamer `appsrc` session ([`Encoder`]) with progress, cancel, errors;
//!   `settings`: what it is asked for; `sinks`: the bus watcher and the GIF writer.
//! - [`gif`]: the app's own GIF encoder, fed by `appsink`.
//! - [`output`]: temp file beside the destination, fsync + atomic rename on success.
//! - [`frame_pool`]: frame buffers reused once the encoder is done with them.
//! - [`audio_input`]: the sound track's input, fed by the mixer; `mp4_priming`: AAC's priming
//!   samples skipped by an MP4 edit list; `mp3_info`: an MP3's Info/LAME frame (length, gapless).
//! - [`still`]: pictures (PNG, JPEG, WebP): `bazaar-export still`, and each of a sequence's.
//! - [`image_seq`]: an image sequence, a folder of numbered pictures written whole or not at all.
//! - [`raw`]: the raw frame formats accepted (RGBA, I420) and the I420 plane layout.
//! - `options`: [`FormatOptions`], the choices besides format and quality (ProRes profile, GIF
//!   loops and rate, alpha kept).
//! - [`size_estimate`]: a file's size where it is known before (ProRes, sound).
//! - [`alpha`]: which outputs keep a transparent project's alpha, and what is said otherwise.
//! - [`sound_writer`]: a sound as a file of its own (sound-only exports, a sequence's WAV).
//! - `small_pages`: transparent huge pages off (x264's buffers zeroed 2 MB at a time).
//! - [`subtitles`]: caption tracks in the file (`mov_text`, WebVTT), as each profile says.
//! - [`webm_alpha`]: VP9 with transparency in WebM (two encoders and a WebM writer of our own);
//!   `any_encoder`: [`AnyEncoder`], which encoder an output takes.

pub mod alpha;
pub(crate) mod any_encoder;
pub mod audio_input;
pub mod convert;
mod error;
pub mod frame_pool;
pub mod gif;
pub mod image_seq;
pub mod input_taken;
pub(crate) mod mp3_info;
pub(crate) mod mp4_priming;
mod options;
pub mod output;
pub mod pipeline;
pub mod profile;
mod profile_table;
pub mod prores;
pub mod raw;
mod session_end;
mod settings;
mod sinks;
pub mod size_estimate;
mod small_pages;
pub mod sound_writer;
pub mod still;
pub mod subtitles;
pub mod webm_alpha;
mod worker;

pub use any_encoder::{check_output, AnyEncoder};
pub use audio_input::AudioInput;
pub use convert::{pixels_into, rgba_to_i420, Channels};
pub use error::EncodeError;
pub use frame_pool::{FramePool, PooledFrame};
pub use options::FormatOptions;
pub use pipeline::{check_elements, gst_init, Encoder};
pub use profile::{output_fps, output_size, AudioCodec, ChunkReader, Format, OutputKind, Profile, Quality, SizeRule};
pub use profile_table::PROFILES;
pub use prores::ProresProfile;
pub use raw::{I420Layout, PixelFormat, YuvMatrix};
pub use settings::{EncodeSettings, Progress, ProgressFn};
pub(crate) use sinks::classify_gst_error;
pub use small_pages::prefer_small_pages;
pub use webm_alpha::WebmAlphaEncoder;
