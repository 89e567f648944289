//! A voice-over's script read as words: each as written (kept for the output), where it is
//! (line and number, for reports), and how it may be said ([`super::spoken`]).

use super::spoken;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptWord {
    /// As written, punctuation included ("forty-two," stays "forty-two,").
    pub written: String,
    /// Its line in the script (from 1) and its number among the script's words (from 1).
    pub line: usize,
    pub number: usize,
    /// The ways it may be said (lower-case words); empty if it says nothing ("—").
    pub forms: Vec<Vec<String>>,
}

/// The script's words, in order. A UTF-8 byte order mark is ignored.
pub fn words(text: &str) -> Vec<ScriptWord> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        for written in line.split_whitespace() {
            let forms = spoken::forms(written);
            if forms.is_empty() {
                continue;
            }
            out.push(ScriptWord { written: written.to_string(), line: i + 1, number: out.len() + 1, forms });
        }
    }
    out
}

/// A JSGF token for `word` (dictionary words are letters, digits, apostrophes, hyphens, dots).
pub fn token(word: &str) -> bool {
    !word.is_empty() && word.chars().all(|c| c.is_alphanumeric() || matches!(c, '\'' | '-' | '.' | '_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_is_cut_into_words_with_their_places() {
        let w = words("\u{feff}Hello, world —\r\n\nIt costs $42.\n");
        let shown: Vec<(&str, usize, usize)> = w.iter().map(|w| (w.written.as_str(), w.line, w.number)).collect();
        assert_eq!(shown, [("Hello,", 1, 1), ("world", 1, 2), ("It", 3, 3), ("costs", 3, 4), ("$42.", 3, 5)]);
        assert_eq!(w[4].forms, [["forty", "two", "dollars"]]);
        assert!(token("don't") && !token("a b") && !token("<s>"));
    }
}
