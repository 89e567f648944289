//! Sound in exports: placement to the sample in MP4 and WebM for every source format (decoded
//! by GStreamer and by FFmpeg), gains and fades per sample, loops, trims, scene ends, joins,
//! determinism, length, and broken files. Fixtures are synthesised here (WAV written directly,
//! the other formats encoded from it by FFmpeg), so nothing is downloaded or shipped.

use bazaar_core::audio::feed::{self, OutputFrames, Outputs};
use bazaar_core::audio::{inspect, AudioClip, Mixer, Timeline, Volume};
use bazaar_core::encode::{EncodeError, EncodeSettings, Encoder, Format, PixelFormat, Quality};
use bazaar_core::{probe, CancelToken};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

const FPS: u32 = 30;
const W: u32 = 64;
const H: u32 = 64;

/// Writes a 16-bit stereo WAV of `seconds` at `rate` whose samples are `f(t)` (t in seconds).
fn wav(path: &Path, rate: u32, seconds: f64, f: impl Fn(f64) -> f64) {
    let n = (seconds * f64::from(rate)).round() as usize;
    let mut data = Vec::with_capacity(n * 4);
    for i in 0..n {
        let v = (f(i as f64 / f64::from(rate)).clamp(-1.0, 1.0) * 32767.0).round() as i16;
        data.extend(v.to_le_bytes());
        data.extend(v.to_le_bytes());
    }
    let mut out = Vec::new();
    out.extend(b"RIFF");
    out.extend((36 + data.len() as u32).to_le_bytes());
    out.extend(b"WAVEfmt ");
    out.extend(16u32.to_le_bytes());
    out.extend(1u16.to_le_bytes());
    out.extend(2u16.to_le_bytes());
    out.extend(rate.to_le_bytes());
    out.extend((rate * 4).to_le_bytes());
    out.extend(4u16.to_le_bytes());
    out.extend(16u16.to_le_bytes());
    out.extend(b"data");
    out.extend((data.len() as u32).to_le_bytes());
    out.extend(data);
    std::fs::write(path, out).unwrap();
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
        path: path.to_path_buf(),
        scene: None,
        at,
        trim_start: 0.0,
        duration_in_frames: None,
        volume: Volume::Gain(1.0),
        fade_in_frames: 0,
        fade_out_frames: 0,
        looped: false,
        until: u64::MAX,
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
        input: PixelFormat::I420,
        audio: true,
    };
    let cancel = CancelToken::new();
    let mut enc = Encoder::start(settings, dest, cancel.clone(), Arc::new(|_| {}))?;
    let sound = enc.audio_input();
    let timeline = Timeline { fps: FPS, first: 0, frames };
    let mixer = std::thread::spawn(move || {
        let out = Outputs { sound, figures: None };
        feed::run(&clips, timeline, OutputFrames { fps: FPS, count: frames }, out, &cancel)
    });
    let frame = vec![16u8; PixelFormat::I420.frame_bytes(W, H)];
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
