// The export's render page: asks Rust for the job, draws each frame and sends its raw bytes
// back as the body of an IPC request (no JSON, no base64): I420 for the video formats
// (converted here, see yuv.js), RGBA for GIF. The page keeps at most
// IN_FLIGHT frames unacknowledged, so drawing frame N+1 overlaps the transfer and encoding of
// frame N while memory stays bounded. Rust acknowledges a frame only when it has room for it.
import { createRuntime, CompositionError } from "./runtime.js";
import { rgbaToI420 } from "./yuv.js";

const IN_FLIGHT = 3;

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
  const stats = { drawMs: 0, readMs: 0, waitMs: 0, bands: 0, bandsSent: 0 };
  const last = spec.frames.length - 1;
  for (let i = 0; i <= last; i++) {
    const t0 = performance.now();
    runtime.drawFrame(ctx, spec.frames[i]);
    const t1 = performance.now();
    const { body, bands } = read(i, stats);
    const t2 = performance.now();
    stats.drawMs += t1 - t0;
    stats.readMs += t2 - t1;
    const headers = { "x-bazaar-job": job, "x-bazaar-frame": String(i) };
    if (bands !== null) headers["x-bazaar-bands"] = bands;
    if (i === last) headers["x-bazaar-stats"] = JSON.stringify(stats);
    pending.push(invoke("render_frame", body, { headers }));
    if (pending.length >= IN_FLIGHT) {
      await pending.shift();
      stats.waitMs += performance.now() - t2;
    }
  }
  await Promise.all(pending);
}

// Reads the canvas a band of rows at a time and keeps only the bands that changed since the
// previous frame (a held title or a still background leaves most of them alone): those are
// converted (I420 for the video formats) and sent, and Rust applies them to its copy of the
// previous frame. Returns { body, bands } for frame i; `bands` null means every band.
function reader(ctx, spec) {
  const { outWidth: w, outHeight: h, bandRows: rows } = spec;
  const i420 = spec.pixelFormat === "i420" ? spec.i420 : null;
  const count = Math.ceil(h / rows);
  const previous = new Array(count);
  const frameBytes = i420 ? i420.size : w * h * 4;
  // The request body is copied when the invoke is sent, so a buffer could be reused at once;
  // a ring one longer than the frames in flight keeps that true whatever IPC does.
  const ring = Array.from({ length: IN_FLIGHT + 1 }, () => new Uint8Array(frameBytes));
  return (i, stats) => {
    const out = ring[i % ring.length];
    const bands = [];
    let at = 0;
    for (let b = 0; b < count; b++) {
      const y = b * rows;
      const n = Math.min(h, y + rows) - y;
      const band = ctx.getImageData(0, y, w, n).data;
      if (previous[b] && sameBytes(band, previous[b])) continue;
      previous[b] = band;
      bands.push(b);
      if (i420) {
        // The band's Y rows, then its U rows, then its V rows, packed one after the other.
        const { strideY, strideC } = i420;
        const ySize = strideY * n;
        const cSize = (strideC * n) / 2;
        const to = { y: at, u: at + ySize, v: at + ySize + cSize, strideY, strideC, matrix: i420.matrix };
        rgbaToI420(band, w, n, out, to);
        at += ySize + 2 * cSize;
      } else {
        out.set(band, at);
        at += band.length;
      }
    }
    stats.bands += count;
    stats.bandsSent += bands.length;
    return { body: out.subarray(0, at), bands: bands.length === count ? null : bands.join(",") };
  };
}

// Compares two equal-length pixel buffers a word at a time (a changed band usually differs
// early, so this is cheap when it matters least and saves the conversion and the IPC when equal).
function sameBytes(a, b) {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length >> 2);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length >> 2);
  for (let k = 0; k < x.length; k++) if (x[k] !== y[k]) return false;
  return true;
}

main().catch(report);
