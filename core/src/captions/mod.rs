//! **Captions** (issue 33): subtitle files and word timings read into cues ([`Cue`]: SubRip,
//! WebVTT with its word time stamps, JSON word timings), the frame each shows on (the pinned
//! timing rule, [`cue::shown_on`]), and sidecar files beside an export ([`sidecar`]). A
//! project's `captions` list is checked in `project/caption_fields.rs`.

pub mod burn;
pub mod cue;
pub mod edit;
pub mod in_file;
pub mod sidecar;
mod srt;
mod track;
mod vtt;
mod words_json;

pub use cue::{shown_on, Cue, Word};
use std::path::Path;
pub use track::{CaptionStyle, CaptionStyleProps, CaptionTrack};

/// A caption file over this is not captions (a 3-hour film's SRT is ≈200 KB).
pub const MAX_CAPTION_BYTES: u64 = 10 * 1024 * 1024;

/// What is wrong in a caption file, and where: a line (1-based), or a JSON path for word timings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", match path { Some(p) => p.clone(), None => format!("line {line}") })]
pub struct CaptionError {
    pub line: usize,
    pub path: Option<String>,
    pub message: String,
}

impl CaptionError {
    pub(crate) fn at(line: usize, message: impl Into<String>) -> Self {
        Self { line, path: None, message: message.into() }
    }

    pub(crate) fn path(path: &str, message: impl Into<String>) -> Self {
        Self { line: 0, path: Some(path.to_string()), message: message.into() }
    }
}

/// The kinds of caption file, by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptionFile {
    Srt,
    Vtt,
    WordsJson,
}

impl CaptionFile {
    pub fn from_path(path: &Path) -> Option<Self> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "srt" => Some(Self::Srt),
            "vtt" => Some(Self::Vtt),
            "json" => Some(Self::WordsJson),
            _ => None,
        }
    }
}

/// Reads and parses a caption file (at most [`MAX_CAPTION_BYTES`], UTF-8 with or without BOM,
/// CRLF or LF). The message names what is wrong and where; the caller adds the file.
pub fn load(path: &Path) -> Result<Vec<Cue>, String> {
    let kind = CaptionFile::from_path(path)
        .ok_or("is not a caption file: name it .srt (SubRip), .vtt (WebVTT) or .json (word timings)")?;
    let bytes = crate::input_file::read_regular(path, MAX_CAPTION_BYTES).map_err(|e| e.to_string())?;
    let text = text_of(&bytes)?;
    match kind {
        CaptionFile::Srt => srt::parse(&text),
        CaptionFile::Vtt => vtt::parse(&text),
        CaptionFile::WordsJson => words_json::parse(&text),
    }
    .map_err(|e| e.to_string())
}

/// The file's text: UTF-8 (a BOM dropped), CR LF and lone CR as LF; anything else refused
/// naming the line of the first bad byte.
fn text_of(bytes: &[u8]) -> Result<String, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count() + 1;
        format!("line {line}: is not UTF-8 text (save the file as UTF-8)")
    })?;
    if let Some(at) = text.find('\0') {
        let line = text[..at].matches('\n').count() + 1;
        return Err(format!("line {line}: holds a NUL byte: this is not a text file"));
    }
    Ok(text.replace("\r\n", "\n").replace('\r', "\n"))
}

/// A cue's text as shown: markup tags (`<i>`, `<c.yellow>`, `<v Ann>`, time stamps) dropped,
/// the entities subtitle files use decoded, line breaks kept.
pub(crate) fn plain_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for ch in s.chars() {
        match (ch, in_tag) {
            ('<', _) => in_tag = true,
            ('>', true) => in_tag = false,
            (_, false) => out.push(ch),
            _ => {}
        }
    }
    let out = out.replace("&lt;", "<").replace("&gt;", ">").replace("&nbsp;", "\u{a0}").replace("&amp;", "&");
    out.lines().map(str::trim).collect::<Vec<_>>().join("\n").trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_read_whatever_their_line_ends_and_bom() {
        let dir = tempfile::tempdir().unwrap();
        let srt = dir.path().join("a.srt");
        std::fs::write(&srt, b"\xEF\xBB\xBF1\r\n00:00:00,000 --> 00:00:01,000\r\nA &amp; B\r\n\r\n").unwrap();
        let cues = load(&srt).unwrap();
        assert_eq!((cues.len(), cues[0].text.as_str()), (1, "A & B"));
        let bad = dir.path().join("b.srt");
        std::fs::write(&bad, b"1\n00:00:00,000 --> 00:00:01,000\n\xff\xfe\n").unwrap();
        assert_eq!(load(&bad).unwrap_err(), "line 3: is not UTF-8 text (save the file as UTF-8)");
        let nul = dir.path().join("c.vtt");
        std::fs::write(&nul, b"WEBVTT\n\n\0").unwrap();
        assert!(load(&nul).unwrap_err().contains("NUL"));
        assert!(load(&dir.path().join("d.txt")).unwrap_err().contains("is not a caption file"));
        let big = dir.path().join("e.srt");
        std::fs::write(&big, vec![b'a'; MAX_CAPTION_BYTES as usize + 1]).unwrap();
        assert!(load(&big).is_err());
    }
}
