//! A synthetic voice for the alignment tests: each phrase said by espeak-ng (American voice),
//! its silences trimmed, placed one after another with known silences between, as a WAV.

use std::path::Path;
use std::process::Command;

/// The voice's sample rate (espeak-ng's own).
const RATE: usize = 22_050;

/// 16-bit mono samples of `text` said by espeak-ng (American voice), silence trimmed off both ends.
fn say(text: &str, dir: &Path) -> Vec<i16> {
    let wav = dir.join("say.wav");
    let ok = Command::new("espeak-ng").args(["-v", "en-us", "-w"]).arg(&wav).arg(text).status();
    assert!(ok.is_ok_and(|s| s.success()), "espeak-ng (scripts/install-deps.sh installs it) could not say {text:?}");
    let bytes = std::fs::read(&wav).unwrap();
    assert_eq!(u32::from_le_bytes(bytes[24..28].try_into().unwrap()) as usize, RATE, "espeak-ng's rate");
    // The "data" chunk (espeak-ng writes the usual 44-byte header, but look for it).
    let at = bytes.windows(4).position(|w| w == b"data").unwrap() + 8;
    let samples: Vec<i16> = bytes[at..].chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect();
    let loud = |s: &&i16| s.unsigned_abs() > 300;
    let first = samples.iter().position(|s| loud(&s)).unwrap();
    let last = samples.iter().rposition(|s| loud(&s)).unwrap();
    samples[first..=last].to_vec()
}

/// A voice saying `phrases` one after another, with silences between (varied, 150 to 550 ms),
/// written as a WAV; returns each phrase's (start, end) in ms.
pub fn voice(phrases: &[&str], path: &Path) -> Vec<(u64, u64)> {
    let dir = tempfile::tempdir().unwrap();
    let mut samples = vec![0i16; RATE / 2];
    let mut times = Vec::new();
    for (i, p) in phrases.iter().enumerate() {
        let said = say(p, dir.path());
        let start = samples.len();
        samples.extend(&said);
        times.push(((start * 1000 / RATE) as u64, (samples.len() * 1000 / RATE) as u64));
        samples.extend(std::iter::repeat_n(0, RATE * (150 + 200 * (i % 3)) / 1000));
    }
    samples.extend(std::iter::repeat_n(0, RATE / 2));
    let data: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    let mut wav = Vec::new();
    wav.extend(b"RIFF");
    wav.extend((36 + data.len() as u32).to_le_bytes());
    wav.extend(b"WAVEfmt ");
    wav.extend(16u32.to_le_bytes());
    wav.extend(1u16.to_le_bytes()); // PCM
    wav.extend(1u16.to_le_bytes()); // mono
    wav.extend((RATE as u32).to_le_bytes());
    wav.extend((RATE as u32 * 2).to_le_bytes());
    wav.extend(2u16.to_le_bytes());
    wav.extend(16u16.to_le_bytes());
    wav.extend(b"data");
    wav.extend((data.len() as u32).to_le_bytes());
    wav.extend(data);
    std::fs::write(path, wav).unwrap();
    times
}
