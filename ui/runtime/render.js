// The export's render page: asks Rust for the job, draws each frame and sends its raw RGBA
// bytes back as the body of an IPC request (no JSON, no base64). The page keeps at most
// IN_FLIGHT frames unacknowledged, so drawing frame N+1 overlaps the transfer and encoding of
// frame N while memory stays bounded. Rust acknowledges a frame only when it has room for it.
import { createRuntime, CompositionError } from "./runtime.js";

const IN_FLIGHT = 2;
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
  await invoke("render_loaded", { job });
  const pending = [];
  // Where the page's time goes, reported with the last frame (for `render --stats`).
  const stats = { drawMs: 0, readMs: 0, waitMs: 0 };
  const last = spec.frames.length - 1;
  for (let i = 0; i <= last; i++) {
    const t0 = performance.now();
    runtime.drawFrame(ctx, spec.frames[i]);
    const t1 = performance.now();
    const pixels = ctx.getImageData(0, 0, spec.outWidth, spec.outHeight).data;
    const t2 = performance.now();
    stats.drawMs += t1 - t0;
    stats.readMs += t2 - t1;
    const headers = { "x-bazaar-job": job, "x-bazaar-frame": String(i) };
    if (i === last) headers["x-bazaar-stats"] = JSON.stringify(stats);
    pending.push(invoke("render_frame", new Uint8Array(pixels.buffer), { headers }));
    if (pending.length >= IN_FLIGHT) {
      await pending.shift();
      stats.waitMs += performance.now() - t2;
    }
  }
  await Promise.all(pending);
}

main().catch(report);
