//! The formats for editors and the web beside MP4/WebM/GIF, through the binary: `mp4-hevc`,
//! `webm-vp9`, `prores` (each ProRes profile family) rendered from a tiny project with a sound,
//! decoded back with ffprobe/FFmpeg (codec, `hvc1` tag, ProRes profile, pixel format, size,
//! frames in order, duration, sound codec, BT.709 limited-range tags); the same in 2 chunks,
//! joined; `--gif-loops`, `--gif-fps`; and the options refused before anything renders (exit 2, the option
//! named).

#[path = "support/cli.rs"]
mod cli;

use bazaar_core::{probe, synth};
use cli::{bin, files_in, render, repo, stderr};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const FRAMES: u64 = 8;

/// 320×180 at 30 fps, 8 frames each showing its index, and a 1 s tone.
fn fixture() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(repo("tests/fixtures/indexed/indexed.js"), dir.path().join("indexed.js")).unwrap();
    synth::write_wav(&dir.path().join("tone.wav"), 48000, 1.0, |t| {
        0.3 * (2.0 * std::f64::consts::PI * 440.0 * t).sin()
    })
    .unwrap();
    std::fs::write(
        dir.path().join("project.json"),
        r##"{ "version": 1, "width": 320, "height": 180, "fps": 30, "compositions": { "Indexed": "./indexed.js" },
             "audio": [ { "src": "tone.wav" } ],
             "scenes": [ { "composition": "Indexed", "durationInFrames": 8, "props": { "start": 0, "color": "#d02020" } } ] }"##,
    )
    .unwrap();
    let project = dir.path().join("project.json");
    (dir, project)
}

/// ffprobe's streams of `file` (frames counted by decoding).
fn streams(file: &Path) -> Vec<Value> {
    let o = Command::new("ffprobe")
        .args(["-v", "error", "-count_frames", "-show_streams", "-show_format", "-of", "json"])
        .arg(file)
        .output()
        .expect("ffprobe is installed (scripts/install-deps.sh)");
    assert!(o.status.success(), "ffprobe {}: {}", file.display(), stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    v["streams"].as_array().cloned().unwrap_or_default()
}

fn field<'a>(s: &'a Value, name: &str) -> &'a str {
    s[name].as_str().unwrap_or("")
}

/// What a file of each format must decode as.
struct Expect {
    codec: &'static str,
    tag: Option<&'static str>,
    profile: Option<&'static str>,
    pix_fmt: &'static str,
    sound: &'static str,
}

/// Checks `file`: its video stream as `e` says, 320×180, every frame there and in order, BT.709
/// limited range; with `sound`, the sound stream's codec and a length near the video's.
fn check_file(file: &Path, e: &Expect, frames: u64, sound: bool) {
    let all = streams(file);
    let video = all.iter().find(|s| field(s, "codec_type") == "video").expect("a video stream");
    let what = format!("{}: {video}", file.display());
    assert_eq!(field(video, "codec_name"), e.codec, "{what}");
    if let Some(tag) = e.tag {
        assert_eq!(field(video, "codec_tag_string"), tag, "{what}");
    }
    if let Some(profile) = e.profile {
        assert_eq!(field(video, "profile"), profile, "{what}");
    }
    assert_eq!(field(video, "pix_fmt"), e.pix_fmt, "{what}");
    assert_eq!((video["width"].as_u64(), video["height"].as_u64()), (Some(320), Some(180)), "{what}");
    assert_eq!(field(video, "nb_read_frames"), frames.to_string(), "{what}");
    for (key, want) in
        [("color_primaries", "bt709"), ("color_transfer", "bt709"), ("color_space", "bt709"), ("color_range", "tv")]
    {
        assert_eq!(field(video, key), want, "{key} of {what}");
    }
    let mut indices = Vec::new();
    let (n, _, _) = probe::decode_frames(file, |_, _, rgba| indices.push(synth::read_index(rgba, 320, 180))).unwrap();
    assert_eq!(n, frames);
    assert_eq!(indices, (0..frames).collect::<Vec<_>>(), "every frame at its place in {}", file.display());
    let info = probe::discover(file).unwrap();
    let want = std::time::Duration::from_nanos(frames * 1_000_000_000 / 30);
    // The file's length is its longest track's: the sound ends on a whole codec frame (AAC's
    // 1024 samples are 21.3 ms), never short.
    let late =
        info.duration.checked_sub(want).unwrap_or_else(|| panic!("{}: {:?} < {want:?}", file.display(), info.duration));
    assert!(late.as_millis() <= 25, "{}: {:?} vs {want:?}", file.display(), info.duration);
    let audio = all.iter().find(|s| field(s, "codec_type") == "audio");
    match (sound, audio) {
        (true, Some(a)) => assert_eq!(field(a, "codec_name"), e.sound, "{}: {a}", file.display()),
        (false, None) => {}
        (want, got) => panic!("{}: sound wanted {want}, found {got:?}", file.display()),
    }
}

fn hevc() -> Expect {
    Expect { codec: "hevc", tag: Some("hvc1"), profile: Some("Main"), pix_fmt: "yuv420p", sound: "aac" }
}
fn vp9() -> Expect {
    Expect { codec: "vp9", tag: None, profile: None, pix_fmt: "yuv420p", sound: "opus" }
}
fn prores(profile: &'static str, pix_fmt: &'static str) -> Expect {
    Expect { codec: "prores", tag: None, profile: Some(profile), pix_fmt, sound: "pcm_s24le" }
}

const SMALL: [&str; 4] = ["--quality", "low", "--size", "320x180"];

#[test]
fn each_new_format_renders_and_decodes_back() {
    let (dir, project) = fixture();
    // FFmpeg decodes every 4444 ProRes as 12-bit (its decoder's output); 4:2:2 as 10-bit.
    let cases: [(&str, &[&str], Expect); 4] = [
        ("hevc.mp4", &["--format", "mp4-hevc"], hevc()),
        ("vp9.webm", &["--format", "webm-vp9"], vp9()),
        ("hq.mov", &[], prores("HQ", "yuv422p10le")),
        ("alpha.mov", &["--prores-profile", "4444"], prores("4444", "yuva444p12le")),
    ];
    for (name, extra, expect) in cases {
        let out = dir.path().join(name);
        let o = render(&project, &out, &[SMALL.as_slice(), extra].concat());
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        check_file(&out, &expect, FRAMES, true);
    }
}

#[test]
fn gif_loops_sets_the_loop_count() {
    let (dir, project) = fixture();
    for (loops, want) in [(None, 0u16), (Some("3"), 3)] {
        let out = dir.path().join("loops.gif");
        let extra: Vec<&str> = loops.map(|n| vec!["--gif-loops", n]).unwrap_or_default();
        let o = render(&project, &out, &[SMALL.as_slice(), &extra].concat());
        assert!(o.status.success(), "{}", stderr(&o));
        let bytes = std::fs::read(&out).unwrap();
        let at = bytes.windows(11).position(|w| w == b"NETSCAPE2.0").expect("a loop block") + 11;
        assert_eq!(bytes[at..at + 2], [3, 1], "the loop sub-block");
        assert_eq!(u16::from_le_bytes([bytes[at + 2], bytes[at + 3]]), want, "{loops:?}");
    }
}

/// `--gif-fps` replaces the quality's rate (10 at `low`), never above the project's: the GIF
/// keeps the project's length whatever its rate.
#[test]
fn gif_fps_sets_the_gif_s_frame_rate() {
    let (dir, project) = fixture();
    // 8 frames at 30 fps: at 15 fps every second one (4), at 50 the project's own 30 (8).
    for (fps, want) in [("15", "4"), ("50", "8")] {
        let out = dir.path().join("rate.gif");
        let o = render(&project, &out, &[SMALL.as_slice(), &["--quality", "low", "--gif-fps", fps]].concat());
        assert!(o.status.success(), "{}", stderr(&o));
        let video = streams(&out).into_iter().find(|s| field(s, "codec_type") == "video").expect("a picture stream");
        assert_eq!(field(&video, "nb_read_frames"), want, "--gif-fps {fps}: {video}");
    }
}

#[test]
fn bad_format_options_are_refused_before_rendering() {
    let (dir, project) = fixture();
    let refused = |out: &str, extra: &[&str], words: &str| {
        let o = render(&project, &dir.path().join(out), extra);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(words), "{extra:?}: {}", stderr(&o));
        assert_eq!(files_in(dir.path()), ["indexed.js", "project.json", "tone.wav"], "{extra:?}");
    };
    refused(
        "a.mp4",
        &["--format", "mp4-av1"],
        "unknown format \"mp4-av1\": use mp4, mp4-hevc, webm, webm-vp9, prores, gif",
    );
    refused("a.mov", &["--prores-profile", "xq"], "unknown ProRes profile \"xq\"");
    refused("a.mov", &["--prores-profile", "xq"], "--prores-profile");
    refused("a.mp4", &["--prores-profile", "4444"], "--prores-profile goes with --format prores");
    refused("a.gif", &["--gif-loops", "-1"], "--gif-loops");
    refused("a.gif", &["--gif-loops", "70000"], "from 0 (forever) to 65535");
    refused("a.mp4", &["--gif-loops", "2"], "--gif-loops goes with --format gif");
    refused("a.gif", &["--gif-fps", "60"], "give a frame rate from 1 to 50");
    refused("a.gif", &["--gif-fps", "0"], "--gif-fps");
    refused("a.webm", &["--gif-fps", "12"], "--gif-fps goes with --format gif");
    // batch takes the same options, refused the same way.
    let rows = dir.path().join("rows.csv");
    std::fs::write(&rows, "n\n1\n").unwrap();
    let o = Command::new(bin())
        .arg("batch")
        .arg(&project)
        .args(["--rows", rows.to_str().unwrap(), "--out-dir", dir.path().to_str().unwrap()])
        .args(["--format", "webm-vp9", "--prores-profile", "lt"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--prores-profile goes with --format prores"), "{}", stderr(&o));
}

#[test]
fn new_formats_render_in_two_chunks_and_join() {
    let (dir, project) = fixture();
    let cases: [(&str, &str, Expect); 3] = [
        ("mp4-hevc", "joined.mp4", hevc()),
        ("webm-vp9", "joined.webm", vp9()),
        ("prores", "joined.mov", prores("HQ", "yuv422p10le")),
    ];
    for (format, name, expect) in cases {
        let chunks = dir.path().join(format);
        std::fs::create_dir(&chunks).unwrap();
        for part in ["1/2", "0/2"] {
            let o = Command::new(bin())
                .arg("render")
                .arg(&project)
                .args(["--chunk", part, "--chunk-dir", chunks.to_str().unwrap(), "--format", format])
                .args(SMALL)
                .env("BAZAAR_FRAME_TIMEOUT_SECS", "120")
                .output()
                .unwrap();
            assert!(o.status.success(), "{format} chunk {part}: {}", stderr(&o));
        }
        let out = dir.path().join(name);
        let o = Command::new(bin()).arg("join").arg(&chunks).arg("-o").arg(&out).output().unwrap();
        assert!(o.status.success(), "{format} join: {}", stderr(&o));
        check_file(&out, &expect, FRAMES, true);
    }
}
