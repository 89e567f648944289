//! What an export will render: output size and frame rate from the preset, and which project
//! frame each output frame shows. Pure arithmetic, shared by the app, the CLI and the tests.

use crate::audio::feed::OutputFrames;
use crate::audio::Timeline;
use crate::encode::{output_fps, output_size, EncodeSettings, Format, Quality};
use crate::project::Project;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub struct RenderPlan {
    /// Size frames are drawn at (the output size: no scaling after drawing).
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    /// The project frame shown by each output frame, in order.
    pub project_frames: Vec<u64>,
    /// Exact length of the output (the range's length at the project's frame rate).
    pub duration: Duration,
    /// The project frames the output covers, `first..=last` (the sound is mixed over them).
    pub range: (u64, u64),
    pub settings: EncodeSettings,
}

impl RenderPlan {
    /// The part of the project's timeline the sound is mixed over.
    pub fn timeline(&self, project_fps: u32) -> Timeline {
        Timeline { fps: project_fps, first: self.range.0, frames: self.range.1 - self.range.0 + 1 }
    }

    /// The frames the output has (the sound's figures are made for each).
    pub fn output_frames(&self) -> OutputFrames {
        OutputFrames { fps: self.fps, count: self.settings.total_frames }
    }

    /// The index of this plan's first frame in the whole video's output (0 unless a range or
    /// a chunk starts later): an image sequence numbers its pictures from it. The smallest output
    /// index whose project frame is the range's first (the output rate never exceeds the project's).
    pub fn first_output_index(&self, project_fps: u32) -> u64 {
        (u128::from(self.range.0) * u128::from(self.fps)).div_ceil(u128::from(project_fps.max(1))) as u64
    }

    /// This plan with its frames carrying straight alpha into a file that keeps it (`keep`:
    /// `--transparent`, checked against the profile before): the encoder then takes RGBA as
    /// `getImageData` gives it, whatever the format's usual input.
    pub fn keeping_alpha(mut self, keep: bool) -> Self {
        if keep {
            self.settings.keep_alpha = true;
            self.settings.input = crate::encode::PixelFormat::Rgba;
        }
        self
    }
}

/// Frames `first..=last` of the project (all when `None`).
pub type FrameRange = Option<(u64, u64)>;

/// The output's size: the preset's (video: 720 or 1080 rows; GIF: a small long side), the
/// project's own (a 4K project exported at 4K), or the largest that fits a `W×H` box; the aspect
/// is always the project's, both sides even. The preset keeps its CRF whatever the size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputSize {
    #[default]
    Preset,
    Project,
    Fit(u32, u32),
}

impl OutputSize {
    /// `preset`, `project` or `WxH` (`--size`).
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "preset" => Ok(Self::Preset),
            "project" => Ok(Self::Project),
            _ => {
                let bad = || format!("--size {s:?}: give project, preset or a size like 3840x2160");
                let (w, h) = s.split_once(['x', 'X', '×']).ok_or_else(bad)?;
                let (w, h): (u32, u32) = (w.trim().parse().map_err(|_| bad())?, h.trim().parse().map_err(|_| bad())?);
                if !(16..=7680).contains(&w) || !(16..=4320).contains(&h) {
                    return Err(format!("--size {s}: from 16×16 up to 7680×4320"));
                }
                Ok(Self::Fit(w, h))
            }
        }
    }

    fn apply(self, (pw, ph): (u32, u32), preset: crate::encode::SizeRule) -> (u32, u32) {
        let even = |x: f64| ((x / 2.0).round() as u32).max(1) * 2;
        match self {
            Self::Preset => output_size((pw, ph), preset),
            Self::Project => (even(f64::from(pw)), even(f64::from(ph))),
            Self::Fit(w, h) => {
                let s = (f64::from(w) / f64::from(pw.max(1))).min(f64::from(h) / f64::from(ph.max(1)));
                (even(f64::from(pw) * s).min(w - w % 2), even(f64::from(ph) * s).min(h - h % 2))
            }
        }
    }
}

pub fn plan(project: &Project, format: Format, quality: Quality, range: FrameRange) -> Result<RenderPlan, String> {
    plan_sized(project, format, quality, range, OutputSize::Preset, None)
}

/// As [`plan`], at `size`, and at `fps` frames per second when given (`--gif-fps`, the panel's
/// GIF frame rate) instead of the preset's cap; never faster than the project.
pub fn plan_sized(
    project: &Project,
    format: Format,
    quality: Quality,
    range: FrameRange,
    size: OutputSize,
    fps: Option<u32>,
) -> Result<RenderPlan, String> {
    let total = project.total_frames();
    let (first, last) = match range {
        None => (0, total.saturating_sub(1)),
        Some((a, b)) if a <= b && b < total => (a, b),
        Some((a, b)) => {
            return Err(format!(
                "frames {a}-{b} are outside the project, which has frames 0-{}",
                total.saturating_sub(1)
            ))
        }
    };
    if total == 0 {
        return Err("the project has no frames".into());
    }
    let preset = format.profile().preset(quality);
    let (width, height) = size.apply((project.width, project.height), preset.size);
    let fps = match fps {
        Some(asked) => asked.clamp(1, project.fps.max(1)),
        None => output_fps(project.fps, preset),
    };
    let span = last - first + 1;
    // Output frame j shows the project frame on screen at time j/fps: the same instant, so a
    // GIF at 10 fps of a 30 fps project keeps its timing and simply shows every third frame.
    let count = (u128::from(span) * u128::from(fps)).div_ceil(u128::from(project.fps)) as u64;
    let project_frames: Vec<u64> =
        (0..count).map(|j| first + (u128::from(j) * u128::from(project.fps) / u128::from(fps)) as u64).collect();
    let duration = Duration::from_nanos((u128::from(span) * 1_000_000_000 / u128::from(project.fps)) as u64);
    let settings = EncodeSettings {
        format,
        quality,
        width,
        height,
        fps,
        total_frames: count,
        duration: Some(duration),
        input: format.profile().input,
        audio: !project.audio.is_empty() && format.profile().audio.is_some(),
        prores_profile: Default::default(),
        gif_loops: 0,
        keep_alpha: false,
    };
    Ok(RenderPlan { width, height, fps, project_frames, duration, range: (first, last), settings })
}

/// Output frames `[from, to)` of chunk `k` of `n` over `total` frames: contiguous, near-equal
/// (sizes differ by one at most), covering every frame once.
pub fn chunk_range(total: u64, k: u64, n: u64) -> (u64, u64) {
    let at = |i: u64| (u128::from(total) * u128::from(i) / u128::from(n.max(1))) as u64;
    (at(k), at(k + 1))
}

/// The plan of chunk `k` of `n` (see `chunks`): the whole video's output frames
/// [`chunk_range`], without sound (mixed once, at the join).
pub fn chunk_plan(
    project: &Project,
    format: Format,
    quality: Quality,
    (k, n): (u64, u64),
    (size, fps): (OutputSize, Option<u32>),
) -> Result<RenderPlan, String> {
    let whole = plan_sized(project, format, quality, None, size, fps)?;
    let (from, to) = chunk_range(whole.settings.total_frames, k, n);
    if from >= to {
        return Err(format!(
            "chunk {k} of {n} would hold no frames: the video has {} frames",
            whole.settings.total_frames
        ));
    }
    let project_frames = whole.project_frames[from as usize..to as usize].to_vec();
    let count = to - from;
    let duration = Duration::from_nanos((u128::from(count) * 1_000_000_000 / u128::from(whole.fps)) as u64);
    let range = (project_frames[0], project_frames[project_frames.len() - 1]);
    let settings = EncodeSettings { total_frames: count, duration: Some(duration), audio: false, ..whole.settings };
    Ok(RenderPlan { project_frames, duration, range, settings, ..whole })
}

/// Parses `A-B` (inclusive project frame numbers).
pub fn parse_range(s: &str) -> Result<(u64, u64), String> {
    let (a, b) = s.split_once('-').ok_or_else(|| format!("{s:?} is not a frame range like 0-89"))?;
    let n = |x: &str| x.trim().parse::<u64>().map_err(|_| format!("{x:?} in {s:?} is not a frame number"));
    let (a, b) = (n(a)?, n(b)?);
    if a > b {
        return Err(format!("the range {s:?} ends before it starts"));
    }
    Ok((a, b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::parse_project;

    fn project(fps: u32, frames: u32) -> Project {
        let json = format!(
            r#"{{"version":1,"width":1280,"height":720,"fps":{fps},"scenes":[{{"composition":"TitleCard","durationInFrames":{frames}}}]}}"#
        );
        parse_project(json.as_bytes(), std::path::Path::new("."), "t").expect("valid")
    }

    #[test]
    fn the_size_is_the_preset_s_the_project_s_or_fits_a_box() {
        let uhd = {
            let json = r#"{"version":1,"width":3840,"height":2160,"fps":30,"scenes":[{"composition":"TitleCard","durationInFrames":3}]}"#;
            parse_project(json.as_bytes(), std::path::Path::new("."), "t").expect("valid")
        };
        let size = |s: OutputSize, f: Format| {
            let p = plan_sized(&uhd, f, Quality::High, None, s, None).unwrap();
            (p.width, p.height)
        };
        assert_eq!(size(OutputSize::Preset, Format::Mp4), (1920, 1080));
        assert_eq!(size(OutputSize::Project, Format::Mp4), (3840, 2160));
        assert_eq!(size(OutputSize::Fit(2560, 2560), Format::Webm), (2560, 1440));
        assert_eq!(size(OutputSize::Fit(1001, 1001), Format::Gif), (1000, 564));
        assert_eq!(OutputSize::parse("project"), Ok(OutputSize::Project));
        assert_eq!(OutputSize::parse("3840x2160"), Ok(OutputSize::Fit(3840, 2160)));
        assert!(OutputSize::parse("huge").is_err());
        assert!(OutputSize::parse("9000x100").is_err());
    }

    #[test]
    fn video_keeps_every_frame_at_preset_size() {
        let p = plan(&project(30, 90), Format::Mp4, Quality::Low, None).unwrap();
        assert_eq!((p.width, p.height, p.fps), (1280, 720, 30));
        assert_eq!(p.project_frames, (0..90).collect::<Vec<_>>());
        assert_eq!(p.duration, Duration::from_secs(3));
        let p = plan(&project(30, 90), Format::Mp4, Quality::High, None).unwrap();
        assert_eq!((p.width, p.height), (1920, 1080));
    }

    #[test]
    fn gif_samples_frames_at_its_own_rate_and_keeps_the_length() {
        let p = plan(&project(30, 95), Format::Gif, Quality::Low, None).unwrap();
        assert_eq!((p.width, p.height, p.fps), (480, 270, 10));
        assert_eq!(p.project_frames.len(), 32); // ceil(95 / 3)
        assert_eq!(&p.project_frames[..4], &[0, 3, 6, 9]);
        assert_eq!(*p.project_frames.last().unwrap(), 93);
        assert_eq!(p.duration, Duration::from_nanos(3_166_666_666));
        // A rate asked for replaces the preset's cap, never above the project's own.
        let at = |fps| plan_sized(&project(30, 95), Format::Gif, Quality::Low, None, OutputSize::Preset, Some(fps));
        let p = at(15).unwrap();
        assert_eq!((p.fps, p.project_frames.len(), p.project_frames[1]), (15, 48, 2));
        assert_eq!(p.duration, Duration::from_nanos(3_166_666_666));
        assert_eq!(at(60).unwrap().fps, 30);
    }

    #[test]
    fn only_a_project_with_sounds_gets_a_sound_track_and_never_in_a_gif() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.wav"), b"RIFF").unwrap();
        let json = r#"{"version":1,"fps":30,"audio":[{"src":"a.wav"}],"scenes":[{"composition":"TitleCard","durationInFrames":30}]}"#;
        let root = dir.path().canonicalize().unwrap();
        let with_sound = parse_project(json.as_bytes(), &root, "t").expect("valid");
        assert!(plan(&with_sound, Format::Mp4, Quality::Low, None).unwrap().settings.audio);
        assert!(plan(&with_sound, Format::Webm, Quality::Low, None).unwrap().settings.audio);
        assert!(!plan(&with_sound, Format::Gif, Quality::Low, None).unwrap().settings.audio);
        assert!(!plan(&project(30, 30), Format::Mp4, Quality::Low, None).unwrap().settings.audio);
    }

    #[test]
    fn ranges_are_checked() {
        let p = plan(&project(30, 90), Format::Webm, Quality::Low, Some((30, 59))).unwrap();
        assert_eq!(p.project_frames, (30..60).collect::<Vec<_>>());
        assert!(plan(&project(30, 90), Format::Webm, Quality::Low, Some((30, 90))).is_err());
        assert_eq!(p.first_output_index(30), 30);
        // A GIF at 10 fps of a 30 fps project: the output frame that shows project frame 30 is 10.
        let g = plan(&project(30, 90), Format::Gif, Quality::Low, Some((30, 59))).unwrap();
        assert_eq!(g.first_output_index(30), 10);
        let whole = plan(&project(30, 95), Format::Gif, Quality::Low, None).unwrap();
        for k in 0..4 {
            let c =
                chunk_plan(&project(30, 95), Format::Gif, Quality::Low, (k, 4), (OutputSize::Preset, None)).unwrap();
            let from = chunk_range(whole.settings.total_frames, k, 4).0;
            assert_eq!(c.first_output_index(30), from, "chunk {k}");
        }
        assert_eq!(parse_range("3-7"), Ok((3, 7)));
        assert!(parse_range("7-3").is_err());
        assert!(parse_range("x").is_err());
    }
}
