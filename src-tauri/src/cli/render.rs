//! `bazaar-export render`: the export engine without the window (the render webview still
//! needs a display; see [`super::display`]).

use super::args::RenderCli;
use super::progress::{print_stats, Printer};
use crate::config::Config;
use crate::render::{self, RenderRequest};
use bazaar_core::captions::sidecar::SidecarFormat;
use bazaar_core::encode::Progress;
use bazaar_core::encode::{Format, FormatOptions, OutputKind, Quality};
use bazaar_core::project::inputs::{typed, InputValues};
use bazaar_core::project::Project;
use bazaar_core::render_plan::OutputSize;
use bazaar_core::Stage;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq)]
pub struct RenderArgs {
    pub project: PathBuf,
    pub output: PathBuf,
    pub format: Option<Format>,
    pub quality: Quality,
    pub frames: Option<(u64, u64)>,
    /// Print where the time went (benchmarks).
    pub stats: bool,
    /// Also write those figures as JSON to this file (for scripts and tests).
    pub stats_json: Option<PathBuf>,
    /// Also write every frame, as the encoder receives it, to this raw file (benchmarks: the
    /// encoder-only ceiling is measured on exactly these frames).
    pub dump_frames: Option<PathBuf>,
    /// Values for the project's inputs: `--input key=value` (text, typed by the input's
    /// default), in order, and `--inputs values.json` (a JSON object), read first.
    pub inputs: Vec<(String, String)>,
    pub inputs_file: Option<PathBuf>,
    /// `--chunk K/N --chunk-dir DIR`: chunk K of N of the video, into DIR (see
    /// `bazaar_core::chunks`); the output is then `DIR/chunk-K-of-N.<ext>`.
    pub chunk: Option<(u64, u64)>,
    /// `--jobs N`: N chunks rendered side by side, then joined (see `super::jobs`).
    pub jobs: u64,
    /// `--size project|preset|WxH`.
    pub size: OutputSize,
    /// `--prores-profile` (ProRes only; hq when not given), `--gif-loops` and `--gif-fps` (GIF
    /// only), `--transparent` (refused for a format without alpha).
    pub options: FormatOptions,
    /// `--captions-sidecar srt|vtt`: the captions beside the video.
    pub captions_sidecar: Option<SidecarFormat>,
    /// `--variant NAME|all` (see `super::variant_outputs`).
    pub variant: Option<String>,
}

/// The render `cli` asks for, checked as a whole (which options go together); `config` gives
/// `--chunk auto/N` its index.
pub fn from_cli(cli: RenderCli, config: &Config) -> Result<RenderArgs, String> {
    let RenderCli {
        project,
        output,
        format,
        quality,
        frames,
        size,
        inputs,
        inputs_file,
        chunk,
        chunk_dir,
        jobs,
        stats,
        stats_json,
        dump_frames,
        prores_profile,
        gif_loops,
        gif_fps,
        transparent,
        captions_sidecar,
        variant,
    } = cli;
    // Which format the options go with: --format, else the output's extension (a chunk's is
    // --format's, mp4 when not given).
    let named = format.or_else(|| output.as_deref().and_then(Format::from_path)).unwrap_or(Format::Mp4);
    super::args::check_codec_options(named, prores_profile, (gif_loops, gif_fps))?;
    let chunk = match chunk {
        Some(v) => Some(bazaar_core::batch::parse_part(&v, &|var| config.task_index(var))?),
        None => None,
    };
    let output = match (chunk, chunk_dir, output) {
        (Some((k, n)), Some(dir), None) => {
            let format = format.unwrap_or(Format::Mp4);
            dir.join(bazaar_core::chunks::file_names(k, n, format).0)
        }
        (Some(_), None, _) => return Err("--chunk needs --chunk-dir <folder shared by every chunk>".into()),
        (Some(_), Some(_), Some(_)) => return Err("a chunk goes into --chunk-dir: leave -o out".into()),
        (None, Some(_), _) => return Err("--chunk-dir goes with --chunk K/N".into()),
        (None, None, output) => output.ok_or("`render` needs an output file: -o <file.mp4|.webm|.mov|.gif|.wav…>")?,
    };
    if chunk.is_some() && frames.is_some() {
        return Err("--chunk and --frames cannot go together".into());
    }
    if chunk.is_some() && variant.as_deref() == Some(bazaar_core::project::variants::ALL) {
        return Err("--variant all with --chunk: render each variant's chunks into a folder of its own, \
                    with --variant NAME"
            .into());
    }
    if jobs > 1 && (chunk.is_some() || frames.is_some() || dump_frames.is_some()) {
        return Err("--jobs renders the whole video: leave out --chunk, --frames and --dump-frames".into());
    }
    Ok(RenderArgs {
        project,
        output,
        format,
        quality,
        frames,
        stats,
        stats_json,
        dump_frames,
        inputs,
        inputs_file,
        chunk,
        jobs,
        size,
        options: FormatOptions {
            prores_profile: prores_profile.unwrap_or_default(),
            gif_loops: gif_loops.unwrap_or(0),
            gif_fps,
            keep_alpha: transparent,
        },
        captions_sidecar,
        variant,
    })
}

/// Every render `--variant` asks for, each checked before any starts, then rendered one after
/// another in one app (a second app in the same process would not get the page's extension).
pub fn run(args: RenderArgs, config: Config) -> u8 {
    let result = run_all(args, config);
    if let Some(sig) = crate::signals::received() {
        if result.is_err() {
            eprintln!(
                "bazaar-export: cancelled: no file was written (an existing file at the destination is untouched)"
            );
            return crate::signals::exit_status(sig);
        }
    }
    match result {
        Ok(()) => 0,
        Err(message) => {
            eprintln!("bazaar-export: {message}");
            1
        }
    }
}

fn run_all(args: RenderArgs, mut config: Config) -> Result<(), String> {
    let mut planned = Vec::new();
    for (variant, output) in variant_renders(&args)? {
        let checked = planned.last().map(|p: &Planned| &p.request.project);
        match prepare(RenderArgs { variant, output, ..args.clone() }, checked, &mut config)? {
            Prepared::Written(path) => eprintln!("wrote {}", path.display()),
            Prepared::Planned(p) => planned.push(*p),
        }
    }
    if planned.is_empty() {
        return Ok(());
    }
    super::headless::run(config, move |handle, cancel| {
        for p in planned {
            let path = execute(handle, cancel, p)?;
            eprintln!("wrote {}", path.display());
        }
        Ok(())
    })
}

fn variant_renders(args: &RenderArgs) -> Result<Vec<(Option<String>, PathBuf)>, String> {
    let (declared, name) = match args.variant.as_deref() {
        None => (Vec::new(), String::new()),
        Some(_) => {
            let given = given_inputs(&args.project, &args.inputs, args.inputs_file.as_deref())?;
            let p = bazaar_core::project::open_project_with(&args.project, &given).map_err(|e| e.to_string())?;
            (p.variants.into_iter().map(|v| v.name).collect(), p.name)
        }
    };
    super::variant_outputs::renders(args.variant.as_deref(), &args.output, args.format, &declared, &name)
}

/// A render checked and planned, not started.
struct Planned {
    request: RenderRequest,
    sidecar: Option<super::sidecar::Sidecar>,
    jobs: u64,
    stats: bool,
    stats_json: Option<PathBuf>,
}

enum Prepared {
    /// Done without the page: a sound-only file, or a chunk that holds no frames.
    Written(PathBuf),
    Planned(Box<Planned>),
}

/// Everything checked before the display starts and anything renders. `checked`: the same
/// project as another variant, planned already (its modules and files need no second check).
fn prepare(args: RenderArgs, checked: Option<&Project>, config: &mut Config) -> Result<Prepared, String> {
    let given = given_inputs(&args.project, &args.inputs, args.inputs_file.as_deref())?;
    let variant = args.variant.as_deref();
    let project = match checked {
        Some(c) => crate::project_open::open_variant(&args.project, &given, variant, c),
        None => crate::project_open::open_project_as(&args.project, &given, variant),
    }
    .map_err(|e| e.to_string())?;
    let from_extension = Format::from_path(&args.output);
    let format = match (args.format, from_extension) {
        (Some(f), Some(e)) if f.profile().extension != e.profile().extension => {
            return Err(format!(
                "{} ends in .{}, but --format asks for {}: name the file .{} or leave --format out",
                args.output.display(),
                e.profile().extension,
                f.id(),
                f.profile().extension
            ))
        }
        (Some(f), _) | (None, Some(f)) => f,
        (None, None) => {
            return Err(format!(
                "cannot tell the format from {}: add --format {}",
                args.output.display(),
                Format::ids("|")
            ))
        }
    };
    if format.kind() == OutputKind::ImageSequence && (args.chunk.is_some() || args.jobs > 1) {
        return Err(format!(
            "--chunk and --jobs are for videos, which join needs to put back together; a {} is one file per \
             frame, named by its frame number, so render the parts with --frames A-B into folders of their own \
             and move their pictures into one folder",
            format.id()
        ));
    }
    if args.options.keep_alpha {
        // Split or not: every format that keeps alpha joins keeping it (transparent VP9
        // through the app's own WebM reader and writer, `chunks::webm_alpha_join`).
        bazaar_core::encode::alpha::check_keep_alpha(format, args.options.prores_profile)?;
    }
    if let Some(note) = bazaar_core::encode::alpha::flattened_note(&project, args.options.keep_alpha) {
        eprintln!("bazaar-export: {note}");
    }
    let tracks = project.captions.iter().filter(|t| t.track).count();
    if let Some(note) = bazaar_core::encode::subtitles::not_carried_note(format, tracks) {
        eprintln!("bazaar-export: {note}");
    }
    // Checked before the display starts and anything renders: the path names a file in a
    // folder that exists, is not a link, a device or a folder, and is none of the project's files.
    bazaar_core::encode::check_output(format, &args.output, &project.files_read()).map_err(|e| e.to_string())?;
    let output = std::path::absolute(&args.output).map_err(|e| format!("bad output path: {e}"))?;
    if let (Some(part), Some(dir)) = (args.chunk, output.parent()) {
        // A chunk's manifest is written beside it, checked now too: a project file may be named
        // like one (`--chunk-dir` the project's own folder).
        bazaar_core::chunks::check_manifest_destination(dir, part, &project.files_read())?;
    }
    // A render killed outright (SIGKILL, power loss) cannot remove its hidden temp file; the
    // window sweeps such files through its history, the command line sweeps the folder it
    // writes to. Only files whose writing process is gone are touched.
    if let Some(dir) = output.parent() {
        for stale in bazaar_core::encode::output::sweep_stale_temp_files(dir) {
            eprintln!("removed {}, left by an export that was killed", stale.display());
        }
    }
    if let Some(sidecar) = args.captions_sidecar {
        if format.kind() != OutputKind::Video {
            return Err(format!("--captions-sidecar goes with a video, not {}", format.id()));
        }
        bazaar_core::captions::sidecar::check(&project.captions, &output, sidecar, &project.files_read())?;
    }
    if format.kind() == OutputKind::SoundOnly {
        return sound_only(args, project, format, output, config.clone()).map(Prepared::Written);
    }
    config.render.measure_cpu = args.stats || args.stats_json.is_some();
    let request = RenderRequest {
        config: config.render,
        project,
        format,
        quality: args.quality,
        output,
        range: args.frames,
        dump_frames: args.dump_frames,
        chunk: args.chunk,
        size: args.size,
        options: args.options,
    };
    if let Some(part) = request.chunk {
        let ((from, to), total) = super::jobs::chunk_frames(&request, part)?;
        if from == to {
            // More chunks than frames (a job array sized before the frames were known): this one
            // succeeds with a manifest that says it holds none, and the join skips it, so a
            // join waiting for every chunk to succeed still runs.
            eprintln!(
                "chunk {} of {} holds no frames (the video has {total}): its manifest says so, and join skips it",
                part.0, part.1
            );
            return super::jobs::write_chunk_manifest(&request, part, None).map(Prepared::Written);
        }
    }
    let sidecar = args.captions_sidecar.map(|f| super::sidecar::Sidecar::of(&request, f)).transpose()?;
    let (stats, stats_json, jobs) = (args.stats, args.stats_json, args.jobs);
    Ok(Prepared::Planned(Box::new(Planned { request, sidecar, jobs, stats, stats_json })))
}

/// Renders what [`prepare`] planned: its chunks side by side (`--jobs`) or in one pass.
fn execute(handle: &tauri::AppHandle, cancel: &bazaar_core::CancelToken, p: Planned) -> Result<PathBuf, String> {
    let Planned { request, sidecar, jobs, stats: want_stats, stats_json } = p;
    if jobs > 1 {
        let printer = Printer::new();
        let show = Arc::new(move |done: u64, total: u64| {
            printer.show(Progress { stage: Stage::Rendering, frames_done: done, total_frames: total })
        });
        let path = super::jobs::render_in_parallel(handle, cancel, &request, jobs, show)?;
        sidecar.map_or(Ok(()), |s| s.write(&request, &path))?;
        return Ok(path);
    }
    let printer = Printer::new();
    let result = render::render(handle, &request, cancel, Arc::new(move |p| printer.show(p)));
    if let (Ok((path, _)), Some(part)) = (&result, request.chunk) {
        super::jobs::write_chunk_manifest(&request, part, Some(path))?;
    }
    if let (Ok((path, _)), Some(s)) = (&result, &sidecar) {
        s.write(&request, path)?;
    }
    if let Ok((_, stats)) = &result {
        if want_stats {
            print_stats(stats);
        }
        if let Some(path) = &stats_json {
            let written = serde_json::to_vec_pretty(stats)
                .map_err(|e| e.to_string())
                .and_then(|json| std::fs::write(path, json).map_err(|e| bazaar_core::input_file::io_reason(&e)));
            if let Err(e) = written {
                eprintln!("bazaar-export: the figures could not be written to {}: {e}", path.display());
            }
        }
    }
    result.map(|(path, _)| path).map_err(|e| {
        if e.is_cancelled() {
            "cancelled: no file was written (an existing file at the destination is untouched)".to_string()
        } else {
            e.to_string()
        }
    })
}

/// A sound-only render: the mix, written without a display, a window or a page (see
/// `crate::render::sound_only`). Refused before anything is mixed when the project has no sound
/// or the options split the pictures.
fn sound_only(
    args: RenderArgs,
    project: bazaar_core::project::Project,
    format: Format,
    output: PathBuf,
    config: Config,
) -> Result<PathBuf, String> {
    if args.chunk.is_some() || args.jobs > 1 {
        return Err(format!(
            "--chunk and --jobs split the pictures; a {} file is only the sound, mixed in one pass in seconds: leave them out",
            format.id()
        ));
    }
    render::sound_only::check(&project, format)?;
    let cancel = bazaar_core::CancelToken::new();
    let on_signal = cancel.clone();
    crate::signals::on_terminate(move || on_signal.cancel());
    let request = RenderRequest {
        config: config.render,
        project,
        format,
        quality: args.quality,
        output,
        range: args.frames,
        dump_frames: None,
        chunk: None,
        size: args.size,
        options: Default::default(),
    };
    let printer = Printer::new();
    render::sound_only::render(&request, &cancel, Arc::new(move |p| printer.show(p))).map(|(path, _)| path).map_err(
        |e| {
            if e.is_cancelled() {
                "cancelled: no file was written (an existing file at the destination is untouched)".to_string()
            } else {
                e.to_string()
            }
        },
    )
}

/// The values `--inputs` (a JSON object) and `--input key=value` give, the latter typed like
/// the input's default in the project.
pub fn given_inputs(project: &Path, pairs: &[(String, String)], file: Option<&Path>) -> Result<InputValues, String> {
    let mut given = InputValues::new();
    if let Some(file) = file {
        let bytes = bazaar_core::input_file::read_regular(file, 16 << 20)
            .map_err(|e| format!("cannot read the inputs file {}: {e}", file.display()))?;
        match serde_json::from_slice(&bytes) {
            Ok(serde_json::Value::Object(o)) => given.extend(o),
            Ok(_) => return Err(format!("{} must hold a JSON object of input values", file.display())),
            Err(e) => return Err(format!("{} is not valid JSON: {e}", file.display())),
        }
    }
    if !pairs.is_empty() {
        let defaults = bazaar_core::project::open_project(project).map(|p| p.inputs).unwrap_or_default();
        for (k, v) in pairs {
            given.insert(k.clone(), typed(v, defaults.get(k)));
        }
    }
    Ok(given)
}

#[cfg(test)]
#[path = "render_tests.rs"]
mod tests;
