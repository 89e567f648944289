//! Chunk folders and `join` as a user and an attacker would use them (issue 35): `join -o` onto
//! the folder's own files or a name that is no video; a chunk's manifest named like a project
//! file; more chunks than frames (a job array sized before the frames are known); a FIFO or a
//! device where a chunk should be; a manifest edited to name a file outside its chunk or to lie
//! about the frames; a transparent VP9 chunk unlike its manifest; Ctrl+C while join reads a huge
//! chunk. The project is tiny (4 frames at 320×180): each chunk is a short render.

#[path = "support/cli.rs"]
mod cli;

use bazaar_core::{probe, synth};
use cli::{bin, files_in, repo, stderr};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A 4-frame project of the indexed composition (each frame shows its number), as `name` in a
/// folder of its own.
fn tiny(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(repo("tests/fixtures/indexed/indexed.js"), dir.path().join("indexed.js")).unwrap();
    let project = dir.path().join(name);
    std::fs::write(
        &project,
        r##"{ "version": 1, "width": 320, "height": 180, "fps": 30, "compositions": { "Indexed": "./indexed.js" },
             "scenes": [ { "composition": "Indexed", "durationInFrames": 4, "props": { "start": 0, "color": "#d02020" } } ] }"##,
    )
    .unwrap();
    (dir, project)
}

fn chunk(project: &Path, dir: &Path, part: &str, extra: &[&str]) -> Output {
    Command::new(bin())
        .arg("render")
        .arg(project)
        .args(["--chunk", part, "--chunk-dir", dir.to_str().unwrap(), "--quality", "low", "--size", "project"])
        .args(extra)
        .env("BAZAAR_FRAME_TIMEOUT_SECS", "120")
        .output()
        .unwrap()
}

/// The tiny project's chunks `0..parts` (`extra`: more render options) in `<tmp>/chunks`.
fn rendered(tmp: &Path, project: &Path, parts: u64, extra: &[&str]) -> PathBuf {
    let dir = tmp.join("chunks");
    std::fs::create_dir_all(&dir).unwrap();
    for k in 0..parts {
        let o = chunk(project, &dir, &format!("{k}/{parts}"), extra);
        assert!(o.status.success(), "chunk {k}/{parts}: {}", stderr(&o));
    }
    dir
}

/// `join`, killed if it is still running after 60 s (a generous deadline: a join that blocks in
/// `open()` runs forever).
fn join(dir: &Path, out: &Path) -> Output {
    let child = Command::new(bin())
        .arg("join")
        .arg(dir)
        .arg("-o")
        .arg(out)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    within_60_s(child, &format!("join {} -o {}", dir.display(), out.display()))
}

/// `child`'s output once it has ended; killed, and the test failed, if it runs past 60 s.
fn within_60_s(child: std::process::Child, what: &str) -> Output {
    cli::output_within(child, 60, what)
}

/// The names in `dir` and the bytes of its regular files (a FIFO is not read: that would block).
fn contents(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let read = |p: PathBuf| match std::fs::symlink_metadata(&p) {
        Ok(m) if m.is_file() => std::fs::read(p).unwrap_or_default(),
        _ => Vec::new(),
    };
    files_in(dir).into_iter().map(|f| (f.clone(), read(dir.join(f)))).collect()
}

/// `join` must refuse (exit 1, `needle` on stderr), write nothing at `out` and leave the chunk
/// folder as it was.
fn refused(dir: &Path, out: &Path, needle: &str) {
    let before = contents(dir);
    let existed = out.exists();
    let o = join(dir, out);
    assert_eq!(o.status.code(), Some(1), "join -o {} was not refused: {}", out.display(), stderr(&o));
    assert!(stderr(&o).contains(needle), "join -o {}: no {needle:?} in {}", out.display(), stderr(&o));
    assert_eq!(before, contents(dir), "join -o {} changed the chunk folder", out.display());
    assert_eq!(out.exists(), existed, "join -o {} wrote it", out.display());
}

/// The project frames a video shows, in order.
fn shown(video: &Path) -> Vec<u64> {
    let info = probe::discover(video).unwrap();
    let mut shown = Vec::new();
    probe::decode_frames(video, |_, _, rgba| shown.push(synth::read_index(rgba, info.width, info.height))).unwrap();
    shown
}

/// Item 5: the joined video goes outside the chunk folder, under a name of a video format (as
/// `render -o`); the project's files and the chunks stay refused.
#[test]
fn join_writes_only_a_video_outside_the_chunk_folder() {
    let (tmp, project) = tiny("project.json");
    let dir = rendered(tmp.path(), &project, 2, &[]);
    let t = tmp.path();
    refused(&dir, &dir.join("chunk-0-of-2.json"), "is in the chunk folder");
    refused(&dir, &dir.join("chunk-0-of-2.mp4"), "is in the chunk folder");
    refused(&dir, &dir.join("joined.mp4"), "is in the chunk folder");
    refused(&dir, &t.join("notes.txt"), "cannot tell the format from");
    refused(&dir, &t.join("joined"), "cannot tell the format from");
    refused(&dir, &project, "cannot tell the format from");
    refused(&dir, &t.join("joined.webm"), "the chunks are mp4");
    // A chunk and a file the project reads, by other names (hard links) outside the folder.
    std::fs::hard_link(dir.join("chunk-1-of-2.mp4"), t.join("linked.mp4")).unwrap();
    refused(&dir, &t.join("linked.mp4"), "is chunk 1 of 2, which this export reads");
    std::fs::hard_link(t.join("indexed.js"), t.join("module.mp4")).unwrap();
    refused(&dir, &t.join("module.mp4"), "the module of composition Indexed");
    let out = t.join("joined.MP4");
    let o = join(&dir, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(shown(&out), vec![0, 1, 2, 3]);
}

/// Item 6: a chunk's manifest never replaces a project file named like it (the chunk folder
/// being the project's own), whether the chunk holds frames or not; nothing is rendered or written.
#[test]
fn a_chunk_never_replaces_a_project_file_named_like_its_manifest() {
    for (name, part) in [("chunk-0-of-2.json", "0/2"), ("chunk-0-of-6.json", "0/6")] {
        let (tmp, project) = tiny(name);
        let text = std::fs::read(&project).unwrap();
        let o = chunk(&project, tmp.path(), part, &[]);
        assert_eq!(o.status.code(), Some(1), "--chunk {part} into the project's folder: {}", stderr(&o));
        assert!(stderr(&o).contains("is the project file, which this render reads: chunk 0 of "), "{}", stderr(&o));
        assert_eq!(std::fs::read(&project).unwrap(), text, "the project file {name} was replaced");
        let mut alone = vec!["indexed.js".to_string(), name.to_string()];
        alone.sort();
        assert_eq!(files_in(tmp.path()), alone, "written anyway");
    }
}

/// Item 7: more chunks than frames. Each chunk succeeds (a Slurm array's `afterok` join then
/// runs): one that holds no frames writes only a manifest that says so, and the join skips it.
/// `render --jobs 6` of the 4 frames renders 4 chunks.
#[test]
fn more_chunks_than_frames_succeed_and_the_join_skips_the_empty_ones() {
    let (tmp, project) = tiny("project.json");
    let dir = tmp.path().join("chunks");
    std::fs::create_dir(&dir).unwrap();
    let empty = [0u64, 3]; // of 6 over 4 frames: [0,0) [0,1) [1,2) [2,2) [2,3) [3,4)
    for k in 0..6u64 {
        let o = chunk(&project, &dir, &format!("{k}/6"), &[]);
        assert!(o.status.success(), "chunk {k} of 6: {}", stderr(&o));
        let video = dir.join(format!("chunk-{k}-of-6.mp4"));
        let m: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join(format!("chunk-{k}-of-6.json"))).unwrap()).unwrap();
        if empty.contains(&k) {
            assert!(stderr(&o).contains(&format!("chunk {k} of 6 holds no frames")), "{}", stderr(&o));
            assert!(!video.exists(), "chunk {k} holds no frames, yet has a video");
            assert_eq!((&m["from"], &m["to"], &m["file"]), (&m["from"], &m["from"], &serde_json::json!("")));
        } else {
            assert!(video.exists(), "chunk {k}: no video");
            assert_eq!(m["to"].as_u64().unwrap() - m["from"].as_u64().unwrap(), 1);
        }
    }
    let out = tmp.path().join("joined.mp4");
    let o = join(&dir, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(shown(&out), vec![0, 1, 2, 3]);
    // GIF (10 fps: 2 frames of the 4) in 3 chunks, the first empty.
    let gifs = tmp.path().join("gifs");
    std::fs::create_dir(&gifs).unwrap();
    for k in 0..3 {
        let o = chunk(&project, &gifs, &format!("{k}/3"), &["--format", "gif"]);
        assert!(o.status.success(), "gif chunk {k} of 3: {}", stderr(&o));
    }
    let out = tmp.path().join("joined.gif");
    let o = join(&gifs, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(shown(&out), vec![0, 3]);
    // --jobs 6 on 4 frames.
    let jobs = tmp.path().join("jobs.mp4");
    let o = cli::render(&project, &jobs, &["--quality", "low", "--size", "project", "--jobs", "6"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(shown(&jobs), vec![0, 1, 2, 3]);
}

/// Item 8: a FIFO or a device where join reads a chunk (MP4 or GIF) or a manifest is refused at
/// once, by name, never opened for a blocking read; a link to a file that is not the chunk is
/// refused as damaged.
#[test]
fn a_chunk_that_is_a_fifo_or_a_device_is_refused_at_once() {
    let (tmp, project) = tiny("project.json");
    let mp4 = rendered(tmp.path(), &project, 2, &[]);
    let gifs = tmp.path().join("gifs");
    std::fs::create_dir(&gifs).unwrap();
    for k in 0..2 {
        let o = chunk(&project, &gifs, &format!("{k}/2"), &["--format", "gif"]);
        assert!(o.status.success(), "gif chunk {k}: {}", stderr(&o));
    }
    let fifo = |p: &Path| {
        let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    };
    // (folder, file, what takes its place: a link to this, or a FIFO, what join must say)
    let cases = [
        (&mp4, "chunk-1-of-2.mp4", None, "chunk 1 of 2: cannot read"),
        (&mp4, "chunk-1-of-2.mp4", Some("/dev/zero"), "is a device, not a regular file"),
        (&mp4, "chunk-1-of-2.mp4", Some("/etc/passwd"), "chunk 1 of 2 (chunk-1-of-2.mp4) is damaged"),
        (&mp4, "chunk-0-of-2.json", None, "cannot read chunk-0-of-2.json: this is a named pipe (FIFO)"),
        (&gifs, "chunk-1-of-2.gif", None, "is a named pipe (FIFO), not a regular file"),
        (&gifs, "chunk-0-of-2.gif", Some("/dev/zero"), "chunk 0 of 2: cannot read"),
        (&gifs, "chunk-0-of-2.json", None, "cannot read chunk-0-of-2.json: this is a named pipe (FIFO)"),
    ];
    for (dir, name, link, needle) in cases {
        let (file, kept) = (dir.join(name), tmp.path().join("kept"));
        std::fs::rename(&file, &kept).unwrap();
        match link {
            Some(to) => std::os::unix::fs::symlink(to, &file).unwrap(),
            None => fifo(&file),
        }
        let out = tmp.path().join(if *dir == mp4 { "out.mp4" } else { "out.gif" });
        let started = Instant::now();
        refused(dir, &out, needle);
        assert!(started.elapsed() < Duration::from_secs(30), "{name}: refused only after {:?}", started.elapsed());
        std::fs::remove_file(&file).unwrap();
        std::fs::rename(&kept, &file).unwrap();
    }
    for (dir, out, frames) in [(&mp4, "out.mp4", vec![0, 1, 2, 3]), (&gifs, "out.gif", vec![0, 3])] {
        let out = tmp.path().join(out);
        let o = join(dir, &out);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(shown(&out), frames, "{}", out.display());
    }
}

/// A manifest edited to name a file other than its chunk (outside the folder, with the right
/// size and hash) or to claim other frames than the project makes is refused, by name.
#[test]
fn a_manifest_cannot_name_another_file_or_lie_about_the_frames() {
    let (tmp, project) = tiny("project.json");
    let dir = rendered(tmp.path(), &project, 2, &[]);
    let out = tmp.path().join("out.mp4");
    let path = |k: u64| dir.join(format!("chunk-{k}-of-2.json"));
    let read = |k: u64| -> serde_json::Value { serde_json::from_slice(&std::fs::read(path(k)).unwrap()).unwrap() };
    let (zero, one) = (std::fs::read(path(0)).unwrap(), std::fs::read(path(1)).unwrap());
    // Chunk 1's video copied out of the folder, and a system file, each named with its true
    // size and hash.
    std::fs::copy(dir.join("chunk-1-of-2.mp4"), tmp.path().join("elsewhere.mp4")).unwrap();
    for (name, file) in
        [("../elsewhere.mp4", tmp.path().join("elsewhere.mp4")), ("/etc/hostname", "/etc/hostname".into())]
    {
        let (bytes, hash) = bazaar_core::chunks::hash_file(&file).unwrap();
        let mut m = read(1);
        (m["file"], m["fileBytes"], m["fileHash"]) = (name.into(), bytes.into(), hash.into());
        std::fs::write(path(1), serde_json::to_vec(&m).unwrap()).unwrap();
        refused(
            &dir,
            &out,
            &format!("chunk-1-of-2.json is damaged: it names the file {name:?}, not \"chunk-1-of-2.mp4\""),
        );
    }
    std::fs::write(path(1), &one).unwrap();
    // Both manifests edited alike to claim 6 frames (each chunk's place agrees with that).
    for (k, (from, to)) in [(0u64, (0u64, 3u64)), (1, (3, 6))] {
        let mut m = read(k);
        (m["totalFrames"], m["from"], m["to"]) = (6.into(), from.into(), to.into());
        std::fs::write(path(k), serde_json::to_vec(&m).unwrap()).unwrap();
    }
    refused(&dir, &out, "the chunks' manifests say the video has 6 frames at 30 fps");
    std::fs::write(path(0), &zero).unwrap();
    std::fs::write(path(1), &one).unwrap();
    let o = join(&dir, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(shown(&out), vec![0, 1, 2, 3]);
}

/// A transparent VP9 chunk that is not what its manifest says, the manifest's size and hash made
/// to match it, is refused naming the chunk: an opaque VP9 chunk (no alpha), a chunk of another
/// split (one frame where two belong), a file that is no WebM. The true chunks then join, every
/// frame in place.
#[test]
fn a_transparent_vp9_chunk_unlike_its_manifest_is_refused_by_name() {
    let (tmp, project) = tiny("project.json");
    let vp9 = ["--format", "webm-vp9", "--transparent"];
    let dir = rendered(tmp.path(), &project, 2, &vp9);
    let other = tmp.path().join("other");
    std::fs::create_dir(&other).unwrap();
    // An opaque chunk 1 of 2, and a transparent chunk 1 of 4.
    for (part, extra) in [("1/2", &vp9[..2]), ("1/4", &vp9[..])] {
        let o = chunk(&project, &other, part, extra);
        assert!(o.status.success(), "{part}: {}", stderr(&o));
    }
    let (file, manifest) = (dir.join("chunk-1-of-2.webm"), dir.join("chunk-1-of-2.json"));
    let (true_file, true_manifest) = (std::fs::read(&file).unwrap(), std::fs::read(&manifest).unwrap());
    let out = tmp.path().join("out.webm");
    let cases = [
        (other.join("chunk-1-of-2.webm"), "it has no VP9 track with alpha"),
        (other.join("chunk-1-of-4.webm"), "it holds 1 frames, its manifest says 2"),
        (project.clone(), "it is not a WebM file (no EBML header)"),
    ];
    for (replacement, why) in cases {
        std::fs::copy(&replacement, &file).unwrap();
        let (bytes, hash) = bazaar_core::chunks::hash_file(&file).unwrap();
        let mut m: serde_json::Value = serde_json::from_slice(&true_manifest).unwrap();
        (m["fileBytes"], m["fileHash"]) = (bytes.into(), hash.into());
        std::fs::write(&manifest, serde_json::to_vec(&m).unwrap()).unwrap();
        refused(
            &dir,
            &out,
            &format!("chunk 1 of 2 (chunk-1-of-2.webm) is not the transparent WebM its manifest describes: {why}"),
        );
    }
    std::fs::write(&file, &true_file).unwrap();
    std::fs::write(&manifest, &true_manifest).unwrap();
    let o = join(&dir, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(shown(&out), vec![0, 1, 2, 3]);
}

/// Ctrl+C while join reads a huge chunk (200 GB, sparse) ends it at once: exit 130, "cancelled",
/// nothing written. The manifests are made up: the chunk is read before the project is opened.
#[test]
fn ctrl_c_while_join_reads_a_huge_chunk_ends_it_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("chunks");
    std::fs::create_dir(&dir).unwrap();
    for (k, (from, to)) in [(0u64, (0u64, 2u64)), (1, (2, 4))] {
        let m = serde_json::json!({ "k": k, "n": 2, "from": from, "to": to, "project": tmp.path().join("p.json"),
            "projectHash": "0", "format": "mp4", "quality": "low", "width": 320, "height": 180, "fps": 30,
            "totalFrames": 4, "file": format!("chunk-{k}-of-2.mp4"), "fileBytes": 1, "fileHash": "0" });
        std::fs::write(dir.join(format!("chunk-{k}-of-2.json")), m.to_string()).unwrap();
    }
    std::fs::File::create(dir.join("chunk-0-of-2.mp4")).unwrap().set_len(200 << 30).unwrap();
    let out = tmp.path().join("out.mp4");
    let child = Command::new(bin()).arg("join").arg(&dir).arg("-o").arg(&out).stderr(Stdio::piped()).spawn().unwrap();
    // Signalled once it is reading the chunk (its handler is in place by then), not after a
    // fixed second: on a loaded machine the start alone can take longer.
    let chunk = dir.join("chunk-0-of-2.mp4");
    let reading = || {
        std::fs::read_dir(format!("/proc/{}/fd", child.id()))
            .map(|fds| fds.flatten().any(|fd| std::fs::read_link(fd.path()).is_ok_and(|t| t == chunk)))
            .unwrap_or(false)
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !reading() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(reading(), "join never opened the chunk");
    // SAFETY: a signal to our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let o = within_60_s(child, "join after Ctrl+C");
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    assert!(stderr(&o).contains("cancelled: no file was written"), "{}", stderr(&o));
    assert!(!out.exists());
}
