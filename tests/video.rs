//! Video clips end to end through the binary: `VideoClip` scenes (trimStart, playbackRate 2 and
//! 0.5, loop, a variable-rate clip, B-frames in a long GOP) and a composition that asks its clip
//! for 5 s then 1 s, every exported frame checked to show the source frame the frame rule picks
//! (the truth: FFmpeg's list of the clip's times); the clip's sound in the mix; bad clips named
//! by `check` at their JSON path. Clips are generated into a copy of `tests/fixtures/video/`.

#[path = "support/cli.rs"]
mod cli;

use bazaar_core::{probe, synth};
use cli::{bin, check_refused, render, render_command, repo, stderr};
use std::path::PathBuf;
use std::process::Command;

const W: u32 = 192;
const H: u32 = 108;

fn fixture() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    for f in ["project.json", "jumpy.js"] {
        std::fs::copy(repo(&format!("tests/fixtures/video/{f}")), dir.path().join(f)).unwrap();
    }
    let clips = dir.path().join("clips");
    std::fs::create_dir(&clips).unwrap();
    let make = |name: &str, rate: &str, frames: u64, extra: &[&str]| {
        synth::encode_clip(&clips.join(name), W, H, rate, frames, extra).unwrap()
    };
    // 29.97 fps with a sound: a 1 kHz beep from 1.0 s to 1.3 s.
    beep_clip(&clips.join("c2997.mp4"), "30000/1001");
    make("gop.mp4", "30", 150, &["-c:v", "libx264", "-bf", "3", "-g", "300", "-keyint_min", "300"]);
    make("c25.mp4", "25", 100, &["-c:v", "libx264"]);
    make("vfr.mkv", "25", 60, synth::VFR_X264);
    make("c60.webm", "60", 400, &["-c:v", "libvpx"]);
    let project = dir.path().join("project.json");
    (dir, project)
}

/// A 90-frame clip at `rate` whose sound is a 1 kHz beep from 1.0 s to 1.3 s (AAC).
fn beep_clip(path: &std::path::Path, rate: &str) {
    let beep = "aevalsrc='if(between(t,1,1.3),0.5*sin(2*PI*1000*(t-1)),0)':s=48000:d=3";
    let args = ["-f", "lavfi", "-i", beep, "-shortest", "-c:v", "libx264", "-c:a", "aac"];
    synth::encode_clip(path, W, H, rate, 90, &args).unwrap();
}

/// (clip, trimStart, playbackRate, loop) of each scene, and the Jumpy scene's clip.
const SCENES: [(&str, f64, f64, bool); 4] = [
    ("c2997.mp4", 0.5, 1.0, false),
    ("gop.mp4", 0.0, 2.0, false),
    ("c25.mp4", 3.0, 2.0, true),
    ("vfr.mkv", 0.2, 0.5, false),
];

/// The `VideoClip` scenes' frames are made by the app (`video::direct`); the Jumpy scene's by
/// the page.
#[test]
fn every_exported_frame_shows_the_source_frame_the_rule_picks() {
    exported_frames_follow_the_rule(false);
}

/// With the speed tricks off, the page draws every frame, clips included.
#[test]
fn every_frame_drawn_by_the_page_shows_the_source_frame_the_rule_picks() {
    exported_frames_follow_the_rule(true);
}

fn exported_frames_follow_the_rule(page_only: bool) {
    let (dir, project) = fixture();
    let out = dir.path().join("clips.mp4");
    let mut c = render_command(&project, &out, &["--quality", "low", "--stats"], 120);
    if page_only {
        c.env("BAZAAR_NO_SPEED_TRICKS", "1");
    }
    let o = c.output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let made_by_app = if page_only { None } else { Some(120) };
    assert_eq!(direct_frames(&stderr(&o)), made_by_app, "{}", stderr(&o));
    let info = probe::discover(&out).unwrap();
    let (w, h) = (info.width, info.height);
    let mut shown = Vec::new();
    probe::decode_frames(&out, |_, _, rgba| shown.push(synth::read_index(rgba, w, h) as usize)).unwrap();
    assert_eq!(shown.len(), 140);
    let mut expected = Vec::new();
    for (clip, trim, rate, looped) in SCENES {
        let path = dir.path().join("clips").join(clip);
        let times = synth::presentation_times(&path).unwrap();
        let duration = probe::discover(&path).unwrap().duration.as_secs_f64();
        for n in 0..30 {
            let mut t = trim + f64::from(n) * rate / 30.0;
            if looped {
                t = trim + (t - trim) % (duration - trim);
            }
            expected.push(synth::nearest_frame(&times, t));
        }
    }
    let times = synth::presentation_times(&dir.path().join("clips/c60.webm")).unwrap();
    expected.extend((0..20).map(|n| synth::nearest_frame(&times, 1.0 + f64::from(n) / 30.0)));
    let wrong: Vec<String> = shown
        .iter()
        .zip(&expected)
        .enumerate()
        .filter(|(_, (s, e))| s != e)
        .map(|(i, (s, e))| format!("output frame {i} (scene {}): shows {s}, the rule says {e}", i / 30))
        .collect();
    assert!(wrong.is_empty(), "{} of 140 frames wrong:\n{}", wrong.len(), wrong.join("\n"));
    // The 29.97 clip's beep (1.0 s into it) is heard 0.5 s into the video (trimStart 0.5).
    let sound = probe::decode_sound(&out).unwrap();
    let onset = sound.iter().position(|s| s.abs() > 0.1).expect("the clip's sound is heard") as f64 / 48.0;
    assert!((onset - 500.0).abs() < 1.5, "the clip's beep is heard at {onset} ms");
}

/// A clip played at another rate is heard at that rate, on its picture: a beep 1.0 s into the
/// clip, 0.3 s long, at 1 kHz, played from 0.2 s at twice the speed starts 0.4 s into the
/// video, lasts 0.15 s at 2 kHz; at half the speed, 1.6 s in, 0.6 s at 500 Hz.
#[test]
fn a_clip_at_another_rate_is_heard_at_that_rate_on_its_picture() {
    let dir = tempfile::tempdir().unwrap();
    beep_clip(&dir.path().join("beep.mp4"), "30");
    for (rate, onset_ms, length_ms, hz) in [(2.0, 400.0, 150.0, 2000.0), (0.5, 1600.0, 600.0, 500.0)] {
        let project = dir.path().join("project.json");
        std::fs::write(
            &project,
            format!(
                r#"{{ "version": 1, "width": 192, "height": 108, "fps": 30, "scenes": [
                     {{ "composition": "VideoClip", "durationInFrames": 75, "props": {{ "src": "beep.mp4", "trimStart": 0.2, "playbackRate": {rate} }} }} ] }}"#
            ),
        )
        .unwrap();
        let out = dir.path().join("out.webm");
        let o = render(&project, &out, &["--quality", "low"]);
        assert!(o.status.success(), "{}", stderr(&o));
        let sound = probe::decode_sound(&out).unwrap();
        let loud: Vec<usize> = sound.iter().enumerate().filter(|(_, s)| s.abs() > 0.1).map(|(i, _)| i).collect();
        let (first, last) = (loud[0] as f64 / 48.0, *loud.last().unwrap() as f64 / 48.0);
        assert!((first - onset_ms).abs() < 2.0, "rate {rate}: the beep starts at {first} ms, not {onset_ms}");
        assert!(
            (last - first - length_ms).abs() < 3.0,
            "rate {rate}: the beep lasts {} ms, not {length_ms}",
            last - first
        );
        // Its pitch, from the zero crossings inside it.
        let beep = &sound[loud[0]..*loud.last().unwrap()];
        let crossings = beep.windows(2).filter(|w| (w[0] < 0.0) != (w[1] < 0.0)).count() as f64;
        let measured = crossings / 2.0 / (beep.len() as f64 / 48000.0);
        assert!((measured - hz).abs() < hz * 0.03, "rate {rate}: the beep is at {measured} Hz, not {hz}");
    }
}

/// How many frames `render --stats` says the app made itself.
fn direct_frames(stats: &str) -> Option<u64> {
    let line = stats.lines().find(|l| l.contains("frames made by the app"))?;
    line.rsplit(':').next()?.trim().parse().ok()
}

/// Frames the app makes and frames the page draws agree: a 4:3 clip covering a 16:9 frame
/// (cropped top and bottom, scaled up), the same clip contained (bars: the page's), a crossfade
/// into a stretched clip (the page mixes the crossfade, the app makes the rest). Rendered both
/// ways, every frame shows the same source frame and the pictures match.
#[test]
fn frames_made_by_the_app_match_the_frames_the_page_draws() {
    let dir = tempfile::tempdir().unwrap();
    synth::encode_clip(&dir.path().join("four-three.mp4"), 256, 192, "25", 75, &["-c:v", "libx264"]).unwrap();
    synth::encode_clip(&dir.path().join("wide.mp4"), 192, 108, "30", 60, &["-c:v", "libx264"]).unwrap();
    std::fs::write(
        dir.path().join("project.json"),
        r##"{ "version": 1, "width": 384, "height": 216, "fps": 30, "scenes": [
             { "composition": "VideoClip", "durationInFrames": 30, "props": { "src": "four-three.mp4" } },
             { "composition": "VideoClip", "durationInFrames": 20, "props": { "src": "four-three.mp4", "fit": "contain", "background": "#224" } },
             { "composition": "VideoClip", "durationInFrames": 30, "transition": { "type": "crossfade", "durationInFrames": 10 },
               "props": { "src": "wide.mp4", "fit": "fill", "trimStart": 0.4 } } ] }"##,
    )
    .unwrap();
    let project = dir.path().join("project.json");
    let run = |page_only: bool| {
        let out = dir.path().join(if page_only { "page.mp4" } else { "app.mp4" });
        let mut c = render_command(&project, &out, &["--quality", "low", "--stats"], 120);
        if page_only {
            c.env("BAZAAR_NO_SPEED_TRICKS", "1");
        }
        let o = c.output().unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        let mut frames = Vec::new();
        probe::decode_frames(&out, |_, _, rgba| frames.push(rgba.to_vec())).unwrap();
        (frames, direct_frames(&stderr(&o)))
    };
    // Not equal: the app scales the decoded YUV (videoscale), the page the RGBA it draws (its
    // canvas); 33 dB at worst when measured, on hard-edged pictures scaled up 3 to 7 times.
    let (app, made) = run(false);
    let (page, none) = run(true);
    // Scene 1 (30 frames) and scene 3 after its crossfade (20): the contained clip and the
    // crossfade are the page's.
    assert_eq!((made, none), (Some(50), None));
    assert_eq!((app.len(), page.len()), (80, 80));
    let info = probe::discover(&dir.path().join("app.mp4")).unwrap();
    let (w, h) = (info.width, info.height);
    let times = synth::presentation_times(&dir.path().join("four-three.mp4")).unwrap();
    let wide = synth::presentation_times(&dir.path().join("wide.mp4")).unwrap();
    let index = |f: &Vec<u8>| synth::read_index(f, w, h) as usize;
    let (mut by_app, mut by_page, mut by_rule) = (Vec::new(), Vec::new(), Vec::new());
    for (i, (a, p)) in app.iter().zip(&page).enumerate() {
        let psnr = probe::psnr(a, p);
        assert!(psnr > 30.0, "output frame {i}: the app's and the page's pictures differ (PSNR {psnr:.1} dB)");
        let expected = match i {
            0..30 => synth::nearest_frame(&times, i as f64 / 30.0),
            60..80 => synth::nearest_frame(&wide, 0.4 + (i - 50) as f64 / 30.0),
            _ => continue, // bars, or a mix of two frames
        };
        by_rule.push(expected);
        by_app.push(index(a));
        by_page.push(index(p));
    }
    assert_eq!(by_app, by_rule, "the frames the app made (frames 0-29, 60-79)");
    assert_eq!(by_page, by_rule, "the frames the page drew (frames 0-29, 60-79)");
}

#[test]
fn check_names_each_bad_clip_at_its_json_path() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.mp4"), "not a video\n".repeat(100)).unwrap();
    let made = Command::new("ffmpeg")
        .args(["-v", "error", "-f", "lavfi", "-i", "sine=d=1"])
        .arg(dir.path().join("tone.wav"))
        .status()
        .unwrap();
    assert!(made.success());
    synth::encode_clip(&dir.path().join("ok.mp4"), W, H, "25", 25, &["-c:v", "libx264"]).unwrap();
    std::fs::write(
        dir.path().join("project.json"),
        r#"{ "version": 1, "width": 192, "height": 108, "scenes": [
             { "composition": "VideoClip", "durationInFrames": 10, "props": { "src": "notes.mp4" } },
             { "composition": "VideoClip", "durationInFrames": 10, "props": { "src": "tone.wav" } },
             { "composition": "VideoClip", "durationInFrames": 10, "props": { "src": "gone.mp4" } },
             { "composition": "VideoClip", "durationInFrames": 10, "props": { "src": "ok.mp4", "fit": "stretch", "playbackRate": 0 } },
             { "composition": "VideoClip", "durationInFrames": 10, "props": { "src": "ok.mp4" } } ] }"#,
    )
    .unwrap();
    let check = |env: &[(&str, &str)]| check_refused(&dir.path().join("project.json"), env);
    let text = check(&[]);
    assert!(text.contains("scenes[2].props.src: \"gone.mp4\" does not exist"), "{text}");
    assert!(text.contains("scenes[3].props.fit: must be \"cover\", \"contain\" or \"fill\""), "{text}");
    assert!(text.contains("scenes[3].props.playbackRate: must be a speed above 0"), "{text}");
    std::fs::write(
        dir.path().join("project.json"),
        r#"{ "version": 1, "width": 192, "height": 108, "scenes": [
             { "composition": "VideoClip", "durationInFrames": 10, "props": { "src": "notes.mp4" } },
             { "composition": "VideoClip", "durationInFrames": 10, "props": { "src": "tone.wav" } },
             { "composition": "VideoClip", "durationInFrames": 10, "props": { "src": "ok.mp4" } } ] }"#,
    )
    .unwrap();
    let text = check(&[]);
    assert!(text.contains("scenes[0].props.src: notes.mp4 is not a video"), "{text}");
    assert!(text.contains("scenes[1].props.src: tone.wav has no picture"), "{text}");
    assert!(!text.contains("scenes[2]"), "{text}");
    // H.264 with its decoders switched off names the package to install.
    let text = check(&[("GST_PLUGIN_FEATURE_RANK", "avdec_h264:NONE,openh264dec:NONE")]);
    assert!(text.contains("scenes[2].props.src: ok.mp4 is H.264 (video/x-h264), which no installed GStreamer plugin decodes: install the Debian package gstreamer1.0-libav"), "{text}");
}

#[test]
fn a_clip_cut_short_fails_the_export_naming_it_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("cut.mp4");
    synth::encode_clip(&clip, W, H, "30", 90, &["-c:v", "libx264", "-movflags", "+faststart"]).unwrap();
    let bytes = std::fs::read(&clip).unwrap();
    std::fs::write(&clip, &bytes[..bytes.len() / 2]).unwrap();
    std::fs::write(
        dir.path().join("project.json"),
        r#"{ "version": 1, "width": 192, "height": 108, "scenes": [
             { "composition": "TitleCard", "durationInFrames": 10 },
             { "composition": "VideoClip", "durationInFrames": 90, "props": { "src": "cut.mp4" } } ] }"#,
    )
    .unwrap();
    let out = dir.path().join("out.mp4");
    let o = render(&dir.path().join("project.json"), &out, &["--quality", "low"]);
    let text = stderr(&o);
    assert!(!o.status.success(), "the export of a cut clip succeeded");
    assert!(text.contains("cut.mp4") && text.contains("cut short") && text.contains("scene 2 (VideoClip)"), "{text}");
    assert!(!out.exists());
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(left.iter().all(|f| !f.contains("bazaar-part")), "{left:?}");
}

#[path = "support/webdriver.rs"]
mod webdriver;

/// The window's preview decodes clips the same way: scrubbed to a frame of a `VideoClip` scene,
/// it shows the very source frame the export shows there.
#[test]
fn the_scrubbed_preview_shows_the_exported_clip_frame() {
    let (dir, project) = fixture();
    let driver = webdriver::Driver::start();
    let s = driver.session(std::path::Path::new(bin()), &[project.to_str().unwrap()], "");
    s.wait(30, "the preview to be ready", |s| {
        s.js("return document.getElementById('preview-scrubber').max;", serde_json::json!([]))
            .as_str()
            .filter(|m| *m == "139")
            .map(|_| ())
    });
    let times = synth::presentation_times(&dir.path().join("clips/c2997.mp4")).unwrap();
    let gop = synth::presentation_times(&dir.path().join("clips/gop.mp4")).unwrap();
    for (frame, expected) in [
        (10u64, synth::nearest_frame(&times, 0.5 + 10.0 / 30.0)),
        (45, synth::nearest_frame(&gop, 15.0 * 2.0 / 30.0)),
        (3, synth::nearest_frame(&times, 0.5 + 3.0 / 30.0)),
    ] {
        let probe = s.preview_frame(frame);
        assert_eq!(probe["index"], serde_json::json!(expected), "project frame {frame}: {probe}");
    }
}

/// A clip larger than the picture it is drawn into (640×360 into a 480×270 GIF) is scaled down
/// in the app before it is sent, and still shows the frames the rule picks.
#[test]
fn a_clip_drawn_smaller_than_it_is_is_scaled_and_still_exact() {
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("big.mp4");
    synth::encode_clip(&clip, 640, 360, "25", 60, &["-c:v", "libx264"]).unwrap();
    std::fs::write(
        dir.path().join("project.json"),
        r#"{ "version": 1, "width": 640, "height": 360, "fps": 30, "scenes": [
             { "composition": "VideoClip", "durationInFrames": 60, "props": { "src": "big.mp4" } } ] }"#,
    )
    .unwrap();
    let out = dir.path().join("out.gif");
    let o = render(&dir.path().join("project.json"), &out, &["--quality", "low"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let info = probe::discover(&out).unwrap();
    assert_eq!((info.width, info.height), (480, 270));
    let mut shown = Vec::new();
    probe::decode_frames(&out, |_, _, rgba| shown.push(synth::read_index(rgba, 480, 270) as usize)).unwrap();
    let times = synth::presentation_times(&clip).unwrap();
    // 10 fps: GIF frame j shows project frame 3j, at 3j / 30 s.
    let expected: Vec<usize> = (0..shown.len()).map(|j| synth::nearest_frame(&times, (3 * j) as f64 / 30.0)).collect();
    assert_eq!(shown, expected);
}
