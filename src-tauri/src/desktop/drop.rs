//! Files dragged onto the main window. Tauri reports the drag natively (with real paths, which
//! the page's own drop events would not give); we forward it to the page, which shows the drop
//! overlay and opens the dropped project through the same command as the Open button.

use serde::Serialize;
use tauri::{DragDropEvent, Emitter, Window, WindowEvent};

#[derive(Clone, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
enum DropSignal {
    /// Something is over the window: show the overlay.
    Hover,
    /// The drag left or was cancelled: hide it.
    Leave,
    /// Dropped: the first path is what to open (a project file or a folder with one).
    Drop { path: String, count: usize },
}

pub fn on_window_event(window: &Window, event: &WindowEvent) {
    let WindowEvent::DragDrop(event) = event else {
        return;
    };
    if window.label() != crate::state::MAIN_WINDOW {
        return;
    }
    let signal = match event {
        DragDropEvent::Enter { .. } => DropSignal::Hover,
        DragDropEvent::Leave => DropSignal::Leave,
        DragDropEvent::Drop { paths, .. } => match paths.first() {
            Some(p) => DropSignal::Drop { path: p.display().to_string(), count: paths.len() },
            None => DropSignal::Leave,
        },
        _ => return,
    };
    let _ = window.emit_to(window.label(), "bazaar:drop", signal);
}
