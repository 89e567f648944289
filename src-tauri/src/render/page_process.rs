//! The render page's web process: which it is, once its extension has said so. The sandbox
//! watches its memory against the page's limit ([`super::sandbox::MemoryWatch`]), the stats
//! count its CPU, and a failed render ends it.

use super::frame_ring::FrameRing;
use crate::procfs;
use std::sync::OnceLock;

#[derive(Default)]
pub(super) struct PageProcess {
    pid: OnceLock<u32>,
}

impl PageProcess {
    /// The page's web process: the one whose extension mapped the job's frame `ring`, which the
    /// page does before any composition code runs. None before that, and for an id that is not
    /// one of this app's web processes (never a guess: the process a failed render kills must
    /// be the page's).
    pub fn pid(&self, ring: &FrameRing) -> Option<u32> {
        if let Some(&pid) = self.pid.get() {
            return Some(pid);
        }
        let pid = ring.mapped_by().filter(|pid| procfs::web_processes().contains(pid))?;
        Some(*self.pid.get_or_init(|| pid))
    }
}
