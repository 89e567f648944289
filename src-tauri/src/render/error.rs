use bazaar_core::encode::EncodeError;
use bazaar_core::project::ProjectError;
use serde::{Deserialize, Serialize};

/// Where in the project something went wrong, as the render page reports it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageError {
    /// `module`, `load`, `draw`, `asset` or `page`.
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

/// Why a render did not produce a file. Messages say what, where, and what to do.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("{0}")]
    Project(#[from] ProjectError),
    #[error("{0}")]
    Plan(String),
    #[error("{0}")]
    Encode(#[from] EncodeError),
    #[error("{}: {}{}", at(.0.scene, &.0.composition, .0.frame), .0.message, if .0.stack.is_empty() { String::new() } else { format!("\n{}", .0.stack.trim_end()) })]
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
    #[error("the export was cancelled")]
    Cancelled,
}

impl From<PageError> for RenderError {
    /// A page-reported error (a composition's, or the page's own).
    fn from(e: PageError) -> Self {
        RenderError::Composition(Box::new(e))
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
            RenderError::PageLeft { .. } => "sandbox",
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
