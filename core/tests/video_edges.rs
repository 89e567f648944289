//! Video clips at their edges, in the decoder itself: a still image named as a clip, a clip of
//! one frame, a time-lapse at 1 fps, a video track that ends before its file does (the last
//! frame held to the file's end), a clip cut short (still said to be), a picture larger than a
//! clip may be (refused before it is decoded), and files without a picture (said as what they
//! are). Each frame asked for is checked against the frame rule on FFmpeg's list of times.

use bazaar_core::synth;
use bazaar_core::video::{VideoError, VideoSource};
use std::path::{Path, PathBuf};
use std::process::Command;

const W: u32 = 192;
const H: u32 = 108;

fn ffmpeg(args: &[&str], out: &Path) {
    let ok = Command::new("ffmpeg").args(["-v", "error", "-y"]).args(args).arg(out).status().unwrap();
    assert!(ok.success(), "ffmpeg could not make {}", out.display());
}

fn clip(dir: &Path, name: &str, rate: &str, frames: u64, extra: &[&str]) -> PathBuf {
    let out = dir.join(name);
    synth::encode_clip(&out, W, H, rate, frames, extra).unwrap();
    out
}

/// Reads `path` at each of `asks` (seconds) in turn and checks each frame against the rule.
fn follows_the_rule(path: &Path, asks: &[f64]) {
    let times = synth::presentation_times(path).unwrap();
    let mut source = VideoSource::open(path).unwrap_or_else(|e| panic!("{e}"));
    for &t in asks {
        let frame = source.frame_at(t).unwrap_or_else(|e| panic!("{}: frame_at({t}): {e}", path.display()));
        let (got, want) = (synth::read_index(frame.pixels(), W, H) as usize, synth::nearest_frame(&times, t));
        assert_eq!(got, want, "{}: at {t} s", path.display());
    }
}

/// In order at 30 fps up to `end`, then jumps back and forth.
fn asks(end: f64) -> Vec<f64> {
    let mut asks: Vec<f64> = (0..=(end * 30.0) as u64).map(|i| i as f64 / 30.0).collect();
    asks.extend([end - 0.1, 0.2, end + 5.0, end / 2.0, end - 0.4, 0.0, end]);
    asks
}

#[test]
fn a_one_fps_clip_shows_each_frame_for_its_second_and_the_last_to_its_end() {
    let dir = tempfile::tempdir().unwrap();
    let timelapse = clip(dir.path(), "timelapse.mp4", "1", 3, &["-c:v", "libx264"]);
    assert!((VideoSource::open(&timelapse).unwrap().info().duration - 3.0).abs() < 0.01);
    follows_the_rule(&timelapse, &asks(3.0));
    let single = clip(dir.path(), "single.mp4", "25", 1, &["-c:v", "libx264"]);
    follows_the_rule(&single, &asks(2.0));
}

/// A recording whose picture stops before its sound (4 s of sound, 1 s of picture): the file
/// lasts 4 s and its last frame is shown to the end, not called cut short.
#[test]
fn a_video_track_ending_before_its_file_holds_its_last_frame() {
    let dir = tempfile::tempdir().unwrap();
    let plain = clip(dir.path(), "plain.mp4", "30", 30, &["-c:v", "libx264"]);
    let recording = dir.path().join("recording.mp4");
    let video = plain.to_str().unwrap();
    ffmpeg(&["-i", video, "-f", "lavfi", "-t", "4", "-i", "sine", "-c:v", "copy", "-c:a", "aac"], &recording);
    let mut source = VideoSource::open(&recording).unwrap();
    assert!((source.info().duration - 4.0).abs() < 0.1, "{:?}", source.info());
    follows_the_rule(&recording, &asks(4.0));
    let held = source.frame_at(3.9).unwrap();
    assert_eq!(synth::read_index(held.pixels(), W, H), 29);
}

/// A still image named as a clip (a PNG renamed `.mp4`) is a one-frame clip, held: no seek
/// (an image cannot seek), however far into it the scene runs.
#[test]
fn a_still_image_named_as_a_clip_is_held() {
    let dir = tempfile::tempdir().unwrap();
    let still = dir.path().join("still.mp4");
    ffmpeg(&["-f", "lavfi", "-i", "color=c=red:s=192x108", "-frames:v", "1", "-f", "image2", "-c:v", "png"], &still);
    let mut source = VideoSource::open(&still).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((source.info().width, source.info().height), (W, H));
    for t in [0.0, 0.5, 1.2, 3.0, 60.0, 0.1, 2.5] {
        let frame = source.frame_at(t).unwrap_or_else(|e| panic!("frame_at({t}): {e}"));
        let [r, g, b, _] = frame.pixels()[..4] else { unreachable!() };
        assert!(r > 240 && g < 16 && b < 16, "at {t} s: {r} {g} {b}");
    }
}

/// A file whose pictures stop halfway through what its video track declares: said so, not
/// held (a clip that silently froze would be worse).
#[test]
fn a_clip_cut_short_is_still_said_to_be() {
    let dir = tempfile::tempdir().unwrap();
    let cut = clip(dir.path(), "cut.mp4", "30", 90, &["-c:v", "libx264", "-movflags", "+faststart"]);
    let bytes = std::fs::read(&cut).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let mut source = VideoSource::open(&cut).unwrap();
    let failed = (0..90).map(|i| source.frame_at(f64::from(i) / 30.0)).find_map(Result::err);
    let e = failed.expect("the cut is noticed");
    assert!(matches!(e, VideoError::Corrupt { .. }) && e.to_string().contains("cut short"), "{e}");
}

/// A picture larger than a clip may be is refused from the size its file declares, before a
/// decoder is plugged for it (a 8200×8200 PNG would be 269 MB once decoded).
#[test]
fn a_picture_larger_than_a_clip_may_be_is_refused_before_it_is_decoded() {
    let dir = tempfile::tempdir().unwrap();
    let huge = dir.path().join("huge.mp4");
    ffmpeg(&["-f", "lavfi", "-i", "color=c=blue:s=8200x8200", "-frames:v", "1", "-f", "image2", "-c:v", "png"], &huge);
    let started = std::time::Instant::now();
    let e = VideoSource::probe(&huge).expect_err("refused");
    assert!(matches!(e, VideoError::TooLarge { width: 8200, height: 8200, .. }), "{e}");
    assert!(e.to_string().contains("8200×8200") && e.to_string().contains("8192×8192"), "{e}");
    assert!(started.elapsed().as_secs() < 20, "took {:?}", started.elapsed());
}

/// No picture is said as what the file is: a sound file, a file without a video track, a
/// video track that ends before its first picture (not "a sound file").
#[test]
fn files_without_a_picture_are_said_as_what_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let sound = dir.path().join("tone.mp4");
    ffmpeg(&["-f", "lavfi", "-i", "sine=d=1", "-c:a", "aac"], &sound);
    let e = VideoSource::probe(&sound).expect_err("refused");
    assert!(matches!(e, VideoError::NoPicture { sound: true, .. }), "{e}");
    let subtitles = dir.path().join("subtitles.mp4");
    let srt = dir.path().join("s.srt");
    std::fs::write(&srt, "1\n00:00:00,000 --> 00:00:01,000\nhello\n").unwrap();
    ffmpeg(&["-i", srt.to_str().unwrap(), "-c:s", "mov_text"], &subtitles);
    let e = VideoSource::probe(&subtitles).expect_err("refused");
    assert!(matches!(e, VideoError::NoPicture { sound: false, .. }), "{e}");
    assert!(e.to_string().contains("no video track"), "{e}");
    // Its header whole, its first picture cut off.
    let cut = clip(dir.path(), "cut.mp4", "30", 90, &["-c:v", "libx264", "-movflags", "+faststart"]);
    let bytes = std::fs::read(&cut).unwrap();
    let mdat = bytes.windows(4).position(|w| w == b"mdat").expect("an mdat box");
    std::fs::write(&cut, &bytes[..mdat + 64]).unwrap();
    let e = VideoSource::probe(&cut).expect_err("refused");
    assert!(matches!(e, VideoError::Corrupt { .. }) && !e.to_string().contains("sound"), "{e}");
}
