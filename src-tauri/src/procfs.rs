//! What the app reads about its own processes from `/proc` (for reports and the render page's
//! watch: zero or empty where it cannot be read).

/// Whether `pid` is a process id (digits) of a process that is no longer running: what the
/// sweeps of files named after their process ask.
pub fn gone(pid: &str) -> bool {
    pid.parse::<u32>().is_ok() && !std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// The threads of a process (`"self"` or a pid): each one's id and its `/proc/…/task/<id>` folder.
pub fn tasks(pid: &str) -> Vec<(u32, std::path::PathBuf)> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return Vec::new() };
    tasks.flatten().filter_map(|t| Some((t.file_name().to_str()?.parse().ok()?, t.path()))).collect()
}

/// The processes this one started (WebKit's web and network processes, Xvfb).
pub fn children() -> Vec<u32> {
    tasks("self")
        .into_iter()
        .filter_map(|(_, dir)| std::fs::read_to_string(dir.join("children")).ok())
        .flat_map(|c| c.split_whitespace().filter_map(|p| p.parse::<u32>().ok()).collect::<Vec<_>>())
        .collect()
}

/// The children that are WebKit web processes (the kernel cuts names to 15 bytes).
pub fn web_processes() -> Vec<u32> {
    children_named("WebKitWebProces")
}

/// The children that are WebKit's processes (web and network).
pub fn webkit_processes() -> Vec<u32> {
    children_named("WebKit")
}

fn children_named(prefix: &str) -> Vec<u32> {
    children()
        .into_iter()
        .filter(|pid| std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.starts_with(prefix)))
        .collect()
}

/// `VmHWM` of a process (`"self"` or a pid), in MB.
pub fn peak_rss_mb(pid: &str) -> Option<f64> {
    status_mb(pid, "VmHWM:")
}

/// The largest peak RSS among this process's children (WebKit's web process renders the page).
pub fn children_peak_rss_mb() -> f64 {
    children().iter().filter_map(|pid| peak_rss_mb(&pid.to_string())).fold(0.0, f64::max)
}

/// `VmRSS` of a process (`"self"` or a pid), in MB: its memory now.
pub fn rss_mb(pid: &str) -> Option<f64> {
    status_mb(pid, "VmRSS:")
}

fn status_mb(pid: &str, field: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: f64 = status.lines().find(|l| l.starts_with(field))?.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}
