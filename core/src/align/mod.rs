//! Script alignment, offline: a voice-over and its script in, word timings out (the JSON shape
//! [`crate::captions::words_json`] reads).
//!
//! `voice file ─ audio::Source (16 kHz) ─ mono i16 ─┐`
//! `script ─ words ─ spoken forms ─ JSGF grammar ─ PocketSphinx (forced alignment) ─ segments ─ words placed ─ JSON`
//!
//! - [`script`]: the script's words, where they are, how each may be said ([`spoken`]).
//! - [`sphinx`]: the engine (Debian's PocketSphinx, opened at run time).
//!
//! The grammar is the script's words in order, each a choice of its spoken forms, with silence
//! and noise allowed between any two (the engine's fillers). Words the dictionary lacks are
//! left out of the grammar (their sound is taken as noise); words the engine did not reach
//! (the voice stops short of the script, or it never matched) get no time. Both are reported,
//! never given invented times, and the output holds the words placed only.

mod script;
mod sphinx;
mod spoken;

pub use sphinx::{DICTIONARY, MODEL_DIR};

use crate::audio::{AudioClip, AudioError, Source};
use crate::CancelToken;
use script::ScriptWord;
use std::path::{Path, PathBuf};

/// A script larger than this is refused (1 MB of text is about 18 hours of speech).
pub const MAX_SCRIPT_BYTES: u64 = 1 << 20;

#[derive(Debug, thiserror::Error)]
pub enum AlignError {
    #[error("{}: {reason}", path.display())]
    Script { path: PathBuf, reason: String },
    #[error("{0}")]
    Audio(#[from] AudioError),
    #[error("{}: no sound could be decoded from it", path.display())]
    Silent { path: PathBuf },
    #[error("{reason}: install the Debian package {package}")]
    Engine { package: &'static str, reason: String },
    #[error("PocketSphinx refused the grammar made of the script")]
    Grammar,
    #[error("cannot write {}: {reason}", path.display())]
    Output { path: PathBuf, reason: String },
    #[error("none of the script's {words} words could be placed in {}: is it the voice-over of this script, in English?", audio.display())]
    NothingPlaced { words: usize, audio: PathBuf },
    #[error("the alignment was cancelled")]
    Cancelled,
}

/// A word of the script with its time in the voice-over.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Placed {
    /// As written in the script.
    pub text: String,
    #[serde(rename = "startMs")]
    pub start_ms: u64,
    #[serde(rename = "endMs")]
    pub end_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Why {
    /// The dictionary has no pronunciation for these of its spoken words.
    NotInDictionary(Vec<String>),
    /// The engine did not place it in the voice-over.
    NotHeard,
    /// The voice seems to skip it: words after it were placed, and the engine gave it no time
    /// (a word of one or two phones, optional in the grammar) or only the shortest its sounds
    /// can take (three frames a phone: the grammar forced it in).
    Skipped,
}

/// A word of the script that got no time.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Unplaced {
    pub text: String,
    pub line: usize,
    /// Its number among the script's words (from 1).
    pub number: usize,
    pub why: Why,
}

impl std::fmt::Display for Unplaced {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}, word {}: \"{}\" ", self.line, self.number, self.text)?;
        match &self.why {
            Why::NotInDictionary(w) => write!(f, "is not in the dictionary ({})", w.join(", ")),
            Why::NotHeard => write!(f, "was not heard where the script puts it"),
            Why::Skipped => write!(f, "was not heard where the script puts it (the voice seems to skip it)"),
        }
    }
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Alignment {
    pub words: Vec<Placed>,
    pub unplaced: Vec<Unplaced>,
    /// The script's words (placed or not) and the voice-over's length.
    pub total: usize,
    pub audio_ms: u64,
}

/// `align`: aligns `script` (a text file) to `audio` (any sound file the project can use) and
/// writes the words placed to `output` (JSON, atomically). Refuses, before any work, an output
/// that is not `.json` or that is the script or the sound.
pub fn align_files(audio: &Path, script: &Path, output: &Path, cancel: &CancelToken) -> Result<Alignment, AlignError> {
    let refuse = |reason: String| AlignError::Output { path: output.into(), reason };
    if !output.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) {
        return Err(refuse("word timings are written as JSON: give a file name ending in .json".into()));
    }
    let reads = [(audio.to_path_buf(), "the voice-over".to_string()), (script.to_path_buf(), "the script".to_string())];
    crate::encode::output::check_destination(output, &reads).map_err(|e| refuse(e.to_string()))?;
    let text = read_script(script)?;
    let alignment = align(audio, script, &text, cancel)?;
    let mut json = serde_json::to_string_pretty(&alignment.words).map_err(|e| refuse(e.to_string()))?;
    json.push('\n');
    crate::encode::output::write_atomically(output, json.as_bytes())
        .map_err(|e| refuse(crate::input_file::io_reason(&e)))?;
    Ok(alignment)
}

/// The script's text: a regular file of UTF-8 text, not too large, with words in it.
pub fn read_script(path: &Path) -> Result<String, AlignError> {
    let refuse = |reason: String| AlignError::Script { path: path.into(), reason };
    let bytes = crate::input_file::read_regular(path, MAX_SCRIPT_BYTES).map_err(|e| refuse(e.to_string()))?;
    let text = String::from_utf8(bytes).map_err(|_| refuse("this is not a text file (UTF-8)".into()))?;
    if text.contains('\0') {
        return Err(refuse("this is not a text file (it holds NUL bytes)".into()));
    }
    if script::words(&text).is_empty() {
        return Err(refuse("the script has no words".into()));
    }
    Ok(text)
}

/// Aligns `text` (the script, read from `script_path`) to the sound in `audio`.
pub fn align(audio: &Path, script_path: &Path, text: &str, cancel: &CancelToken) -> Result<Alignment, AlignError> {
    let words = script::words(text);
    if words.is_empty() {
        return Err(AlignError::Script { path: script_path.into(), reason: "the script has no words".into() });
    }
    let mut decoder = sphinx::Decoder::new()?;
    // Each word's forms the dictionary can say: the rest are reported.
    let mut unplaced = Vec::new();
    let mut sayable: Vec<(&ScriptWord, Vec<&Vec<String>>)> = Vec::new();
    for w in &words {
        let known: Vec<&Vec<String>> = w.forms.iter().filter(|f| f.iter().all(|x| knows(&decoder, x))).collect();
        if known.is_empty() {
            let missing = w.forms.iter().flatten().filter(|x| !knows(&decoder, x)).cloned().collect::<Vec<_>>();
            unplaced.push(Unplaced {
                text: w.written.clone(),
                line: w.line,
                number: w.number,
                why: Why::NotInDictionary(dedup(missing)),
            });
        } else {
            sayable.push((w, known));
        }
    }
    let mut placed = Vec::new();
    let mut audio_ms = 0;
    if !sayable.is_empty() {
        let voice = listen(audio, cancel)?;
        audio_ms = voice.len() as u64 * 1000 / u64::from(sphinx::SAMPLE_RATE);
        let required = vec![false; sayable.len()];
        let (segments, stops_short) = decode_script(&mut decoder, &voice, &sayable, &required, cancel)?;
        let (mut got, mut missed) = place(&sayable, &segments, &forced(&decoder, &segments));
        // Words of one or two phones at about the shortest time their phones can take, beside a
        // pause: said fast, or skipped by the voice and forced in by the grammar (see
        // `near_shortest`). Heard again with those optional, the engine keeps those it hears.
        let (_, doubtful) = place(&sayable, &segments, &near_shortest(&decoder, &segments));
        let suspect: Vec<bool> = sayable
            .iter()
            .map(|(w, _)| doubtful.iter().any(|u| u.number == w.number && u.why == Why::Skipped))
            .collect();
        if suspect.contains(&true) {
            let mut again = sphinx::Decoder::new()?;
            again.set_grammar(&grammar(&sayable, &suspect, stops_short))?;
            let segments = again.decode(&voice, cancel)?;
            if !segments.is_empty() {
                (got, missed) = place(&sayable, &segments, &forced(&again, &segments));
            }
        }
        placed = got.into_iter().map(|(_, p)| p).collect();
        unplaced.extend(missed);
    }
    unplaced.sort_by_key(|u| u.number);
    if placed.is_empty() {
        return Err(AlignError::NothingPlaced { words: words.len(), audio: audio.into() });
    }
    Ok(Alignment { words: placed, unplaced, total: words.len(), audio_ms })
}

/// The script with the words `optional` in brackets, decoded: the engine's segments, and
/// whether it took the script as ending early. The script in full first; if the voice does not
/// reach its end (it stops short, or a part never matched), again with the rest of the script
/// optional from each word on.
fn decode_script(
    decoder: &mut sphinx::Decoder,
    voice: &[i16],
    sayable: &[(&ScriptWord, Vec<&Vec<String>>)],
    optional: &[bool],
    cancel: &CancelToken,
) -> Result<(Vec<sphinx::Segment>, bool), AlignError> {
    for stops_short in [false, true] {
        if stops_short {
            // A fresh decoder: one that has just failed a pass carries its state (the feature
            // normalisation it learnt) into the next, and placed words 300 ms off.
            *decoder = sphinx::Decoder::new()?;
        }
        decoder.set_grammar(&grammar(sayable, optional, stops_short))?;
        let segments = decoder.decode(voice, cancel)?;
        if !segments.is_empty() {
            return Ok((segments, stops_short));
        }
    }
    Ok((Vec::new(), true))
}

/// Which segments are no longer than the shortest their phones can last (3 frames each, the
/// model's HMMs): a word of three phones or more the grammar forced in where the voice skips
/// it. Words of one or two phones are said that fast in running speech (`near_shortest`).
fn forced(decoder: &sphinx::Decoder, segments: &[sphinx::Segment]) -> Vec<bool> {
    segments
        .iter()
        .map(|s| {
            let frames = s.last + 1 - s.first.min(s.last + 1);
            decoder.phones(&s.word).is_some_and(|n| n >= 3 && frames <= 3 * n as u64)
        })
        .collect()
}

/// Frames over the shortest a word of one or two phones can take within which it is heard
/// again, optional (`near_shortest`).
const NEAR: u64 = 3;

/// Which segments are a word of one or two phones ("a", "to", "of") within [`NEAR`] frames of
/// the shortest time its phones can take, next to a pause (silence or noise). Its length alone
/// cannot tell whether the voice said it: on the synthetic voice (tests/align.rs), said in
/// running speech such words took 0 to 11 frames over it ("of" in "one of a kind": exactly the
/// shortest, 60 ms), and the ones the voice skipped, forced in by the grammar, 0 to 3, each
/// beside a pause (in it, or cut out of a neighbour: invented times). Made optional, the engine
/// leaves out those it does not hear; but it also left out "to a" said fast between words in
/// the alignment benchmark's voice, hence only those beside a pause.
fn near_shortest(decoder: &sphinx::Decoder, segments: &[sphinx::Segment]) -> Vec<bool> {
    let pause = |i: Option<usize>| i.and_then(|i| segments.get(i)).is_some_and(|s| s.word.starts_with(['<', '[']));
    segments
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let frames = s.last + 1 - s.first.min(s.last + 1);
            decoder.phones(&s.word).is_some_and(|n| n <= 2 && frames <= 3 * n as u64 + NEAR)
                && (pause(i.checked_sub(1)) || pause(Some(i + 1)))
        })
        .collect()
}

fn knows(decoder: &sphinx::Decoder, word: &str) -> bool {
    script::token(word) && decoder.knows(word)
}

fn dedup(mut v: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    v.retain(|x| seen.insert(x.clone()));
    v
}

/// The script as a JSGF grammar: its words in order, each a choice of its spoken forms, those
/// `optional` in brackets; with `stops_short`, the voice may end after any word
/// (`w1 [ w2 [ w3 ] ]`).
fn grammar(words: &[(&ScriptWord, Vec<&Vec<String>>)], optional: &[bool], stops_short: bool) -> String {
    let mut g = String::from("#JSGF V1.0;\ngrammar align;\npublic <script> =");
    for (i, (_, forms)) in words.iter().enumerate() {
        let choices: Vec<String> = forms.iter().map(|f| f.join(" ")).collect();
        if stops_short && i > 0 {
            g += " [";
        }
        if optional.get(i).copied().unwrap_or(false) {
            g += &format!(" [ ( {} ) ]", choices.join(" | "));
        } else {
            g += &format!(" ( {} )", choices.join(" | "));
        }
    }
    if stops_short {
        g += &" ]".repeat(words.len().saturating_sub(1));
    }
    g += " ;\n";
    g
}

/// The sound of `audio` at the engine's rate, mono (an hour is 115 MB).
fn listen(audio: &Path, cancel: &CancelToken) -> Result<Vec<i16>, AlignError> {
    crate::encode::pipeline::gst_init()
        .map_err(|e| AlignError::Engine { package: "gstreamer1.0-plugins-base", reason: e.to_string() })?;
    let clip = AudioClip::whole_file(audio, 0);
    // The mix's decoder, its rate divided by three: 48 kHz / 3 = the engine's 16 kHz.
    const SLOWER: f64 = (crate::audio::RATE / sphinx::SAMPLE_RATE) as f64;
    let mut source = Source::open_at_speed(&clip, 0, SLOWER)?;
    let mut stereo = vec![0f32; 8192 * crate::audio::CHANNELS];
    let mut mono = Vec::new();
    loop {
        if cancel.is_cancelled() {
            return Err(AlignError::Cancelled);
        }
        let n = source.read(&mut stereo)?;
        if n == 0 {
            break;
        }
        mono.extend(stereo[..n * crate::audio::CHANNELS].chunks_exact(crate::audio::CHANNELS).map(|f| {
            let m = f.iter().sum::<f32>() / f.len() as f32;
            (m.clamp(-1.0, 1.0) * 32767.0).round() as i16
        }));
    }
    if mono.is_empty() {
        return Err(AlignError::Silent { path: audio.into() });
    }
    Ok(mono)
}

/// The engine's segments matched to the script's words, in order: a word is placed when the
/// next words the engine gave (fillers and silences aside) are one of its spoken forms.
/// `forced[i]`: segment i only got the shortest time its phones can take (not said there).
fn place(
    words: &[(&ScriptWord, Vec<&Vec<String>>)],
    segments: &[sphinx::Segment],
    forced: &[bool],
) -> (Vec<(usize, Placed)>, Vec<Unplaced>) {
    let spoken: Vec<(&str, u64, u64, bool)> = segments
        .iter()
        .zip(forced.iter().copied().chain(std::iter::repeat(false)))
        .map(|(s, f)| (s.word.split('(').next().unwrap_or(&s.word), s.first, s.last, f))
        // Fillers, silences, and the grammar's empty steps past an optional word ("(NULL)").
        .filter(|(w, ..)| !w.is_empty() && !w.starts_with(['<', '[']))
        .collect();
    let ms = |frame: u64| frame * 1000 / sphinx::FRAMES_PER_SECOND;
    let (mut placed, mut missed, mut at) = (Vec::new(), Vec::new(), 0);
    let mut last_placed = 0;
    for (w, forms) in words {
        let hit = forms.iter().find(|f| {
            f.len() <= spoken.len() - at.min(spoken.len())
                && f.iter().zip(&spoken[at..]).all(|(a, (b, ..))| a.as_str() == *b)
        });
        match hit {
            Some(f) if spoken[at..at + f.len()].iter().all(|s| s.3) => {
                missed.push(Unplaced { text: w.written.clone(), line: w.line, number: w.number, why: Why::Skipped });
                at += f.len();
            }
            Some(f) => {
                let (first, last) = (spoken[at].1, spoken[at + f.len() - 1].2);
                placed.push((w.number, Placed { text: w.written.clone(), start_ms: ms(first), end_ms: ms(last + 1) }));
                last_placed = w.number;
                at += f.len();
            }
            None => {
                missed.push(Unplaced { text: w.written.clone(), line: w.line, number: w.number, why: Why::NotHeard })
            }
        }
    }
    // Not heard, with words after it placed: the voice went on past it.
    for m in &mut missed {
        if m.why == Why::NotHeard && m.number < last_placed {
            m.why = Why::Skipped;
        }
    }
    (placed, missed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_words_are_in_brackets_in_the_grammar() {
        let words = script::words("I saw it");
        let sayable: Vec<_> = words.iter().map(|w| (w, w.forms.iter().collect())).collect();
        let head = "#JSGF V1.0;\ngrammar align;\npublic <script> =";
        assert_eq!(grammar(&sayable, &[true, false, true], false), format!("{head} [ ( i ) ] ( saw ) [ ( it ) ] ;\n"));
        assert_eq!(
            grammar(&sayable, &[true, false, false], true),
            format!("{head} [ ( i ) ] [ ( saw ) [ ( it ) ] ] ;\n")
        );
    }
}
