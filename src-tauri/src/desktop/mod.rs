//! The desktop window: the commands the main window calls, file drops, and what the window
//! may show (its set-up is wired in [`crate::app`]).
//!
//! Commands are thin: they hop off the main thread and call `bazaar_core`.

pub mod captions;
pub mod commands;
pub mod drop;
pub mod new_project;
pub mod notify;
pub mod props;
pub mod remember;
pub mod save_frame;
pub mod thumbnail;
mod view;
pub mod watch;

/// Events of the app's windows: files dragged over the main one, and its size (remembered).
pub fn on_window_event(window: &tauri::Window, event: &tauri::WindowEvent) {
    if window.label() != crate::state::MAIN_WINDOW {
        return;
    }
    match event {
        tauri::WindowEvent::Resized(size) => remember::on_resized(window, *size),
        _ => drop::on_window_event(window, event),
    }
}

/// Raises the soft open-file limit to the hard one. WebKitGTK keeps one shared-memory fd per
/// closed render view (one per export, see BENCHMARKS.md); with the usual soft limit of 1024 a
/// very long session could run out.
pub fn raise_fd_limit() {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit/setrlimit with a valid pointer to a local rlimit.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < lim.rlim_max {
            lim.rlim_cur = lim.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
}

/// The pages the main window may show: its own (`tauri:`), a preview page of the render
/// scheme, and blank frames.
pub fn stays_in_app(url: &str) -> bool {
    let preview = url
        .strip_prefix("bazaar://")
        .and_then(|rest| rest.split_once('/'))
        .is_some_and(|(host, path)| host.starts_with("preview-") && path == format!("job/{host}/preview.html"));
    let app = url == "tauri://localhost" || url.starts_with("tauri://localhost/");
    app || preview || url == "about:blank" || url == "about:srcdoc"
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_window_stays_on_the_apps_pages() {
        assert!(super::stays_in_app("tauri://localhost"));
        assert!(super::stays_in_app("tauri://localhost/index.html"));
        assert!(!super::stays_in_app("tauri://localhost.evil/"));
        assert!(super::stays_in_app("bazaar://preview-0a1b/job/preview-0a1b/preview.html"));
        assert!(!super::stays_in_app("bazaar://preview-0a1b/job/preview-0a1b/render.html"));
        assert!(!super::stays_in_app("bazaar://preview-0a1b/job/0a1b/preview.html"));
        assert!(!super::stays_in_app("http://127.0.0.1:8080/leak?x=1"));
        assert!(!super::stays_in_app("https://tauri://localhost/"));
    }
}
