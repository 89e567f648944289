//! Dropping the head of a sound (its trim, where a paused sound resumes) *before* it is
//! resampled, and seeking to it in files whose decoders give exact timestamps.
//!
//! Why: resampling at GStreamer's best quality costs far more than decoding (a 2-hour MP3:
//! 6 s to decode, 30 s more to resample, measured), and a trim decoded, resampled and then
//! dropped sample by sample made a sound trimmed by 7100 s of a 2-hour file miss the frame
//! time limit. The cut is placed so the mix's samples stay the very samples of a whole decode:
//! it falls [`MARGIN`] before the sound wanted (the resampler's filter has the real samples
//! before it to work on again by then), on an input sample whose time is a whole number of
//! output samples (so the resampler's phase is the one it has there in a whole decode). The
//! source drops the rest after the resampler, counting samples as before.

use gstreamer as gst;
use gstreamer::prelude::*;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// Seconds of sound kept before the place wanted, for the resampler's filter (its taps reach
/// a few milliseconds either side at quality 10, measured at 8–96 kHz).
const MARGIN: f64 = 0.1;
/// The resampler's input: what `audioconvert` makes for the mix's caps (F32 stereo).
const BYTES_PER_FRAME: u64 = 8;
/// How long the stream waits for a seek to begin before its head is decoded instead.
const SEEK_WAIT: Duration = Duration::from_secs(10);

/// The cut, shared with the probe on the resampler's input (the condition: a seek has begun
/// or been refused).
#[derive(Clone)]
pub(super) struct HeadCut(Arc<(Mutex<State>, Condvar)>);

struct State {
    /// Frames at the output rate to drop from the start of the decoded stream.
    target: u64,
    out_rate: u32,
    in_rate: Option<u32>,
    /// The input frame the next buffer starts at: counted from 0, or after a seek taken
    /// from the buffer's timestamp (`None` until that buffer comes).
    next: Option<u64>,
    /// The first input frame kept, once the rate is known.
    from: Option<u64>,
    /// The pipeline to seek in to the first frame kept, once its rate is known (taken then).
    seek_in: Option<gst::glib::WeakRef<gst::Pipeline>>,
    /// A seek is on its way: the streaming thread waits in the probe until its flush begins
    /// (the stream would otherwise run on, to its end before the seek at times), and every
    /// buffer is dropped until the flush ends (the resampler must see none of the frames kept
    /// before it, or it starts on them again after the flush).
    seeking: bool,
    flushing: bool,
    /// The seek to make (pipeline, time in ns), once the probe has let go of the state.
    seek_now: Option<(gst::Pipeline, u64)>,
    /// A buffer after a seek began past `from`, or the seek was refused: open again without.
    overshot: bool,
}

impl HeadCut {
    pub(super) fn new(target: u64, out_rate: u32) -> Self {
        Self(Arc::new((
            Mutex::new(State {
                target,
                out_rate,
                in_rate: None,
                next: Some(0),
                from: None,
                seek_in: None,
                seeking: false,
                flushing: false,
                seek_now: None,
                overshot: false,
            }),
            Condvar::new(),
        )))
    }

    /// Puts the probe on `pad` (the resampler's sink pad).
    pub(super) fn attach(&self, pad: &gst::Pad) {
        let cut = self.clone();
        pad.add_probe(gst::PadProbeType::BUFFER | gst::PadProbeType::EVENT_FLUSH, move |pad, info| {
            let (lock, cond) = &*cut.0;
            let Ok(mut s) = lock.lock() else { return gst::PadProbeReturn::Ok };
            let verdict = match &mut info.data {
                Some(gst::PadProbeData::Event(e)) => {
                    if e.type_() == gst::EventType::FlushStart {
                        s.flushing = true;
                    } else if e.type_() == gst::EventType::FlushStop {
                        s.next = None;
                        (s.seeking, s.flushing) = (false, false);
                    }
                    cond.notify_all();
                    gst::PadProbeReturn::Ok
                }
                Some(gst::PadProbeData::Buffer(buffer)) => match s.cut(pad, buffer) {
                    Some(kept) => {
                        *buffer = kept;
                        gst::PadProbeReturn::Ok
                    }
                    // Consumed here (the bindings then release it); `Drop` had GStreamer
                    // release it again and log a critical warning.
                    None => gst::PadProbeReturn::Handled,
                },
                _ => gst::PadProbeReturn::Ok,
            };
            if let Some((pipeline, ns)) = s.seek_now.take() {
                drop(s);
                cut.seek(pipeline, ns);
                let Ok(s) = lock.lock() else { return verdict };
                let waited = cond.wait_timeout_while(s, SEEK_WAIT, |s| s.seeking && !s.flushing);
                if let Ok((mut s, timeout)) = waited {
                    if timeout.timed_out() {
                        (s.seeking, s.overshot) = (false, true);
                    }
                }
            }
            verdict
        });
    }

    /// Seeks to `ns` on a thread of its own (the flush waits for the streaming thread, which
    /// is in the probe). A refused seek counts as an overshoot: the file is opened again and
    /// its head decoded and dropped, as in any other file.
    fn seek(&self, pipeline: gst::Pipeline, ns: u64) {
        let state = self.0.clone();
        let refused = move || {
            let (lock, cond) = &*state;
            if let Ok(mut s) = lock.lock() {
                (s.seeking, s.overshot) = (false, true);
                cond.notify_all();
            }
        };
        let at = gst::ClockTime::from_nseconds(ns);
        let spawned = std::thread::Builder::new().name("bazaar-sound-seek".into()).spawn({
            let refused = refused.clone();
            move || {
                if pipeline.seek_simple(gst::SeekFlags::FLUSH | gst::SeekFlags::ACCURATE, at).is_err() {
                    refused();
                }
            }
        });
        if spawned.is_err() {
            refused();
        }
    }

    /// Seeks in `pipeline` to the first frame kept, as soon as the decoder has said its rate
    /// (the head is dropped meanwhile, so the resampler starts on the frames kept, as without
    /// a seek: after a first preroll and a flush, its output was not the whole decode's).
    pub(super) fn seek_in(&self, pipeline: &gst::Pipeline) {
        if let Ok(mut s) = self.0 .0.lock() {
            s.seek_in = Some(pipeline.downgrade());
        }
    }

    /// Frames at the output rate the cut has taken off (all of them before the sound kept).
    pub(super) fn dropped(&self) -> u64 {
        let Ok(s) = self.0 .0.lock() else { return 0 };
        match (s.from, s.in_rate) {
            (Some(from), Some(rate)) => (u128::from(from) * u128::from(s.out_rate) / u128::from(rate)) as u64,
            _ => 0,
        }
    }

    /// Whether a seek landed after the place wanted (the cut is then wrong: open again without).
    pub(super) fn overshot(&self) -> bool {
        self.0 .0.lock().is_ok_and(|s| s.overshot)
    }
}

impl State {
    /// The first input frame to keep: [`MARGIN`] before the target, on a frame whose time is a
    /// whole number of output frames.
    fn decide(&mut self, rate: u32) -> u64 {
        if let Some(from) = self.from {
            return from;
        }
        let (r_in, r_out) = (u128::from(rate), u128::from(self.out_rate));
        let margin = (MARGIN * f64::from(self.out_rate)) as u128;
        let want = (u128::from(self.target).saturating_sub(margin) * r_in / r_out) as u64;
        let step = (rate / gcd(rate, self.out_rate)).max(1) as u64;
        let from = want / step * step;
        self.from = Some(from);
        from
    }

    /// The part of `buffer` to keep (`None`: drop it whole).
    fn cut(&mut self, pad: &gst::Pad, buffer: &gst::Buffer) -> Option<gst::Buffer> {
        let rate = match self.in_rate {
            Some(r) => r,
            None => {
                let caps = pad.current_caps()?;
                let r = caps.structure(0)?.get::<i32>("rate").ok().filter(|&r| r > 0)? as u32;
                self.in_rate = Some(r);
                r
            }
        };
        let frames = buffer.size() as u64 / BYTES_PER_FRAME;
        let (start, after_seek) = match self.next {
            Some(n) => (n, false),
            // The first buffer after a seek: where the decoder says it is.
            None => (buffer.pts().map_or(0, |t| ns_to_frames(t.nseconds(), rate)), true),
        };
        self.next = Some(start + frames);
        if self.seeking {
            return None;
        }
        let from = self.decide(rate);
        if start >= from {
            self.overshot |= after_seek && start > from;
            return Some(buffer.clone());
        }
        if start + frames <= from {
            if let Some(pipeline) = self.seek_in.take().and_then(|p| p.upgrade()) {
                self.seeking = true;
                self.seek_now = Some((pipeline, frames_to_ns(from, rate)));
            }
            return None;
        }
        let skip = (from - start) as usize * BYTES_PER_FRAME as usize;
        let flags = gst::BufferCopyFlags::FLAGS | gst::BufferCopyFlags::META | gst::BufferCopyFlags::MEMORY;
        let mut kept = buffer.copy_region(flags, skip..).ok()?;
        if let (Some(b), Some(pts)) = (kept.get_mut(), buffer.pts()) {
            let cut = gst::ClockTime::from_nseconds(frames_to_ns(from - start, rate));
            b.set_pts(pts + cut);
            b.set_duration(buffer.duration().map(|d| d.saturating_sub(cut)));
        }
        Some(kept)
    }
}

fn ns_to_frames(ns: u64, rate: u32) -> u64 {
    ((u128::from(ns) * u128::from(rate) + 500_000_000) / 1_000_000_000) as u64
}

fn frames_to_ns(frames: u64, rate: u32) -> u64 {
    (u128::from(frames) * 1_000_000_000 / u128::from(rate)) as u64
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}
