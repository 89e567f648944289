//! The MP3's first frame: an "Info" (Xing, for a constant bitrate) header with a LAME tag, as
//! the LAME command line writes it. GStreamer's `lamemp3enc` writes none, so a player cannot tell
//! the length without reading the whole file, and every decoder plays LAME's delay (576 samples,
//! plus the decoder's own 529) and the last frame's padding as silence. The tag says both: gapless
//! players (FFmpeg, browsers, foobar, iTunes) drop them and play exactly the mix, and the frame
//! count gives the length at once. Players that know no tag decode the frame as silence.
//!
//! The export writes a placeholder of [`frame_len`] bytes, then the encoder's stream after it;
//! [`write`] fills the placeholder in once the stream has ended.

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::Path;

/// LAME's encoder delay at 48 kHz (measured: an impulse at sample 4800 decodes at 5905 with
/// FFmpeg, 576 + the decoder's 529).
pub const ENCODER_DELAY: u64 = 576;
const SAMPLES_PER_FRAME: u64 = 1152;
/// MPEG-1 layer III bitrates (kbit/s) by header index.
const BITRATES: [u32; 15] = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];

/// The length of one frame at `kbps` and 48 kHz (never padded at 48 kHz: 144 × bitrate / 48000
/// is whole for every MPEG-1 bitrate).
pub fn frame_len(kbps: u32) -> usize {
    (144 * kbps * 1000 / 48_000) as usize
}

/// Fills the placeholder frame at the start of the file at `path` (an MPEG-1 layer III, 48 kHz
/// stream of `kbps` after it) with the Info and LAME tags for `samples` samples of sound.
pub fn write(path: &Path, kbps: u32, samples: u64) -> Result<(), String> {
    // O_NOFOLLOW: `path` is a temp file this process created; a link swapped in is not written through.
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
        .map_err(|e| e.to_string())?;
    let index = BITRATES.iter().position(|&b| b == kbps).ok_or(format!("{kbps} kbit/s is not an MP3 bitrate"))?;
    let len = frame_len(kbps);
    let (frames, music_crc, bytes) = walk_frames(&file, len)?;
    let padding = (frames * SAMPLES_PER_FRAME)
        .checked_sub(ENCODER_DELAY + samples)
        .filter(|p| *p < 4096)
        .ok_or(format!("{frames} MP3 frames cannot hold {samples} samples after the encoder's delay"))?;
    // MPEG-1, layer III, no CRC; the stream's bitrate; 48 kHz, no padding; joint stereo; then
    // the side information, all zero (a silent frame).
    let mut f = vec![0xff, 0xfb, (index as u8) << 4 | 0x04, 0x64];
    f.resize(4 + 32, 0);
    f.extend(b"Info");
    f.extend(0x0fu32.to_be_bytes()); // frames, bytes, table of contents, quality
    f.extend(u32::try_from(frames).map_err(|_| "too many frames")?.to_be_bytes());
    f.extend(u32::try_from(bytes).map_err(|_| "the file is too large for an MP3 tag")?.to_be_bytes());
    f.extend((0..100u32).map(|i| (i * 256 / 100) as u8)); // constant bitrate: a linear table
    f.extend(0u32.to_be_bytes());
    // The LAME tag: version, revision 0 with the CBR method, lowpass unknown, no peak or gain.
    f.extend(b"LAME3.100");
    f.extend([0x01, 0]);
    f.extend([0; 8]);
    f.extend([0, kbps.min(255) as u8]);
    let (d, pad) = (ENCODER_DELAY as u32, padding as u32);
    f.extend([(d >> 4) as u8, ((d & 0xf) << 4 | pad >> 8) as u8, (pad & 0xff) as u8]);
    f.extend([0, 0, 0, 0]); // misc, gain, preset
    f.extend(u32::try_from(bytes).unwrap_or(u32::MAX).to_be_bytes());
    f.extend(music_crc.to_be_bytes());
    let tag_crc = crc16(0, &f);
    f.extend(tag_crc.to_be_bytes());
    if f.len() > len {
        return Err(format!("a {kbps} kbit/s frame cannot hold the Info tag"));
    }
    f.resize(len, 0);
    file.write_all_at(&f, 0).map_err(|e| e.to_string())
}

/// Counts the frames after the placeholder (each a header the encoder wrote, at `len` bytes
/// each), and the CRC of their bytes; returns them with the file's size.
fn walk_frames(file: &File, len: usize) -> Result<(u64, u16, u64), String> {
    let size = file.metadata().map_err(|e| e.to_string())?.len();
    let mut reader = std::io::BufReader::with_capacity(1 << 16, file.try_clone().map_err(|e| e.to_string())?);
    std::io::Seek::seek(&mut reader, std::io::SeekFrom::Start(len as u64)).map_err(|e| e.to_string())?;
    let (mut frames, mut crc, mut at) = (0u64, 0u16, len as u64);
    let mut head = [0u8; 4];
    while at < size {
        reader.read_exact(&mut head).map_err(|e| format!("MP3 frame {frames}: {e}"))?;
        if head[0] != 0xff || head[1] & 0xe0 != 0xe0 {
            return Err(format!("no MP3 frame at byte {at}"));
        }
        let bitrate = BITRATES.get(usize::from(head[2] >> 4)).copied().unwrap_or(0);
        let n = frame_len(bitrate) + usize::from((head[2] >> 1) & 1);
        if n < 4 {
            return Err(format!("a free-format MP3 frame at byte {at}"));
        }
        let mut rest = vec![0u8; n - 4];
        reader.read_exact(&mut rest).map_err(|e| format!("MP3 frame {frames}: {e}"))?;
        crc = crc16(crc16(crc, &head), &rest);
        frames += 1;
        at += n as u64;
    }
    Ok((frames, crc, size))
}

/// CRC-16 as LAME computes its tag's checksums (polynomial 0x8005, reflected, from 0).
fn crc16(mut crc: u16, data: &[u8]) -> u16 {
    for &b in data {
        crc ^= u16::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xa001 } else { crc >> 1 };
        }
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tag_reads_back_as_gapless() {
        // A placeholder, then two silent 192 kbit/s frames: 2304 samples hold 576 + 1000.
        let mut bytes = vec![0u8; frame_len(192)];
        for _ in 0..2 {
            let mut frame = vec![0u8; frame_len(192)];
            frame[..4].copy_from_slice(&[0xff, 0xfb, 0xb4, 0x64]);
            bytes.extend(frame);
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.mp3");
        std::fs::write(&path, &bytes).unwrap();
        write(&path, 192, 1000).unwrap();
        let head = std::fs::read(&path).unwrap();
        let g = crate::audio::mp3_gapless::read(&head).expect("a LAME tag");
        assert_eq!((g.sample_rate, g.skip, g.valid, g.stream_bytes), (48_000, 576 + 529, Some(1000), Some(1728)));
        assert_eq!(crc16(0, b"123456789"), 0xbb3d, "CRC-16/ARC");
        assert!(write(&path, 192, 5000).unwrap_err().contains("cannot hold 5000 samples"));
    }
}
