//! Synthetic moving frames that carry their own index, for tests and benchmarks.
//!
//! The top band holds the frame index as 12 black/white squares (bit 11 first): large enough to
//! survive lossy encoding, so a decoded frame says which source frame it is. Below it, a
//! diagonal gradient scrolls and a coloured box moves, giving the encoder real motion.

pub const INDEX_BITS: u32 = 12;

/// An RGBA frame of `w×h` for `index`.
pub fn frame(index: u64, w: u32, h: u32) -> Vec<u8> {
    let (wu, hu) = (w as usize, h as usize);
    let mut px = vec![0u8; wu * hu * 4];
    let band = hu / 4;
    let cell = (wu / INDEX_BITS as usize).max(1);
    let (bx, by) = (((index * 7) % u64::from(w.max(1))) as usize, hu / 2);
    let bs = (hu / 5).max(2);
    for y in 0..hu {
        for x in 0..wu {
            let o = (y * wu + x) * 4;
            let rgb = if y < band {
                let bit = (x / cell) as u32;
                if bit < INDEX_BITS && (index >> (INDEX_BITS - 1 - bit)) & 1 == 1 {
                    [255, 255, 255]
                } else {
                    [0, 0, 0]
                }
            } else if x >= bx && x < bx + bs && y >= by && y < by + bs {
                [230, (40 + index * 3 % 150) as u8, 60]
            } else {
                let t = (x + y + index as usize * 4) % 512;
                let v = if t < 256 { t } else { 511 - t } as u8;
                [v / 2 + 40, v, 255 - v / 3]
            };
            px[o..o + 4].copy_from_slice(&[rgb[0], rgb[1], rgb[2], 255]);
        }
    }
    px
}

/// Reads the index back from a (possibly lossy) decoded frame of the same size.
pub fn read_index(rgba: &[u8], w: u32, h: u32) -> u64 {
    let (wu, hu) = (w as usize, h as usize);
    let cell = (wu / INDEX_BITS as usize).max(1);
    let y = hu / 8;
    (0..INDEX_BITS).fold(0u64, |acc, bit| {
        let x = bit as usize * cell + cell / 2;
        let o = (y * wu + x) * 4;
        let luma = (u32::from(rgba[o]) + u32::from(rgba[o + 1]) + u32::from(rgba[o + 2])) / 3;
        (acc << 1) | u64::from(luma > 127)
    })
}

/// Encodes `frames` frames of [`frame`] (`w×h`, each showing its index) with FFmpeg at `rate`
/// (`"30000/1001"`…), `extra` being FFmpeg's output options (codec, filters, a sound input…):
/// video clips for tests and benchmarks. FFmpeg must be installed.
pub fn encode_clip(
    out: &std::path::Path,
    w: u32,
    h: u32,
    rate: &str,
    frames: u64,
    extra: &[&str],
) -> Result<(), String> {
    use std::io::Write;
    let mut child = std::process::Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-y",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgba",
            "-s",
            &format!("{w}x{h}"),
            "-r",
            rate,
            "-i",
            "-",
        ])
        .args(extra)
        .args(["-pix_fmt", "yuv420p"])
        .arg(out)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run ffmpeg: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("ffmpeg has no input")?;
    for i in 0..frames {
        stdin.write_all(&frame(i, w, h)).map_err(|e| format!("ffmpeg stopped reading: {e}"))?;
    }
    drop(stdin);
    match child.wait() {
        Ok(s) if s.success() => Ok(()),
        _ => Err(format!("ffmpeg could not make {}", out.display())),
    }
}

/// FFmpeg's output options for a variable-frame-rate H.264 clip (in Matroska): gaps of 40 ms
/// plus 0, 7, 14 or 21 ms between frames, as a screen recorder leaves them.
pub const VFR_X264: &[&str] = &[
    "-vf",
    "settb=1/1000,setpts=(N*40+mod(N\\,4)*7)/1000/TB",
    "-fps_mode",
    "passthrough",
    "-enc_time_base",
    "1/1000",
    "-c:v",
    "libx264",
];

/// A clip's presentation times in seconds from its first frame, in order, as FFmpeg reads
/// them (the truth the frame rule is checked against).
pub fn presentation_times(path: &std::path::Path) -> Result<Vec<f64>, String> {
    let out = std::process::Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0", "-show_entries", "frame=pts_time", "-of", "csv=p=0"])
        .arg(path)
        .output()
        .map_err(|e| format!("cannot run ffprobe: {e}"))?;
    let mut t: Vec<f64> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.trim().trim_end_matches(',').parse().ok())
        .collect();
    t.sort_by(f64::total_cmp);
    let first = *t.first().ok_or_else(|| format!("{} has no frames", path.display()))?;
    Ok(t.iter().map(|x| x - first).collect())
}

/// The index of the frame the frame rule picks for `t` among presentation `times`: the
/// nearest, the earlier on a tie (within a microsecond), clamped to the clip.
pub fn nearest_frame(times: &[f64], t: f64) -> usize {
    let mut best = 0;
    for (k, &x) in times.iter().enumerate() {
        if (x - t).abs() < (times[best] - t).abs() - 1e-6 {
            best = k;
        }
    }
    best
}

/// Writes a 16-bit stereo WAV of `seconds` at `rate` whose samples are `f(t)` (t in seconds,
/// the same on both channels): sound fixtures for tests.
pub fn write_wav(path: &std::path::Path, rate: u32, seconds: f64, f: impl Fn(f64) -> f64) -> std::io::Result<()> {
    let n = (seconds * f64::from(rate)).round() as usize;
    let mut data = Vec::with_capacity(n * 4);
    for i in 0..n {
        let v = (f(i as f64 / f64::from(rate)).clamp(-1.0, 1.0) * 32767.0).round() as i16;
        data.extend(v.to_le_bytes());
        data.extend(v.to_le_bytes());
    }
    let mut out = b"RIFF".to_vec();
    out.extend((36 + data.len() as u32).to_le_bytes());
    out.extend(b"WAVEfmt ");
    for v in [16u32, 1 | (2 << 16), rate, rate * 4, 4 | (16 << 16)] {
        out.extend(v.to_le_bytes());
    }
    out.extend(b"data");
    out.extend((data.len() as u32).to_le_bytes());
    out.extend(data);
    std::fs::write(path, out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn index_round_trips() {
        for i in [0, 1, 5, 299, 4095] {
            assert_eq!(super::read_index(&super::frame(i, 320, 180), 320, 180), i);
        }
    }
}
