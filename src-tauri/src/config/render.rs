//! What a render is allowed and asked to do beyond its project and format: time and memory
//! limits, the speed tricks, whether its CPU is measured. One value, built at start (see
//! [`super::Config`]) and carried by each `RenderRequest` and the preview.

use std::time::Duration;

/// Longest a composition's `load()` may take, and longest between two frames, unless the
/// environment says otherwise.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RenderConfig {
    /// Longest a composition's `load()` may take (the page enforces it; the app adds a margin):
    /// `BAZAAR_LOAD_TIMEOUT_SECS` (tests use a short one).
    pub load_timeout: Duration,
    /// Longest between two frames before the render is declared hung: `BAZAAR_FRAME_TIMEOUT_SECS`.
    pub frame_timeout: Duration,
    /// The render page's memory limit asked for (`BAZAAR_PAGE_MEMORY_MB`); `None`: the sandbox's
    /// default, from the machine's memory.
    pub page_memory_mb: Option<u64>,
    /// What the clip decoders may be counted at together (`BAZAAR_CLIP_MEMORY_MB`); `None`: the
    /// clip table's default.
    pub clip_memory_mb: Option<u64>,
    /// The speed tricks (`src-tauri/src/speed`): on unless `BAZAAR_NO_SPEED_TRICKS` is set to
    /// something other than empty or `0`.
    pub speed_tricks: bool,
    /// Whether the CPU each part used is measured (`--stats`, `--stats-json`): it polls `/proc`.
    pub measure_cpu: bool,
}

impl Default for RenderConfig {
    fn default() -> Self {
        Self {
            load_timeout: DEFAULT_TIMEOUT,
            frame_timeout: DEFAULT_TIMEOUT,
            page_memory_mb: None,
            clip_memory_mb: None,
            speed_tricks: true,
            measure_cpu: false,
        }
    }
}

impl RenderConfig {
    /// From the environment's variables, read through `var`.
    pub(super) fn from_vars(var: &dyn Fn(&str) -> Option<String>) -> Self {
        let positive = |name: &str| var(name).and_then(|v| v.parse::<u64>().ok()).filter(|n| *n > 0);
        let secs = |name: &str| positive(name).map_or(DEFAULT_TIMEOUT, Duration::from_secs);
        Self {
            load_timeout: secs("BAZAAR_LOAD_TIMEOUT_SECS"),
            frame_timeout: secs("BAZAAR_FRAME_TIMEOUT_SECS"),
            page_memory_mb: positive("BAZAAR_PAGE_MEMORY_MB"),
            clip_memory_mb: positive("BAZAAR_CLIP_MEMORY_MB"),
            speed_tricks: var("BAZAAR_NO_SPEED_TRICKS").is_none_or(|v| v.is_empty() || v == "0"),
            measure_cpu: false,
        }
    }
}
