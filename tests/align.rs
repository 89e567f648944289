//! `bazaar-export align` (issue 33, script alignment): a synthetic voice made here with
//! espeak-ng, each word placed at a known time between silences, aligned to its script; every
//! word must start within 100 ms of where it was put. Numbers come back as written, words it
//! cannot place are listed (and left out), bad inputs are refused with the file named.

#[path = "support/cli.rs"]
mod cli;
#[path = "support/voice.rs"]
mod voice;

use cli::{bin, stderr};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use voice::voice;

fn align(voice: &Path, script: &Path, out: &Path) -> Output {
    Command::new(bin()).arg("align").arg(voice).arg(script).arg("-o").arg(out).output().unwrap()
}

/// The words written: (text, startMs, endMs).
fn words(json: &Path) -> Vec<(String, u64, u64)> {
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (w["text"].as_str().unwrap().to_string(), w["startMs"].as_u64().unwrap(), w["endMs"].as_u64().unwrap())
        })
        .collect()
}

/// The fox sentence said word by word; "42" as "forty two"; written with its punctuation.
const SAID: [&str; 9] = ["the", "quick", "brown", "fox", "jumps", "over", "forty two", "lazy", "dogs"];
const WRITTEN: [&str; 9] = ["The", "quick", "brown", "fox", "jumps", "over", "42", "lazy", "dogs."];

struct Fixture {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    voice: PathBuf,
    times: Vec<(u64, u64)>,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let voice_path = dir.path().join("voice.wav");
    let times = voice(&SAID, &voice_path);
    Fixture { dir: dir.path().to_path_buf(), _dir: dir, voice: voice_path, times }
}

impl Fixture {
    /// The fox sentence's written words, each with the time the voice says it.
    fn fox(&self) -> Vec<(&'static str, (u64, u64))> {
        WRITTEN.iter().copied().zip(self.times.iter().copied()).collect()
    }
}

/// Aligns `voice` with a script of `text` (written into `dir`), which must succeed: what it
/// printed and the words it wrote.
fn aligned(voice: &Path, dir: &Path, text: &str) -> (String, Vec<(String, u64, u64)>) {
    let (script, out) = (dir.join("script.txt"), dir.join("words.json"));
    std::fs::write(&script, text).unwrap();
    let o = align(voice, &script, &out);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    (err, words(&out))
}

/// How `align` reports word `n` of line 1, which the voice skips.
fn skipped(n: usize, word: &str) -> String {
    format!("line 1, word {n}: \"{word}\" was not heard where the script puts it (the voice seems to skip it)")
}

/// Each written word placed within 100 ms of its known start (and its end within 300 ms: a
/// word's last sound, a trailing "s", is often taken as breath); printed for the record.
fn assert_placed(got: &[(String, u64, u64)], want: &[(&str, (u64, u64))]) {
    let shown: Vec<&str> = got.iter().map(|w| w.0.as_str()).collect();
    let expected: Vec<&str> = want.iter().map(|w| w.0).collect();
    assert_eq!(shown, expected);
    for ((text, start, end), (_, (s, e))) in got.iter().zip(want) {
        eprintln!(
            "{text:>8}: start {start} ms (put at {s}, {:+}), end {end} ms (put at {e})",
            *start as i64 - *s as i64
        );
        assert!(start.abs_diff(*s) <= 100, "{text}: starts at {start} ms, said at {s} ms");
        assert!(end.abs_diff(*e) <= 300, "{text}: ends at {end} ms, said until {e} ms");
    }
}

#[test]
fn a_synthetic_voice_is_aligned_within_100_ms_and_numbers_stay_as_written() {
    let f = fixture();
    let (err, got) = aligned(&f.voice, &f.dir, "The quick brown fox\njumps over 42 lazy dogs.\n");
    assert!(err.contains("9 of the script's 9 words placed"), "{err}");
    assert_placed(&got, &f.fox());
    // No temp file left beside it.
    let left: Vec<_> = std::fs::read_dir(&f.dir).unwrap().flatten().map(|e| e.file_name()).collect();
    assert_eq!(left.len(), 3, "{left:?}");
}

#[test]
fn words_it_cannot_place_are_reported_and_left_out() {
    let f = fixture();
    // A word no dictionary has, and a script that goes on after the voice stops.
    let text = "The quick Zorbleflax brown fox jumps over 42 lazy dogs.\nThen it sleeps all day.\n";
    let (err, got) = aligned(&f.voice, &f.dir, text);
    assert!(err.contains("line 1, word 3: \"Zorbleflax\" is not in the dictionary"), "{err}");
    for (n, w) in [(11, "Then"), (12, "it"), (13, "sleeps"), (14, "all"), (15, "day.")] {
        assert!(err.contains(&format!("line 2, word {n}: \"{w}\" was not heard")), "{err}");
    }
    assert!(err.contains("9 of the script's 15 words placed") && err.contains("6 not placed"), "{err}");
    assert_placed(&got, &f.fox());
}

#[test]
fn bad_inputs_are_refused_naming_the_file() {
    let f = fixture();
    let dir = &f.dir;
    let script = dir.join("script.txt");
    std::fs::write(&script, "The quick brown fox").unwrap();
    let out = dir.join("words.json");
    let refused = |voice: &Path, script: &Path, out: &Path, words: &[&str]| {
        let o = align(voice, script, out);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{err}");
        for w in words {
            assert!(err.contains(w), "{w:?} not in: {err}");
        }
        assert!(!dir.join("words.json").exists(), "nothing is written when refused");
    };
    let name = |p: &Path| p.display().to_string();
    // The script: empty, not text, too large, missing.
    let empty = dir.join("empty.txt");
    std::fs::write(&empty, " \n — \n").unwrap();
    refused(&f.voice, &empty, &out, &[&name(&empty), "the script has no words"]);
    let binary = dir.join("binary.txt");
    std::fs::write(&binary, [0u8, 159, 146, 150, 0, 1]).unwrap();
    refused(&f.voice, &binary, &out, &[&name(&binary), "not a text file"]);
    let large = dir.join("large.txt");
    std::fs::write(&large, "word ".repeat(300_000)).unwrap();
    refused(&f.voice, &large, &out, &[&name(&large), "at most 1048576 bytes"]);
    refused(&f.voice, &dir.join("nope.txt"), &out, &["nope.txt", "no such file"]);
    // The sound: not a sound file, missing.
    refused(&script, &script, &dir.join("w.json"), &[&name(&script), "not a sound file"]);
    refused(&dir.join("nope.wav"), &script, &out, &["nope.wav"]);
    // The output: the script or the sound itself, not JSON, a missing folder.
    let script_json = dir.join("script.json");
    std::fs::write(&script_json, "The quick brown fox").unwrap();
    refused(&f.voice, &script_json, &script_json, &[&name(&script_json), "the script"]);
    assert_eq!(std::fs::read_to_string(&script_json).unwrap(), "The quick brown fox");
    refused(&f.voice, &script, &dir.join("words.srt"), &["words.srt", ".json"]);
    refused(&f.voice, &script, &dir.join("no/words.json"), &["does not exist"]);
    // A voice that says none of the script.
    let other = dir.join("other.txt");
    std::fs::write(&other, "Seventeen elephants").unwrap();
    let silent = dir.join("silence.wav");
    voice(&[], &silent);
    refused(&silent, &other, &out, &["none of the script's 2 words could be placed", &name(&silent)]);
}

#[test]
fn help_says_what_align_does() {
    let o = Command::new(bin()).args(["align", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success());
    for w in ["VOICE", "SCRIPT.txt", "--output", "get no time", "pocketsphinx-en-us"] {
        assert!(help.contains(w), "{w:?} not in: {help}");
    }
}

/// A word of the script the voice skips in the middle is reported, not given a time, and the
/// words around it keep theirs.
#[test]
fn a_word_the_voice_skips_mid_script_is_reported_not_invented() {
    let f = fixture();
    let (err, got) = aligned(&f.voice, &f.dir, "The quick brown fox jumps over 42 lazy purple dogs.\n");
    assert!(err.contains(&skipped(9, "purple")), "{err}");
    assert_placed(&got, &f.fox());
}

/// Words of one or two phones the voice skips ("a", "to", "I") are reported, not given the
/// shortest time their sounds can take in a silence or cut out of a neighbour (what the
/// grammar forced on them before).
#[test]
fn short_words_the_voice_skips_are_reported_not_invented() {
    let f = fixture();
    let (err, got) = aligned(&f.voice, &f.dir, "The quick brown fox a jumps to over 42 I lazy dogs.\n");
    for (n, w) in [(5, "a"), (7, "to"), (10, "I")] {
        assert!(err.contains(&skipped(n, w)), "{err}");
    }
    assert!(err.contains("9 of the script's 12 words placed"), "{err}");
    assert_placed(&got, &f.fox());
}

/// Said in running speech, words of one or two phones are placed, inside the phrase that says
/// them, even those that take the shortest time their sounds can ("of" in "one of a kind").
#[test]
fn short_words_said_in_running_speech_keep_their_times() {
    let dir = tempfile::tempdir().unwrap();
    let phrases = ["one of a kind", "go to it", "I am in a car", "it is a dog of mine", "up to a point"];
    let voice_path = dir.path().join("voice.wav");
    let times = voice(&phrases, &voice_path);
    let text = "One of a kind. Go to it.\nI am in a car. It is a dog of mine. Up to a point.\n";
    let (err, got) = aligned(&voice_path, dir.path(), text);
    assert!(err.contains("22 of the script's 22 words placed"), "{err}");
    let mut at = 0;
    for (phrase, (s, e)) in phrases.iter().zip(&times) {
        for said in phrase.split(' ') {
            let (text, start, end) = &got[at];
            eprintln!("{text:>6}: {start}-{end} ms, in \"{phrase}\" said {s}-{e} ms");
            assert_eq!(text.trim_end_matches('.').to_lowercase(), said.to_lowercase());
            assert!(
                *start + 100 >= *s && *end <= e + 100,
                "{text}: {start}-{end} ms, outside \"{phrase}\" ({s}-{e} ms)"
            );
            at += 1;
        }
    }
}
