//! The job table: every render a page can talk to, by id. The bridge and the file server look
//! jobs up here; [`super::run`] adds and removes them.

use super::error::RenderError;
use super::page_assets::PageAssets;
use super::page_process::PageProcess;
use super::page_spec::PageSpec;
use super::sequencer::Sequencer;
use super::stats::PageStats;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{mpsc, Arc, Mutex};

/// What the bridge, the page and the encoder tell the watching thread.
pub(super) enum Event {
    Loaded,
    Frame,
    PageStats(PageStats),
    Failed(RenderError),
    Encoded(Result<PathBuf, bazaar_core::encode::EncodeError>),
}

/// A job the render page can talk to: what the page was given, and the parts each side of the
/// render owns.
pub struct Session {
    spec: PageSpec,
    sequencer: Sequencer,
    page: PageProcess,
    assets: PageAssets,
    events: Mutex<mpsc::Sender<Event>>,
}

impl Session {
    pub(super) fn new(spec: PageSpec, sequencer: Sequencer, assets: PageAssets, events: mpsc::Sender<Event>) -> Self {
        Self { spec, sequencer, page: PageProcess::default(), assets, events: Mutex::new(events) }
    }

    /// What the page was given.
    pub(super) fn spec(&self) -> &PageSpec {
        &self.spec
    }

    /// The frames' order and way to the encoder.
    pub(super) fn sequencer(&self) -> &Sequencer {
        &self.sequencer
    }

    /// The files, clips and sound figures the page may read.
    pub(super) fn assets(&self) -> &PageAssets {
        &self.assets
    }

    /// Tells the render's watching thread.
    pub(super) fn event(&self, e: Event) {
        if let Ok(tx) = self.events.lock() {
            let _ = tx.send(e);
        }
    }

    /// The page's web process, once its extension has said which it is (see [`PageProcess`]).
    pub(super) fn page_process(&self) -> Option<u32> {
        self.page.pid(self.sequencer.ring())
    }
}

/// Live jobs by id (managed Tauri state).
#[derive(Default)]
pub struct Registry {
    sessions: Mutex<HashMap<String, Arc<Session>>>,
}

impl Registry {
    pub fn get(&self, job: &str) -> Option<Arc<Session>> {
        self.sessions.lock().ok()?.get(job).cloned()
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
