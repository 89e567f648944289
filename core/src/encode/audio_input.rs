//! The encoder's sound input: `appsrc name=asrc ! audioconvert ! <audio encoder> ! mux.`, fed
//! by the mixer's thread (`crate::audio::feed`) while the pictures arrive on the video appsrc.
//! Buffers are timestamped from the sample count, never the clock.

use gstreamer as gst;
use gstreamer_app as gst_app;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// The mix's rate and channels: 48 kHz stereo, what AAC and Opus are best at.
pub const RATE: u32 = 48_000;
pub const CHANNELS: usize = 2;
/// Seconds of sound `appsrc` may queue before a push waits. The muxer interleaves by time, so
/// the sound runs ahead of the pictures by as much as the video encoder's look-ahead and the
/// frames in flight hold (a few seconds at most); this is well past that, so the mixer's thread
/// never waits on the muxer while the render page waits on the mixer.
const QUEUE_SECONDS: u64 = 30;

/// The mix's format as caps: interleaved 32-bit float, 48 kHz stereo.
pub fn mix_caps() -> gst::Caps {
    mix_caps_at(RATE)
}

/// The mix's sample format at another rate (a sound played faster or slower is resampled to
/// `RATE / speed` and its samples taken as `RATE`'s).
pub fn mix_caps_at(rate: u32) -> gst::Caps {
    gst::Caps::builder("audio/x-raw")
        .field("format", "F32LE")
        .field("rate", rate as i32)
        .field("channels", CHANNELS as i32)
        .field("layout", "interleaved")
        .build()
}

/// A handle on the encoder's sound input; cheap to clone, usable from any thread.
#[derive(Clone)]
pub struct AudioInput {
    appsrc: gst_app::AppSrc,
    pushed: Arc<AtomicU64>,
    failure: Arc<Mutex<Option<String>>>,
}

impl AudioInput {
    pub(crate) fn new(appsrc: gst_app::AppSrc) -> Result<Self, String> {
        appsrc.set_caps(Some(&mix_caps()));
        appsrc.set_format(gst::Format::Time);
        appsrc.set_is_live(false);
        appsrc.set_block(true);
        appsrc.set_max_bytes(QUEUE_SECONDS * u64::from(RATE) * CHANNELS as u64 * 4);
        Ok(Self { appsrc, pushed: Arc::new(AtomicU64::new(0)), failure: Arc::new(Mutex::new(None)) })
    }

    /// Queues the next samples (interleaved stereo). `false` if the pipeline has stopped.
    pub fn push(&self, samples: &[f32]) -> bool {
        let frames = (samples.len() / CHANNELS) as u64;
        if frames == 0 {
            return true;
        }
        let first = self.pushed.fetch_add(frames, Ordering::AcqRel);
        let time = |n: u64| gst::ClockTime::from_nseconds((u128::from(n) * 1_000_000_000 / u128::from(RATE)) as u64);
        let bytes: Vec<u8> = samples[..frames as usize * CHANNELS].iter().flat_map(|s| s.to_le_bytes()).collect();
        let mut buffer = gst::Buffer::from_mut_slice(bytes);
        if let Some(b) = buffer.get_mut() {
            b.set_pts(time(first));
            b.set_duration(time(first + frames) - time(first));
            b.set_offset(first);
            b.set_offset_end(first + frames);
        }
        self.appsrc.push_buffer(buffer).is_ok()
    }

    /// The sound is complete.
    pub fn end(&self) {
        let _ = self.appsrc.end_of_stream();
    }

    /// The sound cannot be made: the export fails with `why` (which names the file).
    pub fn fail(&self, why: String) {
        if let Ok(mut f) = self.failure.lock() {
            f.get_or_insert(why.clone());
        }
        use gstreamer::prelude::*;
        let msg = gst::message::Error::builder(gst::StreamError::Failed, &why).src(&self.appsrc).build();
        let _ = self.appsrc.post_message(msg);
    }

    /// Frames pushed so far.
    pub fn frames_pushed(&self) -> u64 {
        self.pushed.load(Ordering::Acquire)
    }

    pub(super) fn failure(&self) -> Option<String> {
        self.failure.lock().ok().and_then(|f| f.clone())
    }
}
