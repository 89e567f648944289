//! Captions carried in the video file as subtitle tracks (`"track": true`): each caption file's
//! cues on the export's timeline (the sidecars' shift, [`super::sidecar::on_export`]) as the
//! samples a subtitle track holds. A track shows one sample at a time, so overlapping cues
//! (allowed: shown together) become pieces, each holding every cue shown then, one a line.

use super::sidecar::{on_export, Shift};
use super::CaptionTrack;

/// One subtitle track of an export: its language (BCP 47, `und` when not given) and its samples.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileTrack {
    pub language: String,
    /// In time order, none overlapping, on the export's timeline.
    pub samples: Vec<Sample>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    pub start_ms: u64,
    pub end_ms: u64,
    pub text: String,
}

/// The tracks an export carries: one per caption file with `"track": true`, in the project's
/// order, on the export's timeline (`fps`, its first project frame, its length in ms).
pub fn for_export(captions: &[CaptionTrack], (fps, first, duration_ms): (u32, u64, u64)) -> Vec<FileTrack> {
    captions
        .iter()
        .filter(|t| t.track)
        .map(|t| FileTrack {
            language: t.language.clone(),
            samples: samples(&on_export(&t.cues, Shift { at: t.at, first, fps, duration_ms })),
        })
        .collect()
}

/// Cues (start, end, text) as samples: cut wherever a cue starts or ends, each piece holding
/// the texts of the cues shown then (in the file's order). Cues that do not overlap stay whole.
pub fn samples(cues: &[(u64, u64, &str)]) -> Vec<Sample> {
    let mut edges: Vec<u64> = cues.iter().flat_map(|c| [c.0, c.1]).collect();
    edges.sort_unstable();
    edges.dedup();
    edges
        .windows(2)
        .filter_map(|w| {
            let shown: Vec<&str> =
                cues.iter().filter(|c| c.0 <= w[0] && w[1] <= c.1 && !c.2.trim().is_empty()).map(|c| c.2).collect();
            (!shown.is_empty()).then(|| Sample { start_ms: w[0], end_ms: w[1], text: shown.join("\n") })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(start_ms: u64, end_ms: u64, text: &str) -> Sample {
        Sample { start_ms, end_ms, text: text.into() }
    }

    #[test]
    fn cues_apart_stay_whole_and_overlaps_are_shown_together() {
        assert_eq!(
            samples(&[(0, 500, "a"), (500, 900, "b"), (1000, 1200, "c")]),
            [s(0, 500, "a"), s(500, 900, "b"), s(1000, 1200, "c")]
        );
        assert_eq!(
            samples(&[(0, 1000, "a"), (500, 1500, "b")]),
            [s(0, 500, "a"), s(500, 1000, "a\nb"), s(1000, 1500, "b")]
        );
        assert!(samples(&[]).is_empty());
    }
}
