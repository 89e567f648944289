//! Where an export is saved: the native save dialog (GTK through `rfd`), its default name and
//! folder, and fixing an extension that does not match the format.

use crate::config::Config;
use bazaar_core::encode::{Format, OutputKind};
use std::path::{Path, PathBuf};

/// `name.ext` with the format's extension, whatever the creator typed.
pub fn fix_extension(path: &Path, format: Format) -> PathBuf {
    let ext = format.profile().extension;
    // An image sequence is a folder: its name is kept as given.
    if format.kind() == OutputKind::ImageSequence {
        return path.to_path_buf();
    }
    match path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case(ext) => path.to_path_buf(),
        // A known video/image extension of another format is replaced; anything else (a dot in a
        // title, say "v1.2") is kept and the right extension appended.
        Some(e) if ["mp4", "webm", "gif", "mov", "mkv", "m4v"].contains(&e.to_ascii_lowercase().as_str()) => {
            path.with_extension(ext)
        }
        _ => {
            let mut s = path.as_os_str().to_owned();
            s.push(format!(".{ext}"));
            PathBuf::from(s)
        }
    }
}

/// A file name from a project name: no path separators or control characters.
pub fn default_file_name(project_name: &str, format: Format) -> String {
    let stem = clean_stem(project_name);
    match format.kind() {
        OutputKind::ImageSequence => stem,
        _ => format!("{stem}.{}", format.profile().extension),
    }
}

/// A name's stem safe for a file: no path separators or control characters, no leading dot.
pub fn clean_stem(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| if c == '/' || c == '\\' || c.is_control() { '-' } else { c })
        .collect::<String>()
        .trim()
        .trim_start_matches('.')
        .to_string();
    if clean.is_empty() {
        "Untitled".to_string()
    } else {
        clean
    }
}

/// The folder the dialog opens in: the last one used if it still exists, else the user's
/// Videos folder (XDG), else home.
pub fn default_folder(last: Option<&str>, config: &Config) -> Option<PathBuf> {
    if let Some(l) = last.map(PathBuf::from).filter(|p| p.is_dir()) {
        return Some(l);
    }
    let home = config.home.as_deref()?;
    let config_home = config.xdg_config_home.clone().unwrap_or_else(|| home.join(".config"));
    let videos = xdg_videos(home, &config_home).unwrap_or_else(|| home.join("Videos"));
    Some(if videos.is_dir() { videos } else { home.to_path_buf() })
}

/// `XDG_VIDEOS_DIR` from `~/.config/user-dirs.dirs`, if set.
fn xdg_videos(home: &Path, config_home: &Path) -> Option<PathBuf> {
    let text = std::fs::read_to_string(config_home.join("user-dirs.dirs")).ok()?;
    let line = text.lines().find(|l| l.trim_start().starts_with("XDG_VIDEOS_DIR="))?;
    let value = line.split_once('=')?.1.trim().trim_matches('"');
    Some(PathBuf::from(value.replace("$HOME", &home.to_string_lossy())))
}

/// Shows the native save dialog (blocking this worker thread; GTK runs it on its main loop).
/// GTK's own overwrite confirmation stays on. `None` when the creator cancels.
pub fn ask(format: Format, file_name: &str, folder: Option<PathBuf>) -> Option<PathBuf> {
    let profile = format.profile();
    let mut dialog = rfd::FileDialog::new().set_file_name(file_name);
    // An image sequence's pictures go into a folder: the name typed is that new folder's.
    dialog = match format.kind() {
        OutputKind::ImageSequence => {
            dialog.set_title(format!("Export as {}: name a new folder for the pictures", profile.label))
        }
        _ => dialog.set_title(format!("Export as {}", profile.label)).add_filter(profile.label, &[profile.extension]),
    };
    if let Some(dir) = folder {
        dialog = dialog.set_directory(dir);
    }
    dialog.save_file().map(|p| fix_extension(&p, format))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_are_fixed_up() {
        assert_eq!(fix_extension(Path::new("/a/b.mp4"), Format::Mp4), PathBuf::from("/a/b.mp4"));
        assert_eq!(fix_extension(Path::new("/a/b.MP4"), Format::Mp4), PathBuf::from("/a/b.MP4"));
        assert_eq!(fix_extension(Path::new("/a/b"), Format::Gif), PathBuf::from("/a/b.gif"));
        assert_eq!(fix_extension(Path::new("/a/b.mp4"), Format::Webm), PathBuf::from("/a/b.webm"));
        assert_eq!(fix_extension(Path::new("/a/teaser v1.2"), Format::Mp4), PathBuf::from("/a/teaser v1.2.mp4"));
        assert_eq!(fix_extension(Path::new("/a/frames"), Format::PngSeq), PathBuf::from("/a/frames"));
    }

    #[test]
    fn default_names_are_safe() {
        assert_eq!(default_file_name("Launch teaser", Format::Mp4), "Launch teaser.mp4");
        assert_eq!(default_file_name("a/b\\c", Format::Gif), "a-b-c.gif");
        assert_eq!(default_file_name("  ", Format::Webm), "Untitled.webm");
        assert_eq!(default_file_name("..hidden", Format::Webm), "hidden.webm");
        assert_eq!(default_file_name("Intro", Format::JpegSeq), "Intro");
    }

    #[test]
    fn the_last_folder_wins_if_it_still_exists() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_str().unwrap();
        let config = Config::default();
        assert_eq!(default_folder(Some(d), &config), Some(dir.path().to_path_buf()));
        assert_ne!(default_folder(Some("/nonexistent/bazaar"), &config), Some(PathBuf::from("/nonexistent/bazaar")));
    }
}
