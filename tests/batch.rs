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
            "scenes[0].props.label: {{nmae}} is not an input of this project (it declares: color, count, name)"
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
