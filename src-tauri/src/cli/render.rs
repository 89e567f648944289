//! `bazaar-export render`: the export engine without the window (the render webview still
//! needs a display; see [`super::display`]).

use crate::render::{self, RenderRequest};
use bazaar_core::encode::Progress;
use bazaar_core::encode::{Format, Quality};
use bazaar_core::project::inputs::{parse_assignment, typed, InputValues};
use bazaar_core::render_plan::{parse_range, OutputSize};
use bazaar_core::Stage;
use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Instant;

#[derive(Debug, PartialEq)]
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
}

pub fn parse(args: &[OsString]) -> Result<RenderArgs, String> {
    let mut project = None;
    let mut output = None;
    let mut format = None;
    let mut quality = Quality::High;
    let mut frames = None;
    let mut stats = false;
    let mut stats_json = None;
    let mut dump_frames = None;
    let mut inputs = Vec::new();
    let mut inputs_file = None;
    let (mut chunk, mut chunk_dir, mut jobs) = (None, None, 1u64);
    let mut size = OutputSize::Preset;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let s = a.to_str().unwrap_or_default();
        let mut value = |name: &str| it.next().cloned().ok_or_else(|| format!("{name} needs a value"));
        match s {
            "-o" | "--output" => output = Some(PathBuf::from(value(s)?)),
            "--format" | "-f" => {
                let v = value(s)?;
                let v = v.to_string_lossy();
                format = Some(Format::parse(&v).ok_or_else(|| format!("unknown format {v:?}: use mp4, webm or gif"))?);
            }
            "--quality" | "-q" => {
                let v = value(s)?;
                let v = v.to_string_lossy();
                quality =
                    Quality::parse(&v).ok_or_else(|| format!("unknown quality {v:?}: use low, medium or high"))?;
            }
            "--stats" => stats = true,
            "--stats-json" => stats_json = Some(PathBuf::from(value(s)?)),
            "--dump-frames" => dump_frames = Some(PathBuf::from(value(s)?)),
            "--frames" => frames = Some(parse_range(&value(s)?.to_string_lossy())?),
            "--input" => inputs.push(parse_assignment(&value(s)?.to_string_lossy())?),
            "--inputs" => inputs_file = Some(PathBuf::from(value(s)?)),
            "--chunk" => {
                let v = value(s)?.to_string_lossy().into_owned();
                chunk = Some(bazaar_core::batch::parse_part(&v, &|var| std::env::var(var).ok())?);
            }
            "--chunk-dir" => chunk_dir = Some(PathBuf::from(value(s)?)),
            "--size" => size = OutputSize::parse(&value(s)?.to_string_lossy())?,
            "--jobs" | "-j" => {
                let v = value(s)?.to_string_lossy().into_owned();
                jobs = v
                    .parse()
                    .ok()
                    .filter(|n| (1..=64).contains(n))
                    .ok_or_else(|| format!("--jobs {v:?}: give a number from 1 to 64"))?;
            }
            flag if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
            _ if project.is_none() => project = Some(PathBuf::from(a)),
            _ => return Err("give exactly one project file".into()),
        }
    }
    let output = match (chunk, chunk_dir, output) {
        (Some((k, n)), Some(dir), None) => {
            let format = format.unwrap_or(Format::Mp4);
            dir.join(bazaar_core::chunks::file_names(k, n, format).0)
        }
        (Some(_), None, _) => return Err("--chunk needs --chunk-dir <folder shared by every chunk>".into()),
        (Some(_), Some(_), Some(_)) => return Err("a chunk goes into --chunk-dir: leave -o out".into()),
        (None, Some(_), _) => return Err("--chunk-dir goes with --chunk K/N".into()),
        (None, None, output) => output.ok_or("`render` needs an output file: -o <file.mp4|.webm|.gif>")?,
    };
    if chunk.is_some() && frames.is_some() {
        return Err("--chunk and --frames cannot go together".into());
    }
    if jobs > 1 && (chunk.is_some() || frames.is_some() || dump_frames.is_some()) {
        return Err("--jobs renders the whole video: leave out --chunk, --frames and --dump-frames".into());
    }
    Ok(RenderArgs {
        project: project.ok_or("`render` needs a project file")?,
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
    })
}

pub fn run(args: RenderArgs) -> ExitCode {
    let result = run_inner(args);
    if let Some(sig) = crate::signals::received() {
        if result.is_err() {
            eprintln!(
                "bazaar-export: cancelled: no file was written (an existing file at the destination is untouched)"
            );
            return ExitCode::from(crate::signals::exit_status(sig));
        }
    }
    match result {
        Ok(path) => {
            eprintln!("wrote {}", path.display());
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("bazaar-export: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run_inner(args: RenderArgs) -> Result<PathBuf, String> {
    let given = given_inputs(&args.project, &args.inputs, args.inputs_file.as_deref())?;
    let project = crate::project_open::open_project_with(&args.project, &given).map_err(|e| e.to_string())?;
    let from_extension = Format::from_path(&args.output);
    let format = match (args.format, from_extension) {
        (Some(f), Some(e)) if f != e => {
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
            return Err(format!("cannot tell the format from {}: add --format mp4|webm|gif", args.output.display()))
        }
    };
    // Checked before the display starts and anything renders: the path names a file in a
    // folder that exists, is not a link, a device or a folder, and is none of the project's files.
    bazaar_core::encode::output::check_destination(&args.output, &project.files_read()).map_err(|e| e.to_string())?;
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
    let request = RenderRequest {
        project,
        format,
        quality: args.quality,
        output,
        range: args.frames,
        dump_frames: args.dump_frames,
        chunk: args.chunk,
        size: args.size,
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
            return super::jobs::write_chunk_manifest(&request, part, None);
        }
    }
    let (want_stats, stats_json) = (args.stats, args.stats_json.clone());
    if args.jobs > 1 {
        let jobs = args.jobs;
        return super::headless::run(move |handle, cancel| {
            let printer = Printer::new();
            let show = Arc::new(move |done: u64, total: u64| {
                printer.show(Progress { stage: Stage::Rendering, frames_done: done, total_frames: total })
            });
            super::jobs::render_in_parallel(handle, cancel, &request, jobs, show)
        });
    }
    super::headless::run(move |handle, cancel| {
        let printer = Printer::new();
        let result = render::render(handle, &request, cancel, Arc::new(move |p| printer.show(p)));
        if let (Ok((path, _)), Some(part)) = (&result, request.chunk) {
            super::jobs::write_chunk_manifest(&request, part, Some(path))?;
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
    })
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

fn print_stats(s: &render::RenderStats) {
    let n = s.frames.max(1) as f64;
    eprintln!("stats: {} frames in {:.2} s: {:.1} fps end-to-end", s.frames, s.total_secs, n / s.total_secs.max(1e-9));
    eprintln!("  preparing (webview, modules, load())  {:>7.2} s", s.preparing_secs);
    eprintln!("  time to first frame                   {:>7.2} s", s.first_frame_secs);
    eprintln!("  rendering (first to last frame in)    {:>7.2} s", s.rendering_secs);
    eprintln!("  finalizing (drain, EOS, index, sync)  {:>7.2} s", s.finalizing_secs);
    eprintln!(
        "  page per frame: draw {:.1} ms, read back ({}) {:.1} ms, waiting for Rust {:.1} ms",
        s.page.draw_ms / n,
        match (s.page.ring, s.page.simd) {
            (true, _) => "getImageData, converted natively into the frame ring",
            (false, true) => "getImageData, compare, I420 in WebAssembly SIMD",
            (false, false) => "getImageData, compare, I420 in JS",
        },
        s.page.read_ms / n,
        s.page.wait_ms / n
    );
    eprintln!(
        "  bands sent (changed since the previous frame): {} of {} ({:.0} %), {} of them cut to the columns that changed",
        s.page.bands_sent,
        s.page.bands,
        100.0 * s.page.bands_sent as f64 / s.page.bands.max(1) as f64,
        s.page.bands_cut
    );
    if s.page.snapshots > 0 {
        eprintln!(
            "  frames of DOM scenes (the view's picture): {}, {:.1} ms each from asking to the picture taken",
            s.page.snapshots,
            s.page.snap_ms / s.page.snapshots.max(1) as f64
        );
    }
    if s.page.direct > 0 {
        eprintln!("  frames made by the app (full-frame video clips, not drawn by the page): {}", s.page.direct);
    }
    eprintln!(
        "  bytes sent: {:.0} MB, {:.1} % of whole frames",
        s.page.bytes_sent as f64 / 1e6,
        100.0 * s.page.bytes_sent as f64 / (s.frames * s.frame_bytes).max(1) as f64
    );
    // The CPU was read from the first frame in to the file in place: every frame's encoding,
    // and all but the first frame's drawing.
    let per_frame = s.frames.max(1) as f64 / 1000.0;
    let window = (s.total_secs - s.first_frame_secs).max(1e-9);
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    eprintln!(
        "  CPU per frame (first frame in to the file in place): encoder {:.1} ms, media (clips and sounds decoded, the mix) {:.1} ms, page {:.1} ms, web process's other threads {:.1} ms, app {:.1} ms ({:.2} of {cores} cores busy)",
        s.cpu.encoder / per_frame,
        s.cpu.media / per_frame,
        s.cpu.page / per_frame,
        s.cpu.web_other / per_frame,
        s.cpu.app / per_frame,
        s.cpu.total() / window
    );
    eprintln!("  {}", s.per_frame_cpu_line());
    eprintln!("  peak RSS: app {:.0} MB, web process {:.0} MB", s.app_peak_rss_mb, s.web_peak_rss_mb);
}

/// Terminal progress: a bar redrawn in place on a terminal, plain lines otherwise.
struct Printer {
    tty: bool,
    start: Instant,
    state: Mutex<(Option<Stage>, u64, Instant)>,
}

impl Printer {
    fn new() -> Self {
        Self {
            tty: std::io::stderr().is_terminal(),
            start: Instant::now(),
            state: Mutex::new((None, 0, Instant::now())),
        }
    }

    fn show(&self, p: Progress) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        let (last_stage, last_done, last_time) = *state;
        let stage_changed = last_stage != Some(p.stage);
        let now = Instant::now();
        // At most ~10 updates a second, but always the first, the last and every stage change.
        if !stage_changed && p.frames_done != p.total_frames && now.duration_since(last_time).as_millis() < 100 {
            return;
        }
        let plain_step = (p.total_frames / 10).max(1);
        if !self.tty
            && !stage_changed
            && p.frames_done / plain_step == last_done / plain_step
            && p.frames_done != p.total_frames
        {
            return;
        }
        *state = (Some(p.stage), p.frames_done, now);
        let secs = self.start.elapsed().as_secs_f64();
        let fps = if secs > 0.0 { p.frames_done as f64 / secs } else { 0.0 };
        let pct = if p.total_frames > 0 { p.frames_done as f64 * 100.0 / p.total_frames as f64 } else { 0.0 };
        let eta = if fps > 0.0 { (p.total_frames - p.frames_done) as f64 / fps } else { 0.0 };
        let stage = match p.stage {
            Stage::Queued => "queued",
            Stage::Preparing => "preparing",
            Stage::Rendering => "rendering",
            Stage::Finalizing => "finalizing",
            Stage::Done => "done",
        };
        let mut err = std::io::stderr().lock();
        if self.tty {
            let filled = (pct / 5.0) as usize;
            let _ = write!(
                err,
                "\r{stage:<10} [{}{}] {pct:5.1}% {}/{} frames {fps:5.1} fps ETA {}   ",
                "#".repeat(filled),
                " ".repeat(20 - filled.min(20)),
                p.frames_done,
                p.total_frames,
                bazaar_core::project::format_seconds(eta)
            );
            if p.stage == Stage::Done {
                let _ = writeln!(err);
            }
        } else {
            let _ = writeln!(err, "{stage}: {}/{} frames ({pct:.0}%), {fps:.1} fps", p.frames_done, p.total_frames);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<OsString> {
        a.iter().map(OsString::from).collect()
    }

    #[test]
    fn parses_render_options() {
        let r = parse(&args(&["p.json", "-o", "out.webm", "--quality", "low", "--frames", "0-29"])).unwrap();
        assert_eq!(r.project, PathBuf::from("p.json"));
        assert_eq!(r.output, PathBuf::from("out.webm"));
        assert_eq!((r.format, r.quality, r.frames, r.stats), (None, Quality::Low, Some((0, 29)), false));
        assert!(parse(&args(&["p.json"])).is_err());
        assert!(parse(&args(&["-o", "x.mp4"])).is_err());
        assert!(parse(&args(&["p.json", "-o", "x", "--format", "avi"])).is_err());
    }
}
