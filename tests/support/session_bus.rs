//! For the desktop tests: a session bus of the test's own with a notification server on it,
//! and another window to take the focus.

use crate::cli::repo;
use serde_json::Value;
use std::path::PathBuf;

/// A session bus of the test's own with a notification server on it (support/notifications.py)
/// that writes down what it is sent.
pub struct Notifications {
    bus: std::process::Child,
    server: std::process::Child,
    pub address: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Notifications {
    pub fn start() -> Self {
        use std::io::BufRead;
        let dir = tempfile::tempdir().unwrap();
        let mut bus = std::process::Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--nopidfile", "--print-address=1"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("dbus-daemon (package dbus)");
        let mut address = String::new();
        std::io::BufReader::new(bus.stdout.take().unwrap()).read_line(&mut address).unwrap();
        let address = address.trim().to_string();
        if address.is_empty() {
            let _ = bus.kill();
            panic!("dbus-daemon gave no address");
        }
        let log = dir.path().join("notifications.jsonl");
        let mut server = std::process::Command::new("/usr/bin/python3")
            .arg(repo("tests/support/notifications.py"))
            .arg(&log)
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut ready = String::new();
        std::io::BufReader::new(server.stdout.take().unwrap()).read_line(&mut ready).unwrap();
        if ready.trim() != "ready" {
            let _ = (bus.kill(), server.kill());
            panic!("the notification server did not start (python3-dbus, python3-gi)");
        }
        Notifications { bus, server, address, log, _dir: dir }
    }

    pub fn received(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

impl Drop for Notifications {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.bus.kill();
        let _ = self.server.wait();
        let _ = self.bus.wait();
    }
}

/// Another window that takes the focus (as when the creator switches to another app), until dropped.
pub struct OtherWindow(std::process::Child);

impl OtherWindow {
    pub fn open() -> Self {
        let script = "import gi, sys; gi.require_version('Gtk', '3.0'); from gi.repository import Gtk, GLib\n\
                      w = Gtk.Window(title='other'); w.set_default_size(120, 80); w.move(1150, 900); w.show_all(); w.present()\n\
                      GLib.timeout_add(300, lambda: (w.present(), True)[1]); Gtk.main()";
        OtherWindow(std::process::Command::new("/usr/bin/python3").args(["-c", script]).spawn().expect("python3-gi"))
    }
}

impl Drop for OtherWindow {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
