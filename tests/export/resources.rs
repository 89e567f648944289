//! The window over many exports: fifty queued and cancelled, twenty back to back, with the
//! app's memory and open files measured.

use super::*;

fn proc_status_kb(pid: i32, key: &str) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn open_fds(pid: i32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map(|d| d.count()).unwrap_or(0)
}

/// What the open files are (`socket:[N]` → `socket`, paths kept), for a failure message.
fn fd_kinds(pid: i32) -> std::collections::BTreeMap<String, usize> {
    let mut m = std::collections::BTreeMap::new();
    for e in std::fs::read_dir(format!("/proc/{pid}/fd")).into_iter().flatten().flatten() {
        let t = std::fs::read_link(e.path()).map(|p| p.display().to_string()).unwrap_or_default();
        let kind = t.split(":[").next().unwrap_or_default().to_string();
        *m.entry(kind).or_insert(0) += 1;
    }
    m
}

#[test]
fn fifty_queued_exports_all_cancel_and_twenty_back_to_back_keep_memory_and_fds_flat() {
    let run = start_indexed("e-{n}.mp4");
    let (s, out) = (&run.app.session, &run.out);
    let pid = *app_pids(run.data.path()).first().expect("the app's pid");

    // 50 queued, then every one cancelled (the running one included): no file at all.
    s.js_async(
        "const done = arguments[arguments.length - 1];
         (async () => { for (let i = 0; i < 50; i++) await window.bazaarExport.confirmExport('mp4', 'high'); })().then(() => done(true));",
        json!([]),
    );
    s.wait(20, "50 exports listed", |s| (jobs(s).len() == 50).then_some(()));
    s.js_async(
        "const done = arguments[arguments.length - 1];
         const ids = [...document.querySelectorAll('[data-testid=export-queue] li')].map(li => li.dataset.id);
         Promise.all(ids.map(id => window.bazaarExport.cancelJob(id))).then(() => done(true));",
        json!([]),
    );
    let ended = |s: &Session| {
        let js = jobs(s);
        js.iter().all(|j| j["status"] == "cancelled" || j["status"] == "completed").then_some(())
    };
    for _ in 0..300 {
        if ended(s).is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        ended(s).is_some(),
        "not all ended: {:?}",
        jobs(s).iter().filter(|j| j["status"] != "cancelled").collect::<Vec<_>>()
    );
    let cancelled = jobs(s).iter().filter(|j| j["status"] == "cancelled").count();
    assert!(cancelled >= 49, "{cancelled} of 50 cancelled (the first may finish before its cancel)");
    let files = files_in(out.path());
    assert!(
        files.len() <= 1 && files.iter().all(|f| f.ends_with(".mp4")),
        "no temp files, at most one finished export: {files:?}"
    );

    // 20 short exports back to back: memory and open files do not grow with each export.
    let run = |count: usize| {
        let before = jobs(s).len();
        s.js_async(
            "const done = arguments[arguments.length - 1];
             (async () => { for (let i = 0; i < arguments[0]; i++) await window.bazaarExport.confirmExport('webm', 'low'); })().then(() => done(true));",
            json!([count]),
        );
        s.wait(240, "the exports to complete", |s| {
            let js = jobs(s);
            (js.len() == before + count && js[before..].iter().all(|j| j["status"] == "completed")).then_some(())
        });
    };
    run(5);
    std::thread::sleep(Duration::from_millis(500));
    let (rss5, fds5, kinds5) = (proc_status_kb(pid, "VmRSS:"), open_fds(pid), fd_kinds(pid));
    run(15);
    std::thread::sleep(Duration::from_millis(500));
    let (rss20, fds20) = (proc_status_kb(pid, "VmRSS:"), open_fds(pid));
    eprintln!("after 5 exports: {} MB RSS, {fds5} fds; after 20: {} MB RSS, {fds20} fds", rss5 / 1024, rss20 / 1024);
    // Known, upstream: WebKitGTK keeps one shared-memory fd per closed render view (one per
    // export). Everything else must stay flat, and that one must not grow faster.
    let kinds20 = fd_kinds(pid);
    let webkit = |k: &std::collections::BTreeMap<String, usize>| {
        k.iter().filter(|(n, _)| n.contains("WebKitSharedMemory")).map(|(_, c)| *c).sum::<usize>()
    };
    let (w5, w20) = (webkit(&kinds5), webkit(&kinds20));
    assert!(fds20 - w20 <= fds5 - w5 + 4, "open files grew from {fds5} to {fds20}: {kinds5:?} → {kinds20:?}");
    assert!(w20 <= w5 + 15, "WebKit shared memory fds grew by more than one per export: {w5} → {w20}");
    // WebKit's heap and GC make RSS noisy by tens of MB (measured growth: 20–65 MB over these
    // 15 exports, see BENCHMARKS.md); a leak of a frame per export (8 MB) would add 120 MB.
    assert!(rss20 <= rss5 + 96 * 1024, "memory grew from {} MB to {} MB", rss5 / 1024, rss20 / 1024);
    assert_eq!(files_in(out.path()).iter().filter(|f| f.ends_with(".webm")).count(), 20);
}
