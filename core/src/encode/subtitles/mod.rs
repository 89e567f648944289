//! Subtitle tracks in the video file (captions with `"track": true`): what each format's muxer
//! takes, as data in its profile ([`SubtitleTrack`], `Profile::captions`), and its inputs fed.
//!
//! ```text
//! appsrc name=subs0 ! mux.subtitle_0   one per track: language tag, every sample, EOS
//! ```
//!
//! - MP4, MOV (`qtmux`/`mp4mux`): tx3g, which FFmpeg calls `mov_text`; the language from the
//!   tag event, written as ISO 639-2/T in the track's `mdhd`. Times in ms (the track's
//!   timescale is 1000).
//! - WebM (`webmmux`): GStreamer 1.22 writes text only as `S_TEXT/UTF8`, which is not WebM's.
//!   The track's CodecPrivate is reserved when it is muxed, and [`webm_text::to_webvtt`] then
//!   rewrites its entry in place: CodecID `D_WEBVTT/SUBTITLES`, the BCP 47 tag
//!   (`LanguageBCP47`) beside the ISO 639-2 `Language` webmmux wrote, the rest a Void. The entry
//!   keeps its size: no other byte of the file moves. Each block holds a cue as WebM's WebVTT
//!   mapping says: its identifier and settings lines (empty here), then the text, escaped.

pub(crate) mod webm_text;

use crate::captions::in_file::FileTrack;
use gstreamer as gst;
use gstreamer_app as gst_app;
use std::path::Path;

/// A change made to a muxed file in place, before it is committed.
pub type FileFixup = fn(&Path) -> Result<(), String>;

/// How a format carries caption tracks.
#[derive(Debug)]
pub struct SubtitleTrack {
    /// What players and FFmpeg call the track's codec.
    pub codec: &'static str,
    /// The caps the muxer's `subtitle_%u` inputs take.
    pub caps: &'static str,
    /// The track must start at 0 with an empty sample: given a later first sample, qtmux opens
    /// the track with an empty edit, and FFmpeg then cuts the last cue short (measured with
    /// GStreamer 1.22 and FFmpeg 5.1).
    pub blank_start: bool,
    /// A cue's text as the track's samples hold it.
    pub text: fn(&str) -> String,
    /// CodecPrivate bytes reserved in the track's entry (given its BCP 47 tag), for `finish`.
    pub reserve: Option<fn(&str) -> Vec<u8>>,
    /// What is done to the muxed file before it is committed.
    pub finish: Option<FileFixup>,
}

pub static MOV_TEXT: SubtitleTrack = SubtitleTrack {
    codec: "mov_text",
    caps: "text/x-raw,format=utf8",
    blank_start: true,
    text: str::to_string,
    reserve: None,
    finish: None,
};

pub static WEBVTT: SubtitleTrack = SubtitleTrack {
    codec: "WebVTT",
    caps: "text/x-raw,format=utf8",
    blank_start: false,
    text: webm_text::block_text,
    reserve: Some(webm_text::reserve),
    finish: Some(webm_text::to_webvtt),
};

/// The primary language subtag of a BCP 47 tag (`pt` of `pt-BR`): what GStreamer's muxers
/// map to their ISO 639-2 codes.
pub fn primary_language(tag: &str) -> &str {
    tag.split('-').next().unwrap_or(tag)
}

impl SubtitleTrack {
    /// The muxer's inputs for `count` tracks, to append to a `gst-launch-1.0` description whose
    /// muxer is named `mux`.
    pub fn tail(&self, count: usize) -> String {
        (0..count).map(|i| format!(" appsrc name=subs{i} format=time ! mux.subtitle_{i}")).collect()
    }

    /// Gives each input its caps, before the pipeline plays.
    pub fn prepare(&self, pipeline: &gst::Pipeline, tracks: &[FileTrack]) -> Result<Vec<gst_app::AppSrc>, String> {
        use gstreamer::prelude::*;
        let mut srcs = Vec::new();
        for (i, track) in tracks.iter().enumerate() {
            let src = pipeline
                .by_name(&format!("subs{i}"))
                .and_then(|e| e.downcast::<gst_app::AppSrc>().ok())
                .ok_or("the pipeline has no subtitle input")?;
            let mut caps: gst::Caps = self.caps.parse().map_err(|_| format!("bad caps {}", self.caps))?;
            if let (Some(reserve), Some(s)) = (self.reserve, caps.make_mut().structure_mut(0)) {
                s.set("codec_data", gst::Buffer::from_slice(reserve(&track.language)));
            }
            src.set_caps(Some(&caps));
            // Everything is pushed at once: a few KB of text.
            src.set_max_bytes(0);
            srcs.push(src);
        }
        Ok(srcs)
    }

    /// Pushes each track's language and samples, then ends it (the pipeline playing).
    pub fn push(&self, srcs: &[gst_app::AppSrc], tracks: &[FileTrack]) -> Result<(), String> {
        use gstreamer::prelude::*;
        for (src, track) in srcs.iter().zip(tracks) {
            let mut tags = gst::TagList::new();
            if let Some(t) = tags.get_mut() {
                t.add::<gst::tags::LanguageCode>(&primary_language(&track.language), gst::TagMergeMode::Replace);
            }
            src.send_event(gst::event::Tag::new(tags));
            let ms = gst::ClockTime::from_mseconds;
            let first = track.samples.first().map_or(0, |s| s.start_ms);
            if self.blank_start && first > 0 {
                let mut blank = gst::Buffer::new();
                if let Some(b) = blank.get_mut() {
                    b.set_pts(ms(0));
                    b.set_duration(ms(first));
                }
                src.push_buffer(blank).map_err(|e| format!("the subtitle track stopped: {e:?}"))?;
            }
            for s in &track.samples {
                let mut buffer = gst::Buffer::from_slice((self.text)(&s.text).into_bytes());
                if let Some(b) = buffer.get_mut() {
                    b.set_pts(ms(s.start_ms));
                    b.set_duration(ms(s.end_ms - s.start_ms));
                }
                src.push_buffer(buffer).map_err(|e| format!("the subtitle track stopped: {e:?}"))?;
            }
            src.end_of_stream().map_err(|e| format!("the subtitle track stopped: {e:?}"))?;
        }
        Ok(())
    }
}

/// The ISO 639-2 code Matroska's `Language` holds for a BCP 47 tag (`pt-BR` → `por`, `de` →
/// `ger`, the bibliographic form Matroska asks for), read from Debian's iso-codes (which
/// GStreamer's own language tags use); `und` when unknown. `LanguageBCP47` holds the tag itself.
pub fn iso_639_2(tag: &str) -> String {
    let primary = primary_language(tag).to_ascii_lowercase();
    if primary.len() == 3 {
        return primary;
    }
    let table = std::fs::read("/usr/share/iso-codes/json/iso_639-2.json").ok();
    let found = table.and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok()).and_then(|v| {
        v["639-2"].as_array()?.iter().find(|l| l["alpha_2"] == primary.as_str()).and_then(|l| {
            l.get("bibliographic").or_else(|| l.get("alpha_3")).and_then(|c| c.as_str()).map(str::to_string)
        })
    });
    found.unwrap_or_else(|| "und".into())
}

/// The one line said when captions ask for `tracks` tracks (`"track": true`) that the output
/// cannot carry (a GIF, an image sequence, a sound), or `None`.
pub fn not_carried_note(format: crate::encode::Format, tracks: usize) -> Option<String> {
    (tracks > 0 && format.profile().captions.is_none()).then(|| {
        let what = if tracks == 1 { "the caption track".to_string() } else { format!("the {tracks} caption tracks") };
        let which = format.id();
        format!(
            "{which} carries no subtitle track: {what} (\"track\": true) left out; mp4, mp4-hevc, prores, webm and webm-vp9 carry them, and --captions-sidecar writes them beside any video"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::Format;

    #[test]
    fn only_outputs_without_a_track_say_so() {
        assert_eq!(not_carried_note(Format::Mp4, 1), None);
        assert_eq!(not_carried_note(Format::WebmVp9, 2), None);
        assert_eq!(not_carried_note(Format::Gif, 0), None);
        let gif = not_carried_note(Format::Gif, 2).unwrap();
        assert!(gif.starts_with("gif carries no subtitle track: the 2 caption tracks"), "{gif}");
        assert_eq!(not_carried_note(Format::WebmVp9, 1), None, "the app's own WebM writer carries them");
        assert_eq!(
            (iso_639_2("pt-BR").as_str(), iso_639_2("en").as_str(), iso_639_2("de").as_str()),
            ("por", "eng", "ger")
        );
        assert_eq!((iso_639_2("fil").as_str(), iso_639_2("xx").as_str()), ("fil", "und"));
        for f in Format::ALL {
            let carried = f.profile().captions.is_some();
            assert_eq!(carried, f.kind() == crate::encode::OutputKind::Video && f != Format::Gif, "{f:?}");
        }
        assert_eq!(primary_language("pt-BR"), "pt");
    }
}
