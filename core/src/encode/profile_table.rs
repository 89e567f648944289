//! The formats' profiles, one per [`Format`], in its order: what each format is, as data.

use super::profile::outputs;
use super::profile::{AudioCodec, ChunkReader, Format, OutputKind, Preset, Profile, Requirement, SizeRule, APP, BASE};
use super::raw::{PixelFormat, YuvMatrix};
use super::subtitles::{MOV_TEXT, WEBVTT};

impl Format {
    pub const ALL: [Format; 12] = [
        Format::Mp4,
        Format::Mp4Hevc,
        Format::Webm,
        Format::WebmVp9,
        Format::Prores,
        Format::Gif,
        Format::PngSeq,
        Format::JpegSeq,
        Format::Wav,
        Format::Mp3,
        Format::M4a,
        Format::Opus,
    ];
    pub fn profile(self) -> &'static Profile {
        &PROFILES[self as usize]
    }
    pub fn id(self) -> &'static str {
        self.profile().id
    }
    pub fn kind(self) -> OutputKind {
        self.profile().kind
    }
    pub fn parse(s: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.id().eq_ignore_ascii_case(s))
    }
    /// The format a file name implies (`.mp4`, `.webm`, `.mov`, `.gif`, `.wav` …): the first with
    /// that extension, so `.mp4` stays H.264 and `.webm` VP8 (HEVC and VP9 are asked for by name).
    /// An image sequence is a folder, which no extension names: it is asked for with `--format`.
    pub fn from_path(path: &std::path::Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?;
        Format::ALL
            .into_iter()
            .filter(|f| f.kind() != OutputKind::ImageSequence)
            .find(|f| f.profile().extension.eq_ignore_ascii_case(ext))
    }

    /// Every format's name, for messages: `mp4|mp4-hevc|webm|…`.
    pub fn ids(sep: &str) -> String {
        Format::ALL.iter().map(|f| f.id()).collect::<Vec<_>>().join(sep)
    }
}

/// The profiles, in [`Format`] order.
///
/// x264: `pass=qual` makes `quantizer` a CRF, and `vbv-buf-capacity=0` lets the CRF alone decide:
/// x264enc otherwise keeps its default `bitrate` (2048 kbit/s) as a VBV cap even in `pass=qual`,
/// which held every preset near 2 Mbit/s and cost detailed motion its quality (BENCHMARKS.md,
/// "x264's VBV cap"). Speed presets were chosen by measurement on the
/// 2-core target (see BENCHMARKS.md): the encoder is the product's bottleneck, and `veryfast`
/// loses little SSIM at these CRFs while running about twice as fast as `medium`.
/// VP8: `end-usage=cq` with a high bitrate ceiling is constant quality; `cq-level` was mapped from
/// the CRF by matching SSIM against x264 on the same frames (BENCHMARKS.md), and `deadline=1`
/// (realtime) with `cpu-used` trades a little size for a several-fold speed-up.
pub static PROFILES: [Profile; 12] = [
    Profile {
        kind: OutputKind::Video,
        format: Format::Mp4,
        id: "mp4",
        label: "MP4 (H.264)",
        extension: "mp4",
        mime: "video/mp4",
        codec: "H.264",
        input: PixelFormat::I420(YuvMatrix::Bt709),
        encoder: Some("x264enc"),
        encoded_caps: Some("video/x-h264,profile=high"),
        encoder_input: None,
        muxer: Some("mp4mux faststart=true"),
        presets: [
            Preset { size: SizeRule::ShortSide(720), max_fps: None, crf: Some(28), encoder_props: "pass=qual quantizer=28 speed-preset=veryfast vbv-buf-capacity=0" },
            Preset { size: SizeRule::ShortSide(1080), max_fps: None, crf: Some(23), encoder_props: "pass=qual quantizer=23 speed-preset=veryfast vbv-buf-capacity=0" },
            Preset { size: SizeRule::ShortSide(1080), max_fps: None, crf: Some(18), encoder_props: "pass=qual quantizer=18 speed-preset=veryfast vbv-buf-capacity=0" },
        ],
        requires: &[
            APP,
            BASE,
            Requirement { element: "x264enc", package: "gstreamer1.0-plugins-ugly" },
            Requirement { element: "mp4mux", package: "gstreamer1.0-plugins-good" },
            Requirement { element: "filesink", package: "libgstreamer1.0-0" },
        ],
        // AAC-LC: FFmpeg's encoder (gst-libav); `voaacenc` starts later still and cuts the end.
        // Its 1024 priming samples are skipped by an edit list (`mp4_priming.rs`).
        audio: Some(AudioCodec {
            element: "avenc_aac",
            codec: "AAC-LC",
            bitrates: [128_000, 160_000, 192_000],
            bitrate_unit: 1,
            raw: None,
            priming: 1024,
            requires: Requirement { element: "avenc_aac", package: "gstreamer1.0-libav" },
        }),
        alpha: false,
        chunk_reader: Some(ChunkReader { demuxer: "qtdemux", parser: "h264parse" }),
        frame_fixup: None,
        captions: Some(&MOV_TEXT),
        // x264 copies the picture into its own frame inside `x264_encoder_encode`.
        copies_input: true,
    },
    MP4_HEVC,
    Profile {
        kind: OutputKind::Video,
        format: Format::Webm,
        id: "webm",
        label: "WebM (VP8)",
        extension: "webm",
        mime: "video/webm",
        codec: "VP8",
        // BT.601 whatever the size: VP8 is defined on it (RFC 6386), and its decoders
        // (FFmpeg's, libvpx in browsers) use it whatever the file says; BT.709 frames came out
        // up to 23 off (docs/colour.md). The file is tagged so (BT.709 primaries and
        // transfer, BT.601 matrix).
        input: PixelFormat::I420(YuvMatrix::Bt601),
        encoder: Some("vp8enc"),
        encoder_input: None,
        encoded_caps: None,
        muxer: Some("webmmux"),
        presets: [
            Preset { size: SizeRule::ShortSide(720), max_fps: None, crf: Some(28), encoder_props: "end-usage=cq cq-level=24 target-bitrate=40000000 min-quantizer=4 max-quantizer=40 deadline=1 cpu-used=8 threads=2 keyframe-max-dist=120" },
            Preset { size: SizeRule::ShortSide(1080), max_fps: None, crf: Some(23), encoder_props: "end-usage=cq cq-level=14 target-bitrate=60000000 min-quantizer=4 max-quantizer=32 deadline=1 cpu-used=8 threads=2 keyframe-max-dist=120" },
            Preset { size: SizeRule::ShortSide(1080), max_fps: None, crf: Some(18), encoder_props: "end-usage=cq cq-level=6 target-bitrate=80000000 min-quantizer=2 max-quantizer=20 deadline=1 cpu-used=8 threads=2 keyframe-max-dist=120" },
        ],
        requires: &[
            APP,
            BASE,
            Requirement { element: "vp8enc", package: "gstreamer1.0-plugins-good" },
            Requirement { element: "webmmux", package: "gstreamer1.0-plugins-good" },
            Requirement { element: "filesink", package: "libgstreamer1.0-0" },
        ],
        // Opus (WebM takes only Vorbis and Opus); its pre-skip is in its own header.
        audio: Some(AudioCodec {
            element: "opusenc",
            codec: "Opus",
            bitrates: [128_000, 160_000, 192_000],
            bitrate_unit: 1,
            raw: None,
            priming: 0,
            requires: Requirement { element: "opusenc", package: "gstreamer1.0-plugins-base" },
        }),
        alpha: false,
        chunk_reader: Some(ChunkReader { demuxer: "matroskademux", parser: "capsfilter caps=video/x-vp8" }),
        frame_fixup: None,
        captions: Some(&WEBVTT),
        // libvpx copies the picture into its look-ahead inside `vpx_codec_encode`.
        copies_input: true,
    },
    WEBM_VP9,
    PRORES,
    Profile {
        kind: OutputKind::Video,
        format: Format::Gif,
        id: "gif",
        label: "GIF",
        extension: "gif",
        mime: "image/gif",
        codec: "GIF",
        input: PixelFormat::Rgba,
        encoder: None,
        encoder_input: None,
        encoded_caps: None,
        muxer: None,
        presets: [
            Preset { size: SizeRule::LongSide(480), max_fps: Some(10), crf: None, encoder_props: "" },
            Preset { size: SizeRule::LongSide(720), max_fps: Some(15), crf: None, encoder_props: "" },
            Preset { size: SizeRule::LongSide(960), max_fps: Some(25), crf: None, encoder_props: "" },
        ],
        requires: &[APP, BASE, Requirement { element: "appsink", package: "gstreamer1.0-plugins-base" }],
        audio: None,
        alpha: false,
        chunk_reader: None,
        frame_fixup: None,
        captions: None,
        copies_input: false,
    },
    outputs::PNG_SEQ,
    outputs::JPEG_SEQ,
    outputs::WAV,
    outputs::MP3,
    outputs::M4A,
    outputs::OPUS,
];

/// H.265 in MP4. x265's CRF in its `option-string` (x265enc's own `bitrate` would make it ABR),
/// ≈ x264's quality at 4 to 5 points more; `superfast` because x265 is several times slower than
/// x264 at the same preset on two cores. `h265parse` to `hvc1`: parameter sets in the sample
/// description only, the sample entry Apple's players open (`hev1` they refuse). The frames are
/// BT.709 (the profile's `input`), and x265 is told so for the VUI.
const MP4_HEVC: Profile = Profile {
    kind: OutputKind::Video,
        format: Format::Mp4Hevc,
    id: "mp4-hevc",
    label: "MP4 (H.265)",
    extension: "mp4",
    mime: "video/mp4",
    codec: "H.265",
    input: PixelFormat::I420(YuvMatrix::Bt709),
    encoder: Some("x265enc"),
    encoder_input: None,
    encoded_caps: Some("h265parse ! video/x-h265,stream-format=hvc1,alignment=au"),
    muxer: Some("mp4mux faststart=true"),
    presets: [
        Preset { size: SizeRule::ShortSide(720), max_fps: None, crf: Some(32), encoder_props: "speed-preset=superfast option-string=\"crf=32:colorprim=bt709:transfer=bt709:colormatrix=bt709:range=limited\"" },
        Preset { size: SizeRule::ShortSide(1080), max_fps: None, crf: Some(27), encoder_props: "speed-preset=superfast option-string=\"crf=27:colorprim=bt709:transfer=bt709:colormatrix=bt709:range=limited\"" },
        Preset { size: SizeRule::ShortSide(1080), max_fps: None, crf: Some(22), encoder_props: "speed-preset=superfast option-string=\"crf=22:colorprim=bt709:transfer=bt709:colormatrix=bt709:range=limited\"" },
    ],
    requires: &[
        APP,
        BASE,
        Requirement { element: "x265enc", package: "gstreamer1.0-plugins-bad" },
        Requirement { element: "h265parse", package: "gstreamer1.0-plugins-bad" },
        Requirement { element: "mp4mux", package: "gstreamer1.0-plugins-good" },
        Requirement { element: "filesink", package: "libgstreamer1.0-0" },
    ],
    audio: Some(AudioCodec {
        element: "avenc_aac",
        codec: "AAC-LC",
        bitrates: [128_000, 160_000, 192_000],
            bitrate_unit: 1,
            raw: None,
        priming: 1024,
        requires: Requirement { element: "avenc_aac", package: "gstreamer1.0-libav" },
    }),
    alpha: false,
    chunk_reader: Some(ChunkReader { demuxer: "qtdemux", parser: "h265parse" }),
    frame_fixup: None,
    captions: Some(&MOV_TEXT),
    // x265 copies the picture into its own frame inside `x265_encoder_encode`.
    copies_input: true,
};

/// VP9 in WebM, constrained quality (`end-usage=cq`, `cq-level` per preset, the bitrate only a
/// high ceiling), realtime with `cpu-used=6`, rows in parallel (`row-mt`) on two threads: VP9's
/// good deadline is an order of magnitude slower. BT.709 as for HEVC (vp9enc and webmmux tag it
/// from the caps the profile's `input` gives).
const WEBM_VP9: Profile = Profile {
    kind: OutputKind::Video,
        format: Format::WebmVp9,
    id: "webm-vp9",
    label: "WebM (VP9)",
    extension: "webm",
    mime: "video/webm",
    codec: "VP9",
    input: PixelFormat::I420(YuvMatrix::Bt709),
    encoder: Some("vp9enc"),
    encoder_input: None,
    encoded_caps: None,
    muxer: Some("webmmux"),
    presets: [
        Preset { size: SizeRule::ShortSide(720), max_fps: None, crf: Some(36), encoder_props: "end-usage=cq cq-level=36 target-bitrate=40000000 deadline=1 cpu-used=6 row-mt=true threads=2 tile-columns=1 keyframe-max-dist=120" },
        Preset { size: SizeRule::ShortSide(1080), max_fps: None, crf: Some(28), encoder_props: "end-usage=cq cq-level=28 target-bitrate=60000000 deadline=1 cpu-used=6 row-mt=true threads=2 tile-columns=1 keyframe-max-dist=120" },
        Preset { size: SizeRule::ShortSide(1080), max_fps: None, crf: Some(20), encoder_props: "end-usage=cq cq-level=20 target-bitrate=80000000 deadline=1 cpu-used=6 row-mt=true threads=2 tile-columns=1 keyframe-max-dist=120" },
    ],
    requires: &[
        APP,
        BASE,
        Requirement { element: "vp9enc", package: "gstreamer1.0-plugins-good" },
        Requirement { element: "webmmux", package: "gstreamer1.0-plugins-good" },
        Requirement { element: "filesink", package: "libgstreamer1.0-0" },
    ],
    audio: Some(AudioCodec {
        element: "opusenc",
        codec: "Opus",
        bitrates: [128_000, 160_000, 192_000],
            bitrate_unit: 1,
            raw: None,
        priming: 0,
        requires: Requirement { element: "opusenc", package: "gstreamer1.0-plugins-base" },
    }),
    alpha: true,
    chunk_reader: Some(ChunkReader { demuxer: "matroskademux", parser: "capsfilter caps=video/x-vp9" }),
    frame_fixup: None,
    captions: Some(&WEBVTT),
    // libvpx copies the picture into its look-ahead inside `vpx_codec_encode` (the app's own
    // writer, for `--transparent`, lends nothing: `AnyEncoder::lends_input`).
    copies_input: true,
};

/// ProRes in MOV (FFmpeg's `prores_ks`; the profile from `--prores-profile`, the quality only
/// sizes it). Given RGBA by the page, so 4:2:2 and 4:4:4 get full 10-bit chroma from it, never a
/// 4:2:0 trip; intra-only, so chunks join anywhere. Sound as 24-bit PCM, as editors expect.
const PRORES: Profile = Profile {
    kind: OutputKind::Video,
    format: Format::Prores,
    id: "prores",
    label: "ProRes (MOV)",
    extension: "mov",
    mime: "video/quicktime",
    codec: "ProRes",
    input: PixelFormat::Rgba,
    encoder: Some("avenc_prores_ks"),
    // Through 16-bit RGB: from 8-bit RGBA straight to 10-bit YUV, videoconvert uses its 8-bit
    // matrix and comes out up to 3 off (white 254,254,252 in FFmpeg; tests/colour.rs).
    encoder_input: Some(
        "video/x-raw,format=ARGB64 ! videoconvert ! video/x-raw,format={prores-format},colorimetry=bt709",
    ),
    encoded_caps: None,
    muxer: Some("qtmux"),
    presets: [
        Preset {
            size: SizeRule::ShortSide(720),
            max_fps: None,
            crf: None,
            encoder_props: "profile={prores-profile} threads=0",
        },
        Preset {
            size: SizeRule::ShortSide(1080),
            max_fps: None,
            crf: None,
            encoder_props: "profile={prores-profile} threads=0",
        },
        Preset {
            size: SizeRule::ShortSide(1080),
            max_fps: None,
            crf: None,
            encoder_props: "profile={prores-profile} threads=0",
        },
    ],
    requires: &[
        APP,
        BASE,
        Requirement { element: "avenc_prores_ks", package: "gstreamer1.0-libav" },
        Requirement { element: "qtmux", package: "gstreamer1.0-plugins-good" },
        Requirement { element: "filesink", package: "libgstreamer1.0-0" },
    ],
    audio: Some(AudioCodec {
        // No encoder: the caps are forced and the samples go to the muxer as they are.
        element: "identity",
        codec: "PCM (24-bit)",
        bitrates: [0; 3],
        bitrate_unit: 1,
        raw: Some("audio/x-raw,format=S24LE"),
        priming: 0,
        requires: Requirement { element: "audioconvert", package: "gstreamer1.0-plugins-base" },
    }),
    alpha: true,
    chunk_reader: Some(ChunkReader { demuxer: "qtdemux", parser: "capsfilter caps=video/x-prores" }),
    frame_fixup: Some(super::prores::tag_bt709),
    captions: Some(&MOV_TEXT),
    copies_input: false,
};
