//! The profiles of the outputs that are not one video file: image sequences and the sound alone.
//! Data, like every profile (see [`super`]).

use super::Format;
use super::{AudioCodec, OutputKind, Preset, Profile, Requirement, SizeRule, APP, BASE};
use crate::encode::raw::PixelFormat;

// Image sequences: a folder of numbered pictures written by the app (`crate::encode::image_seq`)
// from the page's RGBA (`input`), the mix beside them as `<name>.wav` (`audio`: the WAV's PCM).
// `extension` is the pictures'; the folder has none. The presets size the pictures as a video's;
// JPEG's quality per preset is the stills' (`crate::encode::still`).
pub(crate) const PNG_SEQ: Profile = Profile {
    format: Format::PngSeq,
    kind: OutputKind::ImageSequence,
    id: "png-seq",
    label: "PNG sequence",
    extension: "png",
    mime: "image/png",
    codec: "PNG (8-bit, sRGB)",
    input: PixelFormat::Rgba,
    // Straight alpha, as `getImageData` gives it (PNG's own definition).
    alpha: true,
    encoder: None,
    encoder_input: None,
    encoded_caps: None,
    muxer: None,
    presets: PICTURES,
    // PNG is written by the `png` crate: no element.
    requires: &[],
    chunk_reader: None,
    frame_fixup: None,
    captions: None,
    copies_input: false,
    audio: Some(PCM),
};

pub(crate) const JPEG_SEQ: Profile = Profile {
    format: Format::JpegSeq,
    kind: OutputKind::ImageSequence,
    id: "jpeg-seq",
    label: "JPEG sequence",
    extension: "jpg",
    mime: "image/jpeg",
    codec: "JPEG (JFIF, full range)",
    input: PixelFormat::Rgba,
    alpha: false,
    encoder: None,
    encoder_input: None,
    encoded_caps: None,
    muxer: None,
    presets: PICTURES,
    requires: &[
        APP,
        BASE,
        Requirement { element: "jpegenc", package: "gstreamer1.0-plugins-good" },
        Requirement { element: "appsink", package: "gstreamer1.0-plugins-base" },
    ],
    chunk_reader: None,
    frame_fixup: None,
    captions: None,
    copies_input: false,
    audio: Some(PCM),
};

// Sound only: the mix, no picture (`crate::audio::export`). `input`, `presets` and the video
// fields say nothing for these; the sound's codec is `audio`, its container `muxer`.
pub(crate) const WAV: Profile = Profile {
    format: Format::Wav,
    kind: OutputKind::SoundOnly,
    id: "wav",
    label: "WAV (PCM)",
    extension: "wav",
    mime: "audio/wav",
    codec: "",
    input: PixelFormat::Rgba,
    alpha: false,
    encoder: None,
    encoder_input: None,
    encoded_caps: None,
    muxer: None,
    presets: NO_PICTURE,
    requires: &[APP, SOUND_BASE, FILESINK],
    chunk_reader: None,
    frame_fixup: None,
    captions: None,
    copies_input: false,
    audio: Some(PCM),
};

pub(crate) const MP3: Profile = Profile {
    format: Format::Mp3,
    kind: OutputKind::SoundOnly,
    id: "mp3",
    label: "MP3",
    extension: "mp3",
    mime: "audio/mpeg",
    codec: "",
    input: PixelFormat::Rgba,
    alpha: false,
    encoder: None,
    encoder_input: None,
    encoded_caps: None,
    muxer: None,
    presets: NO_PICTURE,
    requires: &[APP, SOUND_BASE, FILESINK],
    // CBR, so the Info frame (written by `super::mp3_info`, with LAME's delay and padding)
    // describes every frame; 320 kbit/s is MP3's top.
    chunk_reader: None,
    frame_fixup: None,
    captions: None,
    copies_input: false,
    audio: Some(AudioCodec {
        element: "lamemp3enc target=bitrate cbr=true",
        codec: "MP3",
        bitrates: [128_000, 192_000, 320_000],
        bitrate_unit: 1000,
        raw: None,
        priming: 0,
        requires: Requirement { element: "lamemp3enc", package: "gstreamer1.0-plugins-good" },
    }),
};

pub(crate) const M4A: Profile = Profile {
    format: Format::M4a,
    kind: OutputKind::SoundOnly,
    id: "m4a",
    label: "M4A (AAC)",
    extension: "m4a",
    mime: "audio/mp4",
    codec: "",
    input: PixelFormat::Rgba,
    alpha: false,
    encoder: None,
    encoder_input: None,
    encoded_caps: None,
    muxer: Some("mp4mux faststart=true"),
    presets: NO_PICTURE,
    requires: &[APP, SOUND_BASE, FILESINK, Requirement { element: "mp4mux", package: "gstreamer1.0-plugins-good" }],
    // The MP4's own sound: the same encoder and bitrates, its priming skipped the same way.
    chunk_reader: None,
    frame_fixup: None,
    captions: None,
    copies_input: false,
    audio: Some(AudioCodec {
        element: "avenc_aac",
        codec: "AAC-LC",
        bitrates: [128_000, 160_000, 192_000],
        bitrate_unit: 1,
        raw: None,
        priming: 1024,
        requires: Requirement { element: "avenc_aac", package: "gstreamer1.0-libav" },
    }),
};

pub(crate) const OPUS: Profile = Profile {
    format: Format::Opus,
    kind: OutputKind::SoundOnly,
    id: "opus",
    label: "Opus",
    extension: "opus",
    mime: "audio/ogg",
    codec: "",
    input: PixelFormat::Rgba,
    alpha: false,
    encoder: None,
    encoder_input: None,
    encoded_caps: None,
    muxer: Some("oggmux"),
    presets: NO_PICTURE,
    requires: &[APP, SOUND_BASE, FILESINK, Requirement { element: "oggmux", package: "gstreamer1.0-plugins-base" }],
    // The WebM's own sound; Ogg Opus says its pre-skip in its header, and the last page's
    // granule position where the sound ends.
    chunk_reader: None,
    frame_fixup: None,
    captions: None,
    copies_input: false,
    audio: Some(AudioCodec {
        element: "opusenc",
        codec: "Opus",
        bitrates: [128_000, 160_000, 192_000],
        bitrate_unit: 1,
        raw: None,
        priming: 0,
        requires: Requirement { element: "opusenc", package: "gstreamer1.0-plugins-base" },
    }),
};

/// Uncompressed sound: 24-bit PCM, 48 kHz stereo. Every editor (Resolve, Premiere, Final Cut,
/// Audition, Audacity) reads it, where 32-bit float WAV is refused by some; 24 bits keep the
/// mix's float far below anything audible without dither, which 16 bits would need.
const PCM: AudioCodec = AudioCodec {
    element: "wavenc",
    codec: "PCM 24-bit",
    bitrates: [0; 3],
    bitrate_unit: 1,
    raw: Some("audio/x-raw,format=S24LE"),
    priming: 0,
    requires: Requirement { element: "wavenc", package: "gstreamer1.0-plugins-good" },
};
const SOUND_BASE: Requirement = Requirement { element: "audioconvert", package: "gstreamer1.0-plugins-base" };
const FILESINK: Requirement = Requirement { element: "filesink", package: "libgstreamer1.0-0" };
/// A sequence's pictures are sized as a video's.
const PICTURES: [Preset; 3] = [
    Preset { size: SizeRule::ShortSide(720), max_fps: None, crf: None, encoder_props: "" },
    Preset { size: SizeRule::ShortSide(1080), max_fps: None, crf: None, encoder_props: "" },
    Preset { size: SizeRule::ShortSide(1080), max_fps: None, crf: None, encoder_props: "" },
];
/// A sound-only format draws nothing: its presets size no picture.
const NO_PICTURE: [Preset; 3] =
    [Preset { size: SizeRule::ShortSide(720), max_fps: None, crf: None, encoder_props: "" }; 3];
