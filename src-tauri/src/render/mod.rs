//! Rendering a project in a webview of its own and carrying frames to the encoder.
//!
//! - [`protocol`]: the `bazaar://` scheme that serves the render page, the runtime, built-in
//!   compositions and (checked) files from the project folder, and nothing else.
//! - [`bridge`]: the IPC commands the render page calls; frames arrive as raw bytes.
//! - [`sandbox`]: what keeps the render page from the network, other projects' data and
//!   unbounded memory, and notices when its process dies.
//! - [`session`]: one export's render: webview, encoder thread, time limits, clean-up.

pub mod bridge;
pub mod cpu;
mod error;
pub mod procfs;
pub mod protocol;
mod sandbox;
pub mod session;

pub use error::RenderError;
pub use session::{render, Registry, RenderProgress, RenderRequest, RenderStage, RenderStats};
