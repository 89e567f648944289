//! One export's frame sequence: which output frame the encoder takes next, each frame's turn,
//! the bounded channel to the encoder and the pooled buffers the frames are copied into, and
//! where a frame comes from: a slot of the frame ring (a canvas frame), a picture of the page
//! (a DOM scene), or a frame the app made (a full-frame clip, see [`super::direct_feed`]).
//!
//! Requests run as separate tasks, so frame N+1 may arrive before frame N: each frame waits for
//! its turn (a short wait: the page has at most three frames in flight), and goes on only when
//! the encoder has room for it, which is the backpressure the page feels.

use super::frame_ring::FrameRing;
use super::snapshot::FrameShape;
use bazaar_core::encode::{FramePool, PooledFrame};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, Mutex, MutexGuard, Notify, OwnedSemaphorePermit, Semaphore};

/// How far ahead of the next expected frame a frame may arrive (the page sends three at a time).
const MAX_AHEAD: u64 = 8;
/// How long a frame waits for the ones before it.
const ORDER_WAIT: Duration = Duration::from_secs(30);

/// Why a frame did not reach the encoder.
#[derive(Debug)]
pub(super) enum SequenceError {
    /// The render has ended.
    Stopped,
    /// A duplicate, a frame far ahead, or one whose turn never came.
    OutOfOrder { expected: u64, got: u64 },
    /// The page asked for something the sequence does not have (the job goes on).
    Refused(String),
    /// A bug of the app's.
    Internal(String),
}

/// The frames the app makes itself, in order, as [`super::direct_feed`] decodes them.
pub(super) type MadeFrames = mpsc::Receiver<(u64, PooledFrame)>;

/// The frames the app makes itself, and which output frames they are (`[from, to)` runs).
pub(super) struct AppFrames {
    pub runs: Vec<(u64, u64)>,
    pub frames: MadeFrames,
}

/// [`AppFrames`] as the sequence holds them: the feed taken a frame at a time.
struct Made {
    runs: Vec<(u64, u64)>,
    feed: Mutex<MadeFrames>,
}

pub(super) struct Sequencer {
    total: u64,
    /// The next frame index the encoder expects, for readers that must not wait (the watchdog).
    next: AtomicU64,
    /// The same, as the lock that keeps frames in order on their way to the encoder.
    order: Mutex<u64>,
    /// Woken whenever a frame has been handed on, so the one after it can go.
    turn: Notify,
    /// Set when the render has ended: frames still waiting for their turn give up at once (they
    /// hold the frame channel open, which the encoder thread waits on).
    closed: AtomicBool,
    frames: mpsc::Sender<(u64, PooledFrame)>,
    pool: FramePool,
    ring: FrameRing,
    made: Option<Made>,
    /// Places for DOM scenes' pictures on their way to the encoder.
    pictures: Arc<Semaphore>,
}

impl Sequencer {
    /// The sequence of `total` frames into `frames`, copied into buffers of `pool`; `pictures`
    /// DOM pictures may wait for their turn at once.
    pub fn new(
        total: u64,
        frames: mpsc::Sender<(u64, PooledFrame)>,
        pool: FramePool,
        ring: FrameRing,
        made: Option<AppFrames>,
        pictures: usize,
    ) -> Self {
        Self {
            total,
            next: AtomicU64::new(0),
            order: Mutex::new(0),
            turn: Notify::new(),
            closed: AtomicBool::new(false),
            frames,
            pool,
            ring,
            made: made.map(|m| Made { runs: m.runs, feed: Mutex::new(m.frames) }),
            pictures: Arc::new(Semaphore::new(pictures)),
        }
    }

    pub fn total(&self) -> u64 {
        self.total
    }

    /// The next frame index the encoder expects.
    pub fn next(&self) -> u64 {
        self.next.load(Ordering::Acquire)
    }

    /// Whether every frame has been handed to the encoder.
    pub fn all_in(&self) -> bool {
        self.next() >= self.total
    }

    pub fn ring(&self) -> &FrameRing {
        &self.ring
    }

    /// Ends the sequence: frames waiting for their turn give up.
    pub fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.turn.notify_waiters();
    }

    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Frame `index`, which the page wrote into slot `k` of the ring in the encoder's format:
    /// copied before the page is answered (it writes that slot again only after; see
    /// `frame_ring`).
    pub async fn ring_frame(&self, index: u64, k: u32) -> Result<(), SequenceError> {
        let pixels = self.ring.slot(k).ok_or_else(|| SequenceError::Refused(format!("slot {k} is past the ring")))?;
        let mut frame = self.pool.take();
        if pixels.len() != frame.len() {
            let why = format!("the ring's frames are {} bytes, the encoder's {}", pixels.len(), frame.len());
            return Err(SequenceError::Internal(why));
        }
        frame.copy_from_slice(pixels);
        self.deliver(index, frame).await
    }

    /// Frame `index`, one the app makes itself (a full-frame `VideoClip`): taken from the clip
    /// feed, which decodes ahead, when its turn has come.
    pub async fn app_frame(&self, index: u64) -> Result<(), SequenceError> {
        let Some(Made { runs, feed }) = &self.made else {
            return Err(SequenceError::Refused("the app makes no frames of this export".into()));
        };
        if !runs.iter().any(|&(from, to)| (from..to).contains(&index)) {
            return Err(SequenceError::Refused(format!("frame {index} is not one the app makes")));
        }
        let next = self.in_turn(index).await?;
        // The feed fails the export itself (naming the clip) when it cannot make a frame.
        let (made, frame) = feed.lock().await.recv().await.ok_or(SequenceError::Stopped)?;
        if made != index {
            return Err(SequenceError::Internal(format!("the clip feed made frame {made} for frame {index}")));
        }
        self.hand_on(next, index, frame).await
    }

    /// A place for a DOM picture on its way to the encoder, and the frames it is made into: the
    /// page waits for a place while [`super::limits::SNAPSHOTS_AHEAD`] pictures wait.
    pub async fn picture_place(
        &self,
        width: u32,
        height: u32,
    ) -> Result<(OwnedSemaphorePermit, FrameShape), SequenceError> {
        let place = self.pictures.clone().acquire_owned().await.map_err(|_| SequenceError::Stopped)?;
        Ok((place, FrameShape { pool: self.pool.clone(), format: self.ring.format(), width, height }))
    }

    /// Hands frame `index` to the encoder at its turn.
    pub async fn deliver(&self, index: u64, frame: PooledFrame) -> Result<(), SequenceError> {
        let next = self.in_turn(index).await?;
        self.hand_on(next, index, frame).await
    }

    /// Waits until frame `index` is the next the encoder expects and returns that index, locked.
    /// A duplicate or a frame far ahead is refused; the job continues.
    async fn in_turn(&self, index: u64) -> Result<MutexGuard<'_, u64>, SequenceError> {
        let deadline = tokio::time::Instant::now() + ORDER_WAIT;
        loop {
            let turn = self.turn.notified();
            if self.is_closed() {
                return Err(SequenceError::Stopped);
            }
            let next = self.order.lock().await;
            if index < *next || index >= *next + MAX_AHEAD {
                return Err(SequenceError::OutOfOrder { expected: *next, got: index });
            }
            if index == *next {
                return Ok(next);
            }
            drop(next);
            if tokio::time::timeout_at(deadline, turn).await.is_err() {
                return Err(SequenceError::OutOfOrder { expected: self.next(), got: index });
            }
        }
    }

    /// Sends frame `index` to the encoder (waiting while it is behind) and lets the next frame
    /// have its turn.
    async fn hand_on(
        &self,
        mut next: MutexGuard<'_, u64>,
        index: u64,
        frame: PooledFrame,
    ) -> Result<(), SequenceError> {
        self.frames.send((index, frame)).await.map_err(|_| SequenceError::Stopped)?;
        *next += 1;
        self.next.store(*next, Ordering::Release);
        drop(next);
        self.turn.notify_waiters();
        Ok(())
    }
}
