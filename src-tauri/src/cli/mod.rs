//! Command-line parsing and the headless commands (`check`, `render`, `batch`).

pub mod batch;
mod display;
mod headless;
mod jobs;
pub mod render;

use crate::config::Config;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

pub const USAGE: &str = "\
usage:
  bazaar-export [project.json]          open the window (on that project)
  bazaar-export check <project.json>    validate a project: summary, or every problem (exit 1)
  bazaar-export render <project.json> -o <file> [--format mp4|webm|gif] [--quality low|medium|high] [--frames A-B] [--stats] [--stats-json <file>]
                                        render to a file (format from the extension; quality high)
                                        (--dump-frames <raw file>: also write the raw frames, for benchmarks)
                                        [--input key=value]... [--inputs values.json]: the project's inputs
  bazaar-export batch <project.json> --rows <rows.csv|rows.jsonl> --out-dir <folder> [--name '{{name}}.mp4']
                     [--format mp4|webm|gif] [--quality low|medium|high] [--shard K/N|auto/N]
                                        one video per row (columns are inputs); resumes; a bad row fails alone
  bazaar-export render <project.json> --chunk K/N|auto/N --chunk-dir <folder> [--format] [--quality]
                                        chunk K (from 0) of N of the video, into the folder
  bazaar-export render <project.json> -o <file> --jobs N   N chunks side by side in one command, then joined
  bazaar-export render … --size project|WxH   the project's own size (a 4K project at 4K) or the largest that fits WxH
  bazaar-export join <chunk folder> -o <file>   check the chunks and join them (the video is not re-encoded)
  bazaar-export --help";

#[derive(Debug, PartialEq)]
pub enum Command {
    Window { project: Option<PathBuf> },
    Check { project: PathBuf },
    Render(render::RenderArgs),
    Batch(batch::BatchArgs),
    Join { dir: PathBuf, output: PathBuf },
    Help,
}

/// The command `args` ask for; `config` gives `--chunk auto/N` its index.
pub fn parse(args: &[OsString], config: &Config) -> Result<Command, String> {
    let first = args.first().and_then(|a| a.to_str());
    match first {
        None => Ok(Command::Window { project: None }),
        Some("-h" | "--help" | "help") => Ok(Command::Help),
        Some("check") => match &args[1..] {
            [p] => Ok(Command::Check { project: PathBuf::from(p) }),
            [] => Err("`check` needs a project file".into()),
            _ => Err("`check` takes exactly one project file".into()),
        },
        Some("render") => render::parse(&args[1..], config).map(Command::Render),
        Some("batch") => batch::parse(&args[1..]).map(Command::Batch),
        Some("join") => match &args[1..] {
            [dir, o, out] if o == "-o" || o == "--output" => Ok(Command::Join { dir: dir.into(), output: out.into() }),
            _ => Err("usage: bazaar-export join <chunk folder> -o <file>".into()),
        },
        Some(flag) if flag.starts_with('-') => Err(format!("unknown option `{flag}`")),
        _ => match args {
            [p] => Ok(Command::Window { project: Some(PathBuf::from(p)) }),
            _ => Err("give at most one project file".into()),
        },
    }
}

/// `join`: checks the chunks of `dir` and joins them into `output`.
pub fn join(dir: &std::path::Path, output: &std::path::Path) -> ExitCode {
    let cancel = bazaar_core::CancelToken::new();
    let on_signal = cancel.clone();
    crate::signals::on_terminate(move || on_signal.cancel());
    let result = bazaar_core::chunks::join::join(dir, output, &cancel);
    match (result, crate::signals::received()) {
        (Ok(path), _) => {
            eprintln!("wrote {}", path.display());
            ExitCode::SUCCESS
        }
        // Ctrl+C while the chunks were read or joined: said as such, with the shell's status.
        (Err(_), Some(sig)) => {
            eprintln!(
                "bazaar-export: cancelled: no file was written (an existing file at the destination is untouched)"
            );
            ExitCode::from(crate::signals::exit_status(sig))
        }
        (Err(e), None) => {
            eprintln!("bazaar-export: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `check`: prints the summary and exits 0, or prints every problem and exits 1.
pub fn check(path: &std::path::Path) -> ExitCode {
    match crate::project_open::open_project(path) {
        Ok(p) => {
            print!("{}", p.summary());
            println!("ok: the project is valid");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<OsString> {
        a.iter().map(OsString::from).collect()
    }

    fn parse_(args: &[OsString]) -> Result<Command, String> {
        parse(args, &Config::default())
    }

    #[test]
    fn parses_the_commands() {
        assert_eq!(parse_(&args(&[])), Ok(Command::Window { project: None }));
        assert_eq!(parse_(&args(&["p.json"])), Ok(Command::Window { project: Some("p.json".into()) }));
        assert_eq!(parse_(&args(&["check", "p.json"])), Ok(Command::Check { project: "p.json".into() }));
        assert!(parse_(&args(&["check"])).is_err());
        assert!(parse_(&args(&["--frobnicate"])).is_err());
        assert_eq!(parse_(&args(&["--help"])), Ok(Command::Help));
    }
}
