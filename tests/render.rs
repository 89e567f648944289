//! End-to-end rendering through the real binary: project → render webview → frame ring and
//! bridge → encoder → file, then the file decoded back and checked frame by frame.
//!
//! Needs a display (the CI runs the suite under `xvfb-run`; without one the binary starts its
//! own Xvfb).

#[path = "support/cli.rs"]
mod cli;

use bazaar_core::{probe, synth};
use cli::{render, render_with_limit, repo, stderr};
use std::path::Path;
use std::time::Duration;

/// Mean colour of the bottom half of a frame (the scene colour in the indexed fixture).
fn bottom_colour(rgba: &[u8], w: u32, h: u32) -> [u8; 3] {
    let (w, h) = (w as usize, h as usize);
    let mut sum = [0u64; 3];
    let mut n = 0u64;
    for y in h / 2..h {
        for x in (0..w).step_by(7) {
            let o = (y * w + x) * 4;
            for c in 0..3 {
                sum[c] += u64::from(rgba[o + c]);
            }
            n += 1;
        }
    }
    sum.map(|s| (s / n) as u8)
}

fn is_red(c: [u8; 3]) -> bool {
    c[0] > 170 && c[1] < 80 && c[2] < 80
}

fn is_blue(c: [u8; 3]) -> bool {
    c[2] > 170 && c[0] < 80 && c[1] < 110
}

struct Decoded {
    info: probe::MediaInfo,
    indices: Vec<u64>,
    colours: Vec<[u8; 3]>,
    frames: Vec<Vec<u8>>,
}

fn decode(path: &Path) -> Decoded {
    let info = probe::discover(path).expect("discoverable");
    let (mut indices, mut colours, mut frames) = (Vec::new(), Vec::new(), Vec::new());
    let (n, w, h) = probe::decode_frames(path, |_, _, rgba| {
        frames.push(rgba.to_vec());
    })
    .expect("decodes");
    for f in &frames {
        indices.push(synth::read_index(f, w, h));
        colours.push(bottom_colour(f, w, h));
    }
    assert_eq!(n as usize, frames.len());
    Decoded { info, indices, colours, frames }
}

fn check_indexed(format: &str, expect: (u32, u32), codec: &str, project_frames: Vec<u64>) -> Decoded {
    check_indexed_project(&repo("tests/fixtures/indexed/project.json"), format, expect, codec, project_frames)
}

fn check_indexed_project(
    project: &Path,
    format: &str,
    expect: (u32, u32),
    codec: &str,
    project_frames: Vec<u64>,
) -> Decoded {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join(format!("indexed.{format}"));
    let o = render(project, &out, &["--quality", "low"]);
    assert!(o.status.success(), "render failed: {}", stderr(&o));
    let d = decode(&out);
    assert_eq!(d.info.codec, codec);
    assert_eq!((d.info.width, d.info.height), expect);
    // 30 frames at 30 fps: one second, whatever the output rate.
    let diff = d.info.duration.abs_diff(Duration::from_secs(1));
    assert!(diff <= Duration::from_millis(10), "duration {:?}", d.info.duration);
    assert_eq!(d.indices, project_frames, "each decoded frame shows the right project frame, in order");
    for (i, c) in d.indices.iter().zip(&d.colours) {
        // Scene boundary exactly at frame 15: red before, blue from it on.
        if *i < 15 {
            assert!(is_red(*c), "frame {i} should be red (scene 1), is {c:?}");
        } else {
            assert!(is_blue(*c), "frame {i} should be blue (scene 2), is {c:?}");
        }
        // And the exact colour painted (#d02020, #2040d0), within what lossy coding moves a flat
        // area: a wrong YUV matrix or range anywhere on the way is off by 10 or more.
        let want: [u8; 3] = if *i < 15 { [0xd0, 0x20, 0x20] } else { [0x20, 0x40, 0xd0] };
        let off = c.iter().zip(want).map(|(a, b)| a.abs_diff(b)).max().unwrap_or(0);
        assert!(off <= 5, "frame {i}: decoded colour {c:?}, painted {want:?}");
    }
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left.len(), 1, "only the output remains: {left:?}");
    d
}

#[test]
fn indexed_project_to_mp4() {
    let d = check_indexed("mp4", (1280, 720), "video/x-h264", (0..30).collect());
    assert_eq!(d.info.profile.as_deref(), Some("high"));
}

/// The page converts to I420 four pixels at a time; a width that is not a multiple of 4 ends
/// each row with a block that overlaps the one before it. 1002×720 exercises that end.
#[test]
fn a_width_that_is_not_a_multiple_of_four_converts_to_the_last_column() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = repo("tests/fixtures/indexed");
    std::fs::copy(fixture.join("indexed.js"), dir.path().join("indexed.js")).unwrap();
    let text = std::fs::read_to_string(fixture.join("project.json")).unwrap();
    let text = text.replace("\"width\": 640", "\"width\": 1002").replace("\"height\": 360", "\"height\": 720");
    let project = dir.path().join("project.json");
    std::fs::write(&project, text).unwrap();
    let d = check_indexed_project(&project, "mp4", (1002, 720), "video/x-h264", (0..30).collect());
    // The rightmost column: the scene's colour, not what an unwritten chroma column decodes to.
    let (w, y) = (1002usize, 540usize);
    for (i, f) in d.indices.iter().zip(&d.frames) {
        let at = (y * w + w - 1) * 4;
        let c = [f[at], f[at + 1], f[at + 2]];
        let want: [u8; 3] = if *i < 15 { [0xd0, 0x20, 0x20] } else { [0x20, 0x40, 0xd0] };
        let off = c.iter().zip(want).map(|(a, b)| a.abs_diff(b)).max().unwrap_or(0);
        assert!(off <= 5, "frame {i}: right edge {c:?}, painted {want:?}");
    }
}

/// Canvas frames take the frame ring's slots in turn (here frame N in slot N % 4): a frame
/// rendered alone, in slot 0, gives the encoder the very bytes it gets in a whole render,
/// whatever slot it had there; so no slot keeps anything of an earlier frame.
#[test]
fn a_frame_is_the_same_whatever_its_ring_slot() {
    let dir = tempfile::tempdir().unwrap();
    let project = repo("tests/fixtures/indexed/project.json");
    let dump = |name: &str, extra: &[&str]| {
        let raw = dir.path().join(format!("{name}.i420"));
        let mut args = vec!["--quality", "low", "--dump-frames", raw.to_str().unwrap()];
        args.extend_from_slice(extra);
        let o = render(&project, &dir.path().join(format!("{name}.mp4")), &args);
        assert!(o.status.success(), "render failed: {}", stderr(&o));
        std::fs::read(&raw).unwrap()
    };
    let all = dump("all", &[]);
    let size = all.len() / 30;
    assert_eq!(size, 1280 * 720 * 3 / 2);
    for k in [1usize, 14, 15, 29] {
        let one = dump(&format!("frame{k}"), &["--frames", &format!("{k}-{k}")]);
        assert_eq!(one.len(), size);
        assert!(one == all[k * size..(k + 1) * size], "frame {k} differs when rendered alone");
    }
}

#[test]
fn indexed_project_to_webm() {
    check_indexed("webm", (1280, 720), "video/x-vp8", (0..30).collect());
}

#[test]
fn indexed_project_to_gif_samples_at_gif_rate() {
    // GIF low: 480 px wide at 10 fps, so every third project frame.
    check_indexed("gif", (480, 270), "image/gif", (0..30).step_by(3).collect());
}

#[test]
fn frame_range_renders_only_those_frames() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("range.mp4");
    let o = render(&repo("tests/fixtures/indexed/project.json"), &out, &["--quality", "low", "--frames", "10-19"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let d = decode(&out);
    assert_eq!(d.indices, (10..20).collect::<Vec<_>>());
}

#[test]
fn a_killed_renders_temp_file_is_swept_and_a_running_ones_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("swept.mp4");
    // Left by a process that no longer runs (no pid is this large), and by one that does (us).
    let stale = dir.path().join(".swept.mp4.4999999-0123456789abcdef0123456789abcdef.bazaar-part");
    let live =
        dir.path().join(format!(".other.mp4.{}-0123456789abcdef0123456789abcdef.bazaar-part", std::process::id()));
    std::fs::write(&stale, b"half a file").unwrap();
    std::fs::write(&live, b"being written").unwrap();
    let o = render(&repo("tests/fixtures/indexed/project.json"), &out, &["--quality", "low", "--frames", "0-4"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stale.exists(), "the killed render's temp file is still there");
    assert!(stderr(&o).contains("left by an export that was killed"), "{}", stderr(&o));
    assert!(live.exists(), "a running export's temp file was removed");
    assert_eq!(decode(&out).indices, (0..5).collect::<Vec<_>>());
}

#[test]
fn rendering_twice_gives_identical_frames() {
    let dir = tempfile::tempdir().unwrap();
    let sample = repo("samples/launch-teaser/launch-teaser.bazaar.json");
    // Frames 150-179 cross a crossfade and the kinetic text; 240-269 the image slide.
    for range in ["150-179", "240-269"] {
        let (a, b) = (dir.path().join("a.mp4"), dir.path().join("b.mp4"));
        for out in [&a, &b] {
            let o = render(&sample, out, &["--quality", "low", "--frames", range]);
            assert!(o.status.success(), "{}", stderr(&o));
        }
        let (da, db) = (decode(&a), decode(&b));
        assert_eq!(da.frames.len(), 30);
        assert!(da.frames == db.frames, "two renders of {range} differ");
        // And the frames are not trivially empty: the picture changes over the range.
        assert!(da.frames.first() != da.frames.last());
    }
}

#[test]
fn the_sample_project_renders_to_all_formats() {
    let dir = tempfile::tempdir().unwrap();
    let sample = repo("samples/launch-teaser/launch-teaser.bazaar.json");
    for (ext, codec, size, count) in [
        ("mp4", "video/x-h264", (1280, 720), 60),
        ("webm", "video/x-vp8", (1280, 720), 60),
        ("gif", "image/gif", (480, 270), 20),
    ] {
        let out = dir.path().join(format!("teaser.{ext}"));
        // Frames 225-284: the end of the kinetic text, a crossfade, the image slide with its
        // bundled picture.
        let o = render(&sample, &out, &["--quality", "low", "--frames", "225-284"]);
        assert!(o.status.success(), "{ext}: {}", stderr(&o));
        let d = decode(&out);
        assert_eq!(d.info.codec, codec);
        assert_eq!((d.info.width, d.info.height), size);
        assert_eq!(d.frames.len(), count, "{ext} frame count");
        // The image slide (from frame 240) shows the bundled picture: a blue-ish sky at the
        // top, not the plain backdrop drawn when the image is missing.
        let last = d.frames.last().unwrap();
        let (w, h) = size;
        let sky = {
            let o = ((h as usize / 10) * w as usize + w as usize / 4) * 4;
            [last[o], last[o + 1], last[o + 2]]
        };
        assert!(sky[2] > 90 && sky[2] > sky[1], "{ext}: expected the picture's sky, got {sky:?}");
    }
}

/// Built-ins declare `opaque: true`, so the runtime does not clear the frame before them: a
/// translucent background must still be laid over black, never over the previous scene's
/// pixels (white here), and an `rgba(…)` colour (commas inside) must work in a gradient.
#[test]
fn a_translucent_background_covers_black_not_the_previous_frame() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project.json");
    let scene = |background: &str| {
        format!(
            r#"{{ "composition": "TitleCard", "durationInFrames": 10, "props": {{ "title": "", "subtitle": "", "background": "{background}" }} }}"#
        )
    };
    let text = format!(
        r#"{{ "version": 1, "width": 640, "height": 360, "fps": 30, "scenes": [{}, {}, {}] }}"#,
        scene("#ffffff"),
        scene("rgba(255, 0, 0, 0.5)"),
        scene("rgba(0, 0, 255, 0.5), rgba(0, 0, 255, 0.5)")
    );
    std::fs::write(&project, text).unwrap();
    let out = dir.path().join("t.mp4");
    let o = render(&project, &out, &["--quality", "low"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let d = decode(&out);
    assert_eq!(d.frames.len(), 30);
    let near = |c: [u8; 3], want: [u8; 3]| c.iter().zip(want).all(|(a, b)| a.abs_diff(b) <= 12);
    for (i, c) in d.colours.iter().enumerate() {
        let want = match i {
            0..=9 => [255, 255, 255],
            10..=19 => [128, 0, 0],
            _ => [0, 0, 128],
        };
        assert!(near(*c, want), "frame {i}: {c:?}, expected {want:?}");
    }
}

fn assert_fails(fixture: &str, words: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.mp4");
    let o = render_with_limit(&repo(&format!("tests/fixtures/faults/{fixture}.json")), &out, &["--quality", "low"], 4);
    let err = stderr(&o);
    assert!(!o.status.success(), "{fixture}: should fail");
    for w in words {
        assert!(err.contains(w), "{fixture}: {w:?} missing from:\n{err}");
    }
    assert!(!err.contains("panicked"), "{fixture}: panic:\n{err}");
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "{fixture}: no file may be left behind");
}

#[test]
fn a_composition_that_throws_names_scene_frame_and_message() {
    assert_fails("throws", &["scene 2 (Thrower) at frame 10", "the flux capacitor is empty", "throws.js"]);
}

#[test]
fn a_composition_that_hangs_times_out() {
    assert_fails("hangs", &["did not finish within 4 s", "scene 2 (Hanger) at frame 8"]);
}

#[test]
fn a_load_that_never_resolves_times_out() {
    assert_fails("load-never", &["scene 2 (NeverLoads)", "load() did not finish within 4 s"]);
}

#[test]
fn a_module_without_draw_is_refused() {
    assert_fails("no-draw", &["NoDraw", "draw(ctx, info)"]);
}

#[test]
fn asset_faults_name_the_asset() {
    assert_fails("missing-image", &["scene 2 (ImageSlide)", "assets/nope.png"]);
    assert_fails("not-an-image", &["assets/not-an-image.png", "not an image"]);
    assert_fails("not-a-font", &["assets/not-a-font.ttf", "not a font"]);
    assert_fails("escape-asset", &["etc/passwd", "outside the project folder"]);
}

#[test]
fn an_invalid_project_is_refused_before_rendering() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.json");
    std::fs::write(&p, r#"{"version": 1, "fps": 500, "scenes": []}"#).unwrap();
    let out = dir.path().join("out.mp4");
    let o = render(&p, &out, &[]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("fps") && err.contains("scenes"), "{err}");
    assert!(!out.exists());
}

/// A hostile composition tries every way out of the render sandbox: other app commands, the
/// network (a server this test runs on loopback), files outside the project folder, a new
/// window, and forged frames. Each is refused (the composition throws if any gets through), the
/// export completes with the right frames, and the server sees no connection.
#[test]
fn the_render_sandbox_refuses_a_hostile_composition() {
    let server = cli::Loopback::new();
    let port = server.port();
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(repo("tests/fixtures/hostile/hostile.js"), dir.path().join("hostile.js")).unwrap();
    let project = dir.path().join("project.json");
    // WebM low: 1280×720 I420 frames, read back in bands of 128 rows.
    let frame_bytes = 1280 * 720 * 3 / 2;
    let band_bytes = 1280 * 128 * 3 / 2;
    std::fs::write(
        &project,
        format!(
            r#"{{ "version": 1, "width": 320, "height": 180, "fps": 30, "compositions": {{ "Hostile": "./hostile.js" }},
                 "scenes": [ {{ "composition": "Hostile", "durationInFrames": 10,
                                "props": {{ "port": {port}, "frameBytes": {frame_bytes}, "bandBytes": {band_bytes} }} }} ] }}"#
        ),
    )
    .unwrap();
    let out = dir.path().join("out.webm");
    let o = render(&project, &out, &["--quality", "low"]);
    assert!(o.status.success(), "the hostile composition got through or broke the export:\n{}", stderr(&o));
    let reached = server.reached();
    assert!(reached.is_empty(), "the loopback server was reached: {reached:?}");
    let d = decode(&out);
    assert_eq!(d.frames.len(), 10, "the forged frames did not disturb the export");
    assert!(d.colours.iter().all(|c| c[1] > 120 && c[0] < 60), "every frame is the composition's green");
}

/// The program copied away from its web-process extension (no `libbazaar_web_extension.so`
/// beside it or in `../lib/bazaar-export`): the render fails before it starts, naming the
/// places it looked and what to do, and writes nothing.
#[test]
fn a_program_without_its_extension_fails_at_once_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let lonely = dir.path().join("bazaar-export");
    std::fs::copy(cli::bin(), &lonely).unwrap();
    let out = dir.path().join("out.webm");
    let render_alone = || {
        let o = std::process::Command::new(&lonely)
            .arg("render")
            .arg(repo("tests/fixtures/indexed/project.json"))
            .arg("-o")
            .arg(&out)
            .args(["--quality", "low"])
            .output()
            .unwrap();
        (o.status.code(), stderr(&o))
    };
    let (code, err) = render_alone();
    assert_eq!(code, Some(1), "{err}");
    let beside = dir.path().join("libbazaar_web_extension.so");
    assert!(err.contains(&beside.display().to_string()), "names the file it looked for: {err}");
    assert!(err.contains("lib/bazaar-export/libbazaar_web_extension.so"), "and the package's place: {err}");
    assert!(err.contains("cargo build --release -p bazaar-web-extension"), "says what to do: {err}");
    assert!(!out.exists());
    assert_eq!(cli::files_in(dir.path()), vec!["bazaar-export"], "nothing left beside the program");

    // An extension that is there but does not load (damaged, or of another build): said as the
    // app's part that failed, without an empty place before it or the page's JS stack.
    std::fs::write(&beside, b"not a library").unwrap();
    let (code, err) = render_alone();
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("bazaar-export: the app's web-process extension (libbazaar_web_extension.so) did not load"),
        "{err}"
    );
    assert!(!err.contains("bazaar-export: :") && !err.contains("render.js:"), "{err}");
    assert!(!out.exists());
}

/// Canvas frames come through the frame ring exactly: RGBA (GIF's ring) as the canvas drew
/// them, each showing its own frame number; I420 (video's ring, converted band by band in the
/// page's process) the very bytes the product's converter (`bazaar_pixels`) makes of those
/// RGBA frames whole, in MP4's matrix. Both at 640×360, on the indexed project's frames 0, 3, … 27 (GIF's rate).
#[test]
fn canvas_frames_through_the_ring_are_exact() {
    let dir = tempfile::tempdir().unwrap();
    let project = repo("tests/fixtures/indexed/project.json");
    let (w, h) = (640u32, 360u32);
    let dump = |file: &str| {
        let raw = dir.path().join(format!("{file}.raw"));
        let args = ["--quality", "low", "--size", "640x360", "--dump-frames", raw.to_str().unwrap()];
        let o = render(&project, &dir.path().join(file), &args);
        assert!(o.status.success(), "{file}: {}", stderr(&o));
        std::fs::read(&raw).unwrap()
    };
    let (rgba, i420) = (dump("out.gif"), dump("out.mp4"));
    let (rgba_bytes, i420_bytes) = ((w * h * 4) as usize, bazaar_pixels::I420Layout::new(w, h).size);
    assert_eq!((rgba.len(), i420.len()), (10 * rgba_bytes, 30 * i420_bytes));
    for (k, frame) in rgba.chunks(rgba_bytes).enumerate() {
        assert_eq!(synth::read_index(frame, w, h), 3 * k as u64, "GIF frame {k}");
        let mut converted = vec![0u8; i420_bytes];
        let format = bazaar_core::encode::Format::Mp4.profile().input;
        bazaar_core::encode::pixels_into(
            frame,
            w as usize * 4,
            bazaar_pixels::Channels::RGBA,
            w,
            h,
            format,
            &mut converted,
        );
        let video = &i420[3 * k * i420_bytes..(3 * k + 1) * i420_bytes];
        assert!(converted == video, "video frame {} differs from its canvas pixels converted whole", 3 * k);
    }
}
