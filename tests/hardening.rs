//! The second hardening round (issue 13): the real binary, tried as a careless user and as an
//! attacker would. Each test here failed before its fix. (How a render ends on a signal or a lost
//! display: tests/signals.rs.)

#[path = "support/cli.rs"]
mod cli;
#[path = "support/images.rs"]
mod images;

use cli::{bin, files_in, hostile_fixture, project_with, render, render_command, render_with_limit, repo, stderr};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const TITLE: &str = r#"[ { "composition": "TitleCard", "durationInFrames": 5 } ]"#;

/// Runs `command` to its end (see [`cli::output_within`]).
fn output_within(mut command: Command, secs: u64) -> Output {
    let child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("the binary runs");
    cli::output_within(child, secs, &format!("{command:?}"))
}

/// `check <project>`, to its end.
fn check(project: &Path) -> Output {
    let mut c = Command::new(bin());
    c.arg("check").arg(project);
    output_within(c, 120)
}

/// `render <project> -o <out>`, to its end.
fn render_within(project: &Path, out: &Path, extra: &[&str]) -> Output {
    output_within(render_command(project, out, extra, 120), 300)
}

/// A refused command: exit 1, the words in its message, and refused before rendering: no
/// progress line, not even "preparing" (said before the page is made).
fn assert_refused(o: &Output, words: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(1), "should be refused:\n{err}");
    for w in words {
        assert!(err.contains(w), "{w:?} missing from:\n{err}");
    }
    assert!(!err.contains("panicked"), "{err}");
    assert!(!err.contains("preparing:") && !err.contains("rendering:"), "refused before rendering, not after:\n{err}");
}

#[test]
fn an_output_never_replaces_a_file_the_project_reads() {
    let gif = std::fs::read(repo("samples/launch-teaser/assets/valley.png")).unwrap();
    let (dir, p) = project_with(
        &[
            ("scenes/s.js", &hostile_fixture("loads-output.js")),
            ("assets/pic.png", &gif),
            ("assets/late.gif", b"GIF89a"),
        ],
        r#"{ "S": "./scenes/s.js" }"#,
        r#"[ { "composition": "ImageSlide", "durationInFrames": 3, "props": { "src": "assets/pic.png" } },
             { "composition": "S", "durationInFrames": 3 } ]"#,
    );
    let before = |rel: &str| std::fs::read(dir.path().join(rel)).unwrap();
    for (out, format, what) in [
        ("project.json", "mp4", "is the project file"),
        ("scenes/s.js", "webm", "is the module of composition S"),
        ("assets/pic.png", "gif", "(scenes[0].props.src)"),
        ("scenes/../project.json", "mp4", "is the project file"),
    ] {
        let kept = before(out);
        let o = render_within(&p, &dir.path().join(out), &["--format", format, "--quality", "low"]);
        assert_refused(&o, &[what, "which this export reads"]);
        assert_eq!(before(out), kept, "{out} is untouched");
    }
    // A project whose own name looks like a video.
    let video = dir.path().join("video.mp4");
    std::fs::copy(&p, &video).unwrap();
    assert_refused(&render_within(&video, &video, &[]), &["is the project file"]);
    assert_eq!(std::fs::read(&video).unwrap(), std::fs::read(&p).unwrap());
    // A file only the module knows it loads (its name is built at run time): refused when the
    // page asks for it, and the export fails naming it.
    let late = before("assets/late.gif");
    let o = render(&p, &dir.path().join("assets/late.gif"), &["--quality", "low"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("assets/late.gif, a file the composition loads"), "{err}");
    assert_eq!(before("assets/late.gif"), late, "the asset is untouched");
    assert!(!files_in(&dir.path().join("assets")).iter().any(|f| f.ends_with(".bazaar-part")));
}

#[test]
fn an_output_that_is_not_a_plain_file_is_refused_before_rendering() {
    let (dir, p) = project_with(&[], "{}", TITLE);
    let target = dir.path().join("target.mp4");
    std::fs::write(&target, b"precious").unwrap();
    std::os::unix::fs::symlink(&target, dir.path().join("link.mp4")).unwrap();
    let fifo = dir.path().join("pipe.mp4");
    mkfifo(&fifo);
    std::fs::create_dir(dir.path().join("folder.mp4")).unwrap();
    let trailing = format!("{}/", dir.path().join("new.mp4").display());
    for (out, words) in [
        (dir.path().join("link.mp4"), vec!["symbolic link"]),
        (PathBuf::from("/dev/null"), vec!["/dev/null is not supported"]),
        (PathBuf::from("/dev/full"), vec!["a device, not a file"]),
        (fifo.clone(), vec!["a named pipe (FIFO), not a file"]),
        (dir.path().join("folder.mp4"), vec!["a folder already has that name"]),
        (PathBuf::from(&trailing), vec!["ends with '/'"]),
        (dir.path().join("nope/new.mp4"), vec!["does not exist"]),
    ] {
        assert_refused(&render_within(&p, &out, &["--format", "mp4"]), &words);
    }
    assert_eq!(std::fs::read(&target).unwrap(), b"precious");
    assert!(std::fs::symlink_metadata(dir.path().join("link.mp4")).unwrap().file_type().is_symlink());
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata("/dev/null").unwrap().file_type().is_char_device());
    // A format that contradicts the name.
    let o = render_within(&p, &dir.path().join("out.mp4"), &["--format", "gif"]);
    assert_refused(&o, &["ends in .mp4, but --format asks for gif"]);
    assert!(!dir.path().join("out.mp4").exists());
}

#[test]
fn a_fifo_or_a_device_as_the_project_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("project.json");
    mkfifo(&fifo);
    for (project, words) in [(fifo.as_path(), "named pipe"), (Path::new("/dev/zero"), "a device")] {
        // Opened without blocking: a blocking open would never end (`output_within` stops it).
        assert_refused(&check(project), &[words]);
        assert_refused(&render_within(project, &dir.path().join("out.mp4"), &[]), &[words]);
    }
}

/// A loopback server that records every connection it gets.
struct Server(std::net::TcpListener);

impl Server {
    fn start() -> Self {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.set_nonblocking(true).unwrap();
        Self(l)
    }
    fn port(&self) -> u16 {
        self.0.local_addr().unwrap().port()
    }
    fn reached(&self) -> Vec<String> {
        let mut got = Vec::new();
        while let Ok((mut conn, _)) = self.0.accept() {
            conn.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
            let mut buf = [0u8; 200];
            let n = conn.read(&mut buf).unwrap_or(0);
            got.push(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
        got
    }
}

#[test]
fn the_render_page_cannot_navigate_or_open_a_window() {
    let server = Server::start();
    let port = server.port();
    // A navigation fails the export saying so. A new window (a `target=_blank` link, `open()`)
    // is refused by WebKit's pop-up blocking before it is asked for (no user gesture in a
    // hidden view), so the export goes on; the view's handler would refuse one all the same.
    for (how, fails) in [
        ("location", true),
        ("click", true),
        ("meta", true),
        ("same-scheme", true),
        ("blank", false),
        ("window-open", false),
    ] {
        let (dir, p) = project_with(
            &[("escape.js", &hostile_fixture("escape.js"))],
            r#"{ "Escape": "./escape.js" }"#,
            &format!(
                r#"[ {{ "composition": "Escape", "durationInFrames": 5, "props": {{ "port": {port}, "how": "{how}" }} }} ]"#
            ),
        );
        let out = dir.path().join("out.mp4");
        let o = render_with_limit(&p, &out, &["--quality", "low"], 30);
        let err = stderr(&o);
        if fails {
            assert_eq!(o.status.code(), Some(1), "{how}: the export must fail:\n{err}");
            assert!(err.contains("tried to leave the render page"), "{how}: {err}");
            assert!(!err.contains("secret"), "{how}: the URL's data is not repeated: {err}");
            assert!(!out.exists(), "{how}: no file");
        } else {
            assert!(o.status.success(), "{how}: {err}");
        }
    }
    let reached = server.reached();
    assert!(reached.is_empty(), "the loopback server was reached: {reached:?}");
}

#[test]
fn every_render_starts_with_empty_storage() {
    let (dir, p) = project_with(&[("storage.js", &hostile_fixture("storage.js"))], r#"{ "S": "./storage.js" }"#, {
        r#"[ { "composition": "S", "durationInFrames": 3, "props": { "tag": "first project" } } ]"#
    });
    let (dir2, p2) = project_with(&[("storage.js", &hostile_fixture("storage.js"))], r#"{ "S": "./storage.js" }"#, {
        r#"[ { "composition": "S", "durationInFrames": 3, "props": { "tag": "second project" } } ]"#
    });
    for (i, (d, project)) in [(&dir, &p), (&dir, &p), (&dir2, &p2)].into_iter().enumerate() {
        let out = d.path().join(format!("out{i}.webm"));
        let o = render(project, &out, &["--quality", "low"]);
        assert!(o.status.success(), "render {i} saw storage from an earlier one:\n{}", stderr(&o));
    }
}

/// The frame ring's function (the web-process extension's, see `web-extension/`) is the render
/// page's alone: a composition finds it neither on the window nor in a frame it makes, while
/// the render did use the ring; and the ring's file is gone from /dev/shm once the render has
/// ended, as are rings of processes that are gone.
#[test]
fn compositions_never_see_the_frame_ring() {
    let (dir, p) = project_with(&[("ring.js", &hostile_fixture("frame-ring.js"))], r#"{ "R": "./ring.js" }"#, {
        r#"[ { "composition": "R", "durationInFrames": 3 } ]"#
    });
    let figures = dir.path().join("stats.json");
    let out = dir.path().join("out.webm");
    // A ring left by a process that is gone (pid_max is at most 2^22) goes when the app exits;
    // one of a live process (this test's) stays.
    let shm = Path::new("/dev/shm");
    let (stale, live) =
        (shm.join("bazaar-frames-4194304-left"), shm.join(format!("bazaar-frames-{}-live", std::process::id())));
    std::fs::write(&stale, b"old").unwrap();
    std::fs::write(&live, b"mine").unwrap();
    let child = render_command(&p, &out, &["--quality", "low", "--stats-json", figures.to_str().unwrap()], 120)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let stats: serde_json::Value = serde_json::from_slice(&std::fs::read(&figures).unwrap()).unwrap();
    assert_eq!(stats["page"]["ring"], true, "the render did not use the frame ring: {stats}");
    let leftovers: Vec<_> = std::fs::read_dir("/dev/shm")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with(&format!("bazaar-frames-{pid}-")))
        .collect();
    assert!(leftovers.is_empty(), "left in /dev/shm: {leftovers:?}");
    assert!(!stale.exists(), "a dead process's ring stays in /dev/shm");
    assert!(live.exists(), "a live process's ring was removed");
    std::fs::remove_file(&live).unwrap();
}

/// A `/dev/shm` too small for the frame ring (a container's, say): the render does not die of
/// SIGBUS when the page writes past what the mount holds; it fails before it starts, naming
/// the ring's file and what to do, and writes nothing. (Run in a mount namespace of its own
/// with a 2 MB `/dev/shm`, less than the ring's four 720p frames, which needs root, as CI has.)
#[test]
fn a_dev_shm_too_small_for_the_ring_fails_at_once_saying_so() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: a private /dev/shm needs root (CI and scripts/test.sh as root run it)");
        return;
    }
    let namespaces = Command::new("unshare").args(["--mount", "--propagation", "private", "true"]).status();
    if !namespaces.is_ok_and(|s| s.success()) {
        eprintln!("skipped: this machine gives no mount namespace (a container without CAP_SYS_ADMIN)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let project = repo("tests/fixtures/indexed/project.json");
    let out = dir.path().join("small-shm.webm");
    let script = format!(
        "mount -t tmpfs -o size=2m tmpfs /dev/shm && exec {} render {} -o {} --quality low",
        bin(),
        project.display(),
        out.display(),
    );
    let o =
        Command::new("unshare").args(["--mount", "--propagation", "private", "sh", "-c", &script]).output().unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("/dev/shm/bazaar-frames-") && err.contains("free space in /dev/shm"), "{err}");
    assert!(!out.exists());
}

/// A named pipe at `path`.
fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

/// A PNG whose header says 20000×20000: a few bytes on disk, 1.6 GB once decoded.
fn huge_png() -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend_from_slice(&20000u32.to_be_bytes());
    png.extend_from_slice(&20000u32.to_be_bytes());
    png.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
    png
}

#[test]
fn an_image_too_large_to_decode_is_refused_by_name() {
    let (dir, p) = project_with(&[("assets/huge.png", &huge_png())], "{}", {
        r#"[ { "composition": "ImageSlide", "durationInFrames": 3, "props": { "src": "assets/huge.png" } } ]"#
    });
    let out = dir.path().join("out.mp4");
    let o = render(&p, &out, &["--quality", "low"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("assets/huge.png") && err.contains("20000x20000 pixels"), "{err}");
    assert!(!err.contains("not an image"), "{err}");
    assert!(!out.exists());
}

/// AVIF and TIFF headers are read too (they passed the check before `imagesize` read them):
/// refused by their header, as a PNG is.
#[test]
fn an_avif_or_a_tiff_too_large_to_decode_is_refused_by_its_header() {
    for (name, bytes) in [
        ("assets/huge.avif", images::avif_header(20000, 20000)),
        ("assets/huge.tiff", images::tiff_header(20000, 20000)),
    ] {
        let scenes =
            format!(r#"[ {{ "composition": "ImageSlide", "durationInFrames": 3, "props": {{ "src": "{name}" }} }} ]"#);
        let (dir, p) = project_with(&[(name, &bytes)], "{}", &scenes);
        let out = dir.path().join("out.mp4");
        let o = render(&p, &out, &["--quality", "low"]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(err.contains(name) && err.contains("20000x20000 pixels"), "{err}");
        assert!(!out.exists());
    }
}

#[test]
fn a_syntax_error_is_named_with_file_line_and_column_before_rendering() {
    let (dir, p) = project_with(
        &[
            ("a.js", b"import { ease } from \"./lib/ease.js\";\nexport default { draw(ctx) { ctx.fillRect(0, 0, 10, ease(1)); } };\n"),
            ("lib/ease.js", b"export function ease(t) {\n  return t * (2 - t;\n}\n"),
        ],
        r#"{ "A": "./a.js" }"#,
        r#"[ { "composition": "A", "durationInFrames": 3 } ]"#,
    );
    let words = ["compositions.A", "lib/ease.js, line 2, column 20", "SyntaxError"];
    assert_refused(&check(&p), &words);
    assert_refused(&render_within(&p, &dir.path().join("out.mp4"), &[]), &words);
    assert!(!dir.path().join("out.mp4").exists());
}

/// WebKit draws nothing into a canvas of more than 16384² pixels (it reads back transparent):
/// asking for its context says so instead.
#[test]
fn a_canvas_too_large_to_draw_fails_saying_so() {
    let module = b"export default { draw(ctx) { const c = document.createElement('canvas'); c.width = 16384; c.height = 16385; c.getContext('2d').fillRect(0, 0, 9, 9); ctx.drawImage(c, 0, 0); } };\n";
    let (dir, p) = project_with(&[("big.js", module)], r#"{ "Big": "./big.js" }"#, {
        r#"[ { "composition": "Big", "durationInFrames": 2 } ]"#
    });
    let out = dir.path().join("out.mp4");
    let o = render(&p, &out, &["--quality", "low"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("scene 1 (Big) at frame 0") && err.contains("a canvas of 16384×16385 pixels is larger"),
        "{err}"
    );
    assert!(!out.exists());
}
