//! A media file opened for one kind of stream (its sound, or its pictures), the part the sound
//! and video sources share: `filesrc ! decodebin`, the file's first stream of that kind linked
//! to the caller's chain, every other stream to a `fakesink` (so an unlinked stream does not
//! stop the demuxer); a file with none of that kind said at once; and why a file cannot be
//! decoded, in one vocabulary ([`Refusal`]) that each source words for its own kind.

use crate::encode::gst_init;
use gstreamer as gst;
use gstreamer::prelude::*;
use std::time::{Duration, Instant};

/// How long decoding may take to start, or to hand over its next buffer.
pub const STALL: Duration = Duration::from_secs(30);
/// The message posted when all of a file's streams are known and none is of the kind wanted.
const NONE_OF_KIND: &str = "bazaar-none-of-kind";

/// Why a file cannot be decoded.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    Unreadable(String),
    /// Not a media file GStreamer recognises.
    Unrecognised(String),
    /// It has no stream of the kind wanted.
    NoneOfKind,
    /// No installed plugin decodes it: the format in words and the Debian package to install.
    NoDecoder {
        format: String,
        package: String,
    },
    Corrupt(String),
}

/// The pipeline, before it starts: `filesrc ! decodebin`, its first stream whose caps start
/// with `kind` (`"audio/"`, `"video/"`) to `chain_in`.
pub fn open(
    path: &std::path::Path,
    kind: &'static str,
    chain: &[&gst::Element],
) -> Result<(gst::Pipeline, gst::Pad), Refusal> {
    let fail = || Refusal::Unreadable("cannot build the decoder".into());
    let pipeline = gst::Pipeline::new();
    let src = element("filesrc")?;
    src.set_property("location", path);
    let decode = element("decodebin")?;
    pipeline.add_many([&src, &decode]).map_err(|_| fail())?;
    pipeline.add_many(chain.iter().copied()).map_err(|_| fail())?;
    src.link(&decode).map_err(|_| fail())?;
    gst::Element::link_many(chain.iter().copied()).map_err(|_| fail())?;
    let chain_in = chain.first().and_then(|e| e.static_pad("sink")).ok_or_else(fail)?;
    let (weak, wanted) = (pipeline.downgrade(), chain_in.clone());
    decode.connect_pad_added(move |_, pad| {
        let of_kind =
            pad.current_caps().and_then(|c| c.structure(0).map(|s| s.name().starts_with(kind))).unwrap_or(false);
        if of_kind && !wanted.is_linked() && pad.link(&wanted).is_ok() {
            return;
        }
        let Some(pipeline) = weak.upgrade() else { return };
        let Ok(sink) = gst::ElementFactory::make("fakesink").property("sync", false).property("async", false).build()
        else {
            return;
        };
        if pipeline.add(&sink).is_ok() {
            let _ = sink.sync_state_with_parent();
            if let Some(p) = sink.static_pad("sink") {
                let _ = pad.link(&p);
            }
        }
    });
    let (weak, wanted) = (pipeline.downgrade(), chain_in.clone());
    decode.connect_no_more_pads(move |decode| {
        if !wanted.is_linked() {
            if let Some(p) = weak.upgrade() {
                let msg =
                    gst::message::Application::builder(gst::Structure::new_empty(NONE_OF_KIND)).src(decode).build();
                let _ = p.post_message(msg);
            }
        }
    });
    Ok((pipeline, chain_in))
}

/// A GStreamer element for a decoding chain (GStreamer started first), or the package that
/// ships it.
pub fn element(name: &str) -> Result<gst::Element, Refusal> {
    gst_init().map_err(|e| Refusal::Unreadable(e.to_string()))?;
    gst::ElementFactory::make(name).build().map_err(|_| Refusal::NoDecoder {
        format: format!("a file that needs the GStreamer element {name}"),
        package: match name {
            "videoflip" => "gstreamer1.0-plugins-good",
            _ => "gstreamer1.0-plugins-base",
        }
        .into(),
    })
}

/// Waits until the first decoded buffer reaches the sink (the pipeline set to PAUSED), or says
/// why it cannot.
pub fn wait_preroll(pipeline: &gst::Pipeline, chain_in: &gst::Pad) -> Result<(), Refusal> {
    let bus = pipeline.bus().ok_or_else(|| Refusal::Unreadable("cannot start decoding".into()))?;
    let deadline = Instant::now() + STALL;
    let kinds = [
        gst::MessageType::AsyncDone,
        gst::MessageType::Error,
        gst::MessageType::Element,
        gst::MessageType::Application,
    ];
    while Instant::now() < deadline {
        let Some(msg) = bus.timed_pop_filtered(gst::ClockTime::from_mseconds(100), &kinds) else { continue };
        match msg.view() {
            gst::MessageView::Application(a) if a.structure().is_some_and(|s| s.name() == NONE_OF_KIND) => {
                return Err(Refusal::NoneOfKind);
            }
            // A file without the kind wanted may preroll on its fakesinks alone.
            gst::MessageView::AsyncDone(_) if chain_in.is_linked() => return Ok(()),
            gst::MessageView::AsyncDone(_) => return Err(Refusal::NoneOfKind),
            gst::MessageView::Element(_) => {
                if let Some(r) = missing_decoder(&msg) {
                    return Err(r);
                }
            }
            gst::MessageView::Error(err) => return Err(classify(err)),
            _ => {}
        }
    }
    Err(Refusal::Corrupt("decoding did not start within 30 s".into()))
}

/// The error the bus holds, or `what` as the reason.
pub fn bus_refusal(pipeline: &gst::Pipeline, what: &str) -> Refusal {
    posted_refusal(pipeline).unwrap_or_else(|| Refusal::Corrupt(what.into()))
}

/// The error the bus holds, if any (a missing decoder said as such): what a wait for the
/// next buffer looks at now and then, so that an error is said when it is posted.
pub fn posted_refusal(pipeline: &gst::Pipeline) -> Option<Refusal> {
    let bus = pipeline.bus()?;
    while let Some(msg) = bus.pop_filtered(&[gst::MessageType::Error, gst::MessageType::Element]) {
        if let Some(r) = missing_decoder(&msg) {
            return Some(r);
        }
        if let gst::MessageView::Error(err) = msg.view() {
            return Some(classify(err));
        }
    }
    None
}

/// Whether the file has a stream whose caps start with `kind` (`"audio/"`), as `decodebin`
/// found them: what a file without the kind wanted has instead (a sound file named as a video
/// is said to be one).
pub fn has_stream(pipeline: &gst::Pipeline, kind: &str) -> bool {
    let decodebins = pipeline
        .iterate_elements()
        .into_iter()
        .flatten()
        .filter(|e| e.factory().is_some_and(|f| f.name() == "decodebin"));
    decodebins
        .flat_map(|d| d.src_pads())
        .any(|pad| pad.current_caps().and_then(|c| c.structure(0).map(|s| s.name().starts_with(kind))).unwrap_or(false))
}

fn classify(err: &gst::message::Error) -> Refusal {
    let e = err.error();
    let reason = e.message().to_string();
    match e.kind::<gst::StreamError>() {
        Some(gst::StreamError::TypeNotFound | gst::StreamError::WrongType) => Refusal::Unrecognised(reason),
        Some(gst::StreamError::CodecNotFound) => Refusal::NoDecoder {
            format: "a format".into(),
            package: "gstreamer1.0-plugins-bad or gstreamer1.0-libav".into(),
        },
        _ => match e.kind::<gst::ResourceError>() {
            Some(_) => Refusal::Unreadable(reason),
            None => Refusal::Corrupt(reason),
        },
    }
}

/// decodebin's "missing-plugin" message, as the format and the Debian package to install.
fn missing_decoder(msg: &gst::Message) -> Option<Refusal> {
    let s = msg.structure()?;
    if s.name() != "missing-plugin" {
        return None;
    }
    let caps = s.get::<gst::Caps>("detail").ok();
    let detail = caps.as_ref().and_then(|c| c.structure(0));
    let name = detail.map(|d| d.name().to_string()).unwrap_or_default();
    let mpeg = detail.and_then(|d| d.get::<i32>("mpegversion").ok());
    let (format, package) = match (name.as_str(), mpeg) {
        ("audio/mpeg", Some(1)) => ("MP3", "gstreamer1.0-plugins-good"),
        ("audio/mpeg", _) => ("AAC", "gstreamer1.0-libav"),
        ("audio/x-flac", _) => ("FLAC", "gstreamer1.0-plugins-good"),
        ("audio/x-vorbis", _) => ("Ogg Vorbis", "gstreamer1.0-plugins-base"),
        ("audio/x-opus", _) => ("Opus", "gstreamer1.0-plugins-base"),
        ("video/x-h264", _) => ("H.264", "gstreamer1.0-libav"),
        ("video/x-h265", _) => ("H.265/HEVC", "gstreamer1.0-libav"),
        ("video/x-vp8" | "video/x-vp9", _) => ("VP8/VP9", "gstreamer1.0-plugins-good"),
        ("video/x-av1", _) => ("AV1", "gstreamer1.0-plugins-bad"),
        ("video/x-prores", _) => ("ProRes", "gstreamer1.0-libav"),
        ("video/quicktime" | "audio/x-m4a", _) => ("an MP4/M4A file", "gstreamer1.0-plugins-good"),
        ("video/x-matroska" | "video/webm" | "audio/webm", _) => ("a Matroska/WebM file", "gstreamer1.0-plugins-good"),
        ("application/ogg", _) => ("an Ogg file", "gstreamer1.0-plugins-base"),
        _ => ("a format", "gstreamer1.0-plugins-bad or gstreamer1.0-libav"),
    };
    let format = if name.is_empty() { format.to_string() } else { format!("{format} ({name})") };
    Some(Refusal::NoDecoder { format, package: package.into() })
}
