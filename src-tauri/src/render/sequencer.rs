//! One export's frame sequence: which output frame the encoder takes next, each frame's turn,
//! the bounded channel to the encoder and the pooled buffers the frames are copied into, and
//! where a frame comes from: a slot of the frame ring (a canvas frame), a picture of the page
//! (a DOM scene), or a frame the app made (a full-frame clip, see [`super::direct_feed`]).
//!
//! The app is the clock: frames the app makes go to the encoder at their turn
//! ([`Sequencer::feed_made`]) without a word from the page, which asks only for the frames it
//! draws. Requests run as separate tasks, so frame N+1 may arrive before frame N: each frame
//! waits for its turn, and goes on only when the encoder has room for it, which is the
//! backpressure the page feels.

use super::caption_layer::CaptionLayers;
use super::frame_ring::FrameRing;
use super::snapshot::FrameShape;
use bazaar_core::encode::input_taken::TakenFn;
use bazaar_core::encode::{AnyEncoder, EncodeSettings, FramePool, PooledFrame};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch, Mutex, MutexGuard, Notify, OwnedSemaphorePermit, Semaphore};

/// How many of the page's frames a frame of the page may arrive ahead of the next expected
/// frame (the page sends three at a time; the app's frames between them do not count).
const MAX_AHEAD: u64 = 8;
/// How long a frame waits for the encoder to take one more frame before its turn.
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

/// With an encoder that copies its input ([`AnyEncoder::lends_input`]): what the encoder's
/// probe tells (every frame before the index it is given has been taken in) and what the
/// sequence waits on. Why lend: BENCHMARKS.md ("Frames lent to x264").
pub(super) fn taken_watch(settings: &EncodeSettings) -> Option<(TakenFn, watch::Receiver<u64>)> {
    if !AnyEncoder::lends_input(settings) {
        return None;
    }
    tracing::info!(format = settings.format.id(), "frames lent to the encoder, which copies each as it takes it in");
    let (tell, taken) = watch::channel(0);
    let tell: TakenFn = Arc::new(move |n| {
        tell.send_if_modified(|taken| std::mem::replace(taken, n.max(*taken)) < n);
    });
    Some((tell, taken))
}

/// The frames the app makes itself, in order, as [`super::direct_feed`] decodes them.
pub(super) type MadeFrames = mpsc::Receiver<(u64, PooledFrame)>;

/// The frames the app makes itself, which output frames they are (`[from, to)` runs), and the
/// burned captions laid over them.
pub(super) struct AppFrames {
    pub runs: Vec<(u64, u64)>,
    pub frames: MadeFrames,
    pub layers: Option<Arc<CaptionLayers>>,
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
    /// With an encoder that copies its input ([`AnyEncoder::lends_input`]), how many frames it
    /// has taken in (every frame before this index): ring frames are then lent to it, not
    /// copied, and the page is answered once they are taken. None: copied.
    ///
    /// [`AnyEncoder::lends_input`]: bazaar_core::encode::AnyEncoder::lends_input
    taken: Option<watch::Receiver<u64>>,
    made: Option<Made>,
    layers: Option<Arc<CaptionLayers>>,
    /// Places for DOM scenes' pictures on their way to the encoder.
    pictures: Arc<Semaphore>,
}

impl Sequencer {
    /// The sequence of `total` frames into `frames`, copied into buffers of `pool` or lent from
    /// `ring` (when `taken` says what the encoder has taken in); `pictures` DOM pictures may
    /// wait for their turn at once.
    pub fn new(
        total: u64,
        frames: mpsc::Sender<(u64, PooledFrame)>,
        pool: FramePool,
        (ring, taken): (FrameRing, Option<watch::Receiver<u64>>),
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
            taken,
            layers: made.as_ref().and_then(|m| m.layers.clone()),
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

    /// The burned captions the page draws for the frames the app makes, if any.
    pub fn caption_layers(&self) -> Option<&CaptionLayers> {
        self.layers.as_deref()
    }

    /// Ends the sequence: frames waiting for their turn (or their captions) give up.
    pub fn close(&self) {
        if let Some(layers) = &self.layers {
            layers.close();
        }
        self.closed.store(true, Ordering::Release);
        self.turn.notify_waiters();
    }

    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Frame `index`, which the page wrote into slot `k` of the ring in the encoder's format:
    /// lent to the encoder, or copied (see [`Sequencer::taken`]). The page writes that slot
    /// again only once answered, and it is answered after [`Sequencer::taken_past`] (see
    /// `frame_ring`).
    pub async fn ring_frame(&self, index: u64, k: u32) -> Result<(), SequenceError> {
        let past = || SequenceError::Refused(format!("slot {k} is past the ring"));
        let pixels = self.ring.slot(k).ok_or_else(past)?;
        if pixels.len() != self.pool.frame_bytes() {
            let why =
                format!("the ring's frames are {} bytes, the encoder's {}", pixels.len(), self.pool.frame_bytes());
            return Err(SequenceError::Internal(why));
        }
        let frame = match self.taken {
            // SAFETY: the page is answered only once the encoder has taken this frame in
            // (`bridge` awaits `taken_past` before it answers).
            Some(_) => unsafe { self.ring.lend(k) }.ok_or_else(past)?,
            None => {
                let mut frame = self.pool.take();
                frame.copy_from_slice(pixels);
                frame
            }
        };
        self.deliver(index, frame).await
    }

    /// Returns once the encoder has taken frame `index` in (at once when frames are copied, the
    /// render has ended, or the encoder is gone): the page may then write its slot again.
    pub async fn taken_past(&self, index: u64) -> Result<(), SequenceError> {
        let Some(mut taken) = self.taken.clone() else { return Ok(()) };
        tokio::select! {
            biased;
            // Err: the encoder is gone, and nothing reads the slot any more.
            _ = taken.wait_for(|&n| n > index) => Ok(()),
            () = self.closing() => Err(SequenceError::Stopped),
        }
    }

    /// Hands the frames the app makes (full-frame `VideoClip`s) to the encoder, each at its
    /// turn, calling `handed` after each; returns when the last is in, or the render has ended
    /// (`Stopped`). Each frame is taken from the clip feed, which decodes ahead, before its turn
    /// comes, so no lock is held while the decoder works. The feed fails the export itself
    /// (naming the clip) when it cannot make a frame.
    pub async fn feed_made(&self, handed: impl Fn()) -> Result<(), SequenceError> {
        let Some(Made { runs, feed }) = &self.made else { return Ok(()) };
        let mut feed = feed.lock().await;
        for index in runs.iter().flat_map(|&(from, to)| from..to) {
            // Not waited on once the render has ended: the session (and the encoder's input)
            // would stay open until the decoder's next frame or its time limit.
            let received = tokio::select! {
                made = feed.recv() => made,
                () = self.closing() => None,
            };
            let (made, frame) = received.ok_or(SequenceError::Stopped)?;
            if made != index {
                return Err(SequenceError::Internal(format!("the clip feed made frame {made} for frame {index}")));
            }
            let next = self.my_turn(index).await?;
            self.hand_on(next, index, frame).await?;
            handed();
        }
        Ok(())
    }

    /// Returns once the sequence has been closed.
    async fn closing(&self) {
        loop {
            let turn = self.turn.notified();
            if self.is_closed() {
                return;
            }
            turn.await;
        }
    }

    /// Whether the app makes frame `index` (see [`Sequencer::feed_made`]).
    fn is_made(&self, index: u64) -> bool {
        self.made.as_ref().is_some_and(|m| m.runs.iter().any(|&(from, to)| (from..to).contains(&index)))
    }

    /// The page's frames among `from..to` (the rest are the app's).
    fn page_frames(&self, from: u64, to: u64) -> u64 {
        let made = self
            .made
            .as_ref()
            .map_or(0, |m| m.runs.iter().map(|&(a, b)| b.min(to).saturating_sub(a.max(from))).sum::<u64>());
        to.saturating_sub(from) - made
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

    /// Waits until frame `index`, one of the page's, is the next the encoder expects and
    /// returns that index, locked. A duplicate, a frame the app makes, a frame far ahead, or one
    /// whose turn stops coming (no frame taken for [`ORDER_WAIT`]) is refused; the job continues.
    async fn in_turn(&self, index: u64) -> Result<MutexGuard<'_, u64>, SequenceError> {
        if self.is_made(index) {
            return Err(SequenceError::Refused("the app makes this frame itself".into()));
        }
        let mut deadline = tokio::time::Instant::now() + ORDER_WAIT;
        let mut seen = None;
        loop {
            let turn = self.turn.notified();
            if self.is_closed() {
                return Err(SequenceError::Stopped);
            }
            let next = self.order.lock().await;
            if index < *next || self.page_frames(*next, index) >= MAX_AHEAD {
                return Err(SequenceError::OutOfOrder { expected: *next, got: index });
            }
            if index == *next {
                return Ok(next);
            }
            if seen.replace(*next).is_some_and(|before| before != *next) {
                deadline = tokio::time::Instant::now() + ORDER_WAIT;
            }
            drop(next);
            if tokio::time::timeout_at(deadline, turn).await.is_err() {
                return Err(SequenceError::OutOfOrder { expected: self.next(), got: index });
            }
        }
    }

    /// Waits, as long as it takes, until frame `index` (one the app makes) is the next the
    /// encoder expects, and returns that index, locked.
    async fn my_turn(&self, index: u64) -> Result<MutexGuard<'_, u64>, SequenceError> {
        loop {
            let turn = self.turn.notified();
            if self.is_closed() {
                return Err(SequenceError::Stopped);
            }
            let next = self.order.lock().await;
            if *next == index {
                return Ok(next);
            }
            if *next > index {
                return Err(SequenceError::Internal(format!("frame {index} of a clip was taken before its turn")));
            }
            drop(next);
            turn.await;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::limits::RingShape;
    use bazaar_core::encode::PixelFormat;

    /// Six frames of 1×2 RGBA, of which the app makes 2 and 3: the sequence, what the encoder
    /// receives, and the app's feed.
    type Frames = mpsc::Receiver<(u64, PooledFrame)>;

    fn six_frames(test: &str) -> (Arc<Sequencer>, Frames, mpsc::Sender<(u64, PooledFrame)>) {
        let ring = FrameRing::create(
            &format!("{test}-{}", std::process::id()),
            RingShape::unbatched(4),
            PixelFormat::Rgba,
            1,
            2,
        )
        .unwrap();
        let pool = FramePool::new(8, 8);
        let (to_encoder, encoder) = mpsc::channel(8);
        let (feed, made) = mpsc::channel(4);
        let app = AppFrames { runs: vec![(2, 4)], frames: made, layers: None };
        (Arc::new(Sequencer::new(6, to_encoder, pool, (ring, None), Some(app), 3)), encoder, feed)
    }

    fn frame(pool: &FramePool, mark: u8) -> PooledFrame {
        let mut f = pool.take();
        f.fill(mark);
        f
    }

    /// The app is the clock of the frames it makes: they reach the encoder at their turn with
    /// no request from the page, in order with the page's frames, whatever order those arrive
    /// in; the page's frame after them may arrive while they are still due; a frame the app
    /// makes cannot come from the page.
    #[tokio::test]
    async fn frames_the_app_makes_go_in_at_their_turn_without_the_page() {
        let (seq, mut encoder, feed) = six_frames("seq-clock");
        let pool = FramePool::new(8, 8);
        let fed = {
            let seq = seq.clone();
            tokio::spawn(async move { seq.feed_made(|| {}).await })
        };
        for index in [2, 3] {
            feed.send((index, frame(&pool, 100 + index as u8))).await.unwrap();
        }
        // Frame 4 arrives first (two app frames and frames 0, 1 are still due), then 5, 1, 0.
        let page: Vec<_> = [4u64, 5, 1, 0]
            .into_iter()
            .map(|i| {
                let seq = seq.clone();
                let f = frame(&pool, i as u8);
                tokio::spawn(async move { seq.deliver(i, f).await })
            })
            .collect();
        let mut got = Vec::new();
        while let Some((index, f)) = encoder.recv().await {
            got.push((index, f[0]));
            if got.len() == 6 {
                break;
            }
        }
        assert_eq!(got, vec![(0, 0), (1, 1), (2, 102), (3, 103), (4, 4), (5, 5)]);
        for p in page {
            assert!(p.await.unwrap().is_ok());
        }
        assert!(fed.await.unwrap().is_ok());
        assert!(seq.all_in());
        let refused = seq.deliver(3, frame(&pool, 0)).await;
        assert!(matches!(refused, Err(SequenceError::Refused(_))), "{refused:?}");
    }

    /// Once the render has ended, the app's feed stops waiting for the decoder at once.
    #[tokio::test]
    async fn closing_ends_the_wait_for_the_decoder() {
        let (seq, _encoder, _feed) = six_frames("seq-close");
        let fed = {
            let seq = seq.clone();
            tokio::spawn(async move { seq.feed_made(|| {}).await })
        };
        seq.close();
        let waited = tokio::time::timeout(Duration::from_secs(10), fed).await;
        assert!(matches!(waited, Ok(Ok(Err(SequenceError::Stopped)))), "{waited:?}");
    }
}
