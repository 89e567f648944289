//! One export's render, start to finish:
//!
//! ```text
//! render page (webview) --frame N in ring slot k--> bridge --bounded channel--> encoder thread --> file
//!        ^       (pixels in shared memory, I420 or RGBA)                                       |
//!        +------------------- ack (invoke resolves) when there is room <-----------------------+
//! ```
//!
//! The caller blocks in [`render`] while it watches the job's events with time limits, and
//! always closes the webview and unregisters the job, whatever the outcome.

use super::clips::ClipTable;
use super::cpu::CpuTally;
use super::direct_feed;
use super::frame_ring::{self, FrameRing, FrameRingSpec};
use super::job_table::{Event, Registry, Session};
use super::limits::{RingShape, LOAD_MARGIN, SNAPSHOTS_AHEAD};
use super::mix_job::MixJob;
use super::outcome::what_happened;
use super::page_assets::PageAssets;
use super::page_spec::PageSpec;
use super::sandbox;
use super::sequencer::{self, SequenceError, Sequencer};
use super::stats::RenderStats;
use super::urls::{render_page_url, view_label};
use super::RenderError;
use crate::procfs;
use bazaar_core::encode::{
    AnyEncoder, EncodeError, Format, FormatOptions, FramePool, OutputKind, PooledFrame, Progress, ProgressFn, Quality,
};
use bazaar_core::project::Project;
use bazaar_core::render_plan::{self, FrameRange, RenderPlan};
use bazaar_core::CancelToken;
use bazaar_core::Stage;
use std::path::PathBuf;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tauri::{AppHandle, Manager, WebviewUrl, WebviewWindowBuilder};

/// Bytes of frames accepted by the bridge and not yet taken by the encoder (the channel between
/// them holds this much, in whole frames, see [`channel_frames`]).
///
/// Why so many: x264 does not use both cores all the time. Now and then its look-ahead runs
/// alone for a few hundred milliseconds (seen at 1080p as one busy core while the page sat
/// blocked with its frames unacknowledged). A page that may run ahead by ≈24 frames does its
/// own work in those gaps instead of after them (measured: BENCHMARKS.md, "End-to-end render",
/// "2026-11-25, evening", item 3). Bounded in bytes, so memory stays flat whatever the video's length and
/// does not grow with its frame size.
pub(super) const CHANNEL_BYTES: usize = 72 << 20;
/// The channel's depth in frames, whatever the frame size.
const CHANNEL_MIN_FRAMES: usize = 4;
const CHANNEL_MAX_FRAMES: usize = 24;
/// Idle frame buffers kept for reuse, beyond the channel's: more than appsrc and x264 hold at
/// once (x264 keeps each input frame until it has encoded it), so none is allocated twice.
const POOL_SPARE_FRAMES: usize = 32;
/// How long a finished render view is left on `about:blank` before it is destroyed: long
/// enough for WebKit to free the page (its shared-memory frame buffers) first.
const VIEW_CLOSE_DELAY: Duration = Duration::from_millis(100);
/// How often the watch loop wakes when nothing happens.
const POLL: Duration = Duration::from_millis(100);
/// How often the CPU is read while the encoder drains (see `watch`).
const DRAIN_POLL: Duration = Duration::from_millis(10);

#[derive(Debug, Clone)]
pub struct RenderRequest {
    pub project: Project,
    pub format: Format,
    pub quality: Quality,
    pub output: PathBuf,
    pub range: FrameRange,
    /// Benchmarks: also append every frame the encoder receives to this raw file.
    pub dump_frames: Option<PathBuf>,
    /// Chunk K of N of the whole video (`render --chunk`; no sound: it is mixed at the join).
    pub chunk: Option<(u64, u64)>,
    /// The output's size (the preset's unless asked otherwise).
    pub size: bazaar_core::render_plan::OutputSize,
    /// ProRes's profile, a GIF's loops and rate, the alpha kept or not (a transparent project
    /// is otherwise flattened over its matte).
    pub options: FormatOptions,
    /// Limits, speed tricks, CPU measured or not: built once at start (`crate::config`).
    pub config: crate::config::RenderConfig,
}

impl RenderRequest {
    /// What this request renders: its chunk of the whole video, or its range, at its size and
    /// (a GIF's) rate.
    pub fn plan(&self) -> Result<render_plan::RenderPlan, String> {
        let (p, f, q, rate) = (&self.project, self.format, self.quality, self.options.gif_fps);
        match self.chunk {
            Some(part) => render_plan::chunk_plan(p, f, q, part, (self.size, rate)),
            None => render_plan::plan_sized(p, f, q, self.range, self.size, rate),
        }
    }

    /// The whole video's plan (no range, no chunk), which chunks and their manifests count in.
    pub fn whole_plan(&self) -> Result<render_plan::RenderPlan, String> {
        render_plan::plan_sized(&self.project, self.format, self.quality, None, self.size, self.options.gif_fps)
    }
}

/// Renders `req` to its output file. Blocks; call it from a thread of its own (not the GTK
/// main thread, which must keep running the webview).
pub fn render(
    app: &AppHandle,
    req: &RenderRequest,
    cancel: &CancelToken,
    on_progress: ProgressFn,
) -> Result<(PathBuf, RenderStats), RenderError> {
    if req.format.kind() == OutputKind::SoundOnly {
        return super::sound_only::render(req, cancel, on_progress);
    }
    let started = Instant::now();
    // Checked again here (the window queues exports; files change meanwhile): never write over
    // the project file, a module or a file its props name, a link, a device or a folder.
    bazaar_core::encode::check_output(req.format, &req.output, &req.project.files_read())?;
    let options = req.options;
    if options.keep_alpha {
        bazaar_core::encode::alpha::check_keep_alpha(req.format, options.prores_profile).map_err(RenderError::Plan)?;
    }
    let mut plan = req.plan().map_err(RenderError::Plan)?.keeping_alpha(options.keep_alpha);
    plan.settings.prores_profile = options.prores_profile;
    plan.settings.gif_loops = options.gif_loops;
    let job = uuid::Uuid::new_v4().simple().to_string();
    let total = plan.settings.total_frames;
    // Every log of this render below says which job it is of (see `crate::logging`).
    let _span = tracing::info_span!("job", id = %job).entered();
    tracing::info!(frames = total, output = %req.output.display(), "preparing");
    // Canvas frames reach the encoder only through the frame ring, which the web-process
    // extension writes: without either, no render starts (the message says what to do).
    let extensions = frame_ring::extension_dir(&sandbox::views_dir()).map_err(RenderError::Setup)?;
    let ring_shape = RingShape::for_frames(plan.settings.input.frame_bytes(plan.width, plan.height));
    let ring = FrameRing::create(&job, ring_shape, plan.settings.input, plan.width, plan.height)
        .map_err(RenderError::Setup)?;

    // The encoder gets a token of its own: cancelled by the user's token, and by us on failure.
    let job_cancel = CancelToken::new();
    {
        let jc = job_cancel.clone();
        cancel.on_cancel(move || jc.cancel());
    }
    // The encoder reports in the same vocabulary; the renderer adds only "preparing".
    let encoder_progress: ProgressFn = on_progress.clone();
    on_progress(Progress { stage: Stage::Preparing, frames_done: 0, total_frames: total });

    let (events_tx, events) = mpsc::channel();
    let channel = channel_frames(plan.settings.frame_bytes());
    let (frames_tx, mut frames_rx) = tokio::sync::mpsc::channel::<(u64, PooledFrame)>(channel);
    let encoder_events = events_tx.clone();
    let mut dump = match &req.dump_frames {
        Some(path) => Some(std::io::BufWriter::new(
            std::fs::File::create(path)
                .map_err(|e| RenderError::Setup(format!("cannot create the frame dump {}: {e}", path.display())))?,
        )),
        None => None,
    };
    let (settings, output, encoder_cancel) = (plan.settings.clone(), req.output.clone(), job_cancel.clone());
    let first_number = plan.first_output_index(req.project.fps);
    // The caption tracks on the export's timeline; a chunk carries none (`join` writes them once).
    let shape = (req.project.fps, plan.range.0, plan.duration.as_millis() as u64);
    let captions = match req.chunk {
        None => bazaar_core::captions::in_file::for_export(&req.project.captions, shape),
        Some(_) => Vec::new(),
    };
    // The sound is mixed on a thread of its own, started with the encoder (it feeds the
    // encoder's sound input) and ended with it; its figures go to the page through `sound`.
    let sound = (!req.project.audio.is_empty()).then(bazaar_core::audio::AnalysisQueue::default);
    let mix_job = sound.clone().map(|figures| MixJob {
        clips: req.project.audio.clone(),
        timeline: plan.timeline(req.project.fps),
        frames: plan.output_frames(),
        figures,
        cancel: job_cancel.clone(),
    });
    let (tell_taken, taken) = sequencer::taken_watch(&plan.settings).unzip();
    let encoder_thread = std::thread::Builder::new()
        .name("bazaar-encode".into())
        .spawn(move || {
            let mut encoder = None;
            let mut mixer = None;
            let result = (|| {
                // Started here, while the render view is being built and its web process starts
                // (≈0.2 s, mostly on one core), so the encoder's set-up is off the path to the
                // first frame. If it fails, the error reaches `watch` like any encoder error.
                let encoder = encoder.insert(AnyEncoder::start(
                    settings,
                    &captions,
                    &output,
                    first_number,
                    encoder_cancel,
                    encoder_progress,
                )?);
                if let Some(job) = mix_job {
                    mixer = Some(job.spawn(encoder.audio_input())?);
                }
                // Frames are lent to the encoder only while it says which it has taken in.
                if let Some(false) = tell_taken.map(|tell| encoder.watch_input(tell)).transpose()? {
                    return Err(EncodeError::Init("the encoder cannot say which frames it has taken in".into()));
                }
                while let Some((index, pixels)) = frames_rx.blocking_recv() {
                    if let Some(d) = dump.as_mut() {
                        use std::io::Write;
                        if let Err(e) = d.write_all(&pixels) {
                            eprintln!("bazaar-export: the frame dump failed: {e}");
                            dump = None;
                        }
                    }
                    encoder.push_frame(index, pixels)?;
                    if index + 1 == total {
                        break;
                    }
                }
                encoder.commit()
            })();
            let _ = encoder_events.send(Event::Encoded(result));
            // The pipeline goes down only now, with the file already in place (which also
            // releases a mixer waiting to push).
            drop(encoder);
            if let Some(m) = mixer {
                let _ = m.join();
            }
        })
        .map_err(|e| RenderError::Setup(format!("cannot start the encoder thread: {e}")))?;

    let pool = FramePool::new(plan.settings.frame_bytes(), channel + POOL_SPARE_FRAMES);
    let clips = Arc::new(ClipTable::new(req.config.clip_memory_mb));
    let mut spec = PageSpec::export(&job, &req.project, &plan, &req.config);
    let matte = req.project.flattened_over(req.options.keep_alpha).map(|m| m.hex());
    spec.frame_ring = Some(FrameRingSpec { matte, ..ring.spec() });
    let feed = (pool.clone(), events_tx.clone());
    let made = direct_feed::prepare(&req.project, &plan, &clips, &mut spec, &req.config, feed)?;
    let sequencer = Sequencer::new(total, frames_tx, pool, (ring, taken), made, SNAPSHOTS_AHEAD);
    let assets = PageAssets::new(req.project.root.clone(), req.output.clone(), sound.clone(), clips);
    let session = Arc::new(Session::new(spec, sequencer, assets, events_tx));
    let registry = app.state::<Registry>();
    registry.insert(&job, session.clone());
    // The clips' frames go to the encoder at their turn, with no request from the page.
    let feeder = session.clone();
    tauri::async_runtime::spawn(async move {
        let handed = || feeder.event(Event::Frame);
        if let Err(SequenceError::Internal(why)) = feeder.sequencer().feed_made(handed).await {
            feeder.event(Event::Failed(RenderError::Setup(format!("the clips' frames went wrong: {why}"))));
        }
    });

    let label = view_label(&job);
    // The web process's peak, read before its view goes (once closed, the process may be gone).
    let web_rss = std::cell::Cell::new(0.0_f64);
    let view_closed = std::cell::Cell::new(false);
    let close_view = || {
        if view_closed.replace(true) {
            return;
        }
        web_rss.set(web_rss.get().max(procfs::children_peak_rss_mb()));
        if let Some(w) = app.get_webview_window(&label) {
            // Leave the page first so WebKit drops its resources (shared-memory frame buffers
            // included) before the view goes; the window is destroyed a moment later on a
            // thread of its own, so the encoder's drain and the result do not wait for it.
            if let Ok(blank) = "about:blank".parse() {
                let _ = w.navigate(blank);
            }
            sandbox::forget_storage(&w);
            let later = w.clone();
            let spawned = std::thread::Builder::new().name("bazaar-close-view".into()).spawn(move || {
                std::thread::sleep(VIEW_CLOSE_DELAY);
                let _ = later.destroy();
            });
            if spawned.is_err() {
                let _ = w.destroy();
            }
        }
    };
    let result = (|| {
        let url = render_page_url(&job).parse().map_err(|e| RenderError::Webview(format!("bad render URL: {e}")))?;
        // Hidden: it draws and transfers at full speed, but its timers are throttled, which is
        // why the page is driven by IPC promises and never by timers or animation frames.
        let builder = WebviewWindowBuilder::new(app, &label, WebviewUrl::CustomProtocol(url))
            .title("Bazaar Export — rendering")
            .visible(false)
            .focused(false)
            .inner_size(f64::from(plan.width.min(1920)), f64::from(plan.height.min(1080)))
            .extensions_path(extensions);
        let view = sandbox::confine(builder, &session, &render_page_url(&job))
            .build()
            .map_err(|e| RenderError::Webview(e.to_string()))?;
        sandbox::watch_page_process(&view, &session);
        watch(&events, &session, req, &plan, cancel, started, &close_view)
    })();

    // Clean-up, whatever happened: forget the job (the bridge now refuses its frames), close the
    // webview, stop the encoder if it is still running (its temp file is removed), and wait.
    registry.remove(&job);
    if let Some(s) = &sound {
        s.close();
    }
    session.sequencer().close();
    if result.is_err() {
        // A page stuck in a loop does not leave when asked: end its process now, or it runs on
        // at full CPU (and memory) after the export, or the command, has ended.
        // Only the process whose extension mapped the job's ring (never a guess: another web
        // process, such as one WebKit prewarmed, could be taken for it).
        if let Some(pid) = session.page_process() {
            sandbox::kill(pid);
        }
        job_cancel.cancel();
    }
    close_view();
    drop(session);
    let _ = encoder_thread.join();
    let committed = events.try_iter().find_map(|e| match e {
        Event::Encoded(Ok(path)) => Some(path),
        _ => None,
    });
    let result = what_happened(result, committed, cancel.is_cancelled(), total)
        .inspect_err(|e| tracing::info!(error = %e, "ended without a file"));
    result.map(|(path, mut stats)| {
        stats.finalizing_secs = (stats.total_secs - stats.first_frame_secs - stats.rendering_secs).max(0.0);
        stats.app_peak_rss_mb = procfs::peak_rss_mb("self").unwrap_or(0.0);
        stats.web_peak_rss_mb = web_rss.get();
        (path, stats)
    })
}

/// How many frames the bridge may hold for the encoder: [`CHANNEL_BYTES`] of them, within
/// [`CHANNEL_MIN_FRAMES`]..=[`CHANNEL_MAX_FRAMES`]: 24 I420 frames at 1080p
/// and below, 6 at 4K; 9 of GIF's RGBA frames at 1080p.
fn channel_frames(frame_bytes: usize) -> usize {
    (CHANNEL_BYTES / frame_bytes.max(1)).clamp(CHANNEL_MIN_FRAMES, CHANNEL_MAX_FRAMES)
}

/// Waits for the outcome, enforcing the time limits.
fn watch(
    events: &mpsc::Receiver<Event>,
    session: &Session,
    req: &RenderRequest,
    plan: &RenderPlan,
    cancel: &CancelToken,
    started: Instant,
    close_view: &dyn Fn(),
) -> Result<(PathBuf, RenderStats), RenderError> {
    let mut loaded = false;
    let mut view_open = true;
    let mut last_frame = Instant::now();
    let frame_bytes = plan.settings.frame_bytes() as u64;
    let mut stats = RenderStats { frames: session.sequencer().total(), frame_bytes, ..RenderStats::default() };
    let mut first_frame: Option<Instant> = None;
    let (project, config) = (&req.project, &req.config);
    // Read every POLL while frames flow, and more often while the encoder drains: x264's
    // threads end with the encoder, and what they used after the last reading would be lost.
    // Only when asked (`--stats`): it reads `/proc` for every thread.
    let mut cpu = config.measure_cpu.then(CpuTally::default);
    let mut cpu_read = Instant::now();
    let mut memory = sandbox::MemoryWatch::new(config.page_memory_mb);
    loop {
        if cancel.is_cancelled() {
            return Err(RenderError::Cancelled);
        }
        let every = if view_open { POLL } else { DRAIN_POLL };
        if let Some(cpu) = cpu.as_mut().filter(|_| first_frame.is_some() && cpu_read.elapsed() >= every) {
            cpu.observe(session.page_process());
            cpu_read = Instant::now();
        }
        match events.recv_timeout(every) {
            Ok(Event::Loaded) => {
                loaded = true;
                last_frame = Instant::now();
                stats.preparing_secs = started.elapsed().as_secs_f64();
                tracing::info!(secs = stats.preparing_secs, "page loaded");
            }
            Ok(Event::Frame) => {
                last_frame = Instant::now();
                let first = *first_frame.get_or_insert_with(|| {
                    cpu.iter_mut().for_each(|cpu| cpu.start_here(session.page_process()));
                    tracing::info!("rendering: the first frame is in");
                    cpu_read = Instant::now();
                    last_frame
                });
                stats.first_frame_secs = first.duration_since(started).as_secs_f64();
                stats.rendering_secs = last_frame.duration_since(first).as_secs_f64();
                // Every frame is in: the page has nothing left to do, so its view goes now, while
                // the encoder drains, instead of after (its memory and CPU go back sooner).
                if view_open && session.sequencer().all_in() {
                    view_open = false;
                    tracing::info!(
                        frames = session.sequencer().total(),
                        "finalizing: every frame is in, the encoder drains"
                    );
                    cpu.iter_mut().for_each(|cpu| cpu.observe(session.page_process()));
                    close_view();
                }
            }
            Ok(Event::PageStats(p)) => stats.page = p.logged(),
            Ok(Event::Failed(RenderError::PageEnded { reason, .. })) => {
                let (scene, composition, frame) = sandbox::where_next(session, project, plan);
                return Err(RenderError::PageEnded { reason, where_: super::error::at(scene, &composition, frame) });
            }
            Ok(Event::Failed(e)) => return Err(e),
            Ok(Event::Encoded(r)) => {
                // End to end stops here: the file is complete and in place.
                stats.total_secs = started.elapsed().as_secs_f64();
                match &r {
                    Ok(path) => tracing::info!(secs = stats.total_secs, path = %path.display(), "written"),
                    Err(e) => tracing::info!(error = %e, "the encoder failed"),
                }
                if let Some(cpu) = cpu.as_mut() {
                    cpu.observe(session.page_process());
                    stats.cpu = cpu.used();
                }
                return r.map(|path| (path, stats)).map_err(RenderError::from);
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                return Err(RenderError::Webview("the render stopped unexpectedly".into()))
            }
        }
        let next = session.sequencer().next();
        let limit = config.load_timeout + LOAD_MARGIN;
        if !loaded && started.elapsed() > limit {
            tracing::info!(limit_secs = limit.as_secs(), "limit hit: the page did not load in time");
            let what = "loading the project's modules and assets";
            return Err(RenderError::timeout(what, None, None, None, limit.as_secs()));
        }
        // Only while frames are still due: after the last one, the encoder's own pace rules.
        if loaded && !session.sequencer().all_in() && last_frame.elapsed() > config.frame_timeout {
            let (scene, composition, frame) = sandbox::where_next(session, project, plan);
            let secs = config.frame_timeout.as_secs();
            tracing::info!(limit_secs = secs, frame = next, "limit hit: no frame in time");
            return Err(RenderError::timeout("drawing a frame", scene, composition, frame, secs));
        }
        if view_open {
            memory.check(session, project, plan).inspect_err(|e| tracing::info!("limit hit: {e}"))?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_channel_holds_a_bounded_number_of_bytes() {
        let i420 = |w: usize, h: usize| w * h * 3 / 2;
        assert_eq!(channel_frames(i420(1920, 1080)), 24);
        assert_eq!(channel_frames(i420(1280, 720)), 24);
        assert_eq!(channel_frames(i420(3840, 2160)), 6);
        assert_eq!(channel_frames(1920 * 1080 * 4), 9);
        assert_eq!(channel_frames(i420(7680, 4320)), CHANNEL_MIN_FRAMES);
        assert_eq!(channel_frames(0), CHANNEL_MAX_FRAMES);
    }
}
