//! The installable package: built by `scripts/package.sh` (Tauri's bundler), installed on this
//! machine with dpkg, and the installed app used as a creator would: `check`, a short render,
//! and a double-click on a project (`xdg-open some.bazaar.json`). Removed again at the end.

#[path = "support/cli.rs"]
mod cli;

use cli::repo;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Removes the package however the test ends.
struct Installed;

impl Drop for Installed {
    fn drop(&mut self) {
        let _ = Command::new("dpkg").args(["--purge", "bazaar-export"]).output();
        // The installed app, started by the test or by xdg-open (`bazaar-export <file>`, from the
        // desktop entry); never the build under test, which runs from target/.
        let _ = Command::new("pkill").args(["-f", "^(/usr/bin/)?bazaar-export "]).output();
    }
}

/// The processes running `/usr/bin/bazaar-export`, with their command lines.
fn installed_app_processes() -> Vec<String> {
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        if let Ok(cmd) = std::fs::read(e.path().join("cmdline")) {
            let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
            if cmd.starts_with("/usr/bin/bazaar-export ") || cmd.starts_with("bazaar-export ") {
                found.push(cmd.trim().to_string());
            }
        }
    }
    found
}

#[test]
fn the_deb_installs_and_the_installed_app_checks_renders_and_opens_a_double_clicked_project() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: installing a .deb needs root (CI and scripts/test.sh as root run it)");
        return;
    }
    let packaged = run(Command::new(repo("scripts/package.sh")).current_dir(repo(".")));
    let deb = text(&packaged).lines().last().and_then(|l| l.strip_prefix("package: ")).map(|p| repo(".").join(p));
    let deb = deb.expect("package.sh names the .deb it made");
    assert!(deb.starts_with(repo("target/release/bundle/deb")), "{}", deb.display());

    // What the package declares and holds.
    let depends = text(&run(Command::new("dpkg-deb").arg("-f").arg(&deb).arg("Depends")));
    for dep in ["libwebkit2gtk-4.1-0", "gstreamer1.0-plugins-good", "gstreamer1.0-plugins-ugly", "gstreamer1.0-libav"] {
        assert!(depends.contains(dep), "the package depends on {dep}: {depends}");
    }
    let files = text(&run(Command::new("dpkg-deb").arg("-c").arg(&deb)));
    for f in [
        " usr/bin/bazaar-export",
        " usr/share/mime/packages/bazaar-export.xml",
        " usr/share/icons/hicolor/32x32/apps/bazaar-export.png",
        " usr/share/icons/hicolor/128x128/apps/bazaar-export.png",
        " usr/share/icons/hicolor/256x256/apps/bazaar-export.png",
        " usr/share/icons/hicolor/scalable/apps/bazaar-export.svg",
        " usr/lib/bazaar-export/libbazaar_web_extension.so",
        " usr/share/doc/bazaar-export/THIRD-PARTY-NOTICES.md",
    ] {
        assert!(files.contains(f), "the package holds {f}:\n{files}");
    }

    let _installed = Installed;
    run(Command::new("dpkg").arg("-i").arg(&deb));
    let desktop = Path::new("/usr/share/applications/Bazaar Export.desktop");
    run(Command::new("desktop-file-validate").arg(desktop));
    let entry = std::fs::read_to_string(desktop).unwrap();
    assert!(entry.contains("\nMimeType=application/x-bazaar-project;\n"), "{entry}");
    assert!(entry.contains("\nExec=bazaar-export %f\n"), "the entry passes the file: {entry}");

    // The installed binary: check and a short render, decoded back.
    let work = tempfile::tempdir().unwrap();
    let check = run(Command::new("/usr/bin/bazaar-export")
        .arg("check")
        .arg(repo("samples/launch-teaser/launch-teaser.bazaar.json")));
    let said = text(&check);
    assert!(said.starts_with("Launch teaser") && said.ends_with("ok: the project is valid"), "{said}");
    let project = work.path().join("double-click.bazaar.json");
    std::fs::copy(repo("tests/fixtures/indexed/indexed.js"), work.path().join("indexed.js")).unwrap();
    let fixture = std::fs::read_to_string(repo("tests/fixtures/indexed/project.json")).unwrap();
    std::fs::write(&project, fixture).unwrap();
    let out = work.path().join("short.mp4");
    let figures = work.path().join("stats.json");
    run(Command::new("/usr/bin/bazaar-export").arg("render").arg(&project).arg("-o").arg(&out).args([
        "--quality",
        "low",
        "--size",
        "project",
        "--stats-json",
        figures.to_str().unwrap(),
    ]));
    // Through the frame ring: the installed app found its web-process extension.
    let stats: serde_json::Value = serde_json::from_slice(&std::fs::read(&figures).unwrap()).unwrap();
    assert_eq!(stats["page"]["ring"], true, "the installed app did not use the frame ring: {stats}");
    let mut frames = 0;
    let (count, w, h) = bazaar_core::probe::decode_frames(&out, |i, _, rgba| {
        assert_eq!(bazaar_core::synth::read_index(rgba, 640, 360), i, "frame {i} of the installed app's render");
        frames += 1;
    })
    .expect("the render decodes");
    assert_eq!((count, w, h, frames), (30, 640, 360, 30));
    let info = bazaar_core::probe::discover(&out).expect("probe");
    assert_eq!(info.codec, "video/x-h264");

    // A double-click: the file's type is ours, its default app is the installed entry, and
    // xdg-open starts the app on that project.
    let kind = text(&run(Command::new("xdg-mime").args(["query", "filetype"]).arg(&project)));
    assert_eq!(kind, "application/x-bazaar-project");
    let app = text(&run(Command::new("xdg-mime").args(["query", "default", "application/x-bazaar-project"])));
    assert_eq!(app, "Bazaar Export.desktop");
    let mut opener = Command::new("xdg-open").arg(&project).env_remove("BROWSER").spawn().expect("xdg-open");
    let deadline = Instant::now() + Duration::from_secs(20);
    let started = loop {
        let found = installed_app_processes();
        if let Some(p) = found.iter().find(|c| c.contains(project.to_str().unwrap())) {
            break p.clone();
        }
        assert!(Instant::now() < deadline, "xdg-open did not start the app on the project: {found:?}");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(started.starts_with("bazaar-export ") || started.starts_with("/usr/bin/bazaar-export "), "{started}");
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        installed_app_processes().iter().any(|c| c.contains(project.to_str().unwrap())),
        "the app opened by xdg-open keeps running with the project"
    );
    let _ = Command::new("pkill").args(["-f", "bazaar-export .*double-click.bazaar.json"]).status();
    let _ = opener.wait();
}
