//! A project's caption file as the project file places and styles it (`"captions"`, checked in
//! `project/caption_fields.rs`), with its cues read.

use super::Cue;
use serde::Serialize;
use std::path::PathBuf;

/// How burned captions look (`"style"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum CaptionStyle {
    /// A bottom band, at most two lines, broken to fit the frame.
    #[default]
    Subtitle,
    /// Pages of a few words, the spoken word highlighted (the short-video style).
    Words,
    /// The word's fill advances through it as it is spoken.
    Karaoke,
}

impl CaptionStyle {
    pub const ALL: [CaptionStyle; 3] = [Self::Subtitle, Self::Words, Self::Karaoke];

    pub fn id(self) -> &'static str {
        ["subtitle", "words", "karaoke"][self as usize]
    }
}

/// `"styleProps"`: each optional; the burn-in's defaults apply where absent.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CaptionStyleProps {
    pub font_family: Option<String>,
    pub font_size: Option<f64>,
    pub color: Option<String>,
    pub highlight: Option<String>,
    pub background: Option<String>,
    /// `top`, `middle` or `bottom`.
    pub position: Option<String>,
    pub words_per_page: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CaptionTrack {
    /// Where it sits in the project file (`captions[0]`), for messages.
    pub json_path: String,
    /// The file, relative to the project's folder, and in full.
    pub src: String,
    pub path: PathBuf,
    /// The project frame where the file's time 0 falls.
    pub at: u64,
    /// BCP 47 tag of the track (`und` when not given).
    pub language: String,
    /// Drawn into the picture.
    pub burn: bool,
    /// Carried as a subtitle track.
    pub track: bool,
    pub style: CaptionStyle,
    pub style_props: CaptionStyleProps,
    pub cues: Vec<Cue>,
}
