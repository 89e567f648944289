//! The job table: every render a page can talk to, by id, and the main window's preview.
//! The bridge and the file server look jobs up here; [`super::run`] adds and removes them.

use super::clips::ClipTable;
use super::error::RenderError;
use super::page_spec::PageSpec;
use super::preview_sound::PreviewSound;
use super::stats::PageStats;
use super::urls::preview_page_url;
use crate::config::RenderConfig;
use crate::procfs;
use bazaar_core::encode::{FrameBands, FramePool, PooledFrame};
use bazaar_core::project::Project;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::{mpsc, Arc, Mutex};

/// What the bridge, the page and the encoder tell the watching thread.
pub(super) enum Event {
    Loaded,
    Frame,
    PageStats(PageStats),
    Failed(RenderError),
    Encoded(Result<PathBuf, bazaar_core::encode::EncodeError>),
}

/// A job the render page can talk to.
pub struct Session {
    pub root: PathBuf,
    pub spec: PageSpec,
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
    pub(super) web_before: Vec<u32>,
    /// That process, once found.
    pub(super) page_pid: std::sync::OnceLock<u32>,
    /// Where the export goes: a file the page asks for must never be it (see
    /// [`super::protocol`]'s output guard).
    pub output: PathBuf,
    /// Each output frame's sound figures on their way to the page (`None`: the project has no
    /// sounds, and the page passes silence to the compositions).
    pub sound: Option<bazaar_core::audio::AnalysisQueue>,
    /// The video clips the page has asked for.
    pub clips: Arc<ClipTable>,
    /// The frames the app makes itself, in order (`None`: the page draws every frame); see
    /// [`super::direct_feed`].
    pub direct: Option<tokio::sync::Mutex<tokio::sync::mpsc::Receiver<(u64, PooledFrame)>>>,
    pub(super) events: Mutex<mpsc::Sender<Event>>,
    /// The frame ring the page writes canvas frames into (None: they come as request bodies).
    pub ring: Option<super::frame_ring::FrameRing>,
    /// Places for DOM scenes' pictures on their way to the encoder (see the bridge).
    pub snapshots_ahead: Arc<tokio::sync::Semaphore>,
    /// Project files the page asked for and did not get since the last DOM frame, with why.
    pub(super) missing: Mutex<Vec<(String, String)>>,
}

/// The last frame as the encoder saw it; each new frame is its changed bands applied to it.
pub struct Assembly {
    /// The next frame index the encoder expects.
    pub next: u64,
    pub frame: Vec<u8>,
    /// The last frame was made by the app (not assembled here): the page's next frame must
    /// carry every band.
    pub stale: bool,
}

impl Session {
    pub(super) fn note_missing(&self, rel: &str, why: &str) {
        if let Ok(mut m) = self.missing.lock() {
            if m.len() < 16 {
                m.push((rel.to_string(), why.to_string()));
            }
        }
    }

    pub(super) fn event(&self, e: Event) {
        if let Ok(tx) = self.events.lock() {
            let _ = tx.send(e);
        }
    }

    /// Remembers the web process that draws this job's frames, once the page has spoken (its
    /// `render_ready`, then its frames until it is known). Never before: a web process WebKit
    /// prewarmed for another view could then be taken for it, and be killed with a failed
    /// export. `claimed`: the pages of the other live jobs (`render --jobs` runs several).
    ///
    /// The page's process is the web process that has the job's frame ring mapped (certain,
    /// once the page has mapped it); else, among those that were not there before its view,
    /// the only one left once other jobs' pages are set aside and, when render views load the
    /// app's extension, processes without it (the main window's) too. None while several
    /// remain.
    pub(super) fn note_page_process(&self, claimed: &[u32]) {
        if self.page_pid.get().is_some() {
            return;
        }
        let all: Vec<(u32, String)> = procfs::web_processes().into_iter().map(|p| (p, procfs::maps(p))).collect();
        // The ring is the job's own: whichever process maps it is the page's, new or not.
        let ring = self.ring.as_ref().and_then(|r| all.iter().find(|(_, m)| procfs::maps_file(m, &r.name)));
        let mark = super::frame_ring::render_view_mark();
        let new: Vec<u32> = all
            .iter()
            .filter(|(p, _)| !self.web_before.contains(p) && !claimed.contains(p))
            .filter(|(_, m)| mark.is_none_or(|mark| procfs::maps_file(m, mark)))
            .map(|&(p, _)| p)
            .collect();
        match (ring.map(|&(p, _)| p), &new[..]) {
            (Some(pid), _) | (None, &[pid]) => {
                let _ = self.page_pid.set(pid);
            }
            _ => {}
        }
    }

    /// The page's web process, once known (see [`Session::note_page_process`]).
    pub(super) fn page_process(&self) -> Option<u32> {
        self.page_pid.get().copied()
    }
}

/// Live jobs by id (managed Tauri state).
#[derive(Default)]
pub struct Registry {
    sessions: Mutex<HashMap<String, Arc<Session>>>,
    /// The main window's preview: (id, project folder, page spec). One at a time.
    preview: Mutex<Option<(String, PathBuf, PageSpec)>>,
    /// The preview's sound, if its project has any: (id, mixer).
    preview_sound: Mutex<Option<(String, Arc<PreviewSound>)>>,
    /// The preview's video clips: (id, clips).
    preview_clips: Mutex<Option<(String, Arc<ClipTable>)>>,
}

impl Registry {
    pub fn get(&self, job: &str) -> Option<Arc<Session>> {
        self.sessions.lock().ok()?.get(job).cloned()
    }
    /// The web processes of the live jobs' pages other than `job`'s, where known.
    pub(super) fn pages_except(&self, job: &str) -> Vec<u32> {
        let Ok(sessions) = self.sessions.lock() else { return Vec::new() };
        sessions.iter().filter(|(id, _)| id.as_str() != job).filter_map(|(_, s)| s.page_process()).collect()
    }
    pub fn project_root(&self, job: &str) -> Option<PathBuf> {
        self.get(job).map(|s| s.root.clone()).or_else(|| self.preview(job).map(|(root, _)| root))
    }
    /// The preview's folder and spec, if `id` is the current preview.
    pub fn preview(&self, id: &str) -> Option<(PathBuf, PageSpec)> {
        let p = self.preview.lock().ok()?;
        p.as_ref().filter(|(pid, _, _)| pid == id).map(|(_, root, spec)| (root.clone(), spec.clone()))
    }
    /// Makes `project` the preview (replacing the last one) and returns its page URL.
    pub fn set_preview(&self, project: &Project, config: &RenderConfig) -> Option<String> {
        let id = format!("preview-{}", uuid::Uuid::new_v4().simple());
        let spec = PageSpec::preview(&id, project, config)?;
        *self.preview.lock().ok()? = Some((id.clone(), project.root.clone(), spec));
        *self.preview_sound.lock().ok()? = PreviewSound::new(project).map(|s| (id.clone(), Arc::new(s)));
        *self.preview_clips.lock().ok()? = Some((id.clone(), Arc::new(ClipTable::new(config.clip_memory_mb))));
        Some(preview_page_url(&id))
    }
    /// The clip table of a render job or of the current preview.
    pub fn clips(&self, id: &str) -> Option<Arc<ClipTable>> {
        if let Some(s) = self.get(id) {
            return Some(s.clips.clone());
        }
        let p = self.preview_clips.lock().ok()?;
        p.as_ref().filter(|(pid, _)| pid == id).map(|(_, c)| c.clone())
    }
    /// The preview's sound, if `id` is the current preview and its project has sounds.
    pub fn preview_sound(&self, id: &str) -> Option<Arc<PreviewSound>> {
        let p = self.preview_sound.lock().ok()?;
        p.as_ref().filter(|(pid, _)| pid == id).map(|(_, s)| s.clone())
    }
    pub(super) fn insert(&self, job: &str, s: Arc<Session>) {
        if let Ok(mut m) = self.sessions.lock() {
            m.insert(job.to_string(), s);
        }
    }
    pub(super) fn remove(&self, job: &str) {
        if let Ok(mut m) = self.sessions.lock() {
            m.remove(job);
        }
    }
}
