#![allow(dead_code)] // each test binary uses a different part of this client
//! A minimal W3C WebDriver client for the end-to-end tests: starts `tauri-driver` (which starts
//! Debian's `WebKitWebDriver`, which starts the app) and drives the real window.

use serde_json::{json, Value};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

fn tauri_driver() -> PathBuf {
    if let Some(p) = std::env::var_os("TAURI_DRIVER") {
        return PathBuf::from(p);
    }
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .expect("HOME or CARGO_HOME");
    let p = home.join("bin/tauri-driver");
    assert!(p.exists(), "tauri-driver is not installed: run scripts/test.sh (it installs it) or `cargo install tauri-driver --version ^2 --locked`");
    p
}

pub struct Driver {
    child: Child,
    base: String,
    /// The app's data folder when the test gave none: its own, so one test's settings (last
    /// project, window size) and history never reach another, nor the user's.
    _data: Option<tempfile::TempDir>,
}

impl Drop for Driver {
    /// Ends the whole process group: tauri-driver, the `WebKitWebDriver` it started (which
    /// ignores SIGTERM and, with only tauri-driver killed, lived on with parent PID 1), and the
    /// app under test.
    fn drop(&mut self) {
        // SAFETY: kill(2) on the group this driver leads (its pid is the group id).
        unsafe { libc::kill(-(self.child.id() as i32), libc::SIGKILL) };
        let _ = self.child.wait();
    }
}

/// The processes still running (zombies aside) in process group `pgid`, by name.
pub fn group_members(pgid: u32) -> Vec<String> {
    let Ok(procs) = std::fs::read_dir("/proc") else { return Vec::new() };
    procs
        .flatten()
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .filter_map(|stat| {
            // "pid (comm) state ppid pgrp …": comm may hold spaces, so split after its ')'.
            let (head, rest) = stat.rsplit_once(')')?;
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let (state, pgrp) = (*fields.first()?, fields.get(2)?.parse::<u32>().ok()?);
            (pgrp == pgid && state != "Z").then(|| head.split_once('(').map(|(_, c)| c.to_string()).unwrap_or_default())
        })
        .collect()
}

impl Driver {
    pub fn start() -> Self {
        Self::start_with_env(&[])
    }

    /// Starts the driver with extra environment variables, which reach the app it launches.
    pub fn start_with_env(env: &[(&str, &Path)]) -> Self {
        assert!(Path::new("/usr/bin/WebKitWebDriver").exists(), "install webkit2gtk-driver (scripts/install-deps.sh)");
        assert!(
            std::env::var_os("DISPLAY").is_some(),
            "window tests need a display: run them under xvfb-run (scripts/test.sh does)"
        );
        let (port, native) = (free_port(), free_port());
        let own_data = if env.iter().any(|(k, _)| *k == "XDG_DATA_HOME") {
            None
        } else {
            Some(tempfile::tempdir().expect("temp data folder"))
        };
        use std::os::unix::process::CommandExt;
        let mut command = Command::new(tauri_driver());
        if let Some(d) = &own_data {
            command.env("XDG_DATA_HOME", d.path());
        }
        let child = command
            .process_group(0) // its own group, so Drop can end everything it starts
            .args(["--port", &port.to_string(), "--native-port", &native.to_string()])
            .args(["--native-driver", "/usr/bin/WebKitWebDriver"])
            .envs(env.iter().map(|(k, v)| (*k, v.as_os_str())))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("tauri-driver starts");
        let driver = Driver { child, base: format!("http://127.0.0.1:{port}"), _data: own_data };
        let deadline = Instant::now() + Duration::from_secs(20);
        while ureq::get(&format!("{}/status", driver.base)).call().is_err() {
            assert!(Instant::now() < deadline, "tauri-driver did not answer within 20 s");
            std::thread::sleep(Duration::from_millis(100));
        }
        driver
    }

    /// The process group of the driver and everything it starts.
    pub fn process_group(&self) -> u32 {
        self.child.id()
    }

    /// Starts the app with `args` and returns its session.
    pub fn session(&self, app: &Path, args: &[&str], env_note: &str) -> Session {
        let _ = env_note;
        let caps = json!({
            "capabilities": { "alwaysMatch": {
                "browserName": "wry",
                "tauri:options": { "application": app, "args": args }
            }}
        });
        let v = post(&format!("{}/session", self.base), &caps);
        let id = v["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {v}")).to_string();
        let session = Session { url: format!("{}/session/{id}", self.base) };
        // Async scripts (several exports queued in one go) may take longer than the default 30 s
        // on a loaded two-core machine.
        post(&format!("{}/timeouts", session.url), &json!({ "script": 180_000 }));
        session
    }
}

fn post(url: &str, body: &Value) -> Value {
    match ureq::post(url).timeout(Duration::from_secs(60)).send_json(body.clone()) {
        Ok(r) => r.into_json().expect("json"),
        Err(ureq::Error::Status(code, r)) => {
            let text = r.into_string().unwrap_or_default();
            panic!("WebDriver {url} answered {code}: {text}")
        }
        Err(e) => panic!("WebDriver {url}: {e}"),
    }
}

pub struct Session {
    url: String,
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = ureq::delete(&self.url).timeout(Duration::from_secs(20)).call();
    }
}

impl Session {
    /// Clicks Export… and waits for the export panel.
    pub fn open_export_panel(&self) {
        self.click("export-button");
        self.wait_true(10, "the export panel", "return !document.getElementById('export-panel').hidden;");
    }

    /// Sets each control named by its test id (a select or an input) to its value, in order,
    /// telling the page each changed, as a creator's choice would.
    pub fn choose(&self, pairs: &[(&str, &str)]) {
        self.js(
            "for (const [id, v] of arguments[0]) { const e = document.querySelector(`[data-testid=${id}]`); \
             e.value = v; e.dispatchEvent(new Event('change')); } return true;",
            json!([pairs]),
        );
    }

    /// The session's WebDriver address, for commands without a helper here.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Runs `script` in the window (W3C `execute/sync`), returning its value.
    pub fn js(&self, script: &str, args: Value) -> Value {
        post(&format!("{}/execute/sync", self.url), &json!({ "script": script, "args": args }))["value"].clone()
    }

    /// Runs an async script: the last argument is the callback to call with the result.
    pub fn js_async(&self, script: &str, args: Value) -> Value {
        post(&format!("{}/execute/async", self.url), &json!({ "script": script, "args": args }))["value"].clone()
    }

    /// Text of the element with `data-testid`, or None if it is absent or hidden.
    pub fn text(&self, testid: &str) -> Option<String> {
        let v = self.js(
            "const e = document.querySelector(`[data-testid=\"${arguments[0]}\"]`);\
             return e && !e.closest('[hidden]') ? e.textContent : null;",
            json!([testid]),
        );
        v.as_str().map(str::to_owned)
    }

    pub fn click(&self, testid: &str) {
        self.js("document.querySelector(`[data-testid=\"${arguments[0]}\"]`).click(); return true;", json!([testid]));
    }

    /// Polls `check` until it returns Some, or panics with `what` after `secs`.
    pub fn wait<T>(&self, secs: u64, what: &str, mut check: impl FnMut(&Session) -> Option<T>) -> T {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some(v) = check(self) {
                return v;
            }
            assert!(Instant::now() < deadline, "timed out after {secs} s waiting for {what}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Polls `script` (a function body, no arguments) until it returns true.
    pub fn wait_true(&self, secs: u64, what: &str, script: &str) {
        self.wait(secs, what, |s| s.js(script, json!([])).as_bool().filter(|b| *b));
    }

    /// Moves the window's preview scrubber to `frame`, waits until the preview says it shows it,
    /// and returns what the preview reports it shows (`window.bazaarPreview.probe()`).
    pub fn preview_frame(&self, frame: u64) -> Value {
        self.js(
            "const r = document.querySelector('[data-testid=preview-scrubber]'); r.value = arguments[0]; r.dispatchEvent(new Event('input')); return true;",
            json!([frame]),
        );
        self.wait(10, "the frame counter", |s| {
            s.js("return document.getElementById('preview-time').dataset.frame;", json!([]))
                .as_str()
                .filter(|f| *f == frame.to_string())
                .map(|_| ())
        });
        self.probe()
    }

    /// What the preview reports it shows now (`window.bazaarPreview.probe()`), without moving
    /// it. Asked again every half second: a preview page that is reloading does not answer.
    pub fn probe(&self) -> Value {
        let mut asked: Option<Instant> = None;
        self.wait(10, "the preview probe", |s| {
            if asked.is_none_or(|t| t.elapsed() > Duration::from_millis(500)) {
                s.js("window.__previewProbe = null; window.bazaarPreview.probe(); return true;", json!([]));
                asked = Some(Instant::now());
            }
            let v = s.js("return window.__previewProbe;", json!([]));
            (!v.is_null()).then_some(v)
        })
    }

    /// Runs W3C input `actions` (one list per input source, ticks in step), then lets go of
    /// every key and button.
    pub fn actions(&self, actions: Value) {
        post(&format!("{}/actions", self.url), &json!({ "actions": actions }));
        let _ = ureq::delete(&format!("{}/actions", self.url)).timeout(Duration::from_secs(20)).call();
    }

    /// A real mouse click at (`x`, `y`), CSS pixels from the viewport's corner.
    pub fn click_at(&self, x: f64, y: f64) {
        self.actions(json!([{ "type": "pointer", "id": "mouse", "parameters": { "pointerType": "mouse" }, "actions": [
            { "type": "pointerMove", "duration": 0, "origin": "viewport", "x": x.round() as i64, "y": y.round() as i64 },
            { "type": "pointerDown", "button": 0 },
            { "type": "pointerUp", "button": 0 }
        ] }]));
    }

    pub fn screenshot(&self, path: &Path) {
        let v = ureq::get(&format!("{}/screenshot", self.url))
            .call()
            .expect("screenshot")
            .into_json::<Value>()
            .expect("json");
        let b64 = v["value"].as_str().unwrap_or_default();
        std::fs::write(path, decode_base64(b64)).expect("write screenshot");
    }
}

fn decode_base64(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let bytes: Vec<u8> = s.bytes().filter(|c| *c != b'=' && !c.is_ascii_whitespace()).collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, c)| acc | (u32::from(val(*c)) << (18 - 6 * i)));
        out.push((n >> 16) as u8);
        if chunk.len() > 2 {
            out.push((n >> 8) as u8);
        }
        if chunk.len() > 3 {
            out.push(n as u8);
        }
    }
    out
}
