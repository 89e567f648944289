//! The mixer's thread during an export: makes the mix an output frame at a time, sends it to
//! the encoder's sound input (MP4, WebM) and its figures to the render page's queue
//! ([`AnalysisQueue`]), and ends or fails both.

use super::analysis::{Analyser, AnalysisQueue};
use super::mix::{Mixer, Timeline};
use super::{AudioClip, CHANNELS, RATE};
use crate::encode::AudioInput;
use crate::CancelToken;

/// Where the mix goes.
pub struct Outputs {
    /// The encoder's sound input (none for GIF).
    pub sound: Option<AudioInput>,
    /// The render page's figures (none when no composition needs them).
    pub figures: Option<AnalysisQueue>,
}

/// The output frames: how many, at what rate.
#[derive(Debug, Clone, Copy)]
pub struct OutputFrames {
    pub fps: u32,
    pub count: u64,
}

/// Mixes `clips` over `timeline` to the end, frame by frame. Returns why it failed (naming
/// the sound's file and JSON path), after failing the encoder and the page's queue with it.
pub fn run(
    clips: &[AudioClip],
    timeline: Timeline,
    frames: OutputFrames,
    out: Outputs,
    cancel: &CancelToken,
) -> Result<(), String> {
    let result = mix_all(clips, timeline, frames, &out, cancel);
    match &result {
        Ok(()) => {
            if let Some(s) = &out.sound {
                s.end();
            }
            if let Some(f) = &out.figures {
                f.end(None);
            }
        }
        Err(why) => {
            if let Some(s) = &out.sound {
                s.fail(why.clone());
            }
            if let Some(f) = &out.figures {
                f.end(Some(why.clone()));
            }
        }
    }
    result
}

fn mix_all(
    clips: &[AudioClip],
    timeline: Timeline,
    frames: OutputFrames,
    out: &Outputs,
    cancel: &CancelToken,
) -> Result<(), String> {
    let mut mixer = Mixer::new(clips, timeline);
    if let Some(q) = out.figures.clone() {
        mixer.report_busy(Box::new(move |clip| q.decoding(clip.map(|c| format!("{} ({})", c.json_path, c.src)))));
    }
    let total = mixer.total();
    // Output frame i spans mix frames [edge(i), edge(i + 1)).
    let edge = |i: u64| ((u128::from(i) * u128::from(RATE) / u128::from(frames.fps)) as u64).min(total);
    let mut analyser = out.figures.as_ref().map(|_| Analyser::default());
    let mut next_figure = 0u64;
    let mut block = Vec::new();
    let mut i = 0u64;
    while mixer.made() < total {
        if cancel.is_cancelled() {
            return Err("the export was cancelled".into());
        }
        let to = if i + 1 >= frames.count { total } else { edge(i + 1) };
        let n = to.saturating_sub(mixer.made()) as usize;
        i += 1;
        if n == 0 {
            continue;
        }
        block.resize(n * CHANNELS, 0.0);
        mixer.mix(&mut block).map_err(|e| e.to_string())?;
        if let Some(s) = &out.sound {
            if !s.push(&block) {
                return Ok(()); // the pipeline stopped: the encoder reports why
            }
        }
        if let (Some(a), Some(q)) = (analyser.as_mut(), &out.figures) {
            a.push(&block);
            while next_figure < frames.count {
                let (from, until) = (edge(next_figure), edge(next_figure + 1));
                if a.end() < Analyser::needs(from, until).min(total) {
                    break;
                }
                if !q.push(a.frame(from, until)) {
                    return Ok(()); // the page is gone
                }
                next_figure += 1;
            }
        }
    }
    if let (Some(a), Some(q)) = (analyser.as_mut(), &out.figures) {
        while next_figure < frames.count {
            if !q.push(a.frame(edge(next_figure), edge(next_figure + 1))) {
                break;
            }
            next_figure += 1;
        }
    }
    Ok(())
}
