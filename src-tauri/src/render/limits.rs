//! A render's fixed bounds. The limits a user may change (load and frame time, memory) are in
//! `crate::config::RenderConfig`.

use std::time::Duration;

/// Extra time Rust allows beyond the page's own load limit before it gives up on the page.
pub const LOAD_MARGIN: Duration = Duration::from_secs(10);

/// Frames up to this size are named to the app a few at a time (see [`RingShape`]): 1080p's
/// I420 (3.1 MB) and less; larger ones (1080p RGBA, 4K) one at a time, so the ring stays small.
const BATCHED_FRAME_BYTES: usize = 3_200_000;

/// How the render page hands canvas frames over (see `frame_ring` and the bridge's
/// `render_frame`): `batch` frames named in one request, at most `in_flight` requests
/// unanswered. The ring has one slot more than the frames the page may have written and not
/// had answered, so the slot it writes is never one the bridge has yet to copy or the encoder
/// to take in.
///
/// Why batches: each request crosses from the web process to the app and back through WebKit's
/// IPC, the app's main loop and its async runtime, which costs CPU on both sides for every
/// frame; four frames a request pay it once (BENCHMARKS.md, "2026-12-07: the read-back's
/// memory reused, frames named four at a time").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RingShape {
    pub batch: u32,
    pub in_flight: u32,
}

impl RingShape {
    pub fn for_frames(frame_bytes: usize) -> Self {
        if frame_bytes <= BATCHED_FRAME_BYTES {
            Self { batch: 4, in_flight: 2 }
        } else {
            Self { batch: 1, in_flight: 3 }
        }
    }

    /// `slots` frames named one at a time (a ring that is not the page's frames: the caption
    /// layers').
    pub fn unbatched(slots: u32) -> Self {
        Self { batch: 1, in_flight: slots.saturating_sub(1) }
    }

    /// The ring's slots: the page writes a frame while at most `in_flight - 1` requests and the
    /// rest of its current batch are unanswered, `in_flight × batch` frames with this one.
    pub fn slots(self) -> u32 {
        self.in_flight * self.batch + 1
    }
}

/// DOM scenes' pictures taken and not yet handed to the encoder (8 MB each at 1080p): the page
/// waits for a place (see the bridge's `snapshot_frame`).
pub const SNAPSHOTS_AHEAD: usize = 3;

#[cfg(test)]
mod tests {
    use super::RingShape;

    #[test]
    fn a_ring_has_a_slot_more_than_the_page_may_hold_unanswered() {
        let small = RingShape::for_frames(1920 * 1080 * 3 / 2);
        assert_eq!((small.batch, small.in_flight, small.slots()), (4, 2, 9));
        let large = RingShape::for_frames(1920 * 1080 * 4);
        assert_eq!((large.batch, large.in_flight, large.slots()), (1, 3, 4));
        assert_eq!(RingShape::unbatched(1).slots(), 1);
        assert_eq!(RingShape::unbatched(5).slots(), 5);
    }
}
