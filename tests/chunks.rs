//! Chunked renders through the binary: `render --chunk K/N --chunk-dir` in any order, then
//! `join`: MP4, WebM and GIF joined without re-encoding the video into exactly the project's
//! frames (each shows its own index), the sound mixed once at the join (a beep lands where it
//! belongs, across a chunk boundary), keyframes at chunk starts; and the refusals: a missing
//! chunk, chunks of two splits, of other settings, of a changed project, a truncated chunk.

#[path = "support/cli.rs"]
mod cli;

use bazaar_core::{probe, synth};
use cli::{bin, repo, stderr};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The indexed fixture, 90 frames long, with a beep at 1.45–1.55 s (chunk 1 of 2 starts at 1.5 s).
fn fixture() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(repo("tests/fixtures/indexed/indexed.js"), dir.path().join("indexed.js")).unwrap();
    synth::write_wav(&dir.path().join("beep.wav"), 48000, 3.0, |t| {
        if (1.45..1.55).contains(&t) {
            0.5 * (2.0 * std::f64::consts::PI * 1000.0 * t).sin()
        } else {
            0.0
        }
    })
    .unwrap();
    std::fs::write(
        dir.path().join("project.json"),
        r##"{ "version": 1, "width": 640, "height": 360, "fps": 30, "compositions": { "Indexed": "./indexed.js" },
             "audio": [ { "src": "beep.wav" } ],
             "scenes": [ { "composition": "Indexed", "durationInFrames": 45, "props": { "start": 0, "color": "#d02020" } },
                         { "composition": "Indexed", "durationInFrames": 45, "props": { "start": 45, "color": "#2040d0" } } ] }"##,
    )
    .unwrap();
    let project = dir.path().join("project.json");
    (dir, project)
}

fn chunk(project: &Path, dir: &Path, part: &str, extra: &[&str]) -> Output {
    Command::new(bin())
        .arg("render")
        .arg(project)
        .args(["--chunk", part, "--chunk-dir", dir.to_str().unwrap(), "--quality", "low"])
        .args(extra)
        .env("BAZAAR_FRAME_TIMEOUT_SECS", "120")
        .output()
        .unwrap()
}

/// The fixture rendered as `parts` chunks (`extra`: more render options) into a folder of its own.
fn rendered_chunks(parts: u64, extra: &[&str]) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let (tmp, project) = fixture();
    let dir = tmp.path().join("chunks");
    std::fs::create_dir(&dir).unwrap();
    for k in 0..parts {
        let o = chunk(&project, &dir, &format!("{k}/{parts}"), extra);
        assert!(o.status.success(), "chunk {k}: {}", stderr(&o));
    }
    (tmp, project, dir)
}

fn join(dir: &Path, out: &Path) -> Output {
    Command::new(bin()).arg("join").arg(dir).arg("-o").arg(out).output().unwrap()
}

#[test]
fn chunks_join_into_the_projects_frames_with_one_sound() {
    let (tmp, project) = fixture();
    for (format, parts) in [("mp4", 3u64), ("webm", 2), ("gif", 4)] {
        let dir = tmp.path().join(format!("chunks-{format}"));
        std::fs::create_dir(&dir).unwrap();
        // Out of order, as a cluster would run them.
        for k in (0..parts).rev() {
            let o = chunk(&project, &dir, &format!("{k}/{parts}"), &["--format", format]);
            assert!(o.status.success(), "{format} chunk {k}: {}", stderr(&o));
        }
        let out = tmp.path().join(format!("joined.{format}"));
        let o = join(&dir, &out);
        assert!(o.status.success(), "{format} join: {}", stderr(&o));
        let info = probe::discover(&out).unwrap();
        let mut shown = Vec::new();
        probe::decode_frames(&out, |_, _, rgba| shown.push(synth::read_index(rgba, info.width, info.height))).unwrap();
        let expected: Vec<u64> = if format == "gif" { (0..30).map(|j| j * 3).collect() } else { (0..90).collect() };
        assert_eq!(shown, expected, "{format}: the joined frames");
        let want = std::time::Duration::from_secs(3);
        assert!(
            info.duration.abs_diff(want) < std::time::Duration::from_millis(40),
            "{format}: lasts {:?}",
            info.duration
        );
        if format != "gif" {
            // Each chunk opens on a keyframe, kept as it was.
            let keys = cli::keyframes(&out);
            let starts: Vec<usize> = (0..parts as usize).map(|k| k * 90 / parts as usize).collect();
            assert!(
                starts.iter().all(|s| keys.contains(s)),
                "{format}: keyframes at {keys:?}, chunks start at {starts:?}"
            );
            // The beep, mixed once over the whole timeline: 1.45 s in, 0.1 s long, no seam.
            let sound = probe::decode_sound(&out).unwrap();
            let loud: Vec<usize> = sound.iter().enumerate().filter(|(_, s)| s.abs() > 0.1).map(|(i, _)| i).collect();
            let (first, last) = (loud[0] as f64 / 48.0, *loud.last().unwrap() as f64 / 48.0);
            assert!(
                (first - 1450.0).abs() < 2.0 && (last - 1550.0).abs() < 2.0,
                "{format}: the beep is at {first}–{last} ms"
            );
        }
    }
}

#[test]
fn join_refuses_missing_foreign_stale_and_truncated_chunks() {
    let (tmp, project, dir) = rendered_chunks(3, &[]);
    let out = tmp.path().join("out.mp4");
    let refused = |needle: &str| {
        let o = join(&dir, &out);
        assert!(!o.status.success(), "joined anyway");
        assert!(stderr(&o).contains(needle), "no {needle:?} in {}", stderr(&o));
        assert!(!out.exists(), "nothing is written");
    };
    // Missing.
    let keep = |name: &str| tmp.path().join(format!("kept-{name}"));
    std::fs::rename(dir.join("chunk-1-of-3.json"), keep("m")).unwrap();
    refused("chunk 1 of 3 is missing: render it with --chunk 1/3");
    std::fs::rename(keep("m"), dir.join("chunk-1-of-3.json")).unwrap();
    // A duplicate: chunk 0's manifest in chunk 1's place.
    let one = std::fs::read(dir.join("chunk-1-of-3.json")).unwrap();
    std::fs::copy(dir.join("chunk-0-of-3.json"), dir.join("chunk-1-of-3.json")).unwrap();
    refused("chunk-1-of-3.json is damaged: it describes chunk 0 of 3");
    std::fs::write(dir.join("chunk-1-of-3.json"), one).unwrap();
    // Truncated.
    let file = dir.join("chunk-2-of-3.mp4");
    let bytes = std::fs::read(&file).unwrap();
    std::fs::write(&file, &bytes[..bytes.len() / 2]).unwrap();
    refused("chunk 2 of 3 (chunk-2-of-3.mp4) is damaged or incomplete");
    std::fs::write(&file, &bytes).unwrap();
    // Of another split.
    assert!(chunk(&project, &dir, "0/2", &[]).status.success());
    refused("chunks of different splits (of 2 and of 3)");
    for f in ["chunk-0-of-2.mp4", "chunk-0-of-2.json"] {
        std::fs::remove_file(dir.join(f)).unwrap();
    }
    // Of other settings: chunk 1 at another quality.
    assert!(chunk(&project, &dir, "1/3", &["--quality", "medium"]).status.success());
    refused("chunk 1 of 3 was made with other settings");
    assert!(chunk(&project, &dir, "1/3", &[]).status.success());
    // A changed project (a file it uses).
    let js = tmp.path().join("indexed.js");
    let text = std::fs::read_to_string(&js).unwrap();
    std::fs::write(&js, format!("{text}\n// edited\n")).unwrap();
    refused("has changed since the chunks were rendered");
    std::fs::write(&js, text).unwrap();
    // All well again: it joins.
    let o = join(&dir, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(probe::decode_frames(&out, |_, _, _| {}).unwrap().0, 90);
}

/// A GIF chunk whose bytes changed (same length) or that was cut short is refused by name; GIF
/// chunks are read once, so the bytes checked are the bytes joined.
#[test]
fn a_damaged_gif_chunk_is_refused() {
    let (tmp, _, dir) = rendered_chunks(2, &["--format", "gif"]);
    let out = tmp.path().join("out.gif");
    let file = dir.join("chunk-1-of-2.gif");
    let bytes = std::fs::read(&file).unwrap();
    let mut flipped = bytes.clone();
    flipped[bytes.len() / 2] ^= 0x55;
    for (damage, what) in [(flipped, "a changed byte"), (bytes[..bytes.len() - 100].to_vec(), "cut short")] {
        std::fs::write(&file, damage).unwrap();
        let o = join(&dir, &out);
        assert!(!o.status.success(), "joined with {what}");
        assert!(
            stderr(&o).contains("chunk 1 of 2 (chunk-1-of-2.gif) is damaged or incomplete"),
            "{what}: {}",
            stderr(&o)
        );
        assert!(!out.exists(), "nothing is written ({what})");
    }
    std::fs::write(&file, &bytes).unwrap();
    let o = join(&dir, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(probe::decode_frames(&out, |_, _, _| {}).unwrap().0 > 0);
}

/// `render --jobs N`: the same chunks side by side in one command, joined; and a join that runs
/// out of disk says so and leaves nothing.
#[test]
fn jobs_render_side_by_side_and_a_full_disk_join_leaves_nothing() {
    let (tmp, project) = fixture();
    let out = tmp.path().join("jobs.mp4");
    let o = Command::new(bin())
        .arg("render")
        .arg(&project)
        .args(["-o", out.to_str().unwrap(), "--quality", "low", "--jobs", "3"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let info = probe::discover(&out).unwrap();
    let mut shown = Vec::new();
    probe::decode_frames(&out, |_, _, rgba| shown.push(synth::read_index(rgba, info.width, info.height))).unwrap();
    assert_eq!(shown, (0..90).collect::<Vec<u64>>());
    assert_eq!(
        cli::files_in(tmp.path()).iter().filter(|f| f.contains("chunks")).count(),
        0,
        "the chunks' folder is gone"
    );
    // A join onto a disk too small for it.
    let dir = tmp.path().join("chunks");
    std::fs::create_dir(&dir).unwrap();
    for k in 0..2 {
        assert!(chunk(&project, &dir, &format!("{k}/2"), &[]).status.success());
    }
    let small = tempfile::tempdir().unwrap();
    let mounted = Command::new("mount").args(["-t", "tmpfs", "-o", "size=16k", "tmpfs"]).arg(small.path()).status();
    assert!(mounted.is_ok_and(|s| s.success()), "this test mounts a small tmpfs and must run as root (CI does)");
    let o = join(&dir, &small.path().join("out.mp4"));
    let left = cli::files_in(small.path());
    let _ = Command::new("umount").arg(small.path()).status();
    assert!(!o.status.success(), "the join fitted in 16 KB?");
    assert!(stderr(&o).contains("No space left"), "{}", stderr(&o));
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// `--size`: the project's own size instead of the preset's (640×360, where `low` makes 1280×720),
/// or the largest that fits a box; the chunks of such a render join at that size.
#[test]
fn the_output_size_can_be_the_project_s_or_fit_a_box() {
    let (tmp, project) = fixture();
    for (size, want) in [("project", (640, 360)), ("400x400", (400, 226))] {
        let out = tmp.path().join(format!("{size}.webm"));
        let o = cli::render(&project, &out, &["--quality", "low", "--size", size]);
        assert!(o.status.success(), "{}", stderr(&o));
        let info = probe::discover(&out).unwrap();
        assert_eq!((info.width, info.height), want, "--size {size}");
    }
    let dir = tmp.path().join("sized");
    std::fs::create_dir(&dir).unwrap();
    for k in 0..2 {
        assert!(chunk(&project, &dir, &format!("{k}/2"), &["--size", "project"]).status.success());
    }
    let out = tmp.path().join("sized.mp4");
    assert!(join(&dir, &out).status.success());
    let info = probe::discover(&out).unwrap();
    assert_eq!((info.width, info.height), (640, 360));
}
