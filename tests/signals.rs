//! How a render ends on a signal or a lost display: Ctrl+C, SIGTERM, the terminal hanging up,
//! the X server going away. Whatever the moment, the report agrees with the disk: no temp file
//! is left, and "cancelled" means no file was written.

#[path = "support/cli.rs"]
mod cli;

use cli::{children_named, files_in, render_command, running};
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// A render in a process group of its own with no display, as in a terminal over SSH: it starts
/// its own Xvfb. Returns once its temp file exists (it is rendering).
fn start_headless_render(dir: &Path, frames: u32) -> Child {
    let p = dir.join("project.json");
    std::fs::write(
        &p,
        format!(r#"{{ "version": 1, "width": 320, "height": 180, "fps": 30, "scenes": [ {{ "composition": "Countdown", "durationInFrames": {frames} }} ] }}"#),
    )
    .unwrap();
    let mut child = render_command(&p, &dir.join("out.mp4"), &["--quality", "low"], 120)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .process_group(0)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !files_in(dir).iter().any(|f| f.ends_with(".bazaar-part")) {
        assert!(child.try_wait().unwrap().is_none(), "the render ended early");
        assert!(Instant::now() < deadline, "the render did not start writing");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    child
}

fn wait_output(mut child: Child) -> (Option<i32>, String) {
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    (child.wait().unwrap().code(), err)
}

#[test]
fn ctrl_c_in_a_terminal_exits_130_and_leaves_no_file_even_with_a_private_display() {
    let dir = tempfile::tempdir().unwrap();
    let child = start_headless_render(dir.path(), 3000);
    let xvfb = children_named(child.id(), "Xvfb");
    assert_eq!(xvfb.len(), 1, "the render started its own Xvfb");
    // Ctrl+C signals the terminal's whole foreground process group.
    // SAFETY: kill(2) on the group the render leads.
    unsafe { libc::kill(-(child.id() as i32), libc::SIGINT) };
    let (code, err) = wait_output(child);
    assert_eq!(code, Some(130), "{err}");
    assert!(err.contains("cancelled"), "{err}");
    assert_eq!(files_in(dir.path()), vec!["project.json"], "no partial file");
    std::thread::sleep(Duration::from_millis(500));
    assert!(!running(xvfb[0]), "the private Xvfb ended with the render");
}

#[test]
fn a_hang_up_ends_the_render_like_ctrl_c_and_leaves_no_file() {
    // Issue 35: the terminal closing (SIGHUP to its foreground group) killed the render outright
    // and left its hidden `.bazaar-part` file.
    let dir = tempfile::tempdir().unwrap();
    let child = start_headless_render(dir.path(), 3000);
    // SAFETY: kill(2) on the group the render leads.
    unsafe { libc::kill(-(child.id() as i32), libc::SIGHUP) };
    let (code, err) = wait_output(child);
    assert_eq!(code, Some(129), "{err}");
    assert!(err.contains("cancelled"), "{err}");
    assert_eq!(files_in(dir.path()), vec!["project.json"], "no partial file");
}

#[test]
fn ctrl_c_as_the_file_is_finished_reports_exactly_what_is_on_disk() {
    // Issue 35 #16: Ctrl+C at the very end once printed "cancelled: no file was written" (exit
    // 130) beside the complete file. Whenever it lands in the finalizing stage, the report and
    // the disk agree: exit 130 and no file, or exit 0, "wrote" and every frame in the file.
    for delay_ms in [0, 2, 5, 10, 20, 40] {
        let dir = tempfile::tempdir().unwrap();
        let (p, out) = (dir.path().join("project.json"), dir.path().join("out.mp4"));
        std::fs::write(
            &p,
            r#"{ "version": 1, "width": 320, "height": 180, "fps": 30, "scenes": [ { "composition": "Countdown", "durationInFrames": 12 } ] }"#,
        )
        .unwrap();
        let mut child = render_command(&p, &out, &["--quality", "low"], 120).stderr(Stdio::piped()).spawn().unwrap();
        let mut lines = std::io::BufReader::new(child.stderr.take().unwrap());
        let mut said = String::new();
        loop {
            let mut line = String::new();
            if std::io::BufRead::read_line(&mut lines, &mut line).unwrap() == 0 {
                break;
            }
            said.push_str(&line);
            if line.starts_with("finalizing") {
                std::thread::sleep(Duration::from_millis(delay_ms));
                // SAFETY: kill(2) on our own child.
                unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
                break;
            }
        }
        lines.read_to_string(&mut said).unwrap();
        let code = child.wait().unwrap().code();
        let on_disk = files_in(dir.path());
        assert!(!on_disk.iter().any(|f| f.contains("bazaar-part")), "a temp file left: {on_disk:?}");
        match code {
            Some(130) => {
                assert!(said.contains("cancelled"), "{said}");
                assert!(!out.exists(), "exit 130 said no file was written, but one is there ({delay_ms} ms):\n{said}");
            }
            Some(0) => {
                assert!(said.contains("wrote"), "{said}");
                let (frames, w, h) = bazaar_core::probe::decode_frames(&out, |_, _, _| {}).unwrap();
                // `low` is 720p.
                assert_eq!((frames, w, h), (12, 1280, 720), "{said}");
            }
            other => panic!("exit {other:?} after Ctrl+C at the end ({delay_ms} ms):\n{said}"),
        }
    }
}

#[test]
fn a_display_that_goes_away_mid_render_leaves_no_file_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let child = start_headless_render(dir.path(), 3000);
    for x in children_named(child.id(), "Xvfb") {
        // SAFETY: kill(2) on the render's own Xvfb.
        unsafe { libc::kill(x as i32, libc::SIGKILL) };
    }
    let (code, err) = wait_output(child);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("the display") && err.contains("went away"), "{err}");
    assert_eq!(files_in(dir.path()), vec!["project.json"], "no partial file");
}

#[test]
fn ctrl_c_while_the_render_view_starts_is_a_cancel_too() {
    // Ctrl+C reaches every process of the terminal's foreground group. When it killed a helper
    // WebKit was launching for the render view, WebKit ended the app with a fatal error ("short
    // read from PID socket") that left the hidden `.bazaar-part` beside the destination. The
    // view is built right after the render says "preparing".
    for delay_ms in [0, 40, 80, 120, 160, 200, 250, 300, 400] {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("project.json");
        std::fs::write(
            &p,
            r#"{ "version": 1, "width": 320, "height": 180, "fps": 30, "scenes": [ { "composition": "Countdown", "durationInFrames": 3000 } ] }"#,
        )
        .unwrap();
        let mut child = render_command(&p, &dir.path().join("out.mp4"), &["--quality", "low"], 120)
            .process_group(0)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = std::io::BufReader::new(child.stderr.take().unwrap());
        let mut said = String::new();
        while std::io::BufRead::read_line(&mut lines, &mut said).unwrap() > 0 && !said.contains("preparing") {}
        std::thread::sleep(Duration::from_millis(delay_ms));
        // SAFETY: kill(2) on the group the render leads, as a terminal's Ctrl+C does.
        unsafe { libc::kill(-(child.id() as i32), libc::SIGINT) };
        lines.read_to_string(&mut said).unwrap();
        let code = child.wait().unwrap().code();
        assert_eq!(code, Some(130), "Ctrl+C {delay_ms} ms after \"preparing\":\n{said}");
        assert!(said.contains("cancelled"), "{said}");
        assert_eq!(files_in(dir.path()), vec!["project.json"], "Ctrl+C {delay_ms} ms after \"preparing\":\n{said}");
    }
}
