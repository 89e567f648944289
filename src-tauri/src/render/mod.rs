//! Rendering a project in a webview of its own and carrying frames to the encoder.
//!
//! - [`run`]: one export's render: webview, encoder thread, time limits, clean-up.
//! - [`page_spec`]: what the render page receives (the contract with `ui/runtime/`).
//! - [`job_table`]: the live jobs by id; each job's [`sequencer`] (frame order, the encoder's
//!   feed), [`page_process`] (the page's web process) and [`page_assets`] (what it may read).
//! - [`bridge`]: the IPC commands the render page calls; canvas frames are in the
//!   [`frame_ring`] the page writes through the web-process extension (`web-extension/`).
//! - [`protocol`]: the `bazaar://` scheme ([`urls`]) that serves the render page (and the
//!   window's preview, [`crate::preview`]), the runtime, built-in compositions and (checked)
//!   files from the project folder, and nothing else.
//! - [`sandbox`]: what keeps the render page from the network, other projects' data and
//!   unbounded memory, and notices when its process dies.
//! - [`clips`], [`direct_feed`]: video clips, served to the page as frames, or (full-frame
//!   `VideoClip` scenes) made by the app and sent to the encoder without the page, with the
//!   burned captions the page draws alone laid over them ([`caption_layer`]).
//! - [`sound_only`]: a sound-only export, the mix without any page.
//! - [`still`]: one frame as a picture (`still`, Save frame…), a one-frame image sequence.
//! - [`stats`]: where a render's time went (`--stats`, `--stats-json`).

pub mod bridge;
mod caption_layer;
pub(crate) mod clips;
pub mod cpu;
mod direct_feed;
mod error;
mod frame_ring;
mod job_table;
mod limits;
mod mix_job;
mod outcome;
mod page_assets;
mod page_process;
pub(crate) mod page_spec;
pub mod protocol;
mod run;
mod sandbox;
mod sequencer;
mod snapshot;
pub mod sound_only;
mod stats;
pub mod still;
pub mod urls;

pub use error::RenderError;
pub use job_table::Registry;
pub use run::{render, RenderRequest};
pub use sandbox::{forget_storage, kill};

/// What renders leave behind when the app exits: this process's views folder, and the views
/// folders and frame rings of processes that are gone (killed).
pub fn remove_leftovers() {
    sandbox::remove_views_dir();
    frame_ring::remove_stale_rings();
}
pub use stats::RenderStats;
