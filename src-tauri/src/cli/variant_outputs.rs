//! `render --variant NAME|all`: which variant each render is, and the file each writes. One
//! variant writes `-o` (`{{variant}}` in it replaced by the name); `all` writes one file per
//! variant, into the folder `-o` names (`<project name>-<variant>.<ext>`, as the export panel
//! names them) or to `-o` with `{{variant}}` replaced.

use bazaar_core::encode::Format;
use std::path::{Path, PathBuf};

/// What `{{variant}}` in an output name is replaced by.
pub const PLACEHOLDER: &str = "{{variant}}";

/// The renders `--variant` asks for: each variant's name and output (one `(None, output)` when
/// none is asked for). `declared`: the project's variants, in its file's order; `name`: the
/// project's name, for the files of `all` in a folder.
pub fn renders(
    asked: Option<&str>,
    output: &Path,
    format: Option<Format>,
    declared: &[String],
    name: &str,
) -> Result<Vec<(Option<String>, PathBuf)>, String> {
    let text = output.to_string_lossy();
    let Some(asked) = asked else {
        if text.contains(PLACEHOLDER) {
            return Err(format!(
                "{} names {PLACEHOLDER}: choose the variant with --variant NAME|all",
                output.display()
            ));
        }
        return Ok(vec![(None, output.to_path_buf())]);
    };
    let known: Vec<&str> = declared.iter().map(String::as_str).collect();
    if asked != bazaar_core::project::variants::ALL {
        if !known.contains(&asked) {
            return Err(format!("--variant: {}", bazaar_core::project::variants::unknown(asked, &known)));
        }
        return Ok(vec![(Some(asked.to_string()), PathBuf::from(text.replace(PLACEHOLDER, asked)))]);
    }
    if known.is_empty() {
        return Err("--variant all: this project declares no \"variants\"".into());
    }
    let into_folder = output.is_dir() || text.ends_with('/');
    if !into_folder && !text.contains(PLACEHOLDER) {
        return Err(format!(
            "--variant all writes one file per variant ({}): give -o a folder, or a name with {PLACEHOLDER} in it",
            known.join(", ")
        ));
    }
    Ok(known
        .iter()
        .map(|v| {
            let path = if into_folder {
                let format = format.or_else(|| Format::from_path(output)).unwrap_or(Format::Mp4);
                let stem = format!("{}-{v}", crate::export::dialog::clean_stem(name));
                output.join(crate::export::dialog::default_file_name(&stem, format))
            } else {
                PathBuf::from(text.replace(PLACEHOLDER, v))
            };
            (Some(v.to_string()), path)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[(Option<String>, PathBuf)]) -> Vec<(Option<&str>, String)> {
        v.iter().map(|(n, p)| (n.as_deref(), p.display().to_string())).collect()
    }

    #[test]
    fn each_variant_gets_its_file() {
        let declared = ["vertical".to_string(), "square".to_string()];
        let r = |asked, out: &str, format| renders(asked, Path::new(out), format, &declared, "My Film");
        assert_eq!(names(&r(None, "a.mp4", None).unwrap()), [(None, "a.mp4".into())]);
        assert_eq!(
            names(&r(Some("square"), "a-{{variant}}.mp4", None).unwrap()),
            [(Some("square"), "a-square.mp4".into())]
        );
        assert_eq!(names(&r(Some("square"), "a.mp4", None).unwrap()), [(Some("square"), "a.mp4".into())]);
        assert_eq!(
            names(&r(Some("all"), "out/", Some(Format::WebmVp9)).unwrap()),
            [
                (Some("vertical"), "out/My Film-vertical.webm".into()),
                (Some("square"), "out/My Film-square.webm".into())
            ]
        );
        assert_eq!(
            names(&r(Some("all"), "x/{{variant}}.gif", None).unwrap()),
            [(Some("vertical"), "x/vertical.gif".into()), (Some("square"), "x/square.gif".into())]
        );
        let e = r(Some("all"), "a.mp4", None).unwrap_err();
        assert!(e.contains("give -o a folder, or a name with {{variant}}"), "{e}");
        let e = r(Some("wide"), "a.mp4", None).unwrap_err();
        assert_eq!(e, "--variant: there is no variant \"wide\"; this project has: vertical, square");
        let e = r(None, "{{variant}}.mp4", None).unwrap_err();
        assert!(e.contains("choose the variant with --variant"), "{e}");
        let e = renders(Some("all"), Path::new("o/"), None, &[], "p").unwrap_err();
        assert_eq!(e, "--variant all: this project declares no \"variants\"");
    }
}
