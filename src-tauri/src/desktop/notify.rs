//! A desktop notification when an export ends while the window is not focused (the creator
//! went on with something else): sent to the desktop's notification server
//! (`org.freedesktop.Notifications`) over the session bus. No server, no bus: nothing is shown
//! and nothing fails.

use bazaar_core::jobs::{Job, JobStatus};
use gio::prelude::*;
use std::collections::HashMap;
use tauri::{AppHandle, Manager};

/// Called by the export service for each export that ends.
pub fn export_finished(app: &AppHandle, job: &Job) {
    let focused = app.get_webview_window(crate::state::MAIN_WINDOW).and_then(|w| w.is_focused().ok()).unwrap_or(false);
    if focused {
        return;
    }
    let file = job.output_path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let (summary, body, category) = match job.status {
        JobStatus::Completed => (
            format!("Exported {file}"),
            format!("{} is saved in {}", job.project_name, folder(job)),
            "transfer.complete",
        ),
        JobStatus::Failed => (
            format!("The export of {} failed", job.project_name),
            job.error.as_ref().map(|e| e.message.clone()).unwrap_or_default(),
            "transfer.error",
        ),
        _ => return, // cancelled: the creator did that themself
    };
    let _ = std::thread::Builder::new().name("notify".into()).spawn(move || {
        if let Err(e) = send(&summary, &body, category) {
            eprintln!("bazaar-export: no desktop notification ({e})");
        }
    });
}

fn folder(job: &Job) -> String {
    job.output_path.parent().map(|p| p.display().to_string()).unwrap_or_default()
}

fn send(summary: &str, body: &str, category: &str) -> Result<(), gio::glib::Error> {
    let bus = gio::bus_get_sync(gio::BusType::Session, gio::Cancellable::NONE)?;
    // Notify(app_name, replaces_id, app_icon, summary, body, actions, hints, expire_timeout)
    let hints: HashMap<String, gio::glib::Variant> = HashMap::from([
        ("desktop-entry".to_string(), "bazaar-export".to_variant()),
        ("category".to_string(), category.to_variant()),
    ]);
    let args = ("Bazaar Export", 0u32, "bazaar-export", summary, body, Vec::<String>::new(), hints, -1i32).to_variant();
    bus.call_sync(
        Some("org.freedesktop.Notifications"),
        "/org/freedesktop/Notifications",
        "org.freedesktop.Notifications",
        "Notify",
        Some(&args),
        None,
        gio::DBusCallFlags::NONE,
        5000,
        gio::Cancellable::NONE,
    )?;
    Ok(())
}
