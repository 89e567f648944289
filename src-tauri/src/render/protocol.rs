//! The `bazaar://localhost/job/<id>/…` scheme, the render page's only source of content:
//!
//! - `render.html`, `render.js`, `runtime.js`, `yuv.js`, `simd.js`: the render page and the composition runtime;
//! - `preview.html`, `preview.js`, `spec.json`: the main window's preview (same runtime);
//! - `b/<path>`: a built-in composition or helper from `compositions/` (embedded in the app);
//! - `p/<path>`: a file from the job's project folder, resolved with symlinks followed and
//!   refused unless it stays inside the folder.
//!
//! Every response carries a Content-Security-Policy that allows only this scheme and the IPC
//! bridge, so a project's code cannot reach the network.

use super::session::Registry;
use bazaar_core::project::builtin_file;
use std::path::{Component, Path, PathBuf};
use tauri::http::{header, Request, Response, StatusCode};
use tauri::{Manager, Runtime, UriSchemeContext, UriSchemeResponder};

pub const SCHEME: &str = "bazaar";

/// Project files larger than this are refused (a composition asset, not a video).
const MAX_ASSET_BYTES: u64 = 512 * 1024 * 1024;

// 'wasm-unsafe-eval': the page assembles its SIMD converter (simd.js) as WebAssembly; it allows
// compiling WebAssembly only, not `eval` of strings, and WebAssembly reaches nothing JS cannot.
const CSP: &str =
    "default-src 'none'; script-src bazaar: 'wasm-unsafe-eval'; img-src bazaar: data: blob:; font-src bazaar: data:; \
                   style-src bazaar: 'unsafe-inline'; connect-src bazaar: ipc: http://ipc.localhost; frame-src 'none'; \
                   object-src 'none'; base-uri 'none'; form-action 'none'";

const RENDER_HTML: &str = include_str!("../../../ui/runtime/render.html");
const RENDER_JS: &str = include_str!("../../../ui/runtime/render.js");
const RUNTIME_JS: &str = include_str!("../../../ui/runtime/runtime.js");
const YUV_JS: &str = include_str!("../../../ui/runtime/yuv.js");
const SIMD_JS: &str = include_str!("../../../ui/runtime/simd.js");
const PREVIEW_HTML: &str = include_str!("../../../ui/runtime/preview.html");
const PREVIEW_JS: &str = include_str!("../../../ui/runtime/preview.js");

/// The URL of a job's render page.
pub fn render_page_url(job: &str) -> String {
    format!("{SCHEME}://localhost/job/{job}/render.html")
}

pub fn handle<R: Runtime>(ctx: UriSchemeContext<'_, R>, request: Request<Vec<u8>>, responder: UriSchemeResponder) {
    let app = ctx.app_handle().clone();
    let path = request.uri().path().to_string();
    // File reads happen off the GTK main thread, which calls this handler.
    std::thread::spawn(move || {
        let registry = app.state::<Registry>();
        responder.respond(serve(&registry, &path));
    });
}

fn serve(registry: &Registry, path: &str) -> Response<Vec<u8>> {
    let mut parts = path.trim_start_matches('/').splitn(3, '/');
    let (Some("job"), Some(job), Some(rest)) = (parts.next(), parts.next(), parts.next()) else {
        return status(StatusCode::NOT_FOUND, "not found");
    };
    let Some(root) = registry.project_root(job) else {
        return status(StatusCode::NOT_FOUND, "no such render job");
    };
    match rest {
        "render.html" => ok("text/html; charset=utf-8", RENDER_HTML.as_bytes().to_vec()),
        "render.js" => ok("text/javascript; charset=utf-8", RENDER_JS.as_bytes().to_vec()),
        "runtime.js" => ok("text/javascript; charset=utf-8", RUNTIME_JS.as_bytes().to_vec()),
        "yuv.js" => ok("text/javascript; charset=utf-8", YUV_JS.as_bytes().to_vec()),
        "simd.js" => ok("text/javascript; charset=utf-8", SIMD_JS.as_bytes().to_vec()),
        "preview.html" => ok("text/html; charset=utf-8", PREVIEW_HTML.as_bytes().to_vec()),
        "preview.js" => ok("text/javascript; charset=utf-8", PREVIEW_JS.as_bytes().to_vec()),
        "spec.json" => match registry.preview(job) {
            Some((_, spec)) => ok("application/json", spec.to_string().into_bytes()),
            None => status(StatusCode::NOT_FOUND, "no such preview"),
        },
        _ => {
            let Some(rel) = decode(rest.get(2..).unwrap_or_default()) else {
                return status(StatusCode::BAD_REQUEST, "bad path");
            };
            if let Some(builtin) = rest.strip_prefix("b/").and(builtin_file(&rel)) {
                return ok(content_type(&rel), builtin.as_bytes().to_vec());
            }
            if rest.starts_with("p/") {
                return match read_inside(&root, &rel) {
                    Ok(bytes) => ok(content_type(&rel), bytes),
                    Err(code) => status(code, "refused"),
                };
            }
            status(StatusCode::NOT_FOUND, "not found")
        }
    }
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

fn read_inside(root: &Path, rel: &str) -> Result<Vec<u8>, StatusCode> {
    let full = resolve_inside(root, rel)?;
    let len = std::fs::metadata(&full).map_err(|_| StatusCode::NOT_FOUND)?.len();
    if len > MAX_ASSET_BYTES {
        return Err(StatusCode::PAYLOAD_TOO_LARGE);
    }
    std::fs::read(&full).map_err(|_| StatusCode::NOT_FOUND)
}

/// Percent-decodes a URL path (UTF-8 only).
fn decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit('.').next().unwrap_or_default().to_ascii_lowercase();
    match ext.as_str() {
        "js" | "mjs" => "text/javascript; charset=utf-8",
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_percent_escapes() {
        assert_eq!(decode("a%20b/c.js").as_deref(), Some("a b/c.js"));
        assert_eq!(decode("%E2%9C%93").as_deref(), Some("✓"));
        assert_eq!(decode("%zz"), None);
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
