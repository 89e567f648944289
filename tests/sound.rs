//! Sound end to end through the real binary: a project's sounds mixed into the MP4's AAC and
//! the WebM's Opus track at their frames, the compositions' `audio` argument following the mix
//! frame by frame, a GIF of a project with sound, and bad sound files refused by `check` with
//! their JSON paths. The sound files are synthesised into a copy of `tests/fixtures/sound/`.

#[path = "support/cli.rs"]
mod cli;

use bazaar_core::probe;
use cli::{bin, check_refused, render, repo, stderr};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The preview test measures timing: the other tests here (renders) must not share the CPU with
/// it, so the tests of this file run one at a time.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

/// A WAV fixture (see `synth::write_wav`).
fn wav(path: &Path, rate: u32, seconds: f64, f: impl Fn(f64) -> f64) {
    bazaar_core::synth::write_wav(path, rate, seconds, f).unwrap();
}

/// The fixture in a temp folder, with `tone.wav`: 1 kHz at half scale, 2 s, 44.1 kHz.
fn fixture() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    for f in ["project.json", "meter.js"] {
        std::fs::copy(repo(&format!("tests/fixtures/sound/{f}")), dir.path().join(f)).unwrap();
    }
    wav(&dir.path().join("tone.wav"), 44100, 2.0, |t| 0.5 * (2.0 * std::f64::consts::PI * 1000.0 * t).sin());
    let project = dir.path().join("project.json");
    (dir, project)
}

/// Each decoded frame's grey level (a pixel below the band cells) and whether the band cell
/// holding 1 kHz (band 4 of 8, 686–1500 Hz) is lit red.
fn meter_readings(path: &Path) -> Vec<(u8, bool)> {
    let info = probe::discover(path).unwrap();
    let (w, h) = (info.width as usize, info.height as usize);
    let px = |rgba: &[u8], x: usize, y: usize| -> [u8; 3] {
        let o = (y * w + x) * 4;
        [rgba[o], rgba[o + 1], rgba[o + 2]]
    };
    let mut out = Vec::new();
    probe::decode_frames(path, |_, _, rgba| {
        let grey = px(rgba, w / 2, h * 3 / 4)[1];
        let band = px(rgba, w * 9 / 32, h / 16);
        out.push((grey, band[0] > 150 && band[1] < 90));
    })
    .unwrap();
    out
}

#[test]
fn sounds_are_in_the_file_at_their_frames_and_compositions_hear_them() {
    let _one = one_at_a_time();
    let (dir, project) = fixture();
    for (ext, codec) in [("mp4", "audio/mpeg"), ("webm", "audio/x-opus")] {
        let out = dir.path().join(format!("meter.{ext}"));
        let o = render(&project, &out, &["--quality", "low"]);
        assert!(o.status.success(), "{ext}: {}", stderr(&o));
        let track = probe::discover_sound(&out).unwrap().expect("a sound track");
        assert_eq!((track.codec.as_str(), track.rate, track.channels), (codec, 48000, 2), "{ext}");
        // The tone starts with scene 1, at frame 30: 1 s. Heard there within 1 ms, and it
        // stops after its 15 frames (1.5 s).
        let sound = probe::decode_sound(&out).unwrap();
        let first = sound.iter().position(|s| s.abs() > 0.1).expect("the tone is heard") as f64 / 48.0;
        let last = sound.iter().rposition(|s| s.abs() > 0.1).unwrap() as f64 / 48.0;
        assert!((first - 1000.0).abs() < 1.0, "{ext}: the tone starts at {first} ms");
        assert!((last - 1500.0).abs() < 2.0, "{ext}: the tone ends at {last} ms");
        assert!((sound.len() as f64 / 48000.0 - 2.0).abs() <= 1024.0 / 48000.0, "{ext}: {} samples", sound.len());
        // The composition saw the mix: dark while silent, grey (≈0.35 × 400) while the tone
        // plays, dark again after; its 1 kHz band lit only then.
        let frames = meter_readings(&out);
        assert_eq!(frames.len(), 60);
        for (i, &(grey, band)) in frames.iter().enumerate() {
            let (expected, lit) = match i {
                31..=43 => (100..=175, Some(true)),
                0..=28 | 47.. => (0..=20, Some(false)),
                _ => (0..=255, None), // the window centred on a frame reaches into its neighbours
            };
            assert!(expected.contains(&grey), "{ext}: frame {i} is grey {grey}, expected {expected:?}");
            assert!(lit.is_none_or(|l| l == band), "{ext}: frame {i}: the 1 kHz band lit {band}");
        }
    }
}

#[test]
fn a_frame_range_gets_the_sound_of_those_frames() {
    let _one = one_at_a_time();
    let (dir, project) = fixture();
    let out = dir.path().join("range.mp4");
    // Frames 20-49: the tone (project frames 30-44) starts 10 frames in and lasts 15.
    let o = render(&project, &out, &["--quality", "low", "--frames", "20-49"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let sound = probe::decode_sound(&out).unwrap();
    let first = sound.iter().position(|s| s.abs() > 0.1).expect("the tone is heard") as f64 / 48.0;
    let last = sound.iter().rposition(|s| s.abs() > 0.1).unwrap() as f64 / 48.0;
    assert!((first - 333.333).abs() < 1.0 && (last - 833.333).abs() < 2.0, "heard from {first} to {last} ms");
    assert!((sound.len() as f64 / 48000.0 - 1.0).abs() <= 1024.0 / 48000.0, "{} samples", sound.len());
}

#[test]
fn a_gif_of_a_project_with_sound_is_made_and_still_hears_it() {
    let _one = one_at_a_time();
    let (dir, project) = fixture();
    let out = dir.path().join("meter.gif");
    let o = render(&project, &out, &["--quality", "low"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // 10 fps: frames 10-14 show the tone's second (1.0-1.5 s).
    let frames = meter_readings(&out);
    assert_eq!(frames.len(), 20);
    assert!(frames[11].0 > 100 && frames[11].1, "{:?}", frames[11]);
    assert!(frames[5].0 < 20 && !frames[5].1 && frames[17].0 < 20, "{frames:?}");
}

#[test]
fn check_names_each_bad_sound_file_at_its_json_path() {
    let _one = one_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.mp3"), "not a sound\n".repeat(100)).unwrap();
    wav(&dir.path().join("short.wav"), 48000, 0.5, |_| 0.1);
    let ogg = dir.path().join("tick.ogg");
    let made = Command::new("ffmpeg")
        .args(["-v", "error", "-f", "lavfi", "-i", "sine=f=800:d=0.3", "-c:a", "libvorbis"])
        .arg(&ogg)
        .status()
        .unwrap();
    assert!(made.success());
    std::fs::write(
        dir.path().join("project.json"),
        r#"{ "version": 1, "audio": [ { "src": "notes.mp3" }, { "src": "short.wav", "trimStart": 2 } ],
             "scenes": [ { "composition": "TitleCard", "durationInFrames": 30,
                           "audio": [ { "src": "tick.ogg" }, { "src": "gone.wav" }, { "src": "short.wav", "volume": 9 } ] } ] }"#,
    )
    .unwrap();
    let check = |env: &[(&str, &str)]| check_refused(&dir.path().join("project.json"), env);
    // The fields first (the files are looked at once the fields are right).
    let text = check(&[]);
    assert!(text.contains("scenes[0].audio[1].src: \"gone.wav\" does not exist"), "{text}");
    assert!(text.contains("scenes[0].audio[2].volume: must be a gain from 0 to 4"), "{text}");
    std::fs::write(
        dir.path().join("project.json"),
        r#"{ "version": 1, "audio": [ { "src": "notes.mp3" }, { "src": "short.wav", "trimStart": 2 } ],
             "scenes": [ { "composition": "TitleCard", "durationInFrames": 30, "audio": [ { "src": "tick.ogg" } ] } ] }"#,
    )
    .unwrap();
    let text = check(&[]);
    assert!(text.contains("audio[0].src: notes.mp3 is not a sound file"), "{text}");
    assert!(text.contains("audio[1].trimStart: 2 s is past the end of short.wav, which lasts 0.50 s"), "{text}");
    // A format no installed plugin decodes (here: Vorbis, its decoder switched off) names the
    // package to install.
    let text = check(&[("GST_PLUGIN_FEATURE_RANK", "vorbisdec:NONE")]);
    assert!(
        text.contains("scenes[0].audio[0].src: tick.ogg is Ogg Vorbis (audio/x-vorbis), which no installed GStreamer plugin decodes: install the Debian package gstreamer1.0-plugins-base"),
        "{text}"
    );
}

#[path = "support/webdriver.rs"]
mod webdriver;

/// The window lists the sample's sounds (top-level, and under their scenes) with waveform
/// strips, and its preview plays the mix with the sound as the clock: the frame shown follows
/// the sound's position within a frame (on a machine with no sound output, the page says so
/// and plays on silently, on the system clock).
#[test]
fn the_preview_plays_the_sound_and_shows_the_frame_it_has_reached() {
    let _one = one_at_a_time();
    let driver = webdriver::Driver::start();
    let sample = repo("samples/launch-teaser/launch-teaser.bazaar.json");
    let s = driver.session(Path::new(bin()), &[sample.to_str().unwrap()], "");
    s.wait(30, "the sample's sounds and their waveforms", |s| {
        let v = s.js(
            "const top = [...document.querySelectorAll('[data-testid=sound-list] > li')].map(li => [li.dataset.sound, li.querySelector('canvas').dataset.drawn === 'true']);
             const first = document.querySelector('[data-testid=scene-list] > li');
             const scene0 = first ? first.querySelectorAll('.sound').length : 0;
             return { top, scene0 };",
            serde_json::json!([]),
        );
        (v["top"] == serde_json::json!([["audio[0]", true]]) && v["scene0"] == 3).then_some(())
    });
    // The music's strip is not flat: it was drawn from the file's sound.
    let lit = s.js(
        "const c = document.querySelector('[data-testid=sound-list] canvas'); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
         let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n;",
        serde_json::json!([]),
    );
    assert!(lit.as_u64().unwrap_or(0) > 280 * 2, "the waveform strip is nearly empty: {lit}");
    s.wait(30, "the preview's mute button (shown once the preview with sound is ready)", |s| {
        (s.js("return document.getElementById('preview-mute').hidden;", serde_json::json!([]))
            == serde_json::json!(false))
        .then_some(())
    });
    s.click("preview-play");
    // Two series of probes at most: a burst of load from outside (another process on a shared
    // machine) can hold the page's timer back twice in one series, while a preview that lags by
    // itself does so in the next series too. The hard bounds hold for every probe of both.
    let mut series = 0;
    let (source, clocks) = loop {
        series += 1;
        let mut seen = Vec::new();
        for _ in 0..12 {
            std::thread::sleep(std::time::Duration::from_millis(150));
            seen.push(s.probe());
        }
        let source = seen.last().unwrap()["clockSource"].as_str().unwrap_or("").to_string();
        assert!(source == "audio" || source == "timer", "{seen:?}");
        if source == "timer" {
            let note = s.text("preview-sound").unwrap_or_default();
            assert!(note.contains("no sound output"), "a silent preview says so: {note:?}");
        }
        let clocks: Vec<f64> = seen.iter().map(|p| p["clock"].as_f64().unwrap()).collect();
        assert!(clocks.last().unwrap() - clocks[2] > 10.0, "the clock ({source}) advances: {clocks:?}");
        // The sound is in frame floor(clock); the picture shows that frame or the one before. A
        // probe lands at any moment, and now and then (about one in forty, measured) the page's
        // next draw is a few milliseconds late: one probe of the ten may find the picture two
        // frames behind, never more, and never ahead.
        let mut late = Vec::new();
        for p in &seen[2..] {
            let (clock, frame) = (p["clock"].as_f64().unwrap(), p["frame"].as_f64().unwrap());
            let behind = clock.floor() - frame;
            assert!(
                (0.0..=2.0).contains(&behind),
                "frame {frame} shown at the sound's frame {clock:.2} ({source}): {p}"
            );
            if behind > 1.0 {
                late.push(p.to_string());
            }
        }
        if late.len() <= 1 {
            break (source, clocks);
        }
        assert!(series < 2, "the picture fell two frames behind the sound more than once, in two series: {late:?}");
        eprintln!("one series of probes found the picture two frames behind more than once: {late:?}");
    };
    // Mute silences the sound, and the picture goes on following it.
    s.click("preview-mute");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let p = s.probe();
    assert_eq!(p["muted"], serde_json::json!(true), "{p}");
    assert!(p["clock"].as_f64().unwrap() > clocks.last().unwrap() + 3.0, "playing on after mute: {p}");
    assert_eq!(s.text("preview-mute").as_deref(), Some("Unmute"));
    // The export panel says what becomes of the sound in each format.
    s.open_export_panel();
    let note = |format: &str| {
        s.choose(&[("export-format", format), ("export-quality", "high")]);
        s.wait(10, "the export panel's sound note", |s| s.text("export-sound"))
    };
    assert_eq!(note("mp4"), "with sound: AAC-LC 192 kbit/s, 48 kHz stereo");
    assert_eq!(note("webm"), "with sound: Opus 192 kbit/s, 48 kHz stereo");
    assert!(note("gif").starts_with("GIF has no sound"));
    if let Some(path) = std::env::var_os("BAZAAR_SCREENSHOT") {
        s.screenshot(Path::new(&path));
    }
    eprintln!("preview clock: {source}");
}
