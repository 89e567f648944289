//! A display for the render webview when there is none (a server, CI, a terminal over SSH):
//! start a private Xvfb, or say exactly what to install.

use crate::config::Config;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A private X server. It is not stopped from Rust: killing it while GTK and WebKit are still
/// connected makes Xlib end the process with status 1 before our result is printed. Instead
/// the kernel stops it (`PR_SET_PDEATHSIG`) when this process exits.
pub struct Xvfb(#[allow(dead_code)] Child);

/// Returns `Ok(None)` when a display is already set, `Ok(Some(xvfb))` when one was started;
/// `config.x_display` is then the one started. Must run before any other thread starts (it sets
/// `DISPLAY` for this process: GTK and WebKit's processes read it).
pub fn ensure_display(config: &mut Config) -> Result<Option<Xvfb>, String> {
    if config.x_display.is_some() || config.wayland_display {
        return Ok(None);
    }
    // Xvfb picks a free display itself and writes its number to this pipe (`-displayfd`), so
    // parallel renders never race for the same number.
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: `fds` is a valid array of two ints for pipe(2) to fill.
    if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
        return Err(format!("could not start Xvfb: {}", std::io::Error::last_os_error()));
    }
    let (read_fd, write_fd) = (fds[0], fds[1]);
    // SAFETY: `read_fd` is ours alone; File closes it when dropped.
    let mut reader = unsafe { <std::fs::File as std::os::fd::FromRawFd>::from_raw_fd(read_fd) };
    let mut command = Command::new("Xvfb");
    // SAFETY: prctl and close are async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        command.pre_exec(move || {
            // A process group of its own: Ctrl+C in a terminal signals the whole foreground
            // group, and an Xvfb that took it ended the display under the render (which then
            // could not clean up). The render ends it after cleaning up, by the death signal.
            libc::setpgid(0, 0);
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            libc::close(read_fd);
            Ok(())
        });
    }
    let spawned = command
        .args(["-displayfd", &write_fd.to_string()])
        .args(["-screen", "0", "1920x1080x24", "-nolisten", "tcp", "-noreset"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    // SAFETY: the child has its own copy; ours must close so the read below sees EOF if it dies.
    unsafe { libc::close(write_fd) };
    let child = spawned.map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            "rendering needs a display and none is set (DISPLAY and WAYLAND_DISPLAY are empty), and Xvfb is not installed: \
             install it (apt-get install xvfb), or run under a desktop session or `xvfb-run -a bazaar-export render …`"
                .to_string()
        } else {
            format!("could not start Xvfb: {e}")
        }
    })?;
    let xvfb = Xvfb(child);
    let mut text = String::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut buf = [0u8; 16];
    while !text.ends_with('\n') {
        if Instant::now() > deadline {
            return Err("Xvfb did not start within 10 s".into());
        }
        match reader.read(&mut buf) {
            Ok(0) => return Err("Xvfb exited at start".into()),
            Ok(n) => text.push_str(&String::from_utf8_lossy(&buf[..n])),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(format!("could not read Xvfb's display number: {e}")),
        }
    }
    let number: u32 = text.trim().parse().map_err(|_| format!("Xvfb reported a strange display {text:?}"))?;
    let display = format!(":{number}");
    // SAFETY: called from `main` before the app or any other thread starts.
    unsafe { std::env::set_var("DISPLAY", &display) };
    config.x_display = Some(display);
    Ok(Some(xvfb))
}
