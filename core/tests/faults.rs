//! Faults around the encoder: cancel at awkward moments, a disk that fills up, a destination
//! folder that disappears. Each ends with a clear error and no file at the destination, and the
//! engine keeps working afterwards.

use bazaar_core::encode::{EncodeError, EncodeSettings, Encoder, Format, PixelFormat, Quality};
use bazaar_core::{probe, synth, CancelToken};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn settings(format: Format, w: u32, h: u32, frames: u64) -> EncodeSettings {
    EncodeSettings {
        format,
        quality: Quality::High,
        width: w,
        height: h,
        fps: 30,
        total_frames: frames,
        duration: None,
        input: PixelFormat::Rgba,
        audio: false,
        prores_profile: Default::default(),
        gif_loops: 0,
        keep_alpha: false,
    }
}

fn entries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default()
}

/// The engine still encodes a small file correctly (after a fault).
fn still_works(dir: &Path) {
    let dest = dir.join("after.webm");
    let s = settings(Format::Webm, 160, 90, 10);
    let mut enc = Encoder::start(s, &dest, CancelToken::new(), Arc::new(|_| {})).unwrap();
    for i in 0..10 {
        enc.push_frame(i, synth::frame(i, 160, 90)).unwrap();
    }
    enc.finish().unwrap();
    assert_eq!(probe::decode_frames(&dest, |_, _, _| {}).unwrap().0, 10);
}

#[test]
fn cancel_right_after_start_and_twice() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("out.mp4");
    let cancel = CancelToken::new();
    let mut enc =
        Encoder::start(settings(Format::Mp4, 320, 180, 100), &dest, cancel.clone(), Arc::new(|_| {})).unwrap();
    cancel.cancel();
    cancel.cancel();
    assert!(matches!(enc.push_frame(0, synth::frame(0, 320, 180)), Err(EncodeError::Cancelled)));
    assert!(matches!(enc.finish(), Err(EncodeError::Settings(_) | EncodeError::Cancelled)));
    assert!(entries(dir.path()).is_empty(), "nothing left: {:?}", entries(dir.path()));
    still_works(dir.path());
}

#[test]
fn cancel_during_finalizing_leaves_either_the_whole_file_or_nothing() {
    for delay_ms in [0u64, 5, 20, 60] {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.mp4");
        let cancel = CancelToken::new();
        let n = 90;
        let mut enc =
            Encoder::start(settings(Format::Mp4, 640, 360, n), &dest, cancel.clone(), Arc::new(|_| {})).unwrap();
        for i in 0..n {
            enc.push_frame(i, synth::frame(i, 640, 360)).unwrap();
        }
        let c = cancel.clone();
        let canceller = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(delay_ms));
            c.cancel();
            c.cancel();
        });
        let started = Instant::now();
        let result = enc.finish();
        canceller.join().unwrap();
        assert!(started.elapsed() < Duration::from_secs(5), "finish returned promptly");
        match result {
            Ok(path) => {
                // Cancel came too late: the file is complete and plays.
                assert_eq!(probe::decode_frames(&path, |_, _, _| {}).unwrap().0, n);
                assert_eq!(entries(dir.path()), ["out.mp4"]);
            }
            Err(EncodeError::Cancelled) => assert!(entries(dir.path()).is_empty(), "{:?}", entries(dir.path())),
            Err(e) => panic!("cancel during finalizing gave {e}"),
        }
    }
}

/// A 1 MB tmpfs (mounting needs root: CI runs as root) that an export cannot fit in.
struct SmallDisk(tempfile::TempDir);

impl SmallDisk {
    fn mount() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
            .arg(dir.path())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(ok, "this test mounts a small tmpfs and must run as root (CI does)");
        Self(dir)
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(self.0.path()).status();
    }
}

/// Frames that do not compress: noise, so the output outgrows the disk quickly.
fn noise(i: u64, w: u32, h: u32) -> Vec<u8> {
    let mut x = 0x9E37_79B9_7F4A_7C15u64 ^ (i + 1).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    (0..w * h * 4)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

#[test]
fn a_disk_that_fills_up_mid_export_is_reported_and_cleaned_up() {
    for format in [Format::Mp4, Format::Webm, Format::Gif] {
        let disk = SmallDisk::mount();
        let dest = disk.0.path().join(format!("out.{}", format.profile().extension));
        std::fs::write(&dest, b"an earlier export").unwrap();
        let n = 200;
        let mut enc =
            Encoder::start(settings(format, 640, 360, n), &dest, CancelToken::new(), Arc::new(|_| {})).unwrap();
        let mut result = Ok(dest.clone());
        for i in 0..n {
            if let Err(e) = enc.push_frame(i, noise(i, 640, 360)) {
                result = Err(e);
                break;
            }
        }
        let result = match result {
            Ok(_) => enc.finish(),
            Err(e) => {
                drop(enc);
                Err(e)
            }
        };
        match result {
            Err(EncodeError::DiskFull { path }) => assert_eq!(path, dest),
            other => panic!("{format:?}: expected a disk-full error, got {other:?}"),
        }
        assert_eq!(entries(disk.0.path()), [format!("out.{}", format.profile().extension)], "{format:?}: temp removed");
        assert_eq!(std::fs::read(&dest).unwrap(), b"an earlier export", "{format:?}: the old file is untouched");
    }
    still_works(tempfile::tempdir().unwrap().path());
}

#[test]
fn a_destination_folder_deleted_mid_export_is_reported() {
    let parent = tempfile::tempdir().unwrap();
    let folder = parent.path().join("exports");
    std::fs::create_dir(&folder).unwrap();
    let dest = folder.join("out.mp4");
    let n = 60;
    let mut enc =
        Encoder::start(settings(Format::Mp4, 320, 180, n), &dest, CancelToken::new(), Arc::new(|_| {})).unwrap();
    for i in 0..n {
        if i == 20 {
            std::fs::remove_dir_all(&folder).unwrap();
        }
        // Writes into the deleted folder may still succeed (the file is open); the failure
        // comes at the latest when the file is put in place.
        if enc.push_frame(i, synth::frame(i, 320, 180)).is_err() {
            break;
        }
    }
    let err = enc.finish().expect_err("the export cannot succeed without its folder");
    let text = err.to_string();
    assert!(text.contains("deleted or moved") || text.contains("exports"), "{text}");
    assert!(!folder.exists(), "nothing recreated the folder");
    still_works(parent.path());
}
