//! The command line as `clap` reads it: every sub-command and option with its one-line help
//! (`bazaar-export <command> --help`), and shell completions. What one option means with another
//! (`--chunk` with `--chunk-dir`, `--jobs` alone) is checked after, in [`super::render`] and
//! [`super::batch`], with the same words as before clap.

use bazaar_core::captions::sidecar::SidecarFormat;
use bazaar_core::encode::{Format, ProresProfile, Quality};
use bazaar_core::render_plan::OutputSize;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "bazaar-export",
    version,
    about = "Turn code-defined video projects into video files: the window, or the same engine from the command line.",
    after_help = "With no command, the window opens (on the project file, if one is given).",
    args_conflicts_with_subcommands = true,
    // The last of an option given twice wins (`--quality low … --quality medium`), as scripts
    // that add to a base command line expect.
    args_override_self = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Sub>,
    /// The project to open the window on
    #[arg(value_name = "PROJECT.json")]
    pub project: Option<PathBuf>,
    /// Logs to show on stderr: error, warn, info, debug or trace, or a RUST_LOG filter (default: warnings)
    #[arg(long, global = true, value_name = "LEVEL", value_parser = log_level)]
    pub log_level: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Sub {
    /// Validate a project: its summary (exit 0), or every problem (exit 1)
    Check {
        /// The project file
        #[arg(value_name = "PROJECT.json")]
        project: PathBuf,
    },
    /// Render a project to a file, without the window (a private Xvfb when there is no display)
    Render(RenderCli),
    /// One video per row of a CSV or JSON Lines file (the columns are inputs); resumes; a bad row fails alone
    Batch(BatchArgs),
    /// One frame as a picture: PNG (keeps transparency, tagged sRGB), JPEG or WebP
    Still(StillArgs),
    /// Check a folder of chunks and join them into one file (the video is not re-encoded)
    Join {
        /// The folder the chunks were rendered into (`render --chunk-dir`)
        #[arg(value_name = "CHUNK_FOLDER")]
        dir: PathBuf,
        /// The file to write
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: PathBuf,
    },
    /// Word timings for captions: a voice-over aligned to its script, offline (PocketSphinx, English)
    Align(super::align::AlignArgs),
    /// Print a completion script for a shell (`bazaar-export completions bash > /etc/bash_completion.d/bazaar-export`)
    Completions {
        /// The shell
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
pub struct RenderCli {
    /// The project file
    #[arg(value_name = "PROJECT.json")]
    pub project: PathBuf,
    /// The file to write (its extension gives the format), or for png-seq/jpeg-seq the new or
    /// empty folder the pictures go into (`<folder name>-00000.png` …, numbered by frame)
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// mp4 (H.264), mp4-hevc (H.265), webm (VP8), webm-vp9, prores (.mov), gif; png-seq, jpeg-seq
    /// (a folder of pictures); wav, mp3, m4a, opus (the sound only) (default: from the output's extension: .mp4 is H.264, .webm VP8, .mov ProRes)
    #[arg(short = 'f', long, value_name = "FORMAT", value_parser = format)]
    pub format: Option<Format>,
    /// low, medium or high
    #[arg(short = 'q', long, value_name = "low|medium|high", value_parser = quality, default_value = "high")]
    pub quality: Quality,
    /// Only output frames A to B (from 0, both included)
    #[arg(long, value_name = "A-B", value_parser = frame_range)]
    pub frames: Option<(u64, u64)>,
    /// The output's size: the quality's preset, the project's own, or the largest that fits WxH
    #[arg(long, value_name = "project|preset|WxH", value_parser = OutputSize::parse, default_value = "preset")]
    pub size: OutputSize,
    /// A value for one of the project's inputs (typed like the input's default); repeat for more
    #[arg(long = "input", value_name = "KEY=VALUE", value_parser = assignment)]
    pub inputs: Vec<(String, String)>,
    /// The project's input values from a JSON object (read first; --input wins)
    #[arg(long = "inputs", value_name = "VALUES.json")]
    pub inputs_file: Option<PathBuf>,
    /// Render chunk K (from 0) of N of the video; auto/N takes K from the job array's index
    #[arg(long, value_name = "K/N|auto/N")]
    pub chunk: Option<String>,
    /// The folder every chunk goes into (with --chunk; instead of -o)
    #[arg(long, value_name = "FOLDER")]
    pub chunk_dir: Option<PathBuf>,
    /// Render N chunks side by side in this one command, then join them (1 to 64)
    #[arg(short = 'j', long, value_name = "N", value_parser = jobs, default_value = "1")]
    pub jobs: u64,
    /// Print where the time went (stages, CPU per frame, peak memory)
    #[arg(long)]
    pub stats: bool,
    /// Also write those figures as JSON to this file
    #[arg(long, value_name = "FILE")]
    pub stats_json: Option<PathBuf>,
    /// Also write every frame, as the encoder receives it, to this raw file (benchmarks)
    #[arg(long, value_name = "RAW_FILE")]
    pub dump_frames: Option<PathBuf>,
    /// ProRes's profile: proxy, lt, standard, hq (the default), 4444 or 4444xq (with --format prores)
    #[arg(long, value_name = "PROFILE", value_parser = prores_profile)]
    pub prores_profile: Option<ProresProfile>,
    /// How many times a GIF plays again after the first (its loop count): 0 = forever (the default)
    #[arg(long, value_name = "N", value_parser = gif_loops, allow_negative_numbers = true)]
    pub gif_loops: Option<u16>,
    /// A GIF's frame rate, 1 to 50 (default: the quality's, 10, 15 or 25; never above the project's)
    #[arg(long, value_name = "FPS", value_parser = gif_fps, allow_negative_numbers = true)]
    pub gif_fps: Option<u32>,
    /// Keep a transparent project's alpha (prores 4444/4444xq, webm-vp9 or png-seq); without it,
    /// it is flattened over the project's matte
    #[arg(long)]
    pub transparent: bool,
    /// Also write the project's captions beside the video, on its timeline: srt or vtt
    #[arg(long, value_name = "srt|vtt", value_parser = sidecar_format)]
    pub captions_sidecar: Option<SidecarFormat>,
    /// Render as one of the project's variants (its size, its props), or all of them: one file
    /// each, into the folder -o names or to -o with {{variant}} replaced
    #[arg(long, value_name = "NAME|all")]
    pub variant: Option<String>,
}

#[derive(Debug, PartialEq, Args)]
pub struct StillArgs {
    /// The project file
    #[arg(value_name = "PROJECT.json")]
    pub project: PathBuf,
    /// The frame to draw (from 0)
    #[arg(long, value_name = "N")]
    pub frame: u64,
    /// The picture to write: its extension gives the type (.png, .jpg, .webp)
    #[arg(short = 'o', long = "output", value_name = "FILE.png|.jpg|.webp")]
    pub output: PathBuf,
    /// The picture's size: the project's own, a video preset's, or the largest that fits WxH
    #[arg(long, value_name = "project|preset|WxH", value_parser = OutputSize::parse, default_value = "project")]
    pub size: OutputSize,
    /// JPEG and WebP quality: low (80), medium (90) or high (95)
    #[arg(short = 'q', long, value_name = "low|medium|high", value_parser = quality, default_value = "high")]
    pub quality: Quality,
    /// A value for one of the project's inputs (typed like the input's default); repeat for more
    #[arg(long = "input", value_name = "KEY=VALUE", value_parser = assignment)]
    pub inputs: Vec<(String, String)>,
    /// The picture as one of the project's variants (its size, its props)
    #[arg(long, value_name = "NAME")]
    pub variant: Option<String>,
}

#[derive(Debug, PartialEq, Args)]
pub struct BatchArgs {
    /// The project file
    #[arg(value_name = "PROJECT.json")]
    pub project: PathBuf,
    /// The rows: a CSV file with a header, or JSON Lines (one object a line)
    #[arg(long, value_name = "ROWS.csv|ROWS.jsonl")]
    pub rows: PathBuf,
    /// The folder the videos go into
    #[arg(long, value_name = "FOLDER")]
    pub out_dir: PathBuf,
    /// Each video's file name, {{input}} and {{row}} filled in (default: {{row}}.mp4)
    #[arg(long, value_name = "TEMPLATE")]
    pub name: Option<String>,
    /// mp4 (H.264), mp4-hevc (H.265), webm (VP8), webm-vp9, prores (.mov), gif, png-seq or jpeg-seq (default: from --name's
    /// extension, else mp4: .mp4 is H.264, .webm VP8, .mov ProRes)
    #[arg(short = 'f', long, value_name = "FORMAT", value_parser = format)]
    pub format: Option<Format>,
    /// low, medium or high
    #[arg(short = 'q', long, value_name = "low|medium|high", value_parser = quality, default_value = "high")]
    pub quality: Quality,
    /// Render only rows K, K+N, K+2N… (K from 0); auto/N takes K from the job array's index
    #[arg(long, value_name = "K/N|auto/N")]
    pub shard: Option<String>,
    /// ProRes's profile: proxy, lt, standard, hq (the default), 4444 or 4444xq (with --format prores)
    #[arg(long, value_name = "PROFILE", value_parser = prores_profile)]
    pub prores_profile: Option<ProresProfile>,
    /// How many times a GIF plays again after the first (its loop count): 0 = forever (the default)
    #[arg(long, value_name = "N", value_parser = gif_loops, allow_negative_numbers = true)]
    pub gif_loops: Option<u16>,
    /// A GIF's frame rate, 1 to 50 (default: the quality's, 10, 15 or 25; never above the project's)
    #[arg(long, value_name = "FPS", value_parser = gif_fps, allow_negative_numbers = true)]
    pub gif_fps: Option<u32>,
    /// Keep a transparent project's alpha (prores 4444/4444xq, webm-vp9 or png-seq)
    #[arg(long)]
    pub transparent: bool,
    /// Render every row as this one of the project's variants (its size, its props)
    #[arg(long, value_name = "NAME")]
    pub variant: Option<String>,
}

fn sidecar_format(v: &str) -> Result<SidecarFormat, String> {
    SidecarFormat::parse(v).ok_or_else(|| format!("{v:?}: give srt or vtt"))
}

fn log_level(v: &str) -> Result<String, String> {
    crate::logging::check_filter(v).map(|()| v.to_string())
}

fn format(v: &str) -> Result<Format, String> {
    Format::parse(v).ok_or_else(|| format!("unknown format {v:?}: use {}", Format::ids(", ")))
}

fn prores_profile(v: &str) -> Result<ProresProfile, String> {
    ProresProfile::parse(v).ok_or_else(|| {
        let ids: Vec<_> = ProresProfile::ALL.iter().map(|p| p.id()).collect();
        format!("unknown ProRes profile {v:?}: use {}", ids.join(", "))
    })
}

fn gif_loops(v: &str) -> Result<u16, String> {
    v.parse().map_err(|_| format!("{v:?}: give a whole number from 0 (forever) to {}", u16::MAX))
}

/// GIF delays are whole centiseconds: above 50 fps players slow the frames down to 10 fps.
fn gif_fps(v: &str) -> Result<u32, String> {
    v.parse().ok().filter(|n| (1..=50).contains(n)).ok_or_else(|| format!("{v:?}: give a frame rate from 1 to 50"))
}

/// `--prores-profile`, `--gif-loops` and `--gif-fps` go only with the format they shape
/// (`format`: the one asked for, or the output's): given with another, they would be silently
/// ignored.
pub fn check_codec_options(
    format: Format,
    prores: Option<ProresProfile>,
    (loops, fps): (Option<u16>, Option<u32>),
) -> Result<(), String> {
    if prores.is_some() && format != Format::Prores {
        return Err(format!("--prores-profile goes with --format prores (a .mov), not {}", format.id()));
    }
    for (given, option) in [(loops.is_some(), "--gif-loops"), (fps.is_some(), "--gif-fps")] {
        if given && format != Format::Gif {
            return Err(format!("{option} goes with --format gif (a .gif), not {}", format.id()));
        }
    }
    Ok(())
}

fn quality(v: &str) -> Result<Quality, String> {
    Quality::parse(v).ok_or_else(|| format!("unknown quality {v:?}: use low, medium or high"))
}

fn frame_range(v: &str) -> Result<(u64, u64), String> {
    bazaar_core::render_plan::parse_range(v)
}

fn assignment(v: &str) -> Result<(String, String), String> {
    bazaar_core::project::inputs::parse_assignment(v)
}

fn jobs(v: &str) -> Result<u64, String> {
    v.parse().ok().filter(|n| (1..=64).contains(n)).ok_or_else(|| format!("--jobs {v:?}: give a number from 1 to 64"))
}

/// Writes `shell`'s completion script to stdout.
pub fn print_completions(shell: clap_complete::Shell) {
    use clap::CommandFactory;
    clap_complete::generate(shell, &mut Cli::command(), "bazaar-export", &mut std::io::stdout());
}
