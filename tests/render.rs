//! End-to-end rendering through the real binary: project → render webview → raw-bytes bridge
//! → encoder → file, then the file decoded back and checked frame by frame.
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

/// Without the frame ring (no web-process extension), frames cross the IPC and carry only the
/// bands of rows that changed since the previous frame. In the indexed project (1280×720 at
/// `low`: 23 bands of 32 rows) only the index cells in the top 180 rows (bands 0-5) change
/// within a scene, so: frame 0 whole, frame 15 (the scene change) whole, and 6 bands for each
/// of the other 28 frames. The decoded pixels are checked by `check_indexed`.
#[test]
fn only_the_bands_that_changed_are_sent() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("indexed.mp4");
    let figures = dir.path().join("stats.json");
    let project = repo("tests/fixtures/indexed/project.json");
    let o = cli::render_command(&project, &out, &["--quality", "low", "--stats-json", figures.to_str().unwrap()], 120)
        .env("BAZAAR_NO_FRAME_RING", "1")
        .output()
        .unwrap();
    assert!(o.status.success(), "render failed: {}", stderr(&o));
    let stats: serde_json::Value = serde_json::from_slice(&std::fs::read(&figures).unwrap()).unwrap();
    let page = &stats["page"];
    assert_eq!(stats["frames"], 30);
    assert_eq!(page["bands"], 30 * 23, "{stats}");
    assert_eq!(page["bandsSent"], 23 + 23 + 28 * 6, "{stats}");
    // And the page compared and converted them in WebAssembly SIMD (a CSP or engine change that
    // forced the slower JS fallback would show here, not only in the benchmark).
    assert_eq!(page["simd"], true, "the page fell back to JS: {stats}");
}

/// Without the frame ring, frames after the first carry only what changed (bands, cut to their
/// changed columns) and Rust patches them into its copy of the previous frame; a one-frame
/// render carries its frame whole. Both must give the encoder the same bytes.
#[test]
fn patched_frames_are_byte_identical_to_whole_ones() {
    let dir = tempfile::tempdir().unwrap();
    let project = repo("tests/fixtures/indexed/project.json");
    let dump = |name: &str, extra: &[&str]| {
        let raw = dir.path().join(format!("{name}.i420"));
        let mut args = vec!["--quality", "low", "--stats", "--dump-frames", raw.to_str().unwrap()];
        args.extend_from_slice(extra);
        let out = dir.path().join(format!("{name}.mp4"));
        let o = cli::render_command(&project, &out, &args, 120).env("BAZAAR_NO_FRAME_RING", "1").output().unwrap();
        assert!(o.status.success(), "render failed: {}", stderr(&o));
        (std::fs::read(&raw).unwrap(), stderr(&o))
    };
    let (all, err) = dump("all", &[]);
    // The frame number's cells change from the right: most bands are cut to a few columns.
    let cut: u32 = err
        .lines()
        .find_map(|l| l.split(", ").nth(1)?.strip_suffix(" of them cut to the columns that changed")?.parse().ok())
        .unwrap_or_else(|| panic!("no cut-band figure: {err}"));
    assert!(cut >= 20, "{cut} bands cut to their columns: {err}");
    let size = all.len() / 30;
    for k in [1usize, 14, 15, 29] {
        let (one, _) = dump(&format!("frame{k}"), &["--frames", &format!("{k}-{k}")]);
        assert_eq!(one.len(), size);
        assert!(one == all[k * size..(k + 1) * size], "frame {k} differs when patched from frame {}", k - 1);
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
    // WebM low: 1280×720 I420 frames, sent in bands of 32 rows.
    let frame_bytes = 1280 * 720 * 3 / 2;
    let band_bytes = 1280 * 32 * 3 / 2;
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
/// beside it or in `../lib/bazaar-export`): it says so once, and renders the same frames through
/// the IPC.
#[test]
fn a_program_without_its_extension_says_so_and_renders_through_the_ipc() {
    let dir = tempfile::tempdir().unwrap();
    let lonely = dir.path().join("bazaar-export");
    std::fs::copy(cli::bin(), &lonely).unwrap();
    let (out, figures) = (dir.path().join("out.webm"), dir.path().join("stats.json"));
    let o = std::process::Command::new(&lonely)
        .arg("render")
        .arg(repo("tests/fixtures/indexed/project.json"))
        .arg("-o")
        .arg(&out)
        .args(["--quality", "low", "--stats-json", figures.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let said = stderr(&o).matches("libbazaar_web_extension.so is neither beside").count();
    assert_eq!(said, 1, "said once: {}", stderr(&o));
    let stats: serde_json::Value = serde_json::from_slice(&std::fs::read(&figures).unwrap()).unwrap();
    assert_eq!(stats["page"]["ring"], false, "{stats}");
    let (count, w, h) = probe::decode_frames(&out, |i, _, rgba| {
        assert_eq!(synth::read_index(rgba, 1280, 720), i, "frame {i}");
    })
    .unwrap();
    assert_eq!((count, w, h), (30, 1280, 720));
}

/// Three ways a canvas frame reaches the encoder, which must hand it the very same bytes: the
/// frame ring (the web-process extension converts the page's bands into shared memory and the
/// app copies them, `frame_ring.rs`), the page converting in WebAssembly SIMD (`simd.wat`,
/// without the ring: `BAZAAR_NO_FRAME_RING`), and, with the speed tricks off, in plain JS
/// (`yuv.js`, the reference). On the sample's first three seconds and a half (counting, a
/// crossfade, a title); and for GIF, whose ring holds RGBA, on its first second.
#[test]
fn the_frame_ring_the_simd_and_the_js_readers_send_the_same_frames() {
    let dir = tempfile::tempdir().unwrap();
    let project = repo("samples/launch-teaser/launch-teaser.bazaar.json");
    let run = |name: &str, file: &str, frames: &str, env: (&str, &str)| {
        let raw = dir.path().join(format!("{name}.raw"));
        let figures = dir.path().join(format!("{name}.json"));
        let args = ["--quality", "low", "--frames", frames, "--dump-frames", raw.to_str().unwrap()];
        let o = cli::render_command(&project, &dir.path().join(file), &args, 120)
            .args(["--stats-json", figures.to_str().unwrap()])
            .env(env.0, env.1)
            .output()
            .unwrap();
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        let stats: serde_json::Value = serde_json::from_slice(&std::fs::read(&figures).unwrap()).unwrap();
        let page = &stats["page"];
        (std::fs::read(&raw).unwrap(), (page["ring"].as_bool(), page["simd"].as_bool()))
    };
    let (ring, used_ring) = run("ring", "ring.mp4", "0-104", ("BAZAAR_NOTHING", ""));
    let (simd, used_simd) = run("simd", "simd.mp4", "0-104", ("BAZAAR_NO_FRAME_RING", "1"));
    let (js, used_js) = run("js", "js.mp4", "0-104", ("BAZAAR_NO_SPEED_TRICKS", "1"));
    assert_eq!(used_ring, (Some(true), Some(false)), "the ring (and not SIMD) in the first render");
    assert_eq!(used_simd, (Some(false), Some(true)), "SIMD in the second");
    assert_eq!(used_js, (Some(false), Some(false)), "plain JS in the third");
    let frame = 1280 * 720 * 3 / 2;
    for (name, other) in [("SIMD", &simd), ("JS", &js)] {
        assert_eq!(ring.len(), 105 * frame);
        assert_eq!(other.len(), ring.len(), "{name}");
        if let Some(i) = (0..105).find(|i| ring[i * frame..(i + 1) * frame] != other[i * frame..(i + 1) * frame]) {
            panic!("frame {i} differs between the frame ring and the {name} reader");
        }
    }
    let (ring, used_ring) = run("gif-ring", "ring.gif", "0-29", ("BAZAAR_NOTHING", ""));
    let (ipc, used_ipc) = run("gif-ipc", "ipc.gif", "0-29", ("BAZAAR_NO_FRAME_RING", "1"));
    assert_eq!((used_ring.0, used_ipc.0), (Some(true), Some(false)), "GIF through the ring, then through the IPC");
    assert!(!ring.is_empty() && ring.len() % 4 == 0, "GIF frames are RGBA");
    assert!(ring == ipc, "GIF frames differ between the frame ring and the IPC");
}
