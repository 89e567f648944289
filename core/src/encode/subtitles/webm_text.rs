//! A WebM text track made WebVTT in place: webmmux wrote it as `S_TEXT/UTF8` with a reserved
//! CodecPrivate (see [`super`]); its entry is rewritten to the same size with CodecID
//! `D_WEBVTT/SUBTITLES`, `LanguageBCP47` and a Void where the reserve was. Only the entries
//! holding our reserve are touched; the blocks (the cue text) are WebVTT's payload as they are.

use crate::encode::webm_alpha::ebml::{self, id};
use std::fs::OpenOptions;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Starts the reserve; the track's BCP 47 tag follows it.
const MARK: &[u8] = b"bazaar-export:webvtt:";
/// Bytes reserved: more than the entry grows by (CodecID +7, LanguageBCP47 ≤ 4 + 35).
const RESERVE: usize = 96;
/// The Segment's head (SeekHead, Info, Tracks) is read up to this much.
const HEAD_BYTES: u64 = 1 << 20;
const VOID: u32 = 0xEC;
const LANGUAGE_BCP47: u32 = 0x22_B59D;
const CODEC_ID: &str = "D_WEBVTT/SUBTITLES";

/// A cue as a `D_WEBVTT` block holds it: the identifier line, the settings line (both empty),
/// then the cue's text escaped as WebVTT wants it.
pub fn block_text(text: &str) -> String {
    format!("\n\n{}", crate::captions::sidecar::escape_vtt(text))
}

/// The CodecPrivate a WebVTT track is muxed with: the mark, its BCP 47 tag, padding.
pub fn reserve(language: &str) -> Vec<u8> {
    let mut r = [MARK, language.as_bytes(), b";"].concat();
    r.resize(RESERVE.max(r.len()), b' ');
    r
}

/// Rewrites every reserved text track of the WebM at `path` as WebVTT (see the module).
pub fn to_webvtt(path: &Path) -> Result<(), String> {
    let why = |e: std::io::Error| format!("the subtitle track could not be written: {e}");
    // O_NOFOLLOW: `path` is a temp file this process made; a link swapped in is not written through.
    let mut file = OpenOptions::new().read(true).write(true).custom_flags(libc::O_NOFOLLOW).open(path).map_err(why)?;
    let mut head = Vec::new();
    (&mut file).take(HEAD_BYTES).read_to_end(&mut head).map_err(why)?;
    if rewrite_head(&mut head)? {
        file.seek(SeekFrom::Start(0)).map_err(why)?;
        file.write_all(&head).map_err(why)?;
    }
    Ok(())
}

/// Rewrites the reserved entries in `head` (the file's first bytes); whether any was found.
fn rewrite_head(head: &mut [u8]) -> Result<bool, String> {
    let bad = || "the WebM's header is not as webmmux writes it".to_string();
    let (_, ebml_at) = element(head, 0).ok_or_else(bad)?;
    let (seg, mut at) = header(head, ebml_at.1).ok_or_else(bad)?;
    if seg != id::SEGMENT {
        return Err(bad());
    }
    let mut changed = false;
    while let Some((child, (start, end))) = element(head, at) {
        if child == id::CLUSTER {
            break;
        }
        if child == id::TRACKS {
            let mut entry_at = start;
            while let Some((eid, (s, e))) = element(head, entry_at) {
                if eid == id::TRACK_ENTRY {
                    changed |= rewrite_entry(&mut head[s..e]);
                }
                entry_at = e;
            }
        }
        at = end;
    }
    Ok(changed)
}

/// Rewrites one TrackEntry's payload to the same length, if it holds our reserve.
fn rewrite_entry(payload: &mut [u8]) -> bool {
    let mut kept = Vec::new();
    let mut language = None;
    let mut at = 0;
    while let Some((eid, (s, e))) = element(payload, at) {
        match eid {
            id::CODEC_PRIVATE if payload[s..e].starts_with(MARK) => {
                let rest = &payload[s + MARK.len()..e];
                let tag = rest.split(|&b| b == b';').next().unwrap_or_default();
                language = Some(String::from_utf8_lossy(tag).into_owned());
            }
            id::CODEC_ID | id::CODEC_PRIVATE | VOID => {}
            _ => kept.extend_from_slice(&payload[at..e]),
        }
        at = e;
    }
    let Some(language) = language else { return false };
    ebml::string(&mut kept, id::CODEC_ID, CODEC_ID);
    ebml::string(&mut kept, LANGUAGE_BCP47, &language);
    let Some(void) = void(payload.len().saturating_sub(kept.len())) else { return false };
    kept.extend_from_slice(&void);
    if kept.len() != payload.len() {
        return false;
    }
    payload.copy_from_slice(&kept);
    true
}

/// A Void element exactly `len` bytes long (0: none; 1 cannot be made).
fn void(len: usize) -> Option<Vec<u8>> {
    let mut v = Vec::with_capacity(len);
    match len {
        0 => {}
        1 => return None,
        2..=128 => v.extend_from_slice(&[0xEC, 0x80 | (len - 2) as u8]),
        _ => {
            let n = len - 3;
            if n >= 0x3FFF {
                return None;
            }
            v.extend_from_slice(&[0xEC, 0x40 | (n >> 8) as u8, n as u8]);
        }
    }
    v.resize(len, 0);
    Some(v)
}

/// The element at `at`: its ID, and where its payload starts and ends (within `buf`).
fn element(buf: &[u8], at: usize) -> Option<(u32, (usize, usize))> {
    let n = id_len(buf.get(at)?)?;
    let eid = buf.get(at..at + n)?.iter().fold(0u32, |a, &b| a << 8 | u32::from(b));
    let (size, len) = vint(buf, at + n)?;
    let start = at + n + len;
    let end = start.checked_add(usize::try_from(size).ok()?)?;
    (end <= buf.len()).then_some((eid, (start, end)))
}

/// An element's ID and where its payload starts (its size may say "unknown").
fn header(buf: &[u8], at: usize) -> Option<(u32, usize)> {
    let n = id_len(buf.get(at)?)?;
    let eid = buf.get(at..at + n)?.iter().fold(0u32, |a, &b| a << 8 | u32::from(b));
    let (_, len) = vint(buf, at + n)?;
    Some((eid, at + n + len))
}

fn id_len(first: &u8) -> Option<usize> {
    let n = first.leading_zeros() as usize + 1;
    (n <= 4).then_some(n)
}

/// A size: its value and its length in bytes.
fn vint(buf: &[u8], at: usize) -> Option<(u64, usize)> {
    let first = *buf.get(at)?;
    let n = first.leading_zeros() as usize + 1;
    if n > 8 {
        return None;
    }
    let mut v = u64::from(first) & (0xFF >> n);
    for &b in buf.get(at + 1..at + n)? {
        v = v << 8 | u64::from(b);
    }
    Some((v, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_keeps_its_size_and_becomes_webvtt() {
        let mut entry = Vec::new();
        ebml::uint(&mut entry, id::TRACK_NUMBER, 2);
        ebml::uint(&mut entry, id::TRACK_TYPE, 17);
        ebml::string(&mut entry, id::CODEC_ID, "S_TEXT/UTF8");
        ebml::binary(&mut entry, id::CODEC_PRIVATE, &reserve("pt-BR"));
        let len = entry.len();
        assert!(rewrite_entry(&mut entry));
        assert_eq!(entry.len(), len);
        let text = String::from_utf8_lossy(&entry);
        assert!(text.contains(CODEC_ID) && text.contains("pt-BR") && !text.contains("S_TEXT"), "{text}");
        // Every byte is an element: the Void fills the rest exactly.
        let mut at = 0;
        while let Some((_, (_, e))) = element(&entry, at) {
            at = e;
        }
        assert_eq!(at, len);
        // An entry without our reserve is left alone.
        let mut other = entry.clone();
        assert!(!rewrite_entry(&mut other));
        for n in [0, 2, 3, 128, 129, 300] {
            assert_eq!(void(n).map(|v| v.len()), Some(n));
        }
        assert_eq!(void(1), None);
    }
}
