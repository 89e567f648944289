//! The export service: this session's jobs (a [`JobQueue`]), the history database, and the
//! worker thread that renders one job at a time and reports progress to the main window.

use super::progress::Throttle;
use crate::config::RenderConfig;
use crate::logging::JobLogs;
use crate::render::{self, RenderError, RenderRequest};
use bazaar_core::captions::sidecar::SidecarFormat;
use bazaar_core::encode::Progress;
use bazaar_core::encode::{Format, Quality};
use bazaar_core::jobs::history::{HistoryEntry, OpenReport};
use bazaar_core::jobs::{History, Job, JobQueue, JobStatus, Stage};
use bazaar_core::project::Project;
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;
use tauri::{AppHandle, Emitter, Manager};

pub const EVENT: &str = "bazaar:export";
const PROGRESS_INTERVAL: Duration = Duration::from_millis(100);
/// Settings keys in the history database.
pub const LAST_FOLDER: &str = "lastFolder";
const PIXELS_PER_SECOND: &str = "measuredPixelsPerSecond";

/// A job as the window sees it: the job plus its place in the queue.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobView {
    #[serde(flatten)]
    pub job: Job,
    /// 1-based place among waiting jobs (None unless pending).
    pub position: Option<usize>,
}

struct Inner {
    queue: JobQueue,
    requests: HashMap<String, RenderRequest>,
    /// The caption file each export writes beside its video (the panel's choice), by export id.
    sidecars: HashMap<String, SidecarFormat>,
    history: Option<History>,
    warning: Option<String>,
}

/// Told of every export that ends (completed, failed or cancelled), after the window is.
pub type FinishHook = Box<dyn Fn(&AppHandle, &Job) + Send + Sync>;

pub struct ExportService {
    /// What every export of this window is allowed and asked to do (from the environment).
    config: RenderConfig,
    /// Each export's log while it runs, and the folder where it is kept for its history entry.
    logs: (JobLogs, PathBuf),
    inner: Mutex<Inner>,
    wake: Condvar,
    on_finished: Mutex<Option<FinishHook>>,
}

impl ExportService {
    /// Opens the history in `data_dir` (migrating or setting aside a damaged file), marks exports
    /// that were running when the app last stopped as interrupted, and removes their temp files.
    pub fn open(data_dir: &Path, config: RenderConfig, logs: JobLogs) -> Self {
        let (history, warning) = match History::open(&data_dir.join("history.sqlite")) {
            Ok((h, OpenReport { warning, interrupted })) => {
                for entry in &interrupted {
                    if let Some(dir) = Path::new(&entry.output_path).parent() {
                        bazaar_core::encode::output::sweep_stale_temp_files(dir);
                    }
                }
                (Some(h), warning)
            }
            Err(e) => (None, Some(format!("{e}; exports still work but are not remembered"))),
        };
        if let Some(w) = &warning {
            tracing::warn!("{w}");
        }
        Self {
            config,
            logs: (logs, data_dir.join("logs")),
            inner: Mutex::new(Inner {
                queue: JobQueue::default(),
                requests: HashMap::new(),
                sidecars: HashMap::new(),
                history,
                warning,
            }),
            wake: Condvar::new(),
            on_finished: Mutex::new(None),
        }
    }

    /// Sets what is told of each export that ends (the desktop notification).
    pub fn on_finished(&self, hook: FinishHook) {
        *self.on_finished.lock().unwrap_or_else(|e| e.into_inner()) = Some(hook);
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic elsewhere must not take exports down with it: the data is still consistent.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn view(inner: &Inner, job: &Job) -> JobView {
        JobView { job: job.clone(), position: inner.queue.position(&job.id) }
    }

    pub fn enqueue(
        &self,
        project: Project,
        format: Format,
        quality: Quality,
        size: bazaar_core::render_plan::OutputSize,
        output: PathBuf,
        (options, sidecar): (bazaar_core::encode::FormatOptions, Option<SidecarFormat>),
    ) -> JobView {
        let mut job = Job::new(project.file.clone(), project.name.clone(), format, quality, output.clone());
        job.options = options.describe(format);
        let config = self.config;
        let request = RenderRequest {
            project,
            format,
            quality,
            output,
            range: None,
            dump_frames: None,
            chunk: None,
            size,
            options,
            config,
        };
        let mut inner = self.lock();
        let id = inner.queue.push(job.clone());
        if let Some(f) = sidecar {
            inner.sidecars.insert(id.clone(), f);
        }
        inner.requests.insert(id, request);
        save(&inner, &job);
        let view = Self::view(&inner, &job);
        drop(inner);
        self.wake.notify_all();
        view
    }

    pub fn status(&self, id: &str) -> Option<JobView> {
        let inner = self.lock();
        inner.queue.get(id).map(|j| Self::view(&inner, j))
    }

    pub fn list(&self) -> Vec<JobView> {
        let inner = self.lock();
        inner.queue.all().iter().map(|j| Self::view(&inner, j)).collect()
    }

    /// Cancels a queued job at once, or asks the running one to stop (the worker records it).
    pub fn cancel(&self, app: &AppHandle, id: &str) -> Option<JobView> {
        let mut inner = self.lock();
        let job = inner.queue.cancel(id)?;
        if job.status == JobStatus::Cancelled {
            inner.requests.remove(id);
            inner.queue.release(id);
            save(&inner, &job);
        }
        let view = Self::view(&inner, &job);
        let all: Vec<JobView> = inner.queue.all().iter().map(|j| Self::view(&inner, j)).collect();
        drop(inner);
        // Positions of the jobs behind it changed too.
        for v in all {
            emit(app, &v);
        }
        Some(view)
    }

    pub fn history(&self, limit: usize) -> (Vec<HistoryEntry>, Option<String>) {
        let inner = self.lock();
        let entries = inner.history.as_ref().and_then(|h| h.list(limit).ok()).unwrap_or_default();
        (entries, inner.warning.clone())
    }

    pub fn setting(&self, key: &str) -> Option<String> {
        self.lock().history.as_ref().and_then(|h| h.setting(key).ok().flatten())
    }

    /// Saves a setting (best effort: without a history database nothing is remembered).
    pub fn set_setting(&self, key: &str, value: &str) {
        if let Some(h) = self.lock().history.as_ref() {
            let _ = h.set_setting(key, value);
        }
    }

    /// Estimated seconds for `pixels` (width × height × frames), once an export was measured.
    pub fn estimate_seconds(&self, pixels: f64) -> Option<f64> {
        let pps: f64 = self.setting(PIXELS_PER_SECOND)?.parse().ok()?;
        (pps > 0.0).then(|| pixels / pps)
    }

    /// The app is closing: cancel the running export and give it a moment to remove its temp
    /// file and record `cancelled` (anything left is swept at the next start anyway).
    pub fn shutdown(&self) {
        let running: Vec<String> = {
            let inner = self.lock();
            inner.queue.all().iter().filter(|j| !j.status.is_final()).map(|j| j.id.clone()).collect()
        };
        {
            let mut inner = self.lock();
            for id in &running {
                if let Some(job) = inner.queue.cancel(id) {
                    if job.status == JobStatus::Cancelled {
                        save(&inner, &job);
                    }
                }
            }
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(3);
        while self.lock().queue.busy() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Starts the worker thread: it renders the oldest pending job whenever none is running.
    pub fn start_worker(app: AppHandle) -> std::io::Result<()> {
        std::thread::Builder::new().name("bazaar-exports".into()).spawn(move || loop {
            let service = app.state::<ExportService>();
            service.run_next(&app);
        })?;
        Ok(())
    }

    /// Waits for a job, renders it, records the outcome.
    fn run_next(&self, app: &AppHandle) {
        let (job, request, token, sidecar) = {
            let mut inner = self.lock();
            loop {
                if let Some(job) = inner.queue.start_next() {
                    let request = inner.requests.remove(&job.id);
                    let sidecar = inner.sidecars.remove(&job.id);
                    let token = inner.queue.token(&job.id);
                    match (request, token) {
                        (Some(r), Some(t)) => break (job, r, t, sidecar),
                        _ => {
                            if let Some(j) = inner.queue.get_mut(&job.id) {
                                let _ = j.fail("internal", "the export lost its settings; start it again".into());
                            }
                            continue;
                        }
                    }
                }
                inner = self.wake.wait(inner).unwrap_or_else(|e| e.into_inner());
            }
        };
        {
            let mut inner = self.lock();
            if let Some(j) = inner.queue.get_mut(&job.id) {
                j.stage = Stage::Preparing;
            }
            save(&inner, &job);
            // Every job's view: this one started, and the positions of those behind it moved.
            let all: Vec<JobView> = inner.queue.all().iter().map(|j| Self::view(&inner, j)).collect();
            drop(inner);
            for v in all {
                emit(app, &v);
            }
        }
        let id = job.id.clone();
        let throttle = Mutex::new(Throttle::new(PROGRESS_INTERVAL));
        let progress_app = app.clone();
        let on_progress = Arc::new(move |p: Progress| {
            let service = progress_app.state::<ExportService>();
            let mut inner = service.lock();
            let Some(j) = inner.queue.get_mut(&id) else { return };
            // A job is done when its status says so (completed, once the render returns): until
            // then the file is still being finished.
            let stage = if p.stage == Stage::Done { Stage::Finalizing } else { p.stage };
            if stage == Stage::Finalizing && j.status == JobStatus::Rendering {
                let _ = j.set_status(JobStatus::Finalizing);
            }
            j.record_progress(stage, p.frames_done, p.total_frames);
            let job = j.clone();
            let view = Self::view(&inner, &job);
            drop(inner);
            let pass = throttle.lock().map(|mut t| t.pass(stage)).unwrap_or(true);
            if pass {
                emit(&progress_app, &view);
            }
        });

        let started = std::time::Instant::now();
        let span = tracing::info_span!(crate::logging::EXPORT_SPAN, id = %job.id).entered();
        let result = render::render(app, &request, &token, on_progress).map(|(path, _stats)| path);
        // The captions beside the video, once it is in place (as `render --captions-sidecar`).
        let result = match (result, sidecar) {
            (Ok(path), Some(f)) => write_sidecar(&request, &path, f).map(|()| path).map_err(RenderError::Plan),
            (other, _) => other,
        };
        drop(span);
        self.keep_log(&job.id);

        let mut inner = self.lock();
        let Some(j) = inner.queue.get_mut(&job.id) else { return };
        match &result {
            Ok(_) => {
                let _ = j.set_status(JobStatus::Completed);
            }
            Err(e) if e.is_cancelled() => {
                let _ = j.set_status(JobStatus::Cancelled);
            }
            Err(e) => {
                let _ = j.fail(e.kind(), e.to_string());
            }
        }
        let finished = j.clone();
        inner.queue.release(&job.id);
        save(&inner, &finished);
        if finished.status == JobStatus::Completed {
            // Remember the folder for the next save dialog, and the speed for estimates.
            if let (Some(h), Some(dir)) = (inner.history.as_ref(), finished.output_path.parent()) {
                let _ = h.set_setting(LAST_FOLDER, &dir.to_string_lossy());
                let pixels = pixels_of(&request);
                let secs = started.elapsed().as_secs_f64().max(0.001);
                let _ = h.set_setting(PIXELS_PER_SECOND, &format!("{}", pixels / secs));
            }
        }
        let view = Self::view(&inner, &finished);
        drop(inner);
        emit(app, &view);
        if let Some(hook) = self.on_finished.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            hook(app, &finished);
        }
    }
}

impl ExportService {
    /// Where export `id`'s log is kept (`None`: not an id this service makes).
    fn log_file(&self, id: &str) -> Option<PathBuf> {
        let ok = !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        ok.then(|| self.logs.1.join(format!("{id}.log")))
    }

    /// Writes export `id`'s log beside the history, for "Show log" (best effort: a log that
    /// cannot be written is said on stderr and the export is unaffected).
    fn keep_log(&self, id: &str) {
        let (Some(log), Some(file)) = (self.logs.0.take(id), self.log_file(id)) else { return };
        let written = std::fs::create_dir_all(&self.logs.1).and_then(|()| std::fs::write(&file, log));
        if let Err(e) = written {
            tracing::warn!("the export's log could not be kept in {}: {e}", file.display());
        }
    }

    /// Export `id`'s log, if one was kept.
    pub fn log(&self, id: &str) -> Option<String> {
        std::fs::read_to_string(self.log_file(id)?).ok()
    }
}

/// Pixels an export draws: output width × height × frames.
/// Writes the project's captions beside `video` as `format`, on the export's timeline.
fn write_sidecar(r: &RenderRequest, video: &Path, format: SidecarFormat) -> Result<(), String> {
    let plan = r.plan()?;
    let shape = (r.project.fps, plan.range.0, plan.duration.as_millis() as u64);
    bazaar_core::captions::sidecar::write_beside(&r.project.captions, shape, video, format)
        .map(drop)
        .map_err(|e| format!("the video was written, but not its captions: {e}"))
}

fn pixels_of(r: &RenderRequest) -> f64 {
    match bazaar_core::render_plan::plan_sized(&r.project, r.format, r.quality, r.range, r.size, r.options.gif_fps) {
        Ok(p) => f64::from(p.width) * f64::from(p.height) * p.project_frames.len() as f64,
        Err(_) => 0.0,
    }
}

fn save(inner: &Inner, job: &Job) {
    if let Some(h) = inner.history.as_ref() {
        if let Err(e) = h.save(job) {
            tracing::warn!("{e}");
        }
    }
}

fn emit(app: &AppHandle, view: &JobView) {
    let _ = app.emit_to(crate::state::MAIN_WINDOW, EVENT, view);
}
