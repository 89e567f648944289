//! Where a render's CPU goes, by role, read from `/proc` (for `render --stats` and the
//! benchmark). On two cores the renderer and x264 share the same CPU, so the split says how much
//! of each frame the renderer takes from the encoder.

use crate::procfs;
use serde::Serialize;

/// CPU seconds used so far, by role.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CpuTimes {
    /// GStreamer's streaming threads (`<element>:<pad>`), x264's own threads (they take the
    /// name of the thread that starts them) and the thread that pushes frames.
    pub encoder: f64,
    /// Media during the render: video clips decoded (the app's own frames and the page's),
    /// sounds decoded and mixed. `decodebin`'s streaming threads (demuxers, its multiqueue,
    /// whose name the decoder's own threads take), the clip frames' and the mixer's threads.
    pub media: f64,
    /// The rest of this process: the GTK main thread (IPC bodies arrive there), WebKit's IPC
    /// thread, the bridge.
    pub app: f64,
    /// The web process's main thread: drawing, reading back, comparing, converting.
    pub page: f64,
    /// The web process's other threads: IPC, JIT compilers, garbage collection.
    pub web_other: f64,
}

impl CpuTimes {
    /// What was used between `earlier` and `self`.
    pub fn since(&self, earlier: &CpuTimes) -> CpuTimes {
        CpuTimes {
            encoder: self.encoder - earlier.encoder,
            media: self.media - earlier.media,
            app: self.app - earlier.app,
            page: self.page - earlier.page,
            web_other: self.web_other - earlier.web_other,
        }
    }

    pub fn total(&self) -> f64 {
        self.encoder + self.media + self.app + self.page + self.web_other
    }
}

/// Now, for this process and the render page's web process `page` (when known and running).
/// Zero where `/proc` cannot be read: the figures are for reports, never for decisions.
pub fn sample(page: Option<u32>) -> CpuTimes {
    let tick = clock_tick();
    let mut t = CpuTimes::default();
    for (_, name, ticks) in threads("self") {
        let secs = ticks as f64 / tick;
        if is_media_thread(&name) {
            t.media += secs;
        } else if is_encoder_thread(&name) {
            t.encoder += secs;
        } else {
            t.app += secs;
        }
    }
    if let Some(pid) = page {
        for (tid, _, ticks) in threads(&pid.to_string()) {
            let secs = ticks as f64 / tick;
            if tid == pid {
                t.page += secs;
            } else {
                t.web_other += secs;
            }
        }
    }
    t
}

fn is_media_thread(name: &str) -> bool {
    const DECODING: [&str; 8] =
        ["multiqueue", "typefind", "qtdemux", "matroskademux", "oggdemux", "wavparse", "bazaar-clip", "bazaar-mix"];
    DECODING.iter().any(|p| name.starts_with(p))
}

fn is_encoder_thread(name: &str) -> bool {
    name.contains(':') || name == "bazaar-encode"
}

/// (thread id, thread name, CPU ticks) of every thread of a process (`"self"` or a pid).
fn threads(pid: &str) -> Vec<(u32, String, u64)> {
    procfs::tasks(pid)
        .into_iter()
        .filter_map(|(tid, dir)| {
            let (name, ticks) = parse_stat(&std::fs::read_to_string(dir.join("stat")).ok()?)?;
            Some((tid, name, ticks))
        })
        .collect()
}

/// The name and user + system CPU ticks from a `/proc/…/stat` line. The name sits between the
/// first `(` and the last `)` and may hold spaces and parentheses itself.
fn parse_stat(stat: &str) -> Option<(String, u64)> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let name = stat.get(open + 1..close)?.to_string();
    let mut fields = stat.get(close + 1..)?.split_whitespace().skip(11);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    Some((name, user + system))
}

fn clock_tick() -> f64 {
    // SAFETY: sysconf reads a constant of the system; no memory of ours is involved.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 {
        t as f64
    } else {
        100.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stat_line_gives_the_name_and_the_ticks_even_with_odd_names() {
        let line = "4242 (src:src) R 1 2 3 4 5 6 7 8 9 10 150 25 0 0 20 0 7 0 100 0 0";
        assert_eq!(parse_stat(line), Some(("src:src".to_string(), 175)));
        let odd = "7 (a (b) c) S 1 2 3 4 5 6 7 8 9 10 3 4 0 0";
        assert_eq!(parse_stat(odd), Some(("a (b) c".to_string(), 7)));
        assert_eq!(parse_stat("garbage"), None);
        assert_eq!(parse_stat("1 (x) S 1 2"), None);
    }

    #[test]
    fn streaming_and_x264_threads_count_as_the_encoder() {
        assert!(is_encoder_thread("src:src"));
        assert!(is_encoder_thread("mux:src"));
        assert!(is_encoder_thread("bazaar-encode"));
        assert!(!is_encoder_thread("tokio-rt-worker"));
        assert!(!is_encoder_thread("bazaar-export"));
        assert!(is_media_thread("multiqueue0:src"));
        assert!(is_media_thread("bazaar-clip-fra"));
        assert!(!is_media_thread("src:src"));
    }

    #[test]
    fn this_process_is_sampled_and_a_busy_thread_shows() {
        // Busy until the samples show 50 ms of CPU (ticks are 10 ms), or give up after 10 s of
        // wall time: on a loaded machine the thread may get far less CPU than wall time.
        let a = sample(None);
        let start = std::time::Instant::now();
        let mut x = 0u64;
        let mut d = CpuTimes::default();
        while start.elapsed() < std::time::Duration::from_secs(10) {
            for _ in 0..1_000_000 {
                x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(1));
            }
            d = sample(None).since(&a);
            if d.encoder + d.app >= 0.05 {
                break;
            }
        }
        // This test's thread is named after the test ("render::cpu::…"), so it may count as
        // either role here.
        assert!(d.encoder + d.app >= 0.05, "{d:?}");
        assert_eq!(d.page, 0.0, "no web process in a unit test");
    }
}
