//! MP3 encoder delay and padding. An MP3 encoder adds silence before and after the sound and
//! says how much in the first frame's Xing/Info and LAME tags; GStreamer's MP3 decoder ignores
//! them (measured: a sound 25 ms late at 44.1 kHz and 38 ms too long), so the source drops them
//! itself. The decoder's own delay (529 samples, the MP3 synthesis filter) is added to the
//! encoder's, as every gapless player does.

/// What the tags say, in samples of the file's own rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gapless {
    pub sample_rate: u32,
    /// Samples the decoder puts out before the sound.
    pub skip: u64,
    /// Samples of sound (encoder delay and padding removed), when the tag counts its frames.
    pub valid: Option<u64>,
    /// The bytes from the first frame to the last, when the tag counts them, and where the
    /// first frame starts in the file (after an ID3v2 tag): a file shorter than that was cut.
    pub stream_bytes: Option<u64>,
    pub first_frame_at: u64,
}

/// The MP3 decoder's delay, in samples.
const DECODER_DELAY: u64 = 529;

/// Reads the tags from the first bytes of a file (64 KiB is plenty, after an ID3v2 tag it
/// skips). `None` when the file is not an MP3 with a LAME tag.
pub fn read(head: &[u8]) -> Option<Gapless> {
    let mut at = 0usize;
    if head.len() >= 10 && &head[..3] == b"ID3" {
        let size = head[6..10].iter().fold(0usize, |n, &b| (n << 7) | usize::from(b & 0x7f));
        at = 10 + size + if head[5] & 0x10 != 0 { 10 } else { 0 };
    }
    let h = head.get(at..at + 4)?;
    if h[0] != 0xff || h[1] & 0xe0 != 0xe0 {
        return None;
    }
    let version = (h[1] >> 3) & 3; // 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
    let layer = (h[1] >> 1) & 3; // 1: layer III
    let rate_index = usize::from((h[2] >> 2) & 3);
    if layer != 1 || version == 1 || rate_index == 3 {
        return None;
    }
    let rates = match version {
        3 => [44100, 48000, 32000],
        2 => [22050, 24000, 16000],
        _ => [11025, 12000, 8000],
    };
    let mono = (h[3] >> 6) == 3;
    let side_info = match (version == 3, mono) {
        (true, true) => 17,
        (true, false) => 32,
        (false, true) => 9,
        (false, false) => 17,
    };
    let samples_per_frame: u64 = if version == 3 { 1152 } else { 576 };
    let tag = at + 4 + side_info;
    let id = head.get(tag..tag + 4)?;
    if id != b"Xing" && id != b"Info" {
        return None;
    }
    let flags = u32::from_be_bytes(head.get(tag + 4..tag + 8)?.try_into().ok()?);
    let mut p = tag + 8;
    let mut frames = None;
    if flags & 1 != 0 {
        frames = Some(u64::from(u32::from_be_bytes(head.get(p..p + 4)?.try_into().ok()?)));
        p += 4;
    }
    let mut stream_bytes = None;
    if flags & 2 != 0 {
        stream_bytes = Some(u64::from(u32::from_be_bytes(head.get(p..p + 4)?.try_into().ok()?)));
        p += 4;
    }
    if flags & 4 != 0 {
        p += 100;
    }
    if flags & 8 != 0 {
        p += 4;
    }
    // The LAME tag: 9 bytes of encoder name, then fields; delay and padding are 12 bits each
    // at byte 21.
    let lame = head.get(p..p + 24)?;
    if !lame[..4].iter().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let delay = (u64::from(lame[21]) << 4) | (u64::from(lame[22]) >> 4);
    let padding = ((u64::from(lame[22]) & 0xf) << 8) | u64::from(lame[23]);
    let valid = frames.and_then(|n| (n * samples_per_frame).checked_sub(delay + padding));
    Some(Gapless {
        sample_rate: rates[rate_index],
        skip: delay + DECODER_DELAY,
        valid,
        stream_bytes,
        first_frame_at: at as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lame_header_gives_delay_and_padding() {
        // An MPEG-1 layer III stereo frame header at 44.1 kHz, then side info, "Info" with a
        // frame count, and a LAME tag declaring 576 samples of delay and 1078 of padding.
        let mut f = vec![0xff, 0xfb, 0x90, 0x00];
        f.extend([0u8; 32]);
        f.extend(b"Info");
        f.extend(1u32.to_be_bytes());
        f.extend(78u32.to_be_bytes());
        let mut lame = b"LAME3.100".to_vec();
        lame.resize(21, 0);
        let (delay, padding) = (576u32, 1078u32);
        lame.extend([(delay >> 4) as u8, (((delay & 0xf) << 4) | (padding >> 8)) as u8, (padding & 0xff) as u8]);
        f.extend(lame);
        let g = read(&f).expect("tag");
        let want = Gapless {
            sample_rate: 44100,
            skip: 576 + 529,
            valid: Some(78 * 1152 - 576 - 1078),
            stream_bytes: None,
            first_frame_at: 0,
        };
        assert_eq!(g, want);
        // An ID3v2 tag in front is skipped.
        let mut tagged = b"ID3\x04\x00\x00\x00\x00\x00\x05hello".to_vec();
        tagged.extend(&f);
        assert_eq!(read(&tagged), Some(Gapless { first_frame_at: 15, ..want }));
        assert_eq!(read(b"RIFF....WAVEfmt "), None);
    }
}
