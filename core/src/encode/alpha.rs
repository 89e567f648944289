//! Transparency on its way out: whether an output keeps a transparent project's alpha
//! (`--transparent`, the panel's Keep transparency), and the words said when a transparent
//! project is flattened over its matte instead (a format without alpha, or not asked).

use super::profile::Format;
use super::prores::ProresProfile;
use crate::project::Project;

/// The outputs that keep alpha, as a creator asks for them.
pub const KEEPS_ALPHA: &str = "prores 4444/4444xq, webm-vp9 or png-seq";

/// Refuses `--transparent` for a format whose profile cannot carry alpha, or (ProRes) for a
/// profile without an alpha plane (`prores`: `--prores-profile`, ignored by other formats),
/// naming the option (said before anything renders).
pub fn check_keep_alpha(format: Format, prores: ProresProfile) -> Result<(), String> {
    let profile = format.profile();
    if format == Format::Prores && !prores.keeps_alpha() {
        return Err(format!(
            "--transparent: ProRes profile {} ({}) has no alpha; add --prores-profile 4444 or 4444xq, or leave --transparent out to flatten the frames over the project's matte",
            prores.id(),
            prores.label()
        ));
    }
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
            let kept = check_keep_alpha(format, ProresProfile::P4444).is_ok();
            assert_eq!(kept, format.profile().alpha, "{format:?}");
        }
        let refused = check_keep_alpha(Format::Mp4, ProresProfile::P4444).unwrap_err();
        assert!(refused.starts_with("--transparent: mp4") && refused.contains(KEEPS_ALPHA), "{refused}");
    }

    #[test]
    fn prores_keeps_alpha_only_in_its_4444_profiles() {
        for p in ProresProfile::ALL {
            assert_eq!(check_keep_alpha(Format::Prores, p).is_ok(), p.keeps_alpha(), "{p:?}");
        }
        let refused = check_keep_alpha(Format::Prores, ProresProfile::Hq).unwrap_err();
        assert!(refused.contains("--prores-profile 4444"), "{refused}");
        // The ProRes profile says nothing for another format.
        assert!(check_keep_alpha(Format::WebmVp9, ProresProfile::Hq).is_ok());
    }
}
