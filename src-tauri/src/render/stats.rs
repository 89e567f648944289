//! Where a render's time went (`render --stats`, `--stats-json`). Its progress as it goes is
//! core's `encode::Progress`, in core's one `Stage` vocabulary.

use super::cpu::{CpuTimes, PerFrameCpuMs};
use serde::{Deserialize, Serialize};

/// Where a render's time went (printed by `render --stats`, used by the benchmark).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RenderStats {
    pub frames: u64,
    /// One whole frame as the encoder takes it.
    pub frame_bytes: u64,
    /// Webview start, modules and `load()`.
    pub preparing_secs: f64,
    /// From the start to the first frame reaching Rust.
    pub first_frame_secs: f64,
    /// From the first frame to the last frame handed to the encoder.
    pub rendering_secs: f64,
    /// From the last frame to the file in place (encoder drain, EOS, index, fsync, rename).
    pub finalizing_secs: f64,
    /// From the start to the file in place (the encoder's teardown follows, off this figure).
    pub total_secs: f64,
    /// Page-side totals over all frames, in ms.
    pub page: PageStats,
    /// CPU used from the first frame in to the file in place, by role (see [`cpu`]): the
    /// encoder's drain included.
    pub cpu: CpuTimes,
    /// `cpu` per frame, split into the encoder, the composition's drawing and the rest (set by
    /// [`RenderStats::with_per_frame_cpu`] once the page's figures are in).
    pub per_frame_cpu_ms: PerFrameCpuMs,
    /// Peak resident memory of this process and of the webview's web process, in MB.
    pub app_peak_rss_mb: f64,
    pub web_peak_rss_mb: f64,
}

impl RenderStats {
    /// These figures with [`RenderStats::per_frame_cpu_ms`] worked out from the CPU tally and the
    /// page's drawing.
    pub fn with_per_frame_cpu(mut self) -> Self {
        self.per_frame_cpu_ms = self.cpu.per_frame(self.frames, self.page.draw_cpu_ms / 1000.0);
        self
    }

    /// The `--stats` line of [`RenderStats::per_frame_cpu_ms`].
    pub fn per_frame_cpu_line(&self) -> String {
        let f = &self.per_frame_cpu_ms;
        let clock = match self.page.draw_clock {
            DrawClock::Thread => "the page thread's CPU",
            DrawClock::Wall => "wall time: no CPU clock in the page",
        };
        format!(
            "CPU per frame beyond x264 and the drawing: overhead {:.1} ms (encoder {:.1} ms, drawing {:.1} ms by {clock}; of the overhead, the page reading a canvas frame back into the ring {:.1} ms)",
            f.overhead,
            f.encoder,
            f.draw,
            self.page.read_cpu_ms / self.page.read_frames.max(1) as f64
        )
    }
}

impl PageStats {
    /// These figures, with how the page read its canvas frames logged (a frame read by bands
    /// where the canvas could be read in place is the fallback of `web-extension/src/canvas.rs`).
    pub fn logged(self) -> Self {
        tracing::info!(
            in_place = self.in_place,
            bands = self.bands,
            "canvas frames read: in place, and bands of getImageData"
        );
        self
    }
}

/// How the page timed the composition's drawing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DrawClock {
    /// The page thread's own CPU time (the web-process extension's clock).
    Thread,
    /// Wall time on the page's thread, which also counts the time it waited for a core (on two
    /// cores shared with x264, an upper bound of its CPU).
    #[default]
    Wall,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageStats {
    pub draw_ms: f64,
    /// The composition's drawing, frames after the first request (those are drawn before the CPU
    /// tally starts): around its `draw()`, and for a DOM scene from its `render()` to the
    /// picture taken (WebKit's style, layout and paint happen then, on the page's thread).
    #[serde(default)]
    pub draw_cpu_ms: f64,
    #[serde(default)]
    pub draw_clock: DrawClock,
    /// Reading back and converting into the ring.
    pub read_ms: f64,
    /// Reading back, frames after the first request, by the page thread's clock (`draw_clock`).
    #[serde(default)]
    pub read_cpu_ms: f64,
    /// The frames `read_cpu_ms` is of.
    #[serde(default)]
    pub read_frames: u64,
    pub wait_ms: f64,
    /// Bands of rows read back and put into the frame ring.
    #[serde(default)]
    pub bands: u64,
    /// Canvas frames the web-process extension read where WebKit keeps them (no bands).
    #[serde(default)]
    pub in_place: u64,
    /// Frames the app made itself (full-frame video clips), which the page did not draw.
    #[serde(default)]
    pub direct: u64,
    /// Frames of DOM scenes (the view's picture taken by the app), and the page's time waiting
    /// for those pictures.
    #[serde(default)]
    pub snapshots: u64,
    #[serde(default)]
    pub snap_ms: f64,
    /// Whether the page put its frames into the frame ring (always, since the ring became the
    /// one canvas transport; kept for the tests and tools that read it).
    #[serde(default)]
    pub ring: bool,
}
