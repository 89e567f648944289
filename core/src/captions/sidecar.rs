//! Sidecar caption files beside an export (`--captions-sidecar srt|vtt`): the project's cues
//! moved onto the export's own timeline, which starts at its first project frame (a `--frames`
//! range, a chunk) and lasts its length; cues outside it are left out, cues across its edges cut.

use super::cue::format_timestamp;
use super::{CaptionTrack, Cue};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SidecarFormat {
    Srt,
    Vtt,
}

impl SidecarFormat {
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "srt" => Some(Self::Srt),
            "vtt" => Some(Self::Vtt),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Srt => "srt",
            Self::Vtt => "vtt",
        }
    }
}

/// Where the cues of one caption file fall on the export: the file's time 0 is project frame
/// `at`; the export shows project frames from `first` for `duration_ms`.
#[derive(Debug, Clone, Copy)]
pub struct Shift {
    pub at: u64,
    pub first: u64,
    pub fps: u32,
    pub duration_ms: u64,
}

impl Shift {
    /// A file time (ms) on the export's timeline (ms, may be before 0), to the nearest ms.
    fn export_ms(&self, ms: u64) -> i128 {
        let fps = i128::from(self.fps.max(1));
        let offset = (i128::from(self.at) - i128::from(self.first)) * 1000;
        // Round (offset / fps) to the nearest millisecond, the same way for negatives.
        let shift = (2 * offset + offset.signum() * fps) / (2 * fps);
        i128::from(ms) + shift
    }
}

/// `cues` on the export's timeline: (start, end, text) in ms, cut at its edges, those outside
/// it left out (the sidecars' shift; the subtitle tracks in the file use it too).
pub fn on_export(cues: &[Cue], shift: Shift) -> Vec<(u64, u64, &str)> {
    let mut out = Vec::new();
    for c in cues {
        let end = shift.export_ms(c.end_ms).min(i128::from(shift.duration_ms));
        let start = shift.export_ms(c.start_ms).max(0);
        if end > start {
            out.push((start as u64, end as u64, c.text.as_str()));
        }
    }
    out
}

/// The text of a sidecar holding `tracks` (each a file's cues and its shift), in time order.
pub fn write(format: SidecarFormat, tracks: &[(&[Cue], Shift)]) -> String {
    let mut cues: Vec<(u64, u64, &str)> = tracks.iter().flat_map(|(list, shift)| on_export(list, *shift)).collect();
    cues.sort_by_key(|c| (c.0, c.1));
    let sep = match format {
        SidecarFormat::Srt => ',',
        SidecarFormat::Vtt => '.',
    };
    let mut out = String::new();
    if format == SidecarFormat::Vtt {
        out.push_str("WEBVTT\n\n");
    }
    for (i, (start, end, text)) in cues.iter().enumerate() {
        if format == SidecarFormat::Srt {
            out.push_str(&format!("{}\n", i + 1));
        }
        // A blank line would end the cue: keep the lines, drop empty ones.
        let text: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        let text = if format == SidecarFormat::Vtt { escape_vtt(&text.join("\n")) } else { text.join("\n") };
        out.push_str(&format!("{} --> {}\n{text}\n\n", format_timestamp(*start, sep), format_timestamp(*end, sep)));
    }
    out
}

/// Where the sidecar of `video` goes: beside it, the same name with the sidecar's extension.
pub fn path_beside(video: &Path, format: SidecarFormat) -> PathBuf {
    video.with_extension(format.extension())
}

/// Refuses a sidecar before anything renders: the project has no captions, or the sidecar's
/// path is a file the render reads (`reads`: [`crate::project::Project::files_read`]), a link,
/// a folder.
pub fn check(
    tracks: &[CaptionTrack],
    video: &Path,
    format: SidecarFormat,
    reads: &[(PathBuf, String)],
) -> Result<(), String> {
    if tracks.is_empty() {
        return Err("--captions-sidecar: the project has no captions (\"captions\" in the project file)".into());
    }
    let dest = path_beside(video, format);
    crate::encode::output::check_destination(&dest, reads).map_err(|e| format!("--captions-sidecar: {e}"))
}

/// Writes the sidecar of every caption file of the project beside `video` (temp file, then
/// rename): the export shows project frames from `first` for `duration_ms` at `fps`.
pub fn write_beside(
    tracks: &[CaptionTrack],
    (fps, first, duration_ms): (u32, u64, u64),
    video: &Path,
    format: SidecarFormat,
) -> Result<PathBuf, String> {
    let lists: Vec<(&[Cue], Shift)> =
        tracks.iter().map(|t| (t.cues.as_slice(), Shift { at: t.at, first, fps, duration_ms })).collect();
    let dest = path_beside(video, format);
    crate::encode::output::write_atomically(&dest, write(format, &lists).as_bytes()).map_err(|e| {
        format!("the captions could not be written to {}: {}", dest.display(), crate::input_file::io_reason(&e))
    })?;
    Ok(dest)
}

/// `&`, `<` and `>` as WebVTT text needs them (and `-->`, which would read as a time line).
pub fn escape_vtt(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cue(start_ms: u64, end_ms: u64, text: &str) -> Cue {
        Cue { start_ms, end_ms, text: text.into(), words: Vec::new(), line: 1 }
    }

    #[test]
    fn cues_move_to_the_export_s_timeline_and_are_cut_at_its_edges() {
        let cues = [cue(0, 1000, "one"), cue(1000, 2000, "two <b>"), cue(3000, 4000, "three")];
        // The file starts at project frame 30 (1 s at 30 fps); the export shows frames 45–104.
        let shift = Shift { at: 30, first: 45, fps: 30, duration_ms: 2000 };
        let srt = write(SidecarFormat::Srt, &[(&cues, shift)]);
        assert_eq!(srt, "1\n00:00:00,000 --> 00:00:00,500\none\n\n2\n00:00:00,500 --> 00:00:01,500\ntwo <b>\n\n");
        let vtt = write(SidecarFormat::Vtt, &[(&cues, Shift { first: 0, duration_ms: 3500, ..shift })]);
        assert!(vtt.starts_with("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\none\n\n"), "{vtt}");
        assert!(vtt.contains("two &lt;b&gt;") && !vtt.contains("three"), "{vtt}");
        // At 24 fps frame 1 is 41.666 ms: rounded to 42.
        let shift = Shift { at: 1, first: 0, fps: 24, duration_ms: 10_000 };
        assert!(write(SidecarFormat::Srt, &[(&cues[..1], shift)]).contains("00:00:00,042 --> 00:00:01,042"));
        assert_eq!(SidecarFormat::parse("VTT"), Some(SidecarFormat::Vtt));
    }
}
