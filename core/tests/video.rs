//! Video clips: the frame rule (nearest presentation time, ties to the earlier frame, clamped
//! to the clip) checked on clips generated here whose every frame carries its own index, at
//! 25, 29.97 and 60 fps, at a variable frame rate, and with B-frames in a long GOP, read in
//! order, by jumps back and forth, and at exact ties. The truth is FFmpeg's own list of the
//! clip's presentation times (`ffprobe`), not this code's.

use bazaar_core::synth;
use bazaar_core::video::VideoSource;
use std::path::{Path, PathBuf};
use std::process::Command;

const W: u32 = 192;
const H: u32 = 108;

fn make_clip(dir: &Path, name: &str, rate: &str, frames: u64, extra: &[&str]) -> PathBuf {
    let out = dir.join(name);
    synth::encode_clip(&out, W, H, rate, frames, extra).unwrap();
    out
}

fn presentation_times(path: &Path) -> Vec<f64> {
    synth::presentation_times(path).unwrap()
}

fn rule(times: &[f64], t: f64) -> usize {
    synth::nearest_frame(times, t)
}

fn check(path: &Path, fps_hint: f64) {
    let times = presentation_times(path);
    let n = times.len();
    let end = *times.last().unwrap();
    let mut clip = VideoSource::open(path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((clip.info().width, clip.info().height), (W, H));
    let mut asks: Vec<f64> = (0..(end * 30.0) as u64 + 10).map(|i| i as f64 / 30.0).collect(); // in order, past the end
    asks.extend([5.0 / fps_hint, 1.0 / fps_hint, -1.0, 0.0, end + 3.0, end / 2.0, 0.1, end - 0.01]); // jumps back and forth
    asks.extend((0..n - 1).step_by(7).map(|k| (times[k] + times[k + 1]) / 2.0)); // exact ties: the earlier
    asks.extend((0..n - 1).step_by(5).rev().map(|k| times[k] + 0.001)); // backwards, frame by frame
    let mut wrong = Vec::new();
    for &t in &asks {
        let frame = clip.frame_at(t).unwrap_or_else(|e| panic!("{}: frame_at({t}): {e}", path.display()));
        let got = synth::read_index(frame.pixels(), W, H) as usize;
        let want = rule(&times, t);
        if got != want {
            wrong.push(format!(
                "t={t:.4}: frame {got} (at {:.4}), the rule says {want} (at {:.4})",
                frame.time, times[want]
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{}: {} of {} wrong:\n{}",
        path.display(),
        wrong.len(),
        asks.len(),
        wrong[..wrong.len().min(10)].join("\n")
    );
}

#[test]
fn constant_rates_give_the_nearest_frame() {
    let dir = tempfile::tempdir().unwrap();
    for (rate, name, fps) in [("25", "c25.mp4", 25.0), ("30000/1001", "c2997.mp4", 29.97), ("60", "c60.webm", 60.0)] {
        let codec: &[&str] = if name.ends_with("webm") { &["-c:v", "libvpx"] } else { &["-c:v", "libx264"] };
        check(&make_clip(dir.path(), name, rate, 90, codec), fps);
    }
}

#[test]
fn a_variable_frame_rate_gives_the_nearest_frame() {
    let dir = tempfile::tempdir().unwrap();
    // Gaps of 40 ms plus 0, 7, 14 or 21 ms, as a screen recorder leaves them.
    let clip = make_clip(dir.path(), "vfr.mkv", "25", 80, synth::VFR_X264);
    let times = presentation_times(&clip);
    let gaps: std::collections::BTreeSet<i64> =
        times.windows(2).map(|w| ((w[1] - w[0]) * 1000.0).round() as i64).collect();
    assert!(gaps.len() > 2, "the clip's frame gaps vary: {gaps:?}");
    check(&clip, 25.0);
}

#[test]
fn b_frames_in_a_long_gop_give_the_nearest_frame_after_jumps_back() {
    let dir = tempfile::tempdir().unwrap();
    let clip = make_clip(
        dir.path(),
        "gop.mp4",
        "30",
        150,
        &["-c:v", "libx264", "-bf", "3", "-g", "300", "-keyint_min", "300"],
    );
    check(&clip, 30.0);
}

#[test]
fn bad_clips_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.mp4");
    std::fs::write(&text, "not a video\n".repeat(100)).unwrap();
    let err = VideoSource::open(&text).err().expect("refused");
    assert!(err.to_string().contains("notes.mp4 is not a video"), "{err}");
    let wav = dir.path().join("sound.wav");
    let ok = Command::new("ffmpeg").args(["-v", "error", "-f", "lavfi", "-i", "sine=d=1"]).arg(&wav).status().unwrap();
    assert!(ok.success());
    let err = VideoSource::open(&wav).err().expect("refused");
    assert!(err.to_string().contains("sound.wav has no picture"), "{err}");
}

#[test]
fn rotation_metadata_is_applied_as_ffmpeg_applies_it() {
    let dir = tempfile::tempdir().unwrap();
    let plain = make_clip(dir.path(), "plain.mp4", "25", 10, &["-c:v", "libx264"]);
    // A phone's portrait video: the pictures stored landscape, with "rotate 90°" in the header.
    let rotated = dir.path().join("rotated.mp4");
    let ok = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(&plain)
        .args(["-c", "copy", "-metadata:s:v:0", "rotate=90"])
        .arg(&rotated)
        .status()
        .unwrap();
    assert!(ok.success());
    let mut clip = VideoSource::open(&rotated).unwrap();
    assert_eq!((clip.info().width, clip.info().height), (H, W), "shown upright: portrait");
    let ours = clip.frame_at(0.2).unwrap().pixels().to_vec();
    // FFmpeg turns it upright too (its default): the two pictures must match.
    let theirs = Command::new("ffmpeg")
        .args(["-v", "error", "-ss", "0.2", "-i"])
        .arg(&rotated)
        .args(["-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgba", "-"])
        .output()
        .unwrap()
        .stdout;
    assert_eq!(ours.len(), theirs.len());
    let diff = ours.iter().zip(&theirs).map(|(a, b)| u64::from(a.abs_diff(*b))).sum::<u64>() as f64 / ours.len() as f64;
    assert!(diff < 8.0, "the picture is turned the other way: mean difference {diff}");
}
