//! The colour test card as a real browser shows it: a loopback HTTP server serves
//! `tests/fixtures/colour-card/probe.html` (which shows a rendered file, draws frames of it to a
//! canvas and posts each patch's colour back), and a browser (Chromium headless, or WebKitGTK's
//! MiniBrowser on the display) loads it. Nothing leaves the machine.

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

/// What `browser` shows of `file` (a video, or an image when `image`): for each of `frames`
/// (at `fps`), the mean colour of each patch's middle third; or why it could not.
pub fn patches_in(
    browser: Browser,
    file: &Path,
    image: bool,
    frames: &[u32],
    fps: u32,
) -> Result<Vec<Vec<[u8; 3]>>, String> {
    let card = super::colour_card::project().parent().expect("the card's folder").to_path_buf();
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let port = listener.local_addr().expect("its address").port();
    let (tx, rx) = mpsc::channel();
    let served = file.to_path_buf();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (card, served, tx) = (card.clone(), served.clone(), tx.clone());
            std::thread::spawn(move || answer(stream, &card, &served, &tx));
        }
    });
    let name = file.file_name().and_then(|n| n.to_str()).expect("a file name");
    let list: Vec<String> = frames.iter().map(u32::to_string).collect();
    let kind = if image { "image" } else { "video" };
    let url =
        format!("http://127.0.0.1:{port}/probe.html?file=/file/{name}&kind={kind}&fps={fps}&frames={}", list.join(","));
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
    let frames = body["frames"].as_array().ok_or("no frames in the answer")?;
    Ok(frames
        .iter()
        .map(|f| {
            let patches = f.as_array().map(Vec::as_slice).unwrap_or_default();
            patches.iter().map(|p| [0, 1, 2].map(|c| p[c].as_u64().unwrap_or(999).min(255) as u8)).collect()
        })
        .collect())
}

/// One request: the probe page and the card's module from the fixture, the file under test
/// (ranges too: a `<video>` seeks with them), or the page's answer (`POST /result`).
fn answer(stream: TcpStream, card: &Path, served: &Path, tx: &mpsc::Sender<String>) {
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
    let file: PathBuf = match path.as_str() {
        "/probe.html" => card.join("probe.html"),
        "/patches.js" => card.join("patches.js"),
        p if p.strip_prefix("/file/") == served.file_name().and_then(|n| n.to_str()) => served.to_path_buf(),
        _ => {
            let _ = out.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            return;
        }
    };
    let bytes = std::fs::read(&file).unwrap_or_default();
    let kind = match file.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript",
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
