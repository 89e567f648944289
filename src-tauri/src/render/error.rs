use bazaar_core::encode::EncodeError;
use bazaar_core::project::ProjectError;
use serde::{Deserialize, Serialize};

/// Where in the project something went wrong, as the render page reports it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageError {
    /// `module`, `load`, `draw`, `asset`, `page` (the page's own code or a stray error), or
    /// `setup` (the app's parts in the page: its extension, its frame ring).
    pub kind: String,
    pub scene: Option<usize>,
    pub composition: Option<String>,
    pub frame: Option<u64>,
    pub asset: Option<String>,
    pub message: String,
    #[serde(default)]
    pub stack: String,
}

pub(super) fn at(scene: Option<usize>, composition: &Option<String>, frame: Option<u64>) -> String {
    let mut s = String::new();
    if let Some(i) = scene {
        s += &format!("scene {} ", i + 1);
    }
    if let Some(c) = composition {
        s += &format!("({c}) ");
    }
    if let Some(f) = frame {
        s += &format!("at frame {f} ");
    }
    s.trim_end().to_string()
}

/// "scene 2 (Title) at frame 7: ", or nothing for an error of the page itself (no scene yet):
/// a message never starts with an empty place and a colon.
fn where_prefix(e: &PageError) -> String {
    let place = at(e.scene, &e.composition, e.frame);
    if place.is_empty() {
        place
    } else {
        place + ": "
    }
}

/// Why a render did not produce a file. Messages say what, where, and what to do.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("{0}")]
    Project(#[from] ProjectError),
    #[error("{0}")]
    Plan(String),
    #[error("{0}")]
    Encode(#[from] EncodeError),
    #[error("{}{}{}", where_prefix(&.0), .0.message, if .0.stack.is_empty() { String::new() } else { format!("\n{}", .0.stack.trim_end()) })]
    Composition(Box<PageError>),
    #[error("{what} did not finish within {seconds} s{}; check the composition for an endless loop or a promise that never settles", if where_.is_empty() { String::new() } else { format!(" ({where_})") })]
    Timeout { what: String, where_: String, seconds: u64 },
    #[error("the render view could not start: {0}")]
    Webview(String),
    /// The export could not be set up (its encoder thread, its frame dump).
    #[error("the export could not start: {0}")]
    Setup(String),
    /// The page tried to navigate away or open a window (never allowed: a composition reaches
    /// nothing but its project's files).
    #[error("the composition tried to leave the render page (to {url}); a composition cannot navigate, open windows or reach the network, so the export stopped")]
    PageLeft { url: String },
    /// WebKit's process that draws the page ended under the render.
    #[error("the render page's process {reason}{}; nothing was written. Try again; if it keeps happening, check the composition for runaway memory use", if where_.is_empty() { String::new() } else { format!(" ({where_})") })]
    PageEnded { reason: String, where_: String },
    #[error("the composition used more than {limit_mb} MB of memory in the render page{}, so the export stopped before the machine ran short; check it for data kept across frames or very large images (the limit is set by BAZAAR_PAGE_MEMORY_MB)", if where_.is_empty() { String::new() } else { format!(" ({where_})") })]
    PageMemory { limit_mb: u64, where_: String },
    /// The page asked for something only a person can answer (a dialog, a file or colour
    /// picker, a password, a permission): refused at once, and the export fails, since a
    /// render has nobody to answer and the composition would wait for ever.
    #[error("the composition {what}{}; a render runs with nobody to answer, so dialogs, pickers and permission requests are refused and the export stopped: remove the call", if where_.is_empty() { String::new() } else { format!(" ({where_})") })]
    PageAsked { what: String, where_: String },
    #[error("the export was cancelled")]
    Cancelled,
}

/// The most of a page's message (and of its stack) that is kept, in bytes: a composition's
/// exception may carry megabytes (a whole data file in its message), which were printed whole
/// to the terminal and kept in the window's export history.
const MESSAGE_BYTES: usize = 4096;

impl PageError {
    /// The error with its positions in compiled modules (TypeScript, JSX) mapped back to the
    /// source file's line and column, and every project file named as the folder sees it
    /// (`files`: the URL of the project folder; WebKit applies no source maps).
    pub fn at_source(mut self, files: &str, root: &std::path::Path) -> Self {
        for text in [&mut self.message, &mut self.stack] {
            *text = bazaar_core::modules::map_positions(text, files, root);
        }
        self
    }

    /// The error with its texts cut to [`MESSAGE_BYTES`], saying how long they were.
    fn bounded(mut self) -> Self {
        for text in [&mut self.message, &mut self.stack] {
            *text = cut(std::mem::take(text), "message");
        }
        if let Some(asset) = self.asset.take() {
            self.asset = Some(cut(asset, "name"));
        }
        self
    }
}

/// `text` cut to [`MESSAGE_BYTES`] (at a character boundary), with a note of its full size.
fn cut(mut text: String, what: &str) -> String {
    if text.len() <= MESSAGE_BYTES {
        return text;
    }
    let full = text.len();
    let mut end = MESSAGE_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text + &format!("… (the {what} is cut here: {full} bytes in all)")
}

impl From<PageError> for RenderError {
    /// A page-reported error (a composition's, or the page's own): where every error of the
    /// page enters the app, its texts bounded here.
    fn from(e: PageError) -> Self {
        RenderError::Composition(Box::new(e.bounded()))
    }
}

impl RenderError {
    pub fn kind(&self) -> &'static str {
        match self {
            RenderError::Project(_) => "project",
            RenderError::Plan(_) => "settings",
            RenderError::Encode(EncodeError::Cancelled) | RenderError::Cancelled => "cancelled",
            RenderError::Encode(e) => e.kind(),
            RenderError::Composition(_) => "composition",
            RenderError::Timeout { .. } => "timeout",
            RenderError::Webview(_) => "webview",
            RenderError::Setup(_) => "setup",
            RenderError::PageLeft { .. } | RenderError::PageAsked { .. } => "sandbox",
            RenderError::PageEnded { .. } => "pageEnded",
            RenderError::PageMemory { .. } => "memory",
        }
    }

    pub fn is_cancelled(&self) -> bool {
        matches!(self, RenderError::Cancelled | RenderError::Encode(EncodeError::Cancelled))
    }

    pub fn timeout(
        what: impl Into<String>,
        scene: Option<usize>,
        composition: Option<String>,
        frame: Option<u64>,
        seconds: u64,
    ) -> Self {
        RenderError::Timeout { what: what.into(), where_: at(scene, &composition, frame), seconds }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_huge_page_message_is_cut_with_its_size() {
        let e = PageError { message: "é".repeat(3_000_000), stack: "at draw\n".repeat(10), ..PageError::default() };
        let shown = RenderError::from(e).to_string();
        assert!(shown.len() < 2 * MESSAGE_BYTES, "{} bytes", shown.len());
        assert!(shown.contains("the message is cut here: 6000000 bytes in all"), "{shown}");
        assert!(shown.ends_with("at draw"), "a short stack is kept whole: {shown}");
    }

    #[test]
    fn an_error_with_no_place_starts_with_its_message() {
        let setup = PageError { kind: "setup".into(), message: "the ring".into(), ..PageError::default() };
        assert_eq!(RenderError::from(setup).to_string(), "the ring");
        let draw = PageError { scene: Some(1), frame: Some(7), message: "boom".into(), ..PageError::default() };
        assert_eq!(RenderError::from(draw).to_string(), "scene 2 at frame 7: boom");
    }
}
