//! A sound as a file of its own, `appsrc ! audioconvert ! <encoder> [! <muxer>] ! filesink`
//! ([`crate::encode::Profile::sound_file_tail`]): a sound-only export's file
//! (`crate::audio::export`), and the WAV in an image sequence's folder (`super::image_seq`).

use super::{gst_init, AudioInput, EncodeError, Format, Quality};
use crate::CancelToken;
use gstreamer as gst;
use gstreamer::prelude::*;
use std::path::Path;

/// `format`'s sound as a file at `location` (`append`: after what is there): its pipeline
/// ([`crate::encode::Profile::sound_file_tail`], elements checked, naming their package) and its
/// input, not started yet.
pub fn sound_writer(
    format: Format,
    quality: Quality,
    location: &str,
    append: bool,
) -> Result<(gst::Pipeline, AudioInput), EncodeError> {
    let profile = format.profile();
    let codec = profile.audio.as_ref().ok_or_else(|| EncodeError::Settings(format!("{} has no sound", profile.id)))?;
    gst_init()?;
    let needed = if profile.kind == super::OutputKind::SoundOnly { profile.requires } else { &[] };
    for r in needed.iter().chain([&codec.requires]) {
        if gst::ElementFactory::find(r.element).is_none() {
            return Err(EncodeError::MissingElement { element: r.element.into(), package: r.package.into() });
        }
    }
    let desc = profile.sound_file_tail(quality).ok_or_else(|| EncodeError::Init("no sound branch".into()))?;
    let pipeline = gst::parse::launch(&desc)
        .map_err(|e| EncodeError::Init(format!("cannot build the pipeline: {e}")))?
        .downcast::<gst::Pipeline>()
        .map_err(|_| EncodeError::Init("the description did not produce a pipeline".into()))?;
    let sink = pipeline.by_name("asink").ok_or_else(|| EncodeError::Init("the pipeline has no sink".into()))?;
    sink.set_property("location", location);
    sink.set_property("append", append);
    let input = pipeline
        .by_name("asrc")
        .and_then(|e| e.downcast::<gstreamer_app::AppSrc>().ok())
        .ok_or_else(|| EncodeError::Init("the pipeline has no sound input".into()))
        .and_then(|a| AudioInput::new(a).map_err(EncodeError::Init))?;
    Ok((pipeline, input))
}

/// Waits, the pipeline playing, until its file is complete (EOS), an element fails or `cancel`;
/// `tick` runs every 100 ms meanwhile.
pub fn until_written(
    pipeline: &gst::Pipeline,
    dest: &Path,
    cancel: &CancelToken,
    mut tick: impl FnMut(),
) -> Result<(), EncodeError> {
    let bus = pipeline.bus().ok_or_else(|| EncodeError::Init("the pipeline has no bus".into()))?;
    loop {
        if cancel.is_cancelled() {
            return Err(EncodeError::Cancelled);
        }
        tick();
        let Some(msg) = bus
            .timed_pop_filtered(gst::ClockTime::from_mseconds(100), &[gst::MessageType::Eos, gst::MessageType::Error])
        else {
            continue;
        };
        match msg.view() {
            gst::MessageView::Eos(_) => return Ok(()),
            gst::MessageView::Error(err) => {
                let element = err.src().map(|s| s.name().to_string()).unwrap_or_else(|| "pipeline".into());
                return Err(super::classify_gst_error(err.error(), &element, dest));
            }
            _ => {}
        }
    }
}
