//! `bazaar-export batch <project> --rows rows.csv|rows.jsonl --out-dir DIR [--name TEMPLATE]
//! [--format] [--quality] [--shard K/N]`: one video per row, each row setting the project's
//! inputs, one after another in one app. A row whose video is already in the folder is skipped
//! (videos are written to a temp file and renamed, so one that is there is complete): a batch
//! run again resumes. A bad row fails alone; the summary lists the failures (exit 1 if any).
//! Ctrl+C (or SIGTERM, SIGHUP) stops the row being rendered, leaving no file for it, and ends
//! with one line: what was written and what was not started (exit 130 for Ctrl+C).

pub use super::args::BatchArgs;
use crate::config::{Config, RenderConfig};
use crate::render::{self, RenderRequest};
use bazaar_core::batch::{self, Row};
use bazaar_core::encode::{Format, Quality};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// A row to render: its number, inputs and file.
struct Job {
    number: usize,
    inputs: bazaar_core::project::InputValues,
    output: PathBuf,
}

/// How a batch ended: the rows that failed (number, why), and whether it was cancelled. The
/// counts are in [`TALLY`].
struct Outcome {
    failed: Vec<(usize, String)>,
    cancelled: bool,
}

/// The batch so far, for the line a cancel ends with. Atomics in a static because that line may
/// have to be said from a signal handler: Ctrl+C in a terminal reaches WebKit's helpers too, and
/// one dying as it is launched for the next row ends the app through GLib's fatal error, which
/// `signals` turns into the cancel it is (see [`report_cancelled`]).
struct Tally {
    written: AtomicUsize,
    skipped: AtomicUsize,
    failed: AtomicUsize,
    not_started: AtomicUsize,
    /// The row being rendered (0: none).
    rendering: AtomicUsize,
}

static TALLY: Tally = Tally {
    written: AtomicUsize::new(0),
    skipped: AtomicUsize::new(0),
    failed: AtomicUsize::new(0),
    not_started: AtomicUsize::new(0),
    rendering: AtomicUsize::new(0),
};

/// A line of text built without allocating (so a signal handler may build it).
struct Line {
    bytes: [u8; 256],
    len: usize,
}

impl std::fmt::Write for Line {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let n = s.len().min(self.bytes.len() - self.len);
        self.bytes[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

/// One line for a cancelled batch: the rows never started did not fail, and a line for each
/// (9997 of them on Ctrl+C early in a 10 000-row batch) buried the failures that did happen.
fn cancelled_line() -> Line {
    use std::fmt::Write;
    let get = |n: &AtomicUsize| n.load(Ordering::SeqCst);
    let mut line = Line { bytes: [0; 256], len: 0 };
    let _ = write!(
        line,
        "bazaar-export: batch cancelled: {} written, {} already there, {} failed, {} not started",
        get(&TALLY.written),
        get(&TALLY.skipped),
        get(&TALLY.failed),
        get(&TALLY.not_started)
    );
    match get(&TALLY.rendering) {
        0 => {}
        row => drop(write!(line, "; row {row} was stopped mid-render and left no file")),
    }
    let _ = line.write_str("\n");
    line
}

/// [`cancelled_line`] on stderr, from the crash handler (no allocation, no lock).
extern "C" fn report_cancelled() {
    let line = cancelled_line();
    // SAFETY: write(2) of a buffer this function owns; async-signal-safe.
    unsafe { libc::write(libc::STDERR_FILENO, line.bytes.as_ptr().cast(), line.len) };
}

pub fn run(args: BatchArgs, config: Config) -> u8 {
    // Options that do not go together, refused before anything is read (exit 2, as clap's).
    let codec_options = name_template(args.name.as_deref(), args.format).and_then(|(format, _)| {
        super::args::check_codec_options(format, args.prores_profile, (args.gif_loops, args.gif_fps))
    });
    if let Err(message) = codec_options {
        eprintln!("bazaar-export: {message}");
        return 2;
    }
    let Outcome { failed, cancelled } = match run_inner(args, config) {
        Ok(outcome) => outcome,
        Err(message) => {
            eprintln!("bazaar-export: {message}");
            return 1;
        }
    };
    if cancelled {
        let line = cancelled_line();
        eprint!("{}", String::from_utf8_lossy(&line.bytes[..line.len]));
    } else {
        let get = |n: &AtomicUsize| n.load(Ordering::SeqCst);
        let (written, skipped) = (get(&TALLY.written), get(&TALLY.skipped));
        eprintln!("batch: {written} written, {skipped} already there, {} failed", failed.len());
    }
    // The failures, listed below the summary as always.
    for (number, why) in &failed {
        eprintln!("  row {number}: {why}");
    }
    match (cancelled, failed.is_empty()) {
        (true, _) => crate::signals::received().map_or(130, crate::signals::exit_status),
        (false, true) => 0,
        (false, false) => 1,
    }
}

fn run_inner(args: BatchArgs, config: Config) -> Result<Outcome, String> {
    // Checked whole once (the modules' syntax too); each row is then checked for what it changes.
    let variant = args.variant.clone();
    let base = crate::project_open::open_project_as(&args.project, &Default::default(), variant.as_deref())
        .map_err(|e| e.to_string())?;
    let declared = base.inputs.clone();
    let csv = match args.rows.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("csv") => true,
        Some("jsonl" | "ndjson") => false,
        _ => return Err(format!("{}: name the rows file .csv or .jsonl", args.rows.display())),
    };
    let (format, template) = name_template(args.name.as_deref(), args.format)?;
    if args.transparent {
        bazaar_core::encode::alpha::check_keep_alpha(format, args.prores_profile.unwrap_or_default())?;
    }
    if let Some(note) = bazaar_core::encode::alpha::flattened_note(&base, args.transparent) {
        eprintln!("bazaar-export: {note}");
    }
    batch::check_template(&template, &declared)?;
    let bytes = bazaar_core::input_file::read_regular(&args.rows, batch::MAX_ROWS_BYTES)
        .map_err(|e| format!("cannot read the rows file {}: {e}", args.rows.display()))?;
    let rows = batch::read_rows(&bytes, csv, &declared).map_err(|e| format!("{}: {e}", args.rows.display()))?;
    drop(bytes);
    let out_dir = std::path::absolute(&args.out_dir).map_err(|e| format!("bad output folder: {e}"))?;
    if !out_dir.is_dir() {
        return Err(format!("the output folder {} does not exist", out_dir.display()));
    }
    // Every row's name first (all rows, not only this shard's: shards share the folder).
    let mut failed: Vec<(usize, String)> = Vec::new();
    let mut named = Vec::new();
    for Row { number, inputs } in rows {
        match inputs.and_then(|i| batch::file_name(&template, number, &i, &declared).map(|n| (i, n))) {
            Ok((inputs, name)) => named.push((number, inputs, name)),
            Err(e) => failed.push((number, e)),
        }
    }
    let names: Vec<(usize, String)> = named.iter().map(|(n, _, name)| (*n, name.clone())).collect();
    if let Some((a, b, name)) = batch::first_collision(&names) {
        return Err(format!(
            "rows {a} and {b} would both be written to {name}: make --name tell them apart (add {{{{row}}}}, say)"
        ));
    }
    let (k, n) = match &args.shard {
        Some(s) => batch::parse_part(s, &|v| config.task_index(v))?,
        None => (0, 1),
    };
    let mine = |number: usize| (number as u64 - 1) % n == k;
    failed.retain(|(number, _)| mine(*number));
    // A batch killed outright (SIGKILL, power loss) cannot remove its hidden temp file, as
    // `render` cannot: the folder is swept as `render` sweeps it (only files whose writer is gone).
    for stale in bazaar_core::encode::output::sweep_stale_temp_files(&out_dir) {
        eprintln!("removed {}, left by an export that was killed", stale.display());
    }
    let reads = base.files_read();
    let (mut jobs, mut skipped) = (Vec::new(), 0);
    for (number, inputs, name) in named.into_iter().filter(|(number, _, _)| mine(*number)) {
        let output = out_dir.join(&name);
        // Only a file a batch could have written counts as this row's video: a link, a FIFO or
        // a file the project reads (with --out-dir the project's folder) is the row's problem,
        // said by the render's own check of its destination, not a video "already there".
        let regular = std::fs::symlink_metadata(&output).is_ok_and(|m| m.file_type().is_file());
        if regular && !reads.iter().any(|(path, _)| bazaar_core::input_file::same_file(path, &output)) {
            skipped += 1;
        } else {
            jobs.push(Job { number, inputs, output });
        }
    }
    eprintln!("batch: {} rows to render, {skipped} already there, {} unreadable", jobs.len(), failed.len());
    let (project, quality) = (args.project.clone(), args.quality);
    let options = bazaar_core::encode::FormatOptions {
        prores_profile: args.prores_profile.unwrap_or_default(),
        gif_loops: args.gif_loops.unwrap_or(0),
        gif_fps: args.gif_fps,
        keep_alpha: args.transparent,
    };
    TALLY.skipped.store(skipped, Ordering::SeqCst);
    TALLY.failed.store(failed.len(), Ordering::SeqCst);
    crate::signals::report_cancel_with(report_cancelled);
    let render_config = config.render;
    let (mut rendering_failed, cancelled) = super::headless::run(config, move |handle, cancel| {
        let mut failed = Vec::new();
        let total = jobs.len();
        for (i, job) in jobs.into_iter().enumerate() {
            TALLY.not_started.store(total - i, Ordering::SeqCst);
            if cancel.is_cancelled() {
                return Ok((failed, true));
            }
            TALLY.rendering.store(job.number, Ordering::SeqCst);
            TALLY.not_started.store(total - i - 1, Ordering::SeqCst);
            eprintln!("row {}: rendering {}", job.number, job.output.display());
            let _row = tracing::info_span!("row", number = job.number).entered();
            let source = (project.as_path(), variant.as_deref());
            match render_row(handle, cancel, source, &job, (format, quality, render_config), options) {
                Ok(()) => drop(TALLY.written.fetch_add(1, Ordering::SeqCst)),
                // Stopped by the cancel, not failed: the render removed its temp file.
                Err(_) if cancel.is_cancelled() => return Ok((failed, true)),
                Err(e) => {
                    eprintln!("row {}: failed: {e}", job.number);
                    TALLY.failed.fetch_add(1, Ordering::SeqCst);
                    failed.push((job.number, e));
                }
            }
            TALLY.rendering.store(0, Ordering::SeqCst);
        }
        TALLY.not_started.store(0, Ordering::SeqCst);
        Ok((failed, false))
    })?;
    failed.append(&mut rendering_failed);
    failed.sort();
    Ok(Outcome { failed, cancelled })
}

fn render_row(
    handle: &tauri::AppHandle,
    cancel: &bazaar_core::CancelToken,
    (project, variant): (&Path, Option<&str>),
    job: &Job,
    (format, quality, config): (Format, Quality, RenderConfig),
    options: bazaar_core::encode::FormatOptions,
) -> Result<(), String> {
    let project = crate::project_open::open_row(project, &job.inputs, variant).map_err(|e| e.to_string())?;
    bazaar_core::encode::check_output(format, &job.output, &project.files_read()).map_err(|e| e.to_string())?;
    let request = RenderRequest {
        project,
        format,
        quality,
        output: job.output.clone(),
        range: None,
        dump_frames: None,
        chunk: None,
        size: Default::default(),
        options,
        config,
    };
    render::render(handle, &request, cancel, Arc::new(|_| {})).map(|_| ()).map_err(|e| e.to_string())
}

/// The output format and the file name template (with the format's extension).
fn name_template(name: Option<&str>, format: Option<Format>) -> Result<(Format, String), String> {
    let from_name = name.and_then(|n| Format::from_path(Path::new(n)));
    let format = match (format, from_name) {
        (Some(f), Some(e)) if f.profile().extension != e.profile().extension => {
            return Err(format!("--name ends in .{}, but --format asks for {}", e.profile().extension, f.id()))
        }
        (Some(f), _) | (None, Some(f)) => f,
        (None, None) => Format::Mp4,
    };
    // An image sequence is a folder: its name takes no extension.
    let ext = match format.kind() {
        bazaar_core::encode::OutputKind::ImageSequence => String::new(),
        _ => format!(".{}", format.profile().extension),
    };
    let template = match name {
        Some(n) if from_name.is_some() => n.to_string(),
        Some(n) => format!("{n}{ext}"),
        None => format!("{{{{row}}}}{ext}"),
    };
    Ok((format, template))
}
