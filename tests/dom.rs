//! HTML and CSS compositions (`dom: true`) end to end through the binary: CSS keyframes, a CSS
//! transition, a Web Animations API animation and a script-driven change at chosen frames
//! (within 1 px, on the composition's clock), a web font and an image from the project folder,
//! crossfades DOM → canvas → DOM, two renders giving the same frames, the same frames on a
//! display scaled ×2, and the bad cases: a render() that throws or never settles, a missing
//! stylesheet or image named, and a hostile DOM composition that reaches nothing.

#[path = "support/cli.rs"]
mod cli;

use bazaar_core::probe;
use cli::{render, render_command, render_with_limit, repo, stderr};
use std::path::{Path, PathBuf};

const W: usize = 1280;

/// A copy of `tests/fixtures/dom/` with its font (DejaVu Sans Mono, from the system) and its
/// picture (a red PNG made by FFmpeg).
fn fixture() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    for f in ["project.json", "motion.js", "motion.css", "blue.js", "red.js"] {
        std::fs::copy(repo(&format!("tests/fixtures/dom/{f}")), dir.path().join(f)).unwrap();
    }
    std::fs::create_dir(dir.path().join("fonts")).unwrap();
    std::fs::copy("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf", dir.path().join("fonts/mono.ttf")).unwrap();
    let ok = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i", "color=c=red:s=100x100", "-frames:v", "1"])
        .arg(dir.path().join("pic.png"))
        .status()
        .unwrap();
    assert!(ok.success());
    let project = dir.path().join("project.json");
    (dir, project)
}

fn frames(path: &Path) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let (_, w, h) = probe::decode_frames(path, |_, _, rgba| out.push(rgba.to_vec())).unwrap();
    assert_eq!((w, h), (1280, 720));
    out
}

fn luma(f: &[u8], x: usize, y: usize) -> f64 {
    let o = (y * W + x) * 4;
    (f64::from(f[o]) + f64::from(f[o + 1]) + f64::from(f[o + 2])) / 3.0
}

/// Where a white shape on black starts on row `y`: the first column past half brightness,
/// to a tenth of a pixel (the edge's antialiasing read as coverage).
fn left_edge(f: &[u8], y: usize) -> f64 {
    let x = (0..W).find(|&x| luma(f, x, y) > 127.5).expect("something white on the row");
    if x == 0 {
        return 0.0;
    }
    let (a, b) = (luma(f, x - 1, y), luma(f, x, y));
    (x - 1) as f64 + (127.5 - a) / (b - a).max(1.0)
}

/// Where a white run on row `y` ends (last column past half brightness).
fn right_edge(f: &[u8], y: usize) -> usize {
    (0..W).rev().find(|&x| luma(f, x, y) > 127.5).expect("something white on the row")
}

#[test]
fn css_animations_transitions_web_animations_and_scripts_run_on_the_frame_clock() {
    let (dir, project) = fixture();
    let out = dir.path().join("dom.mp4");
    let dump = dir.path().join("frames.i420");
    let o = render(&project, &out, &["--quality", "low", "--stats", "--dump-frames", dump.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("frames of DOM scenes (the view's picture): 120"), "{}", stderr(&o));
    let f = frames(&out);
    assert_eq!(f.len(), 140);
    let lin = |from: f64, to: f64, n: f64| from + (to - from) * n.clamp(0.0, 1.0);
    let mut wrong = Vec::new();
    for n in [0usize, 1, 15, 29, 30, 44, 45, 59] {
        let t = n as f64;
        for (what, y, expected) in [
            ("keyframes", 60, 20.0 + lin(0.0, 800.0, t / 60.0)),
            ("transition", 160, 20.0 + if t < 10.0 { 0.0 } else { lin(0.0, 600.0, (t - 10.0) / 30.0) }),
            ("web animation", 260, 20.0 + lin(0.0, 900.0, t / 45.0)),
            ("script", 360, 20.0 + 7.0 * t),
        ] {
            let x = left_edge(&f[n], y);
            if (x - expected).abs() > 1.0 {
                wrong.push(format!("frame {n}, {what}: at {x:.1} px, expected {expected:.1}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // The web font: ten "i" of DejaVu Sans Mono at 100 px are 602 px wide (DejaVu Sans, the
    // fallback, would make them 278 px).
    let text = right_edge(&f[0], 490) as f64 - left_edge(&f[0], 490);
    assert!(text > 540.0 && text < 610.0, "the text is {text} px wide: the web font did not load");
    // The image.
    let o = (650 * W + 1050) * 4;
    let px = &f[0][o..o + 3];
    assert!(px[0] > 220 && px[1] < 40 && px[2] < 40, "the picture is not there: {px:?}");
    // Two renders hand the encoder the same frames.
    let again = dir.path().join("again.i420");
    let o = render(
        &project,
        &dir.path().join("again.mp4"),
        &["--quality", "low", "--dump-frames", again.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::read(&dump).unwrap() == std::fs::read(&again).unwrap(), "two renders differ");
}

#[test]
fn dom_and_canvas_scenes_crossfade_both_ways() {
    let (dir, project) = fixture();
    let out = dir.path().join("dom.webm");
    let o = render_command(&project, &out, &["--quality", "low", "--frames", "60-139"], 120).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let f = frames(&out);
    assert_eq!(f.len(), 80);
    let at = |k: usize| {
        let o = (360 * W + 640) * 4;
        [f64::from(f[k][o]), f64::from(f[k][o + 1]), f64::from(f[k][o + 2])]
    };
    let near = |got: [f64; 3], want: [f64; 3]| got.iter().zip(want).all(|(g, w)| (g - w).abs() < 12.0);
    // Output 0–29: blue (DOM); 30–39: red fading in over blue; 40–59 red; 60–69: blue
    // fading in over red (canvas → DOM); 70–79 blue.
    assert!(near(at(5), [0.0, 0.0, 255.0]), "{:?}", at(5));
    assert!(near(at(50), [255.0, 0.0, 0.0]), "{:?}", at(50));
    assert!(near(at(75), [0.0, 0.0, 255.0]), "{:?}", at(75));
    for k in 0..10 {
        let a = (k + 1) as f64 / 11.0;
        let dom_to_canvas = [255.0 * a, 0.0, 255.0 * (1.0 - a)];
        assert!(
            near(at(30 + k), dom_to_canvas),
            "DOM → canvas, fade frame {k}: {:?} not {dom_to_canvas:?}",
            at(30 + k)
        );
        let canvas_to_dom = [255.0 * (1.0 - a), 0.0, 255.0 * a];
        assert!(
            near(at(60 + k), canvas_to_dom),
            "canvas → DOM, fade frame {k}: {:?} not {canvas_to_dom:?}",
            at(60 + k)
        );
    }
}

/// On a display scaled ×2 (a HiDPI laptop: GTK paints the app, the hidden render view
/// included, at twice its size) a DOM frame is the same picture, not its top-left quarter
/// enlarged: byte for byte the frames of an unscaled display, DOM scenes, a DOM → canvas
/// crossfade and canvas frames alike.
#[test]
fn a_display_scaled_twice_gives_the_same_frames() {
    let (dir, project) = fixture();
    let dump = |scale: &str| {
        let raw = dir.path().join(format!("frames-{scale}.i420"));
        let out = dir.path().join(format!("scale-{scale}.webm"));
        let range = ["--quality", "low", "--frames", "40-109", "--dump-frames"];
        let o = render_command(&project, &out, &range, 120).arg(&raw).env("GDK_SCALE", scale).output().unwrap();
        assert!(o.status.success(), "GDK_SCALE={scale}: {}", stderr(&o));
        std::fs::read(&raw).unwrap()
    };
    let (one, two) = (dump("1"), dump("2"));
    let frame = 1280 * 720 * 3 / 2;
    assert_eq!(one.len(), 70 * frame);
    let first_difference = one.iter().zip(&two).position(|(a, b)| a != b);
    assert_eq!(first_difference.map(|at| at / frame), None, "the first frame that differs at GDK_SCALE=2");
    assert_eq!(one.len(), two.len());
}

/// A one-scene DOM project with `render` as the composition's body.
fn dom_project(dir: &Path, render_body: &str, extra_files: &[(&str, &str)]) -> PathBuf {
    std::fs::write(dir.join("scene.js"), format!("export default {{ dom: true, {render_body} }};\n")).unwrap();
    for (name, text) in extra_files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let project = dir.join("project.json");
    std::fs::write(
        &project,
        r#"{ "version": 1, "width": 320, "height": 180, "fps": 30, "compositions": { "Page": "./scene.js" },
             "scenes": [ { "composition": "TitleCard", "durationInFrames": 3 }, { "composition": "Page", "durationInFrames": 12 } ] }"#,
    )
    .unwrap();
    project
}

fn fails_with(project: &Path, limit: u64, needles: &[&str]) {
    let out = project.with_file_name("out.mp4");
    let o = render_with_limit(project, &out, &["--quality", "low"], limit);
    let err = stderr(&o);
    assert!(!o.status.success(), "the export succeeded");
    for n in needles {
        assert!(err.contains(n), "no {n:?} in: {err}");
    }
    assert!(!out.exists());
    let left = cli::files_in(project.parent().unwrap());
    assert!(left.iter().all(|f| !f.contains("bazaar-part")), "{left:?}");
}

#[test]
fn a_render_that_throws_or_never_settles_fails_naming_scene_and_frame() {
    let dir = tempfile::tempdir().unwrap();
    let p = dom_project(
        dir.path(),
        r#"render(root, { frame }) { if (frame === 5) throw new Error("no title at 5"); root.textContent = frame; }"#,
        &[],
    );
    fails_with(&p, 60, &["scene 2 (Page) at frame 8", "render() threw: no title at 5"]);
    let p =
        dom_project(dir.path(), r#"render(root, { frame }) { if (frame === 4) return new Promise(() => {}); }"#, &[]);
    fails_with(&p, 4, &["did not finish within 4 s", "scene 2 (Page) at frame 7"]);
}

#[test]
fn a_missing_stylesheet_image_or_font_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let p = dom_project(
        dir.path(),
        r#"render(root) { root.innerHTML = `<link rel="stylesheet" href="gone.css"><p>hi</p>`; }"#,
        &[],
    );
    fails_with(&p, 60, &["scene 2 (Page) at frame 3", "gone.css", "could not be loaded"]);
    let p = dom_project(dir.path(), r#"render(root) { root.innerHTML = `<img src="pics/gone.png">`; }"#, &[]);
    fails_with(&p, 60, &["scene 2 (Page) at frame 3", "pics/gone.png", "could not be loaded"]);
    let p = dom_project(
        dir.path(),
        r#"render(root) { root.innerHTML = `<link rel="stylesheet" href="font.css"><p style="font-family: Gone">hi</p>`; }"#,
        &[("font.css", r#"@font-face { font-family: Gone; src: url("fonts/gone.woff2"); }"#)],
    );
    fails_with(&p, 60, &["scene 2 (Page) at frame 3", "gone.woff2", "could not be loaded"]);
    let p = dom_project(
        dir.path(),
        r#"render(root) { root.innerHTML = `<div style="width: 50px; height: 50px; background: url(../outside.png)"></div>`; }"#,
        &[],
    );
    fails_with(&p, 60, &["scene 2 (Page) at frame 3", "outside.png"]);
}

/// A DOM composition tries the network and files outside the project folder through the
/// page's own machinery (an image, a stylesheet, a CSS `url()`, an iframe, `fetch`, `import()`):
/// the loopback server sees nothing, and the export fails naming what could not be loaded.
#[test]
fn a_hostile_dom_composition_reaches_nothing() {
    let server = cli::Loopback::new();
    let dir = tempfile::tempdir().unwrap();
    let u = format!("http://127.0.0.1:{}", server.port());
    let body = format!(
        r#"async load() {{
             for (const url of ["{u}/fetch", "/etc/passwd", "../../outside.txt"]) await fetch(url).catch(() => null);
             for (const url of ["{u}/module.js", "../../outside.js"]) await import(url).catch(() => null);
           }},
           render(root) {{
             root.innerHTML = `<iframe src="{u}/frame"></iframe><div style="width:9px;height:9px;background:url({u}/bg.png)"></div>
               <link rel="stylesheet" href="{u}/style.css"><img src="{u}/img.png">`;
           }}"#
    );
    let p = dom_project(dir.path(), &body, &[]);
    fails_with(&p, 60, &["could not be loaded", &u]);
    let reached = server.reached();
    assert!(reached.is_empty(), "the loopback server was reached: {reached:?}");
}

#[path = "support/webdriver.rs"]
mod webdriver;

/// The window's preview shows DOM scenes with the same runtime and the same clock: scrubbed to a
/// frame, then back to an earlier one (the scene is replayed from its start), every animation is
/// where the export has it.
#[test]
fn the_preview_shows_dom_scenes_on_the_same_clock() {
    let (_dir, project) = fixture();
    let driver = webdriver::Driver::start();
    let s = driver.session(Path::new(cli::bin()), &[project.to_str().unwrap()], "");
    s.wait(30, "the preview to be ready", |s| {
        s.js("return document.getElementById('preview-scrubber').max;", serde_json::json!([]))
            .as_str()
            .filter(|m| *m == "139")
            .map(|_| ())
    });
    for frame in [30u64, 15, 44] {
        let probe = s.preview_frame(frame);
        let t = frame as f64;
        let at = |name: &str| probe["dom"]["probes"][name].as_f64().unwrap_or(f64::NAN);
        let expected = [
            ("kf", 20.0 + 800.0 * t / 60.0),
            ("tr", 20.0 + 600.0 * ((t - 10.0) / 30.0).clamp(0.0, 1.0)),
            ("wa", 20.0 + 900.0 * (t / 45.0).min(1.0)),
            ("js", 20.0 + 7.0 * t),
        ];
        for (name, want) in expected {
            assert!((at(name) - want).abs() < 1.0, "frame {frame}, {name}: {} not {want:.1} ({probe})", at(name));
        }
    }
}
