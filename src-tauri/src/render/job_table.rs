//! The job table: every render a page can talk to, by id, and the main window's preview.
//! The bridge and the file server look jobs up here; [`super::run`] adds and removes them.

use super::clips::ClipTable;
use super::error::RenderError;
use super::frame_ring::FrameRing;
use super::page_spec::PageSpec;
use super::preview_sound::PreviewSound;
use super::stats::PageStats;
use super::urls::preview_page_url;
use crate::procfs;
use bazaar_core::encode::{FramePool, PooledFrame};
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
    /// The lock that keeps frames in order on their way to the encoder: the next frame index
    /// the encoder expects.
    pub order: tokio::sync::Mutex<u64>,
    /// Woken whenever a frame has been handed on, so the one after it can go.
    pub turn: tokio::sync::Notify,
    /// Set when the render has ended: frames still waiting for their turn give up at once (they
    /// hold the frame channel open, which the encoder thread waits on).
    pub closed: std::sync::atomic::AtomicBool,
    pub frames: tokio::sync::mpsc::Sender<(u64, PooledFrame)>,
    /// Buffers for the frames handed to the encoder (see [`FramePool`]).
    pub pool: FramePool,
    /// The page's web process, once its extension has said which it is (see
    /// [`Session::page_process`]).
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
    /// The frame ring the page writes canvas frames into.
    pub ring: FrameRing,
    /// Places for DOM scenes' pictures on their way to the encoder (see the bridge).
    pub snapshots_ahead: Arc<tokio::sync::Semaphore>,
    /// Project files the page asked for and did not get since the last DOM frame, with why.
    pub(super) missing: Mutex<Vec<(String, String)>>,
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

    /// The page's web process: the one whose extension mapped the job's frame ring, which the
    /// page does before any composition code runs. None before that, and for an id that is not
    /// one of this app's web processes (never a guess: a process killed on a failed render
    /// must be the page's).
    pub(super) fn page_process(&self) -> Option<u32> {
        if let Some(&pid) = self.page_pid.get() {
            return Some(pid);
        }
        let pid = self.ring.mapped_by().filter(|pid| procfs::web_processes().contains(pid))?;
        Some(*self.page_pid.get_or_init(|| pid))
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
    pub fn project_root(&self, job: &str) -> Option<PathBuf> {
        self.get(job).map(|s| s.root.clone()).or_else(|| self.preview(job).map(|(root, _)| root))
    }
    /// The preview's folder and spec, if `id` is the current preview.
    pub fn preview(&self, id: &str) -> Option<(PathBuf, PageSpec)> {
        let p = self.preview.lock().ok()?;
        p.as_ref().filter(|(pid, _, _)| pid == id).map(|(_, root, spec)| (root.clone(), spec.clone()))
    }
    /// Makes `project` the preview (replacing the last one) and returns its page URL.
    pub fn set_preview(&self, project: &Project) -> Option<String> {
        let id = format!("preview-{}", uuid::Uuid::new_v4().simple());
        let spec = PageSpec::preview(&id, project)?;
        *self.preview.lock().ok()? = Some((id.clone(), project.root.clone(), spec));
        *self.preview_sound.lock().ok()? = PreviewSound::new(project).map(|s| (id.clone(), Arc::new(s)));
        *self.preview_clips.lock().ok()? = Some((id.clone(), Arc::new(ClipTable::default())));
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
