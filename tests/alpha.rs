//! Transparent projects end to end through the binary: a canvas scene of semi-transparent
//! patches (alpha 0, 64, 128, 192, 255) and a DOM scene of `rgba()` patches, with
//! `"background": "transparent"` and a matte. Without `--transparent` the frames are the page's
//! own composite over the matte: exactly (±1) in the frames the encoder receives
//! (`--dump-frames` of a GIF, whose frames stay RGBA), and within ±3 in an MP4 decoded back;
//! an opaque scene of the same project stays black. With `--transparent`, VP9 WebM and ProRes
//! 4444 keep the alpha, also rendered in chunks and joined. The bad cases: `--transparent` for a
//! format without alpha, and bad `background`/`matte` values, refused before anything renders; a
//! damaged transparent VP9 chunk refused by `join`, naming it.

#[path = "support/cli.rs"]
mod cli;
#[path = "support/straight_alpha.rs"]
mod straight_alpha;

use bazaar_core::probe;
use cli::{bin, render, stderr};
use std::path::{Path, PathBuf};
use std::process::Command;
use straight_alpha::{alpha_and_composite_error, over};

const W: usize = 160;
const H: usize = 96;
const ALPHAS: [u8; 5] = [0, 64, 128, 192, 255];
const MATTE: [u8; 3] = [0x20, 0x50, 0xa0];
/// The canvas scene's colour and the DOM scene's, each at every alpha of [`ALPHAS`].
const CANVAS: [u8; 3] = [230, 40, 90];
const DOM: [u8; 3] = [20, 200, 120];

/// Five columns of patches, one per alpha, over nothing.
const PATCHES_JS: &str = r#"
export default {
  draw(ctx, { width, height }) {
    [0, 64, 128, 192, 255].forEach((a, i) => {
      ctx.fillStyle = `rgba(230, 40, 90, ${a / 255})`;
      ctx.fillRect(i * 32, 0, 32, height);
    });
  },
};
"#;
const PATCHES_DOM_JS: &str = r#"
export default {
  dom: true,
  render(root) {
    root.innerHTML = [0, 64, 128, 192, 255]
      .map((a, i) => `<div style="position:absolute;left:${i * 32}px;top:0;width:32px;height:96px;background:rgba(20, 200, 120, ${a / 255})"></div>`)
      .join("");
  },
};
"#;
/// Draws nothing: an opaque scene's frame stays black.
const NOTHING_JS: &str = "export default { draw() {} };";
/// The composites the patches should become, painted opaque (the props' colour over the
/// matte, worked out here): what the codec alone makes of those colours.
const CONTROL_JS: &str = r#"
export default {
  draw(ctx, { height, props }) {
    [0, 64, 128, 192, 255].forEach((a, i) => {
      const [r, g, b] = props.colour.map((c, k) => Math.round((c * a + [0x20, 0x50, 0xa0][k] * (255 - a)) / 255));
      ctx.fillStyle = `rgb(${r}, ${g}, ${b})`;
      ctx.fillRect(i * 32, 0, 32, height);
    });
  },
};
"#;

/// The project: the canvas scene, the DOM scene (2 frames each), an opaque scene and the two
/// controls (1 frame each), at 10 fps (a GIF keeps every frame).
fn project(extra: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        ("patches.js", PATCHES_JS),
        ("patches-dom.js", PATCHES_DOM_JS),
        ("nothing.js", NOTHING_JS),
        ("control.js", CONTROL_JS),
    ];
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let path = dir.path().join("project.json");
    std::fs::write(
        &path,
        format!(
            r##"{{ "version": 1, "width": {W}, "height": {H}, "fps": 10, "background": "transparent", "matte": "#2050A0", {extra}
  "compositions": {{ "Patches": "./patches.js", "DomPatches": "./patches-dom.js", "Nothing": "./nothing.js", "Control": "./control.js" }},
  "scenes": [
    {{ "composition": "Patches", "durationInFrames": 2 }},
    {{ "composition": "DomPatches", "durationInFrames": 2 }},
    {{ "composition": "Nothing", "durationInFrames": 1, "background": "opaque" }},
    {{ "composition": "Control", "durationInFrames": 1, "background": "opaque", "props": {{ "colour": [230, 40, 90] }} }},
    {{ "composition": "Control", "durationInFrames": 1, "background": "opaque", "props": {{ "colour": [20, 200, 120] }} }}
  ] }}"##
        ),
    )
    .unwrap();
    (dir, path)
}

/// The largest difference, over the middle of each patch, between `frame` (RGBA rows of W) and
/// the composite of `colour` over the matte.
fn worst(frame: &[u8], colour: [u8; 3]) -> f64 {
    let mut worst = 0.0f64;
    for (i, &a) in ALPHAS.iter().enumerate() {
        let want = over(colour, a, MATTE);
        for y in [8, H / 2, H - 8] {
            for x in [i * 32 + 8, i * 32 + 16, i * 32 + 24] {
                let p = &frame[(y * W + x) * 4..][..4];
                for k in 0..3 {
                    worst = worst.max((f64::from(p[k]) - want[k]).abs());
                }
            }
        }
    }
    worst
}

fn at(frame: &[u8], x: usize, y: usize) -> [u8; 4] {
    frame[(y * W + x) * 4..][..4].try_into().unwrap()
}

/// Without `--transparent`, the frames that reach the encoder are the page's composite over
/// the matte, opaque: canvas bands flattened in the frame ring, the DOM scene's picture taken
/// over the matte; the opaque scene stays black. The command says so in one line.
#[test]
fn a_transparent_project_is_flattened_over_its_matte_exactly() {
    let (dir, project) = project("");
    let (out, dump) = (dir.path().join("out.gif"), dir.path().join("frames.rgba"));
    let o = render(&project, &out, &["--size", "project", "--dump-frames", dump.to_str().unwrap()]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains(
            "is transparent: flattened over #2050a0: add --transparent with prores 4444/4444xq, webm-vp9 or png-seq"
        ),
        "{err}"
    );
    let frames = std::fs::read(&dump).unwrap();
    assert_eq!(frames.len(), 7 * W * H * 4);
    let frame = |i: usize| &frames[i * W * H * 4..(i + 1) * W * H * 4];
    for i in 0..4 {
        assert!(frame(i).chunks_exact(4).all(|p| p[3] == 255), "frame {i} is opaque");
    }
    let (canvas, dom) = (worst(frame(1), CANVAS), worst(frame(3), DOM));
    eprintln!("flattened, as the encoder receives it: canvas ±{canvas}, DOM ±{dom}");
    assert!(canvas <= 1.0 && dom <= 1.0, "canvas ±{canvas}, DOM ±{dom}");
    assert_eq!(at(frame(4), W / 2, H / 2), [0, 0, 0, 255], "the opaque scene is black, not the matte");
}

/// The same project in an MP4, decoded back: within ±3 of the controls (the composites painted
/// opaque, through the same encoder and decoder), and of the composites themselves within what
/// H.264 makes of those colours when opaque (measured on the controls).
#[test]
fn a_transparent_project_in_an_mp4_decodes_to_its_composite_over_the_matte() {
    let (dir, project) = project("");
    let out = dir.path().join("out.mp4");
    let o = render(&project, &out, &["--size", "project", "--quality", "high"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut frames = Vec::new();
    let (n, w, h) = probe::decode_frames(&out, |_, _, rgba| frames.push(rgba.to_vec())).unwrap();
    assert_eq!((n, w as usize, h as usize), (7, W, H));
    let against = |frame: &[u8], control: &[u8]| {
        let mut worst = 0i32;
        for x in (0..5).flat_map(|i| [i * 32 + 8, i * 32 + 16, i * 32 + 24]) {
            for y in [8, H / 2, H - 8] {
                let (p, q) = (at(frame, x, y), at(control, x, y));
                worst = (0..3).map(|k| (i32::from(p[k]) - i32::from(q[k])).abs()).fold(worst, i32::max);
            }
        }
        worst
    };
    let (canvas, dom) = (against(&frames[1], &frames[5]), against(&frames[3], &frames[6]));
    let codec = worst(&frames[5], CANVAS).max(worst(&frames[6], DOM));
    let absolute = worst(&frames[1], CANVAS).max(worst(&frames[3], DOM));
    eprintln!(
        "flattened, decoded from the MP4: canvas ±{canvas}, DOM ±{dom} of the controls; ±{absolute} of the composites, the controls themselves ±{codec}"
    );
    assert!(canvas <= 3 && dom <= 3, "canvas ±{canvas}, DOM ±{dom}");
    assert!(absolute <= codec + 1.0, "±{absolute} of the composites, the codec alone ±{codec}");
    let black = at(&frames[4], W / 2, H / 2);
    assert!(black[..3].iter().all(|&c| c <= 3), "the opaque scene: {black:?}");
}

/// `--transparent` for a format that cannot keep alpha is refused before anything renders,
/// naming the option, by `render` and by `batch`.
#[test]
fn transparent_is_refused_for_formats_without_alpha() {
    let (dir, project) = project("");
    for ext in ["mp4", "webm", "gif"] {
        let out = dir.path().join(format!("out.{ext}"));
        let o =
            Command::new(bin()).arg("render").arg(&project).arg("-o").arg(&out).arg("--transparent").output().unwrap();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{ext}: {err}");
        assert!(err.contains(&format!("--transparent: {ext} (")) && err.contains("cannot keep transparency"), "{err}");
        assert!(!out.exists(), "{ext}: nothing written");
    }
    let rows = dir.path().join("rows.csv");
    std::fs::write(&rows, "name\nA\n").unwrap();
    let videos = dir.path().join("videos");
    std::fs::create_dir(&videos).unwrap();
    let o = Command::new(bin())
        .arg("batch")
        .arg(&project)
        .arg("--rows")
        .arg(&rows)
        .arg("--out-dir")
        .arg(&videos)
        .arg("--transparent")
        .output()
        .unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("--transparent: mp4 (") && !err.contains("rows to render"), "{err}");
    assert_eq!(std::fs::read_dir(&videos).unwrap().count(), 0);
}

/// Bad `background` and `matte` values are refused at their JSON path, by `check` and
/// `render`, before anything renders; a good transparent project's `check` says it is.
#[test]
fn bad_backgrounds_and_mattes_are_refused_at_their_path() {
    let (dir, good) = project("");
    let o = Command::new(bin()).arg("check").arg(&good).output().unwrap();
    let said = String::from_utf8_lossy(&o.stdout).into_owned() + &stderr(&o);
    assert!(o.status.success() && said.contains("background: transparent") && said.contains("#2050a0"), "{said}");
    let bad = dir.path().join("bad.json");
    let text = std::fs::read_to_string(&good).unwrap();
    let text = text.replace(r#""background": "transparent""#, r#""background": "clear""#).replace("#2050A0", "navy");
    std::fs::write(&bad, text.replace(r#""background": "opaque""#, r#""background": 0"#)).unwrap();
    for command in ["check", "render"] {
        let out = dir.path().join("out.mp4");
        let mut c = Command::new(bin());
        c.arg(command).arg(&bad);
        if command == "render" {
            c.arg("-o").arg(&out);
        }
        let o = c.output().unwrap();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{command}: {err}");
        for (at, words) in [
            ("background", "must be \"transparent\" or \"opaque\", not the text \"clear\""),
            ("matte", "must be a colour written #rrggbb"),
            ("scenes[2].background", "must be \"transparent\" or \"opaque\", not 0"),
        ] {
            assert!(err.contains(&format!("{at}: {words}")), "{command}: {at} missing from:\n{err}");
        }
        assert!(!Path::new(&out).exists());
    }
}

/// The frames of `file` as FFmpeg decodes them to RGBA (`decoder`: forced, as libvpx-vp9 must
/// be for VP9's alpha).
fn ffmpeg_frames(file: &Path, decoder: Option<&str>) -> Vec<Vec<u8>> {
    straight_alpha::ffmpeg_rgba(file, decoder).chunks_exact(W * H * 4).map(<[u8]>::to_vec).collect()
}

/// How far the canvas patches of a decoded `frame` (RGBA) are from the page's: the worst alpha
/// difference, and the worst difference of their composite over the matte (as FFmpeg's
/// `overlay` makes it) from the page's own composite.
fn kept_alpha(frame: &[u8]) -> (i32, f64) {
    let patches = ALPHAS.iter().enumerate().map(|(i, &a)| (at(frame, i * 32 + 16, H / 2), a));
    alpha_and_composite_error(patches, CANVAS, MATTE)
}

/// With `--transparent`, VP9 WebM (decoded by FFmpeg's libvpx) and ProRes 4444 keep the
/// canvas patches' alpha (±3; ProRes ±2) and, composited over the matte, come out within ±3 of
/// the page's own composite; ProRes below 4444 is refused naming --prores-profile, before
/// anything renders.
#[test]
fn transparent_is_kept_in_vp9_webm_and_prores_4444() {
    let (dir, project) = project("");
    let cases: [(&str, &[&str], Option<&str>, i32); 2] = [
        ("out.webm", &["--format", "webm-vp9"], Some("libvpx-vp9"), 3),
        ("out.mov", &["--prores-profile", "4444"], None, 2),
    ];
    for (name, extra, decoder, tolerance) in cases {
        let out = dir.path().join(name);
        let mut args = vec!["--size", "project", "--quality", "high", "--transparent"];
        args.extend_from_slice(extra);
        let o = render(&project, &out, &args);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        let frames = ffmpeg_frames(&out, decoder);
        assert_eq!(frames.len(), 7, "{name}");
        let (alpha, composite) = kept_alpha(&frames[1]);
        eprintln!("{name}: alpha within ±{alpha}, composite over the matte within ±{composite:.1}");
        assert!(alpha <= tolerance && composite <= 3.0, "{name}: alpha ±{alpha}, composite ±{composite:.1}");
    }
    let out = dir.path().join("hq.mov");
    let o = Command::new(bin()).arg("render").arg(&project).arg("-o").arg(&out).arg("--transparent").output().unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("--transparent: ProRes profile hq") && err.contains("--prores-profile 4444"), "{err}");
    assert!(!out.exists());
}

/// Renders chunk `k` of 2 of `project` into `dir`.
fn chunk(project: &Path, dir: &Path, k: u64, extra: &[&str]) -> std::process::Output {
    let part = format!("{k}/2");
    let mut c = Command::new(bin());
    c.arg("render").arg(project).args(["--chunk", &part, "--chunk-dir"]).arg(dir).args(extra).output().unwrap()
}

/// Chunks keep the alpha: ProRes 4444 rendered in two chunks side by side (`--jobs 2`) and
/// joined keeps the canvas patches' alpha, and the chunk manifests say which chunks are
/// transparent.
#[test]
fn transparent_prores_chunks_keep_the_alpha() {
    let (dir, project) = project("");
    let out = dir.path().join("joined.mov");
    let args = ["--size", "project", "--prores-profile", "4444", "--transparent", "--jobs", "2"];
    let o = render(&project, &out, &args);
    assert!(o.status.success(), "{}", stderr(&o));
    let frames = ffmpeg_frames(&out, None);
    assert_eq!(frames.len(), 7);
    assert!(kept_alpha(&frames[1]).0 <= 2, "alpha ±{}", kept_alpha(&frames[1]).0);
    let chunks = dir.path().join("chunks");
    std::fs::create_dir(&chunks).unwrap();
    let prores = ["--size", "project", "--transparent", "--format", "prores", "--prores-profile", "4444"];
    let o = chunk(&project, &chunks, 0, &prores);
    assert!(o.status.success(), "{}", stderr(&o));
    let manifest = std::fs::read_to_string(chunks.join("chunk-0-of-2.json")).unwrap();
    assert!(
        manifest.contains(r#""transparent": true"#) && manifest.contains(r#""proresProfile": "4444""#),
        "{manifest}"
    );
}

/// Two caption cues, the second across the chunks' seam (chunk 1 of 2 starts at 400 ms).
const SRT: &str = "1\n00:00:00,000 --> 00:00:00,300\nOne\n\n2\n00:00:00,350 --> 00:00:00,650\nTwo\n";

/// The subtitle streams of `file` (codec names), and the first one's packets as the container
/// times them (start and duration in seconds, as ffprobe prints them; FFmpeg's WebVTT output
/// would shift them by the Opus track's codec delay).
fn caption_tracks(file: &Path) -> (Vec<String>, Vec<String>) {
    let probe = |what: &[&str]| {
        let o = Command::new("ffprobe")
            .args(["-v", "error"])
            .args(what)
            .args(["-of", "csv=p=0"])
            .arg(file)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).lines().filter(|l| !l.is_empty()).map(str::to_string).collect::<Vec<_>>()
    };
    (
        probe(&["-select_streams", "s", "-show_entries", "stream=codec_name"]),
        probe(&["-select_streams", "s:0", "-show_entries", "packet=pts_time,duration_time"]),
    )
}

/// A transparent VP9 WebM split into chunks keeps its alpha: rendered with `--jobs 2`, and as
/// `--chunk 0/2`, `--chunk 1/2` then `join`, it decodes with FFmpeg's libvpx-vp9 to the 7
/// frames, 0.7 s, alpha within ±3 and the composite over the matte within ±3 of the page's, with
/// the project's sound mixed once and its caption track written once across the seam. A chunk
/// that is not what its manifest says (cut short, its manifest rewritten to match) is refused
/// naming it, and nothing is written.
#[test]
fn transparent_vp9_chunks_keep_the_alpha_sound_and_captions() {
    let (dir, project) = project(
        r#""audio": [ { "src": "tone.wav" } ], "captions": [ { "src": "captions.srt", "language": "en", "burn": false, "track": true } ],"#,
    );
    bazaar_core::synth::write_wav(&dir.path().join("tone.wav"), 48000, 1.0, |t| {
        0.5 * (2.0 * std::f64::consts::PI * 440.0 * t).sin()
    })
    .unwrap();
    std::fs::write(dir.path().join("captions.srt"), SRT).unwrap();
    let vp9 = ["--size", "project", "--quality", "high", "--format", "webm-vp9", "--transparent"];
    let jobs = dir.path().join("jobs.webm");
    let o = render(&project, &jobs, &[vp9.as_slice(), &["--jobs", "2"]].concat());
    assert!(o.status.success(), "--jobs 2: {}", stderr(&o));
    let chunks = dir.path().join("chunks");
    std::fs::create_dir(&chunks).unwrap();
    for k in 0..2 {
        let o = chunk(&project, &chunks, k, &vp9);
        assert!(o.status.success(), "chunk {k}: {}", stderr(&o));
    }
    let joined = dir.path().join("joined.webm");
    let o = Command::new(bin()).arg("join").arg(&chunks).arg("-o").arg(&joined).output().unwrap();
    assert!(o.status.success(), "join: {}", stderr(&o));
    for (name, out) in [("--jobs 2", &jobs), ("--chunk + join", &joined)] {
        let frames = ffmpeg_frames(out, Some("libvpx-vp9"));
        assert_eq!(frames.len(), 7, "{name}");
        let alphas: Vec<u8> = ALPHAS.iter().enumerate().map(|(i, _)| at(&frames[1], i * 32 + 16, H / 2)[3]).collect();
        let (alpha, composite) = kept_alpha(&frames[1]);
        // Frame 5 is in the second chunk: an opaque control frame, its alpha 255.
        let second = at(&frames[5], W / 2, H / 2)[3];
        let duration = probe::discover(out).unwrap().duration.as_secs_f64();
        let sound = probe::decode_sound(out).unwrap();
        let rms = (sound.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / sound.len().max(1) as f64).sqrt();
        let (tracks, cues) = caption_tracks(out);
        eprintln!(
            "{name}: alphas {alphas:?} (±{alpha}), composite ±{composite:.1}, frame 5 alpha {second}, {duration:.3} s, \
             sound {} samples RMS {rms:.3}, tracks {tracks:?}, cues {cues:?}",
            sound.len()
        );
        assert!(alpha <= 3 && composite <= 3.0, "{name}: alpha ±{alpha}, composite ±{composite:.1}");
        assert_eq!(second, 255, "{name}");
        assert!((duration - 0.7).abs() < 0.02, "{name}: {duration} s");
        assert!(
            (sound.len() as i64 - 33_600).abs() < 1_000 && (0.3..0.4).contains(&rms),
            "{name}: {} samples, RMS {rms}",
            sound.len()
        );
        assert_eq!(tracks, ["webvtt"], "{name}");
        assert_eq!(cues, ["0.000000,0.300000", "0.350000,0.300000"], "{name}: the cues' times");
    }
    // Chunk 1 cut short, its manifest rewritten to match: the hashes pass, the reader refuses it.
    let chunk = chunks.join("chunk-1-of-2.webm");
    let bytes = std::fs::read(&chunk).unwrap();
    std::fs::write(&chunk, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let (size, hash) = bazaar_core::chunks::hash_file(&chunk).unwrap();
    let manifest = chunks.join("chunk-1-of-2.json");
    let mut m: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    m["fileBytes"] = size.into();
    m["fileHash"] = hash.into();
    std::fs::write(&manifest, m.to_string()).unwrap();
    let refused = dir.path().join("refused.webm");
    let o = Command::new(bin()).arg("join").arg(&chunks).arg("-o").arg(&refused).output().unwrap();
    let err = stderr(&o);
    eprintln!("{err}");
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains(
            "chunk 1 of 2 (chunk-1-of-2.webm) is not the transparent WebM its manifest describes: it is cut short"
        ) && err.contains("--chunk 1/2"),
        "{err}"
    );
    assert!(!refused.exists());
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().map(|e| e.file_name()).collect();
    assert!(!left.iter().any(|n| n.to_string_lossy().starts_with('.')), "a temp file is left: {left:?}");
}
