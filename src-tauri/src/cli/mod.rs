//! Command-line parsing and the headless commands (`check`, `render`, `batch`, `still`, `align`).

pub mod align;
mod args;
pub mod batch;
mod display;
mod headless;
mod jobs;
mod progress;
pub mod render;
mod sidecar;
pub mod still;
mod variant_outputs;

use crate::config::Config;
pub use args::print_completions;
use args::Sub;
use clap::Parser;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, PartialEq)]
pub enum Command {
    Window { project: Option<PathBuf> },
    Check { project: PathBuf },
    Render(render::RenderArgs),
    Batch(batch::BatchArgs),
    Still(args::StillArgs),
    Join { dir: PathBuf, output: PathBuf },
    Align(align::AlignArgs),
    Completions(clap_complete::Shell),
}

/// Why the command line asks for nothing to run.
#[derive(Debug)]
pub enum Refused {
    /// What clap says: a bad option or value (exit 2), or `--help` and `--version` (exit 0).
    Clap(clap::Error),
    /// Options that do not go together (exit 2).
    Invalid(String),
}

impl Refused {
    /// Says it (help on stdout, errors on stderr) and gives the exit status.
    pub fn report(self) -> ExitCode {
        match self {
            Refused::Clap(e) => {
                let _ = e.print();
                ExitCode::from(e.exit_code().clamp(0, 255) as u8)
            }
            Refused::Invalid(message) => {
                eprintln!("bazaar-export: {message}\n\nSee `bazaar-export --help`, and `--help` after each command.");
                ExitCode::from(2)
            }
        }
    }
}

/// The command `args` (without the program's name) ask for; `config` gives `--chunk auto/N`
/// its index, and takes the command line's own settings (`--log-level`).
pub fn parse(args: &[OsString], config: &mut Config) -> Result<Command, Refused> {
    let all = std::iter::once(OsString::from("bazaar-export")).chain(args.iter().cloned());
    let cli = args::Cli::try_parse_from(all).map_err(Refused::Clap)?;
    if let Some(level) = cli.log_level {
        config.log_filter = Some(level);
    }
    Ok(match cli.command {
        None => Command::Window { project: cli.project },
        Some(Sub::Check { project }) => Command::Check { project },
        Some(Sub::Render(r)) => Command::Render(render::from_cli(r, config).map_err(Refused::Invalid)?),
        Some(Sub::Batch(b)) => Command::Batch(b),
        Some(Sub::Still(s)) => Command::Still(s),
        Some(Sub::Join { dir, output }) => Command::Join { dir, output },
        Some(Sub::Align(a)) => Command::Align(a),
        Some(Sub::Completions { shell }) => Command::Completions(shell),
    })
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

/// `check`: prints the summary and exits 0, or prints every problem and exits 1. A project
/// with variants is checked as each of them too (their props are the scenes' props then).
pub fn check(path: &std::path::Path) -> ExitCode {
    let p = match crate::project_open::open_project(path) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let mut ok = true;
    for v in &p.variants {
        if let Err(e) = crate::project_open::open_variant(path, &Default::default(), Some(&v.name), &p) {
            eprintln!("as the variant {:?}: {e}", v.name);
            ok = false;
        }
    }
    if !ok {
        return ExitCode::FAILURE;
    }
    print!("{}", p.summary());
    println!("ok: the project is valid");
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;
    use bazaar_core::encode::Quality;

    fn parse(a: &[&str]) -> Result<Command, String> {
        let a: Vec<OsString> = a.iter().map(OsString::from).collect();
        super::parse(&a, &mut Config::default()).map_err(|e| match e {
            Refused::Clap(e) => e.to_string(),
            Refused::Invalid(m) => m,
        })
    }

    #[test]
    fn parses_the_commands() {
        assert_eq!(parse(&[]), Ok(Command::Window { project: None }));
        assert_eq!(parse(&["p.json"]), Ok(Command::Window { project: Some("p.json".into()) }));
        assert_eq!(parse(&["check", "p.json"]), Ok(Command::Check { project: "p.json".into() }));
        assert_eq!(
            parse(&["join", "chunks", "-o", "v.mp4"]),
            Ok(Command::Join { dir: "chunks".into(), output: "v.mp4".into() })
        );
        assert_eq!(parse(&["completions", "bash"]), Ok(Command::Completions(clap_complete::Shell::Bash)));
        assert!(parse(&["check"]).is_err());
        assert!(parse(&["check", "a.json", "b.json"]).is_err());
        assert!(parse(&["a.json", "b.json"]).is_err());
        assert!(parse(&["--frobnicate"]).unwrap_err().contains("--frobnicate"));
        assert!(parse(&["join", "chunks"]).is_err());
    }

    #[test]
    fn help_is_not_an_error() {
        let a: Vec<OsString> = ["render", "--help"].iter().map(OsString::from).collect();
        match super::parse(&a, &mut Config::default()) {
            Err(Refused::Clap(e)) => assert_eq!(e.exit_code(), 0),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn batch_options_are_read() {
        let Ok(Command::Batch(b)) = parse(&[
            "batch",
            "p.json",
            "--rows",
            "r.csv",
            "--out-dir",
            "out",
            "--name",
            "{{name}}.gif",
            "-q",
            "low",
            "--shard",
            "auto/4",
        ]) else {
            panic!("not a batch")
        };
        assert_eq!((b.rows, b.out_dir), ("r.csv".into(), "out".into()));
        assert_eq!(
            (b.name.as_deref(), b.quality, b.shard.as_deref()),
            (Some("{{name}}.gif"), Quality::Low, Some("auto/4"))
        );
        assert!(parse(&["batch", "p.json", "--out-dir", "out"]).unwrap_err().contains("--rows"));
        assert!(parse(&["batch", "p.json", "--rows", "r.csv", "-f", "avi", "--out-dir", "o"])
            .unwrap_err()
            .contains("unknown format"));
    }

    #[test]
    fn the_log_level_goes_anywhere_and_wins_over_rust_log() {
        let mut config = Config::default();
        config.log_filter = Some("info".into());
        let a: Vec<OsString> = ["check", "p.json", "--log-level", "debug"].iter().map(OsString::from).collect();
        assert!(super::parse(&a, &mut config).is_ok());
        assert_eq!(config.log_filter.as_deref(), Some("debug"));
        assert!(parse(&["--log-level", "loud", "check", "p.json"]).unwrap_err().contains("give error, warn, info"));
    }

    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        args::Cli::command().debug_assert();
    }
}
