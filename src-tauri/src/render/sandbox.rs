//! What keeps a render page in its box beyond the CSP (see [`super::protocol`]): the page runs
//! a creator's code, so nothing it does may reach the network, another project's data, or the
//! machine's memory without limit.
//!
//! - **No navigation, no new windows**: WebKit's policy hooks refuse both, and the attempt fails
//!   the export saying so ([`RenderError::PageLeft`]). A CSP does not stop a top-level
//!   navigation (`location.href`, a link's `click()`, `<meta http-equiv=refresh>`) carrying data
//!   in its URL.
//! - **No network at all**: every http(s) request of the view goes to a proxy that cannot be
//!   reached ([`black_hole_proxy`]). That covers what no CSP governs: `<link rel=preconnect>`
//!   and the like opened TCP connections to loopback servers.
//! - **Fresh storage per render**: each render page has an origin of its own (its job id as
//!   its URL's host), so `localStorage` and IndexedDB start empty; a second render cannot see
//!   the first's, and what a page stored is cleared when its render ends.
//! - **A dead page is noticed at once**: WebKit reports its web process ending; the export fails
//!   within a moment instead of waiting out the frame time limit.
//! - **Bounded memory**: the page's web process is watched against [`page_memory_limit_mb`] and
//!   stopped past it ([`MemoryWatch`]).
//! - **Nobody to ask**: dialogs, pickers, passwords and permission requests are refused before
//!   anything shows, and the export fails saying what was asked ([`dialogs`]).

mod dialogs;

use super::error::{at, RenderError};
use super::job_table::{Event, Session};
use crate::procfs;
use bazaar_core::project::Project;
use bazaar_core::render_plan::RenderPlan;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use tauri::webview::NewWindowResponse;
use tauri::{Runtime, WebviewWindow, WebviewWindowBuilder};

/// Default limit on the render page's memory, unless half the machine's is less.
const DEFAULT_PAGE_MEMORY_MB: u64 = 4096;
/// How often the page's memory is read (a /proc read of a few µs).
const MEMORY_POLL: Duration = Duration::from_millis(50);

/// The render page's memory limit in MB: `asked` (`BAZAAR_PAGE_MEMORY_MB`), else 4096 or half
/// the machine's memory, whichever is less. A normal 1080p render's page peaks near 0.5 GB (see
/// BENCHMARKS.md), so the default leaves ample room and still stops a runaway composition
/// long before a laptop swaps.
pub fn page_memory_limit_mb(asked: Option<u64>) -> u64 {
    if let Some(mb) = asked {
        return mb;
    }
    let total_mb = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| m.lines().find(|l| l.starts_with("MemTotal:"))?.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map(|kb| kb / 1024);
    total_mb.map_or(DEFAULT_PAGE_MEMORY_MB, |t| DEFAULT_PAGE_MEMORY_MB.min(t / 2).max(512))
}

/// A loopback port where nothing can ever listen: a socket bound to it and never listening,
/// kept for the life of the process. A connection to it is refused at once by the kernel, and
/// no other process can take the port. `None` if no socket could be made (then the CSP and
/// the policy hooks still stand).
fn black_hole_port() -> Option<u16> {
    static PORT: OnceLock<Option<u16>> = OnceLock::new();
    *PORT.get_or_init(|| {
        // SAFETY: plain socket calls on a fresh descriptor with valid, local arguments.
        unsafe {
            let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
            if fd < 0 {
                return None;
            }
            let mut addr: libc::sockaddr_in = std::mem::zeroed();
            addr.sin_family = libc::AF_INET as libc::sa_family_t;
            addr.sin_addr.s_addr = u32::from_ne_bytes([127, 0, 0, 1]);
            let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
            if libc::bind(fd, &addr as *const _ as *const libc::sockaddr, len) != 0 {
                libc::close(fd);
                return None;
            }
            let mut bound: libc::sockaddr_in = std::mem::zeroed();
            let mut blen = len;
            if libc::getsockname(fd, &mut bound as *mut _ as *mut libc::sockaddr, &mut blen) != 0 {
                libc::close(fd);
                return None;
            }
            // The descriptor stays open (never closed) so the port stays ours.
            Some(u16::from_be(bound.sin_port))
        }
    })
}

/// The proxy every http(s) request of a render view is sent to: see [`black_hole_port`].
fn black_hole_proxy() -> Option<tauri::Url> {
    black_hole_port().and_then(|port| format!("http://127.0.0.1:{port}").parse().ok())
}

/// `url` with any query or fragment cut (they may carry a creator's data) and shortened.
fn shown(url: &str) -> String {
    let cut = url.split(['?', '#']).next().unwrap_or(url);
    if cut.chars().count() > 100 {
        format!("{}…", cut.chars().take(100).collect::<String>())
    } else {
        cut.to_string()
    }
}

/// The render view's builder with the sandbox applied (navigation, new windows, storage,
/// network). `page_url` is the one page the view may show.
pub fn confine<'a, R: Runtime, M: tauri::Manager<R>>(
    builder: WebviewWindowBuilder<'a, R, M>,
    session: &Arc<Session>,
    page_url: &str,
) -> WebviewWindowBuilder<'a, R, M> {
    let (nav, new_window) = (session.clone(), session.clone());
    let page_url = page_url.to_string();
    let mut builder = builder
        // Every render view shares one web context of its own, apart from the main window's
        // (its proxy below, and its storage in a folder of this process). Per-view contexts
        // (incognito) leaked ≈5 file descriptors per export in a long window session.
        .data_directory(views_dir())
        .on_navigation(move |url| {
            // The page itself, and the blank page a finished view is parked on.
            let allowed = url.as_str() == page_url || url.as_str() == "about:blank";
            if !allowed && !nav.sequencer().is_closed() {
                nav.event(Event::Failed(RenderError::PageLeft { url: shown(url.as_str()) }));
            }
            allowed
        })
        .on_new_window(move |url, _| {
            if !new_window.sequencer().is_closed() {
                new_window.event(Event::Failed(RenderError::PageLeft { url: shown(url.as_str()) }));
            }
            NewWindowResponse::Deny
        });
    if let Some(proxy) = black_hole_proxy() {
        builder = builder.proxy_url(proxy);
    }
    builder
}

/// The render views' web context's data folder: one per process, removed when it exits
/// ([`remove_views_dir`]). Each render page has an origin of its own (its job id is its URL's
/// host, see [`super::urls`]), so its `localStorage` and IndexedDB start empty; what it wrote
/// is cleared when its render ends ([`forget_storage`]).
pub fn views_dir() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("{VIEWS_DIR_PREFIX}{}", std::process::id()))
}

const VIEWS_DIR_PREFIX: &str = "bazaar-export-views-";

/// Removes this process's views folder, and any left by a process that is gone (killed).
pub fn remove_views_dir() {
    let _ = std::fs::remove_dir_all(views_dir());
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.strip_prefix(VIEWS_DIR_PREFIX)) else { continue };
        if crate::procfs::gone(pid) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Clears what pages of `view`'s web context stored (`localStorage`, IndexedDB, caches), without
/// waiting: render pages (their origins are never used again) and the main window's previews
/// (one project's code must never see another's data; the window itself stores nothing).
pub fn forget_storage<R: Runtime>(view: &WebviewWindow<R>) {
    let _ = view.with_webview(|platform| {
        use webkit2gtk::{WebViewExt, WebsiteDataManagerExtManual, WebsiteDataTypes};
        if let Some(data) = platform.inner().website_data_manager() {
            let types = WebsiteDataTypes::LOCAL_STORAGE
                | WebsiteDataTypes::SESSION_STORAGE
                | WebsiteDataTypes::INDEXEDDB_DATABASES
                | WebsiteDataTypes::DOM_CACHE;
            data.clear(types, webkit2gtk::glib::TimeSpan(0), None::<&webkit2gtk::gio::Cancellable>, |_| {});
        }
    });
}

/// Watches the built render view: fails the render as soon as WebKit reports the page's web
/// process gone (killed, crashed, or ended by WebKit for memory), unless the render is over;
/// refuses the page's dialogs and permission requests ([`dialogs`]).
pub fn watch_page_process<R: Runtime>(view: &WebviewWindow<R>, session: &Arc<Session>) {
    let session = session.clone();
    let _ = view.with_webview(move |platform| {
        use webkit2gtk::{WebProcessTerminationReason as Reason, WebViewExt};
        let view = platform.inner();
        dialogs::refuse(&view, &session);
        view.connect_web_process_terminated(move |_, reason| {
            let reason = match reason {
                Reason::TerminatedByApi => return, // our own doing, at the end of a render
                Reason::ExceededMemoryLimit => "was ended by WebKit for using too much memory",
                _ => "ended unexpectedly (it crashed or was killed)",
            };
            if !session.sequencer().is_closed() {
                session.event(Event::Failed(RenderError::PageEnded { reason: reason.into(), where_: String::new() }));
            }
        });
    });
}

/// Where the render is, for messages: the scene, composition and project frame of the next
/// frame due.
pub fn where_next(
    session: &Session,
    project: &Project,
    plan: &RenderPlan,
) -> (Option<usize>, Option<String>, Option<u64>) {
    let next = session.sequencer().next();
    let frame = plan.project_frames.get(next as usize).copied().unwrap_or(0);
    match project.scene_at(frame) {
        Some((i, _)) => (Some(i), project.scenes.get(i).map(|s| s.composition.clone()), Some(frame)),
        None => (None, None, None),
    }
}

/// [`where_next`] in words, from what the page was given (WebKit's signal handlers have the
/// session, not the project): "scene 2 (Title) at frame 41", or nothing before the first frame.
fn where_now(session: &Session) -> String {
    let next = session.sequencer().next();
    let Some(&frame) = session.spec().frames.get(next as usize) else { return String::new() };
    let scene = session
        .spec()
        .scenes
        .iter()
        .enumerate()
        .find(|(_, s)| frame >= s.start_frame && frame < s.start_frame + u64::from(s.duration_in_frames));
    match scene {
        Some((i, s)) => at(Some(i), &Some(s.composition.clone()), Some(frame)),
        None => String::new(),
    }
}

/// Watches the page's web process against the memory limit (called from the render's watch loop).
pub struct MemoryWatch {
    limit_mb: u64,
    last: Instant,
}

impl MemoryWatch {
    pub fn new(asked_mb: Option<u64>) -> Self {
        Self { limit_mb: page_memory_limit_mb(asked_mb), last: Instant::now() }
    }

    /// `Err` once the page's process uses more than the limit; it is killed on the spot, so the
    /// machine gets its memory back whatever the page is doing.
    pub fn check(&mut self, session: &Session, project: &Project, plan: &RenderPlan) -> Result<(), RenderError> {
        if self.last.elapsed() < MEMORY_POLL {
            return Ok(());
        }
        self.last = Instant::now();
        // The page reports before any of its composition code runs, so its pid is known by then.
        let Some(pid) = session.page_process() else { return Ok(()) };
        let Some(rss) = procfs::rss_mb(&pid.to_string()) else { return Ok(()) };
        if rss as u64 <= self.limit_mb {
            return Ok(());
        }
        kill(pid);
        let (scene, composition, frame) = where_next(session, project, plan);
        Err(RenderError::PageMemory { limit_mb: self.limit_mb, where_: at(scene, &composition, frame) })
    }
}

/// Ends a process at once (the render page's, when its render has failed: a page stuck in a
/// loop would otherwise run on at full CPU after the export, or the command, has ended).
pub fn kill(pid: u32) {
    // SAFETY: kill(2) with a pid we read as our own child; a pid that is gone gives ESRCH.
    unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_black_hole_refuses_connections() {
        let port = black_hole_port().expect("a loopback socket");
        let e = std::net::TcpStream::connect(("127.0.0.1", port)).expect_err("nothing listens there");
        assert_eq!(e.kind(), std::io::ErrorKind::ConnectionRefused);
        // And nobody else can listen there.
        assert!(std::net::TcpListener::bind(("127.0.0.1", port)).is_err());
    }

    #[test]
    fn urls_are_shown_without_their_data() {
        assert_eq!(shown("http://127.0.0.1:9/nav?secret=1#x"), "http://127.0.0.1:9/nav");
        assert!(shown(&format!("http://a/{}", "x".repeat(300))).ends_with('…'));
    }
}
