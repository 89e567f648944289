#![allow(dead_code)] // each test binary uses a different part of these helpers
//! The colour test card (`tests/fixtures/colour-card/`): its patches, where each one is in a
//! frame, and what a decoded frame shows there.

use std::path::{Path, PathBuf};

/// The card's project: 1920×1080 at 10 fps, two frames drawn on the canvas, then two as HTML.
pub fn project() -> PathBuf {
    super::cli::repo("tests/fixtures/colour-card/project.json")
}

/// The patches' colours, in the card's order, as `patches.js` says them (read from there, so
/// the card and the test cannot disagree).
pub fn patches() -> Vec<[u8; 3]> {
    let text = std::fs::read_to_string(project().with_file_name("patches.js")).expect("patches.js");
    let list = text.split("PATCHES = [").nth(1).and_then(|t| t.split("];").next()).expect("a PATCHES list");
    let numbers: Vec<u8> = list
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .flat_map(|l| l.split(|c: char| !c.is_ascii_digit()).filter(|n| !n.is_empty()).map(|n| n.parse().unwrap()))
        .collect();
    assert_eq!(numbers.len(), 24 * 3, "24 patches of three channels in patches.js");
    numbers.chunks(3).map(|c| [c[0], c[1], c[2]]).collect()
}

/// Patch `k`'s cell in a `w`×`h` frame, `[x, y, width, height]`: `cell()` of patches.js.
pub fn cell(k: usize, w: u32, h: u32) -> [u32; 4] {
    let (c, r) = ((k % 6) as f64, (k / 6) as f64);
    let at = |i: f64, side: u32, n: f64| (i * f64::from(side) / n).round() as u32;
    let (x0, y0) = (at(c, w, 6.0), at(r, h, 4.0));
    [x0, y0, at(c + 1.0, w, 6.0) - x0, at(r + 1.0, h, 4.0) - y0]
}

/// Where a patch is measured: the middle third of its cell each way, far from its edges (4:2:0
/// chroma and a codec's blocks blur an edge over a few pixels; the middle is flat).
pub fn middle(k: usize, w: u32, h: u32) -> [u32; 4] {
    let [x, y, cw, ch] = cell(k, w, h);
    [x + cw / 3, y + ch / 3, cw / 3, ch / 3]
}

/// The mean colour of each patch's middle in a packed RGB (3 bytes a pixel) frame, rounded.
pub fn measure(rgb: &[u8], w: u32, h: u32) -> Vec<[u8; 3]> {
    (0..24)
        .map(|k| {
            let [x0, y0, mw, mh] = middle(k, w, h);
            let mut sum = [0u64; 3];
            for y in y0..y0 + mh {
                for x in x0..x0 + mw {
                    let at = (y as usize * w as usize + x as usize) * 3;
                    for (s, v) in sum.iter_mut().zip(&rgb[at..at + 3]) {
                        *s += u64::from(*v);
                    }
                }
            }
            let n = u64::from(mw * mh);
            sum.map(|s| ((s + n / 2) / n) as u8)
        })
        .collect()
}

/// The largest difference of any channel of any patch from the card's.
pub fn worst(got: &[[u8; 3]], want: &[[u8; 3]]) -> u8 {
    got.iter().zip(want).flat_map(|(g, w)| g.iter().zip(w).map(|(a, b)| a.abs_diff(*b))).max().unwrap_or(0)
}

/// Each patch's `wanted → got` where it is off, for a failure's message.
pub fn differences(got: &[[u8; 3]], want: &[[u8; 3]]) -> String {
    let off: Vec<String> = got.iter().zip(want).filter(|(g, w)| g != w).map(|(g, w)| format!("{w:?}→{g:?}")).collect();
    off.join(", ")
}

/// Every frame of `file` decoded by FFmpeg to packed RGB, and the frame size.
pub fn ffmpeg_rgb(file: &Path) -> (Vec<Vec<u8>>, u32, u32) {
    let s = ffprobe(file);
    let (w, h) = (s["width"].as_u64().unwrap() as u32, s["height"].as_u64().unwrap() as u32);
    let o = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(file)
        .args(["-sws_flags", "accurate_rnd+full_chroma_int", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
        .output()
        .expect("ffmpeg runs");
    assert!(o.status.success(), "ffmpeg cannot decode {}: {}", file.display(), String::from_utf8_lossy(&o.stderr));
    let frame = w as usize * h as usize * 3;
    assert!(
        !o.stdout.is_empty() && o.stdout.len().is_multiple_of(frame),
        "{}: {} bytes",
        file.display(),
        o.stdout.len()
    );
    (o.stdout.chunks(frame).map(<[u8]>::to_vec).collect(), w, h)
}

/// ffprobe's view of the first video stream of `file` (codec, size, colour tags).
pub fn ffprobe(file: &Path) -> serde_json::Value {
    let o = std::process::Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0", "-show_streams", "-of", "json"])
        .arg(file)
        .output()
        .expect("ffprobe runs");
    assert!(o.status.success(), "ffprobe {}: {}", file.display(), String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("ffprobe's JSON");
    v["streams"][0].clone()
}
