//! Every malformed or hostile project in `tests/fixtures/bad-projects/` (and a few generated
//! here because they are too large or need a symlink) gives a clear validation error from
//! `check` and from `render`: exit status 1, every problem listed, no panic, no output file.
//! (The window's side is in `tests/window.rs`.)

use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_bazaar-export")
}

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/bad-projects");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("corpus folder")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

/// Generated cases: too big to commit, or needing a symlink. Returns (path, words expected).
fn generated(dir: &Path) -> Vec<(PathBuf, &'static str)> {
    let scene = r#"{"composition":"TitleCard","durationInFrames":30}"#;
    let mut out = Vec::new();
    let huge_name = dir.join("huge-name.json");
    std::fs::write(&huge_name, format!(r#"{{"version":1,"name":"{}","scenes":[{scene}]}}"#, "x".repeat(10_000_000)))
        .unwrap();
    out.push((huge_name, "200 characters"));
    let over = dir.join("over-10-mib.json");
    std::fs::write(&over, format!(r#"{{"version":1,"pad":"{}","scenes":[{scene}]}}"#, " ".repeat(11 << 20))).unwrap();
    out.push((over, "10 MiB"));
    let many = dir.join("many-scenes.json");
    let scenes = vec![scene; 200_000].join(",");
    std::fs::write(&many, format!(r#"{{"version":1,"scenes":[{scenes}]}}"#)).unwrap();
    out.push((many, "at most 10000"));
    let outside = tempfile::tempdir().unwrap().keep();
    std::fs::write(outside.join("evil.js"), "export default { draw() {} };").unwrap();
    std::os::unix::fs::symlink(outside.join("evil.js"), dir.join("link.js")).unwrap();
    let link = dir.join("symlink-escape.json");
    std::fs::write(
        &link,
        r#"{"version":1,"compositions":{"Evil":"./link.js"},"scenes":[{"composition":"Evil","durationInFrames":30}]}"#,
    )
    .unwrap();
    out.push((link, "outside the project folder"));
    out
}

fn check(path: &Path) -> (Option<i32>, String) {
    let o = Command::new(bin()).arg("check").arg(path).output().expect("runs");
    (o.status.code(), String::from_utf8_lossy(&o.stderr).into_owned())
}

#[test]
fn check_refuses_every_bad_project_clearly() {
    let files = corpus();
    assert!(files.len() >= 40, "the corpus has {} files", files.len());
    for f in &files {
        let (code, err) = check(f);
        assert_eq!(code, Some(1), "{}: exit code; stderr:\n{err}", f.display());
        assert!(err.contains("problem"), "{}: no problem listed:\n{err}", f.display());
        assert!(!err.contains("panicked") && !err.contains("RUST_BACKTRACE"), "{}: panic:\n{err}", f.display());
        // Every problem line says where and what, in words (no Rust debug output).
        assert!(!err.contains("Err(") && !err.contains("Some("), "{}: debug output:\n{err}", f.display());
    }
    let dir = tempfile::tempdir().unwrap();
    for (f, words) in generated(dir.path()) {
        let (code, err) = check(&f);
        assert_eq!(code, Some(1), "{}: {err}", f.display());
        assert!(err.contains(words), "{}: {words:?} missing from:\n{}", f.display(), &err[..err.len().min(2000)]);
        assert!(err.len() < 20_000, "{}: the message is one screen, not the whole file", f.display());
    }
}

#[test]
fn specific_bad_files_get_specific_words() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/bad-projects");
    for (file, words) in [
        ("02-truncated.json", "line 1, column"),
        ("07-no-version.json", "\"version\": 1"),
        ("14-unknown-composition.json", "known ones are"),
        ("20-fps-zero.json", "1 to 120"),
        ("22-fps-nan.json", "not valid JSON"),
        ("25-width-odd.json", "odd"),
        ("31-module-absolute.json", "absolute"),
        ("40-duplicate-keys.json", "appears twice"),
        ("41-deep-nesting.json", "not valid JSON"),
        ("49-latin1.json", "not UTF-8"),
        ("50-utf16.json", "UTF-16"),
        ("51-background-unknown.json", "scenes[0].background: must be \"transparent\" or \"opaque\""),
        ("52-matte-not-a-colour.json", "matte: must be a colour written #rrggbb"),
    ] {
        let (code, err) = check(&dir.join(file));
        assert_eq!(code, Some(1));
        assert!(err.contains(words), "{file}: {words:?} missing from:\n{err}");
    }
    let (_, err) = check(&dir.join("48-everything-wrong.json"));
    for at in ["version", "fps", "width", "height", "compositions.A", "scenes[0].composition", "scenes[0].props"] {
        assert!(err.contains(at), "48: {at} missing from:\n{err}");
    }
}

#[test]
fn render_refuses_them_too_without_writing_anything() {
    let out_dir = tempfile::tempdir().unwrap();
    for f in corpus().iter().step_by(3) {
        let out = out_dir.path().join("out.mp4");
        let o = Command::new(bin()).arg("render").arg(f).arg("-o").arg(&out).output().expect("runs");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{}: {err}", f.display());
        assert!(err.contains("problem") && !err.contains("panicked"), "{}: {err}", f.display());
        assert_eq!(std::fs::read_dir(out_dir.path()).unwrap().count(), 0, "{}: wrote something", f.display());
    }
}
