//! Captions through the binary (issue 33, first part): a project's `captions` (SubRip, WebVTT
//! with word time stamps, JSON word timings) read and listed by `check`; each bad case named by
//! `check` with its JSON path, file and line, before anything renders; `--captions-sidecar`
//! beside a render, on the export's timeline (a `--frames` range shifts it).

#[path = "support/cli.rs"]
mod cli;

use cli::{bin, render, repo, stderr};
use std::path::{Path, PathBuf};
use std::process::Command;

const SRT: &str = "1\r\n00:00:00,000 --> 00:00:00,500\r\nFirst <i>line</i>\r\n\r\n2\r\n00:00:00,500 --> 00:00:01,000\r\nSecond & last\r\n";
const VTT: &str = "WEBVTT\n\n00:00.100 --> 00:00.900\nOne <00:00:00.400>two <00:00:00.600>three\n";
const WORDS: &str =
    r#"[{"text":"Hi","startMs":0,"endMs":300},{"text":" there.","startMs":300,"endMs":600,"confidence":1}]"#;

/// The indexed fixture (30 frames at 30 fps) with `captions` as given, and the three files.
fn fixture(captions: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(repo("tests/fixtures/indexed/indexed.js"), dir.path().join("indexed.js")).unwrap();
    std::fs::create_dir(dir.path().join("captions")).unwrap();
    for (name, text) in [("voice.srt", SRT), ("words.vtt", VTT), ("words.json", WORDS)] {
        std::fs::write(dir.path().join("captions").join(name), text).unwrap();
    }
    let path = dir.path().join("project.json");
    std::fs::write(
        &path,
        format!(
            r##"{{ "version": 1, "width": 160, "height": 90, "fps": 30, "compositions": {{ "Indexed": "./indexed.js" }},
  "captions": {captions},
  "scenes": [ {{ "composition": "Indexed", "durationInFrames": 30, "props": {{ "start": 0, "color": "#d02020" }} }} ] }}"##
        ),
    )
    .unwrap();
    (dir, path)
}

fn check(project: &Path) -> std::process::Output {
    Command::new(bin()).arg("check").arg(project).output().unwrap()
}

const GOOD: &str = r##"[
    { "src": "captions/voice.srt", "language": "en", "track": true },
    { "src": "captions/words.vtt", "at": 6, "style": "karaoke", "styleProps": { "highlight": "#ffd400", "background": "rgba(0,0,0,0.6)", "position": "top" } },
    { "src": "captions/words.json", "style": "words", "styleProps": { "wordsPerPage": 3, "fontSize": 48 } } ]"##;

#[test]
fn check_reads_every_kind_of_caption_file() {
    let (_dir, project) = fixture(GOOD);
    let o = check(&project);
    let out = String::from_utf8_lossy(&o.stdout).to_string() + &stderr(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("captions: 3"), "{out}");
    assert!(out.contains("captions/voice.srt (en): 2 cues, 0 timed words; burned (subtitle), track"), "{out}");
    assert!(
        out.contains("from frame 6")
            && out.contains("captions/words.vtt (und): 1 cues, 3 timed words; burned (karaoke)"),
        "{out}"
    );
    assert!(out.contains("captions/words.json (und): 1 cues, 2 timed words; burned (words)"), "{out}");
}

#[test]
fn bad_captions_are_named_before_anything_renders() {
    let cases: &[(&str, &str, &[&str])] = &[
        (r#"{ "src": "captions/voice.srt" }"#, "", &["captions: must be a list of caption files"]),
        (r#"[{ "src": "../outside.srt" }]"#, "", &["captions[0].src", "uses '..'"]),
        (r#"[{ "src": "captions/missing.srt" }]"#, "", &["captions[0].src", "does not exist"]),
        (
            r#"[{ "src": "captions/bad.srt" }]"#,
            "1\n00:00:01.000 --> 00:00:02,000\nx\n",
            &["captions[0].src: captions/bad.srt: line 2", "not a SubRip time"],
        ),
        (
            r#"[{ "src": "captions/bad.srt" }]"#,
            "1\n00:00:03,000 --> 00:00:02,000\nx\n",
            &["line 2", "ends (00:00:02,000) before it starts"],
        ),
        (
            r#"[{ "src": "captions/bad.vtt" }]"#,
            "WEBVTT\n\n00:01.000 --> 00:02.000\na <00:00:09.000>b\n",
            &["captions/bad.vtt: line 3", "outside its cue"],
        ),
        (
            r#"[{ "src": "captions/bad.json" }]"#,
            r#"[{"text":"a","startMs":"0","endMs":1}]"#,
            &["captions/bad.json: [0].startMs: must be a number of milliseconds"],
        ),
        (r#"[{ "src": "captions/bad.srt" }]"#, "1\n00:00:00,000 --> 00:00:01,000\n\u{0}\n", &["NUL byte"]),
        (
            r#"[{ "src": "captions/voice.srt", "style": "bold" }]"#,
            "",
            &["captions[0].style", "\"bold\" is not a caption style"],
        ),
        (
            r##"[{ "src": "captions/voice.srt", "styleProps": { "colour": "#fff" } }]"##,
            "",
            &["captions[0].styleProps.colour: is not a caption style prop"],
        ),
        (
            r#"[{ "src": "captions/voice.srt", "styleProps": { "color": "white" } }]"#,
            "",
            &["captions[0].styleProps.color: must be a colour"],
        ),
        (
            r#"[{ "src": "captions/voice.srt", "language": "en_US" }]"#,
            "",
            &["captions[0].language: must be a BCP 47 language tag"],
        ),
        (r#"[{ "src": "captions/voice.srt", "at": 30 }]"#, "", &["captions[0].at: frame 30 is past the end"]),
        (r#"[{ "src": "captions/voice.srt", "burn": false }]"#, "", &["captions[0]: is neither burned"]),
        (r#"[{ "src": "captions/voice.srt", "style": "karaoke" }]"#, "", &["karaoke needs each word's time"]),
        (r#"[{ "src": "captions/voice.srt", "lang": "en" }]"#, "", &["captions[0].lang: is not a field of captions"]),
    ];
    for (captions, bad_file, words) in cases {
        let (dir, project) = fixture(captions);
        for ext in ["srt", "vtt", "json"] {
            std::fs::write(dir.path().join("captions").join(format!("bad.{ext}")), bad_file).unwrap();
        }
        let o = check(&project);
        let err = stderr(&o);
        assert!(!o.status.success(), "{captions}: passed");
        for w in *words {
            assert!(err.contains(w), "{captions}: {w:?} missing from:\n{err}");
        }
        // `render` refuses it the same way, writing nothing.
        let out = dir.path().join("out.mp4");
        let o = render(&project, &out, &["--quality", "low"]);
        assert!(!o.status.success() && stderr(&o).contains(words[0]), "{captions}: {}", stderr(&o));
        assert!(!out.exists());
    }
    // Over 10 MB is not captions.
    let (dir, project) = fixture(r#"[{ "src": "captions/big.srt" }]"#);
    std::fs::write(dir.path().join("captions/big.srt"), vec![b'1'; 11 << 20]).unwrap();
    let err = stderr(&check(&project));
    assert!(err.contains("captions[0].src") && err.contains("big.srt"), "{err}");
}

#[test]
fn a_sidecar_follows_the_export_s_timeline() {
    let (dir, project) = fixture(GOOD);
    // The whole project: the SRT and the JSON from 0, the VTT from frame 6 (200 ms).
    let out = dir.path().join("all.mp4");
    let o = render(&project, &out, &["--quality", "low", "--captions-sidecar", "srt"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let srt = std::fs::read_to_string(dir.path().join("all.srt")).unwrap();
    let want = "1\n00:00:00,000 --> 00:00:00,500\nFirst line\n\n2\n00:00:00,000 --> 00:00:00,600\nHi there.\n\n\
                3\n00:00:00,300 --> 00:00:01,000\nOne two three\n\n4\n00:00:00,500 --> 00:00:01,000\nSecond & last\n\n";
    assert_eq!(srt, want);
    // Frames 15–29 (from 500 ms): what was before is gone, the rest moves back 500 ms.
    let out = dir.path().join("part.webm");
    let o = render(&project, &out, &["--quality", "low", "--frames", "15-29", "--captions-sidecar", "vtt"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let vtt = std::fs::read_to_string(dir.path().join("part.vtt")).unwrap();
    // Cues that start and end together keep the project's order of files.
    let want =
        "WEBVTT\n\n00:00:00.000 --> 00:00:00.100\nHi there.\n\n00:00:00.000 --> 00:00:00.500\nSecond &amp; last\n\n\
                00:00:00.000 --> 00:00:00.500\nOne two three\n\n";
    assert_eq!(vtt, want);
    // Refused before rendering: a project without captions; a sidecar that would replace a file the project reads.
    let (dir, bare) = fixture("[]");
    let o = render(&bare, &dir.path().join("x.mp4"), &["--captions-sidecar", "srt"]);
    assert!(stderr(&o).contains("--captions-sidecar: the project has no captions"), "{}", stderr(&o));
    assert!(!dir.path().join("x.mp4").exists());
    let (dir, project) = fixture(GOOD);
    let o = render(&project, &dir.path().join("captions/voice.mp4"), &["--captions-sidecar", "srt"]);
    assert!(
        stderr(&o).contains("--captions-sidecar") && !dir.path().join("captions/voice.mp4").exists(),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read_to_string(dir.path().join("captions/voice.srt")).unwrap(), SRT);
    let o = render(&project, &dir.path().join("x.wav"), &["--captions-sidecar", "srt"]);
    assert!(stderr(&o).contains("--captions-sidecar goes with a video, not wav"), "{}", stderr(&o));
}
