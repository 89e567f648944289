//! The `bazaar://<id>/job/<id>/…` scheme, the render page's only source of content:
//!
//! - `render.html`, `render.js`, `runtime.js`, `sound.js`, `dom.js`, `no-dialogs.js`, `clock.js`,
//!   `canvas-guard.js`, `captions.js`, `search.js`: the render page and the composition runtime;
//! - `preview.html`, `preview.js`, `spec.json`: the main window's preview (same runtime);
//!   `at-source?<text>`: an error's text with its positions in compiled modules mapped back
//!   to the TypeScript/JSX source (the preview shows errors itself);
//! - `b/<path>`: a built-in composition or helper from `compositions/` (embedded in the app);
//! - `p/<path>`: a file from the job's project folder, resolved with symlinks followed and
//!   refused unless it stays inside the folder; a module file (JavaScript, TypeScript, JSX) as
//!   [`bazaar_core::modules::serve_module`] makes it (compiled, its imports resolved).
//!
//! Every response carries a Content-Security-Policy that allows only this scheme and the IPC
//! bridge, so a project's code cannot reach the network.

use super::clips::ClipTable;
use super::job_table::{Event, Registry};
use super::urls::project_relative;
use crate::config::Config;
use crate::preview::Preview;
use bazaar_core::image_size::image_size;
use bazaar_core::input_file::{read_regular, InputFileError};
use bazaar_core::project::builtin_file;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tauri::http::{header, Request, Response, StatusCode};
use tauri::{Manager, Runtime, UriSchemeContext, UriSchemeResponder};

/// Project files larger than this are refused (a composition asset, not a video).
const MAX_ASSET_BYTES: u64 = 512 * 1024 * 1024;
/// Images larger than this once decoded are refused before the page decodes them: 100
/// megapixels is 400 MB of RGBA (an 8K frame is 33 megapixels). A few 20000×20000 images,
/// small on disk, otherwise took the render page to 12–16 GB.
pub const MAX_IMAGE_PIXELS: u64 = 100_000_000;
/// The response header that says, in words, why a project file was refused (the runtime puts it
/// in the creator's error message).
const REFUSED_HEADER: &str = "x-bazaar-refused";

// connect-src: this scheme and Tauri's IPC scheme only. Not `http://ipc.localhost`, the IPC's
// address on other systems: on Linux it is an ordinary host name, and a page's fetch to it
// reached port 80 on loopback.
const CSP: &str = "default-src 'none'; script-src bazaar:; img-src bazaar: data: blob:; font-src bazaar: data:; \
                   style-src bazaar: 'unsafe-inline'; connect-src bazaar: ipc:; frame-src 'none'; \
                   object-src 'none'; base-uri bazaar:; form-action 'none'";

const RENDER_HTML: &str = include_str!("../../../ui/runtime/render.html");
const RENDER_JS: &str = include_str!("../../../ui/runtime/render.js");
const RUNTIME_JS: &str = include_str!("../../../ui/runtime/runtime.js");
const SOUND_JS: &str = include_str!("../../../ui/runtime/sound.js");
const DOM_JS: &str = include_str!("../../../ui/runtime/dom.js");
const NO_DIALOGS_JS: &str = include_str!("../../../ui/runtime/no-dialogs.js");
const CLOCK_JS: &str = include_str!("../../../ui/runtime/clock.js");
const CANVAS_GUARD_JS: &str = include_str!("../../../ui/runtime/canvas-guard.js");
const CAPTIONS_JS: &str = include_str!("../../../ui/runtime/captions.js");
const SEARCH_JS: &str = include_str!("../../../ui/runtime/search.js");
const PREVIEW_HTML: &str = include_str!("../../../ui/runtime/preview.html");
const PREVIEW_JS: &str = include_str!("../../../ui/runtime/preview.js");

pub fn handle<R: Runtime>(ctx: UriSchemeContext<'_, R>, request: Request<Vec<u8>>, responder: UriSchemeResponder) {
    let app = ctx.app_handle().clone();
    let path = request.uri().path().to_string();
    let query = request.uri().query().unwrap_or_default().to_string();
    // The job id is the host too (see `urls::job_base`): a URL that left the job's folder
    // (`../../x.css` from a stylesheet) still says whose it is.
    let host = request.uri().host().unwrap_or_default().to_string();
    // File reads happen off the GTK main thread, which calls this handler.
    std::thread::spawn(move || {
        let pages = Pages {
            jobs: &app.state::<Registry>(),
            preview: &app.state::<Preview>(),
            frame_timeout: app.state::<Config>().render.frame_timeout,
        };
        responder.respond(serve(&pages, &host, &path, &query));
    });
}

/// What the scheme serves pages of: exports' render pages, and the window's preview.
struct Pages<'a> {
    jobs: &'a Registry,
    preview: &'a Preview,
    /// How long a page's request for sound figures may wait for the mixer: a frame's limit.
    frame_timeout: Duration,
}

impl Pages<'_> {
    /// The project folder of a job or of the current preview.
    fn root(&self, id: &str) -> Option<PathBuf> {
        match self.jobs.get(id) {
            Some(s) => Some(s.assets().root().to_path_buf()),
            None => self.preview.get(id).map(|p| p.root().clone()),
        }
    }

    /// The clip table of a job or of the current preview.
    fn clips(&self, id: &str) -> Option<Arc<ClipTable>> {
        match self.jobs.get(id) {
            Some(s) => Some(s.assets().clips().clone()),
            None => self.preview.get(id).map(|p| p.clips().clone()),
        }
    }
}

fn serve(pages: &Pages, host: &str, path: &str, query: &str) -> Response<Vec<u8>> {
    let mut parts = path.trim_start_matches('/').splitn(3, '/');
    let (Some("job"), Some(job), Some(rest)) = (parts.next(), parts.next(), parts.next()) else {
        return outside(pages, host, path);
    };
    let Some(root) = pages.root(job) else {
        return status(StatusCode::NOT_FOUND, "no such render job");
    };
    match rest {
        "render.html" => ok("text/html; charset=utf-8", RENDER_HTML.as_bytes().to_vec()),
        "render.js" => ok("text/javascript; charset=utf-8", RENDER_JS.as_bytes().to_vec()),
        "runtime.js" => ok("text/javascript; charset=utf-8", RUNTIME_JS.as_bytes().to_vec()),
        "sound.js" => ok("text/javascript; charset=utf-8", SOUND_JS.as_bytes().to_vec()),
        "dom.js" => ok("text/javascript; charset=utf-8", DOM_JS.as_bytes().to_vec()),
        "no-dialogs.js" => ok("text/javascript; charset=utf-8", NO_DIALOGS_JS.as_bytes().to_vec()),
        "clock.js" => ok("text/javascript; charset=utf-8", CLOCK_JS.as_bytes().to_vec()),
        "canvas-guard.js" => ok("text/javascript; charset=utf-8", CANVAS_GUARD_JS.as_bytes().to_vec()),
        "captions.js" => ok("text/javascript; charset=utf-8", CAPTIONS_JS.as_bytes().to_vec()),
        "search.js" => ok("text/javascript; charset=utf-8", SEARCH_JS.as_bytes().to_vec()),
        "preview.html" => ok("text/html; charset=utf-8", PREVIEW_HTML.as_bytes().to_vec()),
        "preview.js" => ok("text/javascript; charset=utf-8", PREVIEW_JS.as_bytes().to_vec()),
        rest if rest.starts_with("sound/") => sound_figures(pages, job, rest),
        rest if rest.starts_with("mix/") => preview_mix(pages, job, rest),
        "at-source" => {
            let text = decode(query).unwrap_or_default();
            let files = format!("{}p/", super::urls::job_base(job));
            ok("text/plain; charset=utf-8", bazaar_core::modules::map_positions(&text, &files, &root).into_bytes())
        }
        "spec.json" => match pages.preview.get(job).and_then(|p| serde_json::to_vec(p.spec()).ok()) {
            Some(spec) => ok("application/json", spec),
            None => status(StatusCode::NOT_FOUND, "no such preview"),
        },
        _ => {
            let Some(rel) = decode(rest.get(2..).unwrap_or_default()) else {
                return status(StatusCode::BAD_REQUEST, "bad path");
            };
            if let Some(builtin) = rest.strip_prefix("b/").and(builtin_file(&rel)) {
                return ok(content_type(&rel), builtin.as_bytes().to_vec());
            }
            if let Some(clip) = clip_request(rest) {
                return serve_clip(pages, job, &root, clip);
            }
            if rest.starts_with("p/") {
                if let Some(module) = module_file(pages, job, &root, &rel, query) {
                    return module;
                }
                return match read_project_file(pages, job, &root, &rel) {
                    Ok(bytes) => ok(content_type(&rel), bytes),
                    Err((code, reason)) => {
                        // A DOM scene's frame is not taken while a file it asked for is missing
                        // (a stylesheet's `url()`, an `<img>`: the page cannot tell, see bridge).
                        if let Some(s) = pages.jobs.get(job) {
                            s.assets().note_missing(&rel, &reason);
                        }
                        refused(code, &reason)
                    }
                };
            }
            outside(pages, host, path)
        }
    }
}

/// A module file of the project, compiled and its imports resolved; `None` for any other file
/// (or one that is refused: the ordinary path names why).
fn module_file(pages: &Pages, job: &str, root: &Path, rel: &str, query: &str) -> Option<Response<Vec<u8>>> {
    let full = project_path(pages, job, root, rel).ok()?;
    let resolver = bazaar_core::modules::Resolver::new(root);
    Some(match bazaar_core::modules::serve_module(&resolver, rel, &full, query)? {
        Ok(module) => ok("text/javascript; charset=utf-8", module.code.into_bytes()),
        Err(e) => refused(StatusCode::UNPROCESSABLE_ENTITY, &e.to_string()),
    })
}

/// A URL of the scheme that is none of the job's pages or files: one that left the project
/// folder (`@import url("../x.css")` from a stylesheet at its top). Noted like a missing file
/// (a DOM scene's frame then fails naming it), and refused.
fn outside(pages: &Pages, job: &str, path: &str) -> Response<Vec<u8>> {
    const WHY: &str = "it is outside the project folder";
    if let Some(s) = pages.jobs.get(job) {
        let name = project_relative(job, path);
        s.assets().note_missing(&decode(&name).unwrap_or(name), WHY);
    }
    refused(StatusCode::FORBIDDEN, WHY)
}

/// Reads `rel` from `root` only if it resolves (symlinks followed) to a file inside `root`.
pub fn resolve_inside(root: &Path, rel: &str) -> Result<PathBuf, StatusCode> {
    let rel_path = Path::new(rel);
    if rel.is_empty()
        || rel.contains('\0')
        || rel_path.components().any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(StatusCode::FORBIDDEN);
    }
    let full = root.join(rel_path).canonicalize().map_err(|_| StatusCode::NOT_FOUND)?;
    if !full.starts_with(root) {
        return Err(StatusCode::FORBIDDEN);
    }
    if !full.is_file() {
        return Err(StatusCode::NOT_FOUND);
    }
    Ok(full)
}

/// Where a file the page asks for is: inside the project folder (after links), and never the
/// export's own destination (asking for it fails the export). `Err` carries the status and why.
fn project_path(pages: &Pages, job: &str, root: &Path, rel: &str) -> Result<PathBuf, (StatusCode, String)> {
    let full = resolve_inside(root, rel).map_err(|code| {
        let why = match code {
            StatusCode::FORBIDDEN => "it is outside the project folder (paths are checked after links are followed)",
            _ => "it does not exist in the project folder",
        };
        (code, why.to_string())
    })?;
    if let Some(session) = pages.jobs.get(job) {
        if session.assets().is_output(&full) {
            let error = bazaar_core::encode::EncodeError::OverwritesInput {
                path: session.assets().output().to_path_buf(),
                what: format!("{rel}, a file the composition loads"),
            };
            let why = error.to_string();
            session.event(Event::Failed(error.into()));
            return Err((StatusCode::CONFLICT, why));
        }
    }
    Ok(full)
}

/// A file of the project for the page: inside the folder, a regular file of bounded size, not
/// an image too large to decode, and never the export's own destination. `Err` carries the
/// status and why, in words.
fn read_project_file(pages: &Pages, job: &str, root: &Path, rel: &str) -> Result<Vec<u8>, (StatusCode, String)> {
    let full = project_path(pages, job, root, rel)?;
    let bytes = read_regular(&full, MAX_ASSET_BYTES).map_err(|e| match e {
        InputFileError::TooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, format!("{e}")),
        InputFileError::NotFound => (StatusCode::NOT_FOUND, "it does not exist in the project folder".into()),
        _ => (StatusCode::FORBIDDEN, format!("{e}")),
    })?;
    if let Some((w, h)) = image_size(&bytes) {
        if u64::from(w) * u64::from(h) > MAX_IMAGE_PIXELS {
            return Err((
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "it is {w}x{h} pixels ({:.0} megapixels, {:.1} GB once decoded); images are limited to {} megapixels: scale it down",
                    (u64::from(w) * u64::from(h)) as f64 / 1e6,
                    (u64::from(w) * u64::from(h) * 4) as f64 / 1e9,
                    MAX_IMAGE_PIXELS / 1_000_000
                ),
            ));
        }
    }
    Ok(bytes)
}

/// Percent-decodes a URL path (UTF-8 only; a `%` not followed by two hex digits stays as it is
/// written, as URL parsers leave it).
fn decode(s: &str) -> Option<String> {
    percent_encoding::percent_decode_str(s).decode_utf8().ok().map(|d| d.into_owned())
}

fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit('.').next().unwrap_or_default().to_ascii_lowercase();
    match ext.as_str() {
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "html" | "htm" => "text/html; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "json" => "application/json",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

fn ok(content_type: &str, body: Vec<u8>) -> Response<Vec<u8>> {
    build(StatusCode::OK, content_type, body)
}

fn status(code: StatusCode, text: &str) -> Response<Vec<u8>> {
    build(code, "text/plain; charset=utf-8", text.as_bytes().to_vec())
}

/// A refusal whose reason the runtime reads from [`REFUSED_HEADER`] (ASCII only, as headers are).
fn refused(code: StatusCode, reason: &str) -> Response<Vec<u8>> {
    let mut response = status(code, reason);
    let ascii: String = reason.chars().map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '?' }).collect();
    if let Ok(value) = header::HeaderValue::from_str(&ascii) {
        response.headers_mut().insert(REFUSED_HEADER, value);
    }
    response
}

fn build(code: StatusCode, content_type: &str, body: Vec<u8>) -> Response<Vec<u8>> {
    let response = Response::builder()
        .status(code)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CONTENT_SECURITY_POLICY, CSP)
        .header(header::CACHE_CONTROL, "no-store")
        .header("X-Content-Type-Options", "nosniff")
        .body(body);
    // The builder fails only on invalid header values, and ours are constants.
    response.unwrap_or_else(|_| Response::new(Vec::new()))
}

/// `mix/<frame>/<frames>`: the preview's sound for those project frames, with their figures
/// (see [`crate::preview::sound`]).
fn preview_mix(pages: &Pages, job: &str, rest: &str) -> Response<Vec<u8>> {
    let Some((frame, frames)) = two_numbers(rest) else {
        return status(StatusCode::BAD_REQUEST, "ask for mix/<frame>/<frames>");
    };
    let Some(sound) = pages.preview.get(job).and_then(|p| p.sound().cloned()) else {
        return status(StatusCode::NOT_FOUND, "this preview has no sound");
    };
    match sound.chunk(frame, frames) {
        Ok(bytes) => ok("application/octet-stream", bytes),
        Err(why) => status(StatusCode::INTERNAL_SERVER_ERROR, &why),
    }
}

/// The two numbers of `<word>/<a>/<b>`.
fn two_numbers(rest: &str) -> Option<(u64, u64)> {
    let mut parts = rest.split('/').skip(1).map(str::parse::<u64>);
    match (parts.next(), parts.next(), parts.next()) {
        (Some(Ok(a)), Some(Ok(b)), None) => Some((a, b)),
        _ => None,
    }
}

/// A request for a video clip: `vi/<path>` (what it is) or `vf/<µs>/<W>x<H>/<path>` (a frame,
/// no larger than W × H; 0x0: at the clip's own size).
enum ClipRequest {
    Info(String),
    Frame(f64, (u32, u32), String),
}

fn clip_request(rest: &str) -> Option<ClipRequest> {
    if let Some(path) = rest.strip_prefix("vi/") {
        return decode(path).map(ClipRequest::Info);
    }
    let (micros, rest) = rest.strip_prefix("vf/")?.split_once('/')?;
    let (size, path) = rest.split_once('/')?;
    let (w, h) = size.split_once('x')?;
    let at_most = (w.parse().ok()?, h.parse().ok()?);
    Some(ClipRequest::Frame(micros.parse::<i64>().ok()? as f64 / 1e6, at_most, decode(path)?))
}

/// A clip of the project, for the page: where any project file may be, decoded by
/// the job's (or the preview's) clip table. A decoding error fails the request with the file
/// named (the page turns it into the composition's error).
fn serve_clip(pages: &Pages, job: &str, root: &Path, request: ClipRequest) -> Response<Vec<u8>> {
    let rel = match &request {
        ClipRequest::Info(rel) | ClipRequest::Frame(_, _, rel) => rel.clone(),
    };
    let full = match project_path(pages, job, root, &rel) {
        Ok(full) => full,
        Err((code, why)) => return refused(code, &why),
    };
    let Some(table) = pages.clips(job) else {
        return status(StatusCode::NOT_FOUND, "no such render job");
    };
    let answer = match request {
        ClipRequest::Info(_) => table.info_json(&full).map(|b| ok("application/json", b)),
        ClipRequest::Frame(t, at_most, _) => table.frame(&full, t, at_most).map(|b| ok("application/octet-stream", b)),
    };
    answer.unwrap_or_else(|e| refused(StatusCode::UNPROCESSABLE_ENTITY, &e.to_string()))
}

/// `sound/<from>/<count>`: output frames' sound figures for the compositions' `audio`
/// argument, as little-endian f32s (see `bazaar_core::audio::analysis`). Waits for the mixer.
fn sound_figures(pages: &Pages, job: &str, rest: &str) -> Response<Vec<u8>> {
    let Some((from, count)) = two_numbers(rest) else {
        return status(StatusCode::BAD_REQUEST, "ask for sound/<from>/<count>");
    };
    let Some(queue) = pages.jobs.get(job).and_then(|s| s.assets().sound().cloned()) else {
        return status(StatusCode::NOT_FOUND, "this render has no sound");
    };
    match queue.take(from, count.min(256), pages.frame_timeout) {
        Ok(bytes) => ok("application/octet-stream", bytes),
        Err(why) => status(StatusCode::INTERNAL_SERVER_ERROR, &why),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_percent_escapes() {
        assert_eq!(decode("a%20b/c.js").as_deref(), Some("a b/c.js"));
        assert_eq!(decode("%E2%9C%93").as_deref(), Some("✓"));
        assert_eq!(decode("%zz").as_deref(), Some("%zz"));
        assert_eq!(decode("%ff"), None);
    }

    #[test]
    fn only_files_inside_the_root_are_served() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.txt"), b"x").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir(root.join("assets")).unwrap();
        std::fs::write(root.join("assets/a.png"), b"png").unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret.txt"), root.join("link.txt")).unwrap();
        assert!(resolve_inside(&root, "assets/a.png").is_ok());
        assert_eq!(resolve_inside(&root, "../secret.txt"), Err(StatusCode::FORBIDDEN));
        assert_eq!(resolve_inside(&root, "assets/../../secret.txt"), Err(StatusCode::FORBIDDEN));
        assert_eq!(resolve_inside(&root, "/etc/passwd"), Err(StatusCode::FORBIDDEN));
        assert_eq!(resolve_inside(&root, "link.txt"), Err(StatusCode::FORBIDDEN));
        assert_eq!(resolve_inside(&root, "assets"), Err(StatusCode::NOT_FOUND));
        assert_eq!(resolve_inside(&root, "nope.png"), Err(StatusCode::NOT_FOUND));
    }
}
