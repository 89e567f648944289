#![allow(dead_code)] // each test binary uses a different part of these helpers
//! Running the real `bazaar-export` binary from the tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_bazaar-export")
}

pub fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)
}

pub fn render(project: &Path, out: &Path, extra: &[&str]) -> Output {
    // Generous limits: the suite runs many renders at once on two cores.
    render_with_limit(project, out, extra, 120)
}

/// `limit`: seconds for `load()` and for each frame (the hang tests use a short one).
pub fn render_with_limit(project: &Path, out: &Path, extra: &[&str], limit: u64) -> Output {
    render_command(project, out, extra, limit).output().expect("the binary runs")
}

/// The `render` command, not yet started.
pub fn render_command(project: &Path, out: &Path, extra: &[&str], limit: u64) -> Command {
    let mut c = Command::new(bin());
    c.arg("render")
        .arg(project)
        .arg("-o")
        .arg(out)
        .args(extra)
        .env("BAZAAR_FRAME_TIMEOUT_SECS", limit.to_string())
        .env("BAZAAR_LOAD_TIMEOUT_SECS", limit.to_string());
    c
}

/// `bazaar-export check <project>` with `env`, which must refuse the project: what it said.
#[allow(dead_code)] // not every test file that includes this module checks projects
pub fn check_refused(project: &Path, env: &[(&str, &str)]) -> String {
    let o = Command::new(bin()).arg("check").arg(project).envs(env.iter().copied()).output().expect("runs");
    assert!(!o.status.success(), "check passed {}", project.display());
    stderr(&o)
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The names of the files in `dir`.
pub fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.sort();
    names
}
