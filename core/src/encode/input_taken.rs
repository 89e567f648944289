//! Which frames the encoder has taken in, for producers that lend it their memory instead of
//! copying into a pooled buffer (the render's frame ring: BENCHMARKS.md, "Frames lent to
//! x264"). GStreamer keeps an input buffer until its frame leaves the encoder (x264's look-ahead
//! holds dozens), but an encoder whose profile says [`super::Profile::copies_input`] has copied
//! a frame by the time the next one reaches its sink pad, which is what this reports: when
//! frame N's buffer (its offset, set from the frame index) arrives, every frame before N has
//! been taken; at the end of the stream, all of them.

use super::EncodeError;
use gstreamer as gst;
use gstreamer::prelude::*;
use std::sync::Arc;

/// Told `n` when every frame before frame `n` has been taken in (`u64::MAX` at the end).
pub type TakenFn = Arc<dyn Fn(u64) + Send + Sync>;

/// Reports through `taken` the frames the encoder element `enc` has taken in.
pub(super) fn watch(enc: &gst::Element, taken: TakenFn) -> Result<(), EncodeError> {
    let pad = enc.static_pad("sink").ok_or_else(|| EncodeError::Init("the encoder has no sink pad".into()))?;
    let probe = gst::PadProbeType::BUFFER | gst::PadProbeType::EVENT_DOWNSTREAM;
    pad.add_probe(probe, move |_, info| {
        match &info.data {
            Some(gst::PadProbeData::Buffer(buffer)) => taken(buffer.offset()),
            Some(gst::PadProbeData::Event(e)) if e.type_() == gst::EventType::Eos => taken(u64::MAX),
            _ => {}
        }
        gst::PadProbeReturn::Ok
    })
    .ok_or_else(|| EncodeError::Init("cannot watch the encoder's input".into()))?;
    Ok(())
}
