//! Burned captions over full-frame video clips (issue 33): the app makes every clip frame
//! itself and lays over it the captions the render page drew alone, once per look
//! (`src-tauri/src/render/caption_layer.rs`). Each style (`subtitle`, `words`, `karaoke`, with
//! the default half-transparent background, so the clip shows through) is rendered twice, the
//! app's way and with the speed tricks off (the page draws every frame: the clip, then the
//! captions over it, the reference), and the frames the encoder received (`--dump-frames`) are
//! compared; a transparent format (`png-seq --transparent`, RGBA) keeps its alpha.
//!
//! Tolerance: the clip is one flat colour, which the page's way (I420 → RGBA → I420) keeps to
//! within 1 (its chroma, rounded twice), so the bare frames agree within 1; over a caption a
//! pixel is the caption's colour weighted by its alpha plus the clip's by the rest, rounded
//! once by the app (±1 against the composite in real numbers: `bazaar_pixels::blend`'s tests)
//! and by the page through its 8-bit premultiplied canvas (±1 the other way): within 2.
//! Measured: 1 (`subtitle`, `words`) and 2 (`karaoke`) in I420; 1 in RGBA, alpha exact.

#[path = "support/cli.rs"]
mod cli;

use bazaar_core::captions::shown_on;
use cli::{render_command, stderr};
use std::path::{Path, PathBuf};

const W: usize = 320;
const H: usize = 180;
const FRAMES: usize = 40;
const AT: u64 = 3;
/// Two words, 233–400 and 400–567 ms from frame 3: frames 10 to 20.
const JSON: &str = r#"[{"text":"Over","startMs":233,"endMs":400},{"text":" clip","startMs":400,"endMs":567}]"#;

/// A project of one full-frame clip under `captions`: a flat colour, which the page's way
/// (I420 → RGBA → I420) keeps as it is, so any difference between the two ways is the captions'.
fn project(dir: &Path, captions: &str, transparent: bool) -> PathBuf {
    let o = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-f", "lavfi", "-i", &format!("color=c=0x3070c0:s={W}x{H}:r=30"), "-frames:v"])
        .arg(FRAMES.to_string())
        .args(["-c:v", "libx264", "-pix_fmt", "yuv420p"])
        .arg(dir.join("clip.mp4"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::create_dir_all(dir.join("captions")).unwrap();
    std::fs::write(dir.join("captions/clip.json"), JSON).unwrap();
    let background = if transparent { r#""background": "transparent","# } else { "" };
    let path = dir.join("project.json");
    std::fs::write(
        &path,
        format!(
            r#"{{ "version": 1, "width": {W}, "height": {H}, "fps": 30, {background} "captions": {captions},
  "scenes": [{{ "composition": "VideoClip", "durationInFrames": {FRAMES}, "props": {{ "src": "clip.mp4" }} }}] }}"#
        ),
    )
    .unwrap();
    path
}

/// The frames the encoder received, each `bytes` long, and how many the app made itself.
fn dumped(project: &Path, out: &str, extra: &[&str], page_only: bool, bytes: usize) -> (Vec<Vec<u8>>, Option<u64>) {
    let dir = project.parent().unwrap();
    let dump = dir.join(format!("{out}.raw"));
    let mut args = vec!["--size", "project", "--stats", "--dump-frames", dump.to_str().unwrap()];
    args.extend_from_slice(extra);
    let mut c = render_command(project, &dir.join(out), &args, 120);
    if page_only {
        c.env("BAZAAR_NO_SPEED_TRICKS", "1");
    }
    let o = c.output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let raw = std::fs::read(&dump).unwrap();
    assert_eq!(raw.len(), FRAMES * bytes);
    let made = stderr(&o)
        .lines()
        .find(|l| l.contains("frames made by the app"))
        .and_then(|l| l.rsplit(':').next()?.trim().parse().ok());
    (raw.chunks(bytes).map(<[u8]>::to_vec).collect(), made)
}

/// The largest difference between two frames, byte by byte.
fn largest(a: &[u8], b: &[u8]) -> u8 {
    a.iter().zip(b).map(|(x, y)| x.abs_diff(*y)).max().unwrap_or(0)
}

/// The frames of the caption by the rule.
fn rule() -> Vec<usize> {
    (0..FRAMES).filter(|&f| shown_on(f as u64, AT, 30, 233, 567)).collect()
}

/// On exactly the rule's frames the app's frames show a caption (thousands of bytes far from
/// the bare clip); every frame is within the tolerance of the page's own (see the top).
fn compare(app: &[Vec<u8>], page: &[Vec<u8>], style: &str) {
    let expected = rule();
    assert_eq!(expected, (10..21).collect::<Vec<_>>());
    let captioned: Vec<usize> = (0..FRAMES)
        .filter(|&f| app[f].iter().zip(&app[0]).filter(|(a, b)| a.abs_diff(**b) > 30).count() > 500)
        .collect();
    assert_eq!(captioned, expected, "{style}: the frames with a caption");
    let bare = (0..FRAMES).filter(|f| !expected.contains(f)).map(|f| largest(&app[f], &page[f])).max().unwrap();
    let over = expected.iter().map(|&f| largest(&app[f], &page[f])).max().unwrap();
    assert!(bare <= 1 && over <= 2, "{style}: off by {over} over a caption, {bare} elsewhere");
}

/// Each style over a clip: all 40 frames made by the app, the captions matching the page's own
/// composite; the reference makes none.
#[test]
fn captions_over_a_clip_are_laid_by_the_app_as_the_page_draws_them() {
    let frame_bytes = W * H * 3 / 2;
    for style in ["subtitle", "words", "karaoke"] {
        let dir = tempfile::tempdir().unwrap();
        let captions = format!(
            r##"[{{ "src": "captions/clip.json", "at": {AT}, "style": "{style}", "styleProps": {{ "fontSize": 30, "highlight": "#00ff00" }} }}]"##
        );
        let p = project(dir.path(), &captions, false);
        let (app, made) = dumped(&p, "app.mp4", &[], false, frame_bytes);
        let (page, none) = dumped(&p, "page.mp4", &[], true, frame_bytes);
        assert_eq!((made, none), (Some(FRAMES as u64), None), "{style}");
        compare(&app, &page, style);
    }
}

/// A transparent project kept transparent (`png-seq --transparent`: straight RGBA frames): the
/// clip frames are the app's, opaque, with the caption laid over them as the page lays it.
#[test]
fn captions_over_a_clip_in_a_format_that_keeps_alpha() {
    let dir = tempfile::tempdir().unwrap();
    let captions = format!(r##"[{{ "src": "captions/clip.json", "at": {AT}, "style": "words" }}]"##);
    let p = project(dir.path(), &captions, true);
    let extra = ["--format", "png-seq", "--transparent"];
    let (app, made) = dumped(&p, "app", &extra, false, W * H * 4);
    let (page, _) = dumped(&p, "page", &extra, true, W * H * 4);
    assert_eq!(made, Some(FRAMES as u64));
    assert!(app.iter().all(|f| f.chunks(4).all(|px| px[3] == 255)), "the clip and its caption are opaque");
    compare(&app, &page, "words, RGBA");
}
