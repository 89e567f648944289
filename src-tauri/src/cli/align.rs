//! `align`: a voice-over aligned to its script, offline (core's `align`), written as JSON word
//! timings for a project's `captions`.

use bazaar_core::align::{self, AlignError};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, PartialEq, Args)]
#[command(after_help = "The script's words are written as they are in the script (\"42%\" stays \"42%\"; it is \
    listened for as \"forty two percent\"). Words the dictionary lacks, and words the voice did not reach, get \
    no time: they are listed on stderr with their line and left out of the file. Exit 1 if none could be \
    placed (nothing is written). English only (PocketSphinx's en-us model: the Debian packages \
    libpocketsphinx3 and pocketsphinx-en-us).")]
pub struct AlignArgs {
    /// The voice-over: any sound file a project can use (WAV, MP3, M4A, Opus, a video's sound)
    #[arg(value_name = "VOICE")]
    pub audio: PathBuf,
    /// The script: UTF-8 text, the words as spoken, in order
    #[arg(value_name = "SCRIPT.txt")]
    pub script: PathBuf,
    /// The word timings to write: `[{ "text", "startMs", "endMs" }, …]`
    #[arg(short = 'o', long = "output", value_name = "WORDS.json")]
    pub output: PathBuf,
}

pub fn run(args: &AlignArgs) -> ExitCode {
    let cancel = bazaar_core::CancelToken::new();
    match align::align_files(&args.audio, &args.script, &args.output, &cancel) {
        Ok(a) => {
            for u in &a.unplaced {
                eprintln!("not placed: {u}");
            }
            eprintln!(
                "wrote {}: {} of the script's {} words placed in {:.1} s of voice{}",
                args.output.display(),
                a.words.len(),
                a.total,
                a.audio_ms as f64 / 1000.0,
                match a.unplaced.len() {
                    0 => String::new(),
                    n => format!("; {n} not placed (listed above, left out of the file)"),
                }
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            if let AlignError::NothingPlaced { .. } = e {
                eprintln!("bazaar-export: {e}");
            } else {
                eprintln!("bazaar-export: align: {e}");
            }
            ExitCode::FAILURE
        }
    }
}
