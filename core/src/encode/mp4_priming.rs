//! AAC's priming in an MP4. The AAC encoder puts 1024 silent samples before the sound, and
//! GStreamer 1.22's mp4mux writes the sound track's edit list as "play from media time 0", so
//! every player starts with that silence and the sound is ≈21 ms late. This rewrites the edit
//! in place, before the file is committed, to start after the priming and last exactly as long
//! as the mix: the signalling FFmpeg's own MP4 writer uses, honoured by FFmpeg, GStreamer,
//! browsers and QuickTime. Nothing moves in the file: one 12- or 20-byte entry changes.
//!
//! The track's and the movie's durations keep the media's length (a container may so report
//! ≈21 ms more than the picture): set to the edit's, GStreamer's demuxer then ends the sound
//! one AAC frame early (measured), which is worse than a header that rounds up.

use super::audio_input::RATE;
use std::fs::OpenOptions;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// A `moov` larger than this is not one mp4mux wrote for us.
const MAX_MOOV: u64 = 256 << 20;

/// Makes the sound track of the MP4 at `path` skip `priming` samples and play `frames`
/// (both at the mix's rate).
pub fn skip_priming(path: &Path, priming: u64, frames: u64) -> Result<(), String> {
    // O_NOFOLLOW: `path` is a temp file this process created; a link swapped in is not written through.
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
        .map_err(|e| e.to_string())?;
    let len = file.metadata().map_err(|e| e.to_string())?.len();
    let (at, size) = find_top_level(&mut file, len, b"moov")?.ok_or("the file has no index (moov)")?;
    if size > MAX_MOOV {
        return Err(format!("the file's index is {size} bytes"));
    }
    let mut moov = vec![0u8; size as usize];
    file.seek(SeekFrom::Start(at)).map_err(|e| e.to_string())?;
    file.read_exact(&mut moov).map_err(|e| e.to_string())?;
    patch_moov(&mut moov, priming, frames)?;
    file.seek(SeekFrom::Start(at)).map_err(|e| e.to_string())?;
    file.write_all(&moov).map_err(|e| e.to_string())
}

/// The offset and size of the first top-level box of type `kind`.
fn find_top_level(file: &mut std::fs::File, len: u64, kind: &[u8; 4]) -> Result<Option<(u64, u64)>, String> {
    let mut at = 0u64;
    while at + 8 <= len {
        let mut head = [0u8; 16];
        file.seek(SeekFrom::Start(at)).map_err(|e| e.to_string())?;
        file.read_exact(&mut head[..8]).map_err(|e| e.to_string())?;
        let mut size = u64::from(u32::from_be_bytes([head[0], head[1], head[2], head[3]]));
        if size == 1 {
            file.read_exact(&mut head[8..]).map_err(|e| e.to_string())?;
            size = u64::from_be_bytes(head[8..16].try_into().map_err(|_| "bad box size")?);
        } else if size == 0 {
            size = len - at;
        }
        if size < 8 {
            return Err(format!("a box at byte {at} has size {size}"));
        }
        if &head[4..8] == kind {
            return Ok(Some((at, size)));
        }
        at += size;
    }
    Ok(None)
}

/// The child boxes of `data[range]`: (type, payload start, end).
fn children(data: &[u8], start: usize, end: usize) -> Vec<([u8; 4], usize, usize)> {
    let mut out = Vec::new();
    let mut at = start;
    while at + 8 <= end {
        let size = u32::from_be_bytes([data[at], data[at + 1], data[at + 2], data[at + 3]]) as usize;
        if size < 8 || at + size > end {
            break;
        }
        let kind = [data[at + 4], data[at + 5], data[at + 6], data[at + 7]];
        out.push((kind, at + 8, at + size));
        at += size;
    }
    out
}

fn child(data: &[u8], start: usize, end: usize, kind: &[u8; 4]) -> Option<(usize, usize)> {
    children(data, start, end).into_iter().find(|(k, _, _)| k == kind).map(|(_, s, e)| (s, e))
}

fn be32(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?))
}

/// A full box's timescale (`mvhd`, `mdhd`): after version/flags and two times of 4 or 8 bytes.
fn timescale(data: &[u8], payload: usize) -> Option<u64> {
    let v1 = *data.get(payload)? == 1;
    be32(data, payload + if v1 { 20 } else { 12 }).map(u64::from)
}

fn patch_moov(moov: &mut [u8], priming: u64, frames: u64) -> Result<(), String> {
    let end = moov.len();
    let (mvhd, _) = child(moov, 8, end, b"mvhd").ok_or("the index has no movie header")?;
    let movie_scale = timescale(moov, mvhd).filter(|&t| t > 0).ok_or("the movie header has no timescale")?;
    for (kind, start, stop) in children(moov, 8, end) {
        if &kind != b"trak" {
            continue;
        }
        let Some((mdia, mdia_end)) = child(moov, start, stop, b"mdia") else { continue };
        let is_sound = child(moov, mdia, mdia_end, b"hdlr").and_then(|(h, _)| moov.get(h + 8..h + 12)) == Some(b"soun");
        if !is_sound {
            continue;
        }
        let media_scale = child(moov, mdia, mdia_end, b"mdhd")
            .and_then(|(m, _)| timescale(moov, m))
            .filter(|&t| t > 0)
            .ok_or("the sound track has no timescale")?;
        let (edts, edts_end) = child(moov, start, stop, b"edts").ok_or("the sound track has no edit list")?;
        let (elst, elst_end) = child(moov, edts, edts_end, b"elst").ok_or("the sound track has no edit list")?;
        let v1 = moov[elst] == 1;
        let entries = be32(moov, elst + 4).ok_or("the edit list is cut short")? as usize;
        let entry_size = if v1 { 20 } else { 12 };
        if entries == 0 || elst + 8 + entries * entry_size > elst_end {
            return Err("the sound track's edit list is empty".into());
        }
        // The last entry is the one that plays media (an empty edit, if any, comes first).
        let e = elst + 8 + (entries - 1) * entry_size;
        let duration = (u128::from(frames) * u128::from(movie_scale) + u128::from(RATE) / 2) / u128::from(RATE);
        let media_time = u128::from(priming) * u128::from(media_scale) / u128::from(RATE);
        if v1 {
            moov[e..e + 8].copy_from_slice(&(duration as u64).to_be_bytes());
            moov[e + 8..e + 16].copy_from_slice(&(media_time as i64).to_be_bytes());
        } else {
            let d = u32::try_from(duration).map_err(|_| "the sound is too long for this edit list")?;
            let m = i32::try_from(media_time).map_err(|_| "the priming is too long")?;
            moov[e..e + 4].copy_from_slice(&d.to_be_bytes());
            moov[e + 4..e + 8].copy_from_slice(&m.to_be_bytes());
        }
        return Ok(());
    }
    Err("the file has no sound track".into())
}
