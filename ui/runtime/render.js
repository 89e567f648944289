// The export's render page: asks Rust for the job, draws each frame and sends its raw bytes
// back as the body of an IPC request (no JSON, no base64): I420 for the video formats
// (converted here, see yuv.js), RGBA for GIF. The page keeps at most
// IN_FLIGHT frames unacknowledged, so drawing frame N+1 overlaps the transfer and encoding of
// frame N while memory stays bounded. Rust acknowledges a frame only when it has room for it.
import { createRuntime, CompositionError } from "./runtime.js";
import { rgbaToI420 } from "./yuv.js";

const IN_FLIGHT = 2;
// Rows read back per `getImageData` when converting to I420. Small bands are converted while
// they are hot in the cache, and their buffers are reused by the allocator: one 8 MB buffer a
// frame instead made the web process's memory creep up over long exports.
const BAND_ROWS = 32;
const invoke = (cmd, args, options) => window.__TAURI_INTERNALS__.invoke(cmd, args, options);
const job = decodeURIComponent(location.pathname.split("/")[2] || "");

function report(error) {
  const payload =
    error instanceof CompositionError
      ? error.toJSON()
      : { kind: "page", message: (error && error.message) || String(error), stack: (error && error.stack) || "" };
  return invoke("render_failed", { job, error: payload }).catch(() => {});
}

// Anything thrown outside the render loop (a composition's stray promise, say) fails the job
// with its message rather than leaving Rust waiting for a frame that never comes.
window.addEventListener("error", (ev) => report(ev.error || new Error(ev.message)));
window.addEventListener("unhandledrejection", (ev) => report(ev.reason));

async function main() {
  const spec = await invoke("render_ready", { job });
  const runtime = await createRuntime(spec);
  const canvas = document.createElement("canvas");
  canvas.width = spec.outWidth;
  canvas.height = spec.outHeight;
  const ctx = canvas.getContext("2d", { willReadFrequently: true, alpha: false });
  const read = reader(ctx, spec);
  await invoke("render_loaded", { job });
  const pending = [];
  // Where the page's time goes, reported with the last frame (for `render --stats`).
  const stats = { drawMs: 0, readMs: 0, waitMs: 0 };
  const last = spec.frames.length - 1;
  for (let i = 0; i <= last; i++) {
    const t0 = performance.now();
    runtime.drawFrame(ctx, spec.frames[i]);
    const t1 = performance.now();
    const pixels = read(i);
    const t2 = performance.now();
    stats.drawMs += t1 - t0;
    stats.readMs += t2 - t1;
    const headers = { "x-bazaar-job": job, "x-bazaar-frame": String(i) };
    if (i === last) headers["x-bazaar-stats"] = JSON.stringify(stats);
    pending.push(invoke("render_frame", pixels, { headers }));
    if (pending.length >= IN_FLIGHT) {
      await pending.shift();
      stats.waitMs += performance.now() - t2;
    }
  }
  await Promise.all(pending);
}

/// Reads the canvas as the bytes Rust expects for frame `i`.
function reader(ctx, spec) {
  const { outWidth: w, outHeight: h } = spec;
  if (spec.pixelFormat !== "i420") {
    return () => new Uint8Array(ctx.getImageData(0, 0, w, h).data.buffer);
  }
  // The request body is copied when the invoke is sent, so a buffer could be reused at once;
  // a ring one longer than the frames in flight keeps that true whatever IPC does.
  const ring = Array.from({ length: IN_FLIGHT + 1 }, () => new Uint8Array(spec.i420.size));
  return (i) => {
    const out = ring[i % ring.length];
    for (let y = 0; y < h; y += BAND_ROWS) {
      const y1 = Math.min(h, y + BAND_ROWS);
      rgbaToI420(ctx.getImageData(0, y, w, y1 - y).data, w, y, y1, out, spec.i420);
    }
    return out;
  };
}

main().catch(report);
