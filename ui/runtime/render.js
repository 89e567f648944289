// The export's render page: asks Rust for the job, draws each frame and sends its raw bytes
// back as the body of an IPC request (no JSON, no base64): I420 for the video formats
// (converted here, see yuv.js), RGBA for GIF. The page keeps at most
// IN_FLIGHT frames unacknowledged, so drawing frame N+1 overlaps the transfer and encoding of
// frame N while memory stays bounded. Rust acknowledges a frame only when it has room for it.
import { createRuntime, CompositionError } from "./runtime.js";
import { rgbaToI420 } from "./yuv.js";
import { instantiate } from "./simd.js";
import { soundReader, SILENCE } from "./sound.js";

const IN_FLIGHT = 3;
const EMPTY = new Uint8Array(0);

// The frame ring's function, given to this page by the app's web-process extension
// (web-extension/) when it has one: taken here, before any composition is loaded, and removed
// from the page, so compositions never see it.
const ringWrite = typeof globalThis.__bazaarFrameRing === "function" ? globalThis.__bazaarFrameRing : null;
delete globalThis.__bazaarFrameRing;
// The composition's drawing is timed for `render --stats` (perFrameCpuMs) by the page thread's own
// CPU clock, which the extension gives too (web-extension/src/thread_clock.rs); without it, by
// wall time, which on cores shared with x264 also counts waiting for a core (an upper bound).
const threadCpuMs = typeof globalThis.__bazaarThreadCpuMs === "function" ? globalThis.__bazaarThreadCpuMs : null;
delete globalThis.__bazaarThreadCpuMs;
const drawClock = threadCpuMs ? "thread" : "wall";
const drawNow = threadCpuMs || (() => performance.now());

/** Whether output frame i is one the app makes (`runs`: sorted [from, to) pairs); asked in order. */
function directFrames(runs) {
  let k = 0;
  return (i) => {
    while (k < runs.length && runs[k][1] <= i) k++;
    return k < runs.length && runs[k][0] <= i;
  };
}

// Nobody answers a render page: what would wait for a person (a dialog, a picker, a permission)
// throws at once, saying what was called, so the composition's error names its scene, its frame
// and its line. `print()` and `close()` do not even wait: the export went on while WebKit got
// to them, some frames later; the location and the camera are held for ever in a hidden view.
// The app refuses all of it in WebKit's own signals as well, whatever way round this a page
// finds (src-tauri/src/render/sandbox/dialogs.rs).
function refuseAsking() {
  const refuse = (target, name, call, what) => {
    if (!target || !(name in target)) return;
    const value = () => {
      throw new Error(`${call} ${what}, and a render runs with nobody to answer: remove the call`);
    };
    try {
      Object.defineProperty(target, name, { value, writable: false, configurable: false });
    } catch (e) {
      // Left as it is: the app's refusal still stands.
    }
  };
  refuse(window, "print", "window.print()", "opens a print dialog");
  refuse(window, "alert", "alert()", "opens a dialog");
  refuse(window, "confirm", "confirm()", "opens a dialog");
  refuse(window, "prompt", "prompt()", "opens a dialog");
  refuse(window, "close", "window.close()", "closes the render page");
  refuse(globalThis.Geolocation && Geolocation.prototype, "getCurrentPosition", "getCurrentPosition()", "asks for the location");
  refuse(globalThis.Geolocation && Geolocation.prototype, "watchPosition", "watchPosition()", "asks for the location");
  refuse(globalThis.MediaDevices && MediaDevices.prototype, "getUserMedia", "getUserMedia()", "asks for the camera or the microphone");
  refuse(globalThis.MediaDevices && MediaDevices.prototype, "getDisplayMedia", "getDisplayMedia()", "asks for the screen");
  refuse(globalThis.Notification, "requestPermission", "Notification.requestPermission()", "asks to show notifications");
}
refuseAsking();

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
  // The stage: the canvas, and DOM scenes' roots above it (dom.js), at the output's size from
  // the view's top left, whose picture the app takes for frames with a DOM scene in them.
  // Relative URLs in DOM scenes (stylesheets, images, fonts) are the project folder's.
  const base = document.createElement("base");
  base.href = spec.assetBase;
  document.head.appendChild(base);
  const stage = document.createElement("div");
  Object.assign(stage.style, {
    position: "absolute", left: "0", top: "0", width: `${spec.outWidth}px`, height: `${spec.outHeight}px`, overflow: "hidden", background: "#000",
  });
  const canvas = document.createElement("canvas");
  canvas.width = spec.outWidth;
  canvas.height = spec.outHeight;
  Object.assign(canvas.style, { position: "absolute", left: "0", top: "0" });
  stage.appendChild(canvas);
  // On a display scaled ×2 (HiDPI), WebKit paints the page at twice its CSS size, and the view's
  // picture would hold only the top-left quarter of a DOM frame, enlarged. Scaled back by the
  // same factor, the stage paints at exactly the output's pixels (laid out, and its text drawn,
  // at that size). The canvas's own pixels, read by getImageData, do not depend on it.
  const scale = window.devicePixelRatio || 1;
  if (scale !== 1) Object.assign(stage.style, { transform: `scale(${1 / scale})`, transformOrigin: "0 0" });
  document.body.appendChild(stage);
  // The modules load (requests to the app) while the reader is set up.
  const loading = createRuntime(spec, stage);
  const ctx = canvas.getContext("2d", { willReadFrequently: true, alpha: false });
  const read = reader(ctx, spec);
  const sound = spec.audio ? soundReader(new URL(".", location.href).href) : null;
  const runtime = await loading;
  await invoke("render_loaded", { job });
  const pending = [];
  // Where the page's time goes, reported with the last frame (for `render --stats`).
  const stats = { drawMs: 0, readMs: 0, waitMs: 0, bands: 0, bandsSent: 0, bandsCut: 0, bytesSent: 0, direct: 0, snapshots: 0, snapMs: 0, simd: read.simd, ring: Boolean(read.ring), drawCpuMs: 0, drawClock };
  const last = spec.frames.length - 1;
  const madeByApp = directFrames(spec.direct || []);
  for (let i = 0; i <= last; i++) {
    const headers = { "x-bazaar-job": job, "x-bazaar-frame": String(i) };
    let body = EMPTY;
    // Asked for every frame, drawn or not: the sound's figures are made in order, and the
    // mixer feeding the encoder waits for them to be taken.
    // A sound that cannot be made is reported where it stopped the video, without the page's
    // stack (the message names the sound's file and JSON path).
    const audio = sound
      ? await sound.at(i).catch((e) => {
          throw new CompositionError("sound", runtime.whereAt(spec.frames[i]), e.message);
        })
      : SILENCE;
    const t0 = performance.now();
    const c0 = drawNow();
    if (madeByApp(i)) {
      // A full-frame video clip: the app decodes it straight to the encoder. The page's last
      // frame is then not the encoder's, so the next frame it draws is sent whole.
      headers["x-bazaar-direct"] = "1";
      read.reset();
      stats.direct++;
    } else if ((await runtime.drawFrame(ctx, spec.frames[i], audio)).dom) {
      // A DOM scene: the app takes the view's picture now, and the page waits for it before it
      // changes the page again. The page's last frame is then not the encoder's (as above).
      headers["x-bazaar-snapshot"] = "1";
      stats.snapshots++;
      if (i === last) headers["x-bazaar-stats"] = JSON.stringify(stats);
      read.reset();
      const t1 = performance.now();
      const c1 = drawNow();
      stats.drawMs += t1 - t0;
      await invoke("render_frame", EMPTY, { headers }).catch((e) => {
        throw e && e.kind === "missing" ? new CompositionError("asset", runtime.whereAt(spec.frames[i]), e.message) : e;
      });
      stats.snapMs += performance.now() - t1;
      if (i > 0) stats.drawCpuMs += (drawClock === "thread" ? drawNow() : c1) - c0;
      continue;
    } else {
      if (i > 0) stats.drawCpuMs += drawNow() - c0;
      const t1 = performance.now();
      const frame = read(i, stats);
      body = frame.body;
      stats.drawMs += t1 - t0;
      stats.readMs += performance.now() - t1;
      if (frame.bands !== null) headers["x-bazaar-bands"] = frame.bands;
      if (frame.slot !== undefined) headers["x-bazaar-slot"] = String(frame.slot);
    }
    const t2 = performance.now();
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
// previous frame. A changed band may be cut to the columns that changed ("b:x0-x1"). Returns
// { body, bands } for frame i; `bands` null means every band, whole.
function reader(ctx, spec) {
  const { outWidth: w, outHeight: h, bandRows: rows } = spec;
  const ring = ringReader(ctx, spec);
  if (ring) return ring;
  const i420 = spec.pixelFormat === "i420" ? spec.i420 : null;
  const count = Math.ceil(h / rows);
  const frameBytes = i420 ? i420.size : w * h * 4;
  // The request body is copied when the invoke is sent, so a buffer could be reused at once;
  // a ring one longer than the frames in flight keeps that true whatever IPC does.
  const ringLength = IN_FLIGHT + 1;
  const usable = spec.simd !== false && i420 && w >= 4 && rows % 2 === 0 && h % 2 === 0;
  const simd = usable ? simdReader(w, h, rows, count, i420, ringLength) : null;
  const read = simd || jsReader(w, h, rows, count, i420, frameBytes, ringLength);
  const readFrame = (i, stats) => {
    const bands = [];
    const out = read.start(i);
    let at = 0;
    let cut = 0; // bands cut to the columns that changed
    for (let b = 0; b < count; b++) {
      const y = b * rows;
      const n = Math.min(h, y + rows) - y;
      const sent = read.band(b, n, ctx.getImageData(0, y, w, n).data, at);
      if (sent === null) continue;
      bands.push(sent.columns ? `${b}:${sent.columns[0]}-${sent.columns[1]}` : b);
      if (sent.columns) cut++;
      at += sent.bytes;
    }
    stats.bands += count;
    stats.bandsSent += bands.length;
    stats.bandsCut += cut;
    stats.bytesSent += at;
    const whole = bands.length === count && cut === 0;
    return { body: out.subarray(0, at), bands: whole ? null : bands.join(",") };
  };
  readFrame.simd = Boolean(simd);
  /** Forgets the previous frame: the next one is sent whole. */
  readFrame.reset = () => read.reset();
  return readFrame;
}

// The fast path, with the app's web-process extension: each band's pixels go by native code
// into the frame ring (shared memory the app maps) at their place in slot i % slots, converted
// there to the encoder's format (I420 for video), and the request carries no bytes, only the
// slot. The page keeps fewer frames in flight than there are slots, so it never writes a slot
// the app has yet to read.
function ringReader(ctx, spec) {
  const r = spec.frameRing;
  const { outWidth: w, outHeight: h, bandRows: rows, pixelFormat } = spec;
  if (!ringWrite || !r || r.slots <= IN_FLIGHT || !ringWrite(r.name, r.slots * r.slotBytes, w, h, pixelFormat)) return null;
  const count = Math.ceil(h / rows);
  const readFrame = (i, stats) => {
    const slot = i % r.slots;
    for (let b = 0; b < count; b++) {
      const y = b * rows;
      const n = Math.min(h, y + rows) - y;
      if (!ringWrite(ctx.getImageData(0, y, w, n).data, slot, y)) {
        throw new Error(`frame ${i}: the frame ring refused band ${b}`);
      }
    }
    stats.bands += count;
    stats.bandsSent += count;
    return { body: EMPTY, bands: null, slot };
  };
  readFrame.simd = false;
  readFrame.ring = true;
  readFrame.reset = () => {};
  return readFrame;
}

// Each band's size once converted: its Y rows, then its U rows, then its V rows.
const i420Sizes = (i420, n) => {
  const ySize = i420.strideY * n;
  const cSize = (i420.strideC * n) / 2;
  return { ySize, cSize, total: ySize + 2 * cSize };
};

// Video, the fast path: bands are copied into WebAssembly memory, compared and converted there
// (simd.js). Each band has two slots; the new pixels go into the one not holding the previous
// frame's, so a changed band becomes "previous" by flipping a flag, with no copy. A changed
// band is cut to the columns that changed when that saves a tenth of it or more (a title or a
// lower third changes a part of each row; a crossfade or a zoom all of it): 16–24 % fewer bytes
// cross the IPC on the benchmark and sample projects.
function simdReader(w, h, rows, count, i420, ringLength) {
  const rgbaBytes = w * h * 4;
  const ringAt = 2 * rgbaBytes;
  const scratchAt = ringAt + ringLength * i420.size; // one band's columns, packed
  const wasm = instantiate(scratchAt + rows * w * 4);
  if (!wasm) return null;
  const mem = new Uint8Array(wasm.memory.buffer);
  const words = new Uint32Array(wasm.memory.buffer);
  // The changed columns of a band [x0, x1): in SIMD 4 pixels at a time when rows are a
  // multiple of 4 pixels wide (the common sizes are), else a pixel at a time in JS.
  const changed =
    w % 4 === 0
      ? (a, b, n) => {
          const packed = wasm.columns(a, b, w, n);
          return [packed & 0xffff, packed >>> 16];
        }
      : (a, b, n) => changedColumns(words, a >> 2, b >> 2, w, n);
  const holder = new Int8Array(count).fill(-1); // which slot holds the band's previous pixels
  let outAt = 0;
  return {
    reset() {
      holder.fill(-1);
    },
    start(i) {
      outAt = ringAt + (i % ringLength) * i420.size;
      return mem.subarray(outAt, outAt + i420.size);
    },
    band(b, n, pixels, at) {
      const slot = holder[b] === 0 ? 1 : 0;
      const src = slot * rgbaBytes + b * rows * w * 4;
      const previous = (1 - slot) * rgbaBytes + b * rows * w * 4;
      mem.set(pixels, src);
      const first = holder[b] < 0;
      if (!first && wasm.same(src, previous, pixels.length)) return null;
      holder[b] = slot;
      const [x0, x1] = first ? [0, w] : widen(changed(src, previous, n), w);
      let band = { from: src, width: w, layout: i420, columns: null };
      if (x1 - x0 < w * 0.9) {
        // The columns, packed row after row, then converted as a band of that width.
        const cw = x1 - x0;
        for (let r = 0; r < n; r++) {
          const from = src + (r * w + x0) * 4;
          mem.copyWithin(scratchAt + r * cw * 4, from, from + cw * 4);
        }
        band = { from: scratchAt, width: cw, layout: { strideY: cw, strideC: cw / 2 }, columns: [x0, x1] };
      }
      const { ySize, cSize, total } = i420Sizes(band.layout, n);
      const y = outAt + at;
      wasm.i420(band.from, band.width, n, y, y + ySize, y + ySize + cSize, band.layout.strideY, band.layout.strideC, i420.matrix);
      return { bytes: total, columns: band.columns };
    },
  };
}

// The columns [x0, x1) where two bands of `n` rows of `w` pixels (at word offsets a and b)
// differ. Each row is scanned from both ends only as far as the columns found so far, so a band
// costs at most one pass.
function changedColumns(words, a, b, w, n) {
  let x0 = w;
  let x1 = 0;
  for (let r = 0; r < n; r++) {
    const ra = a + r * w;
    const rb = b + r * w;
    let x = 0;
    while (x < x0 && words[ra + x] === words[rb + x]) x++;
    x0 = Math.min(x0, x);
    let z = w - 1;
    while (z >= x1 && words[ra + z] === words[rb + z]) z--;
    x1 = Math.max(x1, z + 1);
  }
  return [x0, x1];
}

// Changed columns widened to multiples of 8 pixels (even, as I420's chroma pairs columns) and
// to at least 8 (simd.js converts 4 at a time).
function widen([x0, x1], w) {
  x0 -= x0 % 8;
  x1 = Math.min(w, x1 + ((8 - (x1 % 8)) % 8));
  if (x1 - x0 < 8) x0 = Math.max(0, x1 - 8);
  return [x0, x1];
}

// GIF (RGBA), and video where WebAssembly is unavailable: plain JS.
function jsReader(w, h, rows, count, i420, frameBytes, ringLength) {
  const previous = new Array(count);
  const ring = Array.from({ length: ringLength }, () => new Uint8Array(frameBytes));
  let out = ring[0];
  return {
    reset() {
      previous.fill(undefined);
    },
    start(i) {
      out = ring[i % ringLength];
      return out;
    },
    band(b, n, pixels, at) {
      if (previous[b] && sameBytes(pixels, previous[b])) return null;
      previous[b] = pixels;
      if (!i420) {
        out.set(pixels, at);
        return { bytes: pixels.length, columns: null };
      }
      const { ySize, cSize, total } = i420Sizes(i420, n);
      const to = { y: at, u: at + ySize, v: at + ySize + cSize, strideY: i420.strideY, strideC: i420.strideC, matrix: i420.matrix };
      rgbaToI420(pixels, w, n, out, to);
      return { bytes: total, columns: null };
    },
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
