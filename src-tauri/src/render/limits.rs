//! A render's fixed bounds. The limits a user may change (load and frame time, memory) are in
//! `crate::config::RenderConfig`.

use std::time::Duration;

/// Extra time Rust allows beyond the page's own load limit before it gives up on the page.
pub const LOAD_MARGIN: Duration = Duration::from_secs(10);

/// Frames in a job's frame ring (see `frame_ring`): one more than the render page keeps in
/// flight (`IN_FLIGHT` in `ui/runtime/render.js`), so the slot it writes is never one the
/// bridge has yet to read.
pub const RING_SLOTS: u32 = 4;

/// DOM scenes' pictures taken and not yet handed to the encoder (8 MB each at 1080p): the page
/// waits for a place (see the bridge's `snapshot_frame`).
pub const SNAPSHOTS_AHEAD: usize = 3;
