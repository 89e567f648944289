//! Burned captions over the full-frame clip frames the app makes itself ([`super::direct_feed`]):
//! the render page draws the captions alone, on a transparent canvas, with the same code that
//! draws them over its own frames (`ui/runtime/captions.js`), once per **look** (what the
//! captions show: their pages, `words`' highlight, karaoke's fill: `burn::look_at`); it puts the
//! caption's rectangle, straight RGBA, into a shared-memory file of its own (through the
//! web-process extension, like the frame ring) and names it; the app prepares it for the
//! encoder's format and lays it over each clip frame of that look as the decoder makes it
//! (`bazaar_pixels::I420Overlay`, `blend_rgba`). So those frames stay the app's: the page never
//! decodes, draws and reads back a clip frame just to put text on it (BENCHMARKS.md, "Burned
//! captions").
//!
//! Looks are numbered in order of their first frame; a look is a run of consecutive clip frames
//! (the same look after a break is another), so the decoder, which makes frames in order,
//! drops each look after its last frame. At most [`LOOKS_AHEAD`] looks wait for their frames:
//! the page, which runs ahead through the frames it does not draw, waits for room (no
//! deadlock: the looks waiting are all for frames before the one the page is at).

use super::frame_ring::{FrameRing, FrameRingSpec};
use super::limits::RingShape;
use bazaar_core::captions::burn::{self, BurnLayer};
use bazaar_core::encode::PixelFormat;
use bazaar_core::video::DirectPlan;
use bazaar_pixels::{blend_rgba, I420Overlay, Layer};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Looks the page may hand over before the decoder has reached them (karaoke's fill makes a
/// look a frame; memory: each is its rectangle, prepared, about 14 bytes a pixel).
const LOOKS_AHEAD: usize = 4;
/// The page writes a look and waits for the app's answer before the next: one slot.
const SLOTS: u32 = 1;

/// The caption layers as the render page is told of them.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CaptionLayerSpec {
    /// Where the page puts each look's pixels (slots of a whole frame's RGBA).
    pub ring: FrameRingSpec,
    /// The output frame each look starts on (look `k` is the `k`th): the page draws look `k`
    /// with the captions of that frame.
    pub starts: Vec<u64>,
}

/// A look, ready to lay over frames in the encoder's format.
enum Prepared {
    I420(I420Overlay),
    Rgba { pixels: Vec<u8>, rect: [u32; 4] },
}

#[derive(Default)]
struct Ready {
    looks: HashMap<u32, (Arc<Prepared>, OwnedSemaphorePermit)>,
    /// Looks handed over so far (the page hands each once, in order).
    given: u32,
    closed: bool,
}

/// One export's caption layers over the clip frames the app makes.
pub(super) struct CaptionLayers {
    /// Per output frame: the look laid over it (only clip frames the app makes).
    looks: Vec<Option<u32>>,
    /// Per look: its first and last output frames.
    starts: Vec<u64>,
    ends: Vec<u64>,
    ring: FrameRing,
    format: PixelFormat,
    size: (u32, u32),
    ready: Mutex<Ready>,
    changed: Condvar,
    room: Arc<Semaphore>,
}

impl CaptionLayers {
    /// The looks of the clip frames in `direct` (output frame `i` shows project frame
    /// `project_frames[i]`) under `captions`, and their file (`job`'s); None when no clip frame
    /// has a caption on it.
    pub fn plan(
        job: &str,
        direct: &DirectPlan,
        project_frames: &[u64],
        captions: &[BurnLayer],
        format: PixelFormat,
        size: (u32, u32),
    ) -> Result<Option<Self>, String> {
        let mut looks = vec![None; direct.shots.len()];
        let (mut starts, mut ends) = (Vec::new(), Vec::new());
        let mut before: Option<(usize, Vec<u64>)> = None;
        for (out, shot) in direct.shots.iter().enumerate() {
            let Some(key) = shot.and(project_frames.get(out)).and_then(|&f| burn::look_at(captions, f)) else {
                continue;
            };
            if !before.as_ref().is_some_and(|(o, k)| o + 1 == out && *k == key) {
                starts.push(out as u64);
                ends.push(out as u64);
            }
            if let Some(end) = ends.last_mut() {
                *end = out as u64;
            }
            looks[out] = Some(starts.len() as u32 - 1);
            before = Some((out, key));
        }
        if starts.is_empty() {
            return Ok(None);
        }
        let ring = FrameRing::create(
            &format!("{job}-layers"),
            RingShape::unbatched(SLOTS),
            PixelFormat::Rgba,
            size.0,
            size.1,
        )?;
        let (ready, changed, room) = (Mutex::default(), Condvar::new(), Arc::new(Semaphore::new(LOOKS_AHEAD)));
        Ok(Some(Self { looks, starts, ends, ring, format, size, ready, changed, room }))
    }

    pub fn spec(&self) -> CaptionLayerSpec {
        CaptionLayerSpec { ring: self.ring.spec(), starts: self.starts.clone() }
    }

    /// The file the page writes the looks into (its name goes once the page has mapped it).
    pub fn ring(&self) -> &FrameRing {
        &self.ring
    }

    /// Look `look`, whose `rect` (x, y, width, height) the page has put into slot `slot`:
    /// copied and prepared before the page is answered. Waits while [`LOOKS_AHEAD`] looks wait
    /// for their frames. Err says what was wrong with the request.
    pub async fn receive(&self, look: u32, slot: u32, rect: [u32; 4]) -> Result<(), String> {
        let [x, y, w, h] = rect;
        let bytes = w as usize * h as usize * 4;
        let pixels =
            self.ring.slot(slot).and_then(|s| s.get(..bytes)).ok_or("the caption's rectangle is past its slot")?;
        let layer = Layer { pixels, x, y, width: w, height: h };
        if !layer.fits(self.size.0, self.size.1) {
            return Err(format!("the caption's rectangle {rect:?} is not inside the frame"));
        }
        let prepared = match self.format {
            PixelFormat::I420(matrix) => Prepared::I420(
                I420Overlay::new(layer, self.size.0, self.size.1, matrix)
                    .ok_or("the caption does not fit the frame")?,
            ),
            PixelFormat::Rgba => Prepared::Rgba { pixels: pixels.to_vec(), rect },
        };
        let room = self.room.clone().acquire_owned().await.map_err(|_| "the export has stopped")?;
        let mut ready = self.ready.lock().map_err(|_| "a caption thread failed")?;
        if look != ready.given || look as usize >= self.starts.len() {
            return Err(format!("caption look {look} came, expected look {}", ready.given));
        }
        ready.given += 1;
        ready.looks.insert(look, (Arc::new(prepared), room));
        self.changed.notify_all();
        Ok(())
    }

    /// Lays the captions of output frame `out` over `frame` (the encoder's format), first
    /// waiting for the page to hand its look over if it has not yet (it normally has, long
    /// before). False once the render has ended. No limit of its own: a page that never hands
    /// a look over sends no frame either, and the render's frame limit ends it, naming the frame.
    pub fn lay_over(&self, out: u64, frame: &mut [u8]) -> bool {
        let Some(look) = self.looks.get(out as usize).copied().flatten() else { return true };
        let Ok(mut ready) = self.ready.lock() else { return false };
        let prepared = loop {
            if ready.closed {
                return false;
            }
            if let Some((p, _)) = ready.looks.get(&look) {
                break p.clone();
            }
            let Ok(next) = self.changed.wait(ready) else { return false };
            ready = next;
        };
        if self.ends.get(look as usize) == Some(&out) {
            // Its last frame: the look (and its place) goes.
            ready.looks.remove(&look);
        }
        drop(ready);
        match &*prepared {
            Prepared::I420(overlay) => overlay.blend_into(frame),
            Prepared::Rgba { pixels, rect: [x, y, width, height] } => {
                let layer = Layer { pixels, x: *x, y: *y, width: *width, height: *height };
                blend_rgba(layer, frame, self.size.0, self.size.1)
            }
        };
        true
    }

    /// The render has ended: nothing waits for a look any more.
    pub fn close(&self) {
        self.room.close();
        if let Ok(mut ready) = self.ready.lock() {
            ready.closed = true;
            ready.looks.clear();
        }
        self.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bazaar_core::captions::burn::{BurnPage, BurnWord};
    use bazaar_core::captions::{CaptionStyle, CaptionStyleProps};
    use bazaar_core::video::direct::Shot;

    /// Clip frames 0–5 and 8–9 under a `words` page on frames 2–8 whose second word is
    /// spoken on 5–8: looks start at 2 and 5, and again at 8 (after the page's frames 6–7).
    fn layers(test: &str) -> CaptionLayers {
        let shot = Some(Shot { clip: 0, micros: 0 });
        let mut shots = vec![shot; 10];
        shots[6] = None;
        shots[7] = None;
        let direct = DirectPlan { clips: Vec::new(), shots };
        let word = |text: &str, from, to| BurnWord { text: text.into(), from, to, start_ms: 0, end_ms: 0 };
        let page = BurnPage { from: 2, to: 9, words: vec![word("a", 2, 5), word("b", 5, 9)] };
        let style_props = CaptionStyleProps::default();
        let captions = [BurnLayer { style: CaptionStyle::Words, style_props, at: 0, pages: vec![page] }];
        let frames: Vec<u64> = (0..10).collect();
        let job = format!("{test}-{}", std::process::id());
        CaptionLayers::plan(&job, &direct, &frames, &captions, PixelFormat::Rgba, (4, 2)).unwrap().unwrap()
    }

    #[test]
    fn a_look_is_a_run_of_clip_frames_with_the_same_captions() {
        let l = layers("looks-runs");
        let looks: Vec<Option<u32>> = l.looks.clone();
        let (none, a, b, c) = (None, Some(0), Some(1), Some(2));
        assert_eq!(looks, [none, none, a, a, a, b, none, none, c, none]);
        assert_eq!((l.starts.clone(), l.ends.clone()), (vec![2, 5, 8], vec![4, 5, 8]));
    }

    /// A look is laid over its frames once the page has handed it over, in order; it goes after
    /// its last frame; a frame waiting for its look stops waiting when the render ends.
    #[tokio::test]
    async fn looks_are_laid_over_their_frames_and_then_dropped() {
        let l = layers("looks-lay");
        let red = [255u8, 0, 0, 255];
        let refused = l.receive(1, 0, [0, 0, 1, 1]).await;
        assert!(refused.is_err_and(|e| e.contains("expected look 0")));
        assert!(l.receive(0, 0, [3, 1, 2, 1]).await.is_err(), "a rectangle past the frame");
        // The page's pixels: one red pixel, at (1, 1) of the frame.
        use std::os::unix::fs::FileExt;
        let file = std::fs::OpenOptions::new().write(true).open(format!("/dev/shm/{}", l.ring.spec().name));
        file.unwrap().write_all_at(&red, bazaar_pixels::FRAME_RING_HEADER_BYTES as u64).unwrap();
        let ready = l.receive(0, 0, [1, 1, 1, 1]).await;
        assert!(ready.is_ok(), "{ready:?}");
        let mut frame = vec![9u8; 4 * 2 * 4];
        assert!(l.lay_over(1, &mut frame) && frame.iter().all(|&b| b == 9), "no caption on frame 1");
        for out in [2, 3, 4] {
            let mut frame = vec![9u8; 4 * 2 * 4];
            assert!(l.lay_over(out, &mut frame));
            assert_eq!(frame[(4 + 1) * 4..][..4], red, "frame {out}");
            assert_eq!(frame.iter().filter(|&&b| b == 9).count(), 7 * 4, "frame {out}: only that pixel");
        }
        assert!(l.ready.lock().unwrap().looks.is_empty(), "look 0 goes after frame 4");
        let l = std::sync::Arc::new(l);
        let waiting = {
            let l = l.clone();
            std::thread::spawn(move || l.lay_over(5, &mut [9u8; 4 * 2 * 4]))
        };
        std::thread::sleep(std::time::Duration::from_millis(50));
        l.close();
        assert!(!waiting.join().unwrap(), "look 1 never came: the wait ends with the render");
    }
}
