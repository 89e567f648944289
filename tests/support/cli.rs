#![allow(dead_code)] // each test binary uses a different part of these helpers
//! Running the real `bazaar-export` binary from the tests.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_bazaar-export")
}

pub fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)
}

/// A file or folder of the repository that exists, by its real path (what the window shows).
pub fn repo_canonical(rel: &str) -> PathBuf {
    repo(rel).canonicalize().expect("exists")
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

/// The indices of the key frames of `video`'s picture (by ffprobe).
pub fn keyframes(video: &Path) -> Vec<usize> {
    let o = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v", "-show_entries", "frame=key_frame", "-of", "csv=p=0"])
        .arg(video)
        .output()
        .expect("ffprobe runs");
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .filter(|(_, l)| l.trim().trim_end_matches(',') == "1")
        .map(|(i, _)| i)
        .collect()
}

/// A server on a free loopback port that a hostile composition must never reach.
pub struct Loopback(std::net::TcpListener);

impl Loopback {
    pub fn new() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        listener.set_nonblocking(true).expect("non-blocking");
        Self(listener)
    }

    pub fn port(&self) -> u16 {
        self.0.local_addr().expect("bound").port()
    }

    /// The start of every request that reached it.
    pub fn reached(&self) -> Vec<String> {
        use std::io::Read;
        let mut reached = Vec::new();
        while let Ok((mut conn, _)) = self.0.accept() {
            let mut buf = [0u8; 200];
            let n = conn.read(&mut buf).unwrap_or(0);
            reached.push(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
        reached
    }
}

/// A project folder in a temp dir: the given files, and `project.json` with `scenes` (a JSON
/// array) and `compositions` (a JSON object), at 320×180 and 30 fps.
pub fn project_with(files: &[(&str, &[u8])], compositions: &str, scenes: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    let p = dir.path().join("project.json");
    std::fs::write(
        &p,
        format!(r#"{{ "version": 1, "width": 320, "height": 180, "fps": 30, "compositions": {compositions}, "scenes": {scenes} }}"#),
    )
    .unwrap();
    (dir, p)
}

/// "Card", 64×36 at 30 fps, 10 frames: frame n is rgb(10n, 40, 90) with its top-left quarter
/// white (`p.json` in a temp dir): a still's or a saved frame's pixels are known.
pub fn card_project() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("c.js"),
        "export default { draw(ctx, { width, height, frame }) { ctx.fillStyle = `rgb(${frame * 10}, 40, 90)`; \
         ctx.fillRect(0, 0, width, height); ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, width / 2, height / 2); } };\n",
    )
    .unwrap();
    let project = dir.path().join("p.json");
    std::fs::write(
        &project,
        r#"{ "version": 1, "name": "Card", "width": 64, "height": 36, "fps": 30, "compositions": { "C": "./c.js" },
             "scenes": [ { "composition": "C", "durationInFrames": 10 } ] }"#,
    )
    .unwrap();
    (dir, project)
}

/// A composition from `tests/fixtures/hostile/`.
pub fn hostile_fixture(name: &str) -> Vec<u8> {
    std::fs::read(repo(&format!("tests/fixtures/hostile/{name}"))).unwrap()
}

/// The child processes of `pid` named `prefix…`.
pub fn children_named(pid: u32, prefix: &str) -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return Vec::new() };
    tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("children")).ok())
        .flat_map(|c| c.split_whitespace().filter_map(|p| p.parse::<u32>().ok()).collect::<Vec<_>>())
        .filter(|c| std::fs::read_to_string(format!("/proc/{c}/comm")).is_ok_and(|n| n.starts_with(prefix)))
        .collect()
}

/// The fields of `/proc/<pid>/stat` after the process's name (its state first, then its
/// parent), if the process is there.
fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    Some(stat.rsplit_once(')')?.1.split_whitespace().map(str::to_owned).collect())
}

/// Whether `pid` runs (a zombie does not).
pub fn running(pid: u32) -> bool {
    stat_fields(pid).is_some_and(|f| f.first().is_some_and(|state| state != "Z"))
}

/// The parent of process `pid`, if it is there.
pub fn parent(pid: u32) -> Option<u32> {
    stat_fields(pid)?.get(1)?.parse().ok()
}

/// `child`'s output once it has ended. The deadline only stops a hang (a FIFO opened for
/// reading blocks for ever): past `secs` the child is killed and the test fails, naming `what`.
pub fn output_within(mut child: Child, secs: u64, what: &str) -> Output {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} still ran after {secs} s (killed)");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}
