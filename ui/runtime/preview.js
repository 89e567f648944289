// The main window's preview: the same runtime as the export, drawing whichever frame the
// window asks for (scrubber) or the clock reaches (play). Talks to the window by postMessage.
import { createRuntime, CompositionError } from "./runtime.js";

const canvas = document.getElementById("canvas");
const post = (msg) => window.parent.postMessage({ source: "bazaar-preview", ...msg }, "*");
let runtime = null;
let spec = null;
let ctx = null;
let frame = 0;
let playing = false;
let playStart = 0;
let playFrom = 0;

function show(f) {
  frame = Math.max(0, Math.min(spec.totalFrames - 1, Math.floor(f)));
  try {
    runtime.drawFrame(ctx, frame);
  } catch (e) {
    fail(e);
    return;
  }
  post({ type: "frame", frame, playing });
}

function fail(e) {
  playing = false;
  const err = e instanceof CompositionError ? e.toJSON() : { message: String((e && e.message) || e) };
  const el = document.getElementById("error");
  el.textContent = err.message + (err.stack ? "\n" + err.stack : "");
  el.style.display = "block";
  post({ type: "error", error: err });
}

function tick() {
  if (!playing) return;
  const f = playFrom + ((performance.now() - playStart) / 1000) * spec.fps;
  if (f >= spec.totalFrames) {
    playing = false;
    show(spec.totalFrames - 1);
    return;
  }
  show(f);
  requestAnimationFrame(tick);
}

// Reads the frame-index cells the test composition draws (12 black/white cells, top quarter),
// and the colour of the bottom half: lets tests check the preview shows the right frame.
function probe() {
  const w = canvas.width;
  const h = canvas.height;
  const cell = Math.floor(w / 12);
  const row = ctx.getImageData(0, Math.floor(h / 8), w, 1).data;
  let index = 0;
  for (let bit = 0; bit < 12; bit++) {
    const o = (bit * cell + Math.floor(cell / 2)) * 4;
    index = (index << 1) | ((row[o] + row[o + 1] + row[o + 2]) / 3 > 127 ? 1 : 0);
  }
  const px = ctx.getImageData(Math.floor(w / 2), Math.floor((h * 3) / 4), 1, 1).data;
  return { frame, index, color: [px[0], px[1], px[2]] };
}

window.addEventListener("message", (ev) => {
  const m = ev.data || {};
  if (!runtime) return;
  if (m.type === "seek") {
    playing = false;
    show(m.frame);
  } else if (m.type === "play") {
    if (frame >= spec.totalFrames - 1) frame = 0;
    playing = true;
    playFrom = frame;
    playStart = performance.now();
    requestAnimationFrame(tick);
  } else if (m.type === "pause") {
    playing = false;
    post({ type: "frame", frame, playing });
  } else if (m.type === "probe") {
    post({ type: "probe", ...probe() });
  }
});

async function main() {
  spec = await (await fetch("spec.json")).json();
  canvas.width = spec.outWidth;
  canvas.height = spec.outHeight;
  ctx = canvas.getContext("2d", { willReadFrequently: true, alpha: false });
  runtime = await createRuntime(spec);
  post({ type: "ready", totalFrames: spec.totalFrames, fps: spec.fps });
  show(0);
}

main().catch(fail);
