// The export's render page: asks Rust for the job, draws each frame and puts its pixels into
// the frame ring (shared memory the app maps, written by the app's web-process extension,
// which converts them to the encoder's format); a request then carries no pixels, only which
// frames are in which slots (a few frames a request: the ring's `batch`). The page keeps at
// most the ring's `inFlight` requests unanswered, so drawing the next frames overlaps the
// encoding of these while memory stays bounded. Rust answers a request only when it has
// copied its frames, or the encoder has taken them in (frames lent to x264), and has room.
import { createRuntime, CompositionError } from "./runtime.js";
import { soundReader, SILENCE } from "./sound.js";
import { refuseAsking } from "./no-dialogs.js";
// The page times itself on real time; compositions see the frame clock (clock.js).
import { realNow } from "./clock.js";

const EMPTY = new Uint8Array(0);

// The frame ring's function, given to this page by the app's web-process extension
// (web-extension/): taken here, before any composition is loaded, and removed from the page,
// so compositions never see it.
const ringWrite = typeof globalThis.__bazaarFrameRing === "function" ? globalThis.__bazaarFrameRing : null;
delete globalThis.__bazaarFrameRing;
// The composition's drawing is timed for `render --stats` (perFrameCpuMs) by the page thread's own
// CPU clock, which the extension gives too (web-extension/src/thread_clock.rs); without it, by
// wall time, which on cores shared with x264 also counts waiting for a core (an upper bound).
const threadCpuMs = typeof globalThis.__bazaarThreadCpuMs === "function" ? globalThis.__bazaarThreadCpuMs : null;
delete globalThis.__bazaarThreadCpuMs;
const drawClock = threadCpuMs ? "thread" : "wall";
const drawNow = threadCpuMs || (() => realNow());

/** Whether output frame i is one the app makes (`runs`: sorted [from, to) pairs); asked in order. */
function directFrames(runs) {
  let k = 0;
  return (i) => {
    while (k < runs.length && runs[k][1] <= i) k++;
    return k < runs.length && runs[k][0] <= i;
  };
}

// Before any composition loads (see no-dialogs.js).
refuseAsking("render page", "a render runs with nobody to answer");

const invoke = (cmd, args, options) => window.__TAURI_INTERNALS__.invoke(cmd, args, options);
const job = decodeURIComponent(location.pathname.split("/")[2] || "");

// The app's own parts failed in the page (its extension, its frame ring), not the composition:
// said without a scene and without a stack, which would point into the app's code.
class SetupError extends Error {
  toJSON() {
    return { kind: "setup", message: this.message, stack: "" };
  }
}

function report(error) {
  const payload =
    error instanceof CompositionError || error instanceof SetupError
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
  // Mapped first: the extension then tells the app which process this page is, before any
  // composition code runs (the app watches that process's memory).
  const ring = openRing(spec);
  // The stage: the canvas, and DOM scenes' roots above it (dom.js), at the output's size from
  // the view's top left, whose picture the app takes for frames with a DOM scene in them.
  // Relative URLs in DOM scenes (stylesheets, images, fonts) are the project folder's.
  const base = document.createElement("base");
  base.href = spec.assetBase;
  document.head.appendChild(base);
  const stage = document.createElement("div");
  Object.assign(stage.style, {
    position: "absolute", left: "0", top: "0", width: `${spec.outWidth}px`, height: `${spec.outHeight}px`, overflow: "hidden", background: spec.stage || "#000",
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
  // A transparent project's canvas keeps alpha (its transparent scenes start each frame
  // cleared, runtime.js); an opaque project's is opaque, as fast as it always was.
  const ctx = canvas.getContext("2d", { willReadFrequently: true, alpha: spec.alpha === true });
  if (spec.stage === "transparent") {
    // Alpha kept: nothing under the stage either (the view's own background is left out of
    // the picture, render/snapshot.rs).
    document.documentElement.style.background = "transparent";
    document.body.style.background = "transparent";
  }
  const read = ringReader(ctx, spec, ring);
  const looks = captionLooks(spec);
  const sound = spec.audio ? soundReader(new URL(".", location.href).href) : null;
  const runtime = await loading;
  await invoke("render_loaded", { job });
  const pending = [];
  // Canvas frames read into the ring and not yet named to the app (at most a batch).
  const group = { frames: [], slots: [] };
  const { batch, inFlight } = spec.frameRing;
  // Where the page's time goes, reported with the last frame (for `render --stats`).
  const runs = spec.direct || [];
  const madeByApp = directFrames(runs);
  const made = runs.reduce((n, [from, to]) => n + (to - from), 0);
  const stats = { drawMs: 0, readMs: 0, waitMs: 0, bands: 0, inPlace: 0, direct: made, snapshots: 0, snapMs: 0, ring: true, drawCpuMs: 0, readCpuMs: 0, readFrames: 0, drawClock };
  // The stats go with the last frame the page sends (frames the app makes need no request).
  let last = spec.frames.length - 1;
  while (last >= 0 && runs.some(([from, to]) => from <= last && last < to)) last--;
  // The app's CPU tally starts when the first frame is in: the drawing and reading back are
  // counted from the frames after the first request (`render --stats`' per-frame split).
  let counting = false;
  // Names the group's frames to the app in one request (with the page's stats, once the last
  // frame the page sends is in it); waits while `inFlight` requests are unanswered.
  const send = async () => {
    const headers = { "x-bazaar-job": job, "x-bazaar-frame": group.frames.join(","), "x-bazaar-slot": group.slots.join(",") };
    if (group.frames.includes(last)) headers["x-bazaar-stats"] = JSON.stringify(stats);
    group.frames = [];
    group.slots = [];
    pending.push(invoke("render_frame", EMPTY, { headers }));
    counting = true;
    if (pending.length >= inFlight) {
      const t = realNow();
      await pending.shift();
      stats.waitMs += realNow() - t;
    }
  };
  for (let i = 0; i < spec.frames.length; i++) {
    // Asked for every frame, drawn or not: the sound's figures are made in order, and the
    // mixer feeding the encoder waits for them to be taken.
    // A sound that cannot be made is reported where it stopped the video, without the page's
    // stack (the message names the sound's file and JSON path).
    const audio = sound
      ? await sound.at(i).catch((e) => {
          throw new CompositionError("sound", runtime.whereAt(spec.frames[i]), e.message);
        })
      : SILENCE;
    const t0 = realNow();
    const c0 = drawNow();
    // Frames named before anything that waits on the app: it takes frames in order.
    if (group.frames.length > 0 && madeByApp(i)) await send();
    if (madeByApp(i)) {
      // A full-frame video clip: the app decodes it and hands it to the encoder at its turn,
      // with no word from the page, but for the burned captions on it, drawn here alone.
      // With no frame of its own to send, the page's stats go with its last look.
      if (looks) await looks.at(i, runtime, stats, last < 0);
      continue;
    }
    if ((await runtime.drawFrame(ctx, spec.frames[i], audio)).dom) {
      // A DOM scene: the app takes the view's picture now, and the page waits for it before it
      // changes the page again.
      const c1 = drawNow();
      if (group.frames.length > 0) await send();
      const headers = { "x-bazaar-job": job, "x-bazaar-frame": String(i), "x-bazaar-snapshot": "1" };
      stats.snapshots++;
      if (i === last) headers["x-bazaar-stats"] = JSON.stringify(stats);
      const t1 = realNow();
      stats.drawMs += t1 - t0;
      await invoke("render_frame", EMPTY, { headers }).catch((e) => {
        throw e && e.kind === "missing" ? new CompositionError("asset", runtime.whereAt(spec.frames[i]), e.message) : e;
      });
      stats.snapMs += realNow() - t1;
      if (counting) stats.drawCpuMs += (drawClock === "thread" ? drawNow() : c1) - c0;
      counting = true;
      continue;
    }
    const c1 = drawNow();
    if (counting) stats.drawCpuMs += c1 - c0;
    const t1 = realNow();
    group.frames.push(i);
    group.slots.push(read(i, stats));
    stats.drawMs += t1 - t0;
    stats.readMs += realNow() - t1;
    if (counting) {
      stats.readCpuMs += drawNow() - c1;
      stats.readFrames++;
    }
    if (group.frames.length >= batch || i === last) await send();
  }
  if (group.frames.length > 0) await send();
  await Promise.all(pending);
}

// Maps the job's frame ring through the extension; throws (failing the export, saying what to
// do) when the extension is not in this page or cannot map the ring.
function openRing(spec) {
  const r = spec.frameRing;
  if (!ringWrite) {
    throw new SetupError(
      "the app's web-process extension (libbazaar_web_extension.so) did not load into the render page: reinstall bazaar-export, or build it with `cargo build --release -p bazaar-web-extension`",
    );
  }
  // With a matte, the extension lays each band over it (a transparent project flattened).
  const args = [r && r.name, r && r.bytes, spec.outWidth, spec.outHeight, r && r.format];
  if (r && r.matte) args.push(r.matte);
  if (!r || !(r.batch >= 1 && r.inFlight >= 1 && r.slots > r.batch * r.inFlight) || !ringWrite(...args)) {
    throw new SetupError(
      `the render page could not map its frame ring (/dev/shm/${r && r.name}): the web-process extension (libbazaar_web_extension.so) is likely from another build of bazaar-export; reinstall bazaar-export, or build both with \`cargo build --release --workspace\``,
    );
  }
  return r;
}

// The burned captions over the clip frames the app makes (src-tauri/src/render/caption_layer.rs):
// at the first frame of each look, the captions alone on a transparent canvas of the output's
// size (the same code and size as over the page's own frames, so they look the same), their
// rectangle put by the extension into the job's caption layers' file as RGBA (never through
// WebKit's IPC), and named to the app, which answers once it has copied it (and has room).
function captionLooks(spec) {
  const c = spec.captionLayers;
  if (!c) return null;
  if (!ringWrite(c.ring.name, c.ring.bytes, "layers")) {
    throw new SetupError(
      `the render page could not map its caption layers (/dev/shm/${c.ring.name}): the web-process extension (libbazaar_web_extension.so) is likely from another build of bazaar-export; reinstall bazaar-export, or build both with \`cargo build --release --workspace\``,
    );
  }
  const canvas = document.createElement("canvas");
  canvas.width = spec.outWidth;
  canvas.height = spec.outHeight;
  const lctx = canvas.getContext("2d", { willReadFrequently: true });
  const starts = new Map(c.starts.map((out, look) => [out, look]));
  return {
    async at(i, runtime, stats, carryStats) {
      const look = starts.get(i);
      if (look === undefined) return;
      const t0 = realNow();
      const r = runtime.captionLayer(lctx, spec.frames[i]) || { x: 0, y: 0, w: 0, h: 0 };
      if (r.w > 0 && r.h > 0 && !ringWrite(lctx.getImageData(r.x, r.y, r.w, r.h).data, 0, "layer")) {
        throw new SetupError(`frame ${i}: the caption layers refused look ${look}`);
      }
      const rect = r.w > 0 && r.h > 0 ? [r.x, r.y, r.w, r.h] : [0, 0, 0, 0];
      const headers = { "x-bazaar-job": job, "x-bazaar-look": String(look), "x-bazaar-slot": "0", "x-bazaar-rect": rect.join(",") };
      stats.drawMs += realNow() - t0;
      if (carryStats && look === c.starts.length - 1) headers["x-bazaar-stats"] = JSON.stringify(stats);
      await invoke("render_caption_layer", EMPTY, { headers });
    },
  };
}

// Reads the canvas a band of rows at a time: each band's pixels go by native code into the
// frame ring at their place in the next slot, converted there to the ring's format (I420 for
// video) while they are still in the cache. Returns the slot of frame i. The slots are taken in
// turn and the page keeps fewer frames in flight than there are slots, so it never writes a
// slot the app has yet to read (frames the app makes, or DOM pictures, take no slot).
function ringReader(ctx, spec, ring) {
  const { outWidth: w, outHeight: h, bandRows: rows } = spec;
  const count = Math.ceil(h / rows);
  const inPlace = inPlaceReader(ctx, spec);
  let written = 0;
  return (i, stats) => {
    const slot = written++ % ring.slots;
    if (inPlace && inPlace(slot)) {
      stats.inPlace++;
      return slot;
    }
    for (let b = 0; b < count; b++) {
      const y = b * rows;
      const n = Math.min(h, y + rows) - y;
      if (!ringWrite(ctx.getImageData(0, y, w, n).data, slot, y)) {
        throw new SetupError(`frame ${i}: the frame ring refused band ${b}`);
      }
    }
    stats.bands += count;
    return slot;
  };
}

// An opaque canvas going to video is read where WebKit keeps its pixels, by the extension
// (web-extension/src/canvas.rs): `getImageData` would make every pixel straight again through
// Skia's float pipeline, which alone cost more than the rest of a frame's overhead
// (BENCHMARKS.md, "Reading the canvas in place"). Returns a function that puts the canvas into
// a slot and says whether it did; when it did not, the caller reads the frame by bands.
// The canvas is found by random marks put at the start of its first row and the end of its
// last; then, each frame, random stamps on its first and last pixels tell the extension it is
// still there (WebKit gives a resized canvas new pixels). The extension makes the random
// pixels. They go by putImageData, which neither the context's transform, clip nor compositing
// touch, and the pixels under them are put back after, so the composition never sees them.
// Every function used here was taken before any composition loaded (`canvasCalls`), so a
// composition that replaces a prototype's method changes nothing here.
function inPlaceReader(ctx, spec) {
  const r = spec.frameRing;
  const { outWidth: w, outHeight: h } = spec;
  if (spec.alpha === true || r.matte || !String(r.format).startsWith("i420-") || w < MARK_PIXELS || h < 4) return null;
  const { apply, get, put, dataOf, widthOf, heightOf, Pixels } = canvasCalls;
  const canvas = ctx.canvas;
  // `n` random pixels from the extension put at the start of the first row and `n` at the end
  // of the last while `use(under)` runs: `under` is what was there (RGBA), put back after.
  const marked = (n, use) => {
    const bytes = apply(dataOf, new Pixels(2 * n, 1), []);
    if (!ringWrite(bytes, "random")) return false;
    const head = apply(get, ctx, [0, 0, n, 1]);
    const tail = apply(get, ctx, [w - n, h - 1, n, 1]);
    const headBytes = apply(dataOf, head, []);
    const tailBytes = apply(dataOf, tail, []);
    const under = new Uint8Array(8 * n);
    const headMark = new Pixels(n, 1);
    const tailMark = new Pixels(n, 1);
    const headMarks = apply(dataOf, headMark, []);
    const tailMarks = apply(dataOf, tailMark, []);
    for (let i = 0; i < 4 * n; i++) {
      under[i] = headBytes[i];
      under[4 * n + i] = tailBytes[i];
      headMarks[i] = bytes[i];
      tailMarks[i] = bytes[4 * n + i];
    }
    apply(put, ctx, [headMark, 0, 0]);
    apply(put, ctx, [tailMark, w - n, h - 1]);
    try {
      return use(under);
    } finally {
      apply(put, ctx, [head, 0, 0]);
      apply(put, ctx, [tail, w - n, h - 1]);
    }
  };
  let found = false;
  let looks = 0;
  let inPlace = 0;
  return (slot) => {
    if (apply(widthOf, canvas, []) !== w || apply(heightOf, canvas, []) !== h) return false;
    if (!found) {
      // Looked for again after it moved, but not forever: a composition that resizes its
      // canvas every frame moves it every frame. The count starts again after a long run.
      if (looks >= MAX_LOOKS) return false;
      looks++;
      found = marked(MARK_PIXELS, () => ringWrite("find"));
      if (!found) return false;
    }
    const done = marked(1, (under) => ringWrite(under, slot, "canvas"));
    // Not done: the canvas moved (looked for again next frame), or this frame has pixels that
    // are not opaque, which only getImageData gives as the other frames are (straight).
    found = done || ringWrite("found");
    inPlace = done ? inPlace + 1 : 0;
    if (inPlace >= LONG_RUN) looks = 0;
    return done;
  };
}
// The marks' length (web-extension/src/canvas.rs' MARK_PIXELS); how often the canvas is looked
// for, and after how many frames read in place that count starts again.
const MARK_PIXELS = 16;
const MAX_LOOKS = 4;
const LONG_RUN = 300;
// The canvas functions the in-place reader calls, taken from the prototypes now, before any
// composition loads.
const canvasCalls = {
  apply: Reflect.apply,
  get: CanvasRenderingContext2D.prototype.getImageData,
  put: CanvasRenderingContext2D.prototype.putImageData,
  dataOf: Object.getOwnPropertyDescriptor(ImageData.prototype, "data").get,
  widthOf: Object.getOwnPropertyDescriptor(HTMLCanvasElement.prototype, "width").get,
  heightOf: Object.getOwnPropertyDescriptor(HTMLCanvasElement.prototype, "height").get,
  Pixels: ImageData,
};

main().catch(report);
