//! Exporting from the real window under Xvfb, driven through WebDriver: the whole flow a
//! creator goes through, with the files decoded back. `BAZAAR_EXPORT_SAVE_PATH` stands in for
//! the native save dialog; everything else runs as in real use.

#[path = "support/cli.rs"]
mod cli;
#[path = "support/webdriver.rs"]
mod webdriver;

use cli::{files_in, repo_canonical as repo};

use bazaar_core::probe;
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;
use webdriver::{Driver, Session};

/// Twenty exports back to back: memory and open files stay flat.
#[path = "export/resources.rs"]
mod resources;

/// The export panel's choices reach the file: size, ProRes profile, GIF rate, a still frame.
#[path = "export/panel.rs"]
mod panel;

/// One window at a time on the shared X screen.
static SCREEN: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn screen() -> std::sync::MutexGuard<'static, ()> {
    SCREEN.lock().unwrap_or_else(|e| e.into_inner())
}

/// The app, as the WebDriver sessions start it.
fn bin() -> &'static Path {
    Path::new(cli::bin())
}

/// An app with its own data folder (history) and save path.
struct App {
    _driver: Driver,
    session: Session,
}

fn start(data: &Path, save: &Path, project: &Path) -> App {
    let driver = Driver::start_with_env(&[("XDG_DATA_HOME", data), ("BAZAAR_EXPORT_SAVE_PATH", save)]);
    let session = driver.session(bin(), &[project.to_str().unwrap()], "");
    session.wait(30, "the project", |s| s.text("project-name").filter(|t| !t.is_empty()));
    // Record every stage the progress bar passes through (polling could miss a short one).
    session.js(
        "window.__stages = []; const bar = document.querySelector('[data-testid=export-progress]');
         new MutationObserver(() => { const s = bar.dataset.stage; if (s && window.__stages[window.__stages.length - 1] !== s) window.__stages.push(s); })
           .observe(bar, { attributes: true }); return true;",
        json!([]),
    );
    App { _driver: driver, session }
}

/// The indexed project's window, on the screen alone, with a data folder of its own; the save
/// dialog answers `save` (`file` in `out`). Fields drop in order: the app, then its folders,
/// then the screen.
struct Indexed {
    app: App,
    data: tempfile::TempDir,
    out: tempfile::TempDir,
    save: std::path::PathBuf,
    _screen: std::sync::MutexGuard<'static, ()>,
}

fn start_indexed(file: &str) -> Indexed {
    let screen = screen();
    let data = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let save = out.path().join(file);
    let app = start(data.path(), &save, &repo("tests/fixtures/indexed/project.json"));
    Indexed { app, data, out, save, _screen: screen }
}

fn export_via_panel(s: &Session, format: &str, quality: &str) {
    s.open_export_panel();
    s.choose(&[("export-format", format), ("export-quality", quality)]);
    s.click("export-confirm");
}

fn jobs(s: &Session) -> Vec<Value> {
    s.js(
        "return [...document.querySelectorAll('[data-testid=export-queue] li')].map(li => ({ id: li.dataset.id, status: li.dataset.status }));",
        json!([]),
    )
    .as_array()
    .cloned()
    .unwrap_or_default()
}

fn wait_status(s: &Session, index: usize, status: &str, secs: u64) {
    s.wait(secs, &format!("export {index} to be {status}"), |s| {
        jobs(s).get(index).filter(|j| j["status"] == status).map(|_| ())
    });
}

/// Waits until the running export is rendering and past `min_progress`.
fn wait_rendering(s: &Session, min_progress: f64, secs: u64) {
    s.wait(secs, "the render to be under way", |s| {
        let v = s.js(
            "const b = document.querySelector('[data-testid=export-progress]'); return b.dataset.stage === 'rendering' && Number(b.dataset.progress) > arguments[0];",
            json!([min_progress]),
        );
        v.as_bool().filter(|b| *b)
    });
}

#[test]
fn export_mp4_low_with_live_progress_then_history_survives_a_restart() {
    let _screen = screen();
    let data = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let save = out.path().join("teaser.mp4");
    let sample = repo("samples/launch-teaser/launch-teaser.bazaar.json");
    {
        let app = start(data.path(), &save, &sample);
        let s = &app.session;
        export_via_panel(s, "mp4", "low");
        let size = s.text("export-size").unwrap_or_default();
        assert!(size.starts_with("1280 × 720 px"), "the panel shows the output size: {size}");
        // Progress rises while rendering.
        let mut seen = Vec::new();
        s.wait(120, "the export to finish", |s| {
            let p = s.js(
                "return Number(document.querySelector('[data-testid=export-progress]').dataset.progress);",
                json!([]),
            );
            if let Some(p) = p.as_f64() {
                seen.push(p);
            }
            s.text("export-result")
        });
        assert!(seen.windows(2).all(|w| w[1] >= w[0]), "progress never goes back: {seen:?}");
        assert!(seen.iter().any(|p| *p > 0.05 && *p < 0.95), "progress was seen mid-way: {seen:?}");
        let stages = s.js("return window.__stages;", json!([]));
        let stages: Vec<&str> = stages.as_array().unwrap().iter().filter_map(Value::as_str).collect();
        assert!(stages.contains(&"rendering") && stages.contains(&"finalizing"), "stages {stages:?}");
        let result = s.text("export-result").unwrap();
        assert!(result.contains("teaser.mp4"), "{result}");
        // The window offers Open and Show in folder for the finished file.
        assert_eq!(s.js("return document.getElementById('export-open').hidden || document.getElementById('export-show').hidden;", json!([])), json!(false));

        let info = probe::discover(&save).unwrap();
        assert_eq!((info.codec.as_str(), info.width, info.height), ("video/x-h264", 1280, 720));
        assert!(
            info.duration.abs_diff(Duration::from_millis(25000)) < Duration::from_millis(100),
            "{:?}",
            info.duration
        );
        let (frames, _, _) = probe::decode_frames(&save, |_, _, _| {}).unwrap();
        assert_eq!(frames, 750);
        assert_eq!(files_in(out.path()), ["teaser.mp4"], "no temp files left");
    }
    // Restart: the history lists the export, newest first, with its file.
    let app = start(data.path(), &save, &sample);
    let entries = app.session.wait(20, "the history", |s| {
        let v = s.js(
            "return [...document.querySelectorAll('[data-testid=export-history] li')].map(li => li.dataset.status);",
            json!([]),
        );
        v.as_array().filter(|a| !a.is_empty()).cloned()
    });
    assert_eq!(entries, vec![json!("completed")]);
    let gone = app
        .session
        .js("return document.querySelector('[data-testid=export-history] [data-gone]') !== null;", json!([]));
    assert_eq!(gone, json!(false), "the file still exists");
    std::fs::remove_file(&save).unwrap();
    app.session.js("window.location.reload(); return true;", json!([]));
    app.session.wait_true(
        20,
        "the moved-or-deleted mark",
        "return document.querySelector('[data-testid=export-history] [data-gone]') !== null;",
    );
}

#[test]
fn two_exports_queue_and_complete_in_order_and_cancel_leaves_no_file() {
    let _screen = screen();
    let data = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let save = out.path().join("export-{n}");
    let app = start(data.path(), &save, &repo("samples/launch-teaser/launch-teaser.bazaar.json"));
    let s = &app.session;
    // Two exports back to back (the second asked for while the first renders).
    s.js_async(
        "const done = arguments[arguments.length - 1];
         window.bazaarExport.confirmExport('webm', 'low').then(() => window.bazaarExport.confirmExport('gif', 'low')).then(() => done(true));",
        json!([]),
    );
    s.wait(10, "two exports listed", |s| (jobs(s).len() == 2).then_some(()));
    // The first starts (its event may take a moment); the second waits while it runs.
    s.wait(10, "the first export to run while the second waits", |s| {
        let statuses: Vec<Value> = jobs(s).iter().map(|j| j["status"].clone()).collect();
        (statuses == [json!("rendering"), json!("pending")]).then_some(())
    });
    let queued = s.js("return document.querySelectorAll('[data-testid=export-queue] li')[1].textContent;", json!([]));
    assert!(queued.as_str().unwrap_or_default().contains("queued (#1)"), "{queued}");
    wait_status(s, 0, "completed", 120);
    wait_status(s, 1, "completed", 120);
    let files = files_in(out.path());
    assert_eq!(files, ["export-1.webm", "export-2.gif"]);
    let webm = probe::discover(&out.path().join("export-1.webm")).unwrap();
    let gif = probe::discover(&out.path().join("export-2.gif")).unwrap();
    assert_eq!((webm.codec.as_str(), gif.codec.as_str()), ("video/x-vp8", "image/gif"));
    // Completed in the order they were queued.
    let order = s.js(
        "return [...document.querySelectorAll('[data-testid=export-history] li')].map(li => li.textContent);",
        json!([]),
    );
    let order: Vec<String> = order.as_array().unwrap().iter().map(|v| v.as_str().unwrap_or("").to_string()).collect();
    assert!(order[0].contains("GIF") && order[1].contains("WEBM"), "newest first: {order:?}");

    // Now a long export, cancelled while it renders: no file, no temp file.
    s.js("window.bazaarExport.confirmExport('mp4', 'high'); return true;", json!([]));
    wait_rendering(s, 0.02, 30);
    s.js("document.getElementById('export-current-cancel').click(); return true;", json!([]));
    wait_status(s, 2, "cancelled", 15);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(files_in(out.path()), ["export-1.webm", "export-2.gif"], "the cancelled export left nothing");
}

/// A folder no process can write to, even root's: a read-only tmpfs when root, else chmod.
struct ReadOnlyDir {
    dir: tempfile::TempDir,
    mounted: bool,
}

impl ReadOnlyDir {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        // SAFETY: geteuid has no preconditions.
        let root = unsafe { libc::geteuid() } == 0;
        let mounted = root
            && std::process::Command::new("mount")
                .args(["-t", "tmpfs", "-o", "ro,size=1m", "tmpfs"])
                .arg(dir.path())
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
        if !mounted {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o555)).unwrap();
        }
        Self { dir, mounted }
    }
}

impl Drop for ReadOnlyDir {
    fn drop(&mut self) {
        if self.mounted {
            let _ = std::process::Command::new("umount").arg(self.dir.path()).status();
        } else {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(self.dir.path(), std::fs::Permissions::from_mode(0o755));
        }
    }
}

#[test]
fn an_export_to_a_read_only_folder_shows_the_error_and_the_app_keeps_working() {
    let _screen = screen();
    let data = tempfile::tempdir().unwrap();
    let ro = ReadOnlyDir::new();
    let app = start(data.path(), &ro.dir.path().join("out.mp4"), &repo("tests/fixtures/indexed/project.json"));
    let s = &app.session;
    export_via_panel(s, "mp4", "low");
    let err = s.wait(30, "the export error", |s| s.text("export-error"));
    assert!(err.contains("cannot write to") && err.contains("out.mp4"), "{err}");
    assert!(err.contains("Choose another folder"), "says what to do: {err}");
    assert_eq!(std::fs::read_dir(ro.dir.path()).unwrap().count(), 0);
    // Still working: open another project.
    s.js(
        "window.bazaar.openPath(arguments[0]); return true;",
        json!([repo("samples/launch-teaser/launch-teaser.bazaar.json")]),
    );
    s.wait(15, "another project", |s| s.text("project-name").filter(|t| t == "Launch teaser"));
}

/// PIDs of the app processes started with `XDG_DATA_HOME=data` (ours alone: each test has its
/// own data folder).
fn app_pids(data: &Path) -> Vec<i32> {
    let needle = format!("XDG_DATA_HOME={}", data.display());
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()))
        .filter(|pid| {
            let exe = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap_or_default();
            let env = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
            exe == bin() && env.split(|b| *b == 0).any(|kv| kv == needle.as_bytes())
        })
        .collect()
}

#[test]
fn a_killed_export_leaves_the_old_file_and_is_interrupted_and_cleaned_at_the_next_start() {
    let _screen = screen();
    let data = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let save = out.path().join("teaser.mp4");
    std::fs::write(&save, b"the creator's earlier export").unwrap();
    let sample = repo("samples/launch-teaser/launch-teaser.bazaar.json");
    {
        let app = start(data.path(), &save, &sample);
        let s = &app.session;
        s.js("window.bazaarExport.confirmExport('mp4', 'high'); return true;", json!([]));
        wait_rendering(s, 0.05, 60);
        assert!(files_in(out.path()).iter().any(|f| f.ends_with(".bazaar-part")), "a temp file is being written");
        let pids = app_pids(data.path());
        assert_eq!(pids.len(), 1, "found the app: {pids:?}");
        // SAFETY: kill(2) on a PID we just found; SIGKILL cannot be caught.
        unsafe { libc::kill(pids[0], libc::SIGKILL) };
        std::thread::sleep(Duration::from_millis(500));
        assert!(app_pids(data.path()).is_empty());
    }
    assert_eq!(std::fs::read(&save).unwrap(), b"the creator's earlier export", "the old file is untouched");
    let app = start(data.path(), &save, &sample);
    let status = app.session.wait(20, "the history", |s| {
        s.js(
            "const li = document.querySelector('[data-testid=export-history] li'); return li && li.dataset.status;",
            json!([]),
        )
        .as_str()
        .map(str::to_owned)
    });
    assert_eq!(status, "interrupted");
    assert_eq!(files_in(out.path()), ["teaser.mp4"], "the dead export's temp files were removed at start");
    assert_eq!(std::fs::read(&save).unwrap(), b"the creator's earlier export");
}

/// A video clip that turns out to be cut short mid-export: the window says which file and
/// which scene, leaves nothing behind, and the next export works.
#[test]
fn a_clip_cut_short_fails_its_export_in_the_window_and_the_next_export_works() {
    let _screen = screen();
    let data = tempfile::tempdir().unwrap();
    let project = tempfile::tempdir().unwrap();
    let clip = project.path().join("cut.mp4");
    bazaar_core::synth::encode_clip(&clip, 192, 108, "30", 90, &["-c:v", "libx264", "-movflags", "+faststart"])
        .unwrap();
    let bytes = std::fs::read(&clip).unwrap();
    std::fs::write(&clip, &bytes[..bytes.len() / 2]).unwrap();
    std::fs::write(
        project.path().join("project.json"),
        r#"{ "version": 1, "name": "Cut clip", "width": 192, "height": 108, "scenes": [
             { "composition": "TitleCard", "durationInFrames": 10 },
             { "composition": "VideoClip", "durationInFrames": 90, "props": { "src": "cut.mp4" } } ] }"#,
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let save = out.path().join("out.mp4");
    let app = start(data.path(), &save, &project.path().join("project.json"));
    let s = &app.session;
    export_via_panel(s, "mp4", "low");
    let err = s.wait(60, "the export error", |s| s.text("export-error"));
    assert!(err.contains("cut.mp4") && err.contains("cut short") && err.contains("scene 2"), "{err}");
    assert!(files_in(out.path()).is_empty(), "nothing left: {:?}", files_in(out.path()));
    // Still working: another project exports.
    s.js("window.bazaar.openPath(arguments[0]); return true;", json!([repo("tests/fixtures/indexed/project.json")]));
    s.wait(15, "another project", |s| s.text("project-name").filter(|t| t != "Cut clip"));
    export_via_panel(s, "mp4", "low");
    s.wait(120, "the second export", |s| s.text("export-result"));
    let (frames, _, _) = probe::decode_frames(&save, |_, _, _| {}).unwrap();
    assert!(frames > 0);
}

/// "Show log" on a history entry shows what its export logged, kept with the entry: each
/// stage of the render, whatever stderr showed.
#[test]
fn a_history_entry_shows_its_exports_log() {
    let run = start_indexed("logged.mp4");
    let s = &run.app.session;
    export_via_panel(s, "mp4", "low");
    s.wait(120, "the export to finish", |s| s.text("export-result"));
    let button = "document.querySelector('[data-testid=export-history] [data-testid=show-log]')";
    s.wait_true(20, "the entry's Show log", &format!("return {button} !== null;"));
    s.js(&format!("{button}.click(); return true;"), json!([]));
    let log = s.wait(20, "the log", |s| s.text("export-log").filter(|t| !t.is_empty()));
    for stage in ["preparing", "page loaded", "rendering", "finalizing", "written"] {
        assert!(log.lines().any(|l| l.contains(" INFO ") && l.contains(stage)), "{stage} missing:\n{log}");
    }
}
