//! The real window under Xvfb, driven through WebDriver: open, show, refuse bad files, drop.

#[path = "support/cli.rs"]
mod cli;
#[path = "support/webdriver.rs"]
mod webdriver;

use cli::repo_canonical as repo;

use serde_json::json;
use std::path::{Path, PathBuf};
use webdriver::Driver;

/// The tests share one X screen, and windows open at its top-left corner: one at a time, so a
/// drop lands on the window it was meant for.
static SCREEN: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn screen() -> std::sync::MutexGuard<'static, ()> {
    SCREEN.lock().unwrap_or_else(|e| e.into_inner())
}

/// The app, as the WebDriver sessions start it.
fn bin() -> &'static Path {
    Path::new(cli::bin())
}

#[test]
fn the_window_shows_a_project_keeps_it_on_a_bad_file_and_opens_another() {
    let _screen = screen();
    let driver = Driver::start();
    let sample = repo("samples/launch-teaser/launch-teaser.bazaar.json");
    let s = driver.session(bin(), &[sample.to_str().unwrap()], "");

    let name = s.wait(30, "the sample project's name", |s| s.text("project-name").filter(|t| !t.is_empty()));
    assert_eq!(name, "Launch teaser");
    let scenes = s.js(
        "return [...document.querySelectorAll('[data-testid=scene-list] > li')].map(li => li.dataset.composition);",
        json!([]),
    );
    assert_eq!(
        scenes,
        json!([
            "Countdown",
            "TitleCard",
            "KineticText",
            "ImageSlide",
            "LowerThird",
            "BulletList",
            "Starfield",
            "VideoClip",
            "AudioBars",
            "Features"
        ])
    );
    assert_eq!(s.text("project-size").as_deref(), Some("1280 × 720"));
    assert_eq!(s.text("project-fps").as_deref(), Some("30 fps"));
    assert!(s.text("project-duration").unwrap_or_default().starts_with("0:25.00"));
    assert!(s.text("project-errors").is_none(), "no errors shown for a valid project");

    // A bad file: every problem is listed, and the open project stays open.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{ "version": 1, "fps": 0, "scenes": [ { "composition": "Nope", "durationInFrames": 5 } ] }"#,
    )
    .unwrap();
    s.js("window.bazaar.openPath(arguments[0]); return true;", json!([bad]));
    let errors = s.wait(15, "the validation problems", |s| s.text("project-errors"));
    assert!(errors.contains("fps") && errors.contains("1 to 120"), "{errors}");
    assert!(errors.contains("scenes[0].composition") && errors.contains("TitleCard"), "{errors}");
    assert_eq!(s.text("project-name").as_deref(), Some("Launch teaser"));

    // A folder holding one project opens that project.
    let folder = repo("tests/fixtures/indexed");
    s.js("window.bazaar.openPath(arguments[0]); return true;", json!([folder]));
    s.wait(15, "the indexed project", |s| s.text("project-name").filter(|t| t == "Indexed frames"));
    assert!(s.text("project-errors").is_none(), "the errors are cleared by a good project");
}

#[test]
fn without_a_project_the_window_starts_empty_with_an_open_button() {
    let _screen = screen();
    let driver = Driver::start();
    let s = driver.session(bin(), &[], "");
    wait_for_empty_window(&s);
    assert!(s.text("project-name").is_none(), "no project is shown at start");
}

/// Waits until the window, started without a project, has loaded its page.
fn wait_for_empty_window(s: &webdriver::Session) {
    s.wait_true(30, "the empty window", "return document.querySelector('[data-testid=open-project]') !== null;");
}

/// Runs `xdotool` with `args`.
fn xdotool(args: &[&str]) {
    let ok = std::process::Command::new("xdotool").args(args).status().map(|s| s.success()).unwrap_or(false);
    assert!(ok, "xdotool {args:?} failed (install xdotool: scripts/install-deps.sh)");
}

/// Drags a real file from a GTK drag source (as a file manager would) onto the window with the
/// X pointer: the overlay shows while the file is over the window, and the drop opens it.
#[test]
fn dropping_a_project_file_on_the_window_opens_it() {
    let _screen = screen();
    let driver = Driver::start();
    let s = driver.session(bin(), &[], "");
    wait_for_empty_window(&s);
    // The window opens at the top-left of the bare X screen (no window manager), 1100×740.
    let file = repo("tests/fixtures/indexed/project.json");
    let mut source = std::process::Command::new("/usr/bin/python3")
        .arg(repo("tests/tools/drag_source.py"))
        .args([file.to_str().unwrap(), "1150", "600"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("the drag source starts");
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(source.stdout.take().unwrap()), &mut line).unwrap();
    assert_eq!(line.trim(), "ready");
    std::thread::sleep(std::time::Duration::from_millis(500));

    xdotool(&["mousemove", "1200", "650", "mousedown", "1"]);
    for x in ["1150", "1100", "1000", "900", "800", "700", "600", "500"] {
        xdotool(&["mousemove", x, "400"]);
        std::thread::sleep(std::time::Duration::from_millis(80));
    }
    s.wait_true(10, "the drop overlay", "return !document.querySelector('[data-testid=drop-overlay]').hidden;");
    xdotool(&["mouseup", "1"]);
    let name = s.wait(15, "the dropped project", |s| s.text("project-name").filter(|t| !t.is_empty()));
    assert_eq!(name, "Indexed frames");
    let hidden = s.js("return document.querySelector('[data-testid=drop-overlay]').hidden;", json!([]));
    assert_eq!(hidden, json!(true), "the overlay is gone after the drop");
    let _ = source.kill();
    let _ = source.wait();
}

/// The preview uses the export's runtime: seeking shows exactly the project frame asked for
/// (the indexed fixture writes the frame number into the picture), and Play advances.
#[test]
fn the_preview_shows_the_frame_the_scrubber_asks_for_and_plays() {
    let _screen = screen();
    let driver = Driver::start();
    let s = driver.session(bin(), &[repo("tests/fixtures/indexed/project.json").to_str().unwrap()], "");
    s.wait(30, "the preview to be ready", |s| {
        s.js("return document.getElementById('preview-scrubber').max;", json!([]))
            .as_str()
            .filter(|m| *m == "29")
            .map(|_| ())
    });
    for (frame, blue) in [(20u64, true), (5, false), (15, true), (14, false)] {
        let probe = s.preview_frame(frame);
        assert_eq!(probe["index"], json!(frame), "the preview shows frame {frame}: {probe}");
        let c = &probe["color"];
        let (r, b) = (c[0].as_u64().unwrap(), c[2].as_u64().unwrap());
        assert_eq!(b > r, blue, "scene colour at frame {frame}: {c}");
    }
    s.click("preview-play");
    s.wait(10, "playback to advance", |s| {
        let f = s.js("return Number(document.getElementById('preview-time').dataset.frame);", json!([]));
        f.as_u64().filter(|f| *f > 14).map(|_| ())
    });
    // Keys: Space pauses (and plays), End and Home jump, the arrows step a frame (Shift: a second).
    let press = |key: &str, shift: bool| {
        s.js(
            "document.body.dispatchEvent(new KeyboardEvent('keydown', { key: arguments[0], shiftKey: arguments[1], bubbles: true })); return true;",
            json!([key, shift]),
        );
    };
    let shows = |frame: u64| {
        s.wait(10, "the frame the keys ask for", |s| {
            s.js("return document.getElementById('preview-time').dataset.frame;", json!([]))
                .as_str()
                .filter(|f| *f == frame.to_string())
                .map(|_| ())
        })
    };
    press(" ", false);
    s.wait(10, "the pause", |s| s.text("preview-play").filter(|t| t == "Play"));
    for (key, shift, frame) in [
        ("End", false, 29),
        ("Home", false, 0),
        ("ArrowRight", false, 1),
        ("ArrowRight", false, 2),
        ("ArrowLeft", false, 1),
        ("ArrowRight", true, 29),
    ] {
        press(key, shift);
        shows(frame);
    }
    press(" ", false);
    s.wait(10, "play again", |s| s.text("preview-play").filter(|t| t == "Pause"));
}

/// A composition whose first frame takes 1.5 s to draw (an async `draw()` waiting on a timer):
/// red on frame 0, blue on the others.
const SLOW_FIRST_FRAME: &str = r##"export default {
  async draw(ctx, { frame, width, height }) {
    if (frame === 0) await new Promise((done) => setTimeout(done, 1500));
    ctx.fillStyle = frame === 0 ? "#d02020" : "#2020d0";
    ctx.fillRect(0, 0, width, height);
  },
};"##;

/// The scrubber moved while the preview still draws its first frame: the frame asked for is the
/// one shown and reported, and the first frame, finishing later, neither paints over it nor
/// moves the frame counter back.
#[test]
fn a_frame_asked_for_while_another_draws_is_the_one_shown() {
    let _screen = screen();
    let (_dir, project) = cli::project_with(
        &[("slow.js", SLOW_FIRST_FRAME.as_bytes())],
        r#"{ "Slow": "./slow.js" }"#,
        r#"[ { "composition": "Slow", "durationInFrames": 10 } ]"#,
    );
    let driver = Driver::start();
    let s = driver.session(bin(), &[project.to_str().unwrap()], "");
    s.wait_true(30, "the preview to be ready", "return document.getElementById('preview-scrubber').max === '9';");
    // Frame 0 is drawing now (the preview draws it once ready); frame 5 is asked for meanwhile.
    s.preview_frame(5);
    std::thread::sleep(std::time::Duration::from_millis(2500));
    let shown = s.js("return document.getElementById('preview-time').dataset.frame;", json!([]));
    assert_eq!(shown, json!("5"), "the frame counter once frame 0's drawing has ended");
    let c = &s.probe()["color"];
    let (r, b) = (c[0].as_u64().unwrap(), c[2].as_u64().unwrap());
    assert!(b > 150 && r < 100, "the preview shows frame 5 (blue), not frame 0 (red): {c}");
}

/// Every file of the bad-project corpus shows its problems in the window, and the project that
/// was open stays open.
#[test]
fn the_window_shows_the_problems_of_every_bad_project_and_keeps_the_open_one() {
    let _screen = screen();
    let driver = Driver::start();
    let s = driver.session(bin(), &[repo("samples/launch-teaser/launch-teaser.bazaar.json").to_str().unwrap()], "");
    s.wait(30, "the sample", |s| s.text("project-name").filter(|t| t == "Launch teaser"));
    let dir = repo("tests/fixtures/bad-projects");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.path()).collect();
    files.sort();
    for f in files.iter().filter(|p| p.extension().is_some_and(|e| e == "json")) {
        s.js(
            "document.getElementById('project-errors').hidden = true; window.bazaar.openPath(arguments[0]); return true;",
            json!([f]),
        );
        let errors = s.wait(15, &format!("the problems of {}", f.display()), |s| s.text("project-errors"));
        assert!(errors.contains("cannot be opened"), "{}: {errors}", f.display());
        assert_eq!(s.text("project-name").as_deref(), Some("Launch teaser"), "{}", f.display());
    }
}

/// The driver's `Drop` ends everything it started: tauri-driver, `WebKitWebDriver` (which
/// ignores SIGTERM, and used to stay behind with parent PID 1, twelve of them after one run of
/// the suite) and the app.
#[test]
fn the_window_tests_leave_no_process_behind() {
    let _screen = screen();
    let driver = Driver::start();
    let group = driver.process_group();
    {
        let s = driver.session(bin(), &[], "");
        wait_for_empty_window(&s);
    }
    drop(driver);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let left = webdriver::group_members(group);
        if left.is_empty() {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "still running from the driver's group: {left:?}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
