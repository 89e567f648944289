//! Sound in exports: placement to the sample in MP4 and WebM for every source format (decoded
//! by GStreamer and by FFmpeg), gains and fades per sample, loops, trims, scene ends, joins,
//! determinism, length, and broken files. Fixtures are synthesised here (WAV written directly,
//! the other formats encoded from it by FFmpeg), so nothing is downloaded or shipped.

use bazaar_core::audio::feed::{self, OutputFrames, Outputs};
use bazaar_core::audio::{inspect, AudioClip, Mixer, Timeline, Volume};
use bazaar_core::encode::{EncodeError, EncodeSettings, Encoder, Format, Quality};
use bazaar_core::{probe, CancelToken};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

const FPS: u32 = 30;
const W: u32 = 64;
const H: u32 = 64;

/// A WAV fixture (see `synth::write_wav`).
fn wav(path: &Path, rate: u32, seconds: f64, f: impl Fn(f64) -> f64) {
    bazaar_core::synth::write_wav(path, rate, seconds, f).unwrap();
}

/// A half-scale 1 kHz beep that starts exactly at `onset` seconds and lasts 0.3 s.
fn beep(onset: f64) -> impl Fn(f64) -> f64 {
    move |t| {
        if t >= onset && t < onset + 0.3 {
            0.5 * (2.0 * std::f64::consts::PI * 1000.0 * (t - onset)).sin()
        } else {
            0.0
        }
    }
}

/// Re-encodes a WAV with FFmpeg (`args` pick the codec).
fn convert(wav: &Path, out: &Path, args: &[&str]) {
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-i"])
        .arg(wav)
        .args(args)
        .arg(out)
        .status()
        .expect("ffmpeg is installed (scripts/install-deps.sh)");
    assert!(status.success(), "ffmpeg could not make {}", out.display());
}

fn clip(path: &Path, at: u64) -> AudioClip {
    AudioClip {
        json_path: "audio[0]".into(),
        src: path.file_name().unwrap().to_string_lossy().into(),
        ..AudioClip::whole_file(path, at)
    }
}

/// Exports `frames` black frames with `clips` as the sound; returns the file.
fn export(clips: &[AudioClip], frames: u64, format: Format, dest: &Path) -> Result<PathBuf, EncodeError> {
    let clips: Vec<AudioClip> = clips.iter().map(|c| AudioClip { until: c.until.min(frames), ..c.clone() }).collect();
    let settings = EncodeSettings {
        format,
        quality: Quality::Low,
        width: W,
        height: H,
        fps: FPS,
        total_frames: frames,
        duration: None,
        input: Format::Mp4.profile().input,
        audio: true,
        prores_profile: Default::default(),
        gif_loops: 0,
        keep_alpha: false,
    };
    let cancel = CancelToken::new();
    let mut enc = Encoder::start(settings, dest, cancel.clone(), Arc::new(|_| {}))?;
    let sound = enc.audio_input();
    let timeline = Timeline { fps: FPS, first: 0, frames };
    let mixer = std::thread::spawn(move || {
        let out = Outputs { sound, figures: None };
        feed::run(&clips, timeline, OutputFrames { fps: FPS, count: frames }, out, &cancel)
    });
    let frame = vec![16u8; Format::Mp4.profile().input.frame_bytes(W, H)];
    for i in 0..frames {
        enc.push_frame(i, frame.clone())?;
    }
    let result = enc.finish();
    let _ = mixer.join().unwrap();
    result
}

/// Sound decoded by FFmpeg, 48 kHz mono.
fn ffmpeg_sound(path: &Path) -> Vec<f32> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-vn", "-f", "f32le", "-ac", "1", "-ar", "48000", "-"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out.stdout.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
}

/// Where the sound first rises past a fifth of the beep's amplitude, in ms.
fn onset_ms(samples: &[f32]) -> f64 {
    let i = samples.iter().position(|s| s.abs() > 0.1).expect("the beep is heard");
    i as f64 / 48.0
}

#[test]
fn a_sound_placed_at_a_frame_is_heard_then_in_every_source_format() {
    let dir = tempfile::tempdir().unwrap();
    // The beep starts 250 ms into each file; placed at frame 15 (500 ms) it is heard at 750 ms.
    let expected = 750.0 + 2.0 / 48.0; // the sine's second sample is the first past the threshold
    let mut failures = Vec::new();
    for rate in [44100, 48000] {
        let source = dir.path().join(format!("beep{rate}.wav"));
        wav(&source, rate, 1.0, beep(0.25));
        let mut files = vec![source.clone()];
        for (ext, args) in [
            ("mp3", &["-c:a", "libmp3lame", "-b:a", "192k"][..]),
            ("ogg", &["-c:a", "libvorbis"][..]),
            ("flac", &["-c:a", "flac"][..]),
            ("m4a", &["-c:a", "aac"][..]),
            ("opus", &["-c:a", "libopus"][..]),
            // The sound tracks of video files (a screen recording, a clip from a camera).
            (
                "video.mp4",
                &["-f", "lavfi", "-i", "color=c=blue:s=64x64:r=30", "-shortest", "-c:v", "libx264", "-c:a", "aac"][..],
            ),
            (
                "video.webm",
                &["-f", "lavfi", "-i", "color=c=blue:s=64x64:r=30", "-shortest", "-c:v", "libvpx", "-c:a", "libopus"][..],
            ),
        ] {
            let f = dir.path().join(format!("beep{rate}.{ext}"));
            convert(&source, &f, args);
            files.push(f);
        }
        for file in &files {
            for format in [Format::Mp4, Format::Webm] {
                let dest = dir.path().join(format!("out.{}", format.profile().extension));
                export(&[clip(file, 15)], 45, format, &dest).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
                let gst = onset_ms(&probe::decode_sound(&dest).unwrap());
                let ff = onset_ms(&ffmpeg_sound(&dest));
                for (decoder, got) in [("GStreamer", gst), ("FFmpeg", ff)] {
                    if (got - expected).abs() > 1.0 {
                        failures.push(format!(
                            "{} → {format:?}, decoded by {decoder}: heard at {got:.3} ms, placed at {expected:.3} ms",
                            file.file_name().unwrap().to_string_lossy()
                        ));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "sounds off their frame by more than 1 ms:\n{}", failures.join("\n"));
}

/// The whole mix of `clips` over `frames` frames at `fps`, interleaved stereo.
fn mix(clips: &[AudioClip], fps: u32, frames: u64) -> Vec<f32> {
    let mut m = Mixer::new(clips, Timeline { fps, first: 0, frames });
    let mut out = vec![0.0; m.total() as usize * 2];
    // In uneven blocks, as the export makes them (one output frame at a time).
    let mut at = 0;
    for (i, chunk) in [1601usize, 7, 4096].iter().cycle().enumerate() {
        if at >= out.len() || i > 100_000 {
            break;
        }
        let end = (at + chunk * 2).min(out.len());
        m.mix(&mut out[at..end]).unwrap();
        at = end;
    }
    out
}

fn left(stereo: &[f32], frame: usize) -> f32 {
    stereo[frame * 2]
}

/// A WAV at 48 kHz holding 0.5 (a constant, so the mix shows the gain itself).
fn dc(dir: &Path, seconds: f64) -> PathBuf {
    let p = dir.join(format!("dc{seconds}.wav"));
    wav(&p, 48000, seconds, |_| 0.5);
    p
}

fn close(got: f32, want: f32, what: &str) {
    assert!((got - want).abs() <= want.abs() * 0.01 + 1e-4, "{what}: {got}, expected {want}");
}

#[test]
fn volume_and_fades_are_applied_per_sample() {
    let dir = tempfile::tempdir().unwrap();
    let c = AudioClip {
        duration_in_frames: Some(60),
        fade_in_frames: 30,
        fade_out_frames: 30,
        volume: Volume::Gain(0.8),
        ..clip(&dc(dir.path(), 4.0), 0)
    };
    let m = mix(&[c], 30, 90);
    // A fade's middle is at half gain: 0.5 (the file) × 0.8 × 0.5.
    // Each fade lasts 30 frames, 48000 samples.
    close(left(&m, 24000), 0.2, "half-way through the fade-in");
    close(left(&m, 72000), 0.2, "half-way through the fade-out");
    close(left(&m, 48000), 0.4, "between the fades");
    assert_eq!(left(&m, 0), 0.0, "a fade-in starts silent");
    assert_eq!(left(&m, 96000), 0.0, "the sound ends with its duration");
    // Per sample, not per frame: each sample of the ramp is above the one before.
    assert!((1..48000).all(|i| left(&m, i) > left(&m, i - 1)), "the fade-in rises at every sample");
    let keyed = AudioClip {
        volume: Volume::Keyframes(vec![(0.0, 0.0), (30.0, 1.0), (60.0, 0.5)]),
        ..clip(&dc(dir.path(), 4.0), 10)
    };
    let m = mix(&[keyed], 30, 90);
    let start = 16000; // frame 10
    assert_eq!(left(&m, start - 1), 0.0);
    close(left(&m, start + 24000), 0.25, "keyframes: frame 15 of 0→1 over 30 frames");
    close(left(&m, start + 72000), 0.375, "keyframes: frame 45 of 1→0.5");
    close(left(&m, start + 100000), 0.25, "keyframes: held after the last");
    assert!(left(&m, start + 24001) > left(&m, start + 24000), "keyframes are interpolated per sample");
}

#[test]
fn loops_trims_and_scene_ends() {
    let dir = tempfile::tempdir().unwrap();
    // 0.25 s of silence, then 0.25 s of 0.5.
    let step = dir.path().join("step.wav");
    wav(&step, 48000, 0.5, |t| if t >= 0.25 { 0.5 } else { 0.0 });
    // Looped from 0.1 s: a 0.4 s section, 0.15 s silent then 0.25 s loud, again and again.
    let looped = AudioClip { trim_start: 0.1, looped: true, ..clip(&step, 0) };
    let m = mix(&[looped], 30, 60);
    for round in 0..5 {
        let base = round * 19200;
        assert_eq!(left(&m, base + 7100), 0.0, "round {round}: silent part");
        close(left(&m, base + 7300), 0.5, &format!("round {round}: loud part"));
    }
    assert!(left(&m, 95999) != 0.0 || left(&m, 95999 - 19200) != 0.0, "a loop without a duration plays to the end");
    // Trimmed: the beep 0.25 s into the file, trimmed by 0.2 s, is heard 0.05 s after `at`.
    let b = dir.path().join("beep.wav");
    wav(&b, 48000, 1.0, beep(0.25));
    let m = mix(&[AudioClip { trim_start: 0.2, ..clip(&b, 30) }], 30, 90);
    let mono: Vec<f32> = m.chunks(2).map(|f| f[0]).collect();
    close(onset_ms(&mono) as f32, 1050.0 + 2.0 / 48.0, "onset of a trimmed sound (ms)");
    // A scene's sound stops where its scene ends (frame 30), whatever its length.
    let m = mix(&[AudioClip { until: 30, ..clip(&dc(dir.path(), 4.0), 0) }], 30, 90);
    close(left(&m, 47999), 0.5, "the last sample of the scene");
    assert!(m[96000..].iter().all(|&s| s == 0.0), "nothing after the scene's end");
}

#[test]
fn two_adjacent_pieces_of_one_sine_join_without_a_click() {
    let dir = tempfile::tempdir().unwrap();
    let sine = dir.path().join("sine.wav");
    wav(&sine, 44100, 3.0, |t| 0.5 * (2.0 * std::f64::consts::PI * 440.0 * t).sin());
    // At 60 fps, frame 31 is not a whole number of milliseconds: the join is at sample 24800.
    let a = AudioClip { duration_in_frames: Some(31), ..clip(&sine, 0) };
    let b = AudioClip { trim_start: 31.0 / 60.0, ..clip(&sine, 31) };
    let joined = mix(&[a, b], 60, 120);
    let whole = mix(&[clip(&sine, 0)], 60, 120);
    let worst = (24700..24900).map(|i| (left(&joined, i) - left(&whole, i)).abs()).fold(0.0f32, f32::max);
    assert!(worst < 0.01, "the join differs from the continuous sine by {worst}");
}

#[test]
fn the_same_project_mixes_to_the_same_samples() {
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path().join("beep.wav");
    wav(&b, 44100, 1.0, beep(0.1));
    let sine = dir.path().join("sine.mp3");
    let w = dir.path().join("sine.wav");
    wav(&w, 44100, 2.0, |t| 0.7 * (2.0 * std::f64::consts::PI * 220.0 * t).sin());
    convert(&w, &sine, &["-c:a", "libmp3lame"]);
    let clips = vec![
        AudioClip {
            looped: true,
            fade_in_frames: 20,
            volume: Volume::Keyframes(vec![(0.0, 0.3), (50.0, 1.2)]),
            ..clip(&sine, 0)
        },
        AudioClip { volume: Volume::Gain(2.5), ..clip(&b, 12) },
        clip(&b, 40),
    ];
    let one = mix(&clips, 30, 150);
    let two = mix(&clips, 30, 150);
    assert!(one.iter().zip(&two).all(|(a, b)| a.to_bits() == b.to_bits()), "two mixes differ");
    assert!(one.iter().all(|s| s.abs() < 1.0), "the sum stays within full scale");
    // And two exports decode to the same samples.
    let (x, y) = (dir.path().join("x.mp4"), dir.path().join("y.mp4"));
    export(&clips, 150, Format::Mp4, &x).unwrap();
    export(&clips, 150, Format::Mp4, &y).unwrap();
    assert_eq!(probe::decode_sound(&x).unwrap(), probe::decode_sound(&y).unwrap());
}

#[test]
fn the_track_is_aac_or_opus_at_48_khz_stereo_and_lasts_as_long_as_the_picture() {
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path().join("beep.wav");
    wav(&b, 44100, 1.0, beep(0.1));
    let looped = AudioClip { looped: true, ..clip(&b, 0) };
    // Ten minutes at 30 fps.
    let frames = 18_000;
    for (format, codec) in [(Format::Mp4, "audio/mpeg"), (Format::Webm, "audio/x-opus")] {
        let dest = dir.path().join(format!("long.{}", format.profile().extension));
        export(std::slice::from_ref(&looped), frames, format, &dest).unwrap();
        let track = probe::discover_sound(&dest).unwrap().expect("a sound track");
        assert_eq!((track.codec.as_str(), track.rate, track.channels), (codec, 48000, 2));
        let video = probe::discover(&dest).unwrap().duration.as_secs_f64();
        for (decoder, samples) in [("GStreamer", probe::decode_sound(&dest).unwrap()), ("FFmpeg", ffmpeg_sound(&dest))]
        {
            let seconds = samples.len() as f64 / 48000.0;
            assert!((seconds - 600.0).abs() <= 1024.0 / 48000.0, "{format:?} by {decoder}: {seconds} s of sound");
            assert!((video - 600.0).abs() < 0.05, "{format:?}: {video} s of picture");
        }
    }
}

#[test]
fn broken_sound_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.mp3");
    std::fs::write(&text, "these are not sounds\n".repeat(50)).unwrap();
    let cut = dir.path().join("cut.wav");
    wav(&cut, 48000, 2.0, |_| 0.25);
    let bytes = std::fs::read(&cut).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() / 4]).unwrap();
    let silent_video = dir.path().join("silent.mp4");
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i", "color=c=red:s=64x64:r=30:d=1", "-c:v", "libx264"])
        .arg(&silent_video)
        .status()
        .unwrap();
    assert!(status.success());
    let short = dir.path().join("short.wav");
    wav(&short, 48000, 1.0, |_| 0.25);
    let problems = inspect(&[
        AudioClip { json_path: "audio[0]".into(), ..clip(&text, 0) },
        AudioClip { json_path: "audio[1]".into(), ..clip(&silent_video, 0) },
        AudioClip { json_path: "scenes[1].audio[0]".into(), trim_start: 1.5, ..clip(&short, 0) },
        AudioClip { json_path: "scenes[1].audio[1]".into(), ..clip(&cut, 0) },
    ]);
    let text_of = |at: &str| problems.iter().find(|p| p.at == at).map(|p| p.message.clone()).unwrap_or_default();
    assert!(text_of("audio[0].src").contains("notes.mp3 is not a sound file"), "{problems:?}");
    assert!(text_of("audio[1].src").contains("silent.mp4 has no sound track"), "{problems:?}");
    assert!(text_of("scenes[1].audio[0].trimStart").contains("past the end of short.wav"), "{problems:?}");
    assert!(text_of("scenes[1].audio[1].src").contains("cut.wav is damaged or cut short"), "{problems:?}");
    assert_eq!(problems.len(), 4, "{problems:?}");
    // A file cut short is met during the export: it fails, naming the file, and leaves nothing.
    let dest = dir.path().join("out.mp4");
    let err =
        export(&[AudioClip { json_path: "audio[2]".into(), ..clip(&cut, 0) }], 90, Format::Mp4, &dest).unwrap_err();
    assert!(matches!(err, EncodeError::Audio(_)), "{err}");
    assert!(err.to_string().contains("audio[2]: cut.wav is damaged or cut short"), "{err}");
    assert!(!dest.exists());
    let left_over: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("bazaar-part"))
        .collect();
    assert!(left_over.is_empty(), "{left_over:?}");
}
