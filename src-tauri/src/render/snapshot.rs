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

use bazaar_core::encode::{pixels_into, Channels, FramePool, PixelFormat, PooledFrame};
use tauri::Runtime;

/// What a picture becomes: frames of the pool, laid out as `format` frames are, `width ×
/// height` from the picture's top left.
#[derive(Clone)]
pub(super) struct FrameShape {
    pub pool: FramePool,
    pub format: PixelFormat,
    pub width: u32,
    pub height: u32,
}

/// Takes the render view's picture and writes it into a frame of the pool. The frame is made
/// on the GTK thread in the snapshot's callback, straight from WebKit's surface (the surface
/// cannot leave that thread, and a copy of it would cost as much as the conversion).
pub(super) async fn take<R: Runtime>(view: &tauri::Webview<R>, shape: FrameShape) -> Result<PooledFrame, String> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    view.with_webview(move |platform| {
        use webkit2gtk::{SnapshotOptions, SnapshotRegion, WebViewExt};
        // RGBA frames keep what the page leaves transparent (a transparent project's alpha,
        // kept): the view's own background is left out. A page with a background (every
        // other case) paints the same either way.
        let options = match shape.format {
            PixelFormat::Rgba => SnapshotOptions::TRANSPARENT_BACKGROUND,
            PixelFormat::I420(_) => SnapshotOptions::NONE,
        };
        platform.inner().snapshot(
            SnapshotRegion::FullDocument,
            options,
            None::<&webkit2gtk::gio::Cancellable>,
            move |result| {
                let frame = result.map_err(|e| e.to_string()).and_then(|s| frame_of(s, &shape));
                let _ = tx.send(frame);
            },
        );
    })
    .map_err(|e| format!("cannot reach the render view: {e}"))?;
    rx.await.map_err(|_| "the render view went away during a snapshot".to_string())?
}

/// The surface's top-left `width × height` pixels (Cairo's ARGB32: B, G, R, A bytes on a
/// little-endian machine, premultiplied; opaque unless the stage is transparent) as a frame of
/// the pool (RGBA with straight alpha, or I420).
fn frame_of(surface: cairo::Surface, shape: &FrameShape) -> Result<PooledFrame, String> {
    let image = cairo::ImageSurface::try_from(surface).map_err(|_| "the snapshot is not an image".to_string())?;
    let (w, h) = (shape.width, shape.height);
    let (sw, sh) = (image.width().max(0) as u32, image.height().max(0) as u32);
    if sw < w || sh < h || image.format() != cairo::Format::ARgb32 {
        return Err(format!("the render view painted {sw}×{sh} pixels ({:?}), not {w}×{h}", image.format()));
    }
    let stride = image.stride().max(0) as usize;
    let mut frame = shape.pool.take();
    image
        .with_data(|data| pixels_into(data, stride, Channels::BGRA, w, h, shape.format, &mut frame))
        .map_err(|e| format!("cannot read the snapshot: {e}"))?;
    Ok(frame)
}
