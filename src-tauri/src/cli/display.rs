//! A display for the render webview when there is none (a server, CI, a terminal over SSH):
//! start a private Xvfb, or say exactly what to install.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A private X server. It is not stopped from Rust: killing it while GTK and WebKit are still
/// connected makes Xlib end the process with status 1 before our result is printed. Instead
/// the kernel stops it (`PR_SET_PDEATHSIG`) when this process exits.
pub struct Xvfb(#[allow(dead_code)] Child);

fn set(var: &str) -> bool {
    std::env::var_os(var).is_some_and(|v| !v.is_empty())
}

/// Returns `Ok(None)` when a display is already set, `Ok(Some(xvfb))` when one was started.
/// Must run before any other thread starts (it sets `DISPLAY` for this process).
pub fn ensure_display() -> Result<Option<Xvfb>, String> {
    if set("DISPLAY") || set("WAYLAND_DISPLAY") {
        return Ok(None);
    }
    let number = (99..200)
        .find(|n| {
            !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() && !Path::new(&format!("/tmp/.X{n}-lock")).exists()
        })
        .ok_or("no free X display number between :99 and :199")?;
    let mut command = Command::new("Xvfb");
    // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        command.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            Ok(())
        });
    }
    let child = command
        .arg(format!(":{number}"))
        .args(["-screen", "0", "1920x1080x24", "-nolisten", "tcp", "-noreset"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                "rendering needs a display and none is set (DISPLAY and WAYLAND_DISPLAY are empty), and Xvfb is not installed: \
                 install it (apt-get install xvfb), or run under a desktop session or `xvfb-run -a bazaar-export render …`"
                    .to_string()
            } else {
                format!("could not start Xvfb: {e}")
            }
        })?;
    let mut xvfb = Xvfb(child);
    let socket = format!("/tmp/.X11-unix/X{number}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !Path::new(&socket).exists() {
        if let Ok(Some(status)) = xvfb.0.try_wait() {
            return Err(format!("Xvfb exited at start ({status})"));
        }
        if Instant::now() > deadline {
            return Err("Xvfb did not start within 10 s".into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    // SAFETY: called from `main` before the app or any other thread starts.
    unsafe { std::env::set_var("DISPLAY", format!(":{number}")) };
    Ok(Some(xvfb))
}
