//! GIF chunks joined: one header (the first chunk's), every frame of every chunk in order, one
//! trailer. Each frame keeps its own palette and pixels; its delay is set again from its
//! absolute index ([`crate::encode::gif::frame_delay_cs`]), so centisecond rounding never drifts
//! at a chunk's edge and the whole lasts exactly the video's length.

use crate::encode::gif::frame_delay_cs;
use std::io::Write;

/// Where a GIF's parts are: the header (signature, screen, global colours, and the extensions
/// before the first frame) and the frames' bytes (up to the trailer).
struct Parts {
    header_end: usize,
    body_end: usize,
    /// Offsets of the delay field of each frame's graphic control extension.
    delays: Vec<usize>,
}

fn parts(gif: &[u8]) -> Result<Parts, String> {
    let bad = |why: &str| format!("not a GIF this app wrote ({why})");
    if gif.len() < 13 || !gif.starts_with(b"GIF89a") {
        return Err(bad("no GIF89a header"));
    }
    let flags = gif[10];
    let mut at = 13 + if flags & 0x80 != 0 { 3 << ((flags & 7) + 1) } else { 0 };
    let mut header_end = None;
    let mut delays = Vec::new();
    // Sub-blocks from `at` to their zero-length end.
    let skip_blocks = |mut at: usize| -> Result<usize, String> {
        loop {
            let len = *gif.get(at).ok_or_else(|| bad("cut short"))? as usize;
            at += 1 + len;
            if len == 0 {
                return Ok(at);
            }
        }
    };
    loop {
        match gif.get(at).copied() {
            Some(0x21) => {
                let label = *gif.get(at + 1).ok_or_else(|| bad("cut short"))?;
                if label == 0xF9 {
                    // Its one block is 4 bytes, the delay in the middle: any other size would
                    // put the delay field outside the block.
                    if gif.get(at + 2) != Some(&4) {
                        return Err(bad("damaged frame timing"));
                    }
                    header_end.get_or_insert(at);
                    delays.push(at + 4);
                } else if label != 0xFF {
                    header_end.get_or_insert(at);
                }
                at = skip_blocks(at + 2)?;
            }
            Some(0x2C) => {
                header_end.get_or_insert(at);
                let flags = *gif.get(at + 9).ok_or_else(|| bad("cut short"))?;
                at += 10 + if flags & 0x80 != 0 { 3 << ((flags & 7) + 1) } else { 0 };
                at = skip_blocks(at + 1)?; // the LZW code size, then the data
            }
            Some(0x3B) => {
                return Ok(Parts { header_end: header_end.unwrap_or(at), body_end: at, delays });
            }
            _ => return Err(bad("cut short or damaged")),
        }
        if at > gif.len() {
            return Err(bad("cut short"));
        }
    }
}

/// Joins `chunks` (each chunk's number K and its whole GIF file, in order; chunks that hold no
/// frames have no file and are not among them) into `out`; `fps` and `end_cs` (the video's
/// length in 1/100 s) set each frame's delay from its absolute index. Returns the frame count.
pub fn join(
    chunks: &[(u64, &[u8])],
    fps: u32,
    total_frames: u64,
    end_cs: u64,
    out: &mut impl Write,
) -> Result<u64, String> {
    let mut index = 0u64;
    for (i, (k, gif)) in chunks.iter().enumerate() {
        let p = parts(gif).map_err(|e| format!("chunk {k}: {e}"))?;
        let mut body = gif[p.header_end..p.body_end].to_vec();
        for d in &p.delays {
            let cs = frame_delay_cs(index, fps, total_frames, Some(end_cs)).to_le_bytes();
            let at = d - p.header_end;
            body[at..at + 2].copy_from_slice(&cs);
            index += 1;
        }
        if i == 0 {
            out.write_all(&gif[..p.header_end]).map_err(|e| e.to_string())?;
        }
        out.write_all(&body).map_err(|e| e.to_string())?;
    }
    out.write_all(&[0x3B]).map_err(|e| e.to_string())?;
    Ok(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A GIF header, its screen (no colour table), `body`, the trailer.
    fn gif(body: &[u8]) -> Vec<u8> {
        [b"GIF89a".as_slice(), &[1, 0, 1, 0, 0, 0, 0], body, &[0x3B]].concat()
    }

    #[test]
    fn a_frame_timing_block_of_another_size_is_refused_not_a_panic() {
        // A graphic control extension whose block is empty: its delay field would lie past it.
        let bad = gif(&[0x21, 0xF9, 0x00]);
        let e = join(&[(1, bad.as_slice())], 10, 1, 10, &mut Vec::new()).unwrap_err();
        assert!(e.contains("chunk 1: not a GIF this app wrote (damaged frame timing)"), "{e}");
        // A well-formed one still joins, its delay set from the frame's index.
        let good = gif(&[0x21, 0xF9, 0x04, 0, 0, 0, 0, 0x00]);
        let mut out = Vec::new();
        assert_eq!(join(&[(0, good.as_slice())], 10, 1, 10, &mut out), Ok(1));
        assert_eq!(out.len(), good.len());
    }
}
