//! One project, several sizes (`"variants"`), through the real binary: `render --variant NAME|all`
//! writes one file per variant at its size with its scenes' override props (decoded back: size,
//! frames, pixels), `still` and `batch` take `--variant`, compositions see which variant they
//! draw, and `check` names a mistake that only one variant's props make, at its JSON path.

#[path = "support/cli.rs"]
mod cli;
#[path = "support/colour_card.rs"]
mod colour_card;

use cli::{bin, files_in, render, stderr};
use colour_card::{ffmpeg_rgb, ffprobe};
use std::path::{Path, PathBuf};
use std::process::Command;

const BLUE: [u8; 3] = [20, 60, 220];
const RED: [u8; 3] = [220, 30, 30];
const GREEN: [u8; 3] = [30, 200, 60];

/// "Variants": 64×36 at 10 fps, 3 frames of the scene's `color`, with a green band along the
/// top when the composition is told it draws the `square` variant. `vertical` (36×64) overrides
/// the colour to red; `square` (48×48) keeps it blue. `extra_scene`: appended to the scene.
fn project(extra_scene: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("fill.js"),
        "export default { draw(ctx, { width, height, props, variant }) { ctx.fillStyle = props.color; \
         ctx.fillRect(0, 0, width, height); if (variant === 'square') { ctx.fillStyle = 'rgb(30, 200, 60)'; \
         ctx.fillRect(0, 0, width, 8); } } };\n",
    )
    .unwrap();
    let project = dir.path().join("project.json");
    std::fs::write(
        &project,
        format!(
            r#"{{ "version": 1, "name": "Variants", "width": 64, "height": 36, "fps": 10,
  "inputs": {{ "label": "x" }},
  "variants": {{ "vertical": {{ "width": 36, "height": 64 }}, "square": {{ "width": 48, "height": 48 }} }},
  "compositions": {{ "Fill": "./fill.js" }},
  "scenes": [ {{ "composition": "Fill", "durationInFrames": 3, "props": {{ "color": "rgb(20, 60, 220)" }},
                "variants": {{ "vertical": {{ "props": {{ "color": "rgb(220, 30, 30)" }} }} }} {extra_scene} }} ] }}"#
        ),
    )
    .unwrap();
    (dir, project)
}

/// The decoded video's size, frame count, and the colour at (x, y) of its first frame.
fn decoded(file: &Path, (x, y): (u32, u32)) -> (u32, u32, usize, [u8; 3]) {
    let (frames, w, h) = ffmpeg_rgb(file);
    let at = ((y * w + x) * 3) as usize;
    (w, h, frames.len(), frames[0][at..at + 3].try_into().unwrap())
}

fn near(a: [u8; 3], b: [u8; 3]) -> bool {
    a.iter().zip(b).all(|(x, y)| (i32::from(*x) - i32::from(y)).abs() <= 6)
}

#[test]
fn variant_all_writes_one_file_per_variant_at_its_size_with_its_props() {
    let (dir, project) = project("");
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let o = render(&project, &out, &["--variant", "all", "--size", "project", "-q", "low"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(files_in(&out), ["Variants-square.mp4", "Variants-vertical.mp4"]);
    let (w, h, n, middle) = decoded(&out.join("Variants-vertical.mp4"), (18, 40));
    assert_eq!((w, h, n), (36, 64, 3));
    assert!(near(middle, RED), "the vertical variant's override colour: {middle:?}");
    let (w, h, n, middle) = decoded(&out.join("Variants-square.mp4"), (24, 30));
    assert_eq!((w, h, n), (48, 48, 3));
    assert!(near(middle, BLUE), "the square variant keeps the scene's colour: {middle:?}");
    let (.., top) = decoded(&out.join("Variants-square.mp4"), (24, 2));
    assert!(near(top, GREEN), "the composition is told it draws the square variant: {top:?}");
    // The project's own size, untouched by its variants.
    let own = dir.path().join("own.webm");
    let o = render(&project, &own, &["--size", "project", "-q", "low"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (w, h, _, middle) = decoded(&own, (32, 20));
    assert_eq!((w, h), (64, 36));
    assert!(near(middle, BLUE), "{middle:?}");
    assert_eq!(ffprobe(&own)["codec_name"], "vp8");
}

#[test]
fn one_variant_goes_where_o_says_with_its_name_filled_in() {
    let (dir, project) = project("");
    let o =
        render(&project, &dir.path().join("film-{{variant}}.webm"), &["--variant", "vertical", "--size", "project"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (w, h, n, middle) = decoded(&dir.path().join("film-vertical.webm"), (18, 32));
    assert_eq!((w, h, n, near(middle, RED)), (36, 64, 3, true), "{middle:?}");
    // A still of a variant, and a batch of rows as one.
    let png = dir.path().join("s.png");
    let o = Command::new(bin())
        .args(["still", project.to_str().unwrap(), "--frame", "1", "--variant", "square", "-o", png.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let (rgba, w, h) = bazaar_core::encode::still::png_rgba(&std::fs::read(&png).unwrap()).unwrap();
    assert_eq!((w, h), (48, 48));
    assert!(near(rgba[(30 * 48 + 24) * 4..][..3].try_into().unwrap(), BLUE));
    let rows = dir.path().join("rows.csv");
    std::fs::write(&rows, "label\nA\n").unwrap();
    let batch_out = dir.path().join("batch");
    std::fs::create_dir(&batch_out).unwrap();
    let o = Command::new(bin())
        .arg("batch")
        .arg(&project)
        .args(["--rows", rows.to_str().unwrap(), "--out-dir", batch_out.to_str().unwrap(), "--variant", "vertical"])
        .args(["-q", "low"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let (frames, w, h) = ffmpeg_rgb(&batch_out.join("1.mp4"));
    assert!(h > w && (f64::from(w) / f64::from(h) - 36.0 / 64.0).abs() < 0.01, "{w}×{h}");
    let at = ((h / 2 * w + w / 2) * 3) as usize;
    assert!(near(frames[0][at..at + 3].try_into().unwrap(), RED));
}

#[test]
fn a_variant_that_does_not_exist_or_has_nowhere_to_go_is_refused_before_rendering() {
    let (dir, project) = project("");
    let refused = |out: &str, extra: &[&str], words: &str| {
        let o = render(&project, &dir.path().join(out), extra);
        assert_eq!(o.status.code(), Some(1), "{out} {extra:?}");
        assert!(stderr(&o).contains(words), "{extra:?}: {}", stderr(&o));
        assert!(!dir.path().join(out).exists());
    };
    refused("a.mp4", &["--variant", "wide"], "there is no variant \"wide\"; this project has: vertical, square");
    refused(
        "a.mp4",
        &["--variant", "all"],
        "--variant all writes one file per variant (vertical, square): give -o a folder",
    );
    refused("{{variant}}.mp4", &[], "choose the variant with --variant NAME|all");
    let o = Command::new(bin())
        .args(["render", project.to_str().unwrap(), "--variant", "all", "--chunk", "1/2", "--chunk-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(stderr(&o).contains("--variant all with --chunk"), "{}", stderr(&o));
}

#[test]
fn check_names_a_mistake_only_one_variant_makes() {
    // The square variant's clip is a text file named like a video; the project's own clip and
    // the vertical variant's are fine. Only that variant's file is inspected again.
    let (dir, project) = project("");
    let clip = Command::new("ffmpeg")
        .args(["-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x36:rate=10:duration=0.3", "-pix_fmt", "yuv420p"])
        .arg(dir.path().join("good.mp4"))
        .status()
        .unwrap();
    assert!(clip.success());
    std::fs::write(dir.path().join("bad.mp4"), "not a video\n").unwrap();
    let text = std::fs::read_to_string(&project).unwrap().replace(
        r#""scenes": ["#,
        r#""scenes": [ { "composition": "VideoClip", "durationInFrames": 3, "props": { "src": "good.mp4" },
                       "variants": { "square": { "props": { "src": "bad.mp4" } } } },"#,
    );
    std::fs::write(&project, &text).unwrap();
    let o = Command::new(bin()).arg("check").arg(&project).output().unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("as the variant \"square\"") && err.contains("scenes[0].props.src"), "{err}");
    assert!(err.contains("bad.mp4 is not a video") && !err.contains("as the variant \"vertical\""), "{err}");
    // An input a variant's props name but the project does not declare: named where it is written.
    let text = text.replace(r#""src": "bad.mp4""#, r#""src": "{{clip}}""#);
    std::fs::write(&project, &text).unwrap();
    let err = stderr(&Command::new(bin()).arg("check").arg(&project).output().unwrap());
    assert!(err.contains("scenes[0].variants.square.props.src: {{clip}} is not an input"), "{err}");
    // A scene's override naming no variant is the project's own mistake.
    let text = std::fs::read_to_string(&project).unwrap().replace(r#""square": { "props""#, r#""wide": { "props""#);
    std::fs::write(&project, text).unwrap();
    let err = stderr(&Command::new(bin()).arg("check").arg(&project).output().unwrap());
    assert!(
        err.contains("scenes[0].variants.wide: there is no variant \"wide\"; this project has: vertical, square"),
        "{err}"
    );
}

/// Every built-in that draws text, given long texts, keeps them inside the frame in all three
/// shapes: rendered with its texts and with them blank, each frame's outermost pixels are the
/// same (a line running off the frame would change them). Before text wrapped, KineticText's
/// lines ran off the top and bottom of a square frame.
#[test]
fn the_built_ins_keep_long_texts_inside_the_frame_in_every_shape() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(cli::repo("samples/launch-teaser/assets/valley.png"), dir.path().join("valley.png")).unwrap();
    let long = "Announcing the Extraordinarily Comprehensive Quarterly Roadmap Review and then some more";
    let scenes = |t: &str| {
        let t2 =
            if t.is_empty() { "" } else { "A subtitle that also goes on for quite a while, longer than it should" };
        serde_json::json!([
            { "composition": "TitleCard", "durationInFrames": 20, "props": { "title": t, "subtitle": t2 } },
            { "composition": "LowerThird", "durationInFrames": 20, "props": { "name": t, "role": t2 } },
            { "composition": "BulletList", "durationInFrames": 20, "props": { "title": t, "items": [t2, t, t2], "revealEvery": 0.1 } },
            { "composition": "Countdown", "durationInFrames": 20, "props": { "from": 3, "label": t } },
            { "composition": "KineticText", "durationInFrames": 20, "props": { "text": t, "wordsPerSecond": 40 } },
            { "composition": "ImageSlide", "durationInFrames": 20, "props": { "src": "valley.png", "caption": t } },
            { "composition": "AudioBars", "durationInFrames": 20, "props": { "title": t } }
        ])
    };
    // Each frame's label and its outermost ring of pixels (RGB).
    let edges = |name: &str| -> Vec<(String, Vec<u8>)> {
        let project = dir.path().join(format!("{name}.json"));
        // A blank, not nothing: what a built-in draws only with a text (the slide's shade
        // under its caption) is drawn in both.
        let text = if name == "with" { long } else { " " };
        let p = serde_json::json!({ "version": 1, "name": name, "width": 256, "height": 144, "fps": 10,
            "variants": { "vertical": { "width": 144, "height": 256 }, "square": { "width": 192, "height": 192 } },
            "scenes": scenes(text) });
        std::fs::write(&project, p.to_string()).unwrap();
        let out = dir.path().join(format!("{name}-out"));
        std::fs::create_dir(&out).unwrap();
        let o = render(&project, &out, &["--variant", "all", "--format", "png-seq", "--size", "project"]);
        assert!(o.status.success(), "{}", stderr(&o));
        let o = render(&project, &out.join(format!("{name}-own")), &["--format", "png-seq", "--size", "project"]);
        assert!(o.status.success(), "{}", stderr(&o));
        let mut frames = Vec::new();
        for shape in ["own", "vertical", "square"] {
            // 1.2 s into each scene: every text in, none leaving yet.
            for f in (0..7).map(|i| i * 20 + 12) {
                let png = out.join(format!("{name}-{shape}/{name}-{shape}-{f:05}.png"));
                let (rgb, w, h) = ffmpeg_rgb(&png);
                let px = |x: u32, y: u32| rgb[0][((y * w + x) * 3) as usize..][..3].to_vec();
                let ring: Vec<u8> = (0..w)
                    .flat_map(|x| [px(x, 0), px(x, h - 1)])
                    .chain((0..h).flat_map(|y| [px(0, y), px(w - 1, y)]))
                    .flatten()
                    .collect();
                frames.push((format!("{shape} frame {f}"), ring));
            }
        }
        frames
    };
    let (with, without) = (edges("with"), edges("without"));
    assert_eq!(with.len(), 21);
    for ((what, a), (_, b)) in with.iter().zip(&without) {
        let worst = a.iter().zip(b).map(|(x, y)| x.abs_diff(*y)).max().unwrap_or(0);
        assert!(worst <= 2, "{what}: the frame's edge changes by {worst} with the texts");
    }
}
