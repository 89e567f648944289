//! SubRip (`.srt`): numbered cues, `HH:MM:SS,mmm --> HH:MM:SS,mmm`, text lines, a blank line.

use super::cue::{parse_timestamp, Cue};
use super::{plain_text, CaptionError};

/// The cues of an SRT file's text (BOM and CRLF already gone: [`super::read_text`]).
pub fn parse(text: &str) -> Result<Vec<Cue>, CaptionError> {
    let mut cues = Vec::new();
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim_end())).peekable();
    loop {
        // Blank lines between cues.
        while lines.peek().is_some_and(|(_, l)| l.trim().is_empty()) {
            lines.next();
        }
        let Some((mut n, mut line)) = lines.next() else { break };
        // The cue's number (some writers leave it out).
        if !line.contains("-->") {
            if !line.trim().bytes().all(|b| b.is_ascii_digit()) {
                return Err(CaptionError::at(n, format!("expected a cue number or a time line, found {line:?}")));
            }
            match lines.next() {
                Some(next) => (n, line) = next,
                None => return Err(CaptionError::at(n, "the file ends after a cue number: its time line is missing")),
            }
        }
        let (start, end) = times(line, n)?;
        let mut body = Vec::new();
        while let Some((_, l)) = lines.peek() {
            if l.trim().is_empty() {
                break;
            }
            body.push(*l);
            lines.next();
        }
        cues.push(Cue { start_ms: start, end_ms: end, text: plain_text(&body.join("\n")), words: Vec::new(), line: n });
    }
    Ok(cues)
}

/// `00:00:01,000 --> 00:00:02,500` (anything after the end time, like positions, is ignored).
fn times(line: &str, n: usize) -> Result<(u64, u64), CaptionError> {
    let (a, b) = line.split_once("-->").ok_or_else(|| {
        CaptionError::at(n, format!("expected a time line like 00:00:01,000 --> 00:00:02,500, found {line:?}"))
    })?;
    let b = b.split_whitespace().next().unwrap_or("");
    let parse = |s: &str| {
        parse_timestamp(s, ',').ok_or_else(|| {
            CaptionError::at(n, format!("{:?} is not a SubRip time (HH:MM:SS,mmm, like 00:01:02,500)", s.trim()))
        })
    };
    let (start, end) = (parse(a)?, parse(b)?);
    if end < start {
        return Err(CaptionError::at(n, format!("the cue ends ({}) before it starts ({})", b.trim(), a.trim())));
    }
    Ok((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cues_with_and_without_numbers_and_tags() {
        let text = "1\n00:00:01,000 --> 00:00:02,500\nHello <i>there</i>\nsecond line\n\n\n00:00:03,000 --> 00:00:04,000 X1:10\nNext\n";
        let cues = parse(text).unwrap();
        assert_eq!(cues.len(), 2);
        assert_eq!((cues[0].start_ms, cues[0].end_ms, cues[0].line), (1000, 2500, 2));
        assert_eq!(cues[0].text, "Hello there\nsecond line");
        assert_eq!((cues[1].start_ms, cues[1].text.as_str(), cues[1].line), (3000, "Next", 7));
    }

    #[test]
    fn bad_times_name_their_line() {
        let e = parse("1\n00:00:01.000 --> 00:00:02,000\nx\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("\"00:00:01.000\" is not a SubRip time"), "{e}");
        let e = parse("1\n00:00:03,000 --> 00:00:02,000\nx\n").unwrap_err();
        assert!(e.message.contains("ends (00:00:02,000) before it starts"), "{e}");
        assert_eq!(parse("1\nhello\n").unwrap_err().line, 2);
        assert_eq!(parse("one\n").unwrap_err().line, 1);
    }
}
