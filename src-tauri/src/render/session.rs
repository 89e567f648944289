//! One export's render, start to finish:
//!
//! ```text
//! render page (webview) --raw RGBA--> bridge --bounded channel--> encoder thread --> file
//!        ^                                                               |
//!        +------------- ack (invoke resolves) when there is room <-------+
//! ```
//!
//! The caller blocks in [`render`] while it watches the job's events with time limits, and
//! always closes the webview and unregisters the job, whatever the outcome.

use super::cpu::{self, CpuTimes};
use super::error::PageError;
use super::procfs;
use super::protocol::render_page_url;
use super::sandbox;
use super::RenderError;
use bazaar_core::encode::{
    Encoder, Format, FrameBands, FramePool, I420Layout, PooledFrame, Progress, Quality, Stage, YuvMatrix,
};
use bazaar_core::project::{ModuleSource, Project};
use bazaar_core::render_plan::{self, FrameRange, RenderPlan};
use bazaar_core::CancelToken;
use serde::Serialize;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tauri::{AppHandle, Manager, WebviewUrl, WebviewWindowBuilder};

/// Bytes of frames accepted by the bridge and not yet taken by the encoder (the channel between
/// them holds this much, in whole frames, see [`channel_frames`]).
///
/// Why so many: x264 does not use both cores all the time. Now and then its look-ahead runs
/// alone for a few hundred milliseconds (seen at 1080p as one busy core while the page sat
/// blocked with its frames unacknowledged). A page that may run ahead by ≈24 frames does its
/// own work in those gaps instead of after them: +1 % end to end on the render benchmark (9 of
/// 12 alternating pairs faster) for ≈60 MB more at 1080p. Bounded in bytes, so memory stays
/// flat whatever the video's length and does not grow with its frame size.
const CHANNEL_BYTES: usize = 72 << 20;
/// The channel's depth in frames, whatever the frame size.
const CHANNEL_MIN_FRAMES: usize = 4;
const CHANNEL_MAX_FRAMES: usize = 24;
/// The render page's CPU priority (`nice`; the app runs at 0), see [`Session::lower_page_priority`].
const PAGE_NICE: i32 = 10;
/// Idle frame buffers kept for reuse, beyond the channel's: more than appsrc and x264 hold at
/// once (x264 keeps each input frame until it has encoded it), so none is allocated twice.
const POOL_SPARE_FRAMES: usize = 32;
/// How long a finished render view is left on `about:blank` before it is destroyed: long
/// enough for WebKit to free the page (its shared-memory frame buffers) first.
const VIEW_CLOSE_DELAY: Duration = Duration::from_millis(100);
/// Rows in a band of a frame (see [`FrameBands`]): small enough that a moving element leaves
/// most bands untouched, large enough that the page's per-band overhead stays small.
const BAND_ROWS: u32 = 32;
/// Longest a composition's `load()` may take (the page enforces it; Rust adds a margin).
/// `BAZAAR_LOAD_TIMEOUT_SECS` overrides it (tests use a short one).
fn load_timeout() -> Duration {
    secs_from_env("BAZAAR_LOAD_TIMEOUT_SECS", 30)
}
/// Longest between two frames before the render is declared hung (`BAZAAR_FRAME_TIMEOUT_SECS`).
fn frame_timeout() -> Duration {
    secs_from_env("BAZAAR_FRAME_TIMEOUT_SECS", 30)
}
/// Extra time Rust allows beyond the page's own load limit before it gives up on the page.
const LOAD_MARGIN: Duration = Duration::from_secs(10);

fn secs_from_env(var: &str, default: u64) -> Duration {
    let secs = std::env::var(var).ok().and_then(|v| v.parse::<u64>().ok()).filter(|s| *s > 0);
    Duration::from_secs(secs.unwrap_or(default))
}
const POLL: Duration = Duration::from_millis(100);

#[derive(Debug, Clone)]
pub struct RenderRequest {
    pub project: Project,
    pub format: Format,
    pub quality: Quality,
    pub output: PathBuf,
    pub range: FrameRange,
    /// Benchmarks: also append every frame the encoder receives to this raw file.
    pub dump_frames: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RenderStage {
    /// Loading modules and assets; no frame yet.
    Preparing,
    Rendering,
    /// All frames encoded; the muxer is writing the index and the file is being closed.
    Finalizing,
    Done,
}

#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RenderProgress {
    pub stage: RenderStage,
    /// Frames the encoder has finished.
    pub frames_done: u64,
    pub total_frames: u64,
}

/// Where a render's time went (printed by `render --stats`, used by the benchmark).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RenderStats {
    pub frames: u64,
    /// One whole frame as the encoder takes it.
    pub frame_bytes: u64,
    /// Webview start, modules and `load()`.
    pub preparing_secs: f64,
    /// From the start to the first frame reaching Rust.
    pub first_frame_secs: f64,
    /// From the first frame to the last frame handed to the encoder.
    pub rendering_secs: f64,
    /// From the last frame to the file in place (encoder drain, EOS, index, fsync, rename).
    pub finalizing_secs: f64,
    /// From the start to the file in place (the encoder's teardown follows, off this figure).
    pub total_secs: f64,
    /// Page-side totals over all frames, in ms.
    pub page: PageStats,
    /// CPU used from the first frame to the last, by role (see [`cpu`]).
    pub cpu: CpuTimes,
    /// Peak resident memory of this process and of the webview's web process, in MB.
    pub app_peak_rss_mb: f64,
    pub web_peak_rss_mb: f64,
}

#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageStats {
    pub draw_ms: f64,
    /// Reading back, comparing with the previous frame, converting.
    pub read_ms: f64,
    pub wait_ms: f64,
    /// Bands read, and bands sent because they changed.
    #[serde(default)]
    pub bands: u64,
    #[serde(default)]
    pub bands_sent: u64,
    /// Of those, bands cut to the columns that changed.
    #[serde(default)]
    pub bands_cut: u64,
    /// Bytes sent (whole frames would be `frames × frame_bytes`).
    #[serde(default)]
    pub bytes_sent: u64,
    /// Whether the page compared and converted with WebAssembly SIMD (simd.js) or plain JS.
    #[serde(default)]
    pub simd: bool,
}

/// What the bridge, the page and the encoder tell the watching thread.
pub(super) enum Event {
    Ready,
    Loaded,
    Frame,
    PageStats(PageStats),
    Failed(RenderError),
    Encoded(Result<PathBuf, bazaar_core::encode::EncodeError>),
}

/// A job the render page can talk to.
pub struct Session {
    /// The job's id (in the page's URL and every frame it sends).
    pub job: String,
    pub root: PathBuf,
    pub spec: serde_json::Value,
    pub total: u64,
    /// The next frame index the encoder expects (read by the watchdog).
    pub next: AtomicU64,
    /// The lock that keeps frames in order on their way to the encoder, with the frame being
    /// assembled from the bands the page sends.
    pub order: tokio::sync::Mutex<Assembly>,
    /// How frames are cut into bands (the page sends only the bands that changed).
    pub bands: FrameBands,
    /// Woken whenever a frame has been handed on, so the one after it can go.
    pub turn: tokio::sync::Notify,
    /// Set when the render has ended: frames still waiting for their turn give up at once (they
    /// hold the frame channel open, which the encoder thread waits on).
    pub closed: std::sync::atomic::AtomicBool,
    pub frames: tokio::sync::mpsc::Sender<(u64, PooledFrame)>,
    /// Buffers for the frames handed to the encoder (see [`FramePool`]).
    pub pool: FramePool,
    /// The web processes that existed before this job's view (the main window's, say): the one
    /// that appears beside them draws this job's frames.
    web_before: Vec<u32>,
    /// That process, once found.
    page_pid: std::sync::OnceLock<u32>,
    /// Where the export goes: a file the page asks for must never be it (see
    /// [`super::protocol`]'s output guard).
    pub output: PathBuf,
    events: Mutex<mpsc::Sender<Event>>,
}

/// The last frame as the encoder saw it; each new frame is its changed bands applied to it.
pub struct Assembly {
    /// The next frame index the encoder expects.
    pub next: u64,
    pub frame: Vec<u8>,
}

impl Session {
    pub(super) fn event(&self, e: Event) {
        if let Ok(tx) = self.events.lock() {
            let _ = tx.send(e);
        }
    }

    /// The web process that draws this job's frames: the one web process that was not there
    /// before its view. `None` when it cannot be told apart (none new, or several).
    pub(super) fn page_process(&self) -> Option<u32> {
        if let Some(pid) = self.page_pid.get() {
            return Some(*pid);
        }
        let new: Vec<u32> = procfs::web_processes().into_iter().filter(|p| !self.web_before.contains(p)).collect();
        match new[..] {
            [pid] => Some(*self.page_pid.get_or_init(|| pid)),
            _ => None,
        }
    }

    /// Puts the render page's web process below the app in CPU priority (called when the page
    /// first reports, so its process exists and has not drawn yet).
    ///
    /// Why: on two cores the page and x264 compete, and x264 cannot use both all the time. With
    /// frames queued for the encoder ([`CHANNEL_BYTES`]), the encoder should run whenever it
    /// can and the page fill whatever CPU is left: +0.7 % end to end on the render benchmark
    /// (21 of 30 alternating pairs faster). The main window (UI process and its own web
    /// process) keeps its priority, so it stays responsive during an export.
    pub(super) fn lower_page_priority(&self) {
        if let Some(pid) = self.page_process() {
            procfs::set_nice(pid, PAGE_NICE);
        }
    }
}

/// Live jobs by id (managed Tauri state).
#[derive(Default)]
pub struct Registry {
    sessions: Mutex<HashMap<String, Arc<Session>>>,
    /// The main window's preview: (id, project folder, page spec). One at a time.
    preview: Mutex<Option<(String, PathBuf, serde_json::Value)>>,
}

impl Registry {
    pub fn get(&self, job: &str) -> Option<Arc<Session>> {
        self.sessions.lock().ok()?.get(job).cloned()
    }
    pub fn project_root(&self, job: &str) -> Option<PathBuf> {
        self.get(job).map(|s| s.root.clone()).or_else(|| self.preview(job).map(|(root, _)| root))
    }
    /// The preview's folder and spec, if `id` is the current preview.
    pub fn preview(&self, id: &str) -> Option<(PathBuf, serde_json::Value)> {
        let p = self.preview.lock().ok()?;
        p.as_ref().filter(|(pid, _, _)| pid == id).map(|(_, root, spec)| (root.clone(), spec.clone()))
    }
    /// Makes `project` the preview (replacing the last one) and returns its page URL.
    pub fn set_preview(&self, project: &Project) -> Option<String> {
        let id = format!("preview-{}", uuid::Uuid::new_v4().simple());
        let plan = render_plan::plan(project, Format::Mp4, Quality::High, None).ok()?;
        let mut spec = page_spec(&id, project, &plan);
        // The preview draws at the project's own size (CSS scales it to fit) and needs no
        // frame list: it draws whatever frame the scrubber or the clock asks for.
        spec["outWidth"] = project.width.into();
        spec["outHeight"] = project.height.into();
        spec["frames"] = serde_json::Value::Array(Vec::new());
        spec["totalFrames"] = project.total_frames().into();
        *self.preview.lock().ok()? = Some((id.clone(), project.root.clone(), spec));
        Some(format!("{}://localhost/job/{id}/preview.html", super::protocol::SCHEME))
    }
    fn insert(&self, job: &str, s: Arc<Session>) {
        if let Ok(mut m) = self.sessions.lock() {
            m.insert(job.to_string(), s);
        }
    }
    fn remove(&self, job: &str) {
        if let Ok(mut m) = self.sessions.lock() {
            m.remove(job);
        }
    }
}

/// What the render page receives from `render_ready`.
fn page_spec(job: &str, project: &Project, plan: &RenderPlan) -> serde_json::Value {
    let base = format!("{}://localhost/job/{job}/", super::protocol::SCHEME);
    let scenes: Vec<_> = project
        .scenes
        .iter()
        .map(|s| {
            let module = match project.modules.get(&s.composition) {
                Some(ModuleSource::Project { file }) => format!("{base}p/{}", url_path(file)),
                Some(ModuleSource::Builtin { file }) => format!("{base}b/{}", url_path(file)),
                None => String::new(),
            };
            serde_json::json!({
                "composition": s.composition,
                "module": module,
                "durationInFrames": s.duration_in_frames,
                "startFrame": s.start_frame,
                "props": s.props,
                "transition": s.transition,
            })
        })
        .collect();
    serde_json::json!({
        "job": job,
        "width": project.width,
        "height": project.height,
        "fps": project.fps,
        "outWidth": plan.width,
        "outHeight": plan.height,
        "assetBase": format!("{base}p/"),
        "loadTimeoutMs": load_timeout().as_millis() as u64,
        "scenes": scenes,
        "frames": plan.project_frames,
        "pixelFormat": plan.settings.input,
        "bandRows": BAND_ROWS,
        "i420": i420_spec(plan.width, plan.height),
    })
}

/// The I420 plane layout and matrix the page converts to (it writes exactly this layout).
fn i420_spec(width: u32, height: u32) -> serde_json::Value {
    let l = I420Layout::new(width, height);
    serde_json::json!({
        "strideY": l.stride_y,
        "strideC": l.stride_c,
        "offsetU": l.offset_u,
        "offsetV": l.offset_v,
        "size": l.size,
        "matrix": YuvMatrix::for_size(width, height),
    })
}

fn url_path(rel: &str) -> String {
    rel.split('/')
        .map(|seg| {
            seg.bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
                    _ => format!("%{b:02X}"),
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Renders `req` to its output file. Blocks; call it from a thread of its own (not the GTK
/// main thread, which must keep running the webview).
pub fn render(
    app: &AppHandle,
    req: &RenderRequest,
    cancel: &CancelToken,
    on_progress: Arc<dyn Fn(RenderProgress) + Send + Sync>,
) -> Result<(PathBuf, RenderStats), RenderError> {
    let started = Instant::now();
    // Checked again here (the window queues exports; files change meanwhile): never write over
    // the project file, a module or a file its props name, a link, a device or a folder.
    bazaar_core::encode::output::check_destination(&req.output, &req.project.files_read())?;
    let plan = render_plan::plan(&req.project, req.format, req.quality, req.range).map_err(RenderError::Plan)?;
    let job = uuid::Uuid::new_v4().simple().to_string();
    let total = plan.settings.total_frames;

    // The encoder gets a token of its own: cancelled by the user's token, and by us on failure.
    let job_cancel = CancelToken::new();
    {
        let jc = job_cancel.clone();
        cancel.on_cancel(move || jc.cancel());
    }
    let progress = on_progress.clone();
    let encoder_progress: bazaar_core::encode::pipeline::ProgressFn = Arc::new(move |p: Progress| {
        let stage = match p.stage {
            Stage::Encoding => RenderStage::Rendering,
            Stage::Finalizing => RenderStage::Finalizing,
            Stage::Done => RenderStage::Done,
        };
        progress(RenderProgress { stage, frames_done: p.frames_done, total_frames: p.total_frames });
    });
    on_progress(RenderProgress { stage: RenderStage::Preparing, frames_done: 0, total_frames: total });

    let (events_tx, events) = mpsc::channel();
    let channel = channel_frames(plan.settings.frame_bytes());
    let (frames_tx, mut frames_rx) = tokio::sync::mpsc::channel::<(u64, PooledFrame)>(channel);
    let encoder_events = events_tx.clone();
    let mut dump = match &req.dump_frames {
        Some(path) => Some(std::io::BufWriter::new(
            std::fs::File::create(path)
                .map_err(|e| RenderError::Webview(format!("cannot create the frame dump {}: {e}", path.display())))?,
        )),
        None => None,
    };
    let (settings, output, encoder_cancel) = (plan.settings.clone(), req.output.clone(), job_cancel.clone());
    let encoder_thread = std::thread::Builder::new()
        .name("bazaar-encode".into())
        .spawn(move || {
            let mut encoder = None;
            let result = (|| {
                // Started here, while the render view is being built and its web process starts
                // (≈0.2 s, mostly on one core), so the encoder's set-up is off the path to the
                // first frame. If it fails, the error reaches `watch` like any encoder error.
                let encoder = encoder.insert(Encoder::start(settings, &output, encoder_cancel, encoder_progress)?);
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
                encoder.complete()
            })();
            let _ = encoder_events.send(Event::Encoded(result));
            // The pipeline goes down only now, with the file already in place.
            drop(encoder);
        })
        .map_err(|e| RenderError::Webview(format!("cannot start the encoder thread: {e}")))?;

    let session = Arc::new(Session {
        job: job.clone(),
        root: req.project.root.clone(),
        spec: page_spec(&job, &req.project, &plan),
        total,
        next: AtomicU64::new(0),
        order: tokio::sync::Mutex::new(Assembly { next: 0, frame: vec![0; plan.settings.frame_bytes()] }),
        bands: FrameBands::new(plan.settings.input, plan.width, plan.height, BAND_ROWS),
        turn: tokio::sync::Notify::new(),
        closed: std::sync::atomic::AtomicBool::new(false),
        frames: frames_tx,
        pool: FramePool::new(plan.settings.frame_bytes(), channel + POOL_SPARE_FRAMES),
        web_before: procfs::web_processes(),
        page_pid: std::sync::OnceLock::new(),
        output: req.output.clone(),
        events: Mutex::new(events_tx),
    });
    let registry = app.state::<Registry>();
    registry.insert(&job, session.clone());

    let label = format!("render-{job}");
    // The web process's peak, read before its view goes (once closed, the process may be gone).
    let web_rss = std::cell::Cell::new(0.0_f64);
    let view_closed = std::cell::Cell::new(false);
    let close_view = || {
        if view_closed.replace(true) {
            return;
        }
        web_rss.set(web_rss.get().max(children_peak_rss_mb()));
        if let Some(w) = app.get_webview_window(&label) {
            // Leave the page first so WebKit drops its resources (shared-memory frame buffers
            // included) before the view goes; the window is destroyed a moment later on a
            // thread of its own, so the encoder's drain and the result do not wait for it.
            if let Ok(blank) = "about:blank".parse() {
                let _ = w.navigate(blank);
            }
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
            .inner_size(f64::from(plan.width.min(1920)), f64::from(plan.height.min(1080)));
        let view = sandbox::confine(builder, &session, &render_page_url(&job))
            .build()
            .map_err(|e| RenderError::Webview(e.to_string()))?;
        sandbox::watch_page_process(&view, &session);
        watch(&events, &session, &req.project, &plan, cancel, started, &close_view)
    })();

    // Clean-up, whatever happened: forget the job (the bridge now refuses its frames), close the
    // webview, stop the encoder if it is still running (its temp file is removed), and wait.
    registry.remove(&job);
    session.closed.store(true, Ordering::Release);
    session.turn.notify_waiters();
    if result.is_err() {
        // A page stuck in a loop does not leave when asked: end its process now, or it runs on
        // at full CPU (and memory) after the export, or the command, has ended.
        if let Some(pid) = session.page_process() {
            sandbox::kill(pid);
        }
        job_cancel.cancel();
    }
    close_view();
    // In case WebKit made the view's (unused) data folder.
    let _ = std::fs::remove_dir_all(sandbox::context_dir(&session));
    drop(session);
    let _ = encoder_thread.join();
    if cancel.is_cancelled() {
        return Err(RenderError::Cancelled);
    }
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

/// The largest peak RSS among this process's children (WebKit's web process renders the page).
fn children_peak_rss_mb() -> f64 {
    procfs::children().iter().filter_map(|pid| procfs::peak_rss_mb(&pid.to_string())).fold(0.0, f64::max)
}

/// Waits for the outcome, enforcing the time limits.
fn watch(
    events: &mpsc::Receiver<Event>,
    session: &Session,
    project: &Project,
    plan: &RenderPlan,
    cancel: &CancelToken,
    started: Instant,
    close_view: &dyn Fn(),
) -> Result<(PathBuf, RenderStats), RenderError> {
    let mut loaded = false;
    let mut view_open = true;
    let mut last_frame = Instant::now();
    let frame_bytes = plan.settings.frame_bytes() as u64;
    let mut stats = RenderStats { frames: session.total, frame_bytes, ..RenderStats::default() };
    let mut first_frame: Option<Instant> = None;
    let mut cpu_at_first = CpuTimes::default();
    let mut memory = sandbox::MemoryWatch::new();
    loop {
        if cancel.is_cancelled() {
            return Err(RenderError::Cancelled);
        }
        match events.recv_timeout(POLL) {
            Ok(Event::Ready) => {}
            Ok(Event::Loaded) => {
                loaded = true;
                last_frame = Instant::now();
                stats.preparing_secs = started.elapsed().as_secs_f64();
            }
            Ok(Event::Frame) => {
                last_frame = Instant::now();
                let first = *first_frame.get_or_insert_with(|| {
                    cpu_at_first = cpu::sample(session.page_process());
                    last_frame
                });
                stats.first_frame_secs = first.duration_since(started).as_secs_f64();
                stats.rendering_secs = last_frame.duration_since(first).as_secs_f64();
                // Every frame is in: the page has nothing left to do, so its view goes now, while
                // the encoder drains, instead of after (its memory and CPU go back sooner).
                if view_open && session.next.load(Ordering::Acquire) >= session.total {
                    view_open = false;
                    stats.cpu = cpu::sample(session.page_process()).since(&cpu_at_first);
                    close_view();
                }
            }
            Ok(Event::PageStats(p)) => stats.page = p,
            Ok(Event::Failed(RenderError::PageEnded { reason, .. })) => {
                let (scene, composition, frame) = sandbox::where_next(session, project, plan);
                return Err(RenderError::PageEnded { reason, where_: super::error::at(scene, &composition, frame) });
            }
            Ok(Event::Failed(e)) => return Err(e),
            Ok(Event::Encoded(r)) => {
                // End to end stops here: the file is complete and in place.
                stats.total_secs = started.elapsed().as_secs_f64();
                return r.map(|path| (path, stats)).map_err(RenderError::from);
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                return Err(RenderError::Webview("the render stopped unexpectedly".into()))
            }
        }
        let next = session.next.load(Ordering::Acquire);
        let limit = load_timeout() + LOAD_MARGIN;
        if !loaded && started.elapsed() > limit {
            let what = "loading the project's modules and assets";
            return Err(RenderError::timeout(what, None, None, None, limit.as_secs()));
        }
        // Only while frames are still due: after the last one, the encoder's own pace rules.
        if loaded && next < session.total && last_frame.elapsed() > frame_timeout() {
            let (scene, composition, frame) = sandbox::where_next(session, project, plan);
            return Err(RenderError::timeout("drawing a frame", scene, composition, frame, frame_timeout().as_secs()));
        }
        if view_open {
            memory.check(session, project, plan)?;
        }
    }
}

/// A page-reported error as a render error.
pub(super) fn page_failure(e: PageError) -> RenderError {
    RenderError::Composition(Box::new(e))
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
