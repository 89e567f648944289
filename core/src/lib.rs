//! Bazaar Export's headless core. Nothing here depends on Tauri, so the CLI, the tests and the
//! benchmarks drive exactly the code the desktop app does.
//!
//! - [`project`]: the project file format and its validation.
//! - [`align`]: a voice-over's script aligned to it offline (word timings for captions).
//! - [`batch`]: one video per row of a CSV or JSON Lines file (the project's inputs).
//! - [`chunks`]: a video rendered in frame ranges on many machines, joined without re-encoding.
//! - [`audio`]: the project's sounds decoded, mixed and analysed for the export.
//! - [`encode`]: RGBA frames → MP4 / WebM / GIF through GStreamer, with progress and cancel.
//! - [`probe`]: decodes finished files back (tests, benchmarks, sanity checks).
//! - [`render_plan`]: output size, rate and the project frame behind each output frame.
//! - [`cancel`]: the per-job cancel token.
//! - [`stage`]: where a job is, one vocabulary for the encoder, the renderer and the queue.
//! - [`content_hash`]: one stable content hash (chunk manifests, the project file's stamp).
//! - [`image_size`]: an image's pixel size from its header, before anything decodes it.
//! - [`input_file`]: reading only regular files, and only up to a limit.
//! - [`temp_files`]: the temp files being written, for the crash clean-up.
//! - [`media_file`]: a media file opened for its sound or its pictures (what the audio and video sources share).

pub mod align;
pub mod audio;
pub mod batch;
pub mod cancel;
pub mod captions;
pub mod chunks;
pub mod content_hash;
pub mod encode;
pub mod image_size;
pub mod input_file;
pub mod jobs;
pub mod media_file;
pub mod modules;
pub mod probe;
pub mod project;
pub mod render_plan;
pub mod stage;
pub mod synth;
pub mod temp_files;
pub mod templates;
pub mod video;

pub use cancel::CancelToken;
pub use stage::Stage;
