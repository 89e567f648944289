//! The mixer's bounds: a bounded number of decoders open however many sounds play at once, the
//! same samples whether a sound's decoder stayed open or was closed and opened again, a trim
//! deep into a long file cut before the resampler (sought past in a WAV) with the very samples
//! of a whole decode, and a sound file swapped under the mix refused by name.

use bazaar_core::audio::{AudioClip, Mixer, Timeline, Volume};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn wav(path: &Path, rate: u32, seconds: f64, f: impl Fn(f64) -> f64) {
    bazaar_core::synth::write_wav(path, rate, seconds, f).unwrap();
}

fn sine(hz: f64, level: f64) -> impl Fn(f64) -> f64 {
    move |t| level * (2.0 * std::f64::consts::PI * hz * t).sin()
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

/// The whole mix, one output frame (1600 samples) at a time as the export makes it, and the
/// most decoders it had open at once.
fn mix(mut m: Mixer) -> (Vec<f32>, usize) {
    let mut out = vec![0.0; m.total() as usize * 2];
    for block in out.chunks_mut(3200) {
        m.mix(block).unwrap();
    }
    (out, m.peak_decoders())
}

fn same_samples(a: &[f32], b: &[f32], what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    if let Some(i) = a.iter().zip(b).position(|(x, y)| x.to_bits() != y.to_bits()) {
        panic!("{what}: sample {} differs: {} against {}", i / 2, a[i], b[i]);
    }
}

#[test]
fn many_sounds_at_once_keep_few_decoders_and_the_same_samples() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Sounds longer than the mixer's page (10 s), so parked ones are opened again mid-sound:
    // a WAV at 44.1 kHz (sought), one at 8 kHz, an MP3 and an Ogg (decoded and cut).
    wav(&d.join("a.wav"), 44100, 13.0, sine(440.0, 0.2));
    wav(&d.join("b.wav"), 8000, 12.5, sine(300.0, 0.2));
    wav(&d.join("c-src.wav"), 44100, 12.0, sine(660.0, 0.2));
    convert(&d.join("c-src.wav"), &d.join("c.mp3"), &["-c:a", "libmp3lame"]);
    convert(&d.join("c-src.wav"), &d.join("c.ogg"), &["-c:a", "libvorbis"]);
    wav(&d.join("tick.wav"), 48000, 0.7, sine(1000.0, 0.3));
    let mut clips = Vec::new();
    for (i, name) in ["a.wav", "b.wav", "c.mp3", "c.ogg", "a.wav", "b.wav"].iter().enumerate() {
        let mut c = clip(&d.join(name), i as u64 * 7);
        c.trim_start = if i >= 4 { 1.25 } else { 0.0 };
        c.volume = Volume::Keyframes(vec![(0.0, 0.5), (300.0, 1.0)]);
        clips.push(c);
    }
    clips.push(AudioClip { looped: true, ..clip(&d.join("tick.wav"), 3) });
    let timeline = Timeline { fps: 30, first: 0, frames: 30 * 15 };
    let (whole, open) = mix(Mixer::new(&clips, timeline).with_open_limit(100));
    assert_eq!(open, clips.len(), "every sound decoding at once without a limit");
    let (paged, open) = mix(Mixer::new(&clips, timeline).with_open_limit(2));
    assert!(open <= 3, "{open} decoders open with a limit of 2");
    same_samples(&paged, &whole, "parked and reopened against open throughout");
    // Started in the middle of every sound (a frame range): the same samples again.
    let later = Timeline { fps: 30, first: 200, frames: 30 * 15 - 200 };
    let (part, _) = mix(Mixer::new(&clips, later).with_open_limit(2));
    same_samples(&part, &whole[bazaar_core::audio::mix::sample_of(200, 30) as usize * 2..], "from frame 200");
}

#[test]
fn sounds_that_end_together_let_go_of_their_decoders_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let tick = dir.path().join("tick.wav");
    wav(&tick, 8000, 0.2, sine(1000.0, 0.001));
    // 60 sounds at once, all ending in the same output frame (500 held 1500 threads and failed
    // under the usual limit of 1024 open files).
    let clips: Vec<AudioClip> = (0..60).map(|_| clip(&tick, 0)).collect();
    let (sum, open) = mix(Mixer::new(&clips, Timeline { fps: 30, first: 0, frames: 15 }));
    assert!(open <= bazaar_core::audio::mix::OPEN_LIMIT + 1, "{open} decoders open at once");
    let one = mix(Mixer::new(&clips[..1], Timeline { fps: 30, first: 0, frames: 15 })).0;
    let peak = |s: &[f32]| s.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    assert!(
        (peak(&sum) / peak(&one) - 60.0).abs() < 0.01,
        "every sound is in the mix: {} / {}",
        peak(&sum),
        peak(&one)
    );
}

/// A two-hour WAV of silence (a header and a hole: no disk used) at `rate`, mono 16-bit, with
/// a half-scale 1 kHz beep of 0.2 s written at `beep_at` seconds.
fn long_silence(path: &Path, rate: u32, beep_at: f64) {
    let bytes = rate as u64 * 7200 * 2;
    let mut f = std::fs::File::create(path).unwrap();
    f.write_all(b"RIFF").unwrap();
    f.write_all(&(36 + bytes as u32).to_le_bytes()).unwrap();
    f.write_all(b"WAVEfmt ").unwrap();
    for v in [16u32, 1 | (1 << 16), rate, rate * 2, 2 | (16 << 16)] {
        f.write_all(&v.to_le_bytes()).unwrap();
    }
    f.write_all(b"data").unwrap();
    f.write_all(&(bytes as u32).to_le_bytes()).unwrap();
    let first = (beep_at * f64::from(rate)).round() as u64;
    f.seek(SeekFrom::Start(44 + first * 2)).unwrap();
    let beep: Vec<u8> = (0..rate / 5)
        .flat_map(|i| {
            let t = f64::from(i) / f64::from(rate);
            ((0.5 * (2.0 * std::f64::consts::PI * 1000.0 * t).sin() * 32767.0).round() as i16).to_le_bytes()
        })
        .collect();
    f.write_all(&beep).unwrap();
    f.set_len(44 + bytes).unwrap();
}

#[test]
fn a_trim_deep_into_a_two_hour_wav_is_quick_and_exact() {
    let dir = tempfile::tempdir().unwrap();
    let long = dir.path().join("long.wav");
    long_silence(&long, 44100, 7100.5);
    let started = Instant::now();
    let c = AudioClip { trim_start: 7100.0, ..clip(&long, 0) };
    let (m, _) = mix(Mixer::new(&[c], Timeline { fps: 30, first: 0, frames: 30 }));
    // Decoding 7100 s and resampling it took 29 s here (the frame time limit is 30 s).
    assert!(started.elapsed() < Duration::from_secs(20), "{:?}", started.elapsed());
    let onset = m.chunks(2).position(|f| f[0].abs() > 0.05).expect("the beep is heard");
    assert!((onset as f64 / 48.0 - 500.0).abs() < 0.1, "the beep is heard at {} ms", onset as f64 / 48.0);
    // The samples are those of a decode from the start of the same sound (here a short file
    // holding the last 100.5 s of it: 7000 s sooner, the same 44.1 kHz grid).
    let short = dir.path().join("short.wav");
    let beep = |t: f64| {
        let t = t - 100.5;
        if (0.0..0.2).contains(&t) {
            0.5 * (2.0 * std::f64::consts::PI * 1000.0 * t).sin()
        } else {
            0.0
        }
    };
    bazaar_core::synth::write_wav(&short, 44100, 101.0, beep).unwrap();
    let c = AudioClip { trim_start: 100.0, ..clip(&short, 0) };
    let (reference, _) = mix(Mixer::new(&[c], Timeline { fps: 30, first: 0, frames: 30 }));
    let left = |s: &[f32]| s.chunks(2).map(|f| f[0]).collect::<Vec<f32>>();
    same_samples(&left(&m), &left(&reference), "sought against decoded from the start");
}

#[test]
fn a_trim_is_the_same_sought_in_a_wav_or_decoded_and_cut() {
    let dir = tempfile::tempdir().unwrap();
    let w = dir.path().join("tone.wav");
    wav(&w, 44100, 6.0, |t| sine(440.0, 0.3)(t) + sine(3000.0, 0.1)(t));
    let flac = dir.path().join("tone.flac");
    convert(&w, &flac, &["-c:a", "flac"]);
    let timeline = Timeline { fps: 30, first: 0, frames: 60 };
    for trim in [0.03, 1.7, 4.2] {
        let a = mix(Mixer::new(&[AudioClip { trim_start: trim, ..clip(&w, 0) }], timeline)).0;
        let b = mix(Mixer::new(&[AudioClip { trim_start: trim, ..clip(&flac, 0) }], timeline)).0;
        same_samples(&a, &b, &format!("trimmed by {trim} s, WAV against FLAC"));
    }
}

#[test]
fn a_sound_swapped_for_a_link_out_or_a_fifo_is_refused_by_name() {
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.wav");
    wav(&secret, 48000, 1.0, sine(1000.0, 0.9));
    let project = tempfile::tempdir().unwrap();
    let root = project.path().canonicalize().unwrap();
    let a = root.join("a.wav");
    std::os::unix::fs::symlink(&secret, &a).unwrap();
    let timeline = Timeline { fps: 30, first: 0, frames: 30 };
    let mut m = Mixer::new(&[clip(&a, 0)], timeline);
    let err = m.mix(&mut vec![0.0; 3200]).unwrap_err().to_string();
    assert!(err.contains("audio[0]: cannot read a.wav: it now leads outside the project folder"), "{err}");
    std::fs::remove_file(&a).unwrap();
    let c = std::ffi::CString::new(a.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let started = Instant::now();
    let mut m = Mixer::new(&[clip(&a, 0)], timeline);
    let err = m.mix(&mut vec![0.0; 3200]).unwrap_err().to_string();
    assert!(err.contains("audio[0]: cannot read a.wav: this is a named pipe (FIFO)"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(10), "the FIFO was waited on");
    // A link inside the folder is fine.
    std::fs::remove_file(&a).unwrap();
    wav(&root.join("real.wav"), 48000, 1.0, sine(440.0, 0.5));
    std::os::unix::fs::symlink(root.join("real.wav"), &a).unwrap();
    let (m, _) = mix(Mixer::new(&[clip(&a, 0)], timeline));
    assert!(m.iter().any(|s| s.abs() > 0.4));
}

#[test]
fn the_mixer_names_the_sound_it_is_decoding() {
    let dir = tempfile::tempdir().unwrap();
    let w: PathBuf = dir.path().join("tone.wav");
    wav(&w, 48000, 1.0, sine(440.0, 0.5));
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut m = Mixer::new(
        &[AudioClip { json_path: "scenes[1].audio[0]".into(), ..clip(&w, 0) }],
        Timeline { fps: 30, first: 0, frames: 3 },
    );
    let s = seen.clone();
    m.report_busy(Box::new(move |c| s.lock().unwrap().push(c.map(|c| c.json_path.clone()))));
    m.mix(&mut vec![0.0; 3200]).unwrap();
    assert_eq!(*seen.lock().unwrap(), vec![Some("scenes[1].audio[0]".to_string()), None]);
}
