//! Peak memory does not grow with the video's length: a 60-second encode peaks within 10 % of
//! a 10-second one. Each runs in a child process (`encode-bench --child`, frames generated on the
//! fly) so the measurement is that encode's alone; the peak is the kernel's `VmHWM`.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

fn peak_rss_mb(format: &str, frames: u64, out: &Path) -> f64 {
    let mut child = Command::new(env!("CARGO_BIN_EXE_encode-bench"))
        .args(["--child", format, "low", "synthetic", "640", "360", "30", &frames.to_string()])
        .arg(out)
        .spawn()
        .expect("encode-bench runs");
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak = 0.0f64;
    let status = loop {
        if let Ok(s) = std::fs::read_to_string(&status_path) {
            if let Some(kb) = s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)) {
                peak = peak.max(kb.parse::<f64>().unwrap_or(0.0) / 1024.0);
            }
        }
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    assert!(status.success(), "encode of {frames} frames failed");
    peak
}

#[test]
fn a_60_second_export_peaks_within_10_percent_of_a_10_second_one() {
    let dir = tempfile::tempdir().unwrap();
    for format in ["mp4", "webm", "gif"] {
        let short = peak_rss_mb(format, 300, &dir.path().join(format!("short.{format}")));
        let long = peak_rss_mb(format, 1800, &dir.path().join(format!("long.{format}")));
        eprintln!("{format}: 10 s peak {short:.1} MB, 60 s peak {long:.1} MB");
        assert!(long <= short * 1.10, "{format}: 60 s peaked at {long:.1} MB, 10 s at {short:.1} MB");
        let (n, _, _) =
            bazaar_core::probe::decode_frames(&dir.path().join(format!("long.{format}")), |_, _, _| {}).unwrap();
        assert_eq!(n, 1800, "{format}: the long file is complete");
    }
}
