//! The reader on files the writer made, whole, cut and damaged.

use super::super::writer::{OpusTrack, VideoTrack, WebmWriter};
use super::*;
use std::io::Cursor;

/// Three frames (a keyframe, a frame that depends on it, a keyframe) with an Opus packet and
/// a caption cue between them, as the app writes a transparent WebM.
fn file(alpha: bool) -> Vec<u8> {
    let track = VideoTrack { width: 64, height: 36, frame_ns: 100_000_000, alpha };
    let opus = OpusTrack {
        head: b"OpusHead\x01\x02\x38\x01\x80\xbb\0\0\0\0\0".to_vec(),
        delay_ns: 0,
        rate: 48_000,
        channels: 2,
    };
    let mut w = WebmWriter::new(Cursor::new(Vec::new()), track, Some(&opus), &["en".into()]).unwrap();
    let a = |b: &'static [u8]| alpha.then_some(b);
    w.write_frame(0, true, b"colour0", a(b"alpha0"), None).unwrap();
    w.write_sound(50, b"opus").unwrap();
    w.write_text(0, 60, 90, b"\n\ncue").unwrap();
    w.write_frame(100, false, b"colour1", a(b"alpha1"), None).unwrap();
    w.write_frame(200, true, b"colour2", a(b"alpha2"), Some(100)).unwrap();
    w.finish(300.0).unwrap().into_inner()
}

fn read_all(bytes: &[u8]) -> Result<(TrackInfo, Vec<Frame>), ReadError> {
    let mut r = WebmReader::open(Cursor::new(bytes), bytes.len() as u64)?;
    let mut frames = Vec::new();
    while let Some(f) = r.next_frame()? {
        frames.push(f);
    }
    Ok((r.track.clone(), frames))
}

#[test]
fn what_the_writer_wrote_reads_back_frame_by_frame() {
    let (track, frames) = read_all(&file(true)).unwrap();
    assert_eq!(
        track,
        TrackInfo {
            number: 1,
            codec: "V_VP9".into(),
            width: 64,
            height: 36,
            frame_ns: Some(100_000_000),
            alpha_mode: 1
        }
    );
    let got: Vec<_> =
        frames.iter().map(|f| (f.time_ns / 1_000_000, f.key, f.colour.clone(), f.alpha.clone())).collect();
    let want = [(0, true, "colour0", "alpha0"), (100, false, "colour1", "alpha1"), (200, true, "colour2", "alpha2")]
        .map(|(t, k, c, a)| (t, k, c.as_bytes().to_vec(), Some(a.as_bytes().to_vec())));
    assert_eq!(got, want, "the sound and the caption blocks are not frames");
}

#[test]
fn a_file_without_alpha_or_not_webm_is_refused_by_what_it_is() {
    assert!(matches!(read_all(&file(false)), Err(ReadError::NoAlpha(_))));
    assert!(matches!(read_all(b"RIFF\0\0\0\0WAVEfmt "), Err(ReadError::NotWebm(_))));
    assert!(matches!(read_all(b""), Err(ReadError::NotWebm(_))));
    let mut matroska = file(true);
    let at = matroska.windows(4).position(|w| w == b"webm").unwrap();
    matroska[at..at + 4].copy_from_slice(b"mkv\0");
    assert_eq!(read_all(&matroska).unwrap_err(), ReadError::NotWebm("its DocType is \"mkv\"".into()));
}

/// Every truncation is refused (the Segment's size reaches past the end), and no flipped
/// byte makes the reader panic or allocate past the file: sizes are checked against their
/// parent before anything is read.
#[test]
fn a_cut_or_damaged_file_is_refused_never_a_panic() {
    let whole = file(true);
    for cut in 0..whole.len() {
        assert!(read_all(&whole[..cut]).is_err(), "cut at {cut} of {}", whole.len());
    }
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..4000 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let mut bad = whole.clone();
        let at = (seed % bad.len() as u64) as usize;
        bad[at] = (seed >> 32) as u8;
        let _ = read_all(&bad);
    }
    // A Block whose size byte, made the start of a 7-byte size, claims about 140 TB.
    let mut huge = whole.clone();
    let at = huge.windows(7).position(|w| w == b"colour1").unwrap() - 5;
    assert_eq!(huge[at - 1], id::BLOCK as u8);
    huge[at..at + 1].copy_from_slice(&[0x02]);
    assert!(matches!(read_all(&huge), Err(ReadError::Damaged { .. })));
}
