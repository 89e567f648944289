//! Image sequences (`png-seq`, `jpeg-seq`) and stills through the real binary: a folder of
//! pictures named by frame, each decoded back (size, colour, alpha, sRGB tag), the mix beside
//! them as a WAV, the folder written whole or not at all; stills keeping a transparent
//! project's alpha in PNG and WebP and flattening it over the matte in JPEG. (The colour card's
//! patches in both sequences: tests/colour.rs.)

#[path = "support/cli.rs"]
mod cli;
#[path = "support/straight_alpha.rs"]
mod straight_alpha;

use bazaar_core::encode::still::png_rgba;
use cli::{bin, files_in, render, repo, stderr};
use std::path::{Path, PathBuf};
use std::process::Command;
use straight_alpha::{alpha_and_composite_error, ffmpeg_rgba};

const W: usize = 96;
const H: usize = 32;
const ALPHAS: [u8; 3] = [0, 128, 255];
const COLOUR: [u8; 3] = [230, 40, 90];
const MATTE: [u8; 3] = [0x20, 0x50, 0xa0];

/// A transparent project, 96×32 at 10 fps, 3 frames: three columns of `COLOUR` at the alphas of
/// [`ALPHAS`] over nothing. `throw_at`: the composition throws from that frame on.
fn transparent_project(throw_at: Option<u32>) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let throw = throw_at.map(|f| format!("if (frame >= {f}) throw new Error('boom at ' + frame);")).unwrap_or_default();
    std::fs::write(
        dir.path().join("patches.js"),
        format!(
            "export default {{ draw(ctx, {{ height, frame }}) {{ {throw} [0, 128, 255].forEach((a, i) => {{ \
             ctx.fillStyle = `rgba(230, 40, 90, ${{a / 255}})`; ctx.fillRect(i * 32, 0, 32, height); }}); }} }};\n"
        ),
    )
    .unwrap();
    let project = dir.path().join("project.json");
    std::fs::write(
        &project,
        format!(
            r##"{{ "version": 1, "width": {W}, "height": {H}, "fps": 10, "background": "transparent", "matte": "#2050A0",
  "compositions": {{ "Patches": "./patches.js" }}, "scenes": [ {{ "composition": "Patches", "durationInFrames": 3 }} ] }}"##
        ),
    )
    .unwrap();
    (dir, project)
}

/// The page's own composite of `COLOUR` at `alpha` over `bg` (straight alpha).
fn over(bg: [u8; 3], alpha: u8) -> [f64; 3] {
    straight_alpha::over(COLOUR, alpha, bg)
}

/// Column `i`'s middle pixel of an RGBA frame.
fn patch(rgba: &[u8], i: usize) -> [u8; 4] {
    rgba[((H / 2) * W + i * 32 + 16) * 4..][..4].try_into().unwrap()
}

/// How far a decoded RGBA frame, composited over `bg` as FFmpeg's overlay would, is from the
/// page's own composite over it; and how far its alpha is from the page's.
fn composite_error(rgba: &[u8], bg: [u8; 3]) -> (f64, i32) {
    let patches = ALPHAS.iter().enumerate().map(|(i, &a)| (patch(rgba, i), a));
    let (alpha, colour) = alpha_and_composite_error(patches, COLOUR, bg);
    (colour, alpha)
}

/// Hidden entries (temp files and folders) left in `dir`.
fn hidden(dir: &Path) -> Vec<String> {
    files_in(dir).into_iter().filter(|n| n.starts_with('.')).collect()
}

/// `png-seq --transparent`: one PNG per frame named `<folder>-00000.png` …, 96×32, RGBA with
/// the page's straight alpha (±1) and tagged sRGB; composited over white and over black, within
/// ±3 of the page's own composite. `--frames 1-2` numbers its pictures by frame. Without
/// `--transparent` the PNGs are RGB, flattened over the matte (±1).
#[test]
fn a_png_sequence_keeps_alpha_and_names_each_picture_by_its_frame() {
    let (dir, project) = transparent_project(None);
    let shots = dir.path().join("shots");
    let o = render(&project, &shots, &["--format", "png-seq", "--size", "project", "--transparent"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(files_in(&shots), ["shots-00000.png", "shots-00001.png", "shots-00002.png"]);
    for name in files_in(&shots) {
        let bytes = std::fs::read(shots.join(&name)).unwrap();
        assert_eq!(&bytes[37..41], b"sRGB", "{name}: tagged sRGB right after IHDR");
        assert_eq!(bytes[25], 6, "{name}: colour type RGBA");
        let (rgba, w, h) = png_rgba(&bytes).unwrap();
        assert_eq!((w, h), (W as u32, H as u32), "{name}");
        for bg in [[255, 255, 255], [0, 0, 0], MATTE] {
            let (colour, alpha) = composite_error(&rgba, bg);
            eprintln!("{name} over {bg:?}: composite within ±{colour:.1}, alpha within ±{alpha}");
            assert!(colour <= 3.0 && alpha <= 1, "{name} over {bg:?}: composite ±{colour:.1}, alpha ±{alpha}");
        }
    }
    assert!(hidden(dir.path()).is_empty(), "{:?}", hidden(dir.path()));

    let part = dir.path().join("part");
    let o = render(&project, &part, &["--format", "png-seq", "--size", "project", "--frames", "1-2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(files_in(&part), ["part-00001.png", "part-00002.png"]);
    let bytes = std::fs::read(part.join("part-00001.png")).unwrap();
    assert_eq!(bytes[25], 2, "without --transparent: colour type RGB");
    let (rgb, _, _) = png_rgba(&bytes).unwrap();
    for (i, &a) in ALPHAS.iter().enumerate() {
        let (got, want) = (patch(&rgb, i), over(MATTE, a));
        let off = (0..3).map(|c| (f64::from(got[c]) - want[c]).abs()).fold(0.0, f64::max);
        assert!(off <= 1.0, "alpha {a}: {got:?}, the page's composite over the matte {want:?}");
    }
}

/// `jpeg-seq`: JPEGs of the frames' size, flattened over the matte (±3); `--transparent` is
/// refused for it naming the option, and nothing is written.
#[test]
fn a_jpeg_sequence_is_flattened_over_the_matte() {
    let (dir, project) = transparent_project(None);
    let out = dir.path().join("j");
    let o = render(&project, &out, &["--format", "jpeg-seq", "--size", "project"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(files_in(&out), ["j-00000.jpg", "j-00001.jpg", "j-00002.jpg"]);
    let rgba = ffmpeg_rgba(&out.join("j-00002.jpg"), None);
    assert_eq!(rgba.len(), W * H * 4, "96×32");
    for (i, &a) in ALPHAS.iter().enumerate() {
        let (got, want) = (patch(&rgba, i), over(MATTE, a));
        let off = (0..3).map(|c| (f64::from(got[c]) - want[c]).abs()).fold(0.0, f64::max);
        assert!(off <= 3.0 && got[3] == 255, "alpha {a}: {got:?}, the page's composite over the matte {want:?}");
    }
    let refused = dir.path().join("r");
    let o = render(&project, &refused, &["--format", "jpeg-seq", "--transparent"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--transparent: jpeg-seq ("), "{}", stderr(&o));
    assert!(!refused.exists());
}

/// A project with sound: its mix goes into the folder as `<name>.wav`, exactly the frames'
/// length (2 s at 48 kHz: 96000 samples), beside one picture per frame.
#[test]
fn a_sequence_s_sound_is_a_wav_in_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(repo("tests/fixtures/sound/project.json"), dir.path().join("project.json")).unwrap();
    std::fs::copy(repo("tests/fixtures/sound/meter.js"), dir.path().join("meter.js")).unwrap();
    bazaar_core::synth::write_wav(&dir.path().join("tone.wav"), 44100, 2.0, |t| {
        0.5 * (2.0 * std::f64::consts::PI * 1000.0 * t).sin()
    })
    .unwrap();
    let out = dir.path().join("meter");
    let o = render(&dir.path().join("project.json"), &out, &["--format", "png-seq", "--size", "64x36"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let files = files_in(&out);
    assert_eq!(files.len(), 61, "60 pictures and the WAV: {files:?}");
    assert_eq!(files[0], "meter-00000.png");
    assert_eq!(files[59], "meter-00059.png");
    assert_eq!(files[60], "meter.wav");
    let o = Command::new("ffprobe")
        .args(["-v", "error", "-show_entries", "stream=codec_name,sample_rate,duration_ts", "-of", "csv=p=0"])
        .arg(out.join("meter.wav"))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "pcm_s24le,48000,96000");
}

/// The folder is written whole or not at all: a destination folder that is not empty is refused
/// before anything renders (the composition would throw), naming -o, and left as it was; an
/// empty one is replaced; a render that fails on its third frame leaves neither the folder nor
/// a temp folder; `--chunk` is refused naming it. `batch --format png-seq` writes a folder per row.
#[test]
fn a_sequence_is_written_whole_or_not_at_all() {
    let (dir, throws) = transparent_project(Some(0));
    let busy = dir.path().join("busy");
    std::fs::create_dir(&busy).unwrap();
    std::fs::write(busy.join("keep.txt"), b"mine").unwrap();
    let o = render(&throws, &busy, &["--format", "png-seq"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("not empty") && err.contains("-o") && !err.contains("boom"), "{err}");
    assert_eq!(files_in(&busy), ["keep.txt"]);

    let (dir, late) = transparent_project(Some(2));
    let out = dir.path().join("failed");
    let o = render(&late, &out, &["--format", "png-seq"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("boom at 2"), "{}", stderr(&o));
    assert!(!out.exists(), "no folder");
    assert!(hidden(dir.path()).is_empty(), "no temp folder: {:?}", hidden(dir.path()));

    let (dir, project) = transparent_project(None);
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let o = render(&project, &empty, &["--format", "png-seq"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(files_in(&empty).len(), 3);

    let chunks = dir.path().join("chunks");
    let o = Command::new(bin())
        .arg("render")
        .arg(&project)
        .args(["--format", "png-seq", "--chunk", "0/2", "--chunk-dir"])
        .arg(&chunks)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--chunk") && stderr(&o).contains("--frames"), "{}", stderr(&o));

    // The project with an input the rows fill.
    let text = std::fs::read_to_string(&project).unwrap();
    std::fs::write(&project, text.replace(r#""version": 1,"#, r#""version": 1, "inputs": { "name": "" },"#)).unwrap();
    let rows = dir.path().join("rows.csv");
    std::fs::write(&rows, "name\nA\nB\n").unwrap();
    let videos = dir.path().join("videos");
    std::fs::create_dir(&videos).unwrap();
    let o = Command::new(bin())
        .arg("batch")
        .arg(&project)
        .arg("--rows")
        .arg(&rows)
        .arg("--out-dir")
        .arg(&videos)
        .args(["--format", "png-seq"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let folders = files_in(&videos);
    assert_eq!(folders.len(), 2, "{folders:?}");
    for f in folders {
        assert_eq!(files_in(&videos.join(&f)), [0, 1, 2].map(|n| format!("{f}-0000{n}.png")), "{f}");
    }
}

/// A transparent project's still keeps its alpha as PNG and WebP (the page's alpha, ±1 and ±3),
/// and a JPEG is flattened over the matte (±3); a frame past the end is refused.
#[test]
fn stills_keep_a_transparent_project_s_alpha_in_png_and_webp() {
    let (dir, project) = transparent_project(None);
    let still = |args: &[&str]| Command::new(bin()).arg("still").arg(&project).args(args).output().unwrap();
    for (ext, alpha_tolerance) in [("png", 1), ("webp", 3)] {
        let out = dir.path().join(format!("s.{ext}"));
        let o = still(&["--frame", "1", "-o", out.to_str().unwrap()]);
        assert!(o.status.success(), "{ext}: {}", stderr(&o));
        let rgba = ffmpeg_rgba(&out, None);
        assert_eq!(rgba.len(), W * H * 4, "{ext}");
        for bg in [[255, 255, 255], [0, 0, 0]] {
            let (colour, alpha) = composite_error(&rgba, bg);
            eprintln!("{ext} over {bg:?}: composite within ±{colour:.1}, alpha within ±{alpha}");
            assert!(colour <= 3.0 && alpha <= alpha_tolerance, "{ext}: composite ±{colour:.1}, alpha ±{alpha}");
        }
    }
    let jpg = dir.path().join("s.jpg");
    let o = still(&["--frame", "1", "-o", jpg.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rgba = ffmpeg_rgba(&jpg, None);
    for (i, &a) in ALPHAS.iter().enumerate() {
        let (got, want) = (patch(&rgba, i), over(MATTE, a));
        let off = (0..3).map(|c| (f64::from(got[c]) - want[c]).abs()).fold(0.0, f64::max);
        assert!(off <= 3.0, "jpg alpha {a}: {got:?}, the page's composite over the matte {want:?}");
    }
    let late = dir.path().join("late.png");
    let o = still(&["--frame", "3", "-o", late.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--frame 3 is past the end"), "{}", stderr(&o));
    assert!(!late.exists());
    assert!(hidden(dir.path()).is_empty(), "{:?}", hidden(dir.path()));
}

/// Ctrl+C while pictures are being written into the hidden temp folder: the render exits 130
/// saying it was cancelled, and neither the folder nor the temp folder is left.
#[test]
fn a_cancelled_sequence_leaves_no_folder_and_no_temp_folder() {
    use std::os::unix::process::CommandExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("c.js"),
        "export default { draw(ctx, { width, height, frame }) { ctx.fillStyle = `rgb(${frame % 256}, 40, 90)`; \
         ctx.fillRect(0, 0, width, height); } };\n",
    )
    .unwrap();
    let project = dir.path().join("p.json");
    std::fs::write(
        &project,
        r#"{ "version": 1, "width": 320, "height": 180, "fps": 30, "compositions": { "C": "./c.js" },
             "scenes": [ { "composition": "C", "durationInFrames": 9000 } ] }"#,
    )
    .unwrap();
    let out = dir.path().join("frames");
    let mut child = cli::render_command(&project, &out, &["--format", "png-seq"], 120)
        .process_group(0)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Under way: the temp folder holds pictures.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let temp = hidden(dir.path()).into_iter().find(|n| n.ends_with(".bazaar-part"));
        if temp.is_some_and(|t| std::fs::read_dir(dir.path().join(t)).is_ok_and(|d| d.count() > 3)) {
            break;
        }
        assert!(child.try_wait().unwrap().is_none(), "the render ended early");
        assert!(std::time::Instant::now() < deadline, "the render did not start writing");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // SAFETY: kill(2) on the process group the render leads.
    unsafe { libc::kill(-(child.id() as i32), libc::SIGINT) };
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(130), "{err}");
    assert!(err.contains("cancelled"), "{err}");
    assert_eq!(files_in(dir.path()), ["c.js", "p.json"], "no folder, no temp folder");
}
