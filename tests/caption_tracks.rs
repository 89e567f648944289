//! Caption tracks in the file (issue 33): `"track": true` captions carried as `mov_text` in MP4
//! and MOV and as WebVTT in WebM, one track per caption file, language tagged, decoded back with
//! FFmpeg and compared to the source to the millisecond; a `--frames` range shifts them; chunks
//! carry none and `join` writes them once over the whole timeline; a GIF says it carries none;
//! `batch` fills `{{key}}` in a caption's `src`; the export panel's "Captions beside the video".

#[path = "support/caption_fixture.rs"]
mod caption_fixture;
#[path = "support/cli.rs"]
mod cli;
#[path = "support/webdriver.rs"]
mod webdriver;

use caption_fixture::{WHOLE_EN, WHOLE_PT};
use cli::{bin, render, stderr};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Besides the two tracks, the English file burned from frame 3: it must not become a track.
const BURNED: &str = r#",
    { "src": "captions/voice.srt", "at": 3, "burn": true, "track": false }"#;

/// The caption fixture, `frames` frames, with [`BURNED`].
fn fixture(frames: u32) -> (tempfile::TempDir, PathBuf) {
    caption_fixture::fixture(frames, BURNED)
}

/// The subtitle streams of `file`: (codec, language) each.
fn subtitle_streams(file: &Path) -> Vec<(String, String)> {
    let o = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "s", "-show_entries", "stream=codec_name:stream_tags=language"])
        .args(["-of", "csv=p=0"])
        .arg(file)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (codec, lang) = l.split_once(',').unwrap_or((l, ""));
            (codec.to_string(), lang.to_string())
        })
        .collect()
}

/// Subtitle stream `index` of `file` as FFmpeg decodes it, written out as WebVTT and read back:
/// (start ms, end ms, text) each, the text unescaped.
fn cues(file: &Path, index: usize) -> Vec<(u64, u64, String)> {
    let o = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(file)
        .args(["-map", &format!("0:s:{index}"), "-f", "webvtt", "-"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    let ms = |t: &str| {
        let parts: Vec<u64> = t.trim().split([':', '.']).map(|p| p.parse().unwrap()).collect();
        match parts.as_slice() {
            [m, s, f] => (m * 60 + s) * 1000 + f,
            [h, m, s, f] => ((h * 60 + m) * 60 + s) * 1000 + f,
            _ => panic!("{t}"),
        }
    };
    text.split("\n\n")
        .filter_map(|block| {
            let mut lines = block.lines().skip_while(|l| !l.contains("-->"));
            let (a, b) = lines.next()?.split_once("-->")?;
            let body = lines.collect::<Vec<_>>().join("\n");
            let body = body.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
            Some((ms(a), ms(b.split_whitespace().next()?), body))
        })
        .collect()
}

fn owned(v: &[(u64, u64, &str)]) -> Vec<(u64, u64, String)> {
    v.iter().map(|(a, b, t)| (*a, *b, t.to_string())).collect()
}

/// The video still decodes whole: its frames as FFmpeg counts them.
fn video_frames(file: &Path) -> u64 {
    let o = Command::new("ffprobe")
        .args(["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames"])
        .args(["-of", "csv=p=0"])
        .arg(file)
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout).trim().parse().unwrap_or(0)
}

#[test]
fn mp4_mov_and_webm_carry_each_caption_file_as_a_track() {
    let (dir, project) = fixture(30);
    // The last: a transparent webm-vp9, written by the app's own WebM writer.
    for (format, ext, codec, alpha) in [
        ("mp4", "mp4", "mov_text", false),
        ("mp4-hevc", "mp4", "mov_text", false),
        ("prores", "mov", "mov_text", false),
        ("webm", "webm", "webvtt", false),
        ("webm-vp9", "webm", "webvtt", false),
        ("webm-vp9", "webm", "webvtt", true),
    ] {
        let out = dir.path().join(format!("{format}-{alpha}.{ext}"));
        let alpha_args: &[&str] = if alpha { &["--transparent"] } else { &[] };
        let o = render(&project, &out, &[&["--quality", "low", "--format", format][..], alpha_args].concat());
        assert!(o.status.success(), "{format}: {}", stderr(&o));
        // Two tracks: the third caption file is not one.
        let streams = subtitle_streams(&out);
        assert_eq!(
            streams,
            [(codec.to_string(), "eng".to_string()), (codec.to_string(), "por".to_string())],
            "{format}: the subtitle streams"
        );
        assert_eq!(cues(&out, 0), owned(WHOLE_EN), "{format}: the English track");
        assert_eq!(cues(&out, 1), owned(WHOLE_PT), "{format}: the Portuguese track");
        assert_eq!(video_frames(&out), 30, "{format}: the video decodes whole");
        if ext == "webm" {
            // WebM's own codec, with the BCP 47 tag beside the ISO 639-2 one.
            let bytes = std::fs::read(&out).unwrap();
            let has = |s: &[u8]| bytes.windows(s.len()).any(|w| w == s);
            assert!(has(b"D_WEBVTT/SUBTITLES") && has(b"pt-BR") && !has(b"S_TEXT/UTF8"), "{format}");
        }
    }
}

#[test]
fn a_frames_range_shifts_the_tracks() {
    let (dir, project) = fixture(30);
    // Frames 15–29: from 500 ms, 500 ms long.
    for (ext, format) in [("mp4", "mp4"), ("webm", "webm")] {
        let out = dir.path().join(format!("part.{ext}"));
        let o = render(&project, &out, &["--quality", "low", "--format", format, "--frames", "15-29"]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(cues(&out, 0), owned(&[(0, 277, "Second & last"), (400, 450, "three")]), "{format}");
        assert_eq!(cues(&out, 1), owned(&[(0, 500, "Um dois")]), "{format}");
    }
}

#[test]
fn chunks_carry_no_track_and_the_join_writes_one_per_file() {
    let (dir, project) = fixture(30);
    for (format, ext, codec) in [("mp4", "mp4", "mov_text"), ("webm", "webm", "webvtt")] {
        let chunks = dir.path().join(format!("chunks-{format}"));
        std::fs::create_dir(&chunks).unwrap();
        for k in 0..3 {
            let o = Command::new(bin())
                .arg("render")
                .arg(&project)
                .args(["--chunk", &format!("{k}/3"), "--chunk-dir", chunks.to_str().unwrap()])
                .args(["--quality", "low", "--format", format])
                .output()
                .unwrap();
            assert!(o.status.success(), "{format} chunk {k}: {}", stderr(&o));
            assert!(subtitle_streams(&chunks.join(format!("chunk-{k}-of-3.{ext}"))).is_empty(), "{format} chunk {k}");
        }
        let out = dir.path().join(format!("joined.{ext}"));
        let o = Command::new(bin()).arg("join").arg(&chunks).arg("-o").arg(&out).output().unwrap();
        assert!(o.status.success(), "{format} join: {}", stderr(&o));
        let streams = subtitle_streams(&out);
        assert_eq!(streams.len(), 2, "{format}: {streams:?}");
        assert!(streams.iter().all(|(c, _)| c == codec), "{format}: {streams:?}");
        // Across the chunks' seams (333 and 667 ms), to the millisecond.
        assert_eq!(cues(&out, 0), owned(WHOLE_EN), "{format}: the joined English track");
        assert_eq!(cues(&out, 1), owned(WHOLE_PT), "{format}: the joined Portuguese track");
        assert_eq!(video_frames(&out), 30, "{format}");
    }
}

#[test]
fn a_format_without_tracks_says_so_in_one_line() {
    let (dir, project) = fixture(12);
    let out = dir.path().join("x.gif");
    let o = render(&project, &out, &["--quality", "low"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    let notes: Vec<&str> = err.lines().filter(|l| l.contains("carries no subtitle track")).collect();
    assert_eq!(notes.len(), 1, "{err}");
    assert!(notes[0].contains("gif carries no subtitle track: the 2 caption tracks"), "{err}");
    assert!(out.exists());
}

#[test]
fn batch_fills_a_key_in_a_caption_s_src_and_names_a_bad_row() {
    let (dir, project) = fixture(6);
    std::fs::write(dir.path().join("captions/fr.srt"), "1\n00:00:00,040 --> 00:00:00,120\nBonjour\n").unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&project).unwrap()).unwrap();
    doc["inputs"] = json!({ "lang": "voice" });
    doc["captions"] = json!([{ "src": "captions/{{lang}}.srt", "burn": false, "track": true }]);
    std::fs::write(&project, doc.to_string()).unwrap();
    let rows = dir.path().join("rows.csv");
    std::fs::write(&rows, "lang\nvoice\nfr\nde\n../x\n").unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let o = Command::new(bin())
        .arg("batch")
        .arg(&project)
        .args(["--rows", rows.to_str().unwrap(), "--out-dir", out.to_str().unwrap()])
        .args(["--name", "{{row}}.mp4", "--quality", "low"])
        .output()
        .unwrap();
    let err = stderr(&o);
    assert!(!o.status.success() && err.contains("batch: 2 written, 0 already there, 2 failed"), "{err}");
    // Row 3's file is not there; row 4's leaves the folder: each named with its row and JSON path.
    let said = |row: u32, words: &str| {
        let part = err.split(&format!("row {row}: failed")).nth(1).unwrap_or_default();
        let part = part.split("\nrow ").next().unwrap_or_default();
        part.contains("captions[0].src") && part.contains(words)
    };
    assert!(said(3, "captions/de.srt"), "{err}");
    assert!(said(4, "'..'"), "{err}");
    assert_eq!(cues(&out.join("1.mp4"), 0), owned(&[(0, 200, "First line")]));
    assert_eq!(cues(&out.join("2.mp4"), 0), owned(&[(40, 120, "Bonjour")]));
}

/// The export panel offers "Captions beside the video" for a project with captions, writes the
/// chosen file beside the export (as `--captions-sidecar`), remembers the choice, and says in
/// one line when a format carries no track.
#[test]
fn the_panel_writes_the_captions_beside_the_video() {
    let (dir, project) = fixture(30);
    let data = tempfile::tempdir().unwrap();
    let save = dir.path().join("panel.mp4");
    let driver =
        webdriver::Driver::start_with_env(&[("XDG_DATA_HOME", data.path()), ("BAZAAR_EXPORT_SAVE_PATH", &save)]);
    let s = driver.session(Path::new(bin()), &[project.to_str().unwrap()], "");
    s.wait(30, "the project", |s| s.text("project-name").filter(|t| !t.is_empty()));
    s.open_export_panel();
    s.choose(&[("export-format", "gif"), ("export-quality", "low")]);
    s.wait(10, "the GIF's note", |s| s.text("export-captions").filter(|t| t.contains("gif carries no subtitle track")));
    s.choose(&[("export-format", "mp4"), ("export-captions-sidecar", "srt")]);
    s.wait_true(10, "the captions choice", "return !document.getElementById('export-captions-row').hidden && document.getElementById('export-captions').hidden;");
    s.click("export-confirm");
    s.wait(120, "the export to finish", |s| s.text("export-result"));
    let srt = std::fs::read_to_string(dir.path().join("panel.srt")).expect("the sidecar beside the video");
    assert!(srt.starts_with("1\n00:00:00,000 --> 00:00:00,250\nFirst line\n\n"), "{srt}");
    assert!(srt.contains("00:00:00,250 --> 00:00:00,777\nSecond & last\n") && srt.contains("Um dois"), "{srt}");
    // The track is in the video too.
    assert_eq!(cues(&save, 0), owned(WHOLE_EN));
    // Remembered for the next export.
    s.open_export_panel();
    let kept = s.js("return document.querySelector('[data-testid=export-captions-sidecar]').value;", json!([]));
    assert_eq!(kept, "srt");
}
