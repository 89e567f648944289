//! WebVTT (`.vtt`): the `WEBVTT` header, cues `MM:SS.mmm --> MM:SS.mmm [settings]`, their text,
//! and the in-cue word timestamps (`Hello <00:00:01.200>world`) that give each word its time.
//! `NOTE`, `STYLE` and `REGION` blocks are skipped.

use super::cue::{parse_timestamp, Cue, Word};
use super::{plain_text, CaptionError};

pub fn parse(text: &str) -> Result<Vec<Cue>, CaptionError> {
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim_end())).peekable();
    match lines.next() {
        Some((_, first)) if first == "WEBVTT" || first.starts_with("WEBVTT ") || first.starts_with("WEBVTT\t") => {}
        _ => return Err(CaptionError::at(1, "a WebVTT file starts with the line WEBVTT")),
    }
    // The header's other lines, up to the first blank line.
    while lines.peek().is_some_and(|(_, l)| !l.is_empty()) {
        lines.next();
    }
    let mut cues = Vec::new();
    loop {
        while lines.peek().is_some_and(|(_, l)| l.trim().is_empty()) {
            lines.next();
        }
        let Some((n, first)) = lines.next() else { break };
        let mut block = vec![(n, first)];
        while let Some((m, l)) = lines.peek().copied() {
            if l.trim().is_empty() {
                break;
            }
            block.push((m, l));
            lines.next();
        }
        if ["NOTE", "STYLE", "REGION"].iter().any(|k| first == *k || first.starts_with(&format!("{k} "))) {
            continue;
        }
        // An optional cue identifier, then the timing line.
        let at = usize::from(!first.contains("-->"));
        let Some(&(tn, timing)) = block.get(at) else {
            return Err(CaptionError::at(n, format!("the cue {first:?} has no time line")));
        };
        let (start, end) = times(timing, tn)?;
        let body: Vec<&str> = block[at + 1..].iter().map(|(_, l)| *l).collect();
        let raw = body.join("\n");
        let words = word_times(&raw, (start, end), tn)?;
        cues.push(Cue { start_ms: start, end_ms: end, text: plain_text(&raw), words, line: tn });
    }
    Ok(cues)
}

fn times(line: &str, n: usize) -> Result<(u64, u64), CaptionError> {
    let (a, b) = line.split_once("-->").ok_or_else(|| {
        CaptionError::at(n, format!("expected a time line like 00:01.000 --> 00:02.500, found {line:?}"))
    })?;
    let b = b.split_whitespace().next().unwrap_or("");
    let parse = |s: &str| {
        parse_timestamp(s, '.').ok_or_else(|| {
            CaptionError::at(n, format!("{:?} is not a WebVTT time (HH:MM:SS.mmm or MM:SS.mmm)", s.trim()))
        })
    };
    let (start, end) = (parse(a)?, parse(b)?);
    if end < start {
        return Err(CaptionError::at(n, format!("the cue ends ({}) before it starts ({})", b.trim(), a.trim())));
    }
    Ok((start, end))
}

/// The words of a cue whose text carries timestamps: each timestamp starts the text after it,
/// which lasts until the next one (or the cue's end); text before the first starts with the
/// cue. Every word of a stretch gets its times. No timestamps: no word times.
fn word_times(raw: &str, (start, end): (u64, u64), n: usize) -> Result<Vec<Word>, CaptionError> {
    if !raw.contains("<0") && !raw.contains("<1") && !raw.contains("<2") {
        return Ok(Vec::new());
    }
    let mut stretches: Vec<(u64, String)> = vec![(start, String::new())];
    let mut rest = raw;
    while let Some(open) = rest.find('<') {
        if let Some(s) = stretches.last_mut() {
            s.1.push_str(&rest[..open]);
        }
        let Some(close) = rest[open..].find('>') else { break };
        let tag = &rest[open + 1..open + close];
        if tag.starts_with(|c: char| c.is_ascii_digit()) {
            let t = parse_timestamp(tag, '.').ok_or_else(|| {
                CaptionError::at(n, format!("<{tag}> is not a WebVTT time stamp (like <00:00:01.200>)"))
            })?;
            if t < start || t > end {
                return Err(CaptionError::at(n, format!("the word time <{tag}> is outside its cue")));
            }
            stretches.push((t, String::new()));
        }
        rest = &rest[open + close + 1..];
    }
    if let Some(s) = stretches.last_mut() {
        s.1.push_str(rest);
    }
    let mut words = Vec::new();
    for (i, (from, text)) in stretches.iter().enumerate() {
        let to = stretches.get(i + 1).map_or(end, |s| s.0);
        if to < *from {
            return Err(CaptionError::at(n, "the cue's word time stamps go backwards"));
        }
        for w in plain_text(text).split_whitespace() {
            words.push(Word { text: w.to_string(), start_ms: *from, end_ms: to });
        }
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cues_words_and_skipped_blocks() {
        let text = "WEBVTT - a title\nKind: captions\n\nNOTE a remark\nover two lines\n\nintro\n00:01.000 --> 00:03.000 line:90%\nHello <00:00:01.500><c>big</c> <00:00:02.200>world\n\n01:00:00.000 --> 01:00:01.000\n<v Ann>Plain</v>\n";
        let cues = parse(text).unwrap();
        assert_eq!(cues.len(), 2);
        assert_eq!((cues[0].start_ms, cues[0].end_ms, cues[0].text.as_str()), (1000, 3000, "Hello big world"));
        let words: Vec<(&str, u64, u64)> =
            cues[0].words.iter().map(|w| (w.text.as_str(), w.start_ms, w.end_ms)).collect();
        assert_eq!(words, [("Hello", 1000, 1500), ("big", 1500, 2200), ("world", 2200, 3000)]);
        assert_eq!((cues[1].start_ms, cues[1].text.as_str(), cues[1].words.len()), (3_600_000, "Plain", 0));
    }

    #[test]
    fn bad_files_name_their_line() {
        assert_eq!(parse("1\n00:01.000 --> 00:02.000\nx").unwrap_err().line, 1);
        let e = parse("WEBVTT\n\n00:01,000 --> 00:02.000\nx\n").unwrap_err();
        assert!(e.line == 3 && e.message.contains("not a WebVTT time"), "{e}");
        let e = parse("WEBVTT\n\n00:01.000 --> 00:02.000\na <00:00:05.000>b\n").unwrap_err();
        assert!(e.message.contains("outside its cue"), "{e}");
        let e = parse("WEBVTT\n\n00:01.000 --> 00:03.000\na <00:00:02.500>b <00:00:02.000>c\n").unwrap_err();
        assert!(e.message.contains("backwards"), "{e}");
    }
}
