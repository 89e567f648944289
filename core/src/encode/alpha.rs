//! Transparency on its way out: whether an output keeps a transparent project's alpha
//! (`--transparent`, the panel's Keep transparency), and the words said when a transparent
//! project is flattened over its matte instead (a format without alpha, or not asked).

use super::profile::Format;
use crate::project::Project;

/// The outputs that keep alpha, as a creator asks for them.
pub const KEEPS_ALPHA: &str = "prores 4444/4444xq, webm-vp9 or png-seq";

/// Refuses `--transparent` for a format whose profile cannot carry alpha, naming the option
/// (said before anything renders).
pub fn check_keep_alpha(format: Format) -> Result<(), String> {
    let profile = format.profile();
    if profile.alpha {
        return Ok(());
    }
    Err(format!(
        "--transparent: {} ({}) cannot keep transparency; use {KEEPS_ALPHA}, or leave --transparent out to flatten the frames over the project's matte",
        profile.id, profile.label
    ))
}

/// The one line that says a transparent project's alpha is not kept, or None (an opaque
/// project, or alpha kept).
pub fn flattened_note(project: &Project, keep_alpha: bool) -> Option<String> {
    let matte = project.flattened_over(keep_alpha)?;
    Some(format!(
        "{} is transparent: flattened over {matte}: add --transparent with {KEEPS_ALPHA} to keep it",
        project.name
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_profile_with_alpha_keeps_it() {
        for format in Format::ALL {
            assert_eq!(check_keep_alpha(format).is_ok(), format.profile().alpha, "{format:?}");
        }
        let refused = check_keep_alpha(Format::Mp4).unwrap_err();
        assert!(refused.starts_with("--transparent: mp4") && refused.contains(KEEPS_ALPHA), "{refused}");
    }
}
