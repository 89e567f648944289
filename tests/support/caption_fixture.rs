//! The caption-track tests' project (`caption_tracks.rs`, `caption_players.rs`): the indexed
//! fixture at 160×90, 30 fps, with an English SubRip carried as a track from frame 0 and a
//! Portuguese WebVTT from frame 6 (200 ms), and the cues a player must read from them.

use super::cli::repo;
use std::path::PathBuf;

pub const SRT: &str = "1\n00:00:00,000 --> 00:00:00,250\nFirst <i>line</i>\n\n2\n00:00:00,250 --> 00:00:00,777\nSecond & last\n\n3\n00:00:00,900 --> 00:00:00,950\nthree\n";
/// From frame 6 (200 ms): 100–900 ms of the file is 300–1100 ms of the video, cut at its end.
pub const VTT: &str = "WEBVTT\n\n00:00.100 --> 00:00.900\nUm <b>dois</b>\n";

/// The English track's cues over a 1-second export: start ms, end ms, text (unescaped).
pub const WHOLE_EN: &[(u64, u64, &str)] = &[(0, 250, "First line"), (250, 777, "Second & last"), (900, 950, "three")];
/// The Portuguese track's: moved by 200 ms and cut at the end.
pub const WHOLE_PT: &[(u64, u64, &str)] = &[(300, 1000, "Um dois")];

/// The project, `frames` frames long, its `captions` the two tracks followed by `more` (JSON
/// objects each led by a comma, or nothing).
pub fn fixture(frames: u32, more: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(repo("tests/fixtures/indexed/indexed.js"), dir.path().join("indexed.js")).unwrap();
    std::fs::create_dir(dir.path().join("captions")).unwrap();
    std::fs::write(dir.path().join("captions/voice.srt"), SRT).unwrap();
    std::fs::write(dir.path().join("captions/other.vtt"), VTT).unwrap();
    let path = dir.path().join("project.json");
    std::fs::write(
        &path,
        format!(
            r##"{{ "version": 1, "width": 160, "height": 90, "fps": 30, "compositions": {{ "Indexed": "./indexed.js" }},
  "captions": [
    {{ "src": "captions/voice.srt", "language": "en", "burn": false, "track": true }},
    {{ "src": "captions/other.vtt", "at": 6, "language": "pt-BR", "burn": false, "track": true }}{more} ],
  "scenes": [ {{ "composition": "Indexed", "durationInFrames": {frames}, "props": {{ "start": 0, "color": "#d02020" }} }} ] }}"##
        ),
    )
    .unwrap();
    (dir, path)
}
