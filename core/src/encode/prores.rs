//! ProRes: its six profiles (`--prores-profile`), what each is given, and the colour tags of its
//! frame headers.

use serde::{Deserialize, Serialize};

/// A ProRes profile, in FFmpeg's (`prores_ks`) order: its index is the encoder's `profile`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum ProresProfile {
    #[serde(rename = "proxy")]
    Proxy,
    #[serde(rename = "lt")]
    Lt,
    #[serde(rename = "standard")]
    Standard,
    #[default]
    #[serde(rename = "hq")]
    Hq,
    #[serde(rename = "4444")]
    P4444,
    #[serde(rename = "4444xq")]
    P4444Xq,
}

impl ProresProfile {
    pub const ALL: [ProresProfile; 6] = [Self::Proxy, Self::Lt, Self::Standard, Self::Hq, Self::P4444, Self::P4444Xq];

    pub fn id(self) -> &'static str {
        ["proxy", "lt", "standard", "hq", "4444", "4444xq"][self as usize]
    }

    /// The name editors show (ProRes 422 HQ, ProRes 4444 XQ…).
    pub fn label(self) -> &'static str {
        ["ProRes 422 Proxy", "ProRes 422 LT", "ProRes 422", "ProRes 422 HQ", "ProRes 4444", "ProRes 4444 XQ"]
            [self as usize]
    }

    pub fn parse(s: &str) -> Option<ProresProfile> {
        Self::ALL.into_iter().find(|p| p.id().eq_ignore_ascii_case(s))
    }

    /// Whether the profile carries an alpha plane (4444 and 4444 XQ).
    pub fn keeps_alpha(self) -> bool {
        matches!(self, Self::P4444 | Self::P4444Xq)
    }

    /// The raw format `avenc_prores_ks` is given: 10-bit 4:2:2, or 4:4:4 with alpha for the
    /// 4444 profiles (the render page's RGBA keeps its full chroma, and its alpha a place).
    pub fn encoder_format(self) -> &'static str {
        if self.keeps_alpha() {
            "A444_10LE"
        } else {
            "I422_10LE"
        }
    }

    /// The encoder's `profile` value.
    pub fn encoder_index(self) -> usize {
        self as usize
    }

    /// Apple's target data rate at 1920×1080, 29.97 fps, in bit/s (the ProRes white paper's
    /// table: 45, 102, 147, 220, 330, 500 Mbit/s): what the export panel's size estimate scales.
    /// A target, not a bound: `avenc_prores_ks` comes near it on detailed pictures, far under
    /// it on flat ones, and over it on noise (4444 most: BENCHMARKS.md, "ProRes's data rate").
    pub fn data_rate_1080p(self) -> u64 {
        [45, 102, 147, 220, 330, 500][self as usize] * 1_000_000
    }
}

/// Writes BT.709 primaries, transfer and matrix into a ProRes frame's header (bytes 22–24:
/// after the frame size, `icpf`, the header's size and version, the creator, width, height and
/// flags). `avenc_prores_ks` leaves them "unspecified" (GStreamer 1.22 does not hand the caps'
/// colorimetry to FFmpeg), and decoders then guess. The frames are BT.709: the profile's caps
/// ask `videoconvert` for it.
pub fn tag_bt709(frame: &mut [u8]) {
    if frame.len() > 24 && &frame[4..8] == b"icpf" {
        frame[22..25].copy_from_slice(&[1, 1, 1]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_parse_back_and_only_4444_keeps_alpha() {
        for p in ProresProfile::ALL {
            assert_eq!(ProresProfile::parse(p.id()), Some(p));
            assert_eq!(serde_json::to_value(p).unwrap(), p.id());
        }
        assert_eq!(ProresProfile::parse("XQ"), None);
        let alpha: Vec<_> = ProresProfile::ALL.into_iter().filter(|p| p.keeps_alpha()).collect();
        assert_eq!(alpha, [ProresProfile::P4444, ProresProfile::P4444Xq]);
        assert_eq!(ProresProfile::default(), ProresProfile::Hq);
    }

    #[test]
    fn only_a_prores_frame_header_is_tagged() {
        let mut frame = [0u8; 30];
        frame[4..8].copy_from_slice(b"icpf");
        frame[22..25].copy_from_slice(&[2, 2, 2]);
        tag_bt709(&mut frame);
        assert_eq!(&frame[22..25], &[1, 1, 1]);
        let mut other = [2u8; 30];
        tag_bt709(&mut other);
        assert_eq!(other, [2u8; 30]);
    }
}
