//! The frames of DOM scenes (`dom: true` compositions): the render view's own picture, painted
//! by WebKit (`webkit_web_view_get_snapshot`), as a creator sees HTML and CSS in a browser:
//! layout, web fonts, SVG, CSS gradients and filters, all of it. The page has set the DOM to the
//! frame (its animations paused at the composition's time, fonts and images loaded) and waits
//! for this to return before it changes anything.
//!
//! Why not SVG `foreignObject` drawn into the canvas: every stylesheet, font and image would
//! have to be inlined as `data:` URLs each frame, and WebKit would parse and lay out that
//! document again per frame; the snapshot paints the page that is already laid out. Measured in
//! BENCHMARKS.md ("DOM scenes").

use bazaar_core::encode::{pixels_into, Channels, PixelFormat};
use tauri::Runtime;

/// The render view's picture: B, G, R, A bytes, rows packed.
pub(super) struct Picture {
    bgra: Vec<u8>,
    width: u32,
    height: u32,
}

impl Picture {
    /// Writes the picture into a frame laid out as `format` frames are.
    pub(super) fn write_into(&self, format: PixelFormat, frame: &mut [u8]) {
        pixels_into(&self.bgra, Channels::BGRA, self.width, self.height, format, frame);
    }
}

/// Takes the render view's picture, `width × height` from its top left.
pub(super) async fn take<R: Runtime>(view: &tauri::Webview<R>, width: u32, height: u32) -> Result<Picture, String> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    view.with_webview(move |platform| {
        use webkit2gtk::{SnapshotOptions, SnapshotRegion, WebViewExt};
        platform.inner().snapshot(
            SnapshotRegion::FullDocument,
            SnapshotOptions::NONE,
            None::<&webkit2gtk::gio::Cancellable>,
            move |result| {
                let pixels = result.map_err(|e| e.to_string()).and_then(|s| copy_out(s, width, height));
                let _ = tx.send(pixels);
            },
        );
    })
    .map_err(|e| format!("cannot reach the render view: {e}"))?;
    let bgra = rx.await.map_err(|_| "the render view went away during a snapshot".to_string())??;
    Ok(Picture { bgra, width, height })
}

/// The surface's top-left `width × height` pixels, rows packed (B, G, R, A bytes).
fn copy_out(surface: cairo::Surface, width: u32, height: u32) -> Result<Vec<u8>, String> {
    let image = cairo::ImageSurface::try_from(surface).map_err(|_| "the snapshot is not an image".to_string())?;
    let (sw, sh) = (image.width().max(0) as u32, image.height().max(0) as u32);
    if sw < width || sh < height {
        return Err(format!("the render view painted {sw}×{sh} pixels, not {width}×{height}"));
    }
    let stride = image.stride().max(0) as usize;
    let row = width as usize * 4;
    let mut out = vec![0u8; row * height as usize];
    image
        .with_data(|data| {
            for (y, dst) in out.chunks_exact_mut(row).enumerate() {
                dst.copy_from_slice(&data[y * stride..y * stride + row]);
            }
        })
        .map_err(|e| format!("cannot read the snapshot: {e}"))?;
    Ok(out)
}
