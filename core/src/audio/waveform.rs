//! A sound's waveform strip for the window: the peak level of each of `buckets` equal
//! stretches of what is heard of it (after trim, loop, volume and fades, as placed), made with
//! the export's own mixer.

use super::mix::{Mixer, Timeline};
use super::source::Source;
use super::{AudioClip, ClipError, CHANNELS, RATE};

/// A sound's strip: how many project frames it plays from its `at` (0 when nothing of it is
/// heard, or when that cannot be known), and the peak level (0–1) of each equal stretch of them.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Waveform {
    pub frames: u64,
    pub peaks: Vec<f32>,
}

/// The peaks (0–1) of `clip` over the frames it plays, at the project's `fps`.
pub fn waveform(clip: &AudioClip, fps: u32, buckets: usize) -> Result<Waveform, ClipError> {
    let mut frames = clip.duration_in_frames.unwrap_or(u64::MAX).min(clip.until.saturating_sub(clip.at));
    if clip.duration_in_frames.is_none() && !clip.looped {
        // To the end of the file: how long that is, at the project's frame rate.
        let source = Source::open(clip, 0).map_err(|e| ClipError::new(clip, e))?;
        if let Some(length) = source.length() {
            let left = length.saturating_sub((clip.trim_start * f64::from(RATE)).round() as u64);
            frames = frames.min((u128::from(left) * u128::from(fps)).div_ceil(u128::from(RATE)) as u64);
        }
    }
    let mut peaks = vec![0.0f32; buckets.max(1)];
    if frames == 0 || frames == u64::MAX {
        return Ok(Waveform { frames: 0, peaks });
    }
    let placed = AudioClip { until: clip.at + frames, ..clip.clone() };
    let mut mixer = Mixer::new(std::slice::from_ref(&placed), Timeline { fps, first: clip.at, frames });
    let total = mixer.total().max(1);
    let mut block = vec![0.0f32; 4800 * CHANNELS];
    while mixer.made() < total {
        let n = (total - mixer.made()).min(4800) as usize;
        let at = mixer.made();
        mixer.mix(&mut block[..n * CHANNELS])?;
        for (k, f) in block[..n * CHANNELS].chunks_exact(CHANNELS).enumerate() {
            let last = peaks.len() - 1;
            let b = (((at + k as u64) * peaks.len() as u64 / total) as usize).min(last);
            peaks[b] = peaks[b].max(f.iter().fold(0.0f32, |m, s| m.max(s.abs())));
        }
    }
    Ok(Waveform { frames, peaks })
}
