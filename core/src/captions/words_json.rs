//! JSON word timings: `[{ "text", "startMs", "endMs" }, …]`, the shape `@remotion/captions`
//! writes (its `timestampMs` and `confidence` are accepted and unused), so files made for it
//! work unchanged. Its words (tokens, often with their leading space: `" world"`) are grouped
//! into cues for subtitles and sidecars: a new cue after a pause, a sentence's end, or a full line.

use super::cue::{Cue, Word};
use super::CaptionError;
use serde_json::Value;

/// A pause this long between two words starts a new cue.
const PAUSE_MS: u64 = 700;
/// A cue holds at most this many characters (two subtitle lines of 42, the common rule).
const MAX_CUE_CHARS: usize = 84;
const FIELDS: &[&str] = &["text", "startMs", "endMs", "timestampMs", "confidence"];

pub fn parse(text: &str) -> Result<Vec<Cue>, CaptionError> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        CaptionError::at(
            e.line(),
            format!("this is not valid JSON: {}", e.to_string().split(" at line ").next().unwrap_or("")),
        )
    })?;
    let Value::Array(items) = value else {
        return Err(CaptionError::at(
            1,
            "must be a list of words like [{\"text\": \"Hi\", \"startMs\": 0, \"endMs\": 400}]",
        ));
    };
    let mut tokens = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let path = format!("[{i}]");
        let Value::Object(o) = item else {
            return Err(CaptionError::path(&path, "must be an object with text, startMs and endMs"));
        };
        if let Some(k) = o.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(CaptionError::path(
                &format!("{path}.{k}"),
                format!("is not a field of a word; the fields are {}", FIELDS.join(", ")),
            ));
        }
        let text = o
            .get("text")
            .and_then(Value::as_str)
            .ok_or_else(|| CaptionError::path(&format!("{path}.text"), "must be the word's text"))?;
        let ms = |key: &str| {
            o.get(key)
                .and_then(Value::as_f64)
                .filter(|x| x.is_finite() && *x >= 0.0 && *x < 1e12)
                .map(|x| x.round() as u64)
                .ok_or_else(|| CaptionError::path(&format!("{path}.{key}"), "must be a number of milliseconds from 0"))
        };
        let (start, end) = (ms("startMs")?, ms("endMs")?);
        if end < start {
            return Err(CaptionError::path(&path, format!("the word ends ({end} ms) before it starts ({start} ms)")));
        }
        tokens.push((text.to_string(), start, end));
    }
    Ok(group(&tokens))
}

/// Words into cues (see the module's comment).
fn group(tokens: &[(String, u64, u64)]) -> Vec<Cue> {
    let mut cues: Vec<Cue> = Vec::new();
    let mut raw = String::new();
    for (i, (text, start, end)) in tokens.iter().enumerate() {
        let word = Word { text: text.trim().to_string(), start_ms: *start, end_ms: *end };
        let new_cue = match cues.last() {
            None => true,
            Some(c) => {
                start.saturating_sub(c.end_ms) >= PAUSE_MS
                    || c.text.ends_with(['.', '!', '?', '…'])
                    || c.text.chars().count() + text.chars().count() > MAX_CUE_CHARS
            }
        };
        if new_cue {
            raw.clear();
            cues.push(Cue { start_ms: *start, end_ms: *end, text: String::new(), words: Vec::new(), line: i + 1 });
        }
        let Some(cue) = cues.last_mut() else { continue };
        // A token without its leading space joins the word before it ("don" + "'t"), as written.
        if !raw.is_empty()
            && !text.starts_with(char::is_whitespace)
            && !word.text.is_empty()
            && word.text.starts_with(char::is_alphanumeric)
        {
            raw.push(' ');
        }
        raw.push_str(text);
        cue.text = raw.trim().to_string();
        cue.end_ms = cue.end_ms.max(*end);
        if !word.text.is_empty() {
            cue.words.push(word);
        }
    }
    cues
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remotion_captions_become_cues_of_words() {
        let json = r#"[{"text":"Hello","startMs":0,"endMs":400,"timestampMs":200,"confidence":0.9},
            {"text":" world.","startMs":400,"endMs":900},{"text":"Next","startMs":1000,"endMs":1300},
            {"text":"one","startMs":2500,"endMs":2800}]"#;
        let cues = parse(json).unwrap();
        let shown: Vec<(&str, u64, u64, usize)> =
            cues.iter().map(|c| (c.text.as_str(), c.start_ms, c.end_ms, c.words.len())).collect();
        assert_eq!(shown, [("Hello world.", 0, 900, 2), ("Next", 1000, 1300, 1), ("one", 2500, 2800, 1)]);
        assert_eq!(cues[0].words[1].text, "world.");
    }

    #[test]
    fn bad_words_name_their_place() {
        let e = parse(r#"[{"text":"a","startMs":0,"endMs":1},{"text":"b","startMs":-3,"endMs":1}]"#).unwrap_err();
        assert_eq!(e.to_string(), "[1].startMs: must be a number of milliseconds from 0");
        let e = parse(r#"[{"text":"a","startMs":5,"endMs":1}]"#).unwrap_err();
        assert!(e.to_string().contains("ends (1 ms) before it starts (5 ms)"), "{e}");
        assert!(parse(r#"[{"text":"a","start":0,"endMs":1}]"#)
            .unwrap_err()
            .to_string()
            .starts_with("[0].start: is not a field"));
        assert!(parse("{}").is_err() && parse("[1,").unwrap_err().to_string().starts_with("line 1"));
    }
}
