//! The command line itself, through the real binary: every sub-command's `--help` lists each of
//! its options with a line of help, shell completions, and bad options refused with exit 2 in
//! words that say what to do. (No display needed: nothing here renders.)

#[path = "support/cli.rs"]
mod cli;

use cli::{bin, stderr};
use std::collections::BTreeSet;
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(bin()).args(args).output().expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The long options `--help` lists, each on a line of its own with its help after it.
fn options_listed(help: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in help.lines().map(str::trim_start).filter(|l| l.starts_with('-')) {
        let long = line.split([' ', ',']).find(|w| w.starts_with("--")).expect("a long option on the line");
        // The option's words, then at least two spaces, then its help.
        let (_, help_text) = line.split_once("  ").unwrap_or_else(|| panic!("{long} has no help: {line:?}"));
        assert!(help_text.trim().len() >= 10, "{long} has no help: {line:?}");
        found.insert(long.to_string());
    }
    found
}

#[test]
fn render_help_lists_every_option() {
    let o = run(&["render", "--help"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let help = stdout(&o);
    let want = [
        "--output",
        "--format",
        "--quality",
        "--frames",
        "--size",
        "--input",
        "--inputs",
        "--chunk",
        "--chunk-dir",
        "--jobs",
        "--stats",
        "--stats-json",
        "--dump-frames",
        "--prores-profile",
        "--gif-loops",
        "--gif-fps",
        "--transparent",
        "--captions-sidecar",
        "--variant",
        "--log-level",
        "--help",
    ];
    assert_eq!(options_listed(&help), want.iter().map(|s| s.to_string()).collect(), "{help}");
    for short in ["-o, --output", "-f, --format", "-q, --quality", "-j, --jobs"] {
        assert!(help.contains(short), "{short} missing:\n{help}");
    }
}

#[test]
fn every_command_has_help() {
    let cases: [(&[&str], &[&str]); 5] = [
        (&["--help"], &["check", "render", "batch", "join", "completions", "--log-level"]),
        (&["check", "--help"], &["PROJECT.json"]),
        (
            &["batch", "--help"],
            &[
                "--rows",
                "--out-dir",
                "--name",
                "--format",
                "--quality",
                "--shard",
                "--prores-profile",
                "--gif-loops",
                "--gif-fps",
                "--transparent",
            ],
        ),
        (&["join", "--help"], &["CHUNK_FOLDER", "--output"]),
        (&["completions", "--help"], &["bash", "zsh", "fish"]),
    ];
    for (args, words) in cases {
        let o = run(args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        let help = stdout(&o);
        for w in words {
            assert!(help.contains(w), "{args:?} does not mention {w}:\n{help}");
        }
    }
}

#[test]
fn completions_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let o = run(&["completions", shell]);
        assert_eq!(o.status.code(), Some(0), "{shell}: {}", stderr(&o));
        let script = stdout(&o);
        assert!(script.contains("bazaar-export") && script.contains("chunk-dir"), "{shell}:\n{script}");
    }
    assert_eq!(run(&["completions", "tcsh"]).status.code(), Some(2));
}

#[test]
fn bad_options_exit_2_saying_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.mp4");
    let out = out.to_str().unwrap();
    let cases: [(&[&str], &str); 7] = [
        (&["--frobnicate"], "--frobnicate"),
        (&["render", "p.json", "-o", out, "--format", "avi"], "unknown format \"avi\": use mp4, "),
        (&["render", "p.json", "-o", out, "--quality", "best"], "unknown quality \"best\": use low, medium or high"),
        (&["render", "p.json", "--chunk", "1/3"], "--chunk needs --chunk-dir"),
        (&["render", "p.json", "-o", out, "--jobs", "0"], "give a number from 1 to 64"),
        (&["render", "p.json"], "`render` needs an output file"),
        (&["batch", "p.json", "--out-dir", "."], "--rows"),
    ];
    for (args, words) in cases {
        let o = run(args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(words), "{args:?} should say {words:?}:\n{err}");
    }
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none(), "nothing is written");
}

/// The stage lines of one job: each names the job, all the same id.
fn stages_of_one_job(err: &str) -> Vec<&str> {
    let ids: BTreeSet<&str> = err
        .lines()
        .filter_map(|l| l.split("job{id=").nth(1))
        .map(|rest| rest.split('}').next().unwrap_or_default())
        .collect();
    assert_eq!(ids.len(), 1, "one job id in every log line:\n{err}");
    let stages = ["preparing", "page loaded", "rendering", "finalizing", "written"];
    stages.into_iter().filter(|s| err.lines().any(|l| l.contains("job{id=") && l.contains(s))).collect()
}

/// `RUST_LOG=debug` (or `--log-level`) shows each stage of the job with its id; asked for
/// nothing, stderr has no log line, as before logs existed.
#[test]
fn logs_show_each_stage_of_the_job_and_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let project = cli::repo("tests/fixtures/indexed/project.json");
    let render = |name: &str, env: &[(&str, &str)], extra: &[&str]| {
        let out = dir.path().join(name);
        let mut args = vec!["--quality", "low", "--frames", "0-4"];
        args.extend(extra);
        let o =
            cli::render_command(&project, &out, &args, 120).env_remove("RUST_LOG").envs(env.iter().copied()).output();
        let o = o.expect("the binary runs");
        let err = stderr(&o);
        assert!(o.status.success() && out.is_file(), "{name}: {err}");
        err
    };
    let all = ["preparing", "page loaded", "rendering", "finalizing", "written"];
    let debug = render("debug.mp4", &[("RUST_LOG", "debug")], &[]);
    assert_eq!(stages_of_one_job(&debug), all, "{debug}");
    assert!(debug.contains("DEBUG") && debug.contains("frame path"), "{debug}");
    // GStreamer starts before the job and its web view (main.rs says why).
    let line_of = |what: &str| debug.lines().position(|l| l.contains(what));
    let gst = line_of("GStreamer started before any web process");
    assert!(gst.is_some() && gst < line_of("preparing"), "GStreamer after the job began:\n{debug}");
    let info = render("info.mp4", &[("RUST_LOG", "debug")], &["--log-level", "info"]);
    assert_eq!(stages_of_one_job(&info), all, "--log-level wins over RUST_LOG:\n{info}");
    assert!(!info.contains("DEBUG"), "{info}");
    let plain = render("plain.mp4", &[], &[]);
    assert!(!plain.contains("job{id=") && !plain.contains(" INFO "), "no log line by default:\n{plain}");
    assert!(plain.lines().last().is_some_and(|l| l.starts_with("wrote ")), "{plain}");
}
