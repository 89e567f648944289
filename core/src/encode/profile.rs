//! Output formats as data: one [`Profile`] per format, one [`Preset`] per quality level.
//!
//! Adding a format means adding a profile here, not a branch in the pipeline code. The pipeline's
//! encoding tail is a `gst-launch-1.0` description built from these tables, so the benchmark can
//! run the very same tail without any app code to find the encoder-only ceiling.

pub(crate) mod outputs;
use super::prores::ProresProfile;
use super::raw::PixelFormat;
use serde::{Deserialize, Serialize};

/// The formats, in the order the table and `--help` list them (`Format::ALL`, and
/// `PROFILES` in the same order, `profile_table.rs`: a new format is a variant here and a profile there).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Format {
    #[serde(rename = "mp4")]
    Mp4,
    #[serde(rename = "mp4-hevc")]
    Mp4Hevc,
    #[serde(rename = "webm")]
    Webm,
    #[serde(rename = "webm-vp9")]
    WebmVp9,
    #[serde(rename = "prores")]
    Prores,
    #[serde(rename = "gif")]
    Gif,
    #[serde(rename = "png-seq")]
    PngSeq,
    #[serde(rename = "jpeg-seq")]
    JpegSeq,
    #[serde(rename = "wav")]
    Wav,
    #[serde(rename = "mp3")]
    Mp3,
    #[serde(rename = "m4a")]
    M4a,
    #[serde(rename = "opus")]
    Opus,
}

/// What a format writes: the pipeline, the command line and the panel branch on this, never on
/// a format's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum OutputKind {
    /// One file of pictures (and the sound, when the format has a sound track).
    Video,
    /// A folder of numbered pictures (and the sound beside them as a WAV).
    ImageSequence,
    /// The project's mix alone: no picture is drawn, no page opened.
    SoundOnly,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Quality {
    Low,
    Medium,
    #[default]
    High,
}

impl Quality {
    pub const ALL: [Quality; 3] = [Quality::Low, Quality::Medium, Quality::High];
    fn index(self) -> usize {
        self as usize
    }
    pub fn id(self) -> &'static str {
        ["low", "medium", "high"][self.index()]
    }
    pub fn parse(s: &str) -> Option<Quality> {
        Quality::ALL.into_iter().find(|q| q.id().eq_ignore_ascii_case(s))
    }
}

/// How a preset sizes the output from the project's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeRule {
    /// The shorter side becomes this many pixels (video presets).
    ShortSide(u32),
    /// The longer side becomes this many pixels (GIF presets: small files, any orientation).
    LongSide(u32),
}

/// What one quality level means for one format.
#[derive(Debug, Clone, Copy)]
pub struct Preset {
    pub size: SizeRule,
    /// Frame-rate cap: `None` keeps the project's rate.
    pub max_fps: Option<u32>,
    /// The CRF-equivalent quality number shown to the user (lower is better).
    pub crf: Option<u32>,
    /// Encoder properties, in `gst-launch` syntax.
    pub encoder_props: &'static str,
}

/// An element the profile needs, and the Debian package that ships it.
#[derive(Debug, Clone, Copy)]
pub struct Requirement {
    pub element: &'static str,
    pub package: &'static str,
}

/// A format's sound: the encoder, its bitrate per quality, and how its priming is handled.
#[derive(Debug)]
pub struct AudioCodec {
    /// The encoder element, with any fixed properties (`lamemp3enc target=bitrate cbr=true`).
    pub element: &'static str,
    /// Human name of the codec.
    pub codec: &'static str,
    /// Bit/s, indexed by [`Quality`]; 0 for PCM, which has no bitrate to set.
    pub bitrates: [u32; 3],
    /// What the encoder's `bitrate` property counts: 1 for bit/s, 1000 for kbit/s (LAME).
    pub bitrate_unit: u32,
    /// Raw caps forced before the encoder (PCM's sample format), if any.
    pub raw: Option<&'static str>,
    /// Silent samples the encoder puts before the sound (AAC's priming) that the container
    /// must be told to skip; 0 when the codec's own header says it (Opus's pre-skip).
    pub priming: u64,
    pub requires: Requirement,
}

#[derive(Debug)]
pub struct Profile {
    pub format: Format,
    pub kind: OutputKind,
    pub id: &'static str,
    pub label: &'static str,
    pub extension: &'static str,
    pub mime: &'static str,
    /// Human name of the video codec.
    pub codec: &'static str,
    /// Raw format the encoder consumes, and so what the render page sends: `videoconvert` then
    /// passes its frames through (and converts any other producer's RGBA into it). For YUV it
    /// names the matrix, the one place it is chosen: the one the codec's decoders assume
    /// (BT.709 whatever the size; VP8 BT.601), also what the file is tagged with.
    pub input: PixelFormat,
    /// Encoder element, or `None` when frames go to the app's own encoder through `appsink`.
    pub encoder: Option<&'static str>,
    /// The raw caps the encoder is given after `videoconvert` (`None`: the `input` format as it
    /// is). `{prores-format}` stands for [`ProresProfile::encoder_format`].
    pub encoder_input: Option<&'static str>,
    /// What follows the encoder before the muxer: caps forced on its output (e.g. H.264 High
    /// profile), a parser.
    pub encoded_caps: Option<&'static str>,
    /// Muxer element with its properties.
    pub muxer: Option<&'static str>,
    /// Indexed by [`Quality`]: low, medium, high.
    pub presets: [Preset; 3],
    pub requires: &'static [Requirement],
    /// The sound track, `None` for formats without sound (GIF).
    pub audio: Option<AudioCodec>,
    /// Whether the format can carry alpha at all (ProRes: only its 4444 profiles,
    /// [`ProresProfile::keeps_alpha`]).
    pub alpha: bool,
    /// How `join` reads a chunk's video back (`None`: the app's own GIF join).
    pub chunk_reader: Option<ChunkReader>,
    /// A fix-up applied to each encoded frame before the muxer (ProRes's colour tags).
    pub frame_fixup: Option<fn(&mut [u8])>,
    /// How the file carries caption tracks (`"track": true`), `None` when it cannot.
    pub captions: Option<&'static super::subtitles::SubtitleTrack>,
    /// Whether the encoder element has copied a frame's pixels into its own memory by the time
    /// it takes the next frame in (x264, x265 and libvpx copy the picture inside their encode
    /// call; gst-libav's ProRes may keep it), so a frame's memory may be written again from
    /// then on, though GStreamer keeps the buffer until the frame leaves the encoder
    /// ([`super::input_taken`]). Each such format has its test: `tests/in_place.rs`.
    pub copies_input: bool,
}

/// A chunk's video read back for `join`: its demuxer, and what its stream goes through before
/// `concat` and again after it (a parser, or caps), as `gst-launch-1.0` descriptions.
#[derive(Debug, Clone, Copy)]
pub struct ChunkReader {
    pub demuxer: &'static str,
    pub parser: &'static str,
}

pub(crate) const BASE: Requirement = Requirement { element: "videoconvert", package: "gstreamer1.0-plugins-base" };
pub(crate) const APP: Requirement = Requirement { element: "appsrc", package: "gstreamer1.0-plugins-base" };

impl Profile {
    /// Whether frames may be lent to this profile's pipeline encoder ([`Profile::copies_input`]).
    pub fn lends_input(&self) -> bool {
        self.copies_input && self.encoder.is_some()
    }

    pub fn preset(&self, q: Quality) -> &Preset {
        &self.presets[q.index()]
    }

    /// Everything after `appsrc` as a `gst-launch-1.0` description, ending in `filesink name=sink`
    /// (or `appsink name=sink` for the app's own writers: GIF's encoder, a sequence's pictures).
    /// `prores` matters only to ProRes.
    pub fn tail(&self, q: Quality, prores: ProresProfile) -> String {
        let fill = |s: &str| {
            s.replace("{prores-format}", prores.encoder_format())
                .replace("{prores-profile}", &prores.encoder_index().to_string())
        };
        let mut parts = Vec::new();
        parts.push(match self.encoder_input {
            Some(caps) => format!("videoconvert ! {}", fill(caps)),
            None => format!("videoconvert ! {}", self.input.caps_filter()),
        });
        if let Some(enc) = self.encoder {
            parts.push(format!("{enc} name=enc {}", fill(self.preset(q).encoder_props)).trim_end().to_string());
            if let Some(caps) = self.encoded_caps {
                parts.push(caps.to_string());
            }
            if let Some(mux) = self.muxer {
                // Named so the session can find the muxer (mp4mux's faststart scratch file stays in
                // the temp folder: see ARCHITECTURE.md, output safety).
                parts.push(named_mux(mux));
            }
        }
        parts.push(match (self.encoder, self.kind) {
            (Some(_), OutputKind::Video) => "filesink name=sink".into(),
            _ => "appsink name=sink sync=false max-buffers=2 drop=false".into(),
        });
        parts.join(" ! ")
    }

    /// The sound branch as a `gst-launch-1.0` description, joining the muxer (`mux.`).
    pub fn audio_tail(&self, q: Quality) -> Option<String> {
        Some(format!("appsrc name=asrc ! {} ! mux.", self.audio.as_ref()?.encoder(q)))
    }

    /// The sound as a file of its own: `appsrc name=asrc ! <encoder> [! <muxer>] ! filesink
    /// name=asink` (a sound-only format's output, or the WAV beside a sequence's pictures).
    pub fn sound_file_tail(&self, q: Quality) -> Option<String> {
        let mut parts = vec!["appsrc name=asrc".to_string(), self.audio.as_ref()?.encoder(q)];
        if self.kind == OutputKind::SoundOnly {
            parts.extend(self.muxer.map(named_mux));
        }
        parts.push("filesink name=asink".into());
        Some(parts.join(" ! "))
    }

    /// The elements to check at start-up, including a scaler when one is asked for.
    pub fn requirements(&self) -> impl Iterator<Item = &Requirement> {
        self.requires.iter()
    }
}

impl AudioCodec {
    /// Bit/s at `q` (0 for PCM).
    pub fn bitrate(&self, q: Quality) -> u32 {
        self.bitrates[q.index()]
    }

    /// `audioconvert [! <raw caps>] ! <encoder> name=aenc [bitrate=…]`, at `q`'s bitrate.
    pub fn encoder(&self, q: Quality) -> String {
        let mut s = String::from("audioconvert ! ");
        if let Some(raw) = self.raw {
            s += &format!("{raw} ! ");
        }
        s += &format!("{} name=aenc", self.element);
        let rate = self.bitrate(q);
        if rate > 0 {
            s += &format!(" bitrate={}", rate / self.bitrate_unit.max(1));
        }
        s
    }
}

/// A muxer with its properties, named `mux` (`mp4mux name=mux faststart=true`).
fn named_mux(mux: &str) -> String {
    match mux.split_once(' ') {
        Some((element, props)) => format!("{element} name=mux {props}"),
        None => format!("{mux} name=mux"),
    }
}

/// Output size for a project of `w×h` under a preset: aspect ratio kept, both sides even.
pub fn output_size(project: (u32, u32), rule: SizeRule) -> (u32, u32) {
    let (w, h) = (f64::from(project.0.max(1)), f64::from(project.1.max(1)));
    let even = |x: f64| ((x / 2.0).round() as u32).max(1) * 2;
    match rule {
        SizeRule::ShortSide(s) if w >= h => (even(w * f64::from(s) / h), s),
        SizeRule::ShortSide(s) => (s, even(h * f64::from(s) / w)),
        SizeRule::LongSide(l) if w >= h => (l, even(h * f64::from(l) / w)),
        SizeRule::LongSide(l) => (even(w * f64::from(l) / h), l),
    }
}

/// Output frame rate under a preset: the project's, capped by the preset.
pub fn output_fps(project_fps: u32, preset: &Preset) -> u32 {
    preset.max_fps.map_or(project_fps, |m| project_fps.min(m)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_keep_aspect_and_stay_even() {
        assert_eq!(output_size((1920, 1080), SizeRule::ShortSide(720)), (1280, 720));
        assert_eq!(output_size((1080, 1920), SizeRule::ShortSide(720)), (720, 1280));
        assert_eq!(output_size((1000, 1000), SizeRule::ShortSide(1080)), (1080, 1080));
        assert_eq!(output_size((1920, 1080), SizeRule::LongSide(480)), (480, 270));
        assert_eq!(output_size((1080, 1920), SizeRule::LongSide(480)), (270, 480));
        let (w, h) = output_size((2560, 1080), SizeRule::ShortSide(720));
        assert_eq!((w % 2, h), (0, 720));
        assert!((f64::from(w) / f64::from(h) - 2560.0 / 1080.0).abs() < 0.01);
    }

    #[test]
    fn profiles_are_in_format_order_and_parse_back() {
        for f in Format::ALL {
            assert_eq!(f.profile().format, f);
            assert_eq!(Format::parse(f.id()), Some(f));
            let by_name = Format::from_path(std::path::Path::new(&format!("a.{}", f.profile().extension)));
            // A sequence is a folder: no extension names it.
            let named = (f.kind() != OutputKind::ImageSequence).then_some(f.profile().extension);
            assert_eq!(by_name.map(|g| g.profile().extension), named);
        }
        assert_eq!(Quality::parse("HIGH"), Some(Quality::High));
        assert_eq!(Format::parse("avi"), None);
        assert_eq!(Format::parse("mp4-hevc"), Some(Format::Mp4Hevc));
        // The extension maps to the first format that has it: .mp4 stays H.264, .webm VP8.
        assert_eq!(Format::from_path(std::path::Path::new("a.mp4")), Some(Format::Mp4));
        assert_eq!(Format::from_path(std::path::Path::new("a.webm")), Some(Format::Webm));
        assert_eq!(Format::from_path(std::path::Path::new("a.MOV")), Some(Format::Prores));
        for f in Format::ALL {
            assert_eq!(serde_json::to_value(f).unwrap(), f.id());
        }
    }

    #[test]
    fn each_kind_ends_where_it_should() {
        let kinds: Vec<_> = Format::ALL.iter().map(|f| (f.id(), f.kind())).collect();
        assert!(kinds.contains(&("mp4", OutputKind::Video)) && kinds.contains(&("opus", OutputKind::SoundOnly)));
        assert_eq!(
            Format::Wav.profile().sound_file_tail(Quality::High).unwrap(),
            "appsrc name=asrc ! audioconvert ! audio/x-raw,format=S24LE ! wavenc name=aenc ! filesink name=asink"
        );
        assert_eq!(
            Format::Mp3.profile().sound_file_tail(Quality::Low).unwrap(),
            "appsrc name=asrc ! audioconvert ! lamemp3enc target=bitrate cbr=true name=aenc bitrate=128 ! filesink name=asink"
        );
        assert_eq!(
            Format::M4a.profile().sound_file_tail(Quality::High).unwrap(),
            "appsrc name=asrc ! audioconvert ! avenc_aac name=aenc bitrate=192000 ! mp4mux name=mux faststart=true ! filesink name=asink"
        );
        assert_eq!(
            Format::Mp4.profile().audio_tail(Quality::High).unwrap(),
            "appsrc name=asrc ! audioconvert ! avenc_aac name=aenc bitrate=192000 ! mux."
        );
    }

    #[test]
    fn gif_fps_is_capped_by_preset() {
        let p = Format::Gif.profile();
        assert_eq!(output_fps(30, p.preset(Quality::Low)), 10);
        assert_eq!(output_fps(12, p.preset(Quality::High)), 12);
        assert_eq!(output_fps(60, Format::Mp4.profile().preset(Quality::High)), 60);
    }

    #[test]
    fn the_prores_tail_takes_the_profile_s_format_and_index() {
        let t = Format::Prores.profile().tail(Quality::Low, ProresProfile::P4444Xq);
        assert!(
            t.starts_with(
                "videoconvert ! video/x-raw,format=ARGB64 ! videoconvert ! video/x-raw,format=A444_10LE,colorimetry=bt709 ! avenc_prores_ks name=enc profile=5 "
            ),
            "{t}"
        );
        assert!(t.ends_with("qtmux name=mux ! filesink name=sink"), "{t}");
        let t = Format::Prores.profile().tail(Quality::Low, ProresProfile::Proxy);
        assert!(t.contains("format=I422_10LE,colorimetry=bt709 ! avenc_prores_ks name=enc profile=0 "), "{t}");
    }

    #[test]
    fn tail_is_a_launch_description() {
        let t = Format::Mp4.profile().tail(Quality::High, ProresProfile::Hq);
        assert_eq!(
            t,
            "videoconvert ! video/x-raw,format=I420,colorimetry=bt709 ! x264enc name=enc pass=qual quantizer=18 speed-preset=veryfast vbv-buf-capacity=0 ! video/x-h264,profile=high ! mp4mux name=mux faststart=true ! filesink name=sink"
        );
    }
}
