// The main window's preview: the same runtime as the export, drawing whichever frame the
// window asks for (scrubber) or the clock reaches (play). Talks to the window by postMessage.
//
// With sound, the sound is the clock: the app mixes the project in chunks (`mix/<frame>/<n>`,
// the export's own mixer), the chunks play back to back through Web Audio, and the frame shown
// is the one the sound has reached. Where no sound comes out (no sound card: the audio clock
// does not move), the page says so and falls back to the system clock, silently.
import { createRuntime, CompositionError } from "./runtime.js";
import { frameAudioAt, SILENCE, STRIDE } from "./sound.js";
import { refuseAsking } from "./no-dialogs.js";
// The player runs on real time; the compositions it shows see the frame clock (clock.js).
import { installFrameClock, realNow, realSetTimeout } from "./clock.js";

// Before any composition loads: a composition's print() or alert() is its error, not a dialog
// over the window.
refuseAsking("preview", "the preview opens no dialog for a composition");

const canvas = document.getElementById("canvas");
// The page's own folder, for its requests to the app: relative URLs are the project folder's
// once the `<base>` for DOM scenes is set.
const PAGE_BASE = new URL(".", location.href).href;
const post = (msg) => window.parent.postMessage({ source: "bazaar-preview", ...msg }, "*");
let runtime = null;
let spec = null;
let ctx = null;
let frame = 0;
let playing = false;
let muted = false;

// Sound: the chunks fetched (first frame → { first, frames, pcm, figures }), the Web Audio
// context, and the clock of the current play: { source: "audio" | "timer", from, startAt }.
const chunks = new Map();
const arrived = new Map(); // the same chunks once they have arrived, for drawing without waiting
let chunkFrames = 60;
let audio = null; // { ctx, gain, sources: [] }
let clock = null;
let generation = 0;

async function fetchChunk(first) {
  if (!chunks.has(first)) {
    const p = fetch(`${PAGE_BASE}mix/${first}/${chunkFrames}`).then(async (r) => {
      if (!r.ok) throw new Error(`the sound could not be made: ${await r.text()}`);
      const buf = await r.arrayBuffer();
      const head = new Uint32Array(buf, 0, 2);
      const samples = head[0];
      const frames = head[1];
      const chunk = {
        first,
        frames,
        pcm: new Float32Array(buf, 8, samples * 2),
        figures: new Float32Array(buf, 8 + samples * 8, frames * STRIDE),
      };
      arrived.set(first, chunk);
      return chunk;
    });
    chunks.set(first, p);
    // Keep a few chunks around the current one.
    for (const k of chunks.keys()) {
      if (Math.abs(k - first) > 4 * chunkFrames) {
        chunks.delete(k);
        arrived.delete(k);
      }
    }
  }
  return chunks.get(first);
}

const chunkOf = (f) => f - (f % chunkFrames);

/** The `audio` argument for frame f, if its chunk has arrived. */
async function figuresAt(f) {
  if (!spec.audio) return SILENCE;
  const c = await fetchChunk(chunkOf(f));
  return frameAudioAt(c.figures, f - c.first);
}

// One drawing at a time, in the order asked for: a frame's drawing may wait (an async draw(), a
// video frame), and a frame asked for meanwhile (the scrubber moved during the first frame)
// would otherwise be painted over, and reported over, by the older one finishing last.
let drawing = Promise.resolve(true);

/** Draws frame f once the drawing before it is done, unless another frame has been asked for
 * by then (that one is drawn and reported instead). False if the composition failed. */
function draw(f, figures) {
  drawing = drawing.then(async () => {
    if (f !== frame) return true;
    try {
      await runtime.drawFrame(ctx, f, figures);
    } catch (e) {
      fail(e);
      return false;
    }
    if (f === frame) post({ type: "frame", frame: f, playing });
    return true;
  });
  return drawing;
}

async function show(f) {
  frame = Math.max(0, Math.min(spec.totalFrames - 1, Math.floor(f)));
  const wanted = frame;
  let figures = SILENCE;
  try {
    figures = await figuresAt(wanted);
  } catch (e) {
    fail(e);
    return;
  }
  if (wanted === frame) await draw(wanted, figures);
}

function fail(e) {
  stop();
  const err = e instanceof CompositionError ? e.toJSON() : { message: String((e && e.message) || e) };
  const el = document.getElementById("error");
  const text = err.message + (err.stack ? "\n" + err.stack : "");
  el.textContent = text;
  el.style.display = "block";
  // Positions in TypeScript/JSX files, as the app maps them back (WebKit has no source maps).
  fetch("at-source?" + encodeURIComponent(text.slice(0, 8192)))
    .then((r) => (r.ok ? r.text() : text))
    .then((mapped) => { el.textContent = mapped; }, () => {});
  post({ type: "error", error: err });
}

// The audio clock moves in steps (WebKit advances `currentTime` a buffer of the sound output
// at a time, 20–50 ms): between steps it is carried forward by the system clock, never past the
// next step's size and never backwards, so the picture can follow it to the frame.
let anchor = { ctxTime: -1, perf: 0, last: 0 };
function audioNow() {
  const t = audio.ctx.currentTime;
  const p = realNow() / 1000;
  if (t !== anchor.ctxTime) anchor = { ctxTime: t, perf: p, last: anchor.last };
  anchor.last = Math.max(anchor.last, t + Math.min(p - anchor.perf, 0.1));
  return anchor.last;
}

/** Where the clock of the current play is, in (fractional) project frames. */
function position() {
  if (!clock) return frame;
  const now = clock.source === "audio" ? audioNow() : realNow() / 1000;
  return clock.from + (now - clock.startAt) * spec.fps;
}

function stop() {
  playing = false;
  generation++;
  if (audio) for (const s of audio.sources.splice(0)) s.stop();
  clock = null;
}

/** Plays chunk `c` at its place on the audio clock (the part before the play's start, if any,
 * skipped). */
function schedule(c) {
  const n = c.pcm.length / 2;
  if (!n || !clock || clock.source !== "audio") return;
  const buffer = audio.ctx.createBuffer(2, n, 48000);
  const left = buffer.getChannelData(0);
  const right = buffer.getChannelData(1);
  for (let i = 0; i < n; i++) {
    left[i] = c.pcm[2 * i];
    right[i] = c.pcm[2 * i + 1];
  }
  const src = audio.ctx.createBufferSource();
  src.buffer = buffer;
  src.connect(audio.gain);
  const at = clock.startAt + (c.first - clock.from) / spec.fps;
  src.start(Math.max(at, clock.startAt), Math.min(Math.max(0, clock.startAt - at), buffer.duration));
  audio.sources.push(src);
  if (audio.sources.length > 8) audio.sources.shift();
}

async function startSound(from, gen) {
  if (!audio) {
    const ac = new AudioContext({ sampleRate: 48000 });
    const gain = ac.createGain();
    gain.connect(ac.destination);
    audio = { ctx: ac, gain, sources: [] };
  }
  audio.gain.gain.value = muted ? 0 : 1;
  await Promise.race([audio.ctx.resume(), new Promise((r) => realSetTimeout(r, 500))]);
  // Chunks start on chunk boundaries; the first may begin before `from` (played from inside).
  const first = await fetchChunk(chunkOf(from));
  if (gen !== generation) return;
  const startAt = audio.ctx.currentTime + 0.05;
  anchor = { ctxTime: -1, perf: 0, last: 0 };
  clock = { source: "audio", from, startAt };
  schedule(first);
  // No sound output (no sound card): the audio clock stands still. Go on silently.
  const t0 = audio.ctx.currentTime;
  realSetTimeout(() => {
    if (gen !== generation || !clock || clock.source !== "audio" || audio.ctx.currentTime > t0) return;
    const at = from;
    clock = { source: "timer", from: at, startAt: realNow() / 1000 };
    post({ type: "sound", output: "none" });
  }, 400);
  post({ type: "sound", output: "audio" });
}

let nextChunk = 0;
// When the last frame was drawn, and where the clock was then (the probe reports both).
let drawn = { at: 0, clock: 0 };

async function tick(gen) {
  if (gen !== generation || !playing) return;
  const f = Math.floor(position());
  if (f >= spec.totalFrames) {
    stop();
    show(spec.totalFrames - 1);
    return;
  }
  if (f !== frame || !clock) {
    // Synchronous from the clock's reading to the drawing, so the frame drawn is the one the
    // sound is in (a chunk not yet arrived draws with silence).
    frame = f;
    const c = arrived.get(chunkOf(f));
    const figures = c ? frameAudioAt(c.figures, f - c.first) : SILENCE;
    if (!(await draw(f, figures)) || gen !== generation) return;
    drawn = { at: realNow(), clock: position() };
  }
  // Fetch and schedule the next chunk a chunk ahead.
  if (spec.audio && clock && nextChunk < spec.totalFrames && f >= nextChunk - chunkFrames) {
    const want = nextChunk;
    nextChunk += chunkFrames;
    fetchChunk(want)
      .then((c) => gen === generation && schedule(c))
      .catch(fail);
  }
  // Woken when the clock reaches the next frame (a timer, not an animation frame: those come
  // at 30 Hz or less in some displays, which would leave the picture a frame behind the sound).
  const due = ((Math.floor(position()) + 1 - position()) / spec.fps) * 1000;
  realSetTimeout(() => tick(gen), Math.max(1, Math.min(100, due)));
}

// Libraries keep their own time (GSAP's ticker, a three.js loop's state): going back on the
// frame clock, they would not show what the export shows. So a page whose code uses the clock
// starts again from frame 0 for a frame before the one shown, as a DOM scene's root is rebuilt
// (dom.js): reloaded, told the frame (and whether to go on playing) through `window.name`, which
// a reload keeps (the same URL: the window lets its preview frame show no other), and stepped
// to it. Returns whether it did.
const REPLAY = "bazaar-replay:";
function replayTo(f, playOn) {
  const clock = installFrameClock(spec.fps);
  if (f >= clock.frame() || !clock.used()) return false;
  stop();
  window.name = REPLAY + JSON.stringify({ frame: f, play: playOn });
  location.reload();
  return true;
}

async function play() {
  if (frame >= spec.totalFrames - 1) frame = 0;
  if (replayTo(frame, true)) return;
  stop();
  playing = true;
  const gen = generation;
  const from = frame;
  if (spec.audio) {
    try {
      await startSound(from, gen);
    } catch (e) {
      // Web Audio unavailable: the picture still plays, on the system clock.
      clock = { source: "timer", from, startAt: realNow() / 1000 };
      post({ type: "sound", output: "none" });
    }
  } else {
    clock = { source: "timer", from, startAt: realNow() / 1000 };
  }
  if (gen !== generation) return;
  nextChunk = chunkOf(from) + chunkFrames;
  tick(gen);
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
  // A DOM scene shown: where its `[data-probe]` elements are, in project pixels (animations
  // included), so tests can check the preview's DOM frame.
  const root = [...document.querySelectorAll("#stage > div[data-scene]")].find((r) => r.style.display !== "none");
  let dom = null;
  if (root) {
    const box = root.getBoundingClientRect();
    const scale = box.width / spec.width;
    dom = { scene: Number(root.dataset.scene), probes: {} };
    for (const el of root.querySelectorAll("[data-probe]")) {
      dom.probes[el.dataset.probe] = Math.round(((el.getBoundingClientRect().left - box.left) / scale) * 10) / 10;
    }
  }
  return { frame, index, dom, color: [px[0], px[1], px[2]], clock: position(), clockSource: clock ? clock.source : null, muted,
    drawnAtClock: drawn.clock, msSinceDrawn: realNow() - drawn.at };
}

window.addEventListener("message", (ev) => {
  const m = ev.data || {};
  if (!runtime) return;
  if (m.type === "seek") {
    const wasPlaying = playing;
    stop();
    frame = Math.max(0, Math.min(spec.totalFrames - 1, Math.floor(m.frame)));
    if (replayTo(frame, wasPlaying)) return;
    if (wasPlaying) play();
    else show(frame);
  } else if (m.type === "play") {
    play();
  } else if (m.type === "pause") {
    stop();
    post({ type: "frame", frame, playing });
  } else if (m.type === "mute") {
    muted = Boolean(m.muted);
    if (audio) audio.gain.gain.value = muted ? 0 : 1;
  } else if (m.type === "probe") {
    post({ type: "probe", ...probe() });
  } else if (m.type === "props-of") {
    // Plain data only: a composition's defaults could hold something postMessage cannot copy.
    const p = runtime.propsOf(m.scene);
    if (p) post({ type: "scene-props", scene: m.scene, ...JSON.parse(JSON.stringify(p)) });
  } else if (m.type === "set-props") {
    runtime.setProps(m.scene, m.props || {});
    if (!playing) show(frame);
  }
});

// Keys pressed while the preview has the focus go to the window, which owns the shortcuts.
window.addEventListener("keydown", (ev) => {
  if ([" ", "ArrowLeft", "ArrowRight", "Home", "End", "+", "=", "-"].includes(ev.key)) {
    ev.preventDefault();
    post({ type: "key", key: ev.key, shiftKey: ev.shiftKey, ctrlKey: ev.ctrlKey, altKey: ev.altKey, metaKey: ev.metaKey });
  }
});

async function main() {
  spec = await (await fetch("spec.json")).json();
  chunkFrames = Math.max(1, spec.fps * 2);
  canvas.width = spec.outWidth;
  canvas.height = spec.outHeight;
  // A transparent project's canvas keeps alpha and shows the stage (its matte) under it.
  ctx = canvas.getContext("2d", { willReadFrequently: true, alpha: spec.alpha === true });
  // Relative URLs in DOM scenes are the project folder's, as in the export.
  const base = document.createElement("base");
  base.href = spec.assetBase;
  document.head.appendChild(base);
  const stage = document.getElementById("stage");
  stage.style.background = spec.stage || "#000";
  const fit = () => {
    const [w, h] = [spec.outWidth, spec.outHeight];
    const scale = Math.min(window.innerWidth / w, window.innerHeight / h);
    Object.assign(stage.style, { width: `${w}px`, height: `${h}px` });
    stage.style.transform = `translate(${(window.innerWidth - w * scale) / 2}px, ${(window.innerHeight - h * scale) / 2}px) scale(${scale})`;
  };
  fit();
  window.addEventListener("resize", fit);
  runtime = await createRuntime(spec, stage);
  post({ type: "ready", totalFrames: spec.totalFrames, fps: spec.fps, sound: Boolean(spec.audio) });
  // Reloaded to go back on the frame clock (replayTo): the frame it was asked for.
  let back = { frame: 0, play: false };
  if (window.name.startsWith(REPLAY)) {
    try {
      back = JSON.parse(window.name.slice(REPLAY.length));
    } catch (e) {
      // Not ours after all: from the start.
    }
    window.name = "";
  }
  await show(Number(back.frame) || 0);
  if (back.play) play();
}

main().catch(fail);
