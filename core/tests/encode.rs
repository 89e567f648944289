//! Encoding engine tests: every format × preset is encoded from synthetic frames, decoded back
//! with an independent decoder, and checked for codec, size, frame count, duration and pixels.

use bazaar_core::encode::rgba_to_i420;
use bazaar_core::encode::{EncodeError, EncodeSettings, Encoder, Format, PixelFormat, Progress, Quality};
use bazaar_core::Stage;
use bazaar_core::{probe, synth, CancelToken};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const W: u32 = 320;
const H: u32 = 180;

fn settings(format: Format, quality: Quality, fps: u32, frames: u64) -> EncodeSettings {
    EncodeSettings {
        format,
        quality,
        width: W,
        height: H,
        fps,
        total_frames: frames,
        duration: None,
        input: PixelFormat::Rgba,
        audio: false,
        prores_profile: Default::default(),
        gif_loops: 0,
        keep_alpha: false,
    }
}

/// Synthetic frame `i` in the settings' input format (I420 converted as the render page does).
fn input_frame(s: &EncodeSettings, i: u64) -> Vec<u8> {
    let rgba = synth::frame(i, s.width, s.height);
    match s.input {
        PixelFormat::Rgba => rgba,
        PixelFormat::I420(matrix) => rgba_to_i420(&rgba, s.width, s.height, matrix),
    }
}

fn encode(s: &EncodeSettings, dest: &Path) -> (Result<std::path::PathBuf, EncodeError>, Vec<Progress>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let l = log.clone();
    let result = Encoder::start(s.clone(), dest, CancelToken::new(), Arc::new(move |p| l.lock().unwrap().push(p)))
        .and_then(|mut enc| {
            for i in 0..s.total_frames {
                enc.push_frame(i, input_frame(s, i))?;
            }
            enc.finish()
        });
    let progress = log.lock().unwrap().clone();
    (result, progress)
}

/// `min_psnr` is over RGB: 4:2:0 chroma subsampling of the synthetic frames' hard colour edges
/// alone caps it near 32 dB, so luma SSIM is the sharper check of the encoder's quality.
fn check_roundtrip(format: Format, quality: Quality, input: PixelFormat, min_psnr: f64, min_ssim: f64) {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join(format!("out.{}", format.profile().extension));
    let fps = if format == Format::Gif { 10 } else { 30 };
    let frames = 2 * fps as u64;
    let s = EncodeSettings { input, ..settings(format, quality, fps, frames) };
    let (result, progress) = encode(&s, &dest);
    assert_eq!(result.unwrap(), dest);
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left.len(), 1, "only the output remains (no temp or scratch files): {left:?}");

    // Progress: starts at 0, never goes backwards, reaches finalizing with all frames, ends done.
    assert_eq!(progress.first().map(|p| (p.stage, p.frames_done)), Some((Stage::Rendering, 0)));
    assert!(progress.windows(2).all(|w| w[1].frames_done >= w[0].frames_done));
    assert!(progress.iter().any(|p| p.stage == Stage::Finalizing && p.frames_done == frames));
    assert_eq!(progress.last().map(|p| p.stage), Some(Stage::Done));

    // An independent player stack decodes the whole file without a single warning.
    let ff = std::process::Command::new("ffmpeg")
        .args(["-v", "warning", "-nostdin", "-i"])
        .arg(&dest)
        .args(["-f", "null", "-"])
        .output()
        .expect("ffmpeg is installed (scripts/install-deps.sh)");
    assert!(ff.status.success(), "ffmpeg could not decode {format:?}");
    assert_eq!(String::from_utf8_lossy(&ff.stderr), "", "ffmpeg warnings for {format:?}/{quality:?}");

    let info = probe::discover(&dest).unwrap();
    let expected_codec = match format {
        Format::Mp4 => "video/x-h264",
        Format::Mp4Hevc => "video/x-h265",
        Format::Webm => "video/x-vp8",
        Format::WebmVp9 => "video/x-vp9",
        Format::Prores => "video/x-prores",
        Format::Gif => "image/gif",
        other => panic!("{other:?} is not a video format"),
    };
    assert_eq!(info.codec, expected_codec, "{info:?}");
    assert_eq!((info.width, info.height), (W, H));
    if format == Format::Mp4 {
        assert_eq!(info.container, "video/quicktime");
        assert_eq!(info.profile.as_deref(), Some("high"));
        assert_eq!(info.chroma_format.as_deref(), Some("4:2:0"));
        assert_eq!(info.bit_depth, Some(8));
    }
    if format == Format::Webm {
        assert_eq!(info.container, "video/webm");
    }
    let want = Duration::from_secs(2);
    let diff = info.duration.abs_diff(want);
    assert!(diff <= want / 100, "duration {:?} vs {want:?}", info.duration);

    let mut worst = f64::INFINITY;
    let mut worst_ssim = f64::INFINITY;
    let mut indices = Vec::new();
    let (n, w, h) = probe::decode_frames(&dest, |i, _, rgba| {
        let src = synth::frame(i, W, H);
        worst = worst.min(probe::psnr(&src, rgba));
        worst_ssim = worst_ssim.min(probe::ssim(&src, rgba, W, H));
        indices.push(synth::read_index(rgba, W, H));
    })
    .unwrap();
    assert_eq!((w, h), (W, H));
    assert_eq!(n, frames, "decoded frame count");
    assert_eq!(indices, (0..frames).collect::<Vec<_>>(), "every frame at its index");
    eprintln!("{format:?}/{quality:?}/{input:?}: worst PSNR {worst:.2} dB, worst SSIM {worst_ssim:.4}");
    assert!(worst >= min_psnr, "{format:?}/{quality:?}: worst PSNR {worst:.1} dB < {min_psnr}");
    assert!(worst_ssim >= min_ssim, "{format:?}/{quality:?}: worst SSIM {worst_ssim:.4} < {min_ssim}");
}

/// Both inputs: RGBA (converted by `videoconvert`) and I420 (converted by the render page,
/// here by the same integer arithmetic in Rust) must decode to the source's colours.
#[test]
fn mp4_presets_roundtrip() {
    for input in [PixelFormat::Rgba, Format::Mp4.profile().input] {
        check_roundtrip(Format::Mp4, Quality::High, input, 31.0, 0.99);
        check_roundtrip(Format::Mp4, Quality::Medium, input, 31.0, 0.985);
        check_roundtrip(Format::Mp4, Quality::Low, input, 30.0, 0.975);
    }
}

#[test]
fn webm_presets_roundtrip() {
    for input in [PixelFormat::Rgba, Format::Webm.profile().input] {
        check_roundtrip(Format::Webm, Quality::High, input, 31.0, 0.985);
        check_roundtrip(Format::Webm, Quality::Medium, input, 31.0, 0.98);
        check_roundtrip(Format::Webm, Quality::Low, input, 30.0, 0.975);
    }
}

#[test]
fn gif_presets_roundtrip() {
    for q in Quality::ALL {
        check_roundtrip(Format::Gif, q, PixelFormat::Rgba, 25.0, 0.95);
    }
}

#[test]
fn gif_duration_matches_a_composition_that_is_not_a_whole_number_of_gif_frames() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("odd.gif");
    // 32 frames at 30 fps = 1.0667 s, exported at 10 fps → 11 GIF frames held to the exact end.
    let mut s = settings(Format::Gif, Quality::Low, 10, 11);
    s.duration = Some(Duration::from_nanos(32 * 1_000_000_000 / 30));
    encode(&s, &dest).0.unwrap();
    let info = probe::discover(&dest).unwrap();
    assert!(info.duration.abs_diff(Duration::from_millis(1067)).as_millis() <= 10, "{:?}", info.duration);
}

/// A cancel is noticed by the very next push (or ends the one blocked in flight), so the
/// encoder stops at once: counted in frames, not timed, so a loaded machine cannot fail it.
#[test]
fn cancel_midway_leaves_no_file_and_returns_quickly() {
    use std::sync::atomic::{AtomicU64, Ordering};
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("cancelled.mp4");
    let cancel = CancelToken::new();
    let s = settings(Format::Mp4, Quality::High, 30, 10_000);
    let mut enc = Encoder::start(s, &dest, cancel.clone(), Arc::new(|_| {})).unwrap();
    let pushed = Arc::new(AtomicU64::new(0));
    let (flowing_tx, flowing) = std::sync::mpsc::channel();
    let (ended_tx, ended) = std::sync::mpsc::channel();
    let count = pushed.clone();
    std::thread::spawn(move || {
        let mut i = 0;
        let err = loop {
            if let Err(e) = enc.push_frame(i, synth::frame(i, W, H)) {
                break e;
            }
            i += 1;
            count.store(i, Ordering::SeqCst);
            if i == 20 {
                let _ = flowing_tx.send(());
            }
        };
        let _ = ended_tx.send((enc, i, err));
    });
    // The deadlines only stop a hang: each waits for an event that comes in milliseconds.
    flowing.recv_timeout(Duration::from_secs(120)).expect("20 frames were pushed");
    cancel.cancel();
    let done_before_the_cancel = pushed.load(Ordering::SeqCst);
    let (enc, failed_at, err) =
        ended.recv_timeout(Duration::from_secs(120)).expect("the pushes ended after the cancel");
    assert!(matches!(err, EncodeError::Cancelled), "{err}");
    // At most the push in flight when the cancel came went through; the next one was refused.
    assert!(
        failed_at <= done_before_the_cancel + 1,
        "frame {failed_at} was still pushed after the cancel (frame {done_before_the_cancel} was done before it)"
    );
    drop(enc);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no file left behind");
}

/// The app cancels a job while it holds its job list, which the progress callback also locks
/// (from a GStreamer streaming thread). Cancel must return even then: it once stopped the
/// pipeline in place, which waits for that streaming thread, which waited for the lock.
#[test]
fn cancel_while_holding_a_lock_the_progress_callback_wants_does_not_deadlock() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("cancelled.mp4");
    let cancel = CancelToken::new();
    let jobs = Arc::new(Mutex::new(0u64));
    let seen = jobs.clone();
    let s = settings(Format::Mp4, Quality::High, 30, 10_000);
    let mut enc =
        Encoder::start(s, &dest, cancel.clone(), Arc::new(move |p| *seen.lock().unwrap() = p.frames_done)).unwrap();
    let pusher = std::thread::spawn(move || {
        let mut i = 0;
        loop {
            if let Err(e) = enc.push_frame(i, synth::frame(i, W, H)) {
                return (enc, e);
            }
            i += 1;
        }
    });
    // Wait until frames leave the encoder, then hold the lock long enough for the streaming
    // thread to block on it, and cancel while holding it.
    // Generous deadlines below: they only stop a hang (a deadlock never ends), on a loaded machine.
    let deadline = Instant::now() + Duration::from_secs(120);
    while *jobs.lock().unwrap() < 5 {
        assert!(Instant::now() < deadline, "no frame was encoded");
        std::thread::sleep(Duration::from_millis(10));
    }
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let held = jobs.clone();
    let c = cancel.clone();
    std::thread::spawn(move || {
        let _guard = held.lock().unwrap();
        std::thread::sleep(Duration::from_millis(300));
        c.cancel();
        let _ = done_tx.send(());
    });
    assert!(done_rx.recv_timeout(Duration::from_secs(60)).is_ok(), "cancel deadlocked");
    let (enc, err) = pusher.join().unwrap();
    assert!(matches!(err, EncodeError::Cancelled), "{err}");
    drop(enc);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no file left behind");
}

#[test]
fn unwritable_destination_is_a_typed_error_and_leaves_the_old_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-folder/out.webm");
    let (r, _) = encode(&settings(Format::Webm, Quality::Low, 30, 5), &missing);
    assert!(matches!(r, Err(EncodeError::Destination { .. })), "{r:?}");

    // A read-only folder (skipped as root, which ignores permissions).
    let ro = dir.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    let dest = ro.join("out.mp4");
    std::fs::write(&dest, b"the user's previous export").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    let probe_file = ro.join("probe");
    let root = std::fs::write(&probe_file, b"").is_ok();
    if !root {
        let (r, _) = encode(&settings(Format::Mp4, Quality::Low, 30, 5), &dest);
        assert!(matches!(r, Err(EncodeError::Destination { .. })), "{r:?}");
        assert_eq!(std::fs::read(&dest).unwrap(), b"the user's previous export");
    }
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn failed_export_keeps_the_previous_file_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("keep.mp4");
    std::fs::write(&dest, b"previous bytes").unwrap();
    let s = settings(Format::Mp4, Quality::Low, 30, 30);
    let mut enc = Encoder::start(s, &dest, CancelToken::new(), Arc::new(|_| {})).unwrap();
    enc.push_frame(0, synth::frame(0, W, H)).unwrap();
    // A frame of the wrong size fails the export.
    let err = enc.push_frame(1, vec![0u8; 12]).unwrap_err();
    assert!(matches!(err, EncodeError::BadFrame { .. }), "{err}");
    drop(enc);
    assert_eq!(std::fs::read(&dest).unwrap(), b"previous bytes");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn existing_destination_is_replaced_only_on_success() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("replace.webm");
    std::fs::write(&dest, b"old").unwrap();
    encode(&settings(Format::Webm, Quality::Low, 30, 10), &dest).0.unwrap();
    assert_eq!(probe::discover(&dest).unwrap().codec, "video/x-vp8");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temp files left");
}

/// x264 writes its settings into the stream (an SEI message, "x264 - core … options: …"). In
/// `pass=qual` GStreamer's `x264enc` once passed its default `bitrate` (2048 kbit/s) on as a VBV
/// cap, and every preset of ours was held near 2 Mbit/s whatever its CRF: the options must say
/// CRF and no VBV at all.
#[test]
fn mp4_presets_are_pure_crf_without_a_vbv_cap() {
    for q in Quality::ALL {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("crf.mp4");
        encode(&settings(Format::Mp4, q, 30, 3), &dest).0.unwrap();
        let bytes = std::fs::read(&dest).unwrap();
        let at = bytes.windows(11).position(|w| w == b"x264 - core").expect("x264's options in the stream");
        let end = bytes[at..].iter().position(|&b| b == 0).map_or(bytes.len(), |n| at + n);
        let options = String::from_utf8_lossy(&bytes[at..end]);
        let crf = Format::Mp4.profile().preset(q).crf.unwrap();
        assert!(options.contains(" rc=crf ") && options.contains(&format!(" crf={crf}.0 ")), "{q:?}: {options}");
        assert!(!options.contains("vbv_maxrate") && !options.contains("vbv_bufsize"), "{q:?}: {options}");
    }
}
