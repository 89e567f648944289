//! How long a render page may take: for its `load()` and for each frame.

use std::time::Duration;

/// Longest a composition's `load()` may take (the page enforces it; Rust adds a margin).
/// `BAZAAR_LOAD_TIMEOUT_SECS` overrides it (tests use a short one).
pub fn load_timeout() -> Duration {
    secs_from_env("BAZAAR_LOAD_TIMEOUT_SECS", 30)
}

/// Longest between two frames before the render is declared hung (`BAZAAR_FRAME_TIMEOUT_SECS`).
pub fn frame_timeout() -> Duration {
    secs_from_env("BAZAAR_FRAME_TIMEOUT_SECS", 30)
}

/// Extra time Rust allows beyond the page's own load limit before it gives up on the page.
pub const LOAD_MARGIN: Duration = Duration::from_secs(10);

fn secs_from_env(var: &str, default: u64) -> Duration {
    let secs = std::env::var(var).ok().and_then(|v| v.parse::<u64>().ok()).filter(|s| *s > 0);
    Duration::from_secs(secs.unwrap_or(default))
}

/// Frames in a job's frame ring (see `frame_ring`): one more than the render page keeps in
/// flight (`IN_FLIGHT` in `ui/runtime/render.js`), so the slot it writes is never one the
/// bridge has yet to read.
pub const RING_SLOTS: u32 = 4;

/// DOM scenes' pictures taken and not yet handed to the encoder (8 MB each at 1080p): the page
/// waits for a place (see the bridge's `snapshot_frame`).
pub const SNAPSHOTS_AHEAD: usize = 3;
