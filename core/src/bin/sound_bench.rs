//! `sound-bench`: the sound path alone at length: a MINUTES-long export (64×64 pictures at
//! 10 fps, so the video costs next to nothing) whose sound is a WAV_MINUTES-long WAV, looped
//! to the end, plus 20 effects, mixed and encoded to AAC in an MP4. Prints the time and this
//! process's peak resident memory, which must not grow with either length (nothing holds the
//! whole mix or the whole file).
//!
//! usage: sound-bench [--minutes N] [--wav-minutes M]        (defaults: 1 and 1)

use bazaar_core::audio::feed::{self, OutputFrames, Outputs};
use bazaar_core::audio::{AudioClip, Timeline, Volume};
use bazaar_core::encode::{EncodeSettings, Encoder, Format, Quality};
use bazaar_core::CancelToken;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

const FPS: u32 = 10;

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// A 48 kHz stereo 16-bit WAV of `minutes`, written a second at a time: a chord and a ticking.
fn write_wav(path: &Path, minutes: u64) -> std::io::Result<()> {
    let frames = minutes * 60 * 48000;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    let data = (frames * 4) as u32;
    f.write_all(b"RIFF")?;
    f.write_all(&(36 + data).to_le_bytes())?;
    f.write_all(b"WAVEfmt ")?;
    for v in [16u32, 1 | (2 << 16), 48000, 192000, 4 | (16 << 16)] {
        f.write_all(&v.to_le_bytes())?;
    }
    f.write_all(b"data")?;
    f.write_all(&data.to_le_bytes())?;
    let mut second = Vec::with_capacity(192000);
    for s in 0..frames / 48000 {
        second.clear();
        for i in 0..48000u64 {
            let t = (s * 48000 + i) as f64 / 48000.0;
            let tick = if i < 2000 {
                (1.0 - i as f64 / 2000.0) * (2.0 * std::f64::consts::PI * 1500.0 * t).sin()
            } else {
                0.0
            };
            let v = 0.2 * (2.0 * std::f64::consts::PI * 220.0 * t).sin()
                + 0.1 * (2.0 * std::f64::consts::PI * 330.0 * t).sin()
                + 0.3 * tick;
            let v = (v * 32767.0) as i16;
            second.extend(v.to_le_bytes());
            second.extend(v.to_le_bytes());
        }
        f.write_all(&second)?;
    }
    f.flush()
}

fn main() -> Result<(), String> {
    let minutes = arg("--minutes", 1);
    let wav_minutes = arg("--wav-minutes", 1);
    let dir = tempfile_dir()?;
    let wav = dir.join("long.wav");
    write_wav(&wav, wav_minutes).map_err(|e| e.to_string())?;
    let frames = minutes * 60 * u64::from(FPS);
    let clip = |at: u64, looped: bool, dur: Option<u64>| AudioClip {
        json_path: "audio[0]".into(),
        src: "long.wav".into(),
        path: wav.clone(),
        scene: None,
        at,
        trim_start: 0.0,
        duration_in_frames: dur,
        volume: Volume::Gain(0.7),
        fade_in_frames: 10,
        fade_out_frames: 10,
        looped,
        until: frames,
        from_video: false,
        speed: 1.0,
    };
    let mut clips = vec![clip(0, true, None)];
    clips.extend((0..20).map(|k| clip(k * frames / 20, false, Some(20))));
    let settings = EncodeSettings {
        format: Format::Mp4,
        quality: Quality::High,
        width: 64,
        height: 64,
        fps: FPS,
        total_frames: frames,
        duration: None,
        input: Format::Mp4.profile().input,
        audio: true,
        prores_profile: Default::default(),
        gif_loops: 0,
        keep_alpha: false,
    };
    let started = Instant::now();
    let cancel = CancelToken::new();
    let dest = dir.join("out.mp4");
    let mut enc = Encoder::start(settings, &dest, cancel.clone(), Arc::new(|_| {})).map_err(|e| e.to_string())?;
    let sound = enc.audio_input();
    let timeline = Timeline { fps: FPS, first: 0, frames };
    let mixer = std::thread::spawn(move || {
        feed::run(&clips, timeline, OutputFrames { fps: FPS, count: frames }, Outputs { sound, figures: None }, &cancel)
    });
    let picture = vec![16u8; Format::Mp4.profile().input.frame_bytes(64, 64)];
    for i in 0..frames {
        enc.push_frame(i, picture.clone()).map_err(|e| e.to_string())?;
    }
    enc.finish().map_err(|e| e.to_string())?;
    mixer.join().map_err(|_| "the mixer panicked")??;
    let size = std::fs::metadata(&dest).map_err(|e| e.to_string())?.len();
    println!(
        "{minutes} min export, {wav_minutes} min WAV looped + 20 effects: {:.1} s, peak RSS {:.0} MB, {:.1} MB file",
        started.elapsed().as_secs_f64(),
        peak_rss_mb(),
        size as f64 / 1e6
    );
    std::fs::remove_dir_all(&dir).map_err(|e| e.to_string())
}

fn tempfile_dir() -> Result<std::path::PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("sound-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    Ok(dir)
}
