//! Where a render's CPU goes, by role, read from `/proc` (for `render --stats` and the
//! benchmark). On two cores the renderer and x264 share the same CPU, so the split says how much
//! of each frame the renderer takes from the encoder. Each thread's time is its scheduler run
//! time (`schedstat`, in nanoseconds), or its `stat` ticks (10 ms steps) where that is missing:
//! a tiny render's threads each run for a few ticks, which would make the split coarse.
//!
//! Reading is only done when asked (`--stats`), and what the reading itself costs is kept apart
//! (`measuring`): a render that is not measured does not pay it, so it is not the render's
//! overhead. Each thread's `schedstat` and `comm` stay open between readings, so a reading is two
//! `pread`s a thread rather than opening and formatting its whole `stat` (BENCHMARKS.md, "The
//! CPU tally's own cost").

use crate::procfs;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

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
    /// This tally's own reading of `/proc` (only when `--stats` asks for it): not in `app`, nor
    /// in [`CpuTimes::total`].
    pub measuring: f64,
}

/// A frame's CPU in three parts, in ms (`perFrameCpuMs` in `render --stats-json`): what the
/// issue's speed goal is about is `overhead`, the CPU a frame costs beyond x264 and the
/// composition's own drawing (BENCHMARKS.md, "Today").
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct PerFrameCpuMs {
    /// The encoder: x264's (or VP8's, or the GIF writer's) threads and GStreamer's streaming
    /// threads.
    pub encoder: f64,
    /// The composition's own drawing, as the page timed it (see `PageStats::draw_cpu_ms`).
    pub draw: f64,
    /// Everything else the app and the web process spent: reading back, converting, copying,
    /// IPC, the app's bookkeeping, and media (clips and sounds decoded, the mix; none on a
    /// project without them).
    pub overhead: f64,
}

impl CpuTimes {
    pub fn total(&self) -> f64 {
        self.encoder + self.media + self.app + self.page + self.web_other
    }

    /// These times split per frame over `frames` frames, `draw_secs` of them being the
    /// composition's drawing (part of the page's). The drawing is not capped: more drawing than
    /// the tally saw beside the encoder shows as a sum above the total, an error in the timing.
    pub fn per_frame(&self, frames: u64, draw_secs: f64) -> PerFrameCpuMs {
        let ms = 1000.0 / frames.max(1) as f64;
        let draw = draw_secs.max(0.0);
        PerFrameCpuMs {
            encoder: self.encoder * ms,
            draw: draw * ms,
            overhead: (self.total() - self.encoder - draw).max(0.0) * ms,
        }
    }

    fn floor_at_zero(&mut self) {
        for v in [&mut self.encoder, &mut self.media, &mut self.app, &mut self.page, &mut self.web_other] {
            *v = v.max(0.0);
        }
    }

    fn add(&mut self, role: Role, secs: f64) {
        match role {
            Role::Encoder => self.encoder += secs,
            Role::Media => self.media += secs,
            Role::App => self.app += secs,
            Role::Page => self.page += secs,
            Role::WebOther => self.web_other += secs,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Role {
    Encoder,
    Media,
    App,
    Page,
    WebOther,
}

/// The CPU each thread of this process and of the render page's web process has used, as last
/// seen, from a starting point on. Threads are counted one by one, and one that ends keeps what
/// it had used when last seen: x264's threads end when the encoder is torn down, a sound's
/// decoding threads when the sound has been read, the web process when its view is closed.
/// A sum of the threads alive now would lose them (and fall below where it started).
#[derive(Debug, Default)]
pub struct CpuTally {
    /// (process, thread) → role and CPU nanoseconds, as last seen.
    seen: HashMap<(u32, u32), (Role, u64)>,
    /// Each thread's nanoseconds at the start (threads started later began at zero).
    start: HashMap<(u32, u32), u64>,
    /// The open `/proc` files of the threads alive at the last reading.
    files: HashMap<(u32, u32), ThreadFiles>,
    /// This tally's own CPU since the start, in nanoseconds of the reading thread's clock, and
    /// that thread (its CPU includes the reading, which is taken out of its role's share).
    own: u64,
    reader: Option<(u32, u32)>,
}

/// A thread's `/proc/…/task/<id>/schedstat` and `comm`, read again from their start each time
/// (the kernel makes their text anew at offset 0). A thread's name may change after it starts
/// (GStreamer names its streaming threads when they start streaming), so it is read every time.
#[derive(Debug)]
struct ThreadFiles {
    schedstat: File,
    comm: File,
}

impl ThreadFiles {
    fn open(dir: &Path) -> Option<Self> {
        Some(Self { schedstat: File::open(dir.join("schedstat")).ok()?, comm: File::open(dir.join("comm")).ok()? })
    }

    /// The thread's name and CPU nanoseconds; `None` once the thread has ended.
    fn read(&self) -> Option<(String, u64)> {
        let mut buf = [0u8; 64];
        let n = self.comm.read_at(&mut buf, 0).ok()?;
        let name = String::from_utf8_lossy(buf.get(..n)?).trim_end_matches('\n').to_string();
        let n = self.schedstat.read_at(&mut buf, 0).ok()?;
        let nanos = parse_schedstat(std::str::from_utf8(buf.get(..n)?).ok()?)?;
        Some((name, nanos))
    }
}

impl CpuTally {
    /// Reads every thread of this process and of the web process `page` (when known and
    /// running). Threads `/proc` cannot read are left as last seen: the figures are for
    /// reports, never for decisions.
    pub fn observe(&mut self, page: Option<u32>) {
        let began = thread_cpu_nanos();
        let me = std::process::id();
        let mut alive = HashSet::new();
        for (tid, name, nanos) in self.threads(me, "self", &mut alive) {
            let role = if is_media_thread(&name) {
                Role::Media
            } else if is_encoder_thread(&name) {
                Role::Encoder
            } else {
                Role::App
            };
            self.note((me, tid), role, nanos);
        }
        if let Some(pid) = page {
            for (tid, _, nanos) in self.threads(pid, &pid.to_string(), &mut alive) {
                self.note((pid, tid), if tid == pid { Role::Page } else { Role::WebOther }, nanos);
            }
        }
        // Ended threads' files closed (their figures stay in `seen`).
        self.files.retain(|k, _| alive.contains(k));
        self.own += thread_cpu_nanos().saturating_sub(began);
        // SAFETY: gettid has no arguments and cannot fail.
        self.reader = Some((me, unsafe { libc::gettid() } as u32));
    }

    /// (thread id, name, CPU nanoseconds) of every thread of process `pid` (`label`: `"self"` or
    /// the pid), through the files kept open; `alive` gets each thread read.
    fn threads(&mut self, pid: u32, label: &str, alive: &mut HashSet<(u32, u32)>) -> Vec<(u32, String, u64)> {
        procfs::tasks(label)
            .into_iter()
            .filter_map(|(tid, dir)| {
                let read = match self.files.entry((pid, tid)) {
                    std::collections::hash_map::Entry::Occupied(f) => f.get().read(),
                    std::collections::hash_map::Entry::Vacant(v) => match ThreadFiles::open(&dir) {
                        Some(files) => v.insert(files).read(),
                        // No `schedstat` (a kernel without it): the coarse `stat` ticks.
                        None => read_stat(&dir),
                    },
                };
                let (name, nanos) = read?;
                alive.insert((pid, tid));
                Some((tid, name, nanos))
            })
            .collect()
    }

    /// A thread's CPU as read now, under the role its name gives now: a GStreamer streaming
    /// thread takes its name when it starts streaming, so one seen before that counts as the
    /// encoder's once renamed, for all its CPU.
    fn note(&mut self, thread: (u32, u32), role: Role, nanos: u64) {
        let entry = self.seen.entry(thread).or_insert((role, nanos));
        entry.0 = role;
        entry.1 = entry.1.max(nanos);
    }

    /// From now on: what each thread has used so far is not counted.
    pub fn start_here(&mut self, page: Option<u32>) {
        self.observe(page);
        self.start_at_seen();
    }

    /// What each thread has used as last seen becomes its starting point.
    fn start_at_seen(&mut self) {
        self.start = self.seen.iter().map(|(&k, &(_, nanos))| (k, nanos)).collect();
        self.own = 0;
    }

    /// What the threads used since [`CpuTally::start_here`], by role.
    pub fn used(&self) -> CpuTimes {
        let mut t = CpuTimes::default();
        for (k, &(role, nanos)) in &self.seen {
            let from = self.start.get(k).copied().unwrap_or(0);
            t.add(role, nanos.saturating_sub(from) as f64 / 1e9);
        }
        // The reading is taken out of the reading thread's role (the app's, in a render: one
        // loop reads), never below nothing.
        t.measuring = self.own as f64 / 1e9;
        if let Some(&(role, _)) = self.reader.and_then(|r| self.seen.get(&r)) {
            t.add(role, -t.measuring);
            t.floor_at_zero();
        }
        t
    }
}

fn is_media_thread(name: &str) -> bool {
    const DECODING: [&str; 8] =
        ["multiqueue", "typefind", "qtdemux", "matroskademux", "oggdemux", "wavparse", "bazaar-clip", "bazaar-mix"];
    DECODING.iter().any(|p| name.starts_with(p))
}

fn is_encoder_thread(name: &str) -> bool {
    name.contains(':') || name == "bazaar-encode"
}

/// A thread's name and CPU from its `stat` (ticks of 10 ms), where `schedstat` is missing.
fn read_stat(dir: &Path) -> Option<(String, u64)> {
    let (name, ticks) = parse_stat(&std::fs::read_to_string(dir.join("stat")).ok()?)?;
    Some((name, ticks.saturating_mul((1e9 / clock_tick()) as u64)))
}

/// The CPU the calling thread has used, in nanoseconds.
fn thread_cpu_nanos() -> u64 {
    let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes the timespec we own; the clock id is a constant.
    if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) } != 0 {
        return 0;
    }
    (t.tv_sec as u64).saturating_mul(1_000_000_000).saturating_add(t.tv_nsec as u64)
}

/// The time a thread has run on a CPU, in nanoseconds: the first field of `/proc/…/schedstat`.
fn parse_schedstat(schedstat: &str) -> Option<u64> {
    schedstat.split_whitespace().next()?.parse().ok()
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
        assert_eq!(parse_schedstat("414511261 197018922 124\n"), Some(414_511_261));
        assert_eq!(parse_schedstat(""), None);
    }

    #[test]
    fn a_frame_splits_into_encoder_drawing_and_the_rest() {
        let cpu = CpuTimes { encoder: 9.0, media: 0.5, app: 0.6, page: 4.5, web_other: 0.4, measuring: 0.2 };
        let f = cpu.per_frame(300, 3.0);
        assert!((f.encoder - 30.0).abs() < 1e-9 && (f.draw - 10.0).abs() < 1e-9, "{f:?}");
        // The page's other 1.5 s, the app's, the web process's other threads and media.
        assert!((f.overhead - 10.0).abs() < 1e-9, "{f:?}");
        assert!((f.encoder + f.draw + f.overhead - cpu.total() * 1000.0 / 300.0).abs() < 1e-9);
        // Drawing timed beyond what the tally saw is not hidden: the parts then add up to more.
        let over = cpu.per_frame(300, 7.0);
        assert_eq!(over.overhead, 0.0);
        assert!(over.encoder + over.draw + over.overhead > cpu.total() * 1000.0 / 300.0);
        assert_eq!(CpuTimes::default().per_frame(0, 0.0), PerFrameCpuMs::default());
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
    fn a_thread_that_ends_keeps_its_cpu_and_earlier_cpu_is_not_counted() {
        let mut t = CpuTally::default();
        t.note((1, 1), Role::Encoder, 500_000_000);
        t.note((1, 2), Role::App, 40_000_000);
        t.start_at_seen();
        t.note((1, 1), Role::Encoder, 800_000_000); // 0.3 s since the start
        t.note((1, 3), Role::Encoder, 200_000_000); // started later: all of it
        t.note((2, 2), Role::Page, 100_000_000);
        t.note((1, 1), Role::Encoder, 700_000_000); // a stale reading never lowers a thread
        let used = t.used();
        // Thread (1, 1) and (1, 3) may end now: they are not read again, and still count.
        assert!((used.encoder - 0.5).abs() < 1e-9, "{used:?}");
        assert_eq!(used.app, 0.0);
        assert!((used.page - 0.1).abs() < 1e-9, "{used:?}");
    }

    /// The reading's CPU comes out of the reading thread's role and shows as `measuring`, in no
    /// role and not in the total; a renamed thread counts under its new name's role.
    #[test]
    fn the_reading_comes_out_of_the_reading_threads_role() {
        let mut t = CpuTally::default();
        t.note((1, 1), Role::App, 0);
        t.note((1, 2), Role::App, 0);
        t.start_at_seen();
        t.note((1, 1), Role::App, 300_000_000);
        t.note((1, 2), Role::App, 100_000_000);
        t.note((1, 2), Role::Encoder, 100_000_000);
        t.own = 200_000_000;
        t.reader = Some((1, 1));
        let used = t.used();
        assert!((used.measuring - 0.2).abs() < 1e-9, "{used:?}");
        assert!((used.app - 0.1).abs() < 1e-9, "thread 1's 0.3 s less its 0.2 s of reading: {used:?}");
        assert!((used.encoder - 0.1).abs() < 1e-9, "thread 2, renamed: {used:?}");
        assert!((used.total() - 0.2).abs() < 1e-9, "{used:?}");
        // A reading larger than its thread's share leaves nothing, never less.
        t.own = 900_000_000;
        assert_eq!(t.used().app, 0.0);
    }

    /// The tally's reading is counted apart, and taken out of the reading thread's own share:
    /// a thread that only reads is left with (almost) nothing of its own.
    #[test]
    fn the_tallys_own_reading_is_kept_apart() {
        let mut t = CpuTally::default();
        t.start_here(None);
        for _ in 0..300 {
            t.observe(None);
        }
        let d = t.used();
        assert!(d.measuring > 0.0, "{d:?}");
        let reader = t.reader.expect("the reading thread");
        let (_, nanos) = t.seen[&reader];
        let raw = nanos.saturating_sub(t.start.get(&reader).copied().unwrap_or(0)) as f64 / 1e9;
        assert!(d.measuring <= raw + 1e-3, "the reading ({}) is part of its thread's CPU ({raw})", d.measuring);
        // What the thread did besides reading (starting the loop) is a small part of it.
        assert!(raw - d.measuring < 0.5 * raw + 2e-3, "{d:?}, thread {raw}");
    }

    #[test]
    fn this_process_is_sampled_and_a_busy_thread_shows() {
        // Busy until the samples show 50 ms of CPU, or give up after 10 s of
        // wall time: on a loaded machine the thread may get far less CPU than wall time.
        let mut t = CpuTally::default();
        t.start_here(None);
        let start = std::time::Instant::now();
        let mut x = 0u64;
        let mut d = CpuTimes::default();
        while start.elapsed() < std::time::Duration::from_secs(10) {
            for _ in 0..1_000_000 {
                x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(1));
            }
            t.observe(None);
            d = t.used();
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
