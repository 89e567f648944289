//! Nobody answers a render page: every dialog, picker, password or permission it asks for is
//! refused in WebKit's own signals, before anything is shown, and the export fails naming what
//! was asked and where ([`RenderError::PageAsked`]).
//!
//! Why in the view's signals: left to WebKit, `window.print()` ran a modal GTK print dialog on
//! the render's display. Its nested main loop never returns to the app's event loop (tao runs
//! the app's messages only between iterations of its own loop), so the render view could not be
//! closed: the frame time limit fired, but the render waited for ever, deaf to SIGINT and
//! SIGTERM, its temp file left behind. `alert()`, `confirm()`, `prompt()`, a location or camera
//! request waited for an answer until the frame time limit blamed an "endless loop"; a file
//! picker (`<input type=file>`'s `click()`) opened on the display and the export went on.

use super::super::error::RenderError;
use super::super::job_table::{Event, Session};
use gtk::prelude::WidgetExt;
use std::sync::Arc;
use webkit2gtk::glib::prelude::*;
use webkit2gtk::{
    AuthenticationRequestExt, ColorChooserRequestExt, FileChooserRequestExt, PermissionRequest, PermissionRequestExt,
    ScriptDialog, ScriptDialogType, WebView, WebViewExt,
};

/// Connects the refusals to the render view `view` of `session`.
pub(super) fn refuse(view: &WebView, session: &Arc<Session>) {
    let s = session.clone();
    view.connect_print(move |_, _| {
        asked(&s, "opened a print dialog (window.print())");
        true // handled: WebKit shows nothing
    });
    let s = session.clone();
    view.connect_script_dialog(move |_, dialog| script_dialog(&s, dialog));
    let s = session.clone();
    view.connect_run_file_chooser(move |_, request| {
        request.cancel();
        asked(&s, "opened a file picker (an <input type=file> was clicked)");
        true
    });
    let s = session.clone();
    view.connect_run_color_chooser(move |_, request| {
        request.cancel();
        asked(&s, "opened a colour picker (an <input type=color> was clicked)");
        true
    });
    let s = session.clone();
    view.connect_authenticate(move |_, request| {
        request.cancel();
        asked(&s, "asked for a user name and password");
        true
    });
    let s = session.clone();
    view.connect_permission_request(move |_, request| {
        request.deny();
        asked(&s, &format!("asked for permission {}", permission(request)));
        true
    });
    let s = session.clone();
    // `window.close()`: wry's handler of WebKit's `close` destroys the view (and with it the
    // handlers connected after it, so this one watches the destruction), and the page can send
    // no more frames: said at once instead of at the frame time limit. The render destroys the
    // view itself once every frame is in (the encoder may still be draining: no failure) or
    // once it has ended.
    view.connect_destroy(move |_| {
        if !s.sequencer().all_in() {
            asked(&s, "closed the render page (window.close())");
        }
    });
}

/// `alert()`, `confirm()`, `prompt()`: answered at once (no, and no text) and the export
/// fails. A page left at the end of a render (its `beforeunload`) is let go.
fn script_dialog(session: &Session, dialog: &ScriptDialog) -> bool {
    let what = match dialog.dialog_type() {
        ScriptDialogType::Alert => "opened an alert() dialog",
        ScriptDialogType::Confirm => "opened a confirm() dialog",
        ScriptDialogType::Prompt => "opened a prompt() dialog",
        ScriptDialogType::BeforeUnloadConfirm => {
            dialog.confirm_set_confirmed(true);
            return true;
        }
        _ => "opened a dialog",
    };
    if let Some(message) = dialog.message() {
        asked(session, &format!("{what} saying {:?}", cut(&message)));
    } else {
        asked(session, what);
    }
    true
}

/// What a permission request is for, in words.
fn permission(request: &PermissionRequest) -> String {
    let kind = request.type_().name();
    let words = match kind {
        "WebKitGeolocationPermissionRequest" => "to know the location",
        "WebKitUserMediaPermissionRequest" => "to use the camera, the microphone or the screen",
        "WebKitNotificationPermissionRequest" => "to show notifications",
        "WebKitPointerLockPermissionRequest" => "to lock the pointer",
        "WebKitDeviceInfoPermissionRequest" => "to list the cameras and microphones",
        "WebKitMediaKeySystemPermissionRequest" => "to play protected media",
        "WebKitWebsiteDataAccessPermissionRequest" => "to reach another site's data",
        "WebKitClipboardPermissionRequest" => "to read the clipboard",
        _ => return format!("({kind})"),
    };
    words.to_string()
}

/// A dialog's message, shortened (it is the creator's, and may be long).
fn cut(message: &str) -> String {
    if message.chars().count() > 80 {
        format!("{}…", message.chars().take(80).collect::<String>())
    } else {
        message.to_string()
    }
}

/// Fails the export with what the page asked for and where, unless the render is over.
fn asked(session: &Session, what: &str) {
    if !session.sequencer().is_closed() {
        let where_ = super::where_now(session);
        session.event(Event::Failed(RenderError::PageAsked { what: what.to_string(), where_ }));
    }
}
