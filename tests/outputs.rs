//! The outputs that are not one video file, through the real binary: the sound alone (WAV, MP3,
//! M4A, Opus), decoded back by FFmpeg and compared with the MP4's own sound.

#[path = "support/cli.rs"]
mod cli;

use cli::{files_in, render, repo, stderr};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The sound fixture (`tests/fixtures/sound/`: 2 s at 30 fps, a 1 kHz tone at half scale from
/// frame 30 for 15 frames) in a temp folder. `draw_throws`: its composition throws on every
/// frame, so only an export that never opens the page can succeed.
fn sound_fixture(draw_throws: bool) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(repo("tests/fixtures/sound/project.json"), dir.path().join("project.json")).unwrap();
    let meter = if draw_throws {
        "export default { draw() { throw new Error('no page should draw this'); } };\n".to_string()
    } else {
        std::fs::read_to_string(repo("tests/fixtures/sound/meter.js")).unwrap()
    };
    std::fs::write(dir.path().join("meter.js"), meter).unwrap();
    bazaar_core::synth::write_wav(&dir.path().join("tone.wav"), 44100, 2.0, |t| {
        0.5 * (2.0 * std::f64::consts::PI * 1000.0 * t).sin()
    })
    .unwrap();
    let project = dir.path().join("project.json");
    (dir, project)
}

/// `ffprobe`'s answer for one entry (`stream=codec_name`, `format=duration`).
fn ffprobe(path: &Path, entry: &str) -> String {
    let o = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "a:0", "-show_entries", entry, "-of", "default=nw=1:nk=1"])
        .arg(path)
        .output()
        .expect("ffprobe is installed");
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// The file's sound as FFmpeg decodes it (its gapless trims applied): the left channel at 48 kHz.
fn ffmpeg_sound(path: &Path) -> Vec<f32> {
    let o = Command::new("ffmpeg")
        .args(["-v", "error", "-nostdin", "-i"])
        .arg(path)
        .args(["-map", "0:a:0", "-f", "f32le", "-ac", "2", "-ar", "48000", "-"])
        .output()
        .expect("ffmpeg is installed");
    assert!(o.status.success(), "ffmpeg: {}", String::from_utf8_lossy(&o.stderr));
    o.stdout.chunks_exact(8).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
}

/// Where the tone starts and ends (ms), and its RMS in between.
fn tone(sound: &[f32]) -> (f64, f64, f64) {
    let first = sound.iter().position(|s| s.abs() > 0.1).expect("the tone is heard");
    let last = sound.iter().rposition(|s| s.abs() > 0.1).unwrap();
    let mid = &sound[first + 480..last - 480];
    let rms = (mid.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / mid.len() as f64).sqrt();
    (first as f64 / 48.0, last as f64 / 48.0, rms)
}

#[test]
fn the_sound_alone_is_the_videos_sound_without_a_page() {
    // The MP4's sound, made by the real render (with the page).
    let (video_dir, video_project) = sound_fixture(false);
    let mp4 = video_dir.path().join("meter.mp4");
    let o = render(&video_project, &mp4, &["--quality", "low"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (v_first, v_last, v_rms) = tone(&ffmpeg_sound(&mp4));

    // The sound-only exports of a project whose composition throws on every frame: a page
    // would fail them, so they succeed only because none opens.
    let (dir, project) = sound_fixture(true);
    // (extension, FFmpeg's codec, samples its frame may add)
    for (ext, codec, slack) in
        [("wav", "pcm_s24le", 0usize), ("mp3", "mp3", 1152), ("m4a", "aac", 1024), ("opus", "opus", 960)]
    {
        let out = dir.path().join(format!("mix.{ext}"));
        let o = render(&project, &out, &["--quality", "high"]);
        assert!(o.status.success(), "{ext}: {}", stderr(&o));
        assert_eq!(ffprobe(&out, "stream=codec_name"), codec, "{ext}");
        assert_eq!(ffprobe(&out, "stream=sample_rate,channels"), "48000\n2", "{ext}");
        let sound = ffmpeg_sound(&out);
        // 2 s at 30 fps: 96000 samples, to the sample for WAV, within the codec's frame else.
        assert!(sound.len().abs_diff(96_000) <= slack, "{ext}: {} samples decoded", sound.len());
        // ffprobe's MP3 length is its frames', the encoder's delay and padding included.
        let duration: f64 = ffprobe(&out, "format=duration").parse().unwrap();
        let frame_slack = if ext == "mp3" { 2 * slack } else { slack };
        assert!((duration - 2.0).abs() <= frame_slack as f64 / 48_000.0 + 1e-6, "{ext}: {duration} s");
        // The tone where the MP4 has it (1 ms), as loud (2 %).
        let (first, last, rms) = tone(&sound);
        assert!((first - v_first).abs() <= 1.0 && (first - 1000.0).abs() <= 1.0, "{ext}: starts at {first} ms");
        assert!((last - v_last).abs() <= 2.0, "{ext}: ends at {last} ms, the MP4's at {v_last}");
        assert!((rms / v_rms - 1.0).abs() < 0.02, "{ext}: RMS {rms} vs the MP4's {v_rms}");
        if ext == "wav" {
            assert_eq!(ffprobe(&out, "stream=bits_per_sample"), "24");
        }
        if ext == "mp3" {
            // Its Info/LAME frame: the encoder's delay and padding, and the length in frames.
            let head = std::fs::read(&out).unwrap();
            assert_eq!(&head[36..40], b"Info");
            assert_eq!(&head[156..165], b"LAME3.100");
        }
    }
    assert_eq!(
        files_in(dir.path()),
        ["meter.js", "mix.m4a", "mix.mp3", "mix.opus", "mix.wav", "project.json", "tone.wav"]
    );
}

#[test]
fn the_sound_alone_is_refused_before_anything_is_made() {
    let (dir, project) = sound_fixture(true);
    let refused = |args: &[&str], words: &str| {
        let mut c = Command::new(cli::bin());
        let o = c.arg("render").arg(&project).args(args).output().unwrap();
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(words), "{args:?}: {}", stderr(&o));
    };
    let out = dir.path().join("a.wav");
    let out = out.to_str().unwrap();
    refused(&["-o", out, "--jobs", "2"], "--chunk and --jobs split the pictures; a wav file is only the sound");
    // A project without sounds would give silence.
    let silent = dir.path().join("silent.json");
    std::fs::write(
        &silent,
        r#"{ "version": 1, "width": 64, "height": 36, "fps": 30, "compositions": { "M": "./meter.js" },
             "scenes": [ { "composition": "M", "durationInFrames": 3 } ] }"#,
    )
    .unwrap();
    let o = Command::new(cli::bin()).arg("render").arg(&silent).args(["-o", out]).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("the project has no sounds: a WAV (PCM) file of it would be silence"),
        "{}",
        stderr(&o)
    );
    assert_eq!(files_in(dir.path()), ["meter.js", "project.json", "silent.json", "tone.wav"]);
    // A frame range's sound: frames 30-44 are 0.5 s, the tone from their start.
    let o = render(&project, Path::new(out), &["--frames", "30-44"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let sound = ffmpeg_sound(Path::new(out));
    assert_eq!(sound.len(), 24_000);
    assert!(sound[..48].iter().any(|s| s.abs() > 0.1), "the tone starts with frame 30");
}

/// The picture FFmpeg decodes from `path`, as RGBA.
fn ffmpeg_rgba(path: &Path) -> Vec<u8> {
    let o = Command::new("ffmpeg")
        .args(["-v", "error", "-nostdin", "-i"])
        .arg(path)
        .args(["-f", "rawvideo", "-pix_fmt", "rgba", "-"])
        .output()
        .expect("ffmpeg is installed");
    assert!(o.status.success(), "ffmpeg: {}", String::from_utf8_lossy(&o.stderr));
    o.stdout
}

#[test]
fn a_still_is_the_frame_the_page_drew() {
    let (dir, project) = cli::card_project();
    let still = |args: &[&str]| Command::new(cli::bin()).arg("still").arg(&project).args(args).output().unwrap();
    // (extension, how far a decoded colour may be from the page's)
    for (ext, tolerance) in [("png", 0i16), ("jpg", 3), ("webp", 3)] {
        let out = dir.path().join(format!("f.{ext}"));
        let o = still(&["--frame", "5", "-o", out.to_str().unwrap()]);
        assert!(o.status.success(), "{ext}: {}", stderr(&o));
        // Decoded at its own size: the project's.
        let rgba = ffmpeg_rgba(&out);
        assert_eq!(rgba.len(), 64 * 36 * 4, "{ext}: not 64×36");
        let px = |x: usize, y: usize| &rgba[(y * 64 + x) * 4..(y * 64 + x) * 4 + 4];
        for (at, want) in [((4, 4), [255, 255, 255]), ((60, 32), [50, 40, 90])] {
            let got = px(at.0, at.1);
            let off = (0..3).map(|c| (i16::from(got[c]) - want[c]).abs()).max().unwrap();
            assert!(off <= tolerance, "{ext} at {at:?}: {got:?}, the page drew {want:?}");
        }
        if ext == "png" {
            let bytes = std::fs::read(&out).unwrap();
            assert_eq!(&bytes[37..41], b"sRGB", "tagged sRGB");
        }
    }
    let refused = |args: &[&str], words: &str| {
        let o = still(args);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(words), "{args:?}: {}", stderr(&o));
    };
    let late = dir.path().join("late.png");
    refused(
        &["--frame", "10", "-o", late.to_str().unwrap()],
        "--frame 10 is past the end: the project's frames are 0 to 9",
    );
    let gif = dir.path().join("f.gif");
    refused(&["--frame", "1", "-o", gif.to_str().unwrap()], "a still is a .png, .jpg or .webp file");
    assert_eq!(files_in(dir.path()), ["c.js", "f.jpg", "f.png", "f.webp", "p.json"]);
}
