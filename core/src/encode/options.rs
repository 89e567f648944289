//! The choices besides format and quality that shape an export's file: ProRes's profile, a GIF's
//! loops and frame rate, whether a transparent project's alpha is kept. One value the command
//! line, the export panel, the queue and the history hand around.

use super::profile::Format;
use super::prores::ProresProfile;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FormatOptions {
    /// `--prores-profile` (ProRes only).
    pub prores_profile: ProresProfile,
    /// How many times a GIF plays again after the first (`--gif-loops`; 0 = forever).
    pub gif_loops: u16,
    /// A GIF's frame rate (`--gif-fps`, the panel's choice); `None`: the quality preset's.
    pub gif_fps: Option<u32>,
    /// Keep a transparent project's alpha (`--transparent`, the panel's Keep transparency;
    /// checked against the format's profile before anything renders).
    pub keep_alpha: bool,
}

impl FormatOptions {
    /// The options `format` uses, in words for the queue and the history ("ProRes 4444 XQ,
    /// transparent", "12 fps, plays 3 times"); empty when it uses none.
    pub fn describe(&self, format: Format) -> String {
        let mut words = Vec::new();
        if format == Format::Prores {
            words.push(self.prores_profile.label().to_string());
        }
        if format == Format::Gif {
            if let Some(fps) = self.gif_fps {
                words.push(format!("{fps} fps"));
            }
            words.push(match self.gif_loops {
                0 => "loops forever".to_string(),
                1 => "plays twice".to_string(),
                n => format!("plays {} times", u32::from(n) + 1),
            });
        }
        if self.keep_alpha {
            words.push("transparent".into());
        }
        words.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_options_a_format_uses_are_described() {
        let o =
            FormatOptions { prores_profile: ProresProfile::P4444, gif_loops: 2, gif_fps: Some(12), keep_alpha: false };
        assert_eq!(o.describe(Format::Gif), "12 fps, plays 3 times");
        assert_eq!(o.describe(Format::Mp4), "");
        assert_eq!(FormatOptions { keep_alpha: true, ..o }.describe(Format::Prores), "ProRes 4444, transparent");
        assert_eq!(FormatOptions { keep_alpha: true, ..o }.describe(Format::WebmVp9), "transparent");
        assert_eq!(FormatOptions::default().describe(Format::Gif), "loops forever");
    }
}
