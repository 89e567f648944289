//! A real browser asked about a file: a loopback HTTP server serves a probe page (and the files
//! beside it) from a fixture folder and the files under test under `/file/<name>` (ranges too: a
//! `<video>` seeks with them); the page posts its answer as JSON to `/result`. The browser is
//! Chromium headless, or WebKitGTK's MiniBrowser on the display. Nothing leaves the machine.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

#[derive(Debug, Clone, Copy)]
pub enum Browser {
    Chromium,
    WebKit,
}

impl Browser {
    pub fn name(self) -> &'static str {
        match self {
            Self::Chromium => "Chromium",
            Self::WebKit => "WebKitGTK",
        }
    }

    /// Starts the browser on `url` in a process group of its own (its helpers with it), with
    /// its profile in `home`.
    fn start(self, url: &str, home: &Path) -> Child {
        let mut c = match self {
            Self::Chromium => {
                let mut c = Command::new("chromium");
                c.args([
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                ])
                .arg(format!("--user-data-dir={}", home.display()));
                c
            }
            Self::WebKit => Command::new("/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser"),
        };
        c.arg(url)
            .env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env("XDG_DATA_HOME", home.join("data"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0);
        c.spawn().unwrap_or_else(|e| panic!("cannot start {}: {e} (scripts/install-deps.sh installs it)", self.name()))
    }
}

/// `browser` opens `page` (a file of the fixture folder `pages`) with `query`, the `files` served
/// under `/file/<name>`; the JSON the page posts to `/result`, or why there is none (an
/// `"error"` field of the answer included).
pub fn ask(
    browser: Browser,
    pages: &Path,
    page: &str,
    query: &str,
    files: &[PathBuf],
) -> Result<serde_json::Value, String> {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let port = listener.local_addr().expect("its address").port();
    let (tx, rx) = mpsc::channel();
    let (pages, files) = (pages.to_path_buf(), files.to_vec());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (pages, files, tx) = (pages.clone(), files.clone(), tx.clone());
            std::thread::spawn(move || answer(stream, &pages, &files, &tx));
        }
    });
    let url = format!("http://127.0.0.1:{port}/{page}?{query}");
    let home = tempfile::tempdir().expect("a profile folder");
    let mut child = browser.start(&url, home.path());
    let got = rx.recv_timeout(Duration::from_secs(90));
    // SAFETY: kill(2) on the process group this test started (the browser leads it).
    unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
    let _ = child.wait();
    let body: serde_json::Value = match got {
        Ok(text) => serde_json::from_str(&text).map_err(|e| format!("the page's answer {text:?}: {e}"))?,
        Err(_) => return Err(format!("{} did not answer within 90 s", browser.name())),
    };
    if let Some(e) = body["error"].as_str() {
        return Err(format!("{}: {e}", browser.name()));
    }
    Ok(body)
}

/// One request: a file of the fixture folder (a plain name only), a file under test, or the
/// page's answer (`POST /result`).
fn answer(stream: TcpStream, pages: &Path, files: &[PathBuf], tx: &mpsc::Sender<String>) {
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let (mut length, mut range) = (0usize, None);
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
            break;
        }
        let lower = h.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        if let Some(v) = lower.strip_prefix("range: bytes=") {
            let (a, b) = v.trim().split_once('-').unwrap_or((v.trim(), ""));
            range = Some((a.parse::<usize>().unwrap_or(0), b.parse::<usize>().ok()));
        }
    }
    let mut out = stream;
    let path = line.split_whitespace().nth(1).unwrap_or("/").split('?').next().unwrap_or("/").to_string();
    if line.starts_with("POST /result") {
        let mut body = vec![0u8; length];
        if reader.read_exact(&mut body).is_ok() {
            let _ = tx.send(String::from_utf8_lossy(&body).into_owned());
        }
        let _ = out.write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
        return;
    }
    let name = |p: &Path| p.file_name().and_then(|n| n.to_str()).map(str::to_string);
    let plain = |p: &str| !p.is_empty() && !p.contains(['/', '\\']) && !p.starts_with('.');
    let file: Option<PathBuf> = match path.strip_prefix("/file/") {
        Some(n) => files.iter().find(|f| name(f).as_deref() == Some(n)).cloned(),
        None => path.strip_prefix('/').filter(|p| plain(p)).map(|p| pages.join(p)).filter(|f| f.is_file()),
    };
    let file = match file {
        Some(f) => f,
        None => {
            let _ = out.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            return;
        }
    };
    let bytes = std::fs::read(&file).unwrap_or_default();
    let kind = match file.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript",
        "vtt" => "text/vtt; charset=utf-8",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mov" => "video/quicktime",
        "gif" => "image/gif",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        _ => "application/octet-stream",
    };
    let (status, body, extra) = match range {
        Some((a, b)) if a < bytes.len() => {
            let end = b.map_or(bytes.len() - 1, |b| b.min(bytes.len() - 1));
            let extra = format!("Content-Range: bytes {a}-{end}/{}\r\n", bytes.len());
            ("206 Partial Content", &bytes[a..=end], extra)
        }
        _ => ("200 OK", &bytes[..], String::new()),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nAccept-Ranges: bytes\r\n{extra}Connection: close\r\n\r\n",
        body.len()
    );
    let _ = out.write_all(head.as_bytes()).and_then(|()| out.write_all(body));
}
