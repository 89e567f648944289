//! What `render` shows on the terminal: its progress while it runs, and `--stats` at the end.

use crate::render::RenderStats;
use bazaar_core::encode::Progress;
use bazaar_core::Stage;
use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::Instant;

pub(super) fn print_stats(s: &RenderStats) {
    let n = s.frames.max(1) as f64;
    eprintln!("stats: {} frames in {:.2} s: {:.1} fps end-to-end", s.frames, s.total_secs, n / s.total_secs.max(1e-9));
    eprintln!("  preparing (webview, modules, load())  {:>7.2} s", s.preparing_secs);
    eprintln!("  time to first frame                   {:>7.2} s", s.first_frame_secs);
    eprintln!("  rendering (first to last frame in)    {:>7.2} s", s.rendering_secs);
    eprintln!("  finalizing (drain, EOS, index, sync)  {:>7.2} s", s.finalizing_secs);
    eprintln!(
        "  page per frame: draw {:.1} ms, read back (converted natively into the frame ring: {} frames where WebKit keeps the canvas, {} bands of getImageData) {:.1} ms, waiting for Rust {:.1} ms",
        s.page.draw_ms / n,
        s.page.in_place,
        s.page.bands,
        s.page.read_ms / n,
        s.page.wait_ms / n
    );
    if s.page.snapshots > 0 {
        eprintln!(
            "  frames of DOM scenes (the view's picture): {}, {:.1} ms each from asking to the picture taken",
            s.page.snapshots,
            s.page.snap_ms / s.page.snapshots.max(1) as f64
        );
    }
    if s.page.direct > 0 {
        eprintln!("  frames made by the app (full-frame video clips, not drawn by the page): {}", s.page.direct);
    }
    // The CPU was read from the first frame in to the file in place: every frame's encoding,
    // and all but the first frame's drawing.
    let per_frame = s.frames.max(1) as f64 / 1000.0;
    let window = (s.total_secs - s.first_frame_secs).max(1e-9);
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    eprintln!(
        "  CPU per frame (first frame in to the file in place): encoder {:.1} ms, media (clips and sounds decoded, the mix) {:.1} ms, page {:.1} ms, web process's other threads {:.1} ms, app {:.1} ms ({:.2} of {cores} cores busy)",
        s.cpu.encoder / per_frame,
        s.cpu.media / per_frame,
        s.cpu.page / per_frame,
        s.cpu.web_other / per_frame,
        s.cpu.app / per_frame,
        s.cpu.total() / window
    );
    eprintln!(
        "  (reading these figures from /proc took {:.2} ms a frame, counted in none of them)",
        s.cpu.measuring / per_frame
    );
    eprintln!("  {}", s.per_frame_cpu_line());
    eprintln!("  peak RSS: app {:.0} MB, web process {:.0} MB", s.app_peak_rss_mb, s.web_peak_rss_mb);
}

/// Terminal progress: a bar redrawn in place on a terminal, plain lines otherwise.
pub(super) struct Printer {
    tty: bool,
    start: Instant,
    state: Mutex<(Option<Stage>, u64, Instant)>,
}

impl Printer {
    pub(super) fn new() -> Self {
        Self {
            tty: std::io::stderr().is_terminal(),
            start: Instant::now(),
            state: Mutex::new((None, 0, Instant::now())),
        }
    }

    pub(super) fn show(&self, p: Progress) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        let (last_stage, last_done, last_time) = *state;
        let stage_changed = last_stage != Some(p.stage);
        let now = Instant::now();
        // At most ~10 updates a second, but always the first, the last and every stage change.
        if !stage_changed && p.frames_done != p.total_frames && now.duration_since(last_time).as_millis() < 100 {
            return;
        }
        let plain_step = (p.total_frames / 10).max(1);
        if !self.tty
            && !stage_changed
            && p.frames_done / plain_step == last_done / plain_step
            && p.frames_done != p.total_frames
        {
            return;
        }
        *state = (Some(p.stage), p.frames_done, now);
        let secs = self.start.elapsed().as_secs_f64();
        let fps = if secs > 0.0 { p.frames_done as f64 / secs } else { 0.0 };
        let pct = if p.total_frames > 0 { p.frames_done as f64 * 100.0 / p.total_frames as f64 } else { 0.0 };
        let eta = if fps > 0.0 { (p.total_frames - p.frames_done) as f64 / fps } else { 0.0 };
        let stage = match p.stage {
            Stage::Queued => "queued",
            Stage::Preparing => "preparing",
            Stage::Rendering => "rendering",
            Stage::Finalizing => "finalizing",
            Stage::Done => "done",
        };
        let mut err = std::io::stderr().lock();
        if self.tty {
            let filled = (pct / 5.0) as usize;
            let _ = write!(
                err,
                "\r{stage:<10} [{}{}] {pct:5.1}% {}/{} frames {fps:5.1} fps ETA {}   ",
                "#".repeat(filled),
                " ".repeat(20 - filled.min(20)),
                p.frames_done,
                p.total_frames,
                bazaar_core::project::format_seconds(eta)
            );
            if p.stage == Stage::Done {
                let _ = writeln!(err);
            }
        } else {
            let _ = writeln!(err, "{stage}: {}/{} frames ({pct:.0}%), {fps:.1} fps", p.frames_done, p.total_frames);
        }
    }
}
