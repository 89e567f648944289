//! The render page's process, watched: killed, hung, or hoarding memory (before its first
//! frame, and in parallel chunks), the render fails at once and says why, and the page's
//! process does not outlive it. Each test here failed before its fix.

#[path = "support/cli.rs"]
mod cli;

use cli::{children_named, files_in, hostile_fixture, parent, project_with, render_command, repo, running, stderr};
use std::io::Read;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// A render of a composition that loops forever from its 3rd frame, with `limit` seconds per
/// frame; its stderr is piped.
fn start_hanging_render(limit: u64) -> (tempfile::TempDir, Child) {
    let (dir, p) = project_with(
        &[("hangs.js", &std::fs::read(repo("tests/fixtures/faults/hangs.js")).unwrap())],
        r#"{ "H": "./hangs.js" }"#,
        r#"[ { "composition": "H", "durationInFrames": 10 } ]"#,
    );
    let child = render_command(&p, &dir.path().join("out.mp4"), &["--quality", "low"], limit)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    (dir, child)
}

#[test]
fn a_killed_render_page_fails_the_export_at_once() {
    let (dir, mut child) = start_hanging_render(120);
    let deadline = Instant::now() + Duration::from_secs(60);
    let page = loop {
        if let Some(pid) = children_named(child.id(), "WebKitWebProces").first() {
            break *pid;
        }
        assert!(Instant::now() < deadline, "no render page");
        std::thread::sleep(Duration::from_millis(50));
    };
    std::thread::sleep(Duration::from_millis(1500)); // well into its endless loop
                                                     // SAFETY: kill(2) on the render's web process.
    unsafe { libc::kill(page as i32, libc::SIGKILL) };
    let killed = Instant::now();
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    let code = child.wait().unwrap().code();
    assert!(killed.elapsed() < Duration::from_secs(5), "noticed at once, not at the 120 s frame limit");
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("render page's process ended unexpectedly"), "{err}");
    assert!(!err.contains("endless loop"), "it does not blame the composition for a hang: {err}");
    assert_eq!(files_in(dir.path()), vec!["hangs.js", "project.json"]);
}

#[test]
fn a_hung_render_page_ends_with_the_command() {
    // WebKit processes the command leaves unreaped are handed to this process when it exits
    // (instead of to init, which would reap them unseen).
    // SAFETY: prctl(2) with integer arguments; it changes only who adopts orphans.
    assert_eq!(unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) }, 0);
    let (_dir, mut child) = start_hanging_render(3);
    let mut pages = Vec::new();
    while child.try_wait().unwrap().is_none() {
        for pid in children_named(child.id(), "WebKit") {
            if !pages.contains(&pid) {
                pages.push(pid);
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    // Checked before stderr is read: reading it to its end waits for every process that holds
    // it, an orphaned web process included.
    assert!(!pages.is_empty(), "saw the render's WebKit processes");
    let adopted: Vec<_> = pages.iter().filter(|p| parent(**p) == Some(std::process::id())).collect();
    for pid in &adopted {
        // SAFETY: waitpid(2) on a process this test has adopted.
        unsafe { libc::waitpid(**pid as i32, std::ptr::null_mut(), 0) };
    }
    assert!(adopted.is_empty(), "the command left WebKit processes for others to reap: {adopted:?}");
    std::thread::sleep(Duration::from_millis(1000));
    let left: Vec<_> = pages.iter().filter(|p| running(**p)).collect();
    for pid in &left {
        // SAFETY: kill(2) on a process this test saw the render start.
        unsafe { libc::kill(**pid as i32, libc::SIGKILL) };
    }
    assert!(left.is_empty(), "WebKit processes outlived the command by a second: {left:?}");
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert!(err.contains("did not finish within 3 s"), "{err}");
    assert!(!err.contains("WebProcess didn't exit"), "a stray WebKit error reached the terminal: {err}");
}

/// Renders `fixture` (a composition that keeps more memory on and on) with the page's limit at
/// 700 MB and the frame and load limits at 120 s; asserts it failed at the app's limit, wrote
/// nothing and took less than `within`. What it said.
fn stopped_at_the_limit(fixture: &str, extra: &[&str], within: Duration) -> String {
    let (dir, p) = project_with(&[("hoard.js", &hostile_fixture(fixture))], r#"{ "H": "./hoard.js" }"#, {
        r#"[ { "composition": "H", "durationInFrames": 300 } ]"#
    });
    let out = dir.path().join("out.mp4");
    let started = Instant::now();
    let args = [&["--quality", "low"], extra].concat();
    let o = render_command(&p, &out, &args, 120).env("BAZAAR_PAGE_MEMORY_MB", "700").output().unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("used more than 700 MB of memory"), "the app's limit, not WebKit's own: {err}");
    assert!(started.elapsed() < within, "stopped at the limit, not at a time limit: {err}");
    assert!(!out.exists());
    err
}

#[test]
fn a_composition_that_hoards_memory_is_stopped_at_the_limit() {
    let err = stopped_at_the_limit("hoard.js", &[], Duration::from_secs(60));
    assert!(err.contains("scene 1 (H) at frame"), "{err}");
}

#[test]
fn a_composition_that_hoards_memory_in_parallel_chunks_is_stopped_at_the_limit() {
    // `--jobs 2`: two render pages at once, each new to the other's job, so neither can be
    // told apart by elimination; each is known by the frame ring it maps.
    stopped_at_the_limit("hoard.js", &["--jobs", "2"], Duration::from_secs(20));
}

#[test]
fn a_composition_that_hoards_memory_before_its_first_frame_is_stopped_at_the_limit() {
    stopped_at_the_limit("hoard-in-load.js", &[], Duration::from_secs(60));
}
