//! Video clips: the frame rule (nearest presentation time, ties to the earlier frame, clamped
//! to the clip) checked on clips generated here whose every frame carries its own index, at
//! 25, 29.97 and 60 fps, at a variable frame rate, and with B-frames in a long GOP, read in
//! order, by jumps back and forth, and at exact ties. The truth is FFmpeg's own list of the
//! clip's presentation times (`ffprobe`), not this code's.

use bazaar_core::synth;
use bazaar_core::video::VideoSource;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const W: u32 = 192;
const H: u32 = 108;

/// Encodes `frames` synthetic frames (each showing its index) with FFmpeg.
fn make_clip(dir: &Path, name: &str, rate: &str, frames: u64, extra: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let mut child = Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-y",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgba",
            "-s",
            &format!("{W}x{H}"),
            "-r",
            rate,
            "-i",
            "-",
        ])
        .args(extra)
        .args(["-pix_fmt", "yuv420p"])
        .arg(&out)
        .stdin(Stdio::piped())
        .spawn()
        .expect("ffmpeg is installed (scripts/install-deps.sh)");
    let mut stdin = child.stdin.take().unwrap();
    for i in 0..frames {
        stdin.write_all(&synth::frame(i, W, H)).unwrap();
    }
    drop(stdin);
    assert!(child.wait().unwrap().success(), "ffmpeg could not make {name}");
    out
}

/// The clip's presentation times in seconds from its first frame, in order, as FFmpeg reads them.
fn presentation_times(path: &Path) -> Vec<f64> {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0", "-show_entries", "frame=pts_time", "-of", "csv=p=0"])
        .arg(path)
        .output()
        .unwrap();
    let mut t: Vec<f64> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.trim().trim_end_matches(',').parse().ok())
        .collect();
    t.sort_by(f64::total_cmp);
    let first = t[0];
    t.iter().map(|x| x - first).collect()
}

/// The index of the frame the rule picks for `t`.
fn rule(times: &[f64], t: f64) -> usize {
    let mut best = 0;
    for (k, &x) in times.iter().enumerate() {
        if (x - t).abs() < (times[best] - t).abs() - 1e-9 {
            best = k;
        }
    }
    best
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
    let clip = make_clip(
        dir.path(),
        "vfr.mkv",
        "25",
        80,
        &[
            "-vf",
            "settb=1/1000,setpts=(N*40+mod(N\\,4)*7)/1000/TB",
            "-fps_mode",
            "passthrough",
            "-enc_time_base",
            "1/1000",
            "-c:v",
            "libx264",
        ],
    );
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
