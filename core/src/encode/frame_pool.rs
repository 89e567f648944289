//! Frame buffers that go back to a pool when the encoder is done with them.
//!
//! Why: a 1080p frame is 3 MB (I420) to 8 MB (RGBA), and x264 holds on to each input frame until
//! it has encoded it, a dozen frames later. Allocated fresh for every frame, that memory goes
//! back to the system and is faulted in (and zeroed by the kernel) again on the next frames: CPU
//! that, on two cores, comes out of the encoder's share. Pooled buffers are reused as they are.
//! The pool keeps at most `keep` idle buffers, so memory stays what the frames in flight need.
//! A frame may also be memory its producer lends ([`PooledFrame::lent`]: the render's frame
//! ring, to an encoder that copies its input), which goes back to no pool.

use std::any::Any;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex};

/// A pool of equal-size frame buffers. Cloning shares the pool.
#[derive(Clone)]
pub struct FramePool {
    shared: Arc<Shared>,
}

struct Shared {
    frame_bytes: usize,
    keep: usize,
    idle: Mutex<Vec<Vec<u8>>>,
}

impl FramePool {
    pub fn new(frame_bytes: usize, keep: usize) -> Self {
        FramePool { shared: Arc::new(Shared { frame_bytes, keep, idle: Mutex::new(Vec::new()) }) }
    }

    /// A buffer of the pool's frame size. A reused one still holds an earlier frame's bytes:
    /// the caller overwrites all of it.
    pub fn take(&self) -> PooledFrame {
        let reused = self.shared.idle.lock().ok().and_then(|mut idle| idle.pop());
        let pixels = reused.unwrap_or_else(|| vec![0; self.shared.frame_bytes]);
        PooledFrame { pixels: Pixels::Pooled { pixels, home: self.shared.clone() } }
    }

    /// The size of the pool's frames.
    pub fn frame_bytes(&self) -> usize {
        self.shared.frame_bytes
    }

    /// Buffers waiting to be reused.
    pub fn idle(&self) -> usize {
        self.shared.idle.lock().map(|idle| idle.len()).unwrap_or(0)
    }
}

/// A frame buffer that returns to its pool when dropped (on whichever thread drops it), or
/// memory lent by its producer ([`PooledFrame::lent`]).
pub struct PooledFrame {
    pixels: Pixels,
}

enum Pixels {
    Pooled {
        pixels: Vec<u8>,
        home: Arc<Shared>,
    },
    /// `len` bytes at `at`, kept mapped by `keep`.
    Lent {
        at: *mut u8,
        len: usize,
        _keep: Arc<dyn Any + Send + Sync>,
    },
}

// SAFETY: until the encoder has taken a lent frame in, its memory is reached only through the
// frame; after that nothing reads it through the frame (see `PooledFrame::lent`), though its
// producer writes it again. What keeps it mapped is `Send + Sync`.
unsafe impl Send for Pixels {}

impl PooledFrame {
    /// A frame in memory its producer lends (`len` bytes at `at`, kept mapped while `keep`
    /// lives): nothing is copied, and nothing goes back to a pool when it is dropped.
    ///
    /// # Safety
    /// The memory stays valid while `keep` lives, and nothing else writes it until the encoder
    /// has taken the frame in ([`super::input_taken`]); after that, nothing reads it through
    /// this frame.
    pub unsafe fn lent(at: *mut u8, len: usize, keep: Arc<dyn Any + Send + Sync>) -> PooledFrame {
        PooledFrame { pixels: Pixels::Lent { at, len, _keep: keep } }
    }
}

impl Drop for PooledFrame {
    fn drop(&mut self) {
        let Pixels::Pooled { pixels, home } = &mut self.pixels else { return };
        if let Ok(mut idle) = home.idle.lock() {
            if idle.len() < home.keep {
                idle.push(std::mem::take(pixels));
            }
        }
    }
}

impl Deref for PooledFrame {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match &self.pixels {
            Pixels::Pooled { pixels, .. } => pixels,
            // SAFETY: see `PooledFrame::lent`; `keep` keeps the memory mapped.
            Pixels::Lent { at, len, .. } => unsafe { std::slice::from_raw_parts(*at, *len) },
        }
    }
}

impl DerefMut for PooledFrame {
    fn deref_mut(&mut self) -> &mut [u8] {
        match &mut self.pixels {
            Pixels::Pooled { pixels, .. } => pixels,
            // SAFETY: as for `deref`; this frame is the memory's only user until it is taken in.
            Pixels::Lent { at, len, .. } => unsafe { std::slice::from_raw_parts_mut(*at, *len) },
        }
    }
}

impl AsRef<[u8]> for PooledFrame {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl AsMut<[u8]> for PooledFrame {
    fn as_mut(&mut self) -> &mut [u8] {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dropped_frame_is_reused_and_the_pool_keeps_no_more_than_asked() {
        let pool = FramePool::new(16, 2);
        let mut a = pool.take();
        a.copy_from_slice(&[7; 16]);
        let at = a.as_ptr();
        drop(a);
        assert_eq!(pool.idle(), 1);
        let b = pool.take();
        assert_eq!(b.as_ptr(), at, "the same buffer comes back");
        assert_eq!(&b[..], &[7; 16], "as it was left");
        let frames: Vec<PooledFrame> = (0..5).map(|_| pool.take()).collect();
        assert!(frames.iter().all(|f| f.len() == 16));
        drop(frames);
        drop(b);
        assert_eq!(pool.idle(), 2);
    }

    #[test]
    fn frames_come_back_from_other_threads() {
        let pool = FramePool::new(8, 4);
        let frame = pool.take();
        std::thread::spawn(move || drop(frame)).join().expect("thread");
        assert_eq!(pool.idle(), 1);
    }
}
