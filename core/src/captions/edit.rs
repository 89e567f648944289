//! The window's caption table: a caption file's rows (a cue of a SubRip or WebVTT file, a word
//! of JSON word timings) with their times and text, and one row's text changed and saved back.
//!
//! Only that row's text changes: every other byte (other cues' times and text, numbering, notes,
//! line endings, a JSON file's layout) stays as written. A WebVTT cue keeps its word time stamps
//! when the new text has as many words. The save is the props panel's
//! ([`crate::project::edit::save_edited`]): atomic, with a backup if the file changed on disk
//! since the table was read.

use super::cue::format_timestamp;
use super::{srt, text_of, vtt, CaptionFile, MAX_CAPTION_BYTES};
use crate::project::edit::{refused, save_edited, span, stamp, EditError, Saved};
use serde::Serialize;
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Row {
    pub start_ms: u64,
    pub end_ms: u64,
    pub text: String,
}

/// A caption file as the table shows it, with its stamp for the save.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Table {
    pub rows: Vec<Row>,
    pub stamp: String,
}

/// The rows of the caption file `path`.
pub fn table(path: &Path) -> Result<Table, String> {
    let kind = kind(path)?;
    let bytes = crate::input_file::read_regular(path, MAX_CAPTION_BYTES).map_err(|e| e.to_string())?;
    let rows = rows(kind, &bytes)?;
    Ok(Table { rows, stamp: stamp(&bytes) })
}

/// Sets the text of row `row` of `path` to `text` and saves (see the module's comment).
/// `read_stamp`: [`Table::stamp`] when the table was read.
pub fn save_row(path: &Path, row: usize, text: &str, read_stamp: &str) -> Result<Saved, EditError> {
    let kind = kind(path).map_err(|what| refused(path, what))?;
    save_edited(path, read_stamp, MAX_CAPTION_BYTES, |bytes| {
        let edited = set_row(kind, bytes, row, text).map_err(|what| refused(path, what))?;
        // Never save a file the project could not read back.
        rows(kind, edited.as_bytes()).map_err(|e| refused(path, format!("the edit would break the file ({e})")))?;
        Ok(edited)
    })
}

fn kind(path: &Path) -> Result<CaptionFile, String> {
    CaptionFile::from_path(path).ok_or_else(|| "is not a caption file (.srt, .vtt or .json)".to_string())
}

fn rows(kind: CaptionFile, bytes: &[u8]) -> Result<Vec<Row>, String> {
    let text = text_of(bytes)?;
    let row = |start_ms, end_ms, text: &str| Row { start_ms, end_ms, text: text.to_string() };
    match kind {
        CaptionFile::Srt => Ok(srt::parse(&text)
            .map_err(|e| e.to_string())?
            .iter()
            .map(|c| row(c.start_ms, c.end_ms, &c.text))
            .collect()),
        CaptionFile::Vtt => Ok(vtt::parse(&text)
            .map_err(|e| e.to_string())?
            .iter()
            .map(|c| row(c.start_ms, c.end_ms, &c.text))
            .collect()),
        CaptionFile::WordsJson => {
            super::words_json::parse(&text).map_err(|e| e.to_string())?;
            let items: Vec<serde_json::Value> = serde_json::from_str(&text).map_err(|e| e.to_string())?;
            let ms = |v: &serde_json::Value, k: &str| v[k].as_f64().map_or(0, |x| x.round() as u64);
            Ok(items.iter().map(|w| row(ms(w, "startMs"), ms(w, "endMs"), w["text"].as_str().unwrap_or(""))).collect())
        }
    }
}

/// The file's text with row `row`'s text replaced.
fn set_row(kind: CaptionFile, bytes: &[u8], row: usize, text: &str) -> Result<String, String> {
    let raw = std::str::from_utf8(bytes).map_err(|_| "the file is not UTF-8 text".to_string())?;
    let lines: Vec<&str> = text.lines().map(str::trim_end).filter(|l| !l.trim().is_empty()).collect();
    if lines.is_empty() {
        return Err("a caption needs some text (to remove it, edit the file itself)".into());
    }
    if kind == CaptionFile::WordsJson {
        let doc = span::parse(raw.trim_start_matches('\u{feff}')).ok_or("the file is not valid JSON")?;
        let bom = raw.len() - raw.trim_start_matches('\u{feff}').len();
        let item = doc.items().get(row).ok_or(format!("the file has no word {}", row + 1))?;
        let old = item.member("text").ok_or(format!("word {} has no text", row + 1))?;
        let new = serde_json::to_string(&lines.join(" ")).map_err(|e| e.to_string())?;
        return Ok(format!("{}{new}{}", &raw[..bom + old.start], &raw[bom + old.end..]));
    }
    // Cues by the parser, on the text as it reads it (CR LF as LF): line numbers match the raw
    // file's lines unless it uses lone CRs, which are rewritten as LF.
    let normal = text_of(bytes)?;
    let cues =
        if kind == CaptionFile::Srt { srt::parse(&normal) } else { vtt::parse(&normal) }.map_err(|e| e.to_string())?;
    let cue = cues.get(row).ok_or(format!("the file has no cue {}", row + 1))?;
    let source = if raw.contains('\r') && !raw.contains("\r\n") { normal.as_str() } else { raw };
    let mut file_lines: Vec<&str> = source.split_inclusive('\n').collect();
    let timing = (cue.line.saturating_sub(1)..file_lines.len())
        .find(|&i| file_lines[i].contains("-->"))
        .ok_or(format!("cue {} has no time line", row + 1))?;
    let body_end =
        (timing + 1..file_lines.len()).find(|&i| file_lines[i].trim().is_empty()).unwrap_or(file_lines.len());
    let eol = if file_lines[timing].ends_with("\r\n") { "\r\n" } else { "\n" };
    let mut body: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    if kind == CaptionFile::Vtt {
        body = body.iter().map(|l| escape_vtt(l)).collect();
        let words: Vec<&str> = lines.iter().flat_map(|l| l.split_whitespace()).collect();
        if cue.words.len() > 1 && words.len() == cue.words.len() {
            body = timed_words(&lines, &cue.words);
        }
    }
    // The last line keeps the file's own ending (none at the end of a file without one).
    let last_end = if body_end < file_lines.len() || file_lines[body_end - 1].ends_with('\n') { eol } else { "" };
    let replacement = body.join(eol) + last_end;
    let mut out: String = file_lines[..=timing].concat();
    out.push_str(&replacement);
    file_lines.drain(..body_end);
    out.push_str(&file_lines.concat());
    Ok(out)
}

/// WebVTT text: `&`, `<` and `>` written as entities.
fn escape_vtt(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The new words with the cue's word time stamps before each but the first (one word each).
fn timed_words(lines: &[&str], words: &[super::Word]) -> Vec<String> {
    let mut k = 0;
    lines
        .iter()
        .map(|l| {
            l.split_whitespace()
                .map(|w| {
                    let stamp =
                        if k == 0 { String::new() } else { format!("<{}>", format_timestamp(words[k].start_ms, '.')) };
                    k += 1;
                    format!("{stamp}{}", escape_vtt(w))
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table_of(name: &str, text: &str) -> (tempfile::TempDir, std::path::PathBuf, Table) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let t = table(&path).unwrap();
        (dir, path, t)
    }

    #[test]
    fn a_subrip_cue_is_fixed_and_every_other_byte_kept() {
        let srt = "1\r\n00:00:00,000 --> 00:00:00,500\r\nFirst <i>line</i>\r\n\r\n2\r\n00:00:00,500 --> 00:00:01,000\r\nSeocnd & last\r\nof two\r\n";
        let (_d, path, t) = table_of("v.srt", srt);
        assert_eq!(t.rows[1], Row { start_ms: 500, end_ms: 1000, text: "Seocnd & last\nof two".into() });
        let saved = save_row(&path, 1, "Second & last", &t.stamp).unwrap();
        assert_eq!(saved.backup, None);
        let want = "1\r\n00:00:00,000 --> 00:00:00,500\r\nFirst <i>line</i>\r\n\r\n2\r\n00:00:00,500 --> 00:00:01,000\r\nSecond & last\r\n";
        assert_eq!(std::fs::read_to_string(&path).unwrap(), want);
        assert!(save_row(&path, 5, "x", &stamp(want.as_bytes())).is_err());
        assert!(save_row(&path, 0, "  \n", &stamp(want.as_bytes())).is_err());
    }

    #[test]
    fn a_webvtt_cue_keeps_its_word_time_stamps_and_a_changed_file_is_backed_up() {
        let vtt = "WEBVTT\n\nNOTE kept\n\n00:00.100 --> 00:00.900\nOne <00:00:00.400>tow <00:00:00.600>three\n\n00:01.000 --> 00:02.000\nNext\n";
        let (_d, path, t) = table_of("w.vtt", vtt);
        assert_eq!(t.rows[0].text, "One tow three");
        // Changed on disk since the table was read: the version on disk is kept as a backup.
        let changed = vtt.replace("Next", "Next one");
        std::fs::write(&path, &changed).unwrap();
        let saved = save_row(&path, 0, "One two three", &t.stamp).unwrap();
        assert_eq!(std::fs::read_to_string(saved.backup.unwrap()).unwrap(), changed);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), changed.replace("tow", "two"));
        // Another number of words: plain text, escaped.
        let now = std::fs::read(&path).unwrap();
        save_row(&path, 0, "One & two & three", &stamp(&now)).unwrap();
        assert!(std::fs::read_to_string(&path)
            .unwrap()
            .contains("\n00:00.100 --> 00:00.900\nOne &amp; two &amp; three\n\n"));
    }

    #[test]
    fn a_word_of_json_timings_is_fixed_in_place() {
        let json = "[\n  {\"text\": \"Helo\", \"startMs\": 0, \"endMs\": 400},\n  {\"text\": \" world\", \"startMs\": 400, \"endMs\": 900}\n]\n";
        let (_d, path, t) = table_of("w.json", json);
        assert_eq!(t.rows[0], Row { start_ms: 0, end_ms: 400, text: "Helo".into() });
        save_row(&path, 0, "Hello \"you\"", &t.stamp).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), json.replace("\"Helo\"", "\"Hello \\\"you\\\"\""));
    }
}
