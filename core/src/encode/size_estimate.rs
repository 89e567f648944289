//! What a file will weigh, where that is known before it is made: ProRes (its profile's data
//! rate, scaled to the frame size and rate as Apple's table is) and sound at a fixed rate (PCM
//! exactly, MP3 at its constant bitrate; AAC and Opus near theirs). The constant-quality codecs
//! (H.264, H.265, VP8, VP9) and GIF weigh what their pictures hold: no estimate.

use super::profile::{Format, OutputKind, Quality};
use super::prores::ProresProfile;

/// PCM's rate in bytes a second: 48 kHz stereo at 24 bits (the profiles' `S24LE`).
const PCM_BYTES_PER_SECOND: u64 = 48_000 * 2 * 3;

/// Bytes of a `seconds`-long export of `format` at `quality` (`prores`: the profile, ignored
/// by other formats), `width`×`height` at `fps`, with its sound track when `sound`; `None`
/// where the size is the content's.
pub fn estimate_bytes(
    format: Format,
    quality: Quality,
    prores: ProresProfile,
    (width, height, fps): (u32, u32, u32),
    seconds: f64,
    sound: bool,
) -> Option<u64> {
    let profile = format.profile();
    let sound_bytes_per_second = match &profile.audio {
        Some(a) if sound || format.kind() == OutputKind::SoundOnly => match a.bitrate(quality) {
            0 => PCM_BYTES_PER_SECOND as f64,
            bits => f64::from(bits) / 8.0,
        },
        _ => 0.0,
    };
    let picture_bytes_per_second = match format {
        Format::Prores => {
            let scale = f64::from(width) * f64::from(height) * f64::from(fps) / (1920.0 * 1080.0 * 29.97);
            prores.data_rate_1080p() as f64 * scale / 8.0
        }
        _ if format.kind() == OutputKind::SoundOnly => 0.0,
        _ => return None,
    };
    Some(((picture_bytes_per_second + sound_bytes_per_second) * seconds).round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prores_scales_its_data_rate_and_sound_adds_its_own() {
        let hq = |size, sound| estimate_bytes(Format::Prores, Quality::High, ProresProfile::Hq, size, 10.0, sound);
        let full = hq((1920, 1080, 30), false).unwrap();
        assert!((full as f64 - 220e6 / 8.0 * 10.0 * 30.0 / 29.97).abs() < 1.0, "{full}");
        assert!(hq((960, 540, 30), false).unwrap().abs_diff(full / 4) <= 1);
        assert_eq!(hq((1920, 1080, 30), true).unwrap() - full, 10 * PCM_BYTES_PER_SECOND);
        let xq = estimate_bytes(Format::Prores, Quality::Low, ProresProfile::P4444Xq, (1920, 1080, 30), 10.0, false);
        assert!(xq.unwrap() > 2 * full);
    }

    #[test]
    fn sound_only_is_its_rate_and_crf_codecs_are_unknown() {
        let sound = |f| estimate_bytes(f, Quality::High, ProresProfile::Hq, (0, 0, 30), 60.0, true);
        assert_eq!(sound(Format::Wav), Some(60 * PCM_BYTES_PER_SECOND));
        assert_eq!(sound(Format::Mp3), Some(60 * 320_000 / 8));
        for f in [Format::Mp4, Format::Mp4Hevc, Format::Webm, Format::WebmVp9, Format::Gif] {
            assert_eq!(sound(f), None, "{f:?}");
        }
    }
}
