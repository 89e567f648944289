//! Time that libraries see, end to end through the binary (`tests/fixtures/clock/`): what
//! requestAnimationFrame, performance.now(), Date and timers show a composition at each frame
//! (also in a render of a later range, which steps through the frames before it), a GSAP
//! timeline built in load() checked per frame against `timeline.seek(f / fps)`, a three.js
//! scene on WebGL (a canvas scene's page canvas, and an HTML scene's), the built-in `Lottie`
//! (a hand-written animation: the shape's position and colour at chosen frames, looped and
//! not), and two renders of each handing the encoder the same bytes; the preview scrubbed both
//! ways over a GSAP timeline. The bad cases: a `Lottie` scene's bad props refused by `check`,
//! WebGL asked of an OffscreenCanvas named.
//!
//! GSAP and three.js come from the npm registry, pinned in the fixture's package-lock.json and
//! installed by `scripts/ensure-npm-fixtures.sh` (scripts/test.sh runs it before the tests).

#[path = "support/cli.rs"]
mod cli;

use cli::{bin, check_refused, project_with, render, repo, stderr};
use std::path::PathBuf;
use std::process::Command;

/// The fixture folder, its npm packages installed.
fn fixture() -> PathBuf {
    let dir = repo("tests/fixtures/clock");
    for p in ["node_modules/gsap/index.js", "node_modules/three/build/three.module.js"] {
        assert!(
            dir.join(p).is_file(),
            "{} is missing: run scripts/ensure-npm-fixtures.sh (it installs the fixture's npm packages)",
            dir.join(p).display()
        );
    }
    dir
}

/// Frames of I420 (BT.709, limited range) as the encoder received them.
struct Frames {
    w: usize,
    h: usize,
    frames: Vec<Vec<u8>>,
}

impl Frames {
    fn y(&self, f: usize, x: usize, y: usize) -> u8 {
        self.frames[f][y * self.w + x]
    }

    /// The colour at (x, y), back to RGB.
    fn rgb(&self, f: usize, x: usize, y: usize) -> [f64; 3] {
        let (w, h) = (self.w, self.h);
        let c = (y / 2) * (w / 2) + x / 2;
        let p = &self.frames[f];
        let l = (f64::from(p[y * w + x]) - 16.0) * 255.0 / 219.0;
        let u = (f64::from(p[w * h + c]) - 128.0) * 255.0 / 224.0;
        let v = (f64::from(p[w * h + w * h / 4 + c]) - 128.0) * 255.0 / 224.0;
        [l + 1.5748 * v, l - 0.1873 * u - 0.4681 * v, l + 1.8556 * u]
    }
}

/// Renders `project` of the fixture twice (at its own size, `extra` arguments added), checks
/// that both runs handed the encoder the same bytes, and returns the frames.
fn render_twice(project: &str, (w, h): (usize, usize), extra: &[&str]) -> Frames {
    let dir = tempfile::tempdir().unwrap();
    let mut dumps = Vec::new();
    for run in 0..2 {
        let dump = dir.path().join(format!("{run}.i420"));
        let out = dir.path().join(format!("{run}.mp4"));
        let args = [&["--size", "project", "--dump-frames", dump.to_str().unwrap()], extra].concat();
        let o = render(&fixture().join(project), &out, &args);
        assert!(o.status.success(), "{project}: {}", stderr(&o));
        dumps.push(std::fs::read(&dump).unwrap());
    }
    assert!(dumps[0] == dumps[1], "two renders of {project} handed the encoder different frames");
    let frames = dumps[0].chunks(w * h * 3 / 2).map(<[u8]>::to_vec).collect();
    Frames { w, h, frames }
}

fn near(got: [f64; 3], want: [f64; 3], tolerance: f64) -> bool {
    got.iter().zip(want).all(|(g, w)| (g - w).abs() <= tolerance)
}

#[test]
fn animation_frames_performance_now_date_and_timers_follow_the_frame_clock() {
    let f = render_twice("probe.json", (160, 120), &[]);
    assert_eq!(f.frames.len(), 6);
    // probe.js writes one number a row, 16 bits of 10 × 15 px.
    let row =
        |n: usize, r: usize| (0..16).fold(0u32, |v, b| (v << 1) | u32::from(f.y(n, b * 10 + 5, r * 15 + 7) > 126));
    let mut wrong = Vec::new();
    for n in 0..6u32 {
        let ms3 = n * 100; // frame n at 30 fps: n × 1000 / 30 ms, times 3
        let late = n >= 2; // the 50 ms timer set in load() runs before frame 2 (66.7 ms)
        let expected = [
            ("requestAnimationFrame's timestamp × 3", ms3),
            ("performance.now() × 3", ms3),
            ("Date.now() − 2026-01-01 × 3", ms3),
            ("animation-frame callbacks run (one a frame)", n + 1),
            ("setInterval(20 ms) runs", n * 100 / 3 / 20),
            ("new Date() − 2026-01-01 (whole ms)", n * 1000 / 30),
            ("timers from load() (0 ms: 1, 50 ms: 2; clock 0 in load(): 4)", 1 + 4 + if late { 2 } else { 0 }),
            ("performance.now() × 3 in the 50 ms timer", if late { 150 } else { 0 }),
        ];
        for (r, (what, want)) in expected.iter().enumerate() {
            if row(n as usize, r) != *want {
                wrong.push(format!("frame {n}, {what}: {} (expected {want})", row(n as usize, r)));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // A render of frames 3–5 alone steps the clock through frames 0–2 first: the same frames.
    let later = render_twice("probe.json", (160, 120), &["--frames", "3-5"]);
    assert!(later.frames == f.frames[3..], "a render from frame 3 shows other times than the whole render");
}

/// GSAP's power2.inOut and power1.out, as GSAP defines them.
fn power2_in_out(p: f64) -> f64 {
    if p < 0.5 {
        4.0 * p.powi(3)
    } else {
        1.0 - (2.0 - 2.0 * p).powi(3) / 2.0
    }
}

fn power1_out(p: f64) -> f64 {
    1.0 - (1.0 - p).powi(2)
}

#[test]
fn a_gsap_timeline_shows_at_each_frame_what_seek_shows() {
    let f = render_twice("gsap.json", (160, 90), &[]);
    assert_eq!(f.frames.len(), 48);
    let mut wrong = Vec::new();
    for n in 0..48 {
        // gsap-box.js: x 10 → 130 over 1 s (power2.inOut), then → 50 over 0.5 s (power1.out); a
        // 10 px wide white box, so its centre is x + 5.
        let t = n as f64 / 30.0;
        let x = if t <= 1.0 {
            10.0 + 120.0 * power2_in_out(t)
        } else {
            130.0 - 80.0 * power1_out(((t - 1.0) / 0.5).min(1.0))
        };
        // The box's centre on row 45, its antialiased edges read as coverage.
        let cover: Vec<f64> = (0..160).map(|x| ((f64::from(f.y(n, x, 45)) - 16.0) / 219.0).clamp(0.0, 1.0)).collect();
        let centre =
            cover.iter().enumerate().map(|(i, c)| (i as f64 + 0.5) * c).sum::<f64>() / cover.iter().sum::<f64>();
        if (centre - (x + 5.0)).abs() > 0.5 {
            wrong
                .push(format!("frame {n}: the box's centre at {centre:.2} px, seek({t:.3}) puts it at {:.2}", x + 5.0));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_three_js_scene_renders_once_a_frame_on_webgl_the_same_every_time() {
    let f = render_twice("three.json", (160, 90), &[]);
    assert_eq!(f.frames.len(), 7);
    let (mesh, background) = ([224.0, 48.0, 16.0], [32.0, 64.0, 192.0]);
    for n in 0..7 {
        let (centre, corner) = (f.rgb(n, 80, 45), f.rgb(n, 4, 84));
        let scene = if n < 4 { "canvas scene" } else { "HTML scene" };
        assert!(near(centre, mesh, 10.0), "frame {n} ({scene}): the mesh at the centre is {centre:.0?}, not {mesh:?}");
        assert!(
            near(corner, background, 10.0),
            "frame {n} ({scene}): the background is {corner:.0?}, not {background:?}"
        );
    }
    // The canvas scene writes how many times three.js's animation loop has rendered: once a frame.
    for n in 0..4 {
        let renders = (0..16).fold(0usize, |v, b| (v << 1) | usize::from(f.y(n, b * 10 + 5, 7) > 126));
        assert_eq!(renders, n + 1, "frame {n}: three.js rendered {renders} times");
    }
}

#[test]
fn the_lottie_built_in_plays_the_animation_at_its_own_rate() {
    let f = render_twice("lottie.json", (160, 90), &[]);
    assert_eq!(f.frames.len(), 11);
    // animations/box.json: 60 fps, 120 frames; a 20 px square from x = 20 to 140 (centre, row
    // 45) and from red to blue, linearly. Scene 1 at playbackRate 3 (project at 30 fps): frame n
    // shows the animation's frame 6n; scene 2 at 16, looped: 32n modulo 120, over #204020.
    let mut wrong = Vec::new();
    for (n, at, background) in [(0, 0.0, [0.0; 3]), (3, 18.0, [0.0; 3]), (5, 30.0, [0.0; 3])]
        .into_iter()
        .chain((0..5).map(|k| (6 + k, f64::from(32 * k as u32 % 120), [32.0, 64.0, 32.0])))
    {
        let x = 20.0 + at;
        let shape: Vec<usize> = (0..160).filter(|&i| !near(f.rgb(n, i, 45), background, 40.0)).collect();
        let centre = shape.first().zip(shape.last()).map(|(a, b)| (*a + *b + 1) as f64 / 2.0);
        if centre.is_none_or(|c| (c - x).abs() > 1.0) {
            wrong.push(format!("frame {n}: the shape's centre at {centre:?}, expected {x}"));
        }
        let t = at / 120.0;
        let colour = [255.0 * (1.0 - t), 0.0, 255.0 * t];
        let got = f.rgb(n, x as usize, 45);
        if !near(got, colour, 12.0) {
            wrong.push(format!("frame {n}: the shape is {got:.0?}, expected {colour:.0?}"));
        }
        let corner = f.rgb(n, 4, 84);
        if !near(corner, background, 10.0) {
            wrong.push(format!("frame {n}: the background is {corner:.0?}, expected {background:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_lottie_built_in_covers_or_contains_the_frame() {
    // The 160 × 90 animation in a 96 × 96 project at playbackRate 10 (frame n: the animation's
    // 20n). Covering, it is scaled by 96 / 90 and cropped at the sides (the square 21.3 px wide,
    // its centre at 1.0667 × (20 + 20n) − 37.3); contained, scaled by 0.6 (12 px, at 0.6 ×
    // (20 + 20n)), the background around it.
    let f = render_twice("lottie-fit.json", (96, 96), &[]);
    assert_eq!(f.frames.len(), 8);
    let mut wrong = Vec::new();
    for (n, k, scale, offset, background) in [
        (2, 2.0, 96.0 / 90.0, -37.333, [0.0; 3]),
        (3, 3.0, 96.0 / 90.0, -37.333, [0.0; 3]),
        (4, 0.0, 0.6, 0.0, [32.0, 64.0, 32.0]),
        (7, 3.0, 0.6, 0.0, [32.0, 64.0, 32.0]),
    ] {
        let shape: Vec<usize> = (0..96).filter(|&i| !near(f.rgb(n, i, 48), background, 40.0)).collect();
        let (Some(first), Some(last)) = (shape.first(), shape.last()) else {
            wrong.push(format!("frame {n}: no shape on row 48"));
            continue;
        };
        let (centre, width) = ((first + last + 1) as f64 / 2.0, (last + 1 - first) as f64);
        let (want, size) = (scale * (20.0 + 20.0 * k) + offset, 20.0 * scale);
        if (centre - want).abs() > 1.0 || (width - size).abs() > 1.5 {
            wrong.push(format!("frame {n}: the square {width} px wide at {centre}, expected {size:.1} at {want:.1}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_lottie_scene_s_bad_props_are_refused_before_rendering() {
    let lottie = std::fs::read(repo("tests/fixtures/clock/animations/box.json")).unwrap();
    let (_dir, project) = project_with(
        &[("box.json", &lottie), ("notes.json", b"{ \"title\": \"not an animation\" }")],
        "{}",
        r#"[{ "composition": "Lottie", "durationInFrames": 5, "props": { "src": "notes.json" } },
            { "composition": "Lottie", "durationInFrames": 5, "props": { "src": "box.json", "fit": "fill", "loop": "yes", "playbackRate": 0 } },
            { "composition": "Lottie", "durationInFrames": 5 }]"#,
    );
    let said = check_refused(&project, &[]);
    for words in [
        "scenes[0].props.src",
        "\"notes.json\" is not a Lottie animation",
        "scenes[1].props.fit",
        "must be \"cover\" or \"contain\"",
        "scenes[1].props.loop",
        "scenes[1].props.playbackRate",
        "scenes[2].props.src",
        "is missing: the Lottie .json file",
    ] {
        assert!(said.contains(words), "check did not say {words:?}:\n{said}");
    }
    // The good one passes.
    let (_dir, project) = project_with(
        &[("box.json", &lottie)],
        "{}",
        r#"[{ "composition": "Lottie", "durationInFrames": 5, "props": { "src": "box.json", "fit": "cover", "loop": true, "playbackRate": -2 } }]"#,
    );
    let o = Command::new(bin()).arg("check").arg(&project).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn webgl_asked_of_an_offscreen_canvas_says_what_works() {
    let (dir, project) = project_with(
        &[("gl.js", b"export default { draw() { new OffscreenCanvas(8, 8).getContext(\"webgl2\"); } };")],
        r#"{ "Gl": "./gl.js" }"#,
        r#"[{ "composition": "Gl", "durationInFrames": 2 }]"#,
    );
    let o = render(&project, &dir.path().join("out.mp4"), &[]);
    assert!(!o.status.success());
    let said = stderr(&o);
    assert!(
        said.contains("an OffscreenCanvas has no webgl2 context")
            && said.contains("document.createElement(\"canvas\")"),
        "{said}"
    );
}

#[path = "support/webdriver.rs"]
mod webdriver;

/// The window's preview runs the same clock: scrubbed forward, back (the page loads again and
/// steps from frame 0, since GSAP keeps its own time) and forward again, a GSAP timeline shows
/// at each frame what `seek(f / fps)` shows, as in the export.
#[test]
fn the_preview_shows_a_gsap_timeline_where_the_export_does_scrubbed_both_ways() {
    let project = fixture().join("gsap-preview.json");
    let driver = webdriver::Driver::start();
    let s = driver.session(std::path::Path::new(cli::bin()), &[project.to_str().unwrap()], "");
    s.wait(30, "the preview to be ready", |s| {
        s.js("return document.getElementById('preview-scrubber').max;", serde_json::json!([]))
            .as_str()
            .filter(|m| *m == "59")
            .map(|_| ())
    });
    for frame in [30u64, 10, 20, 5, 45] {
        let probe = s.preview_frame(frame);
        let t = frame as f64 / 30.0;
        let want = if t <= 1.0 { 1000.0 * power2_in_out(t) } else { 1000.0 - 800.0 * power1_out((t - 1.0) / 0.5) };
        let shown = probe["index"].as_f64().unwrap_or(f64::NAN);
        assert!(
            (shown - want.round()).abs() <= 1.0,
            "frame {frame}: the preview shows {shown}, seek({t:.3}) gives {want:.0} ({probe})"
        );
    }
}
