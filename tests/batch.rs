//! Inputs and batch renders end to end: `{{key}}` in props and the name filled from the
//! project's inputs (`--input`, `--inputs`), typed values, unknown keys named by `check`; a
//! batch from CSV and JSON Lines, one video per row named by the template, a bad row failing
//! alone, a resumed batch redoing only what is missing, shards, and the refusals (an unknown
//! column, names that collide or leave the folder).

#[path = "support/cli.rs"]
mod cli;

use bazaar_core::probe;
use cli::{bin, render, repo, stderr};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    for f in ["project.json", "card.js"] {
        std::fs::copy(repo(&format!("tests/fixtures/batch/{f}")), dir.path().join(f)).unwrap();
    }
    let project = dir.path().join("project.json");
    (dir, project)
}

/// The first frame's background colour and the length of its white bar (the `count` × 20).
fn card(path: &Path) -> ([u8; 3], usize) {
    let mut first = None;
    let (_, w, _) = probe::decode_frames(path, |i, _, rgba| {
        if i == 0 {
            first = Some(rgba.to_vec())
        }
    })
    .unwrap();
    let f = first.unwrap();
    let w = w as usize;
    let o = (100 * w + w / 2) * 4;
    let bar = (0..w).take_while(|x| f[(5 * w + x) * 4..(5 * w + x) * 4 + 3].iter().all(|c| *c > 200)).count();
    ([f[o], f[o + 1], f[o + 2]], bar * 320 / w)
}

fn near(c: [u8; 3], want: [u8; 3]) -> bool {
    c.iter().zip(want).all(|(a, b)| a.abs_diff(b) < 12)
}

fn batch(project: &Path, extra: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(bin()).arg("batch").arg(project).args(extra).envs(env.iter().copied()).output().unwrap()
}

#[test]
fn inputs_fill_props_with_their_types_from_flags_and_files() {
    let (dir, project) = fixture();
    let out = dir.path().join("default.gif");
    let o = render(&project, &out, &["--quality", "low"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (colour, bar) = card(&out);
    assert!(near(colour, [0x20, 0x20, 0x20]) && (bar as i64 - 40).abs() <= 2, "{colour:?} {bar}");
    let out = dir.path().join("given.gif");
    let o = render(
        &project,
        &out,
        &["--quality", "low", "--input", "color=#ff0000", "--input", "count=5", "--input", "name=Ada"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let (colour, bar) = card(&out);
    assert!(near(colour, [255, 0, 0]) && (bar as i64 - 100).abs() <= 2, "{colour:?} {bar}");
    let values = dir.path().join("values.json");
    std::fs::write(&values, r##"{ "color": "#0000ff", "count": 3 }"##).unwrap();
    let out = dir.path().join("file.gif");
    let o = render(&project, &out, &["--quality", "low", "--inputs", values.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (colour, bar) = card(&out);
    assert!(near(colour, [0, 0, 255]) && (bar as i64 - 60).abs() <= 2, "{colour:?} {bar}");
    // A value for an input the project does not declare is refused, before anything renders.
    let o = render(&project, &dir.path().join("no.gif"), &["--quality", "low", "--input", "colour=red"]);
    assert!(
        !o.status.success() && stderr(&o).contains("\"colour\", which is not an input of this project"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn check_names_an_unknown_key_at_its_json_path() {
    let (dir, project) = fixture();
    let text = std::fs::read_to_string(&project).unwrap().replace("Hello, {{name}}", "Hello, {{nmae}}");
    std::fs::write(&project, text).unwrap();
    let o = Command::new(bin()).arg("check").arg(&project).output().unwrap();
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains(
            "scenes[0].props.label: {{nmae}} is not an input of this project (it declares: name, color, count)"
        ),
        "{}",
        stderr(&o)
    );
    drop(dir);
}

#[test]
fn a_batch_renders_a_video_per_row_a_bad_row_fails_alone_and_it_resumes() {
    let (dir, project) = fixture();
    let rows = dir.path().join("rows.csv");
    std::fs::write(
        &rows,
        b"name,color,count\nAda,#ff0000,1\nBob,#00ff00,2\nBroken,#000000\nCy,#0000ff,3\n\xff\xfe,#ffffff,1\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let args = [
        "--rows",
        rows.to_str().unwrap(),
        "--out-dir",
        out.to_str().unwrap(),
        "--name",
        "{{name}}.gif",
        "--quality",
        "low",
    ];
    let o = batch(&project, &args, &[]);
    let err = stderr(&o);
    assert!(!o.status.success(), "a batch with bad rows exits 1: {err}");
    assert!(err.contains("batch: 3 written, 0 already there, 2 failed"), "{err}");
    assert!(err.contains("row 3: it has 2 fields, the header has 3"), "{err}");
    assert!(err.contains("row 5: its \"name\" is not UTF-8 text"), "{err}");
    assert_eq!(cli::files_in(&out), ["Ada.gif", "Bob.gif", "Cy.gif"]);
    for (file, colour, bar) in [("Ada.gif", [255, 0, 0], 20), ("Bob.gif", [0, 255, 0], 40), ("Cy.gif", [0, 0, 255], 60)]
    {
        let (c, b) = card(&out.join(file));
        assert!(near(c, colour) && (b as i64 - bar).abs() <= 2, "{file}: {c:?} {b}");
    }
    // Run again after one video is lost: only that one is rendered.
    std::fs::remove_file(out.join("Bob.gif")).unwrap();
    let o = batch(&project, &args, &[]);
    let err = stderr(&o);
    assert!(err.contains("batch: 1 written, 2 already there, 2 failed"), "{err}");
    assert_eq!(cli::files_in(&out), ["Ada.gif", "Bob.gif", "Cy.gif"]);
}

#[test]
fn json_lines_and_shards_split_a_batch() {
    let (dir, project) = fixture();
    let rows = dir.path().join("rows.jsonl");
    std::fs::write(
        &rows,
        "{\"name\":\"a\",\"count\":1}\n{\"name\":\"b\",\"count\":2}\n{\"name\":\"c\",\"count\":3}\n{\"name\":\"d\",\"count\":4}\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let args = |shard: &str| {
        [
            "--rows",
            rows.to_str().unwrap(),
            "--out-dir",
            out.to_str().unwrap(),
            "--format",
            "gif",
            "--quality",
            "low",
            "--shard",
            shard,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>()
    };
    let a = args("1/2");
    let o = batch(&project, &a.iter().map(String::as_str).collect::<Vec<_>>(), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Rows 2 and 4 (every second row from the second), named by their number.
    assert_eq!(cli::files_in(&out), ["2.gif", "4.gif"]);
    assert_eq!(card(&out.join("4.gif")).1, 80);
    // The other half from the engine's array index.
    let a = args("auto/2");
    let o = batch(&project, &a.iter().map(String::as_str).collect::<Vec<_>>(), &[("SLURM_ARRAY_TASK_ID", "0")]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(cli::files_in(&out), ["1.gif", "2.gif", "3.gif", "4.gif"]);
}

#[test]
fn a_batch_refuses_unknown_columns_and_names_that_collide_or_leave_the_folder() {
    let (dir, project) = fixture();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let run = |csv: &str, name: &str| {
        let rows = dir.path().join("rows.csv");
        std::fs::write(&rows, csv).unwrap();
        batch(
            &project,
            &["--rows", rows.to_str().unwrap(), "--out-dir", out.to_str().unwrap(), "--name", name, "--quality", "low"],
            &[],
        )
    };
    let o = run("name,colour\nAda,red\n", "{{name}}.gif");
    assert!(!o.status.success());
    assert!(stderr(&o).contains("the CSV column \"colour\" is not an input of the project"), "{}", stderr(&o));
    let o = run("name\nAda\nBob\n", "same.gif");
    assert!(!o.status.success());
    assert!(stderr(&o).contains("rows 1 and 2 would both be written to same.gif"), "{}", stderr(&o));
    let o = run("name\n../../escaped\n", "{{name}}.gif");
    assert!(!o.status.success());
    assert!(stderr(&o).contains("not a plain file name"), "{}", stderr(&o));
    assert!(cli::files_in(&out).is_empty());
    assert!(!dir.path().join("escaped.gif").exists() && !dir.path().parent().unwrap().join("escaped.gif").exists());
}

/// `batch` with `--rows <dir>/<file>` (written with `rows`) into `<dir>/out`, made empty.
fn batch_rows(project: &Path, file: &str, rows: &[u8], extra: &[&str]) -> (Output, PathBuf) {
    let dir = project.parent().unwrap();
    let (path, out) = (dir.join(file), dir.join("out"));
    std::fs::write(&path, rows).unwrap();
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir(&out).unwrap();
    let args = [&["--rows", path.to_str().unwrap(), "--out-dir", out.to_str().unwrap(), "--quality", "low"], extra];
    (batch(project, &args.concat(), &[]), out)
}

#[test]
fn a_quote_never_closed_or_a_column_named_twice_stops_the_batch() {
    // Issue 35 #9: the quote opened in row 2 swallowed rows 3 and 4 into its value; the batch
    // rendered 2 videos and said "0 failed" (exit 0). A column named twice kept the last one.
    let (_dir, project) = fixture();
    let (o, out) = batch_rows(&project, "rows.csv", b"name\nAda\n\"Bob\nCy\nDee\n", &["--format", "gif"]);
    let err = stderr(&o);
    assert!(!o.status.success(), "{err}");
    assert!(
        err.contains("rows.csv: a quoted value in row 2 (from line 3) is never closed, so every line after it"),
        "{err}"
    );
    assert!(cli::files_in(&out).is_empty());
    let (o, out) = batch_rows(&project, "rows.csv", b"name,count,name\nAda,1,Bob\n", &["--format", "gif"]);
    let err = stderr(&o);
    assert!(!o.status.success(), "{err}");
    assert!(err.contains("rows.csv: the CSV column \"name\" is there twice (columns 1 and 3)"), "{err}");
    assert!(cli::files_in(&out).is_empty());
    // The same in JSON Lines fails the row alone; a BOM, CRLF and a NUL byte in a value are
    // read as they are.
    let jsonl = b"{\"name\":\"a\",\"name\":\"b\"}\n{\"name\":\"c\"}\n";
    let (o, out) = batch_rows(&project, "rows.jsonl", jsonl, &["--name", "{{name}}.gif"]);
    let err = stderr(&o);
    assert!(err.contains("row 1: it gives \"name\" twice: give each input once"), "{err}");
    assert_eq!(cli::files_in(&out), ["c.gif"]);
    let (o, out) = batch_rows(&project, "rows.csv", b"\xef\xbb\xbf\"name\",count\r\nA\0da,2\r\n", &["--format", "gif"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(card(&out.join("1.gif")).1, 40);
}

#[test]
fn a_name_template_out_of_the_folder_is_refused_once_and_a_project_file_is_no_video() {
    let (dir, project) = fixture();
    // Before: one failed row (and one message) per row, 9 here.
    let rows = b"name\na\nb\nc\nd\ne\nf\ng\nh\ni\n";
    for name in ["../{{name}}.gif", "/tmp/{{name}}.gif", "{{nope}}.gif"] {
        let (o, out) = batch_rows(&project, "rows.csv", rows, &["--name", name]);
        let err = stderr(&o);
        assert!(!o.status.success() && err.lines().count() == 1, "{name}: {err}");
        assert!(err.contains("--name"), "{err}");
        assert!(cli::files_in(&out).is_empty());
    }
    // --out-dir is the project's folder, and a row's video would be a picture the project
    // shows: before, the row was counted "already there" and its video never made (exit 0).
    let text = std::fs::read_to_string(&project).unwrap().replace("\"label\"", "\"logo\": \"logo.gif\", \"label\"");
    std::fs::write(&project, text).unwrap();
    std::fs::write(dir.path().join("logo.gif"), b"GIF89a the project's own").unwrap();
    std::fs::write(dir.path().join("rows.csv"), "name\nlogo\nAda\n").unwrap();
    let o = batch(
        &project,
        &["--rows", dir.path().join("rows.csv").to_str().unwrap(), "--out-dir", dir.path().to_str().unwrap()]
            .iter()
            .chain(&["--name", "{{name}}.gif", "--quality", "low"])
            .copied()
            .collect::<Vec<_>>(),
        &[],
    );
    let err = stderr(&o);
    assert!(!o.status.success(), "{err}");
    assert!(err.contains("batch: 1 written, 0 already there, 1 failed"), "{err}");
    assert!(err.contains("row 1:") && err.contains("scenes[0].props.logo"), "{err}");
    assert_eq!(std::fs::read(dir.path().join("logo.gif")).unwrap(), b"GIF89a the project's own");
    assert!(dir.path().join("Ada.gif").exists());
}

#[test]
fn ctrl_c_on_a_batch_says_cancelled_once_exits_130_and_leaves_no_temp_file() {
    // Issue 35 #15: Ctrl+C on a 10 000-row batch exited 1 with "9997 failed" and a line for
    // every row never started. Sent to the app alone, and to its whole process group as a
    // terminal sends it (WebKit's helpers too: one dying as it is launched for the next row
    // ended the app through GLib's fatal error, saying "cancelled: no file was written").
    for group in [false, true] {
        let (dir, project) = fixture();
        let rows: Vec<String> =
            std::iter::once("name,count".into()).chain((1..=10_000).map(|i| format!("n{i},1"))).collect();
        let (path, out) = (dir.path().join("rows.csv"), dir.path().join("out"));
        std::fs::write(&path, rows.join("\n")).unwrap();
        std::fs::create_dir(&out).unwrap();
        let said = ctrl_c_at_row_3(&project, &path, &out, group);
        let summary: Vec<&str> = said.lines().filter(|l| l.contains("batch cancelled")).collect();
        assert_eq!(summary.len(), 1, "{said}");
        let s = summary[0];
        assert!(s.contains("0 already there, 0 failed") && s.contains("not started"), "{said}");
        assert!(
            said.lines().count() < 20 && !said.contains("failed:") && !said.contains("no file was written"),
            "{said}"
        );
        // Rows 1 and 2 (or row 3 too, when it finished first) are whole videos; nothing else is
        // there, no hidden temp file either.
        let files = cli::files_in(&out);
        assert!(files.len() >= 2 && files.len() <= 3, "{files:?}\n{said}");
        for f in &files {
            assert!(f.ends_with(".gif") && !f.starts_with('.'), "{files:?}");
            assert_eq!(card(&out.join(f)).1, 20);
        }
        let written = files.len();
        assert!(s.contains(&format!("{written} written")), "{said}");
        if written == 2 {
            assert!(s.contains("9997 not started; row 3 was stopped mid-render and left no file"), "{said}");
        } else {
            assert!(s.contains("9997 not started"), "{said}");
        }
    }
}

/// Runs the batch, sends SIGINT (to its process group when `group`) once row 3 starts, and
/// returns what it said; asserts it ends within a generous deadline with exit 130.
fn ctrl_c_at_row_3(project: &Path, rows: &Path, out: &Path, group: bool) -> String {
    use std::io::BufRead;
    use std::os::unix::process::CommandExt;
    let mut command = Command::new(bin());
    command.arg("batch").arg(project);
    command.args(["--rows", rows.to_str().unwrap(), "--out-dir", out.to_str().unwrap(), "-f", "gif", "-q", "low"]);
    if group {
        command.process_group(0);
    }
    let mut child = command.stderr(std::process::Stdio::piped()).spawn().unwrap();
    let lines = std::io::BufReader::new(child.stderr.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || lines.lines().map_while(Result::ok).for_each(|l| drop(tx.send(l))));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let (mut said, mut sent) = (Vec::new(), false);
    while let Ok(line) = rx.recv_timeout(deadline.saturating_duration_since(std::time::Instant::now())) {
        if !sent && line.starts_with("row 3: rendering") {
            let pid = child.id() as i32;
            // SAFETY: kill(2) on our own child (or its own process group).
            unsafe { libc::kill(if group { -pid } else { pid }, libc::SIGINT) };
            sent = true;
        }
        said.push(line);
    }
    let said = said.join("\n");
    let status = loop {
        match child.try_wait().unwrap() {
            Some(status) => break status,
            None if std::time::Instant::now() > deadline => {
                let _ = child.kill();
                panic!("the batch did not end within its deadline (group: {group}):\n{said}");
            }
            None => std::thread::sleep(std::time::Duration::from_millis(50)),
        }
    };
    assert_eq!(status.code(), Some(130), "group: {group}\n{said}");
    said
}

#[test]
fn a_filled_in_project_past_the_project_file_limit_is_refused_naming_the_input() {
    // Issue 35 #12: a 10 MB value used in 50 props took the app to 2.6-3.2 GB and ended 40 s
    // later in "check the composition for an endless loop".
    let (dir, project) = fixture();
    let mut p: serde_json::Value = serde_json::from_slice(&std::fs::read(&project).unwrap()).unwrap();
    p["inputs"]["text"] = "".into();
    for i in 0..50 {
        p["scenes"][0]["props"][format!("p{i}")] = "x {{text}}".into();
    }
    std::fs::write(&project, serde_json::to_vec(&p).unwrap()).unwrap();
    let values = dir.path().join("values.json");
    std::fs::write(&values, serde_json::to_vec(&serde_json::json!({ "text": "A".repeat(10_000_000) })).unwrap())
        .unwrap();
    let o = render(&project, &dir.path().join("x.gif"), &["--inputs", values.to_str().unwrap()]);
    let err = stderr(&o);
    assert!(!o.status.success(), "{err}");
    assert!(
        err.contains("filled in with its inputs, the project would be 476.8 MiB; like a project file it is limited to 10 MiB: \"text\" (9.5 MiB, in 50 places) makes it so"),
        "{err}"
    );
    assert!(!err.contains("endless loop") && !dir.path().join("x.gif").exists(), "{err}");
    // In a batch, that row fails alone.
    let csv = format!("name,text\nbig,{}\nsmall,hi\n", "A".repeat(10_000_000));
    let (o, out) = batch_rows(&project, "rows.csv", csv.as_bytes(), &["--name", "{{name}}.gif"]);
    let err = stderr(&o);
    assert!(err.contains("batch: 1 written, 0 already there, 1 failed"), "{err}");
    assert!(err.contains("row 1:") && err.contains("\"text\" (9.5 MiB, in 50 places) makes it so"), "{err}");
    assert_eq!(cli::files_in(&out), ["small.gif"]);
}
