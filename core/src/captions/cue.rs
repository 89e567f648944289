//! A caption cue and its words, the timing rule that decides which frames show them, and the
//! `HH:MM:SS,mmm` / `HH:MM:SS.mmm` timestamps subtitle files write.

use serde::Serialize;

/// One cue: a line or two of text shown from `start_ms` to `end_ms`, and its words' own times
/// when the file gives them (WebVTT's in-cue timestamps, JSON word timings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Cue {
    pub start_ms: u64,
    pub end_ms: u64,
    pub text: String,
    pub words: Vec<Word>,
    /// The line of the file where the cue starts (1-based), for messages.
    #[serde(skip)]
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Word {
    pub text: String,
    pub start_ms: u64,
    pub end_ms: u64,
}

/// The timing rule (issue 33, pinned): a cue or word is shown on project frame `frame` when
/// `start_ms ≤ (frame − at) / fps · 1000 < end_ms`, with `at` the project frame where the
/// file's time 0 falls. Exact in integers (both sides times `fps`): no frame is lost or shown
/// twice to rounding.
pub fn shown_on(frame: u64, at: u64, fps: u32, start_ms: u64, end_ms: u64) -> bool {
    let Some(since) = frame.checked_sub(at) else {
        return false;
    };
    let t = u128::from(since) * 1000;
    let fps = u128::from(fps.max(1));
    u128::from(start_ms) * fps <= t && t < u128::from(end_ms) * fps
}

/// `HH:MM:SS,mmm` (SubRip) or `HH:MM:SS.mmm` (WebVTT; its hours may be left out, `MM:SS.mmm`)
/// as milliseconds; `None` for anything else.
pub fn parse_timestamp(s: &str, separator: char) -> Option<u64> {
    let (clock, millis) = s.trim().split_once(separator)?;
    if millis.len() != 3 || !millis.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let parts: Vec<&str> = clock.split(':').collect();
    let (h, m, sec) = match parts.as_slice() {
        [h, m, s] => (*h, *m, *s),
        [m, s] if separator == '.' => ("0", *m, *s),
        _ => return None,
    };
    let number = |x: &str, max: u64| -> Option<u64> {
        (!x.is_empty() && x.bytes().all(|b| b.is_ascii_digit()) && x.len() <= 9)
            .then(|| x.parse::<u64>().ok())
            .flatten()
            .filter(|n| *n <= max)
    };
    if m.len() != 2 || sec.len() != 2 || h.len() < 2 && parts.len() == 3 {
        return None;
    }
    let (h, m, sec) = (number(h, 999_999)?, number(m, 59)?, number(sec, 59)?);
    Some(((h * 60 + m) * 60 + sec) * 1000 + millis.parse::<u64>().ok()?)
}

/// Milliseconds as `HH:MM:SS<sep>mmm`.
pub fn format_timestamp(ms: u64, separator: char) -> String {
    let (h, m, s, f) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    format!("{h:02}:{m:02}:{s:02}{separator}{f:03}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_timing_rule_is_exact_at_the_edges() {
        // 30 fps: frame 3 is at 100 ms exactly, so a cue from 100 to 200 ms shows frames 3–5.
        let shown: Vec<u64> = (0..10).filter(|&f| shown_on(f, 0, 30, 100, 200)).collect();
        assert_eq!(shown, [3, 4, 5]);
        // Shifted by `at`: nothing before it.
        let shown: Vec<u64> = (0..12).filter(|&f| shown_on(f, 5, 30, 0, 100)).collect();
        assert_eq!(shown, [5, 6, 7]);
        // 29.97-like rates are whole fps here; 24 fps: 1000/24 ms a frame.
        let shown: Vec<u64> = (0..30).filter(|&f| shown_on(f, 0, 24, 500, 1000)).collect();
        assert_eq!(shown, (12..24).collect::<Vec<_>>());
    }

    #[test]
    fn timestamps_read_and_write() {
        assert_eq!(parse_timestamp("00:01:02,345", ','), Some(62_345));
        assert_eq!(parse_timestamp("01:00:00.000", '.'), Some(3_600_000));
        assert_eq!(parse_timestamp("02:03.004", '.'), Some(123_004));
        for bad in ["00:01:02.345", "00:61:00,000", "0:0:0,1", "aa:00:00,000", "00:00:00,0000", "00:00,000"] {
            assert_eq!(parse_timestamp(bad, ','), None, "{bad}");
        }
        assert_eq!(format_timestamp(62_345, ','), "00:01:02,345");
        assert_eq!(format_timestamp(3_600_000 * 11 + 5, '.'), "11:00:00.005");
    }
}
