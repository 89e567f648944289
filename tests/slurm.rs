//! The cluster recipes on a live one-node Slurm cluster (Debian's slurm-wlm and munge, started
//! by `scripts/slurm/local-cluster.sh`; the suite runs as root, as CI does): a 600-frame chunked
//! render as 4 array tasks and its join (`scripts/slurm/render-chunked.sh`), with one chunk's
//! render process killed mid-run — the task's retry renders it again and the joined file has
//! every frame in order with keyframes at the chunk starts — and a 6-row batch as an array over
//! 3 shards (`scripts/slurm/batch.sh`).

#[path = "support/cli.rs"]
mod cli;

use bazaar_core::{probe, synth};
use cli::{bin, repo};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

struct Cluster {
    dir: PathBuf,
    conf: String,
}

impl Cluster {
    fn start(dir: &Path) -> Self {
        let o = Command::new(repo("scripts/slurm/local-cluster.sh")).arg("start").arg(dir).output().unwrap();
        let out = String::from_utf8_lossy(&o.stdout).into_owned();
        assert!(
            o.status.success(),
            "the Slurm cluster did not start (install slurm-wlm and munge with scripts/install-deps.sh, as root): {out}{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let conf = out.lines().find_map(|l| l.strip_prefix("SLURM_CONF=")).unwrap().to_string();
        Cluster { dir: dir.to_path_buf(), conf }
    }

    fn run(&self, script: &str, args: &[&str]) -> String {
        let o = Command::new(repo(&format!("scripts/slurm/{script}")))
            .args(args)
            .env("SLURM_CONF", &self.conf)
            .env("BAZAAR_BIN", bin())
            .output()
            .unwrap();
        assert!(o.status.success(), "{script}: {}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// Waits until no job of the cluster is queued or running.
    fn wait_idle(&self, limit: Duration) {
        let start = Instant::now();
        loop {
            let o = Command::new("squeue").arg("-h").env("SLURM_CONF", &self.conf).output().unwrap();
            if o.status.success() && o.stdout.iter().all(u8::is_ascii_whitespace) {
                return;
            }
            assert!(
                start.elapsed() < limit,
                "jobs still queued after {limit:?}: {}",
                String::from_utf8_lossy(&o.stdout)
            );
            std::thread::sleep(Duration::from_millis(500));
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new(repo("scripts/slurm/local-cluster.sh")).arg("stop").arg(&self.dir).status();
        // What the killed render left running (its web process, its Xvfb) would burn CPU into
        // the next tests: every process a task of this cluster started goes.
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else { continue };
            let environ = std::fs::read(entry.path().join("environ")).unwrap_or_default();
            let conf = format!("SLURM_CONF={}", self.conf);
            if environ.split(|b| *b == 0).any(|v| v == conf.as_bytes()) {
                // SAFETY: kill(2) on a process this test's cluster started.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
        }
    }
}

/// The pid of the render of chunk `task` (a bazaar-export process started by that array task).
fn render_of_task(task: u32) -> Option<i32> {
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else { continue };
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let environ = std::fs::read(entry.path().join("environ")).unwrap_or_default();
        let has = |hay: &[u8], needle: &str| hay.split(|b| *b == 0).any(|p| p == needle.as_bytes());
        // The binary itself, not the task's retry script, whose arguments are the same.
        let binary = cmdline.split(|b| *b == 0).next().is_some_and(|arg0| arg0.ends_with(b"bazaar-export"));
        if binary && has(&cmdline, "render") && has(&environ, &format!("SLURM_ARRAY_TASK_ID={task}")) {
            return Some(pid);
        }
    }
    None
}

#[test]
fn a_chunked_render_and_a_batch_run_as_slurm_job_arrays_and_a_killed_chunk_is_rendered_again() {
    let tmp = tempfile::tempdir().unwrap();
    let cluster = Cluster::start(&tmp.path().join("cluster"));
    let work = tmp.path().join("work");
    std::fs::create_dir(&work).unwrap();
    std::fs::copy(repo("tests/fixtures/indexed/indexed.js"), work.join("indexed.js")).unwrap();
    std::fs::write(
        work.join("project.json"),
        r#"{ "version": 1, "width": 320, "height": 180, "fps": 30, "compositions": { "Indexed": "./indexed.js" },
             "scenes": [ { "composition": "Indexed", "durationInFrames": 300, "props": { "start": 0 } },
                         { "composition": "Indexed", "durationInFrames": 300, "props": { "start": 300 } } ] }"#,
    )
    .unwrap();
    let project = work.join("project.json");
    let (chunks, out) = (work.join("chunks"), work.join("joined.mp4"));
    let ids = cluster.run(
        "render-chunked.sh",
        &[project.to_str().unwrap(), chunks.to_str().unwrap(), out.to_str().unwrap(), "4", "--quality", "low"],
    );
    assert!(ids.contains("chunks: ") && ids.contains("join: "), "{ids}");
    // Kill chunk 2's render once it is under way: its first frames are in (its log says so).
    // A chunk takes about a second here, so the log is watched closely.
    let start = Instant::now();
    let log = chunks.join("chunk-2.log");
    let pid = loop {
        let rendering = std::fs::read_to_string(&log).unwrap_or_default().contains("rendering:");
        if let Some(pid) = render_of_task(2).filter(|_| rendering) {
            break pid;
        }
        assert!(start.elapsed() < Duration::from_secs(120), "chunk 2's render never started");
        std::thread::sleep(Duration::from_millis(10));
    };
    // SAFETY: kill(2) on a process this test's cluster started.
    unsafe { libc::kill(pid, libc::SIGKILL) };
    cluster.wait_idle(Duration::from_secs(300));
    let log = std::fs::read_to_string(chunks.join("chunk-2.log")).unwrap();
    assert!(log.contains("attempt 1 failed") && log.contains("attempt 2"), "chunk 2 was not rendered again:\n{log}");
    let join_log = std::fs::read_to_string(chunks.join("join.log")).unwrap_or_default();
    assert!(out.exists(), "no joined file; the join's log:\n{join_log}");
    let info = probe::discover(&out).unwrap();
    let mut shown = Vec::new();
    probe::decode_frames(&out, |_, _, rgba| shown.push(synth::read_index(rgba, info.width, info.height))).unwrap();
    assert_eq!(shown, (0..600).collect::<Vec<u64>>(), "the joined frames");
    let keys = cli::keyframes(&out);
    assert!([0, 150, 300, 450].iter().all(|s| keys.contains(s)), "keyframes at {keys:?}");

    // A 6-row batch over 3 shards.
    let rows = work.join("rows.csv");
    std::fs::write(&rows, "start\n0\n100\n200\n300\n400\n500\n").unwrap();
    let text = std::fs::read_to_string(&project).unwrap().replace("\"start\": 0 }", "\"start\": \"{{start}}\" }");
    let text = text.replacen("\"version\": 1,", "\"version\": 1, \"inputs\": { \"start\": 0 },", 1);
    std::fs::write(work.join("batch.json"), text).unwrap();
    let videos = work.join("videos");
    let ids = cluster.run(
        "batch.sh",
        &[
            work.join("batch.json").to_str().unwrap(),
            rows.to_str().unwrap(),
            videos.to_str().unwrap(),
            "3",
            "--format",
            "gif",
            "--quality",
            "low",
        ],
    );
    assert!(ids.contains("batch: "), "{ids}");
    cluster.wait_idle(Duration::from_secs(300));
    let made: Vec<String> = cli::files_in(&videos).into_iter().filter(|f| f.ends_with(".gif")).collect();
    assert_eq!(made, ["1.gif", "2.gif", "3.gif", "4.gif", "5.gif", "6.gif"]);
    for (i, f) in made.iter().enumerate() {
        let mut first = None;
        let (_, w, h) = probe::decode_frames(&videos.join(f), |j, _, rgba| {
            if j == 0 {
                first = Some(synth::read_index(rgba, 480, 270))
            }
        })
        .unwrap();
        assert_eq!((w, h), (480, 270));
        assert_eq!(first, Some(100 * i as u64), "{f} shows its row's start");
    }
}
