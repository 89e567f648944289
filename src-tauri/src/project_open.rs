//! Opening a project for the window, `check` and a render: the file and its fields
//! ([`bazaar_core::project`]), then what the file names, checked before anything renders:
//! the modules' syntax ([`crate::syntax_check`]), the sound files
//! ([`bazaar_core::audio::inspect`]) and the videos ([`bazaar_core::video::inspect`]), side by side. Every problem is reported at once.

use crate::ipc_error::IpcError;
use bazaar_core::project::{InputValues, Project, ProjectError};
use std::path::Path;

pub fn open_project(path: &Path) -> Result<Project, ProjectError> {
    open_project_with(path, &InputValues::new())
}

/// As [`open_project`], with values for the project's inputs (`render --input`).
pub fn open_project_with(path: &Path, given: &InputValues) -> Result<Project, ProjectError> {
    open_checked(path, given, None, None)
}

/// As [`open_project_with`], as one of its variants when `variant` names one (`--variant`).
pub fn open_project_as(path: &Path, given: &InputValues, variant: Option<&str>) -> Result<Project, ProjectError> {
    open_checked(path, given, variant, None)
}

/// As [`open_project_as`], for another variant of a project already opened and checked as
/// `checked` (its own size or another variant): a variant changes sizes and props only, so the
/// modules are not checked again, nor the sound and clip files `checked` names; a file only this
/// variant's props name is.
pub fn open_variant(
    path: &Path,
    given: &InputValues,
    variant: Option<&str>,
    checked: &Project,
) -> Result<Project, ProjectError> {
    open_checked(path, given, variant, Some(checked))
}

/// A batch's row: as [`open_project_with`], but the modules' syntax is not checked again (the
/// batch checked it once; inputs change props, never modules), which spares a child process a row.
pub fn open_row(path: &Path, given: &InputValues, variant: Option<&str>) -> Result<Project, ProjectError> {
    let project = bazaar_core::project::open_project_as(path, given, variant)?;
    finish(project, false, None)
}

fn open_checked(
    path: &Path,
    given: &InputValues,
    variant: Option<&str>,
    checked: Option<&Project>,
) -> Result<Project, ProjectError> {
    let project = bazaar_core::project::open_project_as(path, given, variant)?;
    finish(project, checked.is_none(), checked)
}

/// `project`'s files checked side by side: its modules' syntax when `modules`, and the sound and
/// clip files (those `checked` names aside).
fn finish(project: Project, modules: bool, checked: Option<&Project>) -> Result<Project, ProjectError> {
    let audio: Vec<_> =
        project.audio.iter().filter(|c| checked.is_none_or(|p| !p.audio.contains(c))).cloned().collect();
    let videos: Vec<_> =
        project.videos.iter().filter(|v| checked.is_none_or(|p| !p.videos.contains(v))).cloned().collect();
    let (mut problems, sounds, videos) = std::thread::scope(|s| {
        let sounds = s.spawn(|| bazaar_core::audio::inspect(&audio));
        let videos = s.spawn(|| bazaar_core::video::inspect(&videos));
        let modules = if modules { crate::syntax_check::check_modules(&project) } else { Vec::new() };
        (modules, sounds.join().unwrap_or_default(), videos.join().unwrap_or_default())
    });
    problems.extend(videos);
    problems.extend(sounds);
    if problems.is_empty() {
        Ok(project)
    } else {
        Err(ProjectError { file: project.file.clone(), problems })
    }
}

/// The window's error for a project that is no longer where it was opened, `file` (its folder
/// deleted or moved while it was open), saying so: opening it again would only report that the
/// file cannot be opened. `then`: what this means for what was asked, a sentence. `None` while
/// the file is there.
pub fn moved_away_error(file: &Path, then: &str) -> Option<IpcError> {
    let what = bazaar_core::project::edit::moved_away(file)?;
    let mut chars = what.chars();
    let what: String = chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default();
    Some(IpcError {
        kind: "movedAway",
        message: format!("{what}. {then} Open the project from where it is now."),
        file: Some(file.display().to_string()),
        problems: Vec::new(),
    })
}
